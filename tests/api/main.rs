//! Integration tests through the HTTP API, one module per resource, on both backends.

mod common;

mod foundation;
mod startup;
