//! Sessions: opened at login, checked on every request, revoked at logout.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{sessions, users};
use crate::db::Conn;
use crate::domain::ids::{SessionId, UserId};
use crate::store::users::User;

/// Opens a session for `user_id` until `expires_at`; returns its id.
pub fn open(
    conn: &mut Conn,
    user_id: UserId,
    csrf_token: &str,
    at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<SessionId> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(at),
            sessions::expires_at.eq(expires_at),
        ))
        .returning(sessions::id)
        .get_result(conn)
}

/// The active account behind a session that is neither revoked nor expired at `at`, with the
/// session's CSRF secret.
pub fn find_live(
    conn: &mut Conn,
    session_id: SessionId,
    at: NaiveDateTime,
) -> QueryResult<Option<(User, String)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(session_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(at))
        .filter(users::active.eq(true))
        .select((User::as_select(), sessions::csrf_token))
        .first(conn)
        .optional()
}

/// Ends a session; true when it was live.
pub fn revoke(conn: &mut Conn, session_id: SessionId, at: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        sessions::table
            .filter(sessions::id.eq(session_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(at))
    .execute(conn)?;
    Ok(n > 0)
}

/// Forgets sessions that ended more than a day before `at` (expired or revoked): the table
/// keeps only what can still be presented, plus a day for investigations.
pub fn purge(conn: &mut Conn, at: NaiveDateTime) -> QueryResult<usize> {
    let before = at - chrono::Duration::days(1);
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .lt(before)
                .or(sessions::revoked_at.lt(before)),
        ),
    )
    .execute(conn)
}

/// Ends every live session of a user but `keep` (the caller's own, when it changes its own
/// password); returns the sessions ended, for the instance's cache to forget them at once.
pub fn revoke_all_of(
    conn: &mut Conn,
    user_id: UserId,
    keep: Option<SessionId>,
    at: NaiveDateTime,
) -> QueryResult<Vec<SessionId>> {
    let mut live = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        live = live.filter(sessions::id.ne(keep));
    }
    let ids: Vec<SessionId> = live.select(sessions::id).load(conn)?;
    if !ids.is_empty() {
        diesel::update(sessions::table.filter(sessions::id.eq_any(&ids)))
            .set(sessions::revoked_at.eq(at))
            .execute(conn)?;
    }
    Ok(ids)
}
