use super::*;

fn active(id: i64, user_id: i64, mac: &str, ip: &str) -> Active {
    let row = SessionRow {
        id,
        user_id,
        profile_id: 1,
        mac: mac.into(),
        ip: ip.into(),
        started_at: 0,
        session_timeout: 60,
        idle_timeout: 60,
        bytes_up: 0,
        bytes_down: 0,
        last_activity_at: 0,
        ended_at: None,
        end_cause: None,
    };
    Active::new(row, ip.parse().unwrap(), 0)
}

fn user_state(id: i64, profile_name: &str) -> UserState {
    UserState {
        user: User {
            id,
            username: None,
            note: String::new(),
            created_at: 0,
            max_logins: None,
            logins: 0,
            disabled_at: None,
        },
        queue: Vec::new(),
        profile: Arc::new(Profile {
            id: 1,
            name: profile_name.into(),
            name_for_users: "Day pass".into(),
            owner: "admin".into(),
            clock: crate::model::profile::ProfileClock {
                validity_secs: Some(86_400),
                starts: crate::model::profile::Starts::FirstLogon,
            },
            price_cents: None,
            shared_users: 1,
            outside_windows: crate::model::limitation::OutsideWindows::Deny,
            limitations: Vec::new(),
        }),
        usage: HashMap::new(),
        effective: Effective::default(),
        applied: Applied::default(),
    }
}

#[test]
fn users_of_one_profile_share_one_copy_until_it_changes() {
    let mut reg = Registry::default();
    reg.insert_user(1, user_state(1, "day"));
    reg.insert_user(2, user_state(2, "day"));
    assert!(Arc::ptr_eq(&reg.users[&1].profile, &reg.users[&2].profile));
    // The profile was edited: a user loaded since gets the new version, not the old copy.
    reg.insert_user(3, user_state(3, "day, renamed"));
    assert_eq!(reg.users[&3].profile.name, "day, renamed");
    assert_eq!(reg.users[&1].profile.name, "day");
}

#[test]
fn indexes_follow_inserts_and_removals() {
    let mut reg = Registry::default();
    reg.insert_session(active(2, 7, "02:00:00:00:00:02", "10.0.0.2"));
    reg.insert_session(active(1, 7, "02:00:00:00:00:01", "10.0.0.1"));
    reg.insert_session(active(3, 8, "02:00:00:00:00:03", "10.0.0.3"));
    let ids: Vec<i64> = reg.devices_of(7).iter().map(|a| a.row.id).collect();
    assert_eq!(ids, vec![1, 2], "oldest first");
    assert_eq!(
        reg.by_ip("10.0.0.3".parse().unwrap()).map(|a| a.row.id),
        Some(3)
    );
    // The same device moving to another address, then leaving.
    let mut moved = reg.remove_session("02:00:00:00:00:02").unwrap();
    moved.ip = "10.0.0.9".parse().unwrap();
    reg.insert_session(moved);
    assert!(reg.by_ip("10.0.0.2".parse().unwrap()).is_none());
    assert_eq!(
        reg.by_ip("10.0.0.9".parse().unwrap()).map(|a| a.row.id),
        Some(2)
    );
    // IPv6 addresses belong to the device until its session goes.
    let v6: Ipv6Addr = "2001:db8::2".parse().unwrap();
    reg.add_ip6("02:00:00:00:00:02", v6, 100);
    assert_eq!(reg.holder6(v6), Some("02:00:00:00:00:02"));
    // Seen again by its holder: the sighting counts; by another device: it does not.
    reg.saw_ip6("02:00:00:00:00:02", v6, 130);
    reg.saw_ip6("02:00:00:00:00:01", v6, 160);
    assert_eq!(reg.holder6_seen(v6), Some(("02:00:00:00:00:02", 130)));
    reg.remove_session("02:00:00:00:00:01");
    reg.remove_session("02:00:00:00:00:02");
    assert_eq!(reg.holder6(v6), None);
    assert!(!reg.has_devices(7) && reg.devices_of(7).is_empty());
    assert!(reg.has_devices(8));
    // A device taken over by another user leaves the first user's index.
    reg.insert_session(active(4, 9, "02:00:00:00:00:03", "10.0.0.3"));
    assert!(!reg.has_devices(8));
    assert_eq!(reg.devices_of(9).len(), 1);
    // Replaced in place at other addresses: the old ones are free again.
    let mut held = active(5, 9, "02:00:00:00:00:03", "10.0.0.3");
    held.ip6 = vec![v6];
    reg.insert_session(held);
    reg.insert_session(active(6, 9, "02:00:00:00:00:03", "10.0.0.4"));
    assert!(reg.by_ip("10.0.0.3".parse().unwrap()).is_none());
    assert_eq!(
        reg.holder6(v6),
        None,
        "a replaced session kept its IPv6 address"
    );
    assert_eq!(reg.devices_of(9).len(), 1);
}
