//! HTTP Digest access authentication (RFC 7616, with RFC 2069's answer
//! when the server offers no `qop`): MD5, SHA-256 and SHA-512-256, their
//! `-sess` variants, `qop=auth`, the nonce count, `userhash`.
//!
//! Credentials are written as httpyac and JetBrains users write them,
//! `Authorization: Digest USER PASSWORD`; that shorthand never goes on the
//! wire: the first request goes without it, and the server's challenge is
//! answered.

use crate::decode::auth::Challenge;
use md5::Digest as _;

/// A user name and password for Digest.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub user: String,
    /// The password.
    pub password: String,
    /// The challenge's values given ahead (a Postman collection's `realm`,
    /// `nonce`, …): the first request carries its answer, as Postman's
    /// runtime sends it, rather than waiting for a challenge.
    pub preset: Option<Preset>,
}

/// A Digest challenge's values written in the request (Postman's digest
/// auth with its `realm` and `nonce` filled in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preset {
    /// `realm`.
    pub realm: String,
    /// `nonce`.
    pub nonce: String,
    /// `algorithm` (MD5 when empty).
    pub algorithm: String,
    /// `qop` (`auth`, or empty).
    pub qop: String,
    /// `nc`, as written.
    pub nc: String,
    /// `cnonce`, as written.
    pub cnonce: String,
    /// `opaque`.
    pub opaque: String,
    /// The auth these credentials are (a Postman folder's, written by the
    /// import): the requests that share it share what a challenge taught.
    pub shared: String,
}

impl Preset {
    /// Whether the first request can carry its answer: the realm and the
    /// nonce are given.
    pub fn ready(&self) -> bool {
        !self.realm.is_empty() && !self.nonce.is_empty()
    }

    /// The values for the next request, as Postman's runtime counts on
    /// after an answer: the nonce count plus one (`00000001` when it was
    /// not a number).
    pub fn counted_on(mut self) -> Preset {
        self.nc = match self.nc.parse::<u64>() {
            Ok(n) => format!("{:08}", n.saturating_add(1)),
            Err(_) => "00000001".into(),
        };
        self
    }

    /// The values Postman's runtime takes from a challenge (its realm,
    /// nonce, qop and opaque; a fresh 8-character client nonce and the
    /// count 1 when there is a qop), over these; `None` when they are the
    /// values already sent (the credentials were refused: no retry).
    pub fn from_challenge(&self, challenge: &Challenge) -> Option<Preset> {
        let get = |k: &str| challenge.param(k).unwrap_or("").to_owned();
        let mut next = self.clone();
        next.realm = get("realm");
        next.nonce = get("nonce");
        let qop = get("qop");
        let opaque = get("opaque");
        if self.ready() && next.realm == self.realm && next.nonce == self.nonce {
            return None;
        }
        if !opaque.is_empty() {
            next.opaque = opaque;
        }
        if !qop.is_empty() {
            // (A list, `auth, auth-int`: auth, the one answered.)
            next.qop = if qop
                .split(',')
                .any(|q| q.trim().eq_ignore_ascii_case("auth"))
            {
                "auth".into()
            } else {
                qop
            };
        }
        if !next.qop.is_empty() {
            const ASCII: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            next.cnonce = (0..8)
                .map(|_| ASCII[fastrand::usize(..ASCII.len())] as char)
                .collect();
            next.nc = "00000001".into();
        }
        Some(next)
    }
}

/// The keys a shorthand may end with (`realm="…" nonce="…"`).
const PRESET_KEYS: &[&str] = &[
    "realm",
    "nonce",
    "algorithm",
    "qop",
    "nc",
    "cnonce",
    "opaque",
    "shared",
];

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"…")
            .finish()
    }
}

/// The shorthand `Digest USER PASSWORD` (no `=` in it, so not an answer
/// already computed): the credentials, else `None`.
pub fn shorthand(value: &str) -> Option<Credentials> {
    let rest = value.trim();
    let (scheme, rest) = rest.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("digest") {
        return None;
    }
    let rest = rest.trim_start();
    let (user, password) = rest.split_once(char::is_whitespace)?;
    // An answer (`username="…", …`) is not the shorthand.
    if user.contains('=') || user.contains('"') {
        return None;
    }
    // Trailing `key="value"` (or `key=value`) words of the challenge's
    // keys: given ahead.
    let mut password = password.trim().to_owned();
    let mut given: Vec<(String, String)> = Vec::new();
    while let Some((head, last)) = split_last_param(&password) {
        given.push(last);
        password = head;
    }
    let preset = (!given.is_empty()).then(|| {
        let mut p = Preset::default();
        for (k, v) in given {
            let slot = match k.as_str() {
                "realm" => &mut p.realm,
                "nonce" => &mut p.nonce,
                "algorithm" => &mut p.algorithm,
                "qop" => &mut p.qop,
                "nc" => &mut p.nc,
                "cnonce" => &mut p.cnonce,
                "shared" => &mut p.shared,
                _ => &mut p.opaque,
            };
            *slot = v;
        }
        p
    });
    Some(Credentials {
        user: user.to_owned(),
        password,
        preset,
    })
}

