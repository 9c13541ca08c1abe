//! The command line (public contract: `shared/design.md`).

use crate::report::Format;
use clap::{Args, Parser, Subcommand};

/// A terminal API explorer and debugger: decodes error envelopes,
/// pagination and rate-limit budgets, and says what to do next.
#[derive(Debug, Parser)]
#[command(
    name = "apiscope",
    version,
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  apiscope --demo                          the TUI on the built-in demo API (no network)\n  apiscope GET https://api.example.com/v1/boards 'Authorization:Bearer {{env.TOKEN}}'\n  apiscope open ticket.har                 a customer's HAR, offline, on the first failure\n  apiscope decode response.txt             diagnose a `curl -i` capture\n  apiscope decode ticket.har --format markdown\n  curl -si https://api.example.com/v1/x | apiscope decode\n  apiscope send :8080/v1/boards limit==500 --paginate\n  apiscope replay session.json --check --yes\n  apiscope history status:4xx code:RATE_LIMITED"
)]
pub struct Cli {
    /// Start the built-in demo API on 127.0.0.1 and open the TUI on it.
    #[arg(long)]
    pub demo: bool,

    /// Colour theme for the TUI.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,

    /// Colour in the headless commands' output: `auto` (a terminal, and
    /// no `NO_COLOR`), `always` or `never`.
    #[arg(long, value_name = "WHEN", default_value = "auto", global = true, value_parser = ["auto", "always", "never"])]
    pub color: String,

    /// `[METHOD] URL [ITEM…]` to open the TUI with, sent at once.
    #[arg(value_name = "REQUEST", trailing_var_arg = true)]
    pub request: Vec<String>,

    /// A headless command.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `256M`, `10m`, `500K`, `1G`, `4096`: a size in bytes.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.eq_ignore_ascii_case(&'k') => (&t[..i], 1usize << 10),
        Some((i, c)) if c.eq_ignore_ascii_case(&'m') => (&t[..i], 1 << 20),
        Some((i, c)) if c.eq_ignore_ascii_case(&'g') => (&t[..i], 1 << 30),
        _ => (t, 1),
    };
    num.trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("'{s}' is not a size (e.g. 256M, 500K, 1G)"))
}

/// `text`, `json` or `markdown`, listed in `--help`.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(Format::NAMES).try_map(|s| s.parse::<Format>())
}

