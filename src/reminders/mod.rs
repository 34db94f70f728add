//! Reminders: the job that queues what is due in the outbox and sends it, the mailer, the
//! email templates and the scheduler that triggers the job.
//!
//! The job is a plain `async fn` over the pool, the mailer and `now`: tests and the
//! `clausier reminders run --now …` command call it with a chosen clock; the scheduler only
//! triggers it. `now` decides what is due (in each clause's local time) and when failed
//! emails are tried again; claims on outbox rows use the wall clock, so that two processes
//! told different times still never hold the same row.

pub mod collect;
pub mod mailer;
pub mod scheduler;
pub mod templates;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::config::Config;
use crate::db::DbPool;
use crate::domain::reminders::{give_up, retry_delay_minutes};
use crate::store::outbox;
pub use mailer::Mailer;

/// How long a sender holds the rows it claimed.
pub const CLAIM_LEASE: Duration = Duration::from_secs(15 * 60);
/// Rows claimed at a time.
pub const CLAIM_BATCH: i64 = 20;

/// What one run did.
#[derive(Debug, Clone, Default)]
pub struct JobReport {
    /// New outbox rows: (rule, stage, recipient, subject).
    pub queued: Vec<(String, String, String, String)>,
    /// Rows delivered: (outbox id, recipient, subject).
    pub sent: Vec<(i64, String, String)>,
    /// Failed attempts that will be tried again.
    pub retrying: usize,
    /// Rows given up in this run.
    pub failed: usize,
    /// Clauses whose reminders could not be computed.
    pub errors: usize,
}

/// Runs the reminder job once: queues what is due at `now`, then sends what is ready.
pub async fn run(
    pool: &DbPool,
    mailer: &Mailer,
    config: &Config,
    now: DateTime<Utc>,
) -> anyhow::Result<JobReport> {
    let mut report = JobReport::default();
    let queued = queue_due(pool, mailer, config, now).await?;
    report.queued = queued.rows;
    report.errors = queued.errors;
    deliver(pool, mailer, config, now, &mut report).await?;
    Ok(report)
}

/// The queueing half of the job.
pub async fn queue_due(
    pool: &DbPool,
    mailer: &Mailer,
    config: &Config,
    now: DateTime<Utc>,
) -> anyhow::Result<collect::Queued> {
    let pool = pool.clone();
    let config = config.clone();
    let domain = mailer.domain();
    blocking(move || {
        let mut conn = pool.get()?;
        collect::queue_due(&mut conn, &config, &domain, now)
            .map_err(|e| anyhow::anyhow!("{}", e.detail))
    })
    .await
}

/// Leases are about real time between processes, whatever `now` the job was told.
fn wall_now() -> chrono::NaiveDateTime {
    Clock::system().naive()
}

async fn blocking<T, F>(f: F) -> anyhow::Result<T>
where
    F: FnOnce() -> anyhow::Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| anyhow::anyhow!("reminder task failed: {e}"))?
}

/// The sending half: claims ready rows in batches and sends each once.
pub async fn deliver(
    pool: &DbPool,
    mailer: &Mailer,
    config: &Config,
    now: DateTime<Utc>,
    report: &mut JobReport,
) -> anyhow::Result<()> {
    let run_id = uuid::Uuid::new_v4();
    let max_attempts = config.reminder_max_attempts;
    let lease = chrono::Duration::from_std(CLAIM_LEASE)?;
    for batch in 0.. {
        let token = format!("{run_id}/{batch}");
        let rows = {
            let pool = pool.clone();
            let token = token.clone();
            blocking(move || {
                let mut conn = pool.get()?;
                let wall = wall_now();
                outbox::claim(
                    &mut conn,
                    &token,
                    wall + lease,
                    wall,
                    now.naive_utc(),
                    CLAIM_BATCH,
                )
                .map_err(|e| anyhow::anyhow!("outbox: {e}"))
            })
            .await?
        };
        if rows.is_empty() {
            break;
        }
        let claimed_at = Instant::now();
        let mut stop = false;
        for row in rows {
            // Never send on a lease about to run out: another sender could take the row.
            if claimed_at.elapsed() > CLAIM_LEASE / 2 {
                break;
            }
            let email = mailer::Email {
                to: row.message.recipient_email.clone(),
                subject: row.message.subject_line.clone(),
                text: row.message.body_text.clone(),
                html: row.message.body_html.clone(),
                message_id: row.message.message_id.clone(),
            };
            let outcome = mailer.send(&email).await;
            let pool = pool.clone();
            let token = token.clone();
            let id = row.id;
            match outcome {
                Ok(()) => {
                    let marked = blocking(move || {
                        let mut conn = pool.get()?;
                        outbox::mark_sent(&mut conn, id, &token, wall_now())
                            .map_err(|e| anyhow::anyhow!("outbox: {e}"))
                    })
                    .await?;
                    if !marked {
                        tracing::warn!("outbox {id}: sent after its claim was lost");
                    }
                    report
                        .sent
                        .push((id, row.message.recipient_email, row.message.subject_line));
                }
                Err(e) => {
                    let attempts = row.attempts + 1;
                    let abandon = give_up(attempts, max_attempts, e.permanent);
                    let next =
                        now.naive_utc() + chrono::Duration::minutes(retry_delay_minutes(attempts));
                    let message = e.message.clone();
                    tracing::warn!(
                        "outbox {id}: attempt {attempts} failed{}: {message}",
                        if abandon { ", given up" } else { "" }
                    );
                    blocking(move || {
                        let mut conn = pool.get()?;
                        outbox::mark_attempt_failed(&mut conn, id, &token, &message, next, abandon)
                            .map_err(|e| anyhow::anyhow!("outbox: {e}"))
                    })
                    .await?;
                    if abandon {
                        report.failed += 1;
                    } else {
                        report.retrying += 1;
                    }
                    // The server cannot be reached: the other rows wait for the next run.
                    if e.unreachable {
                        stop = true;
                        break;
                    }
                }
            }
        }
        let pool = pool.clone();
        blocking(move || {
            let mut conn = pool.get()?;
            outbox::release(&mut conn, &token).map_err(|e| anyhow::anyhow!("outbox: {e}"))
        })
        .await?;
        if stop {
            break;
        }
    }
    Ok(())
}
