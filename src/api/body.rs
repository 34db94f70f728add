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
use crate::error::{stash, ApiError, FieldError};

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
            Err(e) => {
                return data::Outcome::Error(stash(
                    req,
                    ApiError::bad_request(format!("cannot read the body: {e}")),
                ))
            }
        };
        match parse_json(&bytes) {
            Ok(v) => data::Outcome::Success(JsonBody(v)),
            Err(e) => data::Outcome::Error(stash(req, e)),
        }
    }
}

/// `application/json` or a `+json` type such as `application/merge-patch+json`.
fn is_json(ct: &rocket::http::ContentType) -> bool {
    ct.is_json() || (ct.top() == "application" && ct.sub().as_str().ends_with("+json"))
}

/// Parses a JSON document into `T`, naming the field that does not fit.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        ApiError::validation(vec![FieldError {
            field: field_name(&path, &message),
            code: crate::error::INVALID.into(),
            message,
        }])
    })
}

/// serde reports a missing field on its parent; name the field itself.
fn field_name(path: &str, message: &str) -> String {
    let parent = if path == "." { "" } else { path };
    if let Some(rest) = message.strip_prefix("missing field `") {
        if let Some(name) = rest.split('`').next() {
            return if parent.is_empty() {
                name.to_string()
            } else {
                format!("{parent}.{name}")
            };
        }
    }
    if parent.is_empty() {
        "body".to_string()
    } else {
        parent.to_string()
    }
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
    }
}
