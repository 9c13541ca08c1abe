//! OAuth 2.0 as `.http` users already write it: the JetBrains HTTP
//! Client's `"Security": {"Auth": {"ID": {"Type": "OAuth2", …}}}` block of
//! the environment files, used as `{{$auth.token("ID")}}` (and
//! `{{$auth.idToken("ID")}}`). Pure: what to ask the token endpoint, how to
//! read its answer, how a cached token is named. Sending, and the cache
//! file, are the caller's.

use crate::collection::vars::Environments;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The grants apiscope runs without a person (`Grant Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grant {
    /// `Client Credentials` (RFC 6749 §4.4).
    ClientCredentials,
    /// `Password` (RFC 6749 §4.3).
    Password,
    /// `Authorization Code` (with PKCE): needs a person at a browser.
    AuthorizationCode,
    /// `Device Authorization` (RFC 8628): needs a person at a browser.
    DeviceCode,
    /// `Implicit`: not supported (OAuth 2.1 drops it).
    Implicit,
    /// `Token Exchange` (RFC 8693): a token the caller has (`Subject
    /// Token`) traded for one for this API.
    TokenExchange,
}

impl Grant {
    fn parse(s: &str) -> Option<Grant> {
        let k: String = s
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match k.as_str() {
            "clientcredentials" => Grant::ClientCredentials,
            "password" => Grant::Password,
            "authorizationcode" => Grant::AuthorizationCode,
            "deviceauthorization" | "devicecode" => Grant::DeviceCode,
            "implicit" => Grant::Implicit,
            "tokenexchange" => Grant::TokenExchange,
            _ => return None,
        })
    }

    /// The name as the env file writes it.
    pub fn label(self) -> &'static str {
        match self {
            Grant::ClientCredentials => "Client Credentials",
            Grant::Password => "Password",
            Grant::AuthorizationCode => "Authorization Code",
            Grant::DeviceCode => "Device Authorization",
            Grant::Implicit => "Implicit",
            Grant::TokenExchange => "Token Exchange",
        }
    }

    /// Whether a person must take part (a browser, a code to enter).
    pub fn interactive(self) -> bool {
        matches!(
            self,
            Grant::AuthorizationCode | Grant::DeviceCode | Grant::Implicit
        )
    }
}

/// How the client authenticates to the token endpoint (`Client
/// Credentials`): HTTP Basic (the default, RFC 6749 §2.3.1), form fields,
/// or not at all (a public client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(id:secret)`.
    Basic,
    /// `client_id` and `client_secret` in the form.
    Body,
    /// `client_id` in the form, no secret.
    None,
}

/// PKCE (RFC 7636) for the Authorization Code grant, as the `PKCE` key
/// of a JetBrains block says: `true` or absent (S256, apiscope's default),
/// `false` (none), or `{"Code Challenge Method": "Plain"|"SHA-256",
/// "Code Verifier": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Pkce {
    /// `code_challenge_method=S256` (a verifier of the block's, or fresh).
    #[default]
    S256,
    /// `code_challenge_method=plain`: the challenge is the verifier.
    Plain,
    /// No PKCE parameters at all.
    Off,
}

/// One auth configuration, its values as written (they may hold
/// `{{variables}}`, resolved by the caller with [`Config::map_values`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The configuration's id (`"Security": {"Auth": {"ID": …}}`).
    pub id: String,
    /// The grant.
    pub grant: Grant,
    /// `Token URL`.
    pub token_url: String,
    /// `Device Auth URL` (the device authorization endpoint, RFC 8628).
    pub device_auth_url: Option<String>,
    /// `Auth URL` (the authorization endpoint, for the code grant).
    pub auth_url: Option<String>,
    /// `Redirect URL` (a loopback URL apiscope listens on).
    pub redirect_url: Option<String>,
    /// `Client ID`.
    pub client_id: String,
    /// `Client Secret`.
    pub client_secret: Option<String>,
    /// `Scope`.
    pub scope: Option<String>,
    /// `Audience` (Auth0 and others).
    pub audience: Option<String>,
    /// `Resource` (RFC 8707).
    pub resource: Option<String>,
    /// `Username` (Password grant).
    pub username: Option<String>,
    /// `Password` (Password grant).
    pub password: Option<String>,
    /// `Client Credentials`: how the client authenticates.
    pub client_auth: ClientAuth,
    /// `Subject Token` (Token Exchange): the token traded.
    pub subject_token: Option<String>,
    /// `Subject Token Type` (Token Exchange; an access token by default).
    pub subject_token_type: Option<String>,
    /// `Requested Token Type` (Token Exchange).
    pub requested_token_type: Option<String>,
    /// PKCE for the Authorization Code grant.
    pub pkce: Pkce,
    /// A `Code Verifier` the block fixes (else a fresh one per login).
    pub code_verifier: Option<String>,
}

