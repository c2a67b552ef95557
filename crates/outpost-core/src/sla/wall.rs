//! Wall-clock words for opening hours: days of the week and times of day.
//!
//! Words used here:
//! - *day* ([`Day`]): a weekday, Monday first, written `mon`..`sun` on the wire.
//! - *clock time* ([`ClockTime`]): a local time of day with minute precision,
//!   from `00:00` to `24:00` inclusive (`24:00` ends a day), written `HH:MM`.

use crate::error::ValidationError;
use chrono::Weekday;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Day {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Day {
    /// Monday first.
    pub const ALL: [Day; 7] = [
        Day::Mon,
        Day::Tue,
        Day::Wed,
        Day::Thu,
        Day::Fri,
        Day::Sat,
        Day::Sun,
    ];

    /// Monday to Friday.
    pub const WORKDAYS: [Day; 5] = [Day::Mon, Day::Tue, Day::Wed, Day::Thu, Day::Fri];

    /// The matching chrono weekday.
    pub fn weekday(self) -> Weekday {
        Weekday::try_from(self as u8).expect("Day and Weekday both count from Monday")
    }

    /// The day of a chrono weekday.
    pub fn from_weekday(w: Weekday) -> Self {
        Day::ALL[w.num_days_from_monday() as usize]
    }

    pub(super) fn label(self) -> &'static str {
        [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][self as usize]
    }
}

/// A local wall-clock time of day with minute precision, `00:00` to `24:00`
/// inclusive. Written `HH:MM` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct ClockTime(u16);

impl ClockTime {
    /// Midnight at the start of the day.
    pub const MIDNIGHT: ClockTime = ClockTime(0);
    /// Midnight at the end of the day (`24:00`).
    pub const END_OF_DAY: ClockTime = ClockTime(24 * 60);

    /// `hour:minute`; `None` unless it is a time of day or exactly `24:00`.
    pub const fn hm(hour: u16, minute: u16) -> Option<ClockTime> {
        if minute < 60 && (hour < 24 || (hour == 24 && minute == 0)) {
            Some(ClockTime(hour * 60 + minute))
        } else {
            None
        }
    }

    /// From minutes since midnight (`0..=1440`).
    pub const fn from_minutes(minutes: u16) -> Option<ClockTime> {
        if minutes <= 24 * 60 {
            Some(ClockTime(minutes))
        } else {
            None
        }
    }

    /// Minutes since midnight.
    pub const fn minutes(self) -> u16 {
        self.0
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl FromStr for ClockTime {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ValidationError::Invalid {
            field: "openingHours",
            reason: format!(
                "{:?} is not a time of day; use HH:MM between 00:00 and 24:00",
                s.chars().take(20).collect::<String>()
            ),
        };
        let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
        let digits = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit());
        if !(digits(h) || (h.len() == 1 && digits(&format!("0{h}")))) || !digits(m) {
            return Err(bad());
        }
        let (h, m) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        ClockTime::hm(h, m).ok_or_else(bad)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
