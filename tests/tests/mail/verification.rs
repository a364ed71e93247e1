//! Proving an address: the link mailed at registration, sent again, the
//! change of address, and logins that require a verified one.

use entity::{account_token, mail_outbox, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use service::clock;
use tests::PASSWORD;

use crate::accounts::{Accounts, subject};

const VERIFY: &str = "/api/v1/auth/verify-email";

#[actix_web::test]
async fn registration_mails_a_single_use_link_that_verifies_the_address() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    let me = app.get_as(&ada, "/api/v1/users/me").await;
    assert_eq!(me.json()["email_verified"], false);
    assert!(me.json()["deletion_scheduled_for"].is_null());

    let token = accounts
        .token(&ada.email, subject::VERIFY, 1, "/verify-email")
        .await;
    let stored = account_token::Entity::find()
        .all(app.db())
        .await
        .expect("tokens");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token, "only the hash is stored");

    let verified = app.post(VERIFY, &json!({ "token": token })).await;
    verified.assert_status(200);
    assert_eq!(verified.json()["email_verified"], true);
    assert_eq!(verified.json()["id"], ada.id.to_string());
    assert!(verified.header("etag").is_some());

    let again = app.post(VERIFY, &json!({ "token": token })).await;
    let problem = again.assert_problem(422, "validation_error");
    assert!(problem["errors"]["token"].is_array(), "{problem}");
    let unknown = app.post(VERIFY, &json!({ "token": "nope" })).await;
    unknown.assert_problem(422, "validation_error");
}

#[actix_web::test]
async fn a_refused_registration_sends_nothing() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    app.signup("ada").await;
    let clash = app.register("other@example.com", "ADA", PASSWORD).await;
    clash.assert_problem(409, "conflict");
    let queued = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::Recipient.eq("other@example.com"))
        .count(app.db())
        .await
        .expect("count");
    assert_eq!(queued, 0, "the rolled-back registration queued no mail");
}

#[actix_web::test]
async fn a_token_is_used_once_even_when_two_uses_arrive_together() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    let token = accounts
        .token(&ada.email, subject::VERIFY, 1, "/verify-email")
        .await;
    let body = json!({ "token": token });
    let (a, b) = tokio::join!(app.post(VERIFY, &body), app.post(VERIFY, &body));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 422], "{} / {}", a.text(), b.text());
}

#[actix_web::test]
async fn an_expired_token_is_refused() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    let token = accounts
        .token(&ada.email, subject::VERIFY, 1, "/verify-email")
        .await;
    account_token::Entity::update_many()
        .col_expr(
            account_token::Column::ExpiresAt,
            Expr::value(clock::now() - chrono::TimeDelta::seconds(1)),
        )
        .exec(app.db())
        .await
        .expect("expire");
    app.post(VERIFY, &json!({ "token": token }))
        .await
        .assert_problem(422, "validation_error");
    let me = app.get_as(&ada, "/api/v1/users/me").await;
    assert_eq!(me.json()["email_verified"], false);
}

#[actix_web::test]
async fn a_resent_link_replaces_the_first_and_only_unverified_accounts_get_one() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    let first = accounts
        .token(&ada.email, subject::VERIFY, 1, "/verify-email")
        .await;
    for email in [ada.email.as_str(), "nobody@example.com"] {
        app.post(
            "/api/v1/auth/resend-verification",
            &json!({ "email": email }),
        )
        .await
        .assert_status(202);
    }
    let second = accounts
        .token(&ada.email, subject::VERIFY, 2, "/verify-email")
        .await;
    assert_ne!(first, second);
    app.post(VERIFY, &json!({ "token": first }))
        .await
        .assert_problem(422, "validation_error");
    app.post(VERIFY, &json!({ "token": second }))
        .await
        .assert_status(200);

    // Verified now: asking again sends nothing more.
    app.post(
        "/api/v1/auth/resend-verification",
        &json!({ "email": ada.email }),
    )
    .await
    .assert_status(202);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(accounts.mails(&ada.email, subject::VERIFY).len(), 2);
    assert!(
        accounts
            .mails("nobody@example.com", subject::VERIFY)
            .is_empty()
    );
}