impl Config {
    /// httpyac's grant word in `Authorization: oauth2 GRANT [PREFIX]`.
    pub fn httpyac_grant(word: &str) -> Option<Grant> {
        Some(match word {
            "client_credentials" | "client" => Grant::ClientCredentials,
            "password" => Grant::Password,
            "authorization_code" | "code" => Grant::AuthorizationCode,
            "device_code" | "device" => Grant::DeviceCode,
            "implicit" => Grant::Implicit,
            _ => return None,
        })
    }

    /// The configuration httpyac reads for `oauth2 GRANT PREFIX` from the
    /// variables `PREFIX_tokenEndpoint`, `PREFIX_clientId`,
    /// `PREFIX_clientSecret`, `PREFIX_scope`, … (`get` reads one, `None`
    /// when undefined); `None` when the Token URL or the client id is not
    /// defined. Its id is `httpyac-PREFIX`.
    pub fn httpyac<E>(
        prefix: &str,
        grant: Grant,
        mut get: impl FnMut(&str) -> Result<Option<String>, E>,
    ) -> Result<Option<Config>, E> {
        let mut var = |key: &str| get(&format!("{prefix}_{key}"));
        let (Some(token_url), Some(client_id)) = (var("tokenEndpoint")?, var("clientId")?) else {
            return Ok(None);
        };
        let client_secret = var("clientSecret")?;
        let header = var("useAuthorizationHeader")?;
        Ok(Some(Config {
            id: format!("httpyac-{prefix}"),
            grant,
            token_url,
            device_auth_url: var("deviceCodeEndpoint")?,
            auth_url: var("authorizationEndpoint")?,
            redirect_url: var("redirectUri")?,
            client_id,
            scope: var("scope")?,
            audience: var("audience")?,
            resource: var("resource")?,
            username: var("username")?,
            password: var("password")?,
            client_auth: match (&client_secret, header.as_deref()) {
                (None, _) => ClientAuth::None,
                (Some(_), Some("false")) => ClientAuth::Body,
                (Some(_), _) => ClientAuth::Basic,
            },
            client_secret,
            subject_token: None,
            subject_token_type: None,
            requested_token_type: None,
            pkce: Pkce::S256,
            code_verifier: None,
        }))
    }
}

/// The most configurations read, and the longest value.
const MAX_CONFIGS: usize = 64;
const MAX_VALUE: usize = 8 * 1024;

impl Config {
    /// The configuration `id` of environment `env` (the private file's
    /// keys over the public file's, then `$shared`), or why there is none.
    pub fn find(envs: &Environments, env: Option<&str>, id: &str) -> Result<Config, String> {
        let mut merged = serde_json::Map::new();
        let mut found = false;
        let mut order: Vec<(&crate::collection::vars::EnvFile, &str)> = Vec::new();
        // Lowest first: each later one overrides.
        order.push((&envs.public, "$shared"));
        order.push((&envs.private, "$shared"));
        if let Some(e) = env {
            order.push((&envs.public, e));
            order.push((&envs.private, e));
        }
        for (file, e) in order {
            let Some(block) = file
                .as_ref()
                .and_then(|(_, m)| m.get(e))
                .and_then(|v| v.pointer("/Security/Auth"))
                .and_then(Value::as_object)
            else {
                continue;
            };
            if block.len() > MAX_CONFIGS {
                return Err(format!(
                    "more than {MAX_CONFIGS} auth configurations under Security.Auth"
                ));
            }
            if let Some(Value::Object(c)) = block.get(id) {
                found = true;
                for (k, v) in c {
                    merged.insert(k.clone(), v.clone());
                }
            }
        }
        if !found {
            let mut known: Vec<String> = Vec::new();
            for file in [&envs.public, &envs.private] {
                for e in env.into_iter().chain(["$shared"]) {
                    if let Some(block) = file
                        .as_ref()
                        .and_then(|(_, m)| m.get(e))
                        .and_then(|v| v.pointer("/Security/Auth"))
                        .and_then(Value::as_object)
                    {
                        for k in block.keys() {
                            if !known.contains(k) {
                                known.push(k.clone());
                            }
                        }
                    }
                }
            }
            return Err(if known.is_empty() {
                format!(
                    "no auth configuration '{id}': add \"Security\": {{\"Auth\": {{\"{id}\": {{\"Type\": \"OAuth2\", …}}}}}} to the environment in http-client.env.json"
                )
            } else {
                format!(
                    "no auth configuration '{id}' (the environment has: {})",
                    known.join(", ")
                )
            });
        }
        Config::from_json(id, &merged)
    }

