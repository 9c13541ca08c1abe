//! What to do about an error, most specific first: what this very response
//! says (Retry-After, the fields it rejected), then the vendor's steps for
//! the code, then for the HTTP status; the generic profile's steps only when
//! the vendor documents nothing for this status.

use super::Diagnosis;
use super::profile::Profile;
use std::borrow::Cow;

/// A step: where it comes from, its text, a detail that survives a merge,
/// and its meaningful words (a profile's are worked out when it loads;
/// a merge extends them when a vendor's step takes the place of another).
#[derive(Debug, Clone)]
struct Step<'a> {
    kind: Kind,
    text: Cow<'a, str>,
    detail: Option<String>,
    words: Cow<'a, [u64]>,
}

/// Steps in the order found, merged into what is shown by [`Steps::merge`].
#[derive(Debug, Default)]
struct Steps<'a>(Vec<Step<'a>>);

impl<'a> Steps<'a> {
    /// A step of this response or of a report (its words worked out here).
    fn push(&mut self, kind: Kind, text: Cow<'a, str>, detail: Option<String>) {
        let words = Cow::Owned(words(&text));
        self.0.push(Step {
            kind,
            text,
            detail,
            words,
        });
    }

    /// A profile's steps, with the words worked out when it loaded.
    fn extend(&mut self, kind: Kind, texts: &'a [String], words: &'a [Vec<u64>]) {
        self.0.extend(texts.iter().zip(words).map(|(t, w)| Step {
            kind,
            text: Cow::Borrowed(t.as_str()),
            detail: None,
            words: Cow::Borrowed(w.as_slice()),
        }));
    }
}

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
pub fn steps<'a>(
    profile: &'a Profile,
    generic: &'a Profile,
    d: &Diagnosis,
    now: i64,
) -> Vec<String> {
    let mut out = Steps::default();
    let status = d.status;
    let mut expired = false;

    // A token the body or its own `exp` says has expired: the one step
    // that matters, with the time it expired.
    if matches!(status, Some(401 | 403)) {
        let said = d.error.as_ref().is_some_and(|e| {
            [e.code.as_deref(), e.message.as_deref()]
                .into_iter()
                .flatten()
                .any(says_expired)
        });
        let sent = d
            .started_ms
            .map(|ms| ms.div_euclid(1000))
            .or(d.rate_limit.as_ref().and_then(|r| r.observed_at));
        let exp = d.token_expires_at;
        let expired_by_exp = matches!((exp, sent), (Some(e), Some(t)) if t >= e);
        let valid_by_exp = matches!((exp, sent), (Some(e), Some(t)) if t < e);
        let no_credential = d
            .findings
            .iter()
            .any(|f| f.starts_with("The request sent no "));
        let at = |e: i64| crate::time::utc_and_local(e.saturating_mul(1000), d.utc_offset_min);
        if said && valid_by_exp {
            // The server and the token disagree: a clock is off.
            out.push(
                Kind::Specific,
                format!(
                    "The server says the token expired, but its JWT exp ({}) was still ahead when the request was sent: check the clocks of the server and of the machine that made the token (clock skew), then get a new token",
                    at(exp.unwrap_or_default())
                )
                .into(),
                None,
            );
            expired = true;
        } else if (said && !no_credential) || expired_by_exp {
            let when = match exp {
                Some(e) if expired_by_exp => format!("expired at {}", at(e)),
                _ => "has expired".to_owned(),
            };
            out.push(
                Kind::Specific,
                format!(
                    "The access token {when}: get a new one (sign in again, or use the refresh token) and resend"
                )
                .into(),
                None,
            );
            expired = true;
        }
    }

    // The challenge's bearer error (RFC 6750) when the body names none.
    let headers = crate::model::Headers(d.response_headers.clone());
    if matches!(status, Some(401 | 403))
        && d.error.as_ref().and_then(|e| e.code.as_deref()).is_none()
        && let Some((error, _, scope)) = super::auth::bearer_error(&headers, status)
    {
        match (error.as_str(), scope) {
            ("insufficient_scope", Some(scope)) => out.push(
                Kind::Specific,
                format!(
                    "Get a token with the scope `{scope}` (add it to the token request's scope), or use a credential granted it"
                )
                .into(),
                None,
            ),
            ("invalid_token", _) if expired => {}
            (code, _) => {
                if let Some(entry) = generic.code(code).filter(|c| c.standard) {
                    out.extend(Kind::Code, &entry.steps, entry.step_words());
                    expired |= code == "invalid_token";
                }
            }
        }
    }

    if let Some(rl) = &d.rate_limit {
        if let Some(s) = rl.retry_after_s {
            out.push(
                Kind::Specific,
                format!(
                    "Wait {} (Retry-After) before retrying",
                    crate::time::human(std::time::Duration::from_millis(
                        rl.retry_after_ms.unwrap_or(s.saturating_mul(1000))
                    ))
                )
                .into(),
                Some(format!("here: {s} s")),
            );
        } else if (status == Some(429) || rl.remaining == Some(0))
            && let Some(reset) = rl.reset_at
        {
            let from = rl.observed_at.unwrap_or(now);
            let secs = reset.saturating_sub(from).max(0);
            // (A reset already past says nothing to wait for.)
            if secs > 0 {
                out.push(
                    Kind::Specific,
                    format!(
                        "Wait {secs} s, until the rate-limit window resets at {}, before retrying",
                        crate::time::utc_and_local(reset.saturating_mul(1000), d.utc_offset_min)
                    )
                    .into(),
                    Some(format!("here: {secs} s")),
                );
            }
        }
    }

    if let Some(e) = d.error.as_ref().filter(|e| !e.fields.is_empty()) {
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
            out.push(Kind::Specific, step.into(), None);
        }
    }

    let code = d
        .error
        .as_ref()
        .and_then(|e| e.code.as_deref())
        .and_then(|c| profile.code_or_standard(generic, c));
    if let Some(entry) = code {
        out.extend(Kind::Code, &entry.steps, entry.step_words());
    }
    let status_for_steps = status.or(code.and_then(|c| c.status));
    let mut documented = code.is_some_and(|c| !c.steps.is_empty());
    if let Some(s) = status_for_steps {
        let kind = if profile.id == generic.id {
            Kind::Generic
        } else {
            Kind::Vendor
        };
        if let Some(g) = profile.status_group(s) {
            documented |= !g.steps.is_empty();
            out.extend(kind, &g.steps, g.step_words());
        }
        if !documented
            && profile.id != generic.id
            && let Some(g) = generic.status_group(s)
        {
            out.extend(Kind::Generic, &g.steps, g.step_words());
        }
    }
    // An expired token is the whole story: "send valid credentials" adds
    // nothing (a vendor's own steps stay).
    if expired {
        out.0.retain(|s| s.kind != Kind::Generic);
    }
    // A wait this response named says all a generic "wait for
    // Retry-After" step would.
    let retry_after = words("Retry-After")[0];
    if out
        .0
        .iter()
        .any(|s| s.kind == Kind::Specific && s.text.starts_with("Wait "))
    {
        out.0
            .retain(|s| !(s.kind == Kind::Generic && s.words.contains(&retry_after)));
    }
    if out.0.is_empty() {
        out.push(
            Kind::Generic,
            Cow::Borrowed(
                "Read the error message and compare the request with the API's documentation",
            ),
            None,
        );
    }
    out.merge(MAX_STEPS)
}

