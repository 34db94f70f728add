//! Referrals (propositions de candidats): the facilitator proposes a person to a need, the
//! contractor answers (interview, hired, declined); the facilitator's work list; the
//! referral figures of a year.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::api::body::JsonBody;
use crate::api::messages::field_error;
use crate::api::query::{params, Page, Paging, Param, Year};
use crate::api::reply::{self, Answer, Created, Listed};
use crate::app::placements::Actor;
use crate::app::referrals::{
    self as app, Answered, HireOverrides, ReferralDetails, ReferralFilter,
};
use crate::auth::records::may_record_derogation;
use crate::auth::{Caller, Staff, StaffOrContractor};
use crate::config::Config;
use crate::db::{write_tx, Conn, Db};
use crate::domain::ids::{
    NeedId, OrganisationId, ParticipantId, PlacementId, ReferralId, StructureId, UserId,
};
use crate::domain::limits::{self, Code, FreeText, Label};
use crate::domain::next_action;
use crate::domain::referrals::{
    self as rules, check_answer, check_own_employer, NeedFact, ReferralFact, State as RefState,
};
use crate::domain::rule::Violation;
use crate::domain::units::Hundredths;
use crate::domain::vocabulary::{ContractType, Modality};
use crate::error::{ApiError, ApiResult};
use crate::store::contracts::split_codes;
use crate::store::history::HistoryEntry;
use crate::store::needs as needs_store;
use crate::store::placements::Placement;
use crate::store::referrals as store;
use crate::store::timeline::NextActionOut;
use crate::store::{organisations, participants};

/// What anyone allowed to see a proposal sees of the person: name, wished jobs and
/// availability. Never the eligibility, its criteria or the birth date.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProposedPerson {
    pub id: ParticipantId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub wished_rome_codes: Vec<String>,
    pub available_from: Option<NaiveDate>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReferralView {
    pub id: ReferralId,
    pub need_id: NeedId,
    pub job_title: String,
    pub contractor_id: OrganisationId,
    /// `null` for a contractor once it declined the person: it keeps the proposal's state
    /// and dates, not who it was.
    pub participant: Option<ProposedPerson>,
    /// `proposed`, `interview`, `hired` or `declined`.
    pub state: RefState,
    pub reason: Option<String>,
    pub comment: Option<String>,
    pub placement_id: Option<PlacementId>,
    pub proposed_by: UserId,
    pub proposed_at: chrono::NaiveDateTime,
    pub updated_by: UserId,
    pub updated_at: chrono::NaiveDateTime,
    /// Every state change in the one history shape: the proposal (`create`), then each
    /// answer (`answer`) with the change of `state` (and of the decline `reason` code, of
    /// `placement_id` for a hire); the comment given with an answer is the line's `reason`.
    pub events: Vec<HistoryEntry>,
    pub contractor_name: String,
    /// First and last name; null where `participant` is null or once anonymised.
    pub participant_name: Option<String>,
}

