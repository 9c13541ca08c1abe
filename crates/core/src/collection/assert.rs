//! Assertions in the syntax `.http` users already write: httpyac's `??`
//! lines (`?? status == 200`, `?? header content-type includes json`,
//! `?? duration < 500`, `?? body a.b[0] == x`), and — what no peer has —
//! assertions on the diagnosis, over the keys of `--format json`
//! (`?? error.code == RATE_LIMITED`, `?? error.fields includes email`,
//! `?? ratelimit.remaining >= 10`, `?? pagination.next exists`,
//! `?? dialect == problem`).
//!
//! httpyac evaluates `body …` as JavaScript; here `body` takes the
//! property-path subset (`a.b[0].c`) without a script engine, and a
//! JSONPath (`body $.items[*].id`) as apiscope's own extension. `?? js
//! EXPR [predicate value]` is JavaScript, run by the collection's script
//! engine (trusted collections only) when the response arrives: see
//! [`crate::collection::run`]. Without a predicate it must be truthy.

use crate::decode::Diagnosis;
use crate::model::Exchange;
use serde_json::Value;

/// One `??` line, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    /// 1-based line in its file.
    pub line: usize,
    /// The line as written, after `??`.
    pub text: String,
    /// What is tested.
    pub subject: Subject,
    /// How.
    pub predicate: Predicate,
    /// The expected value, as written (quotes kept), when the predicate
    /// takes one.
    pub expected: Option<String>,
}

/// What an assertion reads from the exchange.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// The HTTP status.
    Status,
    /// The time the exchange took, in milliseconds.
    Duration,
    /// A response header (case-insensitive name).
    Header(String),
    /// The body: whole (`None`), a property path, or a JSONPath.
    Body(Option<String>),
    /// A key of the diagnosis JSON (`error.code`, `rate_limit.remaining`).
    Diagnosis(String),
    /// `js EXPR`: a JavaScript expression over `response` (the script
    /// engine evaluates it; [`Assertion::check_value`] judges its value).
    Js(String),
}

/// httpyac's predicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Predicate {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `startsWith`
    StartsWith,
    /// `endsWith`
    EndsWith,
    /// `includes` / `contains`
    Includes,
    /// `exists`
    Exists,
    /// `isFalse`
    IsFalse,
    /// `isTrue`
    IsTrue,
    /// `isNumber`
    IsNumber,
    /// `isString`
    IsString,
    /// `isBoolean`
    IsBoolean,
    /// `isArray`
    IsArray,
    /// `matches` (a regular expression)
    Matches,
    /// `sha256` (hex or base64 digest)
    Sha256,
    /// `sha512`
    Sha512,
    /// `md5`
    Md5,
}

impl Predicate {
    fn parse(word: &str) -> Option<Predicate> {
        Some(match word {
            "==" => Predicate::Eq,
            "!=" => Predicate::Ne,
            ">" => Predicate::Gt,
            ">=" => Predicate::Ge,
            "<" => Predicate::Lt,
            "<=" => Predicate::Le,
            "startsWith" => Predicate::StartsWith,
            "endsWith" => Predicate::EndsWith,
            "includes" | "contains" => Predicate::Includes,
            "exists" => Predicate::Exists,
            "isFalse" => Predicate::IsFalse,
            "isTrue" => Predicate::IsTrue,
            "isNumber" => Predicate::IsNumber,
            "isString" => Predicate::IsString,
            "isBoolean" => Predicate::IsBoolean,
            "isArray" => Predicate::IsArray,
            "matches" => Predicate::Matches,
            "sha256" => Predicate::Sha256,
            "sha512" => Predicate::Sha512,
            "md5" => Predicate::Md5,
            _ => return None,
        })
    }

    /// Whether the predicate compares with an expected value.
    fn takes_value(self) -> bool {
        !matches!(
            self,
            Predicate::Exists
                | Predicate::IsFalse
                | Predicate::IsTrue
                | Predicate::IsNumber
                | Predicate::IsString
                | Predicate::IsBoolean
                | Predicate::IsArray
        )
    }
}

/// The forms an assertion takes, for an error message.
pub const FORMS: &str = "?? status|duration|header NAME|body [PATH]|error.code|… PREDICATE [VALUE] (PREDICATE: == != > >= < <= startsWith endsWith includes contains exists isTrue isFalse isNumber isString isBoolean isArray matches sha256 sha512 md5)";

