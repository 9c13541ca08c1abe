//! Profiles: what apiscope knows about one API format, as data.
//!
//! A profile says how to recognise a body of that format, where the code,
//! message, request id and field errors live, the code table with the
//! vendor's troubleshooting, the pagination fields, the rate-limit policy and
//! the auth scheme. The built-in profiles are TOML files compiled into the
//! binary; a user drops files of the same format into
//! `<config dir>/profiles/` to add formats or override a built-in by id.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The ids of the built-in profiles (`envelope`, …, `generic`): an
/// imported profile never takes one.
pub fn built_in_ids() -> impl Iterator<Item = &'static str> {
    BUILT_IN
        .iter()
        .map(|(f, _)| f.strip_suffix(".toml").unwrap_or(f))
}

/// The built-in profiles, in the order of `include_str!`; sorted by priority
/// when loaded.
const BUILT_IN: &[(&str, &str)] = &[
    ("envelope.toml", include_str!("profiles/envelope.toml")),
    ("coded.toml", include_str!("profiles/coded.toml")),
    (
        "errors-array.toml",
        include_str!("profiles/errors-array.toml"),
    ),
    ("ittybit.toml", include_str!("profiles/ittybit.toml")),
    ("aptly.toml", include_str!("profiles/aptly.toml")),
    ("problem.toml", include_str!("profiles/problem.toml")),
    ("jsonapi.toml", include_str!("profiles/jsonapi.toml")),
    ("graphql.toml", include_str!("profiles/graphql.toml")),
    ("generic.toml", include_str!("profiles/generic.toml")),
];

/// The id of the fallback profile used when nothing else matches.
pub const GENERIC: &str = "generic";

/// One API format.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The dialect id printed in diagnoses (`envelope`, `coded`, …).
    pub id: String,
    /// A human name.
    pub name: String,
    /// One line on what the format looks like.
    #[serde(default)]
    pub description: String,
    /// Hosts (exact, or a suffix after a dot) that select this profile.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Lower is tried first.
    #[serde(default = "default_priority")]
    pub priority: i32,
    /// The shape of the format: a body or headers of this form. For a
    /// profile with `marks`, the shape alone is no evidence (its fields are
    /// read, its vendor's facts are not used); for one without (a standard
    /// format, a user's own profile), a matching shape selects it.
    #[serde(default)]
    pub detect: Vec<Signature>,
    /// What the vendor's documents make distinctive: its request-id form,
    /// its headers, the combination of fields only it returns. Any one
    /// matching is evidence for the vendor. Each signature is complete by
    /// itself (it states the shape it needs) and says in `why` what it saw.
    #[serde(default)]
    pub marks: Vec<Signature>,
    /// Where the error parts live.
    #[serde(default)]
    pub error: ErrorSpec,
    /// Where the pagination parts live.
    #[serde(default)]
    pub pagination: PaginationSpec,
    /// The documented rate-limit policy.
    #[serde(default)]
    pub rate_limit: RateLimitSpec,
    /// The documented auth scheme.
    #[serde(default)]
    pub auth: Option<AuthSpec>,
    /// Documented constraints on query parameters, checked as findings.
    #[serde(default)]
    pub query_rules: Vec<QueryRule>,
    /// Troubleshooting steps by HTTP status (`"401"`) or class (`"4xx"`).
    #[serde(default)]
    pub status: BTreeMap<String, StepGroup>,
    /// The documented error codes.
    #[serde(default)]
    pub codes: Vec<CodeEntry>,
    /// Loaded from the user's profiles directory (written by hand or by
    /// `import --profile`): the user's choice, which wins by host over a
    /// built-in profile.
    #[serde(skip)]
    pub from_user: bool,
}

fn default_priority() -> i32 {
    100
}

/// A way to recognise the format.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Every one must hold.
    #[serde(default)]
    pub all: Vec<Condition>,
    /// At least one must hold, when non-empty.
    #[serde(default)]
    pub any: Vec<Condition>,
    /// None may hold.
    #[serde(default)]
    pub none: Vec<Condition>,
    /// For a mark: what it saw, in a few words ("a requestId of the
    /// documented form req_…").
    #[serde(default)]
    pub why: Option<String>,
}

