use sea_orm::entity::prelude::*;

use crate::domain::Role;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub city_code: Option<String>,
    /// The county (区县) of a COUNTY_ADMIN, as enterprises of its city name it.
    pub county: Option<String>,
    pub expert_id: Option<Uuid>,
    pub consultancy_id: Option<Uuid>,
    /// The enterprise an ENTERPRISE user acts for.
    pub enterprise_id: Option<Uuid>,
    /// Bumped whenever existing tokens must stop working (password change, role change).
    pub token_version: i32,
    pub disabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Where e-mail notifications go.
    pub email: Option<String>,
    /// Where SMS notifications go; encrypted at rest.
    pub phone: Option<String>,
}

no_relations!();
