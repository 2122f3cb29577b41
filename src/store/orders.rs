//! Orders for paid profiles: created by a guest on the signup page, settled by a payment
//! provider (at the desk: `hotspotd order confirm`), which creates the guest's access.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Store, StoreError};
use crate::model::profile::ProfileClock;

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OrderState {
    /// Waiting for payment.
    Pending,
    /// Paid; the access exists.
    Paid,
    /// Cancelled.
    Cancelled,
}

impl OrderState {
    fn as_str(self) -> &'static str {
        match self {
            OrderState::Pending => "pending",
            OrderState::Paid => "paid",
            OrderState::Cancelled => "cancelled",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "pending" => Some(OrderState::Pending),
            "paid" => Some(OrderState::Paid),
            "cancelled" => Some(OrderState::Cancelled),
            _ => None,
        }
    }
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    /// Id.
    pub id: i64,
    /// Reference shown to the guest and typed by the desk.
    pub reference: String,
    /// The profile bought.
    pub profile_id: i64,
    /// Payment provider id.
    pub provider: String,
    /// Where it stands.
    pub state: OrderState,
    /// The device that ordered (only it is logged in by the order).
    pub mac: String,
    /// Its address then.
    pub ip: String,
    /// Unix time.
    pub created_at: i64,
    /// Paid or cancelled at.
    pub settled_at: Option<i64>,
    /// The access created on payment.
    pub user_id: Option<i64>,
}

const SELECT: &str = "SELECT id, reference, profile_id, provider, state, mac, ip, created_at, settled_at, user_id FROM orders";

fn row(r: &Row) -> rusqlite::Result<(Order, String)> {
    Ok((
        Order {
            id: r.get(0)?,
            reference: r.get(1)?,
            profile_id: r.get(2)?,
            provider: r.get(3)?,
            state: OrderState::Pending,
            mac: r.get(5)?,
            ip: r.get(6)?,
            created_at: r.get(7)?,
            settled_at: r.get(8)?,
            user_id: r.get(9)?,
        },
        r.get(4)?,
    ))
}

fn checked((mut o, state): (Order, String)) -> Result<Order, StoreError> {
    o.state = OrderState::from_name(&state).ok_or(StoreError::Corrupt {
        column: "orders.state",
        value: state,
    })?;
    Ok(o)
}

/// Bounds on orders waiting for payment: an unauthenticated guest may post the order form as
/// often as it likes, and every order is a row on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderLimits {
    /// Pending orders of one device (by MAC or by address, so a new MAC gains nothing).
    pub per_device: u32,
    /// Pending orders of the whole gateway.
    pub total: u32,
    /// An unpaid order is deleted after this many seconds.
    pub ttl_secs: i64,
}

/// The limits in force.
pub const ORDER_LIMITS: OrderLimits = OrderLimits {
    per_device: 3,
    total: 1000,
    ttl_secs: 3600,
};

/// Why no order was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRefusal {
    /// The device has [`OrderLimits::per_device`] orders waiting.
    DeviceFull,
    /// The gateway has [`OrderLimits::total`] orders waiting.
    GatewayFull,
}

fn delete_expired(conn: &rusqlite::Connection, now: i64) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM orders WHERE state = 'pending' AND created_at <= ?1",
        [now - ORDER_LIMITS.ttl_secs],
    )?)
}