/// One test on a response.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Condition {
    /// A JSON pointer (optionally `#type`) reaches a non-null value (whose
    /// text matches `matches`, when given).
    Pointer {
        /// The pointer, e.g. `/error/code#string`.
        pointer: String,
        /// A regular expression the value's text must match.
        #[serde(default)]
        matches: Option<Pattern>,
    },
    /// The member a pointer names exists, even when it is `null`
    /// (a documented `"details": null`).
    Key {
        /// The pointer to the member.
        key: String,
    },
    /// The HTTP status is one of these.
    Status {
        /// The statuses.
        status: Vec<u16>,
    },
    /// Every value a wildcard pointer reaches exists and has the pointer's
    /// `#type` (and there is at least one): `/errors/*#string`.
    Every {
        /// The pointer.
        every: String,
    },
    /// The request carried this header (aptly's `x-token`).
    RequestHeader {
        /// Header name, case-insensitive.
        request_header: String,
    },
    /// The message says what the code table says of the code: the same
    /// words as the documented description.
    KnownMessage {
        /// Must be `true`.
        known_message: bool,
    },
    /// The extracted code is in this profile's code table.
    KnownCode {
        /// Must be `true`.
        known_code: bool,
    },
    /// A response header is present (and contains a substring, or
    /// matches a regular expression).
    Header {
        /// Header name, case-insensitive.
        header: String,
        /// Substring of the value, case-insensitive.
        #[serde(default)]
        contains: Option<String>,
        /// A regular expression the whole value must match.
        #[serde(default)]
        matches: Option<Pattern>,
    },
    /// The body is an object with no keys but these.
    OnlyKeys {
        /// The allowed top-level keys.
        only_keys: Vec<String>,
    },
    /// The body is XML with this root element (AWS-style errors).
    XmlRoot {
        /// The element name.
        xml_root: String,
    },
}

/// A regular expression in a profile, compiled when the profile loads (a
/// bad one is an error naming the line, like any other bad value).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Pattern(regex::Regex);

impl Pattern {
    /// Whether the text matches.
    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text)
    }
}

impl TryFrom<String> for Pattern {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        regex::RegexBuilder::new(&s)
            .size_limit(1 << 20)
            .build()
            .map(Pattern)
            .map_err(|e| format!("bad regular expression {s:?}: {e}"))
    }
}

/// Where an error's parts live. Each field is a list of pointers tried in
/// order; `@status` stands for the HTTP status.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorSpec {
    /// The machine-readable code.
    #[serde(default)]
    pub code: Vec<String>,
    /// The main human-readable message.
    #[serde(default)]
    pub message: Vec<String>,
    /// Every human-readable message (wildcards allowed).
    #[serde(default)]
    pub messages: Vec<String>,
    /// The request id in the body.
    #[serde(default)]
    pub request_id: Vec<String>,
    /// The HTTP status repeated in the body (used when the status line is
    /// unknown).
    #[serde(default)]
    pub status: Vec<String>,
    /// Field-level errors.
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
    /// Codes that mean success (coded: `"0"`).
    #[serde(default)]
    pub success_codes: Vec<String>,
    /// Code values that mean "no code" (problem details' `about:blank`).
    #[serde(default)]
    pub ignore_codes: Vec<String>,
    /// When this holds, a body is an error even with a 2xx status (GraphQL
    /// `errors` in a 200). Without it, a 2xx is an error when a code is read
    /// from the body and is not a success code.
    #[serde(default)]
    pub present: Option<Signature>,
}

/// Where field errors live.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum FieldSpec {
    /// An object mapping field name to message (or to a list of messages).
    Object {
        /// Pointer to the object.
        object: String,
    },
    /// An array of error objects, each naming a field and a message.
    Each {
        /// Pointer to the array.
        each: String,
        /// Pointers (relative to the element) to the field name; a JSON
        /// pointer value such as `/data/attributes/name` or `#/age` is cut
        /// to its last segment; an array path is joined with dots.
        name: Vec<String>,
        /// Pointers (relative to the element) to the message.
        message: Vec<String>,
    },
}

