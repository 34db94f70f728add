//! Placements: placing a person on an assignment (every rule checked, the report snapshot
//! taken), and recording its exit. A referral's hire places through `place_person` too.

use chrono::NaiveDate;

use crate::app::activity::{person_changed, Writer};
use crate::app::error::IntoViolation;
use crate::app::{AppError, AppResult};
use crate::auth::records::may_see_placement;
use crate::auth::Caller;
use crate::db::Conn;
use crate::domain::catalogue::{codes, CONTRACT_TYPES, MODALITIES, OUTCOMES};
use crate::domain::eligibility::{
    age_band, check_placement_dates, check_weekly_hours, check_weekly_load, valid_on,
    PlannedPlacement, MAX_WEEKLY_HOURS,
};
use crate::domain::ids::{
    AssignmentId, OrganisationId, ParticipantId, PlacementId, StructureId, UserId,
};
use crate::domain::rule::Violation;
use crate::domain::vocabulary::{ContractType, ExitOutcome, Modality};
use crate::store::placements::{
    self as store, NewPlacement, Placement, PlacementSnapshot, PlacementView,
};
use crate::store::{clauses, contracts, organisations, participants};

/// Weekly hours of a placement when none are given (35 h).
pub const DEFAULT_WEEKLY_HOURS: i64 = 3500;

/// What a new placement is asked to be (the route's body, or a need's defaults with a
/// hire's overrides).
#[derive(Debug, Clone)]
pub struct PlacementRequest {
    pub participant_id: ParticipantId,
    pub assignment_id: AssignmentId,
    pub modality: String,
    pub employer_id: OrganisationId,
    pub contract_type: String,
    pub job_title: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    /// Hundredths; `DEFAULT_WEEKLY_HOURS` when none.
    pub weekly_hours: Option<i64>,
    pub derogation_reason: Option<String>,
}

/// Who places, and when.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub structure_id: StructureId,
    pub user_id: UserId,
    pub today: NaiveDate,
}

impl Actor {
    /// The same caller as the writer of a person's activity.
    pub fn writer(&self) -> Writer {
        Writer {
            structure_id: self.structure_id,
            user_id: self.user_id,
            today: self.today,
        }
    }
}

/// The CPV division (two digits) that reports call the sector.
fn sector_of(cpv: Option<&str>) -> String {
    match cpv {
        Some(c) if c.len() >= 2 && c[..2].chars().all(|d| d.is_ascii_digit()) => c[..2].to_string(),
        _ => "unknown".into(),
    }
}

