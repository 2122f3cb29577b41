//! What each `/api/v1` route of the route table takes and answers, by the Rust types its
//! handler uses. Adding an API route means adding its line here (the test names the line to
//! add); the path, method, parameters and access come from the route table itself.

use super::{Schemas, schema};
use crate::manager::areas::listing::Filter;
use crate::manager::areas::{
    accounts, audit, dashboard, design, design_assets, devices, guest_rights, guests, hotspots,
    marketing, marketing_rows, password, preferences, reports, resellers, sessions, sso,
    sso_accounts, sso_login, tokens, units, voucher_batch, voucher_pages, vouchers,
};
use crate::manager::social::providers;

/// A list's query parameters, from the type its handler reads them into.
pub type QueryFn = fn() -> Vec<utoipa::openapi::path::Parameter>;

/// The query parameters of `T`.
fn params<T: utoipa::IntoParams>() -> Vec<utoipa::openapi::path::Parameter> {
    T::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query))
}

/// Registers a type's schema and answers a reference to it.
pub type SchemaFn = fn(&mut Schemas) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>;

/// A request or response body.
#[derive(Clone, Copy)]
pub enum Body {
    /// None.
    None,
    /// One JSON value of a type.
    One(SchemaFn),
    /// A JSON array of a type.
    List(SchemaFn),
    /// One page of a list: `{items, next_cursor}`, with the `cursor` and `limit` parameters.
    Page(SchemaFn),
    /// One page of a guests, devices or sessions list: as `Page`, its cursor a string
    /// (time and id), its parameters those of the list's filter.
    Listing(SchemaFn),
    /// An account just made: the type and its `one_time_password`, shown once.
    WithPassword(SchemaFn),
    /// A JSON object whose shape the hotspot settings document defines, described in words.
    Free(&'static str),
    /// A JSON array of such objects.
    FreeList(&'static str),
}

/// One API route's description.
pub struct Doc {
    /// Method, as in the route table.
    pub method: &'static str,
    /// Path, as in the route table.
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// The request body.
    pub request: Body,
    /// The success status.
    pub status: u16,
    /// The success body.
    pub response: Body,
    /// Query parameters beyond a page's `cursor` and `limit` (which they then include).
    pub query: Option<QueryFn>,
}

macro_rules! docs {
    ($($method:ident $path:literal $summary:literal:
       $req:ident $(($reqt:ty))? $(, $reqfree:literal)? => $status:literal $res:ident $(($rest:ty))? $(, $free:literal)?
       $(? $query:ty)?;)*) => {
        /// Every API route's description.
        pub static DOCS: &[Doc] = &[$(Doc {
            method: stringify!($method),
            path: $path,
            summary: $summary,
            request: Body::$req $((schema::<$reqt>))? $(($reqfree))?,
            status: $status,
            response: Body::$res $((schema::<$rest>))? $(($free))?,
            query: docs!(@query $($query)?),
        },)*];
    };
    (@query) => { None };
    (@query $query:ty) => { Some(params::<$query> as QueryFn) };
}

docs! {
    GET "/api/v1/openapi.json" "This document": None => 200 Free, "The OpenAPI 3 document.";
    GET "/api/v1/me" "The caller's account and its CSRF token": None => 200 One(password::Me);
    POST "/api/v1/me/password" "Change the caller's password": One(password::Change) => 204 None;
    GET "/api/v1/dashboard" "General figures in the caller's scope": None => 200 One(dashboard::Figures);
    GET "/api/v1/resellers" "Resellers": None => 200 Page(resellers::Reseller);
    POST "/api/v1/resellers" "Create a reseller and its account": One(resellers::NewReseller) => 201 WithPassword(resellers::Reseller);
    GET "/api/v1/resellers/{reseller}" "A reseller": None => 200 One(resellers::Reseller);
    PATCH "/api/v1/resellers/{reseller}" "Rename a reseller": One(resellers::EditReseller) => 200 One(resellers::Reseller);
    PUT "/api/v1/resellers/{reseller}/disabled" "Disable or enable a reseller": One(resellers::Disabled) => 200 One(resellers::Reseller);
    DELETE "/api/v1/resellers/{reseller}" "Delete a reseller with its hotspots and accounts": None => 200 One(resellers::Removed);
    POST "/api/v1/resellers/{reseller}/hotspots" "Create a hotspot": One(hotspots::Fields) => 201 One(hotspots::Hotspot);
    GET "/api/v1/hotspots" "Hotspots in the caller's scope": None => 200 Page(hotspots::Listed);
    GET "/api/v1/hotspots/{hotspot}" "A hotspot": None => 200 One(hotspots::Hotspot);
    PUT "/api/v1/hotspots/{hotspot}" "Replace a hotspot's fields": One(hotspots::Fields) => 200 One(hotspots::Hotspot);
    DELETE "/api/v1/hotspots/{hotspot}" "Delete a hotspot and its accounts": None => 200 One(hotspots::Removed);
    GET "/api/v1/hotspots/{hotspot}/accounts" "The hotspot's customer and desk accounts": None => 200 List(accounts::HotspotAccount);
    POST "/api/v1/hotspots/{hotspot}/accounts" "Create the hotspot's customer or desk account": One(accounts::NewAccount) => 201 WithPassword(accounts::HotspotAccount);
    POST "/api/v1/accounts/{account}/password" "A new one-time password": None => 200 WithPassword(accounts::HotspotAccount);
    DELETE "/api/v1/accounts/{account}" "Delete a customer or desk account": None => 200 One(accounts::HotspotAccount);
    GET "/api/v1/audit" "The audit log, newest first": None => 200 Page(audit::Entry);
    GET "/api/v1/hotspots/{hotspot}/preferences" "Technical preferences": None => 200 Free, "{revision, fields}: each field's path, value and kind, from the hotspot settings document.";
    PATCH "/api/v1/hotspots/{hotspot}/preferences" "Change technical preferences": One(preferences::Patch) => 200 Free, "{revision, fields}, as GET answers.";
    GET "/api/v1/hotspots/{hotspot}/macs" "MAC addresses allowed": None => 200 FreeList, "The settings document's allow_macs list: mac, note, down, up.";
    POST "/api/v1/hotspots/{hotspot}/macs" "Allow a MAC address": One(crate::manager::areas::macs::NewMac) => 201 FreeList, "The allow_macs list after the change.";
    DELETE "/api/v1/hotspots/{hotspot}/macs/{mac}" "Stop allowing a MAC address": None => 200 FreeList, "The allow_macs list after the change.";
    GET "/api/v1/hotspots/{hotspot}/social-providers" "Social login providers (never their secrets)": None => 200 List(providers::View);
    PUT "/api/v1/hotspots/{hotspot}/social-providers/{provider}" "Add or change a social login provider (an empty client_secret keeps the stored one)": One(providers::Input) => 200 One(providers::View);
    DELETE "/api/v1/hotspots/{hotspot}/social-providers/{provider}" "Remove a social login provider": None => 204 None;
    GET "/api/v1/hotspots/{hotspot}/units" "Units and registration tokens": None => 200 Free, "{units: [Unit], tokens: [UnitToken]}.";
    POST "/api/v1/hotspots/{hotspot}/unit-tokens" "Make a unit registration token": One(units::NewToken) => 201 One(units::Created);
    DELETE "/api/v1/hotspots/{hotspot}/unit-tokens/{unit_token}" "Revoke a unit registration token": None => 204 None;
    PUT "/api/v1/hotspots/{hotspot}/units/{unit}/removed" "Remove a unit (it stops syncing and is told the reason)": One(units::Removal) => 204 None;
    GET "/api/v1/hotspots/{hotspot}/guests" "Guests (also `online`: connected now)": None => 200 Listing(guests::Guest) ? Filter;
    DELETE "/api/v1/hotspots/{hotspot}/guests/{guest}" "Delete a guest": None => 204 None;
    GET "/api/v1/hotspots/{hotspot}/guests/{guest}/data" "A guest's data (access request): identity, devices, sessions, consent ledger, answers, social profile": None => 200 Free, "{guest, devices, sessions, consents, answers}; audited.";
    POST "/api/v1/hotspots/{hotspot}/guests/{guest}/erase" "Erase a guest's personal data here and on every unit (sessions and consent ledger kept anonymised)": None => 200 One(guest_rights::Erased);
    GET "/api/v1/hotspots/{hotspot}/retention" "Retention of guests' data": None => 200 One(guest_rights::Retention);
    PUT "/api/v1/hotspots/{hotspot}/retention" "Change the retention of guests' data": One(guest_rights::Retention) => 200 One(guest_rights::Retention);
    GET "/api/v1/hotspots/{hotspot}/devices" "Devices": None => 200 Listing(devices::Device) ? Filter;
    GET "/api/v1/hotspots/{hotspot}/sessions" "Sessions, live and history": None => 200 Listing(sessions::Session) ? Filter;
    GET "/api/v1/hotspots/{hotspot}/vouchers" "Vouchers": None => 200 Page(vouchers::Voucher) ? voucher_pages::Filter;
    POST "/api/v1/hotspots/{hotspot}/vouchers" "Create a voucher batch": One(voucher_batch::BatchRequest) => 201 One(voucher_batch::Created);
    PUT "/api/v1/hotspots/{hotspot}/vouchers/portal" "Where voucher QR codes lead": One(voucher_pages::Portal) => 204 None;
    PUT "/api/v1/hotspots/{hotspot}/vouchers/{voucher}/revoked" "Revoke a voucher": None => 204 None;
    DELETE "/api/v1/hotspots/{hotspot}/vouchers/{voucher}" "Delete a voucher": None => 204 None;
    GET "/api/v1/hotspots/{hotspot}/voucher-batches" "Voucher batches": None => 200 List(vouchers::Batch);
    GET "/api/v1/tokens" "The caller's API tokens": None => 200 List(tokens::Token);
    POST "/api/v1/tokens" "Make an API token (its value shown once)": One(tokens::NewToken) => 201 One(tokens::Made);
    DELETE "/api/v1/tokens/{token}" "Revoke an API token": None => 204 None;
    GET "/api/v1/hotspots/{hotspot}/profiles" "Profiles": None => 200 Free, "A page of profiles: {items: [model::entities::Profile], next_cursor}." ? crate::manager::areas::PageArgs;
    POST "/api/v1/hotspots/{hotspot}/profiles" "Create a profile": Free, "model::profile::spec::ProfileSpec" => 201 Free, "The profile (model::entities::Profile).";
    GET "/api/v1/hotspots/{hotspot}/profiles/{profile}" "A profile": None => 200 Free, "model::entities::Profile";
    PUT "/api/v1/hotspots/{hotspot}/profiles/{profile}" "Replace a profile": Free, "model::profile::spec::ProfileSpec" => 200 Free, "model::entities::Profile";
    DELETE "/api/v1/hotspots/{hotspot}/profiles/{profile}" "Delete a profile": None => 204 None;
    PUT "/api/v1/hotspots/{hotspot}/profiles/{profile}/limitations/{limitation}" "Attach a limitation to a profile": Free, "model::profile::spec::WindowSpec" => 200 Free, "model::entities::Profile";
    DELETE "/api/v1/hotspots/{hotspot}/profiles/{profile}/limitations/{limitation}" "Detach a limitation": None => 200 Free, "model::entities::Profile";
    GET "/api/v1/hotspots/{hotspot}/limitations" "Limitations": None => 200 Free, "A page of limitations: {items: [model::limitation::Limitation], next_cursor}." ? crate::manager::areas::PageArgs;
    POST "/api/v1/hotspots/{hotspot}/limitations" "Create a limitation": Free, "model::profile::spec::LimitationSpec" => 201 Free, "model::limitation::Limitation";
    GET "/api/v1/hotspots/{hotspot}/limitations/{limitation}" "A limitation": None => 200 Free, "model::limitation::Limitation";
    PUT "/api/v1/hotspots/{hotspot}/limitations/{limitation}" "Replace a limitation": Free, "model::profile::spec::LimitationSpec" => 200 Free, "model::limitation::Limitation";
    DELETE "/api/v1/hotspots/{hotspot}/limitations/{limitation}" "Delete a limitation": None => 204 None;
    GET "/api/v1/hotspots/{hotspot}/voucher-profiles" "Profiles a voucher batch may use": None => 200 List(voucher_pages::BatchProfile);
    GET "/api/v1/hotspots/{hotspot}/design" "The splash design: published, draft, earlier revisions": None => 200 Free, "{revision, published: design, draft: {design, updated_by, updated_at} or null, revisions: [{revision, created_by, created_at}]}; a design is the settings document's design section.";
    PUT "/api/v1/hotspots/{hotspot}/design/draft" "Save the draft design": Free, "The settings document's design section." => 200 Free, "The design view, as GET answers.";
    DELETE "/api/v1/hotspots/{hotspot}/design/draft" "Discard the draft design": None => 204 None;
    POST "/api/v1/hotspots/{hotspot}/design/publish" "Publish the draft as the next settings revision": One(design::RevisionArg) => 200 Free, "The design view, as GET answers.";
    POST "/api/v1/hotspots/{hotspot}/design/restore" "Copy an earlier revision's design into the draft": One(design::RevisionArg) => 200 Free, "The design view, as GET answers.";
    POST "/api/v1/hotspots/{hotspot}/design/assets" "Upload an image (the raw file or a form's `file` part)": None => 201 One(design_assets::Stored);
    GET "/api/v1/hotspots/{hotspot}/reports" "Reports in the hotspot's time zone, from the rollups": None => 200 One(reports::Report) ? reports::Args;
    GET "/api/v1/hotspots/{hotspot}/marketing" "Guests consenting to marketing, and the export by the filter": None => 200 One(marketing::Summary) ? marketing_rows::Filter;
    GET "/api/v1/hotspots/{hotspot}/marketing/csv" "The marketing export: CSV (text/csv, RFC 4180) of the guests whose latest marketing consent is granted, streamed": None => 200 None ? marketing_rows::Filter;
    PUT "/api/v1/sso/resellers/{external_id}" "Create or update a reseller by external id (201 when created)": One(sso::ResellerIn) => 200 One(sso::SsoReseller);
    PUT "/api/v1/sso/resellers/{external_id}/hotspots/{hotspot_external_id}" "Create or update a reseller's hotspot by external id (201 when created)": One(hotspots::Fields) => 200 One(sso::SsoHotspot);
    PUT "/api/v1/sso/resellers/{external_id}/hotspots/{hotspot_external_id}/accounts/{account_external_id}" "Create or update a hotspot's customer or desk account by external id (201 when created)": One(sso_accounts::AccountIn) => 200 One(sso_accounts::SsoAccount);
    POST "/api/v1/sso/resellers/{external_id}/login-link" "A one-time login link for the reseller (60 s)": None => 200 One(sso_login::LoginLink);
}

/// A page's own parameters: `cursor` and `limit`.
pub fn page_args() -> Vec<utoipa::openapi::path::Parameter> {
    params::<crate::manager::areas::PageArgs>()
}
