//! Reading the national open data on public contracts, DECP ("données essentielles de la
//! commande publique"), formats v1.5 and v2, into plain contract records
//! (docs/domain.md#decp-import).
//!
//! Published files vary in shape, so the parser is lenient about structure and strict about
//! values: a record that cannot become a contract is skipped with a reason, a holder whose
//! identifier is invalid is dropped with a warning, and the rest of the file still imports.
//!
//! Record indexes count every entry of the file (concessions included) in file order. When
//! `marches` is an object holding both `contrat-concession` and `marche`, its keys are read
//! in alphabetical order (serde_json keeps no key order), which is the order of the
//! published files.

use chrono::{Months, NaiveDate};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::limits::{
    check_text, date_out_of_range, CODE_MAX, LABEL_MAX, MAX_DATE, MIN_DATE, TITLE_MAX,
};
use crate::domain::rule::Violation;
use crate::domain::siret::{check_identifier, is_valid_siret};
use crate::domain::units::parse_hundredths;
use crate::domain::vocabulary::ContractKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecpParse {
    pub records: Vec<DecpRecord>,
    /// (record index, why) of the entries that are not imported: the key of the record at
    /// fault as the field, a code of the catalogue (`api::messages`).
    pub skipped: Vec<(usize, Violation)>,
    /// (record index, what) of what was dropped or ignored within imported records, the
    /// same way.
    pub warnings: Vec<(usize, Violation)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecpRecord {
    pub index: usize,
    pub buyer_siret: String,
    pub buyer_name: Option<String>,
    /// The buyer's reference (`id`); with the buyer's SIRET it identifies the contract.
    pub reference: String,
    pub title: String,
    /// `works`, `services` or `supplies`.
    pub kind: ContractKind,
    pub cpv_code: Option<String>,
    pub amount_cents: Option<i64>,
    pub notified_on: Option<NaiveDate>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    pub holders: Vec<DecpHolder>,
    /// `clause_sociale`, `critere_social`, `marche_reserve`.
    pub social_considerations: Vec<String>,
    /// `clause_environnementale`, `critere_environnemental`.
    pub environmental_considerations: Vec<String>,
    /// The modifications of the open data (avenants), oldest first: each is recorded as an
    /// amendment of the contract, which keeps the notified amount and duration above.
    pub modifications: Vec<DecpModification>,
    /// Hex FNV-1a 64 of the normalised fields: equal for an unchanged record.
    pub fingerprint: String,
}

/// One modification of a DECP record: a contract amendment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecpModification {
    /// Its `id` in the file (else its rank, oldest first, from 1), unique in the record.
    pub number: String,
    /// Its notification date (v1.5: signature date), else its publication date, else the
    /// contract's notification date.
    pub signed_on: NaiveDate,
    /// The contract's new amount.
    pub amount_cents: Option<i64>,
    /// The contract's new duration in months, and the last day it gives from the start.
    pub duration_months: Option<i32>,
    pub ends_on: Option<NaiveDate>,
    /// `objetModification`, when given.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecpHolder {
    pub identifier_type: String,
    pub identifier: String,
    pub name: Option<String>,
}

/// The longest duration accepted, in months (concessions aside, contracts are far shorter).
const MAX_DURATION_MONTHS: i64 = 1_200;

/// Parses a DECP document. Err only when the document is not DECP at all.
pub fn parse_decp(doc: &Value) -> Result<DecpParse, String> {
    let marches = match doc {
        Value::Object(top) => top.get("marches").ok_or_else(|| {
            "not a DECP document: there is no \"marches\" key at the top level".to_string()
        })?,
        _ => return Err("not a DECP document: the top level is not a JSON object".to_string()),
    };
    let entries = collect_entries(marches)?;
    let mut parse = DecpParse {
        records: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
    };
    for (index, entry) in entries.into_iter().enumerate() {
        let mut warnings = Vec::new();
        match read_entry(entry, index, &mut warnings) {
            Ok(record) => {
                parse.records.push(record);
                parse
                    .warnings
                    .extend(warnings.into_iter().map(|w| (index, w)));
            }
            Err(reason) => parse.skipped.push((index, reason)),
        }
    }
    Ok(parse)
}

// ---------------------------------------------------------------------------------------
// file structure

/// One entry of the file, and whether its position says it is a concession.
struct Entry<'a> {
    value: &'a Value,
    under_concession_key: bool,
}

fn is_concession_key(key: &str) -> bool {
    key.to_lowercase().contains("concession")
}

/// Every entry of `marches`, in file order: `{"marche": {...}}`, `{"marche": [...]}`,
/// `{"marche": [...], "contrat-concession": [...]}`, or a plain array (whose items may be
/// wrapped as `{"marche": {...}}`).
fn collect_entries(marches: &Value) -> Result<Vec<Entry<'_>>, String> {
    match marches {
        Value::Array(items) => Ok(items.iter().map(unwrap_array_item).collect()),
        Value::Object(map) if looks_like_record(map) => Ok(vec![Entry {
            value: marches,
            under_concession_key: false,
        }]),
        Value::Object(map) => {
            let mut entries = Vec::new();
            let mut known_key = map.is_empty();
            for (key, value) in map {
                let concession = is_concession_key(key);
                if key != "marche" && !concession {
                    continue;
                }
                known_key = true;
                entries.extend(as_list(value).into_iter().map(|value| Entry {
                    value,
                    under_concession_key: concession,
                }));
            }
            if known_key {
                Ok(entries)
            } else {
                Err("not a DECP document: \"marches\" holds neither \"marche\" nor \"contrat-concession\"".to_string())
            }
        }
        _ => Err("not a DECP document: \"marches\" is neither a list nor an object".to_string()),
    }
}

fn unwrap_array_item(item: &Value) -> Entry<'_> {
    if let Value::Object(map) = item {
        if map.len() == 1 {
            if let Some((key, inner)) = map.iter().next() {
                if inner.is_object() && (key == "marche" || is_concession_key(key)) {
                    return Entry {
                        value: inner,
                        under_concession_key: is_concession_key(key),
                    };
                }
            }
        }
    }
    Entry {
        value: item,
        under_concession_key: false,
    }
}

/// `{"marches": {...one contract...}}`, seen in some hand-made files.
fn looks_like_record(map: &Map<String, Value>) -> bool {
    !map.contains_key("marche")
        && ["id", "objet", "acheteur", "uid"]
            .iter()
            .any(|k| map.contains_key(*k))
}

