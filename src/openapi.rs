//! The OpenAPI 3.1 document, built from the mounted routes themselves so that it describes
//! every route, with who may call each (from `api::access`), and with the schemas of the
//! types the handlers read and answer (utoipa's `ToSchema` derives on those types, so that
//! the document cannot drift from the code). Served at `/api/v1/openapi.json`; the docs page
//! at `/docs` uses vendored Swagger UI assets.
//!
//! Each route's parameters, body and responses are described once here, in [`describe`]:
//! a table keyed by the method and path of `access::ROUTES`, so that the handlers stay as
//! they are. The API tests validate every JSON response against this document.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::{RequestBody, RequestBodyBuilder};
use utoipa::openapi::schema::{
    ArrayBuilder, ArrayItems, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr,
    Required, Response, ResponseBuilder, Schema,
};
use utoipa::{PartialSchema, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::api::access;
use crate::api::body::ListResponse;
use crate::domain::limits::{self, List, Text};
use crate::domain::period::{FIRST_YEAR, LAST_YEAR};
use crate::domain::units::Hundredths;
use crate::error::Problem;

// ---------------------------------------------------------------------------------------
// schemas of the custom-deserialized types: their real wire form

/// Single-line text: no C0 control character, no DEL.
const SINGLE_LINE: &str = "^[^\\u0000-\\u001F\\u007F]*$";
/// Multi-line text: tab, line feed and carriage return allowed.
const MULTI_LINE: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$";

impl<const MAX: usize, const MULTILINE: bool> PartialSchema for Text<MAX, MULTILINE> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .max_length(Some(MAX))
            .pattern(Some(if MULTILINE { MULTI_LINE } else { SINGLE_LINE }))
            // What an email field must hold (checked by the use cases).
            .format(
                (MAX == limits::EMAIL_MAX).then_some(SchemaFormat::KnownFormat(KnownFormat::Email)),
            )
            .description(Some(format!(
                "At most {MAX} characters{}.",
                if MULTILINE {
                    "; no control character but tab and line breaks"
                } else {
                    ", on one line, without control characters"
                }
            )))
            .into()
    }
}

impl<const MAX: usize, const MULTILINE: bool> ToSchema for Text<MAX, MULTILINE> {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed(match (MAX, MULTILINE) {
            (limits::NAME_MAX, false) => "Name",
            (limits::LABEL_MAX, false) => "Label",
            (limits::TITLE_MAX, false) => "Title",
            (limits::FREE_TEXT_MAX, true) => "FreeText",
            (limits::EMAIL_MAX, false) => "Email",
            (limits::PASSWORD_MAX, false) => "Password",
            (limits::CODE_MAX, false) => "Code",
            _ => "Text",
        })
    }
}

impl PartialSchema for Hundredths {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .description(Some(
                "A decimal number with at most two decimals (euros with cents, or hours with \
                 hundredths), held as an integer number of hundredths.",
            ))
            .examples([json!(12.5)])
            .into()
    }
}

impl ToSchema for Hundredths {}

impl<T: ToSchema, const MAX: usize> PartialSchema for List<T, MAX> {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(T::schema())
            .max_items(Some(MAX))
            .into()
    }
}

impl<T: ToSchema, const MAX: usize> ToSchema for List<T, MAX> {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}

// ---------------------------------------------------------------------------------------
// the document

/// The schemas of the document's components, gathered while routes are described.
#[derive(Default)]
struct Schemas(BTreeMap<String, RefOr<Schema>>);

impl Schemas {
    /// `T` as a component; a reference to it.
    fn named<T: ToSchema>(&mut self) -> RefOr<Schema> {
        self.deps::<T>();
        let mut schema = T::schema();
        fix_formats(&mut schema);
        self.0.insert(T::name().into_owned(), schema);
        Ref::from_schema_name(T::name()).into()
    }

    /// `T` as a component read from a request body, with its dependencies: the readers
    /// take dates from 1990 to 2100 only, so its dates say so (`bound_dates`).
    fn input<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let mut found = Vec::new();
        T::schemas(&mut found);
        found.push((T::name().into_owned(), T::schema()));
        for (name, mut schema) in found {
            fix_formats(&mut schema);
            bound_dates(&mut schema);
            self.0.insert(name, schema);
        }
        Ref::from_schema_name(T::name()).into()
    }

    /// Replaces the schema of `property` in the component `component`: for a rule that the
    /// use case checks and the field's type does not carry. False when there is no such
    /// property (a test checks that every refinement applies).
    fn refine(&mut self, component: &str, property: &str, schema: ObjectBuilder) -> bool {
        let Some(RefOr::T(Schema::Object(o))) = self.0.get_mut(component) else {
            return false;
        };
        match o.properties.get_mut(property) {
            Some(p) => {
                *p = schema.into();
                true
            }
            None => false,
        }
    }

    /// `T`'s own schema inline (for generic wrappers such as `ListResponse<T>`), its
    /// dependencies as components.
    fn inline<T: ToSchema>(&mut self) -> RefOr<Schema> {
        self.deps::<T>();
        let mut schema = T::schema();
        fix_formats(&mut schema);
        schema
    }

    fn deps<T: ToSchema>(&mut self) {
        let mut found = Vec::new();
        T::schemas(&mut found);
        for (name, mut schema) in found {
            fix_formats(&mut schema);
            self.0.insert(name, schema);
        }
    }

    /// `{items: [T], total}` of the list routes.
    fn list<T: ToSchema>(&mut self) -> RefOr<Schema> {
        self.named::<T>();
        self.inline::<ListResponse<T>>()
    }

    /// A JSON array of `T` read from a request body.
    fn input_array<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let item = self.input::<T>();
        ArrayBuilder::new().items(item).into()
    }

    /// A JSON array of `T`.
    fn array<T: ToSchema>(&mut self) -> RefOr<Schema> {
        let item = self.named::<T>();
        ArrayBuilder::new().items(item).into()
    }
}

/// A schema written by hand as JSON (for answers built as JSON values).
fn raw(value: Value) -> RefOr<Schema> {
    serde_json::from_value(value).expect("a valid schema")
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn integer() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
}

/// Text of a query parameter: at most 2000 characters, no control character.
fn query_text() -> ObjectBuilder {
    string()
        .max_length(Some(api::query::MAX_CHARS))
        .pattern(Some("^[^\\u0000-\\u001F\\u007F-\\u009F]*$"))
}

/// Years 1990 to 2100, as the query and body readers take them.
const YEARS: &str = "(199[0-9]|20[0-9]{2}|2100)";

/// The leap years among them (2100 is not one).
const LEAP_YEARS: &str = "(199[26]|20([02468][048]|[13579][26]))";

/// A real day of those years written YYYY-MM-DD: the readers refuse 2026-02-30 or 2025-02-29,
/// so the pattern does too.
fn day_pattern() -> String {
    format!(
        "({YEARS}-(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])\
         |{YEARS}-(0[469]|11)-(0[1-9]|[12][0-9]|30)\
         |{YEARS}-02-(0[1-9]|1[0-9]|2[0-8])\
         |{LEAP_YEARS}-02-29)"
    )
}

fn day_description() -> String {
    format!("A date written YYYY-MM-DD, from {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31.")
}

/// A date of a query: empty is taken as absent.
fn query_date() -> ObjectBuilder {
    string()
        .pattern(Some(format!("^({})?$", day_pattern())))
        .description(Some(day_description()))
}

/// The identifier of a record: a positive integer.
fn id() -> ObjectBuilder {
    integer().minimum(Some(1)).examples([json!(7)])
}

/// A month of a path, or of a query (where empty is taken as absent).
fn month_text() -> ObjectBuilder {
    string()
        .pattern(Some(format!("^({YEARS}-(0[1-9]|1[0-2]))?$")))
        .description(Some(format!(
            "A month written YYYY-MM, from {FIRST_YEAR}-01 to {LAST_YEAR}-12."
        )))
        .examples([json!("2026-10")])
}

fn year() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(FIRST_YEAR))
        .maximum(Some(LAST_YEAR))
        .examples([json!(2026)])
}

/// `schema`, or the empty text: an enumeration gains `""`, a number or a switch becomes
/// "this, or a text of no character" (text patterns already allow the empty text).
fn or_empty(schema: RefOr<Schema>) -> RefOr<Schema> {
    let RefOr::T(Schema::Object(mut o)) = schema else {
        return schema;
    };
    match &o.schema_type {
        SchemaType::Type(Type::String) => {
            if let Some(values) = &mut o.enum_values {
                values.push(json!(""));
            }
        }
        SchemaType::Type(t @ (Type::Integer | Type::Number | Type::Boolean)) => {
            o.schema_type = SchemaType::Array(vec![t.clone(), Type::String]);
            o.max_length = Some(0);
        }
        _ => {}
    }
    RefOr::T(Schema::Object(o))
}

fn param(
    name: &str,
    at: ParameterIn,
    schema: impl Into<RefOr<Schema>>,
    description: &str,
) -> Parameter {
    let required = if at == ParameterIn::Path {
        Required::True
    } else {
        Required::False
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(at)
        .required(required)
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

const CSV: &str = "text/csv";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const HTML: &str = "text/html";
const JSON: &str = "application/json";
const PROBLEM: &str = "application/problem+json";

/// What one route reads and answers, besides who may call it.
#[derive(Default)]
pub struct Described {
    params: Vec<Parameter>,
    body: Option<RequestBody>,
    responses: Vec<(u16, Response)>,
    /// A page for people: refusals are pages too (or problems for a program).
    page: bool,
    /// Problems of a form of their own, by status (the rows refused by an import).
    problems: Vec<(u16, RefOr<Schema>)>,
    /// Its JSON answers carry the record's `ETag` (its version).
    etag: bool,
    /// A write of a versioned record: it takes `If-Match` and can answer 412.
    if_match: bool,
}

impl Described {
    /// An optional query parameter. Given empty (`status=`, as an HTML form sends an unset
    /// filter) it is taken as absent, so its schema allows the empty value too.
    fn query(mut self, name: &str, schema: impl Into<RefOr<Schema>>, description: &str) -> Self {
        let schema = or_empty(schema.into());
        self.params
            .push(param(name, ParameterIn::Query, schema, description));
        self
    }

    fn required_query(
        mut self,
        name: &str,
        schema: impl Into<RefOr<Schema>>,
        description: &str,
    ) -> Self {
        let mut p = param(name, ParameterIn::Query, schema, description);
        p.required = Required::True;
        self.params.push(p);
        self
    }

    fn path(mut self, name: &str, schema: impl Into<RefOr<Schema>>, description: &str) -> Self {
        self.params
            .push(param(name, ParameterIn::Path, schema, description));
        self
    }

    /// The `id` path parameter: the record's identifier.
    fn id(self, what: &str) -> Self {
        self.path("id", id(), &format!("Identifier of the {what}"))
    }

    /// A single record's GET: its answer carries the record's version as `ETag`. Call
    /// before `json`.
    fn etag(mut self) -> Self {
        self.etag = true;
        self
    }

    /// A correction of a versioned record: an optional `If-Match` (412 when it names
    /// another version) and the new `ETag` in the answer. Call before `json`.
    fn if_match(mut self) -> Self {
        self.params.push(param(
            "If-Match",
            ParameterIn::Header,
            string(),
            "The record's ETag as read (`\"3\"`): the write is refused with 412 if the \
             record changed since",
        ));
        self.if_match = true;
        self.etag()
    }

    /// `limit` (1 to 500, default 50) and `offset` (0 or more) of the list routes.
    fn paged(self) -> Self {
        self.query(
            "limit",
            integer()
                .minimum(Some(1))
                .maximum(Some(500))
                .default(Some(json!(50))),
            "How many items at most (1 to 500; 50 by default)",
        )
        .query(
            "offset",
            integer().minimum(Some(0)).default(Some(json!(0))),
            "How many items to skip",
        )
    }

    fn json_body(mut self, schema: RefOr<Schema>) -> Self {
        self.body = Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(JSON, ContentBuilder::new().schema(Some(schema)).build())
                .build(),
        );
        self
    }

    fn json(mut self, status: u16, description: &str, schema: RefOr<Schema>) -> Self {
        let mut r = ResponseBuilder::new()
            .description(description)
            .content(JSON, ContentBuilder::new().schema(Some(schema)).build());
        if self.etag {
            r = r.header(
                "ETag",
                utoipa::openapi::HeaderBuilder::new()
                    .schema(string())
                    .description(Some(
                        "The record's version, to send back in If-Match with a correction",
                    ))
                    .build(),
            );
        }
        self.responses.push((status, r.build()));
        self
    }

    fn file(mut self, status: u16, description: &str, types: &[&str]) -> Self {
        let mut r = ResponseBuilder::new().description(description).header(
            "Content-Disposition",
            utoipa::openapi::HeaderBuilder::new()
                .schema(string())
                .description(Some("attachment; filename=\"…\""))
                .build(),
        );
        for t in types {
            r = r.content(
                *t,
                ContentBuilder::new()
                    .schema(Some(string().content_media_type(*t)))
                    .build(),
            );
        }
        self.responses.push((status, r.build()));
        self
    }

    fn html(mut self, status: u16, description: &str) -> Self {
        self.responses.push((status, html_response(description)));
        self.page = true;
        self
    }

    fn redirect(mut self, status: u16, description: &str) -> Self {
        self.responses.push((
            status,
            ResponseBuilder::new()
                .description(description)
                .header(
                    "Location",
                    utoipa::openapi::HeaderBuilder::new()
                        .schema(string())
                        .description(Some("Where to go next"))
                        .build(),
                )
                .build(),
        ));
        self
    }

    fn empty(mut self, status: u16, description: &str) -> Self {
        self.responses.push((
            status,
            ResponseBuilder::new().description(description).build(),
        ));
        self
    }

    /// Whether the route reads a body (so that it can refuse one).
    pub fn has_body(&self) -> bool {
        self.body.is_some()
    }

    /// The statuses of its successful answers.
    pub fn success_statuses(&self) -> Vec<u16> {
        self.responses.iter().map(|(s, _)| *s).collect()
    }
}

fn html_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            HTML,
            ContentBuilder::new()
                .schema(Some(string().content_media_type(HTML)))
                .build(),
        )
        .build()
}

