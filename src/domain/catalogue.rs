//! The code lists of the domain, each as (code, French label) pairs. Codes are what the API,
//! the database and the report breakdowns use; labels are what a person reads.

/// A code list: (code, French label).
pub type CodeList = [(&'static str, &'static str)];

/// Eligibility criteria (docs/domain.md#eligibility). A person is eligible with at least one.
pub const CRITERIA: &CodeList = &[
    ("rsa", "Bénéficiaire du RSA"),
    ("ass", "Bénéficiaire de l'ASS"),
    ("aah", "Bénéficiaire de l'AAH ou d'une pension d'invalidité"),
    ("detld", "Demandeur d'emploi inscrit depuis 24 mois ou plus"),
    ("deld", "Demandeur d'emploi inscrit depuis 12 à 24 mois"),
    (
        "youth_low_qualification",
        "Jeune de moins de 26 ans sorti du système scolaire depuis 6 mois ou plus, niveau CAP/BEP ou inférieur",
    ),
    ("low_qualification", "Niveau CAP/BEP ou inférieur, sans condition d'âge"),
    ("senior", "Demandeur d'emploi de 50 ans ou plus"),
    ("rqth", "Reconnu travailleur handicapé (RQTH)"),
    ("ase", "Sortant de l'Aide sociale à l'enfance"),
    ("single_parent", "Parent isolé"),
    ("homeless", "Sans logement stable"),
    (
        "refugee",
        "Réfugié ou bénéficiaire d'une protection internationale",
    ),
    ("qpv", "Résident d'un quartier prioritaire de la politique de la ville"),
    ("zrr", "Résident d'une zone de revitalisation rurale"),
    (
        "leaving_detention",
        "Sortant de détention ou placé sous main de justice",
    ),
    ("french_below_a1", "Niveau de français inférieur à A1"),
    (
        "pass_iae",
        "Titulaire d'un PASS IAE valide ou salarié d'une SIAE",
    ),
    (
        "ea_esat",
        "Travailleur d'une entreprise adaptée (EA) ou d'un ESAT",
    ),
    ("epide_e2c", "Stagiaire d'un EPIDE ou d'une école de la deuxième chance"),
    (
        "facilitator_opinion",
        "Avis motivé du facilitateur (justification obligatoire)",
    ),
];

/// How a contractor delivers its insertion hours.
pub const MODALITIES: &CodeList = &[
    ("direct_hire", "Embauche directe"),
    ("insertion_temp_agency", "Mise à disposition par une ETTI"),
    (
        "intermediary_association",
        "Mise à disposition par une association intermédiaire",
    ),
    ("geiq", "Mise à disposition par un GEIQ"),
    (
        "temp_agency",
        "Intérim classique avec une personne éligible",
    ),
    ("subcontract_siae", "Sous-traitance à une SIAE"),
    ("co_contract_siae", "Co-traitance avec une SIAE"),
    ("training", "Formation préalable à l'emploi"),
];

/// Employment contract types of a placement.
pub const CONTRACT_TYPES: &CodeList = &[
    ("cdi", "CDI"),
    ("cdd", "CDD"),
    ("cddi", "CDD d'insertion (CDDI)"),
    ("temp_mission", "Mission d'intérim"),
    ("apprenticeship", "Contrat d'apprentissage"),
    ("professionalisation", "Contrat de professionnalisation"),
    ("subsidised", "Contrat aidé (PEC/CUI)"),
    ("other", "Autre"),
];

/// Exit outcomes (the IAE classification).
pub const OUTCOMES: &CodeList = &[
    ("durable_employment", "Emploi durable"),
    ("transitional_employment", "Emploi de transition"),
    ("positive_exit", "Sortie positive"),
    ("other", "Autre sortie"),
];

/// Qualification levels of the 2019 national framework.
pub const QUALIFICATION_LEVELS: &CodeList = &[
    ("none", "Sans diplôme"),
    ("1", "Niveau 1"),
    ("2", "Niveau 2"),
    ("3", "Niveau 3 (CAP, BEP)"),
    ("4", "Niveau 4 (baccalauréat)"),
    ("5", "Niveau 5 (bac+2)"),
    ("6", "Niveau 6 (licence)"),
    ("7", "Niveau 7 (master)"),
    ("8", "Niveau 8 (doctorat)"),
];

