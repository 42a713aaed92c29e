// SPDX-License-Identifier: GPL-2.0

//! Socket calls as strace shows them: address families, socket types,
//! protocols, message flags, socket levels and options, and the socket
//! addresses the calls read and write (`{sa_family=AF_INET,
//! sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}`).
//!
//! Pure functions of values and bytes: [`render`](super::render) reads
//! the traced task's memory and hands the bytes here. Names, values and
//! layouts come from the headers through bindgen (`linux/in.h`,
//! `linux/un.h` and `linux/tcp.h` by name in the bindings' helper header,
//! `linux/socket.h`, `linux/in6.h` and `linux/netlink.h` through other
//! headers); the names are the kernel's, so a few newer than strace 6.1's
//! are named where strace writes a number (`SO_INQ`).
//!
//! Decoded: the `AF_UNIX`, `AF_INET`, `AF_INET6` and `AF_NETLINK`
//! addresses; any other family's bytes are shown as `sa_data="..."`, as
//! strace shows a family it does not decode. Where strace shows more, the
//! line shows less: a link-local IPv6 address's scope as a number (strace
//! names the interface, `if_nametoindex("eth0")`), `AF_PACKET`'s and
//! `AF_VSOCK`'s addresses as `sa_data`, an `AF_PACKET` socket's protocol
//! as a number (strace: `htons(ETH_P_ALL)`), option values other than an
//! `int` and `struct linger` as their address, control messages other than
//! `SCM_RIGHTS` and `SCM_CREDENTIALS` with their header only, a netlink
//! socket's messages as strings.

use super::decode::{
    errno_info, named_constants, string_fit, write_code_name, write_flags_or, write_string, Flag,
};
use core::fmt::Write;
use core::mem::{offset_of, size_of};
use kernel::bindings;
// Only the KUnit suite at the bottom needs the prelude (`#[kunit_tests]`).
#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
use kernel::prelude::*;

/// `[(value, "NAME"), ...]` for members of the C enum `$enum`, which
/// bindgen names `$enum_NAME`.
macro_rules! enum_constants {
    ($enum:ident: $($name:ident),* $(,)?) => {
        ::kernel::macros::paste! {
            [$((bindings::[<$enum _ $name>], stringify!($name))),*]
        }
    };
}

/// The most bytes of a socket address read: a `struct sockaddr_storage`,
/// the most the kernel takes or gives.
pub(crate) const SOCKADDR_MAX: usize = size_of::<bindings::__kernel_sockaddr_storage>();

/// Bytes of the family that starts every socket address.
pub(crate) const FAMILY_LEN: usize = size_of::<bindings::__kernel_sa_family_t>();

/// Address families, as `socket()` and a socket address name them
/// (`AF_UNIX`, not its alias `AF_LOCAL`).
const FAMILIES: [Flag; 46] = named_constants![
    AF_UNSPEC,
    AF_UNIX,
    AF_INET,
    AF_AX25,
    AF_IPX,
    AF_APPLETALK,
    AF_NETROM,
    AF_BRIDGE,
    AF_ATMPVC,
    AF_X25,
    AF_INET6,
    AF_ROSE,
    AF_DECnet,
    AF_NETBEUI,
    AF_SECURITY,
    AF_KEY,
    AF_NETLINK,
    AF_PACKET,
    AF_ASH,
    AF_ECONET,
    AF_ATMSVC,
    AF_RDS,
    AF_SNA,
    AF_IRDA,
    AF_PPPOX,
    AF_WANPIPE,
    AF_LLC,
    AF_IB,
    AF_MPLS,
    AF_CAN,
    AF_TIPC,
    AF_BLUETOOTH,
    AF_IUCV,
    AF_RXRPC,
    AF_ISDN,
    AF_PHONET,
    AF_IEEE802154,
    AF_CAIF,
    AF_ALG,
    AF_NFC,
    AF_VSOCK,
    AF_KCM,
    AF_QIPCRTR,
    AF_SMC,
    AF_XDP,
    AF_MCTP,
];

/// `SOL_IP`'s options (not the alias `IP_RECVRETOPTS`).
const IP_OPTIONS: [Flag; 40] = named_constants![
    IP_TOS,
    IP_TTL,
    IP_HDRINCL,
    IP_OPTIONS,
    IP_ROUTER_ALERT,
    IP_RECVOPTS,
    IP_RETOPTS,
    IP_PKTINFO,
    IP_PKTOPTIONS,
    IP_MTU_DISCOVER,
    IP_RECVERR,
    IP_RECVTTL,
    IP_RECVTOS,
    IP_MTU,
    IP_FREEBIND,
    IP_IPSEC_POLICY,
    IP_XFRM_POLICY,
    IP_PASSSEC,
    IP_TRANSPARENT,
    IP_ORIGDSTADDR,
    IP_MINTTL,
    IP_NODEFRAG,
    IP_CHECKSUM,
    IP_BIND_ADDRESS_NO_PORT,
    IP_RECVFRAGSIZE,
    IP_RECVERR_RFC4884,
    IP_MULTICAST_IF,
    IP_MULTICAST_TTL,
    IP_MULTICAST_LOOP,
    IP_ADD_MEMBERSHIP,
    IP_DROP_MEMBERSHIP,
    IP_UNBLOCK_SOURCE,
    IP_BLOCK_SOURCE,
    IP_ADD_SOURCE_MEMBERSHIP,
    IP_DROP_SOURCE_MEMBERSHIP,
    IP_MSFILTER,
    IP_MULTICAST_ALL,
    IP_UNICAST_IF,
    IP_LOCAL_PORT_RANGE,
    IP_PROTOCOL,
];

