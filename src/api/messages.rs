//! The messages people read, rendered from the stable codes of broken rules. This is the one
//! place where a `Violation` (field, code, params) becomes a sentence; every code a use case or
//! a domain rule produces has its entry here.

use crate::domain::hours::{ImportError, ImportErrors, MAX_REPORTED_ERRORS};
use crate::domain::rule::Violation;
use crate::error::{ApiError, FieldError};

/// The message of one broken rule.
pub fn render(v: &Violation) -> String {
    let p = |name: &str| v.param(name).unwrap_or("").to_string();
    match v.code {
        "invalid" => match v.param("reason") {
            Some(reason) => reason.to_string(),
            None => "la valeur de ce champ n'est pas acceptée".into(),
        },
        "required" => "ce champ est obligatoire".into(),
        "not_found" => format!("{} introuvable", p("what")),
        "concurrent_update" => {
            "une autre modification des mêmes données a eu lieu au même moment".into()
        }
        // --- Hours, placements, referrals, clause progress ---
        code @ ("month_malformed"
        | "month_in_future"
        | "month_outside_placement"
        | "negative_hours"
        | "above_monthly_cap"
        | "above_monthly_cap_with_other_placements"
        | "amendment_reason_required"
        | "placement_unknown"
        | "hours_format"
        | "entry_status"
        | "entry_ids_required"
        | "decision_unknown"
        | "rejection_reason_required"
        | "entry_unknown"
        | "entry_not_submitted") => hours_message(code, v),
        code @ ("participant_unknown"
        | "assignment_unknown"
        | "modality_unknown"
        | "contract_type_unknown"
        | "outcome_unknown"
        | "employer_not_eligible"
        | "job_title_empty"
        | "person_anonymised"
        | "clause_closed"
        | "eligibility_missing"
        | "birth_date_unknown"
        | "exit_already_recorded"
        | "ended_before_start") => placements_message(code, v),
        code @ ("answer_state_unknown"
        | "decline_reason_required"
        | "decline_reason_unknown"
        | "decline_comment_required"
        | "reason_only_with_declined"
        | "placement_only_with_hired"
        | "referral_already_final"
        | "referral_transition_refused"
        | "referral_state_unknown"
        | "need_unknown"
        | "need_not_open"
        | "already_proposed"
        | "eligibility_missing_on_need_start"
        | "referral_answered_meanwhile"
        | "need_full"
        | "derogation_staff_only"
        | "employer_not_own") => referrals_message(code, v),
        other => {
            // A code without its message is a defect of this catalogue: say so in the logs
            // and still answer something a person can read.
            tracing::warn!(code = other, "no message for this code in api::messages");
            "la valeur de ce champ n'est pas acceptée".into()
        }
    }
}

// --- Hours, placements, referrals, clause progress ---

/// 422 with the first errors of a file (at most `MAX_REPORTED_ERRORS`), each line's broken
/// rule rendered from its code, and how many errors there are in all.
pub fn rows_problem(errors: ImportErrors) -> ApiError {
    let count = errors.count();
    let mut e = ApiError::validation(Vec::new());
    e.detail = match count {
        1 => "1 erreur ; rien n'a été enregistré".to_string(),
        n if n > MAX_REPORTED_ERRORS => format!(
            "{n} erreurs, dont les {MAX_REPORTED_ERRORS} premières sont listées ; rien n'a été \
             enregistré"
        ),
        n => format!("{n} erreurs ; rien n'a été enregistré"),
    };
    let first: Vec<ImportError> = errors
        .into_first()
        .into_iter()
        .map(|mut line| {
            if let Some(rule) = &line.rule {
                line.message = render(rule);
            }
            line
        })
        .collect();
    e.with_extra("errors", serde_json::to_value(first).unwrap_or_default())
        .with_extra("error_count", count.into())
}

/// The messages of the hour entries' rules.
fn hours_message(code: &str, v: &Violation) -> String {
    let p = |name: &str| v.param(name).unwrap_or("").to_string();
    match code {
        "month_malformed" => "must be a month written YYYY-MM".into(),
        "month_in_future" => format!("{} is a future month (today is {})", p("month"), p("today")),
        "month_outside_placement" => format!(
            "{} is outside the placement's dates ({} to {})",
            p("month"),
            p("starts_on"),
            v.param("ends_on").unwrap_or("no end date")
        ),
        "negative_hours" => "must not be negative".into(),
        "above_monthly_cap" => {
            let mut message = format!(
                "{} h of work and {} h of training",
                p("work"),
                p("training")
            );
            if let Some(other) = v.param("other") {
                message.push_str(&format!(
                    ", plus {other} h on this person's other placements"
                ));
            }
            message.push_str(&format!(
                ", make {} h in the month, above the cap of {} h",
                p("total"),
                p("cap")
            ));
            message
        }
        "above_monthly_cap_with_other_placements" => format!(
            "{} h de travail et {} h de formation dépassent, avec les heures déclarées sur les \
             autres mises en situation de la personne, le plafond mensuel de {} h",
            p("work"),
            p("training"),
            p("cap")
        ),
        "amendment_reason_required" => {
            "this month's figure has been validated; an amendment needs a reason".into()
        }
        "placement_unknown" => format!("no placement {} that you may report on", p("placement_id")),
        "hours_format" => "must be csv or xlsx".into(),
        "entry_status" => "must be submitted, validated or rejected".into(),
        "entry_ids_required" => "at least one entry is required".into(),
        "decision_unknown" => "must be validate or reject".into(),
        "rejection_reason_required" => "a reason is required to reject".into(),
        "entry_unknown" => format!("no hour entry {} in your structure", p("entry_id")),
        "entry_not_submitted" => format!(
            "entry {} is {}; only submitted entries can be decided",
            p("entry_id"),
            p("status")
        ),
        _ => String::new(),
    }
}

