//! `apiscope import`: a Postman collection, a HAR, a curl command file or
//! an apiscope session into a collection directory (`NAME.http`,
//! `http-client.env.json`, `http-client.private.env.json`). The
//! conversions are in `apiscope_core::collection::import`.

use super::{Error, Outcome, Result};
use crate::cli::ImportArgs;
use crate::collection::import::{self, Imported};
use std::path::{Path, PathBuf};

/// Runs `import`.
pub fn run(args: ImportArgs) -> Result<Outcome> {
    let path = PathBuf::from(&args.file);
    let shown = crate::report::sanitize(&args.file, false);
    let stem = path.file_stem().map_or_else(
        || "collection".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );
    // A large input gets a spinner on stderr (hidden when stderr is not a
    // terminal) while it is read and converted.
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    let spinner = (size >= 4 * 1024 * 1024).then(|| {
        super::spinner(&format!(
            "importing {shown} ({})",
            crate::http::human_size(usize::try_from(size).unwrap_or(usize::MAX))
        ))
    });
    let read = read(&args, &path, &shown, &stem);
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let (mut imported, profile) = read?;
    // Nothing a stranger wrote becomes a directive of the .http file.
    import::harden::harden(&mut imported);
    if imported.requests.is_empty() {
        return Err(Error::Usage(format!(
            "{shown}: read as {}, but it holds no request to import",
            import::a(&imported.source)
        )));
    }
    let dir = args
        .output
        .as_ref()
        .map_or_else(|| PathBuf::from(file_name(&imported.name)), PathBuf::from);
    let http_name = format!("{}.http", file_name(&imported.name));
    let mut files: Vec<(PathBuf, String)> = vec![(dir.join(&http_name), imported.http_text())];
    if let Some(t) = Imported::env_text(&imported.public_env) {
        files.push((dir.join("http-client.env.json"), t));
    }
    let private_path = dir.join("http-client.private.env.json");
    if let Some(t) = Imported::env_text(&imported.private_env) {
        files.push((private_path.clone(), t));
    }
    for (rel, text) in &imported.files {
        files.push((dir.join(rel), text.clone()));
    }
    let mut profile_existed = false;
    if let Some((id, text)) = &profile {
        let dir = crate::config::config_dir().ok_or_else(|| {
            Error::Usage("no config directory for the profile (set APISCOPE_CONFIG_DIR)".into())
        })?;
        let p = dir.join("profiles").join(format!("{id}.toml"));
        profile_existed = p.exists();
        files.push((p, text.clone()));
    }
    // Nothing is written unless everything can be.
    if !args.force
        && let Some((p, _)) = files.iter().find(|(p, _)| p.exists())
    {
        return Err(Error::Usage(format!(
            "{} exists: nothing was written (pass --force to replace it, or -o another directory)",
            crate::report::sanitize(&p.display().to_string(), false)
        )));
    }
    // Never through a symlink (checked for all before any is written);
    // the secrets file 0600.
    if let Some((p, _)) = files
        .iter()
        .find(|(p, _)| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()))
    {
        return Err(Error::Usage(format!(
            "{} is a symlink: nothing was written (apiscope writes no file through one)",
            crate::report::sanitize(&p.display().to_string(), false)
        )));
    }
    for (p, text) in &files {
        if *p == private_path {
            crate::store::write_private(p, text.as_bytes())?;
        } else {
            crate::store::write_fresh(p, text.as_bytes())?;
        }
    }
    let secrets: usize = imported
        .private_env
        .values()
        .map(std::collections::BTreeMap::len)
        .sum();
    let envs: Vec<&String> = imported
        .public_env
        .keys()
        .chain(imported.private_env.keys())
        .filter(|k| *k != "$shared")
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut summary = format!(
        "apiscope: imported {} request(s){} from {shown} (read as {}) into {}: {}",
        imported.requests.len(),
        if imported.folders > 0 {
            format!(" in {} folder(s)", imported.folders)
        } else {
            String::new()
        },
        import::a(&imported.source),
        crate::report::sanitize(&dir.display().to_string(), false),
        files
            .iter()
            .map(|(p, _)| p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default())
            .collect::<Vec<_>>()
            .join(", ")
    );
    summary.push_str(&format!(
        "\n  {} file variable(s), {} environment(s){}, {secrets} secret(s) in the private env file",
        imported.variables.len(),
        envs.len(),
        if envs.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                envs.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    if !imported.skipped.is_empty() {
        summary.push_str(&format!(
            "\n  not carried over ({}):",
            imported.skipped.len()
        ));
        for s in &imported.skipped {
            summary.push_str(&format!("\n  - {s}"));
        }
    }
    if !imported.effects.is_empty() {
        summary.push_str(&format!(
            "\n  what the collection reads, writes or runs when sent ({}):",
            imported.effects.len()
        ));
        for e in &imported.effects {
            summary.push_str(&format!("\n  - {e}"));
        }
    }
    let first_env = envs
        .first()
        .map_or_else(String::new, |e| format!(" --env {e}"));
    if let Some((id, text)) = &profile {
        let hosts: Vec<String> = toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| t.get("hosts").and_then(|h| h.as_array()).cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|h| h.as_str().map(str::to_owned))
            .collect();
        let claims = if hosts.is_empty() {
            "no host (the document names none): only with --dialect".to_owned()
        } else {
            format!("the hosts {}", hosts.join(", "))
        };
        let replaced = if args.force && profile_existed {
            " (it replaces the profile you had under that id)"
        } else {
            ""
        };
        summary.push_str(&format!(
            "\n  profile '{id}' written{replaced}: it claims {claims}; decode and the TUI read this API's errors there, or with --dialect {id}"
        ));
    } else if imported.source.starts_with("OpenAPI") || imported.source.starts_with("Swagger") {
        summary.push_str(&format!(
            "\n  also: apiscope import {shown} --profile writes a decode profile for this API's errors"
        ));
    }
    summary.push_str(&format!(
        "\n  next: apiscope replay {}{first_env}",
        crate::report::sanitize(&dir.join(&http_name).display().to_string(), false)
    ));
    eprintln!("{}", crate::report::sanitize(&summary, true));
    // Thousands of requests are not worth freeing one by one at exit.
    std::mem::forget(imported);
    Ok(Outcome::Ok)
}

