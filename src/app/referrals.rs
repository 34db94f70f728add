//! Referrals: proposing a person to a need, and answering a proposal (an interview, a
//! decline, or a hire, which places the person through `app::placements::place_person`).

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::app::placements::{place_person, Actor, PlacementRequest};
use crate::app::{AppError, AppResult};
use crate::auth::records::contractor_sees_referral;
use crate::db::Conn;
use crate::domain::eligibility::valid_on;
use crate::domain::ids::{
    NeedId, OrganisationId, ParticipantId, PlacementId, ReferralId, StructureId,
};
use crate::domain::limits::{Code, Label, TextError};
use crate::domain::referrals::{check_transition, planned_end, Answer, State};
use crate::domain::rule::Violation;
use crate::domain::vocabulary::{HistoryAction, NeedStatus};
use crate::store::history::HistoryEntry;
use crate::store::needs::{self as needs_store, Need};
use crate::store::participants::Participant;
use crate::store::placements::Placement;
use crate::store::referrals::{self as store, Referral};
use crate::store::{audit, participants};

/// Whether an error says "not found", whichever layer it comes from.
fn is_not_found(e: &AppError) -> bool {
    match e {
        AppError::NotFound(_) => true,
        AppError::Database(diesel::result::Error::NotFound) => true,
        AppError::Passed(p) => p.status == 404,
        _ => false,
    }
}

/// The referral if `contractor` (None: staff) may see it, else "not found".
pub fn visible_referral(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ReferralId,
    contractor: Option<OrganisationId>,
) -> AppResult<Referral> {
    store::find(conn, structure_id, id)?
        .filter(|r| contractor_sees_referral(contractor, r.contractor_id))
        .ok_or(AppError::NotFound("referral"))
}

/// A referral with what a reader sees of it.
pub struct ReferralDetails {
    pub referral: Referral,
    /// The need's job title.
    pub job_title: String,
    /// The person proposed; none for a contractor once it declined the person (it keeps the
    /// proposal's state and dates, not who it was).
    pub person: Option<Participant>,
    /// Every state change, in order, in the one history shape.
    pub events: Vec<HistoryEntry>,
    /// The name of the contractor the person is proposed to.
    pub contractor_name: String,
}

/// Some referrals as `contractor` (None: staff) may see them; each person shown is written
/// to the audit log of `by`.
pub fn referral_details(
    conn: &mut Conn,
    by: &Actor,
    contractor: Option<OrganisationId>,
    refs: Vec<Referral>,
) -> AppResult<Vec<ReferralDetails>> {
    let sid = by.structure_id;
    let ids: Vec<(ReferralId, Option<PlacementId>)> = refs
        .iter()
        .map(|r| (r.row.id, r.row.placement_id))
        .collect();
    let mut events = store::histories(conn, &ids)?;
    let contractors: Vec<OrganisationId> = refs.iter().map(|r| r.contractor_id).collect();
    let contractor_names = crate::store::names::organisation_names(conn, &contractors)?;
    let mut titles: HashMap<NeedId, String> = HashMap::new();
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        let title = match titles.get(&r.row.need_id) {
            Some(t) => t.clone(),
            None => {
                let t = crate::auth::records::visible_need(conn, sid, r.row.need_id, None)?
                    .row
                    .job_title;
                titles.insert(r.row.need_id, t.clone());
                t
            }
        };
        let declined = r.row.state == State::Declined;
        let person = if contractor.is_some() && declined {
            None
        } else {
            let p = participants::get(conn, sid, r.row.participant_id)?;
            audit::record(
                conn,
                sid,
                Some(by.user_id),
                HistoryAction::Read,
                "participant",
                p.id,
                "referral",
            )?;
            Some(p)
        };
        let events = events.remove(&r.row.id).unwrap_or_default();
        let contractor_name = contractor_names
            .get(&r.contractor_id)
            .cloned()
            .unwrap_or_default();
        out.push(ReferralDetails {
            referral: r,
            job_title: title,
            person,
            events,
            contractor_name,
        });
    }
    Ok(out)
}

