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
