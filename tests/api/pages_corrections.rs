//! The correction pages of issue 19 (contracts and their amendments, clauses, assignments,
//! placements, organisations, accounts), driven like a browser: the session cookie, the
//! form secret, url-encoded forms carrying the record's version. What a form did, or did
//! not do, is read back through the API.

use serde_json::{json, Value};

use crate::common::{hidden_value, PageSession, Resp, TestApp};
use crate::fixtures::{self, contractor_user};
use crate::on_both;

/// The French sentence of a page's error beside `field` (its `e-<field>` paragraph).
fn error_beside(page: &Resp, field: &str) -> Option<String> {
    let at = page.text.find(&format!("id=\"e-{field}\">"))?;
    let rest = &page.text[at + field.len() + 8..];
    Some(rest[..rest.find("</p>")?].to_string())
}

/// A record through the API, with its version (its `ETag` without quotes).
fn api(app: &TestApp, token: &str, path: &str) -> (Value, String) {
    let r = app.get(path, token);
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    let version = r.header("ETag").unwrap_or("").trim_matches('"').to_string();
    (r.body, version)
}

fn history(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let r = app.get(&format!("{path}/history"), token);
    assert_eq!(r.status, 200, "{path}/history: {}", r.text);
    r.body.as_array().cloned().unwrap_or_default()
}

/// The form page at `path`: 200, carrying the record's version.
fn form_page(app: &TestApp, s: &PageSession, path: &str, version: &str) -> Resp {
    let page = app.page_get(path, s);
    assert_eq!(page.status, 200, "{path}: {}", page.text);
    assert_eq!(
        hidden_value(&page.text, "version").as_deref(),
        Some(version),
        "{path}"
    );
    page
}

fn contract_form<'a>(buyer: &'a str, version: &'a str, amount: &'a str) -> Vec<(&'a str, String)> {
    vec![
        ("version", version.to_string()),
        ("reference", "2026-001".into()),
        ("title", "Réhabilitation du groupe scolaire".into()),
        ("buyer_id", buyer.to_string()),
        ("kind", "works".into()),
        ("cpv_code", "45442100".into()),
        ("amount_eur", amount.to_string()),
        ("notified_on", "2025-12-01".into()),
        ("starts_on", "2026-01-01".into()),
        ("ends_on", "2026-12-31".into()),
        ("duration_months", "".into()),
        ("social_considerations", "".into()),
        ("social_considerations", "clause_sociale".into()),
        ("reason", "Montant mal recopié".into()),
    ]
}

fn post(app: &TestApp, path: &str, s: &PageSession, fields: &[(&str, String)]) -> Resp {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.page_post(path, s, &fields)
}

fn set(fields: &mut [(&str, String)], name: &str, value: &str) {
    for (k, v) in fields.iter_mut() {
        if *k == name {
            *v = value.to_string();
        }
    }
}

