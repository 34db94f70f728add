//! Background jobs: plain functions taking a connection (or pool), the configuration and
//! `now`, so tests call them directly with a chosen clock; the scheduler only triggers them.

use chrono::NaiveDate;

use crate::config::Config;
use crate::db::{write_tx, Conn};
use crate::domain::ids::ParticipantId;
use crate::error::ApiError;

/// Anonymises people whose last activity is older than the retention period.
pub fn anonymise(
    conn: &mut Conn,
    config: &Config,
    today: NaiveDate,
) -> Result<Vec<ParticipantId>, ApiError> {
    let cutoff = today
        .checked_sub_months(chrono::Months::new(config.retention_months))
        .unwrap_or(today);
    let (people, messages) = write_tx(conn, |c| {
        crate::store::participants::anonymise_inactive(c, cutoff)
    })?;
    // Without an SMTP server the emails were also written to the outbox folder: those
    // copies named the person too.
    let dir = config.data_dir.join("outbox");
    for message_id in messages {
        let file = crate::reminders::mailer::folder_file(&dir, &message_id);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::error!("anonymisation: cannot remove {}: {e}", file.display()),
        }
    }
    Ok(people)
}
