//! The user's configuration file, `config.toml` in the platform config
//! directory (`$APISCOPE_CONFIG_DIR` when set):
//!
//! ```toml
//! theme = "light"          # dark, light, high-contrast, or a file in themes/
//!
//! [keys]                   # action = key or [keys]; replaces the default key
//! next_page = "n"
//! quit = ["q", "Ctrl-q"]
//!
//! [paging]                 # the TUI's A (all pages)
//! reserve_percent = 10     # of each rate-limit budget, left for your other requests
//! max_pages = 100          # the page cap of one run
//!
//! [scripts]                # a trusted collection's scripts (every command)
//! time_seconds = 2         # the most one script may run
//! memory_mb = 64           # the most heap one script may use
//!
//! [transport]              # every command and the TUI; the options win
//! verify = "corp-ca.pem"   # "yes", "no" or CA certificates (PEM)
//! cert = "me.pem"          # a client certificate (PEM) …
//! cert_key = "me.key"      # … and its key, when not in the same file
//! proxy = "http://proxy.corp:3128"
//! ```
//!
//! Relative paths are read from the config directory.
//!
//! A broken file is reported in one line naming the file and the place, and
//! apiscope starts with the defaults.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::tui::action::Key;

/// The configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The theme, when set.
    pub theme: Option<String>,
    /// (action, keys) for every rebound action.
    pub keys: Vec<(String, Vec<Key>)>,
    /// How `A` (all pages) spends the budget.
    pub paging: Paging,
    /// The caps of one script.
    pub scripts: Scripts,
    /// TLS and proxy defaults.
    pub transport: Transport,
    /// The OAuth 2.0 token cache's settings.
    pub oauth2: OAuth2,
    /// The line of `theme = …`, to name it when the theme is unknown.
    pub theme_line: Option<usize>,
}

/// `[paging]`: how the TUI's `A` spends a rate-limit budget.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Paging {
    /// Share of each budget left unspent for the user's other requests.
    pub reserve_percent: f64,
    /// Pages fetched at most by one run.
    pub max_pages: u32,
}

impl Default for Paging {
    fn default() -> Paging {
        Paging {
            reserve_percent: 10.0,
            max_pages: 100,
        }
    }
}

/// `[scripts]`: the caps every script of a trusted collection runs under.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scripts {
    /// Seconds one script may run.
    pub time_seconds: f64,
    /// MiB of heap one script may use.
    pub memory_mb: u32,
}

impl Default for Scripts {
    fn default() -> Scripts {
        let l = crate::collection::script::Limits::default();
        Scripts {
            time_seconds: l.time.as_secs_f64(),
            memory_mb: u32::try_from(l.memory >> 20).unwrap_or(64),
        }
    }
}

impl Scripts {
    /// As the script engine takes them.
    pub fn limits(self) -> crate::collection::script::Limits {
        crate::collection::script::Limits {
            memory: (self.memory_mb as usize) << 20,
            time: std::time::Duration::from_secs_f64(self.time_seconds),
        }
    }
}

/// `[oauth2]`: how the token cache renews.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OAuth2 {
    /// A cached token is renewed this many seconds before it expires
    /// (clock skew, a slow request): 0 to 86400.
    pub refresh_before_seconds: i64,
}

impl Default for OAuth2 {
    fn default() -> OAuth2 {
        OAuth2 {
            refresh_before_seconds: crate::oauth::REFRESH_BEFORE_S,
        }
    }
}

/// `[transport]`: TLS and proxy defaults for every command and the TUI
/// (`--verify`, `--cert`, `--cert-key`, `--proxy` win over them).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Transport {
    /// `yes`, `no`, or a file of CA certificates (PEM).
    pub verify: Option<String>,
    /// A client certificate (PEM).
    pub cert: Option<String>,
    /// Its key, when not in the certificate's file.
    pub cert_key: Option<String>,
    /// A proxy URL.
    pub proxy: Option<String>,
}

