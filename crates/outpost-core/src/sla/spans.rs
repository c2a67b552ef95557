//! Queries on a [`BusinessCalendar`]: is it open, when does it next open or
//! close, how much business time lies between two instants, and which instant
//! is a given amount of business time after another.
//!
//! Words used here:
//! - *open span*: a run `[start, end)` of UTC instants during which the calendar
//!   is open, produced from one opening interval on one local date.
//! - *business time*: the length of the part of a UTC range that lies in open
//!   spans. For a 24/7 calendar it is plain elapsed time.
//! - *transition*: an instant at which the calendar opens or closes. Touching
//!   spans (e.g. 17:00–24:00 then 00:00–08:00 the next day) have no transition
//!   between them.
//!
//! Everything walks open spans date by date, never minute by minute, so a 40 h
//! target across a three-week holiday costs a few dozen steps. Internally times
//! are UTC milliseconds; the public methods take and return `DateTime<Utc>`.

use super::calendar::{BusinessCalendar, Rules, WeekRules, ms_to_naive};
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// How many consecutive local dates without any opening a search crosses before
/// giving up. Only holidays can close a valid calendar that long.
const MAX_CLOSED_DAYS: u32 = 4000;

/// The next opening or closing of a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// When it happens.
    pub at: DateTime<Utc>,
    /// `true` if the calendar opens at `at`, `false` if it closes.
    pub opens: bool,
}

/// What a calendar is doing during a [`CalendarSegment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarSegmentKind {
    /// Open: business time counts.
    Open,
    /// Closed outside opening hours.
    Closed,
    /// Closed all day for a holiday.
    Holiday,
}

/// A run of time during which a calendar does one thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarSegment {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub kind: CalendarSegmentKind,
}

pub(super) fn ms_to_dt(ms: i64) -> DateTime<Utc> {
    ms_to_naive(ms).and_utc()
}

/// Open spans, in order, from the local date containing a start instant on.
/// Spans are non-empty and never overlap; touching spans are not merged.
pub(super) struct Spans<'a> {
    rules: &'a WeekRules,
    date: NaiveDate,
    idx: usize,
    closed_days: u32,
}

impl<'a> Spans<'a> {
    /// Spans that end after `from_ms` (and possibly some before; callers clip).
    pub(super) fn from(rules: &'a WeekRules, from_ms: i64) -> Self {
        // A span of an earlier local date ends at or before the first instant the
        // wall clock reads this date, which is at or before `from_ms`.
        Spans {
            rules,
            date: rules.local_date(from_ms),
            idx: 0,
            closed_days: 0,
        }
    }
}

impl Iterator for Spans<'_> {
    type Item = (i64, i64);
    fn next(&mut self) -> Option<(i64, i64)> {
        loop {
            let day = self.rules.intervals(self.date);
            if let Some(&(s, e)) = day.get(self.idx) {
                self.idx += 1;
                let start = self.rules.local_to_utc_ms(self.date, s);
                let end = self.rules.local_to_utc_ms(self.date, e);
                if start < end {
                    self.closed_days = 0;
                    return Some((start, end));
                }
                continue;
            }
            self.idx = 0;
            self.date = self.date.succ_opt()?;
            self.closed_days += 1;
            if self.closed_days > MAX_CLOSED_DAYS {
                return None;
            }
        }
    }
}

