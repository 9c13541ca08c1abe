//! What a key does: every command of the TUI is an [`Action`], bound to
//! keys by a [`Keymap`] (the defaults, then `config.toml`'s `[keys]`). The
//! status bar's hints and the help overlay are generated from the same
//! bindings, so a remapped key shows where it is.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key: a code and whether Ctrl is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key.
    pub code: ratatui::crossterm::event::KeyCode,
    /// With Ctrl.
    pub ctrl: bool,
}

impl Key {
    /// Parses `x`, `Ctrl-x`, `Enter`, `Esc`, `Tab`, `Space`, `PageDown`,
    /// `Up`, `F5`….
    pub fn parse(s: &str) -> Result<Key, String> {
        use ratatui::crossterm::event::KeyCode as K;
        let (ctrl, rest) = match s
            .strip_prefix("Ctrl-")
            .or_else(|| s.strip_prefix("ctrl-"))
            .or_else(|| s.strip_prefix("C-"))
        {
            Some(r) => (true, r),
            None => (false, s),
        };
        let code = match rest {
            "Enter" | "enter" | "Return" => K::Enter,
            "Esc" | "esc" | "Escape" => K::Esc,
            "Tab" | "tab" => K::Tab,
            "BackTab" => K::BackTab,
            "Space" | "space" => K::Char(' '),
            "Backspace" => K::Backspace,
            "Delete" | "Del" => K::Delete,
            "Up" | "up" => K::Up,
            "Down" | "down" => K::Down,
            "Left" | "left" => K::Left,
            "Right" | "right" => K::Right,
            "Home" => K::Home,
            "End" => K::End,
            "PageUp" | "PgUp" => K::PageUp,
            "PageDown" | "PgDn" => K::PageDown,
            f if f.len() >= 2
                && f.starts_with('F')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) =>
            {
                K::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => K::Char(c.chars().next().unwrap_or(' ')),
            _ => {
                return Err(format!(
                    "'{s}' is not a key (a character, Ctrl-x, Enter, Esc, Tab, Space, PageDown, Up, F5…)"
                ));
            }
        };
        Ok(Key { code, ctrl })
    }
}

/// Where an action is offered in the status bar's hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The request list has the keys.
    List,
    /// The response pane has the keys.
    Response,
    /// The Body tab of the response pane.
    Body,
    /// The request list, on a `.http` collection's request.
    Collection,
    /// Everywhere (listed once, last).
    Any,
}

macro_rules! actions {
    ($( $variant:ident, $name:literal, [$($key:literal),*], $hint:literal, $help:literal, [$($ctx:ident),*]; )*) => {
        /// Every command of the TUI that a key can be bound to.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $(
                #[doc = $help]
                $variant,
            )*
        }

        impl Action {
            /// Every action, in help order.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name in `config.toml`'s `[keys]`.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            /// The default keys.
            pub fn default_keys(self) -> &'static [&'static str] {
                match self { $(Action::$variant => &[$($key),*]),* }
            }

            /// A short hint for the status bar.
            pub fn hint(self) -> &'static str {
                match self { $(Action::$variant => $hint),* }
            }

            /// What it does, for the help overlay.
            pub fn help(self) -> &'static str {
                match self { $(Action::$variant => $help),* }
            }

            /// Where its hint is shown.
            pub fn contexts(self) -> &'static [Context] {
                match self { $(Action::$variant => &[$(Context::$ctx),*]),* }
            }
        }
    };
}

