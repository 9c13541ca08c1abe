//! Editing a `.http` collection from the TUI: saving an edited request back
//! into its file (only its lines change), new, duplicate, rename and
//! delete, `$EDITOR` at the request's line, adding any request to a file
//! (`+`, credentials to the private env file), and taking in a file that
//! changed on disk without ever dropping an unsaved edit.
//!
//! The app decides what the file's new text is; the event loop writes it
//! (only if the file still holds what the edit was made on) and answers
//! with `Msg::FileWritten`. A file that did not parse completely is never
//! written.

use super::action::Action;
use super::app::{App, Cmd, Focus};
use super::collection::Collections;
use super::entry::{Entry, Origin};
use super::modal::confirm::Confirm;
use super::modal::prompt::{Prompt, Purpose};
use super::modal::{Modal, Outcome};
use crate::collection::vars::Environments;
use crate::collection::{HttpRequest, render};
use std::path::PathBuf;

/// What to do once a collection file is written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AfterWrite {
    /// The request (of that file) to select.
    pub select: Option<usize>,
    /// The request whose unsaved edit was saved (its draft goes).
    pub saved: Option<usize>,
    /// Open the line editor on it.
    pub edit: bool,
    /// What to tell the user.
    pub message: String,
    /// After a rename: (old, new) name, to offer to update what refers to
    /// the old one.
    pub references: Option<(String, String)>,
}

/// Why a collection file was not written, or its new text.
pub type WriteResult = Result<String, super::collection::WriteError>;

/// The request line a new request starts with: the selected request's
/// base (`{{host}}/`, `https://api.example.com/`), else a placeholder.
fn base_of(url: &str) -> String {
    if let Some(crate::template::Piece::Var(v)) = crate::template::pieces(url).next() {
        return format!("{}/", v.raw);
    }
    match url::Url::parse(url) {
        Ok(u) if u.has_host() => format!("{}/", u.origin().ascii_serialization()),
        _ => "https://example.com/".into(),
    }
}

/// A request name that `{{NAME.response…}}` can refer to.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

impl App {
    /// The selected entry's collection file and request, when it is one.
    fn collection_target(&self) -> Option<(usize, Option<usize>)> {
        match self.entries[self.selected].origin {
            Origin::Collection { file, index } => Some((file, Some(index))),
            Origin::Broken { file, .. } => Some((file, None)),
            _ => None,
        }
    }

    /// Keeps the line editor's text as the selected entry's draft.
    fn sync_draft(&mut self) {
        let text = self.editor.text().to_owned();
        if let Some(cur) = self.entries.get_mut(self.selected) {
            cur.draft = (text != cur.line).then_some(text);
        }
    }

    /// Why `file` may not be written, if it may not.
    fn refuse_write(&self, file: usize) -> Option<String> {
        let c = self.collection.as_ref()?;
        let f = c.files().get(file)?;
        f.problems.first().map(|p| {
            format!(
                "Not saved: {} does not parse completely ({p}); it is never written back: fix it in the file (Ctrl-E)",
                f.path.display()
            )
        })
    }

    /// `Ctrl-S`: the edited request line saved back into its file.
    pub(super) fn save_request(&mut self) -> Vec<Cmd> {
        let Some((file, Some(index))) = self.collection_target() else {
            self.flash = Some(
                "Ctrl-S saves a .http request into its file; + adds this request to a .http file"
                    .into(),
            );
            return Vec::new();
        };
        if let Some(why) = self.refuse_write(file) {
            self.flash = Some(why);
            return Vec::new();
        }
        let Some(c) = self.collection.as_ref() else {
            return Vec::new();
        };
        let f = &c.files()[file];
        let old = &f.requests[index];
        let new = match old.with_line(self.editor.text()) {
            Ok(n) => n,
            Err(e) => {
                self.flash = Some(format!("Not saved: {e}"));
                return Vec::new();
            }
        };
        let text = f.replace(index, &new);
        // What would not read back as this request is never written: the
        // selection, the editor and the file stay as they are.
        let back = crate::collection::parse_lenient(&f.path, &text);
        if back.requests.len() != f.requests.len() || back.problems.len() > f.problems.len() {
            let why = back
                .problems
                .iter()
                .find(|p| !f.problems.contains(p))
                .map_or_else(
                    || "the file would not read back with the same requests".to_owned(),
                    |p| format!("line {}: {}", p.line, p.message),
                );
            self.flash = Some(format!(
                "Not saved: the edit would not read back as a request ({})",
                crate::report::sanitize(&why, false)
            ));
            return Vec::new();
        }
        if text == f.text {
            let line = self.entries[self.selected].line.clone();
            self.entries[self.selected].draft = None;
            self.editor = super::input::LineInput::new(&line);
            self.flash = Some(format!(
                "No change to save: '{}' is as in {}",
                old.label(),
                f.path.display()
            ));
            return Vec::new();
        }
        vec![Cmd::WriteFile {
            file,
            path: f.path.clone(),
            base: f.text.clone(),
            text,
            extra: Vec::new(),
            after: AfterWrite {
                select: Some(index),
                saved: Some(index),
                edit: false,
                message: format!(
                    "Saved '{}' to {} (only its lines changed)",
                    new.label(),
                    f.path.display()
                ),
                ..AfterWrite::default()
            },
        }]
    }

