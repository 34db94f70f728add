//! Report periods: a run of whole calendar months (`from` to `to`, both included), how a
//! period splits into whole calendar years (read from the maintained per-year totals) and
//! partial years (read month by month), the period just before it, and the share of a
//! clause's required hours that falls inside it.

use chrono::{Datelike, NaiveDate};

use crate::domain::hours::parse_month;

/// The longest period a report covers, in months (ten years).
pub const MAX_MONTHS: i64 = 120;

/// The first and last years a request may name (dates, months and years of query
/// parameters): 1 January 1990 to 31 December 2100.
pub const FIRST_YEAR: i32 = 1990;
pub const LAST_YEAR: i32 = 2100;

/// Whether a date lies between 1 January [`FIRST_YEAR`] and 31 December [`LAST_YEAR`].
pub fn date_in_range(date: NaiveDate) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&date.year())
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        (1..=12)
            .contains(&month)
            .then_some(Month { year, month })
            .filter(|m| m.first_day().is_some())
    }

    /// `YYYY-MM`, as the API writes months.
    /// The month of a day.
    pub fn of(day: NaiveDate) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = parse_month(text.trim())?;
        Month::new(year, month)
    }

    /// Months since year 0, for arithmetic.
    fn index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    fn from_index(i: i64) -> Month {
        Month {
            year: i.div_euclid(12) as i32,
            month: (i.rem_euclid(12) + 1) as u32,
        }
    }

    pub fn plus(self, months: i64) -> Month {
        Month::from_index(self.index() + months)
    }

    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
    }

    pub fn last_day(self) -> Option<NaiveDate> {
        self.plus(1).first_day()?.pred_opt()
    }

    pub fn tuple(self) -> (i32, u32) {
        (self.year, self.month)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for Month {
    type Err = crate::domain::vocabulary::UnknownCode;
    /// `YYYY-MM`, as [`Month::parse`]; anything else is refused.
    fn from_str(text: &str) -> Result<Month, Self::Err> {
        Month::parse(text).ok_or_else(|| crate::domain::vocabulary::UnknownCode {
            vocabulary: "month",
            code: text.to_string(),
        })
    }
}

/// A month is `YYYY-MM` in JSON, as in the database and the files.
impl serde::Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Month, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A report period: whole months from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Month,
    pub to: Month,
}

/// How a period is read: whole calendar years and runs of months of partial years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub whole_years: Vec<i32>,
    /// (first month, last month) of each partial year, in order; at most two.
    pub partial: Vec<(Month, Month)>,
}

impl Period {
    /// The calendar year `year`.
    pub fn year(year: i32) -> Period {
        Period {
            from: Month { year, month: 1 },
            to: Month { year, month: 12 },
        }
    }

    /// A period from `from` to `to`; None when `to` is before `from` or it is longer than
    /// `MAX_MONTHS`.
    pub fn new(from: Month, to: Month) -> Option<Period> {
        let p = Period { from, to };
        (to >= from && p.months() <= MAX_MONTHS).then_some(p)
    }

    /// Number of months, both ends included.
    pub fn months(&self) -> i64 {
        self.to.index() - self.from.index() + 1
    }

    /// The calendar year when the period is exactly one.
    pub fn calendar_year(&self) -> Option<i32> {
        (self.from.year == self.to.year && self.from.month == 1 && self.to.month == 12)
            .then_some(self.from.year)
    }

    /// Whether the period is one or more whole calendar years (January of its first year
    /// to December of its last): the only periods a funder may read, so that differencing
    /// two overlapping ranges of months never isolates anyone.
    pub fn is_whole_years(&self) -> bool {
        self.from.month == 1 && self.to.month == 12
    }

    /// The period of the same length just before this one (the previous year for a year).
    pub fn previous(&self) -> Period {
        let n = self.months();
        Period {
            from: self.from.plus(-n),
            to: self.from.plus(-1),
        }
    }

    /// First day of the period.
    pub fn start(&self) -> NaiveDate {
        self.from.first_day().unwrap_or(NaiveDate::MIN)
    }

    /// Last day of the period.
    pub fn end(&self) -> NaiveDate {
        self.to.last_day().unwrap_or(NaiveDate::MAX)
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start() <= day && day <= self.end()
    }

    /// The whole calendar years inside the period, and the months of the years it only
    /// partly covers.
    pub fn split(&self) -> Split {
        let mut split = Split {
            whole_years: Vec::new(),
            partial: Vec::new(),
        };
        for year in self.from.year..=self.to.year {
            let first = if year == self.from.year {
                self.from.month
            } else {
                1
            };
            let last = if year == self.to.year {
                self.to.month
            } else {
                12
            };
            if first == 1 && last == 12 {
                split.whole_years.push(year);
            } else {
                split
                    .partial
                    .push((Month { year, month: first }, Month { year, month: last }));
            }
        }
        split
    }

