//! Queries, one module per aggregate. Every function over tenant data takes the caller's
//! structure id and filters on it: tenancy is enforced here, not in handlers.

pub mod settings;
pub mod users;
