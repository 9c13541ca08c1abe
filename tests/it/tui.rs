//! TUI views rendered on ratatui's TestBackend and compared with reviewed
//! snapshots (insta), plus behaviour driven through `App::update`.

use crate::common;

use apiscope::decode::{self, Options};
use apiscope::input::{self, BareBody};
use apiscope::tui::app::{App, Cmd, Entry, Focus, Msg, Tab};
use apiscope::tui::modal::Modal;
use apiscope::tui::theme::Theme;
use apiscope::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};

const DATE: &str = "Thu, 01 Jan 2026 00:00:00 GMT";
const NOW: i64 = 1_767_225_600;

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

/// An app with one entry whose request got `raw` as its response.
fn app_with(line: &str, raw: &str) -> App {
    let t0 = Instant::now();
    let mut app = common::app_at(vec![Entry::new(line, Some("demo request"))], t0);
    let cmds = app.update(key(KeyCode::Enter));
    let Some(Cmd::Send { id, request, .. }) = cmds.into_iter().next() else {
        panic!("Enter did not send");
    };
    respond(&mut app, id, request, raw, t0);
    app
}

fn respond(app: &mut App, id: u64, request: apiscope::model::Request, raw: &str, at: Instant) {
    let mut ex = input::read_bytes(raw.as_bytes(), "fixture", &BareBody::default())
        .unwrap()
        .remove(0);
    ex.request = Some(request);
    let d = decode::diagnose(
        &ex,
        &app.profiles,
        &Options {
            dialect: None,
            now: Some(NOW),
        },
    );
    app.update(Msg::Response {
        id,
        exchange: Box::new(ex),
        diagnosis: Box::new(d),
        at,
    });
}

/// Edits the request line to `line` (e, Ctrl-U, paste) and presses Enter.
fn send_line(app: &mut App, line: &str) -> Vec<Cmd> {
    app.update(key(KeyCode::Char('e')));
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    app.update(Msg::Paste(line.into()));
    app.update(key(KeyCode::Enter))
}

fn draw(app: &mut App, w: u16, h: u16) -> String {
    let theme = Theme::load("dark", false).unwrap();
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::render(app, &theme, f)).unwrap();
    format!("{}", t.backend())
}

fn raw(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut s = format!("HTTP/1.1 {status}\r\nDate: {DATE}\r\nContent-Type: application/json\r\n");
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.push_str(body);
    s
}

#[test]
fn envelope_error_view() {
    let mut app = app_with(
        "GET https://api.example.com/v1/boards limit==500 sort==name 'Authorization:Bearer imb_pat_FAKE'",
        &raw(
            "400 Bad Request",
            &[
                ("X-RateLimit-Limit", "300"),
                ("X-RateLimit-Remaining", "287"),
                ("X-RateLimit-Reset", "1767225780"),
            ],
            r#"{"error":{"code":"INVALID_QUERY_PARAMETER","message":"One or more query parameters are invalid.","status":400,"requestId":"req_a1b2c3d4e5f6a7b8","details":{"fields":{"limit":"Must be an integer between 1 and 100","sort":"Invalid sort field. Allowed: createdAt, updatedAt"}}}}"#,
        ),
    );
    insta::assert_snapshot!(draw(&mut app, 160, 45));
}

#[test]
fn aptly_error_view() {
    let mut app = app_with(
        "GET https://app.getaptly.com/api/boards/b42/cards",
        &raw("401 Unauthorized", &[], r#"{"error":"Unauthorized"}"#),
    );
    insta::assert_snapshot!(draw(&mut app, 160, 45));
}

#[test]
fn coded_error_view() {
    let mut app = app_with(
        "GET https://api.example.com/v1/projects/nope 'Authorization:Bearer FAKE_TOKEN_123'",
        &raw(
            "404 Not Found",
            &[],
            r#"{"code":5000,"message":"Project not found"}"#,
        ),
    );
    insta::assert_snapshot!(draw(&mut app, 160, 45));
}

#[test]
fn ittybit_error_view() {
    let mut app = app_with(
        "GET https://api.ittybit.com/tasks 'Authorization:Bearer FAKE_KEY'",
        &raw(
            "402 Payment Required",
            &[],
            r#"{"kind":"payment_required","message":"A payment issue exists on the account"}"#,
        ),
    );
    insta::assert_snapshot!(draw(&mut app, 160, 45));
}

#[test]
fn errors_array_error_view() {
    let mut app = app_with(
        "POST https://api.example.com/v1/contacts email=nope 'Authorization:Bearer FAKE'",
        &raw(
            "422 Unprocessable Entity",
            // The counts the vendor sends on every response: its marks.
            &[("X-RateLimit-Limit", "100"), ("X-RateLimit-Used", "12")],
            r#"{"errors":["Name can't be blank","Email is invalid"]}"#,
        ),
    );
    insta::assert_snapshot!(draw(&mut app, 160, 45));
}

#[test]
fn success_page_with_pagination() {
    let mut app = app_with(
        "GET https://api.example.com/v1/projects page==2 'Authorization:Bearer FAKE'",
        &raw(
            "200 OK",
            &[],
            r#"{"code":0,"message":"OK","data":[{"id":1},{"id":2}],"pagination":{"page_size":20,"page":2,"total_items":95}}"#,
        ),
    );
    insta::assert_snapshot!(draw(&mut app, 160, 45));
}

fn budget_app(remaining: &str, retry: Option<&str>) -> App {
    let mut headers = vec![
        ("X-RateLimit-Limit", "300"),
        ("X-RateLimit-Remaining", remaining),
        ("X-RateLimit-Reset", "1767225630"),
    ];
    let (status, body) = match retry {
        Some(r) => {
            headers.push(("Retry-After", r));
            (
                "429 Too Many Requests",
                r#"{"error":{"code":"RATE_LIMITED","message":"Too many requests. Please try again later.","status":429,"requestId":"req_x9y8z7w6v5u4t3s2","details":null}}"#,
            )
        }
        None => ("200 OK", r#"{"data":[]}"#),
    };
    app_with(
        "GET https://api.example.com/v1/boards 'Authorization:Bearer imb_pat_FAKE'",
        &raw(status, &headers, body),
    )
}

#[test]
fn budget_full() {
    insta::assert_snapshot!(draw(&mut budget_app("300", None), 160, 45));
}

#[test]
fn budget_low() {
    insta::assert_snapshot!(draw(&mut budget_app("12", None), 160, 45));
}

#[test]
fn budget_exhausted_with_retry_after() {
    insta::assert_snapshot!(draw(&mut budget_app("0", Some("30")), 160, 45));
}

#[test]
fn help_overlay() {
    let mut app = budget_app("12", None);
    app.update(key(KeyCode::Char('?')));
    insta::assert_snapshot!(draw(&mut app, 160, 45));
}

#[test]
fn narrow_terminal() {
    let mut app = app_with(
        "GET https://api.example.com/v1/boards 'Authorization:Bearer imb_pat_FAKE'",
        &raw(
            "429 Too Many Requests",
            &[
                ("X-RateLimit-Limit", "60"),
                ("X-RateLimit-Remaining", "0"),
                ("Retry-After", "30"),
            ],
            r#"{"error":{"code":"RATE_LIMITED","message":"Too many requests. Please try again later.","status":429,"requestId":"req_x9y8z7w6v5u4t3s2","details":null}}"#,
        ),
    );
    insta::assert_snapshot!(draw(&mut app, 80, 24));
    // Every tab at every small size draws without panicking.
    for tab in ["1", "2", "3", "4"] {
        app.update(key(KeyCode::Char(tab.chars().next().unwrap())));
        for (w, h) in [(80, 24), (40, 10), (20, 6), (1, 1)] {
            draw(&mut app, w, h);
        }
    }
}

#[test]
fn body_tab_search_and_escape_sequences() {
    let mut app = app_with(
        "GET https://api.example.com/x",
        // A raw ESC byte in the body (what a hostile server could send).
        &raw(
            "200 OK",
            &[],
            "{\"a\":\"\x1b[2Jwipe\",\"needle\":1,\"b\":[1,2,3]}",
        ),
    );
    app.update(key(KeyCode::Char('2')));
    assert_eq!(app.tab, Tab::Body);
    let screen = draw(&mut app, 100, 20);
    assert!(screen.contains("\\x1b[2Jwipe"), "{screen}");
    assert!(!screen.contains('\x1b'));
    app.update(key(KeyCode::Char('/')));
    for c in "needle".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Enter));
    assert_eq!(app.search.as_ref().unwrap().matches.len(), 1);
    assert_eq!(app.flash.as_deref(), Some("match 1 of 1"));
}

