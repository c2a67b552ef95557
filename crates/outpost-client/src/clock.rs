//! Time and identifiers come into the store from outside, so tests can set the
//! time and every id is reproducible when the randomness is seeded.
//!
//! Words used here: a *clock* answers "what time is it now"; an *id source*
//! turns the clock's milliseconds plus random bytes into UUIDv7 ids.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use std::sync::Mutex;
use uuid::Uuid;

/// Where the store reads the current time.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The system wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; for tests and benchmarks.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    /// A clock stopped at a Unix timestamp in milliseconds.
    pub fn at_ms(ms: i64) -> Self {
        Self::new(Utc.timestamp_millis_opt(ms).single().unwrap_or_default())
    }

    /// Moves the clock to `at` (backwards too: clocks do that).
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Makes UUIDv7 ids from a millisecond timestamp and random bytes.
#[derive(Debug)]
pub struct IdSource {
    rng: StdRng,
}

impl IdSource {
    /// Random bytes from the operating system.
    pub fn from_os() -> Self {
        Self {
            rng: StdRng::from_os_rng(),
        }
    }

    /// Deterministic ids (tests, demo data).
    pub fn seeded(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// A new UUIDv7 for the instant `at`.
    pub fn next(&mut self, at: DateTime<Utc>) -> Uuid {
        let mut random = [0u8; 10];
        self.rng.fill_bytes(&mut random);
        let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        uuid::Builder::from_unix_timestamp_millis(ms, &random).into_uuid()
    }
}

/// Milliseconds since the Unix epoch, the store's time encoding.
pub(crate) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Inverse of [`to_ms`]; out-of-range values clamp to the epoch.
pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = FixedClock::at_ms(1_000);
        assert_eq!(to_ms(c.now()), 1_000);
        c.advance(Duration::seconds(2));
        assert_eq!(to_ms(c.now()), 3_000, "advance moves the clock forward");
        c.set(from_ms(500));
        assert_eq!(to_ms(c.now()), 500, "set can move it back");
    }

    #[test]
    fn seeded_ids_are_v7_reproducible_and_carry_the_time() {
        let at = from_ms(1_700_000_000_000);
        let a = IdSource::seeded(7).next(at);
        let b = IdSource::seeded(7).next(at);
        assert_eq!(a, b, "same seed, same id");
        assert_eq!(a.get_version_num(), 7, "ids are UUIDv7");
        let (secs, _) = a.get_timestamp().unwrap().to_unix();
        assert_eq!(secs, 1_700_000_000, "the id embeds the clock time");
    }
}
