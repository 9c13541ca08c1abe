//! Collections: requests kept in `.http` / `.rest` files, in the syntax the
//! JetBrains HTTP Client and VS Code REST Client read (also httpyac,
//! kulala.nvim, rest.nvim). No format of our own.
//!
//! ```text
//! @host = https://api.example.com          file variable
//!
//! ### Log in                                separator; the text is a title
//! # @name login                             the request's name
//! POST {{host}}/login                       [METHOD] URL [HTTP/x]
//! Content-Type: application/json           headers
//!
//! {"user": "ann", "password": "{{password}}"}
//!
//! ### Boards
//! GET {{host}}/boards
//!     ?limit=20                             query continued on indented lines
//!     &page=2
//! Authorization: Bearer {{login.response.body.$.token}}
//! > {% client.global.set("x", 1) %}         a response handler (trusted collections only)
//! >> ./boards.json                          write the response body to a file
//! ```
//!
//! [`parse`] keeps each request's span of the original text, so an
//! untouched file writes back byte for byte ([`HttpFile::write`]), and
//! [`render`] writes a request the way [`parse`] reads it back. Variables
//! and environments are in [`vars`].

pub mod assert;
pub mod import;
mod model;
mod parse;
pub mod run;
pub mod script;
pub mod trust;
pub mod vars;
pub mod walk;
mod write;

pub use model::*;
pub use parse::{MAX_FILE, parse, parse_lenient};
pub use write::render;