/// Levels counted as "low qualification": `none` to `3`.
pub const LOW_QUALIFICATION_LEVELS: &[&str] = &["none", "1", "2", "3"];

/// Clause kinds with their legal basis.
pub const CLAUSE_KINDS: &CodeList = &[
    (
        "execution_condition",
        "Condition d'exécution (art. L2112-2)",
    ),
    ("award_criterion", "Critère d'attribution (art. R2152-7)"),
    (
        "reserved_contract",
        "Marché réservé (art. L2113-12 à L2113-15)",
    ),
    (
        "insertion_purpose",
        "Marché d'insertion et de qualification (art. R2123-1)",
    ),
];

/// What each clause kind is for and when to use it, one French line each (shown beside the
/// label when a kind is chosen).
pub const CLAUSE_KIND_DESCRIPTIONS: &CodeList = &[
    (
        "execution_condition",
        "Heures d'insertion imposées au titulaire pendant l'exécution d'un marché ordinaire de travaux ou de services : le cas le plus courant.",
    ),
    (
        "award_criterion",
        "Le volet insertion des offres est noté parmi les critères de choix ; en complément d'une condition d'exécution, quand l'insertion doit départager les candidats.",
    ),
    (
        "reserved_contract",
        "Mise en concurrence réservée aux SIAE, entreprises adaptées ou ESAT, quand ces structures peuvent exécuter seules la prestation.",
    ),
    (
        "insertion_purpose",
        "Marché dont l'objet même est l'insertion et la qualification de personnes (chantier ou parcours d'insertion) ; jamais pour un marché ordinaire de travaux ou de services.",
    ),
];

/// Kinds of insertion or sheltered-work structures (codes are upper case, as in the API).
pub const SIAE_KINDS: &CodeList = &[
    ("EI", "Entreprise d'insertion"),
    ("AI", "Association intermédiaire"),
    ("ACI", "Atelier et chantier d'insertion"),
    ("ETTI", "Entreprise de travail temporaire d'insertion"),
    ("EITI", "Entreprise d'insertion par le travail indépendant"),
    (
        "GEIQ",
        "Groupement d'employeurs pour l'insertion et la qualification",
    ),
    ("EA", "Entreprise adaptée"),
    ("ESAT", "Établissement et service d'aide par le travail"),
];

/// Kinds of organisations a structure deals with.
pub const ORGANISATION_KINDS: &CodeList = &[
    ("buyer", "Acheteur"),
    ("contractor", "Entreprise"),
    ("insertion_structure", "Structure d'insertion"),
    ("funder", "Financeur"),
];

/// Kinds of proof a facilitator may have seen when validating eligibility. Only the kind is
/// recorded, never the document. Each kind names the usual issuer of the proof:
/// - `caf_certificate`: CAF or MSA certificate (RSA, AAH, single-parent allowance);
/// - `france_travail_certificate`: France Travail registration or ASS certificate
///   (jobseeker duration, ASS, senior jobseeker);
/// - `mdph_decision`: MDPH notification (RQTH, AAH) or invalidity-pension notice;
/// - `pass_iae`: PASS IAE or SIAE / EA / ESAT employment certificate;
/// - `school_certificate`: diploma, school leaving or training certificate
///   (qualification level, EPIDE, second-chance school);
/// - `identity_document`: proof of age or of international protection;
/// - `proof_of_address`: address in a QPV or ZRR;
/// - `social_worker_report`: report of a social worker (child welfare, housing, justice);
/// - `facilitator_interview`: the facilitator's own diagnostic interview (reasoned opinion);
/// - `other`: anything else.
pub const PROOF_KINDS: &CodeList = &[
    ("caf_certificate", "Attestation CAF ou MSA"),
    ("france_travail_certificate", "Attestation France Travail"),
    (
        "mdph_decision",
        "Notification MDPH ou de pension d'invalidité",
    ),
    (
        "pass_iae",
        "PASS IAE ou attestation d'employeur SIAE, EA ou ESAT",
    ),
    (
        "school_certificate",
        "Diplôme, certificat de scolarité ou de formation",
    ),
    ("identity_document", "Pièce d'identité ou titre de séjour"),
    ("proof_of_address", "Justificatif de domicile"),
    ("social_worker_report", "Rapport d'un travailleur social"),
    (
        "facilitator_interview",
        "Entretien de diagnostic du facilitateur",
    ),
    ("other", "Autre justificatif"),
];

