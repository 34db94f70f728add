//! Withdrawing an eligibility validation entered by mistake
//! (docs/domain.md#eligibility-withdrawal): the validation stays, marked withdrawn with who,
//! when and why, and no longer counts; the person's eligibility follows from the others;
//! each placement that rested on it takes its criteria from the validation that now covers
//! its start day, and a started placement that none covers keeps the withdrawal from
//! happening.

use serde::{Deserialize, Serialize};

use crate::app::participants::{eligibility_summary, EligibilitySummary};
use crate::app::versioned::{check_if_match, claimed, Versioned};
use crate::app::{AppError, AppResult};
use crate::auth::Caller;
use crate::db::{now, write_tx, Conn};
use crate::domain::ids::{ParticipantId, PlacementId};
use crate::domain::limits::FreeText;
use crate::domain::rule::Violation;
use crate::domain::version::{IfMatch, Version};
use crate::domain::vocabulary::HistoryAction;
use crate::domain::withdrawal::{resnapshot, Resnapshot};
use crate::store::contracts::split_codes;
use crate::store::history::{self, changes_between, fields_of, FieldChange, RecordKind};
use crate::store::participants;
use crate::store::withdrawals::{self as store, ValidationOut};

/// Why a validation is withdrawn.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    /// The data-entry error, in a few words: kept in the validation's history.
    pub reason: FreeText,
}

/// A placement whose criteria changed with the withdrawal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Resnapshotted {
    pub placement_id: PlacementId,
    /// The validation it rests on now; null when none covers its start day (a placement not
    /// started yet, or on a derogation).
    pub eligibility_id: Option<i64>,
    pub criteria_before: Vec<String>,
    pub criteria_after: Vec<String>,
}

/// The outcome of a withdrawal.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Withdrawal {
    /// The validation, withdrawn.
    pub validation: ValidationOut,
    /// The person's eligibility today, from the validations that still count.
    pub eligibility: EligibilitySummary,
    /// The placements that rested on it, with their criteria before and after.
    pub placements: Vec<Resnapshotted>,
}

/// A line of a withdrawal's history: by the caller, at `at`, for `reason`.
fn line<'a>(
    (caller, at, reason): (&Caller, chrono::NaiveDateTime, &'a str),
    kind: RecordKind,
    record_id: i64,
    changes: &'a [FieldChange],
) -> history::NewHistoryLine<'a> {
    history::NewHistoryLine {
        structure_id: caller.structure_id,
        kind,
        record_id,
        at,
        by: Some(caller.user_id),
        action: HistoryAction::Withdraw,
        reason: Some(reason),
        changes,
    }
}

/// Withdraws the validation `id` of the person `pid` (staff): 409 when it is withdrawn
/// already, or when a started placement rests on it and no other validation covers that
/// placement's start day (the placements named); 412 on a stale `If-Match`.
pub fn withdraw_eligibility(
    conn: &mut Conn,
    caller: &Caller,
    pid: ParticipantId,
    id: i64,
    input: WithdrawInput,
    if_match: Option<IfMatch>,
) -> AppResult<Versioned<Withdrawal>> {
    let reason = input.reason.trim().to_string();
    if reason.is_empty() {
        return Err(Violation::new("reason", "empty").into());
    }
    let sid = caller.structure_id;
    write_tx(conn, |c| {
        participants::find_in(c, sid, pid)?.ok_or(AppError::NotFound("participant"))?;
        // The person's placements and validations change together: a placement being created
        // at the same moment waits (it locks the person too).
        crate::lock_rows!(c, participants, [pid])?;
        let row = store::find(c, sid, pid, id)?.ok_or(AppError::NotFound("eligibility"))?;
        check_if_match(if_match.as_ref(), Version(row.version))?;
        if let Some(at) = row.withdrawn_at {
            return Err(AppError::conflict(
                Violation::new("", "eligibility_already_withdrawn").with("on", at.date()),
            ));
        }
        let today = now().date();
        let remaining: Vec<_> =
            participants::validations(&participants::eligibility_history(c, pid)?)
                .into_iter()
                .filter(|v| v.id != id)
                .collect();
        let mut moves = Vec::new();
        let mut blocked = Vec::new();
        for p in store::resting_on(c, id)? {
            match resnapshot(
                &remaining,
                p.starts_on,
                today,
                p.derogation_reason.is_some(),
            ) {
                Resnapshot::Blocked => blocked.push(p.id),
                Resnapshot::RestsOn {
                    validation_id,
                    criteria,
                } => moves.push((p, Some(validation_id), criteria)),
                Resnapshot::Cleared => moves.push((p, None, Vec::new())),
            }
        }
        if !blocked.is_empty() {
            let names: Vec<String> = blocked.iter().map(|p| p.to_string()).collect();
            let ids: Vec<i64> = blocked.iter().map(|p| p.0).collect();
            return Err(AppError::Conflict {
                violation: Violation::new("", "eligibility_withdraw_blocked")
                    .with("placements", names.join(", ")),
                extra: vec![("placement_ids", ids.into())],
            });
        }
        claimed(
            crate::claim_version!(c, eligibility_validations, id, Version(row.version))?,
            if_match.as_ref(),
        )?;
        let at = now();
        store::mark_withdrawn(c, id, at, caller.user_id, &reason)?;
        let after = store::find(c, sid, pid, id)?.ok_or(AppError::NotFound("eligibility"))?;
        let changes = changes_between(
            &fields_of(&ValidationOut::from(&row)),
            &fields_of(&ValidationOut::from(&after)),
        );
        let by = (caller, at, reason.as_str());
        history::record(c, line(by, RecordKind::Eligibility, id, &changes))?;
        let mut placements = Vec::new();
        for (p, eligibility_id, criteria) in moves {
            let before = split_codes(&p.criteria);
            store::resnapshot(c, p.id, eligibility_id, &criteria.join(","))?;
            let changed = vec![
                FieldChange {
                    field: "eligibility_id".into(),
                    before: id.into(),
                    after: eligibility_id.into(),
                },
                FieldChange {
                    field: "criteria".into(),
                    before: before.clone().into(),
                    after: criteria.clone().into(),
                },
            ];
            history::record(c, line(by, RecordKind::Placement, p.id.0, &changed))?;
            placements.push(Resnapshotted {
                placement_id: p.id,
                eligibility_id,
                criteria_before: before,
                criteria_after: criteria,
            });
        }
        crate::store::audit::record(
            c,
            sid,
            Some(caller.user_id),
            HistoryAction::Withdraw,
            "participant",
            pid.0,
            "eligibility withdrawn",
        )?;
        let rows = participants::eligibility_history(c, pid)?;
        Ok(Versioned::new(
            Withdrawal {
                validation: ValidationOut::from(&after),
                eligibility: eligibility_summary(&rows, today),
                placements,
            },
            Version(after.version),
        ))
    })
}

/// The history of one eligibility validation of a person (its withdrawal), oldest first.
pub fn validation_history(
    conn: &mut Conn,
    structure_id: crate::domain::ids::StructureId,
    pid: ParticipantId,
    id: i64,
) -> AppResult<Vec<history::HistoryEntry>> {
    store::find(conn, structure_id, pid, id)?.ok_or(AppError::NotFound("eligibility"))?;
    Ok(history::history_of(
        conn,
        structure_id,
        RecordKind::Eligibility,
        id,
    )?)
}
