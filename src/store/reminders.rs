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
        Some((first, last)) => label_of(first, last, id),
        None => format!("personne n° {id}"),
    })
}

/// A person as emails name them: the first name and the initial of the last name, or the
/// number of an anonymised person.
fn label_of(first: Option<String>, last: Option<String>, id: ParticipantId) -> String {
    match first {
        Some(first) => {
            let initial = last
                .as_deref()
                .and_then(|l| l.chars().next())
                .map(|c| format!(" {c}."))
                .unwrap_or_default();
            format!("{first}{initial}")
        }
        None => format!("personne n° {id}"),
    }
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

/// A figure rejected by a facilitator, with what its email shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionRow {
    /// The history line of the rejection.
    pub change_id: i64,
    pub structure_id: StructureId,
    pub contractor_id: OrganisationId,
    pub month: String,
    pub at: chrono::NaiveDateTime,
    pub reason: Option<String>,
    /// The entry's figures before the decision (the history's snapshot, JSON).
    pub before: Option<String>,
    /// As emails name people ("Awa D.").
    pub participant: String,
    pub contract_reference: String,
    pub contract_title: String,
}

/// The rejections of figures made since `since`, across structures, oldest first (each a
/// line of an entry's history, with the placement's contractor, person and contract).
pub fn rejections_since(
    conn: &mut Conn,
    since: chrono::NaiveDateTime,
) -> QueryResult<Vec<RejectionRow>> {
    use crate::db::schema::{assignments, contracts, hour_entries, hour_entry_changes, placements};
    use crate::domain::vocabulary::HistoryAction;
    type Row = (
        i64,
        StructureId,
        OrganisationId,
        String,
        chrono::NaiveDateTime,
        Option<String>,
        Option<String>,
        ParticipantId,
        Option<String>,
        Option<String>,
        String,
        String,
    );
    let rows: Vec<Row> = hour_entry_changes::table
        .inner_join(hour_entries::table.on(hour_entries::id.eq(hour_entry_changes::entry_id)))
        .inner_join(placements::table.on(placements::id.eq(hour_entries::placement_id)))
        .inner_join(participants::table.on(participants::id.eq(placements::participant_id)))
        .inner_join(assignments::table.on(assignments::id.eq(placements::assignment_id)))
        .inner_join(clauses::table.on(clauses::id.eq(assignments::clause_id)))
        .inner_join(contracts::table.on(contracts::id.eq(clauses::contract_id)))
        .filter(hour_entry_changes::action.eq(HistoryAction::Reject))
        .filter(hour_entry_changes::at.ge(since))
        .order(hour_entry_changes::id)
        .select((
            hour_entry_changes::id,
            hour_entries::structure_id,
            placements::contractor_id,
            hour_entries::month,
            hour_entry_changes::at,
            hour_entry_changes::reason,
            hour_entry_changes::before_value,
            participants::id,
            participants::first_name,
            participants::last_name,
            contracts::reference,
            contracts::title,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                change_id,
                structure_id,
                contractor_id,
                month,
                at,
                reason,
                before,
                person,
                first,
                last,
                reference,
                title,
            )| {
                RejectionRow {
                    change_id,
                    structure_id,
                    contractor_id,
                    month,
                    at,
                    reason,
                    before,
                    participant: label_of(first, last, person),
                    contract_reference: reference,
                    contract_title: title,
                }
            },
        )
        .collect())
}
