//! `apiscope send`: one request (or every page), then the diagnosis.

use super::{
    Outcome, Result, check_dialect, client_with, count_bar, emit, load_profiles, max_wait,
    outcome_of, save_session, spinner, use_color, write_out,
};
use crate::cli::SendArgs;
use crate::decode::{self, Options};
use crate::driver::{self, Engine, Received, Run};
use crate::http::drive::{self, Event};
use crate::model::Request;
use crate::report::{self, Format};
use std::time::Instant;

/// The process environment, for `{{env.NAME}}`.
pub fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The request the arguments describe: `{{env.NAME}}` resolved, the items,
/// then `--bearer` / `--auth`, which replace any Authorization item. A
/// request that cannot be formed is an error before anything is sent.
fn request(args: &SendArgs) -> Result<Request> {
    if let Some(word) = args.request.first()
        && super::collection::is_path(word)
    {
        return Err(super::Error::Usage(format!(
            "{}: send takes a URL, or FILE.http#NAME for a collection's request",
            crate::report::sanitize(word, false)
        )));
    }
    let words = args
        .request
        .iter()
        .map(|w| crate::line::expand_env(w, env_lookup))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(super::Error::Usage)?;
    Ok(items_of(args, &words)?.to_request(&|p: &std::path::Path| std::fs::read(p))?)
}

/// A collection's request with the command line's items, `--raw`,
/// `--form`, `--bearer` and `--auth` applied over it: item headers replace
/// the file's of the same name, query items are added, a body from the
/// items replaces the file's.
fn with_items(args: &SendArgs, mut request: Request) -> Result<Request> {
    let mut words = vec![
        request.method.clone(),
        request.url.clone().unwrap_or_default(),
    ];
    for w in &args.request[1..] {
        words.push(crate::line::expand_env(w, env_lookup).map_err(super::Error::Usage)?);
    }
    let spec = items_of(args, &words)?.to_request(&|p: &std::path::Path| std::fs::read(p))?;
    request.url = spec.url;
    for (k, _) in spec.headers.iter() {
        request.headers.remove(k);
    }
    for (k, v) in spec.headers.iter() {
        request.headers.push(k, v);
    }
    if !spec.body.is_empty() {
        request.body = spec.body;
    }
    Ok(request)
}

/// The words as items, with `--raw`, `--form` / `--multipart`, and
/// `--bearer` / `--auth` (last, so they replace any Authorization item).
fn items_of(args: &SendArgs, words: &[String]) -> Result<crate::items::Items> {
    use crate::items::{BodyMode, Item, Items};
    let expand = |w: &str| crate::line::expand_env(w, env_lookup).map_err(super::Error::Usage);
    let mut items = Items::parse(words)?;
    let mode = if args.multipart {
        BodyMode::Multipart
    } else if args.form {
        BodyMode::Form
    } else {
        BodyMode::Json
    };
    items.mode = items.mode.max(mode);
    if let Some(raw) = &args.raw {
        items.items.push(Item::Raw(expand(raw)?));
    }
    if let Some(token) = &args.bearer {
        items.items.push(Item::Bearer(expand(token)?));
    } else if let Some(token_url) = &args.oauth2_token_url {
        items
            .items
            .push(Item::Bearer(oauth2_token(args, token_url, &expand)?));
    } else if let Some(spec) = &args.aws_sigv4 {
        // The shorthand the client signs with as the request leaves.
        let (user, token) = match &args.auth {
            Some(a) => (a.clone(), None),
            None => aws_credentials()?,
        };
        let aws = apiscope_core::auth::sigv4::from_curl(spec, &user, &items.url)
            .map_err(super::Error::Usage)?;
        let token = token.map(|t| format!(" token:{t}")).unwrap_or_default();
        items.items.push(Item::Header(
            "Authorization".into(),
            format!(
                "AWS {} {}{token} region:{} service:{}",
                aws.key_id, aws.secret, aws.region, aws.service
            ),
        ));
    } else if let Some(auth) = &args.auth {
        use crate::cli::AuthType;
        match args.auth_type {
            AuthType::Basic => items.items.push(Item::Auth(auth.clone())),
            AuthType::Bearer => items.items.push(Item::Bearer(auth.clone())),
            AuthType::Digest => {
                let Some((user, password)) = auth.split_once(':') else {
                    return Err(super::Error::Usage(
                        "--auth-type digest takes --auth USER:PASSWORD".into(),
                    ));
                };
                // The shorthand the client answers the challenge with; it
                // never goes on the wire itself.
                items.items.push(Item::Header(
                    "Authorization".into(),
                    format!("Digest {user} {password}"),
                ));
            }
        }
    }
    Ok(items)
}

