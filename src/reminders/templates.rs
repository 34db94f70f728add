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

/// Every template, by name (`digest`: a recipient's reminders of one run in one email).
const TEMPLATES: &[(&str, &str)] = email_templates!(
    "digest",
    "obligations_summary",
    "reporting_due",
    "at_risk_mid_term",
    "end_approaching",
    "final_report_due",
    "eligibility_expiring",
    "exit_missing",
    "referral_waiting",
    "hours_rejected",
    "follow_up_due",
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
    render_with(rule, context)
}

/// The subject (on one line), text and HTML of the templates under `dir`.
fn render_with<S: serde::Serialize>(dir: &str, context: &S) -> Result<Rendered, String> {
    let env = environment();
    let one = |part: &str| -> Result<String, String> {
        let name = format!("{dir}/{part}");
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

/// Renders the message of `rule` that lists `items` (each a set of values, already in
/// French) beside the values of `context`: the rejected figures of one contractor.
pub fn render_listing(
    rule: &str,
    context: &BTreeMap<String, String>,
    items: &[BTreeMap<String, String>],
) -> Result<Rendered, String> {
    let mut ctx: BTreeMap<String, minijinja::Value> = context
        .iter()
        .map(|(k, v)| (k.clone(), minijinja::Value::from(v.clone())))
        .collect();
    ctx.insert("items".into(), minijinja::Value::from_serialize(items));
    render_with(rule, &ctx)
}

/// Renders the digest of `parts` (each a reminder rendered with `digest_part` = "oui": its
/// content without greeting and footer); `context` holds `greeting`, `login_url`, `today`,
/// `optional` and `count`.
pub fn render_digest(
    context: &BTreeMap<String, String>,
    parts: &[&Rendered],
) -> Result<Rendered, String> {
    let mut ctx: BTreeMap<String, minijinja::Value> = context
        .iter()
        .map(|(k, v)| (k.clone(), minijinja::Value::from(v.clone())))
        .collect();
    ctx.insert("digest_part".into(), minijinja::Value::from("non"));
    let shown: Vec<minijinja::Value> = parts
        .iter()
        .map(|p| {
            minijinja::context! {
                subject => p.subject.clone(),
                text => p.text.trim().to_string(),
                // Rendered by our own templates, values escaped there.
                html => minijinja::Value::from_safe_string(p.html.trim().to_string()),
            }
        })
        .collect();
    ctx.insert("parts".into(), minijinja::Value::from(shown));
    render_with("digest", &ctx)
}

/// The rules that have templates (the digest is not one).
pub fn rules() -> Vec<&'static str> {
    TEMPLATES
        .iter()
        .filter_map(|(name, _)| name.strip_suffix("/subject.txt"))
        .filter(|rule| *rule != "digest")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key the job may put in a context.
    fn full_context(stage: &str) -> BTreeMap<String, String> {
        let keys = [
            "login_url",
            "public_url",
            "page_url",
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
            "digest_part",
            "months",
            "follow_up_due_on",
        ];
        let mut ctx: BTreeMap<String, String> = keys
            .iter()
            .map(|k| (k.to_string(), format!("<{k}>")))
            .collect();
        ctx.insert("stage".into(), stage.into());
        ctx.insert("digest_part".into(), "non".into());
        ctx
    }

    /// One item of a listing message, every value marked.
    fn full_item() -> BTreeMap<String, String> {
        [
            "participant",
            "contract",
            "period",
            "period_de",
            "figure",
            "reason",
            "link",
        ]
        .iter()
        .map(|k| (k.to_string(), format!("<{k}>")))
        .collect()
    }

    /// A message rendered with every value marked (a listing with one item).
    fn render_full(rule: &str, ctx: &BTreeMap<String, String>) -> Result<Rendered, String> {
        if rule == "hours_rejected" {
            let mut ctx = ctx.clone();
            ctx.insert("count".into(), "1".into());
            render_listing(rule, &ctx, &[full_item()])
        } else {
            render(rule, ctx)
        }
    }

    #[test]
    fn every_message_renders_in_french_with_escaped_html() {
        assert_eq!(rules().len(), 10);
        for rule in rules() {
            let r = render_full(rule, &full_context("late_7d")).unwrap_or_else(|e| panic!("{e}"));
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
    fn a_digest_gathers_the_contents_without_their_greetings_and_footers() {
        let mut part_ctx = full_context("late_7d");
        part_ctx.insert("digest_part".into(), "oui".into());
        part_ctx.insert("contract_title".into(), "Voirie & réseaux".into());
        let parts: Vec<Rendered> = [
            "reporting_due",
            "exit_missing",
            "referral_waiting",
            "end_approaching",
            "hours_rejected",
        ]
        .into_iter()
        .map(|rule| render_full(rule, &part_ctx).unwrap_or_else(|e| panic!("{e}")))
        .collect();
        for p in &parts {
            assert!(!p.text.contains("<greeting>"), "{}", p.text);
            assert!(
                !p.text.contains("clausier, suivi des clauses"),
                "{}",
                p.text
            );
            assert!(!p.html.contains("<!DOCTYPE"), "{}", p.html);
        }
        let ctx: BTreeMap<String, String> = [
            ("greeting", "Bonjour Awa,"),
            ("login_url", "https://clausier.test/login"),
            ("today", "2 décembre 2026"),
            ("optional", "non"),
            ("count", "5"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let shown: Vec<&Rendered> = parts.iter().collect();
        let d = render_digest(&ctx, &shown).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            d.subject,
            "Récapitulatif : 5 rappels clausier du 2 décembre 2026"
        );
        assert_eq!(d.text.matches("Bonjour Awa,").count(), 1);
        assert_eq!(
            d.text
                .matches("clausier, suivi des clauses sociales")
                .count(),
            1
        );
        for p in &parts {
            assert!(d.text.contains(&p.subject), "{}", p.subject);
        }
        assert!(d.text.contains("5. "), "{}", d.text);
        assert!(d.html.starts_with("<!DOCTYPE html>"));
        assert_eq!(d.html.matches("<!DOCTYPE").count(), 1);
        // Escaped once, in the part: never twice, never raw.
        assert!(d.html.contains("Voirie &amp; réseaux"), "{}", d.html);
        assert!(!d.html.contains("&amp;amp;"));
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
