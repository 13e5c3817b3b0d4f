//! The `ctl` subcommands that do more than one request or print more than one line: `unregister`
//! (with its confirmation), `ensure --wait`, `check-updates` and `set`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::bail;

use super::{SetArgs, UsageError, plural};
use crate::client::AssetPackManager;
use crate::ipc::Connection;
use crate::manager::api::{LimitsPatch, ManagerApi, PackRef};
use crate::model::StatusUpdate;
use crate::model::size::format_bytes;

/// Asks first on a terminal (saying what goes and how much space it frees); refuses elsewhere
/// without `--yes`.
pub async fn unregister(connection: &Connection, app: String, yes: bool) -> anyhow::Result<()> {
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(UsageError(format!(
                "unregistering `{app}` removes its installed packs: pass --yes to confirm"
            ))
            .into());
        }
        let document = connection.status().await?;
        let Some(view) = document.app(&app) else {
            bail!("no registered app `{app}`");
        };
        let installed: Vec<&str> = view
            .packs
            .iter()
            .filter(|p| p.flags.downloaded)
            .map(|p| p.id.as_str())
            .collect();
        eprint!(
            "Unregister {} ({}) and remove its {} installed pack{}{} from {}, freeing {}? [y/N] ",
            view.bundle_id,
            view.name,
            installed.len(),
            plural(installed.len() as u64),
            if installed.is_empty() {
                String::new()
            } else {
                format!(" ({})", installed.join(", "))
            },
            view.container.display(),
            format_bytes(view.disk_used),
        );
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            eprintln!("nothing removed");
            return Ok(());
        }
    }
    let freed = connection.unregister(&app).await?;
    println!("unregistered {app}: freed {}", format_bytes(freed));
    Ok(())
}

/// `ensure --wait`: the client's `ensureLocalAvailability`, with a progress bar on a terminal.
pub async fn ensure_and_wait(connection: &Connection, app: &str, pack: &str) -> anyhow::Result<()> {
    let manager = AssetPackManager::over(connection.clone(), app);
    let mut updates = manager.status_updates(pack).await?;
    let bar = crate::cli::pack::progress_bar();
    bar.set_message(format!("{app}/{pack}"));
    let progress = bar.clone();
    let show = tokio::spawn(async move {
        while let Some(update) = updates.next().await {
            match update {
                StatusUpdate::Downloading { progress: p } => {
                    progress.set_length(p.bytes_total);
                    progress.set_position(p.bytes_done);
                }
                StatusUpdate::Paused => progress.set_message("paused"),
                _ => {}
            }
        }
    });
    let result = manager.ensure_local_availability(pack, true).await;
    show.abort();
    bar.finish_and_clear();
    result?;
    let view = manager.view(pack).await?;
    println!(
        "installed {app}/{pack} version {} at {}",
        view.installed_version.map_or("?".into(), |v| v.to_string()),
        view.path.as_deref().unwrap_or(Path::new("?")).display()
    );
    Ok(())
}

/// `check-updates`: the packs updating and removed, or "no updates".
pub async fn check_updates(connection: &Connection, app: Option<String>) -> anyhow::Result<()> {
    let result = connection.check_updates(app.as_deref()).await?;
    let names = |packs: &[PackRef]| {
        packs
            .iter()
            .map(|p| format!("{}/{}", p.app, p.pack))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if result.updating.is_empty() && result.removed.is_empty() {
        println!("no updates");
    }
    if !result.updating.is_empty() {
        println!("updating: {}", names(&result.updating));
    }
    if !result.removed.is_empty() {
        println!("removed: {}", names(&result.removed));
    }
    Ok(())
}

/// `set`: new limits, then new languages, each printed as in force.
pub async fn set(connection: &Connection, args: SetArgs) -> anyhow::Result<()> {
    let patch = LimitsPatch {
        max_concurrent: args.max_concurrent,
        max_per_host: args.per_host,
        bytes_per_second: args.limit_rate,
    };
    if patch != LimitsPatch::default() {
        let limits = connection.set_limits(patch).await?;
        println!(
            "limits: {} at once, {} per host, {}",
            limits.max_concurrent,
            limits.max_per_host,
            limits
                .bytes_per_second
                .map_or("no rate limit".into(), |r| format!("{}/s", format_bytes(r)))
        );
    }
    if let Some(languages) = args.languages {
        let languages = languages
            .split(',')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        let in_force = connection.set_languages(languages).await?;
        println!("languages: {}", in_force.join(", "));
    }
    Ok(())
}
