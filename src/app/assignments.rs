//! Use cases of one assignment (docs/domain.md#assignments): read it with its version,
//! correct its target, hand it over to another contractor on an end day, delete it while
//! nothing rests on it, and read its history. Creating one is `app::clauses::assign_hours`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::app::versioned::{check_if_match, claimed, Versioned};
use crate::app::{AppError, AppResult};
use crate::auth::records::contractor_sees_assignment;
use crate::auth::Caller;
use crate::db::{now, write_tx, Conn};
use crate::domain::assignments::{
    check_end_in_clause, check_within_assignment, handed_over_targets, open_after,
};
use crate::domain::ids::{AssignmentId, OrganisationId, StructureId};
use crate::domain::limits;
use crate::domain::patch::{not_null, Patch};
use crate::domain::rule::Violation;
use crate::domain::units::Hundredths;
use crate::domain::version::{IfMatch, Version};
use crate::domain::vocabulary::HistoryAction;
use crate::store::assignments::{self as store, AssignmentOut, AssignmentRow};
use crate::store::history::{
    self, changes_between, fields_of, FieldChange, HistoryEntry, RecordKind,
};
use crate::store::{clauses, organisations};

/// A correction of an assignment's target (JSON merge patch).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentPatch {
    /// The hours given to the contractor: more than 0; all the assignments of the clause
    /// total at most its required hours.
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<Hundredths>)]
    pub hours_target: Patch<Hundredths>,
}

/// The hand-over of an assignment to another contractor.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceInput {
    /// The contractor (or insertion structure) taking over.
    pub contractor_id: OrganisationId,
    /// The last day of the assignment handed over, within the clause's dates.
    #[serde(deserialize_with = "limits::date")]
    pub ends_on: NaiveDate,
    /// The new assignment's target; by default what the old one had left to do (its target
    /// less its validated hours).
    pub hours_target: Option<Hundredths>,
}

/// An assignment handed over: the one that ended and the one that takes over.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Replacement {
    /// The assignment handed over: ended, its target now its validated hours.
    pub ended: AssignmentOut,
    /// The new contractor's assignment, same role, on the same clause.
    pub replacement: AssignmentOut,
}

/// The assignment of the structure and its contractor's name, or not found.
fn get(
    conn: &mut Conn,
    structure_id: StructureId,
    id: AssignmentId,
) -> AppResult<(AssignmentRow, String)> {
    store::find_named(conn, structure_id, id)?.ok_or(AppError::NotFound("assignment"))
}

fn versioned(row: &AssignmentRow, name: String) -> Versioned<AssignmentOut> {
    Versioned::new(store::out(row, name), Version(row.version))
}

/// One assignment with its version: staff of its structure; a contractor its own only.
pub fn assignment_for(
    conn: &mut Conn,
    caller: &Caller,
    id: AssignmentId,
) -> AppResult<Versioned<AssignmentOut>> {
    let (row, name) = get(conn, caller.structure_id, id)?;
    if !contractor_sees_assignment(caller.contractor_org(), row.contractor_id) {
        return Err(AppError::NotFound("assignment"));
    }
    Ok(versioned(&row, name))
}

/// The assignment read for a write: locked behind its clause (the clause's total rule is
/// checked under that lock, as when assignments are created), and the caller's `If-Match`.
fn read_for_write(
    c: &mut Conn,
    sid: StructureId,
    id: AssignmentId,
    if_match: Option<&IfMatch>,
) -> AppResult<(AssignmentRow, String, clauses::Clause)> {
    let (first, _) = get(c, sid, id)?;
    crate::lock_rows!(c, clauses, [first.clause_id])?;
    let (row, name) = get(c, sid, id)?;
    check_if_match(if_match, Version(row.version))?;
    let clause = clauses::get(c, sid, row.clause_id)?;
    Ok((row, name, clause))
}