#[test]
fn retry_after_counts_down_and_esc_cancels() {
    let mut app = budget_app("0", Some("30"));
    let t0 = app.now;
    let cmds = app.update(key(KeyCode::Char('r')));
    assert!(matches!(cmds.as_slice(), [Cmd::WakeAt(at)] if *at >= t0 + Duration::from_secs(30)));
    assert!(app.activity.as_ref().is_some_and(|a| a.waiting.is_some()));
    let screen = draw(&mut app, 160, 45);
    assert!(
        screen.contains("retry after Retry-After in 30 s"),
        "{screen}"
    );
    // Ticks before the time send nothing; Esc cancels.
    assert!(
        app.update(Msg::Tick(t0 + Duration::from_secs(5)))
            .is_empty()
    );
    app.update(key(KeyCode::Esc));
    assert!(app.activity.is_none());
    assert!(
        app.update(Msg::Tick(t0 + Duration::from_secs(31)))
            .is_empty()
    );
}

#[test]
fn next_page_is_a_new_entry_and_cancel_ignores_late_answers() {
    let mut app = app_with(
        "GET https://api.example.com/v1/projects page==2 'Authorization:Bearer FAKE'",
        &raw(
            "200 OK",
            &[],
            r#"{"code":0,"message":"OK","data":[],"pagination":{"page_size":20,"page":2,"total_items":95}}"#,
        ),
    );
    let cmds = app.update(key(KeyCode::Char('p')));
    let Some(Cmd::Send { id, request, .. }) = cmds.into_iter().next() else {
        panic!("p did not send")
    };
    assert_eq!(
        request.url.as_deref(),
        Some("https://api.example.com/v1/projects?page=3")
    );
    assert_eq!(request.headers.get("authorization"), Some("Bearer FAKE"));
    assert_eq!(app.entries.len(), 2);
    assert_eq!(app.selected, 1);
    // Esc cancels; the late response is dropped.
    assert_eq!(app.update(key(KeyCode::Esc)), vec![Cmd::Cancel(id)]);
    let now = app.now;
    respond(&mut app, id, request, &raw("200 OK", &[], "{}"), now);
    assert!(app.entries[1].diagnosis.is_none());
}

