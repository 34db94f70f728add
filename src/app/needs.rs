//! Use cases of recruitment needs (besoins de recrutement) of an assignment, and of the
//! people of the pool that match them.

use crate::app::{AppError, AppResult};
use crate::auth::records;
use crate::db::{write_tx, Conn};
use crate::domain::catalogue::{codes, is_rome_code, CONTRACT_TYPES, MODALITIES};
use crate::domain::eligibility::check_weekly_hours;
use crate::domain::ids::{
    AssignmentId, ClauseId, NeedId, OrganisationId, ParticipantId, ReferralId, StructureId, UserId,
};
use crate::domain::limits::{self, Code, Label};
use crate::domain::matching::{rank, Need as MatchNeed};
use crate::domain::referrals::State;
use crate::domain::referrals::{
    check_own_employer, departement_of_commune, is_licence_code, EMPLOYER_NOT_OWN,
    MAX_DURATION_MONTHS, MAX_POSTS,
};
use crate::domain::rule::Violation;
use crate::domain::territory::is_valid_departement;
use crate::domain::units::{ser_hundredths, Hundredths};
use crate::domain::vocabulary::{ContractType, HistoryAction, Modality, NeedStatus};
use crate::store::contracts::split_codes;
use crate::store::names;
use crate::store::needs::ProposalCounts;
use crate::store::needs::{self as store, Need, NewNeed};
use crate::store::{audit, clauses, organisations};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NeedInput {
    pub assignment_id: AssignmentId,
    pub job_title: Label,
    pub rome_code: Option<Code>,
    pub posts: i64,
    pub commune_code: Code,
    pub territory: Code,
    #[serde(deserialize_with = "limits::date")]
    pub starts_on: NaiveDate,
    pub weekly_hours: Hundredths,
    pub duration_months: Option<i64>,
    #[serde(default)]
    pub licences: Vec<Code>,
    #[schema(value_type = Modality)]
    pub modality: Code,
    pub employer_id: OrganisationId,
    #[schema(value_type = ContractType)]
    pub contract_type: Code,
}

/// A need as the API shows it, with the counts of its proposals.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NeedView {
    pub id: NeedId,
    pub assignment_id: AssignmentId,
    pub clause_id: ClauseId,
    pub contractor_id: OrganisationId,
    pub job_title: String,
    pub rome_code: Option<String>,
    pub posts: i32,
    pub commune_code: String,
    pub territory: String,
    pub starts_on: NaiveDate,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub weekly_hours: i64,
    pub duration_months: Option<i32>,
    pub licences: Vec<String>,
    pub modality: Modality,
    pub employer_id: OrganisationId,
    pub contract_type: ContractType,
    /// `open`, `filled` (hires reached the posts) or `closed`.
    pub status: NeedStatus,
    pub proposals: i64,
    /// Proposed or in interview: still in the running.
    pub pending: i64,
    pub hires: i64,
    pub declined: i64,
    pub created_by: UserId,
    pub created_at: chrono::NaiveDateTime,
    pub contractor_name: String,
    pub employer_name: String,
    /// The clause's contract reference and title (and lot).
    pub clause_label: String,
}

/// The names a need view shows beside its ids.
pub struct NeedNames {
    pub contractor_name: String,
    pub employer_name: String,
    pub clause_label: String,
}

pub fn need_view(n: Need, counts: ProposalCounts, names: NeedNames) -> NeedView {
    let r = n.row;
    NeedView {
        id: r.id,
        assignment_id: r.assignment_id,
        clause_id: n.clause_id,
        contractor_id: n.contractor_id,
        job_title: r.job_title,
        rome_code: r.rome_code,
        posts: r.posts,
        commune_code: r.commune_code,
        territory: r.territory,
        starts_on: r.starts_on,
        weekly_hours: r.weekly_hours,
        duration_months: r.duration_months,
        licences: split_codes(&r.licences),
        modality: r.modality,
        employer_id: r.employer_id,
        contract_type: r.contract_type,
        status: r.status,
        proposals: counts.total,
        pending: counts.pending,
        hires: counts.hires,
        declined: counts.declined,
        created_by: r.created_by,
        created_at: r.created_at,
        contractor_name: names.contractor_name,
        employer_name: names.employer_name,
        clause_label: names.clause_label,
    }
}

