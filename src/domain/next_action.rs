//! "Who owes the next action, and since when", modelled once for timelines and lists, with
//! the French wording people read and the French formatting of dates, months and hours.

use chrono::{Datelike, NaiveDate};

use crate::domain::calendar::add_days;

/// Who has to act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    Contractor { organisation_id: i64, name: String },
    Facilitator,
    Participant,
}

impl Party {
    /// The API code: `contractor`, `facilitator` or `participant`.
    pub fn code(&self) -> &'static str {
        match self {
            Party::Contractor { .. } => "contractor",
            Party::Facilitator => "facilitator",
            Party::Participant => "participant",
        }
    }
}

/// An action owed by someone since a given day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextAction {
    /// French sentence, e.g. "relevé d'heures de mars 2026 attendu de Bâtiment Durable depuis
    /// le 10 avril 2026".
    pub what: String,
    /// Stable code: `hours_report`, `exit_outcome`, `eligibility_renewal`, `referral_answer`,
    /// `proposals_needed`.
    pub code: String,
    pub owed_by: Party,
    pub since: NaiveDate,
}

fn contractor(organisation_id: i64, name: &str) -> Party {
    Party::Contractor {
        organisation_id,
        name: name.to_string(),
    }
}

/// The hours report of a period (`YYYY-MM`, or `YYYY-Qn` for quarterly clauses) owed by a
/// contractor since its due date.
pub fn hours_report(
    organisation_id: i64,
    contractor_name: &str,
    period_key: &str,
    since: NaiveDate,
) -> NextAction {
    // "de mars 2026", "d'avril 2026", "du 1er trimestre 2026".
    let period = crate::domain::french::de_period(&period_label_fr(period_key));
    NextAction {
        what: format!(
            "relevé d'heures {period} attendu de {contractor_name} depuis le {}",
            format_date_fr(since)
        ),
        code: "hours_report".to_string(),
        owed_by: contractor(organisation_id, contractor_name),
        since,
    }
}

/// The exit outcome of a placement that ended on `placement_end`, owed by the facilitator
/// since that day.
pub fn exit_outcome(placement_end: NaiveDate) -> NextAction {
    NextAction {
        what: format!(
            "résultat de sortie à renseigner depuis le {} (fin de la mise en situation)",
            format_date_fr(placement_end)
        ),
        code: "exit_outcome".to_string(),
        owed_by: Party::Facilitator,
        since: placement_end,
    }
}

/// A new eligibility proof, owed by the participant from the day after the validity ends
/// (`until` is its last valid day). The facilitator validates what the person brings; the
/// person is who has to act first.
pub fn eligibility_renewal(until: NaiveDate) -> NextAction {
    let since = add_days(until, 1);
    NextAction {
        what: format!(
            "justificatifs d'éligibilité à renouveler depuis le {} (éligibilité valable jusqu'au {})",
            format_date_fr(since),
            format_date_fr(until)
        ),
        code: "eligibility_renewal".to_string(),
        owed_by: Party::Participant,
        since,
    }
}

/// A contractor's answer to a candidate proposed on `since`.
pub fn referral_answer(
    organisation_id: i64,
    contractor_name: &str,
    since: NaiveDate,
) -> NextAction {
    NextAction {
        what: format!(
            "réponse à la candidature proposée attendue de {contractor_name} depuis le {}",
            format_date_fr(since)
        ),
        code: "referral_answer".to_string(),
        owed_by: contractor(organisation_id, contractor_name),
        since,
    }
}

/// Candidates to propose for a recruitment need opened on `need_created`.
pub fn proposals_needed(need_created: NaiveDate) -> NextAction {
    NextAction {
        what: format!(
            "candidatures à proposer pour le besoin de recrutement ouvert le {}",
            format_date_fr(need_created)
        ),
        code: "proposals_needed".to_string(),
        owed_by: Party::Facilitator,
        since: need_created,
    }
}

/// The action owed for the longest time (the oldest `since`; the first given on a tie).
pub fn earliest(actions: Vec<NextAction>) -> Option<NextAction> {
    // `min_by_key` keeps the first of equal minima.
    actions.into_iter().min_by_key(|a| a.since)
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// The French name of month `m` (1 to 12); empty for any other number.
pub fn month_name_fr(m: u32) -> &'static str {
    match m {
        1..=12 => MONTHS_FR[(m - 1) as usize],
        _ => "",
    }
}

/// A date as French prose without article: "10 avril 2026", "1er mai 2026". Callers add
/// "le", "au" or "jusqu'au" as the sentence needs.
pub fn format_date_fr(d: NaiveDate) -> String {
    let day = match d.day() {
        1 => "1er".to_string(),
        n => n.to_string(),
    };
    format!("{day} {} {}", month_name_fr(d.month()), d.year())
}

/// A reporting period in French: "mars 2026" for `2026-03`, "1er trimestre 2026" for
/// `2026-Q1`. Any other text is returned unchanged.
pub fn period_label_fr(period_key: &str) -> String {
    let Some((year, rest)) = period_key.split_once('-') else {
        return period_key.to_string();
    };
    if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
        return period_key.to_string();
    }
    match rest {
        "Q1" => format!("1er trimestre {year}"),
        "Q2" | "Q3" | "Q4" => format!("{}e trimestre {year}", &rest[1..]),
        _ => match rest.parse::<u32>() {
            Ok(m) if rest.len() == 2 && (1..=12).contains(&m) => {
                format!("{} {year}", month_name_fr(m))
            }
            _ => period_key.to_string(),
        },
    }
}

