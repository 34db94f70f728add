//! One error type for the whole API, rendered as `application/problem+json` (RFC 9457).

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;

use crate::api::messages;
use crate::domain::rule::Violation;

/// One broken rule on one field: `code` for programs (stable), `message` for people.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// The body of a problem response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable code of the problem (`token_invalid`, `validation`...), documented with its
    /// message in docs/errors.md.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extra members (e.g. `existing_id` on a duplicate).
    #[schema(ignore)]
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip)]
    #[schema(ignore)]
    pub retry_after: Option<i64>,
    /// The methods a 405 lists in its `Allow` header.
    #[serde(skip)]
    #[schema(ignore)]
    pub allow: Option<String>,
}

/// A problem, boxed so that `Result<T, ApiError>` stays small.
#[derive(Debug, Clone)]
pub struct ApiError(pub Box<Problem>);

impl std::ops::Deref for ApiError {
    type Target = Problem;
    fn deref(&self) -> &Problem {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut Problem {
        &mut self.0
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The problem of `code`: status, title and detail from the catalogue
    /// (`api::messages`), the code's params in `rule`.
    pub fn coded(status: u16, kind: &str, rule: Violation) -> Self {
        ApiError(Box::new(Problem {
            kind: format!("https://clausier.fr/problems/{kind}"),
            title: messages::title(rule.code, status).to_string(),
            status,
            detail: messages::sentence(&messages::render(&rule)),
            code: rule.code.to_string(),
            errors: Vec::new(),
            extra: None,
            retry_after: None,
            allow: None,
        }))
    }

    /// The problem of a code without params, with the status the catalogue gives it.
    fn of(kind: &str, code: &'static str) -> Self {
        let status = messages::entry(code).map_or(500, |e| e.status);
        Self::coded(status, kind, Violation::new("", code))
    }

    /// 400: the request cannot be read (`json_malformed`, `body_unreadable`...).
    pub fn malformed(rule: Violation) -> Self {
        Self::coded(400, "malformed-request", rule)
    }
    /// 401 with the reason's code (`credentials_wrong`, `token_invalid`...).
    pub fn unauthorized(code: &'static str) -> Self {
        Self::of("unauthorized", code)
    }
    pub fn forbidden() -> Self {
        Self::of("forbidden", "forbidden")
    }
    /// 404 for a record: `what` is its name in `AppError::NotFound` (`clause`...).
    pub fn not_found(what: &str) -> Self {
        Self::coded(
            404,
            "not-found",
            Violation::new("", "not_found").with("what", what),
        )
    }
    /// A state-changing request sent with the session cookie but without the session's CSRF
    /// token (`csrf_token_mismatch`), or from another site (`csrf_other_site`).
    pub fn csrf(code: &'static str) -> Self {
        Self::of("csrf", code)
    }
    /// A body in another format than the route reads; `accepted` names the format.
    pub fn unsupported_media_type(accepted: &str) -> Self {
        Self::coded(
            415,
            "unsupported-media-type",
            Violation::new("", "media_type_unsupported").with("accepted", accepted),
        )
    }
    /// 409 for one broken rule of the data's state, the rule as the problem's only error.
    pub fn conflict(rule: Violation) -> Self {
        let fe = messages::field_error(&rule);
        let mut e = Self::coded(409, "conflict", rule);
        e.errors = vec![fe];
        e
    }
    /// Another writer changed the same data at the same moment and this change could not be
    /// applied after it: nothing was written; the request may be sent again.
    pub fn concurrent_update() -> Self {
        let mut e = Self::of("concurrent-update", "concurrent_update");
        e.detail = "Une autre modification des mêmes données a eu lieu au même moment ; rien \
                    n'a été enregistré, envoyez la requête à nouveau."
            .into();
        e.errors = vec![messages::field_error(&Violation::new(
            "",
            "concurrent_update",
        ))];
        e
    }
    /// The `If-Match` of a write no longer names the record's version: someone changed it
    /// since it was read; nothing was written.
    pub fn precondition_failed() -> Self {
        Self::of("precondition-failed", "precondition_failed")
    }
    /// 422 for one broken rule.
    pub fn rule(rule: Violation) -> Self {
        Self::validation(vec![messages::field_error(&rule)])
    }
    /// 422 with every broken rule, each with its field, code and message.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut e = Self::of("validation", "validation");
        e.detail = match errors.as_slice() {
            [] => e.detail.clone(),
            [one] if one.field.is_empty() => messages::sentence(&one.message),
            [one] => messages::sentence(&format!("champ « {} » : {}", one.field, one.message)),
            many => format!("{} champs sont à corriger.", many.len()),
        };
        e.errors = errors;
        e
    }
    pub fn too_many_attempts(retry_after: i64) -> Self {
        let mut e = Self::coded(
            429,
            "too-many-attempts",
            Violation::new("", "too_many_attempts").with("retry_after", retry_after),
        );
        e.retry_after = Some(retry_after);
        e
    }
    pub fn unavailable() -> Self {
        Self::of("unavailable", "unavailable")
    }
    /// 503 when the server refuses work it cannot take now (e.g. password hashing saturated).
    pub fn overloaded(retry_after: i64) -> Self {
        let mut e = Self::coded(
            503,
            "overloaded",
            Violation::new("", "overloaded").with("retry_after", retry_after),
        );
        e.retry_after = Some(retry_after);
        e
    }
    pub fn internal() -> Self {
        Self::of("internal", "internal")
    }
    /// 405 for a path that other methods serve; `allowed` goes in the `Allow` header.
    pub fn method_not_allowed(method: &str, allowed: &[String]) -> Self {
        let list = allowed.join(", ");
        let mut e = Self::coded(
            405,
            "method-not-allowed",
            Violation::new("", "method_not_allowed")
                .with("method", method)
                .with("allowed", &list),
        );
        e.allow = Some(list);
        e
    }
    /// The problem of a status Rocket raises itself (no route, a guard or a parameter that
    /// failed without saying why).
    pub fn from_status(status: Status) -> Self {
        match status.code {
            400 => Self::of("malformed-request", "request_malformed"),
            401 => Self::unauthorized("authentication_required"),
            403 => Self::forbidden(),
            404 => Self::of("not-found", "route_unknown"),
            413 => Self::coded(
                413,
                "too-large",
                Violation::new("", "body_too_large").with("limit", "20 Mio"),
            ),
            415 => Self::unsupported_media_type("JSON (Content-Type: application/json)"),
            422 => Self::of("validation", "request_unprocessable"),
            503 => Self::unavailable(),
            code if code >= 500 => Self::internal(),
            code => Self::coded(
                code,
                "http",
                Violation::new("", "http_error").with("status", code),
            ),
        }
    }

    pub fn with_extra(mut self, key: &str, value: serde_json::Value) -> Self {
        self.extra
            .get_or_insert_with(serde_json::Map::new)
            .insert(key.to_string(), value);
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.title, self.detail)
    }
}

