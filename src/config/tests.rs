use super::*;

/// A machine with interfaces `lan0`, `vlan20` and `wan0` where port 80 is taken.
struct FakeMachine;

impl SystemProbe for FakeMachine {
    fn interface_exists(&self, name: &str) -> bool {
        ["lan0", "vlan20", "wan0"].contains(&name)
    }
    fn port_free(&self, _address: std::net::IpAddr, port: u16) -> Result<(), String> {
        if port == 80 {
            Err("Address already in use (os error 98)".into())
        } else {
            Ok(())
        }
    }
}

const GOOD: &str = r#"
hotspot_name = "Café"
data_dir = "/var/lib/hotspotd"
[lan]
interface = "lan0"
subnet = "10.77.0.0/24"
address = "10.77.0.1"
[wan]
interface = "wan0"
[sessions]
idle_timeout = "5m"
rate_down = "10M"
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("test.toml"), &FakeMachine)
}

fn key_of(err: ConfigError) -> &'static str {
    match err {
        ConfigError::Invalid { key, .. } => key,
        other => panic!("expected an invalid key, got {other}"),
    }
}

/// The settings document an old file's hotspot keys seed.
fn seed(c: &Config) -> &crate::model::settings::HotspotSettings {
    &c.legacy.as_ref().expect("hotspot keys").seed
}

#[test]
fn a_good_file_gets_defaults() {
    let c = parse(GOOD).unwrap();
    assert_eq!(c.portal_port, DEFAULT_PORTAL_PORT);
    let legacy = c.legacy.as_ref().unwrap();
    assert_eq!(
        legacy.keys,
        [
            "hotspot_name",
            "sessions.idle_timeout",
            "sessions.rate_down"
        ]
    );
    assert!(
        legacy
            .notice(Path::new("h.toml"))
            .contains("hotspot_name, sessions.idle_timeout")
    );
    let s = &seed(&c).sessions;
    assert_eq!(s.idle_timeout.secs(), 300);
    assert_eq!(s.session_timeout.secs(), 86_400);
    assert_eq!(s.rate_down.map(|r| r.bps()), Some(10_000_000));
    assert_eq!(s.rate_up, None);
    assert_eq!(seed(&c).name, "Café");
    assert_eq!(
        c.control_socket,
        Path::new("/var/lib/hotspotd/control.sock")
    );
    assert_eq!(c.portal_url(), "http://10.77.0.1:2050");
    assert_eq!(c.lans.len(), 1);
    assert_eq!(
        c.lans[0].subnet6, None,
        "IPv4 only unless a prefix is given"
    );
    let machine_only = "data_dir = \"/d\"\n[lan]\ninterface = \"lan0\"\nsubnet = \"10.77.0.0/24\"\naddress = \"10.77.0.1\"\n[wan]\ninterface = \"wan0\"\n";
    assert_eq!(
        parse(machine_only).unwrap().legacy,
        None,
        "a new file has no hotspot keys"
    );
    let dual = parse(&GOOD.replace("[wan]", "subnet6 = \"2001:db8:77::5/64\"\n[wan]")).unwrap();
    assert_eq!(
        dual.lans[0].subnet6,
        Some("2001:db8:77::/64".parse().unwrap())
    );
}

/// Two guest networks as `[[lan]]` tables (the `[lan]` of GOOD rewritten).
fn two_lans(second: &str) -> String {
    GOOD.replace("[lan]", "[[lan]]")
        .replace("[wan]", &format!("[[lan]]\n{second}\n[wan]"))
}

const VLAN20: &str = "interface = \"vlan20\"\nsubnet = \"10.79.0.0/24\"\naddress = \"10.79.0.1\"";

#[test]
fn several_guest_networks_each_get_their_portal_address() {
    let c = parse(&two_lans(VLAN20)).unwrap();
    let names: Vec<&str> = c.lans.iter().map(|l| l.interface.as_str()).collect();
    assert_eq!(names, ["lan0", "vlan20"]);
    let vlan_guest = "10.79.0.50".parse().unwrap();
    let lan = c.lan_of(vlan_guest).unwrap();
    assert_eq!(lan.interface, "vlan20");
    assert_eq!(c.portal_url_on(lan), "http://10.79.0.1:2050");
    assert_eq!(
        c.portal_url(),
        "http://10.77.0.1:2050",
        "the first is the main one"
    );
    assert!(c.lan_of("10.80.0.1".parse().unwrap()).is_none());
    assert!(
        !lan.has_guest("10.79.0.1".parse().unwrap()),
        "the gateway is no guest"
    );
    let changed = parse(GOOD).unwrap().restart_only_changes(&c);
    assert_eq!(changed, ["lan"], "adding a network needs a restart");
}

