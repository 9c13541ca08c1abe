//! `apiscope auth`: the OAuth 2.0 token cache — list, show (masked), clear,
//! and login (a token fetched ahead of a CI run).

use super::{Error, Outcome, Result};
use crate::cli::AuthAction;
use crate::collection::vars::World as _;
use apiscope_core::auth::oauth2::{Config, mask};
use std::io::Write as _;

/// Runs `apiscope auth …`.
pub fn run(action: AuthAction) -> Result<Outcome> {
    let path = crate::oauth::cache_path()
        .ok_or_else(|| Error::Usage("no data directory (set APISCOPE_DATA_DIR)".into()))?;
    let now = crate::oauth::System.now();
    let mut out = String::new();
    match action {
        AuthAction::List => {
            let cache = crate::oauth::read_cache(&path);
            if cache.is_empty() {
                out.push_str("No cached OAuth 2.0 tokens.\n");
            }
            for e in cache.values() {
                out.push_str(&line(e, now));
            }
        }
        AuthAction::Show { id } => {
            let cache = crate::oauth::read_cache(&path);
            let mut any = false;
            for e in cache.values().filter(|e| e.id == id) {
                any = true;
                out.push_str(&line(e, now));
                let t = &e.token;
                out.push_str(&format!("  access token:  {}\n", mask(&t.access_token)));
                if let Some(r) = &t.refresh_token {
                    out.push_str(&format!("  refresh token: {}\n", mask(r)));
                }
                if let Some(r) = &t.id_token {
                    out.push_str(&format!("  ID token:      {}\n", mask(r)));
                }
                if let Some(s) = &t.scope {
                    out.push_str(&format!(
                        "  scope:         {}\n",
                        crate::report::sanitize(s, false)
                    ));
                }
            }
            if !any {
                return Err(Error::Usage(format!(
                    "no cached token for '{}' (apiscope auth list shows what is cached)",
                    crate::report::sanitize(&id, false)
                )));
            }
        }
        AuthAction::Clear { id } => {
            let _lock = crate::oauth::lock(&path).map_err(Error::Usage)?;
            let mut cache = crate::oauth::read_cache(&path);
            let before = cache.len();
            cache.retain(|_, e| id.as_deref().is_some_and(|i| e.id != i));
            let dropped = before - cache.len();
            crate::oauth::write_cache(&path, &cache).map_err(Error::Usage)?;
            out.push_str(&format!("Dropped {dropped} cached token(s).\n"));
        }
        AuthAction::Login {
            id,
            collection,
            env,
            yes,
            no_browser,
        } => {
            let file = collection_file(&collection)?;
            let trust = crate::cli::TrustArgs {
                trust: false,
                allow_read: Vec::new(),
                secrets: Vec::new(),
            };
            // (No --env: the one environment whose Security block has it.)
            let env = match env {
                Some(e) => Some(e),
                None => {
                    let run = super::collection::open(&file, None, &[], &trust, None)?;
                    let envs = run.envs(0);
                    let having: Vec<String> = envs
                        .names()
                        .into_iter()
                        .filter(|n| Config::find(envs, Some(n.as_str()), &id).is_ok())
                        .collect();
                    match having.as_slice() {
                        [one] => Some(one.clone()),
                        [] => None,
                        many => {
                            return Err(Error::Usage(format!(
                                "auth configuration '{id}' is in the environments {}: choose one with --env",
                                many.join(", ")
                            )));
                        }
                    }
                }
            };
            let run = super::collection::open(&file, env.as_deref(), &[], &trust, None)?;
            let config = match id.strip_prefix("httpyac-") {
                // httpyac's `Authorization: oauth2 GRANT PREFIX`: its
                // variables, its grant as a request of the file names it.
                // (Its values are the variables' values already.)
                Some(prefix) => httpyac_config(&run, prefix)
                    .map_err(|e| Error::Usage(format!("{}: {e}", file.display())))?,
                None => Config::find(run.envs(0), run.env(), &id)
                    .map_err(|e| Error::Usage(format!("{}: {e}", file.display())))?
                    .map_values(|v| {
                        run.substitute(0, v, 0, &crate::oauth::System)
                            .map(|(t, _)| t)
                            .map_err(|e| format!("{e:?}"))
                    })
                    .map_err(|e| Error::Usage(format!("auth configuration '{id}': {e}")))?,
            };
            // Where the client's secret goes: the Token URL, and for the
            // device grant its Device Auth URL; each confirmed.
            let mut urls = vec![("Token URL", config.token_url.clone())];
            if config.grant == apiscope_core::auth::oauth2::Grant::DeviceCode
                && let Some(d) = &config.device_auth_url
            {
                urls.push(("Device Auth URL", d.clone()));
            }
            if config.grant == apiscope_core::auth::oauth2::Grant::AuthorizationCode
                && let Some(a) = &config.auth_url
            {
                urls.push(("Auth URL", a.clone()));
            }
            for (what, url) in urls {
                let origin = crate::collection::trust::origin_of(&url).ok_or_else(|| {
                    Error::Usage(format!(
                        "auth configuration '{id}': the {what} is not an http(s) URL"
                    ))
                })?;
                if !run.trust().confirmed(&origin) {
                    if !yes {
                        return Err(Error::Usage(format!(
                            "the {what}'s origin {origin} is not confirmed for this collection (its client secret goes there): pass --yes to confirm it"
                        )));
                    }
                    crate::trust::remember(run.trust().root(), std::slice::from_ref(&origin));
                }
            }
            let key = config.cache_key(run.trust().root());
            let token = if config.grant == apiscope_core::auth::oauth2::Grant::DeviceCode {
                crate::oauth::device_login(&config, &key, |d| {
                    // (What the person needs, on stderr: stdout stays the
                    // result's.)
                    eprintln!(
                        "apiscope: to sign in, open {} and enter the code {}{}",
                        crate::report::sanitize(&d.verification_uri, false),
                        crate::report::sanitize(&d.user_code, false),
                        d.verification_uri_complete
                            .as_deref()
                            .map(|u| format!(" (or open {})", crate::report::sanitize(u, false)))
                            .unwrap_or_default()
                    );
                    eprintln!(
                        "apiscope: waiting for the approval (polling every {} s, for at most {} s)…",
                        d.interval, d.expires_in
                    );
                })
            } else if config.grant == apiscope_core::auth::oauth2::Grant::AuthorizationCode {
                crate::oauth::code_login(&config, &key, !no_browser, |url| {
                    eprintln!(
                        "apiscope: to sign in, open this URL in a browser (waiting for its redirect; on another machine, paste here the address it ends on and press Enter):\n{}",
                        crate::report::sanitize(url, false)
                    );
                })
            } else {
                crate::oauth::token(&config, &key)
            }
            .map_err(|e| Error::Usage(format!("OAuth2 '{id}': {e}")))?;
            out.push_str(&format!(
                "Cached a token for '{}' ({}), {}.\n",
                crate::report::sanitize(&id, false),
                mask(&token.access_token),
                expiry(token.expires_at, now)
            ));
        }
    }
    std::io::stdout()
        .write_all(out.as_bytes())
        .map_err(|e| Error::Usage(e.to_string()))?;
    Ok(Outcome::Ok)
}

