//! The time ticket deadlines are measured with: the system clock, optionally shifted by a fixed
//! offset (`--clock-offset`, for rehearsals and tests of time-limited tickets without waiting).

use std::time::{SystemTime, UNIX_EPOCH};

/// A clock: the system time plus `offset_secs`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clock {
    offset_secs: i64,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// The system clock shifted by `offset_secs` (positive: later).
    pub fn shifted(offset_secs: i64) -> Clock {
        Clock { offset_secs }
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or_default();
        system.saturating_add(self.offset_secs)
    }
}

/// Unix seconds as `2026-12-07 07:40 UTC`.
pub fn format_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3_600,
        rem % 3_600 / 60
    )
}

/// A length of time in words, rounded down to its largest unit: `2 days`, `5 hours`, `1 minute`.
pub fn duration_words(secs: i64) -> String {
    let secs = secs.max(0);
    let (n, unit) = if secs >= 86_400 {
        (secs / 86_400, "day")
    } else if secs >= 3_600 {
        (secs / 3_600, "hour")
    } else {
        ((secs / 60).max(1), "minute")
    };
    let plural = if n == 1 { "" } else { "s" };
    format!("{n} {unit}{plural}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_and_durations() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_796_543_940), "2026-12-06 07:59 UTC");
        assert_eq!(format_utc(951_825_600), "2000-02-29 12:00 UTC");
        assert_eq!(duration_words(2 * 86_400 + 5), "2 days");
        assert_eq!(duration_words(3_600), "1 hour");
        assert_eq!(duration_words(30), "1 minute");
        let c = Clock::shifted(86_400);
        assert!(c.now() - Clock::system().now() >= 86_399);
    }
}
