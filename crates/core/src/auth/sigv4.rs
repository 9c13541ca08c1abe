//! AWS Signature Version 4 (the `AWS4-HMAC-SHA256` scheme): httpyac's
//! `Authorization: AWS KEY_ID SECRET [token:T] region:R service:S` and
//! curl's `--aws-sigv4 aws:amz:REGION:SERVICE`. The shorthand never goes
//! on the wire: the request is signed as it leaves (its Host, its
//! `x-amz-date`, its body's hash).

use crate::model::Request;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Credentials and scope for one signature.
#[derive(Clone, PartialEq, Eq)]
pub struct Aws {
    /// The access key id.
    pub key_id: String,
    /// The secret access key.
    pub secret: String,
    /// A session token (temporary credentials), sent as
    /// `x-amz-security-token`.
    pub session_token: Option<String>,
    /// The region (`us-east-1`).
    pub region: String,
    /// The service (`execute-api`, `s3`, …).
    pub service: String,
}

impl std::fmt::Debug for Aws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aws")
            .field("key_id", &self.key_id)
            .field("region", &self.region)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

/// httpyac's shorthand: `AWS KEY_ID SECRET [token:T] region:R service:S`.
pub fn shorthand(value: &str) -> Option<Aws> {
    let mut words = value.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("aws") {
        return None;
    }
    let key_id = words.next()?.to_owned();
    let secret = words.next()?.to_owned();
    // (A computed `AWS4-HMAC-SHA256 …` answer is not the shorthand.)
    if key_id.contains('=')
        || secret.contains('=') && !secret.contains(':') && secret.ends_with(',')
    {
        return None;
    }
    let mut aws = Aws {
        key_id,
        secret,
        session_token: None,
        region: String::new(),
        service: String::new(),
    };
    for w in words {
        match w.split_once(':') {
            Some(("token", t)) => aws.session_token = Some(t.to_owned()),
            Some(("region", r)) => aws.region = r.to_owned(),
            Some(("service", s)) => aws.service = s.to_owned(),
            _ => return None,
        }
    }
    (!aws.region.is_empty() && !aws.service.is_empty()).then_some(aws)
}

/// curl's `--aws-sigv4 PROVIDER1[:PROVIDER2[:REGION[:SERVICE]]]` with its
/// credentials `KEY_ID:SECRET`; the region and service taken from an
/// `*.amazonaws.com` host when not given.
pub fn from_curl(spec: &str, user: &str, url: &str) -> Result<Aws, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    if !parts[0].eq_ignore_ascii_case("aws") {
        return Err(format!(
            "--aws-sigv4 {spec}: only the aws provider is supported (aws:amz:REGION:SERVICE)"
        ));
    }
    let (key_id, secret) = user
        .split_once(':')
        .ok_or("--aws-sigv4 needs the credentials as --user KEY_ID:SECRET")?;
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    // `service.region.amazonaws.com`
    let labels: Vec<&str> = host.split('.').collect();
    let from_host = |i: usize| {
        (labels.len() >= 4 && host.ends_with(".amazonaws.com"))
            .then(|| labels.get(i).map(|s| (*s).to_owned()))
            .flatten()
    };
    let region = parts
        .get(2)
        .map(|s| (*s).to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| from_host(1))
        .ok_or_else(|| format!("--aws-sigv4 {spec}: no region (write aws:amz:REGION:SERVICE)"))?;
    let service = parts
        .get(3)
        .map(|s| (*s).to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| from_host(0))
        .ok_or_else(|| format!("--aws-sigv4 {spec}: no service (write aws:amz:REGION:SERVICE)"))?;
    Ok(Aws {
        key_id: key_id.to_owned(),
        secret: secret.to_owned(),
        session_token: None,
        region,
        service,
    })
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// RFC 3986's unreserved characters kept, every other byte `%XX`.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The signature of `req` (its URL, the headers named in `signed`, its
/// body) at `amz_date` (`YYYYMMDDTHHMMSSZ`): `(signature, credential
/// scope)`. The headers must already hold what is signed (`host`,
/// `x-amz-date`…).
pub fn signature(
    req: &Request,
    aws: &Aws,
    amz_date: &str,
    signed: &[String],
) -> Result<(String, String), String> {
    let url = url::Url::parse(req.url.as_deref().unwrap_or(""))
        .map_err(|e| format!("the URL does not parse ({e})"))?;
    let date = amz_date.get(..8).ok_or("a bad x-amz-date")?;
    // The path as the URL writes it (already percent-encoded once), each
    // segment's other characters encoded as RFC 3986 says.
    let path: String = if url.path().is_empty() {
        "/".into()
    } else {
        url.path()
            .split('/')
            .map(|seg| {
                let decoded = percent_decode(seg);
                encode(&decoded)
            })
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut query: Vec<(String, String)> = url
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(&percent_decode(k)), encode(&percent_decode(v)))
        })
        .collect();
    query.sort();
    let query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut names: Vec<String> = signed.iter().map(|s| s.to_ascii_lowercase()).collect();
    names.sort();
    names.dedup();
    let mut canonical_headers = String::new();
    for n in &names {
        let values: Vec<String> = req
            .headers
            .get_all(n)
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if values.is_empty() {
            return Err(format!("the signed header {n} is not in the request"));
        }
        canonical_headers.push_str(&format!("{n}:{}\n", values.join(",")));
    }
    let signed_headers = names.join(";");
    // (S3: the payload hash is the one `x-amz-content-sha256` declares —
    // `UNSIGNED-PAYLOAD` too — as AWS and curl sign it.)
    let payload = req
        .headers
        .get("x-amz-content-sha256")
        .map_or_else(|| hex(&Sha256::digest(&req.body)), |v| v.trim().to_owned());
    let canonical = format!(
        "{}\n{path}\n{query}\n{canonical_headers}\n{signed_headers}\n{payload}",
        req.method
    );
    let scope = format!("{date}/{}/{}/aws4_request", aws.region, aws.service);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let k_date = hmac(format!("AWS4{}", aws.secret).as_bytes(), date);
    let k_region = hmac(&k_date, &aws.region);
    let k_service = hmac(&k_region, &aws.service);
    let k_signing = hmac(&k_service, "aws4_request");
    Ok((hex(&hmac(&k_signing, &to_sign)), scope))
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map_or_else(|| s.to_owned(), |(_, v)| v.into_owned())
}