/// The nodes a YAML document may stand for, aliases expanded.
pub const YAML_NODES: usize = 4_000_000;

/// Whether the YAML text stands for at most [`YAML_NODES`] nodes, counted
/// as it is read (aliases expanded) without building them.
fn yaml_within_budget(text: &str) -> std::result::Result<(), String> {
    use serde::de::{self, DeserializeSeed, Visitor};
    use std::cell::Cell;
    struct Count<'a>(&'a Cell<usize>);
    impl Count<'_> {
        fn tick<E: de::Error>(&self) -> std::result::Result<(), E> {
            match self.0.get() {
                0 => Err(E::custom(format!(
                    "the YAML stands for more than {YAML_NODES} values (aliases repeated); not imported"
                ))),
                n => {
                    self.0.set(n - 1);
                    Ok(())
                }
            }
        }
    }
    impl<'de> DeserializeSeed<'de> for Count<'_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    macro_rules! scalar {
        ($($f:ident: $t:ty),*) => {$(
            fn $f<E: de::Error>(self, _: $t) -> std::result::Result<(), E> { self.tick() }
        )*};
    }
    impl<'de> Visitor<'de> for Count<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any YAML value")
        }
        scalar!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str, visit_bytes: &[u8], visit_i128: i128, visit_u128: u128);
        fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
            self.tick()
        }
        fn visit_none<E: de::Error>(self) -> std::result::Result<(), E> {
            self.tick()
        }
        fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
            Count(self.0).deserialize(d)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            self.tick()?;
            while seq.next_element_seed(Count(self.0))?.is_some() {}
            Ok(())
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            self.tick()?;
            while map.next_key_seed(Count(self.0))?.is_some() {
                map.next_value_seed(Count(self.0))?;
            }
            Ok(())
        }
        fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> std::result::Result<(), A::Error> {
            use de::VariantAccess as _;
            self.tick()?;
            let (_, v): (de::IgnoredAny, _) = data.variant()?;
            v.newtype_variant_seed(Count(self.0))
        }
    }
    let budget = Cell::new(YAML_NODES);
    for doc in serde_norway::Deserializer::from_str(text) {
        Count(&budget)
            .deserialize(doc)
            .map_err(|e| match e.location() {
                Some(l) => format!("line {}: {e}", l.line()),
                None => e.to_string(),
            })?;
    }
    Ok(())
}

