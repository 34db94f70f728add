//! The persons a list names are written to the audit log once per reader and window, not at
//! every view: a facilitator's home names the same people all day, and a write at every view
//! made every view slower (on SQLite each commit empties the page cache of every other
//! connection). Opening a person's own record is still logged at each read
//! (docs/domain.md#histories).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDateTime};

use crate::domain::ids::UserId;

/// How long a logged read covers the same reader naming the same person again.
pub const WINDOW_MINUTES: i64 = 15;
/// Most pairs remembered; past it the expired ones go, then all (reads are then logged again,
/// never lost).
const MAX_REMEMBERED: usize = 200_000;

/// The (reader, person) pairs logged recently, with when. One per application instance: each
/// instance logs its own first read in the window.
#[derive(Clone, Default)]
pub struct RecentReads(Arc<Mutex<HashMap<(i64, i64), NaiveDateTime>>>);

impl RecentReads {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(i64, i64), NaiveDateTime>> {
        // A plain map: consistent whatever panicked while it was held.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The persons of `named` that `reader` has not been logged reading within the window
    /// before `now`; they count as logged from `now` on (`forget` them if the write fails).
    pub fn to_log(&self, reader: UserId, named: &[i64], now: NaiveDateTime) -> Vec<i64> {
        let window = Duration::minutes(WINDOW_MINUTES);
        let mut seen = self.lock();
        if seen.len() + named.len() > MAX_REMEMBERED {
            seen.retain(|_, at| now - *at < window);
            if seen.len() + named.len() > MAX_REMEMBERED {
                seen.clear();
            }
        }
        named
            .iter()
            .copied()
            .filter(|&person| match seen.get(&(reader.0, person)) {
                // Within the window (a clock set back, in tests or by a corrected system
                // time, logs again rather than never).
                Some(at) if *at <= now && now - *at < window => false,
                _ => {
                    seen.insert((reader.0, person), now);
                    true
                }
            })
            .collect()
    }

    /// Forgets that these reads were logged (their write failed): the next view logs them.
    pub fn forget(&self, reader: UserId, persons: &[i64]) {
        let mut seen = self.lock();
        for &person in persons {
            seen.remove(&(reader.0, person));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(9, minute, 0))
            .expect("a valid time")
    }

    #[test]
    fn a_reader_naming_a_person_again_within_the_window_is_logged_once() {
        let reads = RecentReads::default();
        let (alice, bob) = (UserId(1), UserId(2));
        assert_eq!(reads.to_log(alice, &[10, 11], at(0)), vec![10, 11]);
        assert_eq!(reads.to_log(alice, &[10, 11, 12], at(14)), vec![12]);
        // Another reader is logged on its own.
        assert_eq!(reads.to_log(bob, &[10], at(14)), vec![10]);
        // Fifteen minutes after the first: logged again.
        assert_eq!(reads.to_log(alice, &[10, 12], at(15)), vec![10]);
        // A failed write is forgotten, so the next view logs it.
        reads.forget(alice, &[12]);
        assert_eq!(reads.to_log(alice, &[12], at(16)), vec![12]);
        // A clock set back logs again rather than never.
        assert_eq!(reads.to_log(alice, &[12], at(1)), vec![12]);
    }
}
