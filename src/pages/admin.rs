//! The administrator's pages: the structure's accounts (`/admin/users`: list, create or
//! invite, change a role, switch off or on) and the labour-share table
//! (`/admin/labour-shares`, read). Each form calls the use case of the API route doing the
//! same thing: `app::users::create_user` and `invite` (as `POST /api/v1/users` and
//! `POST /api/v1/users/{id}/invitation`), `app::users::update_user` (as
//! `PATCH /api/v1/users/{id}`), `app::clauses::labour_shares` (as
//! `GET /api/v1/reference/labour-shares`). The rules (no administrator switches itself off
//! or demotes itself, nor the last administrator; a contractor account names its company)
//! are the use cases'; the page only shows their refusals beside the fields.

use rocket::form::{Form, FromForm};
use rocket::http::Status;
use rocket::State;
use serde::Serialize;

use crate::app::users::{self as users, CreateUser, LinkTarget, UserPatch};
use crate::app::AppError;
use crate::auth::csrf::RequestOrigin;
use crate::auth::login::forget_sessions;
use crate::auth::password::{hash_password, HashLimiter};
use crate::auth::{Caller, CallerCache, Role};
use crate::config::Config;
use crate::db::Db;
use crate::domain::ids::{OrganisationId, UserId};
use crate::domain::limits::{Email, Password};
use crate::domain::rule::Violation;
use crate::error::ApiError;
use crate::pages::corrections_records::{ACCOUNT_ORGANISATIONS, ORG_CHOICES_MAX};
use crate::pages::{notice, Exit, FieldErrors, Html, PageView, Visitor};
use crate::reminders::Mailer;

const USERS_TITLE: &str = "Comptes de la structure";
const USERS_PATH: &str = "/admin/users";
/// Most accounts listed (a structure has a few dozen).
const MOST_USERS: i64 = 500;

/// The French name of a role, as an account's line reads it.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "Administrateur",
        Role::Facilitator => "Facilitateur",
        Role::Contractor => "Entreprise",
        Role::Funder => "Financeur",
    }
}

const ROLES: [Role; 4] = [
    Role::Admin,
    Role::Facilitator,
    Role::Contractor,
    Role::Funder,
];

#[derive(Serialize, Clone)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct UserLine {
    id: i64,
    email: String,
    role: &'static str,
    role_code: &'static str,
    organisation: Option<String>,
    /// The organisation's id as the select's value (empty: none).
    organisation_id: String,
    active: bool,
    /// The administrator's own account: no switch-off or role button.
    own: bool,
}

/// What the create form holds, as typed.
#[derive(Serialize, Default, Clone)]
struct NewAccount {
    email: String,
    role: String,
    organisation_id: String,
}

#[derive(Serialize)]
struct UsersPage {
    users: Vec<UserLine>,
    roles: Vec<Choice>,
    organisations: Vec<Choice>,
    /// The filter of the organisations' selects (`?org_q=`), past 1 000 of them.
    org_filter: Option<crate::pages::corrections::Filter>,
    form: NewAccount,
    /// Errors by field: `email`, `role`, `organisation_id`, `password`, `""`; those of an
    /// account's line under `u{id}`.
    errors: FieldErrors,
}

/// The accounts and the choices of the forms.
/// The accounts and the choices of the forms; `org_q`: what narrows the organisations'
/// selects (each account's own organisation, and the one typed, always offered).
async fn users_page(
    db: &Db,
    caller: &Caller,
    form: NewAccount,
    errors: FieldErrors,
    org_q: &str,
) -> Result<UsersPage, ApiError> {
    let (sid, me) = (caller.structure_id, caller.user_id);
    let query = org_q.trim().to_string();
    let typed = form.organisation_id.trim().parse().ok().map(OrganisationId);
    let q = query.clone();
    let (list, found) = db
        .run(move |c| {
            let (list, _) = users::list_users(c, sid, MOST_USERS, 0)?;
            let keep: Vec<OrganisationId> = list
                .iter()
                .filter_map(|u| u.organisation_id)
                .chain(typed)
                .collect();
            let found = crate::app::organisations::org_choices(
                c,
                sid,
                ACCOUNT_ORGANISATIONS,
                &q,
                &keep,
                ORG_CHOICES_MAX,
            )?;
            Ok::<_, crate::app::AppError>((list, found))
        })
        .await?;
    let org_filter = crate::pages::corrections::Filter::of(&query, found.more, ORG_CHOICES_MAX);
    let orgs = found.list;
    let name_of = |id: OrganisationId| {
        orgs.iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let users = list
        .into_iter()
        .map(|u| UserLine {
            id: u.id.0,
            email: u.email.clone(),
            role: role_name(u.role),
            role_code: u.role.as_str(),
            organisation: u.organisation_id.map(name_of),
            organisation_id: u
                .organisation_id
                .map(|o| o.0.to_string())
                .unwrap_or_default(),
            active: u.active,
            own: u.id == me,
        })
        .collect();
    let organisations = orgs
        .iter()
        .map(|o| Choice {
            value: o.id.0.to_string(),
            label: format!("{} ({})", o.name, o.kind.label()),
        })
        .collect();
    let roles = ROLES
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_string(),
            label: role_name(*r).to_string(),
        })
        .collect();
    Ok(UsersPage {
        users,
        roles,
        organisations,
        org_filter,
        form,
        errors,
    })
}

