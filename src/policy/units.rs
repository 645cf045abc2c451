//! Value types of the policy file that are written as text: durations (`90m`, `2d`),
//! sizes (`512KB`, `5MB`) and percentages (`95`, `94.5`, `"99.99%"`).
//!
//! Percentages are kept as exact rationals (hundredths of a basis point would still round),
//! so that a threshold of 95 is never met by 94.9975.

use std::fmt;

/// A span of time given in the policy, e.g. `90m`, `36h`, `2d`, `1w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    secs: u64,
}

impl Duration {
    /// A duration of whole seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Self { secs }
    }

    /// Seconds in this duration.
    pub const fn as_secs(self) -> u64 {
        self.secs
    }

    /// Parses `N<unit>` or a sum such as `1d12h`; units are s, m, h, d, w.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("empty duration".into());
        }
        let mut total: u64 = 0;
        let mut digits = String::new();
        let mut saw_unit = false;
        let mut chars = t.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            if c == '_' {
                continue;
            }
            let mut word = c.to_string();
            while let Some(&n) = chars.peek() {
                if n.is_ascii_digit() || n == '_' {
                    break;
                }
                word.push(n);
                chars.next();
            }
            let unit = match word.as_str() {
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86_400,
                "w" => 604_800,
                _ => return Err(format!("`{}` is not a unit", word.trim())),
            };
            if digits.is_empty() {
                return Err(format!("unit `{word}` has no number before it"));
            }
            let n: u64 = digits.parse().map_err(|_| "number too large".to_string())?;
            total = n
                .checked_mul(unit)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(|| "duration too large".to_string())?;
            digits.clear();
            saw_unit = true;
        }
        if !digits.is_empty() {
            return Err(format!("`{digits}` has no unit"));
        }
        if !saw_unit {
            return Err("no duration found".into());
        }
        Ok(Self { secs: total })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.secs;
        if rest == 0 {
            return f.write_str("0s");
        }
        for (unit, len) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
            if rest >= len {
                write!(f, "{}{unit}", rest / len)?;
                rest %= len;
            }
        }
        Ok(())
    }
}

/// A size in bytes given in the policy, e.g. `512KB`, `5MB`, `1GiB`, `100B`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Size {
    bytes: u64,
}

impl Size {
    /// A size of whole bytes.
    pub const fn from_bytes(bytes: u64) -> Self {
        Self { bytes }
    }

    /// Bytes in this size.
    pub const fn as_bytes(self) -> u64 {
        self.bytes
    }

    /// Parses `N` followed by B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024).
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        if num.is_empty() {
            return Err("a size starts with a whole number".into());
        }
        let n: u64 = num.parse().map_err(|_| "number too large".to_string())?;
        let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "b" => 1,
            "kb" | "k" => 1000,
            "mb" | "m" => 1_000_000,
            "gb" | "g" => 1_000_000_000,
            "kib" => 1024,
            "mib" => 1024 * 1024,
            "gib" => 1024 * 1024 * 1024,
            "" => return Err("a size needs a unit (B, KB, MB, GB, KiB, MiB, GiB)".into()),
            other => return Err(format!("unknown size unit `{other}`")),
        };
        n.checked_mul(mult).map(|bytes| Self { bytes }).ok_or_else(|| "size too large".into())
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.bytes;
        for (unit, len) in [("GB", 1_000_000_000u64), ("MB", 1_000_000), ("KB", 1000)] {
            if b >= len && b.is_multiple_of(len) {
                return write!(f, "{}{unit}", b / len);
            }
        }
        write!(f, "{b}B")
    }
}

/// A percentage between 0 and 100, held exactly as `num / den` percent.
#[derive(Debug, Clone, Copy)]
pub struct Percent {
    num: u128,
    den: u128,
}

impl Percent {
    /// The exact ratio `part / whole` as a percentage; `None` when `whole` is zero.
    pub fn ratio(part: u64, whole: u64) -> Option<Self> {
        (whole != 0).then(|| Self { num: u128::from(part) * 100, den: u128::from(whole) })
    }

