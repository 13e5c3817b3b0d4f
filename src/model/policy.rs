//! Download policies (`essential`, `prefetch`, `onDemand`) and the installation events
//! (`firstInstallation`, `subsequentUpdate`) that trigger essential and prefetch downloads.
//!
//! The JSON form is Apple's: an object holding exactly one of `essential` / `prefetch` (each with
//! a non-empty `installationEventTypes` array) or `onDemand` (`{}`).

use serde::{Deserialize, Serialize};

/// When an app event makes a pack download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InstallationEvent {
    /// The app is registered with the manager for the first time.
    FirstInstallation,
    /// The app's `CFBundleVersion` changed since the manager last saw it.
    SubsequentUpdate,
}

/// The non-empty set of installation events an essential or prefetch pack downloads at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstallationEvents {
    /// Downloads when the app is first installed.
    pub first_installation: bool,
    /// Downloads when the app is updated.
    pub subsequent_update: bool,
}

impl InstallationEvents {
    /// Both events.
    pub const ALL: Self = Self {
        first_installation: true,
        subsequent_update: true,
    };

    /// Whether `event` is in the set.
    pub fn contains(self, event: InstallationEvent) -> bool {
        match event {
            InstallationEvent::FirstInstallation => self.first_installation,
            InstallationEvent::SubsequentUpdate => self.subsequent_update,
        }
    }

    /// The events as Apple lists them.
    pub fn to_vec(self) -> Vec<InstallationEvent> {
        let mut events = Vec::new();
        if self.first_installation {
            events.push(InstallationEvent::FirstInstallation);
        }
        if self.subsequent_update {
            events.push(InstallationEvent::SubsequentUpdate);
        }
        events
    }

    fn from_list(events: &[InstallationEvent]) -> Result<Self, String> {
        if events.is_empty() {
            return Err(
                "`installationEventTypes` is empty: list `firstInstallation` and/or `subsequentUpdate`, or use `onDemand`"
                    .into(),
            );
        }
        Ok(Self {
            first_installation: events.contains(&InstallationEvent::FirstInstallation),
            subsequent_update: events.contains(&InstallationEvent::SubsequentUpdate),
        })
    }
}

/// A pack's download policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DownloadPolicy {
    /// Downloaded while the app is being installed; the app is not launch-ready until it is in.
    Essential(InstallationEvents),
    /// Starts downloading right after installation, without blocking launch.
    Prefetch(InstallationEvents),
    /// Downloaded only when the app asks for it.
    OnDemand,
}

impl DownloadPolicy {
    /// The camelCase name used in JSON and shown to people.
    pub fn name(self) -> &'static str {
        match self {
            Self::Essential(_) => "essential",
            Self::Prefetch(_) => "prefetch",
            Self::OnDemand => "onDemand",
        }
    }

    /// Whether this policy downloads the pack automatically at `event`.
    pub fn downloads_at(self, event: InstallationEvent) -> bool {
        match self {
            Self::Essential(events) | Self::Prefetch(events) => events.contains(event),
            Self::OnDemand => false,
        }
    }

    /// Whether the pack is essential.
    pub fn is_essential(self) -> bool {
        matches!(self, Self::Essential(_))
    }
}

/// The serde mirror of Apple's JSON form; validated by [`TryFrom`].
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicyJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    essential: Option<EventsJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prefetch: Option<EventsJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_demand: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventsJson {
    installation_event_types: Option<Vec<InstallationEvent>>,
}

impl TryFrom<PolicyJson> for DownloadPolicy {
    type Error = String;

    fn try_from(json: PolicyJson) -> Result<Self, String> {
        let events = |name: &str, json: EventsJson| match json.installation_event_types {
            None => Err(format!(
                "`{name}` needs `installationEventTypes` (`firstInstallation`, `subsequentUpdate` or both)"
            )),
            Some(list) => InstallationEvents::from_list(&list),
        };
        match (json.essential, json.prefetch, json.on_demand) {
            (Some(e), None, None) => Ok(Self::Essential(events("essential", e)?)),
            (None, Some(p), None) => Ok(Self::Prefetch(events("prefetch", p)?)),
            (None, None, Some(_)) => Ok(Self::OnDemand),
            (None, None, None) => Err(
                "expected exactly one of `essential`, `prefetch` or `onDemand`, found none".into(),
            ),
            _ => Err(
                "expected exactly one of `essential`, `prefetch` or `onDemand`, found several"
                    .into(),
            ),
        }
    }
}

impl Serialize for DownloadPolicy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let events = |events: InstallationEvents| EventsJson {
            installation_event_types: Some(events.to_vec()),
        };
        let json = match *self {
            Self::Essential(e) => PolicyJson {
                essential: Some(events(e)),
                ..PolicyJson::default()
            },
            Self::Prefetch(e) => PolicyJson {
                prefetch: Some(events(e)),
                ..PolicyJson::default()
            },
            Self::OnDemand => PolicyJson {
                on_demand: Some(serde_json::Map::new()),
                ..PolicyJson::default()
            },
        };
        json.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DownloadPolicy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = PolicyJson::deserialize(deserializer)?;
        DownloadPolicy::try_from(json).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DownloadPolicy, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn apple_forms_parse_and_round_trip() {
        let essential = parse(
            r#"{"essential":{"installationEventTypes":["firstInstallation","subsequentUpdate"]}}"#,
        )
        .unwrap();
        assert_eq!(
            essential,
            DownloadPolicy::Essential(InstallationEvents::ALL)
        );
        let prefetch =
            parse(r#"{"prefetch":{"installationEventTypes":["subsequentUpdate"]}}"#).unwrap();
        assert!(prefetch.downloads_at(InstallationEvent::SubsequentUpdate));
        assert!(!prefetch.downloads_at(InstallationEvent::FirstInstallation));
        assert_eq!(
            parse(r#"{"onDemand":{}}"#).unwrap(),
            DownloadPolicy::OnDemand
        );
        for policy in [essential, prefetch, DownloadPolicy::OnDemand] {
            let text = serde_json::to_string(&policy).unwrap();
            assert_eq!(parse(&text).unwrap(), policy);
        }
    }

    #[test]
    fn malformed_policies_say_what_is_wrong() {
        assert!(
            parse(r#"{"prefetch":{}}"#)
                .unwrap_err()
                .contains("needs `installationEventTypes`")
        );
        assert!(parse(r#"{}"#).unwrap_err().contains("found none"));
        assert!(
            parse(r#"{"onDemand":{},"prefetch":{"installationEventTypes":["firstInstallation"]}}"#)
                .unwrap_err()
                .contains("found several")
        );
        assert!(
            parse(r#"{"essential":{"installationEventTypes":[]}}"#)
                .unwrap_err()
                .contains("is empty")
        );
        assert!(
            parse(r#"{"essential":{"installationEventTypes":["atLaunch"]}}"#)
                .unwrap_err()
                .contains("unknown variant `atLaunch`")
        );
    }
}
