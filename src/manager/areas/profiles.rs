//! Profiles of a hotspot (technical preferences, the reseller's): the gateway's User Manager
//! profiles (`model::entities::Profile`), read and checked by `model::profile::spec` exactly as
//! `hotspotd profile` reads them, with their limitations attached inside time windows. Login
//! methods and voucher batches name a profile by name, as a unit resolves it, so a profile in
//! use keeps its name and cannot be deleted. Every query takes the hotspot of the path with
//! the id, so another hotspot's profile is simply not found. Pages and API: `profile_pages`.

use super::limitations::{self, LIMITATION_COLUMNS, limitation_row};
use super::vouchers::hotspot_of;
use super::{audit, settings_doc, taken};
use crate::manager::ManagerState;
use crate::manager::auth::Principal;
use crate::manager::db::{Conn, DbError, Mode, Row, Value};
use crate::manager::error::Error;
use crate::manager::sync::feed::{self, Subject};
use crate::model::entities::{NewProfile, Profile};
use crate::model::limitation::{Attached, OutsideWindows, Window};
use crate::model::profile::spec::{ProfileSpec, SpecError, WindowSpec};
use crate::model::profile::words::describe_window;
use crate::model::profile::{ProfileClock, Starts};

/// A rule of `model::profile::spec` broken, as the manager answers it (field and fix).
pub fn refused(e: SpecError) -> Error {
    Error::invalid(e.field, e.problem)
}

/// A stored non-negative number back as the model's `u64`.
pub fn unsigned(v: Option<i64>) -> Option<u64> {
    v.and_then(|n| u64::try_from(n).ok())
}

/// A model number as the database's BIGINT.
pub fn big(field: &'static str, v: Option<u64>) -> Result<Value, Error> {
    v.map(|n| i64::try_from(n).map_err(|_| Error::invalid(field, "is too large")))
        .transpose()
        .map(Value::from)
}

const PROFILE: &str = "SELECT id, name, name_for_users, owner, validity_secs, starts,
    price_cents, shared_users, outside_windows FROM profiles";

fn profile_row(r: &Row) -> Result<Profile, DbError> {
    Ok(Profile {
        id: r.int(0)?,
        name: r.text(1)?,
        name_for_users: r.text(2)?,
        owner: r.text(3)?,
        clock: ProfileClock {
            validity_secs: unsigned(r.opt_int(4)?),
            starts: Starts::from_name(&r.text(5)?).ok_or(DbError::Type(5))?,
        },
        price_cents: unsigned(r.opt_int(6)?),
        shared_users: u32::try_from(r.int(7)?).map_err(|_| DbError::Type(7))?,
        outside_windows: OutsideWindows::from_name(&r.text(8)?).ok_or(DbError::Type(8))?,
        limitations: Vec::new(),
    })
}

/// A profile's limitations with their windows.
fn attached(c: &mut dyn Conn, profile: i64) -> Result<Vec<Attached>, Error> {
    let rows = c.query(
        &format!(
            "SELECT {LIMITATION_COLUMNS}, pl.from_secs, pl.till_secs, pl.weekdays
             FROM profile_limitations pl JOIN limitations l ON l.id = pl.limitation_id
             WHERE pl.profile_id = $1 ORDER BY l.id"
        ),
        &[profile.into()],
    )?;
    let window = |r: &Row| -> Result<Window, DbError> {
        let small = |i: usize| {
            r.int(i)
                .and_then(|v| v.try_into().map_err(|_| DbError::Type(i)))
        };
        Ok(Window {
            from: small(9)?,
            till: small(10)?,
            weekdays: u8::try_from(r.int(11)?).map_err(|_| DbError::Type(11))?,
        })
    };
    Ok(rows
        .iter()
        .map(|r| {
            Ok::<_, DbError>(Attached {
                limitation: limitation_row(r)?,
                window: window(r)?,
            })
        })
        .collect::<Result<_, _>>()?)
}

fn complete(c: &mut dyn Conn, r: &Row) -> Result<Profile, Error> {
    let mut p = profile_row(r)?;
    p.limitations = attached(c, p.id)?;
    Ok(p)
}

