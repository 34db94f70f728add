//! Use cases of participants: registering a person (one per name and birth date in a
//! structure), reading them as the caller may, their eligibility validations, their timeline
//! and the audit log of personal data. Every read or change of personal data is audited.

use crate::domain::ids::{ParticipantId, StructureId};
use crate::domain::limits::{self, FreeText, Name};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::app::versioned::{check_if_match, claimed, Versioned};
use crate::app::{AppError, AppResult};
use crate::auth::{records, Caller};
use crate::db::{now, write_tx, Conn};
use crate::domain::catalogue::{codes, is_rome_code, PROOF_KINDS};
use crate::domain::corrections::{touches_snapshot, PERSON_SNAPSHOT_FIELDS};
use crate::domain::eligibility::age_band;
use crate::domain::eligibility::{
    check_criteria, status_on, valid_on, valid_until, EligibilityStatus,
};
use crate::domain::limits::Code;
use crate::domain::patch::{apply, not_null, present, Patch};
use crate::domain::rule::Violation;
use crate::domain::territory::{departement_of_postal_code, is_valid_departement};
use crate::domain::version::{IfMatch, Version};
use crate::domain::vocabulary::{HistoryAction, ProofKind, QualificationLevel, Sex};
use crate::store::audit::{self, AuditEntry};
use crate::store::contracts::split_codes;
use crate::store::history::{
    self, changes_between, fields_of, By, FieldChange, HistoryEntry, NewHistoryLine, RecordKind,
};
use crate::store::participants::{
    self as store, EligibilityRow, NewParticipant, Participant, ParticipantAccess,
};
use crate::store::placements::{self, Placement};
use crate::store::timeline::{self, Timeline};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ParticipantInput {
    pub first_name: Name,
    pub last_name: Name,
    /// Not bounded by the 1990 floor of other dates: the plausibility rule of `validate`.
    pub birth_date: NaiveDate,
    #[schema(value_type = Sex)]
    pub sex: Code,
    pub postal_code: Option<Code>,
    #[serde(default)]
    pub qpv: bool,
    #[serde(default)]
    pub zrr: bool,
    #[schema(value_type = QualificationLevel)]
    pub qualification_level: Code,
    pub jobseeker_id: Option<Code>,
    pub looking_for_work: Option<bool>,
    #[serde(default)]
    pub wished_rome_codes: Vec<Code>,
    #[serde(default)]
    pub licences: Vec<Code>,
    #[serde(default)]
    pub reachable_departements: Vec<Code>,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub available_from: Option<NaiveDate>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EligibilitySummary {
    pub status: &'static str,
    pub valid_until: Option<NaiveDate>,
    pub expired_since: Option<NaiveDate>,
    pub criteria: Vec<String>,
}

/// What staff see of a participant.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ParticipantView {
    pub id: ParticipantId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: i32,
    pub sex: Sex,
    pub postal_code: Option<String>,
    pub territory: Option<String>,
    pub qpv: bool,
    pub zrr: bool,
    pub qualification_level: QualificationLevel,
    pub jobseeker_id: Option<String>,
    pub looking_for_work: bool,
    pub wished_rome_codes: Vec<String>,
    pub licences: Vec<String>,
    pub reachable_departements: Vec<String>,
    pub available_from: Option<NaiveDate>,
    pub anonymised: bool,
    pub eligibility: EligibilitySummary,
}

