//! Recruitment needs (besoins de recrutement) of an assignment, and the people of the pool
//! that match them.

use chrono::NaiveDate;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::participants::is_rome_code;
use crate::api::query::{params, Param};
use crate::auth::{Staff, StaffOrContractor};
use crate::db::{Conn, Db};
use crate::domain::catalogue::{codes, is_code, CONTRACT_TYPES, MODALITIES};
use crate::domain::eligibility::check_weekly_hours;
use crate::domain::limits::{self, Code, Label};
use crate::domain::matching::{rank, Need as MatchNeed};
use crate::domain::referrals::{
    check_own_employer, departement_of_commune, is_licence_code, MAX_DURATION_MONTHS, MAX_POSTS,
};
use crate::domain::territory::is_valid_departement;
use crate::domain::units::{ser_hundredths, Hundredths};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::contracts::split_codes;
use crate::store::needs::{self as store, Need, NewNeed, ProposalCounts};
use crate::store::{audit, clauses, organisations};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NeedInput {
    pub assignment_id: i64,
    pub job_title: Label,
    pub rome_code: Option<Code>,
    pub posts: i64,
    pub commune_code: Code,
    pub territory: Code,
    #[serde(deserialize_with = "limits::date")]
    pub starts_on: NaiveDate,
    pub weekly_hours: Hundredths,
    pub duration_months: Option<i64>,
    #[serde(default)]
    pub licences: Vec<Code>,
    pub modality: Code,
    pub employer_id: i64,
    pub contract_type: Code,
}

/// A need as the API shows it, with the counts of its proposals.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NeedView {
    pub id: i64,
    pub assignment_id: i64,
    pub clause_id: i64,
    pub contractor_id: i64,
    pub job_title: String,
    pub rome_code: Option<String>,
    pub posts: i32,
    pub commune_code: String,
    pub territory: String,
    pub starts_on: NaiveDate,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub weekly_hours: i64,
    pub duration_months: Option<i32>,
    pub licences: Vec<String>,
    pub modality: String,
    pub employer_id: i64,
    pub contract_type: String,
    /// `open`, `filled` (hires reached the posts) or `closed`.
    pub status: String,
    pub proposals: i64,
    /// Proposed or in interview: still in the running.
    pub pending: i64,
    pub hires: i64,
    pub declined: i64,
    pub created_by: i64,
    pub created_at: chrono::NaiveDateTime,
}

pub fn need_view(n: Need, counts: ProposalCounts) -> NeedView {
    let r = n.row;
    NeedView {
        id: r.id,
        assignment_id: r.assignment_id,
        clause_id: n.clause_id,
        contractor_id: n.contractor_id,
        job_title: r.job_title,
        rome_code: r.rome_code,
        posts: r.posts,
        commune_code: r.commune_code,
        territory: r.territory,
        starts_on: r.starts_on,
        weekly_hours: r.weekly_hours,
        duration_months: r.duration_months,
        licences: split_codes(&r.licences),
        modality: r.modality,
        employer_id: r.employer_id,
        contract_type: r.contract_type,
        status: r.status,
        proposals: counts.total,
        pending: counts.pending,
        hires: counts.hires,
        declined: counts.declined,
        created_by: r.created_by,
        created_at: r.created_at,
    }
}

fn views(conn: &mut Conn, needs: Vec<Need>) -> Result<Vec<NeedView>, ApiError> {
    let ids: Vec<i64> = needs.iter().map(|n| n.row.id).collect();
    let counts = store::proposal_counts(conn, &ids)?;
    Ok(needs
        .into_iter()
        .map(|n| {
            let c = counts.get(&n.row.id).copied().unwrap_or_default();
            need_view(n, c)
        })
        .collect())
}

/// One view, counts included.
pub fn view_of(conn: &mut Conn, need: Need) -> Result<NeedView, ApiError> {
    views(conn, vec![need])?
        .pop()
        .ok_or_else(ApiError::internal)
}