fn status_body(value: &str) -> RefOr<Schema> {
    raw(json!({
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": [value]}}
    }))
}

/// A DECP file as `domain::decp::parse_decp` reads it. Its records are read leniently (one
/// that cannot become a contract is skipped and reported, not refused), so only the frame is
/// described: what makes the body "not a DECP file" (400).
fn decp_file() -> RefOr<Schema> {
    let any_value = json!(["object", "array", "string", "number", "boolean", "null"]);
    let record = json!({
        "type": any_value,
        "description": "One contract record, an object (v1.5 or v2: id, objet, acheteur, titulaires, \
                        montant, dateNotification, dureeMois…); a record that cannot be \
                        imported is skipped with its reason"
    });
    let records = json!({
        "type": any_value,
        "items": record,
        "description": "The records: a list, or one record; what is not an object is \
                        skipped and reported"
    });
    // One flat alternative per accepted frame: utoipa keeps `required` and `maxProperties`
    // of an object, not a nested `anyOf` or `not`.
    let container = |key: &str| {
        json!({
            "type": "object",
            "description": "The records under `marche` (contracts) and `contrat-concession` \
                            (concessions, skipped)",
            "required": [key],
            "properties": {"marche": records, "contrat-concession": records}
        })
    };
    let lone_record = |key: &str| {
        json!({
            "type": "object",
            "description": "One record on its own (some hand-made files)",
            "required": [key]
        })
    };
    let mut marches = vec![
        json!({
            "type": "array",
            "description": "The records; each may also be wrapped as {\"marche\": record}",
            "items": {
                "type": any_value,
                "description": "A record, or {\"marche\": record}; an item that is not an \
                                object is skipped and reported"
            }
        }),
        container("marche"),
        container("contrat-concession"),
        json!({"type": "object", "maxProperties": 0, "description": "No record"}),
    ];
    marches.extend(["id", "objet", "acheteur", "uid"].map(lone_record));
    raw(json!({
        "description": "A DECP open-data file (données essentielles de la commande publique)",
        "type": "object",
        "required": ["marches"],
        "properties": {"marches": {"anyOf": marches}},
        "examples": [{"marches": {"marche": [{
            "id": "2026-0042",
            "objet": "Construction d'un groupe scolaire",
            "acheteur": {"id": "21930066500016"},
            "montant": 1250000,
            "dateNotification": "2026-03-02",
            "dureeMois": 24,
            "titulaires": [{"id": "55204944776279", "typeIdentifiant": "SIRET"}]
        }]}}]
    }))
}

/// The referral report: needs, proposals and hires of a year, in total, by contractor and
/// by job, and declines by reason (an answer built as JSON by its handler).
fn referral_report() -> RefOr<Schema> {
    let names = [
        "needs",
        "posts",
        "proposals",
        "interviews",
        "hires",
        "declined",
        "pending",
    ];
    let counts = |extra: Value, extra_required: &[&str]| {
        let mut properties = serde_json::Map::new();
        for n in names {
            properties.insert(n.into(), json!({"type": "integer", "minimum": 0}));
        }
        properties.insert(
            "hire_rate".into(),
            json!({
                "type": ["number", "null"],
                "description": "Hires per proposal, percent with one decimal; null without proposals"
            }),
        );
        if let Value::Object(extra) = extra {
            properties.extend(extra);
        }
        let mut required: Vec<&str> = names.to_vec();
        required.push("hire_rate");
        required.extend(extra_required);
        json!({"type": "object", "required": required, "properties": properties})
    };
    let by_contractor = counts(
        json!({"contractor_id": {"type": "integer"}, "name": {"type": ["string", "null"]}}),
        &["contractor_id", "name"],
    );
    let by_job = counts(
        json!({"rome_code": {"type": ["string", "null"]}, "job_title": {"type": ["string", "null"]}}),
        &["rome_code", "job_title"],
    );
    raw(counts(
        json!({
            "year": {"type": "integer"},
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "declines": {
                "type": "object",
                "description": "Declined proposals by reason code",
                "additionalProperties": {"type": "integer", "minimum": 0}
            },
            "by_contractor": {"type": "array", "items": by_contractor},
            "by_job": {"type": "array", "items": by_job}
        }),
        &["year", "from", "to", "declines", "by_contractor", "by_job"],
    ))
}

/// The parameters, body and answers of each route of `access::ROUTES`; `None` for a route
/// that is not described (a test fails then).
pub fn describe(method: &str, path: &str) -> Option<Described> {
    describe_with(method, path, &mut Schemas::default())
}

