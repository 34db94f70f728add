//! Execution milestones of clauses (filled in by the reminders work).

use crate::db::Conn;
use crate::error::ApiError;

/// Called when a clause changes status, in the same transaction.
pub fn on_clause_status(
    _conn: &mut Conn,
    _structure_id: i64,
    _clause_id: i64,
) -> Result<(), ApiError> {
    Ok(())
}
