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

impl Store {
    /// Records a new pending order.
    pub fn insert_order(
        &mut self,
        reference: &str,
        profile_id: i64,
        provider: &str,
        mac: &str,
        ip: &str,
        now: i64,
    ) -> Result<Order, StoreError> {
        self.conn.execute(
            "INSERT INTO orders (reference, profile_id, provider, state, mac, ip, created_at) VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6)",
            params![reference, profile_id, provider, mac, ip, now],
        )?;
        self.order(reference)?.ok_or(StoreError::Corrupt {
            column: "orders.reference",
            value: reference.into(),
        })
    }

    /// An order by reference.
    pub fn order(&self, reference: &str) -> Result<Option<Order>, StoreError> {
        let r = self
            .conn
            .query_row(&format!("{SELECT} WHERE reference = ?1"), [reference], row)
            .optional()?;
        r.map(checked).transpose()
    }

    /// Orders, pending first, newest first.
    pub fn list_orders(&self) -> Result<Vec<Order>, StoreError> {
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
        let profile: Option<i64> = tx
            .query_row(
                "SELECT profile_id FROM orders WHERE reference = ?1 AND state = 'pending'",
                [reference],
                |r| r.get(0),
            )
            .optional()?;
        let Some(profile_id) = profile else {
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
