//! Referrals (propositions de candidats): the facilitator proposes a person to a need, the
//! contractor answers (interview, hired, declined); the facilitator's work list; the
//! referral figures of a year.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::{page, JsonBody, ListResponse};
use crate::api::placements::{place, PlacementInput};
use crate::api::query::{params, Param, Year};
use crate::auth::{Staff, StaffOrContractor};
use crate::config::Config;
use crate::db::{now, Conn, Db};
use crate::domain::eligibility::valid_on;
use crate::domain::limits::{self, Code, FreeText, Label, TextError};
use crate::domain::next_action;
use crate::domain::referrals::{
    self as rules, check_answer, check_own_employer, check_transition, need_status, planned_end,
    Answer, NeedFact, ReferralFact, State as RefState,
};
use crate::domain::units::Hundredths;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::store::contracts::split_codes;
use crate::store::needs::{self as needs_store, Need};
use crate::store::placements::Placement;
use crate::store::referrals::{self as store, EventRow, Referral};
use crate::store::timeline::NextActionOut;
use crate::store::{audit, organisations, participants};

/// What anyone allowed to see a proposal sees of the person: name, wished jobs and
/// availability. Never the eligibility, its criteria or the birth date.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProposedPerson {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub wished_rome_codes: Vec<String>,
    pub available_from: Option<NaiveDate>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReferralView {
    pub id: i64,
    pub need_id: i64,
    pub job_title: String,
    pub contractor_id: i64,
    /// `null` for a contractor once it declined the person: it keeps the proposal's state
    /// and dates, not who it was.
    pub participant: Option<ProposedPerson>,
    /// `proposed`, `interview`, `hired` or `declined`.
    pub state: String,
    pub reason: Option<String>,
    pub comment: Option<String>,
    pub placement_id: Option<i64>,
    pub proposed_by: i64,
    pub proposed_at: chrono::NaiveDateTime,
    pub updated_by: i64,
    pub updated_at: chrono::NaiveDateTime,
    /// Every state change: who and when.
    pub events: Vec<EventRow>,
}

/// Views of some referrals as the caller (`org`: a contractor's organisation) may see
/// them; each person shown is written to the audit log.
fn views(
    conn: &mut Conn,
    sid: i64,
    user_id: i64,
    org: Option<i64>,
    refs: Vec<Referral>,
) -> Result<Vec<ReferralView>, ApiError> {
    let ids: Vec<i64> = refs.iter().map(|r| r.row.id).collect();
    let mut events: HashMap<i64, Vec<EventRow>> = HashMap::new();
    for e in store::events(conn, &ids)? {
        events.entry(e.referral_id).or_default().push(e);
    }
    let mut titles: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::with_capacity(refs.len());
    for r in refs {
        let row = r.row;
        let title = match titles.get(&row.need_id) {
            Some(t) => t.clone(),
            None => {
                let t = needs_store::get_visible(conn, sid, row.need_id, None)?
                    .row
                    .job_title;
                titles.insert(row.need_id, t.clone());
                t
            }
        };
        // A contractor no longer sees who it declined.
        let declined = RefState::parse(&row.state) == Some(RefState::Declined);
        let participant = if org.is_some() && declined {
            None
        } else {
            let p = participants::get(conn, sid, row.participant_id)?;
            audit::record(
                conn,
                sid,
                Some(user_id),
                "read",
                "participant",
                p.id,
                "referral",
            )?;
            Some(ProposedPerson {
                id: p.id,
                first_name: p.first_name,
                last_name: p.last_name,
                wished_rome_codes: split_codes(&p.wished_rome_codes),
                available_from: p.available_from,
            })
        };
        out.push(ReferralView {
            id: row.id,
            need_id: row.need_id,
            job_title: title,
            contractor_id: r.contractor_id,
            participant,
            state: row.state,
            reason: row.reason,
            comment: row.comment,
            placement_id: row.placement_id,
            proposed_by: row.proposed_by,
            proposed_at: row.proposed_at,
            updated_by: row.updated_by,
            updated_at: row.updated_at,
            events: events.remove(&row.id).unwrap_or_default(),
        });
    }
    Ok(out)
}