/// True when `code` is one of the codes of `list` (exact, case-sensitive).
/// A ROME code (the job directory of France Travail): one letter and four digits (F1703).
pub fn is_rome_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5 && b[0].is_ascii_alphabetic() && b[1..].iter().all(u8::is_ascii_digit)
}

pub fn is_code(list: &CodeList, code: &str) -> bool {
    list.iter().any(|(c, _)| *c == code)
}

/// The French label of `code` in `list`.
pub fn label(list: &CodeList, code: &str) -> Option<&'static str> {
    list.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The codes of a list, in order (for error messages and OpenAPI enums).
pub fn codes(list: &CodeList) -> Vec<&'static str> {
    list.iter().map(|(c, _)| *c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const ALL: &[(&str, &CodeList)] = &[
        ("CRITERIA", CRITERIA),
        ("MODALITIES", MODALITIES),
        ("CONTRACT_TYPES", CONTRACT_TYPES),
        ("OUTCOMES", OUTCOMES),
        ("QUALIFICATION_LEVELS", QUALIFICATION_LEVELS),
        ("CLAUSE_KINDS", CLAUSE_KINDS),
        ("SIAE_KINDS", SIAE_KINDS),
        ("ORGANISATION_KINDS", ORGANISATION_KINDS),
        ("PROOF_KINDS", PROOF_KINDS),
    ];

    #[test]
    fn lists_have_unique_codes_and_labels() {
        for (name, list) in ALL {
            let unique: HashSet<_> = list.iter().map(|(c, _)| c).collect();
            assert_eq!(unique.len(), list.len(), "{name} has duplicate codes");
            for (code, label) in list.iter() {
                assert!(
                    !code.is_empty() && !label.trim().is_empty(),
                    "{name}: {code}"
                );
                assert_eq!(code.trim(), *code, "{name}: {code}");
            }
        }
    }

    #[test]
    fn sizes_follow_domain() {
        assert_eq!(CRITERIA.len(), 21);
        assert_eq!(MODALITIES.len(), 8);
        assert_eq!(CONTRACT_TYPES.len(), 8);
        assert_eq!(
            codes(OUTCOMES),
            [
                "durable_employment",
                "transitional_employment",
                "positive_exit",
                "other"
            ]
        );
        assert_eq!(
            codes(QUALIFICATION_LEVELS),
            ["none", "1", "2", "3", "4", "5", "6", "7", "8"]
        );
        assert_eq!(
            codes(SIAE_KINDS),
            ["EI", "AI", "ACI", "ETTI", "EITI", "GEIQ", "EA", "ESAT"]
        );
        assert_eq!(
            codes(ORGANISATION_KINDS),
            ["buyer", "contractor", "insertion_structure", "funder"]
        );
        assert_eq!(CLAUSE_KINDS.len(), 4);
        for level in LOW_QUALIFICATION_LEVELS {
            assert!(is_code(QUALIFICATION_LEVELS, level));
        }
    }

    #[test]
    fn codes_match_exactly_and_have_french_labels() {
        assert!(is_code(CRITERIA, "rsa"));
        assert!(is_code(CRITERIA, "facilitator_opinion"));
        assert!(!is_code(CRITERIA, "RSA"));
        assert!(!is_code(CRITERIA, ""));
        assert!(is_code(SIAE_KINDS, "ETTI"));
        assert!(!is_code(SIAE_KINDS, "etti"));
        assert_eq!(label(OUTCOMES, "positive_exit"), Some("Sortie positive"));
        assert_eq!(
            label(CONTRACT_TYPES, "cddi"),
            Some("CDD d'insertion (CDDI)")
        );
        assert_eq!(label(MODALITIES, "nope"), None);
        assert!(is_code(PROOF_KINDS, "mdph_decision"));
    }
}
