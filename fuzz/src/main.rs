//! `cargo run -p apiscope-fuzz --release -- [--secs N] [--seed S] [TARGET…]`:
//! fuzz for longer than the bound in CI. Crashing inputs are written to
//! `target/fuzz-crashes/TARGET/`; add them to `fuzz/corpus/TARGET/` once
//! fixed.

use std::time::Duration;

fn main() {
    let mut secs = 60u64;
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs());
    let mut names = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--secs" => secs = args.next().and_then(|s| s.parse().ok()).unwrap_or(secs),
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(seed),
            // `--replay TARGET FILE`: one input, its panic shown whole.
            "--replay" => {
                let (Some(name), Some(file)) = (args.next(), args.next()) else {
                    eprintln!("--replay TARGET FILE");
                    std::process::exit(2);
                };
                let Some(t) = apiscope_fuzz::TARGETS.iter().find(|t| t.name == name) else {
                    eprintln!("no target {name}");
                    std::process::exit(2);
                };
                let bytes = std::fs::read(&file).unwrap_or_default();
                (t.run)(&bytes);
                println!("{name}: {file} ran without a crash");
                return;
            }
            "-h" | "--help" => {
                let all: Vec<&str> = apiscope_fuzz::TARGETS.iter().map(|t| t.name).collect();
                println!(
                    "apiscope-fuzz [--secs N (per target, default 60)] [--seed S] [TARGET…]\ntargets: {}",
                    all.join(" ")
                );
                return;
            }
            _ => names.push(a),
        }
    }
    // Panics are expected and caught: keep their messages off the screen.
    std::panic::set_hook(Box::new(|_| {}));
    let mut failed = false;
    for t in apiscope_fuzz::TARGETS {
        if !names.is_empty() && !names.iter().any(|n| n == t.name) {
            continue;
        }
        match apiscope_fuzz::run(t, Duration::from_secs(secs), u64::MAX, seed) {
            Ok(s) => println!(
                "{:<10} {:>10} inputs, no crash (seed {seed})",
                t.name, s.runs
            ),
            Err(c) => {
                failed = true;
                println!(
                    "{:<10} CRASH: {} — input saved to {}",
                    t.name,
                    c.message,
                    c.saved.display()
                );
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