/// `send --oauth2-token-url …`: the token of that configuration — this
/// process's, the cache's while fresh, else refreshed or fetched (client
/// credentials, or the password grant with --oauth2-username), as a
/// collection's `$auth.token` gets it. The user typed the Token URL: it
/// is theirs to send the client secret to.
fn oauth2_token(
    args: &SendArgs,
    token_url: &str,
    expand: &dyn Fn(&str) -> Result<String>,
) -> Result<String> {
    use apiscope_core::auth::oauth2::{ClientAuth, Config, Grant};
    let usage = |m: String| super::Error::Usage(m);
    let parsed = url::Url::parse(token_url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| {
            usage(format!(
                "--oauth2-token-url {}: not an http(s) URL",
                crate::report::sanitize(token_url, false)
            ))
        })?;
    let client_id = args
        .oauth2_client_id
        .clone()
        .ok_or_else(|| usage("--oauth2-token-url needs --oauth2-client-id".into()))?;
    let client_secret = args
        .oauth2_client_secret
        .as_deref()
        .map(expand)
        .transpose()?;
    let password = args.oauth2_password.as_deref().map(expand).transpose()?;
    let config = Config {
        id: format!("send {}", parsed.origin().ascii_serialization()),
        grant: if args.oauth2_username.is_some() {
            Grant::Password
        } else {
            Grant::ClientCredentials
        },
        token_url: token_url.to_owned(),
        device_auth_url: None,
        auth_url: None,
        redirect_url: None,
        client_auth: if client_secret.is_some() {
            ClientAuth::Basic
        } else {
            ClientAuth::None
        },
        client_id,
        client_secret,
        scope: args.oauth2_scope.clone(),
        audience: args.oauth2_audience.clone(),
        resource: None,
        subject_token: None,
        subject_token_type: None,
        requested_token_type: None,
        pkce: apiscope_core::auth::oauth2::Pkce::S256,
        code_verifier: None,
        username: args.oauth2_username.clone(),
        password,
    };
    let key = config.cache_key(std::path::Path::new("send"));
    crate::oauth::token(&config, &key)
        .map(|t| t.access_token)
        .map_err(|e| {
            usage(format!(
                "--oauth2-token-url: {}",
                crate::report::sanitize(&e, false)
            ))
        })
}

