//! The `errors-array` API (seed 004): `Authorization: Bearer …`,
//! `{"errors":[…]}` with 400 / 401 / 422, collections as
//! `{"data":[…],"pagination":{"page_count",…}}` paged by `?page=N`
//! (default 1), 100 requests per minute with the used and maximum counts in
//! headers and the wait in `Retry-After` on a 429.

use super::{DemoRequest, DemoResponse, DemoState, Rate, json_body, page_bounds};
use serde_json::json;

const RATE: Rate = Rate {
    limit: 100,
    window_s: 60,
};
const KEY: &str = "errors_array_demo_key";

fn errors(status: u16, messages: &[&str]) -> DemoResponse {
    DemoResponse::json(status, json!({"errors": messages}))
}

/// Handles one request below `/errors-array`.
pub fn handle(state: &DemoState, req: &DemoRequest) -> DemoResponse {
    let budget = match req.bearer() {
        Some(k) => format!("errors-array:key:{k}"),
        None => format!("errors-array:ip:{}", req.ip),
    };
    let rate = state.rate(RATE);
    let decision = state.check(&budget, rate);
    let resp = if decision.allowed {
        route(req)
    } else {
        errors(429, &["Too many requests"])
            .with("Retry-After", decision.retry_after_s.max(1).to_string())
    };
    let resp = resp
        .with("X-Ratelimit-Limit", decision.limit.to_string())
        .with("X-Ratelimit-Used", decision.used.to_string());
    state.policy_header(resp, rate)
}

fn route(req: &DemoRequest) -> DemoResponse {
    if req.bearer() != Some(KEY) {
        return errors(401, &["API key is missing or wrong"]);
    }
    match (req.method.as_str(), req.segments().as_slice()) {
        ("GET", ["v1", "contacts"]) => list(req),
        ("POST", ["v1", "contacts"]) => create(req),
        ("GET", ["v1", "contacts", id]) => match id.parse::<usize>() {
            Ok(i) if (1..=super::COLLECTION_SIZE).contains(&i) => {
                DemoResponse::json(200, contact(i))
            }
            _ => errors(404, &["Contact not found"]),
        },
        _ => errors(404, &["Not found"]),
    }
}

fn contact(i: usize) -> serde_json::Value {
    json!({"id": i, "name": format!("Contact {i}"), "email": format!("contact{i}@example.com")})
}

fn list(req: &DemoRequest) -> DemoResponse {
    let num = |name: &str, default: usize, max: usize| match req.param(name) {
        None => Some(default),
        Some(v) => v.parse::<usize>().ok().filter(|n| (1..=max).contains(n)),
    };
    let Some(page) = num("page", 1, usize::MAX) else {
        return errors(400, &["page must be a positive integer"]);
    };
    let Some(per_page) = num("per_page", 25, 100) else {
        return errors(400, &["per_page must be between 1 and 100"]);
    };
    let total = super::COLLECTION_SIZE;
    let (start, end) = page_bounds(page, per_page, total);
    let data: Vec<_> = (start..end).map(|i| contact(i + 1)).collect();
    DemoResponse::json(
        200,
        json!({"data": data, "pagination": {
            "page": page, "per_page": per_page, "total_count": total,
            "page_count": total.div_ceil(per_page)
        }}),
    )
}

fn create(req: &DemoRequest) -> DemoResponse {
    let Ok(body) = json_body(req) else {
        return errors(400, &["The request body is malformed"]);
    };
    let mut problems = Vec::new();
    if body
        .get("name")
        .and_then(|v| v.as_str())
        .is_none_or(|s| s.trim().is_empty())
    {
        problems.push("Name can't be blank");
    }
    if !body
        .get("email")
        .and_then(|v| v.as_str())
        .is_some_and(|e| e.contains('@'))
    {
        problems.push("Email is invalid");
    }
    if !problems.is_empty() {
        return errors(422, &problems);
    }
    DemoResponse::json(
        201,
        json!({"id": 2001, "name": body["name"], "email": body["email"]}),
    )
}
