//! Follow-ups after an exit (docs/domain.md#follow-up-after-exit): the recorded situations,
//! the ones due and not recorded yet, the structure's setting for the 12-month follow-up,
//! and the report's counts. Every query filters on the caller's structure.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::{exists, not, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::schema::{follow_ups, organisations, participants, placements};
use crate::db::Conn;
use crate::domain::follow_ups::{due_on, last_exit_due, DueGroups, Group, Situation};
use crate::domain::ids::{ParticipantId, PlacementId, StructureId, UserId};
use crate::domain::period::Period;
use crate::store::reports::ReportScope;

/// Applies a report's scope to a boxed query over `placements` (joined or not).
macro_rules! scoped {
    ($q:ident, $scope:expr) => {{
        let s: &ReportScope = $scope;
        if let Some(ids) = &s.structures {
            $q = $q.filter(placements::structure_id.eq_any(ids.clone()));
        }
        if let Some(t) = &s.territory {
            $q = $q.filter(placements::territory.eq(t.clone()));
        }
        if let Some(b) = s.buyer_id {
            $q = $q.filter(placements::buyer_id.eq(b));
        }
        if let Some(c) = s.contractor_id {
            $q = $q.filter(placements::contractor_id.eq(c));
        }
        if let Some(k) = &s.clause_kind {
            $q = $q.filter(placements::clause_kind.eq(*k));
        }
    }};
}

/// A recorded follow-up.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = follow_ups)]
pub struct FollowUpRow {
    pub id: i64,
    pub structure_id: i64,
    pub placement_id: i64,
    pub participant_id: i64,
    pub months: i64,
    pub situation: String,
    pub observed_on: NaiveDate,
    pub source: String,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
    pub version: i64,
}

/// What a new follow-up stores.
#[derive(Debug, Clone)]
pub struct NewFollowUp {
    pub structure_id: StructureId,
    pub placement_id: PlacementId,
    pub participant_id: ParticipantId,
    pub months: i64,
    pub situation: String,
    pub observed_on: NaiveDate,
    pub source: String,
    pub recorded_by: UserId,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut Conn, f: &NewFollowUp) -> QueryResult<i64> {
    diesel::insert_into(follow_ups::table)
        .values((
            follow_ups::structure_id.eq(f.structure_id.0),
            follow_ups::placement_id.eq(f.placement_id.0),
            follow_ups::participant_id.eq(f.participant_id.0),
            follow_ups::months.eq(f.months),
            follow_ups::situation.eq(&f.situation),
            follow_ups::observed_on.eq(f.observed_on),
            follow_ups::source.eq(&f.source),
            follow_ups::recorded_by.eq(f.recorded_by.0),
            follow_ups::recorded_at.eq(f.recorded_at),
        ))
        .returning(follow_ups::id)
        .get_result(conn)
}

/// The follow-up of a placement at `months`, if recorded.
pub fn find(
    conn: &mut Conn,
    structure_id: StructureId,
    placement_id: PlacementId,
    months: i64,
) -> QueryResult<Option<FollowUpRow>> {
    follow_ups::table
        .filter(follow_ups::structure_id.eq(structure_id.0))
        .filter(follow_ups::placement_id.eq(placement_id.0))
        .filter(follow_ups::months.eq(months))
        .select(FollowUpRow::as_select())
        .first(conn)
        .optional()
}

/// A follow-up of the structure by its id.
pub fn by_id(
    conn: &mut Conn,
    structure_id: StructureId,
    id: i64,
) -> QueryResult<Option<FollowUpRow>> {
    follow_ups::table
        .filter(follow_ups::structure_id.eq(structure_id.0))
        .filter(follow_ups::id.eq(id))
        .select(FollowUpRow::as_select())
        .first(conn)
        .optional()
}

