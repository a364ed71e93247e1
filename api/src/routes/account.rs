//! `/auth` routes of the account lifecycle: verifying and changing the
//! address, resetting a forgotten password, deleting the account with a
//! grace period. Every one counts against the auth rate limit (`429`).
//!
//! Where an answer must not tell whether an account exists (resending a
//! verification, asking for a reset), the handler answers `202` at once
//! and does the work afterwards: the time of the answer cannot depend on
//! what the work finds.

use actix_web::{HttpResponse, post, web};
use service::accounts;
use tokio::sync::Semaphore;

use crate::auth::{AuthAttempt, Client, PasswordAttempt};
use crate::conditional::tagged;
use crate::dto::account::{
    CancelDeletionRequest, ChangeEmailRequest, DeletionScheduled, EmailRequest,
    ResetPasswordRequest, TokenRequest,
};
use crate::dto::users::{DeleteAccountRequest, InvalidFields, UserOut};
use crate::error::{ApiResult, Problem};
use crate::extract::ValidJson;
use crate::routes::auth::{TooManyAttempts, TooManyPasswordAttempts};
use crate::routes::responses::PROBLEM;
use crate::state::AppState;

/// How many requests' work may wait or run after their answer at once.
/// Past it, a request's work is dropped (and logged): the answer cannot
/// tell, and a flood of requests cannot pile up tasks without bound. The
/// auth rate limit keeps an honest client far below it.
const DEFERRED_AT_ONCE: usize = 256;

static DEFERRED: Semaphore = Semaphore::const_new(DEFERRED_AT_ONCE);

/// Runs `work` after the answer; a failure is logged, as the client has
/// already been told `202`.
fn after_answering(
    what: &'static str,
    work: impl Future<Output = service::ServiceResult<()>> + 'static,
) {
    let Ok(permit) = DEFERRED.try_acquire() else {
        log::warn!("{what} dropped: {DEFERRED_AT_ONCE} requests' work is already waiting");
        return;
    };
    actix_web::rt::spawn(async move {
        let _permit = permit;
        if let Err(err) = work.await {
            log::error!("{what} failed: {err:?}");
        }
    });
}

/// Verify the e-mail address
///
/// Follows the link of a verification mail: the account's address is
/// verified, or, for a change of address, the account moves to the new one.
/// Tokens are single-use and expire after 48 hours.
#[utoipa::path(
    security(()),
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "The account, with `email_verified: true`", body = UserOut, headers(("ETag" = String, description = "The entity tag of the account"))),
        (status = 409, description = "The new address was taken meanwhile", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields, or a `token` that is unknown, used or expired", body = Problem, content_type = PROBLEM),
        TooManyAttempts,
    )
)]
#[post("/auth/verify-email")]
pub async fn verify_email(
    state: web::Data<AppState>,
    _: AuthAttempt,
    client: Client,
    ValidJson(body): ValidJson<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let account = accounts::verify_email(&state.db, &body.token, &client.0).await?;
    let user = UserOut::from(account);
    Ok(tagged(HttpResponse::Ok(), user.version, &user))
}

/// Send the verification mail again
///
/// Answers `202` whatever the address: mail goes only to an existing,
/// active account whose address is not verified yet, and its earlier links
/// stop working.
#[utoipa::path(
    security(()),
    tag = "auth",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Accepted; a mail follows if the address is an unverified account's"),
        InvalidFields,
        TooManyAttempts,
    )
)]
#[post("/auth/resend-verification")]
pub async fn resend_verification(
    state: web::Data<AppState>,
    _: AuthAttempt,
    ValidJson(body): ValidJson<EmailRequest>,
) -> ApiResult<HttpResponse> {
    let (db, policy) = (state.db.clone(), state.config.accounts.clone());
    after_answering("resending a verification", async move {
        accounts::resend_verification(&db, &policy, &body.email).await
    });
    Ok(HttpResponse::Accepted().finish())
}

/// Change the e-mail address
///
/// Checks the password, then mails a verification link to the new address
/// and a notice to the current one. The address changes when the link is
/// followed (`POST /auth/verify-email`), which answers `409` if another
/// account took the address meanwhile. Every attempt counts against a
/// per-account and per-IP limit (`429`).
#[utoipa::path(
    tag = "auth",
    request_body = ChangeEmailRequest,
    responses(
        (status = 202, description = "Accepted; the link is on its way to the new address"),
        (status = 409, description = "Another account has the new address", body = Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields, a wrong `password`, or the current address as `new_email`", body = Problem, content_type = PROBLEM),
        TooManyPasswordAttempts,
    )
)]
#[post("/auth/change-email")]
pub async fn change_email(
    state: web::Data<AppState>,
    PasswordAttempt(auth): PasswordAttempt,
    client: Client,
    ValidJson(body): ValidJson<ChangeEmailRequest>,
) -> ApiResult<HttpResponse> {
    accounts::change_email(
        &state.db,
        &state.passwords,
        &state.config.accounts,
        auth.id,
        &body.new_email,
        body.password,
        &client.0,
    )
    .await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Ask for a password reset
///
/// Answers `202` whether or not an account has the address, in the same
/// time: the mail (a link valid one hour) is prepared after the answer, and
/// only for an existing account.
#[utoipa::path(
    security(()),
    tag = "auth",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Accepted; a mail follows if an account has the address"),
        InvalidFields,
        TooManyAttempts,
    )
)]
#[post("/auth/forgot-password")]
pub async fn forgot_password(
    state: web::Data<AppState>,
    _: AuthAttempt,
    client: Client,
    ValidJson(body): ValidJson<EmailRequest>,
) -> ApiResult<HttpResponse> {
    let (db, policy) = (state.db.clone(), state.config.accounts.clone());
    after_answering("a password-reset request", async move {
        accounts::forgot_password(&db, &policy, &body.email, &client.0).await
    });
    Ok(HttpResponse::Accepted().finish())
}

