//! Integration tests through the HTTP API, one module per resource, on both backends.

mod common;

mod contracts;
mod fixtures;
mod foundation;
mod hours;
mod logs;
mod people;
mod referrals;
mod reminders;
mod reports;
mod reports_bench;
mod seed;
mod smtp;
mod startup;
mod uploads;
