//! Canonical decimal of a JSON number (spec/canonical-form.md section 3), from its text.

use super::Reason;

/// The longest canonical decimal accepted, in characters (sign included).
pub const MAX_NUMBER_LEN: usize = 512;

/// Why a number could not be canonicalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberError {
    /// The text is not a JSON number; the offset is relative to the number's start.
    Syntax(usize, Reason),
    /// The canonical decimal would exceed [`MAX_NUMBER_LEN`].
    TooLong,
}

/// The parts of a syntactically valid JSON number.
struct Parts<'a> {
    negative: bool,
    integer: &'a [u8],
    fraction: &'a [u8],
    /// The exponent, saturated to ±2^62 (anything that large is out of range anyway).
    exponent: i64,
    /// True when the text is already canonical: an integer with no fraction or exponent,
    /// not negative zero (leading zeros are impossible in valid JSON).
    already_canonical: bool,
}

/// Scans the longest JSON number at the start of `bytes`; returns its length and parts.
fn scan(bytes: &[u8]) -> Result<(usize, Parts<'_>), NumberError> {
    let mut i = 0;
    let negative = bytes.first() == Some(&b'-');
    if negative {
        i += 1;
    }
    let int_start = i;
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while matches!(bytes.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        _ => return Err(NumberError::Syntax(i, Reason::ExpectedDigit)),
    }
    let integer = &bytes[int_start..i];
    let mut fraction: &[u8] = &[];
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while matches!(bytes.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == frac_start {
            return Err(NumberError::Syntax(i, Reason::ExpectedFractionDigit));
        }
        fraction = &bytes[frac_start..i];
    }
    let mut exponent: i64 = 0;
    let mut has_exponent = false;
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        has_exponent = true;
        i += 1;
        let exp_negative = match bytes.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let exp_start = i;
        const SATURATE: i64 = 1 << 62;
        while let Some(&digit @ b'0'..=b'9') = bytes.get(i) {
            exponent = exponent
                .saturating_mul(10)
                .saturating_add(i64::from(digit - b'0'))
                .min(SATURATE);
            i += 1;
        }
        if i == exp_start {
            return Err(NumberError::Syntax(i, Reason::ExpectedExponentDigit));
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    let already_canonical = fraction.is_empty() && !has_exponent && !(negative && integer == b"0");
    Ok((
        i,
        Parts {
            negative,
            integer,
            fraction,
            exponent,
            already_canonical,
        },
    ))
}

/// True when all of `text` is one JSON number (RFC 8259 grammar).
pub(crate) fn is_json_number(text: &str) -> bool {
    matches!(scan(text.as_bytes()), Ok((len, _)) if len == text.len())
}

/// Where the canonical decimal of a number comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Canonical {
    /// The number's own text (`len` bytes from its start) is already canonical.
    Verbatim { len: usize },
    /// The canonical decimal was appended to the output buffer; `len` is the text consumed.
    Written { len: usize },
}

/// Scans a JSON number at the start of `bytes`. When its text is not already canonical,
/// appends the canonical decimal to `out`.
pub(crate) fn canonicalize_number(
    bytes: &[u8],
    out: &mut Vec<u8>,
) -> Result<Canonical, NumberError> {
    let (len, parts) = scan(bytes)?;
    if parts.already_canonical {
        if len > MAX_NUMBER_LEN {
            return Err(NumberError::TooLong);
        }
        return Ok(Canonical::Verbatim { len });
    }
    write_plain(&parts, out)?;
    Ok(Canonical::Written { len })
}

