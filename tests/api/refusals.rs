//! A walk through the refusals of the API, at least one per route family, on both backends:
//! every problem reads French (title, detail, each field's and line's message: not empty, none
//! of the English words of `messages::ENGLISH_WORDS`), and every code it carries is one of the
//! catalogue's (so documented in docs/errors.md). The codes the walk meets are compared with
//! the catalogue: the ones no step produces are listed in `NOT_WALKED`, which must stay exact.

use std::collections::BTreeSet;

use clausier::api::messages::{english_word, entry, CATALOGUE};
use rocket::http::ContentType;
use serde_json::{json, Value};

use crate::common::{Resp, TestApp};
use crate::fixtures::{contractor_user, placed, SIRETS};
use crate::on_both;

/// Codes of the catalogue that this walk does not produce yet: the gaps, listed so that they
/// show. Their messages are rendered by `api::messages::tests`, and many are met by the
/// resource tests of this suite, which do not report here. The comparison is exact: a code
/// the walk comes to produce must leave this list.
const NOT_WALKED: &[&str] = &[
    "above_clause_hours",
    "above_monthly_cap_with_other_placements",
    "account_gone",
    "already_proposed",
    "amendment_reason_required",
    "amount_and_lots",
    "amount_or_lots_required",
    "answer_state_unknown",
    "assignment_exists",
    "assignment_role_unknown",
    "assignment_unknown",
    "birth_date_unknown",
    "body_too_large",
    "body_unreadable",
    "clause_closed",
    "clause_kind_unknown",
    "clause_too_long",
    "commune_code_malformed",
    "commune_outside_territory",
    "computed_end_too_late",
    "concurrent_update",
    "contract_kind_unknown",
    "contract_reference_taken",
    "contract_type_unknown",
    "cpv_malformed",
    "cpv_prefix_malformed",
    "cpv_prefix_repeated",
    "criteria_required",
    "criterion_repeated",
    "csrf_other_site",
    "csrf_token_mismatch",
    "csv_unreadable",
    "database_not_empty",
    "date_in_future",
    "date_out_of_range",
    "decision_unknown",
    "decline_comment_required",
    "decline_reason_required",
    "decline_reason_unknown",
    "decp_unreadable",
    "derogation_staff_only",
    "eligibility_missing",
    "eligibility_missing_on_need_start",
    "employer_not_eligible",
    "employer_not_own",
    "ended_before_start",
    "ends_before_start",
    "exit_already_recorded",
    "field_unknown",
    "fixed_hours_justification_required",
    "frequency_unknown",
    "funder_whole_years",
    "http_error",
    "identifier_empty",
    "identifier_too_long",
    "identifier_whitespace",
    "internal",
    "job_title_empty",
    "justification_required",
    "label_length",
    "labour_share_not_in_table",
    "labour_share_without_cpv",
    "licence_code_malformed",
    "line_break",
    "list_too_long",
    "lot_number_invalid",
    "lot_unknown",
    "lots_empty",
    "milestone_kind_malformed",
    "modality_unknown",
    "month_out_of_range",
    "need_already_closed",
    "need_full",
    "need_not_open",
    "need_unknown",
    "negative",
    "notification_not_failed",
    "nul_character",
    "number_out_of_range",
    "organisation_identifier_taken",
    "organisation_kind_mismatch",
    "organisation_not_allowed",
    "organisation_not_contractor",
    "organisation_unknown",
    "outcome_unknown",
    "overloaded",
    "override_justification_required",
    "param_not_text",
    "participant_anonymised",
    "participant_duplicate",
    "participant_unknown",
    "percent_out_of_range",
    "person_anonymised",
    "placement_only_with_hired",
    "placement_unknown",
    "posts_out_of_range",
    "proof_unknown",
    "reason_only_with_declined",
    "record_exists",
    "reference_length",
    "referent_not_staff",
    "referral_already_final",
    "referral_answered_meanwhile",
    "referral_transition_refused",
    "request_malformed",
    "request_unprocessable",
    "required_with",
    "rome_code_malformed",
    "row_duplicated",
    "session_cookie_required",
    "share_given_per_lot",
    "siae_kind_not_applicable",
    "siae_kind_unknown",
    "social_consideration_unknown",
    "starts_after_clause_end",
    "territory_required",
    "territory_unknown",
    "too_large_to_compute",
    "unavailable",
    "upload_unreadable",
    "value_refused",
    "weekly_hours_above_max",
    "weekly_load_above_max",
    "xlsx_cell_outside",
    "xlsx_declared_range",
    "xlsx_element_too_large",
    "xlsx_no_worksheet",
    "xlsx_ole_file",
    "xlsx_part_too_large",
    "xlsx_rows_out_of_order",
    "xlsx_shared_text_too_long",
    "xlsx_string_too_long",
    "xlsx_too_many_attributes",
    "xlsx_too_many_parts",
    "xlsx_too_many_records",
    "xlsx_too_many_shared_strings",
    "xlsx_total_too_large",
    "xlsx_unreadable",
    "zero_hours",
];