/// What a contractor sees: the name and the placements with its organisation; for a person
/// proposed to one of its needs, also the wished jobs and the availability. Never the
/// eligibility, its criteria or the birth date.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ParticipantLimitedView {
    pub id: ParticipantId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub placements: Vec<Placement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wished_rome_codes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_from: Option<Option<NaiveDate>>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ParticipantOut {
    Full(Box<ParticipantView>),
    Limited(ParticipantLimitedView),
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EligibilityInput {
    pub criteria: Vec<Code>,
    #[schema(value_type = ProofKind)]
    pub proof: Code,
    #[serde(deserialize_with = "limits::date")]
    pub validated_on: NaiveDate,
    pub justification: Option<FreeText>,
}

/// A validation of eligibility, which is also a line of the person's eligibility history
/// (`at`, `by`, `action`, `reason`: its justification, `changes`: what it set).
#[derive(Serialize, utoipa::ToSchema)]
pub struct EligibilityOut {
    #[serde(flatten)]
    pub row: EligibilityRow,
    pub criteria: Vec<String>,
    #[serde(flatten)]
    pub history: HistoryEntry,
}

/// A validation with who made it, in the shape of every history line.
fn eligibility_out(row: EligibilityRow, by: By) -> EligibilityOut {
    let criteria = split_codes(&row.criteria);
    let set = |field: &str, after: serde_json::Value| FieldChange {
        field: field.to_string(),
        before: serde_json::Value::Null,
        after,
    };
    let history = HistoryEntry {
        at: row.created_at,
        by,
        action: HistoryAction::Validate,
        reason: row.justification.clone(),
        changes: vec![
            set("criteria", serde_json::json!(criteria)),
            set("proof", serde_json::json!(row.proof)),
            set("validated_on", serde_json::json!(row.validated_on)),
            set("valid_until", serde_json::json!(row.valid_until)),
        ],
    };
    EligibilityOut {
        row,
        criteria,
        history,
    }
}

/// Checks a person's data: the person to record, or every broken rule.
pub fn validate(input: ParticipantInput, today: NaiveDate) -> AppResult<NewParticipant> {
    let mut errors = Vec::new();
    let first_name = input.first_name.trim().to_string();
    let last_name = input.last_name.trim().to_string();
    if first_name.is_empty() {
        errors.push(Violation::new("first_name", "empty"));
    }
    if last_name.is_empty() {
        errors.push(Violation::new("last_name", "empty"));
    }
    if input.birth_date > today
        || input.birth_date < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(today)
    {
        errors.push(Violation::new("birth_date", "birth_date_implausible"));
    }
    let sex = Sex::parse(&input.sex);
    if sex.is_none() {
        errors.push(Violation::new("sex", "sex_unknown"));
    }
    let qualification_level = QualificationLevel::parse(&input.qualification_level);
    if qualification_level.is_none() {
        errors.push(Violation::new(
            "qualification_level",
            "qualification_level_unknown",
        ));
    }
    let territory = match &input.postal_code {
        Some(pc) => match departement_of_postal_code(pc) {
            Some(d) => Some(d),
            None => {
                errors.push(
                    Violation::new("postal_code", "postal_code_unknown")
                        .with("postal_code", pc.as_str()),
                );
                None
            }
        },
        None => None,
    };
    for (i, d) in input.reachable_departements.iter().enumerate() {
        if !is_valid_departement(d) {
            errors.push(
                Violation::new(format!("reachable_departements[{i}]"), "territory_unknown")
                    .with("territory", d.as_str()),
            );
        }
    }
    for (i, r) in input.wished_rome_codes.iter().enumerate() {
        if !is_rome_code(r) {
            errors.push(Violation::new(
                format!("wished_rome_codes[{i}]"),
                "rome_code_malformed",
            ));
        }
    }
    let (Some(sex), Some(qualification_level), true) =
        (sex, qualification_level, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors));
    };
    let clean = |v: Vec<Code>| {
        let mut v: Vec<String> = v
            .into_iter()
            .map(|s| s.trim().to_uppercase())
            .filter(|s| !s.is_empty())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    Ok(NewParticipant {
        first_name,
        last_name,
        birth_date: input.birth_date,
        sex,
        postal_code: input.postal_code.map(Into::into),
        territory,
        qpv: input.qpv,
        zrr: input.zrr,
        qualification_level,
        jobseeker_id: input
            .jobseeker_id
            .filter(|s| !s.trim().is_empty())
            .map(Into::into),
        looking_for_work: input.looking_for_work.unwrap_or(true),
        wished_rome_codes: clean(input.wished_rome_codes),
        licences: clean(input.licences),
        reachable_departements: clean(input.reachable_departements),
        available_from: input.available_from,
    })
}

