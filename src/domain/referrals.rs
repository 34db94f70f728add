//! Recruitment needs and referrals (propositions de candidats): the states of a proposal, the
//! answers a contractor may give, when a need is filled, what the facilitator's work list
//! shows, and the referral figures of the year. Matching itself is in
//! [`crate::domain::matching`].

use crate::domain::vocabulary::NeedStatus;
use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};

use crate::domain::calendar::add_days;
use crate::domain::catalogue::{is_code, CodeList};
use crate::domain::report::rate_tenths;
use crate::domain::rule::Violation;

/// Why a contractor declines a proposed person. `other` needs a comment.
pub const DECLINE_REASONS: &CodeList = &[
    ("profile_mismatch", "Profil ne correspondant pas au poste"),
    ("no_show", "Candidat absent à l'entretien"),
    ("candidate_declined", "Le candidat a renoncé"),
    ("post_filled", "Poste déjà pourvu"),
    ("other", "Autre motif (précisé en commentaire)"),
];

/// Most posts one need may ask for.
pub const MAX_POSTS: i64 = 500;
/// Longest planned duration of a need, in months.
pub const MAX_DURATION_MONTHS: i64 = 120;

crate::domain::vocabulary::vocabulary! {
    /// The life of a proposal: `proposed` by the facilitator, then the contractor's answers
    /// `interview` (planned), `hired` or `declined`. The last two are final.
    pub enum State ("referral state") {
        Proposed = "proposed",
        Interview = "interview",
        Hired = "hired",
        Declined = "declined",
    }
}

impl State {
    /// Hired and declined proposals take no further answer.
    pub fn is_final(self) -> bool {
        matches!(self, State::Hired | State::Declined)
    }

    /// Proposed or interview: the contractor still owes its final answer.
    pub fn is_pending(self) -> bool {
        !self.is_final()
    }
}

/// A contractor's answer, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Interview {
        comment: Option<String>,
    },
    Hired {
        comment: Option<String>,
    },
    Declined {
        reason: String,
        comment: Option<String>,
    },
}

impl Answer {
    pub fn state(&self) -> State {
        match self {
            Answer::Interview { .. } => State::Interview,
            Answer::Hired { .. } => State::Hired,
            Answer::Declined { .. } => State::Declined,
        }
    }
    pub fn reason(&self) -> Option<&str> {
        match self {
            Answer::Declined { reason, .. } => Some(reason),
            _ => None,
        }
    }
    pub fn comment(&self) -> Option<&str> {
        match self {
            Answer::Interview { comment }
            | Answer::Hired { comment }
            | Answer::Declined { comment, .. } => comment.as_deref(),
        }
    }
}

