//! The 14-digit `yyyyMMddHHmmss` timestamp, always China Standard Time (UTC+8).

use std::fmt;
use std::str::FromStr;

use crate::Error;
use crate::lang::Bilingual;

/// China Standard Time's offset from UTC, in seconds (no daylight saving).
pub const CST_OFFSET_SECONDS: i64 = 8 * 3600;

/// The reasons of timestamp errors, in English and Chinese.
pub(crate) const REASONS: &[Bilingual] = &[
    YEAR_RANGE,
    MONTH_RANGE,
    NO_SUCH_DAY,
    HOUR_RANGE,
    MINUTE_RANGE,
    SECOND_RANGE,
    NOT_14_DIGITS,
    EXPECTED_14_DIGITS,
    INSTANT_OUT_OF_RANGE,
    INSTANT_OUTSIDE_YEARS,
];
const YEAR_RANGE: Bilingual = ("year must be 0001-9999", "年份必须在 0001-9999 之间");
const MONTH_RANGE: Bilingual = ("month must be 01-12", "月份必须在 01-12 之间");
const NO_SUCH_DAY: Bilingual = ("no such day in that month", "该月没有这一天");
const HOUR_RANGE: Bilingual = ("hour must be 00-23", "小时必须在 00-23 之间");
const MINUTE_RANGE: Bilingual = ("minute must be 00-59", "分钟必须在 00-59 之间");
const SECOND_RANGE: Bilingual = ("second must be 00-59", "秒必须在 00-59 之间");
const NOT_14_DIGITS: Bilingual = ("not 14 digits", "不是 14 位数字");
const EXPECTED_14_DIGITS: Bilingual = (
    "expected 14 digits yyyyMMddHHmmss, UTC+8",
    "应为 14 位数字 yyyyMMddHHmmss，UTC+8",
);
const INSTANT_OUT_OF_RANGE: Bilingual = ("instant out of range", "时刻超出范围");
const INSTANT_OUTSIDE_YEARS: Bilingual = (
    "instant outside years 0001-9999",
    "时刻不在 0001-9999 年之间",
);

/// A signing timestamp: a real calendar date and time in China Standard Time, shown as
/// exactly 14 digits `yyyyMMddHHmmss`. Years 0001–9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since the Unix epoch (UTC) of this wall-clock time in UTC+8.
    unix_seconds: i64,
    digits: [u8; 14],
}

