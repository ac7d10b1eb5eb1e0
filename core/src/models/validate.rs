//! Field checks for what we send. Every failure names the field; none echoes a value.

use crate::Error;
use crate::timestamp::CivilDateTime;

/// Models that can be checked before they are sent.
pub trait Validate {
    /// Checks every field; the first failure names the field.
    fn validate(&self) -> Result<(), Error>;
}

pub(crate) fn non_empty(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid_field(field, "required, must not be empty"));
    }
    Ok(())
}

/// `\d+\.\d{2}`: yuan with exactly two decimals, e.g. `10.00`.
pub(crate) fn money(field: &str, value: &str) -> Result<(), Error> {
    let valid = match value.split_once('.') {
        Some((yuan, fen)) => {
            !yuan.is_empty()
                && yuan.bytes().all(|b| b.is_ascii_digit())
                && fen.len() == 2
                && fen.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    };
    if !valid {
        return Err(Error::invalid_field(
            field,
            "must be yuan with exactly two decimals, like 10.00",
        ));
    }
    Ok(())
}

/// Compares two valid money strings without converting them to floats.
pub(crate) fn money_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let normalize = |s: &str| -> (usize, String) {
        let digits: String = s.chars().filter(|c| *c != '.').collect();
        let trimmed = digits.trim_start_matches('0').to_string();
        (trimmed.len(), trimmed)
    };
    normalize(a).cmp(&normalize(b))
}

/// `yyyy-MM-dd HH:mm:ss`, a real date and time.
pub(crate) fn datetime(field: &str, value: &str) -> Result<CivilDateTime, Error> {
    let bytes = value.as_bytes();
    let shape_ok = bytes.len() == 19
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b' '
        && bytes[13] == b':'
        && bytes[16] == b':';
    let civil = shape_ok
        .then(|| {
            CivilDateTime::from_fields(bytes, [(0, 4), (5, 2), (8, 2), (11, 2), (14, 2), (17, 2)])
        })
        .flatten()
        .ok_or_else(|| Error::invalid_field(field, "must be yyyy-MM-dd HH:mm:ss"))?;
    civil.validate().map_err(|reason| {
        Error::invalid_field(field, format!("not a real date and time: {reason}"))
    })?;
    Ok(civil)
}

/// GB 11643-1999: 17 digits and a check character (`0`-`9` or upper-case `X`).
pub(crate) fn resident_id(field: &str, value: &str) -> Result<(), Error> {
    let check = match (value.get(..17), value.as_bytes().get(17), value.len()) {
        (Some(first17), Some(&last), 18) => {
            resident_id_check_char(first17).map(|check| (check, last))
        }
        _ => None,
    };
    match check {
        None => Err(Error::invalid_field(
            field,
            "a resident ID (certType 0) is 17 digits and a check character",
        )),
        Some((check, last)) if check as u32 != u32::from(last) => Err(Error::invalid_field(
            field,
            "the GB 11643 check character does not match (X must be upper-case)",
        )),
        Some(_) => Ok(()),
    }
}

/// The GB 11643 check character for 17 digits, for building valid test identities.
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(char::from(CHECK[(sum % 11) as usize]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_shapes() {
        for ok in ["0.00", "10.00", "123456789012345678901234567890.99"] {
            assert!(money("totalFee", ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "10", "10.0", "10.000", ".50", "-1.00", "1,00", "1.0a", " 1.00", "1e2.00",
        ] {
            let err = money("totalFee", bad).unwrap_err();
            assert_eq!(err.field(), Some("totalFee"), "{bad}");
        }
        use std::cmp::Ordering::*;
        assert_eq!(money_cmp("10.00", "9.99"), Greater);
        assert_eq!(money_cmp("010.00", "10.00"), Equal);
        assert_eq!(money_cmp("0.01", "0.10"), Less);
    }

    #[test]
    fn datetimes() {
        assert!(datetime("deductionTime", "2024-02-29 23:59:59").is_ok());
        for bad in [
            "2023-02-29 10:00:00",
            "2024-01-01T10:00:00",
            "2024-1-01 10:00:00",
            "2024-01-01 24:00:00",
            "",
        ] {
            assert_eq!(
                datetime("deductionTime", bad).unwrap_err().field(),
                Some("deductionTime"),
                "{bad}"
            );
        }
    }

    // Check characters worked by hand with the GB 11643 weights:
    // 11010519491231002: sum = 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2
    //                        = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 → 'X'.
    // 44052418800101001: sum = 4·7+4·9+0+5·5+2·8+4·4+1·2+8·1+8·6+0+0+1·9+0+1·5+0+0+1·2
    //                        = 28+36+25+16+16+2+8+48+9+5+2 = 195; 195 mod 11 = 8 → '4'.
    #[test]
    fn resident_ids() {
        assert!(resident_id("certNo", "11010519491231002X").is_ok());
        assert!(resident_id("certNo", "440524188001010014").is_ok());
        assert_eq!(resident_id_check_char("11010519491231002"), Some('X'));
        assert_eq!(resident_id_check_char("44052418800101001"), Some('4'));
        for bad in [
            "11010519491231002x",
            "110105194912310021",
            "331166*****777X",
            "1101051949123100",
            "",
        ] {
            let err = resident_id("certNo", bad).unwrap_err();
            assert_eq!(err.field(), Some("certNo"));
            assert!(
                !err.to_string().contains(bad) || bad.is_empty(),
                "value echoed: {err}"
            );
        }
    }
}
