//! Who is calling: roles, funder scopes, the authentication guard (Bearer header or session
//! cookie) and one guard per group of roles, so that every route states who may call it.

pub mod csrf;
pub mod links;
pub mod login;
pub mod password;
pub mod records;
pub mod token;

use rocket::request::{FromRequest, Outcome, Request};

use crate::db::Db;
use crate::domain::ids::{OrganisationId, SessionId, StructureId, UserId};
use crate::error::{stash, ApiError};
use crate::store;
pub use token::TokenKeys;

pub const SESSION_COOKIE: &str = "clausier_session";

pub use crate::domain::vocabulary::Role;

/// Which structures' aggregates a funder may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunderScope {
    /// Its own structure only (the default).
    Own,
    Structures(Vec<StructureId>),
    Territory(String),
    All,
}

impl FunderScope {
    /// Parses the operator's `--scope` value: `structures:1,2`, `territory:93`, `all`.
    pub fn parse(s: &str) -> Result<FunderScope, String> {
        let s = s.trim();
        if s.is_empty() || s == "own" {
            return Ok(FunderScope::Own);
        }
        if s == "all" {
            return Ok(FunderScope::All);
        }
        if let Some(list) = s.strip_prefix("structures:") {
            let ids: Result<Vec<StructureId>, _> = list
                .split(',')
                .map(|x| x.trim().parse().map(StructureId))
                .collect();
            return match ids {
                Ok(ids) if !ids.is_empty() => Ok(FunderScope::Structures(ids)),
                _ => Err(format!("scope `{s}`: structures:ID,ID expects numeric ids")),
            };
        }
        if let Some(code) = s.strip_prefix("territory:") {
            if crate::domain::territory::is_valid_departement(code) {
                return Ok(FunderScope::Territory(code.to_string()));
            }
            return Err(format!("scope `{s}`: `{code}` is not a département code"));
        }
        Err(format!(
            "scope `{s}`: expected structures:ID,ID, territory:CODE or all"
        ))
    }

    pub fn to_db(&self) -> Option<String> {
        match self {
            FunderScope::Own => None,
            FunderScope::All => Some("all".into()),
            FunderScope::Structures(ids) => Some(format!(
                "structures:{}",
                ids.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            )),
            FunderScope::Territory(t) => Some(format!("territory:{t}")),
        }
    }
}

/// The authenticated user of a request. Tenant data is always read through
/// `caller.structure_id`: it comes from the database row of the user, never from the client.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub structure_id: StructureId,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    pub funder_scope: FunderScope,
    /// The session the request belongs to, and its CSRF secret.
    pub session_id: SessionId,
    pub csrf_token: String,
}

impl Caller {
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Facilitator)
    }

    /// The contractor organisation this caller acts for, if it is a contractor user.
    /// A contractor account without an organisation sees nothing (id 0 matches no row).
    pub fn contractor_org(&self) -> Option<OrganisationId> {
        match self.role {
            Role::Contractor => Some(self.organisation_id.unwrap_or(OrganisationId(0))),
            _ => None,
        }
    }
}

/// How a request presented its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    /// `Authorization: Bearer …`: a program; no cookie, so no cross-site forgery.
    Bearer,
    /// The session cookie: a browser, which also sends it on requests other sites make.
    Cookie,
}

fn bearer_or_cookie(req: &Request<'_>) -> Option<(String, Presented)> {
    if let Some(h) = req.headers().get_one("Authorization") {
        let mut parts = h.splitn(2, ' ');
        let scheme = parts.next().unwrap_or("");
        if scheme.eq_ignore_ascii_case("bearer") {
            return parts
                .next()
                .map(|t| (t.trim().to_string(), Presented::Bearer));
        }
        return None;
    }
    req.cookies()
        .get(SESSION_COOKIE)
        .map(|c| (c.value().to_string(), Presented::Cookie))
}

