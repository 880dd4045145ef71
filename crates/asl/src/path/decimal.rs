//! Decimal numbers as Jayway's filters see them.
//!
//! Jayway turns every number in a filter into a `java.math.BigDecimal`: literals straight
//! from their text, document values through Java's `toString` of the parsed `Integer`,
//! `Long` or `Double`. Comparisons are exact decimal comparisons, and when a number meets a
//! string in `==` the number is compared as the text `BigDecimal.toString()` gives. This
//! module reproduces those three things (parsing, ordering, rendering) so that `42.0`,
//! `010` and `-0.123e2` behave as they do on AWS.

use std::cmp::Ordering;

/// An arbitrary-precision decimal: `(-1)^negative * coefficient * 10^-scale`.
#[derive(Debug, Clone)]
pub(super) struct Decimal {
    /// Never true for zero: `BigDecimal` has no negative zero.
    negative: bool,
    /// Decimal digits (values 0-9) without leading zeros; zero is `[0]`.
    coefficient: Vec<u8>,
    scale: i64,
}

/// The widest exponent `BigDecimal` accepts: its scale is a Java `int`.
const SCALE_LIMIT: i64 = i32::MAX as i64;

impl Decimal {
    /// Parses text the way `new BigDecimal(String)` does: an optional sign, digits with an
    /// optional decimal point, an optional exponent. `None` where Java throws.
    pub(super) fn parse(text: &str) -> Option<Decimal> {
        let bytes = text.as_bytes();
        let mut at = 0;
        let mut negative = false;
        if let Some(&sign) = bytes.first() {
            if sign == b'-' || sign == b'+' {
                negative = sign == b'-';
                at = 1;
            }
        }
        let mut digits = Vec::new();
        let mut fraction_digits: i64 = 0;
        let mut seen_point = false;
        while let Some(&c) = bytes.get(at) {
            match c {
                b'0'..=b'9' => {
                    digits.push(c - b'0');
                    if seen_point {
                        fraction_digits += 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                _ => break,
            }
            at += 1;
        }
        if digits.is_empty() {
            return None;
        }
        let mut exponent: i64 = 0;
        if let Some(&e) = bytes.get(at) {
            if e != b'e' && e != b'E' {
                return None;
            }
            let rest = text.get(at + 1..)?;
            let unsigned = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            exponent = rest.parse::<i64>().ok()?;
        }
        let scale = fraction_digits.checked_sub(exponent)?;
        if !(-SCALE_LIMIT..=SCALE_LIMIT).contains(&scale) {
            return None;
        }
        Some(Decimal::new(negative, digits, scale))
    }

    /// The decimal Jayway makes of a number read from a JSON document: integers keep their
    /// digits, floating-point numbers go through Java's `Double.toString`.
    pub(super) fn from_json(number: &serde_json::Number) -> Decimal {
        if let Some(i) = number.as_i64() {
            return Decimal::from_integer_text(&i.to_string());
        }
        if let Some(u) = number.as_u64() {
            return Decimal::from_integer_text(&u.to_string());
        }
        let float = number.as_f64().unwrap_or(0.0);
        // Java's rendering of a finite double is always valid BigDecimal syntax.
        Decimal::parse(&java_double_to_string(float)).unwrap_or_else(Decimal::zero)
    }

    fn from_integer_text(text: &str) -> Decimal {
        Decimal::parse(text).unwrap_or_else(Decimal::zero)
    }

    fn zero() -> Decimal {
        Decimal::new(false, vec![0], 0)
    }

    fn new(negative: bool, mut coefficient: Vec<u8>, scale: i64) -> Decimal {
        let first_nonzero = coefficient.iter().position(|&d| d != 0);
        match first_nonzero {
            Some(start) => {
                coefficient.drain(..start);
                Decimal {
                    negative,
                    coefficient,
                    scale,
                }
            }
            None => Decimal {
                negative: false,
                coefficient: vec![0],
                scale,
            },
        }
    }

    fn is_zero(&self) -> bool {
        self.coefficient == [0]
    }

    /// `BigDecimal.compareTo`: numeric order, ignoring scale (`2.0` equals `2`).
    pub(super) fn compare(&self, other: &Decimal) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => {
                return if other.negative {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, true) => {
                return if self.negative {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, false) => {}
        }
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.compare_magnitude(other),
            (true, true) => other.compare_magnitude(self),
        }
    }

    /// Compares absolute values of two non-zero decimals.
    fn compare_magnitude(&self, other: &Decimal) -> Ordering {
        let (a, a_exp) = self.significant_digits();
        let (b, b_exp) = other.significant_digits();
        a_exp.cmp(&b_exp).then_with(|| a.cmp(b))
    }

    /// The digits without trailing zeros, and the position of the decimal point relative
    /// to the first digit (the number of digits before the point).
    fn significant_digits(&self) -> (&[u8], i64) {
        let len = self.coefficient.len();
        let trailing = self.coefficient.iter().rev().take_while(|&&d| d == 0).count();
        let digits = self.coefficient.get(..len - trailing).unwrap_or(&[]);
        (digits, len as i64 - self.scale)
    }

    /// `BigDecimal.intValue()` for the sizes filters compare against: the integer part, or
    /// `None` when it does not fit an `i64`.
    pub(super) fn integer_part(&self) -> Option<i64> {
        // A non-zero coefficient starts with a non-zero digit, so the loop below overflows
        // within 19 digits; zero could otherwise spin through a huge exponent.
        if self.is_zero() {
            return Some(0);
        }
        let len = self.coefficient.len() as i64;
        let keep = len - self.scale;
        if keep <= 0 {
            return Some(0);
        }
        let mut value: i64 = 0;
        for i in 0..keep {
            let digit = if i < len {
                self.coefficient.get(i as usize).copied().unwrap_or(0)
            } else {
                0
            };
            value = value.checked_mul(10)?.checked_add(i64::from(digit))?;
        }
        Some(if self.negative { -value } else { value })
    }

    /// `BigDecimal.toString()`: plain notation unless the exponent is large or the number
    /// is very small, then scientific notation such as `1E+3`.
    pub(super) fn to_java_string(&self) -> String {
        let digits: String = self.coefficient.iter().map(|&d| char::from(b'0' + d)).collect();
        let sign = if self.negative { "-" } else { "" };
        if self.scale == 0 {
            return format!("{sign}{digits}");
        }
        let len = digits.len() as i64;
        let adjusted = len - 1 - self.scale;
        if self.scale > 0 && adjusted >= -6 {
            let point = len - self.scale;
            if point > 0 {
                let (int, frac) = digits.split_at(point as usize);
                format!("{sign}{int}.{frac}")
            } else {
                let zeros = "0".repeat((-point) as usize);
                format!("{sign}0.{zeros}{digits}")
            }
        } else {
            let (first, rest) = digits.split_at(1);
            let point = if rest.is_empty() { "" } else { "." };
            let exp_sign = if adjusted >= 0 { "+" } else { "" };
            format!("{sign}{first}{point}{rest}E{exp_sign}{adjusted}")
        }
    }
}

/// Java's `Double.toString`: plain notation with at least one fractional digit between
/// 10^-3 and 10^7, otherwise `d.dddE±n`; always the shortest digits that round-trip.
pub(super) fn java_double_to_string(value: f64) -> String {
    if value == 0.0 {
        return if value.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    let magnitude = value.abs();
    // Rust prints the shortest round-tripping digits, e.g. "4.20001e1".
    let scientific = format!("{magnitude:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (1e-3..1e7).contains(&magnitude) {
        if exponent >= 0 {
            let int_len = (exponent + 1) as usize;
            let mut int_part: String = digits.chars().take(int_len).collect();
            while int_part.len() < int_len {
                int_part.push('0');
            }
            let frac: String = digits.chars().skip(int_len).collect();
            let frac = if frac.is_empty() { "0".to_string() } else { frac };
            format!("{sign}{int_part}.{frac}")
        } else {
            let zeros = "0".repeat((-exponent - 1) as usize);
            format!("{sign}0.{zeros}{digits}")
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exponent}")
    }
}

/// Java's `toString` of a JSON number as a parser would have built it: integers as
/// `Integer`/`Long`, everything else as `Double`.
pub(super) fn java_number_to_string(number: &serde_json::Number) -> String {
    if number.is_i64() || number.is_u64() {
        number.to_string()
    } else {
        java_double_to_string(number.as_f64().unwrap_or(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap_or_else(|| panic!("{text} should parse"))
    }

    #[test]
    fn parses_like_big_decimal() {
        for bad in [
            "",
            "-",
            ".",
            "1e",
            "1e+",
            "abc",
            "1.2.3",
            "--1",
            "1 ",
            "0x10",
            "1e99999999999",
        ] {
            assert!(Decimal::parse(bad).is_none(), "{bad:?} should be rejected");
        }
        let table = [
            ("010", "10"),
            ("-0.123e2", "-12.3"),
            ("42.0", "42.0"),
            ("1e2", "1E+2"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1E-7"),
            ("-0", "0"),
            ("+5", "5"),
            (".5", "0.5"),
            ("12.", "12"),
            ("0.00", "0.00"),
        ];
        for (text, rendered) in table {
            assert_eq!(d(text).to_java_string(), rendered, "rendering of {text}");
        }
    }

    #[test]
    fn compares_numerically() {
        assert_eq!(d("42").compare(&d("42.000")), Ordering::Equal);
        assert_eq!(d("-0.0").compare(&d("0")), Ordering::Equal);
        assert_eq!(d("42.0001").compare(&d("42")), Ordering::Greater);
        assert_eq!(d("-12.3").compare(&d("-0.123e2")), Ordering::Equal);
        assert_eq!(d("-5").compare(&d("-40")), Ordering::Greater);
        assert_eq!(d("0.001").compare(&d("1e-3")), Ordering::Equal);
        assert_eq!(d("100").compare(&d("99.99")), Ordering::Greater);
        assert_eq!(d("-1").compare(&d("0")), Ordering::Less);
    }

    #[test]
    fn integer_part_truncates() {
        assert_eq!(d("4.9").integer_part(), Some(4));
        assert_eq!(d("-4.9").integer_part(), Some(-4));
        assert_eq!(d("1e3").integer_part(), Some(1000));
        assert_eq!(d("0.5").integer_part(), Some(0));
        assert_eq!(d("1e30").integer_part(), None);
        assert_eq!(d("0e2000000000").integer_part(), Some(0));
    }

    #[test]
    fn renders_doubles_like_java() {
        let table = [
            (42.0, "42.0"),
            (42.0001, "42.0001"),
            (100.0, "100.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1e7, "1.0E7"),
            (1.5e20, "1.5E20"),
            (-12.3, "-12.3"),
            (-0.0, "-0.0"),
            (123456.0, "123456.0"),
        ];
        for (value, text) in table {
            assert_eq!(java_double_to_string(value), text);
        }
    }
}