    /// The label the headline starts with (`En 2025`, `Du 2025-01 au 2025-06`).
    pub fn label(&self) -> String {
        crate::domain::report::period_label(self.from.tuple(), self.to.tuple())
    }
}

/// Days from `start` to `end`, both included (0 when `end` is before `start`).
fn days_inclusive(start: NaiveDate, end: NaiveDate) -> i64 {
    (end - start).num_days().max(-1) + 1
}

/// Whether a clause running from `starts_on` to `ends_on` is in execution during `period`
/// (its dates intersect the period).
pub fn intersects(starts_on: NaiveDate, ends_on: NaiveDate, period: &Period) -> bool {
    starts_on <= period.end() && ends_on >= period.start() && starts_on <= ends_on
}

/// The part of a clause's required hours (hundredths) that falls inside `period` (the
/// definition the report's SQL applies per clause, `store::reports::clause_figures`): the hours
/// spread evenly over the clause's days, both ends included, times its days inside the
/// period, rounded half up to the hundredth. A clause wholly inside the period keeps all
/// its hours; one outside it gives 0; a one-day clause counts whole on its day.
pub fn prorate(required: i64, starts_on: NaiveDate, ends_on: NaiveDate, period: &Period) -> i64 {
    if !intersects(starts_on, ends_on, period) || required <= 0 {
        return 0;
    }
    let total = days_inclusive(starts_on, ends_on);
    let inside = days_inclusive(starts_on.max(period.start()), ends_on.min(period.end()));
    if inside >= total {
        return required;
    }
    let n = i128::from(required) * i128::from(inside);
    let d = i128::from(total);
    i64::try_from((2 * n + d) / (2 * d)).unwrap_or(i64::MAX)
}