fn describe_with(method: &str, path: &str, s: &mut Schemas) -> Option<Described> {
    use crate::api::{
        assignments, auth, clauses, contracts, eligibility, hours, needs, organisations,
        participants, placements, referrals, reminders, users,
    };
    use crate::store;
    let d = Described::default();
    let ok = "Done";
    let created = "Created";
    Some(match (method, path) {
        ("GET", "/health") => d.json(200, "The service runs", status_body("ok")),
        ("GET", "/ready") => d.json(200, "The database answers", status_body("ready")),
        ("GET", "/api/v1/openapi.json") => d.json(
            200,
            "This OpenAPI 3.1 document",
            raw(
                json!({"type": "object", "required": ["openapi", "paths"], "properties": {
                "openapi": {"type": "string"}, "paths": {"type": "object"}}}),
            ),
        ),
        ("POST", "/api/v1/auth/login") => d.json_body(s.input::<auth::LoginRequest>()).json(
            200,
            "A Bearer token",
            s.named::<auth::TokenResponse>(),
        ),
        ("POST", "/api/v1/auth/logout") => d.empty(204, "The session is ended"),
        ("GET", "/api/v1/me") => d.json(200, "The current user", s.named::<auth::Me>()),
        ("POST", "/api/v1/users") => d.json_body(s.input::<users::CreateUser>()).json(
            201,
            created,
            s.named::<store::users::UserView>(),
        ),
        ("GET", "/api/v1/users") => d.paged().json(200, ok, s.list::<store::users::UserView>()),
        ("GET", "/api/v1/users/<id>") => {
            d.id("user")
                .etag()
                .json(200, ok, s.named::<store::users::UserView>())
        }
        ("PATCH", "/api/v1/users/<id>") => d
            .id("user")
            .if_match()
            .json_body(s.input::<users::UserPatch>())
            .json(
                200,
                "The account as changed",
                s.named::<store::users::UserView>(),
            ),
        ("GET", "/api/v1/users/<id>/history") => {
            d.id("user")
                .json(200, ok, s.array::<store::history::HistoryEntry>())
        }
        ("POST", "/api/v1/users/<id>/invitation") => d.id("user").json(
            202,
            "The email with the link is queued",
            s.named::<users::LinkQueued>(),
        ),
        ("PUT", "/api/v1/me/password") => d
            .json_body(s.input::<auth::PasswordChange>())
            .empty(204, "The password is changed; the other sessions are ended"),
        ("POST", "/api/v1/auth/password-reset") => {
            d.json_body(s.input::<auth::PasswordResetRequest>()).json(
                202,
                "The same answer whether the email has an account or not",
                s.named::<users::LinkQueued>(),
            )
        }
        ("POST", "/api/v1/organisations") => d
            .json_body(s.input::<organisations::OrganisationInput>())
            .json(
                201,
                created,
                s.named::<store::organisations::OrganisationView>(),
            ),
        ("GET", "/api/v1/organisations") => d
            .query(
                "kind",
                query_text(),
                "Only organisations of this kind (buyer, contractor, insertion_structure, funder…)",
            )
            .paged()
            .json(200, ok, s.list::<store::organisations::OrganisationView>()),
        ("GET", "/api/v1/organisations/<id>") => d.id("organisation").etag().json(
            200,
            ok,
            s.named::<store::organisations::OrganisationView>(),
        ),
        ("PATCH", "/api/v1/organisations/<id>") => d
            .id("organisation")
            .if_match()
            .json_body(s.input::<organisations::OrganisationPatch>())
            .json(
                200,
                "The organisation corrected",
                s.named::<store::organisations::OrganisationView>(),
            ),
        ("GET", "/api/v1/organisations/<id>/history") => {
            d.id("organisation")
                .json(200, ok, s.array::<store::history::HistoryEntry>())
        }
        ("PUT", "/api/v1/organisations/<id>/contacts") => d
            .id("organisation")
            .json_body(s.inline::<List<organisations::ContactInput, { limits::MAX_CONTACTS }>>())
            .json(200, ok, s.array::<store::organisations::Contact>()),
        ("GET", "/api/v1/organisations/<id>/contacts") => {
            d.id("organisation")
                .json(200, ok, s.array::<store::organisations::Contact>())
        }
        ("POST", "/api/v1/contracts") => d.json_body(s.input::<contracts::ContractInput>()).json(
            201,
            created,
            s.named::<store::contracts::ContractView>(),
        ),
        ("GET", "/api/v1/contracts") => {
            d.paged()
                .json(200, ok, s.list::<store::contracts::ContractView>())
        }
        ("GET", "/api/v1/contracts/<id>") => {
            d.id("contract")
                .etag()
                .json(200, ok, s.named::<store::contracts::ContractView>())
        }
        ("PATCH", "/api/v1/contracts/<id>") => d
            .id("contract")
            .json_body(s.input::<contracts::ContractPatch>())
            .if_match()
            .json(
                200,
                "The contract corrected",
                s.named::<store::contracts::ContractView>(),
            ),
        ("GET", "/api/v1/contracts/<id>/history") => {
            d.id("contract")
                .json(200, ok, s.array::<store::history::HistoryEntry>())
        }
        ("POST", "/api/v1/contracts/<id>/amendments") => d
            .id("contract")
            .json_body(s.input::<contracts::AmendmentInput>())
            .json(
                201,
                "The amendment, and the hours each clause's calibration would give (not applied)",
                s.named::<contracts::AmendmentOutcome>(),
            ),
        ("POST", "/api/v1/calibrations") => d
            .json_body(s.input::<crate::domain::calibration::CalibrationRequest>())
            .json(
                200,
                "The calibration; nothing is stored",
                s.named::<crate::domain::calibration::CalibrationResult>(),
            ),
        ("GET", "/api/v1/reference/labour-shares") => {
            d.json(200, ok, s.array::<clauses::LabourShareOut>())
        }
        ("PUT", "/api/v1/reference/labour-shares") => d
            .json_body(s.input_array::<clauses::LabourShareItem>())
            .json(200, ok, s.array::<clauses::LabourShareOut>()),
        ("GET", "/api/v1/reference/<list>") => d
            .path(
                "list",
                string().enum_values(Some(crate::app::reference::LIST_NAMES)),
                "Name of the list; another name: 404",
            )
            .json(
                200,
                "The codes of the list with their French labels, in order",
                s.array::<crate::app::reference::ReferenceItem>(),
            ),
        ("POST", "/api/v1/contracts/<contract_id>/clauses") => d
            .path("contract_id", id(), "Identifier of the contract")
            .json_body(s.input::<clauses::ClauseInput>())
            .json(201, created, s.named::<store::clauses::ClauseView>()),
        ("GET", "/api/v1/clauses") => d
            .query(
                "status",
                query_text(),
                "Only clauses in this state (draft, active, completed, cancelled)",
            )
            .paged()
            .json(200, ok, s.list::<store::clauses::ClauseView>()),
        ("GET", "/api/v1/clauses/<id>") => {
            d.id("clause")
                .etag()
                .json(200, ok, s.named::<store::clauses::ClauseView>())
        }
        ("PATCH", "/api/v1/clauses/<id>") => d
            .id("clause")
            .json_body(s.input::<clauses::ClausePatch>())
            .if_match()
            .json(
                200,
                "The clause corrected",
                s.named::<store::clauses::ClauseView>(),
            ),
        ("GET", "/api/v1/clauses/<id>/history") => {
            d.id("clause")
                .json(200, ok, s.array::<store::history::HistoryEntry>())
        }
        (
            "POST",
            "/api/v1/clauses/<id>/activate"
            | "/api/v1/clauses/<id>/complete"
            | "/api/v1/clauses/<id>/cancel",
        ) => d.id("clause").json(
            200,
            "The clause in its new state",
            s.named::<store::clauses::ClauseView>(),
        ),
        ("POST", "/api/v1/clauses/<id>/assignments") => d
            .id("clause")
            .json_body(s.input::<clauses::AssignmentInput>())
            .json(
                201,
                "The clause with its assignments",
                s.named::<store::clauses::ClauseView>(),
            ),
        ("GET", "/api/v1/assignments/<id>") => {
            d.id("assignment")
                .etag()
                .json(200, ok, s.named::<store::assignments::AssignmentOut>())
        }
        ("PATCH", "/api/v1/assignments/<id>") => d
            .id("assignment")
            .if_match()
            .json_body(s.input::<assignments::AssignmentPatch>())
            .json(
                200,
                "The assignment corrected",
                s.named::<store::assignments::AssignmentOut>(),
            ),
        ("POST", "/api/v1/assignments/<id>/replace") => d
            .id("assignment")
            .if_match()
            .json_body(s.input::<assignments::ReplaceInput>())
            .json(
                201,
                "The assignment ended and the new one; the ETag is the ended one's",
                s.named::<assignments::Replacement>(),
            ),
        ("DELETE", "/api/v1/assignments/<id>") => d
            .id("assignment")
            .if_match()
            .empty(204, "The assignment is deleted"),
        ("GET", "/api/v1/assignments/<id>/history") => {
            d.id("assignment")
                .json(200, ok, s.array::<store::history::HistoryEntry>())
        }
        ("POST", "/api/v1/imports/decp") => d.json_body(decp_file()).json(
            200,
            "What was created, updated, left as it was or skipped",
            s.named::<store::decp::ImportSummary>(),
        ),
        ("POST", "/api/v1/participants") => d
            .json_body(s.input::<participants::ParticipantInput>())
            .json(201, created, s.named::<participants::ParticipantOut>()),
        ("GET", "/api/v1/participants") => d.paged().json(
            200,
            "Full records for staff, limited ones for a contractor",
            s.list::<participants::ParticipantOut>(),
        ),
        ("GET", "/api/v1/participants/<id>") => d.id("person").etag().json(
            200,
            "The full record for staff, a limited one for a contractor",
            s.named::<participants::ParticipantOut>(),
        ),
        ("PATCH", "/api/v1/participants/<id>") => d
            .id("person")
            .json_body(s.input::<participants::ParticipantPatch>())
            .if_match()
            .json(
                200,
                "The corrected record",
                s.named::<participants::ParticipantOut>(),
            ),
        ("GET", "/api/v1/participants/<id>/history") => {
            d.id("person")
                .json(200, ok, s.array::<store::history::HistoryEntry>())
        }
        ("POST", "/api/v1/participants/<id>/eligibility") => d
            .id("person")
            .json_body(s.input::<participants::EligibilityInput>())
            .json(201, created, s.named::<participants::EligibilityOut>()),
        ("GET", "/api/v1/participants/<id>/eligibility") => {
            d.id("person")
                .json(200, ok, s.array::<participants::EligibilityOut>())
        }
        ("POST", "/api/v1/participants/<pid>/eligibility/<id>/withdraw") => d
            .path("pid", id(), "Identifier of the person")
            .id("eligibility validation")
            .if_match()
            .json_body(s.input::<eligibility::WithdrawInput>())
            .json(
                200,
                "The validation withdrawn, the person's eligibility and the placements whose \
                 criteria changed",
                s.named::<eligibility::Withdrawal>(),
            ),
        ("GET", "/api/v1/participants/<pid>/eligibility/<id>/history") => d
            .path("pid", id(), "Identifier of the person")
            .id("eligibility validation")
            .json(200, ok, s.array::<store::history::HistoryEntry>()),
        ("GET", "/api/v1/participants/<id>/timeline") => {
            d.id("person")
                .json(200, ok, s.named::<store::timeline::Timeline>())
        }
        ("GET", "/api/v1/audit") => d
            .query("participant_id", id(), "Only entries about this person")
            .paged()
            .json(200, ok, s.list::<store::audit::AuditEntry>()),
        ("POST", "/api/v1/placements") => d
            .json_body(s.input::<placements::PlacementInput>())
            .json(201, created, s.named::<store::placements::PlacementView>()),
        ("GET", "/api/v1/placements") => d
            .query("participant_id", id(), "Only placements of this person")
            .query("assignment_id", id(), "Only placements on this assignment")
            .paged()
            .json(200, ok, s.list::<store::placements::PlacementView>()),
        ("GET", "/api/v1/placements/<id>") => {
            d.id("placement")
                .etag()
                .json(200, ok, s.named::<store::placements::PlacementView>())
        }
        ("PATCH", "/api/v1/placements/<id>") => d
            .id("placement")
            .json_body(s.input::<placements::PlacementPatch>())
            .if_match()
            .json(
                200,
                "The corrected placement",
                s.named::<store::placements::PlacementView>(),
            ),
        ("POST", "/api/v1/placements/<id>/cancel") => d
            .id("placement")
            .json_body(s.input::<placements::CancelInput>())
            .if_match()
            .json(
                200,
                "The cancelled placement",
                s.named::<store::placements::PlacementView>(),
            ),
        ("GET", "/api/v1/placements/<id>/history") => {
            d.id("placement")
                .json(200, ok, s.array::<store::history::HistoryEntry>())
        }
        ("POST", "/api/v1/placements/<id>/exit") => d
            .id("placement")
            .json_body(s.input::<placements::ExitInput>())
            .json(200, ok, s.named::<store::placements::PlacementView>()),
        ("PUT", "/api/v1/placements/<id>/hours/<month>") => d
            .id("placement")
            .path(
                "month",
                string().pattern(Some(format!("^{YEARS}-(0[1-9]|1[0-2])$"))),
                "The month of the hours, YYYY-MM",
            )
            .json_body(s.input::<hours::HoursInput>())
            .json(
                200,
                "The hour entry",
                s.named::<store::hours::HourEntryView>(),
            ),
        ("POST", "/api/v1/hours/import") => {
            let mut d = d.query(
                "dry_run",
                ObjectBuilder::new().schema_type(Type::Boolean),
                "true: check every row and store nothing",
            );
            d.body = Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .description(Some(
                        "The CSV (semicolon- or comma-separated, UTF-8) or XLSX file of the \
                         template: raw, or as the `file` field of a multipart form",
                    ))
                    .content(
                        "multipart/form-data",
                        ContentBuilder::new()
                            .schema(Some(raw(json!({
                                "type": "object",
                                "required": ["file"],
                                "properties": {"file": {
                                    "type": "string",
                                    "contentMediaType": "application/octet-stream"
                                }}
                            }))))
                            .build(),
                    )
                    .content(
                        CSV,
                        ContentBuilder::new()
                            .schema(Some(string().content_media_type(CSV)))
                            .build(),
                    )
                    .content(
                        XLSX,
                        ContentBuilder::new()
                            .schema(Some(string().content_media_type(XLSX)))
                            .build(),
                    )
                    .build(),
            );
            d.problems.push((422, import_problem(s)));
            d.json(
                200,
                "Every row accepted (or, with dry_run, would be)",
                s.named::<hours::ImportSummary>(),
            )
        }
        ("GET", "/api/v1/hours/template") => d
            .required_query(
                "month",
                string().pattern(Some(format!("^{YEARS}-(0[1-9]|1[0-2])$"))),
                "The month to report, YYYY-MM",
            )
            .query(
                "format",
                string().enum_values(Some(["csv", "xlsx"])),
                "csv (by default) or xlsx",
            )
            .query(
                "dialect",
                csv_dialect(),
                "The CSV's form: `fr` (by default) for a French spreadsheet: UTF-8 with a \
                 byte-order mark, `;`, decimal comma, the columns `N° mise en situation;\
                 Personne;Poste;Mois;Heures de travail;Heures de formation`; `standard`: `,`, \
                 decimal point, `placement_id,month,work_hours,training_hours,participant,\
                 job_title,contractor,label`. Any other value is refused (422, \
                 csv_dialect_unknown). The XLSX has the French columns",
            )
            .file(200, "The template", &[CSV, XLSX]),
        ("GET", "/api/v1/hours") => d
            .query(
                "status",
                string().enum_values(Some(crate::domain::hours::EntryStatus::CODES)),
                "Only entries in this state",
            )
            .query("clause_id", id(), "Only entries of this clause")
            .query("placement_id", id(), "Only entries of this placement")
            .query("month", month_text(), "Only entries of this month")
            .paged()
            .json(200, ok, s.list::<store::hours::HourEntryView>()),
        ("GET", "/api/v1/hours/<id>/history") => {
            d.id("hour entry")
                .json(200, ok, s.array::<store::history::HistoryEntry>())
        }
        ("POST", "/api/v1/hours/validation") => d.json_body(s.input::<hours::Decision>()).json(
            200,
            "The entries decided",
            s.list::<store::hours::HourEntryView>(),
        ),
        ("GET", "/api/v1/clauses/<id>/progress") => d
            .id("clause")
            .query(
                "on",
                query_date(),
                "The date of the progress (today by default)",
            )
            .json(200, ok, s.named::<hours::ClauseProgress>()),
        ("POST", "/api/v1/needs") => d.json_body(s.input::<needs::NeedInput>()).json(
            201,
            created,
            s.named::<needs::NeedView>(),
        ),
        ("GET", "/api/v1/needs") => d
            .query(
                "status",
                string().enum_values(Some(crate::domain::vocabulary::NeedStatus::CODES)),
                "Only needs in this state",
            )
            .query("assignment_id", id(), "Only needs of this assignment")
            .paged()
            .json(200, ok, s.list::<needs::NeedView>()),
        ("GET", "/api/v1/needs/<id>") => d.id("need").json(200, ok, s.named::<needs::NeedView>()),
        ("POST", "/api/v1/needs/<id>/close") => {
            d.id("need")
                .json(200, "The closed need", s.named::<needs::NeedView>())
        }
        ("GET", "/api/v1/needs/<id>/matches") => {
            d.id("need")
                .paged()
                .json(200, ok, s.list::<needs::MatchView>())
        }
        ("POST", "/api/v1/referrals") => d.json_body(s.input::<referrals::ReferralInput>()).json(
            201,
            created,
            s.named::<referrals::ReferralView>(),
        ),
        ("GET", "/api/v1/referrals") => d
            .query("need_id", id(), "Only proposals to this need")
            .query("participant_id", id(), "Only proposals of this person")
            .query(
                "state",
                string().enum_values(Some(crate::domain::referrals::State::CODES)),
                "Only proposals in this state",
            )
            .paged()
            .json(200, ok, s.list::<referrals::ReferralView>()),
        ("GET", "/api/v1/referrals/<id>") => {
            d.id("proposal")
                .json(200, ok, s.named::<referrals::ReferralView>())
        }
        ("POST", "/api/v1/referrals/<id>/answer") => {
            let answer = s.named::<referrals::AnswerOut>();
            d.id("proposal")
                .json_body(s.input::<referrals::AnswerInput>())
                .json(200, "The proposal in its new state", answer.clone())
                .json(201, "Hired: the placement created", answer)
        }
        ("GET", "/api/v1/worklist") => d
            .query(
                "on",
                query_date(),
                "The date of the list (today by default)",
            )
            .query(
                "wait_days",
                integer().minimum(Some(0)).maximum(Some(365)),
                "Days an answer may wait before it is owed",
            )
            .json(200, ok, s.named::<referrals::WorkList>()),
        ("GET", "/api/v1/reports/referrals") => d
            .query(
                "year",
                year().minimum(Some(2000)),
                "The calendar year (this year by default)",
            )
            .json(200, ok, referral_report()),
        ("GET", "/api/v1/clauses/<id>/milestones") => d
            .id("clause")
            .query(
                "on",
                query_date(),
                "The date the states are read at (today by default)",
            )
            .paged()
            .json(200, ok, s.list::<store::milestones::MilestoneView>()),
        ("POST", "/api/v1/clauses/<id>/milestones") => d
            .id("clause")
            .json_body(s.input::<reminders::ManualMilestone>())
            .json(201, created, s.named::<store::milestones::MilestoneView>()),
        ("POST", "/api/v1/milestones/<id>/done") => d.id("milestone").json(
            200,
            "The milestone, done",
            s.named::<store::milestones::MilestoneView>(),
        ),
        ("GET", "/api/v1/notifications") => d
            .query(
                "status",
                string().enum_values(Some(crate::store::outbox::STATUSES)),
                "Only emails in this state",
            )
            .paged()
            .json(200, ok, s.list::<store::outbox::NotificationView>()),
        ("POST", "/api/v1/notifications/<id>/retry") => d.id("email").json(
            200,
            "The email, queued again",
            s.named::<store::outbox::NotificationView>(),
        ),
        ("GET", "/api/v1/me/preferences") => d.json(200, ok, s.named::<reminders::Preferences>()),
        ("PUT", "/api/v1/me/preferences") => d.json_body(s.input::<reminders::Preferences>()).json(
            200,
            ok,
            s.named::<reminders::Preferences>(),
        ),
        ("GET", "/api/v1/reports/annual") => report_params(d).json(
            200,
            "The report, or for a funder under the threshold its suppressed form; header \
             `X-Cache`: `hit` when served from memory (nothing the report reads has changed \
             since it was computed), `miss` when computed. A client that accepts gzip \
             (`Accept-Encoding`) gets the same JSON compressed (`Content-Encoding: gzip`, \
             about a seventh of the bytes; `Vary: Accept-Encoding`)",
            s.named::<crate::reports::Report>(),
        ),
        ("GET", "/api/v1/reports/annual.csv") => report_params(d)
            .query(
                "dialect",
                csv_dialect(),
                "The CSV's form: `fr` (by default) for a French spreadsheet: UTF-8 with a \
                 byte-order mark, `;`, decimal comma, the columns `Ventilation;Code;Libellé;\
                 Personnes;Heures;Secret statistique` (the French label of each code, the \
                 organisation's name beside a buyer's or contractor's id); `standard`: `,`, \
                 decimal point, `breakdown,key,persons,hours,suppressed,label`. Any other \
                 value is refused (422, csv_dialect_unknown)",
            )
            .file(200, "The report as one long table", &[CSV]),
        ("GET", "/api/v1/reports/annual.xlsx") => {
            report_params(d).file(200, "The report as a workbook", &[XLSX])
        }
        ("GET", "/api/v1/reports/spaser") => spaser_params(d).json(
            200,
            "The buyer's evaluation for the year and the year before; for a funder, a year \
             under the threshold has its person figures null and `below_threshold: true`",
            s.named::<crate::reports::spaser::Spaser>(),
        ),
        ("GET", "/api/v1/reports/spaser.csv") => spaser_params(d)
            .query(
                "dialect",
                csv_dialect(),
                "The CSV's form: `fr` (by default) for a French spreadsheet: UTF-8 with a \
                 byte-order mark, `;`, decimal comma, the columns `Année;Code;Indicateur;\
                 Valeur;Secret statistique`; `standard`: `,`, decimal point, \
                 `year,code,value,suppressed,label`. Each figure (its code as in the JSON: \
                 `amount_notified_eur`, `reserved_amount_eur.L2113-13`, `awarded_amount_eur.siae`, \
                 `hours`, `exits.dynamic_share`…) for the year, then the year before; a figure \
                 hidden from a funder has an empty value and is marked suppressed. Any other \
                 value is refused (422, csv_dialect_unknown)",
            )
            .file(200, "The evaluation as one long table", &[CSV]),
        ("GET", "/api/v1/reports/spaser.xlsx") => {
            spaser_params(d).file(200, "The evaluation as a workbook", &[XLSX])
        }
        ("GET", "/reports/spaser") => {
            let d = d
                .query(
                    "buyer_id",
                    query_text(),
                    "The buyer chosen (none: the form alone)",
                )
                .query(
                    "year",
                    query_text(),
                    "The calendar year chosen (by default the current year)",
                );
            d.html(200, "The evaluation page with the buyer and year form")
                .redirect(303, "No session: to the login page")
        }
        ("GET", "/reports/annual/<year>") => {
            let d = d.path("year", year(), "The calendar year");
            report_filters(d)
                .html(200, "The report page")
                .redirect(303, "No session: to the login page")
        }
        ("GET", "/login") => d
            .query(
                "next",
                query_text(),
                "A local path to go to after logging in",
            )
            .html(200, "The login page"),
        ("POST", "/login") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "email": {"type": "string"},
                "password": {"type": "string"},
                "next": {"type": "string"},
                "csrf_token": {"type": "string"}
            })));
            d.redirect(303, "Logged in: to `next` or the report")
                .html(200, "The login page again, with what went wrong")
        }
        ("POST", "/logout") => {
            let mut d = d;
            d.body = Some(form_body(json!({"csrf_token": {"type": "string"}})));
            d.redirect(303, "Logged out: to the login page")
        }
        ("GET", "/password/<token>") => d
            .path("token", string(), "The token of the emailed link")
            .html(200, "The form to choose a password"),
        ("POST", "/password/<token>") => {
            let mut d = d.path("token", string(), "The token of the emailed link");
            d.body = Some(form_body(json!({
                "password": {"type": "string"},
                "password_confirmation": {"type": "string"},
                "csrf_token": {"type": "string"}
            })));
            d.html(200, "The password is set")
        }
        ("GET", "/password/forgot") => d.html(200, "The form asking for the account's email"),
        ("POST", "/password/forgot") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "email": {"type": "string"},
                "csrf_token": {"type": "string"}
            })));
            d.html(
                200,
                "The same answer for any email: a link is sent if an account has it",
            )
        }
        ("GET", "/static/clausier.css") => d.file(200, "The stylesheet", &["text/css"]),
        ("GET", "/static/htmx.min.js") => d.file(200, "htmx", &["text/javascript"]),
        ("GET", "/contractor") => d
            .query("fait", query_text(), "The change just made, for its notice")
            .query("page", integer(), "The page of assignments, from 1")
            .html(200, "The contractor's home page")
            .redirect(303, "No session: to the login page"),
        ("GET", "/contractor/hours/<month>") => d
            .path(
                "month",
                string().pattern(Some(format!("^{YEARS}-(0[1-9]|1[0-2])$"))),
                "The month of the hours, YYYY-MM",
            )
            .query("fait", query_text(), "The change just made, for its notice")
            .query("page", integer(), "The page of people, from 1")
            .html(200, "The grid of the month's hours")
            .redirect(303, "No session: to the login page"),
        ("POST", "/contractor/hours/<month>") => {
            let mut d = d
                .path(
                    "month",
                    string().pattern(Some(format!("^{YEARS}-(0[1-9]|1[0-2])$"))),
                    "The month of the hours, YYYY-MM",
                )
                .query(
                    "page",
                    integer(),
                    "The page of people the form shows, from 1",
                );
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "work_{placement_id}": {"type": "string", "description": "Work hours of a placement (French decimal, e.g. 7,5); one field per placement"},
                "training_{placement_id}": {"type": "string", "description": "Training hours of a placement (French decimal); one field per placement"}
            })));
            d.redirect(
                303,
                "Saved (or nothing to save): back to the grid with its notice",
            )
            .html(
                200,
                "The grid again, each refused cell with its error beside it, answered with \
                 status 422: nothing is stored",
            )
        }
        ("GET", "/contractor/candidates") | ("GET", "/contractor/contacts") => d
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The page")
            .redirect(303, "No session: to the login page"),
        ("POST", "/contractor/candidates/<id>") => {
            let mut d = d.id("proposal");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "state": {"type": "string", "enum": ["interview", "hired", "declined"]},
                "reason": {"type": "string", "description": "A decline's reason code (required with `declined`)"},
                "comment": {"type": "string"},
                "starts_on": {"type": "string", "description": "A hire's start date, AAAA-MM-JJ (default: the need's)"},
                "job_title": {"type": "string", "description": "A hire's job title (default: the need's)"},
                "contract_type": {"type": "string", "description": "A hire's contract type code (default: the need's)"},
                "weekly_hours": {"type": "string", "description": "A hire's weekly hours, French decimal (default: the need's)"}
            })));
            d.redirect(303, "Answered: back to the candidates page with its notice")
                .html(
                    200,
                    "An htmx request: the candidates as they now are (or with what went wrong), \
                 swapped in place",
                )
        }
        ("POST", "/contractor/contacts") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "contacts[0].name": {"type": "string"},
                "contacts[0].email": {"type": "string"}
            })));
            d.redirect(303, "Saved: back to the contacts page with its notice")
                .html(
                    200,
                    "An htmx request: the contacts as they now are (or with what went wrong), \
                 swapped in place",
                )
        }
        ("GET", "/validation") => d
            .query(
                "status",
                query_text(),
                "`submitted` (by default), `validated` (to find a figure to amend) or `rejected`",
            )
            .query("clause_id", query_text(), "Only the entries of this clause")
            .query(
                "contractor_id",
                query_text(),
                "Only the entries of this contractor",
            )
            .query("month", month_text(), "Only the entries of this month")
            .query(
                "page",
                query_text(),
                "The page of the list, from 1 (50 entries a page)",
            )
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The validation queue")
            .redirect(303, "No session: to the login page"),
        ("POST", "/validation") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "entry": {"type": "array", "items": {"type": "integer"}},
                "decision": {"type": "string", "enum": ["validate", "reject"]},
                "reason": {"type": "string", "maxLength": limits::FREE_TEXT_MAX},
                "status": {"type": "string"},
                "clause_id": {"type": "string"},
                "contractor_id": {"type": "string"},
                "month": {"type": "string"},
                "page": {"type": "string"},
                "csrf_token": {"type": "string"}
            })));
            d.redirect(303, "Decided: back to the same list, with its notice")
                .html(
                    200,
                    "An htmx request: the list as it is now (or with what went wrong), swapped in place",
                )
        }
        ("GET", "/validation/entries/<id>") => d
            .path("id", id(), "The hour entry")
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The entry with its month context and history"),
        ("POST", "/validation/entries/<id>") => {
            let mut d = d.path("id", id(), "The hour entry");
            d.body = Some(form_body(json!({
                "work_hours": {"type": "string", "description": "Hours, French decimals accepted (35,5)"},
                "training_hours": {"type": "string"},
                "amendment_reason": {"type": "string", "maxLength": limits::FREE_TEXT_MAX},
                "csrf_token": {"type": "string"}
            })));
            d.redirect(303, "Amended: back to the entry, with its notice")
                .html(
                    200,
                    "An htmx request: the entry as it is now (or with what went wrong), swapped in place",
                )
        }
        ("GET", "/") => d
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "Staff: the home page")
            .redirect(303, "Others: to their home; no session: to the login page"),
        ("GET", "/contractor/import") => d
            .query(
                "month",
                query_text(),
                "The month of the template offered (YYYY-MM)",
            )
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The upload form"),
        ("POST", "/contractor/import") => {
            let mut d = d;
            d.body = Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        "multipart/form-data",
                        ContentBuilder::new()
                            .schema(Some(raw(json!({
                                "type": "object",
                                "properties": {
                                    "csrf_token": {"type": "string"},
                                    "action": {"type": "string", "enum": ["verifier", "importer"]},
                                    "month": {"type": "string"},
                                    "file": {"type": "string", "contentMediaType": "application/octet-stream"}
                                }
                            }))))
                            .build(),
                    )
                    .build(),
            );
            d.html(
                200,
                "The check of the file: its refused lines, or how many would be stored",
            )
            .redirect(
                303,
                "Imported: to the month's hours (or the home) with a notice",
            )
        }
        ("GET", "/people") => d
            .query(
                "q",
                query_text(),
                "The beginning of a first or last name (case and accents ignored)",
            )
            .query(
                "page",
                query_text(),
                "The page of the list, from 1 (50 people a page)",
            )
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The people found")
            .redirect(303, "No session: to the login page"),
        ("GET", "/people/new") => d
            .html(200, "The registration form")
            .redirect(303, "No session: to the login page"),
        ("POST", "/people/new") | ("POST", "/people/<id>/edit") => {
            let edit = path.ends_with("/edit");
            let mut d = if edit { d.id("person") } else { d };
            let mut fields = json!({
                "csrf_token": {"type": "string"},
                "first_name": {"type": "string"},
                "last_name": {"type": "string"},
                "birth_date": {"type": "string", "description": "AAAA-MM-JJ"},
                "sex": {"type": "string", "enum": ["female", "male"]},
                "postal_code": {"type": "string"},
                "qpv": {"type": "string", "description": "A checkbox: present when checked"},
                "zrr": {"type": "string", "description": "A checkbox: present when checked"},
                "qualification_level": {"type": "string"},
                "jobseeker_id": {"type": "string"},
                "looking_for_work": {"type": "string", "description": "A checkbox: present when checked"},
                "wished_rome_codes": {"type": "string", "description": "ROME codes separated by commas"},
                "licences": {"type": "string", "description": "Licences separated by commas"},
                "reachable_departements": {"type": "string", "description": "Departement numbers separated by commas"},
                "available_from": {"type": "string", "description": "AAAA-MM-JJ"}
            });
            if edit {
                fields["version"] = json!({"type": "string", "description": "The record's version the form was filled from, sent as If-Match"});
            }
            d.body = Some(form_body(fields));
            d.redirect(303, "Stored: to the person's page with its notice")
                .html(200, HTMX_REFUSED)
        }
        ("GET", "/people/<id>") => d
            .id("person")
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The person's page")
            .redirect(303, "No session: to the login page"),
        ("GET", "/people/<id>/edit") => d
            .id("person")
            .html(
                200,
                "The correction form, with the record's version and its history",
            )
            .redirect(303, "No session: to the login page"),
        ("POST", "/people/<id>/eligibility") => {
            let mut d = d.id("person");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "criteria": {"type": "array", "items": {"type": "string"}, "description": "Criteria codes (checkboxes)"},
                "proof": {"type": "string"},
                "validated_on": {"type": "string", "description": "AAAA-MM-JJ"},
                "justification": {"type": "string", "maxLength": limits::FREE_TEXT_MAX}
            })));
            d.redirect(303, "Recorded: to the person's page with its notice")
                .html(200, HTMX_REFUSED)
        }
        ("POST", "/people/<id>/placements") => {
            let mut d = d.id("person");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "assignment_id": {"type": "string"},
                "modality": {"type": "string"},
                "employer_id": {"type": "string"},
                "contract_type": {"type": "string"},
                "job_title": {"type": "string"},
                "starts_on": {"type": "string", "description": "AAAA-MM-JJ"},
                "ends_on": {"type": "string", "description": "AAAA-MM-JJ (optional)"},
                "weekly_hours": {"type": "string", "description": "French decimal, e.g. 17,5"}
            })));
            d.redirect(303, "Placed: to the person's page with its notice")
                .html(200, HTMX_REFUSED)
        }
        ("POST", "/people/placements/<id>/exit") => {
            let mut d = d.id("placement");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "ended_on": {"type": "string", "description": "AAAA-MM-JJ"},
                "outcome": {"type": "string"}
            })));
            d.redirect(303, "Recorded: to the person's page with its notice")
                .html(200, HTMX_REFUSED)
        }
        ("GET", "/contracts") => d
            .query(
                "page",
                query_text(),
                "The page of the list, from 1 (50 contracts a page)",
            )
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The structure's contracts")
            .redirect(303, "No session: to the login page"),
        ("GET", "/contracts/new") => d
            .html(200, "The new contract form")
            .redirect(303, "No session: to the login page"),
        ("POST", "/contracts/new") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "buyer_id": {"type": "string", "description": "The buyer organisation's id"},
                "reference": {"type": "string"},
                "title": {"type": "string"},
                "kind": {"type": "string", "enum": ["works", "services", "supplies"]},
                "cpv_code": {"type": "string"},
                "amount_eur": {"type": "string", "description": "Amount in euros, French decimal (1 250 000 or 84 500,50)"},
                "notified_on": {"type": "string", "description": "AAAA-MM-JJ"},
                "starts_on": {"type": "string", "description": "AAAA-MM-JJ"},
                "ends_on": {"type": "string", "description": "AAAA-MM-JJ"},
                "holder_id": {"type": "string", "description": "The holder organisation's id (optional)"},
                "clause_sociale": {"type": "string", "description": "Checked: the contract states a social clause"},
                "clause_environnementale": {"type": "string", "description": "Checked: the contract states an environmental clause"},
                "critere_environnemental": {"type": "string", "description": "Checked: the contract has an environmental award criterion"}
            })));
            d.redirect(303, "Recorded: to the contract's page with its notice")
                .html(
                    200,
                    "The form again, each error beside its field, answered with status 422 \
                     (or 409 for a reference the buyer already has): nothing is stored",
                )
        }
        ("GET", "/contracts/<id>") => d
            .id("contract")
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The contract with its clauses"),
        ("GET", "/contracts/<id>/clauses/new") => d
            .id("contract")
            .query(
                "insertion_rate_percent",
                query_text(),
                "Prefills the insertion rate (5 by default)",
            )
            .query(
                "hourly_cost_eur",
                query_text(),
                "Prefills the loaded hourly cost (30 by default)",
            )
            .html(200, "The new clause form with the preview of its defaults"),
        ("GET", "/contracts/<id>/clauses/preview") => {
            let mut d = d.id("contract");
            for name in [
                "kind",
                "method",
                "amount_eur",
                "labour_share_percent",
                "cpv_code",
                "insertion_rate_percent",
                "hourly_cost_eur",
                "euros_per_hour",
                "hours",
                "justification",
                "starts_on",
                "ends_on",
                "reporting_frequency",
                "penalty_per_missing_hour_eur",
                "territory",
                "legal_basis",
                "weighting_percent",
                "committed_hours",
                "target_persons",
                "csrf_token",
                "action",
            ] {
                d = d.query(
                    name,
                    query_text(),
                    "A field of the new clause form, as typed",
                );
            }
            d.html(
                200,
                "An HTML fragment: the recommended hours and their explanation, or what the \
                 calculation still needs",
            )
        }
        ("POST", "/contracts/<id>/clauses/new") => {
            let mut d = d.id("contract");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "action": {"type": "string", "enum": ["calculer"], "description": "Only the preview: nothing is stored"},
                "kind": {"type": "string", "description": "Clause kind code (execution_condition, award_criterion, reserved_contract, insertion_purpose)"},
                "method": {"type": "string", "enum": ["labour_share", "per_amount", "fixed", ""], "description": "Empty: no calibration (a reserved contract, an insertion purpose without hours)"},
                "amount_eur": {"type": "string", "description": "Amount in euros, French decimal (1 250 000 or 84 500,50)"},
                "labour_share_percent": {"type": "string", "description": "Labour share in %, French decimal; empty: from the reference table by CPV code"},
                "cpv_code": {"type": "string"},
                "insertion_rate_percent": {"type": "string"},
                "hourly_cost_eur": {"type": "string"},
                "euros_per_hour": {"type": "string"},
                "hours": {"type": "string", "description": "Fixed hours, French decimal"},
                "justification": {"type": "string"},
                "starts_on": {"type": "string", "description": "AAAA-MM-JJ"},
                "ends_on": {"type": "string", "description": "AAAA-MM-JJ"},
                "reporting_frequency": {"type": "string", "enum": ["monthly", "quarterly"]},
                "penalty_per_missing_hour_eur": {"type": "string"},
                "territory": {"type": "string"},
                "legal_basis": {"type": "string", "enum": ["", "L2113-12", "L2113-13", "L2113-14", "L2113-15"], "description": "A reserved contract's article"},
                "weighting_percent": {"type": "string", "description": "An award criterion's weighting, whole percent"},
                "committed_hours": {"type": "string", "description": "An award criterion's hours committed in the winning offer, French decimal"},
                "target_persons": {"type": "string", "description": "An insertion purpose's target in persons"}
            })));
            d.redirect(303, "Recorded: to the clause's page with its notice")
                .html(
                    200,
                    "The form again with its preview (action=calculer), or with each error \
                     beside its field, answered with status 422: nothing is stored",
                )
        }
        ("GET", "/clauses/<id>") => d
            .id("clause")
            .query("fait", query_text(), "The change just made, for its notice")
            .html(
                200,
                "The clause with its progress, assignments and milestones",
            ),
        ("GET", "/clauses/<id>/progress") => d.id("clause").html(
            200,
            "The clause month by month since its start: hours validated and waiting, running \
             total, hours expected by the month's end",
        ),
        ("POST", "/clauses/<id>/assignments") => {
            let mut d = d.id("clause");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "contractor_id": {"type": "string", "description": "The contractor organisation's id"},
                "role": {"type": "string", "enum": ["holder", "co_contractor", "subcontractor"]},
                "hours_target": {"type": "string", "description": "Hours, French decimal (500 or 35,5)"}
            })));
            d.redirect(303, "Assigned: back to the clause's page with its notice")
                .html(
                    200,
                    "The clause's page, the error beside its field, answered with status 422 \
                     or 409: nothing is stored",
                )
        }
        ("POST", "/clauses/<id>/status") => {
            let mut d = d.id("clause");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "change": {"type": "string", "enum": ["activate", "complete", "cancel"]}
            })));
            d.redirect(303, "Changed: back to the clause's page with its notice")
                .html(
                    200,
                    "The clause's page with why the change is refused, answered with status \
                     409 (or 422)",
                )
        }
        ("POST", "/clauses/<id>/milestones") => {
            let mut d = d.id("clause");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "label": {"type": "string", "maxLength": 200},
                "due_on": {"type": "string", "description": "AAAA-MM-JJ"}
            })));
            d.redirect(303, "Added: back to the clause's page with its notice")
                .html(
                    200,
                    "The clause's page, the error beside its field, answered with status 422",
                )
        }
        ("POST", "/milestones/<id>/done") => {
            let mut d = d.id("milestone");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"}
            })));
            d.redirect(
                303,
                "Done: back to the milestone's clause page with its notice",
            )
            .html(
                200,
                "An htmx request: the clause's page as it now is, swapped in place",
            )
        }
        ("GET", "/contracts/import") => d
            .html(200, "The DECP import form")
            .redirect(303, "No session: to the login page"),
        ("POST", "/contracts/import") => {
            let mut d = d;
            d.body = Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        "multipart/form-data",
                        ContentBuilder::new()
                            .schema(Some(raw(json!({
                                "type": "object",
                                "properties": {
                                    "csrf_token": {"type": "string"},
                                    "file": {"type": "string", "contentMediaType": "application/json", "description": "A DECP document (JSON)"}
                                }
                            }))))
                            .build(),
                    )
                    .build(),
            );
            d.html(
                200,
                "The import's summary (created, updated, unchanged, records left out with \
                 their reason), or the form with why the file was refused (422, 400): \
                 nothing stored then",
            )
        }
        ("GET", "/reports/annual") => {
            let d = d.query(
                "year",
                query_text(),
                "The calendar year chosen (the current year when it is not a year)",
            );
            let mut d = report_filters(d).redirect(
                303,
                "To the report page of that year with the chosen filters; no session: to the login page",
            );
            d.page = true;
            d
        }
        ("GET", "/admin/users") => d
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The accounts with their forms"),
        ("POST", "/admin/users") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "email": {"type": "string"},
                "role": {"type": "string", "enum": ["admin", "facilitator", "contractor", "funder"]},
                "organisation_id": {"type": "string", "description": "An organisation of the structure (contractor: required)"},
                "password": {"type": "string", "description": "Empty: an invitation by email"},
                "csrf_token": {"type": "string"}
            })));
            let mut d = d.redirect(
                303,
                "Created: back to the accounts with a notice (a refused form: the accounts again, 422, errors beside the fields)",
            );
            d.page = true;
            d
        }
        ("POST", "/admin/users/<id>") => {
            let mut d = d.path("id", id(), "The account");
            d.body = Some(form_body(json!({
                "action": {"type": "string", "enum": ["role", "deactivate", "activate", "invite"]},
                "role": {"type": "string", "enum": ["admin", "facilitator", "contractor", "funder"]},
                "organisation_id": {"type": "string"},
                "csrf_token": {"type": "string"}
            })));
            let mut d = d.redirect(
                303,
                "Changed: back to the accounts with a notice (refused: the accounts again, 422, the reason beside the account)",
            );
            d.page = true;
            d
        }
        ("GET", "/admin/labour-shares") => d
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The labour-share table as a form"),
        ("POST", "/admin/labour-shares") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "shares[0].cpv_prefix": {"type": "string"},
                "shares[0].label": {"type": "string"},
                "shares[0].percent": {"type": "string", "description": "A French decimal (45,5)"},
                "csrf_token": {"type": "string"}
            })));
            let mut d = d.redirect(
                303,
                "Saved: back to the table with a notice (a broken row: the form again, 422, errors beside the fields)",
            );
            d.page = true;
            d
        }
        ("GET", "/emails/failed") => d
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The failed emails with their retry buttons"),
        ("POST", "/emails/<id>/retry") => {
            let mut d = d.path("id", id(), "The outbox message");
            d.body = Some(form_body(json!({"csrf_token": {"type": "string"}})));
            let mut d = d.redirect(
                303,
                "Queued again: back to the failed emails with a notice (no longer failed: the list again, 409)",
            );
            d.page = true;
            d
        }
        ("GET", "/organisations") => d
            .query(
                "kind",
                query_text(),
                "Only organisations of this kind (buyer, contractor, insertion_structure, funder)",
            )
            .query(
                "page",
                query_text(),
                "The page of the list, from 1 (50 organisations a page)",
            )
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The structure's organisations")
            .redirect(303, "No session: to the login page"),
        ("GET", "/organisations/new") => d
            .query("kind", query_text(), "The kind chosen in advance")
            .html(200, "The new organisation form")
            .redirect(303, "No session: to the login page"),
        ("POST", "/organisations/new") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "kind": {"type": "string", "enum": ["buyer", "contractor", "insertion_structure", "funder"]},
                "name": {"type": "string"},
                "siret": {"type": "string", "description": "14 digits, spaces ignored (optional)"},
                "territory": {"type": "string", "description": "A département code (optional)"},
                "siae_kind": {"type": "string", "description": "An SIAE kind code, for a contractor or an insertion structure (optional)"},
                "ess": {"type": "string", "enum": ["on"], "description": "Ticked: an enterprise of the social and solidarity economy (L2113-15)"}
            })));
            d.redirect(303, "Recorded: to the organisation's page with its notice")
                .html(
                    200,
                    "The form again, each error beside its field, answered with status 422 \
                     (or 409 for a SIRET another organisation of the structure holds): nothing \
                     is stored",
                )
        }
        ("GET", "/organisations/<id>") => d
            .id("organisation")
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The organisation and its contacts form")
            .redirect(303, "No session: to the login page"),
        ("POST", "/organisations/<id>/contacts") => {
            let mut d = d.id("organisation");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "contacts[0].name": {"type": "string"},
                "contacts[0].email": {"type": "string"}
            })));
            d.redirect(
                303,
                "Saved: back to the organisation's page with its notice",
            )
            .html(
                200,
                "The page again, each invalid row's error beside it, answered with status \
                     422: nothing is stored",
            )
        }
        ("GET", "/needs") => d
            .query(
                "page",
                query_text(),
                "The page of the list, from 1 (50 needs a page)",
            )
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The structure's recruitment needs")
            .redirect(303, "No session: to the login page"),
        ("GET", "/needs/<id>") => d
            .id("need")
            .query("fait", query_text(), "The change just made, for its notice")
            .html(
                200,
                "The need, its proposals and the matching people with their reasons",
            )
            .redirect(303, "No session: to the login page"),
        ("GET", "/needs/new") => d
            .html(200, "The form of a new recruitment need")
            .redirect(303, "No session: to the login page"),
        ("POST", "/needs/new") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "assignment_id": {"type": "string"},
                "job_title": {"type": "string"},
                "rome_code": {"type": "string"},
                "posts": {"type": "string"},
                "commune_code": {"type": "string"},
                "territory": {"type": "string"},
                "starts_on": {"type": "string", "description": "AAAA-MM-JJ"},
                "weekly_hours": {"type": "string", "description": "French decimal, e.g. 17,5"},
                "duration_months": {"type": "string"},
                "licences": {"type": "string", "description": "Licences separated by commas"},
                "modality": {"type": "string"},
                "employer_id": {"type": "string"},
                "contract_type": {"type": "string"}
            })));
            d.redirect(303, "Recorded: to the need's page with its notice")
                .html(
                    200,
                    "The form again with each error beside its field, answered with status \
                     422 (or 409): nothing is stored",
                )
        }
        ("POST", "/needs/<id>/propose") => {
            let mut d = d.id("need");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "participant_id": {"type": "string", "description": "The person proposed"}
            })));
            d.redirect(303, "Proposed: back to the need's page with its notice")
                .html(
                    200,
                    "The need's page with why the proposal is refused, answered with status \
                     409 or 422: nothing is stored",
                )
        }
        ("GET", "/people/<pid>/eligibility/<id>/withdraw") => d
            .path("pid", id(), "Identifier of the person")
            .id("eligibility validation")
            .html(
                200,
                "The confirmation page asking the reason, with the validation's history",
            ),
        ("POST", "/people/<pid>/eligibility/<id>/withdraw") => {
            let mut d = d
                .path("pid", id(), "Identifier of the person")
                .id("eligibility validation");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "version": {"type": "string", "description": "The validation's version the page was filled from"},
                "reason": {"type": "string"}
            })));
            d.redirect(303, "Withdrawn: back to the person's page with its notice")
                .html(
                    200,
                    "The page again with the refusal (422 or 409), or the other change (412): \
                     nothing is changed",
                )
        }
        ("POST", "/needs/<id>/close") => {
            let mut d = d.id("need");
            d.body = Some(form_body(json!({"csrf_token": {"type": "string"}})));
            d.redirect(303, "Closed: back to the need's page with its notice")
                .html(
                    200,
                    "The need's page saying it was already closed or filled, answered with \
                     status 409: nothing changed",
                )
        }
        ("GET", "/account") => d
            .query("fait", query_text(), "The change just made, for its notice")
            .html(200, "The own password form and the reminder preferences")
            .redirect(303, "No session: to the login page"),
        ("POST", "/account/password") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "current_password": {"type": "string"},
                "new_password": {"type": "string"},
                "new_password_again": {"type": "string"}
            })));
            d.redirect(
                303,
                "Changed: back to the account page with its notice; the other sessions end",
            )
            .html(
                200,
                "The form again, each error beside its field, answered with status 422: \
                     nothing is changed",
            )
        }
        ("POST", "/account/preferences") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "optional_reminders_off": {"type": "string", "enum": ["on"], "description": "Ticked: optional reminders off"}
            })));
            d.redirect(303, "Recorded: back to the account page with its notice")
        }
        // Contracts still to clause (issue 20, part 5).
        ("GET", "/api/v1/contracts/to-clause") => d
            .query(
                "sort",
                string().enum_values(Some(crate::domain::to_clause::SortKey::CODES)),
                "amount (by default), date (of notification) or hours (of the standard \
                 calibration; lines without hours last); anything else is refused (422, \
                 to_clause_sort_unknown)",
            )
            .query(
                "order",
                string().enum_values(Some(["desc", "asc"])),
                "desc (by default) or asc; anything else is refused (422, sort_order_unknown)",
            )
            .query("buyer_id", id(), "Only contracts of this buyer")
            .paged()
            .json(200, ok, s.list::<crate::api::to_clause::ToClauseLine>()),
        ("GET", "/api/v1/contracts/to-clause.csv") => d
            .query(
                "sort",
                string().enum_values(Some(crate::domain::to_clause::SortKey::CODES)),
                "As the JSON list",
            )
            .query(
                "order",
                string().enum_values(Some(["desc", "asc"])),
                "As the JSON list",
            )
            .query("buyer_id", id(), "Only contracts of this buyer")
            .query(
                "dialect",
                csv_dialect(),
                "The CSV's form: `fr` (by default) for a French spreadsheet: UTF-8 with a \
                 byte-order mark, `;`, decimal comma, French headers; `standard`: `,`, \
                 decimal point, English headers",
            )
            .file(200, "Every line of the list, in its order", &[CSV]),
        ("GET", "/api/v1/contracts/to-clause/thresholds") => {
            d.json(200, ok, s.array::<crate::api::to_clause::Threshold>())
        }
        ("PUT", "/api/v1/contracts/to-clause/thresholds/<id>") => d
            .id("buyer")
            .json_body(s.input::<crate::api::to_clause::ThresholdInput>())
            .json(200, ok, s.named::<crate::api::to_clause::Threshold>()),
        ("GET", "/contracts/to-clause") => d
            .query(
                "sort",
                query_text(),
                "amount, date or hours (an unknown value: amount)",
            )
            .query("order", query_text(), "desc or asc")
            .query(
                "page",
                query_text(),
                "The page of the list, from 1 (50 contracts a page)",
            )
            .query("fait", query_text(), "The change just made, for its notice")
            .html(
                200,
                "The contracts still to clause, with the buyers' thresholds form",
            )
            .redirect(303, "No session: to the login page"),
        ("POST", "/contracts/to-clause/threshold") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "buyer_id": {"type": "string", "description": "The buyer's id"},
                "threshold_eur": {"type": "string", "description": "Euros excluding VAT, typed the French way"}
            })));
            d.redirect(303, "Saved: back to the list with its notice")
                .html(
                    200,
                    "The list with why the threshold is refused, answered with status 422: \
                 nothing is stored",
                )
        }
        // The correction pages (pages::corrections_records): a form carrying the record's
        // version, its history below.
        ("GET", "/contracts/<id>/edit")
        | ("GET", "/contracts/<id>/amendments/new")
        | ("GET", "/clauses/<id>/edit")
        | ("GET", "/assignments/<id>/edit")
        | ("GET", "/assignments/<id>/replace")
        | ("GET", "/assignments/<id>/delete")
        | ("GET", "/placements/<id>/edit")
        | ("GET", "/placements/<id>/cancel")
        | ("GET", "/organisations/<id>/edit")
        | ("GET", "/admin/users/<id>/edit") => d
            .id(correction_record(path))
            .html(
                200,
                "The form, carrying the record's version, with its history for a correction",
            )
            .redirect(303, "No session: to the login page"),
        ("POST", "/contracts/<id>/edit")
        | ("POST", "/contracts/<id>/amendments")
        | ("POST", "/clauses/<id>/edit")
        | ("POST", "/assignments/<id>/edit")
        | ("POST", "/assignments/<id>/replace")
        | ("POST", "/assignments/<id>/delete")
        | ("POST", "/placements/<id>/edit")
        | ("POST", "/placements/<id>/cancel")
        | ("POST", "/organisations/<id>/edit")
        | ("POST", "/admin/users/<id>/edit") => {
            let mut d = d.id(correction_record(path));
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "version": {"type": "string", "description": "The record's version the form was filled from, sent as If-Match"},
                "reason": {"type": "string", "description": "Why (kept in the record's history), where the route takes one"}
            })));
            d.redirect(303, "Done: to the record's page with its notice")
                .html(200, HTMX_REFUSED)
        }
        ("POST", "/api/v1/placements/<id>/follow-ups") => d
            .id("placement")
            .json_body(s.input::<crate::api::follow_ups::FollowUpInput>())
            .json(
                201,
                "The follow-up recorded (a second one for the same months: 409 \
                 `follow_up_already_recorded` with `existing_id`)",
                s.named::<crate::app::follow_ups::FollowUpView>(),
            ),
        ("GET", "/api/v1/follow-ups") => d
            .query(
                "due",
                raw(json!({"type": "boolean"})),
                "true: the follow-ups due and not recorded yet, oldest due first; otherwise \
                 the recorded ones, latest first",
            )
            .paged()
            .json(200, ok, s.list::<crate::api::follow_ups::FollowUpLine>()),
        ("GET", "/api/v1/follow-ups/settings") => d.json(
            200,
            ok,
            s.named::<crate::app::follow_ups::FollowUpSettings>(),
        ),
        ("POST", "/people/placements/<id>/follow-ups") => {
            let mut d = d.id("placement");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "months": {"type": "string", "description": "6 or 12"},
                "situation": {"type": "string"},
                "observed_on": {"type": "string", "description": "AAAA-MM-JJ"},
                "source": {"type": "string"}
            })));
            d.redirect(303, "Recorded: to the person's page with its notice")
                .html(
                    200,
                    "The person's page with each error beside its field, answered with status \
                     409 or 422: nothing is stored",
                )
        }
        ("GET", "/follow-ups") => d
            .query(
                "page",
                query_text(),
                "The page of the list, from 1 (50 a page)",
            )
            .html(200, "The follow-ups due and not recorded")
            .redirect(303, "No session: to the login page"),
        ("GET", "/api/v1/follow-ups/<id>") => d.id("follow-up").etag().json(
            200,
            ok,
            s.named::<crate::app::follow_ups::FollowUpView>(),
        ),
        ("PATCH", "/api/v1/follow-ups/<id>") => d
            .id("follow-up")
            .json_body(s.input::<crate::app::follow_ups::FollowUpPatch>())
            .if_match()
            .json(
                200,
                "The corrected follow-up",
                s.named::<crate::app::follow_ups::FollowUpView>(),
            ),
        ("GET", "/api/v1/follow-ups/<id>/history") => {
            d.id("follow-up")
                .json(200, ok, s.array::<crate::store::history::HistoryEntry>())
        }
        ("GET", "/follow-ups/<id>/edit") => d
            .id("follow-up")
            .html(
                200,
                "The form, carrying the follow-up's version, with its history",
            )
            .redirect(303, "No session: to the login page"),
        ("POST", "/follow-ups/<id>/edit") => {
            let mut d = d.id("follow-up");
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "version": {"type": "string", "description": "The follow-up's version the form was filled from, sent as If-Match"},
                "situation": {"type": "string"},
                "observed_on": {"type": "string", "description": "AAAA-MM-JJ"},
                "source": {"type": "string"}
            })));
            d.redirect(303, "Corrected: to the person's page with its notice")
                .html(200, HTMX_REFUSED)
        }
        // Settings (issue 20).
        ("GET", "/api/v1/settings/pnad-targets/<year>") => d
            .path(
                "year",
                raw(json!({"type": "integer"})),
                "The year, YYYY (anything else: 422 year_malformed)",
            )
            .json(200, ok, s.named::<crate::app::settings::PnadTargets>()),
        ("PUT", "/api/v1/settings/pnad-targets/<year>") => d
            .path(
                "year",
                raw(json!({"type": "integer"})),
                "The year, YYYY (anything else: 422 year_malformed)",
            )
            .json_body(s.input::<crate::app::settings::PnadTargetsInput>())
            .json(200, ok, s.named::<crate::app::settings::PnadTargets>()),
        ("GET", "/api/v1/settings/calibration") => {
            d.json(200, ok, s.named::<crate::app::settings::Calibration>())
        }
        ("PUT", "/api/v1/settings/calibration") => d
            .json_body(s.input::<crate::app::settings::CalibrationInput>())
            .json(200, ok, s.named::<crate::app::settings::Calibration>()),
        ("GET", "/settings") => d
            .query(
                "annee",
                query_text(),
                "The year of the PNAD targets shown (this year by default)",
            )
            .query("fait", query_text(), "The change just made, for its notice")
            .html(
                200,
                "The settings: forms for an administrator, read-only for a facilitator",
            )
            .redirect(303, "No session: to the login page"),
        ("POST", "/settings/pnad-targets") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "year": {"type": "string", "description": "AAAA"},
                "social_percent": {"type": "string", "description": "Whole percent, 0 to 100"},
                "environmental_percent": {"type": "string", "description": "Whole percent, 0 to 100"}
            })));
            d.redirect(303, "Saved: back to the settings page with its notice")
                .html(200, "The settings page with each error beside its field, answered with status 422: nothing is stored")
        }
        ("POST", "/settings/calibration") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "insertion_rate_percent": {"type": "string", "description": "Percent, typed the French way (5,5)"},
                "hourly_cost_eur": {"type": "string", "description": "Euros, typed the French way"}
            })));
            d.redirect(303, "Saved: back to the settings page with its notice")
                .html(200, "The settings page with each error beside its field, answered with status 422: nothing is stored")
        }
        ("POST", "/settings/follow-ups") => {
            let mut d = d;
            d.body = Some(form_body(json!({
                "csrf_token": {"type": "string"},
                "twelve_months": {"type": "string", "enum": ["on"], "description": "Ticked: a follow-up 12 months after each exit too"}
            })));
            d.redirect(303, "Saved: back to the settings page with its notice")
        }
        ("PUT", "/api/v1/follow-ups/settings") => d
            .json_body(s.input::<crate::app::follow_ups::FollowUpSettings>())
            .json(
                200,
                ok,
                s.named::<crate::app::follow_ups::FollowUpSettings>(),
            ),
        _ => return None,
    })
}

