//! The last step of most handlers: run one use case on a pooled connection and answer what
//! it returns as JSON (200, 201, or a page of a list), its error as a problem. Handlers stay
//! "read, guard, call, answer" without repeating the plumbing.

use rocket::http::Status;
use rocket::request::{self, FromRequest, Request};
use rocket::response::{self, Responder, Response};
use rocket::serde::json::Json;

use crate::api::body::ListResponse;
use crate::app::versioned::Versioned;
use crate::app::AppError;
use crate::db::{Conn, Db};
use crate::domain::version::IfMatch;
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

/// 200 with a record and its `ETag` (its version): a single record's GET, or the record
/// after a correction.
pub async fn tagged<Row, View, E, F>(db: &Db, use_case: F) -> ApiResult<Tagged<View>>
where
    F: FnOnce(&mut Conn) -> Result<Versioned<Row>, E> + Send + 'static,
    Row: Send + 'static,
    View: From<Row>,
    AppError: From<E>,
{
    let v = call(db, use_case).await?;
    Ok(Tagged {
        body: Json(View::from(v.record)),
        etag: v.version.etag(),
    })
}

/// A JSON answer with its `ETag` header.
pub struct Tagged<T> {
    pub body: Json<T>,
    pub etag: String,
}

impl<'r, T: serde::Serialize> Responder<'r, 'static> for Tagged<T> {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        Response::build_from(self.body.respond_to(req)?)
            .raw_header("ETag", self.etag)
            .ok()
    }
}

/// The `If-Match` header of a write, if any (`None`: the write is unconditional).
pub struct IfMatchHeader(pub Option<IfMatch>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for IfMatchHeader {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let values: Vec<&str> = req.headers().get("If-Match").collect();
        // Several If-Match lines are one list (RFC 9110 §5.3).
        let header = (!values.is_empty()).then(|| IfMatch::parse(&values.join(",")));
        request::Outcome::Success(IfMatchHeader(header))
    }
}

/// What a route answering one record with its version returns.
pub type TaggedAnswer<T> = ApiResult<Tagged<T>>;

/// What a route answering JSON returns.
pub type Answer<T> = ApiResult<Json<T>>;

/// What a route creating a record returns: 201 with it.
pub type Created<T> = ApiResult<(Status, Json<T>)>;

/// What a list route returns: one page of `{items, total}`.
pub type Listed<T> = ApiResult<Json<ListResponse<T>>>;
