//! Small rules of French grammar for the texts people read: the preposition "de" before a
//! period ("d'avril 2026", "de mai 2026", "du 1er trimestre 2026"), and the French names of
//! the CPV divisions (the sectors of the report).

/// Whether "de", "le", "la" are elided before a word: it starts with a vowel, accented or not.
/// An initial h is left alone: it is mute in some words and aspirated in others, and in many
/// surnames and company names ("de Haddad"), which are what this service writes after "de".
pub fn starts_with_vowel_sound(word: &str) -> bool {
    let Some(first) = word.chars().next() else {
        return false;
    };
    matches!(
        first.to_lowercase().next().unwrap_or(first),
        'a' | 'à'
            | 'â'
            | 'ä'
            | 'e'
            | 'é'
            | 'è'
            | 'ê'
            | 'ë'
            | 'i'
            | 'î'
            | 'ï'
            | 'o'
            | 'ô'
            | 'ö'
            | 'u'
            | 'ù'
            | 'û'
            | 'ü'
            | 'y'
    )
}

/// "de" followed by a period label, with elision and contraction: "d'avril 2026",
/// "d'octobre 2026", "d'août 2026", "de mai 2026", "du 1er trimestre 2026" (a quarter or a
/// half-year is masculine and takes the article), "de l'année 2026" (a label that starts with
/// an article keeps it, "le" and "les" contract to "du" and "des"). Names take the same rules
/// ("d'Eiffage Construction", "du Bâtiment Durable" for "Le Bâtiment Durable", "de Haddad").
/// Empty for an empty label.
pub fn de_period(label: &str) -> String {
    let label = label.trim();
    if label.is_empty() {
        return String::new();
    }
    if let Some(rest) = label.strip_prefix("le ") {
        return format!("du {rest}");
    }
    if let Some(rest) = label.strip_prefix("les ") {
        return format!("des {rest}");
    }
    if label.starts_with("la ") || label.starts_with("l'") || label.starts_with("l’") {
        return format!("de {label}");
    }
    if label.contains("trimestre") || label.contains("semestre") {
        return format!("du {label}");
    }
    if starts_with_vowel_sound(label) {
        format!("d'{label}")
    } else {
        format!("de {label}")
    }
}

/// The CPV divisions (the first two digits of a CPV code) with their French names, as
/// published in the Common Procurement Vocabulary (regulation (EC) No 213/2008).
pub const CPV_DIVISIONS: [(&str, &str); 45] = [
    (
        "03",
        "Produits agricoles, de l'élevage, de la pêche et de la sylviculture",
    ),
    (
        "09",
        "Produits pétroliers, combustibles, électricité et autres sources d'énergie",
    ),
    (
        "14",
        "Produits miniers, métaux de base et produits connexes",
    ),
    (
        "15",
        "Produits alimentaires, boissons, tabac et produits connexes",
    ),
    ("16", "Machines agricoles"),
    (
        "18",
        "Vêtements, articles chaussants, bagages et accessoires",
    ),
    (
        "19",
        "Cuir et textiles, matériaux en plastique et en caoutchouc",
    ),
    ("22", "Imprimés et produits connexes"),
    ("24", "Produits chimiques"),
    (
        "30",
        "Machines de bureau et de traitement de données, matériel et fournitures",
    ),
    (
        "31",
        "Machines, appareils, équipements et consommables électriques ; éclairage",
    ),
    (
        "32",
        "Équipements de radio, de télévision et de télécommunication",
    ),
    (
        "33",
        "Matériels médicaux, pharmaceutiques et produits de soins personnels",
    ),
    (
        "34",
        "Équipements de transport et produits auxiliaires pour le transport",
    ),
    (
        "35",
        "Équipements de sécurité, de lutte contre l'incendie, de police et de défense",
    ),
    (
        "37",
        "Instruments de musique, articles de sport, jeux, jouets et articles d'artisanat",
    ),
    (
        "38",
        "Équipements de laboratoire, d'optique et de précision",
    ),
    (
        "39",
        "Meubles, aménagements, appareils électroménagers et produits de nettoyage",
    ),
    ("41", "Eau captée et purifiée"),
    ("42", "Machines industrielles"),
    (
        "43",
        "Machines pour l'exploitation minière et les carrières, matériel de construction",
    ),
    ("44", "Structures et matériaux de construction"),
    ("45", "Travaux de construction"),
    ("48", "Logiciels et systèmes d'information"),
    ("50", "Services de réparation et d'entretien"),
    ("51", "Services d'installation"),
    (
        "55",
        "Services d'hôtellerie, de restauration et de commerce au détail",
    ),
    ("60", "Services de transport"),
    (
        "63",
        "Services de transport complémentaires et auxiliaires ; agences de voyages",
    ),
    ("64", "Services des postes et télécommunications"),
    ("65", "Services publics"),
    ("66", "Services financiers et d'assurance"),
    ("70", "Services immobiliers"),
    (
        "71",
        "Services d'architecture, de construction, d'ingénierie et d'inspection",
    ),
    (
        "72",
        "Services de technologies de l'information, conseil, logiciels, internet et appui",
    ),
    (
        "73",
        "Services de recherche et développement et services de conseil connexes",
    ),
    (
        "75",
        "Administration publique, défense et services de sécurité sociale",
    ),
    ("76", "Services relatifs à l'industrie du pétrole et du gaz"),
    (
        "77",
        "Services agricoles, sylvicoles, horticoles, aquacoles et apicoles",
    ),
    (
        "79",
        "Services aux entreprises : droit, marketing, conseil, recrutement, impression et sécurité",
    ),
    ("80", "Services d'enseignement et de formation"),
    ("85", "Services de santé et services sociaux"),
    (
        "90",
        "Services d'assainissement, de gestion des déchets, de nettoyage et d'environnement",
    ),
    ("92", "Services récréatifs, culturels et sportifs"),
    (
        "98",
        "Autres services communautaires, sociaux et personnels",
    ),
];

