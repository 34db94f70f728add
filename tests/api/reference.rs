//! The reference lists: every role reads each list, codes with French labels; clause kinds
//! explain themselves; sectors are the CPV divisions; no token 401, an unknown list 404.

use clausier::domain::{catalogue, french::CPV_DIVISIONS};
use serde_json::Value;

use crate::common::TestApp;
use crate::fixtures::{contractor_user, world};
use crate::on_both;

/// Each list, its length in the domain, and one (code, French label) it must hold.
const LISTS: [(&str, usize, &str, &str); 11] = [
    (
        "criteria",
        catalogue::CRITERIA.len(),
        "rsa",
        "Bénéficiaire du RSA",
    ),
    (
        "proof-kinds",
        catalogue::PROOF_KINDS.len(),
        "caf_certificate",
        "Attestation CAF ou MSA",
    ),
    (
        "modalities",
        catalogue::MODALITIES.len(),
        "direct_hire",
        "Embauche directe",
    ),
    (
        "contract-types",
        catalogue::CONTRACT_TYPES.len(),
        "cddi",
        "CDD d'insertion (CDDI)",
    ),
    (
        "clause-kinds",
        4,
        "reserved_contract",
        "Marché réservé (art. L2113-12 à L2113-15)",
    ),
    ("exit-outcomes", 4, "durable_employment", "Emploi durable"),
    ("qualification-levels", 9, "none", "Sans diplôme"),
    (
        "siae-kinds",
        8,
        "ETTI",
        "Entreprise de travail temporaire d'insertion",
    ),
    (
        "sectors",
        CPV_DIVISIONS.len(),
        "45",
        "Travaux de construction",
    ),
    (
        "follow-up-situations",
        6,
        "qualifying_training",
        "Formation qualifiante",
    ),
    ("follow-up-sources", 4, "france_travail", "France Travail"),
];

/// The label of `code` in a list answer.
fn label_of<'a>(items: &'a [Value], code: &str) -> Option<&'a str> {
    items
        .iter()
        .find(|i| i["code"] == code)
        .and_then(|i| i["label"].as_str())
}

on_both!(every_role_reads_every_list, |app: &TestApp| {
    let w = world(app, "Reference");
    let contractor = contractor_user(app, &w.admin, w.contractor_a, "c@reference.test");
    let funder = app.api_user(&w.admin, "funder", "f@reference.test", None);
    for (role, token) in [
        ("admin", &w.admin),
        ("facilitator", &w.facilitator),
        ("contractor", &contractor),
        ("funder", &funder),
    ] {
        for (list, len, code, label) in LISTS {
            let r = app.get_ok(&format!("/api/v1/reference/{list}"), token);
            let items = r.body.as_array().expect("an array");
            assert_eq!(items.len(), len, "{role} {list}");
            assert_eq!(label_of(items, code), Some(label), "{role} {list}");
            for item in items {
                let code = item["code"].as_str().unwrap_or("");
                let label = item["label"].as_str().unwrap_or("");
                assert!(
                    !code.is_empty() && !label.trim().is_empty(),
                    "{list}: {item}"
                );
                assert!(!label.contains('_'), "{list}: {label} reads as a code");
                assert_eq!(
                    item.get("description").is_some(),
                    list == "clause-kinds",
                    "{list}: {item}"
                );
            }
        }
    }
});

on_both!(clause_kinds_say_when_to_use_them, |app: &TestApp| {
    let w = world(app, "Reference kinds");
    let r = app.get_ok("/api/v1/reference/clause-kinds", &w.facilitator);
    let kinds = r.body.as_array().unwrap();
    let codes: Vec<&str> = kinds.iter().filter_map(|k| k["code"].as_str()).collect();
    assert_eq!(
        codes,
        [
            "execution_condition",
            "award_criterion",
            "reserved_contract",
            "insertion_purpose"
        ]
    );
    for kind in kinds {
        let description = kind["description"].as_str().unwrap_or("");
        assert!(description.len() > 40, "{kind}");
        assert!(!description.contains('\n'), "one line: {kind}");
    }
    // The kind people pick by mistake says it is not for an ordinary contract.
    let purpose = kinds
        .iter()
        .find(|k| k["code"] == "insertion_purpose")
        .unwrap();
    assert!(
        purpose["description"]
            .as_str()
            .unwrap()
            .contains("jamais pour un marché ordinaire"),
        "{purpose}"
    );
    // The sectors are named, not numbered.
    let sectors = app.get_ok("/api/v1/reference/sectors", &w.facilitator);
    assert_eq!(
        label_of(sectors.body.as_array().unwrap(), "45"),
        Some("Travaux de construction")
    );
});

on_both!(no_token_401_unknown_list_404, |app: &TestApp| {
    let w = world(app, "Reference refusals");
    for list in ["clause-kinds", "sectors", "nope"] {
        let r = app.request(
            "GET",
            &format!("/api/v1/reference/{list}"),
            None,
            None,
            None,
        );
        assert_eq!(r.status, 401, "{list}: {}", r.text);
    }
    for list in ["nope", "clause_kinds", "Criteria", "organisation-kinds"] {
        let r = app.get(&format!("/api/v1/reference/{list}"), &w.facilitator);
        assert_eq!(r.status, 404, "{list}: {}", r.text);
        assert_eq!(
            r.content_type
                .as_deref()
                .map(|c| c.starts_with("application/problem+json")),
            Some(true),
            "{list}"
        );
    }
    // The labour-share table keeps its own route beside the lists.
    let shares = app.get_ok("/api/v1/reference/labour-shares", &w.facilitator);
    assert!(
        shares.body.as_array().is_some_and(|a| !a.is_empty()),
        "{}",
        shares.text
    );
});
