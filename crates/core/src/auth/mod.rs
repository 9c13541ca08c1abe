//! Authentication schemes that answer a server: HTTP Digest (RFC 7616).
//! Pure: the caller sends, this module says what to send.

pub mod digest;
