//! The messages people read, rendered from the stable codes of broken rules. This is the one
//! place where a `Violation` (field, code, params) becomes a sentence; every code a use case or
//! a domain rule produces has its entry here.

use crate::domain::rule::Violation;
use crate::error::FieldError;

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
        other => {
            // A code without its message is a defect of this catalogue: say so in the logs
            // and still answer something a person can read.
            tracing::warn!(code = other, "no message for this code in api::messages");
            "la valeur de ce champ n'est pas acceptée".into()
        }
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
}