/// Runs `send`.
pub async fn run(args: SendArgs) -> Result<Outcome> {
    let profiles = load_profiles();
    check_dialect(&profiles, args.dialect.as_deref())?;
    let collection = super::collection::target(&args.request[0]);
    if collection.is_none()
        && (args.env.is_some()
            || !args.vars.is_empty()
            || !args.trust.secrets.is_empty()
            || args.trust.trust
            || !args.trust.allow_read.is_empty())
    {
        return Err(super::Error::Usage(
            "--env, --var, --secret, --trust and --allow-read go with a collection request: send FILE.http#NAME".into(),
        ));
    }
    let request = match &collection {
        Some(_) => None,
        None => Some(request(&args)?),
    };
    let client = client_with(args.timeout, |o| {
        o.insecure |= args.insecure;
        o.max_redirects = args.max_redirects;
        o.max_body = args.max_body;
        args.transport.apply(o);
    })?;
    let options = Options {
        dialect: args.dialect.clone(),
        now: None,
    };
    // A collection's request: its variables resolved, the requests it
    // refers to sent first.
    let mut session = None;
    let mut goal_resolved: Option<crate::collection::vars::Resolved> = None;
    let mut engine = Engine::default();
    // The dialect the collection's request names (`# @dialect`).
    let mut chosen: Option<String> = None;
    let request = match (request, collection) {
        (Some(r), _) => r,
        (None, Some((path, selector))) => {
            let mut run = super::collection::open(
                &path,
                args.env.as_deref(),
                &args.vars,
                &args.trust,
                args.transport.cookie_jar.as_deref(),
            )?;
            let goal = super::collection::pick(&run, selector.as_deref())?;
            let mut net = super::collection::Net {
                given: args.transport.given(args.insecure),
                transport_client: None,
                client: &client,
                engine: Engine::default(),
                profiles: &profiles,
                options: &options,
                max_wait: max_wait(args.max_wait)?,
                rejected: 0,
                gave_up: None,
            };
            let (ticket, resolved) =
                super::collection::prepare(&mut run, goal, &mut net, args.yes).await?;
            let request = with_items(&args, resolved.request.clone())?;
            chosen.clone_from(&resolved.dialect);
            goal_resolved = Some(resolved.clone());
            // (Pages share the budget the requests sent first used.)
            engine = net.engine;
            session = Some((run, ticket, resolved.output.clone()));
            request
        }
        (None, None) => unreachable!("a request or a collection target"),
    };
    // Its environment's SSLConfiguration (under --cert/--verify given).
    let client = match goal_resolved.as_ref().and_then(|r| r.transport.as_ref()) {
        Some(t) => client
            .for_request(t, args.transport.given(args.insecure))
            .map_err(|e| {
                super::Error::Usage(format!(
                    "the environment's SSLConfiguration: {}",
                    crate::report::sanitize(&e.to_string(), false)
                ))
            })?,
        None => client,
    };
    // `# @no-cookie-jar`: the run's jar stays out of this request.
    let client = match &goal_resolved {
        Some(r) if r.no_cookie_jar => client.without_jar(),
        _ => client,
    };
    // A collection's secret values follow no redirect to another origin.
    let by_value = session
        .as_ref()
        .map(|(run, ..)| run.secrets())
        .unwrap_or_default();
    if !args.paginate {
        let what = format!(
            "{} {}",
            request.method,
            crate::redact::url(request.url.as_deref().unwrap_or(""))
        );
        let (exchange, written) = if args.output.is_some() || args.download {
            download(&client, &request, &args, &what, &by_value).await?
        } else {
            let progress = spinner(&what);
            let exchange = client.send_with(&request, &by_value).await;
            progress.finish_and_clear();
            (exchange, None)
        };
        let mut exchange = exchange;
        // A 401 to a request that carried an OAuth 2.0 token: renewed
        // once (refreshed, or fetched anew), and the request sent again.
        let renewal = match goal_resolved.as_ref() {
            Some(r) if exchange.response.status == Some(401) && written.is_none() => {
                crate::oauth::renewed(r)
            }
            _ => Ok(None),
        };
        if let Err(why) = &renewal {
            exchange.response.notes.insert(
                0,
                format!(
                    "The answer was 401 with the OAuth2 token, which could not be renewed: {why}"
                ),
            );
        }
        if let Ok(Some(renewed)) = renewal
            && let Some((run, ..)) = session.as_mut()
        {
            run.keep_secrets(&renewed.secrets);
            eprintln!(
                "apiscope: the OAuth2 token was refused (401): renewed once, and the request sent again"
            );
            let again = with_items(&args, renewed.request.clone())?;
            exchange = client.send_with(&again, &run.secrets()).await;
            exchange.response.notes.insert(
                0,
                "The first answer was 401 with the cached OAuth2 token: the token was renewed and the request sent again".into(),
            );
        }
        exchange.dialect.clone_from(&chosen);
        // What is shown and reported has a collection's secrets redacted
        // by value (a report goes into tickets), as `replay` does.
        let shown = match &session {
            Some((run, ..)) => run.redacted(&exchange),
            None => exchange.clone(),
        };
        let d = decode::diagnose(&shown, &profiles, &options);
        if args.verbose {
            eprint!("{}", verbose(&shown, use_color()));
        }
        if let Some((run, ticket, output)) = &mut session {
            super::collection::record_diagnosed(run, ticket.id, &shown, &d);
            run.received(ticket, exchange.clone(), &crate::collection::vars::System);
            super::collection::script_reports(run);
            if let Some((path, overwrite)) = output {
                super::collection::write_output(path, *overwrite, &exchange.response.body)?;
            }
        } else {
            super::keep(&exchange, &d, "send", None);
        }
        // The answer first: a request was sent, whatever happens to the file.
        if args.body {
            write_body(&exchange.response.body)?;
        } else {
            emit(args.format, std::slice::from_ref(&d))?;
            if let Some(line) = written {
                eprintln!("{line}");
            } else if args.format == Format::Text
                && !args.download
                && args.output.is_none()
                && !exchange.response.body.is_empty()
            {
                let color = use_color();
                write_out("\n")?;
                super::write_with(|out| {
                    crate::report::body::write_to(out, &shown.response.body, color)
                })?;
            }
        }
        if let Some(target) = &args.save {
            let saved = match &session {
                // The collection's secrets go by value, whatever they are called.
                Some((run, ..)) if !args.keep_secrets => run.redacted(&exchange),
                _ => exchange.clone(),
            };
            save_session(
                target,
                std::slice::from_ref(&saved),
                &profiles,
                args.keep_secrets,
            )?;
        }
        return Ok(outcome_of(&[d]));
    }
    // A collection's secrets are redacted by value in what pages write.
    let secrets = session
        .as_ref()
        .map(|(run, ..)| run.secrets())
        .unwrap_or_default();
    paginate(
        args,
        request,
        Paging {
            client: &client,
            profiles: &profiles,
            engine,
            secrets: &secrets,
            dialect: chosen,
        },
        options,
    )
    .await
}

/// What a `--paginate` run sends with: the client, the profiles, the
/// engine (the budget so far), and the secrets to redact by value in the
/// history and the saved session (a collection request's).
struct Paging<'a> {
    client: &'a crate::http::Client,
    profiles: &'a decode::Profiles,
    engine: Engine,
    secrets: &'a [String],
    /// The dialect the collection's request names.
    dialect: Option<String>,
}