/// Checks the body of an answer: `state` is `interview`, `hired` or `declined`; a decline
/// needs a reason from [`DECLINE_REASONS`], and `other` a comment; a reason goes only with a
/// decline, placement overrides only with a hire. Blank comments count as none.
pub fn check_answer(
    state: &str,
    reason: Option<&str>,
    comment: Option<&str>,
    has_placement_overrides: bool,
) -> Result<Answer, Vec<Violation>> {
    let mut errors = Vec::new();
    let comment = comment
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let target = match State::parse(state) {
        Some(s) if s != State::Proposed => Some(s),
        _ => {
            errors.push(Violation::new("state", "answer_state_unknown"));
            None
        }
    };
    if target == Some(State::Declined) {
        match reason {
            None => errors.push(Violation::new("reason", "decline_reason_required").with(
                "codes",
                crate::domain::catalogue::codes(DECLINE_REASONS).join(", "),
            )),
            Some(r) if !is_code(DECLINE_REASONS, r) => {
                errors.push(Violation::new("reason", "decline_reason_unknown").with(
                    "codes",
                    crate::domain::catalogue::codes(DECLINE_REASONS).join(", "),
                ))
            }
            Some("other") if comment.is_none() => {
                errors.push(Violation::new("comment", "decline_comment_required"))
            }
            Some(_) => {}
        }
    } else if target.is_some() && reason.is_some() {
        errors.push(Violation::new("reason", "reason_only_with_declined"));
    }
    if has_placement_overrides && target.is_some() && target != Some(State::Hired) {
        errors.push(Violation::new("placement", "placement_only_with_hired"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(match target {
        Some(State::Interview) => Answer::Interview { comment },
        Some(State::Hired) => Answer::Hired { comment },
        _ => Answer::Declined {
            reason: reason.unwrap_or("other").to_string(),
            comment,
        },
    })
}

/// Whether a proposal in state `from` may take the answer `to`: from `proposed` any answer,
/// from `interview` a hire or a decline; nothing after a final state. The error is the
/// rule of the 409.
pub fn check_transition(from: State, to: State) -> Result<(), Violation> {
    match (from, to) {
        (State::Proposed, State::Interview | State::Hired | State::Declined)
        | (State::Interview, State::Hired | State::Declined) => Ok(()),
        (f, _) if f.is_final() => {
            Err(Violation::new("state", "referral_already_final").with("state", f.as_str()))
        }
        (f, t) => Err(Violation::new("state", "referral_transition_refused")
            .with("from", f.as_str())
            .with("to", t.as_str())),
    }
}

/// Code of the refusal of an employer named by a contractor other than itself.
pub const EMPLOYER_NOT_OWN: &str = "employer_not_own";

/// A contractor (of a need, or answering a proposal with a hire) names only itself as
/// employer: naming another organisation of the structure would open that organisation's
/// access to the person and its hours. Any other employer (an ETTI, an AI, a GEIQ…) is
/// chosen by the facilitator.
pub fn check_own_employer(contractor: i64, employer: i64) -> Result<(), Violation> {
    if employer == contractor {
        return Ok(());
    }
    Err(Violation::new("employer_id", EMPLOYER_NOT_OWN))
}

/// Status of a need that is neither closed nor cancelled: `open` while hires are below the
/// posts, then `filled`.
pub fn need_status(posts: i64, hires: i64) -> &'static str {
    NeedStatus::after_hires(posts, hires).as_str()
}

/// An open need lacks proposals while the people still in the running (proposed or
/// interview) are fewer than the posts left to fill.
pub fn short_of_proposals(posts: i64, hires: i64, pending: i64) -> bool {
    let left = posts - hires;
    left > 0 && pending < left
}

/// A proposal whose last change was on `since` has waited more than `wait_days` days on
/// `today`: from `since + wait_days + 1` (the day the `referral_waiting` reminder comes).
pub fn is_waiting(since: NaiveDate, wait_days: u32, today: NaiveDate) -> bool {
    today >= add_days(since, i64::from(wait_days) + 1)
}

/// Days from `since` to `today` (0 the same day).
pub fn days_since(since: NaiveDate, today: NaiveDate) -> i64 {
    (today - since).num_days()
}

/// The planned end of a placement made from a need: start + duration in months − 1 day
/// (a 6-month need from 4 May ends on 3 November); None without a duration.
pub fn planned_end(starts_on: NaiveDate, duration_months: Option<i32>) -> Option<NaiveDate> {
    let months = u32::try_from(duration_months?).ok()?;
    starts_on
        .checked_add_months(Months::new(months))
        .and_then(|d| d.pred_opt())
}

/// An INSEE commune code: five characters, digits, or `2A`/`2B` followed by three digits
/// for Corsica.
pub fn is_commune_code(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 5 {
        return false;
    }
    let head_ok = b[..2].iter().all(u8::is_ascii_digit) || matches!(&code[..2], "2A" | "2B");
    head_ok && b[2..].iter().all(u8::is_ascii_digit)
}

/// The département of a commune code: its first two characters, three overseas (`97x`).
pub fn departement_of_commune(code: &str) -> Option<String> {
    if !is_commune_code(code) {
        return None;
    }
    Some(if code.starts_with("97") {
        code[..3].to_string()
    } else {
        code[..2].to_string()
    })
}

/// A licence code as the API writes them (`B`, `C`, `CACES_R482`): 1 to 32 capital letters,
/// digits or underscores.
pub fn is_licence_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

// ---------------------------------------------------------------------------------------
// Figures of the year

/// What the figures need of a need created in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedFact {
    pub contractor_id: i64,
    pub rome_code: Option<String>,
    pub job_title: String,
    pub posts: i64,
}

/// What the figures need of a proposal made in the period (with its need's facts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralFact {
    pub contractor_id: i64,
    pub rome_code: Option<String>,
    pub job_title: String,
    pub state: State,
    pub reason: Option<String>,
}

