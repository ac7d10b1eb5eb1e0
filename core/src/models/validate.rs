//! Field checks for what we send. Every failure names the field; none echoes a value.

use super::personal::{cert_no_narrow, cert_no_shows, mask_cert_no};
use crate::Error;
use crate::lang::Bilingual;
use crate::timestamp::CivilDateTime;

/// The reasons of these errors, in English and Chinese (see `Error::message`).
pub(crate) const REASONS: &[Bilingual] = &[
    REQUIRED,
    MONEY,
    DATETIME_SHAPE,
    NOT_REAL_DATETIME,
    CHECK_X_UPPER,
    CHECK_DIGIT_OR_X,
    CHECK_MISMATCH,
    RESIDENT_ID_SHAPE,
    NEGATIVE,
    NOT_IN_DICTIONARY,
    EXCEEDS_TOTAL,
    BEFORE_START,
    CANCEL_TIME_REQUIRED,
    HALF_WIDTH,
    AS_MASKED,
    ZONELESS_TIME,
    OUTSIDE_MODEL_YEARS,
    ZONE_GIVEN_TWICE,
    UNKNOWN_ZONE,
];
// A time without a zone where a model time is expected (a naive Python datetime, a Java
// LocalDateTime): the binding adds its own helpers' names after ": ", code said as it is.
pub(crate) const ZONELESS_TIME: Bilingual = (
    "a time without a zone is refused, since on a host in UTC the local clock is 8 hours \
     behind China time; say its zone, or use",
    "不接受没有时区的时间，因为在 UTC 时区的主机上本地时钟比北京时间慢 8 小时；请指明它的时区，或使用",
);
pub(crate) const OUTSIDE_MODEL_YEARS: Bilingual = (
    "its time in China falls outside years 0001-9999",
    "换算为北京时间后超出 0001–9999 年",
);
pub(crate) const ZONE_GIVEN_TWICE: Bilingual = (
    "a zone was given for a time that has one already",
    "这个时间本身已带时区，不能再指定时区",
);
pub(crate) const UNKNOWN_ZONE: Bilingual = (
    "no time zone has this name (China's is Asia/Shanghai)",
    "没有这个名称的时区（中国的时区是 Asia/Shanghai）",
);
pub(crate) const REQUIRED: Bilingual = ("required, must not be empty", "必填，不能为空");
pub(crate) const MONEY: Bilingual = (
    "must be yuan with exactly two decimals, like 10.00",
    "必须是以元为单位、恰好两位小数的金额，如 10.00",
);
pub(crate) const DATETIME_SHAPE: Bilingual = (
    "must be yyyy-MM-dd HH:mm:ss",
    "格式必须是 yyyy-MM-dd HH:mm:ss",
);
pub(crate) const NOT_REAL_DATETIME: Bilingual =
    ("not a real date and time", "不是真实存在的日期时间");
pub(crate) const CHECK_X_UPPER: Bilingual = (
    "the check character X must be upper-case",
    "校验码 X 必须大写",
);
pub(crate) const CHECK_DIGIT_OR_X: Bilingual =
    ("the check character is a digit or X", "校验码是数字或 X");
pub(crate) const CHECK_MISMATCH: Bilingual = (
    "the GB 11643 check character does not match",
    "GB 11643 校验码不符",
);
pub(crate) const RESIDENT_ID_SHAPE: Bilingual = (
    "a resident ID (certType 0) is 17 digits and a check character",
    "居民身份证号（certType 0）由 17 位数字和 1 位校验码组成",
);
pub(crate) const NEGATIVE: Bilingual = ("must not be negative", "不能为负数");
pub(crate) const NOT_IN_DICTIONARY: Bilingual =
    ("not a code of the data dictionary", "不是数据字典中的代码");
pub(crate) const EXCEEDS_TOTAL: Bilingual = ("must not exceed totalFee", "不能超过 totalFee");
pub(crate) const BEFORE_START: Bilingual = (
    "must not be before deductTimeStart",
    "不能早于 deductTimeStart",
);
pub(crate) const CANCEL_TIME_REQUIRED: Bilingual =
    ("required when status is 0", "status 为 0 时必填");
pub(crate) const AS_MASKED: Bilingual = ("the number as masked", "掩码后的号码");
pub(crate) const HALF_WIDTH: Bilingual = ("type it in half-width mode", "请在半角模式下输入");