/// A clause's hours spread over the calendar years its dates overlap: for each year, the
/// hours prorated to it (`prorate`), as the report of that year counts them. What
/// `clause_years` keeps (docs/domain.md#kept-figures). Nothing when the dates are reversed.
pub fn year_shares(hours: i64, starts_on: NaiveDate, ends_on: NaiveDate) -> Vec<(i32, i64)> {
    if starts_on > ends_on {
        return Vec::new();
    }
    (starts_on.year()..=ends_on.year())
        .map(|y| (y, prorate(hours, starts_on, ends_on, &Period::year(y))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(y: i32, mo: u32) -> Month {
        Month::new(y, mo).unwrap()
    }
    fn d(y: i32, mo: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, mo, day).unwrap()
    }

    #[test]
    fn months_parse_and_print() {
        assert_eq!(Month::parse("2025-03"), Some(m(2025, 3)));
        assert_eq!(Month::parse("2025-13"), None);
        assert_eq!(Month::parse("2025-3"), None);
        assert_eq!(Month::parse("25-03"), None);
        assert_eq!(m(2025, 3).to_string(), "2025-03");
        assert_eq!(m(2025, 1).plus(-1), m(2024, 12));
        assert_eq!(m(2025, 12).plus(1), m(2026, 1));
        assert_eq!(m(2024, 2).last_day(), Some(d(2024, 2, 29)));
        assert_eq!(m(2025, 12).last_day(), Some(d(2025, 12, 31)));
    }

    #[test]
    fn period_gives_its_months_previous_period_and_label() {
        let y = Period::year(2025);
        assert_eq!(y.months(), 12);
        assert_eq!(y.calendar_year(), Some(2025));
        assert_eq!(y.previous(), Period::year(2024));
        assert_eq!((y.start(), y.end()), (d(2025, 1, 1), d(2025, 12, 31)));
        assert_eq!(y.label(), "En 2025");
        let h = Period::new(m(2025, 1), m(2025, 6)).unwrap();
        assert_eq!(h.calendar_year(), None);
        assert_eq!(h.previous(), Period::new(m(2024, 7), m(2024, 12)).unwrap());
        assert_eq!(h.label(), "Du 2025-01 au 2025-06");
        assert!(Period::new(m(2025, 2), m(2025, 1)).is_none());
        assert!(Period::new(m(2015, 1), m(2024, 12)).is_some());
        assert!(Period::new(m(2015, 1), m(2025, 1)).is_none());
    }

    #[test]
    fn only_january_to_december_runs_are_whole_years() {
        assert!(Period::year(2025).is_whole_years());
        assert!(Period::new(m(2024, 1), m(2025, 12))
            .unwrap()
            .is_whole_years());
        assert!(!Period::new(m(2025, 1), m(2025, 11))
            .unwrap()
            .is_whole_years());
        assert!(!Period::new(m(2025, 2), m(2025, 12))
            .unwrap()
            .is_whole_years());
        assert!(!Period::new(m(2024, 7), m(2025, 6))
            .unwrap()
            .is_whole_years());
    }

    #[test]
    fn splits_into_whole_and_partial_years() {
        assert_eq!(
            Period::year(2025).split(),
            Split {
                whole_years: vec![2025],
                partial: vec![]
            }
        );
        assert_eq!(
            Period::new(m(2024, 7), m(2026, 2)).unwrap().split(),
            Split {
                whole_years: vec![2025],
                partial: vec![(m(2024, 7), m(2024, 12)), (m(2026, 1), m(2026, 2))]
            }
        );
        assert_eq!(
            Period::new(m(2025, 3), m(2025, 3)).unwrap().split(),
            Split {
                whole_years: vec![],
                partial: vec![(m(2025, 3), m(2025, 3))]
            }
        );
        assert_eq!(
            Period::new(m(2024, 1), m(2025, 12))
                .unwrap()
                .split()
                .whole_years,
            vec![2024, 2025]
        );
    }

    #[test]
    fn required_hours_prorate_by_days_inside_the_period() {
        let y = Period::year(2026);
        // Wholly inside: all of it.
        assert_eq!(prorate(83300, d(2026, 1, 1), d(2026, 12, 31), &y), 83300);
        assert_eq!(prorate(1000, d(2026, 3, 1), d(2026, 3, 1), &y), 1000);
        // Outside: nothing.
        assert_eq!(prorate(83300, d(2027, 1, 1), d(2027, 12, 31), &y), 0);
        assert_eq!(prorate(83300, d(2025, 1, 1), d(2025, 12, 31), &y), 0);
        // Half of a two-year clause (730 days, 365 in 2026): exactly half.
        assert_eq!(prorate(100000, d(2025, 1, 1), d(2026, 12, 31), &y), 50000);
        // Dec 1 to Jan 31 is 62 days, 31 of them in 2026: 1 000 h -> 500 h.
        assert_eq!(prorate(100000, d(2025, 12, 1), d(2026, 1, 31), &y), 50000);
        // Rounding half up: 1 h (100) over 3 days, 1 day inside -> 33.33 -> 33.
        assert_eq!(prorate(100, d(2025, 12, 30), d(2026, 1, 1), &y), 33);
        // 2 days inside -> 66.67 -> 67.
        assert_eq!(prorate(100, d(2026, 12, 30), d(2027, 1, 1), &y), 67);
        // A semester.
        let h = Period::new(m(2026, 1), m(2026, 6)).unwrap();
        // 181 of 365 days.
        assert_eq!(prorate(36500, d(2026, 1, 1), d(2026, 12, 31), &h), 18100);
        assert_eq!(prorate(0, d(2026, 1, 1), d(2026, 12, 31), &h), 0);
    }

    #[test]
    fn dates_intersect_a_period_when_they_share_a_day() {
        let y = Period::year(2026);
        assert!(intersects(d(2025, 12, 31), d(2026, 1, 1), &y));
        assert!(!intersects(d(2025, 1, 1), d(2025, 12, 31), &y));
        assert!(intersects(d(2026, 12, 31), d(2027, 5, 1), &y));
        assert!(!intersects(d(2026, 5, 1), d(2026, 4, 1), &y));
    }

    #[test]
    fn year_shares_prorate_each_calendar_year() {
        // 2025-07-01..2026-06-30: 365 days, 184 in 2025 and 181 in 2026. 1,000.00 hours:
        // 100000 * 184 / 365 = 50410.96 -> 50411; 100000 * 181 / 365 = 49589.04 -> 49589.
        assert_eq!(
            year_shares(100_000, d(2025, 7, 1), d(2026, 6, 30)),
            vec![(2025, 50_411), (2026, 49_589)]
        );
        // Within one year: all of it; three years: the middle year whole days.
        assert_eq!(
            year_shares(500, d(2026, 2, 1), d(2026, 3, 1)),
            vec![(2026, 500)]
        );
        let three = year_shares(1_096, d(2024, 12, 31), d(2026, 12, 31));
        // 731 days: 1 in 2024, 365 in 2025, 365 in 2026 (1096 * 1 / 731 = 1.499 -> 1).
        assert_eq!(three, vec![(2024, 1), (2025, 547), (2026, 547)]);
        assert!(year_shares(500, d(2026, 3, 1), d(2026, 2, 1)).is_empty());
        assert_eq!(
            year_shares(0, d(2026, 1, 1), d(2027, 1, 1)),
            vec![(2026, 0), (2027, 0)]
        );
    }
}