actions! {
    Send, "send", ["Enter", "s"], "send", "send the request (a recorded one asks first)", [List, Response, Collection];
    Edit, "edit", ["e", "i"], "edit", "edit the request line", [List, Response, Collection];
    Body, "body", ["b", "Ctrl-b"], "body", "edit the request body (multi-line; Ctrl-E: $EDITOR)", [];
    Cancel, "cancel", ["Esc", "Ctrl-x"], "cancel", "cancel the request, the countdown, paging or a replay; else back to the list", [];
    NextPage, "next_page", ["p"], "next page", "fetch the next page (paced by the budget)", [Response];
    AllPages, "all_pages", ["A"], "all pages", "fetch every page (paced, keeps a reserve, asks before a big run; Esc stops)", [Response];
    Retry, "retry", ["r"], "retry", "resend after Retry-After (countdown; Esc cancels)", [Response];
    ReplayAll, "replay_all", ["R"], "replay all", "re-send every recorded request (paced), then recorded vs live (on a .http request: as Ctrl-r)", [];
    RunFile, "run_file", ["Ctrl-r", "F5"], "run file", "run every request of the .http file or folder opened (dependencies first, asked once), then each one's result (tests, scripts); Enter on a result shows it", [Collection];
    CopyCurl, "copy_curl", ["c"], "copy curl", "copy the request as a curl command (masked when m is on)", [Response];
    CopyBody, "copy_body", ["y"], "copy body", "copy the response body", [Body];
    CopyReport, "copy_report", ["Y"], "copy report", "copy the diagnosis as a Markdown reply", [Response];
    Search, "search", ["/"], "search", "search the body; n / N next / previous match", [Body];
    NextMatch, "next_match", ["n"], "next match", "next search match", [];
    PreviousMatch, "previous_match", ["N"], "previous match", "previous search match", [];
    Filter, "filter", ["f"], "jq", "jq filter on the body (↑/↓ earlier filters; Esc unfilters)", [Body];
    Wrap, "wrap", ["w"], "wrap", "wrap long lines on the Body and Raw tabs (else ←/→ scroll sideways)", [Body];
    Save, "save", ["S"], "save", "save the session, a HAR and a Markdown report (redacted)", [];
    History, "history", ["H"], "history", "history of sent exchanges: search, open, resend", [List];
    Diff, "diff", ["d"], "diff", "mark for a diff; d on another compares them", [];
    Timeline, "timeline", ["T"], "timeline", "rate-limit timeline of the whole session", [];
    Cookies, "cookies", ["C"], "cookies", "the session's cookie jar: every cookie (values masked); x deletes the one chosen", [];
    Environment, "environment", ["E"], "env", "switch the .http collection's environment", [Collection];
    Variables, "variables", ["V"], "variables", "the selected .http request's variables: values (secrets masked) and where they come from", [Collection];
    SaveRequest, "save_request", ["Ctrl-s"], "save to file", "save the edited .http request into its file (only its lines change)", [Collection];
    NewRequest, "new_request", ["n"], "new request", "new request in the .http file (while searching, n is the next match)", [Collection];
    Duplicate, "duplicate", ["D"], "duplicate", "duplicate the .http request", [];
    Rename, "rename", ["F2"], "rename", "rename the .http request (its @name)", [];
    Delete, "delete", ["X", "Delete"], "delete", "delete the .http request from its file (asks first)", [];
    OpenInEditor, "open_in_editor", ["Ctrl-e"], "$EDITOR", "open the .http file in $EDITOR at the request's line", [Collection];
    Revert, "revert", ["u"], "revert", "drop the unsaved edit of the request line", [];
    Mask, "mask", ["m"], "mask", "mask credentials on screen (screen sharing)", [];
    Help, "help", ["?"], "help", "every key", [Any];
    Quit, "quit", ["q", "Ctrl-c"], "quit", "quit", [List];
    Down, "down", ["Down", "j"], "down", "next request · scroll down", [];
    Up, "up", ["Up", "k"], "up", "previous request · scroll up", [];
    PageDown, "page_down", ["PageDown", "Space"], "page down", "scroll a page down", [];
    PageUp, "page_up", ["PageUp"], "page up", "scroll a page up", [];
    HalfDown, "half_down", ["Ctrl-d"], "half page", "scroll half a page down", [];
    HalfUp, "half_up", ["Ctrl-u"], "half page up", "scroll half a page up", [];
    Top, "top", ["g", "Home"], "top", "the first request (in the list) · the top of the response", [];
    Bottom, "bottom", ["G", "End"], "bottom", "the last request (in the list) · the end of the response", [];
    OverviewTab, "overview_tab", ["1"], "overview", "Overview tab", [];
    BodyTab, "body_tab", ["2"], "body", "Body tab", [];
    HeadersTab, "headers_tab", ["3"], "headers", "Headers tab", [];
    RawTab, "raw_tab", ["4"], "raw", "Raw tab", [];
    NextTab, "next_tab", ["l"], "next tab", "next tab (in the response pane)", [];
    PreviousTab, "previous_tab", ["h"], "previous tab", "previous tab (in the response pane)", [];
    Left, "left", ["Left"], "←", "scroll left (Body and Raw tabs, no wrap)", [];
    Right, "right", ["Right"], "→", "scroll right (Body and Raw tabs, no wrap)", [];
    NextPane, "next_pane", ["Tab"], "next pane", "next pane: requests ↔ response (e edits the request line)", [List, Response];
    PreviousPane, "previous_pane", ["BackTab"], "previous pane", "previous pane", [];
    TrustCollection, "trust", ["Ctrl-t"], "trust", "trust the .http collection's directory: its >> lines write inside it (apiscope trust DIR; asked when you open one)", [];
    AddToCollection, "add_to_collection", ["+"], "add to .http", "add the request to a .http file (credentials go to its private env file)", [List];
}

