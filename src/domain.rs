//! Domain vocabulary shared by the rules, the services and the GraphQL layer. The enums live
//! beside the entities whose columns they type (`entity::domain`); this is their home in the
//! server's namespace.

pub use entity::domain::*;
