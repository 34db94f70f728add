//! Follow-ups after an exit (docs/domain.md#follow-up-after-exit): recording the situation
//! of a person 6 (or 12) months after leaving a placement, the list of those due, and the
//! structure's 12-month setting. Staff of the structure only; the API and the pages call
//! the same functions.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::app::activity::person_changed;
use crate::app::placements::Actor;
use crate::app::versioned::{check_if_match, claimed, Versioned};
use crate::app::{AppError, AppResult};
use crate::db::{write_tx, Conn};
use crate::domain::catalogue::codes;
use crate::domain::corrections::patch_date;
use crate::domain::follow_ups::{due_on, Situation, Source, MONTHS, SITUATIONS, SOURCES};
use crate::domain::ids::{FollowUpId, ParticipantId, PlacementId, StructureId, UserId};
use crate::domain::limits::Code;
use crate::domain::patch::{not_null, Patch};
use crate::domain::rule::Violation;
use crate::domain::version::{IfMatch, Version};
use crate::domain::vocabulary::HistoryAction;
use crate::store::follow_ups::{self as store, FollowUpRow, NewFollowUp};
use crate::store::history::{
    self, changes_between, fields_of, HistoryEntry, NewHistoryLine, RecordKind,
};
use crate::store::names::person_name;
use crate::store::{audit, placements};

/// What a follow-up is asked to record (the route's body, the page's form).
#[derive(Debug, Clone)]
pub struct FollowUpRequest {
    pub months: i64,
    pub situation: String,
    pub observed_on: NaiveDate,
    pub source: String,
}

/// A recorded follow-up as the API returns it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowUpView {
    pub id: i64,
    pub placement_id: PlacementId,
    pub participant_id: ParticipantId,
    /// 6 or 12: months after the exit.
    pub months: i64,
    pub situation: Situation,
    /// The situation in French.
    pub situation_label: &'static str,
    pub observed_on: NaiveDate,
    pub source: Source,
    /// The source in French.
    pub source_label: &'static str,
    /// The exit date of the placement (null only if it was removed since).
    pub exit_on: Option<NaiveDate>,
    pub recorded_by: UserId,
    #[schema(value_type = String)]
    pub recorded_at: NaiveDateTime,
}

fn view(row: FollowUpRow, exit_on: Option<NaiveDate>) -> FollowUpView {
    let situation = Situation::parse(&row.situation).unwrap_or(Situation::Unknown);
    let source = Source::parse(&row.source).unwrap_or(Source::Other);
    FollowUpView {
        id: row.id,
        placement_id: PlacementId(row.placement_id),
        participant_id: ParticipantId(row.participant_id),
        months: row.months,
        situation,
        situation_label: situation.label(),
        observed_on: row.observed_on,
        source,
        source_label: source.label(),
        exit_on,
        recorded_by: UserId(row.recorded_by),
        recorded_at: row.recorded_at,
    }
}

/// The fields a correction compares and its history keeps.
#[derive(Serialize)]
struct Corrected<'a> {
    situation: &'a str,
    observed_on: NaiveDate,
    source: &'a str,
}

/// `PATCH /api/v1/follow-ups/{id}`: the fields a follow-up's correction may change (merge
/// semantics; none can be cleared). The months after the exit and the placement stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpPatch {
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<Situation>)]
    pub situation: Patch<Code>,
    /// The day the situation was known.
    #[serde(default, deserialize_with = "patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub observed_on: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<Source>)]
    pub source: Patch<Code>,
}

/// One follow-up of the structure with its version (404 for another structure's).
pub fn get(
    conn: &mut Conn,
    structure_id: StructureId,
    id: FollowUpId,
) -> AppResult<Versioned<FollowUpView>> {
    let row = store::by_id(conn, structure_id, id.0)?.ok_or(AppError::NotFound("follow_up"))?;
    let exit_on = placements::find(conn, structure_id, PlacementId(row.placement_id))?
        .and_then(|p| p.exit_on);
    let version = Version(row.version);
    Ok(Versioned::new(view(row, exit_on), version))
}

