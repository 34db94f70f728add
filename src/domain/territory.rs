//! Départements: their codes, names and time zones.

use chrono_tz::Tz;

/// Metropolitan codes 01 to 95 (with 2A and 2B for Corsica), overseas 971 to 974 and 976.
pub fn is_valid_departement(code: &str) -> bool {
    match code {
        "2A" | "2B" | "971" | "972" | "973" | "974" | "976" => true,
        c if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_digit()) => {
            matches!(c.parse::<u32>(), Ok(n) if (1..=95).contains(&n) && n != 20)
        }
        _ => false,
    }
}

/// The time zone a clause's calendar is computed in.
pub fn time_zone(code: &str) -> Tz {
    match code {
        "971" => chrono_tz::America::Guadeloupe,
        "972" => chrono_tz::America::Martinique,
        "973" => chrono_tz::America::Cayenne,
        "974" => chrono_tz::Indian::Reunion,
        "976" => chrono_tz::Indian::Mayotte,
        _ => chrono_tz::Europe::Paris,
    }
}

/// The French name of a département (of `is_valid_departement`), for pages and files.
pub fn departement_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "01" => "Ain",
        "02" => "Aisne",
        "03" => "Allier",
        "04" => "Alpes-de-Haute-Provence",
        "05" => "Hautes-Alpes",
        "06" => "Alpes-Maritimes",
        "07" => "Ardèche",
        "08" => "Ardennes",
        "09" => "Ariège",
        "10" => "Aube",
        "11" => "Aude",
        "12" => "Aveyron",
        "13" => "Bouches-du-Rhône",
        "14" => "Calvados",
        "15" => "Cantal",
        "16" => "Charente",
        "17" => "Charente-Maritime",
        "18" => "Cher",
        "19" => "Corrèze",
        "2A" => "Corse-du-Sud",
        "2B" => "Haute-Corse",
        "21" => "Côte-d'Or",
        "22" => "Côtes-d'Armor",
        "23" => "Creuse",
        "24" => "Dordogne",
        "25" => "Doubs",
        "26" => "Drôme",
        "27" => "Eure",
        "28" => "Eure-et-Loir",
        "29" => "Finistère",
        "30" => "Gard",
        "31" => "Haute-Garonne",
        "32" => "Gers",
        "33" => "Gironde",
        "34" => "Hérault",
        "35" => "Ille-et-Vilaine",
        "36" => "Indre",
        "37" => "Indre-et-Loire",
        "38" => "Isère",
        "39" => "Jura",
        "40" => "Landes",
        "41" => "Loir-et-Cher",
        "42" => "Loire",
        "43" => "Haute-Loire",
        "44" => "Loire-Atlantique",
        "45" => "Loiret",
        "46" => "Lot",
        "47" => "Lot-et-Garonne",
        "48" => "Lozère",
        "49" => "Maine-et-Loire",
        "50" => "Manche",
        "51" => "Marne",
        "52" => "Haute-Marne",
        "53" => "Mayenne",
        "54" => "Meurthe-et-Moselle",
        "55" => "Meuse",
        "56" => "Morbihan",
        "57" => "Moselle",
        "58" => "Nièvre",
        "59" => "Nord",
        "60" => "Oise",
        "61" => "Orne",
        "62" => "Pas-de-Calais",
        "63" => "Puy-de-Dôme",
        "64" => "Pyrénées-Atlantiques",
        "65" => "Hautes-Pyrénées",
        "66" => "Pyrénées-Orientales",
        "67" => "Bas-Rhin",
        "68" => "Haut-Rhin",
        "69" => "Rhône",
        "70" => "Haute-Saône",
        "71" => "Saône-et-Loire",
        "72" => "Sarthe",
        "73" => "Savoie",
        "74" => "Haute-Savoie",
        "75" => "Paris",
        "76" => "Seine-Maritime",
        "77" => "Seine-et-Marne",
        "78" => "Yvelines",
        "79" => "Deux-Sèvres",
        "80" => "Somme",
        "81" => "Tarn",
        "82" => "Tarn-et-Garonne",
        "83" => "Var",
        "84" => "Vaucluse",
        "85" => "Vendée",
        "86" => "Vienne",
        "87" => "Haute-Vienne",
        "88" => "Vosges",
        "89" => "Yonne",
        "90" => "Territoire de Belfort",
        "91" => "Essonne",
        "92" => "Hauts-de-Seine",
        "93" => "Seine-Saint-Denis",
        "94" => "Val-de-Marne",
        "95" => "Val-d'Oise",
        "971" => "Guadeloupe",
        "972" => "Martinique",
        "973" => "Guyane",
        "974" => "La Réunion",
        "976" => "Mayotte",
        _ => return None,
    })
}

