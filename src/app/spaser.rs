//! A buyer's SPASER evaluation for a year and the year before (docs/domain.md#spaser-evaluation).
//! Who reads it is the annual report's rule with the buyer as filter
//! (`app::reports::resolve`): staff for their structure's buyers, a funder for the buyers
//! of its scope (a territory scope: buyers of that territory), contractors never (403); any
//! other buyer, or an organisation that is not a buyer, is 404. The insertion figures are
//! the annual report's for the buyer, each year judged on its own against the funder's
//! threshold; the purchasing figures are `domain::spaser`'s over the contracts notified.

use crate::app::reports::{annual_report, resolve};
use crate::app::{AppError, AppResult};
use crate::auth::Caller;
use crate::db::Db;
use crate::domain::ids::OrganisationId;
use crate::domain::period::Period;
use crate::domain::spaser::{purchasing, SPASER_THRESHOLD_CENTS};
use crate::reports::spaser::{indication, year_of, Spaser};
use crate::reports::ReportRequest;
use crate::store::spaser as store;

/// What is asked: a buyer and a calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpaserRequest {
    pub buyer_id: OrganisationId,
    pub year: i32,
}

fn report_request(buyer: OrganisationId, year: i32) -> ReportRequest {
    ReportRequest {
        period: Period::year(year),
        territory: None,
        buyer_id: Some(buyer),
        contractor_id: None,
        clause_kind: None,
        structure_id: None,
    }
}

/// The evaluation as the caller may read it.
pub async fn evaluation(
    db: &Db,
    caller: Caller,
    req: SpaserRequest,
    fte_hours: u32,
    threshold: i64,
) -> AppResult<Spaser> {
    let (buyer_id, year) = (req.buyer_id, req.year);
    let who = caller.clone();
    let (resolved, buyer) = db
        .run(move |c| {
            let resolved = resolve(c, &who, &report_request(buyer_id, year), threshold)?;
            let buyer = store::buyer(c, buyer_id)?.ok_or(AppError::NotFound("buyer"))?;
            // A funder of a territory reads the buyers of that territory.
            if let Some(t) = &resolved.scope.territory {
                if buyer.territory.as_deref() != Some(t.as_str()) {
                    return Err(AppError::NotFound("buyer"));
                }
            }
            Ok((resolved, buyer))
        })
        .await?;
    let current = annual_report(
        db,
        caller.clone(),
        report_request(buyer_id, year),
        fte_hours,
        threshold,
        false,
    )
    .await?;
    let previous = annual_report(
        db,
        caller,
        report_request(buyer_id, year - 1),
        fte_hours,
        threshold,
        false,
    )
    .await?;
    let structures = resolved.scope.structures.clone();
    let (now, before) = db
        .run(move |c| {
            let now =
                store::contract_facts(c, structures.as_deref(), buyer_id, &Period::year(year))?;
            let before =
                store::contract_facts(c, structures.as_deref(), buyer_id, &Period::year(year - 1))?;
            Ok((purchasing(&now), purchasing(&before)))
        })
        .await?;
    let current = year_of(year, &now, &current.report);
    let previous = year_of(year - 1, &before, &previous.report);
    Ok(Spaser {
        buyer_id: buyer.id,
        buyer_name: buyer.name,
        year,
        above_spaser_threshold: current.above_spaser_threshold,
        indication: indication(year, current.amount_notified_eur),
        current,
        previous,
        spaser_threshold_eur: SPASER_THRESHOLD_CENTS,
        suppression_threshold: resolved.suppression,
    })
}

/// The buyers the caller may choose on the page: those of their structure (staff), or of
/// the funder's scope; at most 500, by name.
pub async fn buyers(db: &Db, caller: Caller, threshold: i64) -> AppResult<Vec<(i64, String)>> {
    db.run(move |c| {
        let any_year = report_request(OrganisationId(0), 2000);
        let probe = crate::reports::ReportRequest {
            buyer_id: None,
            ..any_year
        };
        let resolved = resolve(c, &caller, &probe, threshold)?;
        Ok(store::buyers(
            c,
            resolved.scope.structures.as_deref(),
            resolved.scope.territory.as_deref(),
            500,
        )?)
    })
    .await
}
