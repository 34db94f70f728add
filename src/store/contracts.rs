//! Contracts (marchés) with their lots and holders.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    assignments, clauses, contract_amendments, contract_holders, contract_lots, contracts,
};
use crate::db::{now, Conn};
use crate::domain::amendments::{current_terms, AmendmentTerms};
use crate::domain::ids::{ContractId, OrganisationId, StructureId, UserId};
use crate::domain::units::ser_opt_hundredths;
use crate::domain::vocabulary::{ContractKind, ContractSource};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contracts)]
pub struct Contract {
    pub id: ContractId,
    pub structure_id: StructureId,
    pub buyer_id: OrganisationId,
    pub reference: String,
    pub title: String,
    pub kind: ContractKind,
    pub cpv_code: Option<String>,
    pub amount_cents: Option<i64>,
    pub notified_on: Option<NaiveDate>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    pub social_considerations: String,
    pub environmental_considerations: String,
    pub source: ContractSource,
    pub fingerprint: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// Raised by each correction or amendment: the `ETag` of the contract.
    pub version: i64,
}

/// An amendment (avenant) of a contract: what it changed, from the day it was signed.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = contract_amendments)]
pub struct Amendment {
    pub id: i64,
    #[serde(skip)]
    pub structure_id: StructureId,
    pub contract_id: ContractId,
    /// The amendment's number (its `id` in the open data).
    pub number: String,
    pub signed_on: NaiveDate,
    /// The contract's new total amount; null when the amendment does not change it.
    #[schema(value_type = Option<f64>)]
    #[serde(rename = "amount_eur", serialize_with = "ser_opt_hundredths")]
    pub amount_cents: Option<i64>,
    /// The contract's new last day; null when the amendment does not change it.
    pub ends_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    pub reason: Option<String>,
    /// `manual` (entered by staff) or `decp` (a modification of the open data).
    pub source: ContractSource,
    #[serde(skip)]
    pub created_by: Option<UserId>,
    pub created_at: chrono::NaiveDateTime,
}

