//! End to end, as a person would use it: the real binary in a real terminal
//! (tmux), keys typed, the screen read back. Skipped, with a message, only
//! where tmux is not installed (`.ci/run` installs it).

use crate::common;

use common::Demo;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A tmux server of its own (its own socket), killed when dropped.
struct Tmux {
    socket: String,
    _config: tempfile::TempDir,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl Tmux {
    /// Starts `apiscope ARGS` in a `width`×`height` pane, or `None` when
    /// tmux is absent.
    fn start(args: &[&str], width: u16, height: u16) -> Option<Tmux> {
        Tmux::start_env(args, width, height, &[])
    }

    /// As `start`, with extra `NAME=value` environment variables.
    fn start_env(args: &[&str], width: u16, height: u16, extra_env: &[&str]) -> Option<Tmux> {
        Tmux::start_full(args, width, height, extra_env, None)
    }

    /// As `start_env`, with a `config.toml` in the config directory.
    fn start_full(
        args: &[&str],
        width: u16,
        height: u16,
        extra_env: &[&str],
        config_toml: Option<&str>,
    ) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("skipping: tmux is not installed (apt-get install -y tmux)");
            return None;
        }
        let config = tempfile::tempdir().expect("temp dir");
        if let Some(text) = config_toml {
            std::fs::write(config.path().join("config.toml"), text).unwrap();
        }
        let socket = format!(
            "apiscope-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        // `sh -c SCRIPT` when the first word is "sh" (a test that needs
        // the shell after apiscope ends), else apiscope ARGS.
        let mut cmd: Vec<String> = if args.first() == Some(&"sh") {
            args.iter().map(|a| (*a).to_owned()).collect()
        } else {
            vec![env!("CARGO_BIN_EXE_apiscope").to_owned()]
        };
        if args.first() != Some(&"sh") {
            cmd.extend(args.iter().map(|a| (*a).to_owned()));
        }
        let t = Tmux {
            socket,
            _config: config,
        };
        let (w, h) = (width.to_string(), height.to_string());
        let env = format!("APISCOPE_CONFIG_DIR={}", t._config.path().display());
        let data = format!("APISCOPE_DATA_DIR={}", t._config.path().display());
        let mut full = vec![
            "new-session",
            "-d",
            "-x",
            &w,
            "-y",
            &h,
            "-s",
            "t",
            "-e",
            &env,
            "-e",
            &data,
            "-e",
            "TERM=xterm-256color",
        ];
        for e in extra_env {
            full.push("-e");
            full.push(e);
        }
        full.extend(cmd.iter().map(String::as_str));
        let out = t.tmux(&full);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(t)
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Types text literally.
    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
    }

