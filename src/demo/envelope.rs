//! The `envelope` API (seed 000): `Authorization: Bearer imb_pat_…`, the
//! error envelope with 12 codes, `X-RateLimit-*` on every response, 300
//! requests / 5 min per token and 60 / 5 min per IP when unauthenticated.

use super::{DemoRequest, DemoResponse, DemoState, Rate, json_body, page_bounds};
use serde_json::json;

/// Demo tokens and what they do.
pub const TOKENS: &[(&str, &str)] = &[
    ("imb_pat_demo", "valid"),
    ("imb_pat_demo_readonly", "valid, but FORBIDDEN on writes"),
    ("imb_pat_demo_revoked", "INVALID_API_TOKEN"),
    ("imb_pat_demo_suspended", "ACCOUNT_SUSPENDED"),
    ("imb_pat_demo_inactive", "ACCOUNT_INACTIVE"),
    ("imb_pat_demo_billing", "BILLING_RESTRICTED"),
];

const TOKEN_RATE: Rate = Rate {
    limit: 300,
    window_s: 300,
};
const IP_RATE: Rate = Rate {
    limit: 60,
    window_s: 300,
};

fn error(status: u16, code: &str, message: &str, details: serde_json::Value) -> DemoResponse {
    DemoResponse::json(
        status,
        json!({"error": {
            "code": code,
            "message": message,
            "status": status,
            "requestId": request_id(),
            "details": details,
        }}),
    )
}

fn request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    format!("req_demo{:012x}", N.fetch_add(1, Ordering::Relaxed))
}

/// Handles one request below `/envelope`.
pub fn handle(state: &DemoState, req: &DemoRequest) -> DemoResponse {
    let token = req.bearer().map(str::to_owned);
    let (key, rate) = match &token {
        Some(t) if t.starts_with("imb_pat_") => (format!("envelope:token:{t}"), TOKEN_RATE),
        _ => (format!("envelope:ip:{}", req.ip), IP_RATE),
    };
    let rate = if state.config.rate.is_some() && rate.limit == IP_RATE.limit {
        // Shrunk windows keep the documented 5:1 ratio between budgets.
        let r = state.rate(TOKEN_RATE);
        Rate {
            limit: (r.limit / 5).max(1),
            window_s: r.window_s,
        }
    } else {
        state.rate(rate)
    };
    let decision = state.check(&key, rate);
    let resp = if decision.allowed {
        route(req, token.as_deref())
    } else {
        error(
            429,
            "RATE_LIMITED",
            "Too many requests. Please try again later.",
            json!(null),
        )
        .with("Retry-After", decision.retry_after_s.max(1).to_string())
    };
    let resp = resp
        .with("X-RateLimit-Limit", decision.limit.to_string())
        .with("X-RateLimit-Remaining", decision.remaining.to_string())
        .with("X-RateLimit-Reset", decision.reset_at.to_string());
    state.policy_header(resp, rate)
}

fn route(req: &DemoRequest, token: Option<&str>) -> DemoResponse {
    // Authentication first, as the real API does.
    let token = match token {
        None => {
            return error(
                401,
                "UNAUTHENTICATED",
                "No token provided or token format invalid.",
                json!(null),
            );
        }
        Some(t) if !t.starts_with("imb_pat_") => {
            return error(
                401,
                "UNAUTHENTICATED",
                "No token provided or token format invalid.",
                json!(null),
            );
        }
        Some(t) => t,
    };
    match token {
        "imb_pat_demo" | "imb_pat_demo_readonly" => {}
        "imb_pat_demo_suspended" => {
            return error(
                403,
                "ACCOUNT_SUSPENDED",
                "Account suspended by an administrator.",
                json!(null),
            );
        }
        "imb_pat_demo_inactive" => {
            return error(403, "ACCOUNT_INACTIVE", "Account is inactive.", json!(null));
        }
        "imb_pat_demo_billing" => {
            return error(
                403,
                "BILLING_RESTRICTED",
                "Billing issue restricts access.",
                json!(null),
            );
        }
        _ => {
            return error(
                401,
                "INVALID_API_TOKEN",
                "Token expired, revoked, or not found.",
                json!(null),
            );
        }
    }
    let readonly = token == "imb_pat_demo_readonly";
    let segs = req.segments();
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["v1", "boom"]) => error(
            500,
            "INTERNAL_ERROR",
            "Unexpected server error.",
            json!(null),
        ),
        ("GET", ["v1", "boards"]) => list(req),
        ("POST", ["v1", "boards"]) => {
            if readonly {
                return error(
                    403,
                    "FORBIDDEN",
                    "Insufficient permissions for this resource.",
                    json!(null),
                );
            }
            create(req)
        }
        (_, ["v1", "boards"]) => method_not_allowed(),
        ("GET", ["v1", "boards", id]) => match board_index(id) {
            Some(i) => DemoResponse::json(200, board(i)),
            None => not_found(),
        },
        (_, ["v1", "boards", _]) => method_not_allowed(),
        _ => not_found(),
    }
}