    fn from_json(id: &str, m: &serde_json::Map<String, Value>) -> Result<Config, String> {
        let text = |k: &str| -> Result<Option<String>, String> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.len() > MAX_VALUE => {
                    Err(format!("'{k}' is longer than {} KB", MAX_VALUE / 1024))
                }
                Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(Value::Bool(b)) => Ok(Some(b.to_string())),
                Some(_) => Err(format!("'{k}' is not a text value")),
            }
        };
        let ty = text("Type")?.unwrap_or_default();
        if !ty.eq_ignore_ascii_case("oauth2") {
            return Err(format!(
                "'{id}' is of Type '{ty}': apiscope runs OAuth2 configurations"
            ));
        }
        let grant_text = text("Grant Type")?.ok_or("no 'Grant Type'")?;
        let grant = Grant::parse(&grant_text).ok_or_else(|| {
            format!(
                "'Grant Type' {grant_text} is not one of Client Credentials, Password, Authorization Code, Device Authorization, Token Exchange"
            )
        })?;
        let token_url = text("Token URL")?.ok_or("no 'Token URL'")?;
        let client_id = text("Client ID")?.ok_or("no 'Client ID'")?;
        let client_auth = match text("Client Credentials")?.map(|s| s.to_ascii_lowercase()) {
            None => ClientAuth::Basic,
            Some(s) if s.contains("basic") => ClientAuth::Basic,
            Some(s) if s.contains("body") => ClientAuth::Body,
            Some(s) if s == "none" => ClientAuth::None,
            Some(s) => {
                return Err(format!(
                    "'Client Credentials' {s} is not one of: in basic, in body, none"
                ));
            }
        };
        let (pkce, code_verifier) = match m.get("PKCE") {
            None | Some(Value::Null | Value::Bool(true)) => (Pkce::S256, None),
            Some(Value::Bool(false)) => (Pkce::Off, None),
            Some(Value::Object(o)) => {
                let method = o
                    .get("Code Challenge Method")
                    .and_then(Value::as_str)
                    .unwrap_or("SHA-256");
                let pkce = match method.to_ascii_lowercase().as_str() {
                    "plain" => Pkce::Plain,
                    "sha-256" | "sha256" | "s256" => Pkce::S256,
                    other => {
                        return Err(format!(
                            "'PKCE' 'Code Challenge Method' {other} is not one of Plain, SHA-256"
                        ));
                    }
                };
                let verifier = o
                    .get("Code Verifier")
                    .and_then(Value::as_str)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned);
                if let Some(v) = &verifier
                    && !(43..=128).contains(&v.len())
                {
                    return Err(
                        "'PKCE' 'Code Verifier' is 43 to 128 characters (RFC 7636 §4.1)".into(),
                    );
                }
                (pkce, verifier)
            }
            Some(_) => {
                return Err("'PKCE' is true, false, or an object of 'Code Challenge Method' and 'Code Verifier'".into());
            }
        };
        Ok(Config {
            id: id.to_owned(),
            grant,
            pkce,
            code_verifier,
            token_url,
            device_auth_url: text("Device Auth URL")?,
            auth_url: text("Auth URL")?,
            redirect_url: text("Redirect URL")?,
            client_id,
            client_secret: text("Client Secret")?,
            scope: text("Scope")?,
            audience: text("Audience")?,
            resource: text("Resource")?,
            username: text("Username")?,
            password: text("Password")?,
            client_auth,
            subject_token: text("Subject Token")?,
            subject_token_type: text("Subject Token Type")?,
            requested_token_type: text("Requested Token Type")?,
        })
    }

    /// Every value passed through `f` (a `{{variable}}` resolved), the
    /// first error kept.
    pub fn map_values<E>(&self, mut f: impl FnMut(&str) -> Result<String, E>) -> Result<Config, E> {
        let mut opt = |v: &Option<String>| -> Result<Option<String>, E> {
            v.as_deref().map(&mut f).transpose()
        };
        Ok(Config {
            client_secret: opt(&self.client_secret)?,
            scope: opt(&self.scope)?,
            audience: opt(&self.audience)?,
            resource: opt(&self.resource)?,
            username: opt(&self.username)?,
            password: opt(&self.password)?,
            subject_token: opt(&self.subject_token)?,
            subject_token_type: opt(&self.subject_token_type)?,
            requested_token_type: opt(&self.requested_token_type)?,
            device_auth_url: opt(&self.device_auth_url)?,
            auth_url: opt(&self.auth_url)?,
            redirect_url: opt(&self.redirect_url)?,
            token_url: f(&self.token_url)?,
            client_id: f(&self.client_id)?,
            ..self.clone()
        })
    }

    /// The values a log must never show: the client secret, the
    /// password, the token traded.
    pub fn secrets(&self) -> Vec<String> {
        [&self.client_secret, &self.password, &self.subject_token]
            .into_iter()
            .flatten()
            .filter(|s| s.len() >= 4)
            .cloned()
            .collect()
    }

    /// The name its cached token has: a digest of what makes a token this
    /// configuration's (the Token URL, the client, its secret, the grant,
    /// the scope, the user) and of the collection's directory — a
    /// collection copied elsewhere with the same values does not get it.
    pub fn cache_key(&self, root: &std::path::Path) -> String {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        for part in [
            Some(root.to_string_lossy().as_ref()),
            Some(self.id.as_str()),
            Some(self.grant.label()),
            Some(self.token_url.as_str()),
            Some(self.client_id.as_str()),
            self.client_secret.as_deref(),
            self.scope.as_deref(),
            self.audience.as_deref(),
            self.resource.as_deref(),
            self.username.as_deref(),
            self.password.as_deref(),
            self.subject_token.as_deref(),
            self.subject_token_type.as_deref(),
            self.requested_token_type.as_deref(),
        ] {
            h.update(part.unwrap_or("\u{0}").as_bytes());
            h.update([0xff]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The device authorization request (RFC 8628 §3.1): the client and
    /// the scope, to the `Device Auth URL`.
    pub fn device_request(&self) -> Result<crate::model::Request, String> {
        let url = self
            .device_auth_url
            .clone()
            .ok_or("the Device Authorization grant needs a 'Device Auth URL'")?;
        let mut form: Vec<(&str, String)> = Vec::new();
        if let Some(s) = &self.scope {
            form.push(("scope", s.clone()));
        }
        if let Some(a) = &self.audience {
            form.push(("audience", a.clone()));
        }
        Ok(self.form_request(url, form))
    }

    /// The authorization URL of the code grant (RFC 6749 §4.1.1) with
    /// PKCE S256 (RFC 7636): where the person's browser goes.
    pub fn authorization_url(
        &self,
        redirect: &str,
        state: &str,
        verifier: &str,
    ) -> Result<String, String> {
        let base = self
            .auth_url
            .as_deref()
            .ok_or("the Authorization Code grant needs an 'Auth URL'")?;
        let mut url = url::Url::parse(base).map_err(|e| format!("the Auth URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("the Auth URL is not an http(s) URL".into());
        }
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code");
            q.append_pair("client_id", &self.client_id);
            q.append_pair("redirect_uri", redirect);
            if let Some(s) = &self.scope {
                q.append_pair("scope", s);
            }
            if let Some(a) = &self.audience {
                q.append_pair("audience", a);
            }
            q.append_pair("state", state);
            match self.pkce {
                Pkce::S256 => {
                    q.append_pair("code_challenge", &pkce_challenge(verifier));
                    q.append_pair("code_challenge_method", "S256");
                }
                Pkce::Plain => {
                    q.append_pair("code_challenge", verifier);
                    q.append_pair("code_challenge_method", "plain");
                }
                Pkce::Off => {}
            }
        }
        Ok(url.into())
    }

    /// The token request that redeems an authorization code (RFC 6749
    /// §4.1.3) with its PKCE verifier.
    pub fn code_token_request(
        &self,
        code: &str,
        redirect: &str,
        verifier: &str,
    ) -> crate::model::Request {
        let mut form = vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.to_owned()),
            ("redirect_uri", redirect.to_owned()),
        ];
        if self.pkce != Pkce::Off {
            form.push(("code_verifier", verifier.to_owned()));
        }
        self.form_request(self.token_url.clone(), form)
    }

    /// The token request that polls a device authorization (RFC 8628
    /// §3.4).
    pub fn device_token_request(&self, device_code: &str) -> crate::model::Request {
        self.form_request(
            self.token_url.clone(),
            vec![
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:device_code".into(),
                ),
                ("device_code", device_code.to_owned()),
            ],
        )
    }

    /// A form POST to `url` with the client's authentication.
    fn form_request(&self, url: String, mut form: Vec<(&str, String)>) -> crate::model::Request {
        let mut headers = crate::model::Headers::new();
        headers.push("Content-Type", "application/x-www-form-urlencoded");
        headers.push("Accept", "application/json");
        match self.client_auth {
            ClientAuth::Basic => {
                // RFC 6749 §2.3.1: each part form-encoded first.
                use base64::Engine as _;
                let enc = |s: &str| crate::collection::vars::form_value(s);
                let pair = format!(
                    "{}:{}",
                    enc(&self.client_id),
                    enc(self.client_secret.as_deref().unwrap_or(""))
                );
                headers.push(
                    "Authorization",
                    format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(pair)
                    ),
                );
            }
            ClientAuth::Body => {
                form.push(("client_id", self.client_id.clone()));
                if let Some(s) = &self.client_secret {
                    form.push(("client_secret", s.clone()));
                }
            }
            ClientAuth::None => form.push(("client_id", self.client_id.clone())),
        }
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::collection::vars::form_value(v)))
            .collect::<Vec<_>>()
            .join("&");
        crate::model::Request {
            method: "POST".into(),
            url: Some(url),
            headers,
            body: body.into_bytes().into(),
        }
    }

    /// The token request: this configuration's grant, or a refresh with
    /// `refresh_token`. An interactive grant is an error naming `auth
    /// login`.
    pub fn token_request(
        &self,
        refresh_token: Option<&str>,
    ) -> Result<crate::model::Request, String> {
        let mut form: Vec<(&str, String)> = Vec::new();
        match (refresh_token, self.grant) {
            (Some(rt), _) => {
                form.push(("grant_type", "refresh_token".into()));
                form.push(("refresh_token", rt.to_owned()));
            }
            (None, Grant::ClientCredentials) => {
                form.push(("grant_type", "client_credentials".into()));
            }
            (None, Grant::Password) => {
                form.push(("grant_type", "password".into()));
                form.push((
                    "username",
                    self.username
                        .clone()
                        .ok_or("the Password grant needs a 'Username'")?,
                ));
                form.push((
                    "password",
                    self.password
                        .clone()
                        .ok_or("the Password grant needs a 'Password'")?,
                ));
            }
            (None, Grant::TokenExchange) => {
                // RFC 8693 §2.1.
                form.push((
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:token-exchange".into(),
                ));
                form.push((
                    "subject_token",
                    self.subject_token
                        .clone()
                        .ok_or("the Token Exchange grant needs a 'Subject Token'")?,
                ));
                form.push((
                    "subject_token_type",
                    self.subject_token_type
                        .clone()
                        .unwrap_or_else(|| "urn:ietf:params:oauth:token-type:access_token".into()),
                ));
                if let Some(t) = &self.requested_token_type {
                    form.push(("requested_token_type", t.clone()));
                }
            }
            (None, g @ (Grant::DeviceCode | Grant::AuthorizationCode)) => {
                return Err(format!(
                    "the {} grant needs a person: run `apiscope auth login {} FILE.http --env ENV` first (the token is cached, and refreshed after)",
                    g.label(),
                    self.id
                ));
            }
            (None, g) => {
                return Err(format!(
                    "the {} grant needs a person at a browser, which apiscope does not run yet: get a token with another tool and pass it with --secret",
                    g.label()
                ));
            }
        }
        if let Some(s) = &self.scope {
            form.push(("scope", s.clone()));
        }
        if let Some(a) = &self.audience {
            form.push(("audience", a.clone()));
        }
        if let Some(r) = &self.resource {
            form.push(("resource", r.clone()));
        }
        Ok(self.form_request(self.token_url.clone(), form))
    }
}

