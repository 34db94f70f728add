//! What a use case can answer instead of its result. The HTTP edge maps each variant to a
//! status (`impl From<AppError> for crate::error::ApiError`); nothing below it knows HTTP.

use crate::domain::rule::Violation;

#[derive(Debug)]
pub enum AppError {
    /// Broken rules of the request (422): every one found, not only the first.
    Invalid(Vec<Violation>),
    /// The record does not exist for this caller (404). `what` names it for the message
    /// (`clause`, `participant`...); a record of another structure is also "not found".
    NotFound(&'static str),
    /// The caller's role or record-level rights do not allow this (403).
    Forbidden,
    /// The request contradicts the state of the data (409): a duplicate, a state change that
    /// is not allowed. `extra` members are added to the problem (`existing_id`).
    Conflict {
        violation: Violation,
        extra: Vec<(&'static str, serde_json::Value)>,
    },
    /// Another writer changed the same data at the same moment (409, retry).
    ConcurrentUpdate,
    /// The write's `If-Match` no longer names the record's version (412): nothing written.
    PreconditionFailed,
    /// The database cannot be reached now (503).
    Unavailable,
    /// Any other database failure (500, logged with its cause).
    Database(diesel::result::Error),
    /// A failure that is no one's request's fault (500, logged where it happened).
    Internal,
    /// The server refuses work it cannot take now (503, retry after this many seconds).
    Overloaded { retry_after: i64 },
    /// A login with a wrong email or password (401).
    CredentialsWrong,
    /// Too many failed logins for an email (429, retry after this many seconds).
    TooManyAttempts { retry_after: i64 },
    // --- Hours, placements, referrals, clause progress ---
    /// Broken rules of the lines of a file (422): every bad line counted, the first ones
    /// kept with their line numbers; nothing was stored.
    InvalidRows(crate::domain::hours::ImportErrors),
    /// Transitional: the answer of a store function of an aggregate not layered on this
    /// branch yet (it still returns the HTTP error type), passed through unchanged. Unused
    /// once those functions return diesel's result; then delete it with its `From`.
    Passed(Box<crate::error::ApiError>),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// One broken rule.
    pub fn invalid(violation: Violation) -> AppError {
        AppError::Invalid(vec![violation])
    }

    /// A conflict without extra members.
    pub fn conflict(violation: Violation) -> AppError {
        AppError::Conflict {
            violation,
            extra: Vec::new(),
        }
    }
}

impl From<Vec<Violation>> for AppError {
    fn from(violations: Vec<Violation>) -> AppError {
        AppError::Invalid(violations)
    }
}

impl From<Violation> for AppError {
    fn from(violation: Violation) -> AppError {
        AppError::Invalid(vec![violation])
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> AppError {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                AppError::ConcurrentUpdate
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => AppError::Unavailable,
            other => AppError::Database(other),
        }
    }
}

// --- users (core layer) ---

impl From<crate::store::users::CreateUserError> for AppError {
    fn from(e: crate::store::users::CreateUserError) -> AppError {
        use crate::store::users::CreateUserError;
        match e {
            CreateUserError::EmailTaken => {
                AppError::conflict(Violation::new("email", crate::store::users::EMAIL_TAKEN))
            }
            CreateUserError::Database(e) => e.into(),
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::Invalid(v) => write!(f, "{} broken rule(s)", v.len()),
            AppError::NotFound(what) => write!(f, "{what} not found"),
            AppError::Forbidden => write!(f, "forbidden"),
            AppError::Conflict { violation, .. } => write!(f, "conflict: {}", violation.code),
            AppError::ConcurrentUpdate => write!(f, "concurrent update"),
            AppError::PreconditionFailed => write!(f, "precondition failed"),
            AppError::Unavailable => write!(f, "database unavailable"),
            AppError::Database(e) => write!(f, "database error: {e}"),
            AppError::Internal => write!(f, "internal error"),
            AppError::Overloaded { retry_after } => write!(f, "overloaded ({retry_after} s)"),
            AppError::CredentialsWrong => write!(f, "wrong email or password"),
            AppError::TooManyAttempts { retry_after } => {
                write!(f, "too many attempts ({retry_after} s)")
            }
            AppError::InvalidRows(errors) => write!(f, "{} bad line(s)", errors.count()),
            AppError::Passed(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AppError {}

// --- Hours, placements, referrals, clause progress ---

/// Transitional (see `AppError::Passed`).
impl From<crate::error::ApiError> for AppError {
    fn from(e: crate::error::ApiError) -> AppError {
        AppError::Passed(Box::new(e))
    }
}

/// A broken rule as the checks report it: a `Violation`.
pub trait IntoViolation {
    fn into_violation(self) -> Violation;
}

impl IntoViolation for Violation {
    fn into_violation(self) -> Violation {
        self
    }
}
