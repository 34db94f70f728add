//! The data version (migration `2026-12-05-400000_data_version`): triggers on every table
//! the annual report reads bump it in the writer's transaction, so it moves exactly when a
//! committed write may have moved a figure, on this instance or on another one sharing the
//! database.

use diesel::{QueryResult, RunQueryDsl};

use crate::db::Conn;

#[derive(diesel::QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    version: i64,
}

/// The current version: the sum over the slots (one per PostgreSQL connection that wrote,
/// one on SQLite). One small read, as of the statement's snapshot.
pub fn current(conn: &mut Conn) -> QueryResult<i64> {
    let sql = "SELECT CAST(COALESCE(SUM(changes), 0) AS BIGINT) AS version FROM data_version";
    let row: Version = crate::per_backend!(conn, |c| diesel::sql_query(sql).get_result(c))?;
    Ok(row.version)
}
