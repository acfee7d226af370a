//! Who is asking: the client's address. bioskop serves plain HTTP behind a
//! TLS proxy, so the peer is the proxy; only a peer listed in
//! `http.trusted_proxies` is believed about who it forwards for
//! (`X-Forwarded-For`), so nobody can choose their own address by sending
//! the header straight to us.

use std::net::{IpAddr, SocketAddr};

use actix_web::http::header::HeaderMap;

/// The client's address: the peer, or, while the peer is a trusted proxy,
/// the hop it says it forwards for (read right to left, as each proxy
/// appends the address it saw).
pub fn client_address(
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let mut client = peer?.ip();
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in forwarded.iter().rev() {
        if !trusted.contains(&client) {
            break;
        }
        // A hop that is not an address ends what the proxies vouch for.
        match hop.parse::<IpAddr>() {
            Ok(address) => client = address,
            Err(_) => break,
        }
    }
    Some(client)
}

/// The client behind `req` as the per-address limits (sign-ins, sign-ups,
/// live streams) count it (see [`limit_key`]); empty when there is no peer.
pub fn address_of(req: &actix_web::HttpRequest, trusted: &[IpAddr]) -> String {
    client_address(req.peer_addr(), req.headers(), trusted)
        .map(limit_key)
        .unwrap_or_default()
}

/// Who a limit counts: an IPv4 address, or the /64 network of an IPv6
/// address. A /64 is one subscriber's network (RFC 6177, RFC 7421), whose
/// host half they may vary at will: counting each address on its own would
/// give anyone 2^64 fresh counts. An IPv4-mapped IPv6 address is its IPv4.
pub fn limit_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_ipv6_client_is_counted_by_its_64_network_and_an_ipv4_one_by_its_address() {
        let key = |text: &str| super::limit_key(text.parse().expect("an address"));
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_ne!(key("203.0.113.8"), key("203.0.113.7"));
    }

    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(forwarded: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in forwarded {
            map.append(
                HeaderName::from_static("x-forwarded-for"),
                HeaderValue::from_str(value).expect("a header value"),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn a_peer_that_is_not_a_trusted_proxy_is_the_client_whatever_it_claims() {
        let peer = Some("203.0.113.9:5000".parse().expect("peer"));
        let claimed = headers(&["198.51.100.1"]);
        assert_eq!(
            client_address(peer, &claimed, &[ip("127.0.0.1")]),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_last_hop_it_vouches_for() {
        let peer = Some("127.0.0.1:5000".parse().expect("peer"));
        let trusted = [ip("127.0.0.1"), ip("10.0.0.2")];
        // The client sent a forged first hop; the proxies appended the rest.
        let chain = headers(&["6.6.6.6, 198.51.100.7", "10.0.0.2"]);
        assert_eq!(
            client_address(peer, &chain, &trusted),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_address(peer, &headers(&[]), &trusted),
            Some(ip("127.0.0.1"))
        );
        assert_eq!(
            client_address(peer, &headers(&["not-an-address"]), &trusted),
            Some(ip("127.0.0.1"))
        );
    }
}
