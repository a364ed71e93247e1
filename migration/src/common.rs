//! Column, constraint and index builders shared by the migrations, so that
//! every table spells ids, timestamps, enums and keys the same way on
//! SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! Change these only with care: they are called by migrations that have
//! already run somewhere. A builder whose output changes rewrites history for
//! fresh databases only; if a table needs something different from now on,
//! add a new builder (or inline the column) in the new migration instead.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Length of the columns holding enum values (`status`, `priority`, `theme`).
const ENUM_LEN: u32 = 16;

/// `CREATE TABLE` with the engine options every table needs. On MySQL the
/// table is InnoDB (foreign keys) and utf8mb4, whatever the server default,
/// so that the binary `utf8mb4` collation of [`key_string`] is valid.
pub fn table<T: IntoIden>(backend: DbBackend, name: T) -> TableCreateStatement {
    let mut stmt = Table::create();
    stmt.table(name);
    if backend == DbBackend::MySql {
        stmt.engine("InnoDB").character_set("utf8mb4");
    }
    stmt
}

/// `DROP TABLE`, the whole `down` of a table-creating migration: its indexes,
/// checks and foreign keys go with it on every engine.
pub async fn drop_table<T: IntoIden>(manager: &SchemaManager<'_>, name: T) -> Result<(), DbErr> {
    manager
        .drop_table(Table::drop().table(name).to_owned())
        .await
}

/// UUID primary key: no database default, the service generates UUIDv7s.
pub fn uuid_pk<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().primary_key().take()
}

/// A `NOT NULL` UUID column (typically a foreign key).
pub fn uuid<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

/// A nullable UUID column.
pub fn uuid_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).uuid().null().take()
}

/// Sets the timestamp type: `timestamp with time zone` on PostgreSQL and
/// SQLite, `datetime(6)` on MySQL, whose `TIMESTAMP` ends in 2038.
fn timestamp_type(backend: DbBackend, column: &mut ColumnDef) {
    if backend == DbBackend::MySql {
        column.custom("datetime(6)");
    } else {
        column.timestamp_with_time_zone();
    }
}

/// A `NOT NULL` UTC timestamp without default (e.g. `expires_at`).
pub fn timestamp<T: IntoIden>(backend: DbBackend, name: T) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    timestamp_type(backend, &mut column);
    column.not_null().take()
}

/// A nullable UTC timestamp (e.g. `deleted_at`).
pub fn timestamp_null<T: IntoIden>(backend: DbBackend, name: T) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    timestamp_type(backend, &mut column);
    column.null().take()
}

/// A `NOT NULL` UTC timestamp defaulting to now, for `created_at` and
/// `updated_at`. The service always sets them; the default serves rows
/// written by hand or by later data migrations.
pub fn timestamp_now<T: IntoIden>(backend: DbBackend, name: T) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    timestamp_type(backend, &mut column);
    column.not_null();
    if backend == DbBackend::MySql {
        // MySQL wants the default's precision to match the column's (6).
        column.extra("DEFAULT CURRENT_TIMESTAMP(6)");
    } else {
        column.default(Expr::current_timestamp());
    }
    column
}

/// A `NOT NULL` string that carries a unique index of names or e-mails.
///
/// The service stores these lower-cased, so equality must be exact. On
/// MySQL the default collations are case- *and accent*-insensitive ('é' =
/// 'e'), so the column gets the binary `utf8mb4_bin` collation: uniqueness
/// then means the same as on PostgreSQL and SQLite.
pub fn key_string<T: IntoIden>(backend: DbBackend, name: T, len: u32) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.string_len(len).not_null();
    binary_on_mysql(backend, &mut column);
    column
}

/// A `NOT NULL` string column holding an enum value, with its default if
/// any. Binary on MySQL too, so that its `CHECK (… IN …)` rejects 'Active'
/// as the other engines do (the entity could not read it back).
pub fn enum_string<T: IntoIden>(
    backend: DbBackend,
    name: T,
    default: Option<&'static str>,
) -> ColumnDef {
    let mut column = ColumnDef::new(name);
    column.string_len(ENUM_LEN).not_null();
    if let Some(default) = default {
        column.default(default);
    }
    binary_on_mysql(backend, &mut column);
    column
}

fn binary_on_mysql(backend: DbBackend, column: &mut ColumnDef) {
    if backend == DbBackend::MySql {
        column.extra("COLLATE utf8mb4_bin");
    }
}

/// An optimistic-locking counter: `NOT NULL DEFAULT 1`. Pair it with
/// [`positive`] as a table check.
pub fn version<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().default(1).take()
}

/// Named `CHECK (column IN (values…))`, the portable stand-in for an enum type.
pub fn one_of<C>(name: &'static str, column: C, values: &[&'static str]) -> Check
where
    C: IntoIden,
{
    Check::named(name, Expr::col(column).is_in(values.iter().copied()))
}

/// Named `CHECK (column >= 1)`.
pub fn positive<C: IntoIden>(name: &'static str, column: C) -> Check {
    Check::named(name, Expr::col(column).gte(1))
}

/// A named foreign key `from_table.from_col → to_table.id`, to be put inline
/// in `create_table` (SQLite cannot add foreign keys to an existing table).
pub fn foreign_key<FT, FC, TT>(
    name: &'static str,
    from_table: FT,
    from_col: FC,
    to_table: TT,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement
where
    FT: IntoIden,
    FC: IntoIden,
    TT: IntoIden,
{
    ForeignKey::create()
        .name(name)
        .from(from_table, from_col)
        .to(to_table, "id")
        .on_delete(on_delete)
        .take()
}

/// A named index (`unique` or not) over `columns`, in order.
pub fn index<T, I, C>(name: &'static str, table: T, columns: I) -> IndexCreateStatement
where
    T: IntoIden,
    I: IntoIterator<Item = C>,
    C: IntoIden,
{
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for column in columns {
        stmt.col(column);
    }
    stmt
}

/// Makes `index` cover live rows only (`WHERE deleted_at IS NULL`) on
/// PostgreSQL, where the list queries filter on it and the planner uses
/// such an index for them. Elsewhere the index is left whole: MySQL has no
/// partial indexes, and on SQLite a whole index keeps the plans simple.
pub fn live_rows_only<C: IntoIden>(
    backend: DbBackend,
    deleted_at: C,
    mut index: IndexCreateStatement,
) -> IndexCreateStatement {
    if backend == DbBackend::Postgres {
        index.and_where(Expr::col(deleted_at).is_null());
    }
    index
}
