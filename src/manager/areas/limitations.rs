//! Limitations of a hotspot (technical preferences, the reseller's): uptime, transfer and rate
//! limits with their reset period (`model::limitation::Limitation`), read and checked by
//! `model::profile::spec` as `hotspotd limitation` reads them. Profiles attach them inside
//! time windows (`profiles`); deleting one detaches it from those profiles, which the
//! confirmation page names. Pages and API: `limitation_pages`.

use super::profiles::{big, refused, unsigned};
use super::vouchers::hotspot_of;
use super::{audit, taken};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::{Conn, DbError, Mode, Row, Value};
use crate::manager::error::Error;
use crate::manager::sync::feed::{self, Subject};
use crate::model::limitation::{Limitation, ResetInterval};
use crate::model::profile::spec::LimitationSpec;

/// The columns [`limitation_row`] reads, in its order (`l` is the limitations table).
pub const LIMITATION_COLUMNS: &str = "l.id, l.name, l.uptime_limit, l.download_limit,
    l.upload_limit, l.transfer_limit, l.rate_down_bps, l.rate_up_bps, l.reset_interval";

/// A limitation from the first columns of `r` ([`LIMITATION_COLUMNS`]).
pub fn limitation_row(r: &Row) -> Result<Limitation, DbError> {
    Ok(Limitation {
        id: r.int(0)?,
        name: r.text(1)?,
        uptime_limit: unsigned(r.opt_int(2)?),
        download_limit: unsigned(r.opt_int(3)?),
        upload_limit: unsigned(r.opt_int(4)?),
        transfer_limit: unsigned(r.opt_int(5)?),
        rate_down_bps: unsigned(r.opt_int(6)?),
        rate_up_bps: unsigned(r.opt_int(7)?),
        reset: ResetInterval::parse(&r.text(8)?).ok_or(DbError::Type(8))?,
    })
}

/// The limitations of `hotspot` after id `after`, by id, at most `limit`.
pub fn list(
    c: &mut dyn Conn,
    hotspot: i64,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Limitation>, Error> {
    let rows = c.query(
        &format!(
            "SELECT {LIMITATION_COLUMNS} FROM limitations l
             WHERE l.hotspot_id = $1 AND l.id > $2 ORDER BY l.id LIMIT $3"
        ),
        &[hotspot.into(), after.unwrap_or(0).into(), limit.into()],
    )?;
    Ok(rows.iter().map(limitation_row).collect::<Result<_, _>>()?)
}

/// Limitation `id` of `hotspot`.
pub fn get(c: &mut dyn Conn, hotspot: i64, id: i64) -> Result<Limitation, Error> {
    let row = c.query_opt(
        &format!(
            "SELECT {LIMITATION_COLUMNS} FROM limitations l WHERE l.hotspot_id = $1 AND l.id = $2"
        ),
        &[hotspot.into(), id.into()],
    )?;
    Ok(limitation_row(&row.ok_or(Error::NotFound)?)?)
}

/// The names of the profiles limitation `id` is attached to.
pub fn attached_to(c: &mut dyn Conn, id: i64) -> Result<Vec<String>, Error> {
    let rows = c.query(
        "SELECT p.name FROM profile_limitations pl JOIN profiles p ON p.id = pl.profile_id
         WHERE pl.limitation_id = $1 ORDER BY p.name",
        &[id.into()],
    )?;
    Ok(rows.iter().map(|r| r.text(0)).collect::<Result<_, _>>()?)
}

fn values(l: &Limitation) -> Result<Vec<Value>, Error> {
    Ok(vec![
        (&l.name).into(),
        big("uptime", l.uptime_limit)?,
        big("download", l.download_limit)?,
        big("upload", l.upload_limit)?,
        big("transfer", l.transfer_limit)?,
        big("down", l.rate_down_bps)?,
        big("up", l.rate_up_bps)?,
        l.reset.name().into(),
    ])
}

/// Creates a limitation at `hotspot`.
pub async fn create(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    spec: &LimitationSpec,
) -> Result<Limitation, Error> {
    let l = spec.checked().map_err(refused)?;
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let mut params = values(&l)?;
        params.extend([hotspot.into(), now.into()]);
        let id = c
            .query(
                "INSERT INTO limitations (name, uptime_limit, download_limit, upload_limit,
                 transfer_limit, rate_down_bps, rate_up_bps, reset_interval, hotspot_id,
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &params,
            )
            .map_err(taken("name"))?
            .first()
            .ok_or(Error::Internal)?
            .int(0)?;
        let (tenant, _) = hotspot_of(c, hotspot)?;
        audit::record(
            c,
            p.actor(),
            now,
            "create limitation",
            &l.name,
            Some(tenant),
        )?;
        feed::append(c, hotspot, Subject::Limitation(&l.name), now)?;
        get(c, hotspot, id)
    })
    .await
}

/// Changes limitation `id` of `hotspot` (every profile it is attached to follows).
pub async fn edit(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    id: i64,
    spec: &LimitationSpec,
) -> Result<Limitation, Error> {
    let l = spec.checked().map_err(refused)?;
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let old = get(c, hotspot, id)?;
        let mut params = values(&l)?;
        params.extend([hotspot.into(), id.into()]);
        c.execute(
            "UPDATE limitations SET name = $1, uptime_limit = $2, download_limit = $3,
             upload_limit = $4, transfer_limit = $5, rate_down_bps = $6, rate_up_bps = $7,
             reset_interval = $8 WHERE hotspot_id = $9 AND id = $10",
            &params,
        )
        .map_err(taken("name"))?;
        let (tenant, _) = hotspot_of(c, hotspot)?;
        audit::record(c, p.actor(), now, "edit limitation", &l.name, Some(tenant))?;
        // Profiles carry their limitations' numbers and names: each attached one changes too.
        let mut changed = vec![Subject::Limitation(&old.name), Subject::Limitation(&l.name)];
        let profiles = attached_to(c, id)?;
        changed.extend(profiles.iter().map(|p| Subject::Profile(p)));
        for subject in changed {
            feed::append(c, hotspot, subject, now)?;
        }
        get(c, hotspot, id)
    })
    .await
}

/// Deletes limitation `id` of `hotspot`, detaching it from its profiles.
pub async fn delete(s: &ManagerState, p: &Principal, hotspot: i64, id: i64) -> Result<(), Error> {
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let l = get(c, hotspot, id)?;
        let profiles = attached_to(c, id)?;
        c.execute(
            "DELETE FROM profile_limitations WHERE limitation_id = $1",
            &[id.into()],
        )?;
        c.execute(
            "DELETE FROM limitations WHERE hotspot_id = $1 AND id = $2",
            &[hotspot.into(), id.into()],
        )?;
        let mut what = l.name.clone();
        if !profiles.is_empty() {
            what += &format!(" (detached from {})", profiles.join(", "));
        }
        let (tenant, _) = hotspot_of(c, hotspot)?;
        audit::record(c, p.actor(), now, "delete limitation", &what, Some(tenant))?;
        feed::append(c, hotspot, Subject::Limitation(&l.name), now)?;
        for profile in &profiles {
            feed::append(c, hotspot, Subject::Profile(profile), now)?;
        }
        Ok(())
    })
    .await
}