/// `-o FILE` / `--download`: sends the request with its body streamed into
/// a temporary file beside the target (a progress bar on stderr), then
/// moves it into place. Returns the exchange and the line saying where
/// the body went (or why it did not).
async fn download(
    client: &crate::http::Client,
    request: &Request,
    args: &SendArgs,
    what: &str,
    by_value: &[String],
) -> Result<(crate::model::Exchange, Option<String>)> {
    use std::path::{Path, PathBuf};
    let dir = match &args.output {
        Some(path) => Path::new(path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        None => PathBuf::from("."),
    };
    let output = |e: std::io::Error| super::Error::Output(format!("{}: {e}", dir.display()));
    let mut tmp = tempfile::Builder::new()
        .prefix(".apiscope-download-")
        .tempfile_in(&dir)
        .map_err(output)?;
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} {bytes}/{total_bytes} · {binary_bytes_per_sec} · ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message(crate::report::sanitize(what, false));
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    let started = Instant::now();
    let mut progress = |done: u64, total: Option<u64>| {
        if let Some(t) = total {
            bar.set_length(t);
        }
        bar.set_position(done);
    };
    let (exchange, written, error) = {
        let mut sink = crate::http::Sink {
            file: tmp.as_file_mut(),
            progress: &mut progress,
            written: 0,
            error: None,
        };
        let exchange = client.send_to(request, Some(&mut sink), by_value).await;
        (exchange, sink.written, sink.error)
    };
    bar.finish_and_clear();
    if exchange.failure.is_some() {
        return Ok((
            exchange,
            Some("apiscope: no response: nothing written".into()),
        ));
    }
    if let Some(e) = error {
        return Err(super::Error::Output(format!(
            "writing the body to {}: {e}",
            dir.display()
        )));
    }
    let status = exchange.response.status.unwrap_or(0);
    let target = match &args.output {
        Some(path) => PathBuf::from(path),
        None if status >= 400 => {
            return Ok((
                exchange,
                Some(format!(
                    "apiscope: HTTP {status}: the error body is shown above, not downloaded"
                )),
            ));
        }
        None => dir.join(download_name(&exchange)),
    };
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    let mut path = target.clone();
    let placed = if args.output.is_some() {
        tmp.persist(&path).map(|_| ()).map_err(|e| e.error)
    } else {
        // Never over an existing file: name-1.ext, name-2.ext, …
        let mut n = 0;
        loop {
            match tmp.persist_noclobber(&path) {
                Ok(_) => break Ok(()),
                Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => {
                    n += 1;
                    tmp = e.file;
                    path = numbered(&target, n);
                }
                Err(e) => break Err(e.error),
            }
        }
    };
    placed.map_err(|e| super::Error::Output(format!("{}: {e}", path.display())))?;
    Ok((
        exchange,
        Some(format!(
            "apiscope: {} written to {} in {secs:.1} s ({}/s)",
            crate::http::human_size(written as usize),
            crate::report::sanitize(&path.display().to_string(), false),
            crate::http::human_size((written as f64 / secs) as usize)
        )),
    ))
}

/// The file name a download gets: `Content-Disposition`'s `filename*` or
/// `filename` (its last path component only), else the URL's last path
/// segment, else `index`.
fn download_name(exchange: &crate::model::Exchange) -> String {
    let from_header = exchange
        .response
        .headers
        .get("content-disposition")
        .and_then(disposition_filename);
    let from_url = || {
        exchange
            .url()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| {
                u.path_segments()
                    .and_then(|mut s| s.next_back().map(str::to_owned))
            })
            .map(|seg| {
                url::form_urlencoded::parse(format!("x={seg}").as_bytes())
                    .next()
                    .map_or(seg.clone(), |(_, v)| v.into_owned())
            })
    };
    from_header
        .or_else(from_url)
        .map(|n| safe_name(&n))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "index".to_owned())
}

/// `attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf` / `filename="a.zip"`.
fn disposition_filename(v: &str) -> Option<String> {
    let mut plain = None;
    for part in v.split(';').map(str::trim) {
        let Some((k, val)) = part.split_once('=') else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "filename*" => {
                let encoded = val.trim().splitn(3, '\'').nth(2)?;
                let bytes: Vec<u8> = url::form_urlencoded::parse(
                    format!("x={}", encoded.replace('+', "%2B")).as_bytes(),
                )
                .next()
                .map(|(_, v)| v.into_owned().into_bytes())?;
                return String::from_utf8(bytes).ok();
            }
            "filename" => plain = Some(val.trim().trim_matches('"').to_owned()),
            _ => {}
        }
    }
    plain
}

/// The last path component, without control characters or a leading dot:
/// a server never picks where a download goes.
fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean == ".." { String::new() } else { clean }
}

