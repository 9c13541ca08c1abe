//! `{{…}}` templates: the one scanner every reader of them uses — the
//! collection resolver, the request line (`{{env.NAME}}`, the "not
//! resolved" check), the items and the importers. Hurl parses a template
//! into elements once; so does this: text, and placeholders with the
//! byte offset where each starts, so an error can name its line.
//!
//! A `{{` with no `}}` after it ends the template: what follows is
//! [`Piece::Unclosed`], and each reader decides (the resolver refuses it,
//! the request line keeps it as text).

use std::borrow::Cow;

/// One piece of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text, as written.
    Text(&'a str),
    /// A placeholder.
    Var(Var<'a>),
    /// A `{{` that is never closed, and the rest of the text from it.
    Unclosed {
        /// Byte offset of the `{{`.
        at: usize,
        /// The rest of the text, from `{{`.
        rest: &'a str,
    },
}

/// A `{{ expr }}` placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Var<'a> {
    /// What is between the braces, trimmed (`login.response.body.$.id`).
    pub expr: &'a str,
    /// The placeholder as written, braces included.
    pub raw: &'a str,
    /// Byte offset of its `{{` in the text.
    pub at: usize,
}

impl Var<'_> {
    /// Whether it names a variable (`token`, `env.TOKEN`, `$uuid`,
    /// `{{ base_url }}`, `login.response.body.$.x`) rather than being
    /// another template language's syntax (`{{#each}}`, `{{> partial}}`).
    pub fn is_variable(&self) -> bool {
        is_variable(self.expr)
    }
}

/// Whether `expr` (between the braces, trimmed) names a variable.
pub fn is_variable(expr: &str) -> bool {
    expr.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && expr.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '_' | '.' | '-' | '$' | ' ' | '[' | ']' | '*' | '@' | '"' | '\''
                )
        })
}

/// The pieces of `text`, in order.
pub fn pieces(text: &str) -> Pieces<'_> {
    Pieces { text, at: 0 }
}

/// Iterator of [`pieces`].
#[derive(Debug, Clone)]
pub struct Pieces<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        let rest = &self.text[self.at..];
        if rest.is_empty() {
            return None;
        }
        let Some(open) = memchr::memmem::find(rest.as_bytes(), b"{{") else {
            self.at = self.text.len();
            return Some(Piece::Text(rest));
        };
        if open > 0 {
            self.at += open;
            return Some(Piece::Text(&rest[..open]));
        }
        let start = self.at;
        match memchr::memmem::find(&rest.as_bytes()[2..], b"}}") {
            Some(close) => {
                let raw = &rest[..close + 4];
                self.at += close + 4;
                Some(Piece::Var(Var {
                    expr: raw[2..raw.len() - 2].trim(),
                    raw,
                    at: start,
                }))
            }
            None => {
                self.at = self.text.len();
                Some(Piece::Unclosed { at: start, rest })
            }
        }
    }
}

/// Whether `text` holds a `{{` at all (a placeholder, or the start of one).
pub fn has_placeholder(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"{{").is_some()
}

/// The first placeholder in `text` that names a variable, as written
/// (`{{token}}`, `{{ base_url }}` → `{{base_url}}`): a request that still
/// holds one is never sent.
pub fn first_variable(text: &str) -> Option<String> {
    pieces(text).find_map(|p| match p {
        Piece::Var(v) if v.is_variable() => Some(format!("{{{{{}}}}}", v.expr)),
        _ => None,
    })
}

/// Every placeholder's expression that names a variable, in order.
pub fn variables(text: &str) -> impl Iterator<Item = &str> {
    pieces(text).filter_map(|p| match p {
        Piece::Var(v) if v.is_variable() => Some(v.expr),
        _ => None,
    })
}

/// `text` with each placeholder replaced by what `value` gives (`None`
/// keeps it as written); an unclosed `{{` is kept as text. Borrows when
/// nothing changes.
pub fn map<'a, E>(
    text: &'a str,
    mut value: impl FnMut(&Var<'a>) -> Result<Option<Cow<'a, str>>, E>,
) -> Result<Cow<'a, str>, E> {
    if !has_placeholder(text) {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    for p in pieces(text) {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Unclosed { rest, .. } => out.push_str(rest),
            Piece::Var(v) => match value(&v)? {
                Some(s) => out.push_str(&s),
                None => out.push_str(v.raw),
            },
        }
    }
    Ok(Cow::Owned(out))
}

/// The 1-based line of byte `at` in `text`, counting from `first`.
pub fn line_at(text: &str, at: usize, first: usize) -> usize {
    first + memchr::memchr_iter(b'\n', &text.as_bytes()[..at.min(text.len())]).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_a_template() {
        let p: Vec<Piece> = pieces("a {{ x }}b{{$uuid}}{{oops").collect();
        assert_eq!(
            p,
            [
                Piece::Text("a "),
                Piece::Var(Var {
                    expr: "x",
                    raw: "{{ x }}",
                    at: 2
                }),
                Piece::Text("b"),
                Piece::Var(Var {
                    expr: "$uuid",
                    raw: "{{$uuid}}",
                    at: 10
                }),
                Piece::Unclosed {
                    at: 19,
                    rest: "{{oops"
                },
            ]
        );
        assert_eq!(pieces("").count(), 0);
        assert_eq!(
            first_variable("x {{#each}} {{ base_url }}"),
            Some("{{base_url}}".into())
        );
        assert_eq!(first_variable("{{#each}}"), None);
        let out = map("a{{x}}b{{y}}{{", |v| {
            Ok::<_, ()>((v.expr == "x").then_some(Cow::Borrowed("1")))
        })
        .unwrap();
        assert_eq!(out, "a1b{{y}}{{");
        assert_eq!(line_at("a\nb\n{{x}}", 4, 10), 12);
    }

    #[test]
    fn pieces_put_back_together_are_the_text() {
        for t in ["", "{{", "}}", "{{}}", "a{{b}}c}}{{d", "{{{x}}}", "é{{ü}}ß"] {
            let back: String = pieces(t)
                .map(|p| match p {
                    Piece::Text(s) => s,
                    Piece::Var(v) => v.raw,
                    Piece::Unclosed { rest, .. } => rest,
                })
                .collect();
            assert_eq!(back, t);
        }
    }
}