/// One person of the pool ranked for a need.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MatchView {
    pub participant_id: ParticipantId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Out of 7: `job` 3, `place` 2, `available` 1, `licences` 1.
    pub score: i32,
    pub reasons: Vec<&'static str>,
    pub wished_rome_codes: Vec<String>,
    pub reachable_departements: Vec<String>,
    pub licences: Vec<String>,
    pub available_from: Option<NaiveDate>,
    pub eligibility_valid_until: Option<NaiveDate>,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub planned_weekly_hours_on_start: i64,
    /// The proposal of this person to this need, if already made.
    pub referral: Option<MatchReferral>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MatchReferral {
    pub id: ReferralId,
    pub state: State,
}

fn views(conn: &mut Conn, needs: Vec<Need>) -> AppResult<Vec<NeedView>> {
    let ids: Vec<NeedId> = needs.iter().map(|n| n.row.id).collect();
    let counts = store::proposal_counts(conn, &ids)?;
    let organisations: Vec<OrganisationId> = needs
        .iter()
        .flat_map(|n| [n.contractor_id, n.row.employer_id])
        .collect();
    let org_names = names::organisation_names(conn, &organisations)?;
    let clauses: Vec<ClauseId> = needs.iter().map(|n| n.clause_id).collect();
    let labels = names::clause_labels(conn, &clauses)?;
    let name_of = |id: OrganisationId| org_names.get(&id).cloned().unwrap_or_default();
    Ok(needs
        .into_iter()
        .map(|n| {
            let c = counts.get(&n.row.id).copied().unwrap_or_default();
            let named = NeedNames {
                contractor_name: name_of(n.contractor_id),
                employer_name: name_of(n.row.employer_id),
                clause_label: labels.get(&n.clause_id).cloned().unwrap_or_default(),
            };
            need_view(n, c, named)
        })
        .collect())
}

/// One view, counts included.
pub fn view_of(conn: &mut Conn, need: Need) -> AppResult<NeedView> {
    views(conn, vec![need])?
        .pop()
        .ok_or(AppError::Database(diesel::result::Error::NotFound))
}