/// `report.pdf` → `report-1.pdf`, `data` → `data-1`: numbered before the
/// last extension, as browsers number downloads.
fn numbered(path: &std::path::Path, n: u32) -> std::path::PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    path.with_file_name(name)
}

/// What the progress line of `send --paginate` is made from, after a page.
pub struct PageProgress<'a> {
    /// Items received so far.
    pub items: u64,
    /// The page's pagination, when it has one.
    pub pagination: Option<&'a decode::Pagination>,
    /// The budget after it: (remaining, limit).
    pub budget: Option<(Option<u64>, Option<u64>)>,
    /// Its number (1-based).
    pub page: u32,
    /// `--max-pages`.
    pub max_pages: u32,
    /// Time since the run started.
    pub elapsed: std::time::Duration,
    /// When the budget lets the run end, if it says.
    pub eta: Option<std::time::Duration>,
}

/// The progress line after a page: the known total of pages (the page
/// count, or the items' total over the page size; capped by
/// `--max-pages`), and `N items · budget R/L · ETA …` — every field it
/// knows, none empty.
pub struct PageLine {
    /// The pages in all, when known.
    pub total: Option<u64>,
    /// The message's parts.
    pub parts: Vec<String>,
}

/// [`PageLine`] for `p`.
pub fn page_progress(p: &PageProgress<'_>) -> PageLine {
    let total = p.pagination.and_then(|g| {
        g.page_count.or_else(|| match (g.total_items, g.page_size) {
            (Some(t), Some(s)) if s > 0 && t >= 0 => Some((t + s - 1) / s),
            _ => None,
        })
    });
    let mut parts = vec![format!("{} items", p.items)];
    match p.budget {
        Some((Some(r), Some(l))) => parts.push(format!("budget {r}/{l}")),
        Some((Some(r), None)) => parts.push(format!("budget {r} left")),
        _ => {}
    }
    let total = total.map(|count| count.clamp(1, i64::from(p.max_pages)) as u64);
    if let Some(count) = total {
        let done = u64::from(p.page.max(1));
        if done < count {
            // The larger of the pace so far and what the budget allows: a
            // limit to wait for shows at once.
            let per_page = p.elapsed.as_secs_f64() / done as f64;
            let by_pace = std::time::Duration::from_secs_f64(per_page * (count - done) as f64);
            let eta = p.eta.map_or(by_pace, |e| e.max(by_pace));
            parts.push(format!("ETA {}", crate::time::human(eta)));
        }
    }
    PageLine { total, parts }
}

/// The page bar's look: with the total once a page tells it, without
/// (a bare count) before.
fn page_style(total_known: bool) -> indicatif::ProgressStyle {
    let template = if total_known {
        "{spinner} page {pos}/{len} · {elapsed} · {msg}"
    } else {
        "{spinner} page {pos} · {elapsed} · {msg}"
    };
    indicatif::ProgressStyle::with_template(template)
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner())
}

/// `--body`: the body's bytes as they came when stdout is a pipe; through
/// the sanitiser when it is a terminal (a hostile body must not act on it).
fn write_body(body: &[u8]) -> Result<()> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        write_out(&crate::report::sanitize(
            &String::from_utf8_lossy(body),
            true,
        ))
    } else {
        super::write_bytes(body)
    }
}

