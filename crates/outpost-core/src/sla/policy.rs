//! SLA policies: which targets apply to a ticket and on which calendar.
//!
//! Words used here:
//! - *policy* ([`SlaPolicy`]): a rule that matches tickets by priority (a set)
//!   and optionally by category, and sets two *targets*.
//! - *target*: an amount of business time on the policy's calendar: *first
//!   response* (until an agent first answers) and *resolution* (until resolved).
//! - *at-risk threshold*: `max(at_risk_floor_minutes, at_risk_percent % of the
//!   target)`; a target is at risk once its remaining time is at or below it.
//! - *policy set* ([`SlaPolicySet`]): policies in order; the first that matches
//!   a ticket wins.
//! - *shared calendar*: a calendar stored once and referred to by id from several
//!   policies; the engine looks it up in a [`Calendars`] map.

use super::calendar::{BusinessCalendar, ClockTime};
use crate::error::ValidationError;
use crate::ids::CategoryId;
use crate::ticket::Priority;
use crate::validate::{self, MAX_SHORT_CHARS};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Shared calendars by id.
pub type Calendars = HashMap<String, BusinessCalendar>;

/// Id of the calendar [`default_policies`] use for business hours.
pub const DEFAULT_CALENDAR_ID: &str = "business-hours";
/// Longest target a policy may set: one year of minutes.
pub const MAX_TARGET_MINUTES: u32 = 366 * 24 * 60;

/// Which calendar a policy measures its targets on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PolicyCalendar {
    /// A shared calendar, by id.
    Shared { id: String },
    /// A calendar of this policy only.
    Embedded { calendar: BusinessCalendar },
}

/// One SLA policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SlaPolicy {
    /// Stable id, unique in its set.
    pub id: String,
    /// Shown to agents, e.g. "High priority".
    pub name: String,
    /// Priorities it matches; at least one.
    pub priorities: Vec<Priority>,
    /// Category it is limited to; `None` matches every category.
    #[serde(default)]
    pub category_id: Option<CategoryId>,
    pub first_response_minutes: u32,
    pub resolution_minutes: u32,
    pub calendar: PolicyCalendar,
    /// Percent of a target below which its remaining time counts as at risk.
    #[serde(default = "default_at_risk_percent")]
    pub at_risk_percent: u8,
    /// Remaining minutes at or below which a target is always at risk.
    #[serde(default = "default_at_risk_floor")]
    pub at_risk_floor_minutes: u32,
}

fn default_at_risk_percent() -> u8 {
    25
}

fn default_at_risk_floor() -> u32 {
    15
}

impl SlaPolicy {
    /// Whether this policy applies to a ticket with this priority and category.
    pub fn matches(&self, priority: Priority, category: Option<CategoryId>) -> bool {
        self.priorities.contains(&priority) && self.category_id.is_none_or(|c| category == Some(c))
    }

    /// The at-risk threshold of a target of `target_minutes`, in milliseconds.
    pub fn at_risk_threshold_ms(&self, target_minutes: u32) -> i64 {
        let target = i64::from(target_minutes) * 60_000;
        let percent = target * i64::from(self.at_risk_percent) / 100;
        percent.max(i64::from(self.at_risk_floor_minutes) * 60_000)
    }