/// Where pagination lives.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaginationSpec {
    /// Current page number.
    #[serde(default)]
    pub page: Vec<String>,
    /// Page size.
    #[serde(default)]
    pub page_size: Vec<String>,
    /// Total item count.
    #[serde(default)]
    pub total_items: Vec<String>,
    /// Page count.
    #[serde(default)]
    pub page_count: Vec<String>,
    /// Whether more pages follow.
    #[serde(default)]
    pub has_more: Vec<String>,
    /// The next page's URL, path or cursor.
    #[serde(default)]
    pub next: Vec<String>,
    /// Query parameter that carries a cursor from `next` (when `next` is
    /// not a URL).
    #[serde(default)]
    pub cursor_param: Option<String>,
    /// The items of this page; `#array` alone means the body itself.
    #[serde(default)]
    pub items: Vec<String>,
    /// Query parameter for the page number.
    #[serde(default)]
    pub page_param: Option<String>,
    /// Query parameter for the page size.
    #[serde(default)]
    pub size_param: Option<String>,
    /// Query parameter for the page size when called `limit`.
    #[serde(default)]
    pub limit_param: Option<String>,
    /// The number of the first page.
    #[serde(default)]
    pub first_page: Option<i64>,
    /// Header saying whether more results follow.
    #[serde(default)]
    pub has_more_header: Option<String>,
    /// Header giving the page size applied.
    #[serde(default)]
    pub limit_header: Option<String>,
}

/// The documented rate-limit policy.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSpec {
    /// The window length in seconds, when documented.
    #[serde(default)]
    pub window_s: Option<u64>,
    /// How `X-RateLimit-Reset` is meant: `unix`, `delta` or `auto`.
    #[serde(default)]
    pub reset: Option<String>,
    /// The header names the vendor documents (informational).
    #[serde(default)]
    pub headers: Vec<String>,
    /// The documented budgets.
    #[serde(default)]
    pub policies: Vec<Policy>,
}

/// One documented budget, e.g. 300 requests / 300 s per token.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// A name (`authenticated`).
    pub name: String,
    /// What the budget is counted per: `token` or `ip`.
    #[serde(default)]
    pub key: Option<String>,
    /// Requests per window.
    pub limit: u64,
    /// Window length in seconds.
    pub window_s: u64,
}

/// The documented auth scheme.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSpec {
    /// The header carrying the credential.
    pub header: String,
    /// The scheme word before the token (`Bearer`), if any.
    #[serde(default)]
    pub scheme: Option<String>,
    /// The documented token prefix (`imb_pat_`), if any.
    #[serde(default)]
    pub token_prefix: Option<String>,
    /// Where the user finds the credential in the vendor's UI.
    #[serde(default)]
    pub where_to_find: Option<String>,
    /// The credential is per resource (aptly: one key per `board`).
    #[serde(default)]
    pub per_resource: Option<String>,
    /// A note on the scheme.
    #[serde(default)]
    pub note: Option<String>,
}

/// A documented constraint on a query parameter.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryRule {
    /// Parameter name.
    pub name: String,
    /// Must be an integer.
    #[serde(default)]
    pub integer: bool,
    /// Smallest allowed value.
    #[serde(default)]
    pub min: Option<i64>,
    /// Largest allowed value.
    #[serde(default)]
    pub max: Option<i64>,
    /// Allowed values.
    #[serde(default)]
    pub allowed: Vec<String>,
    /// The vendor's wording of the rule.
    #[serde(default)]
    pub message: Option<String>,
}

/// Troubleshooting steps for a status or status class.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepGroup {
    /// Steps, most specific first.
    #[serde(default)]
    pub steps: Vec<String>,
    /// The meaningful words of each step, for merging, worked out once.
    #[serde(skip)]
    words: std::sync::OnceLock<Vec<Vec<u64>>>,
}

impl StepGroup {
    /// The words of each step (see `troubleshoot`), computed once.
    pub fn step_words(&self) -> &[Vec<u64>] {
        self.words.get_or_init(|| {
            self.steps
                .iter()
                .map(|s| super::troubleshoot::words(s))
                .collect()
        })
    }
}