/// `send --paginate`: every page, paced by the budget, through the driver.
async fn paginate(
    args: SendArgs,
    request: Request,
    with: Paging<'_>,
    options: Options,
) -> Result<Outcome> {
    let Paging {
        client,
        profiles,
        mut engine,
        secrets,
        dialect,
    } = with;
    if !(0.0..=90.0).contains(&args.reserve) {
        return Err(super::Error::Usage(format!(
            "--reserve {}: a percentage of the budget from 0 to 90",
            args.reserve
        )));
    }
    let settings = driver::Settings {
        max_pages: args.max_pages,
        reserve: args.reserve / 100.0,
        max_wait: max_wait(args.max_wait)?,
        ..driver::Settings::default()
    };
    let max_retries = settings.max_retries;
    let settings_max_wait = settings.max_wait;
    let mut run = Run::pages(request, settings)
        .with_secrets(secrets.to_vec())
        .with_dialect(dialect);
    let bar = count_bar(u64::from(args.max_pages), "page");
    // Until the first page is in, no count ("page 0" would read as a
    // page); then pages without a total until a page says how many there
    // are (the page cap is no total).
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed} · {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message("sending page 1");
    let mut counting = false;
    let mut sized = false;
    let mut last_rejected: Option<(u32, String)> = None;
    let color = args.format == Format::Text && use_color();
    // A collection's secrets are redacted by value in what is shown too
    // (the diagnosis made again from the redacted exchange).
    let shown_text = |exchange: &crate::model::Exchange, diagnosis: &decode::Diagnosis| {
        let redone = (!secrets.is_empty()).then(|| {
            let mut e = exchange.clone();
            crate::redact::values(&mut e, secrets);
            decode::diagnose(&e, profiles, &options)
        });
        let shown = redone.as_ref().unwrap_or(diagnosis);
        report::render(args.format, std::slice::from_ref(shown), color)
    };
    let mut any_error = false;
    let mut write_error = None;
    let mut first = true;
    let mut items = 0u64;
    let mut last_status = String::new();
    let mut saved = Vec::new();
    let started = Instant::now();
    let mut announced = None;
    let mut next_page = 1u32;
    let summary = drive::drive(
        client,
        &mut engine,
        &mut run,
        profiles,
        &options,
        |event| match event {
            Event::Response {
                outgoing,
                exchange,
                diagnosis,
                received,
                budget,
                eta,
            } => {
                let safe = (!secrets.is_empty()).then(|| {
                    let mut e = exchange.clone();
                    crate::redact::values(&mut e, secrets);
                    e
                });
                if args.save.is_some() {
                    saved.push(match (&safe, args.keep_secrets) {
                        (Some(s), false) => s.clone(),
                        _ => exchange.clone(),
                    });
                }
                super::keep(safe.as_ref().unwrap_or(exchange), diagnosis, "send", None);
                if !outgoing.stripped.is_empty() {
                    let host = outgoing
                        .request
                        .url
                        .as_deref()
                        .and_then(|u| url::Url::parse(u).ok())
                        .and_then(|u| u.host_str().map(str::to_owned))
                        .unwrap_or_default();
                    bar.suspend(|| {
                        super::warn(&format!(
                            "page {}: {}",
                            outgoing.number,
                            outgoing.stripped.describe(&host)
                        ));
                    });
                }
                let number = match received {
                    Received::Accepted { number } => {
                        next_page = number + 1;
                        *number
                    }
                    Received::Rejected { number, attempt } if *attempt <= max_retries => {
                        let retry = budget.as_ref().map(|b| b.next_in);
                        // Kept: when the wait proves longer than --max-wait,
                        // this 429 is what stopped the run and is shown.
                        last_rejected = Some((*number, shown_text(exchange, diagnosis)));
                        // No ETA shorter than the wait the 429 asks for.
                        if let Some(w) = retry {
                            let line = page_progress(&PageProgress {
                                items,
                                pagination: diagnosis.pagination.as_ref(),
                                budget: budget.as_ref().map(|b| (b.remaining, b.limit)),
                                page: number.saturating_sub(1),
                                max_pages: args.max_pages,
                                elapsed: started.elapsed(),
                                eta: Some(eta.map_or(w, |e| e.max(w))),
                            });
                            last_status = line.parts.join(" · ");
                            bar.set_message(last_status.clone());
                        }
                        bar.suspend(|| match retry {
                            Some(w) if w > settings_max_wait => eprintln!(
                                "apiscope: page {number}: 429 Too Many Requests; the next try could only go in {} (longer than --max-wait)",
                                crate::time::human(w)
                            ),
                            Some(w) => eprintln!(
                                "apiscope: page {number}: 429 Too Many Requests; retrying in {}",
                                crate::time::human(w)
                            ),
                            None => {
                                eprintln!("apiscope: page {number}: 429 Too Many Requests; retrying");
                            }
                        });
                        return;
                    }
                    // The last 429, which ends the run: shown like a page.
                    Received::Rejected { number, .. } => *number,
                    Received::Ignored => return,
                };
                last_rejected = None;
                any_error |= diagnosis.is_error();
                // The progress line: pages of the known total, items so
                // far, the budget and when the run should end.
                items += diagnosis
                    .pagination
                    .as_ref()
                    .and_then(|p| p.items)
                    .unwrap_or(0) as u64;
                let line = page_progress(&PageProgress {
                    items,
                    pagination: diagnosis.pagination.as_ref(),
                    budget: budget.as_ref().map(|b| (b.remaining, b.limit)),
                    page: number,
                    max_pages: args.max_pages,
                    elapsed: started.elapsed(),
                    eta,
                });
                if let Some(count) = line.total {
                    if !sized {
                        sized = true;
                        counting = true;
                        bar.set_style(page_style(true));
                    }
                    bar.set_length(count);
                } else if !counting {
                    counting = true;
                    bar.set_style(page_style(false));
                }
                let parts = line.parts;
                bar.set_position(u64::from(number));
                last_status = parts.join(" · ");
                bar.set_message(last_status.clone());
                if args.body {
                    let body = &exchange.response.body;
                    bar.suspend(|| {
                        if let Err(e) = write_body(body).and_then(|()| write_out("\n")) {
                            write_error.get_or_insert(e);
                        }
                    });
                    return;
                }
                let mut text = shown_text(exchange, diagnosis);
                if args.format != Format::Json {
                    let sep = if first { "" } else { "\n" };
                    text = format!("{sep}── page {number} ──\n{text}");
                }
                first = false;
                bar.suspend(|| {
                    if let Err(e) = write_out(&text) {
                        write_error.get_or_insert(e);
                    }
                });
            }
            Event::Waiting { until, why } => {
                let wait = until.saturating_duration_since(Instant::now());
                super::say_wait(&bar, &mut announced, until, why, next_page);
                if wait.as_millis() > 200 {
                    let what = why.label();
                    bar.set_message(format!(
                        "{last_status} · {what}: next request in {}",
                        crate::time::human(wait)
                    ));
                }
            }
        },
    )
    .await;
    bar.finish_and_clear();
    if let Some(e) = write_error {
        return Err(e);
    }
    // A run that --max-wait stopped after a 429 shows that 429: it is why.
    if let (Some((number, text)), driver::Stop::WaitTooLong { .. }) =
        (&last_rejected, &summary.stop)
        && !args.body
    {
        let text = if args.format == Format::Json {
            text.clone()
        } else {
            let sep = if first { "" } else { "\n" };
            format!("{sep}── page {number} (429, not retried) ──\n{text}")
        };
        write_out(&text)?;
    }
    if let Some(target) = &args.save {
        save_session(target, &saved, profiles, args.keep_secrets)?;
    }
    let stop = match &summary.stop {
        driver::Stop::MaxPages(n) => format!("stopped at --max-pages {n}"),
        other => other.describe(),
    };
    eprintln!(
        "apiscope: {} pages, {} items, {} × 429, {:.1} s; {stop}",
        summary.accepted,
        summary.items,
        summary.rejected,
        summary.elapsed.as_secs_f64()
    );
    Ok(Outcome::from_failed(any_error || summary.stop.is_failure()))
}