#[test]
fn editor_sends_what_was_typed_and_reports_bad_lines() {
    let mut app = common::app(Vec::new());
    // An empty app starts in the editor.
    for c in "oops 'unterminated".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    for c in "POST :8080/x a=1".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    let cmds = app.update(key(KeyCode::Enter));
    match cmds.as_slice() {
        [Cmd::Send { request, .. }] => {
            assert_eq!(request.method, "POST");
            assert_eq!(request.url.as_deref(), Some("http://localhost:8080/x"));
            assert_eq!(&request.body[..], br#"{"a":"1"}"#);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn mouse_clicks_select_requests_tabs_and_the_editor() {
    use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let click = |column, row| {
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut app = common::app(vec![
        Entry::new("GET https://a.example/1", Some("first")),
        Entry::new("GET https://a.example/2", Some("second")),
    ]);
    let screen = draw(&mut app, 160, 45);
    let row_of = |needle: &str| {
        screen
            .lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle} on screen:\n{screen}")) as u16
    };
    // The list: click the second request.
    app.update(click(5, row_of("second")));
    assert_eq!(app.selected, 1);
    assert_eq!(app.editor.text(), "GET https://a.example/2");
    // The tab row: click "3 Headers".
    let tabs = row_of("1 Overview");
    let col = screen
        .lines()
        .nth(tabs as usize)
        .unwrap()
        .find("3 Headers")
        .unwrap();
    let col = screen.lines().nth(tabs as usize).unwrap()[..col]
        .chars()
        .count() as u16;
    app.update(click(col + 2, tabs));
    assert_eq!(app.tab, Tab::Headers);
    // The request line: focus it, cursor where clicked.
    let line = row_of("GET https://a.example/1");
    let text = screen.lines().nth(line as usize).unwrap();
    let start = text[..text.find("GET https://a.example/1").unwrap()]
        .chars()
        .count() as u16
        - 1; // the leading quote of TestBackend's Display
    app.update(click(start + 4, line));
    assert_eq!(app.focus, apiscope::tui::app::Focus::Editor);
    assert_eq!(app.editor.cursor(), 4);
}

#[test]
fn save_is_redacted_and_mask_hides_credentials_on_screen() {
    let mut app = app_with(
        "GET https://api.example.com/v1/boards 'Authorization:Bearer imb_pat_SECRET1'",
        &raw(
            "401 Unauthorized",
            &[],
            r#"{"error":{"code":"UNAUTHENTICATED","message":"No token provided or token format invalid.","status":401}}"#,
        ),
    );
    let cmds = app.update(key(KeyCode::Char('S')));
    let Some(Cmd::Save {
        exchanges,
        diagnoses,
        ..
    }) = cmds.into_iter().next()
    else {
        panic!("S did not save");
    };
    let (session, har, report) =
        apiscope::tui::documents("s", &exchanges, &diagnoses, &app.profiles);
    assert!(report.contains("UNAUTHENTICATED"), "{report}");
    for text in [&session, &har, &report] {
        assert!(!text.contains("imb_pat_SECRET1"), "{text}");
    }
    assert!(session.contains("imb_pat_REDACTED"));
    assert!(session.contains("\"apiscope_session\": 1"));

    app.update(key(KeyCode::Char('3')));
    assert!(draw(&mut app, 160, 45).contains("imb_pat_SECRET1"));
    app.update(key(KeyCode::Char('m')));
    let screen = draw(&mut app, 160, 45);
    assert!(!screen.contains("imb_pat_SECRET1"), "{screen}");
    assert!(screen.contains("Credentials masked on screen"));
}

/// Two exchanges of one app: a success, then an error after editing.
fn two_exchange_app() -> App {
    let mut app = app_with(
        "GET https://api.example.com/v1/boards 'Authorization:Bearer imb_pat_FAKE'",
        &raw(
            "200 OK",
            &[("X-Request-Id", "req_1")],
            r#"{"data":[{"id":"brd_1"},{"id":"brd_2"}]}"#,
        ),
    );
    let cmds = send_line(
        &mut app,
        "GET https://api.example.com/v1/boards limit==500 'Authorization:Bearer imb_pat_FAKE'",
    );
    let Some(Cmd::Send { id, request, .. }) = cmds.into_iter().next() else {
        panic!("Enter did not send");
    };
    respond(
        &mut app,
        id,
        request,
        &raw(
            "400 Bad Request",
            &[("X-Request-Id", "req_2")],
            r#"{"error":{"code":"INVALID_QUERY_PARAMETER","message":"One or more query parameters are invalid.","status":400,"details":{"fields":{"limit":"Must be an integer between 1 and 100"}}}}"#,
        ),
        Instant::now(),
    );
    app
}

#[test]
fn diff_of_two_exchanges() {
    let mut app = two_exchange_app();
    assert_eq!(app.entries.len(), 2);
    app.update(key(KeyCode::Esc)); // the editor → back to the list
    assert_eq!(app.focus, Focus::List);
    app.update(key(KeyCode::Char('k')));
    app.update(key(KeyCode::Char('d')));
    assert!(app.flash.as_deref().unwrap().contains("Marked #1"));
    app.update(key(KeyCode::Char('j')));
    app.update(key(KeyCode::Char('d')));
    let Some(Modal::Overlay(d)) = app.modal.as_ref() else {
        panic!("no diff");
    };
    let text: Vec<&str> = d.lines.iter().map(|(_, s)| s.as_str()).collect();
    for want in [
        "- status      200",
        "+ status      400",
        "+ code        INVALID_QUERY_PARAMETER",
        "- x-request-id: req_1",
        "+ x-request-id: req_2",
    ] {
        assert!(text.contains(&want), "no {want:?} in {text:#?}");
    }
    insta::assert_snapshot!(draw(&mut app, 160, 45));
    app.update(key(KeyCode::Esc));
    assert!(app.modal.is_none());
}

#[test]
fn history_overlay_searches_and_opens() {
    use apiscope::history::Row;
    let mut app = two_exchange_app();
    app.update(key(KeyCode::Tab));
    let cmds = app.update(key(KeyCode::Char('H')));
    assert_eq!(cmds, [Cmd::HistorySearch(String::new())]);
    let cmds = app.update(key(KeyCode::Char('4')));
    assert_eq!(cmds, [Cmd::HistorySearch("4".into())]);
    let row = |id, status, code: Option<&str>| Row {
        id,
        at_ms: 1_767_225_600_000,
        source: "send".into(),
        method: "GET".into(),
        url: "https://api.example.com/v1/boards".into(),
        status: Some(status),
        dialect: "envelope".into(),
        code: code.map(str::to_owned),
        message: None,
    };
    app.update(Msg::HistoryRows(Ok(vec![
        row(7, 429, Some("RATE_LIMITED")),
        row(6, 400, Some("INVALID_QUERY_PARAMETER")),
    ])));
    app.update(key(KeyCode::Down));
    insta::assert_snapshot!(draw(&mut app, 160, 45));
    let cmds = app.update(key(KeyCode::Enter));
    assert_eq!(cmds, [Cmd::HistoryLoad(6)]);
    assert!(app.modal.is_none());
}

#[test]
fn jq_filter_on_the_body() {
    let mut app = app_with(
        "GET https://api.example.com/v1/boards",
        &raw(
            "200 OK",
            &[],
            r#"{"data":[{"id":"brd_1","archived":true},{"id":"brd_2","archived":false}]}"#,
        ),
    );
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Char('f')));
    assert_eq!(app.tab, Tab::Body);
    // The prompt starts empty: what is typed is the filter.
    for c in ".data[] | select(.archived) | .id".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    let cmds = app.update(key(KeyCode::Enter));
    let [
        Cmd::Jq {
            entry,
            generation,
            filter,
            body,
            remember,
        },
    ] = &cmds[..]
    else {
        panic!("Enter did not run the filter: {cmds:?}");
    };
    assert_eq!(filter, ".data[] | select(.archived) | .id");
    assert_eq!(remember, std::slice::from_ref(filter));
    // What the worker thread does:
    let result = apiscope::jq::run(filter, body);
    app.update(Msg::JqDone {
        entry: *entry,
        generation: *generation,
        filter: filter.clone(),
        result,
    });
    let screen = draw(&mut app, 160, 45);
    assert!(screen.contains("\"brd_1\""), "{screen}");
    assert!(!screen.contains("brd_2"), "{screen}");
    assert!(
        screen.contains("jq .data[] | select(.archived) | .id · 1 output"),
        "{screen}"
    );
    // Esc shows the body again; f then ↑ recalls the filter.
    app.update(key(KeyCode::Esc));
    assert!(draw(&mut app, 160, 45).contains("brd_2"));
    app.update(key(KeyCode::Char('f')));
    app.update(key(KeyCode::Char('u')));
    app.update(key(KeyCode::Up));
    let Some(Modal::Jq(j)) = app.modal.as_ref() else {
        panic!("no jq prompt");
    };
    assert_eq!(j.input.text(), ".data[] | select(.archived) | .id");
    // A bad filter is a one-line message, the body stays.
    app.update(key(KeyCode::Esc));
    app.update(Msg::JqDone {
        entry: 0,
        generation: app.entries[0].generation,
        filter: ".data[".into(),
        result: apiscope::jq::run(".data[", b"{}"),
    });
    assert!(
        app.flash
            .as_deref()
            .unwrap()
            .starts_with("jq: filter syntax error")
    );
}

#[test]
fn body_editor_applies_valid_json_and_keeps_invalid_text() {
    let mut app = common::app(vec![Entry::new(
        "POST https://api.example.com/v1/boards name=old n:=1",
        None,
    )]);
    app.update(key(KeyCode::Char('b')));
    let screen = draw(&mut app, 160, 45);
    assert!(screen.contains("\"name\": \"old\""), "{screen}");
    insta::assert_snapshot!(screen);
    // Break the JSON: Ctrl-S refuses, says why, keeps the editor.
    app.update(key(KeyCode::Char('{')));
    let ctrl = |c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    app.update(ctrl('s'));
    assert!(matches!(app.modal, Some(Modal::BodyEditor(_))));
    assert!(app.flash.as_deref().unwrap().contains("not valid JSON"));
    // Undo the typo, apply.
    app.update(ctrl('z'));
    app.update(ctrl('s'));
    assert!(app.modal.is_none());
    assert_eq!(
        app.editor.text(),
        "POST https://api.example.com/v1/boards name=old n:=1"
    );
}

#[test]
fn keymap_from_the_config_replaces_default_keys() {
    let config = apiscope::config::parse("[keys]\nhelp = \"F1\"\nquit = \"Ctrl-q\"\n").unwrap();
    let mut app = common::app(vec![Entry::new("GET https://a.example/1", Some("one"))]);
    app.set_keymap(&config.keys);
    // The default keys of rebound actions do nothing now.
    app.update(key(KeyCode::Char('?')));
    assert!(app.modal.is_none());
    app.update(key(KeyCode::Char('q')));
    assert!(!app.quit);
    app.update(key(KeyCode::F(1)));
    assert!(matches!(app.modal, Some(Modal::Help(_))));
    let screen = draw(&mut app, 160, 45);
    assert!(screen.contains("your key, config.toml"), "{screen}");
    assert!(screen.contains("Ctrl-q"), "{screen}");
    app.update(key(KeyCode::Esc));
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
}

#[test]
fn html_error_pages_are_highlighted_in_the_body_tab() {
    let mut app = app_with(
        "GET https://api.example.com/v1/boards",
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n\r\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\x1b[2J<center><h1>502 Bad Gateway</h1></center></body>\n</html>\n",
    );
    app.update(key(KeyCode::Char('2')));
    let theme = Theme::load("dark", true).unwrap();
    let mut t = Terminal::new(TestBackend::new(160, 45)).unwrap();
    t.draw(|f| view::render(&mut app, &theme, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let screen = format!("{}", t.backend());
    assert!(
        screen.contains("<head><title>502 Bad Gateway</title></head>"),
        "{screen}"
    );
    // The escape sequence shows as text.
    assert!(screen.contains("\\x1b[2J"), "{screen}");
    // Several RGB colours on the <head> line: syntect at work.
    let row = screen.lines().position(|l| l.contains("<head>")).unwrap() as u16;
    let colours: std::collections::HashSet<_> = (0..160)
        .map(|x| buf[(x, row)].fg)
        .filter(|c| matches!(c, ratatui::style::Color::Rgb(..)))
        .collect();
    assert!(colours.len() >= 2, "not highlighted: {colours:?}");
}

#[test]
fn a_tui_exchange_saved_as_a_session_opens_with_the_same_diagnosis() {
    let mut app = app_with(
        "GET https://api.example.com/v1/boards limit==500 'Authorization:imb_pat_FAKE'",
        &raw(
            "400 Bad Request",
            &[
                ("X-RateLimit-Limit", "300"),
                ("X-RateLimit-Remaining", "12"),
            ],
            r#"{"error":{"code":"INVALID_QUERY_PARAMETER","message":"One or more query parameters are invalid.","status":400,"requestId":"req_1","details":{"fields":{"limit":"Must be an integer between 1 and 100"}}}}"#,
        ),
    );
    let Some(Cmd::Save {
        exchanges,
        diagnoses,
        ..
    }) = app.update(key(KeyCode::Char('S'))).into_iter().next()
    else {
        panic!("S did not save");
    };
    let (session, _, _) = apiscope::tui::documents("s", &exchanges, &diagnoses, &app.profiles);
    let before = app.entries[0].diagnosis.clone().unwrap();
    let reread = input::session::read(session.as_bytes(), "saved.json").unwrap();
    let after = decode::diagnose(
        &reread[0],
        &app.profiles,
        &Options {
            dialect: None,
            now: Some(NOW),
        },
    );
    let json = |d: &decode::Diagnosis| serde_json::to_value(d).unwrap();
    assert_eq!(json(&after), json(&before));
    // The finding about the missing Bearer prefix survives the redaction.
    assert!(
        after.findings.iter().any(|f| f.contains("Bearer")),
        "{:?}",
        after.findings
    );
}

#[test]
fn drafts_survive_switching_and_clicks_do_not_reach_under_overlays() {
    use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut app = common::app(vec![
        Entry::new("GET https://a.example/1", Some("first")),
        Entry::new("GET https://a.example/2", Some("second")),
    ]);
    draw(&mut app, 160, 45);
    // Edit the first line, switch away and back: the edit is still there.
    app.update(key(KeyCode::Char('e')));
    app.update(Msg::Paste(" x==1".into()));
    app.update(key(KeyCode::Esc)); // back to the list
    app.update(key(KeyCode::Char('j')));
    assert_eq!(app.editor.text(), "GET https://a.example/2");
    app.update(key(KeyCode::Char('k')));
    assert_eq!(app.editor.text(), "GET https://a.example/1 x==1");
    // With the body editor open, a click on the list changes nothing.
    app.update(key(KeyCode::Char('b')));
    assert!(matches!(app.modal, Some(Modal::BodyEditor(_))));
    let click = Msg::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row: 3,
        modifiers: KeyModifiers::NONE,
    });
    app.update(click);
    assert_eq!(app.selected, 0);
}

#[test]
fn the_first_save_of_a_run_never_replaces_another_session() {
    let mut app = app_with(
        "GET https://api.example.com/v1/boards",
        &raw("200 OK", &[], r#"{"data":[]}"#),
    );
    app.session_name = Some("customer".into());
    app.update(key(KeyCode::Tab));
    let cmds = app.update(key(KeyCode::Char('S')));
    assert!(matches!(&cmds[..], [Cmd::Save { name, overwrite: false, .. }] if name == "customer"));
    app.update(Msg::Saved(Ok(("customer-2".into(), "Saved".into()))));
    let cmds = app.update(key(KeyCode::Char('S')));
    assert!(matches!(&cmds[..], [Cmd::Save { name, overwrite: true, .. }] if name == "customer-2"));
}

#[test]
fn a_generic_looking_success_is_decoded_in_the_dialect_its_api_spoke() {
    let mut app = app_with(
        "GET https://api.example.com/v1/boards limit==500 'Authorization:Bearer imb_pat_FAKE'",
        &raw(
            "400 Bad Request",
            &[],
            r#"{"error":{"code":"INVALID_QUERY_PARAMETER","message":"One or more query parameters are invalid.","status":400,"requestId":"req_a1b2c3d4e5f6a7b8","details":null}}"#,
        ),
    );
    assert_eq!(
        app.entries[0].diagnosis.as_ref().unwrap().dialect,
        "envelope"
    );
    let cmds = send_line(&mut app, "GET https://api.example.com/v1/boards");
    assert!(
        matches!(&cmds[..], [Cmd::Send { dialect_hint: Some(d), .. }] if d == "envelope"),
        "{cmds:?}"
    );
    // Another API on another host gets no hint.
    let cmds = send_line(&mut app, "GET https://other.example.com/v1/boards");
    assert!(
        matches!(
            &cmds[..],
            [
                Cmd::Cancel(_),
                Cmd::Send {
                    dialect_hint: None,
                    ..
                }
            ]
        ),
        "{cmds:?}"
    );
}

#[test]
fn focus_is_predictable_and_said() {
    let mut app = common::app(vec![
        Entry::new("GET https://a.example/1", Some("first")),
        Entry::new("GET https://a.example/2", Some("second")),
    ]);
    assert_eq!(app.focus, Focus::List);
    assert!(draw(&mut app, 160, 45).contains(" REQUESTS "));
    // Enter sends and the list keeps the keys: j moves the selection.
    app.update(key(KeyCode::Enter));
    assert_eq!(app.focus, Focus::List);
    app.update(key(KeyCode::Char('j')));
    assert_eq!(app.selected, 1);
    // Tab goes to the response (never into the editor): j scrolls there.
    app.update(key(KeyCode::Tab));
    assert_eq!(app.focus, Focus::Response);
    assert!(draw(&mut app, 160, 45).contains(" RESPONSE "));
    app.update(key(KeyCode::Char('j')));
    assert_eq!(app.selected, 1);
    // Esc first cancels what runs (the request sent above), then goes
    // back to the list.
    app.update(key(KeyCode::Esc));
    assert_eq!(app.flash.as_deref(), Some("Cancelled"));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.focus, Focus::List);
    // e edits; typing goes into the line; Enter sends and leaves the editor.
    app.update(key(KeyCode::Char('e')));
    assert_eq!(app.focus, Focus::Editor);
    assert!(draw(&mut app, 160, 45).contains(" EDITING "));
    app.update(key(KeyCode::Char('j')));
    assert_eq!(app.editor.text(), "GET https://a.example/2j");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.focus, Focus::List);
}

#[test]
fn below_100_columns_the_selection_and_the_request_start_stay_visible() {
    let long = format!(
        "POST https://api.example.com/v1/boards 'Authorization:Bearer FAKE' {}",
        (0..20)
            .map(|i| format!("field{i}=value{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let mut app = common::app(vec![
        Entry::new("GET https://a.example/1", Some("first")),
        Entry::new(&long, Some("second: a long one")),
    ]);
    // The list has the keys: it shows, and j moves visibly.
    app.update(key(KeyCode::Char('j')));
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains("›    second: a long one"), "{screen}");
    // The response has them: one line names the selection.
    app.update(key(KeyCode::Tab));
    let screen = draw(&mut app, 80, 24);
    assert!(screen.contains(" 2/2     second: a long one"), "{screen}");
    // The request line shows its start: the method and the host.
    assert!(
        screen.contains("POST https://api.example.com/v1/boards"),
        "{screen}"
    );
}

#[test]
fn a_pasted_url_replaces_the_prefilled_scheme() {
    let mut app = common::app(Vec::new());
    assert_eq!(app.focus, Focus::Editor);
    app.update(Msg::Paste("http://127.0.0.1:8080/x".into()));
    assert_eq!(app.editor.text(), "GET http://127.0.0.1:8080/x");
    let mut app = common::app(Vec::new());
    app.update(Msg::Paste("POST https://a.example/x name=1".into()));
    assert_eq!(app.editor.text(), "POST https://a.example/x name=1");
}

#[test]
fn the_jq_prompt_starts_empty() {
    let mut app = app_with(
        "GET https://api.example.com/v1/boards",
        &raw("200 OK", &[], r#"{"data":[1]}"#),
    );
    app.update(key(KeyCode::Char('f')));
    for c in ".data[]".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    let Some(Modal::Jq(j)) = app.modal.as_ref() else {
        panic!("no prompt");
    };
    assert_eq!(j.input.text(), ".data[]");
}

#[test]
fn long_lines_wrap_or_scroll_sideways() {
    let tail = "THE-END-OF-A-LONG-STRING";
    let long = format!("{}{tail}", "x".repeat(5000));
    let mut app = app_with(
        "GET https://api.example.com/v1/doc",
        &raw("200 OK", &[], &format!(r#"{{"text":"{long}"}}"#)),
    );
    app.update(key(KeyCode::Char('2')));
    app.update(key(KeyCode::Tab));
    assert!(!draw(&mut app, 100, 30).contains(tail));
    // → scrolls sideways to the end.
    for _ in 0..700 {
        app.update(key(KeyCode::Right));
    }
    let screen = draw(&mut app, 100, 30);
    assert!(screen.contains(tail), "{screen}");
    // w wraps: the end shows without scrolling.
    app.update(key(KeyCode::Char('w')));
    assert_eq!(app.hscroll, 0);
    let screen = draw(&mut app, 200, 60);
    assert!(screen.contains(tail), "{screen}");
    // The Raw tab too.
    app.update(key(KeyCode::Char('4')));
    let screen = draw(&mut app, 200, 60);
    assert!(screen.contains(tail), "{screen}");
}

#[test]
fn the_forecast_never_outruns_the_reset() {
    let mut app = budget_app("250", None);
    // Two more answers a second apart, 10 requests spent each time: at
    // that pace 240 left last 24 s, but the window resets in 30 s… and
    // with 1 spent per second it would last far past the reset.
    let t0 = app.now;
    for (i, remaining) in [(1u64, "249"), (2, "248")] {
        let cmds = app.update(key(KeyCode::Enter));
        let Some(Cmd::Send { id, request, .. }) = cmds.into_iter().next() else {
            panic!("no send");
        };
        respond(
            &mut app,
            id,
            request,
            &raw(
                "200 OK",
                &[
                    ("X-RateLimit-Limit", "300"),
                    ("X-RateLimit-Remaining", remaining),
                    ("X-RateLimit-Reset", "1767225630"),
                ],
                r#"{"data":[]}"#,
            ),
            t0 + Duration::from_secs(i),
        );
    }
    let b = app.budget_view().unwrap();
    assert!(b.empty_in.is_none(), "{b:?}");
    assert!(b.resets_first);
    let screen = draw(&mut app, 160, 45);
    assert!(
        screen.contains("Forecast    resets before it runs out"),
        "{screen}"
    );
}

/// Absurd rate-limit numbers from a server: every view, the Markdown
/// reply (`Y`) and the saved files (`S`) are built without a panic, and
/// the absurd value is a note, not a date.
#[test]
fn absurd_rate_limit_numbers_in_the_tui_views_y_and_s() {
    for (name, value) in [
        ("X-RateLimit-Reset", "253402300800"),
        ("X-RateLimit-Reset", "1e23"),
        ("RateLimit-Reset", "1e23"),
        ("Retry-After", "10000000000000000000"),
        ("X-RateLimit-Limit", "99999999999999999999999"),
    ] {
        let mut app = app_with(
            "GET http://127.0.0.1:9/v1/boards",
            &raw(
                "429 Too Many Requests",
                &[(name, value), ("X-RateLimit-Remaining", "0")],
                r#"{"error":{"code":"RATE_LIMITED","message":"slow down","status":429}}"#,
            ),
        );
        for tab in [Tab::Overview, Tab::Body, Tab::Headers, Tab::Raw] {
            app.tab = tab;
            let screen = draw(&mut app, 120, 40);
            assert!(
                !screen.contains("-29"),
                "{name}: {value}: a wrapped date\n{screen}"
            );
        }
        app.focus = Focus::Response;
        let cmds = app.update(key(KeyCode::Char('Y')));
        let copied = cmds
            .iter()
            .find_map(|c| match c {
                Cmd::Copy(t) => Some(t.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{name}: {value}: Y copied nothing: {:?}", app.flash));
        assert!(copied.contains("RATE_LIMITED"), "{copied}");
        let cmds = app.update(key(KeyCode::Char('S')));
        let saved = cmds.into_iter().find_map(|c| match c {
            Cmd::Save {
                exchanges,
                diagnoses,
                ..
            } => Some((exchanges, diagnoses)),
            _ => None,
        });
        let (exchanges, diagnoses) = match saved {
            Some(s) => s,
            // S asks for a name first: accept the proposed one.
            None => {
                let cmds = app.update(key(KeyCode::Enter));
                cmds.into_iter()
                    .find_map(|c| match c {
                        Cmd::Save {
                            exchanges,
                            diagnoses,
                            ..
                        } => Some((exchanges, diagnoses)),
                        _ => None,
                    })
                    .unwrap_or_else(|| panic!("{name}: {value}: S saved nothing"))
            }
        };
        let (session, har, markdown) =
            apiscope::tui::documents("absurd", &exchanges, &diagnoses, &app.profiles);
        assert!(session.contains(value) && har.contains(value));
        assert!(markdown.contains("RATE_LIMITED"), "{markdown}");
    }
}

/// A collection app: a login request and one that uses its token, with an
/// environment file (a private secret) beside them.
fn collection_app(dir: &std::path::Path) -> App {
    std::fs::write(
        dir.join("api.http"),
        "@host = https://api.example.com\n\n### Log in\n# @name login\nPOST {{host}}/login\nContent-Type: application/json\n\n{\"password\": \"{{password}}\"}\n\n###\n# @name me\nGET {{host}}/me\nAuthorization: Bearer {{login.response.body.$.token}}\n\n###\n# @name gone\nDELETE {{host}}/me/{{id}}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("http-client.env.json"),
        r#"{"dev": {"id": "7"}, "prod": {"id": "8"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("http-client.private.env.json"),
        r#"{"dev": {"password": "pw_FAKE_tui_secret"}}"#,
    )
    .unwrap();
    let mut app = common::collection_app(&dir.join("api.http"), Some("dev"));
    app.banner = Some("api.http · 3 requests".into());
    app
}

#[test]
fn collection_view_variables_and_environments() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    insta::assert_snapshot!("collection_list", draw(&mut app, 100, 12));
    // V: the variables of `login`, the secret masked.
    app.update(key(KeyCode::Char('V')));
    let screen = draw(&mut app, 100, 12);
    // (The temporary directory's path varies: it is replaced, and the
    // padding after it dropped.)
    let d = dir.path().display().to_string();
    let shown: Vec<String> = screen
        .lines()
        .map(|l| {
            if !l.contains(&d) {
                return l.to_owned();
            }
            let l = l.replace(&d, "<tmp>");
            match l.rfind("││") {
                Some(end) => format!("{}││\"", l[..end].trim_end()),
                None => l,
            }
        })
        .collect();
    insta::assert_snapshot!("collection_variables", shown.join("\n"));
    assert!(screen.contains("{{password}} = pw…••••"), "{screen}");
    assert!(!screen.contains("pw_FAKE_tui_secret"), "{screen}");
    assert!(screen.contains("Variables of login"), "{screen}");
    assert!(
        screen.contains("{{host}} = https://api.example.com    (file variable)"),
        "{screen}"
    );
    assert!(
        screen.contains("(http-client.private.env.json [dev])"),
        "{screen}"
    );
    app.update(key(KeyCode::Esc));
    // E: dev → prod → none.
    app.update(key(KeyCode::Char('E')));
    assert_eq!(app.collection.as_ref().unwrap().env(), Some("prod"));
    app.update(key(KeyCode::Char('j')));
    app.update(key(KeyCode::Char('j')));
    let Some(Cmd::Send { request, .. }) = app.update(key(KeyCode::Enter)).into_iter().next() else {
        panic!("no send");
    };
    assert_eq!(request.url.as_deref(), Some("https://api.example.com/me/8"));
    app.update(key(KeyCode::Char('E')));
    assert_eq!(app.collection.as_ref().unwrap().env(), None);
    app.update(key(KeyCode::Enter));
    // Why, whole, in the response pane; the status line points there.
    let problem = app.current().problem.clone().unwrap_or_default();
    assert!(problem.contains("{{id}} is not defined"), "{problem}");
    assert!(
        app.flash.as_deref().unwrap_or("").contains("Not sent"),
        "{:?}",
        app.flash
    );
}

#[test]
fn a_collection_request_sends_the_one_it_refers_to_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    app.update(key(KeyCode::Char('j'))); // `me`
    // The private password would go to an origin not confirmed: asked
    // first, naming the requests, the origin and the secret's source.
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("not asked: {:?}", app.flash);
    };
    let asked = c.lines.join("\n");
    assert!(
        asked.contains("POST login → https://api.example.com")
            && asked.contains("carries http-client.private.env.json"),
        "{asked}"
    );
    let cmds = app.update(key(KeyCode::Char('y')));
    let Some(Cmd::Send {
        id,
        request,
        secrets,
        ..
    }) = cmds.into_iter().next()
    else {
        panic!("nothing sent");
    };
    // `login` goes first, its secret resolved for the wire and listed for
    // the history's redaction.
    assert_eq!(request.method, "POST");
    assert_eq!(&request.body[..], br#"{"password": "pw_FAKE_tui_secret"}"#);
    assert_eq!(secrets, ["pw_FAKE_tui_secret"]);
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("Sending 'login' first"),
        "{:?}",
        app.flash
    );
    let t = Instant::now();
    let mut ex = input::read_bytes(
        raw("200 OK", &[], r#"{"token":"tok_FAKE_from_login"}"#).as_bytes(),
        "fixture",
        &BareBody::default(),
    )
    .unwrap()
    .remove(0);
    ex.request = Some(request);
    let d = decode::diagnose(&ex, &app.profiles, &Options::default());
    let cmds = app.update(Msg::Response {
        id,
        exchange: Box::new(ex),
        diagnosis: Box::new(d),
        at: t,
    });
    let Some(Cmd::Send { request, .. }) = cmds.into_iter().find(|c| matches!(c, Cmd::Send { .. }))
    else {
        panic!("`me` was not sent after `login`");
    };
    assert_eq!(request.url.as_deref(), Some("https://api.example.com/me"));
    assert_eq!(
        request.headers.get("authorization"),
        Some("Bearer tok_FAKE_from_login")
    );
}

/// Runs what the event loop runs for a collection write, and hands the
/// answer back to the app.
fn run_writes(app: &mut App, cmds: Vec<Cmd>) -> Vec<Cmd> {
    let mut rest = Vec::new();
    for c in cmds {
        match c {
            Cmd::WriteFile {
                file,
                path,
                base,
                text,
                extra,
                after,
            } => {
                let (result, envs) = apiscope::tui::write_collection(&path, &base, &text, &extra);
                rest.extend(app.update(Msg::FileWritten {
                    file,
                    result,
                    envs,
                    after,
                }));
            }
            other => rest.push(other),
        }
    }
    rest
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(KeyCode::Char(c)));
    }
}

#[test]
fn an_edited_collection_request_is_saved_into_its_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    let path = dir.path().join("api.http");
    let before = std::fs::read_to_string(&path).unwrap();
    app.update(key(KeyCode::Char('j'))); // `me`
    app.update(key(KeyCode::Char('e')));
    app.update(key(KeyCode::End));
    type_text(&mut app, " X-Trace:1 verbose==1");
    // The list marks the unsaved edit.
    assert!(draw(&mut app, 100, 12).contains("me*"));
    let cmds = app.update(ctrl('s'));
    assert!(
        matches!(cmds.first(), Some(Cmd::WriteFile { .. })),
        "{cmds:?}"
    );
    run_writes(&mut app, cmds);
    let after = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        after,
        before.replace(
            "GET {{host}}/me\nAuthorization: Bearer {{login.response.body.$.token}}\n",
            "GET {{host}}/me?verbose=1\nAuthorization: Bearer {{login.response.body.$.token}}\nX-Trace: 1\n"
        )
    );
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .starts_with("Saved 'me' to"),
        "{:?}",
        app.flash
    );
    assert_eq!(app.current().label.as_deref(), Some("me"));
    assert!(!draw(&mut app, 100, 12).contains("me*"));
    // Saving again: nothing to write.
    assert!(app.update(ctrl('s')).is_empty());
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .starts_with("No change to save")
    );
    // A body edited: pretty JSON, the rest of the file as it was.
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('k'))); // `login`
    app.update(key(KeyCode::Char('e')));
    app.update(ctrl('u'));
    app.update(Msg::Paste(
        "POST {{host}}/login Content-Type:application/json password={{password}} otp={{otp}}"
            .into(),
    ));
    let cmds = app.update(ctrl('s'));
    run_writes(&mut app, cmds);
    let third = std::fs::read_to_string(&path).unwrap();
    assert!(
        third.contains(
            "\n{\n  \"password\": \"{{password}}\",\n  \"otp\": \"{{otp}}\"\n}\n\n###\n# @name me"
        ),
        "{third}"
    );
    assert!(third.ends_with(&after[after.find("###\n# @name me").unwrap()..]));
}