/// Keys of the diagnosis an assertion may read (their first segment).
const DIAGNOSIS_ROOTS: &[&str] = &[
    "error",
    "rate_limit",
    "ratelimit",
    "pagination",
    "dialect",
    "evidence",
    "url",
    "troubleshooting",
    "findings",
];

/// Parses the text after `??`. The error says what is wrong and the
/// expected form: `(column, message)`.
pub fn parse(line: usize, text: &str) -> Result<Assertion, (usize, String)> {
    let text = text.trim();
    let words: Vec<(usize, &str)> = word_spans(text);
    let Some(&(_, first)) = words.first() else {
        return Err((1, format!("an empty assertion; write {FORMS}")));
    };
    let (subject, rest_from) = match first {
        "status" => (Subject::Status, 1),
        "duration" => (Subject::Duration, 1),
        "header" => match words.get(1) {
            Some(&(_, name)) if Predicate::parse(name).is_none() => {
                (Subject::Header(name.to_ascii_lowercase()), 2)
            }
            _ => {
                return Err((
                    first.len() + 2,
                    "`header` needs a header name: ?? header content-type includes json".into(),
                ));
            }
        },
        "body" => match words.get(1) {
            Some(&(_, p)) if Predicate::parse(p).is_none() => {
                (Subject::Body(Some(p.to_owned())), 2)
            }
            _ => (Subject::Body(None), 1),
        },
        "js" => {
            // The expression runs to the first predicate word (or to the
            // end: then it must be truthy).
            let at = words
                .iter()
                .skip(1)
                .position(|(_, w)| Predicate::parse(w).is_some())
                .map(|k| k + 1);
            let end = at.map_or(text.len(), |k| words[k].0);
            let expr = words.get(1).map_or("", |&(c, _)| text[c..end].trim());
            if expr.is_empty() {
                return Err((
                    3,
                    "`?? js` needs an expression: ?? js response.body.id == 7".into(),
                ));
            }
            match at {
                Some(k) => (Subject::Js(expr.to_owned()), k),
                None => {
                    return Ok(Assertion {
                        line,
                        text: text.to_owned(),
                        subject: Subject::Js(expr.to_owned()),
                        predicate: Predicate::IsTrue,
                        expected: None,
                    });
                }
            }
        }
        key if DIAGNOSIS_ROOTS.contains(&key.split('.').next().unwrap_or("")) => {
            (Subject::Diagnosis(key.to_owned()), 1)
        }
        other => {
            return Err((
                1,
                format!("'{other}' is nothing an assertion can read; write {FORMS}"),
            ));
        }
    };
    let Some(&(col, word)) = words.get(rest_from) else {
        return Err((
            text.len() + 1,
            format!("a predicate is missing; write {FORMS}"),
        ));
    };
    let Some(predicate) = Predicate::parse(word) else {
        return Err((
            col + 1,
            format!("'{word}' is not a predicate; write {FORMS}"),
        ));
    };
    let expected = text[col + word.len()..].trim();
    let expected = (!expected.is_empty()).then(|| expected.to_owned());
    match (predicate.takes_value(), &expected) {
        (true, None) => {
            return Err((
                text.len() + 1,
                format!("'{word}' needs a value to compare with"),
            ));
        }
        (false, Some(_)) => {
            return Err((col + word.len() + 2, format!("'{word}' takes no value")));
        }
        _ => {}
    }
    if predicate == Predicate::Matches
        && let Some(e) = &expected
        && let Err(err) = regex::Regex::new(unquote(e))
    {
        return Err((
            col + word.len() + 2,
            format!(
                "not a regular expression: {}",
                err.to_string().lines().last().unwrap_or("")
            ),
        ));
    }
    if let Subject::Body(Some(p)) = &subject
        && p.starts_with('$')
        && let Err(e) = serde_json_path::JsonPath::parse(p)
    {
        return Err((words[1].0 + 1, format!("not a JSONPath: {e}")));
    }
    Ok(Assertion {
        line,
        text: text.to_owned(),
        subject,
        predicate,
        expected,
    })
}