fn view_one(
    conn: &mut Conn,
    sid: i64,
    user_id: i64,
    org: Option<i64>,
    r: Referral,
) -> ApiResult<ReferralView> {
    views(conn, sid, user_id, org, vec![r])?
        .pop()
        .ok_or_else(ApiError::internal)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReferralInput {
    pub need_id: i64,
    pub participant_id: i64,
}

/// Checks and records a proposal: the need is open, the person exists, is not anonymised,
/// is eligible on the need's start date and is not already proposed to it.
fn propose(conn: &mut Conn, sid: i64, uid: i64, input: &ReferralInput) -> ApiResult<i64> {
    let need = needs_store::get_visible(conn, sid, input.need_id, None);
    let person = participants::find_in(conn, sid, input.participant_id)?;
    let mut errors = Vec::new();
    let need = match need {
        Ok(n) => Some(n),
        Err(e) if e.status == 404 => {
            errors.push(FieldError {
                field: "need_id".into(),
                code: crate::error::INVALID.into(),
                message: "no such need in your structure".into(),
            });
            None
        }
        Err(e) => return Err(e),
    };
    if person.is_none() {
        errors.push(FieldError {
            field: "participant_id".into(),
            code: crate::error::INVALID.into(),
            message: "no such participant in your structure".into(),
        });
    }
    let (Some(need), Some(person)) = (need, person) else {
        return Err(ApiError::validation(errors));
    };
    if need.row.status != "open" {
        return Err(ApiError::conflict(format!(
            "the need is {}; it takes no new proposal",
            need.row.status
        )));
    }
    if person.anonymised_at.is_some() {
        return Err(ApiError::conflict("this person has been anonymised"));
    }
    if let Some(existing) = store::find_existing(conn, need.row.id, person.id)? {
        return Err(
            ApiError::conflict("this person is already proposed to this need")
                .with_extra("existing_id", existing.into()),
        );
    }
    let history = participants::validations(&participants::eligibility_history(conn, person.id)?);
    if valid_on(&history, need.row.starts_on).is_none() {
        return Err(ApiError::invalid(
            "participant_id",
            format!(
                "the person has no valid eligibility on the need's start date ({})",
                need.row.starts_on
            ),
        ));
    }
    let id = store::create(conn, sid, need.row.id, person.id, uid)?;
    participants::touch(conn, person.id, now().date())?;
    audit::record(
        conn,
        sid,
        Some(uid),
        "update",
        "participant",
        person.id,
        "proposed to a recruitment need",
    )?;
    Ok(id)
}

/// POST /api/v1/referrals — staff: proposes a person to a need.
#[rocket::post("/referrals", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<ReferralInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<ReferralView>)> {
    let (sid, uid) = (caller.structure_id, caller.user_id);
    let input = body.0;
    let view = db
        .write(move |c| {
            let id = propose(c, sid, uid, &input)?;
            let r = store::get_visible(c, sid, id, None)?;
            view_one(c, sid, uid, None, r)
        })
        .await?;
    Ok((Status::Created, Json(view)))
}

fn parse_state(state: Option<&str>) -> ApiResult<Option<RefState>> {
    match state {
        None => Ok(None),
        Some(s) => RefState::parse(s).map(Some).ok_or_else(|| {
            ApiError::invalid("state", "must be proposed, interview, hired or declined")
        }),
    }
}

/// GET /api/v1/referrals — staff; a contractor sees the proposals to its own needs.
#[rocket::get("/referrals?<need_id>&<participant_id>&<state>&<limit>&<offset>")]
pub async fn list(
    caller: StaffOrContractor,
    need_id: Param<i64>,
    participant_id: Param<i64>,
    state: Param<String>,
    limit: Param<i64>,
    offset: Param<i64>,
    db: &State<Db>,
) -> ApiResult<Json<ListResponse<ReferralView>>> {
    params!(need_id, participant_id, state, limit, offset);
    let (limit, offset) = page(limit, offset)?;
    let state = parse_state(state.as_deref())?;
    let (sid, uid, org) = (caller.structure_id, caller.user_id, caller.contractor_org());
    let out = db
        .write(move |c| {
            let (refs, total) =
                store::list(c, sid, org, need_id, participant_id, state, limit, offset)?;
            Ok(ListResponse {
                items: views(c, sid, uid, org, refs)?,
                total,
            })
        })
        .await?;
    Ok(Json(out))
}

