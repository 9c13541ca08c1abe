//! The TUI: `apiscope`, `apiscope [METHOD] URL [ITEM…]`, `apiscope --demo`
//! and `apiscope open FILE`.

use super::{Error, Outcome, Result, load_profiles, open_history};
use crate::http;
use std::io::IsTerminal;

/// What the TUI starts on.
#[derive(Debug, Default)]
pub struct Args {
    /// Start the demo API and its session.
    pub demo: bool,
    /// The colour theme.
    pub theme: Option<String>,
    /// A request line to send at once.
    pub request: Vec<String>,
    /// A file to open, offline.
    pub open: Option<String>,
    /// The collection environment to start in (`open FILE.http --env`).
    pub env: Option<String>,
    /// `--yes`: a collection's questions answered yes.
    pub yes: bool,
    /// What a collection may read, write and send.
    pub trust: crate::cli::TrustArgs,
    /// `open`'s transport options (over config.toml's `[transport]`).
    pub transport: crate::cli::TransportArgs,
}

/// Runs the TUI until the user quits.
pub async fn run(args: Args) -> Result<Outcome> {
    // A `.http` file or a directory opens as a collection; `apiscope` alone
    // in a directory holding `.http` files shows them.
    let collection_path = match &args.open {
        Some(f) if is_collection(std::path::Path::new(f)) => Some(std::path::PathBuf::from(f)),
        None if !args.demo && args.request.is_empty() && has_http_files() => {
            Some(std::path::PathBuf::from("."))
        }
        _ => None,
    };
    if collection_path.is_none()
        && (args.env.is_some()
            || args.trust.trust
            || !args.trust.secrets.is_empty()
            || !args.trust.allow_read.is_empty())
    {
        return Err(Error::Usage(
            "--env, --trust, --secret and --allow-read go with a .http collection (a .http file or a directory of them)".into(),
        ));
    }
    let usage = |e: String| Error::Usage(crate::report::sanitize(&e, false));
    let mut collection = match &collection_path {
        Some(p) => {
            let root = if p.is_dir() {
                p.clone()
            } else {
                crate::collection::run::dir_of(p)
            };
            let rules = crate::trust::rules(&root, args.trust.trust, &args.trust.allow_read)
                .map_err(|e| usage(e.to_string()))?;
            let mut c =
                crate::tui::collection::Collections::open_with(p, args.env.as_deref(), rules)
                    .map_err(|e| usage(e.to_string()))?;
            c.yes = args.yes;
            let secrets = args
                .trust
                .secrets
                .iter()
                .map(|v| {
                    v.split_once('=')
                        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                        .filter(|(k, _)| !k.is_empty())
                        .ok_or_else(|| Error::Usage("--secret …: write NAME=VALUE".into()))
                })
                .collect::<Result<Vec<_>>>()?;
            c.run.set_secrets(secrets);
            Some(c)
        }
        None => None,
    };
    // (The title bar shows the collection's own words, kept current.)
    let collection_banner = None;
    // Read the file first: a bad file is a one-line error, not a TUI state.
    let (recorded, session_name, open_banner) = match &args.open {
        Some(_) if collection.is_some() => (Vec::new(), None, collection_banner),
        None if collection.is_some() => (Vec::new(), None, collection_banner),
        Some(file) => {
            let path = crate::store::resolve(file);
            let path = path.to_string_lossy().into_owned();
            let exchanges = crate::input::read_any(&path)?;
            let name = std::path::Path::new(&path)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
            let n = exchanges.len();
            let banner = format!(
                "{path} · {n} exchange{} · offline",
                if n == 1 { "" } else { "s" }
            );
            (exchanges, name, Some(banner))
        }
        None => (Vec::new(), None, None),
    };
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Error::Usage(match &args.open {
            Some(f) => format!(
                "the interactive TUI needs a terminal; for scripts use `apiscope replay {f}`"
            ),
            None => "the interactive TUI needs a terminal; for scripts use `apiscope send` or `apiscope decode`".into(),
        }));
    }
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    // A broken config is said on the status line (stderr is hidden by the
    // TUI), and the defaults are used.
    let (config, problem) = crate::config::load();
    // A trusted collection's scripts run under `[scripts]`'s caps.
    if let Some(c) = collection.as_mut() {
        c.run
            .set_engine(Box::new(apiscope_script::QuickJs), config.scripts.limits());
    }
    let mut flash = problem.map(|p| format!("Config ignored: {p}"));
    // An unknown theme asked for on the command line is a usage error; one
    // from config.toml is named with its file and line, and the default
    // theme is used.
    let theme = match (&args.theme, &config.theme) {
        (Some(t), _) => crate::tui::theme::Theme::load(t, color)
            .map_err(|e| Error::Usage(format!("--theme {e}")))?,
        (None, Some(t)) => match crate::tui::theme::Theme::load(t, color) {
            Ok(theme) => theme,
            Err(e) => {
                let place = crate::config::config_path().map_or(String::new(), |p| {
                    format!(
                        "{}{}: ",
                        p.display(),
                        config.theme_line.map_or(String::new(), |l| format!(":{l}"))
                    )
                });
                flash = Some(format!("Config: {place}{e}; using the dark theme"));
                crate::tui::theme::Theme::load("dark", color).map_err(Error::Setup)?
            }
        },
        (None, None) => crate::tui::theme::Theme::load("dark", color).map_err(Error::Setup)?,
    };
    let profiles = std::sync::Arc::new(load_profiles());
    let mut options = http::ClientOptions::default();
    config.transport.apply(&mut options);
    args.transport.apply(&mut options);
    let client = http::Client::new(options).map_err(|e| Error::Usage(e.to_string()))?;
    // A kept jar's cookies are the user's: a collection's request that
    // would carry them is asked about (the trust model).
    if let (Some(name), Some(c)) = (&args.transport.cookie_jar, collection.as_mut()) {
        let held = http::cookies::Jar::named(name).map_err(Error::Usage)?;
        c.run.set_cookie_jar((
            name.clone(),
            Box::new(move |url: &str| held.header_for(url).is_some()),
        ));
    }
    let mut server = None;
    let (entries, send_first, banner) = if args.demo {
        let s = crate::demo::start(None, crate::demo::DemoConfig::default())
            .await
            .map_err(|e| {
                Error::Setup(format!(
                    "--demo: cannot start the demo API on 127.0.0.1: {e}"
                ))
            })?;
        let base = s.base_url();
        server = Some(s);
        (
            crate::tui::demo_entries(&base),
            false,
            Some(format!("demo API on {base} · Enter sends · ? keys")),
        )
    } else if args.request.is_empty() {
        (Vec::new(), false, open_banner)
    } else {
        // Check it parses now: a typo is a usage error, not a TUI state.
        crate::items::parse(&args.request)?;
        let line = args
            .request
            .iter()
            .map(|w| crate::line::quote(w))
            .collect::<Vec<_>>()
            .join(" ");
        (vec![(line, None)], true, None)
    };
    let result = crate::tui::run(crate::tui::Launch {
        entries,
        send_first,
        banner,
        theme,
        client,
        profiles,
        recorded,
        session_name,
        recorded_from: args.open.clone(),
        paging: config.paging,
        keys: config.keys,
        flash,
        history: open_history(),
        collection,
        given: args.transport.given(false),
    })
    .await;
    if let Some(s) = server {
        s.stop().await;
    }
    result.map_err(Error::Setup)?;
    Ok(Outcome::Ok)
}

/// A `.http` / `.rest` file, or a directory (its collection files).
fn is_collection(p: &std::path::Path) -> bool {
    let lower = p.to_string_lossy().to_ascii_lowercase();
    p.is_dir()
        || ((lower.ends_with(".http") || lower.ends_with(".rest"))
            && !super::collection::is_capture(p))
}

/// Whether the current directory holds `.http` / `.rest` files.
fn has_http_files() -> bool {
    std::fs::read_dir(".").is_ok_and(|rd| {
        rd.flatten().any(|e| {
            let n = e.file_name().to_string_lossy().to_ascii_lowercase();
            n.ends_with(".http") || n.ends_with(".rest")
        })
    })
}