/// The headless commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose a raw HTTP response (`curl -i` / `curl -v`), a HAR file, a
    /// session, or a bare JSON body.
    Decode(DecodeArgs),
    /// Send one request (or every page) and diagnose the response.
    Send(Box<SendArgs>),
    /// Open a session, HAR, raw response or curl command in the TUI,
    /// offline, with the first failed exchange selected; or a `.http`
    /// collection (a file, or a directory of them).
    Open {
        /// The file, a directory of `.http` files, or the name of a saved
        /// session.
        file: String,
        /// Colour theme.
        #[arg(long, value_name = "NAME")]
        theme: Option<String>,
        /// A collection's environment to start in (E switches).
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// Answer yes to the questions a collection's sends would ask
        /// (secret-source values to the origins listed, a dependency sent
        /// to a local address) — never for an origin known only from a
        /// response.
        #[arg(long)]
        yes: bool,
        /// What a collection may read, write and send.
        #[command(flatten)]
        trust: TrustArgs,
        /// How requests reach the server (TLS, client certificate, proxy,
        /// a kept cookie jar), over config.toml's [transport].
        #[command(flatten)]
        transport: TransportArgs,
    },
    /// Replay the exchanges of a file headless: a session, HAR, raw response
    /// or curl command file. Offline it prints the recorded diagnoses;
    /// `--live` re-sends the requests.
    Replay(ReplayArgs),
    /// Run a collection's requests and check their `??` assertions (httpyac
    /// syntax, and the diagnosis: `?? error.code == RATE_LIMITED`), paced
    /// by the rate-limit budget. Exit 0 all passed, 1 a test failed, 2 bad
    /// usage or a file that does not parse (before sending), 3 a request
    /// could not complete.
    Test(TestArgs),
    /// Search the history of sent exchanges (newest first).
    History(HistoryArgs),
    /// Import requests into a collection (`.http` + env files): a Postman
    /// collection, an OpenAPI / Swagger document, an Insomnia export, a
    /// Bruno collection folder, a HAR, a curl command file or an apiscope
    /// session.
    /// Credentials go to the private env file, never into the `.http` file.
    Import(ImportArgs),
    /// Print a shell completion script: `apiscope completions bash >
    /// /etc/bash_completion.d/apiscope` (zsh, fish, powershell, elvish).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (apiscope.1 and one per command) into DIR,
    /// or print apiscope.1 without --dir.
    Man {
        /// Where to write the pages.
        #[arg(long, value_name = "DIR")]
        dir: Option<String>,
    },
    /// Internal: restores the terminal if the TUI that started it dies
    /// without doing so.
    #[command(hide = true)]
    TtyGuard,
    /// Internal: runs one jq filter on the body given on stdin, for the TUI
    /// (a separate process, so a runaway filter can be stopped).
    #[command(hide = true)]
    JqWorker {
        /// The filter.
        filter: String,
    },
    /// Trust a collection directory (and what is under it): its `>> file`
    /// lines may write inside it, and secret-source values go without a
    /// question to the origins confirmed for it. `--list` shows every
    /// trusted directory with its origins; `--revoke` forgets one.
    Trust(TrustCommandArgs),
    /// The OAuth 2.0 token cache (`{{$auth.token("ID")}}`): `auth list`,
    /// `auth show ID`, `auth clear [ID]`; values are masked. `auth login
    /// ID FILE.http|DIR --env ENV` fills it ahead of a CI run.
    Auth {
        /// What to do with the cache.
        #[command(subcommand)]
        action: AuthAction,
    },
    /// Run the demo API alone on 127.0.0.1.
    DemoServer {
        /// Port to listen on (default: a free one).
        #[arg(long)]
        port: Option<u16>,
        /// Replace every documented rate-limit window with LIMIT requests per
        /// SECONDS (and announce it in RateLimit-Policy), e.g. 20/2.
        #[arg(long, value_name = "LIMIT/SECONDS")]
        rate: Option<crate::demo::Rate>,
    },
}

/// `apiscope decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The input file, or `-` for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: Option<String>,

    /// Output format.
    #[arg(long, default_value = "text", value_parser = format_parser())]
    pub format: Format,

    /// Decode as this dialect instead of detecting it.
    #[arg(long, value_name = "ID")]
    pub dialect: Option<String>,

    /// For a bare body: its HTTP status.
    #[arg(long, value_name = "CODE", value_parser = clap::value_parser!(u16).range(100..=599))]
    pub status: Option<u16>,

    /// For a bare body: a response header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,

    /// In a Markdown report, keep tokens in URLs (redacted by default).
    #[arg(long)]
    pub keep_secrets: bool,
}

