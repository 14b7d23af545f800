//! Integration tests through HTTP, each on SQLite and on PostgreSQL.

mod support;

mod access;
mod annual_lists;
mod audits;
mod consultancies;
mod enterprises;
mod experts;
mod http_protocol;
mod reference;
mod roles;
mod schema;
mod summary;