/// A token the endpoint issued, as the cache keeps it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// The access token.
    pub access_token: String,
    /// `token_type` (`Bearer`).
    #[serde(default)]
    pub token_type: Option<String>,
    /// When it expires, Unix seconds (`expires_in` after it was issued);
    /// `None` when the endpoint did not say.
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// The refresh token, when one came.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// The OpenID Connect ID token, when one came.
    #[serde(default)]
    pub id_token: Option<String>,
    /// The scope granted, when the endpoint said.
    #[serde(default)]
    pub scope: Option<String>,
    /// When it was issued, Unix seconds.
    #[serde(default)]
    pub issued_at: i64,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &mask(&self.access_token))
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

impl Token {
    /// Whether it is still good `skew` seconds from `now` (a token without
    /// an expiry is good until a 401 says otherwise).
    pub fn fresh(&self, now: i64, skew: i64) -> bool {
        self.expires_at.is_none_or(|e| e - skew > now)
    }

    /// Every secret value it holds.
    pub fn secrets(&self) -> Vec<String> {
        [
            Some(&self.access_token),
            self.refresh_token.as_ref(),
            self.id_token.as_ref(),
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
    }
}

/// A token value as lists show it: its first four characters and its
/// length (`at_F… (42 chars)`), never the rest.
pub fn mask(v: &str) -> String {
    let head: String = v.chars().take(4).collect();
    format!("{head}… ({} chars)", v.chars().count())
}

/// The PKCE S256 challenge of a verifier: base64url(SHA-256(verifier)),
/// without padding (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// A device authorization's answer (RFC 8628 §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCode {
    /// The code the client polls with (a secret).
    pub device_code: String,
    /// The code the person enters.
    pub user_code: String,
    /// Where the person enters it.
    pub verification_uri: String,
    /// The same, with the code in it, when the server gives one.
    pub verification_uri_complete: Option<String>,
    /// How long the codes last, seconds.
    pub expires_in: i64,
    /// How often to poll, seconds (5 when the server does not say).
    pub interval: i64,
}

