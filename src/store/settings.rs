//! Instance-wide settings kept in the database (shared by every instance).

use diesel::prelude::*;

use crate::db::schema::app_settings;
use crate::db::{write_tx, Conn};

pub fn get(conn: &mut Conn, key: &str) -> QueryResult<Option<String>> {
    app_settings::table
        .filter(app_settings::key.eq(key))
        .select(app_settings::value)
        .first(conn)
        .optional()
}

/// Returns the stored value of `key`, storing `make()` first if there is none. Two
/// instances starting together agree: the loser of the insert race reads the winner's value.
pub fn get_or_init(
    conn: &mut Conn,
    key: &str,
    make: impl FnOnce() -> String,
) -> QueryResult<String> {
    if let Some(v) = get(conn, key)? {
        return Ok(v);
    }
    let value = make();
    let inserted = write_tx(conn, |conn| {
        diesel::insert_into(app_settings::table)
            .values((app_settings::key.eq(key), app_settings::value.eq(&value)))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(value),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => get(conn, key)?.ok_or(diesel::result::Error::NotFound),
        Err(e) => Err(e),
    }
}

/// Stores `value` under `key`, replacing what was there (in the caller's transaction).
pub fn set(conn: &mut Conn, key: &str, value: &str) -> QueryResult<()> {
    let updated = diesel::update(app_settings::table.filter(app_settings::key.eq(key)))
        .set(app_settings::value.eq(value))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(app_settings::table)
            .values((app_settings::key.eq(key), app_settings::value.eq(value)))
            .execute(conn)?;
    }
    Ok(())
}