/// Writes a follow-up's corrected fields (in the caller's transaction; the version is
/// raised by `claim_version!`).
pub fn correct(
    conn: &mut Conn,
    id: i64,
    situation: &str,
    observed_on: NaiveDate,
    source: &str,
) -> QueryResult<()> {
    diesel::update(follow_ups::table.filter(follow_ups::id.eq(id)))
        .set((
            follow_ups::situation.eq(situation),
            follow_ups::observed_on.eq(observed_on),
            follow_ups::source.eq(source),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The follow-ups of a person's placements, by placement then months.
pub fn of_participant(
    conn: &mut Conn,
    structure_id: StructureId,
    participant_id: ParticipantId,
) -> QueryResult<Vec<FollowUpRow>> {
    follow_ups::table
        .filter(follow_ups::structure_id.eq(structure_id.0))
        .filter(follow_ups::participant_id.eq(participant_id.0))
        .order((follow_ups::placement_id, follow_ups::months))
        .select(FollowUpRow::as_select())
        .load(conn)
}

/// The months recorded for each of these placements.
pub fn recorded_months(
    conn: &mut Conn,
    placement_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<i64>>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    if placement_ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(i64, i64)> = follow_ups::table
        .filter(follow_ups::placement_id.eq_any(placement_ids))
        .select((follow_ups::placement_id, follow_ups::months))
        .load(conn)?;
    for (placement, months) in rows {
        out.entry(placement).or_default().push(months);
    }
    Ok(out)
}

/// The recorded follow-ups of a structure, latest first, a page of them and their number.
pub fn recorded(
    conn: &mut Conn,
    structure_id: StructureId,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<FollowUpRow>, i64)> {
    let total = follow_ups::table
        .filter(follow_ups::structure_id.eq(structure_id.0))
        .count()
        .get_result(conn)?;
    let items = follow_ups::table
        .filter(follow_ups::structure_id.eq(structure_id.0))
        .order((follow_ups::recorded_at.desc(), follow_ups::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(FollowUpRow::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// A follow-up due and not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub placement_id: i64,
    pub participant_id: i64,
    pub contractor_id: i64,
    pub clause_id: i64,
    pub months: i64,
    pub exit_on: NaiveDate,
    pub due_on: NaiveDate,
}

/// The follow-ups of the structure due by `today` and not recorded (exited placements that
/// stand, for each of `months`), the oldest due first, then by placement.
pub fn due(
    conn: &mut Conn,
    structure_id: StructureId,
    today: NaiveDate,
    months: &[i64],
) -> QueryResult<Vec<Due>> {
    let mut out = Vec::new();
    for &m in months {
        let last = last_exit_due(today, m);
        let rows: Vec<(i64, i64, i64, i64, Option<NaiveDate>)> = placements::table
            .filter(placements::structure_id.eq(structure_id.0))
            .filter(placements::cancelled_at.is_null())
            .filter(placements::exit_on.is_not_null())
            .filter(placements::exit_on.le(last))
            // The structure named in the subquery too (a follow-up is of its placement's
            // structure): PostgreSQL then hashes this structure's follow-ups, not everyone's.
            .filter(not(exists(
                follow_ups::table
                    .filter(follow_ups::structure_id.eq(structure_id.0))
                    .filter(follow_ups::placement_id.eq(placements::id))
                    .filter(follow_ups::months.eq(m)),
            )))
            .select((
                placements::id,
                placements::participant_id,
                placements::contractor_id,
                placements::clause_id,
                placements::exit_on,
            ))
            .load(conn)?;
        out.extend(rows.into_iter().filter_map(
            |(placement_id, participant_id, contractor_id, clause_id, exit_on)| {
                let exit_on = exit_on?;
                Some(Due {
                    placement_id,
                    participant_id,
                    contractor_id,
                    clause_id,
                    months: m,
                    exit_on,
                    due_on: due_on(exit_on, m),
                })
            },
        ));
    }
    out.sort_by_key(|d| (d.due_on, d.placement_id, d.months));
    Ok(out)
}

/// (first name, last name) of persons by id.
pub type PersonNames = HashMap<i64, (Option<String>, Option<String>)>;

/// Names of persons (first, last) and organisations by id, for the lines of a list.
pub fn names(
    conn: &mut Conn,
    people: &[i64],
    organisations_ids: &[i64],
) -> QueryResult<(PersonNames, HashMap<i64, String>)> {
    let persons = participants::table
        .filter(participants::id.eq_any(people))
        .select((
            participants::id,
            participants::first_name,
            participants::last_name,
        ))
        .load::<(i64, Option<String>, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, first, last)| (id, (first, last)))
        .collect();
    let orgs = organisations::table
        .filter(organisations::id.eq_any(organisations_ids))
        .select((organisations::id, organisations::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok((persons, orgs))
}

/// The key of a structure's 12-month follow-up setting in the instance settings.
fn twelve_months_key(structure_id: StructureId) -> String {
    format!("structure.{}.follow_up_twelve_months", structure_id.0)
}

/// Whether the structure asks for a follow-up 12 months after each exit too (off unless
/// set).
pub fn twelve_months(conn: &mut Conn, structure_id: StructureId) -> QueryResult<bool> {
    Ok(
        crate::store::settings::get(conn, &twelve_months_key(structure_id))?.as_deref()
            == Some("true"),
    )
}

/// Sets the structure's 12-month follow-up setting.
pub fn set_twelve_months(conn: &mut Conn, structure_id: StructureId, on: bool) -> QueryResult<()> {
    use crate::db::schema::app_settings;
    let key = twelve_months_key(structure_id);
    let value = if on { "true" } else { "false" };
    let updated = diesel::update(app_settings::table.filter(app_settings::key.eq(&key)))
        .set(app_settings::value.eq(value))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(app_settings::table)
            .values((app_settings::key.eq(&key), app_settings::value.eq(value)))
            .execute(conn)?;
    }
    Ok(())
}

/// The 6-month follow-ups due in the period (exits from `exits_due_in`) of the report's
/// scope, grouped by situation (None: not recorded): placements and distinct persons, and
/// the distinct persons of them all.
pub fn six_months_groups(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> QueryResult<DueGroups> {
    let (first, last) = crate::domain::follow_ups::exits_due_in(period, 6);
    let mut q = placements::table
        .filter(placements::exit_on.ge(first))
        .filter(placements::exit_on.le(last))
        .filter(placements::cancelled_at.is_null())
        .select(sql::<BigInt>(
            "CAST(COUNT(DISTINCT placements.participant_id) AS BIGINT)",
        ))
        .into_boxed();
    scoped!(q, scope);
    let persons: i64 = q.get_result(conn)?;
    Ok(DueGroups {
        groups: six_months_by_situation(conn, scope, period)?,
        persons,
    })
}

fn six_months_by_situation(
    conn: &mut Conn,
    scope: &ReportScope,
    period: &Period,
) -> QueryResult<Vec<(Option<Situation>, Group)>> {
    let (first, last) = crate::domain::follow_ups::exits_due_in(period, 6);
    let mut q = placements::table
        .left_join(
            follow_ups::table.on(follow_ups::placement_id
                .eq(placements::id)
                .and(follow_ups::months.eq(6))),
        )
        .filter(placements::exit_on.ge(first))
        .filter(placements::exit_on.le(last))
        .filter(placements::cancelled_at.is_null())
        .group_by(follow_ups::situation)
        .select((
            follow_ups::situation.nullable(),
            sql::<BigInt>("CAST(COUNT(*) AS BIGINT)"),
            sql::<BigInt>("CAST(COUNT(DISTINCT placements.participant_id) AS BIGINT)"),
        ))
        .into_boxed();
    scoped!(q, scope);
    let rows: Vec<(Option<String>, i64, i64)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(situation, placements, persons)| {
            // A stored text outside the vocabulary (none is written) reads as unknown.
            let situation = situation.map(|s| Situation::parse(&s).unwrap_or(Situation::Unknown));
            (
                situation,
                Group {
                    placements,
                    persons,
                },
            )
        })
        .collect())
}