/// One documented error code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeEntry {
    /// The code as text (`RATE_LIMITED`, `"5000"`, `"401"`).
    pub code: String,
    /// The HTTP status the vendor pairs it with.
    #[serde(default)]
    pub status: Option<u16>,
    /// The vendor's description.
    #[serde(default)]
    pub description: String,
    /// Steps specific to this code, most specific first.
    #[serde(default)]
    pub steps: Vec<String>,
    /// A code a standard defines (OAuth 2.0's `invalid_grant`, …): the
    /// generic profile's entry applies whichever API answered it.
    #[serde(default)]
    pub standard: bool,
    /// The meaningful words of each step, for merging, worked out once.
    #[serde(skip)]
    words: std::sync::OnceLock<Vec<Vec<u64>>>,
}

impl CodeEntry {
    /// The words of each step (see `troubleshoot`), computed once.
    pub fn step_words(&self) -> &[Vec<u64>] {
        self.words.get_or_init(|| {
            self.steps
                .iter()
                .map(|s| super::troubleshoot::words(s))
                .collect()
        })
    }
}

impl Profile {
    /// This (generic) profile reading bodies shaped like `like`: the
    /// places `like` puts the code, message, request id, field errors and
    /// page fields are read after this profile's own, while the facts stay
    /// this profile's (steps, codes, limits, auth). For a body with a
    /// vendor's shape but no evidence of the vendor.
    pub fn reading_like(&self, like: &Profile) -> Profile {
        fn join(mine: &[String], theirs: &[String]) -> Vec<String> {
            let mut out = mine.to_vec();
            out.extend(theirs.iter().filter(|p| !mine.contains(p)).cloned());
            out
        }
        let (e, l) = (&self.error, &like.error);
        let mut fields = l.fields.clone();
        fields.extend(e.fields.iter().cloned());
        // A vendor that documents its errors by HTTP status has no code in
        // the body: the status is its fact, not the shape's.
        let their_codes: Vec<String> = l.code.iter().filter(|c| *c != "@status").cloned().collect();
        let error = ErrorSpec {
            code: join(&e.code, &their_codes),
            message: join(&e.message, &l.message),
            messages: join(&e.messages, &l.messages),
            request_id: join(&e.request_id, &l.request_id),
            status: join(&e.status, &l.status),
            fields,
            success_codes: join(&e.success_codes, &l.success_codes),
            ignore_codes: join(&e.ignore_codes, &l.ignore_codes),
            // The body has `like`'s shape: `like` knows when it is an error.
            present: l.present.clone().or_else(|| e.present.clone()),
        };
        let (p, q) = (&self.pagination, &like.pagination);
        let pagination = PaginationSpec {
            page: join(&p.page, &q.page),
            page_size: join(&p.page_size, &q.page_size),
            total_items: join(&p.total_items, &q.total_items),
            page_count: join(&p.page_count, &q.page_count),
            has_more: join(&p.has_more, &q.has_more),
            next: join(&p.next, &q.next),
            cursor_param: q.cursor_param.clone().or_else(|| p.cursor_param.clone()),
            items: join(&q.items, &p.items),
            page_param: q.page_param.clone().or_else(|| p.page_param.clone()),
            size_param: q.size_param.clone().or_else(|| p.size_param.clone()),
            limit_param: q.limit_param.clone().or_else(|| p.limit_param.clone()),
            first_page: q.first_page.or(p.first_page),
            has_more_header: q
                .has_more_header
                .clone()
                .or_else(|| p.has_more_header.clone()),
            limit_header: q.limit_header.clone().or_else(|| p.limit_header.clone()),
        };
        Profile {
            error,
            pagination,
            ..self.clone()
        }
    }

    /// The code table entry for a code, if documented.
    pub fn code(&self, code: &str) -> Option<&CodeEntry> {
        self.codes.iter().find(|c| c.code == code)
    }

