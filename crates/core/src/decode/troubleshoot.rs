//! What to do about an error, most specific first: what this very response
//! says (Retry-After, the fields it rejected), then the vendor's steps for
//! the code, then for the HTTP status; the generic profile's steps only when
//! the vendor documents nothing for this status.

use super::Diagnosis;
use super::profile::Profile;

/// The troubleshooting steps for an error diagnosis.
pub fn steps(profile: &Profile, generic: &Profile, d: &Diagnosis, now: i64) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let status = d.status;

    if let Some(rl) = &d.rate_limit {
        if let Some(s) = rl.retry_after_s {
            out.push(format!("Wait {s} s (Retry-After) before retrying"));
        } else if (status == Some(429) || rl.remaining == Some(0))
            && let Some(reset) = rl.reset_at
        {
            let from = rl.observed_at.unwrap_or(now);
            out.push(format!(
                "Wait {} s, until the rate-limit window resets (X-RateLimit-Reset {reset}), before retrying",
                (reset - from).max(0)
            ));
        }
    }

    if let Some(e) = &d.error {
        for (field, message) in &e.fields {
            out.push(format!("Fix `{field}`: {message}"));
        }
    }

    let code = d
        .error
        .as_ref()
        .and_then(|e| e.code.as_deref())
        .and_then(|c| profile.code(c));
    if let Some(entry) = code {
        out.extend(entry.steps.iter().cloned());
    }
    let status_for_steps = status.or(code.and_then(|c| c.status));
    let mut documented = code.is_some_and(|c| !c.steps.is_empty());
    if let Some(s) = status_for_steps {
        let vendor = profile.status_steps(s);
        documented |= !vendor.is_empty();
        out.extend(vendor.iter().cloned());
        if !documented && profile.id != generic.id {
            out.extend(generic.status_steps(s).iter().cloned());
        }
    }
    if out.is_empty() {
        out.push(
            "Read the error message and compare the request with the API's documentation".into(),
        );
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
}