/// GET /api/v1/referrals/{id} — staff; a contractor for proposals to its own needs.
#[rocket::get("/referrals/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: i64,
    db: &State<Db>,
) -> ApiResult<Json<ReferralView>> {
    let (sid, uid, org) = (caller.structure_id, caller.user_id, caller.contractor_org());
    let view = db
        .write(move |c| {
            let r = store::get_visible(c, sid, id, org)?;
            view_one(c, sid, uid, org, r)
        })
        .await?;
    Ok(Json(view))
}

/// What a hire may change of the need's placement defaults.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementOverrides {
    pub modality: Option<Code>,
    pub employer_id: Option<i64>,
    pub contract_type: Option<Code>,
    pub job_title: Option<Label>,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub starts_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "limits::opt_date")]
    pub ends_on: Option<NaiveDate>,
    pub weekly_hours: Option<Hundredths>,
    /// Staff only: a placement without valid eligibility is a facilitator's decision.
    pub derogation_reason: Option<FreeText>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AnswerInput {
    pub state: Code,
    /// A decline reason: a code of the list.
    pub reason: Option<Code>,
    pub comment: Option<FreeText>,
    pub placement: Option<PlacementOverrides>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum AnswerOut {
    Placement(Box<Placement>),
    Referral(Box<ReferralView>),
}

/// A default taken from the need, in the class of the placement's field; a value stored
/// before the limits existed may not fit it, and is named under `placement.`.
fn from_need<T: TryFrom<String, Error = TextError>>(
    field: &str,
    given: Option<T>,
    stored: &str,
) -> ApiResult<T> {
    match given {
        Some(v) => Ok(v),
        None => T::try_from(stored.to_string())
            .map_err(|e| ApiError::invalid(&format!("placement.{field}"), e.to_string())),
    }
}

/// The placement a hire creates: the need's defaults, then the answer's overrides. The
/// planned end is the start plus the need's duration, unless given.
fn hire_input(
    participant_id: i64,
    need: &Need,
    o: PlacementOverrides,
) -> ApiResult<PlacementInput> {
    let n = &need.row;
    let starts_on = o.starts_on.unwrap_or(n.starts_on);
    Ok(PlacementInput {
        participant_id,
        assignment_id: n.assignment_id,
        modality: from_need("modality", o.modality, &n.modality)?,
        employer_id: o.employer_id.unwrap_or(n.employer_id),
        contract_type: from_need("contract_type", o.contract_type, &n.contract_type)?,
        job_title: from_need("job_title", o.job_title, &n.job_title)?,
        starts_on,
        ends_on: o
            .ends_on
            .or_else(|| planned_end(starts_on, n.duration_months)),
        weekly_hours: Some(o.weekly_hours.unwrap_or(Hundredths(n.weekly_hours))),
        derogation_reason: o.derogation_reason,
    })
}

/// Field errors of the placement rules, named under `placement.` in the answer.
fn under_placement(mut e: ApiError) -> ApiError {
    if e.status == 422 {
        for f in e.errors.iter_mut() {
            f.field = format!("placement.{}", f.field);
        }
        if let [one] = e.errors.as_slice() {
            e.detail = format!("{}: {}", one.field, one.message);
        }
    }
    e
}

/// Records an answer in one transaction: the state change and its event, and for a hire
/// the placement (every placement rule checked) and the need's status. The change is
/// written to the audit log of the person.
fn record_answer(
    conn: &mut Conn,
    sid: i64,
    uid: i64,
    org: Option<i64>,
    id: i64,
    answer: Answer,
    overrides: PlacementOverrides,
) -> ApiResult<AnswerOut> {
    let r = store::get_visible(conn, sid, id, org)?;
    audit::record(
        conn,
        sid,
        Some(uid),
        "update",
        "participant",
        r.row.participant_id,
        "proposal answered",
    )?;
    let from = RefState::parse(&r.row.state).ok_or_else(ApiError::internal)?;
    let to = answer.state();
    check_transition(from, to).map_err(ApiError::conflict)?;
    if to != RefState::Hired {
        if !store::change_state(
            conn,
            id,
            from,
            to,
            answer.reason(),
            answer.comment(),
            None,
            uid,
        )? {
            return Err(ApiError::conflict(
                "the proposal was answered meanwhile; reload it",
            ));
        }
        let r = store::get_visible(conn, sid, id, None)?;
        return Ok(AnswerOut::Referral(Box::new(view_one(
            conn, sid, uid, org, r,
        )?)));
    }
    needs_store::lock(conn, r.row.need_id)?;
    let need = needs_store::get_visible(conn, sid, r.row.need_id, None)?;
    let hires = store::hires_of_need(conn, need.row.id)?;
    let posts = i64::from(need.row.posts);
    if need.row.status != "open" || hires >= posts {
        let why = if need.row.status == "closed" {
            "the need is closed".to_string()
        } else {
            format!("the need is filled ({hires} of {posts} posts)")
        };
        return Err(ApiError::conflict(format!("{why}; no further hire")));
    }
    let input = hire_input(r.row.participant_id, &need, overrides)?;
    let placement = place(conn, sid, uid, input).map_err(under_placement)?;
    if !store::change_state(
        conn,
        id,
        from,
        RefState::Hired,
        None,
        answer.comment(),
        Some(placement.id),
        uid,
    )? {
        return Err(ApiError::conflict(
            "the proposal was answered meanwhile; reload it",
        ));
    }
    let status = need_status(posts, hires + 1);
    if status != need.row.status {
        needs_store::set_status(conn, need.row.id, status)?;
    }
    Ok(AnswerOut::Placement(Box::new(placement.as_seen_by(org))))
}

/// POST /api/v1/referrals/{id}/answer — staff; a contractor for proposals to its own needs.
/// `hired` creates the placement from the need's defaults (201 with the placement); the
/// other answers return the proposal.
#[rocket::post("/referrals/<id>/answer", data = "<body>")]
pub async fn answer(
    caller: StaffOrContractor,
    id: i64,
    body: JsonBody<AnswerInput>,
    db: &State<Db>,
) -> ApiResult<(Status, Json<AnswerOut>)> {
    let input = body.0;
    let overrides = input.placement;
    let answer = check_answer(
        &input.state,
        input.reason.as_deref(),
        input.comment.as_deref(),
        overrides.is_some(),
    )
    .map_err(ApiError::validation)?;
    let overrides = overrides.unwrap_or_default();
    if !caller.is_staff()
        && overrides
            .derogation_reason
            .as_deref()
            .is_some_and(|d| !d.trim().is_empty())
    {
        return Err(ApiError::invalid(
            "placement.derogation_reason",
            "only a facilitator may record a derogation",
        ));
    }
    let (sid, uid, org) = (caller.structure_id, caller.user_id, caller.contractor_org());
    if let (Some(org), Some(employer)) = (org, overrides.employer_id) {
        check_own_employer(org, employer)
            .map_err(|e| under_placement(ApiError::validation(vec![e])))?;
    }
    let hired = answer.state() == RefState::Hired;
    let out = db
        .write(move |c| record_answer(c, sid, uid, org, id, answer, overrides))
        .await?;
    let status = if hired { Status::Created } else { Status::Ok };
    Ok((status, Json(out)))
}

// ---------------------------------------------------------------------------------------
// Work list

#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkPerson {
    pub id: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// One thing someone owes: a need short of proposals (the facilitator), or a proposal
/// waiting for the contractor's answer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkItem {
    /// `proposals_needed` or `referral_answer`.
    pub code: String,
    pub what: String,
    #[schema(value_type = Object)]
    pub owed_by: serde_json::Value,
    pub since: NaiveDate,
    pub days: i64,
    pub need_id: i64,
    pub job_title: String,
    pub contractor_id: i64,
    pub starts_on: Option<NaiveDate>,
    pub posts: Option<i32>,
    pub hires: Option<i64>,
    pub pending: Option<i64>,
    pub referral_id: Option<i64>,
    pub state: Option<String>,
    pub participant: Option<WorkPerson>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkList {
    pub on: NaiveDate,
    pub wait_days: u32,
    pub items: Vec<WorkItem>,
    pub total: i64,
}

fn contractor_name(
    conn: &mut Conn,
    sid: i64,
    cache: &mut HashMap<i64, String>,
    id: i64,
) -> ApiResult<String> {
    if let Some(n) = cache.get(&id) {
        return Ok(n.clone());
    }
    let name = organisations::find(conn, sid, id)?
        .map(|o| o.name)
        .unwrap_or_default();
    cache.insert(id, name.clone());
    Ok(name)
}

/// The work list of a structure on a day: open needs whose people in the running are fewer
/// than the posts left, and proposals without the contractor's final answer for more than
/// `wait_days` days; each with who owes the next action and since when, oldest first.
pub fn work_list(
    conn: &mut Conn,
    sid: i64,
    user_id: i64,
    today: NaiveDate,
    wait_days: u32,
) -> ApiResult<Vec<WorkItem>> {
    let mut names = HashMap::new();
    let mut items = Vec::new();
    let open = needs_store::open(conn, sid)?;
    let ids: Vec<i64> = open.iter().map(|n| n.row.id).collect();
    let counts = needs_store::proposal_counts(conn, &ids)?;
    for n in open {
        let c = counts.get(&n.row.id).copied().unwrap_or_default();
        let posts = i64::from(n.row.posts);
        if !rules::short_of_proposals(posts, c.hires, c.pending) {
            continue;
        }
        let since = n.row.created_at.date();
        let action = next_action::proposals_needed(since);
        items.push(WorkItem {
            code: action.code.clone(),
            what: action.what.clone(),
            owed_by: NextActionOut::from(action).owed_by,
            since,
            days: rules::days_since(since, today),
            need_id: n.row.id,
            job_title: n.row.job_title,
            contractor_id: n.contractor_id,
            starts_on: Some(n.row.starts_on),
            posts: Some(n.row.posts),
            hires: Some(c.hires),
            pending: Some(c.pending),
            referral_id: None,
            state: None,
            participant: None,
        });
    }
    for w in store::waiting(conn, Some(sid), today, wait_days)? {
        let name = contractor_name(conn, sid, &mut names, w.contractor_id)?;
        let action = next_action::referral_answer(w.contractor_id, &name, w.since);
        let p = participants::get(conn, sid, w.participant_id)?;
        audit::record(
            conn,
            sid,
            Some(user_id),
            "read",
            "participant",
            p.id,
            "work list",
        )?;
        items.push(WorkItem {
            code: action.code.clone(),
            what: action.what.clone(),
            owed_by: NextActionOut::from(action).owed_by,
            since: w.since,
            days: rules::days_since(w.since, today),
            need_id: w.need_id,
            job_title: w.job_title,
            contractor_id: w.contractor_id,
            starts_on: None,
            posts: None,
            hires: None,
            pending: None,
            referral_id: Some(w.referral_id),
            state: Some(w.state.as_str().to_string()),
            participant: Some(WorkPerson {
                id: p.id,
                first_name: p.first_name,
                last_name: p.last_name,
            }),
        });
    }
    items.sort_by(|a, b| {
        a.since
            .cmp(&b.since)
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.need_id.cmp(&b.need_id))
            .then_with(|| a.referral_id.cmp(&b.referral_id))
    });
    Ok(items)
}

