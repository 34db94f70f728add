//! Use cases of accounts, managed by the administrators of a structure.

use chrono::NaiveDateTime;

use crate::app::versioned::{check_if_match, claimed, Versioned};
use crate::app::{AppError, AppResult};
use crate::auth::links::{self, Purpose};
use crate::auth::password::check_password_strength;
use crate::auth::Role;
use crate::db::{write_tx, Conn};
use crate::domain::ids::{OrganisationId, SessionId, StructureId, UserId};
use crate::domain::limits::{Email, Password};
use crate::domain::patch::{apply, not_null, Patch};
use crate::domain::rule::Violation;
use crate::domain::version::{IfMatch, Version};
use crate::domain::vocabulary::{HistoryAction, OrganisationKind};
use crate::store::history::{
    self, changes_between, fields_of, HistoryEntry, NewHistoryLine, RecordKind,
};
use crate::store::outbox::{self, NewOutbox};
use crate::store::sessions;
use crate::store::users::{self, NewUser, User, UserView};
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
    check_role_organisation(input.role, input.organisation_id)
}

/// Whether an account of `role` may name `organisation_id`: a contractor must, a funder
/// may, the others may not.
pub fn check_role_organisation(
    role: Role,
    organisation_id: Option<OrganisationId>,
) -> AppResult<()> {
    match (role == Role::Contractor, organisation_id) {
        (true, None) => Err(AppError::invalid(Violation::new(
            "organisation_id",
            "organisation_required",
        ))),
        (false, Some(_)) if role != Role::Funder => Err(AppError::invalid(Violation::new(
            "organisation_id",
            "organisation_not_allowed",
        ))),
        _ => Ok(()),
    }
}

/// The organisation named by an account is one of the structure's, of the role's kind.
fn check_organisation_kind(
    c: &mut Conn,
    structure_id: StructureId,
    role: Role,
    organisation_id: Option<OrganisationId>,
) -> AppResult<()> {
    let Some(org) = organisation_id else {
        return Ok(());
    };
    let kind = users::organisation_kind(c, structure_id, org)?.ok_or_else(|| {
        AppError::invalid(Violation::new("organisation_id", "organisation_unknown"))
    })?;
    let expected: &[OrganisationKind] = match role {
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
    Ok(())
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
        check_organisation_kind(c, structure_id, input.role, input.organisation_id)?;
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

/// A password's strength, refused on `field` (`password`, `new_password`).
pub fn check_new_password(field: &str, password: &str) -> AppResult<()> {
    check_password_strength(password).map_err(|code| {
        AppError::invalid(
            Violation::new(field, code).with("min", crate::auth::password::PASSWORD_MIN_CHARS),
        )
    })
}

/// One account of the structure with its version (another structure's: not found).
pub fn get_user(
    conn: &mut Conn,
    structure_id: StructureId,
    id: UserId,
) -> AppResult<Versioned<User>> {
    let u = users::find_in_structure(conn, structure_id, id)?.ok_or(AppError::NotFound("user"))?;
    let version = Version(u.version);
    Ok(Versioned::new(u, version))
}

/// The history of an account of the structure.
pub fn user_history(
    conn: &mut Conn,
    structure_id: StructureId,
    id: UserId,
) -> AppResult<Vec<HistoryEntry>> {
    users::find_in_structure(conn, structure_id, id)?.ok_or(AppError::NotFound("user"))?;
    Ok(history::history_of(
        conn,
        structure_id,
        RecordKind::User,
        i64::from(id),
    )?)
}

/// A correction of an account by an administrator (`PATCH /users/{id}`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// false switches the account off: it can no longer log in, and its sessions end.
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<bool>)]
    pub active: Patch<bool>,
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<Role>)]
    pub role: Patch<Role>,
    /// The organisation of a contractor (required) or a funder (optional) account; null
    /// clears it.
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<OrganisationId>, nullable)]
    pub organisation_id: Patch<OrganisationId>,
}

