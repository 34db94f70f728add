//! Company identifiers: SIRET (French establishments) and the other identifier types that
//! the national open data (DECP) allows for holders without a SIRET.

use crate::domain::rule::Violation;

/// Identifier types accepted for an organisation (the DECP `typeIdentifiant` values).
pub const IDENTIFIER_TYPES: &[&str] =
    &["SIRET", "TVA", "TAHITI", "RIDET", "FRWF", "IREP", "HORS-UE"];

/// La Poste's establishments share one SIREN and do not follow the Luhn rule.
const LA_POSTE_SIREN: &str = "356000000";
/// La Poste's head office is the one La Poste SIRET that does follow the Luhn rule.
const LA_POSTE_HEAD_OFFICE: &str = "35600000000048";

/// Longest identifier accepted for the non-SIRET types.
const MAX_IDENTIFIER_CHARS: usize = 32;

/// 14 ASCII digits whose Luhn sum is a multiple of 10; La Poste establishments (SIREN
/// 356000000, head office excepted) are valid when the plain sum of their digits is a
/// multiple of 5 instead.
pub fn is_valid_siret(s: &str) -> bool {
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = s.bytes().map(|b| u32::from(b - b'0')).collect();
    if s.starts_with(LA_POSTE_SIREN) && s != LA_POSTE_HEAD_OFFICE {
        digits.iter().sum::<u32>().is_multiple_of(5)
    } else {
        luhn_sum(&digits).is_multiple_of(10)
    }
}

/// Luhn sum: from the right, every second digit is doubled (minus 9 when above 9).
fn luhn_sum(digits: &[u32]) -> u32 {
    digits
        .iter()
        .rev()
        .enumerate()
        .map(|(position, &d)| match (position % 2 == 1, d * 2) {
            (false, _) => d,
            (true, doubled) if doubled > 9 => doubled - 9,
            (true, doubled) => doubled,
        })
        .sum()
}

/// Checks an identifier against its type. SIRET: `is_valid_siret`. Other types: not empty,
/// at most 32 characters, no whitespace; a TVA number starts with two letters (country code).
/// The error is the broken rule (reported on `identifier`, or `identifier_type` for an
/// unknown type), its message written by the catalogue of the HTTP edge.
pub fn check_identifier(identifier_type: &str, identifier: &str) -> Result<(), Violation> {
    let refused = |code| {
        Violation::new("identifier", code)
            .with("identifier_type", identifier_type)
            .with("identifier", identifier)
    };
    if !IDENTIFIER_TYPES.contains(&identifier_type) {
        return Err(Violation::new("identifier_type", "identifier_type_unknown")
            .with("identifier_type", identifier_type)
            .with("allowed", IDENTIFIER_TYPES.join(", ")));
    }
    if identifier_type == "SIRET" {
        return if is_valid_siret(identifier) {
            Ok(())
        } else {
            Err(refused("siret_malformed"))
        };
    }
    if identifier.is_empty() {
        return Err(refused("identifier_empty"));
    }
    if identifier.chars().count() > MAX_IDENTIFIER_CHARS {
        return Err(refused("identifier_too_long").with("max", MAX_IDENTIFIER_CHARS));
    }
    if identifier.chars().any(char::is_whitespace) {
        return Err(refused("identifier_whitespace"));
    }
    if identifier_type == "TVA" && !starts_with_two_letters(identifier) {
        return Err(refused("vat_country_missing"));
    }
    Ok(())
}