/// `SOL_IPV6`'s options.
const IPV6_OPTIONS: [Flag; 51] = named_constants![
    IPV6_ADDRFORM,
    IPV6_2292PKTINFO,
    IPV6_2292HOPOPTS,
    IPV6_2292DSTOPTS,
    IPV6_2292RTHDR,
    IPV6_2292PKTOPTIONS,
    IPV6_CHECKSUM,
    IPV6_2292HOPLIMIT,
    IPV6_NEXTHOP,
    IPV6_AUTHHDR,
    IPV6_FLOWINFO,
    IPV6_UNICAST_HOPS,
    IPV6_MULTICAST_IF,
    IPV6_MULTICAST_HOPS,
    IPV6_MULTICAST_LOOP,
    IPV6_ADD_MEMBERSHIP,
    IPV6_DROP_MEMBERSHIP,
    IPV6_ROUTER_ALERT,
    IPV6_MTU_DISCOVER,
    IPV6_MTU,
    IPV6_RECVERR,
    IPV6_V6ONLY,
    IPV6_JOIN_ANYCAST,
    IPV6_LEAVE_ANYCAST,
    IPV6_MULTICAST_ALL,
    IPV6_ROUTER_ALERT_ISOLATE,
    IPV6_RECVERR_RFC4884,
    IPV6_FLOWLABEL_MGR,
    IPV6_FLOWINFO_SEND,
    IPV6_IPSEC_POLICY,
    IPV6_XFRM_POLICY,
    IPV6_HDRINCL,
    IPV6_RECVPKTINFO,
    IPV6_PKTINFO,
    IPV6_RECVHOPLIMIT,
    IPV6_HOPLIMIT,
    IPV6_RECVHOPOPTS,
    IPV6_HOPOPTS,
    IPV6_RTHDRDSTOPTS,
    IPV6_RECVRTHDR,
    IPV6_RTHDR,
    IPV6_RECVDSTOPTS,
    IPV6_DSTOPTS,
    IPV6_RECVPATHMTU,
    IPV6_PATHMTU,
    IPV6_DONTFRAG,
    IPV6_RECVTCLASS,
    IPV6_TCLASS,
    IPV6_AUTOFLOWLABEL,
    IPV6_ADDR_PREFERENCES,
    IPV6_MINHOPCOUNT,
];

/// `SOL_TCP`'s options.
const TCP_OPTIONS: [Flag; 36] = named_constants![
    TCP_NODELAY,
    TCP_MAXSEG,
    TCP_CORK,
    TCP_KEEPIDLE,
    TCP_KEEPINTVL,
    TCP_KEEPCNT,
    TCP_SYNCNT,
    TCP_LINGER2,
    TCP_DEFER_ACCEPT,
    TCP_WINDOW_CLAMP,
    TCP_INFO,
    TCP_QUICKACK,
    TCP_CONGESTION,
    TCP_MD5SIG,
    TCP_THIN_LINEAR_TIMEOUTS,
    TCP_THIN_DUPACK,
    TCP_USER_TIMEOUT,
    TCP_REPAIR,
    TCP_REPAIR_QUEUE,
    TCP_QUEUE_SEQ,
    TCP_REPAIR_OPTIONS,
    TCP_FASTOPEN,
    TCP_TIMESTAMP,
    TCP_NOTSENT_LOWAT,
    TCP_CC_INFO,
    TCP_SAVE_SYN,
    TCP_SAVED_SYN,
    TCP_REPAIR_WINDOW,
    TCP_FASTOPEN_CONNECT,
    TCP_ULP,
    TCP_MD5SIG_EXT,
    TCP_FASTOPEN_KEY,
    TCP_FASTOPEN_NO_COOKIE,
    TCP_ZEROCOPY_RECEIVE,
    TCP_INQ,
    TCP_TX_DELAY,
];

/// Socket types: the low bits of `socket()`'s type (`SOCK_TYPE_MASK`).
const SOCK_TYPES: [Flag; 7] = enum_constants![sock_type:
    SOCK_STREAM,
    SOCK_DGRAM,
    SOCK_RAW,
    SOCK_RDM,
    SOCK_SEQPACKET,
    SOCK_DCCP,
    SOCK_PACKET,
];

/// The flags a socket type may carry, and `accept4()`'s, in strace's
/// order.
const SOCK_FLAGS: [Flag; 2] = named_constants![SOCK_CLOEXEC, SOCK_NONBLOCK];

/// IP protocols, as an `AF_INET` or `AF_INET6` socket names them
/// (`IPPROTO_IP` for 0).
const INET_PROTOCOLS: [Flag; 29] = named_constants![
    IPPROTO_IP,
    IPPROTO_ICMP,
    IPPROTO_IGMP,
    IPPROTO_IPIP,
    IPPROTO_TCP,
    IPPROTO_EGP,
    IPPROTO_PUP,
    IPPROTO_UDP,
    IPPROTO_IDP,
    IPPROTO_TP,
    IPPROTO_DCCP,
    IPPROTO_IPV6,
    IPPROTO_RSVP,
    IPPROTO_GRE,
    IPPROTO_ESP,
    IPPROTO_AH,
    IPPROTO_MTP,
    IPPROTO_BEETPH,
    IPPROTO_ENCAP,
    IPPROTO_PIM,
    IPPROTO_COMP,
    IPPROTO_L2TP,
    IPPROTO_SCTP,
    IPPROTO_UDPLITE,
    IPPROTO_MPLS,
    IPPROTO_ETHERNET,
    IPPROTO_RAW,
    IPPROTO_SMC,
    IPPROTO_MPTCP,
];

/// Netlink protocols, as an `AF_NETLINK` socket names them (not the
/// aliases: `NETLINK_INET_DIAG` is `NETLINK_SOCK_DIAG`).
const NETLINK_PROTOCOLS: [Flag; 22] = named_constants![
    NETLINK_ROUTE,
    NETLINK_UNUSED,
    NETLINK_USERSOCK,
    NETLINK_FIREWALL,
    NETLINK_SOCK_DIAG,
    NETLINK_NFLOG,
    NETLINK_XFRM,
    NETLINK_SELINUX,
    NETLINK_ISCSI,
    NETLINK_AUDIT,
    NETLINK_FIB_LOOKUP,
    NETLINK_CONNECTOR,
    NETLINK_NETFILTER,
    NETLINK_IP6_FW,
    NETLINK_DNRTMSG,
    NETLINK_KOBJECT_UEVENT,
    NETLINK_GENERIC,
    NETLINK_SCSITRANSPORT,
    NETLINK_ECRYPTFS,
    NETLINK_RDMA,
    NETLINK_CRYPTO,
    NETLINK_SMC,
];

/// The flags of `send*()` and `recv*()`: those user space may pass, in
/// value order, as strace shows them.
const MSG_FLAGS: [Flag; 23] = named_constants![
    MSG_OOB,
    MSG_PEEK,
    MSG_DONTROUTE,
    MSG_CTRUNC,
    MSG_PROBE,
    MSG_TRUNC,
    MSG_DONTWAIT,
    MSG_EOR,
    MSG_WAITALL,
    MSG_FIN,
    MSG_SYN,
    MSG_CONFIRM,
    MSG_RST,
    MSG_ERRQUEUE,
    MSG_NOSIGNAL,
    MSG_MORE,
    MSG_WAITFORONE,
    MSG_BATCH,
    MSG_SOCK_DEVMEM,
    MSG_ZEROCOPY,
    MSG_FASTOPEN,
    MSG_CMSG_CLOEXEC,
    MSG_CMSG_COMPAT,
];

