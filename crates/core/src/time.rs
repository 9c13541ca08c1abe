//! Every conversion between times and text, in one place and total: any
//! `i64` formats without a panic (`httpdate` panics past the year 9999,
//! and a server can send `X-RateLimit-Reset: 1e23`), and what cannot be a
//! real date is said to be so by [`plausible`].

/// 9999-12-31T23:59:59Z: the last second a four-digit year can write.
pub const MAX_UNIX: i64 = 253_402_300_799;

/// Whether a Unix time is one a server could mean: 1970 to 9999.
pub fn plausible(unix: i64) -> bool {
    (0..=MAX_UNIX).contains(&unix)
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's
/// days-to-civil, exact for every `i64` day in range of `i64` seconds).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-01-01T00:00:00Z` for a Unix time (UTC), any `i64`.
pub fn rfc3339(unix: i64) -> String {
    let (y, m, d) = civil(unix.div_euclid(86_400));
    let secs = unix.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `2026-01-01T00:00:00.123Z` for Unix milliseconds, as HAR writes it.
pub fn rfc3339_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let frac = ms.rem_euclid(1000);
    let base = rfc3339(secs);
    format!("{}.{frac:03}Z", &base[..base.len() - 1])
}

/// `Thu, 01 Jan 2026 00:00:00 GMT` for a Unix time, any `i64`.
pub fn http_date(unix: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix.div_euclid(86_400);
    let (y, m, d) = civil(days);
    let secs = unix.rem_euclid(86_400);
    let weekday = DAYS[usize::try_from(days.rem_euclid(7)).unwrap_or(0)];
    let month = MONTHS[usize::try_from(m - 1).unwrap_or(0).min(11)];
    format!(
        "{weekday}, {d:02} {month} {y:04} {:02}:{:02}:{:02} GMT",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// `ms` moved by `n` of `unit` as REST Client's date variables write it
/// (`y`, `M`, `w`, `d`, `h`, `m`, `s`, `ms`); months and years move on the
/// calendar, the day kept within the month (Jan 31 + 1 M = Feb 28), as
/// dayjs does. `None`: not a unit.
pub fn add(ms: i64, n: i64, unit: &str) -> Option<i64> {
    let fixed = |per: i64| Some(ms.saturating_add(n.saturating_mul(per)));
    match unit {
        "ms" => fixed(1),
        "s" => fixed(1000),
        "m" => fixed(60_000),
        "h" => fixed(3_600_000),
        "d" => fixed(86_400_000),
        "w" => fixed(604_800_000),
        "M" | "y" => {
            let months = if unit == "y" { n.checked_mul(12)? } else { n };
            let days = ms.div_euclid(86_400_000);
            let within = ms.rem_euclid(86_400_000);
            let (y, m, d) = civil(days);
            let total = (y.checked_mul(12)? + (m - 1)).checked_add(months)?;
            let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
            let last = days_from_civil(ny + i64::from(nm == 12), nm % 12 + 1, 1)
                - days_from_civil(ny, nm, 1);
            let nd = days_from_civil(ny, nm, d.min(last));
            nd.checked_mul(86_400_000)?.checked_add(within)
        }
        _ => None,
    }
}

/// `ms` (Unix milliseconds, shown at `offset_min` from UTC) in a dayjs
/// format, as httpyac and REST Client write `{{$datetime "FORMAT"}}`:
/// `YYYY YY M MM MMM MMMM D DD d dd ddd dddd H HH h hh a A m mm s ss SSS Z
/// ZZ`, and `[literal text]`; any other character as it is.
pub fn format_dayjs(ms: i64, offset_min: i32, fmt: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ];
    let local = ms.saturating_add(i64::from(offset_min) * 60_000);
    let days = local.div_euclid(86_400_000);
    let within = local.rem_euclid(86_400_000);
    let (y, mo, d) = civil(days);
    let (h, mi, s, milli) = (
        within / 3_600_000,
        within / 60_000 % 60,
        within / 1000 % 60,
        within % 1000,
    );
    // 1970-01-01 was a Thursday (4).
    let weekday = usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0);
    let month = MONTHS[usize::try_from(mo - 1).unwrap_or(0).min(11)];
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let sign = if offset_min < 0 { '-' } else { '+' };
    let (oh, om) = (offset_min.abs() / 60, offset_min.abs() % 60);
    const TOKENS: [&str; 26] = [
        "YYYY", "MMMM", "dddd", "MMM", "ddd", "SSS", "YY", "MM", "DD", "dd", "HH", "hh", "mm",
        "ss", "ZZ", "M", "D", "d", "H", "h", "a", "A", "m", "s", "Z", "[",
    ];
    let mut out = String::new();
    let mut rest = fmt;
    while let Some(c) = rest.chars().next() {
        let Some(t) = TOKENS.iter().find(|t| rest.starts_with(**t)) else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        if *t == "[" {
            match rest[1..].find(']') {
                Some(end) => {
                    out.push_str(&rest[1..=end]);
                    rest = &rest[end + 2..];
                }
                None => {
                    out.push('[');
                    rest = &rest[1..];
                }
            }
            continue;
        }
        match *t {
            "YYYY" => out.push_str(&format!("{y:04}")),
            "YY" => out.push_str(&format!("{:02}", y.rem_euclid(100))),
            "MMMM" => out.push_str(month),
            "MMM" => out.push_str(&month[..3]),
            "MM" => out.push_str(&format!("{mo:02}")),
            "M" => out.push_str(&mo.to_string()),
            "DD" => out.push_str(&format!("{d:02}")),
            "D" => out.push_str(&d.to_string()),
            "dddd" => out.push_str(DAYS[weekday]),
            "ddd" => out.push_str(&DAYS[weekday][..3]),
            "dd" => out.push_str(&DAYS[weekday][..2]),
            "d" => out.push_str(&weekday.to_string()),
            "HH" => out.push_str(&format!("{h:02}")),
            "H" => out.push_str(&h.to_string()),
            "hh" => out.push_str(&format!("{h12:02}")),
            "h" => out.push_str(&h12.to_string()),
            "a" => out.push_str(if h < 12 { "am" } else { "pm" }),
            "A" => out.push_str(if h < 12 { "AM" } else { "PM" }),
            "mm" => out.push_str(&format!("{mi:02}")),
            "m" => out.push_str(&mi.to_string()),
            "ss" => out.push_str(&format!("{s:02}")),
            "s" => out.push_str(&s.to_string()),
            "SSS" => out.push_str(&format!("{milli:03}")),
            "ZZ" => out.push_str(&format!("{sign}{oh:02}{om:02}")),
            _ => out.push_str(&format!("{sign}{oh:02}:{om:02}")),
        }
        rest = &rest[t.len()..];
    }
    out
}

/// Unix milliseconds of RFC 3339 text (`2026-01-01T00:00:00.123Z`,
/// `…+01:00`, a space instead of `T`).
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = s.get(19..)?;
    let mut ms = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        // The first three digits, right-padded: ".1" is 100 ms.
        ms = frac
            .bytes()
            .take(n.min(3))
            .chain(std::iter::repeat(b'0'))
            .take(3)
            .fold(0, |acc, d| acc * 10 + i64::from(d - b'0'));
        rest = &frac[n..];
    }
    let offset = match rest {
        "Z" | "z" | "" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let oh = rest.get(1..3)?.parse::<i64>().ok()?;
            let om = rest
                .get(3..)
                .map(|r| r.trim_start_matches(':'))
                .and_then(|r| r.get(..2))?
                .parse::<i64>()
                .ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset;
    Some(secs * 1000 + ms)
}

