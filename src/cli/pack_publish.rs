//! `bgassets pack publish SITE s3://BUCKET/PREFIX` and `bgassets pack prune s3://BUCKET/PREFIX
//! --keep N`: parse, run [`crate::publish`] on a small runtime, print what it does (a byte
//! progress bar on a terminal, one line per step otherwise).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::ProgressBar;

use super::pack::progress_bar;
use crate::model::size::{format_bytes, parse_size};
use crate::publish::{self, Destination, PruneOptions, PublishOptions, Reporter};

/// `bgassets pack publish`'s arguments.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The site folder `bgassets pack index` wrote: `manifest.json` and the archives it names.
    pub site: PathBuf,
    /// Where to publish: `s3://BUCKET` or `s3://BUCKET/PREFIX`.
    pub destination: String,
    /// The S3-compatible endpoint (R2, MinIO, SeaweedFS…); AWS S3 when absent. Also
    /// `AWS_ENDPOINT_URL`.
    #[arg(long, env = "AWS_ENDPOINT_URL", value_name = "URL")]
    pub endpoint: Option<String>,
    /// List what would be uploaded, kept and retired; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Upload at most this many bytes per second (`20MB`, `1.5MiB`).
    #[arg(long, value_name = "RATE", value_parser = parse_size)]
    pub limit_rate: Option<u64>,
    /// Objects uploaded at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// The public URL of a folder where the same site is published too (another bucket, CDN
    /// or region): each pack lists its archive there as a mirror, which managers fail over to.
    /// Repeat for more.
    #[arg(long = "mirror-base", value_name = "URL", value_parser = publish::mirrors::mirror_base)]
    pub mirror_bases: Vec<url::Url>,
}

/// `bgassets pack prune`'s arguments.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Where the site was published: `s3://BUCKET` or `s3://BUCKET/PREFIX`.
    pub destination: String,
    /// Keep every archive the newest N publishes named (and the manifest in place names).
    #[arg(long, value_name = "N")]
    pub keep: usize,
    /// The S3-compatible endpoint; AWS S3 when absent. Also `AWS_ENDPOINT_URL`.
    #[arg(long, env = "AWS_ENDPOINT_URL", value_name = "URL")]
    pub endpoint: Option<String>,
    /// List what would be deleted; delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Lines on stderr (above the bar while it shows), bytes on the bar.
struct Printer {
    bar: ProgressBar,
}

impl Reporter for Printer {
    fn line(&self, text: &str) {
        if self.bar.is_hidden() {
            eprintln!("{text}");
        } else {
            self.bar.println(text);
        }
    }

    fn begin_bytes(&self, total: u64) {
        self.bar.set_length(total);
        self.bar.set_position(0);
        self.bar.set_message("uploading");
    }

    fn bytes(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn end_bytes(&self) {
        self.bar.finish_and_clear();
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn destination(text: &str) -> anyhow::Result<Destination> {
    Destination::parse(text).map_err(|problem| anyhow::anyhow!("destination: {problem}"))
}

/// Runs `pack publish`.
pub fn publish(args: PublishArgs) -> anyhow::Result<()> {
    let options = PublishOptions {
        destination: destination(&args.destination)?,
        site: args.site,
        endpoint: args.endpoint,
        dry_run: args.dry_run,
        rate: args.limit_rate,
        concurrency: usize::from(args.concurrency),
        mirror_bases: args.mirror_bases,
    };
    let printer = Printer {
        bar: progress_bar(),
    };
    let started = std::time::Instant::now();
    let plan = runtime()?
        .block_on(publish::publish(&options, &printer))
        .with_context(|| {
            format!(
                "cannot publish {} to {}",
                options.site.display(),
                options.destination
            )
        })?;
    printer.end_bytes();
    let seconds = started.elapsed().as_secs_f64();
    if options.dry_run {
        println!("dry run: nothing written to {}", options.destination);
    } else if plan.is_empty() {
        println!(
            "{}: already up to date ({} objects kept), nothing uploaded",
            options.destination,
            plan.kept.len()
        );
    } else {
        println!(
            "{}: published: {} objects uploaded ({}), {} kept, {} retired, in {seconds:.2} s",
            options.destination,
            plan.uploads.len(),
            format_bytes(plan.upload_bytes()),
            plan.kept.len(),
            plan.retired.len()
        );
    }
    Ok(())
}

/// Runs `pack prune`.
pub fn prune(args: PruneArgs) -> anyhow::Result<()> {
    let options = PruneOptions {
        destination: destination(&args.destination)?,
        endpoint: args.endpoint,
        keep: args.keep,
        dry_run: args.dry_run,
    };
    let printer = Printer {
        bar: ProgressBar::hidden(),
    };
    let plan = runtime()?
        .block_on(publish::prune(&options, &printer))
        .with_context(|| format!("cannot prune {}", options.destination))?;
    let verb = if options.dry_run {
        "dry run: would delete"
    } else {
        "deleted"
    };
    println!(
        "{}: {verb} {} archives ({}), kept {}",
        options.destination,
        plan.delete.len(),
        format_bytes(plan.delete_bytes()),
        plan.kept.len()
    );
    Ok(())
}
