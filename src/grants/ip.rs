//! IP allowlists: CIDR ranges or single addresses, IPv4 or IPv6.

use std::net::IpAddr;

/// One allowlist entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    addr: IpAddr,
    prefix: u8,
}

/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, as dual-stack sockets report them) are
/// their IPv4 address, so an IPv4 allowlist admits them.
pub fn normalize(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl IpRange {
    /// Parse `10.0.0.0/8`, `2001:db8::/32` or a single address.
    ///
    /// ```
    /// use portcullis::grants::IpRange;
    /// let r = IpRange::parse("10.0.0.0/8").unwrap();
    /// assert!(r.contains("10.1.2.3".parse().unwrap()));
    /// assert!(r.contains("::ffff:10.1.2.3".parse().unwrap()));
    /// assert!(IpRange::parse("10.0.0.0/33").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<IpRange> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (a, Some(p.parse::<u8>().ok()?))
            }
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        Some(IpRange { addr, prefix })
    }

    /// Whether the address is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = normalize(ip);
        match (normalize(self.addr), ip) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix.min(32)) };
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - self.prefix) };
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let r = IpRange::parse("2001:db8::/32").unwrap();
        assert!(r.contains("2001:db8::1".parse().unwrap()));
        assert!(!r.contains("2001:db9::1".parse().unwrap()));
        assert!(!r.contains("10.0.0.1".parse().unwrap()));
        let one = IpRange::parse("192.0.2.7").unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        assert!(IpRange::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
        for bad in ["10.0.0.0/33", "10.0.0/8", "10.0.0.0/", "x", "::/129", "10.0.0.0/+8", ""] {
            assert!(IpRange::parse(bad).is_none(), "{bad}");
        }
    }
}
