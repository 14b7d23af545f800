//! Integration tests through HTTP, each on SQLite and on PostgreSQL.

mod support;

mod access;
mod cli;
mod experts;
mod faults;
mod hardening;
mod http_protocol;
mod reference;
mod schema;
