//! Calibration (calibrage) of the number of insertion hours of a clause
//! (docs/domain.md#calibration). Exact integer arithmetic: amounts in cents, percentages in
//! basis points (hundredths of a percent), hours rounded half up from the exact quotient.
//!
//! The explanation is French text for contract documents. Numbers are typeset the French
//! way: a narrow no-break space (U+202F) between groups of thousands, a comma before the
//! decimals, and a no-break space (U+00A0) before a unit, `%`, `€` or `:`, so that a number
//! never breaks across lines.

use crate::domain::vocabulary::CalibrationMethod;
use serde::{Deserialize, Serialize, Serializer};

use crate::domain::limits::{Code, FreeText, Label};
use crate::domain::rule::Violation;
use crate::domain::units::{ser_hundredths, Hundredths};

/// Separates groups of thousands.
const THOUSANDS_SEP: char = '\u{202F}';
/// Joins a number to its unit.
const UNIT_SPACE: char = '\u{00A0}';
/// 100 % in basis points.
const FULL_PERCENT_BP: i64 = 10_000;

impl CalibrationRequest {
    /// The method, as stored in its own column of the clause.
    pub fn method(&self) -> CalibrationMethod {
        match self {
            CalibrationRequest::LabourShare { .. } => CalibrationMethod::LabourShare,
            CalibrationRequest::PerAmount { .. } => CalibrationMethod::PerAmount,
            CalibrationRequest::Fixed { .. } => CalibrationMethod::Fixed,
        }
    }
}

/// What a calibration is computed from; stored with the clause as JSON for audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum CalibrationRequest {
    /// amount × labour share × insertion rate ÷ loaded hourly cost, for the whole contract
    /// (`amount_eur`) or lot by lot (`lots`).
    LabourShare {
        #[serde(
            default,
            serialize_with = "ser_opt",
            skip_serializing_if = "Option::is_none"
        )]
        amount_eur: Option<Hundredths>,
        #[serde(
            default,
            serialize_with = "ser_opt",
            skip_serializing_if = "Option::is_none"
        )]
        labour_share_percent: Option<Hundredths>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cpv_code: Option<Code>,
        #[serde(serialize_with = "ser")]
        insertion_rate_percent: Hundredths,
        #[serde(serialize_with = "ser")]
        hourly_cost_eur: Hundredths,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lots: Option<Vec<CalibrationLot>>,
    },
    /// One insertion hour per `euros_per_hour` euros.
    PerAmount {
        #[serde(serialize_with = "ser")]
        amount_eur: Hundredths,
        #[serde(serialize_with = "ser")]
        euros_per_hour: Hundredths,
    },
    /// Hours set directly, with a written justification.
    Fixed {
        #[serde(serialize_with = "ser")]
        hours: Hundredths,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<FreeText>,
    },
}

/// One lot of a `labour_share` calibration by lots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalibrationLot {
    #[serde(serialize_with = "ser")]
    pub amount_eur: Hundredths,
    #[serde(
        default,
        serialize_with = "ser_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub labour_share_percent: Option<Hundredths>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpv_code: Option<Code>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Label>,
}

/// A row of the labour-share reference table (admin-editable, keyed by CPV prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabourShareRef {
    pub cpv_prefix: String,
    pub share_bp: i64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CalibrationResult {
    /// Whole hours, rounded half up: the clause's required hours.
    pub hours: i64,
    /// Hundredths of an hour, rounded half up: the figure before rounding to whole hours.
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub exact_hours: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lots: Option<Vec<LotResult>>,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LotResult {
    pub hours: i64,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub exact_hours: i64,
    /// The share used (given, or taken from the reference table).
    #[schema(value_type = f64)]
    #[serde(rename = "labour_share_percent", serialize_with = "ser_hundredths")]
    pub labour_share_bp: i64,
}

fn ser<S: Serializer>(v: &Hundredths, s: S) -> Result<S::Ok, S::Error> {
    ser_hundredths(&v.0, s)
}

fn ser_opt<S: Serializer>(v: &Option<Hundredths>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => ser_hundredths(&v.0, s),
        None => s.serialize_none(),
    }
}

/// The three sourced trade defaults (docs/domain.md#calibration); other trades are set by
/// the facilitator.
pub fn default_labour_shares() -> Vec<LabourShareRef> {
    [
        ("454421", 7_000, "Travaux de peinture"),
        ("452625", 5_000, "Travaux de maçonnerie"),
        ("452231", 2_000, "Charpentes et structures métalliques"),
    ]
    .into_iter()
    .map(|(prefix, share_bp, label)| LabourShareRef {
        cpv_prefix: prefix.to_string(),
        share_bp,
        label: label.to_string(),
    })
    .collect()
}

/// Computes the insertion hours of a request, or every field error found.
/// `shares` is the labour-share reference table; `contract_cpv` the contract's CPV code,
/// used to look up a missing labour share when the request gives no CPV code.
pub fn calibrate(
    req: &CalibrationRequest,
    shares: &[LabourShareRef],
    contract_cpv: Option<&str>,
) -> Result<CalibrationResult, Vec<Violation>> {
    match req {
        CalibrationRequest::LabourShare {
            amount_eur,
            labour_share_percent,
            cpv_code,
            insertion_rate_percent,
            hourly_cost_eur,
            lots,
        } => {
            let common = LabourShareInputs {
                request_share: *labour_share_percent,
                request_cpv: cpv_code.as_deref(),
                contract_cpv,
                insertion_rate: *insertion_rate_percent,
                hourly_cost: *hourly_cost_eur,
                shares,
            };
            calibrate_labour_share(&common, *amount_eur, lots.as_deref())
        }
        CalibrationRequest::PerAmount {
            amount_eur,
            euros_per_hour,
        } => calibrate_per_amount(*amount_eur, *euros_per_hour),
        CalibrationRequest::Fixed {
            hours,
            justification,
        } => calibrate_fixed(*hours, justification.as_deref()),
    }
}

/// The stable code of a clause whose required hours round to 0 h.
pub const ZERO_HOURS: &str = "zero_hours";

/// The required hours of a new clause, in hundredths of an hour: the facilitator's override
/// when there is one, else the calibrated whole hours. A clause needs an hour target: one
/// that rounds to 0 h (half up, as the calibration rounds) would show `completed` from its
/// first day, so it is refused, on `hours_override` when the override is the figure, else on
/// `calibration`. `calibrated` is the calibration's whole hours.
pub fn required_hours(
    calibrated: i64,
    hours_override: Option<Hundredths>,
) -> Result<i64, Violation> {
    match hours_override {
        Some(h) if h.0 < 50 => Err(Violation::new("hours_override", ZERO_HOURS)),
        Some(h) => Ok(h.0),
        None if calibrated < 1 => Err(Violation::new("calibration", ZERO_HOURS)),
        None => calibrated
            .checked_mul(100)
            .ok_or_else(|| too_large("calibration")),
    }
}

