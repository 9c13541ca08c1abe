//! The `ittybit` API (seed 003): bare objects and arrays on success,
//! `{"kind","message"}` errors, list pages with `Link` (RFC 8288),
//! `Has-More` and `Limit` headers and an `after` cursor, 429 with
//! `Retry-After`. The vendor gives no rate numbers; the demo allows 100
//! requests per minute per key.

use super::{DemoRequest, DemoResponse, DemoState, Rate, json_body};
use serde_json::json;

/// Demo keys and what they do.
pub const KEYS: &[(&str, &str)] = &[
    ("ittybit_demo_key", "valid"),
    ("ittybit_demo_unpaid", "402 payment_required"),
    ("ittybit_demo_readonly", "403 forbidden on writes"),
];

const RATE: Rate = Rate {
    limit: 100,
    window_s: 60,
};

fn error(status: u16, kind: &str, message: &str) -> DemoResponse {
    DemoResponse::json(status, json!({"kind": kind, "message": message}))
}

/// Handles one request below `/ittybit`.
pub fn handle(state: &DemoState, req: &DemoRequest) -> DemoResponse {
    let budget = match req.bearer() {
        Some(k) => format!("ittybit:key:{k}"),
        None => format!("ittybit:ip:{}", req.ip),
    };
    let rate = state.rate(RATE);
    let decision = state.check(&budget, rate);
    let resp = if decision.allowed {
        route(req)
    } else {
        error(429, "rate_limited", "Too many requests in a short period")
            .with("Retry-After", decision.retry_after_s.max(1).to_string())
    };
    state.policy_header(resp, rate)
}

fn route(req: &DemoRequest) -> DemoResponse {
    let segs = req.segments();
    match segs.as_slice() {
        ["boom"] => return error(500, "internal_error", "Something went wrong on our side"),
        ["maintenance"] => {
            return error(503, "service_unavailable", "Temporarily unavailable")
                .with("Retry-After", "30");
        }
        _ => {}
    }
    let readonly = match req.bearer() {
        None => return error(401, "unauthorized", "No API key provided"),
        Some("ittybit_demo_key") => false,
        Some("ittybit_demo_readonly") => true,
        Some("ittybit_demo_unpaid") => {
            return error(
                402,
                "payment_required",
                "A payment issue exists on the account",
            );
        }
        Some(_) => return error(401, "unauthorized", "Invalid API key"),
    };
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["tasks"]) => list(req),
        ("POST", ["tasks"]) => {
            if readonly {
                return error(
                    403,
                    "forbidden",
                    "API key doesn't have access to the requested resource",
                );
            }
            match json_body(req) {
                Ok(b) if b.get("url").and_then(|u| u.as_str()).is_some() => DemoResponse::json(
                    202,
                    json!({"id": "task_new", "kind": "ingest", "status": "pending", "url": b["url"]}),
                ),
                _ => error(400, "invalid_request", "Missing required parameter: url"),
            }
        }
        ("GET", ["tasks", id]) => match task_index(id) {
            Some(i) => DemoResponse::json(200, task(i)),
            None => error(404, "not_found", "The resource doesn't exist"),
        },
        (_, ["tasks"] | ["tasks", _]) => error(
            405,
            "method_not_allowed",
            "HTTP method not supported for this endpoint",
        ),
        _ => error(404, "not_found", "The resource doesn't exist"),
    }
}

fn task_index(id: &str) -> Option<usize> {
    id.strip_prefix("task_")?
        .parse::<usize>()
        .ok()
        .filter(|i| (1..=super::COLLECTION_SIZE).contains(i))
}

fn task(i: usize) -> serde_json::Value {
    json!({"id": format!("task_{i}"), "kind": "video", "status": "completed"})
}

fn list(req: &DemoRequest) -> DemoResponse {
    let limit = match req.param("limit").map(str::parse::<usize>) {
        None => 20,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return error(400, "invalid_request", "limit must be between 1 and 100"),
    };
    let start = match req.param("after") {
        None => 0,
        Some(a) => match task_index(a) {
            Some(i) => i,
            None => return error(400, "invalid_request", "after must be a task id"),
        },
    };
    let total = super::COLLECTION_SIZE;
    let end = (start + limit).min(total);
    let items: Vec<_> = (start..end).map(|i| task(i + 1)).collect();
    let has_more = end < total;
    let mut resp = DemoResponse::json(200, json!(items))
        .with("Has-More", has_more.to_string())
        .with("Limit", limit.to_string());
    if has_more {
        resp = resp.with(
            "Link",
            format!("</ittybit/tasks?limit={limit}&after=task_{end}>; rel=\"next\""),
        );
    }
    resp
}
