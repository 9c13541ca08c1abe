//! What to do about an error, most specific first: what this very response
//! says (Retry-After, the fields it rejected), then the vendor's steps for
//! the code, then for the HTTP status; the generic profile's steps only when
//! the vendor documents nothing for this status.

use super::Diagnosis;
use super::profile::Profile;

/// Where a step comes from, for merging steps that say the same thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Read off this very response (Retry-After, a rejected field): the
    /// most specific; its detail survives a merge.
    Specific,
    /// The profile's steps for the code.
    Code,
    /// The vendor's documented steps for the HTTP status (verbatim): its
    /// wording wins a merge.
    Vendor,
    /// The generic profile's steps, where the vendor documents nothing.
    Generic,
}

/// The troubleshooting steps for an error diagnosis: most specific first,
/// steps that say the same thing merged (the vendor's wording kept, with
/// the specific detail), at most [`MAX_STEPS`].
pub fn steps(profile: &Profile, generic: &Profile, d: &Diagnosis, now: i64) -> Vec<String> {
    let mut out: Vec<(Kind, String, Option<String>)> = Vec::new();
    let status = d.status;

    if let Some(rl) = &d.rate_limit {
        if let Some(s) = rl.retry_after_s {
            out.push((
                Kind::Specific,
                format!("Wait {s} s (Retry-After) before retrying"),
                Some(format!("here: {s} s")),
            ));
        } else if (status == Some(429) || rl.remaining == Some(0))
            && let Some(reset) = rl.reset_at
        {
            let from = rl.observed_at.unwrap_or(now);
            let secs = reset.saturating_sub(from).max(0);
            out.push((
                Kind::Specific,
                format!(
                    "Wait {secs} s, until the rate-limit window resets (X-RateLimit-Reset {reset}), before retrying"
                ),
                Some(format!("here: {secs} s")),
            ));
        }
    }

    if let Some(e) = &d.error {
        let sent: Vec<(String, String)> = d
            .url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .map(|u| u.query_pairs().into_owned().collect())
            .unwrap_or_default();
        for (field, message) in &e.fields {
            let step = match sent.iter().find(|(k, _)| k == field) {
                Some((_, v)) if !crate::secrets::is_secret_param(field) => {
                    format!("Fix `{field}` (you sent {field}={v}): {message}")
                }
                _ => format!("Fix `{field}`: {message}"),
            };
            out.push((Kind::Specific, step, None));
        }
    }

    let code = d
        .error
        .as_ref()
        .and_then(|e| e.code.as_deref())
        .and_then(|c| profile.code(c));
    if let Some(entry) = code {
        out.extend(entry.steps.iter().map(|s| (Kind::Code, s.clone(), None)));
    }
    let status_for_steps = status.or(code.and_then(|c| c.status));
    let mut documented = code.is_some_and(|c| !c.steps.is_empty());
    if let Some(s) = status_for_steps {
        let vendor = profile.status_steps(s);
        documented |= !vendor.is_empty();
        let kind = if profile.id == generic.id {
            Kind::Generic
        } else {
            Kind::Vendor
        };
        out.extend(vendor.iter().map(|s| (kind, s.clone(), None)));
        if !documented && profile.id != generic.id {
            out.extend(
                generic
                    .status_steps(s)
                    .iter()
                    .map(|s| (Kind::Generic, s.clone(), None)),
            );
        }
    }
    if out.is_empty() {
        out.push((
            Kind::Generic,
            "Read the error message and compare the request with the API's documentation".into(),
            None,
        ));
    }
    merge_kinds(out, MAX_STEPS)
}

/// Steps shown at most: the most specific first, the rest say less.
pub const MAX_STEPS: usize = 5;

/// Words that carry no meaning of their own in a step.
const STOP: &[&str] = &[
    "the", "a", "an", "and", "or", "to", "of", "for", "in", "on", "at", "by", "with", "is", "are",
    "be", "it", "its", "this", "that", "then", "your", "you", "use", "make", "sure", "read",
    "check", "header", "before", "again", "request", "requests", "any", "if", "when", "from", "as",
    "fix", "see", "try", "no", "not", "was", "were", "has", "have", "been", "verify", "send",
    "sent", "here",
];

