//! What every correction page shares (issue 19, « Corrections »): a record's form described
//! by its fields, filled from the record as the API answers it (its JSON), sent as the JSON
//! body of the API's use case (`PATCH` with the record's version as `If-Match`, or the body
//! of an action such as an amendment, a hand-over or a cancellation), the 412 page showing
//! the other person's change beside what was typed, French errors beside the fields, and
//! the one history table of every record.
//!
//! The record pages (`corrections_records.rs`) only say which fields a record has, how to
//! read it and which use case writes it: the body goes through the same parser as the API's
//! (`api::body::parse_json`), so its limits and its error messages are the API's.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use rocket::http::Status;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::app::{AppError, AppResult};
use crate::auth::csrf::RequestOrigin;
use crate::auth::Caller;
use crate::db::{Conn, Db};
use crate::domain::calibration::format_hundredths_fr;
use crate::domain::catalogue::CodeList;
use crate::domain::next_action::format_date_fr;
use crate::domain::rule::Violation;
use crate::domain::units::{hundredths_to_json, parse_hundredths};
use crate::domain::version::IfMatch;
use crate::error::ApiError;
use crate::pages::{hours_input, parse_hours_input, Exit, FieldErrors, Html, PageView, Visitor};
use crate::store::history::HistoryEntry;

/// How a field is typed, and what JSON it gives.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text (a JSON string).
    Text,
    /// Several lines (a JSON string): reasons and justifications.
    Area,
    /// `AAAA-MM-JJ` (a JSON string).
    Date,
    /// Euros typed the French way (a JSON number with two decimals at most).
    Money,
    /// A percentage typed the French way (a JSON number with two decimals at most).
    Percent,
    /// Hours typed the French way (a JSON number with two decimals at most).
    Hours,
    /// A whole number.
    Int,
    /// One code of a list (a JSON string).
    Code,
    /// One record of a list, by its id (a JSON number).
    Id,
    /// Yes or no (a JSON boolean).
    Check,
    /// Codes of a list, as checkboxes (a JSON array of strings).
    Codes,
    /// A list of objects, one line of inputs each (a contract's lots): `Field::rows` says
    /// its columns. Sent whole when one line changed.
    Rows,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Area => "area",
            Kind::Date => "date",
            Kind::Money | Kind::Percent | Kind::Hours | Kind::Int => "number",
            Kind::Code | Kind::Id => "select",
            Kind::Check => "check",
            Kind::Codes => "checks",
            Kind::Rows => "rows",
        }
    }
}

/// A choice of a select or a checkbox list: its code (or id) and its French label.
#[derive(Serialize, Clone, Debug)]
pub struct Choice {
    pub code: String,
    pub label: String,
}

/// The choices of a list of the catalogue.
pub fn choices(list: &CodeList) -> Vec<Choice> {
    list.iter()
        .map(|(code, label)| Choice {
            code: code.to_string(),
            label: label.to_string(),
        })
        .collect()
}

/// Most lines a list field takes from a form (the lots of a contract).
pub const ROWS_MAX: usize = 100;
/// Blank lines a list field offers after its last filled one: lines are added this way,
/// without JavaScript.
const BLANK_ROWS: usize = 2;

/// The columns of a list field, and how its lines are named.
#[derive(Clone)]
pub struct Rows {
    /// One input each on every line: `name` is the key of the line's object.
    pub columns: Vec<Field>,
    /// The legend of a filled line, followed by its first column ("Lot" → « Lot 2 »).
    pub item: &'static str,
    /// The legend of a blank line.
    pub blank: &'static str,
    /// The label of the checkbox taking a line out.
    pub remove: &'static str,
    /// A line (its JSON object) in French words, for the history and the 412 page.
    pub words: fn(&Value) -> String,
}

/// The filter of a long select (organisations): what was typed to narrow it (sent as
/// `<field>_q`) and the sentence saying how the list is narrowed.
#[derive(Clone, Serialize, Debug)]
pub struct Filter {
    pub query: String,
    pub hint: String,
}

impl Filter {
    /// The filter of a select of `max` choices at most: `None` when every choice fits and
    /// nothing was typed (no filter shown).
    pub fn of(query: &str, more: bool, max: usize) -> Option<Filter> {
        let query = query.trim().to_string();
        let max = format_hundredths_fr(max as i64 * 100, false);
        let hint = match (query.is_empty(), more) {
            (true, false) => return None,
            (true, true) => {
                format!("Plus de {max} organisations\u{a0}: tapez une partie du nom pour filtrer.")
            }
            (false, true) => format!(
                "Plus de {max} organisations ont «\u{a0}{query}\u{a0}» dans leur nom\u{a0}: précisez-le."
            ),
            (false, false) => format!(
                "La liste ne montre que les organisations dont le nom contient «\u{a0}{query}\u{a0}»\u{a0}; videz le filtre pour les revoir toutes."
            ),
        };
        Some(Filter { query, hint })
    }
}

/// What a form's filter of `field` holds (`<field>_q`), trimmed.
pub fn filter_typed(posted: &str, field: &str) -> String {
    one(&values_posted(posted), &format!("{field}_q"))
}

/// Whether a posted form asks for one of its selects (`names`) to be narrowed rather than
/// written: its « Filtrer » button, or a filter changed since the page was drawn (Enter
/// pressed in it sends the form's first button, its main one).
pub fn filtering<'a>(names: impl IntoIterator<Item = &'a str>, typed: &Values) -> bool {
    !one(typed, "filtrer").is_empty()
        || names.into_iter().any(|name| {
            let q = format!("{name}_q");
            typed.contains_key(&q) && one(typed, &q) != one(typed, &format!("{q}_shown"))
        })
}