/// The calibration of a clause with its contract's amount changed by an amendment, from
/// `from_cents` (the amount the calibration was made against) to `to_cents`: each amount of
/// the calibration (the whole one, or each lot's) is scaled by `to / from`, rounded half up
/// to the cent, so that a clause calibrated on the whole contract gets exactly the new
/// amount and one calibrated on a lot or a part of it keeps its share. A `fixed` calibration
/// does not follow the amount; nor does any when `from_cents` is not positive.
///
/// Worked example: a clause calibrated on 1 000 000,00 € when the contract is amended from
/// 1 000 000,00 € to 1 200 000,00 € is recalibrated on 1 200 000,00 €; a lot of
/// 250 000,00 € of it on 300 000,00 €.
pub fn with_amended_amount(
    req: &CalibrationRequest,
    from_cents: i64,
    to_cents: i64,
) -> CalibrationRequest {
    let scale = |amount: Hundredths| -> Hundredths {
        if from_cents <= 0 {
            return amount;
        }
        let num = i128::from(amount.0) * i128::from(to_cents);
        let den = i128::from(from_cents);
        let scaled = (2 * num + den).div_euclid(2 * den);
        Hundredths(i64::try_from(scaled).unwrap_or(i64::MAX))
    };
    let mut out = req.clone();
    match &mut out {
        CalibrationRequest::LabourShare {
            amount_eur, lots, ..
        } => {
            *amount_eur = amount_eur.map(scale);
            for lot in lots.iter_mut().flatten() {
                lot.amount_eur = scale(lot.amount_eur);
            }
        }
        CalibrationRequest::PerAmount { amount_eur, .. } => *amount_eur = scale(*amount_eur),
        CalibrationRequest::Fixed { .. } => {}
    }
    out
}

/// The total amount a calibration was made against (the whole amount, or the lots' sum);
/// None for a `fixed` calibration.
pub fn calibrated_amount(req: &CalibrationRequest) -> Option<i64> {
    match req {
        CalibrationRequest::LabourShare {
            amount_eur, lots, ..
        } => match (amount_eur, lots) {
            (Some(a), _) => Some(a.0),
            (None, Some(lots)) => Some(lots.iter().map(|l| l.amount_eur.0).sum()),
            (None, None) => None,
        },
        CalibrationRequest::PerAmount { amount_eur, .. } => Some(amount_eur.0),
        CalibrationRequest::Fixed { .. } => None,
    }
}

// ---------------------------------------------------------------------------------------
// labour_share

struct LabourShareInputs<'a> {
    request_share: Option<Hundredths>,
    request_cpv: Option<&'a str>,
    contract_cpv: Option<&'a str>,
    insertion_rate: Hundredths,
    hourly_cost: Hundredths,
    shares: &'a [LabourShareRef],
}

/// Where a labour share comes from: given in the request, or the reference table.
struct Share<'a> {
    bp: i64,
    reference: Option<&'a LabourShareRef>,
}

/// One calibrated amount (the whole contract or one lot).
struct Computed {
    hours: i64,
    exact_hours: i64,
    is_exact: bool,
}

fn calibrate_labour_share(
    inputs: &LabourShareInputs,
    amount: Option<Hundredths>,
    lots: Option<&[CalibrationLot]>,
) -> Result<CalibrationResult, Vec<Violation>> {
    let mut errors = Vec::new();
    check_percent("insertion_rate_percent", inputs.insertion_rate, &mut errors);
    check_positive("hourly_cost_eur", inputs.hourly_cost, &mut errors);
    if let Some(cpv) = inputs.request_cpv {
        check_cpv("cpv_code", cpv, &mut errors);
    }
    match (amount, lots) {
        (None, None) => {
            errors.push(Violation::new("amount_eur", "amount_or_lots_required"));
            Err(errors)
        }
        (Some(_), Some(_)) => {
            errors.push(Violation::new("lots", "amount_and_lots"));
            Err(errors)
        }
        (Some(amount), None) => calibrate_whole(inputs, amount, errors),
        (None, Some(lots)) => calibrate_lots(inputs, lots, errors),
    }
}

fn calibrate_whole(
    inputs: &LabourShareInputs,
    amount: Hundredths,
    mut errors: Vec<Violation>,
) -> Result<CalibrationResult, Vec<Violation>> {
    check_positive("amount_eur", amount, &mut errors);
    let cpv = inputs.request_cpv.or(inputs.contract_cpv);
    let share = resolve_share(
        inputs.request_share,
        cpv,
        inputs.shares,
        "labour_share_percent",
        &mut errors,
    );
    let Some(share) = share.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    let computed = labour_share_hours(amount, share.bp, inputs)?;
    let explanation = format!(
        "{} = {}",
        labour_share_formula(amount, &share, inputs),
        outcome_text(&computed)
    );
    Ok(CalibrationResult {
        hours: computed.hours,
        exact_hours: computed.exact_hours,
        lots: None,
        explanation,
    })
}