/// Models that can be checked before they are sent.
pub trait Validate {
    /// Checks every field; the first failure names the field.
    fn validate(&self) -> Result<(), Error>;
}

pub(crate) fn non_empty(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid_field(field, REQUIRED.0));
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
        return Err(Error::invalid_field(field, MONEY.0));
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
        .ok_or_else(|| Error::invalid_field(field, DATETIME_SHAPE.0))?;
    civil.validate().map_err(|reason| {
        Error::invalid_field(field, format!("{}: {reason}", NOT_REAL_DATETIME.0))
    })?;
    Ok(civil)
}

/// Where a character of a `certNo` is, and what it is, as the mask would show it: the
/// character itself only where [`mask_cert_no`](super::mask_cert_no) shows it (the first
/// two and last two), its kind elsewhere.
fn cert_no_char(c: char, position: usize, len: usize, kind: &str) -> String {
    let shown = if cert_no_shows(position, len) {
        format!(" '{c}'")
    } else {
        String::new()
    };
    format!("character {} of {len} is {kind}{shown}", position + 1)
}

/// Refuses full-width digits, `Ｘ`/`ｘ`, the ideographic space and any other full-width
/// form (U+FF01–U+FF5E) in an identity document number, naming the first one and its
/// position (the character itself only where the mask shows it): typed in a Chinese
/// input method's full-width mode, they look right on screen but are not the number the
/// platform holds.
pub fn refuse_full_width(field: &str, value: &str) -> Result<(), Error> {
    let len = value.chars().count();
    let found = value
        .chars()
        .enumerate()
        .find(|(_, c)| *c == '\u{3000}' || ('\u{FF01}'..='\u{FF5E}').contains(c));
    let Some((position, c)) = found else {
        return Ok(());
    };
    let kind = match cert_no_narrow(c) {
        Some(' ') => "a full-width space",
        Some('X' | 'x') => "a full-width letter X",
        Some(_) => "a full-width digit",
        None => "a full-width character",
    };
    Err(Error::invalid_field(
        field,
        format!(
            "{}, where an ASCII character belongs: type it in half-width mode (the number \
             as masked: {})",
            cert_no_char(c, position, len, kind),
            mask_cert_no(value)
        ),
    ))
}

/// GB 11643-1999: 17 digits and a check character (`0`-`9` or upper-case `X`). A wrong
/// character is named by its position (and shown where the mask shows it).
pub(crate) fn resident_id(field: &str, value: &str) -> Result<(), Error> {
    const SHAPE: &str = RESIDENT_ID_SHAPE.0;
    let chars: Vec<char> = value.chars().collect();
    let len = chars.len();
    if len != 18 {
        return Err(Error::invalid_field(
            field,
            format!("{SHAPE}: this one has {len} characters"),
        ));
    }
    if let Some(position) = chars[..17].iter().position(|c| !c.is_ascii_digit()) {
        return Err(Error::invalid_field(
            field,
            format!(
                "{}: {SHAPE}",
                cert_no_char(chars[position], position, len, "not a digit")
            ),
        ));
    }
    let last = chars[17];
    let first17: String = chars[..17].iter().collect();
    let check = resident_id_check_char(&first17);
    match last {
        'x' => Err(Error::invalid_field(
            field,
            format!(
                "{}: {}",
                cert_no_char(last, 17, len, "a lower-case x"),
                CHECK_X_UPPER.0
            ),
        )),
        c if !c.is_ascii_digit() && c != 'X' => Err(Error::invalid_field(
            field,
            format!(
                "{}: {}",
                cert_no_char(c, 17, len, "not a digit or X"),
                CHECK_DIGIT_OR_X.0
            ),
        )),
        c if Some(c) != check => Err(Error::invalid_field(field, CHECK_MISMATCH.0)),
        _ => Ok(()),
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

    #[test]
    fn full_width_characters_are_named_by_position_and_masked() {
        // '３' at index 4 (character 5 of 18), inside the masked part: its kind, not it.
        let err = refuse_full_width("certNo", "1101０5194912310０2X").unwrap_err();
        assert_eq!(err.field(), Some("certNo"));
        assert_eq!(
            err.to_string(),
            "invalid field certNo: character 5 of 18 is a full-width digit, where an ASCII \
             character belongs: type it in half-width mode (the number as masked: \
             11**************2X)"
        );
        // 'Ｘ' as the check character is where the mask shows it: shown.
        let err = refuse_full_width("certNo", "11010519491231002Ｘ").unwrap_err();
        assert!(
            err.to_string()
                .contains("character 18 of 18 is a full-width letter X 'Ｘ'"),
            "{err}"
        );
        let err = refuse_full_width("certNo", "110105194912\u{3000}31002X").unwrap_err();
        assert!(
            err.to_string()
                .contains("character 13 of 19 is a full-width space,"),
            "{err}"
        );
        assert_eq!(refuse_full_width("certNo", "11010519491231002X"), Ok(()));
        assert_eq!(refuse_full_width("certNo", "E12345678"), Ok(()));
    }

    #[test]
    fn resident_id_names_the_wrong_character() {
        let err = resident_id("certNo", "11010519491231002x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid field certNo: character 18 of 18 is a lower-case x 'x': the check \
             character X must be upper-case"
        );
        // A letter at index 6 is masked: named by position only.
        let err = resident_id("certNo", "110105A9491231002X").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid field certNo: character 7 of 18 is not a digit: a resident ID \
             (certType 0) is 17 digits and a check character"
        );
        let err = resident_id("certNo", "1101051949123100").unwrap_err();
        assert!(
            err.to_string().ends_with("this one has 16 characters"),
            "{err}"
        );
    }
}