/// `text` without its last ` key="value"` word (a challenge key), and
/// that pair; `None` when it does not end with one.
fn split_last_param(text: &str) -> Option<(String, (String, String))> {
    let text = text.trim_end();
    let (head, value) = if let Some(body) = text.strip_suffix('"') {
        let open = body.rfind("=\"")?;
        (&body[..open], body[open + 2..].to_owned())
    } else {
        let eq = text.rfind('=')?;
        let value = &text[eq + 1..];
        if value.contains(char::is_whitespace) || value.contains('"') {
            return None;
        }
        (&text[..eq], value.to_owned())
    };
    let start = head.rfind(char::is_whitespace)? + 1;
    let key = &head[start..];
    if !PRESET_KEYS.contains(&key) {
        return None;
    }
    Some((head[..start].trim_end().to_owned(), (key.to_owned(), value)))
}

/// The `Authorization` Postman's runtime sends for digest auth whose
/// `realm` and `nonce` are given (no challenge awaited), byte for byte:
/// `uri` is the request target (path and query).
pub fn postman_answer(
    creds: &Credentials,
    preset: &Preset,
    method: &str,
    uri: &str,
) -> Result<String, String> {
    let algorithm = if preset.algorithm.is_empty() {
        "MD5"
    } else {
        preset.algorithm.as_str()
    };
    let (alg, sess) = Algorithm::parse(algorithm)
        .ok_or_else(|| format!("the Digest algorithm {algorithm} is not supported"))?;
    if !preset.qop.is_empty() && preset.qop != "auth" {
        return Err(format!(
            "Digest qop {} is not supported (auth is)",
            preset.qop
        ));
    }
    let (realm, nonce) = (&preset.realm, &preset.nonce);
    let ha1 = if sess {
        let a0 = alg.hash(&format!("{}:{realm}:{}", creds.user, creds.password));
        alg.hash(&format!("{a0}:{nonce}:{}", preset.cnonce))
    } else {
        alg.hash(&format!("{}:{realm}:{}", creds.user, creds.password))
    };
    let ha2 = alg.hash(&format!("{method}:{uri}"));
    let auth = preset.qop == "auth";
    let response = if auth {
        alg.hash(&format!(
            "{ha1}:{nonce}:{}:{}:auth:{ha2}",
            preset.nc, preset.cnonce
        ))
    } else {
        alg.hash(&format!("{ha1}:{nonce}:{ha2}"))
    };
    let mut out = format!(
        "Digest username=\"{}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", algorithm=\"{algorithm}\"",
        creds.user
    );
    if auth {
        out.push_str(", qop=auth");
    }
    if auth || algorithm == "MD5-sess" {
        if !preset.nc.is_empty() {
            out.push_str(&format!(", nc={}", preset.nc));
        }
        out.push_str(&format!(", cnonce=\"{}\"", preset.cnonce));
    }
    out.push_str(&format!(", response=\"{response}\""));
    if !preset.opaque.is_empty() {
        out.push_str(&format!(", opaque=\"{}\"", preset.opaque));
    }
    Ok(out)
}

/// The hash algorithms of RFC 7616 §3.3 (and MD5, the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    Md5,
    Sha256,
    Sha512_256,
}

impl Algorithm {
    fn parse(name: &str) -> Option<(Algorithm, bool)> {
        let upper = name.trim().to_ascii_uppercase();
        let (base, sess) = match upper.strip_suffix("-SESS") {
            Some(b) => (b.to_owned(), true),
            None => (upper, false),
        };
        let alg = match base.as_str() {
            "MD5" => Algorithm::Md5,
            "SHA-256" => Algorithm::Sha256,
            "SHA-512-256" => Algorithm::Sha512_256,
            _ => return None,
        };
        Some((alg, sess))
    }

    fn hash(self, data: &str) -> String {
        match self {
            Algorithm::Md5 => hex(&md5::Md5::digest(data.as_bytes())),
            Algorithm::Sha256 => hex(&sha2::Sha256::digest(data.as_bytes())),
            Algorithm::Sha512_256 => hex(&sha2::Sha512_256::digest(data.as_bytes())),
        }
    }

