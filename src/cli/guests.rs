//! `hotspotd guests`: the venue's guests (list, show, erase) and the marketing export, straight
//! on the database (the daemon need not run).

use std::io::Write;
use std::path::Path;

use serde_json::json;

use super::error::{CliError, bad_argument};
use super::table;
use crate::config::StatePaths;
use crate::daemon::open_state;
use crate::gateway::now;
use crate::model::guest::{Guest, GuestId};
use crate::model::units::format_size;
use crate::store::{EraseOutcome, GuestSummary, MarketingContact};

/// Local time of a unix timestamp, to the minute.
fn when(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|| unix.to_string())
}

fn identity(g: &Guest) -> String {
    g.identifier
        .clone()
        .unwrap_or_else(|| "(erased)".to_string())
}

/// `hotspotd guests [--json]`
pub fn guests(paths: &StatePaths, json_out: bool) -> Result<String, CliError> {
    let (store, _) = open_state(paths)?;
    let guests = store.list_guests()?;
    if json_out {
        return Ok(serde_json::to_string(&guests).unwrap_or_default() + "\n");
    }
    if guests.is_empty() {
        return Ok("no guests yet\n".into());
    }
    let rows: Vec<Vec<String>> = guests.iter().map(row).collect();
    Ok(table::render(
        &[
            "ID",
            "METHOD",
            "IDENTIFIER",
            "VERIFIED",
            "LANG",
            "FIRST SEEN",
            "LAST SEEN",
            "DEVICES",
            "SESSIONS",
            "DOWN",
            "UP",
        ],
        &rows,
    ))
}

fn row(s: &GuestSummary) -> Vec<String> {
    let g = &s.guest;
    vec![
        g.id.to_string(),
        g.method.to_string(),
        identity(g),
        if g.verified { "yes" } else { "no" }.into(),
        g.lang.to_string(),
        when(g.first_seen),
        when(g.last_seen),
        s.devices.to_string(),
        s.sessions.to_string(),
        format_size(s.bytes_down),
        format_size(s.bytes_up),
    ]
}

fn guest_id(id: &str) -> Result<GuestId, CliError> {
    id.parse::<i64>().map(GuestId).map_err(|_| {
        bad_argument(
            "<ID>",
            format!("{id:?} is not a guest id (see `hotspotd guests`)"),
        )
    })
}

/// `hotspotd guests show ID [--json]`: the guest, its devices, its consent ledger and sessions.
pub fn guest_show(paths: &StatePaths, id: &str, json_out: bool) -> Result<String, CliError> {
    let id = guest_id(id)?;
    let (store, _) = open_state(paths)?;
    let summary = store
        .guest_summary(id)?
        .ok_or_else(|| CliError::NotFound(format!("no guest {id} (see `hotspotd guests`)")))?;
    let devices = store.guest_devices(id)?;
    let consents = store.consents_of(id)?;
    let sessions = store.sessions_of_guest(id)?;
    let answers = store.answers_of(id)?;
    // What a social login's provider told about the guest.
    let profile = store.guest_profile(id)?;
    if json_out {
        let doc = json!({"guest": summary, "devices": devices, "consents": consents,
            "answers": answers, "sessions": sessions, "profile": profile});
        return Ok(doc.to_string() + "\n");
    }
    let mut out = table::render(
        &[
            "ID",
            "METHOD",
            "IDENTIFIER",
            "VERIFIED",
            "LANG",
            "FIRST SEEN",
            "LAST SEEN",
            "DEVICES",
            "SESSIONS",
            "DOWN",
            "UP",
        ],
        &[row(&summary)],
    );
    let device_rows: Vec<Vec<String>> = devices
        .iter()
        .map(|d| {
            vec![
                d.mac.clone().unwrap_or_else(|| "(erased)".into()),
                when(d.first_seen),
                when(d.last_seen),
            ]
        })
        .collect();
    if let Some(p) = &profile {
        let cell = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        out += "\n";
        out += &table::render(
            &[
                "PROVIDER",
                "NAME",
                "EMAIL",
                "GENDER",
                "BIRTH DATE",
                "LOCALE",
                "INTERESTS",
            ],
            &[vec![
                cell(&p.provider),
                cell(&p.name),
                cell(&p.email),
                cell(&p.gender),
                cell(&p.birth_date),
                cell(&p.locale),
                p.interests.join(", "),
            ]],
        );
    }
    out += "\n";
    out += &table::render(&["DEVICE", "FIRST SEEN", "LAST SEEN"], &device_rows);
    let consent_rows: Vec<Vec<String>> = consents
        .iter()
        .map(|c| {
            vec![
                when(c.at),
                c.choice.purpose.to_string(),
                if c.choice.granted {
                    "granted"
                } else {
                    "withdrawn"
                }
                .into(),
                c.choice.how.as_str().into(),
                c.choice.lang.to_string(),
                c.choice.text_version[..12].to_string(),
            ]
        })
        .collect();
    out += "\n";
    out += &table::render(
        &["WHEN", "PURPOSE", "CHOICE", "HOW", "LANG", "TEXT VERSION"],
        &consent_rows,
    );
    if !answers.is_empty() {
        let answer_rows: Vec<Vec<String>> = answers
            .iter()
            .map(|a| {
                vec![
                    when(a.at),
                    a.answer.question.clone(),
                    a.answer.choices.join(", "),
                    a.answer.text.clone().unwrap_or_default(),
                ]
            })
            .collect();
        out += "\n";
        out += &table::render(&["WHEN", "QUESTION", "CHOICES", "TEXT"], &answer_rows);
    }
    let ids: Vec<String> = sessions.iter().map(i64::to_string).collect();
    out += &format!(
        "\nsessions: {}\n",
        if ids.is_empty() {
            "none".into()
        } else {
            ids.join(", ")
        }
    );
    Ok(out)
}