/// The codes met so far, and the checks every refusal passes.
#[derive(Default)]
struct Walk {
    codes: BTreeSet<String>,
}

impl Walk {
    /// Checks one refusal: its status, French texts, documented codes, and that `code` is
    /// among them (the problem's own, a field's or a line's).
    fn refused(&mut self, what: &str, r: &Resp, status: u16, code: &str) {
        assert_eq!(r.status, status, "{what}: {}", r.text);
        let body = &r.body;
        let french = |label: &str, text: &Value| {
            let text = text.as_str().unwrap_or("");
            assert!(
                !text.trim().is_empty(),
                "{what}: empty {label} in {}",
                r.text
            );
            assert_eq!(english_word(text), None, "{what}: {label} « {text} »");
        };
        french("title", &body["title"]);
        french("detail", &body["detail"]);
        let mut here = Vec::new();
        let own = body["code"].as_str().unwrap_or("");
        assert!(
            entry(own).is_some(),
            "{what}: undocumented problem code « {own} »"
        );
        here.push(own.to_string());
        for e in body["errors"].as_array().into_iter().flatten() {
            let c = e["code"].as_str().unwrap_or("");
            assert!(
                entry(c).is_some(),
                "{what}: undocumented code « {c} » in {e}"
            );
            french("message", &e["message"]);
            here.push(c.to_string());
        }
        assert!(
            here.iter().any(|c| c == code),
            "{what}: expected {code} among {here:?}: {}",
            r.text
        );
        self.codes.extend(here);
    }

    /// Checks a refusal whose codes are whatever the rules find (a file's lines, several
    /// fields): a 4xx, French texts, documented codes, each line's too.
    fn seen(&mut self, what: &str, r: &Resp) {
        assert!((400..500).contains(&r.status), "{what}: {}", r.text);
        let own = r.body["code"].as_str().unwrap_or("").to_string();
        self.refused(what, r, r.status, &own);
    }
}

fn raw(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: &str) -> Resp {
    app.request(
        method,
        path,
        token,
        Some(ContentType::JSON),
        Some(body.as_bytes().to_vec()),
    )
}

