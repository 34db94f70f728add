//! The queueing half of the reminder job: for each clause, the rules of
//! `domain::reminders` are applied on the clause's local "sendable" day, their recipients
//! resolved to email addresses, and each new (rule, subject, period, stage, recipient) is
//! rendered and put in the outbox once.
//!
//! A rule is added by writing its pure function in `domain::reminders`, calling it in
//! [`clause_reminders`] (or beside it for reminders that are not about a clause), giving it
//! templates under `templates/email/<rule>/`, and listing them in `templates.rs`.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::db::{write_tx, Conn};
use crate::domain::calendar::{add_days, sendable_through, Frequency, DUE_WINDOW_DAYS};
use crate::domain::ids::{OrganisationId, UserId};
use crate::domain::next_action::{format_date_fr, format_hours_fr};
use crate::domain::reminders::{self as rules, dedup_key, Recipient, Reminder, Sending};
use crate::domain::territory::time_zone;
use crate::domain::vocabulary::{ClauseStatus, OutboxStatus, ReminderRule};
use crate::error::ApiError;
use crate::reminders::templates;
use crate::store::clauses::{Assignment, Clause};
use crate::store::milestones::{self, ClauseReports};
use crate::store::outbox::{self, NewOutbox};
use crate::store::placements::Placement;
use crate::store::reminders::{self as recipients, Addressee};

/// What one queueing pass did.
#[derive(Debug, Clone, Default)]
pub struct Queued {
    /// (rule, stage, recipient email, subject line) of each new outbox row.
    pub rows: Vec<(String, String, String, String)>,
    /// Clauses whose reminders could not be computed (logged).
    pub errors: usize,
}

/// The time zone of a clause: its stored zone, else its territory's.
pub fn clause_time_zone(clause: &Clause) -> Tz {
    clause
        .time_zone
        .parse::<Tz>()
        .unwrap_or_else(|_| time_zone(&clause.territory))
}

/// The stable Message-ID of an outbox row, derived from its unique key: a retry after a
/// crash sends the same id, so a duplicate is recognisable.
pub fn message_id(key: &str, domain: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("<reminder.{hex}@{domain}>")
}

/// Queues every reminder due at `now` that is not in the outbox yet: each alone, or, for a
/// recipient with more than [`rules::MOST_EMAILS_PER_RUN`] of them, all in one digest
/// (`rules::plan_sending`).
pub fn queue_due(
    conn: &mut Conn,
    config: &Config,
    mail_domain: &str,
    now: DateTime<Utc>,
) -> Result<Queued, ApiError> {
    let mut out = Queued::default();
    let mut new: Vec<Prepared> = Vec::new();
    let mut seen = HashSet::new();
    for clause in recipients::clauses_to_watch(conn)? {
        let result = clause_reminders(conn, config, &clause, now)
            .and_then(|candidates| prepare(conn, &clause, candidates, mail_domain, now));
        match result {
            Ok(rows) => new.extend(
                rows.into_iter()
                    .filter(|p| seen.insert(p.row.dedup_key.clone())),
            ),
            Err(e) => {
                out.errors += 1;
                tracing::error!("reminders of clause {}: {}", clause.id, e.detail);
            }
        }
    }
    match rejection_notices(conn, config, mail_domain, now) {
        Ok(rows) => new.extend(
            rows.into_iter()
                .filter(|p| seen.insert(p.row.dedup_key.clone())),
        ),
        Err(e) => {
            out.errors += 1;
            tracing::error!("reminders of rejected hours: {}", e.detail);
        }
    }
    let plan = rules::plan_sending(new, rules::MOST_EMAILS_PER_RUN, |p| {
        (p.row.structure_id, p.row.recipient_email.clone())
    });
    for sending in plan {
        let result = match sending {
            Sending::Alone(p) => write_tx(conn, |c| {
                Ok(if outbox::enqueue(c, &p.row)? {
                    enqueue_covered(c, &p.covers, &p.row.message_id)?;
                    vec![queued_line(&p.row)]
                } else {
                    Vec::new()
                })
            }),
            Sending::Digest(parts) => queue_digest(conn, parts, mail_domain, now),
        };
        match result {
            Ok(rows) => out.rows.extend(rows),
            Err(e) => {
                out.errors += 1;
                tracing::error!("reminders: {}", e.detail);
            }
        }
    }
    Ok(out)
}

