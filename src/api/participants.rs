//! Participants, their eligibility, their timeline, and the audit log of personal data.

use chrono::NaiveDate;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::query::{params, Param};
use crate::auth::{AdminOnly, Caller, Staff, StaffOrContractor};
use crate::config::Config;
use crate::db::{now, Conn, Db};
use crate::domain::catalogue::{is_code, PROOF_KINDS, QUALIFICATION_LEVELS};
use crate::domain::eligibility::{check_criteria, status_on, valid_until, EligibilityStatus};
use crate::domain::limits::{self, Code, FreeText, Name};
use crate::domain::territory::{departement_of_postal_code, is_valid_departement};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::audit::{self, AuditEntry};
use crate::store::contracts::split_codes;
use crate::store::participants::{
    self as store, EligibilityRow, NewParticipant, Participant, ParticipantAccess,
};
use crate::store::placements::{self, Placement};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ParticipantInput {
    pub first_name: Name,
    pub last_name: Name,
    /// Not bounded by the 1990 floor of other dates: the plausibility rule of `validate`.
    pub birth_date: NaiveDate,
    pub sex: Code,
    pub postal_code: Option<Code>,
    #[serde(default)]
    pub qpv: bool,
    #[serde(default)]
    pub zrr: bool,
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
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: i32,
    pub sex: String,
    pub postal_code: Option<String>,
    pub territory: Option<String>,
    pub qpv: bool,
    pub zrr: bool,
    pub qualification_level: String,
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
    pub id: i64,
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

fn validate(input: ParticipantInput, today: NaiveDate) -> Result<NewParticipant, ApiError> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            code: crate::error::INVALID.into(),
            message,
        })
    };
    let first_name = input.first_name.trim().to_string();
    let last_name = input.last_name.trim().to_string();
    if first_name.is_empty() {
        err("first_name", "must not be empty".into());
    }
    if last_name.is_empty() {
        err("last_name", "must not be empty".into());
    }
    if input.birth_date > today
        || input.birth_date < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(today)
    {
        err("birth_date", "is not a plausible birth date".into());
    }
    if input.sex != "female" && input.sex != "male" {
        err("sex", "must be female or male".into());
    }
    if !is_code(QUALIFICATION_LEVELS, &input.qualification_level) {
        err("qualification_level", "must be none or 1 to 8".into());
    }
    let territory = match &input.postal_code {
        Some(pc) => match departement_of_postal_code(pc) {
            Some(d) => Some(d),
            None => {
                err("postal_code", format!("`{pc}` is not a French postal code"));
                None
            }
        },
        None => None,
    };
    for (i, d) in input.reachable_departements.iter().enumerate() {
        if !is_valid_departement(d) {
            err(
                &format!("reachable_departements[{i}]"),
                format!("`{d}` is not a département code"),
            );
        }
    }
    for (i, r) in input.wished_rome_codes.iter().enumerate() {
        if !is_rome_code(r) {
            err(
                &format!("wished_rome_codes[{i}]"),
                "a ROME code is a letter and four digits (e.g. F1703)".into(),
            );
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
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
        sex: input.sex.into(),
        postal_code: input.postal_code.map(Into::into),
        territory,
        qpv: input.qpv,
        zrr: input.zrr,
        qualification_level: input.qualification_level.into(),
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

/// A ROME code: one letter and four digits.
pub fn is_rome_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5 && b[0].is_ascii_alphabetic() && b[1..].iter().all(u8::is_ascii_digit)
}

pub fn eligibility_summary(rows: &[EligibilityRow], day: NaiveDate) -> EligibilitySummary {
    let history = store::validations(rows);
    let status = status_on(&history, day);
    let current = crate::domain::eligibility::valid_on(&history, day);
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

/// The participant as the caller may see it; writes the read to the audit log.
pub fn participant_out(
    conn: &mut Conn,
    caller: &Caller,
    p: Participant,
) -> Result<ParticipantOut, ApiError> {
    let access = store::access(conn, caller, &p)?;
    audit::record(
        conn,
        p.structure_id,
        Some(caller.user_id),
        "read",
        "participant",
        p.id,
        "personal data",
    )?;
    Ok(match access {
        ParticipantAccess::Full => {
            let rows = store::eligibility_history(conn, p.id)?;
            let eligibility = eligibility_summary(&rows, now().date());
            ParticipantOut::Full(Box::new(ParticipantView {
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
            }))
        }
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

/// POST /api/v1/participants — staff.
#[rocket::post("/participants", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<ParticipantInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<ParticipantOut>)> {
    let new = validate(body.0, db.clock.today())?;
    let caller = caller.0;
    let out = db
        .write(move |c| {
            let id = store::create(c, caller.structure_id, &new)?;
            audit::record(
                c,
                caller.structure_id,
                Some(caller.user_id),
                "create",
                "participant",
                id,
                "personal data",
            )?;
            let p = store::get(c, caller.structure_id, id)?;
            participant_out(c, &caller, p)
        })
        .await?;
    Ok((Status::Created, Json(out)))
}

/// GET /api/v1/participants — staff; a contractor sees the people placed with or proposed to it.
#[rocket::get("/participants?<limit>&<offset>")]
pub async fn list(
    caller: StaffOrContractor,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<ParticipantOut>>> {
    params!(limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let caller = caller.0;
    let page = db
        .write(move |c| {
            let (rows, total) = store::list(
                c,
                caller.structure_id,
                caller.contractor_org(),
                limit,
                offset,
            )?;
            let items = rows
                .into_iter()
                .map(|p| participant_out(c, &caller, p))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ListResponse { items, total })
        })
        .await?;
    Ok(Json(page))
}

/// GET /api/v1/participants/{id} — staff; a contractor for people placed with or proposed to it.
#[rocket::get("/participants/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<ParticipantOut>> {
    let caller = caller.0;
    let out = db
        .write(move |c| {
            let p = store::get(c, caller.structure_id, id)?;
            participant_out(c, &caller, p)
        })
        .await?;
    Ok(Json(out))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EligibilityInput {
    pub criteria: Vec<Code>,
    pub proof: Code,
    #[serde(deserialize_with = "limits::date")]
    pub validated_on: NaiveDate,
    pub justification: Option<FreeText>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EligibilityOut {
    #[serde(flatten)]
    pub row: EligibilityRow,
    pub criteria: Vec<String>,
}

/// POST /api/v1/participants/{id}/eligibility — staff: records a validation.
#[rocket::post("/participants/<id>/eligibility", data = "<body>")]
pub async fn add_eligibility(
    caller: Staff,
    id: i64,
    body: JsonBody<EligibilityInput>,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<(Status, Json<EligibilityOut>)> {
    let input = body.0;
    let justification = input
        .justification
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let criteria: Vec<String> = input.criteria.into_iter().map(Into::into).collect();
    let mut errors = check_criteria(&criteria, justification.as_deref())
        .err()
        .unwrap_or_default();
    if !is_code(PROOF_KINDS, &input.proof) {
        errors.push(FieldError {
            field: "proof".into(),
            code: crate::error::INVALID.into(),
            message: format!(
                "must be one of {}",
                crate::domain::catalogue::codes(PROOF_KINDS).join(", ")
            ),
        });
    }
    if input.validated_on > db.clock.today() {
        errors.push(FieldError {
            field: "validated_on".into(),
            code: crate::error::INVALID.into(),
            message: "must not be in the future".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let until = valid_until(input.validated_on, config.eligibility_months);
    let caller = caller.0;
    let out = db
        .write(move |c| {
            let p = store::get(c, caller.structure_id, id)?;
            if p.anonymised_at.is_some() {
                return Err(ApiError::conflict("this person has been anonymised"));
            }
            let eid = store::add_eligibility(
                c,
                caller.structure_id,
                id,
                &criteria,
                &input.proof,
                justification.as_deref(),
                caller.user_id,
                input.validated_on,
                until,
            )?;
            store::touch(c, id, now().date())?;
            audit::record(
                c,
                caller.structure_id,
                Some(caller.user_id),
                "update",
                "participant",
                id,
                "eligibility validated",
            )?;
            let row = store::eligibility_history(c, id)?
                .into_iter()
                .find(|r| r.id == eid)
                .ok_or_else(ApiError::internal)?;
            Ok(EligibilityOut {
                criteria: split_codes(&row.criteria),
                row,
            })
        })
        .await?;
    Ok((Status::Created, Json(out)))
}

/// GET /api/v1/participants/{id}/eligibility — staff: the history of validations.
#[rocket::get("/participants/<id>/eligibility")]
pub async fn eligibility_history(
    caller: Staff,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<Vec<EligibilityOut>>> {
    let caller = caller.0;
    let rows = db
        .write(move |c| {
            store::get(c, caller.structure_id, id)?;
            audit::record(
                c,
                caller.structure_id,
                Some(caller.user_id),
                "read",
                "participant",
                id,
                "eligibility history",
            )?;
            store::eligibility_history(c, id)
        })
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| EligibilityOut {
                criteria: split_codes(&row.criteria),
                row,
            })
            .collect(),
    ))
}

/// GET /api/v1/participants/{id}/timeline — staff; a contractor for its own people, without
/// eligibility.
#[rocket::get("/participants/<id>/timeline")]
pub async fn timeline(
    caller: StaffOrContractor,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<crate::store::timeline::Timeline>> {
    let caller = caller.0;
    let out = db
        .write(move |c| {
            let p = store::get(c, caller.structure_id, id)?;
            let access = store::access(c, &caller, &p)?;
            audit::record(
                c,
                caller.structure_id,
                Some(caller.user_id),
                "read",
                "participant",
                id,
                "timeline",
            )?;
            crate::store::timeline::build(c, &p, access, now().date())
        })
        .await?;
    Ok(Json(out))
}

/// GET /api/v1/audit — admin: who read or changed personal data.
#[rocket::get("/audit?<participant_id>&<limit>&<offset>")]
pub async fn audit_log(
    caller: AdminOnly,
    participant_id: Param<i64>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<AuditEntry>>> {
    params!(participant_id, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let sid = caller.structure_id;
    let (items, total) = db
        .run(move |c| audit::list(c, sid, participant_id, limit, offset))
        .await?;
    Ok(Json(ListResponse { items, total }))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        create,
        list,
        get,
        add_eligibility,
        eligibility_history,
        timeline,
        audit_log
    ]
}
