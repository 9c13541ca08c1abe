//! The jq filter on a response body (`f` in the TUI): jaq, a jq
//! implementation in Rust, with jq's standard library; no shell-out.
//!
//! The TUI runs filters in a worker process (`apiscope jq-worker`): jaq has
//! no cancellation and recurses, so a filter that never ends is killed (Esc,
//! or after 20 s) and one that overflows the stack crashes only the worker.

use jaq_core::compile::Undefined;
use jaq_core::data::JustLut;
use jaq_core::load::{self, Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars};
use jaq_json::Val;

/// Maximum number of filter outputs that are collected.
const MAX_OUTPUTS: usize = 10_000;
/// Maximum length (in chars) of returned error messages.
const MAX_ERR_CHARS: usize = 300;
/// Maximum nesting depth of the input JSON (jaq-json's parser is recursive).
const MAX_JSON_DEPTH: usize = 256;

/// Run jq filter `filter` on the JSON document `body`.
///
/// Returns every output value (at most `MAX_OUTPUTS`) pretty-printed,
/// or a one-line error message.
pub fn run(filter: &str, body: &[u8]) -> Result<Vec<String>, String> {
    run_jq_inner(filter, body).map_err(|e| one_line(&e, MAX_ERR_CHARS))
}

fn run_jq_inner(filter: &str, body: &[u8]) -> Result<Vec<String>, String> {
    // ---- 1. parse the input --------------------------------------------
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body); // UTF-8 BOM
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("response body is empty (not JSON)".to_string());
    }
    let depth = json_nesting_depth(body);
    if depth > MAX_JSON_DEPTH {
        return Err(format!(
            "response body is nested too deeply ({depth} levels, limit {MAX_JSON_DEPTH})"
        ));
    }
    // jaq_json::read::Error displays as "byte offset N: <what> expected"
    let input: Val = jaq_json::read::parse_single(body)
        .map_err(|e| format!("response body is not valid JSON: {e}"))?;

    // ---- 2. parse the filter (with core + std + json definitions) ------
    let arena = Arena::default();
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let loader = Loader::new(defs);
    let modules = loader
        .load(
            &arena,
            File {
                code: filter,
                path: (),
            },
        )
        .map_err(|errs| format!("filter syntax error: {}", load_errors_msg(errs)))?;

    // ---- 3. compile the filter (with core + std + json native filters) --
    let funs = jaq_core::funs::<JustLut<Val>>()
        .chain(jaq_std::funs::<JustLut<Val>>())
        .chain(jaq_json::funs::<JustLut<Val>>());
    let compiled: jaq_core::Filter<JustLut<Val>> = Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errs| format!("filter error: {}", compile_errors_msg(errs)))?;

    // ---- 4. run it -------------------------------------------------------
    let ctx = Ctx::<JustLut<Val>>::new(&compiled.lut, Vars::new([]));
    let pp = jaq_json::write::Pp {
        indent: Some("  ".to_string()),
        sep_space: true, // `"key": value` like jq / serde_json pretty
        ..Default::default()
    };

    let mut outputs = Vec::new();
    for result in compiled.id.run((ctx, input)).take(MAX_OUTPUTS) {
        match result {
            Ok(v) => outputs.push(render_pretty(&pp, &v)),
            // NOTE: do not use `jaq_core::unwrap_valr` here:
            // it calls `std::process::exit` when the filter runs `halt`!
            Err(exn) => match exn.get_err() {
                Ok(err) => return Err(runtime_error_msg(err, outputs.len())),
                Err(exn) => match exn.get_halt() {
                    // `halt` = stop successfully, keep what we have
                    Ok(0) => break,
                    Ok(code) => return Err(format!("filter halted with exit code {code}")),
                    Err(_) => {
                        return Err("internal jaq error (unexpected control-flow exception)".into());
                    }
                },
            },
        }
    }
    Ok(outputs)
}