/// One referral `contractor` (None: staff) may see, with its details, else "not found".
pub fn referral_for(
    conn: &mut Conn,
    by: &Actor,
    contractor: Option<OrganisationId>,
    id: ReferralId,
) -> AppResult<ReferralDetails> {
    let r = visible_referral(conn, by.structure_id, id, contractor)?;
    one(referral_details(conn, by, contractor, vec![r])?)
}

/// The only item of a list of one.
fn one(mut details: Vec<ReferralDetails>) -> AppResult<ReferralDetails> {
    details.pop().ok_or(AppError::NotFound("referral"))
}

/// Filters of a referral list.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReferralFilter {
    pub need_id: Option<NeedId>,
    pub participant_id: Option<ParticipantId>,
    pub state: Option<State>,
}

/// A page of the referrals `contractor` (None: staff) may see, with their details, and how
/// many there are in all.
pub fn list_referrals(
    conn: &mut Conn,
    by: &Actor,
    contractor: Option<OrganisationId>,
    f: ReferralFilter,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<ReferralDetails>, i64)> {
    let (refs, total) = store::list(
        conn,
        by.structure_id,
        contractor,
        f.need_id,
        f.participant_id,
        f.state,
        limit,
        offset,
    )?;
    Ok((referral_details(conn, by, contractor, refs)?, total))
}

/// Proposes a person to a need (`propose_person`) and reads the new referral back as staff
/// see it.
pub fn propose(
    conn: &mut Conn,
    by: &Actor,
    need_id: NeedId,
    participant_id: ParticipantId,
) -> AppResult<ReferralDetails> {
    let id = propose_person(conn, by, need_id, participant_id)?;
    referral_for(conn, by, None, id)
}

/// Checks and records a proposal, inside the caller's transaction: the need is open, the
/// person exists, is not anonymised, is eligible on the need's start date and is not
/// already proposed to it. The new referral's id.
pub fn propose_person(
    conn: &mut Conn,
    by: &Actor,
    need_id: NeedId,
    participant_id: ParticipantId,
) -> AppResult<ReferralId> {
    let sid = by.structure_id;
    let need = crate::auth::records::visible_need(conn, sid, need_id, None);
    let person = participants::find_in(conn, sid, participant_id)?;
    let mut errors = Vec::new();
    let need = match need {
        Ok(n) => Some(n),
        Err(e) if is_not_found(&e) => {
            errors.push(Violation::new("need_id", "need_unknown"));
            None
        }
        Err(e) => return Err(e),
    };
    if person.is_none() {
        errors.push(Violation::new("participant_id", "participant_unknown"));
    }
    let (Some(need), Some(person)) = (need, person) else {
        return Err(AppError::Invalid(errors));
    };
    if need.row.status != NeedStatus::Open {
        return Err(AppError::conflict(
            Violation::new("need_id", "need_not_open").with("status", need.row.status),
        ));
    }
    if person.anonymised_at.is_some() {
        return Err(AppError::conflict(Violation::new("", "person_anonymised")));
    }
    if let Some(existing) = store::find_existing(conn, need.row.id, person.id)? {
        return Err(AppError::Conflict {
            violation: Violation::new("participant_id", "already_proposed"),
            extra: vec![("existing_id", existing.0.into())],
        });
    }
    let history = participants::validations(&participants::eligibility_history(conn, person.id)?);
    if valid_on(&history, need.row.starts_on).is_none() {
        return Err(
            Violation::new("participant_id", "eligibility_missing_on_need_start")
                .with("on", need.row.starts_on)
                .into(),
        );
    }
    let id = store::create(conn, sid, need.row.id, person.id, by.user_id)?;
    crate::app::activity::person_changed(
        conn,
        by.writer(),
        person.id,
        "proposed to a recruitment need",
    )?;
    Ok(id)
}

/// What a hire may change of the need's placement defaults.
#[derive(Debug, Default)]
pub struct HireOverrides {
    pub modality: Option<Code>,
    pub employer_id: Option<OrganisationId>,
    pub contract_type: Option<Code>,
    pub job_title: Option<Label>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// Hundredths.
    pub weekly_hours: Option<i64>,
    pub derogation_reason: Option<String>,
}

/// What an answer did.
pub enum Answered {
    /// A hire: the placement created.
    Hired(Box<Placement>),
    /// Another answer: the referral as it now is, as the caller sees it.
    Changed(Box<ReferralDetails>),
}