/// Whether a recorded URL is one a request's URL template can make:
/// `{{…}}` matches anything, the query is left out of both (a recording
/// carries its own), the rest is literal (`--recorded`).
pub fn url_matches(template: &str, url: &str) -> bool {
    let strip = |u: &str| {
        u.split(['?', '#'])
            .next()
            .unwrap_or(u)
            .trim_end_matches('/')
            .to_owned()
    };
    let mut re = String::from("^");
    for p in crate::template::pieces(&strip(template)) {
        match p {
            crate::template::Piece::Text(t) => re.push_str(&regex::escape(t)),
            crate::template::Piece::Var(_) => re.push_str(".*?"),
            crate::template::Piece::Unclosed { rest, .. } => re.push_str(&regex::escape(rest)),
        }
    }
    re.push('$');
    regex::Regex::new(&re).is_ok_and(|r| r.is_match(&strip(url)))
}

/// Words of `text` with their byte offsets.
fn word_spans(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// `"x"` / `'x'` → `x`.
fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// What an assertion found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Whether it held.
    pub passed: bool,
    /// What came (`status 404`, `"application/xml"`, `(absent)`).
    pub actual: String,
}

/// What an assertion is evaluated against: the exchange, its diagnosis
/// (as `--format json` gives it) and the time it took.
pub struct Subjects<'a> {
    /// The exchange (secrets redacted by value).
    pub exchange: &'a Exchange,
    /// Its diagnosis.
    pub diagnosis: &'a Diagnosis,
    /// Milliseconds from sending to the whole response.
    pub duration_ms: Option<f64>,
}

impl Assertion {
    /// Evaluates the assertion.
    pub fn check(&self, s: &Subjects<'_>) -> Outcome {
        let value = self.value(s);
        let passed = self.holds(&value, &s.exchange.response.body);
        Outcome {
            passed,
            actual: match &value {
                None => "(absent)".into(),
                Some(v) => shown(v),
            },
        }
    }

    fn value(&self, s: &Subjects<'_>) -> Option<Value> {
        match &self.subject {
            Subject::Status => s.exchange.response.status.map(Value::from),
            Subject::Duration => s.duration_ms.map(|d| Value::from(d.round() as i64)),
            Subject::Header(name) => {
                let all: Vec<&str> = s
                    .exchange
                    .response
                    .headers
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v)
                    .collect();
                (!all.is_empty()).then(|| Value::String(all.join(", ")))
            }
            Subject::Body(None) => Some(Value::String(
                String::from_utf8_lossy(&s.exchange.response.body).into_owned(),
            )),
            Subject::Body(Some(path)) => {
                let json: Value = serde_json::from_slice(&s.exchange.response.body).ok()?;
                if path.starts_with('$') {
                    let p = serde_json_path::JsonPath::parse(path).ok()?;
                    let found: Vec<Value> = p.query(&json).all().into_iter().cloned().collect();
                    match found.len() {
                        0 => None,
                        1 => found.into_iter().next(),
                        _ => Some(Value::Array(found)),
                    }
                } else {
                    property(&json, path).cloned()
                }
            }
            Subject::Diagnosis(key) => {
                let json = serde_json::to_value(s.diagnosis).ok()?;
                let key = key
                    .strip_prefix("ratelimit")
                    .map_or_else(|| key.clone(), |rest| format!("rate_limit{rest}"));
                property(&json, &key).filter(|v| !v.is_null()).cloned()
            }
            // (Evaluated by the script engine, not here.)
            Subject::Js(_) => None,
        }
    }

    /// Judges a value found elsewhere (a `?? js` expression's, as the
    /// script engine returned it; `None`: undefined).
    pub fn check_value(&self, value: Option<Value>) -> Outcome {
        let passed = match self.predicate {
            Predicate::IsTrue if matches!(self.subject, Subject::Js(_)) => {
                value.as_ref().is_some_and(|v| {
                    !matches!(v, Value::Null | Value::Bool(false))
                        && v != &Value::from(0)
                        && v != &Value::from("")
                })
            }
            _ => self.holds(&value, &[]),
        };
        Outcome {
            passed,
            actual: match &value {
                None => "undefined".into(),
                Some(v) => shown(v),
            },
        }
    }

    fn holds(&self, value: &Option<Value>, body: &[u8]) -> bool {
        let expected = self.expected.as_deref().map_or("", unquote);
        let Some(v) = value else {
            return false;
        };
        let text = scalar(v);
        match self.predicate {
            Predicate::Exists => !v.is_null(),
            Predicate::IsTrue => v == &Value::Bool(true) || text == "true",
            Predicate::IsFalse => v == &Value::Bool(false) || text == "false",
            Predicate::IsNumber => v.is_number() || (v.is_string() && text.parse::<f64>().is_ok()),
            Predicate::IsString => v.is_string(),
            Predicate::IsBoolean => v.is_boolean(),
            Predicate::IsArray => v.is_array(),
            Predicate::Eq => equal(v, expected),
            Predicate::Ne => !equal(v, expected),
            Predicate::Gt | Predicate::Ge | Predicate::Lt | Predicate::Le => {
                match (text.parse::<f64>(), expected.parse::<f64>()) {
                    (Ok(a), Ok(b)) => match self.predicate {
                        Predicate::Gt => a > b,
                        Predicate::Ge => a >= b,
                        Predicate::Lt => a < b,
                        _ => a <= b,
                    },
                    _ => false,
                }
            }
            Predicate::StartsWith => text.starts_with(expected),
            Predicate::EndsWith => text.ends_with(expected),
            Predicate::Includes => match v {
                Value::Array(items) => items.iter().any(|i| equal(i, expected)),
                Value::Object(m) => m.contains_key(expected),
                _ => text.contains(expected),
            },
            Predicate::Matches => regex::Regex::new(expected).is_ok_and(|re| re.is_match(&text)),
            Predicate::Sha256 | Predicate::Sha512 | Predicate::Md5 => {
                // The whole body hashes its bytes as they came.
                let bytes: Vec<u8> = match &self.subject {
                    Subject::Body(None) => body.to_vec(),
                    _ => text.clone().into_bytes(),
                };
                digest_matches(self.predicate, &bytes, expected)
            }
        }
    }
}