#[test]
fn new_duplicate_rename_and_delete_change_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    let path = dir.path().join("api.http");
    let read = || std::fs::read_to_string(&path).unwrap();
    // n: a new request after the selected one, named, its line opened.
    app.update(key(KeyCode::Char('n')));
    assert!(matches!(app.modal, Some(Modal::Prompt(_))));
    type_text(&mut app, "bad name");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("cannot be a request name")
    );
    app.update(ctrl('u'));
    type_text(&mut app, "login");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("has a request named 'login'")
    );
    app.update(ctrl('u'));
    type_text(&mut app, "health");
    let cmds = app.update(key(KeyCode::Enter));
    run_writes(&mut app, cmds);
    assert!(
        read().contains("###\n# @name health\nGET {{host}}/\n\n###\n# @name me"),
        "{}",
        read()
    );
    assert_eq!(app.current().label.as_deref(), Some("health"));
    assert_eq!(app.focus, Focus::Editor);
    type_text(&mut app, "health");
    let cmds = app.update(ctrl('s'));
    run_writes(&mut app, cmds);
    assert!(read().contains("GET {{host}}/health\n"), "{}", read());
    app.update(key(KeyCode::Esc));
    // D: a copy after it.
    app.update(key(KeyCode::Char('D')));
    let cmds = app.update(key(KeyCode::Enter));
    run_writes(&mut app, cmds);
    assert_eq!(app.current().label.as_deref(), Some("health-copy"));
    assert_eq!(read().matches("GET {{host}}/health\n").count(), 2);
    // F2: renamed; the requests referring to the old name are offered
    // an update, and y rewrites just those placeholders.
    app.update(key(KeyCode::Char('k')));
    app.update(key(KeyCode::Char('k')));
    assert_eq!(app.current().label.as_deref(), Some("login"));
    app.update(key(KeyCode::F(2)));
    app.update(ctrl('u'));
    type_text(&mut app, "signin");
    let cmds = app.update(key(KeyCode::Enter));
    run_writes(&mut app, cmds);
    assert!(read().contains("# @name signin\nPOST"), "{}", read());
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("no offer to update the references: {:?}", app.flash);
    };
    assert!(
        c.lines[0].contains("1 place in") && c.lines[0].contains("still refer to 'login'"),
        "{:?}",
        c.lines
    );
    let renamed = read();
    let cmds = app.update(key(KeyCode::Char('y')));
    run_writes(&mut app, cmds);
    assert_eq!(
        read(),
        renamed.replace("{{login.response", "{{signin.response")
    );
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("Updated 1 reference from 'login' to 'signin'"),
        "{:?}",
        app.flash
    );
    assert_eq!(app.current().label.as_deref(), Some("signin"));
    // X: asks, then deletes only that request.
    let before = read();
    app.update(key(KeyCode::Char('j')));
    app.update(key(KeyCode::Char('j')));
    assert_eq!(app.current().label.as_deref(), Some("health-copy"));
    assert!(app.update(key(KeyCode::Char('X'))).is_empty());
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("X did not ask");
    };
    assert!(c.lines[0].contains("'health-copy' is removed"));
    app.update(key(KeyCode::Char('n')));
    assert_eq!(read(), before);
    app.update(key(KeyCode::Char('X')));
    let cmds = app.update(key(KeyCode::Char('y')));
    run_writes(&mut app, cmds);
    assert_eq!(read().matches("GET {{host}}/health\n").count(), 1);
    assert_eq!(app.entries.len(), 4);
    // Ctrl-E: the file at the request's line.
    let cmds = app.update(ctrl('e'));
    let Some(Cmd::EditFile { path: p, line }) = cmds.first() else {
        panic!("{cmds:?}");
    };
    assert_eq!(p, &path);
    assert_eq!(read().lines().nth(line - 1).unwrap(), "GET {{host}}/me");
}