/// The users page with `status` (422 when a form comes back with its errors).
async fn show_users(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    form: NewAccount,
    errors: FieldErrors,
    status: Status,
    done: Option<&str>,
) -> Result<Html, Exit> {
    show_users_filtered(visitor, caller, db, form, errors, status, done, "").await
}

/// The users page, its organisations' selects narrowed by `org_q`.
#[allow(clippy::too_many_arguments)]
async fn show_users_filtered(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    form: NewAccount,
    errors: FieldErrors,
    status: Status,
    done: Option<&str>,
    org_q: &str,
) -> Result<Html, Exit> {
    let page = users_page(db, caller, form, errors, org_q)
        .await
        .map_err(|e| visitor.problem(e))?;
    let view = PageView::new("admin_users.html", USERS_TITLE, USERS_PATH, page);
    Ok(view.notice(notice(done)).render(visitor, caller, status))
}

/// GET /admin/users?org_q= — an administrator: the structure's accounts with the forms to
/// create one (or invite it to choose its password), change a role, switch it off or on;
/// past 1 000 organisations, `org_q` narrows their selects by name.
#[rocket::get("/admin/users?<fait>&<org_q>")]
pub async fn users_list(
    visitor: Visitor,
    fait: Option<&str>,
    org_q: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.require(&[Role::Admin])?;
    // A filter longer than any name finds nothing: cut, not refused.
    let org_q: String = org_q.unwrap_or("").chars().take(200).collect();
    show_users_filtered(
        &visitor,
        &caller,
        db,
        NewAccount::default(),
        FieldErrors::default(),
        Status::Ok,
        fait,
        &org_q,
    )
    .await
}

#[derive(FromForm, Default)]
pub struct CreateForm {
    csrf_token: Option<String>,
    email: Option<String>,
    role: Option<String>,
    organisation_id: Option<String>,
    /// Empty: the account gets an invitation to choose its password.
    password: Option<String>,
}

fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The account typed in the form, checked as the API checks a new one; or the errors
/// beside their fields.
fn read_new_account(form: &CreateForm, password: &str) -> Result<CreateUser, FieldErrors> {
    let mut errors = FieldErrors::default();
    let email = match filled(&form.email).map(|e| Email::new(e.to_string())) {
        Some(Ok(e)) => Some(e),
        Some(Err(e)) => {
            errors.add("email", &e.violation("email"));
            None
        }
        None => {
            errors.add("email", &Violation::new("email", "required"));
            None
        }
    };
    let role = match filled(&form.role).map(Role::parse) {
        Some(Some(r)) => Some(r),
        _ => {
            errors.add("role", &Violation::new("role", "required"));
            None
        }
    };
    let organisation_id = match filled(&form.organisation_id) {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(OrganisationId(id)),
            _ => {
                errors.add(
                    "organisation_id",
                    &Violation::new("organisation_id", "organisation_unknown"),
                );
                None
            }
        },
    };
    let password = match Password::new(password.to_string()) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.add("password", &e.violation("password"));
            None
        }
    };
    match (email, role, password) {
        (Some(email), Some(role), Some(password)) if errors.is_empty() => {
            let input = CreateUser {
                email,
                password,
                role,
                organisation_id,
            };
            users::check_new_user(&input).map_err(|e| FieldErrors::of_problem(&e.into()))?;
            Ok(input)
        }
        _ => Err(errors),
    }
}

