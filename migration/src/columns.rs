//! Column and key shapes shared by the migrations.

use sea_orm_migration::prelude::*;

/// The tables foreign keys point at from later migrations, by their key column.
#[derive(DeriveIden)]
pub enum Cities {
    Table,
    Code,
}

#[derive(DeriveIden)]
pub enum Sectors {
    Table,
    Code,
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
pub enum Experts {
    Table,
    Id,
}

#[derive(DeriveIden)]
pub enum Enterprises {
    Table,
    Id,
}

#[derive(DeriveIden)]
pub enum Consultancies {
    Table,
    Id,
}

#[derive(DeriveIden)]
pub enum ConsultancyStaff {
    Table,
    Id,
}

#[derive(DeriveIden)]
pub enum Audits {
    Table,
    Id,
}

#[derive(DeriveIden)]
pub enum Reviews {
    Table,
    Id,
}

#[derive(DeriveIden)]
pub enum PanelSeats {
    Table,
    Id,
}

pub fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string().not_null().to_owned()
}

pub fn text_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string().null().to_owned()
}

pub fn uuid_pk(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .uuid()
        .not_null()
        .primary_key()
        .to_owned()
}

pub fn text_pk(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .string()
        .not_null()
        .primary_key()
        .to_owned()
}

pub fn int_pk(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .integer()
        .not_null()
        .primary_key()
        .to_owned()
}

pub fn instant(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

pub fn instant_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

pub fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

pub fn date(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).date().not_null().to_owned()
}

pub fn date_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).date().null().to_owned()
}

pub fn uuid(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().to_owned()
}

pub fn uuid_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).uuid().null().to_owned()
}

pub fn int(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).integer().not_null().to_owned()
}

pub fn int_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).integer().null().to_owned()
}

pub fn flag(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).boolean().not_null().to_owned()
}

pub fn flag_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).boolean().null().to_owned()
}

/// An exact amount in ten-thousandths of its unit (see the server's `services::amounts`).
pub fn amount(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

pub fn amount_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
}

pub fn long_text_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().null().to_owned()
}

