//! The request-item grammar of HTTPie and xh, so muscle memory carries over:
//!
//! | item | meaning |
//! |---|---|
//! | `Name:value` | header (`Name:` alone sends it empty) |
//! | `key==value` | query parameter |
//! | `key=value` | JSON string field |
//! | `key:=json` | raw JSON field (`key:=@file.json` from a file) |
//! | `key=@file` | JSON string field from a file |
//! | `@file` | the whole body from a file |
//! | `key@file` | a file part (`key@file;type=image/png`), with `--form` / `--multipart` |
//! | `--form` | fields go as `application/x-www-form-urlencoded` (multipart when a file part is given) |
//! | `--multipart` | fields go as `multipart/form-data` |
//! | `--bearer=TOKEN` | `Authorization: Bearer TOKEN` |
//! | `--auth=USER:PASSWORD` | `Authorization: Basic …` |
//! | `--raw=TEXT` | the whole body, as given (what [`to_line`] writes for a non-JSON body) |
//!
//! The separator that comes first in the item wins (`a:b=c` is a header
//! `a` with value `b=c`); at the same place the longer one wins.

use crate::model::{Headers, Request};

/// A parsed `[METHOD] URL [ITEM…]` command line.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSpec {
    /// The method (default GET, or POST when there is a body).
    pub method: String,
    /// The URL with query items applied.
    pub url: String,
    /// Headers, in order.
    pub headers: Headers,
    /// The body.
    pub body: Vec<u8>,
}

impl RequestSpec {
    /// The model request.
    pub fn to_request(&self) -> Request {
        Request {
            method: self.method.clone(),
            url: Some(self.url.clone()),
            headers: self.headers.clone(),
            body: self.body.clone().into(),
        }
    }
}

/// Why a request line could not be understood; names the item.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ItemError {
    /// No URL was given.
    #[error("no URL given; usage: [METHOD] URL [ITEM…]")]
    NoUrl,
    /// The URL does not parse.
    #[error("bad URL '{0}': {1}")]
    BadUrl(String, String),
    /// An item is none of the known forms.
    #[error("item '{0}' is not Name:value, key==value, key=value, key:=json, key@file or @file")]
    Unknown(String),
    /// A `:=` value is not JSON.
    #[error("item '{0}': the value after := is not valid JSON ({1})")]
    BadJson(String, String),
    /// A file could not be read.
    #[error("item '{0}': cannot read {1}: {2}")]
    File(String, String, String),
    /// Both fields and a file body.
    #[error("item '{0}': a body from @file cannot be combined with JSON fields")]
    MixedBody(String),
    /// A method and no URL (`DELETE`).
    #[error("'{0}' is a method, and no URL follows it; usage: {0} URL [ITEM…]")]
    MethodOnly(String),
    /// A file part without a form.
    #[error("item '{0}': a file field (key@file) needs --form or --multipart")]
    FileField(String),
    /// A raw JSON field in a form.
    #[error("item '{0}': a raw JSON field (key:=json) cannot go into a form")]
    JsonInForm(String),
    /// A `{{name}}` left in the request: it is never sent as text.
    #[error(
        "{0} is not resolved; nothing was sent (use {{{{env.NAME}}}} for an environment variable)"
    )]
    Unresolved(String),
}

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
];

/// How `key=value` fields become a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum BodyMode {
    /// A JSON object (the default, as in HTTPie and xh).
    #[default]
    Json,
    /// `application/x-www-form-urlencoded`, or multipart when a file part
    /// (`key@file`) is given (`-f` / `--form`).
    Form,
    /// `multipart/form-data` (`--multipart`).
    Multipart,
}

/// One request item, parsed once: the request, the masked line, the
/// next page's line and a `.http` request are all rendered from these.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `Name:value`.
    Header(String, String),
    /// `key==value`.
    Query(String, String),
    /// `key=value`.
    Field(String, String),
    /// `key=@file`: a string field read from a file.
    FieldFile(String, String),
    /// `key:=json`, the JSON as written (a template's `{{n}}` included).
    Json(String, String),
    /// `key:=@file.json`.
    JsonFile(String, String),
    /// `key@file` (`key@file;type=image/png`): a file part of a form.
    Part {
        /// The field name.
        name: String,
        /// The file.
        path: String,
        /// `;type=`.
        content_type: Option<String>,
    },
    /// `@file`: the whole body from a file.
    BodyFile(String),
    /// `--raw=TEXT`: the whole body.
    Raw(String),
    /// `--bearer=TOKEN`: `Authorization: Bearer TOKEN`.
    Bearer(String),
    /// `--auth=USER:PASSWORD`: `Authorization: Basic …`.
    Auth(String),
}