/// Checks every rule of a new placement and stores it with its report snapshot, inside the
/// caller's transaction. Every broken rule of the request is listed; a state that forbids
/// the placement (an anonymised person, a closed clause) is a conflict.
pub fn place_person(conn: &mut Conn, by: &Actor, input: PlacementRequest) -> AppResult<Placement> {
    let sid = by.structure_id;
    let mut errors: Vec<Violation> = Vec::new();
    let person = participants::find_in(conn, sid, input.participant_id)?;
    let assignment = clauses::find_assignment(conn, sid, input.assignment_id)?;
    if person.is_none() {
        errors.push(Violation::new("participant_id", "participant_unknown"));
    }
    if assignment.is_none() {
        errors.push(Violation::new("assignment_id", "assignment_unknown"));
    }
    let modality = Modality::parse(&input.modality);
    if modality.is_none() {
        errors.push(
            Violation::new("modality", "modality_unknown")
                .with("codes", codes(MODALITIES).join(", ")),
        );
    }
    let contract_type = ContractType::parse(&input.contract_type);
    if contract_type.is_none() {
        errors.push(
            Violation::new("contract_type", "contract_type_unknown")
                .with("codes", codes(CONTRACT_TYPES).join(", ")),
        );
    }
    match organisations::find(conn, sid, input.employer_id)? {
        Some(o) if o.kind.delivers_hours() => {}
        _ => errors.push(Violation::new("employer_id", "employer_not_eligible")),
    }
    if input.job_title.trim().is_empty() {
        errors.push(Violation::new("job_title", "job_title_empty"));
    }
    if let Err(e) = check_placement_dates(input.starts_on, input.ends_on) {
        errors.push(e.into_violation());
    }
    let weekly = input.weekly_hours.unwrap_or(DEFAULT_WEEKLY_HOURS);
    if let Err(e) = check_weekly_hours(weekly) {
        errors.push(e.into_violation());
    }
    let derogation = input
        .derogation_reason
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let (Some(person), Some(assignment), Some(modality), Some(contract_type), true) = (
        person,
        assignment,
        modality,
        contract_type,
        errors.is_empty(),
    ) else {
        return Err(AppError::Invalid(errors));
    };
    if person.anonymised_at.is_some() {
        return Err(AppError::conflict(Violation::new("", "person_anonymised")));
    }
    let clause = clauses::get(conn, sid, assignment.clause_id)?;
    if clause.status.is_closed() {
        return Err(AppError::conflict(
            Violation::new("", "clause_closed").with("status", clause.status),
        ));
    }
    crate::app::assignments::check_placement_within(
        conn,
        assignment.id,
        input.starts_on,
        input.ends_on,
    )?;
    let history = participants::validations(&participants::eligibility_history(conn, person.id)?);
    let eligibility = valid_on(&history, input.starts_on).cloned();
    if eligibility.is_none() && derogation.is_none() {
        return Err(Violation::new("starts_on", "eligibility_missing")
            .with("on", input.starts_on)
            .into());
    }
    // Two placements of the person checked against the same weekly load take turns.
    crate::lock_rows!(conn, participants, [person.id])?;
    let existing: Vec<PlannedPlacement> = store::of_participant(conn, person.id)?
        .iter()
        .map(|p| PlannedPlacement {
            starts_on: p.starts_on,
            ends_on: p.effective_end(),
            weekly_hours: p.weekly_hours,
        })
        .collect();
    let new_plan = PlannedPlacement {
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        weekly_hours: weekly,
    };
    check_weekly_load(&existing, &new_plan, MAX_WEEKLY_HOURS).map_err(AppError::invalid)?;
    let birth = person
        .birth_date
        // Only anonymisation clears a birth date, and an anonymised person is refused above.
        .ok_or_else(|| {
            tracing::error!("a person that is not anonymised has no birth date");
            AppError::Internal
        })?;
    let contract = contracts::get(conn, sid, clause.contract_id)?;
    let lot_cpv = match clause.lot_number {
        Some(n) => contracts::lots(conn, contract.id)?
            .into_iter()
            .find(|l| l.number == n)
            .and_then(|l| l.cpv_code),
        None => None,
    };
    let new = NewPlacement {
        snapshot: PlacementSnapshot {
            participant_id: person.id.0,
            starts_on: input.starts_on,
            sex: person.sex,
            age_band: age_band(birth, input.starts_on),
            criteria: eligibility
                .as_ref()
                .map(|e| e.criteria.join(","))
                .unwrap_or_default(),
            qualification_level: person.qualification_level,
            qpv: person.qpv,
            modality,
            contract_type,
            sector: sector_of(lot_cpv.as_deref().or(contract.cpv_code.as_deref())),
            buyer_id: contract.buyer_id.0,
            contractor_id: assignment.contractor_id.0,
            clause_kind: clause.kind,
            territory: clause.territory.clone(),
        },
        assignment_id: assignment.id,
        clause_id: clause.id,
        employer_id: input.employer_id,
        job_title: input.job_title.trim().to_string(),
        ends_on: input.ends_on,
        weekly_hours: weekly,
        derogation_reason: derogation,
        eligibility_id: eligibility.as_ref().map(|e| e.id),
        created_by: by.user_id,
    };
    let id = store::create(conn, sid, &new)?;
    person_changed(conn, by.writer(), person.id, "placement created")?;
    store::find(conn, sid, id)?.ok_or(AppError::NotFound("placement"))
}

/// Records the end of a placement and its outcome, inside the caller's transaction.
pub fn record_exit(
    conn: &mut Conn,
    by: &Actor,
    id: PlacementId,
    ended_on: NaiveDate,
    outcome: &str,
) -> AppResult<Placement> {
    let Some(outcome) = ExitOutcome::parse(outcome) else {
        return Err(Violation::new("outcome", "outcome_unknown")
            .with("codes", codes(OUTCOMES).join(", "))
            .into());
    };
    let sid = by.structure_id;
    let p = store::find(conn, sid, id)?.ok_or(AppError::NotFound("placement"))?;
    if p.exit_outcome.is_some() {
        return Err(AppError::conflict(Violation::new(
            "",
            "exit_already_recorded",
        )));
    }
    if ended_on < p.starts_on {
        return Err(Violation::new("ended_on", "ended_before_start")
            .with("starts_on", p.starts_on)
            .into());
    }
    store::set_exit(conn, id, ended_on, outcome)?;
    person_changed(conn, by.writer(), p.participant_id, "placement exit")?;
    store::find(conn, sid, id)?.ok_or(AppError::NotFound("placement"))
}

/// A placement the caller may see (a contractor: of its organisation, as a contractor reads
/// it), else "not found".
pub fn placement_for(
    conn: &mut Conn,
    caller: &Caller,
    id: PlacementId,
) -> AppResult<PlacementView> {
    let p = store::find(conn, caller.structure_id, id)?
        .filter(|p| may_see_placement(caller, p))
        .map(|p| p.as_seen_by(caller.contractor_org()))
        .ok_or(AppError::NotFound("placement"))?;
    store::named(conn, vec![p])?
        .pop()
        .ok_or(AppError::NotFound("placement"))
}

/// A page of the placements the caller may see (as it may read them), and how many there
/// are in all.
pub fn list_placements(
    conn: &mut Conn,
    caller: &Caller,
    participant_id: Option<ParticipantId>,
    assignment_id: Option<AssignmentId>,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<PlacementView>, i64)> {
    let org = caller.contractor_org();
    let (items, total) = store::list(
        conn,
        caller.structure_id,
        org,
        participant_id,
        assignment_id,
        limit,
        offset,
    )?;
    let items = items.into_iter().map(|p| p.as_seen_by(org)).collect();
    Ok((store::named(conn, items)?, total))
}