/// A commune's INSEE code as people read it: its département named, the code beside
/// (clausier keeps no list of the 35,000 communes). `93066` -> `Seine-Saint-Denis (commune 93066)`.
pub fn commune_label(code: &str) -> String {
    let code = code.trim();
    let departement = if code.starts_with("97") && code.len() >= 3 {
        &code[..3]
    } else {
        code.get(..2).unwrap_or("")
    };
    match departement_name(departement) {
        Some(name) => format!("{name} (commune {code})"),
        None => format!("commune {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departement_codes_are_checked_and_give_the_time_zone() {
        for ok in ["01", "93", "2A", "971", "976", "95"] {
            assert!(is_valid_departement(ok), "{ok}");
        }
        for bad in ["00", "20", "96", "975", "977", "9", "A1", ""] {
            assert!(!is_valid_departement(bad), "{bad}");
        }
        assert_eq!(time_zone("976"), chrono_tz::Indian::Mayotte);
        assert_eq!(time_zone("93"), chrono_tz::Europe::Paris);
    }

    #[test]
    fn every_departement_has_its_name_and_communes_are_read_by_it() {
        let mut codes: Vec<String> = (1..=95)
            .filter(|n| *n != 20)
            .map(|n| format!("{n:02}"))
            .collect();
        codes.extend(["2A", "2B", "971", "972", "973", "974", "976"].map(String::from));
        for code in &codes {
            assert!(is_valid_departement(code));
            assert!(departement_name(code).is_some(), "{code}");
        }
        assert_eq!(departement_name("20"), None);
        assert_eq!(commune_label("93066"), "Seine-Saint-Denis (commune 93066)");
        assert_eq!(commune_label("2A004"), "Corse-du-Sud (commune 2A004)");
        assert_eq!(commune_label("97411"), "La Réunion (commune 97411)");
        assert_eq!(commune_label("00000"), "commune 00000");
    }
}

/// The département of a French postal code: its first two digits, three overseas, and
/// 2A/2B for Corsica (20000 to 20199 is Corse-du-Sud).
pub fn departement_of_postal_code(code: &str) -> Option<String> {
    let code = code.trim();
    if code.len() != 5 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let d = if code.starts_with("97") {
        code[..3].to_string()
    } else if let Some(rest) = code.strip_prefix("20") {
        let n: u32 = rest.parse().ok()?;
        if n < 200 {
            "2A".into()
        } else {
            "2B".into()
        }
    } else {
        code[..2].to_string()
    };
    is_valid_departement(&d).then_some(d)
}

#[cfg(test)]
mod postal_tests {
    use super::*;

    #[test]
    fn postal_code_gives_its_departement() {
        assert_eq!(departement_of_postal_code("93200").as_deref(), Some("93"));
        assert_eq!(departement_of_postal_code("97600").as_deref(), Some("976"));
        assert_eq!(departement_of_postal_code("20000").as_deref(), Some("2A"));
        assert_eq!(departement_of_postal_code("20200").as_deref(), Some("2B"));
        assert_eq!(departement_of_postal_code("9320"), None);
        assert_eq!(departement_of_postal_code("97500"), None);
    }
}