/// A default taken from the need, in the class of the placement's field; a value stored
/// before the limits existed may not fit it, and is named under `placement.`.
fn from_need<T: TryFrom<String, Error = TextError>>(
    field: &str,
    given: Option<T>,
    stored: &str,
) -> AppResult<T> {
    match given {
        Some(v) => Ok(v),
        None => T::try_from(stored.to_string())
            .map_err(|e| AppError::invalid(e.violation(format!("placement.{field}")))),
    }
}

/// The placement a hire creates: the need's defaults, then the answer's overrides. The
/// planned end is the start plus the need's duration, unless given.
fn hire_request(
    participant_id: ParticipantId,
    need: &Need,
    o: HireOverrides,
) -> AppResult<PlacementRequest> {
    let n = &need.row;
    let starts_on = o.starts_on.unwrap_or(n.starts_on);
    Ok(PlacementRequest {
        participant_id,
        assignment_id: n.assignment_id,
        modality: o
            .modality
            .map_or_else(|| n.modality.as_str().to_string(), String::from),
        employer_id: o.employer_id.unwrap_or(n.employer_id),
        contract_type: o
            .contract_type
            .map_or_else(|| n.contract_type.as_str().to_string(), String::from),
        job_title: from_need("job_title", o.job_title, &n.job_title)?.into(),
        starts_on,
        ends_on: o
            .ends_on
            .or_else(|| planned_end(starts_on, n.duration_months)),
        weekly_hours: Some(o.weekly_hours.unwrap_or(n.weekly_hours)),
        derogation_reason: o.derogation_reason,
    })
}

/// The placement rules' broken rules, named under `placement.` in the answer.
fn under_placement(e: AppError) -> AppError {
    match e {
        AppError::Invalid(violations) => AppError::Invalid(
            violations
                .into_iter()
                .map(|v| v.under("placement"))
                .collect(),
        ),
        other => other,
    }
}

/// Records an answer inside the caller's transaction: the state change and its event, and
/// for a hire the placement (every placement rule checked) and the need's status. The
/// change is written to the audit log of the person. `contractor`: the caller's
/// organisation when it is a contractor (it answers proposals to its own needs only).
pub fn answer_referral(
    conn: &mut Conn,
    by: &Actor,
    contractor: Option<OrganisationId>,
    id: ReferralId,
    answer: Answer,
    overrides: HireOverrides,
) -> AppResult<Answered> {
    let sid = by.structure_id;
    let r = visible_referral(conn, sid, id, contractor)?;
    audit::record(
        conn,
        sid,
        Some(by.user_id),
        HistoryAction::Update,
        "participant",
        r.row.participant_id,
        "proposal answered",
    )?;
    let from = r.row.state;
    let to = answer.state();
    check_transition(from, to).map_err(AppError::conflict)?;
    let answered_meanwhile =
        || AppError::conflict(Violation::new("", "referral_answered_meanwhile"));
    if to != State::Hired {
        let changed = store::change_state(
            conn,
            id,
            from,
            to,
            answer.reason(),
            answer.comment(),
            None,
            by.user_id,
        )?;
        if !changed {
            return Err(answered_meanwhile());
        }
        let r = visible_referral(conn, sid, id, None)?;
        let details = one(referral_details(conn, by, contractor, vec![r])?)?;
        return Ok(Answered::Changed(Box::new(details)));
    }
    needs_store::lock(conn, r.row.need_id)?;
    let need = crate::auth::records::visible_need(conn, sid, r.row.need_id, None)?;
    let hires = store::hires_of_need(conn, need.row.id)?;
    let posts = i64::from(need.row.posts);
    if need.row.status != NeedStatus::Open || hires >= posts {
        let v = Violation::new("", "need_full");
        let v = if need.row.status == NeedStatus::Closed {
            v
        } else {
            v.with("hires", hires).with("posts", posts)
        };
        return Err(AppError::conflict(v));
    }
    let input = hire_request(r.row.participant_id, &need, overrides)?;
    let placement = place_person(conn, by, input).map_err(under_placement)?;
    let changed = store::change_state(
        conn,
        id,
        from,
        State::Hired,
        None,
        answer.comment(),
        Some(placement.id),
        by.user_id,
    )?;
    if !changed {
        return Err(answered_meanwhile());
    }
    let status = NeedStatus::after_hires(posts, hires + 1);
    if status != need.row.status {
        needs_store::set_status(conn, need.row.id, status)?;
    }
    Ok(Answered::Hired(Box::new(placement.as_seen_by(contractor))))
}

