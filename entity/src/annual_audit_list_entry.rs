use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "annual_audit_list_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub list_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub enterprise_id: Uuid,
    pub added_at: DateTimeUtc,
    /// The city's written notice (书面通知): its date starts the enterprise's clock.
    pub notice_date: Option<Date>,
    /// The notice's document number (文号).
    pub notice_number: Option<String>,
    pub notice_issued_at: Option<DateTimeUtc>,
    pub notice_issued_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
