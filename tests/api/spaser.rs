//! A buyer's SPASER evaluation (issue 20, part 4) and the achievement rate on clauses with a
//! target: two buyers, contracts notified in two years, a contract reserved to SIAE
//! (L2113-13) held by an EI, a contract held by an EA, environmental considerations, hours
//! validated on a clause with a target and on the reserved contract (no target), an exit.
//! Every expected figure is computed here from the entries the test makes.

use rocket::http::Header;
use serde_json::{json, Value};

use crate::common::{csv_rows, TestApp};
use crate::fixtures::{self, World, SIRETS};
use crate::on_both;

/// An organisation of `kind` with its SIAE kind.
fn organisation(app: &TestApp, w: &World, kind: &str, name: &str, siae_kind: Option<&str>) -> i64 {
    let body = json!({"kind": kind, "name": name, "territory": "93", "siae_kind": siae_kind});
    app.create("/api/v1/organisations", &w.admin, body, name)
}

/// One contract the test enters: its buyer, amount in euros, notification date, holders,
/// considerations.
struct Entry {
    buyer: i64,
    reference: &'static str,
    amount_eur: i64,
    notified_on: &'static str,
    holders: Vec<i64>,
    social: &'static [&'static str],
    environmental: &'static [&'static str],
}

fn enter(app: &TestApp, w: &World, e: &Entry) -> i64 {
    let body = json!({"buyer_id": e.buyer, "reference": e.reference, "title": format!("Marché {}", e.reference),
                      "kind": "services", "cpv_code": "77310000", "amount_eur": e.amount_eur,
                      "notified_on": e.notified_on, "starts_on": "2026-01-01", "ends_on": "2026-12-31",
                      "holder_ids": e.holders, "social_considerations": e.social,
                      "environmental_considerations": e.environmental});
    app.create("/api/v1/contracts", &w.admin, body, e.reference)
}

