//! Audit log of reads and changes of personal data.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{audit_log, users};
use crate::db::{now, Conn};
use crate::domain::ids::{ParticipantId, StructureId, UserId};
use crate::domain::vocabulary::HistoryAction;
use crate::store::history::{By, FieldChange};

pub fn record(
    conn: &mut Conn,
    structure_id: StructureId,
    user_id: Option<UserId>,
    action: HistoryAction,
    entity: &str,
    entity_id: impl Into<i64>,
    detail: &str,
) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::structure_id.eq(structure_id),
            audit_log::user_id.eq(user_id),
            audit_log::at.eq(now()),
            audit_log::action.eq(action),
            audit_log::entity.eq(entity),
            audit_log::entity_id.eq(entity_id.into()),
            audit_log::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// Rows inserted at most by one statement (7 values a row: SQLite takes 32,766 parameters).
const ROWS_PER_INSERT: usize = 1_000;

/// One read line per person of a list (`detail` says which), in one statement per
/// thousand: a list page names up to a few hundred people and must not cost a round trip
/// (and, on SQLite, a write lock) for each.
pub fn record_reads(
    conn: &mut Conn,
    structure_id: StructureId,
    user_id: Option<UserId>,
    entity: &str,
    entity_ids: &[i64],
    detail: &str,
) -> QueryResult<()> {
    let at = now();
    for chunk in entity_ids.chunks(ROWS_PER_INSERT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|&id| {
                (
                    audit_log::structure_id.eq(structure_id),
                    audit_log::user_id.eq(user_id),
                    audit_log::at.eq(at),
                    audit_log::action.eq(HistoryAction::Read),
                    audit_log::entity.eq(entity),
                    audit_log::entity_id.eq(id),
                    audit_log::detail.eq(detail),
                )
            })
            .collect();
        crate::per_backend!(conn, |c| diesel::insert_into(audit_log::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// A line of the audit log, in the one history shape (`at`, `by`, `action`, `reason`,
/// `changes`) with what it concerns. The log keeps who read or wrote which person and why,
/// not the values: `changes` is empty and `reason` null.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::NaiveDateTime,
    /// The user; `id` null for the service itself (anonymisation).
    pub by: By,
    pub action: HistoryAction,
    pub reason: Option<String>,
    pub changes: Vec<FieldChange>,
    pub entity: String,
    pub entity_id: i64,
    /// Which data was read or written (`timeline`, `eligibility history`...).
    pub detail: String,
}

/// id, user id, at, action, entity, entity id, detail, user's display name and email
type AuditRow = (
    i64,
    Option<i64>,
    chrono::NaiveDateTime,
    HistoryAction,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
);

pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    participant_id: Option<ParticipantId>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<AuditEntry>, i64)> {
    let base = || {
        let mut q = audit_log::table
            .left_join(users::table.on(audit_log::user_id.eq(users::id.nullable())))
            .filter(audit_log::structure_id.eq(structure_id))
            .into_boxed();
        if let Some(p) = participant_id {
            q = q
                .filter(audit_log::entity.eq("participant"))
                .filter(audit_log::entity_id.eq(p.0));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let rows: Vec<AuditRow> = base()
        .order(audit_log::id.desc())
        .limit(limit)
        .offset(offset)
        .select((
            audit_log::id,
            audit_log::user_id,
            audit_log::at,
            audit_log::action,
            audit_log::entity,
            audit_log::entity_id,
            audit_log::detail,
            users::display_name.nullable(),
            users::email.nullable(),
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(
            |(id, user_id, at, action, entity, entity_id, detail, name, email)| AuditEntry {
                id,
                at,
                by: By::user_or_service(user_id.map(UserId), name, email),
                action,
                reason: None,
                changes: Vec::new(),
                entity,
                entity_id,
                detail,
            },
        )
        .collect();
    Ok((items, total))
}
