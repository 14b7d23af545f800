//! Integration tests through HTTP, each on SQLite and on PostgreSQL.

mod support;

mod access;
mod annual_lists;
mod appraisal;
mod audit_coverage;
mod audits;
mod cli;
mod connections;
mod consultancies;
mod crash;
mod cross_city;
mod demo;
mod documents;
mod enterprise_users;
mod enterprises;
mod experts;
mod faults;
mod hardening;
mod http_protocol;
mod messages_zh;
mod notifications;
mod opinion_sheets;
mod panel_concurrency;
mod panels;
mod rechecks;
mod reference;
mod reviews;
mod roles;
mod schema;
mod summary;
mod training;
mod violations;
