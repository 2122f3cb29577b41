//! From what a provider says about a guest (its userinfo JSON) to a [`GuestProfile`]: each
//! profile field read at a dotted path the reseller names (Facebook's `id`, `birthday`, …),
//! with OpenID Connect's standard claim names as the default.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::proto::events::GuestProfile;

/// Where each profile field is in the userinfo JSON: dotted paths (`a.b`); an empty path
/// leaves the field out. `interests` may name an array of strings, or of objects whose
/// `name` is taken (Facebook's `likes.data`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Mapping {
    /// The provider's stable user id (required).
    pub subject: String,
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Gender.
    pub gender: String,
    /// Birth date: `YYYY-MM-DD`, `YYYY`, or Facebook's `MM/DD/YYYY`.
    pub birth_date: String,
    /// Locale or nationality.
    pub locale: String,
    /// Interests.
    pub interests: String,
}

impl Default for Mapping {
    /// OpenID Connect's standard claims.
    fn default() -> Self {
        Mapping {
            subject: "sub".into(),
            name: "name".into(),
            email: "email".into(),
            gender: "gender".into(),
            birth_date: "birthdate".into(),
            locale: "locale".into(),
            interests: String::new(),
        }
    }
}

/// The longest value kept of any one field; longer ones are cut (a provider's whim must
/// not fill the unit's store).
const MAX_FIELD: usize = 200;
/// The most interests kept.
const MAX_INTERESTS: usize = 50;

impl Mapping {
    /// Every path, for validation: `(field name, path)`.
    pub fn paths(&self) -> [(&'static str, &str); 7] {
        [
            ("mapping.subject", &self.subject),
            ("mapping.name", &self.name),
            ("mapping.email", &self.email),
            ("mapping.gender", &self.gender),
            ("mapping.birth_date", &self.birth_date),
            ("mapping.locale", &self.locale),
            ("mapping.interests", &self.interests),
        ]
    }

    /// The profile `provider` gave in `info`; `None` without a subject.
    pub fn profile(&self, provider: &str, info: &Value) -> Option<GuestProfile> {
        let subject = scalar(info, &self.subject)?;
        Some(GuestProfile {
            provider: Some(provider.to_string()),
            subject: Some(subject),
            name: scalar(info, &self.name),
            email: scalar(info, &self.email).filter(|e| e.contains('@')),
            gender: scalar(info, &self.gender),
            birth_date: scalar(info, &self.birth_date).and_then(|d| birth_date(&d)),
            locale: scalar(info, &self.locale),
            interests: interests(info, &self.interests),
        })
    }
}

fn at<'a>(info: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return None;
    }
    path.split('.').try_fold(info, |v, key| v.get(key))
}

/// A string or number at `path`, trimmed and cut to [`MAX_FIELD`] characters.
fn scalar(info: &Value, path: &str) -> Option<String> {
    let text = match at(info, path)? {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then(|| text.chars().take(MAX_FIELD).collect())
}

fn interests(info: &Value, path: &str) -> Vec<String> {
    let Some(Value::Array(items)) = at(info, path) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| match i {
            Value::String(s) => Some(s.trim().to_string()),
            other => other.get("name")?.as_str().map(|s| s.trim().to_string()),
        })
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(MAX_FIELD).collect())
        .take(MAX_INTERESTS)
        .collect()
}

/// `YYYY-MM-DD` or `YYYY` as given; Facebook's `MM/DD/YYYY` turned around; else nothing
/// (an age cannot be told from it).
fn birth_date(d: &str) -> Option<String> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = d.split(['-', '/']).collect();
    match parts[..] {
        [y] if digits(y, 4) => Some(y.to_string()),
        [y, m, day] if d.contains('-') && digits(y, 4) && digits(m, 2) && digits(day, 2) => {
            Some(d.to_string())
        }
        [m, day, y] if d.contains('/') && digits(y, 4) && digits(m, 2) && digits(day, 2) => {
            Some(format!("{y}-{m}-{day}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn standard_claims_map_by_default() {
        let info = json!({"sub": "alice", "name": "Alice Test", "email": "alice@example.test",
            "gender": "female", "birthdate": "1990-04-01", "locale": "it-IT"});
        let p = Mapping::default().profile("op", &info).unwrap();
        assert_eq!(p.provider.as_deref(), Some("op"));
        assert_eq!(p.subject.as_deref(), Some("alice"));
        assert_eq!(p.name.as_deref(), Some("Alice Test"));
        assert_eq!(p.email.as_deref(), Some("alice@example.test"));
        assert_eq!(p.gender.as_deref(), Some("female"));
        assert_eq!(p.birth_date.as_deref(), Some("1990-04-01"));
        assert_eq!(p.locale.as_deref(), Some("it-IT"));
        assert!(p.interests.is_empty());
    }

    #[test]
    fn a_facebook_style_mapping_reads_nested_fields_and_its_date() {
        let mapping = Mapping {
            subject: "id".into(),
            birth_date: "birthday".into(),
            locale: "hometown.name".into(),
            interests: "likes.data".into(),
            ..Mapping::default()
        };
        let info = json!({"id": 1234567890_u64, "name": "Bob", "birthday": "12/31/2001",
            "hometown": {"name": "Milano"}, "email": "not-an-address",
            "likes": {"data": [{"name": "Football"}, {"id": 3}, {"name": " "}, "Jazz"]}});
        let p = mapping.profile("facebook", &info).unwrap();
        assert_eq!(p.subject.as_deref(), Some("1234567890"));
        assert_eq!(p.birth_date.as_deref(), Some("2001-12-31"));
        assert_eq!(p.locale.as_deref(), Some("Milano"));
        assert_eq!(p.email, None, "an email without @ is dropped");
        assert_eq!(p.interests, ["Football", "Jazz"]);
    }

    #[test]
    fn no_subject_no_profile_and_odd_values_are_left_out() {
        assert!(
            Mapping::default()
                .profile("op", &json!({"name": "x"}))
                .is_none()
        );
        assert!(
            Mapping::default()
                .profile("op", &json!({"sub": ""}))
                .is_none()
        );
        let info = json!({"sub": "s", "birthdate": "yesterday", "name": {"first": "A"},
            "gender": "x".repeat(500)});
        let p = Mapping::default().profile("op", &info).unwrap();
        assert_eq!(p.birth_date, None);
        assert_eq!(p.name, None);
        assert_eq!(p.gender.unwrap().len(), MAX_FIELD);
        assert_eq!(birth_date("1985"), Some("1985".into()));
        assert_eq!(birth_date("1985-1-2"), None);
    }
}
