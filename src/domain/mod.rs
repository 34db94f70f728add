//! Pure domain rules: no I/O, plain types, unit-tested with the worked examples of DOMAIN.md.

pub mod catalogue;
pub mod eligibility;
pub mod hours;
pub mod progress;
pub mod territory;
pub mod units;