/// The messages of the placements' rules.
fn placements_message(code: &str, v: &Violation) -> String {
    let p = |name: &str| v.param(name).unwrap_or("").to_string();
    match code {
        "participant_unknown" => "no such participant in your structure".into(),
        "assignment_unknown" => "no such assignment in your structure".into(),
        "modality_unknown" | "contract_type_unknown" | "outcome_unknown" => {
            format!("must be one of {}", p("codes"))
        }
        "employer_not_eligible" => {
            "must be a contractor or insertion structure of your structure".into()
        }
        "job_title_empty" => "must not be empty".into(),
        "person_anonymised" => "this person has been anonymised".into(),
        "clause_closed" => format!("the clause is {}", p("status")),
        "eligibility_missing" => format!(
            "the person has no valid eligibility on {}; validate it first or record a \
             derogation_reason",
            p("on")
        ),
        "birth_date_unknown" => "the person's birth date is unknown".into(),
        "exit_already_recorded" => "the exit of this placement is already recorded".into(),
        "ended_before_start" => format!("must not be before the start ({})", p("starts_on")),
        _ => String::new(),
    }
}

/// The messages of the referrals' rules.
fn referrals_message(code: &str, v: &Violation) -> String {
    let p = |name: &str| v.param(name).unwrap_or("").to_string();
    match code {
        "answer_state_unknown" => "must be one of interview, hired, declined".into(),
        "decline_reason_required" => {
            format!("a reason is required to decline: one of {}", p("codes"))
        }
        "decline_reason_unknown" => format!("must be one of {}", p("codes")),
        "decline_comment_required" => "the reason `other` needs a comment saying why".into(),
        "reason_only_with_declined" => "a reason goes only with declined".into(),
        "placement_only_with_hired" => "placement goes only with hired".into(),
        "referral_already_final" => format!(
            "this proposal is already {}; it takes no further answer",
            p("state")
        ),
        "referral_transition_refused" => format!(
            "a proposal in state {} cannot become {}",
            p("from"),
            p("to")
        ),
        "referral_state_unknown" => "must be proposed, interview, hired or declined".into(),
        "need_unknown" => "no such need in your structure".into(),
        "need_not_open" => format!("the need is {}; it takes no new proposal", p("status")),
        "already_proposed" => "this person is already proposed to this need".into(),
        "eligibility_missing_on_need_start" => format!(
            "the person has no valid eligibility on the need's start date ({})",
            p("on")
        ),
        "referral_answered_meanwhile" => "the proposal was answered meanwhile; reload it".into(),
        "need_full" => match v.param("posts") {
            Some(posts) => format!(
                "the need is filled ({} of {posts} posts); no further hire",
                p("hires")
            ),
            None => "the need is closed; no further hire".into(),
        },
        "derogation_staff_only" => "only a facilitator may record a derogation".into(),
        "employer_not_own" => "une entreprise ne peut désigner qu'elle-même comme employeur ; un \
                               autre employeur est choisi par le facilitateur"
            .into(),
        _ => String::new(),
    }
}

/// The wire form of a broken rule: `{field, code, message}`.
pub fn field_error(v: &Violation) -> FieldError {
    FieldError {
        field: v.field.clone(),
        code: v.code.to_string(),
        message: render(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rendered_message_names_its_values() {
        let v = Violation::new("participant_id", "not_found").with("what", "personne");
        assert_eq!(render(&v), "personne introuvable");
        let e = field_error(&v);
        assert_eq!(e.code, "not_found");
        assert_eq!(e.field, "participant_id");
    }

    // --- Hours, placements, referrals, clause progress ---

    #[test]
    fn monthly_cap_messages_show_the_other_placements_to_staff_only() {
        let v = Violation::new("work_hours", "above_monthly_cap")
            .with("work", "198")
            .with("training", "10.01")
            .with("total", "208.01")
            .with("cap", "208");
        assert_eq!(
            render(&v),
            "198 h of work and 10.01 h of training, make 208.01 h in the month, above the cap of 208 h"
        );
        let v = Violation::new("work_hours", "above_monthly_cap")
            .with("work", "100")
            .with("training", "0")
            .with("other", "110")
            .with("total", "210")
            .with("cap", "208");
        assert_eq!(
            render(&v),
            "100 h of work and 0 h of training, plus 110 h on this person's other placements, make 210 h in the month, above the cap of 208 h"
        );
        let v = Violation::new("work_hours", "above_monthly_cap_with_other_placements")
            .with("work", "100")
            .with("training", "0")
            .with("cap", "208");
        assert_eq!(
            render(&v),
            "100 h de travail et 0 h de formation dépassent, avec les heures déclarées sur les autres mises en situation de la personne, le plafond mensuel de 208 h"
        );
    }

    #[test]
    fn a_contractor_naming_another_employer_reads_the_facilitator_s_role() {
        assert_eq!(
            render(&Violation::new("employer_id", "employer_not_own")),
            "une entreprise ne peut désigner qu'elle-même comme employeur ; un autre employeur est choisi par le facilitateur"
        );
    }

    #[test]
    fn month_outside_placement_names_its_dates_or_no_end() {
        let v = Violation::new("month", "month_outside_placement")
            .with("month", "2026-07")
            .with("starts_on", "2026-01-15")
            .with("ends_on", "2026-06-10");
        assert_eq!(
            render(&v),
            "2026-07 is outside the placement's dates (2026-01-15 to 2026-06-10)"
        );
        let v = Violation::new("month", "month_outside_placement")
            .with("month", "2025-12")
            .with("starts_on", "2026-01-15");
        assert_eq!(
            render(&v),
            "2025-12 is outside the placement's dates (2026-01-15 to no end date)"
        );
    }
}