/// Corrects a follow-up entered wrong: its situation, the day it was known or its source,
/// with the rules of its recording (codes of the vocabulary, observed from the exit to
/// today). `If-Match` checked, the version raised, the history written; a person
/// anonymised since is no longer corrected (409 `person_anonymised`).
pub fn correct(
    conn: &mut Conn,
    by: &Actor,
    id: FollowUpId,
    patch: FollowUpPatch,
    if_match: Option<IfMatch>,
) -> AppResult<Versioned<FollowUpView>> {
    let sid = by.structure_id;
    write_tx(conn, |c| {
        let row = store::by_id(c, sid, id.0)?.ok_or(AppError::NotFound("follow_up"))?;
        let version = Version(row.version);
        check_if_match(if_match.as_ref(), version)?;
        let person = crate::store::participants::get(c, sid, ParticipantId(row.participant_id))?;
        if person.anonymised_at.is_some() {
            return Err(AppError::conflict(Violation::new("", "person_anonymised")));
        }
        let mut broken = Vec::new();
        let mut kept = |field: &str, p: Patch<Code>, current: &str| match not_null(field, p) {
            Ok(v) => v.map(String::from).unwrap_or_else(|| current.to_string()),
            Err(e) => {
                broken.push(e);
                current.to_string()
            }
        };
        let situation = kept("situation", patch.situation, &row.situation);
        let source = kept("source", patch.source, &row.source);
        let observed_on = match not_null("observed_on", patch.observed_on) {
            Ok(v) => v.unwrap_or(row.observed_on),
            Err(e) => {
                broken.push(e);
                row.observed_on
            }
        };
        let request = FollowUpRequest {
            months: row.months,
            situation,
            observed_on,
            source,
        };
        let checked_codes = checked(&request);
        if !broken.is_empty() {
            if let Err(AppError::Invalid(more)) = checked_codes {
                broken.extend(more);
            }
            return Err(AppError::Invalid(broken));
        }
        let (situation, source) = checked_codes?;
        let exit_on =
            placements::find(c, sid, PlacementId(row.placement_id))?.and_then(|p| p.exit_on);
        if let Some(exit_on) = exit_on {
            if observed_on < exit_on {
                return Err(Violation::new("observed_on", "observed_before_exit")
                    .with("exit_on", exit_on)
                    .into());
            }
        }
        if observed_on > by.today {
            return Err(Violation::new("observed_on", "date_in_future").into());
        }
        let before = fields_of(&Corrected {
            situation: &row.situation,
            observed_on: row.observed_on,
            source: &row.source,
        });
        let after = fields_of(&Corrected {
            situation: situation.as_str(),
            observed_on,
            source: source.as_str(),
        });
        let changes = changes_between(&before, &after);
        if changes.is_empty() {
            return Ok(Versioned::new(view(row, exit_on), version));
        }
        claimed(
            crate::claim_version!(c, follow_ups, id, version)?,
            if_match.as_ref(),
        )?;
        store::correct(c, id.0, situation.as_str(), observed_on, source.as_str())?;
        history::record(
            c,
            NewHistoryLine {
                structure_id: sid,
                kind: RecordKind::FollowUp,
                record_id: id.0,
                at: crate::db::now(),
                by: Some(by.user_id),
                action: HistoryAction::Correct,
                reason: None,
                changes: &changes,
            },
        )?;
        person_changed(c, by.writer(), person.id, "follow-up corrected")?;
        let row = store::by_id(c, sid, id.0)?.ok_or(AppError::Internal)?;
        let version = Version(row.version);
        Ok(Versioned::new(view(row, exit_on), version))
    })
}

/// The corrections of a follow-up (staff of its structure).
pub fn follow_up_history(
    conn: &mut Conn,
    structure_id: StructureId,
    id: FollowUpId,
) -> AppResult<Vec<HistoryEntry>> {
    store::by_id(conn, structure_id, id.0)?.ok_or(AppError::NotFound("follow_up"))?;
    Ok(history::history_of(
        conn,
        structure_id,
        RecordKind::FollowUp,
        id.0,
    )?)
}

/// Checks a request's codes: every broken rule, not only the first.
fn checked(input: &FollowUpRequest) -> AppResult<(Situation, Source)> {
    let mut broken = Vec::new();
    if !MONTHS.contains(&input.months) {
        broken.push(Violation::new("months", "follow_up_months").with("got", input.months));
    }
    let situation = Situation::parse(input.situation.trim());
    if situation.is_none() {
        broken.push(
            Violation::new("situation", "situation_unknown")
                .with("codes", codes(SITUATIONS).join(", ")),
        );
    }
    let source = Source::parse(input.source.trim());
    if source.is_none() {
        broken.push(
            Violation::new("source", "follow_up_source_unknown")
                .with("codes", codes(SOURCES).join(", ")),
        );
    }
    match (situation, source) {
        (Some(situation), Some(source)) if broken.is_empty() => Ok((situation, source)),
        _ => Err(AppError::Invalid(broken)),
    }
}

/// Records the follow-up of an exited placement at 6 or 12 months. Refused: a placement of
/// another structure (404), cancelled or without an exit (409), a follow-up already
/// recorded for these months (409 `follow_up_already_recorded` with `existing_id`: a
/// follow-up is recorded once), before it is due (422 `follow_up_not_due`), observed before
/// the exit or after today (422).
pub fn record(
    conn: &mut Conn,
    by: &Actor,
    id: PlacementId,
    input: FollowUpRequest,
) -> AppResult<FollowUpView> {
    let (situation, source) = checked(&input)?;
    let sid = by.structure_id;
    write_tx(conn, |c| {
        let p = placements::find(c, sid, id)?.ok_or(AppError::NotFound("placement"))?;
        if p.cancelled_at.is_some() {
            return Err(AppError::conflict(Violation::new(
                "",
                "placement_cancelled",
            )));
        }
        let Some(exit_on) = p.exit_on else {
            return Err(AppError::conflict(Violation::new(
                "",
                "placement_not_exited",
            )));
        };
        if let Some(existing) = store::find(c, sid, id, input.months)? {
            return Err(AppError::Conflict {
                violation: Violation::new("months", "follow_up_already_recorded")
                    .with("months", input.months),
                extra: vec![("existing_id", serde_json::json!(existing.id))],
            });
        }
        let due = due_on(exit_on, input.months);
        if by.today < due {
            return Err(Violation::new("months", "follow_up_not_due")
                .with("months", input.months)
                .with("due_on", due)
                .into());
        }
        if input.observed_on < exit_on {
            return Err(Violation::new("observed_on", "observed_before_exit")
                .with("exit_on", exit_on)
                .into());
        }
        if input.observed_on > by.today {
            return Err(Violation::new("observed_on", "date_in_future").into());
        }
        let new = NewFollowUp {
            structure_id: sid,
            placement_id: id,
            participant_id: p.participant_id,
            months: input.months,
            situation: situation.as_str().to_string(),
            observed_on: input.observed_on,
            source: source.as_str().to_string(),
            recorded_by: by.user_id,
            recorded_at: crate::db::now(),
        };
        store::insert(c, &new)?;
        person_changed(c, by.writer(), p.participant_id, "follow-up recorded")?;
        let row = store::find(c, sid, id, input.months)?.ok_or(AppError::Internal)?;
        Ok(view(row, Some(exit_on)))
    })
}

