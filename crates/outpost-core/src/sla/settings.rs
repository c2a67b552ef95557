//! A workspace's SLA settings as one document: named calendars, ordered
//! policies and the first day of the week for the Due This Week filter. This
//! is what the Settings view edits and what the store and server persist.

use super::calendar::BusinessCalendar;
use super::policy::{Calendars, SlaPolicySet, default_policies};
use super::wall::Day;
use crate::ValidationError;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A calendar with the id policies refer to and a name for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NamedCalendar {
    pub id: String,
    pub name: String,
    pub calendar: BusinessCalendar,
}

/// Everything an admin configures about SLAs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SlaSettings {
    pub calendars: Vec<NamedCalendar>,
    pub policies: SlaPolicySet,
    /// First day of the week for "Due This Week" (Monday by default).
    pub week_start: Day,
}

impl SlaSettings {
    /// The defaults of DESIGN §3 for a workspace in timezone `tz`.
    pub fn defaults(tz: Tz) -> Self {
        let (policies, calendars) = default_policies(tz);
        let mut named: Vec<NamedCalendar> = calendars
            .into_iter()
            .map(|(id, calendar)| NamedCalendar {
                name: if id == super::DEFAULT_CALENDAR_ID {
                    "Business hours".into()
                } else {
                    id.clone()
                },
                id,
                calendar,
            })
            .collect();
        named.sort_by(|a, b| a.id.cmp(&b.id));
        SlaSettings {
            calendars: named,
            policies,
            week_start: Day::Mon,
        }
    }

    /// The calendars keyed by id, as the engine takes them.
    pub fn calendar_map(&self) -> Calendars {
        self.calendars
            .iter()
            .map(|c| (c.id.clone(), c.calendar.clone()))
            .collect()
    }

    /// Checks ids are unique and non-empty, names bounded, and every policy valid
    /// against these calendars.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut seen = std::collections::HashSet::new();
        for c in &self.calendars {
            crate::validate::required_text("calendar id", &c.id, 64)?;
            crate::validate::required_text(
                "calendar name",
                &c.name,
                crate::validate::MAX_SHORT_CHARS,
            )?;
            if !seen.insert(c.id.as_str()) {
                return Err(ValidationError::Invalid {
                    field: "calendars",
                    reason: format!("two calendars share the id {:?}", c.id),
                });
            }
        }
        if self.calendars.len() > 50 || self.policies.policies.len() > 100 {
            return Err(ValidationError::Invalid {
                field: "sla settings",
                reason: "at most 50 calendars and 100 policies".into(),
            });
        }
        self.policies.validate(&self.calendar_map())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let s = SlaSettings::defaults(chrono_tz::Europe::Paris);
        s.validate().expect("the default settings validate");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            serde_json::from_str::<SlaSettings>(&json).unwrap(),
            s,
            "settings round-trip through JSON"
        );
    }

    #[test]
    fn duplicate_calendar_ids_are_rejected() {
        let mut s = SlaSettings::defaults(chrono_tz::UTC);
        let dup = s.calendars[0].clone();
        s.calendars.push(dup);
        assert!(
            s.validate()
                .unwrap_err()
                .to_string()
                .contains("share the id")
        );
    }
}