/// The eligibility of a person on a day, from their validations.
pub fn eligibility_summary(rows: &[EligibilityRow], day: NaiveDate) -> EligibilitySummary {
    let history = store::validations(rows);
    let status = status_on(&history, day);
    let current = valid_on(&history, day);
    EligibilitySummary {
        status: status.as_str(),
        valid_until: match status {
            EligibilityStatus::Valid { until } => Some(until),
            _ => None,
        },
        expired_since: match status {
            EligibilityStatus::Expired { since } => Some(since),
            _ => None,
        },
        criteria: current.map(|v| v.criteria.clone()).unwrap_or_default(),
    }
}

/// Writes a read or change of a person's data to the audit log, in the caller's name.
fn audit_person(
    conn: &mut Conn,
    caller: &Caller,
    action: HistoryAction,
    id: ParticipantId,
    detail: &str,
) -> diesel::QueryResult<()> {
    audit::record(
        conn,
        caller.structure_id,
        Some(caller.user_id),
        action,
        "participant",
        id,
        detail,
    )
}

/// The person of the caller's structure, or not found.
fn get(conn: &mut Conn, structure_id: StructureId, id: ParticipantId) -> AppResult<Participant> {
    store::find_in(conn, structure_id, id)?.ok_or(AppError::NotFound("participant"))
}

/// Everything staff see of a person (nothing audited here: the callers do).
fn full_view(conn: &mut Conn, p: Participant) -> AppResult<ParticipantView> {
    let rows = store::eligibility_history(conn, p.id)?;
    let eligibility = eligibility_summary(&rows, now().date());
    Ok(ParticipantView {
        id: p.id,
        first_name: p.first_name,
        last_name: p.last_name,
        birth_date: p.birth_date,
        birth_year: p.birth_year,
        sex: p.sex,
        postal_code: p.postal_code,
        territory: p.territory,
        qpv: p.qpv,
        zrr: p.zrr,
        qualification_level: p.qualification_level,
        jobseeker_id: p.jobseeker_id,
        looking_for_work: p.looking_for_work,
        wished_rome_codes: split_codes(&p.wished_rome_codes),
        licences: split_codes(&p.licences),
        reachable_departements: split_codes(&p.reachable_departements),
        available_from: p.available_from,
        anonymised: p.anonymised_at.is_some(),
        eligibility,
    })
}

/// The participant as the caller may see it; writes the read to the audit log.
pub fn participant_out(
    conn: &mut Conn,
    caller: &Caller,
    p: Participant,
) -> AppResult<ParticipantOut> {
    let access = records::participant_access(conn, caller, &p)?;
    audit_person(conn, caller, HistoryAction::Read, p.id, "personal data")?;
    Ok(match access {
        ParticipantAccess::Full => ParticipantOut::Full(Box::new(full_view(conn, p)?)),
        ParticipantAccess::NameAndPlacements { organisation_id } => {
            let placements = placements::of_participant(conn, p.id)?
                .into_iter()
                .filter(|pl| {
                    pl.contractor_id == organisation_id || pl.employer_id == organisation_id
                })
                .map(Placement::for_contractor)
                .collect();
            let proposed =
                crate::store::referrals::proposed_to_contractor(conn, p.id, organisation_id)?;
            ParticipantOut::Limited(ParticipantLimitedView {
                id: p.id,
                first_name: p.first_name,
                last_name: p.last_name,
                placements,
                wished_rome_codes: proposed.then(|| split_codes(&p.wished_rome_codes)),
                available_from: proposed.then_some(p.available_from),
            })
        }
    })
}

