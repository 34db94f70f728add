//! The report's query parameters, read at the HTTP edge: each one strictly (`api::query::Param`),
//! every bad one named in one 422, into the checked `reports::ReportRequest`.

use crate::api::messages::field_error;
use crate::api::query::{refused, Param, QueryValue};
use crate::domain::ids::{OrganisationId, StructureId};
use crate::domain::period::{Month, Period, FIRST_YEAR, LAST_YEAR};
use crate::domain::rule::Violation;
use crate::domain::spreadsheet::CsvDialect;
use crate::domain::territory::is_valid_departement;
use crate::domain::vocabulary::ClauseKind;
use crate::error::{ApiError, FieldError};
use crate::reports::ReportRequest;

/// The query parameters as received: text, each read strictly (`api::query::Param`: no
/// control character, given at most once) so that a bad value is named in a 422.
#[derive(Debug, Clone, Default, rocket::FromForm)]
pub struct RawParams {
    pub year: Param<String>,
    pub from: Param<String>,
    pub to: Param<String>,
    pub territory: Param<String>,
    pub buyer_id: Param<String>,
    pub contractor_id: Param<String>,
    pub clause_kind: Param<String>,
    pub structure_id: Param<String>,
}

/// A parameter's text, with an empty value (as an HTML form sends) taken as absent; a
/// refused value is named in `errors`.
fn present<'a>(name: &str, v: &'a Param<String>, errors: &mut Vec<FieldError>) -> Option<&'a str> {
    v.check(name, errors)
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// A year written `YYYY`, from `FIRST_YEAR` to `LAST_YEAR`.
fn parse_year(text: &str) -> Option<i32> {
    (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse::<i32>().ok())
        .flatten()
        .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
}

/// A month written `YYYY-MM`, from `FIRST_YEAR` to `LAST_YEAR`.
fn parse_month_in_range(text: &str) -> Option<Month> {
    Month::parse(text).filter(|m| (FIRST_YEAR..=LAST_YEAR).contains(&m.year))
}

fn parse_id(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|id| *id > 0)
}

/// The `dialect` of a CSV download: `fr` (the French spreadsheet form, by default) or
/// `standard`; anything else is 422 `csv_dialect_unknown`.
impl QueryValue for CsvDialect {
    fn read(text: &str) -> Result<Self, Violation> {
        CsvDialect::from_code(text).ok_or_else(|| Violation::new("", "csv_dialect_unknown"))
    }
}

impl RawParams {
    /// Checks every parameter; all the bad ones are named in one 422.
    pub fn parse(&self) -> Result<ReportRequest, ApiError> {
        self.parse_after(Vec::new())
    }

    /// Checks the CSV's `dialect` with every other parameter: all the bad ones in one 422.
    pub fn parse_with_dialect(
        &self,
        dialect: Param<CsvDialect>,
    ) -> Result<(ReportRequest, CsvDialect), ApiError> {
        let mut errors = Vec::new();
        let dialect = dialect.take("dialect", &mut errors);
        let req = self.parse_after(errors)?;
        Ok((req, dialect.unwrap_or_default()))
    }

