//! The last gaps of issue 19's pages: a contract's lots on its correction page (corrected,
//! taken out, added, refused beside their line, 412), and organisation selects reaching
//! any organisation of a structure holding more than the 1 000 a select offers. Driven like
//! a browser; what a form did, or did not do, is read back through the API.

use serde_json::{json, Value};

use crate::common::{hidden_value, PageSession, Resp, TestApp};
use crate::fixtures::{self, World};
use crate::on_both;

/// The French sentence of a page's error beside `field` (its `e-<field>` paragraph).
fn error_beside(page: &Resp, field: &str) -> Option<String> {
    let marker = format!("id=\"e-{field}\">");
    let at = page.text.find(&marker)?;
    let rest = &page.text[at + marker.len()..];
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

/// The fields a correction changed, by name, in a history line.
fn changed_fields(line: &Value) -> Vec<String> {
    let mut out: Vec<String> = line["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["field"].as_str().map(str::to_string))
        .collect();
    out.sort();
    out
}

/// The value of the text input named `name` of a page (its `value` attribute).
fn input_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" type=\"text\" value=\""))?;
    let rest = &html[at + name.len() + 27..];
    Some(rest[..rest.find('"')?].to_string())
}

fn post(app: &TestApp, path: &str, s: &PageSession, fields: &[(&str, String)]) -> Resp {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.page_post(path, s, &fields)
}

