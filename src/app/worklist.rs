//! The work list's lines beyond needs and proposals: what a structure's staff owe or must
//! chase on a day, each line a stable `kind`, a French sentence, who it is about, since when,
//! and the page where it is dealt with. Each kind is read by a few bounded queries
//! (`store::worklist`); at most [`LINES_PER_KIND`] lines of a kind are shown, with the
//! number of them all.

use chrono::NaiveDate;
use serde::Serialize;

use crate::app::read_log::RecentReads;
use crate::app::{AppError, AppResult};
use crate::db::{read_tx, write_tx, Conn};
use crate::domain::calendar::add_days;
use crate::domain::french::de_period;
use crate::domain::ids::{ClauseId, StructureId, UserId};
use crate::domain::next_action::{format_date_fr, format_hours_fr, period_label_fr};
use crate::domain::progress::{progress, ProgressInput, ProgressStatus};
use crate::store::names::{clause_labels, person_name};
use crate::store::{audit, worklist as store};

/// The most lines of one kind shown; the kind's `total` counts them all.
pub const LINES_PER_KIND: usize = 50;

/// How many days ahead an eligibility about to end is shown.
pub const EXPIRY_WINDOW_DAYS: i64 = 30;

/// The kinds of line, in the order the work list shows them, with their French headings.
pub const KINDS: &[(&str, &str)] = &[
    ("late_report", "Comptes rendus d'heures en retard"),
    ("entries_waiting", "Heures à valider"),
    ("clause_at_risk", "Clauses en retard sur leur objectif"),
    (
        "eligibility_expiring",
        "Éligibilités qui prennent fin dans les 30 jours",
    ),
    ("exit_without_outcome", "Sorties sans résultat"),
    ("email_failed", "Courriels non envoyés"),
    ("follow_up_due", "Suivis à faire"),
];

/// One thing to deal with.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkLine {
    /// `late_report`, `entries_waiting`, `clause_at_risk`, `eligibility_expiring`,
    /// `exit_without_outcome`, `email_failed` or `follow_up_due`.
    pub kind: String,
    /// What is owed, in French.
    pub what: String,
    /// Whom it is about, by name: the contractor (and clause), the clause, the person, or
    /// the email's recipient.
    pub who: String,
    /// Since when: the first due date missed (late report), the first day of the oldest month
    /// waiting (entries), the clause's start (at risk), the first day of the 30 days before
    /// the end (eligibility), the exit or planned end (exit), the day queued (email), the
    /// day it became due (follow-up).
    pub since: NaiveDate,
    /// The page where it is dealt with.
    pub href: String,
}

/// A kind of line with its French heading, how many lines are shown and how many there are.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkKind {
    pub kind: String,
    pub heading: String,
    pub shown: i64,
    pub total: i64,
}

/// The lines of a work list and the count of each kind (every kind listed, 0 included).
#[derive(Debug, Clone, Default)]
pub struct WorkLines {
    pub lines: Vec<WorkLine>,
    pub kinds: Vec<WorkKind>,
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// "a", "a et b", "a, b et c".
fn french_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [head @ .., last] => format!("{} et {last}", head.join(", ")),
    }
}

/// A past participle agreeing with a number of hours: singular under 2 h.
fn agreed(hundredths: i64, singular: &str) -> String {
    if hundredths.abs() < 200 {
        singular.to_string()
    } else {
        format!("{singular}s")
    }
}

fn plural(n: i64, singular: &str, plural: &str) -> String {
    if n.abs() < 2 { singular } else { plural }.to_string()
}

fn name_of(first: Option<String>, last: Option<String>) -> String {
    person_name(first, last).unwrap_or_else(|| "Personne sans nom".to_string())
}

