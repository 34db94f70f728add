//! The outbox of reminder emails: one row per (rule, subject, period, stage, recipient),
//! queued once whatever the number of job runs (unique `dedup_key`), claimed by one sender
//! at a time, then sent, retried or failed.
//!
//! Statuses: `queued` (waiting to be sent, possibly after failed attempts), `sent`, `failed`
//! (gave up after the configured attempts, or the server refused for good; a facilitator can
//! retry it), `digested` (never sent alone: it went within the digest whose Message-ID it
//! bears, see `reminders::collect`). A row is ready when it is queued and either never attempted or its
//! `next_attempt_at` has come.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use serde::Serialize;

use crate::db::schema::outbox;
use crate::db::Conn;
use crate::domain::ids::{ParticipantId, StructureId};
use crate::domain::vocabulary::{OutboxStatus, ReminderRule};

/// A row of the outbox: the message as queued, and where its sending stands.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    #[diesel(embed)]
    pub message: NewOutbox,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
}

/// A row to queue: the message, whom it goes to, what it is about and when it may go.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewOutbox {
    pub structure_id: StructureId,
    pub dedup_key: String,
    pub rule: ReminderRule,
    pub subject_type: String,
    pub subject_id: i64,
    pub period: String,
    pub stage: String,
    pub recipient_email: String,
    pub recipient_user_id: Option<i64>,
    pub subject_line: String,
    pub body_text: String,
    pub body_html: String,
    pub message_id: String,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// The keys among `keys` already in the outbox (so that the job renders only new ones).
pub fn existing_keys(conn: &mut Conn, keys: &[String]) -> QueryResult<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in keys.chunks(500) {
        let rows: Vec<String> = outbox::table
            .filter(outbox::dedup_key.eq_any(chunk))
            .select(outbox::dedup_key)
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// Queues a row unless its key is already there; true when it was queued by this call.
pub fn enqueue(conn: &mut Conn, r: &NewOutbox) -> QueryResult<bool> {
    enqueue_as(conn, r, OutboxStatus::Queued)
}

/// Writes a row with `status` unless its key is already there (`digested`: a reminder sent
/// within a digest, kept so that it goes once); true when written by this call.
pub fn enqueue_as(conn: &mut Conn, r: &NewOutbox, status: OutboxStatus) -> QueryResult<bool> {
    let values = (r, outbox::status.eq(status), outbox::attempts.eq(0));
    let n = crate::per_backend!(conn, |c| diesel::insert_into(outbox::table)
        .values(values)
        .on_conflict(outbox::dedup_key)
        .do_nothing()
        .execute(c))?;
    Ok(n > 0)
}

/// Claims up to `limit` ready rows for `token` until `lease_until`; returns them. A row
/// claimed by another sender whose lease has not expired (wall clock `wall_now`) is left
/// alone. PostgreSQL skips rows another claim has locked; both backends re-check the
/// conditions on the row they update, so two senders never claim the same row.
pub fn claim(
    conn: &mut Conn,
    token: &str,
    lease_until: NaiveDateTime,
    wall_now: NaiveDateTime,
    ready_at: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    // SQLite serialises writers and runs the subquery once. PostgreSQL picks the rows in a
    // materialised CTE (once, as LIMIT must), skipping rows another sender has locked, and
    // re-checks the conditions on each row it updates.
    const SQLITE: &str = "UPDATE outbox SET claimed_by = ?1, claimed_until = ?2 \
        WHERE id IN (SELECT id FROM outbox WHERE status = 'queued' \
            AND (attempts = 0 OR next_attempt_at <= ?3) \
            AND (claimed_until IS NULL OR claimed_until < ?4) \
            ORDER BY id LIMIT ?5) \
        AND status = 'queued' AND (claimed_until IS NULL OR claimed_until < ?4)";
    const POSTGRES: &str = "WITH picked AS MATERIALIZED (SELECT id FROM outbox \
            WHERE status = 'queued' \
            AND (attempts = 0 OR next_attempt_at <= $3) \
            AND (claimed_until IS NULL OR claimed_until < $4) \
            ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED) \
        UPDATE outbox SET claimed_by = $1, claimed_until = $2 FROM picked \
        WHERE outbox.id = picked.id AND outbox.status = 'queued' \
            AND (outbox.claimed_until IS NULL OR outbox.claimed_until < $4)";
    let sql = if conn.is_sqlite() { SQLITE } else { POSTGRES };
    crate::per_backend!(conn, |c| diesel::sql_query(sql)
        .bind::<Text, _>(token)
        .bind::<Timestamp, _>(lease_until)
        .bind::<Timestamp, _>(ready_at)
        .bind::<Timestamp, _>(wall_now)
        .bind::<BigInt, _>(limit)
        .execute(c))?;
    outbox::table
        .filter(outbox::claimed_by.eq(token))
        .filter(outbox::status.eq(OutboxStatus::Queued))
        .order(outbox::id)
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Records a delivery; false when the row was no longer claimed by `token`.
pub fn mark_sent(
    conn: &mut Conn,
    id: i64,
    token: &str,
    sent_at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::claimed_by.eq(token)),
    )
    .set((
        outbox::status.eq(OutboxStatus::Sent),
        outbox::sent_at.eq(sent_at),
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::claimed_by.eq(None::<String>),
        outbox::claimed_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(None::<String>),
    ))
    .execute(conn)?;
    // An email carrying a password link keeps no copy of it once sent.
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::rule.eq(crate::auth::links::OUTBOX_RULE))
            .filter(outbox::status.eq(OutboxStatus::Sent)),
    )
    .set((outbox::body_text.eq(""), outbox::body_html.eq("")))
    .execute(conn)?;
    Ok(n > 0)
}