/// The follow-ups of a person's placements (for the person page), by placement and months.
pub fn of_person(
    conn: &mut Conn,
    structure_id: StructureId,
    participant_id: ParticipantId,
) -> AppResult<Vec<FollowUpView>> {
    Ok(store::of_participant(conn, structure_id, participant_id)?
        .into_iter()
        .map(|r| view(r, None))
        .collect())
}

/// A follow-up due and not recorded, as the list and the work list show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DueFollowUp {
    pub placement_id: PlacementId,
    pub participant_id: ParticipantId,
    /// The person's name (empty once anonymised).
    pub person: String,
    /// The contractor the person worked for.
    pub contractor: String,
    /// 6 or 12.
    pub months: i64,
    pub exit_on: NaiveDate,
    /// The day it became due: the exit plus `months` months.
    pub due_on: NaiveDate,
    /// The page where it is recorded: the person's page, at the placement.
    pub href: String,
}

/// The follow-ups of the structure due by `today` and not recorded, oldest first: a page
/// of them and their number. The persons named are written in the audit log.
pub fn due_list(
    conn: &mut Conn,
    structure_id: StructureId,
    user_id: Option<UserId>,
    today: NaiveDate,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<DueFollowUp>, i64)> {
    let months = crate::domain::follow_ups::months_asked(store::twelve_months(conn, structure_id)?);
    let all = store::due(conn, structure_id, today, months)?;
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let start = usize::try_from(offset.max(0)).unwrap_or(usize::MAX);
    let take = usize::try_from(limit.max(0)).unwrap_or(0);
    let page: Vec<_> = all.into_iter().skip(start).take(take).collect();
    let people: Vec<i64> = page.iter().map(|d| d.participant_id).collect();
    let orgs: Vec<i64> = page.iter().map(|d| d.contractor_id).collect();
    let (persons, organisations) = store::names(conn, &people, &orgs)?;
    let mut named: Vec<i64> = Vec::new();
    let items = page
        .into_iter()
        .map(|d| {
            named.push(d.participant_id);
            let (first, last) = persons.get(&d.participant_id).cloned().unwrap_or_default();
            DueFollowUp {
                placement_id: PlacementId(d.placement_id),
                participant_id: ParticipantId(d.participant_id),
                person: person_name(first, last).unwrap_or_default(),
                contractor: organisations
                    .get(&d.contractor_id)
                    .cloned()
                    .unwrap_or_default(),
                months: d.months,
                exit_on: d.exit_on,
                due_on: d.due_on,
                href: format!("/people/{}#follow-up-{}", d.participant_id, d.placement_id),
            }
        })
        .collect();
    named.sort_unstable();
    named.dedup();
    audit::record_reads(
        conn,
        structure_id,
        user_id,
        "participant",
        &named,
        "follow-ups due",
    )?;
    Ok((items, total))
}

/// The recorded follow-ups of the structure, latest first.
pub fn recorded_list(
    conn: &mut Conn,
    structure_id: StructureId,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<FollowUpView>, i64)> {
    let (rows, total) = store::recorded(conn, structure_id, limit, offset)?;
    Ok((rows.into_iter().map(|r| view(r, None)).collect(), total))
}

/// The structure's follow-up settings.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpSettings {
    /// Whether a follow-up is also due 12 months after each exit (6 months always).
    pub twelve_months: bool,
}

pub fn settings(conn: &mut Conn, structure_id: StructureId) -> AppResult<FollowUpSettings> {
    Ok(FollowUpSettings {
        twelve_months: store::twelve_months(conn, structure_id)?,
    })
}

pub fn set_settings(
    conn: &mut Conn,
    structure_id: StructureId,
    settings: FollowUpSettings,
) -> AppResult<FollowUpSettings> {
    write_tx(conn, |c| {
        store::set_twelve_months(c, structure_id, settings.twelve_months)?;
        Ok(FollowUpSettings {
            twelve_months: store::twelve_months(c, structure_id)?,
        })
    })
}