/// A field of a form.
#[derive(Clone)]
pub struct Field {
    /// Its name in the form and in the API's body; `object.key` for a key of an object of
    /// the body (the clause's `calibration`), which is sent whole when one of its keys
    /// changed.
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub hint: &'static str,
    pub choices: Vec<Choice>,
    /// A field of the record (false: what the action asks besides, such as its reason,
    /// which a 412 keeps as typed).
    pub of_record: bool,
    /// The columns of a `Kind::Rows` field.
    pub rows: Option<Rows>,
    /// The filter of a select whose choices are narrowed (organisations).
    pub filter: Option<Filter>,
}

impl Field {
    pub fn new(name: &'static str, label: &'static str, kind: Kind) -> Field {
        Field {
            name,
            label,
            kind,
            required: false,
            hint: "",
            choices: Vec::new(),
            of_record: true,
            rows: None,
            filter: None,
        }
    }

    /// A list of objects, one line of inputs each.
    pub fn rows(name: &'static str, label: &'static str, rows: Rows) -> Field {
        let mut f = Field::new(name, label, Kind::Rows);
        f.rows = Some(rows);
        f
    }

    /// A select narrowed by a filter (`None`: every choice shown, no filter).
    pub fn filter(mut self, filter: Option<Filter>) -> Field {
        self.filter = filter;
        self
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: &'static str) -> Field {
        self.hint = hint;
        self
    }

    pub fn choices(mut self, choices: Vec<Choice>) -> Field {
        self.choices = choices;
        self
    }

    /// Not a field of the record: the reason of a correction, of a cancellation...
    pub fn asked(mut self) -> Field {
        self.of_record = false;
        self
    }

    /// The reason kept in the record's history.
    pub fn reason(required: bool) -> Field {
        let mut f = Field::new("reason", "Motif", Kind::Area)
            .hint("Il reste dans l'historique de la fiche.")
            .asked();
        f.required = required;
        f
    }
}

/// What a form holds: each field's values as typed (several for checkboxes).
pub type Values = BTreeMap<String, Vec<String>>;

/// The values of a record's JSON as its form shows them (a list field: its marker, sent
/// by the form as the checkboxes' one, and each line's cells).
pub fn values_of(fields: &[Field], record: &Value) -> Values {
    let mut out = Values::new();
    for f in fields {
        let value = at_path(record, f.name);
        let Some(rows) = &f.rows else {
            out.insert(f.name.to_string(), shown_input(f.kind, value));
            continue;
        };
        out.insert(f.name.to_string(), vec![String::new()]);
        for (i, item) in value.as_array().into_iter().flatten().enumerate() {
            for c in &rows.columns {
                let cell = item.get(c.name).unwrap_or(&Value::Null);
                out.insert(row_key(f.name, i, c.name), shown_input(c.kind, cell));
            }
        }
    }
    out
}

/// The form name of a cell of a list field: `lots[2].amount_eur`, as the API names it.
fn row_key(name: &str, line: usize, column: &str) -> String {
    format!("{name}[{line}].{column}")
}

/// How many lines of a list field a form sent (its highest line, plus one).
fn rows_sent(f: &Field, typed: &Values) -> Result<usize, Violation> {
    let prefix = format!("{}[", f.name);
    let mut n = 0;
    for key in typed.keys() {
        let Some(rest) = key.strip_prefix(&prefix) else {
            continue;
        };
        match rest.split(']').next().map(str::parse::<usize>) {
            Some(Ok(i)) if i < ROWS_MAX => n = n.max(i + 1),
            Some(Ok(_)) => {
                return Err(Violation::new(f.name, "list_too_long").with("max", ROWS_MAX))
            }
            _ => {}
        }
    }
    Ok(n)
}

/// The lines of a list field as typed: each one kept (neither emptied nor taken out) with
/// its line in the form and its JSON object; or the rules they break, each named by its
/// line in the form (`lots[2].amount_eur`).
pub fn rows_typed(f: &Field, typed: &Values) -> Result<Vec<(usize, Value)>, Vec<Violation>> {
    let Some(rows) = &f.rows else {
        return Ok(Vec::new());
    };
    let n = rows_sent(f, typed).map_err(|v| vec![v])?;
    let none = Vec::new();
    let mut kept = Vec::new();
    let mut broken = Vec::new();
    for i in 0..n {
        let cell = |c: &str| typed.get(&row_key(f.name, i, c)).unwrap_or(&none);
        let filled = |c: &str| cell(c).iter().any(|v| !v.trim().is_empty());
        if filled("remove") || !rows.columns.iter().any(|c| filled(c.name)) {
            continue;
        }
        let mut object = Map::new();
        for c in &rows.columns {
            match typed_json(c, cell(c.name)) {
                Ok(Some(v)) => {
                    object.insert(c.name.to_string(), v);
                }
                Ok(None) if c.required => {
                    broken.push(Violation::new(row_key(f.name, i, c.name), "required"))
                }
                Ok(None) => {}
                Err(mut v) => {
                    v.field = row_key(f.name, i, c.name);
                    broken.push(v);
                }
            }
        }
        kept.push((i, Value::Object(object)));
    }
    if broken.is_empty() {
        Ok(kept)
    } else {
        Err(broken)
    }
}