    /// Presses keys by tmux name (`Enter`, `C-u`, `q`…).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// Waits (at most 10 s) until the screen holds every one of `needles`.
    fn wait_for(&self, needles: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.screen();
            if needles.iter().all(|n| screen.contains(n)) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {needles:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// An untrusted collection opens with a question (what trust would
    /// allow): read, and kept untrusted with Esc.
    fn keep_untrusted(&self) {
        self.wait_for(&["Trust this collection?", "is not trusted"]);
        self.keys(&["Escape"]);
        self.wait_for(&["Kept untrusted"]);
    }

    /// Leaves any overlay or editor with Esc, then quits with `q`. (Esc and
    /// `q` sent together would read as Alt-q.)
    fn quit(&self) {
        self.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(150));
        self.keys(&["q"]);
        self.wait_exit();
    }

    /// Waits (at most 5 s) for the program to exit, which ends the session.
    fn wait_exit(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.tmux(&["has-session", "-t", "t"]).status.success() {
            assert!(
                Instant::now() < deadline,
                "apiscope did not exit:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

#[test]
fn type_a_request_send_it_and_read_the_error_and_budget() {
    let demo = Demo::start(&[]);
    let Some(t) = Tmux::start(&[], 160, 45) else {
        return;
    };
    // An empty TUI opens with the request line focused.
    t.wait_for(&["Requests", "GET https://"]);
    t.keys(&["C-u"]);
    t.type_text(&format!(
        "GET {}/envelope/v1/boards Authorization:imb_pat_demo",
        demo.base
    ));
    t.keys(&["Enter"]);
    let screen = t.wait_for(&["HTTP 401", "UNAUTHENTICATED", "Rate-limit budget"]);
    for needle in [
        "envelope",
        "No token provided or token format invalid.",
        "Request id  req_demo",
        "59 of 60 left per 300 s",
        "Troubleshooting",
        "lacks the 'Bearer ' prefix",
    ] {
        assert!(
            screen.contains(needle),
            "no {needle:?} on screen:\n{screen}"
        );
    }

    // Edit and resend: the budget goes down, the error goes away.
    t.keys(&["e", "C-u"]);
    t.type_text(&format!(
        "GET {}/envelope/v1/boards 'Authorization:Bearer imb_pat_demo'",
        demo.base
    ));
    t.keys(&["Enter"]);
    let screen = t.wait_for(&["HTTP 200", "Pagination"]);
    assert!(!screen.contains("Error       UNAUTHENTICATED"), "{screen}");
    // Where the time went, in the overview (the connection of the first
    // send was kept open) and phase by phase in the headers tab.
    assert!(
        screen.contains("Timing      reused connection · waiting "),
        "{screen}"
    );
    t.keys(&["3"]);
    let screen = t.wait_for(&["Timing (the connection was already open)", "in all"]);
    for phase in ["waiting before", "DNS", "connect", "TLS", "download"] {
        assert!(
            screen.contains(&format!("  {phase} ")),
            "no {phase}:\n{screen}"
        );
    }
    t.keys(&["1"]);
    // The first exchange stays in the run's history, with its code.
    assert!(
        screen.contains("401 GET /envelope/v1/boards UNAUTHENTICATED"),
        "{screen}"
    );

    t.quit();
}

#[test]
fn demo_on_a_narrow_terminal_sends_and_shows_help() {
    let Some(t) = Tmux::start(&["--demo"], 80, 24) else {
        return;
    };
    // Too narrow for the request list: the request line and banner show.
    t.wait_for(&[
        "demo API on http://127.0.0.1:",
        "/envelope/v1/boards limit==5",
    ]);
    // The second demo request asks for limit=500: a validation error.
    t.keys(&["j", "Enter"]);
    let screen = t.wait_for(&["HTTP 400", "INVALID_QUERY_PARAMETER"]);
    assert!(
        screen.contains("limit  Must be an integer between 1 and 100"),
        "{screen}"
    );
    // A jq filter on the body, run by the real worker process.
    t.keys(&["f", "C-u"]);
    t.type_text(".error.details.fields | keys");
    t.keys(&["Enter"]);
    t.wait_for(&["\"limit\",", "\"sort\"", "1 output"]);
    // A filter that recurses forever costs its worker, not the TUI.
    t.keys(&["f", "C-u"]);
    t.type_text("def f: [f]; f");
    t.keys(&["Enter"]);
    t.wait_for(&["jq: the filter crashed"]);
    t.keys(&["?"]);
    t.wait_for(&["Keys"]);
    t.quit();
}

#[test]
fn open_a_ticket_har_shows_the_first_failure() {
    let har = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ticket.har");
    let Some(t) = Tmux::start(&["open", har], 160, 45) else {
        return;
    };
    // Offline, the first failed exchange is selected and decoded.
    let screen = t.wait_for(&["16 exchanges, 12 failed", "HTTP 400 Bad Request"]);
    for needle in [
        "INVALID_QUERY_PARAMETER",
        "limit  Must be an integer between 1 and 100",
        "Request id  req_a1b2c3d4e5f6a7b8",
        // The list tells the ticket's story: status, request, code, format.
        "429 GET /v1/boards RATE_LIMITED envelope",
        "404 GET /v1/projects/nope 5000 coded",
        "422 POST /v1/contacts errors-array",
    ] {
        assert!(
            screen.contains(needle),
            "no {needle:?} on screen:\n{screen}"
        );
    }
    // The list has the keys: down one, the 429 with its Retry-After.
    t.keys(&["j"]);
    t.wait_for(&["HTTP 429", "RATE_LIMITED", "Retry-After"]);
    // Back to the 400, whose request carries the customer's token; masked
    // for screen sharing, it is gone.
    t.keys(&["k"]);
    t.wait_for(&["imb_pat_DEMO_FAKE_TOKEN"]);
    t.keys(&["m"]);
    let screen = t.wait_for(&["Credentials masked", "imb_pat_REDACTED"]);
    assert!(!screen.contains("DEMO_FAKE"), "{screen}");
    // The story of the ticket: the rate-limit timeline of the whole file.
    t.keys(&["T"]);
    t.wait_for(&[
        "Rate-limit timeline of 16 exchanges",
        "api.envelope.example · envelope · no credential: limit 60 per 300 s",
        "429s began at exchange #3",
    ]);
    t.quit();
}

#[test]
fn edit_the_body_in_the_text_area_and_in_editor() {
    let demo = Demo::start(&[]);
    // $EDITOR is a script here: it rewrites the file as a person would.
    let Some(t) = Tmux::start_env(&[], 160, 45, &["EDITOR=sed -i s/old/fresh/"]) else {
        return;
    };
    t.wait_for(&["Requests", "GET https://"]);
    t.keys(&["C-u"]);
    t.type_text(&format!(
        "POST {}/envelope/v1/boards name=old 'Authorization:Bearer imb_pat_demo'",
        demo.base
    ));
    t.keys(&["C-b"]);
    t.wait_for(&["Request body", "\"name\": \"old\""]);
    // Type in the text area: a second field.
    t.keys(&["Down", "End"]);
    t.type_text(",");
    t.keys(&["Enter"]);
    t.type_text("  \"description\": \"typed\"");
    t.wait_for(&["\"description\": \"typed\""]);
    // Hand it to $EDITOR and back.
    t.keys(&["C-e"]);
    t.wait_for(&["\"name\": \"fresh\"", "Edited in $EDITOR"]);
    t.keys(&["C-s"]);
    let screen = t.wait_for(&["Body applied"]);
    assert!(screen.contains("name=fresh description=typed"), "{screen}");
    t.keys(&["Enter"]);
    t.wait_for(&["HTTP 201 Created"]);
    t.quit();
}

#[test]
fn open_a_session_and_replay_it_live() {
    let demo = Demo::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("ticket.json");
    let out = Command::new(env!("CARGO_BIN_EXE_apiscope"))
        .args([
            "send",
            &format!("{}/coded/v1/projects/nope", demo.base),
            "Authorization:Bearer coded_demo_token",
            "--save",
            session.to_str().unwrap(),
            "--keep-secrets",
        ])
        .env("APISCOPE_DATA_DIR", dir.path())
        .output()
        .expect("send");
    assert_eq!(out.status.code(), Some(1));
    let Some(t) = Tmux::start(&["open", session.to_str().unwrap()], 160, 45) else {
        return;
    };
    t.wait_for(&[
        "1 exchange, 1 failed",
        "404 GET /coded/v1/projects/nope 5000",
    ]);
    t.keys(&["R"]);
    t.wait_for(&["Re-send 1 request to 127.0.0.1?", "y sends"]);
    t.keys(&["y"]);
    let screen = t.wait_for(&["Replay: recorded vs live", "0 of 1 differ"]);
    assert!(screen.contains("404 coded 5000"), "{screen}");
    assert!(screen.contains("same"), "{screen}");
    t.quit();
}

#[test]
fn a_broken_config_is_named_with_its_line_and_the_tui_still_starts() {
    for (text, want) in [
        ("# mine\ntheme = \"neon\"\n", "config.toml:2: "),
        ("[keys]\nquit = \n", "config.toml: line 2: "),
    ] {
        let Some(t) = Tmux::start_full(&[], 160, 45, &[], Some(text)) else {
            return;
        };
        let screen = t.wait_for(&["GET https://", want]);
        assert!(
            screen.contains("dark theme") || screen.contains("Config ignored"),
            "{screen}"
        );
        t.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(150));
        t.keys(&["q"]);
        t.wait_exit();
    }
}

#[test]
fn edit_a_collection_request_save_it_and_see_outside_edits() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    for f in [
        "demo.http",
        "http-client.env.json",
        "http-client.private.env.json",
    ] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    let file = dir.path().join("demo.http");
    let before = std::fs::read_to_string(&file).unwrap();
    // $EDITOR is a script: it adds a header under the line it was opened at.
    let editor = dir.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nn=${1#+}\nsed -i \"${n}a X-Editor: line-$n\" \"$2\"\n",
    )
    .unwrap();
    let _ = Command::new("chmod").arg("+x").arg(&editor).status();
    let editor_env = format!("EDITOR={}", editor.display());
    let path = file.display().to_string();
    let Some(t) = Tmux::start_env(&["open", &path, "--env", "local"], 200, 30, &[&editor_env])
    else {
        return;
    };
    t.keep_untrusted();
    t.wait_for(&["boards", "revoked", "env: local"]);
    t.keys(&["j"]);
    t.wait_for(&["{{boards.response.body.$.data[0].id}}"]);
    t.keys(&["e"]);
    t.keys(&["End"]);
    t.type_text(" X-Trace:1");
    t.wait_for(&["board*"]);
    t.keys(&["C-s"]);
    t.wait_for(&["Saved 'board'"]);
    // Only that request's lines changed.
    let after = std::fs::read_to_string(&file).unwrap();
    let auth =
        "/boards/{{boards.response.body.$.data[0].id}}\nAuthorization: Bearer {{envelope_token}}\n";
    assert!(before.contains(auth));
    assert_eq!(
        after,
        before.replace(auth, &format!("{auth}X-Trace: 1\n")),
        "{after}"
    );
    // An edit made by another program shows, on the same request.
    t.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(150));
    std::fs::write(&file, after.replace("X-Trace: 1", "X-Trace: 2")).unwrap();
    t.wait_for(&[
        "changed on disk: reloaded",
        "X-Trace:2",
        "›    GET    board",
    ]);
    // An environment file swapped for a FIFO is not read (reading one
    // blocks for ever, and the watcher saw nothing after it).
    let private = dir.path().join("http-client.private.env.json");
    std::fs::remove_file(&private).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&private)
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(400));
    std::fs::write(&file, after.replace("X-Trace: 1", "X-Trace: 3")).unwrap();
    t.wait_for(&["X-Trace:3"]);
    std::fs::remove_file(&private).unwrap();
    // Ctrl-E: $EDITOR at the request's line.
    t.keys(&["C-e"]);
    let screen = t.wait_for(&["X-Editor:line-"]);
    let now = std::fs::read_to_string(&file).unwrap();
    let n: usize = now
        .lines()
        .find_map(|l| l.strip_prefix("X-Editor: line-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{now}\n{screen}"));
    assert!(
        now.lines()
            .nth(n - 1)
            .unwrap()
            .starts_with("GET {{envelope}}/boards/"),
        "{now}"
    );
    t.quit();
}

