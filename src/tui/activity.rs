//! The TUI's side of the driver: Enter, `p`, `A`, `r` and `R` start a
//! [`Run`] of the core's driver; each of its steps becomes a `Cmd` (send
//! this, wake me then), each response goes back into it. Pacing, the
//! reserve, loop detection, the 429 cap and the credential rule are the
//! driver's, so the TUI pages exactly as `send --paginate` does.
//!
//! A recorded exchange (a file opened with `apiscope open`) is never sent
//! without a question naming the host and the credentials that would go
//! out, and its live answer is added beside it.

use super::action::Action;
use super::app::{Activity, App, Cmd, Focus, InFlight, Kind, api_key};
use super::entry::{Entry, Origin};
use super::modal::{Modal, confirm::Confirm, overlay::Overlay};
use crate::collection::run::{Next, RequestId};
use crate::decode::Diagnosis;
use crate::driver::{self, Received, Run, Settings, Step, Stop};
use crate::line::quote;
use crate::model::{Exchange, Request};
use std::time::Instant;

impl App {
    /// Settings of `A`: the reserve and the page cap of `[paging]`.
    fn all_pages_settings(&self) -> Settings {
        Settings {
            max_pages: self.paging.max_pages,
            reserve: self.paging.reserve_percent / 100.0,
            ..Settings::default()
        }
    }

    /// Enter: sends the request line. A recorded exchange asks first and
    /// answers into a new entry; an edited line whose entry has a response
    /// becomes a new entry, so the run's history stays.
    pub(super) fn send_selected(&mut self, confirmed: bool) -> Vec<Cmd> {
        // The yes to the collection run's question: confirmed, then on.
        if confirmed
            && let Some(q) = self.pending_confirm.take()
            && let Some(c) = self.collection.as_mut()
        {
            c.run.confirm(&q);
            let mut cmds = self.remember_origins(&q);
            cmds.extend(self.advance_plan());
            return cmds;
        }
        if let Origin::Broken { message, .. } = &self.entries[self.selected].origin {
            self.flash = Some(format!(
                "Not sent: {} · Ctrl-E opens the file at that line",
                crate::report::sanitize(message, false)
            ));
            return Vec::new();
        }
        if let Origin::Collection { file, index } = self.entries[self.selected].origin.clone() {
            return self.send_collection(self.selected, file, index);
        }
        let line = self.editor.text().to_owned();
        let request = match App::parse_line(&line) {
            Ok(r) => r,
            // A collection request's template (from the history): its
            // variables resolved again, in the current environment.
            Err(e) if crate::template::has_placeholder(&line) && self.collection.is_some() => {
                match self
                    .resolve_template(&line)
                    .and_then(|(text, secrets)| Ok((App::parse_line(&text)?, secrets)))
                {
                    Ok((r, secrets)) => {
                        self.secrets.extend(secrets);
                        self.secrets.sort();
                        self.secrets.dedup();
                        r
                    }
                    Err(why) => {
                        self.flash = Some(format!("Not sent: {e} ({why})"));
                        return Vec::new();
                    }
                }
            }
            Err(e) => {
                let hint = if crate::line::unresolved(&line)
                    .is_some_and(|v| !v.starts_with("{{env."))
                {
                    " — a collection's variable? Open its .http file (apiscope open FILE.http), then resend"
                } else {
                    ""
                };
                self.flash = Some(format!("Not sent: {e}{hint}"));
                return Vec::new();
            }
        };
        if self.refuse_redacted(&request) {
            return Vec::new();
        }
        let cur = &self.entries[self.selected];
        if matches!(cur.origin, Origin::Recorded { .. }) && !confirmed {
            self.ask_live(Action::Send, &request, None);
            return Vec::new();
        }
        let target = if cur.is_recording() {
            self.live_entry(self.selected, &line)
        } else if cur.line != line && cur.exchange.is_some() {
            let mut edited = Entry::new(&line, None);
            edited.dialect = cur.dialect.clone();
            self.entries.push(edited);
            self.entries.len() - 1
        } else {
            self.entries[self.selected].line = line;
            self.selected
        };
        self.follow(target);
        self.start(Activity {
            run: Run::once(request),
            kind: Kind::Send,
            entry: target,
            pairs: Vec::new(),
            waiting: None,
            done: 0,
            ticket: None,
            answered: false,
            renew: None,
            renewed: false,
            renewing: false,
            transport: None,
        })
    }

    /// `R` on a collection's request: every request of the collection
    /// opened — the file, or every file of the folder — in order (what
    /// each refers to first, once), asked about once, then a results view:
    /// each request's status, its tests and scripts, why one was not sent —
    /// what `apiscope test` prints, on screen.
    pub(super) fn run_collection(&mut self, confirmed: bool) -> Vec<Cmd> {
        let Some(c) = self.collection.as_ref() else {
            return Vec::new();
        };
        let files = c.run.files();
        let file_name = |i: usize| {
            files[i]
                .path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        };
        let name = match files.len() {
            1 => file_name(0),
            n => format!(
                "{} ({n} files)",
                c.root
                    .as_deref()
                    .and_then(std::path::Path::file_name)
                    .map_or_else(
                        || "the collection".into(),
                        |r| r.to_string_lossy().into_owned()
                    )
            ),
        };
        let ids: Vec<RequestId> = c.run.ids().collect();
        if ids.is_empty() {
            self.flash = Some(format!("{name} has no request to run"));
            return Vec::new();
        }
        if !confirmed {
            let changes: Vec<String> = ids
                .iter()
                .map(|&id| c.run.request(id))
                .filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD" | "OPTIONS"))
                .map(|r| format!("  {} {}", r.method, r.label()))
                .collect();
            let mut lines = vec![format!(
                "Sends the {} request(s) of {name} in order (what each uses first), in the environment {}, then shows each one's result.",
                ids.len(),
                c.run.env().unwrap_or("none")
            )];
            if !changes.is_empty() {
                lines.push(format!("{} change data:", changes.len()));
                lines.extend(changes);
            }
            self.modal = Some(Modal::Confirm(Confirm {
                title: format!("Run every request of {name}?"),
                lines,
                action: Action::ReplayAll,
                keys: "y runs them · any other key sends nothing".into(),
                cancelled: "Nothing sent".into(),
            }));
            return Vec::new();
        }
        let names = (0..files.len()).map(file_name).collect();
        self.run_all = Some(RunAll {
            name,
            files: names,
            queue: ids,
            done: Vec::new(),
            results: Vec::new(),
            goal: None,
            sent_first: Vec::new(),
            started: self.now,
        });
        self.run_all_next()
    }

