//! The document as text (JSON or TOML) and single-field edits, every failure a
//! [`SettingsError`] naming the dotted field.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::human::FIX;
use super::{HotspotSettings, SettingsError};

/// A text form of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Pretty-printed JSON.
    Json,
    /// TOML.
    Toml,
}

impl Format {
    /// The format a file name says (`.json`, `.toml`), else what its text looks like: JSON
    /// starts with `{`.
    pub fn guess(file_name: &str, text: &str) -> Format {
        let lower = file_name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Format::Json
        } else if lower.ends_with(".toml") || !text.trim_start().starts_with('{') {
            Format::Toml
        } else {
            Format::Json
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "json" => Ok(Format::Json),
            "toml" => Ok(Format::Toml),
            _ => Err(format!("{s:?} is not a format; use json or toml")),
        }
    }
}

/// Turns a deserialisation failure at `path` into the error of that field.
fn field_error(path: &serde_path_to_error::Path, message: &str) -> SettingsError {
    // `.` is the top; `?` a position the parser could not tell (a syntax error).
    let mut field = path.to_string();
    while field.ends_with('?') || field.ends_with('.') {
        field.pop();
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let known = rest.split_once(", expected ").map_or("", |(_, k)| k);
        // The path stops at the table holding the unknown field.
        let full = if field.is_empty() {
            name.to_string()
        } else if field.ends_with(name) {
            field
        } else {
            format!("{field}.{name}")
        };
        return SettingsError::new(
            full,
            "is not a settings field",
            format!("remove it or correct its spelling (expected {known})"),
        );
    }
    if field.is_empty() {
        field = "document".into();
    }
    match message.split_once(FIX) {
        Some((problem, fix)) => SettingsError::new(field, problem, fix),
        None => SettingsError::new(
            field,
            message,
            "write it as `hotspotd settings show` shows it",
        ),
    }
}

fn from_json_value<T: DeserializeOwned>(value: Value) -> Result<T, SettingsError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let message = e.inner().to_string();
        field_error(e.path(), &message)
    })
}

impl HotspotSettings {
    /// Reads a document. Fields left out take their defaults; unknown fields are refused.
    pub fn from_text(text: &str, format: Format) -> Result<HotspotSettings, SettingsError> {
        match format {
            Format::Json => {
                let mut de = serde_json::Deserializer::from_str(text);
                let doc = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                    let inner = e.inner();
                    let at = format!(" at line {} column {}", inner.line(), inner.column());
                    let message = inner.to_string();
                    let message = message.strip_suffix(&at).unwrap_or(&message);
                    field_error(e.path(), message)
                })?;
                de.end().map_err(|e| {
                    SettingsError::new("document", e.to_string(), "remove what follows the {…}")
                })?;
                Ok(doc)
            }
            Format::Toml => {
                let de = toml::Deserializer::parse(text)
                    .map_err(|e| SettingsError::new("document", e.message(), "write valid TOML"))?;
                serde_path_to_error::deserialize(de)
                    .map_err(|e| field_error(e.path(), e.inner().message()))
            }
        }
    }

    /// The document as text; [`HotspotSettings::from_text`] reads it back unchanged. Fails
    /// only for a section whose shape the format cannot hold (TOML has no null in a list),
    /// which a section's unit test should catch.
    pub fn to_text(&self, format: Format) -> Result<String, SettingsError> {
        let failed = |e: &dyn std::fmt::Display| {
            SettingsError::new(
                "document",
                format!("cannot be written as {format:?}: {e}"),
                "export it in the other format",
            )
        };
        match format {
            Format::Json => serde_json::to_string_pretty(self)
                .map(|text| text + "\n")
                .map_err(|e| failed(&e)),
            Format::Toml => toml::to_string(self).map_err(|e| failed(&e)),
        }
    }

    /// The document as a JSON value with every section, also those the stored form leaves
    /// out while they hold their defaults (so each field can be shown and set by name).
    pub fn to_value(&self) -> Value {
        let mut doc = serde_json::to_value(self).unwrap_or(Value::Null);
        if let (Value::Object(map), Ok(offline)) = (&mut doc, serde_json::to_value(&self.offline)) {
            map.entry("offline").or_insert(offline);
        }
        doc
    }

    /// The document with `field` (dotted, `list[2]` for an entry) set to `value`: a text
    /// field takes `value` as it is, a number or a switch reads it, a list or table takes
    /// JSON; `null` clears an optional field. A field the document does not have is refused
    /// by name.
    pub fn with_field(&self, field: &str, value: &str) -> Result<HotspotSettings, SettingsError> {
        if field == "revision" {
            return Err(SettingsError::new(
                field,
                "is counted by the store",
                "leave it alone; every accepted change gets the next revision",
            ));
        }
        let mut doc = self.to_value();
        let slot = slot(&mut doc, field)?;
        *slot = typed(slot, field, value)?;
        let mut changed: HotspotSettings = from_json_value(doc)?;
        changed.revision = self.revision;
        Ok(changed)
    }
}