/// AWS credentials as the AWS tools find them: `AWS_ACCESS_KEY_ID` and
/// `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), else the profile
/// `AWS_PROFILE` (or `default`) of `AWS_SHARED_CREDENTIALS_FILE` (or
/// `~/.aws/credentials`): `("KEY_ID:SECRET", session token)`.
fn aws_credentials() -> Result<(String, Option<String>)> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let (Some(id), Some(secret)) = (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        return Ok((format!("{id}:{secret}"), var("AWS_SESSION_TOKEN")));
    }
    let profile = var("AWS_PROFILE").unwrap_or_else(|| "default".into());
    let path = var("AWS_SHARED_CREDENTIALS_FILE")
        .map(std::path::PathBuf::from)
        .or_else(|| var("HOME").map(|h| std::path::Path::new(&h).join(".aws/credentials")))
        .ok_or_else(|| {
            super::Error::Usage(
                "--aws-sigv4: no credentials (-a KEY_ID:SECRET, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or ~/.aws/credentials)".into(),
            )
        })?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        super::Error::Usage(format!(
            "--aws-sigv4: no credentials (-a KEY_ID:SECRET, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or {}: {e})",
            path.display()
        ))
    })?;
    let mut section = String::new();
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines() {
        let l = line.trim();
        if let Some(name) = l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = name.trim().to_owned();
        } else if section == profile
            && let Some((k, v)) = l.split_once('=')
        {
            let v = Some(v.trim().to_owned());
            match k.trim() {
                "aws_access_key_id" => id = v,
                "aws_secret_access_key" => secret = v,
                "aws_session_token" => token = v,
                _ => {}
            }
        }
    }
    match (id, secret) {
        (Some(i), Some(s)) => Ok((format!("{i}:{s}"), token)),
        _ => Err(super::Error::Usage(format!(
            "--aws-sigv4: the profile [{profile}] of {} has no aws_access_key_id and aws_secret_access_key",
            path.display()
        ))),
    }
}