fn calibrate_lots(
    inputs: &LabourShareInputs,
    lots: &[CalibrationLot],
    mut errors: Vec<Violation>,
) -> Result<CalibrationResult, Vec<Violation>> {
    if lots.is_empty() {
        errors.push(Violation::new("lots", "lots_empty"));
    }
    if inputs.request_share.is_some() {
        errors.push(Violation::new(
            "labour_share_percent",
            "share_given_per_lot",
        ));
    }
    let mut shares = Vec::with_capacity(lots.len());
    for (i, lot) in lots.iter().enumerate() {
        check_positive(
            &format!("lots[{i}].amount_eur"),
            lot.amount_eur,
            &mut errors,
        );
        if let Some(cpv) = lot.cpv_code.as_deref() {
            check_cpv(&format!("lots[{i}].cpv_code"), cpv, &mut errors);
        }
        let cpv = lot
            .cpv_code
            .as_deref()
            .or(inputs.request_cpv)
            .or(inputs.contract_cpv);
        let field = format!("lots[{i}].labour_share_percent");
        shares.push(resolve_share(
            lot.labour_share_percent,
            cpv,
            inputs.shares,
            &field,
            &mut errors,
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut results = Vec::with_capacity(lots.len());
    let mut lines = Vec::with_capacity(lots.len() + 1);
    for (i, (lot, share)) in lots.iter().zip(shares.into_iter().flatten()).enumerate() {
        let computed = labour_share_hours(lot.amount_eur, share.bp, inputs)?;
        lines.push(format!(
            "{}{}: {} = {}",
            lot_heading(lot, i),
            UNIT_SPACE,
            labour_share_formula(lot.amount_eur, &share, inputs),
            outcome_text(&computed)
        ));
        results.push(LotResult {
            hours: computed.hours,
            exact_hours: computed.exact_hours,
            labour_share_bp: share.bp,
        });
    }
    let hours: i64 = results.iter().map(|r| r.hours).sum();
    let exact_hours: i64 = results.iter().map(|r| r.exact_hours).sum();
    lines.push(total_line(&results, hours));
    Ok(CalibrationResult {
        hours,
        exact_hours,
        lots: Some(results),
        explanation: lines.join("\n"),
    })
}

/// amount × share × rate ÷ cost, with amount and cost in cents and share and rate in basis
/// points: hours = A·S·R ÷ (C·10⁸), hundredths = A·S·R ÷ (C·10⁶).
fn labour_share_hours(
    amount: Hundredths,
    share_bp: i64,
    inputs: &LabourShareInputs,
) -> Result<Computed, Vec<Violation>> {
    compute(
        &[amount.0, share_bp, inputs.insertion_rate.0],
        &[inputs.hourly_cost.0, 100_000_000],
    )
    .ok_or_else(|| vec![too_large("amount_eur")])
}

/// The labour share given, or else the reference row with the longest CPV prefix matching
/// `cpv`. Records an error on `field` when there is none.
fn resolve_share<'a>(
    given: Option<Hundredths>,
    cpv: Option<&str>,
    shares: &'a [LabourShareRef],
    field: &str,
    errors: &mut Vec<Violation>,
) -> Option<Share<'a>> {
    if let Some(given) = given {
        check_percent(field, given, errors);
        return Some(Share {
            bp: given.0,
            reference: None,
        });
    }
    let Some(cpv) = cpv else {
        errors.push(Violation::new(field, "labour_share_without_cpv"));
        return None;
    };
    match lookup_labour_share(shares, cpv) {
        Some(reference) => Some(Share {
            bp: reference.share_bp,
            reference: Some(reference),
        }),
        None => {
            errors.push(Violation::new(field, "labour_share_not_in_table").with("cpv", cpv.trim()));
            None
        }
    }
}

/// The reference row whose CPV prefix is the longest prefix of `cpv_code` (the check digit
/// after a dash is ignored). Rows with an empty or non-numeric prefix never match.
pub fn lookup_labour_share<'a>(
    shares: &'a [LabourShareRef],
    cpv_code: &str,
) -> Option<&'a LabourShareRef> {
    let digits = cpv_digits(cpv_code)?;
    shares
        .iter()
        .filter(|r| {
            let prefix = r.cpv_prefix.trim();
            !prefix.is_empty()
                && prefix.bytes().all(|b| b.is_ascii_digit())
                && digits.starts_with(prefix)
        })
        // max_by_key keeps the last of equals; reversing keeps the first row of a tie.
        .rev()
        .max_by_key(|r| r.cpv_prefix.trim().len())
}

/// The 8 digits of a CPV code written `45442100` or `45442100-8`.
fn cpv_digits(code: &str) -> Option<&str> {
    let code = code.trim();
    let (digits, check) = match code.split_once('-') {
        Some((digits, check)) => (digits, Some(check)),
        None => (code, None),
    };
    let digits_ok = digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit());
    let check_ok = check.is_none_or(|c| c.len() == 1 && c.bytes().all(|b| b.is_ascii_digit()));
    (digits_ok && check_ok).then_some(digits)
}

fn check_cpv(field: &str, code: &str, errors: &mut Vec<Violation>) {
    if cpv_digits(code).is_none() {
        errors.push(Violation::new(field, "cpv_malformed"));
    }
}

// ---------------------------------------------------------------------------------------
// per_amount and fixed

