//! The reminder rules (docs/domain.md#reminders), each a small function over
//! plain data that returns the reminders due on a (local) day.
//!
//! Choices shared by every rule:
//! - A rule returns every reminder whose day has come (`due_on <= today`) and that still
//!   applies, not only those due exactly today: a job that did not run for a while catches
//!   up. Nothing here remembers what was sent; the caller's outbox de-duplicates on
//!   [`dedup_key`], so each reminder goes once per recipient and stage. The price is that a
//!   job stopped for weeks sends the missed stages together on its next run; facts are
//!   computed on the day of that run, so what they say (days late, remaining hours) is true.
//! - `today` is the local date of the clause's territory from which sends may go: pass
//!   [`crate::domain::calendar::sendable_through`] to respect the 09:00 send hour.
//! - `obligation` is true for the contractual reporting reminders (periodic hours reports and
//!   the final report: contracts put penalties on late reports), which nobody may opt out of;
//!   the other rules are service information (false: a user may opt out).
//! - "The facilitator" is the clause's referent facilitator when it has one, otherwise the
//!   clause's staff (its facilitators), for the caller to resolve.
//! - `facts` are display values in French for the email template (dates as "10 avril 2026",
//!   hours as "12,50"), plus a few keys (`period_key`) for links.

use chrono::NaiveDate;

use crate::domain::calendar::{add_days, END_WARNING_DAYS, FINAL_REPORT_DAYS};
use crate::domain::next_action::{format_date_fr, format_hours_fr, period_label_fr};
use crate::domain::vocabulary::{ExitOutcome, ReminderRule};

/// Who receives a reminder; the caller turns it into email addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// The reminder contacts of a contractor organisation (its id).
    ContractorContacts(i64),
    /// One facilitator (user id).
    Facilitator(i64),
    /// The staff of a clause (its id): its referent, or its structure's facilitators.
    ClauseStaff(i64),
}

/// One reminder due, before de-duplication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub rule: ReminderRule,
    pub subject_type: &'static str,
    pub subject_id: i64,
    pub period: String,
    pub stage: String,
    pub recipient: Recipient,
    /// The local day from which it may be sent.
    pub due_on: NaiveDate,
    /// False when the recipient may opt out.
    pub obligation: bool,
    /// Values the email template shows.
    pub facts: Vec<(String, String)>,
}

/// The outbox key that makes a reminder go once per recipient and stage:
/// `rule|subject_type:id|period|stage|email`, the email trimmed and lower-cased so that one
/// mailbox written two ways gets one message.
pub fn dedup_key(r: &Reminder, recipient_email: &str) -> String {
    format!(
        "{}|{}:{}|{}|{}|{}",
        r.rule,
        r.subject_type,
        r.subject_id,
        r.period,
        r.stage,
        recipient_email.trim().to_lowercase()
    )
}

/// The clause's referent facilitator, or its staff when it has no referent.
fn facilitator_of(clause_id: i64, referent_id: Option<i64>) -> Recipient {
    match referent_id {
        Some(user_id) => Recipient::Facilitator(user_id),
        None => Recipient::ClauseStaff(clause_id),
    }
}

/// A reminder before its recipient is chosen: the rules that tell several people build one
/// and address a copy to each.
struct Notice {
    rule: ReminderRule,
    subject_type: &'static str,
    subject_id: i64,
    period: String,
    stage: String,
    due_on: NaiveDate,
    obligation: bool,
    facts: Vec<(String, String)>,
}

impl Notice {
    fn with_facts(self, facts: Vec<(String, String)>) -> Notice {
        Notice { facts, ..self }
    }

    fn to(self, recipients: impl IntoIterator<Item = Recipient>) -> Vec<Reminder> {
        recipients
            .into_iter()
            .map(|recipient| Reminder {
                rule: self.rule,
                subject_type: self.subject_type,
                subject_id: self.subject_id,
                period: self.period.clone(),
                stage: self.stage.clone(),
                recipient,
                due_on: self.due_on,
                obligation: self.obligation,
                facts: self.facts.clone(),
            })
            .collect()
    }
}

fn fact(key: &str, value: impl Into<String>) -> (String, String) {
    (key.to_string(), value.into())
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

// ---------------------------------------------------------------------------------------
// Periodic hours reports

/// Days after the due date from which the facilitator is told of a missing report.
pub const REFERENT_ALERT_DAYS: i64 = 21;

/// Contractor stages of a report and their offset from the due date, in days.
const REPORT_STAGES: [(&str, i64); 5] = [
    ("before_3d", -3),
    ("due_day", 0),
    ("late_7d", 7),
    ("late_14d", 14),
    ("late_21d", REFERENT_ALERT_DAYS),
];

/// One reporting period of one assignment (clause × contractor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPeriod {
    pub clause_id: i64,
    /// The clause's referent facilitator, if any.
    pub referent_id: Option<i64>,
    pub assignment_id: i64,
    pub contractor_id: i64,
    /// `YYYY-MM` or `YYYY-Qn`.
    pub period: String,
    pub due_on: NaiveDate,
    /// Whether the contractor reported the period (hours entered for it).
    pub reported: bool,
}