    /// Parses a decimal such as `95`, `94.5` or `99.99%` without going through floating point.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim().trim_end_matches('%').trim();
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        if int.is_empty() && frac.is_empty() {
            return Err("empty percentage".into());
        }
        if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("`{text}` is not a number"));
        }
        if frac.len() > 12 || int.len() > 6 {
            return Err(format!("`{text}` has too many digits"));
        }
        let den = 10u128.pow(frac.len() as u32);
        let int_v: u128 = if int.is_empty() { 0 } else { int.parse().map_err(|_| "bad number")? };
        let frac_v: u128 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| "bad number")? };
        let p = Self { num: int_v * den + frac_v, den };
        if p.num > 100 * p.den {
            return Err(format!("{text} is more than 100%"));
        }
        Ok(p)
    }

    /// Converts a TOML float exactly as it was written in decimal (floats print their shortest form).
    pub fn from_f64(v: f64) -> Result<Self, String> {
        if !v.is_finite() || v < 0.0 {
            return Err(format!("{v} is not a percentage between 0 and 100"));
        }
        Self::parse(&format!("{v}"))
    }

    /// Floors to two decimals for display, so 99.999% shows as 99.99 and only 100% as 100.00.
    pub fn floor_hundredths(self) -> u128 {
        self.num * 100 / self.den
    }

    /// `self` minus `points` percentage points, exactly, and never below 0%.
    ///
    /// `None` only when the exact result does not fit (numbers far beyond any real report).
    pub fn minus_points(self, points: Percent) -> Option<Percent> {
        let den = self.den.checked_mul(points.den)?;
        let a = self.num.checked_mul(points.den)?;
        let b = points.num.checked_mul(self.den)?;
        Some(Self { num: a.saturating_sub(b), den }.reduced())
    }

    /// The same value with numerator and denominator divided by their greatest common divisor,
    /// so that chained arithmetic and comparisons stay far from overflow.
    fn reduced(self) -> Self {
        let (mut a, mut b) = (self.num, self.den);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        match a {
            0 | 1 => self,
            g => Self { num: self.num / g, den: self.den / g },
        }
    }
}

impl PartialEq for Percent {
    fn eq(&self, other: &Self) -> bool {
        self.num * other.den == other.num * self.den
    }
}
impl Eq for Percent {}
impl PartialOrd for Percent {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Percent {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.floor_hundredths();
        write!(f, "{}.{:02}%", h / 100, h % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(Duration::parse("90m").unwrap().as_secs(), 5400);
        assert_eq!(Duration::parse("36h").unwrap().as_secs(), 129_600);
        assert_eq!(Duration::parse("2d").unwrap().as_secs(), 172_800);
        assert_eq!(Duration::parse("1w").unwrap().as_secs(), 604_800);
        assert_eq!(Duration::parse("1d12h").unwrap().to_string(), "1d12h");
        for bad in ["", "2", "d", "2x", "2 days", "99999999999999999999d", "-1d", "1d 2h"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(Size::parse("512KB").unwrap().as_bytes(), 512_000);
        assert_eq!(Size::parse("5MB").unwrap().as_bytes(), 5_000_000);
        assert_eq!(Size::parse("1MiB").unwrap().as_bytes(), 1_048_576);
        assert_eq!(Size::parse("5MB").unwrap().to_string(), "5MB");
        for bad in ["", "MB", "5", "5XB", "99999999999999999999GB"] {
            assert!(Size::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn percentage_points_subtract_exactly_and_stop_at_zero() {
        let p = |t: &str| Percent::parse(t).unwrap();
        assert_eq!(p("95").minus_points(p("0.1")).unwrap(), p("94.9"));
        assert_eq!(Percent::ratio(2, 3).unwrap().minus_points(p("0")).unwrap(), Percent::ratio(2, 3).unwrap());
        // 66.666…% minus 0.01 points is still above 66.65% and below 66.66%.
        let floor = Percent::ratio(2, 3).unwrap().minus_points(p("0.01")).unwrap();
        assert!(floor > p("66.65") && floor < p("66.66"), "{floor}");
        assert_eq!(p("0.5").minus_points(p("2")).unwrap(), p("0"));
        let huge = Percent::ratio(u64::MAX - 1, u64::MAX).unwrap();
        assert!(huge.minus_points(p("0.000000000001")).is_some());
    }

    #[test]
    fn percentages_compare_exactly() {
        let bar = Percent::parse("95").unwrap();
        let just_below = Percent::ratio(949_975, 1_000_000).unwrap();
        assert!(just_below < bar);
        assert_eq!(just_below.to_string(), "94.99%");
        assert_eq!(Percent::ratio(99_999, 100_000).unwrap().to_string(), "99.99%");
        assert_eq!(Percent::ratio(1, 1).unwrap().to_string(), "100.00%");
        assert_eq!(Percent::from_f64(94.5).unwrap(), Percent::parse("94.50").unwrap());
        assert!(Percent::parse("100.01").is_err());
        assert!(Percent::parse("abc").is_err());
        assert!(Percent::from_f64(f64::NAN).is_err());
        assert!(Percent::ratio(1, 0).is_none());
    }
}