/// Registers a person, already checked by `validate`: one person per last name, first name
/// and birth date in a structure (`participant_duplicate`, with the existing id).
pub fn register_participant(
    conn: &mut Conn,
    caller: &Caller,
    new: NewParticipant,
) -> AppResult<ParticipantOut> {
    write_tx(conn, |c| {
        let sid = caller.structure_id;
        store::lock_structure(c, sid)?;
        if let Some(existing) = store::find_duplicate(
            c,
            sid,
            &new.first_name,
            &new.last_name,
            new.birth_date,
            None,
        )? {
            return Err(AppError::Conflict {
                violation: Violation::new("", "participant_duplicate"),
                extra: vec![("existing_id", existing.0.into())],
            });
        }
        let id = store::create(c, sid, &new)?;
        audit_person(c, caller, HistoryAction::Create, id, "personal data")?;
        let p = get(c, sid, id)?;
        participant_out(c, caller, p)
    })
}

/// One page of the people the caller may see (a contractor: placed with or proposed to it),
/// each read audited.
pub fn list_participants(
    conn: &mut Conn,
    caller: &Caller,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<ParticipantOut>, i64)> {
    write_tx(conn, |c| {
        let (rows, total) = store::list(
            c,
            caller.structure_id,
            caller.contractor_org(),
            limit,
            offset,
        )?;
        let items = rows
            .into_iter()
            .map(|p| participant_out(c, caller, p))
            .collect::<AppResult<Vec<_>>>()?;
        Ok((items, total))
    })
}

/// One person as the caller may see them, with their version; the read audited.
pub fn read_participant(
    conn: &mut Conn,
    caller: &Caller,
    id: ParticipantId,
) -> AppResult<Versioned<ParticipantOut>> {
    write_tx(conn, |c| {
        let p = get(c, caller.structure_id, id)?;
        let version = Version(p.version);
        Ok(Versioned::new(participant_out(c, caller, p)?, version))
    })
}

/// A correction of a person (`PATCH`, merge semantics): every field of creation, each
/// optional; `null` clears an optional field and is refused on a required one.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantPatch {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub first_name: Patch<Name>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub last_name: Patch<Name>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<NaiveDate>)]
    pub birth_date: Patch<NaiveDate>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Sex>)]
    pub sex: Patch<Code>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub postal_code: Patch<Code>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub qpv: Patch<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub zrr: Patch<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<QualificationLevel>)]
    pub qualification_level: Patch<Code>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub jobseeker_id: Patch<Code>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub looking_for_work: Patch<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub wished_rome_codes: Patch<Vec<Code>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub licences: Patch<Vec<Code>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub reachable_departements: Patch<Vec<Code>>,
    #[serde(default, deserialize_with = "crate::domain::corrections::patch_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub available_from: Patch<NaiveDate>,
}

/// A stored code list as the input of `validate` reads it.
fn codes_of(stored: &str) -> AppResult<Vec<Code>> {
    split_codes(stored)
        .into_iter()
        .map(|c| Code::new(c).map_err(|_| AppError::Internal))
        .collect()
}

/// A stored text as the input of `validate` reads it.
fn text_of<T: TryFrom<String>>(stored: Option<String>) -> AppResult<Option<T>> {
    stored
        .map(|t| T::try_from(t).map_err(|_| AppError::Internal))
        .transpose()
}