/// A JSON array's items, one value as itself, null as nothing.
fn as_list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// A list that v2 wraps twice: `{"titulaire": [...]}` around the list and/or
/// `{"titulaire": {...}}` around each item. Accepts the wrapped and the plain forms.
fn wrapped_list<'a>(value: Option<&'a Value>, key: &str) -> Vec<&'a Value> {
    let Some(value) = value else {
        return Vec::new();
    };
    let outer = match value.get(key) {
        Some(inner) if value.is_object() => inner,
        _ => value,
    };
    as_list(outer)
        .into_iter()
        .map(|item| match item.get(key) {
            Some(inner) if !inner.is_null() => inner,
            _ => item,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// one entry

fn read_entry(
    entry: Entry,
    index: usize,
    warnings: &mut Vec<Violation>,
) -> Result<DecpRecord, Violation> {
    let Value::Object(record) = entry.value else {
        return Err(Violation::new("", "decp_record_not_object"));
    };
    if entry.under_concession_key || is_concession(record) {
        return Err(Violation::new("", "decp_concession"));
    }
    let buyer = read_buyer(record)?;
    let reference = read_reference(record, &buyer.0)?;
    let title = text(record.get("objet")).ok_or_else(|| Violation::new("objet", "decp_missing"))?;
    stored_text("id", &reference, CODE_MAX)?;
    stored_text("objet", &title, TITLE_MAX)?;
    if let Some(name) = &buyer.1 {
        stored_text("acheteur.nom", name, LABEL_MAX)?;
    }
    let latest = LatestModifications::of(record);

    let cpv_code = read_cpv(record, warnings);
    let kind = contract_kind(cpv_code.as_deref(), record, warnings);
    // The notified amount and duration: the modifications are amendments of their own.
    let amount_cents = read_amount(record.get("montant"))?;
    let notified_on = read_date(record, "dateNotification", warnings);
    let duration_months = read_duration(record.get("dureeMois"), warnings);
    let starts_on = notified_on;
    let ends_on = end_date(starts_on, duration_months);
    let modifications = latest.amendments(starts_on, notified_on, warnings)?;
    let holders = read_holders(latest.field(record, "titulaires"), warnings);
    let social_considerations = read_considerations(
        record.get("considerationsSociales"),
        "considerationSociale",
        SOCIAL,
        "considerationsSociales",
        warnings,
    );
    let environmental_considerations = read_considerations(
        record.get("considerationsEnvironnementales"),
        "considerationEnvironnementale",
        ENVIRONMENTAL,
        "considerationsEnvironnementales",
        warnings,
    );

    let mut out = DecpRecord {
        index,
        buyer_siret: buyer.0,
        buyer_name: buyer.1,
        reference,
        title,
        kind,
        cpv_code,
        amount_cents,
        notified_on,
        starts_on,
        ends_on,
        duration_months,
        holders,
        social_considerations,
        environmental_considerations,
        modifications,
        fingerprint: String::new(),
    };
    out.fingerprint = fingerprint(&out);
    Ok(out)
}

/// v2 concessions carry `autoriteConcedante` and `concessionnaires`; v1.5 ones also a
/// `_type` or a `nature` of "Concession de …".
fn is_concession(record: &Map<String, Value>) -> bool {
    let mentions_concession =
        |key: &str| text(record.get(key)).is_some_and(|t| t.to_lowercase().contains("concession"));
    record.contains_key("concessionnaires")
        || record.contains_key("autoriteConcedante")
        || mentions_concession("_type")
        || mentions_concession("nature")
}

/// (SIRET, name) of the buyer, or the reason the record is skipped.
fn read_buyer(record: &Map<String, Value>) -> Result<(String, Option<String>), Violation> {
    let buyer = record.get("acheteur");
    let siret = buyer
        .and_then(|b| text(b.get("id")))
        .map(|s| without_spaces(&s))
        .ok_or_else(|| Violation::new("acheteur.id", "decp_missing"))?;
    if !is_valid_siret(&siret) {
        return Err(Violation::new("acheteur.id", "siret_malformed").with("identifier", &siret));
    }
    let name = buyer.and_then(|b| text(b.get("nom")));
    Ok((siret, name))
}

/// `id`; v1.5 records may give only `uid`, the buyer's SIRET followed by `id`.
fn read_reference(record: &Map<String, Value>, buyer_siret: &str) -> Result<String, Violation> {
    if let Some(id) = text(record.get("id")) {
        return Ok(id);
    }
    text(record.get("uid"))
        .map(|uid| {
            uid.strip_prefix(buyer_siret)
                .unwrap_or(&uid)
                .trim()
                .to_string()
        })
        .filter(|r| !r.is_empty())
        .ok_or_else(|| Violation::new("id", "decp_missing"))
}

fn read_cpv(record: &Map<String, Value>, warnings: &mut Vec<Violation>) -> Option<String> {
    let code = text(record.get("codeCPV"))?;
    if is_cpv_code(&code) {
        Some(code)
    } else {
        warnings.push(Violation::new("codeCPV", "decp_cpv_ignored").with("value", excerpt(&code)));
        None
    }
}

/// 8 digits, optionally followed by a dash and a check digit.
pub fn is_cpv_code(code: &str) -> bool {
    let (digits, check) = match code.split_once('-') {
        Some((d, c)) => (d, Some(c)),
        None => (code, None),
    };
    digits.len() == 8
        && digits.bytes().all(|b| b.is_ascii_digit())
        && check.is_none_or(|c| c.len() == 1 && c.bytes().all(|b| b.is_ascii_digit()))
}

/// By CPV division: 45 works; 03 to 44 and 48 supplies; any other services. Without a CPV
/// code, from words of `nature` or `ccag`, else services (with a warning).
fn contract_kind(
    cpv: Option<&str>,
    record: &Map<String, Value>,
    warnings: &mut Vec<Violation>,
) -> ContractKind {
    if let Some(division) = cpv
        .and_then(|c| c.get(..2))
        .and_then(|d| d.parse::<u32>().ok())
    {
        return match division {
            45 => ContractKind::Works,
            3..=44 | 48 => ContractKind::Supplies,
            _ => ContractKind::Services,
        };
    }
    let hints = [text(record.get("nature")), text(record.get("ccag"))];
    for hint in hints.iter().flatten().map(|h| fold(h)) {
        if hint.contains("travaux") {
            return ContractKind::Works;
        }
        if (hint.contains("fourniture") && !hint.contains("service")) || hint.contains("industriel")
        {
            return ContractKind::Supplies;
        }
        if hint.contains("service")
            || hint.contains("intellectuelle")
            || hint.contains("maitrise d'oeuvre")
        {
            return ContractKind::Services;
        }
    }
    warnings.push(Violation::new("nature", "decp_kind_taken_as_services"));
    ContractKind::Services
}

/// Euros with at most two decimals, as a JSON number or a string ("1 234,56"), to cents.
/// None when absent; Err (the record is skipped) when not such an amount.
fn read_amount(value: Option<&Value>) -> Result<Option<i64>, Violation> {
    let refused = |code, raw: &str| Violation::new("montant", code).with("value", excerpt(raw));
    let raw = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => without_spaces(s),
        Some(other) => return Err(refused("decp_amount_malformed", &other.to_string())),
    };
    if raw.is_empty() {
        return Ok(None);
    }
    let cents = parse_hundredths(&raw).ok_or_else(|| {
        if has_more_than_two_decimals(&raw) {
            refused("decp_amount_decimals", &raw)
        } else {
            refused("decp_amount_malformed", &raw)
        }
    })?;
    if cents < 0 {
        return Err(refused("decp_amount_negative", &raw));
    }
    Ok(Some(cents))
}

fn has_more_than_two_decimals(raw: &str) -> bool {
    let raw = raw.replace(',', ".");
    match raw.split_once('.') {
        Some((whole, decimals)) => {
            whole
                .trim_start_matches('-')
                .bytes()
                .all(|b| b.is_ascii_digit())
                && decimals.len() > 2
                && decimals.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// A `YYYY-MM-DD` date, also when followed by a time or a time-zone offset.
fn parse_date(value: Option<&Value>) -> Option<NaiveDate> {
    let t = text(value)?;
    let (day, rest) = (t.get(..10)?, t.get(10..).unwrap_or(""));
    let suffix_ok = rest.is_empty() || rest.starts_with(['T', ' ', '+', '-', 'Z']);
    if !suffix_ok {
        return None;
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()
}

fn read_date(
    record: &Map<String, Value>,
    key: &str,
    warnings: &mut Vec<Violation>,
) -> Option<NaiveDate> {
    let value = record.get(key).filter(|v| !v.is_null())?;
    let date = parse_date(Some(value));
    let shown = excerpt(&text(Some(value)).unwrap_or_else(|| value.to_string()));
    match date.map(|d| (d, date_out_of_range(d))) {
        None => {
            warnings.push(Violation::new(key, "decp_date_ignored").with("value", shown));
            None
        }
        Some((_, Some(_))) => {
            warnings.push(
                Violation::new(key, "decp_date_out_of_range")
                    .with("value", shown)
                    .with("min", MIN_DATE)
                    .with("max", MAX_DATE),
            );
            None
        }
        Some((d, None)) => Some(d),
    }
}

fn read_duration(value: Option<&Value>, warnings: &mut Vec<Violation>) -> Option<i32> {
    let value = value.filter(|v| !v.is_null())?;
    let months = match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 1e6)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match months {
        Some(m) if (1..=MAX_DURATION_MONTHS).contains(&m) => i32::try_from(m).ok(),
        _ => {
            let shown = excerpt(&text(Some(value)).unwrap_or_else(|| value.to_string()));
            warnings.push(
                Violation::new("dureeMois", "decp_duration_ignored")
                    .with("value", shown)
                    .with("max", MAX_DURATION_MONTHS),
            );
            None
        }
    }
}

/// The day before the same day `months` later: 2024-05-15 + 48 months → 2028-05-14.
pub fn end_date(start: Option<NaiveDate>, months: Option<i32>) -> Option<NaiveDate> {
    let months = u32::try_from(months?).ok()?;
    start?.checked_add_months(Months::new(months))?.pred_opt()
}

// ---------------------------------------------------------------------------------------
// modifications

/// The record's modifications, latest first, to read the current `montant`, `dureeMois`
/// and `titulaires`.
struct LatestModifications<'a> {
    latest_first: Vec<&'a Map<String, Value>>,
}

impl<'a> LatestModifications<'a> {
    /// Ordered by notification date (v1.5: signature date), then publication date, then
    /// position in the file; a modification without dates comes before dated ones.
    fn of(record: &'a Map<String, Value>) -> Self {
        let mut keyed: Vec<_> = wrapped_list(record.get("modifications"), "modification")
            .into_iter()
            .filter_map(Value::as_object)
            .enumerate()
            .map(|(position, m)| {
                let notified = parse_date(m.get("dateNotificationModification"))
                    .or_else(|| parse_date(m.get("dateSignatureModification")));
                let published = parse_date(m.get("datePublicationDonneesModification"));
                ((notified, published, position), m)
            })
            .collect();
        keyed.sort_by_key(|(key, _)| std::cmp::Reverse(*key));
        LatestModifications {
            latest_first: keyed.into_iter().map(|(_, m)| m).collect(),
        }
    }

    /// The modifications as amendments, oldest first. An amount that is not one skips the
    /// record (as the record's own would); a modification without any date takes the
    /// contract's notification date, and is left out when there is none.
    fn amendments(
        &self,
        starts_on: Option<NaiveDate>,
        notified_on: Option<NaiveDate>,
        warnings: &mut Vec<Violation>,
    ) -> Result<Vec<DecpModification>, Violation> {
        let mut out: Vec<DecpModification> = Vec::new();
        for (rank, m) in self.latest_first.iter().rev().enumerate() {
            let amount_cents = read_amount(m.get("montant"))?;
            let duration_months = read_duration(m.get("dureeMois"), warnings);
            let signed_on = parse_date(m.get("dateNotificationModification"))
                .or_else(|| parse_date(m.get("dateSignatureModification")))
                .or_else(|| parse_date(m.get("datePublicationDonneesModification")))
                .or(notified_on);
            let Some(signed_on) = signed_on else {
                continue;
            };
            let mut number = text(m.get("id")).unwrap_or_else(|| (rank + 1).to_string());
            if out.iter().any(|o| o.number == number) {
                number = format!("{number}-{}", rank + 1);
            }
            number = number.chars().take(CODE_MAX).collect();
            out.push(DecpModification {
                number,
                signed_on,
                amount_cents,
                duration_months,
                ends_on: end_date(starts_on, duration_months),
                reason: text(m.get("objetModification"))
                    .map(|r| r.chars().take(TITLE_MAX).collect()),
            });
        }
        Ok(out)
    }

    /// The value of `key` in the latest modification that sets it, else in the record.
    fn field(&self, record: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
        self.latest_first
            .iter()
            .filter_map(|m| m.get(key))
            .find(|v| is_set(v))
            .or_else(|| record.get(key))
    }
}

/// A modification leaves a field as it was when it gives null or an empty list.
fn is_set(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => !items.is_empty(),
        _ => true,
    }
}

// ---------------------------------------------------------------------------------------
// holders and considerations

fn read_holders(value: Option<&Value>, warnings: &mut Vec<Violation>) -> Vec<DecpHolder> {
    let mut holders: Vec<DecpHolder> = Vec::new();
    for (position, item) in wrapped_list(value, "titulaire").into_iter().enumerate() {
        match read_holder(item) {
            Ok(holder) => {
                if !holders.contains(&holder) {
                    holders.push(holder);
                }
            }
            // The holder's own rule, on its place in the list; the message says it is dropped.
            Err(why) => warnings.push(Violation {
                field: match why.field.as_str() {
                    "" => format!("titulaires[{position}]"),
                    f => format!("titulaires[{position}].{f}"),
                },
                code: "decp_holder_dropped",
                params: std::iter::once(("cause", why.code.to_string()))
                    .chain(why.params)
                    .collect(),
            }),
        }
    }
    holders
}

fn read_holder(item: &Value) -> Result<DecpHolder, Violation> {
    if !item.is_object() {
        return Err(Violation::new("", "decp_record_not_object"));
    }
    let identifier = text(item.get("id")).ok_or_else(|| Violation::new("id", "decp_missing"))?;
    stored_text("id", &identifier, CODE_MAX)?;
    let identifier_type = match text(item.get("typeIdentifiant")) {
        Some(t) => t.to_uppercase().replace([' ', '_'], "-"),
        // Some v1 files omit the type; a valid SIRET speaks for itself.
        None if is_valid_siret(&without_spaces(&identifier)) => "SIRET".to_string(),
        None => return Err(Violation::new("typeIdentifiant", "decp_missing")),
    };
    let identifier = if identifier_type == "SIRET" {
        without_spaces(&identifier)
    } else {
        identifier
    };
    check_identifier(&identifier_type, &identifier).map_err(|v| Violation {
        field: "id".into(),
        ..v
    })?;
    let name = text(item.get("denominationSociale")).or_else(|| text(item.get("nom")));
    if let Some(name) = &name {
        stored_text("denominationSociale", name, LABEL_MAX)?;
    }
    Ok(DecpHolder {
        identifier_type,
        identifier,
        name,
    })
}

/// Published label (accents and case folded) → code; None for "no consideration".
type Vocabulary = &'static [(&'static str, Option<&'static str>)];

const SOCIAL: Vocabulary = &[
    ("clause sociale", Some("clause_sociale")),
    ("critere social", Some("critere_social")),
    ("marche reserve", Some("marche_reserve")),
    ("pas de consideration sociale", None),
];

const ENVIRONMENTAL: Vocabulary = &[
    ("clause environnementale", Some("clause_environnementale")),
    ("critere environnemental", Some("critere_environnemental")),
    ("pas de consideration environnementale", None),
];

/// Considerations as `{"considerationSociale": [...]}` or as a plain array, to codes, in
/// published order without duplicates. Unknown labels are ignored with a warning.
fn read_considerations(
    value: Option<&Value>,
    inner_key: &str,
    vocabulary: Vocabulary,
    what: &'static str,
    warnings: &mut Vec<Violation>,
) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for item in wrapped_list(value, inner_key) {
        let Some(label) = text(Some(item)) else {
            continue;
        };
        let folded = fold(&label);
        match vocabulary.iter().find(|(known, _)| *known == folded) {
            Some((_, Some(code))) => {
                if !codes.iter().any(|c| c == code) {
                    codes.push(code.to_string());
                }
            }
            Some((_, None)) => {}
            None => warnings.push(
                Violation::new(what, "decp_consideration_ignored").with("value", excerpt(&label)),
            ),
        }
    }
    codes
}

// ---------------------------------------------------------------------------------------
// small helpers

/// A trimmed non-empty string, or a number written as text.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(single_line(s.trim())).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Published titles sometimes run over several lines: each line break or tab becomes a
/// space, as the single-line fields of the API want.
fn single_line(s: &str) -> String {
    if s.contains(['\t', '\n', '\r']) {
        s.replace("\r\n", " ").replace(['\t', '\n', '\r'], " ")
    } else {
        s.to_string()
    }
}

/// A text the import stores, in the class of the same field of the API (domain/limits.rs):
/// too long, or with a NUL or a control character, it is refused with its key named.
fn stored_text(key: &str, value: &str, max: usize) -> Result<(), Violation> {
    check_text(value, max, false).map_err(|why| why.violation(key))
}

/// A value of the file as a message shows it: its first 50 characters.
fn excerpt(value: &str) -> String {
    match value.char_indices().nth(50) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_string(),
    }
}