/// A referral as the route answers it.
impl From<ReferralDetails> for ReferralView {
    fn from(d: ReferralDetails) -> ReferralView {
        let row = d.referral.row;
        let participant_name = d.person.as_ref().and_then(|p| {
            crate::store::names::person_name(p.first_name.clone(), p.last_name.clone())
        });
        ReferralView {
            id: row.id,
            need_id: row.need_id,
            job_title: d.job_title,
            contractor_id: d.referral.contractor_id,
            participant: d.person.map(|p| ProposedPerson {
                id: p.id,
                first_name: p.first_name,
                last_name: p.last_name,
                wished_rome_codes: split_codes(&p.wished_rome_codes),
                available_from: p.available_from,
            }),
            state: row.state,
            reason: row.reason,
            comment: row.comment,
            placement_id: row.placement_id,
            proposed_by: row.proposed_by,
            proposed_at: row.proposed_at,
            updated_by: row.updated_by,
            updated_at: row.updated_at,
            events: d.events,
            contractor_name: d.contractor_name,
            participant_name,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReferralInput {
    pub need_id: NeedId,
    pub participant_id: ParticipantId,
}

/// POST /api/v1/referrals — staff: proposes a person to a need.
#[rocket::post("/referrals", data = "<body>")]
pub async fn create(
    caller: Staff,
    body: JsonBody<ReferralInput>,
    db: &State<Db>,
) -> Created<ReferralView> {
    let by = actor(&caller, db);
    let input = body.0;
    reply::created(db, move |c| {
        write_tx(c, |c| {
            app::propose(c, &by, input.need_id, input.participant_id)
        })
    })
    .await
}

fn parse_state(state: Option<&str>) -> ApiResult<Option<RefState>> {
    match state {
        None => Ok(None),
        Some(s) => RefState::parse(s).map(Some).ok_or_else(|| {
            crate::app::AppError::invalid(Violation::new("state", "referral_state_unknown")).into()
        }),
    }
}

/// GET /api/v1/referrals — staff; a contractor sees the proposals to its own needs.
#[rocket::get("/referrals?<need_id>&<participant_id>&<state>&<paging..>")]
pub async fn list(
    caller: StaffOrContractor,
    need_id: Param<NeedId>,
    participant_id: Param<ParticipantId>,
    state: Param<String>,
    paging: Paging,
    db: &State<Db>,
) -> Listed<ReferralView> {
    params!(need_id, participant_id, state, paging);
    let state = parse_state(state.as_deref())?;
    let (by, org) = (actor(&caller, db), caller.contractor_org());
    let f = ReferralFilter {
        need_id,
        participant_id,
        state,
    };
    let Page { limit, offset } = paging;
    reply::page(db, move |c| {
        write_tx(c, |c| app::list_referrals(c, &by, org, f, limit, offset))
    })
    .await
}

/// GET /api/v1/referrals/{id} — staff; a contractor for proposals to its own needs.
#[rocket::get("/referrals/<id>")]
pub async fn get(
    caller: StaffOrContractor,
    id: ReferralId,
    db: &State<Db>,
) -> Answer<ReferralView> {
    let (by, org) = (actor(&caller, db), caller.contractor_org());
    reply::json(db, move |c| {
        write_tx(c, |c| app::referral_for(c, &by, org, id))
    })
    .await
}

/// Who acts, for the use cases.
fn actor(caller: &Caller, db: &Db) -> Actor {
    Actor {
        structure_id: caller.structure_id,
        user_id: caller.user_id,
        today: db.clock.today(),
    }
}

/// What a hire may change of the need's placement defaults.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementOverrides {
    #[schema(value_type = Option<Modality>)]
    pub modality: Option<Code>,
    pub employer_id: Option<OrganisationId>,
    #[schema(value_type = Option<ContractType>)]
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

impl From<PlacementOverrides> for HireOverrides {
    fn from(o: PlacementOverrides) -> HireOverrides {
        HireOverrides {
            modality: o.modality,
            employer_id: o.employer_id,
            contract_type: o.contract_type,
            job_title: o.job_title,
            starts_on: o.starts_on,
            ends_on: o.ends_on,
            weekly_hours: o.weekly_hours.map(|h| h.0),
            derogation_reason: o.derogation_reason.map(Into::into),
        }
    }
}

/// POST /api/v1/referrals/{id}/answer — staff; a contractor for proposals to its own needs.
/// `hired` creates the placement from the need's defaults (201 with the placement); the
/// other answers return the proposal.
#[rocket::post("/referrals/<id>/answer", data = "<body>")]
pub async fn answer(
    caller: StaffOrContractor,
    id: ReferralId,
    body: JsonBody<AnswerInput>,
    db: &State<Db>,
) -> Created<AnswerOut> {
    let input = body.0;
    let overrides = input.placement;
    let answer = check_answer(
        &input.state,
        input.reason.as_deref(),
        input.comment.as_deref(),
        overrides.is_some(),
    )
    .map_err(|v| ApiError::from(crate::app::AppError::Invalid(v)))?;
    let overrides = overrides.unwrap_or_default();
    if !may_record_derogation(&caller)
        && overrides
            .derogation_reason
            .as_deref()
            .is_some_and(|d| !d.trim().is_empty())
    {
        return Err(crate::app::AppError::invalid(Violation::new(
            "placement.derogation_reason",
            "derogation_staff_only",
        ))
        .into());
    }
    let org = caller.contractor_org();
    if let (Some(org), Some(employer)) = (org, overrides.employer_id) {
        check_own_employer(org.0, employer.0)
            .map_err(|v| ApiError::from(crate::app::AppError::invalid(v.under("placement"))))?;
    }
    let hired = answer.state() == RefState::Hired;
    let by = actor(&caller, db);
    let overrides = HireOverrides::from(overrides);
    let out = db
        .run(move |c| {
            write_tx(c, |c| {
                app::answer_referral(c, &by, org, id, answer, overrides)
            })
        })
        .await?;
    let out = match out {
        Answered::Hired(p) => AnswerOut::Placement(p),
        Answered::Changed(d) => AnswerOut::Referral(Box::new(ReferralView::from(*d))),
    };
    let status = if hired { Status::Created } else { Status::Ok };
    Ok((status, Json(out)))
}

// ---------------------------------------------------------------------------------------
// Work list

#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkPerson {
    pub id: ParticipantId,
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
    pub need_id: NeedId,
    pub job_title: String,
    pub contractor_id: OrganisationId,
    pub starts_on: Option<NaiveDate>,
    pub posts: Option<i32>,
    pub hires: Option<i64>,
    pub pending: Option<i64>,
    pub referral_id: Option<ReferralId>,
    pub state: Option<String>,
    pub participant: Option<WorkPerson>,
    pub contractor_name: String,
    /// The person's first and last name, for a proposal waiting for an answer.
    pub participant_name: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkList {
    pub on: NaiveDate,
    pub wait_days: u32,
    /// Needs short of proposals and proposals waiting for an answer.
    pub items: Vec<WorkItem>,
    /// The number of `items`.
    pub total: i64,
    /// The other things to deal with (late reports, entries waiting for validation, clauses
    /// at risk, eligibility ending within 30 days, exits without outcome, emails that
    /// failed), grouped by kind in the order of `kinds`, at most 50 of a kind.
    pub lines: Vec<crate::app::worklist::WorkLine>,
    /// Every kind of line with its French heading, how many lines are shown and how many
    /// there are.
    pub kinds: Vec<crate::app::worklist::WorkKind>,
}

fn contractor_name(
    conn: &mut Conn,
    sid: StructureId,
    cache: &mut HashMap<OrganisationId, String>,
    id: OrganisationId,
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
    sid: StructureId,
    today: NaiveDate,
    wait_days: u32,
    named: &mut Vec<i64>,
) -> crate::app::AppResult<Vec<WorkItem>> {
    let mut names = HashMap::new();
    let mut items = Vec::new();
    let open = needs_store::open(conn, sid)?;
    let ids: Vec<NeedId> = open.iter().map(|n| n.row.id).collect();
    let counts = needs_store::proposal_counts(conn, &ids)?;
    for n in open {
        let c = counts.get(&n.row.id).copied().unwrap_or_default();
        let posts = i64::from(n.row.posts);
        if !rules::short_of_proposals(posts, c.hires, c.pending) {
            continue;
        }
        let since = n.row.created_at.date();
        let action = next_action::proposals_needed(since);
        let contractor = contractor_name(conn, sid, &mut names, n.contractor_id)?;
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
            contractor_name: contractor,
            participant_name: None,
        });
    }
    for w in store::waiting(conn, Some(sid), today, wait_days)? {
        let name = contractor_name(conn, sid, &mut names, w.contractor_id)?;
        let action = next_action::referral_answer(w.contractor_id.0, &name, w.since);
        let p = participants::get(conn, sid, w.participant_id)?;
        named.push(p.id.into());
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
            participant_name: crate::store::names::person_name(
                p.first_name.clone(),
                p.last_name.clone(),
            ),
            participant: Some(WorkPerson {
                id: p.id,
                first_name: p.first_name,
                last_name: p.last_name,
            }),
            contractor_name: name,
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
/// when, and the other lines of the work list (`app::worklist`). `on` (default today) is the day looked at; `wait_days` (default the configured
/// `referral_wait_days`, 7) how long a contractor may take to answer.
#[rocket::get("/worklist?<on>&<wait_days>")]
pub async fn worklist(
    caller: Staff,
    on: Param<NaiveDate>,
    wait_days: Param<u32>,
    db: &State<Db>,
    reads: &State<crate::app::read_log::RecentReads>,
    config: &State<Config>,
) -> Answer<WorkList> {
    params!(on, wait_days);
    let today = on.unwrap_or_else(|| db.clock.today());
    if wait_days.is_some_and(|w| w > 365) {
        return Err(crate::api::query::refused(vec![field_error(
            &crate::domain::rule::Violation::new("wait_days", "wait_days_out_of_range")
                .with("max", 365),
        )]));
    }
    let wait = wait_days.unwrap_or(config.referral_wait_days);
    let (sid, uid) = (caller.structure_id, caller.user_id);
    let pct = config.on_track_percent;
    let reads = reads.inner().clone();
    let (items, more) = db
        .run(move |c| {
            crate::app::worklist::read_and_log(c, &reads, sid, uid, |c, named| {
                let items = work_list(c, sid, today, wait, named)?;
                let more = crate::app::worklist::work_lines(c, sid, today, pct, named)?;
                Ok((items, more))
            })
        })
        .await?;
    Ok(Json(WorkList {
        on: today,
        wait_days: wait,
        total: i64::try_from(items.len()).unwrap_or(i64::MAX),
        items,
        lines: more.lines,
        kinds: more.kinds,
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

/// The years the referrals report covers.
fn year_refused() -> crate::domain::rule::Violation {
    crate::domain::rule::Violation::new("year", "year_malformed")
        .with("min", 2000)
        .with("max", 2100)
}

/// GET /api/v1/reports/referrals?year= — staff of the structure: needs created in the year,
/// proposals made in it and what became of them (`hires`: proposals of the year that led to
/// a hire; `hire_rate`: hires ÷ proposals, percent with one decimal), by contractor and by
/// job (ROME code, or job title without one), and declines by reason. A year runs from
/// midnight to midnight in the structure's time zone.
#[rocket::get("/reports/referrals?<year>")]
pub async fn report(caller: Staff, year: Param<Year>, db: &State<Db>) -> Answer<serde_json::Value> {
    params!(year);
    let year = year.map_or_else(|| db.clock.today().year(), |y| y.0);
    if !(2000..=2100).contains(&year) {
        return Err(crate::api::query::refused(vec![field_error(
            &year_refused(),
        )]));
    }
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year + 1, 1, 1),
    ) else {
        return Err(crate::api::query::refused(vec![field_error(
            &year_refused(),
        )]));
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
                        state,
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
                    contractor_name(c, sid, &mut names, OrganisationId(*id))?.into(),
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
