//! What every write about a person leaves behind: its last activity day (the anonymisation
//! clock, docs/domain.md#anonymisation) and a line in the audit log.

use chrono::NaiveDate;
use diesel::QueryResult;

use crate::db::Conn;
use crate::domain::ids::{ParticipantId, StructureId, UserId};
use crate::domain::vocabulary::HistoryAction;
use crate::store::{audit, participants};

/// Who writes, for the audit log and the activity day.
#[derive(Debug, Clone, Copy)]
pub struct Writer {
    pub structure_id: StructureId,
    pub user_id: UserId,
    pub today: NaiveDate,
}

/// Records that `person_id` was concerned by a write of `by` today; `what` says which.
pub fn person_changed(
    conn: &mut Conn,
    by: Writer,
    person_id: ParticipantId,
    what: &str,
) -> QueryResult<()> {
    participants::touch(conn, person_id, by.today)?;
    audit::record(
        conn,
        by.structure_id,
        Some(by.user_id),
        HistoryAction::Update,
        "participant",
        person_id,
        what,
    )
}