/// Checks a need: every field, the assignment (a contractor: one of its own), the employer,
/// and that the clause still runs. Field errors come together.
fn validate(
    conn: &mut Conn,
    sid: i64,
    contractor: Option<i64>,
    input: NeedInput,
) -> Result<NewNeed, ApiError> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            code: crate::error::INVALID.into(),
            message,
        })
    };
    let assignment = clauses::find_assignment(conn, sid, input.assignment_id)?
        .filter(|a| contractor.is_none_or(|org| org == a.contractor_id));
    if assignment.is_none() {
        let whose = if contractor.is_some() {
            "of your organisation"
        } else {
            "in your structure"
        };
        err("assignment_id", format!("no such assignment {whose}"));
    }
    let job_title = input.job_title.trim().to_string();
    if job_title.is_empty() {
        err("job_title", "must not be empty".into());
    }
    let rome_code = input
        .rome_code
        .as_deref()
        .map(|r| r.trim().to_uppercase())
        .filter(|r| !r.is_empty());
    if rome_code.as_deref().is_some_and(|r| !is_rome_code(r)) {
        err(
            "rome_code",
            "a ROME code is a letter and four digits (e.g. F1606)".into(),
        );
    }
    if !(1..=MAX_POSTS).contains(&input.posts) {
        err("posts", format!("must be between 1 and {MAX_POSTS}"));
    }
    let territory = input.territory.trim().to_uppercase();
    let territory_ok = is_valid_departement(&territory);
    if !territory_ok {
        err(
            "territory",
            format!("`{}` is not a département code", input.territory),
        );
    }
    let commune_code = input.commune_code.trim().to_uppercase();
    match departement_of_commune(&commune_code) {
        None => err(
            "commune_code",
            "an INSEE commune code is five characters (e.g. 93066)".into(),
        ),
        Some(d) if territory_ok && d != territory => err(
            "commune_code",
            format!("commune {commune_code} is not in département {territory}"),
        ),
        Some(_) => {}
    }
    if let Err(e) = check_weekly_hours(input.weekly_hours.0) {
        errors.push(e);
    }
    if input
        .duration_months
        .is_some_and(|m| !(1..=MAX_DURATION_MONTHS).contains(&m))
    {
        errors.push(FieldError {
            field: "duration_months".into(),
            code: crate::error::INVALID.into(),
            message: format!("must be between 1 and {MAX_DURATION_MONTHS}"),
        });
    }
    let mut licences: Vec<String> = input
        .licences
        .iter()
        .map(|l| l.trim().to_uppercase())
        .collect();
    for (i, l) in licences.iter().enumerate() {
        if !is_licence_code(l) {
            errors.push(FieldError {
                field: format!("licences[{i}]"),
                code: crate::error::INVALID.into(),
                message: "a licence code is capital letters, digits or _ (e.g. B, CACES_R482)"
                    .into(),
            });
        }
    }
    licences.sort();
    licences.dedup();
    if !is_code(MODALITIES, &input.modality) {
        errors.push(FieldError {
            field: "modality".into(),
            code: crate::error::INVALID.into(),
            message: format!("must be one of {}", codes(MODALITIES).join(", ")),
        });
    }
    if !is_code(CONTRACT_TYPES, &input.contract_type) {
        errors.push(FieldError {
            field: "contract_type".into(),
            code: crate::error::INVALID.into(),
            message: format!("must be one of {}", codes(CONTRACT_TYPES).join(", ")),
        });
    }
    // A contractor's need names itself as employer; another one is the facilitator's choice.
    let own_employer = contractor.map(|org| check_own_employer(org, input.employer_id));
    match organisations::find(conn, sid, input.employer_id)? {
        _ if own_employer.as_ref().is_some_and(Result::is_err) => {
            errors.extend(own_employer.and_then(Result::err));
        }
        Some(o) if o.kind == "contractor" || o.kind == "insertion_structure" => {}
        _ => errors.push(FieldError {
            field: "employer_id".into(),
            code: crate::error::INVALID.into(),
            message: "must be a contractor or insertion structure of your structure".into(),
        }),
    }
    let (Some(assignment), true) = (assignment, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let clause = clauses::get(conn, sid, assignment.clause_id)?;
    if clause.status == "completed" || clause.status == "cancelled" {
        return Err(ApiError::conflict(format!(
            "the clause is {}",
            clause.status
        )));
    }
    if input.starts_on > clause.ends_on {
        return Err(ApiError::invalid(
            "starts_on",
            format!(
                "must not be after the end of the clause ({})",
                clause.ends_on
            ),
        ));
    }
    Ok(NewNeed {
        assignment_id: assignment.id,
        job_title,
        rome_code,
        posts: i32::try_from(input.posts).unwrap_or(1),
        commune_code,
        territory,
        starts_on: input.starts_on,
        weekly_hours: input.weekly_hours.0,
        duration_months: input.duration_months.and_then(|m| i32::try_from(m).ok()),
        licences,
        modality: input.modality.into(),
        employer_id: input.employer_id,
        contract_type: input.contract_type.into(),
    })
}

/// POST /api/v1/needs — staff; a contractor for its own assignments.
#[rocket::post("/needs", data = "<body>")]
pub async fn create(
    caller: StaffOrContractor,
    body: JsonBody<NeedInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<NeedView>)> {
    let (sid, uid, org) = (caller.structure_id, caller.user_id, caller.contractor_org());
    let input = body.0;
    let view = db
        .write(move |c| {
            let new = validate(c, sid, org, input)?;
            let id = store::create(c, sid, &new, uid)?;
            let need = store::get_visible(c, sid, id, None)?;
            view_of(c, need)
        })
        .await?;
    Ok((Status::Created, Json(view)))
}

const NEED_STATUSES: [&str; 3] = ["open", "filled", "closed"];