fn spaser(app: &TestApp, token: &str, buyer: i64, year: i32) -> Value {
    let r = app.get(
        &format!("/api/v1/reports/spaser?buyer_id={buyer}&year={year}"),
        token,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// Half-up rounding of `n ÷ d` for non-negative integers.
fn div_half_up(n: i64, d: i64) -> i64 {
    (2 * n + d) / (2 * d)
}

/// A share in percent with one decimal, as the API writes it, from two counts.
fn share(n: i64, d: i64) -> Value {
    let tenths = div_half_up(n * 1000, d);
    if tenths % 10 == 0 {
        json!(tenths / 10)
    } else {
        json!(tenths as f64 / 10.0)
    }
}

/// Hundredths as the API writes them (a number with at most two decimals).
fn hundredths(v: i64) -> Value {
    if v % 100 == 0 {
        json!(v / 100)
    } else {
        json!(v as f64 / 100.0)
    }
}

struct Scene {
    w: World,
    other_buyer: i64,
    entries: Vec<Entry>,
    /// (hours in hundredths, on a clause with a target?) of each validated entry, all 2026.
    hours: Vec<(i64, bool)>,
    persons: i64,
}

/// The world's buyer (B1) and a second one (B2); contracts notified in 2025 and 2026.
fn scene(app: &TestApp) -> Scene {
    let w = fixtures::world(app, "PLIE Spaser");
    let other_buyer = fixtures::org(
        app,
        &w.admin,
        "buyer",
        "Département de la Seine-Saint-Denis",
        Some(SIRETS[3]),
        Some("93"),
    );
    let ei = organisation(
        app,
        &w,
        "insertion_structure",
        "Régie de quartier",
        Some("EI"),
    );
    let ea = organisation(
        app,
        &w,
        "contractor",
        "Entreprise adaptée du Bois",
        Some("EA"),
    );
    let entries = vec![
        Entry {
            buyer: w.buyer,
            reference: "2026-R1",
            amount_eur: 200_000,
            notified_on: "2026-02-01",
            holders: vec![ei],
            social: &[],
            environmental: &[],
        },
        Entry {
            buyer: w.buyer,
            reference: "2026-E1",
            amount_eur: 300_000,
            notified_on: "2026-03-01",
            holders: vec![ea],
            social: &[],
            environmental: &["clause_environnementale"],
        },
        Entry {
            buyer: other_buyer,
            reference: "2026-D1",
            amount_eur: 700_000,
            notified_on: "2026-04-01",
            holders: vec![ei],
            social: &["clause_sociale"],
            environmental: &["critere_environnemental"],
        },
    ];
    let ids: Vec<i64> = entries.iter().map(|e| enter(app, &w, e)).collect();
    // The contract reserved to SIAE: a clause without an hour target, held by the EI.
    let r = app.post(
        &format!("/api/v1/contracts/{}/clauses", ids[0]),
        &w.admin,
        json!({"kind": "reserved_contract", "legal_basis": "L2113-13",
               "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let reserved = r.body["id"].as_i64().unwrap();
    fixtures::activate(app, &w.admin, reserved);
    let reserved_assignment = fixtures::assign(app, &w.admin, reserved, ei, "holder", 0);

    // Hours: Awa with A (100 h in February, 50 h in March), Bea with B (30 h in April), both
    // on the world's clause of 833 h; Chloé with the EI on the reserved contract (40 h).
    let (_, awa) = fixtures::placed_feb_to_june(app, &w);
    let (_, bea) = fixtures::person_placed(
        app,
        &w,
        ("Bea", "Martin", "1985-05-06"),
        "2026-01-10",
        (w.assignment_b, w.contractor_b),
        ("2026-02-01", Some("2026-06-30")),
    );
    let (_, chloe) = fixtures::person_placed(
        app,
        &w,
        ("Chloé", "Petit", "1995-07-08"),
        "2026-01-10",
        (reserved_assignment, ei),
        ("2026-02-01", Some("2026-06-30")),
    );
    let reported = [
        (awa, "2026-02", 100.0, true),
        (awa, "2026-03", 50.0, true),
        (bea, "2026-04", 30.0, true),
        (chloe, "2026-03", 40.0, false),
    ];
    let mut hours = Vec::new();
    for (placement, month, h, target) in reported {
        let entry = fixtures::report_work(app, &w.facilitator, placement, month, h);
        fixtures::validate(app, &w.facilitator, entry);
        hours.push(((h * 100.0) as i64, target));
    }
    let r = app.post(
        &format!("/api/v1/placements/{awa}/exit"),
        &w.facilitator,
        json!({"ended_on": "2026-06-30", "outcome": "durable_employment"}),
    );
    assert_eq!(r.status, 200, "exit: {}", r.text);
    Scene {
        w,
        other_buyer,
        entries,
        hours,
        persons: 3,
    }
}

on_both!(
    a_buyers_evaluation_is_computed_from_its_contracts_and_clauses,
    |app: &TestApp| {
        let s = scene(app);
        let w = &s.w;
        let r = spaser(app, &w.facilitator, w.buyer, 2026);
        assert_eq!(r["buyer_name"], "Ville de Saint-Denis");
        assert_eq!(
            (r["year"].as_i64(), r["previous"]["year"].as_i64()),
            (Some(2026), Some(2025))
        );

        // Purchasing figures of B1's 2026 contracts, from the entries.
        let mine: Vec<&Entry> = s
            .entries
            .iter()
            .filter(|e| e.buyer == w.buyer && e.notified_on.starts_with("2026"))
            .collect();
        let c = &r["current"];
        let n = mine.len() as i64;
        let amount: i64 = mine.iter().map(|e| e.amount_eur).sum();
        assert_eq!(c["contracts_notified"], n);
        assert_eq!(c["amount_notified_eur"], amount);
        // Social: R1 carries a clause; environmental: E1 declares one.
        let social = mine
            .iter()
            .filter(|e| !e.social.is_empty() || e.reference == "2026-R1")
            .count() as i64;
        let environmental = mine.iter().filter(|e| !e.environmental.is_empty()).count() as i64;
        assert_eq!(c["with_social_consideration"], social);
        assert_eq!(c["social_share"], share(social, n));
        assert_eq!(c["with_environmental_consideration"], environmental);
        assert_eq!(c["environmental_share"], share(environmental, n));
        // Reserved: R1 as a whole under L2113-13.
        let r1 = mine.iter().find(|e| e.reference == "2026-R1").unwrap();
        assert_eq!(c["reserved"]["contracts"], 1);
        assert_eq!(c["reserved"]["amount_eur"], r1.amount_eur);
        assert_eq!(
            c["reserved"]["by_legal_basis"],
            json!([{"legal_basis": "L2113-13",
                    "label": "L2113-13 : structures d'insertion par l'activité économique (SIAE)",
                    "contracts": 1, "amount_eur": r1.amount_eur}])
        );
        // Awarded: R1 to the EI (SIAE), E1 to the EA, nothing to an ESAT.
        let e1 = mine.iter().find(|e| e.reference == "2026-E1").unwrap();
        let awarded = |g: &str| {
            c["awarded"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["holders"] == g)
                .cloned()
                .unwrap()
        };
        assert_eq!(awarded("siae")["amount_eur"], r1.amount_eur);
        assert_eq!(awarded("ea")["amount_eur"], e1.amount_eur);
        assert_eq!(awarded("esat")["amount_eur"], 0);
        assert_eq!(awarded("esat")["contracts"], 0);

        // Insertion figures: every validated hour counts, persons once; the rate only
        // counts the hours of the clause with a target (833 h).
        let all: i64 = s.hours.iter().map(|(h, _)| h).sum();
        let targeted: i64 = s.hours.iter().filter(|(_, t)| *t).map(|(h, _)| h).sum();
        let required = 833 * 100;
        assert_eq!(c["hours"], hundredths(all));
        assert_eq!(c["persons"], s.persons);
        assert_eq!(c["fte"], hundredths(div_half_up(all, 1607)));
        assert_eq!(c["required_hours"], hundredths(required));
        assert_eq!(c["achievement_rate"], share(targeted, required));
        assert_ne!(c["achievement_rate"], share(all, required));
        assert_eq!(c["exits"]["durable_employment"], 1);
        assert_eq!(c["exits"]["dynamic_share"], 100);
        assert_eq!(c["below_threshold"], false);

        // 2025: the world's contract (1 000 000 €, declared clause sociale, a clause), no
        // hours.
        let p = &r["previous"];
        assert_eq!(p["contracts_notified"], 1);
        assert_eq!(p["amount_notified_eur"], 1_000_000);
        assert_eq!(p["with_social_consideration"], 1);
        assert_eq!(p["with_environmental_consideration"], 0);
        assert_eq!(p["reserved"]["contracts"], 0);
        assert_eq!(p["hours"], 0);
        assert_eq!(p["persons"], 0);
        assert_eq!(p["achievement_rate"], Value::Null);

        // The 50 M€ line: an indication, not reached.
        assert_eq!(r["above_spaser_threshold"], false);
        assert_eq!(r["spaser_threshold_eur"], 50_000_000);
        let ind = r["indication"].as_str().unwrap();
        assert!(ind.starts_with("À titre indicatif"), "{ind}");
        assert!(ind.contains("pas un constat juridique"), "{ind}");

        // The other buyer: its own contract only, and no hours.
        let o = spaser(app, &w.facilitator, s.other_buyer, 2026);
        let d1 = s.entries.iter().find(|e| e.buyer == s.other_buyer).unwrap();
        assert_eq!(o["current"]["contracts_notified"], 1);
        assert_eq!(o["current"]["amount_notified_eur"], d1.amount_eur);
        assert_eq!(o["current"]["awarded"][0]["amount_eur"], d1.amount_eur);
        assert_eq!(o["current"]["reserved"]["contracts"], 0);
        assert_eq!(o["current"]["hours"], 0);

        // The annual report's achievement rate follows the same rule.
        let annual = app.get(
            &format!("/api/v1/reports/annual?year=2026&buyer_id={}", w.buyer),
            &w.facilitator,
        );
        assert_eq!(annual.status, 200, "{}", annual.text);
        assert_eq!(annual.body["hours"], hundredths(all));
        assert_eq!(annual.body["achievement_rate"], share(targeted, required));
        let whole = app.get("/api/v1/reports/annual?year=2026", &w.facilitator);
        assert_eq!(whole.body["achievement_rate"], share(targeted, required));
    }
);

on_both!(
    who_reads_an_evaluation_and_what_a_funder_sees,
    |app: &TestApp| {
        let s = scene(app);
        let w = &s.w;
        // Staff of another structure: the buyer does not exist for them.
        let other_admin = app.structure_admin("PLIE Ailleurs");
        let r = app.get(
            &format!("/api/v1/reports/spaser?buyer_id={}&year=2026", w.buyer),
            &other_admin,
        );
        assert_eq!(r.status, 404, "{}", r.text);
        // An organisation that is not a buyer, and an unknown one.
        for id in [w.contractor_a, 999_999] {
            let r = app.get(
                &format!("/api/v1/reports/spaser?buyer_id={id}&year=2026"),
                &w.facilitator,
            );
            assert_eq!(r.status, 404, "{id}: {}", r.text);
        }
        // A contractor: refused.
        let contractor =
            fixtures::contractor_user(app, &w.admin, w.contractor_a, "chef@batiment.test");
        let r = app.get(
            &format!("/api/v1/reports/spaser?buyer_id={}&year=2026", w.buyer),
            &contractor,
        );
        assert_eq!(r.status, 403, "{}", r.text);
        // Bad or missing parameters: 422 naming them.
        for (query, fields) in [
            (format!("buyer_id={}&year=20x6", w.buyer), vec!["year"]),
            (format!("buyer_id={}&year=1990", w.buyer), vec!["year"]),
            (format!("buyer_id={}", w.buyer), vec!["year"]),
            ("year=2026".to_string(), vec!["buyer_id"]),
            ("buyer_id=-3&year=2026".to_string(), vec!["buyer_id"]),
        ] {
            let r = app.get(&format!("/api/v1/reports/spaser?{query}"), &w.facilitator);
            r.assert_refused_on(&fields);
        }

        // A funder of the structure: the purchasing figures (public records) as the staff
        // see them; three persons are under the threshold of 5, so no insertion figure.
        app.cli_user("PLIE Spaser", "funder", "funder@spaser.test", None, None);
        let funder = app.token("funder@spaser.test");
        let staff = spaser(app, &w.facilitator, w.buyer, 2026);
        let f = spaser(app, &funder, w.buyer, 2026);
        assert!(s.persons < 5);
        assert_eq!(f["suppression_threshold"], 5);
        for field in [
            "contracts_notified",
            "amount_notified_eur",
            "social_share",
            "environmental_share",
            "reserved",
            "awarded",
        ] {
            assert_eq!(f["current"][field], staff["current"][field], "{field}");
        }
        let c = &f["current"];
        assert_eq!(c["below_threshold"], true);
        for field in [
            "hours",
            "persons",
            "fte",
            "achievement_rate",
            "required_hours",
        ] {
            assert_eq!(c[field], Value::Null, "{field}");
        }
        assert_eq!(c["exits"]["durable_employment"], Value::Null);
        assert_eq!(c["exits"]["dynamic_share"], Value::Null);
        // A funder of another structure does not see this buyer.
        app.cli_user(
            "PLIE Ailleurs",
            "funder",
            "funder@ailleurs.test",
            None,
            None,
        );
        let stranger = app.token("funder@ailleurs.test");
        let r = app.get(
            &format!("/api/v1/reports/spaser?buyer_id={}&year=2026", w.buyer),
            &stranger,
        );
        assert_eq!(r.status, 404, "{}", r.text);
    }
);

on_both!(the_evaluation_as_a_workbook_and_a_page, |app: &TestApp| {
    let s = scene(app);
    let w = &s.w;
    let bytes = app
        .client
        .get(format!(
            "/api/v1/reports/spaser.xlsx?buyer_id={}&year=2026",
            w.buyer
        ))
        .header(Header::new(
            "Authorization",
            format!("Bearer {}", w.facilitator),
        ))
        .dispatch()
        .into_bytes()
        .unwrap();
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec!["SPASER".to_string()]);
    let sheet = book.worksheet_range("SPASER").unwrap();
    let row_of = |label: &str| -> Vec<Data> {
        sheet
            .rows()
            .find(|r| r.first().map(|c| c.to_string()) == Some(label.to_string()))
            .unwrap_or_else(|| panic!("{label}"))
            .to_vec()
    };
    let amount: i64 = s
        .entries
        .iter()
        .filter(|e| e.buyer == w.buyer && e.notified_on.starts_with("2026"))
        .map(|e| e.amount_eur)
        .sum();
    let notified = row_of("Montant notifié HT (€)");
    assert_eq!(notified[1], Data::Float(amount as f64));
    assert_eq!(notified[2], Data::Float(1_000_000.0));
    let all: i64 = s.hours.iter().map(|(h, _)| h).sum();
    assert_eq!(
        row_of("Heures d'insertion réalisées")[1],
        Data::Float(all as f64 / 100.0)
    );

    // The page: the form, the table of both years, the workbook link, the indication.
    let session = app.page_session(&w.facilitator);
    let page = app.page_get("/reports/spaser", &session);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("Ville de Saint-Denis"), "{}", page.text);
    let page = app.page_get(
        &format!("/reports/spaser?buyer_id={}&year=2026", w.buyer),
        &session,
    );
    assert_eq!(page.status, 200, "{}", page.text);
    let html = &page.text;
    assert!(
        html.contains("Ville de Saint-Denis : 2026 et 2025"),
        "{html}"
    );
    // The workbook's link (the template escapes its slashes and ampersand).
    assert!(
        html.contains(&format!("spaser.xlsx?buyer_id={}&amp;year=2026", w.buyer)),
        "{html}"
    );
    assert!(html.contains("Marchés réservés"), "{html}");
    assert!(
        html.contains("Montant attribué aux titulaires SIAE"),
        "{html}"
    );
    assert!(html.contains(&format!("{}\u{a0}h", all / 100)), "{html}");
    assert!(html.contains("À titre indicatif"), "{html}");
    // A bad year is named beside its field.
    let page = app.page_get(
        &format!("/reports/spaser?buyer_id={}&year=1800", w.buyer),
        &session,
    );
    assert_eq!(page.status, 422, "{}", page.text);
    assert!(page.text.contains("e-year"), "{}", page.text);
});

// ---------------------------------------------------------------------------------------
// Funders with a territory or a list of structures (issue 20, last gaps)
// ---------------------------------------------------------------------------------------

/// People the scope tests place, one each: first name, last name, birth date.
const PEOPLE: [(&str, &str, &str); 7] = [
    ("Awa", "Diallo", "1990-04-02"),
    ("Bea", "Martin", "1985-05-06"),
    ("Chloé", "Petit", "1995-07-08"),
    ("Dina", "Roux", "1979-01-12"),
    ("Emma", "Garnier", "1988-09-23"),
    ("Fanny", "Leroy", "1992-11-30"),
    ("Gwen", "Marchand", "1983-03-14"),
];

/// Places `people` with a contractor on an assignment from February to June 2026 and
/// validates their hours of March (one figure each); returns the hours (hundredths).
fn at_work(
    app: &TestApp,
    w: &World,
    people: &[(&str, &str, &str)],
    (assignment, contractor): (i64, i64),
    hours: &[f64],
) -> Vec<i64> {
    let mut done = Vec::new();
    for (person, h) in people.iter().zip(hours) {
        let (_, placement) = fixtures::person_placed(
            app,
            w,
            *person,
            "2026-01-10",
            (assignment, contractor),
            ("2026-02-01", Some("2026-06-30")),
        );
        let entry = fixtures::report_work(app, &w.facilitator, placement, "2026-03", *h);
        fixtures::validate(app, &w.facilitator, entry);
        done.push((h * 100.0).round() as i64);
    }
    done
}

/// A buyer of `territory` with a contract notified in 2026 and, when `clause` is set, an
/// active clause of 833 hours given to contractor A; returns (buyer, assignment or 0).
fn other_buyer(
    app: &TestApp,
    w: &World,
    (name, siret, territory): (&str, &str, &str),
    reference: &'static str,
    clause: bool,
) -> (i64, i64) {
    let buyer = fixtures::org(app, &w.admin, "buyer", name, Some(siret), Some(territory));
    let e = Entry {
        buyer,
        reference,
        amount_eur: 450_000,
        notified_on: "2026-02-15",
        holders: vec![w.contractor_a],
        social: &[],
        environmental: &[],
    };
    let contract = enter(app, w, &e);
    if !clause {
        return (buyer, 0);
    }
    let clause = fixtures::clause(
        app,
        &w.admin,
        contract,
        "2026-01-01",
        "2026-12-31",
        Some(w.facilitator_id),
    );
    fixtures::activate(app, &w.admin, clause);
    let assignment = fixtures::assign(app, &w.admin, clause, w.contractor_a, "holder", 833);
    (buyer, assignment)
}

/// Asserts the insertion figures of one year of a funder's evaluation: those computed
/// from `hours` (one person each) on the world's clause of 833 h, or none at all.
fn assert_insertion(y: &Value, hours: Option<&[i64]>) {
    match hours {
        Some(hours) => {
            let all: i64 = hours.iter().sum();
            assert_eq!(y["below_threshold"], false, "{y}");
            assert_eq!(y["hours"], hundredths(all), "{y}");
            assert_eq!(y["persons"], hours.len() as i64, "{y}");
            assert_eq!(y["fte"], hundredths(div_half_up(all, 1607)), "{y}");
            assert_eq!(y["clauses"], 1, "{y}");
            assert_eq!(y["required_hours"], 833, "{y}");
            assert_eq!(y["achievement_rate"], share(all, 833 * 100), "{y}");
        }
        None => {
            assert_eq!(y["below_threshold"], true, "{y}");
            for field in [
                "hours",
                "persons",
                "fte",
                "clauses",
                "required_hours",
                "achievement_rate",
            ] {
                assert_eq!(y[field], Value::Null, "{field}: {y}");
            }
            assert_eq!(y["exits"]["dynamic_share"], Value::Null, "{y}");
        }
    }
}

/// The purchasing figures (public records) a funder sees as the staff do.
fn assert_same_purchasing(funder: &Value, staff: &Value) {
    for year in ["current", "previous"] {
        for field in [
            "contracts_notified",
            "amount_notified_eur",
            "contracts_without_amount",
            "with_social_consideration",
            "social_share",
            "with_environmental_consideration",
            "environmental_share",
            "reserved",
            "awarded",
        ] {
            assert_eq!(funder[year][field], staff[year][field], "{year}.{field}");
        }
    }
}

on_both!(
    a_territory_funder_reads_the_buyers_of_its_territory,
    |app: &TestApp| {
        let w = fixtures::world(app, "PLIE Plaine");
        let (paris, _) = other_buyer(
            app,
            &w,
            ("Ville de Paris", SIRETS[4], "75"),
            "2026-P1",
            false,
        );
        // Five persons on the buyer's clause (93): the threshold is reached.
        let hours = at_work(
            app,
            &w,
            &PEOPLE[..5],
            (w.assignment_a, w.contractor_a),
            &[40.5, 61.25, 70.0, 83.0, 95.75],
        );
        app.cli_user(
            "Financeur Seine-Saint-Denis",
            "funder",
            "f93@spaser.test",
            None,
            Some("territory:93"),
        );
        let f93 = app.token("f93@spaser.test");
        let f = spaser(app, &f93, w.buyer, 2026);
        let staff = spaser(app, &w.facilitator, w.buyer, 2026);
        assert_eq!(f["suppression_threshold"], 5);
        assert_eq!(staff["suppression_threshold"], Value::Null);
        assert_insertion(&f["current"], Some(&hours));
        assert_insertion(&staff["current"], Some(&hours));
        // 2025: nobody worked on the buyer's clauses, fewer than 5 persons: hidden from the
        // funder, zero for the staff.
        assert_insertion(&f["previous"], None);
        assert_eq!(staff["previous"]["persons"], 0);
        assert_same_purchasing(&f, &staff);
        // The CSV says the same: the year's figures shown, the year before's empty and
        // marked « secret statistique ».
        let r = app.get(
            &format!("/api/v1/reports/spaser.csv?buyer_id={}&year=2026", w.buyer),
            &f93,
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let rows = csv_rows(r.text.strip_prefix('\u{feff}').unwrap(), b';');
        same_as_json(&rows[1..], &f, (0, 1, 3, 4), ',', "oui");
        let hidden = |year: &str| {
            rows.iter()
                .filter(|r| r[0] == year && r[4] == "oui")
                .count()
        };
        assert_eq!((hidden("2026"), hidden("2025")), (0, 11), "{rows:?}");
        assert_eq!(f["current"]["contracts_notified"], 0);
        assert_eq!(f["previous"]["amount_notified_eur"], 1_000_000);

        // A buyer of Paris is outside the territory: 404 in every form, while the staff of
        // its structure read it.
        for path in ["spaser", "spaser.csv", "spaser.xlsx"] {
            let r = app.get(
                &format!("/api/v1/reports/{path}?buyer_id={paris}&year=2026"),
                &f93,
            );
            assert_eq!(r.status, 404, "{path}: {}", r.text);
        }
        let p = spaser(app, &w.facilitator, paris, 2026);
        assert_eq!(p["current"]["amount_notified_eur"], 450_000);
        // The page offers the funder the buyers of its territory only.
        let session = app.page_session(&f93);
        let page = app.page_get("/reports/spaser", &session);
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("Ville de Saint-Denis"), "{}", page.text);
        assert!(!page.text.contains("Ville de Paris"), "{}", page.text);
        let page = app.page_get(
            &format!("/reports/spaser?buyer_id={paris}&year=2026"),
            &session,
        );
        assert_eq!(page.status, 404, "{}", page.text);

        // A second buyer of the territory with two persons: under the threshold itself, and
        // its cell hidden in the territory's report takes the first buyer's with it (the
        // complementary rule needs a hidden cell of 5 persons), as the annual report shows.
        let (second, assignment) = other_buyer(
            app,
            &w,
            ("Département de la Seine-Saint-Denis", SIRETS[3], "93"),
            "2026-D1",
            true,
        );
        at_work(
            app,
            &w,
            &PEOPLE[5..],
            (assignment, w.contractor_a),
            &[20.0, 35.5],
        );
        let annual = app.get_ok("/api/v1/reports/annual?year=2026", &f93).body;
        assert_eq!(annual["beneficiaries"], 7, "{annual}");
        for buyer in [w.buyer, second] {
            let cell = annual["breakdowns"]["buyer"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["key"].as_str().and_then(|k| k.parse().ok()) == Some(buyer))
                .unwrap_or_else(|| panic!("no cell for {buyer}: {annual}"))
                .clone();
            assert_eq!(cell["suppressed"], true, "{cell}");
            let f = spaser(app, &f93, buyer, 2026);
            assert_insertion(&f["current"], None);
            assert_same_purchasing(&f, &spaser(app, &w.facilitator, buyer, 2026));
        }
        // The staff still see the first buyer's five persons.
        assert_insertion(
            &spaser(app, &w.facilitator, w.buyer, 2026)["current"],
            Some(&hours),
        );
    }
);

on_both!(
    a_funder_of_listed_structures_reads_their_buyers,
    |app: &TestApp| {
        let north = fixtures::world(app, "PLIE Nord");
        let south = fixtures::world(app, "PLIE Sud");
        let sid = |token: &str| {
            app.get("/api/v1/me", token).body["structure_id"]
                .as_i64()
                .unwrap()
        };
        let (sn, ss) = (sid(&north.admin), sid(&south.admin));
        // North: a buyer of Paris too (a list of structures is not a territory).
        let (paris, _) = other_buyer(
            app,
            &north,
            ("Ville de Paris", SIRETS[4], "75"),
            "2026-P1",
            false,
        );
        let hours = at_work(
            app,
            &north,
            &PEOPLE[..6],
            (north.assignment_a, north.contractor_a),
            &[12.0, 24.5, 36.25, 48.0, 60.75, 72.0],
        );
        // South: three persons on its buyer's clause.
        let south_hours = at_work(
            app,
            &south,
            &PEOPLE[..3],
            (south.assignment_a, south.contractor_a),
            &[10.0, 20.0, 30.0],
        );
        app.cli_user(
            "Financeur régional",
            "funder",
            "fnord@spaser.test",
            None,
            Some(&format!("structures:{sn}")),
        );
        let fnorth = app.token("fnord@spaser.test");
        let f = spaser(app, &fnorth, north.buyer, 2026);
        assert_insertion(&f["current"], Some(&hours));
        assert_insertion(&f["previous"], None);
        assert_same_purchasing(&f, &spaser(app, &north.facilitator, north.buyer, 2026));
        let p = spaser(app, &fnorth, paris, 2026);
        assert_eq!(p["current"]["amount_notified_eur"], 450_000);
        // The south's buyer is outside the list: 404 in every form.
        for path in ["spaser", "spaser.csv", "spaser.xlsx"] {
            let r = app.get(
                &format!("/api/v1/reports/{path}?buyer_id={}&year=2026", south.buyer),
                &fnorth,
            );
            assert_eq!(r.status, 404, "{path}: {}", r.text);
        }
        // A funder of both lists: the south's three persons are under the threshold, and
        // hiding their buyer's cell takes the north's (6 persons) with it, the only cell
        // that gives the hidden ones 5 persons; the annual report hides both likewise.
        app.cli_user(
            "Financeur régional",
            "funder",
            "fboth@spaser.test",
            None,
            Some(&format!("structures:{sn},{ss}")),
        );
        let fboth = app.token("fboth@spaser.test");
        assert_eq!(south_hours.len(), 3);
        let annual = app.get_ok("/api/v1/reports/annual?year=2026", &fboth).body;
        assert_eq!(annual["beneficiaries"], 9, "{annual}");
        for (w, buyer) in [(&south, south.buyer), (&north, north.buyer)] {
            let cell = annual["breakdowns"]["buyer"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["key"].as_str().and_then(|k| k.parse().ok()) == Some(buyer))
                .unwrap_or_else(|| panic!("no cell for {buyer}: {annual}"))
                .clone();
            assert_eq!(cell["suppressed"], true, "{cell}");
            let f = spaser(app, &fboth, buyer, 2026);
            assert_insertion(&f["current"], None);
            assert_same_purchasing(&f, &spaser(app, &w.facilitator, buyer, 2026));
        }
    }
);

// ---------------------------------------------------------------------------------------
// The CSV download
// ---------------------------------------------------------------------------------------

/// The JSON value a CSV code stands for in one year of the evaluation.
fn json_of(y: &Value, code: &str) -> Value {
    // The `field` of the entry of `list` whose `key` is `value`; a legal basis found in
    // the other year only reads 0 in this one.
    let find = |list: &Value, key: &str, value: &str, field: &str| -> Value {
        list.as_array()
            .and_then(|l| l.iter().find(|e| e[key] == value))
            .map(|e| e[field].clone())
            .unwrap_or_else(|| {
                assert_eq!(key, "legal_basis", "{code}: {y}");
                json!(0)
            })
    };
    let bases = &y["reserved"]["by_legal_basis"];
    match code.split_once('.') {
        None => match code {
            "reserved_contracts" => y["reserved"]["contracts"].clone(),
            "reserved_amount_eur" => y["reserved"]["amount_eur"].clone(),
            other => y[other].clone(),
        },
        Some(("reserved_contracts", basis)) => find(bases, "legal_basis", basis, "contracts"),
        Some(("reserved_amount_eur", basis)) => find(bases, "legal_basis", basis, "amount_eur"),
        Some(("awarded_contracts", g)) => find(&y["awarded"], "holders", g, "contracts"),
        Some(("awarded_amount_eur", g)) => find(&y["awarded"], "holders", g, "amount_eur"),
        Some(("exits", outcome)) => y["exits"][outcome].clone(),
        Some(_) => panic!("unknown code {code}"),
    }
}

/// Checks every line of a CSV against the JSON: the same value (decimal `separator`), or
/// an empty value where the JSON has null, `suppressed` saying whether it is hidden from
/// the caller. Returns the codes seen.
fn same_as_json(
    rows: &[Vec<String>],
    json: &Value,
    columns: (usize, usize, usize, usize),
    separator: char,
    yes: &str,
) -> Vec<String> {
    let (year_at, code_at, value_at, suppressed_at) = columns;
    let mut codes = Vec::new();
    for row in rows {
        let y = if row[year_at].parse().ok() == json["year"].as_i64() {
            &json["current"]
        } else {
            assert_eq!(
                row[year_at],
                json["previous"]["year"].to_string(),
                "{row:?}"
            );
            &json["previous"]
        };
        let code = row[code_at].as_str();
        let expected = json_of(y, code);
        let value = &row[value_at];
        if value.is_empty() {
            assert_eq!(expected, Value::Null, "{row:?}");
        } else {
            assert!(
                separator == '.' || !value.contains('.'),
                "a decimal point in the French form: {row:?}"
            );
            let n: f64 = value.replace(separator, ".").parse().unwrap();
            assert_eq!(Some(n), expected.as_f64(), "{row:?}");
        }
        // Hidden from a funder: a year under the threshold, or an exit figure the report
        // hides (a null share with every count shown and zero is no exit at all).
        let funder = json["suppression_threshold"] != Value::Null;
        let no_exit = [
            "durable_employment",
            "transitional_employment",
            "positive_exit",
            "other",
        ]
        .iter()
        .all(|o| y["exits"][o] == 0);
        let hidden = funder
            && value.is_empty()
            && (y["below_threshold"] == true || (code.starts_with("exits.") && !no_exit));
        assert_eq!(row[suppressed_at] == yes, hidden, "{row:?}");
        codes.push(code.to_string());
    }
    codes
}

on_both!(the_evaluation_as_csv, |app: &TestApp| {
    let s = scene(app);
    let w = &s.w;
    let query = format!("buyer_id={}&year=2026", w.buyer);
    let json = spaser(app, &w.facilitator, w.buyer, 2026);
    // The French form by default: byte-order mark, `;`, decimal comma, French header.
    let r = app.get(
        &format!("/api/v1/reports/spaser.csv?{query}"),
        &w.facilitator,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.content_type.as_deref().unwrap().starts_with("text/csv"));
    assert_eq!(
        r.header("Content-Disposition"),
        Some(format!("attachment; filename=\"spaser-{}-2026.csv\"", w.buyer).as_str())
    );
    let body = r.text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let rows = csv_rows(body, b';');
    assert_eq!(
        rows[0].join(";"),
        "Année;Code;Indicateur;Valeur;Secret statistique"
    );
    let codes = same_as_json(&rows[1..], &json, (0, 1, 3, 4), ',', "oui");
    // Every figure of the JSON, each for both years, the year asked first.
    for code in [
        "contracts_notified",
        "amount_notified_eur",
        "contracts_without_amount",
        "with_social_consideration",
        "social_share",
        "with_environmental_consideration",
        "environmental_share",
        "reserved_contracts",
        "reserved_amount_eur",
        "reserved_contracts.L2113-13",
        "reserved_amount_eur.L2113-13",
        "awarded_contracts.siae",
        "awarded_amount_eur.siae",
        "awarded_amount_eur.ea",
        "awarded_amount_eur.esat",
        "hours",
        "persons",
        "fte",
        "clauses",
        "required_hours",
        "achievement_rate",
        "exits.durable_employment",
        "exits.other",
        "exits.dynamic_share",
    ] {
        assert_eq!(
            codes.iter().filter(|c| *c == code).count(),
            2,
            "{code}: {codes:?}"
        );
    }
    assert_eq!(rows[1][0], "2026");
    assert_eq!(rows[2][0], "2025");
    // Decimals as a French spreadsheet reads them: the hours of the scene are 220 h, the
    // achievement rate (180 h of 833 h) 21,6 %.
    let hours_row = rows
        .iter()
        .find(|r| r[1] == "hours" && r[0] == "2026")
        .unwrap();
    let all: i64 = s.hours.iter().map(|(h, _)| h).sum();
    assert_eq!(hours_row[3], (all / 100).to_string());
    let rate_row = rows
        .iter()
        .find(|r| r[1] == "achievement_rate" && r[0] == "2026")
        .unwrap();
    assert!(rate_row[3].contains(','), "{rate_row:?}");

    // The standard form: `,`, decimal point, English header, label last.
    let r = app.get(
        &format!("/api/v1/reports/spaser.csv?{query}&dialect=standard"),
        &w.facilitator,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!r.text.starts_with('\u{feff}'));
    let rows = csv_rows(&r.text, b',');
    assert_eq!(rows[0].join(","), "year,code,value,suppressed,label");
    same_as_json(&rows[1..], &json, (0, 1, 2, 3), '.', "true");
    // Any other form, and a bad year with it: one 422 naming both.
    let r = app.get(
        &format!(
            "/api/v1/reports/spaser.csv?buyer_id={}&year=20x6&dialect=excel",
            w.buyer
        ),
        &w.facilitator,
    );
    r.assert_refused_on(&["dialect", "year"]);

    // A funder of the structure: three persons are under the threshold of 5, so every
    // insertion figure is empty and marked as the annual report's CSV marks a hidden cell;
    // the purchasing figures are those of the staff.
    app.cli_user("PLIE Spaser", "funder", "funder@spaser.test", None, None);
    let funder = app.token("funder@spaser.test");
    let fjson = spaser(app, &funder, w.buyer, 2026);
    let r = app.get(&format!("/api/v1/reports/spaser.csv?{query}"), &funder);
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = csv_rows(r.text.strip_prefix('\u{feff}').unwrap(), b';');
    same_as_json(&rows[1..], &fjson, (0, 1, 3, 4), ',', "oui");
    let staff = app
        .get(
            &format!("/api/v1/reports/spaser.csv?{query}"),
            &w.facilitator,
        )
        .text;
    for row in &rows[1..] {
        let insertion = ["hours", "persons", "fte", "clauses", "required_hours"]
            .contains(&row[1].as_str())
            || row[1].starts_with("exits.")
            || row[1] == "achievement_rate";
        if insertion {
            assert_eq!((row[3].as_str(), row[4].as_str()), ("", "oui"), "{row:?}");
        } else {
            assert_eq!(row[4], "non", "{row:?}");
            assert_eq!(row[3], rows_value(&staff, &row[0], &row[1]), "{row:?}");
        }
    }

    // The page links the CSV beside the workbook.
    let session = app.page_session(&w.facilitator);
    let page = app.page_get(&format!("/reports/spaser?{query}"), &session);
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text
            .contains(&format!("spaser.csv?buyer_id={}&amp;year=2026", w.buyer)),
        "{}",
        page.text
    );
    assert!(page.text.contains("Télécharger le tableau (CSV)"));
});

/// The value of a figure in a year of a French CSV.
fn rows_value(text: &str, year: &str, code: &str) -> String {
    let rows = csv_rows(text.strip_prefix('\u{feff}').unwrap(), b';');
    rows.iter()
        .find(|r| r[0] == year && r[1] == code)
        .map(|r| r[3].clone())
        .unwrap_or_else(|| panic!("{year} {code}"))
}