/// Hundredths of an hour as French prose: "833", "12,50", "1 234,05" (thousands separated by
/// a no-break space so that a figure never wraps).
pub fn format_hours_fr(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let abs = hundredths.unsigned_abs();
    let whole = group_thousands(abs / 100);
    match abs % 100 {
        0 => format!("{sign}{whole}"),
        cents => format!("{sign}{whole},{cents:02}"),
    }
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn french_months_and_dates() {
        let names = [1, 2, 8, 12, 0, 13].map(month_name_fr);
        assert_eq!(names, ["janvier", "février", "août", "décembre", "", ""]);
        assert_eq!(format_date_fr(d(2026, 4, 10)), "10 avril 2026");
        assert_eq!(format_date_fr(d(2026, 5, 1)), "1er mai 2026");
        assert_eq!(format_date_fr(d(2026, 12, 31)), "31 décembre 2026");
    }

    #[test]
    fn periods_read_as_french_months_and_quarters() {
        assert_eq!(period_label_fr("2026-03"), "mars 2026");
        assert_eq!(period_label_fr("2026-Q1"), "1er trimestre 2026");
        assert_eq!(period_label_fr("2026-Q3"), "3e trimestre 2026");
        for other in ["2026-13", "2026-Q5", "mid", "", "26-03", "2026-3"] {
            assert_eq!(period_label_fr(other), other);
        }
    }

    #[test]
    fn hours_print_with_french_separators() {
        // Thousands are separated by no-break spaces (written as plain spaces here).
        let printed = [83_300, 1_250, 123_405, 150_000_000, 0, -5].map(format_hours_fr);
        let expected = ["833", "12,50", "1 234,05", "1 500 000", "0", "-0,05"];
        assert_eq!(printed, expected.map(|e| e.replace(' ', "\u{a0}")));
        assert_eq!(
            format_hours_fr(i64::MIN),
            "-92\u{a0}233\u{a0}720\u{a0}368\u{a0}547\u{a0}758,08"
        );
    }

    fn assert_starts_with(sentence: &str, start: &str) {
        assert!(sentence.starts_with(start), "{sentence}");
    }

    #[test]
    fn hours_report_sentence() {
        let a = hours_report(7, "Bâtiment Durable", "2026-03", d(2026, 4, 10));
        assert_eq!(
            a.what,
            "relevé d'heures de mars 2026 attendu de Bâtiment Durable depuis le 10 avril 2026"
        );
        assert_eq!(a.code, "hours_report");
        let april = hours_report(7, "Bâtiment Durable", "2026-04", d(2026, 5, 10));
        assert_starts_with(&april.what, "relevé d'heures d'avril 2026 attendu");
        let quarter = hours_report(7, "Bâtiment Durable", "2026-Q1", d(2026, 4, 10));
        assert_starts_with(&quarter.what, "relevé d'heures du 1er trimestre 2026");
        assert_eq!(
            a.owed_by,
            Party::Contractor {
                organisation_id: 7,
                name: "Bâtiment Durable".to_string()
            }
        );
        assert_eq!(a.owed_by.code(), "contractor");
        assert_eq!(a.since, d(2026, 4, 10));
        let q = hours_report(7, "Bâtiment Durable", "2026-Q1", d(2026, 4, 10));
        assert_eq!(
            q.what,
            "relevé d'heures du 1er trimestre 2026 attendu de Bâtiment Durable depuis le 10 avril 2026"
        );
    }

    #[test]
    #[rustfmt::skip]
    fn exit_eligibility_referral_and_need_actions_read_as_french_sentences() {
        // (action, (its code, who owes it, since when), its sentence)
        let actions = [
            (exit_outcome(d(2026, 3, 31)), ("exit_outcome", "facilitator", d(2026, 3, 31)),
             "résultat de sortie à renseigner depuis le 31 mars 2026 (fin de la mise en situation)"),
            (eligibility_renewal(d(2026, 9, 30)), ("eligibility_renewal", "participant", d(2026, 10, 1)),
             "justificatifs d'éligibilité à renouveler depuis le 1er octobre 2026 (éligibilité valable jusqu'au 30 septembre 2026)"),
            (referral_answer(3, "Nettoyage Plus", d(2026, 3, 2)), ("referral_answer", "contractor", d(2026, 3, 2)),
             "réponse à la candidature proposée attendue de Nettoyage Plus depuis le 2 mars 2026"),
            (proposals_needed(d(2026, 2, 16)), ("proposals_needed", "facilitator", d(2026, 2, 16)),
             "candidatures à proposer pour le besoin de recrutement ouvert le 16 février 2026"),
        ];
        for (a, (code, owed_by, since), what) in actions {
            assert_eq!(a.what, what);
            assert_eq!((a.code.as_str(), a.owed_by.code(), a.since), (code, owed_by, since), "{what}");
        }
    }

    #[test]
    fn earliest_is_the_oldest() {
        assert_eq!(earliest(Vec::new()), None);
        let report = hours_report(7, "Bâtiment Durable", "2026-03", d(2026, 4, 10));
        let exit = exit_outcome(d(2026, 3, 31));
        let answer = referral_answer(7, "Bâtiment Durable", d(2026, 4, 2));
        let first = earliest(vec![report.clone(), exit.clone(), answer]).unwrap();
        assert_eq!(first, exit);
        // On a tie, the first given wins.
        let needed = proposals_needed(d(2026, 4, 10));
        assert_eq!(
            earliest(vec![report.clone(), needed.clone()]),
            Some(report.clone())
        );
        assert_eq!(earliest(vec![needed.clone(), report]), Some(needed));
    }
}
