//! What measuring the phases costs (issue 23): `Client::send` over
//! loopback with phase timings on (the default) and off, in process.
//!
//! 1. Keep-alive: 2,000 requests over one open connection (the phases'
//!    cost per request: the response's connection looked up, five clock
//!    reads).
//! 2. A new connection per request (`Connection: close`), 500 requests:
//!    the resolver, the connector layer and the TLS-start hook included
//!    (a name, `localhost`, so DNS is resolved each time).
//!
//! Each figure is the median of 7 runs, alternating on and off. Run with
//! `cargo bench --bench transport`.

use apiscope::http::{Client, ClientOptions};
use apiscope::model::Request;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// A loopback HTTP/1.1 server answering `200 {}` to every request; with
/// `close`, one request per connection.
fn server(close: bool) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(mut tcp) = tcp else { continue };
            std::thread::spawn(move || {
                let _ = tcp.set_nodelay(true);
                let answer: &[u8] = if close {
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                } else {
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    match tcp.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        if tcp.write_all(answer).is_err() || close {
                            return;
                        }
                    }
                }
            });
        }
    });
    port
}

async fn run(client: &Client, url: &str, n: usize) -> Duration {
    let request = Request {
        method: "GET".into(),
        url: Some(url.to_owned()),
        ..Request::default()
    };
    let start = Instant::now();
    for _ in 0..n {
        let e = client.send(&request).await;
        assert_eq!(e.response.status, Some(200), "{:?}", e.failure);
    }
    start.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
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
        for (what, close, n, host) in [
            ("keep-alive", false, 2000, "127.0.0.1"),
            ("new connection each", true, 500, "localhost"),
        ] {
            let url = format!("http://{host}:{}/x", server(close));
            let mut times = [Vec::new(), Vec::new()];
            for _ in 0..7 {
                for (i, phases) in [true, false].into_iter().enumerate() {
                    let client = Client::new(ClientOptions {
                        phases,
                        cookies: false,
                        ..ClientOptions::default()
                    })
                    .expect("client");
                    times[i].push(run(&client, &url, n).await);
                }
            }
            let [on, off] = times.map(median);
            let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
            println!(
                "{what:<20} {n} requests: phases on {:>7.1} µs/request, off {:>7.1} µs/request ({:+.1} µs, {:+.1} %)",
                per(on),
                per(off),
                per(on) - per(off),
                (per(on) / per(off) - 1.0) * 100.0
            );
        }
    });
}
