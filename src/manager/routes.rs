//! THE route table: every route of the manager with its method, path, handler, the least role
//! it needs and the scope its object must be in (ROLES.md in executable form). The router is
//! built from it and nothing else; `tests/manager_authz.rs` walks it.

use axum::Router;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, delete, get, patch, post, put};

use super::ManagerState;
use super::areas::{
    accounts, audit, dashboard, design, design_assets, design_pages, devices, guest_rights, guests,
    hotspots, limitation_pages, login, macs, marketing, password, preferences, profile_pages,
    reports, resellers, sessions, social, social_login, sso, sso_accounts, sso_login, tokens,
    units, voucher_pages, voucher_print,
};
use super::auth::{Role, guard};
use super::{openapi, pages};

/// Who may call a route at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (login form, style sheet).
    Public,
    /// Any logged-in account, even one that still has to replace its one-time password.
    Account,
    /// This role or a higher one (admin > reseller > customer > desk).
    Role(Role),
    /// The single-sign-on platform with the master key (`X-Master-Key`); no account's
    /// cookie or API token reaches these routes, and the key reaches no other route.
    MasterKey,
}

/// Which object of the path the principal must own; outside it the answer is 404.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// No object in the path (lists are filtered by the query instead).
    None,
    /// `{reseller}`: the admin, or that reseller.
    Reseller,
    /// `{hotspot}`: the admin, its reseller, or its customer and desk.
    Hotspot,
    /// `{account}`, a customer or desk account: as its hotspot.
    Account,
    /// `{token}`, an API token: its own account only (not even the admin's).
    Token,
}

/// One route.
pub struct Route {
    /// HTTP method.
    pub method: Method,
    /// Path, with `{reseller}`, `{hotspot}` or `{account}` for the scoped object.
    pub path: &'static str,
    /// Least access.
    pub access: Access,
    /// Scope of the path's object.
    pub scope: Scope,
    make: fn() -> MethodRouter<ManagerState>,
}

macro_rules! routes {
    ($($method:ident $path:literal => $handler:path, $access:expr, $scope:ident;)*) => {
        /// Every route of the manager.
        pub static ROUTES: &[Route] = &[$(Route {
            method: Method::$method,
            path: $path,
            access: $access,
            scope: Scope::$scope,
            make: || routes!(@router $method)($handler),
        },)*];
    };
    (@router GET) => { get };
    (@router POST) => { post };
    (@router PUT) => { put };
    (@router PATCH) => { patch };
    (@router DELETE) => { delete };
}

use Access::{Account as ACCOUNT, Public as PUBLIC};
const ADMIN: Access = Access::Role(Role::Admin);
const RESELLER: Access = Access::Role(Role::Reseller);
const CUSTOMER: Access = Access::Role(Role::Customer);
const DESK: Access = Access::Role(Role::Desk);
const MASTER_KEY: Access = Access::MasterKey;