impl Transport {
    /// Sets these defaults on `o` (paths relative to the config directory).
    pub fn apply(&self, o: &mut crate::http::ClientOptions) {
        let path = |p: &str| {
            let p = PathBuf::from(p);
            match config_dir() {
                Some(d) if p.is_relative() => d.join(p),
                _ => p,
            }
        };
        match self.verify.as_deref() {
            None | Some("yes" | "true") => {}
            Some("no" | "false") => o.insecure = true,
            Some(ca) => o.ca_file = Some(path(ca)),
        }
        if let Some(c) = &self.cert {
            o.client_cert = Some((path(c), self.cert_key.as_deref().map(path)));
        }
        if let Some(p) = &self.proxy {
            o.proxy = Some(p.clone());
        }
    }
}

/// The `[transport]` defaults (none when the file is absent or broken:
/// a broken file is said by the commands that read it whole).
pub fn transport() -> Transport {
    load().0.transport
}

/// The caps of one script as `config.toml` sets them (the defaults when
/// it is absent; a broken file is said once, on stderr, by the commands).
pub fn script_limits() -> crate::collection::script::Limits {
    let (config, problem) = load();
    if let Some(p) = problem {
        eprintln!(
            "apiscope: note: config ignored: {}",
            crate::report::sanitize(&p, false)
        );
    }
    config.scripts.limits()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    theme: Option<String>,
    #[serde(default)]
    keys: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    paging: Paging,
    #[serde(default)]
    scripts: Scripts,
    #[serde(default)]
    transport: Transport,
    #[serde(default)]
    oauth2: OAuth2,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// The config directory.
pub fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("APISCOPE_CONFIG_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "apiscope").map(|d| d.config_dir().to_path_buf())
}

/// The built-in profiles plus the user's from `profiles/` in the config
/// directory, with the files that were skipped (each names its file and
/// line).
pub fn load_profiles() -> (
    crate::decode::Profiles,
    Vec<crate::decode::profile::ProfileError>,
) {
    match config_dir() {
        Some(dir) => crate::decode::Profiles::with_dir(&dir.join("profiles")),
        None => (crate::decode::Profiles::built_in(), Vec::new()),
    }
}

/// Where `config.toml` is read from.
pub fn config_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("config.toml"))
}

/// Loads `config.toml`; a missing file is the defaults, a broken one the
/// defaults and a one-line message.
pub fn load() -> (Config, Option<String>) {
    let Some(path) = config_dir().map(|d| d.join("config.toml")) else {
        return (Config::default(), None);
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => match parse(&text) {
            Ok(c) => (c, None),
            Err(e) => (Config::default(), Some(format!("{}: {e}", path.display()))),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), None),
        Err(e) => (Config::default(), Some(format!("{}: {e}", path.display()))),
    }
}

