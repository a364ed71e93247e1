//! Case-insensitive substring search that means the same on every engine.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};
use sea_orm::{ColumnTrait, IntoSimpleExpr};

/// The escape character of LIKE patterns. Not a backslash: MySQL would read
/// one as a string escape first.
const ESCAPE: char = '!';

/// `LOWER(column) LIKE '%term%'`, with `%`, `_` and `!` in `term` matched literally.
#[must_use]
pub fn contains_ci(column: impl ColumnTrait, term: &str) -> SimpleExpr {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | ESCAPE) {
            pattern.push(ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    Expr::expr(Func::lower(column.into_simple_expr())).like(LikeExpr::new(pattern).escape(ESCAPE))
}