on_both!(
    every_refusal_reads_french_and_carries_documented_codes,
    |app: &TestApp| {
        let mut walk = Walk::default();
        let (w, p, pl) = placed(app);
        let a = contractor_user(app, &w.admin, w.contractor_a, "a@refus.test");

        // --- Authentication and the request itself ---
        let r = app.login("fac@plie.test", "not the password");
        walk.refused("wrong password", &r, 401, "credentials_wrong");
        let r = app.request("GET", "/api/v1/me", None, None, None);
        walk.refused("no token", &r, 401, "authentication_required");
        let r = app.get("/api/v1/me", "not-a-token");
        walk.refused("bad token", &r, 401, "token_invalid");
        let r = raw(app, "POST", "/api/v1/auth/login", None, "{\"email\": ");
        walk.refused("JSON cut short", &r, 400, "json_malformed");
        let r = app.request(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(ContentType::Plain),
            Some(b"email=x".to_vec()),
        );
        walk.refused("text body", &r, 415, "media_type_unsupported");
        let r = raw(
            app,
            "POST",
            "/api/v1/auth/login",
            None,
            "{\"email\": \"x@y.fr\"}",
        );
        walk.refused("no password", &r, 422, "required");
        let r = app.request("DELETE", "/api/v1/contracts", Some(&w.admin), None, None);
        walk.refused("DELETE on a list", &r, 405, "method_not_allowed");
        assert_eq!(r.header("Allow"), Some("GET, HEAD, POST"), "{}", r.text);
        let r = app.get("/api/v1/no-such-route", &w.admin);
        walk.refused("no route", &r, 404, "route_unknown");

        let r = app.post("/api/v1/auth/logout", &a, json!({}));
        assert!(r.status < 300, "{}", r.text);
        let r = app.get("/api/v1/me", &a);
        walk.seen("a token after logout", &r);
        let a = app.token("a@refus.test");
        for _ in 0..12 {
            let r = app.login("nobody@refus.test", "wrong password");
            if r.status == 429 {
                break;
            }
        }
        let r = app.login("nobody@refus.test", "wrong password");
        walk.refused("too many failures", &r, 429, "too_many_attempts");

        // --- Users ---
        let r = app.post(
            "/api/v1/users",
            &a,
            json!({"email": "x@refus.test", "password": "long enough pass", "role": "facilitator"}),
        );
        walk.refused("a contractor creating a user", &r, 403, "forbidden");
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": "x@refus.test", "password": "short", "role": "facilitator"}),
        );
        walk.refused("short password", &r, 422, "password_too_short");
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": "not an address", "password": "long enough pass", "role": "facilitator"}),
        );
        walk.refused("email", &r, 422, "email_malformed");
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": "fac@plie.test", "password": "long enough pass", "role": "facilitator"}),
        );
        walk.refused("email taken", &r, 409, "email_taken");
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": "c@refus.test", "password": "long enough pass", "role": "contractor"}),
        );
        walk.refused(
            "contractor without organisation",
            &r,
            422,
            "organisation_required",
        );
        let r = app.post(
            "/api/v1/users",
            &w.admin,
            json!({"email": "c@refus.test", "password": "long enough pass", "role": "chief"}),
        );
        walk.refused("unknown role", &r, 422, "value_not_allowed");

        // --- Organisations ---
        let organisation = |body: Value| app.post("/api/v1/organisations", &w.admin, body);
        let r = organisation(json!({"kind": "bank", "name": "X"}));
        walk.refused("organisation kind", &r, 422, "organisation_kind_unknown");
        let r = organisation(json!({"kind": "contractor", "name": "X", "siret": "12345678901234"}));
        walk.refused("SIRET", &r, 422, "siret_malformed");
        let r = organisation(json!({"kind": "contractor", "name": "X",
                                    "identifier_type": "TVA", "identifier": "814864138"}));
        walk.refused("TVA", &r, 422, "vat_country_missing");
        let r = organisation(json!({"kind": "contractor", "name": "X",
                                    "identifier_type": "DUNS", "identifier": "1"}));
        walk.refused("identifier type", &r, 422, "identifier_type_unknown");
        let r = organisation(
            json!({"kind": "contractor", "name": "X", "siret": SIRETS[5],
                                    "identifier_type": "TVA", "identifier": "FR40303265045"}),
        );
        walk.refused("SIRET and identifier", &r, 422, "siret_or_identifier");
        let r = organisation(json!({"kind": "contractor", "name": " ", "territory": "99"}));
        walk.refused("empty name", &r, 422, "empty");
        walk.refused("territory", &r, 422, "departement_unknown");

        // --- Contracts and clauses ---
        let r = app.post(
            "/api/v1/contracts",
            &w.admin,
            json!({"buyer_id": w.contractor_a, "reference": "X", "title": "T", "kind": "works",
                   "cpv_code": "4544", "duration_months": 0}),
        );
        walk.refused("contract", &r, 422, "organisation_not_buyer");
        walk.refused("contract", &r, 422, "cpv_code_malformed");
        walk.refused("contract", &r, 422, "duration_out_of_range");
        let r = app.post(
            &format!("/api/v1/clauses/{}/activate", w.clause),
            &w.admin,
            json!({}),
        );
        walk.refused(
            "active clause activated",
            &r,
            409,
            "clause_status_transition",
        );
        let r = app.get("/api/v1/clauses/999999", &w.admin);
        walk.refused("unknown clause", &r, 404, "not_found");
        let r = app.post(
            &format!("/api/v1/clauses/{}/assignments", w.clause),
            &w.admin,
            json!({"contractor_id": w.contractor_a, "role": "holder", "hours_target": 0}),
        );
        walk.refused("assignment of 0 h", &r, 422, "not_positive");

        // --- Participants ---
        let r = app.post(
            "/api/v1/participants",
            &w.facilitator,
            json!({"first_name": "Awa", "last_name": "Diallo", "birth_date": "12/04/1995",
                   "sex": "female"}),
        );
        walk.refused("French birth date", &r, 422, "date_malformed");
        assert!(
            r.body["errors"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains("s'écrit 1995-04-12"),
            "{}",
            r.text
        );
        let r = app.post(
            &format!("/api/v1/participants/{p}/eligibility"),
            &w.facilitator,
            json!({"criteria": ["rsa", "moon"], "proof": "caf_certificate",
                   "validated_on": "2026-01-10"}),
        );
        walk.refused("unknown criterion", &r, 422, "criterion_unknown");

        let r = app.post(
            "/api/v1/participants",
            &w.facilitator,
            json!({"first_name": "Awa", "last_name": "Diallo", "birth_date": "1990-04-02",
                   "sex": "female"}),
        );
        walk.seen("the same person again", &r);
        let r = app.post(
            "/api/v1/participants",
            &w.facilitator,
            json!({"first_name": "Léa", "last_name": "Martin", "birth_date": "1850-01-01",
                   "sex": "x", "postal_code": "1", "qualification_level": "9", "rome_code": "F17"}),
        );
        walk.seen("a person's fields", &r);

        // --- Placements and hours ---
        let hours = |month: &str, body: Value| {
            app.put(&format!("/api/v1/placements/{pl}/hours/{month}"), &a, body)
        };
        let r = hours("2026-03", json!({"work_hours": "56,5"}));
        walk.refused("hours with a decimal comma", &r, 422, "value_type");
        let r = hours("2026-03", json!({"work_hours": 7.125}));
        walk.refused("three decimals", &r, 422, "decimals_too_many");
        let r = hours("2026-03", json!({"work_hours": 300}));
        walk.refused("above the cap", &r, 422, "above_monthly_cap");
        let r = hours("2026-12", json!({"work_hours": 10}));
        walk.refused("future month", &r, 422, "month_in_future");
        let r = hours("2026-08", json!({"work_hours": 10}));
        walk.refused("month outside", &r, 422, "month_outside_placement");
        let r = app.request(
            "POST",
            "/api/v1/hours/import?dry_run=true",
            Some(&a),
            Some(ContentType::CSV),
            Some(
                format!(
                    "placement_id,month,work_hours,training_hours\n{pl},2026-03,7.125,0\n\
                     ,2026-03,1,0\n"
                )
                .into_bytes(),
            ),
        );
        walk.refused("import lines", &r, 422, "validation");
        assert!(walk.codes.contains("hours_too_many_decimals"), "{}", r.text);
        assert!(walk.codes.contains("cell_required"), "{}", r.text);
        let import = |content_type: ContentType, body: Vec<u8>| {
            app.request(
                "POST",
                "/api/v1/hours/import?dry_run=true",
                Some(&a),
                Some(content_type),
                Some(body),
            )
        };
        let header = "placement_id,month,work_hours,training_hours\n";
        for (what, body) in [
            (
                "bad cells",
                format!(
                    "{header}abc,2026-03,1,0\n{pl},13/2026,1,0\n{pl},2026-04,x,0\n\
                     {pl},2026-05,-1,0\n{pl},2026-05,1,0\n{pl},2026-03,35,5,0\n"
                ),
            ),
            (
                "missing column",
                "placement_id,month,hours\n1,2026-03,1\n".to_string(),
            ),
            (
                "twice a column",
                header.to_string().replace("\n", ",month\n"),
            ),
            ("empty file", String::new()),
            ("header only", header.to_string()),
        ] {
            let r = import(ContentType::CSV, body.into_bytes());
            walk.seen(what, &r);
        }
        let r = import(ContentType::CSV, vec![0xff, 0xfe, 0x00, 0x41]);
        walk.seen("not UTF-8", &r);
        let xlsx = ContentType::new(
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        );
        let r = import(xlsx, b"not a workbook".to_vec());
        walk.seen("not a workbook", &r);
        let r = app.request(
            "POST",
            "/api/v1/hours/import?dry_run=yes",
            Some(&a),
            Some(ContentType::CSV),
            Some(header.as_bytes().to_vec()),
        );
        walk.refused("dry_run=yes", &r, 422, "boolean_malformed");
        let r = hours("2026-03", json!({"work_hours": -1}));
        walk.seen("negative hours", &r);
        let r = hours("2026-03", json!({"work_hours": 10}));
        assert_eq!(r.status, 200, "{}", r.text);
        let entry_id = r.body["id"].as_i64().unwrap_or(0);
        let decide = |body: Value| app.post("/api/v1/hours/validation", &w.facilitator, body);
        let r = decide(json!({"entry_ids": [], "decision": "validate"}));
        walk.seen("no entries", &r);
        let r = decide(json!({"entry_ids": [999999], "decision": "validate"}));
        walk.seen("unknown entry", &r);
        let r = decide(json!({"entry_ids": [entry_id], "decision": "reject"}));
        walk.seen("reject without reason", &r);
        let r = decide(json!({"entry_ids": [entry_id], "decision": "validate"}));
        assert_eq!(r.status, 200, "{}", r.text);
        let r = decide(json!({"entry_ids": [entry_id], "decision": "validate"}));
        walk.seen("decided twice", &r);
        let r = app.get("/api/v1/hours/template?month=2026-3", &a);
        walk.seen("template month", &r);
        let r = app.get("/api/v1/hours/template?month=2026-03&format=pdf", &a);
        walk.seen("template format", &r);
        let r = app.get("/api/v1/hours/template?month=2026-03&dialect=excel", &a);
        walk.seen("template dialect", &r);
        let r = app.get("/api/v1/hours/template", &a);
        walk.refused("template without month", &r, 422, "param_required");

        // --- Query parameters, lists, reports, work list ---
        let r = app.get("/api/v1/hours?placement_id=x", &w.facilitator);
        walk.refused("id not a number", &r, 422, "integer_malformed");
        for path in [
            "/api/v1/hours?placement_id=99999999999999999999".to_string(),
            "/api/v1/hours?status=lost".into(),
            "/api/v1/needs?status=lost".into(),
            "/api/v1/notifications?status=lost".into(),
            "/api/v1/referrals?state=lost".into(),
            "/api/v1/clauses?status=%01".into(),
            format!("/api/v1/clauses?status={}", "x".repeat(2001)),
            "/api/v1/reports/referrals?year=9999".into(),
            "/api/v1/reports/annual?from=2026-01&to=2026-13".into(),
            "/api/v1/reports/annual?from=2026-06&to=2026-01".into(),
            "/api/v1/reports/annual?year=2026&from=2026-01&to=2026-06".into(),
            "/api/v1/reports/annual".into(),
            "/api/v1/reports/annual?year=2026&territory=xyz".into(),
            "/api/v1/reports/annual?year=2026&buyer_id=0".into(),
            "/api/v1/reports/annual?year=2026&clause_kind=other".into(),
        ] {
            let r = app.get(&path, &w.admin);
            walk.seen(&path, &r);
        }
        let r = app.get("/api/v1/contracts?limit=0", &w.admin);
        walk.refused("limit 0", &r, 422, "limit_out_of_range");
        let r = app.get("/api/v1/contracts?offset=-1", &w.admin);
        walk.refused("negative offset", &r, 422, "offset_negative");
        let r = app.get("/api/v1/hours/import?dry_run=yes", &w.facilitator);
        assert!(r.status >= 400, "{}", r.text);
        let r = app.get("/api/v1/reports/annual?year=20x6", &w.admin);
        walk.refused("report year", &r, 422, "period_year_malformed");
        let r = app.get("/api/v1/worklist?wait_days=400", &w.facilitator);
        walk.refused("wait days", &r, 422, "wait_days_out_of_range");
        let r = app.get(
            "/api/v1/reports/referrals?year=2026&year=2025",
            &w.facilitator,
        );
        walk.refused("year twice", &r, 422, "param_repeated");
        let r = app.get(
            &format!("/api/v1/clauses/{}/progress?on=31/12/2026", w.clause),
            &w.facilitator,
        );
        walk.refused("date in a query", &r, 422, "date_malformed");

        // --- The walk against the catalogue ---
        let catalogue: BTreeSet<&str> = CATALOGUE.iter().map(|e| e.code).collect();
        let walked: BTreeSet<&str> = walk.codes.iter().map(String::as_str).collect();
        let not_walked: Vec<&str> = catalogue.difference(&walked).copied().collect();
        let listed: Vec<&str> = NOT_WALKED.to_vec();
        assert_eq!(
            not_walked, listed,
            "NOT_WALKED must list exactly the catalogue's codes this walk does not produce"
        );
    }
);
