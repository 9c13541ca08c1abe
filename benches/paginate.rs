//! Paced pagination against the in-process demo server.
//!
//! 1. 200 pages under `--rate 20/2` (20 requests per 2 s sliding window):
//!    how many 429s (goal: 0) and the time against the theoretical minimum
//!    (the first 20 at once, then 20 more every 2 s: 18 s for 200 pages).
//! 2. Without a limit (a window far above 200 requests): pages per second for `apiscope send --paginate`'s
//!    engine, side by side with a shell loop of `curl -s` over the same 200
//!    page URLs (when curl is installed).
//!
//! Run with `cargo bench --bench paginate`.

use apiscope::decode::Profiles;
use apiscope::demo::{self, DemoConfig, Rate};
use apiscope::driver::{Engine, Run, Settings};
use apiscope::http::{Client, ClientOptions, drive};
use apiscope::items;
use std::time::{Duration, Instant};

const PAGES: u32 = 200;

/// `send --paginate`'s engine: the driver's page run, executed by `drive`.
async fn run_pages(base: &str, auth: &str, path: &str) -> drive::Summary {
    let client = Client::new(ClientOptions::default()).expect("client");
    let profiles = Profiles::built_in();
    let spec = items::parse(&[format!("{base}{path}"), auth.to_owned()]).expect("request");
    let mut engine = Engine::default();
    let mut run = Run::pages(
        spec.to_request(),
        Settings {
            max_pages: PAGES,
            ..Settings::default()
        },
    );
    drive::drive(
        &client,
        &mut engine,
        &mut run,
        &profiles,
        &Default::default(),
        |_| {},
    )
    .await
}

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        // 1. Under a tight limit, for two formats: one that announces
        //    remaining (envelope), one that only gives a policy (coded).
        let rate = Rate {
            limit: 20,
            window_s: 2,
        };
        let theoretical = Duration::from_secs((u64::from(PAGES) / rate.limit - 1) * rate.window_s);
        for (name, auth, path) in [
            ("envelope", "Authorization:Bearer imb_pat_demo", "/envelope/v1/boards?limit=10"),
            ("coded", "Authorization:Bearer coded_demo_token", "/coded/v1/projects?page_size=10"),
        ] {
            let server = demo::start(None, DemoConfig {
                    rate: Some(rate),
                    log: None,
                })
                .await
                .expect("demo server");
            let s = run_pages(&server.base_url(), auth, path).await;
            println!(
                "--rate 20/2, {name:<8} {} pages: {:>6.2} s (theoretical minimum {:.0} s, +{:.1}%), {} × 429",
                s.accepted,
                s.elapsed.as_secs_f64(),
                theoretical.as_secs_f64(),
                (s.elapsed.as_secs_f64() / theoretical.as_secs_f64() - 1.0) * 100.0,
                s.rejected
            );
            server.stop().await;
        }

        // 2. No limit (a window far above 200 requests), the same server
        //    for apiscope and for curl.
        let server = demo::start(
            None,
            DemoConfig {
                rate: Some(Rate {
                    limit: 1_000_000,
                    window_s: 60,
                }),
                log: None,
            },
        )
        .await
        .expect("demo server");
        let base = server.base_url();
        let t = Instant::now();
        let s = run_pages(
            &base,
            "Authorization:Bearer errors_array_demo_key",
            "/errors-array/v1/contacts?per_page=10",
        )
        .await;
        let ours = t.elapsed();
        println!(
            "no limit, apiscope paginate: {} pages in {:>6.3} s = {:>6.0} pages/s (each page decoded)",
            s.accepted,
            ours.as_secs_f64(),
            f64::from(s.accepted) / ours.as_secs_f64()
        );
        let script = format!(
            "for i in $(seq 1 {PAGES}); do curl -s -o /dev/null -H 'Authorization: Bearer errors_array_demo_key' '{base}/errors-array/v1/contacts?per_page=10&page='$i; done"
        );
        let t = Instant::now();
        let status = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .status()
            .await;
        let curl = t.elapsed();
        match status {
            Ok(s) if s.success() => println!(
                "no limit, curl loop:          {PAGES} pages in {:>6.3} s = {:>6.0} pages/s (a process per page, nothing decoded)",
                curl.as_secs_f64(),
                f64::from(PAGES) / curl.as_secs_f64()
            ),
            _ => println!("no limit, curl loop: curl is not available here"),
        }
        // One curl process for all 200 URLs: keep-alive, the fairest peer.
        let mut cmd = tokio::process::Command::new("curl");
        cmd.args(["-s", "-H", "Authorization: Bearer errors_array_demo_key"]);
        for i in 1..=PAGES {
            cmd.args([
                "-o",
                "/dev/null",
                &format!("{base}/errors-array/v1/contacts?per_page=10&page={i}"),
            ]);
        }
        let t = Instant::now();
        if let Ok(s) = cmd.status().await
            && s.success()
        {
            let one = t.elapsed();
            println!(
                "no limit, one curl, 200 URLs: {PAGES} pages in {:>6.3} s = {:>6.0} pages/s (keep-alive, nothing decoded)",
                one.as_secs_f64(),
                f64::from(PAGES) / one.as_secs_f64()
            );
        }
        server.stop().await;
    });
}