#[actix_web::test]
async fn a_change_of_address_takes_effect_when_the_new_address_proves_itself() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    app.signup("bob").await;
    let change =
        |new_email: &str, password: &str| json!({ "new_email": new_email, "password": password });
    let path = "/api/v1/auth/change-email";
    let wrong = app
        .post_as(&ada, path, &change("ada@new.example.com", "wrong-passw0rd"))
        .await;
    assert!(wrong.assert_problem(422, "validation_error")["errors"]["password"].is_array());
    app.post_as(&ada, path, &change("BOB@example.com", PASSWORD))
        .await
        .assert_problem(409, "conflict");
    app.post_as(&ada, path, &change("ada@example.com", PASSWORD))
        .await
        .assert_problem(422, "validation_error");

    app.post_as(&ada, path, &change("Ada@New.example.com", PASSWORD))
        .await
        .assert_status(202);
    let token = accounts
        .token("ada@new.example.com", subject::VERIFY, 1, "/verify-email")
        .await;
    let notice = accounts
        .wait_mail(&ada.email, subject::EMAIL_CHANGE, 1)
        .await;
    let text = notice.part("text/plain").expect("text");
    assert!(text.contains("ada@new.example.com"), "{text}");
    assert_eq!(
        app.get_as(&ada, "/api/v1/users/me").await.json()["email"],
        ada.email,
        "nothing changes before the link is followed"
    );

    let moved = app.post(VERIFY, &json!({ "token": token })).await;
    moved.assert_status(200);
    assert_eq!(moved.json()["email"], "ada@new.example.com");
    assert_eq!(moved.json()["email_verified"], true);
    app.login("ada@new.example.com", PASSWORD)
        .await
        .assert_status(200);
    app.login(&ada.email, PASSWORD).await.assert_status(401);
    // The registration's link was for the old address: it died with it.
    let old = accounts
        .token(&ada.email, subject::VERIFY, 1, "/verify-email")
        .await;
    app.post(VERIFY, &json!({ "token": old }))
        .await
        .assert_problem(422, "validation_error");
}

#[actix_web::test]
async fn an_address_taken_before_the_link_is_followed_is_a_conflict() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let ada = app.signup("ada").await;
    let body = json!({ "new_email": "wanted@example.com", "password": PASSWORD });
    app.post_as(&ada, "/api/v1/auth/change-email", &body)
        .await
        .assert_status(202);
    let token = accounts
        .token("wanted@example.com", subject::VERIFY, 1, "/verify-email")
        .await;
    app.register("wanted@example.com", "carol", PASSWORD)
        .await
        .assert_status(201);
    let clash = app.post(VERIFY, &json!({ "token": token })).await;
    assert!(clash.assert_problem(409, "conflict")["errors"]["email"].is_array());
    let row = user::Entity::find_by_id(ada.id)
        .one(app.db())
        .await
        .expect("read")
        .expect("ada");
    assert_eq!(row.email, ada.email, "nothing changed");
}

#[actix_web::test]
async fn required_verification_refuses_the_right_password_until_the_link_is_followed() {
    let accounts = Accounts::start_with(|config| {
        config.accounts.require_verified_email = true;
    })
    .await;
    let app = &accounts.app;
    app.register("ada@example.com", "ada", PASSWORD)
        .await
        .assert_status(201);
    app.login("ada@example.com", "wrong-passw0rd")
        .await
        .assert_problem(401, "unauthorized");
    app.login("ada@example.com", PASSWORD)
        .await
        .assert_problem(403, "email_not_verified");
    let token = accounts
        .token("ada@example.com", subject::VERIFY, 1, "/verify-email")
        .await;
    app.post(VERIFY, &json!({ "token": token }))
        .await
        .assert_status(200);
    app.login("ada@example.com", PASSWORD)
        .await
        .assert_status(200);
}

#[actix_web::test]
async fn admins_filter_users_by_verification() {
    let accounts = Accounts::start().await;
    let app = &accounts.app;
    let admin = app.signup_admin("root").await;
    user::Entity::update_many()
        .col_expr(user::Column::EmailVerified, Expr::value(true))
        .filter(user::Column::Id.eq(admin.id))
        .exec(app.db())
        .await
        .expect("verify the admin");
    let ada = app.signup("ada").await;
    let admin = &admin;
    let names = |verified: bool| async move {
        let page = app
            .get_as(admin, &format!("/api/v1/users?is_verified={verified}"))
            .await;
        page.assert_status(200);
        page.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["username"].as_str().expect("name").to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(false).await, vec![ada.username.clone()]);
    assert_eq!(names(true).await, vec!["root".to_owned()]);
}