impl Store {
    /// Records a new pending order, within [`ORDER_LIMITS`]; a device ordering a profile it
    /// already has an order for gets that order back.
    pub fn insert_order(
        &mut self,
        reference: &str,
        profile_id: i64,
        provider: &str,
        (mac, ip): (&str, &str),
        now: i64,
    ) -> Result<Result<Order, OrderRefusal>, StoreError> {
        let tx = self.conn.transaction()?;
        delete_expired(&tx, now)?;
        let same: Option<String> = tx
            .query_row(
                "SELECT reference FROM orders WHERE state = 'pending' AND mac = ?1 AND profile_id = ?2",
                params![mac, profile_id],
                |r| r.get(0),
            )
            .optional()?;
        let (mine, all): (u32, u32) = tx.query_row(
            "SELECT COUNT(*) FILTER (WHERE mac = ?1 OR ip = ?2), COUNT(*) FROM orders WHERE state = 'pending'",
            params![mac, ip],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let outcome = match same {
            Some(existing) => Ok(existing),
            None if mine >= ORDER_LIMITS.per_device => Err(OrderRefusal::DeviceFull),
            None if all >= ORDER_LIMITS.total => Err(OrderRefusal::GatewayFull),
            None => {
                tx.execute(
                    "INSERT INTO orders (reference, profile_id, provider, state, mac, ip, created_at) VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6)",
                    params![reference, profile_id, provider, mac, ip, now],
                )?;
                Ok(reference.to_string())
            }
        };
        // Also when refused: the lapsed orders stay deleted.
        tx.commit()?;
        let reference = match outcome {
            Ok(reference) => reference,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let order = self.order(&reference)?.ok_or(StoreError::Corrupt {
            column: "orders.reference",
            value: reference,
        })?;
        Ok(Ok(order))
    }

    /// Deletes unpaid orders older than [`OrderLimits::ttl_secs`]; returns how many.
    pub fn expire_orders(&mut self, now: i64) -> Result<usize, StoreError> {
        delete_expired(&self.conn, now)
    }

    /// An order by reference.
    pub fn order(&self, reference: &str) -> Result<Option<Order>, StoreError> {
        let r = self
            .conn
            .query_row(&format!("{SELECT} WHERE reference = ?1"), [reference], row)
            .optional()?;
        r.map(checked).transpose()
    }

    /// Orders, pending first, newest first (expired ones are deleted first).
    pub fn list_orders(&mut self, now: i64) -> Result<Vec<Order>, StoreError> {
        delete_expired(&self.conn, now)?;
        let mut stmt = self
            .conn
            .prepare(&format!("{SELECT} ORDER BY state != 'pending', id DESC"))?;
        let rows: Vec<_> = stmt.query_map([], row)?.collect::<Result<_, _>>()?;
        rows.into_iter().map(checked).collect()
    }

    /// Settles a pending order as paid: creates a voucher user (known by `code_hash`) holding
    /// the order's profile and marks the order paid, in one transaction. `None` if the order
    /// is not pending.
    pub fn settle_order(
        &mut self,
        reference: &str,
        code_hash: &[u8],
        clock: ProfileClock,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let tx = self.conn.transaction()?;
        delete_expired(&tx, now)?;
        let profile: Option<i64> = tx
            .query_row(
                "SELECT profile_id FROM orders WHERE reference = ?1 AND state = 'pending'",
                [reference],
                |r| r.get(0),
            )
            .optional()?;
        let Some(profile_id) = profile else {
            tx.commit()?;
            return Ok(None);
        };
        let note = format!("order {reference}");
        let user =
            super::users::insert_voucher(&tx, code_hash, (profile_id, clock), None, &note, now)?;
        tx.execute(
            "UPDATE orders SET state = 'paid', settled_at = ?2, user_id = ?3 WHERE reference = ?1",
            params![reference, now, user],
        )?;
        tx.commit()?;
        Ok(Some(user))
    }

    /// Cancels a pending order; false if it is not pending.
    pub fn cancel_order(&mut self, reference: &str, now: i64) -> Result<bool, StoreError> {
        Ok(self.conn.execute("UPDATE orders SET state = ?3, settled_at = ?2 WHERE reference = ?1 AND state = 'pending'", params![reference, now, OrderState::Cancelled.as_str()])? == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::limitation::OutsideWindows;
    use crate::model::profile::Starts;
    use crate::store::NewProfile;

    const T0: i64 = 1_700_000_000;

    fn clock() -> ProfileClock {
        ProfileClock {
            validity_secs: Some(86_400),
            starts: Starts::FirstLogon,
        }
    }

    fn store_with_offers() -> (Store, i64, i64) {
        let mut s = Store::open_in_memory().unwrap();
        let mut offer = |name: &str| {
            let p = NewProfile {
                name: name.into(),
                name_for_users: name.into(),
                owner: "admin".into(),
                clock: clock(),
                price_cents: Some(450),
                shared_users: 1,
                outside_windows: OutsideWindows::Deny,
            };
            s.insert_profile(&p, T0).unwrap()
        };
        let (day, week) = (offer("day"), offer("week"));
        (s, day, week)
    }

    fn order(
        s: &mut Store,
        r: &str,
        p: i64,
        mac: &str,
        ip: &str,
        now: i64,
    ) -> Result<Order, OrderRefusal> {
        s.insert_order(r, p, "desk", (mac, ip), now).unwrap()
    }

    #[test]
    fn a_device_gets_its_pending_order_back_and_at_most_three() {
        let (mut s, day, week) = store_with_offers();
        let first = order(&mut s, "R1", day, "m1", "10.0.0.1", T0).unwrap();
        assert_eq!(
            order(&mut s, "R2", day, "m1", "10.0.0.1", T0).unwrap(),
            first
        );
        order(&mut s, "R3", week, "m1", "10.0.0.1", T0).unwrap();
        // A new MAC on the same address is the same device.
        order(&mut s, "R4", day, "m2", "10.0.0.1", T0).unwrap();
        assert_eq!(
            order(&mut s, "R5", week, "m3", "10.0.0.1", T0),
            Err(OrderRefusal::DeviceFull)
        );
        assert_eq!(s.list_orders(T0).unwrap().len(), 3);
    }

    #[test]
    fn unpaid_orders_lapse_and_cannot_be_settled_after() {
        let (mut s, day, _) = store_with_offers();
        order(&mut s, "R1", day, "m1", "10.0.0.1", T0).unwrap();
        let later = T0 + ORDER_LIMITS.ttl_secs;
        assert_eq!(s.settle_order("R1", b"hash", clock(), later).unwrap(), None);
        assert!(s.order("R1").unwrap().is_none());
    }

    #[test]
    fn the_gateway_holds_a_bounded_number_of_pending_orders() {
        let (mut s, day, _) = store_with_offers();
        for i in 0..ORDER_LIMITS.total {
            let (mac, ip) = (format!("m{i}"), format!("10.0.{}.{}", i / 250, i % 250));
            order(&mut s, &format!("R{i}"), day, &mac, &ip, T0).unwrap();
        }
        assert_eq!(
            order(&mut s, "X", day, "new", "10.9.9.9", T0 + 1),
            Err(OrderRefusal::GatewayFull)
        );
        let later = T0 + ORDER_LIMITS.ttl_secs;
        assert!(order(&mut s, "X", day, "new", "10.9.9.9", later).is_ok());
        assert_eq!(s.list_orders(later).unwrap().len(), 1);
    }
}