/// A new reminder rendered for its recipient: its outbox row, and what a digest shows of it.
pub struct Prepared {
    pub row: NewOutbox,
    /// The message without greeting and footer, for a digest.
    pub part: templates::Rendered,
    pub obligation: bool,
    /// The values every message to this recipient shares (greeting, link, day).
    pub context: BTreeMap<String, String>,
    /// Other reminders this message tells too (the other rejections listed in it): kept as
    /// `digested` under its Message-ID, so that each goes once.
    pub covers: Vec<NewOutbox>,
}

fn queued_line(r: &NewOutbox) -> (String, String, String, String) {
    (
        r.rule.to_string(),
        r.stage.clone(),
        r.recipient_email.clone(),
        r.subject_line.clone(),
    )
}

/// Queues one digest of `parts` (one recipient's new reminders of the run): each reminder
/// is kept as `digested` under the digest's Message-ID, so that it goes once, and the
/// digest alone is sent. Reminders another run queued meanwhile are left out of it.
fn queue_digest(
    conn: &mut Conn,
    parts: Vec<Prepared>,
    mail_domain: &str,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String, String, String)>, ApiError> {
    let Some(first) = parts.first() else {
        return Ok(Vec::new());
    };
    let (structure_id, email) = (first.row.structure_id, first.row.recipient_email.clone());
    let user_id = first.row.recipient_user_id;
    let mut context = first.context.clone();
    let joined: Vec<&str> = parts.iter().map(|p| p.row.dedup_key.as_str()).collect();
    let digest = Sha256::digest(joined.join("\n").as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let day = now.date_naive();
    let key = format!("digest|{structure_id}|{day}|{hex}|{email}");
    let digest_message_id = message_id(&key, mail_domain);
    write_tx(conn, |c| {
        let mut kept = Vec::new();
        for p in &parts {
            let mut row = p.row.clone();
            row.message_id = digest_message_id.clone();
            if outbox::enqueue_as(c, &row, OutboxStatus::Digested)? {
                enqueue_covered(c, &p.covers, &digest_message_id)?;
                kept.push(p);
            }
        }
        if kept.is_empty() {
            return Ok(Vec::new());
        }
        let obligation = kept.iter().any(|p| p.obligation);
        set(
            &mut context,
            "optional",
            if obligation { "non" } else { "oui" },
        );
        set(&mut context, "count", kept.len().to_string());
        let shown: Vec<&templates::Rendered> = kept.iter().map(|p| &p.part).collect();
        let rendered = templates::render_digest(&context, &shown).map_err(|e| {
            tracing::error!("reminder {key}: {e}");
            ApiError::internal()
        })?;
        let row = NewOutbox {
            structure_id,
            message_id: digest_message_id.clone(),
            dedup_key: key.clone(),
            rule: ReminderRule::Digest,
            subject_type: "recipient".to_string(),
            subject_id: user_id.unwrap_or(0),
            period: day.to_string(),
            stage: "digest".to_string(),
            recipient_email: email.clone(),
            recipient_user_id: user_id,
            subject_line: rendered.subject,
            body_text: rendered.text,
            body_html: rendered.html,
            next_attempt_at: now.naive_utc(),
            created_at: now.naive_utc(),
        };
        Ok(if outbox::enqueue(c, &row)? {
            vec![queued_line(&row)]
        } else {
            Vec::new()
        })
    })
}

/// Keeps the reminders a message tells besides its own as `digested` under its Message-ID.
fn enqueue_covered(
    conn: &mut Conn,
    covers: &[NewOutbox],
    message_id: &str,
) -> Result<(), crate::app::AppError> {
    for row in covers {
        let mut row = row.clone();
        row.message_id = message_id.to_string();
        outbox::enqueue_as(conn, &row, OutboxStatus::Digested)?;
    }
    Ok(())
}

/// The rejections of figures not told yet (`rules::hours_rejected`), as one email per
/// recipient of each contractor listing them all: two figures rejected in one decision make
/// one email. The first rejection's row carries the email; the others are kept beside it
/// (`Prepared::covers`), so that each rejection is told once and a later one again.
fn rejection_notices(
    conn: &mut Conn,
    config: &Config,
    mail_domain: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Prepared>, ApiError> {
    let today = now.date_naive();
    let since = now.naive_utc() - chrono::Duration::days(rules::REJECTION_NOTICE_DAYS);
    let mut addressed: Vec<(recipients::RejectionRow, Reminder, Addressee)> = Vec::new();
    let mut contacts: BTreeMap<(i64, i64), Vec<Addressee>> = BTreeMap::new();
    for row in recipients::rejections_since(conn, since)? {
        let (work, training) = rejected_figures(row.before.as_deref());
        let rejection = rules::Rejection {
            change_id: row.change_id,
            contractor_id: row.contractor_id.0,
            month: row.month.clone(),
            work,
            training,
            reason: row.reason.clone().unwrap_or_default(),
            rejected_on: row.at.date(),
        };
        let Some(reminder) = rules::hours_rejected(&rejection, today) else {
            continue;
        };
        let key = (row.structure_id.0, row.contractor_id.0);
        let to_all = match contacts.entry(key) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(
                recipients::contractor_addressees(conn, row.structure_id, row.contractor_id)?,
            ),
        };
        for to in to_all.iter() {
            addressed.push((row.clone(), reminder.clone(), to.clone()));
        }
    }
    let keys: Vec<String> = addressed
        .iter()
        .map(|(_, r, to)| dedup_key(r, &to.email))
        .collect();
    let existing = outbox::existing_keys(conn, &keys)?;
    // The new rejections of each (structure, contractor, recipient), in history order.
    type Group = (
        (i64, i64, String),
        Addressee,
        Vec<(recipients::RejectionRow, Reminder, String)>,
    );
    let mut groups: Vec<Group> = Vec::new();
    for ((row, reminder, to), key) in addressed.into_iter().zip(keys) {
        if existing.contains(&key) {
            continue;
        }
        let group = (
            row.structure_id.0,
            row.contractor_id.0,
            to.email.trim().to_lowercase(),
        );
        match groups.iter_mut().find(|(g, _, _)| *g == group) {
            Some((_, _, items)) => items.push((row, reminder, key)),
            None => groups.push((group, to, vec![(row, reminder, key)])),
        }
    }
    let mut out = Vec::new();
    for (_, to, items) in groups {
        out.extend(rejection_email(conn, config, mail_domain, now, &to, items)?);
    }
    Ok(out)
}

/// The figures an entry held when it was rejected (its history's snapshot before the
/// decision), in hundredths; zeros when the snapshot cannot be read.
fn rejected_figures(before: Option<&str>) -> (i64, i64) {
    let value: serde_json::Value = before
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    let hours = |k: &str| {
        value
            .get(k)
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0)
    };
    (hours("work_hours"), hours("training_hours"))
}

