//! Go durations (`90s`, `1m30s`, `2h`, `500ms`), as KubeVela's step
//! `timeout`, a suspend's `duration` and HTTP timeouts are written.

/// Parses a Go-style duration (`90s`, `1m30s`, `2h`, `500ms`).
pub fn parse(s: &str) -> Option<std::time::Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let (mut total, mut num, mut rest) = (0f64, String::new(), s);
    while !rest.is_empty() {
        let c = rest.chars().next()?;
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            rest = &rest[1..];
            continue;
        }
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let n: f64 = num.parse().ok()?;
        num.clear();
        total += n * match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
    }
    if !num.is_empty() {
        return None;
    }
    std::time::Duration::try_from_secs_f64(total).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn huge_durations_are_refused_not_a_panic() {
        assert_eq!(super::parse("99999999999999999999999s"), None);
        assert_eq!(super::parse("1d"), None, "Go has no day unit");
    }
}