    /// [`Profile::code`], else a standard code of `generic` (OAuth 2.0's
    /// `invalid_grant` from any API).
    pub fn code_or_standard<'a>(
        &'a self,
        generic: &'a Profile,
        code: &str,
    ) -> Option<&'a CodeEntry> {
        self.code(code)
            .or_else(|| generic.code(code).filter(|c| c.standard))
    }

    /// Steps for an HTTP status: the exact status first, else its class.
    pub fn status_steps(&self, status: u16) -> &[String] {
        self.status_group(status)
            .map_or(&[], |g| g.steps.as_slice())
    }

    /// The step group for an HTTP status: the exact status, else its class.
    pub fn status_group(&self, status: u16) -> Option<&StepGroup> {
        self.status
            .get(&status.to_string())
            .or_else(|| self.status.get(&format!("{}xx", status / 100)))
    }

    /// Whether a host name selects this profile: the name itself, or a
    /// subdomain of it, compared without regard to case.
    pub fn matches_host(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| {
            host.eq_ignore_ascii_case(h)
                || (host.len() > h.len()
                    && host.as_bytes()[host.len() - h.len() - 1] == b'.'
                    && host[host.len() - h.len()..].eq_ignore_ascii_case(h))
        })
    }
}

/// A problem with a profile file.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid profile.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// toml's message, naming the line and the key.
        message: String,
    },
}

/// The set of profiles in effect.
#[derive(Debug, Clone)]
pub struct Profiles {
    list: Vec<Profile>,
}

impl Profiles {
    /// The compiled-in profiles only.
    pub fn built_in() -> Profiles {
        let list = BUILT_IN
            .iter()
            .map(|(name, text)| match toml::from_str::<Profile>(text) {
                Ok(p) => p,
                // The built-ins are tested; a broken one is a build defect.
                Err(e) => panic!("built-in profile {name} is invalid: {e}"),
            })
            .collect();
        let mut p = Profiles { list };
        p.sort();
        p
    }

    /// The built-ins plus every `*.toml` in `dir` (a profile with a built-in
    /// id replaces it). A missing directory is not an error; a bad file is
    /// skipped and reported, so one typo does not stop a support engineer.
    pub fn with_dir(dir: &Path) -> (Profiles, Vec<ProfileError>) {
        let mut profiles = Profiles::built_in();
        let mut problems = Vec::new();
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (profiles, problems),
            Err(source) => {
                problems.push(ProfileError::Io {
                    path: dir.to_owned(),
                    source,
                });
                return (profiles, problems);
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let loaded = std::fs::read_to_string(&path)
                .map_err(|source| ProfileError::Io {
                    path: path.clone(),
                    source,
                })
                .and_then(|text| {
                    parse_profile(&text).map_err(|message| ProfileError::Invalid {
                        path: path.clone(),
                        message,
                    })
                });
            match loaded {
                Ok(mut profile) => {
                    profile.from_user = true;
                    profiles.add(profile);
                }
                Err(e) => problems.push(e),
            }
        }
        (profiles, problems)
    }

    /// Adds a profile, replacing one with the same id.
    pub fn add(&mut self, profile: Profile) {
        self.list.retain(|p| p.id != profile.id);
        self.list.push(profile);
        self.sort();
    }

    fn sort(&mut self) {
        // Stable: equal priorities keep their order, generic stays last.
        self.list.sort_by_key(|p| (p.id == GENERIC, p.priority));
    }

    /// Profiles in detection order.
    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.list.iter()
    }

    /// A profile by id.
    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.list.iter().find(|p| p.id == id)
    }

    /// The fallback profile.
    pub fn generic(&self) -> &Profile {
        self.get(GENERIC)
            .or_else(|| self.list.last())
            .expect("the built-in generic profile is always present")
    }

    /// Every profile id, in detection order.
    pub fn ids(&self) -> Vec<&str> {
        self.list.iter().map(|p| p.id.as_str()).collect()
    }
}

/// Parses one profile file's text; the error names the line and key.
pub fn parse_profile(text: &str) -> Result<Profile, String> {
    toml::from_str::<Profile>(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
        let msg = e.message().trim().to_owned();
        match line {
            Some(l) => format!("line {l}: {msg}"),
            None => msg,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_ins_load_and_generic_is_last() {
        let p = Profiles::built_in();
        assert_eq!(p.ids().last(), Some(&GENERIC));
        for id in ["envelope", "aptly", "coded", "ittybit", "errors-array"] {
            assert!(p.get(id).is_some(), "{id} missing");
        }
    }

    #[test]
    fn a_bad_profile_names_the_line() {
        let err = parse_profile("id = \"x\"\nname = \"y\"\npriority = \"high\"\n").unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
    }
}