/// Rule `reporting_due` (obligation): the contractor is reminded 3 days before the due date,
/// on the due date, then 7, 14 and 21 days after (stages `before_3d`, `due_day`, `late_7d`,
/// `late_14d`, `late_21d`); at 21 days the facilitator is told too (`late_21d_referent`).
/// Once the period is reported nothing more is due, whatever the stage.
pub fn reporting_due(period: &ReportPeriod, today: NaiveDate) -> Vec<Reminder> {
    if period.reported {
        return Vec::new();
    }
    let contractor = Recipient::ContractorContacts(period.contractor_id);
    let facilitator = facilitator_of(period.clause_id, period.referent_id);
    let mut stages: Vec<(&str, i64, Recipient)> = REPORT_STAGES
        .iter()
        .map(|&(stage, offset)| (stage, offset, contractor))
        .collect();
    stages.push(("late_21d_referent", REFERENT_ALERT_DAYS, facilitator));
    stages
        .into_iter()
        .filter_map(|(stage, offset, recipient)| {
            let day = add_days(period.due_on, offset);
            (day <= today).then(|| report_reminder(period, stage, recipient, day, today))
        })
        .collect()
}

fn report_reminder(
    period: &ReportPeriod,
    stage: &str,
    recipient: Recipient,
    day: NaiveDate,
    today: NaiveDate,
) -> Reminder {
    Reminder {
        rule: ReminderRule::ReportingDue,
        subject_type: "assignment",
        subject_id: period.assignment_id,
        period: period.period.clone(),
        stage: stage.to_string(),
        recipient,
        due_on: day,
        obligation: true,
        facts: vec![
            fact("period_key", period.period.clone()),
            fact("period", period_label_fr(&period.period)),
            fact("due_on", format_date_fr(period.due_on)),
            fact(
                "days_late",
                days_between(period.due_on, today).max(0).to_string(),
            ),
        ],
    }
}

// ---------------------------------------------------------------------------------------
// Clause milestones

/// A clause and who works on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClauseParties {
    pub clause_id: i64,
    pub referent_id: Option<i64>,
    /// Organisations holding an assignment of the clause.
    pub contractor_ids: Vec<i64>,
}

impl ClauseParties {
    fn facilitator(&self) -> Recipient {
        facilitator_of(self.clause_id, self.referent_id)
    }

    fn contractors(&self) -> impl Iterator<Item = Recipient> + '_ {
        self.contractor_ids
            .iter()
            .map(|&id| Recipient::ContractorContacts(id))
    }

    /// A notice about this clause, to be sent to each of its recipients.
    fn notice(
        &self,
        rule: ReminderRule,
        period: &str,
        stage: &str,
        due_on: NaiveDate,
        obligation: bool,
    ) -> Notice {
        Notice {
            rule,
            subject_type: "clause",
            subject_id: self.clause_id,
            period: period.to_string(),
            stage: stage.to_string(),
            due_on,
            obligation,
            facts: Vec::new(),
        }
    }
}

/// Rule `at_risk_mid_term` (optional): from the mid-term day on, while the clause's progress
/// status is `at_risk`, the facilitator and every contractor are told (period `mid`, stage
/// `at_risk`); the outbox makes it go once.
pub fn at_risk_mid_term(
    clause: &ClauseParties,
    progress_status: &str,
    mid_term_day: NaiveDate,
    today: NaiveDate,
) -> Vec<Reminder> {
    if progress_status != "at_risk" || today < mid_term_day {
        return Vec::new();
    }
    let facts = vec![
        fact("status", "at_risk"),
        fact("mid_term_on", format_date_fr(mid_term_day)),
    ];
    let mut recipients = vec![clause.facilitator()];
    recipients.extend(clause.contractors());
    clause
        .notice(
            ReminderRule::AtRiskMidTerm,
            "mid",
            "at_risk",
            mid_term_day,
            false,
        )
        .with_facts(facts)
        .to(recipients)
}

/// Rule `end_approaching` (optional): from 30 days before the end to the end itself, when
/// hours remain to deliver (`remaining_hours` in hundredths), the contractors and the
/// facilitator are told how many (period `end`, stage `before_30d`). After the end the
/// warning no longer applies: the final report takes over.
pub fn end_approaching(
    clause: &ClauseParties,
    remaining_hours: i64,
    end: NaiveDate,
    today: NaiveDate,
) -> Vec<Reminder> {
    let day = add_days(end, -END_WARNING_DAYS);
    if remaining_hours <= 0 || today < day || today > end {
        return Vec::new();
    }
    let facts = vec![
        fact("remaining_hours", format_hours_fr(remaining_hours)),
        fact("ends_on", format_date_fr(end)),
        fact("days_left", days_between(today, end).to_string()),
    ];
    let mut recipients: Vec<Recipient> = clause.contractors().collect();
    recipients.push(clause.facilitator());
    clause
        .notice(
            ReminderRule::EndApproaching,
            "end",
            "before_30d",
            day,
            false,
        )
        .with_facts(facts)
        .to(recipients)
}

/// Rule `final_report_due` (obligation): from 30 days after the end, the contractors are
/// reminded that the final report is due (period `final`, stage `due`). The caller passes
/// only clauses whose final report is not done.
pub fn final_report_due(clause: &ClauseParties, end: NaiveDate, today: NaiveDate) -> Vec<Reminder> {
    let day = add_days(end, FINAL_REPORT_DAYS);
    if today < day {
        return Vec::new();
    }
    let facts = vec![
        fact("ends_on", format_date_fr(end)),
        fact("due_on", format_date_fr(day)),
    ];
    clause
        .notice(ReminderRule::FinalReportDue, "final", "due", day, true)
        .with_facts(facts)
        .to(clause.contractors())
}

// ---------------------------------------------------------------------------------------
// People

/// A placement that has not started yet, with its participant's current eligibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementNotStarted {
    pub participant_id: i64,
    pub placement_id: i64,
    pub clause_id: i64,
    pub referent_id: Option<i64>,
    pub starts_on: NaiveDate,
    /// Last valid day of the latest eligibility validation; None when there is none.
    pub eligibility_valid_until: Option<NaiveDate>,
}

