//! PostgreSQL bulk loading: while a seed transaction fills its tables, their foreign keys and
//! secondary indexes are set aside, and put back — checked and built in one pass each — before
//! it commits, as PostgreSQL's "Populating a Database" advises. Row by row, a panel seat
//! checked five foreign keys (each also locking the row it points to) and updated seven
//! indexes: at scale 10 that was 30 of the 46 s its 850 000 rows took to insert.
//!
//! Everything happens inside the seed's transaction: other sessions never see the tables
//! without their constraints, a failure rolls the drop back with the rows, and the
//! constraints and indexes come back under their own names and definitions (read from the
//! catalogue, not restated here). Primary keys and the indexes of constraints stay.
//! SQLite is left alone: it has no such statements, and its loads are small.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::error::{AppError, AppResult};

/// What puts a transaction's set-aside constraints and indexes back.
pub(super) struct SetAside {
    /// Statements to run, in order, before the commit.
    restore: Vec<String>,
}

/// The names as a SQL array literal; the names are the entities' own (letters and `_`).
fn table_list(tables: &[&str]) -> AppResult<String> {
    let mut quoted = Vec::with_capacity(tables.len());
    for table in tables {
        if table.is_empty() || !table.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(AppError::internal(format!("unexpected table name {table}")));
        }
        quoted.push(format!("'{table}'"));
    }
    Ok(format!("ARRAY[{}]::regclass[]", quoted.join(",")))
}

/// Drops the foreign keys and secondary indexes of `tables` within `txn` (PostgreSQL only).
pub(super) async fn set_aside(txn: &impl ConnectionTrait, tables: &[&str]) -> AppResult<SetAside> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(SetAside {
            restore: Vec::new(),
        });
    }
    let list = table_list(tables)?;
    // Foreign keys first: an index a foreign key depends on stays (`conindid`).
    let foreign_keys = format!(
        "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname), \
                format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, \
                       pg_get_constraintdef(c.oid)) \
         FROM pg_constraint c \
         WHERE c.contype = 'f' AND c.conrelid = ANY({list}) \
         ORDER BY c.conrelid::regclass::text, c.conname"
    );
    let indexes = format!(
        "SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid) \
         FROM pg_index i \
         WHERE i.indrelid = ANY({list}) AND NOT i.indisprimary \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) \
         ORDER BY i.indexrelid::regclass::text"
    );
    let mut drops = Vec::new();
    let mut restore_keys = Vec::new();
    let mut restore_indexes = Vec::new();
    for (sql, restore) in [
        (foreign_keys, &mut restore_keys),
        (indexes, &mut restore_indexes),
    ] {
        let rows = txn
            .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
            .await?;
        for row in rows {
            drops.push(row.try_get_by_index::<String>(0)?);
            restore.push(row.try_get_by_index::<String>(1)?);
        }
    }
    for drop in &drops {
        txn.execute_unprepared(drop).await?;
    }
    // Indexes before the foreign keys that may use them to check; sorting for the builds.
    let mut restore = vec!["SET LOCAL maintenance_work_mem = '256MB'".to_owned()];
    restore.extend(restore_indexes);
    restore.extend(restore_keys);
    Ok(SetAside { restore })
}

impl SetAside {
    /// Builds the indexes and checks the foreign keys again; a row that breaks one fails the
    /// transaction as its insert would have.
    pub(super) async fn restore(self, txn: &impl ConnectionTrait) -> AppResult<()> {
        for statement in &self.restore {
            txn.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::table_list;

    #[test]
    fn only_plain_table_names_are_listed() {
        assert_eq!(
            table_list(&["panel_seats", "panels"]).ok().as_deref(),
            Some("ARRAY['panel_seats','panels']::regclass[]")
        );
        assert!(table_list(&["x'; DROP TABLE experts; --"]).is_err());
        assert!(table_list(&[""]).is_err());
    }
}