/// `a.b[0].c` in a JSON value.
fn property<'v>(json: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = json;
    for part in path.split('.') {
        if part.is_empty() {
            return None;
        }
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            cur = cur.get(name)?;
        }
        while let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let index = &r[..end];
            cur = match index.parse::<usize>() {
                Ok(i) => cur.get(i)?,
                Err(_) => cur.get(unquote(index))?,
            };
            rest = &r[end + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(cur)
}

/// A value as text for comparing: strings without their quotes.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// A value as shown in a failure: strings quoted, long ones cut.
fn shown(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 200 {
        let cut: String = s.chars().take(200).collect();
        format!("{cut}… ({} bytes)", s.len())
    } else {
        s
    }
}

/// `==`: numbers as numbers, else the text (a JSON value's text compared
/// with the expected text as written).
fn equal(v: &Value, expected: &str) -> bool {
    let text = scalar(v);
    match (text.parse::<f64>(), expected.parse::<f64>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => text == expected || serde_json::from_str::<Value>(expected).is_ok_and(|e| &e == v),
    }
}

fn digest_matches(p: Predicate, bytes: &[u8], expected: &str) -> bool {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest: Vec<u8> = match p {
        Predicate::Sha256 => sha2::Sha256::digest(bytes).to_vec(),
        Predicate::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
        _ => md5::Md5::digest(bytes).to_vec(),
    };
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&digest);
    expected.eq_ignore_ascii_case(&hex) || expected == b64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Headers, Response};

    fn exchange(status: u16, headers: &[(&str, &str)], body: &str) -> Exchange {
        let mut h = Headers::new();
        for (k, v) in headers {
            h.push(*k, *v);
        }
        Exchange {
            response: Response {
                status: Some(status),
                headers: h,
                body: body.as_bytes().to_vec().into(),
                ..Response::default()
            },
            ..Exchange::default()
        }
    }

    fn holds(line: &str, e: &Exchange) -> bool {
        let d = crate::decode::diagnose(
            e,
            &crate::decode::Profiles::built_in(),
            &crate::decode::Options::default(),
        );
        let a = parse(1, line).unwrap_or_else(|e| panic!("{line}: {e:?}"));
        a.check(&Subjects {
            exchange: e,
            diagnosis: &d,
            duration_ms: Some(42.0),
        })
        .passed
    }

    #[test]
    fn every_predicate_passes_and_fails() {
        let e = exchange(
            200,
            &[("Content-Type", "application/json; charset=utf-8")],
            r#"{"a":{"b":[{"c":"xyz"}]},"n":5,"ok":true,"no":false,"s":"5","list":[1,2]}"#,
        );
        let cases = [
            ("status == 200", true),
            ("status != 200", false),
            ("status >= 200", true),
            ("status < 300", true),
            ("status > 200", false),
            ("status <= 199", false),
            ("duration < 500", true),
            ("duration > 500", false),
            ("header content-type includes json", true),
            ("header Content-Type startsWith application/json", true),
            ("header content-type endsWith utf-8", true),
            ("header content-type contains xml", false),
            ("header x-missing exists", false),
            ("body a.b[0].c == xyz", true),
            ("body a.b[0].c == \"xyz\"", true),
            ("body a.b[0].c startsWith xy", true),
            ("body a.b[1].c exists", false),
            ("body n == 5", true),
            ("body n isNumber", true),
            ("body s isString", true),
            ("body n isString", false),
            ("body ok isTrue", true),
            ("body no isFalse", true),
            ("body ok isBoolean", true),
            ("body list isArray", true),
            ("body list includes 2", true),
            ("body list includes 3", false),
            ("body a.b[0].c matches ^x.z$", true),
            ("body $.a.b[*].c == xyz", true),
            ("body $.nothing exists", false),
            ("body includes \"ok\":true", true),
        ];
        for (line, want) in cases {
            assert_eq!(holds(line, &e), want, "{line}");
        }
    }

    #[test]
    fn digests_in_hex_or_base64() {
        let e = exchange(200, &[], "hello");
        assert!(holds(
            "body sha256 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
            &e
        ));
        assert!(holds(
            "body sha256 LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
            &e
        ));
        assert!(holds("body md5 5d41402abc4b2a76b9719d911017c592", &e));
        assert!(!holds("body sha512 00", &e));
    }

    #[test]
    fn the_diagnosis_is_asserted_on_its_json_keys() {
        let e = exchange(
            422,
            &[
                ("Content-Type", "application/json"),
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Remaining", "12"),
            ],
            r#"{"error":{"code":"VALIDATION","message":"bad","fields":{"email":"is invalid"}}}"#,
        );
        assert!(holds("error.code == VALIDATION", &e));
        assert!(holds("error.fields includes email", &e));
        assert!(!holds("error.fields includes name", &e));
        assert!(holds("ratelimit.remaining >= 10", &e));
        assert!(holds("rate_limit.limit == 100", &e));
        assert!(!holds("pagination.next exists", &e));
        assert!(holds("dialect == generic", &e));
    }

    #[test]
    fn url_templates_match_recorded_urls() {
        assert!(url_matches(
            "{{host}}/v1/boards/{{id}}",
            "https://a.test/v1/boards/42?x=1"
        ));
        assert!(url_matches(
            "https://a.test/v1/boards?limit={{n}}",
            "https://a.test/v1/boards/"
        ));
        assert!(!url_matches(
            "{{host}}/v1/boards/{{id}}",
            "https://a.test/v1/cards/42"
        ));
        assert!(!url_matches(
            "https://a.test/v1/boards",
            "https://a.test/v1/boards/42"
        ));
    }

    #[test]
    fn bad_assertions_say_where_and_what() {
        assert_eq!(parse(3, "status").unwrap_err().0, 7);
        assert!(
            parse(3, "status is 200")
                .unwrap_err()
                .1
                .contains("not a predicate")
        );
        assert!(
            parse(3, "status ==")
                .unwrap_err()
                .1
                .contains("needs a value")
        );
        assert!(
            parse(3, "status exists 5")
                .unwrap_err()
                .1
                .contains("takes no value")
        );
        // `?? js`: the expression up to the first predicate word.
        let js = parse(3, "js response.body.items.map(i => i.id).length >= 2").unwrap();
        assert_eq!(
            js.subject,
            Subject::Js("response.body.items.map(i => i.id).length".into())
        );
        assert_eq!(js.predicate, Predicate::Ge);
        assert!(js.check_value(Some(Value::from(2))).passed);
        assert!(!js.check_value(Some(Value::from(1))).passed);
        let truthy = parse(3, "js response.status === 200").unwrap();
        assert_eq!(truthy.predicate, Predicate::IsTrue);
        assert!(truthy.check_value(Some(Value::Bool(true))).passed);
        assert!(!truthy.check_value(None).passed);
        assert!(!truthy.check_value(Some(Value::from(0))).passed);
        assert!(
            parse(3, "js")
                .unwrap_err()
                .1
                .contains("needs an expression")
        );
        assert!(
            parse(3, "color == red")
                .unwrap_err()
                .1
                .contains("nothing an assertion")
        );
        assert!(
            parse(3, "body x matches (")
                .unwrap_err()
                .1
                .contains("regular expression")
        );
        assert!(parse(3, "body $[ == 1").unwrap_err().1.contains("JSONPath"));
        assert!(parse(3, "header == x").is_err());
    }
}