/// The French name of a CPV division ("45" → "Travaux de construction"); `None` for a code
/// that is not a division.
pub fn cpv_division_name(division: &str) -> Option<&'static str> {
    CPV_DIVISIONS
        .iter()
        .find(|(code, _)| *code == division)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::next_action::period_label_fr;

    #[test]
    fn every_month_takes_de_or_elides_before_a_vowel() {
        let expected = [
            "de janvier 2026",
            "de février 2026",
            "de mars 2026",
            "d'avril 2026",
            "de mai 2026",
            "de juin 2026",
            "de juillet 2026",
            "d'août 2026",
            "de septembre 2026",
            "d'octobre 2026",
            "de novembre 2026",
            "de décembre 2026",
        ];
        for (m, want) in (1..=12).zip(expected) {
            let label = period_label_fr(&format!("2026-{m:02}"));
            assert_eq!(de_period(&label), want, "month {m}");
        }
    }

    #[test]
    fn quarters_take_du_and_articles_contract() {
        assert_eq!(
            de_period(&period_label_fr("2026-Q1")),
            "du 1er trimestre 2026"
        );
        assert_eq!(
            de_period(&period_label_fr("2026-Q3")),
            "du 3e trimestre 2026"
        );
        assert_eq!(de_period("l'année 2026"), "de l'année 2026");
        assert_eq!(de_period("la période"), "de la période");
        assert_eq!(de_period("le mois"), "du mois");
        assert_eq!(de_period("les mois d'été"), "des mois d'été");
        assert_eq!(de_period("Avril 2026"), "d'Avril 2026");
        assert_eq!(de_period("  "), "");
        assert_eq!(de_period("Eiffage Construction"), "d'Eiffage Construction");
        assert_eq!(de_period("Haddad Julie"), "de Haddad Julie");
        assert_eq!(de_period("Élodie Martin"), "d'Élodie Martin");
    }

    #[test]
    fn every_cpv_division_has_one_french_name() {
        let mut codes: Vec<&str> = CPV_DIVISIONS.iter().map(|(c, _)| *c).collect();
        codes.dedup();
        assert_eq!(codes.len(), 45, "sorted and distinct");
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(cpv_division_name("45"), Some("Travaux de construction"));
        assert_eq!(
            cpv_division_name("90").map(|n| n.starts_with("Services")),
            Some(true)
        );
        assert_eq!(cpv_division_name("46"), None);
        assert!(CPV_DIVISIONS
            .iter()
            .all(|(c, n)| c.len() == 2 && !n.is_empty() && !n.contains("Division")));
    }
}
