//! Use cases: what each route does, one function per action, grouped by aggregate.
//!
//! The layers, from the bottom up (each imports only those below it):
//! - `domain`: pure rules and figures, no I/O; a broken rule is a `domain::rule::Violation`;
//! - `store`: diesel queries; returns diesel's `QueryResult` (or a small store error), never
//!   an HTTP status;
//! - `app` (here): one use case per action (place a person, import hours, decide entries...),
//!   taking `now` from the `Clock`, running the transaction, returning `AppResult`;
//! - `api` and the pages: parse, guard, call one use case, respond. Only there does an
//!   `AppError` become a problem response (`crate::error::ApiError`), its messages rendered
//!   from their codes (`api::messages`).
//!
//! The request and response types of a use case live next to it (`app::contracts::ContractInput`);
//! the handlers import them. `src/layers.rs` checks these rules on the sources.

pub mod activity;
pub mod assignments;
pub mod clauses;
pub mod contracts;
pub mod error;
pub mod needs;
pub mod organisations;
pub mod participants;
pub mod read_log;
pub mod reference;
pub mod reminders;
pub mod report_cache;
pub mod reports;
pub mod sessions;
pub mod spaser;
pub mod users;
pub mod validation;
pub mod versioned;
pub mod withdrawals;
pub mod year_facts;
// --- Hours, placements, referrals, clause progress ---
pub mod hours;
pub mod placements;
pub mod progress;
pub mod referrals;

pub use error::{AppError, AppResult};
pub mod follow_ups;
pub mod settings;
pub mod to_clause;
pub mod worklist;
pub mod workspace;
