//! Business calendars: when an SLA clock may count.
//!
//! Words used here:
//! - *calendar settings* ([`CalendarSettings`]): what an admin edits and what is
//!   stored and sent over the wire. Either *always open* (24/7, calendar time) or
//!   *business hours*: an IANA timezone, weekly *opening hours* and *holidays*.
//! - *business calendar* ([`BusinessCalendar`]): validated settings, compiled for
//!   fast queries. It (de)serializes as its settings and rejects invalid ones.
//! - *opening hours*: intervals `[start, end)` of local wall-clock time on a
//!   weekday, e.g. Mon 09:00–12:30 and Mon 13:30–17:00. `end` may be `24:00`.
//! - *holiday*: a local date on which the calendar stays closed all day; a
//!   *yearly* holiday recurs on the same month and day every year.
//! - *open span*: a maximal-or-not run of UTC instants `[start, end)` during which
//!   the calendar is open (see `spans.rs` for the queries built on them).
//!
//! # Local times and DST
//! An opening or closing at local time `T` on date `D` happens at the **first
//! instant at which the wall clock reads `D T` or later**. Concretely:
//! - a time that exists once maps to that instant;
//! - a time repeated by a fall-back (DST overlap) maps to its *earlier*
//!   occurrence, so a day open 01:00–03:00 across a fall-back is open 3 real
//!   hours, and hours that end inside the repeated hour do not open again;
//! - a time skipped by a spring-forward (DST gap) maps to the instant the clock
//!   jumps, so 09:00–17:00 loses nothing while 01:00–03:00 lasts 1 real hour and
//!   an interval lying entirely inside the gap is empty that day.
//!
//! This rule is monotone (a later local time never maps to an earlier instant),
//! so spans never overlap and the calendar never opens twice for one interval.

pub use super::wall::{ClockTime, Day};
use crate::error::ValidationError;
use chrono::offset::LocalResult;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Most opening intervals a calendar may have in a week.
pub const MAX_OPENING_INTERVALS: usize = 7 * 24;
/// Most holidays a calendar may list.
pub const MAX_HOLIDAYS: usize = 1000;

/// A calendar as admins edit it and as it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CalendarSettings {
    /// 24/7: every minute counts (calendar time).
    AlwaysOpen,
    /// Open only during weekly opening hours, outside holidays.
    BusinessHours(BusinessHours),
}

/// Weekly opening hours and holidays in one timezone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BusinessHours {
    /// IANA timezone name, e.g. `Europe/Paris`; opening hours are local to it.
    pub timezone: String,
    /// Opening intervals; several per weekday are allowed but may not overlap.
    pub hours: Vec<OpeningHours>,
    /// Days the calendar stays closed.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

/// One opening interval `[start, end)` on a weekday, in local wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OpeningHours {
    pub day: Day,
    pub start: ClockTime,
    /// Exclusive; `24:00` means until midnight.
    pub end: ClockTime,
}

/// A closed day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Holiday {
    /// The local date; for a yearly holiday only its month and day matter.
    pub date: NaiveDate,
    /// Recurs every year on the same month and day (29 February only in leap years).
    #[serde(default)]
    pub yearly: bool,
    /// Shown in the explanation timeline, e.g. "Christmas".
    #[serde(default)]
    pub name: String,
}

/// A validated calendar, ready for queries (see `spans.rs`). Build it with
/// [`BusinessCalendar::new`] or [`BusinessCalendar::always_open`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(as = "CalendarSettings"))]
pub struct BusinessCalendar {
    settings: CalendarSettings,
    pub(super) rules: Rules,
}

/// The compiled form of the settings.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Rules {
    AlwaysOpen,
    Hours(Box<WeekRules>),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct WeekRules {
    pub(super) tz: Tz,
    /// Per weekday from Monday: sorted, disjoint `[start, end)` minutes of day.
    pub(super) week: [Vec<(u16, u16)>; 7],
    /// Sorted one-off holidays.
    pub(super) dates: Vec<NaiveDate>,
    /// Sorted `(month, day)` of yearly holidays.
    pub(super) yearly: Vec<(u32, u32)>,
}