/// POST /admin/users — an administrator: creates an account of the structure. With a
/// password, the account can log in at once; without one, it gets a random password
/// nobody knows and an invitation by email to choose its own (valid 48 hours).
#[rocket::post("/admin/users", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn users_create(
    visitor: Visitor,
    form: Option<Form<CreateForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
    hashes: &State<HashLimiter>,
    config: &State<Config>,
    mailer: &State<Mailer>,
) -> Result<Exit, Exit> {
    let caller = visitor.require(&[Role::Admin])?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let typed = NewAccount {
        email: form.email.clone().unwrap_or_default().trim().to_string(),
        role: form.role.clone().unwrap_or_default(),
        organisation_id: form.organisation_id.clone().unwrap_or_default(),
    };
    let invite = filled(&form.password).is_none();
    let password = match filled(&form.password) {
        Some(p) => p.to_string(),
        None => format!("Aa1-{}", crate::auth::token::random_hex::<24>()),
    };
    let refused = |errors: FieldErrors| async {
        show_users(
            &visitor,
            &caller,
            db,
            typed.clone(),
            errors,
            Status::UnprocessableEntity,
            None,
        )
        .await
        .map(Exit::Page)
    };
    let input = match read_new_account(&form, &password) {
        Ok(input) => input,
        Err(errors) => return refused(errors).await,
    };
    let hash = match hashes.run(move || hash_password(&password)).await {
        Ok(Ok(hash)) => hash,
        Ok(Err(_)) => return Err(visitor.problem(ApiError::internal())),
        Err(e) => return Err(visitor.problem(AppError::from(e).into())),
    };
    let sid = caller.structure_id;
    let target = LinkTarget {
        public_url: config.public_url.clone(),
        mail_domain: mailer.domain(),
    };
    let created = db
        .run(move |c| {
            let user = users::create_user(c, sid, &input, &hash)?;
            if invite {
                users::invite(c, sid, user.id, &target)?;
            }
            Ok(user)
        })
        .await;
    match created {
        Ok(_) => Ok(Exit::see_other(format!(
            "{USERS_PATH}?fait={}",
            if invite {
                "compte-invite"
            } else {
                "compte-cree"
            }
        ))),
        Err(e @ AppError::Invalid(_)) | Err(e @ AppError::Conflict { .. }) => {
            refused(FieldErrors::of_problem(&e.into())).await
        }
        Err(e) => Err(visitor.problem(e.into())),
    }
}

#[derive(FromForm, Default)]
pub struct ChangeForm {
    csrf_token: Option<String>,
    /// `role` (with `role` and `organisation_id`), `deactivate`, `activate` or `invite`.
    action: Option<String>,
    role: Option<String>,
    organisation_id: Option<String>,
}

/// POST /admin/users/{id} — an administrator: changes an account of the structure: its role
/// (and organisation), switches it off (its sessions end at once) or on, or sends it an
/// invitation to choose a password. Refusals of the use case (one's own account, the last
/// administrator, a contractor without its company) come back beside the account (422).
#[rocket::post("/admin/users/<id>", data = "<form>")]
#[allow(clippy::too_many_arguments)]
pub async fn users_change(
    visitor: Visitor,
    id: UserId,
    form: Option<Form<ChangeForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
    cache: &State<CallerCache>,
    config: &State<Config>,
    mailer: &State<Mailer>,
) -> Result<Exit, Exit> {
    let caller = visitor.require(&[Role::Admin])?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let (me, sid) = (caller.user_id, caller.structure_id);
    let key = format!("u{}", id.0);
    let refuse = |violation: Violation| {
        let mut errors = FieldErrors::default();
        errors.add(key.clone(), &violation);
        errors
    };
    let patch = match form.action.as_deref() {
        Some("invite") => {
            let target = LinkTarget {
                public_url: config.public_url.clone(),
                mail_domain: mailer.domain(),
            };
            let sent = db.run(move |c| users::invite(c, sid, id, &target)).await;
            return match sent {
                Ok(()) => Ok(Exit::see_other(format!(
                    "{USERS_PATH}?fait=invitation-envoyee"
                ))),
                Err(e @ AppError::Conflict { .. }) => {
                    let mut errors = FieldErrors::default();
                    let problem: ApiError = e.into();
                    errors
                        .0
                        .insert(key, crate::api::messages::sentence(&problem.detail));
                    show_users(
                        &visitor,
                        &caller,
                        db,
                        NewAccount::default(),
                        errors,
                        Status::UnprocessableEntity,
                        None,
                    )
                    .await
                    .map(Exit::Page)
                }
                Err(e) => Err(visitor.problem(e.into())),
            };
        }
        Some("deactivate") => UserPatch {
            active: Some(Some(false)),
            role: None,
            organisation_id: None,
        },
        Some("activate") => UserPatch {
            active: Some(Some(true)),
            role: None,
            organisation_id: None,
        },
        Some("role") => {
            let role = filled(&form.role).and_then(Role::parse);
            let organisation = match filled(&form.organisation_id) {
                None => Ok(None),
                Some(t) => t
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map(|n| Some(OrganisationId(n)))
                    .ok_or(()),
            };
            match (role, organisation) {
                (Some(role), Ok(org)) => UserPatch {
                    active: None,
                    role: Some(Some(role)),
                    organisation_id: Some(org),
                },
                (None, _) => {
                    let errors = refuse(Violation::new("role", "required"));
                    return show_users(
                        &visitor,
                        &caller,
                        db,
                        NewAccount::default(),
                        errors,
                        Status::UnprocessableEntity,
                        None,
                    )
                    .await
                    .map(Exit::Page);
                }
                (_, Err(())) => {
                    let errors = refuse(Violation::new("organisation_id", "organisation_unknown"));
                    return show_users(
                        &visitor,
                        &caller,
                        db,
                        NewAccount::default(),
                        errors,
                        Status::UnprocessableEntity,
                        None,
                    )
                    .await
                    .map(Exit::Page);
                }
            }
        }
        _ => return Err(visitor.problem(ApiError::from(AppError::NotFound("action")))),
    };
    let deactivating = patch.active == Some(Some(false));
    let changed = db
        .run(move |c| users::update_user(c, me, sid, id, patch, None))
        .await;
    match changed {
        Ok(changed) => {
            forget_sessions(cache, &changed.ended_sessions);
            cache.forget_user(id);
            let done = if deactivating {
                "compte-desactive"
            } else {
                "compte-modifie"
            };
            Ok(Exit::see_other(format!("{USERS_PATH}?fait={done}")))
        }
        Err(e @ AppError::Invalid(_)) | Err(e @ AppError::Conflict { .. }) => {
            let problem: ApiError = e.into();
            let mut errors = FieldErrors::default();
            let message = problem
                .errors
                .first()
                .map(|f| f.message.clone())
                .unwrap_or_else(|| problem.detail.clone());
            errors
                .0
                .insert(key, crate::api::messages::sentence(&message));
            show_users(
                &visitor,
                &caller,
                db,
                NewAccount::default(),
                errors,
                Status::UnprocessableEntity,
                None,
            )
            .await
            .map(Exit::Page)
        }
        Err(e) => Err(visitor.problem(e.into())),
    }
}