/// A line of the assignment's history, in the caller's name.
fn write_history(
    c: &mut Conn,
    caller: &Caller,
    id: AssignmentId,
    action: HistoryAction,
    changes: &[FieldChange],
) -> AppResult<()> {
    history::record(
        c,
        history::NewHistoryLine {
            structure_id: caller.structure_id,
            kind: RecordKind::Assignment,
            record_id: id.0,
            at: now(),
            by: Some(caller.user_id),
            action,
            reason: None,
            changes,
        },
    )?;
    Ok(())
}

/// Corrects an assignment's target: more than 0, and the clause's targets together within
/// its required hours (`above_clause_hours`).
pub fn correct_assignment(
    conn: &mut Conn,
    caller: &Caller,
    id: AssignmentId,
    patch: AssignmentPatch,
    if_match: Option<IfMatch>,
) -> AppResult<Versioned<AssignmentOut>> {
    let target = not_null("hours_target", patch.hours_target)?;
    write_tx(conn, |c| {
        let (row, name, clause) = read_for_write(c, caller.structure_id, id, if_match.as_ref())?;
        let Some(target) = target.map(|t| t.0).filter(|t| *t != row.hours_target) else {
            return Ok(versioned(&row, name));
        };
        let others = store::others_targets(c, row.clause_id, id)?;
        crate::domain::clause_kinds::check_assignment_target(
            clause.hour_target,
            target,
            others,
            clause.required_hours,
        )?;
        claimed(
            crate::claim_version!(c, assignments, id, Version(row.version))?,
            if_match.as_ref(),
        )?;
        store::set_target(c, id, target)?;
        let before = store::out(&row, name.clone());
        let (after_row, after_name) = get(c, caller.structure_id, id)?;
        let after = store::out(&after_row, after_name);
        let changes = changes_between(&fields_of(&before), &fields_of(&after));
        write_history(c, caller, id, HistoryAction::Correct, &changes)?;
        Ok(versioned(&after_row, after.contractor_name))
    })
}

