//! Recruitment needs (besoins de recrutement) and the candidate pool (vivier) they are
//! matched against.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{assignments, eligibility_validations, needs, participants, placements};
use crate::db::{now, Conn};
use crate::domain::ids::{
    AssignmentId, ClauseId, NeedId, OrganisationId, ParticipantId, StructureId, UserId,
};
use crate::domain::matching::Candidate;
use crate::domain::referrals::State;
use crate::domain::vocabulary::{ContractType, Modality, NeedStatus};
use crate::store::contracts::split_codes;
use crate::store::participants::Participant;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = needs)]
pub struct NeedRow {
    pub id: NeedId,
    pub structure_id: StructureId,
    pub assignment_id: AssignmentId,
    pub job_title: String,
    pub rome_code: Option<String>,
    pub posts: i32,
    pub commune_code: String,
    pub territory: String,
    pub starts_on: NaiveDate,
    pub weekly_hours: i64,
    pub duration_months: Option<i32>,
    pub licences: String,
    pub modality: Modality,
    pub employer_id: OrganisationId,
    pub contract_type: ContractType,
    pub status: NeedStatus,
    pub created_by: UserId,
    pub created_at: chrono::NaiveDateTime,
}

/// A need with the contractor and clause of its assignment.
#[derive(Debug, Clone)]
pub struct Need {
    pub row: NeedRow,
    pub contractor_id: OrganisationId,
    pub clause_id: ClauseId,
}

pub struct NewNeed {
    pub assignment_id: AssignmentId,
    pub job_title: String,
    pub rome_code: Option<String>,
    pub posts: i32,
    pub commune_code: String,
    pub territory: String,
    pub starts_on: NaiveDate,
    pub weekly_hours: i64,
    pub duration_months: Option<i32>,
    pub licences: Vec<String>,
    pub modality: Modality,
    pub employer_id: OrganisationId,
    pub contract_type: ContractType,
}

pub fn create(
    conn: &mut Conn,
    structure_id: StructureId,
    n: &NewNeed,
    user_id: UserId,
) -> QueryResult<NeedId> {
    diesel::insert_into(needs::table)
        .values((
            needs::structure_id.eq(structure_id),
            needs::assignment_id.eq(n.assignment_id),
            needs::job_title.eq(&n.job_title),
            needs::rome_code.eq(&n.rome_code),
            needs::posts.eq(n.posts),
            needs::commune_code.eq(&n.commune_code),
            needs::territory.eq(&n.territory),
            needs::starts_on.eq(n.starts_on),
            needs::weekly_hours.eq(n.weekly_hours),
            needs::duration_months.eq(n.duration_months),
            needs::licences.eq(n.licences.join(",")),
            needs::modality.eq(n.modality),
            needs::employer_id.eq(n.employer_id),
            needs::contract_type.eq(n.contract_type),
            needs::status.eq(NeedStatus::Open),
            needs::created_by.eq(user_id),
            needs::created_at.eq(now()),
        ))
        .returning(needs::id)
        .get_result(conn)
}

fn with_assignment(rows: Vec<(NeedRow, OrganisationId, ClauseId)>) -> Vec<Need> {
    rows.into_iter()
        .map(|(row, contractor_id, clause_id)| Need {
            row,
            contractor_id,
            clause_id,
        })
        .collect()
}

/// The need of the structure with its assignment's contractor and clause, if any (what a
/// contractor may see of a need is decided in `auth::records`).
pub fn find(conn: &mut Conn, structure_id: StructureId, id: NeedId) -> QueryResult<Option<Need>> {
    let row: Option<(NeedRow, OrganisationId, ClauseId)> = needs::table
        .inner_join(assignments::table)
        .filter(needs::id.eq(id))
        .filter(needs::structure_id.eq(structure_id))
        .select((
            NeedRow::as_select(),
            assignments::contractor_id,
            assignments::clause_id,
        ))
        .first(conn)
        .optional()?;
    Ok(with_assignment(row.into_iter().collect()).pop())
}

/// Takes the need's row lock for the rest of the transaction (PostgreSQL: a no-op update
/// locks the row; SQLite: the write transaction already holds the database lock), so that
/// two hires on the last post are decided one after the other.
pub fn lock(conn: &mut Conn, id: NeedId) -> QueryResult<()> {
    diesel::update(needs::table.filter(needs::id.eq(id)))
        .set(needs::status.eq(needs::status))
        .execute(conn)?;
    Ok(())
}