/// Rule `eligibility_expiring` (optional): while a placement has not started and the
/// person's eligibility ends before its start (or there is none), the facilitator is told,
/// from the day this is seen (stage `expiring`). The period is the validity's last day, so a
/// renewal that still falls short is told again.
pub fn eligibility_expiring(p: &PlacementNotStarted, today: NaiveDate) -> Vec<Reminder> {
    let expires_too_soon = p.eligibility_valid_until.is_none_or(|u| u < p.starts_on);
    if today >= p.starts_on || !expires_too_soon {
        return Vec::new();
    }
    let (period, valid_until) = match p.eligibility_valid_until {
        Some(u) => (u.to_string(), format_date_fr(u)),
        None => ("none".to_string(), "aucune éligibilité validée".to_string()),
    };
    vec![Reminder {
        rule: ReminderRule::EligibilityExpiring,
        subject_type: "placement",
        subject_id: p.placement_id,
        period,
        stage: "expiring".to_string(),
        recipient: facilitator_of(p.clause_id, p.referent_id),
        due_on: today,
        obligation: false,
        facts: vec![
            fact("participant_id", p.participant_id.to_string()),
            fact("starts_on", format_date_fr(p.starts_on)),
            fact("valid_until", valid_until),
        ],
    }]
}

/// A placement and its exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementExit {
    pub placement_id: i64,
    pub participant_id: i64,
    pub clause_id: i64,
    pub referent_id: Option<i64>,
    /// None while the placement has no end date.
    pub ends_on: Option<NaiveDate>,
    /// The exit outcome, once recorded.
    pub outcome: Option<ExitOutcome>,
}

/// Rule `exit_missing` (optional): from the day after a placement's end, while it has no
/// exit outcome, the facilitator is told (stage `missing`; the period is the end date, so a
/// corrected end date is told again).
pub fn exit_missing(p: &PlacementExit, today: NaiveDate) -> Vec<Reminder> {
    let Some(ends_on) = p.ends_on else {
        return Vec::new();
    };
    if p.outcome.is_some() || ends_on >= today {
        return Vec::new();
    }
    vec![Reminder {
        rule: ReminderRule::ExitMissing,
        subject_type: "placement",
        subject_id: p.placement_id,
        period: ends_on.to_string(),
        stage: "missing".to_string(),
        recipient: facilitator_of(p.clause_id, p.referent_id),
        due_on: add_days(ends_on, 1),
        obligation: false,
        facts: vec![
            fact("participant_id", p.participant_id.to_string()),
            fact("ended_on", format_date_fr(ends_on)),
        ],
    }]
}

/// How many days after a follow-up became due its reminder may still go out: a follow-up
/// due long before (exits recorded before follow-ups existed, a job that did not run) is on
/// the work list, not in a flood of emails.
pub const FOLLOW_UP_REMINDER_DAYS: i64 = 30;

/// An exited placement and the follow-ups recorded for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementFollowUps {
    pub placement_id: i64,
    pub participant_id: i64,
    pub clause_id: i64,
    pub referent_id: Option<i64>,
    /// None while the placement has no exit.
    pub exit_on: Option<NaiveDate>,
    /// The months asked for (6, and 12 when the structure says so).
    pub months_asked: Vec<i64>,
    /// The months already recorded.
    pub recorded: Vec<i64>,
}

