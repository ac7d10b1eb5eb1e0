//! How far a model's own time (`deductionTime`, a cancellation's time) may be from China
//! time now, and what zone a time that is too far looks to be in.
//!
//! A time built with the host's zone instead of Asia/Shanghai (`LocalDateTime.now()` on a
//! JVM in UTC) is off by a whole number of hours; naming that zone points at the mistake.

use crate::Error;
use crate::timestamp::{CST_OFFSET_SECONDS, Timestamp};

use super::validate;

/// How far from China time now a `deductionTime` or cancellation time may be: at most
/// `ahead_seconds` later and `behind_seconds` earlier. The default is 24 hours ahead and
/// 366 days behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTimeWindow {
    /// How many seconds after now a time may be.
    pub ahead_seconds: u64,
    /// How many seconds before now a time may be.
    pub behind_seconds: u64,
}

impl EventTimeWindow {
    /// 24 hours ahead.
    pub const DEFAULT_AHEAD_SECONDS: u64 = 24 * 3600;
    /// 366 days behind.
    pub const DEFAULT_BEHIND_SECONDS: u64 = 366 * 86_400;
}

impl Default for EventTimeWindow {
    fn default() -> Self {
        EventTimeWindow {
            ahead_seconds: Self::DEFAULT_AHEAD_SECONDS,
            behind_seconds: Self::DEFAULT_BEHIND_SECONDS,
        }
    }
}

/// How close to a whole number of hours an offset must be to be read as a zone mistake:
/// the minutes between building the time and checking it.
const ZONE_TOLERANCE_SECONDS: i64 = 10 * 60;

/// The zone a time seems to be written in when it is `offset_seconds` from China time
/// (`offset` = time − now): `UTC` for −8 h, `UTC+9` for +1 h, `UTC-5` for −13 h. `None`
/// when the offset is not a whole number of hours or no zone is that far from UTC+8.
pub(crate) fn zone_it_looks_like(offset_seconds: i64) -> Option<String> {
    let hours = (offset_seconds as f64 / 3600.0).round() as i64;
    let off_the_hour = (offset_seconds - hours * 3600).abs();
    let zone_hours = hours + CST_OFFSET_SECONDS / 3600;
    // Zones run from UTC-12 to UTC+14; 0 h is China time itself.
    if hours == 0 || off_the_hour > ZONE_TOLERANCE_SECONDS || !(-12..=14).contains(&zone_hours) {
        return None;
    }
    Some(match zone_hours {
        0 => "UTC".to_owned(),
        h if h > 0 => format!("UTC+{h}"),
        h => format!("UTC{h}"),
    })
}

/// "8 hours", "1 hour", "7 h 59 min", "3 days", "90 s": a distance in words for
/// messages (the smaller units cut off).
pub(crate) fn distance(seconds: u64) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if seconds >= 2 * 86_400 {
        plural(seconds / 86_400, "day")
    } else if seconds >= 3600 && seconds.is_multiple_of(3600) {
        plural(seconds / 3600, "hour")
    } else if seconds >= 3600 {
        format!("{} h {} min", seconds / 3600, seconds % 3600 / 60)
    } else {
        format!("{seconds} s")
    }
}

