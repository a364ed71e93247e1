//! Changing many todos at once (the rules are in [`super`]).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::{tag, todo, todo_tag};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, UpdateMany,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Bulk, NOT_YOUR_CATEGORY, check_ids, lock_owned, next_versions, owned_among, refuse_deleted,
};
use crate::audit::action;
use crate::context::ClientMeta;
use crate::sync::Changes;
use crate::todos::status::{record, transition};
use crate::todos::{ListTotals, link_rows};
use crate::{ServiceError, ServiceResult, batch, categories, clock, names, tags};

/// What a bulk update does to every todo it names. `None` keeps a field;
/// for nullable fields `Some(None)` clears it. Errors name the fields as the
/// API spells them (`set.category_id`, `add_tags`, `remove_tags`).
#[derive(Debug, Clone, Default)]
pub struct BulkChanges {
    /// New status: entering `completed` sets `completed_at`, leaving it
    /// clears it, and each todo whose status changes gets a history row.
    pub status: Option<todo::TodoStatus>,
    /// New priority.
    pub priority: Option<todo::Priority>,
    /// New category (one of the caller's), or `Some(None)` to clear it.
    pub category_id: Option<Option<Uuid>>,
    /// New due date, or `Some(None)` to clear it.
    pub due_date: Option<Option<DateTime<Utc>>>,
    /// Tags to put on every todo, by name; unknown names are created.
    pub add_tags: Vec<String>,
    /// Tags to take off every todo, by name; unknown names are ignored.
    pub remove_tags: Vec<String>,
}

impl BulkChanges {
    fn check(&self) -> ServiceResult<()> {
        let sets_nothing = self.status.is_none()
            && self.priority.is_none()
            && self.category_id.is_none()
            && self.due_date.is_none();
        if sets_nothing && self.add_tags.is_empty() && self.remove_tags.is_empty() {
            return Err(ServiceError::invalid(
                "set",
                "name at least one change (in set, add_tags or remove_tags)",
            ));
        }
        let adding: HashSet<String> = names::distinct(&self.add_tags)
            .into_iter()
            .map(|(_, key)| key)
            .collect();
        if names::distinct(&self.remove_tags)
            .iter()
            .any(|(_, key)| adding.contains(key))
        {
            return Err(ServiceError::invalid(
                "remove_tags",
                "must not name a tag that add_tags names",
            ));
        }
        Ok(())
    }
}

/// Applies `changes` to every one of the caller's todos in `ids`, all or
/// nothing; each gets a new version and `updated_at`. Answers how many
/// todos were changed (all of them).
///
/// # Errors
/// [`ServiceError::Invalid`] for a bad id list (`ids`, `ids[i]`), no change
/// named (`set`), a tag both added and removed (`remove_tags`) or a
/// category not the caller's (`set.category_id`);
/// [`ServiceError::NotFoundItems`] naming every id that is not the
/// caller's; [`ServiceError::ConflictingItems`] naming every soft-deleted one.
pub async fn update_many(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    ids: &[Uuid],
    changes: BulkChanges,
    client: &ClientMeta,
) -> ServiceResult<u64> {
    check_ids(ids)?;
    changes.check()?;
    let bulk = Bulk::begin(db, totals, user_id, client).await?;
    let txn = &bulk.txn;
    if let Some(Some(category_id)) = changes.category_id
        && categories::find_owned(txn, user_id, category_id)
            .await?
            .is_none()
    {
        return Err(ServiceError::invalid("set.category_id", NOT_YOUR_CATEGORY));
    }
    let current = lock_owned(txn, user_id, ids).await?;
    refuse_deleted(&current, "restore them before changing them")?;
    let mut touched = Changes::none().todos(ids.iter().copied());
    let added = tags::find_or_create(txn, user_id, &changes.add_tags, &mut touched).await?;
    let removed = tags::find_named(txn, user_id, &changes.remove_tags).await?;
    let now = clock::now();
    let history: Vec<_> = match changes.status {
        Some(to) => current
            .iter()
            .filter_map(|t| transition(t, to, now))
            .collect(),
        None => Vec::new(),
    };
    let status_changes = history.len();

    owned_among(changed_columns(&changes, now), user_id, ids.iter().copied())
        .exec(txn)
        .await?;
    record(txn, history).await?;
    retag(txn, ids, &added, &removed).await?;
    let details = json!({
        "count": ids.len(),
        "status_changes": status_changes,
        "tags_added": added.len(),
        "tags_removed": removed.len(),
    });
    bulk.finish(action::TODO_BULK_UPDATE, details, touched)
        .await?;
    Ok(ids.len() as u64)
}

/// `UPDATE todos SET version = version + 1, updated_at = now, <each field
/// of changes>`, still without its `WHERE`.
fn changed_columns(changes: &BulkChanges, now: clock::Timestamp) -> UpdateMany<todo::Entity> {
    let mut update = next_versions(now);
    if let Some(priority) = changes.priority {
        update = update.col_expr(todo::Column::Priority, Expr::value(priority));
    }
    if let Some(category_id) = changes.category_id {
        update = update.col_expr(todo::Column::CategoryId, Expr::value(category_id));
    }
    if let Some(due_date) = changes.due_date {
        update = update.col_expr(
            todo::Column::DueDate,
            Expr::value(due_date.map(clock::to_db)),
        );
    }
    if let Some(to) = changes.status {
        // `completed_at` goes before `status`: MySQL assigns left to right
        // and lets later assignments see earlier ones, so the CASE must read
        // the old status. A todo that stays `completed` keeps its time.
        let completed_at: Expr = if to == todo::TodoStatus::Completed {
            Expr::case(
                Expr::col(todo::Column::Status).eq(todo::TodoStatus::Completed.as_str()),
                Expr::col(todo::Column::CompletedAt),
            )
            .finally(Expr::value(now))
            .into()
        } else {
            Expr::value(None::<clock::Timestamp>)
        };
        update = update
            .col_expr(todo::Column::CompletedAt, completed_at)
            .col_expr(todo::Column::Status, Expr::value(to));
    }
    update
}

/// Takes `removed` off and puts `added` on every todo of `ids`: one
/// `DELETE … WHERE todo_id IN (…) AND tag_id IN (…)` and one multi-row
/// `INSERT` that skips the links a todo has already.
async fn retag(
    conn: &impl ConnectionTrait,
    ids: &[Uuid],
    added: &[tag::Model],
    removed: &[tag::Model],
) -> Result<(), DbErr> {
    if !removed.is_empty() {
        todo_tag::Entity::delete_many()
            .filter(todo_tag::Column::TodoId.is_in(ids.iter().copied()))
            .filter(todo_tag::Column::TagId.is_in(removed.iter().map(|t| t.id)))
            .exec(conn)
            .await?;
    }
    let links = ids
        .iter()
        .flat_map(|todo_id| added.iter().map(move |t| (*todo_id, t.id)));
    batch::insert_all_skipping_clashes(
        conn,
        link_rows(links),
        [todo_tag::Column::TodoId, todo_tag::Column::TagId],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_update_must_change_something_and_not_add_and_remove_one_tag() {
        assert!(BulkChanges::default().check().is_err());
        let tags = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
        let clash = BulkChanges {
            add_tags: tags(&["Home", "work"]),
            remove_tags: tags(&[" home "]),
            ..BulkChanges::default()
        };
        assert!(clash.check().is_err());
        let fine = BulkChanges {
            remove_tags: tags(&["home"]),
            ..BulkChanges::default()
        };
        assert!(fine.check().is_ok());
    }
}