/// Whether a code or message says a credential expired
/// (`token_expired`, "The access token expired", "JWT has expired").
fn says_expired(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("expired")
        && [
            "token",
            "jwt",
            "session",
            "credential",
            "key",
            "signature",
            "auth",
            "expired_",
        ]
        .iter()
        .any(|w| l.contains(w))
        || l == "expired"
}

/// Steps shown at most: the most specific first, the rest say less.
pub const MAX_STEPS: usize = 5;

/// Whether a word carries no meaning of its own in a step.
fn is_stop(w: &str) -> bool {
    matches!(
        w,
        "the"
            | "a"
            | "an"
            | "and"
            | "or"
            | "to"
            | "of"
            | "for"
            | "in"
            | "on"
            | "at"
            | "by"
            | "with"
            | "is"
            | "are"
            | "be"
            | "it"
            | "its"
            | "this"
            | "that"
            | "then"
            | "your"
            | "you"
            | "use"
            | "make"
            | "sure"
            | "read"
            | "check"
            | "header"
            | "before"
            | "again"
            | "request"
            | "requests"
            | "any"
            | "if"
            | "when"
            | "from"
            | "as"
            | "fix"
            | "see"
            | "try"
            | "no"
            | "not"
            | "was"
            | "were"
            | "has"
            | "have"
            | "been"
            | "verify"
            | "send"
            | "sent"
            | "here"
    )
}