impl Action {
    /// The action named `name` in `config.toml`.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

/// `Ctrl-q`, `Enter`, `n` for a key.
pub fn key_name(k: &Key) -> String {
    let base = match k.code {
        KeyCode::Char(' ') => "Space".to_owned(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::BackTab => "Shift-Tab".to_owned(),
        KeyCode::PageDown => "PgDn".to_owned(),
        KeyCode::PageUp => "PgUp".to_owned(),
        KeyCode::Down => "↓".to_owned(),
        KeyCode::Up => "↑".to_owned(),
        KeyCode::Left => "←".to_owned(),
        KeyCode::Right => "→".to_owned(),
        other => format!("{other:?}"),
    };
    if k.ctrl { format!("Ctrl-{base}") } else { base }
}

/// Keys to actions: the defaults, with the user's `[keys]` applied.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<(Key, Action)>,
    /// Actions the user rebound (their help line says so).
    pub rebound: Vec<Action>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        let mut bindings = Vec::new();
        for &a in Action::ALL {
            for k in a.default_keys() {
                if let Ok(key) = Key::parse(k) {
                    bindings.push((key, a));
                }
            }
        }
        Keymap {
            bindings,
            rebound: Vec::new(),
        }
    }
}

impl Keymap {
    /// The defaults with `config.toml`'s `[keys]`: an action given keys
    /// loses its default ones, and a key given to an action leaves any
    /// other action it had. Unknown action names were refused when the
    /// file was read.
    pub fn with(user: &[(String, Vec<Key>)]) -> Keymap {
        let mut map = Keymap::default();
        for (name, keys) in user {
            let Some(action) = Action::from_name(name) else {
                continue;
            };
            map.bindings
                .retain(|(k, a)| *a != action && !keys.contains(k));
            for k in keys {
                map.bindings.push((*k, action));
            }
            map.rebound.push(action);
        }
        map
    }

    /// The action a key press stands for.
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        // Shifted letters arrive as the capital with SHIFT set.
        self.bindings
            .iter()
            .find(|(k, _)| k.code == key.code && k.ctrl == ctrl)
            .map(|(_, a)| *a)
    }

    /// Every action a key press stands for, in binding order.
    pub fn actions(&self, key: &KeyEvent) -> Vec<Action> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        self.bindings
            .iter()
            .filter(|(k, _)| k.code == key.code && k.ctrl == ctrl)
            .map(|(_, a)| *a)
            .collect()
    }

    /// Every key bound to an action, in binding order.
    pub fn keys(&self, action: Action) -> Vec<Key> {
        self.bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| *k)
            .collect()
    }

    /// "Enter", "p", "Ctrl-x / Esc": the keys of an action for a hint
    /// (the first one) or the help (all of them).
    pub fn describe(&self, action: Action, all: bool) -> String {
        let keys = self.keys(action);
        if keys.is_empty() {
            return "(unbound)".into();
        }
        if all {
            keys.iter().map(key_name).collect::<Vec<_>>().join(", ")
        } else {
            key_name(&keys[0])
        }
    }

    /// The status bar's hints for a context: "Enter send · e edit · …".
    pub fn hints(&self, context: Context) -> Vec<String> {
        let mut out: Vec<String> = Action::ALL
            .iter()
            .filter(|a| a.contexts().contains(&context))
            .map(|a| format!("{} {}", self.describe(*a, false), a.hint()))
            .collect();
        for a in Action::ALL
            .iter()
            .filter(|a| a.contexts().contains(&Context::Any))
        {
            out.push(format!("{} {}", self.describe(*a, false), a.hint()));
        }
        out
    }

    /// The help overlay's rows: (keys, what they do), every action.
    pub fn help_rows(&self) -> Vec<(String, String)> {
        Action::ALL
            .iter()
            .map(|a| {
                let mut what = a.help().to_owned();
                if self.rebound.contains(a) {
                    what.push_str("  (your key, config.toml)");
                }
                (self.describe(*a, true), what)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_rebinding() {
        let m = Keymap::default();
        let p = KeyEvent::new(KeyCode::Char('p'), KeyModifiers::NONE);
        assert_eq!(m.action(&p), Some(Action::NextPage));
        let user = vec![("next_page".to_owned(), vec![Key::parse("n").unwrap()])];
        let m = Keymap::with(&user);
        let n = KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE);
        assert_eq!(m.action(&n), Some(Action::NextPage));
        assert_eq!(m.action(&p), None);
        assert!(
            m.hints(Context::Response)
                .contains(&"n next page".to_owned())
        );
        assert!(
            m.help_rows()
                .iter()
                .any(|(k, w)| k == "n" && w.contains("your key"))
        );
        for a in Action::ALL {
            for k in a.default_keys() {
                assert!(Key::parse(k).is_ok(), "{k}");
            }
        }
    }
}
