//! Use cases of milestones (the execution calendar of a clause), of the outbox of reminder
//! emails (notifications) and of each user's reminder preferences.

use chrono::NaiveDate;

use crate::app::{AppError, AppResult};
use crate::auth::records;
use crate::db::{write_tx, Conn};
use crate::domain::calendar::local_date_time;
use crate::domain::ids::{ClauseId, OrganisationId, StructureId, UserId};
use crate::domain::limits;
use crate::domain::rule::Violation;
use crate::domain::vocabulary::OutboxStatus;
use crate::reminders::collect::clause_time_zone;
use crate::store::clauses::{self, Clause};
use crate::store::milestones::{self, MilestoneView};
use crate::store::outbox::{self, OutboxRow};
use crate::store::reminders as prefs;

/// Today in the clause's territory, on the clock of the unit of work (`Db::run`).
fn local_today(clause: &Clause) -> NaiveDate {
    let now = crate::clock::Clock::current().now();
    local_date_time(now, clause_time_zone(clause)).date()
}

fn clause(conn: &mut Conn, structure_id: StructureId, id: ClauseId) -> AppResult<Clause> {
    clauses::find(conn, structure_id, id)?.ok_or(AppError::NotFound("clause"))
}

fn one_milestone(conn: &mut Conn, clause: &Clause, id: i64) -> AppResult<MilestoneView> {
    milestones::one(conn, clause, id, local_today(clause))?.ok_or(AppError::NotFound("milestone"))
}

/// One page of the milestones of a clause the caller may see, with their state on `on`
/// (default: today in the clause's territory), and how many the clause has.
pub fn list_milestones(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    id: ClauseId,
    on: Option<NaiveDate>,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<MilestoneView>, i64)> {
    let clause = records::visible_clause(conn, structure_id, id, contractor)?;
    let today = on.unwrap_or_else(|| local_today(&clause));
    Ok(milestones::list(conn, &clause, today, limit, offset)?)
}

/// A milestone added by hand, checked.
pub struct NewManualMilestone {
    pub kind: String,
    pub label: String,
    pub due_on: NaiveDate,
}

/// Checks a milestone added by hand: a short code (default `manual`), a label of 1 to 200
/// characters, a due date within the accepted range (the first refusal only).
pub fn check_manual_milestone(
    kind: Option<&str>,
    label: &str,
    due_on: &str,
) -> AppResult<NewManualMilestone> {
    let kind = kind.unwrap_or("manual").trim().to_string();
    if kind.is_empty()
        || kind.len() > 40
        || !kind
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(AppError::invalid(Violation::new(
            "kind",
            "milestone_kind_malformed",
        )));
    }
    let label = label.trim().to_string();
    if label.is_empty() || label.chars().count() > 200 {
        return Err(AppError::invalid(
            Violation::new("label", "label_length").with("max", 200),
        ));
    }
    let due_on = NaiveDate::parse_from_str(due_on, "%Y-%m-%d")
        .map_err(|_| AppError::invalid(Violation::new("due_on", "date_malformed")))?;
    if limits::date_out_of_range(due_on).is_some() {
        return Err(AppError::invalid(
            Violation::new("due_on", "date_out_of_range")
                .with("min", limits::MIN_DATE)
                .with("max", limits::MAX_DATE),
        ));
    }
    Ok(NewManualMilestone {
        kind,
        label,
        due_on,
    })
}

/// Adds a milestone by hand to a clause of the structure.
pub fn add_milestone(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ClauseId,
    m: NewManualMilestone,
) -> AppResult<MilestoneView> {
    write_tx(conn, |c| {
        let clause = clause(c, structure_id, id)?;
        let mid = milestones::add_manual(c, &clause, &m.kind, &m.label, m.due_on)?;
        one_milestone(c, &clause, mid)
    })
}

/// Marks a milestone of the structure done (kept if already done).
pub fn mark_milestone_done(
    conn: &mut Conn,
    structure_id: StructureId,
    id: i64,
) -> AppResult<MilestoneView> {
    write_tx(conn, |c| {
        let m = milestones::find(c, structure_id, id)?.ok_or(AppError::NotFound("milestone"))?;
        milestones::mark_done(c, id)?;
        let clause = clause(c, structure_id, m.clause_id)?;
        one_milestone(c, &clause, id)
    })
}

/// One page of the structure's notifications, optionally of one status.
pub fn list_notifications(
    conn: &mut Conn,
    structure_id: StructureId,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<OutboxRow>, i64)> {
    let status = match status {
        Some(code) => Some(OutboxStatus::parse(code).ok_or_else(|| {
            AppError::invalid(Violation::new("status", "notification_status_unknown"))
        })?),
        None => None,
    };
    Ok(outbox::list(conn, structure_id, status, limit, offset)?)
}

/// Puts a failed notification back in the queue with a fresh count of attempts: the next
/// job run sends it. Anything but a failed notification is a conflict.
pub fn retry_notification(
    conn: &mut Conn,
    structure_id: StructureId,
    id: i64,
) -> AppResult<OutboxRow> {
    write_tx(conn, |c| {
        let row = outbox::find(c, structure_id, id)?.ok_or(AppError::NotFound("notification"))?;
        if row.status != OutboxStatus::Failed {
            return Err(AppError::conflict(
                Violation::new("", "notification_not_failed").with("status", row.status),
            ));
        }
        outbox::requeue(c, id)?;
        outbox::find(c, structure_id, id)?.ok_or(AppError::NotFound("notification"))
    })
}

/// Whether the user turned optional reminders off.
pub fn optional_reminders_off(conn: &mut Conn, user_id: UserId) -> AppResult<bool> {
    Ok(prefs::optional_off(conn, user_id)?)
}

/// Turns the user's optional reminders off or on.
pub fn set_optional_reminders_off(conn: &mut Conn, user_id: UserId, off: bool) -> AppResult<()> {
    write_tx(conn, |c| Ok(prefs::set_optional_off(c, user_id, off)?))
}