/// The caller of the request and how its token came, once per request.
pub async fn authenticate(req: &Request<'_>) -> Result<(Caller, Presented), ApiError> {
    let cached = req
        .local_cache_async(async { authenticate_uncached(req).await })
        .await;
    cached.clone()
}

async fn authenticate_uncached(req: &Request<'_>) -> Result<(Caller, Presented), ApiError> {
    let invalid = || ApiError::unauthorized("token_invalid");
    let (token, presented) =
        bearer_or_cookie(req).ok_or_else(|| ApiError::unauthorized("authentication_required"))?;
    let rocket = req.rocket();
    let keys = rocket.state::<TokenKeys>().ok_or_else(ApiError::internal)?;
    let db = rocket.state::<Db>().ok_or_else(ApiError::internal)?;
    let claims = keys.verify(&token, db.clock.now()).ok_or_else(invalid)?;
    let user_id = claims.sub.parse().map(UserId).map_err(|_| invalid())?;
    let session_id = claims.ses;
    let cache = rocket.state::<CallerCache>();
    let now = db.clock.now();
    let caller = match cache.and_then(|c| c.get(session_id, now)) {
        Some(caller) => caller,
        None => {
            let at = db.clock.naive();
            let (user, csrf_token) = db
                .run(move |conn| Ok(store::sessions::find_live(conn, session_id, at)?))
                .await?
                .ok_or_else(|| ApiError::unauthorized("session_ended"))?;
            let role = user.role;
            let funder_scope = match &user.funder_scope {
                Some(s) => FunderScope::parse(s).unwrap_or(FunderScope::Own),
                None => FunderScope::Own,
            };
            let caller = Caller {
                user_id: user.id,
                structure_id: user.structure_id,
                role,
                organisation_id: user.organisation_id,
                funder_scope,
                session_id,
                csrf_token,
            };
            if let Some(cache) = cache {
                cache.put(caller.clone(), now);
            }
            caller
        }
    };
    // The token must be the session's own (a forged pairing never matches).
    if caller.user_id != user_id || caller.structure_id != claims.sid {
        return Err(invalid());
    }
    Ok((caller, presented))
}

/// The sessions behind recent tokens, kept a few seconds so that a client's burst of requests
/// reads its session and account once: a session ended on another instance, a disabled
/// account or a changed role is seen within `TTL`; one ended here is forgotten at once.
/// Ages are read on the application's clock (`Db::clock`), so that tests move it instead of
/// waiting; a clock set back makes every entry stale.
#[derive(Default)]
pub struct CallerCache(
    std::sync::Mutex<std::collections::HashMap<SessionId, (chrono::DateTime<chrono::Utc>, Caller)>>,
);

impl CallerCache {
    /// How long an entry is trusted: the longest a change made on another instance waits.
    pub const TTL: chrono::TimeDelta = chrono::TimeDelta::seconds(5);
    const MAX_ENTRIES: usize = 10_000;

    fn fresh(at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> bool {
        at <= now && now - at < Self::TTL
    }

    fn get(&self, session_id: SessionId, now: chrono::DateTime<chrono::Utc>) -> Option<Caller> {
        let map = self.0.lock().ok()?;
        map.get(&session_id)
            .filter(|(at, _)| Self::fresh(*at, now))
            .map(|(_, c)| c.clone())
    }

    fn put(&self, caller: Caller, now: chrono::DateTime<chrono::Utc>) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= Self::MAX_ENTRIES {
                map.retain(|_, (at, _)| Self::fresh(*at, now));
            }
            map.insert(caller.session_id, (now, caller));
        }
    }

    /// Forgets a session at once (it was just ended on this instance).
    pub fn forget(&self, session_id: SessionId) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(&session_id);
        }
    }

    /// Forgets every session of a user at once (its account, role or password changed on
    /// this instance).
    pub fn forget_user(&self, user_id: UserId) {
        if let Ok(mut map) = self.0.lock() {
            map.retain(|_, (_, c)| c.user_id != user_id);
        }
    }
}

