//! Queries of the reminder job: the clauses to look at, who receives what, and the few facts
//! its emails show. The job runs across structures; every recipient is looked up within the
//! structure of the clause it is about.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{
    clauses, eligibility_validations, organisation_contacts, organisations, participants, users,
};
use crate::db::Conn;
use crate::domain::ids::{OrganisationId, ParticipantId, StructureId, UserId};
use crate::domain::vocabulary::{ClauseStatus, Role};
use crate::store::clauses::Clause;

/// One email address a reminder goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee {
    pub email: String,
    pub user_id: Option<UserId>,
    pub name: Option<String>,
    /// The user behind this address turned optional reminders off.
    pub optional_off: bool,
}

/// Clauses whose reminders the job computes: active ones (every rule) and completed ones
/// (the rules about people), across structures.
pub fn clauses_to_watch(conn: &mut Conn) -> QueryResult<Vec<Clause>> {
    clauses::table
        .filter(clauses::status.eq_any([ClauseStatus::Active, ClauseStatus::Completed]))
        .order(clauses::id)
        .select(Clause::as_select())
        .load(conn)
}

/// Users of the structure by lower-cased email: (id, display name, optional reminders off).
fn user_by_email(
    conn: &mut Conn,
    structure_id: StructureId,
    email: &str,
) -> QueryResult<Option<(UserId, Option<String>, bool)>> {
    users::table
        .filter(users::structure_id.eq(structure_id))
        .filter(users::email.eq(email.trim().to_lowercase()))
        .filter(users::active.eq(true))
        .select((
            users::id,
            users::display_name,
            users::optional_reminders_off,
        ))
        .first(conn)
        .optional()
}

/// The reminder contacts of a contractor organisation; when it named none, its active
/// contractor users. A contact who is also a user inherits the user's opt-out.
pub fn contractor_addressees(
    conn: &mut Conn,
    structure_id: StructureId,
    organisation_id: OrganisationId,
) -> QueryResult<Vec<Addressee>> {
    let in_structure: i64 = organisations::table
        .filter(organisations::id.eq(organisation_id))
        .filter(organisations::structure_id.eq(structure_id))
        .count()
        .get_result(conn)?;
    if in_structure == 0 {
        return Ok(Vec::new());
    }
    let contacts: Vec<(String, Option<String>)> = organisation_contacts::table
        .filter(organisation_contacts::organisation_id.eq(organisation_id))
        .order(organisation_contacts::id)
        .select((organisation_contacts::email, organisation_contacts::name))
        .load(conn)?;
    let mut out = Vec::new();
    if contacts.is_empty() {
        let rows: Vec<(UserId, String, Option<String>, bool)> = users::table
            .filter(users::structure_id.eq(structure_id))
            .filter(users::organisation_id.eq(organisation_id))
            .filter(users::role.eq(Role::Contractor))
            .filter(users::active.eq(true))
            .order(users::id)
            .select((
                users::id,
                users::email,
                users::display_name,
                users::optional_reminders_off,
            ))
            .load(conn)?;
        for (id, email, name, off) in rows {
            out.push(Addressee {
                email,
                user_id: Some(id),
                name,
                optional_off: off,
            });
        }
        return Ok(out);
    }
    for (email, name) in contacts {
        let user = user_by_email(conn, structure_id, &email)?;
        out.push(Addressee {
            email: email.trim().to_lowercase(),
            user_id: user.as_ref().map(|u| u.0),
            name: name.or_else(|| user.as_ref().and_then(|u| u.1.clone())),
            optional_off: user.is_some_and(|u| u.2),
        });
    }
    Ok(out)
}

type UserRow = (UserId, String, Option<String>, bool);

fn addressee((id, email, name, off): UserRow) -> Addressee {
    Addressee {
        email,
        user_id: Some(id),
        name,
        optional_off: off,
    }
}

/// One staff user of the structure, if active.
pub fn staff_addressee(
    conn: &mut Conn,
    structure_id: StructureId,
    user_id: UserId,
) -> QueryResult<Option<Addressee>> {
    let row: Option<UserRow> = users::table
        .filter(users::id.eq(user_id))
        .filter(users::structure_id.eq(structure_id))
        .filter(users::role.eq_any([Role::Admin, Role::Facilitator]))
        .filter(users::active.eq(true))
        .select((
            users::id,
            users::email,
            users::display_name,
            users::optional_reminders_off,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(addressee))
}

/// The structure's facilitators; its admins when it has no facilitator.
pub fn structure_staff(conn: &mut Conn, structure_id: StructureId) -> QueryResult<Vec<Addressee>> {
    for role in [Role::Facilitator, Role::Admin] {
        let rows: Vec<UserRow> = users::table
            .filter(users::structure_id.eq(structure_id))
            .filter(users::role.eq(role))
            .filter(users::active.eq(true))
            .order(users::id)
            .select((
                users::id,
                users::email,
                users::display_name,
                users::optional_reminders_off,
            ))
            .load(conn)?;
        if !rows.is_empty() {
            return Ok(rows.into_iter().map(addressee).collect());
        }
    }
    Ok(Vec::new())
}

pub fn organisation_name(conn: &mut Conn, id: OrganisationId) -> QueryResult<String> {
    Ok(organisations::table
        .filter(organisations::id.eq(id))
        .select(organisations::name)
        .first::<String>(conn)
        .optional()?
        .unwrap_or_default())
}

/// How an email names a person: first name and initial ("Awa D."), or the file number once
/// the person is anonymised.
pub fn participant_label(conn: &mut Conn, id: ParticipantId) -> QueryResult<String> {
    let row: Option<(Option<String>, Option<String>)> = participants::table
        .filter(participants::id.eq(id))
        .select((participants::first_name, participants::last_name))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some((Some(first), last)) => {
            let initial = last
                .as_deref()
                .and_then(|l| l.chars().next())
                .map(|c| format!(" {c}."))
                .unwrap_or_default();
            format!("{first}{initial}")
        }
        _ => format!("personne n° {id}"),
    })
}

/// The last valid day of a person's latest eligibility validation.
pub fn eligibility_valid_until(
    conn: &mut Conn,
    participant_id: ParticipantId,
) -> QueryResult<Option<NaiveDate>> {
    let days: Vec<NaiveDate> = eligibility_validations::table
        .filter(eligibility_validations::participant_id.eq(participant_id))
        .filter(eligibility_validations::withdrawn_at.is_null())
        .select(eligibility_validations::valid_until)
        .load(conn)?;
    Ok(days.into_iter().max())
}

/// Turns optional reminders off or on for a user.
pub fn set_optional_off(conn: &mut Conn, user_id: UserId, off: bool) -> QueryResult<()> {
    diesel::update(users::table.filter(users::id.eq(user_id)))
        .set(users::optional_reminders_off.eq(off))
        .execute(conn)?;
    Ok(())
}

pub fn optional_off(conn: &mut Conn, user_id: UserId) -> QueryResult<bool> {
    Ok(users::table
        .filter(users::id.eq(user_id))
        .select(users::optional_reminders_off)
        .first(conn)
        .optional()?
        .unwrap_or(false))
}