/// The two sizes every collection defect is tried at.
const SIZES: [(u16, u16); 2] = [(80, 24), (160, 45)];

/// A collection of `login` → `me` (chained), `list` (a multi-line query)
/// and `ghost` (an undefined variable), with a dev and a staging
/// environment.
fn chained_collection(dev: &str, staging: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        "# @name login\nPOST {{host}}/login\nContent-Type: application/json\n\n{\"user\": \"ann\", \"password\": \"{{password}}\"}\n\n###\n# @name me\nGET {{host}}/me\nAuthorization: Bearer {{login.response.body.$.token}}\n\n###\n# @name list\nGET {{host}}/items\n    ?page=1\n    &per_page=3\n\n###\n# @name ghost\nGET {{host}}/ghost/{{undefined_thing}}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("http-client.env.json"),
        format!(r#"{{"dev": {{"host": "{dev}", "password": "pw"}}, "staging": {{"host": "{staging}", "password": "pw"}}}}"#),
    )
    .unwrap();
    dir
}

#[test]
fn switching_environment_sends_the_login_to_the_new_host() {
    for (w, h) in SIZES {
        // (No 429 here: tests/it/engine.rs waits one out, on a virtual clock.)
        let (dev, staging) = (
            common::login_api_with("dev", false),
            common::login_api_with("staging", false),
        );
        let dir = chained_collection(&dev.base, &staging.base);
        let file = dir.path().join("api.http").display().to_string();
        let Some(t) = Tmux::start(&["open", &file, "--env", "dev"], w, h) else {
            return;
        };
        t.keep_untrusted();
        t.wait_for(&["env: dev", "login", "ghost"]);
        // me: login first (to a local address: asked), then me.
        t.keys(&["j", "Enter"]);
        t.wait_for(&["Send to a local address?"]);
        t.keys(&["y"]);
        t.wait_for(&["HTTP 200"]);
        let on_dev = common::seen(&dev);
        assert_eq!(on_dev.len(), 2, "{on_dev:?}");
        t.keys(&["E"]);
        t.wait_for(&["env: staging"]);
        t.keys(&["Enter"]);
        t.wait_for(&["Send to a local address?"]);
        t.keys(&["y"]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while staging.requests().len() < 2 {
            assert!(Instant::now() < deadline, "{}", t.screen());
            std::thread::sleep(Duration::from_millis(50));
        }
        let on_staging = common::seen(&staging);
        assert_eq!(
            on_staging[1],
            (
                "GET /me HTTP/1.1".to_owned(),
                Some("Bearer tok_staging_FAKE".to_owned())
            ),
            "{w}×{h}"
        );
        assert!(common::seen(&dev).is_empty(), "{w}×{h}: dev got more");
        t.quit();
    }
}

#[test]
fn b_opens_a_template_body_and_g_and_capital_g_move_the_list() {
    for (w, h) in SIZES {
        let dir = chained_collection("http://127.0.0.1:9", "http://127.0.0.1:9");
        let file = dir.path().join("api.http").display().to_string();
        let Some(t) = Tmux::start(&["open", &file], w, h) else {
            return;
        };
        t.keep_untrusted();
        t.wait_for(&["env: dev", "login"]);
        t.keys(&["b"]);
        t.wait_for(&["\"password\": \"{{password}}\""]);
        t.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(150));
        t.keys(&["G"]);
        t.wait_for(&["{{undefined_thing}}"]);
        t.keys(&["g"]);
        t.wait_for(&["POST {{host}}/login"]);
        t.quit();
    }
}