    /// The calendar this policy measures on, looked up in `calendars` if shared.
    pub fn resolve_calendar<'a>(
        &'a self,
        calendars: &'a Calendars,
    ) -> Option<&'a BusinessCalendar> {
        match &self.calendar {
            PolicyCalendar::Embedded { calendar } => Some(calendar),
            PolicyCalendar::Shared { id } => calendars.get(id),
        }
    }

    /// Checks names, targets and thresholds, and that a shared calendar exists.
    pub fn validate(&self, calendars: &Calendars) -> Result<(), ValidationError> {
        validate::required_text("policy id", &self.id, MAX_SHORT_CHARS)?;
        validate::required_text("policy name", &self.name, MAX_SHORT_CHARS)?;
        let invalid = |field, reason: String| ValidationError::Invalid { field, reason };
        if self.priorities.is_empty() {
            return Err(invalid(
                "priorities",
                format!("policy {:?} must match at least one priority", self.name),
            ));
        }
        for (field, minutes) in [
            ("firstResponseMinutes", self.first_response_minutes),
            ("resolutionMinutes", self.resolution_minutes),
        ] {
            if minutes == 0 || minutes > MAX_TARGET_MINUTES {
                return Err(invalid(
                    field,
                    format!(
                        "policy {:?}: a target must be between 1 and {MAX_TARGET_MINUTES} minutes, not {minutes}",
                        self.name
                    ),
                ));
            }
        }
        if self.at_risk_percent > 100 {
            return Err(invalid(
                "atRiskPercent",
                format!("must be between 0 and 100, not {}", self.at_risk_percent),
            ));
        }
        if self.at_risk_floor_minutes > MAX_TARGET_MINUTES {
            return Err(invalid(
                "atRiskFloorMinutes",
                format!("must be at most {MAX_TARGET_MINUTES} minutes"),
            ));
        }
        if self.resolve_calendar(calendars).is_none() {
            let PolicyCalendar::Shared { id } = &self.calendar else {
                unreachable!("embedded calendars always resolve")
            };
            return Err(invalid(
                "calendar",
                format!(
                    "policy {:?} uses calendar {id:?}, which does not exist",
                    self.name
                ),
            ));
        }
        Ok(())
    }
}

/// Policies in match order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SlaPolicySet {
    pub policies: Vec<SlaPolicy>,
}

impl SlaPolicySet {
    /// The first policy that matches, if any.
    pub fn matching(&self, priority: Priority, category: Option<CategoryId>) -> Option<&SlaPolicy> {
        self.matching_index(priority, category)
            .map(|i| &self.policies[i])
    }

    pub(super) fn matching_index(
        &self,
        priority: Priority,
        category: Option<CategoryId>,
    ) -> Option<usize> {
        self.policies
            .iter()
            .position(|p| p.matches(priority, category))
    }

    /// Validates every policy and checks ids are unique.
    pub fn validate(&self, calendars: &Calendars) -> Result<(), ValidationError> {
        let mut ids = HashSet::new();
        for p in &self.policies {
            p.validate(calendars)?;
            if !ids.insert(p.id.as_str()) {
                return Err(ValidationError::Invalid {
                    field: "policy id",
                    reason: format!("two policies have the id {:?}", p.id),
                });
            }
        }
        Ok(())
    }
}

/// The calendar of the default policies: Mon–Fri 09:00–17:00 in `tz`.
pub fn default_calendar(tz: Tz) -> BusinessCalendar {
    let (nine, five) = (ClockTime::hm(9, 0), ClockTime::hm(17, 0));
    BusinessCalendar::workdays(tz, nine.expect("09:00"), five.expect("17:00"))
        .expect("Mon–Fri 09:00–17:00 is a valid calendar in any timezone")
}

