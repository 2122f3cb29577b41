use super::*;
use crate::sniff::fixtures::{GATEWAY_MAC, frame_from, response};

/// Runs a classic BPF program over a frame as the kernel would: the bytes to keep (0: drop).
/// Loads past the end drop the frame, as in the kernel.
fn run(program: &[sock_filter], frame: &[u8]) -> u32 {
    run_tagged(program, frame, false)
}

/// [`run`] for a frame that arrived with a VLAN tag (`tagged`: the kernel keeps the tag out
/// of the bytes and answers the ancillary load).
fn run_tagged(program: &[sock_filter], frame: &[u8], tagged: bool) -> u32 {
    let (mut a, mut x, mut pc) = (0u32, 0u32, 0usize);
    let byte = |at: usize| frame.get(at).copied().map(u32::from);
    let half = |at: usize| Some(byte(at)? << 8 | byte(at + 1)?);
    loop {
        let ins = program[pc];
        let k = ins.k as usize;
        pc += 1;
        let jump = |taken: bool| usize::from(if taken { ins.jt } else { ins.jf });
        match ins.code {
            LDW_ABS if ins.k == VLAN_TAG_PRESENT => a = u32::from(tagged),
            LDH_ABS => match half(k) {
                Some(v) => a = v,
                None => return 0,
            },
            LDB_ABS => match byte(k) {
                Some(v) => a = v,
                None => return 0,
            },
            LDH_IND => match half(x as usize + k) {
                Some(v) => a = v,
                None => return 0,
            },
            LDX_MSH => match byte(k) {
                Some(v) => x = 4 * (v & 0x0f),
                None => return 0,
            },
            JEQ => pc += jump(a == ins.k),
            JSET => pc += jump(a & ins.k != 0),
            RET => return ins.k,
            other => panic!("opcode {other:#x} not interpreted"),
        }
    }
}

fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&[0x02, 0x77, 0, 0, 0, 0x0b]);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn ipv4_udp(sport: u16, dport: u16, frag: u16) -> Vec<u8> {
    let mut ip = vec![0x45, 0, 0, 48, 0, 0];
    ip.extend_from_slice(&frag.to_be_bytes());
    ip.extend_from_slice(&[64, 17, 0, 0, 10, 77, 0, 11, 10, 88, 0, 2]);
    ip.extend_from_slice(&sport.to_be_bytes());
    ip.extend_from_slice(&dport.to_be_bytes());
    ip.extend_from_slice(&[0, 28, 0, 0]);
    ip.extend_from_slice(&[0; 20]);
    ethernet(0x0800, &ip)
}

fn ipv4_tcp(dport: u16) -> Vec<u8> {
    let mut ip = vec![
        0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 77, 0, 11, 10, 88, 0, 2,
    ];
    ip.extend_from_slice(&[0xc0, 0x00]);
    ip.extend_from_slice(&dport.to_be_bytes());
    ip.extend_from_slice(&[0; 16]);
    ethernet(0x0800, &ip)
}

fn ipv6(next: u8, body: &[u8]) -> Vec<u8> {
    let mut ip = vec![0x60, 0, 0, 0, 0, body.len() as u8, next, 64];
    ip.extend_from_slice(&[
        0x20, 0x01, 0x0d, 0xb8, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11,
    ]);
    ip.extend_from_slice(&[
        0x20, 0x01, 0x0d, 0xb8, 0, 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    ]);
    ip.extend_from_slice(body);
    ethernet(0x86dd, &ip)
}

fn tcp_flags(flags: u8) -> Vec<u8> {
    let mut tcp = vec![0xc0, 0x00, 0x01, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, flags];
    tcp.extend_from_slice(&[0; 6]);
    tcp
}

#[test]
fn what_the_sniffer_reads_passes() {
    let arp = ethernet(0x0806, &[0, 1, 8, 0, 6, 4, 0, 1]);
    let dns_answer = frame_from(GATEWAY_MAC, &response());
    let cases = [
        ("ARP", arp),
        ("DNS answer", dns_answer),
        ("DHCP discover", ipv4_udp(68, 67, 0)),
        ("DHCP ack", ipv4_udp(67, 68, 0)),
        ("ICMPv6", ipv6(58, &[135, 0, 0, 0, 0, 0, 0, 0])),
        ("IPv6 TCP SYN", ipv6(6, &tcp_flags(0x02))),
    ];
    for (what, frame) in cases {
        assert_eq!(run(&PROGRAM, &frame), 0x0004_0000, "{what} dropped");
    }
}

#[test]
fn forwarded_traffic_stays_in_the_kernel() {
    let cases = [
        ("IPv4 TCP", ipv4_tcp(443)),
        ("IPv4 HTTP", ipv4_tcp(80)),
        ("QUIC", ipv4_udp(50000, 443, 0)),
        ("DNS query", ipv4_udp(50000, 53, 0)),
        (
            "later fragment of a DNS answer",
            ipv4_udp(53, 50000, 0x00b9),
        ),
        ("IPv6 TCP data", ipv6(6, &tcp_flags(0x10))),
        ("IPv6 UDP", ipv6(17, &[0; 8])),
        ("VLAN tag in the frame", ethernet(0x8100, &[0; 40])),
        ("runt", vec![0; 10]),
    ];
    for (what, frame) in cases {
        assert_eq!(run(&PROGRAM, &frame), 0, "{what} passed");
    }
}

/// On a bridge that also carries VLANs, the tagged frames are the VLAN interface's to see.
#[test]
fn tagged_frames_are_left_to_their_vlan_interface() {
    let frames = [
        ("ARP", ethernet(0x0806, &[0; 28])),
        ("DHCP ack", ipv4_udp(67, 68, 0)),
    ];
    for (what, frame) in frames {
        assert_eq!(
            run(&PROGRAM, &frame),
            0x0004_0000,
            "untagged {what} dropped"
        );
        assert_eq!(
            run_tagged(&PROGRAM, &frame, true),
            0,
            "tagged {what} passed"
        );
    }
}

#[test]
fn every_jump_lands_inside_the_program() {
    for (pc, ins) in PROGRAM.iter().enumerate() {
        if ins.code == JEQ || ins.code == JSET {
            for offset in [ins.jt, ins.jf] {
                assert!(pc + 1 + usize::from(offset) < PROGRAM.len(), "jump at {pc}");
            }
        }
    }
    assert_eq!(PROGRAM[PROGRAM.len() - 1].code, RET);
}