/// `send -v`: the request as it went (the last hop; credentials masked,
/// the headers the client adds included), the response's head, and where
/// the time went, curl's way: `>` out, `<` in, `*` apiscope's.
fn verbose(e: &crate::model::Exchange, color: bool) -> String {
    use std::fmt::Write as _;
    // Written raw, line by line, then each line through the sanitiser
    // (`*` lines dimmed after it).
    let mut out = String::new();
    if let Some(r) = &e.request {
        let mut r = r.clone();
        crate::redact::request(&mut r);
        let url = r.url.as_deref().unwrap_or("");
        let parsed = url::Url::parse(url).ok();
        let target = parsed.as_ref().map_or_else(
            || url.to_owned(),
            |u| match u.query() {
                Some(q) => format!("{}?{q}", u.path()),
                None => u.path().to_owned(),
            },
        );
        let _ = writeln!(out, "> {} {target}", r.method);
        if !r.headers.contains("host")
            && let Some(host) = parsed.as_ref().and_then(|u| u.host_str())
        {
            match parsed.as_ref().and_then(url::Url::port) {
                Some(p) => {
                    let _ = writeln!(out, "> Host: {host}:{p}");
                }
                None => {
                    let _ = writeln!(out, "> Host: {host}");
                }
            }
        }
        for (k, v) in r.headers.iter() {
            let _ = writeln!(out, "> {k}: {v}");
        }
        if !r.headers.contains("user-agent") {
            let _ = writeln!(out, "> user-agent: apiscope/{}", env!("CARGO_PKG_VERSION"));
        }
        if !r.body.is_empty() {
            if !r.headers.contains("content-length") {
                let _ = writeln!(out, "> content-length: {}", r.body.len());
            }
            out.push_str(">\n");
            let text = String::from_utf8_lossy(&r.body[..r.body.len().min(2048)]).into_owned();
            for line in text.lines() {
                let _ = writeln!(out, "> {line}");
            }
            if r.body.len() > 2048 {
                let _ = writeln!(out, "* … {} bytes in all", r.body.len());
            }
        }
        out.push_str(">\n");
    }
    if let Some(status) = e.response.status {
        let mut h = e.response.headers.clone();
        crate::redact::headers(&mut h);
        let _ = writeln!(
            out,
            "< {} {status} {}",
            e.response.version.as_deref().map_or("HTTP", |v| v),
            e.response.reason.as_deref().unwrap_or("")
        );
        for (k, v) in h.iter() {
            let _ = writeln!(out, "< {k}: {v}");
        }
        out.push_str("<\n");
    }
    match (e.timing.phases, e.timing.total_ms) {
        (Some(p), total) => {
            let t = apiscope_core::decode::Timings {
                phases: p,
                total_ms: total,
                ..Default::default()
            };
            let _ = writeln!(out, "* {}", t.line());
        }
        (None, Some(t)) => {
            let _ = writeln!(out, "* {} in all", crate::time::human_ms(t));
        }
        (None, None) => {}
    }
    out.lines()
        .map(|l| {
            let l = crate::report::sanitize(l, false);
            if color && l.starts_with('*') {
                format!("\x1b[2m{l}\x1b[0m\n")
            } else {
                l + "\n"
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{PageProgress, page_progress};
    use apiscope_core::decode::Pagination;
    use std::time::Duration;

    fn line(
        pagination: Option<&Pagination>,
        page: u32,
        elapsed_ms: u64,
        eta: Option<u64>,
    ) -> (Option<u64>, String) {
        let l = page_progress(&PageProgress {
            items: 60,
            pagination,
            budget: Some((Some(17), Some(20))),
            page,
            max_pages: 1000,
            elapsed: Duration::from_millis(elapsed_ms),
            eta: eta.map(Duration::from_millis),
        });
        (l.total, l.parts.join(" · "))
    }

    #[test]
    fn the_progress_line_shows_the_known_total_and_fills_every_field() {
        // A total from total_items / page_size (200 items by 20: 10 pages),
        // never the page cap; the ETA by the pace so far (3 pages in 3 s:
        // 7 more take 7 s).
        let p = Pagination {
            total_items: Some(200),
            page_size: Some(20),
            ..Pagination::default()
        };
        assert_eq!(
            line(Some(&p), 3, 3_000, None),
            (Some(10), "60 items · budget 17/20 · ETA 7.0 s".into())
        );
        // The budget's wait wins when longer (a limit to wait for).
        assert_eq!(
            line(Some(&p), 3, 3_000, Some(120_000)).1,
            "60 items · budget 17/20 · ETA 2 min"
        );
        // A page count says it directly; the last page has no ETA.
        let p = Pagination {
            page_count: Some(5),
            ..Pagination::default()
        };
        assert_eq!(
            line(Some(&p), 5, 9_000, None),
            (Some(5), "60 items · budget 17/20".into())
        );
        // No total known: pages counted without one, no empty field.
        let (total, text) = line(None, 40, 3_000, None);
        assert_eq!(total, None);
        assert_eq!(text, "60 items · budget 17/20");
        assert!(!text.contains("· ·") && !text.ends_with('·'));
        // An uneven last page rounds up (95 items by 20: 5 pages); a total
        // past the cap is the cap.
        let p = Pagination {
            total_items: Some(95),
            page_size: Some(20),
            ..Pagination::default()
        };
        assert_eq!(line(Some(&p), 1, 1_000, None).0, Some(5));
        let p = Pagination {
            page_count: Some(50_000),
            ..Pagination::default()
        };
        assert_eq!(line(Some(&p), 1, 1_000, None).0, Some(1000));
        // Rounding edges of the ETA: 1 page in 0.4 s, 2 left → 0.8 s.
        let p = Pagination {
            page_count: Some(3),
            ..Pagination::default()
        };
        assert_eq!(
            line(Some(&p), 1, 400, None).1,
            "60 items · budget 17/20 · ETA 0.8 s"
        );
    }
}
