//! Pure domain rules: no I/O, plain types, unit-tested with the worked examples of DOMAIN.md.

pub mod calibration;
pub mod decp;
pub mod siret;
pub mod territory;
pub mod units;