/// Reads a device authorization's answer, or why it is not one.
pub fn read_device(status: Option<u16>, body: &[u8]) -> Result<DeviceCode, String> {
    let doc: serde_json::Map<String, Value> = serde_json::from_slice(body).map_err(|_| {
        format!(
            "the device authorization endpoint answered {} with no JSON",
            status.unwrap_or(0)
        )
    })?;
    let s = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_owned);
    if let Some(e) = s("error") {
        let desc = s("error_description")
            .map(|d| format!(": {}", crate::report::sanitize(&d, false)))
            .unwrap_or_default();
        return Err(format!(
            "the device authorization endpoint answered {} {}{desc}",
            status.unwrap_or(0),
            crate::report::sanitize(&e, false)
        ));
    }
    let n = |k: &str| doc.get(k).and_then(Value::as_i64);
    Ok(DeviceCode {
        device_code: s("device_code").ok_or("the device authorization has no device_code")?,
        user_code: s("user_code").ok_or("the device authorization has no user_code")?,
        verification_uri: s("verification_uri")
            .or_else(|| s("verification_url"))
            .ok_or("the device authorization has no verification_uri")?,
        verification_uri_complete: s("verification_uri_complete"),
        expires_in: n("expires_in").unwrap_or(600).clamp(1, 3600),
        interval: n("interval").unwrap_or(5).clamp(1, 60),
    })
}