/// Refusals of a time given where a model time (`deductionTime`, `cancelTime`,
/// `deductionTimeEnd`) is expected, for the bindings that take their language's time
/// types: each is `invalid_field` naming `field`, in English and in Chinese.
pub mod model_time {
    use super::{OUTSIDE_MODEL_YEARS, UNKNOWN_ZONE, ZONE_GIVEN_TWICE, ZONELESS_TIME};
    use crate::Error;

    /// A time without a zone (a naive Python `datetime`, a Java `LocalDateTime`): its
    /// wall clock could be any zone's. `helpers` names the caller's language's ways to
    /// give a China time (code, written as it is in every language), e.g.
    /// `Glorycard.chinaTimeNow(), Glorycard.chinaTime(LocalDateTime, ZoneId)`.
    pub fn zoneless(field: &str, helpers: &str) -> Error {
        Error::invalid_field(field, format!("{}: {helpers}", ZONELESS_TIME.0))
    }

    /// A time whose China time falls outside years 0001 to 9999.
    pub fn outside_years(field: &str) -> Error {
        Error::invalid_field(field, OUTSIDE_MODEL_YEARS.0)
    }

    /// A zone given for a time that has one already.
    pub fn zone_given_twice(field: &str) -> Error {
        Error::invalid_field(field, ZONE_GIVEN_TWICE.0)
    }

    /// A zone name, `name`, that names no zone.
    pub fn unknown_zone(field: &str, name: &str) -> Error {
        Error::invalid_field(field, format!("{}: {name:?}", UNKNOWN_ZONE.0))
    }
}

#[cfg(test)]
mod model_time_tests {
    use super::model_time;

    #[test]
    fn refusals_name_the_field_and_say_it_in_both_languages() {
        let helpers = "Glorycard.chinaTimeNow(), Glorycard.chinaTime(LocalDateTime, ZoneId)";
        let error = model_time::zoneless("deductionTime", helpers);
        assert_eq!(error.code(), "invalid_field");
        assert_eq!(error.field(), Some("deductionTime"));
        assert_eq!(
            error.to_string(),
            format!(
                "invalid field deductionTime: a time without a zone is refused, since on a \
                 host in UTC the local clock is 8 hours behind China time; say its zone, or \
                 use: {helpers}"
            )
        );
        // Chinese but for the helpers, which are code and said as they are.
        assert_eq!(
            error.message_zh(),
            format!(
                "字段 deductionTime 无效：不接受没有时区的时间，因为在 UTC 时区的主机上本地时钟\
                 比北京时间慢 8 小时；请指明它的时区，或使用：{helpers}"
            )
        );
        for (error, chinese) in [
            (
                model_time::outside_years("dt"),
                "字段 dt 无效：换算为北京时间后超出 0001–9999 年",
            ),
            (
                model_time::zone_given_twice("zone"),
                "字段 zone 无效：这个时间本身已带时区，不能再指定时区",
            ),
            (
                model_time::unknown_zone("zone", "Asia/Beijing"),
                "字段 zone 无效：没有这个名称的时区（中国的时区是 Asia/Shanghai）：\"Asia/Beijing\"",
            ),
        ] {
            assert_eq!(error.code(), "invalid_field");
            assert_eq!(error.message_zh(), chinese);
        }
    }
}