/// `shutdown()`'s `how`.
const SHUTDOWN_HOW: [Flag; 3] = enum_constants![sock_shutdown_cmd: SHUT_RD, SHUT_WR, SHUT_RDWR];

/// Socket option levels (`SOL_SOCKET`, and the protocols' `SOL_IP`...).
const LEVELS: [Flag; 41] = named_constants![
    SOL_SOCKET,
    SOL_IP,
    SOL_TCP,
    SOL_UDP,
    SOL_IPV6,
    SOL_ICMPV6,
    SOL_SCTP,
    SOL_UDPLITE,
    SOL_RAW,
    SOL_IPX,
    SOL_AX25,
    SOL_ATALK,
    SOL_NETROM,
    SOL_ROSE,
    SOL_DECNET,
    SOL_X25,
    SOL_PACKET,
    SOL_ATM,
    SOL_AAL,
    SOL_IRDA,
    SOL_NETBEUI,
    SOL_LLC,
    SOL_DCCP,
    SOL_NETLINK,
    SOL_TIPC,
    SOL_RXRPC,
    SOL_PPPOL2TP,
    SOL_BLUETOOTH,
    SOL_PNPIPE,
    SOL_RDS,
    SOL_IUCV,
    SOL_CAIF,
    SOL_ALG,
    SOL_NFC,
    SOL_KCM,
    SOL_TLS,
    SOL_XDP,
    SOL_MPTCP,
    SOL_MCTP,
    SOL_SMC,
    SOL_VSOCK,
];

/// `SOL_SOCKET`'s options (not the aliases `SO_GET_FILTER`, which
/// [`write_option`] names for `getsockopt`, and `SO_DETACH_BPF`); the
/// `_OLD` time options are what a 64-bit program's `SO_RCVTIMEO` and
/// `SO_TIMESTAMP` are.
const SOCKET_OPTIONS: [Flag; 81] = named_constants![
    SO_DEBUG,
    SO_REUSEADDR,
    SO_TYPE,
    SO_ERROR,
    SO_DONTROUTE,
    SO_BROADCAST,
    SO_SNDBUF,
    SO_RCVBUF,
    SO_KEEPALIVE,
    SO_OOBINLINE,
    SO_NO_CHECK,
    SO_PRIORITY,
    SO_LINGER,
    SO_BSDCOMPAT,
    SO_REUSEPORT,
    SO_PASSCRED,
    SO_PEERCRED,
    SO_RCVLOWAT,
    SO_SNDLOWAT,
    SO_RCVTIMEO_OLD,
    SO_SNDTIMEO_OLD,
    SO_SECURITY_AUTHENTICATION,
    SO_SECURITY_ENCRYPTION_TRANSPORT,
    SO_SECURITY_ENCRYPTION_NETWORK,
    SO_BINDTODEVICE,
    SO_ATTACH_FILTER,
    SO_DETACH_FILTER,
    SO_PEERNAME,
    SO_TIMESTAMP_OLD,
    SO_ACCEPTCONN,
    SO_PEERSEC,
    SO_SNDBUFFORCE,
    SO_RCVBUFFORCE,
    SO_PASSSEC,
    SO_TIMESTAMPNS_OLD,
    SO_MARK,
    SO_TIMESTAMPING_OLD,
    SO_PROTOCOL,
    SO_DOMAIN,
    SO_RXQ_OVFL,
    SO_WIFI_STATUS,
    SO_PEEK_OFF,
    SO_NOFCS,
    SO_LOCK_FILTER,
    SO_SELECT_ERR_QUEUE,
    SO_BUSY_POLL,
    SO_MAX_PACING_RATE,
    SO_BPF_EXTENSIONS,
    SO_INCOMING_CPU,
    SO_ATTACH_BPF,
    SO_ATTACH_REUSEPORT_CBPF,
    SO_ATTACH_REUSEPORT_EBPF,
    SO_CNX_ADVICE,
    SO_MEMINFO,
    SO_INCOMING_NAPI_ID,
    SO_COOKIE,
    SO_PEERGROUPS,
    SO_ZEROCOPY,
    SO_TXTIME,
    SO_BINDTOIFINDEX,
    SO_TIMESTAMP_NEW,
    SO_TIMESTAMPNS_NEW,
    SO_TIMESTAMPING_NEW,
    SO_RCVTIMEO_NEW,
    SO_SNDTIMEO_NEW,
    SO_DETACH_REUSEPORT_BPF,
    SO_PREFER_BUSY_POLL,
    SO_BUSY_POLL_BUDGET,
    SO_NETNS_COOKIE,
    SO_BUF_LOCK,
    SO_RESERVE_MEM,
    SO_TXREHASH,
    SO_RCVMARK,
    SO_PASSPIDFD,
    SO_PEERPIDFD,
    SO_DEVMEM_LINEAR,
    SO_DEVMEM_DMABUF,
    SO_DEVMEM_DONTNEED,
    SO_RCVPRIORITY,
    SO_PASSRIGHTS,
    SO_INQ,
];

/// `SOL_SOCKET`'s control message types.
const SCM_TYPES: [Flag; 4] = named_constants![SCM_RIGHTS, SCM_CREDENTIALS, SCM_SECURITY, SCM_PIDFD];

/// The most bytes of a message's control data read (`msg_control`): a
/// few descriptors and credentials; what lies beyond shows as `...`.
pub(crate) const CONTROL_MAX: usize = 256;

/// Writes an address family: `AF_INET`, else `0x3039 /* AF_??? */`.
pub(crate) fn write_family(out: &mut impl Write, family: u32) -> core::fmt::Result {
    write_code_name(out, family, &FAMILIES, "AF")
}

/// Writes a socket type and its flags: `SOCK_STREAM|SOCK_CLOEXEC`; flags
/// without a name as `SOCK_RAW|0x60 /* SOCK_??? */`; a type without one
/// after the flags, `SOCK_CLOEXEC|0x7`, or `0x7 /* SOCK_??? */` alone.
pub(crate) fn write_sock_type(out: &mut impl Write, value: u32) -> core::fmt::Result {
    let kind = value & bindings::SOCK_TYPE_MASK;
    let Some(&(_, name)) = SOCK_TYPES.iter().find(|&&(v, _)| v == kind) else {
        return write_flags_or(out, value, &SOCK_FLAGS, "SOCK_???");
    };
    out.write_str(name)?;
    let flags = value & !bindings::SOCK_TYPE_MASK;
    if flags == 0 {
        return Ok(());
    }
    out.write_str("|")?;
    write_flags_or(out, flags, &SOCK_FLAGS, "SOCK_???")
}

