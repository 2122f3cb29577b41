//! The OpenAPI 3 document of `/api/v1`, served at `GET /api/v1/openapi.json` (public: it
//! describes shapes, holds no data, and an integrator reads it before having credentials).
//! Generated, never written by hand: the paths, methods, path parameters and who may call each
//! route come from the route table ([`ROUTES`]); the bodies from the Rust types the handlers
//! use (`#[derive(utoipa::ToSchema)]`), named per route in [`table::DOCS`]. A route of
//! `/api/v1` without an entry there fails `tests/manager_openapi.rs`, which says what to add.

pub mod table;

use axum::Json;
use axum::http::Method;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    AllOfBuilder, ArrayBuilder, ComponentsBuilder, ObjectBuilder, Schema, Type,
};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    Content, InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr, Required, ResponseBuilder,
};

use super::auth::Role;
use super::error::ErrorBody;
use super::routes::{Access, ROUTES, Route};
pub use table::{Body, DOCS, Doc, QueryFn};

/// The schemas a document refers to, collected while its paths are built.
pub type Schemas = Vec<(String, RefOr<Schema>)>;

/// Registers `T` (and the types it refers to) and answers a reference to it.
pub fn schema<T: utoipa::ToSchema>(out: &mut Schemas) -> RefOr<Schema> {
    T::schemas(out);
    out.push((T::name().into_owned(), T::schema()));
    RefOr::Ref(Ref::from_schema_name(T::name()))
}

fn integer(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
            utoipa::openapi::schema::KnownFormat::Int64,
        )))
        .description(Some(description))
}

const NEXT_CURSOR: &str = "Pass as `cursor` for the next page; absent or null on the last page.";

/// `{items, next_cursor}`.
fn page(item: RefOr<Schema>, next_cursor: ObjectBuilder) -> RefOr<Schema> {
    ObjectBuilder::new()
        .property("items", ArrayBuilder::new().items(item))
        .required("items")
        .property("next_cursor", next_cursor)
        .build()
        .into()
}

/// The JSON schema of a body, or `None` for no body.
fn body_schema(body: Body, out: &mut Schemas) -> Option<RefOr<Schema>> {
    Some(match body {
        Body::None => return None,
        Body::One(f) => f(out),
        Body::List(f) => ArrayBuilder::new().items(f(out)).build().into(),
        Body::Page(f) => page(f(out), integer(NEXT_CURSOR)),
        Body::Listing(f) => page(
            f(out),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(NEXT_CURSOR)),
        ),
        Body::WithPassword(f) => RefOr::T(Schema::AllOf(
            AllOfBuilder::new()
                .item(f(out))
                .item(
                    ObjectBuilder::new()
                        .property(
                            "one_time_password",
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .description(Some(
                                    "Shown only now; must be changed at the first login.",
                                )),
                        )
                        .required("one_time_password"),
                )
                .build(),
        )),
        Body::Free(what) => ObjectBuilder::new().description(Some(what)).build().into(),
        Body::FreeList(what) => ArrayBuilder::new()
            .items(ObjectBuilder::new())
            .description(Some(what))
            .build()
            .into(),
    })
}

/// What a path parameter names.
fn parameter(name: &str) -> Parameter {
    let (id, what) = match name {
        "reseller" => (true, "A reseller's id (404 outside the caller's scope)."),
        "hotspot" => (true, "A hotspot's id (404 outside the caller's scope)."),
        "account" => (
            true,
            "A customer or desk account's id (404 outside the caller's scope).",
        ),
        "token" => (true, "One of the caller's own API tokens."),
        "mac" => (false, "A MAC address, e.g. 02:00:00:00:00:01."),
        "external_id" | "hotspot_external_id" | "account_external_id" => (
            false,
            "The platform's own id: 1-128 of letters, digits and . _ : @ -",
        ),
        _ => (true, "The id of an object inside the hotspot."),
    };
    let schema = if id {
        integer(what)
    } else {
        ObjectBuilder::new().schema_type(Type::String)
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(what))
        .schema(Some(schema))
        .build()
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Admin => "the admin only",
        Role::Reseller => "admin or reseller",
        Role::Customer => "admin, reseller or customer",
        Role::Desk => "any staff account",
    }
}

