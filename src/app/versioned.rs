//! Records answered with their version (the `ETag` of their GET), and the two checks of a
//! correction: the caller's `If-Match`, then the claim of the version in the transaction.

use crate::app::{AppError, AppResult};
use crate::domain::version::{precondition_met, IfMatch, Version};

/// A record and its version.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub record: T,
    pub version: Version,
}

impl<T> Versioned<T> {
    pub fn new(record: T, version: Version) -> Versioned<T> {
        Versioned { record, version }
    }

    /// The same version with the record in another form (a row into its view).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Versioned<U> {
        Versioned {
            record: f(self.record),
            version: self.version,
        }
    }
}

/// The caller's precondition, checked against the version just read: 412 when it names
/// another version.
pub fn check_if_match(if_match: Option<&IfMatch>, current: Version) -> AppResult<()> {
    if precondition_met(if_match, current) {
        Ok(())
    } else {
        Err(AppError::PreconditionFailed)
    }
}

/// The outcome of `claim_version!`: the version was claimed, or another writer changed the
/// record between the read and the write (412 when the caller sent `If-Match`, else 409
/// `concurrent_update`: send again).
pub fn claimed(claimed: bool, if_match: Option<&IfMatch>) -> AppResult<()> {
    match (claimed, if_match) {
        (true, _) => Ok(()),
        (false, Some(_)) => Err(AppError::PreconditionFailed),
        (false, None) => Err(AppError::ConcurrentUpdate),
    }
}