    /// `n`: asks the new request's name.
    pub(super) fn new_request(&mut self) {
        let Some(c) = self.collection.as_ref() else {
            self.flash = Some(
                "No collection open: n adds a request to a .http file (apiscope open api.http); + adds this request to one"
                    .into(),
            );
            return;
        };
        let (file, after) = self.collection_target().unwrap_or((0, None));
        let after = after.or_else(|| c.files().get(file)?.requests.len().checked_sub(1));
        let Some(f) = c.files().get(file) else {
            return;
        };
        self.modal = Some(Modal::Prompt(Prompt::new(
            format!("New request in {}", f.path.display()),
            "Its name (@name: letters, digits, _ - .) · Enter adds it and opens its line".into(),
            "",
            Purpose::New { file, after },
        )));
    }

    /// `D`: asks the copy's name.
    pub(super) fn duplicate_request(&mut self) {
        let Some((file, Some(index))) = self.collection_target() else {
            self.flash = Some("D duplicates a request of a .http collection".into());
            return;
        };
        let Some(c) = self.collection.as_ref() else {
            return;
        };
        let r = &c.files()[file].requests[index];
        let base = r.name.clone().unwrap_or_else(|| "request".into());
        let taken = |n: &str| {
            c.files()[file]
                .requests
                .iter()
                .any(|r| r.name.as_deref() == Some(n))
        };
        let name = (1..1000)
            .map(|i| {
                if i == 1 {
                    format!("{base}-copy")
                } else {
                    format!("{base}-copy-{i}")
                }
            })
            .find(|n| !taken(n))
            .unwrap_or_default();
        self.modal = Some(Modal::Prompt(Prompt::new(
            format!("Duplicate '{}'", r.label()),
            "The copy's name · Enter adds it after this one".into(),
            &name,
            Purpose::Duplicate { file, index },
        )));
    }

    /// `F2`: asks the new name.
    pub(super) fn rename_request(&mut self) {
        let Some((file, Some(index))) = self.collection_target() else {
            self.flash = Some("F2 renames a request of a .http collection".into());
            return;
        };
        let Some(c) = self.collection.as_ref() else {
            return;
        };
        let r = &c.files()[file].requests[index];
        self.modal = Some(Modal::Prompt(Prompt::new(
            format!("Rename '{}'", r.label()),
            "Its @name · Enter saves it into the file".into(),
            r.name.as_deref().unwrap_or(""),
            Purpose::Rename { file, index },
        )));
    }

    /// After a rename: the places that still refer to the old name
    /// (`{{login.response…}}`), and the offer to update them.
    fn offer_references(&mut self, file: usize, old: String, new: String) {
        let Some(f) = self.collection.as_ref().and_then(|c| c.files().get(file)) else {
            return;
        };
        let (_, n) = f.rename_references(&old, &new);
        if n == 0 {
            return;
        }
        let places = if n == 1 { "1 place" } else { "places" };
        let count = if n == 1 {
            String::new()
        } else {
            format!("{n} ")
        };
        self.modal = Some(Modal::Confirm(Confirm {
            title: "Update what refers to it?".into(),
            lines: vec![
                format!(
                    "{count}{places} in {} still refer to '{old}' ({{{{{old}.response…}}}}): they will not resolve.",
                    f.path.display()
                ),
                format!("Update them to '{new}'? Only those placeholders change."),
            ],
            action: Action::Rename,
            keys: "y updates them · any other key leaves them".into(),
            cancelled: format!("Left as they are: they still refer to '{old}'"),
        }));
        self.pending_references = Some((file, old, new));
    }

    /// The yes to [`App::offer_references`]: the placeholders rewritten.
    pub(super) fn update_references(&mut self) -> Vec<Cmd> {
        let Some((file, old, new)) = self.pending_references.take() else {
            return Vec::new();
        };
        if let Some(why) = self.refuse_write(file) {
            self.flash = Some(why);
            return Vec::new();
        }
        let Some(f) = self.collection.as_ref().and_then(|c| c.files().get(file)) else {
            return Vec::new();
        };
        let (text, n) = f.rename_references(&old, &new);
        let select = match self.entries[self.selected].origin {
            Origin::Collection { file: sf, index } if sf == file => Some(index),
            _ => None,
        };
        vec![Cmd::WriteFile {
            file,
            path: f.path.clone(),
            base: f.text.clone(),
            text,
            extra: Vec::new(),
            after: AfterWrite {
                select,
                message: format!(
                    "Updated {n} reference{} from '{old}' to '{new}'",
                    if n == 1 { "" } else { "s" }
                ),
                ..AfterWrite::default()
            },
        }]
    }

