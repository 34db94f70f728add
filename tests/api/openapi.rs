//! The OpenAPI document describes every route with its parameters, body and answers, and
//! the test client checks every JSON answer against it (`common::OpenApiCheck`).

use serde_json::{json, Value};

use crate::common::*;
use crate::on_both;

/// Every schema object under `value`, with where it is.
fn schemas<'a>(at: String, value: &'a Value, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{at}/{k}");
                if k == "schema" || k == "items" {
                    out.push((here.clone(), v));
                }
                if k == "properties" {
                    if let Value::Object(props) = v {
                        for (name, p) in props {
                            out.push((format!("{here}/{name}"), p));
                        }
                    }
                }
                schemas(here, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                schemas(format!("{at}/{i}"), v, out);
            }
        }
        _ => {}
    }
}

on_both!(
    the_document_is_openapi_3_1_and_describes_every_body_and_answer,
    |app: &TestApp| {
        let doc = &app.openapi().doc;
        assert!(
            doc["openapi"].as_str().unwrap().starts_with("3.1"),
            "{}",
            doc["openapi"]
        );
        for a in clausier::api::access::ROUTES {
            let template = a
                .path
                .split('/')
                .map(
                    |s| match s.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
                        Some(n) => format!("{{{n}}}"),
                        None => s.to_string(),
                    },
                )
                .collect::<Vec<_>>()
                .join("/");
            let op = &doc["paths"][&template][a.method.to_lowercase()];
            assert!(op.is_object(), "{} {template} is missing", a.method);
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses
                    .keys()
                    .any(|s| s.starts_with('2') || s.starts_with('3')),
                "{} {template}: no successful answer",
                a.method
            );
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    // The problem schema, or an import's, whose errors are refused rows.
                    let schema = &r["content"]["application/problem+json"]["schema"];
                    assert!(
                        schema["$ref"] == "#/components/schemas/Problem"
                            || schema["$ref"] == "#/components/schemas/ImportProblem",
                        "{} {template} {status}: {schema}",
                        a.method
                    );
                }
            }
            // Each parameter of the path is listed with its type.
            for name in template
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            {
                let p = op["parameters"]
                    .as_array()
                    .and_then(|ps| ps.iter().find(|p| p["name"] == name))
                    .unwrap_or_else(|| panic!("{} {template}: no parameter {name}", a.method));
                assert_eq!(p["in"], "path");
                assert!(p["schema"]["type"].is_string(), "{name}: {p}");
            }
        }
        // The report's eight parameters, one by one.
        let report = &doc["paths"]["/api/v1/reports/annual"]["get"]["parameters"];
        let names: Vec<&str> = report
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "year",
                "from",
                "to",
                "territory",
                "buyer_id",
                "contractor_id",
                "clause_kind",
                "structure_id"
            ]
        );
        // No schema is an empty `{}`: each says what it holds.
        let mut found = Vec::new();
        schemas(String::new(), doc, &mut found);
        assert!(found.len() > 100, "{}", found.len());
        for (at, schema) in found {
            assert!(
                schema.as_object().is_some_and(|m| !m.is_empty()),
                "an empty schema at {at}"
            );
        }
        // The limits of the text classes are in the schemas.
        let components = &doc["components"]["schemas"];
        assert_eq!(components["Name"]["maxLength"], 100);
        assert_eq!(components["FreeText"]["maxLength"], 2000);
        assert_eq!(components["Code"]["maxLength"], 64);
        let problem = &components["Problem"];
        assert_eq!(
            problem["properties"]["errors"]["items"]["$ref"],
            "#/components/schemas/FieldError"
        );
        for field in ["field", "code", "message"] {
            assert!(
                components["FieldError"]["required"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(field)),
                "{field}"
            );
        }
    }
);

on_both!(
    an_answer_that_drifts_from_the_document_is_caught,
    |app: &TestApp| {
        let check = app.openapi();
        // A well-formed problem passes.
        let problem = json!({
            "type": "https://clausier.fr/problems/not-found",
            "title": "Introuvable",
            "status": 404,
            "detail": "Cette clause n'existe pas ou ne fait pas partie de votre périmètre.",
            "code": "not_found"
        });
        check
            .check(
                "GET",
                "/api/v1/clauses/7",
                404,
                "application/problem+json",
                &problem,
            )
            .unwrap();
        // A user without its email, a status never answered, a media type never answered.
        let e = check
            .check(
                "GET",
                "/api/v1/me",
                200,
                "application/json",
                &json!({"id": 1, "role": "admin", "structure_id": 1, "organisation_id": null}),
            )
            .unwrap_err();
        assert!(e.contains("GET /api/v1/me answered 200"), "{e}");
        assert!(e.contains("email"), "{e}");
        let e = check
            .check("GET", "/api/v1/me", 418, "application/json", &json!({}))
            .unwrap_err();
        assert!(e.contains("does not describe"), "{e}");
        let e = check
            .check(
                "GET",
                "/api/v1/reports/annual.csv",
                200,
                "application/json",
                &json!({}),
            )
            .unwrap_err();
        assert!(e.contains("as application/json"), "{e}");
        // The most literal template wins.
        assert_eq!(
            check
                .template("GET", "/api/v1/reports/annual.csv")
                .as_deref(),
            Some("/api/v1/reports/annual.csv")
        );
        assert_eq!(
            check.template("GET", "/api/v1/hours/template").as_deref(),
            Some("/api/v1/hours/template")
        );
        assert_eq!(
            check
                .template("PUT", "/api/v1/placements/3/hours/2026-10")
                .as_deref(),
            Some("/api/v1/placements/{id}/hours/{month}")
        );
    }
);

