use super::*;

#[test]
fn lists_replace_the_sets_whole() {
    let lists = AccessLists {
        allow: vec![AllowedDevice::unlimited("02:00:00:00:00:01")],
        block: vec![],
        garden: vec![
            "203.0.113.0/24".parse().unwrap(),
            "198.51.100.7/32".parse().unwrap(),
        ],
    };
    let cmds = commands(&lists);
    assert_eq!(cmds.iter().filter(|c| c.get("flush").is_some()).count(), 6);
    assert_eq!(cmds.len(), 8, "no add for the empty blocklist or policers");
    assert_eq!(
        cmds[7]["add"]["element"]["elem"],
        json!([{"prefix": {"addr": "203.0.113.0", "len": 24}}, "198.51.100.7"])
    );
    assert_eq!(commands(&AccessLists::default()).len(), 6);
}

fn policed(mac: &str, down: Option<u64>, up: Option<u64>) -> AllowedDevice {
    AllowedDevice {
        mac: mac.into(),
        rate_down_bps: down,
        rate_up_bps: up,
    }
}

#[test]
fn a_policed_device_gets_its_own_mark_and_policers() {
    let printer = policed("02:00:00:00:00:01", Some(8_000_000), Some(2_000_000));
    let tv = policed("02:00:00:00:00:02", Some(20_000_000), None);
    let lists = AccessLists {
        allow: vec![
            printer.clone(),
            tv,
            AllowedDevice::unlimited("02:00:00:00:00:03"),
        ],
        ..AccessLists::default()
    };
    let cmds = commands(&lists);
    let elements = |map: &str| {
        cmds.iter()
            .find(|c| c["add"]["element"]["name"] == map)
            .map(|c| c["add"]["element"]["elem"].clone())
            .unwrap_or_default()
    };
    let marks = device_marks(&lists.allow);
    assert_eq!(
        marks.len(),
        2,
        "the unlimited device has no mark of its own"
    );
    let printer_mark = marks[0].1;
    assert_eq!(printer_mark & ALLOWED_FLOW_MARK, ALLOWED_FLOW_MARK);
    assert_ne!(printer_mark, marks[1].1);
    assert_eq!(
        elements("allow_mark")[0],
        json!([printer.mac, printer_mark])
    );
    assert_eq!(
        elements("allow_up_limit"),
        json!([["02:00:00:00:00:01", "au_020000000001_2000000"]])
    );
    assert_eq!(elements("allow_down_limit").as_array().unwrap().len(), 2);
    assert_eq!(
        elements("allow_down_limit")[0],
        json!([printer_mark, "ad_020000000001_8000000"])
    );
    assert_eq!(elements("allow_mac").as_array().unwrap().len(), 3);
    // Objects come before the map elements that name them.
    let first_limit = cmds.iter().position(|c| c["add"].get("limit").is_some());
    let first_map = cmds
        .iter()
        .position(|c| c["add"]["element"]["name"] == "allow_up_limit");
    assert!(first_limit < first_map);
}

/// A device's mark does not depend on the rest of the list, so a change to the list
/// leaves the flows of the other devices with the right mark.
#[test]
fn marks_are_stable_and_never_clash() {
    let devices: Vec<AllowedDevice> = (0..2000)
        .map(|i| {
            policed(
                &format!("02:00:00:00:{:02x}:{:02x}", i / 256, i % 256),
                Some(1),
                None,
            )
        })
        .collect();
    let marks: Vec<u32> = device_marks(&devices).iter().map(|(_, m)| *m).collect();
    let distinct: std::collections::HashSet<_> = marks.iter().collect();
    assert_eq!(distinct.len(), devices.len());
    assert!(
        marks
            .iter()
            .all(|m| m & !DEVICE_MARK_BITS == ALLOWED_FLOW_MARK && m & DEVICE_MARK_BITS != 0)
    );
    let alone = device_marks(&devices[7..8])[0].1;
    assert_eq!(alone, device_marks(&devices)[7].1);
}