impl Item {
    /// Whether it makes (part of) the body.
    pub fn is_body(&self) -> bool {
        matches!(
            self,
            Item::Field(..)
                | Item::FieldFile(..)
                | Item::Json(..)
                | Item::JsonFile(..)
                | Item::Part { .. }
                | Item::BodyFile(_)
                | Item::Raw(_)
        )
    }

    /// Reads one word (not the method or the URL).
    pub fn parse(word: &str) -> Result<Item, ItemError> {
        Item::read(word, true)
    }

    /// Reads one word whatever its `:=` value is (to mask a line that
    /// would not send).
    pub fn parse_lenient(word: &str) -> Option<Item> {
        Item::read(word, false).ok()
    }

    fn read(word: &str, validate: bool) -> Result<Item, ItemError> {
        if let Some(t) = word.strip_prefix("--bearer=") {
            return Ok(Item::Bearer(t.to_owned()));
        }
        if let Some(t) = word.strip_prefix("--auth=") {
            return Ok(Item::Auth(t.to_owned()));
        }
        if let Some(t) = word.strip_prefix("--raw=") {
            return Ok(Item::Raw(t.to_owned()));
        }
        if let Some(p) = word.strip_prefix('@') {
            return Ok(Item::BodyFile(p.to_owned()));
        }
        Ok(match split(word) {
            Some((k, Sep::Header, v)) => Item::Header(k.to_owned(), v.trim_start().to_owned()),
            Some((k, Sep::Query, v)) => Item::Query(k.to_owned(), v.to_owned()),
            Some((k, Sep::Field, v)) => match v.strip_prefix('@') {
                Some(p) => Item::FieldFile(k.to_owned(), p.to_owned()),
                None => Item::Field(k.to_owned(), v.to_owned()),
            },
            Some((k, Sep::RawJson, v)) => match v.strip_prefix('@') {
                Some(p) => Item::JsonFile(k.to_owned(), p.to_owned()),
                None => {
                    // A template's `{{n}}` is JSON once resolved.
                    if validate
                        && !crate::template::has_placeholder(v)
                        && let Err(e) = serde_json::from_str::<serde_json::Value>(v)
                    {
                        return Err(ItemError::BadJson(word.to_owned(), e.to_string()));
                    }
                    Item::Json(k.to_owned(), v.to_owned())
                }
            },
            Some((k, Sep::File, v)) => {
                let (path, content_type) = match v.rsplit_once(";type=") {
                    Some((p, t)) => (p, Some(t.trim().to_owned())),
                    None => (v, None),
                };
                Item::Part {
                    name: k.to_owned(),
                    path: path.to_owned(),
                    content_type,
                }
            }
            None => return Err(ItemError::Unknown(word.to_owned())),
        })
    }

    /// The item as the word [`Item::parse`] reads back.
    pub fn word(&self) -> String {
        match self {
            Item::Header(k, v) if v.starts_with('=') => format!("{k}: {v}"),
            Item::Header(k, v) => format!("{k}:{v}"),
            Item::Query(k, v) => format!("{k}=={v}"),
            Item::Field(k, v) => format!("{k}={v}"),
            Item::FieldFile(k, p) => format!("{k}=@{p}"),
            Item::Json(k, v) => format!("{k}:={v}"),
            Item::JsonFile(k, p) => format!("{k}:=@{p}"),
            Item::Part {
                name,
                path,
                content_type: Some(t),
            } => format!("{name}@{path};type={t}"),
            Item::Part { name, path, .. } => format!("{name}@{path}"),
            Item::BodyFile(p) => format!("@{p}"),
            Item::Raw(t) => format!("--raw={t}"),
            Item::Bearer(t) => format!("--bearer={t}"),
            Item::Auth(c) => format!("--auth={c}"),
        }
    }