/// One email to `to` listing the rejections `items` (row, reminder, outbox key) of one
/// contractor: its outbox row, and the rows of the rejections it tells besides the first.
fn rejection_email(
    conn: &mut Conn,
    config: &Config,
    mail_domain: &str,
    now: DateTime<Utc>,
    to: &Addressee,
    items: Vec<(recipients::RejectionRow, Reminder, String)>,
) -> Result<Option<Prepared>, ApiError> {
    let Some((first_row, first, first_key)) = items.first().cloned() else {
        return Ok(None);
    };
    let mut ctx = BTreeMap::new();
    set(
        &mut ctx,
        "login_url",
        format!("{}/login", config.public_url),
    );
    set(&mut ctx, "rule", first.rule.as_str());
    set(&mut ctx, "digest_part", "non");
    set(&mut ctx, "optional", "non");
    set(
        &mut ctx,
        "greeting",
        match to.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => format!("Bonjour {name},"),
            None => "Bonjour,".to_string(),
        },
    );
    set(&mut ctx, "today", format_date_fr(now.date_naive()));
    set(
        &mut ctx,
        "contractor_name",
        recipients::organisation_name(conn, first_row.contractor_id)?,
    );
    set(&mut ctx, "count", items.len().to_string());
    let listed: Vec<BTreeMap<String, String>> = items
        .iter()
        .map(|(row, r, _)| {
            let mut item: BTreeMap<String, String> = r.facts.iter().cloned().collect();
            let period = item.get("period").cloned().unwrap_or_default();
            item.insert(
                "period_de".into(),
                crate::domain::french::de_period(&period),
            );
            item.insert("participant".into(), row.participant.clone());
            item.insert(
                "contract".into(),
                format!("marché {} — {}", row.contract_reference, row.contract_title),
            );
            item.insert(
                "link".into(),
                format!("{}/contractor/hours/{}", config.public_url, row.month),
            );
            item
        })
        .collect();
    let mut part_ctx = ctx.clone();
    set(&mut part_ctx, "digest_part", "oui");
    let rendered = templates::render_listing("hours_rejected", &ctx, &listed).and_then(|alone| {
        Ok((
            alone,
            templates::render_listing("hours_rejected", &part_ctx, &listed)?,
        ))
    });
    let (rendered, part) = match rendered {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("reminder {first_key}: {e}");
            return Ok(None);
        }
    };
    let row_of = |row: &recipients::RejectionRow, r: &Reminder, key: &str| NewOutbox {
        structure_id: row.structure_id,
        message_id: message_id(&first_key, mail_domain),
        dedup_key: key.to_string(),
        rule: r.rule,
        subject_type: r.subject_type.to_string(),
        subject_id: r.subject_id,
        period: r.period.clone(),
        stage: r.stage.clone(),
        recipient_email: to.email.trim().to_lowercase(),
        recipient_user_id: to.user_id.map(i64::from),
        subject_line: rendered.subject.clone(),
        body_text: String::new(),
        body_html: String::new(),
        next_attempt_at: now.naive_utc(),
        created_at: now.naive_utc(),
    };
    let mut row = row_of(&first_row, &first, &first_key);
    row.body_text = rendered.text.clone();
    row.body_html = rendered.html.clone();
    let covers = items
        .iter()
        .skip(1)
        .map(|(r, reminder, key)| row_of(r, reminder, key))
        .collect();
    let shared = ["greeting", "login_url", "today"]
        .into_iter()
        .filter_map(|k| ctx.get(k).map(|v| (k.to_string(), v.clone())))
        .collect();
    Ok(Some(Prepared {
        row,
        part,
        obligation: true,
        context: shared,
        covers,
    }))
}

