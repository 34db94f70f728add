//! Structures, users and the login throttle.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{login_throttle, organisations, password_tokens, structures, users};
use crate::db::{now, Conn};
use crate::domain::ids::{OrganisationId, StructureId, UserId};
use crate::domain::vocabulary::{OrganisationKind, Role};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub structure_id: StructureId,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    pub funder_scope: Option<String>,
    pub display_name: Option<String>,
    pub active: bool,
    pub optional_reminders_off: bool,
    pub created_at: NaiveDateTime,
    pub version: i64,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub email: String,
    pub role: Role,
    pub structure_id: StructureId,
    pub organisation_id: Option<OrganisationId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funder_scope: Option<String>,
    /// False once an administrator has switched the account off: it can no longer log in.
    pub active: bool,
    pub created_at: NaiveDateTime,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            id: u.id,
            email: u.email,
            role: u.role,
            structure_id: u.structure_id,
            organisation_id: u.organisation_id,
            funder_scope: u.funder_scope,
            active: u.active,
            created_at: u.created_at,
        }
    }
}

pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn find_active(conn: &mut Conn, id: UserId) -> QueryResult<Option<User>> {
    users::table
        .filter(users::id.eq(id))
        .filter(users::active.eq(true))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut Conn, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(normalise_email(email)))
        .filter(users::active.eq(true))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<User>, i64)> {
    let total = users::table
        .filter(users::structure_id.eq(structure_id))
        .count()
        .get_result(conn)?;
    let items = users::table
        .filter(users::structure_id.eq(structure_id))
        .order(users::id)
        .limit(limit)
        .offset(offset)
        .select(User::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub struct NewUser<'a> {
    pub structure_id: StructureId,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    pub funder_scope: Option<String>,
}

/// Code of the refusal of an email that an account already uses.
pub const EMAIL_TAKEN: &str = "email_taken";

/// Why a user could not be inserted: the one store error with a meaning of its own, since a
/// concurrent creation of the same email is only seen as a unique violation.
#[derive(Debug)]
pub enum CreateUserError {
    /// An account already uses the email (in this structure or another).
    EmailTaken,
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for CreateUserError {
    fn from(e: diesel::result::Error) -> CreateUserError {
        CreateUserError::Database(e)
    }
}

/// Inserts a user; a taken email is `CreateUserError::EmailTaken`.
pub fn insert(conn: &mut Conn, u: NewUser<'_>) -> Result<User, CreateUserError> {
    let email = normalise_email(u.email);
    let exists: i64 = users::table
        .filter(users::email.eq(&email))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Err(CreateUserError::EmailTaken);
    }
    let id: UserId = diesel::insert_into(users::table)
        .values((
            users::structure_id.eq(u.structure_id),
            users::email.eq(&email),
            users::password_hash.eq(u.password_hash),
            users::role.eq(u.role),
            users::organisation_id.eq(u.organisation_id),
            users::funder_scope.eq(u.funder_scope),
            users::active.eq(true),
            users::created_at.eq(now()),
        ))
        .returning(users::id)
        .get_result(conn)
        .map_err(|e| match e {
            // Taken meanwhile by a concurrent creation: the same answer.
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => CreateUserError::EmailTaken,
            other => CreateUserError::Database(other),
        })?;
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)?)
}

/// The kind of an organisation of the structure, if it exists there.
pub fn organisation_kind(
    conn: &mut Conn,
    structure_id: StructureId,
    organisation_id: OrganisationId,
) -> QueryResult<Option<OrganisationKind>> {
    organisations::table
        .filter(organisations::id.eq(organisation_id))
        .filter(organisations::structure_id.eq(structure_id))
        .select(organisations::kind)
        .first(conn)
        .optional()
}

pub fn find_or_create_structure(conn: &mut Conn, name: &str) -> QueryResult<(StructureId, bool)> {
    if let Some(id) = structures::table
        .filter(structures::name.eq(name))
        .select(structures::id)
        .first::<StructureId>(conn)
        .optional()?
    {
        return Ok((id, false));
    }
    let id = diesel::insert_into(structures::table)
        .values((structures::name.eq(name), structures::created_at.eq(now())))
        .returning(structures::id)
        .get_result(conn)?;
    // A new structure starts with the sourced labour shares (docs/domain.md#calibration).
    crate::store::clauses::replace_labour_shares(
        conn,
        id,
        &crate::domain::calibration::default_labour_shares(),
    )?;
    Ok((id, true))
}