    /// The item with its credentials masked, for the screen (`m`) and the
    /// history: secret headers, `--bearer`, `--auth`, secret fields and
    /// parameters, secrets in a body. Placeholders stay.
    pub fn masked(&self) -> Item {
        use crate::redact;
        let placeholder = |v: &str| crate::template::has_placeholder(v);
        match self {
            Item::Header(k, v) if redact::is_secret_header(k) => {
                Item::Header(k.clone(), redact::credential(v))
            }
            Item::Header(k, v) => Item::Header(k.clone(), redact::text(v).into_owned()),
            Item::Bearer(t) => Item::Bearer(redact::credential(t)),
            Item::Auth(c) if !placeholder(c) => Item::Auth(crate::secrets::MARK.to_owned()),
            Item::Query(k, v) | Item::Field(k, v)
                if redact::is_secret_param(k) && !v.is_empty() && !placeholder(v) =>
            {
                let mark = crate::secrets::MARK.to_owned();
                match self {
                    Item::Query(..) => Item::Query(k.clone(), mark),
                    _ => Item::Field(k.clone(), mark),
                }
            }
            Item::Json(k, v) if redact::is_secret_param(k) && !v.is_empty() && !placeholder(v) => {
                Item::Json(k.clone(), format!("\"{}\"", crate::secrets::MARK))
            }
            // A raw JSON value holding secrets (`auth:='{"password":"x"}'`).
            Item::Json(k, v) => match redact::body(v.as_bytes()) {
                Some(b) => Item::Json(k.clone(), String::from_utf8_lossy(&b).into_owned()),
                None => self.clone(),
            },
            Item::Raw(t) => match redact::body(t.as_bytes()) {
                Some(b) => Item::Raw(String::from_utf8_lossy(&b).into_owned()),
                None => self.clone(),
            },
            Item::Query(k, v) => Item::Query(k.clone(), redact::text(v).into_owned()),
            Item::Field(k, v) => Item::Field(k.clone(), redact::text(v).into_owned()),
            _ => self.clone(),
        }
    }
}

/// A `[METHOD] URL [ITEM…]` line, parsed once: nothing read or resolved
/// yet ([`Items::to_request`] does that).
#[derive(Debug, Clone, PartialEq)]
pub struct Items {
    /// The method, when one is written.
    pub method: Option<String>,
    /// The URL as written (`:3000/x`, `example.com`, `{{host}}/x`).
    pub url: String,
    /// The items, in order.
    pub items: Vec<Item>,
    /// How fields become a body.
    pub mode: BodyMode,
}

/// Whether `w`, first of several words, is a method (`GET`, `delete`, or
/// any other in capitals: `PURGE`, `PROPFIND`).
pub fn is_method(w: &str) -> bool {
    METHODS.contains(&w.to_ascii_uppercase().as_str())
        || (w.len() >= 3 && w.bytes().all(|b| b.is_ascii_uppercase()))
}

impl Items {
    /// Reads `[METHOD] URL [ITEM…]`; `--form` / `-f` / `--multipart`
    /// among the words choose the body mode.
    pub fn parse(args: &[String]) -> Result<Items, ItemError> {
        let mut mode = BodyMode::Json;
        let mut words = Vec::with_capacity(args.len());
        for a in args {
            match a.as_str() {
                "--multipart" => mode = BodyMode::Multipart,
                "--form" | "-f" if mode == BodyMode::Json => mode = BodyMode::Form,
                "--form" | "-f" => {}
                _ => words.push(a),
            }
        }
        let mut it = words.iter().peekable();
        let mut method = None;
        if let Some(first) = it.peek()
            && words.len() > 1
            && is_method(first)
        {
            method = Some(first.to_ascii_uppercase());
            it.next();
        }
        let url = it.next().ok_or(ItemError::NoUrl)?;
        if words.len() == 1 && METHODS.contains(&url.to_ascii_uppercase().as_str()) {
            return Err(ItemError::MethodOnly(url.to_ascii_uppercase()));
        }
        let items = it.map(|w| Item::parse(w)).collect::<Result<Vec<_>, _>>()?;
        Ok(Items {
            method,
            url: (*url).clone(),
            items,
            mode,
        })
    }