routes! {
    GET "/static/manager.css" => pages::css, PUBLIC, None;
    GET "/login" => login::form, PUBLIC, None;
    POST "/login" => login::submit, PUBLIC, None;
    POST "/logout" => login::logout, ACCOUNT, None;
    GET "/password" => password::form, ACCOUNT, None;
    POST "/password" => password::submit, ACCOUNT, None;
    GET "/" => dashboard::page, DESK, None;
    GET "/resellers" => resellers::list_page, ADMIN, None;
    POST "/resellers" => resellers::create_page, ADMIN, None;
    GET "/resellers/{reseller}" => resellers::show_page, RESELLER, Reseller;
    POST "/resellers/{reseller}" => resellers::edit_page, RESELLER, Reseller;
    POST "/resellers/{reseller}/disabled" => resellers::disable_page, ADMIN, Reseller;
    GET "/resellers/{reseller}/delete" => resellers::confirm_page, ADMIN, Reseller;
    POST "/resellers/{reseller}/delete" => resellers::delete_page, ADMIN, Reseller;
    POST "/resellers/{reseller}/hotspots" => hotspots::create_page, RESELLER, Reseller;
    GET "/hotspots" => hotspots::list_page, DESK, None;
    GET "/hotspots/{hotspot}" => hotspots::show_page, DESK, Hotspot;
    POST "/hotspots/{hotspot}" => hotspots::edit_page, RESELLER, Hotspot;
    GET "/hotspots/{hotspot}/delete" => hotspots::confirm_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/delete" => hotspots::delete_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/accounts" => accounts::create_page, RESELLER, Hotspot;
    POST "/accounts/{account}/password" => accounts::reset_page, RESELLER, Account;
    GET "/accounts/{account}/delete" => accounts::confirm_page, RESELLER, Account;
    POST "/accounts/{account}/delete" => accounts::delete_page, RESELLER, Account;
    GET "/audit" => audit::page, RESELLER, None;
    GET "/hotspots/{hotspot}/preferences" => preferences::page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/preferences" => preferences::save_page, RESELLER, Hotspot;
    GET "/hotspots/{hotspot}/social" => social::page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/social" => social::save_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/social/{provider}/delete" => social::delete_page, RESELLER, Hotspot;
    GET "/hotspots/{hotspot}/design" => design_pages::page, DESK, Hotspot;
    POST "/hotspots/{hotspot}/design/draft" => design_pages::save_page, DESK, Hotspot;
    POST "/hotspots/{hotspot}/design/images" => design_pages::upload_page, DESK, Hotspot;
    POST "/hotspots/{hotspot}/design/publish" => design_pages::publish_page, DESK, Hotspot;
    POST "/hotspots/{hotspot}/design/discard" => design_pages::discard_page, DESK, Hotspot;
    POST "/hotspots/{hotspot}/design/restore" => design_pages::restore_page, DESK, Hotspot;
    GET "/hotspots/{hotspot}/design/preview" => design_pages::preview, DESK, Hotspot;
    GET "/hotspots/{hotspot}/design/assets/{asset}" => design_assets::asset, DESK, Hotspot;
    GET "/hotspots/{hotspot}/profiles" => profile_pages::list_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/profiles" => profile_pages::create_page, RESELLER, Hotspot;
    GET "/hotspots/{hotspot}/profiles/{profile}" => profile_pages::show_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/profiles/{profile}" => profile_pages::edit_page, RESELLER, Hotspot;
    GET "/hotspots/{hotspot}/profiles/{profile}/delete" => profile_pages::confirm_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/profiles/{profile}/delete" => profile_pages::delete_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/profiles/{profile}/limitations" => profile_pages::attach_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/profiles/{profile}/limitations/{limitation}/delete" => profile_pages::detach_page, RESELLER, Hotspot;
    GET "/hotspots/{hotspot}/limitations" => limitation_pages::list_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/limitations" => limitation_pages::create_page, RESELLER, Hotspot;
    GET "/hotspots/{hotspot}/limitations/{limitation}" => limitation_pages::show_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/limitations/{limitation}" => limitation_pages::edit_page, RESELLER, Hotspot;
    GET "/hotspots/{hotspot}/limitations/{limitation}/delete" => limitation_pages::confirm_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/limitations/{limitation}/delete" => limitation_pages::delete_page, RESELLER, Hotspot;
    GET "/hotspots/{hotspot}/macs" => macs::page, DESK, Hotspot;
    POST "/hotspots/{hotspot}/macs" => macs::add_page, DESK, Hotspot;
    POST "/hotspots/{hotspot}/macs/{mac}/delete" => macs::remove_page, DESK, Hotspot;
    GET "/hotspots/{hotspot}/units" => units::page, CUSTOMER, Hotspot;
    POST "/hotspots/{hotspot}/units/tokens" => units::create_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/units/tokens/{unit_token}/revoke" => units::revoke_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/units/{unit}/remove" => units::remove_page, RESELLER, Hotspot;
    GET "/hotspots/{hotspot}/guests" => guests::page, DESK, Hotspot;
    POST "/hotspots/{hotspot}/guests/{guest}/delete" => guests::delete_page, DESK, Hotspot;
    GET "/hotspots/{hotspot}/guests/{guest}" => guest_rights::page, CUSTOMER, Hotspot;
    POST "/hotspots/{hotspot}/guests/{guest}/erase" => guest_rights::erase_page, CUSTOMER, Hotspot;
    GET "/hotspots/{hotspot}/retention" => guest_rights::retention_page, CUSTOMER, Hotspot;
    POST "/hotspots/{hotspot}/retention" => guest_rights::retention_save, CUSTOMER, Hotspot;
    GET "/hotspots/{hotspot}/devices" => devices::page, CUSTOMER, Hotspot;
    GET "/hotspots/{hotspot}/sessions" => sessions::page, CUSTOMER, Hotspot;
    GET "/hotspots/{hotspot}/vouchers" => voucher_pages::page, DESK, Hotspot;
    POST "/hotspots/{hotspot}/vouchers" => voucher_pages::create_page, DESK, Hotspot;
    POST "/hotspots/{hotspot}/vouchers/portal" => voucher_pages::portal_page, RESELLER, Hotspot;
    POST "/hotspots/{hotspot}/vouchers/{voucher}/revoke" => voucher_pages::revoke_page, DESK, Hotspot;
    POST "/hotspots/{hotspot}/vouchers/{voucher}/delete" => voucher_pages::delete_page, DESK, Hotspot;
    GET "/hotspots/{hotspot}/vouchers/batches/{batch}/print" => voucher_print::print_page, DESK, Hotspot;
    GET "/hotspots/{hotspot}/vouchers/batches/{batch}/csv" => voucher_print::csv, DESK, Hotspot;
    GET "/tokens" => tokens::page, DESK, None;
    POST "/tokens" => tokens::create_page, DESK, None;
    POST "/tokens/{token}/revoke" => tokens::revoke_page, DESK, Token;
    GET "/api/v1/openapi.json" => openapi::api, PUBLIC, None;
    GET "/api/v1/me" => password::me_api, ACCOUNT, None;
    POST "/api/v1/me/password" => password::change_api, ACCOUNT, None;
    GET "/api/v1/dashboard" => dashboard::api, DESK, None;
    GET "/api/v1/resellers" => resellers::list_api, ADMIN, None;
    POST "/api/v1/resellers" => resellers::create_api, ADMIN, None;
    GET "/api/v1/resellers/{reseller}" => resellers::show_api, RESELLER, Reseller;
    PATCH "/api/v1/resellers/{reseller}" => resellers::edit_api, RESELLER, Reseller;
    PUT "/api/v1/resellers/{reseller}/disabled" => resellers::disable_api, ADMIN, Reseller;
    DELETE "/api/v1/resellers/{reseller}" => resellers::delete_api, ADMIN, Reseller;
    POST "/api/v1/resellers/{reseller}/hotspots" => hotspots::create_api, RESELLER, Reseller;
    GET "/api/v1/hotspots" => hotspots::list_api, DESK, None;
    GET "/api/v1/hotspots/{hotspot}" => hotspots::show_api, DESK, Hotspot;
    PUT "/api/v1/hotspots/{hotspot}" => hotspots::edit_api, RESELLER, Hotspot;
    DELETE "/api/v1/hotspots/{hotspot}" => hotspots::delete_api, RESELLER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/accounts" => accounts::list_api, RESELLER, Hotspot;
    POST "/api/v1/hotspots/{hotspot}/accounts" => accounts::create_api, RESELLER, Hotspot;
    POST "/api/v1/accounts/{account}/password" => accounts::reset_api, RESELLER, Account;
    DELETE "/api/v1/accounts/{account}" => accounts::delete_api, RESELLER, Account;
    GET "/api/v1/audit" => audit::api, RESELLER, None;
    GET "/api/v1/hotspots/{hotspot}/preferences" => preferences::api, RESELLER, Hotspot;
    PATCH "/api/v1/hotspots/{hotspot}/preferences" => preferences::patch_api, RESELLER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/social-providers" => social::list_api, RESELLER, Hotspot;
    PUT "/api/v1/hotspots/{hotspot}/social-providers/{provider}" => social::put_api, RESELLER, Hotspot;
    DELETE "/api/v1/hotspots/{hotspot}/social-providers/{provider}" => social::delete_api, RESELLER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/design" => design::show_api, DESK, Hotspot;
    PUT "/api/v1/hotspots/{hotspot}/design/draft" => design::draft_api, DESK, Hotspot;
    DELETE "/api/v1/hotspots/{hotspot}/design/draft" => design::discard_api, DESK, Hotspot;
    POST "/api/v1/hotspots/{hotspot}/design/publish" => design::publish_api, DESK, Hotspot;
    POST "/api/v1/hotspots/{hotspot}/design/restore" => design::restore_api, DESK, Hotspot;
    POST "/api/v1/hotspots/{hotspot}/design/assets" => design_assets::upload_api, DESK, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/profiles" => profile_pages::list_api, RESELLER, Hotspot;
    POST "/api/v1/hotspots/{hotspot}/profiles" => profile_pages::create_api, RESELLER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/profiles/{profile}" => profile_pages::show_api, RESELLER, Hotspot;
    PUT "/api/v1/hotspots/{hotspot}/profiles/{profile}" => profile_pages::edit_api, RESELLER, Hotspot;
    DELETE "/api/v1/hotspots/{hotspot}/profiles/{profile}" => profile_pages::delete_api, RESELLER, Hotspot;
    PUT "/api/v1/hotspots/{hotspot}/profiles/{profile}/limitations/{limitation}" => profile_pages::attach_api, RESELLER, Hotspot;
    DELETE "/api/v1/hotspots/{hotspot}/profiles/{profile}/limitations/{limitation}" => profile_pages::detach_api, RESELLER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/limitations" => limitation_pages::list_api, RESELLER, Hotspot;
    POST "/api/v1/hotspots/{hotspot}/limitations" => limitation_pages::create_api, RESELLER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/limitations/{limitation}" => limitation_pages::show_api, RESELLER, Hotspot;
    PUT "/api/v1/hotspots/{hotspot}/limitations/{limitation}" => limitation_pages::edit_api, RESELLER, Hotspot;
    DELETE "/api/v1/hotspots/{hotspot}/limitations/{limitation}" => limitation_pages::delete_api, RESELLER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/macs" => macs::list_api, DESK, Hotspot;
    POST "/api/v1/hotspots/{hotspot}/macs" => macs::add_api, DESK, Hotspot;
    DELETE "/api/v1/hotspots/{hotspot}/macs/{mac}" => macs::remove_api, DESK, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/units" => units::api, CUSTOMER, Hotspot;
    POST "/api/v1/hotspots/{hotspot}/unit-tokens" => units::create_api, RESELLER, Hotspot;
    DELETE "/api/v1/hotspots/{hotspot}/unit-tokens/{unit_token}" => units::revoke_api, RESELLER, Hotspot;
    PUT "/api/v1/hotspots/{hotspot}/units/{unit}/removed" => units::remove_api, RESELLER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/guests" => guests::list_api, DESK, Hotspot;
    DELETE "/api/v1/hotspots/{hotspot}/guests/{guest}" => guests::delete_api, DESK, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/guests/{guest}/data" => guest_rights::data_api, CUSTOMER, Hotspot;
    POST "/api/v1/hotspots/{hotspot}/guests/{guest}/erase" => guest_rights::erase_api, CUSTOMER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/retention" => guest_rights::retention_api, CUSTOMER, Hotspot;
    PUT "/api/v1/hotspots/{hotspot}/retention" => guest_rights::retention_put, CUSTOMER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/devices" => devices::api, CUSTOMER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/sessions" => sessions::api, CUSTOMER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/vouchers" => voucher_pages::list_api, DESK, Hotspot;
    POST "/api/v1/hotspots/{hotspot}/vouchers" => voucher_pages::create_api, DESK, Hotspot;
    PUT "/api/v1/hotspots/{hotspot}/vouchers/portal" => voucher_pages::portal_api, RESELLER, Hotspot;
    PUT "/api/v1/hotspots/{hotspot}/vouchers/{voucher}/revoked" => voucher_pages::revoke_api, DESK, Hotspot;
    DELETE "/api/v1/hotspots/{hotspot}/vouchers/{voucher}" => voucher_pages::delete_api, DESK, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/voucher-batches" => voucher_pages::batches_api, DESK, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/voucher-profiles" => voucher_pages::profiles_api, DESK, Hotspot;
    GET "/api/v1/tokens" => tokens::list_api, DESK, None;
    POST "/api/v1/tokens" => tokens::create_api, DESK, None;
    DELETE "/api/v1/tokens/{token}" => tokens::revoke_api, DESK, Token;
    GET "/hotspots/{hotspot}/reports" => reports::page, DESK, Hotspot;
    GET "/hotspots/{hotspot}/marketing" => marketing::page_view, CUSTOMER, Hotspot;
    GET "/hotspots/{hotspot}/marketing/csv" => marketing::csv, CUSTOMER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/reports" => reports::api, DESK, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/marketing" => marketing::api, CUSTOMER, Hotspot;
    GET "/api/v1/hotspots/{hotspot}/marketing/csv" => marketing::csv, CUSTOMER, Hotspot;
    GET "/social/{hotspot}/{provider}/start" => social_login::start, PUBLIC, None;
    GET "/social/callback" => social_login::callback, PUBLIC, None;
    GET "/master-key" => sso_login::key_form, ADMIN, None;
    POST "/master-key" => sso_login::key_rotate, ADMIN, None;
    GET "/sso/login/{secret}" => sso_login::follow, PUBLIC, None;
    PUT "/api/v1/sso/resellers/{external_id}" => sso::reseller_api, MASTER_KEY, None;
    PUT "/api/v1/sso/resellers/{external_id}/hotspots/{hotspot_external_id}" => sso::hotspot_api, MASTER_KEY, None;
    PUT "/api/v1/sso/resellers/{external_id}/hotspots/{hotspot_external_id}/accounts/{account_external_id}" => sso_accounts::account_api, MASTER_KEY, None;
    POST "/api/v1/sso/resellers/{external_id}/login-link" => sso_login::link_api, MASTER_KEY, None;
}

/// The manager's router, from [`ROUTES`]: each route behind the guard of its own entry.
pub fn router(state: ManagerState) -> Router {
    let mut router = Router::new();
    for route in ROUTES {
        let layer = from_fn_with_state((state.clone(), route), guard::check);
        router = router.route(route.path, (route.make)().route_layer(layer));
    }
    router
        .fallback(|| async { super::error::Error::NotFound })
        .with_state(state)
}