/// The profiles of `hotspot` after id `after`, by id, at most `limit`.
pub fn list(
    c: &mut dyn Conn,
    hotspot: i64,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Profile>, Error> {
    let rows = c.query(
        &format!("{PROFILE} WHERE hotspot_id = $1 AND id > $2 ORDER BY id LIMIT $3"),
        &[hotspot.into(), after.unwrap_or(0).into(), limit.into()],
    )?;
    rows.iter().map(|r| complete(c, r)).collect()
}

/// Name and name for users of every profile of `hotspot`, by name: what staff pick from.
pub fn names(c: &mut dyn Conn, hotspot: i64) -> Result<Vec<(String, String)>, Error> {
    let rows = c.query(
        "SELECT name, name_for_users FROM profiles WHERE hotspot_id = $1 ORDER BY name",
        &[hotspot.into()],
    )?;
    Ok(rows
        .iter()
        .map(|r| Ok::<_, DbError>((r.text(0)?, r.text(1)?)))
        .collect::<Result<_, _>>()?)
}

/// Profile `id` of `hotspot`.
pub fn get(c: &mut dyn Conn, hotspot: i64, id: i64) -> Result<Profile, Error> {
    let row = c.query_opt(
        &format!("{PROFILE} WHERE hotspot_id = $1 AND id = $2"),
        &[hotspot.into(), id.into()],
    )?;
    complete(c, &row.ok_or(Error::NotFound)?)
}

/// The profile of `hotspot` named `name`, if there is one.
pub fn by_name(c: &mut dyn Conn, hotspot: i64, name: &str) -> Result<Option<Profile>, Error> {
    let row = c.query_opt(
        &format!("{PROFILE} WHERE hotspot_id = $1 AND name = $2"),
        &[hotspot.into(), name.into()],
    )?;
    row.map(|r| complete(c, &r)).transpose()
}

/// Serialises, per hotspot, the changes that must see each other: deleting or renaming a
/// profile against a method or a batch naming it. A no-op write takes PostgreSQL's row lock on
/// the hotspot until commit (each later statement then reads what the other committed); SQLite
/// runs one writer at a time anyway.
pub fn lock(c: &mut dyn Conn, hotspot: i64) -> Result<(), Error> {
    c.execute(
        "UPDATE hotspots SET name = name WHERE id = $1",
        &[hotspot.into()],
    )?;
    Ok(())
}

/// What names a profile: login methods of the settings document, and batches whose
/// vouchers (still there) hold it.
#[derive(Debug, Default)]
pub struct Uses {
    /// `click`, `email`, `sms`.
    pub methods: Vec<&'static str>,
    /// Batch ids.
    pub batches: Vec<i64>,
}

impl Uses {
    /// Nothing names it.
    pub fn is_empty(&self) -> bool {
        self.methods.is_empty() && self.batches.is_empty()
    }

    /// One line per kind of use, for the confirmation page and refusals.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.methods.is_empty() {
            out.push(format!(
                "named by the login method(s) {} in the technical preferences",
                self.methods.join(", ")
            ));
        }
        if !self.batches.is_empty() {
            let ids: Vec<String> = self.batches.iter().map(|b| format!("#{b}")).collect();
            out.push(format!(
                "held by the vouchers of batch(es) {}",
                ids.join(", ")
            ));
        }
        out
    }
}

/// What names the profile `name` at `hotspot`.
pub fn uses(c: &mut dyn Conn, hotspot: i64, name: &str) -> Result<Uses, Error> {
    let doc = settings_doc::current(c, hotspot)?;
    let m = &doc.methods;
    // The offline pass's profile counts only while the pass is chosen (its name has a
    // default, which may match a profile nothing uses).
    let offline = doc.offline.offers_pass().then_some(&doc.offline.profile);
    let methods = [
        ("click", Some(&m.click.profile)),
        ("email", Some(&m.email.guests.profile)),
        ("sms", Some(&m.sms.guests.profile)),
        ("offline pass", offline),
    ]
    .into_iter()
    .filter(|(_, p)| p.is_some_and(|p| p.as_str() == name))
    .map(|(method, _)| method)
    .collect();
    let rows = c.query(
        "SELECT DISTINCT b.id FROM voucher_batches b JOIN vouchers v ON v.batch_id = b.id
         WHERE b.hotspot_id = $1 AND b.profile = $2 ORDER BY b.id",
        &[hotspot.into(), name.into()],
    )?;
    let batches = rows.iter().map(|r| r.int(0)).collect::<Result<_, _>>()?;
    Ok(Uses { methods, batches })
}

fn values(new: &NewProfile) -> Result<Vec<Value>, Error> {
    Ok(vec![
        (&new.name).into(),
        (&new.name_for_users).into(),
        big("validity", new.clock.validity_secs)?,
        new.clock.starts.as_str().into(),
        big("price", new.price_cents)?,
        i64::from(new.shared_users).into(),
        new.outside_windows.as_str().into(),
    ])
}

/// Creates a profile at `hotspot`, owned by `p`.
pub async fn create(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    spec: &ProfileSpec,
) -> Result<Profile, Error> {
    let new = spec.checked(&p.username).map_err(refused)?;
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let mut params = values(&new)?;
        params.extend([hotspot.into(), (&new.owner).into(), now.into()]);
        let id = c
            .query(
                "INSERT INTO profiles (name, name_for_users, validity_secs, starts, price_cents,
                 shared_users, outside_windows, hotspot_id, owner, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &params,
            )
            .map_err(taken("name"))?
            .first()
            .ok_or(Error::Internal)?
            .int(0)?;
        let (tenant, _) = hotspot_of(c, hotspot)?;
        audit::record(c, p.actor(), now, "create profile", &new.name, Some(tenant))?;
        feed::append(c, hotspot, Subject::Profile(&new.name), now)?;
        get(c, hotspot, id)
    })
    .await
}