/// Records a failed attempt: queued again for `next_attempt_at`, or `failed` for good.
pub fn mark_attempt_failed(
    conn: &mut Conn,
    id: i64,
    token: &str,
    error: &str,
    next_attempt_at: NaiveDateTime,
    give_up: bool,
) -> QueryResult<()> {
    diesel::update(
        outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::claimed_by.eq(token)),
    )
    .set((
        outbox::status.eq(if give_up {
            OutboxStatus::Failed
        } else {
            OutboxStatus::Queued
        }),
        outbox::attempts.eq(outbox::attempts + 1),
        outbox::next_attempt_at.eq(next_attempt_at),
        outbox::claimed_by.eq(None::<String>),
        outbox::claimed_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq(error),
    ))
    .execute(conn)?;
    Ok(())
}

/// Gives back the rows still claimed by `token` (not attempted in this run).
pub fn release(conn: &mut Conn, token: &str) -> QueryResult<()> {
    diesel::update(outbox::table.filter(outbox::claimed_by.eq(token)))
        .set((
            outbox::claimed_by.eq(None::<String>),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// An outbox row as facilitators see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: i64,
    pub status: OutboxStatus,
    pub rule: ReminderRule,
    pub subject_type: String,
    pub subject_id: i64,
    pub period: String,
    pub stage: String,
    pub recipient: String,
    pub recipient_user_id: Option<i64>,
    pub subject: String,
    pub message_id: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl From<OutboxRow> for NotificationView {
    fn from(row: OutboxRow) -> Self {
        let r = row.message;
        NotificationView {
            id: row.id,
            status: row.status,
            rule: r.rule,
            subject_type: r.subject_type,
            subject_id: r.subject_id,
            period: r.period,
            stage: r.stage,
            recipient: r.recipient_email,
            recipient_user_id: r.recipient_user_id,
            subject: r.subject_line,
            message_id: r.message_id,
            attempts: row.attempts,
            last_error: row.last_error,
            next_attempt_at: r.next_attempt_at,
            sent_at: row.sent_at,
            created_at: r.created_at,
        }
    }
}

/// The statuses' codes, for the OpenAPI document.
pub const STATUSES: [&str; 4] = OutboxStatus::CODES;

pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    status: Option<OutboxStatus>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<OutboxRow>, i64)> {
    let base = || {
        let mut q = outbox::table
            .filter(outbox::structure_id.eq(structure_id))
            .into_boxed();
        if let Some(s) = status {
            q = q.filter(outbox::status.eq(s));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let items = base()
        .order(outbox::id.desc())
        .limit(limit)
        .offset(offset)
        .select(OutboxRow::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// The notification of the structure, if any.
pub fn find(conn: &mut Conn, structure_id: StructureId, id: i64) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::structure_id.eq(structure_id))
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

/// Puts a row back in the queue with a fresh count of attempts: the next job run sends it
/// (only a failed row may be retried: `app::reminders::retry_notification` decides).
pub fn requeue(conn: &mut Conn, id: i64) -> QueryResult<()> {
    diesel::update(outbox::table.filter(outbox::id.eq(id)))
        .set((
            outbox::status.eq(OutboxStatus::Queued),
            outbox::attempts.eq(0),
            outbox::claimed_by.eq(None::<String>),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Rewrites the emails about one anonymised person (reminders whose subject is one of their
/// placements or referrals name them and their job) into a neutral notice, whatever their
/// status; those still queued are not sent any more: they become `failed`, with the reason.
/// Returns their Message-IDs, whose copies on disk (no SMTP server) go too.
pub fn withdraw_about_person(
    conn: &mut Conn,
    participant_id: ParticipantId,
    placement_ids: &[i64],
    referral_ids: &[i64],
) -> QueryResult<Vec<String>> {
    let about = outbox::subject_type
        .eq("placement")
        .and(outbox::subject_id.eq_any(placement_ids))
        .or(outbox::subject_type
            .eq("referral")
            .and(outbox::subject_id.eq_any(referral_ids)));
    let mut message_ids: Vec<String> = outbox::table
        .filter(about.clone())
        .select(outbox::message_id)
        .load(conn)?;
    message_ids.sort();
    message_ids.dedup();
    // A reminder sent within a digest shares the digest's Message-ID: the digest, which
    // names the person too, is withdrawn with it.
    let about = about.or(outbox::rule
        .eq(ReminderRule::Digest)
        .and(outbox::message_id.eq_any(message_ids.clone())));
    let text = format!(
        "Ce message concernait la personne n° {participant_id}, dont les données personnelles \
         ont été anonymisées au terme de la durée de conservation."
    );
    diesel::update(outbox::table.filter(about.clone()))
        .set((
            outbox::subject_line.eq("Message retiré : données personnelles anonymisées"),
            outbox::body_html.eq(format!("<p>{text}</p>")),
            outbox::body_text.eq(text),
        ))
        .execute(conn)?;
    diesel::update(
        outbox::table
            .filter(about)
            .filter(outbox::status.eq(OutboxStatus::Queued)),
    )
    .set((
        outbox::status.eq(OutboxStatus::Failed),
        outbox::claimed_by.eq(None::<String>),
        outbox::claimed_until.eq(None::<NaiveDateTime>),
        outbox::last_error.eq("Envoi annulé : la personne a été anonymisée."),
    ))
    .execute(conn)?;
    Ok(message_ids)
}