/// One reminder addressed to one email, with the values its template shows.
pub struct Candidate {
    pub reminder: Reminder,
    pub to: Addressee,
    pub context: BTreeMap<String, String>,
}

fn set(ctx: &mut BTreeMap<String, String>, key: &str, value: impl Into<String>) {
    ctx.insert(key.to_string(), value.into());
}

/// Everything a clause's emails may show, read once per clause.
struct ClauseFacts {
    today: NaiveDate,
    assignments: Vec<Assignment>,
    placements: Vec<Placement>,
    reports: ClauseReports,
    /// Validated hours per assignment up to today's month.
    validated: BTreeMap<i64, i64>,
    base: BTreeMap<String, String>,
    first_report_due: Option<NaiveDate>,
}

fn clause_facts(
    conn: &mut Conn,
    config: &Config,
    clause: &Clause,
    today: NaiveDate,
) -> Result<(ClauseFacts, crate::domain::progress::Progress), ApiError> {
    // The clause's progress as the progress route computes it (every assignment).
    let view = crate::app::progress::clause_progress(
        conn,
        clause.structure_id,
        None,
        clause.id,
        today,
        config.on_track_percent,
    )
    .map_err(ApiError::from)?;
    let validated: BTreeMap<i64, i64> = view
        .progress
        .assignments
        .iter()
        .map(|a| (a.hours.assignment_id, a.hours.validated))
        .collect();
    let pr = view.progress.progress;
    let contract = crate::store::contracts::get(conn, clause.structure_id, clause.contract_id)?;
    let buyer = recipients::organisation_name(conn, contract.buyer_id)?;
    let total_validated: i64 = validated.values().sum();
    let mut base = BTreeMap::new();
    // Where the recipient signs in (CLAUSIER_PUBLIC_URL), for the link every email ends with.
    set(
        &mut base,
        "login_url",
        format!("{}/login", config.public_url),
    );
    set(&mut base, "public_url", config.public_url.clone());
    set(&mut base, "contract_title", contract.title.clone());
    set(&mut base, "contract_reference", contract.reference.clone());
    set(&mut base, "buyer_name", buyer);
    set(
        &mut base,
        "clause_starts_on",
        format_date_fr(clause.starts_on),
    );
    set(&mut base, "clause_ends_on", format_date_fr(clause.ends_on));
    set(
        &mut base,
        "required_hours",
        format_hours_fr(clause.required_hours),
    );
    set(
        &mut base,
        "validated_hours",
        format_hours_fr(total_validated),
    );
    set(&mut base, "expected_hours", format_hours_fr(pr.expected));
    set(&mut base, "remaining_hours", format_hours_fr(pr.remaining));
    let achieved = if pr.expected > 0 {
        // Percent with one decimal, rounded half up, in French.
        let tenths = (total_validated * 1000 + pr.expected / 2) / pr.expected;
        format!("{},{}", tenths / 10, tenths % 10)
    } else {
        "100,0".to_string()
    };
    set(&mut base, "achieved_share", achieved);
    let placements = crate::store::placements::of_clause(conn, clause.id)?;
    let reports = ClauseReports::load(conn, clause.id)?;
    // The first report still to come: a clause activated late in its execution has
    // reporting milestones already past (they are reminded as late reports, not announced).
    let first_report_due = milestones::of_clause(conn, clause.id)?
        .into_iter()
        .filter(|m| m.kind == "report" && !m.manual && m.due_on >= today)
        .map(|m| m.due_on)
        .min();
    Ok((
        ClauseFacts {
            today,
            assignments: view.assignments,
            placements,
            reports,
            validated,
            base,
            first_report_due,
        },
        pr,
    ))
}

