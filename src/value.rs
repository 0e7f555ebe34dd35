//! Typed scalar values: UUIDs and ISO-8601 dates, parsed once into integers so that
//! evaluation compares numbers, never strings.

/// A UUID as an integer. Only the hyphenated form (any case) is accepted, as the SPEC says.
///
/// ```
/// use portcullis::value::parse_uuid;
/// assert_eq!(parse_uuid("5B6C7D8E-9FA0-4B1C-8D2E-3F4A5B6C7D8E"),
///            parse_uuid("5b6c7d8e-9fa0-4b1c-8d2e-3f4a5b6c7d8e"));
/// assert_eq!(parse_uuid("5b6c7d8e9fa04b1c8d2e3f4a5b6c7d8e"), None);
/// ```
pub fn parse_uuid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut v: u128 = 0;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let d = (c as char).to_digit(16)?;
        v = (v << 4) | d as u128;
    }
    Some(v)
}

/// Format a UUID integer in lowercase hyphenated form.
pub fn format_uuid(v: u128) -> String {
    let h = format!("{v:032x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Nanoseconds in a day.
pub const NANOS_PER_DAY: i128 = 86_400 * 1_000_000_000;

/// An ISO-8601 date value: a calendar day (`YYYY-MM-DD`) or an instant (an RFC 3339
/// date-time with an offset), both on the proleptic Gregorian calendar in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateValue {
    /// Days since 1970-01-01.
    Day(i64),
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    Instant(i128),
}

impl DateValue {
    /// The instant this value stands for: a day is its midnight UTC (SPEC 2.5).
    pub fn instant(self) -> i128 {
        match self {
            DateValue::Day(d) => d as i128 * NANOS_PER_DAY,
            DateValue::Instant(t) => t,
        }
    }
}

/// The UTC calendar day of an instant.
pub fn day_of(instant: i128) -> i64 {
    instant.div_euclid(NANOS_PER_DAY) as i64
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, c| n * 10 + (c - b'0') as u32))
}

fn parse_day(b: &[u8]) -> Option<i64> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let len = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=len).contains(&d).then(|| days_from_civil(y as i64, m, d))
}

/// Parse `YYYY-MM-DD` or an RFC 3339 date-time with offset
/// (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`).
///
/// ```
/// use portcullis::value::{parse_date, DateValue};
/// assert!(matches!(parse_date("2025-01-01"), Some(DateValue::Day(_))));
/// assert!(matches!(parse_date("2026-01-01T00:00:00Z"), Some(DateValue::Instant(_))));
/// assert_eq!(parse_date("2025-13-01"), None);
/// assert_eq!(parse_date("2025-01-01T10:00:00"), None); // no offset
/// ```
pub fn parse_date(s: &str) -> Option<DateValue> {
    let b = s.as_bytes();
    if b.len() == 10 {
        return parse_day(b).map(DateValue::Day);
    }
    if b.len() < 20 || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let day = parse_day(&b[..10])?;
    let (h, mi, sec) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos: i128 = 0;
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 || n > 9 {
            return None;
        }
        let frac = digits(&rest[1..=n])? as i128;
        nanos = frac * 10i128.pow(9 - n as u32);
        rest = &rest[1 + n..];
    }
    let offset_secs: i128 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), oh1, oh2, b':', om1, om2] => {
            let (oh, om) = (digits(&[*oh1, *oh2])?, digits(&[*om1, *om2])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = (oh * 3600 + om * 60) as i128;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let secs = day as i128 * 86_400 + (h * 3600 + mi * 60 + sec) as i128 - offset_secs;
    Some(DateValue::Instant(secs * 1_000_000_000 + nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(parse_date("1970-01-01"), Some(DateValue::Day(0)));
        assert_eq!(parse_date("2000-03-01"), Some(DateValue::Day(11_017)));
        assert_eq!(parse_date("1969-12-31"), Some(DateValue::Day(-1)));
    }

    #[test]
    fn leap_years() {
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2025-02-29").is_none());
        assert!(parse_date("1900-02-29").is_none());
        assert!(parse_date("2000-02-29").is_some());
    }

    #[test]
    fn offsets_move_the_instant() {
        let utc = parse_date("2025-01-01T00:30:00Z").unwrap().instant();
        let plus = parse_date("2025-01-01T01:30:00+01:00").unwrap().instant();
        assert_eq!(utc, plus);
        assert_eq!(
            day_of(parse_date("2025-01-01T23:30:00-01:00").unwrap().instant()),
            day_of(utc) + 1
        );
    }

    #[test]
    fn fractions() {
        let a = parse_date("2025-01-01T00:00:00.5Z").unwrap().instant();
        let b = parse_date("2025-01-01T00:00:00.500000000Z").unwrap().instant();
        assert_eq!(a, b);
        assert!(parse_date("2025-01-01T00:00:00.Z").is_none());
    }

    #[test]
    fn garbage_is_not_a_date() {
        for s in [
            "yesterday",
            "2025-1-01",
            "2025-01-01T25:00:00Z",
            "2025-01-01T10:00:00+1:00",
            "２０２５-01-01",
            "",
        ] {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }

    #[test]
    fn uuids_round_trip() {
        let s = "9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b5";
        assert_eq!(format_uuid(parse_uuid(s).unwrap()), s);
        assert_eq!(parse_uuid("9d7e0c4a-1b2f-4c3d-8e5f-60718293a4bg"), None);
        assert_eq!(parse_uuid("{9d7e0c4a-1b2f-4c3d-8e5f-60718293a4b}"), None);
    }
}
