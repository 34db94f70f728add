//! Referrals of people to recruitment needs.

use diesel::prelude::*;
use diesel::QueryResult;

use crate::db::schema::{assignments, needs, referrals};
use crate::db::Conn;
use crate::domain::ids::{
    ClauseId, NeedId, OrganisationId, ParticipantId, PlacementId, ReferralId, StructureId, UserId,
};

/// The subquery of `participants_proposed_to`.
type ProposedTo = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::InnerJoin<
            referrals::table,
            diesel::dsl::InnerJoin<needs::table, assignments::table>,
        >,
        diesel::dsl::And<
            diesel::dsl::Eq<assignments::contractor_id, i64>,
            diesel::dsl::NotEq<referrals::state, State>,
        >,
    >,
    referrals::participant_id,
>;

/// A proposal the contractor declined no longer shows it the person.
const DECLINED: State = State::Declined;

/// Ids of the people proposed to one of the organisation's needs and not declined by it,
/// as a subquery.
pub fn participants_proposed_to(org: OrganisationId) -> ProposedTo {
    referrals::table
        .inner_join(needs::table.inner_join(assignments::table))
        .filter(
            assignments::contractor_id
                .eq(org)
                .and(referrals::state.ne(DECLINED)),
        )
        .select(referrals::participant_id)
}

