//! Drawing: `render(&mut App, &mut Frame)` reads the state and draws it. The
//! only writes are to view caches (how far the body index reaches, how tall
//! the response area was), never to what the user sees as state.

use super::app::{App, Focus, Kind, Tab};
use super::body::Tok;
use super::theme::Theme;
use super::widgets::{block, truncate};
use crate::budget::BudgetView;
use crate::decode::Diagnosis;
use crate::driver::WaitReason;
use crate::report::{pagination_summary, sanitize, status_line};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Gauge, Paragraph, Sparkline, Tabs, Wrap};
use std::time::Duration;

const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Draws the whole screen.
pub fn render(app: &mut App, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    // A message longer than the line gets the rows it needs (up to 3), so
    // it is read whole, not cut at the edge.
    let status_rows = status_rows(app, area.width);
    let [title, main, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(status_rows),
    ])
    .areas(area);
    title_bar(app, theme, f, title);
    let wide = area.width >= 100;
    let (list_area, right) = if wide {
        let list_width = if area.width >= 150 { 48 } else { 36 };
        let [l, r] =
            Layout::horizontal([Constraint::Length(list_width), Constraint::Min(40)]).areas(main);
        (Some(l), r)
    } else {
        (None, main)
    };
    if let Some(l) = list_area {
        request_list(app, theme, f, l);
    }
    // Below 100 columns the list sits above the request line: a full list
    // while it has the keys, else one line naming the selected request.
    let (editor, response, list_area) = if wide {
        let [editor, response] =
            Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(right);
        (editor, response, list_area)
    } else if app.focus == Focus::List {
        let rows = (app.entries.len() as u16 + 2).clamp(3, 10);
        let [list, editor, response] = Layout::vertical([
            Constraint::Length(rows),
            Constraint::Length(3),
            Constraint::Min(3),
        ])
        .areas(right);
        request_list(app, theme, f, list);
        (editor, response, Some(list))
    } else {
        let [strip, editor, response] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(3),
            Constraint::Min(3),
        ])
        .areas(right);
        selection_strip(app, theme, f, strip);
        (editor, response, None)
    };
    request_editor(app, theme, f, editor);
    response_pane(app, theme, f, response);
    status_bar(app, theme, f, status);
    record_areas(app, list_area, editor, response);
    if let Some(mut m) = app.modal.take() {
        m.render(theme, f, area, response);
        app.modal = Some(m);
    }
}

/// One line naming the selected request, when the list is hidden.
fn selection_strip(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let e = app.current();
    let label = entry_label(app, e);
    let (badge, style) = entry_badge(app, app.selected, theme);
    let text = format!(
        " {}/{} {badge} {}",
        app.selected + 1,
        app.entries.len(),
        sanitize(&label, false)
    );
    let hint = "  (Esc: the list)";
    let room = area.width as usize;
    let line = Line::from(vec![
        Span::styled(truncate(&text, room.saturating_sub(hint.len())), style),
        Span::styled(hint, theme.dim),
    ]);
    f.render_widget(Paragraph::new(line), area);
}

/// Remembers where the panes are, so a click can find what it hit.
fn record_areas(app: &mut App, list: Option<Rect>, editor: Rect, response: Rect) {
    let inner = |r: Rect| Block::bordered().inner(r);
    let list = list.map(inner);
    let editor = inner(editor);
    let a = &mut app.areas;
    a.response_pane = response;
    let response = inner(response);
    a.list = list;
    a.list_start = list.map_or(0, |l| {
        app.selected
            .saturating_sub((l.height as usize).saturating_sub(1))
    });
    a.editor = editor;
    a.editor_start = app
        .editor
        .cursor()
        .saturating_sub((editor.width.max(1) as usize).saturating_sub(2));
    a.tab_row = Rect::new(
        response.x,
        response.y,
        response.width,
        1.min(response.height),
    );
    a.response = Rect::new(
        response.x,
        response.y + 1,
        response.width,
        response.height.saturating_sub(1),
    );
    // Tabs draw " title " with a one-column divider.
    let mut x = response.x;
    for (i, t) in Tab::ALL.iter().enumerate() {
        let w = format!("{} {}", i + 1, t.title()).chars().count() as u16 + 2;
        a.tabs[i] = (x, x + w);
        x += w + 1;
    }
}

fn title_bar(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let mut spans = vec![Span::styled(
        " apiscope ",
        theme.accent.add_modifier(Modifier::REVERSED),
    )];
    // The environment first: on a narrow screen the banner is what is cut.
    if let Some(c) = &app.collection {
        // (A name from a stranger's env file: sanitised like any text.)
        let env = sanitize(c.env().unwrap_or("none"), false);
        spans.push(Span::styled(format!(" env: {env} (E) "), theme.accent));
    }
    match (&app.banner, &app.collection) {
        (Some(b), _) => spans.push(Span::styled(format!(" {} ", sanitize(b, false)), theme.dim)),
        (None, Some(c)) => spans.push(Span::styled(
            format!(" {} ", sanitize(&c.banner(), false)),
            theme.dim,
        )),
        (None, None) => {}
    }
    if let Some(flight) = &app.in_flight {
        let elapsed = app.now.saturating_duration_since(flight.started);
        let frame = (elapsed.as_millis() / 100) as usize % SPINNER.len();
        spans.push(Span::styled(
            format!(
                " {} sending… {:.1} s (Esc cancels) ",
                SPINNER[frame],
                elapsed.as_secs_f64()
            ),
            theme.accent,
        ));
    } else if let Some((until, why)) = app.activity.as_ref().and_then(|a| a.waiting) {
        let wait = until.saturating_duration_since(app.now);
        let why = match why {
            WaitReason::RetryAfter => "retry after Retry-After",
            WaitReason::Reset => "retry at the rate-limit reset",
            WaitReason::Pacing => "next request within the budget",
        };
        spans.push(Span::styled(
            format!(" ⏳ {why} in {} (Esc cancels) ", secs(wait)),
            theme.client_error,
        ));
    }
    match app.activity.as_ref().map(|a| (a.kind, a.done)) {
        Some((Kind::AllPages, n)) => {
            spans.push(Span::styled(
                format!(" all pages: {n} so far… "),
                theme.accent,
            ));
        }
        Some((Kind::ReplayAll, n)) => {
            spans.push(Span::styled(
                format!(" replaying: {n} sent… "),
                theme.accent,
            ));
        }
        _ => {}
    }
    if app.mask {
        spans.push(Span::styled(" masked ", theme.dim));
    }
    f.render_widget(Line::from(spans), area);
}