    /// `X` on a block that does not parse: removes its lines (the one
    /// write such a file gets), after asking.
    fn delete_broken(&mut self, file: usize, line: usize, confirmed: bool) -> Vec<Cmd> {
        let Some(f) = self.collection.as_ref().and_then(|c| c.files().get(file)) else {
            return Vec::new();
        };
        let Some(i) = f.problems.iter().position(|p| p.line == line) else {
            return Vec::new();
        };
        let range = f.broken[i].clone();
        let first = f.text[..range.start].matches('\n').count() + 1;
        let last = f.text[..range.end].trim_end().matches('\n').count() + 1;
        if !confirmed {
            self.modal = Some(Modal::Confirm(Confirm {
                title: "Delete the block that does not parse?".into(),
                lines: vec![
                    format!(
                        "Lines {first}–{last} of {} are removed; the rest of the file stays as it is.",
                        f.path.display()
                    ),
                    format!("Why it does not parse: {}", f.problems[i].message),
                ],
                action: Action::Delete,
                keys: "y deletes · any other key keeps it".into(),
                cancelled: "Nothing deleted".into(),
            }));
            return Vec::new();
        }
        vec![Cmd::WriteFile {
            file,
            path: f.path.clone(),
            base: f.text.clone(),
            text: f.remove_broken(i),
            extra: Vec::new(),
            after: AfterWrite {
                message: format!("Deleted lines {first}–{last} from {}", f.path.display()),
                ..AfterWrite::default()
            },
        }]
    }

    /// `X` or `u` on an unsaved edit whose request left its file: the row
    /// goes, after asking.
    fn drop_orphan(&mut self, confirmed: bool) {
        if !confirmed {
            self.modal = Some(Modal::Confirm(Confirm {
                title: "Drop this unsaved edit?".into(),
                lines: vec![
                    "Its request is not in the file any more; the edit is only here.".into(),
                    "+ adds it to a .http file instead.".into(),
                ],
                action: Action::Delete,
                keys: "y drops it · any other key keeps it".into(),
                cancelled: "Kept".into(),
            }));
            return;
        }
        let at = self.selected;
        self.entries.remove(at);
        if self.entries.is_empty() {
            self.entries
                .push(super::entry::Entry::new("GET https://", None));
        }
        let next = at.min(self.entries.len() - 1);
        // (select() keeps the editor of the row it leaves: none now.)
        self.selected = next;
        let e = &self.entries[next];
        self.editor = super::input::LineInput::new(e.draft.as_deref().unwrap_or(&e.line));
        self.flash = Some("Unsaved edit dropped".into());
    }

    /// `X`: deletes the request from its file, after asking.
    pub(super) fn delete_request(&mut self, confirmed: bool) -> Vec<Cmd> {
        match self.entries[self.selected].origin {
            Origin::Broken { file, line, .. } => return self.delete_broken(file, line, confirmed),
            Origin::Orphan => {
                self.drop_orphan(confirmed);
                return Vec::new();
            }
            _ => {}
        }
        let Some((file, Some(index))) = self.collection_target() else {
            self.flash = Some("X deletes a request of a .http collection from its file".into());
            return Vec::new();
        };
        if let Some(why) = self.refuse_write(file) {
            self.flash = Some(why);
            return Vec::new();
        }
        let Some(c) = self.collection.as_ref() else {
            return Vec::new();
        };
        let f = &c.files()[file];
        let r = &f.requests[index];
        if !confirmed {
            let first = f.text[..r.layout.own_start].matches('\n').count() + 1;
            let last = f.text[..r.span.end].trim_end().matches('\n').count() + 1;
            self.modal = Some(Modal::Confirm(Confirm {
                title: "Delete the request?".into(),
                lines: vec![format!(
                    "'{}' is removed from {} (lines {first}–{last}); the rest of the file stays as it is.",
                    r.label(),
                    f.path.display()
                )],
                action: Action::Delete,
                keys: "y deletes · any other key keeps it".into(),
                cancelled: "Nothing deleted".into(),
            }));
            return Vec::new();
        }
        let text = f.remove(index);
        let left = f.requests.len() - 1;
        vec![Cmd::WriteFile {
            file,
            path: f.path.clone(),
            base: f.text.clone(),
            text,
            extra: Vec::new(),
            after: AfterWrite {
                select: (left > 0).then(|| index.min(left - 1)),
                saved: None,
                edit: false,
                message: format!("Deleted '{}' from {}", r.label(), f.path.display()),
                ..AfterWrite::default()
            },
        }]
    }

