//! How records are named for people beside their ids (`participant_name`, `clause_label`,
//! ...), and the lookups of a page's names: one query for all the rows of a page, never
//! one a row.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::{clauses, contracts, organisations};
use crate::db::Conn;
use crate::domain::ids::{ClauseId, OrganisationId};

/// A person's name: first name then last name; None once anonymised (both erased).
pub fn person_name(first: Option<String>, last: Option<String>) -> Option<String> {
    let name = format!(
        "{} {}",
        first.as_deref().unwrap_or("").trim(),
        last.as_deref().unwrap_or("").trim()
    );
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// A clause as people name it: its contract's reference and title, and the lot if any
/// (`2026-014 lot 2 — Rénovation du groupe scolaire`).
pub fn clause_label(reference: &str, title: &str, lot_number: Option<i32>) -> String {
    match lot_number {
        Some(lot) => format!("{reference} lot {lot} — {title}"),
        None => format!("{reference} — {title}"),
    }
}

/// The names of these organisations, in one query.
pub fn organisation_names(
    conn: &mut Conn,
    ids: &[OrganisationId],
) -> QueryResult<HashMap<OrganisationId, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(organisations::table
        .filter(organisations::id.eq_any(&ids))
        .select((organisations::id, organisations::name))
        .load::<(OrganisationId, String)>(conn)?
        .into_iter()
        .collect())
}

/// The names of organisations given by plain ids (a report's buyer and contractor cells:
/// thousands on the national data set), in one query with one parameter whatever their
/// number: an array on PostgreSQL, a JSON array read by `json_each` on SQLite (whose
/// statements take at most 32,766 parameters). Unknown ids are simply absent.
pub fn organisation_names_of(
    conn: &mut Conn,
    ids: &[i64],
) -> QueryResult<std::collections::BTreeMap<i64, String>> {
    #[derive(QueryableByName)]
    struct Named {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(i64, String)> = match conn {
        Conn::Pg(c) => organisations::table
            .filter(organisations::id.eq_any(ids))
            .select((organisations::id, organisations::name))
            .load(c)?,
        Conn::Sqlite(c) => {
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            diesel::sql_query(
                "SELECT id, name FROM organisations \
                 WHERE id IN (SELECT value FROM json_each(?))",
            )
            .bind::<diesel::sql_types::Text, _>(format!("[{list}]"))
            .load::<Named>(c)?
            .into_iter()
            .map(|n| (n.id, n.name))
            .collect()
        }
    };
    Ok(rows.into_iter().collect())
}

/// The labels of these clauses, in one query.
pub fn clause_labels(conn: &mut Conn, ids: &[ClauseId]) -> QueryResult<HashMap<ClauseId, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let rows: Vec<(ClauseId, Option<i32>, String, String)> = clauses::table
        .inner_join(contracts::table)
        .filter(clauses::id.eq_any(&ids))
        .select((
            clauses::id,
            clauses::lot_number,
            contracts::reference,
            contracts::title,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, lot, reference, title)| (id, clause_label(&reference, &title, lot)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_first_then_last_name_and_nobody_once_anonymised() {
        assert_eq!(
            person_name(Some("Awa".into()), Some("Diop".into())).as_deref(),
            Some("Awa Diop")
        );
        assert_eq!(person_name(None, None), None);
        assert_eq!(person_name(Some(" ".into()), None), None);
    }

    #[test]
    fn a_clause_is_its_contract_reference_and_title() {
        assert_eq!(clause_label("M-12", "Voirie", None), "M-12 — Voirie");
        assert_eq!(
            clause_label("M-12", "Voirie", Some(2)),
            "M-12 lot 2 — Voirie"
        );
    }
}