/// The configuration of httpyac's `Authorization: oauth2 GRANT PREFIX`:
/// the grant as the first request of the collection that uses PREFIX
/// writes it, the values from PREFIX's variables (as that request would
/// read them).
fn httpyac_config(
    run: &crate::collection::run::CollectionRun,
    prefix: &str,
) -> std::result::Result<Config, String> {
    use apiscope_core::auth::oauth2::Grant;
    let grant = run
        .ids()
        .flat_map(|id| run.request(id).headers.iter())
        .filter(|h| h.name.eq_ignore_ascii_case("authorization"))
        .find_map(|h| {
            let mut words = h.value.split_whitespace();
            if !words.next()?.eq_ignore_ascii_case("oauth2") {
                return None;
            }
            let grant = words.next().unwrap_or("client_credentials");
            (words.next().unwrap_or("oauth2") == prefix).then(|| Config::httpyac_grant(grant))?
        })
        .ok_or_else(|| {
            format!(
                "no request writes `Authorization: oauth2 GRANT {prefix}` (httpyac's form), and there is no Security.Auth configuration 'httpyac-{prefix}'"
            )
        })?;
    if grant == Grant::Implicit {
        return Err("the implicit grant is not supported".into());
    }
    let config = Config::httpyac(prefix, grant, |name| {
        match run.substitute(0, &format!("{{{{{name}}}}}"), 0, &crate::oauth::System) {
            Ok((v, _)) => Ok(Some(v)),
            Err(crate::collection::vars::ResolveError::Error(e))
                if e.message.contains("is not defined") =>
            {
                Ok(None)
            }
            Err(e) => Err(format!("{{{{{name}}}}}: {e:?}")),
        }
    })?;
    config.ok_or_else(|| {
        format!("define {prefix}_tokenEndpoint and {prefix}_clientId (httpyac's variables)")
    })
}

/// A collection argument as a file: the file, or the only (first) `.http`
/// file of a directory.
fn collection_file(arg: &str) -> Result<std::path::PathBuf> {
    let p = std::path::PathBuf::from(arg);
    if !p.is_dir() {
        return Ok(p);
    }
    let mut files: Vec<_> = std::fs::read_dir(&p)
        .map_err(|e| Error::Usage(format!("{arg}: {e}")))?
        .flatten()
        .map(|e| e.path())
        .filter(|f| f.extension().is_some_and(|x| x == "http" || x == "rest"))
        .collect();
    files.sort();
    files
        .into_iter()
        .next()
        .ok_or_else(|| Error::Usage(format!("{arg}: no .http file in it")))
}

fn line(e: &crate::oauth::Entry, now: i64) -> String {
    format!(
        "{}  {}  {}  client {}  {}\n",
        crate::report::sanitize(&e.id, false),
        e.grant,
        crate::report::sanitize(&e.token_url, false),
        crate::report::sanitize(&e.client_id, false),
        expiry(e.token.expires_at, now)
    )
}

fn expiry(at: Option<i64>, now: i64) -> String {
    match at {
        None => "no expiry given".into(),
        Some(t) if t <= now => format!(
            "expired {} ago",
            crate::time::human(std::time::Duration::from_secs(now.abs_diff(t)))
        ),
        Some(t) => format!(
            "expires in {}",
            crate::time::human(std::time::Duration::from_secs(t.abs_diff(now)))
        ),
    }
}