    /// `Ctrl-E`: the request's file in `$EDITOR`, at its line.
    pub(super) fn open_in_editor(&mut self) -> Vec<Cmd> {
        let Some(c) = self.collection.as_ref() else {
            self.flash = Some("Ctrl-E opens a .http collection's file in $EDITOR".into());
            return Vec::new();
        };
        let line = match &self.entries[self.selected].origin {
            Origin::Collection { file, index } => {
                Some((*file, c.files()[*file].requests[*index].line))
            }
            Origin::Broken { file, line, .. } => Some((*file, *line)),
            _ => None,
        };
        let Some((file, line)) = line else {
            self.flash = Some("Ctrl-E opens a .http collection's file in $EDITOR".into());
            return Vec::new();
        };
        let path = c.files()[file].path.clone();
        self.sync_draft();
        vec![Cmd::EditFile { path, line }]
    }

    /// `u`: drops the selected request's unsaved edit; confirmed (after a
    /// conflict), every unsaved edit of the file that changed.
    pub(super) fn revert(&mut self, confirmed: bool) {
        if confirmed && let Some(file) = self.conflict_file.take() {
            let mut n = 0;
            for e in &mut self.entries {
                if matches!(e.origin, Origin::Collection { file: f, .. } if f == file)
                    && e.draft.take().is_some()
                {
                    n += 1;
                }
            }
            if matches!(self.entries[self.selected].origin, Origin::Collection { file: f, .. } if f == file)
            {
                let line = self.entries[self.selected].line.clone();
                self.editor = super::input::LineInput::new(&line);
            }
            self.flash = Some(format!(
                "Took the file's version ({n} unsaved edit{} dropped)",
                if n == 1 { "" } else { "s" }
            ));
            return;
        }
        if self.entries[self.selected].origin == Origin::Orphan {
            self.drop_orphan(confirmed);
            return;
        }
        let line = self.entries[self.selected].line.clone();
        let had = self.editor.text() != line || self.entries[self.selected].draft.is_some();
        self.entries[self.selected].draft = None;
        self.editor = super::input::LineInput::new(&line);
        self.flash = Some(if had {
            "Edit dropped: the request line is as it was".into()
        } else {
            "No unsaved edit".into()
        });
    }

    /// `+`: asks which `.http` file to add the selected request to.
    pub(super) fn add_to_collection(&mut self) {
        if let Some((file, _)) = self.collection_target() {
            let path = self
                .collection
                .as_ref()
                .map(|c| c.files()[file].path.display().to_string())
                .unwrap_or_default();
            self.flash = Some(format!(
                "This request is in {path} already: D duplicates it"
            ));
            return;
        }
        let default = self
            .collection
            .as_ref()
            .and_then(|c| c.files().first())
            .map_or_else(|| "requests.http".into(), |f| f.path.display().to_string());
        self.modal = Some(Modal::Prompt(Prompt::new(
            "Add this request to a .http file".into(),
            "The file (created when missing) · credentials become {{variables}} in http-client.private.env.json beside it"
                .into(),
            &default,
            Purpose::AddTo {
                entry: self.selected,
            },
        )));
    }

    /// A prompt was answered.
    pub(super) fn prompted(&mut self, purpose: Purpose, text: String) -> Vec<Cmd> {
        if let Purpose::AddTo { entry } = purpose {
            return self.add_to_file(entry, &text);
        }
        let (Purpose::New { file, .. }
        | Purpose::Duplicate { file, .. }
        | Purpose::Rename { file, .. }) = purpose
        else {
            return Vec::new();
        };
        if !valid_name(&text) {
            self.flash = Some(format!(
                "'{text}' cannot be a request name: letters, digits, _ - . (it is how {{{{NAME.response…}}}} refers to it)"
            ));
            return Vec::new();
        }
        if let Some(why) = self.refuse_write(file) {
            self.modal = None;
            self.flash = Some(why);
            return Vec::new();
        }
        let Some(c) = self.collection.as_ref() else {
            return Vec::new();
        };
        let f = &c.files()[file];
        let same = |i: usize| f.requests[i].name.as_deref() == Some(text.as_str());
        let clash =
            (0..f.requests.len()).any(|i| same(i) && purpose != Purpose::Rename { file, index: i });
        if clash {
            self.flash = Some(format!(
                "{} has a request named '{text}' already",
                f.path.display()
            ));
            return Vec::new();
        }
        self.modal = None;
        let (text_new, after) = match purpose {
            Purpose::New { after, .. } => {
                let base = after
                    .and_then(|i| f.requests.get(i))
                    .map_or_else(|| "https://example.com/".into(), |r| base_of(&r.url));
                let mut r = HttpRequest::new("GET", &base);
                r.name = Some(text.clone());
                let at = after.map_or(f.requests.len(), |a| a + 1);
                (
                    f.insert(after, &render(&r)),
                    AfterWrite {
                        select: Some(at),
                        saved: None,
                        edit: true,
                        message: format!(
                            "New request '{text}' in {}: type its line, Ctrl-S saves it",
                            f.path.display()
                        ),
                        ..AfterWrite::default()
                    },
                )
            }
            Purpose::Duplicate { index, .. } => match f.duplicate(index, &text) {
                Ok(t) => (
                    t,
                    AfterWrite {
                        select: Some(index + 1),
                        saved: None,
                        edit: false,
                        message: format!(
                            "Duplicated '{}' as '{text}' in {}",
                            f.requests[index].label(),
                            f.path.display()
                        ),
                        ..AfterWrite::default()
                    },
                ),
                Err(e) => {
                    self.flash = Some(format!("Not duplicated: {e}"));
                    return Vec::new();
                }
            },
            Purpose::Rename { index, .. } => {
                let old = &f.requests[index];
                let mut r = old.clone();
                r.name = Some(text.clone());
                (
                    f.replace(index, &r),
                    AfterWrite {
                        select: Some(index),
                        saved: None,
                        edit: false,
                        message: format!("Renamed '{}' to '{text}'", old.label()),
                        references: old.name.clone().map(|o| (o, text.clone())),
                    },
                )
            }
            Purpose::AddTo { .. } => return Vec::new(),
        };
        vec![Cmd::WriteFile {
            file,
            path: f.path.clone(),
            base: f.text.clone(),
            text: text_new,
            extra: Vec::new(),
            after,
        }]
    }

