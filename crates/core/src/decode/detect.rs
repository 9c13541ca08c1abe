//! Which profile decodes a response, and on what evidence.
//!
//! A documented API's dialect — and with it that vendor's steps, limits,
//! token format and console paths — needs evidence: the user chose it
//! (`--dialect`, a collection's `# @dialect`, an imported profile's host),
//! the request's host is one its profile names, or the response carries
//! marks its documents make distinctive. A body that only has the vendor's
//! shape (a common code in a common envelope) is read where the shape puts
//! its fields, with the generic steps: `generic`, evidence `shape`.

use super::json::Json;
use super::profile::{GENERIC, Profile, Profiles};
use super::signature::signature_matches;
use crate::model::Exchange;
use serde::Serialize;
use std::borrow::Cow;

/// Why a dialect was picked: the `evidence` of the diagnosis JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Evidence {
    /// The request's host is one the profile names.
    Host,
    /// The user chose it: `--dialect`, a collection's or session's
    /// dialect, an imported profile.
    Choice,
    /// The response carries marks the vendor's documents make distinctive
    /// (or the strict marks of a standard format).
    Marks,
    /// Only the shape of a documented format: its fields are read, its
    /// vendor is not claimed (the dialect is `generic`).
    Shape,
}

/// The outcome of detection.
#[derive(Debug, Clone)]
pub struct Detected<'p> {
    /// The profile that decodes the response: a real one, or for a shape
    /// without evidence, `generic` reading the fields where the shape puts
    /// them.
    pub profile: Cow<'p, Profile>,
    /// Why; `None` when no format was recognised.
    pub evidence: Option<Evidence>,
    /// The few words a report shows after the dialect: "host
    /// api.example.com", "shape like envelope, vendor not confirmed".
    pub because: Option<String>,
}

impl<'p> Detected<'p> {
    fn with(profile: &'p Profile, evidence: Evidence, because: String) -> Detected<'p> {
        Detected {
            profile: Cow::Borrowed(profile),
            evidence: Some(evidence),
            because: Some(because),
        }
    }
}

/// Who chose a dialect, for the words of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chooser {
    /// `--dialect` on the command line.
    Flag,
    /// The collection, session or recording the exchange came from.
    Source,
    /// Another response from the same API carried the evidence.
    SameApi,
}

/// Picks the profile for an exchange. `chosen` is a dialect the user
/// chose (and by what); an unknown id is ignored here (the command line
/// checks its flag up front).
pub fn detect<'p>(
    exchange: &Exchange,
    tree: Option<&Json>,
    profiles: &'p Profiles,
    chosen: Option<(&str, Chooser)>,
) -> Detected<'p> {
    let chosen = chosen.or_else(|| exchange.dialect.as_deref().map(|d| (d, Chooser::Source)));
    if let Some((id, by)) = chosen
        && let Some(p) = profiles.get(id)
    {
        let because = match by {
            Chooser::Flag => "chosen with --dialect".to_owned(),
            Chooser::Source => "named by its session or collection".to_owned(),
            Chooser::SameApi => "another response from this API was identified".to_owned(),
        };
        let evidence = if by == Chooser::SameApi {
            Evidence::Marks
        } else {
            Evidence::Choice
        };
        return Detected::with(p, evidence, because);
    }
    if let Some(host) = exchange
        .url()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
    {
        // A profile the user imported or wrote wins over a built-in one.
        let claim = profiles
            .iter()
            .filter(|p| p.from_user)
            .chain(profiles.iter().filter(|p| !p.from_user))
            .find(|p| p.matches_host(&host));
        if let Some(p) = claim {
            return if p.from_user {
                Detected::with(p, Evidence::Choice, format!("your profile for host {host}"))
            } else {
                Detected::with(p, Evidence::Host, format!("host {host}"))
            };
        }
    }
    // The media type says what the body is: RFC 9457 problem details, even
    // when its extension members look like another format.
    if exchange
        .response
        .headers
        .get("content-type")
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mt| mt.trim().eq_ignore_ascii_case("application/problem+json"))
        && let Some(p) = profiles.get("problem")
    {
        return Detected::with(
            p,
            Evidence::Marks,
            "marks: Content-Type application/problem+json".into(),
        );
    }
    let mut shape: Option<&Profile> = None;
    for p in profiles.iter().filter(|p| p.id != GENERIC) {
        let holds = |sigs: &'p [super::profile::Signature]| {
            sigs.iter()
                .find(|s| signature_matches(s, p, exchange, tree))
        };
        if p.marks.is_empty() {
            // A standard format (or a user's own profile): its shape is
            // strict enough to be its mark.
            if holds(&p.detect).is_some() {
                return Detected {
                    profile: Cow::Borrowed(p),
                    evidence: Some(Evidence::Marks),
                    // A standard's name says it all; a user's profile is
                    // theirs.
                    because: p
                        .from_user
                        .then(|| "marks: your profile's signature".to_owned()),
                };
            }
            continue;
        }
        if let Some(mark) = holds(&p.marks) {
            let why = mark.why.as_deref().unwrap_or("its documented marks");
            return Detected::with(p, Evidence::Marks, format!("marks: {why}"));
        }
        if shape.is_none() && holds(&p.detect).is_some() {
            shape = Some(p);
        }
    }
    match shape {
        Some(like) => Detected {
            profile: Cow::Owned(profiles.generic().reading_like(like)),
            evidence: Some(Evidence::Shape),
            because: Some(format!("shape like {}, vendor not confirmed", like.id)),
        },
        None => Detected {
            profile: Cow::Borrowed(profiles.generic()),
            evidence: None,
            because: None,
        },
    }
}
