//! Use cases of organisations (buyers, contractors, insertion structures, funders) and of
//! the contacts who receive a contractor's reminders.

use crate::app::versioned::{check_if_match, claimed, Versioned};
use crate::app::{AppError, AppResult};
use crate::auth::records::contractor_sees_organisation;
use crate::auth::Caller;
use crate::db::{now, write_tx, Conn};
use crate::domain::ids::{OrganisationId, StructureId};
use crate::domain::limits::{Code, Email, Label, Name};
use crate::domain::patch::{apply, not_null, Patch};
use crate::domain::rule::Violation;
use crate::domain::siret::check_identifier;
use crate::domain::territory::is_valid_departement;
use crate::domain::version::{IfMatch, Version};
use crate::domain::vocabulary::{HistoryAction, OrganisationKind, SiaeKind};
use crate::store::history::{self, changes_between, fields_of, HistoryEntry, RecordKind};
use crate::store::organisations::{
    self as store, Contact, NewOrganisation, Organisation, OrganisationView,
};
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
    /// An enterprise of the social and solidarity economy (L2113-15); false when absent.
    #[serde(default)]
    pub ess: Option<bool>,
}

/// A correction of an organisation (JSON merge patch): a field absent stays, `null` clears an
/// optional one. Its kind is not correctable (a typo's record is created again).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<Label>)]
    pub name: Patch<Label>,
    /// A SIRET replaces any other identifier.
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<Code>)]
    pub siret: Patch<Code>,
    /// With `identifier`, for an organisation without a SIRET (replaces the SIRET).
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<Code>)]
    pub identifier_type: Patch<Code>,
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<Code>)]
    pub identifier: Patch<Code>,
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<Code>)]
    pub territory: Patch<Code>,
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<SiaeKind>)]
    pub siae_kind: Patch<Code>,
    /// An enterprise of the social and solidarity economy (`null`: not one).
    #[serde(default, deserialize_with = "crate::domain::patch::present")]
    #[schema(value_type = Option<bool>)]
    pub ess: Patch<bool>,
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
        ess: input.ess.unwrap_or(false),
    })
}