/// The record a correction page's `<id>` names.
fn correction_record(path: &str) -> &'static str {
    match path.split('/').nth(1) {
        Some("contracts") => "contract",
        Some("clauses") => "clause",
        Some("assignments") => "assignment",
        Some("placements") => "placement",
        Some("organisations") => "organisation",
        _ => "account",
    }
}

/// The 200 of the people pages' forms: what an htmx request gets when the form is refused.
const HTMX_REFUSED: &str = "An htmx request refused: the page again with what went wrong beside \
                            the fields (htmx swaps only successful answers; a browser's form gets \
                            the same page with 409, 412 or 422)";

/// Rules of body fields that the use cases check and the fields' types do not carry, said
/// in the document so that a body valid by the document is not refused for them. Answers
/// the refinements that found no such field (a test wants none).
fn refine_inputs(s: &mut Schemas) -> Vec<&'static str> {
    let password = || {
        string()
            .min_length(Some(crate::auth::password::PASSWORD_MIN_CHARS))
            .max_length(Some(limits::PASSWORD_MAX))
            .pattern(Some(SINGLE_LINE))
            .description(Some(format!(
                "At least {} characters, on one line.",
                crate::auth::password::PASSWORD_MIN_CHARS
            )))
    };
    let hours_target = ObjectBuilder::new()
        .schema_type(Type::Number)
        .exclusive_minimum(Some(0))
        .description(Some(
            "The hours given to the contractor: more than 0, with at most two decimals; all \
             the assignments of a clause total at most its hours.",
        ))
        .examples([json!(350)]);
    let mut missed = Vec::new();
    for (component, property, schema) in [
        ("CreateUser", "password", password()),
        ("PasswordChange", "new_password", password()),
        ("AssignmentInput", "hours_target", hours_target),
    ] {
        if !s.refine(component, property, schema) {
            missed.push(property);
        }
    }
    missed
}

