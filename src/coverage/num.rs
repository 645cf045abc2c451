//! Decimal numbers parsed straight from report bytes, with messages that name the bad value.

use super::error::snippet;

/// Parses an unsigned decimal, allowing surrounding ASCII spaces; `what` names it in the message.
pub(crate) fn number(text: &[u8], what: &str) -> Result<u64, String> {
    let t = text.trim_ascii();
    if t.is_empty() {
        return Err(format!("{what} is missing"));
    }
    let mut v: u64 = 0;
    for &b in t {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return Err(if t.first() == Some(&b'-') && t.len() > 1 && t[1..].iter().all(u8::is_ascii_digit) {
                format!("{what} `{}` is negative", snippet(t))
            } else {
                format!("{what} `{}` is not a whole number", snippet(t))
            });
        }
        v = match v.checked_mul(10).and_then(|v| v.checked_add(u64::from(d))) {
            Some(v) => v,
            None => return Err(format!("{what} `{}` is too large", snippet(t))),
        };
    }
    Ok(v)
}

/// Parses a source line number: 1 up to `u32::MAX`.
pub(crate) fn line_number(text: &[u8], what: &str) -> Result<u32, String> {
    let v = number(text, what)?;
    line_from(v, what)
}

/// Checks that a number read some other way is a usable source line number.
pub(crate) fn line_from(v: u64, what: &str) -> Result<u32, String> {
    if v == 0 {
        return Err(format!("{what} is 0, but source lines start at 1"));
    }
    u32::try_from(v).map_err(|_| format!("{what} {v} is too large for a source line"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_or_say_why_not() {
        assert_eq!(number(b"42", "count"), Ok(42));
        assert_eq!(number(b" 7 ", "count"), Ok(7));
        assert_eq!(number(b"18446744073709551615", "count"), Ok(u64::MAX));
        assert_eq!(number(b"18446744073709551616", "count").unwrap_err(), "count `18446744073709551616` is too large");
        assert_eq!(number(b"-1", "count").unwrap_err(), "count `-1` is negative");
        assert_eq!(number(b"1.5", "count").unwrap_err(), "count `1.5` is not a whole number");
        assert_eq!(number(b"", "count").unwrap_err(), "count is missing");
        assert_eq!(line_number(b"0", "line").unwrap_err(), "line is 0, but source lines start at 1");
        assert!(line_number(b"4294967296", "line").is_err());
        assert_eq!(line_number(b"4294967295", "line"), Ok(u32::MAX));
    }
}