/// The refusal of an identifier another organisation of the structure holds.
fn identifier_taken(t: &str, i: &str, existing: OrganisationId) -> AppError {
    AppError::Conflict {
        violation: Violation::new("identifier", "organisation_identifier_taken")
            .with("identifier_type", t)
            .with("identifier", i),
        extra: vec![("existing_id", existing.0.into())],
    }
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
                return Err(identifier_taken(t, i, existing.id));
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

/// An organisation a form's select offers.
#[derive(Debug, Clone)]
pub struct OrgChoice {
    pub id: OrganisationId,
    pub kind: OrganisationKind,
    pub name: String,
}

/// What a form's select of organisations offers: at most `max` of them, and whether others
/// match too (then the form asks for a part of the name).
#[derive(Debug, Clone, Default)]
pub struct OrgChoices {
    pub list: Vec<OrgChoice>,
    pub more: bool,
}

/// Most characters of an organisation filter that are read.
const ORG_FILTER_MAX_CHARS: usize = 200;

/// The organisations of the structure of these kinds whose name holds every word of `query`
/// (case and accents ignored; empty: all), by name, the first `max`. Those of `keep` (the
/// one the record has, the one chosen in the form) are always offered, whatever their rank
/// or name: a filter never drops what a form holds. A structure may hold tens of thousands
/// of organisations; their names are read whole (id, kind, name), none is sent beyond `max`.
pub fn org_choices(
    conn: &mut Conn,
    structure_id: StructureId,
    kinds: &[OrganisationKind],
    query: &str,
    keep: &[OrganisationId],
    max: usize,
) -> AppResult<OrgChoices> {
    // The filter is typed by the visitor: every name is matched against its words, so it is
    // bounded (a name is never longer).
    let query: String = query.chars().take(ORG_FILTER_MAX_CHARS).collect();
    let key = crate::domain::search::search_key(&query);
    let all = store::names(conn, structure_id)?;
    let mut matching: Vec<(String, &(OrganisationId, OrganisationKind, String))> = all
        .iter()
        .filter(|(_, kind, name)| {
            kinds.contains(kind) && crate::domain::search::holds_words(name, &key)
        })
        .map(|o| (crate::domain::search::search_key(&o.2), o))
        .collect();
    matching.sort_by(|a, b| (&a.0, a.1 .0).cmp(&(&b.0, b.1 .0)));
    let more = matching.len() > max;
    matching.truncate(max);
    let mut list: Vec<&(OrganisationId, OrganisationKind, String)> =
        matching.into_iter().map(|(_, o)| o).collect();
    for id in keep {
        if !list.iter().any(|o| o.0 == *id) {
            if let Some(o) = all.iter().find(|o| o.0 == *id) {
                list.insert(0, o);
            }
        }
    }
    Ok(OrgChoices {
        list: list
            .into_iter()
            .map(|(id, kind, name)| OrgChoice {
                id: *id,
                kind: *kind,
                name: name.clone(),
            })
            .collect(),
        more,
    })
}

/// One organisation of the structure, or not found.
pub fn organisation(
    conn: &mut Conn,
    structure_id: StructureId,
    id: OrganisationId,
) -> AppResult<Organisation> {
    store::find(conn, structure_id, id)?.ok_or(AppError::NotFound("organisation"))
}

/// One organisation of the structure with its version (the `ETag` of its GET).
pub fn organisation_versioned(
    conn: &mut Conn,
    structure_id: StructureId,
    id: OrganisationId,
) -> AppResult<Versioned<Organisation>> {
    let o = organisation(conn, structure_id, id)?;
    let version = Version(o.version);
    Ok(Versioned::new(o, version))
}

/// A stored text back into the input type it was checked as (it passed the same limits).
fn stored<T: TryFrom<String>>(text: String) -> AppResult<T> {
    T::try_from(text).map_err(|_| {
        tracing::error!("a stored organisation field no longer fits its limits");
        AppError::Internal
    })
}

/// The creation input an organisation would have after `patch`: its current fields, each
/// replaced by the patch's when given. A SIRET and another identifier exclude each other: a
/// patch naming one replaces the other (naming both is refused by `validate`).
fn merged(current: &Organisation, patch: OrganisationPatch) -> AppResult<OrganisationInput> {
    let mut errors = Vec::new();
    let name = not_null("name", patch.name).unwrap_or_else(|v| {
        errors.push(v);
        None
    });
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let is_siret = current.identifier_type.as_deref() == Some("SIRET");
    let code = |t: Option<String>| t.map(stored::<Code>).transpose();
    let (cur_siret, cur_type, cur_id) = if is_siret {
        (code(current.identifier.clone())?, None, None)
    } else {
        (
            None,
            code(current.identifier_type.clone())?,
            code(current.identifier.clone())?,
        )
    };
    let touches_siret = patch.siret.is_some();
    let touches_other = patch.identifier_type.is_some() || patch.identifier.is_some();
    let siret = apply(cur_siret, patch.siret);
    let identifier_type = apply(cur_type, patch.identifier_type);
    let identifier = apply(cur_id, patch.identifier);
    let (siret, identifier_type, identifier) = match (touches_siret, touches_other) {
        // A new SIRET replaces the other identifier; cleared, the other one stays.
        (true, false) if siret.is_some() => (siret, None, None),
        (true, false) => (None, identifier_type, identifier),
        // Another identifier replaces the SIRET.
        (false, true) if identifier_type.is_some() || identifier.is_some() => {
            (None, identifier_type, identifier)
        }
        _ => (siret, identifier_type, identifier),
    };
    Ok(OrganisationInput {
        kind: stored(current.kind.as_str().to_string())?,
        name: match name {
            Some(n) => n,
            None => stored(current.name.clone())?,
        },
        siret,
        identifier_type,
        identifier,
        territory: apply(code(current.territory.clone())?, patch.territory),
        siae_kind: apply(
            code(current.siae_kind.map(|k| k.as_str().to_string()))?,
            patch.siae_kind,
        ),
        ess: Some(apply(Some(current.ess), patch.ess).unwrap_or(false)),
    })
}

/// Corrects an organisation of the structure: the same checks as its creation on the
/// fields it would have, one organisation per identifier (409 with the other's id), the
/// caller's `If-Match` (412), and a line of its history. A correction that changes nothing
/// answers the organisation as it is.
pub fn correct_organisation(
    conn: &mut Conn,
    caller: &Caller,
    id: OrganisationId,
    patch: OrganisationPatch,
    if_match: Option<IfMatch>,
) -> AppResult<Versioned<Organisation>> {
    let sid = caller.structure_id;
    write_tx(conn, |c| {
        let before = organisation(c, sid, id)?;
        check_if_match(if_match.as_ref(), Version(before.version))?;
        let new = validate(merged(&before, patch)?)?;
        if let (Some(t), Some(i)) = (&new.identifier_type, &new.identifier) {
            if let Some(existing) = store::find_by_identifier(c, sid, t, i)? {
                if existing.id != id {
                    return Err(identifier_taken(t, i, existing.id));
                }
            }
        }
        let before_fields = fields_of(&OrganisationView::from(before.clone()));
        let mut after = before.clone();
        after.name.clone_from(&new.name);
        after.identifier_type.clone_from(&new.identifier_type);
        after.identifier.clone_from(&new.identifier);
        after.territory.clone_from(&new.territory);
        after.siae_kind = new.siae_kind;
        after.ess = new.ess;
        let changes = changes_between(&before_fields, &fields_of(&OrganisationView::from(after)));
        if changes.is_empty() {
            return Ok(Versioned::new(before.clone(), Version(before.version)));
        }
        claimed(
            crate::claim_version!(c, organisations, id, Version(before.version))?,
            if_match.as_ref(),
        )?;
        store::update(c, id, &new)?;
        history::record(
            c,
            history::NewHistoryLine {
                structure_id: sid,
                kind: RecordKind::Organisation,
                record_id: id.0,
                at: now(),
                by: Some(caller.user_id),
                action: HistoryAction::Correct,
                reason: None,
                changes: &changes,
            },
        )?;
        organisation_versioned(c, sid, id)
    })
}

/// The history of an organisation of the structure, oldest first.
pub fn organisation_history(
    conn: &mut Conn,
    structure_id: StructureId,
    id: OrganisationId,
) -> AppResult<Vec<HistoryEntry>> {
    organisation(conn, structure_id, id)?;
    Ok(history::history_of(
        conn,
        structure_id,
        RecordKind::Organisation,
        id.0,
    )?)
}

/// The organisation whose contacts the caller may read or replace: staff any of their
/// structure; a contractor its own only (any other is unknown to it).
fn contacts_owner(conn: &mut Conn, caller: &Caller, id: OrganisationId) -> AppResult<Organisation> {
    if !contractor_sees_organisation(caller.contractor_org(), id) {
        return Err(AppError::NotFound("organisation"));
    }
    organisation(conn, caller.structure_id, id)
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

/// Replaces the contacts of an organisation the caller may manage (a contractor: its own).
pub fn replace_contacts(
    conn: &mut Conn,
    caller: &Caller,
    id: OrganisationId,
    contacts: Vec<Contact>,
) -> AppResult<Vec<Contact>> {
    write_tx(conn, |c| {
        contacts_owner(c, caller, id)?;
        store::replace_contacts(c, id, &contacts)?;
        Ok(store::contacts(c, id)?)
    })
}

/// The contacts of an organisation the caller may manage (a contractor: its own).
pub fn contacts(conn: &mut Conn, caller: &Caller, id: OrganisationId) -> AppResult<Vec<Contact>> {
    contacts_owner(conn, caller, id)?;
    Ok(store::contacts(conn, id)?)
}
