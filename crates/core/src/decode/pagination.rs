//! Where a response sits in a collection: body fields named by the profile,
//! RFC 8288 `Link` headers, `Has-More` / `Limit` headers, and the arithmetic
//! between them (page count from total and size, `has_more` from page and
//! count, `next` from the request URL).

use super::json::Json;
use super::profile::Profile;
use super::{Pagination, first};
use crate::model::Exchange;

/// One link of a `Link` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The target as written (possibly relative).
    pub target: String,
    /// The relation types, lower-cased (`rel="next last"` gives two).
    pub rels: Vec<String>,
}

/// Parses `Link` header values (RFC 8288): several links per value, quoted
/// or bare parameters, `rel` lists, commas and semicolons inside quotes or
/// inside `<…>`.
pub fn parse_link_header(value: &str) -> Vec<Link> {
    let mut links = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Find the next `<`.
        let Some(open) = value[i..].find('<') else {
            break;
        };
        let start = i + open + 1;
        let Some(close) = value[start..].find('>') else {
            break;
        };
        let target = value[start..start + close].trim().to_owned();
        i = start + close + 1;
        let mut rels = Vec::new();
        // RFC 8288 §3.3: a second `rel` on one link is ignored.
        let mut rel_seen = false;
        // Parameters until a comma outside quotes.
        loop {
            while i < bytes.len() && (bytes[i] as char).is_whitespace() {
                i += 1;
            }
            if i >= bytes.len() {
                break;
            }
            match bytes[i] {
                b',' => {
                    i += 1;
                    break;
                }
                b';' => {
                    i += 1;
                    let (name, val, next) = param(value, i);
                    i = next;
                    if name.eq_ignore_ascii_case("rel") && !rel_seen {
                        rel_seen = true;
                        rels.extend(val.split_whitespace().map(str::to_ascii_lowercase));
                    }
                }
                _ => {
                    // Garbage: skip to the next comma or link.
                    match value[i..].find([',', '<']) {
                        Some(off) if bytes[i + off] == b',' => {
                            i += off + 1;
                            break;
                        }
                        Some(off) => {
                            i += off;
                            break;
                        }
                        None => {
                            i = bytes.len();
                            break;
                        }
                    }
                }
            }
        }
        links.push(Link { target, rels });
    }
    links
}

/// One `name=value` / `name="value"` / `name` parameter starting at `i`;
/// returns name, value and the index after it.
fn param(s: &str, mut i: usize) -> (String, String, usize) {
    let b = s.as_bytes();
    while i < b.len() && (b[i] as char).is_whitespace() {
        i += 1;
    }
    let name_start = i;
    while i < b.len() && !matches!(b[i], b'=' | b';' | b',') {
        i += 1;
    }
    let name = s[name_start..i].trim().to_owned();
    if i >= b.len() || b[i] != b'=' {
        return (name, String::new(), i);
    }
    i += 1;
    while i < b.len() && (b[i] as char).is_whitespace() {
        i += 1;
    }
    if i < b.len() && b[i] == b'"' {
        i += 1;
        let mut val = String::new();
        let mut chars = s[i..].char_indices();
        let mut end = s.len();
        while let Some((off, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        val.push(n);
                    }
                }
                '"' => {
                    end = i + off + 1;
                    break;
                }
                c => val.push(c),
            }
        }
        (name, val, end)
    } else {
        let start = i;
        while i < b.len() && !matches!(b[i], b';' | b',') {
            i += 1;
        }
        (name, s[start..i].trim().to_owned(), i)
    }
}

