//! The retention of deletion records: housekeeping drops those older than
//! [`RETENTION`] and raises each user's `sync_floor` over them first, so a
//! sync from before a dropped record answers "gone" instead of missing it.

use std::collections::HashMap;

use chrono::TimeDelta;
use entity::{sync_deletion, user_state};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::{batch, clock};

/// How long a deletion record is kept at least.
pub const RETENTION: TimeDelta = TimeDelta::days(30);

/// Records dropped per round of reads; a round reads again until fewer come.
const PER_ROUND: u64 = 10_000;

/// Drops the deletion records older than [`RETENTION`] at `now`, answering
/// how many.
///
/// Reads them without locking, raises each owner's `sync_floor` to the
/// highest sequence among them (never lowering it; one `UPDATE` per user),
/// then deletes them by primary key. The floor rises before anything goes,
/// so a sync never sees a record missing under the old floor; and deleting
/// by key takes no range locks that a write inserting new records could
/// meet (MariaDB).
///
/// # Errors
/// The database error.
pub async fn purge_deletions(
    db: &impl ConnectionTrait,
    now: clock::Timestamp,
) -> Result<u64, DbErr> {
    use sync_deletion::Column;
    let cutoff = now - RETENTION;
    let mut purged = 0;
    loop {
        let old: Vec<(Uuid, Uuid, i64)> = sync_deletion::Entity::find()
            .select_only()
            .columns([Column::Id, Column::UserId, Column::SyncSeq])
            .filter(Column::DeletedAt.lt(cutoff))
            .order_by_asc(Column::DeletedAt)
            .limit(PER_ROUND)
            .into_tuple()
            .all(db)
            .await?;
        let mut floors: HashMap<Uuid, i64> = HashMap::new();
        for (_, user_id, seq) in &old {
            let floor = floors.entry(*user_id).or_insert(*seq);
            *floor = std::cmp::max(*floor, *seq);
        }
        for (user_id, floor) in floors {
            user_state::Entity::update_many()
                .col_expr(user_state::Column::SyncFloor, Expr::value(floor))
                .filter(user_state::Column::UserId.eq(user_id))
                .filter(Expr::col(user_state::Column::SyncFloor).lt(floor))
                .exec(db)
                .await?;
        }
        let round = old.len() as u64;
        let ids: Vec<Uuid> = old.into_iter().map(|(id, _, _)| id).collect();
        let per_statement = batch::rows_per_statement(db.get_database_backend(), 1);
        for chunk in batch::chunked(ids, per_statement) {
            let deleted = sync_deletion::Entity::delete_many()
                .filter(Column::Id.is_in(chunk))
                .exec(db)
                .await?;
            purged += deleted.rows_affected;
        }
        if round < PER_ROUND {
            return Ok(purged);
        }
    }
}
