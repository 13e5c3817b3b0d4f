//! Downloader extensions end to end (`bgassets::extension`, `docs/extensions.md`): real shell
//! extensions written to a temp dir and run as the manager runs them (veto and allow, the
//! request whole on stdin, a cleared environment in the container, and every named failure:
//! hung, crashed, exit code, garbage, too much output, a child holding stdout), the file checks
//! of `BGAssetsDownloaderExtension` at resolve and at registration, and connection extensions
//! over a real socket (`connection.rs`).

mod connection;
mod documented;
mod resolve;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bgassets::extension::message::{PackInfo, PolicyName, ShouldDownloadAnswer};
use bgassets::extension::{
    Answer, ExtensionErrorKind, ExtensionLimits, ExtensionRequest, ProcessExtension,
};
use bgassets::model::ContentKind;
use serde_json::json;

use crate::support::wait::wait_until_async;

const APP: &str = "org.example.game";

/// Writes an executable `#!/bin/sh` script `name` in `dir` (its folders made).
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// An app folder (the Info.plist's) and a container, in a temp dir.
struct App {
    root: tempfile::TempDir,
}

impl App {
    fn new() -> Self {
        Self {
            root: tempfile::tempdir().unwrap(),
        }
    }

    fn folder(&self) -> PathBuf {
        self.root.path().join("Game.app/Contents")
    }

    /// The container; not made: the call makes it.
    fn container(&self) -> PathBuf {
        self.root.path().join("containers").join(APP)
    }

    /// The extension `MacOS/NAME` running `body`.
    fn extension(&self, name: &str, body: &str) -> ProcessExtension {
        let relative = format!("MacOS/{name}");
        script(&self.folder(), &relative, body);
        ProcessExtension::resolve(&self.folder(), &relative).unwrap()
    }

    async fn call(
        &self,
        extension: &ProcessExtension,
        request: &ExtensionRequest,
        time: Duration,
    ) -> Result<Answer, bgassets::extension::ExtensionError> {
        let limits = ExtensionLimits {
            time,
            ..ExtensionLimits::default()
        };
        extension.call(&self.container(), request, &limits).await
    }
}

fn should_download() -> ExtensionRequest {
    ExtensionRequest::ShouldDownload {
        app: APP.into(),
        pack: PackInfo {
            id: "Levels".into(),
            version: 2,
            policy: PolicyName::OnDemand,
            download_size: 1000,
            install_size: 2000,
            user_info: None,
        },
    }
}

const LIMIT: Duration = Duration::from_secs(10);

/// Whether `pid` is a live process: `kill -0` succeeds and it is no zombie (an orphan's zombie
/// waits for the machine's init to reap it, which is not the manager's to do).
fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let exists = unsafe { libc::kill(pid, 0) } == 0;
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit(')')
                .next()
                .map(|rest| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false);
    exists && !zombie
}