// ---------------------------------------------------------------------------------------
// Labour shares

const SHARES_TITLE: &str = "Part de main-d'œuvre par famille d'achats";
const SHARES_PATH: &str = "/admin/labour-shares";
/// Empty rows the form adds after the table's, to type new prefixes in.
const EMPTY_SHARE_ROWS: usize = 3;

/// One row of the labour-share form, as typed or as stored.
#[derive(Serialize, Default, Clone)]
struct ShareLine {
    cpv_prefix: String,
    label: String,
    /// The share as a French decimal ("45,5").
    percent: String,
}

#[derive(Serialize)]
struct SharesPage {
    rows: Vec<ShareLine>,
    /// Errors by field: `shares[i].cpv_prefix`, `shares[i].label`, `shares[i].percent`, `""`.
    errors: FieldErrors,
}

fn shares_page(mut rows: Vec<ShareLine>, errors: FieldErrors) -> SharesPage {
    rows.resize(rows.len() + EMPTY_SHARE_ROWS, ShareLine::default());
    SharesPage { rows, errors }
}

fn share_lines(rows: Vec<crate::domain::calibration::LabourShareRef>) -> Vec<ShareLine> {
    rows.into_iter()
        .map(|r| ShareLine {
            cpv_prefix: r.cpv_prefix,
            label: r.label,
            percent: crate::pages::hours_input(r.share_bp),
        })
        .collect()
}

/// GET /admin/labour-shares — an administrator: the structure's labour-share table (the
/// share of labour in a contract's amount by CPV prefix, which calibrates a clause's hours),
/// as `GET /api/v1/reference/labour-shares` answers it, as a form to change it.
#[rocket::get("/admin/labour-shares?<fait>")]
pub async fn labour_shares(
    visitor: Visitor,
    fait: Option<&str>,
    db: &State<Db>,
) -> Result<Html, Exit> {
    let caller = visitor.require(&[Role::Admin])?;
    let sid = caller.structure_id;
    let rows = db
        .run(move |c| crate::app::clauses::labour_shares(c, sid))
        .await
        .map_err(|e| visitor.problem(e.into()))?;
    let view = PageView::new(
        "admin_labour_shares.html",
        SHARES_TITLE,
        SHARES_PATH,
        shares_page(share_lines(rows), FieldErrors::default()),
    );
    Ok(view
        .notice(notice(fait))
        .render(&visitor, &caller, Status::Ok))
}