/// The 422 of an import: the refused rows (`{line, field, code, message}`, the first 100) and
/// their count, or the field errors of a refused parameter or file. A component of its own
/// (`ImportProblem`), with the members of `Problem`.
fn import_problem(s: &mut Schemas) -> RefOr<Schema> {
    s.named::<crate::domain::hours::ImportError>();
    let text = || string();
    let schema = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("type", text())
        .required("type")
        .property("title", text())
        .required("title")
        .property("status", integer())
        .required("status")
        .property("detail", text())
        .required("detail")
        .property(
            "errors",
            ArrayBuilder::new().max_items(Some(100)).items(
                utoipa::openapi::schema::AnyOfBuilder::new()
                    .item(Ref::from_schema_name("ImportError"))
                    .item(Ref::from_schema_name("FieldError")),
            ),
        )
        .property(
            "error_count",
            integer()
                .minimum(Some(1))
                .description(Some("How many rows were refused (all are, when one is)")),
        )
        .description(Some(
            "A refused import: nothing was stored. Each refused row names its line.",
        ));
    s.0.insert("ImportProblem".into(), schema.into());
    Ref::from_schema_name("ImportProblem").into()
}

fn form_body(properties: Value) -> RequestBody {
    RequestBodyBuilder::new()
        .content(
            "application/x-www-form-urlencoded",
            ContentBuilder::new()
                .schema(Some(raw(
                    json!({"type": "object", "properties": properties}),
                )))
                .build(),
        )
        .build()
}

