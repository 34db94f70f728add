//! Email templates: per message a subject, a text body and an HTML body under
//! `templates/email/<rule>/`, sharing one layout (`layout.txt`, `layout.html`). They are
//! embedded in the binary; HTML is escaped automatically, text is not.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use minijinja::{Environment, UndefinedBehavior};

macro_rules! email_templates {
    ($($rule:literal),* $(,)?) => {
        &[
            ("layout.txt", include_str!("../../templates/email/layout.txt")),
            ("layout.html", include_str!("../../templates/email/layout.html")),
            $(
                (concat!($rule, "/subject.txt"), include_str!(concat!("../../templates/email/", $rule, "/subject.txt"))),
                (concat!($rule, "/body.txt"), include_str!(concat!("../../templates/email/", $rule, "/body.txt"))),
                (concat!($rule, "/body.html"), include_str!(concat!("../../templates/email/", $rule, "/body.html"))),
            )*
        ]
    };
}

/// Every template, by name.
const TEMPLATES: &[(&str, &str)] = email_templates!(
    "obligations_summary",
    "reporting_due",
    "at_risk_mid_term",
    "end_approaching",
    "final_report_due",
    "eligibility_expiring",
    "exit_missing",
    "referral_waiting",
);

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        // A fact missing from the context is an error, not an empty figure in an email.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // `{{ period|de }}`: "d'avril 2026", "de mai 2026", "du 1er trimestre 2026".
        env.add_filter("de", |label: String| {
            crate::domain::french::de_period(&label)
        });
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                // Templates are part of the binary and checked by tests; a broken one makes
                // rendering of that message fail with a clear error instead of a panic.
                tracing::error!("email template {name}: {e}");
            }
        }
        env
    })
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders the message of `rule` with the given values (all text, already formatted in
/// French).
pub fn render(rule: &str, context: &BTreeMap<String, String>) -> Result<Rendered, String> {
    let env = environment();
    let one = |part: &str| -> Result<String, String> {
        let name = format!("{rule}/{part}");
        env.get_template(&name)
            .and_then(|t| t.render(context))
            .map_err(|e| format!("template {name}: {e:#}"))
    };
    let subject = one("subject.txt")?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Rendered {
        subject,
        text: one("body.txt")?,
        html: one("body.html")?,
    })
}

/// The rules that have templates.
pub fn rules() -> Vec<&'static str> {
    TEMPLATES
        .iter()
        .filter_map(|(name, _)| name.strip_suffix("/subject.txt"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key the job may put in a context.
    fn full_context(stage: &str) -> BTreeMap<String, String> {
        let keys = [
            "login_url",
            "greeting",
            "optional",
            "rule",
            "today",
            "contract_title",
            "contract_reference",
            "buyer_name",
            "clause_starts_on",
            "clause_ends_on",
            "required_hours",
            "validated_hours",
            "expected_hours",
            "remaining_hours",
            "achieved_share",
            "contractor_name",
            "hours_target",
            "assignment_validated",
            "assignment_remaining",
            "people_to_report",
            "frequency_label",
            "first_report_due",
            "participant",
            "job_title",
            "period_key",
            "period",
            "due_on",
            "days_late",
            "status",
            "mid_term_on",
            "ends_on",
            "days_left",
            "participant_id",
            "starts_on",
            "valid_until",
            "ended_on",
            "need_id",
            "proposed_on",
            "days_waiting",
        ];
        let mut ctx: BTreeMap<String, String> = keys
            .iter()
            .map(|k| (k.to_string(), format!("<{k}>")))
            .collect();
        ctx.insert("stage".into(), stage.into());
        ctx
    }

    #[test]
    fn every_message_renders_in_french_with_escaped_html() {
        assert_eq!(rules().len(), 8);
        for rule in rules() {
            let r = render(rule, &full_context("late_7d")).unwrap_or_else(|e| panic!("{e}"));
            assert!(!r.subject.is_empty() && !r.subject.contains('\n'), "{rule}");
            assert!(
                r.text.contains("clausier, suivi des clauses sociales"),
                "{rule}"
            );
            assert!(r.html.starts_with("<!DOCTYPE html>"), "{rule}");
            // Values are escaped in HTML, not in text.
            assert!(!r.html.contains("<contract_title>"), "{rule}");
            assert!(!r.html.contains("<greeting>"), "{rule}");
            assert!(r.text.contains("<greeting>"), "{rule}");
        }
        for stage in [
            "before_3d",
            "due_day",
            "late_14d",
            "late_21d",
            "late_21d_referent",
        ] {
            let r = render("reporting_due", &full_context(stage)).unwrap();
            assert!(r.subject.contains("<period>"), "{stage}: {}", r.subject);
        }
    }

    #[test]
    fn a_missing_value_is_an_error_not_a_blank() {
        let mut ctx = full_context("due_day");
        ctx.remove("days_late");
        let e = render("reporting_due", &ctx).unwrap_err();
        assert!(e.contains("reporting_due"), "{e}");
        assert!(render("no_such_rule", &full_context("x")).is_err());
    }
}