#[test]
fn without_env_the_first_is_chosen_and_why_nothing_was_sent_is_shown_whole() {
    for (w, h) in SIZES {
        let dir = chained_collection("http://127.0.0.1:9", "http://127.0.0.1:9");
        let file = dir.path().join("api.http").display().to_string();
        let Some(t) = Tmux::start(&["open", &file], w, h) else {
            return;
        };
        t.keep_untrusted();
        t.wait_for(&["env: dev"]);
        t.keys(&["G", "Enter"]);
        // The message wraps in the response pane: its end is on screen.
        let screen = t.wait_for(&["Not sent: ghost", "undefined_thing"]);
        let flat: String = screen
            .lines()
            .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.contains("environments: dev, staging")
                || flat.contains("http-client.env.json [$shared])"),
            "{w}×{h}:\n{screen}"
        );
        t.quit();
    }
}

#[test]
fn an_edit_that_would_not_parse_is_refused_and_a_multi_line_query_survives_a_save() {
    for (w, h) in SIZES {
        let dir = chained_collection("http://127.0.0.1:9", "http://127.0.0.1:9");
        let path = dir.path().join("api.http");
        let file = path.display().to_string();
        let before = std::fs::read_to_string(&path).unwrap();
        let Some(t) = Tmux::start(&["open", &file], w, h) else {
            return;
        };
        t.keep_untrusted();
        t.wait_for(&["env: dev"]);
        t.keys(&["j", "j", "e", "C-u"]);
        t.type_text("GET '{{host}}/items now'");
        t.keys(&["C-s"]);
        t.wait_for(&["Not saved: the edit would not read back"]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
        // The editor still holds the line, on the same request.
        t.keys(&["C-u"]);
        t.type_text("GET {{host}}/items?page=1&per_page=5");
        t.keys(&["C-s"]);
        t.wait_for(&["Saved 'list'"]);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            before.replace("&per_page=3", "&per_page=5"),
            "{w}×{h}"
        );
        t.quit();
    }
}