/// A list field's lines in French words (the 412 page).
fn rows_words(f: &Field, typed: &Values) -> String {
    let Some(rows) = &f.rows else {
        return String::new();
    };
    match rows_typed(f, typed) {
        Ok(kept) if kept.is_empty() => "(aucun)".to_string(),
        Ok(kept) => kept
            .iter()
            .map(|(_, v)| (rows.words)(v))
            .collect::<Vec<_>>()
            .join(" ; "),
        Err(_) => "(saisie à corriger)".to_string(),
    }
}

/// The value at a field's name in a record: `a.b` is key `b` of object `a`.
fn at_path<'a>(record: &'a Value, name: &str) -> &'a Value {
    name.split('.')
        .try_fold(record, |v, key| v.get(key))
        .unwrap_or(&Value::Null)
}

/// A JSON value as a form's input shows it.
fn shown_input(kind: Kind, v: &Value) -> Vec<String> {
    match v {
        Value::Null => Vec::new(),
        Value::Bool(true) => vec!["on".to_string()],
        Value::Bool(false) => Vec::new(),
        Value::String(s) => vec![s.clone()],
        Value::Number(n) => match kind {
            Kind::Money | Kind::Percent => parse_hundredths(&n.to_string())
                .map(|h| format_hundredths_fr(h, h % 100 != 0))
                .into_iter()
                .collect(),
            Kind::Hours => parse_hundredths(&n.to_string())
                .map(hours_input)
                .into_iter()
                .collect(),
            _ => vec![n.to_string()],
        },
        Value::Array(items) => items.iter().flat_map(|i| shown_input(kind, i)).collect(),
        Value::Object(_) => Vec::new(),
    }
}

/// The values of a posted form (`application/x-www-form-urlencoded`), by field name.
pub fn values_posted(body: &str) -> Values {
    let mut out = Values::new();
    for (name, value) in url::form_urlencoded::parse(body.as_bytes()) {
        out.entry(name.into_owned())
            .or_default()
            .push(value.into_owned());
    }
    out
}

/// The one value of a field of a posted form, trimmed ("" when absent).
pub fn one(values: &Values, name: &str) -> String {
    values
        .get(name)
        .and_then(|v| v.first())
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

/// The JSON a field's typed values give, or the rule they break; `None`: left empty.
fn typed_json(f: &Field, typed: &[String]) -> Result<Option<Value>, Violation> {
    let text = typed.first().map(|t| t.trim()).unwrap_or("");
    match f.kind {
        Kind::Check => {
            return Ok(Some(Value::Bool(
                typed.iter().any(|t| !t.trim().is_empty()),
            )))
        }
        Kind::Codes => {
            let mut codes: Vec<String> = typed
                .iter()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
            codes.sort();
            codes.dedup();
            return Ok(Some(Value::from(codes)));
        }
        _ => {}
    }
    if text.is_empty() {
        return Ok(None);
    }
    Ok(Some(match f.kind {
        Kind::Money | Kind::Percent => {
            let bare: String = text
                .chars()
                .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '€'))
                .collect();
            match parse_hundredths(&bare) {
                Some(h) if !bare.starts_with('-') => hundredths_to_json(h),
                _ => return Err(Violation::new(f.name, "number_input_invalid")),
            }
        }
        Kind::Hours => match parse_hours_input(text) {
            Ok(Some(h)) => hundredths_to_json(h),
            Ok(None) => return Ok(None),
            Err(code) => return Err(Violation::new(f.name, code)),
        },
        Kind::Int | Kind::Id => match text.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) if f.kind == Kind::Id => return Err(Violation::new(f.name, "required")),
            Err(_) => return Err(Violation::new(f.name, "number_input_invalid")),
        },
        _ => Value::String(text.to_string()),
    }))
}

/// The same value in a record's JSON and in a form's (lists compared as sets).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            let sorted = |v: &Vec<Value>| {
                let mut s: Vec<String> = v.iter().map(|i| i.to_string()).collect();
                s.sort();
                s.dedup();
                s
            };
            sorted(x) == sorted(y)
        }
        (Value::Number(x), Value::Number(y)) => {
            parse_hundredths(&x.to_string()) == parse_hundredths(&y.to_string())
        }
        _ => a == b,
    }
}

/// How a form's values become the body of the use case.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// A correction (merge patch): only the fields whose value differs from the record's,
    /// a field emptied sent as `null`; the fields not of the record always.
    Changes,
    /// An action: every field filled.
    Whole,
}