/// The reminders of one clause due on its local sendable day, addressed.
pub fn clause_reminders(
    conn: &mut Conn,
    config: &Config,
    clause: &Clause,
    now: DateTime<Utc>,
) -> Result<Vec<Candidate>, ApiError> {
    let today = sendable_through(now, clause_time_zone(clause), config.reminder_hour);
    let active = clause.status == ClauseStatus::Active;
    if active && milestones::of_clause(conn, clause.id)?.is_empty() {
        // A clause activated before calendars existed gets one now.
        milestones::regenerate(conn, clause)?;
    }
    let (facts, pr) = clause_facts(conn, config, clause, today)?;
    let mut due: Vec<Reminder> = Vec::new();
    if active {
        let ms = milestones::of_clause(conn, clause.id)?;
        for a in &facts.assignments {
            due.extend(rules::obligations_summary(
                &rules::AssignmentStart {
                    clause_id: clause.id.0,
                    assignment_id: a.id.0,
                    contractor_id: a.contractor_id.0,
                    starts_on: clause.starts_on,
                    ends_on: clause.ends_on,
                },
                today,
            ));
        }
        for m in ms.iter().filter(|m| m.kind == "report" && !m.manual) {
            if add_days(m.due_on, -DUE_WINDOW_DAYS) > today {
                continue;
            }
            for a in &facts.assignments {
                // Nobody placed in the period: nothing to report.
                let Some(reported) = facts.reports.reported(Some(a.id), &m.period) else {
                    continue;
                };
                due.extend(rules::reporting_due(
                    &rules::ReportPeriod {
                        clause_id: clause.id.0,
                        referent_id: clause.referent_id.map(i64::from),
                        assignment_id: a.id.0,
                        contractor_id: a.contractor_id.0,
                        period: m.period.clone(),
                        due_on: m.due_on,
                        reported,
                    },
                    today,
                ));
            }
        }
        let mut contractor_ids: Vec<i64> = facts
            .assignments
            .iter()
            .map(|a| a.contractor_id.0)
            .collect();
        contractor_ids.dedup();
        let parties = rules::ClauseParties {
            clause_id: clause.id.0,
            referent_id: clause.referent_id.map(i64::from),
            contractor_ids,
        };
        if let Some(mid) = ms.iter().find(|m| m.kind == "mid_term" && !m.manual) {
            due.extend(rules::at_risk_mid_term(
                &parties,
                pr.status.as_str(),
                mid.due_on,
                today,
            ));
        }
        due.extend(rules::end_approaching(
            &parties,
            pr.remaining,
            clause.ends_on,
            today,
        ));
        if !milestones::final_report_done(conn, clause.id)? {
            due.extend(rules::final_report_due(&parties, clause.ends_on, today));
        }
    }
    for p in &facts.placements {
        if p.starts_on > today {
            due.extend(rules::eligibility_expiring(
                &rules::PlacementNotStarted {
                    participant_id: p.participant_id.0,
                    placement_id: p.id.0,
                    clause_id: clause.id.0,
                    referent_id: clause.referent_id.map(i64::from),
                    starts_on: p.starts_on,
                    eligibility_valid_until: recipients::eligibility_valid_until(
                        conn,
                        p.participant_id,
                    )?,
                },
                today,
            ));
        }
        due.extend(rules::exit_missing(
            &rules::PlacementExit {
                placement_id: p.id.0,
                participant_id: p.participant_id.0,
                clause_id: clause.id.0,
                referent_id: clause.referent_id.map(i64::from),
                ends_on: p.ends_on,
                outcome: p.exit_outcome,
            },
            today,
        ));
    }
    // Follow-ups after an exit that have become due.
    let months_asked = crate::domain::follow_ups::months_asked(
        crate::store::follow_ups::twelve_months(conn, clause.structure_id)?,
    )
    .to_vec();
    let exited: Vec<i64> = facts
        .placements
        .iter()
        .filter(|p| p.exit_on.is_some())
        .map(|p| p.id.0)
        .collect();
    let recorded = crate::store::follow_ups::recorded_months(conn, &exited)?;
    for p in facts.placements.iter().filter(|p| p.exit_on.is_some()) {
        due.extend(rules::follow_up_due(
            &rules::PlacementFollowUps {
                placement_id: p.id.0,
                participant_id: p.participant_id.0,
                clause_id: clause.id.0,
                referent_id: clause.referent_id.map(i64::from),
                exit_on: p.exit_on,
                months_asked: months_asked.clone(),
                recorded: recorded.get(&p.id.0).cloned().unwrap_or_default(),
            },
            today,
        ));
    }
    // Proposals to this clause's needs waiting for the contractor's answer.
    for r in crate::store::referrals::waiting_for_reminders(conn, today, config.referral_wait_days)?
        .into_iter()
        .filter(|r| r.clause_id == clause.id.0)
    {
        due.extend(rules::referral_waiting(
            &r,
            config.referral_wait_days,
            today,
        ));
    }
    let due = rules::latest_stages(due);
    let mut out = Vec::new();
    for r in due {
        for to in addressees(conn, clause, r.recipient)? {
            if !r.obligation && to.optional_off {
                continue;
            }
            let context = context(conn, clause, &facts, &r, &to)?;
            out.push(Candidate {
                reminder: r.clone(),
                to,
                context,
            });
        }
    }
    Ok(out)
}

