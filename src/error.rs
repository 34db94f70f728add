//! One error type for the whole API, rendered as `application/problem+json` (RFC 9457).

use rocket::http::{ContentType, Header, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use serde::Serialize;

/// One broken rule on one field: `code` for programs (stable), `message` for people.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// The code of a rule that has no more specific one yet.
pub const INVALID: &str = "invalid";

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// The body of a problem response.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extra members (e.g. `existing_id` on a duplicate).
    #[schema(ignore)]
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub extra: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip)]
    #[schema(ignore)]
    pub retry_after: Option<i64>,
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
    pub fn new(status: u16, kind: &str, title: &str, detail: impl Into<String>) -> Self {
        ApiError(Box::new(Problem {
            kind: format!("https://clausier.fr/problems/{kind}"),
            title: title.to_string(),
            status,
            detail: detail.into(),
            errors: Vec::new(),
            extra: None,
            retry_after: None,
        }))
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(400, "malformed-request", "Requête mal formée", detail)
    }
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", "Authentification requise", detail)
    }
    pub fn forbidden() -> Self {
        Self::new(
            403,
            "forbidden",
            "Accès refusé",
            "your role does not allow this action",
        )
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(404, "not-found", "Introuvable", format!("{what} not found"))
    }
    /// A state-changing request sent with the session cookie but without the session's CSRF
    /// token, or from another site.
    pub fn csrf(detail: impl Into<String>) -> Self {
        Self::new(403, "csrf", "Requête refusée", detail)
    }
    /// A body in another format than the route reads.
    pub fn unsupported_media_type(expected: &str) -> Self {
        Self::new(
            415,
            "unsupported-media-type",
            "Format non pris en charge",
            format!("le corps de la requête doit être envoyé en {expected}"),
        )
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(409, "conflict", "Conflit", detail)
    }
    /// Another writer changed the same data at the same moment and this change could not be
    /// applied after it: nothing was written; the request may be sent again.
    pub fn concurrent_update() -> Self {
        let mut e = Self::new(
            409,
            "concurrent-update",
            "Modification concurrente",
            "une autre modification des mêmes données a eu lieu au même moment ; rien n'a été enregistré, renvoyez la requête",
        );
        e.errors = vec![FieldError::new(
            "",
            "concurrent_update",
            "une autre modification des mêmes données a eu lieu au même moment",
        )];
        e
    }
    /// One broken rule on one field, with its stable code.
    pub fn rule(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }
    /// One broken rule on one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.to_string(),
            code: INVALID.into(),
            message: message.into(),
        }])
    }
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        let mut e = Self::new(422, "validation", "Données invalides", detail);
        e.errors = errors;
        e
    }
    pub fn too_many_attempts(retry_after: i64) -> Self {
        let mut e = Self::new(
            429,
            "too-many-attempts",
            "Trop de tentatives",
            format!("too many failed logins; try again in {retry_after} seconds"),
        );
        e.retry_after = Some(retry_after);
        e
    }
    pub fn unavailable() -> Self {
        Self::new(
            503,
            "unavailable",
            "Service indisponible",
            "the database is not available; try again shortly",
        )
    }
    /// 503 when the server refuses work it cannot take now (e.g. password hashing saturated).
    pub fn overloaded(retry_after: i64) -> Self {
        let mut e = Self::new(
            503,
            "overloaded",
            "Service surchargé",
            format!(
                "trop de demandes sont en cours de traitement ; réessayez dans {retry_after} \
                 seconde{}",
                if retry_after > 1 { "s" } else { "" }
            ),
        );
        e.retry_after = Some(retry_after);
        e
    }
    pub fn internal() -> Self {
        Self::new(
            500,
            "internal",
            "Erreur interne",
            "an unexpected error occurred; it has been logged",
        )
    }
    pub fn from_status(status: Status) -> Self {
        match status.code {
            400 => Self::bad_request("the request could not be understood"),
            401 => Self::unauthorized("a valid token is required"),
            403 => Self::forbidden(),
            404 => Self::not_found("resource"),
            413 => Self::new(
                413,
                "too-large",
                "Contenu trop volumineux",
                "the body exceeds the size limit (20 MiB)",
            ),
            422 => Self::new(
                422,
                "validation",
                "Données invalides",
                "the body is invalid",
            ),
            503 => Self::unavailable(),
            code if code >= 500 => Self::internal(),
            code => Self::new(
                code,
                "http",
                status.reason().unwrap_or("Erreur"),
                status.reason().unwrap_or("error").to_string(),
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
                ApiError::conflict("a record with the same identifier already exists")
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
                let fe = field_error(&violation);
                let mut err = ApiError::conflict(fe.message.clone());
                err.errors = vec![fe];
                for (key, value) in extra {
                    err = err.with_extra(key, value);
                }
                err
            }
            AppError::ConcurrentUpdate => ApiError::concurrent_update(),
            AppError::Unavailable => ApiError::unavailable(),
            AppError::Database(cause) => {
                tracing::error!("database error: {cause}");
                ApiError::internal()
            }
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
