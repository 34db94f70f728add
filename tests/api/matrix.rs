//! The access matrix: every route of `api::access::ROUTES`, with each of the four roles, in
//! two structures, with two contractors (A and B, each with a user) in each. A route added to
//! the table later is walked too, and the test fails naming it until it has an entry below.
//!
//! Three checks share one world per test:
//! - refusals: a role not in the route's roles gets 403 (no token: 401); a record of the other
//!   structure gets 404; contractor A asking for a record of contractor B gets 404;
//! - lists: no list (nor the report) shows anything of the other structure or, to contractor
//!   A, anything of contractor B;
//! - successes: every allowed call answers its documented status on a record the caller may see.

use std::sync::atomic::{AtomicI64, Ordering};

use clausier::api::access::{Access, ROUTES};
use clausier::auth::Role;
use diesel::RunQueryDsl;
use rocket::http::ContentType;
use serde_json::{json, Value};

use crate::common::{Resp, TestApp, PASSWORD};
use crate::fixtures::{self, contractor_user, eligible, propose, World};
use crate::on_both;

/// Start of the needs of the matrix (the world's clauses run through 2026).
const NEED_STARTS: &str = "2026-12-14";

/// The records of one contractor in one structure.
#[derive(Clone, Copy)]
struct Own {
    contract: i64,
    clause: i64,
    participant: i64,
    placement: i64,
    hour: i64,
    need: i64,
    referral: i64,
}

/// One facilitation structure with its users and records.
struct Side {
    w: World,
    a_user: String,
    /// Contractor B's user (B's records exist for A to be refused them).
    _b_user: String,
    funder: String,
    /// The funder's account: the record of the routes of `/users/<id>`.
    funder_id: i64,
    emails: [String; 4],
    milestone: i64,
    notification: i64,
    a: Own,
    b: Own,
    /// Marks written into the names and titles of A's and B's records.
    tag_a: String,
    tag_b: String,
}

struct Matrix {
    s1: Side,
    s2: Side,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Organisation,
    Contract,
    Clause,
    Participant,
    Placement,
    Hour,
    Need,
    Referral,
    Milestone,
    Notification,
    Assignment,
    User,
    FollowUp,
}

/// The kind of record a route's `<id>` names: the path segment before the first placeholder.
fn kind_of(route: &Access) -> Option<Kind> {
    let path = route.path;
    let at = path.find('<')?;
    if path[at..].starts_with("<year>")
        || path[at..].starts_with("<list>")
        || path[at..].starts_with("<token>")
        || path[at..].starts_with("<month>")
    {
        return None;
    }
    let before = path[..at].trim_end_matches('/');
    let segment = before.rsplit('/').next().unwrap_or("");
    Some(match segment {
        "organisations" => Kind::Organisation,
        "contracts" => Kind::Contract,
        "clauses" => Kind::Clause,
        "participants" => Kind::Participant,
        "placements" => Kind::Placement,
        "hours" => Kind::Hour,
        "needs" => Kind::Need,
        "referrals" => Kind::Referral,
        // The contractor's answer form of a proposal (`/contractor/candidates/<id>`).
        "candidates" => Kind::Referral,
        "milestones" => Kind::Milestone,
        "notifications" => Kind::Notification,
        // The retry form of a failed email (`/emails/<id>/retry`).
        "emails" => Kind::Notification,
        "assignments" => Kind::Assignment,
        "users" => Kind::User,
        "entries" => Kind::Hour,
        // The people pages (`/people/<id>`, `/people/placements/<id>/exit`).
        "people" => Kind::Participant,
        // A buyer's threshold of the contracts-to-clause list.
        "thresholds" => Kind::Organisation,
        // A follow-up after an exit (its refusals across structures:
        // tests/api/follow_up_corrections.rs).
        "follow-ups" => Kind::FollowUp,
        other => panic!(
            "{} {}: the matrix does not know which record `{other}` names; add it to kind_of",
            route.method, route.path
        ),
    })
}

/// The id of a record of `kind`: A's own (or the structure's) in `side`, or B's with `of_b`.
fn id_of(side: &Side, kind: Kind, of_b: bool) -> Option<i64> {
    let o = if of_b { &side.b } else { &side.a };
    Some(match kind {
        Kind::Organisation if !of_b => side.w.contractor_a,
        Kind::Organisation => return None,
        Kind::Contract => o.contract,
        Kind::Clause => o.clause,
        Kind::Participant => o.participant,
        Kind::Placement => o.placement,
        Kind::Hour => o.hour,
        Kind::Need => o.need,
        Kind::Referral => o.referral,
        Kind::Milestone if !of_b => side.milestone,
        Kind::Notification if !of_b => side.notification,
        Kind::User if !of_b => side.funder_id,
        Kind::Milestone | Kind::Notification | Kind::User | Kind::FollowUp => return None,
        Kind::Assignment if of_b => side.w.assignment_b,
        Kind::Assignment => side.w.assignment_a,
    })
}