/// A civil date and time (no zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CivilDateTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl CivilDateTime {
    /// Checks ranges: year 1–9999, a real month and day (leap years), 00–23:00–59:00–59.
    pub fn validate(&self) -> Result<(), &'static str> {
        if !(1..=9999).contains(&self.year) {
            return Err(YEAR_RANGE.0);
        }
        if !(1..=12).contains(&self.month) {
            return Err(MONTH_RANGE.0);
        }
        if self.day < 1 || self.day > days_in_month(self.year, self.month) {
            return Err(NO_SUCH_DAY.0);
        }
        if self.hour > 23 {
            return Err(HOUR_RANGE.0);
        }
        if self.minute > 59 {
            return Err(MINUTE_RANGE.0);
        }
        if self.second > 59 {
            return Err(SECOND_RANGE.0);
        }
        Ok(())
    }

    /// Seconds since 1970-01-01T00:00:00 of this date and time read as UTC.
    pub fn seconds_since_epoch(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// The civil date and time `seconds` after 1970-01-01T00:00:00.
    pub fn from_seconds_since_epoch(seconds: i64) -> Self {
        let days = seconds.div_euclid(86_400);
        let of_day = seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        CivilDateTime {
            year,
            month,
            day,
            hour: (of_day / 3600) as u32,
            minute: (of_day % 3600 / 60) as u32,
            second: (of_day % 60) as u32,
        }
    }

    /// Parses fixed-width digit fields; `layout` gives each field's (start, len) in order
    /// year, month, day, hour, minute, second. Separators are checked by the caller.
    pub fn from_fields(text: &[u8], layout: [(usize, usize); 6]) -> Option<Self> {
        let field = |(start, len): (usize, usize)| -> Option<i64> {
            let digits = text.get(start..start + len)?;
            digits.iter().try_fold(0i64, |acc, &d| {
                d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
            })
        };
        Some(CivilDateTime {
            year: field(layout[0])?,
            month: field(layout[1])? as u32,
            day: field(layout[2])? as u32,
            hour: field(layout[3])? as u32,
            minute: field(layout[4])? as u32,
            second: field(layout[5])? as u32,
        })
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl Timestamp {
    /// Parses exactly 14 ASCII digits `yyyyMMddHHmmss` forming a real date and time.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::InvalidTimestamp {
            reason: format!("{reason} ({})", EXPECTED_14_DIGITS.0),
        };
        let bytes = text.as_bytes();
        if bytes.len() != 14 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(invalid(NOT_14_DIGITS.0));
        }
        let civil =
            CivilDateTime::from_fields(bytes, [(0, 4), (4, 2), (6, 2), (8, 2), (10, 2), (12, 2)])
                .ok_or_else(|| invalid(NOT_14_DIGITS.0))?;
        civil.validate().map_err(invalid)?;
        let mut digits = [0u8; 14];
        digits.copy_from_slice(bytes);
        Ok(Timestamp {
            unix_seconds: civil.seconds_since_epoch() - CST_OFFSET_SECONDS,
            digits,
        })
    }

    /// The timestamp of an instant given as seconds since the Unix epoch, in UTC+8.
    pub fn from_unix_seconds(unix_seconds: i64) -> Result<Self, Error> {
        let local = unix_seconds
            .checked_add(CST_OFFSET_SECONDS)
            .ok_or_else(|| Error::InvalidTimestamp {
                reason: INSTANT_OUT_OF_RANGE.0.to_string(),
            })?;
        // Clamp before converting so absurd inputs cannot overflow the day arithmetic.
        const LIMIT: i64 = 400_000 * 366 * 86_400;
        let civil = CivilDateTime::from_seconds_since_epoch(local.clamp(-LIMIT, LIMIT));
        civil.validate().map_err(|_| Error::InvalidTimestamp {
            reason: INSTANT_OUTSIDE_YEARS.0.to_string(),
        })?;
        let text = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second
        );
        let mut digits = [0u8; 14];
        digits.copy_from_slice(text.as_bytes());
        Ok(Timestamp {
            unix_seconds,
            digits,
        })
    }

    /// Now, from the system clock, in China Standard Time whatever the host's zone.
    ///
    /// Absent on `wasm32-unknown-unknown`, which has no clock: callers pass a timestamp
    /// (the WebAssembly binding reads JavaScript's clock).
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub fn now() -> Self {
        let unix_seconds = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)
        {
            Ok(elapsed) => elapsed.as_secs() as i64,
            Err(before) => -(before.duration().as_secs() as i64),
        };
        // Any clock between years 0001 and 9999 converts; a clock outside that is broken
        // beyond repair, and the epoch is the least surprising answer.
        Timestamp::from_unix_seconds(unix_seconds).unwrap_or(Timestamp::EPOCH)
    }

    /// 1970-01-01T08:00:00 UTC+8, the Unix epoch.
    pub const EPOCH: Timestamp = Timestamp {
        unix_seconds: 0,
        digits: *b"19700101080000",
    };

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.unix_seconds
    }

    /// The 14 digits, as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.digits).unwrap_or("00000000000000")
    }

    /// The same instant as `yyyy-MM-dd HH:mm:ss` (UTC+8), the form of the API's time fields.
    pub fn to_datetime_string(&self) -> String {
        // Fixed places rather than `format!` with six slices: the WebAssembly module links
        // this (chinaTimeNow), and every byte there counts against its budget.
        let d = self.digits;
        let text = [
            d[0], d[1], d[2], d[3], b'-', d[4], d[5], b'-', d[6], d[7], b' ', d[8], d[9], b':',
            d[10], d[11], b':', d[12], d[13],
        ];
        // Only ASCII digits are ever stored.
        String::from_utf8(text.to_vec()).unwrap_or_default()
    }
}

/// A model time (`deductionTime`, `cancelTime`, `deductionTimeEnd`): the instant
/// `unix_seconds` after the Unix epoch as `yyyy-MM-dd HH:mm:ss` in China Standard Time
/// (UTC+8). The one place the bindings turn an instant into a model time, so the zone
/// arithmetic exists once; a caller with fractions of a second floors them first.
/// An instant whose China date falls outside years 0001–9999 is `invalid_timestamp`.
pub fn china_time_from_unix_seconds(unix_seconds: i64) -> Result<String, Error> {
    Timestamp::from_unix_seconds(unix_seconds).map(|time| time.to_datetime_string())
}