/// What one poll of a device authorization says (RFC 8628 §3.5).
#[derive(Debug)]
pub enum Poll {
    /// The token.
    Token(Token),
    /// `authorization_pending`: ask again after the interval.
    Pending,
    /// `slow_down`: add 5 seconds to the interval.
    SlowDown,
    /// Anything else: the reason.
    Failed(String),
}

/// Reads one poll's answer.
pub fn read_poll(status: Option<u16>, content_type: Option<&str>, body: &[u8], now: i64) -> Poll {
    let code = serde_json::from_slice::<serde_json::Map<String, Value>>(body)
        .ok()
        .and_then(|d| d.get("error").and_then(Value::as_str).map(str::to_owned));
    match code.as_deref() {
        Some("authorization_pending") => Poll::Pending,
        Some("slow_down") => Poll::SlowDown,
        _ => match read_token(status, content_type, body, now, None) {
            Ok(t) => Poll::Token(t),
            Err(e) => Poll::Failed(e),
        },
    }
}

/// Reads the token endpoint's answer: a token, or one line saying why not
/// (its RFC 6749 §5.2 error and description, an HTML page, no
/// `access_token`). A refresh answered without a new refresh token keeps
/// `previous_refresh`.
pub fn read_token(
    status: Option<u16>,
    content_type: Option<&str>,
    body: &[u8],
    now: i64,
    previous_refresh: Option<&str>,
) -> Result<Token, String> {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let text = String::from_utf8_lossy(body);
    let json: Option<serde_json::Map<String, Value>> = serde_json::from_str(text.trim()).ok();
    // (Some endpoints answer a form: `access_token=…&token_type=bearer`.)
    let form: Option<serde_json::Map<String, Value>> = json
        .is_none()
        .then(|| {
            url::form_urlencoded::parse(text.trim().as_bytes())
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect::<serde_json::Map<String, Value>>()
        })
        .filter(|m| m.contains_key("access_token") || m.contains_key("error"));
    let doc = json.or(form);
    let status = status.unwrap_or(0);
    let Some(doc) = doc else {
        let what = if ct.contains("html") || text.trim_start().starts_with('<') {
            "an HTML page, not a token (a login page or a proxy's? check the Token URL)".to_owned()
        } else if text.trim().is_empty() {
            "an empty body".to_owned()
        } else {
            format!(
                "{} that is not a token",
                if ct.is_empty() { "a body" } else { ct.as_str() }
            )
        };
        return Err(format!("the token endpoint answered {status} with {what}"));
    };
    let s = |k: &str| {
        doc.get(k).and_then(|v| match v {
            Value::String(s) => Some(s.clone()).filter(|s| !s.is_empty()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    if let Some(e) = s("error") {
        let desc = s("error_description")
            .map(|d| format!(": {}", crate::report::sanitize(&d, false)))
            .unwrap_or_default();
        // (With what to do, from the RFC 6749 / 8628 codes' steps.)
        let step = crate::decode::profile::Profiles::built_in()
            .generic()
            .code(&e)
            .and_then(|c| c.steps.first().cloned())
            .map(|s| format!(" — {s}"))
            .unwrap_or_default();
        return Err(format!(
            "the token endpoint answered {status} {}{desc}{step}",
            crate::report::sanitize(&e, false)
        ));
    }
    if !(200..300).contains(&status) {
        return Err(format!(
            "the token endpoint answered {status} without a token"
        ));
    }
    let access_token =
        s("access_token").ok_or("the token endpoint's answer has no access_token")?;
    let expires_at = doc
        .get("expires_in")
        .and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()))
        .filter(|n| (0..=10 * 365 * 86_400).contains(n))
        .map(|n| now + n);
    Ok(Token {
        access_token,
        token_type: s("token_type"),
        expires_at,
        refresh_token: s("refresh_token").or_else(|| previous_refresh.map(str::to_owned)),
        id_token: s("id_token"),
        scope: s("scope"),
        issued_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envs(public: Value, private: Option<Value>) -> Environments {
        Environments {
            public: Some((
                std::path::PathBuf::from("http-client.env.json"),
                public.as_object().cloned().unwrap(),
            )),
            private: private.map(|p| {
                (
                    std::path::PathBuf::from("http-client.private.env.json"),
                    p.as_object().cloned().unwrap(),
                )
            }),
            dotenv: None,
        }
    }

    #[test]
    fn a_jetbrains_block_is_read_with_the_private_values_over_the_public() {
        let e = envs(
            serde_json::json!({"dev": {"Security": {"Auth": {"api": {
                "Type": "OAuth2", "Grant Type": "Client Credentials",
                "Token URL": "{{idp}}/token", "Client ID": "cli", "Client Secret": "placeholder", "Scope": "read write"
            }}}}}),
            Some(
                serde_json::json!({"dev": {"Security": {"Auth": {"api": {"Client Secret": "cs_FAKE"}}}}}),
            ),
        );
        let c = Config::find(&e, Some("dev"), "api").unwrap();
        assert_eq!(c.grant, Grant::ClientCredentials);
        assert_eq!(c.client_secret.as_deref(), Some("cs_FAKE"));
        assert_eq!(c.client_auth, ClientAuth::Basic);
        let r = c.token_request(None).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            "grant_type=client_credentials&scope=read%20write"
        );
        assert_eq!(
            r.headers.get("authorization"),
            Some("Basic Y2xpOmNzX0ZBS0U=")
        );
        let err = Config::find(&e, Some("dev"), "other").unwrap_err();
        assert!(err.contains("the environment has: api"), "{err}");
        // The cache key changes with the directory and with the secret.
        let a = c.cache_key(std::path::Path::new("/a"));
        assert_ne!(a, c.cache_key(std::path::Path::new("/b")));
        let mut d = c.clone();
        d.client_secret = Some("other_FAKE".into());
        assert_ne!(a, d.cache_key(std::path::Path::new("/a")));
    }

    #[test]
    fn a_token_exchange_is_rfc_8693s() {
        let e = envs(
            serde_json::json!({"dev": {"Security": {"Auth": {"x": {
                "Type": "OAuth2", "Grant Type": "Token Exchange",
                "Token URL": "https://idp.example/token", "Client ID": "svc",
                "Client Secret": "cs_FAKE", "Subject Token": "st_FAKE_subject",
                "Audience": "https://api.example", "Requested Token Type": "urn:ietf:params:oauth:token-type:jwt"
            }}}}}),
            None,
        );
        let c = Config::find(&e, Some("dev"), "x").unwrap();
        assert_eq!(c.grant, Grant::TokenExchange);
        assert!(!c.grant.interactive());
        assert!(c.secrets().contains(&"st_FAKE_subject".to_owned()));
        let body = String::from_utf8_lossy(&c.token_request(None).unwrap().body).into_owned();
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(
            get("grant_type"),
            Some("urn:ietf:params:oauth:grant-type:token-exchange")
        );
        assert_eq!(get("subject_token"), Some("st_FAKE_subject"));
        assert_eq!(
            get("subject_token_type"),
            Some("urn:ietf:params:oauth:token-type:access_token")
        );
        assert_eq!(
            get("requested_token_type"),
            Some("urn:ietf:params:oauth:token-type:jwt")
        );
        assert_eq!(get("audience"), Some("https://api.example"));
        // Without the token to trade: said.
        let mut d = c.clone();
        d.subject_token = None;
        assert!(d.token_request(None).unwrap_err().contains("Subject Token"));
        // Another subject token is another cache entry.
        assert_ne!(
            c.cache_key(std::path::Path::new("/a")),
            d.cache_key(std::path::Path::new("/a"))
        );
    }

    #[test]
    fn bad_blocks_and_interactive_grants_are_one_line() {
        for (block, words) in [
            (serde_json::json!({"Type": "Basic"}), "apiscope runs OAuth2"),
            (serde_json::json!({"Type": "OAuth2"}), "no 'Grant Type'"),
            (
                serde_json::json!({"Type": "OAuth2", "Grant Type": "Magic", "Token URL": "x", "Client ID": "y"}),
                "is not one of",
            ),
            (
                serde_json::json!({"Type": "OAuth2", "Grant Type": "Password", "Client ID": "y"}),
                "no 'Token URL'",
            ),
            (
                serde_json::json!({"Type": "OAuth2", "Grant Type": "Password", "Token URL": "x", "Client ID": [1]}),
                "'Client ID' is not a text value",
            ),
        ] {
            let e = envs(
                serde_json::json!({"dev": {"Security": {"Auth": {"a": block}}}}),
                None,
            );
            let err = Config::find(&e, Some("dev"), "a").unwrap_err();
            assert!(err.contains(words), "{err}");
        }
        let e = envs(
            serde_json::json!({"dev": {"Security": {"Auth": {"a": {"Type": "OAuth2", "Grant Type": "Authorization Code", "Token URL": "x", "Client ID": "y"}}}}}),
            None,
        );
        let c = Config::find(&e, Some("dev"), "a").unwrap();
        assert!(
            c.token_request(None)
                .unwrap_err()
                .contains("needs a person")
        );
        // A refresh works whatever the grant.
        let r = c.token_request(Some("rt_FAKE")).unwrap();
        assert!(
            String::from_utf8_lossy(&r.body)
                .starts_with("grant_type=refresh_token&refresh_token=rt_FAKE")
        );
    }

    #[test]
    fn the_token_endpoints_answers_are_read() {
        let t = read_token(
            Some(200),
            Some("application/json"),
            br#"{"access_token":"at_FAKE","token_type":"Bearer","expires_in":3600,"refresh_token":"rt_FAKE"}"#,
            1000,
            None,
        )
        .unwrap();
        assert_eq!(t.expires_at, Some(4600));
        assert!(t.fresh(1000, 60) && !t.fresh(4550, 60));
        assert!(!format!("{t:?}").contains("at_FAKE"));
        // No expires_in: good until a 401; a refresh keeps the old refresh token.
        let t = read_token(
            Some(200),
            None,
            br#"{"access_token":"at2_FAKE"}"#,
            0,
            Some("rt_old_FAKE"),
        )
        .unwrap();
        assert_eq!(
            (t.expires_at, t.refresh_token.as_deref()),
            (None, Some("rt_old_FAKE"))
        );
        let t = read_token(
            Some(200),
            Some("application/x-www-form-urlencoded"),
            b"access_token=at3_FAKE&token_type=bearer&expires_in=60",
            0,
            None,
        )
        .unwrap();
        assert_eq!(t.access_token, "at3_FAKE");
        for (status, ct, body, words) in [
            (400, "application/json", &br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#[..], "answered 400 invalid_client: Client authentication failed"),
            (200, "text/html", &b"<html><body>Sign in</body></html>"[..], "an HTML page, not a token"),
            (200, "application/json", &br#"{"token":"x"}"#[..], "has no access_token"),
            (500, "", &b""[..], "answered 500 with an empty body"),
            // Each RFC error with its step, where the user sees it.
            (400, "application/json", &br#"{"error":"expired_token"}"#[..], "expired_token — Start the device authorization again"),
            (400, "application/json", &br#"{"error":"invalid_grant"}"#[..], "invalid_grant — Get a new grant"),
            (400, "application/json", &br#"{"error":"invalid_scope"}"#[..], "invalid_scope — Check the Scope"),
            (400, "application/json", &br#"{"error":"unauthorized_client"}"#[..], "unauthorized_client — Enable this grant type"),
            (401, "application/json", &br#"{"error":"invalid_client"}"#[..], "invalid_client — Check the Client ID and the Client Secret"),
        ] {
            let e = read_token(Some(status), Some(ct), body, 0, None).unwrap_err();
            assert!(e.contains(words), "{e}");
        }
    }

    /// The block's `PKCE` key: absent or true S256, false none, an object
    /// Plain or SHA-256 with a fixed verifier; the URL and the redeeming
    /// request follow it.
    #[test]
    fn the_pkce_key_is_honoured() {
        let base = serde_json::json!({"Type": "OAuth2", "Grant Type": "Authorization Code",
            "Token URL": "https://idp.example/token", "Auth URL": "https://idp.example/auth", "Client ID": "cli"});
        let with = |pkce: Option<Value>| {
            let mut m = base.as_object().cloned().unwrap();
            if let Some(p) = pkce {
                m.insert("PKCE".into(), p);
            }
            Config::from_json("a", &m)
        };
        let v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let url = |c: &Config| {
            c.authorization_url("http://127.0.0.1:9/cb", "st", v)
                .unwrap()
        };
        let body = |c: &Config| {
            String::from_utf8_lossy(&c.code_token_request("code", "r", v).body).into_owned()
        };
        for c in [with(None).unwrap(), with(Some(Value::Bool(true))).unwrap()] {
            assert!(url(&c).contains("code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"), "{}", url(&c));
            assert!(body(&c).contains("code_verifier="));
        }
        let off = with(Some(Value::Bool(false))).unwrap();
        assert!(!url(&off).contains("code_challenge"), "{}", url(&off));
        assert!(!body(&off).contains("code_verifier"));
        let plain = with(Some(
            serde_json::json!({"Code Challenge Method": "Plain", "Code Verifier": v}),
        ))
        .unwrap();
        assert_eq!(plain.code_verifier.as_deref(), Some(v));
        assert!(url(&plain).contains(&format!("code_challenge={v}&code_challenge_method=plain")));
        assert!(
            with(Some(serde_json::json!({"Code Challenge Method": "MD5"})))
                .unwrap_err()
                .contains("Plain, SHA-256")
        );
        assert!(
            with(Some(serde_json::json!({"Code Verifier": "short"})))
                .unwrap_err()
                .contains("43 to 128")
        );
        assert!(with(Some(serde_json::json!("yes"))).is_err());
    }

    /// RFC 7636 Appendix B: the example verifier's challenge.
    #[test]
    fn the_pkce_challenge_is_rfc_7636s() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn a_device_authorization_and_its_polls_are_read() {
        let d = read_device(
            Some(200),
            br#"{"device_code":"dc_FAKE","user_code":"ABCD-EFGH","verification_url":"https://x.example/device","expires_in":900}"#,
        )
        .unwrap();
        assert_eq!((d.interval, d.expires_in), (5, 900));
        assert_eq!(d.verification_uri, "https://x.example/device");
        assert!(
            read_device(Some(400), br#"{"error":"invalid_client"}"#)
                .unwrap_err()
                .contains("invalid_client")
        );
        assert!(read_device(Some(200), b"<html>").is_err());
        assert!(matches!(
            read_poll(Some(400), None, br#"{"error":"authorization_pending"}"#, 0),
            Poll::Pending
        ));
        assert!(matches!(
            read_poll(Some(400), None, br#"{"error":"slow_down"}"#, 0),
            Poll::SlowDown
        ));
        assert!(
            matches!(read_poll(Some(400), None, br#"{"error":"expired_token"}"#, 0), Poll::Failed(e) if e.contains("expired_token"))
        );
        assert!(matches!(
            read_poll(Some(200), None, br#"{"access_token":"at_FAKE"}"#, 0),
            Poll::Token(_)
        ));
    }
}
