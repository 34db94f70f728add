//! The one shape of every record's history: when, who, what was done, why, and which
//! fields went from what to what (`{at, by: {id, name}, action, reason, changes: [{field,
//! before, after}]}`). Hour entries, eligibility validations and the personal-data audit
//! answer in it; the corrections of issue 17 write into it too.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::db::schema::{record_changes, users};
use crate::db::Conn;
use crate::domain::ids::{StructureId, UserId};
use crate::domain::units::hundredths_to_json;
use crate::domain::vocabulary::HistoryAction;

/// Who did it: a user, or the service itself (`id` null) for an automatic action such as
/// the anonymisation at the end of the retention period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = HistoryBy)]
pub struct By {
    pub id: Option<UserId>,
    /// The user's display name, else their email address.
    pub name: String,
}

/// How the service names itself when nobody clicked.
pub const SERVICE_NAME: &str = "clausier (traitement automatique)";

/// A user as people know them: the display name when there is one, else the email.
pub fn user_name(display_name: Option<String>, email: String) -> String {
    display_name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or(email)
}

impl By {
    /// A user as people know them: the display name when there is one, else the email.
    pub fn user(id: UserId, display_name: Option<String>, email: String) -> By {
        By {
            id: Some(id),
            name: user_name(display_name, email),
        }
    }

    /// A line that a user may or may not have written (`None`: the service).
    pub fn user_or_service(
        id: Option<UserId>,
        display_name: Option<String>,
        email: Option<String>,
    ) -> By {
        match (id, email) {
            (Some(id), Some(email)) => By::user(id, display_name, email),
            _ => By {
                id: None,
                name: SERVICE_NAME.to_string(),
            },
        }
    }
}

/// One field of a record, before and after (null: not set, or the record did not exist).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    #[schema(schema_with = any_value)]
    pub before: Value,
    #[schema(schema_with = any_value)]
    pub after: Value,
}

/// The schema of a field's value in a history: whatever JSON the field holds.
fn any_value() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([
            Type::String,
            Type::Number,
            Type::Integer,
            Type::Boolean,
            Type::Array,
            Type::Object,
            Type::Null,
        ]))
        .description(Some(
            "The field's value: a number (hours in hours), a text or date, a list of codes, \
             or null when not set",
        ))
        .build()
}

/// One line of a record's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: chrono::NaiveDateTime,
    pub by: By,
    pub action: HistoryAction,
    /// The reason given (an amendment, a rejection, a justification), null when none.
    pub reason: Option<String>,
    /// The fields that changed; hours in hours (56.5), never hundredths.
    pub changes: Vec<FieldChange>,
}

/// The fields whose value differs between two states of a record (a field absent from one
/// side is null there), in field name order.
pub fn changes_between(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> Vec<FieldChange> {
    let mut fields: Vec<&String> = before.keys().chain(after.keys()).collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|field| {
            let b = before.get(field).cloned().unwrap_or(Value::Null);
            let a = after.get(field).cloned().unwrap_or(Value::Null);
            (b != a).then(|| FieldChange {
                field: field.clone(),
                before: b,
                after: a,
            })
        })
        .collect()
}

/// A stored JSON object (a history snapshot) with the integer hundredths of `hour_fields`
/// written as hours; anything that is not an object reads as empty.
pub fn object_in_hours(stored: Option<&str>, hour_fields: &[&str]) -> Map<String, Value> {
    let mut object = match stored.map(serde_json::from_str::<Value>) {
        Some(Ok(Value::Object(o))) => o,
        _ => Map::new(),
    };
    for field in hour_fields {
        if let Some(v) = object.get_mut(*field) {
            if let Some(hundredths) = v.as_i64() {
                *v = hundredths_to_json(hundredths);
            }
        }
    }
    object
}

/// The kinds of record whose corrections are kept in `record_changes`, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Organisation,
    User,
    Contract,
    Clause,
    Assignment,
    Participant,
    Eligibility,
    Placement,
    FollowUp,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Organisation => "organisation",
            RecordKind::User => "user",
            RecordKind::Contract => "contract",
            RecordKind::Clause => "clause",
            RecordKind::Assignment => "assignment",
            RecordKind::Participant => "participant",
            RecordKind::Eligibility => "eligibility",
            RecordKind::Placement => "placement",
            RecordKind::FollowUp => "follow_up",
        }
    }
}

/// One line to write into a record's history.
pub struct NewHistoryLine<'a> {
    pub structure_id: StructureId,
    pub kind: RecordKind,
    /// The record's id (any typed id, as its integer).
    pub record_id: i64,
    pub at: chrono::NaiveDateTime,
    /// None: the service itself.
    pub by: Option<UserId>,
    pub action: HistoryAction,
    pub reason: Option<&'a str>,
    pub changes: &'a [FieldChange],
}