fn pid_in(file: &Path) -> i32 {
    std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_extension_vetoes_or_allows_a_pack() {
    let app = App::new();
    for (name, answer) in [("veto", false), ("allow", true)] {
        let extension = app.extension(name, &format!(r#"echo '{{"shouldDownload": {answer}}}'"#));
        let got = app
            .call(&extension, &should_download(), LIMIT)
            .await
            .unwrap();
        assert_eq!(
            got,
            Answer::ShouldDownload(ShouldDownloadAnswer {
                should_download: answer
            }),
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_request_arrives_whole_on_stdin_and_a_field_comes_back() {
    let app = App::new();
    // Larger than a pipe's buffer (64 KiB): the extension reads it while it is written.
    let manifest = json!({"assetPacks": (0..6000).map(|i| json!({"id": format!("pack-{i}")})).collect::<Vec<_>>()});
    let request = ExtensionRequest::ContentRequest {
        app: APP.into(),
        kind: ContentKind::Install,
        manifest_url: "https://cdn.example.com/manifest.json".parse().unwrap(),
        manifest,
        allowance: Default::default(),
    };
    let extension = app.extension(
        "echo-kind",
        r#"cat > request.json
kind=$(sed -n 's/.*"kind":"\([a-z]*\)".*/\1/p' request.json)
printf '{"downloads": [{"identifier": "for-%s", "url": "https://cdn.example.com/%s.json"}]}\n' "$kind" "$kind""#,
    );
    let answer = app.call(&extension, &request, LIMIT).await.unwrap();
    let Answer::Content(content) = answer else {
        panic!("{answer:?}")
    };
    assert_eq!(content.downloads[0].identifier.as_str(), "for-install");
    assert_eq!(
        content.downloads[0].url.as_str(),
        "https://cdn.example.com/install.json"
    );
    let received = std::fs::read(app.container().join("request.json")).unwrap();
    assert!(received.len() > 64 * 1024, "{} bytes", received.len());
    assert_eq!(received, request.to_line(), "the request, byte for byte");
}

#[tokio::test]
async fn an_extension_runs_in_the_container_with_a_cleared_environment() {
    let app = App::new();
    let extension = app.extension("env", "env > env.txt\npwd -P > pwd.txt\necho '{}'");
    let request = ExtensionRequest::WillTerminate { app: APP.into() };
    assert!(!app.container().exists(), "made by the call");
    let answer = app.call(&extension, &request, LIMIT).await.unwrap();
    assert_eq!(answer, Answer::WillTerminate);
    let container = app.container().canonicalize().unwrap();
    let pwd = std::fs::read_to_string(container.join("pwd.txt")).unwrap();
    assert_eq!(pwd.trim(), container.to_str().unwrap());
    let env = std::fs::read_to_string(container.join("env.txt")).unwrap();
    let vars: std::collections::BTreeMap<&str, &str> = env
        .lines()
        .filter_map(|line| line.split_once('='))
        .collect();
    let home = std::env::var("HOME").unwrap_or_default();
    assert_ne!(
        vars.get("HOME"),
        Some(&home.as_str()),
        "not the test's HOME"
    );
    assert_eq!(vars["HOME"], app.container().to_str().unwrap());
    assert_eq!(vars["BGASSETS_APP"], APP);
    assert_eq!(
        vars["BGASSETS_CONTAINER"],
        app.container().to_str().unwrap()
    );
    assert_eq!(vars["BGASSETS_EVENT"], "willTerminate");
    assert_eq!(vars["PATH"], "/usr/bin:/bin");
    assert_eq!(vars["LANG"], "C.UTF-8");
    // Only what bgassets sets, and what the shell itself adds.
    let shell_own = ["PWD", "OLDPWD", "SHLVL", "_"];
    for name in vars.keys() {
        assert!(
            name.starts_with("BGASSETS_")
                || ["HOME", "PATH", "LANG"].contains(name)
                || shell_own.contains(name),
            "`{name}` leaked into the extension's environment:\n{env}"
        );
    }
}

#[tokio::test]
async fn a_hung_extension_is_killed_at_the_limit_and_leaves_no_process() {
    let app = App::new();
    let extension = app.extension(
        "hang",
        "echo $$ > shell.pid\nsleep 60 &\necho $! > sleep.pid\nwait",
    );
    let limit = Duration::from_secs(1);
    let started = Instant::now();
    let error = app
        .call(&extension, &should_download(), limit)
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(error.kind(), ExtensionErrorKind::Hung, "{error}");
    assert!(took < limit + Duration::from_secs(1), "took {took:?}");
    assert_eq!(
        error.to_string(),
        "extension `MacOS/hang` of org.example.game: hung: no answer within 1 s; it was stopped"
    );
    for file in ["shell.pid", "sleep.pid"] {
        let pid = pid_in(&app.container().join(file));
        wait_until_async(
            &format!("{file} ({pid}) gone"),
            Duration::from_secs(5),
            || !alive(pid),
        )
        .await;
    }
}

#[tokio::test]
async fn a_crash_an_exit_code_and_garbage_are_named() {
    let app = App::new();
    let crash = app.extension("crash", "kill -SEGV $$");
    let error = app
        .call(&crash, &should_download(), LIMIT)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::Crashed, "{error}");
    assert!(
        error.to_string().contains("killed by signal 11 (SIGSEGV)"),
        "{error}"
    );

    let exit = app.extension(
        "exit3",
        "echo 'starting' >&2\necho 'cannot reach the token service' >&2\nexit 3",
    );
    let error = app
        .call(&exit, &should_download(), LIMIT)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::ExitCode, "{error}");
    let message = error.to_string();
    assert!(message.contains("exited with code 3"), "{message}");
    assert!(
        message.contains("cannot reach the token service"),
        "{message}"
    );

    let garbage = app.extension("garbage", "echo 'hello, I am not JSON'");
    let error = app
        .call(&garbage, &should_download(), LIMIT)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::Garbage, "{error}");
    assert!(
        error
            .to_string()
            .contains("the answer began: \"hello, I am not JSON"),
        "{error}"
    );
}

#[tokio::test]
async fn two_mebibytes_of_output_are_too_much() {
    let app = App::new();
    let chatty = app.extension("chatty", "head -c 2097152 /dev/zero");
    let started = Instant::now();
    let error = app
        .call(&chatty, &should_download(), LIMIT)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ExtensionErrorKind::TooMuchOutput, "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_child_holding_stdout_open_does_not_hold_the_answer() {
    let app = App::new();
    let extension = app.extension(
        "forks",
        "sleep 60 &\necho $! > sleep.pid\necho '{\"shouldDownload\": true}'",
    );
    let started = Instant::now();
    let answer = app
        .call(&extension, &should_download(), LIMIT)
        .await
        .unwrap();
    assert!(matches!(answer, Answer::ShouldDownload(_)), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let pid = pid_in(&app.container().join("sleep.pid"));
    wait_until_async("the leftover child gone", Duration::from_secs(5), || {
        !alive(pid)
    })
    .await;
}
