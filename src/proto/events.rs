//! Records up: `POST /sync/v1/events` (signed) carries a batch from the unit's transactional
//! outbox, oldest first, and the unit's health. The manager applies every event whose `seq` is
//! above the unit's acknowledged sequence, in order and in one transaction with the new
//! acknowledgement, and answers with it; events at or below it are skipped, so a replayed or
//! resent batch changes nothing. Records are keyed by UUIDs made on the unit; counters are
//! cumulative and never go back on the manager.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A batch of outbox events.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventBatch {
    /// The protocol revision the unit speaks.
    pub protocol: u32,
    /// Events, strictly increasing `seq`.
    #[serde(default)]
    pub events: Vec<Event>,
    /// The unit's health now (every push carries it, also an empty one).
    #[serde(default)]
    pub health: Option<Health>,
}

/// The manager's answer: everything up to `acked_through` is stored; the unit may delete it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAck {
    /// The highest sequence number the manager holds for this unit.
    pub acked_through: i64,
}

/// One outbox event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The unit's outbox sequence number (never reused).
    pub seq: i64,
    /// When it happened on the unit, Unix seconds.
    pub at: i64,
    /// What happened.
    pub body: EventBody,
}

/// What an event reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    /// A guest first seen, or their details changed.
    Guest(Guest),
    /// A consent granted or withdrawn (the ledger's row).
    Consent(Consent),
    /// A questionnaire answered.
    Answer(Answer),
    /// A session began.
    SessionStart(SessionStart),
    /// A session's counters so far.
    SessionInterim(SessionCounters),
    /// A session ended, with its final counters.
    SessionStop(SessionStop),
    /// This unit's cumulative usage of one user and profile.
    Usage(UsageReport),
    /// Text messages sent.
    Sms(Sms),
    /// The unit started: every session of this unit the manager holds open and that is not
    /// listed here is closed (it did not survive the restart).
    UnitStarted(UnitStarted),
    /// A guest erased on the unit (`hotspotd guests erase`): the manager erases it too, and so
    /// every other unit of the hotspot. Added after v1's first kinds; an older manager
    /// acknowledges and skips it.
    GuestErased(GuestErased),
    /// An event kind this manager does not know (from a newer unit): acknowledged, not stored.
    #[serde(other)]
    Unknown,
}

/// A guest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Guest {
    /// The guest's UUID.
    pub uid: String,
    /// Email, phone number, voucher code, account name or social id.
    pub username: String,
    /// How they logged in: `click`, `email`, `sms`, `voucher`, `account`, `social`.
    pub method: String,
    /// Details a social provider gave, where it gave them.
    #[serde(default)]
    pub profile: GuestProfile,
}

/// What a social login tells about a guest (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestProfile {
    /// `google`, `facebook`, … (the provider's name in the hotspot's configuration).
    #[serde(default)]
    pub provider: Option<String>,
    /// The provider's subject id.
    #[serde(default)]
    pub subject: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Gender as the provider states it.
    #[serde(default)]
    pub gender: Option<String>,
    /// Birth date, `YYYY-MM-DD` (or `YYYY`).
    #[serde(default)]
    pub birth_date: Option<String>,
    /// Locale or nationality, e.g. `it-IT`.
    #[serde(default)]
    pub locale: Option<String>,
    /// Interests, where the provider gives them.
    #[serde(default)]
    pub interests: Vec<String>,
}

/// A consent ledger row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// The row's UUID.
    pub uid: String,
    /// The guest's UUID.
    pub guest_uid: String,
    /// `terms`, `privacy`, `marketing`, `surveys`.
    pub purpose: String,
    /// Granted (true) or withdrawn.
    pub granted: bool,
    /// SHA-256 of the exact text shown, hex.
    pub text_sha256: String,
    /// The language it was shown in.
    pub language: String,
    /// Where: `splash`, `status`, `questionnaire`.
    pub how: String,
}

/// A questionnaire's answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The answer's UUID.
    pub uid: String,
    /// The guest's UUID.
    pub guest_uid: String,
    /// Question id → answer, as the unit's questionnaire stores them.
    pub answers: Value,
}

/// A session's start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStart {
    /// The session's UUID.
    pub uid: String,
    /// The guest's UUID.
    pub guest_uid: String,
    /// The user it counts against (voucher code hash or account name).
    pub user: String,
    /// The profile.
    pub profile: String,
    /// The device's MAC address.
    pub mac: String,
    /// The device's address.
    pub ip: String,
    /// Unix seconds.
    pub started_at: i64,
}

/// A session's cumulative counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counters {
    /// Bytes to the guest.
    pub bytes_down: i64,
    /// Bytes from the guest.
    pub bytes_up: i64,
}

/// An interim update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCounters {
    /// The session's UUID.
    pub uid: String,
    /// Its counters so far.
    pub counters: Counters,
}

/// A session's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStop {
    /// The session's UUID.
    pub uid: String,
    /// Unix seconds.
    pub ended_at: i64,
    /// Final counters.
    pub counters: Counters,
    /// Why: `user-request`, `idle-timeout`, `session-timeout`, `quota`, `admin-reset`, …
    pub cause: String,
}

/// This unit's cumulative usage of a user under a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageReport {
    /// The user (voucher code hash or account name).
    pub user: String,
    /// The profile.
    pub profile: String,
    /// The first login this unit saw, Unix seconds.
    pub first_start: i64,
    /// Bytes to the guest.
    pub bytes_down: i64,
    /// Bytes from the guest.
    pub bytes_up: i64,
    /// Seconds online.
    pub uptime_secs: i64,
    /// Logins.
    pub logins: i64,
}

/// A guest erased on the unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestErased {
    /// The guest's UUID.
    pub guest_uid: String,
}

/// Text messages sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sms {
    /// How many.
    pub count: i64,
}

/// A unit's start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitStarted {
    /// Sessions restored online after the restart (UUIDs).
    pub open_sessions: Vec<String>,
}

/// A unit's health, shown in the Units view.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// The unit's software version.
    pub version: String,
    /// Seconds since the daemon started.
    pub uptime_secs: i64,
    /// Guests online now.
    pub clients: i64,
    /// One-minute load average.
    pub load: f64,
    /// Events waiting in the outbox.
    pub outbox_depth: i64,
    /// Age of the oldest waiting event, seconds.
    pub outbox_oldest_secs: i64,
    /// The settings revision the unit applied.
    pub settings_revision: i64,
    /// The change-feed cursor the unit applied.
    pub cursor: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_unknown_kinds_are_tolerated() {
        let event = Event {
            seq: 3,
            at: 100,
            body: EventBody::SessionStop(SessionStop {
                uid: "s".into(),
                ended_at: 100,
                counters: Counters {
                    bytes_down: 5,
                    bytes_up: 6,
                },
                cause: "user-request".into(),
            }),
        };
        let text = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<Event>(&text).unwrap(), event);
        let newer = r#"{"seq": 4, "at": 1, "body": {"kind": "teleport", "to": "moon"}}"#;
        assert_eq!(
            serde_json::from_str::<Event>(newer).unwrap().body,
            EventBody::Unknown
        );
    }
}