/// The work list's lines of the structure on `today` (`on_track_percent`: the share of the
/// expected hours at or above which a clause is on track); each person named is added to
/// `named`, for the audit log (`read_and_log`).
pub fn work_lines(
    conn: &mut Conn,
    sid: StructureId,
    today: NaiveDate,
    on_track_percent: u32,
    named: &mut Vec<i64>,
) -> AppResult<WorkLines> {
    let mut out = WorkLines::default();
    let push = |out: &mut WorkLines, kind: &str, lines: Vec<WorkLine>, total: i64| {
        let heading = KINDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, h)| (*h).to_string())
            .unwrap_or_default();
        out.kinds.push(WorkKind {
            kind: kind.to_string(),
            heading,
            shown: count(lines.len()),
            total,
        });
        out.lines.extend(lines);
    };

    // Late reports, per contractor and clause.
    let (late, total) = store::late_reports(conn, sid, today, LINES_PER_KIND)?;
    let lines = late
        .into_iter()
        .map(|l| {
            let months: Vec<String> = l
                .months
                .iter()
                .map(|m| de_period(&period_label_fr(m)))
                .collect();
            WorkLine {
                kind: "late_report".into(),
                what: format!(
                    "Heures {} non rendues par {} (clause {}).",
                    french_list(&months),
                    l.contractor_name,
                    l.clause_label
                ),
                who: format!("{} — {}", l.contractor_name, l.clause_label),
                since: l.since,
                href: format!("/clauses/{}", l.clause_id),
            }
        })
        .collect();
    push(&mut out, "late_report", lines, total);

    // Entries waiting for validation, per contractor.
    let waiting = store::waiting_entries(conn, sid)?;
    let total = count(waiting.len());
    let lines = waiting
        .into_iter()
        .take(LINES_PER_KIND)
        .filter_map(|w| {
            let month = crate::domain::period::Month::parse(&w.oldest_month)?;
            let oldest = de_period(&period_label_fr(&w.oldest_month));
            let what = if w.entries < 2 {
                format!(
                    "Le chiffre {oldest} envoyé par {} attend votre validation.",
                    w.contractor_name
                )
            } else {
                format!(
                    "{} chiffres mensuels envoyés par {} attendent votre validation, le plus ancien {oldest}.",
                    w.entries, w.contractor_name
                )
            };
            Some(WorkLine {
                kind: "entries_waiting".into(),
                what,
                who: w.contractor_name,
                since: month.first_day()?,
                href: format!("/validation?contractor_id={}", w.contractor_id),
            })
        })
        .collect();
    push(&mut out, "entries_waiting", lines, total);

    // Clauses at risk, from the maintained totals.
    let mut at_risk: Vec<(store::ClauseHours, i64)> = store::active_clause_hours(conn, sid, today)?
        .into_iter()
        .filter_map(|c| {
            let p = progress(&ProgressInput {
                required: c.required_hours,
                validated: c.validated,
                pending: 0,
                starts_on: c.starts_on,
                ends_on: c.ends_on,
                on: today,
                on_track_percent,
                penalty_per_hour_cents: None,
            });
            (p.status == ProgressStatus::AtRisk).then_some((c, p.expected))
        })
        .collect();
    at_risk.sort_by_key(|(c, _)| (c.starts_on, c.clause_id));
    let total = count(at_risk.len());
    at_risk.truncate(LINES_PER_KIND);
    let ids: Vec<ClauseId> = at_risk.iter().map(|(c, _)| ClauseId(c.clause_id)).collect();
    let labels = clause_labels(conn, &ids)?;
    let lines = at_risk
        .into_iter()
        .map(|(c, expected)| WorkLine {
            kind: "clause_at_risk".into(),
            what: format!(
                "{} h {} sur {} h {} au {} ({} h {}).",
                format_hours_fr(c.validated),
                agreed(c.validated, "validée"),
                format_hours_fr(expected),
                agreed(expected, "attendue"),
                format_date_fr(today),
                format_hours_fr(c.required_hours),
                agreed(c.required_hours, "requise"),
            ),
            who: labels
                .get(&ClauseId(c.clause_id))
                .cloned()
                .unwrap_or_default(),
            since: c.starts_on,
            href: format!("/clauses/{}", c.clause_id),
        })
        .collect();
    push(&mut out, "clause_at_risk", lines, total);

    // Eligibility about to end, for people still placed or waiting for work.
    let until = add_days(today, EXPIRY_WINDOW_DAYS);
    let (expiring, total) = store::expiring_eligibility(conn, sid, today, until, LINES_PER_KIND)?;
    let lines = expiring
        .into_iter()
        .map(|e| {
            named.push(e.participant_id);
            let who = name_of(e.first_name, e.last_name);
            WorkLine {
                kind: "eligibility_expiring".into(),
                what: format!(
                    "{who} : éligibilité valable jusqu'au {}, à renouveler.",
                    format_date_fr(e.valid_until)
                ),
                who,
                since: add_days(e.valid_until, -EXPIRY_WINDOW_DAYS),
                href: format!("/people/{}", e.participant_id),
            }
        })
        .collect();
    push(&mut out, "eligibility_expiring", lines, total);

    // Placements ended without an exit outcome.
    let (exits, total) = store::exits_without_outcome(conn, sid, today, count(LINES_PER_KIND))?;
    let lines = exits
        .into_iter()
        .map(|e| {
            named.push(e.participant_id);
            let who = name_of(e.first_name, e.last_name);
            WorkLine {
                kind: "exit_without_outcome".into(),
                what: format!(
                    "{who} : mise en situation chez {} terminée le {}, sans résultat de sortie.",
                    e.contractor_name,
                    format_date_fr(e.ended_on)
                ),
                who,
                since: e.ended_on,
                href: format!("/people/{}", e.participant_id),
            }
        })
        .collect();
    push(&mut out, "exit_without_outcome", lines, total);

    // Emails that failed.
    let (failed, total) = store::failed_emails(conn, sid, count(LINES_PER_KIND))?;
    let lines = failed
        .into_iter()
        .map(|f| {
            let attempts = i64::from(f.attempts);
            WorkLine {
                kind: "email_failed".into(),
                what: format!(
                    "Le courriel « {} » à {} n'est pas parti ({} {}).",
                    f.subject,
                    f.recipient,
                    attempts,
                    plural(attempts, "essai", "essais")
                ),
                who: f.recipient,
                since: f.created_at.date(),
                href: "/emails/failed".into(),
            }
        })
        .collect();
    push(&mut out, "email_failed", lines, total);

    // Follow-ups after an exit that are due and not recorded.
    let months = crate::domain::follow_ups::months_asked(crate::store::follow_ups::twelve_months(
        conn, sid,
    )?);
    let due = crate::store::follow_ups::due(conn, sid, today, months)?;
    let total = count(due.len());
    let shown: Vec<_> = due.into_iter().take(LINES_PER_KIND).collect();
    let people: Vec<i64> = shown.iter().map(|d| d.participant_id).collect();
    let orgs: Vec<i64> = shown.iter().map(|d| d.contractor_id).collect();
    let (persons, organisations) = crate::store::follow_ups::names(conn, &people, &orgs)?;
    let lines = shown
        .into_iter()
        .map(|d| {
            named.push(d.participant_id);
            let (first, last) = persons.get(&d.participant_id).cloned().unwrap_or_default();
            let who = name_of(first, last);
            WorkLine {
                kind: "follow_up_due".into(),
                what: format!(
                    "{who} : suivi à {} mois à faire depuis le {} (mise en situation chez {} \
                     terminée le {}).",
                    d.months,
                    format_date_fr(d.due_on),
                    organisations
                        .get(&d.contractor_id)
                        .map(String::as_str)
                        .unwrap_or("l'entreprise"),
                    format_date_fr(d.exit_on)
                ),
                who,
                since: d.due_on,
                href: format!("/people/{}#follow-up-{}", d.participant_id, d.placement_id),
            }
        })
        .collect();
    push(&mut out, "follow_up_due", lines, total);

    Ok(out)
}