#[test]
fn rename_offers_to_update_what_refers_to_the_old_name() {
    for (w, h) in SIZES {
        let dir = chained_collection("http://127.0.0.1:9", "http://127.0.0.1:9");
        let path = dir.path().join("api.http");
        let file = path.display().to_string();
        let Some(t) = Tmux::start(&["open", &file], w, h) else {
            return;
        };
        t.keep_untrusted();
        t.wait_for(&["env: dev"]);
        t.keys(&["F2", "C-u"]);
        t.type_text("signin");
        t.keys(&["Enter"]);
        t.wait_for(&["1 place in", "still refer to 'login'"]);
        t.keys(&["y"]);
        t.wait_for(&["Updated 1 reference from 'login' to 'signin'"]);
        let now = std::fs::read_to_string(&path).unwrap();
        assert!(now.contains("# @name signin\n"), "{now}");
        assert!(now.contains("{{signin.response.body.$.token}}"), "{now}");
        t.quit();
    }
}

#[test]
fn the_add_dialog_and_a_long_message_are_read_whole() {
    for (w, h) in SIZES {
        let Some(t) = Tmux::start(&["GET", "http://127.0.0.1:9/x"], w, h) else {
            return;
        };
        t.wait_for(&["CONNECTION_REFUSED"]);
        t.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(150));
        t.keys(&["+"]);
        let screen = t.wait_for(&["Add this request to a .http file"]);
        let flat: String = screen
            .lines()
            .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flat.contains("http-client.private.env.json beside it"),
            "{w}×{h}:\n{screen}"
        );
        t.quit();
    }
}

#[test]
fn an_abort_leaves_a_usable_terminal() {
    let exe = env!("CARGO_BIN_EXE_apiscope");
    let script = format!(
        "(sleep 2; kill -ABRT $(pgrep -P $$ -x apiscope)) & {exe}; i=0; while [ $i -lt 50 ] && stty -a | grep -q -- -icanon; do sleep 0.1; i=$((i+1)); done; stty -a | tr ' ;' '\\n\\n' | grep -x -e '-\\?icanon' -e '-\\?echo' | tr '\\n' ' '; echo DONE; sleep 30"
    );
    let Some(t) = Tmux::start(&["sh", "-c", &script], 100, 30) else {
        return;
    };
    let screen = t.wait_for(&["DONE"]);
    assert!(
        screen.contains("apiscope stopped abnormally; the terminal was restored."),
        "{screen}"
    );
    // Canonical mode and echo are back (the guard restores them as soon
    // as the TUI is gone; the script waits for it, at most 5 s).
    assert!(screen.contains("icanon echo DONE"), "{screen}");
}