/// `My API (v2)` → `my-api-v2`.
fn file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if s.is_empty() { "collection".into() } else { s }
}

/// The import, and (with `--profile`) a decode profile (id, TOML text).
type Read = (Imported, Option<(String, String)>);

fn read(args: &ImportArgs, path: &Path, shown: &str, stem: &str) -> Result<Read> {
    let mut profile = None;
    let imported = read_import(args, path, shown, stem, &mut profile)?;
    if args.profile && profile.is_none() {
        return Err(Error::Usage(format!(
            "--profile reads an OpenAPI or Swagger document; {shown} is {}",
            import::a(&imported.source)
        )));
    }
    Ok((imported, profile))
}

/// Reads and converts the input; with `--profile` and an OpenAPI document,
/// `profile` gets the decode profile (from the same parsed document).
fn read_import(
    args: &ImportArgs,
    path: &Path,
    shown: &str,
    stem: &str,
    profile: &mut Option<(String, String)>,
) -> Result<Imported> {
    // A Bruno collection is a folder (bruno.json beside its .bru files).
    if path.is_dir() || args.from.as_deref() == Some("bruno") {
        let dir = if path.is_dir() {
            path.to_path_buf()
        } else {
            path.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        };
        return bruno(&dir, shown);
    }
    let bytes =
        std::fs::read(path).map_err(|e| Error::Usage(format!("{shown}: cannot read: {e}")))?;
    // UTF-8 (its mark dropped) or UTF-16 behind its mark, as Windows
    // tools save exports; else read as UTF-8, replacing what is not.
    let text: std::borrow::Cow<'_, str> = match crate::input::encoding::text_of(&bytes) {
        Some(t) => t.into(),
        None => String::from_utf8_lossy(&bytes),
    };
    let lower = args.file.to_ascii_lowercase();
    let yaml = lower.ends_with(".yaml") || lower.ends_with(".yml");
    let json: Option<serde_json::Value> = if yaml {
        // Aliases can make a few kilobytes stand for gigabytes: counted
        // first, within a budget, before anything is built.
        yaml_within_budget(&text).map_err(|e| Error::Usage(format!("{shown}: {e}")))?;
        Some(
            serde_norway::from_str::<serde_json::Value>(&text).map_err(|e| {
                let line = e.location().map_or(0, |l| l.line());
                Error::Usage(format!("{shown}:{line}: not valid YAML: {e}"))
            })?,
        )
    } else {
        match serde_json::from_str(&text) {
            Ok(v) => Some(v),
            // JSON that does not parse (a truncated export) says where.
            // Nested past what is read (a collection of 10,000 nested
            // folders): said as such, not as a broken file.
            Err(e) if e.to_string().contains("recursion limit exceeded") => {
                return Err(Error::Usage(format!(
                    "{shown}:{}: nested more than 128 levels deep (objects in objects), more than apiscope reads; nothing was written",
                    e.line()
                )));
            }
            Err(e) if text.trim_start().starts_with(['{', '[']) => {
                return Err(Error::Usage(format!(
                    "{shown}:{}: not valid JSON ({e}); nothing was written",
                    e.line()
                )));
            }
            Err(_) => None,
        }
    };
    let from = match args.from.as_deref() {
        Some(f) => f.to_owned(),
        None => detect(json.as_ref(), &text).ok_or_else(|| {
            Error::Usage(format!(
                "{shown}: not a format apiscope imports (Postman collection v2.0/v2.1, OpenAPI 3.x / Swagger 2.0, Insomnia export, Bruno collection folder, HAR, curl commands, apiscope session)"
            ))
        })??,
    };
    if from != "postman"
        && (!args.env_files.is_empty() || args.globals.is_some() || args.files_dir.is_some())
    {
        return Err(Error::Usage(
            "--env-file, --globals and --files-dir go with a Postman collection".into(),
        ));
    }
    match from.as_str() {
        "postman" => {
            let doc = json.ok_or_else(|| {
                Error::Usage(format!(
                    "{shown}: a Postman collection is JSON, and this is not"
                ))
            })?;
            let mut envs = Vec::new();
            let files = args
                .env_files
                .iter()
                .map(|f| ("--env-file", f))
                .chain(args.globals.iter().map(|f| ("--globals", f)));
            for (option, f) in files {
                let bytes = std::fs::read(f)
                    .map_err(|e| Error::Usage(format!("{option} {f}: cannot read: {e}")))?;
                let t = crate::input::encoding::text_of(&bytes).ok_or_else(|| {
                    Error::Usage(format!(
                        "{option} {f}: neither UTF-8 nor UTF-16 (with its byte-order mark)"
                    ))
                })?;
                let mut v: serde_json::Value = serde_json::from_str(&t).map_err(|e| {
                    Error::Usage(format!("{option} {f}:{}: not valid JSON: {e}", e.line()))
                })?;
                if option == "--globals"
                    && let Some(o) = v.as_object_mut()
                {
                    o.insert("_postman_variable_scope".into(), "globals".into());
                }
                let name = Path::new(f)
                    .file_stem()
                    .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
                envs.push((name, v));
            }
            // Its `src` files are relative to the collection (newman's
            // working directory): written as the .http file will reach them.
            let base = way_between(
                args.output.as_deref().unwrap_or("collection"),
                args.files_dir
                    .as_deref()
                    .map_or_else(|| path.parent().unwrap_or(Path::new("")), Path::new),
            );
            import::from_postman_in(&doc, &envs, &base)
                .map_err(|e| Error::Usage(format!("{shown}: {e}")))
        }
        "insomnia" => {
            let doc = json.ok_or_else(|| {
                Error::Usage(format!(
                    "{shown}: an Insomnia export is JSON or YAML, and this is neither"
                ))
            })?;
            import::from_insomnia(&doc).map_err(|e| Error::Usage(format!("{shown}: {e}")))
        }
        "openapi" => {
            let doc = json.ok_or_else(|| {
                Error::Usage(format!("{shown}: an OpenAPI document is JSON or YAML (.yaml / .yml), and this is neither"))
            })?;
            let imported = crate::collection::import::openapi::from_openapi(&doc)
                .map_err(|e| Error::Usage(format!("{shown}: {e}")))?;
            if args.profile {
                *profile = Some(
                    crate::collection::import::openapi::profile(&doc)
                        .map_err(|e| Error::Usage(format!("{shown}: no profile written: {e}")))?,
                );
            }
            // A big document's tree is not worth freeing one node at a
            // time just before the process exits.
            std::mem::forget(doc);
            Ok(imported)
        }
        "har" | "curl" | "session" => {
            let exchanges = crate::input::read_any(&path.to_string_lossy())?;
            // What reading the file left out of each request (a HAR's
            // malformed headers): in the summary, by request.
            let mut left_out = Vec::new();
            let requests: Vec<crate::model::Request> = exchanges
                .into_iter()
                .filter_map(|e| e.request.map(|r| (r, e.response.notes)))
                .enumerate()
                .map(|(i, (r, notes))| {
                    left_out.extend(
                        notes
                            .into_iter()
                            .filter(|n| n.ends_with("left out"))
                            .map(|n| format!("request {}: {n}", i + 1)),
                    );
                    r
                })
                .collect();
            let source = match from.as_str() {
                "har" => "HAR",
                "curl" => "curl command file",
                _ => "apiscope session",
            };
            let mut imported = import::from_requests(stem, source, &requests, &file_name(stem));
            imported.skipped.extend(left_out);
            Ok(imported)
        }
        other => Err(Error::Usage(format!(
            "--from {other}: not a format apiscope imports"
        ))),
    }
}