/// Rule `follow_up_due` (optional): once a follow-up after an exit is due (exit + 6 or 12
/// months) and not recorded, the clause's referent facilitator (else the structure's staff)
/// is told once (stage `due`; the period is the months and the exit date, so a corrected
/// exit date is told again), within [`FOLLOW_UP_REMINDER_DAYS`] of the due day.
pub fn follow_up_due(p: &PlacementFollowUps, today: NaiveDate) -> Vec<Reminder> {
    let Some(exit_on) = p.exit_on else {
        return Vec::new();
    };
    p.months_asked
        .iter()
        .filter(|m| !p.recorded.contains(m))
        .filter_map(|&months| {
            let due_on = crate::domain::follow_ups::due_on(exit_on, months);
            let late = days_between(due_on, today);
            (0..=FOLLOW_UP_REMINDER_DAYS)
                .contains(&late)
                .then(|| Reminder {
                    rule: ReminderRule::FollowUpDue,
                    subject_type: "placement",
                    subject_id: p.placement_id,
                    period: format!("{months}m-{exit_on}"),
                    stage: "due".to_string(),
                    recipient: facilitator_of(p.clause_id, p.referent_id),
                    due_on,
                    obligation: false,
                    facts: vec![
                        fact("participant_id", p.participant_id.to_string()),
                        fact("months", months.to_string()),
                        fact("ended_on", format_date_fr(exit_on)),
                        fact("follow_up_due_on", format_date_fr(due_on)),
                    ],
                })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Start of works

/// An assignment of a clause (clause × contractor) and the clause's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentStart {
    pub clause_id: i64,
    pub assignment_id: i64,
    pub contractor_id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Rule `obligations_summary` (optional): from the clause's start (the ordre de service) and
/// until its end, each contractor with an assignment is sent a summary of its obligations
/// once (period `start`, stage `summary`). An assignment added later gets its own summary.
pub fn obligations_summary(a: &AssignmentStart, today: NaiveDate) -> Vec<Reminder> {
    if today < a.starts_on || today > a.ends_on {
        return Vec::new();
    }
    vec![Reminder {
        rule: ReminderRule::ObligationsSummary,
        subject_type: "assignment",
        subject_id: a.assignment_id,
        period: "start".to_string(),
        stage: "summary".to_string(),
        recipient: Recipient::ContractorContacts(a.contractor_id),
        due_on: a.starts_on,
        obligation: false,
        facts: vec![
            fact("starts_on", format_date_fr(a.starts_on)),
            fact("ends_on", format_date_fr(a.ends_on)),
        ],
    }]
}

// ---------------------------------------------------------------------------------------
// Delivery

/// First delay before a failed email is tried again, in minutes.
pub const RETRY_BASE_MINUTES: i64 = 5;
/// Longest delay between two attempts, in minutes.
pub const RETRY_MAX_MINUTES: i64 = 12 * 60;

/// Delay before the next attempt after `attempts` failed ones (1 or more): 5 minutes, then
/// doubling (10, 20, 40…), at most 12 hours. With the default 8 attempts, an email is given
/// up about 10 h 35 min after its first failure.
pub fn retry_delay_minutes(attempts: i32) -> i64 {
    let doublings = (attempts.max(1) - 1).min(20) as u32;
    (RETRY_BASE_MINUTES << doublings).min(RETRY_MAX_MINUTES)
}

/// Whether an email that just failed its `attempts`-th attempt is given up.
pub fn give_up(attempts: i32, max_attempts: i32, permanent: bool) -> bool {
    permanent || attempts >= max_attempts.max(1)
}

// ---------------------------------------------------------------------------------------
// Catching up

/// Keeps, for each rule, subject, period and recipient, only the latest stage due: when a
/// job did not run for a while, a contractor gets the late-by-14-days reminder once, not the
/// 3-days-before, due-day, 7 and 14 days late ones together. A stage once superseded stays
/// superseded (the rules return every stage whose day has come), so the earlier stages are
/// never sent later either. Order of first appearance is kept.
pub fn latest_stages(reminders: Vec<Reminder>) -> Vec<Reminder> {
    let mut out: Vec<Reminder> = Vec::new();
    for r in reminders {
        let same = out.iter_mut().find(|o| {
            o.rule == r.rule
                && o.subject_type == r.subject_type
                && o.subject_id == r.subject_id
                && o.period == r.period
                && o.recipient == r.recipient
        });
        match same {
            Some(o) if r.due_on >= o.due_on => *o = r,
            Some(_) => {}
            None => out.push(r),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Digests

/// The most emails one recipient gets from one run of the job: with more new reminders than
/// this, the recipient gets them all in one digest instead.
pub const MOST_EMAILS_PER_RUN: usize = 3;

/// How a run sends the new reminders of one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sending<T> {
    /// One email for this reminder.
    Alone(T),
    /// One email, the digest, for all these reminders (in the order they came).
    Digest(Vec<T>),
}

/// Groups the new reminders of a run by recipient (`recipient_of` gives a key: the email,
/// lower-cased, of a structure): a recipient with at most `most` reminders gets each alone,
/// one with more gets one digest of them all. So nobody gets more than `most` emails from
/// one run, and 40 late clauses make one email, not 40. Recipients keep the order of their
/// first reminder, and each recipient's reminders their order.
pub fn plan_sending<T, K: PartialEq>(
    reminders: Vec<T>,
    most: usize,
    recipient_of: impl Fn(&T) -> K,
) -> Vec<Sending<T>> {
    let mut groups: Vec<(K, Vec<T>)> = Vec::new();
    for r in reminders {
        let key = recipient_of(&r);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, group)) => group.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    let mut out = Vec::new();
    for (_, group) in groups {
        if group.len() > most {
            out.push(Sending::Digest(group));
        } else {
            out.extend(group.into_iter().map(Sending::Alone));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Referrals

/// A candidate proposed to a contractor for a recruitment need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub id: i64,
    pub need_id: i64,
    pub contractor_id: i64,
    /// The clause of the need's assignment, and its referent.
    pub clause_id: i64,
    pub referent_id: Option<i64>,
    pub proposed_on: NaiveDate,
    pub answered: bool,
}

/// Rule `referral_waiting` (optional): a proposal unanswered for more than `wait_days` days
/// gets the contractor's contacts reminded and the facilitator told (stage
/// `waiting_<wait_days>d`, period the proposal date). Calling it with several waits (7, 14)
/// gives several stages.
pub fn referral_waiting(r: &Referral, wait_days: u32, today: NaiveDate) -> Vec<Reminder> {
    let day = add_days(r.proposed_on, i64::from(wait_days) + 1);
    if r.answered || today < day {
        return Vec::new();
    }
    let facts = vec![
        fact("need_id", r.need_id.to_string()),
        fact("proposed_on", format_date_fr(r.proposed_on)),
        fact(
            "days_waiting",
            days_between(r.proposed_on, today).to_string(),
        ),
    ];
    let notice = Notice {
        rule: ReminderRule::ReferralWaiting,
        subject_type: "referral",
        subject_id: r.id,
        period: r.proposed_on.to_string(),
        stage: format!("waiting_{wait_days}d"),
        due_on: day,
        obligation: false,
        facts,
    };
    notice.to([
        Recipient::ContractorContacts(r.contractor_id),
        facilitator_of(r.clause_id, r.referent_id),
    ])
}

// ---------------------------------------------------------------------------------------
// Rejected figures

/// How far back the job looks for rejections to tell: a job stopped for a few days still
/// tells each one; a rejection older than this is no longer news and is not told.
pub const REJECTION_NOTICE_DAYS: i64 = 14;

/// A monthly figure a facilitator rejected: one line of the entry's history, so that a
/// figure rejected, corrected, submitted and rejected again is two rejections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The history line of the rejection.
    pub change_id: i64,
    pub contractor_id: i64,
    /// `YYYY-MM`.
    pub month: String,
    /// The figures rejected, in hundredths.
    pub work: i64,
    pub training: i64,
    pub reason: String,
    pub rejected_on: NaiveDate,
}

/// The figures of a report in words: "35 h de travail", "35,50 h de travail et 7 h de
/// formation".
pub fn figure_fr(work: i64, training: i64) -> String {
    let work = format!("{} h de travail", format_hours_fr(work));
    match training {
        0 => work,
        t => format!("{work} et {} h de formation", format_hours_fr(t)),
    }
}

/// Rule `hours_rejected` (obligation: a rejected figure counts for nothing until it is
/// corrected): each rejection is told to the contractor's contacts once (subject the
/// history line, `hour_entry_change` and its id; period the month; stage `rejected`), from
/// the day it was made and for [`REJECTION_NOTICE_DAYS`] days.
pub fn hours_rejected(r: &Rejection, today: NaiveDate) -> Option<Reminder> {
    if today < r.rejected_on || add_days(r.rejected_on, REJECTION_NOTICE_DAYS) < today {
        return None;
    }
    Some(Reminder {
        rule: ReminderRule::HoursRejected,
        subject_type: "hour_entry_change",
        subject_id: r.change_id,
        period: r.month.clone(),
        stage: "rejected".to_string(),
        recipient: Recipient::ContractorContacts(r.contractor_id),
        due_on: r.rejected_on,
        obligation: true,
        facts: vec![
            fact("period_key", r.month.clone()),
            fact("period", period_label_fr(&r.month)),
            fact("figure", figure_fr(r.work, r.training)),
            fact("reason", r.reason.clone()),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn stages(rs: &[Reminder]) -> Vec<(&str, Recipient)> {
        rs.iter().map(|r| (r.stage.as_str(), r.recipient)).collect()
    }

    /// What a reminder is about: rule, subject type and id, period, due date, obligation.
    fn identity(r: &Reminder) -> (&str, &str, i64, &str, NaiveDate, bool) {
        let Reminder {
            rule,
            subject_type,
            subject_id,
            period,
            due_on,
            obligation,
            ..
        } = r;
        (
            rule.as_str(),
            subject_type,
            *subject_id,
            period,
            *due_on,
            *obligation,
        )
    }

    fn fact_of<'a>(r: &'a Reminder, key: &str) -> &'a str {
        r.facts
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no fact {key}"))
    }

    /// March 2026 of assignment 5 (contractor 7, clause 3, referent 11), due 10 April.
    fn march(reported: bool, referent_id: Option<i64>) -> ReportPeriod {
        ReportPeriod {
            clause_id: 3,
            referent_id,
            assignment_id: 5,
            contractor_id: 7,
            period: "2026-03".to_string(),
            due_on: d(2026, 4, 10),
            reported,
        }
    }

    const CONTRACTOR: Recipient = Recipient::ContractorContacts(7);
    const REFERENT: Recipient = Recipient::Facilitator(11);

    #[test]
    fn report_stages_day_by_day() {
        let p = march(false, Some(11));
        assert!(reporting_due(&p, d(2026, 4, 6)).is_empty());
        assert_eq!(
            stages(&reporting_due(&p, d(2026, 4, 7))),
            vec![("before_3d", CONTRACTOR)]
        );
        assert_eq!(
            stages(&reporting_due(&p, d(2026, 4, 10))),
            vec![("before_3d", CONTRACTOR), ("due_day", CONTRACTOR)]
        );
        assert_eq!(reporting_due(&p, d(2026, 4, 16)).len(), 2);
        assert_eq!(
            reporting_due(&p, d(2026, 4, 17))
                .last()
                .map(|r| r.stage.as_str()),
            Some("late_7d")
        );
        assert_eq!(
            reporting_due(&p, d(2026, 4, 24))
                .last()
                .map(|r| r.stage.as_str()),
            Some("late_14d")
        );
        assert_eq!(reporting_due(&p, d(2026, 4, 30)).len(), 4);
        assert_eq!(
            stages(&reporting_due(&p, d(2026, 5, 1))),
            vec![
                ("before_3d", CONTRACTOR),
                ("due_day", CONTRACTOR),
                ("late_7d", CONTRACTOR),
                ("late_14d", CONTRACTOR),
                ("late_21d", CONTRACTOR),
                ("late_21d_referent", REFERENT),
            ]
        );
        // Nothing beyond 21 days.
        assert_eq!(reporting_due(&p, d(2026, 9, 1)).len(), 6);
    }

    #[test]
    fn report_reminders_carry_rule_subject_period_and_french_facts() {
        let rs = reporting_due(&march(false, Some(11)), d(2026, 5, 1));
        let late = &rs[4];
        assert_eq!(late.rule, ReminderRule::ReportingDue);
        assert_eq!((late.subject_type, late.subject_id), ("assignment", 5));
        assert_eq!(late.period, "2026-03");
        assert_eq!(late.due_on, d(2026, 5, 1));
        assert!(rs.iter().all(|r| r.obligation));
        assert_eq!(rs[0].due_on, d(2026, 4, 7));
        assert_eq!(fact_of(late, "period"), "mars 2026");
        assert_eq!(fact_of(late, "period_key"), "2026-03");
        assert_eq!(fact_of(late, "due_on"), "10 avril 2026");
        assert_eq!(fact_of(late, "days_late"), "21");
        // Before the due date nobody is late.
        let early = &reporting_due(&march(false, None), d(2026, 4, 8))[0];
        assert_eq!(fact_of(early, "days_late"), "0");
    }

    #[test]
    fn reported_periods_get_nothing() {
        for day in [
            d(2026, 4, 7),
            d(2026, 4, 10),
            d(2026, 4, 20),
            d(2026, 5, 30),
        ] {
            assert!(
                reporting_due(&march(true, Some(11)), day).is_empty(),
                "{day}"
            );
        }
    }

    #[test]
    fn no_referent_means_the_clause_staff() {
        let rs = reporting_due(&march(false, None), d(2026, 5, 1));
        assert_eq!(
            rs.last().map(|r| r.recipient),
            Some(Recipient::ClauseStaff(3))
        );
    }

    #[test]
    fn quarterly_reminders_name_the_quarter_in_french() {
        let mut p = march(false, None);
        p.period = "2026-Q1".to_string();
        let rs = reporting_due(&p, d(2026, 4, 10));
        assert_eq!(fact_of(&rs[0], "period"), "1er trimestre 2026");
    }

    #[test]
    fn each_stage_and_recipient_has_its_own_dedup_key() {
        let rs = reporting_due(&march(false, Some(11)), d(2026, 5, 1));
        assert_eq!(
            dedup_key(&rs[2], " Paie@Batiment-Durable.fr "),
            "reporting_due|assignment:5|2026-03|late_7d|paie@batiment-durable.fr"
        );
        // Every stage has its own key, so each goes once.
        let keys: std::collections::HashSet<_> =
            rs.iter().map(|r| dedup_key(r, "a@b.fr")).collect();
        assert_eq!(keys.len(), rs.len());
    }

    fn clause() -> ClauseParties {
        ClauseParties {
            clause_id: 3,
            referent_id: Some(11),
            contractor_ids: vec![7, 8],
        }
    }

    #[test]
    fn at_risk_at_mid_term() {
        let mid = d(2026, 4, 8);
        assert!(at_risk_mid_term(&clause(), "at_risk", mid, d(2026, 4, 7)).is_empty());
        assert!(at_risk_mid_term(&clause(), "on_track", mid, d(2026, 4, 8)).is_empty());
        assert!(at_risk_mid_term(&clause(), "completed", mid, d(2026, 5, 8)).is_empty());
        let rs = at_risk_mid_term(&clause(), "at_risk", mid, d(2026, 4, 8));
        assert_eq!(
            stages(&rs),
            vec![
                ("at_risk", REFERENT),
                ("at_risk", Recipient::ContractorContacts(7)),
                ("at_risk", Recipient::ContractorContacts(8)),
            ]
        );
        assert!(rs.iter().all(|r| r.period == "mid" && !r.obligation));
        assert!(rs
            .iter()
            .all(|r| r.subject_type == "clause" && r.subject_id == 3));
        assert_eq!(rs[0].due_on, mid);
        assert_eq!(fact_of(&rs[0], "mid_term_on"), "8 avril 2026");
        // Later, the same keys: the outbox sends it once.
        let later = at_risk_mid_term(&clause(), "at_risk", mid, d(2026, 5, 20));
        assert_eq!(dedup_key(&later[1], "x@y.fr"), dedup_key(&rs[1], "x@y.fr"));
    }

    #[test]
    fn end_approaching_with_remaining_hours() {
        let end = d(2026, 6, 30);
        assert!(end_approaching(&clause(), 25_050, end, d(2026, 5, 30)).is_empty());
        assert!(end_approaching(&clause(), 0, end, d(2026, 5, 31)).is_empty());
        assert!(end_approaching(&clause(), -100, end, d(2026, 6, 1)).is_empty());
        assert!(end_approaching(&clause(), 25_050, end, d(2026, 7, 1)).is_empty());
        let rs = end_approaching(&clause(), 25_050, end, d(2026, 5, 31));
        assert_eq!(
            stages(&rs),
            vec![
                ("before_30d", Recipient::ContractorContacts(7)),
                ("before_30d", Recipient::ContractorContacts(8)),
                ("before_30d", REFERENT),
            ]
        );
        assert_eq!(rs[0].due_on, d(2026, 5, 31));
        assert_eq!(
            (rs[0].rule.as_str(), rs[0].period.as_str()),
            ("end_approaching", "end")
        );
        assert!(!rs[0].obligation);
        assert_eq!(fact_of(&rs[0], "remaining_hours"), "250,50");
        assert_eq!(fact_of(&rs[0], "ends_on"), "30 juin 2026");
        assert_eq!(fact_of(&rs[0], "days_left"), "30");
        // A run on the last day still warns.
        assert_eq!(end_approaching(&clause(), 1, end, end).len(), 3);
    }

    #[test]
    fn final_report_after_30_days() {
        let end = d(2026, 6, 30);
        assert!(final_report_due(&clause(), end, d(2026, 7, 29)).is_empty());
        let rs = final_report_due(&clause(), end, d(2026, 7, 30));
        assert_eq!(
            stages(&rs),
            vec![
                ("due", Recipient::ContractorContacts(7)),
                ("due", Recipient::ContractorContacts(8)),
            ]
        );
        assert!(rs.iter().all(|r| r.obligation && r.period == "final"));
        assert_eq!(rs[0].due_on, d(2026, 7, 30));
        assert_eq!(fact_of(&rs[0], "due_on"), "30 juillet 2026");
        assert_eq!(final_report_due(&clause(), end, d(2026, 9, 1)).len(), 2);
    }

    fn not_started(valid_until: Option<NaiveDate>) -> PlacementNotStarted {
        PlacementNotStarted {
            participant_id: 42,
            placement_id: 9,
            clause_id: 3,
            referent_id: Some(11),
            starts_on: d(2026, 5, 4),
            eligibility_valid_until: valid_until,
        }
    }

    #[test]
    fn eligibility_expiring_before_start() {
        let today = d(2026, 4, 20);
        // Valid on the start day, or later: nothing.
        assert!(eligibility_expiring(&not_started(Some(d(2026, 5, 4))), today).is_empty());
        assert!(eligibility_expiring(&not_started(Some(d(2026, 10, 1))), today).is_empty());
        // Ends the day before the start: the facilitator is told, from today.
        let rs = eligibility_expiring(&not_started(Some(d(2026, 5, 3))), today);
        assert_eq!(stages(&rs), vec![("expiring", REFERENT)]);
        let r = &rs[0];
        assert_eq!(
            identity(r),
            (
                "eligibility_expiring",
                "placement",
                9,
                "2026-05-03",
                today,
                false
            )
        );
        assert_eq!(fact_of(r, "valid_until"), "3 mai 2026");
        assert_eq!(fact_of(r, "starts_on"), "4 mai 2026");
        // No eligibility at all is told too.
        let rs = eligibility_expiring(&not_started(None), today);
        assert_eq!(rs[0].period, "none");
        // Once the placement has started, this rule no longer applies.
        assert!(eligibility_expiring(&not_started(Some(d(2026, 5, 3))), d(2026, 5, 4)).is_empty());
    }

    fn ended(ends_on: Option<NaiveDate>, outcome: Option<&str>) -> PlacementExit {
        PlacementExit {
            placement_id: 9,
            participant_id: 42,
            clause_id: 3,
            referent_id: None,
            ends_on,
            outcome: outcome.map(|o| o.parse().expect("an exit outcome")),
        }
    }

    #[test]
    fn a_follow_up_is_told_once_due_and_not_after_it_is_recorded() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let p = PlacementFollowUps {
            placement_id: 7,
            participant_id: 3,
            clause_id: 1,
            referent_id: Some(9),
            exit_on: Some(d(2026, 1, 15)),
            months_asked: vec![6, 12],
            recorded: vec![],
        };
        assert!(follow_up_due(&p, d(2026, 7, 14)).is_empty());
        let r = follow_up_due(&p, d(2026, 7, 15));
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].rule, ReminderRule::FollowUpDue);
        assert_eq!(r[0].recipient, Recipient::Facilitator(9));
        assert_eq!(
            (r[0].period.as_str(), r[0].stage.as_str()),
            ("6m-2026-01-15", "due")
        );
        assert_eq!(follow_up_due(&p, d(2026, 8, 14)).len(), 1);
        assert!(follow_up_due(&p, d(2026, 8, 15)).is_empty());
        let recorded = PlacementFollowUps {
            recorded: vec![6],
            ..p.clone()
        };
        assert!(follow_up_due(&recorded, d(2026, 7, 20)).is_empty());
        assert_eq!(
            follow_up_due(&recorded, d(2027, 1, 15))[0].period,
            "12m-2026-01-15"
        );
        let no_exit = PlacementFollowUps { exit_on: None, ..p };
        assert!(follow_up_due(&no_exit, d(2026, 7, 20)).is_empty());
    }

    #[test]
    fn missing_exit_outcome_is_told_from_the_day_after_the_end() {
        let end = d(2026, 3, 31);
        assert!(exit_missing(&ended(Some(end), None), end).is_empty());
        assert!(exit_missing(&ended(None, None), d(2026, 12, 1)).is_empty());
        assert!(
            exit_missing(&ended(Some(end), Some("durable_employment")), d(2026, 4, 1)).is_empty()
        );
        let rs = exit_missing(&ended(Some(end), None), d(2026, 4, 1));
        assert_eq!(stages(&rs), vec![("missing", Recipient::ClauseStaff(3))]);
        let r = &rs[0];
        assert_eq!(
            identity(r),
            (
                "exit_missing",
                "placement",
                9,
                "2026-03-31",
                d(2026, 4, 1),
                false
            )
        );
        assert_eq!(fact_of(r, "ended_on"), "31 mars 2026");
    }

    fn referral(answered: bool) -> Referral {
        Referral {
            id: 21,
            need_id: 4,
            contractor_id: 7,
            clause_id: 3,
            referent_id: Some(11),
            proposed_on: d(2026, 3, 2),
            answered,
        }
    }

    #[test]
    fn referral_waiting_more_than_the_wait() {
        // Proposed 2 March, 7 days' wait: 9 March is 7 days, 10 March is more.
        assert!(referral_waiting(&referral(false), 7, d(2026, 3, 9)).is_empty());
        let rs = referral_waiting(&referral(false), 7, d(2026, 3, 10));
        assert_eq!(
            stages(&rs),
            vec![("waiting_7d", CONTRACTOR), ("waiting_7d", REFERENT)]
        );
        let r = &rs[0];
        assert_eq!(
            identity(r),
            (
                "referral_waiting",
                "referral",
                21,
                "2026-03-02",
                d(2026, 3, 10),
                false
            )
        );
        assert_eq!(fact_of(r, "days_waiting"), "8");
        assert_eq!(fact_of(r, "proposed_on"), "2 mars 2026");
        assert!(referral_waiting(&referral(true), 7, d(2026, 3, 20)).is_empty());
        // Another wait is another stage.
        let rs = referral_waiting(&referral(false), 14, d(2026, 3, 20));
        assert_eq!(rs[0].stage, "waiting_14d");
        assert!(referral_waiting(&referral(false), 14, d(2026, 3, 16)).is_empty());
    }

    #[test]
    fn obligations_summary_from_the_start() {
        let a = AssignmentStart {
            clause_id: 3,
            assignment_id: 5,
            contractor_id: 7,
            starts_on: d(2026, 3, 2),
            ends_on: d(2026, 12, 31),
        };
        assert!(obligations_summary(&a, d(2026, 3, 1)).is_empty());
        let rs = obligations_summary(&a, d(2026, 3, 2));
        assert_eq!(stages(&rs), vec![("summary", CONTRACTOR)]);
        assert_eq!(
            (rs[0].rule.as_str(), rs[0].subject_type, rs[0].subject_id),
            ("obligations_summary", "assignment", 5)
        );
        assert!(!rs[0].obligation);
        assert_eq!(fact_of(&rs[0], "starts_on"), "2 mars 2026");
        // Activated late: still sent once while the clause runs; never after its end.
        assert_eq!(obligations_summary(&a, d(2026, 9, 1)).len(), 1);
        assert!(obligations_summary(&a, d(2027, 1, 1)).is_empty());
    }

    #[test]
    fn catching_up_keeps_the_latest_stage() {
        // A job that last ran before 7 April and runs again on 25 April.
        let rs = reporting_due(&march(false, Some(11)), d(2026, 4, 25));
        assert_eq!(rs.len(), 4);
        let kept = latest_stages(rs);
        assert_eq!(stages(&kept), vec![("late_14d", CONTRACTOR)]);
        // On 1 May the contractor's late_21d and the referent's alert are both kept.
        let kept = latest_stages(reporting_due(&march(false, Some(11)), d(2026, 5, 1)));
        assert_eq!(
            stages(&kept),
            vec![("late_21d", CONTRACTOR), ("late_21d_referent", REFERENT)]
        );
        // Different periods or subjects are independent.
        let mut april = march(false, Some(11));
        april.period = "2026-04".to_string();
        april.due_on = d(2026, 5, 10);
        let mut all = reporting_due(&march(false, Some(11)), d(2026, 5, 10));
        all.extend(reporting_due(&april, d(2026, 5, 10)));
        let kept = latest_stages(all);
        let summary: Vec<_> = kept
            .iter()
            .map(|r| (r.period.as_str(), r.stage.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("2026-03", "late_21d"),
                ("2026-03", "late_21d_referent"),
                ("2026-04", "due_day")
            ]
        );
    }

    #[test]
    fn a_recipient_with_more_than_three_reminders_gets_one_digest() {
        // 40 late clauses for one facilitator, 2 reminders for a contractor, 3 for another.
        let mut reminders: Vec<(&str, i64)> = (1..=40).map(|i| ("fac@x.fr", i)).collect();
        reminders.insert(1, ("a@x.fr", 101));
        reminders.push(("a@x.fr", 102));
        reminders.extend([("b@x.fr", 201), ("b@x.fr", 202), ("b@x.fr", 203)]);
        let plan = plan_sending(reminders, MOST_EMAILS_PER_RUN, |r| r.0);
        assert_eq!(plan.len(), 1 + 2 + 3);
        match &plan[0] {
            Sending::Digest(all) => {
                assert_eq!(all.len(), 40);
                assert_eq!(all[0].1, 1);
                assert_eq!(all[39].1, 40);
            }
            other => panic!("a digest first, not {other:?}"),
        }
        assert_eq!(plan[1], Sending::Alone(("a@x.fr", 101)));
        assert_eq!(plan[2], Sending::Alone(("a@x.fr", 102)));
        assert_eq!(plan[5], Sending::Alone(("b@x.fr", 203)));
        // Four for one recipient: one digest of four.
        let plan = plan_sending(vec![1, 2, 3, 4], 3, |_| "same");
        assert_eq!(plan, vec![Sending::Digest(vec![1, 2, 3, 4])]);
        assert!(plan_sending(Vec::<i32>::new(), 3, |_| 0).is_empty());
    }

    #[test]
    fn retries_double_from_5_minutes_to_12_hours_then_give_up() {
        let delays: Vec<i64> = (1..=9).map(retry_delay_minutes).collect();
        assert_eq!(delays, vec![5, 10, 20, 40, 80, 160, 320, 640, 720]);
        assert_eq!(retry_delay_minutes(0), 5);
        assert_eq!(retry_delay_minutes(1000), 720);
        // Attempts 1 to 7 wait 635 minutes in all before the 8th and last.
        assert_eq!((1..8).map(retry_delay_minutes).sum::<i64>(), 635);
        assert!(!give_up(7, 8, false));
        assert!(give_up(8, 8, false));
        assert!(give_up(1, 8, true));
        assert!(give_up(1, 0, false));
    }

    #[test]
    fn each_rejection_is_told_once_to_the_contractor_within_its_window() {
        let r = Rejection {
            change_id: 40,
            contractor_id: 7,
            month: "2026-03".into(),
            work: 3550,
            training: 700,
            reason: "Heures au-delà du contrat".into(),
            rejected_on: d(2026, 4, 12),
        };
        assert_eq!(hours_rejected(&r, d(2026, 4, 11)), None);
        let told = hours_rejected(&r, d(2026, 4, 12)).expect("told on the day");
        assert_eq!(told.rule, ReminderRule::HoursRejected);
        assert_eq!(told.recipient, CONTRACTOR);
        assert!(told.obligation);
        assert_eq!(
            dedup_key(&told, " Paie@BD.test"),
            "hours_rejected|hour_entry_change:40|2026-03|rejected|paie@bd.test"
        );
        assert_eq!(fact_of(&told, "period"), "mars 2026");
        assert_eq!(
            fact_of(&told, "figure"),
            "35,50 h de travail et 7 h de formation"
        );
        assert_eq!(fact_of(&told, "reason"), "Heures au-delà du contrat");
        // Rejected again later: another history line, another reminder.
        let again = Rejection {
            change_id: 41,
            ..r.clone()
        };
        let again = hours_rejected(&again, d(2026, 4, 20)).expect("told");
        assert_ne!(
            dedup_key(&again, "paie@bd.test"),
            dedup_key(&told, "paie@bd.test")
        );
        assert!(hours_rejected(&r, d(2026, 4, 26)).is_some());
        assert_eq!(hours_rejected(&r, d(2026, 4, 27)), None);
        assert_eq!(figure_fr(3500, 0), "35 h de travail");
    }
}
