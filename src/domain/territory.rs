//! Départements and their time zones.

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
