//! DNS answers to guests, read from Ethernet frames the gateway sends on the LAN. Pure
//! functions over bytes: every length is checked, nothing panics on any input.

use std::net::Ipv4Addr;

/// One A record of an answer, attributed to the name the guest asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The question's name, lower case, without the trailing dot.
    pub question: String,
    /// An address in the answer (after any CNAME chain).
    pub address: Ipv4Addr,
    /// Its TTL in seconds.
    pub ttl: u32,
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn u8(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn u16(&self, at: usize) -> Option<u16> {
        Some(u16::from_be_bytes([self.u8(at)?, self.u8(at + 1)?]))
    }

    fn u32(&self, at: usize) -> Option<u32> {
        Some(u32::from_be_bytes([
            self.u8(at)?,
            self.u8(at + 1)?,
            self.u8(at + 2)?,
            self.u8(at + 3)?,
        ]))
    }

    /// Reads a (possibly compressed) name at `at`; returns it and the offset after it in the
    /// record (compression pointers end the name in place).
    fn name(&self, mut at: usize) -> Option<(String, usize)> {
        let mut labels: Vec<String> = Vec::new();
        let mut end = None;
        // Pointers can loop: a name has at most 127 labels, so more jumps is garbage.
        for _ in 0..128 {
            let len = self.u8(at)?;
            match len {
                0 => {
                    let name = labels.join(".").to_ascii_lowercase();
                    return Some((name, end.unwrap_or(at + 1)));
                }
                l if l & 0xc0 == 0xc0 => {
                    let pointer = usize::from(self.u16(at)? & 0x3fff);
                    end.get_or_insert(at + 2);
                    at = pointer;
                }
                l if l & 0xc0 == 0 => {
                    let label = self.bytes.get(at + 1..at + 1 + usize::from(l))?;
                    labels.push(String::from_utf8_lossy(label).into_owned());
                    at += 1 + usize::from(l);
                }
                _ => return None,
            }
        }
        None
    }
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const PROTO_UDP: u8 = 17;
const TYPE_A: u16 = 1;
const TYPE_CNAME: u16 = 5;
const CLASS_IN: u16 = 1;

/// The UDP payload of an IPv4 frame from source port 53, if that is what `frame` is. Frames
/// are untagged: the kernel strips a VLAN tag before the capture sees the frame, and the
/// capture's filter drops frames that carried one.
fn dns_payload(frame: &[u8]) -> Option<&[u8]> {
    let r = Reader { bytes: frame };
    if r.u16(12)? != ETHERTYPE_IPV4 {
        return None;
    }
    let ip = 14;
    let version_ihl = r.u8(ip)?;
    let header_len = usize::from(version_ihl & 0x0f) * 4;
    if version_ihl >> 4 != 4 || header_len < 20 || r.u8(ip + 9)? != PROTO_UDP {
        return None;
    }
    // Fragments other than the first carry no UDP header.
    if r.u16(ip + 6)? & 0x1fff != 0 {
        return None;
    }
    let udp = ip + header_len;
    if r.u16(udp)? != 53 {
        return None;
    }
    let udp_len = usize::from(r.u16(udp + 4)?);
    frame.get(udp + 8..udp + udp_len.max(8))
}

/// Parses a DNS response message: the A records reachable from the (single) question's name.
pub fn parse_message(msg: &[u8]) -> Vec<Resolved> {
    parse_message_inner(msg).unwrap_or_default()
}

fn parse_message_inner(msg: &[u8]) -> Option<Vec<Resolved>> {
    let r = Reader { bytes: msg };
    let flags = r.u16(2)?;
    let is_response = flags & 0x8000 != 0;
    let rcode = flags & 0x000f;
    let (questions, answers) = (r.u16(4)?, r.u16(6)?);
    if !is_response || rcode != 0 || questions != 1 || answers == 0 {
        return None;
    }
    let (question, after_name) = r.name(12)?;
    let mut at = after_name + 4;
    // Names that lead to the question: the question itself and every CNAME target.
    let mut aliases = vec![question.clone()];
    let mut out = Vec::new();
    for _ in 0..answers {
        let (owner, after) = r.name(at)?;
        let (rtype, class, ttl, rdlen) = (
            r.u16(after)?,
            r.u16(after + 2)?,
            r.u32(after + 4)?,
            usize::from(r.u16(after + 8)?),
        );
        let rdata = after + 10;
        msg.get(rdata..rdata + rdlen)?;
        if class == CLASS_IN && aliases.contains(&owner) {
            match rtype {
                TYPE_A if rdlen == 4 => {
                    let address = Ipv4Addr::new(
                        r.u8(rdata)?,
                        r.u8(rdata + 1)?,
                        r.u8(rdata + 2)?,
                        r.u8(rdata + 3)?,
                    );
                    out.push(Resolved {
                        question: question.clone(),
                        address,
                        ttl,
                    });
                }
                TYPE_CNAME => aliases.push(r.name(rdata)?.0),
                _ => {}
            }
        }
        at = rdata + rdlen;
    }
    Some(out)
}

/// A records in a frame, if it is a DNS response over UDP/IPv4.
pub fn parse_frame(frame: &[u8]) -> Vec<Resolved> {
    dns_payload(frame).map(parse_message).unwrap_or_default()
}

#[cfg(test)]
mod tests;