/// The UTC offset RFC 3339 text states, in minutes (`+01:00` → 60), when
/// it states one other than UTC: a HAR's `startedDateTime` written in the
/// customer's own time zone says which one they live in.
pub fn rfc3339_offset_min(s: &str) -> Option<i32> {
    let s = s.trim();
    parse_rfc3339_ms(s)?;
    let tail = s.get(19..)?;
    let tail = tail.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let sign = match tail.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let oh: i32 = tail.get(1..3)?.parse().ok()?;
    let om: i32 = tail
        .get(3..)?
        .trim_start_matches(':')
        .get(..2)?
        .parse()
        .ok()?;
    Some(sign * (oh * 60 + om)).filter(|m| *m != 0)
}

/// `2026-01-01 09:30:00 UTC`, and `(10:30 UTC+01:00)` after it when the
/// customer's offset is known: a time a reply can quote a day later.
pub fn utc_and_local(ms: i64, offset_min: Option<i32>) -> String {
    let secs = ms.div_euclid(1000);
    let utc = rfc3339(secs).replace('T', " ").replace('Z', " UTC");
    match offset_min {
        Some(off) => {
            let local = rfc3339(secs + i64::from(off) * 60);
            let sign = if off < 0 { '-' } else { '+' };
            let a = off.unsigned_abs();
            format!(
                "{utc} ({} your time, UTC{sign}{:02}:{:02})",
                &local[11..16],
                a / 60,
                a % 60
            )
        }
        None => utc,
    }
}

