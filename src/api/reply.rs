//! The last step of most handlers: run one use case on a pooled connection and answer what
//! it returns as JSON (200, 201, or a page of a list), its error as a problem. Handlers stay
//! "read, guard, call, answer" without repeating the plumbing.

use rocket::http::Status;
use rocket::serde::json::Json;

use crate::api::body::ListResponse;
use crate::app::AppError;
use crate::db::{Conn, Db};
use crate::error::ApiResult;

/// Runs `use_case` on a pooled connection; its error (application, store) becomes the
/// problem answered.
pub async fn call<T, E, F>(db: &Db, use_case: F) -> ApiResult<T>
where
    F: FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    AppError: From<E>,
{
    Ok(db.run(move |c| use_case(c).map_err(AppError::from)).await?)
}

/// 200 with what the use case returns, in the form the route answers (`View: From<Row>`).
pub async fn json<Row, View, E, F>(db: &Db, use_case: F) -> ApiResult<Json<View>>
where
    F: FnOnce(&mut Conn) -> Result<Row, E> + Send + 'static,
    Row: Send + 'static,
    View: From<Row>,
    AppError: From<E>,
{
    Ok(Json(View::from(call(db, use_case).await?)))
}

/// 201 with the record the use case created.
pub async fn created<Row, View, E, F>(db: &Db, use_case: F) -> ApiResult<(Status, Json<View>)>
where
    F: FnOnce(&mut Conn) -> Result<Row, E> + Send + 'static,
    Row: Send + 'static,
    View: From<Row>,
    AppError: From<E>,
{
    Ok((Status::Created, json(db, use_case).await?))
}

/// 200 with one page of a list: `{items, total}` from the use case's rows and total count.
pub async fn page<Row, View, E, F>(db: &Db, use_case: F) -> ApiResult<Json<ListResponse<View>>>
where
    F: FnOnce(&mut Conn) -> Result<(Vec<Row>, i64), E> + Send + 'static,
    Row: Send + 'static,
    View: From<Row>,
    AppError: From<E>,
{
    let (rows, total) = call(db, use_case).await?;
    Ok(Json(ListResponse {
        items: rows.into_iter().map(View::from).collect(),
        total,
    }))
}

/// What a route answering JSON returns.
pub type Answer<T> = ApiResult<Json<T>>;

/// What a route creating a record returns: 201 with it.
pub type Created<T> = ApiResult<(Status, Json<T>)>;

/// What a list route returns: one page of `{items, total}`.
pub type Listed<T> = ApiResult<Json<ListResponse<T>>>;
