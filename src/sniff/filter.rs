//! The capture socket's kernel filter (classic BPF): only frames the sniffer reads are copied
//! to the daemon — ARP; DHCP and DNS answers over IPv4; ICMPv6 (duplicate-address probes) and
//! TCP SYNs over IPv6 (a guest's new address) — not every packet the gateway forwards.
//! Frames that arrived with a VLAN tag belong to the VLAN's own interface (a guest network
//! of its own, captured there): the parent's capture leaves them alone.

use std::io;

use libc::sock_filter;

const fn op(code: u16, jt: u8, jf: u8, k: u32) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

// Classic BPF opcodes used below.
const LDW_ABS: u16 = 0x20; // A = u32 at [k], or an ancillary value for k ≥ SKF_AD_OFF
const LDH_ABS: u16 = 0x28; // A = u16 at [k]
const LDB_ABS: u16 = 0x30; // A = u8 at [k]
const LDH_IND: u16 = 0x48; // A = u16 at [X + k]
const LDX_MSH: u16 = 0xb1; // X = 4 * ([k] & 0x0f): the IPv4 header length
const JEQ: u16 = 0x15; // A == k ? jt : jf (relative)
const JSET: u16 = 0x45; // A & k != 0 ? jt : jf
const RET: u16 = 0x06; // accept k bytes (0: drop)

/// Ancillary load: 1 when the frame carried a VLAN tag (the kernel strips it from the bytes
/// before filters run, so only this tells).
pub const VLAN_TAG_PRESENT: u32 = (libc::SKF_AD_OFF + libc::SKF_AD_VLAN_TAG_PRESENT) as u32;

/// The program; jump offsets count instructions after the next one. Labels: IPV4 = 6,
/// IPV6 = 18, ACCEPT = 23, DROP = 24.
pub const PROGRAM: [sock_filter; 25] = [
    op(LDW_ABS, 0, 0, VLAN_TAG_PRESENT), // 0: tagged?
    op(JEQ, 0, 22, 0),                   // 1: untagged, else DROP
    op(LDH_ABS, 0, 0, 12),               // 2: ethertype
    op(JEQ, 19, 0, 0x0806),              // 3: ARP → ACCEPT
    op(JEQ, 1, 0, 0x0800),               // 4: IPv4 → IPV4
    op(JEQ, 12, 18, 0x86dd),             // 5: IPv6 → IPV6, else DROP
    op(LDB_ABS, 0, 0, 23),               // 6 IPV4: protocol
    op(JEQ, 0, 16, 17),                  // 7: UDP, else DROP
    op(LDH_ABS, 0, 0, 20),               // 8: flags and fragment offset
    op(JSET, 14, 0, 0x1fff),             // 9: a later fragment (no ports) → DROP
    op(LDX_MSH, 0, 0, 14),               // 10: X = header length
    op(LDH_IND, 0, 0, 14),               // 11: source port
    op(JEQ, 10, 0, 53),                  // 12: DNS answer → ACCEPT
    op(JEQ, 9, 0, 67),                   // 13: from a DHCP server → ACCEPT
    op(JEQ, 8, 0, 68),                   // 14: from a DHCP client → ACCEPT
    op(LDH_IND, 0, 0, 16),               // 15: destination port
    op(JEQ, 6, 0, 67),                   // 16: to a DHCP server → ACCEPT
    op(JEQ, 5, 6, 68),                   // 17: to a DHCP client → ACCEPT, else DROP
    op(LDB_ABS, 0, 0, 20),               // 18 IPV6: next header
    op(JEQ, 3, 0, 58),                   // 19: ICMPv6 → ACCEPT
    op(JEQ, 0, 3, 6),                    // 20: TCP, else DROP
    op(LDB_ABS, 0, 0, 14 + 40 + 13),     // 21: TCP flags
    op(JSET, 0, 1, 0x02),                // 22: SYN → ACCEPT, else DROP
    op(RET, 0, 0, 0x0004_0000),          // 23 ACCEPT: the whole frame
    op(RET, 0, 0, 0),                    // 24 DROP
];

/// An `AF_PACKET` socket for every protocol with [`PROGRAM`] attached; the caller binds it
/// to the interface (pnet does, given the descriptor) and owns it from then on.
pub fn filtered_packet_socket() -> io::Result<i32> {
    let protocol = (libc::ETH_P_ALL as u16).to_be() as i32;
    // SAFETY: plain socket(2) call; the result is checked.
    let fd = unsafe {
        libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            protocol,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let program = libc::sock_fprog {
        len: PROGRAM.len() as u16,
        filter: PROGRAM.as_ptr().cast_mut(),
    };
    // SAFETY: `program` points at a live, correctly sized array for the duration of the call;
    // the kernel copies it.
    let attached = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            (&program as *const libc::sock_fprog).cast(),
            std::mem::size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    };
    if attached != 0 {
        let err = io::Error::last_os_error();
        // SAFETY: `fd` is ours and not shared yet.
        unsafe { libc::close(fd) };
        return Err(err);
    }
    Ok(fd)
}

#[cfg(test)]
mod tests;