    /// The words [`Items::parse`] reads back.
    pub fn words(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.items.len() + 3);
        if let Some(m) = &self.method {
            out.push(m.clone());
        }
        out.push(self.url.clone());
        match self.mode {
            BodyMode::Json => {}
            BodyMode::Form => out.push("--form".into()),
            BodyMode::Multipart => out.push("--multipart".into()),
        }
        out.extend(self.items.iter().map(Item::word));
        out
    }

    /// The line, each word quoted for [`crate::line::shell_words`].
    pub fn line(&self) -> String {
        self.words()
            .iter()
            .map(|w| crate::line::quote(w))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The items with credentials masked ([`Item::masked`]) and tokens in
    /// the URL redacted.
    pub fn masked(&self) -> Items {
        Items {
            method: self.method.clone(),
            url: crate::redact::url(&self.url),
            items: self.items.iter().map(Item::masked).collect(),
            mode: self.mode,
        }
    }

    /// The same request at another URL (the next page): query items are
    /// dropped, the URL carries its own.
    pub fn at(&self, url: &str) -> Items {
        Items {
            method: self.method.clone(),
            url: url.to_owned(),
            items: self
                .items
                .iter()
                .filter(|i| !matches!(i, Item::Query(..)))
                .cloned()
                .collect(),
            mode: self.mode,
        }
    }

    /// The body the items make, as text, before anything is resolved or
    /// read (the body editor): `--raw=` text, or the fields as a pretty
    /// JSON object (a template's `key:={{n}}` kept as written). `None`
    /// without a body; an error for a body read from a file or a form.
    pub fn body_text(&self) -> Result<Option<String>, String> {
        let mut fields = serde_json::Map::new();
        let mut raw: Vec<(String, String)> = Vec::new();
        for i in &self.items {
            match i {
                Item::Raw(t) => return Ok(Some(t.clone())),
                Item::BodyFile(p) => {
                    return Err(format!(
                        "the body is read from the file {p}: edit that file"
                    ));
                }
                Item::FieldFile(..) | Item::JsonFile(..) | Item::Part { .. } => {
                    return Err(format!(
                        "'{}' is read from a file when sent: edit the request line (e)",
                        i.word()
                    ));
                }
                Item::Field(k, v) => {
                    fields.insert(k.clone(), serde_json::Value::String(v.clone()));
                }
                Item::Json(k, v) => match serde_json::from_str(v) {
                    Ok(j) => {
                        fields.insert(k.clone(), j);
                    }
                    Err(_) => raw.push((k.clone(), v.clone())),
                },
                _ => {}
            }
        }
        if fields.is_empty() && raw.is_empty() {
            return Ok(None);
        }
        if self.mode != BodyMode::Json {
            return Err("a form body is edited on the request line (e)".into());
        }
        Ok(Some(json_object_text(fields, &raw)))
    }

    /// The request: the URL completed (`:3000` → localhost), query items
    /// added, files read through `read`, the body built. A `{{name}}` left
    /// anywhere is an error: it never goes over the wire.
    pub fn to_request(
        &self,
        read: &dyn Fn(&std::path::Path) -> std::io::Result<Vec<u8>>,
    ) -> Result<Request, ItemError> {
        if let Some(var) = crate::template::first_variable(&self.url) {
            return Err(ItemError::Unresolved(var));
        }
        for i in &self.items {
            if let Some(var) = crate::template::first_variable(&i.word()) {
                return Err(ItemError::Unresolved(var));
            }
        }
        let read = |item: &Item, path: &str| -> Result<Vec<u8>, ItemError> {
            read(std::path::Path::new(path))
                .map_err(|e| ItemError::File(item.word(), path.to_owned(), e.to_string()))
        };
        let mode = self.mode;
        let mut url = url::Url::parse(&normalise_url(&self.url))
            .map_err(|e| ItemError::BadUrl(self.url.clone(), e.to_string()))?;
        let mut headers = Headers::new();
        let mut fields = serde_json::Map::new();
        let mut form: Vec<crate::multipart::Part> = Vec::new();
        let mut has_file_part = false;
        let mut whole: Option<Vec<u8>> = None;
        let mut query: Vec<(&str, &str)> = Vec::new();
        for item in &self.items {
            let mixed = || ItemError::MixedBody(item.word());
            match item {
                Item::Bearer(token) => {
                    headers.remove("authorization");
                    headers.push("Authorization", format!("Bearer {token}"));
                }
                Item::Auth(creds) => {
                    headers.remove("authorization");
                    headers.push("Authorization", basic(creds));
                }
                Item::Raw(text) => {
                    if !fields.is_empty() || !form.is_empty() || whole.is_some() {
                        return Err(mixed());
                    }
                    whole = Some(text.as_bytes().to_vec());
                }
                Item::BodyFile(path) => {
                    if !fields.is_empty() || !form.is_empty() {
                        return Err(mixed());
                    }
                    whole = Some(read(item, path)?);
                }
                Item::Header(k, v) => headers.push(k.as_str(), v.as_str()),
                Item::Query(k, v) => query.push((k, v)),
                Item::Field(k, _) | Item::FieldFile(k, _) => {
                    let value = match item {
                        Item::FieldFile(_, p) => {
                            String::from_utf8_lossy(&read(item, p)?).into_owned()
                        }
                        Item::Field(_, v) => v.clone(),
                        _ => String::new(),
                    };
                    if mode == BodyMode::Json {
                        fields.insert(k.clone(), serde_json::Value::String(value));
                    } else {
                        form.push(crate::multipart::Part {
                            name: k.clone(),
                            content: value.into_bytes(),
                            filename: None,
                            content_type: None,
                            headers: Vec::new(),
                        });
                    }
                }
                Item::Part {
                    name,
                    path,
                    content_type,
                } => {
                    if mode == BodyMode::Json {
                        return Err(ItemError::FileField(item.word()));
                    }
                    let content = read(item, path)?;
                    let filename = std::path::Path::new(path)
                        .file_name()
                        .map_or_else(|| path.clone(), |f| f.to_string_lossy().into_owned());
                    has_file_part = true;
                    form.push(crate::multipart::Part {
                        name: name.clone(),
                        content,
                        content_type: Some(
                            content_type.clone().unwrap_or_else(|| {
                                crate::multipart::guess_type(&filename).to_owned()
                            }),
                        ),
                        filename: Some(filename),
                        headers: Vec::new(),
                    });
                }
                Item::Json(..) | Item::JsonFile(..) if mode != BodyMode::Json => {
                    return Err(ItemError::JsonInForm(item.word()));
                }
                Item::Json(k, _) | Item::JsonFile(k, _) => {
                    let text = match item {
                        Item::JsonFile(_, p) => {
                            String::from_utf8_lossy(&read(item, p)?).into_owned()
                        }
                        Item::Json(_, v) => v.clone(),
                        _ => String::new(),
                    };
                    let value: serde_json::Value = serde_json::from_str(&text)
                        .map_err(|e| ItemError::BadJson(item.word(), e.to_string()))?;
                    fields.insert(k.clone(), value);
                }
            }
            if whole.is_some() && (!fields.is_empty() || !form.is_empty()) {
                return Err(mixed());
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(&query);
        }
        let multipart = mode == BodyMode::Multipart || has_file_part;
        let body = if multipart && !form.is_empty() {
            let boundary = crate::multipart::boundary(&form);
            headers.remove("content-type");
            headers.push(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            );
            crate::multipart::multipart(&form, &boundary)
        } else if !form.is_empty() {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for f in &form {
                ser.append_pair(&f.name, &String::from_utf8_lossy(&f.content));
            }
            if !headers.contains("content-type") {
                headers.push(
                    "Content-Type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                );
            }
            ser.finish().into_bytes()
        } else if !fields.is_empty() {
            if !headers.contains("content-type") {
                headers.push("Content-Type", "application/json");
            }
            if !headers.contains("accept") {
                headers.push("Accept", "application/json, */*;q=0.5");
            }
            serde_json::to_vec(&serde_json::Value::Object(fields)).unwrap_or_default()
        } else {
            whole.unwrap_or_default()
        };
        let method = self
            .method
            .clone()
            .unwrap_or_else(|| if body.is_empty() { "GET" } else { "POST" }.to_owned());
        Ok(Request {
            method,
            url: Some(url.to_string()),
            headers,
            body: body.into(),
        })
    }
}

/// A JSON object as pretty text, with `raw` members (a template's
/// `"n": {{n}}`, not JSON until resolved) written as they are, last.
pub fn json_object_text(
    fields: serde_json::Map<String, serde_json::Value>,
    raw: &[(String, String)],
) -> String {
    let mut text =
        serde_json::to_string_pretty(&serde_json::Value::Object(fields)).unwrap_or_default();
    for (k, v) in raw {
        let entry = format!("  {}: {v}", serde_json::Value::String(k.clone()));
        text = match text.strip_suffix('}') {
            Some(head) if head.trim_end() == "{" => format!("{{\n{entry}\n}}"),
            Some(head) => format!("{},\n{entry}\n}}", head.trim_end()),
            None => text,
        };
    }
    text
}

/// `Basic base64(user:password)`; `user` alone has an empty password.
pub fn basic(creds: &str) -> String {
    use base64::Engine as _;
    let creds = if creds.contains(':') {
        creds.to_owned()
    } else {
        format!("{creds}:")
    };
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(creds)
    )
}

/// Parses `[METHOD] URL [ITEM…]`.
pub fn parse(args: &[String]) -> Result<RequestSpec, ItemError> {
    parse_with(args, BodyMode::Json)
}

/// Parses `[METHOD] URL [ITEM…]` and builds the request (files read from
/// the disk), with fields going into the body `mode` says (a `--form` or
/// `--multipart` word among the items says it too).
pub fn parse_with(args: &[String], mode: BodyMode) -> Result<RequestSpec, ItemError> {
    let mut items = Items::parse(args)?;
    items.mode = items.mode.max(mode);
    let r = items.to_request(&|p: &std::path::Path| std::fs::read(p))?;
    Ok(RequestSpec {
        method: r.method,
        url: r.url.unwrap_or_default(),
        headers: r.headers,
        body: r.body.to_vec(),
    })
}

/// The request as `[METHOD] URL [ITEM…]` words that [`parse`] reads back:
/// headers as `Name:value`, a JSON object body as `key:=json` fields, any
/// other body as `--raw=TEXT`. HTTP/2 pseudo-headers, `Host` and
/// `Content-Length` are left out (the client sets them).
pub fn to_words(req: &Request) -> Vec<String> {
    let mut words = vec![
        req.method.clone(),
        req.url
            .clone()
            .unwrap_or_else(|| "http://localhost/".into()),
    ];
    for (k, v) in req.headers.iter() {
        if k.starts_with(':')
            || k.eq_ignore_ascii_case("host")
            || k.eq_ignore_ascii_case("content-length")
        {
            continue;
        }
        // `Name:=x` would read back as a JSON field: a space keeps it a header.
        if v.starts_with('=') {
            words.push(format!("{k}: {v}"));
        } else {
            words.push(format!("{k}:{v}"));
        }
    }
    if req.body.is_empty() {
        return words;
    }
    // A JSON object whose keys read back as fields: `key:=json` each.
    let fields = serde_json::from_slice::<serde_json::Value>(&req.body)
        .ok()
        .and_then(|v| match v {
            serde_json::Value::Object(m) if !m.is_empty() => Some(m),
            _ => None,
        })
        .filter(|m| {
            m.keys()
                .all(|k| !k.is_empty() && !k.starts_with('@') && !k.contains([':', '=']))
        });
    match fields {
        Some(m) => words.extend(m.into_iter().map(|(k, v)| match v {
            // A string reads best as `key=value` (but `key=@x` reads a file).
            serde_json::Value::String(text) if !text.starts_with('@') => format!("{k}={text}"),
            v => format!("{k}:={v}"),
        })),
        None => words.push(format!("--raw={}", String::from_utf8_lossy(&req.body))),
    }
    words
}

/// The words of a request line with its body replaced by `body`: the body
/// items (`key=value`, `key:=json`, `@file`, `--raw=`) are dropped and the
/// new body appended as `key:=json` fields (a JSON object) or `--raw=TEXT`,
/// with `Content-Type: application/json` added for a raw JSON body. An empty
/// body removes it.
pub fn replace_body(words: &[String], body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen_url = false;
    for (i, w) in words.iter().enumerate() {
        let is_method = i == 0 && METHODS.contains(&w.to_ascii_uppercase().as_str());
        if is_method || !seen_url {
            if !is_method {
                seen_url = true;
            }
            out.push(w.clone());
            continue;
        }
        let body_item = w.starts_with('@')
            || w.starts_with("--raw=")
            || (!w.starts_with("--")
                && matches!(split(w), Some((_, Sep::Field | Sep::RawJson, _))));
        if !body_item {
            out.push(w.clone());
        }
    }
    let body = body.trim();
    if body.is_empty() {
        return out;
    }
    let req = Request {
        method: "POST".into(),
        url: Some(String::new()),
        headers: Headers::new(),
        body: body.as_bytes().to_vec().into(),
    };
    let mut body_words: Vec<String> = to_words(&req).into_iter().skip(2).collect();
    let raw_json = body_words.first().is_some_and(|w| w.starts_with("--raw="))
        && serde_json::from_str::<serde_json::Value>(body).is_ok();
    let has_ct = out.iter().any(
        |w| matches!(split(w), Some((k, Sep::Header, _)) if k.eq_ignore_ascii_case("content-type")),
    );
    if raw_json && !has_ct {
        out.push("Content-Type:application/json".into());
    }
    out.append(&mut body_words);
    out
}

/// `:3000/x` → `http://localhost:3000/x`; `example.com` → `http://example.com`.
fn normalise_url(u: &str) -> String {
    if u.contains("://") {
        u.to_owned()
    } else if let Some(rest) = u.strip_prefix(':') {
        format!("http://localhost:{rest}")
    } else {
        format!("http://{u}")
    }
}

/// What kind of item a word is, by its first separator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sep {
    /// `Name:value`.
    Header,
    /// `key==value`.
    Query,
    /// `key=value`.
    Field,
    /// `key:=json`.
    RawJson,
    /// `key@file`: a file part of a form.
    File,
}