/// The place of `field` in the document, created (as null) when the table has no such key:
/// deserialisation then refuses a key the document does not know.
fn slot<'a>(doc: &'a mut Value, field: &str) -> Result<&'a mut Value, SettingsError> {
    let bad = |problem: &str| {
        SettingsError::new(
            field,
            problem,
            "name a field as `hotspotd settings show --json` shows it, e.g. sessions.idle_timeout",
        )
    };
    if field.is_empty() {
        return Err(bad("is empty"));
    }
    let mut here = doc;
    for part in field.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((key, rest)) => {
                let i = rest
                    .strip_suffix(']')
                    .and_then(|i| i.parse::<usize>().ok())
                    .ok_or_else(|| bad("has a bad [index]"))?;
                (key, Some(i))
            }
            None => (part, None),
        };
        if key.is_empty() {
            return Err(bad("has an empty part"));
        }
        let Value::Object(map) = here else {
            return Err(bad("goes inside a value that has no fields"));
        };
        here = map.entry(key.to_string()).or_insert(Value::Null);
        if let Some(i) = index {
            let len = here.as_array().map_or(0, Vec::len);
            here = here.get_mut(i).ok_or_else(|| {
                SettingsError::new(
                    field,
                    format!("there is no entry {i} (the list has {len})"),
                    "set the whole list as JSON, or use an index shown by `hotspotd settings show --json`",
                )
            })?;
        }
    }
    Ok(here)
}