/// Counts of one group (all, a contractor, a job).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub needs: i64,
    pub posts: i64,
    pub proposals: i64,
    pub interviews: i64,
    pub hires: i64,
    pub declined: i64,
    pub pending: i64,
    /// Hires ÷ proposals in tenths of a percent; None without proposals.
    pub hire_rate_tenths: Option<i64>,
}

/// A job group: the ROME code when the needs have one, otherwise the job title (compared
/// without regard to case and spaces); the label is the first title seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCounts {
    pub rome_code: Option<String>,
    pub job_title: String,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralFigures {
    pub total: Counts,
    /// By contractor id, in id order.
    pub by_contractor: Vec<(i64, Counts)>,
    /// By job, largest number of proposals first, then by label.
    pub by_job: Vec<JobCounts>,
    /// Declines by reason, every reason listed (0 included), in the order of the list.
    pub declines: Vec<(&'static str, i64)>,
}

fn job_key(rome_code: Option<&str>, job_title: &str) -> String {
    match rome_code {
        Some(code) if !code.trim().is_empty() => format!("rome:{}", code.trim().to_uppercase()),
        _ => format!(
            "title:{}",
            job_title
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        ),
    }
}

impl Counts {
    fn add_need(&mut self, n: &NeedFact) {
        self.needs += 1;
        self.posts += n.posts;
    }
    fn add_referral(&mut self, r: &ReferralFact) {
        self.proposals += 1;
        match r.state {
            State::Proposed => self.pending += 1,
            State::Interview => {
                self.pending += 1;
                self.interviews += 1;
            }
            State::Hired => self.hires += 1,
            State::Declined => self.declined += 1,
        }
    }
    fn finish(&mut self) {
        self.hire_rate_tenths = rate_tenths(self.hires, self.proposals);
    }
}

/// The referral figures of a period: needs created in it, and proposals made in it with
/// what became of them (a proposal "led to a hire" when its state is `hired`, whenever the
/// hire was recorded), so that the hire rate compares like with like.
pub fn figures(needs: &[NeedFact], referrals: &[ReferralFact]) -> ReferralFigures {
    let mut total = Counts::default();
    let mut by_contractor: BTreeMap<i64, Counts> = BTreeMap::new();
    let mut jobs: BTreeMap<String, JobCounts> = BTreeMap::new();
    let mut entry = |rome: Option<&String>, title: &str| -> String {
        let key = job_key(rome.map(String::as_str), title);
        jobs.entry(key.clone()).or_insert_with(|| JobCounts {
            rome_code: rome
                .map(|r| r.trim().to_uppercase())
                .filter(|r| !r.is_empty()),
            job_title: title.trim().to_string(),
            counts: Counts::default(),
        });
        key
    };
    let need_keys: Vec<String> = needs
        .iter()
        .map(|n| entry(n.rome_code.as_ref(), &n.job_title))
        .collect();
    let referral_keys: Vec<String> = referrals
        .iter()
        .map(|r| entry(r.rome_code.as_ref(), &r.job_title))
        .collect();
    for (n, key) in needs.iter().zip(&need_keys) {
        total.add_need(n);
        by_contractor
            .entry(n.contractor_id)
            .or_default()
            .add_need(n);
        if let Some(j) = jobs.get_mut(key) {
            j.counts.add_need(n);
        }
    }
    let mut declines: Vec<(&'static str, i64)> =
        DECLINE_REASONS.iter().map(|(code, _)| (*code, 0)).collect();
    for (r, key) in referrals.iter().zip(&referral_keys) {
        total.add_referral(r);
        by_contractor
            .entry(r.contractor_id)
            .or_default()
            .add_referral(r);
        if let Some(j) = jobs.get_mut(key) {
            j.counts.add_referral(r);
        }
        if r.state == State::Declined {
            let reason = r.reason.as_deref().unwrap_or("other");
            if let Some(slot) = declines.iter_mut().find(|(code, _)| *code == reason) {
                slot.1 += 1;
            }
        }
    }
    total.finish();
    let by_contractor = by_contractor
        .into_iter()
        .map(|(id, mut c)| {
            c.finish();
            (id, c)
        })
        .collect();
    let mut by_job: Vec<JobCounts> = jobs
        .into_values()
        .map(|mut j| {
            j.counts.finish();
            j
        })
        .collect();
    by_job.sort_by(|a, b| {
        b.counts
            .proposals
            .cmp(&a.counts.proposals)
            .then_with(|| a.job_title.cmp(&b.job_title))
    });
    ReferralFigures {
        total,
        by_contractor,
        by_job,
        declines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn fields(e: Vec<Violation>) -> Vec<String> {
        e.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn answer_needs_a_known_state_and_a_reason_to_decline() {
        assert_eq!(
            check_answer("interview", None, Some(" mardi 10 h "), false),
            Ok(Answer::Interview {
                comment: Some("mardi 10 h".into())
            })
        );
        assert_eq!(
            check_answer("hired", None, None, true).map(|a| a.state()),
            Ok(State::Hired)
        );
        let declined = check_answer("declined", Some("no_show"), None, false).unwrap();
        assert_eq!(
            (declined.state(), declined.reason()),
            (State::Declined, Some("no_show"))
        );
        // A decline needs a reason from the list; `other` needs a comment.
        assert_eq!(
            fields(check_answer("declined", None, None, false).unwrap_err()),
            vec!["reason"]
        );
        assert_eq!(
            fields(check_answer("declined", Some("  "), Some("x"), false).unwrap_err()),
            vec!["reason"]
        );
        assert_eq!(
            fields(check_answer("declined", Some("too_old"), None, false).unwrap_err()),
            vec!["reason"]
        );
        assert_eq!(
            fields(check_answer("declined", Some("other"), Some(" "), false).unwrap_err()),
            vec!["comment"]
        );
        assert!(check_answer("declined", Some("other"), Some("Chantier reporté"), false).is_ok());
        // Unknown or initial states, stray reasons and overrides.
        assert_eq!(
            fields(check_answer("proposed", None, None, false).unwrap_err()),
            vec!["state"]
        );
        assert_eq!(
            fields(check_answer("maybe", None, None, false).unwrap_err()),
            vec!["state"]
        );
        assert_eq!(
            fields(check_answer("interview", Some("no_show"), None, true).unwrap_err()),
            vec!["reason", "placement"]
        );
    }

    #[test]
    fn only_proposed_or_interviewed_referrals_change_state() {
        use State::*;
        for to in [Interview, Hired, Declined] {
            assert!(check_transition(Proposed, to).is_ok());
        }
        assert!(check_transition(Interview, Hired).is_ok());
        assert!(check_transition(Interview, Declined).is_ok());
        assert!(check_transition(Interview, Interview).is_err());
        for from in [Hired, Declined] {
            for to in [Interview, Hired, Declined] {
                let e = check_transition(from, to).unwrap_err();
                assert_eq!(e.code, "referral_already_final");
                assert_eq!(e.param("state"), Some(from.as_str()), "{e:?}");
            }
        }
        assert!(Proposed.is_pending() && Interview.is_pending());
        assert!(Hired.is_final() && Declined.is_final());
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        assert_eq!(State::parse("open"), None);
    }

    #[test]
    fn need_status_and_shortage() {
        assert_eq!(need_status(2, 0), "open");
        assert_eq!(need_status(2, 1), "open");
        assert_eq!(need_status(2, 2), "filled");
        // Two posts, one hired: one person in the running is enough.
        assert!(short_of_proposals(2, 1, 0));
        assert!(!short_of_proposals(2, 1, 1));
        assert!(short_of_proposals(3, 0, 2));
        assert!(!short_of_proposals(3, 0, 3));
        assert!(!short_of_proposals(1, 1, 0));
    }

    #[test]
    fn waiting_more_than_the_wait() {
        // Proposed 2 March with 7 days' wait: 9 March is 7 days, 10 March is more.
        assert!(!is_waiting(d(2026, 3, 2), 7, d(2026, 3, 9)));
        assert!(is_waiting(d(2026, 3, 2), 7, d(2026, 3, 10)));
        assert!(!is_waiting(d(2026, 3, 2), 0, d(2026, 3, 2)));
        assert!(is_waiting(d(2026, 3, 2), 0, d(2026, 3, 3)));
        assert_eq!(days_since(d(2026, 3, 2), d(2026, 3, 10)), 8);
    }

    #[test]
    fn planned_end_of_a_hire() {
        assert_eq!(planned_end(d(2026, 5, 4), Some(6)), Some(d(2026, 11, 3)));
        assert_eq!(planned_end(d(2026, 8, 31), Some(6)), Some(d(2027, 2, 27)));
        assert_eq!(planned_end(d(2026, 5, 4), None), None);
        assert_eq!(planned_end(d(2026, 5, 4), Some(-1)), None);
    }

    #[test]
    fn commune_and_licence_codes_are_checked() {
        for ok in ["93066", "2A004", "2B033", "97411", "01001"] {
            assert!(is_commune_code(ok), "{ok}");
        }
        for bad in ["9306", "930660", "2C004", "A3066", "93O66", ""] {
            assert!(!is_commune_code(bad), "{bad}");
        }
        assert_eq!(departement_of_commune("93066").as_deref(), Some("93"));
        assert_eq!(departement_of_commune("97411").as_deref(), Some("974"));
        assert_eq!(departement_of_commune("2A004").as_deref(), Some("2A"));
        assert_eq!(departement_of_commune("x"), None);
        for ok in ["B", "C", "CACES_R482", "BE"] {
            assert!(is_licence_code(ok), "{ok}");
        }
        for bad in ["", "b", "CACES R482", "CACES-R482", &"X".repeat(33)] {
            assert!(!is_licence_code(bad), "{bad}");
        }
    }

    #[test]
    fn figures_by_contractor_and_job() {
        let need = |contractor_id, rome: Option<&str>, title: &str, posts| NeedFact {
            contractor_id,
            rome_code: rome.map(str::to_string),
            job_title: title.into(),
            posts,
        };
        let referral =
            |contractor_id, rome: Option<&str>, title: &str, state, reason: Option<&str>| {
                ReferralFact {
                    contractor_id,
                    rome_code: rome.map(str::to_string),
                    job_title: title.into(),
                    state,
                    reason: reason.map(str::to_string),
                }
            };
        let needs = [
            need(7, Some("F1606"), "Peintre", 2),
            need(8, Some("f1606"), "Peintre en bâtiment", 1),
            need(8, None, "Agent d'entretien", 1),
        ];
        let referrals = [
            referral(7, Some("F1606"), "Peintre", State::Hired, None),
            referral(
                7,
                Some("F1606"),
                "Peintre",
                State::Declined,
                Some("no_show"),
            ),
            referral(7, Some("F1606"), "Peintre", State::Interview, None),
            referral(8, Some("F1606"), "Peintre en bâtiment", State::Hired, None),
            referral(
                8,
                None,
                "agent  d'entretien",
                State::Declined,
                Some("other"),
            ),
            referral(8, None, "Agent d'entretien", State::Proposed, None),
        ];
        let f = figures(&needs, &referrals);
        assert_eq!(
            f.total,
            Counts {
                needs: 3,
                posts: 4,
                proposals: 6,
                interviews: 1,
                hires: 2,
                declined: 2,
                pending: 2,
                hire_rate_tenths: Some(333),
            }
        );
        let seven = &f.by_contractor[0];
        assert_eq!((seven.0, seven.1.proposals, seven.1.hires), (7, 3, 1));
        assert_eq!(seven.1.hire_rate_tenths, Some(333));
        let eight = &f.by_contractor[1];
        assert_eq!(
            (eight.0, eight.1.needs, eight.1.hire_rate_tenths),
            (8, 2, Some(333))
        );
        // Same ROME code whatever the case: one job; no code: grouped by title.
        let job_counts = |c: &Counts| (c.needs, c.proposals, c.hires, c.hire_rate_tenths);
        assert_eq!(f.by_job.len(), 2);
        assert_eq!(f.by_job[0].rome_code.as_deref(), Some("F1606"));
        assert_eq!(f.by_job[0].job_title, "Peintre");
        assert_eq!(job_counts(&f.by_job[0].counts), (2, 4, 2, Some(500)));
        assert_eq!(f.by_job[1].rome_code, None);
        assert_eq!(job_counts(&f.by_job[1].counts), (1, 2, 0, Some(0)));
        assert_eq!(
            f.declines,
            vec![
                ("profile_mismatch", 0),
                ("no_show", 1),
                ("candidate_declined", 0),
                ("post_filled", 0),
                ("other", 1)
            ]
        );
        let empty = figures(&[], &[]);
        assert_eq!(empty.total.hire_rate_tenths, None);
        assert!(empty.by_job.is_empty() && empty.by_contractor.is_empty());
    }

    #[test]
    fn a_contractor_names_only_itself_as_employer() {
        assert!(check_own_employer(7, 7).is_ok());
        let e = check_own_employer(7, 8).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("employer_id", EMPLOYER_NOT_OWN)
        );
    }
}