/// Writes `accept4()`'s flags: `SOCK_CLOEXEC|SOCK_NONBLOCK`, `0`, or
/// `0x4 /* SOCK_??? */`.
pub(crate) fn write_sock_flags(out: &mut impl Write, flags: u32) -> core::fmt::Result {
    write_flags_or(out, flags, &SOCK_FLAGS, "SOCK_???")
}

/// Writes the protocol of a socket of `family`: an IP one (`IPPROTO_UDP`,
/// else `0xc8 /* IPPROTO_??? */`), a netlink one (`NETLINK_ROUTE`), or
/// the number.
pub(crate) fn write_protocol(out: &mut impl Write, family: u32, proto: u32) -> core::fmt::Result {
    match family {
        bindings::AF_INET | bindings::AF_INET6 => {
            write_code_name(out, proto, &INET_PROTOCOLS, "IPPROTO")
        }
        bindings::AF_NETLINK => write_code_name(out, proto, &NETLINK_PROTOCOLS, "NETLINK"),
        _ => write!(out, "{proto}"),
    }
}

/// Writes `send*()` or `recv*()` flags: `MSG_DONTWAIT|MSG_MORE`, or `0`.
pub(crate) fn write_msg_flags(out: &mut impl Write, flags: u32) -> core::fmt::Result {
    write_flags_or(out, flags, &MSG_FLAGS, "MSG_???")
}

/// Writes `shutdown()`'s `how`: `SHUT_WR`, else `0x7 /* SHUT_??? */`.
pub(crate) fn write_shutdown_how(out: &mut impl Write, how: u32) -> core::fmt::Result {
    write_code_name(out, how, &SHUTDOWN_HOW, "SHUT")
}

/// Writes a socket option level: `SOL_SOCKET`, else strace's
/// `0x4d /* SOL_?? */` (two question marks, as strace writes it).
pub(crate) fn write_level(out: &mut impl Write, level: u32) -> core::fmt::Result {
    match LEVELS.iter().find(|&&(v, _)| v == level) {
        Some(&(_, name)) => out.write_str(name),
        None => write!(out, "{level:#x} /* SOL_?? */"),
    }
}

/// Writes an option of `level`: `SO_REUSEADDR`, `IP_TTL`, `TCP_NODELAY`,
/// `IPV6_V6ONLY`, else `0x270f /* SO_??? */`; the number at another
/// level. `get` for `getsockopt`, whose option 26 is `SO_GET_FILTER`.
pub(crate) fn write_option(
    out: &mut impl Write,
    level: u32,
    name: u32,
    get: bool,
) -> core::fmt::Result {
    let (table, prefix): (&[Flag], _) = match level {
        bindings::SOL_SOCKET if get && name == bindings::SO_GET_FILTER => {
            return out.write_str("SO_GET_FILTER")
        }
        bindings::SOL_SOCKET => (&SOCKET_OPTIONS, "SO"),
        bindings::SOL_IP => (&IP_OPTIONS, "IP"),
        bindings::SOL_IPV6 => (&IPV6_OPTIONS, "IPV6"),
        bindings::SOL_TCP => (&TCP_OPTIONS, "TCP"),
        _ => return write!(out, "{name}"),
    };
    write_code_name(out, name, table, prefix)
}

/// Writes the `int` value of the option `name` of `level`, `[1]`; the
/// `SO_ERROR` that `getsockopt` (`get`) gives as an errno name,
/// `[ECONNREFUSED]`.
pub(crate) fn write_int_option(
    out: &mut impl Write,
    level: u32,
    name: u32,
    value: i32,
    get: bool,
) -> core::fmt::Result {
    let errno = get && (level, name) == (bindings::SOL_SOCKET, bindings::SO_ERROR);
    match errno_info(value).filter(|_| errno) {
        Some((errno, _)) => write!(out, "[{errno}]"),
        None => write!(out, "[{value}]"),
    }
}

/// Writes the control messages of a `msghdr` whose `msg_control` is at
/// `addr` and `len` bytes long (at least a `struct cmsghdr`), `bytes`
/// being its first bytes (at most [`CONTROL_MAX`]), as strace does:
/// `[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS,
/// cmsg_data=[3, 4]}]`. A message whose length is shorter than its header
/// ends the list, with `... /* next address */` if bytes follow; one
/// longer than the buffer is the last, with the data that fits; bytes
/// left that are too few for a header end it with their address.
pub(crate) fn write_cmsgs(
    out: &mut impl Write,
    bytes: &[u8],
    addr: u64,
    len: u64,
) -> core::fmt::Result {
    type H = bindings::cmsghdr;
    type Cred = bindings::ucred;
    const HEAD: usize = size_of::<H>();
    // Each message starts at its predecessor's length rounded up to this.
    const ALIGN: usize = size_of::<usize>();
    let buffer_end = usize::try_from(len).unwrap_or(usize::MAX);
    let mut off = 0;
    out.write_str("[")?;
    while off + HEAD <= bytes.len() {
        if off > 0 {
            out.write_str(", ")?;
        }
        let cmsg_len = u64_at(bytes, off + offset_of!(H, cmsg_len));
        let level = u32_at(bytes, off + offset_of!(H, cmsg_level), false);
        let kind = u32_at(bytes, off + offset_of!(H, cmsg_type), false);
        write!(out, "{{cmsg_len={cmsg_len}, cmsg_level=")?;
        write_code_name(out, level, &LEVELS, "SOL")?;
        out.write_str(", cmsg_type=")?;
        if level == bindings::SOL_SOCKET {
            write_code_name(out, kind, &SCM_TYPES, "SCM")?;
        } else {
            write!(out, "{kind:#x}")?;
        }
        let data = off + HEAD;
        let Some(end) = usize::try_from(cmsg_len)
            .ok()
            .filter(|&l| l >= HEAD)
            .and_then(|l| l.checked_add(off))
        else {
            if data < buffer_end {
                let next = addr.wrapping_add(data as u64);
                return write!(out, "}}, ... /* {next:#x} */]");
            }
            return out.write_str("}]");
        };
        // Longer than the buffer (the kernel refuses it): the last one.
        let last = end > buffer_end;
        if !last && end > bytes.len() {
            // Beyond what was read.
            return out.write_str("}, ...]");
        }
        let payload = &bytes[data..end.min(bytes.len())];
        match (level, kind) {
            (bindings::SOL_SOCKET, bindings::SCM_RIGHTS) if payload.len() >= 4 => {
                out.write_str(", cmsg_data=[")?;
                for (i, fd) in payload.chunks_exact(4).enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(out, "{sep}{}", u32_at(fd, 0, false) as i32)?;
                }
                out.write_str("]")?;
            }
            (bindings::SOL_SOCKET, bindings::SCM_CREDENTIALS)
                if payload.len() >= size_of::<Cred>() =>
            {
                // Ids are shown signed, as strace shows them (-1).
                let pid = u32_at(payload, offset_of!(Cred, pid), false) as i32;
                let uid = u32_at(payload, offset_of!(Cred, uid), false) as i32;
                let gid = u32_at(payload, offset_of!(Cred, gid), false) as i32;
                write!(out, ", cmsg_data={{pid={pid}, uid={uid}, gid={gid}}}")?;
            }
            _ => {}
        }
        out.write_str("}")?;
        if last {
            return out.write_str("]");
        }
        off = end.next_multiple_of(ALIGN);
    }
    if off < bytes.len() {
        // Too few bytes left for a header.
        let rest = addr.wrapping_add(off as u64);
        write!(out, ", ... /* {rest:#x} */")?;
    } else if bytes.len() < buffer_end && off < buffer_end {
        // Messages may follow beyond what was read.
        out.write_str(", ...")?;
    }
    out.write_str("]")
}

