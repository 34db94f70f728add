//! Use cases of logging in and out: the lockout rule's count of attempts, opening and
//! ending a session, the current account. (The password check itself runs off the async
//! threads under the hash limiter, in `auth::login::login_with`.)

use chrono::NaiveDateTime;

use crate::app::AppResult;
use crate::db::{write_tx, Conn};
use crate::domain::ids::{SessionId, UserId};
use crate::store::users::User;
use crate::store::{sessions, users};

/// The lockout rule applied to one attempt, counted as a failure until the password proves
/// right (so that parallel guesses cannot all slip in before the lock): the seconds to wait
/// when the email is locked out.
pub fn begin_login_attempt(
    conn: &mut Conn,
    email: &str,
    at: NaiveDateTime,
    max_failures: i32,
    window_seconds: i64,
    lockout_seconds: i64,
) -> AppResult<Option<i64>> {
    write_tx(conn, |c| {
        Ok(users::begin_attempt(
            c,
            email,
            at,
            max_failures,
            window_seconds,
            lockout_seconds,
        )?)
    })
}

/// The active account of an email, if any.
pub fn account_of(conn: &mut Conn, email: &str) -> AppResult<Option<User>> {
    Ok(users::find_by_email(conn, email)?)
}

/// After a right password: the email's failures are forgotten, expired sessions purged, and
/// a session opened until `expires_at`. Returns the session's id.
pub fn open_session(
    conn: &mut Conn,
    email: &str,
    user_id: UserId,
    csrf_token: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> AppResult<SessionId> {
    write_tx(conn, |c| {
        users::clear_failures(c, email)?;
        sessions::purge(c, now)?;
        Ok(sessions::open(c, user_id, csrf_token, now, expires_at)?)
    })
}

/// Ends a session in the database, for every instance.
pub fn end_session(conn: &mut Conn, session_id: SessionId, at: NaiveDateTime) -> AppResult<()> {
    write_tx(conn, |c| {
        sessions::revoke(c, session_id, at)?;
        Ok(())
    })
}

/// The caller's account, if still active.
pub fn current_user(conn: &mut Conn, user_id: UserId) -> AppResult<Option<User>> {
    Ok(users::find_active(conn, user_id)?)
}

/// Replaces a user's password (already hashed): every other session of the user ends, and
/// its password links are void. Returns the sessions ended.
pub fn set_password(
    conn: &mut Conn,
    user_id: UserId,
    password_hash: &str,
    keep: SessionId,
    at: NaiveDateTime,
) -> AppResult<Vec<SessionId>> {
    write_tx(conn, |c| {
        users::set_password_hash(c, user_id, password_hash)?;
        users::delete_password_tokens(c, user_id)?;
        Ok(sessions::revoke_all_of(c, user_id, Some(keep), at)?)
    })
}
