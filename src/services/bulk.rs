//! Writing many rows at once. A batch of draws writes tens of rows to each of five tables;
//! on PostgreSQL every statement is a round trip, so each table's rows go in one statement
//! of arrays (`INSERT … SELECT UNNEST($1), UNNEST($2), …`), one statement text whatever the
//! number of rows. SQLite runs in the process (no round trips) and has no arrays: there the
//! rows go in multi-row statements of few sizes ([`chunk_sizes`]).

use sea_orm::sea_query::{Alias, Expr, Func, InsertStatement, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IdenStatic,
    Iterable, QueryTrait, Value,
};

/// The most rows one multi-row INSERT takes on SQLite.
pub const MAX_INSERT_CHUNK: usize = 64;

/// How `rows` rows are split into multi-row statements: as many of [`MAX_INSERT_CHUNK`] as
/// fit, then the rest by powers of two, largest first (85 rows: 64, 16, 4, 1). Each
/// statement's text is prepared once per connection and kept (sqlx keeps 100 per
/// connection), so the sizes are few: seven per table, whatever the batch. A statement per
/// batch size would be one more prepared statement each, some of hundreds of kilobytes on
/// SQLite (a seat updates seven indexes), held by every connection of the pool.
pub fn chunk_sizes(rows: usize) -> impl Iterator<Item = usize> {
    let full = std::iter::repeat_n(MAX_INSERT_CHUNK, rows / MAX_INSERT_CHUNK);
    let rest = rows % MAX_INSERT_CHUNK;
    let powers = (0..usize::BITS)
        .rev()
        .map(|bit| 1usize << bit)
        .filter(move |size| rest & size != 0);
    full.chain(powers)
}

/// Adds every column of `E` to `select`, named `prefix` + column, as sea-orm's own combined
/// selects do, so `FromQueryResult::from_query_result(row, prefix)` reads them back: how a
/// joined read names the columns of each table it joins.
pub fn select_prefixed<E: EntityTrait + Default>(select: &mut SelectStatement, prefix: &str) {
    for column in E::Column::iter() {
        select.expr_as(
            column.select_as(Expr::col((E::default(), column))),
            Alias::new(format!("{prefix}{}", column.as_str())),
        );
    }
}

/// Adds every column of `E` to `select` in declared order under its own name, for a joined
/// read decoded by position (`services::positional`): no name is looked up, so none is
/// made unique, and the statement's text is a third shorter.
pub fn select_in_order<E: EntityTrait + Default>(select: &mut SelectStatement) {
    for column in E::Column::iter() {
        select.expr(column.select_as(Expr::col((E::default(), column))));
    }
}

/// `column IN (values)`: on PostgreSQL `column = ANY($1)` with the values bound as one array,
/// one statement text whatever the number of values (planned once per connection and kept,
/// and never past the 65 535 parameters a statement may bind); elsewhere a plain `IN` list
/// (SQLite prepares a statement in microseconds, without a round trip). What the loaders'
/// and the draw's batch reads filter by.
pub fn among<C, V>(backend: DbBackend, column: C, values: impl IntoIterator<Item = V>) -> Expr
where
    C: ColumnTrait,
    V: Into<Value> + Clone + sea_orm::sea_query::postgres_array::NotU8,
{
    if backend == DbBackend::Postgres {
        column.eq_any(values)
    } else {
        column.is_in(values)
    }
}

/// The statements that insert `rows`, in order: on PostgreSQL one of arrays (see
/// [`unnest_insert`]), elsewhere, or where the rows do not fit one, multi-row statements
/// sized by [`chunk_sizes`]. Callers may add an `ON CONFLICT` clause to each.
pub fn insert_statements<A>(backend: DbBackend, rows: Vec<A>) -> Vec<InsertStatement>
where
    A: ActiveModelTrait,
{
    if rows.is_empty() {
        return Vec::new();
    }
    if backend == DbBackend::Postgres
        && let Some(insert) = unnest_insert(&rows)
    {
        return vec![insert];
    }
    let mut rows = rows.into_iter();
    chunk_sizes(rows.len())
        .map(|size| {
            let chunk: Vec<A> = rows.by_ref().take(size).collect();
            <A::Entity as EntityTrait>::insert_many(chunk).into_query()
        })
        .collect()
}

/// Inserts `rows` in as few statements as the backend allows (see [`insert_statements`]).
pub async fn insert_rows<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
{
    for insert in insert_statements(db.get_database_backend(), rows) {
        db.execute(&insert).await?;
    }
    Ok(())
}

fn is_null(value: &Value) -> bool {
    *value == value.as_null()
}

/// One PostgreSQL statement inserting every row: each column's values bound as one array,
/// unnested in step (set-returning functions in a select list advance together), or written
/// as `NULL` when null in every row. `None` when the rows cannot go this way: a column set in
/// some rows only, or null in some rows only (arrays are bound without null elements).
pub fn unnest_insert<A>(rows: &[A]) -> Option<InsertStatement>
where
    A: ActiveModelTrait,
{
    let mut columns = Vec::new();
    let mut select = SelectStatement::new();
    for column in <A::Entity as EntityTrait>::Column::iter() {
        let values: Vec<Value> = rows
            .iter()
            .filter_map(|row| row.get(column).into_value())
            .collect();
        if values.is_empty() {
            // Set in no row: left to the column's default, as a multi-row insert leaves it.
            continue;
        }
        if values.len() != rows.len() {
            return None;
        }
        let nulls = values.iter().filter(|v| is_null(v)).count();
        if nulls == values.len() {
            select.expr(Expr::cust("NULL"));
        } else if nulls == 0 {
            let array_type = values[0].array_type();
            select.expr(Func::cust("UNNEST").arg(Value::Array(array_type, Some(Box::new(values)))));
        } else {
            return None;
        }
        columns.push(column);
    }
    if columns.is_empty() {
        return None;
    }
    let mut insert = Query::insert();
    insert
        .into_table(<A::Entity as Default>::default())
        .columns(columns);
    insert.select_from(select).ok()?;
    Some(insert)
}

