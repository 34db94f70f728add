//! Query parameters read strictly, for every route and page.
//!
//! Rocket reads a query value that does not parse into an `Option<T>` as `None`: with
//! `placement_id: Option<i64>`, `placement_id=1 OR 1=1` filtered nothing and listed the
//! caller's whole scope, and `offset=9223372036854775808` read as 0. So every query parameter
//! is declared as [`Param<T>`], which never fails in Rocket: it holds either the value (or its
//! absence) or what is wrong with it, and [`params!`] turns a route's
//! parameters into plain values, or into one 422 problem naming each bad parameter
//! (`errors[].field` is the parameter's name).
//!
//! What every parameter gets, whatever its type:
//! - absent, or given empty (`status=`, as an HTML form sends an unset filter): `None`;
//! - given more than once: refused (which of two values was meant is not ours to guess);
//! - a control character (NUL, any other C0 character, DEL, C1): refused; PostgreSQL cannot
//!   even store NUL in text;
//! - longer than [`MAX_CHARS`] characters: refused;
//! - otherwise read by the type ([`QueryValue`]): integers in range, dates `YYYY-MM-DD` and
//!   months `YYYY-MM` between [`FIRST_YEAR`] and [`LAST_YEAR`], plain text.
//!
//! A new route declares each query parameter as `Param<T>` and starts with `params!(…)`;
//! rules of its own (a status among a list, `limit` at most 500 in `body::page`) come after.
//! Parameters a route does not declare are ignored by Rocket and never read.

use chrono::NaiveDate;
use rocket::form::{self, DataField, FromForm, Options, ValueField};
use rocket::request::FromParam;

use crate::api::messages::field_error;
use crate::domain::ids::{
    AssignmentId, ClauseId, ContractId, FollowUpId, HourEntryId, NeedId, OrganisationId,
    ParticipantId, PlacementId, ReferralId, SessionId, StructureId, UserId,
};
use crate::domain::period::{Month, FIRST_YEAR, LAST_YEAR};
use crate::domain::rule::Violation;
use crate::error::{ApiError, FieldError};

/// The longest query value taken, in characters (a `next` path included).
pub const MAX_CHARS: usize = 2000;

/// One query parameter: absent, present and well-formed, or refused with its broken rule
/// (its field named when the handler takes it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param<T>(Result<Option<T>, Violation>);

impl<T> Param<T> {
    /// A parameter that was not given.
    pub fn absent() -> Self {
        Param(Ok(None))
    }

    /// A parameter given with this value (for a page that builds parameters itself).
    pub fn of(value: T) -> Self {
        Param(Ok(Some(value)))
    }

    /// The value (None when absent); a refused value is added to `errors` under `name`.
    pub fn take(self, name: &str, errors: &mut Vec<FieldError>) -> Option<T> {
        match self.0 {
            Ok(v) => v,
            Err(mut rule) => {
                rule.field = name.to_string();
                errors.push(field_error(&rule));
                None
            }
        }
    }

    /// Like [`take`](Self::take), by reference.
    pub fn check(&self, name: &str, errors: &mut Vec<FieldError>) -> Option<&T> {
        match &self.0 {
            Ok(v) => v.as_ref(),
            Err(rule) => {
                let mut rule = rule.clone();
                rule.field = name.to_string();
                errors.push(field_error(&rule));
                None
            }
        }
    }

    /// The value when it was given and well-formed.
    pub fn value(&self) -> Option<&T> {
        self.0.as_ref().ok().and_then(Option::as_ref)
    }
}

impl<T> Default for Param<T> {
    fn default() -> Self {
        Param::absent()
    }
}

/// A type a query value is read into. `read` gets the text of a value that is present,
/// not empty, not too long and free of control characters; it answers the broken rule
/// (field left empty) when the text does not fit.
pub trait QueryValue: Sized + Send {
    fn read(text: &str) -> Result<Self, Violation>;
}

/// The rule a query value breaks (its field is the parameter's name, set when taken).
fn broken(code: &'static str) -> Violation {
    Violation::new("", code)
}

