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
    fn codes() {
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