/// What a correction of an account did, besides the account as it is now.
pub struct AccountChanged {
    pub user: Versioned<User>,
    /// The sessions ended (the account was switched off).
    pub ended_sessions: Vec<SessionId>,
}

/// Changes an account's role, organisation or whether it is active, with the rules of
/// creation (a contractor names a contractor organisation...). No administrator switches off
/// or demotes itself (`own_account_change`), nor the structure's last active administrator
/// (`last_admin`: reached when the caller's own role changed on another instance a moment
/// ago). Switching an account off ends its sessions and voids its password links.
pub fn update_user(
    conn: &mut Conn,
    caller: UserId,
    structure_id: StructureId,
    id: UserId,
    patch: UserPatch,
    if_match: Option<IfMatch>,
) -> AppResult<AccountChanged> {
    let now = crate::db::now();
    write_tx(conn, |c| {
        // Changes of a structure's accounts take turns: the last-admin rule reads them all.
        crate::lock_rows!(c, structures, [structure_id])?;
        let row =
            users::find_in_structure(c, structure_id, id)?.ok_or(AppError::NotFound("user"))?;
        let read = Version(row.version);
        check_if_match(if_match.as_ref(), read)?;
        let mut broken = Vec::new();
        let active = not_null("active", patch.active).unwrap_or_else(|v| {
            broken.push(v);
            None
        });
        let role = not_null("role", patch.role).unwrap_or_else(|v| {
            broken.push(v);
            None
        });
        if !broken.is_empty() {
            return Err(AppError::Invalid(broken));
        }
        let active = active.unwrap_or(row.active);
        let role = role.unwrap_or(row.role);
        let organisation_id = apply(row.organisation_id, patch.organisation_id);
        check_role_organisation(role, organisation_id)?;
        check_organisation_kind(c, structure_id, role, organisation_id)?;
        let unchanged =
            (active, role, organisation_id) == (row.active, row.role, row.organisation_id);
        if unchanged {
            return Ok(AccountChanged {
                user: Versioned::new(row, read),
                ended_sessions: Vec::new(),
            });
        }
        let loses_admin = row.role == Role::Admin && row.active && (role != Role::Admin || !active);
        if loses_admin {
            let field = if active { "role" } else { "active" };
            if id == caller {
                return Err(AppError::conflict(Violation::new(
                    field,
                    "own_account_change",
                )));
            }
            if users::other_active_admins(c, structure_id, id)? == 0 {
                return Err(AppError::conflict(Violation::new(field, "last_admin")));
            }
        }
        claimed(
            crate::claim_version!(c, users, id, read)?,
            if_match.as_ref(),
        )?;
        users::update_account(c, id, role, organisation_id, active)?;
        let ended_sessions = if row.active && !active {
            users::delete_password_tokens(c, id)?;
            sessions::revoke_all_of(c, id, None, now)?
        } else {
            Vec::new()
        };
        let after =
            users::find_in_structure(c, structure_id, id)?.ok_or(AppError::NotFound("user"))?;
        let changes = changes_between(
            &fields_of(&UserView::from(row.clone())),
            &fields_of(&UserView::from(after.clone())),
        );
        let action = match (row.active, active) {
            (true, false) => HistoryAction::Deactivate,
            (false, true) => HistoryAction::Reactivate,
            _ => HistoryAction::Update,
        };
        history::record(
            c,
            NewHistoryLine {
                structure_id,
                kind: RecordKind::User,
                record_id: i64::from(id),
                at: now,
                by: Some(caller),
                action,
                reason: None,
                changes: &changes,
            },
        )?;
        let version = Version(after.version);
        Ok(AccountChanged {
            user: Versioned::new(after, version),
            ended_sessions,
        })
    })
}

/// Where a password link goes: the service's public address and the sender's domain (for
/// the Message-ID).
pub struct LinkTarget {
    pub public_url: String,
    pub mail_domain: String,
}