#[test]
fn a_change_on_disk_is_taken_in_and_an_unsaved_edit_is_never_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    let path = dir.path().join("api.http");
    let text = std::fs::read_to_string(&path).unwrap();
    app.update(key(KeyCode::Char('j'))); // `me`
    // Another editor adds a request before `me`: the selection stays on it.
    let changed = text.replace(
        "###\n# @name me",
        "###\n# @name status\nGET {{host}}/status\n\n###\n# @name me",
    );
    std::fs::write(&path, &changed).unwrap();
    app.update(Msg::FileChanged {
        path: path.clone(),
        text: changed.clone(),
    });
    assert_eq!(app.entries.len(), 4);
    assert_eq!(app.current().label.as_deref(), Some("me"));
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("changed on disk: reloaded")
    );
    // An unsaved edit of `me`, then another change on disk: the user is asked.
    app.update(key(KeyCode::Char('e')));
    app.update(key(KeyCode::End));
    type_text(&mut app, " X-Mine:1");
    let theirs = changed.replace("GET {{host}}/me\n", "GET {{host}}/me?theirs=1\n");
    std::fs::write(&path, &theirs).unwrap();
    app.update(Msg::FileChanged {
        path: path.clone(),
        text: theirs.clone(),
    });
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("no question: {:?}", app.flash);
    };
    assert!(c.lines[1].contains("'me'"), "{:?}", c.lines);
    // Keep mine: the draft stays, and Ctrl-S writes it over theirs.
    app.update(key(KeyCode::Char('n')));
    assert!(
        app.editor.text().ends_with("X-Mine:1"),
        "{}",
        app.editor.text()
    );
    let cmds = app.update(ctrl('s'));
    run_writes(&mut app, cmds);
    let now = std::fs::read_to_string(&path).unwrap();
    assert!(
        now.contains(
            "GET {{host}}/me\nAuthorization: Bearer {{login.response.body.$.token}}\nX-Mine: 1\n"
        ),
        "{now}"
    );
    assert!(now.contains("# @name status\n"), "{now}");
    // A write racing a change on disk: nothing written, the edit kept.
    app.update(key(KeyCode::Char('e')));
    type_text(&mut app, " X-Two:2");
    let cmds = app.update(ctrl('s'));
    let raced = now.replace("GET {{host}}/status", "GET {{host}}/status?raced=1");
    std::fs::write(&path, &raced).unwrap();
    run_writes(&mut app, cmds);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), raced);
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("changed on disk"),
        "{:?}",
        app.flash
    );
    assert!(app.editor.text().ends_with("X-Two:2"));
    // Taking the file's version drops the edit.
    app.update(key(KeyCode::Esc));
    let again = raced.replace("?raced=1", "?raced=2");
    app.update(Msg::FileChanged {
        path: path.clone(),
        text: again,
    });
    app.update(key(KeyCode::Char('y')));
    assert!(
        !app.editor.text().contains("X-Two"),
        "{}",
        app.editor.text()
    );
}

