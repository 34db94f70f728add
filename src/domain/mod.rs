//! Pure domain rules: no I/O, plain types, unit-tested with worked examples. Each rule is
//! described in docs/domain.md, which the modules link to section by section.
//! No module here imports the web framework, the database layer or the HTTP error type: a
//! broken rule is a `rule::Violation` (field, code, params).

pub mod amendments;
pub mod assignments;
pub mod calendar;
pub mod calibration;
pub mod catalogue;
pub mod clause_kinds;
pub mod corrections;
pub mod decp;
pub mod eligibility;
pub mod follow_ups;
pub mod french;
pub mod hours;
pub mod ids;
pub mod limits;
pub mod matching;
pub mod next_action;
pub mod patch;
pub mod period;
pub mod pnad;
pub mod progress;
pub mod referrals;
pub mod reminders;
pub mod report;
pub mod rule;
pub mod search;
pub mod siret;
pub mod spaser;
pub mod spreadsheet;
pub mod suppression;
pub mod territory;
pub mod to_clause;
pub mod units;
pub mod version;
pub mod vocabulary;
pub mod withdrawal;
pub mod xlsx_guard;
