use super::*;

fn message(kind: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    let len = 16 + payload.len();
    m.extend_from_slice(&(len as u32).to_ne_bytes());
    m.extend_from_slice(&kind.to_ne_bytes());
    m.extend_from_slice(&flags.to_ne_bytes());
    m.extend_from_slice(&seq.to_ne_bytes());
    m.extend_from_slice(&0u32.to_ne_bytes());
    m.extend_from_slice(payload);
    while m.len() % 4 != 0 {
        m.push(0);
    }
    m
}

fn attr(kind: u16, payload: &[u8]) -> Vec<u8> {
    let mut a = Vec::new();
    a.extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
    a.extend_from_slice(&kind.to_ne_bytes());
    a.extend_from_slice(payload);
    while a.len() % 4 != 0 {
        a.push(0);
    }
    a
}

/// An object message as the kernel dumps it: nfgenmsg, name, type, nested data.
fn object(name: &str, kind: u32, data: &[(u16, u64)]) -> Vec<u8> {
    let mut payload = vec![1, 0, 0, 0];
    payload.extend(attr(NFTA_OBJ_NAME, format!("{name}\0").as_bytes()));
    payload.extend(attr(NFTA_OBJ_TYPE, &kind.to_be_bytes()));
    let nested: Vec<u8> = data
        .iter()
        .flat_map(|(k, v)| attr(*k, &v.to_be_bytes()))
        .collect();
    payload.extend(attr(NFTA_OBJ_DATA | 0x8000, &nested));
    message(OBJECT_MESSAGE, 2, 9, &payload)
}

#[test]
fn acknowledgements_and_errors_are_read_and_junk_ends_the_read() {
    let mut data = message(NLMSG_ERROR, 0, 4, &(-17i32).to_ne_bytes());
    data.extend(message(NLMSG_DONE, 0, 5, &0i32.to_ne_bytes()));
    data.extend(message(NLMSG_ERROR, 0, 9, &0i32.to_ne_bytes()));
    data.extend_from_slice(&[200, 0, 0, 0, 2, 0]); // a truncated header
    let errors: Vec<(u32, i32)> = messages(&data)
        .filter_map(|m| Some((m.seq, m.errno()?)))
        .collect();
    assert_eq!(errors, [(4, -17), (9, 0)]);
    let mut lying = message(NLMSG_ERROR, 0, 1, &0i32.to_ne_bytes());
    lying[0] = 255; // longer than the datagram
    assert_eq!(messages(&lying).count(), 0);
}

#[test]
fn counters_and_quotas_are_read_from_a_dump_and_the_rest_skipped() {
    let mut k = KernelCounters::default();
    let dump = [
        // A counter with its pad attribute before the bytes, as the kernel aligns u64s.
        object(
            "cu1",
            NFT_OBJECT_COUNTER,
            &[(3, 0), (NFTA_COUNTER_BYTES, 180), (2, 3)],
        ),
        object(
            "qt7",
            NFT_OBJECT_QUOTA,
            &[(1, 1_000_000), (NFTA_QUOTA_CONSUMED, 5000)],
        ),
        object("lu1", 4, &[(1, 125_000)]),
        object("no-bytes", NFT_OBJECT_COUNTER, &[]),
    ]
    .concat();
    for m in messages(&dump) {
        add_object(&m, &mut k);
    }
    assert_eq!(k.counters.get("cu1"), Some(&180));
    assert_eq!(k.quotas.get("qt7"), Some(&5000));
    assert_eq!((k.counters.len(), k.quotas.len()), (1, 1));
}

#[test]
fn no_cut_of_an_object_message_panics_or_reads_garbage() {
    let whole = object("cd2", NFT_OBJECT_COUNTER, &[(NFTA_COUNTER_BYTES, 42)]);
    for cut in 0..whole.len() {
        let mut k = KernelCounters::default();
        let mut part = whole[..cut].to_vec();
        if part.len() >= 4 {
            part[..4].copy_from_slice(&(cut as u32).to_ne_bytes());
        }
        for m in messages(&part) {
            add_object(&m, &mut k);
        }
        assert!(k.counters.values().all(|&v| v == 42), "cut at {cut}: {k:?}");
    }
}