/// What the list calls an entry: its label, else `GET /path?query`.
fn entry_label(app: &App, e: &super::app::Entry) -> String {
    e.label.clone().unwrap_or_else(|| {
        if app.mask {
            crate::line::short_request(&crate::line::mask_line(&e.line))
        } else {
            crate::line::short_request(&e.line)
        }
    })
}

/// The status badge of entry `i` and its style.
fn entry_badge(app: &App, i: usize, theme: &Theme) -> (String, Style) {
    match &app.entries[i].diagnosis {
        Some(d) => (
            d.status.map_or("ERR".to_owned(), |s| s.to_string()),
            theme.status(d.status, d.is_error()),
        ),
        None if app.in_flight.as_ref().is_some_and(|f| f.entry == i) => ("…".into(), theme.accent),
        None => ("   ".into(), theme.dim),
    }
}

fn request_list(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let focused = app.focus == Focus::List;
    let title = format!("Requests ({})", app.entries.len());
    let b = block(&title, focused, theme);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let height = inner.height as usize;
    let start = app.selected.saturating_sub(height.saturating_sub(1));
    let mut lines = Vec::new();
    for (i, e) in app.entries.iter().enumerate().skip(start).take(height) {
        let (badge, style) = entry_badge(app, i, theme);
        let mut label = sanitize(&entry_label(app, e), false);
        // A collection request with an edit not saved to its file.
        let edited = if i == app.selected {
            app.editor.text() != e.line
        } else {
            e.draft.is_some()
        };
        if edited && matches!(e.origin, super::entry::Origin::Collection { .. }) {
            label.push('*');
        }
        let width = inner.width as usize;
        // The request's name first (it must always show), then what a
        // support engineer scans for: the code, and the format when the
        // entry has no name of its own.
        let (code, dialect) = match &e.diagnosis {
            Some(d) => (
                d.error
                    .as_ref()
                    .and_then(|er| er.code.clone())
                    // aptly/errors-array codes are the status: said once.
                    .filter(|c| d.status.is_none_or(|s| s.to_string() != *c))
                    .map(|c| format!(" {}", sanitize(&c, false)))
                    .unwrap_or_default(),
                if d.dialect == "generic" || e.label.is_some() {
                    String::new()
                } else {
                    format!(" {}", d.dialect)
                },
            ),
            None => (String::new(), String::new()),
        };
        // A collection's request shows its method, coloured like the
        // syntax highlighting does keys, literals and strings.
        let method = match e.origin {
            super::entry::Origin::Collection { file, index } => app
                .collection
                .as_ref()
                .and_then(|c| c.files().get(file)?.requests.get(index))
                .map(|r| {
                    let style = match r.method.as_str() {
                        "GET" | "HEAD" | "OPTIONS" => theme.key,
                        "DELETE" => theme.client_error,
                        _ => theme.literal,
                    };
                    (format!("{:<6} ", truncate(&r.method, 6)), style)
                }),
            _ => None,
        };
        let method_len = method.as_ref().map_or(0, |(m, _)| m.chars().count());
        let room = width.saturating_sub(5 + method_len);
        let label_len = label.chars().count();
        let extra = code.chars().count() + dialect.chars().count();
        let label_room = if label_len + extra <= room {
            label_len
        } else {
            label_len.min((room * 3 / 5).max(room.saturating_sub(extra)))
        };
        let label = truncate(&label, label_room);
        let rest_room = room.saturating_sub(label.chars().count());
        let code = truncate(&code, rest_room);
        let dialect = truncate(&dialect, rest_room.saturating_sub(code.chars().count()));
        let marker = if i == app.selected { "›" } else { " " };
        let mut spans = vec![
            Span::styled(marker, theme.accent),
            Span::styled(format!("{badge:>3} "), style),
        ];
        if let Some((m, m_style)) = method {
            spans.push(Span::styled(m, m_style));
        }
        let mut line = Line::from(vec![
            Span::styled(label, theme.text),
            Span::styled(code, style),
            Span::styled(dialect, theme.dim),
        ]);
        spans.append(&mut line.spans);
        line.spans = spans;
        if i == app.selected {
            line = line.style(theme.selected);
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn request_editor(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let focused = app.focus == Focus::Editor;
    let b = block(
        if focused {
            "Request — editing: Enter sends · Esc leaves"
        } else {
            "Request  [METHOD] URL [Name:value key==value key=value key:=json] · e edits"
        },
        focused,
        theme,
    );
    let inner = b.inner(area);
    f.render_widget(b, area);
    // Masked while not being edited: the cursor needs the real text.
    let masked;
    let text = if app.mask && !focused {
        masked = crate::line::mask_line(app.editor.text());
        masked.as_str()
    } else {
        app.editor.text()
    };
    let cursor = app.editor.cursor().min(text.chars().count());
    let width = inner.width.max(1) as usize;
    // Being edited: keep the cursor visible on a long line. Otherwise the
    // start shows: the method and the host.
    let start = if focused {
        cursor.saturating_sub(width.saturating_sub(2))
    } else {
        0
    };
    let visible: String = text.chars().skip(start).take(width).collect();
    f.render_widget(
        Paragraph::new(Span::styled(sanitize(&visible, false), theme.text)),
        inner,
    );
    if focused {
        f.set_cursor_position((inner.x + (cursor - start) as u16, inner.y));
    }
}

fn response_pane(app: &mut App, theme: &Theme, f: &mut Frame, area: Rect) {
    let focused = app.focus == Focus::Response;
    let b = Block::bordered().border_style(if focused {
        theme.border_focus
    } else {
        theme.border
    });
    let inner = b.inner(area);
    f.render_widget(b, area);
    let [tabs_area, content] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let titles: Vec<Line> = Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| Line::from(format!("{} {}", i + 1, t.title())))
        .collect();
    let selected = Tab::ALL.iter().position(|t| *t == app.tab).unwrap_or(0);
    let mut tab_line = vec![];
    let tabs = Tabs::new(titles)
        .select(selected)
        .style(theme.dim)
        .highlight_style(theme.accent.add_modifier(Modifier::UNDERLINED))
        .divider(" ");
    let tabs_width = 41u16;
    let [t_area, s_area] =
        Layout::horizontal([Constraint::Length(tabs_width), Constraint::Min(0)]).areas(tabs_area);
    f.render_widget(tabs, t_area);
    if let Some(d) = &app.current().diagnosis {
        let ex = app.current().exchange.as_ref();
        let ms = ex
            .and_then(|e| e.timing.total_ms)
            .map(|t| format!(" · {t:.0} ms"))
            .unwrap_or_default();
        let size = ex
            .map(|e| format!(" · {}", human_bytes(e.response.body.len())))
            .unwrap_or_default();
        let status = format!("HTTP {}", sanitize(&status_line(d), false));
        let rest = format!("  {}{ms}{size}", d.dialect);
        let room = s_area.width as usize;
        // Shorten rather than overlap the tabs on a narrow terminal.
        let (status, rest) = if status.chars().count() + rest.chars().count() < room {
            (status, rest)
        } else if status.chars().count() < room {
            (status, String::new())
        } else {
            (
                truncate(&d.status.map_or("—".into(), |s| s.to_string()), room),
                String::new(),
            )
        };
        tab_line.push(Span::styled(status, theme.status(d.status, d.is_error())));
        tab_line.push(Span::styled(rest, theme.dim));
    }
    f.render_widget(Paragraph::new(Line::from(tab_line)).right_aligned(), s_area);
    // Why the last Enter sent nothing, whole (a path and a line can be
    // long), above the last response if there is one.
    let content = match &app.current().problem {
        Some(p) => {
            let lines: Vec<Line> =
                super::widgets::wrap(&sanitize(p, false), content.width as usize)
                    .into_iter()
                    .map(|l| Line::styled(l, theme.client_error))
                    .collect();
            let need = u16::try_from(lines.len() + 1)
                .unwrap_or(u16::MAX)
                .min(content.height);
            let text = Paragraph::new(lines);
            let [top, rest] =
                Layout::vertical([Constraint::Length(need), Constraint::Min(0)]).areas(content);
            f.render_widget(text, top);
            if app.current().diagnosis.is_none() {
                return;
            }
            rest
        }
        None => content,
    };
    app.page_height = content.height as usize;
    if app.current().diagnosis.is_none() {
        let msg = if app.in_flight.is_some() {
            "Waiting for the response…"
        } else {
            "No response yet. Press Enter to send the request (e edits it, ? lists every key)."
        };
        f.render_widget(
            Paragraph::new(Span::styled(msg, theme.dim)).wrap(Wrap { trim: true }),
            content,
        );
        return;
    }
    match app.tab {
        Tab::Overview => overview(app, theme, f, content),
        Tab::Body => body(app, theme, f, content),
        Tab::Headers => headers(app, theme, f, content),
        Tab::Raw => raw(app, theme, f, content),
    }
}

fn human_bytes(n: usize) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / f64::from(1 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// The `??` assertions of a collection request, checked against its
/// last response: a count, then each one (a failure with what came).
fn tests_lines(tests: &[super::entry::TestLine], theme: &Theme) -> Vec<Line<'static>> {
    if tests.is_empty() {
        return Vec::new();
    }
    let passed = tests.iter().filter(|t| t.passed == Some(true)).count();
    let failed = tests.len() - passed;
    let mut out = vec![
        Line::default(),
        Line::from(vec![
            Span::styled(format!("{:<12}", "Tests"), theme.accent),
            Span::styled(
                format!("{passed} passed, {failed} failed"),
                if failed == 0 {
                    theme.ok
                } else {
                    theme.client_error
                },
            ),
        ]),
    ];
    for t in tests {
        let (mark, style) = match t.passed {
            Some(true) => ("✔", theme.ok),
            Some(false) => ("✘", theme.client_error),
            None => ("!", theme.client_error),
        };
        let mut spans = vec![
            Span::raw("  "),
            Span::styled(mark.to_owned(), style),
            Span::raw(" "),
            Span::styled(sanitize(&t.text, false), theme.text),
        ];
        if t.passed == Some(false) && t.line > 0 {
            spans.push(Span::styled(
                format!("  got {} (line {})", sanitize(&t.actual, false), t.line),
                theme.dim,
            ));
        } else if t.passed == Some(false) {
            spans.push(Span::styled(
                format!("  {}", sanitize(&t.actual, false)),
                theme.dim,
            ));
        }
        out.push(Line::from(spans));
    }
    out
}

/// What a collection request's scripts said (logs, errors, a script not
/// run and why), for the Overview's Script section.
fn script_lines(script: &[String], theme: &Theme) -> Vec<Line<'static>> {
    if script.is_empty() {
        return Vec::new();
    }
    let mut out = vec![
        Line::default(),
        Line::from(Span::styled(format!("{:<12}", "Script"), theme.accent)),
    ];
    for l in script.iter().take(200) {
        out.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(sanitize(l, false), theme.text),
        ]));
    }
    if script.len() > 200 {
        out.push(Line::from(Span::styled(
            format!("  … {} more lines", script.len() - 200),
            theme.dim,
        )));
    }
    out
}