#[test]
fn the_jetbrains_login_pattern_works_in_a_trusted_collection() {
    let api = common::login_api_with("tui", false);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        format!(
            "### Login\nPOST {0}/login\nContent-Type: application/json\n\n{{\"user\": \"ann\"}}\n\n> {{%\n  client.global.set(\"auth_token\", response.body.token);\n  client.log(\"logged in\");\n%}}\n\n### me\n# @name me\nGET {0}/me\nAuthorization: Bearer {{{{auth_token}}}}\n\n> {{% client.test(\"me answers\", () => client.assert(response.status === 200)); %}}\n",
            api.base
        ),
    )
    .unwrap();
    let file = dir.path().join("api.http").display().to_string();
    let Some(t) = Tmux::start(&["open", &file, "--trust"], 120, 36) else {
        return;
    };
    t.wait_for(&["Login", "me"]);
    // Enter on me: Login first (its handler keeps the token), then me.
    t.keys(&["j", "Enter"]);
    t.wait_for(&["Send to a local address?"]);
    t.keys(&["y"]);
    t.wait_for(&["HTTP 200", "client.test: me answers"]);
    let seen = common::seen(&api);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[1].1.as_deref(), Some("Bearer tok_tui_FAKE"));
    // Its log line shows with the Login's answer; V names the source.
    t.keys(&["k"]);
    t.wait_for(&["Script", "log: logged in"]);
    t.keys(&["j", "V"]);
    t.wait_for(&["{{auth_token}}", "set by the script of 'Login'"]);
    assert!(!t.screen().contains("tok_tui_FAKE"), "{}", t.screen());
    t.quit();
}

#[test]
fn r_runs_the_file_and_shows_each_requests_result() {
    let api = common::login_api_with("run", false);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        format!(
            "### Login\nPOST {0}/login\n\n> {{% client.global.set(\"auth_token\", response.body.token); %}}\n\n### me\n# @name me\nGET {0}/me\nAuthorization: Bearer {{{{auth_token}}}}\n\n?? status == 200\n?? status == 201\n\n### ghost\nGET {0}/ghost/{{{{nowhere}}}}\n",
            api.base
        ),
    )
    .unwrap();
    let file = dir.path().join("api.http").display().to_string();
    let Some(t) = Tmux::start(&["open", &file, "--trust"], 120, 36) else {
        return;
    };
    t.wait_for(&["Login", "ghost"]);
    t.keys(&["R"]);
    t.wait_for(&["Run every request of api.http?"]);
    // (Every request is picked by that yes, as `replay --live` picks
    // them: no question about local addresses.)
    t.keys(&["y"]);
    let screen = t.wait_for(&["Run of api.http", "3 request(s): 1 passed, 2 failed"]);
    assert!(screen.contains("✔ 200  Login"), "{screen}");
    assert!(screen.contains("✘ 200  me · 2 tests"), "{screen}");
    assert!(screen.contains("status == 201: 200"), "{screen}");
    assert!(screen.contains("✘ ---  ghost"), "{screen}");
    assert!(screen.contains("{{nowhere}} is not defined"), "{screen}");
    let seen = common::seen(&api);
    assert_eq!(seen.len(), 2, "{seen:?}");
    // j to the second result, Enter: the view closes on that request's
    // exchange, its failed test in the Overview.
    assert!(screen.contains("Enter shows it"), "{screen}");
    t.keys(&["j", "Enter"]);
    let screen = t.wait_for(&["status == 201", "Tests"]);
    assert!(!screen.contains("Run of api.http"), "{screen}");
    assert!(
        screen.lines().any(|l| l.contains('›') && l.contains("me")),
        "{screen}"
    );
    t.quit();
}

#[test]
fn r_on_a_folder_runs_every_file_under_its_name() {
    let api = common::login_api_with("dir", false);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.http"),
        format!("### one\nGET {0}/one\n\n?? status == 200\n", api.base),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.http"),
        format!("### two\nGET {0}/two\n\n?? status == 404\n", api.base),
    )
    .unwrap();
    let path = dir.path().display().to_string();
    let Some(t) = Tmux::start(&["open", &path, "--trust"], 120, 36) else {
        return;
    };
    // Ctrl-r (run file), the key of its own; R does the same on a .http
    // request (the other test).
    let screen = t.wait_for(&["one", "two", "Ctrl-r run file"]);
    assert!(!screen.contains("R run all"), "{screen}");
    t.keys(&["C-r"]);
    let name = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    t.wait_for(&[&format!("Run every request of {name} (2 files)?")]);
    t.keys(&["y"]);
    let screen = t.wait_for(&["2 request(s): 1 passed, 1 failed"]);
    let a = screen.find("a.http").expect("a.http titled");
    let b = screen.find("b.http").expect("b.http titled");
    assert!(a < b, "{screen}");
    assert!(screen.contains("✔ 200  a › one · 1 test"), "{screen}");
    assert!(screen.contains("✘ 200  b › two · 1 test"), "{screen}");
    assert_eq!(common::seen(&api).len(), 2);
    t.quit();
}

