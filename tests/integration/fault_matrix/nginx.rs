//! The fault matrix against nginx, a third-party server: skipped, with the reason in the row,
//! when nginx is not installed.

use bgassets::model::ErrorKind;

use super::harness::*;

/// Downloads `path` from nginx serving the site; skipped, with the reason printed, without nginx.
async fn nginx(case: &str, path: &str, expect: Expect) {
    if let Err(reason) = nginx_present() {
        println!("\n| {case} | nginx | {expect} | skipped: {reason} | | | | |");
        return;
    }
    let (_site, root) = site();
    let server = crate::support::nginx::Nginx::start(&root);
    let place = Place::new();
    let observed = download(&place, request(&place, &server.url_of(path)), Vec::new()).await;
    report(case, "nginx", expect, &observed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n1_whole_file() {
    nginx("whole file", "pack.bin", Expect::Finished).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n2_missing_file() {
    let expect = Expect::Failed(ErrorKind::HttpStatus);
    nginx("missing file (404)", "nope.bin", expect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n3_directory() {
    let expect = Expect::Failed(ErrorKind::HttpStatus);
    nginx("a folder (301 to `dir/`, then 403)", "dir", expect).await;
}
