//! Authentication schemes: HTTP Digest (RFC 7616), OAuth 1.0a signing
//! (RFC 5849), OAuth 2.0 tokens and AWS SigV4.
//! Pure: the caller sends, this module says what to send.

pub mod digest;
pub mod oauth1;
pub mod oauth2;
pub mod sigv4;