/// Writes one line of a record's history (in the caller's transaction).
pub fn record(conn: &mut Conn, line: NewHistoryLine<'_>) -> QueryResult<()> {
    let changes = serde_json::to_string(line.changes).unwrap_or_else(|_| "[]".into());
    diesel::insert_into(record_changes::table)
        .values((
            record_changes::structure_id.eq(line.structure_id),
            record_changes::entity.eq(line.kind.as_str()),
            record_changes::entity_id.eq(line.record_id),
            record_changes::at.eq(line.at),
            record_changes::user_id.eq(line.by),
            record_changes::action.eq(line.action.as_str()),
            record_changes::reason.eq(line.reason),
            record_changes::changes.eq(changes),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A record's history, oldest first, each line with who wrote it named.
pub fn history_of(
    conn: &mut Conn,
    structure_id: StructureId,
    kind: RecordKind,
    record_id: i64,
) -> QueryResult<Vec<HistoryEntry>> {
    type Line = (
        chrono::NaiveDateTime,
        Option<UserId>,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        String,
    );
    let rows: Vec<Line> = record_changes::table
        .left_join(users::table.on(users::id.nullable().eq(record_changes::user_id)))
        .filter(record_changes::structure_id.eq(structure_id))
        .filter(record_changes::entity.eq(kind.as_str()))
        .filter(record_changes::entity_id.eq(record_id))
        .order(record_changes::id)
        .select((
            record_changes::at,
            record_changes::user_id,
            users::display_name.nullable(),
            users::email.nullable(),
            record_changes::action,
            record_changes::reason,
            record_changes::changes,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(at, user_id, display_name, email, action, reason, changes)| HistoryEntry {
                at,
                by: By::user_or_service(user_id, display_name, email),
                // Only this module writes the column, from the enum.
                action: HistoryAction::parse(&action).unwrap_or(HistoryAction::Update),
                reason,
                changes: serde_json::from_str(&changes).unwrap_or_default(),
            },
        )
        .collect())
}

/// Takes a person's personal data out of the history lines of `kind` about `record_ids`
/// (in the caller's transaction, the anonymisation's): the free-text `reason` of each line
/// goes, and so do the values, before and after, of the `personal` fields among its changes.
/// The field names stay, and so does every other value (what was done, when, by whom, the
/// figures). Returns how many lines were rewritten.
pub fn forget_personal_data(
    conn: &mut Conn,
    structure_id: StructureId,
    kind: RecordKind,
    record_ids: &[i64],
    personal: &[&str],
) -> QueryResult<usize> {
    if record_ids.is_empty() {
        return Ok(0);
    }
    let lines: Vec<(i64, Option<String>, String)> = record_changes::table
        .filter(record_changes::structure_id.eq(structure_id))
        .filter(record_changes::entity.eq(kind.as_str()))
        .filter(record_changes::entity_id.eq_any(record_ids))
        .select((
            record_changes::id,
            record_changes::reason,
            record_changes::changes,
        ))
        .load(conn)?;
    let mut rewritten = 0;
    for (id, reason, stored) in lines {
        let changes = without_personal_values(&stored, personal);
        if reason.is_none() && changes == stored {
            continue;
        }
        diesel::update(record_changes::table.filter(record_changes::id.eq(id)))
            .set((
                record_changes::reason.eq(None::<String>),
                record_changes::changes.eq(changes),
            ))
            .execute(conn)?;
        rewritten += 1;
    }
    Ok(rewritten)
}

/// A stored list of changes with the values of the `personal` fields set to null; a list
/// that cannot be read (never written so) is emptied rather than kept.
fn without_personal_values(stored: &str, personal: &[&str]) -> String {
    let Ok(mut changes) = serde_json::from_str::<Vec<FieldChange>>(stored) else {
        return "[]".into();
    };
    let mut blanked = false;
    for change in changes
        .iter_mut()
        .filter(|c| personal.contains(&c.field.as_str()))
    {
        if !change.before.is_null() || !change.after.is_null() {
            change.before = Value::Null;
            change.after = Value::Null;
            blanked = true;
        }
    }
    if !blanked {
        return stored.to_string();
    }
    serde_json::to_string(&changes).unwrap_or_else(|_| "[]".into())
}

/// A view of a record as the object its history compares: its JSON fields by name.
pub fn fields_of<T: Serialize>(view: &T) -> Map<String, Value> {
    match serde_json::to_value(view) {
        Ok(Value::Object(o)) => o,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(o) => o,
            _ => Map::new(),
        }
    }

    #[test]
    fn only_the_fields_that_differ_are_changes() {
        let before =
            object(json!({"work_hours": 56, "status": "submitted", "validated_work": null}));
        let after = object(json!({"work_hours": 56, "status": "validated", "validated_work": 56}));
        let changes = changes_between(&before, &after);
        assert_eq!(
            changes,
            vec![
                FieldChange {
                    field: "status".into(),
                    before: json!("submitted"),
                    after: json!("validated")
                },
                FieldChange {
                    field: "validated_work".into(),
                    before: Value::Null,
                    after: json!(56)
                },
            ]
        );
    }

    #[test]
    fn a_new_record_changes_every_field_it_sets_from_null() {
        let after = object(json!({"work_hours": 10, "training_hours": 0}));
        let changes = changes_between(&Map::new(), &after);
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|c| c.before.is_null()));
    }

    #[test]
    fn a_figure_left_out_of_a_snapshot_reads_as_its_explicit_null() {
        // Entry snapshots once wrote the figures not yet validated as null; they now leave
        // them out. A validation reads the same from either.
        let fields = [
            "work_hours",
            "training_hours",
            "validated_work",
            "validated_training",
        ];
        let validated = object_in_hours(
            Some(
                r#"{"status":"validated","training_hours":0,"validated_training":0,"validated_work":5650,"work_hours":5650}"#,
            ),
            &fields,
        );
        let with_nulls = object_in_hours(
            Some(
                r#"{"status":"submitted","training_hours":0,"validated_training":null,"validated_work":null,"work_hours":5650}"#,
            ),
            &fields,
        );
        let without = object_in_hours(
            Some(r#"{"status":"submitted","training_hours":0,"work_hours":5650}"#),
            &fields,
        );
        let changes = changes_between(&without, &validated);
        assert_eq!(changes, changes_between(&with_nulls, &validated));
        assert_eq!(
            changes
                .iter()
                .map(|c| (c.field.as_str(), c.before.clone(), c.after.clone()))
                .collect::<Vec<_>>(),
            [
                ("status", json!("submitted"), json!("validated")),
                ("validated_training", Value::Null, json!(0)),
                ("validated_work", Value::Null, json!(56.5)),
            ]
        );
        // And a submission shows only the figures it sets.
        assert_eq!(
            changes_between(&Map::new(), &without),
            changes_between(&Map::new(), &with_nulls)
        );
    }

    #[test]
    fn stored_hundredths_read_as_hours() {
        let o = object_in_hours(
            Some(
                r#"{"work_hours":5650,"training_hours":0,"status":"submitted","validated_work":null}"#,
            ),
            &["work_hours", "training_hours", "validated_work"],
        );
        assert_eq!(o["work_hours"], json!(56.5));
        assert_eq!(o["training_hours"], json!(0));
        assert_eq!(o["validated_work"], Value::Null);
        assert_eq!(o["status"], json!("submitted"));
        assert!(object_in_hours(None, &["work_hours"]).is_empty());
        assert!(object_in_hours(Some("not json"), &["work_hours"]).is_empty());
    }

    #[test]
    fn personal_values_are_blanked_and_the_rest_kept() {
        let stored = serde_json::to_string(&[
            FieldChange {
                field: "first_name".into(),
                before: json!("Awa"),
                after: json!("Awa-Marie"),
            },
            FieldChange {
                field: "postal_code".into(),
                before: json!("93200"),
                after: Value::Null,
            },
            FieldChange {
                field: "qpv".into(),
                before: json!(true),
                after: json!(false),
            },
        ])
        .unwrap();
        let out: Vec<FieldChange> = serde_json::from_str(&without_personal_values(
            &stored,
            &["first_name", "postal_code", "last_name"],
        ))
        .unwrap();
        let fields: Vec<&str> = out.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["first_name", "postal_code", "qpv"]);
        assert!(out[..2]
            .iter()
            .all(|c| c.before.is_null() && c.after.is_null()));
        assert_eq!(
            (&out[2].before, &out[2].after),
            (&json!(true), &json!(false))
        );
        // Nothing personal: the stored text is kept as it is; unreadable: emptied.
        assert_eq!(without_personal_values(&stored, &["sex"]), stored);
        assert_eq!(without_personal_values("Awa Diallo", &["sex"]), "[]");
    }

    #[test]
    fn a_user_is_named_by_display_name_else_email_and_nobody_is_the_service() {
        assert_eq!(
            By::user(UserId(3), Some("Awa Diop".into()), "awa@x.fr".into()).name,
            "Awa Diop"
        );
        assert_eq!(
            By::user(UserId(3), Some(" ".into()), "awa@x.fr".into()).name,
            "awa@x.fr"
        );
        let service = By::user_or_service(None, None, None);
        assert_eq!(service.id, None);
        assert_eq!(service.name, SERVICE_NAME);
    }
}
