//! Participants (people in an insertion pathway), their eligibility history, and the
//! privacy policy that decides who sees what of them.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{eligibility_validations, hour_entries, participants, placements};
use crate::db::{now, Conn};
use crate::domain::eligibility::Validation;
use crate::domain::ids::{OrganisationId, ParticipantId, StructureId, UserId};
use crate::domain::search::{prefix_range, search_key};
use crate::domain::vocabulary::{HistoryAction, ProofKind, QualificationLevel, Sex};
use crate::store::contracts::split_codes;
use crate::store::history::RecordKind;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = participants)]
pub struct Participant {
    pub id: ParticipantId,
    pub structure_id: StructureId,
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
    pub wished_rome_codes: String,
    pub licences: String,
    pub reachable_departements: String,
    pub available_from: Option<NaiveDate>,
    pub last_activity_on: NaiveDate,
    pub anonymised_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    /// The record's version (its ETag), raised by each correction.
    pub version: i64,
}

pub struct NewParticipant {
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
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
}

/// What the caller may see of a participant: everything (staff of the structure), or the
/// name and placement data only (a contractor the person is placed with or proposed to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantAccess {
    Full,
    NameAndPlacements { organisation_id: OrganisationId },
}

/// Whether the person is placed with the organisation (as contractor or employer) or
/// proposed to one of its recruitment needs.
pub fn contractor_linked(
    conn: &mut Conn,
    participant_id: ParticipantId,
    org: OrganisationId,
) -> QueryResult<bool> {
    let placed: i64 = placements::table
        .filter(placements::participant_id.eq(participant_id))
        .filter(placements::cancelled_at.is_null())
        .filter(
            placements::contractor_id
                .eq(org)
                .or(placements::employer_id.eq(org)),
        )
        .count()
        .get_result(conn)?;
    if placed > 0 {
        return Ok(true);
    }
    crate::store::referrals::proposed_to_contractor(conn, participant_id, org)
}

pub fn find_in(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ParticipantId,
) -> QueryResult<Option<Participant>> {
    participants::table
        .filter(participants::id.eq(id))
        .filter(participants::structure_id.eq(structure_id))
        .select(Participant::as_select())
        .first(conn)
        .optional()
}

/// The person of the structure; diesel's `NotFound` when there is none.
pub fn get(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ParticipantId,
) -> QueryResult<Participant> {
    find_in(conn, structure_id, id)?.ok_or(diesel::result::Error::NotFound)
}

/// Same last name, first name and birth date in the structure (case and accents of spacing
/// ignored): the id of the existing person other than `except` (the person being corrected).
pub fn find_duplicate(
    conn: &mut Conn,
    structure_id: StructureId,
    first_name: &str,
    last_name: &str,
    birth_date: NaiveDate,
    except: Option<ParticipantId>,
) -> QueryResult<Option<ParticipantId>> {
    let mut query = participants::table
        .filter(participants::structure_id.eq(structure_id))
        .filter(participants::birth_date.eq(birth_date))
        .into_boxed();
    if let Some(except) = except {
        query = query.filter(participants::id.ne(except));
    }
    let rows: Vec<(ParticipantId, Option<String>, Option<String>)> = query
        .select((
            participants::id,
            participants::first_name,
            participants::last_name,
        ))
        .load(conn)?;
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    Ok(rows.into_iter().find_map(|(id, f, l)| {
        (norm(f.as_deref().unwrap_or("")) == norm(first_name)
            && norm(l.as_deref().unwrap_or("")) == norm(last_name))
        .then_some(id)
    }))
}

/// Takes the structure's row lock for the rest of the transaction: two creations of the
/// same person take turns, so the second sees the first.
pub fn lock_structure(conn: &mut Conn, structure_id: StructureId) -> QueryResult<()> {
    crate::lock_rows!(conn, structures, [structure_id])
}