impl BusinessCalendar {
    /// The 24/7 calendar.
    pub fn always_open() -> Self {
        BusinessCalendar {
            settings: CalendarSettings::AlwaysOpen,
            rules: Rules::AlwaysOpen,
        }
    }

    /// Mon–Fri `start`–`end` in `tz`, no holidays: the default business calendar.
    pub fn workdays(tz: Tz, start: ClockTime, end: ClockTime) -> Result<Self, ValidationError> {
        Self::new(CalendarSettings::BusinessHours(BusinessHours {
            timezone: tz.name().to_owned(),
            hours: Day::WORKDAYS
                .iter()
                .map(|&day| OpeningHours { day, start, end })
                .collect(),
            holidays: Vec::new(),
        }))
    }

    /// Validates and compiles settings. Rejects an unknown timezone, an interval
    /// that ends before it starts or is empty, overlapping intervals on a day, a
    /// calendar with no opening hours at all, and oversized lists.
    pub fn new(settings: CalendarSettings) -> Result<Self, ValidationError> {
        let rules = match &settings {
            CalendarSettings::AlwaysOpen => Rules::AlwaysOpen,
            CalendarSettings::BusinessHours(h) => Rules::Hours(Box::new(compile(h)?)),
        };
        Ok(BusinessCalendar { settings, rules })
    }

    /// The settings this calendar was built from.
    pub fn settings(&self) -> &CalendarSettings {
        &self.settings
    }

    /// The timezone, or `None` for a 24/7 calendar.
    pub fn timezone(&self) -> Option<Tz> {
        match &self.rules {
            Rules::AlwaysOpen => None,
            Rules::Hours(w) => Some(w.tz),
        }
    }
}

impl TryFrom<CalendarSettings> for BusinessCalendar {
    type Error = ValidationError;
    fn try_from(s: CalendarSettings) -> Result<Self, Self::Error> {
        BusinessCalendar::new(s)
    }
}

impl Serialize for BusinessCalendar {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.settings.serialize(s)
    }
}

impl<'de> Deserialize<'de> for BusinessCalendar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let settings = CalendarSettings::deserialize(d)?;
        BusinessCalendar::new(settings).map_err(serde::de::Error::custom)
    }
}

fn invalid(field: &'static str, reason: String) -> ValidationError {
    ValidationError::Invalid { field, reason }
}

fn compile(h: &BusinessHours) -> Result<WeekRules, ValidationError> {
    let tz = crate::validate::timezone(&h.timezone)?;
    if h.hours.is_empty() {
        return Err(invalid(
            "openingHours",
            "a business-hours calendar needs at least one opening interval".into(),
        ));
    }
    if h.hours.len() > MAX_OPENING_INTERVALS {
        return Err(ValidationError::TooLong {
            field: "openingHours",
            len: h.hours.len(),
            max: MAX_OPENING_INTERVALS,
        });
    }
    if h.holidays.len() > MAX_HOLIDAYS {
        return Err(ValidationError::TooLong {
            field: "holidays",
            len: h.holidays.len(),
            max: MAX_HOLIDAYS,
        });
    }
    let mut week: [Vec<(u16, u16)>; 7] = Default::default();
    for o in &h.hours {
        if o.end <= o.start {
            return Err(invalid(
                "openingHours",
                format!(
                    "{} {}–{} ends before it starts; an interval must end after its start",
                    o.day.label(),
                    o.start,
                    o.end
                ),
            ));
        }
        week[o.day as usize].push((o.start.minutes(), o.end.minutes()));
    }
    for (i, day) in week.iter_mut().enumerate() {
        day.sort_unstable();
        if let Some(w) = day.windows(2).find(|w| w[1].0 < w[0].1) {
            let t = |m: u16| ClockTime::from_minutes(m).expect("validated minutes of day");
            return Err(invalid(
                "openingHours",
                format!(
                    "{} {}–{} overlaps {}–{}; intervals on a day may touch but not overlap",
                    Day::ALL[i].label(),
                    t(w[0].0),
                    t(w[0].1),
                    t(w[1].0),
                    t(w[1].1)
                ),
            ));
        }
        // Touching intervals are one opening: merge so no closing is reported between them.
        let mut merged: Vec<(u16, u16)> = Vec::with_capacity(day.len());
        for &(s, e) in day.iter() {
            match merged.last_mut() {
                Some(last) if last.1 == s => last.1 = e,
                _ => merged.push((s, e)),
            }
        }
        *day = merged;
    }
    let mut dates: Vec<NaiveDate> = h
        .holidays
        .iter()
        .filter(|x| !x.yearly)
        .map(|x| x.date)
        .collect();
    dates.sort_unstable();
    dates.dedup();
    let mut yearly: Vec<(u32, u32)> = h
        .holidays
        .iter()
        .filter(|x| x.yearly)
        .map(|x| (x.date.month(), x.date.day()))
        .collect();
    yearly.sort_unstable();
    yearly.dedup();
    Ok(WeekRules {
        tz,
        week,
        dates,
        yearly,
    })
}

