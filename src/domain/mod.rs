//! Pure domain rules: no I/O, plain types, unit-tested with the worked examples of DOMAIN.md.

pub mod report;
pub mod suppression;
pub mod territory;
pub mod units;