/// Checks common to every value; then the type reads it.
fn read_value<T: QueryValue>(text: &str) -> Result<Option<T>, Violation> {
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().any(char::is_control) {
        return Err(broken("control_character"));
    }
    if text.chars().count() > MAX_CHARS {
        return Err(broken("too_long").with("max", MAX_CHARS));
    }
    T::read(text).map(Some)
}

/// What Rocket gathers for one parameter while it reads the query string.
pub struct ParamContext<T> {
    value: Option<Result<Option<T>, Violation>>,
    given: usize,
}

#[rocket::async_trait]
impl<'r, T: QueryValue + 'r> FromForm<'r> for Param<T> {
    type Context = ParamContext<T>;

    fn init(_: Options) -> Self::Context {
        ParamContext {
            value: None,
            given: 0,
        }
    }

    fn push_value(ctxt: &mut Self::Context, field: ValueField<'r>) {
        ctxt.given += 1;
        if ctxt.value.is_none() {
            ctxt.value = Some(read_value(field.value));
        }
    }

    async fn push_data(ctxt: &mut Self::Context, _field: DataField<'r, '_>) {
        ctxt.given += 1;
        // A query string holds text only; a data field comes from a form body, which no route
        // reads into a `Param`: its value is refused like any value of the wrong form.
        ctxt.value = Some(Err(broken("value_refused")));
    }

    fn finalize(ctxt: Self::Context) -> form::Result<'r, Self> {
        Ok(match (ctxt.given, ctxt.value) {
            (0, _) | (_, None) => Param::absent(),
            (1, Some(v)) => Param(v),
            (_, Some(_)) => Param(Err(broken("param_repeated"))),
        })
    }

    fn default(_: Options) -> Option<Self> {
        Some(Param::absent())
    }
}

/// The 422 problem of refused query parameters, in French, naming each of them.
pub fn refused(errors: Vec<FieldError>) -> ApiError {
    let mut names: Vec<String> = Vec::new();
    for e in &errors {
        let name = format!("« {} »", e.field);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let detail = match names.as_slice() {
        [one] => format!(
            "Paramètre {one} de l'adresse : {}",
            errors
                .first()
                .map(|e| lower_first(&e.message))
                .unwrap_or_default()
        ),
        [init @ .., last] => format!(
            "Les paramètres {} et {last} de l'adresse sont à corriger.",
            init.join(", ")
        ),
        [] => "Un paramètre de l'adresse est à corriger.".to_string(),
    };
    let detail = crate::api::messages::sentence(&detail);
    let mut e = ApiError::coded(422, "validation", Violation::new("", "query_refused"));
    e.detail = detail;
    e.errors = errors;
    e
}

/// A parameter the route cannot do without: its value, or a 422 naming it.
pub fn required<T>(name: &str, value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| {
        refused(vec![crate::api::messages::field_error(
            &crate::domain::rule::Violation::new(name, "param_required"),
        )])
    })
}

fn lower_first(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Turns each named [`Param`] of the calling handler into `Option<T>` (same name), or
/// returns one 422 naming every refused parameter. For handlers answering `ApiResult`:
///
/// ```ignore
/// params!(placement_id, limit, offset);
/// let (limit, offset) = page(limit, offset)?;
/// ```
macro_rules! params {
    ($($name:ident),+ $(,)?) => {
        let mut refused_params = ::std::vec::Vec::new();
        $( let $name = $name.take(stringify!($name), &mut refused_params); )+
        if !refused_params.is_empty() {
            return ::std::result::Result::Err(::std::convert::From::from(
                $crate::api::query::refused(refused_params),
            ));
        }
    };
}
pub(crate) use params;

/// Integers: optional `-` and ASCII digits only (no `+`, spaces or `1 OR 1=1`), in range.
fn read_integer(text: &str) -> Result<i64, Violation> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(broken("integer_malformed"));
    }
    text.parse::<i64>().map_err(|_| broken("integer_too_large"))
}

impl QueryValue for i64 {
    fn read(text: &str) -> Result<Self, Violation> {
        read_integer(text)
    }
}

impl QueryValue for u32 {
    fn read(text: &str) -> Result<Self, Violation> {
        let n = read_integer(text)?;
        u32::try_from(n).map_err(|_| {
            if n < 0 {
                broken("negative")
            } else {
                broken("integer_too_large")
            }
        })
    }
}