    /// The next request of the run, or its results when none is left.
    pub(super) fn run_all_next(&mut self) -> Vec<Cmd> {
        loop {
            let Some(ra) = self.run_all.as_mut() else {
                return Vec::new();
            };
            let Some(id) = ra.queue.first().copied() else {
                self.finish_run_all(None);
                return Vec::new();
            };
            ra.queue.remove(0);
            if ra.done.contains(&id) {
                continue; // sent already, for a request that uses it
            }
            ra.goal = Some(id);
            let Some(entry) = self.entry_of(id) else {
                continue;
            };
            let Some(c) = self.collection.as_ref() else {
                return Vec::new();
            };
            let plan = c.run.plan_picked(id);
            self.entries[entry].problem = None;
            self.plan = Some((plan, entry));
            return self.advance_plan();
        }
    }

    /// A request of the run is done (answered, or not sent): its result,
    /// and those of what it sent first, kept.
    pub(super) fn run_all_record(&mut self, sent_first: &[RequestId]) {
        let Some(ra) = self.run_all.as_ref() else {
            return;
        };
        let Some(goal) = ra.goal else {
            return;
        };
        let mut ids: Vec<RequestId> = sent_first.to_vec();
        ids.push(goal);
        let mut lines = Vec::new();
        for id in ids {
            if ra.done.contains(&id) {
                continue;
            }
            let Some(entry) = self.entry_of(id) else {
                continue;
            };
            lines.push((id, run_line(&self.entries[entry], entry)));
        }
        if let Some(ra) = self.run_all.as_mut() {
            for (id, line) in lines {
                ra.done.push(id);
                ra.results.push((id.file, line));
            }
            ra.goal = None;
        }
    }

    /// Ends the file's run: its results in an overlay (`why`: it stopped
    /// early).
    pub(super) fn finish_run_all(&mut self, why: Option<&str>) {
        let Some(ra) = self.run_all.take() else {
            return;
        };
        use super::diff::Kind;
        let passed = ra.results.iter().filter(|(_, r)| r.passed).count();
        let failed = ra.results.len() - passed;
        let secs = self.now.saturating_duration_since(ra.started).as_secs_f64();
        let mut lines: Vec<(Kind, String)> = vec![(
            Kind::Title,
            format!(
                "{} request(s): {passed} passed, {failed} failed · {secs:.1} s{}",
                ra.results.len(),
                why.map_or_else(String::new, |w| format!(" · {w}"))
            ),
        )];
        // Each request's line leads to its entry (Enter shows it).
        let mut targets: Vec<Option<usize>> = vec![None; lines.len()];
        let mut last_file = None;
        for (file, r) in &ra.results {
            // (A folder's run: each file's requests under its name.)
            if ra.files.len() > 1 && last_file != Some(*file) {
                last_file = Some(*file);
                lines.push((
                    Kind::Title,
                    ra.files.get(*file).cloned().unwrap_or_default(),
                ));
                targets.push(None);
            }
            lines.push((if r.passed { Kind::New } else { Kind::Old }, r.head.clone()));
            targets.push((r.entry < self.entries.len()).then_some(r.entry));
            for d in &r.details {
                lines.push((Kind::Note, format!("    {d}")));
                targets.push(None);
            }
        }
        let left = ra.queue.iter().filter(|i| !ra.done.contains(i)).count();
        if left > 0 {
            lines.push((Kind::Note, format!("{left} request(s) not run")));
            targets.push(None);
        }
        self.flash = Some(format!("Ran {}: {passed} passed, {failed} failed", ra.name));
        self.modal = Some(Modal::Overlay(
            super::modal::overlay::Overlay::new(format!("Run of {}", ra.name), lines)
                .with_targets(targets),
        ));
    }

    /// Sends a collection's request: a plan of the core's collection run
    /// (the requests it refers to first, each in the environment chosen),
    /// carried out one request at a time. An edited line has its `{{…}}`
    /// resolved in the request's file.
    fn send_collection(&mut self, entry: usize, file: usize, index: usize) -> Vec<Cmd> {
        let Some(c) = self.collection.as_ref() else {
            return Vec::new();
        };
        let typed = if entry == self.selected {
            self.editor.text().to_owned()
        } else {
            self.entries[entry].line.clone()
        };
        let goal = RequestId { file, index };
        let plan = if typed == self.entries[entry].line {
            c.run.plan(goal)
        } else {
            c.run.plan_line(goal, typed)
        };
        self.entries[entry].problem = None;
        self.plan = Some((plan, entry));
        self.advance_plan()
    }

