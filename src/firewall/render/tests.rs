use super::*;

fn lan(interface: &str, subnet: &str, address: &str) -> Lan {
    Lan {
        interface: interface.into(),
        subnet: subnet.parse().unwrap(),
        address: address.parse().unwrap(),
        subnet6: None,
    }
}

fn policy() -> FirewallPolicy {
    FirewallPolicy {
        lans: vec![lan("lan0", "10.77.0.0/24", "10.77.0.1")],
        portal_port: 2050,
        wan_interface: Some("wan0".into()),
        manager: None,
    }
}

/// Golden file: `UPDATE_GOLDEN=1 cargo test` rewrites it after an intended change; review
/// the diff like code.
#[test]
fn matches_golden_json() {
    let rendered = serde_json::to_string_pretty(&render(&policy())).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/ruleset.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, &rendered).unwrap();
    }
    let golden =
        std::fs::read_to_string(path).expect("golden file missing: run with UPDATE_GOLDEN=1");
    assert_eq!(rendered, golden, "rendered ruleset differs from {path}");
}

#[test]
fn replaces_only_our_table_atomically() {
    let batch = render(&policy());
    let cmds = batch["nftables"].as_array().unwrap();
    assert_eq!(cmds[0]["add"]["table"]["name"], TABLE);
    assert_eq!(cmds[1]["delete"]["table"]["name"], TABLE);
    for cmd in cmds {
        let body = cmd.as_object().unwrap().values().next().unwrap();
        let obj = body.as_object().unwrap().values().next().unwrap();
        let table = obj.get("table").or(obj.get("name")).unwrap();
        assert!(
            obj["family"] == FAMILY && (table == TABLE || obj.get("table") == Some(&json!(TABLE)))
        );
    }
    assert_eq!(rule_count(&batch), 46);
}

/// Every guest-side match names all networks at once, and a second network adds no rule.
#[test]
fn several_networks_share_the_rules() {
    let mut two = policy();
    two.lans.push(lan("vlan20", "10.79.0.0/24", "10.79.0.1"));
    let batch = render(&two);
    assert_eq!(rule_count(&batch), rule_count(&render(&policy())));
    let both = json!({"set": ["lan0", "vlan20"]});
    let mut interface_matches = 0;
    for cmd in batch["nftables"].as_array().unwrap() {
        let Some(exprs) = cmd["add"]["rule"]["expr"].as_array() else {
            continue;
        };
        for m in exprs.iter().filter_map(|e| e.get("match")) {
            let key = &m["left"]["meta"]["key"];
            if key == "iifname" || key == "oifname" {
                assert_eq!(m["right"], both, "a rule sees only one network: {cmd}");
                interface_matches += 1;
            }
        }
    }
    assert!(
        interface_matches >= 20,
        "only {interface_matches} interface matches"
    );
    let portal = json!({"set": ["10.77.0.1", "10.79.0.1"]});
    assert!(
        batch.to_string().contains(&portal.to_string()),
        "the portal is open on both gateway addresses"
    );
}

#[test]
fn guests_packets_to_the_embedded_manager_are_dropped_before_anything_is_accepted() {
    for listen in ["10.66.0.1:8443", "[fd00:66::1]:8443"] {
        let batch = render(&FirewallPolicy {
            manager: Some(listen.parse().unwrap()),
            ..policy()
        });
        let guard: Vec<String> = batch["nftables"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["add"]["rule"]["chain"] == "guard")
            .map(|c| c["add"]["rule"]["expr"].to_string())
            .collect();
        assert!(guard[0].contains("\"dport\"") && guard[0].contains("8443"));
        let ip = listen.trim_end_matches(":8443").trim_matches(['[', ']']);
        assert!(
            guard[1].contains("\"daddr\"") && guard[1].contains(ip),
            "{}",
            guard[1]
        );
        for rule in &guard[..2] {
            assert!(
                rule.contains("lan0") && rule.ends_with("{\"drop\":null}]"),
                "{rule}"
            );
        }
    }
    assert_eq!(
        rule_count(&render(&FirewallPolicy {
            manager: Some("127.0.0.1:8443".parse().unwrap()),
            ..policy()
        })),
        rule_count(&render(&policy())) + 2
    );
}
