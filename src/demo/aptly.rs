//! The `aptly` API (seed 001): an `x-token` key per board, plain-string
//! errors (`{"error":"Unauthorized"}`), card pages by `?page=N`. The vendor
//! documents no numbers for its rate limit; the demo allows 120 requests per
//! minute per key and answers 429 with `Retry-After`.

use super::{DemoRequest, DemoResponse, DemoState, Rate, json_body, page_bounds};
use serde_json::json;

/// Demo keys: one per board, plus a read-only one.
pub const KEYS: &[(&str, &str)] = &[
    ("aptly_demo_key_b1", "board b1"),
    ("aptly_demo_key_b2", "board b2"),
    (
        "aptly_demo_key_b1_readonly",
        "board b1, read-only (403 on writes)",
    ),
];

const RATE: Rate = Rate {
    limit: 120,
    window_s: 60,
};
const PAGE_SIZE: usize = 20;

fn error(status: u16, message: &str) -> DemoResponse {
    DemoResponse::json(status, json!({"error": message}))
}

/// Handles one request below `/aptly`.
pub fn handle(state: &DemoState, req: &DemoRequest) -> DemoResponse {
    let key = req.header("x-token").map(str::to_owned);
    let budget = match &key {
        Some(k) => format!("aptly:key:{k}"),
        None => format!("aptly:ip:{}", req.ip),
    };
    let rate = state.rate(RATE);
    let decision = state.check(&budget, rate);
    let resp = if decision.allowed {
        route(req, key.as_deref())
    } else {
        error(429, "Too many requests")
            .with("Retry-After", decision.retry_after_s.max(1).to_string())
    };
    state.policy_header(resp, rate)
}

fn board_of(key: &str) -> Option<(&'static str, bool)> {
    match key {
        "aptly_demo_key_b1" => Some(("b1", false)),
        "aptly_demo_key_b2" => Some(("b2", false)),
        "aptly_demo_key_b1_readonly" => Some(("b1", true)),
        _ => None,
    }
}

fn route(req: &DemoRequest, key: Option<&str>) -> DemoResponse {
    let segs = req.segments();
    if segs.as_slice() == ["api", "boom"] {
        return error(500, "Internal server error");
    }
    let Some(key) = key else {
        return error(401, "Unauthorized");
    };
    let Some((key_board, readonly)) = board_of(key) else {
        return error(401, "Unauthorized");
    };
    let (board, rest) = match segs.as_slice() {
        ["api", "boards", board, rest @ ..] => (*board, rest),
        _ => return error(404, "Not found"),
    };
    if !matches!(board, "b1" | "b2") {
        return error(404, "Not found");
    }
    if board != key_board {
        // Each board generates its own key.
        return error(401, "Unauthorized");
    }
    match (req.method.as_str(), rest) {
        ("GET", ["cards"]) => {
            let page = match req.param("page").map(str::parse::<usize>) {
                None => 1,
                Some(Ok(p)) if p >= 1 => p,
                Some(_) => return error(400, "Bad request"),
            };
            let total = super::COLLECTION_SIZE;
            let (start, end) = page_bounds(page, PAGE_SIZE, total);
            let cards: Vec<_> = (start..end).map(|i| card(board, i + 1)).collect();
            DemoResponse::json(
                200,
                json!({"data": cards, "meta": {
                    "page": page, "per_page": PAGE_SIZE, "total": total,
                    "total_pages": total.div_ceil(PAGE_SIZE)
                }}),
            )
        }
        ("POST", ["cards"]) => {
            if readonly {
                return error(403, "Forbidden");
            }
            if !req.json_content_type() {
                return error(400, "Bad request");
            }
            match json_body(req) {
                Ok(b) if b.get("title").and_then(|t| t.as_str()).is_some() => DemoResponse::json(
                    201,
                    json!({"id": "card_new", "board": board, "title": b["title"]}),
                ),
                _ => error(400, "Bad request"),
            }
        }
        ("GET", ["cards", id]) => match id
            .strip_prefix("card_")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=super::COLLECTION_SIZE).contains(n))
        {
            Some(n) => DemoResponse::json(200, card(board, n)),
            None => error(404, "Not found"),
        },
        _ => error(404, "Not found"),
    }
}

fn card(board: &str, n: usize) -> serde_json::Value {
    json!({"id": format!("card_{n}"), "board": board, "title": format!("Card {n}")})
}