    /// The collection run's next answer for the plan in progress: send a
    /// dependency (429s waited out, as the CLI does), send the request, or
    /// say why not (whole, in the response pane).
    fn advance_plan(&mut self) -> Vec<Cmd> {
        let (Some((mut plan, goal_entry)), Some(c)) = (self.plan.take(), self.collection.as_mut())
        else {
            return Vec::new();
        };
        let world = super::collection::Held::new(std::mem::take(&mut self.tokens));
        let next = c.run.next(&mut plan, &world);
        self.secrets = c.run.secrets();
        let (delivered, wanted) = world.into_parts();
        // A token to fetch first: off the UI thread, then asked again (the
        // plan where it stopped; a pre-request script that ran is not run
        // again).
        if let Some((config, key)) = wanted
            && matches!(next, Next::Failed(_))
        {
            self.tokens = delivered;
            self.plan = Some((plan, goal_entry));
            self.fetching = Some(key.clone());
            self.flash = Some(format!(
                "Getting the OAuth2 token '{}' from {} · Esc cancels",
                config.id,
                crate::redact::url(&config.token_url)
            ));
            return vec![Cmd::Token {
                config: Box::new(config),
                key,
            }];
        }
        match next {
            Next::Send {
                ticket,
                resolved,
                for_,
            } => {
                let label = |id: RequestId| c.run.request(id).label();
                let flash = format!(
                    "Sending '{}' first: '{}' uses its response",
                    label(ticket.id),
                    label(for_)
                );
                let entry = self.entry_of(ticket.id).unwrap_or(goal_entry);
                self.plan = Some((plan, goal_entry));
                self.follow(entry);
                self.flash = Some(flash);
                let settings = Settings::default();
                let renew = renewable(&resolved);
                let transport = resolved.transport.clone().map(Box::new);
                self.start(Activity {
                    run: Run::retry(resolved.request, settings)
                        .with_secrets(resolved.secrets)
                        .with_dialect(resolved.dialect)
                        .without_cookie_jar(resolved.no_cookie_jar),
                    kind: Kind::Send,
                    entry,
                    pairs: Vec::new(),
                    waiting: None,
                    done: 0,
                    ticket: Some(ticket),
                    answered: false,
                    renew,
                    renewed: false,
                    renewing: false,
                    transport,
                })
            }
            Next::Ready { ticket, resolved } => {
                if let Some(n) = resolved.notes.first() {
                    self.flash = Some(n.clone());
                }
                if let Some(ra) = self.run_all.as_mut() {
                    ra.sent_first = plan.sent().to_vec();
                }
                let typed = (self.entries[goal_entry].line != self.line_of(goal_entry))
                    .then(|| self.line_of(goal_entry));
                self.follow(goal_entry);
                if let Some(t) = typed {
                    self.entries[goal_entry].draft = Some(t);
                }
                let renew = renewable(&resolved);
                let transport = resolved.transport.clone().map(Box::new);
                self.start(Activity {
                    run: Run::once(resolved.request)
                        .with_secrets(resolved.secrets)
                        .with_dialect(resolved.dialect)
                        .without_cookie_jar(resolved.no_cookie_jar),
                    kind: Kind::Send,
                    entry: goal_entry,
                    pairs: Vec::new(),
                    waiting: None,
                    done: 0,
                    ticket: Some(ticket),
                    answered: false,
                    renew,
                    renewed: false,
                    renewing: false,
                    transport,
                })
            }
            Next::Confirm(q) => {
                self.plan = Some((plan, goal_entry));
                if c.yes && !q.runtime {
                    // --yes: the origins listed are confirmed.
                    c.run.confirm(&q);
                    let cmds = self.remember_origins(&q);
                    let mut more = self.advance_plan();
                    more.extend(cmds);
                    return more;
                }
                let mut lines = vec![if q.runtime {
                    "This request goes where a response said — an origin not known before:"
                        .to_owned()
                } else {
                    "Before sending, these requests would go:".to_owned()
                }];
                lines.extend(q.lines().into_iter().map(|l| format!("  {l}")));
                lines.push(
                    "y sends them and confirms these origins for this collection; secrets never go to an origin you did not confirm."
                        .into(),
                );
                let title = if q.origins().is_empty() {
                    "Send to a local address?"
                } else {
                    "Send secrets to a new origin?"
                };
                self.modal = Some(Modal::Confirm(Confirm {
                    title: title.into(),
                    lines,
                    action: Action::Send,
                    keys: "y sends · any other key sends nothing".into(),
                    cancelled: "Nothing sent".into(),
                }));
                self.pending_confirm = Some(q);
                Vec::new()
            }
            Next::Failed(e) => {
                let message = crate::report::sanitize(&e.to_string(), false);
                self.flash = Some(format!(
                    "Not sent: {} (the response pane says why)",
                    c_label(&self.entries[goal_entry])
                ));
                // (Here, Ctrl-t trusts the collection.)
                let hint = if message.contains("run only in a trusted collection") {
                    " · Ctrl-t trusts it here"
                } else {
                    ""
                };
                self.entries[goal_entry].problem = Some(format!("Not sent: {message}{hint}"));
                self.select(goal_entry);
                if self.run_all.is_some() {
                    let sent = plan.sent().to_vec();
                    self.run_all_record(&sent);
                    return self.run_all_next();
                }
                Vec::new()
            }
        }
    }

    /// A trusted collection remembers the origins the user confirmed.
    fn remember_origins(&self, q: &crate::collection::run::Confirmation) -> Vec<Cmd> {
        match &self.collection {
            Some(c)
                if c.run.trust().trusted()
                    && !(q.origins().is_empty() && q.locals().is_empty()) =>
            {
                let mut origins = q.origins();
                origins.extend(q.locals());
                vec![Cmd::RememberOrigins {
                    root: c.run.trust().root().to_path_buf(),
                    origins,
                }]
            }
            _ => Vec::new(),
        }
    }

    /// `Ctrl-t` (and the question when an untrusted collection opens):
    /// trust its directory for good.
    pub(super) fn trust_collection(&mut self, confirmed: bool) -> Vec<Cmd> {
        let Some(c) = self.collection.as_ref() else {
            self.flash =
                Some("No collection open: Ctrl-t trusts a .http collection's directory".into());
            return Vec::new();
        };
        if c.run.trust().trusted() {
            self.flash = Some(format!(
                "{} is trusted already (apiscope trust --list)",
                c.run.trust().root().display()
            ));
            return Vec::new();
        }
        if !confirmed {
            self.modal = Some(Modal::Confirm(Confirm {
                title: "Trust this collection?".into(),
                lines: c.trust_question(),
                action: Action::TrustCollection,
                keys: "y trusts it · any other key keeps it untrusted".into(),
                cancelled: "Kept untrusted: Ctrl-t trusts it later".into(),
            }));
            return Vec::new();
        }
        vec![Cmd::Trust(c.run.trust().root().to_path_buf())]
    }

    /// The line an entry would send: the editor's text when it is the
    /// selected one, its draft, else its line.
    fn line_of(&self, entry: usize) -> String {
        if entry == self.selected {
            self.editor.text().to_owned()
        } else {
            self.entries[entry]
                .draft
                .clone()
                .unwrap_or_else(|| self.entries[entry].line.clone())
        }
    }

