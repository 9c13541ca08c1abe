//! The `coded` API (seed 002): `{"code":…,"message":…}` on every response
//! (`0`/`OK` for success), pages as `pagination.{page_size,page,total_items}`,
//! auth codes 2000–2202, too many requests as code 11 with HTTP 429. The
//! vendor documents no rate numbers; the demo allows 120 requests per minute
//! per token. `GET /simulate/{code}` answers any documented code.

use super::{DemoRequest, DemoResponse, DemoState, Rate, json_body, page_bounds};
use serde_json::json;

const RATE: Rate = Rate {
    limit: 120,
    window_s: 60,
};

/// Every documented code: (code, HTTP status, message).
pub const CODES: &[(u32, u16, &str)] = &[
    (1, 500, "Internal error"),
    (2, 404, "Route not found"),
    (4, 401, "Authentication method not allowed"),
    (5, 404, "Resource not found"),
    (6, 503, "One of our backend services is unavailable"),
    (11, 429, "Too many requests"),
    (1000, 400, "Invalid parameters"),
    (1001, 400, "Invalid JSON body payload"),
    (1002, 400, "Invalid upload payload"),
    (2000, 401, "Unauthenticated"),
    (2001, 401, "Invalid auth header"),
    (2002, 401, "Invalid token format"),
    (2100, 400, "Invalid OAuth code"),
    (2101, 400, "Invalid OAuth state"),
    (2200, 403, "Unauthorized"),
    (2201, 403, "Unauthorized, missing required token scope"),
    (
        2202,
        403,
        "Unauthorized, missing required organization member scope",
    ),
    (3000, 404, "User not found"),
    (3200, 404, "Notification not found"),
    (3201, 409, "Notification already read"),
    (3500, 404, "Organization not found"),
    (3501, 409, "Organization slug already used"),
    (3502, 403, "Organization exceeds limit"),
    (3600, 404, "Organization member not found"),
    (3601, 409, "Organization member already exists"),
    (4000, 404, "Token not found"),
    (5000, 404, "Project not found"),
    (5001, 409, "Project already used"),
    (5002, 400, "Unacceptable project slug"),
    (5003, 423, "Project locked"),
    (5100, 404, "Project keyword not found"),
    (5101, 409, "Project keyword already exists"),
    (5102, 403, "Project keyword exceeds limit"),
    (5200, 404, "Project channel not found"),
    (5201, 409, "Project channel already exists"),
    (5202, 403, "Project channel exceeds limit"),
    (5300, 404, "Project version not found"),
    (5301, 409, "Project version already exists"),
    (5400, 400, "Invalid project dependency"),
];

fn code(code: u32) -> DemoResponse {
    let (status, message) = CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or((500, "Internal error"), |(_, s, m)| (*s, *m));
    DemoResponse::json(status, json!({"code": code, "message": message}))
}

/// Handles one request below `/coded`.
pub fn handle(state: &DemoState, req: &DemoRequest) -> DemoResponse {
    let budget = match req.header("authorization") {
        Some(a) => format!("coded:auth:{a}"),
        None => format!("coded:ip:{}", req.ip),
    };
    let rate = state.rate(RATE);
    let decision = state.check(&budget, rate);
    let resp = if decision.allowed {
        route(req)
    } else {
        code(11).with("Retry-After", decision.retry_after_s.max(1).to_string())
    };
    state.policy_header(resp, rate)
}

fn route(req: &DemoRequest) -> DemoResponse {
    let segs = req.segments();
    if let ["v1", "simulate", c] = segs.as_slice() {
        return match c.parse::<u32>() {
            Ok(c) if CODES.iter().any(|(k, _, _)| *k == c) => code(c),
            _ => code(1000),
        };
    }
    // Authentication.
    let Some(auth) = req.header("authorization").map(str::trim) else {
        return code(2000);
    };
    let Some((scheme, token)) = auth.split_once(' ') else {
        return code(2001);
    };
    if scheme.eq_ignore_ascii_case("basic") {
        return code(4);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return code(2001);
    }
    let token = token.trim();
    if !token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || token.len() < 8 {
        return code(2002);
    }
    match token {
        "coded_demo_token" => {}
        "coded_demo_noscope" => return code(2201),
        _ => return code(4000),
    }
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["v1", "projects"]) => list(req),
        ("POST", ["v1", "projects"]) => create(req),
        ("GET", ["v1", "projects", slug]) => match project_index(slug) {
            Some(i) => ok(project(i)),
            None => code(5000),
        },
        ("GET", ["v1", "boom"]) => code(1),
        _ => code(2),
    }
}

fn ok(data: serde_json::Value) -> DemoResponse {
    DemoResponse::json(200, json!({"code": 0, "message": "OK", "data": data}))
}

fn project_index(slug: &str) -> Option<usize> {
    slug.strip_prefix("project-")?
        .parse::<usize>()
        .ok()
        .filter(|i| (1..=super::COLLECTION_SIZE).contains(i))
}

fn project(i: usize) -> serde_json::Value {
    json!({"slug": format!("project-{i}"), "name": format!("Project {i}")})
}

fn list(req: &DemoRequest) -> DemoResponse {
    let num = |name: &str, default: usize, max: usize| match req.param(name) {
        None => Some(default),
        Some(v) => v.parse::<usize>().ok().filter(|n| (1..=max).contains(n)),
    };
    let (Some(page), Some(size)) = (num("page", 1, usize::MAX), num("page_size", 20, 100)) else {
        return code(1000);
    };
    let total = super::COLLECTION_SIZE;
    let (start, end) = page_bounds(page, size, total);
    let data: Vec<_> = (start..end).map(|i| project(i + 1)).collect();
    DemoResponse::json(
        200,
        json!({"code": 0, "message": "OK", "data": data,
               "pagination": {"page_size": size, "page": page, "total_items": total}}),
    )
}

fn create(req: &DemoRequest) -> DemoResponse {
    let Ok(body) = json_body(req) else {
        return code(1001);
    };
    let Some(slug) = body.get("slug").and_then(|s| s.as_str()) else {
        return code(1000);
    };
    if project_index(slug).is_some() {
        return code(5001);
    }
    if slug.is_empty()
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return code(5002);
    }
    let mut resp = ok(json!({"slug": slug}));
    resp.status = 201;
    resp
}