/// The login throttle's key for an email: the SHA-256 digest of the normalised email, in
/// hex (64 characters), so that a row has the same small size whatever was submitted and
/// the table keeps no address.
pub fn throttle_key(email: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(normalise_email(email).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Expired throttle rows deleted at most per recorded failure: the table is kept small and
/// a flood of failures does not make one login pay for a large purge.
pub const THROTTLE_PURGE_BATCH: i64 = 100;

/// Deletes up to [`THROTTLE_PURGE_BATCH`] throttle rows that no longer count at `at`:
/// their window is over (started `window_seconds` or more ago) and they are not locked
/// out. Returns how many went.
pub fn purge_throttle(
    conn: &mut Conn,
    at: NaiveDateTime,
    window_seconds: i64,
) -> QueryResult<usize> {
    let window_over = at - chrono::Duration::seconds(window_seconds);
    let expired: Vec<String> = login_throttle::table
        .filter(login_throttle::window_started_at.le(window_over))
        .filter(
            login_throttle::locked_until
                .is_null()
                .or(login_throttle::locked_until.le(at)),
        )
        .select(login_throttle::email_digest)
        .limit(THROTTLE_PURGE_BATCH)
        .load(conn)?;
    if expired.is_empty() {
        return Ok(0);
    }
    diesel::delete(login_throttle::table.filter(login_throttle::email_digest.eq_any(&expired)))
        .execute(conn)
}

/// One throttle row as the attempt left it.
#[derive(QueryableByName)]
struct ThrottleState {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    failures: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamp>)]
    locked_until: Option<NaiveDateTime>,
}

/// Counts a login attempt of `email` before its password is checked, in one statement, so
/// that guesses sent in parallel are counted like guesses sent one after the other: the
/// attempt is a failure until the password proves right (`clear_failures`). Returns the
/// seconds to wait when the email is locked out (this attempt is then not checked at all):
/// more than `max_failures` attempts within `window_seconds` lock it for `lockout_seconds`.
/// A lockout that has ended, or a window that is over without a lockout, starts the count
/// again.
pub fn begin_attempt(
    conn: &mut Conn,
    email: &str,
    at: NaiveDateTime,
    max_failures: i32,
    window_seconds: i64,
    lockout_seconds: i64,
) -> QueryResult<Option<i64>> {
    use diesel::sql_types::{Integer, Text, Timestamp};
    purge_throttle(conn, at, window_seconds)?;
    let key = throttle_key(email);
    let window_start = at - chrono::Duration::seconds(window_seconds);
    let lock_end = at + chrono::Duration::seconds(lockout_seconds);
    // $1 key, $2 now, $3 start of the window, $4 end of a new lockout, $5 max failures.
    const UPSERT: &str = "INSERT INTO login_throttle \
            (email_digest, failures, window_started_at, locked_until) VALUES ($1, 1, $2, NULL) \
        ON CONFLICT (email_digest) DO UPDATE SET \
            failures = CASE WHEN login_throttle.locked_until <= $2 \
                    OR (login_throttle.locked_until IS NULL \
                        AND login_throttle.window_started_at <= $3) THEN 1 \
                ELSE login_throttle.failures + 1 END, \
            window_started_at = CASE WHEN login_throttle.locked_until <= $2 \
                    OR (login_throttle.locked_until IS NULL \
                        AND login_throttle.window_started_at <= $3) THEN $2 \
                ELSE login_throttle.window_started_at END, \
            locked_until = CASE WHEN login_throttle.locked_until <= $2 \
                    OR (login_throttle.locked_until IS NULL \
                        AND login_throttle.window_started_at <= $3) THEN NULL \
                WHEN login_throttle.failures + 1 > $5 \
                    THEN COALESCE(login_throttle.locked_until, $4) \
                ELSE login_throttle.locked_until END \
        RETURNING failures, locked_until";
    // SQLite numbers its placeholders `?1`, PostgreSQL `$1`.
    let sql = if conn.is_sqlite() {
        UPSERT.replace('$', "?")
    } else {
        UPSERT.to_string()
    };
    let state: ThrottleState = crate::per_backend!(conn, |c| diesel::sql_query(&sql)
        .bind::<Text, _>(&key)
        .bind::<Timestamp, _>(at)
        .bind::<Timestamp, _>(window_start)
        .bind::<Timestamp, _>(lock_end)
        .bind::<Integer, _>(max_failures)
        .get_result(c))?;
    Ok(match state.locked_until {
        Some(until) if until > at => Some((until - at).num_seconds().max(1)),
        _ if state.failures > max_failures => Some(lockout_seconds),
        _ => None,
    })
}

