//! Preferred languages and the choice among a pack's language variants, as
//! BACKGROUND-ASSETS.md describes: the variant matching the most preferred language wins, a
//! region-less match (`fr` for `fr-CA`) counts, and the variant listed first is the fallback.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::ManifestPack;

/// The user's languages from the environment (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`), as
/// BCP 47 tags, best first; `["en"]` when none is set.
pub fn from_environment() -> Vec<String> {
    let mut tags = Vec::new();
    if let Ok(list) = std::env::var("LANGUAGE") {
        tags.extend(list.split(':').filter_map(to_tag));
    }
    for variable in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        if let Some(tag) = std::env::var(variable).ok().as_deref().and_then(to_tag) {
            tags.push(tag);
        }
    }
    let mut seen = BTreeSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    if tags.is_empty() {
        tags.push("en".to_string());
    }
    tags
}

/// `fr_CA.UTF-8@euro` → `fr-CA`; `C` and `POSIX` mean no preference.
fn to_tag(locale: &str) -> Option<String> {
    let base = locale.split(['.', '@']).next()?.trim();
    if base.is_empty() || base == "C" || base == "POSIX" {
        return None;
    }
    Some(base.replace('_', "-"))
}

/// How well a variant's languages match one preferred tag: 2 exact, 1 same language, 0 none.
fn score(languages: &[String], preferred: &str) -> u8 {
    let primary = |tag: &str| {
        tag.split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    if languages.iter().any(|l| l.eq_ignore_ascii_case(preferred)) {
        2
    } else if languages.iter().any(|l| primary(l) == primary(preferred)) {
        1
    } else {
        0
    }
}

/// For each localization group, the id of the chosen variant; packs outside groups are not
/// mentioned (they are always their own choice).
pub fn choose_variants<'a>(
    packs: impl IntoIterator<Item = &'a ManifestPack>,
    preferred: &[String],
) -> BTreeMap<String, String> {
    let mut groups: BTreeMap<String, Vec<&ManifestPack>> = BTreeMap::new();
    for pack in packs {
        if let Some(group) = &pack.localization_group {
            groups.entry(group.clone()).or_default().push(pack);
        }
    }
    groups
        .into_iter()
        .filter_map(|(group, variants)| {
            let best = preferred
                .iter()
                .find_map(|tag| {
                    let top = variants.iter().map(|v| score(&v.languages, tag)).max()?;
                    (top > 0).then(|| variants.iter().find(|v| score(&v.languages, tag) == top))?
                })
                .or(variants.first())?;
            Some((group, best.id.to_string()))
        })
        .collect()
}

/// Whether `pack` is what the preferred languages choose (always true outside a group).
pub fn is_chosen(pack: &ManifestPack, choices: &BTreeMap<String, String>) -> bool {
    match &pack.localization_group {
        Some(group) => choices.get(group).is_some_and(|id| id == pack.id.as_str()),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_become_tags() {
        assert_eq!(to_tag("fr_CA.UTF-8"), Some("fr-CA".into()));
        assert_eq!(to_tag("de_DE@euro"), Some("de-DE".into()));
        assert_eq!(to_tag("C.UTF-8"), None);
        assert_eq!(to_tag(""), None);
    }

    #[test]
    fn exact_then_language_then_first_listed() {
        let languages = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(score(&languages(&["fr", "fr-CA"]), "fr-CA"), 2);
        assert_eq!(score(&languages(&["fr"]), "fr-BE"), 1);
        assert_eq!(score(&languages(&["en"]), "fr"), 0);
    }
}
