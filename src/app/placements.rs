//! Placements: placing a person on an assignment (every rule checked, the report snapshot
//! taken), and recording its exit. A referral's hire places through `place_person` too.

use chrono::NaiveDate;

use crate::app::activity::{person_changed, Writer};
use crate::app::error::IntoViolation;
use crate::app::versioned::{check_if_match, claimed, Versioned};
use crate::app::{AppError, AppResult};
use crate::auth::records::may_see_placement;
use crate::auth::Caller;
use crate::db::write_tx;
use crate::db::Conn;
use crate::domain::catalogue::{codes, CONTRACT_TYPES, MODALITIES, OUTCOMES};
use crate::domain::corrections::{months_outside, patch_date};
use crate::domain::eligibility::{
    age_band, check_placement_dates, check_weekly_hours, check_weekly_load, valid_on,
    PlannedPlacement, MAX_WEEKLY_HOURS,
};
use crate::domain::hours::{EntryFigures, EntryStatus};
use crate::domain::ids::{
    AssignmentId, OrganisationId, ParticipantId, PlacementId, StructureId, UserId,
};
use crate::domain::limits::{Code, Label};
use crate::domain::patch::{apply, not_null, present, Patch};
use crate::domain::rule::Violation;
use crate::domain::units::Hundredths;
use crate::domain::version::{IfMatch, Version};
use crate::domain::vocabulary::HistoryAction;
use crate::domain::vocabulary::{ContractType, ExitOutcome, Modality};
use crate::store::history::{
    self, changes_between, fields_of, HistoryEntry, NewHistoryLine, RecordKind,
};
use crate::store::placements::{
    self as store, NewPlacement, Placement, PlacementSnapshot, PlacementView,
};
use crate::store::{clauses, contracts, hours, organisations, participants};
use serde::Deserialize;

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

/// The fields of a placement whose rules a creation and a correction share.
struct OwnFields<'a> {
    employer_id: OrganisationId,
    contract_type: &'a str,
    job_title: &'a str,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    weekly_hours: i64,
}

/// Checks the rules of a placement's own fields, adding each broken one to `errors`; the
/// contract type when it is known.
fn check_own_fields(
    conn: &mut Conn,
    sid: StructureId,
    f: &OwnFields<'_>,
    errors: &mut Vec<Violation>,
) -> AppResult<Option<ContractType>> {
    let contract_type = ContractType::parse(f.contract_type);
    if contract_type.is_none() {
        errors.push(
            Violation::new("contract_type", "contract_type_unknown")
                .with("codes", codes(CONTRACT_TYPES).join(", ")),
        );
    }
    match organisations::find(conn, sid, f.employer_id)? {
        Some(o) if o.kind.delivers_hours() => {}
        _ => errors.push(Violation::new("employer_id", "employer_not_eligible")),
    }
    if f.job_title.trim().is_empty() {
        errors.push(Violation::new("job_title", "job_title_empty"));
    }
    if let Err(e) = check_placement_dates(f.starts_on, f.ends_on) {
        errors.push(e.into_violation());
    }
    if let Err(e) = check_weekly_hours(f.weekly_hours) {
        errors.push(e.into_violation());
    }
    Ok(contract_type)
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
    let weekly = input.weekly_hours.unwrap_or(DEFAULT_WEEKLY_HOURS);
    let contract_type = check_own_fields(
        conn,
        sid,
        &OwnFields {
            employer_id: input.employer_id,
            contract_type: &input.contract_type,
            job_title: &input.job_title,
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            weekly_hours: weekly,
        },
        &mut errors,
    )?;
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
    refuse_cancelled(&p)?;
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

/// A placement with the person, organisations and clause named beside their ids.
pub fn placement_view(conn: &mut Conn, p: Placement) -> AppResult<PlacementView> {
    store::named(conn, vec![p])?
        .pop()
        .ok_or(AppError::NotFound("placement"))
}

/// A placement the caller may see (a contractor: of its organisation, as a contractor reads
/// it), with its version, else "not found".
pub fn placement_for(
    conn: &mut Conn,
    caller: &Caller,
    id: PlacementId,
) -> AppResult<Versioned<PlacementView>> {
    let p = store::find(conn, caller.structure_id, id)?
        .filter(|p| may_see_placement(caller, p))
        .map(|p| p.as_seen_by(caller.contractor_org()))
        .ok_or(AppError::NotFound("placement"))?;
    let version = Version(p.version);
    Ok(Versioned::new(placement_view(conn, p)?, version))
}

/// A cancelled placement takes no more writes (409 `placement_cancelled`).
fn refuse_cancelled(p: &Placement) -> AppResult<()> {
    match p.cancelled_at {
        Some(_) => Err(AppError::conflict(Violation::new(
            "",
            "placement_cancelled",
        ))),
        None => Ok(()),
    }
}

/// A correction of a placement (`PATCH`, merge semantics): its dates, weekly hours, job
/// title, contract type and employer, and its exit (`ended_on` and `outcome`, together;
/// both `null` removes the exit).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementPatch {
    #[serde(default, deserialize_with = "patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub starts_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<f64>)]
    pub weekly_hours: Patch<Hundredths>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub job_title: Patch<Label>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ContractType>)]
    pub contract_type: Patch<Code>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub employer_id: Patch<OrganisationId>,
    /// The exit date (also accepted as `exit_on`).
    #[serde(default, alias = "exit_on", deserialize_with = "patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ended_on: Patch<NaiveDate>,
    /// The exit outcome (also accepted as `exit_outcome`).
    #[serde(default, alias = "exit_outcome", deserialize_with = "present")]
    #[schema(value_type = Option<ExitOutcome>)]
    pub outcome: Patch<Code>,
}

