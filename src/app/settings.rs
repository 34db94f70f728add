//! Settings an administrator sets (issue 20; README « Réglages »): the purchasing plan's
//! targets of a year, and the structure's standard calibration of the contracts-to-clause
//! list. (The 12-month follow-up setting is `app::follow_ups`'.) Staff read them,
//! administrators write them; every write is in the audit log with who made it.
//!
//! The PNAD targets are the instance's: they are the national plan's, and a report over
//! several structures (a funder's) reads one pair of targets.

use serde::{Deserialize, Serialize};

use crate::app::{AppError, AppResult};
use crate::db::{write_tx, Conn};
use crate::domain::ids::{StructureId, UserId};
use crate::domain::pnad::{
    check_targets, targets_from_setting, targets_setting_key, targets_to_setting,
};
use crate::domain::to_clause::{check_standard, Standard};
use crate::domain::units::{ser_hundredths, Hundredths};
use crate::domain::vocabulary::HistoryAction;
use crate::store::{audit, settings, to_clause};

/// The PNAD targets of a year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PnadTargets {
    pub year: i32,
    /// Target share of notified contracts with a social consideration, whole percent.
    pub social_percent: i64,
    /// Target share with an environmental consideration, whole percent.
    pub environmental_percent: i64,
    /// True when the year has no targets of its own (the plan's 30 % and 100 %).
    pub is_default: bool,
}

/// `PUT /api/v1/settings/pnad-targets/{year}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PnadTargetsInput {
    /// Whole percent, 0 to 100.
    pub social_percent: i64,
    /// Whole percent, 0 to 100.
    pub environmental_percent: i64,
}

/// The targets of `year`, as the annual report reads them.
pub fn pnad_targets(conn: &mut Conn, year: i32) -> AppResult<PnadTargets> {
    let stored = settings::get(conn, &targets_setting_key(year))?;
    let t = targets_from_setting(stored.as_deref());
    Ok(PnadTargets {
        year,
        social_percent: t.social,
        environmental_percent: t.environmental,
        // A setting that does not read as two percentages counts as none.
        is_default: stored.is_none_or(|s| !reads(&s)),
    })
}

/// Whether a stored text reads as targets (and not as the defaults by failing to).
fn reads(stored: &str) -> bool {
    stored.split_once(',').is_some_and(|(a, b)| {
        [a, b].iter().all(|v| {
            v.trim()
                .parse::<i64>()
                .is_ok_and(|v| (0..=100).contains(&v))
        })
    })
}

/// Sets the targets of `year` (administrators).
pub fn set_pnad_targets(
    conn: &mut Conn,
    structure_id: StructureId,
    user_id: UserId,
    year: i32,
    input: PnadTargetsInput,
) -> AppResult<PnadTargets> {
    let targets = check_targets(input.social_percent, input.environmental_percent)
        .map_err(AppError::Invalid)?;
    write_tx(conn, |c| {
        let text = targets_to_setting(targets);
        settings::set(c, &targets_setting_key(year), &text)?;
        audit::record(
            c,
            structure_id,
            Some(user_id),
            HistoryAction::Update,
            "pnad_targets",
            i64::from(year),
            &format!("PNAD targets {year}: {text}"),
        )?;
        pnad_targets(c, year)
    })
}

/// The structure's standard calibration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Calibration {
    /// Percent, two decimals at most (5 by default).
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub insertion_rate_percent: i64,
    /// Euros, two decimals at most (30 by default).
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub hourly_cost_eur: i64,
    /// True when the structure has set none (5 %, 30 €).
    pub is_default: bool,
}

/// `PUT /api/v1/settings/calibration`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalibrationInput {
    /// Percent, above 0 and at most 100, two decimals at most.
    #[schema(value_type = f64)]
    pub insertion_rate_percent: Hundredths,
    /// Euros, above 0 and at most 1 000, two decimals at most.
    #[schema(value_type = f64)]
    pub hourly_cost_eur: Hundredths,
}

fn calibration_of(stored: Option<Standard>) -> Calibration {
    let s = stored.unwrap_or_default();
    Calibration {
        insertion_rate_percent: s.insertion_rate_bp,
        hourly_cost_eur: s.hourly_cost_cents,
        is_default: stored.is_none(),
    }
}

/// The structure's standard calibration, as the contracts-to-clause list uses it.
pub fn calibration(conn: &mut Conn, structure_id: StructureId) -> AppResult<Calibration> {
    Ok(calibration_of(to_clause::stored_standard(
        conn,
        structure_id,
    )?))
}

/// Sets the structure's standard calibration (administrators).
pub fn set_calibration(
    conn: &mut Conn,
    structure_id: StructureId,
    user_id: UserId,
    input: CalibrationInput,
) -> AppResult<Calibration> {
    let standard = check_standard(input.insertion_rate_percent.0, input.hourly_cost_eur.0)
        .map_err(AppError::Invalid)?;
    write_tx(conn, |c| {
        to_clause::set_standard(c, structure_id, standard)?;
        audit::record(
            c,
            structure_id,
            Some(user_id),
            HistoryAction::Update,
            "calibration_standard",
            structure_id,
            &format!(
                "standard calibration: {} bp, {} cents an hour",
                standard.insertion_rate_bp, standard.hourly_cost_cents
            ),
        )?;
        Ok(calibration_of(Some(standard)))
    })
}
