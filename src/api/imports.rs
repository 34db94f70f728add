//! Imports of open data: DECP (données essentielles de la commande publique).

use rocket::serde::json::Json;
use rocket::State;

use crate::api::body::JsonBody;
use crate::api::messages::render;
use crate::api::reply::Answer;
use crate::auth::Staff;
use crate::db::Db;
use crate::domain::decp::parse_decp;
use crate::error::ApiError;
use crate::store::decp::ImportSummary;

/// POST /api/v1/imports/decp — staff: creates or updates buyers, holders and contracts.
/// The whole file is applied in one transaction; records that cannot be used are reported.
#[rocket::post("/imports/decp", data = "<body>")]
pub async fn import_decp(
    caller: Staff,
    body: JsonBody<serde_json::Value>,
    db: &State<Db>,
) -> Answer<ImportSummary> {
    let parsed = parse_decp(&body.0).map_err(|why| {
        tracing::info!("not a DECP file: {why}");
        ApiError::malformed(crate::domain::rule::Violation::new("", "decp_unreadable"))
    })?;
    let sid = caller.structure_id;
    let mut summary = db
        .run(move |c| crate::app::contracts::import_decp(c, sid, &parsed))
        .await?;
    for s in &mut summary.skipped {
        s.reason = render(&s.rule);
    }
    for w in &mut summary.warnings {
        w.message = render(&w.rule);
    }
    Ok(Json(summary))
}

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![import_decp]
}