impl BusinessCalendar {
    /// Whether business time counts at instant `t`.
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        self.is_open_ms(t.timestamp_millis())
    }

    pub(super) fn is_open_ms(&self, t: i64) -> bool {
        match &self.rules {
            Rules::AlwaysOpen => true,
            Rules::Hours(w) => Spans::from(w, t)
                .find(|&(_, e)| e > t)
                .is_some_and(|(s, _)| s <= t),
        }
    }

    /// The first opening or closing strictly after `t`; `None` for a 24/7
    /// calendar (or one that never opens again).
    pub fn next_transition(&self, t: DateTime<Utc>) -> Option<Transition> {
        self.next_transition_ms(t.timestamp_millis())
            .map(|(at, opens)| Transition {
                at: ms_to_dt(at),
                opens,
            })
    }

    pub(super) fn next_transition_ms(&self, t: i64) -> Option<(i64, bool)> {
        let Rules::Hours(w) = &self.rules else {
            return None;
        };
        let mut spans = Spans::from(w, t).skip_while(|&(_, e)| e <= t);
        let (s, mut e) = spans.next()?;
        if s > t {
            return Some((s, true));
        }
        // Open now: the closing is the end of this span and any touching ones.
        for (s2, e2) in spans {
            if s2 != e {
                break;
            }
            e = e2;
        }
        Some((e, false))
    }

    /// Business time in `[a, b)`; zero if `b <= a`.
    pub fn business_duration_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        Duration::milliseconds(self.business_ms_between(a.timestamp_millis(), b.timestamp_millis()))
    }

    /// Whole business minutes in `[a, b)`, rounded down; zero if `b <= a`.
    pub fn business_minutes_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        self.business_duration_between(a, b).num_minutes()
    }

    pub(super) fn business_ms_between(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        match &self.rules {
            Rules::AlwaysOpen => b - a,
            Rules::Hours(w) => {
                let mut total = 0;
                for (s, e) in Spans::from(w, a) {
                    if s >= b {
                        break;
                    }
                    total += (e.min(b) - s.max(a)).max(0);
                }
                total
            }
        }
    }

    /// The earliest instant `t >= start` with `minutes` of business time in
    /// `[start, t)`. Zero minutes gives `start` itself, even when closed; a
    /// target used up exactly at a closing gives the closing instant.
    /// `None` only if the calendar stays closed for years (holidays).
    pub fn add_business_minutes(
        &self,
        start: DateTime<Utc>,
        minutes: u32,
    ) -> Option<DateTime<Utc>> {
        self.add_business_duration(start, Duration::minutes(i64::from(minutes)))
    }

    /// Like [`BusinessCalendar::add_business_minutes`] with millisecond precision;
    /// a negative amount counts as zero.
    pub fn add_business_duration(
        &self,
        start: DateTime<Utc>,
        amount: Duration,
    ) -> Option<DateTime<Utc>> {
        self.add_business_ms(start.timestamp_millis(), amount.num_milliseconds())
            .map(ms_to_dt)
    }

    pub(super) fn add_business_ms(&self, start: i64, amount: i64) -> Option<i64> {
        if amount <= 0 {
            return Some(start);
        }
        match &self.rules {
            Rules::AlwaysOpen => start.checked_add(amount),
            Rules::Hours(w) => {
                let mut left = amount;
                for (s, e) in Spans::from(w, start) {
                    if e <= start {
                        continue;
                    }
                    let from = s.max(start);
                    if e - from >= left {
                        return Some(from + left);
                    }
                    left -= e - from;
                }
                None
            }
        }
    }

    /// What the calendar does over `[from, to)`, as consecutive segments that
    /// cover the range exactly (merged when adjacent and of the same kind). Used
    /// for explanations; costs a few steps per local day.
    pub fn segments(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<CalendarSegment> {
        let (a, b) = (from.timestamp_millis(), to.timestamp_millis());
        let mut out = Vec::new();
        self.segments_ms(a, b, &mut |s, e, kind| push_merged(&mut out, s, e, kind));
        out
    }

    pub(super) fn segments_ms(
        &self,
        a: i64,
        b: i64,
        emit: &mut dyn FnMut(i64, i64, CalendarSegmentKind),
    ) {
        if b <= a {
            return;
        }
        let Rules::Hours(w) = &self.rules else {
            emit(a, b, CalendarSegmentKind::Open);
            return;
        };
        let mut clip = |s: i64, e: i64, kind| {
            let (s, e) = (s.max(a), e.min(b));
            if s < e {
                emit(s, e, kind);
            }
        };
        let mut date = w.local_date(a);
        let mut cursor = w.local_to_utc_ms(date, 0).min(a);
        while cursor < b {
            let Some(next) = date.succ_opt() else { break };
            let day_end = w.local_to_utc_ms(next, 0);
            if w.is_holiday(date) {
                clip(cursor, day_end, CalendarSegmentKind::Holiday);
            } else {
                for &(s, e) in w.intervals(date) {
                    let (s, e) = (w.local_to_utc_ms(date, s), w.local_to_utc_ms(date, e));
                    if s < e {
                        clip(cursor, s, CalendarSegmentKind::Closed);
                        clip(s, e, CalendarSegmentKind::Open);
                        cursor = e;
                    }
                }
                clip(cursor, day_end, CalendarSegmentKind::Closed);
            }
            cursor = cursor.max(day_end);
            date = next;
        }
    }
}

fn push_merged(out: &mut Vec<CalendarSegment>, s: i64, e: i64, kind: CalendarSegmentKind) {
    if let Some(last) = out.last_mut()
        && last.kind == kind
        && last.end.timestamp_millis() == s
    {
        last.end = ms_to_dt(e);
        return;
    }
    out.push(CalendarSegment {
        start: ms_to_dt(s),
        end: ms_to_dt(e),
        kind,
    });
}