/// A field of a patch that cannot be cleared: its new value, or the current one; cleared,
/// the violation `required` is collected.
fn kept<T>(errors: &mut Vec<Violation>, field: &str, patch: Patch<T>, current: T) -> T {
    match not_null(field, patch) {
        Ok(v) => v.unwrap_or(current),
        Err(e) => {
            errors.push(e);
            current
        }
    }
}

/// Corrects a placement: the rules of creation hold on the corrected placement (its own
/// fields, eligibility on the start day, the person's weekly load, and every month of
/// hours inside the new dates); new dates or contract type re-snapshot it and its yearly
/// totals. `If-Match` checked, the version raised, the history written.
pub fn correct_placement(
    conn: &mut Conn,
    by: &Actor,
    id: PlacementId,
    patch: PlacementPatch,
    if_match: Option<IfMatch>,
) -> AppResult<Versioned<PlacementView>> {
    let sid = by.structure_id;
    write_tx(conn, |c| {
        let p = store::find(c, sid, id)?.ok_or(AppError::NotFound("placement"))?;
        check_if_match(if_match.as_ref(), Version(p.version))?;
        refuse_cancelled(&p)?;
        // Takes turns with the person's hour reports and decisions, which lock the person
        // too: the months reported and the yearly totals read here stay as read until the
        // commit, and a total created meanwhile cannot keep the former snapshot.
        crate::lock_rows!(c, participants, [p.participant_id])?;
        let mut errors = Vec::new();
        let starts_on = kept(&mut errors, "starts_on", patch.starts_on, p.starts_on);
        let ends_on = apply(p.ends_on, patch.ends_on);
        let weekly = kept(
            &mut errors,
            "weekly_hours",
            patch.weekly_hours.map(|h| h.map(|h| h.0)),
            p.weekly_hours,
        );
        let job_title = kept(
            &mut errors,
            "job_title",
            patch.job_title.map(|t| t.map(String::from)),
            p.job_title.clone(),
        );
        let contract_type_code = kept(
            &mut errors,
            "contract_type",
            patch.contract_type.map(|t| t.map(String::from)),
            p.contract_type.as_str().to_string(),
        );
        let employer_id = kept(&mut errors, "employer_id", patch.employer_id, p.employer_id);
        let ended_on = apply(p.exit_on, patch.ended_on);
        let outcome_code = apply(
            p.exit_outcome.map(|o| o.as_str().to_string()),
            patch.outcome.map(|o| o.map(String::from)),
        );
        let contract_type = check_own_fields(
            c,
            sid,
            &OwnFields {
                employer_id,
                contract_type: &contract_type_code,
                job_title: &job_title,
                starts_on,
                ends_on,
                weekly_hours: weekly,
            },
            &mut errors,
        )?;
        let outcome = match &outcome_code {
            Some(code) => {
                let o = ExitOutcome::parse(code);
                if o.is_none() {
                    errors.push(
                        Violation::new("outcome", "outcome_unknown")
                            .with("codes", codes(OUTCOMES).join(", ")),
                    );
                }
                o
            }
            None => None,
        };
        match (ended_on, &outcome_code) {
            (Some(_), None) => errors.push(Violation::new("outcome", "required")),
            (None, Some(_)) => errors.push(Violation::new("ended_on", "required")),
            _ => {}
        }
        if let Some(end) = ended_on {
            if end < starts_on {
                errors.push(
                    Violation::new("ended_on", "ended_before_start").with("starts_on", starts_on),
                );
            }
        }
        let (Some(contract_type), true) = (contract_type, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let person = participants::get(c, sid, p.participant_id)?;
        if person.anonymised_at.is_some() {
            return Err(AppError::conflict(Violation::new("", "person_anonymised")));
        }
        // The eligibility on the (new) first day, unless a derogation stands.
        let mut eligibility_id = p.eligibility_id;
        let mut criteria = p.criteria.clone();
        if starts_on != p.starts_on {
            let history =
                participants::validations(&participants::eligibility_history(c, person.id)?);
            match valid_on(&history, starts_on) {
                Some(e) => {
                    eligibility_id = Some(e.id);
                    criteria = e.criteria.join(",");
                }
                None if p.derogation_reason.as_ref().is_some_and(Option::is_some) => {
                    eligibility_id = None;
                    criteria = String::new();
                }
                None => {
                    return Err(Violation::new("starts_on", "eligibility_missing")
                        .with("on", starts_on)
                        .into())
                }
            }
        }
        // Every month of hours stays inside the new dates.
        let last_day = ended_on.or(ends_on);
        let outside = months_outside(
            &store::months_with_hours(c, id, false)?,
            starts_on,
            last_day,
        );
        if !outside.is_empty() {
            let field = if outside
                .iter()
                .any(|m| m.last_day().is_some_and(|d| d < starts_on))
            {
                "starts_on"
            } else if ended_on.is_some() {
                "ended_on"
            } else {
                "ends_on"
            };
            let months: Vec<String> = outside.iter().map(ToString::to_string).collect();
            return Err(Violation::new(field, "hours_outside_new_dates")
                .with("months", months.join(", "))
                .into());
        }
        // The person's weekly load, against their other placements.
        crate::lock_rows!(c, participants, [person.id])?;
        let others: Vec<PlannedPlacement> = store::of_participant(c, person.id)?
            .iter()
            .filter(|o| o.id != id)
            .map(|o| PlannedPlacement {
                starts_on: o.starts_on,
                ends_on: o.effective_end(),
                weekly_hours: o.weekly_hours,
            })
            .collect();
        let plan = PlannedPlacement {
            starts_on,
            ends_on: last_day,
            weekly_hours: weekly,
        };
        check_weekly_load(&others, &plan, MAX_WEEKLY_HOURS).map_err(AppError::invalid)?;
        let birth = person.birth_date.ok_or(AppError::Internal)?;
        let snapshot = PlacementSnapshot {
            starts_on,
            contract_type,
            age_band: age_band(birth, starts_on),
            criteria,
            ..p.snapshot()
        };
        let version = Version(p.version);
        let before = placement_view(c, p.clone())?;
        let corrected = store::CorrectedPlacement {
            employer_id,
            job_title: job_title.trim().to_string(),
            ends_on,
            weekly_hours: weekly,
            eligibility_id,
            exit_on: ended_on,
            exit_outcome: outcome,
        };
        store::correct(c, id, &corrected)?;
        if snapshot != p.snapshot() {
            store::write_snapshot(c, id, &snapshot)?;
        }
        let after_row = store::find(c, sid, id)?.ok_or(AppError::NotFound("placement"))?;
        let after = placement_view(c, after_row)?;
        let changes = changes_between(&fields_of(&before), &fields_of(&after));
        if changes.is_empty() {
            return Ok(Versioned::new(after, version));
        }
        claimed(
            crate::claim_version!(c, placements, id, version)?,
            if_match.as_ref(),
        )?;
        history::record(
            c,
            NewHistoryLine {
                structure_id: sid,
                kind: RecordKind::Placement,
                record_id: id.0,
                at: crate::db::now(),
                by: Some(by.user_id),
                action: HistoryAction::Correct,
                reason: None,
                changes: &changes,
            },
        )?;
        person_changed(c, by.writer(), person.id, "placement corrected")?;
        let row = store::find(c, sid, id)?.ok_or(AppError::NotFound("placement"))?;
        let version = Version(row.version);
        Ok(Versioned::new(placement_view(c, row)?, version))
    })
}

/// Cancels a placement entered by mistake: refused once it has validated hours (409
/// `placement_has_validated_hours`, naming the months); its hours waiting for validation
/// are rejected with the reason, and it counts nowhere any more. The reason is required
/// and kept in the placement's history.
pub fn cancel_placement(
    conn: &mut Conn,
    by: &Actor,
    id: PlacementId,
    reason: &str,
    if_match: Option<IfMatch>,
) -> AppResult<Versioned<PlacementView>> {
    let sid = by.structure_id;
    let reason = reason.trim().to_string();
    write_tx(conn, |c| {
        let p = store::find(c, sid, id)?.ok_or(AppError::NotFound("placement"))?;
        check_if_match(if_match.as_ref(), Version(p.version))?;
        refuse_cancelled(&p)?;
        if reason.is_empty() {
            return Err(Violation::new("reason", "required").into());
        }
        let validated = store::months_with_hours(c, id, true)?;
        if !validated.is_empty() {
            let mut months: Vec<String> = validated.iter().map(ToString::to_string).collect();
            months.dedup();
            return Err(AppError::conflict(
                Violation::new("", "placement_has_validated_hours")
                    .with("months", months.join(", ")),
            ));
        }
        let version = Version(p.version);
        claimed(
            crate::claim_version!(c, placements, id, version)?,
            if_match.as_ref(),
        )?;
        let at = crate::db::now();
        let before = placement_view(c, p.clone())?;
        store::cancel(c, id, at)?;
        for e in store::submitted_entries(c, id)? {
            let figures = e.figures();
            hours::reject(c, e.id, Some(&reason))?;
            hours::add_to_assignment_month(
                c,
                p.assignment_id,
                e.month,
                hours::MonthDelta {
                    pending: -figures.pending(),
                    waiting: -figures.waiting(),
                    reported: -figures.reported(),
                    ..Default::default()
                },
            )?;
            let after = EntryFigures {
                status: EntryStatus::Rejected,
                ..figures
            };
            hours::write_history(
                c,
                by.user_id,
                at,
                &[hours::NewChange {
                    entry_id: e.id,
                    before: Some(figures.snapshot()),
                    after: after.snapshot(),
                    action: HistoryAction::Reject,
                    reason: Some(&reason),
                }],
            )?;
        }
        let row = store::find(c, sid, id)?.ok_or(AppError::NotFound("placement"))?;
        let version = Version(row.version);
        let after = placement_view(c, row)?;
        let changes = changes_between(&fields_of(&before), &fields_of(&after));
        history::record(
            c,
            NewHistoryLine {
                structure_id: sid,
                kind: RecordKind::Placement,
                record_id: id.0,
                at,
                by: Some(by.user_id),
                action: HistoryAction::Cancel,
                reason: Some(&reason),
                changes: &changes,
            },
        )?;
        person_changed(c, by.writer(), p.participant_id, "placement cancelled")?;
        Ok(Versioned::new(after, version))
    })
}

/// The history of a placement's corrections and cancellation (staff).
pub fn placement_history(
    conn: &mut Conn,
    structure_id: StructureId,
    id: PlacementId,
) -> AppResult<Vec<HistoryEntry>> {
    store::find(conn, structure_id, id)?.ok_or(AppError::NotFound("placement"))?;
    Ok(history::history_of(
        conn,
        structure_id,
        RecordKind::Placement,
        id.0,
    )?)
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