/// The body the typed values give against the record as it is (`current`), or the rules
/// they break (each beside its field).
pub fn body_of(
    fields: &[Field],
    typed: &Values,
    current: &Value,
    how: Body,
) -> Result<Map<String, Value>, Vec<Violation>> {
    let mut body = Map::new();
    let mut broken = Vec::new();
    let none = Vec::new();
    // The objects of `object.key` fields: their keys as typed, and whether one changed.
    let mut objects: BTreeMap<&str, (Map<String, Value>, bool)> = BTreeMap::new();
    for f in fields {
        // A correction leaves alone a field its form did not send (the forms send every
        // field, checkboxes with an empty marker, so that unticked ones are sent too).
        if how == Body::Changes && f.of_record && !typed.contains_key(f.name) {
            continue;
        }
        if f.rows.is_some() {
            match rows_typed(f, typed) {
                Err(list) => broken.extend(list),
                Ok(kept) => {
                    let value = Value::Array(kept.into_iter().map(|(_, v)| v).collect());
                    // Lines compared with the record's read the same way: lots left as they
                    // were are not sent, and write no history line.
                    let now = rows_typed(f, &values_of(std::slice::from_ref(f), current))
                        .map(|k| Value::Array(k.into_iter().map(|(_, v)| v).collect()));
                    let unchanged = how == Body::Changes && now.is_ok_and(|now| same(&now, &value));
                    if !unchanged {
                        body.insert(f.name.to_string(), value);
                    }
                }
            }
            continue;
        }
        let values = typed.get(f.name).unwrap_or(&none);
        let value = match typed_json(f, values) {
            Ok(v) => v,
            Err(v) => {
                broken.push(v);
                continue;
            }
        };
        if value.is_none() && f.required {
            broken.push(Violation::new(f.name, "required"));
            continue;
        }
        let value = value.unwrap_or(Value::Null);
        if let Some((object, key)) = f.name.split_once('.') {
            let now = at_path(current, f.name);
            let unchanged = same(now, &value) || (now.is_null() && value.is_null());
            let entry = objects.entry(object).or_insert((Map::new(), false));
            if !value.is_null() {
                entry.0.insert(key.to_string(), value);
            }
            entry.1 |= !unchanged || how == Body::Whole;
            continue;
        }
        match how {
            Body::Changes if f.of_record => {
                let now = current.get(f.name).unwrap_or(&Value::Null);
                let unchanged =
                    same(now, &value) || (now.is_null() && value == Value::Array(Vec::new()));
                if !unchanged {
                    body.insert(f.name.to_string(), value);
                }
            }
            _ => {
                if !value.is_null() {
                    body.insert(f.name.to_string(), value);
                }
            }
        }
    }
    for (object, (keys, changed)) in objects {
        if changed {
            body.insert(object.to_string(), Value::Object(keys));
        }
    }
    if broken.is_empty() {
        Ok(body)
    } else {
        Err(broken)
    }
}

// --- What the pages show ------------------------------------------------------------------

/// A field as the form template draws it.
#[derive(Serialize)]
pub struct FieldView {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    required: bool,
    hint: &'static str,
    value: String,
    values: Vec<String>,
    checked: bool,
    choices: Vec<Choice>,
    /// A number typed: the keyboard to show.
    decimal: bool,
    /// The lines of a list field, as typed, then blank ones.
    rows: Vec<RowView>,
    filter: Option<Filter>,
}