/// A contract of the world's buyer with two lots, amount 20 000 €.
fn contract_with_lots(app: &TestApp, w: &World) -> i64 {
    let r = app.post(
        "/api/v1/contracts",
        &w.admin,
        json!({"buyer_id": w.buyer, "reference": "2026-LOTS", "title": "Voirie en lots",
        "kind": "works", "amount_eur": 20000,
        "lots": [
            {"number": 1, "title": "Terrassement", "amount_eur": 12500.5, "cpv_code": "45112000"},
            {"number": 2, "amount_eur": 3000}
        ]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

fn lots_corrected(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let id = contract_with_lots(app, &w);
    let s = app.page_session(&w.facilitator);
    let api_path = format!("/api/v1/contracts/{id}");
    let path = format!("/contracts/{id}/edit");
    let (_, v1) = api(app, &w.facilitator, &api_path);

    // The form lists each lot with its inputs, then blank lines to add some.
    let page = app.page_get(&path, &s);
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(
        input_value(&page.text, "lots[0].amount_eur").as_deref(),
        Some("12\u{202f}500,50"),
        "{}",
        page.text
    );
    assert_eq!(
        input_value(&page.text, "lots[0].title").as_deref(),
        Some("Terrassement")
    );
    assert_eq!(
        input_value(&page.text, "lots[1].amount_eur").as_deref(),
        Some("3\u{202f}000")
    );
    assert_eq!(
        input_value(&page.text, "lots[2].number").as_deref(),
        Some("")
    );
    assert!(
        page.text.contains("<legend>Lot 2</legend>"),
        "{}",
        page.text
    );
    assert!(page.text.contains("<legend>Nouveau lot</legend>"));
    assert!(page.text.contains("name=\"lots[0].remove\""));

    // The amount of a lot, written the French way; nothing else sent but the lines as the
    // page shows them.
    let lines = |lot1: &str, v: &str| -> Vec<(&'static str, String)> {
        vec![
            ("version", v.to_string()),
            ("lots", String::new()),
            ("lots[0].number", "1".into()),
            ("lots[0].title", "Terrassement".into()),
            ("lots[0].amount_eur", lot1.to_string()),
            ("lots[0].cpv_code", "45112000".into()),
            ("lots[1].number", "2".into()),
            ("lots[1].title", "Lot 2".into()),
            ("lots[1].amount_eur", "3 000".into()),
            ("lots[1].cpv_code", String::new()),
            ("lots[2].number", String::new()),
            ("lots[2].title", String::new()),
            ("lots[2].amount_eur", String::new()),
            ("lots[2].cpv_code", String::new()),
            ("reason", "Montant du lot 1 mal recopié".into()),
        ]
    };
    let r = post(app, &path, &s, &lines("12 600,75 €", &v1));
    assert_eq!(r.status, 303, "{}", r.text);
    let (now, v2) = api(app, &w.facilitator, &api_path);
    assert_eq!(
        now["lots"][0]["amount_eur"].to_string(),
        "12600.75",
        "{now}"
    );
    assert_eq!(now["lots"][1]["amount_eur"].to_string(), "3000", "{now}");
    assert_eq!(now["lots"].as_array().unwrap().len(), 2);
    let h = history(app, &w.facilitator, &api_path);
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(
        changed_fields(&h[0]),
        vec!["lots".to_string()],
        "{:?}",
        h[0]
    );
    // The contract's history says it in words.
    let contract_page = app.page_get(&format!("/contracts/{id}"), &s);
    assert!(
        contract_page
            .text
            .contains("lot 1 « Terrassement », 12\u{202f}500,50\u{a0}€, CPV 45112000"),
        "{}",
        contract_page.text
    );

    // The notified amount corrected, the lots sent as they are: no line about them.
    let mut fields = lines("12 600,75", &v2);
    fields.push(("amount_eur", "21 000".into()));
    let r = post(app, &path, &s, &fields);
    assert_eq!(r.status, 303, "{}", r.text);
    let (_, v3) = api(app, &w.facilitator, &api_path);
    let h = history(app, &w.facilitator, &api_path);
    assert_eq!(h.len(), 2);
    assert_eq!(
        changed_fields(&h[1]),
        vec!["amount_eur".to_string(), "current_amount_eur".to_string()],
        "{:?}",
        h[1]
    );
    // Sent again unchanged: nothing written at all.
    let r = post(app, &path, &s, &lines("12 600,75", &v3));
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(history(app, &w.facilitator, &api_path).len(), 2);

    // Lot 2 taken out, lot 3 added in a blank line.
    let mut fields = lines("12 600,75", &v3);
    fields.push(("lots[1].remove", "on".into()));
    for (k, v) in fields.iter_mut() {
        match *k {
            "lots[2].number" => *v = "3".into(),
            "lots[2].title" => *v = "Signalisation".into(),
            "lots[2].amount_eur" => *v = "1 234,56".into(),
            _ => {}
        }
    }
    let r = post(app, &path, &s, &fields);
    assert_eq!(r.status, 303, "{}", r.text);
    let (now, v4) = api(app, &w.facilitator, &api_path);
    let numbers: Vec<i64> = now["lots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, vec![1, 3], "{now}");
    assert_eq!(now["lots"][1]["amount_eur"].to_string(), "1234.56");
    assert_eq!(now["lots"][1]["title"], "Signalisation");
    assert_eq!(now["lots"][1]["cpv_code"], Value::Null);

    // Refused beside their line, nothing stored: a negative amount (the page's own rule), a
    // zero amount (the API's rule, on the line the form shows it: lot 1 is taken out, so
    // the API's line 0 is the form's line 1).
    let base = |v: &str| -> Vec<(&'static str, String)> {
        vec![
            ("version", v.to_string()),
            ("lots", String::new()),
            ("lots[0].number", "1".into()),
            ("lots[0].title", "Terrassement".into()),
            ("lots[0].amount_eur", "12 600,75".into()),
            ("lots[1].number", "3".into()),
            ("lots[1].title", "Signalisation".into()),
            ("lots[1].amount_eur", "1 234,56".into()),
            ("reason", "Essai".into()),
        ]
    };
    let mut fields = base(&v4);
    fields[4].1 = "-5".into();
    let r = post(app, &path, &s, &fields);
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        error_beside(&r, "lots-0-amount_eur").is_some(),
        "{}",
        r.text
    );
    assert_eq!(
        input_value(&r.text, "lots[0].amount_eur").as_deref(),
        Some("-5")
    );
    let mut fields = base(&v4);
    fields.push(("lots[0].remove", "on".into()));
    fields[7].1 = "0".into();
    let r = post(app, &path, &s, &fields);
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        error_beside(&r, "lots-1-amount_eur").is_some(),
        "{}",
        r.text
    );
    assert!(error_beside(&r, "lots-0-amount_eur").is_none());
    // Two lines with one number: the API's rule beside the second.
    let mut fields = base(&v4);
    fields[5].1 = "1".into();
    let r = post(app, &path, &s, &fields);
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(error_beside(&r, "lots-1-number").is_some(), "{}", r.text);
    let (still, v5) = api(app, &w.facilitator, &api_path);
    assert_eq!(v5, v4);
    assert_eq!(still["lots"], now["lots"]);

    // Someone else changed the lots meanwhile: 412, their lots beside the ones typed,
    // nothing stored, the form again from the record.
    let r = app.patch(
        &api_path,
        &w.admin,
        json!({"lots": [{"number": 1, "title": "Terrassement", "amount_eur": 99.99}],
               "reason": "Lot 3 annulé"}),
        Some(&format!("\"{v4}\"")),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let mut fields = base(&v4);
    fields[7].1 = "2 000".into();
    let r = post(app, &path, &s, &fields);
    assert_eq!(r.status, 412, "{}", r.text);
    let row = r
        .text
        .find(">Lots <span")
        .expect("the lots marked different");
    let line = &r.text[row..row + r.text[row..].find("</tr>").unwrap()];
    assert!(
        line.contains("lot 1 « Terrassement », 99,99\u{a0}€")
            && line.contains("lot 3 « Signalisation », 2\u{202f}000\u{a0}€"),
        "{line}"
    );
    let (now, v6) = api(app, &w.facilitator, &api_path);
    assert_eq!(now["lots"].as_array().unwrap().len(), 1);
    assert_eq!(
        hidden_value(&r.text, "version").as_deref(),
        Some(v6.as_str())
    );
    assert_eq!(
        input_value(&r.text, "lots[0].amount_eur").as_deref(),
        Some("99,99")
    );
}

on_both!(
    a_contract_s_lots_corrected_removed_and_added_through_its_page,
    lots_corrected
);

/// Buyers beyond the first thousand a select offers: 1 001 named « Acheteur 0001 »… (they
/// come first by name), then « Zèbre Métropole ».
fn many_buyers(app: &TestApp, w: &World) -> i64 {
    for i in 1..=1001 {
        fixtures::org(
            app,
            &w.admin,
            "buyer",
            &format!("Acheteur {i:04}"),
            None,
            None,
        );
    }
    fixtures::org(app, &w.admin, "buyer", "Zèbre Métropole", None, None)
}

fn option_of(html: &str, id: i64) -> bool {
    html.contains(&format!("<option value=\"{id}\""))
}

fn buyer_beyond_a_thousand(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let zebre = many_buyers(app, &w);
    let s = app.page_session(&w.facilitator);
    let api_path = format!("/api/v1/contracts/{}", w.contract);
    let path = format!("/contracts/{}/edit", w.contract);
    let (_, v1) = api(app, &w.facilitator, &api_path);

    // A thousand buyers offered, the contract's own (« Ville de Saint-Denis », beyond them
    // by name) kept; the filter and its hint shown.
    let page = app.page_get(&path, &s);
    assert_eq!(page.status, 200);
    assert!(!option_of(&page.text, zebre), "{}", page.text);
    assert!(option_of(&page.text, w.buyer));
    assert!(page
        .text
        .contains(&format!("<option value=\"{}\" selected>", w.buyer)));
    assert_eq!(page.text.matches(">Acheteur ").count(), 1000);
    assert!(
        page.text.contains(
            "Plus de 1\u{202f}000 organisations\u{a0}: tapez une partie du nom pour filtrer."
        ),
        "{}",
        page.text
    );

    // « Filtrer »: the list narrowed, the form as typed, nothing written.
    let form = |buyer: i64, q: &str, shown: &str| -> Vec<(&'static str, String)> {
        vec![
            ("version", v1.clone()),
            ("title", "Titre tapé avant de filtrer".into()),
            ("buyer_id", buyer.to_string()),
            ("buyer_id_q", q.to_string()),
            ("buyer_id_q_shown", shown.to_string()),
            ("reason", "Mauvais acheteur".into()),
        ]
    };
    let mut fields = form(w.buyer, "METROPOLE zebre", "");
    fields.push(("filtrer", "buyer_id".into()));
    let r = post(app, &path, &s, &fields);
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(option_of(&r.text, zebre), "{}", r.text);
    assert!(
        option_of(&r.text, w.buyer),
        "the chosen buyer stays offered"
    );
    assert!(!r.text.contains(">Acheteur 0001</option>"));
    assert!(r.text.contains("value=\"Titre tapé avant de filtrer\""));
    assert!(r.text.contains("value=\"METROPOLE zebre\""));
    assert_eq!(
        hidden_value(&r.text, "version").as_deref(),
        Some(v1.as_str())
    );
    // Enter in the filter (the page's hidden first button, the filter changed): the same.
    let r = post(app, &path, &s, &form(w.buyer, "zèbre", "METROPOLE zebre"));
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(option_of(&r.text, zebre));
    let (_, still) = api(app, &w.facilitator, &api_path);
    assert_eq!(still, v1);
    assert!(history(app, &w.facilitator, &api_path).is_empty());

    // Chosen, then saved.
    let r = post(app, &path, &s, &form(zebre, "zèbre", "zèbre"));
    assert_eq!(r.status, 303, "{}", r.text);
    let (now, _) = api(app, &w.facilitator, &api_path);
    assert_eq!(now["buyer_id"], json!(zebre));
    assert_eq!(now["title"], "Titre tapé avant de filtrer");
    // Its form now keeps it among the first thousand.
    let page = app.page_get(&path, &s);
    assert!(page
        .text
        .contains(&format!("<option value=\"{zebre}\" selected>")));

    // The new contract form reaches it too.
    let page = app.page_get("/contracts/new", &s);
    assert!(!option_of(&page.text, zebre));
    assert!(page.text.contains("Plus de 1\u{202f}000 organisations"));
    let r = app.page_post(
        "/contracts/new",
        &s,
        &[
            ("reference", "2026-900"),
            ("buyer_id", ""),
            ("buyer_id_q", "zebre"),
            ("filtrer", "buyer_id"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(option_of(&r.text, zebre), "{}", r.text);
    assert!(r.text.contains("value=\"2026-900\""));
    let (list, _) = api(app, &w.facilitator, "/api/v1/contracts");
    assert_eq!(list["total"], json!(1), "nothing created: {list}");
}

on_both!(
    a_buyer_beyond_the_first_thousand_reached_through_the_select_s_filter,
    buyer_beyond_a_thousand
);

fn new_contract_with_lots(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    let s = app.page_session(&w.facilitator);
    let page = app.page_get("/contracts/new", &s);
    assert_eq!(page.status, 200);
    assert_eq!(
        input_value(&page.text, "lots[1].number").as_deref(),
        Some("")
    );
    assert!(
        !page.text.contains("Filtrer la liste"),
        "no filter below 1 000"
    );
    let buyer = w.buyer.to_string();
    let form = |lot2_number: &str, lot2_amount: &str| -> Vec<(&'static str, String)> {
        vec![
            ("buyer_id", buyer.clone()),
            ("reference", "2026-077".into()),
            ("title", "Entretien des espaces verts".into()),
            ("kind", "services".into()),
            ("lots", String::new()),
            ("lots[0].number", String::new()),
            ("lots[0].amount_eur", String::new()),
            ("lots[1].number", "1".into()),
            ("lots[1].title", "Tonte".into()),
            ("lots[1].amount_eur", "5 000,25".into()),
            ("lots[2].number", lot2_number.to_string()),
            ("lots[2].amount_eur", lot2_amount.to_string()),
        ]
    };
    // The page's rule, then the API's (its lots[1] is the form's line 2: line 0 is blank).
    let r = post(app, "/contracts/new", &s, &form("2", "beaucoup"));
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        error_beside(&r, "lots-2-amount_eur").is_some(),
        "{}",
        r.text
    );
    assert_eq!(
        input_value(&r.text, "lots[1].amount_eur").as_deref(),
        Some("5 000,25")
    );
    let r = post(app, "/contracts/new", &s, &form("1", "800"));
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(error_beside(&r, "lots-2-number").is_some(), "{}", r.text);
    assert!(error_beside(&r, "lots-1-number").is_none(), "{}", r.text);
    let (list, _) = api(app, &w.facilitator, "/api/v1/contracts");
    assert_eq!(list["total"], json!(1), "nothing created: {list}");

    let r = post(app, "/contracts/new", &s, &form("2", "800"));
    assert_eq!(r.status, 303, "{}", r.text);
    let id = r
        .header("Location")
        .and_then(|l| l.strip_prefix("/contracts/"))
        .and_then(|l| l.split('?').next())
        .and_then(|l| l.parse::<i64>().ok())
        .expect("the new contract's page");
    let (now, _) = api(app, &w.facilitator, &format!("/api/v1/contracts/{id}"));
    assert_eq!(now["lots"][0]["amount_eur"].to_string(), "5000.25", "{now}");
    assert_eq!(now["lots"][0]["title"], "Tonte");
    assert_eq!(now["lots"][1]["amount_eur"].to_string(), "800");
    assert_eq!(now["lots"][1]["title"], "Lot 2");
}

on_both!(
    a_new_contract_with_its_lots_through_its_page,
    new_contract_with_lots
);

fn contractor_beyond_a_thousand(app: &TestApp) {
    let w = fixtures::world(app, "PLIE");
    for i in 1..=1001 {
        let name = format!("Entreprise {i:04}");
        fixtures::org(app, &w.admin, "contractor", &name, None, None);
    }
    let zebre = fixtures::org(app, &w.admin, "contractor", "Zèbre Bâtiment", None, None);
    let admin = app.page_session(&w.admin);

    // The clause's assignment form: a GET filter above it.
    let path = format!("/clauses/{}", w.clause);
    let page = app.page_get(&path, &admin);
    assert_eq!(page.status, 200);
    assert!(!option_of(&page.text, zebre));
    assert!(page.text.contains("name=\"org_q\""), "{}", page.text);
    let page = app.page_get(&format!("{path}?org_q=B%C3%A2timent%20z%C3%A8bre"), &admin);
    assert_eq!(page.status, 200);
    assert!(option_of(&page.text, zebre), "{}", page.text);
    assert!(!page.text.contains(">Entreprise 0001</option>"));
    // Sent after filtering: refused here (the clause's hours are all assigned), the form
    // comes back with the chosen contractor still offered and selected.
    let r = app.page_post(
        &format!("/clauses/{}/assignments", w.clause),
        &admin,
        &[
            ("contractor_id", &zebre.to_string()),
            ("role", "subcontractor"),
            ("hours_target", "10"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r
        .text
        .contains(&format!("<option value=\"{zebre}\" selected>")));

    // The accounts page: an account of Zèbre Bâtiment keeps it offered on its line.
    let r = app.post(
        "/api/v1/users",
        &w.admin,
        json!({"email": "zebre@plie.test", "password": crate::common::PASSWORD,
               "role": "contractor", "organisation_id": zebre}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let page = app.page_get("/admin/users", &admin);
    assert_eq!(page.status, 200);
    assert!(page
        .text
        .contains(&format!("<option value=\"{zebre}\" selected>")));
    assert!(page.text.contains(
        "Plus de 1\u{202f}000 organisations\u{a0}: tapez une partie du nom pour filtrer."
    ));
    let page = app.page_get("/admin/users?org_q=entreprise%201001", &admin);
    assert!(page.text.contains(">Entreprise 1001 ("), "{}", page.text);
    assert!(!page.text.contains(">Entreprise 0001 ("));
}

on_both!(
    a_contractor_beyond_the_first_thousand_reached_on_the_clause_and_accounts_pages,
    contractor_beyond_a_thousand
);
