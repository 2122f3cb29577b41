//! What a click-through login leaves behind, end to end in the namespace lab: its consents
//! are on record before the device is let through, and its user is a guest's, not a voucher.

mod common;

use common::click::*;
use common::lab::Lab;
use serde_json::Value;

/// Makes every write to the daemon's consent ledger fail (as a full or failing disk would),
/// or lets writes through again.
fn ledger_fails(lab: &Lab, fails: bool) {
    let db = rusqlite::Connection::open(lab.dir.path().join("data/hotspotd.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    let sql = if fails {
        "CREATE TRIGGER test_ledger_fails BEFORE INSERT ON consents
         BEGIN SELECT RAISE(ABORT, 'test: the ledger cannot be written'); END;"
    } else {
        "DROP TRIGGER test_ledger_fails;"
    };
    db.execute_batch(sql).unwrap();
}

#[test]
fn a_click_through_guest_goes_online_only_once_its_consents_are_recorded() {
    let lab = Lab::start(1);
    setup_click(&lab, false);

    ledger_fails(&lab, true);
    let (status, page) = click(&lab, 1, &[ACCEPT, MARKETING], &[]);
    assert_ne!(
        status, "303",
        "admitted without its consents on record:\n{page}"
    );
    assert!(lab.client(1).is_none(), "{:?}", lab.clients());
    assert!(
        guests(&lab).is_empty(),
        "half a guest recorded: {:?}",
        guests(&lab)
    );
    assert!(
        lab.log().contains("the ledger cannot be written"),
        "{}",
        lab.log()
    );

    ledger_fails(&lab, false);
    let (status, page) = click(&lab, 1, &[ACCEPT, MARKETING], &[]);
    assert_eq!(status, "303", "{page}");
    assert!(lab.client(1).is_some());
    let g = guest(&lab, &guest_of(&lab, 1)["id"]);
    let ledger = ledger(&g);
    for purpose in ["terms", "privacy", "marketing"] {
        assert!(
            ledger.contains(&row(purpose, true, "splash-checkbox")),
            "{purpose} missing: {ledger:?}"
        );
    }
    assert_eq!(
        g["sessions"].as_array().unwrap().len(),
        1,
        "linked to its session: {g}"
    );
}

#[test]
fn a_click_through_guests_user_is_listed_with_the_guests_not_the_vouchers() {
    let lab = Lab::start(1);
    setup_click(&lab, false);
    lab.vouchers(&["--validity", "1h"]);
    assert_eq!(click(&lab, 1, &[ACCEPT], &[]).0, "303");
    let user_id = lab.client(1).unwrap()["user_id"].clone();

    let vouchers: Vec<Value> =
        serde_json::from_str(&lab.ok(&["voucher", "list", "--json"])).unwrap();
    assert_eq!(vouchers.len(), 1, "only the voucher printed: {vouchers:?}");
    assert!(vouchers.iter().all(|v| v["id"] != user_id), "{vouchers:?}");
    assert!(!lab.ok(&["voucher", "list"]).contains("click guest"));
    assert_eq!(guest_of(&lab, 1)["method"], "click");
}