/// What a contractor's candidates page shows of a need: its job and place, its clause, and
/// the defaults a hire starts from (those `hire_request` takes when the answer gives none).
#[derive(Debug, Clone)]
pub struct CandidateNeed {
    pub job_title: String,
    pub commune_code: String,
    /// The clause's contract reference and title (and lot).
    pub clause_label: String,
    pub starts_on: NaiveDate,
    /// Hundredths.
    pub weekly_hours: i64,
    pub contract_type: crate::domain::vocabulary::ContractType,
}

/// One proposal on a contractor's candidates page: the referral as the contractor sees it
/// and the need it answers.
pub struct Candidate {
    pub details: ReferralDetails,
    pub need: CandidateNeed,
}

/// The proposals to a contractor's needs, as its candidates page shows them: those waiting
/// for its answer (proposed or interview), longest waiting first, then the latest answered
/// ones, most recent first; at most `limit` of each, with how many there are in all.
pub struct CandidateBoard {
    pub waiting: Vec<Candidate>,
    pub waiting_total: i64,
    pub answered: Vec<Candidate>,
    pub answered_total: i64,
}

/// The candidates page of `contractor`: the proposals of `list_referrals` in its scope (each
/// person shown is written to the audit log, as the API's list does), with their needs as
/// `app::needs::need` shows them to the contractor.
pub fn candidate_board(
    conn: &mut Conn,
    by: &Actor,
    contractor: OrganisationId,
    limit: i64,
) -> AppResult<CandidateBoard> {
    let org = Some(contractor);
    let in_state = |state: State| ReferralFilter {
        state: Some(state),
        ..ReferralFilter::default()
    };
    let mut waiting = Vec::new();
    let mut waiting_total = 0;
    for state in [State::Proposed, State::Interview] {
        let (page, total) = list_referrals(conn, by, org, in_state(state), limit, 0)?;
        waiting.extend(page);
        waiting_total += total;
    }
    waiting.sort_by_key(|d| (d.referral.row.proposed_at, d.referral.row.id));
    waiting.truncate(usize::try_from(limit).unwrap_or(0));
    let mut answered = Vec::new();
    let mut answered_total = 0;
    for state in [State::Hired, State::Declined] {
        // The list runs oldest first: its last page holds the latest answers.
        let (_, total) = list_referrals(conn, by, org, in_state(state), 0, 0)?;
        let from = (total - limit).max(0);
        let (page, _) = list_referrals(conn, by, org, in_state(state), limit, from)?;
        answered.extend(page);
        answered_total += total;
    }
    answered.sort_by_key(|d| std::cmp::Reverse((d.referral.row.updated_at, d.referral.row.id)));
    answered.truncate(usize::try_from(limit).unwrap_or(0));
    let mut needs: HashMap<NeedId, CandidateNeed> = HashMap::new();
    let mut with_need = |list: Vec<ReferralDetails>| -> AppResult<Vec<Candidate>> {
        let mut out = Vec::with_capacity(list.len());
        for details in list {
            let id = details.referral.row.need_id;
            let need = match needs.get(&id) {
                Some(n) => n.clone(),
                None => {
                    let v = crate::app::needs::need(conn, by.structure_id, id, org)?;
                    let n = CandidateNeed {
                        job_title: v.job_title,
                        commune_code: v.commune_code,
                        clause_label: v.clause_label,
                        starts_on: v.starts_on,
                        weekly_hours: v.weekly_hours,
                        contract_type: v.contract_type,
                    };
                    needs.insert(id, n.clone());
                    n
                }
            };
            out.push(Candidate { details, need });
        }
        Ok(out)
    };
    let waiting = with_need(waiting)?;
    let answered = with_need(answered)?;
    Ok(CandidateBoard {
        waiting,
        waiting_total,
        answered,
        answered_total,
    })
}