/// `apiscope send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// `[METHOD] URL [ITEM…]`, or `FILE.http#NAME [ITEM…]` (a request of a
    /// collection; `#N` picks the Nth).
    #[arg(value_name = "REQUEST", required = true, num_args = 1..)]
    pub request: Vec<String>,

    /// Output format.
    #[arg(long, default_value = "text", value_parser = format_parser())]
    pub format: Format,

    /// Follow every page.
    #[arg(long)]
    pub paginate: bool,

    /// Stop after this many pages (with --paginate).
    #[arg(long, default_value_t = 1000, requires = "paginate")]
    pub max_pages: u32,

    /// With --paginate: leave this share of each rate-limit budget unspent
    /// for your other requests (0 uses it all, as fast as it allows).
    #[arg(
        long,
        default_value_t = 0.0,
        value_name = "PERCENT",
        requires = "paginate"
    )]
    pub reserve: f64,

    /// With --paginate: the longest wait for one request (Retry-After, a
    /// rate-limit window) before stopping with a message.
    #[arg(long, default_value_t = 900.0, value_name = "SECONDS")]
    pub max_wait: f64,

    /// Decode as this dialect instead of detecting it.
    #[arg(long, value_name = "ID")]
    pub dialect: Option<String>,

    /// Credentials: `USER:PASSWORD` (Basic, Digest) or a token (Bearer).
    #[arg(short = 'a', long, value_name = "USER:PASSWORD")]
    pub auth: Option<String>,

    /// Sign the request with AWS Signature Version 4, curl's form:
    /// `aws:amz:REGION:SERVICE` (REGION and SERVICE taken from an
    /// *.amazonaws.com host when left out), with --auth KEY_ID:SECRET, or
    /// else the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
    /// AWS_SESSION_TOKEN variables, or else ~/.aws/credentials (the
    /// AWS_PROFILE profile, or default).
    #[arg(long, value_name = "aws:amz:REGION:SERVICE")]
    pub aws_sigv4: Option<String>,

    /// How --auth is sent: basic (the default), digest (the server's
    /// challenge answered, RFC 7616) or bearer.
    #[arg(short = 'A', long, value_enum, default_value_t = AuthType::Basic, requires = "auth")]
    pub auth_type: AuthType,

    /// Bearer token (sent as `Authorization: Bearer TOKEN`).
    #[arg(long, value_name = "TOKEN")]
    pub bearer: Option<String>,

    /// OAuth 2.0 for this request: the token endpoint. The token (client
    /// credentials, or password with --oauth2-username) is fetched, kept in
    /// the token cache and sent as `Authorization: Bearer TOKEN`.
    #[arg(long, value_name = "URL", conflicts_with_all = ["bearer", "auth", "aws_sigv4"])]
    pub oauth2_token_url: Option<String>,

    /// OAuth 2.0: the client id.
    #[arg(long, value_name = "ID", requires = "oauth2_token_url")]
    pub oauth2_client_id: Option<String>,

    /// OAuth 2.0: the client secret (`{{env.NAME}}` reads it from the
    /// environment, out of the shell history).
    #[arg(long, value_name = "SECRET", requires = "oauth2_client_id")]
    pub oauth2_client_secret: Option<String>,

    /// OAuth 2.0: the scope asked for.
    #[arg(long, value_name = "SCOPE", requires = "oauth2_token_url")]
    pub oauth2_scope: Option<String>,

    /// OAuth 2.0: the audience (Auth0 and others).
    #[arg(long, value_name = "AUDIENCE", requires = "oauth2_token_url")]
    pub oauth2_audience: Option<String>,

    /// OAuth 2.0 password grant: the user (with --oauth2-password).
    #[arg(long, value_name = "USER", requires_all = ["oauth2_token_url", "oauth2_password"])]
    pub oauth2_username: Option<String>,

    /// OAuth 2.0 password grant: the password (`{{env.NAME}}` reads it
    /// from the environment).
    #[arg(long, value_name = "PASSWORD", requires = "oauth2_username")]
    pub oauth2_password: Option<String>,

    /// Seconds allowed per request.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub timeout: f64,

    /// Redirects to follow (0: none); credentials never follow to another host.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub max_redirects: usize,

    /// Accept invalid TLS certificates.
    #[arg(long)]
    pub insecure: bool,

    /// TLS and proxy options.
    #[command(flatten)]
    pub transport: TransportArgs,

    /// The most of a response body kept (after decompression), e.g. 256M,
    /// 10M, 500K; the rest is not read, and a note says so.
    #[arg(long, default_value = "256M", value_name = "SIZE", value_parser = parse_size)]
    pub max_body: usize,

    /// Print the request as it was sent (credentials masked), the
    /// response's head and where the time went (DNS, connect, TLS,
    /// waiting, download) on stderr, as `xh -v` / `curl -v` do.
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// Print only the response body's bytes (for pipes), no diagnosis.
    #[arg(short = 'b', long, conflicts_with_all = ["format", "output"])]
    pub body: bool,

    /// Write the response body to FILE as it arrives, whole (past
    /// --max-body), with a progress bar on stderr; the diagnosis still prints.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        conflicts_with = "paginate"
    )]
    pub output: Option<String>,

    /// Download the body to a file named after the response
    /// (Content-Disposition) or the URL, never over an existing file
    /// (`-o` names it), with a progress bar on stderr.
    #[arg(
        short = 'd',
        long,
        conflicts_with_all = ["paginate", "body"]
    )]
    pub download: bool,

    /// Send `key=value` fields as a form (`application/x-www-form-urlencoded`,
    /// or `multipart/form-data` when a file field `key@file` is given).
    #[arg(short = 'f', long)]
    pub form: bool,

    /// Send the fields as `multipart/form-data` (`key=value`, `key@file`,
    /// `key@file;type=MIME`).
    #[arg(long, conflicts_with = "form")]
    pub multipart: bool,

    /// The request body, as given (no JSON, no form).
    #[arg(long, value_name = "TEXT")]
    pub raw: Option<String>,

    /// With a `FILE.http#NAME` request: the environment of
    /// `http-client.env.json` / `http-client.private.env.json` to use.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,

    /// With a `FILE.http#NAME` request: set a variable, `NAME=VALUE`
    /// (wins over every other source; repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// Also save the exchange(s): `x.har` a HAR 1.2 file, `x.md` the
    /// Markdown report, `x.json` (or a NAME for the sessions directory) an
    /// apiscope session. Credentials are redacted.
    #[arg(long, value_name = "FILE|NAME")]
    pub save: Option<String>,

    /// With --save: keep credentials (Authorization, x-token, cookies,
    /// tokens in URLs) instead of redacting them.
    #[arg(long, requires = "save")]
    pub keep_secrets: bool,

    /// With a `FILE.http#NAME` request: answer yes to the questions its
    /// sends would ask (secret-source values to the origins listed, a
    /// dependency sent to a local address) — never for an origin known
    /// only from a response.
    #[arg(long)]
    pub yes: bool,

    /// With a `FILE.http#NAME` request: what the collection may read,
    /// write and send.
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// What a collection (a file from anyone) may read, write and send: the
/// trust model's options, the same on `send`, `replay` and `open`.
#[derive(Debug, Args, Clone, Default)]
pub struct TrustArgs {
    /// Trust the collection for this run only (`apiscope trust DIR`
    /// trusts it for good): its `>> file` lines write inside its directory.
    #[arg(long)]
    pub trust: bool,