/// Pretty-print a value as (jq-flavoured) JSON with 2-space indentation.
fn render_pretty(pp: &jaq_json::write::Pp, v: &Val) -> String {
    let mut buf: Vec<u8> = Vec::new();
    jaq_json::write::write(&mut buf, pp, 0, v).expect("writing to a Vec<u8> cannot fail");
    // jaq preserves invalid UTF-8 in strings as-is; replace it for display
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn runtime_error_msg(err: jaq_core::Error<Val>, emitted: usize) -> String {
    // `into_val` yields the value given to `error(...)`, or the message
    // of a built-in error (type error, index error, ...) as a string value
    let msg = match err.into_val() {
        Val::TStr(s) => String::from_utf8_lossy(&s).into_owned(),
        other => format!("{other} (not a string)"),
    };
    if emitted == 0 {
        format!("jq error: {msg}")
    } else {
        format!("jq error after {emitted} output(s): {msg}")
    }
}

fn load_errors_msg(errs: load::Errors<&str, ()>) -> String {
    let mut msgs = Vec::new();
    for (file, err) in errs {
        let code = file.code;
        match err {
            load::Error::Io(errs) => {
                for (path, e) in errs {
                    msgs.push(format!("cannot load module \"{path}\": {e}"));
                }
            }
            load::Error::Lex(errs) => {
                // `found` is the rest of the filter starting where the error was detected
                for (expected, found) in errs {
                    let what = match found.chars().next() {
                        None => "end of filter".to_string(),
                        Some(c) => format!("`{c}`"),
                    };
                    let mut m = format!(
                        "expected {}{}, found {what}",
                        expected.as_str(),
                        at(code, found)
                    );
                    if let load::lex::Expect::Delim(open) = &expected {
                        m.push_str(&format!(" (unclosed `{open}`{})", at(code, open)));
                    }
                    msgs.push(m);
                }
            }
            load::Error::Parse(errs) => {
                // `found` is the offending token (empty slice at end of input)
                for (expected, found) in errs {
                    let what = if found.is_empty() {
                        "end of filter".to_string()
                    } else {
                        format!("`{}`", one_line(found, 40))
                    };
                    msgs.push(format!(
                        "expected {}{}, found {what}",
                        expected.as_str(),
                        at(code, found)
                    ));
                }
            }
        }
    }
    msgs.join("; ")
}

fn compile_errors_msg(errs: jaq_core::compile::Errors<&str, ()>) -> String {
    let mut msgs = Vec::new();
    for (file, errs) in errs {
        for (name, undefined) in errs {
            let what = match undefined {
                Undefined::Filter(arity) => match name {
                    "reduce" | "foreach" => {
                        format!("wrong number of arguments to `{name}` (found {arity})")
                    }
                    _ => format!("undefined filter `{name}/{arity}`"),
                },
                other => format!("undefined {} `{name}`", other.as_str()),
            };
            msgs.push(format!("{what}{}", at(file.code, name)));
        }
    }
    msgs.join("; ")
}

/// " at column C" / " at line L, column C" for a sub-slice `part` of `code`
/// (empty string if `part` does not point into `code`).
fn at(code: &str, part: &str) -> String {
    let start = (part.as_ptr() as usize).checked_sub(code.as_ptr() as usize);
    let Some(before) = start
        .filter(|s| *s <= code.len())
        .and_then(|s| code.get(..s))
    else {
        return String::new();
    };
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    if code.contains('\n') {
        format!(" at line {line}, column {col}")
    } else {
        format!(" at column {col}")
    }
}

/// Maximal nesting depth of arrays/objects (cheap scan, ignores brackets in strings).
fn json_nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let (mut in_str, mut escaped) = (false, false);
    for &b in bytes {
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
            }
        } else {
            match b {
                b'"' => in_str = true,
                b'[' | b'{' => {
                    depth += 1;
                    max = max.max(depth);
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    max
}

/// Collapse line breaks and truncate to `max_chars` characters.
fn one_line(s: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        out.push(if c == '\n' || c == '\r' { ' ' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] =
        br#"{"data":[{"id":"a","status":"failed"},{"id":"b","status":"ok"}],"meta":{"page":1}}"#;

    #[test]
    fn filters_with_the_standard_library() {
        assert_eq!(run(".data[] | .id", BODY).unwrap(), ["\"a\"", "\"b\""]);
        assert_eq!(
            run(r#"[.data[] | select(.status == "failed") | .id]"#, BODY).unwrap(),
            ["[\n  \"a\"\n]"]
        );
        assert_eq!(run(".data | map(.id) | length", BODY).unwrap(), ["2"]);
        assert_eq!(
            run("keys", BODY).unwrap(),
            ["[\n  \"data\",\n  \"meta\"\n]"]
        );
        assert_eq!(
            run(".meta | to_entries[0].key", BODY).unwrap(),
            ["\"page\""]
        );
        assert_eq!(run("empty", BODY).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn errors_are_one_line() {
        let e = run(".data[", BODY).unwrap_err();
        assert!(e.starts_with("filter syntax error"), "{e}");
        let e = run("nosuchfn", BODY).unwrap_err();
        assert!(e.contains("undefined filter `nosuchfn/0`"), "{e}");
        let e = run(".meta.page | .x", BODY).unwrap_err();
        assert!(e.starts_with("jq error"), "{e}");
        let e = run(".", b"<html>").unwrap_err();
        assert!(e.contains("not valid JSON"), "{e}");
        let e = run(".", b"  ").unwrap_err();
        assert!(e.contains("empty"), "{e}");
        // halt ends the run quietly, never the process.
        assert_eq!(run("1, halt, 2", BODY).unwrap(), ["1"]);
        let deep = "[".repeat(1000);
        assert!(
            run(".", deep.as_bytes())
                .unwrap_err()
                .contains("nested too deeply")
        );
        assert!(!run("error(\"a\\nb\")", BODY).unwrap_err().contains('\n'));
    }
}