/// Checks a need: every field, the assignment (a contractor: one of its own), the employer,
/// and that the clause still runs. Field errors come together.
fn validate(
    conn: &mut Conn,
    sid: StructureId,
    contractor: Option<OrganisationId>,
    input: NeedInput,
) -> AppResult<NewNeed> {
    let mut errors = Vec::new();
    let assignment = clauses::find_assignment(conn, sid, input.assignment_id)?
        .filter(|a| contractor.is_none_or(|org| org == a.contractor_id));
    if assignment.is_none() {
        let scope = if contractor.is_some() {
            "organisation"
        } else {
            "structure"
        };
        errors.push(Violation::new("assignment_id", "assignment_unknown").with("scope", scope));
    }
    let job_title = input.job_title.trim().to_string();
    if job_title.is_empty() {
        errors.push(Violation::new("job_title", "empty"));
    }
    let rome_code = input
        .rome_code
        .as_deref()
        .map(|r| r.trim().to_uppercase())
        .filter(|r| !r.is_empty());
    if rome_code.as_deref().is_some_and(|r| !is_rome_code(r)) {
        errors.push(Violation::new("rome_code", "rome_code_malformed").with("example", "F1606"));
    }
    if !(1..=MAX_POSTS).contains(&input.posts) {
        errors.push(Violation::new("posts", "posts_out_of_range").with("max", MAX_POSTS));
    }
    let territory = input.territory.trim().to_uppercase();
    let territory_ok = is_valid_departement(&territory);
    if !territory_ok {
        errors.push(
            Violation::new("territory", "territory_unknown")
                .with("territory", input.territory.as_str()),
        );
    }
    let commune_code = input.commune_code.trim().to_uppercase();
    match departement_of_commune(&commune_code) {
        None => errors.push(Violation::new("commune_code", "commune_code_malformed")),
        Some(d) if territory_ok && d != territory => errors.push(
            Violation::new("commune_code", "commune_outside_territory")
                .with("commune", &commune_code)
                .with("territory", &territory),
        ),
        Some(_) => {}
    }
    if let Err(v) = check_weekly_hours(input.weekly_hours.0) {
        errors.push(v);
    }
    if input
        .duration_months
        .is_some_and(|m| !(1..=MAX_DURATION_MONTHS).contains(&m))
    {
        errors.push(
            Violation::new("duration_months", "duration_out_of_range")
                .with("max", MAX_DURATION_MONTHS),
        );
    }
    let mut licences: Vec<String> = input
        .licences
        .iter()
        .map(|l| l.trim().to_uppercase())
        .collect();
    for (i, l) in licences.iter().enumerate() {
        if !is_licence_code(l) {
            errors.push(Violation::new(
                format!("licences[{i}]"),
                "licence_code_malformed",
            ));
        }
    }
    licences.sort();
    licences.dedup();
    let modality = Modality::parse(&input.modality);
    if modality.is_none() {
        errors.push(
            Violation::new("modality", "modality_unknown")
                .with("allowed", codes(MODALITIES).join(", ")),
        );
    }
    let contract_type = ContractType::parse(&input.contract_type);
    if contract_type.is_none() {
        errors.push(
            Violation::new("contract_type", "contract_type_unknown")
                .with("allowed", codes(CONTRACT_TYPES).join(", ")),
        );
    }
    // A contractor's need names itself as employer; another one is the facilitator's choice.
    let own_employer_broken =
        contractor.is_some_and(|org| check_own_employer(org.0, input.employer_id.0).is_err());
    match organisations::find(conn, sid, input.employer_id)? {
        _ if own_employer_broken => errors.push(Violation::new("employer_id", EMPLOYER_NOT_OWN)),
        Some(o) if o.kind.delivers_hours() => {}
        _ => errors.push(Violation::new("employer_id", "organisation_not_contractor")),
    }
    let (Some(assignment), Some(modality), Some(contract_type), true) =
        (assignment, modality, contract_type, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors));
    };
    let clause =
        clauses::find(conn, sid, assignment.clause_id)?.ok_or(AppError::NotFound("clause"))?;
    if clause.status.is_closed() {
        return Err(AppError::conflict(
            Violation::new("", "clause_closed").with("status", clause.status),
        ));
    }
    if input.starts_on > clause.ends_on {
        return Err(AppError::invalid(
            Violation::new("starts_on", "starts_after_clause_end").with("ends_on", clause.ends_on),
        ));
    }
    Ok(NewNeed {
        assignment_id: assignment.id,
        job_title,
        rome_code,
        posts: i32::try_from(input.posts).unwrap_or(1),
        commune_code,
        territory,
        starts_on: input.starts_on,
        weekly_hours: input.weekly_hours.0,
        duration_months: input.duration_months.and_then(|m| i32::try_from(m).ok()),
        licences,
        modality,
        employer_id: input.employer_id,
        contract_type,
    })
}

/// Records a need on an assignment (a contractor: one of its own).
pub fn create_need(
    conn: &mut Conn,
    structure_id: StructureId,
    user_id: UserId,
    contractor: Option<OrganisationId>,
    input: NeedInput,
) -> AppResult<NeedView> {
    write_tx(conn, |c| {
        let new = validate(c, structure_id, contractor, input)?;
        let id = store::create(c, structure_id, &new, user_id)?;
        let need = records::visible_need(c, structure_id, id, None)?;
        view_of(c, need)
    })
}