/// The identifier of a record named in a filter (`?clause_id=7`): a positive integer, since
/// no record has a zero or negative id (`clause_id=-5` is refused, not an empty list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id(pub i64);

impl QueryValue for Id {
    fn read(text: &str) -> Result<Self, Violation> {
        match read_integer(text)? {
            id if id > 0 => Ok(Id(id)),
            _ => Err(broken("id_not_positive")),
        }
    }
}

impl From<Id> for i64 {
    fn from(id: Id) -> i64 {
        id.0
    }
}

/// The typed ids of `domain::ids`, read like [`Id`] in a query (`?clause_id=7`) and like
/// Rocket's `i64` in a path (`/clauses/<id>`), so that a handler gets the kind of id its
/// use case takes.
macro_rules! typed_ids {
    ($( $(#[$doc:meta])* $id:ident ),+ $(,)?) => {$(
        impl QueryValue for $id {
            fn read(text: &str) -> Result<Self, Violation> {
                Id::read(text).map(|Id(id)| $id(id))
            }
        }

        impl<'a> FromParam<'a> for $id {
            type Error = <i64 as FromParam<'a>>::Error;
            fn from_param(param: &'a str) -> Result<Self, Self::Error> {
                i64::from_param(param).map($id)
            }
        }
    )+};
}

crate::domain::ids::for_each_id_type!(typed_ids);

/// `limit` and `offset` of a list route, gathered by `?<paging..>` and read like the other
/// parameters; `params!` turns it into a [`Page`].
#[derive(Debug, Default, rocket::FromForm)]
pub struct Paging {
    limit: Param<i64>,
    offset: Param<i64>,
}

/// The slice of a list to answer: at most `limit` items after the first `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Paging {
    /// For `params!`, listed last: a malformed value is named like any other; the bounds
    /// (`body::page`) are checked only when every parameter was well-formed, as before.
    pub fn take(self, _name: &str, errors: &mut Vec<FieldError>) -> Page {
        let limit = self.limit.take("limit", errors);
        let offset = self.offset.take("offset", errors);
        let fallback = Page {
            limit: 50,
            offset: 0,
        };
        if !errors.is_empty() {
            return fallback;
        }
        match crate::api::body::page(limit, offset) {
            Ok((limit, offset)) => Page { limit, offset },
            Err(mut refused) => {
                errors.append(&mut refused.errors);
                fallback
            }
        }
    }
}

/// `true` or `false` (for `dry_run`-like switches: anything else is refused, so that a
/// mistyped switch never does the opposite of what was asked).
impl QueryValue for bool {
    fn read(text: &str) -> Result<Self, Violation> {
        match text {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(broken("boolean_malformed")),
        }
    }
}

impl QueryValue for String {
    fn read(text: &str) -> Result<Self, Violation> {
        Ok(text.to_string())
    }
}

/// A year of the range requests may name, written `YYYY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Year(pub i32);

impl QueryValue for Year {
    fn read(text: &str) -> Result<Self, Violation> {
        let refused = || {
            broken("year_malformed")
                .with("min", FIRST_YEAR)
                .with("max", LAST_YEAR)
        };
        let year = (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<i32>().ok())
            .flatten()
            .ok_or_else(refused)?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(refused());
        }
        Ok(Year(year))
    }
}

/// A date written `YYYY-MM-DD`, from 1 January [`FIRST_YEAR`] to 31 December [`LAST_YEAR`].
impl QueryValue for NaiveDate {
    fn read(text: &str) -> Result<Self, Violation> {
        let (min, max) = (format!("{FIRST_YEAR}-01-01"), format!("{LAST_YEAR}-12-31"));
        let shape = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        let date = shape
            .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .flatten()
            .ok_or_else(|| {
                // The value is not echoed: a query may end up in logs, and it may be a name.
                broken("date_malformed").with("min", &min).with("max", &max)
            })?;
        if !crate::domain::period::date_in_range(date) {
            return Err(broken("date_out_of_range")
                .with("min", min)
                .with("max", max));
        }
        Ok(date)
    }
}