/// The filters shared by the report's answers and page.
fn report_filters(d: Described) -> Described {
    d.query(
        "territory",
        query_text(),
        "Only this territory (a département code, e.g. 93)",
    )
    .query("buyer_id", id(), "Only contracts of this buyer")
    .query(
        "contractor_id",
        id(),
        "Only hours worked for this contractor",
    )
    .query(
        "clause_kind",
        query_text(),
        "Only clauses of this kind (e.g. execution, reserved)",
    )
    .query(
        "structure_id",
        id(),
        "A funder reading several structures: only this one",
    )
}

/// The `dialect` of a CSV download (`domain::spreadsheet::CsvDialect`).
fn csv_dialect() -> ObjectBuilder {
    string().enum_values(Some(crate::domain::spreadsheet::CsvDialect::CODES))
}

/// The two parameters of the SPASER evaluation, both required.
fn spaser_params(d: Described) -> Described {
    d.required_query(
        "buyer_id",
        id(),
        "The buyer (an organisation of kind buyer the caller may read; else 404)",
    )
    .required_query(
        "year",
        year(),
        "The calendar year evaluated; the year before is given beside it (422, \
         period_year_malformed, outside 1991-2100)",
    )
}

/// The eight parameters of the annual report.
fn report_params(d: Described) -> Described {
    let d = d
        .query(
            "year",
            year(),
            "The calendar year. Give either `year`, or both `from` and `to`: one of the two \
             is required, and `year` with `from` or `to` is refused (422, \
             period_year_and_months)",
        )
        .query(
            "from",
            month_text(),
            "First month of a period of at most 120 months: with `to`, never with `year`",
        )
        .query(
            "to",
            month_text(),
            "Last month of the period, not before `from`: with `from`, never with `year`",
        );
    report_filters(d)
}

