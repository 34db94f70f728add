//! The OpenAPI document, built from the mounted routes themselves so that it describes
//! every route, with who may call each (from `api::access`). Served at
//! `/api/v1/openapi.json`; the docs page at `/docs` uses vendored Swagger UI assets.

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Required, ResponseBuilder,
};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::access;

fn method(m: rocket::http::Method) -> Option<HttpMethod> {
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

/// `/api/v1/clauses/<id>/progress` -> (`/api/v1/clauses/{id}/progress`, ["id"])
fn openapi_path(rocket_path: &str) -> (String, Vec<String>) {
    let mut names = Vec::new();
    let segments: Vec<String> = rocket_path
        .split('/')
        .map(|seg| {
            if let Some(name) = seg.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
                let name = name.trim_end_matches("..").to_string();
                names.push(name.clone());
                format!("{{{name}}}")
            } else {
                seg.to_string()
            }
        })
        .collect();
    (segments.join("/"), names)
}

/// The document for the routes mounted at `/api/v1` plus the service routes.
pub fn document(v1: &[rocket::Route]) -> OpenApi {
    let mut paths = Paths::new();
    let service: Vec<(rocket::http::Method, String, Option<String>)> = vec![
        (rocket::http::Method::Get, "/health".into(), None),
        (rocket::http::Method::Get, "/ready".into(), None),
        (
            rocket::http::Method::Get,
            "/api/v1/openapi.json".into(),
            None,
        ),
    ];
    // Pages for people, mounted at `/` (HTML, session cookie).
    let pages: Vec<(rocket::http::Method, String, Option<String>)> = crate::api::pages::routes()
        .iter()
        .map(|r| {
            (
                r.method,
                r.uri.path().to_string(),
                r.uri.query().map(|q| q.to_string()),
            )
        })
        .collect();
    let service = service.into_iter().chain(pages);
    let api = v1.iter().map(|r| {
        let path = format!("/api/v1{}", r.uri.path())
            .trim_end_matches('/')
            .to_string();
        (r.method, path, r.uri.query().map(|q| q.to_string()))
    });
    for (m, rocket_path, query) in service.into_iter().chain(api) {
        let Some(http_method) = method(m) else {
            continue;
        };
        let (path, path_params) = openapi_path(&rocket_path);
        let entry = access::lookup(m.as_str(), &rocket_path);
        let (summary, roles) = match entry {
            Some(a) => (a.summary.to_string(), access::describe(a.roles)),
            None => (rocket_path.clone(), "Roles: see the API guide.".to_string()),
        };
        let mut op = OperationBuilder::new()
            .summary(Some(summary))
            .description(Some(roles))
            .response(
                "default",
                ResponseBuilder::new()
                    .description("A JSON body, or an application/problem+json error")
                    .build(),
            );
        if entry.is_some_and(|a| !a.roles.is_empty()) {
            op = op.security(SecurityRequirement::new("bearer", Vec::<String>::new()));
        }
        for name in path_params {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .build(),
            );
        }
        if let Some(q) = query {
            for seg in q.split('&') {
                if let Some(name) = seg.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
                    op = op.parameter(
                        ParameterBuilder::new()
                            .name(name.trim_end_matches(".."))
                            .parameter_in(ParameterIn::Query)
                            .required(Required::False)
                            .build(),
                    );
                }
            }
        }
        paths.add_path_operation(path, vec![http_method], op.build());
    }
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("clausier")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Clauses sociales d'insertion: clauses, parcours, heures, relances et bilans. \
                     Errors are application/problem+json (RFC 9457).",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(
            ComponentsBuilder::new()
                .security_scheme(
                    "bearer",
                    SecurityScheme::Http(
                        HttpBuilder::new()
                            .scheme(HttpAuthScheme::Bearer)
                            .bearer_format("JWT")
                            .build(),
                    ),
                )
                .build(),
        ))
        .build();
    doc.servers = None;
    doc
}

/// Swagger UI at /docs and the document at /api/v1/openapi.json.
pub fn routes(doc: OpenApi) -> Vec<rocket::Route> {
    SwaggerUi::new("/docs/<_..>")
        .url("/api/v1/openapi.json", doc)
        .into()
}
