//! Killing connections over ctnetlink, in-process (`linux/netfilter/nfnetlink_conntrack.h`):
//! one dump of the family's flows, filtered here, then one delete message per matching flow,
//! many to a datagram. Ending 1,000 sessions costs two dumps and a few datagrams, where
//! `conntrack -D` cost one process per address (up to 17 per dual-stack session).

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::NetlinkError;
use super::message::Writer;
use super::reply::{Message, attributes, be_u32};
use super::socket::Socket;

const NFNL_SUBSYS_CTNETLINK: u16 = 1;
const IPCTNL_MSG_CT_NEW: u16 = 0;
const IPCTNL_MSG_CT_GET: u16 = 1;
const IPCTNL_MSG_CT_DELETE: u16 = 2;
const NLM_F_DUMP: u16 = 0x300;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;

const CTA_TUPLE_ORIG: u16 = 1;
const CTA_STATUS: u16 = 3;
const CTA_ZONE: u16 = 18;
const CTA_TUPLE_IP: u16 = 1;
const CTA_TUPLE_PROTO: u16 = 2;
const CTA_IP_V4_SRC: u16 = 1;
const CTA_IP_V6_SRC: u16 = 3;
const CTA_PROTO_NUM: u16 = 1;
const CTA_PROTO_DST_PORT: u16 = 3;
const NLA_F_NESTED: u16 = 0x8000;
/// The flow's destination was rewritten (our portal redirect).
const IPS_DST_NAT: u32 = 1 << 5;
const IPPROTO_TCP: u8 = 6;
/// Delete messages per datagram: the kernel answers only refusals (flows that ended
/// meanwhile), which always fit the receive buffer.
const DELETES_PER_DATAGRAM: usize = 256;

/// Which flows to kill.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FlowFilter {
    /// Every flow from these addresses (sessions that ended).
    pub clients: HashSet<IpAddr>,
    /// TCP port-80 flows from these addresses that were redirected to the portal (logins).
    pub redirected: HashSet<Ipv4Addr>,
}

/// One flow of a dump: what the filter looks at, and the attributes that name it.
#[derive(Debug, Default, PartialEq, Eq)]
struct Flow {
    source: Option<IpAddr>,
    protocol: Option<u8>,
    dst_port: Option<u16>,
    status: u32,
    /// `CTA_TUPLE_ORIG` and `CTA_ZONE` as the kernel sent them (type, payload).
    identity: Vec<(u16, Vec<u8>)>,
}

impl FlowFilter {
    fn matches(&self, f: &Flow) -> bool {
        let Some(source) = f.source else {
            return false;
        };
        if self.clients.contains(&source) {
            return true;
        }
        matches!(source, IpAddr::V4(v4) if self.redirected.contains(&v4))
            && f.protocol == Some(IPPROTO_TCP)
            && f.dst_port == Some(80)
            && f.status & IPS_DST_NAT != 0
    }

    fn wants(&self, family: u8) -> bool {
        match family {
            AF_INET => !self.redirected.is_empty() || self.clients.iter().any(IpAddr::is_ipv4),
            _ => self.clients.iter().any(IpAddr::is_ipv6),
        }
    }
}

fn parse_flow(message: &Message) -> Option<Flow> {
    if message.kind != NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW {
        return None;
    }
    let mut flow = Flow::default();
    for (kind, payload) in attributes(message.payload.get(4..)?) {
        match kind {
            CTA_TUPLE_ORIG => {
                read_tuple(payload, &mut flow);
                flow.identity.push((kind | NLA_F_NESTED, payload.to_vec()));
            }
            CTA_ZONE => flow.identity.push((kind, payload.to_vec())),
            CTA_STATUS => flow.status = be_u32(payload).unwrap_or(0),
            _ => {}
        }
    }
    Some(flow)
}