fn calibrate_per_amount(
    amount: Hundredths,
    euros_per_hour: Hundredths,
) -> Result<CalibrationResult, Vec<Violation>> {
    let mut errors = Vec::new();
    check_positive("amount_eur", amount, &mut errors);
    check_positive("euros_per_hour", euros_per_hour, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    // Both in cents: hours = A ÷ N.
    let computed =
        compute(&[amount.0], &[euros_per_hour.0]).ok_or_else(|| vec![too_large("amount_eur")])?;
    let explanation = format!(
        "{} HT ÷ {} (montant par heure d'insertion) = {}",
        eur(amount.0),
        eur(euros_per_hour.0),
        outcome_text(&computed)
    );
    Ok(CalibrationResult {
        hours: computed.hours,
        exact_hours: computed.exact_hours,
        lots: None,
        explanation,
    })
}

fn calibrate_fixed(
    hours: Hundredths,
    justification: Option<&str>,
) -> Result<CalibrationResult, Vec<Violation>> {
    let mut errors = Vec::new();
    check_positive("hours", hours, &mut errors);
    let justification = justification.map(str::trim).unwrap_or("");
    if justification.is_empty() {
        errors.push(Violation::new(
            "justification",
            "fixed_hours_justification_required",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // hours.0 is already in hundredths: dividing by 100 gives whole hours.
    let computed = compute(&[hours.0], &[100]).ok_or_else(|| vec![too_large("hours")])?;
    let explanation = format!(
        "Nombre d'heures fixé directement{UNIT_SPACE}: {}\nJustification{UNIT_SPACE}: {justification}",
        outcome_text(&computed)
    );
    Ok(CalibrationResult {
        hours: computed.hours,
        exact_hours: computed.exact_hours,
        lots: None,
        explanation,
    })
}

// ---------------------------------------------------------------------------------------
// arithmetic

/// The product of `factors` divided by the product of `divisors` (all positive), in whole
/// hours and in hundredths, each rounded half up from the exact quotient (never from each
/// other, so that 500.495 gives 500.50 and 500, not 501). None on overflow.
fn compute(factors: &[i64], divisors: &[i64]) -> Option<Computed> {
    let product = |values: &[i64]| {
        values
            .iter()
            .try_fold(1i128, |acc, &v| acc.checked_mul(i128::from(v)))
    };
    let numerator = product(factors)?;
    let denominator = product(divisors)?;
    let hours = div_round_half_up(numerator, denominator)?;
    let exact_hours = div_round_half_up(numerator.checked_mul(100)?, denominator)?;
    Some(Computed {
        hours: i64::try_from(hours).ok()?,
        exact_hours: i64::try_from(exact_hours).ok()?,
        is_exact: denominator != 0 && numerator % denominator == 0,
    })
}

/// n ÷ d rounded half up, for n ≥ 0 and d > 0: ⌊(2n + d) ÷ 2d⌋.
fn div_round_half_up(n: i128, d: i128) -> Option<i128> {
    if d <= 0 || n < 0 {
        return None;
    }
    n.checked_mul(2)?
        .checked_add(d)?
        .checked_div(d.checked_mul(2)?)
}

// ---------------------------------------------------------------------------------------
// validation helpers

fn too_large(field: &str) -> Violation {
    Violation::new(field, "too_large_to_compute")
}

fn check_positive(field: &str, value: Hundredths, errors: &mut Vec<Violation>) {
    if value.0 <= 0 {
        errors.push(Violation::new(field, "not_positive"));
    }
}

fn check_percent(field: &str, value: Hundredths, errors: &mut Vec<Violation>) {
    if value.0 <= 0 || value.0 > FULL_PERCENT_BP {
        errors.push(Violation::new(field, "percent_out_of_range"));
    }
}

// ---------------------------------------------------------------------------------------
// French explanation

/// "1 000 000 € HT × 50 % (part de main-d'œuvre) × 5 % (taux d'insertion) ÷ 30 € (coût
/// horaire chargé)", naming the reference row when the share comes from the table.
fn labour_share_formula(amount: Hundredths, share: &Share, inputs: &LabourShareInputs) -> String {
    let share_note = match share.reference {
        Some(r) => format!(
            "part de main-d'œuvre, référentiel CPV {}{UNIT_SPACE}: {}",
            r.cpv_prefix.trim(),
            r.label.trim()
        ),
        None => "part de main-d'œuvre".to_string(),
    };
    format!(
        "{} HT × {} ({share_note}) × {} (taux d'insertion) ÷ {} (coût horaire chargé)",
        eur(amount.0),
        percent(share.bp),
        percent(inputs.insertion_rate.0),
        eur(inputs.hourly_cost.0),
    )
}

/// "833,33 h, arrondi à 833 heures d'insertion." or, when the quotient is a whole number,
/// "3 500 heures d'insertion.".
fn outcome_text(c: &Computed) -> String {
    if c.is_exact {
        format!("{}.", hours_words(c.hours))
    } else {
        format!(
            "{}{UNIT_SPACE}h, arrondi à {}.",
            format_hundredths_fr(c.exact_hours, true),
            hours_words(c.hours)
        )
    }
}

fn hours_words(hours: i64) -> String {
    let noun = if hours.abs() >= 2 { "heures" } else { "heure" };
    format!("{}{UNIT_SPACE}{noun} d'insertion", group_thousands(hours))
}

fn lot_heading(lot: &CalibrationLot, position: usize) -> String {
    let number = lot.number.map(i64::from).unwrap_or(position as i64 + 1);
    match lot
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(title) => format!("Lot {number} ({title})"),
        None => format!("Lot {number}"),
    }
}

/// "Total : 327 + 583 + 140 = 1 050 heures d'insertion."
fn total_line(results: &[LotResult], hours: i64) -> String {
    let terms: Vec<String> = results.iter().map(|r| group_thousands(r.hours)).collect();
    let sum = if terms.len() > 1 {
        format!("{} = ", terms.join(" + "))
    } else {
        String::new()
    };
    format!("Total{UNIT_SPACE}: {sum}{}.", hours_words(hours))
}

/// Cents as euros: "1 000 000 €", "1 234,50 €".
fn eur(cents: i64) -> String {
    format!(
        "{}{UNIT_SPACE}€",
        format_hundredths_fr(cents, cents % 100 != 0)
    )
}

/// Basis points as a percentage: "70 %", "7,5 %", "12,25 %".
fn percent(bp: i64) -> String {
    let text = format_hundredths_fr(bp, true);
    let text = text.trim_end_matches('0').trim_end_matches(',');
    format!("{text}{UNIT_SPACE}%")
}

/// Hundredths written French-style: thousands grouped, a comma before two decimals (or no
/// decimals when `with_decimals` is false).
pub fn format_hundredths_fr(value: i64, with_decimals: bool) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let whole = group_thousands_u(abs / 100);
    if with_decimals {
        format!("{sign}{whole},{:02}", abs % 100)
    } else {
        format!("{sign}{whole}")
    }
}

fn group_thousands(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    format!("{sign}{}", group_thousands_u(value.unsigned_abs()))
}

fn group_thousands_u(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(THOUSANDS_SEP);
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The explanation with its no-break spaces shown as plain spaces, for readable asserts.
    fn plain(text: &str) -> String {
        text.replace([THOUSANDS_SEP, UNIT_SPACE], " ")
    }

    fn h(value: i64) -> Hundredths {
        Hundredths(value)
    }

    fn eur_h(euros: i64) -> Hundredths {
        Hundredths(euros * 100)
    }

    /// A labour-share request on the whole amount, every figure in hundredths.
    fn labour_share(
        amount: Hundredths,
        share: Option<Hundredths>,
        rate: Hundredths,
        cost: Hundredths,
    ) -> CalibrationRequest {
        CalibrationRequest::LabourShare {
            amount_eur: Some(amount),
            labour_share_percent: share,
            cpv_code: None,
            insertion_rate_percent: rate,
            hourly_cost_eur: cost,
            lots: None,
        }
    }

    /// A labour-share request on the whole amount, in whole euros and percents.
    fn whole(amount: i64, share_pct: Option<i64>, rate_pct: i64, cost: i64) -> CalibrationRequest {
        labour_share(
            eur_h(amount),
            share_pct.map(eur_h),
            eur_h(rate_pct),
            eur_h(cost),
        )
    }

    fn per_amount(amount: Hundredths, euros_per_hour: Hundredths) -> CalibrationRequest {
        CalibrationRequest::PerAmount {
            amount_eur: amount,
            euros_per_hour,
        }
    }

    fn fixed(hours: Hundredths, justification: Option<&str>) -> CalibrationRequest {
        CalibrationRequest::Fixed {
            hours,
            justification: justification.map(|j| j.try_into().unwrap()),
        }
    }

    /// Hours, exact hours and explanation (no-break spaces as plain spaces) of a result.
    fn outcome(r: &CalibrationResult) -> (i64, i64, String) {
        (r.hours, r.exact_hours, plain(&r.explanation))
    }

    /// Sets the request-level labour share of a labour-share request.
    fn with_share(mut req: CalibrationRequest, share: Hundredths) -> CalibrationRequest {
        if let CalibrationRequest::LabourShare {
            labour_share_percent,
            ..
        } = &mut req
        {
            *labour_share_percent = Some(share);
        }
        req
    }

    /// Sets the request-level amount of a labour-share request.
    fn with_amount(mut req: CalibrationRequest, amount: Option<Hundredths>) -> CalibrationRequest {
        if let CalibrationRequest::LabourShare { amount_eur, .. } = &mut req {
            *amount_eur = amount;
        }
        req
    }

    /// Sets the request-level CPV code of a labour-share request.
    fn with_cpv(mut req: CalibrationRequest, cpv: &str) -> CalibrationRequest {
        if let CalibrationRequest::LabourShare { cpv_code, .. } = &mut req {
            *cpv_code = Some(cpv.try_into().unwrap());
        }
        req
    }

    fn lot(amount: i64, share_pct: Option<i64>, cpv: Option<&str>) -> CalibrationLot {
        CalibrationLot {
            amount_eur: eur_h(amount),
            labour_share_percent: share_pct.map(eur_h),
            cpv_code: cpv.map(|c| c.try_into().unwrap()),
            number: None,
            title: None,
        }
    }

    fn by_lots(lots: Vec<CalibrationLot>, rate_pct: i64, cost: i64) -> CalibrationRequest {
        CalibrationRequest::LabourShare {
            amount_eur: None,
            labour_share_percent: None,
            cpv_code: None,
            insertion_rate_percent: eur_h(rate_pct),
            hourly_cost_eur: eur_h(cost),
            lots: Some(lots),
        }
    }

    fn ok(req: &CalibrationRequest) -> CalibrationResult {
        calibrate(req, &default_labour_shares(), None).unwrap()
    }

    fn fields(req: &CalibrationRequest) -> Vec<String> {
        calibrate(req, &default_labour_shares(), None)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    // -- worked examples of docs/domain.md#calibration ------------------------------------

    #[test]
    fn one_million_at_50_5_and_30_gives_833_hours() {
        let r = ok(&whole(1_000_000, Some(50), 5, 30));
        assert_eq!(r.hours, 833);
        assert_eq!(r.exact_hours, 83_333);
        assert_eq!(r.lots, None);
        assert_eq!(
            plain(&r.explanation),
            "1 000 000 € HT × 50 % (part de main-d'œuvre) × 5 % (taux d'insertion) \
             ÷ 30 € (coût horaire chargé) = 833,33 h, arrondi à 833 heures d'insertion."
        );
        // Thousands are separated by narrow no-break spaces, units joined by no-break spaces.
        assert!(r
            .explanation
            .starts_with("1\u{202F}000\u{202F}000\u{00A0}€ HT"));
    }

    /// Worked examples (docs/domain.md#calibration and rounding): what each shows, the
    /// request, its hours, exact hours in hundredths, and explanation.
    #[test]
    #[rustfmt::skip]
    fn worked_examples_give_the_hours_and_their_explanation() {
        let examples = [
            ("one and a half million at 70 %, 10 % and 30 € give 3 500 hours", whole(1_500_000, Some(70), 10, 30), 3_500, 350_000,
             "1 500 000 € HT × 70 % (part de main-d'œuvre) × 10 % (taux d'insertion) ÷ 30 € (coût horaire chargé) = 3 500 heures d'insertion."),
            ("per amount: one hour per 2 000 €, rounded", per_amount(eur_h(575_000), eur_h(2_000)), 288, 28_750,
             "575 000 € HT ÷ 2 000 € (montant par heure d'insertion) = 287,50 h, arrondi à 288 heures d'insertion."),
            // 100 000 € × 33,33 % × 7,5 % ÷ 27,50 € = 90.9 h
            ("decimal percentages and costs are exact", labour_share(eur_h(100_000), Some(h(3_333)), h(750), h(2_750)), 91, 9_090,
             "100 000 € HT × 33,33 % (part de main-d'œuvre) × 7,5 % (taux d'insertion) ÷ 27,50 € (coût horaire chargé) = 90,90 h, arrondi à 91 heures d'insertion."),
            ("per amount: one hour per 2 000 €, exact", per_amount(eur_h(1_000_000), eur_h(2_000)), 500, 50_000,
             "1 000 000 € HT ÷ 2 000 € (montant par heure d'insertion) = 500 heures d'insertion."),
            // 1 € ÷ 8 € = 0.125 h -> 0.13 in hundredths, 0 hours.
            ("hundredths round half up too", per_amount(eur_h(1), eur_h(8)), 0, 13,
             "1 € HT ÷ 8 € (montant par heure d'insertion) = 0,13 h, arrondi à 0 heure d'insertion."),
        ];
        for (what, request, hours, exact_hours, explanation) in examples {
            let r = ok(&request);
            assert_eq!(outcome(&r), (hours, exact_hours, explanation.into()), "{what}");
        }
    }

    #[test]
    fn lots_are_rounded_one_by_one_then_added() {
        let mut lots = vec![
            lot(200_000, Some(70), None),
            lot(500_000, Some(50), None),
            lot(300_000, Some(20), None),
        ];
        lots[0].title = Some("Peinture".try_into().unwrap());
        let r = ok(&by_lots(lots, 7, 30));
        let per_lot: Vec<(i64, i64, i64)> = r
            .lots
            .as_ref()
            .unwrap()
            .iter()
            .map(|l| (l.hours, l.exact_hours, l.labour_share_bp))
            .collect();
        assert_eq!(
            per_lot,
            vec![
                (327, 32_667, 7_000),
                (583, 58_333, 5_000),
                (140, 14_000, 2_000)
            ]
        );
        assert_eq!(r.hours, 1_050);
        assert_eq!(r.exact_hours, 105_000);
        assert_eq!(
            plain(&r.explanation),
            "Lot 1 (Peinture) : 200 000 € HT × 70 % (part de main-d'œuvre) × 7 % (taux d'insertion) \
             ÷ 30 € (coût horaire chargé) = 326,67 h, arrondi à 327 heures d'insertion.\n\
             Lot 2 : 500 000 € HT × 50 % (part de main-d'œuvre) × 7 % (taux d'insertion) \
             ÷ 30 € (coût horaire chargé) = 583,33 h, arrondi à 583 heures d'insertion.\n\
             Lot 3 : 300 000 € HT × 20 % (part de main-d'œuvre) × 7 % (taux d'insertion) \
             ÷ 30 € (coût horaire chargé) = 140 heures d'insertion.\n\
             Total : 327 + 583 + 140 = 1 050 heures d'insertion."
        );
    }

    #[test]
    fn lots_example_with_shares_from_the_cpv_reference() {
        let mut lots = vec![
            lot(200_000, None, Some("45442100-8")),
            lot(500_000, None, Some("45262500")),
            lot(300_000, None, Some("45223100-7")),
        ];
        lots[2].number = Some(7);
        let r = ok(&by_lots(lots, 7, 30));
        assert_eq!(r.hours, 1_050);
        let text = plain(&r.explanation);
        assert!(text.contains(
            "Lot 1 : 200 000 € HT × 70 % (part de main-d'œuvre, référentiel CPV 454421 : Travaux de peinture)"
        ));
        assert!(text.contains(
            "50 % (part de main-d'œuvre, référentiel CPV 452625 : Travaux de maçonnerie)"
        ));
        assert!(text.contains(
            "Lot 7 : 300 000 € HT × 20 % (part de main-d'œuvre, référentiel CPV 452231 : Charpentes et structures métalliques)"
        ));
    }

    // -- rounding ----------------------------------------------------------------------------

    #[test]
    fn exactly_half_an_hour_rounds_up() {
        // 1 050 € × 100 % × 10 % ÷ 30 € = 3.5 h
        let r = ok(&whole(1_050, Some(100), 10, 30));
        assert_eq!((r.hours, r.exact_hours), (4, 350));
        // 1 001 € ÷ 2 € = 500.5 h
        let r = ok(&per_amount(eur_h(1_001), eur_h(2)));
        assert_eq!((r.hours, r.exact_hours), (501, 50_050));
    }

    #[test]
    fn just_below_half_rounds_down_even_when_hundredths_round_up() {
        // 1 049,99 € × 100 % × 10 % ÷ 30 € = 3.49997 h: 3.50 in hundredths, but 3 hours.
        let explanation = "1 049,99 € HT × 100 % (part de main-d'œuvre) × 10 % (taux d'insertion) \
             ÷ 30 € (coût horaire chargé) = 3,50 h, arrondi à 3 heures d'insertion.";
        let r = ok(&labour_share(
            h(104_999),
            Some(eur_h(100)),
            eur_h(10),
            eur_h(30),
        ));
        assert_eq!(outcome(&r), (3, 350, explanation.into()));
        // 1 000,99 € ÷ 2 € = 500.495 h: 500.50 in hundredths, 500 hours.
        let r = ok(&per_amount(h(100_099), eur_h(2)));
        assert_eq!((r.hours, r.exact_hours), (500, 50_050));
    }

    #[test]
    fn very_large_amounts_do_not_overflow() {
        let huge = h(999_999_999_999_999);
        let r = ok(&labour_share(huge, Some(eur_h(100)), eur_h(100), h(1)));
        assert_eq!(r.hours, 999_999_999_999_999);
        assert_eq!(r.exact_hours, 99_999_999_999_999_900);
        let overflow = calibrate(&per_amount(h(i64::MAX), h(1)), &[], None);
        let refused = overflow.unwrap_err();
        assert_eq!(
            (refused[0].field.as_str(), refused[0].code),
            ("amount_eur", "too_large_to_compute")
        );
    }

    // -- fixed ---------------------------------------------------------------------------------

    #[test]
    fn fixed_hours_are_rounded_half_up_and_keep_the_justification() {
        let justification = "  Chantier court, volume convenu avec l'acheteur.  ";
        let explanation = "Nombre d'heures fixé directement : 1 200 heures d'insertion.\n\
             Justification : Chantier court, volume convenu avec l'acheteur.";
        let r = ok(&fixed(eur_h(1_200), Some(justification)));
        assert_eq!(outcome(&r), (1_200, 120_000, explanation.into()));
        let r = ok(&fixed(h(12_050), Some("x")));
        assert_eq!((r.hours, r.exact_hours), (121, 12_050));
        let r = ok(&fixed(h(12_049), Some("x")));
        assert_eq!((r.hours, r.exact_hours), (120, 12_049));
        assert!(plain(&r.explanation).contains("120,49 h, arrondi à 120 heures d'insertion."));
        let r = ok(&fixed(h(100), Some("x")));
        assert!(plain(&r.explanation).contains(": 1 heure d'insertion."));
    }

    // -- refusals ------------------------------------------------------------------------------

    #[test]
    fn labour_share_refusals_name_their_fields() {
        // (amount €, labour share %, insertion rate %, hourly cost €) -> the field refused
        let refused = [
            ((0, Some(50), 5, 30), "amount_eur"),
            ((-1, Some(50), 5, 30), "amount_eur"),
            ((1_000, Some(0), 5, 30), "labour_share_percent"),
            ((1_000, Some(101), 5, 30), "labour_share_percent"),
            ((1_000, Some(50), 0, 30), "insertion_rate_percent"),
            ((1_000, Some(50), -5, 30), "insertion_rate_percent"),
            ((1_000, Some(50), 101, 30), "insertion_rate_percent"),
            ((1_000, Some(50), 5, 0), "hourly_cost_eur"),
            ((1_000, Some(50), 5, -30), "hourly_cost_eur"),
        ];
        for ((amount, share, rate, cost), field) in refused {
            let req = whole(amount, share, rate, cost);
            assert_eq!(
                fields(&req),
                vec![field],
                "{amount} {share:?} {rate} {cost}"
            );
        }
        // 100 % is allowed, 100.01 % is not.
        assert!(calibrate(&whole(1_000, Some(100), 100, 30), &[], None).is_ok());
        let req = with_share(whole(1_000, Some(50), 5, 30), h(10_001));
        assert_eq!(fields(&req), vec!["labour_share_percent"]);
        // Every error is reported at once.
        assert_eq!(
            fields(&whole(0, Some(0), 0, 0)),
            vec![
                "insertion_rate_percent",
                "hourly_cost_eur",
                "amount_eur",
                "labour_share_percent"
            ]
        );
    }

    #[test]
    fn amount_or_lots_but_not_both_nor_neither() {
        let neither = with_amount(whole(1_000, Some(50), 5, 30), None);
        let errors = calibrate(&neither, &[], None).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "amount_eur");
        assert_eq!(errors[0].code, "amount_or_lots_required");

        let both = with_amount(
            by_lots(vec![lot(1_000, Some(50), None)], 5, 30),
            Some(eur_h(1_000)),
        );
        assert_eq!(fields(&both), vec!["lots"]);

        assert_eq!(fields(&by_lots(vec![], 5, 30)), vec!["lots"]);
    }

    #[test]
    fn lot_refusals_name_the_lot() {
        let req = by_lots(
            vec![
                lot(1_000, Some(50), None),
                lot(0, Some(50), None),
                lot(1_000, Some(150), None),
                lot(1_000, None, Some("4544")),
            ],
            5,
            30,
        );
        assert_eq!(
            fields(&req),
            vec![
                "lots[1].amount_eur",
                "lots[2].labour_share_percent",
                "lots[3].cpv_code",
                "lots[3].labour_share_percent",
            ]
        );
        // A request-level share is ambiguous with lots.
        let req = with_share(by_lots(vec![lot(1_000, Some(50), None)], 5, 30), eur_h(50));
        assert_eq!(fields(&req), vec!["labour_share_percent"]);
    }

    #[test]
    fn per_amount_and_fixed_refusals() {
        assert_eq!(fields(&per_amount(h(0), h(200_000))), vec!["amount_eur"]);
        assert_eq!(fields(&per_amount(h(100), h(0))), vec!["euros_per_hour"]);
        assert_eq!(fields(&per_amount(h(100), h(-1))), vec!["euros_per_hour"]);
        assert_eq!(fields(&fixed(h(0), Some("x"))), vec!["hours"]);
        assert_eq!(fields(&fixed(h(-100), Some("x"))), vec!["hours"]);
        assert_eq!(fields(&fixed(h(100), None)), vec!["justification"]);
        assert_eq!(
            fields(&fixed(h(100), Some(" \n\t "))),
            vec!["justification"]
        );
        assert_eq!(
            fields(&fixed(h(0), Some(""))),
            vec!["hours", "justification"]
        );
    }

    // -- CPV reference ----------------------------------------------------------------------

    fn table() -> Vec<LabourShareRef> {
        let mut t = default_labour_shares();
        t.push(LabourShareRef {
            cpv_prefix: "45".into(),
            share_bp: 4_000,
            label: "Travaux de construction".into(),
        });
        t.push(LabourShareRef {
            cpv_prefix: "4544".into(),
            share_bp: 6_000,
            label: "Travaux de finition".into(),
        });
        t
    }

    #[test]
    fn longest_cpv_prefix_wins() {
        let t = table();
        let label = |cpv: &str| lookup_labour_share(&t, cpv).map(|r| r.label.as_str());
        assert_eq!(label("45442100-8"), Some("Travaux de peinture"));
        assert_eq!(label("45442000"), Some("Travaux de finition"));
        assert_eq!(label("45000000-7"), Some("Travaux de construction"));
        assert_eq!(label("71000000-8"), None);
        assert_eq!(label("4544"), None);
        assert_eq!(label("not a cpv"), None);
        // First row wins between equal prefixes.
        let mut dup = default_labour_shares();
        dup.push(LabourShareRef {
            cpv_prefix: "454421".into(),
            share_bp: 1,
            label: "doublon".into(),
        });
        assert_eq!(
            lookup_labour_share(&dup, "45442100").unwrap().share_bp,
            7_000
        );
    }

    #[test]
    fn missing_share_comes_from_the_request_cpv_then_the_contract_cpv() {
        let t = table();
        let req = with_cpv(whole(1_500_000, None, 10, 30), "45442100-8");
        let r = calibrate(&req, &t, Some("71000000-8")).unwrap();
        assert_eq!(r.hours, 3_500);
        assert_eq!(
            plain(&r.explanation),
            "1 500 000 € HT × 70 % (part de main-d'œuvre, référentiel CPV 454421 : Travaux de peinture) \
             × 10 % (taux d'insertion) ÷ 30 € (coût horaire chargé) = 3 500 heures d'insertion."
        );

        // No CPV in the request: the contract's.
        let r = calibrate(&whole(1_000_000, None, 5, 30), &t, Some("45262500-6")).unwrap();
        assert_eq!(r.hours, 833);
        assert!(plain(&r.explanation).contains("référentiel CPV 452625 : Travaux de maçonnerie"));

        // A share given wins over the reference.
        let r = calibrate(&whole(1_000_000, Some(50), 5, 30), &t, Some("45442100")).unwrap();
        assert_eq!(r.hours, 833);
        assert!(!r.explanation.contains("référentiel"));

        // Lots: the lot's CPV, else the request's, else the contract's.
        let lots = vec![
            lot(200_000, None, None),
            lot(300_000, None, Some("45223100")),
        ];
        let req = with_cpv(by_lots(lots, 7, 30), "45442100");
        let r = calibrate(&req, &t, Some("45262500")).unwrap();
        assert_eq!(r.hours, 327 + 140);
        let r = calibrate(
            &by_lots(vec![lot(500_000, None, None)], 7, 30),
            &t,
            Some("45262500"),
        )
        .unwrap();
        assert_eq!(r.hours, 583);
        assert_eq!(
            plain(&r.explanation).lines().last(),
            Some("Total : 583 heures d'insertion.")
        );
    }

    #[test]
    fn no_reference_match_asks_for_the_share() {
        let t = default_labour_shares();
        let errors = calibrate(&whole(1_000_000, None, 5, 30), &t, Some("71000000-8")).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "labour_share_percent");
        assert_eq!(errors[0].code, "labour_share_not_in_table");
        assert_eq!(errors[0].param("cpv"), Some("71000000-8"));

        let errors = calibrate(&whole(1_000_000, None, 5, 30), &t, None).unwrap_err();
        assert_eq!(errors[0].field, "labour_share_percent");
        assert_eq!(errors[0].code, "labour_share_without_cpv");

        let req = by_lots(
            vec![
                lot(1_000, None, Some("45442100")),
                lot(1_000, None, Some("90910000")),
            ],
            5,
            30,
        );
        let errors = calibrate(&req, &t, None).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "lots[1].labour_share_percent");

        // An empty reference table never matches.
        let errors = calibrate(&whole(1_000_000, None, 5, 30), &[], Some("45442100")).unwrap_err();
        assert_eq!(errors[0].field, "labour_share_percent");
    }

    #[test]
    fn default_labour_shares_are_the_three_sourced_trades() {
        let t = default_labour_shares();
        let rows: Vec<(&str, i64)> = t
            .iter()
            .map(|r| (r.cpv_prefix.as_str(), r.share_bp))
            .collect();
        assert_eq!(
            rows,
            vec![("454421", 7_000), ("452625", 5_000), ("452231", 2_000)]
        );
    }

    // -- JSON ----------------------------------------------------------------------------------

    #[test]
    fn requests_deserialize_from_the_api_shapes_and_round_trip() {
        let bodies = [
            r#"{"method":"labour_share","amount_eur":1000000,"labour_share_percent":50,"insertion_rate_percent":5,"hourly_cost_eur":30}"#,
            r#"{"method":"labour_share","amount_eur":1000000,"cpv_code":"45442100-8","insertion_rate_percent":5,"hourly_cost_eur":27.5}"#,
            r#"{"method":"labour_share","insertion_rate_percent":7,"hourly_cost_eur":30,"lots":[{"amount_eur":200000,"labour_share_percent":70,"number":1,"title":"Peinture"},{"amount_eur":500000.5,"cpv_code":"45262500"}]}"#,
            r#"{"method":"per_amount","amount_eur":575000,"euros_per_hour":2000}"#,
            r#"{"method":"fixed","hours":120.5,"justification":"volume convenu"}"#,
            r#"{"method":"fixed","hours":120}"#,
        ];
        for body in bodies {
            let req: CalibrationRequest = serde_json::from_str(body).unwrap();
            let stored = serde_json::to_string(&req).unwrap();
            let back: CalibrationRequest = serde_json::from_str(&stored).unwrap();
            assert_eq!(back, req, "{body}");
            let original: serde_json::Value = serde_json::from_str(body).unwrap();
            let reserialised: serde_json::Value = serde_json::from_str(&stored).unwrap();
            assert_eq!(original, reserialised, "{body}");
        }
        let req: CalibrationRequest = serde_json::from_str(bodies[0]).unwrap();
        assert_eq!(ok(&req).hours, 833);
        let req: CalibrationRequest = serde_json::from_str(bodies[2]).unwrap();
        let CalibrationRequest::LabourShare {
            lots: Some(lots), ..
        } = &req
        else {
            panic!("lots expected");
        };
        assert_eq!(lots[1].amount_eur, h(50_000_050));

        assert!(
            serde_json::from_str::<CalibrationRequest>(r#"{"method":"guess","hours":1}"#).is_err()
        );
        assert!(serde_json::from_str::<CalibrationRequest>(
            r#"{"method":"per_amount","amount_eur":1.005,"euros_per_hour":2000}"#
        )
        .is_err());
        assert!(serde_json::from_str::<CalibrationRequest>(
            r#"{"method":"labour_share","amount_eur":1000,"labour_share_percent":50,"insertion_rate_percent":5}"#
        )
        .is_err());
    }

    #[test]
    fn results_serialize_hours_as_decimals() {
        let r = ok(&by_lots(
            vec![lot(200_000, Some(70), None), lot(300_000, Some(20), None)],
            7,
            30,
        ));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["hours"], 467);
        assert_eq!(json["exact_hours"].to_string(), "466.67");
        assert_eq!(json["lots"][0]["hours"], 327);
        assert_eq!(json["lots"][0]["exact_hours"].to_string(), "326.67");
        assert_eq!(json["lots"][0]["labour_share_percent"], 70);
        assert_eq!(json["lots"][1]["exact_hours"], 140);
        let single = serde_json::to_value(ok(&whole(1_000_000, Some(50), 5, 30))).unwrap();
        assert!(single.get("lots").is_none());
        assert_eq!(single["exact_hours"].to_string(), "833.33");
    }

    #[test]
    fn french_number_formatting() {
        assert_eq!(plain(&eur(100_000_000)), "1 000 000 €");
        assert_eq!(plain(&eur(123_450)), "1 234,50 €");
        assert_eq!(plain(&eur(5)), "0,05 €");
        assert_eq!(plain(&percent(7_000)), "70 %");
        assert_eq!(plain(&percent(750)), "7,5 %");
        assert_eq!(plain(&percent(1_225)), "12,25 %");
        assert_eq!(plain(&percent(10_000)), "100 %");
        assert_eq!(
            plain(&format_hundredths_fr(123_456_789, true)),
            "1 234 567,89"
        );
        assert_eq!(plain(&format_hundredths_fr(-99_900, false)), "-999");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(plain(&group_thousands(1_000)), "1 000");
        assert_eq!(plain(&group_thousands(-1_234_567)), "-1 234 567");
    }

    #[test]
    fn required_hours_refuse_a_target_that_rounds_to_zero() {
        // 1 000 € × 50 % × 5 % ÷ 30 € = 0,83 h, rounded to 1 h: accepted.
        let one = ok(&whole(1_000, Some(50), 5, 30));
        assert_eq!(one.hours, 1);
        assert_eq!(required_hours(one.hours, None), Ok(100));
        // 500 € × 50 % × 5 % ÷ 30 € = 0,42 h, rounded to 0 h: refused on `calibration`.
        let zero = ok(&whole(500, Some(50), 5, 30));
        assert_eq!(zero.hours, 0);
        let e = required_hours(zero.hours, None).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("calibration", ZERO_HOURS));
        // Lots that each round to 0 h add up to 0 h.
        let lots = ok(&by_lots(
            vec![lot(500, Some(50), None), lot(400, Some(50), None)],
            5,
            30,
        ));
        assert_eq!(lots.hours, 0);
        assert!(required_hours(lots.hours, None).is_err());
        // 1 h per 2 000 €: 1 000 € give 0,5 h, rounded half up to 1 h; 998 € give 0,499 h: 0 h.
        let per = |amount| per_amount(eur_h(amount), eur_h(2_000));
        assert_eq!(ok(&per(1_000)).hours, 1);
        assert_eq!(ok(&per(998)).hours, 0);
        assert!(required_hours(ok(&per(998)).hours, None).is_err());
        // A fixed 0,40 h rounds to 0 h.
        let fixed = fixed(Hundredths(40), Some("accord de l'acheteur"));
        assert_eq!(ok(&fixed).hours, 0);
        assert!(required_hours(ok(&fixed).hours, None).is_err());
        // The override is the figure when given: it replaces a 0 h calibration, and is
        // itself refused when it rounds to 0 h.
        assert_eq!(required_hours(0, Some(Hundredths(1_250))), Ok(1_250));
        assert_eq!(required_hours(833, Some(Hundredths(50))), Ok(50));
        for h in [0, 49] {
            let e = required_hours(833, Some(Hundredths(h))).unwrap_err();
            assert_eq!((e.field.as_str(), e.code), ("hours_override", ZERO_HOURS));
        }
    }

    #[test]
    fn an_amended_amount_scales_every_amount_of_the_calibration() {
        let whole = CalibrationRequest::PerAmount {
            amount_eur: Hundredths(100_000_000),
            euros_per_hour: Hundredths(10_000),
        };
        // 1 000 000 € amended to 1 200 000 €: the clause now counts 1 200 000 €.
        assert_eq!(
            with_amended_amount(&whole, 100_000_000, 120_000_000),
            CalibrationRequest::PerAmount {
                amount_eur: Hundredths(120_000_000),
                euros_per_hour: Hundredths(10_000),
            }
        );
        let lot = |cents| CalibrationLot {
            amount_eur: Hundredths(cents),
            labour_share_percent: Some(Hundredths(5_000)),
            cpv_code: None,
            number: None,
            title: None,
        };
        let lots = CalibrationRequest::LabourShare {
            amount_eur: None,
            labour_share_percent: None,
            cpv_code: None,
            insertion_rate_percent: Hundredths(500),
            hourly_cost_eur: Hundredths(3_500),
            lots: Some(vec![lot(25_000_000), lot(33_333)]),
        };
        // × 1,2: 250 000 € becomes 300 000 €; 333,33 € becomes 399,996 €, rounded to 400,00 €.
        let CalibrationRequest::LabourShare { lots: Some(l), .. } =
            with_amended_amount(&lots, 100_000_000, 120_000_000)
        else {
            panic!("still by lots");
        };
        assert_eq!(l[0].amount_eur, Hundredths(30_000_000));
        assert_eq!(l[1].amount_eur, Hundredths(40_000));
        assert_eq!(calibrated_amount(&lots), Some(25_033_333));
        // Fixed hours do not follow the amount, nor anything scaled from nothing.
        let fixed = CalibrationRequest::Fixed {
            hours: Hundredths(50_000),
            justification: None,
        };
        assert_eq!(with_amended_amount(&fixed, 100, 200), fixed);
        assert_eq!(calibrated_amount(&fixed), None);
        assert_eq!(with_amended_amount(&whole, 0, 200), whole);
    }
}