thread_local! {
    /// The eligibility validation recorded for each person of the matrix (the routes of one
    /// validation name the person and the validation), per test: each test runs on its
    /// thread with its own database.
    static VALIDATIONS: std::cell::RefCell<Vec<(i64, i64)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

fn remember_validation(participant: i64, validation: &Value) {
    if let Some(v) = validation["id"].as_i64() {
        VALIDATIONS.with(|list| list.borrow_mut().push((participant, v)));
    }
}

fn validation_of(participant: i64) -> i64 {
    VALIDATIONS.with(|list| {
        list.borrow()
            .iter()
            .rev()
            .find(|(p, _)| *p == participant)
            .map_or(0, |(_, v)| *v)
    })
}

fn fill(path: &str, id: i64) -> String {
    // A person's validation: `<pid>` the person, `<id>` the validation.
    let path = if path.contains("<pid>") {
        path.replace("<id>", &validation_of(id).to_string())
            .replace("<pid>", &id.to_string())
    } else {
        path.to_string()
    };
    path.replace("<id>", &id.to_string())
        .replace("<contract_id>", &id.to_string())
        .replace("<month>", "2026-04")
        .replace("<year>", "2026")
        .replace("<list>", "clause-kinds")
        .replace("<token>", &"0".repeat(64))
}

fn slug(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

fn person(app: &TestApp, token: &str, first: &str, last: &str) -> i64 {
    let r = app.post(
        "/api/v1/participants",
        token,
        json!({"first_name": first, "last_name": last, "birth_date": "1990-04-02", "sex": "female",
               "postal_code": "93200", "qpv": true, "qualification_level": "3",
               "looking_for_work": true, "wished_rome_codes": ["F1606"],
               "reachable_departements": ["93"], "available_from": "2026-12-01"}),
    );
    assert_eq!(r.status, 201, "participant {last}: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

fn placement(app: &TestApp, fac: &str, p: i64, assignment: i64, employer: i64, job: &str) -> i64 {
    let r = app.post(
        "/api/v1/placements",
        fac,
        json!({"participant_id": p, "assignment_id": assignment, "modality": "direct_hire",
               "employer_id": employer, "contract_type": "cddi", "job_title": job,
               "starts_on": "2026-02-01", "ends_on": "2026-06-30"}),
    );
    assert_eq!(r.status, 201, "placement: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

fn hours(app: &TestApp, token: &str, pl: i64, month: &str, work: i64) -> i64 {
    let r = app.put(
        &format!("/api/v1/placements/{pl}/hours/{month}"),
        token,
        json!({"work_hours": work}),
    );
    assert_eq!(r.status, 200, "hours: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// An entry of a new person placed with contractor A (February to June), 9 hours in
/// `month`, validated or not: a record for a page decision or amendment to act on.
fn fresh_entry(app: &TestApp, s: &Side, month: &str, validated: bool) -> i64 {
    let fac = &s.w.facilitator;
    let p = person(app, fac, "Lina", &format!("Fraiche{}", next()));
    eligible(app, fac, p, "2026-01-10");
    let pl = placement(app, fac, p, s.w.assignment_a, s.w.contractor_a, "Maçon");
    let e = hours(app, fac, pl, month, 9);
    if validated {
        validate(app, fac, e);
    }
    e
}

fn validate(app: &TestApp, fac: &str, entry: i64) {
    let r = app.post(
        "/api/v1/hours/validation",
        fac,
        json!({"entry_ids": [entry], "decision": "validate"}),
    );
    assert_eq!(r.status, 200, "validation: {}", r.text);
}

fn need_body(assignment: i64, employer: i64, job: &str) -> Value {
    json!({"assignment_id": assignment, "job_title": job, "rome_code": "F1606",
           "posts": 2, "commune_code": "93066", "territory": "93", "starts_on": NEED_STARTS,
           "weekly_hours": 35, "duration_months": 6, "modality": "direct_hire",
           "employer_id": employer, "contract_type": "cddi"})
}

fn need(app: &TestApp, token: &str, assignment: i64, employer: i64, job: &str) -> i64 {
    let r = app.post("/api/v1/needs", token, need_body(assignment, employer, job));
    assert_eq!(r.status, 201, "need: {}", r.text);
    r.body["id"].as_i64().unwrap()
}

/// A draft clause of 833 hours on the side's main contract.
fn draft_clause(app: &TestApp, s: &Side) -> i64 {
    fixtures::clause(
        app,
        &s.w.admin,
        s.w.contract,
        "2026-01-01",
        "2026-12-31",
        None,
    )
}

fn active_clause(app: &TestApp, s: &Side) -> i64 {
    let c = draft_clause(app, s);
    fixtures::activate(app, &s.w.admin, c);
    c
}

static SEQ: AtomicI64 = AtomicI64::new(1);

fn next() -> i64 {
    SEQ.fetch_add(1, Ordering::SeqCst)
}

/// A failed reminder email of the structure, written straight into the outbox (the way the
/// reminder job leaves one after its last refused attempt).
fn failed_notification(app: &TestApp, structure_id: i64, clause: i64) -> i64 {
    let id = 900_000 + next();
    let sql = format!(
        "INSERT INTO outbox (id, structure_id, dedup_key, rule, subject_type, subject_id, period, \
         stage, recipient_email, subject_line, body_text, body_html, message_id, status, attempts, \
         next_attempt_at, last_error, created_at) VALUES ({id}, {structure_id}, 'matrix-{id}', \
         'reporting_due', 'clause', {clause}, '2026-10', 'due', 'paie@matrix.test', 'Relance', \
         'Relance', '<p>Relance</p>', '<matrix-{id}@clausier>', 'failed', 2, \
         '2026-11-27 10:00:00', '451 refusé', '2026-11-27 10:00:00')"
    );
    diesel::sql_query(sql)
        .execute(&mut *app.database())
        .expect("insert outbox");
    id
}

/// One structure: the fixtures' world (contract held by A, active clause split between A and
/// B), a user for each contractor and a funder; for each contractor, a contract and a clause
/// of its own, a placed person with validated hours, a need and a proposal to it.
fn side(app: &TestApp, name: &str, tag: &str, work_a: i64, work_b: i64) -> Side {
    let w = fixtures::world(app, name);
    let s = slug(name);
    let emails = [
        format!("admin@{s}.test"),
        format!("fac@{s}.test"),
        format!("a@{s}.test"),
        format!("f@{s}.test"),
    ];
    let a_user = contractor_user(app, &w.admin, w.contractor_a, &emails[2]);
    let b_user = contractor_user(app, &w.admin, w.contractor_b, &format!("b@{s}.test"));
    let funder = app.api_user(&w.admin, "funder", &emails[3], None);
    let funder_id = app.get("/api/v1/me", &funder).body["id"].as_i64().unwrap();
    let tag_a = format!("Alpha{tag}");
    let tag_b = format!("Beta{tag}");
    let structure_id = app.get("/api/v1/me", &w.admin).body["structure_id"]
        .as_i64()
        .unwrap();

    let own = |who: i64, assignment: i64, mark: &str, work: i64, contract: i64, clause: i64| {
        let p = person(app, &w.facilitator, "Awa", mark);
        remember_validation(p, &eligible(app, &w.facilitator, p, "2026-01-10"));
        let pl = placement(
            app,
            &w.facilitator,
            p,
            assignment,
            who,
            &format!("Peintre {mark}"),
        );
        let h = hours(app, &w.facilitator, pl, "2026-03", work);
        validate(app, &w.facilitator, h);
        let n = need(
            app,
            &w.facilitator,
            assignment,
            who,
            &format!("Plaquiste {mark}"),
        );
        let candidate = person(app, &w.facilitator, "Rose", mark);
        eligible(app, &w.facilitator, candidate, "2026-11-01");
        let rf = propose(app, &w.facilitator, n, candidate);
        Own {
            contract,
            clause,
            participant: p,
            placement: pl,
            hour: h,
            need: n,
            referral: rf,
        }
    };
    let a = own(
        w.contractor_a,
        w.assignment_a,
        &tag_a,
        work_a,
        w.contract,
        w.clause,
    );
    // B's own contract and clause, on which A has no assignment.
    let r = app.post(
        "/api/v1/contracts",
        &w.admin,
        json!({"buyer_id": w.buyer, "reference": "2026-002", "title": format!("Voirie {tag_b}"),
               "kind": "works", "cpv_code": "45233140", "amount_eur": 1000000,
               "notified_on": "2025-12-01", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
               "social_considerations": ["clause_sociale"], "holder_ids": [w.contractor_b]}),
    );
    assert_eq!(r.status, 201, "contract of B: {}", r.text);
    let contract_b = r.body["id"].as_i64().unwrap();
    let clause_b = fixtures::clause(app, &w.admin, contract_b, "2026-01-01", "2026-12-31", None);
    fixtures::activate(app, &w.admin, clause_b);
    fixtures::assign(app, &w.admin, clause_b, w.contractor_b, "holder", 400);
    let b = own(
        w.contractor_b,
        w.assignment_b,
        &tag_b,
        work_b,
        contract_b,
        clause_b,
    );
    let r = app.post(
        &format!("/api/v1/clauses/{}/milestones", w.clause),
        &w.facilitator,
        json!({"label": "Visite de chantier", "due_on": "2026-12-15"}),
    );
    assert_eq!(r.status, 201, "milestone: {}", r.text);
    let milestone = r.body["id"].as_i64().unwrap();
    let notification = failed_notification(app, structure_id, w.clause);
    Side {
        w,
        a_user,
        _b_user: b_user,
        funder,
        funder_id,
        emails,
        milestone,
        notification,
        a,
        b,
        tag_a,
        tag_b,
    }
}

/// Structure 1 (the callers) and structure 2 (the other one); validated hours 10 + 7 in the
/// first, 40 + 30 in the second.
fn matrix(app: &TestApp) -> Matrix {
    let s1 = side(app, "PLIE Nord", "nord", 10, 7);
    let s2 = side(app, "PLIE Sud", "sud", 40, 30);
    Matrix { s1, s2 }
}

const ROLES: [Role; 4] = [
    Role::Admin,
    Role::Facilitator,
    Role::Contractor,
    Role::Funder,
];

fn token(s: &Side, role: Role) -> &str {
    match role {
        Role::Admin => &s.w.admin,
        Role::Facilitator => &s.w.facilitator,
        Role::Contractor => &s.a_user,
        Role::Funder => &s.funder,
    }
}

fn email(s: &Side, role: Role) -> &str {
    match role {
        Role::Admin => &s.emails[0],
        Role::Facilitator => &s.emails[1],
        Role::Contractor => &s.emails[2],
        Role::Funder => &s.emails[3],
    }
}

enum Body {
    None,
    Json(Value),
    Csv(String),
    /// A page form, url-encoded.
    Form(String),
    /// A page's upload form (multipart): `action=importer` and this CSV as its `file`.
    Upload(String),
}

/// How to call a route with success: the record to use instead of the caller's own (for
/// calls that change a record's state), the query, the body, the status expected and, for a
/// call that ends its session, the token to use.
struct Call {
    id: Option<i64>,
    query: String,
    body: Body,
    status: u16,
    token: Option<String>,
}

fn call(status: u16, body: Body) -> Call {
    Call {
        id: None,
        query: String::new(),
        body,
        status,
        token: None,
    }
}

fn json_call(status: u16, body: Value) -> Call {
    call(status, Body::Json(body))
}

/// The success of each route of the table, for a caller of structure 1 with `role` (`None`:
/// no token, public routes). A route without an entry fails the test, naming it.
fn success(app: &TestApp, m: &Matrix, route: &Access, role: Option<Role>) -> Call {
    let s = &m.s1;
    let w = &s.w;
    let n = next();
    let r = role.map(|r| r.as_str()).unwrap_or("public");
    let get = || call(200, Body::None);
    let with_id = |mut c: Call, id: i64| {
        c.id = Some(id);
        c
    };
    let with_query = |mut c: Call, q: &str| {
        c.query = q.to_string();
        c
    };
    match (route.method, route.path) {
        ("GET", "/health") | ("GET", "/ready") | ("GET", "/api/v1/openapi.json") => get(),
        ("GET", "/login") => get(),
        ("POST", "/login") | ("POST", "/logout") => call(303, Body::None),
        ("POST", "/api/v1/auth/login") => json_call(
            200,
            json!({"email": email(s, Role::Facilitator), "password": PASSWORD}),
        ),
        ("POST", "/api/v1/auth/logout") => {
            let mut c = call(204, Body::None);
            c.token = Some(app.token(email(s, role.unwrap_or(Role::Admin))));
            c
        }
        ("GET", "/api/v1/me") | ("GET", "/api/v1/me/preferences") => get(),
        ("PUT", "/api/v1/me/preferences") => {
            json_call(200, json!({"optional_reminders_off": false}))
        }
        ("POST", "/api/v1/users") => json_call(
            201,
            json!({"email": format!("new{n}@nord.test"), "password": PASSWORD, "role": "facilitator"}),
        ),
        ("GET", "/api/v1/users") => get(),
        ("GET", "/api/v1/users/<id>") | ("GET", "/api/v1/users/<id>/history") => get(),
        // Nothing to change: the account stays as it is (the changes: tests/api/accounts.rs).
        ("PATCH", "/api/v1/users/<id>") => json_call(200, json!({})),
        ("POST", "/api/v1/users/<id>/invitation") => call(202, Body::None),
        // The same password again: the caller's other sessions end, its token goes on.
        ("PUT", "/api/v1/me/password") => json_call(
            204,
            json!({"current_password": PASSWORD, "new_password": PASSWORD}),
        ),
        ("POST", "/api/v1/auth/password-reset") => {
            json_call(202, json!({"email": format!("personne{n}@nord.test")}))
        }
        // A link's page without a valid link says so, and its form without the page's secret
        // is refused (a link's successes: tests/api/accounts.rs).
        ("GET", "/password/<token>") => call(404, Body::None),
        ("GET", "/password/forgot") | ("GET", "/static/clausier.css") | ("GET", "/static/htmx.min.js") => get(),
        // Without the login page's secret, the form is refused (its success: tests/api/pages.rs).
        ("POST", "/password/forgot") => call(403, Body::None),
        // Staff have their home page; a contractor and a funder are sent to theirs.
        ("GET", "/") => match role {
            Some(Role::Contractor) | Some(Role::Funder) => call(303, Body::None),
            _ => get(),
        },
        ("POST", "/password/<token>") => call(403, Body::None),
        ("POST", "/api/v1/organisations") => json_call(
            201,
            json!({"kind": "contractor", "name": format!("Entreprise {r}"),
                   "identifier_type": "HORS-UE", "identifier": format!("MATRIX{n}"), "territory": "93"}),
        ),
        ("GET", "/api/v1/organisations") | ("GET", "/api/v1/organisations/<id>") => get(),
        ("PUT", "/api/v1/organisations/<id>/contacts") => json_call(
            200,
            json!([{"email": "paie@bd.test", "name": "Service paie"}]),
        ),
        ("GET", "/api/v1/organisations/<id>/contacts") => get(),
        ("POST", "/api/v1/contracts") => json_call(
            201,
            json!({"buyer_id": w.buyer, "reference": format!("M-{n}"), "title": "Entretien des espaces verts",
                   "kind": "services", "cpv_code": "77310000", "amount_eur": 200000,
                   "notified_on": "2026-01-15", "starts_on": "2026-02-01", "ends_on": "2026-12-31",
                   "social_considerations": ["clause_sociale"], "holder_ids": [w.contractor_a]}),
        ),
        ("GET", "/api/v1/contracts") | ("GET", "/api/v1/contracts/<id>") => get(),
        ("PATCH", "/api/v1/contracts/<id>") => json_call(
            200,
            json!({"title": format!("Marché corrigé {n}"), "reason": "Faute de frappe"}),
        ),
        ("GET", "/api/v1/contracts/<id>/history") | ("GET", "/api/v1/clauses/<id>/history") => {
            get()
        }
        ("POST", "/api/v1/contracts/<id>/amendments") => json_call(
            201,
            json!({"number": format!("AV-{n}"), "signed_on": "2026-11-20", "amount_eur": 1100000,
                   "reason": "Travaux supplémentaires"}),
        ),
        ("PATCH", "/api/v1/clauses/<id>") => json_call(
            200,
            json!({"penalty_per_missing_hour_eur": 75, "reason": "Pénalité du CCAP"}),
        ),
        ("POST", "/api/v1/calibrations") => json_call(
            200,
            json!({"method": "labour_share", "amount_eur": 1000000, "labour_share_percent": 50,
                   "insertion_rate_percent": 5, "hourly_cost_eur": 30}),
        ),
        ("GET", "/api/v1/reference/labour-shares") => get(),
        ("GET", "/api/v1/reference/<list>") => get(),
        ("PUT", "/api/v1/reference/labour-shares") => json_call(
            200,
            json!([{"cpv_prefix": "9091", "labour_share_percent": 80, "label": "Nettoyage"}]),
        ),
        ("POST", "/api/v1/contracts/<contract_id>/clauses") => json_call(
            201,
            json!({"kind": "execution_condition",
                   "calibration": {"method": "labour_share", "amount_eur": 1000000, "labour_share_percent": 50,
                                   "insertion_rate_percent": 5, "hourly_cost_eur": 30},
                   "starts_on": "2026-01-01", "ends_on": "2026-12-31", "reporting_frequency": "monthly"}),
        ),
        ("GET", "/api/v1/clauses") | ("GET", "/api/v1/clauses/<id>") => get(),
        ("POST", "/api/v1/clauses/<id>/activate") | ("POST", "/api/v1/clauses/<id>/cancel") => {
            with_id(json_call(200, json!({})), draft_clause(app, s))
        }
        ("POST", "/api/v1/clauses/<id>/complete") => {
            with_id(json_call(200, json!({})), active_clause(app, s))
        }
        ("POST", "/api/v1/clauses/<id>/assignments") => with_id(
            json_call(
                201,
                json!({"contractor_id": w.contractor_a, "role": "holder", "hours_target": 100}),
            ),
            draft_clause(app, s),
        ),
        ("POST", "/api/v1/imports/decp") => json_call(200, crate_sample("v2-single-marche.json")),
        ("POST", "/api/v1/participants") => json_call(
            201,
            json!({"first_name": "Nouvelle", "last_name": format!("Personne {r} {n}"),
                   "birth_date": "1985-06-01", "sex": "female", "postal_code": "93200",
                   "qpv": false, "qualification_level": "none"}),
        ),
        ("GET", "/api/v1/participants")
        | ("GET", "/api/v1/participants/<id>")
        | ("GET", "/api/v1/participants/<id>/eligibility")
        | ("GET", "/api/v1/participants/<id>/timeline")
        | ("GET", "/api/v1/participants/<id>/history") => get(),
        ("PATCH", "/api/v1/participants/<id>") => {
            let p = person(app, &w.facilitator, "Rose", &format!("Corrigee {n}"));
            with_id(json_call(200, json!({"looking_for_work": false})), p)
        }
        ("POST", "/api/v1/participants/<id>/eligibility") => json_call(
            201,
            json!({"criteria": ["rsa"], "proof": "caf_certificate", "validated_on": "2026-11-20"}),
        ),
        ("GET", "/api/v1/audit") => get(),
        ("POST", "/api/v1/placements") => {
            let p = person(app, &w.facilitator, "Nina", &format!("Placee {n}"));
            eligible(app, &w.facilitator, p, "2026-11-01");
            json_call(
                201,
                json!({"participant_id": p, "assignment_id": w.assignment_a, "modality": "direct_hire",
                       "employer_id": w.contractor_a, "contract_type": "cddi", "job_title": "Maçon",
                       "starts_on": "2026-12-01", "ends_on": "2026-12-31"}),
            )
        }
        ("GET", "/api/v1/placements") | ("GET", "/api/v1/placements/<id>") => get(),
        ("PATCH", "/api/v1/placements/<id>") | ("POST", "/api/v1/placements/<id>/cancel") => {
            let p = person(app, &w.facilitator, "Rose", &format!("Corrigee {n}"));
            eligible(app, &w.facilitator, p, "2026-01-10");
            let pl = placement(app, &w.facilitator, p, w.assignment_a, w.contractor_a, "Maçon");
            let body = match route.method {
                "PATCH" => json!({"job_title": "Maçon coffreur"}),
                _ => json!({"reason": "Saisie en double"}),
            };
            with_id(json_call(200, body), pl)
        }
        ("GET", "/api/v1/placements/<id>/history") => get(),
        ("POST", "/api/v1/placements/<id>/exit") => {
            let p = person(app, &w.facilitator, "Lina", &format!("Sortie {n}"));
            eligible(app, &w.facilitator, p, "2026-01-10");
            let pl = placement(app, &w.facilitator, p, w.assignment_a, w.contractor_a, "Maçon");
            with_id(
                json_call(
                    200,
                    json!({"ended_on": "2026-06-30", "outcome": "durable_employment"}),
                ),
                pl,
            )
        }
        ("PUT", "/api/v1/placements/<id>/hours/<month>") => json_call(200, json!({"work_hours": 12})),
        ("POST", "/api/v1/hours/import") => call(
            200,
            Body::Csv(format!(
                "placement_id,month,work_hours,training_hours\n{},2026-02,5,0\n",
                s.a.placement
            )),
        ),
        ("GET", "/api/v1/hours/template") => with_query(get(), "month=2026-03&format=csv"),
        ("GET", "/api/v1/hours") | ("GET", "/api/v1/hours/<id>/history") => get(),
        ("POST", "/api/v1/hours/validation") => {
            let month = if role == Some(Role::Admin) {
                "2026-05"
            } else {
                "2026-06"
            };
            let e = hours(app, &w.facilitator, s.a.placement, month, 8);
            json_call(200, json!({"entry_ids": [e], "decision": "validate"}))
        }
        ("GET", "/api/v1/clauses/<id>/progress") => with_query(get(), "on=2026-11-27"),
        // The validation queue's pages (their flows: tests/api/pages_validation.rs).
        ("GET", "/validation") | ("GET", "/validation/entries/<id>") => get(),
        ("POST", "/validation") => {
            let e = fresh_entry(app, s, "2026-04", false);
            call(303, Body::Form(format!("entry={e}&decision=validate")))
        }
        ("POST", "/validation/entries/<id>") => with_id(
            call(
                303,
                Body::Form("work_hours=7%2C5&amendment_reason=Erreur+de+saisie".into()),
            ),
            fresh_entry(app, s, "2026-04", true),
        ),
        ("POST", "/api/v1/needs") => json_call(
            201,
            need_body(w.assignment_a, w.contractor_a, &format!("Solier {r}")),
        ),
        ("GET", "/api/v1/needs") | ("GET", "/api/v1/needs/<id>") => get(),
        ("POST", "/api/v1/needs/<id>/close") => with_id(
            json_call(200, json!({})),
            need(app, &w.facilitator, w.assignment_a, w.contractor_a, "Solier"),
        ),
        ("GET", "/api/v1/needs/<id>/matches") => get(),
        ("POST", "/api/v1/referrals") => {
            let p = person(app, &w.facilitator, "Iris", &format!("Proposee {n}"));
            eligible(app, &w.facilitator, p, "2026-11-01");
            json_call(201, json!({"need_id": s.a.need, "participant_id": p}))
        }
        ("GET", "/api/v1/referrals") | ("GET", "/api/v1/referrals/<id>") => get(),
        ("POST", "/api/v1/referrals/<id>/answer") => {
            let p = person(app, &w.facilitator, "Lou", &format!("Entretien {n}"));
            eligible(app, &w.facilitator, p, "2026-11-01");
            with_id(
                json_call(200, json!({"state": "interview"})),
                propose(app, &w.facilitator, s.a.need, p),
            )
        }
        // The contractor's pages (their refusals and errors: tests/api/pages_candidates.rs).
        ("GET", "/contractor/candidates") | ("GET", "/contractor/contacts") => get(),
        ("POST", "/contractor/candidates/<id>") => {
            let p = person(app, &w.facilitator, "Lou", &format!("Page {n}"));
            eligible(app, &w.facilitator, p, "2026-11-01");
            with_id(
                call(303, Body::Form("state=interview".into())),
                propose(app, &w.facilitator, s.a.need, p),
            )
        }
        ("POST", "/contractor/contacts") => call(
            303,
            Body::Form(
                "contacts%5B0%5D.name=Service+paie&contacts%5B0%5D.email=paie%40bd.test".into(),
            ),
        ),
        // The people pages (their flows and refusals: tests/api/pages_people.rs).
        ("GET", "/people")
        | ("GET", "/people/new")
        | ("GET", "/people/<id>")
        | ("GET", "/people/<id>/edit") => get(),
        ("POST", "/people/new") => call(
            303,
            Body::Form(format!(
                "first_name=Nina&last_name=Page{n}&birth_date=1990-04-02&sex=female&qualification_level=3"
            )),
        ),
        ("POST", "/people/<id>/eligibility") => with_id(
            call(
                303,
                Body::Form(
                    "criteria=rsa&criteria=qpv&proof=caf_certificate&validated_on=2026-11-01".into(),
                ),
            ),
            person(app, &w.facilitator, "Nina", &format!("Eligible {n}")),
        ),
        ("POST", "/people/<id>/placements") => {
            let p = person(app, &w.facilitator, "Nina", &format!("Placee {n}"));
            eligible(app, &w.facilitator, p, "2026-01-10");
            with_id(
                call(
                    303,
                    Body::Form(format!(
                        "assignment_id={}&modality=direct_hire&employer_id={}&contract_type=cddi\
                         &job_title=Macon&starts_on=2026-02-01&ends_on=2026-06-30",
                        w.assignment_a, w.contractor_a
                    )),
                ),
                p,
            )
        }
        ("POST", "/people/placements/<id>/exit") => {
            let p = person(app, &w.facilitator, "Nina", &format!("Sortie {n}"));
            eligible(app, &w.facilitator, p, "2026-01-10");
            let pl = placement(app, &w.facilitator, p, w.assignment_a, w.contractor_a, "Maçon");
            with_id(
                call(
                    303,
                    Body::Form("ended_on=2026-06-30&outcome=durable_employment".into()),
                ),
                pl,
            )
        }
        ("POST", "/people/<id>/edit") => with_id(
            call(
                303,
                Body::Form(format!(
                    "version=1&first_name=Nina&last_name=Corrigee{n}&birth_date=1990-04-02\
                     &sex=female&qualification_level=3&postal_code=93200"
                )),
            ),
            person(app, &w.facilitator, "Nina", &format!("Corrigee {n}")),
        ),
        // The contracts and clauses pages (their flows: tests/api/pages_contracts.rs).
        ("GET", "/contracts")
        | ("GET", "/contracts/new")
        | ("GET", "/contracts/<id>")
        | ("GET", "/contracts/<id>/clauses/new")
        | ("GET", "/clauses/<id>")
        | ("GET", "/clauses/<id>/progress") => get(),
        ("GET", "/contracts/<id>/clauses/preview") => {
            with_query(get(), "method=fixed&hours=120")
        }
        ("POST", "/contracts/new") => call(
            303,
            Body::Form(format!(
                "buyer_id={}&reference=P-{r}-{n}&title=Voirie&kind=works&amount_eur=120+000",
                w.buyer
            )),
        ),
        ("POST", "/contracts/<id>/clauses/new") => call(
            303,
            Body::Form(
                "kind=execution_condition&method=fixed&hours=120&justification=Chantier+court\
                 &starts_on=2026-12-01&ends_on=2027-03-31"
                    .into(),
            ),
        ),
        ("POST", "/clauses/<id>/assignments") => with_id(
            call(
                303,
                Body::Form(format!(
                    "contractor_id={}&role=holder&hours_target=100",
                    w.contractor_a
                )),
            ),
            draft_clause(app, s),
        ),
        ("POST", "/clauses/<id>/status") => {
            with_id(call(303, Body::Form("change=activate".into())), draft_clause(app, s))
        }
        ("POST", "/clauses/<id>/milestones") => call(
            303,
            Body::Form("label=Comit%C3%A9+de+suivi&due_on=2026-12-20".into()),
        ),
        ("POST", "/milestones/<id>/done") => {
            let r = app.post(
                &format!("/api/v1/clauses/{}/milestones", w.clause),
                &w.facilitator,
                json!({"label": "Point de page", "due_on": "2026-12-18"}),
            );
            assert_eq!(r.status, 201, "milestone: {}", r.text);
            with_id(call(303, Body::None), r.body["id"].as_i64().unwrap())
        }
        ("GET", "/contracts/import") => get(),
        ("POST", "/contracts/import") => call(
            200,
            Body::Upload(crate_sample("v2-single-marche.json").to_string()),
        ),
        ("GET", "/api/v1/worklist") => get(),
        ("GET", "/api/v1/reports/referrals") => with_query(get(), "year=2026"),
        ("GET", "/api/v1/clauses/<id>/milestones") => get(),
        ("POST", "/api/v1/clauses/<id>/milestones") => json_call(
            201,
            json!({"label": "Réunion de lancement", "due_on": "2026-12-20"}),
        ),
        ("POST", "/api/v1/milestones/<id>/done") => {
            let r = app.post(
                &format!("/api/v1/clauses/{}/milestones", w.clause),
                &w.facilitator,
                json!({"label": "Point d'étape", "due_on": "2026-12-18"}),
            );
            assert_eq!(r.status, 201, "milestone: {}", r.text);
            with_id(json_call(200, json!({})), r.body["id"].as_i64().unwrap())
        }
        ("GET", "/api/v1/notifications") => get(),
        ("POST", "/api/v1/notifications/<id>/retry") => {
            let structure = app.get("/api/v1/me", &w.admin).body["structure_id"]
                .as_i64()
                .unwrap();
            with_id(
                json_call(200, json!({})),
                failed_notification(app, structure, w.clause),
            )
        }
        ("PATCH", "/api/v1/organisations/<id>") => json_call(200, json!({"territory": "93"})),
        ("GET", "/api/v1/organisations/<id>/history")
        | ("GET", "/api/v1/assignments/<id>")
        | ("GET", "/api/v1/assignments/<id>/history")
        | ("GET", "/api/v1/participants/<pid>/eligibility/<id>/history") => get(),
        ("PATCH", "/api/v1/assignments/<id>") => json_call(200, json!({"hours_target": 500})),
        ("POST", "/api/v1/assignments/<id>/replace") => with_id(
            json_call(
                201,
                json!({"contractor_id": w.contractor_b, "ends_on": "2026-06-30"}),
            ),
            fixtures::assign(app, &w.admin, draft_clause(app, s), w.contractor_a, "holder", 100),
        ),
        ("DELETE", "/api/v1/assignments/<id>") => with_id(
            call(204, Body::None),
            fixtures::assign(app, &w.admin, draft_clause(app, s), w.contractor_a, "holder", 100),
        ),
        // A fresh validation is at version 1.
        ("GET", "/people/<pid>/eligibility/<id>/withdraw") => {
            let p = person(app, &w.facilitator, "Noa", &format!("Retrait page {n}"));
            remember_validation(p, &eligible(app, &w.facilitator, p, "2026-11-01"));
            with_id(get(), p)
        }
        ("POST", "/people/<pid>/eligibility/<id>/withdraw") => {
            let p = person(app, &w.facilitator, "Noa", &format!("Retrait page {n}"));
            remember_validation(p, &eligible(app, &w.facilitator, p, "2026-11-01"));
            with_id(
                call(
                    303,
                    Body::Form("version=1&reason=Erreur+de+saisie".into()),
                ),
                p,
            )
        }
        ("POST", "/api/v1/participants/<pid>/eligibility/<id>/withdraw") => {
            let p = person(app, &w.facilitator, "Noa", &format!("Retrait {n}"));
            remember_validation(p, &eligible(app, &w.facilitator, p, "2026-11-01"));
            with_id(
                json_call(200, json!({"reason": "Erreur de saisie"})),
                p,
            )
        }
        ("GET", "/api/v1/reports/annual")
        | ("GET", "/api/v1/reports/annual.csv")
        | ("GET", "/api/v1/reports/annual.xlsx") => with_query(get(), "year=2026"),
        ("GET", "/reports/annual/<year>") => get(),
        // A buyer's SPASER evaluation (figures and refusals: tests/api/spaser.rs).
        ("GET", "/api/v1/reports/spaser")
        | ("GET", "/api/v1/reports/spaser.csv")
        | ("GET", "/api/v1/reports/spaser.xlsx")
        | ("GET", "/reports/spaser") => {
            with_query(get(), &format!("buyer_id={}&year=2026", w.buyer))
        }
        ("GET", "/contractor") | ("GET", "/contractor/hours/<month>") => get(),
        // An empty grid: nothing to store, back to the grid (its saves: pages_contractor.rs).
        ("POST", "/contractor/hours/<month>") => call(303, Body::None),
        ("GET", "/contractor/import") => get(),
        // A contractor's file of one line, imported: to the month's hours with a notice.
        ("POST", "/contractor/import") => call(
            303,
            Body::Upload(format!(
                "placement_id,month,work_hours,training_hours\n{},2026-02,5,0\n",
                s.a.placement
            )),
        ),
        // The report page's filter form: to the page of the chosen year.
        ("GET", "/reports/annual") => with_query(call(303, Body::None), "year=2025"),
        ("GET", "/admin/users") | ("GET", "/admin/labour-shares") => get(),
        // A new account, invited by email to choose its password.
        ("POST", "/admin/users") => call(
            303,
            Body::Form(format!("email=compte-{n}%40matrice.test&role=facilitator")),
        ),
        // The funder's role set again as it is: nothing changes (its token stays usable).
        ("POST", "/admin/users/<id>") => call(303, Body::Form("action=role&role=funder".into())),
        ("GET", "/emails/failed") => get(),
        // The table saved as it is (its rows read from the API).
        ("POST", "/admin/labour-shares") => {
            let table = app.get("/api/v1/reference/labour-shares", &w.admin).body;
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (i, row) in table.as_array().unwrap().iter().enumerate() {
                form.append_pair(&format!("shares[{i}].cpv_prefix"), row["cpv_prefix"].as_str().unwrap());
                form.append_pair(&format!("shares[{i}].label"), row["label"].as_str().unwrap());
                form.append_pair(&format!("shares[{i}].percent"), &row["labour_share_percent"].to_string().replace('.', ","));
            }
            call(303, Body::Form(form.finish()))
        }
        ("POST", "/emails/<id>/retry") => {
            let structure = app.get("/api/v1/me", &w.admin).body["structure_id"]
                .as_i64()
                .unwrap();
            with_id(
                call(303, Body::None),
                failed_notification(app, structure, w.clause),
            )
        }
        // The organisations pages (their flows and refusals: tests/api/pages_organisations.rs).
        ("GET", "/organisations")
        | ("GET", "/organisations/new")
        | ("GET", "/organisations/<id>") => get(),
        ("POST", "/organisations/new") => call(
            303,
            Body::Form(format!("kind=buyer&name=Mairie+{r}+{n}&territory=93")),
        ),
        ("POST", "/organisations/<id>/contacts") => call(
            303,
            Body::Form(
                "contacts%5B0%5D.name=Service+achats&contacts%5B0%5D.email=achats%40org.test".into(),
            ),
        ),
        // The needs pages (their flows and refusals: tests/api/pages_needs.rs).
        ("GET", "/needs") | ("GET", "/needs/<id>") | ("GET", "/needs/new") => get(),
        ("POST", "/needs/new") => call(
            303,
            Body::Form(format!(
                "assignment_id={}&job_title=Solier+{r}&rome_code=F1606&posts=2&commune_code=93066\
                 &territory=93&starts_on=2026-12-14&weekly_hours=35&modality=direct_hire\
                 &employer_id={}&contract_type=cddi",
                w.assignment_a, w.contractor_a
            )),
        ),
        ("POST", "/needs/<id>/close") => with_id(
            call(303, Body::Form(String::new())),
            need(app, &w.facilitator, w.assignment_a, w.contractor_a, "Solier"),
        ),
        ("POST", "/needs/<id>/propose") => {
            let p = person(app, &w.facilitator, "Iris", &format!("Page {n}"));
            eligible(app, &w.facilitator, p, "2026-11-01");
            call(303, Body::Form(format!("participant_id={p}")))
        }
        // « Mon compte » (its flows and refusals: tests/api/pages_account.rs). The same
        // password again: the caller's other sessions end, this one goes on.
        ("GET", "/account") => get(),
        ("POST", "/account/password") => call(
            303,
            Body::Form(format!(
                "current_password={PASSWORD}&new_password={PASSWORD}&new_password_again={PASSWORD}"
            )),
        ),
        ("POST", "/account/preferences") => {
            call(303, Body::Form("optional_reminders_off=on".into()))
        }
        // Contracts still to clause (their figures and refusals: tests/api/to_clause.rs).
        ("GET", "/api/v1/contracts/to-clause")
        | ("GET", "/api/v1/contracts/to-clause.csv")
        | ("GET", "/api/v1/contracts/to-clause/thresholds")
        | ("GET", "/contracts/to-clause") => get(),
        ("PUT", "/api/v1/contracts/to-clause/thresholds/<id>") => with_id(
            json_call(200, json!({"threshold_eur": 70000})),
            w.buyer,
        ),
        ("POST", "/contracts/to-clause/threshold") => call(
            303,
            Body::Form(format!("buyer_id={}&threshold_eur=70+000", w.buyer)),
        ),
        // The correction pages (their flows and refusals: tests/api/pages_corrections.rs):
        // a form sent back as read, its version the record's, changes nothing and succeeds.
        ("GET", "/contracts/<id>/edit")
        | ("GET", "/contracts/<id>/amendments/new")
        | ("GET", "/clauses/<id>/edit")
        | ("GET", "/assignments/<id>/edit")
        | ("GET", "/assignments/<id>/replace")
        | ("GET", "/assignments/<id>/delete")
        | ("GET", "/placements/<id>/edit")
        | ("GET", "/placements/<id>/cancel")
        | ("GET", "/organisations/<id>/edit")
        | ("GET", "/admin/users/<id>/edit") => get(),
        ("POST", "/contracts/<id>/edit") => {
            let v = version_of(app, &w.admin, &format!("/api/v1/contracts/{}", s.a.contract));
            call(303, Body::Form(format!("version={v}&reason=Relecture")))
        }
        ("POST", "/contracts/<id>/amendments") => call(
            303,
            Body::Form(format!(
                "number=AV-{r}-{n}&signed_on=2026-06-01&amount_eur=150+000&reason=Travaux+en+plus"
            )),
        ),
        ("POST", "/clauses/<id>/edit") => {
            let v = version_of(app, &w.admin, &format!("/api/v1/clauses/{}", s.a.clause));
            call(303, Body::Form(format!("version={v}&reason=Relecture")))
        }
        ("POST", "/assignments/<id>/edit") => {
            let v = version_of(app, &w.admin, &format!("/api/v1/assignments/{}", w.assignment_a));
            call(303, Body::Form(format!("version={v}")))
        }
        ("POST", "/assignments/<id>/replace") => with_id(
            call(
                303,
                Body::Form(format!(
                    "version=1&contractor_id={}&ends_on=2026-06-30",
                    w.contractor_b
                )),
            ),
            fixtures::assign(app, &w.admin, draft_clause(app, s), w.contractor_a, "holder", 100),
        ),
        ("POST", "/assignments/<id>/delete") => with_id(
            call(303, Body::Form("version=1".into())),
            fixtures::assign(app, &w.admin, draft_clause(app, s), w.contractor_a, "holder", 100),
        ),
        ("POST", "/placements/<id>/edit") | ("POST", "/placements/<id>/cancel") => {
            let p = person(app, &w.facilitator, "Rose", &format!("Page corrigee {n}"));
            eligible(app, &w.facilitator, p, "2026-01-10");
            let pl = placement(app, &w.facilitator, p, w.assignment_a, w.contractor_a, "Maçon");
            let body = match route.path {
                "/placements/<id>/edit" => "version=1&job_title=Ma%C3%A7on+coffreur",
                _ => "version=1&reason=Saisie+en+double",
            };
            with_id(call(303, Body::Form(body.into())), pl)
        }
        ("POST", "/organisations/<id>/edit") => {
            let v = version_of(app, &w.admin, &format!("/api/v1/organisations/{}", w.contractor_a));
            call(303, Body::Form(format!("version={v}")))
        }
        ("POST", "/admin/users/<id>/edit") => {
            let v = version_of(app, &w.admin, &format!("/api/v1/users/{}", s.funder_id));
            call(303, Body::Form(format!("version={v}")))
        }
        ("POST", "/api/v1/placements/<id>/follow-ups") => {
            let p = person(app, &w.facilitator, "Lise", &format!("Suivi {n}"));
            eligible(app, &w.facilitator, p, "2026-01-10");
            let pl = placement(app, &w.facilitator, p, w.assignment_a, w.contractor_a, "Maçon");
            let r = app.post(
                &format!("/api/v1/placements/{pl}/exit"),
                &w.facilitator,
                json!({"ended_on": "2026-05-15", "outcome": "durable_employment"}),
            );
            assert_eq!(r.status, 200, "exit: {}", r.text);
            with_id(
                json_call(
                    201,
                    json!({"months": 6, "situation": "job_search", "observed_on": "2026-11-20",
                           "source": "person"}),
                ),
                pl,
            )
        }
        ("GET", "/api/v1/follow-ups") => with_query(get(), "due=true"),
        ("GET", "/follow-ups") => get(),
        ("POST", "/people/placements/<id>/follow-ups") => {
            let p = person(app, &w.facilitator, "Lise", &format!("Suivi page {n}"));
            eligible(app, &w.facilitator, p, "2026-01-10");
            let pl = placement(app, &w.facilitator, p, w.assignment_a, w.contractor_a, "Maçon");
            let r = app.post(
                &format!("/api/v1/placements/{pl}/exit"),
                &w.facilitator,
                json!({"ended_on": "2026-05-15", "outcome": "durable_employment"}),
            );
            assert_eq!(r.status, 200, "exit: {}", r.text);
            with_id(
                call(
                    303,
                    Body::Form(
                        "months=6&situation=job_search&observed_on=2026-11-20&source=person"
                            .to_string(),
                    ),
                ),
                pl,
            )
        }
        // The settings (their rules: tests/api/settings.rs).
        ("GET", "/api/v1/settings/pnad-targets/<year>")
        | ("GET", "/api/v1/settings/calibration")
        | ("GET", "/settings") => get(),
        ("PUT", "/api/v1/settings/pnad-targets/<year>") => json_call(
            200,
            json!({"social_percent": 30, "environmental_percent": 100}),
        ),
        ("PUT", "/api/v1/settings/calibration") => json_call(
            200,
            json!({"insertion_rate_percent": 5, "hourly_cost_eur": 30}),
        ),
        ("POST", "/settings/pnad-targets") => call(
            303,
            Body::Form("year=2026&social_percent=30&environmental_percent=100".into()),
        ),
        ("POST", "/settings/calibration") => call(
            303,
            Body::Form("insertion_rate_percent=5&hourly_cost_eur=30".into()),
        ),
        ("POST", "/settings/follow-ups") => call(303, Body::Form("twelve_months=".into())),
        // A recorded follow-up (its corrections: tests/api/follow_up_corrections.rs).
        ("GET", "/api/v1/follow-ups/<id>")
        | ("GET", "/api/v1/follow-ups/<id>/history")
        | ("GET", "/follow-ups/<id>/edit") => with_id(get(), recorded_follow_up(app, s, n)),
        ("PATCH", "/api/v1/follow-ups/<id>") => {
            with_id(json_call(200, json!({})), recorded_follow_up(app, s, n))
        }
        ("POST", "/follow-ups/<id>/edit") => {
            let id = recorded_follow_up(app, s, n);
            let v = version_of(app, &w.admin, &format!("/api/v1/follow-ups/{id}"));
            with_id(call(303, Body::Form(format!("version={v}"))), id)
        }
        ("GET", "/api/v1/follow-ups/settings") => get(),
        ("PUT", "/api/v1/follow-ups/settings") => json_call(200, json!({"twelve_months": false})),
        (method, path) => panic!(
            "{method} {path}: no entry in the matrix's success table (tests/api/matrix.rs, fn success)"
        ),
    }
}

/// A follow-up recorded 6 months after the exit of a new person's placement: its id.
fn recorded_follow_up(app: &TestApp, s: &Side, n: i64) -> i64 {
    let w = &s.w;
    let p = person(app, &w.facilitator, "Lise", &format!("Suivi fiche {n}"));
    eligible(app, &w.facilitator, p, "2026-01-10");
    let pl = placement(
        app,
        &w.facilitator,
        p,
        w.assignment_a,
        w.contractor_a,
        "Maçon",
    );
    let r = app.post(
        &format!("/api/v1/placements/{pl}/exit"),
        &w.facilitator,
        json!({"ended_on": "2026-05-15", "outcome": "durable_employment"}),
    );
    assert_eq!(r.status, 200, "exit: {}", r.text);
    let r = app.post(
        &format!("/api/v1/placements/{pl}/follow-ups"),
        &w.facilitator,
        json!({"months": 6, "situation": "job_search", "observed_on": "2026-11-20",
               "source": "person"}),
    );
    assert_eq!(r.status, 201, "follow-up: {}", r.text);
    r.body["id"].as_i64().unwrap_or_default()
}

/// The version of a record as its `ETag` gives it (without the quotes).
fn version_of(app: &TestApp, token: &str, path: &str) -> String {
    let r = app.get(path, token);
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.header("ETag").unwrap_or("").trim_matches('"').to_string()
}

fn crate_sample(name: &str) -> Value {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        dir.join("../shared/samples/decp").join(name),
        std::path::PathBuf::from("/work/shared/samples/decp").join(name),
    ];
    let path = candidates.iter().find(|p| p.exists()).expect("DECP sample");
    serde_json::from_slice(&std::fs::read(path).expect("read sample")).expect("DECP JSON")
}

fn send(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: &Body) -> Resp {
    match body {
        Body::None => app.request(method, path, token, None, None),
        Body::Json(v) => app.request(
            method,
            path,
            token,
            Some(ContentType::JSON),
            Some(v.to_string().into_bytes()),
        ),
        Body::Csv(t) => app.request(
            method,
            path,
            token,
            Some(ContentType::CSV),
            Some(t.clone().into_bytes()),
        ),
        Body::Form(t) => app.request(
            method,
            path,
            token,
            Some(ContentType::Form),
            Some(t.clone().into_bytes()),
        ),
        Body::Upload(t) => {
            let b = "matrix-upload";
            let body = format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nimporter\r\n\
                 --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"heures.csv\"\r\n\
                 Content-Type: text/csv\r\n\r\n{t}\r\n--{b}--\r\n"
            );
            let ct = ContentType::new("multipart", "form-data").with_params(("boundary", b));
            app.request(method, path, token, Some(ct), Some(body.into_bytes()))
        }
    }
}

fn url(route: &Access, id: i64, query: &str) -> String {
    let p = fill(route.path, id);
    if query.is_empty() {
        p
    } else {
        format!("{p}?{query}")
    }
}

/// The own record's id (A's, or the structure's) of a route for a caller of structure 1.
fn own_id(m: &Matrix, route: &Access) -> i64 {
    kind_of(route)
        .and_then(|k| id_of(&m.s1, k, false))
        .unwrap_or(0)
}

/// Strings that must never reach a caller of structure 1 (`contractor`: contractor A).
fn forbidden_marks(m: &Matrix, contractor: bool) -> Vec<String> {
    let mut marks = vec![m.s2.tag_a.clone(), m.s2.tag_b.clone()];
    if contractor {
        marks.push(m.s1.tag_b.clone());
    }
    marks
}

/// A failure of the matrix: route, role, what was expected, what came.
fn fail(failures: &mut Vec<String>, route: &Access, who: &str, expected: &str, r: &Resp) {
    let text: String = r.text.chars().take(300).collect();
    failures.push(format!(
        "{} {} as {who}: expected {expected}, got {} {text}",
        route.method, route.path, r.status
    ));
}

fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every refusal of the table.
fn refusals(app: &TestApp) {
    let m = matrix(app);
    let mut failures = Vec::new();
    let mut checked = 0;
    for route in ROUTES {
        if route.roles.is_empty() {
            continue;
        }
        let kind = kind_of(route);
        let own = own_id(&m, route);
        // A body the route accepts, so that a refusal is about the caller, not the body.
        let probe = success(app, &m, route, Some(route.roles[0]));
        {
            let r = send(
                app,
                route.method,
                &url(route, own, &probe.query),
                None,
                &probe.body,
            );
            // Pages for people send the visitor to the login page instead.
            let page = !route.path.starts_with("/api/");
            let refused = if page {
                r.status == 303
                    && r.header("Location")
                        .is_some_and(|l| l.starts_with("/login"))
            } else {
                r.status == 401
            };
            if !refused {
                let expected = if page { "303 to /login" } else { "401" };
                fail(&mut failures, route, "nobody", expected, &r);
            }
            checked += 1;
        }
        for role in ROLES {
            let t = token(&m.s1, role);
            if !route.roles.contains(&role) {
                {
                    let r = send(
                        app,
                        route.method,
                        &url(route, own, &probe.query),
                        Some(t),
                        &probe.body,
                    );
                    if r.status != 403 {
                        fail(&mut failures, route, role.as_str(), "403", &r);
                    }
                    checked += 1;
                }
                continue;
            }
            let Some(kind) = kind else { continue };
            // A record of the other structure, and for contractor A one of contractor B.
            let mut others = vec![(
                id_of(&m.s2, kind, false),
                role.as_str(),
                "404 (other structure)",
            )];
            if role == Role::Contractor {
                others.push((
                    id_of(&m.s1, kind, true),
                    "contractor A",
                    "404 (contractor B's record)",
                ));
            }
            for (other, who, expected) in others {
                let Some(other) = other else { continue };
                let r = send(
                    app,
                    route.method,
                    &url(route, other, &probe.query),
                    Some(t),
                    &probe.body,
                );
                if r.status != 404 {
                    fail(&mut failures, route, who, expected, &r);
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "{checked} checks");
    report(failures);
}

on_both!(every_refusal_of_the_access_table, refusals);

on_both!(contractors_see_only_their_own_work, |app: &TestApp| {
    contractor_visibility(app);
});

/// A contractor never sees a derogation reason, names only itself as employer when it
/// answers `hired`, and gets 404 for a person it declined who is not placed with it.
fn contractor_visibility(app: &TestApp) {
    let s = side(app, "PLIE Nord", "nord", 10, 7);
    let (fac, a) = (&s.w.facilitator, &s.a_user);
    let mut failures = Vec::new();
    let mut check = |what: &str, ok: bool, r: &Resp| {
        if !ok {
            let text: String = r.text.chars().take(300).collect();
            failures.push(format!("{what}: got {} {text}", r.status));
        }
    };
    // A placement on a facilitator's derogation.
    let p = person(app, fac, "Maya", "Derogee");
    let r = app.post(
        "/api/v1/placements",
        fac,
        json!({"participant_id": p, "assignment_id": s.w.assignment_a, "modality": "direct_hire",
               "employer_id": s.w.contractor_a, "contract_type": "cddi", "job_title": "Maçon",
               "starts_on": "2026-02-01", "ends_on": "2026-06-30",
               "derogation_reason": "Avis motivé du facilitateur"}),
    );
    assert_eq!(r.status, 201, "placement on derogation: {}", r.text);
    let pl = r.body["id"].as_i64().unwrap();
    for path in [
        format!("/api/v1/placements/{pl}"),
        "/api/v1/placements".to_string(),
        format!("/api/v1/participants/{p}"),
        format!("/api/v1/participants/{p}/timeline"),
    ] {
        let r = app.get(&path, a);
        check(
            &format!("GET {path} as contractor A: 200 without the derogation reason"),
            r.status == 200 && !r.text.contains("Avis motivé"),
            &r,
        );
    }
    // Hired: the employer is the contractor itself.
    let p = person(app, fac, "Jade", "Embauchee");
    eligible(app, fac, p, "2026-11-01");
    let rf = propose(app, fac, s.a.need, p);
    let r = app.post(
        &format!("/api/v1/referrals/{rf}/answer"),
        a,
        json!({"state": "hired", "placement": {"employer_id": s.w.contractor_b}}),
    );
    check(
        "POST /api/v1/referrals/<id>/answer hired naming contractor B as employer, as contractor A: 422 on placement.employer_id",
        r.status == 422 && r.error_fields().contains(&"placement.employer_id".to_string()),
        &r,
    );
    // Declined and not placed with A: gone from A's sight.
    let p = person(app, fac, "Nora", "Declinee");
    eligible(app, fac, p, "2026-11-01");
    let rf = propose(app, fac, s.a.need, p);
    let r = app.post(
        &format!("/api/v1/referrals/{rf}/answer"),
        a,
        json!({"state": "declined", "reason": "no_show"}),
    );
    assert_eq!(r.status, 200, "declined: {}", r.text);
    for path in [
        format!("/api/v1/participants/{p}"),
        format!("/api/v1/participants/{p}/timeline"),
    ] {
        let r = app.get(&path, a);
        check(
            &format!("GET {path} (declined) as contractor A: 404"),
            r.status == 404,
            &r,
        );
    }
    let r = app.get("/api/v1/participants", a);
    check(
        "GET /api/v1/participants as contractor A: without the declined person",
        !r.text.contains("Declinee"),
        &r,
    );
    report(failures);
}

// The list routes of the table (GET without placeholder, or with the caller's own record),
// with each allowed role: nothing of the other structure, nor of contractor B for A.
on_both!(lists_show_nothing_of_others, |app: &TestApp| {
    let m = matrix(app);
    let mut failures = Vec::new();
    let mut lists = 0;
    for route in ROUTES {
        if route.method != "GET" || route.roles.is_empty() {
            continue;
        }
        for role in ROLES {
            if !route.roles.contains(&role) {
                continue;
            }
            let c = success(app, &m, route, Some(role));
            let id = c.id.unwrap_or_else(|| own_id(&m, route));
            let r = send(
                app,
                "GET",
                &url(route, id, &c.query),
                Some(token(&m.s1, role)),
                &c.body,
            );
            // A redirect (a page sending the caller to its own home) shows nothing.
            if c.status == 303 && r.status == 303 {
                continue;
            }
            if r.status != 200 {
                fail(&mut failures, route, role.as_str(), "200", &r);
                continue;
            }
            let contractor = role == Role::Contractor;
            for mark in forbidden_marks(&m, contractor) {
                if r.text.contains(&mark) {
                    fail(
                        &mut failures,
                        route,
                        role.as_str(),
                        &format!("nothing marked {mark}"),
                        &r,
                    );
                }
            }
            let (Some(items), Some(_)) = (r.body["items"].as_array(), r.body.get("total")) else {
                continue;
            };
            lists += 1;
            let Some(kind) = list_kind(route.path) else {
                continue;
            };
            let mut forbidden: Vec<i64> = [false, true]
                .iter()
                .filter_map(|b| id_of(&m.s2, kind, *b))
                .collect();
            if contractor {
                forbidden.extend(id_of(&m.s1, kind, true));
            }
            for item in items {
                if let Some(i) = item["id"].as_i64() {
                    if forbidden.contains(&i) {
                        fail(
                            &mut failures,
                            route,
                            role.as_str(),
                            &format!("no {kind:?} {i}"),
                            &r,
                        );
                    }
                }
            }
            // The caller's own record is listed.
            if let Some(mine) = id_of(&m.s1, kind, false) {
                if matches!(
                    kind,
                    Kind::Participant
                        | Kind::Placement
                        | Kind::Hour
                        | Kind::Need
                        | Kind::Referral
                        | Kind::Clause
                        | Kind::Contract
                ) && !items.iter().any(|i| i["id"].as_i64() == Some(mine))
                {
                    fail(
                        &mut failures,
                        route,
                        role.as_str(),
                        &format!("its own {kind:?} {mine} listed"),
                        &r,
                    );
                }
            }
        }
    }
    assert!(lists >= 10, "{lists} lists checked");
    // The report counts structure 1 only: 10 + 7 validated hours, two persons.
    for role in [Role::Admin, Role::Facilitator] {
        let r = app.get("/api/v1/reports/annual?year=2026", token(&m.s1, role));
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(
            (r.body["hours"].as_f64(), r.body["beneficiaries"].as_i64()),
            (Some(17.0), Some(2)),
            "{}",
            r.text
        );
        let contractors: Vec<String> = r.body["breakdowns"]["contractor"]
            .as_array()
            .map(|a| a.iter().map(|c| c["key"].to_string()).collect())
            .unwrap_or_default();
        for other in [m.s2.w.contractor_a, m.s2.w.contractor_b] {
            assert!(
                !contractors
                    .iter()
                    .any(|k| k.trim_matches('"') == other.to_string()),
                "{contractors:?}"
            );
        }
    }
    // The funder of structure 1 sees at most its figures (two persons: below the threshold).
    let r = app.get("/api/v1/reports/annual?year=2026", &m.s1.funder);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.body["hours"].is_null() || r.body["hours"].as_f64() == Some(17.0),
        "{}",
        r.text
    );
    report(failures);
});

/// The kind of the items of a list route.
fn list_kind(path: &str) -> Option<Kind> {
    Some(match path {
        "/api/v1/organisations" => Kind::Organisation,
        "/api/v1/contracts" => Kind::Contract,
        "/api/v1/clauses" => Kind::Clause,
        "/api/v1/participants" => Kind::Participant,
        "/api/v1/placements" => Kind::Placement,
        "/api/v1/hours" => Kind::Hour,
        "/api/v1/needs" => Kind::Need,
        "/api/v1/referrals" => Kind::Referral,
        "/api/v1/clauses/<id>/milestones" => Kind::Milestone,
        "/api/v1/notifications" => Kind::Notification,
        _ => return None,
    })
}

// Every allowed call of the table answers its documented status.
on_both!(every_allowed_call_succeeds, |app: &TestApp| {
    let m = matrix(app);
    let mut failures = Vec::new();
    let mut calls = 0;
    for route in ROUTES {
        if route.roles.is_empty() {
            let c = success(app, &m, route, None);
            let r = if route.path == "/login" && route.method == "POST" {
                let res = app.submit_login_form(&format!(
                    "email={}&password={PASSWORD}",
                    m.s1.emails[1].replace('@', "%40")
                ));
                let status = res.status().code;
                Resp {
                    status,
                    body: Value::Null,
                    text: String::new(),
                    content_type: None,
                    headers: vec![],
                }
            } else {
                send(app, route.method, &url(route, 0, &c.query), None, &c.body)
            };
            if r.status != c.status {
                fail(&mut failures, route, "nobody", &c.status.to_string(), &r);
            }
            calls += 1;
            continue;
        }
        for role in ROLES {
            if !route.roles.contains(&role) {
                continue;
            }
            let c = success(app, &m, route, Some(role));
            let id = c.id.unwrap_or_else(|| own_id(&m, route));
            let t = c
                .token
                .clone()
                .unwrap_or_else(|| token(&m.s1, role).to_string());
            let r = send(
                app,
                route.method,
                &url(route, id, &c.query),
                Some(&t),
                &c.body,
            );
            if r.status != c.status {
                fail(
                    &mut failures,
                    route,
                    role.as_str(),
                    &c.status.to_string(),
                    &r,
                );
            }
            calls += 1;
        }
    }
    assert!(calls > 100, "{calls} calls");
    report(failures);
});
