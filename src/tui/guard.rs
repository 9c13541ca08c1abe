//! A guard in a process of its own that puts the terminal back if the TUI
//! dies without doing it (an abort on an allocation that fails, a kill):
//! a panic is caught by the panic hook, an abort is not. Started before
//! the terminal goes raw, it saves the terminal's settings (`stty -g`)
//! and waits on a pipe from the TUI; if the pipe closes without the TUI
//! saying it left cleanly, it restores them and leaves the alternate
//! screen.

use std::io::{BufRead as _, Write as _};
use std::process::{Child, Command, Stdio};

/// What the TUI tells the guard when it restored the terminal itself.
const CLEAN: &str = "clean";

/// The guard's end held by the TUI.
pub struct Guard {
    child: Child,
}

impl Guard {
    /// Starts the guard (`apiscope tty-guard`), or `None` where it cannot
    /// run (no `/dev/tty`, no `stty`): the panic hook still restores.
    pub fn spawn() -> Option<Guard> {
        if !cfg!(unix) || std::fs::File::open("/dev/tty").is_err() {
            return None;
        }
        let exe = std::env::current_exe().ok()?;
        let mut child = Command::new(exe)
            .arg("tty-guard")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        // Wait until it has saved the settings (before raw mode).
        let mut ready = String::new();
        let out = child.stdout.take()?;
        std::io::BufReader::new(out).read_line(&mut ready).ok()?;
        (ready.trim() == "ready").then_some(Guard { child })
    }

    /// The TUI restored the terminal: the guard exits without touching it.
    pub fn disarm(mut self) {
        if let Some(mut pipe) = self.child.stdin.take() {
            let _ = writeln!(pipe, "{CLEAN}");
        }
        let _ = self.child.wait();
    }
}

/// `apiscope tty-guard`: saves the terminal's settings, says `ready`,
/// waits for the TUI's pipe to close, and restores them unless the TUI
/// said it left cleanly.
pub fn run() -> std::io::Result<()> {
    let tty = || {
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
    };
    let saved = Command::new("stty").arg("-g").stdin(tty()?).output()?;
    let saved = String::from_utf8_lossy(&saved.stdout).trim().to_owned();
    println!("ready");
    std::io::stdout().flush()?;
    let mut last = String::new();
    for line in std::io::stdin().lock().lines() {
        last = line?;
    }
    if last.trim() == CLEAN || saved.is_empty() {
        return Ok(());
    }
    // The shell has the terminal back by now: this process group is in
    // the background, where changing the terminal's settings is allowed
    // only with SIGTTOU ignored (an ignored signal stays so across exec).
    let _ = Command::new("sh")
        .arg("-c")
        .arg("trap '' TTOU; stty \"$1\"")
        .arg("sh")
        .arg(&saved)
        .stdin(tty()?)
        .status();
    let mut t = tty()?;
    // Mouse and paste reporting off, the main screen, the cursor shown.
    t.write_all(b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1049l\x1b[?25h")?;
    t.write_all(b"\r\napiscope stopped abnormally; the terminal was restored.\r\n")?;
    Ok(())
}
