//! Indexes the same in both dialects, each list one migration of both lists.

/// The same in both dialects: the guests, devices and sessions lists are newest first by a
/// time column and page by `(time, id)`, so each page is one range of these indexes (they
/// replace the `(hotspot_id, id)` ones); live sessions are the `ended_at IS NULL` range of
/// `guest_sessions_by_end`, already in list order; the dashboard counts open sessions and
/// today's by `ended_at` and `started_at`, and units online by `last_seen`.
pub const LIST_INDEXES: &[&str] = &[
    "DROP INDEX guests_by_hotspot",
    "DROP INDEX devices_by_hotspot",
    "DROP INDEX guest_sessions_by_hotspot",
    "CREATE INDEX guests_by_last_seen ON guests (hotspot_id, last_seen, id)",
    "CREATE INDEX devices_by_last_seen ON devices (hotspot_id, last_seen, id)",
    "CREATE INDEX guest_sessions_by_start ON guest_sessions (hotspot_id, started_at, id)",
    "CREATE INDEX guest_sessions_by_end ON guest_sessions (hotspot_id, ended_at, started_at, id)",
    "CREATE INDEX units_by_last_seen ON units (hotspot_id, last_seen)",
];

/// Migration 12 (both lists): the marketing export's reads. Guests of a hotspot with a
/// marketing row in guest order (the export's keyset), each guest's marketing rows by time (is
/// this row the latest?), and each guest's questionnaire answers by time (the nationality).
pub const MARKETING_INDEXES: &[&str] = &[
    "CREATE INDEX guest_consents_by_purpose ON guest_consents (hotspot_id, purpose, guest_id)",
    "CREATE INDEX guest_consents_latest ON guest_consents (guest_id, purpose, at, id)",
    "CREATE INDEX guest_answers_by_guest ON guest_answers (guest_id, at, id)",
];