impl WeekRules {
    /// Whether `date` is a holiday.
    pub(super) fn is_holiday(&self, date: NaiveDate) -> bool {
        (!self.dates.is_empty() && self.dates.binary_search(&date).is_ok())
            || (!self.yearly.is_empty()
                && self
                    .yearly
                    .binary_search(&(date.month(), date.day()))
                    .is_ok())
    }

    /// The opening intervals of `date` (empty on holidays).
    pub(super) fn intervals(&self, date: NaiveDate) -> &[(u16, u16)] {
        let day = &self.week[date.weekday().num_days_from_monday() as usize];
        if day.is_empty() || self.is_holiday(date) {
            &[]
        } else {
            day
        }
    }

    /// The UTC offset in force at a UTC instant, in milliseconds.
    pub(super) fn offset_ms(&self, utc_ms: i64) -> i64 {
        let naive = ms_to_naive(utc_ms);
        i64::from(
            self.tz
                .offset_from_utc_datetime(&naive)
                .fix()
                .local_minus_utc(),
        ) * 1000
    }

    /// The local date at a UTC instant.
    pub(super) fn local_date(&self, utc_ms: i64) -> NaiveDate {
        ms_to_naive(utc_ms + self.offset_ms(utc_ms)).date()
    }

    /// The first instant at which the wall clock reads `date` + `minute` or later
    /// (the module's DST rule), in UTC milliseconds.
    pub(super) fn local_to_utc_ms(&self, date: NaiveDate, minute: u16) -> i64 {
        let naive = date.and_time(NaiveTime::MIN) + chrono::Duration::minutes(i64::from(minute));
        match self.tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => t.timestamp_millis(),
            LocalResult::Ambiguous(a, b) => a.timestamp_millis().min(b.timestamp_millis()),
            LocalResult::None => self.gap_end_ms(naive),
        }
    }

    /// For a local time skipped by a DST gap: the instant the clock jumps over it.
    fn gap_end_ms(&self, naive: NaiveDateTime) -> i64 {
        let n = naive.and_utc().timestamp_millis();
        const DAY: i64 = 86_400_000;
        let (a, b) = (self.offset_ms(n - DAY), self.offset_ms(n + DAY));
        // Smallest s with s + offset(s) >= n. Below `lo` the wall clock is still
        // before n; at `hi` it is past it. Offsets are whole seconds.
        let (mut lo, mut hi) = ((n - a.max(b)) / 1000 - 1, (n - a.min(b)) / 1000 + 1);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if mid * 1000 + self.offset_ms(mid * 1000) >= n {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi * 1000
    }
}

