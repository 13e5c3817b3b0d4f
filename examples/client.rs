//! An app using its asset packs through `bgassets::client`, Apple's `AssetPackManager` in Rust:
//! lists the demo app's packs, ensures an on-demand pack is installed while printing its
//! progress, then reads a file from it.
//!
//! Run it against the demo, in two terminals:
//!
//! ```text
//! cargo run -- daemon --demo --data-dir /tmp/bgassets-demo
//! cargo run --example client -- /tmp/bgassets-demo
//! ```
//!
//! Arguments: `[DATA_DIR [PACK FILE]]`. Without a data dir, `BGASSETS_HOME` or the platform's
//! folders are used, like `bgassets ctl`. The pack defaults to the demo's on-demand
//! `BonusLevels` and the file to `Levels/bonus/level-1.map`. Run it twice: the second time the
//! pack is already installed and nothing downloads; `bgassets ctl --data-dir … remove
//! org.bgassets.demo.starfield BonusLevels` starts over.

use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;

use bgassets::client::{AssetPackManager, ClientError};
use bgassets::model::StatusUpdate;
use bgassets::model::size::format_bytes;
use bgassets::store::Paths;

/// The demo app's bundle id (`assets/demo/Info.plist`).
const DEMO_APP: &str = "org.bgassets.demo.starfield";

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let data_dir = args.next().map(PathBuf::from);
    let pack = args.next().unwrap_or_else(|| "BonusLevels".into());
    let file = args
        .next()
        .unwrap_or_else(|| "Levels/bonus/level-1.map".into());
    match run(data_dir, &pack, &file).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            let mut source = error.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            if let Some(ClientError::Connection(_)) = error.downcast_ref() {
                eprintln!("is the demo running? `cargo run -- daemon --demo --data-dir DIR`");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(data_dir: Option<PathBuf>, pack: &str, file: &str) -> Result<(), Box<dyn Error>> {
    let paths = Paths::resolve(data_dir.as_deref())?;
    let manager = AssetPackManager::connect(&paths, DEMO_APP).await?;

    println!("{DEMO_APP}'s asset packs:");
    for asset_pack in manager.all_asset_packs().await? {
        let status = manager.status(&asset_pack.id).await?;
        let state = if status.flags.downloaded {
            "installed"
        } else if status.flags.downloading {
            "downloading"
        } else {
            "not installed"
        };
        println!(
            "  {:<20} {:<10} {:>9}  {state}",
            asset_pack.id,
            asset_pack.policy.name(),
            format_bytes(asset_pack.download_size),
        );
    }

    // Follow the pack's status updates while waiting for it.
    let mut updates = manager.status_updates(pack).await?;
    println!("ensuring {pack} is available…");
    let ensured = manager.ensure_local_availability(pack, false);
    tokio::pin!(ensured);
    loop {
        tokio::select! {
            // Updates first, so that none is left unprinted when the wait ends.
            biased;
            Some(update) = updates.next() => match update {
                StatusUpdate::Began => println!("began"),
                StatusUpdate::Paused => println!("paused"),
                StatusUpdate::Downloading { progress } => println!(
                    "downloading: {:>3.0}% of {}",
                    progress.fraction() * 100.0,
                    format_bytes(progress.bytes_total)
                ),
                StatusUpdate::Finished => println!("finished"),
                StatusUpdate::Failed { error } => println!("failed: {error}"),
            },
            result = &mut ensured => break result?,
        }
    }

    let bytes = manager.contents(file, Some(pack)).await?;
    let path = manager.url(file, Some(pack)).await?;
    println!(
        "{file}: {} at {}",
        format_bytes(bytes.len() as u64),
        path.display()
    );
    Ok(())
}
