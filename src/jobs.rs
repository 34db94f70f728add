//! Background jobs: plain functions taking a connection (or pool), the configuration and
//! `now`, so tests call them directly with a chosen clock; the scheduler only triggers them.

use chrono::NaiveDate;

use crate::config::Config;
use crate::db::{write_tx, Conn};
use crate::error::ApiError;

/// Anonymises people whose last activity is older than the retention period.
pub fn anonymise(conn: &mut Conn, config: &Config, today: NaiveDate) -> Result<Vec<i64>, ApiError> {
    let cutoff = today
        .checked_sub_months(chrono::Months::new(config.retention_months))
        .unwrap_or(today);
    write_tx(conn, |c| {
        crate::store::participants::anonymise_inactive(c, cutoff)
    })
}