/// The native-endian 64 bits at `off` of `b`.
fn u64_at(b: &[u8], off: usize) -> u64 {
    let mut v = [0u8; 8];
    v.copy_from_slice(&b[off..off + 8]);
    u64::from_ne_bytes(v)
}

/// The 16 bits at `off` of `b`, in the byte order `be` says.
fn u16_at(b: &[u8], off: usize, be: bool) -> u16 {
    let v = [b[off], b[off + 1]];
    if be {
        u16::from_be_bytes(v)
    } else {
        u16::from_ne_bytes(v)
    }
}

/// The 32 bits at `off` of `b`, in the byte order `be` says.
fn u32_at(b: &[u8], off: usize, be: bool) -> u32 {
    let v = [b[off], b[off + 1], b[off + 2], b[off + 3]];
    if be {
        u32::from_be_bytes(v)
    } else {
        u32::from_ne_bytes(v)
    }
}

/// Writes an IPv4 address, `a.b.c.d`.
fn write_ipv4(out: &mut impl Write, a: &[u8]) -> core::fmt::Result {
    write!(out, "{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// Writes an IPv6 address as `inet_ntop()` does: lowercase groups, the
/// first longest run of two or more zero groups as `::`, and an IPv4
/// address in the last 32 bits of `::a.b.c.d` and `::ffff:a.b.c.d`.
pub(crate) fn write_ipv6(out: &mut impl Write, a: &[u8; 16]) -> core::fmt::Result {
    let mut words = [0u16; 8];
    for (i, w) in words.iter_mut().enumerate() {
        *w = u16_at(a, 2 * i, true);
    }
    // The first longest run of zero groups, if two or more long.
    let (mut best, mut best_len) = (None, 0);
    let mut i = 0;
    while i < 8 {
        let run = words[i..].iter().take_while(|&&w| w == 0).count();
        if run > best_len {
            (best, best_len) = (Some(i), run);
        }
        i += run.max(1);
    }
    if best_len < 2 {
        best = None;
    }
    let embedded_v4 = best == Some(0) && (best_len == 6 || (best_len == 5 && words[5] == 0xffff));
    for (i, w) in words.iter().enumerate() {
        if let Some(base) = best {
            if (base..base + best_len).contains(&i) {
                if i == base {
                    out.write_str(":")?;
                }
                continue;
            }
        }
        if i != 0 {
            out.write_str(":")?;
        }
        if i == 6 && embedded_v4 {
            return write_ipv4(out, &a[12..]);
        }
        write!(out, "{w:x}")?;
    }
    if best.is_some_and(|base| base + best_len == 8) {
        out.write_str(":")?;
    }
    Ok(())
}

/// Writes a `struct linger` of `bytes.len()` bytes (at least its first
/// member): `{l_onoff=1, l_linger=30}`, or `{l_onoff=1}` alone.
pub(crate) fn write_linger(out: &mut impl Write, bytes: &[u8]) -> core::fmt::Result {
    type L = bindings::linger;
    let (onoff, linger) = (offset_of!(L, l_onoff), offset_of!(L, l_linger));
    if bytes.len() < onoff + 4 {
        return Err(core::fmt::Error);
    }
    write!(out, "{{l_onoff={}", u32_at(bytes, onoff, false) as i32)?;
    if bytes.len() >= linger + 4 {
        write!(out, ", l_linger={}", u32_at(bytes, linger, false) as i32)?;
    }
    out.write_str("}")
}

/// Writes `bytes` as a string of at most `budget` bytes of text: cut,
/// and `...` after it, when it does not fit.
fn write_text(out: &mut impl Write, bytes: &[u8], budget: usize) -> core::fmt::Result {
    let fits = string_fit(bytes, budget);
    write_string(out, &bytes[..fits], fits < bytes.len())
}

/// Writes a socket address of `bytes.len()` bytes (at most
/// [`SOCKADDR_MAX`]) as strace does: `{sa_family=AF_UNIX,
/// sun_path="/run/sock"}`; a family it does not decode, or an address too
/// short for its family's structure, with its bytes as `sa_data="..."`.
/// A path or the bytes take at most `budget` bytes of text, then end with
/// `...`: a line keeps room for the call's result. Fewer bytes than a
/// family's are an error.
pub(crate) fn write_sockaddr(
    out: &mut impl Write,
    bytes: &[u8],
    budget: usize,
) -> core::fmt::Result {
    type Un = bindings::sockaddr_un;
    type In = bindings::sockaddr_in;
    type In6 = bindings::sockaddr_in6;
    type Nl = bindings::sockaddr_nl;
    const {
        assert!(size_of::<Un>() <= SOCKADDR_MAX && size_of::<In6>() <= SOCKADDR_MAX);
        assert!(offset_of!(Un, sun_path) == FAMILY_LEN);
    }
    let len = bytes.len();
    if len < FAMILY_LEN {
        return Err(core::fmt::Error);
    }
    let family = u32::from(u16_at(bytes, 0, false));
    out.write_str("{sa_family=")?;
    write_family(out, family)?;
    match family {
        // Nothing but the family: an unnamed Unix socket.
        _ if len == FAMILY_LEN => {}
        bindings::AF_UNIX => {
            let path = &bytes[FAMILY_LEN..len.min(size_of::<Un>())];
            out.write_str(", sun_path=")?;
            match path {
                // The abstract namespace: all the bytes count.
                [0, name @ ..] => {
                    out.write_str("@")?;
                    write_text(out, name, budget)?;
                }
                _ => {
                    let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
                    write_text(out, &path[..end], budget)?;
                }
            }
        }
        bindings::AF_INET if len >= size_of::<In>() => {
            let port = u16_at(bytes, offset_of!(In, sin_port), true);
            let at = offset_of!(In, sin_addr);
            write!(out, ", sin_port=htons({port}), sin_addr=inet_addr(\"")?;
            write_ipv4(out, &bytes[at..at + 4])?;
            out.write_str("\")")?;
        }
        // Without the scope id: the RFC 2133 layout, which the kernel
        // still takes.
        bindings::AF_INET6 if len >= offset_of!(In6, sin6_scope_id) => {
            let port = u16_at(bytes, offset_of!(In6, sin6_port), true);
            let flow = u32_at(bytes, offset_of!(In6, sin6_flowinfo), true);
            let at = offset_of!(In6, sin6_addr);
            let mut addr = [0u8; 16];
            addr.copy_from_slice(&bytes[at..at + 16]);
            write!(
                out,
                ", sin6_port=htons({port}), sin6_flowinfo=htonl({flow}), inet_pton(AF_INET6, \""
            )?;
            write_ipv6(out, &addr)?;
            out.write_str("\", &sin6_addr)")?;
            // A part of the scope id is the scope id, zero-extended; an
            // address longer than the structure (a `sockaddr_storage`) has
            // it whole.
            let at = offset_of!(In6, sin6_scope_id);
            if len > at {
                let mut scope = [0u8; 4];
                let n = (len - at).min(scope.len());
                scope[..n].copy_from_slice(&bytes[at..at + n]);
                write!(out, ", sin6_scope_id={}", u32::from_ne_bytes(scope))?;
            }
        }
        bindings::AF_NETLINK if len >= size_of::<Nl>() => {
            let pid = u32_at(bytes, offset_of!(Nl, nl_pid), false) as i32;
            let groups = u32_at(bytes, offset_of!(Nl, nl_groups), false);
            // C's `%#08x`, whose `0x` a zero does not get.
            match groups {
                0 => write!(out, ", nl_pid={pid}, nl_groups=00000000")?,
                _ => write!(out, ", nl_pid={pid}, nl_groups={groups:#08x}")?,
            }
        }
        _ => {
            out.write_str(", sa_data=")?;
            write_text(out, &bytes[FAMILY_LEN..], budget)?;
        }
    }
    out.write_str("}")
}

#[kunit_tests(utrace_strace_socket)]
mod tests {
    use super::super::line::Line;
    use super::*;

    /// What `f` writes, as text.
    fn text(f: impl FnOnce(&mut Line) -> core::fmt::Result) -> KVVec<u8> {
        let mut line = Line::new();
        f(&mut line).unwrap();
        let mut v = KVVec::new();
        v.extend_from_slice(line.as_bytes(), GFP_KERNEL).unwrap();
        v
    }

    /// The socket address of `family` followed by `rest`, as written.
    fn sockaddr(family: u32, rest: &[u8]) -> KVVec<u8> {
        let mut b = [0u8; SOCKADDR_MAX];
        b[..2].copy_from_slice(&(family as u16).to_ne_bytes());
        b[2..2 + rest.len()].copy_from_slice(rest);
        text(|l| write_sockaddr(l, &b[..2 + rest.len()], 400))
    }

    #[test]
    fn socket_arguments_as_strace_names_them() {
        // Strace 6.1's lines (Debian bookworm), argument by argument.
        assert_eq!(&*text(|l| write_family(l, 1)), b"AF_UNIX");
        assert_eq!(&*text(|l| write_family(l, 12345)), b"0x3039 /* AF_??? */");
        let t = |v| text(move |l| write_sock_type(l, v));
        assert_eq!(&*t(0x80802), b"SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK");
        assert_eq!(&*t(1), b"SOCK_STREAM");
        assert_eq!(&*t(99), b"SOCK_RAW|0x60 /* SOCK_??? */");
        assert_eq!(&*t(7), b"0x7 /* SOCK_??? */");
        assert_eq!(&*t(0x1000_0001), b"SOCK_STREAM|0x10000000 /* SOCK_??? */");
        assert_eq!(&*t(0x80007), b"SOCK_CLOEXEC|0x7");
        let f = |v| text(move |l| write_sock_flags(l, v));
        assert_eq!(&*f(0x80800), b"SOCK_CLOEXEC|SOCK_NONBLOCK");
        assert_eq!(&*f(0), b"0");
        assert_eq!(&*f(4), b"0x4 /* SOCK_??? */");
        assert_eq!(&*f(0x804), b"SOCK_NONBLOCK|0x4");
        let (inet, inet6, netlink) = (bindings::AF_INET, bindings::AF_INET6, bindings::AF_NETLINK);
        let proto = |f, v| text(move |l| write_protocol(l, f, v));
        assert_eq!(&*proto(inet, 0), b"IPPROTO_IP");
        assert_eq!(&*proto(inet6, 17), b"IPPROTO_UDP");
        assert_eq!(&*proto(inet, 200), b"0xc8 /* IPPROTO_??? */");
        assert_eq!(&*proto(netlink, 0), b"NETLINK_ROUTE");
        assert_eq!(&*proto(netlink, 99), b"0x63 /* NETLINK_??? */");
        // Another family's protocol is a number (an int strace shows
        // unsigned).
        assert_eq!(&*proto(bindings::AF_UNIX, u32::MAX), b"4294967295");
        assert_eq!(
            &*text(|l| write_msg_flags(l, 0x4000_8040)),
            b"MSG_DONTWAIT|MSG_MORE|MSG_CMSG_CLOEXEC"
        );
        // Without CONFIG_COMPAT the kernel has no such flag (its value is 0).
        if bindings::MSG_CMSG_COMPAT != 0 {
            assert_eq!(
                &*text(|l| write_msg_flags(l, 0x8000_0000)),
                b"MSG_CMSG_COMPAT"
            );
        }
        assert_eq!(&*text(|l| write_msg_flags(l, 0)), b"0");
        assert_eq!(&*text(|l| write_shutdown_how(l, 1)), b"SHUT_WR");
        assert_eq!(&*text(|l| write_shutdown_how(l, 7)), b"0x7 /* SHUT_??? */");
        assert_eq!(&*text(|l| write_level(l, 1)), b"SOL_SOCKET");
        assert_eq!(&*text(|l| write_level(l, 0)), b"SOL_IP");
        assert_eq!(&*text(|l| write_level(l, 77)), b"0x4d /* SOL_?? */");
        let sol = bindings::SOL_SOCKET;
        let opt = |level, name, get| text(move |l| write_option(l, level, name, get));
        assert_eq!(&*opt(sol, 2, false), b"SO_REUSEADDR");
        assert_eq!(&*opt(sol, 9999, false), b"0x270f /* SO_??? */");
        assert_eq!(&*opt(sol, 26, false), b"SO_ATTACH_FILTER");
        assert_eq!(&*opt(sol, 26, true), b"SO_GET_FILTER");
        assert_eq!(&*opt(bindings::SOL_TCP, 1, false), b"TCP_NODELAY");
        assert_eq!(&*opt(bindings::SOL_IP, 2, false), b"IP_TTL");
        assert_eq!(&*opt(bindings::SOL_IPV6, 26, false), b"IPV6_V6ONLY");
        assert_eq!(&*opt(bindings::SOL_IP, 200, false), b"0xc8 /* IP_??? */");
        assert_eq!(&*opt(77, 4, true), b"4");
        // SO_ERROR's value is an errno; any other int is a number.
        let int = |name, v, get| text(move |l| write_int_option(l, sol, name, v, get));
        assert_eq!(&*int(bindings::SO_ERROR, 111, true), b"[ECONNREFUSED]");
        assert_eq!(&*int(bindings::SO_ERROR, 0, true), b"[0]");
        assert_eq!(&*int(bindings::SO_TYPE, 111, true), b"[111]");
        // setsockopt's SO_ERROR is a number, as strace shows it.
        assert_eq!(&*int(bindings::SO_ERROR, 111, false), b"[111]");
        let linger = |b: &[u8]| text(|l| write_linger(l, b));
        let mut lg = [0u8; 8];
        lg[..4].copy_from_slice(&1i32.to_ne_bytes());
        lg[4..].copy_from_slice(&32767i32.to_ne_bytes());
        assert_eq!(&*linger(&lg), b"{l_onoff=1, l_linger=32767}");
        assert_eq!(&*linger(&lg[..4]), b"{l_onoff=1}");
    }

    #[test]
    fn socket_addresses_as_strace_shows_them() {
        let unix = |rest: &[u8]| sockaddr(bindings::AF_UNIX, rest);
        assert_eq!(&*unix(b""), b"{sa_family=AF_UNIX}");
        assert_eq!(
            &*unix(b"/tmp/sock.s\0junk"),
            b"{sa_family=AF_UNIX, sun_path=\"/tmp/sock.s\"}"
        );
        assert_eq!(
            &*unix(b"\0abstract"),
            b"{sa_family=AF_UNIX, sun_path=@\"abstract\"}"
        );
        assert_eq!(&*unix(b"\0"), b"{sa_family=AF_UNIX, sun_path=@\"\"}");
        // A line's budget: cut, with `...`, so the result still fits.
        let mut b = [0u8; 20];
        b[..2].copy_from_slice(&(bindings::AF_UNIX as u16).to_ne_bytes());
        b[2..].fill(b'x');
        assert_eq!(
            &*text(|l| write_sockaddr(l, &b, 10)),
            b"{sa_family=AF_UNIX, sun_path=\"xxxxx\"...}"
        );
        // A path that fills sun_path, with no NUL: all of it, no more.
        let mut long = [b'a'; 126];
        long[108] = b'b';
        let line = unix(&long);
        assert!(line.ends_with(b"aaa\"}") && !line.contains(&b'b'));

        // 10.1.2.3:80, whole and cut short (the family's bytes alone).
        let in4 = [0, 80, 10, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            &*sockaddr(bindings::AF_INET, &in4),
            b"{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"10.1.2.3\")}"
        );
        assert_eq!(
            &*sockaddr(bindings::AF_INET, &in4[..6]),
            b"{sa_family=AF_INET, sa_data=\"\\0P\\n\\1\\2\\3\"}"
        );

        // [2001:db8::1:0:0:1]:443, flow 5, scope 3; and without the scope.
        let mut in6 = [0u8; 26];
        in6[..2].copy_from_slice(&443u16.to_be_bytes());
        in6[2..6].copy_from_slice(&5u32.to_be_bytes());
        in6[6..22].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
        in6[22..].copy_from_slice(&3u32.to_ne_bytes());
        assert_eq!(
            &*sockaddr(bindings::AF_INET6, &in6),
            b"{sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(5), \
              inet_pton(AF_INET6, \"2001:db8::1:0:0:1\", &sin6_addr), sin6_scope_id=3}"
        );
        // A sockaddr_storage's length (the second review's oops: the scope
        // id was copied from all the bytes after it).
        let mut storage = [0u8; SOCKADDR_MAX - 2];
        storage[..26].copy_from_slice(&in6);
        assert_eq!(
            &*sockaddr(bindings::AF_INET6, &storage),
            b"{sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(5), \
              inet_pton(AF_INET6, \"2001:db8::1:0:0:1\", &sin6_addr), sin6_scope_id=3}"
        );
        // A part of the scope id, zero-extended.
        assert_eq!(
            &*sockaddr(bindings::AF_INET6, &in6[..23]),
            b"{sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(5), \
              inet_pton(AF_INET6, \"2001:db8::1:0:0:1\", &sin6_addr), sin6_scope_id=3}"
        );
        assert_eq!(
            &*sockaddr(bindings::AF_INET6, &in6[..22]),
            b"{sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(5), \
              inet_pton(AF_INET6, \"2001:db8::1:0:0:1\", &sin6_addr)}"
        );

        let nl = [0, 0, 5, 0, 0, 0, 0x11, 0, 0, 0];
        assert_eq!(
            &*sockaddr(bindings::AF_NETLINK, &nl),
            b"{sa_family=AF_NETLINK, nl_pid=5, nl_groups=0x000011}"
        );
        // C's `%#08x` of 0; a negative port id (the kernel picks them).
        let nl = [0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];
        assert_eq!(
            &*sockaddr(bindings::AF_NETLINK, &nl),
            b"{sa_family=AF_NETLINK, nl_pid=-1, nl_groups=00000000}"
        );
        // Families not decoded here: their bytes.
        let data = *b"\x01\x02abc\0\0\0\0\0\0\0\0\0";
        assert_eq!(
            &*sockaddr(bindings::AF_PACKET, &data),
            b"{sa_family=AF_PACKET, sa_data=\"\\1\\2abc\\0\\0\\0\\0\\0\\0\\0\\0\\0\"}"
        );
        assert_eq!(
            &*sockaddr(200, &data),
            b"{sa_family=0xc8 /* AF_??? */, sa_data=\"\\1\\2abc\\0\\0\\0\\0\\0\\0\\0\\0\\0\"}"
        );
    }

    /// A control message header, then `data`, padded to 8 bytes.
    fn cmsg(v: &mut KVec<u8>, len: u64, level: u32, kind: u32, data: &[u8]) {
        v.extend_from_slice(&len.to_ne_bytes(), GFP_KERNEL).unwrap();
        v.extend_from_slice(&level.to_ne_bytes(), GFP_KERNEL)
            .unwrap();
        v.extend_from_slice(&kind.to_ne_bytes(), GFP_KERNEL)
            .unwrap();
        v.extend_from_slice(data, GFP_KERNEL).unwrap();
        while v.len() % 8 != 0 {
            v.push(0, GFP_KERNEL).unwrap();
        }
    }

    #[test]
    fn control_messages_as_strace_shows_them() {
        let (sol, rights, creds) = (
            bindings::SOL_SOCKET,
            bindings::SCM_RIGHTS,
            bindings::SCM_CREDENTIALS,
        );
        let mut fds = [0u8; 8];
        fds[4..].copy_from_slice(&1i32.to_ne_bytes());
        let mut cred = [0u8; 12];
        cred[..4].copy_from_slice(&42i32.to_ne_bytes());
        cred[4..8].copy_from_slice(&1000u32.to_ne_bytes());
        // Two descriptors, then credentials (strace 6.1's line).
        let mut v = KVec::new();
        cmsg(&mut v, 24, sol, rights, &fds);
        cmsg(&mut v, 28, sol, creds, &cred);
        let len = v.len() as u64;
        assert_eq!(
            &*text(|l| write_cmsgs(l, &v, 0x1000, len)),
            b"[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[0, 1]}, \
              {cmsg_len=28, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS, \
              cmsg_data={pid=42, uid=1000, gid=0}}]"
        );
        // Another level; an unknown type; a length past the buffer (the
        // last, without data); one shorter than its header (the list
        // ends with the next address).
        let mut v = KVec::new();
        cmsg(&mut v, 28, 77, 9, &cred);
        assert_eq!(
            &*text(|l| write_cmsgs(l, &v, 0x1000, 32)),
            b"[{cmsg_len=28, cmsg_level=0x4d /* SOL_??? */, cmsg_type=0x9}]"
        );
        let mut v = KVec::new();
        cmsg(&mut v, 200, sol, 99, &cred);
        assert_eq!(
            &*text(|l| write_cmsgs(l, &v, 0x1000, 32)),
            b"[{cmsg_len=200, cmsg_level=SOL_SOCKET, cmsg_type=0x63 /* SCM_??? */}]"
        );
        let mut v = KVec::new();
        cmsg(&mut v, 4, sol, 99, &cred);
        assert_eq!(
            &*text(|l| write_cmsgs(l, &v, 0x1000, 32)),
            b"[{cmsg_len=4, cmsg_level=SOL_SOCKET, cmsg_type=0x63 /* SCM_??? */}, ... /* 0x1010 */]"
        );
        // ... and nothing after it: no next address (second review).
        assert_eq!(
            &*text(|l| write_cmsgs(l, &v[..16], 0x1000, 16)),
            b"[{cmsg_len=4, cmsg_level=SOL_SOCKET, cmsg_type=0x63 /* SCM_??? */}]"
        );
        // Longer than the buffer: the descriptors that fit.
        let mut v = KVec::new();
        cmsg(&mut v, 200, sol, rights, &fds);
        assert_eq!(
            &*text(|l| write_cmsgs(l, &v, 0x1000, 24)),
            b"[{cmsg_len=200, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[0, 1]}]"
        );
        // Too few bytes left for another header: their address; too few
        // for a descriptor: no data; ids of -1 signed.
        let mut v = KVec::new();
        cmsg(&mut v, 20, sol, rights, &fds[..4]);
        v.extend_from_slice(&[0; 4], GFP_KERNEL).unwrap();
        assert_eq!(
            &*text(|l| write_cmsgs(l, &v, 0x1000, 28)),
            b"[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[0]}, ... /* 0x1018 */]"
        );
        let mut v = KVec::new();
        cmsg(&mut v, 18, sol, rights, &fds[..2]);
        assert_eq!(
            &*text(|l| write_cmsgs(l, &v, 0x1000, 24)),
            b"[{cmsg_len=18, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS}]"
        );
        let mut v = KVec::new();
        let mut nobody = cred;
        nobody[4..].fill(0xff);
        cmsg(&mut v, 28, sol, creds, &nobody);
        assert_eq!(
            &*text(|l| write_cmsgs(l, &v, 0x1000, 32)),
            b"[{cmsg_len=28, cmsg_level=SOL_SOCKET, cmsg_type=SCM_CREDENTIALS, cmsg_data={pid=42, uid=-1, gid=-1}}]"
        );
        // A buffer longer than what was read: the messages read, then
        // `...`.
        let mut v = KVec::new();
        cmsg(&mut v, 24, sol, rights, &fds);
        assert_eq!(
            &*text(|l| write_cmsgs(l, &v, 0x1000, 4096)),
            b"[{cmsg_len=24, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[0, 1]}, ...]"
        );
    }

    #[test]
    fn ipv6_addresses_as_inet_ntop_writes_them() {
        let v6 = |a: [u8; 16]| text(move |l| write_ipv6(l, &a));
        let mut a = [0u8; 16];
        assert_eq!(&*v6(a), b"::");
        a[15] = 1;
        assert_eq!(&*v6(a), b"::1");
        // An IPv4-mapped address, and an IPv4-compatible one.
        a[10] = 0xff;
        a[11] = 0xff;
        a[12..].copy_from_slice(&[1, 2, 3, 4]);
        assert_eq!(&*v6(a), b"::ffff:1.2.3.4");
        a[10] = 0;
        a[11] = 0;
        assert_eq!(&*v6(a), b"::1.2.3.4");
        // fe80::1; a single zero group is not compressed; the first of two
        // equally long runs is.
        let mut b = [0u8; 16];
        b[0] = 0xfe;
        b[1] = 0x80;
        b[15] = 1;
        assert_eq!(&*v6(b), b"fe80::1");
        let c = [0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7];
        assert_eq!(&*v6(c), b"1:0:2:3:4:5:6:7");
        let d = [0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0];
        assert_eq!(&*v6(d), b"1::2:0:0:3:0");
        // Trailing zeros.
        let e = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(&*v6(e), b"2001:db8::");
    }
}