/// Stores a new link for `user` (voiding its older ones) and queues the email carrying it.
fn send_link(
    c: &mut Conn,
    user: &User,
    purpose: Purpose,
    target: &LinkTarget,
    at: NaiveDateTime,
) -> AppResult<()> {
    let token = links::new_token();
    let digest = links::digest(&token);
    let expires_at = at + chrono::Duration::hours(links::VALID_HOURS);
    users::replace_password_token(c, user.id, &digest, purpose.as_str(), at, expires_at)?;
    let link = links::url(&target.public_url, &token);
    let mail = links::email(purpose, &user.email, &link);
    // One email per link (SQLite may give a deleted row's id again): keyed by a digest of
    // the stored digest, which leads back to nothing.
    let key = format!("{}:{}", links::OUTBOX_RULE.as_str(), links::digest(&digest));
    outbox::enqueue(
        c,
        &NewOutbox {
            structure_id: user.structure_id,
            message_id: crate::reminders::collect::message_id(&key, &target.mail_domain),
            dedup_key: key,
            rule: links::OUTBOX_RULE,
            subject_type: "user".into(),
            subject_id: i64::from(user.id),
            period: String::new(),
            stage: purpose.as_str().into(),
            recipient_email: user.email.clone(),
            recipient_user_id: Some(i64::from(user.id)),
            subject_line: mail.subject,
            body_text: mail.text,
            body_html: mail.html,
            next_attempt_at: at,
            created_at: at,
        },
    )?;
    Ok(())
}

/// An administrator invites an account of its structure to choose its password: a link by
/// email (an account switched off is refused: `account_inactive`).
pub fn invite(
    conn: &mut Conn,
    structure_id: StructureId,
    id: UserId,
    target: &LinkTarget,
) -> AppResult<()> {
    let at = crate::db::now();
    write_tx(conn, |c| {
        let user =
            users::find_in_structure(c, structure_id, id)?.ok_or(AppError::NotFound("user"))?;
        if !user.active {
            return Err(AppError::conflict(Violation::new("", "account_inactive")));
        }
        send_link(c, &user, Purpose::Invitation, target, at)
    })
}

/// A reset asked for with an email: a link goes to the active account of that email, if
/// any; the answer says nothing of whether there is one.
pub fn request_reset(conn: &mut Conn, email: &str, target: &LinkTarget) -> AppResult<()> {
    let at = crate::db::now();
    write_tx(conn, |c| match users::find_by_email(c, email)? {
        Some(user) => send_link(c, &user, Purpose::Reset, target, at),
        None => Ok(()),
    })
}

/// The account a link is for, if the link is valid at `at` (unknown, used, voided by a newer
/// one, expired, or of an account switched off: None).
pub fn link_account(conn: &mut Conn, token: &str, at: NaiveDateTime) -> AppResult<Option<User>> {
    if !links::well_formed(token) {
        return Ok(None);
    }
    Ok(users::find_password_token(conn, &links::digest(token), at)?.map(|(_, u)| u))
}

/// Sets the password chosen through a link and uses the link up (with every other link of
/// the account); the account's sessions end. The sessions ended, or None when the link is
/// no longer valid.
pub fn use_link(
    conn: &mut Conn,
    token: &str,
    password_hash: &str,
    at: NaiveDateTime,
) -> AppResult<Option<(UserId, Vec<SessionId>)>> {
    if !links::well_formed(token) {
        return Ok(None);
    }
    write_tx(conn, |c| {
        let Some((_, user)) = users::find_password_token(c, &links::digest(token), at)? else {
            return Ok(None);
        };
        users::set_password_hash(c, user.id, password_hash)?;
        users::delete_password_tokens(c, user.id)?;
        let ended = sessions::revoke_all_of(c, user.id, None, at)?;
        Ok(Some((user.id, ended)))
    })
}
