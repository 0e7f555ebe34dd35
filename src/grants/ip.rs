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
        // An IPv4-mapped range (`::ffff:10.0.0.0/104`) is the IPv4 range it maps
        // (`10.0.0.0/8`): sources are compared as IPv4 (see [`normalize`]).
        if let IpAddr::V6(v6) = addr {
            if let (Some(v4), true) = (v6.to_ipv4_mapped(), prefix >= 96) {
                return Some(IpRange { addr: IpAddr::V4(v4), prefix: prefix - 96 });
            }
        }
        Some(IpRange { addr, prefix })
    }

    /// Whether the address is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, normalize(ip)) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) };
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
        // IPv4-mapped ranges are their IPv4 ranges, the prefix counted from the mapped part.
        let mapped = IpRange::parse("::ffff:10.0.0.0/104").unwrap();
        assert_eq!(mapped, IpRange::parse("10.0.0.0/8").unwrap());
        assert!(
            mapped.contains("10.0.0.5".parse().unwrap())
                && mapped.contains("::ffff:10.9.9.9".parse().unwrap())
        );
        assert!(!mapped.contains("11.0.0.1".parse().unwrap()));
        assert!(IpRange::parse("::ffff:0:0/96").unwrap().contains("8.8.8.8".parse().unwrap()));
        assert!(IpRange::parse("::ffff:192.0.2.7").unwrap().contains("192.0.2.7".parse().unwrap()));
        // A mapped address under a shorter prefix is an IPv6 range; it holds no IPv4 source.
        assert!(!IpRange::parse("::ffff:0:0/95").unwrap().contains("8.8.8.8".parse().unwrap()));
        for bad in ["10.0.0.0/33", "10.0.0/8", "10.0.0.0/", "x", "::/129", "10.0.0.0/+8", ""] {
            assert!(IpRange::parse(bad).is_none(), "{bad}");
        }
    }
}
