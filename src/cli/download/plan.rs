//! What `bgassets download` will do with its arguments, decided before anything is touched:
//! each URL's destination and priority, in the order the engine will rank them, or a usage
//! error naming the argument that does not fit. A pure function, tested here.

use std::path::{Path, PathBuf};

use url::Url;

use crate::engine::Priority;

/// One URL to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub url: Url,
    pub destination: PathBuf,
    pub priority: Priority,
}

/// The URLs' destinations and priorities, best ranked first (higher priority first; equal
/// priorities keep the command line's order, as the engine ranks them).
///
/// `output` names the file of a single URL; otherwise each file is named after its URL, in
/// `output_dir` (the current folder by default). `priorities` holds one value per URL in the
/// same order, or one for all, or none (0 for all).
pub fn plan(
    urls: &[Url],
    output: Option<&Path>,
    output_dir: Option<&Path>,
    priorities: &[i64],
) -> Result<Vec<Planned>, String> {
    if output.is_some() && urls.len() > 1 {
        return Err(format!(
            "-o names one file, but {} URLs were given: use --output-dir for several",
            urls.len()
        ));
    }
    let priority_of = |index: usize| match priorities {
        [] => Ok(Priority::DEFAULT),
        [one] => Ok(Priority(*one)),
        many if many.len() == urls.len() => Ok(Priority(many[index])),
        many => Err(format!(
            "{} --priority values for {} URLs: give one per URL, in the same order, or one for all",
            many.len(),
            urls.len()
        )),
    };
    let mut planned = Vec::with_capacity(urls.len());
    for (index, url) in urls.iter().enumerate() {
        let destination = match (output, output_dir) {
            (Some(path), _) => path.to_path_buf(),
            (None, Some(dir)) => dir.join(file_name_of(url)),
            (None, None) => PathBuf::from(file_name_of(url)),
        };
        if let Some(earlier) = planned
            .iter()
            .find(|p: &&Planned| p.destination == destination)
        {
            return Err(format!(
                "{} and {} would both be written to {}: download them separately with -o",
                earlier.url,
                url,
                destination.display()
            ));
        }
        planned.push(Planned {
            url: url.clone(),
            destination,
            priority: priority_of(index)?,
        });
    }
    planned.sort_by_key(|p| std::cmp::Reverse(p.priority));
    Ok(planned)
}

/// The last path segment of `url`, or `download` when it has none.
pub fn file_name_of(url: &Url) -> String {
    url.path_segments()
        .and_then(|mut segments| segments.next_back())
        .filter(|name| !name.is_empty())
        .map(|name| name.replace(['/', '\\'], "_"))
        .unwrap_or_else(|| "download".to_string())
}

/// Where the engine's queue is kept until every file is complete: `FILE.bgassets-download.json`
/// beside a single file, `.bgassets-download.json` in the folder of several.
pub fn sidecar(planned: &[Planned], output_dir: Option<&Path>) -> PathBuf {
    match planned {
        [one] => {
            let mut name = one
                .destination
                .file_name()
                .unwrap_or_default()
                .to_os_string();
            name.push(".bgassets-download.json");
            one.destination.with_file_name(name)
        }
        _ => output_dir
            .unwrap_or(Path::new("."))
            .join(".bgassets-download.json"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(names: &[&str]) -> Vec<Url> {
        names
            .iter()
            .map(|n| Url::parse(&format!("http://127.0.0.1:1/files/{n}")).unwrap())
            .collect()
    }

    fn order(planned: &[Planned]) -> Vec<String> {
        planned
            .iter()
            .map(|p| p.destination.display().to_string())
            .collect()
    }

    #[test]
    fn several_urls_are_ranked_by_their_priorities() {
        let planned = plan(
            &urls(&["a", "b", "c"]),
            None,
            Some(Path::new("out")),
            &[0, 10, 0],
        )
        .unwrap();
        assert_eq!(order(&planned), ["out/b", "out/a", "out/c"]);
        assert_eq!(planned[0].priority, Priority(10));
    }

    #[test]
    fn one_priority_applies_to_every_url_and_none_means_zero() {
        let planned = plan(&urls(&["a", "b"]), None, None, &[-3]).unwrap();
        assert!(planned.iter().all(|p| p.priority == Priority(-3)));
        assert_eq!(order(&planned), ["a", "b"], "the command line's order");
        let planned = plan(&urls(&["a"]), Some(Path::new("x.bin")), None, &[]).unwrap();
        assert_eq!(planned[0].priority, Priority::DEFAULT);
        assert_eq!(planned[0].destination, PathBuf::from("x.bin"));
    }

    #[test]
    fn arguments_that_do_not_fit_are_refused_by_name() {
        let error = plan(&urls(&["a", "b"]), None, None, &[1, 2, 3]).unwrap_err();
        assert!(error.contains("3 --priority values for 2 URLs"), "{error}");
        let error = plan(&urls(&["a", "b"]), Some(Path::new("x")), None, &[]).unwrap_err();
        assert!(error.contains("--output-dir"), "{error}");
        let twice = [urls(&["a"]), urls(&["a"])].concat();
        let error = plan(&twice, None, None, &[]).unwrap_err();
        assert!(error.contains("both be written to a"), "{error}");
    }

    #[test]
    fn the_queue_is_kept_beside_one_file_or_in_the_folder_of_several() {
        let one = plan(&urls(&["a.bin"]), None, Some(Path::new("d")), &[]).unwrap();
        assert_eq!(
            sidecar(&one, Some(Path::new("d"))),
            PathBuf::from("d/a.bin.bgassets-download.json")
        );
        let two = plan(&urls(&["a", "b"]), None, Some(Path::new("d")), &[]).unwrap();
        assert_eq!(
            sidecar(&two, Some(Path::new("d"))),
            PathBuf::from("d/.bgassets-download.json")
        );
    }
}