#[test]
fn c_lists_the_sessions_cookies_masked_and_x_deletes_one() {
    let server = common::RawServer::start(|req| {
        let head = String::from_utf8_lossy(req);
        let cookies = if head.starts_with("GET /login") {
            "Set-Cookie: session=sess_FAKE_0123456789; Path=/; HttpOnly\r\nSet-Cookie: theme=dark; Path=/ui; Max-Age=3600\r\n"
        } else {
            ""
        };
        common::Reply::Bytes(
            format!("HTTP/1.1 200 OK\r\n{cookies}Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}")
                .into_bytes(),
        )
    });
    let url = format!("{}/login", server.base);
    let Some(t) = Tmux::start(&["GET", &url], 110, 24) else {
        return;
    };
    t.wait_for(&["GET http://127.0.0.1:"]);
    t.keys(&["Enter"]);
    t.wait_for(&["HTTP 200"]);
    t.keys(&["Tab", "C"]);
    let screen = t.wait_for(&["2 cookies in the session's jar", "x deletes it"]);
    assert!(screen.contains("session=se… (20 chars)"), "{screen}");
    assert!(screen.contains("HttpOnly · session"), "{screen}");
    assert!(screen.contains("/ui  theme=••••"), "{screen}");
    // A cookie is a credential: its value never on screen.
    assert!(!screen.contains("sess_FAKE_0123456789"), "{screen}");
    t.keys(&["x"]);
    let screen = t.wait_for(&["1 cookie in the session's jar"]);
    assert!(!screen.contains("session=se…"), "{screen}");
    t.keys(&["Escape"]);
    t.quit();
}

/// `p` on a response to an OAuth 1.0-signed request: the next page is
/// signed afresh for its own URL (a signature covers the URL, so page 1's
/// would be refused), as the server checks.
#[test]
fn the_next_page_of_an_oauth1_request_is_signed_anew() {
    use crate::common::{RawServer, Reply};
    let shorthand = r#"OAuth1 consumer_key="ck_FAKE" consumer_secret="cs_FAKE_o1" token="tk_FAKE" token_secret="ts_FAKE_o1""#;
    let config = apiscope_core::auth::oauth1::shorthand(shorthand).unwrap();
    let port = std::sync::Arc::new(std::sync::OnceLock::<u16>::new());
    let p = port.clone();
    let server = RawServer::start(move |req| {
        let text = String::from_utf8_lossy(req).into_owned();
        let target = text.split(' ').nth(1).unwrap_or("/").to_owned();
        let auth = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("authorization: ")
                    .or(l.strip_prefix("Authorization: "))
            })
            .unwrap_or("")
            .to_owned();
        let param = |k: &str| {
            auth.split(&format!("{k}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or("")
                .to_owned()
        };
        let base = format!("http://127.0.0.1:{}", p.get().copied().unwrap_or(0));
        let expected = config
            .sign(
                "GET",
                &format!("{base}{target}"),
                None,
                b"",
                param("oauth_timestamp").parse().unwrap_or(0),
                &param("oauth_nonce"),
            )
            .ok()
            .and_then(|s| s.header)
            .unwrap_or_default();
        let valid = !auth.is_empty()
            && expected.contains(&format!("oauth_signature=\"{}\"", param("oauth_signature")));
        let (status, body) = if valid {
            ("200 OK", "[1]")
        } else {
            ("401 Unauthorized", r#"{"error":"bad signature"}"#)
        };
        Reply::Bytes(
            format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nLink: <{base}/items?page=2>; rel=\"next\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
                .into_bytes(),
        )
    });
    port.set(server.port).unwrap();
    let url = format!("{}/items?page=1", server.base);
    let header = format!("Authorization:{shorthand}");
    let Some(t) = Tmux::start(&["GET", &url, &header], 140, 30) else {
        return;
    };
    // (A request given on the command line is sent at once.)
    t.wait_for(&["HTTP 200"]);
    t.keys(&["Tab", "p"]);
    t.wait_for(&["Requests (2)", "200 GET /items?page=2", "HTTP 200"]);
    let seen: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.lines().next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        seen,
        ["GET /items?page=1 HTTP/1.1", "GET /items?page=2 HTTP/1.1"]
    );
    let screen = t.wait_for(&["page=2"]);
    assert!(
        !screen.contains("cs_FAKE_o1") && !screen.contains("ts_FAKE_o1"),
        "{screen}"
    );
    t.quit();
}