    /// The entry of a collection's request.
    fn entry_of(&self, id: RequestId) -> Option<usize> {
        self.entries.iter().position(|e| {
            e.origin
                == Origin::Collection {
                    file: id.file,
                    index: id.index,
                }
        })
    }

    /// Whether `request` holds a credential a saved file redacted; then it
    /// is not sent (the marker never goes out) and the user is told where
    /// to put a real one.
    fn refuse_redacted(&mut self, request: &Request) -> bool {
        let (_, redacted) = crate::secrets::strip_redacted(request);
        if redacted.is_empty() {
            return false;
        }
        self.flash = Some(format!(
            "Not sent: {} holds {} (the file redacted it); put a real credential in the request line (e), e.g. 'Authorization:Bearer {{{{env.TOKEN}}}}'",
            redacted.join(", "),
            crate::secrets::MARK
        ));
        true
    }

    /// A new entry beside `source` for its live answer ("live: label").
    fn live_entry(&mut self, source: usize, line: &str) -> usize {
        let label = self.entries[source]
            .label
            .clone()
            .unwrap_or_else(|| format!("#{}", source + 1));
        let mut e = Entry::new(line, Some(&format!("live: {label}")));
        e.origin = Origin::Session;
        self.entries.push(e);
        self.entries.len() - 1
    }

    /// Selects `entry` and shows its response as it comes.
    fn follow(&mut self, entry: usize) {
        self.entries[entry].draft = None;
        self.select(entry);
    }