    /// `+` answered: entry `entry`'s request appended to the `.http` file
    /// at `path`, its credentials moved to `{{variables}}` whose values go
    /// to the private env file beside it (the current environment's, else
    /// `$shared`).
    fn add_to_file(&mut self, entry: usize, path: &str) -> Vec<Cmd> {
        let lower = path.to_ascii_lowercase();
        if !lower.ends_with(".http") && !lower.ends_with(".rest") {
            self.flash = Some(format!("'{path}' is not a .http or .rest file"));
            return Vec::new();
        }
        let Some(e) = self.entries.get(entry) else {
            return Vec::new();
        };
        let typed = if entry == self.selected {
            self.editor.text().to_owned()
        } else {
            e.draft.clone().unwrap_or_else(|| e.line.clone())
        };
        // What was sent, else what the line says.
        let request = match (&e.exchange, App::parse_line(&typed)) {
            (_, Ok(r)) if typed != e.line || e.exchange.is_none() => r,
            (Some(x), _) if x.request.is_some() => x.request.clone().unwrap_or_default(),
            (_, Ok(r)) => r,
            (_, Err(err)) => {
                self.modal = None;
                self.flash = Some(format!("Not added: {err}"));
                return Vec::new();
            }
        };
        if request
            .headers
            .iter()
            .any(|(_, v)| v.contains(crate::secrets::MARK))
        {
            self.modal = None;
            self.flash = Some(
                "Not added: this recording's credentials were redacted when it was saved; add it from a live exchange"
                    .into(),
            );
            return Vec::new();
        }
        let path = PathBuf::from(path);
        let c = self.collection.get_or_insert_with(|| {
            let dir = crate::collection::run::dir_of(&path);
            let root = std::fs::canonicalize(&dir).unwrap_or(dir);
            Collections::of(Vec::new(), Vec::new(), root)
        });
        let file = match c.add_file(&path) {
            Ok(f) => f,
            Err(err) => {
                self.flash = Some(format!("Not added: {err}"));
                return Vec::new();
            }
        };
        self.modal = None;
        if let Some(why) = self.refuse_write(file) {
            self.flash = Some(why);
            return Vec::new();
        }
        let Some(c) = self.collection.as_ref() else {
            return Vec::new();
        };
        let f = &c.files()[file];
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        let private_path = dir.join("http-client.private.env.json");
        let (json, private) = match read_envs(&private_path) {
            Ok(p) => p,
            Err(err) => {
                self.flash = Some(format!("Not added: {err}"));
                return Vec::new();
            }
        };
        let env = c.env().map_or_else(|| "$shared".to_owned(), str::to_owned);
        let mut taken: std::collections::HashSet<String> = f
            .requests
            .iter()
            .filter_map(|r| r.name.clone())
            .chain(f.variables.iter().map(|v| v.name.clone()))
            .collect();
        taken.extend(private.values().flat_map(|m| m.keys().cloned()));
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut imported = crate::collection::import::add_requests(
            &stem,
            "the TUI",
            std::slice::from_ref(&request),
            &env,
            private.clone(),
            taken,
        );
        crate::collection::import::harden::harden(&mut imported);
        if !imported.files.is_empty() {
            self.modal = None;
            self.flash = Some(
                "Not added: its body holds lines a .http file would read as directives (###, >, <); save it as a session (S) and apiscope import it"
                    .into(),
            );
            return Vec::new();
        }
        let Some(mut r) = imported.requests.first().cloned() else {
            self.flash = Some("Not added: the request has no URL".into());
            return Vec::new();
        };
        r.title = None;
        let moved = imported
            .private_env
            .get(&env)
            .map_or(0, std::collections::BTreeMap::len)
            .saturating_sub(private.get(&env).map_or(0, std::collections::BTreeMap::len));
        let mut extra = Vec::new();
        if imported.private_env != private {
            // Only the new variables are added: every other byte of meaning
            // (numbers, objects, other environments, order) is kept.
            let mut json = json;
            let envs = json.as_object_mut();
            if let Some(envs) = envs {
                for (env_name, vars) in &imported.private_env {
                    let slot = envs
                        .entry(env_name.clone())
                        .or_insert_with(|| serde_json::Value::Object(Default::default()));
                    if let Some(obj) = slot.as_object_mut() {
                        for (k, v) in vars {
                            if !obj.contains_key(k) {
                                obj.insert(k.clone(), serde_json::Value::String(v.clone()));
                            }
                        }
                    }
                }
            }
            let mut t = serde_json::to_string_pretty(&json).unwrap_or_default();
            t.push('\n');
            extra.push((private_path.clone(), t));
        }
        let name = r.label();
        vec![
            Cmd::Watch(path.clone()),
            Cmd::WriteFile {
                file,
                path: path.clone(),
                base: f.text.clone(),
                text: f.insert(None, &render(&r)),
                extra,
                after: AfterWrite {
                    select: Some(f.requests.len()),
                    saved: None,
                    edit: false,
                    message: if moved > 0 {
                        format!(
                            "Added '{name}' to {}: {moved} credential{} moved to {} [{env}] as {{{{variables}}}}",
                            path.display(),
                            if moved == 1 { "" } else { "s" },
                            private_path.display()
                        )
                    } else {
                        format!("Added '{name}' to {}", path.display())
                    },
                    ..AfterWrite::default()
                },
            },
        ]
    }

