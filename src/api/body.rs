//! Request-body and number helpers shared by every handler: JSON parsed with the failing
//! field named, and decimal inputs turned into integer cents or hundredths of an hour.

use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::request::Request;
use serde::de::DeserializeOwned;

use crate::api::messages::field_error;
use crate::domain::rule::Violation;
pub use crate::domain::units::{
    hundredths_to_json, parse_hundredths, ser_hundredths, ser_opt_hundredths, Hundredths,
};
use crate::error::{stash, ApiError};

/// A JSON body: not JSON at all is 400; a missing, unknown-variant or wrong-typed field is
/// 422 with the field's path.
pub struct JsonBody<T>(pub T);

#[rocket::async_trait]
impl<'r, T: DeserializeOwned> FromData<'r> for JsonBody<T> {
    type Error = ApiError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        // Another declared format is refused before anything is read: `text/plain` is what a
        // foreign page can make a browser send without asking (no CORS preflight).
        if req.content_type().is_some_and(|ct| !is_json(ct)) {
            return data::Outcome::Error(stash(
                req,
                ApiError::unsupported_media_type("JSON (Content-Type: application/json)"),
            ));
        }
        let limit = req.limits().get("json").unwrap_or(20.mebibytes());
        let bytes = match data.open(limit).into_bytes().await {
            Ok(b) if b.is_complete() => b.into_inner(),
            Ok(_) => {
                return data::Outcome::Error(stash(
                    req,
                    ApiError::from_status(rocket::http::Status::PayloadTooLarge),
                ))
            }
            Err(e) => return data::Outcome::Error(stash(req, body_unreadable(e))),
        };
        match parse_json(&bytes) {
            Ok(v) => data::Outcome::Success(JsonBody(v)),
            Err(e) => data::Outcome::Error(stash(req, e)),
        }
    }
}

/// A body that could not be read to its end: the connection broke (the cause logged, not
/// shown).
fn body_unreadable(e: std::io::Error) -> ApiError {
    tracing::info!("cannot read the body: {e}");
    ApiError::malformed(Violation::new("", "body_unreadable"))
}

/// `application/json` or a `+json` type such as `application/merge-patch+json`.
fn is_json(ct: &rocket::http::ContentType) -> bool {
    ct.is_json() || (ct.top() == "application" && ct.sub().as_str().ends_with("+json"))
}

/// Parses a JSON document into `T`, naming the field that does not fit and saying, in the
/// catalogue's words, what it takes.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::malformed(
            Violation::new("", "json_malformed")
                .with("line", e.line())
                .with("column", e.column()),
        )
    })?;
    serde_path_to_error::deserialize(&value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let field = field_name(&path, &message);
        let given = value_at(&value, &path);
        ApiError::validation(vec![field_error(&serde_rule(field, &message, given))])
    })
}

/// The broken rule of a serde message: serde's own wording (`missing field`, `unknown
/// variant`, `invalid type`), chrono's date errors, or the code a domain type gives as its
/// message (`too_long max=200`).
fn serde_rule(field: String, message: &str, given: Option<&serde_json::Value>) -> Violation {
    let got = given.map(shown);
    let with_got = |v: Violation| match &got {
        Some(g) => v.with("got", g),
        None => v,
    };
    if message.starts_with("missing field `") {
        return Violation::new(field, "required");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (variant, allowed) = rest.split_once('`').unwrap_or((rest, ""));
        return Violation::new(field, "value_not_allowed")
            .with("got", variant)
            .with("allowed", backquoted(allowed).join(", "));
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let allowed = rest.split_once('`').map_or("", |(_, a)| a);
        return Violation::new(field, "field_unknown")
            .with("allowed", backquoted(allowed).join(", "));
    }
    if message.starts_with("invalid type:")
        || message.starts_with("invalid value:")
        || message.starts_with("invalid length")
    {
        let expected = message.rsplit_once("expected ").map_or("", |(_, e)| e);
        return with_got(Violation::new(field, "value_type").with("accepted", accepted(expected)));
    }
    const CHRONO: [&str; 6] = [
        "input contains invalid characters",
        "premature end of input",
        "input is out of range",
        "trailing input",
        "input is not enough for unique date and time",
        "no possible date and time matching input",
    ];
    if CHRONO.contains(&message) {
        let v = Violation::new(field, "date_malformed");
        return match given.and_then(|g| g.as_str()) {
            Some(text) => v.with("got", text),
            None => v,
        };
    }
    let mut words = message.split(' ');
    if let Some(code) = words
        .next()
        .and_then(|c| crate::api::messages::entry(c).map(|e| e.code))
    {
        return words.fold(Violation::new(field, code), |v, pair| {
            match pair.split_once('=') {
                Some((name, value)) => match crate::api::messages::entry(code)
                    .and_then(|e| e.params.iter().find(|p| **p == name))
                {
                    Some(name) => v.with(name, value),
                    None => v,
                },
                None => v,
            }
        });
    }
    tracing::info!(field = %field, "serde message without a code: {message}");
    with_got(Violation::new(field, "value_refused"))
}

