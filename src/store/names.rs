//! How records are named for people beside their ids (`participant_name`, `clause_label`,
//! ...): the names themselves come from joins in the query of each view.

/// A person's name: first name then last name; None once anonymised (both erased).
pub fn person_name(first: Option<String>, last: Option<String>) -> Option<String> {
    let name = format!(
        "{} {}",
        first.as_deref().unwrap_or("").trim(),
        last.as_deref().unwrap_or("").trim()
    );
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// A clause as people name it: its contract's reference and title, and the lot if any
/// (`2026-014 lot 2 — Rénovation du groupe scolaire`).
pub fn clause_label(reference: &str, title: &str, lot_number: Option<i32>) -> String {
    match lot_number {
        Some(lot) => format!("{reference} lot {lot} — {title}"),
        None => format!("{reference} — {title}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_first_then_last_name_and_nobody_once_anonymised() {
        assert_eq!(
            person_name(Some("Awa".into()), Some("Diop".into())).as_deref(),
            Some("Awa Diop")
        );
        assert_eq!(person_name(None, None), None);
        assert_eq!(person_name(Some(" ".into()), None), None);
    }

    #[test]
    fn a_clause_is_its_contract_reference_and_title() {
        assert_eq!(clause_label("M-12", "Voirie", None), "M-12 — Voirie");
        assert_eq!(clause_label("M-12", "Voirie", Some(2)), "M-12 lot 2 — Voirie");
    }
}