/// Unix seconds of RFC 3339 text.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    parse_rfc3339_ms(s).map(|ms| ms.div_euclid(1000))
}

/// Unix seconds of an HTTP date (`Thu, 01 Jan 2026 00:00:00 GMT`, and the
/// obsolete RFC 850 and asctime forms).
///
/// A wrong day of the week (`Tue, 10 Sep 2015`, a Thursday) is forgiven,
/// as browsers forgive it: the date and time say when.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let secs = |s: &str| {
        httpdate::parse_http_date(s)
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok())
    };
    secs(s).or_else(|| {
        let rest = s.get(3..).filter(|r| r.starts_with(", "))?;
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            .iter()
            .find_map(|day| secs(&format!("{day}{rest}")))
    })
}

/// Unix milliseconds of a timestamp in either form.
pub fn parse_any_ms(s: &str) -> Option<i64> {
    parse_rfc3339_ms(s).or_else(|| parse_http_date(s).map(|t| t * 1000))
}

/// Unix milliseconds of a [`std::time::SystemTime`] (0 before 1970).
pub fn unix_ms(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .unwrap_or(0)
}

/// `1 h 05 min`, `4 min 10 s`, `12 s`, `0.4 s`: a duration for a person.
pub fn human(d: std::time::Duration) -> String {
    // Rounded up: a wait of 119.4 s is "2 min", not "1 min 59 s", and a
    // wait reads 0 only when it is over.
    let tenths = d.as_millis().div_ceil(100);
    if tenths < 100 {
        return format!("{}.{} s", tenths / 10, tenths % 10);
    }
    let s = u64::try_from(d.as_millis().div_ceil(1000)).unwrap_or(u64::MAX);
    if s >= 365 * 86_400 {
        format!("{} years", s / (365 * 86_400))
    } else if s >= 86_400 {
        format!("{} d {} h", s / 86_400, (s % 86_400) / 3600)
    } else if s >= 3600 {
        match (s % 3600) / 60 {
            0 => format!("{} h", s / 3600),
            m => format!("{} h {m:02} min", s / 3600),
        }
    } else if s >= 60 {
        match s % 60 {
            0 => format!("{} min", s / 60),
            r => format!("{} min {r:02} s", s / 60),
        }
    } else {
        format!("{s} s")
    }
}

/// A measured phase for a person: `0.4 ms`, `12 ms`, `2.1 s`, `1 min 04 s`.
pub fn human_ms(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "?".to_owned();
    }
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        // (A HAR may say anything: a duration past what one holds is "?".)
        std::time::Duration::try_from_secs_f64(ms / 1000.0).map_or_else(|_| "?".to_owned(), human)
    }
}

