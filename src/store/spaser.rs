//! Queries of a buyer's SPASER evaluation (docs/domain.md#spaser-evaluation): the contracts it
//! notified in a period with their lots, clauses and holders' kinds, as `domain::spaser`
//! computes on them; and the buyers a caller may choose. A buyer notifies tens or hundreds
//! of contracts a year: four indexed reads, whatever their number, then the rules in Rust.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::{clauses, contract_holders, contract_lots, contracts, organisations};
use crate::db::Conn;
use crate::domain::clause_kinds::LegalBasis;
use crate::domain::ids::{OrganisationId, StructureId};
use crate::domain::period::Period;
use crate::domain::spaser::{ClauseFact, ContractFact};
use crate::domain::vocabulary::{ClauseKind, ClauseStatus, SiaeKind};
use crate::store::contracts::split_codes;

/// (contract, kind, status, lot number, legal basis) of a clause.
type ClauseRow = (i64, String, String, Option<i32>, Option<String>);

/// A buyer as the evaluation names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buyer {
    pub id: i64,
    pub structure_id: StructureId,
    pub name: String,
    pub territory: Option<String>,
}

/// The organisation `id` when it is a buyer; None otherwise (unknown, or not a buyer).
pub fn buyer(conn: &mut Conn, id: OrganisationId) -> QueryResult<Option<Buyer>> {
    let row: Option<(i64, StructureId, String, Option<String>)> = organisations::table
        .filter(organisations::id.eq(id))
        .filter(organisations::kind.eq("buyer"))
        .select((
            organisations::id,
            organisations::structure_id,
            organisations::name,
            organisations::territory,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(id, structure_id, name, territory)| Buyer {
        id,
        structure_id,
        name,
        territory,
    }))
}

/// The buyers of these structures (None: every structure), of a territory when given, by
/// name; at most `limit`.
pub fn buyers(
    conn: &mut Conn,
    structures: Option<&[StructureId]>,
    territory: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(i64, String)>> {
    let mut q = organisations::table
        .filter(organisations::kind.eq("buyer"))
        .select((organisations::id, organisations::name))
        .order((organisations::name.asc(), organisations::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(ids) = structures {
        q = q.filter(organisations::structure_id.eq_any(ids.to_vec()));
    }
    if let Some(t) = territory {
        q = q.filter(organisations::territory.eq(t.to_string()));
    }
    q.load(conn)
}

/// The contracts the buyer notified in the period (in these structures; None: any), each
/// with its lots, its clauses and the SIAE kind of each holder.
pub fn contract_facts(
    conn: &mut Conn,
    structures: Option<&[StructureId]>,
    buyer: OrganisationId,
    period: &Period,
) -> QueryResult<Vec<ContractFact>> {
    let mut q = contracts::table
        .filter(contracts::buyer_id.eq(buyer))
        .filter(contracts::notified_on.ge(period.start()))
        .filter(contracts::notified_on.le(period.end()))
        .select((
            contracts::id,
            contracts::amount_cents,
            contracts::social_considerations,
            contracts::environmental_considerations,
        ))
        .order(contracts::id.asc())
        .into_boxed();
    if let Some(ids) = structures {
        q = q.filter(contracts::structure_id.eq_any(ids.to_vec()));
    }
    let rows: Vec<(i64, Option<i64>, String, String)> = q.load(conn)?;
    let mut index: HashMap<i64, usize> = HashMap::new();
    let mut facts: Vec<ContractFact> = Vec::with_capacity(rows.len());
    for (id, amount_cents, social, environmental) in rows {
        index.insert(id, facts.len());
        facts.push(ContractFact {
            amount_cents,
            social_declared: split_codes(&social),
            environmental_declared: split_codes(&environmental),
            ..ContractFact::default()
        });
    }
    let ids: Vec<i64> = index.keys().copied().collect();
    for chunk in ids.chunks(500) {
        let lots: Vec<(i64, i32, Option<i64>)> = contract_lots::table
            .filter(contract_lots::contract_id.eq_any(chunk.to_vec()))
            .select((
                contract_lots::contract_id,
                contract_lots::number,
                contract_lots::amount_cents,
            ))
            .load(conn)?;
        for (contract, number, amount) in lots {
            if let Some(&i) = index.get(&contract) {
                facts[i].lots.push((number, amount));
            }
        }
        let found: Vec<ClauseRow> = clauses::table
            .filter(clauses::contract_id.eq_any(chunk.to_vec()))
            .select((
                clauses::contract_id,
                clauses::kind,
                clauses::status,
                clauses::lot_number,
                clauses::legal_basis,
            ))
            .load(conn)?;
        for (contract, kind, status, lot_number, basis) in found {
            let (Some(&i), Some(kind), Some(status)) = (
                index.get(&contract),
                ClauseKind::parse(&kind),
                ClauseStatus::parse(&status),
            ) else {
                continue;
            };
            facts[i].clauses.push(ClauseFact {
                kind,
                status,
                lot_number,
                legal_basis: basis.as_deref().and_then(LegalBasis::parse),
            });
        }
        let holders: Vec<(i64, Option<String>)> = contract_holders::table
            .inner_join(
                organisations::table.on(organisations::id.eq(contract_holders::organisation_id)),
            )
            .filter(contract_holders::contract_id.eq_any(chunk.to_vec()))
            .select((contract_holders::contract_id, organisations::siae_kind))
            .load(conn)?;
        for (contract, kind) in holders {
            if let Some(&i) = index.get(&contract) {
                facts[i]
                    .holder_kinds
                    .push(kind.as_deref().and_then(SiaeKind::parse));
            }
        }
    }
    Ok(facts)
}