#[test]
fn a_broken_block_shows_its_error_and_the_file_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        "### ok\nGET https://a.example/ok\n\n### broken\nGET https://a.example/x\nnot a header\n",
    )
    .unwrap();
    let mut app = common::collection_app(&dir.path().join("api.http"), None);
    let screen = draw(&mut app, 100, 10);
    assert!(screen.contains("⚠ line 6: does not parse"), "{screen}");
    assert!(screen.contains("1 block that do not parse"), "{screen}");
    app.update(key(KeyCode::Char('j')));
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("api.http:6: expected a header"),
        "{:?}",
        app.flash
    );
    app.update(key(KeyCode::Char('k')));
    app.update(key(KeyCode::Char('e')));
    type_text(&mut app, " A:b");
    assert!(app.update(ctrl('s')).is_empty());
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("does not parse completely"),
        "{:?}",
        app.flash
    );
}

#[test]
fn a_request_added_to_a_collection_keeps_its_credential_out_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = common::app(vec![Entry::new(
        "GET https://api.example.com/v1/boards 'Authorization:Bearer tok_FAKE_added_secret'",
        None,
    )]);
    app.focus = Focus::List;
    app.update(key(KeyCode::Char('+')));
    let Some(Modal::Prompt(p)) = &app.modal else {
        panic!("+ did not ask");
    };
    assert_eq!(p.input.text(), "requests.http");
    let target = dir.path().join("repro.http");
    app.update(ctrl('u'));
    app.update(Msg::Paste(target.display().to_string()));
    let cmds = app.update(key(KeyCode::Enter));
    assert!(matches!(cmds.first(), Some(Cmd::Watch(_))), "{cmds:?}");
    run_writes(&mut app, cmds);
    let http = std::fs::read_to_string(&target).unwrap();
    let private = std::fs::read_to_string(dir.path().join("http-client.private.env.json")).unwrap();
    assert!(!http.contains("tok_FAKE_added_secret"), "{http}");
    assert!(http.contains("Authorization: Bearer {{token}}"), "{http}");
    assert!(private.contains("tok_FAKE_added_secret"), "{private}");
    assert!(private.contains("$shared"), "{private}");
    // The collection now shows it, and it resolves with the secret.
    assert_eq!(app.entries.len(), 2);
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("1 credential moved"),
        "{:?}",
        app.flash
    );
    app.update(key(KeyCode::Enter));
    let Some(Cmd::Send {
        request, secrets, ..
    }) = app.update(key(KeyCode::Char('y'))).into_iter().next()
    else {
        panic!("not sent: {:?}", app.flash);
    };
    assert_eq!(
        request.headers.get("authorization"),
        Some("Bearer tok_FAKE_added_secret")
    );
    assert_eq!(secrets, ["tok_FAKE_added_secret"]);
    // A second request with the same token reuses the variable; an env
    // file's other values are kept as they were.
    std::fs::write(
        dir.path().join("http-client.private.env.json"),
        private.replace("\"$shared\": {", "\"$shared\": {\n    \"port\": 8080,"),
    )
    .unwrap();
    app.entries.push(Entry::new(
        "POST https://api.example.com/v1/boards 'Authorization:Bearer tok_FAKE_added_secret' name=x",
        None,
    ));
    app.select(app.entries.len() - 1);
    app.update(key(KeyCode::Char('+')));
    app.update(ctrl('u'));
    app.update(Msg::Paste(target.display().to_string()));
    let cmds = app.update(key(KeyCode::Enter));
    run_writes(&mut app, cmds);
    let private = std::fs::read_to_string(dir.path().join("http-client.private.env.json")).unwrap();
    assert_eq!(
        private.matches("tok_FAKE_added_secret").count(),
        1,
        "{private}"
    );
    assert!(private.contains("\"port\": 8080"), "{private}");
    let http = std::fs::read_to_string(&target).unwrap();
    assert_eq!(http.matches("{{token}}").count(), 2, "{http}");
}