#[test]
fn guest_networks_must_not_collide() {
    let cases = [
        (two_lans(&VLAN20.replace("vlan20", "lan0")), "lan.interface"),
        (
            two_lans(
                &VLAN20
                    .replace("10.79.0.0/24", "10.77.0.0/16")
                    .replace("10.79.0.1", "10.77.9.1"),
            ),
            "lan.subnet",
        ),
        (
            two_lans(&format!("{VLAN20}\nsubnet6 = \"2001:db8:77::/64\"")).replace(
                "address = \"10.77.0.1\"",
                "address = \"10.77.0.1\"\nsubnet6 = \"2001:db8:77::/48\"",
            ),
            "lan.subnet6",
        ),
        (two_lans(&VLAN20.replace("vlan20", "wan0")), "wan.interface"),
        (
            "data_dir = \"/x\"\nlan = []\n[wan]\ninterface = \"wan0\"\n".into(),
            "lan",
        ),
    ];
    for (text, key) in cases {
        let err = parse(&text).unwrap_err();
        assert!(err.to_string().contains("fix:"), "{err}");
        assert_eq!(key_of(err), key, "{text}");
    }
    let err = parse(&two_lans(&format!("{VLAN20}\nmtu = 1500"))).unwrap_err();
    assert!(err.to_string().contains("unknown field `mtu`"), "{err}");
}

#[test]
fn unknown_keys_are_named() {
    let err = parse(&format!("{GOOD}\nsesion_timeout = \"1h\"\n")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("sesion_timeout"), "{msg}");
    let err = parse(&GOOD.replace("[wan]", "[wan]\nmtu = 1500")).unwrap_err();
    assert!(err.to_string().contains("unknown field `mtu`"), "{err}");
}

#[test]
fn missing_keys_are_named() {
    let err = parse(&GOOD.replace("subnet = \"10.77.0.0/24\"", "")).unwrap_err();
    assert!(err.to_string().contains("missing field `subnet`"), "{err}");
}

#[test]
fn bad_values_name_their_key_and_a_fix() {
    let cases = [
        (GOOD.replace("\"lan0\"", "\"eth9\""), "lan.interface"),
        (GOOD.replace("\"wan0\"", "\"lan0\""), "wan.interface"),
        (GOOD.replace("10.77.0.0/24", "10.77.0/33"), "lan.subnet"),
        (
            GOOD.replace("\"10.77.0.1\"", "\"10.78.0.1\""),
            "lan.address",
        ),
        (GOOD.replace("\"10.77.0.1\"", "\"gateway\""), "lan.address"),
        (
            GOOD.replace("[wan]", "subnet6 = \"2001:db8::/129\"\n[wan]"),
            "lan.subnet6",
        ),
        (
            GOOD.replace("[wan]", "subnet6 = \"fe80::/64\"\n[wan]"),
            "lan.subnet6",
        ),
        (format!("{GOOD}\n[portal]\nport = 80\n"), "portal.port"),
        (
            GOOD.replace("\"5m\"", "\"5 minutes\""),
            "sessions.idle_timeout",
        ),
        (GOOD.replace("\"10M\"", "\"fast\""), "sessions.rate_down"),
        (GOOD.replace("/var/lib/hotspotd", "state"), "data_dir"),
        (GOOD.replace("Café", " "), "hotspot_name"),
        (
            format!("{GOOD}\n[access]\nallow_macs = [\"printer\"]\n"),
            "access.allow_macs",
        ),
        (
            format!("{GOOD}\n[access]\ngarden = [\"pay example\"]\n"),
            "access.garden",
        ),
        (
            format!("{GOOD}\n[access]\ngarden = [\"*.apple.com\"]\n"),
            "access.garden",
        ),
        (
            GOOD.replace(
                "idle_timeout",
                "shared_users_policy = \"random\"\nidle_timeout",
            ),
            "sessions.shared_users_policy",
        ),
    ];
    for (text, key) in cases {
        let err = parse(&text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("fix:"), "{msg}");
        assert_eq!(key_of(err), key);
    }
}

#[test]
fn a_port_in_use_says_so() {
    let err = parse(&format!("{GOOD}\n[portal]\nport = 80\n")).unwrap_err();
    assert!(err.to_string().contains("already in use"), "{err}");
}

#[test]
fn the_shipped_configs_are_valid() {
    for file in ["packaging/hotspotd.toml", "lab/hotspotd.toml"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let config = Config::load(&path, &PathsOnly).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(config.legacy, None, "{file} still has hotspot keys");
    }
}

