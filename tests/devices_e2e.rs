//! The device table from ARP and DHCP seen on the LAN, and refusing a spoofed address.

mod common;

use std::time::Duration;

use common::lab::{GATEWAY, Lab, guest_mac};

#[test]
fn dhcp_names_devices_and_a_spoofed_address_cannot_log_in() {
    let lab = Lab::start(2);
    let leased = "10.77.0.150";
    // Guest 1 asks for an address, giving its name; the gateway's DHCP server leases one.
    lab.dhcp_frame(
        &lab.guest(1),
        "wlan0",
        &["request", &guest_mac(1), "guest-phone", "lab-vendor"],
    );
    lab.dhcp_frame(&lab.gw(), "lan0", &["ack", &guest_mac(1), leased, GATEWAY]);
    // A guest forging a lease (even from the gateway's address) is not believed.
    lab.dhcp_frame(
        &lab.guest(2),
        "wlan0",
        &["ack", &guest_mac(1), "10.77.0.160", GATEWAY],
    );
    lab.wait_until(Duration::from_secs(3), "device table", || {
        let devices = lab.ok(&["devices", "--json"]);
        devices.contains("guest-phone")
            && devices.contains("lab-vendor")
            && devices.contains(leased)
    });
    let table = lab.ok(&["devices"]);
    assert!(
        table.contains("HOSTNAME")
            && table.contains("guest-phone")
            && table.contains(&guest_mac(1)),
        "{table}"
    );

    // Another device taking the leased address is refused.
    let codes = lab.vouchers(&["-n", "3"]);
    lab.use_address(2, leased);
    let (status, body, _) = lab.login(2, &codes[0], "");
    assert_eq!(status, "409", "{body}");
    assert!(body.contains("belongs to another device"), "{body}");
    // The lease holder itself logs in with it.
    lab.use_address(1, leased);
    assert_eq!(lab.login(1, &codes[1], "").0, "303");
    assert_eq!(lab.status(1, "http://example.com/"), "200");
    // The forged lease locked nobody out of 10.77.0.160.
    lab.use_address(2, "10.77.0.160");
    assert_eq!(lab.login(2, &codes[2], "").0, "303");
}
