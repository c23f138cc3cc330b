//! RFC 3339 timestamps as Vault writes them (`2026-11-25T11:30:39.360041887Z`),
//! to and from [`SystemTime`], without a date crate.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // Both are in range by construction (1..=31, 1..=12).
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// `YYYY-MM-DDTHH:MM:SS[.fffffffff]Z` in UTC; the fraction only when the
/// time has one, with trailing zeros dropped.
pub(crate) fn format_rfc3339(t: SystemTime) -> String {
    let (secs, nanos) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_nanos(),
        ),
        Err(e) => {
            let d = e.duration();
            let whole = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            if d.subsec_nanos() == 0 {
                (-whole, 0)
            } else {
                (-whole - 1, 1_000_000_000 - d.subsec_nanos())
            }
        }
    };
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let mut out = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.f…](Z|±HH:MM)`. `None` for anything else,
/// including Vault's empty string for "never".
pub(crate) fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    if s.len() < 20 || !s.is_char_boundary(10) || !s.is_char_boundary(19) {
        return None;
    }
    let (date, rest) = s.split_at(10);
    let (time, rest) = rest.split_at(9);
    let mut dp = date.split('-');
    let year = i64::from(digits(dp.next()?)?);
    let month = digits(dp.next()?)?;
    let day = digits(dp.next()?)?;
    let time = time.strip_prefix(['T', 't', ' '])?;
    let mut tp = time.split(':');
    let (h, m, sec) = (
        digits(tp.next()?)?,
        digits(tp.next()?)?,
        digits(tp.next()?)?,
    );
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let (nanos, zone) = match rest.strip_prefix('.') {
        Some(frac_zone) => {
            let end = frac_zone
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(frac_zone.len());
            let frac = &frac_zone[..end];
            if frac.is_empty() {
                return None;
            }
            let mut n: u32 = 0;
            for (i, b) in frac.bytes().take(9).enumerate() {
                n += u32::from(b - b'0') * 10u32.pow(8 - u32::try_from(i).ok()?);
            }
            (n, &frac_zone[end..])
        }
        None => (0, rest),
    };
    let offset: i64 = match zone {
        "Z" | "z" => 0,
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) && &z[3..4] == ":" => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            sign * (i64::from(digits(&z[1..3])?) * 3600 + i64::from(digits(&z[4..6])?) * 60)
        }
        _ => return None,
    };
    let secs = days_from_civil(year, month, day) * 86_400
        + i64::from(h) * 3600
        + i64::from(m) * 60
        + i64::from(sec)
        - offset;
    let base = if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(u64::try_from(secs).ok()?))?
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))?
    };
    base.checked_add(Duration::from_nanos(u64::from(nanos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for (secs, nanos) in [
            (0u64, 0u32),
            (1_795_606_246, 360_041_887),
            (951_782_400, 500_000_000),
            (4_102_444_800, 1),
        ] {
            let t = UNIX_EPOCH + Duration::new(secs, nanos);
            let text = format_rfc3339(t);
            assert_eq!(parse_rfc3339(&text), Some(t), "{text}");
        }
    }

    #[test]
    fn known_values() {
        let t = UNIX_EPOCH + Duration::new(1_795_606_239, 360_041_887);
        assert_eq!(format_rfc3339(t), "2026-11-25T11:30:39.360041887Z");
        assert_eq!(parse_rfc3339("2026-11-25T11:30:39.360041887Z"), Some(t));
        // 2000-02-29 (a leap day) and an offset.
        assert_eq!(
            format_rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            parse_rfc3339("2000-02-29T02:00:00+02:00"),
            Some(UNIX_EPOCH + Duration::from_secs(951_782_400))
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2026-11-25",
            "2026-13-01T00:00:00Z",
            "2026-11-25T11:30:39",
            "2026-11-25T11:30:39.Z",
            "x026-11-25T11:30:39Z",
            "2026-11-25T11:30:39+0200",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
