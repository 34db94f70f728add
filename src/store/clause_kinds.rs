//! What the rules of each kind of clause read in the database: the persons placed on an
//! insertion-purpose clause.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::schema::placements;
use crate::db::Conn;
use crate::domain::ids::{AssignmentId, ClauseId};

/// Distinct persons with a placement on the clause, through these assignments, started on
/// or before `on` (cancelled placements left out): each person counts once, however many
/// placements they had.
pub fn persons_placed(
    conn: &mut Conn,
    clause_id: ClauseId,
    assignments: &[AssignmentId],
    on: NaiveDate,
) -> QueryResult<i64> {
    placements::table
        .filter(placements::clause_id.eq(clause_id))
        .filter(placements::assignment_id.eq_any(assignments))
        .filter(placements::cancelled_at.is_null())
        .filter(placements::starts_on.le(on))
        .select(sql::<BigInt>(
            "CAST(COUNT(DISTINCT placements.participant_id) AS BIGINT)",
        ))
        .first(conn)
}