fn read_tuple(tuple: &[u8], flow: &mut Flow) {
    for (kind, payload) in attributes(tuple) {
        match kind {
            CTA_TUPLE_IP => {
                for (kind, addr) in attributes(payload) {
                    flow.source = match kind {
                        CTA_IP_V4_SRC => <[u8; 4]>::try_from(addr).ok().map(IpAddr::from),
                        CTA_IP_V6_SRC => <[u8; 16]>::try_from(addr)
                            .ok()
                            .map(|a| IpAddr::V6(Ipv6Addr::from(a))),
                        _ => continue,
                    };
                }
            }
            CTA_TUPLE_PROTO => {
                for (kind, value) in attributes(payload) {
                    match kind {
                        CTA_PROTO_NUM => flow.protocol = value.first().copied(),
                        CTA_PROTO_DST_PORT => {
                            flow.dst_port = value
                                .get(..2)
                                .and_then(|b| b.try_into().ok())
                                .map(u16::from_be_bytes)
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

fn dump_request(family: u8) -> Vec<u8> {
    let mut w = Writer::new(1);
    let start = w.message(
        NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_GET,
        NLM_F_DUMP,
        family,
        0,
    );
    w.finish(start);
    w.buf
}

fn delete_message(w: &mut Writer, family: u8, flow: &Flow) -> Result<(), NetlinkError> {
    let start = w.message(
        NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_DELETE,
        0,
        family,
        0,
    );
    for (kind, payload) in &flow.identity {
        w.attr(*kind, payload)?;
    }
    w.finish(start);
    Ok(())
}

/// Kills the flows `filter` names, in our namespace or `/run/netns/<netns>`. Returns how
/// many were deleted (asked to be: one that ended meanwhile is refused, harmlessly).
pub fn kill_flows(netns: Option<&str>, filter: &FlowFilter) -> Result<usize, NetlinkError> {
    let socket = Socket::open(netns)?;
    let mut killed = 0;
    for family in [AF_INET, AF_INET6] {
        if !filter.wants(family) {
            continue;
        }
        let mut doomed = Vec::new();
        let end = socket.request(&dump_request(family), |m| {
            if let Some(flow) = parse_flow(m).filter(|f| filter.matches(f)) {
                doomed.push(flow);
            }
        })?;
        if end.errno != 0 {
            return Err(NetlinkError::Read {
                what: "the connection table",
                error: std::io::Error::from_raw_os_error(end.errno.saturating_neg()),
            });
        }
        for chunk in doomed.chunks(DELETES_PER_DATAGRAM) {
            let mut w = Writer::new(1);
            for flow in chunk {
                delete_message(&mut w, family, flow)?;
            }
            socket.transact(&w.buf, |_| {})?;
        }
        killed += doomed.len();
    }
    Ok(killed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(source: &str, protocol: u8, dst_port: u16, status: u32) -> Flow {
        Flow {
            source: source.parse().ok(),
            protocol: Some(protocol),
            dst_port: Some(dst_port),
            status,
            identity: Vec::new(),
        }
    }

    #[test]
    fn a_filter_takes_every_flow_of_a_client_and_only_redirected_web_flows_of_a_login() {
        let filter = FlowFilter {
            clients: ["10.0.0.5".parse().unwrap(), "2001:db8::5".parse().unwrap()].into(),
            redirected: ["10.0.0.9".parse().unwrap()].into(),
        };
        assert!(filter.matches(&flow("10.0.0.5", 17, 53, 0)));
        assert!(filter.matches(&flow("2001:db8::5", 6, 443, 0)));
        assert!(filter.matches(&flow("10.0.0.9", 6, 80, IPS_DST_NAT)));
        assert!(
            !filter.matches(&flow("10.0.0.9", 6, 80, 0)),
            "not redirected"
        );
        assert!(!filter.matches(&flow("10.0.0.9", 6, 443, IPS_DST_NAT)));
        assert!(!filter.matches(&flow("10.0.0.7", 6, 80, IPS_DST_NAT)));
        assert!(!filter.matches(&Flow::default()), "no source, no match");
        assert!(filter.wants(AF_INET) && filter.wants(AF_INET6));
        assert!(!FlowFilter::default().wants(AF_INET));
    }

    #[test]
    fn a_dumped_flow_is_read_and_its_identity_kept_for_the_delete() {
        // nfgenmsg, then CTA_TUPLE_ORIG { IP { V4_SRC 10.0.0.5 }, PROTO { NUM 6, DST_PORT 80 } },
        // CTA_STATUS DST_NAT.
        let attr = |kind: u16, payload: &[u8]| {
            let mut a = ((4 + payload.len()) as u16).to_ne_bytes().to_vec();
            a.extend_from_slice(&kind.to_ne_bytes());
            a.extend_from_slice(payload);
            while a.len() % 4 != 0 {
                a.push(0);
            }
            a
        };
        let ip = attr(
            CTA_TUPLE_IP | NLA_F_NESTED,
            &attr(CTA_IP_V4_SRC, &[10, 0, 0, 5]),
        );
        let mut proto = attr(CTA_PROTO_NUM, &[6]);
        proto.extend(attr(CTA_PROTO_DST_PORT, &80u16.to_be_bytes()));
        let proto = attr(CTA_TUPLE_PROTO | NLA_F_NESTED, &proto);
        let mut tuple = ip;
        tuple.extend(proto);
        let mut payload = vec![AF_INET, 0, 0, 0];
        payload.extend(attr(CTA_TUPLE_ORIG | NLA_F_NESTED, &tuple));
        payload.extend(attr(CTA_STATUS, &IPS_DST_NAT.to_be_bytes()));
        let message = Message {
            kind: NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW,
            flags: 0,
            seq: 1,
            payload: &payload,
        };
        let f = parse_flow(&message).expect("a flow");
        assert_eq!(f.source, Some("10.0.0.5".parse().unwrap()));
        assert_eq!(
            (f.protocol, f.dst_port, f.status),
            (Some(6), Some(80), IPS_DST_NAT)
        );
        assert_eq!(f.identity, vec![(CTA_TUPLE_ORIG | NLA_F_NESTED, tuple)]);
        let other = Message {
            kind: NLMSG_ERROR_KIND,
            ..message
        };
        assert!(parse_flow(&other).is_none());
    }

    const NLMSG_ERROR_KIND: u16 = 2;
}
