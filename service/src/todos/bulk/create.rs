//! Creating many todos at once (the rules are in [`super`]).

use std::collections::HashMap;

use entity::{category, tag, todo};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction};
use serde_json::json;
use uuid::Uuid;

use super::{NOT_YOUR_CATEGORY, check_count, record};
use crate::audit::action;
use crate::context::ClientMeta;
use crate::sync::Changes;
use crate::todos::fields::new_row;
use crate::todos::view::{TodoView, view};
use crate::todos::{ListTotals, NewTodo, link};
use crate::{FieldErrors, ServiceError, ServiceResult, batch, categories, clock, names, tags, txn};

/// Creates todos for the caller, all or nothing, and answers them in input
/// order with their categories and tags, in one transaction
/// ([`create_many_in`] is the rule).
///
/// # Errors
/// As [`create_many_in`].
pub async fn create_many(
    db: &DatabaseConnection,
    totals: &ListTotals,
    user_id: Uuid,
    items: Vec<NewTodo>,
    client: &ClientMeta,
) -> ServiceResult<Vec<TodoView>> {
    check_count("items", items.len())?;
    let (txn, _) = txn::begin_as(db, user_id, txn::Hold::Shared).await?;
    let mut changes = Changes::none();
    let views = create_many_in(&txn, user_id, items, client, &mut changes).await?;
    totals.commit(txn, user_id, changes).await?;
    Ok(views)
}

/// Creates todos for the caller, all or nothing, and answers them in input
/// order with their categories and tags, inside `txn`: a write transaction
/// that already holds the caller's lock ([`txn::begin_as`] with
/// [`txn::Hold::Shared`]) and that the caller ends. Tag names of all items
/// are resolved together; unknown ones are created once. The audit row is
/// written in `txn` too. The todos and the tags created are added to
/// `changes`, for the commit.
///
/// # Errors
/// [`ServiceError::Invalid`] naming `items` (none, or more than
/// [`super::MAX_BULK`]) or each `items[i].category_id` that is not one of
/// the caller's categories.
pub async fn create_many_in(
    txn: &DatabaseTransaction,
    user_id: Uuid,
    items: Vec<NewTodo>,
    client: &ClientMeta,
    changes: &mut Changes,
) -> ServiceResult<Vec<TodoView>> {
    check_count("items", items.len())?;
    let categories = categories_of(txn, user_id, &items).await?;
    let names: Vec<String> = items.iter().flat_map(|i| i.tags.iter().cloned()).collect();
    let tags: HashMap<String, tag::Model> = tags::find_or_create(txn, user_id, &names, changes)
        .await?
        .into_iter()
        .map(|t| (t.name_key.clone(), t))
        .collect();
    let now = clock::now();
    let mut views = Vec::with_capacity(items.len());
    let mut links = Vec::new();
    for item in items {
        let own_tags: Vec<tag::Model> = names::distinct(&item.tags)
            .iter()
            .filter_map(|(_, key)| tags.get(key).cloned())
            .collect();
        let category = item.category_id.and_then(|id| categories.get(&id).cloned());
        let todo = new_row(user_id, item, now);
        links.extend(own_tags.iter().map(|t| (todo.id, t.id)));
        views.push(view(todo, category, own_tags));
    }
    let rows = views
        .iter()
        .map(|v| todo::ActiveModel::from(v.todo.clone()))
        .collect();
    batch::insert_all(txn, rows).await?;
    let linked = links.len();
    link(txn, links).await?;
    let details = json!({ "count": views.len(), "tags": tags.len(), "links": linked });
    record(txn, client, user_id, action::TODO_BULK_CREATE, details).await?;
    changes.add(Changes::none().todos(views.iter().map(|v| v.todo.id)));
    Ok(views)
}

/// The caller's categories that `items` name, by id (one `IN` query); a
/// validation error naming each `items[i].category_id` that is not theirs.
async fn categories_of(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    items: &[NewTodo],
) -> ServiceResult<HashMap<Uuid, category::Model>> {
    let mut ids: Vec<Uuid> = items.iter().filter_map(|i| i.category_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let found: HashMap<Uuid, category::Model> = categories::find_owned_many(conn, user_id, &ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let errors: FieldErrors = items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.category_id.is_some_and(|id| !found.contains_key(&id)))
        .map(|(index, _)| {
            (
                format!("items[{index}].category_id"),
                vec![NOT_YOUR_CATEGORY.to_owned()],
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(ServiceError::Invalid(errors))
    }
}