/// Now, from the system clock, as a model time `yyyy-MM-dd HH:mm:ss` in China Standard
/// Time (UTC+8), whatever the host's zone (`TZ` is never read): the value for
/// `deductionTime` or a cancellation's time on a server set to UTC.
///
/// Absent on `wasm32-unknown-unknown`, which has no clock (the WebAssembly binding reads
/// JavaScript's clock and calls [`china_time_from_unix_seconds`]).
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub fn china_time_now() -> String {
    Timestamp::now().to_datetime_string()
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Timestamp {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        Timestamp::parse(text)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_timestamp_is_its_utc_instant() {
        // 2021-04-07 15:52:06 UTC+8 = 2021-04-07 07:52:06 UTC = 1617781926 (date -u -d).
        let ts = Timestamp::parse("20210407155206").unwrap();
        assert_eq!(ts.unix_seconds(), 1_617_781_926);
        assert_eq!(Timestamp::from_unix_seconds(1_617_781_926).unwrap(), ts);
        assert_eq!(ts.to_string(), "20210407155206");
        assert_eq!(ts.to_datetime_string(), "2021-04-07 15:52:06");
    }

    #[test]
    fn epoch_is_eight_in_the_morning() {
        assert_eq!(Timestamp::from_unix_seconds(0).unwrap(), Timestamp::EPOCH);
        assert_eq!(
            Timestamp::parse("19700101080000").unwrap().unix_seconds(),
            0
        );
    }

    #[test]
    fn rejects_malformed_and_unreal() {
        for bad in [
            "",
            "2021040715520",
            "202104071552060",
            "2021-04-07 15:",
            "2021040715520a",
            "20210230120000",
            "20210229120000",
            "20211301000000",
            "20210400000000",
            "20210407240000",
            "20210407236000",
            "20210407235960",
            "00000101000000",
            "２０２１０４０７１５５２０６",
        ] {
            let err = Timestamp::parse(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_timestamp", "{bad:?}");
        }
        assert!(Timestamp::parse("20240229235959").is_ok());
        assert!(Timestamp::parse("20000229000000").is_ok());
        assert!(Timestamp::parse("19000229000000").is_err());
    }

    #[test]
    fn round_trips_across_the_range() {
        for seconds in [
            -62_135_596_800 - 8 * 3600,
            -1,
            0,
            951_782_400,
            4_102_444_800,
            253_402_271_999,
        ] {
            let ts = Timestamp::from_unix_seconds(seconds).unwrap();
            assert_eq!(
                Timestamp::parse(ts.as_str()).unwrap().unix_seconds(),
                seconds
            );
        }
        assert!(Timestamp::from_unix_seconds(253_402_272_000).is_err());
        assert!(Timestamp::from_unix_seconds(i64::MAX).is_err());
        assert!(Timestamp::from_unix_seconds(i64::MIN).is_err());
    }

    #[test]
    fn china_time_of_fixed_instants() {
        // Each expected text was derived by hand and checked with Python:
        // datetime.fromtimestamp(n, timezone(timedelta(hours=8))).strftime("%Y-%m-%d %H:%M:%S")
        for (unix_seconds, expected) in [
            // The epoch, 00:00 UTC, is eight in the morning in China.
            (0, "1970-01-01 08:00:00"),
            // The spec example's time: 2021-04-07 07:52:06 UTC.
            (1_617_781_926, "2021-04-07 15:52:06"),
            // 16:00 UTC is midnight of the next China day; 15:59:59 UTC is still today.
            (1_617_811_200, "2021-04-08 00:00:00"),
            (1_617_811_199, "2021-04-07 23:59:59"),
            // Before the epoch: 1969-12-31 23:59:59 UTC.
            (-1, "1970-01-01 07:59:59"),
            // A leap day: 2024-02-29 00:00:00 UTC.
            (1_709_164_800, "2024-02-29 08:00:00"),
            // The last second of year 9999 in China.
            (253_402_271_999, "9999-12-31 23:59:59"),
        ] {
            assert_eq!(
                china_time_from_unix_seconds(unix_seconds).unwrap(),
                expected,
                "{unix_seconds}"
            );
        }
        for outside in [
            253_402_272_000,
            i64::MAX,
            i64::MIN,
            -62_135_596_800 - 8 * 3600 - 1,
        ] {
            assert_eq!(
                china_time_from_unix_seconds(outside).unwrap_err().code(),
                "invalid_timestamp",
                "{outside}"
            );
        }
    }

    #[test]
    #[cfg(unix)]
    fn china_time_now_is_the_utc_clock_plus_eight_hours() {
        // Independent of the core's arithmetic: GNU date formats the Unix seconds plus 8 h
        // as UTC (whatever TZ says).
        fn expected(unix_seconds: u64) -> String {
            let output = std::process::Command::new("date")
                .args(["-u", "-d", &format!("@{}", unix_seconds + 8 * 3600)])
                .arg("+%Y-%m-%d %H:%M:%S")
                .output()
                .unwrap();
            assert!(output.status.success(), "{output:?}");
            String::from_utf8(output.stdout)
                .unwrap()
                .trim_end()
                .to_owned()
        }
        let unix_now = || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
        };
        // The clock read twice may tick over: equal to one of the two readings.
        let before = unix_now();
        let now = china_time_now();
        let after = unix_now();
        let (at_before, at_after) = (expected(before), expected(after));
        assert!(
            now == at_before || now == at_after,
            "{now} vs {at_before} / {at_after}"
        );
        assert_eq!(validate_shape(&now), Some(()), "{now}");
        // date agrees with the hand-checked instant above.
        assert_eq!(expected(1_617_781_926), "2021-04-07 15:52:06");
    }

    /// `yyyy-MM-dd HH:mm:ss`, digits and separators in place.
    fn validate_shape(text: &str) -> Option<()> {
        let bytes = text.as_bytes();
        (bytes.len() == 19
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                10 => *b == b' ',
                13 | 16 => *b == b':',
                _ => b.is_ascii_digit(),
            }))
        .then_some(())
    }
}