fn http_method(m: rocket::http::Method) -> Option<HttpMethod> {
    use rocket::http::Method as M;
    Some(match m {
        M::Get => HttpMethod::Get,
        M::Post => HttpMethod::Post,
        M::Put => HttpMethod::Put,
        M::Delete => HttpMethod::Delete,
        M::Patch => HttpMethod::Patch,
        _ => return None,
    })
}

/// `/api/v1/clauses/<id>/progress` -> `/api/v1/clauses/{id}/progress`
fn openapi_path(rocket_path: &str) -> String {
    rocket_path
        .split('/')
        .map(
            |seg| match seg.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
                Some(name) => format!("{{{}}}", name.trim_end_matches("..")),
                None => seg.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// The problem statuses a route can answer, from who may call it and what it reads.
fn problem_statuses(entry: Option<&access::Access>, method: &str, d: &Described) -> Vec<u16> {
    let mut statuses = Vec::new();
    let authenticated = entry.is_some_and(|a| !a.roles.is_empty());
    let has_query = d
        .params
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Query);
    let has_path = d.params.iter().any(|p| p.parameter_in == ParameterIn::Path);
    if d.body.is_some() {
        statuses.extend([400, 413, 415]);
    }
    if authenticated {
        statuses.extend([401, 403, 404]);
    } else if has_path {
        statuses.push(404);
    }
    if authenticated && matches!(method, "POST" | "PUT" | "PATCH" | "DELETE") {
        statuses.push(409);
    }
    if d.if_match {
        statuses.push(412);
    }
    if d.body.is_some() || has_query || has_path {
        statuses.push(422);
    }
    if entry.is_some_and(|a| a.path == "/api/v1/auth/login" || a.path == "/login") {
        statuses.extend([401, 429]);
    }
    if entry.is_some_and(|a| a.path == "/api/v1/auth/password-reset") {
        statuses.push(429);
    }
    // Every page form (a POST outside the API) checks the page's anti-forgery secret.
    if entry.is_some_and(|a| !a.path.starts_with("/api/")) && method == "POST" {
        statuses.push(403);
    }
    // The correction form of a person carries the record's version: changed meanwhile,
    // 412 (the page shows the current values beside what was typed).
    if entry.is_some_and(|a| a.path == "/people/<id>/edit") && method == "POST" {
        statuses.push(412);
    }
    // So do the correction pages of the other records (pages::corrections_records).
    if method == "POST"
        && entry.is_some_and(|a| {
            a.path != "/contracts/<id>/amendments"
                && crate::pages::corrections_records::CORRECTION_FORMS.contains(&a.path)
        })
    {
        statuses.push(412);
    }
    // A forgotten-password request is throttled like the API's.
    if entry.is_some_and(|a| a.path == "/password/forgot") && method == "POST" {
        statuses.push(429);
    }
    statuses.extend([500, 503]);
    statuses.sort_unstable();
    statuses.dedup();
    statuses
}

fn problem_response(status: u16, page: bool, schema: Option<RefOr<Schema>>) -> Response {
    let reason = rocket::http::Status::from_code(status)
        .and_then(|s| s.reason())
        .unwrap_or("Error");
    let mut r = ResponseBuilder::new()
        .description(format!("{reason}: a problem (RFC 9457)"))
        .content(
            PROBLEM,
            ContentBuilder::new()
                .schema(Some(
                    schema.unwrap_or_else(|| Ref::from_schema_name("Problem").into()),
                ))
                .build(),
        );
    if page {
        r = r.content(
            HTML,
            ContentBuilder::new()
                .schema(Some(string().content_media_type(HTML)))
                .build(),
        );
    }
    if matches!(status, 429 | 503) {
        r = r.header(
            "Retry-After",
            utoipa::openapi::HeaderBuilder::new()
                .schema(integer())
                .description(Some("Seconds to wait before trying again"))
                .build(),
        );
    }
    r.build()
}

/// The document for the routes mounted at `/api/v1` plus the service routes and pages.
pub fn document(v1: &[rocket::Route]) -> OpenApi {
    let mut schemas = Schemas::default();
    schemas.named::<Problem>();
    let mut paths = Paths::new();
    let service = [
        (rocket::http::Method::Get, "/health".to_string()),
        (rocket::http::Method::Get, "/ready".to_string()),
        (
            rocket::http::Method::Get,
            "/api/v1/openapi.json".to_string(),
        ),
    ];
    let pages = crate::pages::routes()
        .into_iter()
        .map(|r| (r.method, r.uri.path().to_string()));
    let api = v1.iter().map(|r| {
        let path = format!("/api/v1{}", r.uri.path())
            .trim_end_matches('/')
            .to_string();
        (r.method, path)
    });
    let mut seen = std::collections::HashSet::new();
    for (m, rocket_path) in service.into_iter().chain(pages).chain(api) {
        let Some(method) = http_method(m) else {
            continue;
        };
        // Two handlers of one route (the multipart and the raw hours import) are one
        // operation.
        if !seen.insert((m, rocket_path.clone())) {
            continue;
        }
        let entry = access::lookup(m.as_str(), &rocket_path);
        let (summary, roles) = match entry {
            Some(a) => (a.summary.to_string(), access::describe(a.roles)),
            None => (rocket_path.clone(), "Roles: see the API guide.".to_string()),
        };
        let described = describe_with(m.as_str(), &rocket_path, &mut schemas).unwrap_or_default();
        let mut op = OperationBuilder::new()
            .summary(Some(summary))
            .description(Some(roles))
            .operation_id(Some(operation_id(m.as_str(), &rocket_path)));
        if entry.is_some_and(|a| !a.roles.is_empty()) {
            op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
            // A page is also asked for without a token: it then sends to the login page.
            if described.page {
                op = op.security(SecurityRequirement::default());
            }
        }
        for p in described.params.iter().cloned() {
            op = op.parameter(p);
        }
        if let Some(body) = described.body.clone() {
            op = op.request_body(Some(body));
        }
        for (status, response) in described.responses.iter().cloned() {
            op = op.response(status.to_string(), response);
        }
        for status in problem_statuses(entry, m.as_str(), &described) {
            if described.responses.iter().any(|(s, _)| *s == status) {
                continue;
            }
            let schema = described
                .problems
                .iter()
                .find(|(s, _)| *s == status)
                .map(|(_, schema)| schema.clone());
            op = op.response(
                status.to_string(),
                problem_response(status, described.page, schema),
            );
        }
        paths.add_path_operation(openapi_path(&rocket_path), vec![method], op.build());
    }
    for missed in refine_inputs(&mut schemas) {
        tracing::warn!("OpenAPI: no body field {missed} to refine");
    }
    let mut components = ComponentsBuilder::new().security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    for (name, schema) in schemas.0 {
        components = components.schema(name, schema);
    }
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("clausier")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Clauses sociales d'insertion: clauses, parcours, heures, relances et bilans. \
                     Errors are application/problem+json (RFC 9457): `errors` lists each broken \
                     rule as {field, code, message}, `code` stable for programs, `message` in \
                     French for people. Amounts are decimal euros and hours decimal hours, with \
                     at most two decimals.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .build();
    doc.servers = None;
    doc
}

/// `GET /api/v1/clauses/<id>` -> `get_api_v1_clauses_id`
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for part in path.split(|c: char| !c.is_ascii_alphanumeric()) {
        if !part.is_empty() {
            id.push('_');
            id.push_str(part);
        }
    }
    id
}