    /// A trusted collection's `< file` may read under DIR too (repeatable).
    #[arg(long = "allow-read", value_name = "DIR")]
    pub allow_read: Vec<String>,

    /// A variable whose value is a secret, `NAME=VALUE`: redacted by value
    /// in everything written, and sent only to origins you confirm
    /// (repeatable; `--var` stays a plain variable).
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    pub secrets: Vec<String>,
}

/// `apiscope test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// `.http` / `.rest` files, or directories of them.
    #[arg(required = true, value_name = "FILE.http|DIR")]
    pub files: Vec<String>,

    /// The environment to use.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,

    /// Set a variable, `NAME=VALUE` (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// Write a report: `junit:PATH`, `tap:PATH`, `json:PATH` or
    /// `markdown:PATH` (repeatable; checked before anything is sent).
    #[arg(long = "report", value_name = "KIND:PATH")]
    pub reports: Vec<String>,

    /// Stop at the first failed test.
    #[arg(long)]
    pub bail: bool,

    /// Data-driven runs, as newman's `-d`: each row of a CSV file (a header
    /// line names the variables) or of a JSON array of objects is one
    /// iteration, its values variables (`--var` wins over them).
    #[arg(long, value_name = "FILE.csv|FILE.json")]
    pub data: Option<String>,

    /// Run the files this many times (with --data: that many rows, the
    /// rows repeating when there are fewer).
    #[arg(long, value_name = "N")]
    pub iterations: Option<usize>,

    /// Judge recorded exchanges instead of sending anything: a session, a
    /// HAR, or `history:QUERY` (the history's search). Each request is
    /// matched by method and URL template (`{{…}}` matches anything).
    #[arg(long, value_name = "FILE|history:QUERY", conflicts_with_all = ["data", "iterations"])]
    pub recorded: Option<String>,

    /// Only the requests whose name contains NAME (their dependencies are
    /// still sent first).
    #[arg(long, value_name = "NAME")]
    pub filter: Option<String>,

    /// The longest wait for one request (Retry-After, a rate-limit window)
    /// before it counts as not completed.
    #[arg(long, default_value_t = 900.0, value_name = "SECONDS")]
    pub max_wait: f64,

    /// Seconds allowed per request.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub timeout: f64,

    /// The most of a response body kept, e.g. 256M.
    #[arg(long, default_value = "256M", value_name = "SIZE", value_parser = parse_size)]
    pub max_body: usize,

    /// Do not ask before sending (never for an origin known only from a
    /// response).
    #[arg(long)]
    pub yes: bool,

    /// What a collection may read, write and send.
    #[command(flatten)]
    pub trust: TrustArgs,

    /// TLS and proxy options.
    #[command(flatten)]
    pub transport: TransportArgs,
}