#[test]
fn a_history_resend_of_a_collection_request_resolves_its_template_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    let template = app.entries[2].line.clone();
    assert!(template.contains("{{id}}"), "{template}");
    // What the history keeps of it (the line, masked as it is stored).
    let kept = apiscope::line::mask_line(&template);
    assert_eq!(kept, template);
    let mut e = Entry::new(&kept, None);
    e.origin = apiscope::tui::entry::Origin::History;
    app.entries.push(e);
    app.select(3);
    let Some(Cmd::Send { request, .. }) = app.update(key(KeyCode::Enter)).into_iter().next() else {
        panic!("not sent: {:?}", app.flash);
    };
    assert_eq!(request.url.as_deref(), Some("https://api.example.com/me/7"));
    // Without the collection: one line saying what to do.
    app.collection = None;
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("Open its .http file"),
        "{:?}",
        app.flash
    );
}

#[test]
fn copy_curl_of_a_collection_request_resolves_it_and_m_masks_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    app.focus = Focus::Response;
    let Some(Cmd::Copy(curl)) = app.update(key(KeyCode::Char('c'))).into_iter().next() else {
        panic!("not copied: {:?}", app.flash);
    };
    assert!(curl.contains("https://api.example.com/login"), "{curl}");
    assert!(curl.contains("pw_FAKE_tui_secret"), "{curl}");
    app.update(key(KeyCode::Char('m')));
    let Some(Cmd::Copy(curl)) = app.update(key(KeyCode::Char('c'))).into_iter().next() else {
        panic!("not copied: {:?}", app.flash);
    };
    assert!(!curl.contains("pw_FAKE_tui_secret"), "{curl}");
    assert!(curl.contains("https://api.example.com/login"), "{curl}");
    // `me` needs login's response first: said, nothing copied.
    app.focus = Focus::List;
    app.update(key(KeyCode::Char('j')));
    app.focus = Focus::Response;
    assert!(app.update(key(KeyCode::Char('c'))).is_empty());
    assert!(
        app.flash.as_deref().unwrap_or("").contains("send it first"),
        "{:?}",
        app.flash
    );
}

#[test]
fn a_saved_session_of_a_collection_hides_its_secrets_by_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    // `login` sends the private password in its JSON body (y to the
    // question); the server echoes it back.
    app.update(key(KeyCode::Enter));
    let Some(Cmd::Send { id, request, .. }) =
        app.update(key(KeyCode::Char('y'))).into_iter().next()
    else {
        panic!("not sent");
    };
    respond(
        &mut app,
        id,
        request,
        &raw(
            "401 Unauthorized",
            &[],
            r#"{"error": "bad password pw_FAKE_tui_secret"}"#,
        ),
        Instant::now(),
    );
    let cmds = app.update(key(KeyCode::Char('S')));
    let Some(Cmd::Save {
        mut exchanges,
        mut diagnoses,
        secrets,
        ..
    }) = cmds.into_iter().next()
    else {
        panic!("S did not save");
    };
    assert!(secrets.contains(&"pw_FAKE_tui_secret".to_owned()));
    apiscope::tui::redact_values(&mut exchanges, &mut diagnoses, &secrets, &app.profiles);
    let (session, har, markdown) =
        apiscope::tui::documents("s", &exchanges, &diagnoses, &app.profiles);
    for (what, text) in [("session", session), ("HAR", har), ("report", markdown)] {
        assert!(!text.contains("pw_FAKE_tui_secret"), "{what}: {text}");
    }
}

#[test]
fn an_environment_file_changed_on_disk_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    let env = dir.path().join("http-client.env.json");
    std::fs::write(&env, r#"{"dev": {"id": "70"}}"#).unwrap();
    app.update(Msg::FileChanged {
        path: env.clone(),
        text: String::new(),
    });
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("environments reloaded"),
        "{:?}",
        app.flash
    );
    app.update(key(KeyCode::Char('j')));
    app.update(key(KeyCode::Char('j')));
    let Some(Cmd::Send { request, .. }) = app.update(key(KeyCode::Enter)).into_iter().next() else {
        panic!("not sent: {:?}", app.flash);
    };
    assert_eq!(
        request.url.as_deref(),
        Some("https://api.example.com/me/70")
    );
    // A broken one is said, and the environments read before stay.
    std::fs::write(&env, "{\"dev\": ").unwrap();
    app.update(Msg::FileChanged {
        path: env.clone(),
        text: String::new(),
    });
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("http-client.env.json:1"),
        "{:?}",
        app.flash
    );
    app.in_flight = None;
    app.activity = None;
    let Some(Cmd::Send { request, .. }) = app.update(key(KeyCode::Enter)).into_iter().next() else {
        panic!("not sent: {:?}", app.flash);
    };
    assert_eq!(
        request.url.as_deref(),
        Some("https://api.example.com/me/70")
    );
}