#[test]
fn an_allowlisted_device_can_be_described_and_policed() {
    let text = format!(
        "{GOOD}\n[access]\nallow_macs = [\"02:00:00:00:00:09\", {{ mac = \"02:AB:00:00:00:01\", note = \"lobby printer\", down = \"8M\", up = \"1M\" }}]\n"
    );
    let c = parse(&text).unwrap();
    let printer = &seed(&c).access.allow_macs[1];
    assert_eq!(printer.mac.as_str(), "02:ab:00:00:00:01");
    assert_eq!(printer.note, "lobby printer");
    assert_eq!(printer.down.map(|r| r.bps()), Some(8_000_000));
    assert_eq!(printer.up.map(|r| r.bps()), Some(1_000_000));
    let bad_rate = text.replace("\"8M\"", "\"fast\"");
    assert_eq!(key_of(parse(&bad_rate).unwrap_err()), "access.allow_macs");
    let unknown = parse(&text.replace("note =", "colour = \"red\", note =")).unwrap_err();
    assert!(
        unknown.to_string().contains("unknown field `colour`"),
        "{unknown}"
    );
}

#[test]
fn access_lists_are_normalised() {
    let c = parse(&format!("{GOOD}\n[access]\nallow_macs = [\"02:AB:CD:00:00:01\"]\ngarden = [\"203.0.113.7\", \"198.51.100.9/24\"]\n")).unwrap();
    let access = &seed(&c).access;
    assert_eq!(access.allow_macs.len(), 1);
    assert_eq!(access.allow_macs[0].mac.as_str(), "02:ab:cd:00:00:01");
    assert_eq!(access.allow_macs[0].down, None, "a bare MAC is unlimited");
    let d = parse(&format!("{GOOD}\n[access]\ngarden = [\"*.stripe.com\"]\n")).unwrap();
    assert_eq!(seed(&d).access.garden_domains().count(), 1);
    assert_eq!(seed(&d).access.garden_networks().count(), 0);
    assert_eq!(
        access.garden_networks().collect::<Vec<_>>(),
        vec![
            "203.0.113.7/32".parse::<ipnet::Ipv4Net>().unwrap(),
            "198.51.100.0/24".parse().unwrap()
        ]
    );
}

#[test]
fn an_old_file_that_the_settings_refuse_is_named() {
    let text = format!(
        "{GOOD}\n[access]\nallow_macs = [\"02:00:00:00:00:09\"]\nblock_macs = [\"02:00:00:00:00:09\"]\n"
    );
    let err = parse(&text).unwrap_err();
    assert!(
        matches!(&err, ConfigError::Seed(e) if e.field == "access.block_macs[0]"),
        "{err}"
    );
}

#[test]
fn the_embedded_manager_is_configured_on_a_management_address() {
    let c = parse(&format!("{GOOD}\n[manager]\nlisten = \"10.66.0.1:8443\"\n")).unwrap();
    let m = c.manager.clone().unwrap();
    assert_eq!(m.listen, "10.66.0.1:8443".parse().unwrap());
    assert_eq!(m.database, "sqlite:///var/lib/hotspotd/manager.db");
    assert_eq!((m.tls, m.public_url), (None, None));
    assert!(c.listen_addrs().contains(&m.listen));
    let moved = parse(&format!("{GOOD}\n[manager]\nlisten = \"127.0.0.1:8443\"\n")).unwrap();
    assert_eq!(c.restart_only_changes(&moved), ["manager"]);

    for (section, key) in [
        ("listen = \"10.77.0.9:8443\"", "manager.listen"),
        ("listen = \"0.0.0.0:8443\"", "manager.listen"),
        ("listen = \"manager:8443\"", "manager.listen"),
        ("listen = \"10.66.0.1:0\"", "manager.listen"),
        ("listen = \"10.66.0.1:80\"", "manager.listen"),
        ("listen = \"127.0.0.1:2050\"", "manager.listen"),
        ("listen = \"127.0.0.1:53\"", "manager.listen"),
        (
            "listen = \"10.66.0.1:8443\"\ntls_cert = \"/etc/hostname\"",
            "manager.tls_cert",
        ),
        (
            "listen = \"10.66.0.1:8443\"\ntls_cert = \"/nonexistent.pem\"\ntls_key = \"/etc/hostname\"",
            "manager.tls_cert",
        ),
        (
            "listen = \"10.66.0.1:8443\"\ndatabase = \"mysql://x\"",
            "manager.database",
        ),
        (
            "listen = \"10.66.0.1:8443\"\npublic_url = \"manager.example.com\"",
            "manager.public_url",
        ),
    ] {
        let err = parse(&format!("{GOOD}\n[manager]\n{section}\n")).unwrap_err();
        assert_eq!(key_of(err), key, "{section}");
    }
}
