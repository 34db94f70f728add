//! Pure domain rules: no I/O, plain types, unit-tested with the worked examples of DOMAIN.md.

pub mod calendar;
pub mod matching;
pub mod next_action;
pub mod reminders;
pub mod territory;
pub mod units;
pub mod siret;
