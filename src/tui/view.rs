//! Drawing: `render(&mut App, &mut Frame)` reads the state and draws it. The
//! only writes are to view caches (how far the body index reaches, how tall
//! the response area was), never to what the user sees as state.

use super::app::{App, Focus, Tab, WaitReason};
use super::body::Tok;
use super::theme::Theme;
use crate::budget::BudgetView;
use crate::decode::Diagnosis;
use crate::report::{pagination_summary, sanitize, status_line};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Gauge, Paragraph, Sparkline, Tabs, Wrap};
use std::time::Duration;

const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Draws the whole screen.
pub fn render(app: &mut App, theme: &Theme, f: &mut Frame) {
    let area = f.area();
    let [title, main, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    title_bar(app, theme, f, title);
    let show_list = area.width >= 100;
    let (list_area, right) = if show_list {
        let list_width = if area.width >= 150 { 42 } else { 30 };
        let [l, r] =
            Layout::horizontal([Constraint::Length(list_width), Constraint::Min(40)]).areas(main);
        (Some(l), r)
    } else {
        (None, main)
    };
    if let Some(l) = list_area {
        request_list(app, theme, f, l);
    }
    let [editor, response] =
        Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(right);
    request_editor(app, theme, f, editor);
    response_pane(app, theme, f, response);
    status_bar(app, theme, f, status);
    record_areas(app, list_area, editor, response);
    if app.show_help {
        help(app, theme, f, area);
    }
    if app.history.is_some() {
        history_overlay(app, theme, f, area);
    }
    if app.body_editor.is_some() {
        body_editor(app, theme, f, response);
    }
    if app.diff.is_some() {
        diff_overlay(app, theme, f, area);
    }
    if let Some(text) = &app.confirm {
        let w = text.iter().map(|l| l.chars().count()).max().unwrap_or(20) as u16 + 4;
        let r = centred(area, w.max(40), text.len() as u16 + 2);
        f.render_widget(Clear, r);
        let lines: Vec<Line> = text
            .iter()
            .map(|l| Line::from(Span::styled(sanitize(l, false), theme.text)))
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(block("Confirm", true, theme)),
            r,
        );
    }
}

/// The request body editor, over the response pane.
fn body_editor(app: &mut App, theme: &Theme, f: &mut Frame, area: Rect) {
    let Some(ta) = app.body_editor.as_mut() else {
        return;
    };
    f.render_widget(Clear, area);
    ta.set_block(block(
        "Request body  (Ctrl-S apply · Esc discard · Ctrl-E $EDITOR)",
        true,
        theme,
    ));
    ta.set_style(theme.text);
    ta.set_cursor_line_style(ratatui::style::Style::default());
    ta.set_line_number_style(theme.dim);
    ta.set_selection_style(theme.selected);
    f.render_widget(&*ta, area);
}

/// `Ctrl-q`, `Enter`, `n` for a key.
fn key_name(k: &crate::config::Key) -> String {
    use ratatui::crossterm::event::KeyCode as K;
    let base = match k.code {
        K::Char(' ') => "Space".to_owned(),
        K::Char(c) => c.to_string(),
        K::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if k.ctrl { format!("Ctrl-{base}") } else { base }
}

/// A centred rectangle of at most `w`×`h` inside `area`.
fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(1);
    let h = h.min(area.height.saturating_sub(2)).max(1);
    Rect::new(
        area.x + (area.width.saturating_sub(w)) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    )
}

