//! Crafted frames shared by the capture and parser tests.

/// A response to "pay.example.com A": CNAME to edge.cdn.net (compressed), then two A records
/// for edge.cdn.net, plus an unrelated A record that must be ignored.
pub fn response() -> Vec<u8> {
    let mut m = vec![
        0x12, 0x34, // id
        0x81, 0x80, // response, recursion available, rcode 0
        0, 1, 0, 4, 0, 0, 0, 0, // 1 question, 4 answers
    ];
    // question at offset 12: pay.example.com A IN
    m.extend_from_slice(b"\x03pay\x07example\x03com\x00\x00\x01\x00\x01");
    // answer 1: pay.example.com (pointer to 12) CNAME edge.cdn.net
    let cname_rdata = b"\x04edge\x03cdn\x03net\x00";
    m.extend_from_slice(&[
        0xc0,
        12,
        0,
        5,
        0,
        1,
        0,
        0,
        0,
        30,
        0,
        cname_rdata.len() as u8,
    ]);
    let edge_at = m.len();
    m.extend_from_slice(cname_rdata);
    // answers 2 and 3: edge.cdn.net (pointer) A 203.0.113.7 / .8, TTL 60
    for last in [7u8, 8] {
        m.extend_from_slice(&[
            0xc0,
            edge_at as u8,
            0,
            1,
            0,
            1,
            0,
            0,
            0,
            60,
            0,
            4,
            203,
            0,
            113,
            last,
        ]);
    }
    // answer 4: an unrelated name
    m.extend_from_slice(b"\x05other\x03org\x00");
    m.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 1]);
    m
}

/// The payload as a DNS answer from port 53 in UDP/IPv4/Ethernet, sent by `src`.
pub fn frame_from(src: [u8; 6], payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0x77, 0, 0, 0, 0x0b];
    f.extend_from_slice(&src);
    f.extend_from_slice(&[0x08, 0x00]);
    let total = 20 + 8 + payload.len();
    f.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        17,
        0,
        0,
        10,
        77,
        0,
        1,
        10,
        77,
        0,
        11,
    ]);
    let udp = 8 + payload.len();
    f.extend_from_slice(&[0, 53, 0xc3, 0x50, (udp >> 8) as u8, udp as u8, 0, 0]);
    f.extend_from_slice(payload);
    f
}

/// [`frame_from`] with the gateway's MAC of the tests.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    frame_from(GATEWAY_MAC, payload)
}

/// The source MAC the tests give the gateway.
pub const GATEWAY_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 2];