fn method_not_allowed() -> DemoResponse {
    error(
        405,
        "METHOD_NOT_ALLOWED",
        "HTTP method not supported for this endpoint.",
        json!(null),
    )
    .with("Allow", "GET, POST")
}

fn not_found() -> DemoResponse {
    error(
        404,
        "RESOURCE_NOT_FOUND",
        "Resource does not exist or is not accessible.",
        json!(null),
    )
}

fn board_index(id: &str) -> Option<usize> {
    id.strip_prefix("brd_")?
        .parse::<usize>()
        .ok()
        .filter(|i| (1..=super::COLLECTION_SIZE).contains(i))
}

fn board(i: usize) -> serde_json::Value {
    json!({"id": format!("brd_{i}"), "name": format!("Board {i}"), "createdAt": 1_767_225_600 + i as u64})
}

fn list(req: &DemoRequest) -> DemoResponse {
    let mut fields = serde_json::Map::new();
    let limit = match req.param("limit") {
        None => 20,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                fields.insert(
                    "limit".into(),
                    json!("Must be an integer between 1 and 100"),
                );
                0
            }
        },
    };
    if let Some(sort) = req.param("sort")
        && !matches!(sort.trim_start_matches('-'), "createdAt" | "updatedAt")
    {
        fields.insert(
            "sort".into(),
            json!("Invalid sort field. Allowed: createdAt, updatedAt"),
        );
    }
    let page = match req.param("page").map(str::parse::<usize>) {
        None => 1,
        Some(Ok(p)) if p >= 1 => p,
        Some(_) => {
            fields.insert("page".into(), json!("Must be an integer of at least 1"));
            1
        }
    };
    if !fields.is_empty() {
        return error(
            400,
            "INVALID_QUERY_PARAMETER",
            "One or more query parameters are invalid.",
            json!({"fields": fields}),
        );
    }
    let total = super::COLLECTION_SIZE;
    let (start, end) = page_bounds(page, limit, total);
    let data: Vec<_> = (start..end).map(|i| board(i + 1)).collect();
    let mut resp = DemoResponse::json(200, json!({"data": data}));
    let link = |p: usize| {
        let mut q: Vec<(String, String)> = req
            .query
            .iter()
            .filter(|(k, _)| k != "page")
            .cloned()
            .collect();
        q.push(("page".into(), p.to_string()));
        let qs = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(q)
            .finish();
        format!("{}/v1/boards?{qs}", req.base)
    };
    let last = total.div_ceil(limit).max(1);
    let mut links = vec![
        format!("<{}>; rel=\"first\"", link(1)),
        format!("<{}>; rel=\"last\"", link(last)),
    ];
    if page < last {
        links.insert(0, format!("<{}>; rel=\"next\"", link(page + 1)));
    }
    resp = resp.with("Link", links.join(", "));
    resp
}

fn create(req: &DemoRequest) -> DemoResponse {
    let body = match json_body(req) {
        Ok(b) => b,
        Err(e) => {
            return error(
                400,
                "INVALID_REQUEST_BODY",
                "Request body failed validation.",
                json!({"fields": {"body": format!("Must be valid JSON ({e})")}}),
            );
        }
    };
    match body.get("name").and_then(|n| n.as_str()) {
        Some(n) if !n.trim().is_empty() && n.len() <= 100 => DemoResponse::json(
            201,
            json!({"id": "brd_new", "name": n, "createdAt": 1_767_225_600u64}),
        ),
        _ => error(
            400,
            "INVALID_REQUEST_BODY",
            "Request body failed validation.",
            json!({"fields": {"name": "Required: a string of 1 to 100 characters"}}),
        ),
    }
}