/// Splits an item at its first separator: (name, kind, value).
pub fn split(item: &str) -> Option<(&str, Sep, &str)> {
    // Character boundaries only: `café=1` must not split inside `é`.
    for (i, _) in item.char_indices().skip(1) {
        let rest = &item[i..];
        let found = if rest.starts_with(":=") {
            Some((Sep::RawJson, 2))
        } else if rest.starts_with("==") {
            Some((Sep::Query, 2))
        } else if rest.starts_with('=') {
            Some((Sep::Field, 1))
        } else if rest.starts_with(':') {
            Some((Sep::Header, 1))
        } else if rest.starts_with('@') {
            Some((Sep::File, 1))
        } else {
            None
        };
        if let Some((sep, len)) = found {
            return Some((&item[..i], sep, &item[i + len..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> RequestSpec {
        parse(
            &args
                .iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>(),
        )
        .unwrap()
    }

    #[test]
    fn form_words_in_the_line_choose_the_body() {
        let r = p(&[":80/x", "--form", "a=1", "b=x y"]);
        assert_eq!(r.body, b"a=1&b=x+y");
        assert_eq!(
            r.headers.get("content-type"),
            Some("application/x-www-form-urlencoded; charset=utf-8")
        );
        let r = p(&[":80/x", "--multipart", "a=1"]);
        let ct = r.headers.get("content-type").unwrap().to_owned();
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--{boundary}--\r\n"
            )
        );
        // `@` inside a value is not a file field: the first separator wins.
        let r = p(&[":80/x", "to=ann@example.com"]);
        assert_eq!(r.body, br#"{"to":"ann@example.com"}"#);
    }

    #[test]
    fn non_ascii_items_and_other_methods() {
        let r = p(&[":80/x", "café=1", "ñame:=2", "X-É:v"]);
        assert_eq!(r.body, r#"{"café":"1","ñame":2}"#.as_bytes());
        assert_eq!(r.headers.get("X-É"), Some("v"));
        let r = p(&["PURGE", "https://cdn.example/x"]);
        assert_eq!(
            (r.method.as_str(), r.url.as_str()),
            ("PURGE", "https://cdn.example/x")
        );
        let w = |s: &[&str]| {
            s.iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            replace_body(
                &w(&["POST", ":80/x", "--bearer=tok", "--auth=u:p", "a=1"]),
                "{\"b\":2}"
            ),
            w(&["POST", ":80/x", "--bearer=tok", "--auth=u:p", "b:=2"])
        );
    }

    #[test]
    fn a_header_value_starting_with_equals_reads_back() {
        let mut headers = Headers::new();
        headers.push("a", "=x");
        let req = Request {
            method: "GET".into(),
            url: Some("https://a.example/".into()),
            headers,
            body: bytes::Bytes::new(),
        };
        let back = parse(&to_words(&req)).unwrap();
        assert_eq!(back.headers.get("a"), Some("=x"));
    }

    #[test]
    fn auth_items() {
        let r = p(&[":80/x", "--bearer=imb_pat_x"]);
        assert_eq!(r.headers.get("authorization"), Some("Bearer imb_pat_x"));
        let r = p(&[":80/x", "--auth=user:pass"]);
        assert_eq!(r.headers.get("authorization"), Some("Basic dXNlcjpwYXNz"));
    }

    #[test]
    fn bodies_are_replaced_in_request_lines() {
        let w = |s: &[&str]| {
            s.iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>()
        };
        let line = w(&[
            "POST", ":80/x", "a==1", "X-A:b", "name=old", "n:=1", "@f.json",
        ]);
        assert_eq!(
            replace_body(&line, "{\"name\": \"new\", \"tags\": [1, 2]}"),
            w(&["POST", ":80/x", "a==1", "X-A:b", "name=new", "tags:=[1,2]"])
        );
        assert_eq!(
            replace_body(&line, "[1, 2]"),
            w(&[
                "POST",
                ":80/x",
                "a==1",
                "X-A:b",
                "Content-Type:application/json",
                "--raw=[1, 2]"
            ])
        );
        assert_eq!(
            replace_body(&line, "  "),
            w(&["POST", ":80/x", "a==1", "X-A:b"])
        );
        assert_eq!(
            replace_body(&w(&[":80/x"]), "a=1&b=2"),
            w(&[":80/x", "--raw=a=1&b=2"])
        );
    }

    #[test]
    fn requests_read_back_from_their_words() {
        let mut headers = Headers::new();
        headers.push(":authority", "api.example.com");
        headers.push("Authorization", "Bearer a:=b");
        headers.push("Content-Type", "application/json");
        for body in [
            &br#"{"name":"x","n":[1,{"a":null}]}"#[..],
            b"a=1&b=2",
            b"[1,2]",
            br#"{"a:b":1}"#,
            b"",
        ] {
            let req = Request {
                method: "PATCH".into(),
                url: Some("https://api.example.com/v1/x?q=1".into()),
                headers: headers.clone(),
                body: body.to_vec().into(),
            };
            let back = parse(&to_words(&req)).unwrap();
            assert_eq!(back.method, "PATCH");
            assert_eq!(back.url, "https://api.example.com/v1/x?q=1");
            assert_eq!(back.headers.get("authorization"), Some("Bearer a:=b"));
            assert!(!back.headers.contains(":authority"));
            let same = serde_json::from_slice::<serde_json::Value>(&back.body).ok()
                == serde_json::from_slice::<serde_json::Value>(body).ok();
            assert!(
                same && (body.starts_with(b"{") || back.body == body),
                "{body:?}"
            );
        }
    }

    #[test]
    fn items_as_httpie() {
        let r = p(&[
            "https://api.example.com/v1/boards",
            "Authorization:Bearer imb_pat_FAKE",
            "limit==20",
            "name=Roadmap",
            "public:=true",
            "tags:=[\"a\"]",
        ]);
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "https://api.example.com/v1/boards?limit=20");
        assert_eq!(r.headers.get("authorization"), Some("Bearer imb_pat_FAKE"));
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"name": "Roadmap", "public": true, "tags": ["a"]})
        );
        assert_eq!(r.headers.get("content-type"), Some("application/json"));
    }

    #[test]
    fn method_and_short_urls() {
        let r = p(&["delete", ":8080/x"]);
        assert_eq!(r.method, "DELETE");
        assert_eq!(r.url, "http://localhost:8080/x");
        assert_eq!(p(&["example.com"]).url, "http://example.com/");
    }

    #[test]
    fn first_separator_wins() {
        let r = p(&["http://a.example", "X-A:b=c"]);
        assert_eq!(r.headers.get("x-a"), Some("b=c"));
        assert!(r.body.is_empty());
    }

    #[test]
    fn bad_items_name_themselves() {
        let e = parse(&["http://a.example".into(), "nonsense".into()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "item 'nonsense' is not Name:value, key==value, key=value, key:=json, key@file or @file"
        );
        let e = parse(&["http://a.example".into(), "a:={".into()]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("item 'a:={': the value after := is not valid JSON")
        );
    }
}
