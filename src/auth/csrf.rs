//! Cross-site request forgery. A browser sends the session cookie with requests that other
//! sites make it send, so a state-changing request authenticated only by that cookie must
//! also present the session's secret (`X-CSRF-Token` header, or `csrf_token` field of a page
//! form), and, when the browser says where it comes from (`Origin`), come from the service's
//! own address (`CLAUSIER_PUBLIC_URL`). Requests with a Bearer token carry no cookie and are
//! not concerned. One rule for the API (through the role guards) and the page forms.

use rocket::http::Method;
use rocket::request::{FromRequest, Outcome, Request};

use crate::config::Config;
use crate::error::ApiError;

pub const HEADER: &str = "X-CSRF-Token";
pub const FIELD: &str = "csrf_token";

pub fn is_state_changing(method: Method) -> bool {
    !matches!(method, Method::Get | Method::Head | Method::Options)
}

/// Checks the request's `X-CSRF-Token` against the session's `expected` secret, and the
/// request's `Origin`.
pub fn check(req: &Request<'_>, expected: &str) -> Result<(), ApiError> {
    RequestOrigin::of(req).check(expected, None)
}

/// Where a request says it comes from, where the service is, and the token in the header:
/// what a page handler needs to check the token of a form it has parsed.
pub struct RequestOrigin {
    origin: Option<String>,
    public_url: String,
    header: Option<String>,
}

impl RequestOrigin {
    fn of(req: &Request<'_>) -> RequestOrigin {
        RequestOrigin {
            origin: req.headers().get_one("Origin").map(str::to_string),
            public_url: req
                .rocket()
                .state::<Config>()
                .map(|c| c.public_url.clone())
                .unwrap_or_default(),
            header: req.headers().get_one(HEADER).map(str::to_string),
        }
    }

    /// `field`: the form's `csrf_token`, if the handler parsed one; else the header's token.
    pub fn check(&self, expected: &str, field: Option<&str>) -> Result<(), ApiError> {
        let presented = field.or(self.header.as_deref());
        if let Some(origin) = &self.origin {
            if origin.trim_end_matches('/') != self.public_url {
                return Err(ApiError::csrf("csrf_other_site"));
            }
        }
        match presented {
            Some(p) if !expected.is_empty() && same_secret(p, expected) => Ok(()),
            _ => Err(ApiError::csrf("csrf_token_mismatch")),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for RequestOrigin {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(RequestOrigin::of(req))
    }
}

/// Compares two secrets in a time that does not depend on where they first differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(origin: Option<&str>) -> RequestOrigin {
        RequestOrigin {
            origin: origin.map(str::to_string),
            public_url: "https://clausier.example.fr".into(),
            header: None,
        }
    }

    #[test]
    fn token_and_origin_are_both_required() {
        let secret = "a1b2c3";
        assert!(from(None).check(secret, Some("a1b2c3")).is_ok());
        assert!(from(Some("https://clausier.example.fr"))
            .check(secret, Some("a1b2c3"))
            .is_ok());
        for (origin, presented) in [
            (None, None),
            (None, Some("a1b2c4")),
            (None, Some("a1b2c")),
            (Some("https://evil.example"), Some("a1b2c3")),
            (Some("http://clausier.example.fr"), Some("a1b2c3")),
            (Some("null"), Some("a1b2c3")),
        ] {
            let e = from(origin).check(secret, presented).unwrap_err();
            assert_eq!(e.status, 403);
            assert!(e.kind.ends_with("/csrf"), "{}", e.kind);
        }
        // A session without a secret accepts nothing.
        assert!(from(None).check("", Some("")).is_err());
        // The header's token stands in for a form without the field.
        let with_header = RequestOrigin {
            header: Some("a1b2c3".into()),
            ..from(None)
        };
        assert!(with_header.check(secret, None).is_ok());
        assert!(with_header.check(secret, Some("other")).is_err());
    }
}