/// Signs `req` at `amz_date`: `x-amz-date` (and `x-amz-security-token`,
/// and for S3 `x-amz-content-sha256`) set, then `Authorization` —
/// signing `host`, the `x-amz-*` headers and `content-type`.
pub fn sign(req: &mut Request, aws: &Aws, amz_date: &str) -> Result<(), String> {
    let url = url::Url::parse(req.url.as_deref().unwrap_or(""))
        .map_err(|e| format!("the URL does not parse ({e})"))?;
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => return Err("the URL has no host".into()),
    };
    req.headers.remove("authorization");
    req.headers.remove("host");
    req.headers.remove("x-amz-date");
    req.headers.push("Host", host);
    req.headers.push("X-Amz-Date", amz_date);
    if let Some(t) = &aws.session_token {
        req.headers.remove("x-amz-security-token");
        req.headers.push("X-Amz-Security-Token", t.clone());
    }
    if aws.service == "s3" && !req.headers.contains("x-amz-content-sha256") {
        req.headers
            .push("X-Amz-Content-Sha256", hex(&Sha256::digest(&req.body)));
    }
    let signed: Vec<String> = req
        .headers
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .filter(|k| k == "host" || k.starts_with("x-amz-") || k == "content-type")
        .collect();
    let (sig, scope) = signature(req, aws, amz_date, &signed)?;
    let mut names = signed.clone();
    names.sort();
    names.dedup();
    req.headers.push(
        "Authorization",
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={}, Signature={sig}",
            aws.key_id,
            names.join(";")
        ),
    );
    Ok(())
}

/// `YYYYMMDDTHHMMSSZ` for Unix seconds.
pub fn amz_date(unix: i64) -> String {
    crate::time::rfc3339(unix)
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .take(15)
        .collect::<String>()
        + "Z"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AWS SigV4 test suite's `get-vanilla` case.
    #[test]
    fn the_get_vanilla_vector() {
        let aws = Aws {
            key_id: "AKIDEXAMPLE".into(),
            secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
            region: "us-east-1".into(),
            service: "service".into(),
        };
        let mut req = Request {
            method: "GET".into(),
            url: Some("https://example.amazonaws.com/".into()),
            ..Request::default()
        };
        sign(&mut req, &aws, "20150830T123600Z").unwrap();
        assert_eq!(
            req.headers.get("authorization"),
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
            )
        );
        assert_eq!(amz_date(1_440_938_160), "20150830T123600Z");
    }

    #[test]
    fn the_shorthands_are_read() {
        let a = shorthand(
            "AWS AKID_FAKE secret_FAKE token:tok_FAKE region:eu-west-1 service:execute-api",
        )
        .unwrap();
        assert_eq!(
            (a.region.as_str(), a.service.as_str()),
            ("eu-west-1", "execute-api")
        );
        assert_eq!(a.session_token.as_deref(), Some("tok_FAKE"));
        assert!(shorthand("AWS AKID secret").is_none());
        assert!(shorthand("AWS4-HMAC-SHA256 Credential=x").is_none());
        assert!(!format!("{a:?}").contains("secret_FAKE"));
        let c = from_curl(
            "aws:amz",
            "AKID:SECRET",
            "https://sqs.us-west-2.amazonaws.com/q",
        )
        .unwrap();
        assert_eq!(
            (c.region.as_str(), c.service.as_str()),
            ("us-west-2", "sqs")
        );
        assert!(from_curl("aws:amz", "AKID:SECRET", "https://example.com/").is_err());
    }
}