/// Reset the password
///
/// Sets a new password with the token of a reset link; every session of
/// the account is revoked and a notice is mailed.
#[utoipa::path(
    security(()),
    tag = "auth",
    request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "The password is reset; every session is revoked"),
        (status = 422, description = "Invalid fields, or a `token` that is unknown, used or expired", body = Problem, content_type = PROBLEM),
        TooManyAttempts,
    )
)]
#[post("/auth/reset-password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    _: AuthAttempt,
    client: Client,
    ValidJson(body): ValidJson<ResetPasswordRequest>,
) -> ApiResult<HttpResponse> {
    accounts::reset_password(
        &state.db,
        &state.passwords,
        &body.token,
        body.new_password,
        &client.0,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ask to delete the account
///
/// Checks the password and mails a link (valid 24 hours) that confirms the
/// deletion; nothing changes until it is followed. Every attempt counts
/// against a per-account and per-IP limit (`429`).
#[utoipa::path(
    tag = "auth",
    request_body = DeleteAccountRequest,
    responses(
        (status = 202, description = "Accepted; the confirmation link is on its way"),
        (status = 422, description = "Invalid fields, or a wrong `password`", body = Problem, content_type = PROBLEM),
        TooManyPasswordAttempts,
    )
)]
#[post("/auth/request-account-deletion")]
pub async fn request_account_deletion(
    state: web::Data<AppState>,
    PasswordAttempt(auth): PasswordAttempt,
    client: Client,
    ValidJson(body): ValidJson<DeleteAccountRequest>,
) -> ApiResult<HttpResponse> {
    accounts::request_deletion(
        &state.db,
        &state.passwords,
        &state.config.accounts,
        auth.id,
        body.password,
        &client.0,
    )
    .await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Confirm the deletion of the account
///
/// Follows the link of a deletion mail: the account is deactivated (logins
/// answer `401`, every session is revoked) and purged with everything it
/// owns at `scheduled_for` (after `ACCOUNT_DELETION_GRACE_DAYS`), unless
/// the owner cancels first.
#[utoipa::path(
    security(()),
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Deactivated and scheduled", body = DeletionScheduled),
        (status = 422, description = "Invalid fields, or a `token` that is unknown, used or expired", body = Problem, content_type = PROBLEM),
        TooManyAttempts,
    )
)]
#[post("/auth/confirm-account-deletion")]
pub async fn confirm_account_deletion(
    state: web::Data<AppState>,
    _: AuthAttempt,
    client: Client,
    ValidJson(body): ValidJson<TokenRequest>,
) -> ApiResult<web::Json<DeletionScheduled>> {
    let scheduled_for =
        accounts::confirm_deletion(&state.db, &state.config.accounts, &body.token, &client.0)
            .await?;
    Ok(web::Json(DeletionScheduled { scheduled_for }))
}

/// Cancel a scheduled deletion
///
/// With the account's e-mail and password, while the grace period lasts:
/// the account is active again and may log in.
#[utoipa::path(
    security(()),
    tag = "auth",
    request_body = CancelDeletionRequest,
    responses(
        (status = 200, description = "The account, active again", body = UserOut, headers(("ETag" = String, description = "The entity tag of the account"))),
        (status = 401, description = "Wrong credentials", body = Problem, content_type = PROBLEM),
        (status = 409, description = "No deletion is scheduled, or its grace period has ended", body = Problem, content_type = PROBLEM),
        InvalidFields,
        TooManyAttempts,
    )
)]
#[post("/auth/cancel-account-deletion")]
pub async fn cancel_account_deletion(
    state: web::Data<AppState>,
    _: AuthAttempt,
    client: Client,
    ValidJson(body): ValidJson<CancelDeletionRequest>,
) -> ApiResult<HttpResponse> {
    let account = accounts::cancel_deletion(
        &state.db,
        &state.passwords,
        &body.email,
        body.password,
        &client.0,
    )
    .await?;
    let user = UserOut::from(account);
    Ok(tagged(HttpResponse::Ok(), user.version, &user))
}