/// What a file is, by its content; `Some(Err)` names a format recognised
/// but not imported yet.
fn detect(json: Option<&serde_json::Value>, text: &str) -> Option<Result<String>> {
    if let Some(doc) = json {
        if import::postman_version(doc).is_some() {
            return Some(Ok("postman".into()));
        }
        if doc.get("log").and_then(|l| l.get("entries")).is_some() {
            return Some(Ok("har".into()));
        }
        if doc.get("apiscope_session").is_some() {
            return Some(Ok("session".into()));
        }
        if crate::collection::import::openapi::version(doc).is_some() {
            return Some(Ok("openapi".into()));
        }
        if doc.get("_type").and_then(|t| t.as_str()) == Some("export") {
            return Some(Ok("insomnia".into()));
        }
    }
    if crate::input::curl::sniff(text.as_bytes()) {
        return Some(Ok("curl".into()));
    }
    None
}

/// Reads a Bruno collection folder: every `.bru` file under it (relative
/// paths with `/`), named by `bruno.json`.
fn bruno(dir: &Path, shown: &str) -> Result<Imported> {
    let meta = std::fs::read_to_string(dir.join("bruno.json")).map_err(|_| {
        Error::Usage(format!(
            "{shown}: a directory imports as a Bruno collection, and it has no bruno.json"
        ))
    })?;
    let name = serde_json::from_str::<serde_json::Value>(&meta)
        .ok()
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .unwrap_or_else(|| {
            dir.file_name()
                .map_or_else(|| "bruno".into(), |n| n.to_string_lossy().into_owned())
        });
    let mut files = Vec::new();
    collect_bru(dir, &mut files)?;
    files.sort();
    // (bruno.json too: its `scripts.flow` orders the response scripts.)
    files.push(("bruno.json".to_owned(), meta));
    Ok(import::from_bruno(&files, &name))
}