/// Writes the plain-notation canonical decimal of `parts` to `out`.
fn write_plain(parts: &Parts<'_>, out: &mut Vec<u8>) -> Result<(), NumberError> {
    // All significant digits, integer then fraction, without leading or trailing zeros.
    let digits_iter = parts.integer.iter().chain(parts.fraction.iter());
    let total = parts.integer.len() + parts.fraction.len();
    let leading = digits_iter.clone().take_while(|&&d| d == b'0').count();
    if leading == total {
        out.push(b'0');
        return Ok(());
    }
    let trailing = digits_iter
        .clone()
        .rev()
        .take_while(|&&d| d == b'0')
        .count();
    let significant = total - leading - trailing;
    // value = SIGNIFICANT × 10^scale
    let scale: i64 = parts.exponent - parts.fraction.len() as i64 + trailing as i64;
    // Number of digits before the decimal point in plain notation.
    let point: i64 = significant as i64 + scale;
    let body_len: i64 = if scale >= 0 {
        point
    } else if point > 0 {
        significant as i64 + 1
    } else {
        2 + (-point) + significant as i64
    };
    let sign_len = i64::from(parts.negative);
    if body_len.saturating_add(sign_len) > MAX_NUMBER_LEN as i64 {
        return Err(NumberError::TooLong);
    }
    if parts.negative {
        out.push(b'-');
    }
    let significant_digits = digits_iter.skip(leading).take(significant);
    if scale >= 0 {
        out.extend(significant_digits);
        out.resize(out.len() + scale as usize, b'0');
    } else if point > 0 {
        for (i, &d) in significant_digits.enumerate() {
            if i as i64 == point {
                out.push(b'.');
            }
            out.push(d);
        }
    } else {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + (-point) as usize, b'0');
        out.extend(significant_digits);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> Result<String, NumberError> {
        let mut out = Vec::new();
        match canonicalize_number(text.as_bytes(), &mut out)? {
            Canonical::Verbatim { len } => {
                assert_eq!(len, text.len());
                Ok(text.to_string())
            }
            Canonical::Written { len } => {
                assert_eq!(len, text.len());
                Ok(String::from_utf8(out).unwrap())
            }
        }
    }

    // Expected values are the examples written in spec/canonical-form.md section 3, and
    // Java's BigDecimal(text).stripTrailingZeros().toPlainString() worked by hand.
    #[test]
    fn spec_examples() {
        for (input, expected) in [
            ("1e2", "100"),
            ("1.5e-3", "0.0015"),
            ("10.00", "10"),
            ("-12.30", "-12.3"),
            ("0.000100", "0.0001"),
            ("0", "0"),
            ("-0", "0"),
            ("0.00", "0"),
            ("-0.0e5", "0"),
            ("1000000000000000000000001", "1000000000000000000000001"),
            ("163.28", "163.28"),
            ("1E+2", "100"),
            ("12.5E1", "125"),
            ("12.5e-1", "1.25"),
            ("100e-2", "1"),
            ("0.1", "0.1"),
            ("-5", "-5"),
            ("120", "120"),
            ("1.20e1", "12"),
            ("123e-5", "0.00123"),
        ] {
            assert_eq!(canon(input).as_deref(), Ok(expected), "input {input}");
        }
    }

    #[test]
    fn length_limit_counts_sign_and_point() {
        let ok = format!("1e{}", MAX_NUMBER_LEN - 1);
        assert_eq!(canon(&ok).map(|s| s.len()), Ok(MAX_NUMBER_LEN));
        let too_long = format!("1e{}", MAX_NUMBER_LEN);
        assert_eq!(canon(&too_long), Err(NumberError::TooLong));
        let negative_too_long = format!("-1e{}", MAX_NUMBER_LEN - 1);
        assert_eq!(canon(&negative_too_long), Err(NumberError::TooLong));
        // "0." + 509 zeros + "1" = 512 characters
        assert_eq!(canon("1e-510").map(|s| s.len()), Ok(512));
        assert_eq!(canon("1e-511"), Err(NumberError::TooLong));
        assert_eq!(
            canon("1e99999999999999999999999"),
            Err(NumberError::TooLong)
        );
        assert_eq!(
            canon("1e-99999999999999999999999"),
            Err(NumberError::TooLong)
        );
        assert_eq!(canon("0e99999999999999999999999").as_deref(), Ok("0"));
        let digits = "7".repeat(MAX_NUMBER_LEN + 1);
        assert_eq!(canon(&digits), Err(NumberError::TooLong));
    }

    #[test]
    fn syntax_errors() {
        for bad in ["-", "1.", ".5", "1e", "1e+", "-a", "+1"] {
            assert!(matches!(canon(bad), Err(NumberError::Syntax(..))), "{bad}");
        }
        // The scanner stops at the end of the number; the caller rejects what follows.
        let mut out = Vec::new();
        assert_eq!(
            canonicalize_number(b"01", &mut out),
            Ok(Canonical::Verbatim { len: 1 })
        );
    }
}