/// Hands an assignment over to another contractor: the old one ends on `ends_on` (within the
/// clause's dates; none of its placements may run after it) keeping its placements, its
/// hours and, as its target, its validated hours; the new one, same role, takes the given
/// target or what the old one had left to do. The clause's targets stay within its hours.
/// Answers both, the old one's version first (its `ETag`).
pub fn replace_assignment(
    conn: &mut Conn,
    caller: &Caller,
    id: AssignmentId,
    input: ReplaceInput,
    if_match: Option<IfMatch>,
) -> AppResult<Versioned<Replacement>> {
    let sid = caller.structure_id;
    write_tx(conn, |c| {
        let (row, name, clause) = read_for_write(c, sid, id, if_match.as_ref())?;
        if let Some(ended) = row.ends_on {
            return Err(AppError::conflict(
                Violation::new("", "assignment_already_ended").with("ends_on", ended),
            ));
        }
        if clause.status.is_closed() {
            return Err(AppError::conflict(
                Violation::new("", "clause_closed").with("status", clause.status),
            ));
        }
        let mut errors = Vec::new();
        match organisations::find(c, sid, input.contractor_id)? {
            Some(o) if o.kind.delivers_hours() => {}
            _ => errors.push(Violation::new(
                "contractor_id",
                "organisation_not_contractor",
            )),
        }
        if let Err(v) = check_end_in_clause(input.ends_on, clause.starts_on, clause.ends_on) {
            errors.push(v);
        }
        let validated = store::validated_hours(c, id)?;
        let (kept, handed) =
            handed_over_targets(row.hours_target, validated, input.hours_target.map(|h| h.0));
        let others = store::others_targets(c, row.clause_id, id)?;
        if let Err(v) = crate::domain::clause_kinds::check_assignment_target(
            clause.hour_target,
            handed,
            others + kept,
            clause.required_hours,
        ) {
            errors.push(v);
        }
        if let Some(basis) = crate::app::clauses::reservation_of(&clause) {
            if let Some(v) = crate::app::clauses::holder_refusal(
                c,
                sid,
                basis,
                input.contractor_id,
                "contractor_id",
            )? {
                errors.push(v);
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        if clauses::assignments_of(c, row.clause_id)?
            .iter()
            .any(|a| a.contractor_id == input.contractor_id)
        {
            return Err(AppError::conflict(Violation::new(
                "contractor_id",
                "assignment_exists",
            )));
        }
        let open = open_after(input.ends_on, &store::placement_spans(c, id)?);
        if !open.is_empty() {
            let ids: Vec<String> = open.iter().map(i64::to_string).collect();
            return Err(AppError::Conflict {
                violation: Violation::new("ends_on", "assignment_open_placements")
                    .with("placements", ids.join(", "))
                    .with("ends_on", input.ends_on),
                extra: vec![("placement_ids", open.into())],
            });
        }
        claimed(
            crate::claim_version!(c, assignments, id, Version(row.version))?,
            if_match.as_ref(),
        )?;
        store::end(c, id, input.ends_on, kept)?;
        let new_id =
            clauses::add_assignment(c, sid, row.clause_id, input.contractor_id, row.role, handed)?;
        let before = store::out(&row, name);
        let (ended_row, ended_name) = get(c, sid, id)?;
        let ended = store::out(&ended_row, ended_name);
        let (new_row, new_name) = get(c, sid, new_id)?;
        let replacement = store::out(&new_row, new_name);
        let mut changes = changes_between(&fields_of(&before), &fields_of(&ended));
        changes.push(FieldChange {
            field: "replacement_id".into(),
            before: serde_json::Value::Null,
            after: new_id.0.into(),
        });
        write_history(c, caller, id, HistoryAction::HandOver, &changes)?;
        let mut created = changes_between(&serde_json::Map::new(), &fields_of(&replacement));
        created.push(FieldChange {
            field: "replaces_id".into(),
            before: serde_json::Value::Null,
            after: id.0.into(),
        });
        write_history(c, caller, new_id, HistoryAction::Create, &created)?;
        Ok(Versioned::new(
            Replacement { ended, replacement },
            Version(ended_row.version),
        ))
    })
}

/// Deletes an assignment on which nothing rests: no placement (`assignment_has_placements`)
/// and no recruitment need (`assignment_has_needs`). Its history keeps the deletion.
pub fn delete_assignment(
    conn: &mut Conn,
    caller: &Caller,
    id: AssignmentId,
    if_match: Option<IfMatch>,
) -> AppResult<()> {
    write_tx(conn, |c| {
        let (row, name, _) = read_for_write(c, caller.structure_id, id, if_match.as_ref())?;
        let placements = store::placement_spans(c, id)?.len();
        if placements > 0 {
            return Err(AppError::conflict(
                Violation::new("", "assignment_has_placements").with("count", placements),
            ));
        }
        let needs = store::need_count(c, id)?;
        if needs > 0 {
            return Err(AppError::conflict(
                Violation::new("", "assignment_has_needs").with("count", needs),
            ));
        }
        claimed(
            crate::claim_version!(c, assignments, id, Version(row.version))?,
            if_match.as_ref(),
        )?;
        let before = store::out(&row, name);
        let changes = changes_between(&fields_of(&before), &serde_json::Map::new());
        write_history(c, caller, id, HistoryAction::Delete, &changes)?;
        store::delete(c, id)?;
        Ok(())
    })
}

/// The history of an assignment of the structure, oldest first.
pub fn assignment_history(
    conn: &mut Conn,
    structure_id: StructureId,
    id: AssignmentId,
) -> AppResult<Vec<HistoryEntry>> {
    get(conn, structure_id, id)?;
    Ok(history::history_of(
        conn,
        structure_id,
        RecordKind::Assignment,
        id.0,
    )?)
}

/// The rule a new placement meets on an assignment that was handed over: it runs within the
/// assignment's end (`assignment_ended`). Called where placements are created.
pub fn check_placement_within(
    conn: &mut Conn,
    assignment_id: AssignmentId,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
) -> AppResult<()> {
    let end = store::end_of(conn, assignment_id)?;
    check_within_assignment(end, starts_on, ends_on).map_err(AppError::invalid)
}