/// Whether the person is proposed to one of the organisation's needs, not declined by it.
pub fn proposed_to_contractor(
    conn: &mut Conn,
    participant_id: ParticipantId,
    org: OrganisationId,
) -> QueryResult<bool> {
    let n: i64 = referrals::table
        .inner_join(needs::table.inner_join(assignments::table))
        .filter(assignments::contractor_id.eq(org))
        .filter(referrals::state.ne(DECLINED))
        .filter(referrals::participant_id.eq(participant_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

use chrono::NaiveDate;
use serde_json::{json, Map};

use crate::db::now;
use crate::db::schema::{clauses, referral_events, users};
use crate::domain::referrals::State;
use crate::domain::vocabulary::HistoryAction;
use crate::store::history::{changes_between, By, HistoryEntry};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = referrals)]
pub struct ReferralRow {
    pub id: ReferralId,
    pub structure_id: StructureId,
    pub need_id: NeedId,
    pub participant_id: ParticipantId,
    pub state: State,
    pub reason: Option<String>,
    pub comment: Option<String>,
    pub placement_id: Option<PlacementId>,
    pub proposed_by: UserId,
    pub proposed_at: chrono::NaiveDateTime,
    pub updated_by: UserId,
    pub updated_at: chrono::NaiveDateTime,
}

/// A referral with the contractor of its need.
#[derive(Debug, Clone)]
pub struct Referral {
    pub row: ReferralRow,
    pub contractor_id: OrganisationId,
}

/// One state change as stored: who, when, what.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = referral_events)]
pub struct EventRow {
    pub id: i64,
    pub referral_id: ReferralId,
    pub state: State,
    pub reason: Option<String>,
    pub comment: Option<String>,
    pub user_id: UserId,
    pub at: chrono::NaiveDateTime,
}

/// The id of the proposal of this person to this need, if any.
pub fn find_existing(
    conn: &mut Conn,
    need_id: NeedId,
    participant_id: ParticipantId,
) -> QueryResult<Option<ReferralId>> {
    referrals::table
        .filter(referrals::need_id.eq(need_id))
        .filter(referrals::participant_id.eq(participant_id))
        .select(referrals::id)
        .first(conn)
        .optional()
}

fn add_event(
    conn: &mut Conn,
    referral_id: ReferralId,
    state: State,
    reason: Option<&str>,
    comment: Option<&str>,
    user_id: UserId,
    at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(referral_events::table)
        .values((
            referral_events::referral_id.eq(referral_id),
            referral_events::state.eq(state),
            referral_events::reason.eq(reason),
            referral_events::comment.eq(comment),
            referral_events::user_id.eq(user_id),
            referral_events::at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a proposal and its first event.
pub fn create(
    conn: &mut Conn,
    structure_id: StructureId,
    need_id: NeedId,
    participant_id: ParticipantId,
    user_id: UserId,
) -> QueryResult<ReferralId> {
    let at = now();
    let id = diesel::insert_into(referrals::table)
        .values((
            referrals::structure_id.eq(structure_id),
            referrals::need_id.eq(need_id),
            referrals::participant_id.eq(participant_id),
            referrals::state.eq(State::Proposed),
            referrals::proposed_by.eq(user_id),
            referrals::proposed_at.eq(at),
            referrals::updated_by.eq(user_id),
            referrals::updated_at.eq(at),
        ))
        .returning(referrals::id)
        .get_result(conn)?;
    add_event(conn, id, State::Proposed, None, None, user_id, at)?;
    Ok(id)
}

/// Moves a referral from `from` to `to` and records the event. Returns false, changing
/// nothing, when the referral is no longer in state `from` (a concurrent answer won).
#[allow(clippy::too_many_arguments)]
pub fn change_state(
    conn: &mut Conn,
    id: ReferralId,
    from: State,
    to: State,
    reason: Option<&str>,
    comment: Option<&str>,
    placement_id: Option<PlacementId>,
    user_id: UserId,
) -> QueryResult<bool> {
    let at = now();
    let n = diesel::update(
        referrals::table
            .filter(referrals::id.eq(id))
            .filter(referrals::state.eq(from)),
    )
    .set((
        referrals::state.eq(to),
        referrals::reason.eq(reason),
        referrals::comment.eq(comment),
        referrals::placement_id.eq(placement_id),
        referrals::updated_by.eq(user_id),
        referrals::updated_at.eq(at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    add_event(conn, id, to, reason, comment, user_id, at)?;
    Ok(true)
}

/// The referral of the structure with the contractor of its need, if any. Who may see it
/// is `auth::records::contractor_sees_referral`.
pub fn find(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ReferralId,
) -> QueryResult<Option<Referral>> {
    let row: Option<(ReferralRow, OrganisationId)> = referrals::table
        .inner_join(needs::table.inner_join(assignments::table))
        .filter(referrals::id.eq(id))
        .filter(referrals::structure_id.eq(structure_id))
        .select((ReferralRow::as_select(), assignments::contractor_id))
        .first(conn)
        .optional()?;
    Ok(row.map(|(row, contractor_id)| Referral { row, contractor_id }))
}

#[allow(clippy::too_many_arguments)]
pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    need_id: Option<NeedId>,
    participant_id: Option<ParticipantId>,
    state: Option<State>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Referral>, i64)> {
    let base = || {
        let mut q = referrals::table
            .inner_join(needs::table.inner_join(assignments::table))
            .filter(referrals::structure_id.eq(structure_id))
            .into_boxed();
        if let Some(org) = contractor {
            q = q.filter(assignments::contractor_id.eq(org));
        }
        if let Some(n) = need_id {
            q = q.filter(referrals::need_id.eq(n));
        }
        if let Some(p) = participant_id {
            q = q.filter(referrals::participant_id.eq(p));
        }
        if let Some(s) = state {
            q = q.filter(referrals::state.eq(s));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let rows: Vec<(ReferralRow, OrganisationId)> = base()
        .order(referrals::id)
        .limit(limit)
        .offset(offset)
        .select((ReferralRow::as_select(), assignments::contractor_id))
        .load(conn)?;
    Ok((
        rows.into_iter()
            .map(|(row, contractor_id)| Referral { row, contractor_id })
            .collect(),
        total,
    ))
}

/// The events of some referrals, in the order they happened.
pub fn events(conn: &mut Conn, referral_ids: &[ReferralId]) -> QueryResult<Vec<EventRow>> {
    let mut out = Vec::new();
    for chunk in referral_ids.chunks(500) {
        out.extend(
            referral_events::table
                .filter(referral_events::referral_id.eq_any(chunk))
                .order((referral_events::at, referral_events::id))
                .select(EventRow::as_select())
                .load(conn)?,
        );
    }
    out.sort_by_key(|e| (e.at, e.id));
    Ok(out)
}

/// The history of some referrals in the one history shape, each referral's lines in the
/// order they happened (see `history_lines`).
pub fn histories(
    conn: &mut Conn,
    referrals: &[(ReferralId, Option<PlacementId>)],
) -> QueryResult<std::collections::HashMap<ReferralId, Vec<HistoryEntry>>> {
    let ids: Vec<ReferralId> = referrals.iter().map(|(id, _)| *id).collect();
    let mut named: Vec<(EventRow, Option<String>, String)> = Vec::new();
    for chunk in ids.chunks(500) {
        named.extend(
            referral_events::table
                .inner_join(users::table.on(users::id.eq(referral_events::user_id)))
                .filter(referral_events::referral_id.eq_any(chunk))
                .select((EventRow::as_select(), users::display_name, users::email))
                .load::<(EventRow, Option<String>, String)>(conn)?,
        );
    }
    named.sort_by_key(|(e, _, _)| (e.at, e.id));
    let mut out = std::collections::HashMap::new();
    for (id, placement_id) in referrals {
        let events = named.iter().filter(|(e, _, _)| e.referral_id == *id).map(
            |(e, display_name, email)| {
                (e, By::user(e.user_id, display_name.clone(), email.clone()))
            },
        );
        out.insert(*id, history_lines(events, *placement_id));
    }
    Ok(out)
}

/// A referral's events, oldest first, as history lines (docs/domain.md, "Proposals"):
/// the proposal is a `create`, each answer an `answer`; the changes are those of the
/// referral's `state`, of its decline `reason` code and, for the hire, of its
/// `placement_id` (null before); the comment written with an answer is the line's `reason`.
pub fn history_lines<'a>(
    events: impl Iterator<Item = (&'a EventRow, By)>,
    placement_id: Option<PlacementId>,
) -> Vec<HistoryEntry> {
    let mut before = Map::new();
    let mut out = Vec::new();
    for (e, by) in events {
        let mut after = Map::new();
        after.insert("state".into(), json!(e.state));
        after.insert("reason".into(), json!(e.reason));
        let hired = e.state == State::Hired;
        let placement = if hired { placement_id } else { None };
        after.insert("placement_id".into(), json!(placement));
        out.push(HistoryEntry {
            at: e.at,
            by,
            action: if out.is_empty() {
                HistoryAction::Create
            } else {
                HistoryAction::Answer
            },
            reason: e.comment.clone(),
            changes: changes_between(&before, &after),
        });
        before = after;
    }
    out
}

/// Every referral of one person with its need's job title (for the timeline), oldest first.
pub fn of_participant(
    conn: &mut Conn,
    participant_id: ParticipantId,
) -> QueryResult<Vec<(Referral, String)>> {
    let rows: Vec<(ReferralRow, OrganisationId, String)> = referrals::table
        .inner_join(needs::table.inner_join(assignments::table))
        .filter(referrals::participant_id.eq(participant_id))
        .order(referrals::id)
        .select((
            ReferralRow::as_select(),
            assignments::contractor_id,
            needs::job_title,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, contractor_id, job)| (Referral { row, contractor_id }, job))
        .collect())
}

/// Hires recorded on a need.
pub fn hires_of_need(conn: &mut Conn, need_id: NeedId) -> QueryResult<i64> {
    referrals::table
        .filter(referrals::need_id.eq(need_id))
        .filter(referrals::state.eq(State::Hired))
        .count()
        .get_result(conn)
}

/// A proposal waiting for the contractor's answer, with what the work list and the
/// `referral_waiting` reminder rule need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub referral_id: ReferralId,
    pub structure_id: StructureId,
    pub need_id: NeedId,
    pub participant_id: ParticipantId,
    pub state: State,
    pub contractor_id: OrganisationId,
    pub clause_id: ClauseId,
    pub referent_id: Option<UserId>,
    pub job_title: String,
    /// The day of the last state change (the proposal, or the interview answer).
    pub since: NaiveDate,
}

impl Waiting {
    /// The fact the reminder rule `domain::reminders::referral_waiting` takes. Its
    /// `proposed_on` is the day of the last change, so that a planned interview without a
    /// final answer is chased as a new wait.
    pub fn to_reminder_fact(&self) -> crate::domain::reminders::Referral {
        crate::domain::reminders::Referral {
            id: self.referral_id.0,
            need_id: self.need_id.0,
            contractor_id: self.contractor_id.0,
            clause_id: self.clause_id.0,
            referent_id: self.referent_id.map(|u| u.0),
            proposed_on: self.since,
            answered: false,
        }
    }
}

type WaitingRow = (
    ReferralId,
    StructureId,
    NeedId,
    ParticipantId,
    State,
    chrono::NaiveDateTime,
    OrganisationId,
    ClauseId,
    Option<UserId>,
    String,
);

/// Proposals still waiting for the contractor's final answer (state `proposed` or
/// `interview`) whose last change is older than `wait_days` days on `today` (see
/// `domain::referrals::is_waiting`), oldest first. `structure_id` None: every structure
/// (the reminder job); the day boundary is the UTC date of the change.
pub fn waiting(
    conn: &mut Conn,
    structure_id: Option<StructureId>,
    today: NaiveDate,
    wait_days: u32,
) -> QueryResult<Vec<Waiting>> {
    // Waiting on `today` when since + wait + 1 <= today, that is since < today - wait.
    let cutoff = crate::domain::calendar::add_days(today, -i64::from(wait_days));
    let cutoff = cutoff.and_hms_opt(0, 0, 0).unwrap_or_default();
    let mut q = referrals::table
        .inner_join(needs::table.inner_join(assignments::table.inner_join(clauses::table)))
        .filter(referrals::state.eq_any([State::Proposed, State::Interview]))
        .filter(referrals::updated_at.lt(cutoff))
        .into_boxed();
    if let Some(sid) = structure_id {
        q = q.filter(referrals::structure_id.eq(sid));
    }
    let rows: Vec<WaitingRow> = q
        .order((referrals::updated_at, referrals::id))
        .select((
            referrals::id,
            referrals::structure_id,
            referrals::need_id,
            referrals::participant_id,
            referrals::state,
            referrals::updated_at,
            assignments::contractor_id,
            assignments::clause_id,
            clauses::referent_id,
            needs::job_title,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, sid, need_id, pid, state, at, contractor_id, clause_id, referent_id, job)| {
                Waiting {
                    referral_id: id,
                    structure_id: sid,
                    need_id,
                    participant_id: pid,
                    state,
                    contractor_id,
                    clause_id,
                    referent_id,
                    job_title: job,
                    since: at.date(),
                }
            },
        )
        .collect())
}

/// The waiting proposals of every structure as the `referral_waiting` reminder rule takes
/// them, for the reminder job to wire.
pub fn waiting_for_reminders(
    conn: &mut Conn,
    today: NaiveDate,
    wait_days: u32,
) -> QueryResult<Vec<crate::domain::reminders::Referral>> {
    Ok(waiting(conn, None, today, wait_days)?
        .iter()
        .map(Waiting::to_reminder_fact)
        .collect())
}

/// One proposal made in a period, with its need's facts, for the referral figures.
pub type ReportRow = (i64, Option<String>, String, State, Option<String>);

/// Proposals made between `from` (included) and `to` (excluded) in a structure:
/// (contractor id, ROME code, job title, state, reason).
pub fn proposals_between(
    conn: &mut Conn,
    structure_id: StructureId,
    from: chrono::NaiveDateTime,
    to: chrono::NaiveDateTime,
) -> QueryResult<Vec<ReportRow>> {
    referrals::table
        .inner_join(needs::table.inner_join(assignments::table))
        .filter(referrals::structure_id.eq(structure_id))
        .filter(referrals::proposed_at.ge(from))
        .filter(referrals::proposed_at.lt(to))
        .select((
            assignments::contractor_id,
            needs::rome_code,
            needs::job_title,
            referrals::state,
            referrals::reason,
        ))
        .load(conn)
}

/// One need created in a period: (contractor id, ROME code, job title, posts).
pub type NeedReportRow = (i64, Option<String>, String, i32);

/// Needs created between `from` (included) and `to` (excluded) in a structure:
/// (contractor id, ROME code, job title, posts).
pub fn needs_between(
    conn: &mut Conn,
    structure_id: StructureId,
    from: chrono::NaiveDateTime,
    to: chrono::NaiveDateTime,
) -> QueryResult<Vec<NeedReportRow>> {
    needs::table
        .inner_join(assignments::table)
        .filter(needs::structure_id.eq(structure_id))
        .filter(needs::created_at.ge(from))
        .filter(needs::created_at.lt(to))
        .select((
            assignments::contractor_id,
            needs::rome_code,
            needs::job_title,
            needs::posts,
        ))
        .load(conn)
}

/// (referral id, participant id, state) of every proposal to a need.
pub fn of_need(
    conn: &mut Conn,
    need_id: NeedId,
) -> QueryResult<Vec<(ReferralId, ParticipantId, State)>> {
    referrals::table
        .filter(referrals::need_id.eq(need_id))
        .order(referrals::id)
        .select((referrals::id, referrals::participant_id, referrals::state))
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn event(id: i64, state: State, reason: Option<&str>, comment: Option<&str>) -> EventRow {
        EventRow {
            id,
            referral_id: ReferralId(7),
            state,
            reason: reason.map(Into::into),
            comment: comment.map(Into::into),
            user_id: UserId(id),
            at: NaiveDate::from_ymd_opt(2026, 3, id as u32)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
        }
    }

    fn by(id: i64) -> By {
        By::user(UserId(id), Some(format!("Personne {id}")), "x@y.fr".into())
    }

    #[test]
    fn a_hire_reads_as_a_proposal_then_answers_changing_state_and_placement() {
        let events = [
            event(1, State::Proposed, None, None),
            event(2, State::Interview, None, Some("Entretien mardi")),
            event(3, State::Hired, None, None),
        ];
        let lines = history_lines(events.iter().map(|e| (e, by(e.id))), Some(PlacementId(40)));
        type Line = (HistoryAction, Vec<(String, Value, Value)>);
        let summary: Vec<Line> = lines
            .iter()
            .map(|l| {
                (
                    l.action,
                    l.changes
                        .iter()
                        .map(|c| (c.field.clone(), c.before.clone(), c.after.clone()))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    HistoryAction::Create,
                    vec![("state".into(), Value::Null, json!("proposed"))]
                ),
                (
                    HistoryAction::Answer,
                    vec![("state".into(), json!("proposed"), json!("interview"))]
                ),
                (
                    HistoryAction::Answer,
                    vec![
                        ("placement_id".into(), Value::Null, json!(40)),
                        ("state".into(), json!("interview"), json!("hired")),
                    ]
                ),
            ]
        );
        assert_eq!(lines[1].reason.as_deref(), Some("Entretien mardi"));
        assert_eq!(lines[0].reason, None);
        assert_eq!(lines[2].by.name, "Personne 3");
    }

    #[test]
    fn a_decline_changes_the_state_and_sets_the_reason_code_with_the_comment_as_reason() {
        let events = [
            event(1, State::Proposed, None, None),
            event(2, State::Declined, Some("other"), Some("Déménage")),
        ];
        let lines = history_lines(events.iter().map(|e| (e, by(e.id))), None);
        let fields: Vec<&str> = lines[1].changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, vec!["reason", "state"]);
        assert_eq!(lines[1].changes[0].after, json!("other"));
        assert_eq!(lines[1].reason.as_deref(), Some("Déménage"));
    }
}
