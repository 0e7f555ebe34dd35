//! Decimal text to `f64`, correctly rounded (to nearest, ties to even), for the JSON reader.
//!
//! Why not `str::parse` or serde_json's reader: both carry tables of 128-bit powers (several
//! kilobytes in the wasm module, and incompressible) to be fast on long mantissas, which
//! filters and entities almost never hold. Here the common case (at most 2^53 as an integer
//! mantissa, a power of ten within 10^22) is Clinger's exact fast path: one IEEE operation on
//! two exact operands, so one rounding. Everything else is exact big-integer arithmetic, slow
//! but short and plainly correct; `tests` hold it to `str::parse` natively.

/// 10^0 ..= 10^22: the powers of ten an `f64` holds exactly.
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Significant digits kept exactly. A tie between two doubles needs at most 767 of them, so
/// digits past this many only matter as "something nonzero follows" (a sticky digit).
const MAX_DIGITS: usize = 780;

/// The value of `text`, which must match JSON's number grammar (`-?int(.frac)?([eE][+-]?exp)?`;
/// the caller checked it). `None` when it is too large for an `f64` (it would be infinite);
/// a value too small rounds to zero, as IEEE rounding does.
pub(crate) fn parse_f64(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let negative = b.first() == Some(&b'-');
    let start = usize::from(negative);
    // One pass over the mantissa: its significant digits as a u64 (exact when there are at
    // most 19 of them), how many there are, and the power of ten they are scaled by.
    let (mut m, mut n, mut exp10) = (0u64, 0usize, 0i64);
    let mut after_point = false;
    let mut i = start;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => {
                if n > 0 || c != b'0' {
                    n += 1;
                    m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
                }
                if after_point {
                    exp10 -= 1;
                }
            }
            b'.' => after_point = true,
            _ => break,
        }
        i += 1;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        let minus = b.get(i + 1) == Some(&b'-');
        // Saturate: past a million the answer is zero or out of range anyway.
        let mut e: i64 = 0;
        for &c in &b[i + 1..] {
            if c.is_ascii_digit() {
                e = (e * 10 + i64::from(c - b'0')).min(1_000_000);
            }
        }
        exp10 += if minus { -e } else { e };
    }
    let magnitude = match fast(m, n, exp10) {
        Some(x) => x,
        None => {
            // The rare case: the digits themselves, for exact arithmetic.
            let mut digits: Vec<u8> = Vec::with_capacity(n);
            for &c in &b[start..i] {
                if c.is_ascii_digit() && (c != b'0' || !digits.is_empty()) {
                    digits.push(c - b'0');
                }
            }
            while digits.last() == Some(&0) {
                digits.pop();
                exp10 += 1;
            }
            magnitude(&mut digits, exp10)?
        }
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Clinger's fast path, for `n` significant digits `m` scaled by `10^exp10`: when both are
/// exact doubles, one IEEE operation rounds once.
fn fast(m: u64, n: usize, exp10: i64) -> Option<f64> {
    if n == 0 {
        return Some(0.0);
    }
    if n > 19 || m > 1 << 53 || exp10.unsigned_abs() > 22 {
        return None;
    }
    let p = EXACT_POW10[exp10.unsigned_abs() as usize];
    Some(if exp10 < 0 { m as f64 / p } else { m as f64 * p })
}

/// The double nearest `digits × 10^exp10` (`digits`: no leading or trailing zeros).
fn magnitude(digits: &mut Vec<u8>, mut exp10: i64) -> Option<f64> {
    let n = digits.len() as i64;
    if n == 0 || n + exp10 < -324 {
        return Some(0.0); // below 10^-325, under half the smallest subnormal
    }
    if n + exp10 > 310 {
        return None; // at least 10^309
    }
    if digits.len() > MAX_DIGITS {
        exp10 += (digits.len() - MAX_DIGITS - 1) as i64;
        digits.truncate(MAX_DIGITS);
        digits.push(1); // the sticky digit: the dropped tail was not all zeros
    }
    // value = num / den exactly.
    let mut num = Big::from_digits(digits);
    let mut den = Big::one();
    if exp10 >= 0 {
        num.mul_pow10(exp10 as u32);
    } else {
        den.mul_pow10(exp10.unsigned_abs() as u32);
    }
    // Scale so that q = num / (den · 2^k) lies in [2^52, 2^54), or k = -1074 for subnormals.
    let k = (num.bits() as i64 - den.bits() as i64 - 53).max(-1074);
    if k >= 0 {
        den.shl(k as usize);
    } else {
        num.shl(k.unsigned_abs() as usize);
    }
    let (mut q, half) = num.div_rem(&den);
    let mut k = k;
    let round_up = if q >= 1 << 53 {
        // One bit too many: it decides, with the remainder as the sticky part.
        let (bit, sticky) = (q & 1 == 1, !num.is_zero());
        q >>= 1;
        k += 1;
        bit && (sticky || q & 1 == 1)
    } else {
        half == std::cmp::Ordering::Greater || (half == std::cmp::Ordering::Equal && q & 1 == 1)
    };
    if round_up {
        q += 1;
        if q == 1 << 53 {
            q = 1 << 52;
            k += 1;
        }
    }
    if q < 1 << 52 {
        return Some(f64::from_bits(q)); // subnormal (k is -1074)
    }
    let biased = k + 1075;
    if biased >= 2047 {
        return None;
    }
    Some(f64::from_bits(((biased as u64) << 52) | (q - (1 << 52))))
}

/// A non-negative big integer, little-endian 32-bit limbs, no high zero limbs.
struct Big(Vec<u32>);

impl Big {
    fn one() -> Big {
        Big(vec![1])
    }

    fn from_digits(digits: &[u8]) -> Big {
        let mut b = Big(Vec::new());
        for chunk in digits.chunks(9) {
            let v = chunk.iter().fold(0u32, |v, &d| v * 10 + u32::from(d));
            b.mul_add(10u32.pow(chunk.len() as u32), v);
        }
        b
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// self = self · m + a
    fn mul_add(&mut self, m: u32, a: u32) {
        let mut carry = u64::from(a);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut e: u32) {
        while e > 0 {
            let step = e.min(9);
            self.mul_add(10u32.pow(step), 0);
            e -= step;
        }
    }

    /// Significant bits.
    fn bits(&self) -> usize {
        self.0.last().map_or(0, |top| self.0.len() * 32 - top.leading_zeros() as usize)
    }

    fn shl(&mut self, n: usize) {
        let (limbs, bits) = (n / 32, n % 32);
        if bits != 0 {
            let mut carry = 0;
            for limb in &mut self.0 {
                let v = *limb;
                *limb = (v << bits) | carry;
                carry = v >> (32 - bits);
            }
            if carry != 0 {
                self.0.push(carry);
            }
        }
        if limbs != 0 && !self.is_zero() {
            self.0.splice(0..0, std::iter::repeat_n(0, limbs));
        }
    }

    fn shr1(&mut self) {
        let mut carry = 0;
        for limb in self.0.iter_mut().rev() {
            let v = *limb;
            *limb = (v >> 1) | (carry << 31);
            carry = v & 1;
        }
        self.trim();
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn cmp(&self, o: &Big) -> std::cmp::Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }

    /// self -= o (o ≤ self).
    fn sub(&mut self, o: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let v = i64::from(*limb) - i64::from(o.0.get(i).copied().unwrap_or(0)) - borrow;
            borrow = i64::from(v < 0);
            *limb = v.rem_euclid(1 << 32) as u32;
        }
        self.trim();
    }

    /// The quotient `self / den` (below 2^54 by the caller's scaling), leaving the remainder
    /// in `self`; with how twice the remainder compares to `den` (below, at or past half).
    fn div_rem(&mut self, den: &Big) -> (u64, std::cmp::Ordering) {
        let mut d = Big(den.0.clone());
        d.shl(54);
        let mut q = 0u64;
        for _ in 0..=54 {
            q <<= 1;
            if self.cmp(&d) != std::cmp::Ordering::Less {
                self.sub(&d);
                q |= 1;
            }
            d.shr1();
        }
        // `d` is now den / 2 rounded down; compare 2·rem with den exactly instead.
        let mut twice = Big(self.0.clone());
        twice.shl(1);
        (q, twice.cmp(den))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_f64;
    use proptest::prelude::*;

    fn same(text: &str) {
        let want: f64 = text.parse().unwrap();
        let got = parse_f64(text);
        if want.is_infinite() {
            assert_eq!(got, None, "{text}");
        } else {
            assert_eq!(got.map(f64::to_bits), Some(want.to_bits()), "{text}: {got:?} vs {want}");
        }
    }

    #[test]
    fn hard_cases_round_correctly() {
        for t in [
            "0", "-0", "0.0", "1", "-1", "0.1", "0.3", "123.456", "1e22", "1e23", "9007199254740992", "9007199254740993",
            "9007199254740995", "18446744073709551615", "18446744073709551616", "0.30000000000000004", "2.2250738585072011e-308",
            "2.2250738585072012e-308", "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "5e-324",
            "1e-400", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "1e400", "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791e-0",
            "7.038531e-26", "8.533e+68", "4.1006e-184", "9.998e+307", "9.9538452227e-280", "6.47660115e-260", "7.4e+47", "5.92e+48",
            "7.35e+66", "8.32116e+55", "1.00000000000000011102230246251565404236316680908203125", "1.00000000000000011102230246251565404236316680908203124",
            "1.00000000000000011102230246251565404236316680908203126", "0.000000000000000000000000000000000000000000001e300",
        ] {
            same(t);
        }
        // Past the digits kept exactly: the sticky digit decides a near-tie.
        let long =
            format!("1.00000000000000011102230246251565404236316680908203125{}1", "0".repeat(900));
        same(&long);
        let long =
            format!("1.00000000000000011102230246251565404236316680908203125{}", "0".repeat(900));
        same(&long);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn agrees_with_std(m in any::<u64>(), frac in proptest::option::of(0u64..1_000_000_000_000), e in -360i32..330, neg: bool) {
            let mut t = String::new();
            if neg { t.push('-'); }
            t.push_str(&m.to_string());
            if let Some(f) = frac { t.push('.'); t.push_str(&f.to_string()); }
            t.push_str(&format!("e{e}"));
            same(&t);
        }

        #[test]
        fn agrees_with_std_on_long_mantissas(d in "[1-9][0-9]{15,60}", e in -380i32..300) {
            same(&format!("{d}e{e}"));
            same(&format!("0.{d}e{e}"));
        }

        #[test]
        fn agrees_with_std_on_doubles(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
            same(&format!("{x:e}"));
            same(&format!("{x:?}"));
        }
    }
}