fn overview(app: &mut App, theme: &Theme, f: &mut Frame, area: Rect) {
    let preview = body_preview(app, theme, area.height as usize);
    let mut tests = tests_lines(&app.current().tests, theme);
    tests.extend(script_lines(&app.current().script, theme));
    let Some(d) = app.current().diagnosis.as_ref() else {
        return;
    };
    let budget = app.budget_view();
    let wide = area.width >= 100;
    if wide {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
                .areas(area);
        let mut text = diagnosis_text(d, theme);
        text.extend(tests);
        text.extend(preview);
        f.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .scroll((app.scroll.min(u16::MAX as usize) as u16, 0)),
            left,
        );
        let budget_h = if d.rate_limit.is_some() { 11 } else { 3 };
        let [b_area, p_area] =
            Layout::vertical([Constraint::Length(budget_h), Constraint::Min(3)]).areas(right);
        budget_panel(d, budget.as_ref(), theme, f, b_area);
        pagination_panel(d, theme, f, p_area);
    } else {
        // One column: an error comes first, then the budget and the page.
        let mut state = Text::default();
        state.extend(budget_lines(d, budget.as_ref(), theme));
        if let Some(p) = &d.pagination {
            state.push_line(Line::from(vec![
                Span::styled("Pagination  ", theme.accent),
                Span::styled(pagination_summary(p), theme.text),
            ]));
        }
        let mut text = Text::default();
        if d.error.is_some() {
            text.extend(diagnosis_text(d, theme));
            text.push_line(Line::default());
            text.extend(state);
        } else {
            text.extend(state);
            text.push_line(Line::default());
            text.extend(diagnosis_text(d, theme));
        }
        text.extend(tests);
        text.extend(preview);
        f.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .scroll((app.scroll.min(u16::MAX as usize) as u16, 0)),
            area,
        );
    }
}