    /// The question before a recorded exchange goes out: what, to which
    /// host, with which credentials; `extra` adds lines (an estimate).
    fn ask_live(&mut self, action: Action, request: &Request, extra: Option<Vec<String>>) {
        let file = match &self.entries[self.selected].origin {
            Origin::Recorded { file } => file.clone(),
            _ => "the file".into(),
        };
        let host = request
            .url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_owned(),
                })
            })
            .unwrap_or_else(|| "an unknown host".into());
        let what = match action {
            Action::NextPage => "Fetch the next page of this recorded exchange",
            Action::AllPages => "Fetch every next page of this recorded exchange",
            Action::Retry => "Retry this recorded exchange",
            _ => "Send this recorded exchange",
        };
        let creds = crate::secrets::credentials(request);
        let (redacted, real): (Vec<_>, Vec<_>) = creds
            .iter()
            .partition(|(_, v)| v.contains(crate::secrets::MARK));
        let names = |v: &[&(String, String)]| {
            let mut n: Vec<String> = v.iter().map(|(k, _)| k.clone()).collect();
            n.dedup();
            n.join(", ")
        };
        let mut lines = vec![
            format!("{file} was opened offline."),
            format!(
                "{what} live to {host}? {} {}",
                request.method,
                crate::redact::url(request.url.as_deref().unwrap_or(""))
            ),
        ];
        if creds.is_empty() {
            lines.push("Credentials: none would be sent.".into());
        }
        if !real.is_empty() {
            lines.push(format!(
                "Credentials: the real {} recorded in the file WOULD BE SENT to {host}.",
                names(&real)
            ));
        }
        if !redacted.is_empty() {
            lines.push(format!(
                "Credentials: {} hold the redaction mark ({}): the server will refuse them. Put a real one in the request line first (e), e.g. 'Authorization:Bearer {{{{env.TOKEN}}}}'.",
                names(&redacted),
                crate::secrets::MARK
            ));
        }
        if let Some(extra) = extra {
            lines.extend(extra);
        }
        lines.push(
            "The live answer is added beside the recording; the recording stays as it was.".into(),
        );
        self.modal = Some(Modal::Confirm(Confirm::send("Send live?", lines, action)));
    }

    /// `p` / `A`: the next page(s) of the selected response, each as a new
    /// entry, paced by the budget (`A` keeps the reserve and asks before a
    /// run that would spend more than half of what is left).
    pub(super) fn next_page(&mut self, all: bool, confirmed: bool) -> Vec<Cmd> {
        let source = self.selected;
        let e = &self.entries[source];
        let (Some(ex), Some(d)) = (&e.exchange, &e.diagnosis) else {
            self.flash = Some("No response yet: send the request first".into());
            return Vec::new();
        };
        let Some(next) = d.pagination.as_ref().and_then(|p| p.next.clone()) else {
            self.flash = Some("No next page: this response is the last (or not a page)".into());
            return Vec::new();
        };
        // (As handed to the client when this session sent it: a signed
        // request is signed afresh for its next page.)
        let Some(request) = e.given.as_deref().cloned().or_else(|| ex.request.clone()) else {
            self.flash = Some("The request of this response is not known".into());
            return Vec::new();
        };
        let d = d.clone();
        let recorded = matches!(e.origin, Origin::Recorded { .. });
        if self.refuse_redacted(&request) {
            return Vec::new();
        }
        let action = if all {
            Action::AllPages
        } else {
            Action::NextPage
        };
        let settings = if all {
            self.all_pages_settings()
        } else {
            Settings {
                max_pages: 1,
                ..Settings::default()
            }
        };
        if !confirmed {
            let estimate =
                all.then(|| driver::estimate(&self.engine, &request, &d, &settings, self.now));
            if recorded {
                let extra = estimate.map(|est| vec![format!("Estimate: {}.", est.text)]);
                self.ask_live(action, &request, extra);
                return Vec::new();
            }
            if let Some(est) = estimate
                && est.ask
            {
                self.modal = Some(Modal::Confirm(Confirm::send(
                    "Fetch every page?",
                    vec![
                        format!("This run would take {}.", est.text),
                        format!(
                            "That is more than half of what is left. It is paced by the budget, keeps {} % of it for your other requests, and stops after {} pages; Esc stops it.",
                            self.paging.reserve_percent, self.paging.max_pages
                        ),
                    ],
                    action,
                )));
                return Vec::new();
            }
        }
        let page = d
            .pagination
            .as_ref()
            .and_then(|p| p.page)
            .and_then(|p| u32::try_from(p).ok());
        let run = Run::pages_after_with(&request, page, &next, settings, self.secrets.clone());
        self.start(Activity {
            run,
            kind: if all { Kind::AllPages } else { Kind::NextPage },
            entry: source,
            pairs: Vec::new(),
            waiting: None,
            done: 0,
            ticket: None,
            answered: false,
            renew: None,
            renewed: false,
            renewing: false,
            transport: self.entries[source].transport.clone(),
        })
    }

    /// `r`: resends the selected request once Retry-After (or the reset)
    /// has passed; the countdown shows, Esc cancels.
    pub(super) fn retry(&mut self, confirmed: bool) -> Vec<Cmd> {
        let e = &self.entries[self.selected];
        if e.exchange.is_none() {
            self.flash = Some("Nothing to retry yet: send the request first".into());
            return Vec::new();
        }
        let request = match App::parse_line(&e.line) {
            Ok(r) => r,
            Err(err) => {
                self.flash = Some(format!("Not sent: {err}"));
                return Vec::new();
            }
        };
        if self.refuse_redacted(&request) {
            return Vec::new();
        }
        let e = &self.entries[self.selected];
        if matches!(e.origin, Origin::Recorded { .. }) && !confirmed {
            self.ask_live(Action::Retry, &request, None);
            return Vec::new();
        }
        let target = if e.is_recording() {
            let line = e.line.clone();
            self.live_entry(self.selected, &line)
        } else {
            self.selected
        };
        self.follow(target);
        let run = Run::retry(request, Settings::default());
        self.start(Activity {
            run,
            kind: Kind::Retry,
            entry: target,
            pairs: Vec::new(),
            waiting: None,
            done: 0,
            ticket: None,
            answered: false,
            renew: None,
            renewed: false,
            renewing: false,
            transport: self.entries[target].transport.clone(),
        })
    }

    /// The requests `R` would send: entries with a response or imported
    /// without one, not the live copies of an earlier replay, that parse.
    fn replay_candidates(&self) -> (Vec<usize>, usize) {
        let mut skipped = 0;
        let picked = (0..self.entries.len())
            .filter(|&i| {
                let e = &self.entries[i];
                (e.exchange.is_some() || e.label.is_none())
                    && !e.label.as_deref().is_some_and(|l| l.starts_with("live: "))
            })
            .filter(|&i| {
                let ok = App::parse_line(&self.entries[i].line).is_ok();
                skipped += usize::from(!ok);
                ok
            })
            .collect();
        (picked, skipped)
    }

    /// `R`: asks first (listing the hosts, every request that changes
    /// data, and redacted credentials), then re-sends every exchange of
    /// the session, paced by the budget, each as a new entry.
    pub(super) fn replay_all(&mut self, confirmed: bool) -> Vec<Cmd> {
        // On a collection's request: run the collection (file or folder).
        if self.collection.is_some()
            && let Origin::Collection { .. } = self.entries[self.selected].origin
        {
            return self.run_collection(confirmed);
        }
        let (picked, skipped) = self.replay_candidates();
        if picked.is_empty() {
            self.flash = Some("Nothing to replay".into());
            return Vec::new();
        }
        // Credentials a file redacted are never sent (the question says so).
        let mut redacted = 0;
        let requests: Vec<Request> = picked
            .iter()
            .filter_map(|&i| App::parse_line(&self.entries[i].line).ok())
            .map(|r| {
                let (stripped, removed) = crate::secrets::strip_redacted(&r);
                redacted += usize::from(!removed.is_empty());
                stripped
            })
            .collect();
        if !confirmed {
            let mut hosts: Vec<String> = Vec::new();
            let mut writes: Vec<String> = Vec::new();
            for (&i, req) in picked.iter().zip(&requests) {
                let host = req
                    .url
                    .as_deref()
                    .and_then(|u| url::Url::parse(u).ok())
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default();
                if !hosts.contains(&host) {
                    hosts.push(host);
                }
                if !matches!(req.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
                    writes.push(format!(
                        "#{} {}",
                        i + 1,
                        crate::line::short_request(&self.entries[i].line)
                    ));
                }
            }
            let mut lines = vec![format!(
                "Re-send {} request{} to {}?",
                picked.len(),
                if picked.len() == 1 { "" } else { "s" },
                hosts.join(", ")
            )];
            if !writes.is_empty() {
                lines.push(format!("{} of them change data:", writes.len()));
                lines.extend(writes.into_iter().take(8).map(|w| format!("  {w}")));
            }
            if redacted > 0 {
                lines.push(format!(
                    "{redacted} hold credentials the file redacted ({}): they go without them.",
                    crate::secrets::MARK
                ));
            }
            if skipped > 0 {
                lines.push(format!(
                    "{skipped} request line(s) do not parse and are skipped."
                ));
            }
            lines.push("Live answers are added as new entries; the recorded ones stay.".into());
            self.modal = Some(Modal::Confirm(Confirm::send(
                "Replay everything?",
                lines,
                Action::ReplayAll,
            )));
            return Vec::new();
        }
        let mut pairs = Vec::new();
        for &i in &picked {
            let line = self.entries[i].line.clone();
            let live = self.live_entry(i, &line);
            pairs.push((i, live));
        }
        self.flash = Some(format!(
            "Replaying {} requests, paced by the budget · Esc stops",
            picked.len()
        ));
        let run = Run::sequence(requests, Settings::default());
        let first = pairs.first().map_or(self.selected, |p| p.1);
        self.start(Activity {
            run,
            kind: Kind::ReplayAll,
            entry: first,
            pairs,
            waiting: None,
            done: 0,
            ticket: None,
            answered: false,
            renew: None,
            renewed: false,
            renewing: false,
            transport: None,
        })
    }

    /// Starts a run, replacing any other (and its request on the wire).
    fn start(&mut self, activity: Activity) -> Vec<Cmd> {
        if activity.ticket.is_none() {
            // Anything else the user starts ends a collection plan.
            self.plan = None;
        }
        let mut cmds = self.cancel_quietly();
        let mut activity = activity;
        if let Some(e) = self.entries.get(activity.entry) {
            // The demo's and a recording's choice of dialect goes with
            // every send of the entry (its pages, its retries).
            let chosen = e
                .dialect
                .as_deref()
                .or_else(|| e.exchange.as_ref().and_then(|x| x.dialect.as_deref()));
            activity.run.choose_dialect(chosen);
        }
        self.activity = Some(activity);
        cmds.extend(self.step());
        cmds
    }

    /// Asks the run what to do now, and does it.
    fn step(&mut self) -> Vec<Cmd> {
        let Some(act) = self.activity.as_mut() else {
            return Vec::new();
        };
        match act.run.next(&self.engine, self.now) {
            Step::Send(out) => {
                act.waiting = None;
                let dialect = act.run.dialect().map(str::to_owned);
                let cookies = act.run.cookie_jar();
                let entry = self.entry_for(&out);
                let id = self.next_id;
                self.next_id += 1;
                if let Some(a) = self.activity.as_mut() {
                    a.entry = entry;
                }
                self.in_flight = Some(InFlight {
                    id,
                    entry,
                    started: self.now,
                    given: Some(Box::new(out.request.clone())),
                });
                if !out.stripped.is_empty() {
                    let host = out
                        .request
                        .url
                        .as_deref()
                        .and_then(|u| url::Url::parse(u).ok())
                        .and_then(|u| u.host_str().map(str::to_owned))
                        .unwrap_or_default();
                    self.flash = Some(out.stripped.describe(&host));
                }
                let dialect_hint = api_key(&out.request)
                    .and_then(|k| self.dialects.get(&k).cloned())
                    .flatten();
                let transport = self.activity.as_ref().and_then(|a| a.transport.clone());
                self.entries[entry].transport.clone_from(&transport);
                vec![Cmd::Send {
                    id,
                    line: self.entries[entry].line.clone(),
                    request: out.request,
                    dialect_hint,
                    dialect,
                    secrets: self.secrets.clone(),
                    cookies,
                    transport,
                }]
            }
            Step::Wait { until, why } => {
                act.waiting = Some((until, why));
                vec![Cmd::WakeAt(until)]
            }
            Step::Busy => Vec::new(),
            Step::Done(stop) => {
                let answer = self.activity.as_ref().and_then(|a| {
                    let ticket = a.ticket.clone()?;
                    let ex = self.entries[a.entry].exchange.as_ref()?;
                    a.answered.then(|| (ticket, (**ex).clone(), a.entry))
                });
                self.finish(&stop);
                // The collection run takes the answer; a request waiting
                // for it goes next.
                if let Some((ticket, ex, entry)) = answer
                    && let Some(c) = self.collection.as_mut()
                {
                    c.run
                        .received(&ticket, ex, &crate::collection::vars::System);
                    // What its scripts did: tests join its `??` lines, the
                    // rest shows in its Overview's Script section.
                    let reports = c.run.take_reports();
                    if let Some(flash) = self.entries[entry].scripts(&reports) {
                        self.flash = Some(flash);
                    }
                }
                if self.plan.is_some() {
                    self.advance_plan()
                } else if self.run_all.is_some() {
                    let sent = self
                        .run_all
                        .as_mut()
                        .map(|r| std::mem::take(&mut r.sent_first))
                        .unwrap_or_default();
                    self.run_all_record(&sent);
                    self.run_all_next()
                } else {
                    Vec::new()
                }
            }
        }
    }

    /// The entry a request of the run belongs to: the same one for a
    /// retry after a 429; a new page entry for each page.
    fn entry_for(&mut self, out: &driver::Outgoing) -> usize {
        let Some(act) = self.activity.as_ref() else {
            return self.selected;
        };
        match act.kind {
            Kind::Send | Kind::Retry => act.entry,
            Kind::ReplayAll => act
                .pairs
                .get(out.number as usize)
                .map_or(act.entry, |p| p.1),
            Kind::NextPage | Kind::AllPages if out.attempt > 0 => act.entry,
            Kind::NextPage | Kind::AllPages => {
                let source = act.entry;
                let source_line = self.entries[source].line.clone();
                let line = if out.stripped.is_empty() {
                    crate::line::next_page_line(
                        &source_line,
                        out.request.url.as_deref().unwrap_or(""),
                    )
                } else {
                    // The credentials were dropped: the line says so.
                    crate::items::to_words(&out.request)
                        .iter()
                        .map(|w| quote(w))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                // "envelope: boards · page 3", so a run of pages reads as one.
                let label = self.entries[source].label.as_deref().map(|l| {
                    let base = l.split(" · page ").next().unwrap_or(l);
                    format!("{base} · page {}", out.number)
                });
                self.entries.push(Entry::new(&line, label.as_deref()));
                let i = self.entries.len() - 1;
                // Follow the run while the user watches it.
                if self.selected == source {
                    self.select(i);
                }
                i
            }
        }
    }

    /// A Tick: a run waiting for its time asks again.
    pub(super) fn tick(&mut self) -> Vec<Cmd> {
        let due = self
            .activity
            .as_ref()
            .is_some_and(|a| a.waiting.is_some_and(|(until, _)| until <= self.now));
        if due && self.in_flight.is_none() {
            if let Some(a) = self.activity.as_mut() {
                a.waiting = None;
            }
            return self.step();
        }
        Vec::new()
    }

    /// A response: into its entry, into the run, then the next step.
    pub(super) fn response(
        &mut self,
        id: u64,
        exchange: Exchange,
        mut diagnosis: Diagnosis,
        at: Instant,
    ) -> Vec<Cmd> {
        self.now = at;
        let Some(flight) = self.in_flight.take_if(|f| f.id == id) else {
            // A cancelled request's late answer.
            return Vec::new();
        };
        if diagnosis.dialect != crate::decode::profile::GENERIC
            && let Some(k) = exchange.request.as_ref().and_then(api_key)
        {
            let seen = self
                .dialects
                .entry(k)
                .or_insert_with(|| Some(diagnosis.dialect.clone()));
            if seen.as_deref() != Some(diagnosis.dialect.as_str()) {
                *seen = None;
            }
        }
        let received = match self.activity.as_mut() {
            Some(a) => a
                .run
                .received(&mut self.engine, at, &exchange, &diagnosis, &self.profiles),
            None => {
                if let Some(r) = &exchange.request {
                    self.engine
                        .record(r, at, &exchange, &diagnosis, &self.profiles);
                }
                Received::Ignored
            }
        };
        if let Some(a) = self.activity.as_mut()
            && a.entry == flight.entry
        {
            a.answered = true;
        }
        let refused = exchange.response.status == Some(401);
        let mut exchange = exchange;
        if let Some(a) = self.activity.as_mut()
            && a.entry == flight.entry
            && std::mem::take(&mut a.renewed)
        {
            let note = "The first answer was 401 with the cached OAuth2 token: the token was renewed and the request sent again";
            exchange.response.notes.insert(0, note.into());
            diagnosis.notes.insert(0, note.into());
        }
        self.entries[flight.entry].set_response(exchange, diagnosis);
        self.entries[flight.entry].given = flight.given;
        // A 401 to a collection's request that carried an OAuth 2.0
        // token: the token renewed once (refreshed, or fetched anew) and
        // the request sent again, as the CLI does.
        // (Off the UI thread: the token endpoint may be slow.)
        if refused
            && let Some(a) = self.activity.as_mut()
            && a.entry == flight.entry
            && let Some(old) = a.renew.take()
        {
            a.renewing = true;
            self.flash =
                Some("The OAuth2 token was refused (401): renewing it · Esc cancels".into());
            return vec![Cmd::Renew {
                entry: flight.entry,
                resolved: old,
            }];
        }
        self.answered(flight.entry, received)
    }

    /// A renewal after a 401 ended: the request sent again with its new
    /// tokens, or (none) the 401 stands.
    pub(super) fn renewal_done(
        &mut self,
        entry: usize,
        new: Result<Box<crate::collection::vars::Resolved>, String>,
    ) -> Vec<Cmd> {
        // (Cancelled meanwhile, or another run: nothing to do.)
        let Some(a) = self
            .activity
            .as_mut()
            .filter(|a| a.entry == entry && a.renewing)
        else {
            return Vec::new();
        };
        a.renewing = false;
        let new = match new {
            Ok(new) => new,
            Err(why) => {
                self.flash = Some(crate::report::sanitize(
                    &format!("The OAuth2 token was refused (401), and not renewed: {why}"),
                    false,
                ));
                return self.answered(entry, Received::Ignored);
            }
        };
        if let Some(c) = self.collection.as_mut() {
            c.run.keep_secrets(&new.secrets);
            self.secrets = c.run.secrets();
        }
        a.transport = new.transport.clone().map(Box::new);
        a.run = Run::once(new.request)
            .with_secrets(new.secrets)
            .with_dialect(new.dialect)
            .without_cookie_jar(new.no_cookie_jar);
        a.answered = false;
        a.renewed = true;
        self.flash = Some(
            "The OAuth2 token was refused (401): renewed once, and the request sent again".into(),
        );
        self.step()
    }

    /// An OAuth 2.0 token fetch ended: the plan that waited for it goes
    /// on (unless it was cancelled, or another run started meanwhile).
    pub(super) fn token_fetched(
        &mut self,
        key: String,
        result: Result<apiscope_core::auth::oauth2::Token, String>,
    ) -> Vec<Cmd> {
        if self.fetching.take().as_ref() != Some(&key)
            || self.plan.is_none()
            || self.activity.is_some()
            || self.in_flight.is_some()
        {
            return Vec::new();
        }
        self.tokens.insert(key, result);
        self.flash = None;
        self.advance_plan()
    }

    /// A response settled in its entry: its `??` assertions checked, and
    /// the run's next step.
    fn answered(&mut self, entry: usize, received: Received) -> Vec<Cmd> {
        if let (Origin::Collection { file, index }, Some(c)) =
            (self.entries[entry].origin.clone(), self.collection.as_ref())
            && let Some(r) = c.run.files().get(file).and_then(|f| f.requests.get(index))
            && !r.asserts.is_empty()
        {
            let asserts = r.asserts.clone();
            self.entries[entry].check(&asserts);
        }
        if entry == self.selected {
            self.scroll = 0;
            self.hscroll = 0;
            self.search = None;
        }
        if let Some(a) = self.activity.as_mut() {
            match received {
                Received::Accepted { .. } => {
                    a.done += 1;
                    if a.kind == Kind::ReplayAll {
                        self.flash = Some(format!(
                            "Replaying: {} of {} sent · Esc stops",
                            a.done,
                            a.pairs.len()
                        ));
                    }
                }
                Received::Rejected { attempt, .. }
                    if a.kind != Kind::Send && a.run.stopped().is_none() =>
                {
                    self.flash = Some(format!(
                        "429 Too Many Requests: waiting to retry (attempt {attempt} of {}) · Esc stops",
                        a.run.settings().max_retries
                    ));
                }
                _ => {}
            }
        }
        self.step()
    }

    /// The run ended: say how, and for a replay show recorded vs live.
    fn finish(&mut self, stop: &Stop) {
        let Some(act) = self.activity.take() else {
            return;
        };
        match act.kind {
            Kind::Send => {}
            Kind::NextPage => {
                if !matches!(stop, Stop::MaxPages(_) | Stop::LastPage) {
                    self.flash = Some(capitalise(&stop.describe()));
                }
            }
            Kind::Retry => {
                if stop.is_failure() {
                    self.flash = Some(capitalise(&stop.describe()));
                }
            }
            Kind::AllPages => {
                self.flash = Some(format!(
                    "All pages: {} fetched; {}",
                    act.done,
                    stop.describe()
                ));
            }
            Kind::ReplayAll => self.finish_replay(&act.pairs, stop),
        }
    }

    fn finish_replay(&mut self, pairs: &[(usize, usize)], stop: &Stop) {
        use super::diff::Kind as K;
        let outcome = |e: &Entry| {
            e.diagnosis.as_ref().map(|d| {
                (
                    d.status,
                    d.dialect.clone(),
                    d.error.as_ref().and_then(|x| x.code.clone()),
                )
            })
        };
        let show = |o: &Option<(Option<u16>, String, Option<String>)>| match o {
            None => "(not recorded)".to_owned(),
            Some((s, d, c)) => format!(
                "{} {} {}",
                s.map_or("—".into(), |s| s.to_string()),
                d,
                c.as_deref().unwrap_or("—")
            ),
        };
        let mut lines = vec![(
            K::Title,
            format!(
                "{:<4} {:<48} {:<36} {:<36}",
                "#", "request", "recorded", "live"
            ),
        )];
        let mut differ = 0;
        for (orig, live) in pairs {
            let (r, l) = (outcome(&self.entries[*orig]), outcome(&self.entries[*live]));
            let same = match (
                &self.entries[*orig].diagnosis,
                &self.entries[*live].diagnosis,
            ) {
                (Some(a), Some(b)) => a.same_outcome(b),
                _ => false,
            };
            if !same {
                differ += 1;
            }
            let what = crate::line::short_request(&self.entries[*orig].line);
            lines.push((
                if same { K::Same } else { K::Old },
                format!(
                    "{:<4} {:<48} {:<36} {:<36} {}",
                    orig + 1,
                    what.chars().take(48).collect::<String>(),
                    show(&r),
                    show(&l),
                    if same { "same" } else { "DIFFERENT" }
                ),
            ));
        }
        lines.push((K::Note, String::new()));
        if *stop != Stop::Finished {
            lines.push((K::Old, format!("The replay {}", stop.describe())));
        }
        lines.push((
            K::Note,
            format!(
                "{differ} of {} differ in status, dialect or error code · select a live entry and its original, d d to diff them",
                pairs.len()
            ),
        ));
        self.flash = Some(format!("Replay done: {differ} of {} differ", pairs.len()));
        self.modal = Some(Modal::Overlay(Overlay::new(
            "Replay: recorded vs live",
            lines,
        )));
    }

    /// Stops the run and the request on the wire, without a message.
    fn cancel_quietly(&mut self) -> Vec<Cmd> {
        if let Some(mut a) = self.activity.take() {
            a.run.cancel();
        }
        match self.in_flight.take() {
            Some(f) => vec![Cmd::Cancel(f.id)],
            None => Vec::new(),
        }
    }

    /// Esc: the jq filter, else the run and the request on the wire.
    pub(super) fn cancel_all(&mut self) -> Vec<Cmd> {
        if self.jq_running {
            self.jq_running = false;
            self.flash = Some("jq filter stopped".into());
            return vec![Cmd::CancelJq];
        }
        let had = self.in_flight.is_some() || self.activity.is_some() || self.fetching.is_some();
        self.plan = None;
        self.fetching = None;
        self.tokens.clear();
        self.search = None;
        let cmds = self.cancel_quietly();
        if had {
            self.flash = Some("Cancelled".into());
            if self.focus == Focus::Editor {
                self.focus = Focus::List;
            }
        }
        cmds
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn c_label(e: &super::entry::Entry) -> String {
    e.label.clone().unwrap_or_else(|| e.line.clone())
}

/// `R` on a collection: a file's requests run in order, and what came of
/// each.
#[derive(Debug, Clone)]
pub struct RunAll {
    /// What runs, for the results' title (a file, or a folder).
    pub name: String,
    /// The names of the collection's files, by index.
    pub files: Vec<String>,
    /// The requests still to run, in order.
    pub queue: Vec<RequestId>,
    /// The requests run so far (a dependency counts once).
    pub done: Vec<RequestId>,
    /// One line per request run (with its file), in the order they were
    /// sent.
    pub results: Vec<(usize, RunLine)>,
    /// The request being run.
    pub goal: Option<RequestId>,
    /// What the goal's plan sent first.
    pub sent_first: Vec<RequestId>,
    /// When the run started.
    pub started: Instant,
}

/// One request's result in a file's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLine {
    /// Whether it passed: answered, no test or script failed.
    pub passed: bool,
    /// `✔ 200  Login · 2 tests`.
    pub head: String,
    /// Each failure (a test and what came, a script's error, why it was
    /// not sent).
    pub details: Vec<String>,
    /// The request's entry in the list: Enter on the line shows it.
    pub entry: usize,
}

/// What an entry of the run shows as its result line.
fn run_line(e: &Entry, entry: usize) -> RunLine {
    let name = e.label.clone().unwrap_or_else(|| e.line.clone());
    let mut details = Vec::new();
    if let Some(p) = &e.problem {
        return RunLine {
            passed: false,
            head: format!("✘ ---  {name}"),
            details: vec![p.clone()],
            entry,
        };
    }
    let Some(ex) = e.exchange.as_deref() else {
        return RunLine {
            passed: false,
            head: format!("✘ ---  {name}"),
            details: vec!["no answer".into()],
            entry,
        };
    };
    if let Some(f) = &ex.failure {
        details.push(format!("not answered: {}", f.message));
    }
    let failed_tests: Vec<&super::entry::TestLine> =
        e.tests.iter().filter(|t| t.passed != Some(true)).collect();
    for t in &failed_tests {
        details.push(if t.actual.is_empty() {
            t.text.clone()
        } else {
            format!("{}: {}", t.text, t.actual)
        });
    }
    let script_errors: Vec<&String> = e
        .script
        .iter()
        .filter(|l| l.contains(" failed: ") || l.contains("not run:"))
        .collect();
    details.extend(script_errors.iter().map(|l| (*l).clone()));
    let passed = ex.failure.is_none()
        && failed_tests.is_empty()
        && !e.script.iter().any(|l| l.contains(" failed: "));
    let status = ex
        .response
        .status
        .map_or_else(|| "---".to_owned(), |s| s.to_string());
    let tests = match e.tests.len() {
        0 => String::new(),
        1 => " · 1 test".into(),
        n => format!(" · {n} tests"),
    };
    RunLine {
        passed,
        head: format!("{} {status}  {name}{tests}", if passed { "✔" } else { "✘" }),
        details,
        entry,
    }
}

/// A resolved request to keep for one renewal: when it carries an OAuth
/// 2.0 token (`{{$auth.token(…)}}`).
fn renewable(
    resolved: &crate::collection::vars::Resolved,
) -> Option<Box<crate::collection::vars::Resolved>> {
    resolved
        .sources
        .iter()
        .any(|(_, s)| matches!(s, crate::collection::vars::Source::OAuth2 { .. }))
        .then(|| Box::new(resolved.clone()))
}