/// Adds columns to an existing table, one statement each (SQLite adds one per statement).
pub async fn add_columns(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    columns: Vec<ColumnDef>,
) -> Result<(), DbErr> {
    let table = table.into_iden();
    for mut column in columns {
        manager
            .alter_table(
                Table::alter()
                    .table(table.clone())
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

/// Creates an index on `columns` of `table` (unique when asked).
pub async fn add_index<T: IntoIden>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    columns: Vec<T>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}

pub fn long_text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

pub fn blob(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).blob().not_null().to_owned()
}

/// The names of the columns most tables end with.
#[derive(DeriveIden)]
enum Stamp {
    Version,
    CreatedAt,
    UpdatedAt,
}

/// When a row was created and last updated.
pub fn stamps() -> [ColumnDef; 2] {
    [instant(Stamp::CreatedAt), instant(Stamp::UpdatedAt)]
}

/// The optimistic-lock counter, then [`stamps`].
pub fn versioned() -> [ColumnDef; 3] {
    let [created_at, updated_at] = stamps();
    [int(Stamp::Version), created_at, updated_at]
}

/// A new table with its keys and the indexes on it, in one declaration; created table
/// first, then each index in the order declared.
pub struct NewTable {
    name: DynIden,
    table: TableCreateStatement,
    indexes: Vec<IndexCreateStatement>,
}

pub fn table(name: impl IntoIden) -> NewTable {
    let name = name.into_iden();
    NewTable {
        table: Table::create().table(name.clone()).to_owned(),
        name,
        indexes: Vec::new(),
    }
}

impl NewTable {
    pub fn cols(mut self, columns: impl IntoIterator<Item = ColumnDef>) -> Self {
        for column in columns {
            self.table.col(column);
        }
        self
    }

    /// A primary key over several columns.
    pub fn primary_key<C: IntoIden>(mut self, columns: impl IntoIterator<Item = C>) -> Self {
        let mut key = Index::create();
        for column in columns {
            key.col(column);
        }
        self.table.primary_key(&mut key);
        self
    }

    /// A foreign key from `column` of this table, as [`fk`] makes it.
    pub fn fk(
        mut self,
        name: &str,
        column: impl IntoIden,
        to: (impl IntoIden, impl IntoIden),
    ) -> Self {
        self.table
            .foreign_key(&mut fk(name, (self.name.clone(), column), to));
        self
    }

    /// A foreign key from `column`, as [`NewTable::fk`] makes it, and an index on that column
    /// alone, named `fk_<name>` and `idx_<name>`: the rows of one parent are then found (and
    /// a restricted delete checked) without a scan. The index takes its place among the
    /// table's indexes where this is called.
    pub fn indexed_fk(
        self,
        name: &str,
        column: impl IntoIden,
        to: (impl IntoIden, impl IntoIden),
    ) -> Self {
        let column = column.into_iden();
        self.fk(&format!("fk_{name}"), column.clone(), to)
            .index(&format!("idx_{name}"), [column])
    }

    pub fn check(mut self, check: Check) -> Self {
        self.table.check(check);
        self
    }

    pub fn index<C: IntoIden>(self, name: &str, columns: impl IntoIterator<Item = C>) -> Self {
        self.with_index(name, columns, |_| {})
    }

    pub fn unique<C: IntoIden>(self, name: &str, columns: impl IntoIterator<Item = C>) -> Self {
        self.with_index(name, columns, |index| {
            index.unique();
        })
    }

    /// A unique index over the rows that meet `condition` only.
    pub fn unique_where<C: IntoIden>(
        self,
        name: &str,
        columns: impl IntoIterator<Item = C>,
        condition: Expr,
    ) -> Self {
        self.with_index(name, columns, |index| {
            index.unique().and_where(condition);
        })
    }

    fn with_index<C: IntoIden>(
        mut self,
        name: &str,
        columns: impl IntoIterator<Item = C>,
        shape: impl FnOnce(&mut IndexCreateStatement),
    ) -> Self {
        let mut index = Index::create();
        index.name(name).table(self.name.clone());
        for column in columns {
            index.col(column);
        }
        shape(&mut index);
        self.indexes.push(index);
        self
    }

    pub async fn create(self, manager: &SchemaManager<'_>) -> Result<(), DbErr> {
        manager.create_table(self.table).await?;
        for index in self.indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }
}

/// Creates the tables in order, each with its indexes.
pub async fn create_tables(
    manager: &SchemaManager<'_>,
    tables: Vec<NewTable>,
) -> Result<(), DbErr> {
    for table in tables {
        table.create(manager).await?;
    }
    Ok(())
}

/// Drops the tables in the reverse of their creation order, so that no table goes before
/// one whose foreign keys point at it.
pub async fn drop_tables(manager: &SchemaManager<'_>, tables: Vec<NewTable>) -> Result<(), DbErr> {
    for table in tables.into_iter().rev() {
        manager
            .drop_table(Table::drop().table(table.name).to_owned())
            .await?;
    }
    Ok(())
}

/// The columns of a commit-reveal seed, the same for a panel's draw and the yearly recheck
/// sample: the server's random bytes (hex of 32 bytes, secret until a draw reveals them),
/// their SHA-256 commitment, who committed when, and when a draw used it up.
#[derive(DeriveIden)]
enum Seed {
    ServerRandom,
    Commitment,
    CommittedAt,
    CommittedBy,
    UsedAt,
    CommitmentId,
}

/// A commitment table's columns after its key and what it commits for.
pub fn commitment() -> [ColumnDef; 5] {
    [
        text(Seed::ServerRandom),
        text(Seed::Commitment),
        instant(Seed::CommittedAt),
        uuid_null(Seed::CommittedBy),
        instant_null(Seed::UsedAt),
    ]
}

/// What a drawn row keeps of the commitment it was drawn with.
pub fn commitment_used() -> Vec<ColumnDef> {
    vec![
        uuid_null(Seed::CommitmentId),
        text_null(Seed::Commitment),
        instant_null(Seed::CommittedAt),
    ]
}

/// Drops columns from a table, one statement each (as [`add_columns`] adds them).
pub async fn drop_columns<C: IntoIden>(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    columns: impl IntoIterator<Item = C>,
) -> Result<(), DbErr> {
    let table = table.into_iden();
    for column in columns {
        manager
            .alter_table(
                Table::alter()
                    .table(table.clone())
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

pub async fn drop_index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .drop_index(Index::drop().name(name).table(table).to_owned())
        .await
}

/// The columns of a status-change log (an expert's, an annual list's, a consultancy's) after
/// its key and the row it is the history of: the status before (none for the first) and
/// after, why, who made the change and when.
#[derive(DeriveIden)]
enum StatusChange {
    FromStatus,
    ToStatus,
    Reason,
    ActorId,
    ChangedAt,
}

/// Whether a status change must give its reason.
pub enum Reason {
    Required,
    Optional,
}

pub fn status_change(reason: Reason) -> [ColumnDef; 5] {
    [
        text_null(StatusChange::FromStatus),
        text(StatusChange::ToStatus),
        match reason {
            Reason::Required => text(StatusChange::Reason),
            Reason::Optional => text_null(StatusChange::Reason),
        },
        uuid_null(StatusChange::ActorId),
        instant(StatusChange::ChangedAt),
    ]
}