impl Amendment {
    pub fn terms(&self) -> AmendmentTerms {
        AmendmentTerms {
            signed_on: self.signed_on,
            amount_cents: self.amount_cents,
            ends_on: self.ends_on,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = contract_lots)]
pub struct Lot {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub contract_id: ContractId,
    pub number: i32,
    pub title: String,
    #[schema(value_type = Option<f64>)]
    #[serde(rename = "amount_eur", serialize_with = "ser_opt_hundredths")]
    pub amount_cents: Option<i64>,
    pub cpv_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ContractView {
    pub id: ContractId,
    pub buyer_id: OrganisationId,
    pub reference: String,
    pub title: String,
    pub kind: ContractKind,
    pub cpv_code: Option<String>,
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub amount_eur: Option<i64>,
    pub notified_on: Option<NaiveDate>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    pub social_considerations: Vec<String>,
    pub environmental_considerations: Vec<String>,
    pub lots: Vec<Lot>,
    pub holder_ids: Vec<OrganisationId>,
    pub source: ContractSource,
    pub buyer_name: String,
    /// The holders' names, in the order of `holder_ids`.
    pub holder_names: Vec<String>,
    /// The amount as amended: that of the latest amendment changing it, else `amount_eur`
    /// (the notified amount, which amendments leave as it was).
    #[schema(value_type = Option<f64>)]
    #[serde(serialize_with = "ser_opt_hundredths")]
    pub current_amount_eur: Option<i64>,
    /// The last day as amended, else `ends_on`.
    pub current_ends_on: Option<NaiveDate>,
    /// The amendments, by signature date.
    pub amendments: Vec<Amendment>,
}

pub fn split_codes(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

pub struct NewLot {
    pub number: i32,
    pub title: String,
    pub amount_cents: Option<i64>,
    pub cpv_code: Option<String>,
}

pub struct NewContract {
    pub buyer_id: OrganisationId,
    pub reference: String,
    pub title: String,
    pub kind: ContractKind,
    pub cpv_code: Option<String>,
    pub amount_cents: Option<i64>,
    pub notified_on: Option<NaiveDate>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    pub social_considerations: Vec<String>,
    pub environmental_considerations: Vec<String>,
    pub lots: Vec<NewLot>,
    pub holder_ids: Vec<OrganisationId>,
    pub source: ContractSource,
    pub fingerprint: Option<String>,
}

pub fn find(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ContractId,
) -> QueryResult<Option<Contract>> {
    contracts::table
        .filter(contracts::id.eq(id))
        .filter(contracts::structure_id.eq(structure_id))
        .select(Contract::as_select())
        .first(conn)
        .optional()
}

/// The contract of the structure; diesel's `NotFound` when there is none.
pub fn get(conn: &mut Conn, structure_id: StructureId, id: ContractId) -> QueryResult<Contract> {
    find(conn, structure_id, id)?.ok_or(diesel::result::Error::NotFound)
}

pub fn find_by_key(
    conn: &mut Conn,
    structure_id: StructureId,
    buyer_id: OrganisationId,
    reference: &str,
) -> QueryResult<Option<Contract>> {
    contracts::table
        .filter(contracts::structure_id.eq(structure_id))
        .filter(contracts::buyer_id.eq(buyer_id))
        .filter(contracts::reference.eq(reference))
        .select(Contract::as_select())
        .first(conn)
        .optional()
}

pub fn lots(conn: &mut Conn, contract_id: ContractId) -> QueryResult<Vec<Lot>> {
    contract_lots::table
        .filter(contract_lots::contract_id.eq(contract_id))
        .order(contract_lots::number)
        .select(Lot::as_select())
        .load(conn)
}

pub fn holders(conn: &mut Conn, contract_id: ContractId) -> QueryResult<Vec<OrganisationId>> {
    contract_holders::table
        .filter(contract_holders::contract_id.eq(contract_id))
        .order(contract_holders::organisation_id)
        .select(contract_holders::organisation_id)
        .load(conn)
}

pub fn view(conn: &mut Conn, c: Contract) -> QueryResult<ContractView> {
    let mut views = views(conn, vec![c])?;
    views.pop().ok_or(diesel::result::Error::NotFound)
}

/// Contracts with their lots, holders and names: three queries whatever their number.
pub fn views(conn: &mut Conn, contracts: Vec<Contract>) -> QueryResult<Vec<ContractView>> {
    use crate::db::schema::organisations;
    use std::collections::HashMap;
    let ids: Vec<ContractId> = contracts.iter().map(|c| c.id).collect();
    let buyer_ids: Vec<OrganisationId> = contracts.iter().map(|c| c.buyer_id).collect();
    let all_lots: Vec<Lot> = contract_lots::table
        .filter(contract_lots::contract_id.eq_any(&ids))
        .order((contract_lots::contract_id, contract_lots::number))
        .select(Lot::as_select())
        .load(conn)?;
    let all_holders: Vec<(ContractId, OrganisationId, String)> = contract_holders::table
        .inner_join(
            organisations::table.on(organisations::id.eq(contract_holders::organisation_id)),
        )
        .filter(contract_holders::contract_id.eq_any(&ids))
        .order((
            contract_holders::contract_id,
            contract_holders::organisation_id,
        ))
        .select((
            contract_holders::contract_id,
            contract_holders::organisation_id,
            organisations::name,
        ))
        .load(conn)?;
    let buyers: HashMap<OrganisationId, String> = organisations::table
        .filter(organisations::id.eq_any(&buyer_ids))
        .select((organisations::id, organisations::name))
        .load::<(OrganisationId, String)>(conn)?
        .into_iter()
        .collect();
    let all_amendments: Vec<Amendment> = contract_amendments::table
        .filter(contract_amendments::contract_id.eq_any(&ids))
        .order((
            contract_amendments::contract_id,
            contract_amendments::signed_on,
            contract_amendments::id,
        ))
        .select(Amendment::as_select())
        .load(conn)?;
    Ok(contracts
        .into_iter()
        .map(|c| {
            let lots = all_lots
                .iter()
                .filter(|l| l.contract_id == c.id)
                .cloned()
                .collect();
            let (holder_ids, holder_names) = all_holders
                .iter()
                .filter(|h| h.0 == c.id)
                .map(|h| (h.1, h.2.clone()))
                .unzip();
            let amendments: Vec<Amendment> = all_amendments
                .iter()
                .filter(|a| a.contract_id == c.id)
                .cloned()
                .collect();
            let terms: Vec<AmendmentTerms> = amendments.iter().map(Amendment::terms).collect();
            let current = current_terms(c.amount_cents, c.ends_on, &terms);
            ContractView {
                id: c.id,
                buyer_id: c.buyer_id,
                reference: c.reference,
                title: c.title,
                kind: c.kind,
                cpv_code: c.cpv_code,
                amount_eur: c.amount_cents,
                notified_on: c.notified_on,
                starts_on: c.starts_on,
                ends_on: c.ends_on,
                duration_months: c.duration_months,
                social_considerations: split_codes(&c.social_considerations),
                environmental_considerations: split_codes(&c.environmental_considerations),
                lots,
                holder_ids,
                source: c.source,
                buyer_name: buyers.get(&c.buyer_id).cloned().unwrap_or_default(),
                holder_names,
                current_amount_eur: current.amount_cents,
                current_ends_on: current.ends_on,
                amendments,
            }
        })
        .collect())
}

fn write_children(conn: &mut Conn, contract_id: ContractId, c: &NewContract) -> QueryResult<()> {
    diesel::delete(contract_lots::table.filter(contract_lots::contract_id.eq(contract_id)))
        .execute(conn)?;
    for lot in &c.lots {
        diesel::insert_into(contract_lots::table)
            .values((
                contract_lots::contract_id.eq(contract_id),
                contract_lots::number.eq(lot.number),
                contract_lots::title.eq(&lot.title),
                contract_lots::amount_cents.eq(lot.amount_cents),
                contract_lots::cpv_code.eq(&lot.cpv_code),
            ))
            .execute(conn)?;
    }
    diesel::delete(contract_holders::table.filter(contract_holders::contract_id.eq(contract_id)))
        .execute(conn)?;
    let mut ids = c.holder_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    for org in ids {
        diesel::insert_into(contract_holders::table)
            .values((
                contract_holders::contract_id.eq(contract_id),
                contract_holders::organisation_id.eq(org),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn create(
    conn: &mut Conn,
    structure_id: StructureId,
    c: &NewContract,
) -> QueryResult<ContractId> {
    let at = now();
    let id: ContractId = diesel::insert_into(contracts::table)
        .values((
            contracts::structure_id.eq(structure_id),
            contracts::buyer_id.eq(c.buyer_id),
            contracts::reference.eq(&c.reference),
            contracts::title.eq(&c.title),
            contracts::kind.eq(&c.kind),
            contracts::cpv_code.eq(&c.cpv_code),
            contracts::amount_cents.eq(c.amount_cents),
            contracts::notified_on.eq(c.notified_on),
            contracts::starts_on.eq(c.starts_on),
            contracts::ends_on.eq(c.ends_on),
            contracts::duration_months.eq(c.duration_months),
            contracts::social_considerations.eq(c.social_considerations.join(",")),
            contracts::environmental_considerations.eq(c.environmental_considerations.join(",")),
            contracts::source.eq(c.source),
            contracts::fingerprint.eq(&c.fingerprint),
            contracts::created_at.eq(at),
            contracts::updated_at.eq(at),
        ))
        .returning(contracts::id)
        .get_result(conn)?;
    write_children(conn, id, c)?;
    crate::store::kept_years::refresh_contract(conn, id)?;
    Ok(id)
}

/// Replaces the imported fields of an existing contract (DECP re-import).
pub fn update_imported(conn: &mut Conn, id: ContractId, c: &NewContract) -> QueryResult<()> {
    diesel::update(contracts::table.filter(contracts::id.eq(id)))
        .set((
            contracts::title.eq(&c.title),
            contracts::kind.eq(&c.kind),
            contracts::cpv_code.eq(&c.cpv_code),
            contracts::amount_cents.eq(c.amount_cents),
            contracts::notified_on.eq(c.notified_on),
            contracts::starts_on.eq(c.starts_on),
            contracts::ends_on.eq(c.ends_on),
            contracts::duration_months.eq(c.duration_months),
            contracts::social_considerations.eq(c.social_considerations.join(",")),
            contracts::environmental_considerations.eq(c.environmental_considerations.join(",")),
            contracts::fingerprint.eq(&c.fingerprint),
            contracts::updated_at.eq(now()),
            // A new state of the contract: its ETag changes.
            contracts::version.eq(contracts::version + 1),
        ))
        .execute(conn)?;
    // Keep lots entered by hand; holders follow the open data.
    diesel::delete(contract_holders::table.filter(contract_holders::contract_id.eq(id)))
        .execute(conn)?;
    for org in &c.holder_ids {
        diesel::insert_into(contract_holders::table)
            .values((
                contract_holders::contract_id.eq(id),
                contract_holders::organisation_id.eq(org),
            ))
            .execute(conn)?;
    }
    crate::store::kept_years::refresh_contract(conn, id)
}

/// Contracts the caller may see: all of the structure's for staff; for a contractor, those it
/// holds or has an assignment on.
pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Contract>, i64)> {
    let base = || {
        let mut q = contracts::table
            .filter(contracts::structure_id.eq(structure_id))
            .into_boxed();
        if let Some(org) = contractor {
            q = q.filter(
                contracts::id
                    .eq_any(
                        contract_holders::table
                            .filter(contract_holders::organisation_id.eq(org))
                            .select(contract_holders::contract_id),
                    )
                    .or(contracts::id.eq_any(
                        clauses::table
                            .inner_join(assignments::table)
                            .filter(assignments::contractor_id.eq(org))
                            .select(clauses::contract_id),
                    )),
            );
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let items = base()
        .order(contracts::id)
        .limit(limit)
        .offset(offset)
        .select(Contract::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// Whether the organisation holds the contract or has an assignment on one of its clauses
/// (what a contractor may see of a contract is decided in `auth::records`).
pub fn holds_or_assigned(
    conn: &mut Conn,
    contract_id: ContractId,
    org: OrganisationId,
) -> QueryResult<bool> {
    let holder: i64 = contract_holders::table
        .filter(contract_holders::contract_id.eq(contract_id))
        .filter(contract_holders::organisation_id.eq(org))
        .count()
        .get_result(conn)?;
    if holder > 0 {
        return Ok(true);
    }
    let assigned: i64 = clauses::table
        .inner_join(assignments::table)
        .filter(clauses::contract_id.eq(contract_id))
        .filter(assignments::contractor_id.eq(org))
        .count()
        .get_result(conn)?;
    Ok(assigned > 0)
}

/// Replaces the fields, lots and holders of a contract (a correction, in the caller's
/// transaction; its version is raised by `claim_version!` before).
pub fn correct(conn: &mut Conn, id: ContractId, c: &NewContract) -> QueryResult<()> {
    diesel::update(contracts::table.filter(contracts::id.eq(id)))
        .set((
            contracts::buyer_id.eq(c.buyer_id),
            contracts::reference.eq(&c.reference),
            contracts::title.eq(&c.title),
            contracts::kind.eq(&c.kind),
            contracts::cpv_code.eq(&c.cpv_code),
            contracts::amount_cents.eq(c.amount_cents),
            contracts::notified_on.eq(c.notified_on),
            contracts::starts_on.eq(c.starts_on),
            contracts::ends_on.eq(c.ends_on),
            contracts::duration_months.eq(c.duration_months),
            contracts::social_considerations.eq(c.social_considerations.join(",")),
            contracts::environmental_considerations.eq(c.environmental_considerations.join(",")),
            contracts::updated_at.eq(now()),
        ))
        .execute(conn)?;
    write_children(conn, id, c)?;
    crate::store::kept_years::refresh_contract(conn, id)
}

/// An amendment to record.
pub struct NewAmendment<'a> {
    pub structure_id: StructureId,
    pub contract_id: ContractId,
    pub number: &'a str,
    pub signed_on: NaiveDate,
    pub amount_cents: Option<i64>,
    pub ends_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    pub reason: Option<&'a str>,
    pub source: ContractSource,
    pub created_by: Option<UserId>,
}

pub fn add_amendment(conn: &mut Conn, a: &NewAmendment<'_>) -> QueryResult<i64> {
    diesel::insert_into(contract_amendments::table)
        .values((
            contract_amendments::structure_id.eq(a.structure_id),
            contract_amendments::contract_id.eq(a.contract_id),
            contract_amendments::number.eq(a.number),
            contract_amendments::signed_on.eq(a.signed_on),
            contract_amendments::amount_cents.eq(a.amount_cents),
            contract_amendments::ends_on.eq(a.ends_on),
            contract_amendments::duration_months.eq(a.duration_months),
            contract_amendments::reason.eq(a.reason),
            contract_amendments::source.eq(a.source),
            contract_amendments::created_by.eq(a.created_by),
            contract_amendments::created_at.eq(now()),
        ))
        .returning(contract_amendments::id)
        .get_result(conn)
}

/// The amendments of a contract, by signature date then as recorded.
pub fn amendments_of(conn: &mut Conn, contract_id: ContractId) -> QueryResult<Vec<Amendment>> {
    contract_amendments::table
        .filter(contract_amendments::contract_id.eq(contract_id))
        .order((contract_amendments::signed_on, contract_amendments::id))
        .select(Amendment::as_select())
        .load(conn)
}

/// The amendment of a contract with this number, if any.
pub fn find_amendment(
    conn: &mut Conn,
    contract_id: ContractId,
    number: &str,
) -> QueryResult<Option<Amendment>> {
    contract_amendments::table
        .filter(contract_amendments::contract_id.eq(contract_id))
        .filter(contract_amendments::number.eq(number))
        .select(Amendment::as_select())
        .first(conn)
        .optional()
}