/// The email addresses of a recipient.
fn addressees(
    conn: &mut Conn,
    clause: &Clause,
    recipient: Recipient,
) -> Result<Vec<Addressee>, ApiError> {
    let sid = clause.structure_id;
    match recipient {
        Recipient::ContractorContacts(org) => Ok(recipients::contractor_addressees(
            conn,
            sid,
            OrganisationId(org),
        )?),
        Recipient::Facilitator(user_id) => {
            match recipients::staff_addressee(conn, sid, UserId(user_id))? {
                Some(a) => Ok(vec![a]),
                // The referent left or was disabled: the structure's staff are told instead.
                None => Ok(recipients::structure_staff(conn, sid)?),
            }
        }
        Recipient::ClauseStaff(_) => Ok(recipients::structure_staff(conn, sid)?),
    }
}

/// Where a reporting reminder leads: the contractor to the grid of the month owed (the
/// home, which lists the months owed, for a quarter), the staff to their work list.
fn report_page(r: &Reminder) -> String {
    match r.recipient {
        Recipient::ContractorContacts(_) => match crate::domain::period::Month::parse(&r.period) {
            Some(month) => format!("/contractor/hours/{month}"),
            None => "/contractor".to_string(),
        },
        _ => "/".to_string(),
    }
}

/// The values the template of `r` shows to `to`.
fn context(
    conn: &mut Conn,
    clause: &Clause,
    facts: &ClauseFacts,
    r: &Reminder,
    to: &Addressee,
) -> Result<BTreeMap<String, String>, ApiError> {
    let mut ctx = facts.base.clone();
    set(&mut ctx, "rule", r.rule.as_str());
    if r.rule == ReminderRule::ReportingDue {
        let page = report_page(r);
        let url = format!(
            "{}{page}",
            ctx.get("public_url").cloned().unwrap_or_default()
        );
        set(&mut ctx, "page_url", url);
    }
    if r.rule == ReminderRule::FollowUpDue {
        let participant = r
            .facts
            .iter()
            .find(|(k, _)| k == "participant_id")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let url = format!(
            "{}/people/{participant}#follow-up-{}",
            ctx.get("public_url").cloned().unwrap_or_default(),
            r.subject_id
        );
        set(&mut ctx, "page_url", url);
    }
    set(&mut ctx, "digest_part", "non");
    set(&mut ctx, "stage", r.stage.clone());
    set(
        &mut ctx,
        "optional",
        if r.obligation { "non" } else { "oui" },
    );
    set(
        &mut ctx,
        "greeting",
        match to.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => format!("Bonjour {name},"),
            None => "Bonjour,".to_string(),
        },
    );
    set(&mut ctx, "today", format_date_fr(facts.today));
    let contractor_of_recipient = match r.recipient {
        Recipient::ContractorContacts(org) => {
            recipients::organisation_name(conn, OrganisationId(org))?
        }
        _ => String::new(),
    };
    set(&mut ctx, "contractor_name", contractor_of_recipient);
    match r.subject_type {
        "assignment" => {
            if let Some(a) = facts.assignments.iter().find(|a| a.id.0 == r.subject_id) {
                let validated = facts.validated.get(&a.id.0).copied().unwrap_or(0);
                set(
                    &mut ctx,
                    "contractor_name",
                    recipients::organisation_name(conn, a.contractor_id)?,
                );
                set(&mut ctx, "hours_target", format_hours_fr(a.hours_target));
                set(&mut ctx, "assignment_validated", format_hours_fr(validated));
                set(
                    &mut ctx,
                    "assignment_remaining",
                    format_hours_fr((a.hours_target - validated).max(0)),
                );
                let people: HashSet<i64> = facts
                    .reports
                    .owed(Some(a.id), &r.period)
                    .into_iter()
                    .map(|(p, _)| p)
                    .collect();
                set(&mut ctx, "people_to_report", people.len().to_string());
            }
            set(
                &mut ctx,
                "frequency_label",
                match clause.reporting_frequency {
                    Frequency::Quarterly => "trimestrielle",
                    Frequency::Monthly => "mensuelle",
                },
            );
            set(
                &mut ctx,
                "first_report_due",
                facts
                    .first_report_due
                    .map(format_date_fr)
                    .unwrap_or_default(),
            );
        }
        "placement" => {
            if let Some(p) = facts.placements.iter().find(|p| p.id.0 == r.subject_id) {
                set(
                    &mut ctx,
                    "participant",
                    recipients::participant_label(conn, p.participant_id)?,
                );
                set(&mut ctx, "job_title", p.job_title.clone());
                set(
                    &mut ctx,
                    "contractor_name",
                    recipients::organisation_name(conn, p.contractor_id)?,
                );
            }
        }
        _ => {}
    }
    for (k, v) in &r.facts {
        ctx.insert(k.clone(), v.clone());
    }
    Ok(ctx)
}