/// serde reports a missing or unknown field on its parent; name the field itself.
fn field_name(path: &str, message: &str) -> String {
    let parent = if path == "." { "" } else { path };
    let named = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("unknown field `"));
    if let Some(name) = named.and_then(|rest| rest.split('`').next()) {
        let parent = parent.strip_suffix(&format!(".{name}")).unwrap_or(parent);
        let parent = if parent == name { "" } else { parent };
        return if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        };
    }
    if parent.is_empty() {
        "body".to_string()
    } else {
        parent.to_string()
    }
}

/// The names between backquotes in serde's "expected one of `a`, `b`".
fn backquoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// What serde expected, as the catalogue's `accepted` param of `value_type`.
fn accepted(expected: &str) -> &'static str {
    match expected.trim() {
        "f64" | "f32" | "a number" => "number",
        "i64" | "i32" | "i16" | "u64" | "u32" | "u16" | "u8" | "usize" | "an integer" => "integer",
        "a string" | "string" => "text",
        "a boolean" => "boolean",
        e if e.starts_with("a sequence") || e.starts_with("a list") => "list",
        e if e.starts_with("struct ") || e.starts_with("a map") => "object",
        e if e.contains("date") => "date",
        _ => "other",
    }
}

/// A JSON value as a message quotes it: a string's text, or the value's JSON.
fn shown(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => format!("« {s} »"),
        other => other.to_string(),
    }
}

/// The value at a serde path (`lots[0].amount`), if the document has it.
fn value_at<'a>(value: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    if path == "." {
        return Some(value);
    }
    path.split('.').try_fold(value, |v, part| {
        let (name, indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        let mut v = if name.is_empty() { v } else { v.get(name)? };
        for index in indexes.split(['[', ']']).filter(|s| !s.is_empty()) {
            v = v.get(index.parse::<usize>().ok()?)?;
        }
        Some(v)
    })
}

/// `limit` and `offset` of list routes: default 50, at most 500 (more is refused, not
/// clamped); both named in one 422 when out of bounds.
pub fn page(limit: Option<i64>, offset: Option<i64>) -> Result<(i64, i64), ApiError> {
    let limit = limit.unwrap_or(50);
    let offset = offset.unwrap_or(0);
    let mut errors = Vec::new();
    if !(1..=500).contains(&limit) {
        errors.push(field_error(
            &Violation::new("limit", "limit_out_of_range")
                .with("min", 1)
                .with("max", 500),
        ));
    }
    if offset < 0 {
        errors.push(field_error(&Violation::new("offset", "offset_negative")));
    }
    if errors.is_empty() {
        Ok((limit, offset))
    } else {
        Err(crate::api::query::refused(errors))
    }
}

/// A file to download (CSV or XLSX) with its name; never cached, since it holds the
/// caller's data.
#[derive(rocket::Responder)]
pub struct Download {
    body: Vec<u8>,
    content_type: rocket::http::ContentType,
    disposition: rocket::http::Header<'static>,
    cache: rocket::http::Header<'static>,
}