#[cfg(test)]
mod tests {
    use super::super::calendar::{BusinessHours, CalendarSettings, Day, Holiday, OpeningHours};
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn paris_split_day() -> BusinessCalendar {
        let mut hours = Vec::new();
        for day in Day::WORKDAYS {
            for (s, e) in [("09:00", "12:30"), ("13:30", "17:00")] {
                hours.push(OpeningHours {
                    day,
                    start: s.parse().unwrap(),
                    end: e.parse().unwrap(),
                });
            }
        }
        BusinessCalendar::new(CalendarSettings::BusinessHours(BusinessHours {
            timezone: "Europe/Paris".into(),
            hours,
            holidays: vec![Holiday {
                date: NaiveDate::from_ymd_opt(2025, 12, 25).unwrap(),
                yearly: true,
                name: "Christmas".into(),
            }],
        }))
        .unwrap()
    }

    #[test]
    fn split_days_skip_lunch_and_nights() {
        let cal = paris_split_day();
        // Wed 2025-06-04 12:00 Paris = 10:00Z; 30 min before lunch, 60 after.
        assert_eq!(
            cal.add_business_minutes(at("2025-06-04T10:00:00Z"), 90),
            Some(at("2025-06-04T12:30:00Z")),
            "90 business minutes from 12:00 end at 14:30 local, lunch excluded"
        );
        assert!(
            !cal.is_open(at("2025-06-04T11:00:00Z")),
            "closed at 13:00 for lunch"
        );
        assert_eq!(
            cal.next_transition(at("2025-06-04T11:00:00Z")),
            Some(Transition {
                at: at("2025-06-04T11:30:00Z"),
                opens: true
            })
        );
        assert_eq!(
            cal.business_minutes_between(at("2025-06-04T00:00:00Z"), at("2025-06-05T00:00:00Z")),
            7 * 60,
            "a split day holds 7 business hours"
        );
    }

    #[test]
    fn yearly_holidays_recur_and_are_reported_as_holidays() {
        let cal = paris_split_day();
        // Thu 2026-12-24 17:00 local; Christmas Friday is closed -> Monday 28th.
        assert_eq!(
            cal.add_business_minutes(at("2026-12-24T16:00:00Z"), 30),
            Some(at("2026-12-28T08:30:00Z")),
            "a yearly holiday is skipped in later years too"
        );
        let segs = cal.segments(at("2026-12-24T15:00:00Z"), at("2026-12-28T09:00:00Z"));
        let kinds: Vec<_> = segs.iter().map(|s| s.kind).collect();
        use CalendarSegmentKind::*;
        assert_eq!(kinds, vec![Open, Closed, Holiday, Closed, Open]);
        assert_eq!(
            segs[2].start,
            at("2026-12-24T23:00:00Z"),
            "the holiday starts at local midnight"
        );
        assert_eq!(
            segs.last().unwrap().end,
            at("2026-12-28T09:00:00Z"),
            "segments cover the range"
        );
    }

    #[test]
    fn always_open_is_plain_time() {
        let cal = BusinessCalendar::always_open();
        let t = at("2025-03-30T01:30:00Z");
        assert_eq!(
            cal.add_business_minutes(t, 240),
            Some(t + Duration::hours(4))
        );
        assert_eq!(cal.business_minutes_between(t, t + Duration::days(2)), 2880);
        assert_eq!(cal.next_transition(t), None);
        assert!(cal.is_open(t));
    }

    #[test]
    fn long_searches_walk_spans_not_minutes() {
        let mut settings = paris_split_day().settings().clone();
        let CalendarSettings::BusinessHours(h) = &mut settings else {
            unreachable!()
        };
        let first = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
        h.holidays.extend((0..60).map(|d| Holiday {
            date: first + Duration::days(d),
            yearly: false,
            name: String::new(),
        }));
        let cal = BusinessCalendar::new(settings).unwrap();
        let start = at("2025-06-30T07:00:00Z");
        let due = cal.add_business_minutes(start, 40 * 60).unwrap();
        assert_eq!(
            cal.business_minutes_between(start, due),
            40 * 60,
            "adding then measuring gives back the amount"
        );
        assert!(
            due > at("2025-08-29T00:00:00Z"),
            "the 60-day holiday span is skipped"
        );
    }
}