/// Renders the candidates not in the outbox yet, each alone and as a digest's part.
fn prepare(
    conn: &mut Conn,
    clause: &Clause,
    candidates: Vec<Candidate>,
    mail_domain: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Prepared>, ApiError> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = candidates
        .iter()
        .map(|c| dedup_key(&c.reminder, &c.to.email))
        .collect();
    let existing = outbox::existing_keys(conn, &keys)?;
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    let created_at = now.naive_utc();
    for (c, key) in candidates.into_iter().zip(keys) {
        if existing.contains(&key) || !seen.insert(key.clone()) {
            continue;
        }
        let rule = c.reminder.rule.as_str();
        let mut part_context = c.context.clone();
        set(&mut part_context, "digest_part", "oui");
        let rendered = templates::render(rule, &c.context)
            .and_then(|alone| Ok((alone, templates::render(rule, &part_context)?)));
        let (rendered, part) = match rendered {
            Ok(r) => r,
            Err(e) => {
                tracing::error!("reminder {key}: {e}");
                continue;
            }
        };
        let shared = ["greeting", "login_url", "today"]
            .into_iter()
            .filter_map(|k| c.context.get(k).map(|v| (k.to_string(), v.clone())))
            .collect();
        rows.push(Prepared {
            row: NewOutbox {
                structure_id: clause.structure_id,
                message_id: message_id(&key, mail_domain),
                dedup_key: key,
                rule: c.reminder.rule,
                subject_type: c.reminder.subject_type.to_string(),
                subject_id: c.reminder.subject_id,
                period: c.reminder.period.clone(),
                stage: c.reminder.stage.clone(),
                recipient_email: c.to.email.trim().to_lowercase(),
                recipient_user_id: c.to.user_id.map(i64::from),
                subject_line: rendered.subject,
                body_text: rendered.text,
                body_html: rendered.html,
                next_attempt_at: now.naive_utc(),
                created_at,
            },
            part,
            obligation: c.reminder.obligation,
            context: shared,
            covers: Vec::new(),
        });
    }
    Ok(rows)
}
