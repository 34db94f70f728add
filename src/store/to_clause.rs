//! Contracts still to clause (docs/domain.md#contracts-to-clause): the contracts of a
//! structure that may be on the list, its buyers' thresholds and its standard calibration.
//! The rule itself (`domain::to_clause::is_to_clause`) is applied by the use case.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{
    buyer_clause_thresholds, clauses, contracts, organisations, structure_calibration_settings,
};
use crate::db::{now, Conn};
use crate::domain::ids::{ContractId, OrganisationId, StructureId};
use crate::domain::to_clause::Standard;
use crate::domain::vocabulary::ClauseStatus;

/// A notified contract with a known amount, no declared social consideration and no clause
/// that is not cancelled, with its buyer's name.
#[derive(Debug, Clone, Queryable)]
pub struct CandidateRow {
    pub id: ContractId,
    pub buyer_id: OrganisationId,
    pub buyer_name: String,
    pub reference: String,
    pub title: String,
    pub cpv_code: Option<String>,
    pub amount_cents: Option<i64>,
    pub notified_on: Option<NaiveDate>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    pub social_considerations: String,
}

/// The structure's contracts that may be to clause (the amount and duration rules are the
/// use case's), of one buyer when given.
pub fn candidates(
    conn: &mut Conn,
    structure_id: StructureId,
    buyer_id: Option<OrganisationId>,
) -> QueryResult<Vec<CandidateRow>> {
    let mut q = contracts::table
        .inner_join(organisations::table.on(organisations::id.eq(contracts::buyer_id)))
        .filter(contracts::structure_id.eq(structure_id))
        .filter(contracts::notified_on.is_not_null())
        .filter(contracts::amount_cents.is_not_null())
        .filter(contracts::social_considerations.eq(""))
        .filter(diesel::dsl::not(
            contracts::id.eq_any(
                clauses::table
                    .filter(clauses::structure_id.eq(structure_id))
                    .filter(clauses::status.ne(ClauseStatus::Cancelled))
                    .select(clauses::contract_id),
            ),
        ))
        .select((
            contracts::id,
            contracts::buyer_id,
            organisations::name,
            contracts::reference,
            contracts::title,
            contracts::cpv_code,
            contracts::amount_cents,
            contracts::notified_on,
            contracts::starts_on,
            contracts::ends_on,
            contracts::duration_months,
            contracts::social_considerations,
        ))
        .into_boxed();
    if let Some(b) = buyer_id {
        q = q.filter(contracts::buyer_id.eq(b));
    }
    q.load(conn)
}

/// The thresholds the structure's buyers have (cents), by buyer id.
pub fn thresholds(conn: &mut Conn, structure_id: StructureId) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = buyer_clause_thresholds::table
        .filter(buyer_clause_thresholds::structure_id.eq(structure_id))
        .select((
            buyer_clause_thresholds::buyer_id,
            buyer_clause_thresholds::threshold_cents,
        ))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Sets a buyer's threshold (in the caller's transaction): the row replaced.
pub fn set_threshold(
    conn: &mut Conn,
    structure_id: StructureId,
    buyer_id: OrganisationId,
    threshold_cents: i64,
) -> QueryResult<()> {
    diesel::delete(
        buyer_clause_thresholds::table.filter(buyer_clause_thresholds::buyer_id.eq(buyer_id)),
    )
    .execute(conn)?;
    diesel::insert_into(buyer_clause_thresholds::table)
        .values((
            buyer_clause_thresholds::buyer_id.eq(buyer_id),
            buyer_clause_thresholds::structure_id.eq(structure_id),
            buyer_clause_thresholds::threshold_cents.eq(threshold_cents),
            buyer_clause_thresholds::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The structure's standard calibration, or the defaults (5 %, 30 €).
pub fn standard(conn: &mut Conn, structure_id: StructureId) -> QueryResult<Standard> {
    Ok(stored_standard(conn, structure_id)?.unwrap_or_default())
}

/// The standard calibration the structure set, if it set one.
pub fn stored_standard(
    conn: &mut Conn,
    structure_id: StructureId,
) -> QueryResult<Option<Standard>> {
    let row: Option<(i64, i64)> = structure_calibration_settings::table
        .filter(structure_calibration_settings::structure_id.eq(structure_id))
        .select((
            structure_calibration_settings::insertion_rate_bp,
            structure_calibration_settings::hourly_cost_cents,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(insertion_rate_bp, hourly_cost_cents)| Standard {
        insertion_rate_bp,
        hourly_cost_cents,
    }))
}

/// Sets the structure's standard calibration (in the caller's transaction).
pub fn set_standard(conn: &mut Conn, structure_id: StructureId, s: Standard) -> QueryResult<()> {
    diesel::delete(
        structure_calibration_settings::table
            .filter(structure_calibration_settings::structure_id.eq(structure_id)),
    )
    .execute(conn)?;
    diesel::insert_into(structure_calibration_settings::table)
        .values((
            structure_calibration_settings::structure_id.eq(structure_id),
            structure_calibration_settings::insertion_rate_bp.eq(s.insertion_rate_bp),
            structure_calibration_settings::hourly_cost_cents.eq(s.hourly_cost_cents),
        ))
        .execute(conn)?;
    Ok(())
}

/// The structure's buyers (id, name), by name, for the threshold form.
pub fn buyers(conn: &mut Conn, structure_id: StructureId) -> QueryResult<Vec<(i64, String)>> {
    organisations::table
        .filter(organisations::structure_id.eq(structure_id))
        .filter(organisations::kind.eq("buyer"))
        .order((organisations::name, organisations::id))
        .select((organisations::id, organisations::name))
        .load(conn)
}
