//! Triggers the jobs from cron expressions (six fields, seconds first, UTC): the reminder job
//! (`CLAUSIER_REMINDERS_CRON`) and the anonymisation of inactive people
//! (`CLAUSIER_ANONYMISE_CRON`). Started at liftoff, stopped at shutdown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::Mutex;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::config::Config;
use crate::db::Db;
use crate::reminders::{run, Mailer};

/// Rocket state holding the running scheduler, if any.
#[derive(Default)]
pub struct SchedulerHandle(Mutex<Option<JobScheduler>>);

impl SchedulerHandle {
    pub async fn set(&self, s: JobScheduler) {
        *self.0.lock().await = Some(s);
    }

    /// Stops the scheduler (jobs already running finish on their own).
    pub async fn stop(&self) {
        if let Some(mut s) = self.0.lock().await.take() {
            if let Err(e) = s.shutdown().await {
                tracing::warn!("stopping the scheduler: {e}");
            }
        }
    }
}

/// Checks that the configured cron expressions parse, so that a bad one stops start-up.
pub fn check(config: &Config) -> anyhow::Result<()> {
    for (name, expr) in [
        ("CLAUSIER_REMINDERS_CRON", &config.reminders_cron),
        ("CLAUSIER_ANONYMISE_CRON", &config.anonymise_cron),
    ] {
        if let Some(expr) = expr {
            Job::new_async(expr.as_str(), |_, _| Box::pin(async {})).map_err(|e| {
                anyhow::anyhow!("{name}: `{expr}` is not a valid cron expression: {e}")
            })?;
        }
    }
    Ok(())
}

/// Starts the scheduler with the configured jobs; None when both are disabled.
pub async fn start(db: Db, mailer: Mailer, config: Config) -> anyhow::Result<Option<JobScheduler>> {
    if config.reminders_cron.is_none() && config.anonymise_cron.is_none() {
        return Ok(None);
    }
    let sched = JobScheduler::new().await?;
    if let Some(expr) = config.reminders_cron.clone() {
        let running = Arc::new(AtomicBool::new(false));
        let (db, mailer, config) = (db.clone(), mailer.clone(), config.clone());
        let job = Job::new_async(expr.as_str(), move |_, _| {
            let (db, mailer, config, running) =
                (db.clone(), mailer.clone(), config.clone(), running.clone());
            Box::pin(async move {
                // A run still going (a slow SMTP server) is not doubled; the outbox would
                // keep the second from sending twice anyway.
                if running.swap(true, Ordering::SeqCst) {
                    tracing::warn!("reminders: previous run still going, this one skipped");
                    return;
                }
                match run(&db.pool, &mailer, &config, db.clock.now()).await {
                    Ok(r) => {
                        if !r.queued.is_empty() || !r.sent.is_empty() || r.retrying + r.failed > 0 {
                            tracing::info!(
                                "reminders: {} queued, {} sent, {} to retry, {} failed",
                                r.queued.len(),
                                r.sent.len(),
                                r.retrying,
                                r.failed
                            );
                        }
                    }
                    Err(e) => tracing::error!("reminders: {e:#}"),
                }
                running.store(false, Ordering::SeqCst);
            })
        })?;
        sched.add(job).await?;
        tracing::info!("reminders scheduled: `{expr}` (UTC)");
    }
    if let Some(expr) = config.anonymise_cron.clone() {
        let (db, config) = (db.clone(), config.clone());
        let job = Job::new_async(expr.as_str(), move |_, _| {
            let (db, config) = (db.clone(), config.clone());
            Box::pin(async move {
                let result = tokio::task::spawn_blocking(move || {
                    let mut conn = db.pool.get().map_err(|e| e.to_string())?;
                    db.clock
                        .scope(|| crate::jobs::anonymise(&mut conn, &config, db.clock.today()))
                        .map_err(|e| e.detail.clone())
                })
                .await;
                match result {
                    Ok(Ok(ids)) if !ids.is_empty() => {
                        tracing::info!("anonymised {} person(s)", ids.len())
                    }
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::error!("anonymisation: {e}"),
                    Err(e) => tracing::error!("anonymisation task: {e}"),
                }
            })
        })?;
        sched.add(job).await?;
    }
    sched.start().await?;
    Ok(Some(sched))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_cron_expressions_are_named() {
        let mut config = Config::for_database("sqlite://x.db").unwrap();
        assert!(check(&config).is_ok());
        config.reminders_cron = Some("0 */15 * * * nonsense".into());
        let e = check(&config).unwrap_err().to_string();
        assert!(e.contains("CLAUSIER_REMINDERS_CRON"), "{e}");
        config.reminders_cron = None;
        config.anonymise_cron = Some("61 * * * * *".into());
        let e = check(&config).unwrap_err().to_string();
        assert!(e.contains("CLAUSIER_ANONYMISE_CRON"), "{e}");
    }
}