/// Reads the work list with `read` in one read transaction, then writes the persons it named
/// to the audit log of `user_id` (those not logged for them in the last minutes, `reads`) in
/// a short write transaction of its own. (Computed inside the write transaction, the list
/// held SQLite's only write lock while it was read, and concurrent views queued on it.)
pub fn read_and_log<T>(
    conn: &mut Conn,
    reads: &RecentReads,
    sid: StructureId,
    user_id: UserId,
    read: impl FnOnce(&mut Conn, &mut Vec<i64>) -> AppResult<T>,
) -> AppResult<T> {
    let mut named = Vec::new();
    let value = read_tx(conn, |c| read(c, &mut named))?;
    named.sort_unstable();
    named.dedup();
    let to_log = reads.to_log(user_id, &named, crate::db::now());
    if to_log.is_empty() {
        return Ok(value);
    }
    let logged = write_tx(conn, |c| {
        Ok::<_, AppError>(audit::record_reads(
            c,
            sid,
            Some(user_id),
            "participant",
            &to_log,
            "work list",
        )?)
    });
    if logged.is_err() {
        reads.forget(user_id, &to_log);
    }
    logged?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_agreement_read_as_french() {
        assert_eq!(french_list(&[]), "");
        assert_eq!(french_list(&["de mars 2026".into()]), "de mars 2026");
        assert_eq!(
            french_list(&[
                "de mars 2026".into(),
                "d'avril 2026".into(),
                "de mai 2026".into()
            ]),
            "de mars 2026, d'avril 2026 et de mai 2026"
        );
        assert_eq!(agreed(150, "validée"), "validée");
        assert_eq!(agreed(200, "validée"), "validées");
        assert_eq!(plural(1, "essai", "essais"), "essai");
        assert_eq!(plural(3, "essai", "essais"), "essais");
        assert_eq!(KINDS.len(), 7);
    }
}