/// The person's current data with the patch applied, as a creation input: the same
/// `validate` then checks it. A required field cleared is a violation of its own.
fn merged(p: &Participant, patch: ParticipantPatch) -> AppResult<ParticipantInput> {
    let mut errors = Vec::new();
    let first_name = required(&mut errors, "first_name", patch.first_name);
    let last_name = required(&mut errors, "last_name", patch.last_name);
    let birth_date = required(&mut errors, "birth_date", patch.birth_date);
    let sex = required(&mut errors, "sex", patch.sex);
    let qpv = required(&mut errors, "qpv", patch.qpv);
    let zrr = required(&mut errors, "zrr", patch.zrr);
    let qualification_level = required(
        &mut errors,
        "qualification_level",
        patch.qualification_level,
    );
    let looking_for_work = required(&mut errors, "looking_for_work", patch.looking_for_work);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let list = |current: &str, v: Patch<Vec<Code>>| -> AppResult<Vec<Code>> {
        match v {
            None => codes_of(current),
            Some(v) => Ok(v.unwrap_or_default()),
        }
    };
    let current_name = |n: &Option<String>| text_of::<Name>(n.clone());
    Ok(ParticipantInput {
        first_name: match first_name {
            Some(n) => n,
            None => current_name(&p.first_name)?.ok_or(AppError::Internal)?,
        },
        last_name: match last_name {
            Some(n) => n,
            None => current_name(&p.last_name)?.ok_or(AppError::Internal)?,
        },
        birth_date: match birth_date {
            Some(d) => d,
            None => p.birth_date.ok_or(AppError::Internal)?,
        },
        sex: match sex {
            Some(s) => s,
            None => Code::new(p.sex.as_str().to_string()).map_err(|_| AppError::Internal)?,
        },
        postal_code: match patch.postal_code {
            None => text_of(p.postal_code.clone())?,
            Some(v) => v,
        },
        qpv: qpv.unwrap_or(p.qpv),
        zrr: zrr.unwrap_or(p.zrr),
        qualification_level: match qualification_level {
            Some(q) => q,
            None => Code::new(p.qualification_level.as_str().to_string())
                .map_err(|_| AppError::Internal)?,
        },
        jobseeker_id: match patch.jobseeker_id {
            None => text_of(p.jobseeker_id.clone())?,
            Some(v) => v,
        },
        looking_for_work: Some(looking_for_work.unwrap_or(p.looking_for_work)),
        wished_rome_codes: list(&p.wished_rome_codes, patch.wished_rome_codes)?,
        licences: list(&p.licences, patch.licences)?,
        reachable_departements: list(&p.reachable_departements, patch.reachable_departements)?,
        available_from: apply(p.available_from, patch.available_from),
    })
}

/// A field of a patch that cannot be cleared: its new value if given, the violation
/// `required` collected if cleared.
fn required<T>(errors: &mut Vec<Violation>, field: &str, patch: Patch<T>) -> Option<T> {
    not_null(field, patch).unwrap_or_else(|e| {
        errors.push(e);
        None
    })
}

/// Corrects a person: the same rules as a registration (every broken rule listed, the
/// duplicate rule against the other people), `If-Match` checked, the version raised. A
/// correction of what reports count (sex, birth date, QPV, qualification) re-snapshots
/// their placements and yearly totals in the same transaction. The correction is written
/// to the person's history and to the audit log; an anonymised person cannot be corrected.
pub fn correct_participant(
    conn: &mut Conn,
    caller: &Caller,
    id: ParticipantId,
    patch: ParticipantPatch,
    if_match: Option<IfMatch>,
) -> AppResult<Versioned<ParticipantOut>> {
    let today = now().date();
    write_tx(conn, |c| {
        let sid = caller.structure_id;
        let p = get(c, sid, id)?;
        check_if_match(if_match.as_ref(), Version(p.version))?;
        if p.anonymised_at.is_some() {
            return Err(AppError::conflict(Violation::new(
                "",
                "participant_anonymised",
            )));
        }
        let corrected = validate(merged(&p, patch)?, today)?;
        store::lock_structure(c, sid)?;
        if let Some(existing) = store::find_duplicate(
            c,
            sid,
            &corrected.first_name,
            &corrected.last_name,
            corrected.birth_date,
            Some(id),
        )? {
            return Err(AppError::Conflict {
                violation: Violation::new("", "participant_duplicate"),
                extra: vec![("existing_id", existing.0.into())],
            });
        }
        let version = Version(p.version);
        let before = fields_of(&full_view(c, p)?);
        store::update(c, id, &corrected)?;
        let after_row = get(c, sid, id)?;
        let after = fields_of(&full_view(c, after_row.clone())?);
        let changes = changes_between(&before, &after);
        if changes.is_empty() {
            // Nothing changed: the same record and version, no history line.
            audit_person(c, caller, HistoryAction::Read, id, "personal data")?;
            let out = participant_out(c, caller, after_row)?;
            return Ok(Versioned::new(out, version));
        }
        claimed(
            crate::claim_version!(c, participants, id, version)?,
            if_match.as_ref(),
        )?;
        if touches_snapshot(
            changes.iter().map(|ch| ch.field.as_str()),
            PERSON_SNAPSHOT_FIELDS,
        ) {
            resnapshot_person(c, &after_row)?;
        }
        history::record(
            c,
            NewHistoryLine {
                structure_id: sid,
                kind: RecordKind::Participant,
                record_id: id.0,
                at: now(),
                by: Some(caller.user_id),
                action: HistoryAction::Correct,
                reason: None,
                changes: &changes,
            },
        )?;
        store::touch(c, id, today)?;
        audit_person(
            c,
            caller,
            HistoryAction::Correct,
            id,
            "personal data corrected",
        )?;
        let p = get(c, sid, id)?;
        let version = Version(p.version);
        Ok(Versioned::new(participant_out(c, caller, p)?, version))
    })
}