    /// The event loop wrote (or did not write) a collection file.
    pub(super) fn written(
        &mut self,
        file: usize,
        result: WriteResult,
        envs: Option<Box<Environments>>,
        after: AfterWrite,
    ) -> Vec<Cmd> {
        if let (Some(c), Some(e)) = (self.collection.as_mut(), envs)
            && let Some(f) = c.files().get(file)
        {
            let dir = crate::collection::run::dir_of(&f.path);
            c.run.set_envs_of_dir(&dir, &e);
        }
        match result {
            Ok(text) => {
                let message = after.message.clone();
                let edit = after.edit;
                let references = after.references.clone();
                self.reload_file(file, &text, Some(after));
                self.flash = Some(message);
                if let Some((old, new)) = references {
                    self.offer_references(file, old, new);
                }
                // (Not while the reload waits for a request on the wire.)
                if edit && self.pending_files.is_empty() {
                    self.focus_before_edit = Focus::List;
                    self.focus = Focus::Editor;
                }
            }
            Err(super::collection::WriteError::Changed(now)) => {
                self.reload_file(file, &now, None);
                self.flash = Some(
                    "Not saved: the file changed on disk; it is reloaded and your edit is kept: Ctrl-S saves it over the new version"
                        .into(),
                );
            }
            Err(super::collection::WriteError::Io(e)) => {
                self.flash = Some(format!("Not saved: {e}"));
            }
        }
        Vec::new()
    }

    /// A collection file changed on disk (another editor, `Ctrl-E`): the
    /// collection takes it in, keeping the selection; an unsaved edit is
    /// kept, and the user chooses.
    pub(super) fn file_changed(&mut self, path: &std::path::Path, text: &str) {
        let Some(c) = self.collection.as_ref() else {
            return;
        };
        let Some(file) = c.file_of(path) else {
            self.env_file_changed(path);
            return;
        };
        if c.files()[file].text == text {
            return; // our own write, or nothing new
        }
        self.sync_draft();
        let drafted: Vec<String> = self
            .entries
            .iter()
            .filter(|e| {
                matches!(e.origin, Origin::Collection { file: f, .. } if f == file)
                    && e.draft.is_some()
            })
            .map(|e| e.label.clone().unwrap_or_else(|| e.line.clone()))
            .collect();
        self.reload_file(file, text, None);
        let shown = path.display().to_string();
        if drafted.is_empty() {
            self.flash = Some(format!("{shown} changed on disk: reloaded"));
            return;
        }
        self.conflict_file = Some(file);
        let list = drafted
            .iter()
            .map(|d| format!("'{d}'"))
            .collect::<Vec<_>>()
            .join(", ");
        if self.modal.is_some() {
            self.flash = Some(format!(
                "{shown} changed on disk: reloaded; your unsaved edit of {list} is kept (Ctrl-S saves it, u drops it)"
            ));
            return;
        }
        self.modal = Some(Modal::Confirm(Confirm {
            title: "The file changed on disk".into(),
            lines: vec![
                format!("{shown} was changed by another program and is reloaded."),
                format!(
                    "You have an unsaved edit of {list}: it is kept unless you take the file's version."
                ),
                "Keeping it: Ctrl-S writes your edit over that request in the new file.".into(),
            ],
            action: Action::Revert,
            keys: "y takes the file's version (drops your edit) · any other key keeps your edit"
                .into(),
            cancelled: "Your edit is kept: Ctrl-S saves it".into(),
        }));
    }