/// `open` takes the transport options as `send` does: `--cookie-jar NAME`
/// keeps the session's cookies in the named jar (the cookie view lists
/// them; the file is there after quitting).
#[test]
fn open_takes_the_transport_options() {
    use crate::common::{RawServer, Reply};
    let site = RawServer::start(|_| {
        Reply::Bytes(
            b"HTTP/1.1 200 OK\r\nSet-Cookie: session=sess_FAKE_tui; Path=/\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                .to_vec(),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        format!("### login\n# @name login\nPOST {}/login\n", site.base),
    )
    .unwrap();
    let file = dir.path().join("api.http").display().to_string();
    let Some(t) = Tmux::start(&["open", &file, "--cookie-jar", "work"], 120, 30) else {
        return;
    };
    t.keep_untrusted();
    t.wait_for(&["login"]);
    t.keys(&["Enter"]);
    t.wait_for(&["HTTP 200"]);
    t.keys(&["Tab", "C"]);
    t.wait_for(&["1 cookie in the session's jar"]);
    t.keys(&["Escape"]);
    t.quit();
    let jar = std::fs::read_to_string(t._config.path().join("cookies/work.json")).unwrap();
    assert!(jar.contains("sess_FAKE_tui"), "{jar}");
}

/// A slow token endpoint does not freeze the TUI: the token is fetched off
/// the UI thread (the screen says so), Esc cancels meanwhile, and the
/// request that waited for it is then not sent.
#[test]
fn a_slow_token_endpoint_leaves_the_tui_answering() {
    use crate::common::{RawServer, reply};
    let server = RawServer::start(|req| {
        if req.starts_with(b"POST /token") {
            std::thread::sleep(std::time::Duration::from_secs(3));
            return reply(
                200,
                &[("Content-Type", "application/json")],
                r#"{"access_token":"at_FAKE_slow","token_type":"Bearer","expires_in":3600}"#,
            );
        }
        reply(200, &[("Content-Type", "application/json")], "{}")
    });
    let dir = tempfile::tempdir().unwrap();
    crate::auth::oauth_collection(dir.path(), &server.base, "cs_FAKE_oauth");
    let file = dir.path().join("api.http").display().to_string();
    let Some(t) = Tmux::start(&["open", &file, "--env", "dev"], 140, 35) else {
        return;
    };
    t.keep_untrusted();
    t.wait_for(&["env: dev", "me"]);
    t.keys(&["Enter"]);
    t.wait_for(&["Send secrets to a new origin?", "OAuth2 token 'api'"]);
    t.keys(&["y"]);
    t.wait_for(&["Getting the OAuth2 token 'api'", "Esc cancels"]);
    t.keys(&["Escape"]);
    t.wait_for(&["Cancelled"]);
    // (The token endpoint answers 3 s after it was asked.)
    std::thread::sleep(std::time::Duration::from_secs(4));
    let seen: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.lines().next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(seen, ["POST /token HTTP/1.1"]);
    t.quit();
}

/// The TUI as the CLI: a collection's request whose OAuth2 token the API
/// refuses (401 `invalid_token`) has it renewed once (the refresh token)
/// and is sent again; its answer says so.
#[test]
fn a_refused_oauth2_token_is_renewed_once_in_the_tui() {
    let server = crate::auth::oauth_server_from(2);
    let dir = tempfile::tempdir().unwrap();
    crate::auth::oauth_collection(dir.path(), &server.base, "cs_FAKE_oauth");
    let file = dir.path().join("api.http").display().to_string();
    let Some(t) = Tmux::start(&["open", &file, "--env", "dev"], 140, 35) else {
        return;
    };
    t.keep_untrusted();
    t.wait_for(&["env: dev", "me"]);
    t.keys(&["Enter"]);
    t.wait_for(&["Send secrets to a new origin?", "OAuth2 token 'api'"]);
    t.keys(&["y"]);
    let screen = t.wait_for(&[
        "HTTP 200",
        "The first answer was 401 with the cached OAuth2",
    ]);
    assert!(!screen.contains("at_FAKE"), "{screen}");
    let seen: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.lines().next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        seen,
        [
            "POST /token HTTP/1.1",
            "GET /api/me HTTP/1.1",
            "POST /token HTTP/1.1",
            "GET /api/me HTTP/1.1"
        ]
    );
    assert!(server.requests()[2].contains("grant_type=refresh_token"));
    assert!(server.requests()[3].contains("at_FAKE_refreshed_2"));
    t.quit();
}
