//! Use cases of organisations (buyers, contractors, insertion structures, funders) and of
//! the contacts who receive a contractor's reminders.

use crate::app::{AppError, AppResult};
use crate::db::{write_tx, Conn};
use crate::domain::ids::{OrganisationId, StructureId};
use crate::domain::limits::{Code, Email, Label, Name};
use crate::domain::rule::Violation;
use crate::domain::siret::check_identifier;
use crate::domain::territory::is_valid_departement;
use crate::domain::vocabulary::{OrganisationKind, SiaeKind};
use crate::store::organisations::{self as store, Contact, NewOrganisation, Organisation};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct OrganisationInput {
    #[schema(value_type = OrganisationKind)]
    pub kind: Code,
    pub name: Label,
    pub siret: Option<Code>,
    pub identifier_type: Option<Code>,
    pub identifier: Option<Code>,
    pub territory: Option<Code>,
    #[schema(value_type = Option<SiaeKind>)]
    pub siae_kind: Option<Code>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ContactInput {
    pub email: Email,
    pub name: Option<Name>,
}

/// Checks an organisation's fields; every broken rule is reported.
pub fn validate(input: OrganisationInput) -> AppResult<NewOrganisation> {
    let mut errors = Vec::new();
    let kind = OrganisationKind::parse(&input.kind);
    if kind.is_none() {
        errors.push(Violation::new("kind", "organisation_kind_unknown"));
    }
    let name = input.name.trim().to_string();
    if name.is_empty() {
        errors.push(Violation::new("name", "empty"));
    }
    let siret = input
        .siret
        .map(|s| s.split_whitespace().collect::<String>());
    // The identifier's rule, reported on the field the caller filled.
    let refused = |field: &str, mut rule: Violation| {
        if rule.field == "identifier" {
            rule.field = field.to_string();
        }
        rule
    };
    let (identifier_type, identifier) = match (siret, input.identifier_type, input.identifier) {
        (Some(s), None, None) => match check_identifier("SIRET", &s) {
            Ok(()) => (Some("SIRET".to_string()), Some(s)),
            Err(m) => {
                errors.push(refused("siret", m));
                (None, None)
            }
        },
        (Some(_), _, _) => {
            errors.push(Violation::new("siret", "siret_or_identifier"));
            (None, None)
        }
        (None, Some(t), Some(i)) => {
            let t = t.trim().to_uppercase();
            let i = i.trim().to_string();
            match check_identifier(&t, &i) {
                Ok(()) => (Some(t), Some(i)),
                Err(m) => {
                    errors.push(refused("identifier", m));
                    (None, None)
                }
            }
        }
        (None, Some(_), None) => {
            errors.push(
                Violation::new("identifier", "required_with").with("other", "identifier_type"),
            );
            (None, None)
        }
        (None, None, Some(_)) => {
            errors.push(
                Violation::new("identifier_type", "required_with").with("other", "identifier"),
            );
            (None, None)
        }
        (None, None, None) => (None, None),
    };
    if let Some(t) = &input.territory {
        if !is_valid_departement(t) {
            errors.push(
                Violation::new("territory", "departement_unknown").with("territory", t.as_str()),
            );
        }
    }
    let siae_kind = match input.siae_kind.as_deref().map(SiaeKind::parse) {
        Some(None) => {
            errors.push(Violation::new("siae_kind", "siae_kind_unknown"));
            None
        }
        Some(Some(_)) if !kind.is_some_and(OrganisationKind::delivers_hours) => {
            errors.push(Violation::new("siae_kind", "siae_kind_not_applicable"));
            None
        }
        Some(Some(siae_kind)) => Some(siae_kind),
        None => None,
    };
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    Ok(NewOrganisation {
        kind,
        name,
        identifier_type,
        identifier,
        territory: input.territory.map(Into::into),
        siae_kind,
    })
}

/// Records an organisation, already checked by `validate`: one organisation per identifier
/// in a structure (`organisation_identifier_taken`, with the existing id).
pub fn create_organisation(
    conn: &mut Conn,
    structure_id: StructureId,
    new: NewOrganisation,
) -> AppResult<Organisation> {
    write_tx(conn, |c| {
        if let (Some(t), Some(i)) = (&new.identifier_type, &new.identifier) {
            if let Some(existing) = store::find_by_identifier(c, structure_id, t, i)? {
                return Err(AppError::Conflict {
                    violation: Violation::new("identifier", "organisation_identifier_taken")
                        .with("identifier_type", t)
                        .with("identifier", i),
                    extra: vec![("existing_id", existing.id.0.into())],
                });
            }
        }
        Ok(store::create(c, structure_id, new)?)
    })
}

/// One page of the structure's organisations, optionally of one kind.
pub fn list_organisations(
    conn: &mut Conn,
    structure_id: StructureId,
    kind: Option<&str>,
    limit: i64,
    offset: i64,
) -> AppResult<(Vec<Organisation>, i64)> {
    // A kind outside the vocabulary matches no organisation, as the text filter did.
    let kind = match kind {
        Some(code) => match OrganisationKind::parse(code) {
            Some(kind) => Some(kind),
            None => return Ok((Vec::new(), 0)),
        },
        None => None,
    };
    Ok(store::list(conn, structure_id, kind, limit, offset)?)
}

/// One organisation of the structure, or not found.
pub fn organisation(
    conn: &mut Conn,
    structure_id: StructureId,
    id: OrganisationId,
) -> AppResult<Organisation> {
    store::find(conn, structure_id, id)?.ok_or(AppError::NotFound("organisation"))
}

/// Checks the contacts of an organisation: a valid email each (the first refusal only).
pub fn check_contacts(items: Vec<ContactInput>) -> AppResult<Vec<Contact>> {
    let mut list = Vec::new();
    for (i, c) in items.into_iter().enumerate() {
        let email = c.email.trim().to_lowercase();
        if email.parse::<lettre::Address>().is_err() {
            return Err(AppError::invalid(Violation::new(
                format!("[{i}].email"),
                "email_malformed",
            )));
        }
        list.push(Contact {
            email,
            name: c.name.map(Into::into),
        });
    }
    Ok(list)
}

/// Replaces the contacts of an organisation of the structure.
pub fn replace_contacts(
    conn: &mut Conn,
    structure_id: StructureId,
    id: OrganisationId,
    contacts: Vec<Contact>,
) -> AppResult<Vec<Contact>> {
    write_tx(conn, |c| {
        organisation(c, structure_id, id)?;
        store::replace_contacts(c, id, &contacts)?;
        Ok(store::contacts(c, id)?)
    })
}

/// The contacts of an organisation of the structure.
pub fn contacts(
    conn: &mut Conn,
    structure_id: StructureId,
    id: OrganisationId,
) -> AppResult<Vec<Contact>> {
    organisation(conn, structure_id, id)?;
    Ok(store::contacts(conn, id)?)
}