/// A month written `YYYY-MM`, from January [`FIRST_YEAR`] to December [`LAST_YEAR`].
impl QueryValue for Month {
    fn read(text: &str) -> Result<Self, Violation> {
        let (min, max) = (format!("{FIRST_YEAR}-01"), format!("{LAST_YEAR}-12"));
        let month = crate::domain::hours::parse_month(text)
            .and_then(|(y, m)| Month::new(y, m))
            .ok_or_else(|| {
                broken("month_malformed")
                    .with("min", &min)
                    .with("max", &max)
            })?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&month.year) {
            return Err(broken("month_out_of_range")
                .with("min", min)
                .with("max", max));
        }
        Ok(month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: QueryValue>(text: &str) -> Result<Option<T>, Violation> {
        read_value::<T>(text)
    }

    #[test]
    fn integers_are_read_whole_or_refused() {
        assert_eq!(read::<i64>("42"), Ok(Some(42)));
        assert_eq!(read::<i64>("-3"), Ok(Some(-3)));
        assert_eq!(read::<i64>(""), Ok(None));
        for bad in [
            "1 OR 1=1",
            "+4",
            " 4",
            "4.0",
            "-",
            "1e3",
            "9223372036854775808",
        ] {
            assert!(read::<i64>(bad).is_err(), "{bad}");
        }
        assert_eq!(read::<i64>("9223372036854775807"), Ok(Some(i64::MAX)));
        assert_eq!(read::<Id>("7"), Ok(Some(Id(7))));
        for bad in ["0", "-5", "-9223372036854775808", "x"] {
            assert!(read::<Id>(bad).is_err(), "{bad}");
        }
        assert!(read::<u32>("-1").is_err());
        assert!(read::<u32>("4294967296").is_err());
        assert_eq!(read::<bool>("true"), Ok(Some(true)));
        assert_eq!(read::<bool>("false"), Ok(Some(false)));
        for bad in ["yes", "1", "TRUE", "on"] {
            assert!(read::<bool>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_months_and_years_are_in_range() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(read::<NaiveDate>("1990-01-01"), Ok(d(1990, 1, 1)));
        assert_eq!(read::<NaiveDate>("2100-12-31"), Ok(d(2100, 12, 31)));
        for bad in [
            "1989-12-31",
            "2101-01-01",
            "0001-01-01",
            "2026-1-05",
            "2026-02-30",
            "+2026-01-01",
            "2026-01-01T00:00",
        ] {
            assert!(read::<NaiveDate>(bad).is_err(), "{bad}");
        }
        assert_eq!(read::<Month>("2026-03"), Ok(Month::new(2026, 3)));
        for bad in ["1989-12", "2101-01", "2026-13", "2026-3", "9999-12"] {
            assert!(read::<Month>(bad).is_err(), "{bad}");
        }
        assert_eq!(read::<Year>("1990"), Ok(Some(Year(1990))));
        for bad in ["1989", "2101", "26", "20266", "-2026"] {
            assert!(read::<Year>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn control_characters_and_long_values_are_refused() {
        for bad in ["a\0b", "\u{1}", "x\ny", "\t", "\u{7f}", "\u{85}"] {
            assert!(read::<String>(bad).is_err(), "{bad:?}");
        }
        assert_eq!(read::<String>("déjà vu"), Ok(Some("déjà vu".into())));
        assert!(read::<String>(&"é".repeat(MAX_CHARS)).is_ok());
        assert!(read::<String>(&"é".repeat(MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn the_problem_names_each_parameter_in_french() {
        let refusal = |field: &str, code| field_error(&Violation::new(field, code));
        let e = refused(vec![refusal("limit", "integer_malformed")]);
        assert_eq!(e.status, 422);
        assert_eq!(e.title, "Paramètres refusés");
        assert_eq!(
            e.detail,
            "Paramètre « limit » de l'adresse : la valeur doit être un nombre entier écrit en \
             chiffres, par exemple 12."
        );
        let e = refused(vec![
            refusal("limit", "integer_malformed"),
            refusal("offset", "negative"),
        ]);
        assert_eq!(
            e.detail,
            "Les paramètres « limit » et « offset » de l'adresse sont à corriger."
        );
        assert_eq!(
            read::<Year>("20266").unwrap_err().code,
            "year_malformed",
            "a value's rule has its code"
        );
    }
}