/// Parses the text of a config file.
pub fn parse(text: &str) -> Result<Config, String> {
    let file: File = toml::from_str(text).map_err(|e| {
        let place = e
            .span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: ")
            })
            .unwrap_or_default();
        format!("{place}{}", e.message())
    })?;
    let mut keys = Vec::new();
    for (action, k) in file.keys {
        if crate::tui::action::Action::from_name(&action).is_none() {
            return Err(format!(
                "[keys] unknown action '{action}' (actions: {})",
                crate::tui::action::Action::ALL
                    .iter()
                    .map(|a| a.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let list = match k {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        };
        let parsed = list
            .iter()
            .map(|s| Key::parse(s).map_err(|e| format!("[keys] {action}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        keys.push((action, parsed));
    }
    let paging = file.paging;
    if !(0.0..=90.0).contains(&paging.reserve_percent) {
        return Err(format!(
            "[paging] reserve_percent = {}: a percentage from 0 to 90",
            paging.reserve_percent
        ));
    }
    if paging.max_pages == 0 {
        return Err("[paging] max_pages = 0: at least 1".into());
    }
    let scripts = file.scripts;
    if !(0.05..=60.0).contains(&scripts.time_seconds) {
        return Err(format!(
            "[scripts] time_seconds = {}: from 0.05 to 60",
            scripts.time_seconds
        ));
    }
    if !(4..=1024).contains(&scripts.memory_mb) {
        return Err(format!(
            "[scripts] memory_mb = {}: from 4 to 1024",
            scripts.memory_mb
        ));
    }
    if let Some(p) = &file.transport.proxy
        && url::Url::parse(p).is_err()
    {
        return Err(format!(
            "[transport] proxy = \"{p}\": not a URL (http://host:port)"
        ));
    }
    if file.transport.cert_key.is_some() && file.transport.cert.is_none() {
        return Err("[transport] cert_key without cert".into());
    }
    let theme_line = text
        .lines()
        .position(|l| l.trim_start().starts_with("theme"))
        .map(|i| i + 1);
    if !(0..=86_400).contains(&file.oauth2.refresh_before_seconds) {
        return Err("[oauth2] refresh_before_seconds is 0 to 86400".into());
    }
    Ok(Config {
        theme: file.theme,
        keys,
        paging,
        scripts,
        transport: file.transport,
        oauth2: file.oauth2,
        theme_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_defaults_are_read_and_checked() {
        let c =
            parse("[transport]\nverify = \"no\"\nproxy = \"http://proxy.corp:3128\"\n").unwrap();
        let mut o = crate::http::ClientOptions::default();
        c.transport.apply(&mut o);
        assert!(o.insecure);
        assert_eq!(o.proxy.as_deref(), Some("http://proxy.corp:3128"));
        // The command's options win: --verify yes undoes the config's no.
        let args = crate::cli::TransportArgs {
            verify: Some("yes".into()),
            ..Default::default()
        };
        args.apply(&mut o);
        assert!(!o.insecure);
        assert_eq!(o.proxy.as_deref(), Some("http://proxy.corp:3128"));
        // So does --verify CA.pem: that CA, verified.
        let mut o = crate::http::ClientOptions::default();
        c.transport.apply(&mut o);
        let args = crate::cli::TransportArgs {
            verify: Some("ca.pem".into()),
            ..Default::default()
        };
        args.apply(&mut o);
        assert!(!o.insecure);
        assert_eq!(o.ca_file.as_deref(), Some(std::path::Path::new("ca.pem")));
        let e = parse("[transport]\nproxy = \"not a url\"\n").unwrap_err();
        assert!(e.contains("[transport] proxy"), "{e}");
        let e = parse("[transport]\ncert_key = \"k.pem\"\n").unwrap_err();
        assert!(e.contains("cert_key without cert"), "{e}");
        let e = parse("[transport]\nverfy = \"no\"\n").unwrap_err();
        assert!(e.contains("verfy"), "{e}");
    }
    #[test]
    fn the_token_caches_skew_is_read_and_checked() {
        assert_eq!(parse("").unwrap().oauth2.refresh_before_seconds, 60);
        let c = parse("[oauth2]\nrefresh_before_seconds = 300\n").unwrap();
        assert_eq!(c.oauth2.refresh_before_seconds, 300);
        for bad in ["-1", "90000"] {
            let e = parse(&format!("[oauth2]\nrefresh_before_seconds = {bad}\n")).unwrap_err();
            assert!(e.contains("0 to 86400"), "{e}");
        }
        assert!(parse("[oauth2]\nskew = 1\n").unwrap_err().contains("skew"));
    }

    use ratatui::crossterm::event::KeyCode;

    #[test]
    fn parses_keys_and_names_problems() {
        let c = parse("theme = \"light\"\n[keys]\nnext_page = \"n\"\nquit = [\"q\", \"Ctrl-q\"]\n")
            .unwrap();
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert_eq!(c.keys[0].0, "next_page");
        assert_eq!(
            c.keys[1].1[1],
            Key {
                code: KeyCode::Char('q'),
                ctrl: true
            }
        );
        assert_eq!(Key::parse("F5").unwrap().code, KeyCode::F(5));
        assert_eq!(Key::parse("Space").unwrap().code, KeyCode::Char(' '));
        assert!(
            parse("[keys]\nfly = \"x\"\n")
                .unwrap_err()
                .contains("unknown action 'fly'")
        );
        assert!(
            parse("[keys]\nquit = \"Hyper-q\"\n")
                .unwrap_err()
                .contains("quit: 'Hyper-q' is not a key")
        );
        assert!(parse("theme = \n").unwrap_err().starts_with("line 1: "));
        assert!(parse("colour = 1\n").unwrap_err().contains("colour"));
    }
}