#[cfg(test)]
mod tests {
    use super::{MAX_INSERT_CHUNK, chunk_sizes, insert_statements, unnest_insert};
    use crate::services::draw::NewSeat;
    use chrono::{NaiveDate, Utc};
    use entity::{expert_seat_count, panel_seat};
    use sea_orm::sea_query::PostgresQueryBuilder;
    use sea_orm::{ActiveValue::NotSet, ActiveValue::Set, DbBackend, Value};
    use uuid::Uuid;

    #[test]
    fn rows_are_split_into_few_statement_sizes() {
        let sizes = |n: usize| chunk_sizes(n).collect::<Vec<_>>();
        assert_eq!(sizes(0), Vec::<usize>::new());
        assert_eq!(sizes(1), [1]);
        assert_eq!(sizes(17), [16, 1]);
        assert_eq!(sizes(85), [64, 16, 4, 1]);
        assert_eq!(sizes(200), [64, 64, 64, 8]);
        let mut seen = std::collections::BTreeSet::new();
        for n in 0..1_000 {
            let split = sizes(n);
            assert_eq!(split.iter().sum::<usize>(), n);
            assert!(split.windows(2).all(|w| w[0] >= w[1]), "largest first");
            seen.extend(split);
        }
        // Seven statement texts per table, whatever the batch.
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            [1, 2, 4, 8, 16, 32, MAX_INSERT_CHUNK]
        );
    }

    #[test]
    fn among_is_one_array_on_postgres_and_a_plain_list_elsewhere() {
        use sea_orm::{EntityTrait, QueryFilter, QueryTrait};
        let ids = [Uuid::nil(), Uuid::max(), Uuid::nil()];
        let sql = |backend: DbBackend| {
            expert_seat_count::Entity::find()
                .filter(super::among(
                    backend,
                    expert_seat_count::Column::ExpertId,
                    ids,
                ))
                .build(backend)
                .to_string()
        };
        let postgres = sql(DbBackend::Postgres);
        assert!(
            postgres.contains("\"expert_id\" = ANY(ARRAY ["),
            "{postgres}"
        );
        let sqlite = sql(DbBackend::Sqlite);
        assert!(sqlite.contains("\"expert_id\" IN ("), "{sqlite}");
        assert_eq!(
            sqlite
                .matches("00000000-0000-0000-0000-000000000000")
                .count(),
            2
        );
    }

    fn seat(expert: Uuid, slot: i32) -> panel_seat::Model {
        NewSeat {
            panel_id: Uuid::nil(),
            draw_id: Uuid::nil(),
            review_id: Uuid::nil(),
            review_date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
            expert_id: expert,
            slot_index: slot,
            replaces_seat_id: None,
        }
        .invited(Utc::now())
    }

    #[test]
    fn postgres_takes_any_number_of_rows_in_one_statement_of_arrays() {
        let rows = |n: usize| -> Vec<panel_seat::ActiveModel> {
            (0..n)
                .map(|i| seat(Uuid::now_v7(), i32::try_from(i).unwrap_or_default()).into())
                .collect()
        };
        let three = insert_statements(DbBackend::Postgres, rows(3));
        let ninety = insert_statements(DbBackend::Postgres, rows(90));
        assert_eq!((three.len(), ninety.len()), (1, 1));
        let (sql, values) = three[0].build(PostgresQueryBuilder);
        // One text for any number of rows: it is prepared once.
        assert_eq!(sql, ninety[0].build(PostgresQueryBuilder).0);
        assert!(
            sql.starts_with(
                r#"INSERT INTO "panel_seats" ("id", "panel_id", "draw_id", "review_id", "review_date", "expert_id", "slot_index", "status", "decline_reason", "#
            ),
            "{sql}"
        );
        assert!(
            sql.contains(r#" SELECT UNNEST($1), UNNEST($2), UNNEST($3), UNNEST($4), UNNEST($5), UNNEST($6), UNNEST($7), UNNEST($8), NULL, NULL"#),
            "{sql}"
        );
        // Eleven columns have values; the others are null in every row.
        assert_eq!(values.0.len(), 11);
        assert!(
            values
                .0
                .iter()
                .all(|v| matches!(v, Value::Array(_, Some(items)) if items.len() == 3))
        );
        // SQLite: multi-row statements of the usual sizes (64, 16, 8, 2).
        assert_eq!(insert_statements(DbBackend::Sqlite, rows(90)).len(), 4);
        assert!(insert_statements(DbBackend::Postgres, rows(0)).is_empty());
    }

    #[test]
    fn rows_that_mix_null_and_values_in_a_column_go_in_multi_row_statements() {
        let mut replacement = seat(Uuid::now_v7(), 0);
        replacement.replaces_seat_id = Some(Uuid::now_v7());
        let rows: Vec<panel_seat::ActiveModel> =
            vec![seat(Uuid::now_v7(), 1).into(), replacement.into()];
        assert!(unnest_insert(&rows).is_none());
        assert_eq!(insert_statements(DbBackend::Postgres, rows).len(), 1);
        // A column set in some rows only, likewise.
        let counters = vec![
            expert_seat_count::ActiveModel {
                expert_id: Set(Uuid::now_v7()),
                year: Set(2026),
                seats: Set(1),
            },
            expert_seat_count::ActiveModel {
                expert_id: Set(Uuid::now_v7()),
                year: Set(2026),
                seats: NotSet,
            },
        ];
        assert!(unnest_insert(&counters).is_none());
    }
}