/// Whether `schema` says what it holds: a reference, a type, a choice of schemas or values.
fn says_what_it_holds(schema: &Value) -> bool {
    ["$ref", "type", "anyOf", "oneOf", "allOf", "enum"]
        .iter()
        .any(|k| schema.get(k).is_some())
}

on_both!(
    every_operation_describes_its_answer_body_and_parameters_with_schemas,
    |app: &TestApp| {
        let doc = &app.openapi().doc;
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                operations += 1;
                let responses = op["responses"].as_object().unwrap();
                let success: Vec<_> = responses
                    .iter()
                    .filter(|(s, _)| s.starts_with('2'))
                    .collect();
                // Only a page form answers nothing but a redirect (the report's filter
                // form is a GET form sending to the page's own address; the account forms
                // send back to the accounts page).
                assert!(
                    !success.is_empty()
                        || path == "/logout"
                        || path == "/reports/annual"
                        || path == "/account/preferences"
                        || path == "/settings/follow-ups"
                        || path.starts_with("/admin/users")
                        || path == "/emails/{id}/retry"
                        || path == "/admin/labour-shares",
                    "{method} {path}: no 2xx answer"
                );
                for (status, r) in success {
                    if status == "204" {
                        assert!(r.get("content").is_none(), "{method} {path} 204: {r}");
                        continue;
                    }
                    let content = r["content"].as_object();
                    assert!(
                        content.is_some_and(|c| !c.is_empty()),
                        "{method} {path} {status}: no body described"
                    );
                    for (media, c) in content.unwrap() {
                        assert!(
                            says_what_it_holds(&c["schema"]),
                            "{method} {path} {status} {media}: schema {}",
                            c["schema"]
                        );
                    }
                }
                for p in op["parameters"].as_array().into_iter().flatten() {
                    assert!(
                        p["schema"]["type"].is_string() || p["schema"]["type"].is_array(),
                        "{method} {path}: parameter {} has no typed schema: {p}",
                        p["name"]
                    );
                    assert!(p["description"].is_string(), "{method} {path}: {p}");
                }
                if let Some(body) = op.get("requestBody") {
                    for (media, c) in body["content"].as_object().unwrap() {
                        assert!(
                            says_what_it_holds(&c["schema"]),
                            "{method} {path} body {media}: schema {}",
                            c["schema"]
                        );
                    }
                }
            }
        }
        assert!(operations > 60, "{operations}");
        // The rules a body must meet, beyond its types, are in the document.
        let components = &doc["components"]["schemas"];
        let password = &components["CreateUser"]["properties"]["password"];
        assert_eq!(password["minLength"], 10, "{password}");
        let target = &components["AssignmentInput"]["properties"]["hours_target"];
        assert_eq!(target["exclusiveMinimum"], 0, "{target}");
        let due_on = &components["ManualMilestone"]["properties"]["due_on"];
        assert_eq!(due_on["format"], "date", "{due_on}");
        assert!(
            due_on["pattern"].as_str().unwrap().contains("2100"),
            "{due_on}"
        );
        let decp = &doc["paths"]["/api/v1/imports/decp"]["post"]["requestBody"]["content"]
            ["application/json"]["schema"];
        let frames = decp["properties"]["marches"]["anyOf"].as_array().unwrap();
        assert!(
            frames.iter().any(|f| f["required"] == json!(["marche"])),
            "{decp}"
        );
    }
);

on_both!(
    a_filter_naming_no_possible_record_is_refused_as_the_document_says,
    |app: &TestApp| {
        let w = crate::fixtures::world(app, "Filtres");
        let doc = &app.openapi().doc;
        let hours = &doc["paths"]["/api/v1/hours"]["get"]["parameters"];
        let clause_id = hours
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "clause_id")
            .unwrap();
        assert_eq!(clause_id["schema"]["minimum"], 1, "{clause_id}");
        for (path, field) in [
            ("/api/v1/hours?clause_id=-5", "clause_id"),
            ("/api/v1/hours?placement_id=0", "placement_id"),
            ("/api/v1/placements?participant_id=-1", "participant_id"),
            ("/api/v1/placements?assignment_id=0", "assignment_id"),
            (
                "/api/v1/needs?assignment_id=-9223372036854775808",
                "assignment_id",
            ),
            ("/api/v1/referrals?need_id=0", "need_id"),
            ("/api/v1/audit?participant_id=-3", "participant_id"),
        ] {
            let r = app.get(path, &w.admin);
            assert_eq!(r.status, 422, "{path}: {}", r.text);
            assert_eq!(r.error_fields(), [field], "{path}: {}", r.text);
            assert_eq!(r.body["errors"][0]["code"], "id_not_positive", "{path}");
        }
        // An empty value is an unset filter, as the document allows; a positive id filters.
        let r = app.get("/api/v1/hours?clause_id=&limit=", &w.admin);
        assert_eq!(r.status, 200, "{}", r.text);
        let r = app.get(&format!("/api/v1/hours?clause_id={}", w.clause), &w.admin);
        assert_eq!(
            (r.status, r.body["total"].as_i64()),
            (200, Some(0)),
            "{}",
            r.text
        );
        // limit and offset are still checked together, after the other parameters.
        let r = app.get("/api/v1/hours?limit=0&offset=-1", &w.admin);
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.error_fields(), ["limit", "offset"], "{}", r.text);
        let r = app.get("/api/v1/hours?clause_id=x&limit=0", &w.admin);
        assert_eq!(r.error_fields(), ["clause_id"], "{}", r.text);
    }
);