/// Every `.bru` file under `root` (the one walk: no symlink followed),
/// as (path relative to `root`, text).
fn collect_bru(root: &Path, out: &mut Vec<(String, String)>) -> Result<()> {
    let paths =
        crate::collection::walk::files(root, &|n| n.ends_with(".bru")).map_err(Error::Usage)?;
    for p in paths {
        let rel = p
            .strip_prefix(root)
            .unwrap_or(&p)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let bytes = crate::collection::vars::read_regular(&p, crate::collection::trust::MAX_READ)
            .map_err(|e| Error::Usage(format!("{}: cannot read: {e}", p.display())))?;
        out.push((rel, String::from_utf8_lossy(&bytes).into_owned()));
    }
    Ok(())
}

/// The relative way from the directory `from` to the directory `to` (both
/// relative to the working directory, or absolute), ending in `/`; empty
/// when they are the same. Worked out on the names, before `from` exists.
fn way_between(from: &str, to: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let norm = |p: &Path| -> Vec<std::ffi::OsString> {
        let mut out: Vec<std::ffi::OsString> = Vec::new();
        for c in cwd.join(p).components() {
            match c {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                std::path::Component::CurDir => {}
                other => out.push(other.as_os_str().to_owned()),
            }
        }
        out
    };
    let (f, t) = (norm(Path::new(from)), norm(to));
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = "../".repeat(f.len() - common);
    for c in &t[common..] {
        out.push_str(&c.to_string_lossy());
        out.push('/');
    }
    out
}
