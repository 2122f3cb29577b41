//! Who is asking: accounts and their roles, passwords, browser sessions, CSRF tokens and the
//! guard that checks a route's role and scope before its handler runs.

pub mod guard;
pub mod master_key;
pub mod password;
pub mod session;

use serde::Serialize;

/// A manager account's role (ROLES.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Creates resellers; sees everything.
    Admin,
    /// Owns hotspots and their accounts.
    Reseller,
    /// The venue owner: one hotspot.
    Customer,
    /// The front desk: one hotspot, fewer views.
    Desk,
}

impl Role {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reseller => "reseller",
            Role::Customer => "customer",
            Role::Desk => "desk",
        }
    }

    /// From storage or a form.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "admin" => Role::Admin,
            "reseller" => Role::Reseller,
            "customer" => Role::Customer,
            "desk" => Role::Desk,
            _ => return None,
        })
    }
}

/// The tenant an object belongs to: a reseller, and for hotspot-level objects the hotspot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tenant {
    /// The owning reseller.
    pub reseller_id: i64,
    /// The hotspot, for objects inside one.
    pub hotspot_id: Option<i64>,
}

/// The logged-in account a request acts for.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Account id.
    pub account_id: i64,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// The reseller it belongs to (none for the admin).
    pub reseller_id: Option<i64>,
    /// The hotspot it belongs to (customer and desk only).
    pub hotspot_id: Option<i64>,
    /// The session's CSRF token, put into every form.
    pub csrf: String,
    /// The first password (one-time) must be replaced before anything else.
    pub must_change_password: bool,
    /// Where the request came from (for the audit log).
    pub address: String,
}

impl Principal {
    /// The principal's own tenant (none for the admin), for audit entries about itself.
    pub fn tenant(&self) -> Option<Tenant> {
        self.reseller_id.map(|reseller_id| Tenant {
            reseller_id,
            hotspot_id: self.hotspot_id,
        })
    }

    /// Whether an object of `tenant` is inside this principal's scope.
    pub fn sees(&self, tenant: Tenant) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Reseller => self.reseller_id == Some(tenant.reseller_id),
            Role::Customer | Role::Desk => {
                tenant.hotspot_id.is_some() && self.hotspot_id == tenant.hotspot_id
            }
        }
    }
}