/// `apiscope trust`.
#[derive(Debug, Args)]
pub struct TrustCommandArgs {
    /// The collection directory (default: the current one).
    pub dir: Option<String>,

    /// Forget the directory: its collections are untrusted again.
    #[arg(long, conflicts_with = "list")]
    pub revoke: bool,

    /// Every trusted directory, with the origins confirmed for it.
    #[arg(long)]
    pub list: bool,

    /// Confirm the origins listed without asking.
    #[arg(long)]
    pub yes: bool,

    /// With the directory's collections: the environment whose origins to
    /// confirm (default: every one).
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
}

/// `apiscope replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A session, HAR, raw response, curl command file or `.http`
    /// collection (or a saved session's name).
    pub file: String,

    /// Re-send the requests (asks first, listing the hosts).
    #[arg(long)]
    pub live: bool,

    /// Do not ask before sending (with --live or --check).
    #[arg(long)]
    pub yes: bool,

    /// Re-send and compare: a table of recorded vs live status, dialect and
    /// error code; exit 1 on any difference. Implies --live.
    #[arg(long)]
    pub check: bool,

    /// Output format.
    #[arg(long, default_value = "text", value_parser = format_parser())]
    pub format: Format,

    /// Decode as this dialect instead of detecting it.
    #[arg(long, value_name = "ID")]
    pub dialect: Option<String>,

    /// Seconds allowed per request (with --live).
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub timeout: f64,

    /// With --live: the longest wait for one request (Retry-After, a
    /// rate-limit window) before stopping with a message.
    #[arg(long, default_value_t = 900.0, value_name = "SECONDS")]
    pub max_wait: f64,

    /// With --live: the most of a response body kept, e.g. 256M.
    #[arg(long, default_value = "256M", value_name = "SIZE", value_parser = parse_size)]
    pub max_body: usize,

    /// With --live: send this bearer token instead of the recorded
    /// credential (a saved file holds `REDACTED` there).
    #[arg(long, value_name = "TOKEN")]
    pub bearer: Option<String>,

    /// With --live: set this header on every request, `Name: value`
    /// (replaces a recorded one of that name; repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,

    /// In a Markdown report, keep tokens in URLs (redacted by default).
    #[arg(long)]
    pub keep_secrets: bool,

    /// With a `.http` file: the environment to use.
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,

    /// With a `.http` file: set a variable, `NAME=VALUE` (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// With a `.http` file: what the collection may read, write and send.
    #[command(flatten)]
    pub trust: TrustArgs,

    /// TLS and proxy options.
    #[command(flatten)]
    pub transport: TransportArgs,
}

/// `apiscope import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to import (a directory: a Bruno collection).
    pub file: String,

    /// The directory to write (default: one named after the collection).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<String>,

    /// What the file is (detected when absent).
    #[arg(long, value_name = "FORMAT", value_parser = ["postman", "openapi", "insomnia", "bruno", "har", "curl", "session"])]
    pub from: Option<String>,

    /// A Postman environment export to import as an environment
    /// (repeatable); its secret values go to the private env file.
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<String>,

    /// A Postman globals export (newman's `-g`): its values are defined
    /// in every environment, below the collection's variables, as Postman
    /// ranks them (an `--env-file` that is a globals export is read so
    /// too).
    #[arg(long, value_name = "FILE")]
    pub globals: Option<String>,

    /// Where a Postman collection's form files are (newman's
    /// `--working-dir`): the directory their `src` paths are relative to,
    /// instead of the collection's.
    #[arg(long = "files-dir", value_name = "DIR")]
    pub files_dir: Option<String>,

    /// Replace files that exist in the output directory.
    #[arg(long)]
    pub force: bool,

    /// With an OpenAPI document: also write a decode profile for the API
    /// (its error format, codes and rate-limit headers) into the config
    /// directory's `profiles/`.
    #[arg(long)]
    pub profile: bool,
}

/// `apiscope history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Filters: `host:H`, `status:429` or `status:4xx`, `dialect:D`,
    /// `code:C`, and words the URL must contain.
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,

    /// At most this many rows.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,

    /// Print the full diagnosis of one exchange instead (by id).
    #[arg(long, value_name = "ID", conflicts_with = "query")]
    pub show: Option<i64>,

    /// Output format.
    #[arg(long, default_value = "text", value_parser = format_parser())]
    pub format: Format,
}

