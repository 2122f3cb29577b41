use super::*;
use crate::model::profile::words::{describe_limitation, describe_window};
use crate::model::units::format_price;

#[test]
fn times_days_prices() {
    assert_eq!(time_of_day("from", "08:30").unwrap(), 30_600);
    assert_eq!(time_of_day("till", "24:00").unwrap(), 86_400);
    assert_eq!(time_of_day("from", "23:59:59").unwrap(), 86_399);
    for wrong in ["8", "25:00", "12:60", "24:01", "aa:bb"] {
        assert!(time_of_day("from", wrong).is_err(), "{wrong}");
    }
    assert_eq!(weekdays("all").unwrap(), 0x7f);
    assert_eq!(weekdays("mon-fri").unwrap(), 0b001_1111);
    assert_eq!(weekdays("sat,sun").unwrap(), 0b110_0000);
    assert_eq!(weekdays("fri-mon").unwrap(), 0b111_0001);
    assert!(weekdays("someday").is_err());
    assert_eq!(price_cents("4.50").unwrap(), 450);
    assert_eq!(price_cents("4.5").unwrap(), 450);
    assert_eq!(price_cents("12").unwrap(), 1200);
    assert!(
        price_cents("4.505").is_err() && price_cents("-1").is_err() && price_cents(".5").is_err()
    );
    assert_eq!(format_price(450), "4.50");
}

fn profile(name: &str) -> ProfileSpec {
    ProfileSpec {
        name: name.into(),
        name_for_users: String::new(),
        validity: "1d".into(),
        starts: "now".into(),
        price: "4.50".into(),
        shared_users: "2".into(),
        outside_windows: "unlimited".into(),
    }
}

#[test]
fn a_profile_is_read_with_defaults_and_each_rule_names_its_field() {
    let p = profile("day").checked("reseller").unwrap();
    assert_eq!(p.name_for_users, "day");
    assert_eq!(p.clock.validity_secs, Some(86_400));
    assert_eq!(p.price_cents, Some(450));
    assert_eq!(p.owner, "reseller");
    let field = |spec: ProfileSpec| spec.checked("x").unwrap_err().field;
    assert_eq!(field(profile(" day")), "name");
    assert_eq!(field(profile(&"x".repeat(65))), "name");
    for (change, expected) in [
        ("validity", "validity"),
        ("starts", "starts"),
        ("price", "price"),
        ("shared_users", "shared_users"),
        ("outside_windows", "outside_windows"),
    ] {
        let mut spec = profile("day");
        let slot = match change {
            "validity" => &mut spec.validity,
            "starts" => &mut spec.starts,
            "price" => &mut spec.price,
            "shared_users" => &mut spec.shared_users,
            _ => &mut spec.outside_windows,
        };
        *slot = "0x".into();
        assert_eq!(field(spec), expected);
    }
}

#[test]
fn limitations_and_windows_are_read_and_described() {
    let spec = LimitationSpec {
        name: "office".into(),
        uptime: "2h".into(),
        download: String::new(),
        upload: String::new(),
        transfer: "1GB".into(),
        down: "10M".into(),
        up: String::new(),
        reset: "daily".into(),
    };
    let l = spec.checked().unwrap();
    assert_eq!(
        describe_limitation(&l),
        "uptime 2h, transfer 1.0 GB, rate 10M/-, reset daily"
    );
    assert_eq!(LimitationSpec::of(&l).checked().unwrap(), l);
    let wrong = LimitationSpec {
        down: "fast".into(),
        ..spec
    };
    assert_eq!(wrong.checked().unwrap_err().field, "down");
    let w = WindowSpec {
        from: "08:00".into(),
        till: "18:00".into(),
        days: "mon-fri".into(),
    };
    assert_eq!(
        describe_window(&w.checked().unwrap()),
        "08:00–18:00 mon,tue,wed,thu,fri"
    );
    let empty = WindowSpec {
        till: "08:00".into(),
        ..w
    };
    assert_eq!(empty.checked().unwrap_err().field, "till");
}
