//! Who may call each route. Enforcement is done by the guard in each handler's signature;
//! this table documents it in the OpenAPI document, and tests check that the two agree and
//! that no mounted route is missing from it.

use crate::auth::Role;

pub struct Access {
    pub method: &'static str,
    /// Path as Rocket writes it, without the query part (`/api/v1/users/<id>`).
    pub path: &'static str,
    /// Empty: no authentication needed.
    pub roles: &'static [Role],
    pub summary: &'static str,
}

const ADMIN: &[Role] = &[Role::Admin];
const STAFF: &[Role] = &[Role::Admin, Role::Facilitator];
const STAFF_CONTRACTOR: &[Role] = &[Role::Admin, Role::Facilitator, Role::Contractor];
#[allow(dead_code)]
const READERS: &[Role] = &[Role::Admin, Role::Facilitator, Role::Funder];
const ANY: &[Role] = &[
    Role::Admin,
    Role::Facilitator,
    Role::Contractor,
    Role::Funder,
];
const PUBLIC: &[Role] = &[];

pub const ROUTES: &[Access] = &[
    Access {
        method: "GET",
        path: "/health",
        roles: PUBLIC,
        summary: "Liveness",
    },
    Access {
        method: "GET",
        path: "/ready",
        roles: PUBLIC,
        summary: "Readiness: the database answers",
    },
    Access {
        method: "GET",
        path: "/api/v1/openapi.json",
        roles: PUBLIC,
        summary: "This document",
    },
    Access {
        method: "POST",
        path: "/api/v1/auth/login",
        roles: PUBLIC,
        summary: "Log in; returns a Bearer token",
    },
    Access {
        method: "GET",
        path: "/api/v1/me",
        roles: ANY,
        summary: "The current user",
    },
    Access {
        method: "POST",
        path: "/api/v1/users",
        roles: ADMIN,
        summary: "Create a user in the admin's structure",
    },
    Access {
        method: "GET",
        path: "/api/v1/users",
        roles: ADMIN,
        summary: "Users of the admin's structure",
    },
];

/// Roles allowed on a route, if the route is in the table.
pub fn lookup(method: &str, path: &str) -> Option<&'static Access> {
    ROUTES
        .iter()
        .find(|a| a.method.eq_ignore_ascii_case(method) && a.path == path)
}

pub fn describe(roles: &[Role]) -> String {
    if roles.is_empty() {
        return "Public: no authentication.".into();
    }
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    format!("Roles allowed: {}.", names.join(", "))
}
