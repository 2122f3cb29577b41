use super::*;

/// (type, flags, seq, payload) of each message in a batch.
fn messages(bytes: &[u8]) -> Vec<(u16, u16, u32, &[u8])> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let len = u32::from_ne_bytes(rest[0..4].try_into().unwrap()) as usize;
        assert!(
            len >= 20 && len <= rest.len() && len % 4 == 0,
            "bad length {len}"
        );
        let kind = u16::from_ne_bytes([rest[4], rest[5]]);
        let flags = u16::from_ne_bytes([rest[6], rest[7]]);
        let seq = u32::from_ne_bytes(rest[8..12].try_into().unwrap());
        out.push((kind, flags, seq, &rest[16..len]));
        rest = &rest[len..];
    }
    out
}

fn grant_elements(n: u32) -> Vec<Element> {
    (0..n)
        .map(|i| {
            let ip = Ipv4Addr::from(0x0a00_0000 + i);
            let mac = format!(
                "02:00:00:{:02x}:{:02x}:{:02x}",
                i >> 16 & 255,
                i >> 8 & 255,
                i & 255
            );
            Element::timed(Key::MacV4(mac, ip), 3600)
        })
        .collect()
}

#[test]
fn a_batch_is_begin_commands_end_with_one_acknowledgement_asked() {
    let ops = [
        Op::AddObject(Object::counter("cu1".into())),
        Op::AddObject(Object::limit("lu1".into(), 8_000_000)),
        Op::AddElements("authed", grant_elements(2)),
        Op::DeleteElements("authed_ip", vec![Key::V4(Ipv4Addr::new(10, 0, 0, 1))]),
    ];
    let batch = encode(&ops, 7).unwrap();
    let msgs = messages(&batch.bytes);
    let kinds: Vec<u16> = msgs.iter().map(|m| m.0).collect();
    let nft = |msg: u16| NFNL_SUBSYS_NFTABLES << 8 | msg;
    assert_eq!(
        kinds,
        [
            NFNL_MSG_BATCH_BEGIN,
            nft(NFT_MSG_NEWOBJ),
            nft(NFT_MSG_NEWOBJ),
            nft(NFT_MSG_NEWSETELEM),
            nft(NFT_MSG_DELSETELEM),
            NFNL_MSG_BATCH_END
        ]
    );
    let seqs: Vec<u32> = msgs.iter().map(|m| m.2).collect();
    assert_eq!(seqs, [7, 8, 9, 10, 11, 12]);
    let acked: Vec<u32> = msgs
        .iter()
        .filter(|m| m.1 & NLM_F_ACK != 0)
        .map(|m| m.2)
        .collect();
    assert_eq!(acked, [batch.last_seq()]);
    assert_eq!(batch.last_seq(), 11);
    assert_eq!(
        (
            batch.op_index(8),
            batch.op_index(10),
            batch.op_index(11),
            batch.op_index(7)
        ),
        (Some(0), Some(2), Some(3), None)
    );
    // The batch begin names the nf_tables subsystem; adds create, deletes do not.
    assert_eq!(&msgs[0].3[2..4], &NFNL_SUBSYS_NFTABLES.to_be_bytes());
    assert_ne!(msgs[3].1 & NLM_F_CREATE, 0);
    assert_eq!(msgs[4].1 & NLM_F_CREATE, 0);
}

#[test]
fn a_long_element_list_is_split_into_messages_of_the_same_operation() {
    let ops = [
        Op::AddObject(Object::counter("c".into())),
        Op::AddElements("authed", grant_elements(10_000)),
    ];
    let batch = encode(&ops, 1).unwrap();
    let msgs = messages(&batch.bytes);
    let element_messages = msgs.len() - 3;
    assert!(
        element_messages > 5,
        "{element_messages} messages for 10,000 elements"
    );
    assert!(batch.op_of_message[1..].iter().all(|&op| op == 1));
    assert_eq!(batch.op_of_message.len(), msgs.len() - 2);
    // Every element arrives: count the list items over all messages.
    let mut items = 0;
    for (_, _, _, payload) in &msgs[2..msgs.len() - 1] {
        assert!(payload.len() < usize::from(u16::MAX));
        let mut rest = &payload[4..];
        while !rest.is_empty() {
            let len = usize::from(u16::from_ne_bytes([rest[0], rest[1]]));
            let kind = u16::from_ne_bytes([rest[2], rest[3]]) & !NLA_F_NESTED;
            if kind == NFTA_SET_ELEM_LIST_ELEMENTS {
                let mut list = &rest[4..len];
                while !list.is_empty() {
                    items += 1;
                    let item = usize::from(u16::from_ne_bytes([list[0], list[1]]));
                    list = &list[item.next_multiple_of(4)..];
                }
            }
            rest = &rest[len.next_multiple_of(4)..];
        }
    }
    assert_eq!(items, 10_000);
}

#[test]
fn keys_are_laid_out_like_the_kernel_stores_them() {
    let mac = "0a:1b:2c:3d:4e:5f";
    assert_eq!(
        key_bytes(&Key::Mac(mac.into())).unwrap(),
        [10, 27, 44, 61, 78, 95]
    );
    assert_eq!(
        key_bytes(&Key::MacV4(mac.into(), Ipv4Addr::new(10, 0, 0, 9))).unwrap(),
        [10, 27, 44, 61, 78, 95, 0, 0, 10, 0, 0, 9]
    );
    assert_eq!(
        key_bytes(&Key::MacV6(mac.into(), Ipv6Addr::LOCALHOST))
            .unwrap()
            .len(),
        24
    );
    for bad in [
        "",
        "0a:1b:2c:3d:4e",
        "0a:1b:2c:3d:4e:5f:00",
        "0a:1b:2c:3d:4e:zz",
        "a:1b:2c:3d:4e:5f",
    ] {
        assert!(
            key_bytes(&Key::Mac(bad.into())).is_err(),
            "{bad:?} accepted"
        );
    }
}

#[test]
fn an_empty_change_writes_no_command() {
    let batch = encode(&[Op::AddElements("authed", Vec::new())], 1).unwrap();
    assert!(batch.op_of_message.is_empty());
    assert_eq!(messages(&batch.bytes).len(), 2);
}
