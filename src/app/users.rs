//! Use cases of accounts, managed by the administrators of a structure.

use crate::app::{AppError, AppResult};
use crate::auth::password::check_password_strength;
use crate::auth::Role;
use crate::db::{write_tx, Conn};
use crate::domain::ids::{OrganisationId, StructureId};
use crate::domain::limits::{Email, Password};
use crate::domain::rule::Violation;
use crate::domain::vocabulary::OrganisationKind;
use crate::store::users::{self, NewUser, User};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateUser {
    pub email: Email,
    pub password: Password,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
}

/// Whether the text is an email address.
pub fn valid_email(email: &str) -> bool {
    email.parse::<lettre::Address>().is_ok()
}

/// Checks a new account before its password is hashed: the email, the password's strength,
/// and that only contractor and funder accounts name an organisation (a contractor must).
pub fn check_new_user(input: &CreateUser) -> AppResult<()> {
    if !valid_email(input.email.trim()) {
        return Err(AppError::invalid(Violation::new(
            "email",
            "email_malformed",
        )));
    }
    check_password_strength(&input.password).map_err(|code| {
        AppError::invalid(
            Violation::new("password", code).with("min", crate::auth::password::PASSWORD_MIN_CHARS),
        )
    })?;
    match (input.role == Role::Contractor, input.organisation_id) {
        (true, None) => Err(AppError::invalid(Violation::new(
            "organisation_id",
            "organisation_required",
        ))),
        (false, Some(_)) if input.role != Role::Funder => Err(AppError::invalid(Violation::new(
            "organisation_id",
            "organisation_not_allowed",
        ))),
        _ => Ok(()),
    }
}

/// Creates an account in the administrator's structure, its password already hashed: the
/// organisation, when named, is one of the structure's and of the role's kind; an email is
/// used by one account only (`email_taken`).
pub fn create_user(
    conn: &mut Conn,
    structure_id: StructureId,
    input: &CreateUser,
    password_hash: &str,
) -> AppResult<User> {
    write_tx(conn, |c| {
        if let Some(org) = input.organisation_id {
            let kind = users::organisation_kind(c, structure_id, org)?.ok_or_else(|| {
                AppError::invalid(Violation::new("organisation_id", "organisation_unknown"))
            })?;
            let expected: &[OrganisationKind] = match input.role {
                Role::Contractor => &[
                    OrganisationKind::Contractor,
                    OrganisationKind::InsertionStructure,
                ],
                _ => &[OrganisationKind::Funder],
            };
            if !expected.contains(&kind) {
                let expected: Vec<&str> = expected.iter().map(|k| k.as_str()).collect();
                return Err(AppError::invalid(
                    Violation::new("organisation_id", "organisation_kind_mismatch")
                        .with("kind", kind)
                        .with("expected", expected.join(", ")),
                ));
            }
        }
        Ok(users::insert(
            c,
            NewUser {
                structure_id,
                email: &input.email,
                password_hash,
                role: input.role,
                organisation_id: input.organisation_id,
                funder_scope: None,
            },
        )?)
    })
}

/// One page of the structure's accounts.
pub fn list_users(
    conn: &mut Conn,
    structure_id: StructureId,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<User>, i64)> {
    Ok(users::list(conn, structure_id, limit, offset)?)
}