/// Removes the spaces people put in SIRETs and amounts ("552 045 999 00869", "1 234,56").
fn without_spaces(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Lower case without French accents, single spaces, typographic apostrophes made plain.
fn fold(s: &str) -> String {
    let folded: String = s
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            '’' => '\'',
            other => other,
        })
        .collect::<String>()
        .replace('œ', "oe");
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// FNV-1a 64 over a canonical JSON array of the normalised fields. Holders and
/// considerations are sorted so that a reordering alone is not a change.
fn fingerprint(r: &DecpRecord) -> String {
    let mut holders: Vec<_> = r
        .holders
        .iter()
        .map(|h| (&h.identifier_type, &h.identifier, &h.name))
        .collect();
    holders.sort();
    let mut social = r.social_considerations.clone();
    social.sort();
    let mut environmental = r.environmental_considerations.clone();
    environmental.sort();
    let canonical = serde_json::json!([
        r.buyer_siret,
        r.buyer_name,
        r.reference,
        r.title,
        r.kind,
        r.cpv_code,
        r.amount_cents,
        r.notified_on.map(|d| d.to_string()),
        r.starts_on.map(|d| d.to_string()),
        r.ends_on.map(|d| d.to_string()),
        r.duration_months,
        holders,
        social,
        environmental,
        r.modifications,
    ]);
    format!("{:016x}", fnv1a_64(canonical.to_string().as_bytes()))
}

fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn sample(name: &str) -> Value {
        let dirs = [
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/decp"),
            PathBuf::from("/work/shared/samples/decp"),
        ];
        for dir in dirs {
            if let Ok(text) = std::fs::read_to_string(dir.join(name)) {
                return serde_json::from_str(&text).unwrap();
            }
        }
        panic!("sample {name} not found");
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn indexes(list: &[(usize, Violation)]) -> Vec<usize> {
        list.iter().map(|(i, _)| *i).collect()
    }

    /// A rule as a test reads it: "field code name=value…".
    fn said(v: &Violation) -> String {
        v.params
            .iter()
            .fold(format!("{} {}", v.field, v.code), |s, (name, value)| {
                format!("{s} {name}={value}")
            })
    }

    /// A valid SIRET: 13 digits and the Luhn check digit.
    fn siret(n: u64) -> String {
        let base = format!("{:013}", 1_000_000_000_000 + n);
        (0..10)
            .map(|d| format!("{base}{d}"))
            .find(|s| is_valid_siret(s))
            .unwrap()
    }

    fn parse(doc: Value) -> DecpParse {
        parse_decp(&doc).unwrap()
    }

    /// The entries skipped, in order: their indexes, and a part of each reason.
    fn assert_skipped(p: &DecpParse, expected: &[(usize, &str)]) {
        let expected_indexes: Vec<usize> = expected.iter().map(|(i, _)| *i).collect();
        assert_eq!(indexes(&p.skipped), expected_indexes, "{p:?}");
        for ((_, reason), (_, part)) in p.skipped.iter().zip(expected) {
            assert!(said(reason).contains(part), "{reason:?}");
        }
    }

    fn one_record(doc: Value) -> DecpRecord {
        let p = parse(doc);
        assert_eq!(p.skipped, vec![], "{p:?}");
        assert_eq!(p.records.len(), 1, "{p:?}");
        p.records.into_iter().next().unwrap()
    }

    fn minimal(extra: Value) -> Value {
        let mut record = json!({
            "id": "2024-001",
            "acheteur": {"id": "21750001630040"},
            "objet": "Réhabilitation du groupe scolaire",
            "codeCPV": "45454000-4",
            "montant": 1_000_000,
            "dateNotification": "2024-03-01",
            "dureeMois": 12,
        });
        if let (Value::Object(r), Value::Object(e)) = (&mut record, extra) {
            r.extend(e);
        }
        json!({"marches": {"marche": record}})
    }

    // -- the published samples -------------------------------------------------------------

    #[test]
    fn sample_single_marche() {
        let p = parse(sample("v2-single-marche.json"));
        assert_eq!(
            (p.records.len(), p.skipped.len(), p.warnings.len()),
            (1, 0, 0),
            "{p:?}"
        );
        let r = &p.records[0];
        assert_eq!(r.index, 0);
        assert_eq!(r.buyer_siret, "21750001630040");
        assert_eq!(r.buyer_name, None);
        assert_eq!(r.reference, "Exemple1");
        assert_eq!(r.title, "exemple marche");
        assert_eq!(r.kind.as_str(), "works");
        assert_eq!(r.cpv_code.as_deref(), Some("45000000-7"));
        assert_eq!(r.amount_cents, Some(57_500_000));
        assert_eq!(r.notified_on, Some(date("2024-05-15")));
        assert_eq!(r.starts_on, Some(date("2024-05-15")));
        assert_eq!(r.duration_months, Some(48));
        assert_eq!(r.ends_on, Some(date("2028-05-14")));
        assert_eq!(
            r.holders,
            vec![DecpHolder {
                identifier_type: "SIRET".into(),
                identifier: "55204599900869".into(),
                name: None
            }]
        );
        assert_eq!(r.social_considerations, vec!["clause_sociale"]);
        assert_eq!(
            r.environmental_considerations,
            vec!["clause_environnementale"]
        );
        assert_eq!(r.fingerprint.len(), 16);
    }

    #[test]
    fn sample_with_modifications() {
        let p = parse(sample("v2-marches-with-modifications.json"));
        assert_eq!(p.records.len(), 1);
        assert_skipped(
            &p,
            &[(0, "acheteur.id siret_malformed identifier=21750001630066")],
        );
        let r = &p.records[0];
        assert_eq!(r.index, 1);
        assert_eq!(r.reference, "TEST2022Bis");
        // The contract keeps its notified amount and duration; the modification is an
        // amendment (amount, duration and the end it gives) and replaces the holders.
        assert_eq!(r.amount_cents, Some(57_500_000));
        assert_eq!(r.duration_months, Some(48));
        assert_eq!(r.ends_on, Some(date("2028-05-14")));
        assert_eq!(
            r.modifications,
            vec![DecpModification {
                number: "1".into(),
                signed_on: date("2022-10-18"),
                amount_cents: Some(12_345_787),
                duration_months: Some(12),
                ends_on: Some(date("2025-05-14")),
                reason: None,
            }]
        );
        // Its only holder has a 15-digit "SIRET": dropped, with a warning on the record.
        assert_eq!(r.holders, vec![]);
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].0, 1);
        assert!(
            said(&p.warnings[0].1).contains("868768687576575"),
            "{:?}",
            p.warnings
        );
        assert_eq!(
            r.social_considerations,
            vec!["clause_sociale", "critere_social"]
        );
        assert_eq!(
            r.environmental_considerations,
            vec!["clause_environnementale"]
        );
    }

    #[test]
    fn sample_with_concessions() {
        let p = parse(sample("v2-marches-and-concessions.json"));
        assert_eq!(p.records.len(), 1);
        assert_skipped(
            &p,
            &[
                (0, "decp_concession"),
                (1, "decp_concession"),
                (2, "acheteur.id siret_malformed"),
            ],
        );
        assert_eq!(p.records[0].index, 3);
        assert_eq!(p.records[0].reference, "TEST2022Bis");
    }

    #[test]
    fn sample_v1_paquet() {
        let p = parse(sample("v1-paquet.json"));
        assert_eq!(p.records.len(), 1);
        assert_skipped(
            &p,
            &[(1, "acheteur.id decp_missing"), (2, "decp_concession")],
        );
        assert_eq!(p.warnings, vec![]);
        let r = &p.records[0];
        assert_eq!(r.index, 0);
        assert_eq!(r.buyer_siret, "21350238800019");
        assert_eq!(r.buyer_name.as_deref(), Some("Ville de Rennes"));
        assert_eq!(r.reference, "2010-3452112");
        assert_eq!(r.title, "Entretien des jardins municipaux");
        assert_eq!(r.kind.as_str(), "services");
        assert_eq!(r.amount_cents, Some(12_700_000));
        assert_eq!(r.notified_on, Some(date("2007-08-13")));
        assert_eq!(r.ends_on, Some(date("2009-08-12")));
        assert_eq!(
            r.holders,
            vec![
                DecpHolder {
                    identifier_type: "SIRET".into(),
                    identifier: "81223113200026".into(),
                    name: Some("Garami SARL".into())
                },
                DecpHolder {
                    identifier_type: "TVA".into(),
                    identifier: "DE814864138".into(),
                    name: Some("Hellman Gmbh".into())
                },
            ]
        );
        assert_eq!(r.social_considerations, Vec::<String>::new());
    }

    // -- shapes ---------------------------------------------------------------------------------

    #[test]
    fn not_decp_documents_are_refused_with_the_reason() {
        for (doc, why) in [
            (json!({"contracts": []}), "no \"marches\""),
            (json!([1, 2]), "not a JSON object"),
            (json!("marches"), "not a JSON object"),
            (json!({"marches": 3}), "neither a list nor an object"),
            (json!({"marches": {"foo": []}}), "neither \"marche\""),
        ] {
            let err = parse_decp(&doc).unwrap_err();
            assert!(err.contains(why), "{err}");
            assert!(err.starts_with("not a DECP document"), "{err}");
        }
        assert_eq!(parse(json!({"marches": []})).records, vec![]);
        assert_eq!(parse(json!({"marches": {"marche": []}})).records, vec![]);
    }

    #[test]
    fn every_container_shape_gives_the_same_record() {
        let record = json!({
            "id": "R1", "acheteur": {"id": "21750001630040"}, "objet": "Nettoyage",
            "codeCPV": "90910000", "montant": "45000.50",
        });
        let shapes = [
            json!({"marches": {"marche": record.clone()}}),
            json!({"marches": {"marche": [record.clone()]}}),
            json!({"marches": [record.clone()]}),
            json!({"marches": [{"marche": record.clone()}]}),
            json!({"marches": record.clone()}),
        ];
        let parsed: Vec<DecpRecord> = shapes.into_iter().map(one_record).collect();
        for r in &parsed {
            assert_eq!(r, &parsed[0]);
        }
        assert_eq!(parsed[0].kind.as_str(), "services");
        assert_eq!(parsed[0].amount_cents, Some(4_500_050));
    }

    #[test]
    fn kinds_follow_the_cpv_division() {
        for (cpv, kind) in [
            ("45262500-6", "works"),
            ("03000000", "supplies"),
            ("30192000-1", "supplies"),
            ("44000000", "supplies"),
            ("48000000-8", "supplies"),
            ("50000000", "services"),
            ("71000000-8", "services"),
            ("90910000-9", "services"),
            ("77313000", "services"),
        ] {
            assert_eq!(
                one_record(minimal(json!({"codeCPV": cpv}))).kind.as_str(),
                kind,
                "{cpv}"
            );
        }
    }

    #[test]
    fn kind_without_cpv_uses_nature_and_ccag_hints() {
        let kind_of = |extra: Value| {
            let mut doc = minimal(extra);
            doc["marches"]["marche"]
                .as_object_mut()
                .unwrap()
                .remove("codeCPV");
            let p = parse(doc);
            (p.records[0].kind.as_str().to_string(), p.warnings.len())
        };
        assert_eq!(
            kind_of(json!({"nature": "Marché de travaux"})),
            ("works".into(), 0)
        );
        assert_eq!(kind_of(json!({"ccag": "Travaux"})), ("works".into(), 0));
        assert_eq!(
            kind_of(json!({"nature": "Marché de fournitures"})),
            ("supplies".into(), 0)
        );
        assert_eq!(
            kind_of(json!({"ccag": "Prestations intellectuelles"})),
            ("services".into(), 0)
        );
        assert_eq!(kind_of(json!({"nature": "Marché"})), ("services".into(), 1));
        // A malformed CPV is ignored with a warning, and the kind guessed.
        let p = parse(minimal(json!({"codeCPV": "4500", "ccag": "Travaux"})));
        assert_eq!(p.records[0].cpv_code, None);
        assert_eq!(p.records[0].kind.as_str(), "works");
        assert_eq!(p.warnings.len(), 1);
        assert!(said(&p.warnings[0].1).starts_with("codeCPV decp_cpv_ignored"));
    }

    #[test]
    fn holders_plain_wrapped_or_in_an_object() {
        let holders_of =
            |titulaires: Value| one_record(minimal(json!({ "titulaires": titulaires }))).holders;
        let expected = vec![DecpHolder {
            identifier_type: "SIRET".into(),
            identifier: "55204599900869".into(),
            name: None,
        }];
        let plain = json!({"id": "55204599900869", "typeIdentifiant": "SIRET"});
        assert_eq!(holders_of(json!([plain.clone()])), expected);
        assert_eq!(
            holders_of(json!([{ "titulaire": plain.clone() }])),
            expected
        );
        assert_eq!(
            holders_of(json!({ "titulaire": [plain.clone()] })),
            expected
        );
        assert_eq!(holders_of(json!({ "titulaire": plain.clone() })), expected);
        // Spaces in a SIRET, a numeric id, a missing type on a valid SIRET, a duplicate.
        assert_eq!(
            holders_of(json!([
                {"id": "552 045 999 00869", "typeIdentifiant": "SIRET"},
                {"id": 55204599900869_u64, "typeIdentifiant": "SIRET"},
                {"id": "55204599900869"},
            ])),
            expected
        );
        assert_eq!(
            holders_of(json!([{"id": "US123", "typeIdentifiant": "hors ue", "nom": "Acme"}])),
            vec![DecpHolder {
                identifier_type: "HORS-UE".into(),
                identifier: "US123".into(),
                name: Some("Acme".into())
            }]
        );
    }

    #[test]
    fn invalid_holders_are_dropped_with_a_warning() {
        let p = parse(minimal(json!({"titulaires": [
            {"id": "55204599900869", "typeIdentifiant": "SIRET"},
            {"id": "55204599900868", "typeIdentifiant": "SIRET"},
            {"id": "814864138", "typeIdentifiant": "TVA"},
            {"id": "X1", "typeIdentifiant": "DUNS"},
            {"typeIdentifiant": "SIRET"},
            {"id": "ABC"},
            "55204599900869",
        ]})));
        assert_eq!(p.records[0].holders.len(), 1);
        let messages: Vec<String> = p.warnings.iter().map(|(_, m)| said(m)).collect();
        assert_eq!(messages.len(), 6, "{messages:?}");
        let dropped = "decp_holder_dropped cause=";
        assert!(messages[0].starts_with(&format!("titulaires[1].id {dropped}siret_malformed")));
        assert!(messages[1].starts_with(&format!("titulaires[2].id {dropped}vat_country_missing")));
        assert!(messages[2].contains("identifier_type_unknown"));
        assert!(messages[3].starts_with(&format!("titulaires[4].id {dropped}decp_missing")));
        assert!(messages[4].starts_with("titulaires[5].typeIdentifiant"));
        assert!(messages[5].starts_with(&format!("titulaires[6] {dropped}decp_record_not_object")));
        assert!(p.warnings.iter().all(|(i, _)| *i == 0));
    }

    #[test]
    fn considerations_as_object_or_array() {
        let social = |value: Value| {
            one_record(minimal(json!({ "considerationsSociales": value }))).social_considerations
        };
        let both = vec!["clause_sociale".to_string(), "marche_reserve".to_string()];
        assert_eq!(
            social(json!({"considerationSociale": ["Clause sociale", "Marché réservé"]})),
            both
        );
        assert_eq!(
            social(json!([
                "Clause sociale",
                "Marché réservé",
                "Clause sociale"
            ])),
            both
        );
        assert_eq!(
            social(json!({"considerationSociale": "Critère social"})),
            vec!["critere_social"]
        );
        assert_eq!(social(json!("CLAUSE SOCIALE")), vec!["clause_sociale"]);
        assert_eq!(
            social(json!(["Pas de considération sociale"])),
            Vec::<String>::new()
        );
        assert_eq!(social(json!(null)), Vec::<String>::new());
        let p = parse(minimal(json!({
            "considerationsSociales": ["Clause sociale", "Insertion"],
            "considerationsEnvironnementales": {"considerationEnvironnementale": [
                "Critère environnemental", "Pas de considération environnementale"]},
        })));
        assert_eq!(p.records[0].social_considerations, vec!["clause_sociale"]);
        assert_eq!(
            p.records[0].environmental_considerations,
            vec!["critere_environnemental"]
        );
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(
            said(&p.warnings[0].1),
            "considerationsSociales decp_consideration_ignored value=Insertion"
        );
    }

    #[test]
    fn amounts_in_euros_to_cents() {
        let amount = |v: Value| parse(minimal(json!({ "montant": v })));
        assert_eq!(
            amount(json!(575000)).records[0].amount_cents,
            Some(57_500_000)
        );
        assert_eq!(
            amount(json!(123457.87)).records[0].amount_cents,
            Some(12_345_787)
        );
        assert_eq!(amount(json!(0.1)).records[0].amount_cents, Some(10));
        assert_eq!(
            amount(json!("1 234,56")).records[0].amount_cents,
            Some(123_456)
        );
        assert_eq!(
            amount(json!("40000.5")).records[0].amount_cents,
            Some(4_000_050)
        );
        assert_eq!(amount(json!(null)).records[0].amount_cents, None);
        assert_eq!(amount(json!("")).records[0].amount_cents, None);
        for (bad, why) in [
            (json!(1234.567), "decp_amount_decimals"),
            (json!("1234,567"), "decp_amount_decimals"),
            (json!("beaucoup"), "decp_amount_malformed"),
            (json!(-5), "decp_amount_negative"),
            (json!(1e30), "decp_amount_malformed"),
            (json!(true), "decp_amount_malformed"),
        ] {
            let p = amount(bad.clone());
            assert_eq!(p.records.len(), 0, "{bad}");
            assert_eq!(p.skipped.len(), 1);
            let reason = said(&p.skipped[0].1);
            assert!(
                reason.starts_with(&format!("montant {why}")),
                "{bad}: {reason}"
            );
        }
    }

    #[test]
    fn end_date_is_notification_plus_duration_and_bad_dates_warn() {
        let r = one_record(minimal(
            json!({"dateNotification": "2024-01-31", "dureeMois": 1}),
        ));
        assert_eq!(r.ends_on, Some(date("2024-02-28")));
        let r = one_record(minimal(
            json!({"dateNotification": "2024-03-01+01:00", "dureeMois": "24"}),
        ));
        assert_eq!(r.starts_on, Some(date("2024-03-01")));
        assert_eq!(r.ends_on, Some(date("2026-02-28")));
        let r = one_record(minimal(
            json!({"dateNotification": "2024-03-01T00:00:00Z", "dureeMois": 12.0}),
        ));
        assert_eq!(r.ends_on, Some(date("2025-02-28")));
        let r = one_record(minimal(json!({"dureeMois": null})));
        assert_eq!((r.duration_months, r.ends_on), (None, None));

        let p = parse(minimal(
            json!({"dateNotification": "01/03/2024", "dureeMois": 0}),
        ));
        let r = &p.records[0];
        assert_eq!(
            (r.notified_on, r.starts_on, r.ends_on, r.duration_months),
            (None, None, None, None)
        );
        assert_eq!(p.warnings.len(), 2);
        assert!(said(&p.warnings[0].1).starts_with("dateNotification decp_date_ignored"));
        assert!(said(&p.warnings[1].1).starts_with("dureeMois decp_duration_ignored"));
    }

    #[test]
    fn each_modification_is_an_amendment_oldest_first() {
        // Listed out of order: they come by notification date whatever their position; the
        // holders are those of the latest modification that sets them.
        let r = one_record(minimal(json!({"modifications": [
            {"modification": {"id": 3, "dateNotificationModification": "2025-06-01",
                "datePublicationDonneesModification": "2025-06-02", "dureeMois": 30,
                "objetModification": "Prolongation"}},
            {"modification": {"id": 1, "dateNotificationModification": "2024-06-01",
                "datePublicationDonneesModification": "2024-06-02", "montant": 1_100_000, "dureeMois": 18,
                "titulaires": [{"titulaire": {"id": "81223113200026", "typeIdentifiant": "SIRET"}}]}},
            {"modification": {"id": 2, "dateNotificationModification": "2025-01-01",
                "datePublicationDonneesModification": "2025-01-02", "montant": 1_200_000, "titulaires": []}},
        ]})));
        // The notified terms stay.
        assert_eq!(r.duration_months, Some(12));
        assert_eq!(r.amount_cents, Some(100_000_000));
        assert_eq!(r.ends_on, Some(date("2025-02-28")));
        assert_eq!(r.holders[0].identifier, "81223113200026");
        let m = &r.modifications;
        let numbers: Vec<&str> = m.iter().map(|m| m.number.as_str()).collect();
        assert_eq!(numbers, ["1", "2", "3"]);
        assert_eq!(m[0].amount_cents, Some(110_000_000));
        assert_eq!(m[0].ends_on, Some(date("2025-08-31")));
        assert_eq!(m[1].amount_cents, Some(120_000_000));
        assert_eq!(m[1].duration_months, None);
        assert_eq!(m[2].signed_on, date("2025-06-01"));
        assert_eq!(m[2].ends_on, Some(date("2026-08-31")));
        assert_eq!(m[2].reason.as_deref(), Some("Prolongation"));

        // Same notification dates: the publication date decides, then the order; without
        // an id, the rank is the number.
        let r = one_record(minimal(json!({"modifications": [
            {"dateNotificationModification": "2025-01-01", "datePublicationDonneesModification": "2025-01-05", "montant": 2},
            {"dateNotificationModification": "2025-01-01", "datePublicationDonneesModification": "2025-01-03", "montant": 3},
        ]})));
        let amounts: Vec<_> = r.modifications.iter().map(|m| m.amount_cents).collect();
        assert_eq!(amounts, [Some(300), Some(200)]);
        assert_eq!(r.modifications[1].number, "2");
        // Without dates: the contract's notification date.
        let r = one_record(minimal(
            json!({"modifications": [{"montant": 4}, {"montant": 5}]}),
        ));
        assert_eq!(r.modifications[1].amount_cents, Some(500));
        assert_eq!(r.modifications[1].signed_on, date("2024-03-01"));
        // v1.5: dateSignatureModification.
        let r = one_record(minimal(json!({"modifications": [
            {"dateSignatureModification": "2020-02-01", "montant": 6},
            {"dateSignatureModification": "2020-01-01", "montant": 7},
        ]})));
        assert_eq!(r.modifications[1].amount_cents, Some(600));
        // An invalid amount in a modification skips the record.
        let p = parse(minimal(json!({"modifications": [{"montant": "n/a"}]})));
        assert_eq!(p.skipped.len(), 1);
        // The modifications are part of the fingerprint.
        let a = one_record(minimal(json!({"modifications": [{"montant": 4}]})));
        let b = one_record(minimal(json!({"modifications": [{"montant": 5}]})));
        assert_ne!(a.fingerprint, b.fingerprint);
    }

    #[test]
    fn buyer_reference_and_title_are_required() {
        let skipped = |doc: Value| {
            let p = parse(doc);
            assert_eq!(p.records.len(), 0);
            said(&p.skipped[0].1)
        };
        let no_buyer = "acheteur.id decp_missing";
        assert_eq!(skipped(minimal(json!({"acheteur": null}))), no_buyer);
        assert_eq!(
            skipped(minimal(json!({"acheteur": {"nom": "Ville"}}))),
            no_buyer
        );
        assert!(
            skipped(minimal(json!({"acheteur": {"id": "12345678901234"}})))
                .starts_with("acheteur.id siret_malformed")
        );
        assert_eq!(skipped(minimal(json!({"id": null}))), "id decp_missing");
        assert_eq!(
            skipped(minimal(json!({"objet": "  "}))),
            "objet decp_missing"
        );
        assert_eq!(skipped(json!({"marches": [42]})), " decp_record_not_object");
        // v1.5 uid without id: the reference is what follows the buyer's SIRET.
        let r = one_record(minimal(json!({"id": null, "uid": "217500016300402024-77"})));
        assert_eq!(r.reference, "2024-77");
        // A buyer SIRET with spaces or as a number.
        let r = one_record(minimal(
            json!({"acheteur": {"id": "217 500 016 30040", "nom": " Paris "}}),
        ));
        assert_eq!(
            (r.buyer_siret.as_str(), r.buyer_name.as_deref()),
            ("21750001630040", Some("Paris"))
        );
        let r = one_record(minimal(json!({"acheteur": {"id": 21750001630040_u64}})));
        assert_eq!(r.buyer_siret, "21750001630040");
    }

    #[test]
    fn concessions_are_recognised_however_they_are_marked() {
        for concession in [
            json!({"_type": "Contrat de concession", "id": "C1", "acheteur": {"id": "21750001630040"}, "objet": "x"}),
            json!({"id": "C2", "autoriteConcedante": {"id": "21750001630040"}, "objet": "x"}),
            json!({"id": "C3", "acheteur": {"id": "21750001630040"}, "concessionnaires": [], "objet": "x"}),
            json!({"id": "C4", "acheteur": {"id": "21750001630040"}, "nature": "Concession de service", "objet": "x"}),
        ] {
            let p = parse(json!({ "marches": [concession.clone()] }));
            assert_eq!(p.records.len(), 0, "{concession}");
            assert_eq!(p.skipped[0].1.code, "decp_concession");
        }
        let p = parse(json!({"marches": [{"contrat-concession": {"id": "C5"}}]}));
        assert_eq!(p.skipped[0].1.code, "decp_concession");
    }

    #[test]
    fn fingerprints_are_stable_and_follow_changes() {
        let base = one_record(minimal(json!({"titulaires": [
            {"id": "55204599900869", "typeIdentifiant": "SIRET"},
            {"id": "DE814864138", "typeIdentifiant": "TVA"}]})));
        let again = one_record(minimal(json!({"titulaires": [
            {"id": "55204599900869", "typeIdentifiant": "SIRET"},
            {"id": "DE814864138", "typeIdentifiant": "TVA"}]})));
        assert_eq!(base.fingerprint, again.fingerprint);
        // Holders reordered, and irrelevant fields added: unchanged.
        let reordered = one_record(minimal(
            json!({"procedure": "Appel d'offres ouvert", "titulaires": [
            {"titulaire": {"id": "DE814864138", "typeIdentifiant": "TVA"}},
            {"titulaire": {"id": "55204599900869", "typeIdentifiant": "SIRET"}}]}),
        ));
        assert_eq!(base.fingerprint, reordered.fingerprint);
        // The amount changed: a different fingerprint.
        let changed = one_record(minimal(json!({"montant": 1_000_000.01, "titulaires": [
            {"id": "55204599900869", "typeIdentifiant": "SIRET"},
            {"id": "DE814864138", "typeIdentifiant": "TVA"}]})));
        assert_ne!(base.fingerprint, changed.fingerprint);
        // The index is not part of it.
        let p = parse(
            json!({"marches": [{"id": "x"}, minimal(json!({}))["marches"]["marche"].clone()]}),
        );
        assert_eq!(p.records[0].index, 1);
        assert_eq!(
            p.records[0].fingerprint,
            one_record(minimal(json!({}))).fingerprint
        );
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    // -- a generated file ------------------------------------------------------------------

    /// 60 entries; by position modulo 10: 3 has no buyer, 5 a buyer SIRET with a wrong check
    /// digit, 7 one invalid holder next to a valid one, 9 is a concession.
    fn generated_file() -> Value {
        let entries: Vec<Value> = (0..60u64)
            .map(|i| {
                let buyer = siret(i);
                let mut record = json!({
                    "id": format!("G-{i:03}"),
                    "acheteur": {"id": buyer, "nom": format!("Acheteur {i}")},
                    "nature": "Marché",
                    "objet": format!("Contrat généré {i}"),
                    "codeCPV": (if i % 2 == 0 { "45000000-7" } else { "90910000-9" }),
                    "montant": (40_000 + i * 1_000),
                    "dateNotification": "2024-01-15",
                    "dureeMois": 12,
                    "titulaires": [{"titulaire": {"id": siret(1_000 + i), "typeIdentifiant": "SIRET"}}],
                    "considerationsSociales": {"considerationSociale": ["Clause sociale"]},
                });
                match i % 10 {
                    3 => {
                        record.as_object_mut().unwrap().remove("acheteur");
                    }
                    5 => {
                        let mut bad = buyer.clone();
                        let last = bad.pop().unwrap().to_digit(10).unwrap();
                        bad.push(char::from_digit((last + 1) % 10, 10).unwrap());
                        record["acheteur"]["id"] = json!(bad);
                    }
                    7 => {
                        record["titulaires"]
                            .as_array_mut()
                            .unwrap()
                            .push(json!({"titulaire": {"id": "1234", "typeIdentifiant": "SIRET"}}));
                    }
                    9 => {
                        let r = record.as_object_mut().unwrap();
                        let buyer = r.remove("acheteur").unwrap();
                        r.insert("autoriteConcedante".into(), buyer);
                        let holders = r.remove("titulaires").unwrap();
                        r.insert("concessionnaires".into(), holders);
                    }
                    _ => {}
                }
                record
            })
            .collect();
        json!({"marches": {"marche": entries}})
    }

    #[test]
    fn generated_file_of_sixty_contracts() {
        let p = parse(generated_file());
        let malformed = |rest: u64| -> Vec<usize> {
            (0..60)
                .filter(|i| i % 10 == rest)
                .map(|i| i as usize)
                .collect()
        };
        assert_eq!(p.records.len(), 42);
        assert_eq!(p.skipped.len(), 18);
        assert_eq!(p.records.len() + p.skipped.len(), 60);

        let good: Vec<usize> = (0..60).filter(|i| ![3, 5, 9].contains(&(i % 10))).collect();
        assert_eq!(p.records.iter().map(|r| r.index).collect::<Vec<_>>(), good);
        for r in &p.records {
            assert_eq!(r.reference, format!("G-{:03}", r.index));
            assert_eq!(
                r.kind.as_str(),
                if r.index % 2 == 0 {
                    "works"
                } else {
                    "services"
                }
            );
            assert_eq!(
                r.amount_cents,
                Some((40_000 + r.index as i64 * 1_000) * 100)
            );
            assert_eq!(r.ends_on, Some(date("2025-01-14")));
            assert_eq!(r.holders.len(), 1);
            assert_eq!(r.social_considerations, vec!["clause_sociale"]);
        }

        let mut skipped = indexes(&p.skipped);
        skipped.sort();
        let mut expected: Vec<usize> = [3, 5, 9].into_iter().flat_map(malformed).collect();
        expected.sort();
        assert_eq!(skipped, expected);
        for (index, reason) in &p.skipped {
            let expected = match index % 10 {
                3 => "acheteur.id decp_missing",
                5 => "acheteur.id siret_malformed",
                _ => "decp_concession",
            };
            assert!(said(reason).contains(expected), "{index}: {reason:?}");
        }

        assert_eq!(indexes(&p.warnings), malformed(7));
        assert!(p
            .warnings
            .iter()
            .all(|(_, m)| said(m).starts_with("titulaires[1]") && said(m).contains("1234")));

        let fingerprints: std::collections::HashSet<&str> =
            p.records.iter().map(|r| r.fingerprint.as_str()).collect();
        assert_eq!(fingerprints.len(), 42);
        // Parsing again gives the same result.
        assert_eq!(parse(generated_file()), p);
    }

    #[test]
    fn stored_texts_keep_the_limits_of_the_api() {
        // A NUL, a control character or an overlong text skips the record, naming the key.
        for (extra, reason) in [
            (json!({"objet": "Travaux\u{0}"}), "objet nul_character"),
            (
                json!({"objet": "x".repeat(1001)}),
                "objet too_long max=1000",
            ),
            (
                json!({"id": "2024\u{7}"}),
                "id control_character character=U+0007",
            ),
            (
                json!({"acheteur": {"id": "21750001630040", "nom": "é".repeat(201)}}),
                "acheteur.nom too_long max=200",
            ),
        ] {
            let p = parse(minimal(extra));
            assert_eq!(p.records.len(), 0, "{reason}");
            let skipped: Vec<(usize, String)> =
                p.skipped.iter().map(|(i, v)| (*i, said(v))).collect();
            assert_eq!(skipped, vec![(0, reason.to_string())]);
        }
        // At the limit, and over several lines: one line.
        let r = one_record(minimal(json!({"objet": "é".repeat(1000)})));
        assert_eq!(r.title.chars().count(), 1000);
        let r = one_record(minimal(
            json!({"objet": "Nettoyage\r\ndes locaux\n\tlot 2"}),
        ));
        assert_eq!(r.title, "Nettoyage des locaux  lot 2");
        // A holder whose name does not fit is dropped with a warning.
        let p = parse(minimal(json!({"titulaires": [
            {"id": "55204599900869", "typeIdentifiant": "SIRET", "denominationSociale": "Bâti\u{0}"}]})));
        assert_eq!(p.records[0].holders, vec![]);
        let warnings: Vec<(usize, String)> =
            p.warnings.iter().map(|(i, v)| (*i, said(v))).collect();
        assert_eq!(
            warnings,
            vec![(
                0,
                "titulaires[0].denominationSociale decp_holder_dropped cause=nul_character"
                    .to_string()
            )]
        );
        // A date out of 1990-2100 is ignored with a warning.
        let p = parse(minimal(json!({"dateNotification": "1989-12-31"})));
        assert_eq!(p.records[0].notified_on, None);
        assert_eq!(p.warnings.len(), 1, "{p:?}");
        assert!(said(&p.warnings[0].1).contains("min=1990-01-01"), "{p:?}");
    }
}
