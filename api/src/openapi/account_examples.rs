//! The examples of the account-lifecycle operations (verification, reset,
//! deletion with a grace period), as [`super::examples`] asks for them.

use serde_json::{Value, json};

use crate::dto::account::DeletionScheduled;

/// A token as mail links carry it: 256 bits, URL-safe base64.
const TOKEN: &str = "q1W2e3R4t5Y6u7I8o9P0aSdFgHjKlZxCvBnM-_qwErT";

/// The request body of `operation`, if it is one of these.
pub(super) fn request(operation: &str) -> Option<Value> {
    let value = match operation {
        "verify_email" | "confirm_account_deletion" => json!({ "token": TOKEN }),
        "resend_verification" | "forgot_password" => json!({ "email": "ada@example.com" }),
        "change_email" => json!({
            "new_email": "ada@new.example.com",
            "password": "correct-horse-battery-9"
        }),
        "reset_password" => json!({ "token": TOKEN, "new_password": "staple-lantern-orbit-4" }),
        "request_account_deletion" => json!({ "password": "correct-horse-battery-9" }),
        "cancel_account_deletion" => json!({
            "email": "ada@example.com",
            "password": "correct-horse-battery-9"
        }),
        _ => return None,
    };
    Some(value)
}

/// The example of the schema `name`, if it is one of these.
pub(super) fn by_schema(name: &str) -> Option<Value> {
    match name {
        "DeletionScheduled" => serde_json::to_value(DeletionScheduled {
            scheduled_for: "2026-12-08T10:00:00Z".parse().unwrap_or_default(),
        })
        .ok(),
        _ => None,
    }
}

/// Checks the example of `operation` against its body type, as the
/// server's extractor and rules would; `false` when it is not one of these.
#[cfg(test)]
pub(super) fn check(operation: &str) -> bool {
    use serde::de::DeserializeOwned;
    use validator::Validate;

    use crate::dto::account::{
        CancelDeletionRequest, ChangeEmailRequest, EmailRequest, ResetPasswordRequest, TokenRequest,
    };
    use crate::dto::users::DeleteAccountRequest;
    use crate::extract::{parse_json, validate};

    fn accepted<T: DeserializeOwned + Validate>(operation: &str) {
        let body = request(operation).unwrap_or_else(|| panic!("{operation} has no example"));
        let bytes = serde_json::to_vec(&body).expect("serializes");
        let parsed: T =
            parse_json(&bytes).unwrap_or_else(|err| panic!("{operation}: {:?}", err.problem()));
        validate(&parsed).unwrap_or_else(|err| panic!("{operation}: {:?}", err.problem()));
    }

    match operation {
        "verify_email" | "confirm_account_deletion" => accepted::<TokenRequest>(operation),
        "resend_verification" | "forgot_password" => accepted::<EmailRequest>(operation),
        "change_email" => accepted::<ChangeEmailRequest>(operation),
        "reset_password" => accepted::<ResetPasswordRequest>(operation),
        "request_account_deletion" => accepted::<DeleteAccountRequest>(operation),
        "cancel_account_deletion" => accepted::<CancelDeletionRequest>(operation),
        _ => return false,
    }
    true
}