/// Takes the person's corrected facts into the report snapshot of each of their placements
/// and of its yearly totals (the age band on each placement's first day, as at creation).
fn resnapshot_person(conn: &mut Conn, person: &Participant) -> AppResult<()> {
    let birth = person.birth_date.ok_or(AppError::Internal)?;
    for pl in placements::all_of_participant(conn, person.id)? {
        let current = pl.snapshot();
        let snapshot = placements::PlacementSnapshot {
            sex: person.sex,
            age_band: age_band(birth, pl.starts_on),
            qpv: person.qpv,
            qualification_level: person.qualification_level,
            ..current.clone()
        };
        if snapshot != current {
            placements::write_snapshot(conn, pl.id, &snapshot)?;
        }
    }
    Ok(())
}

/// The history of a person's corrections, the read audited.
pub fn participant_history(
    conn: &mut Conn,
    caller: &Caller,
    id: ParticipantId,
) -> AppResult<Vec<HistoryEntry>> {
    write_tx(conn, |c| {
        get(c, caller.structure_id, id)?;
        audit_person(c, caller, HistoryAction::Read, id, "history")?;
        Ok(history::history_of(
            c,
            caller.structure_id,
            RecordKind::Participant,
            id.0,
        )?)
    })
}

/// Checks an eligibility validation before anything is read: the criteria, the kind of
/// proof, a validation date not after `today`. Returns the proof and the trimmed
/// justification.
pub fn check_eligibility(
    input: &EligibilityInput,
    today: NaiveDate,
) -> AppResult<(Vec<String>, ProofKind, Option<String>)> {
    let justification = input
        .justification
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let criteria: Vec<String> = input
        .criteria
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    let mut errors = check_criteria(&criteria, justification.as_deref())
        .err()
        .unwrap_or_default();
    let proof = ProofKind::parse(&input.proof);
    if proof.is_none() {
        errors.push(
            Violation::new("proof", "proof_unknown").with("allowed", codes(PROOF_KINDS).join(", ")),
        );
    }
    if input.validated_on > today {
        errors.push(Violation::new("validated_on", "date_in_future"));
    }
    let (Some(proof), true) = (proof, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    Ok((criteria, proof, justification))
}

/// Records an eligibility validation of a person, valid `validity_months` months; refused
/// on an anonymised person (`participant_anonymised`).
pub fn validate_eligibility(
    conn: &mut Conn,
    caller: &Caller,
    id: ParticipantId,
    input: EligibilityInput,
    today: NaiveDate,
    validity_months: u32,
) -> AppResult<EligibilityOut> {
    let (criteria, proof, justification) = check_eligibility(&input, today)?;
    let until = valid_until(input.validated_on, validity_months);
    write_tx(conn, |c| {
        let p = get(c, caller.structure_id, id)?;
        if p.anonymised_at.is_some() {
            return Err(AppError::conflict(Violation::new(
                "",
                "participant_anonymised",
            )));
        }
        let eid = store::add_eligibility(
            c,
            caller.structure_id,
            id,
            &criteria,
            proof,
            justification.as_deref(),
            caller.user_id,
            input.validated_on,
            until,
        )?;
        store::touch(c, id, now().date())?;
        audit_person(
            c,
            caller,
            HistoryAction::Update,
            id,
            "eligibility validated",
        )?;
        let (row, name, email) = store::eligibility_history_named(c, id)?
            .into_iter()
            .find(|(r, _, _)| r.id == eid)
            .ok_or(AppError::Database(diesel::result::Error::NotFound))?;
        Ok(eligibility_out(row, By::user(caller.user_id, name, email)))
    })
}

/// The history of a person's eligibility validations, the read audited.
pub fn eligibility_history(
    conn: &mut Conn,
    caller: &Caller,
    id: ParticipantId,
) -> AppResult<Vec<EligibilityOut>> {
    let rows = write_tx(conn, |c| {
        get(c, caller.structure_id, id)?;
        audit_person(c, caller, HistoryAction::Read, id, "eligibility history")?;
        Ok::<_, AppError>(store::eligibility_history_named(c, id)?)
    })?;
    Ok(rows
        .into_iter()
        .map(|(row, name, email)| {
            let by = By::user(row.validated_by, name, email);
            eligibility_out(row, by)
        })
        .collect())
}

/// A person's timeline as the caller may see it (a contractor: its own placements and
/// referrals, no eligibility), the read audited.
pub fn participant_timeline(
    conn: &mut Conn,
    caller: &Caller,
    id: ParticipantId,
) -> AppResult<Timeline> {
    write_tx(conn, |c| {
        let p = get(c, caller.structure_id, id)?;
        let access = records::participant_access(c, caller, &p)?;
        audit_person(c, caller, HistoryAction::Read, id, "timeline")?;
        Ok(timeline::build(c, &p, access, now().date())?)
    })
}

/// One page of the audit log of personal data (optionally of one person).
pub fn audit_log(
    conn: &mut Conn,
    structure_id: StructureId,
    participant_id: Option<ParticipantId>,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<AuditEntry>, i64)> {
    Ok(audit::list(
        conn,
        structure_id,
        participant_id,
        limit,
        offset,
    )?)
}

/// A person found by the people search, with their placement in progress if any.
#[derive(Serialize)]
pub struct PersonFound {
    pub id: ParticipantId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub birth_year: i32,
    pub postal_code: Option<String>,
    /// The job and the contractor of the placement in progress today.
    pub placement: Option<CurrentPlacement>,
}

#[derive(Serialize)]
pub struct CurrentPlacement {
    pub job_title: String,
    pub contractor_name: String,
    pub starts_on: NaiveDate,
}

/// One page of the caller's structure's people whose first or last name starts with
/// `query` (case and accents ignored), by name: at most `limit` rows from `offset`, each
/// with the placement in progress on `today`.
pub fn search_people(
    conn: &mut Conn,
    caller: &Caller,
    query: &str,
    limit: i64,
    offset: i64,
    today: NaiveDate,
) -> AppResult<Vec<PersonFound>> {
    let sid = caller.structure_id;
    let found = store::search(conn, sid, query, limit, offset)?;
    let ids: Vec<ParticipantId> = found.iter().map(|f| f.id).collect();
    let mut current = store::current_placements(conn, &ids, today)?;
    // The latest start first for each person: the first row of a person is kept.
    current.dedup_by_key(|(id, ..)| *id);
    Ok(found
        .into_iter()
        .map(|f| PersonFound {
            placement: current.iter().find(|(id, ..)| *id == f.id).map(
                |(_, job_title, contractor_name, starts_on)| CurrentPlacement {
                    job_title: job_title.clone(),
                    contractor_name: contractor_name.clone(),
                    starts_on: *starts_on,
                },
            ),
            id: f.id,
            first_name: f.first_name,
            last_name: f.last_name,
            birth_year: f.birth_year,
            postal_code: f.postal_code,
        })
        .collect())
}