#[test]
fn two_answers_a_millisecond_apart_make_no_forecast() {
    // A chained send (login, then the request) spends 2 of 300 in a
    // millisecond: "empty in 1 s" would be a number nobody should trust.
    let mut app = app_with(
        "GET https://api.example.com/v1/boards",
        &raw(
            "200 OK",
            &[
                ("X-RateLimit-Limit", "300"),
                ("X-RateLimit-Remaining", "299"),
                ("X-RateLimit-Reset", "1767225900"),
            ],
            r#"{"data":[]}"#,
        ),
    );
    let t0 = app.now;
    let Some(Cmd::Send { id, request, .. }) = app.update(key(KeyCode::Enter)).into_iter().next()
    else {
        panic!("no send");
    };
    respond(
        &mut app,
        id,
        request,
        &raw(
            "200 OK",
            &[
                ("X-RateLimit-Limit", "300"),
                ("X-RateLimit-Remaining", "298"),
                ("X-RateLimit-Reset", "1767225900"),
            ],
            r#"{"data":[]}"#,
        ),
        t0 + Duration::from_millis(1),
    );
    let b = app.budget_view().unwrap();
    assert_eq!(b.remaining, Some(298));
    assert!(b.empty_in.is_none(), "{b:?}");
    assert!(!draw(&mut app, 160, 45).contains("at this pace"));
}

#[test]
fn what_review_found_in_collection_editing() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    let path = dir.path().join("api.http");
    // A Host header (left off the request line) survives a save.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("GET {{host}}/me\n", "GET {{host}}/me\nHost: api.internal\n");
    std::fs::write(&path, &text).unwrap();
    app.update(Msg::FileChanged {
        path: path.clone(),
        text: text.clone(),
    });
    app.update(key(KeyCode::Char('j'))); // `me`
    assert!(app.update(ctrl('s')).is_empty());
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .starts_with("No change to save"),
        "{:?}",
        app.flash
    );
    // A question open about a request when the file changes under it is
    // closed, not answered for another request.
    app.update(key(KeyCode::Char('j'))); // `gone`, the last one
    app.update(key(KeyCode::Char('D')));
    assert!(matches!(app.modal, Some(Modal::Prompt(_))));
    let shorter = text[..text.find("###\n# @name gone").unwrap()].to_owned();
    std::fs::write(&path, &shorter).unwrap();
    app.update(Msg::FileChanged {
        path: path.clone(),
        text: shorter.clone(),
    });
    assert!(app.modal.is_none());
    // An unsaved edit of a request that disappears from the file is kept.
    app.update(key(KeyCode::Char('k')));
    app.update(key(KeyCode::Char('k')));
    assert_eq!(app.current().label.as_deref(), Some("login"));
    app.update(key(KeyCode::Char('e')));
    app.update(key(KeyCode::End));
    type_text(&mut app, " X-Mine:1");
    app.update(key(KeyCode::Esc));
    let without_login = format!(
        "{}\n###\n# @name extra\nGET {{{{host}}}}/extra\n",
        shorter.replace("# @name login\n", "# @name signin\n")
    );
    app.update(Msg::FileChanged {
        path: path.clone(),
        text: without_login,
    });
    app.update(key(KeyCode::Char('n'))); // keep mine
    let kept = app
        .entries
        .iter()
        .find(|e| e.line.ends_with("X-Mine:1"))
        .expect("the edit was dropped");
    assert!(
        kept.label.as_deref().unwrap_or("").contains("unsaved edit"),
        "{:?}",
        kept.label
    );
}

#[test]
fn a_file_emptied_then_filled_again_shows_its_requests_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    let path = dir.path().join("api.http");
    let text = std::fs::read_to_string(&path).unwrap();
    // (An editor truncating the file before writing it.)
    app.update(Msg::FileChanged {
        path: path.clone(),
        text: String::new(),
    });
    assert_eq!(app.entries.len(), 1);
    app.update(Msg::FileChanged {
        path: path.clone(),
        text,
    });
    let labels: Vec<_> = app.entries.iter().map(|e| e.label.clone()).collect();
    assert_eq!(
        labels,
        [Some("login".into()), Some("me".into()), Some("gone".into())]
    );
    assert_eq!(app.selected, 0);
}

#[test]
fn the_body_editor_opens_a_template_body_and_the_list_has_top_and_bottom() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    // `b` on a request whose line holds {{host}}: its body as written.
    app.update(key(KeyCode::Char('b')));
    let Some(Modal::BodyEditor(_)) = &app.modal else {
        panic!("b refused: {:?}", app.flash);
    };
    let screen = draw(&mut app, 100, 24);
    assert!(
        screen.contains("\"password\": \"{{password}}\""),
        "{screen}"
    );
    app.update(key(KeyCode::Esc));
    // g / G / Home / End move the list's selection.
    app.update(key(KeyCode::Char('G')));
    assert_eq!(app.current().label.as_deref(), Some("gone"));
    app.update(key(KeyCode::Char('g')));
    assert_eq!(app.current().label.as_deref(), Some("login"));
    app.update(key(KeyCode::End));
    assert_eq!(app.selected, 2);
    app.update(key(KeyCode::Home));
    assert_eq!(app.selected, 0);
}

#[test]
fn an_edit_that_would_not_read_back_is_not_saved_and_nothing_moves() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = collection_app(dir.path());
    let path = dir.path().join("api.http");
    let before = std::fs::read_to_string(&path).unwrap();
    app.update(key(KeyCode::Char('j'))); // `me`
    app.update(key(KeyCode::Char('e')));
    app.update(ctrl('u'));
    // A URL with a space: the file's request line would not parse.
    app.update(Msg::Paste("GET '{{host}}/me now'".into()));
    let cmds = app.update(ctrl('s'));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .starts_with("Not saved: the edit would not read back as a request"),
        "{:?}",
        app.flash
    );
    // The selection, the focus and the typed line stay.
    assert_eq!(app.current().label.as_deref(), Some("me"));
    assert_eq!(app.focus, Focus::Editor);
    assert_eq!(app.editor.text(), "GET '{{host}}/me now'");
}

#[test]
fn a_block_that_does_not_parse_can_be_deleted_with_x() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("api.http");
    std::fs::write(
        &path,
        "# @name one\nGET https://a.example/one\n\n###\nGET https://a.example/two with spaces\n\n###\n# @name three\nGET https://a.example/three\n",
    )
    .unwrap();
    let mut app = common::collection_app(&path, None);
    app.update(key(KeyCode::Char('G')));
    assert!(
        app.current()
            .label
            .as_deref()
            .unwrap_or("")
            .contains("does not parse")
    );
    assert!(app.update(key(KeyCode::Char('X'))).is_empty());
    let Some(Modal::Confirm(c)) = &app.modal else {
        panic!("X did not ask: {:?}", app.flash);
    };
    assert!(c.lines[0].starts_with("Lines 4–5 of"), "{:?}", c.lines);
    let cmds = app.update(key(KeyCode::Char('y')));
    run_writes(&mut app, cmds);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "# @name one\nGET https://a.example/one\n\n###\n# @name three\nGET https://a.example/three\n"
    );
    assert_eq!(app.entries.len(), 2);
    assert!(
        app.entries
            .iter()
            .all(|e| !e.label.as_deref().unwrap_or("").contains("does not parse"))
    );
}

#[test]
fn without_env_the_first_environment_is_chosen_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    collection_app(dir.path());
    let mut app = common::collection_app(&dir.path().join("api.http"), None);
    assert_eq!(app.collection.as_ref().unwrap().env(), Some("dev"));
    assert!(draw(&mut app, 80, 24).contains("env: dev"));
}

#[test]
fn a_collection_requests_assertions_show_in_the_overview() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        "### boards\n# @name boards\nGET https://api.example.com/boards\n\n?? status == 200\n?? body items[0].name == Roadmap\n?? status is 200\n",
    )
    .unwrap();
    let mut app = common::collection_app(&dir.path().join("api.http"), None);
    let cmds = app.update(key(KeyCode::Enter));
    let Some(Cmd::Send { id, request, .. }) =
        cmds.into_iter().find(|c| matches!(c, Cmd::Send { .. }))
    else {
        panic!("nothing sent: {:?} {:?}", app.flash, app.modal.is_some());
    };
    respond(
        &mut app,
        id,
        request,
        &raw(
            "200 OK",
            &[("Content-Type", "application/json")],
            r#"{"items":[{"name":"Backlog"}]}"#,
        ),
        Instant::now(),
    );
    let screen = draw(&mut app, 140, 40);
    assert!(
        screen.contains("Tests       1 passed, 2 failed"),
        "{screen}"
    );
    assert!(screen.contains("✔ status == 200"), "{screen}");
    assert!(
        screen.contains("✘ body items[0].name == Roadmap  got \"Backlog\" (line 6)"),
        "{screen}"
    );
    assert!(
        screen.contains("! ?? status is 200: 'is' is not a predicate"),
        "{screen}"
    );
}