/// A line of a list field as the form draws it.
#[derive(Serialize)]
pub struct RowView {
    legend: String,
    /// The checkbox taking the line out (a filled line only), its name, id and label.
    remove: Option<(String, String, &'static str)>,
    removed: bool,
    cells: Vec<CellView>,
}

/// An input of a line: `key` is its form name (`lots[0].amount_eur`), that of its errors;
/// `id` the same without brackets nor dots (`lots-0-amount_eur`), for CSS and ARIA.
#[derive(Serialize)]
pub struct CellView {
    key: String,
    id: String,
    label: &'static str,
    hint: &'static str,
    required: bool,
    value: String,
    decimal: bool,
    numeric: bool,
}

/// The lines a list field shows: those typed up to the last filled one, then blank ones.
fn row_views(f: &Field, values: &Values) -> Vec<RowView> {
    let Some(rows) = &f.rows else {
        return Vec::new();
    };
    let value = |i: usize, c: &str| {
        values
            .get(&row_key(f.name, i, c))
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    };
    let filled = |i: usize| {
        rows.columns
            .iter()
            .any(|c| !value(i, c.name).trim().is_empty())
    };
    let sent = rows_sent(f, values).unwrap_or(ROWS_MAX);
    let last = (0..sent).rev().find(|i| filled(*i)).map_or(0, |i| i + 1);
    (0..(last + BLANK_ROWS).min(ROWS_MAX))
        .map(|i| {
            let first = rows
                .columns
                .first()
                .map(|c| value(i, c.name))
                .unwrap_or_default();
            RowView {
                legend: if filled(i) && !first.trim().is_empty() {
                    format!("{} {}", rows.item, first.trim())
                } else {
                    rows.blank.to_string()
                },
                remove: filled(i).then(|| {
                    let key = row_key(f.name, i, "remove");
                    (key, format!("{}-{i}-remove", f.name), rows.remove)
                }),
                removed: !value(i, "remove").trim().is_empty(),
                cells: rows
                    .columns
                    .iter()
                    .map(|c| CellView {
                        key: row_key(f.name, i, c.name),
                        id: format!("{}-{i}-{}", f.name, c.name),
                        label: c.label,
                        hint: c.hint,
                        required: c.required,
                        value: value(i, c.name),
                        decimal: matches!(c.kind, Kind::Money | Kind::Percent | Kind::Hours),
                        numeric: c.kind == Kind::Int,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The fields of a form that starts empty (an action's form shown on a record's page).
pub fn blank_fields(fields: &[Field]) -> Vec<FieldView> {
    field_views(fields, &Values::new())
}

/// The fields of a form as typed (`values`).
pub fn field_views(fields: &[Field], values: &Values) -> Vec<FieldView> {
    fields
        .iter()
        .map(|f| {
            let typed = values.get(f.name).cloned().unwrap_or_default();
            FieldView {
                name: f.name,
                label: f.label,
                kind: f.kind.name(),
                required: f.required,
                hint: f.hint,
                value: typed.first().cloned().unwrap_or_default(),
                checked: typed.iter().any(|t| !t.trim().is_empty()),
                values: typed,
                choices: f.choices.clone(),
                decimal: matches!(f.kind, Kind::Money | Kind::Percent | Kind::Hours),
                rows: row_views(f, values),
                filter: f.filter.clone(),
            }
        })
        .collect()
}

/// A field's values as a person reads them.
fn words(f: &Field, values: &[String]) -> String {
    let label = |code: &str| {
        f.choices
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.label.clone())
            .unwrap_or_else(|| code.to_string())
    };
    match f.kind {
        Kind::Check => if values.is_empty() { "non" } else { "oui" }.to_string(),
        Kind::Codes | Kind::Code | Kind::Id => values
            .iter()
            .map(|v| label(v.trim()))
            .collect::<Vec<_>>()
            .join(", "),
        Kind::Date => values
            .first()
            .map(|d| match NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d") {
                Ok(d) => format_date_fr(d),
                Err(_) => d.clone(),
            })
            .unwrap_or_default(),
        Kind::Money | Kind::Percent => {
            let typed = values.first().map(|v| v.trim()).unwrap_or("");
            match typed_json(f, &[typed.to_string()]) {
                Ok(Some(v)) => value_words(&v, &|_| None),
                _ => typed.to_string(),
            }
        }
        _ => values
            .first()
            .map(|v| v.trim().to_string())
            .unwrap_or_default(),
    }
}

/// A field of the record now beside what was typed (412).
#[derive(Serialize)]
pub struct ConflictLine {
    label: &'static str,
    current: String,
    typed: String,
    differs: bool,
}

/// A line of a record's history, in French.
#[derive(Serialize, Clone)]
pub struct HistoryLine {
    pub at: String,
    pub by: String,
    pub action: String,
    pub reason: Option<String>,
    pub changes: Vec<ChangeLine>,
}

#[derive(Serialize, Clone)]
pub struct ChangeLine {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// What was done, in French.
fn action_words(action: &str) -> &'static str {
    match action {
        "create" => "Création",
        "update" => "Modification",
        "correct" => "Correction",
        "amend" => "Avenant",
        "cancel" => "Annulation",
        "withdraw" => "Retrait",
        "delete" => "Suppression",
        "recalibrate" => "Nouveau calibrage",
        "hand_over" => "Passage à une autre entreprise",
        "deactivate" => "Désactivation",
        "reactivate" => "Réactivation",
        "validate" => "Validation",
        "reject" => "Refus",
        _ => "Changement",
    }
}

/// A value of a history line in French.
fn value_words(v: &Value, label: &dyn Fn(&str) -> Option<String>) -> String {
    match v {
        Value::Null => "(vide)".to_string(),
        Value::Bool(b) => if *b { "oui" } else { "non" }.to_string(),
        Value::String(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => format_date_fr(d),
            Err(_) => label(s).unwrap_or_else(|| s.clone()),
        },
        Value::Number(n) => match (label(&n.to_string()), parse_hundredths(&n.to_string())) {
            (Some(words), _) => words,
            (None, Some(h)) => format_hundredths_fr(h, h % 100 != 0),
            (None, None) => n.to_string(),
        },
        Value::Array(items) if items.is_empty() => "(vide)".to_string(),
        Value::Array(items) => items
            .iter()
            .map(|i| value_words(i, label))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(_) => "(détail dans l'API)".to_string(),
    }
}

/// A record's history, most recent first, its fields named as `fields` label them (the
/// others by `extra`, else as stored), codes of their choices in words.
pub fn history_lines(
    entries: Vec<HistoryEntry>,
    fields: &[Field],
    extra: &[(&str, &str)],
) -> Vec<HistoryLine> {
    let mut lines: Vec<HistoryLine> = entries
        .into_iter()
        .filter(|h| h.action.as_str() != "read")
        .map(|h| HistoryLine {
            at: h.at.date().to_string(),
            by: h.by.name,
            action: action_words(h.action.as_str()).to_string(),
            reason: h.reason.filter(|r| !r.trim().is_empty()),
            changes: h
                .changes
                .into_iter()
                .map(|c| {
                    let field = fields.iter().find(|f| f.name == c.field);
                    let label = |code: &str| {
                        field.and_then(|f| {
                            f.choices
                                .iter()
                                .find(|x| x.code == code)
                                .map(|x| x.label.clone())
                        })
                    };
                    // A list field's lines in its own words.
                    let words = |v: &Value| match (field.and_then(|f| f.rows.as_ref()), v) {
                        (Some(_), Value::Array(items)) if items.is_empty() => "(aucun)".to_string(),
                        (Some(rows), Value::Array(items)) => items
                            .iter()
                            .map(|i| (rows.words)(i))
                            .collect::<Vec<_>>()
                            .join(" ; "),
                        _ => value_words(v, &label),
                    };
                    ChangeLine {
                        before: words(&c.before),
                        after: words(&c.after),
                        field: field
                            .map(|f| f.label.to_string())
                            .or_else(|| {
                                extra
                                    .iter()
                                    .find(|(n, _)| *n == c.field)
                                    .map(|(_, l)| l.to_string())
                            })
                            .unwrap_or(c.field),
                    }
                })
                .collect(),
        })
        .collect();
    lines.reverse();
    lines
}

// --- One record's form page ---------------------------------------------------------------

/// A record as a form starts from: its JSON (as the API answers it), its version, its
/// history, and its name as people know it.
pub struct Loaded {
    pub record: Value,
    pub version: i64,
    pub history: Vec<HistoryEntry>,
    pub name: String,
}

/// Reads the record (of the caller's structure, else not found).
pub type Loader = Arc<dyn Fn(&mut Conn) -> AppResult<Loaded> + Send + Sync>;

/// Writes the body with the `If-Match` of the version the form was filled from.
pub type Writer = Box<dyn FnOnce(&mut Conn, &[u8], IfMatch) -> Result<(), ApiError> + Send>;

/// What a record's form page is.
pub struct Spec {
    /// The page's title ("Corriger le marché").
    pub title: &'static str,
    /// The navigation entry it belongs to.
    pub here: &'static str,
    pub back_href: String,
    pub back_label: String,
    /// Where the form posts.
    pub action: String,
    pub submit: &'static str,
    /// A sentence above the form (what the action does).
    pub intro: &'static str,
    pub fields: Vec<Field>,
    pub body: Body,
    /// Labels of history fields that are not in the form.
    pub extra_labels: &'static [(&'static str, &'static str)],
    /// The record's history is shown below the form.
    pub with_history: bool,
    /// The button does something that cannot be undone (drawn as such).
    pub danger: bool,
    /// Facts shown above the form (label, value).
    pub facts: Vec<(String, String)>,
    /// The French sentence of the « introuvable » page.
    pub missing: &'static str,
}

#[derive(Serialize)]
struct FormPage {
    name: String,
    back_href: String,
    back_label: String,
    action: String,
    submit: &'static str,
    intro: &'static str,
    version: i64,
    fields: Vec<FieldView>,
    errors: FieldErrors,
    conflict: Option<Vec<ConflictLine>>,
    changed_by: Option<HistoryLine>,
    history: Option<Vec<HistoryLine>>,
    danger: bool,
    facts: Vec<(String, String)>,
    /// A select has a filter: the form's first button is then its main one (hidden), so
    /// that Enter in a field sends the form rather than the filter.
    filtered: bool,
}

#[derive(Serialize)]
struct MissingPage {
    message: &'static str,
    back_href: String,
    back_label: String,
}

/// The « introuvable » page of a record that does not exist or is another structure's.
pub fn missing_page(visitor: &Visitor, caller: &Caller, spec: &Spec) -> Exit {
    let page = MissingPage {
        message: spec.missing,
        back_href: spec.here.to_string(),
        back_label: "Revenir à la liste".to_string(),
    };
    Exit::Page(
        PageView::new("record_missing.html", "Introuvable", spec.here, page).render(
            visitor,
            caller,
            Status::NotFound,
        ),
    )
}

/// A failed read or write as a page: not found gets the record's « introuvable » page.
pub fn failed(visitor: &Visitor, caller: &Caller, spec: &Spec, e: ApiError) -> Exit {
    if e.status == 404 {
        missing_page(visitor, caller, spec)
    } else {
        visitor.problem(e)
    }
}

async fn load(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    spec: &Spec,
    loader: &Loader,
) -> Result<Loaded, Exit> {
    let loader = loader.clone();
    db.run(move |c| loader(c))
        .await
        .map_err(|e| failed(visitor, caller, spec, e.into()))
}

fn page_of(spec: &Spec, loaded: Loaded, values: &Values, errors: FieldErrors) -> FormPage {
    FormPage {
        name: loaded.name,
        back_href: spec.back_href.clone(),
        back_label: spec.back_label.clone(),
        action: spec.action.clone(),
        submit: spec.submit,
        intro: spec.intro,
        version: loaded.version,
        fields: field_views(&spec.fields, values),
        errors,
        conflict: None,
        changed_by: None,
        history: spec
            .with_history
            .then(|| history_lines(loaded.history, &spec.fields, spec.extra_labels)),
        danger: spec.danger,
        facts: spec.facts.clone(),
        filtered: spec.fields.iter().any(|f| f.filter.is_some()),
    }
}

fn render(visitor: &Visitor, caller: &Caller, spec: &Spec, page: FormPage, status: Status) -> Html {
    PageView::new("record_form.html", spec.title, spec.here, page).render(visitor, caller, status)
}

/// GET — the form filled from the record, carrying its version.
pub async fn show(
    visitor: &Visitor,
    caller: &Caller,
    db: &Db,
    spec: Spec,
    loader: Loader,
) -> Result<Html, Exit> {
    let loaded = load(visitor, caller, db, &spec, &loader).await?;
    let values = match spec.body {
        Body::Changes => values_of(&spec.fields, &loaded.record),
        Body::Whole => Values::new(),
    };
    let page = page_of(&spec, loaded, &values, FieldErrors::default());
    Ok(render(visitor, caller, &spec, page, Status::Ok))
}

/// A refused use case's errors beside the form's fields (`calibration.x` is `calibration`'s);
/// the others above the form. A list's line is named by its place in the body (`lines`:
/// the form's line of each, the lines emptied or taken out being left out of the body):
/// its error goes beside the form's line.
pub fn errors_beside(
    e: &ApiError,
    fields: &[Field],
    lines: &BTreeMap<&str, Vec<usize>>,
) -> FieldErrors {
    let mut out = FieldErrors::default();
    for (field, message) in FieldErrors::of_problem(e).0 {
        if let Some(key) = row_error_key(&field, fields, lines) {
            out.0.entry(key).or_insert(message);
            continue;
        }
        let name = if fields.iter().any(|f| f.name == field) {
            field.as_str()
        } else {
            field.split(['.', '[']).next().unwrap_or("")
        };
        let key = if fields.iter().any(|f| f.name == name) {
            name.to_string()
        } else {
            String::new()
        };
        out.0.entry(key).or_insert(message);
    }
    out
}

/// The form's key of an error on a list's line (`lots[1].amount_eur` of the body is
/// `lots[2].amount_eur` of the form when its line 1 was emptied); the list's own key for an
/// error on the list or a whole line.
pub fn row_error_key(
    field: &str,
    fields: &[Field],
    lines: &BTreeMap<&str, Vec<usize>>,
) -> Option<String> {
    let f = fields.iter().find(|f| {
        f.rows.is_some()
            && field
                .strip_prefix(f.name)
                .is_some_and(|r| r.is_empty() || r.starts_with('['))
    })?;
    let rest = &field[f.name.len()..];
    let Some((index, column)) = rest
        .strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .and_then(|(i, c)| Some((i.parse::<usize>().ok()?, c.strip_prefix('.')?)))
    else {
        return Some(f.name.to_string());
    };
    let known = f
        .rows
        .as_ref()
        .is_some_and(|r| r.columns.iter().any(|c| c.name == column));
    if !known {
        return Some(f.name.to_string());
    }
    let line = lines
        .get(f.name)
        .and_then(|l| l.get(index))
        .copied()
        .unwrap_or(index);
    Some(row_key(f.name, line, column))
}

/// POST — the form's body written by `write` with the form's version as `If-Match`, then
/// `done` (303). Someone else changed the record first: 412, their change shown beside
/// what was typed, the form again from the record as it is now. Refused: the form as typed
/// with the errors beside the fields (422 or 409), nothing written.
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    visitor: &Visitor,
    caller: &Caller,
    origin: &RequestOrigin,
    db: &Db,
    spec: Spec,
    loader: Loader,
    posted: &str,
    write: Writer,
    done: String,
) -> Result<Exit, Exit> {
    let typed = values_posted(posted);
    visitor.check_form(
        origin,
        caller,
        typed
            .get("csrf_token")
            .and_then(|t| t.first())
            .map(String::as_str),
    )?;
    let loaded = load(visitor, caller, db, &spec, &loader).await?;
    // A version that is not one matches no record: refused as a change made meanwhile.
    let version = one(&typed, "version");
    if filtering(spec.fields.iter().map(|f| f.name), &typed) {
        // The select narrowed, everything else as typed; nothing written.
        let mut page = page_of(&spec, loaded, &typed, FieldErrors::default());
        if let Ok(v) = version.parse() {
            page.version = v;
        }
        return Ok(Exit::Page(render(visitor, caller, &spec, page, Status::Ok)));
    }
    let if_match = IfMatch::Tags(vec![format!("\"{version}\"")]);
    // The form's line of each line of a list sent (its errors go beside it).
    let mut lines: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let refused: ApiError = match body_of(&spec.fields, &typed, &loaded.record, spec.body) {
        Err(broken) => AppError::Invalid(broken).into(),
        Ok(body) => {
            for f in spec.fields.iter().filter(|f| f.rows.is_some()) {
                if let Ok(kept) = rows_typed(f, &typed) {
                    lines.insert(f.name, kept.into_iter().map(|(i, _)| i).collect());
                }
            }
            let bytes = serde_json::to_vec(&Value::Object(body)).unwrap_or_default();
            let written = db
                .run(move |c| Ok(write(c, &bytes, if_match)))
                .await
                .map_err(ApiError::from)
                .and_then(|r| r);
            match written {
                Ok(()) => return Ok(Exit::see_other(done)),
                Err(e) => e,
            }
        }
    };
    if !matches!(refused.status, 409 | 412 | 422) {
        return Err(failed(visitor, caller, &spec, refused));
    }
    let status = if visitor.htmx {
        Status::Ok
    } else {
        Status::from_code(refused.status).unwrap_or(Status::UnprocessableEntity)
    };
    // The record as it is now (another change may have come meanwhile).
    let loaded = load(visitor, caller, db, &spec, &loader).await?;
    if refused.status == 412 {
        let now = values_of(&spec.fields, &loaded.record);
        let none = Vec::new();
        let conflict = spec
            .fields
            .iter()
            .filter(|f| f.of_record)
            .map(|f| {
                let (current, typed) = if f.rows.is_none() {
                    (
                        words(f, now.get(f.name).unwrap_or(&none)),
                        words(f, typed.get(f.name).unwrap_or(&none)),
                    )
                } else if typed.contains_key(f.name) {
                    (rows_words(f, &now), rows_words(f, &typed))
                } else {
                    // Not sent: the form left the lines as they were.
                    (rows_words(f, &now), rows_words(f, &now))
                };
                ConflictLine {
                    label: f.label,
                    differs: current != typed,
                    current,
                    typed,
                }
            })
            .collect();
        // The form starts again from the record; what is not of it stays as typed.
        let mut values = now;
        for f in spec.fields.iter().filter(|f| !f.of_record) {
            values.insert(
                f.name.to_string(),
                typed.get(f.name).cloned().unwrap_or_default(),
            );
        }
        let last = history_lines(loaded.history.clone(), &spec.fields, spec.extra_labels)
            .into_iter()
            .next();
        let mut page = page_of(&spec, loaded, &values, FieldErrors::default());
        page.conflict = Some(conflict);
        page.changed_by = last;
        return Ok(Exit::Page(render(visitor, caller, &spec, page, status)));
    }
    let errors = errors_beside(&refused, &spec.fields, &lines);
    let mut page = page_of(&spec, loaded, &typed, errors);
    // The version the form was filled from stays: the next try is checked against it.
    if let Ok(v) = version.parse() {
        page.version = v;
    }
    Ok(Exit::Page(render(visitor, caller, &spec, page, status)))
}

/// The writer of a use case taking the API's body `T` and the `If-Match`.
pub fn writer<T, F>(f: F) -> Writer
where
    T: serde::de::DeserializeOwned,
    F: FnOnce(&mut Conn, T, IfMatch) -> AppResult<()> + Send + 'static,
{
    Box::new(move |c: &mut Conn, bytes: &[u8], if_match: IfMatch| {
        let body: T = crate::api::body::parse_json(bytes)?;
        f(c, body, if_match).map_err(ApiError::from)
    })
}

/// A record's JSON as the API answers it.
pub fn json_of<T: Serialize>(record: &T) -> AppResult<Value> {
    serde_json::to_value(record).map_err(|e| {
        tracing::error!("a record as JSON: {e}");
        AppError::Internal
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<Field> {
        vec![
            Field::new("title", "Intitulé", Kind::Text).required(),
            Field::new("amount_eur", "Montant", Kind::Money),
            Field::new("ends_on", "Fin", Kind::Date),
            Field::new("codes", "Codes", Kind::Codes),
            Field::new("active", "Actif", Kind::Check),
            Field::reason(true),
        ]
    }

    fn typed(pairs: &[(&str, &str)]) -> Values {
        let mut v = Values::new();
        for (k, x) in pairs {
            v.entry(k.to_string()).or_default().push(x.to_string());
        }
        v
    }

    #[test]
    fn a_correction_sends_only_what_changed() {
        let record = serde_json::json!({
            "title": "Voirie", "amount_eur": 1234.5, "ends_on": "2027-01-31",
            "codes": ["b", "a"], "active": true
        });
        let values = values_of(&fields(), &record);
        assert_eq!(values["amount_eur"], vec!["1\u{202f}234,50".to_string()]);
        let form = typed(&[
            ("title", "Voirie"),
            ("amount_eur", "1 234,50 €"),
            ("ends_on", ""),
            ("codes", "a"),
            ("codes", "b"),
            ("active", "on"),
            ("reason", "Coquille"),
        ]);
        let body = body_of(&fields(), &form, &record, Body::Changes).unwrap();
        assert_eq!(
            Value::Object(body),
            serde_json::json!({"ends_on": null, "reason": "Coquille"})
        );
    }

    #[test]
    fn refused_input_names_its_field() {
        let record = serde_json::json!({"title": "Voirie"});
        let form = typed(&[("title", " "), ("amount_eur", "12,345"), ("reason", "x")]);
        let broken = body_of(&fields(), &form, &record, Body::Changes).unwrap_err();
        let fields: Vec<(&str, &str)> = broken.iter().map(|v| (v.field.as_str(), v.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("title", "required"),
                ("amount_eur", "number_input_invalid")
            ]
        );
    }

    fn lots() -> Field {
        Field::rows(
            "lots",
            "Lots",
            Rows {
                columns: vec![
                    Field::new("number", "Numéro", Kind::Int).required(),
                    Field::new("amount_eur", "Montant", Kind::Money),
                ],
                item: "Lot",
                blank: "Nouveau lot",
                remove: "Retirer ce lot",
                words: |v| v.to_string(),
            },
        )
    }

    #[test]
    fn lines_left_as_they_were_are_not_sent_and_errors_find_their_line() {
        let record = serde_json::json!({"lots": [
            {"number": 1, "amount_eur": 12500.5}, {"number": 2, "amount_eur": null}
        ]});
        let fields = vec![lots()];
        let mut form = values_of(&fields, &record);
        assert_eq!(
            form["lots[0].amount_eur"],
            vec!["12\u{202f}500,50".to_string()]
        );
        assert!(body_of(&fields, &form, &record, Body::Changes)
            .unwrap()
            .is_empty());
        // Line 0 taken out, a blank line 2 filled: the body's line 1 is the form's line 2.
        form.insert("lots[0].remove".into(), vec!["on".into()]);
        form.insert("lots[2].number".into(), vec!["3".into()]);
        form.insert("lots[2].amount_eur".into(), vec!["0,5".into()]);
        let body = body_of(&fields, &form, &record, Body::Changes).unwrap();
        assert_eq!(
            Value::Object(body),
            serde_json::json!({"lots": [{"number": 2}, {"number": 3, "amount_eur": 0.5}]})
        );
        let kept = rows_typed(&fields[0], &form).unwrap();
        let lines = BTreeMap::from([("lots", kept.iter().map(|(i, _)| *i).collect())]);
        assert_eq!(
            row_error_key("lots[1].amount_eur", &fields, &lines).as_deref(),
            Some("lots[2].amount_eur")
        );
        assert_eq!(
            row_error_key("lots", &fields, &lines).as_deref(),
            Some("lots")
        );
        // A line beyond the limit is refused, not read.
        form.insert(format!("lots[{ROWS_MAX}].number"), vec!["9".into()]);
        let broken = body_of(&fields, &form, &record, Body::Changes).unwrap_err();
        assert_eq!(broken[0].code, "list_too_long");
    }

    #[test]
    fn an_action_sends_what_is_filled() {
        let form = typed(&[("title", "Avenant"), ("amount_eur", ""), ("reason", "Prix")]);
        let body = body_of(&fields(), &form, &Value::Null, Body::Whole).unwrap();
        assert_eq!(
            Value::Object(body),
            serde_json::json!({"title": "Avenant", "codes": [], "active": false, "reason": "Prix"})
        );
    }
}