/// For a success, the first lines of the pretty body under the summary.
fn body_preview(app: &mut App, theme: &Theme, lines: usize) -> Vec<Line<'static>> {
    let is_success = app
        .current()
        .diagnosis
        .as_ref()
        .is_some_and(|d| !d.is_error());
    let Some((doc, bytes)) = app.entries[app.selected].body_mut().filter(|_| is_success) else {
        return Vec::new();
    };
    if bytes.is_empty() {
        return Vec::new();
    }
    doc.ensure_lines(bytes, lines);
    let (known, complete) = doc.known_lines();
    let mut out = vec![
        Line::default(),
        Line::from(Span::styled("Body (2 shows all of it)", theme.accent)),
    ];
    for i in 0..known.min(lines) {
        let mut spans = vec![Span::raw("  ")];
        spans.extend(
            doc.line(bytes, i)
                .into_iter()
                .map(|(t, s)| Span::styled(s, tok_style(t, theme))),
        );
        out.push(Line::from(spans));
    }
    if !complete || known > lines {
        out.push(Line::from(Span::styled("  …", theme.dim)));
    }
    out
}

/// The format and the evidence for it.
fn format_line(d: &Diagnosis, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{:<12}", "Format"), theme.accent),
        Span::styled(sanitize(&d.identified(), false), theme.dim),
    ])
}

fn diagnosis_text<'a>(d: &'a Diagnosis, theme: &Theme) -> Text<'a> {
    let s = |t: &str| sanitize(t, false);
    let mut text = Text::default();
    let label = |l: &str| Span::styled(format!("{l:<12}"), theme.accent);
    match &d.error {
        Some(e) => {
            let code = e.code.as_deref().map_or_else(|| "—".into(), s);
            text.push_line(Line::from(vec![
                label("Error"),
                Span::styled(code, theme.status(d.status, true)),
                Span::styled(
                    if e.other_codes.is_empty() {
                        String::new()
                    } else {
                        format!("  (also {})", s(&e.other_codes.join(", ")))
                    },
                    theme.dim,
                ),
            ]));
            text.push_line(format_line(d, theme));
            if let Some(m) = &e.message {
                text.push_line(Line::from(vec![
                    label("Message"),
                    Span::styled(s(m), theme.text),
                ]));
            }
            if let Some(desc) = &d.code_description {
                text.push_line(Line::from(vec![
                    label(""),
                    Span::styled(s(desc), theme.dim),
                ]));
            }
            for m in e.messages.iter().filter(|m| Some(*m) != e.message.as_ref()) {
                text.push_line(Line::from(vec![
                    label(""),
                    Span::styled(format!("• {}", s(m)), theme.text),
                ]));
            }
            if let Some(id) = &e.request_id {
                text.push_line(Line::from(vec![
                    label("Request id"),
                    Span::styled(s(id), theme.text),
                ]));
                for other in &e.other_request_ids {
                    text.push_line(Line::from(vec![
                        label(""),
                        Span::styled(format!("also {}", s(other)), theme.dim),
                    ]));
                }
            }
            if !e.fields.is_empty() {
                let w = e
                    .fields
                    .iter()
                    .map(|(k, _)| k.chars().count())
                    .max()
                    .unwrap_or(0)
                    .min(30);
                text.push_line(Line::from(vec![
                    label("Fields"),
                    Span::styled(format!("{:<w$}  Problem", "Field"), theme.dim),
                ]));
                for (k, v) in &e.fields {
                    text.push_line(Line::from(vec![
                        label(""),
                        Span::styled(format!("{:<w$}", truncate(&s(k), w)), theme.key),
                        Span::raw("  "),
                        Span::styled(s(v), theme.text),
                    ]));
                }
            }
        }
        None => {
            text.push_line(Line::from(vec![
                label("Result"),
                Span::styled("success", theme.ok),
            ]));
            text.push_line(format_line(d, theme));
        }
    }
    if let Some(t) = &d.timings {
        text.push_line(Line::from(vec![
            label("Timing"),
            Span::styled(s(&t.line()), theme.dim),
        ]));
    }

    if !d.troubleshooting.is_empty() {
        text.push_line(Line::default());
        text.push_line(Line::from(Span::styled("Troubleshooting", theme.accent)));
        for (i, t) in d.troubleshooting.iter().enumerate() {
            text.push_line(Line::from(vec![
                Span::styled(format!(" {:>2}. ", i + 1), theme.dim),
                Span::styled(s(t), theme.text),
            ]));
        }
    }
    if !d.findings.is_empty() {
        text.push_line(Line::default());
        text.push_line(Line::from(Span::styled(
            "Findings about the request",
            theme.accent,
        )));
        for t in &d.findings {
            text.push_line(Line::from(vec![
                Span::styled("  ! ", theme.client_error),
                Span::styled(s(t), theme.text),
            ]));
        }
    }
    if !d.notes.is_empty() {
        text.push_line(Line::default());
        text.push_line(Line::from(Span::styled(
            "Notes on the response",
            theme.accent,
        )));
        for t in &d.notes {
            text.push_line(Line::from(vec![
                Span::styled("  • ", theme.dim),
                Span::styled(s(t), theme.dim),
            ]));
        }
    }
    text
}

