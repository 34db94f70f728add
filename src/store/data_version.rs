//! The data version (migration `2026-12-05-400000_data_version`): triggers on every table
//! the annual report reads bump it in the writer's transaction, so it moves exactly when a
//! committed write may have moved a figure, on this instance or on another one sharing the
//! database.

use diesel::{QueryResult, RunQueryDsl};

use crate::db::Conn;

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    changes: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    hours_people_changes: i64,
}

/// The data version, whole and without the writes to the tables of hours (entries and their
/// kept totals) and to people's records (migration `2026-12-07-200000_hours_version`):
/// the report's figures that read neither stay valid while `without_hours` is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    pub all: i64,
    pub without_hours: i64,
}

/// The current versions: sums over the slots (one per PostgreSQL connection that wrote,
/// one on SQLite). One small read, as of the statement's snapshot.
pub fn current(conn: &mut Conn) -> QueryResult<Versions> {
    let sql = "SELECT CAST(COALESCE(SUM(changes), 0) AS BIGINT) AS changes, \
               CAST(COALESCE(SUM(hours_people_changes), 0) AS BIGINT) AS hours_people_changes FROM data_version";
    let row: Row = crate::per_backend!(conn, |c| diesel::sql_query(sql).get_result(c))?;
    Ok(Versions {
        all: row.changes.saturating_add(row.hours_people_changes),
        without_hours: row.changes,
    })
}
