//! `apiscope decode`: the diagnosis of a capture, HAR, session or bare body.

use super::{Error, Outcome, Result, check_dialect, emit_report, load_profiles, outcome_of};
use crate::cli::DecodeArgs;
use crate::decode::{self, Options};
use crate::input::{self, BareBody};
use crate::report::{self, Format};
use std::io::{IsTerminal, Read as _};

/// Runs `decode`.
pub fn run(args: DecodeArgs) -> Result<Outcome> {
    let profiles = load_profiles();
    check_dialect(&profiles, args.dialect.as_deref())?;
    let path = match args.file.as_deref() {
        Some(p) => p,
        None if std::io::stdin().is_terminal() => {
            return Err(Error::Usage(
                "decode: no input; give a FILE, or pipe a response in (curl -si URL | apiscope decode)"
                    .into(),
            ));
        }
        None => "-",
    };
    let bare = BareBody {
        status: args.status,
        headers: input::parse_header_flags(&args.headers)?,
    };
    if args.format != Format::Markdown
        && args.status.is_none()
        && args.headers.is_empty()
        && let Some(outcome) = stream_har(&args, path, &profiles)?
    {
        return Ok(outcome);
    }
    let exchanges = input::read_path(path, &bare)?;
    if exchanges.is_empty() {
        return Err(super::Error::Usage(format!(
            "{}: no exchange in the file: nothing to diagnose",
            report::sanitize(path, false)
        )));
    }
    let options = Options {
        dialect: args.dialect,
        now: None,
    };
    let diagnoses = decode::diagnose_all(&exchanges, &profiles, &options);
    emit_report(args.format, &diagnoses, args.keep_secrets)?;
    Ok(outcome_of(&diagnoses))
}

/// A HAR file on disk, decoded in two passes over the file without holding
/// it: the first notes which dialect each API spoke (for its
/// generic-looking successes), the second decodes and writes one entry at a
/// time. Memory stays flat whatever the number of entries. `None` when the
/// file is not a HAR (the other readers take it).
fn stream_har(
    args: &DecodeArgs,
    path: &str,
    profiles: &decode::Profiles,
) -> Result<Option<Outcome>> {
    if path == "-" {
        return Ok(None);
    }
    let open = || {
        std::fs::File::open(path).map_err(|error| input::InputError::Io {
            file: path.to_owned(),
            error,
        })
    };
    let mut head = [0u8; 4096];
    let n = open()?.read(&mut head).unwrap_or(0);
    let head = &head[..n];
    if !input::har::sniff(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head)) {
        return Ok(None);
    }
    // Up to 512 MB the text is read once and parsed from memory (three
    // times faster); beyond, each pass streams it from the disk.
    let size = std::fs::metadata(path).map_or(u64::MAX, |m| m.len());
    let text = if size <= 512 << 20 {
        let mut all = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        open()?
            .read_to_end(&mut all)
            .map_err(|error| input::InputError::Io {
                file: path.to_owned(),
                error,
            })?;
        let start = if all.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        all.drain(..start);
        Some(all)
    } else {
        None
    };
    let reader = || -> Result<Box<dyn std::io::Read>> {
        let mut file = open()?;
        let mut bom = [0u8; 3];
        let got = file.read(&mut bom).unwrap_or(0);
        Ok(if got == 3 && bom == *b"\xEF\xBB\xBF" {
            Box::new(file)
        } else {
            Box::new(std::io::Cursor::new(bom[..got].to_vec()).chain(file))
        })
    };
    let walk = |f: &mut dyn FnMut(crate::model::Exchange) -> std::result::Result<(), String>| -> Result<usize> {
        Ok(match &text {
            Some(t) => input::har::for_each_slice(t, path, f)?,
            None => input::har::for_each(reader()?, path, f)?,
        })
    };
    let options = Options {
        dialect: args.dialect.clone(),
        now: None,
    };
    let mut affinity = decode::Affinity::default();
    let total = if args.dialect.is_none() {
        walk(&mut |e| {
            let (dialect, evidence) = decode::detect_dialect(&e, profiles);
            affinity.observe_dialect(&e, &dialect, evidence);
            Ok(())
        })?
    } else {
        walk(&mut |_| Ok(()))?
    };
    if total == 0 {
        return Err(super::Error::Usage(format!(
            "{}: the HAR holds no entry: nothing to diagnose",
            report::sanitize(path, false)
        )));
    }
    let color = args.format == Format::Text && super::use_color();
    let mut failed = false;
    let mut i = 0usize;
    let mut write_error = None;
    walk(&mut |e| {
        let d = decode::diagnose_hinted(&e, profiles, &options, affinity.hint(&e));
        failed |= d.is_error();
        let text = match args.format {
            Format::Text => report::text::render_nth(&d, i, total, color),
            _ => report::json::render(std::slice::from_ref(&d)),
        };
        i += 1;
        super::write_out(&text).map_err(|e| {
            let m = e.to_string();
            write_error = Some(e);
            m
        })
    })
    .map_err(|e| write_error.take().unwrap_or(e))?;
    Ok(Some(Outcome::from_failed(failed)))
}