/// A countdown: rounded up (it reads 0 only when the time has come), to
/// a tenth under 10 s so a 2.4 s Retry-After reads 2.4 s, not 2 or 3.
pub fn secs(d: Duration) -> String {
    let tenths = d.as_millis().div_ceil(100);
    if tenths < 100 {
        return format!("{}.{} s", tenths / 10, tenths % 10);
    }
    let s = d.as_millis().div_ceil(1000);
    if s >= 90 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s} s")
    }
}

fn budget_lines<'a>(d: &Diagnosis, b: Option<&BudgetView>, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    let label = |l: &str| Span::styled(format!("{l:<12}"), theme.accent);
    let Some(rl) = &d.rate_limit else {
        lines.push(Line::from(vec![
            label("Budget"),
            Span::styled("no rate-limit headers in this response", theme.dim),
        ]));
        return lines;
    };
    let remaining = b.and_then(|b| b.remaining).or(rl.remaining);
    let limit = b.and_then(|b| b.limit).or(rl.limit);
    let left = match (remaining, limit) {
        (Some(r), Some(l)) => format!("{r} of {l} left"),
        (Some(r), None) => format!("{r} left"),
        (None, Some(l)) => format!("limit {l}"),
        (None, None) => "unknown".into(),
    };
    let style = match (remaining, limit) {
        (Some(0), _) => theme.gauge_empty,
        (Some(r), Some(l)) if l > 0 && r * 4 < l => theme.gauge_low,
        _ => theme.gauge_ok,
    };
    let mut spans = vec![
        label("Budget"),
        Span::styled(left, style.add_modifier(Modifier::BOLD)),
    ];
    if let Some(w) = rl.window_s {
        spans.push(Span::styled(format!(" per {w} s"), theme.dim));
    }
    lines.push(Line::from(spans));
    if let Some(b) = b {
        if let Some(r) = b.retry_in {
            lines.push(Line::from(vec![
                label("Retry-After"),
                Span::styled(format!("wait {}", secs(r)), theme.client_error),
            ]));
        }
        if let Some(r) = b.reset_in {
            lines.push(Line::from(vec![
                label("Resets in"),
                Span::styled(secs(r), theme.text),
            ]));
        }
        if let Some(e) = b.empty_in {
            lines.push(Line::from(vec![
                label("Forecast"),
                Span::styled(format!("at this pace, empty in {}", secs(e)), theme.text),
            ]));
        } else if b.resets_first {
            lines.push(Line::from(vec![
                label("Forecast"),
                Span::styled("resets before it runs out", theme.ok),
            ]));
        }
    } else if let Some(r) = rl.retry_after_s {
        lines.push(Line::from(vec![
            label("Retry-After"),
            Span::styled(format!("{r} s"), theme.client_error),
        ]));
    }
    if let Some(p) = &rl.policy {
        lines.push(Line::from(vec![
            label("Documented"),
            Span::styled(sanitize(p, false), theme.dim),
        ]));
    }
    lines
}

fn budget_panel(d: &Diagnosis, b: Option<&BudgetView>, theme: &Theme, f: &mut Frame, area: Rect) {
    let blk = block("Rate-limit budget", false, theme);
    let inner = blk.inner(area);
    f.render_widget(blk, area);
    if d.rate_limit.is_none() {
        f.render_widget(
            Paragraph::new(Span::styled(
                "No rate-limit headers in this response",
                theme.dim,
            )),
            inner,
        );
        return;
    }
    let [gauge_area, text_area, spark_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(2),
        Constraint::Length(2),
    ])
    .areas(inner);
    let rl = d.rate_limit.as_ref();
    let remaining = b.and_then(|b| b.remaining).or(rl.and_then(|r| r.remaining));
    let limit = b.and_then(|b| b.limit).or(rl.and_then(|r| r.limit));
    if let (Some(r), Some(l)) = (remaining, limit)
        && l > 0
    {
        let ratio = (r as f64 / l as f64).clamp(0.0, 1.0);
        let style = if r == 0 {
            theme.gauge_empty
        } else if r * 4 < l {
            theme.gauge_low
        } else {
            theme.gauge_ok
        };
        f.render_widget(
            Gauge::default()
                .gauge_style(style)
                .ratio(ratio)
                .label(format!("{r}/{l}")),
            gauge_area,
        );
    }
    f.render_widget(
        Paragraph::new(budget_lines(d, b, theme)).wrap(Wrap { trim: true }),
        text_area,
    );
    if let Some(b) = b
        && b.history.len() > 1
    {
        f.render_widget(
            Sparkline::default()
                .data(b.history.iter().copied())
                .max(
                    limit
                        .unwrap_or(0)
                        .max(*b.history.iter().max().unwrap_or(&1)),
                )
                .style(theme.gauge_ok),
            spark_area,
        );
    }
}

