//! Who may call each route. Enforcement is done by the guard in each handler's signature;
//! this table documents it in the OpenAPI document, and tests check that the two agree and
//! that no mounted route is missing from it.

use crate::auth::Role;

pub struct Access {
    pub method: &'static str,
    /// Path as Rocket writes it, without the query part (`/api/v1/users/<id>`).
    pub path: &'static str,
    /// Empty: no authentication needed.
    pub roles: &'static [Role],
    pub summary: &'static str,
}

const ADMIN: &[Role] = &[Role::Admin];
const STAFF: &[Role] = &[Role::Admin, Role::Facilitator];
const STAFF_CONTRACTOR: &[Role] = &[Role::Admin, Role::Facilitator, Role::Contractor];
const READERS: &[Role] = &[Role::Admin, Role::Facilitator, Role::Funder];
const ANY: &[Role] = &[
    Role::Admin,
    Role::Facilitator,
    Role::Contractor,
    Role::Funder,
];
const PUBLIC: &[Role] = &[];

/// One line per route: method, path, who may call it, what it does.
#[rustfmt::skip]
pub const ROUTES: &[Access] = &[
    a("GET", "/health", PUBLIC, "Liveness"),
    a("GET", "/ready", PUBLIC, "Readiness: the database answers"),
    a("GET", "/api/v1/openapi.json", PUBLIC, "This document"),
    a("POST", "/api/v1/auth/login", PUBLIC, "Log in; returns a Bearer token"),
    a("POST", "/api/v1/auth/logout", ANY, "Log out: ends the session of the token presented"),
    a("GET", "/api/v1/me", ANY, "The current user"),
    a("POST", "/api/v1/users", ADMIN, "Create a user in the admin's structure"),
    a("GET", "/api/v1/users", ADMIN, "Users of the admin's structure"),
    a("GET", "/api/v1/users/<id>", ADMIN, "One user of the admin's structure, with its ETag"),
    a("PATCH", "/api/v1/users/<id>", ADMIN, "Switch an account off or on, change its role or organisation"),
    a("GET", "/api/v1/users/<id>/history", ADMIN, "Every change of an account"),
    a("POST", "/api/v1/users/<id>/invitation", ADMIN, "Email the account a link to choose its password"),
    a("PUT", "/api/v1/me/password", ANY, "Change one's own password; the other sessions end"),
    a("POST", "/api/v1/auth/password-reset", PUBLIC, "Ask for a link to choose a new password (same answer for any email)"),
    a("POST", "/api/v1/organisations", STAFF, "Create an organisation (buyer, contractor, insertion structure, funder)"),
    a("GET", "/api/v1/organisations", STAFF, "Organisations of the structure"),
    a("GET", "/api/v1/organisations/<id>", STAFF, "One organisation"),
    a("PATCH", "/api/v1/organisations/<id>", STAFF, "Correct an organisation: name, identifiers, territory, SIAE kind (JSON merge patch; If-Match)"),
    a("GET", "/api/v1/organisations/<id>/history", STAFF, "Every correction of an organisation"),
    a("PUT", "/api/v1/organisations/<id>/contacts", STAFF_CONTRACTOR, "Replace who receives an organisation's reminders (a contractor: its own organisation's)"),
    a("GET", "/api/v1/organisations/<id>/contacts", STAFF_CONTRACTOR, "Who receives an organisation's reminders (a contractor: its own organisation's)"),
    a("POST", "/api/v1/contracts", STAFF, "Create a contract with its lots and holders"),
    a("GET", "/api/v1/contracts", STAFF_CONTRACTOR, "Contracts (a contractor: those it holds or works on)"),
    a("GET", "/api/v1/contracts/<id>", STAFF_CONTRACTOR, "One contract (a contractor: its own only)"),
    a("PATCH", "/api/v1/contracts/<id>", STAFF, "Correct a contract's data-entry errors, with a reason"),
    a("GET", "/api/v1/contracts/<id>/history", STAFF, "Corrections and amendments of a contract"),
    a("POST", "/api/v1/contracts/<id>/amendments", STAFF, "Record an amendment (avenant) of a contract"),
    a("POST", "/api/v1/calibrations", STAFF, "Preview the calibration of a clause's hours; stores nothing"),
    a("GET", "/api/v1/reference/labour-shares", STAFF, "Labour shares by CPV prefix"),
    a("PUT", "/api/v1/reference/labour-shares", ADMIN, "Replace the labour-share reference table"),
    a("GET", "/api/v1/reference/<list>", ANY, "A reference list of codes with their French labels (clause kinds with a description)"),
    a("POST", "/api/v1/contracts/<contract_id>/clauses", STAFF, "Create a clause on a contract or lot, with its calibration"),
    a("GET", "/api/v1/clauses", STAFF_CONTRACTOR, "Clauses (a contractor: those it has an assignment on)"),
    a("GET", "/api/v1/clauses/<id>", STAFF_CONTRACTOR, "One clause with its assignments and unassigned hours"),
    a("PATCH", "/api/v1/clauses/<id>", STAFF, "Correct a clause: dates, referent, frequency, penalty, required hours"),
    a("GET", "/api/v1/clauses/<id>/history", STAFF, "Corrections and recalibrations of a clause"),
    a("POST", "/api/v1/clauses/<id>/activate", STAFF, "Activate a draft clause"),
    a("POST", "/api/v1/clauses/<id>/complete", STAFF, "Complete an active clause"),
    a("POST", "/api/v1/clauses/<id>/cancel", STAFF, "Cancel a draft or active clause"),
    a("POST", "/api/v1/clauses/<id>/assignments", STAFF, "Give part of a clause's hours to a contractor"),
    a("GET", "/api/v1/assignments/<id>", STAFF_CONTRACTOR, "One assignment with its ETag (a contractor: its own)"),
    a("PATCH", "/api/v1/assignments/<id>", STAFF, "Correct an assignment's target; the clause's targets stay within its hours (If-Match)"),
    a("POST", "/api/v1/assignments/<id>/replace", STAFF, "Hand an assignment over to another contractor on an end day"),
    a("DELETE", "/api/v1/assignments/<id>", STAFF, "Delete an assignment without placements or needs"),
    a("GET", "/api/v1/assignments/<id>/history", STAFF, "Every correction of an assignment"),
    a("POST", "/api/v1/imports/decp", STAFF, "Import a DECP open-data file (contracts, buyers, holders)"),
    a("POST", "/api/v1/participants", STAFF, "Register a person in an insertion pathway"),
    a("GET", "/api/v1/participants", STAFF_CONTRACTOR, "People (a contractor: those placed with it, or proposed to its needs, with limited fields)"),
    a("GET", "/api/v1/participants/<id>", STAFF_CONTRACTOR, "One person (a contractor: name, placements or wished jobs and availability; never eligibility)"),
    a("PATCH", "/api/v1/participants/<id>", STAFF, "Correct a person (merge patch; If-Match); reports follow a corrected sex, birth date, QPV or qualification"),
    a("GET", "/api/v1/participants/<id>/history", STAFF, "History of a person's corrections"),
    a("POST", "/api/v1/participants/<id>/eligibility", STAFF, "Record an eligibility validation"),
    a("GET", "/api/v1/participants/<id>/eligibility", STAFF, "History of eligibility validations"),
    a("POST", "/api/v1/participants/<pid>/eligibility/<id>/withdraw", STAFF, "Withdraw a validation entered by mistake: eligibility and placements' criteria follow"),
    a("GET", "/api/v1/participants/<pid>/eligibility/<id>/history", STAFF, "Every correction of an eligibility validation (its withdrawal)"),
    a("GET", "/api/v1/participants/<id>/timeline", STAFF_CONTRACTOR, "Events in date order and the next expected action"),
    a("GET", "/api/v1/audit", ADMIN, "Audit log of reads and changes of personal data"),
    a("POST", "/api/v1/placements", STAFF, "Place a person on an assignment"),
    a("GET", "/api/v1/placements", STAFF_CONTRACTOR, "Placements (a contractor: its own, as contractor or employer)"),
    a("GET", "/api/v1/placements/<id>", STAFF_CONTRACTOR, "One placement"),
    a("PATCH", "/api/v1/placements/<id>", STAFF, "Correct a placement or its exit (merge patch; If-Match)"),
    a("POST", "/api/v1/placements/<id>/cancel", STAFF, "Cancel a placement entered by mistake (none of its hours validated)"),
    a("GET", "/api/v1/placements/<id>/history", STAFF, "History of a placement's corrections and cancellation"),
    a("POST", "/api/v1/placements/<id>/exit", STAFF, "Record the end of a placement and its outcome"),
    a("PUT", "/api/v1/placements/<id>/hours/<month>", STAFF_CONTRACTOR, "Report (or amend) the hours of a placement for a month"),
    a("POST", "/api/v1/hours/import", STAFF_CONTRACTOR, "Import hours from CSV or XLSX: all rows or nothing"),
    a("GET", "/api/v1/hours/template", STAFF_CONTRACTOR, "Template listing the caller's open placements for a month"),
    a("GET", "/api/v1/hours", STAFF_CONTRACTOR, "Hour entries (a contractor: its own placements)"),
    a("GET", "/api/v1/hours/<id>/history", STAFF_CONTRACTOR, "Every change of an hour entry"),
    a("POST", "/api/v1/hours/validation", STAFF, "Validate or reject hour entries"),
    a("GET", "/api/v1/clauses/<id>/progress", STAFF_CONTRACTOR, "Progress of a clause and its assignments at a date"),
    a("POST", "/api/v1/needs", STAFF_CONTRACTOR, "Record a recruitment need (a contractor: on its own assignments)"),
    a("GET", "/api/v1/needs", STAFF_CONTRACTOR, "Recruitment needs (a contractor: its own)"),
    a("GET", "/api/v1/needs/<id>", STAFF_CONTRACTOR, "One recruitment need with the counts of its proposals"),
    a("POST", "/api/v1/needs/<id>/close", STAFF_CONTRACTOR, "Stop recruiting for an open need"),
    a("GET", "/api/v1/needs/<id>/matches", STAFF, "People of the pool ranked for a need, with score and reasons"),
    a("POST", "/api/v1/referrals", STAFF, "Propose a person to a recruitment need"),
    a("GET", "/api/v1/referrals", STAFF_CONTRACTOR, "Proposals (a contractor: those to its needs; name, wished jobs and availability only)"),
    a("GET", "/api/v1/referrals/<id>", STAFF_CONTRACTOR, "One proposal with every state change"),
    a("POST", "/api/v1/referrals/<id>/answer", STAFF_CONTRACTOR, "Answer a proposal: interview, hired (creates the placement) or declined"),
    a("GET", "/api/v1/worklist", STAFF, "Needs short of proposals and proposals waiting for an answer: who owes what, since when"),
    a("GET", "/api/v1/reports/referrals", STAFF, "Needs, proposals, hires and hire rate of a year, by contractor and by job"),
    a("GET", "/api/v1/clauses/<id>/milestones", STAFF_CONTRACTOR, "Execution milestones of a clause with their state (upcoming, due, done, overdue)"),
    a("POST", "/api/v1/clauses/<id>/milestones", STAFF, "Add a milestone to a clause by hand"),
    a("POST", "/api/v1/milestones/<id>/done", STAFF, "Mark a milestone done"),
    a("GET", "/api/v1/notifications", STAFF, "Reminder emails of the structure (queued, sent, failed)"),
    a("POST", "/api/v1/notifications/<id>/retry", STAFF, "Queue a failed reminder email again"),
    a("GET", "/api/v1/me/preferences", ANY, "The caller's reminder preferences"),
    a("PUT", "/api/v1/me/preferences", ANY, "Turn the caller's optional reminders off or on"),
    a("GET", "/api/v1/reports/annual", READERS, "Annual impact report (staff: own structure; funders: their scope, small cells suppressed)"),
    a("GET", "/api/v1/reports/annual.csv", READERS, "Annual impact report as one long CSV table"),
    a("GET", "/api/v1/reports/annual.xlsx", READERS, "Annual impact report as an XLSX workbook"),
    a("GET", "/reports/annual/<year>", READERS, "Annual impact report page in French (session cookie; without one, redirects to /login)"),
    a("GET", "/login", PUBLIC, "Login page"),
    a("POST", "/login", PUBLIC, "Login form: sets the HttpOnly, SameSite=Strict session cookie"),
    a("POST", "/logout", PUBLIC, "Forget the session cookie"),
    a("GET", "/password/<token>", PUBLIC, "Page of a password link: the form to choose a password"),
    a("POST", "/password/<token>", PUBLIC, "Password link form: sets the password, uses the link up, ends the account's sessions"),
    a("GET", "/password/forgot", PUBLIC, "Forgotten password page: asks for the email to send a link to"),
    a("POST", "/password/forgot", PUBLIC, "Forgotten password form: emails a link if an account has the address (same answer either way)"),
    a("GET", "/static/clausier.css", PUBLIC, "The pages' stylesheet"),
    a("GET", "/static/htmx.min.js", PUBLIC, "htmx, vendored, for the pages' partial updates"),
    a("GET", "/", ANY, "Home page of the caller's role (staff: work waiting; contractor: its sites; funder: the report); without a session, the login"),
    a("GET", "/contractor", &[Role::Contractor], "Contractor's home page: its assignments with their progress, the months it owes, the figures refused"),
    a("GET", "/contractor/hours/<month>", &[Role::Contractor], "Contractor's grid of a month's hours, prefilled with what was sent"),
    a("POST", "/contractor/hours/<month>", &[Role::Contractor], "Contractor's grid form: saves the month's hours in one batch (all or nothing)"),
    a("GET", "/contractor/candidates", &[Role::Contractor], "Candidates page: the people proposed for the contractor's needs, waiting ones first, with the forms to answer"),
    a("POST", "/contractor/candidates/<id>", &[Role::Contractor], "Answer form of a proposal to the contractor's needs: interview, hired (creates the placement) or declined with a reason"),
    a("GET", "/contractor/contacts", &[Role::Contractor], "Contacts page: who receives the contractor's reminders, as a form"),
    a("POST", "/contractor/contacts", &[Role::Contractor], "Contacts form: replaces who receives the contractor's reminders, all rows at once"),
    a("GET", "/contractor/import", &[Role::Contractor], "Upload page of the hours file: the form, the month's template links"),
    a("POST", "/contractor/import", &[Role::Contractor], "Upload form (multipart): check the file (every refused line listed, nothing stored) or import it (all lines or none)"),
    a("GET", "/validation", STAFF, "Validation queue page: entries waiting for validation (or validated, to amend), filtered by clause, contractor and month, with each month's cap and previous figure"),
    a("POST", "/validation", STAFF, "Validation queue form: validate the checked entries, or reject them with a reason"),
    a("GET", "/validation/entries/<id>", STAFF, "An hour entry's page: its figures, month context and history; the amendment form once validated"),
    a("POST", "/validation/entries/<id>", STAFF, "Amendment form: a validated figure corrected with a reason"),
    a("GET", "/reports/annual", READERS, "Report page's filter form (GET): redirects to /reports/annual/<year> with the chosen filters, an address to share"),
    a("GET", "/admin/users", ADMIN, "Accounts page: the structure's users (email, role in French, active or not) with the forms to create or invite one, change a role, switch one off or on"),
    a("POST", "/admin/users", ADMIN, "Account creation form: with a password, or without one an invitation by email to choose it"),
    a("POST", "/admin/users/<id>", ADMIN, "Account change form: its role and organisation, switch it off or on, or send an invitation"),
    a("GET", "/admin/labour-shares", ADMIN, "Labour-share table page: the share of labour by CPV prefix that calibrates clauses, as a form"),
    a("POST", "/admin/labour-shares", ADMIN, "Labour-share form: replaces the structure's table with the filled rows"),
    a("GET", "/emails/failed", STAFF, "Failed emails page: the structure's outbox messages that could not be sent (recipient, subject, reason in French, last attempt, error), each with a retry button"),
    a("POST", "/emails/<id>/retry", STAFF, "Retry form of a failed email: puts it back in the queue"),
    a("GET", "/people", STAFF, "People page: the structure's people whose first or last name starts with what is typed (case and accents ignored), 50 a page, with their placement in progress"),
    a("GET", "/people/new", STAFF, "Registration form of a person"),
    a("POST", "/people/new", STAFF, "Registration form: registers a person (as POST /api/v1/participants), then their page"),
    a("GET", "/people/<id>", STAFF, "A person's page: details, eligibility validations, placements, timeline and corrections, with the forms to validate eligibility, place and record an exit"),
    a("POST", "/people/<id>/eligibility", STAFF, "Eligibility form: records a validation (criteria, proof kind, date)"),
    a("POST", "/people/<id>/placements", STAFF, "Placement form: places the person on a clause's assignment"),
    a("POST", "/people/placements/<id>/exit", STAFF, "Exit form of a placement: its end date and outcome"),
    a("GET", "/people/<id>/edit", STAFF, "Correction form of a person, carrying the record's version, with the history of corrections"),
    a("POST", "/people/<id>/edit", STAFF, "Correction form: corrects the person with the form's version as If-Match; changed meanwhile, 412 with the current values beside what was typed"),
    // Routes of later work are added here.
    a("GET", "/contracts", STAFF, "Contracts page: the structure's contracts with their buyers and amounts, 50 a page"),
    a("GET", "/contracts/new", STAFF, "New contract form"),
    a("POST", "/contracts/new", STAFF, "New contract form: records the contract (as POST /api/v1/contracts)"),
    a("GET", "/contracts/<id>", STAFF, "A contract's page: its facts and its clauses"),
    a("GET", "/contracts/<id>/clauses/new", STAFF, "New clause form with its calibration preview"),
    a("GET", "/contracts/<id>/clauses/preview", STAFF, "Calibration preview of a new clause's form (an HTML fragment for htmx): the recommended hours and their French explanation; stores nothing"),
    a("POST", "/contracts/<id>/clauses/new", STAFF, "New clause form: the preview again (action=calculer) or records the draft clause (as POST /api/v1/contracts/{id}/clauses)"),
    a("GET", "/clauses/<id>", STAFF, "A clause's page: its calibration, progress, assignments, status and milestones, with their forms"),
    a("POST", "/clauses/<id>/assignments", STAFF, "Assignment form: gives part of the clause's hours to a contractor"),
    a("POST", "/clauses/<id>/status", STAFF, "Status form: activates, completes or cancels the clause"),
    a("POST", "/clauses/<id>/milestones", STAFF, "Milestone form: adds a milestone by hand"),
    a("POST", "/milestones/<id>/done", STAFF, "Marks a milestone done, back to its clause's page"),
    a("GET", "/contracts/import", STAFF, "DECP import form"),
    a("POST", "/contracts/import", STAFF, "DECP import form (multipart): applies the file (as POST /api/v1/imports/decp) and shows the import's summary"),
    a("GET", "/organisations", STAFF, "Organisations page: the structure's organisations (kind, name, SIRET, territory), filtered by kind, 50 a page"),
    a("GET", "/organisations/new", STAFF, "New organisation form"),
    a("POST", "/organisations/new", STAFF, "New organisation form: records the organisation (as POST /api/v1/organisations), then its page"),
    a("GET", "/organisations/<id>", STAFF, "An organisation's page: its facts and who receives its reminders, as a form"),
    a("POST", "/organisations/<id>/contacts", STAFF, "Contacts form of an organisation: replaces who receives its reminders (as PUT /api/v1/organisations/{id}/contacts)"),
    a("GET", "/needs", STAFF, "Needs page: the structure's recruitment needs (job, contractor, clause, place, posts, start, proposals by state), 50 a page"),
    a("GET", "/needs/<id>", STAFF, "A need's page: its facts, its proposals (person, state, dates) and the people of the pool that match it with their reasons, each with a button to propose them"),
    a("GET", "/needs/new", STAFF, "New recruitment need form"),
    a("POST", "/needs/new", STAFF, "New recruitment need form: records the need (as POST /api/v1/needs), then its page"),
    a("POST", "/needs/<id>/propose", STAFF, "Proposal form: proposes a person to the need (as POST /api/v1/referrals), back to the need with a notice"),
    a("POST", "/api/v1/placements/<id>/follow-ups", STAFF, "Record what became of the person 6 or 12 months after the placement's exit (once per months)"),
    a("GET", "/api/v1/follow-ups", STAFF, "Follow-ups after exits: due and not recorded (due=true), else recorded"),
    a("GET", "/api/v1/follow-ups/settings", STAFF, "Whether the structure asks for a 12-month follow-up too"),
    a("PUT", "/api/v1/follow-ups/settings", ADMIN, "Turn the structure's 12-month follow-up on or off"),
    a("POST", "/people/placements/<id>/follow-ups", STAFF, "Follow-up form of an exited placement: situation, date and source 6 or 12 months after the exit, back to the person's page"),
    a("GET", "/follow-ups", STAFF, "Follow-ups page: the follow-ups after exits due and not recorded, oldest first, 50 a page, each linked to the person's page"),
];

const fn a(
    method: &'static str,
    path: &'static str,
    roles: &'static [Role],
    summary: &'static str,
) -> Access {
    Access {
        method,
        path,
        roles,
        summary,
    }
}

/// Roles allowed on a route, if the route is in the table.
pub fn lookup(method: &str, path: &str) -> Option<&'static Access> {
    ROUTES
        .iter()
        .find(|a| a.method.eq_ignore_ascii_case(method) && a.path == path)
}

pub fn describe(roles: &[Role]) -> String {
    if roles.is_empty() {
        return "Public: no authentication.".into();
    }
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    format!("Roles allowed: {}.", names.join(", "))
}