fn contract_correction(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let s = app.page_session(&w.facilitator);
    let api_path = format!("/api/v1/contracts/{}", w.contract);
    let path = format!("/contracts/{}/edit", w.contract);
    let (_, v1) = api(app, &w.facilitator, &api_path);
    let page = form_page(app, &s, &path, &v1);
    assert!(
        page.text.contains("value=\"1\u{202f}000\u{202f}000\""),
        "{}",
        page.text
    );
    assert!(page.text.contains("Corriger le marché"));
    // The contract's page links to the form and shows its (empty) history.
    let contract_page = app.page_get(&format!("/contracts/{}", w.contract), &s);
    assert!(contract_page
        .text
        .contains(&format!("href=\"/contracts/{}/edit\"", w.contract)));
    assert!(contract_page.text.contains("Historique du marché"));

    // Another tab corrects the title first.
    let r = app.patch(
        &api_path,
        &w.admin,
        json!({"title": "Groupe scolaire Jaures", "reason": "Intitulé officiel"}),
        Some(&format!("\"{v1}\"")),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let buyer = w.buyer.to_string();
    let mut fields = contract_form(&buyer, &v1, "1 200 000");
    let r = post(app, &path, &s, &fields);
    assert_eq!(r.status, 412, "{}", r.text);
    assert!(
        r.text.contains("modifiée par quelqu'un d'autre"),
        "{}",
        r.text
    );
    // The other change shown (what it changed), the current values beside what was typed.
    assert!(
        r.text
            .contains("Objet : Réhabilitation du groupe scolaire → Groupe scolaire Jaures"),
        "{}",
        r.text
    );
    let row = r
        .text
        .find(">Montant notifié (€) <span")
        .expect("the amount marked different");
    let line = &r.text[row..row + r.text[row..].find("</tr>").unwrap()];
    assert!(
        line.contains("1\u{202f}000\u{202f}000") && line.contains("1\u{202f}200\u{202f}000"),
        "{line}"
    );
    // The form starts again from the record, the reason kept as typed.
    let (now, v2) = api(app, &w.facilitator, &api_path);
    assert_ne!(v1, v2);
    assert_eq!(
        hidden_value(&r.text, "version").as_deref(),
        Some(v2.as_str())
    );
    assert!(r.text.contains("value=\"Groupe scolaire Jaures\""));
    assert!(r.text.contains("Montant mal recopié</textarea>"));
    // Nothing stored.
    assert_eq!(now["amount_eur"], json!(1000000));
    assert_eq!(history(app, &w.facilitator, &api_path).len(), 1);

    // Refused input: beside its field, nothing stored.
    set(&mut fields, "version", &v2);
    set(&mut fields, "title", "Groupe scolaire Jaures");
    set(&mut fields, "amount_eur", "douze");
    let r = post(app, &path, &s, &fields);
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(error_beside(&r, "amount_eur").is_some(), "{}", r.text);
    set(&mut fields, "amount_eur", "1 200 000");
    set(&mut fields, "reason", "");
    let r = post(app, &path, &s, &fields);
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(error_beside(&r, "reason").is_some(), "{}", r.text);
    assert_eq!(
        api(app, &w.facilitator, &api_path).0["amount_eur"],
        json!(1000000)
    );

    // Started again from the current record: stored, with its reason in the history.
    set(&mut fields, "reason", "Montant mal recopié");
    let r = post(app, &path, &s, &fields);
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("Location"),
        Some(format!("/contracts/{}?fait=marche-corrige", w.contract).as_str())
    );
    let (now, _) = api(app, &w.facilitator, &api_path);
    assert_eq!(now["amount_eur"], json!(1200000));
    assert_eq!(now["title"], "Groupe scolaire Jaures");
    let lines = history(app, &w.facilitator, &api_path);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["reason"], "Montant mal recopié");
    let page = app.page_get(
        &format!("/contracts/{}?fait=marche-corrige", w.contract),
        &s,
    );
    assert!(page.text.contains("Le marché est corrigé"));
    assert!(
        page.text
            .contains("Montant notifié (€) : 1\u{202f}000\u{202f}000 → 1\u{202f}200\u{202f}000"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Motif : Montant mal recopié"));
}

on_both!(
    a_contract_corrected_through_its_page_with_412_and_refusals,
    contract_correction
);

fn amendment(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let s = app.page_session(&w.facilitator);
    let path = format!("/contracts/{}/amendments", w.contract);
    let api_path = format!("/api/v1/contracts/{}", w.contract);
    let page = app.page_get(&format!("/contracts/{}", w.contract), &s);
    assert!(
        page.text.contains(&format!("action=\"{path}\"")),
        "{}",
        page.text
    );
    assert!(page.text.contains("Aucun avenant."));
    // Refused: the number missing, beside its field; nothing recorded.
    let r = app.page_post(
        &path,
        &s,
        &[
            ("number", ""),
            ("signed_on", "2026-06-01"),
            ("amount_eur", "1 150 000"),
            ("reason", "Travaux en plus"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(error_beside(&r, "number").is_some(), "{}", r.text);
    assert!(r.text.contains("value=\"1 150 000\""));
    assert_eq!(
        api(app, &w.facilitator, &api_path).0["amendments"],
        json!([])
    );
    // Recorded: the contract's current amount follows, the notified one stays.
    let r = app.page_post(
        &path,
        &s,
        &[
            ("number", "AV-1"),
            ("signed_on", "2026-06-01"),
            ("amount_eur", "1 150 000,50"),
            ("reason", "Travaux en plus"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    let (now, _) = api(app, &w.facilitator, &api_path);
    assert_eq!(now["current_amount_eur"], json!(1150000.5));
    assert_eq!(now["amount_eur"], json!(1000000));
    assert_eq!(now["amendments"][0]["number"], "AV-1");
    let page = app.page_get(&format!("/contracts/{}", w.contract), &s);
    assert!(
        page.text.contains("<td data-label=\"Numéro\">AV-1</td>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Avenant"));
    assert!(page.text.contains("Motif : Travaux en plus"));
    // The same number again: refused beside it (409).
    let r = app.page_post(
        &path,
        &s,
        &[
            ("number", "AV-1"),
            ("signed_on", "2026-07-01"),
            ("duration_months", "18"),
            ("reason", "Délai"),
        ],
    );
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(error_beside(&r, "number").is_some(), "{}", r.text);
    assert_eq!(
        api(app, &w.facilitator, &api_path).0["amendments"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

on_both!(an_amendment_recorded_from_the_contract_page, amendment);

fn clause_correction(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let s = app.page_session(&w.facilitator);
    let api_path = format!("/api/v1/clauses/{}", w.clause);
    let path = format!("/clauses/{}/edit", w.clause);
    let (_, v1) = api(app, &w.facilitator, &api_path);
    let page = form_page(app, &s, &path, &v1);
    assert!(page.text.contains("value=\"2026-12-31\""));
    let clause_page = app.page_get(&format!("/clauses/{}", w.clause), &s);
    assert!(clause_page.text.contains(&format!("href=\"{path}\"")));
    let fields = |version: &str, penalty: &str| -> Vec<(&'static str, String)> {
        vec![
            ("version", version.to_string()),
            ("starts_on", "2026-01-01".into()),
            ("ends_on", "2026-12-31".into()),
            ("reporting_frequency", "monthly".into()),
            ("penalty_per_missing_hour_eur", penalty.to_string()),
            ("referent_id", w.facilitator_id.to_string()),
            ("hours_override", "".into()),
            ("override_justification", "".into()),
            ("reason", "Pénalité du CCAP".into()),
        ]
    };
    // Another tab changes the frequency first: 412, nothing stored.
    let r = app.patch(
        &api_path,
        &w.admin,
        json!({"reporting_frequency": "quarterly"}),
        Some(&format!("\"{v1}\"")),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = post(app, &path, &s, &fields(&v1, "12,5"));
    assert_eq!(r.status, 412, "{}", r.text);
    assert!(
        r.text
            .contains("Fréquence des relevés : Mensuelle → Trimestrielle"),
        "{}",
        r.text
    );
    assert_eq!(
        api(app, &w.facilitator, &api_path).0["penalty_per_missing_hour_eur"],
        json!(60)
    );
    // Again from the record as it is now: stored.
    let (_, v2) = api(app, &w.facilitator, &api_path);
    let mut again = fields(&v2, "12,5");
    set(&mut again, "reporting_frequency", "quarterly");
    let r = post(app, &path, &s, &again);
    assert_eq!(r.status, 303, "{}", r.text);
    let (now, _) = api(app, &w.facilitator, &api_path);
    assert_eq!(now["penalty_per_missing_hour_eur"], json!(12.5));
    assert_eq!(now["reporting_frequency"], "quarterly");
    let page = app.page_get(&format!("/clauses/{}", w.clause), &s);
    assert!(
        page.text
            .contains("Pénalité par heure manquante (€) : 60 → 12,50"),
        "{}",
        page.text
    );
    // Refused: an end before the start, beside it; nothing stored.
    let (_, v3) = api(app, &w.facilitator, &api_path);
    let mut bad = fields(&v3, "12,5");
    set(&mut bad, "reporting_frequency", "quarterly");
    set(&mut bad, "ends_on", "2025-06-30");
    let r = post(app, &path, &s, &bad);
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(!r.text.contains("\"type\""), "no problem JSON: {}", r.text);
    assert!(
        error_beside(&r, "ends_on").is_some() || r.text.contains("class=\"error\""),
        "{}",
        r.text
    );
    assert_eq!(
        api(app, &w.facilitator, &api_path).0["ends_on"],
        "2026-12-31"
    );
}

on_both!(a_clause_corrected_through_its_page, clause_correction);

fn assignments(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let s = app.page_session(&w.facilitator);
    let c = fixtures::org(
        app,
        &w.admin,
        "contractor",
        "Couleurs du Nord",
        Some(fixtures::SIRETS[4]),
        Some("93"),
    );
    let clause_page = app.page_get(&format!("/clauses/{}", w.clause), &s);
    for what in ["edit", "replace", "delete"] {
        assert!(clause_page
            .text
            .contains(&format!("href=\"/assignments/{}/{what}\"", w.assignment_b)));
    }
    // Hand-over of B's assignment to another contractor.
    let (_, v) = api(
        app,
        &w.facilitator,
        &format!("/api/v1/assignments/{}", w.assignment_b),
    );
    let page = form_page(
        app,
        &s,
        &format!("/assignments/{}/replace", w.assignment_b),
        &v,
    );
    assert!(page.text.contains("Couleurs du Nord"));
    let r = app.page_post(
        &format!("/assignments/{}/replace", w.assignment_b),
        &s,
        &[
            ("version", &v),
            ("contractor_id", ""),
            ("ends_on", "2026-06-30"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(error_beside(&r, "contractor_id").is_some(), "{}", r.text);
    let r = app.page_post(
        &format!("/assignments/{}/replace", w.assignment_b),
        &s,
        &[
            ("version", &v),
            ("contractor_id", &c.to_string()),
            ("ends_on", "2026-06-30"),
            ("hours_target", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("Location"),
        Some(
            format!(
                "/clauses/{}?fait=attribution-remplacee#corrections",
                w.clause
            )
            .as_str()
        )
    );
    let (ended, _) = api(
        app,
        &w.facilitator,
        &format!("/api/v1/assignments/{}", w.assignment_b),
    );
    assert_eq!(ended["ends_on"], "2026-06-30");
    let (clause, _) = api(
        app,
        &w.facilitator,
        &format!("/api/v1/clauses/{}", w.clause),
    );
    let new = clause["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["contractor_id"] == json!(c))
        .expect("the new contractor's assignment");
    assert_eq!(new["hours_target"], json!(333));

    // Correct a target from a stale form: 412; then removal of a fresh assignment.
    let (_, va) = api(
        app,
        &w.facilitator,
        &format!("/api/v1/assignments/{}", w.assignment_a),
    );
    let r = app.patch(
        &format!("/api/v1/assignments/{}", w.assignment_a),
        &w.admin,
        json!({"hours_target": 450}),
        Some(&format!("\"{va}\"")),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.page_post(
        &format!("/assignments/{}/edit", w.assignment_a),
        &s,
        &[("version", &va), ("hours_target", "480")],
    );
    assert_eq!(r.status, 412, "{}", r.text);
    assert!(
        r.text.contains("Heures attribuées : 500 → 450"),
        "{}",
        r.text
    );
    assert_eq!(
        api(
            app,
            &w.facilitator,
            &format!("/api/v1/assignments/{}", w.assignment_a)
        )
        .0["hours_target"],
        json!(450)
    );

    let draft = fixtures::clause(app, &w.admin, w.contract, "2026-01-01", "2026-12-31", None);
    let fresh = fixtures::assign(app, &w.admin, draft, w.contractor_a, "holder", 100);
    let confirm = form_page(app, &s, &format!("/assignments/{fresh}/delete"), "1");
    assert!(
        confirm.text.contains("Retirer l&#x27;attribution"),
        "{}",
        confirm.text
    );
    assert!(confirm.text.contains("class=\"danger\""));
    // A stale confirmation: nothing removed.
    let r = app.page_post(
        &format!("/assignments/{fresh}/delete"),
        &s,
        &[("version", "7")],
    );
    assert_eq!(r.status, 412, "{}", r.text);
    assert_eq!(
        app.get(&format!("/api/v1/assignments/{fresh}"), &w.facilitator)
            .status,
        200
    );
    let r = app.page_post(
        &format!("/assignments/{fresh}/delete"),
        &s,
        &[("version", "1")],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        app.get(&format!("/api/v1/assignments/{fresh}"), &w.facilitator)
            .status,
        404
    );
}

on_both!(
    assignments_handed_over_corrected_and_removed_from_the_clause_page,
    assignments
);

fn placement(app: &TestApp) {
    let (w, person, pl) = fixtures::placed(app);
    let s = app.page_session(&w.facilitator);
    let api_path = format!("/api/v1/placements/{pl}");
    // Reachable from the person's page and from the clause's page.
    for page in [
        format!("/people/{person}"),
        format!("/clauses/{}", w.clause),
    ] {
        let r = app.page_get(&page, &s);
        assert!(
            r.text.contains(&format!("href=\"/placements/{pl}/edit\"")),
            "{page}"
        );
        assert!(
            r.text
                .contains(&format!("href=\"/placements/{pl}/cancel\"")),
            "{page}"
        );
    }
    let (_, v1) = api(app, &w.facilitator, &api_path);
    let page = form_page(app, &s, &format!("/placements/{pl}/edit"), &v1);
    assert!(page.text.contains("value=\"Peintre en bâtiment\""));
    let form = |version: &str, job: &str| -> Vec<(&'static str, String)> {
        vec![
            ("version", version.to_string()),
            ("job_title", job.to_string()),
            ("contract_type", "cddi".into()),
            ("employer_id", w.contractor_a.to_string()),
            ("starts_on", "2026-02-01".into()),
            ("ends_on", "2026-06-30".into()),
            ("weekly_hours", "35".into()),
            ("ended_on", "".into()),
            ("outcome", "".into()),
        ]
    };
    // Stale: the other change shown, nothing stored.
    let r = app.patch(
        &api_path,
        &w.admin,
        json!({"ends_on": "2026-07-31"}),
        Some(&format!("\"{v1}\"")),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = post(
        app,
        &format!("/placements/{pl}/edit"),
        &s,
        &form(&v1, "Peintre décorateur"),
    );
    assert_eq!(r.status, 412, "{}", r.text);
    assert!(
        r.text
            .contains("Fin prévue : 30 juin 2026 → 31 juillet 2026"),
        "{}",
        r.text
    );
    assert_eq!(
        api(app, &w.facilitator, &api_path).0["job_title"],
        "Peintre en bâtiment"
    );
    // Again from the current version: stored.
    let (_, v2) = api(app, &w.facilitator, &api_path);
    let mut fields = form(&v2, "Peintre décorateur");
    set(&mut fields, "ends_on", "2026-07-31");
    let r = post(app, &format!("/placements/{pl}/edit"), &s, &fields);
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        r.header("Location"),
        Some(format!("/people/{person}?fait=mise-en-situation-corrigee#placements").as_str())
    );
    assert_eq!(
        api(app, &w.facilitator, &api_path).0["job_title"],
        "Peintre décorateur"
    );
    let page = app.page_get(&format!("/placements/{pl}/edit"), &s);
    assert!(
        page.text
            .contains("Poste : Peintre en bâtiment → Peintre décorateur"),
        "{}",
        page.text
    );

    // Cancellation: a confirmation page; the reason required; then cancelled.
    let (_, v3) = api(app, &w.facilitator, &api_path);
    let confirm = form_page(app, &s, &format!("/placements/{pl}/cancel"), &v3);
    assert!(confirm.text.contains("Annuler la mise en situation"));
    let r = app.page_post(
        &format!("/placements/{pl}/cancel"),
        &s,
        &[("version", &v3), ("reason", " ")],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(error_beside(&r, "reason").is_some(), "{}", r.text);
    assert_eq!(
        api(app, &w.facilitator, &api_path).0["cancelled_at"],
        Value::Null
    );
    let r = app.page_post(
        &format!("/placements/{pl}/cancel"),
        &s,
        &[("version", &v3), ("reason", "Saisie en double")],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    let (now, _) = api(app, &w.facilitator, &api_path);
    assert!(now["cancelled_at"].is_string(), "{now}");
    let lines = history(app, &w.facilitator, &api_path);
    assert_eq!(lines.last().unwrap()["action"], "cancel");
    assert_eq!(lines.last().unwrap()["reason"], "Saisie en double");
    let person_page = app.page_get(
        &format!("/people/{person}?fait=mise-en-situation-annulee"),
        &s,
    );
    assert!(person_page
        .text
        .contains("La mise en situation est annulée"));
    assert!(!person_page
        .text
        .contains(&format!("href=\"/placements/{pl}/cancel\"")));
}

on_both!(
    a_placement_corrected_and_cancelled_through_its_pages,
    placement
);

fn organisation(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let s = app.page_session(&w.facilitator);
    let api_path = format!("/api/v1/organisations/{}", w.contractor_b);
    let (_, v1) = api(app, &w.facilitator, &api_path);
    let path = format!("/organisations/{}/edit", w.contractor_b);
    let page = form_page(app, &s, &path, &v1);
    assert!(page.text.contains("value=\"Peintures Réunies\""));
    let r = app.page_post(
        &path,
        &s,
        &[
            ("version", &v1),
            ("name", ""),
            ("siret", ""),
            ("territory", "93"),
            ("siae_kind", ""),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(error_beside(&r, "name").is_some(), "{}", r.text);
    let r = app.page_post(
        &path,
        &s,
        &[
            ("version", &v1),
            ("name", "Peintures Réunies du 93"),
            ("territory", "93"),
            ("siae_kind", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(
        api(app, &w.facilitator, &api_path).0["name"],
        "Peintures Réunies du 93"
    );
    let page = app.page_get(&format!("/organisations/{}", w.contractor_b), &s);
    assert!(
        page.text
            .contains("Nom : Peintures Réunies → Peintures Réunies du 93"),
        "{}",
        page.text
    );
    // From the old version: 412, the name as it is now in the form.
    let r = app.page_post(
        &path,
        &s,
        &[("version", &v1), ("name", "Peintures"), ("territory", "93")],
    );
    assert_eq!(r.status, 412, "{}", r.text);
    assert!(r.text.contains("value=\"Peintures Réunies du 93\""));
    assert_eq!(
        api(app, &w.facilitator, &api_path).0["name"],
        "Peintures Réunies du 93"
    );
}

on_both!(an_organisation_corrected_through_its_page, organisation);

fn account(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let funder = app.api_user(&w.admin, "funder", "financeur@plie.test", None);
    let funder_id = app.get("/api/v1/me", &funder).body["id"].as_i64().unwrap();
    let s = app.page_session(&w.admin);
    let api_path = format!("/api/v1/users/{funder_id}");
    let path = format!("/admin/users/{funder_id}/edit");
    let list = app.page_get("/admin/users", &s);
    assert!(list.text.contains(&format!("href=\"{path}\"")));
    let (_, v1) = api(app, &w.admin, &api_path);
    form_page(app, &s, &path, &v1);
    // A contractor account without its company: refused beside the field.
    let r = app.page_post(
        &path,
        &s,
        &[
            ("version", &v1),
            ("role", "contractor"),
            ("organisation_id", ""),
            ("active", ""),
            ("active", "on"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(error_beside(&r, "organisation_id").is_some(), "{}", r.text);
    assert_eq!(api(app, &w.admin, &api_path).0["role"], "funder");
    // Switched off (the box unticked): stored, its token refused at once.
    let r = app.page_post(
        &path,
        &s,
        &[
            ("version", &v1),
            ("role", "funder"),
            ("organisation_id", ""),
            ("active", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(api(app, &w.admin, &api_path).0["active"], false);
    assert_eq!(app.get("/api/v1/me", &funder).status, 401);
    let page = app.page_get(&path, &s);
    assert!(
        page.text.contains("Désactivation") || page.text.contains("Compte actif"),
        "{}",
        page.text
    );
    // The old version again: 412.
    let r = app.page_post(
        &path,
        &s,
        &[
            ("version", &v1),
            ("role", "funder"),
            ("active", ""),
            ("active", "on"),
        ],
    );
    assert_eq!(r.status, 412, "{}", r.text);
    assert_eq!(api(app, &w.admin, &api_path).0["active"], false);
}

on_both!(
    an_account_changed_through_its_page_by_an_administrator,
    account
);

fn refusals(app: &TestApp) {
    let (w, _, pl) = fixtures::placed(app);
    let other = fixtures::world(app, "Autre PLIE");
    let contractor = contractor_user(app, &w.admin, w.contractor_a, "chef@bd.test");
    let funder = app.api_user(&w.admin, "funder", "financeur@plie.test", None);
    let funder_id = app.get("/api/v1/me", &funder).body["id"].as_i64().unwrap();
    let mine = [
        format!("/contracts/{}/edit", w.contract),
        format!("/contracts/{}/amendments/new", w.contract),
        format!("/clauses/{}/edit", w.clause),
        format!("/assignments/{}/edit", w.assignment_a),
        format!("/assignments/{}/replace", w.assignment_a),
        format!("/assignments/{}/delete", w.assignment_a),
        format!("/placements/{pl}/edit"),
        format!("/placements/{pl}/cancel"),
        format!("/organisations/{}/edit", w.contractor_a),
    ];
    // A contractor and a funder: refused, to read or to send.
    for token in [&contractor, &funder] {
        let s = PageSession {
            cookie: token.clone(),
            csrf: String::new(),
        };
        for path in mine
            .iter()
            .chain([&format!("/admin/users/{funder_id}/edit")])
        {
            let r = app.page_get(path, &s);
            assert_eq!(r.status, 403, "{path}: {}", r.text);
            assert!(!r.text.contains("Bâtiment Durable"), "{path}");
            let r = app.page_post(
                path.trim_end_matches("/new"),
                &s,
                &[("version", "1"), ("reason", "x")],
            );
            assert_eq!(r.status, 403, "POST {path}: {}", r.text);
        }
    }
    // A facilitator: not the accounts.
    let s = app.page_session(&w.facilitator);
    assert_eq!(
        app.page_get(&format!("/admin/users/{funder_id}/edit"), &s)
            .status,
        403
    );
    // Another structure's staff: « introuvable », nothing of the record shown or changed.
    let theirs = app.page_session(&other.facilitator);
    for path in &mine {
        let r = app.page_get(path, &theirs);
        assert_eq!(r.status, 404, "{path}: {}", r.text);
        assert!(
            r.text.contains("ne fait pas partie de votre structure"),
            "{path}"
        );
        assert!(
            !r.text.contains("Bâtiment Durable") && !r.text.contains("Diallo"),
            "{path}"
        );
        let r = app.page_post(
            path.trim_end_matches("/new"),
            &theirs,
            &[("version", "1"), ("reason", "x"), ("title", "Pris")],
        );
        assert_eq!(r.status, 404, "POST {path}: {}", r.text);
    }
    let theirs_admin = app.page_session(&other.admin);
    assert_eq!(
        app.page_get(&format!("/admin/users/{funder_id}/edit"), &theirs_admin)
            .status,
        404
    );
    // Nothing changed.
    assert_eq!(
        app.get(&format!("/api/v1/contracts/{}", w.contract), &w.admin)
            .body["title"],
        "Réhabilitation du groupe scolaire"
    );
    assert_eq!(
        app.get(&format!("/api/v1/contracts/{}", w.contract), &w.admin)
            .body["amendments"],
        json!([])
    );
    assert_eq!(
        app.get(&format!("/api/v1/placements/{pl}"), &w.admin).body["cancelled_at"],
        Value::Null
    );
    assert_eq!(
        app.get(&format!("/api/v1/assignments/{}", w.assignment_a), &w.admin)
            .status,
        200
    );
    // A form without its secret: 403, nothing done.
    let r = app.page_post_raw(
        &format!("/placements/{pl}/cancel"),
        &s,
        "version=1&reason=Sans+secret".into(),
    );
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        app.get(&format!("/api/v1/placements/{pl}"), &w.admin).body["cancelled_at"],
        Value::Null
    );
}

on_both!(
    correction_pages_refuse_other_roles_other_structures_and_forged_forms,
    refusals
);

/// The calibration's inputs on the clause's correction form: a new insertion rate
/// recomputes the required hours from all of them; the form sent unchanged sends nothing.
fn clause_recalibration(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let s = app.page_session(&w.facilitator);
    let api_path = format!("/api/v1/clauses/{}", w.clause);
    let path = format!("/clauses/{}/edit", w.clause);
    let (before, v1) = api(app, &w.facilitator, &api_path);
    let page = form_page(app, &s, &path, &v1);
    assert!(
        page.text
            .contains("name=\"calibration.insertion_rate_percent\""),
        "{}",
        page.text
    );
    let fields = |version: &str, rate: &str| -> Vec<(&'static str, String)> {
        vec![
            ("version", version.to_string()),
            (
                "starts_on",
                before["starts_on"].as_str().unwrap_or("").into(),
            ),
            ("ends_on", before["ends_on"].as_str().unwrap_or("").into()),
            ("reporting_frequency", "monthly".into()),
            ("penalty_per_missing_hour_eur", "60".into()),
            ("referent_id", w.facilitator_id.to_string()),
            ("hours_override", "".into()),
            ("override_justification", "".into()),
            ("calibration.method", "labour_share".into()),
            ("calibration.amount_eur", "1 000 000".into()),
            ("calibration.labour_share_percent", "50".into()),
            ("calibration.cpv_code", "".into()),
            ("calibration.insertion_rate_percent", rate.to_string()),
            ("calibration.hourly_cost_eur", "30".into()),
            ("calibration.euros_per_hour", "".into()),
            ("calibration.hours", "".into()),
            ("calibration.justification", "".into()),
            ("reason", "Taux du marché".into()),
        ]
    };
    // Unchanged: nothing to write, no history line.
    let lines = history(app, &w.facilitator, &api_path).len();
    let r = post(app, &path, &s, &fields(&v1, "5"));
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(history(app, &w.facilitator, &api_path).len(), lines);
    // 7 %: 1 000 000 € × 50 % × 7 % ÷ 30 € = 1 166,67 h, rounded half up to whole hours.
    let (_, v2) = api(app, &w.facilitator, &api_path);
    let r = post(app, &path, &s, &fields(&v2, "7"));
    assert_eq!(r.status, 303, "{}", r.text);
    let (numerator, denominator): (i64, i64) = (1_000_000 * 50 * 7, 30 * 100 * 100);
    let expected = (2 * numerator / denominator + 1) / 2;
    let (now, _) = api(app, &w.facilitator, &api_path);
    assert_eq!(now["required_hours"], json!(expected), "{now}");
    assert_eq!(now["calibration"]["insertion_rate_percent"], json!(7));
    // A rate that is not a number: beside its field, nothing stored.
    let (_, v3) = api(app, &w.facilitator, &api_path);
    let r = post(app, &path, &s, &fields(&v3, "sept"));
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        error_beside(&r, "calibration.insertion_rate_percent").is_some(),
        "{}",
        r.text
    );
    assert_eq!(
        api(app, &w.facilitator, &api_path).0["calibration"]["insertion_rate_percent"],
        json!(7)
    );
}

on_both!(a_clause_recalibrated_through_its_page, clause_recalibration);

/// An organisation's identifier for holders without a SIRET and its ESS mark, on its form.
fn organisation_identifiers(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let s = app.page_session(&w.facilitator);
    let api_path = format!("/api/v1/organisations/{}", w.contractor_b);
    let (_, v1) = api(app, &w.facilitator, &api_path);
    let path = format!("/organisations/{}/edit", w.contractor_b);
    form_page(app, &s, &path, &v1);
    let r = app.page_post(
        &path,
        &s,
        &[
            ("version", &v1),
            ("name", "Peintures Réunies"),
            ("territory", "93"),
            ("siae_kind", ""),
            ("identifier_type", "TVA"),
            ("identifier", "FR40303265045"),
            ("ess", ""),
            ("ess", "on"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text);
    let (now, _) = api(app, &w.facilitator, &api_path);
    assert_eq!(now["ess"], json!(true), "{now}");
    assert_eq!(now["identifier_type"], "TVA", "{now}");
    assert_eq!(now["identifier"], "FR40303265045", "{now}");
}

on_both!(
    an_organisation_s_identifier_and_ess_mark_corrected_through_its_page,
    organisation_identifiers
);