/// Inserts a person (the duplicate rule is the use case's: `app::participants`).
pub fn create(
    conn: &mut Conn,
    structure_id: StructureId,
    p: &NewParticipant,
) -> QueryResult<ParticipantId> {
    use chrono::Datelike;
    let at = now();
    diesel::insert_into(participants::table)
        .values((
            participants::structure_id.eq(structure_id),
            participants::first_name.eq(&p.first_name),
            participants::last_name.eq(&p.last_name),
            participants::last_name_key.eq(search_key(&p.last_name)),
            participants::first_name_key.eq(search_key(&p.first_name)),
            participants::birth_date.eq(p.birth_date),
            participants::birth_year.eq(p.birth_date.year()),
            participants::sex.eq(&p.sex),
            participants::postal_code.eq(&p.postal_code),
            participants::territory.eq(&p.territory),
            participants::qpv.eq(p.qpv),
            participants::zrr.eq(p.zrr),
            participants::qualification_level.eq(&p.qualification_level),
            participants::jobseeker_id.eq(&p.jobseeker_id),
            participants::looking_for_work.eq(p.looking_for_work),
            participants::wished_rome_codes.eq(p.wished_rome_codes.join(",")),
            participants::licences.eq(p.licences.join(",")),
            participants::reachable_departements.eq(p.reachable_departements.join(",")),
            participants::available_from.eq(p.available_from),
            participants::last_activity_on.eq(at.date()),
            participants::created_at.eq(at),
            participants::updated_at.eq(at),
        ))
        .returning(participants::id)
        .get_result(conn)
}