/// Authenticates, then admits the given roles. A state-changing request that came with the
/// session cookie must also pass the CSRF check (header `X-CSRF-Token`).
async fn guard(req: &Request<'_>, allowed: &[Role]) -> Outcome<Caller, ApiError> {
    let checked = match authenticate(req).await {
        Ok((caller, Presented::Cookie)) if csrf::is_state_changing(req.method()) => {
            csrf::check(req, &caller.csrf_token).map(|_| caller)
        }
        Ok((caller, _)) => Ok(caller),
        Err(e) => Err(e),
    };
    match checked {
        Ok(caller) if allowed.contains(&caller.role) => Outcome::Success(caller),
        Ok(_) => Outcome::Error(stash(req, ApiError::forbidden())),
        Err(e) => Outcome::Error(stash(req, e)),
    }
}

/// Declares a guard type admitting the given roles.
macro_rules! role_guard {
    ($(#[$doc:meta])* $name:ident, [$($role:ident),+]) => {
        $(#[$doc])*
        pub struct $name(pub Caller);

        impl $name {
            pub const ROLES: &'static [Role] = &[$(Role::$role),+];
        }

        #[rocket::async_trait]
        impl<'r> FromRequest<'r> for $name {
            type Error = ApiError;
            async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
                guard(req, Self::ROLES).await.map($name)
            }
        }

        impl std::ops::Deref for $name {
            type Target = Caller;
            fn deref(&self) -> &Caller {
                &self.0
            }
        }
    };
}

/// The caller of a request that came with the session cookie, whatever its method, for page
/// forms that check their own CSRF field (`csrf::RequestOrigin::check`).
pub struct CookieSession(pub Caller);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CookieSession {
    type Error = ApiError;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        match authenticate(req).await {
            Ok((caller, Presented::Cookie)) => Outcome::Success(CookieSession(caller)),
            // A token instead of the cookie: its one route (POST /logout) goes on without a
            // session, so this problem is never answered.
            Ok(_) => Outcome::Error(stash(
                req,
                ApiError::unauthorized("authentication_required"),
            )),
            Err(e) => Outcome::Error(stash(req, e)),
        }
    }
}

role_guard!(
    /// Any authenticated user.
    AnyRole, [Admin, Facilitator, Contractor, Funder]);
role_guard!(
    /// Administrators of a structure.
    AdminOnly, [Admin]);
role_guard!(
    /// Facilitators and administrators: full rights on their structure's records.
    Staff, [Admin, Facilitator]);
role_guard!(
    /// Staff, and contractors limited to their own organisation's records.
    StaffOrContractor, [Admin, Facilitator, Contractor]);
role_guard!(
    /// Readers of aggregate reports: staff of the structure, funders within their scope.
    ReportReader, [Admin, Facilitator, Funder]);

#[cfg(test)]
mod cache_tests {
    use super::*;

    fn caller(session: i64, user: i64) -> Caller {
        Caller {
            user_id: UserId(user),
            structure_id: StructureId(1),
            role: Role::Admin,
            organisation_id: None,
            funder_scope: FunderScope::Own,
            session_id: SessionId(session),
            csrf_token: String::new(),
        }
    }

    #[test]
    fn an_entry_is_trusted_five_seconds_of_the_application_clock() {
        use chrono::TimeZone;
        let t0 = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
        let cache = CallerCache::default();
        cache.put(caller(1, 7), t0);
        cache.put(caller(2, 8), t0);
        let s = |n: i64| chrono::Duration::milliseconds(n);
        assert!(cache.get(SessionId(1), t0 + s(4_999)).is_some());
        assert!(cache.get(SessionId(1), t0 + s(5_000)).is_none());
        // A clock set back trusts nothing it stored later.
        assert!(cache.get(SessionId(1), t0 - s(1)).is_none());
        cache.forget_user(UserId(7));
        assert!(cache.get(SessionId(1), t0).is_none());
        assert!(cache.get(SessionId(2), t0).is_some());
    }
}