pub fn set_status(conn: &mut Conn, id: NeedId, status: NeedStatus) -> QueryResult<()> {
    diesel::update(needs::table.filter(needs::id.eq(id)))
        .set(needs::status.eq(status))
        .execute(conn)?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    status: Option<NeedStatus>,
    assignment_id: Option<AssignmentId>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Need>, i64)> {
    let base = || {
        let mut q = needs::table
            .inner_join(assignments::table)
            .filter(needs::structure_id.eq(structure_id))
            .into_boxed();
        if let Some(org) = contractor {
            q = q.filter(assignments::contractor_id.eq(org));
        }
        if let Some(s) = status {
            q = q.filter(needs::status.eq(s));
        }
        if let Some(a) = assignment_id {
            q = q.filter(needs::assignment_id.eq(a));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let rows = base()
        .order(needs::id)
        .limit(limit)
        .offset(offset)
        .select((
            NeedRow::as_select(),
            assignments::contractor_id,
            assignments::clause_id,
        ))
        .load(conn)?;
    Ok((with_assignment(rows), total))
}

/// The open needs of a structure (for the work list).
pub fn open(conn: &mut Conn, structure_id: StructureId) -> QueryResult<Vec<Need>> {
    let rows = needs::table
        .inner_join(assignments::table)
        .filter(needs::structure_id.eq(structure_id))
        .filter(needs::status.eq(NeedStatus::Open))
        .order(needs::id)
        .select((
            NeedRow::as_select(),
            assignments::contractor_id,
            assignments::clause_id,
        ))
        .load(conn)?;
    Ok(with_assignment(rows))
}

/// Proposals of each need by state: need id -> (pending, hired, declined).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProposalCounts {
    pub total: i64,
    pub pending: i64,
    pub hires: i64,
    pub declined: i64,
}

pub fn proposal_counts(
    conn: &mut Conn,
    need_ids: &[NeedId],
) -> QueryResult<HashMap<NeedId, ProposalCounts>> {
    use crate::db::schema::referrals;
    let mut out: HashMap<NeedId, ProposalCounts> = HashMap::new();
    for chunk in need_ids.chunks(500) {
        let rows: Vec<(NeedId, State)> = referrals::table
            .filter(referrals::need_id.eq_any(chunk))
            .select((referrals::need_id, referrals::state))
            .load(conn)?;
        for (need, state) in rows {
            let c = out.entry(need).or_default();
            c.total += 1;
            match state {
                State::Hired => c.hires += 1,
                State::Declined => c.declined += 1,
                _ => c.pending += 1,
            }
        }
    }
    Ok(out)
}

/// The candidate pool of a structure on a day, as matching sees it: people looking for
/// work, not anonymised, with an eligibility validation covering the day (the latest such
/// validation gives the bounds), and the weekly hours of their placements active that day.
/// People without a covering validation are left out here already, as `rank` would.
pub fn pool(
    conn: &mut Conn,
    structure_id: StructureId,
    day: NaiveDate,
) -> QueryResult<Vec<(Participant, Candidate)>> {
    let validations: Vec<(ParticipantId, i64, NaiveDate, NaiveDate)> =
        eligibility_validations::table
            .filter(eligibility_validations::structure_id.eq(structure_id))
            .filter(eligibility_validations::withdrawn_at.is_null())
            .filter(eligibility_validations::validated_on.le(day))
            .filter(eligibility_validations::valid_until.ge(day))
            .select((
                eligibility_validations::participant_id,
                eligibility_validations::id,
                eligibility_validations::validated_on,
                eligibility_validations::valid_until,
            ))
            .load(conn)?;
    // The latest covering validation of each person, by validation date then id.
    let mut covering: HashMap<ParticipantId, (NaiveDate, i64, NaiveDate)> = HashMap::new();
    for (pid, vid, from, until) in validations {
        let slot = covering.entry(pid).or_insert((from, vid, until));
        if (from, vid) > (slot.0, slot.1) {
            *slot = (from, vid, until);
        }
    }
    if covering.is_empty() {
        return Ok(Vec::new());
    }
    let active: Vec<(ParticipantId, i64)> = placements::table
        .filter(placements::structure_id.eq(structure_id))
        .filter(placements::cancelled_at.is_null())
        .filter(placements::starts_on.le(day))
        .filter(
            placements::exit_on
                .ge(day)
                .or(placements::exit_on.is_null().and(
                    placements::ends_on
                        .is_null()
                        .or(placements::ends_on.ge(day)),
                )),
        )
        .select((placements::participant_id, placements::weekly_hours))
        .load(conn)?;
    let mut weekly: HashMap<ParticipantId, i64> = HashMap::new();
    for (pid, hours) in active {
        *weekly.entry(pid).or_default() += hours;
    }
    let people: Vec<Participant> = participants::table
        .filter(participants::structure_id.eq(structure_id))
        .filter(participants::looking_for_work.eq(true))
        .filter(participants::anonymised_at.is_null())
        .order(participants::id)
        .select(Participant::as_select())
        .load(conn)?;
    Ok(people
        .into_iter()
        .filter_map(|p| {
            let (from, _, until) = *covering.get(&p.id)?;
            let candidate = Candidate {
                participant_id: p.id.0,
                wished_rome_codes: split_codes(&p.wished_rome_codes),
                reachable_departements: split_codes(&p.reachable_departements),
                available_from: p.available_from,
                licences: split_codes(&p.licences),
                eligibility_valid_until: Some(until),
                eligibility_valid_from: Some(from),
                planned_weekly_hours_on_start: weekly.get(&p.id).copied().unwrap_or(0),
            };
            Some((p, candidate))
        })
        .collect())
}