fn history_overlay(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let Some(h) = &app.history else { return };
    let r = centred(area, 140, area.height.saturating_sub(4));
    f.render_widget(Clear, r);
    let b = block(
        "History  (host:H status:4xx dialect:D code:C words · ↑/↓ · Enter opens · Esc)",
        true,
        theme,
    );
    let inner = b.inner(r);
    f.render_widget(b, r);
    let mut lines = vec![Line::from(vec![
        Span::styled("Search ", theme.accent),
        Span::styled(sanitize(h.query.text(), false), theme.text),
        Span::styled("▏", theme.accent),
    ])];
    if let Some(e) = &h.error {
        lines.push(Line::from(Span::styled(
            sanitize(e, false),
            theme.server_error,
        )));
    } else if h.rows.is_empty() {
        lines.push(Line::from(Span::styled(
            "No exchange in the history matches (every request sent from the TUI or `send` is kept).",
            theme.dim,
        )));
    }
    let room = (inner.height as usize).saturating_sub(lines.len());
    let wide = inner.width >= 110;
    let start = h.selected.saturating_sub(room.saturating_sub(1));
    for (i, row) in h.rows.iter().enumerate().skip(start).take(room) {
        let status = row.status.map_or("—".to_owned(), |s| s.to_string());
        let style = theme.status(row.status, row.status.is_some_and(|s| s >= 400));
        let mut line = Line::from(vec![
            Span::styled(
                format!(
                    "{:>6} ",
                    crate::report::rfc3339(row.at_ms / 1000).replace('T', " ")[5..16].to_owned()
                ),
                theme.dim,
            ),
            Span::styled(format!("{status:>3} "), style),
            Span::styled(
                if wide {
                    format!(
                        "{:<24} ",
                        sanitize(row.code.as_deref().unwrap_or(""), false)
                    )
                } else {
                    row.code
                        .as_deref()
                        .map_or(String::new(), |c| format!("{} ", sanitize(c, false)))
                },
                style,
            ),
            Span::styled(
                if wide {
                    format!("{:<12} ", row.dialect)
                } else {
                    String::new()
                },
                theme.dim,
            ),
            Span::styled(
                sanitize(&format!("{} {}", row.method, row.url), false),
                theme.text,
            ),
        ]);
        if i == h.selected {
            line = line.style(theme.selected);
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn diff_overlay(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let Some(d) = &app.diff else { return };
    let r = centred(area, 150, area.height.saturating_sub(2));
    f.render_widget(Clear, r);
    let title = format!("{}  (j/k PgUp/PgDn scroll · Esc closes)", d.title);
    let b = block(&title, true, theme);
    let inner = b.inner(r);
    f.render_widget(b, r);
    use crate::tui::diff::Kind;
    let lines: Vec<Line> = d
        .lines
        .iter()
        .skip(d.scroll)
        .take(inner.height as usize)
        .map(|(k, s)| {
            let style = match k {
                Kind::Title => theme.accent,
                Kind::Same => theme.text,
                Kind::Old => theme.server_error,
                Kind::New => theme.ok,
                Kind::Note => theme.dim,
            };
            Line::from(Span::styled(sanitize(s, false), style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// Remembers where the panes are, so a click can find what it hit.
fn record_areas(app: &mut App, list: Option<Rect>, editor: Rect, response: Rect) {
    let inner = |r: Rect| Block::bordered().inner(r);
    let list = list.map(inner);
    let editor = inner(editor);
    let response = inner(response);
    let a = &mut app.areas;
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

fn block<'a>(title: &'a str, focused: bool, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .title(Span::styled(
            format!(" {title} "),
            if focused {
                theme.border_focus
            } else {
                theme.accent
            },
        ))
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
}

fn title_bar(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let mut spans = vec![Span::styled(
        " apiscope ",
        theme.accent.add_modifier(Modifier::REVERSED),
    )];
    if let Some(b) = &app.banner {
        spans.push(Span::styled(format!(" {b} "), theme.dim));
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
    } else if let Some(s) = &app.scheduled {
        let wait = s.at.saturating_duration_since(app.now);
        let why = match s.reason {
            WaitReason::Retry => "retry after Retry-After",
            WaitReason::Pacing => "next page within the budget",
        };
        spans.push(Span::styled(
            format!(" ⏳ {why} in {:.1} s (Esc cancels) ", wait.as_secs_f64()),
            theme.client_error,
        ));
    }
    if app.paging_all {
        spans.push(Span::styled(" all pages… ", theme.accent));
    }
    f.render_widget(Line::from(spans), area);
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
        let (badge, style) = match &e.diagnosis {
            Some(d) => (
                d.status.map_or("ERR".to_owned(), |s| s.to_string()),
                theme.status(d.status, d.is_error()),
            ),
            None if app.in_flight.as_ref().is_some_and(|f| f.entry == i) => {
                ("…".into(), theme.accent)
            }
            None => ("   ".into(), theme.dim),
        };
        let label = e.label.clone().unwrap_or_else(|| {
            if app.mask {
                crate::line::short_request(&crate::line::mask_line(&e.line))
            } else {
                crate::line::short_request(&e.line)
            }
        });
        let width = inner.width as usize;
        // What a support engineer scans for: the code and the format first.
        let (code, dialect) = match &e.diagnosis {
            Some(d) => (
                d.error
                    .as_ref()
                    .and_then(|er| er.code.clone())
                    // aptly/errors-array codes are the status: said once.
                    .filter(|c| d.status.is_none_or(|s| s.to_string() != *c))
                    .map(|c| format!("{c} "))
                    .unwrap_or_default(),
                if d.dialect == "generic" || e.label.is_some() {
                    String::new()
                } else {
                    format!("{} ", d.dialect)
                },
            ),
            None => (String::new(), String::new()),
        };
        let text = truncate(
            &sanitize(&format!("{code}{dialect}{label}"), false),
            width.saturating_sub(5),
        );
        let code_len = text.chars().count().min(code.chars().count());
        let dialect_len = text
            .chars()
            .count()
            .saturating_sub(code_len)
            .min(dialect.chars().count());
        let (code_part, rest) = split_chars(&text, code_len);
        let (dialect_part, label_part) = split_chars(&rest, dialect_len);
        let marker = if i == app.selected { "›" } else { " " };
        let mut line = Line::from(vec![
            Span::styled(marker, theme.accent),
            Span::styled(format!("{badge:>3} "), style),
            Span::styled(code_part, style),
            Span::styled(dialect_part, theme.dim),
            Span::styled(label_part, theme.text),
        ]);
        if i == app.selected {
            line = line.style(theme.selected);
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The first `n` characters and the rest.
fn split_chars(s: &str, n: usize) -> (String, String) {
    let at = s.char_indices().nth(n).map_or(s.len(), |(b, _)| b);
    (s[..at].to_owned(), s[at..].to_owned())
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn request_editor(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let focused = app.focus == Focus::Editor;
    let b = block(
        "Request  [METHOD] URL [Name:value key==value key=value key:=json]",
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
    // Keep the cursor visible on a long line.
    let start = cursor.saturating_sub(width.saturating_sub(2));
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

fn overview(app: &mut App, theme: &Theme, f: &mut Frame, area: Rect) {
    let preview = body_preview(app, theme, area.height as usize);
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
                Span::styled(format!("  ({})", d.dialect_name), theme.dim),
            ]));
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
                Span::styled(format!("  ({})", d.dialect_name), theme.dim),
            ]));
        }
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

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 90.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{s:.0} s")
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
    let jq_typing = app.jq.as_ref().map(|j| j.text().to_owned());
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
        doc.line_of_offset(off)
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
    for i in scroll..(scroll + height).min(known) {
        let mut spans = vec![Span::styled(format!("{:>5}  ", i + 1), theme.dim)];
        match highlight.as_ref().and_then(|h| h.get(i - scroll)?.as_ref()) {
            Some(hl) => spans.extend(
                hl.iter()
                    .map(|(c, s)| Span::styled(s.clone(), Style::default().fg(*c))),
            ),
            None => spans.extend(
                doc.line(bytes, i)
                    .into_iter()
                    .map(|(t, s)| Span::styled(s, tok_style(t, theme))),
            ),
        }
        let mut line = Line::from(spans);
        if Some(i) == match_line {
            line = line.style(theme.selected);
        }
        lines.push(line);
    }
    app.scroll = scroll;
    f.render_widget(Paragraph::new(lines), area);
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
    f.render_widget(
        Paragraph::new(text).scroll((app.scroll.min(u16::MAX as usize) as u16, 0)),
        area,
    );
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
            let cut = &l[..l.len().min(4096)];
            lines.push(Line::from(Span::styled(
                sanitize(&String::from_utf8_lossy(cut), false),
                theme.text,
            )));
        }
    }
    f.render_widget(
        Paragraph::new(lines).scroll((app.scroll.min(u16::MAX as usize) as u16, 0)),
        area,
    );
}

fn status_bar(app: &App, theme: &Theme, f: &mut Frame, area: Rect) {
    let keys = match (app.focus, app.tab) {
        _ if app.search.as_ref().is_some_and(|s| s.typing) => {
            "type to search · Enter find · Esc cancel"
        }
        _ if app.confirm.is_some() => "y sends · any other key cancels",
        _ if app.show_help => "j/k scroll · Esc or ? closes",
        _ if app.diff.is_some() => "j/k PgUp/PgDn g/G scroll · Esc closes",
        _ if app.history.is_some() => {
            "type to search (host: status: dialect: code: words) · ↑/↓ select · Enter opens · Esc closes"
        }
        _ if app.body_editor.is_some() => {
            "Ctrl-S apply · Esc discard · Ctrl-E $EDITOR · Ctrl-Z/Ctrl-U undo · Ctrl-R redo · Shift-arrows select · Ctrl-C/Ctrl-X copy/cut · Ctrl-Y paste"
        }
        _ if app.jq.is_some() => {
            "type a jq filter (.data[] | .id, map(select(.x)), keys…) · Enter run · ↑/↓ earlier filters · Esc cancel"
        }
        (Focus::Editor, _) => {
            "Enter send · Esc leave · ←/→ Home/End · Ctrl-W word · Ctrl-U clear · Ctrl-Z undo · Ctrl-B body"
        }
        (Focus::List, _) => {
            "↑/↓ j/k select · Enter send · e edit · Tab next pane · ? help · q quit"
        }
        (Focus::Response, Tab::Body) => {
            "j/k PgUp/PgDn g/G scroll · / search · n/N match · f jq filter · 1-4 tabs · y copy body · ? help"
        }
        (Focus::Response, _) => {
            "j/k scroll · 1-4 tabs · p next page · A all pages · r retry · c copy curl · Y copy report · ? help"
        }
    };
    let mut spans = Vec::new();
    if let Some(m) = &app.flash {
        spans.push(Span::styled(
            format!(" {} ", sanitize(m, false)),
            theme.accent.add_modifier(Modifier::REVERSED),
        ));
        spans.push(Span::raw(" "));
    }
    let room = (area.width as usize).saturating_sub(spans.iter().map(Span::width).sum());
    spans.push(Span::styled(fit_keys(keys, room), theme.dim));
    f.render_widget(Line::from(spans), area);
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

/// Every key, for the `?` overlay.
pub const HELP: &[(&str, &str)] = &[
    ("Tab / Shift-Tab", "next / previous pane"),
    ("e, i", "edit the request line"),
    ("Enter, s", "send the request"),
    ("Esc, Ctrl-X", "cancel the request, the countdown or paging"),
    ("↑/↓, j/k", "select a request · scroll"),
    ("PgUp/PgDn, Space", "scroll a page"),
    ("Ctrl-D / Ctrl-U", "scroll half a page"),
    ("g / G", "top / bottom"),
    ("1 2 3 4, h/l", "Overview · Body · Headers · Raw"),
    ("/", "search the body; n / N next / previous match"),
    (
        "f",
        "jq filter on the body (↑/↓ earlier filters; Esc unfilters)",
    ),
    (
        "b, Ctrl-B",
        "edit the request body (multi-line; Ctrl-E: $EDITOR)",
    ),
    ("p", "fetch the next page (paced by the budget)"),
    ("A", "fetch all pages (paced; Esc stops)"),
    ("r", "resend after Retry-After (countdown; Esc cancels)"),
    ("c", "copy the request as curl"),
    ("y / Y", "copy the body / the diagnosis as Markdown"),
    ("S", "save the session and a HAR (redacted)"),
    ("H", "history of sent exchanges: search, open, resend"),
    ("d", "mark for a diff; d on another compares them"),
    ("T", "rate-limit timeline of the whole session"),
    (
        "R",
        "re-send every request (paced), compare recorded vs live",
    ),
    ("m", "mask credentials on screen (screen sharing)"),
    ("?", "this help"),
    ("q, Ctrl-C", "quit"),
    ("", ""),
    ("Request line", "[METHOD] URL [ITEM…] as in HTTPie:"),
    ("", "Name:value header · key==value query"),
    ("", "key=value JSON string · key:=json raw JSON"),
    ("", "--bearer=TOKEN · --auth=USER:PASS · @file body"),
    ("", "{{env.NAME}}: an environment variable"),
    (
        "Editing",
        "←/→ Home/End · Ctrl-A/E · Ctrl-W · Ctrl-U · Ctrl-Z undo",
    ),
];

fn help(app: &mut App, theme: &Theme, f: &mut Frame, area: Rect) {
    let w = 74.min(area.width.saturating_sub(2));
    let extra = if app.keymap.is_empty() {
        0
    } else {
        app.keymap.len() + 2
    };
    let h = ((HELP.len() + extra) as u16 + 2).min(area.height.saturating_sub(2));
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    // A short terminal scrolls the list (j/k); clamp so it never runs off.
    let total = HELP.len()
        + if app.keymap.is_empty() {
            0
        } else {
            app.keymap.len() + 2
        };
    let room = h.saturating_sub(2) as usize;
    app.help_scroll = app.help_scroll.min(total.saturating_sub(room));
    let title = if total > room {
        "Keys (j/k scroll · Esc closes)"
    } else {
        "Keys (Esc or ? closes)"
    };
    let mut entries: Vec<(String, String)> = HELP
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if !app.keymap.is_empty() {
        entries.push((String::new(), String::new()));
        entries.push(("Your keys".into(), "from config.toml [keys]".into()));
        for (k, d) in &app.keymap {
            let action = crate::config::ACTIONS
                .iter()
                .find(|(_, def, _)| crate::config::Key::parse(def).ok() == Some(*d))
                .map_or("", |(_, _, what)| what);
            entries.push((key_name(k), action.to_owned()));
        }
    }
    let lines: Vec<Line> = entries
        .iter()
        .skip(app.help_scroll)
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!(" {k:<18}"), theme.key),
                Span::styled(v.clone(), theme.text),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block(title, true, theme)), r);
}