/// Writes a person's corrected fields (already checked by the use case; the version is
/// raised apart, by `claim_version!`).
pub fn update(conn: &mut Conn, id: ParticipantId, p: &NewParticipant) -> QueryResult<()> {
    use chrono::Datelike;
    diesel::update(participants::table.filter(participants::id.eq(id)))
        .set((
            (
                participants::first_name.eq(&p.first_name),
                participants::last_name.eq(&p.last_name),
                participants::birth_date.eq(p.birth_date),
                participants::birth_year.eq(p.birth_date.year()),
                participants::sex.eq(&p.sex),
                participants::postal_code.eq(&p.postal_code),
                participants::territory.eq(&p.territory),
                participants::qpv.eq(p.qpv),
                participants::zrr.eq(p.zrr),
            ),
            (
                participants::qualification_level.eq(&p.qualification_level),
                participants::jobseeker_id.eq(&p.jobseeker_id),
                participants::looking_for_work.eq(p.looking_for_work),
                participants::wished_rome_codes.eq(p.wished_rome_codes.join(",")),
                participants::licences.eq(p.licences.join(",")),
                participants::reachable_departements.eq(p.reachable_departements.join(",")),
                participants::available_from.eq(p.available_from),
                participants::updated_at.eq(now()),
            ),
            (
                participants::last_name_key.eq(search_key(&p.last_name)),
                participants::first_name_key.eq(search_key(&p.first_name)),
            ),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn touch(conn: &mut Conn, id: ParticipantId, day: NaiveDate) -> QueryResult<()> {
    diesel::update(
        participants::table
            .filter(participants::id.eq(id))
            .filter(participants::last_activity_on.lt(day)),
    )
    .set(participants::last_activity_on.eq(day))
    .execute(conn)?;
    Ok(())
}

pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Participant>, i64)> {
    let base = || {
        let mut q = participants::table
            .filter(participants::structure_id.eq(structure_id))
            .into_boxed();
        if let Some(org) = contractor {
            q = q.filter(
                participants::id
                    .eq_any(
                        placements::table
                            .filter(placements::cancelled_at.is_null())
                            .filter(
                                placements::contractor_id
                                    .eq(org)
                                    .or(placements::employer_id.eq(org)),
                            )
                            .select(placements::participant_id),
                    )
                    .or(participants::id
                        .eq_any(crate::store::referrals::participants_proposed_to(org))),
            );
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let items = base()
        .order(participants::id)
        .limit(limit)
        .offset(offset)
        .select(Participant::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// Keys the people written without their name keys (the bulk writers of `seed`), with the
/// statements of the migration that keyed the people recorded before the keys existed (its
/// `fill` section): the folds of `domain::search`, written in SQL.
pub fn key_unkeyed(conn: &mut Conn) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    let up = if conn.is_sqlite() {
        include_str!("../../migrations/sqlite/2026-12-03-000003_people_search/up.sql")
    } else {
        include_str!("../../migrations/postgres/2026-12-03-000003_people_search/up.sql")
    };
    let fill = fill_section(up)
        .ok_or_else(|| diesel::result::Error::QueryBuilderError("no fill section".into()))?;
    conn.batch_execute(fill)
}

/// The statements between `-- fill:begin` and `-- fill:end` of a migration.
pub fn fill_section(up: &str) -> Option<&str> {
    let begin = up.find("-- fill:begin")?;
    let end = up[begin..].find("-- fill:end")?;
    Some(&up[begin..begin + end])
}

/// A person as the people search lists them.
#[derive(Debug, Clone, Queryable)]
pub struct Found {
    pub id: ParticipantId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub birth_year: i32,
    pub postal_code: Option<String>,
}

/// One page of the structure's people whose name starts with what was typed (its key:
/// `domain::search`), by last name then first name: `limit` rows from `offset`. The query
/// is one or more words: the first name or the last name starting with all of it, or, for
/// two words or more, one name starting with the first word and the other with the rest.
/// Empty: every person still named, in the same order. Each condition is a range of one
/// of the key indexes (`participants_last_name_key`, `participants_first_name_key`); no
/// count of the whole table.
pub fn search(
    conn: &mut Conn,
    structure_id: StructureId,
    query: &str,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<Found>> {
    let key = search_key(query);
    let words: Vec<&str> = key.split_whitespace().collect();
    let mut q = participants::table
        .filter(participants::structure_id.eq(structure_id))
        .filter(participants::last_name_key.is_not_null())
        .into_boxed();
    if let Some((low, high)) = prefix_range(&words.join(" ")) {
        let last = |(l, h): (String, String)| {
            participants::last_name_key
                .ge(l)
                .and(participants::last_name_key.lt(h))
        };
        let first = |(l, h): (String, String)| {
            participants::first_name_key
                .ge(l)
                .and(participants::first_name_key.lt(h))
        };
        let whole = last((low.clone(), high.clone())).or(first((low, high)));
        let split = match (words.first(), words.len() > 1) {
            (Some(head), true) => prefix_range(head).zip(prefix_range(&words[1..].join(" "))),
            _ => None,
        };
        q = match split {
            Some((a, b)) => q.filter(
                whole.or(last(a.clone())
                    .and(first(b.clone()))
                    .or(first(a).and(last(b)))),
            ),
            None => q.filter(whole),
        };
    }
    q.order((
        participants::last_name_key,
        participants::first_name_key,
        participants::id,
    ))
    .limit(limit)
    .offset(offset)
    .select((
        participants::id,
        participants::first_name,
        participants::last_name,
        participants::birth_year,
        participants::postal_code,
    ))
    .load(conn)
}

/// The placements in progress on `day` of these people (not cancelled, no exit recorded,
/// started, not ended): person, job title, contractor's name, start; one query through
/// the index of placements by person (the people are of one structure: their placements
/// too).
pub fn current_placements(
    conn: &mut Conn,
    ids: &[ParticipantId],
    day: NaiveDate,
) -> QueryResult<Vec<(ParticipantId, String, String, NaiveDate)>> {
    use crate::db::schema::organisations;
    placements::table
        .inner_join(organisations::table.on(organisations::id.eq(placements::contractor_id)))
        .filter(placements::participant_id.eq_any(ids))
        .filter(placements::cancelled_at.is_null())
        .filter(placements::exit_outcome.is_null())
        .filter(placements::starts_on.le(day))
        .filter(
            placements::ends_on
                .is_null()
                .or(placements::ends_on.ge(day)),
        )
        .order((placements::participant_id, placements::starts_on.desc()))
        .select((
            placements::participant_id,
            placements::job_title,
            organisations::name,
            placements::starts_on,
        ))
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = eligibility_validations)]
pub struct EligibilityRow {
    pub id: i64,
    #[serde(skip)]
    pub structure_id: StructureId,
    pub participant_id: ParticipantId,
    #[serde(skip)]
    pub criteria: String,
    pub proof: ProofKind,
    pub justification: Option<String>,
    pub validated_by: UserId,
    pub validated_on: NaiveDate,
    pub valid_until: NaiveDate,
    #[serde(skip)]
    pub created_at: chrono::NaiveDateTime,
    /// When it was withdrawn as a data-entry error, and why (it no longer counts); null
    /// while it counts.
    pub withdrawn_at: Option<chrono::NaiveDateTime>,
    pub withdraw_reason: Option<String>,
}

/// The validations of a person that count (not withdrawn).
pub fn eligibility_history(
    conn: &mut Conn,
    participant_id: ParticipantId,
) -> QueryResult<Vec<EligibilityRow>> {
    eligibility_validations::table
        .filter(eligibility_validations::participant_id.eq(participant_id))
        .filter(eligibility_validations::withdrawn_at.is_null())
        .order((
            eligibility_validations::validated_on,
            eligibility_validations::id,
        ))
        .select(EligibilityRow::as_select())
        .load(conn)
}

/// The validations of a person with the name of who validated each (one query), in the
/// order of `eligibility_history`: display name, email.
pub fn eligibility_history_named(
    conn: &mut Conn,
    participant_id: ParticipantId,
) -> QueryResult<Vec<(EligibilityRow, Option<String>, String)>> {
    use crate::db::schema::users;
    eligibility_validations::table
        .inner_join(users::table.on(users::id.eq(eligibility_validations::validated_by)))
        .filter(eligibility_validations::participant_id.eq(participant_id))
        .order((
            eligibility_validations::validated_on,
            eligibility_validations::id,
        ))
        .select((
            EligibilityRow::as_select(),
            users::display_name,
            users::email,
        ))
        .load(conn)
}

pub fn validations(rows: &[EligibilityRow]) -> Vec<Validation> {
    rows.iter()
        .map(|r| Validation {
            id: r.id,
            validated_on: r.validated_on,
            valid_until: r.valid_until,
            criteria: split_codes(&r.criteria),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub fn add_eligibility(
    conn: &mut Conn,
    structure_id: StructureId,
    participant_id: ParticipantId,
    criteria: &[String],
    proof: ProofKind,
    justification: Option<&str>,
    validated_by: UserId,
    validated_on: NaiveDate,
    valid_until: NaiveDate,
) -> QueryResult<i64> {
    diesel::insert_into(eligibility_validations::table)
        .values((
            eligibility_validations::structure_id.eq(structure_id),
            eligibility_validations::participant_id.eq(participant_id),
            eligibility_validations::criteria.eq(criteria.join(",")),
            eligibility_validations::proof.eq(proof),
            eligibility_validations::justification.eq(justification),
            eligibility_validations::validated_by.eq(validated_by),
            eligibility_validations::validated_on.eq(validated_on),
            eligibility_validations::valid_until.eq(valid_until),
            eligibility_validations::created_at.eq(now()),
        ))
        .returning(eligibility_validations::id)
        .get_result(conn)
}

/// Removes what identifies people whose last activity is before `cutoff`; keeps what
/// statistics need (sex, birth year, territory, QPV, qualification, criteria, placements
/// with their stored age band, hours, outcomes). Returns the ids anonymised and the
/// Message-IDs of the emails about them that were rewritten.
pub fn anonymise_inactive(
    conn: &mut Conn,
    cutoff: NaiveDate,
) -> QueryResult<(Vec<ParticipantId>, Vec<String>)> {
    // An hours report is activity too: its day is the entry's own `submitted_at` (kept
    // there rather than written on the person, which an import of 50,000 lines did for
    // thousands of people).
    let reported_since = cutoff.and_time(chrono::NaiveTime::MIN);
    let ids: Vec<(ParticipantId, StructureId)> = participants::table
        .filter(participants::anonymised_at.is_null())
        .filter(participants::last_activity_on.lt(cutoff))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            hour_entries::table
                .filter(hour_entries::participant_id.eq(participants::id))
                .filter(hour_entries::submitted_at.ge(reported_since)),
        )))
        .select((participants::id, participants::structure_id))
        .load(conn)?;
    let at = now();
    let mut messages = Vec::new();
    for (id, sid) in &ids {
        messages.extend(erase_person(conn, *sid, *id, at)?);
        crate::store::audit::record(
            conn,
            *sid,
            None,
            HistoryAction::Anonymise,
            "participant",
            id.0,
            "retention period over",
        )?;
    }
    Ok((ids.into_iter().map(|(id, _)| id).collect(), messages))
}

/// The fields of a person that the anonymisation erases, by their names in the person's
/// record and history (`record_changes` lines of kind `participant`). What the indicators
/// count is not among them: sex, birth year, territory, QPV, ZRR, qualification level.
pub const PERSONAL_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "birth_date",
    "postal_code",
    "jobseeker_id",
    "looking_for_work",
    "wished_rome_codes",
    "licences",
    "reachable_departements",
    "available_from",
];

/// The fields of a person's placement that name or describe them (free text), erased by
/// the anonymisation, by their names in the placement's history.
pub const PLACEMENT_PERSONAL_FIELDS: &[&str] =
    &["participant_name", "job_title", "derogation_reason"];

/// The free-text fields of a person's eligibility validation, erased by the anonymisation,
/// by their names in the validation's history.
pub const ELIGIBILITY_PERSONAL_FIELDS: &[&str] = &["justification", "withdraw_reason"];

/// Erases one person's personal data wherever it is kept: identity, contact and search
/// preferences; the free text written about them (eligibility justification, derogation,
/// referral comments, hour rejections and amendments); the job titles of their
/// placements; the histories of their corrections (the values of the fields above, the
/// reasons given about them, their placements and validations); and the emails that name
/// them. What the indicators count stays: sex, birth year, territory, QPV, qualification,
/// criteria, the placements' modality, contract type, dates, age band and outcome, and
/// every hour figure.
fn erase_person(
    conn: &mut Conn,
    sid: StructureId,
    id: ParticipantId,
    at: chrono::NaiveDateTime,
) -> QueryResult<Vec<String>> {
    use crate::db::schema::{hour_entries, hour_entry_changes, referral_events, referrals};
    diesel::update(participants::table.filter(participants::id.eq(id)))
        .set((
            participants::first_name.eq(None::<String>),
            participants::last_name.eq(None::<String>),
            participants::last_name_key.eq(None::<String>),
            participants::first_name_key.eq(None::<String>),
            participants::birth_date.eq(None::<NaiveDate>),
            participants::postal_code.eq(None::<String>),
            participants::jobseeker_id.eq(None::<String>),
            participants::looking_for_work.eq(false),
            participants::wished_rome_codes.eq(""),
            participants::licences.eq(""),
            participants::reachable_departements.eq(""),
            participants::available_from.eq(None::<NaiveDate>),
            participants::anonymised_at.eq(Some(at)),
            participants::updated_at.eq(at),
        ))
        .execute(conn)?;
    diesel::update(
        eligibility_validations::table.filter(eligibility_validations::participant_id.eq(id)),
    )
    .set((
        eligibility_validations::justification.eq(None::<String>),
        eligibility_validations::withdraw_reason.eq(None::<String>),
    ))
    .execute(conn)?;
    let placement_ids: Vec<i64> = placements::table
        .filter(placements::participant_id.eq(id))
        .select(placements::id)
        .load(conn)?;
    let validation_ids: Vec<i64> = eligibility_validations::table
        .filter(eligibility_validations::participant_id.eq(id))
        .select(eligibility_validations::id)
        .load(conn)?;
    for (kind, ids, fields) in [
        (RecordKind::Participant, &vec![id.0], PERSONAL_FIELDS),
        (
            RecordKind::Placement,
            &placement_ids,
            PLACEMENT_PERSONAL_FIELDS,
        ),
        (
            RecordKind::Eligibility,
            &validation_ids,
            ELIGIBILITY_PERSONAL_FIELDS,
        ),
    ] {
        crate::store::history::forget_personal_data(conn, sid, kind, ids, fields)?;
    }
    diesel::update(placements::table.filter(placements::participant_id.eq(id)))
        .set((
            placements::job_title.eq(""),
            placements::derogation_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    let entry_ids = hour_entries::table
        .filter(hour_entries::participant_id.eq(id))
        .select(hour_entries::id);
    diesel::update(
        hour_entry_changes::table.filter(hour_entry_changes::entry_id.eq_any(entry_ids)),
    )
    .set(hour_entry_changes::reason.eq(None::<String>))
    .execute(conn)?;
    diesel::update(hour_entries::table.filter(hour_entries::participant_id.eq(id)))
        .set((
            hour_entries::amendment_reason.eq(None::<String>),
            hour_entries::rejection_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    let referral_ids: Vec<i64> = referrals::table
        .filter(referrals::participant_id.eq(id))
        .select(referrals::id)
        .load(conn)?;
    // A referral's reason is a code of the decline list (counted in the referral figures);
    // its comment is free text.
    diesel::update(referrals::table.filter(referrals::participant_id.eq(id)))
        .set(referrals::comment.eq(None::<String>))
        .execute(conn)?;
    diesel::update(
        referral_events::table.filter(referral_events::referral_id.eq_any(&referral_ids)),
    )
    .set(referral_events::comment.eq(None::<String>))
    .execute(conn)?;
    crate::store::outbox::withdraw_about_person(conn, id, &placement_ids, &referral_ids)
}
