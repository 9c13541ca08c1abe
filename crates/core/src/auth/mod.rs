//! Authentication schemes: HTTP Digest (RFC 7616) and OAuth 2.0 tokens.
//! Pure: the caller sends, this module says what to send.

pub mod digest;
pub mod oauth2;
pub mod sigv4;