/// Checks that `value` (`yyyy-MM-dd HH:mm:ss`, China time) is inside `window` around
/// `now`. Pure: the caller passes the time now. The error names `field`, says how far the
/// time is from China time now and, when that is a whole number of hours, which zone it
/// looks to be in: "2026-12-07 07:00:00 is 8 hours behind China Standard Time now
/// (2026-12-07 15:00:00): it looks like UTC; build it in Asia/Shanghai".
pub fn check_event_time(
    field: &str,
    value: &str,
    now: &Timestamp,
    window: EventTimeWindow,
) -> Result<(), Error> {
    let civil = validate::datetime(field, value)?;
    let time = civil.seconds_since_epoch() - CST_OFFSET_SECONDS;
    let offset = time - now.unix_seconds();
    let (limit, direction) = if offset >= 0 {
        (window.ahead_seconds, "ahead of")
    } else {
        (window.behind_seconds, "behind")
    };
    let off_by = offset.unsigned_abs();
    if off_by <= limit {
        return Ok(());
    }
    let now_text = now.to_datetime_string();
    let reason = match zone_it_looks_like(offset) {
        Some(zone) => format!(
            "{value} is {} {direction} China Standard Time now ({now_text}): it looks like \
             {zone}; build it in Asia/Shanghai",
            distance(off_by)
        ),
        None => format!(
            "{value} is {} {direction} China Standard Time now ({now_text}), more than the \
             {} allowed",
            distance(off_by),
            distance(limit)
        ),
    };
    Err(Error::invalid_field(field, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Now: 2026-12-07 15:00:00 China time = 07:00:00 UTC.
    fn now() -> Timestamp {
        Timestamp::parse("20261207150000").unwrap()
    }

    #[test]
    fn inside_the_default_window_passes() {
        let window = EventTimeWindow::default();
        for ok in [
            "2026-12-07 15:00:00",
            // 24 h ahead exactly, and 366 days behind exactly (2025-12-06 15:00:00:
            // 2026-12-07 minus 366 days, 2026 not a leap year → 2025-12-06).
            "2026-12-08 15:00:00",
            "2025-12-06 15:00:00",
            // UTC for China time is only 8 h behind: inside the default window.
            "2026-12-07 07:00:00",
        ] {
            assert_eq!(
                check_event_time("deductionTime", ok, &now(), window),
                Ok(()),
                "{ok}"
            );
        }
    }

    #[test]
    fn outside_the_window_is_refused_naming_the_field() {
        let window = EventTimeWindow::default();
        let ahead =
            check_event_time("deductionTime", "2026-12-08 15:00:01", &now(), window).unwrap_err();
        assert_eq!(ahead.field(), Some("deductionTime"));
        // 86,401 s: 24 hours and 1 s, the second cut off.
        assert_eq!(
            ahead.to_string(),
            "invalid field deductionTime: 2026-12-08 15:00:01 is 24 h 0 min ahead of China \
             Standard Time now (2026-12-07 15:00:00), more than the 24 hours allowed"
        );
        let epoch =
            check_event_time("cancelTime", "1970-01-01 08:00:00", &now(), window).unwrap_err();
        assert_eq!(epoch.field(), Some("cancelTime"));
        // 1970-01-01 → 2026-12-07 is 20,794 days (date -d arithmetic); 07:00 UTC apart.
        assert!(
            epoch.to_string().contains("is 20794 days behind"),
            "{epoch}"
        );
        assert!(
            epoch.to_string().contains("more than the 366 days allowed"),
            "{epoch}"
        );
        // Malformed stays a shape error.
        let bad = check_event_time("deductionTime", "2026-12-07T15:00:00", &now(), window);
        assert_eq!(bad.unwrap_err().field(), Some("deductionTime"));
    }

    #[test]
    fn a_whole_number_of_hours_names_the_zone() {
        let tight = EventTimeWindow {
            ahead_seconds: 300,
            behind_seconds: 3600,
        };
        let utc =
            check_event_time("deductionTime", "2026-12-07 07:00:00", &now(), tight).unwrap_err();
        assert_eq!(
            utc.to_string(),
            "invalid field deductionTime: 2026-12-07 07:00:00 is 8 hours behind China \
             Standard Time now (2026-12-07 15:00:00): it looks like UTC; build it in \
             Asia/Shanghai"
        );
        // Built a few minutes before the check: still UTC (7 h 57 min behind).
        let late =
            check_event_time("deductionTime", "2026-12-07 07:03:00", &now(), tight).unwrap_err();
        assert!(late.to_string().contains("it looks like UTC;"), "{late}");
        // Tokyo is one hour ahead; New York (UTC-5) 13 hours behind.
        let tokyo =
            check_event_time("deductionTime", "2026-12-07 16:00:00", &now(), tight).unwrap_err();
        assert!(
            tokyo.to_string().contains("it looks like UTC+9;"),
            "{tokyo}"
        );
        let new_york =
            check_event_time("deductionTime", "2026-12-07 02:00:00", &now(), tight).unwrap_err();
        assert!(
            new_york.to_string().contains("it looks like UTC-5;"),
            "{new_york}"
        );
        // 2 h 30 min behind: no zone named.
        let odd =
            check_event_time("deductionTime", "2026-12-07 12:30:00", &now(), tight).unwrap_err();
        assert!(!odd.to_string().contains("looks like"), "{odd}");
    }
}