impl std::error::Error for ApiError {}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => ApiError::not_found("resource"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ApiError::of("conflict", "record_exists")
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::concurrent_update()
            }
            other => {
                tracing::error!("database error: {other}");
                ApiError::internal()
            }
        }
    }
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let body = serde_json::to_string(&*self.0).unwrap_or_else(|_| "{}".into());
        let mut builder = Response::build();
        builder
            .status(Status::from_code(self.status).unwrap_or(Status::InternalServerError))
            .header(ContentType::new("application", "problem+json"))
            .sized_body(body.len(), std::io::Cursor::new(body));
        if let Some(secs) = self.retry_after {
            builder.header(Header::new("Retry-After", secs.to_string()));
        }
        if let Some(methods) = &self.allow {
            builder.header(Header::new("Allow", methods.clone()));
        }
        builder.ok()
    }
}

/// Where a guard that failed leaves its problem, for the catcher to return.
#[derive(Default)]
pub struct CachedProblem(pub std::sync::Mutex<Option<ApiError>>);

pub fn stash(req: &Request<'_>, e: ApiError) -> (Status, ApiError) {
    let status = Status::from_code(e.status).unwrap_or(Status::InternalServerError);
    if let Ok(mut slot) = req.local_cache(CachedProblem::default).0.lock() {
        *slot = Some(e.clone());
    }
    (status, e)
}

pub fn take_stashed(req: &Request<'_>) -> Option<ApiError> {
    req.local_cache(CachedProblem::default)
        .0
        .lock()
        .ok()
        .and_then(|mut s| s.take())
}

/// The HTTP edge of the use cases: each `AppError` becomes its problem response, messages
/// rendered from their codes.
impl From<crate::app::AppError> for ApiError {
    fn from(e: crate::app::AppError) -> ApiError {
        use crate::api::messages::field_error;
        use crate::app::AppError;
        match e {
            AppError::Invalid(violations) => {
                ApiError::validation(violations.iter().map(field_error).collect())
            }
            AppError::NotFound(what) => ApiError::not_found(what),
            AppError::Forbidden => ApiError::forbidden(),
            AppError::Conflict { violation, extra } => {
                let mut err = ApiError::conflict(violation);
                for (key, value) in extra {
                    err = err.with_extra(key, value);
                }
                err
            }
            AppError::ConcurrentUpdate => ApiError::concurrent_update(),
            AppError::PreconditionFailed => ApiError::precondition_failed(),
            AppError::Unavailable => ApiError::unavailable(),
            AppError::Database(cause) => {
                tracing::error!("database error: {cause}");
                ApiError::internal()
            }
            AppError::Internal => ApiError::internal(),
            AppError::Overloaded { retry_after } => ApiError::overloaded(retry_after),
            AppError::CredentialsWrong => ApiError::unauthorized("credentials_wrong"),
            AppError::TooManyAttempts { retry_after } => ApiError::too_many_attempts(retry_after),
            // --- Hours, placements, referrals, clause progress ---
            AppError::InvalidRows(errors) => crate::api::messages::rows_problem(errors),
            AppError::Passed(e) => *e,
        }
    }
}