/// GET /api/v1/worklist — staff: what is owed on needs and proposals, by whom and since
/// when. `on` (default today) is the day looked at; `wait_days` (default the configured
/// `referral_wait_days`, 7) how long a contractor may take to answer.
#[rocket::get("/worklist?<on>&<wait_days>")]
pub async fn worklist(
    caller: Staff,
    on: Param<NaiveDate>,
    wait_days: Param<u32>,
    db: &State<Db>,
    config: &State<Config>,
) -> ApiResult<Json<WorkList>> {
    params!(on, wait_days);
    let today = on.unwrap_or_else(|| db.clock.today());
    if wait_days.is_some_and(|w| w > 365) {
        return Err(ApiError::invalid("wait_days", "must be at most 365"));
    }
    let wait = wait_days.unwrap_or(config.referral_wait_days);
    let (sid, uid) = (caller.structure_id, caller.user_id);
    let items = db
        .write(move |c| work_list(c, sid, uid, today, wait))
        .await?;
    Ok(Json(WorkList {
        on: today,
        wait_days: wait,
        total: i64::try_from(items.len()).unwrap_or(i64::MAX),
        items,
    }))
}

// ---------------------------------------------------------------------------------------
// Figures of the year

/// A share in tenths of a percent as a JSON number with one decimal (315 -> 31.5).
fn tenths_to_json(v: Option<i64>) -> serde_json::Value {
    match v {
        None => serde_json::Value::Null,
        Some(t) => {
            let text = format!(
                "{}{}.{}",
                if t < 0 { "-" } else { "" },
                t.abs() / 10,
                t.abs() % 10
            );
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
        }
    }
}