    /// An environment file beside the collection changed: the
    /// environments are read again (a broken file is said, and the ones
    /// read before stay).
    fn env_file_changed(&mut self, path: &std::path::Path) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !super::collection::ENV_FILES.contains(&name.as_str()) {
            return;
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."))
            .to_path_buf();
        let Some(c) = self.collection.as_mut() else {
            return;
        };
        self.flash = Some(match c.reload_envs(&dir) {
            Ok(0) => return,
            Ok(_) => format!("{name} changed on disk: environments reloaded"),
            Err(e) => format!("{e} (the environments read before are kept)"),
        });
    }

    /// Rebuilds the entries of `file` from its new text: each request
    /// keeps its response and unsaved edit (matched by name), the
    /// selection stays on the same request. Put off while a request is on
    /// the wire (entry numbers must not move under it).
    pub(super) fn reload_file(&mut self, file: usize, text: &str, after: Option<AfterWrite>) {
        if self.in_flight.is_some() || self.activity.is_some() || self.fetching.is_some() {
            self.pending_files.push((file, text.to_owned(), after));
            return;
        }
        self.sync_draft();
        // A question asked about this file's requests (a name for a copy,
        // a delete to confirm, an entry to add) is about what was there:
        // it is asked again rather than answered for another request.
        if after.is_none()
            && matches!(
                &self.modal,
                Some(
                    Modal::Prompt(_)
                        | Modal::Confirm(Confirm {
                            action: Action::Delete,
                            ..
                        })
                )
            )
        {
            self.modal = None;
            self.flash =
                Some("The file changed on disk: the question was closed, ask again".into());
        }
        let Some(c) = self.collection.as_mut() else {
            return;
        };
        let in_file = |o: &Origin| match o {
            Origin::Collection { file: f, .. } | Origin::Broken { file: f, .. } => *f == file,
            _ => false,
        };
        // The empty line put in when a file was left with no request goes
        // when requests come back.
        let mut cleared = false;
        if self.entries.len() == 1
            && self.entries[0].origin == Origin::Session
            && self.entries[0].label.is_none()
            && self.entries[0].exchange.is_none()
            && self.entries[0].line == "GET https://"
            && self.editor.text() == "GET https://"
        {
            self.entries.clear();
            self.selected = 0;
            cleared = true;
        }
        let positions: Vec<usize> = (0..self.entries.len())
            .filter(|&i| in_file(&self.entries[i].origin))
            .collect();
        let at = positions.first().copied().unwrap_or_else(|| {
            (0..self.entries.len())
                .rev()
                .find(|&i| {
                    matches!(
                        self.entries[i].origin,
                        Origin::Collection { .. } | Origin::Broken { .. }
                    )
                })
                .map_or(self.entries.len(), |i| i + 1)
        });
        let key = |c: &Collections, e: &Entry| match e.origin {
            Origin::Collection { index, .. } => {
                c.files()[file].requests.get(index).map(HttpRequest::label)
            }
            _ => None,
        };
        let mut old: Vec<(Option<String>, Option<usize>, Entry)> = Vec::new();
        for &p in positions.iter().rev() {
            let e = self.entries.remove(p);
            let index = match e.origin {
                Origin::Collection { index, .. } => Some(index),
                _ => None,
            };
            old.push((key(c, &e), index, e));
        }
        old.reverse();
        let old_count = old.iter().filter(|o| o.1.is_some()).count();
        let was_selected = positions.iter().position(|&p| p == self.selected);
        let selected_key = was_selected.and_then(|i| old[i].0.clone());
        c.reload(file, text);
        let fresh = c.entries_of(file);
        let new_count = c.files()[file].requests.len();
        let mut used = vec![false; old.len()];
        // Old position → new index in the file, for what followed an entry.
        let mut moved: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        let mut rebuilt = Vec::with_capacity(fresh.len());
        let mut new_selected = None;
        // The old entries by label (the first unused one of a label wins).
        let mut by_label: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::with_capacity(old.len());
        for (i, o) in old.iter().enumerate().rev() {
            if let Some(l) = &o.0 {
                by_label.entry(l.clone()).or_default().push(i);
            }
        }
        for (j, mut n) in fresh.into_iter().enumerate() {
            let label = match n.origin {
                Origin::Collection { index, .. } => Some(c.files()[file].requests[index].label()),
                _ => None,
            };
            let mut found = None;
            if let Some(v) = label.as_ref().and_then(|l| by_label.get_mut(l)) {
                while let Some(i) = v.pop() {
                    if !used[i] {
                        found = Some(i);
                        break;
                    }
                }
            }
            if found.is_none() && old_count == new_count && label.is_some() {
                found = old
                    .iter()
                    .position(|o| o.1 == Some(j))
                    .filter(|&i| !used[i]);
            }
            if let Some(i) = found {
                used[i] = true;
                moved.insert(positions[i], j);
                let o = &mut old[i].2;
                n.exchange = o.exchange.take();
                n.diagnosis = o.diagnosis.take();
                n.body = o.body.take();
                n.filtered = o.filtered.take();
                n.highlight = o.highlight.take();
                n.highlight_tried = o.highlight_tried;
                n.generation = o.generation;
                n.draft = o.draft.take().filter(|d| *d != n.line);
                if was_selected.is_some() && selected_key.is_some() && old[i].0 == selected_key {
                    new_selected = Some(j);
                }
            }
            if let (Some(a), Origin::Collection { index, .. }) = (&after, &n.origin)
                && a.saved == Some(*index)
            {
                n.draft = None;
            }
            rebuilt.push(n);
        }
        // An unsaved edit whose request is gone or renamed on disk is never
        // dropped: it stays as an entry of its own.
        let mut orphans = Vec::new();
        for (i, (label, _, e)) in old.iter_mut().enumerate() {
            if let (false, Some(draft)) = (used[i], e.draft.take()) {
                let was = label.clone().unwrap_or_else(|| "a request".into());
                let mut kept = Entry::new(
                    &draft,
                    Some(&format!("{was} (unsaved edit; not in the file now)")),
                );
                kept.origin = Origin::Orphan;
                kept.exchange = e.exchange.take();
                kept.diagnosis = e.diagnosis.take();
                kept.body = e.body.take();
                orphans.push((positions[i], kept));
            }
        }
        for (p, e) in orphans {
            moved.insert(p, rebuilt.len());
            rebuilt.push(e);
        }
        let inserted = rebuilt.len();
        let removed = positions.len();
        for (k, e) in rebuilt.into_iter().enumerate() {
            self.entries.insert(at + k, e);
        }
        if self.entries.is_empty() {
            self.entries.push(Entry::new("GET https://", None));
        }
        let remap = |i: usize| -> Option<usize> {
            if i < at {
                Some(i)
            } else if i >= at + removed {
                Some(i - removed + inserted)
            } else {
                None
            }
        };
        let target = match after.as_ref().and_then(|a| a.select) {
            Some(s) if s < inserted => at + s,
            _ if cleared => at,
            _ => match remap(self.selected).or_else(|| {
                new_selected
                    .is_none()
                    .then(|| moved.get(&self.selected).map(|j| at + j))
                    .flatten()
            }) {
                Some(i) => i,
                None => match (new_selected, was_selected) {
                    (Some(j), _) => at + j,
                    (None, Some(w)) if inserted > 0 => at + w.min(inserted - 1),
                    _ => at.min(self.entries.len() - 1),
                },
            },
        };
        let follow = |i: usize| remap(i).or_else(|| moved.get(&i).map(|j| at + j));
        self.diff_base = self.diff_base.and_then(follow);
        self.selected = usize::MAX;
        self.select(target.min(self.entries.len() - 1));
    }