    /// Preference when a server offers several (RFC 7616 §3.7: the
    /// strongest one the client supports).
    fn rank(self) -> u8 {
        match self {
            Algorithm::Sha512_256 => 3,
            Algorithm::Sha256 => 2,
            Algorithm::Md5 => 1,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The Digest challenge to answer among a response's challenges: the
/// strongest algorithm supported; an error naming why none can be.
pub fn pick(challenges: &[Challenge]) -> Result<&Challenge, String> {
    let digests: Vec<&Challenge> = challenges.iter().filter(|c| c.is("Digest")).collect();
    if digests.is_empty() {
        return Err("the server did not ask for Digest authentication".into());
    }
    digests
        .iter()
        .filter_map(|c| {
            let (alg, _) = Algorithm::parse(c.param("algorithm").unwrap_or("MD5"))?;
            Some((alg.rank(), *c))
        })
        .max_by_key(|(r, _)| *r)
        .map(|(_, c)| c)
        .ok_or_else(|| {
            format!(
                "the server's Digest algorithm {} is not supported (MD5, SHA-256, SHA-512-256 and their -sess forms are)",
                digests[0].param("algorithm").unwrap_or("?")
            )
        })
}

/// The `Authorization` value answering `challenge` for `method` on `uri`
/// (the request target: path and query), with nonce count `nc` and the
/// client nonce `cnonce`.
pub fn answer(
    challenge: &Challenge,
    creds: &Credentials,
    method: &str,
    uri: &str,
    nc: u32,
    cnonce: &str,
) -> Result<String, String> {
    let realm = challenge.param("realm").unwrap_or("");
    let nonce = challenge
        .param("nonce")
        .ok_or("the server's Digest challenge has no nonce")?;
    let algorithm_name = challenge.param("algorithm").unwrap_or("MD5");
    let (alg, sess) = Algorithm::parse(algorithm_name)
        .ok_or_else(|| format!("the Digest algorithm {algorithm_name} is not supported"))?;
    let qops: Vec<String> = challenge
        .param("qop")
        .map(|q| {
            q.split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let qop = if qops.is_empty() {
        None
    } else if qops.iter().any(|q| q == "auth") {
        Some("auth")
    } else {
        return Err(format!(
            "the server's Digest qop ({}) is not supported (auth is)",
            qops.join(", ")
        ));
    };
    let userhash = challenge
        .param("userhash")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let nc = format!("{nc:08x}");
    let mut ha1 = alg.hash(&format!("{}:{realm}:{}", creds.user, creds.password));
    if sess {
        ha1 = alg.hash(&format!("{ha1}:{nonce}:{cnonce}"));
    }
    let ha2 = alg.hash(&format!("{method}:{uri}"));
    let response = match qop {
        Some(q) => alg.hash(&format!("{ha1}:{nonce}:{nc}:{cnonce}:{q}:{ha2}")),
        None => alg.hash(&format!("{ha1}:{nonce}:{ha2}")),
    };
    let quote = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let username = if userhash {
        alg.hash(&format!("{}:{realm}", creds.user))
    } else {
        creds.user.clone()
    };
    let mut out = format!(
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{}\", algorithm={}, response=\"{response}\"",
        quote(&username),
        quote(realm),
        quote(nonce),
        quote(uri),
        algorithm_name
    );
    if let Some(q) = qop {
        out.push_str(&format!(", qop={q}, nc={nc}, cnonce=\"{}\"", quote(cnonce)));
    }
    if let Some(opaque) = challenge.param("opaque") {
        out.push_str(&format!(", opaque=\"{}\"", quote(opaque)));
    }
    if userhash {
        out.push_str(", userhash=true");
    }
    Ok(out)
}

/// A fresh client nonce: 16 random bytes, hex.
pub fn cnonce() -> String {
    (0..16)
        .map(|_| format!("{:02x}", fastrand::u8(..)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::auth::parse_challenges;

    /// Postman's digest with its realm and nonce given: each expected
    /// header is what newman's runtime (postman-runtime's digest
    /// authorizer) signed for the same values.
    #[test]
    fn a_preset_is_answered_ahead_as_postmans_runtime_does() {
        for (shorthand_text, method, uri, want) in [
            (
                r#"Digest postman password realm="Users" nonce="nonce_FAKE_42" algorithm="MD5""#,
                "GET",
                "/digest-auth",
                r#"Digest username="postman", realm="Users", nonce="nonce_FAKE_42", uri="/digest-auth", algorithm="MD5", response="c0741ff0d2a9fe60880a76b2e60b238c""#,
            ),
            (
                r#"Digest ann pw FAKE realm="R" nonce="N" algorithm="SHA-256" qop="auth" nc="00000001" cnonce="cn" opaque="op""#,
                "POST",
                "/a/b?x=1&y=2",
                r#"Digest username="ann", realm="R", nonce="N", uri="/a/b?x=1&y=2", algorithm="SHA-256", qop=auth, nc=00000001, cnonce="cn", response="1e98c5507fdc45bd10e93892c4864e18c529166a4ba7eb6d2752aaedb859966b", opaque="op""#,
            ),
            (
                r#"Digest ann pw realm="R" nonce="N" algorithm="MD5-sess" cnonce="cn" nc="00000002""#,
                "GET",
                "/",
                r#"Digest username="ann", realm="R", nonce="N", uri="/", algorithm="MD5-sess", nc=00000002, cnonce="cn", response="c4768ee2eaeab84923e5348b18a5a9b4""#,
            ),
        ] {
            let c = shorthand(shorthand_text).unwrap();
            let p = c.preset.clone().expect("a preset");
            assert_eq!(postman_answer(&c, &p, method, uri).unwrap(), want);
        }
        // The password keeps its spaces; without a realm and a nonce the
        // challenge is awaited.
        let c = shorthand(r#"Digest ann pw FAKE realm="R""#).unwrap();
        assert_eq!(c.password, "pw FAKE");
        assert!(!c.preset.unwrap().ready());
        assert_eq!(shorthand("Digest ann pw").unwrap().preset, None);
        assert_eq!(
            shorthand("Digest ann two words").unwrap().password,
            "two words"
        );
        // A challenge that offers a list of qop: auth is answered.
        let c = shorthand(r#"Digest ann pw algorithm="MD5""#).unwrap();
        let ch = parse_challenges(r#"Digest realm="R", nonce="N", qop="auth, auth-int""#).unwrap();
        let next = c.preset.as_ref().unwrap().from_challenge(&ch[0]).unwrap();
        assert_eq!(next.qop, "auth");
        assert!(postman_answer(&c, &next, "GET", "/").is_ok());
    }

    /// RFC 7616 §3.9.1: the example, MD5 and SHA-256, to the digit.
    #[test]
    fn the_rfc_7616_examples_give_the_rfc_responses() {
        let creds = Credentials {
            user: "Mufasa".into(),
            password: "Circle of Life".into(),
            preset: None,
        };
        let base = r#"realm="http-auth@example.org", qop="auth, auth-int", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        for (alg, want) in [
            ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
            (
                "SHA-256",
                "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            ),
        ] {
            let c = parse_challenges(&format!("Digest {base}, algorithm={alg}")).unwrap();
            let a = answer(
                pick(&c).unwrap(),
                &creds,
                "GET",
                "/dir/index.html",
                1,
                cnonce,
            )
            .unwrap();
            assert!(a.contains(&format!("response=\"{want}\"")), "{alg}: {a}");
            assert!(a.contains("qop=auth, nc=00000001"), "{a}");
            assert!(a.contains("opaque=\"FQhe/"), "{a}");
        }
    }

    /// RFC 2617 §3.5's example (qop=auth, MD5) and RFC 2069's answer
    /// without qop.
    #[test]
    fn the_rfc_2617_example_and_a_challenge_without_qop() {
        let creds = Credentials {
            user: "Mufasa".into(),
            password: "Circle Of Life".into(),
            preset: None,
        };
        let c = parse_challenges(r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#).unwrap();
        let a = answer(
            pick(&c).unwrap(),
            &creds,
            "GET",
            "/dir/index.html",
            1,
            "0a4f113b",
        )
        .unwrap();
        assert!(
            a.contains("response=\"6629fae49393a05397450978507c4ef1\""),
            "{a}"
        );
        let c = parse_challenges(r#"Digest realm="r", nonce="n""#).unwrap();
        let a = answer(&c[0], &creds, "GET", "/", 1, "x").unwrap();
        assert!(!a.contains("qop"), "{a}");
    }

    #[test]
    fn the_strongest_algorithm_is_answered_and_unknown_ones_are_named() {
        let c = parse_challenges(r#"Digest realm="a", nonce="1", algorithm=MD5, Digest realm="a", nonce="2", algorithm=SHA-256"#).unwrap();
        assert_eq!(pick(&c).unwrap().param("nonce"), Some("2"));
        let c = parse_challenges(r#"Digest realm="a", nonce="1", algorithm=SHA3"#).unwrap();
        assert!(pick(&c).unwrap_err().contains("SHA3"));
        let c = parse_challenges(r#"Basic realm="a""#).unwrap();
        assert!(pick(&c).is_err());
        let c = parse_challenges(r#"Digest realm="a", nonce="1", qop="auth-int""#).unwrap();
        let creds = shorthand("Digest u p").unwrap();
        assert!(
            answer(&c[0], &creds, "GET", "/", 1, "x")
                .unwrap_err()
                .contains("auth-int")
        );
    }

    #[test]
    fn the_shorthand_is_read_and_a_computed_answer_is_not_taken_for_it() {
        let c = shorthand("Digest ann pass word").unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str()), ("ann", "pass word"));
        assert!(shorthand(r#"Digest username="ann", realm="r""#).is_none());
        assert!(shorthand("Basic ann pw").is_none());
        assert!(shorthand("Digest ann").is_none());
        assert!(!format!("{c:?}").contains("pass word"));
    }
}