/// Times are written without an offset (`2026-11-27T10:00:00`, UTC): not the RFC 3339
/// `date-time` format that chrono's schema names, so the format is replaced by a pattern.
fn fix_formats(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else {
        return;
    };
    match schema {
        Schema::Object(o) => {
            if o.format == Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)) {
                o.format = None;
                o.pattern = Some(
                    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?$".into(),
                );
                o.description.get_or_insert_with(|| {
                    "A UTC time written YYYY-MM-DDTHH:MM:SS, without an offset".into()
                });
            }
            o.properties.values_mut().for_each(fix_formats);
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                fix_formats(items);
            }
        }
        Schema::OneOf(x) => x.items.iter_mut().for_each(fix_formats),
        Schema::AllOf(x) => x.items.iter_mut().for_each(fix_formats),
        Schema::AnyOf(x) => x.items.iter_mut().for_each(fix_formats),
        _ => {}
    }
}

/// Dates of a request body: only the days of 1990 to 2100 are taken (`limits::date`).
fn bound_dates(schema: &mut RefOr<Schema>) {
    let RefOr::T(schema) = schema else {
        return;
    };
    match schema {
        Schema::Object(o) => {
            if o.format == Some(SchemaFormat::KnownFormat(KnownFormat::Date)) {
                o.pattern = Some(format!("^{}$", day_pattern()));
                o.description = Some(day_description());
            }
            o.properties.values_mut().for_each(bound_dates);
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                bound_dates(items);
            }
        }
        Schema::OneOf(x) => x.items.iter_mut().for_each(bound_dates),
        Schema::AllOf(x) => x.items.iter_mut().for_each(bound_dates),
        Schema::AnyOf(x) => x.items.iter_mut().for_each(bound_dates),
        _ => {}
    }
}

/// Swagger UI at /docs and the document at /api/v1/openapi.json.
pub fn routes(doc: OpenApi) -> Vec<rocket::Route> {
    SwaggerUi::new("/docs/<_..>")
        .url("/api/v1/openapi.json", doc)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_of_the_access_table_describes_its_body_and_answers() {
        for a in access::ROUTES {
            let d = describe(a.method, a.path)
                .unwrap_or_else(|| panic!("{} {} is not described", a.method, a.path));
            assert!(
                !d.success_statuses().is_empty(),
                "{} {} has no successful answer described",
                a.method,
                a.path
            );
            if matches!(a.method, "POST" | "PUT") {
                let bodiless = [
                    "/api/v1/auth/logout",
                    "/api/v1/clauses/<id>/activate",
                    "/api/v1/clauses/<id>/complete",
                    "/api/v1/clauses/<id>/cancel",
                    "/api/v1/needs/<id>/close",
                    "/api/v1/milestones/<id>/done",
                    "/api/v1/notifications/<id>/retry",
                    "/api/v1/users/<id>/invitation",
                ];
                assert_eq!(
                    d.has_body(),
                    !bodiless.contains(&a.path),
                    "{} {}: its body is not described as it is read",
                    a.method,
                    a.path
                );
            }
        }
    }

    #[test]
    fn every_refinement_of_a_body_field_finds_its_field() {
        let mut s = Schemas::default();
        for a in access::ROUTES {
            describe_with(a.method, a.path, &mut s);
        }
        assert_eq!(refine_inputs(&mut s), Vec::<&str>::new());
    }

    #[test]
    fn the_day_pattern_takes_real_days_of_1990_to_2100_only() {
        let schema = json!({"type": "string", "pattern": format!("^{}$", day_pattern())});
        let re = jsonschema::validator_for(&schema).unwrap();
        for good in [
            "1990-01-01",
            "2100-12-31",
            "2024-02-29",
            "2000-02-29",
            "2026-04-30",
        ] {
            assert!(re.is_valid(&json!(good)), "{good}");
        }
        for bad in [
            "1989-12-31",
            "2101-01-01",
            "2026-02-30",
            "2025-02-29",
            "2100-02-29",
            "2026-04-31",
            "2026-1-05",
            "",
        ] {
            assert!(!re.is_valid(&json!(bad)), "{bad}");
        }
    }

    #[test]
    fn every_mounted_route_is_described_with_schemas_that_resolve() {
        let v1 = crate::api::v1_routes();
        let doc = serde_json::to_value(document(&v1)).unwrap();
        let text = doc.to_string();
        let components = &doc["components"]["schemas"];
        for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = piece.split('"').next().unwrap();
            assert!(
                components.get(name).is_some(),
                "{name} is referenced but not among the components"
            );
        }
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                assert!(
                    responses
                        .keys()
                        .any(|s| s.starts_with('2') || s.starts_with('3')),
                    "{method} {path}: no successful answer"
                );
                assert!(
                    !responses.contains_key("default"),
                    "{method} {path}: a default answer instead of statuses"
                );
            }
        }
    }
}
