//! Queries, one module per aggregate. Every function over tenant data takes the caller's
//! structure id and filters on it: tenancy is enforced here, not in handlers.

pub mod assignments;
pub mod audit;
pub mod clause_kinds;
pub mod clauses;
pub mod contracts;
pub mod data_version;
pub mod decp;
pub mod follow_ups;
pub mod history;
pub mod hours;
pub mod ids;
pub mod kept_years;
pub mod milestones;
pub mod names;
pub mod needs;
pub mod organisations;
pub mod outbox;
pub mod participants;
pub mod placements;
pub mod referrals;
pub mod reminders;
pub mod reports;
pub mod sessions;
pub mod settings;
pub mod spaser;
pub mod timeline;
pub mod to_clause;
pub mod users;
pub mod validation;
pub mod vocabulary;
pub mod withdrawals;
pub mod worklist;
pub mod workspace;
