//! Audit log of reads and changes of personal data.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::audit_log;
use crate::db::{now, Conn};
use crate::domain::ids::{ParticipantId, StructureId, UserId};

pub fn record(
    conn: &mut Conn,
    structure_id: StructureId,
    user_id: Option<UserId>,
    action: &str,
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

#[derive(Debug, Serialize, Queryable, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub user_id: Option<i64>,
    pub at: chrono::NaiveDateTime,
    pub action: String,
    pub entity: String,
    pub entity_id: i64,
    pub detail: String,
}

pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    participant_id: Option<ParticipantId>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<AuditEntry>, i64)> {
    let base = || {
        let mut q = audit_log::table
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
    let items = base()
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
        ))
        .load(conn)?;
    Ok((items, total))
}
