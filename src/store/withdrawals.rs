//! Eligibility validations withdrawn for a data-entry error: the validation marked, and the
//! report snapshot of the placements that rested on it written again.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{eligibility_validations, placement_year_totals, placements};
use crate::db::Conn;
use crate::domain::ids::{ParticipantId, PlacementId, StructureId, UserId};
use crate::domain::vocabulary::ProofKind;
use crate::store::contracts::split_codes;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = eligibility_validations)]
pub struct ValidationRow {
    pub id: i64,
    pub participant_id: ParticipantId,
    pub criteria: String,
    pub proof: ProofKind,
    pub validated_by: UserId,
    pub validated_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub version: i64,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawn_by: Option<UserId>,
    pub withdraw_reason: Option<String>,
}

/// A validation as its withdrawal answers it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ValidationOut {
    pub id: i64,
    pub participant_id: ParticipantId,
    pub criteria: Vec<String>,
    pub proof: ProofKind,
    pub validated_by: UserId,
    pub validated_on: NaiveDate,
    pub valid_until: NaiveDate,
    /// When it was withdrawn, by whom and why; null while it counts.
    pub withdrawn_at: Option<NaiveDateTime>,
    pub withdrawn_by: Option<UserId>,
    pub withdraw_reason: Option<String>,
}

impl From<&ValidationRow> for ValidationOut {
    fn from(r: &ValidationRow) -> Self {
        ValidationOut {
            id: r.id,
            participant_id: r.participant_id,
            criteria: split_codes(&r.criteria),
            proof: r.proof,
            validated_by: r.validated_by,
            validated_on: r.validated_on,
            valid_until: r.valid_until,
            withdrawn_at: r.withdrawn_at,
            withdrawn_by: r.withdrawn_by,
            withdraw_reason: r.withdraw_reason.clone(),
        }
    }
}

/// The validation `id` of the person, in the structure.
pub fn find(
    conn: &mut Conn,
    structure_id: StructureId,
    participant_id: ParticipantId,
    id: i64,
) -> QueryResult<Option<ValidationRow>> {
    eligibility_validations::table
        .filter(eligibility_validations::id.eq(id))
        .filter(eligibility_validations::participant_id.eq(participant_id))
        .filter(eligibility_validations::structure_id.eq(structure_id))
        .select(ValidationRow::as_select())
        .first(conn)
        .optional()
}

/// Marks the validation withdrawn (its version is raised by the caller's `claim_version!`).
pub fn mark_withdrawn(
    conn: &mut Conn,
    id: i64,
    at: NaiveDateTime,
    by: UserId,
    reason: &str,
) -> QueryResult<()> {
    diesel::update(eligibility_validations::table.filter(eligibility_validations::id.eq(id)))
        .set((
            eligibility_validations::withdrawn_at.eq(Some(at)),
            eligibility_validations::withdrawn_by.eq(Some(by)),
            eligibility_validations::withdraw_reason.eq(Some(reason)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A placement resting on a validation, as the withdrawal reads it.
#[derive(Debug, Clone, Queryable)]
pub struct RestingPlacement {
    pub id: PlacementId,
    pub starts_on: NaiveDate,
    pub derogation_reason: Option<String>,
    pub criteria: String,
}

/// The placements whose snapshot took its criteria from the validation, in id order.
pub fn resting_on(conn: &mut Conn, validation_id: i64) -> QueryResult<Vec<RestingPlacement>> {
    placements::table
        .filter(placements::eligibility_id.eq(validation_id))
        .order(placements::id)
        .select((
            placements::id,
            placements::starts_on,
            placements::derogation_reason,
            placements::criteria,
        ))
        .load(conn)
}

/// Writes a placement's eligibility again (the validation it rests on, and its criteria),
/// on the placement and on its year totals, whose snapshot the reports read; raises the
/// placement's version (its snapshot changed).
pub fn resnapshot(
    conn: &mut Conn,
    id: PlacementId,
    eligibility_id: Option<i64>,
    criteria: &str,
) -> QueryResult<()> {
    diesel::update(placements::table.filter(placements::id.eq(id)))
        .set((
            placements::eligibility_id.eq(eligibility_id),
            placements::criteria.eq(criteria),
            placements::version.eq(placements::version + 1),
        ))
        .execute(conn)?;
    diesel::update(placement_year_totals::table.filter(placement_year_totals::placement_id.eq(id)))
        .set(placement_year_totals::criteria.eq(criteria))
        .execute(conn)
        .map(|_| ())
}