/// `hotspotd guests erase ID`
pub fn guest_erase(paths: &StatePaths, id: &str) -> Result<String, CliError> {
    let id = guest_id(id)?;
    let (mut store, _) = open_state(paths)?;
    match store.erase_guest(id, now())? {
        EraseOutcome::Erased => Ok(format!(
            "guest {id}: personal data erased (identifier, devices, answers' free text, the \
             device of its consents and sessions); its sessions and consent times stay, anonymised\n"
        )),
        EraseOutcome::AlreadyErased => Ok(format!("guest {id}: already erased\n")),
        EraseOutcome::Missing => Err(CliError::NotFound(format!(
            "no guest {id} (see `hotspotd guests`)"
        ))),
        EraseOutcome::Online(mac) => Err(CliError::Refused(format!(
            "guest {id} is online on {mac}: log it off first (`hotspotd deauth {mac}`), then erase"
        ))),
    }
}

/// A cell a spreadsheet would run as a formula (= + - @, or a tab or CR that some read as
/// one) is prefixed with an apostrophe, so it is shown as text.
fn neutral(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// The CSV of marketing contacts: each guest whose latest marketing consent is granted, with
/// the evidence of that consent.
pub fn marketing_csv(contacts: &[MarketingContact]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "guest_id",
        "method",
        "identifier",
        "verified",
        "language",
        "consent_given_at",
        "consent_text_version",
        "consent_language",
        "consent_how",
    ])?;
    for c in contacts {
        let g = &c.guest;
        let ch = &c.consent.choice;
        let cells = [
            g.id.to_string(),
            g.method.to_string(),
            identity(g),
            g.verified.to_string(),
            g.lang.to_string(),
            chrono::DateTime::from_timestamp(c.consent.at, 0)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            ch.text_version.clone(),
            ch.lang.to_string(),
            ch.how.as_str().to_string(),
        ];
        w.write_record(cells.iter().map(|c| neutral(c)))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// `hotspotd guests export-marketing [FILE]`: to FILE (created readable by its owner only) or
/// to standard output.
pub fn export_marketing(paths: &StatePaths, file: Option<&Path>) -> Result<String, CliError> {
    let (store, _) = open_state(paths)?;
    let contacts = store.marketing_contacts()?;
    let bytes = marketing_csv(&contacts).map_err(|e| CliError::Refused(format!("CSV: {e}")))?;
    let Some(path) = file else {
        return Ok(String::from_utf8_lossy(&bytes).into_owned());
    };
    let failed = |e: std::io::Error| bad_argument("<FILE>", format!("{}: {e}", path.display()));
    let mut f = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .map_err(failed)?
    };
    f.write_all(&bytes).map_err(failed)?;
    Ok(format!(
        "{} marketing contact(s) written to {}\n",
        contacts.len(),
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::consent::{ConsentChoice, ConsentRecord, How, Purpose};
    use crate::model::guest::Method;
    use crate::model::settings::Lang;

    #[test]
    fn formula_cells_are_neutralised_and_the_csv_parses_back() {
        let contact = |id, identifier: &str| MarketingContact {
            guest: Guest {
                id: GuestId(id),
                method: Method::Email,
                identifier: Some(identifier.into()),
                verified: true,
                lang: Lang::It,
                user_id: None,
                first_seen: 0,
                last_seen: 0,
                erased_at: None,
            },
            consent: ConsentRecord {
                id,
                guest_id: id,
                mac: None,
                session_id: None,
                choice: ConsentChoice::new(
                    Purpose::Marketing,
                    true,
                    "x",
                    Lang::It,
                    How::SplashCheckbox,
                ),
                at: 1_700_000_000,
            },
        };
        let csv = marketing_csv(&[
            contact(1, "=HYPERLINK(\"http://evil\")@x.it"),
            contact(2, "anna,\"b\"@example.com"),
            contact(3, "+393471234567"),
        ])
        .unwrap();
        let mut r = csv::Reader::from_reader(&csv[..]);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(&rows[0][2], "'=HYPERLINK(\"http://evil\")@x.it");
        assert_eq!(&rows[1][2], "anna,\"b\"@example.com");
        assert_eq!(&rows[2][2], "'+393471234567");
        assert_eq!(&rows[0][7], "it");
    }
}