pub(super) fn ms_to_naive(ms: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_millis(ms)
        .expect("instants handled by the SLA engine are within chrono's range")
        .naive_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(tz: &str, hours: &[(Day, &str, &str)]) -> CalendarSettings {
        CalendarSettings::BusinessHours(BusinessHours {
            timezone: tz.into(),
            hours: hours
                .iter()
                .map(|&(day, s, e)| OpeningHours {
                    day,
                    start: s.parse().unwrap(),
                    end: e.parse().unwrap(),
                })
                .collect(),
            holidays: vec![],
        })
    }

    #[test]
    fn clock_times_parse_and_print_hh_mm() {
        assert_eq!("09:30".parse::<ClockTime>().unwrap().minutes(), 570);
        assert_eq!("9:05".parse::<ClockTime>().unwrap().to_string(), "09:05");
        assert_eq!("24:00".parse::<ClockTime>().unwrap(), ClockTime::END_OF_DAY);
        for bad in ["24:01", "12:60", "noon", "1:2", "", "123:00"] {
            assert!(
                bad.parse::<ClockTime>().is_err(),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn validation_rejects_bad_calendars_with_clear_messages() {
        let cases = [
            (
                hours("Mars/Olympus", &[(Day::Mon, "09:00", "17:00")]),
                "unknown timezone",
            ),
            (
                hours("UTC", &[(Day::Mon, "17:00", "09:00")]),
                "ends before it starts",
            ),
            (
                hours("UTC", &[(Day::Mon, "09:00", "09:00")]),
                "ends before it starts",
            ),
            (
                hours(
                    "UTC",
                    &[(Day::Tue, "09:00", "12:30"), (Day::Tue, "12:00", "17:00")],
                ),
                "Tuesday 09:00–12:30 overlaps 12:00–17:00",
            ),
            (hours("UTC", &[]), "at least one opening interval"),
        ];
        for (settings, expected) in cases {
            let err = BusinessCalendar::new(settings.clone()).unwrap_err();
            assert!(
                err.to_string().contains(expected),
                "{settings:?} should be rejected saying {expected:?}, got: {err}"
            );
        }
        let ok = hours(
            "UTC",
            &[(Day::Mon, "09:00", "12:00"), (Day::Mon, "12:00", "13:00")],
        );
        let cal = BusinessCalendar::new(ok).expect("touching intervals are allowed");
        let Rules::Hours(w) = &cal.rules else {
            panic!("business hours expected")
        };
        assert_eq!(
            w.week[0],
            vec![(540, 780)],
            "touching intervals merge into one"
        );
    }

    #[test]
    fn settings_round_trip_through_json_and_invalid_json_is_rejected() {
        let cal = BusinessCalendar::workdays(
            chrono_tz::Europe::Paris,
            ClockTime::hm(9, 0).unwrap(),
            ClockTime::hm(17, 0).unwrap(),
        )
        .unwrap();
        let json = serde_json::to_string(&cal).unwrap();
        assert!(json.contains(r#""kind":"businessHours""#), "{json}");
        assert!(json.contains(r#""start":"09:00""#), "{json}");
        let back: BusinessCalendar = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cal, "a calendar survives a JSON round trip");
        let bad = json.replace("Europe/Paris", "Nowhere/Land");
        let err = serde_json::from_str::<BusinessCalendar>(&bad).unwrap_err();
        assert!(err.to_string().contains("unknown timezone"), "{err}");
        let always: BusinessCalendar = serde_json::from_str(r#"{"kind":"alwaysOpen"}"#).unwrap();
        assert_eq!(always, BusinessCalendar::always_open());
    }

    #[test]
    fn local_times_follow_the_wall_clock_rule_across_dst() {
        let cal =
            BusinessCalendar::new(hours("Europe/Paris", &[(Day::Sun, "00:00", "24:00")])).unwrap();
        let Rules::Hours(w) = &cal.rules else {
            unreachable!()
        };
        let utc = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .timestamp_millis()
        };
        let spring = NaiveDate::from_ymd_opt(2025, 3, 30).unwrap();
        assert_eq!(
            w.local_to_utc_ms(spring, 150),
            utc("2025-03-30T01:00:00Z"),
            "02:30 does not exist on spring-forward day: it maps to the jump at 03:00 CEST"
        );
        assert_eq!(w.local_to_utc_ms(spring, 180), utc("2025-03-30T01:00:00Z"));
        let fall = NaiveDate::from_ymd_opt(2025, 10, 26).unwrap();
        assert_eq!(
            w.local_to_utc_ms(fall, 150),
            utc("2025-10-26T00:30:00Z"),
            "02:30 happens twice on fall-back day: the earlier occurrence (CEST) counts"
        );
    }
}