#[derive(FromForm, Default)]
pub struct ShareRow {
    cpv_prefix: Option<String>,
    label: Option<String>,
    percent: Option<String>,
}

#[derive(FromForm, Default)]
pub struct SharesForm {
    csrf_token: Option<String>,
    shares: Vec<ShareRow>,
}

/// The filled rows as the use case's items, with the form's index of each; or the errors
/// of the texts beside their fields.
fn read_shares(
    rows: &[ShareLine],
) -> Result<(Vec<crate::app::clauses::LabourShareItem>, Vec<usize>), FieldErrors> {
    use crate::domain::limits::{Code, Label};
    let mut errors = FieldErrors::default();
    let mut items = Vec::new();
    let mut at = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.cpv_prefix.is_empty() && r.label.is_empty() && r.percent.is_empty() {
            continue;
        }
        let field = |name: &str| format!("shares[{i}].{name}");
        let prefix = Code::new(r.cpv_prefix.clone())
            .map_err(|e| errors.add(field("cpv_prefix"), &e.violation("cpv_prefix")));
        let label = Label::new(r.label.clone())
            .map_err(|e| errors.add(field("label"), &e.violation("label")));
        let percent = match crate::pages::parse_hours_input(&r.percent) {
            Ok(Some(p)) => Some(p),
            _ => {
                errors.add(
                    field("percent"),
                    &Violation::new("labour_share_percent", "percent_out_of_range"),
                );
                None
            }
        };
        if let (Ok(cpv_prefix), Ok(label), Some(p)) = (prefix, label, percent) {
            items.push(crate::app::clauses::LabourShareItem {
                cpv_prefix,
                labour_share_percent: crate::domain::units::Hundredths(p),
                label,
            });
            at.push(i);
        }
    }
    if errors.is_empty() {
        Ok((items, at))
    } else {
        Err(errors)
    }
}

/// POST /admin/labour-shares — an administrator: replaces the structure's labour-share
/// table with the filled rows (the use case of `PUT /api/v1/reference/labour-shares`);
/// empty rows are ignored, a broken row saves nothing and comes back with its error beside
/// its field (422).
#[rocket::post("/admin/labour-shares", data = "<form>")]
pub async fn labour_shares_save(
    visitor: Visitor,
    form: Option<Form<SharesForm>>,
    origin: RequestOrigin,
    db: &State<Db>,
) -> Result<Exit, Exit> {
    let caller = visitor.require(&[Role::Admin])?;
    let form = form.map(Form::into_inner).unwrap_or_default();
    visitor.check_form(&origin, &caller, form.csrf_token.as_deref())?;
    let rows: Vec<ShareLine> = form
        .shares
        .iter()
        .map(|r| ShareLine {
            cpv_prefix: r.cpv_prefix.as_deref().unwrap_or("").trim().to_string(),
            label: r.label.as_deref().unwrap_or("").trim().to_string(),
            percent: r.percent.as_deref().unwrap_or("").trim().to_string(),
        })
        .collect();
    let errors = match read_shares(&rows) {
        Err(errors) => errors,
        Ok((items, at)) => {
            let sid = caller.structure_id;
            let saved = db
                .run(move |c| crate::app::clauses::replace_labour_shares(c, sid, items))
                .await;
            match saved {
                Ok(_) => {
                    return Ok(Exit::see_other(format!(
                        "{SHARES_PATH}?fait=parts-enregistrees"
                    )))
                }
                Err(AppError::Invalid(broken)) => {
                    // `[k].field` of the k-th filled row: the form's row and field names.
                    let mut errors = FieldErrors::default();
                    for v in &broken {
                        let (k, name) = v
                            .field
                            .trim_start_matches('[')
                            .split_once("].")
                            .unwrap_or(("", ""));
                        let name = match name {
                            "labour_share_percent" => "percent",
                            other => other,
                        };
                        let key = match k.parse::<usize>().ok().and_then(|k| at.get(k)) {
                            Some(i) => format!("shares[{i}].{name}"),
                            None => String::new(),
                        };
                        errors.add(key, v);
                    }
                    errors
                }
                Err(e) => return Err(visitor.problem(e.into())),
            }
        }
    };
    let view = PageView::new(
        "admin_labour_shares.html",
        SHARES_TITLE,
        SHARES_PATH,
        SharesPage { rows, errors },
    );
    Ok(Exit::Page(view.render(
        &visitor,
        &caller,
        Status::UnprocessableEntity,
    )))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![
        users_list,
        users_create,
        users_change,
        labour_shares,
        labour_shares_save
    ]
}