fn counts_json(c: &rules::Counts) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    for (k, v) in [
        ("needs", c.needs),
        ("posts", c.posts),
        ("proposals", c.proposals),
        ("interviews", c.interviews),
        ("hires", c.hires),
        ("declined", c.declined),
        ("pending", c.pending),
    ] {
        m.insert(k.into(), v.into());
    }
    m.insert("hire_rate".into(), tenths_to_json(c.hire_rate_tenths));
    m
}

/// GET /api/v1/reports/referrals?year= — staff of the structure: needs created in the year,
/// proposals made in it and what became of them (`hires`: proposals of the year that led to
/// a hire; `hire_rate`: hires ÷ proposals, percent with one decimal), by contractor and by
/// job (ROME code, or job title without one), and declines by reason. A year runs from
/// midnight to midnight in the structure's time zone.
#[rocket::get("/reports/referrals?<year>")]
pub async fn report(
    caller: Staff,
    year: Param<Year>,
    db: &State<Db>,
) -> ApiResult<Json<serde_json::Value>> {
    params!(year);
    let year = year.map_or_else(|| db.clock.today().year(), |y| y.0);
    if !(2000..=2100).contains(&year) {
        return Err(ApiError::invalid("year", "must be between 2000 and 2100"));
    }
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year + 1, 1, 1),
    ) else {
        return Err(ApiError::invalid("year", "is not a valid year"));
    };
    let sid = caller.structure_id;
    let out = db
        .run(move |c| {
            // The structure's own year: from midnight to midnight in its département's time
            // zone (Paris when none is recorded), the timestamps being UTC.
            let territory = crate::store::reports::structure_territory(c, sid)?;
            let tz = crate::domain::territory::time_zone(territory.as_deref().unwrap_or(""));
            let start = crate::domain::calendar::day_start_utc(from, tz);
            let end = crate::domain::calendar::day_start_utc(to, tz);
            let needs: Vec<NeedFact> = store::needs_between(c, sid, start, end)?
                .into_iter()
                .map(|(contractor_id, rome_code, job_title, posts)| NeedFact {
                    contractor_id,
                    rome_code,
                    job_title,
                    posts: i64::from(posts),
                })
                .collect();
            let refs: Vec<ReferralFact> = store::proposals_between(c, sid, start, end)?
                .into_iter()
                .map(
                    |(contractor_id, rome_code, job_title, state, reason)| ReferralFact {
                        contractor_id,
                        rome_code,
                        job_title,
                        state: RefState::parse(&state).unwrap_or(RefState::Proposed),
                        reason,
                    },
                )
                .collect();
            let f = rules::figures(&needs, &refs);
            let mut names = HashMap::new();
            let mut by_contractor = Vec::new();
            for (id, counts) in &f.by_contractor {
                let mut m = counts_json(counts);
                m.insert("contractor_id".into(), (*id).into());
                m.insert(
                    "name".into(),
                    contractor_name(c, sid, &mut names, *id)?.into(),
                );
                by_contractor.push(serde_json::Value::Object(m));
            }
            let by_job: Vec<serde_json::Value> = f
                .by_job
                .iter()
                .map(|j| {
                    let mut m = counts_json(&j.counts);
                    m.insert("rome_code".into(), j.rome_code.clone().into());
                    m.insert("job_title".into(), j.job_title.clone().into());
                    serde_json::Value::Object(m)
                })
                .collect();
            let declines: serde_json::Map<String, serde_json::Value> = f
                .declines
                .iter()
                .map(|(k, v)| (k.to_string(), (*v).into()))
                .collect();
            let mut body = counts_json(&f.total);
            body.insert("year".into(), year.into());
            body.insert("from".into(), from.to_string().into());
            body.insert("to".into(), to.pred_opt().unwrap_or(to).to_string().into());
            body.insert("declines".into(), declines.into());
            body.insert("by_contractor".into(), by_contractor.into());
            body.insert("by_job".into(), by_job.into());
            Ok(serde_json::Value::Object(body))
        })
        .await?;
    Ok(Json(out))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![create, list, get, answer, worklist, report]
}