pub fn clear_failures(conn: &mut Conn, email: &str) -> QueryResult<()> {
    diesel::delete(
        login_throttle::table.filter(login_throttle::email_digest.eq(throttle_key(email))),
    )
    .execute(conn)?;
    Ok(())
}

/// A user of the structure, active or not.
pub fn find_in_structure(
    conn: &mut Conn,
    structure_id: StructureId,
    id: UserId,
) -> QueryResult<Option<User>> {
    users::table
        .filter(users::id.eq(id))
        .filter(users::structure_id.eq(structure_id))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Sets an account's role, organisation and whether it is active (its version is claimed
/// apart, by `claim_version!`).
pub fn update_account(
    conn: &mut Conn,
    id: UserId,
    role: Role,
    organisation_id: Option<OrganisationId>,
    active: bool,
) -> QueryResult<()> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::role.eq(role),
            users::organisation_id.eq(organisation_id),
            users::active.eq(active),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Replaces an account's password hash.
pub fn set_password_hash(conn: &mut Conn, id: UserId, password_hash: &str) -> QueryResult<()> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set(users::password_hash.eq(password_hash))
        .execute(conn)
        .map(|_| ())
}

/// The active administrators of a structure other than `but`.
pub fn other_active_admins(
    conn: &mut Conn,
    structure_id: StructureId,
    but: UserId,
) -> QueryResult<i64> {
    users::table
        .filter(users::structure_id.eq(structure_id))
        .filter(users::role.eq(Role::Admin))
        .filter(users::active.eq(true))
        .filter(users::id.ne(but))
        .count()
        .get_result(conn)
}

/// A link to choose a password, as stored (its token's digest only).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = password_tokens)]
pub struct PasswordToken {
    pub id: i64,
    pub user_id: UserId,
    pub token_hash: String,
    pub purpose: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Stores a new link of `user_id` and deletes its older ones (a newer link voids them), and
/// the links of anyone that expired; returns the new row's id.
pub fn replace_password_token(
    conn: &mut Conn,
    user_id: UserId,
    token_hash: &str,
    purpose: &str,
    at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::delete(
        password_tokens::table.filter(
            password_tokens::user_id
                .eq(user_id)
                .or(password_tokens::expires_at.le(at)),
        ),
    )
    .execute(conn)?;
    diesel::insert_into(password_tokens::table)
        .values((
            password_tokens::user_id.eq(user_id),
            password_tokens::token_hash.eq(token_hash),
            password_tokens::purpose.eq(purpose),
            password_tokens::created_at.eq(at),
            password_tokens::expires_at.eq(expires_at),
        ))
        .returning(password_tokens::id)
        .get_result(conn)
}

/// The link of this digest, unexpired at `at`, with its account if still active.
pub fn find_password_token(
    conn: &mut Conn,
    token_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<Option<(PasswordToken, User)>> {
    password_tokens::table
        .inner_join(users::table)
        .filter(password_tokens::token_hash.eq(token_hash))
        .filter(password_tokens::expires_at.gt(at))
        .filter(users::active.eq(true))
        .select((PasswordToken::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

/// Deletes every link of a user (one was used, or the account changed).
pub fn delete_password_tokens(conn: &mut Conn, user_id: UserId) -> QueryResult<usize> {
    diesel::delete(password_tokens::table.filter(password_tokens::user_id.eq(user_id)))
        .execute(conn)
}