/// Reads the pagination state of a success response, or `None` when the
/// response shows no sign of being a page of a collection.
pub fn read(profile: &Profile, exchange: &Exchange, tree: Option<&Json>) -> Option<Pagination> {
    let spec = &profile.pagination;
    let headers = &exchange.response.headers;
    let base = exchange.url().and_then(|u| url::Url::parse(u).ok());
    let int = |ptrs: &[String]| first(tree, ptrs).and_then(Json::as_i64_lenient);

    let mut p = Pagination {
        page: int(&spec.page),
        page_size: int(&spec.page_size),
        total_items: int(&spec.total_items),
        page_count: int(&spec.page_count),
        has_more: first(tree, &spec.has_more).and_then(Json::as_bool_lenient),
        ..Pagination::default()
    };
    let mut signal = p.page.is_some()
        || p.page_size.is_some()
        || p.total_items.is_some()
        || p.page_count.is_some()
        || p.has_more.is_some();

    // `next` in the body: a URL, a path, or a cursor.
    if let Some(next) = first(tree, &spec.next)
        .and_then(Json::scalar_text)
        .filter(|n| !n.trim().is_empty())
    {
        signal = true;
        match resolve(&next, base.as_ref()) {
            Some(u) => p.next = Some(u),
            None if looks_like_url(&next) => {}
            None => p.cursor = Some(next),
        }
    }

    // Link headers.
    let links: Vec<Link> = headers
        .get_all("link")
        .flat_map(parse_link_header)
        .collect();
    if links.iter().any(|l| {
        l.rels
            .iter()
            .any(|r| matches!(r.as_str(), "next" | "prev" | "previous" | "first" | "last"))
    }) {
        signal = true;
    }
    if p.next.is_none()
        && let Some(l) = links.iter().find(|l| l.rels.iter().any(|r| r == "next"))
    {
        p.next = resolve(&l.target, base.as_ref());
        if p.has_more.is_none() {
            p.has_more = Some(true);
        }
    }
    if p.page_count.is_none()
        && let Some(last) = links.iter().find(|l| l.rels.iter().any(|r| r == "last"))
        && let Some(param) = &spec.page_param
        && let Some(n) = resolve(&last.target, base.as_ref()).and_then(|u| query_int(&u, param))
    {
        p.page_count = Some(n);
    }

    // Has-More / Limit headers.
    let has_more_header = spec.has_more_header.as_deref().unwrap_or("has-more");
    if let Some(v) = headers.get(has_more_header) {
        signal = true;
        if let Some(b) = Json::String(v.to_owned()).as_bool_lenient() {
            p.has_more = Some(b);
        }
    }
    if let Some(h) = &spec.limit_header
        && let Some(v) = headers.get(h)
    {
        signal = true;
        if p.page_size.is_none() {
            p.page_size = v.trim().parse().ok();
        }
    }

    if !signal {
        return None;
    }

    // Items on this page.
    p.items = spec
        .items
        .iter()
        .find_map(|ptr| match tree.and_then(|t| super::lookup(t, ptr)) {
            Some(Json::Array { len, .. }) => Some(*len),
            _ => None,
        });

    // The page number from the request when the body does not say.
    if p.page.is_none()
        && let Some(param) = &spec.page_param
        && (p.page_count.is_some() || p.total_items.is_some())
    {
        p.page = base
            .as_ref()
            .and_then(|u| query_int(u.as_str(), param))
            .or(Some(spec.first_page.unwrap_or(1)));
    }

    // Arithmetic between the parts.
    if p.page_count.is_none()
        && let (Some(total), Some(size)) = (p.total_items, p.page_size)
        && size > 0
    {
        // Numbers from outside: no overflow, whatever they are.
        p.page_count = Some(if total <= 0 {
            0
        } else {
            total.div_euclid(size) + i64::from(total.rem_euclid(size) != 0)
        });
    }
    if let (Some(page), Some(count)) = (p.page, p.page_count) {
        let last_page = count
            .saturating_sub(1)
            .saturating_add(spec.first_page.unwrap_or(1));
        if p.has_more.is_none() {
            p.has_more = Some(page < last_page);
        }
        if page >= last_page {
            p.next = None;
        }
    }
    if p.has_more == Some(false) {
        p.next = None;
    }
    if p.next.is_none()
        && p.has_more == Some(true)
        && let Some(base) = &base
    {
        if let (Some(cursor), Some(param)) = (&p.cursor, &spec.cursor_param) {
            p.next = Some(with_query(base, param, cursor));
        } else if let (Some(page), Some(param)) = (p.page, &spec.page_param) {
            p.next = Some(with_query(base, param, &page.saturating_add(1).to_string()));
        }
    }
    Some(p)
}

fn looks_like_url(s: &str) -> bool {
    s.contains("://") || s.starts_with('/') || s.starts_with('?')
}

/// An absolute URL for a link target, resolving relative ones against the
/// request URL; `None` when it cannot be made absolute or is not a URL.
fn resolve(target: &str, base: Option<&url::Url>) -> Option<String> {
    if let Ok(u) = url::Url::parse(target)
        && matches!(u.scheme(), "http" | "https")
    {
        return Some(u.to_string());
    }
    if !looks_like_url(target) {
        return None;
    }
    base?.join(target).ok().map(|u| u.to_string())
}

fn query_int(url: &str, param: &str) -> Option<i64> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == param)
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// The URL with one query parameter set (replaced if present, else added),
/// other parameters kept in order.
pub fn with_query(base: &url::Url, param: &str, value: &str) -> String {
    let mut u = base.clone();
    let pairs: Vec<(String, String)> = base
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut replaced = false;
    {
        let mut q = u.query_pairs_mut();
        q.clear();
        for (k, v) in &pairs {
            if k == param {
                if !replaced {
                    q.append_pair(k, value);
                    replaced = true;
                }
            } else {
                q.append_pair(k, v);
            }
        }
        if !replaced {
            q.append_pair(param, value);
        }
    }
    u.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_forms() {
        let links = parse_link_header(
            r#"<https://api.example.com/items?page=2>; rel="next", <https://x/y?a=1,2>; rel=last; title="a, b;c", </p?page=1>;rel="first prev""#,
        );
        assert_eq!(links.len(), 3);
        assert_eq!(links[0].rels, ["next"]);
        assert_eq!(links[1].target, "https://x/y?a=1,2");
        assert_eq!(links[1].rels, ["last"]);
        assert_eq!(links[2].rels, ["first", "prev"]);
    }

    #[test]
    fn with_query_replaces_or_appends() {
        let u = url::Url::parse("https://a.example/v1/boards?limit=20&page=2").unwrap();
        assert_eq!(
            with_query(&u, "page", "3"),
            "https://a.example/v1/boards?limit=20&page=3"
        );
        let u = url::Url::parse("https://a.example/v1/boards?limit=20").unwrap();
        assert_eq!(
            with_query(&u, "page", "2"),
            "https://a.example/v1/boards?limit=20&page=2"
        );
    }
}
