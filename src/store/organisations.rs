//! Organisations of a structure: buyers, contractors, insertion structures, funders.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{organisation_contacts, organisations};
use crate::db::{now, Conn};
use crate::domain::ids::{OrganisationId, StructureId};
use crate::domain::vocabulary::{OrganisationKind, SiaeKind};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: OrganisationId,
    pub structure_id: StructureId,
    pub kind: OrganisationKind,
    pub name: String,
    pub identifier_type: Option<String>,
    pub identifier: Option<String>,
    pub territory: Option<String>,
    pub siae_kind: Option<SiaeKind>,
    pub created_at: chrono::NaiveDateTime,
    /// Raised by each correction: the `ETag` of its GET.
    pub version: i64,
    /// An enterprise of the social and solidarity economy (L2113-15).
    pub ess: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    pub id: OrganisationId,
    pub kind: OrganisationKind,
    pub name: String,
    pub siret: Option<String>,
    pub identifier_type: Option<String>,
    pub identifier: Option<String>,
    pub territory: Option<String>,
    pub siae_kind: Option<SiaeKind>,
    /// An enterprise of the social and solidarity economy (ESS, L2113-15).
    pub ess: bool,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> Self {
        let siret = match o.identifier_type.as_deref() {
            Some("SIRET") => o.identifier.clone(),
            _ => None,
        };
        OrganisationView {
            id: o.id,
            kind: o.kind,
            name: o.name,
            siret,
            identifier_type: o.identifier_type,
            identifier: o.identifier,
            territory: o.territory,
            siae_kind: o.siae_kind,
            ess: o.ess,
        }
    }
}

pub struct NewOrganisation {
    pub kind: OrganisationKind,
    pub name: String,
    pub identifier_type: Option<String>,
    pub identifier: Option<String>,
    pub territory: Option<String>,
    pub siae_kind: Option<SiaeKind>,
    pub ess: bool,
}

pub fn find(
    conn: &mut Conn,
    structure_id: StructureId,
    id: OrganisationId,
) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::id.eq(id))
        .filter(organisations::structure_id.eq(structure_id))
        .select(Organisation::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_identifier(
    conn: &mut Conn,
    structure_id: StructureId,
    identifier_type: &str,
    identifier: &str,
) -> QueryResult<Option<Organisation>> {
    organisations::table
        .filter(organisations::structure_id.eq(structure_id))
        .filter(organisations::identifier_type.eq(identifier_type))
        .filter(organisations::identifier.eq(identifier))
        .select(Organisation::as_select())
        .first(conn)
        .optional()
}

/// Inserts an organisation (the duplicate-identifier rule is the use case's:
/// `app::organisations`).
pub fn create(
    conn: &mut Conn,
    structure_id: StructureId,
    o: NewOrganisation,
) -> QueryResult<Organisation> {
    let id: OrganisationId = diesel::insert_into(organisations::table)
        .values((
            organisations::structure_id.eq(structure_id),
            organisations::kind.eq(&o.kind),
            organisations::name.eq(&o.name),
            organisations::identifier_type.eq(&o.identifier_type),
            organisations::identifier.eq(&o.identifier),
            organisations::territory.eq(&o.territory),
            organisations::siae_kind.eq(&o.siae_kind),
            organisations::ess.eq(o.ess),
            organisations::created_at.eq(now()),
        ))
        .returning(organisations::id)
        .get_result(conn)?;
    find(conn, structure_id, id)?.ok_or(diesel::result::Error::NotFound)
}

/// Writes the correctable fields of an organisation (its kind stays); the version is raised
/// by the caller's `claim_version!`.
pub fn update(conn: &mut Conn, id: OrganisationId, o: &NewOrganisation) -> QueryResult<()> {
    diesel::update(organisations::table.filter(organisations::id.eq(id)))
        .set((
            organisations::name.eq(&o.name),
            organisations::identifier_type.eq(&o.identifier_type),
            organisations::identifier.eq(&o.identifier),
            organisations::territory.eq(&o.territory),
            organisations::siae_kind.eq(&o.siae_kind),
            organisations::ess.eq(o.ess),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    kind: Option<OrganisationKind>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Organisation>, i64)> {
    let mut q = organisations::table
        .filter(organisations::structure_id.eq(structure_id))
        .into_boxed();
    let mut c = organisations::table
        .filter(organisations::structure_id.eq(structure_id))
        .into_boxed();
    if let Some(k) = kind {
        q = q.filter(organisations::kind.eq(k));
        c = c.filter(organisations::kind.eq(k));
    }
    let total = c.count().get_result(conn)?;
    let items = q
        .order(organisations::id)
        .limit(limit)
        .offset(offset)
        .select(Organisation::as_select())
        .load(conn)?;
    Ok((items, total))
}

/// Every organisation of the structure as a select names it: id, kind and name, by id. A
/// form narrows them itself (`app::organisations::org_choices`): names are matched without
/// case or accents, which neither backend's `LIKE` does the same way.
pub fn names(
    conn: &mut Conn,
    structure_id: StructureId,
) -> QueryResult<Vec<(OrganisationId, OrganisationKind, String)>> {
    organisations::table
        .filter(organisations::structure_id.eq(structure_id))
        .order(organisations::id)
        .select((organisations::id, organisations::kind, organisations::name))
        .load(conn)
}

#[derive(Debug, Clone, Serialize, Queryable, utoipa::ToSchema)]
pub struct Contact {
    pub email: String,
    pub name: Option<String>,
}

pub fn contacts(conn: &mut Conn, organisation_id: OrganisationId) -> QueryResult<Vec<Contact>> {
    organisation_contacts::table
        .filter(organisation_contacts::organisation_id.eq(organisation_id))
        .order(organisation_contacts::id)
        .select((organisation_contacts::email, organisation_contacts::name))
        .load(conn)
}

pub fn replace_contacts(
    conn: &mut Conn,
    organisation_id: OrganisationId,
    list: &[Contact],
) -> QueryResult<()> {
    diesel::delete(
        organisation_contacts::table
            .filter(organisation_contacts::organisation_id.eq(organisation_id)),
    )
    .execute(conn)?;
    for c in list {
        diesel::insert_into(organisation_contacts::table)
            .values((
                organisation_contacts::organisation_id.eq(organisation_id),
                organisation_contacts::email.eq(&c.email),
                organisation_contacts::name.eq(&c.name),
            ))
            .execute(conn)?;
    }
    Ok(())
}
