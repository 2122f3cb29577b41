//! `hotspotd order list | confirm | cancel`: the desk side of "pay at the desk".

use std::collections::HashMap;

use serde_json::json;

use super::OrderCommand;
use super::error::CliError;
use super::table;
use crate::config::StatePaths;
use crate::daemon::open_state;
use crate::gateway::now;
use crate::model::units::format_price;
use crate::payment::{SettleError, settle};

/// `hotspotd order …`
pub fn order(paths: &StatePaths, cmd: &OrderCommand) -> Result<String, CliError> {
    let (mut store, key) = open_state(paths)?;
    match cmd {
        OrderCommand::List { json } => {
            let orders = store.list_orders(now())?;
            if *json {
                return Ok(json!(orders).to_string() + "\n");
            }
            let profiles: HashMap<i64, (String, Option<u64>)> = store
                .list_profiles()?
                .into_iter()
                .map(|p| (p.id, (p.name, p.price_cents)))
                .collect();
            let rows: Vec<_> = orders
                .iter()
                .map(|o| {
                    let (name, price) = profiles.get(&o.profile_id).cloned().unwrap_or_default();
                    vec![
                        o.reference.clone(),
                        format!("{:?}", o.state).to_lowercase(),
                        name,
                        price.map_or("-".into(), format_price),
                        o.mac.clone(),
                    ]
                })
                .collect();
            Ok(table::render(
                &["REFERENCE", "STATE", "PROFILE", "PRICE", "DEVICE"],
                &rows,
            ))
        }
        OrderCommand::Confirm { reference } => {
            let reference = reference.to_ascii_uppercase();
            match settle(&mut store, &key, &reference, now()) {
                Ok((user, code)) => Ok(format!(
                    "order {reference} paid: access created (voucher {user}, code {} for the receipt); the guest's device logs in by itself\n",
                    code.display()
                )),
                Err(SettleError::NotPending(r)) => Err(CliError::NotFound(format!(
                    "no pending order {r} (see `hotspotd order list`)"
                ))),
                Err(SettleError::Store(e)) => Err(e.into()),
                Err(SettleError::Code(e)) => Err(e.into()),
            }
        }
        OrderCommand::Cancel { reference } => {
            let reference = reference.to_ascii_uppercase();
            if !store.cancel_order(&reference, now())? {
                return Err(CliError::NotFound(format!("no pending order {reference}")));
            }
            Ok(format!("order {reference} cancelled\n"))
        }
    }
}