/// The policies a new workspace starts with (DESIGN §3): Urgent 30 min / 4 h on
/// 24/7; High 1 h / 8 h, Normal 4 h / 24 h, Low 8 h / 40 h on the shared
/// [`DEFAULT_CALENDAR_ID`] calendar, which the returned map holds (Mon–Fri
/// 09:00–17:00 in the workspace timezone).
pub fn default_policies(workspace_tz: Tz) -> (SlaPolicySet, Calendars) {
    let policy = |id: &str, name: &str, p: Priority, fr: u32, res: u32, calendar| SlaPolicy {
        id: id.into(),
        name: name.into(),
        priorities: vec![p],
        category_id: None,
        first_response_minutes: fr,
        resolution_minutes: res,
        calendar,
        at_risk_percent: default_at_risk_percent(),
        at_risk_floor_minutes: default_at_risk_floor(),
    };
    let shared = || PolicyCalendar::Shared {
        id: DEFAULT_CALENDAR_ID.into(),
    };
    let always = PolicyCalendar::Embedded {
        calendar: BusinessCalendar::always_open(),
    };
    let set = SlaPolicySet {
        policies: vec![
            policy("urgent", "Urgent", Priority::Urgent, 30, 4 * 60, always),
            policy("high", "High", Priority::High, 60, 8 * 60, shared()),
            policy(
                "normal",
                "Normal",
                Priority::Normal,
                4 * 60,
                24 * 60,
                shared(),
            ),
            policy("low", "Low", Priority::Low, 8 * 60, 40 * 60, shared()),
        ],
    };
    let calendars = Calendars::from([(
        DEFAULT_CALENDAR_ID.to_owned(),
        default_calendar(workspace_tz),
    )]);
    (set, calendars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn defaults_follow_the_design_and_validate() {
        let (set, cals) = default_policies(chrono_tz::Europe::Paris);
        set.validate(&cals).expect("default policies are valid");
        let urgent = set.matching(Priority::Urgent, None).unwrap();
        assert_eq!(
            (urgent.first_response_minutes, urgent.resolution_minutes),
            (30, 240)
        );
        assert!(
            urgent.resolve_calendar(&cals).unwrap().timezone().is_none(),
            "Urgent runs on 24/7"
        );
        let low = set.matching(Priority::Low, None).unwrap();
        assert_eq!(
            (low.first_response_minutes, low.resolution_minutes),
            (480, 2400)
        );
        assert_eq!(
            low.resolve_calendar(&cals).unwrap().timezone(),
            Some(chrono_tz::Europe::Paris),
            "business policies use the workspace timezone"
        );
    }

    #[test]
    fn first_match_wins_and_categories_narrow() {
        let (mut set, cals) = default_policies(chrono_tz::UTC);
        let billing = CategoryId(Uuid::from_u128(7));
        let mut vip = set.policies[1].clone();
        vip.id = "billing-high".into();
        vip.category_id = Some(billing);
        vip.first_response_minutes = 15;
        set.policies.insert(0, vip);
        set.validate(&cals).unwrap();
        assert_eq!(
            set.matching(Priority::High, Some(billing)).unwrap().id,
            "billing-high"
        );
        assert_eq!(set.matching(Priority::High, None).unwrap().id, "high");
        assert_eq!(
            set.matching(Priority::High, Some(CategoryId(Uuid::from_u128(8))))
                .unwrap()
                .id,
            "high",
            "a category policy does not match other categories"
        );
    }

    #[test]
    fn thresholds_take_the_larger_of_floor_and_percent() {
        let (set, _) = default_policies(chrono_tz::UTC);
        let p = &set.policies[0];
        assert_eq!(
            p.at_risk_threshold_ms(30),
            15 * 60_000,
            "floor wins on short targets"
        );
        assert_eq!(
            p.at_risk_threshold_ms(240),
            60 * 60_000,
            "25 % wins on long targets"
        );
    }

    #[test]
    fn validation_names_the_problem() {
        let (set, cals) = default_policies(chrono_tz::UTC);
        let mut p = set.policies[1].clone();
        p.resolution_minutes = 0;
        assert!(
            p.validate(&cals)
                .unwrap_err()
                .to_string()
                .contains("between 1 and")
        );
        let mut p = set.policies[1].clone();
        p.calendar = PolicyCalendar::Shared { id: "gone".into() };
        assert!(
            p.validate(&cals)
                .unwrap_err()
                .to_string()
                .contains("does not exist")
        );
        let mut dup = set.clone();
        dup.policies.push(set.policies[0].clone());
        assert!(
            dup.validate(&cals)
                .unwrap_err()
                .to_string()
                .contains("two policies")
        );
        let json = serde_json::to_string(&set).unwrap();
        assert!(json.contains(r#""firstResponseMinutes":30"#), "{json}");
        let back: SlaPolicySet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, set, "policies survive a JSON round trip");
    }
}