fn starts_with_two_letters(s: &str) -> bool {
    let mut chars = s.chars();
    matches!((chars.next(), chars.next()), (Some(a), Some(b)) if a.is_ascii_alphabetic() && b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_sirets_are_valid() {
        for siret in [
            "73282932000074", // published example of a valid SIRET
            "21750001630040", // buyer of the DECP v2 samples
            "21350238800019", // Ville de Rennes (DECP v1 sample)
            "55204599900869", // holder in the DECP v2 samples
            "81223113200026", // holder in the DECP v1 sample
            "35600000000048", // La Poste head office: Luhn-valid
        ] {
            assert!(is_valid_siret(siret), "{siret}");
        }
    }

    #[test]
    fn wrong_check_digit_length_or_characters_are_invalid() {
        for siret in [
            "73282932000075",  // last digit changed
            "73282932000047",  // two digits swapped
            "21750001630066",  // buyer of a DECP sample with a wrong check digit
            "868768687576575", // 15 digits
            "7328293200007",   // 13 digits
            "7328293200007A",
            "732 829 320 00074",
            " 73282932000074",
            "",
            "７３２８２９３２０００７４", // full-width digits are not ASCII digits
        ] {
            assert!(!is_valid_siret(siret), "{siret}");
        }
    }

    #[test]
    fn la_poste_establishments_use_the_sum_of_digits() {
        // 3+5+6 + 0+0+0+0+0+0+0+0+1+2+8 = 25: a multiple of 5, though not Luhn-valid.
        let establishment = "35600000000128";
        assert_ne!(luhn_sum(&digits(establishment)) % 10, 0);
        assert!(is_valid_siret(establishment));
        // Sum 26: refused, even though the same digits elsewhere could pass Luhn.
        assert!(!is_valid_siret("35600000000129"));
        // A Luhn-valid La Poste number whose digit sum is not a multiple of 5 is refused
        // (only the head office follows Luhn).
        let luhn_not_five = find_luhn_valid_la_poste_with_bad_sum();
        assert!(!is_valid_siret(&luhn_not_five), "{luhn_not_five}");
    }

    fn digits(s: &str) -> Vec<u32> {
        s.bytes().map(|b| u32::from(b - b'0')).collect()
    }

    fn find_luhn_valid_la_poste_with_bad_sum() -> String {
        (0..100_000)
            .map(|n| format!("356000000{n:05}"))
            .find(|s| {
                let d = digits(s);
                luhn_sum(&d).is_multiple_of(10)
                    && d.iter().sum::<u32>() % 5 != 0
                    && s != LA_POSTE_HEAD_OFFICE
            })
            .unwrap()
    }

    #[test]
    fn luhn_sum_doubles_every_second_digit_from_the_right() {
        assert_eq!(luhn_sum(&[1, 8]), 2 + 8);
        assert_eq!(luhn_sum(&[9, 0]), 9 * 2 - 9);
    }

    #[test]
    fn identifiers_by_type() {
        let accepted = [
            ("SIRET", "73282932000074".to_string()),
            ("TVA", "DE814864138".into()),
            ("TVA", "FR40303265045".into()),
            ("TAHITI", "A12345".into()),
            ("RIDET", "1234567.001".into()),
            ("FRWF", "123".into()),
            ("IREP", "987654".into()),
            ("HORS-UE", "US-12-3456789".into()),
            ("IREP", "9".repeat(32)),
        ];
        for (kind, identifier) in &accepted {
            assert_eq!(
                check_identifier(kind, identifier),
                Ok(()),
                "{kind} {identifier}"
            );
        }
        // (type, identifier, the refusal's code)
        let refused = [
            ("SIRET", "73282932000075".to_string(), "siret_malformed"),
            ("TVA", "814864138".into(), "vat_country_missing"),
            ("HORS-UE", "".into(), "identifier_empty"),
            ("HORS-UE", "12 34".into(), "identifier_whitespace"),
            ("IREP", "9".repeat(33), "identifier_too_long"),
            ("DUNS", "123456789".into(), "identifier_type_unknown"),
        ];
        for (kind, identifier, code) in &refused {
            let refusal = check_identifier(kind, identifier).unwrap_err();
            assert_eq!(refusal.code, *code, "{kind} {identifier}: {refusal:?}");
        }
        assert!(check_identifier("TVA", "D1814864138").is_err());
        let too_long = check_identifier("IREP", &"9".repeat(33)).unwrap_err();
        assert_eq!(too_long.param("max"), Some("32"));
        assert!(check_identifier("IREP", "1\t2").is_err());
        assert!(check_identifier("siret", "73282932000074").is_err());
    }
}