/// GET /api/v1/needs — staff; a contractor sees the needs of its own assignments.
#[rocket::get("/needs?<status>&<assignment_id>&<limit>&<offset>")]
pub async fn list(
    caller: StaffOrContractor,
    status: Param<String>,
    assignment_id: Param<i64>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<NeedView>>> {
    params!(status, assignment_id, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    if status
        .as_deref()
        .is_some_and(|s| !NEED_STATUSES.contains(&s))
    {
        return Err(ApiError::invalid(
            "status",
            "must be open, filled or closed",
        ));
    }
    let sid = caller.structure_id;
    let org = caller.contractor_org();
    let out = db
        .run(move |c| {
            let (needs, total) =
                store::list(c, sid, org, status.as_deref(), assignment_id, limit, offset)?;
            Ok(ListResponse {
                items: views(c, needs)?,
                total,
            })
        })
        .await?;
    Ok(Json(out))
}

/// GET /api/v1/needs/{id} — staff; a contractor for its own needs.
#[rocket::get("/needs/<id>")]
pub async fn get(caller: StaffOrContractor, id: i64, db: &State<Db>) -> ApiResult<Json<NeedView>> {
    let sid = caller.structure_id;
    let org = caller.contractor_org();
    let view = db
        .run(move |c| {
            let need = store::get_visible(c, sid, id, org)?;
            view_of(c, need)
        })
        .await?;
    Ok(Json(view))
}

/// POST /api/v1/needs/{id}/close — staff; a contractor for its own needs: the need is no
/// longer recruited for (a filled need stays filled). Pending proposals keep waiting for
/// their answer.
#[rocket::post("/needs/<id>/close")]
pub async fn close(
    caller: StaffOrContractor,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<NeedView>> {
    let sid = caller.structure_id;
    let org = caller.contractor_org();
    let view = db
        .write(move |c| {
            let need = store::get_visible(c, sid, id, org)?;
            if need.row.status != "open" {
                return Err(ApiError::conflict(format!(
                    "the need is already {}",
                    need.row.status
                )));
            }
            store::set_status(c, id, "closed")?;
            let need = store::get_visible(c, sid, id, None)?;
            view_of(c, need)
        })
        .await?;
    Ok(Json(view))
}

/// One person of the pool ranked for a need.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MatchView {
    pub participant_id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Out of 7: `job` 3, `place` 2, `available` 1, `licences` 1.
    pub score: i32,
    pub reasons: Vec<&'static str>,
    pub wished_rome_codes: Vec<String>,
    pub reachable_departements: Vec<String>,
    pub licences: Vec<String>,
    pub available_from: Option<NaiveDate>,
    pub eligibility_valid_until: Option<NaiveDate>,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub planned_weekly_hours_on_start: i64,
    /// The proposal of this person to this need, if already made.
    pub referral: Option<MatchReferral>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MatchReferral {
    pub id: i64,
    pub state: String,
}

/// GET /api/v1/needs/{id}/matches — staff: the pool ranked for the need (see
/// `domain::matching::rank` for the score). Each person listed is written to the audit log.
#[rocket::get("/needs/<id>/matches?<limit>&<offset>")]
pub async fn matches(
    caller: Staff,
    id: i64,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<MatchView>>> {
    params!(limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let (sid, uid) = (caller.structure_id, caller.user_id);
    let out = db
        .write(move |c| {
            let need = store::get_visible(c, sid, id, None)?;
            let pool = store::pool(c, sid, need.row.starts_on)?;
            let wanted = MatchNeed {
                rome_code: need.row.rome_code.clone(),
                territory: need.row.territory.clone(),
                starts_on: need.row.starts_on,
                licences: split_codes(&need.row.licences),
            };
            let candidates: Vec<_> = pool.iter().map(|(_, cand)| cand.clone()).collect();
            let ranked = rank(&wanted, &candidates);
            let total = i64::try_from(ranked.len()).unwrap_or(i64::MAX);
            let proposed = crate::store::referrals::of_need(c, id)?;
            let start = usize::try_from(offset).unwrap_or(usize::MAX);
            let take = usize::try_from(limit).unwrap_or(0);
            let mut items = Vec::new();
            for m in ranked.into_iter().skip(start).take(take) {
                let Some((p, cand)) = pool.iter().find(|(p, _)| p.id == m.participant_id) else {
                    continue;
                };
                audit::record(c, sid, Some(uid), "read", "participant", p.id, "pool match")?;
                items.push(MatchView {
                    participant_id: p.id,
                    first_name: p.first_name.clone(),
                    last_name: p.last_name.clone(),
                    score: m.score,
                    reasons: m.reasons,
                    wished_rome_codes: cand.wished_rome_codes.clone(),
                    reachable_departements: cand.reachable_departements.clone(),
                    licences: cand.licences.clone(),
                    available_from: cand.available_from,
                    eligibility_valid_until: cand.eligibility_valid_until,
                    planned_weekly_hours_on_start: cand.planned_weekly_hours_on_start,
                    referral: proposed
                        .iter()
                        .find(|r| r.1 == p.id)
                        .map(|r| MatchReferral {
                            id: r.0,
                            state: r.2.clone(),
                        }),
                });
            }
            Ok(ListResponse { items, total })
        })
        .await?;
    Ok(Json(out))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get, close, matches]
}