/// The meaningful words of a step, as hashes: lower case, `Retry-After`
/// kept whole, plurals and `-ing` folded. One allocation per step; the
/// comparisons are of integers.
pub(crate) fn words(s: &str) -> Vec<u64> {
    let lower = s.to_lowercase();
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .map(|w| w.trim_matches('-'))
        .filter(|w| !w.is_empty() && !is_stop(w))
        .map(|w| {
            let w = w.strip_suffix("ing").filter(|r| r.len() >= 4).unwrap_or(w);
            let w = w.strip_suffix('s').filter(|r| r.len() >= 4).unwrap_or(w);
            // FNV-1a: enough to tell words apart.
            w.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            })
        })
        .collect()
}

/// Whether most (four in five) of `a`'s words are among `b`'s.
fn covered(a: &[u64], b: &[u64]) -> bool {
    !a.is_empty() && a.iter().filter(|w| b.contains(w)).count() * 5 >= a.len() * 4
}

impl Steps<'_> {
    /// Keeps steps in order, merging each one that says what a kept one
    /// says (either covers the other): the vendor's wording replaces an
    /// invented one, a specific detail ("here: 30 s") is kept; then the
    /// first `max`.
    fn merge(self, max: usize) -> Vec<String> {
        let mut kept: Vec<Step<'_>> = Vec::new();
        for step in self.0 {
            let same = kept.iter().position(|k| {
                k.text == step.text
                    || covered(&step.words, &k.words)
                    || covered(&k.words, &step.words)
            });
            match same {
                Some(i) => {
                    let k = &mut kept[i];
                    if step.kind == Kind::Vendor && k.kind != Kind::Vendor {
                        k.kind = Kind::Vendor;
                        k.text = step.text;
                        k.words.to_mut().extend_from_slice(&step.words);
                    }
                }
                None => kept.push(step),
            }
        }
        kept.truncate(max);
        kept.into_iter()
            .map(|k| match k.detail {
                // The vendor's wording, with what this response says.
                Some(d) if k.kind == Kind::Vendor => format!("{} ({d})", k.text),
                _ => k.text.into_owned(),
            })
            .collect()
    }
}

/// Merges plain steps (all of one kind): for reports of several sources.
pub fn merge(steps: Vec<String>, max: usize) -> Vec<String> {
    let mut all = Steps::default();
    for s in steps {
        all.push(Kind::Code, Cow::Owned(s), None);
    }
    all.merge(max)
}

#[cfg(test)]
mod tests {
    use super::{Kind, Steps, merge};

    #[test]
    fn steps_that_say_the_same_thing_are_merged() {
        let mut steps = Steps::default();
        steps.push(
            Kind::Specific,
            "Wait 30 s (Retry-After) before retrying".into(),
            Some("here: 30 s".to_owned()),
        );
        steps.push(
            Kind::Vendor,
            "Read the Retry-After header and wait before retrying".into(),
            None,
        );
        steps.push(
            Kind::Vendor,
            "Check X-RateLimit-Reset to know when your window resets".into(),
            None,
        );
        steps.push(
            Kind::Vendor,
            "Reduce request frequency or implement request batching where possible".into(),
            None,
        );
        steps.push(
            Kind::Vendor,
            "Check X-RateLimit-Remaining before making requests".into(),
            None,
        );
        steps.push(
            Kind::Vendor,
            "Implement exponential backoff for retry logic".into(),
            None,
        );
        let merged = steps.merge(5);
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