    /// Checks every parameter after the ones already refused in `errors`.
    fn parse_after(&self, mut errors: Vec<FieldError>) -> Result<ReportRequest, ApiError> {
        let refused_before = errors.len();
        let year = present("year", &self.year, &mut errors);
        let from = present("from", &self.from, &mut errors);
        let to = present("to", &self.to, &mut errors);
        // A period parameter already refused is not also called missing.
        let period_refused = errors.len() > refused_before;
        let territory = present("territory", &self.territory, &mut errors).map(str::to_string);
        let buyer_id = present("buyer_id", &self.buyer_id, &mut errors);
        let contractor_id = present("contractor_id", &self.contractor_id, &mut errors);
        let structure_id = present("structure_id", &self.structure_id, &mut errors);
        let clause_kind =
            present("clause_kind", &self.clause_kind, &mut errors).map(str::to_string);
        let mut err = |v: Violation| errors.push(field_error(&v));
        let in_range = |v: Violation| v.with("min", FIRST_YEAR).with("max", LAST_YEAR);
        let period = match (year, from, to) {
            _ if period_refused => None,
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                err(Violation::new("year", "period_year_and_months"));
                None
            }
            (Some(y), None, None) => match parse_year(y) {
                Some(y) => Some(Period::year(y)),
                None => {
                    err(in_range(Violation::new("year", "period_year_malformed")));
                    None
                }
            },
            (None, None, None) => {
                err(Violation::new("year", "period_required"));
                None
            }
            (None, from, to) => {
                let from_month = from.and_then(parse_month_in_range);
                let to_month = to.and_then(parse_month_in_range);
                if from_month.is_none() {
                    err(in_range(Violation::new("from", "period_month_malformed")));
                }
                if to_month.is_none() {
                    err(in_range(Violation::new("to", "period_month_malformed")));
                }
                match (from_month, to_month) {
                    (Some(f), Some(t)) => {
                        let p = Period::new(f, t);
                        if p.is_none() {
                            err(Violation::new("to", "period_invalid").with("max_months", 120));
                        }
                        p
                    }
                    _ => None,
                }
            }
        };
        if territory
            .as_deref()
            .is_some_and(|t| !is_valid_departement(t))
        {
            err(Violation::new("territory", "departement_code_malformed"));
        }
        let mut id = |field: &str, v: Option<&str>| match v {
            Some(text) => match parse_id(text) {
                Some(id) => Some(id),
                None => {
                    err(Violation::new(field, "id_not_positive"));
                    None
                }
            },
            None => None,
        };
        let buyer_id = id("buyer_id", buyer_id).map(OrganisationId);
        let contractor_id = id("contractor_id", contractor_id).map(OrganisationId);
        let structure_id = id("structure_id", structure_id).map(StructureId);
        let clause_kind = clause_kind.and_then(|k| {
            let kind = ClauseKind::parse(&k);
            if kind.is_none() {
                err(Violation::new("clause_kind", "report_clause_kind_unknown")
                    .with("allowed", ClauseKind::CODES.join(", ")));
            }
            kind
        });
        match (period, errors.is_empty()) {
            (Some(period), true) => Ok(ReportRequest {
                period,
                territory,
                buyer_id,
                contractor_id,
                clause_kind,
                structure_id,
            }),
            _ => Err(refused(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawParams {
        let mut r = RawParams::default();
        for (k, v) in pairs {
            let v = Param::of(v.to_string());
            match *k {
                "year" => r.year = v,
                "from" => r.from = v,
                "to" => r.to = v,
                "territory" => r.territory = v,
                "buyer_id" => r.buyer_id = v,
                "contractor_id" => r.contractor_id = v,
                "clause_kind" => r.clause_kind = v,
                "structure_id" => r.structure_id = v,
                _ => unreachable!(),
            }
        }
        r
    }

    fn fields(e: ApiError) -> Vec<String> {
        e.errors.iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn report_parameters_parse_and_each_bad_one_is_named() {
        let r = raw(&[("year", "2025")]).parse().unwrap();
        assert_eq!(r.period, Period::year(2025));
        let r = raw(&[("from", "2025-01"), ("to", "2025-06"), ("territory", "93")])
            .parse()
            .unwrap();
        assert_eq!(r.period.months(), 6);
        assert_eq!(r.territory.as_deref(), Some("93"));
        // Empty values, as a form sends them, are absent.
        let r = raw(&[("year", "2025"), ("territory", ""), ("buyer_id", " ")])
            .parse()
            .unwrap();
        assert_eq!((r.territory, r.buyer_id), (None, None));
        assert_eq!(fields(raw(&[]).parse().unwrap_err()), ["year"]);
        assert_eq!(
            fields(
                raw(&[("year", "2025"), ("from", "2025-01")])
                    .parse()
                    .unwrap_err()
            ),
            ["year"]
        );
        assert_eq!(
            fields(raw(&[("year", "25")]).parse().unwrap_err()),
            ["year"]
        );
        assert_eq!(
            fields(raw(&[("from", "2025-01")]).parse().unwrap_err()),
            ["to"]
        );
        assert_eq!(
            fields(
                raw(&[("from", "2025-07"), ("to", "2025-06")])
                    .parse()
                    .unwrap_err()
            ),
            ["to"]
        );
        let e = raw(&[
            ("year", "2025"),
            ("territory", "100"),
            ("buyer_id", "x"),
            ("contractor_id", "-1"),
            ("clause_kind", "nope"),
            ("structure_id", "0"),
        ])
        .parse()
        .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "territory",
                "buyer_id",
                "contractor_id",
                "structure_id",
                "clause_kind"
            ]
        );
    }
}
