use sea_orm::entity::prelude::*;

use crate::domain::{EnterpriseScale, Sector};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    #[sea_orm(unique)]
    pub credit_code: String,
    pub city_code: String,
    pub county: String,
    pub industry_code: String,
    /// The annex sector of the catalogue row that matches the industry code, if any.
    pub sector: Option<Sector>,
    pub employees: i32,
    /// Operating revenue in 10 000 CNY, in ten-thousandths (exact; see `amount` columns).
    pub operating_revenue: i64,
    pub scale: EnterpriseScale,
    /// The scale was set by an admin rather than derived from staff and revenue.
    pub scale_set_by_admin: bool,
    pub high_energy_use: bool,
    pub high_water_use: bool,
    pub high_emissions: bool,
    pub priority_chemicals: bool,
    pub mining_operation: bool,
    pub coating_process: bool,
    /// The mandatory-audit verdict as of the last write (the catalogue is fixed data).
    pub mandatory: bool,
    pub mandatory_row_code: Option<String>,
    /// Member of the mandatory directory (名录总库) since this year.
    pub directory_since_year: Option<i32>,
    /// The latest completed audit or counted certification.
    pub last_completed_on: Option<Date>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

no_relations!();
