//! The application's one source of the current time.
//!
//! Every rule that depends on "now" (today's date, a token's expiry, a reminder's stage, a
//! row's timestamp) reads it from the `Clock` held in the application state, never from the
//! system directly, so that tests run on a chosen date and keep passing whatever the calendar
//! says. The binary uses the system clock; tests use a clock that starts at a chosen instant.

use std::cell::RefCell;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, Utc};

#[derive(Clone, Debug)]
pub struct Clock(Source);

#[derive(Clone, Debug)]
enum Source {
    System,
    /// Microseconds since the epoch of the next reading. Each reading moves it on by one
    /// microsecond so that rows stamped one after the other keep their order, as with the
    /// system clock.
    Chosen(Arc<AtomicI64>),
}

impl Clock {
    /// The system's clock: what the service runs on.
    pub fn system() -> Clock {
        Clock(Source::System)
    }

    /// A clock that starts at `start` and only moves when read (by a microsecond) or when
    /// told to (`advance`, `set`): what tests and one-off commands given `--now` run on.
    pub fn starting_at(start: DateTime<Utc>) -> Clock {
        Clock(Source::Chosen(Arc::new(AtomicI64::new(
            start.timestamp_micros(),
        ))))
    }

    /// The current instant, to the microsecond (the precision both databases keep).
    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            Source::System => Utc::now().trunc_subsecs(6),
            Source::Chosen(next) => {
                let micros = next.fetch_add(1, Ordering::SeqCst);
                DateTime::from_timestamp_micros(micros).unwrap_or(DateTime::<Utc>::MIN_UTC)
            }
        }
    }

    /// The current instant as stored in the database: naive UTC.
    pub fn naive(&self) -> NaiveDateTime {
        self.now().naive_utc()
    }

    /// Today's date (UTC).
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Moves a chosen clock on (or back); the system clock cannot be moved.
    pub fn advance(&self, by: chrono::Duration) {
        if let Source::Chosen(next) = &self.0 {
            next.fetch_add(by.num_microseconds().unwrap_or(i64::MAX), Ordering::SeqCst);
        }
    }

    /// Sets a chosen clock to `at`; the system clock cannot be set.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Source::Chosen(next) = &self.0 {
            next.store(at.timestamp_micros(), Ordering::SeqCst);
        }
    }

    /// Runs `f` with this clock as the one `current()` answers on this thread. The database
    /// layer wraps each unit of work in it, so that the store stamps rows with the
    /// application's time without every query function taking a clock argument.
    pub fn scope<T>(&self, f: impl FnOnce() -> T) -> T {
        struct Restore(Option<Clock>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                SCOPED.with(|s| *s.borrow_mut() = previous);
            }
        }
        let previous = SCOPED.with(|s| s.borrow_mut().replace(self.clone()));
        let _restore = Restore(previous);
        f()
    }

    /// The clock of the enclosing `scope` on this thread; the system clock outside any (the
    /// command-line tools that write before the application exists).
    pub fn current() -> Clock {
        SCOPED
            .with(|s| s.borrow().clone())
            .unwrap_or_else(Clock::system)
    }
}

thread_local! {
    static SCOPED: RefCell<Option<Clock>> = const { RefCell::new(None) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone};

    #[test]
    fn a_chosen_clock_starts_where_told_and_keeps_order() {
        let start = Utc.with_ymd_and_hms(2027, 1, 2, 9, 0, 0).unwrap();
        let clock = Clock::starting_at(start);
        let a = clock.now();
        let b = clock.now();
        assert_eq!(a, start);
        assert!(b > a && b - a == chrono::Duration::microseconds(1));
        clock.advance(chrono::Duration::days(1));
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2027, 1, 3).unwrap());
        clock.set(start);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn scope_is_seen_inside_and_undone_after() {
        let start = Utc.with_ymd_and_hms(2031, 6, 15, 12, 0, 0).unwrap();
        let clock = Clock::starting_at(start);
        let inside = clock.scope(|| Clock::current().today());
        assert_eq!(inside, NaiveDate::from_ymd_opt(2031, 6, 15).unwrap());
        assert!(matches!(Clock::current().0, Source::System));
        // Nested scopes restore the outer one.
        let other = Clock::starting_at(start + chrono::Duration::days(400));
        let (inner, outer) = clock.scope(|| {
            let inner = other.scope(|| Clock::current().today());
            (inner, Clock::current().today())
        });
        assert_eq!(inner.year(), 2032);
        assert_eq!(outer, NaiveDate::from_ymd_opt(2031, 6, 15).unwrap());
    }
}
