//! Integer units: euro cents and hundredths of an hour (or of a percent). No floats are
//! stored or summed; decimal input is converted here, exactly.

use serde::{Deserialize, Deserializer};

/// Parses a decimal written with at most two decimals into hundredths (cents of a euro or
/// hundredths of an hour). Accepts a decimal point or comma. None when not such a number.
pub fn parse_hundredths(text: &str) -> Option<i64> {
    let t = text.trim().replace(',', ".");
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, t),
    };
    let (int_part, frac_part) = match t.split_once('.') {
        Some((i, f)) => (i.to_string(), f.to_string()),
        None => (t.clone(), String::new()),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.chars().all(|c| c.is_ascii_digit())
        || !frac_part.chars().all(|c| c.is_ascii_digit())
        || frac_part.len() > 2
        || int_part.len() > 13
    {
        return None;
    }
    let whole: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let frac: i64 = match frac_part.len() {
        0 => 0,
        1 => frac_part.parse::<i64>().ok()? * 10,
        _ => frac_part.parse().ok()?,
    };
    let v = whole * 100 + frac;
    Some(if neg { -v } else { v })
}

/// A JSON number with at most two decimals, held as an integer number of hundredths.
/// Rust prints an f64 in its shortest round-trip form, which gives back the digits the
/// client wrote, so "12.345" is refused and "12.30" is 1230.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hundredths(pub i64);

impl<'de> Deserialize<'de> for Hundredths {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = f64::deserialize(d)?;
        // Thirteen digits before the point at most (what `parse_hundredths` reads): a larger
        // number is out of range, not a number with too many decimals.
        if !n.is_finite() || n.abs() >= 1e13 {
            return Err(serde::de::Error::custom("number_out_of_range"));
        }
        let text = format!("{n}");
        parse_hundredths(&text)
            .map(Hundredths)
            .ok_or_else(|| serde::de::Error::custom("decimals_too_many"))
    }
}

/// Formats hundredths as a JSON number with up to two decimals.
pub fn hundredths_to_json(v: i64) -> serde_json::Value {
    if v % 100 == 0 {
        serde_json::Value::from(v / 100)
    } else {
        // Exact: a value with at most two decimals parses to the nearest f64.
        let text = format!(
            "{}{}.{:02}",
            if v < 0 { "-" } else { "" },
            v.abs() / 100,
            v.abs() % 100
        );
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }
}

/// Serialises an i64 of hundredths as a decimal number, for `#[serde(serialize_with)]`.
pub fn ser_hundredths<S: serde::Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&hundredths_to_json(*v), s)
}

pub fn ser_opt_hundredths<S: serde::Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => ser_hundredths(v, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_into_hundredths_with_point_or_comma() {
        assert_eq!(parse_hundredths("12"), Some(1200));
        assert_eq!(parse_hundredths("12,5"), Some(1250));
        assert_eq!(parse_hundredths("0.07"), Some(7));
        assert_eq!(parse_hundredths("-3.1"), Some(-310));
        assert_eq!(parse_hundredths("1.234"), None);
        assert_eq!(parse_hundredths("abc"), None);
        assert_eq!(parse_hundredths(""), None);
    }

    #[test]
    fn hundredths_from_json_numbers() {
        let v: Hundredths = serde_json::from_str("151.67").unwrap();
        assert_eq!(v, Hundredths(15167));
        let v: Hundredths = serde_json::from_str("0.1").unwrap();
        assert_eq!(v, Hundredths(10));
        assert!(serde_json::from_str::<Hundredths>("1.005").is_err());
        assert_eq!(hundredths_to_json(15167).to_string(), "151.67");
        assert_eq!(hundredths_to_json(1200).to_string(), "12");
        assert_eq!(hundredths_to_json(5).to_string(), "0.05");
    }
}