/// The command line creates users through the store directly: a taken email is the same 409
/// as through the API.
impl From<crate::store::users::CreateUserError> for ApiError {
    fn from(e: crate::store::users::CreateUserError) -> ApiError {
        crate::app::AppError::from(e).into()
    }
}

/// Password hashing refused (saturated) or failed, at the HTTP edge.
impl From<crate::auth::password::HashError> for ApiError {
    fn from(e: crate::auth::password::HashError) -> ApiError {
        crate::app::AppError::from(e).into()
    }
}

/// A page whose template could not be rendered (logged where it failed).
impl From<crate::reports::html::RenderError> for ApiError {
    fn from(_: crate::reports::html::RenderError) -> ApiError {
        ApiError::internal()
    }
}

/// The mapping of the server's own failures to their codes: these states (a database that
/// does not answer, two writers at once, a saturated hasher) are not a client's to make, so
/// the codes are produced here from the errors that yield them.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::AppError;
    use diesel::result::{DatabaseErrorKind, Error};

    fn database_error(kind: DatabaseErrorKind) -> Error {
        Error::DatabaseError(kind, Box::new("the database's own message".to_string()))
    }

    /// Status, code and detail of a problem; the detail is checked French and non-empty.
    fn answer(e: ApiError) -> (u16, String) {
        assert!(!e.detail.trim().is_empty(), "{e}");
        assert_eq!(crate::api::messages::english_word(&e.detail), None, "{e}");
        assert!(
            crate::api::messages::entry(&e.code).is_some(),
            "{} is not in the catalogue",
            e.code
        );
        (e.status, e.code.clone())
    }

    fn pair(status: u16, code: &str) -> (u16, String) {
        (status, code.to_string())
    }

    #[test]
    fn a_unique_index_hit_is_record_exists() {
        let e = ApiError::from(database_error(DatabaseErrorKind::UniqueViolation));
        assert_eq!(answer(e), pair(409, "record_exists"));
    }

    #[test]
    fn a_serialization_failure_is_concurrent_update() {
        let direct = ApiError::from(database_error(DatabaseErrorKind::SerializationFailure));
        assert_eq!(answer(direct), pair(409, "concurrent_update"));
        let app = AppError::from(database_error(DatabaseErrorKind::SerializationFailure));
        let e = ApiError::from(app);
        assert_eq!(e.errors[0].code, "concurrent_update");
        assert_eq!(answer(e), pair(409, "concurrent_update"));
    }

    #[test]
    fn a_database_out_of_reach_is_unavailable() {
        // A closed connection, and what `Db::run` answers when the pool gives no connection.
        let closed = AppError::from(database_error(DatabaseErrorKind::ClosedConnection));
        assert!(matches!(closed, AppError::Unavailable), "{closed:?}");
        assert_eq!(answer(closed.into()), pair(503, "unavailable"));
        assert_eq!(
            answer(ApiError::from_status(Status::ServiceUnavailable)),
            pair(503, "unavailable")
        );
    }

    #[test]
    fn any_other_failure_is_internal_and_shows_nothing_of_it() {
        let failed = AppError::from(database_error(DatabaseErrorKind::CheckViolation));
        let e = ApiError::from(failed);
        assert!(!e.detail.contains("the database's own message"), "{e}");
        assert_eq!(answer(e), pair(500, "internal"));
        assert_eq!(answer(AppError::Internal.into()), pair(500, "internal"));
        assert_eq!(
            answer(ApiError::from(Error::RollbackTransaction)),
            pair(500, "internal")
        );
    }

    #[test]
    fn a_saturated_hasher_is_overloaded_with_its_delay() {
        let e = ApiError::from(crate::auth::password::HashError::Busy);
        assert_eq!(e.retry_after, Some(1));
        assert_eq!(answer(e), pair(503, "overloaded"));
    }

    #[test]
    fn a_status_without_a_code_of_its_own_is_http_error() {
        let e = ApiError::from_status(Status::ImATeapot);
        assert_eq!(e.errors.len(), 0);
        assert!(e.detail.contains("418"), "{e}");
        assert_eq!(answer(e), pair(418, "http_error"));
    }
}
