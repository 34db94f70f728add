//! Integration tests through the HTTP API, one module per resource, on both backends.

mod common;

mod accounts;
mod anonymisation;
mod concurrency;
mod contractors;
mod contracts;
mod corrections_contracts;
mod corrections_people;
mod corrections_privacy;
mod corrections_records;
mod demo;
mod failures;
mod files_fr;
mod fixtures;
mod foundation;
mod hours;
mod limits;
mod log_capture;
mod logs;
mod matrix;
mod names;
mod openapi;
mod people;
mod queries;
mod reference;
mod referrals;
mod refusals;
mod reminders;
mod reports;
mod reports_bench;
mod seed;
mod sessions;
mod smtp;
mod startup;
mod uploads;