/// The meaningful words of a step: lower case, `Retry-After` kept whole,
/// plurals and `-ing` folded.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .map(|w| w.trim_matches('-').to_lowercase())
        .filter(|w| !w.is_empty() && !STOP.contains(&w.as_str()))
        .map(|w| {
            let w = w
                .strip_suffix("ing")
                .filter(|r| r.len() >= 4)
                .map_or(w.clone(), str::to_owned);
            w.strip_suffix('s')
                .filter(|r| r.len() >= 4)
                .map_or(w.clone(), str::to_owned)
        })
        .collect()
}

/// Whether most (four in five) of `a`'s words are among `b`'s.
fn covered(a: &[String], b: &[String]) -> bool {
    !a.is_empty() && a.iter().filter(|w| b.contains(w)).count() * 5 >= a.len() * 4
}

/// Keeps steps in order, merging each one that says what a kept one says
/// (either covers the other): the vendor's wording replaces an invented
/// one, a specific detail ("here: 30 s") is kept; then the first `max`.
fn merge_kinds(steps: Vec<(Kind, String, Option<String>)>, max: usize) -> Vec<String> {
    let mut kept: Vec<(Kind, String, Option<String>, Vec<String>)> = Vec::new();
    for (kind, text, detail) in steps {
        let w = words(&text);
        let same = kept
            .iter()
            .position(|(_, t, _, kw)| *t == text || covered(&w, kw) || covered(kw, &w));
        match same {
            Some(i) => {
                let k = &mut kept[i];
                if kind == Kind::Vendor && k.0 != Kind::Vendor {
                    k.0 = Kind::Vendor;
                    k.1 = text;
                    k.3.extend(w);
                }
            }
            None => kept.push((kind, text, detail, w)),
        }
    }
    kept.truncate(max);
    kept.into_iter()
        .map(|(kind, text, detail, _)| match detail {
            // The vendor's wording, with what this response says.
            Some(d) if kind == Kind::Vendor => format!("{text} ({d})"),
            _ => text,
        })
        .collect()
}

/// Merges plain steps (all of one kind): for reports of several sources.
pub fn merge(steps: Vec<String>, max: usize) -> Vec<String> {
    merge_kinds(
        steps.into_iter().map(|s| (Kind::Code, s, None)).collect(),
        max,
    )
}

#[cfg(test)]
mod tests {
    use super::{Kind, merge, merge_kinds};

    #[test]
    fn steps_that_say_the_same_thing_are_merged() {
        let steps = vec![
            (
                Kind::Specific,
                "Wait 30 s (Retry-After) before retrying".to_owned(),
                Some("here: 30 s".to_owned()),
            ),
            (
                Kind::Vendor,
                "Read the Retry-After header and wait before retrying".to_owned(),
                None,
            ),
            (
                Kind::Vendor,
                "Check X-RateLimit-Reset to know when your window resets".to_owned(),
                None,
            ),
            (
                Kind::Vendor,
                "Reduce request frequency or implement request batching where possible".to_owned(),
                None,
            ),
            (
                Kind::Vendor,
                "Check X-RateLimit-Remaining before making requests".to_owned(),
                None,
            ),
            (
                Kind::Vendor,
                "Implement exponential backoff for retry logic".to_owned(),
                None,
            ),
        ];
        let merged = merge_kinds(steps, 5);
        assert_eq!(merged.len(), 5, "{merged:#?}");
        assert_eq!(
            merged[0],
            "Read the Retry-After header and wait before retrying (here: 30 s)"
        );
        let bad_query = [
            "Fix `limit` (you sent limit=500): Must be an integer between 1 and 100",
            "Fix `sort` (you sent sort=name): Invalid sort field. Allowed: createdAt, updatedAt",
            "Fix the query parameters listed in error.details.fields, then resend",
            "limit must be an integer between 1 and 100; sort must be createdAt or updatedAt",
        ];
        let merged = merge(bad_query.iter().map(|s| (*s).to_owned()).collect(), 5);
        assert_eq!(merged.len(), 3, "{merged:#?}");
    }
}
