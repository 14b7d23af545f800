//! Integration tests through HTTP, each on SQLite and on PostgreSQL.

mod support;

mod access;
mod experts;
mod hardening;
mod http_protocol;
mod reference;
mod schema;
