//! The answers that several todo operations (one todo at a time, in `super`)
//! document alike, each defined once and named by their attributes. The
//! answers every versioned resource shares (`304`, `412`) are in
//! `crate::dto::users`.

use utoipa::IntoResponses;

use crate::error::Problem;
use crate::routes::responses::PROBLEM;

/// The answer of an operation on a todo the caller does not have.
#[derive(Debug, IntoResponses)]
#[response(status = 404, description = "No such todo of the caller's", content_type = PROBLEM)]
pub struct NoSuchTodo(pub Problem);

/// The answer of a change that a soft-deleted todo does not take.
#[derive(Debug, IntoResponses)]
#[response(status = 409, description = "The todo is soft-deleted", content_type = PROBLEM)]
pub struct SoftDeletedTodo(pub Problem);

/// The answer to a todo's fields that do not fit their rules.
#[derive(Debug, IntoResponses)]
#[response(
    status = 422,
    description = "Invalid fields, or a `category_id` that is not one of the caller's",
    content_type = PROBLEM
)]
pub struct InvalidTodo(pub Problem);
