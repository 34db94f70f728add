//! The figures of clauses and contracts kept per calendar year (issue 21), so that the annual
//! report of one year reads that year's rows through the key whatever the history, as it
//! already does for the hours (`placement_year_totals`):
//!
//! - `clause_years`: a row per clause in execution (active or completed, dates in order) and
//!   year its dates overlap, with its required hours prorated to that year
//!   (`domain::period::year_shares`), and a row per assignment of such a clause and year
//!   with the contractor's target prorated the same way;
//! - `contract_years`: a row per notified contract in its notification year, with the
//!   purchasing plan's social and environmental flags (`domain::pnad`).
//!
//! Derived data, rebuilt for one clause or contract by the functions below, which every
//! write of clauses, assignments and contracts in `store` calls in its own transaction (so
//! a kept row never disagrees with what it derives from); bulk loads call `rebuild_all`.
//! What they hold is documented in docs/domain.md#kept-figures.

use chrono::NaiveDate;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::schema::{assignments, clause_years, clauses, contract_years, contracts};
use crate::db::Conn;
use crate::domain::period::year_shares;
use crate::domain::vocabulary::ClauseStatus;

/// Rebuilds the rows of one clause (and of its contract, whose social flag depends on its
/// clauses). Called after every write of the clause or of one of its assignments.
pub fn refresh_clause(conn: &mut Conn, clause_id: impl Into<i64>) -> QueryResult<()> {
    let clause_id: i64 = clause_id.into();
    // Writers of the clause and of its assignments rebuild its rows in turn (PostgreSQL): two
    // deleting then inserting them side by side made the second insert collide. The clause
    // before its contract, as every writer takes them.
    crate::lock_rows!(conn, clauses, [clause_id])?;
    diesel::delete(clause_years::table.filter(clause_years::clause_id.eq(clause_id)))
        .execute(conn)?;
    type ClauseRow = (
        i64,
        i64,
        String,
        String,
        ClauseStatus,
        NaiveDate,
        NaiveDate,
        i64,
    );
    let Some((structure_id, contract_id, territory, kind, status, starts_on, ends_on, required)) =
        clauses::table
            .filter(clauses::id.eq(clause_id))
            .select((
                clauses::structure_id,
                clauses::contract_id,
                clauses::territory,
                clauses::kind,
                clauses::status,
                clauses::starts_on,
                clauses::ends_on,
                clauses::required_hours,
            ))
            .first::<ClauseRow>(conn)
            .optional()?
    else {
        return Ok(());
    };
    if matches!(status, ClauseStatus::Active | ClauseStatus::Completed) {
        // The clause's own rows (assignment 0), then one per assignment and year.
        let mut spans: Vec<(i64, i64, i64)> = vec![(0, 0, required)];
        spans.extend(
            assignments::table
                .filter(assignments::clause_id.eq(clause_id))
                .select((
                    assignments::id,
                    assignments::contractor_id,
                    assignments::hours_target,
                ))
                .load::<(i64, i64, i64)>(conn)?,
        );
        let first_year = chrono::Datelike::year(&starts_on);
        for (assignment_id, contractor_id, hours) in spans {
            for (year, prorated) in year_shares(hours, starts_on, ends_on) {
                diesel::insert_into(clause_years::table)
                    .values((
                        clause_years::year.eq(year),
                        clause_years::assignment_id.eq(assignment_id),
                        clause_years::clause_id.eq(clause_id),
                        clause_years::contractor_id.eq(contractor_id),
                        clause_years::structure_id.eq(structure_id),
                        clause_years::contract_id.eq(contract_id),
                        clause_years::territory.eq(&territory),
                        clause_years::kind.eq(&kind),
                        clause_years::starts_on.eq(starts_on),
                        clause_years::ends_on.eq(ends_on),
                        clause_years::first_year.eq(first_year),
                        clause_years::hours.eq(hours),
                        clause_years::prorated.eq(prorated),
                    ))
                    .execute(conn)?;
            }
        }
    }
    refresh_contract(conn, contract_id)
}

/// Rebuilds the row of one contract. Called after every write of the contract and, through
/// `refresh_clause`, of its clauses.
pub fn refresh_contract(conn: &mut Conn, contract_id: impl Into<i64>) -> QueryResult<()> {
    let contract_id: i64 = contract_id.into();
    // The same for the contract's row, which its own corrections and its clauses' writes
    // both rebuild (a 500 seen in two corrections at once).
    crate::lock_rows!(conn, contracts, [contract_id])?;
    diesel::delete(contract_years::table.filter(contract_years::contract_id.eq(contract_id)))
        .execute(conn)?;
    let Some((structure_id, buyer_id, notified_on, social, environmental)) = contracts::table
        .filter(contracts::id.eq(contract_id))
        .select((
            contracts::structure_id,
            contracts::buyer_id,
            contracts::notified_on,
            contracts::social_considerations,
            contracts::environmental_considerations,
        ))
        .first::<(i64, i64, Option<NaiveDate>, String, String)>(conn)
        .optional()?
    else {
        return Ok(());
    };
    let Some(notified_on) = notified_on else {
        return Ok(());
    };
    let statuses: Vec<ClauseStatus> = clauses::table
        .filter(clauses::contract_id.eq(contract_id))
        .select(clauses::status)
        .load(conn)?;
    // The stored lists are joined with commas: any text is a declared consideration, as the
    // report's SQL has always read it.
    let declared = |s: String| if s.is_empty() { Vec::new() } else { vec![s] };
    diesel::insert_into(contract_years::table)
        .values((
            contract_years::year.eq(chrono::Datelike::year(&notified_on)),
            contract_years::contract_id.eq(contract_id),
            contract_years::structure_id.eq(structure_id),
            contract_years::buyer_id.eq(buyer_id),
            contract_years::notified_on.eq(notified_on),
            contract_years::social.eq(crate::domain::pnad::has_social_consideration(
                &declared(social),
                &statuses,
            )),
            contract_years::environmental.eq(crate::domain::pnad::has_environmental_consideration(
                &declared(environmental),
            )),
        ))
        .execute(conn)?;
    Ok(())
}

/// The backfill of the migration that made the tables, for each backend (the text after its
/// `-- Backfill` line): one statement per table, whatever the number of rows.
fn backfill_sql(conn: &Conn) -> &'static str {
    let up = if conn.is_sqlite() {
        include_str!("../../migrations/sqlite/2026-12-05-300000_kept_years/up.sql")
    } else {
        include_str!("../../migrations/postgres/2026-12-05-300000_kept_years/up.sql")
    };
    up.split_once("-- Backfill").map_or("", |(_, rest)| rest)
}

/// Rebuilds every kept row from the clauses, assignments and contracts, in bulk (after a
/// bulk load that wrote those tables directly: demo and benchmark data).
pub fn rebuild_all(conn: &mut Conn) -> QueryResult<()> {
    let sql = format!(
        "DELETE FROM clause_years; DELETE FROM contract_years;\n-- {}",
        backfill_sql(conn)
    );
    conn.batch_execute(&sql)
}