/// The schemes `send --auth-type` knows (xh's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthType {
    /// `Authorization: Basic base64(USER:PASSWORD)`.
    Basic,
    /// HTTP Digest: the first request goes without credentials, the
    /// server's challenge is answered.
    Digest,
    /// `Authorization: Bearer TOKEN`.
    Bearer,
}

/// `apiscope auth …`.
#[derive(Debug, clap::Subcommand)]
pub enum AuthAction {
    /// List the cached tokens: configuration, grant, Token URL, expiry.
    List,
    /// One configuration's cached tokens (values masked).
    Show {
        /// The configuration's id.
        id: String,
    },
    /// Drop cached tokens: one configuration's, or all of them.
    Clear {
        /// The configuration's id (all without it).
        id: Option<String>,
    },
    /// Get a token for a configuration of a collection's environment now
    /// (so a CI run finds it cached).
    Login {
        /// The configuration's id.
        id: String,
        /// The collection: a .http file or its directory (this directory
        /// when not given).
        #[arg(value_name = "FILE.http|DIR", default_value = ".")]
        collection: String,
        /// The environment whose Security.Auth block holds it (when not
        /// given: the one environment that has it).
        #[arg(long, value_name = "ENV")]
        env: Option<String>,
        /// Confirm the Token URL's origin (its client secret goes there),
        /// and the Auth URL's or Device Auth URL's.
        #[arg(long)]
        yes: bool,
        /// Print the authorization URL without opening a browser (a
        /// headless machine: open it elsewhere, then paste the address the
        /// browser ends on, or its code, back here).
        #[arg(long)]
        no_browser: bool,
    },
}

/// How requests reach the server: TLS trust, a client certificate, a
/// proxy (xh's names). For `send`, `replay --live`, `test` and `open`.
#[derive(Debug, Clone, Default, Args)]
pub struct TransportArgs {
    /// Which servers' certificates to trust: `yes` (the system's CAs, the
    /// default), `no` (any, as --insecure), or a PEM file of CA
    /// certificates trusted instead (xh's option).
    #[arg(long, value_name = "yes|no|CA.pem")]
    pub verify: Option<String>,

    /// A client certificate (PEM), with its private key in the same file
    /// or given with --cert-key.
    #[arg(long, value_name = "CERT.pem")]
    pub cert: Option<String>,

    /// The client certificate's private key (PEM).
    #[arg(long, value_name = "KEY.pem", requires = "cert")]
    pub cert_key: Option<String>,

    /// Send through this proxy (http://HOST:PORT or https://HOST:PORT);
    /// NO_PROXY still applies. Without it, HTTP_PROXY / HTTPS_PROXY.
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,

    /// Keep the run's cookies in the jar NAME in the data directory (read
    /// at the start, written as cookies arrive); without it the jar lasts
    /// the run.
    #[arg(long, value_name = "NAME")]
    pub cookie_jar: Option<String>,
}

impl TransportArgs {
    /// What they give of TLS (`--insecure` counts as `--verify no`).
    pub fn given(&self, insecure: bool) -> crate::http::TlsGiven {
        crate::http::TlsGiven {
            verify: insecure || self.verify.is_some(),
            cert: self.cert.is_some(),
        }
    }

    /// Sets them on a client's options.
    pub fn apply(&self, o: &mut crate::http::ClientOptions) {
        // (Over config.toml's [transport]: only what is given changes;
        // `--verify yes` undoes a configured `no` or CA file.)
        match self.verify.as_deref() {
            None => {}
            Some("yes" | "true") => {
                o.insecure = false;
                o.ca_file = None;
            }
            Some("no" | "false") => o.insecure = true,
            // (A CA to trust is verification on: a configured "no" ends.)
            Some(ca) => {
                o.insecure = false;
                o.ca_file = Some(ca.into());
            }
        }
        if let Some(c) = &self.cert {
            o.client_cert = Some((c.into(), self.cert_key.as_ref().map(Into::into)));
        }
        if self.proxy.is_some() {
            o.proxy.clone_from(&self.proxy);
        }
        o.cookie_jar.clone_from(&self.cookie_jar);
    }
}