/// Who may call `route`, in words, and the security requirements that say it.
fn access(route: &Route) -> (String, Vec<SecurityRequirement>) {
    let none: [&str; 0] = [];
    let unsafe_method = route.method != Method::GET;
    let session = if unsafe_method {
        SecurityRequirement::new("session", none).add("csrf", none)
    } else {
        SecurityRequirement::new("session", none)
    };
    let token = SecurityRequirement::new("token", none);
    // A token never manages tokens (the guard's rule).
    let by_token = !route.path.starts_with("/api/v1/tokens");
    let accounts = if by_token {
        vec![session, token]
    } else {
        vec![session]
    };
    match route.access {
        Access::Public => ("Public.".into(), Vec::new()),
        Access::Account => ("Any logged-in account.".into(), accounts),
        Access::Role(r) => (
            format!(
                "Least role: {} ({}). An object outside the caller's scope answers 404.",
                r.as_str(),
                role_name(r)
            ),
            accounts,
        ),
        Access::MasterKey => (
            "The single-sign-on platform, with the master key in X-Master-Key; no account's \
             session or token."
                .into(),
            vec![SecurityRequirement::new("master_key", none)],
        ),
    }
}

fn http_method(m: &Method) -> HttpMethod {
    match *m {
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

/// The operation of `route`, described by `doc` (a bare one without).
fn operation(route: &Route, doc: Option<&Doc>, out: &mut Schemas) -> PathItem {
    let (who, security) = access(route);
    let mut op = OperationBuilder::new()
        .tag(route.path.split('/').nth(3).unwrap_or("api"))
        .description(Some(who))
        .securities(Some(security))
        .response(
            "default",
            ResponseBuilder::new()
                .description("An error, in the one error shape.")
                .content(
                    "application/json",
                    Content::new(Some(schema::<ErrorBody>(out))),
                ),
        );
    for name in route
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
    {
        op = op.parameter(parameter(name));
    }
    if let Some(doc) = doc {
        op = op.summary(Some(doc.summary));
        let page = matches!(doc.response, Body::Page(_)).then_some(table::page_args as QueryFn);
        for p in doc.query.or(page).map(|q| q()).unwrap_or_default() {
            op = op.parameter(p);
        }
        if let Some(s) = body_schema(doc.request, out) {
            op = op.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content("application/json", Content::new(Some(s)))
                    .build(),
            ));
        }
        let mut res = ResponseBuilder::new().description("Success.");
        if let Some(s) = body_schema(doc.response, out) {
            res = res.content("application/json", Content::new(Some(s)));
        }
        op = op.response(doc.status.to_string(), res);
    }
    PathItem::new(http_method(&route.method), op)
}

/// The document.
pub fn document() -> OpenApi {
    let mut schemas = Schemas::new();
    let mut paths = Paths::new();
    for route in ROUTES.iter().filter(|r| r.path.starts_with("/api/v1/")) {
        let doc = DOCS
            .iter()
            .find(|d| d.method == route.method.as_str() && d.path == route.path);
        let item = operation(route, doc, &mut schemas);
        match paths.paths.get_mut(route.path) {
            Some(existing) => existing.merge_operations(item),
            None => {
                paths.paths.insert(route.path.to_string(), item);
            }
        }
    }
    let cookie = ApiKeyValue::with_description(
        super::auth::session::COOKIE,
        "The browser session, set by POST /login (or a single-sign-on link).",
    );
    let csrf = ApiKeyValue::with_description(
        "X-CSRF-Token",
        "With a session cookie, every state-changing request carries the session's CSRF token \
         (GET /api/v1/me answers it as csrf_token).",
    );
    let master = ApiKeyValue::with_description(
        super::auth::master_key::HEADER,
        "The single-sign-on master key (made by the admin at /master-key). Never in a URL.",
    );
    let bearer = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .description(Some(
            "An API token (made at /tokens): read (GET only) or write scope; never on /api/v1/tokens.",
        ))
        .build();
    let components = ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)))
        .security_scheme("csrf", SecurityScheme::ApiKey(ApiKey::Header(csrf)))
        .security_scheme("token", SecurityScheme::Http(bearer))
        .security_scheme("master_key", SecurityScheme::ApiKey(ApiKey::Header(master)))
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("hotspotd Hotspot Manager API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "JSON under /api/v1. Errors: {\"error\": {\"code\", \"message\", \"field\"?}}. \
                     Lists page by cursor: pass a page's next_cursor as cursor.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components))
        .build()
}

/// `GET /api/v1/openapi.json`
pub async fn api() -> Json<OpenApi> {
    Json(document())
}