    /// Reloads put off while a request was on the wire.
    pub(super) fn apply_pending_files(&mut self) {
        if self.in_flight.is_some() || self.activity.is_some() || self.fetching.is_some() {
            return;
        }
        for (file, text, after) in std::mem::take(&mut self.pending_files) {
            let message = after.as_ref().map(|a| a.message.clone());
            self.reload_file(file, &text, after);
            if let Some(m) = message {
                self.flash = Some(m);
            }
        }
    }

    /// Applies a modal's answer that concerns collections.
    pub(super) fn apply_collection(&mut self, outcome: Outcome) -> Vec<Cmd> {
        match outcome {
            Outcome::Prompted(p, t) => self.prompted(p, t),
            _ => Vec::new(),
        }
    }

    /// Resolves a line holding `{{…}}` (a history entry of a collection
    /// request) with the open collection's variables, in the current
    /// environment: the text to send and the secrets it took.
    pub(super) fn resolve_template(&self, line: &str) -> Result<(String, Vec<String>), String> {
        let Some(c) = self.collection.as_ref() else {
            return Err("no collection is open".into());
        };
        let mut last = String::new();
        for file in 0..c.files().len() {
            match c.substitute_line(file, line) {
                Ok(r) => return Ok(r),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

/// The private env file (an empty object when it does not exist) and its
/// text values by environment; a file that does not parse is an error
/// naming it (it is never replaced).
fn read_envs(
    path: &std::path::Path,
) -> Result<(serde_json::Value, crate::collection::import::Envs), String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((
                serde_json::Value::Object(Default::default()),
                Default::default(),
            ));
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let v: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| format!("{}:{}: {e}", path.display(), e.line()))?;
    let mut out = crate::collection::import::Envs::new();
    let serde_json::Value::Object(envs) = v.clone() else {
        return Err(format!(
            "{}: an environment file is a JSON object of environments",
            path.display()
        ));
    };
    for (env, vars) in envs {
        let serde_json::Value::Object(vars) = vars else {
            return Err(format!(
                "{}: environment '{env}' is not an object",
                path.display()
            ));
        };
        let m = out.entry(env).or_default();
        for (k, v) in vars {
            if let serde_json::Value::String(s) = v {
                m.insert(k, s);
            }
        }
    }
    Ok((v, out))
}