/// "300 s" → "5 minutes" style wording for policies.
pub fn human_window(s: u64) -> String {
    match s {
        60 => "minute".into(),
        s if s % 3600 == 0 => format!("{} hours", s / 3600),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// dayjs's output for the same instants (checked with node and dayjs
    /// 1.11.23, httpyac's, in UTC).
    #[test]
    fn dayjs_formats_and_calendar_offsets() {
        // 2026-01-31T13:05:09.042Z, a Saturday.
        let t = 1_769_864_709_042;
        assert_eq!(format_dayjs(t, 0, "YYYY-MM-DD"), "2026-01-31");
        assert_eq!(
            format_dayjs(t, 0, "DD-MM-YYYY HH:mm:ss.SSS"),
            "31-01-2026 13:05:09.042"
        );
        assert_eq!(
            format_dayjs(t, 0, "ddd, D MMM YYYY [at] h A"),
            "Sat, 31 Jan 2026 at 1 PM"
        );
        assert_eq!(
            format_dayjs(t, 0, "dddd MMMM YY d dd a hh"),
            "Saturday January 26 6 Sa pm 01"
        );
        assert_eq!(
            format_dayjs(t, 0, "YYYY-MM-DDTHH:mm:ssZ"),
            "2026-01-31T13:05:09+00:00"
        );
        assert_eq!(format_dayjs(t, 330, "HH:mm Z ZZ"), "18:35 +05:30 +0530");
        // (An unclosed bracket is a character; its letters tokens.)
        assert_eq!(format_dayjs(t, 0, "[unclosed"), "[unclo9e6");
        // Months keep the day within the month; years likewise.
        assert_eq!(
            add(t, 1, "M").map(rfc3339_ms).as_deref(),
            Some("2026-02-28T13:05:09.042Z")
        );
        assert_eq!(
            add(t, -13, "M").map(rfc3339_ms).as_deref(),
            Some("2024-12-31T13:05:09.042Z")
        );
        let leap = 1_709_208_000_000; // 2024-02-29T12:00:00Z
        assert_eq!(
            add(leap, 1, "y").map(rfc3339_ms).as_deref(),
            Some("2025-02-28T12:00:00.000Z")
        );
        assert_eq!(
            add(t, 1, "d").map(rfc3339_ms).as_deref(),
            Some("2026-02-01T13:05:09.042Z")
        );
        assert_eq!(
            add(t, -2, "h").map(rfc3339_ms).as_deref(),
            Some("2026-01-31T11:05:09.042Z")
        );
        assert_eq!(
            add(t, 1, "w").map(rfc3339_ms).as_deref(),
            Some("2026-02-07T13:05:09.042Z")
        );
        assert_eq!(add(t, 5, "ms"), Some(t + 5));
        assert_eq!(add(t, 1, "Q"), None);
        assert_eq!(add(t, i64::MAX, "y"), None);
    }

    #[test]
    fn phases_for_a_person() {
        assert_eq!(human_ms(0.42), "0.4 ms");
        assert_eq!(human_ms(12.4), "12 ms");
        assert_eq!(human_ms(2100.0), "2.1 s");
        assert_eq!(human_ms(64_000.0), "1 min 04 s");
        assert_eq!(human_ms(-1.0), "?");
        assert_eq!(human_ms(f64::NAN), "?");
        assert_eq!(human_ms(1e300), "?");
    }

    #[test]
    fn durations_for_a_person_round_up() {
        let ms = std::time::Duration::from_millis;
        assert_eq!(human(ms(0)), "0.0 s");
        assert_eq!(human(ms(2400)), "2.4 s");
        assert_eq!(human(ms(9_950)), "10 s");
        assert_eq!(human(ms(119_400)), "2 min");
        assert_eq!(human(ms(300_000)), "5 min");
        assert_eq!(human(ms(301_000)), "5 min 01 s");
        assert_eq!(human(ms(3_600_000)), "1 h");
    }

    #[test]
    fn dates_format_and_parse_back() {
        assert_eq!(rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(http_date(1_767_225_600), "Thu, 01 Jan 2026 00:00:00 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(rfc3339_ms(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
        assert_eq!(
            parse_rfc3339_ms("2026-01-01T01:00:00.1+01:00"),
            Some(1_767_225_600_100)
        );
        assert_eq!(parse_rfc3339("2026-01-01 00:00:00"), Some(1_767_225_600));
        assert_eq!(
            parse_any_ms("Thu, 01 Jan 2026 00:00:00 GMT"),
            Some(1_767_225_600_000)
        );
        for t in [-1, 1_767_225_600, 253_402_300_799] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
            assert_eq!(parse_http_date(&http_date(t)).unwrap_or(t), t);
        }
    }

    #[test]
    fn absurd_times_never_panic() {
        for t in [i64::MIN, i64::MAX, 253_402_300_800, 100_000_000_000_000, -1] {
            let _ = rfc3339(t / 1000);
            let _ = http_date(t / 1000);
            let _ = rfc3339_ms(t);
        }
        assert!(!plausible(253_402_300_800));
        assert!(plausible(1_767_225_600));
    }
}
