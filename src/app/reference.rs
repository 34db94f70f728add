//! The reference lists: the codes a form or a program may send, with their French labels,
//! read from `domain::catalogue` (and the CPV divisions of `domain::french`), never copied.

use serde::Serialize;

use crate::app::{AppError, AppResult};
use crate::domain::catalogue::{self, CodeList};
use crate::domain::french::CPV_DIVISIONS;

/// One entry of a reference list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "code": "execution_condition",
    "label": "Condition d'exécution (art. L2112-2)",
    "description": "Heures d'insertion imposées au titulaire pendant l'exécution d'un marché ordinaire de travaux ou de services : le cas le plus courant."
}))]
pub struct ReferenceItem {
    /// The code programs send and read.
    pub code: &'static str,
    /// Its French label.
    pub label: &'static str,
    /// What it is for, in French (clause kinds only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'static str>,
}

/// The names of the lists, as in the path `/api/v1/reference/{list}`.
pub const LIST_NAMES: [&str; 11] = [
    "criteria",
    "proof-kinds",
    "modalities",
    "contract-types",
    "clause-kinds",
    "exit-outcomes",
    "qualification-levels",
    "siae-kinds",
    "sectors",
    "follow-up-situations",
    "follow-up-sources",
];

/// The code list of a list name; `None` for an unknown name.
fn code_list(name: &str) -> Option<&'static CodeList> {
    Some(match name {
        "criteria" => catalogue::CRITERIA,
        "proof-kinds" => catalogue::PROOF_KINDS,
        "modalities" => catalogue::MODALITIES,
        "contract-types" => catalogue::CONTRACT_TYPES,
        "clause-kinds" => catalogue::CLAUSE_KINDS,
        "exit-outcomes" => catalogue::OUTCOMES,
        "qualification-levels" => catalogue::QUALIFICATION_LEVELS,
        "siae-kinds" => catalogue::SIAE_KINDS,
        "sectors" => &CPV_DIVISIONS,
        "follow-up-situations" => crate::domain::follow_ups::SITUATIONS,
        "follow-up-sources" => crate::domain::follow_ups::SOURCES,
        _ => return None,
    })
}

/// The entries of the list `name`, in the catalogue's order; not found for an unknown name.
pub fn reference_list(name: &str) -> AppResult<Vec<ReferenceItem>> {
    let list = code_list(name).ok_or(AppError::NotFound("reference list"))?;
    Ok(list
        .iter()
        .map(|&(code, label)| ReferenceItem {
            code,
            label,
            description: catalogue::label(catalogue::CLAUSE_KIND_DESCRIPTIONS, code)
                .filter(|_| name == "clause-kinds"),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_name_has_a_non_empty_list() {
        for name in LIST_NAMES {
            let items = reference_list(name).unwrap();
            assert!(!items.is_empty(), "{name}");
        }
        assert!(matches!(
            reference_list("labour-shares"),
            Err(AppError::NotFound(_))
        ));
    }

    #[test]
    fn only_clause_kinds_carry_descriptions_and_each_has_one() {
        for name in LIST_NAMES {
            for item in reference_list(name).unwrap() {
                let described = item.description.is_some_and(|d| !d.trim().is_empty());
                assert_eq!(described, name == "clause-kinds", "{name} {}", item.code);
            }
        }
        assert_eq!(
            catalogue::codes(catalogue::CLAUSE_KIND_DESCRIPTIONS),
            catalogue::codes(catalogue::CLAUSE_KINDS)
        );
    }
}
