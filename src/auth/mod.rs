//! Authentication (tokens, passwords) and the viewer every request acts as.

pub mod password;
pub mod principals;
pub mod token;
pub mod viewer;

pub use viewer::{Principal, Viewer};