fn pagination_panel(d: &Diagnosis, theme: &Theme, f: &mut Frame, area: Rect) {
    let blk = block("Pagination", false, theme);
    let inner = blk.inner(area);
    f.render_widget(blk, area);
    let Some(p) = &d.pagination else {
        let msg = if d.is_error() {
            "—"
        } else {
            "Not a page of a collection"
        };
        f.render_widget(Paragraph::new(Span::styled(msg, theme.dim)), inner);
        return;
    };
    let mut lines = vec![Line::from(Span::styled(pagination_summary(p), theme.text))];
    if let Some(n) = &p.next {
        lines.push(Line::from(vec![
            Span::styled("next ", theme.accent),
            Span::styled(sanitize(n, false), theme.dim),
        ]));
        lines.push(Line::from(Span::styled(
            "p: next page · A: all pages (paced)",
            theme.dim,
        )));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

fn tok_style(t: Tok, theme: &Theme) -> Style {
    match t {
        Tok::Key => theme.key,
        Tok::Str => theme.string,
        Tok::Num => theme.number,
        Tok::Lit => theme.literal,
        Tok::Punct => theme.punct,
        Tok::Plain => theme.text,
    }
}

fn body(app: &mut App, theme: &Theme, f: &mut Frame, area: Rect) {
    let height = area.height as usize;
    let scroll = app.scroll;
    let search_line = app
        .search
        .as_ref()
        .and_then(|s| s.matches.get(s.current).copied());
    let search_typing = app
        .search
        .as_ref()
        .filter(|s| s.typing)
        .map(|s| s.query.clone());
    let jq_typing = match &app.modal {
        Some(super::modal::Modal::Jq(j)) => Some(j.input.text().to_owned()),
        _ => None,
    };
    let filtered = app.entries[app.selected]
        .filtered
        .as_ref()
        .map(|f| (f.filter.clone(), f.count));
    let Some((doc, bytes)) = app.entries[app.selected].body_mut() else {
        return;
    };
    if bytes.is_empty() {
        f.render_widget(Paragraph::new(Span::styled("(no body)", theme.dim)), area);
        return;
    }
    doc.ensure_lines(bytes, scroll + height + 1);
    let (known, complete) = doc.known_lines();
    let scroll = scroll.min(known.saturating_sub(1));
    let match_line = search_line.map(|off| {
        doc.ensure_offset(bytes, off);
        doc.line_of_offset(bytes, off)
    });
    let plain_text = !doc.is_json();
    let mut lines = Vec::with_capacity(height);
    // Highlight a non-JSON body (HTML, XML…) with syntect, as far as shown.
    let entry = &mut app.entries[app.selected];
    if plain_text && theme.color && entry.filtered.is_none() && !entry.highlight_tried {
        entry.highlight_tried = true;
        if let Some(ex) = &entry.exchange
            && ex.response.body.len() <= crate::tui::syntax::MAX_BYTES
            && let Some(syn) = crate::tui::syntax::syntax_for(
                ex.response.headers.get("content-type"),
                &ex.response.body,
            )
        {
            entry.highlight = Some(Box::new(crate::tui::syntax::Highlighted::new(
                syn,
                &theme.syntax,
            )));
        }
    }
    if let (Some(h), Some(ex), None) = (&mut entry.highlight, &entry.exchange, &entry.filtered) {
        h.ensure(&ex.response.body, scroll + height);
    }
    let entry = &mut app.entries[app.selected];
    // The visible highlighted lines (copied: the body view borrows the entry).
    type Spans = Vec<(ratatui::style::Color, String)>;
    let highlight: Option<Vec<Option<Spans>>> = match (&entry.highlight, &entry.filtered) {
        (Some(h), None) => Some(
            (scroll..scroll + height)
                .map(|i| h.line(i).map(<[_]>::to_vec))
                .collect(),
        ),
        _ => None,
    };
    let Some((doc, bytes)) = entry.body_mut() else {
        return;
    };
    let wrap = app.wrap;
    let contents: Vec<(usize, Vec<Span>)> = (scroll..(scroll + height).min(known))
        .map(|i| {
            let content: Vec<Span> =
                match highlight.as_ref().and_then(|h| h.get(i - scroll)?.as_ref()) {
                    Some(hl) => hl
                        .iter()
                        .map(|(c, s)| Span::styled(s.clone(), Style::default().fg(*c)))
                        .collect(),
                    None => doc
                        .line(bytes, i)
                        .into_iter()
                        .map(|(t, s)| Span::styled(s, tok_style(t, theme)))
                        .collect(),
                };
            (i, content)
        })
        .collect();
    // Sideways: no further than the longest visible line's end.
    let longest = contents
        .iter()
        .map(|(_, c)| c.iter().map(Span::width).sum::<usize>())
        .max()
        .unwrap_or(0);
    let hscroll = app
        .hscroll
        .min(longest.saturating_sub((area.width as usize).saturating_sub(8)));
    for (i, content) in contents {
        let mut spans = vec![Span::styled(format!("{:>5}  ", i + 1), theme.dim)];
        spans.extend(if wrap {
            content
        } else {
            shift(content, hscroll)
        });
        let mut line = Line::from(spans);
        if Some(i) == match_line {
            line = line.style(theme.selected);
        }
        lines.push(line);
    }
    app.scroll = scroll;
    app.hscroll = hscroll;
    let para = Paragraph::new(lines);
    f.render_widget(
        if wrap {
            para.wrap(Wrap { trim: false })
        } else {
            para
        },
        area,
    );
    let sideways = if !wrap && hscroll > 0 {
        format!(" ← col {} ", hscroll + 1)
    } else {
        String::new()
    };
    let info = match (search_typing, jq_typing, filtered) {
        (Some(q), ..) => format!(" /{q}▏ "),
        (_, Some(q), _) => format!(" jq {q}▏ "),
        (_, _, Some((f, n))) => format!(
            " jq {f} · {n} output{} · {} lines{} ",
            if n == 1 { "" } else { "s" },
            known,
            if complete { "" } else { "+" }
        ),
        _ => format!(" {} lines{} ", known, if complete { "" } else { "+" }),
    };
    let info = format!("{sideways}{info}");
    let info = sanitize(&info, false);
    let w = info.chars().count() as u16;
    if area.width > w + 2 {
        let r = Rect::new(
            area.x + area.width - w - 1,
            area.y + area.height.saturating_sub(1),
            w,
            1,
        );
        f.render_widget(Paragraph::new(Span::styled(info, theme.accent)), r);
    }
}

fn headers(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let Some(ex) = &app.current().exchange else {
        return;
    };
    // Masked (`m`): header values and URL through the redactor.
    let mut resp_headers = ex.response.headers.clone();
    let mut req = ex.request.as_ref().map(|r| crate::model::Request {
        method: r.method.clone(),
        url: r.url.clone(),
        headers: r.headers.clone(),
        body: bytes::Bytes::new(),
    });
    if app.mask {
        crate::redact::headers(&mut resp_headers);
        if let Some(r) = req.as_mut() {
            crate::redact::request(r);
        }
        // A collection's secrets, whatever their header's name.
        let mut x = crate::model::Exchange {
            request: req.take(),
            ..Default::default()
        };
        crate::redact::values(&mut x, &app.secrets_of_collection());
        req = x.request;
    }
    let mut text = Text::default();
    let w = resp_headers
        .iter()
        .map(|(k, _)| k.chars().count())
        .chain(
            req.iter()
                .flat_map(|r| r.headers.iter().map(|(k, _)| k.chars().count())),
        )
        .max()
        .unwrap_or(0)
        .min(40);
    text.push_line(Line::from(Span::styled("Response headers", theme.accent)));
    for (k, v) in resp_headers.iter() {
        text.push_line(Line::from(vec![
            Span::styled(format!("  {:<w$}  ", sanitize(k, false)), theme.key),
            Span::styled(sanitize(v, false), theme.text),
        ]));
    }
    if let Some(r) = &req {
        text.push_line(Line::default());
        text.push_line(Line::from(Span::styled(
            format!(
                "Request: {} {}",
                r.method,
                sanitize(r.url.as_deref().unwrap_or(""), false)
            ),
            theme.accent,
        )));
        for (k, v) in r.headers.iter() {
            text.push_line(Line::from(vec![
                Span::styled(format!("  {:<w$}  ", sanitize(k, false)), theme.key),
                Span::styled(sanitize(v, false), theme.text),
            ]));
        }
    }
    text.extend(timing_lines(&ex.timing, theme));
    f.render_widget(
        Paragraph::new(text).scroll((app.scroll.min(u16::MAX as usize) as u16, 0)),
        area,
    );
}

/// Where the time went, a phase a line with a bar to scale (the headers
/// tab): what a support engineer reads off a slow request.
fn timing_lines(timing: &crate::model::Timing, theme: &Theme) -> Vec<Line<'static>> {
    let Some(p) = timing.phases else {
        return Vec::new();
    };
    let total = timing.total_ms.unwrap_or(0.0).max(1e-9);
    let mut out = vec![
        Line::default(),
        Line::from(Span::styled(
            if p.reused {
                "Timing (the connection was already open)"
            } else {
                "Timing"
            },
            theme.accent,
        )),
    ];
    let rows = std::iter::once(("waiting before", p.blocked_ms)).chain(p.named());
    for (name, v) in rows {
        let (value, bar) = match v {
            Some(ms) => {
                // 30 cells for the whole exchange; a phase that took
                // anything shows at least a sliver.
                let cells = (ms / total * 30.0).round().clamp(0.0, 30.0) as usize;
                let bar = if cells == 0 && ms > 0.0 {
                    "▏".to_owned()
                } else {
                    "█".repeat(cells)
                };
                (crate::time::human_ms(ms), bar)
            }
            None => ("—".to_owned(), String::new()),
        };
        out.push(Line::from(vec![
            Span::styled(format!("  {name:<15}"), theme.key),
            Span::styled(format!("{value:>9}  "), theme.text),
            Span::styled(bar, theme.accent),
        ]));
    }
    out.push(Line::from(vec![
        Span::styled(format!("  {:<15}", "in all"), theme.key),
        Span::styled(
            format!(
                "{:>9}",
                crate::time::human_ms(timing.total_ms.unwrap_or(0.0))
            ),
            theme.text,
        ),
    ]));
    out
}

fn raw(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let Some(ex) = &app.current().exchange else {
        return;
    };
    let mut lines = Vec::new();
    if let Some(fail) = &ex.failure {
        lines.push(Line::from(Span::styled(
            format!("No response: {}", sanitize(&fail.message, false)),
            theme.server_error,
        )));
    } else {
        let r = &ex.response;
        lines.push(Line::from(Span::styled(
            format!(
                "{} {} {}",
                r.version.as_deref().unwrap_or("HTTP/1.1"),
                r.status.map(|s| s.to_string()).unwrap_or_default(),
                r.reason.as_deref().unwrap_or("")
            ),
            theme.accent,
        )));
        for (k, v) in r.headers.iter() {
            lines.push(Line::from(Span::styled(
                sanitize(&format!("{k}: {v}"), false),
                theme.text,
            )));
        }
        lines.push(Line::default());
        // Only what can be seen: raw lines up to the bottom of the screen.
        let want = app.scroll + area.height as usize;
        for l in r.body.split(|b| *b == b'\n').take(want) {
            let cut = &l[..l.len().min(super::body::MAX_LINE)];
            lines.push(Line::from(Span::styled(
                sanitize(&String::from_utf8_lossy(cut), false),
                theme.text,
            )));
        }
    }
    let para = Paragraph::new(lines).scroll((
        app.scroll.min(u16::MAX as usize) as u16,
        if app.wrap {
            0
        } else {
            app.hscroll.min(u16::MAX as usize) as u16
        },
    ));
    f.render_widget(
        if app.wrap {
            para.wrap(Wrap { trim: false })
        } else {
            para
        },
        area,
    );
}

/// Spans without their first `skip` characters (sideways scrolling).
fn shift(spans: Vec<Span<'static>>, skip: usize) -> Vec<Span<'static>> {
    if skip == 0 {
        return spans;
    }
    let mut left = skip;
    let mut out = Vec::with_capacity(spans.len());
    for sp in spans {
        let n = sp.content.chars().count();
        if left >= n {
            left -= n;
            continue;
        }
        let rest: String = sp.content.chars().skip(left).collect();
        left = 0;
        out.push(Span::styled(rest, sp.style));
    }
    out
}

/// Rows the status bar needs at `width`: a flash message longer than the
/// line wraps (up to 3 rows).
fn status_rows(app: &App, width: u16) -> u16 {
    let Some(m) = &app.flash else { return 1 };
    let (place, _) = status_parts(app);
    let room = (width as usize)
        .saturating_sub(place_width(place) + 2)
        .max(1);
    super::widgets::wrap(&sanitize(m, false), room)
        .len()
        .clamp(1, 3) as u16
}

fn place_width(place: &str) -> usize {
    if place.is_empty() {
        0
    } else {
        place.chars().count() + 3
    }
}

/// Where keys go, then the keys that work there — generated from the
/// bindings, so a rebound key shows as the user bound it.
fn status_parts(app: &App) -> (&'static str, String) {
    if let Some(m) = &app.modal {
        ("", m.hints().to_owned())
    } else if app.search.as_ref().is_some_and(|s| s.typing) {
        (
            "SEARCH",
            "type to search · Enter find · Esc cancel".to_owned(),
        )
    } else if app.focus == Focus::Editor {
        let save = if matches!(
            app.current().origin,
            crate::tui::entry::Origin::Collection { .. }
        ) {
            "Ctrl-S save to file · "
        } else {
            ""
        };
        (
            Focus::Editor.name(),
            format!(
                "Enter send · {save}Esc leave · ←/→ Home/End · Ctrl-W word · Ctrl-U clear · Ctrl-Z undo · Ctrl-B body"
            ),
        )
    } else {
        (
            app.focus.name(),
            app.keymap.hints(app.context()).join(" · "),
        )
    }
}

fn status_bar(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let (place, keys) = status_parts(app);
    let mut spans = Vec::new();
    if !place.is_empty() {
        spans.push(Span::styled(
            format!(" {place} "),
            theme.border_focus.add_modifier(Modifier::REVERSED),
        ));
        spans.push(Span::raw(" "));
    }
    let indent = place_width(place);
    let mut lines = Vec::new();
    if let Some(m) = &app.flash {
        // (The rows were given in `render`: a long message wraps.)
        let room = (area.width as usize).saturating_sub(indent + 2).max(1);
        let wrapped = super::widgets::wrap(&sanitize(m, false), room);
        let style = theme.accent.add_modifier(Modifier::REVERSED);
        let last = (area.height as usize).min(wrapped.len()).saturating_sub(1);
        for (i, w) in wrapped.into_iter().take(area.height as usize).enumerate() {
            let mut row = if i == 0 {
                std::mem::take(&mut spans)
            } else {
                vec![Span::raw(" ".repeat(indent))]
            };
            row.push(Span::styled(format!(" {w} "), style));
            if i == last {
                row.push(Span::raw(" "));
                let used: usize = row.iter().map(Span::width).sum();
                let room = (area.width as usize).saturating_sub(used);
                row.push(Span::styled(fit_keys(&keys, room), theme.dim));
            }
            lines.push(Line::from(row));
        }
    } else {
        let room = (area.width as usize).saturating_sub(indent);
        spans.push(Span::styled(fit_keys(&keys, room), theme.dim));
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// The key hints that fit in `room` columns, whole hints only, keeping
/// `? help` last so the way to every key is always on screen.
fn fit_keys(keys: &str, room: usize) -> String {
    let width = |s: &str| Span::raw(s).width();
    if width(keys) <= room {
        return keys.to_owned();
    }
    let parts: Vec<&str> = keys.split(" · ").collect();
    let help = parts.iter().find(|p| p.ends_with("help")).copied();
    let mut out = String::new();
    let reserve = help.map_or(0, |h| width(h) + 3);
    for p in parts.iter().filter(|p| Some(**p) != help) {
        let add = if out.is_empty() {
            width(p)
        } else {
            width(p) + 3
        };
        if width(&out) + add + reserve > room {
            break;
        }
        if !out.is_empty() {
            out.push_str(" · ");
        }
        out.push_str(p);
    }
    if let Some(h) = help {
        if !out.is_empty() {
            out.push_str(" · ");
        }
        out.push_str(h);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::secs;
    use std::time::Duration;

    #[test]
    fn countdowns_round_up_and_keep_tenths_under_ten_seconds() {
        let ms = Duration::from_millis;
        assert_eq!(secs(ms(2400)), "2.4 s");
        assert_eq!(secs(ms(2401)), "2.5 s");
        assert_eq!(secs(ms(1)), "0.1 s");
        assert_eq!(secs(ms(0)), "0.0 s");
        assert_eq!(secs(ms(2000)), "2.0 s");
        assert_eq!(secs(ms(9950)), "10 s");
        assert_eq!(secs(ms(59_001)), "60 s");
        assert_eq!(secs(ms(89_999)), "1m30s");
        assert_eq!(secs(ms(300_000)), "5m00s");
        assert_eq!(secs(ms(299_001)), "5m00s");
    }
}