/// `value` read as the type the field holds now.
fn typed(current: &Value, field: &str, value: &str) -> Result<Value, SettingsError> {
    if value == "null" {
        return Ok(Value::Null);
    }
    let json = || serde_json::from_str::<Value>(value);
    match current {
        Value::String(_) => Ok(Value::String(value.to_string())),
        Value::Bool(_) => match value {
            "true" | "on" | "yes" => Ok(Value::Bool(true)),
            "false" | "off" | "no" => Ok(Value::Bool(false)),
            _ => Err(SettingsError::new(
                field,
                format!("{value:?} is not on or off"),
                "write true or false",
            )),
        },
        Value::Number(_) => match json() {
            Ok(n @ Value::Number(_)) => Ok(n),
            _ => Err(SettingsError::new(
                field,
                format!("{value:?} is not a number"),
                "write digits, e.g. 5",
            )),
        },
        Value::Array(_) | Value::Object(_) => json().map_err(|e| {
            SettingsError::new(
                field,
                format!("is a list or table and {value:?} is not JSON ({e})"),
                r#"write it as JSON, e.g. '["02:00:00:00:00:01"]' or '{"en": "…"}'"#,
            )
        }),
        // An unset optional field or a new key: JSON if it reads as JSON, else text.
        Value::Null => Ok(json().unwrap_or_else(|_| Value::String(value.to_string()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::settings::Lang;

    fn sample() -> HotspotSettings {
        let mut doc = HotspotSettings::default();
        doc = doc.with_field("name", "Bar Roma").unwrap();
        doc = doc.with_field("sessions.idle_timeout", "20m").unwrap();
        doc = doc.with_field("sessions.rate_down", "20M").unwrap();
        doc = doc
            .with_field(
                "access.allow_macs",
                r#"[{"mac": "02:AB:00:00:00:01", "note": "printer", "down": "8M"}]"#,
            )
            .unwrap();
        doc = doc
            .with_field("access.garden", r#"["203.0.113.7", "*.stripe.com"]"#)
            .unwrap();
        doc.with_field("legal.terms.it", "Usate bene la rete.")
            .unwrap()
    }

    #[test]
    fn fields_are_set_in_their_human_form() {
        let doc = sample();
        assert_eq!(doc.name, "Bar Roma");
        assert_eq!(doc.sessions.idle_timeout.secs(), 1200);
        assert_eq!(doc.sessions.rate_down.map(|r| r.bps()), Some(20_000_000));
        assert_eq!(doc.access.allow_macs[0].mac.as_str(), "02:ab:00:00:00:01");
        assert_eq!(doc.access.garden_domains().count(), 1);
        assert_eq!(doc.terms_text(Lang::It), "Usate bene la rete.");
        let cleared = doc.with_field("sessions.rate_down", "null").unwrap();
        assert_eq!(cleared.sessions.rate_down, None);
        let note = doc
            .with_field("access.allow_macs[0].note", "lobby")
            .unwrap();
        assert_eq!(note.access.allow_macs[0].note, "lobby");
    }

    #[test]
    fn both_formats_round_trip_exactly() {
        let doc = sample();
        for format in [Format::Json, Format::Toml] {
            let text = doc.to_text(format).unwrap();
            let back = HotspotSettings::from_text(&text, format).unwrap();
            assert_eq!(back, doc, "{text}");
            assert_eq!(back.to_text(format).unwrap(), text);
            assert_eq!(Format::guess("x", &text), format);
        }
        let json = doc.to_text(Format::Json).unwrap();
        assert!(json.contains("\"idle_timeout\": \"20m\""), "{json}");
        assert!(json.contains("\"rate_down\": \"20M\""), "{json}");
    }

    #[test]
    fn bad_values_name_the_field_and_the_fix() {
        let doc = HotspotSettings::default();
        let e = doc
            .with_field("sessions.idle_timeout", "20 minutes")
            .unwrap_err();
        assert_eq!(e.field, "sessions.idle_timeout");
        assert!(e.fix.contains("30m"), "{e}");
        let e = doc
            .with_field("access.block_macs", r#"["02:00:00:00:00:01", "printer"]"#)
            .unwrap_err();
        assert_eq!(e.field, "access.block_macs[1]");
        assert!(e.to_string().contains("aa:bb:cc:dd:ee:ff"), "{e}");
        let e = doc
            .with_field("access.garden", r#"["*.apple.com"]"#)
            .unwrap_err();
        assert_eq!(e.field, "access.garden[0]");
        let e = doc
            .with_field("sessions.shared_users_policy", "kick-all")
            .unwrap_err();
        assert_eq!(e.field, "sessions.shared_users_policy");
        assert!(doc.with_field("revision", "7").is_err());
    }

    #[test]
    fn unknown_fields_are_refused_by_name() {
        let doc = HotspotSettings::default();
        for (field, named) in [
            ("sessions.idel_timeout", "sessions.idel_timeout"),
            ("colour", "colour"),
            ("legal.terms.xx", "legal.terms"),
        ] {
            let e = doc.with_field(field, "1m").unwrap_err();
            assert!(e.field.starts_with(named), "{field}: {e}");
        }
        let e =
            HotspotSettings::from_text("[sessions]\nidle = \"1m\"\n", Format::Toml).unwrap_err();
        assert_eq!(e.field, "sessions.idle");
        assert!(e.fix.contains("idle_timeout"), "{e}");
        let e = HotspotSettings::from_text("{\"name\": 5}", Format::Json).unwrap_err();
        assert_eq!(e.field, "name");
        let e = HotspotSettings::from_text("{\"name\": \"x\"", Format::Json).unwrap_err();
        assert_eq!(e.field, "document");
    }
}