/// One page of the needs the caller may see (a contractor: those of its assignments).
#[allow(clippy::too_many_arguments)]
pub fn list_needs(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    status: Option<&str>,
    assignment_id: Option<AssignmentId>,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<NeedView>, i64)> {
    let status =
        match status {
            Some(code) => Some(NeedStatus::parse(code).ok_or_else(|| {
                AppError::invalid(Violation::new("status", "need_status_unknown"))
            })?),
            None => None,
        };
    let (needs, total) = store::list(
        conn,
        structure_id,
        contractor,
        status,
        assignment_id,
        limit,
        offset,
    )?;
    Ok((views(conn, needs)?, total))
}

/// One need as the caller may see it.
pub fn need(
    conn: &mut Conn,
    structure_id: StructureId,
    id: NeedId,
    contractor: Option<OrganisationId>,
) -> AppResult<NeedView> {
    let need = records::visible_need(conn, structure_id, id, contractor)?;
    view_of(conn, need)
}

/// Closes an open need: it is no longer recruited for (a filled need stays filled; pending
/// proposals keep waiting for their answer).
pub fn close_need(
    conn: &mut Conn,
    structure_id: StructureId,
    id: NeedId,
    contractor: Option<OrganisationId>,
) -> AppResult<NeedView> {
    write_tx(conn, |c| {
        let need = records::visible_need(c, structure_id, id, contractor)?;
        if need.row.status != NeedStatus::Open {
            return Err(AppError::conflict(
                Violation::new("", "need_already_closed").with("status", need.row.status),
            ));
        }
        store::set_status(c, id, NeedStatus::Closed)?;
        let need = records::visible_need(c, structure_id, id, None)?;
        view_of(c, need)
    })
}

/// The pool ranked for a need (see `domain::matching::rank` for the score), one page; each
/// person listed is written to the audit log.
pub fn match_pool(
    conn: &mut Conn,
    structure_id: StructureId,
    user_id: UserId,
    id: NeedId,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<MatchView>, i64)> {
    write_tx(conn, |c| {
        let need = records::visible_need(c, structure_id, id, None)?;
        let pool = store::pool(c, structure_id, need.row.starts_on)?;
        let wanted = MatchNeed {
            rome_code: need.row.rome_code.clone(),
            territory: need.row.territory.clone(),
            starts_on: need.row.starts_on,
            licences: split_codes(&need.row.licences),
        };
        let candidates: Vec<_> = pool.iter().map(|(_, cand)| cand.clone()).collect();
        let ranked = rank(&wanted, &candidates);
        let total = i64::try_from(ranked.len()).unwrap_or(i64::MAX);
        let proposed = crate::store::referrals::of_need(c, id)?;
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(0);
        let mut items = Vec::new();
        for m in ranked.into_iter().skip(start).take(take) {
            let Some((p, cand)) = pool.iter().find(|(p, _)| p.id.0 == m.participant_id) else {
                continue;
            };
            audit::record(
                c,
                structure_id,
                Some(user_id),
                HistoryAction::Read,
                "participant",
                p.id,
                "pool match",
            )?;
            items.push(MatchView {
                participant_id: p.id,
                first_name: p.first_name.clone(),
                last_name: p.last_name.clone(),
                score: m.score,
                reasons: m.reasons,
                wished_rome_codes: cand.wished_rome_codes.clone(),
                reachable_departements: cand.reachable_departements.clone(),
                licences: cand.licences.clone(),
                available_from: cand.available_from,
                eligibility_valid_until: cand.eligibility_valid_until,
                planned_weekly_hours_on_start: cand.planned_weekly_hours_on_start,
                referral: proposed
                    .iter()
                    .find(|r| r.1 == p.id)
                    .map(|r| MatchReferral {
                        id: r.0,
                        state: r.2,
                    }),
            });
        }
        Ok((items, total))
    })
}