/// Changes profile `id` of `hotspot`; its name only while nothing names it.
pub async fn edit(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    id: i64,
    spec: &ProfileSpec,
) -> Result<Profile, Error> {
    let spec = spec.clone();
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        lock(c, hotspot)?;
        let old = get(c, hotspot, id)?;
        let new = spec.checked(&old.owner).map_err(refused)?;
        if new.name != old.name {
            let uses = uses(c, hotspot, &old.name)?;
            if !uses.is_empty() {
                return Err(Error::invalid(
                    "name",
                    format!(
                        "cannot change while the profile is {}; keep the name, or create a new profile",
                        uses.lines().join(" and ")
                    ),
                ));
            }
        }
        let mut params = values(&new)?;
        params.extend([hotspot.into(), id.into()]);
        c.execute(
            "UPDATE profiles SET name = $1, name_for_users = $2, validity_secs = $3, starts = $4,
             price_cents = $5, shared_users = $6, outside_windows = $7
             WHERE hotspot_id = $8 AND id = $9",
            &params,
        )
        .map_err(taken("name"))?;
        let (tenant, _) = hotspot_of(c, hotspot)?;
        audit::record(c, p.actor(), now, "edit profile", &new.name, Some(tenant))?;
        feed::append(c, hotspot, Subject::Profile(&old.name), now)?;
        feed::append(c, hotspot, Subject::Profile(&new.name), now)?;
        get(c, hotspot, id)
    })
    .await
}

/// Deletes profile `id` of `hotspot`, refused while a method or a batch's vouchers name it.
pub async fn delete(s: &ManagerState, p: &Principal, hotspot: i64, id: i64) -> Result<(), Error> {
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        lock(c, hotspot)?;
        let profile = get(c, hotspot, id)?;
        let uses = uses(c, hotspot, &profile.name)?;
        if !uses.is_empty() {
            return Err(Error::invalid(
                "profile",
                format!(
                    "{:?} cannot be deleted while it is {}; choose another profile for those \
                     methods in the technical preferences, or delete those vouchers, first",
                    profile.name,
                    uses.lines().join(" and ")
                ),
            ));
        }
        c.execute(
            "DELETE FROM profile_limitations WHERE profile_id = $1",
            &[id.into()],
        )?;
        c.execute(
            "DELETE FROM profiles WHERE hotspot_id = $1 AND id = $2",
            &[hotspot.into(), id.into()],
        )?;
        let (tenant, _) = hotspot_of(c, hotspot)?;
        audit::record(
            c,
            p.actor(),
            now,
            "delete profile",
            &profile.name,
            Some(tenant),
        )?;
        feed::append(c, hotspot, Subject::Profile(&profile.name), now)?;
        Ok(())
    })
    .await
}

/// Attaches limitation `limitation` to profile `profile` inside `window` (replacing an
/// earlier window), both of `hotspot`.
pub async fn attach(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    (profile, limitation): (i64, i64),
    window: &WindowSpec,
) -> Result<Profile, Error> {
    let w = window.checked().map_err(refused)?;
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let pr = get(c, hotspot, profile)?;
        let l = limitations::get(c, hotspot, limitation)?;
        c.execute(
            "DELETE FROM profile_limitations WHERE profile_id = $1 AND limitation_id = $2",
            &[profile.into(), limitation.into()],
        )?;
        c.execute(
            "INSERT INTO profile_limitations (profile_id, limitation_id, from_secs, till_secs,
             weekdays) VALUES ($1, $2, $3, $4, $5)",
            &[
                profile.into(),
                limitation.into(),
                i64::from(w.from).into(),
                i64::from(w.till).into(),
                i64::from(w.weekdays).into(),
            ],
        )?;
        let what = format!("{} to {}: {}", l.name, pr.name, describe_window(&w));
        let (tenant, _) = hotspot_of(c, hotspot)?;
        audit::record(c, p.actor(), now, "attach limitation", &what, Some(tenant))?;
        feed::append(c, hotspot, Subject::Profile(&pr.name), now)?;
        get(c, hotspot, profile)
    })
    .await
}

/// Detaches limitation `limitation` from profile `profile`; one not attached is not found.
pub async fn detach(
    s: &ManagerState,
    p: &Principal,
    hotspot: i64,
    (profile, limitation): (i64, i64),
) -> Result<Profile, Error> {
    let (p, now) = (p.clone(), s.now());
    s.db.tx(Mode::Write, move |c| {
        let pr = get(c, hotspot, profile)?;
        let l = limitations::get(c, hotspot, limitation)?;
        let n = c.execute(
            "DELETE FROM profile_limitations WHERE profile_id = $1 AND limitation_id = $2",
            &[profile.into(), limitation.into()],
        )?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        let what = format!("{} from {}", l.name, pr.name);
        let (tenant, _) = hotspot_of(c, hotspot)?;
        audit::record(c, p.actor(), now, "detach limitation", &what, Some(tenant))?;
        feed::append(c, hotspot, Subject::Profile(&pr.name), now)?;
        get(c, hotspot, profile)
    })
    .await
}