impl Download {
    pub fn new(body: Vec<u8>, content_type: rocket::http::ContentType, name: &str) -> Download {
        Download {
            body,
            content_type,
            disposition: rocket::http::Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{name}\""),
            ),
            cache: rocket::http::Header::new("Cache-Control", "no-store"),
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    pub total: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_cut_short_is_body_unreadable() {
        let broken = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        let e = body_unreadable(broken);
        assert_eq!((e.status, e.code.as_str()), (400, "body_unreadable"));
        assert!(e.detail.contains("envoyez la requête à nouveau"), "{e}");
        assert!(!e.detail.contains("reset"), "{e}");
    }

    #[test]
    fn a_serde_message_without_a_code_is_value_refused() {
        use serde::Deserialize;
        // An untagged enum's refusal is serde's own sentence, with no code to read back.
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        #[serde(untagged)]
        enum NumberOrFlag {
            Number(u32),
            Flag(bool),
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Body {
            value: NumberOrFlag,
        }
        let e = parse_json::<Body>(br#"{"value": "beaucoup"}"#).unwrap_err();
        assert_eq!(e.status, 422);
        assert_eq!(e.errors[0].field, "value");
        assert_eq!(e.errors[0].code, "value_refused");
        assert!(
            e.errors[0].message.contains("beaucoup"),
            "{}",
            e.errors[0].message
        );
    }

    #[test]
    fn missing_field_is_named() {
        use serde::Deserialize;
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            email: String,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            user: Inner,
        }
        let e = parse_json::<Outer>(br#"{"user": {}}"#).unwrap_err();
        assert_eq!(e.status, 422);
        assert_eq!(e.errors[0].field, "user.email");
        let e = parse_json::<Outer>(br#"{"user": {"email": 3}}"#).unwrap_err();
        assert_eq!(e.errors[0].field, "user.email");
        let e = parse_json::<Outer>(b"{not json").unwrap_err();
        assert_eq!(e.status, 400);
        assert_eq!(e.code, "json_malformed");
    }

    #[test]
    fn serde_refusals_become_the_catalogue_s_codes() {
        use serde::Deserialize;
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        #[serde(deny_unknown_fields)]
        struct Body {
            hours: f64,
            born: chrono::NaiveDate,
            sex: Sex,
            #[serde(default)]
            lots: Vec<u32>,
        }
        #[derive(Debug, Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Sex {
            Female,
            Male,
        }
        let refused = |json: &str| {
            let e = parse_json::<Body>(json.as_bytes()).unwrap_err();
            (
                e.errors[0].field.clone(),
                e.errors[0].code.clone(),
                e.errors[0].message.clone(),
            )
        };
        let (field, code, message) =
            refused(r#"{"hours": "56,5", "born": "1995-04-12", "sex": "male"}"#);
        assert_eq!((field.as_str(), code.as_str()), ("hours", "value_type"));
        assert!(
            message.contains("56.5") && message.contains("« 56,5 »"),
            "{message}"
        );
        let (field, code, message) =
            refused(r#"{"hours": 1, "born": "12/04/1995", "sex": "male"}"#);
        assert_eq!((field.as_str(), code.as_str()), ("born", "date_malformed"));
        assert!(message.contains("s'écrit 1995-04-12"), "{message}");
        let (_, code, message) = refused(r#"{"hours": 1, "born": "1995-04-12", "sex": "x"}"#);
        assert_eq!(code, "value_not_allowed");
        assert!(message.contains("« female » (femme)"), "{message}");
        let (field, code, _) = refused(r#"{"hours": 1, "sex": "male"}"#);
        assert_eq!((field.as_str(), code.as_str()), ("born", "required"));
        let (field, code, _) =
            refused(r#"{"hours": 1, "born": "1995-04-12", "sex": "male", "x": 1}"#);
        assert_eq!((field.as_str(), code.as_str()), ("x", "field_unknown"));
        let (field, code, _) =
            refused(r#"{"hours": 1, "born": "1995-04-12", "sex": "male", "lots": [1, -2]}"#);
        assert_eq!((field.as_str(), code.as_str()), ("lots[1]", "value_type"));
    }
}
