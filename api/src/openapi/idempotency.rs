//! `Idempotency-Key` in the document, said once: the header parameter under
//! `components/parameters` and `Idempotent-Replayed` under
//! `components/headers`, referenced by each create that takes the key
//! ([`crate::idempotency::OPERATIONS`]), whose `409` and `422` say what the
//! key adds to them. Their examples come from `problems`, like every error
//! example.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{
    ContentBuilder, ObjectBuilder, OpenApi as Document, Ref, RefOr, Required, Type,
};

use super::PROBLEM_JSON;
use crate::idempotency::{MAX_KEY_LEN, OPERATIONS};

/// The parameter's name under `components/parameters`.
pub(super) const PARAMETER: &str = "IdempotencyKey";

/// The response header of a replayed answer, under `components/headers`.
pub(super) const REPLAYED: &str = "Idempotent-Replayed";

const PARAMETER_TEXT: &str = "Makes the create safe to retry. The first request with a key runs \
    and its answer (status, body, `Location`, `ETag`; any answer but a `5xx`) is kept for 24 \
    hours per user and key; a retry with the same key and a body equal as JSON (member order \
    and spacing do not matter) gets that answer again, with `Idempotent-Replayed: true`, and \
    changes nothing. The same key with another body, or on another operation, is `422`; a retry \
    while the first request still runs is `409`. 1 to 255 visible ASCII characters, e.g. a \
    UUID. A request refused before its create begins (a body that is malformed or does not \
    fit its schema) keeps nothing: correct it and send it again under the same key.";

const CONFLICT_TEXT: &str =
    "a request with the same `Idempotency-Key` is still running (`errors.Idempotency-Key`)";

const INVALID_TEXT: &str = "an `Idempotency-Key` that is not 1 to 255 visible ASCII \
    characters, or that was used with a different request (`errors.Idempotency-Key`)";

/// Adds the parameter and the header to the components, and to each
/// create that takes the key. Runs before the shared answers and examples
/// are added, so that a `409` added here gets them too.
pub(super) fn document(doc: &mut Document) {
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .parameters
        .insert(PARAMETER.to_owned(), RefOr::T(parameter()));
    components
        .headers
        .insert(REPLAYED.to_owned(), RefOr::T(replayed_header()));
    for item in doc.paths.paths.values_mut() {
        if let Some(operation) = item.post.as_mut()
            && OPERATIONS.contains(&operation.operation_id.as_deref().unwrap_or_default())
        {
            take_key(operation);
        }
    }
}

fn parameter() -> utoipa::openapi::path::Parameter {
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(MAX_KEY_LEN))
        .pattern(Some("^[!-~]+$"))
        .examples(["0193a5c4-5b1e-7d2a-9c3f-2b8e4f6a1d07"]);
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(PARAMETER_TEXT))
        .schema(Some(schema))
        .build()
}

fn replayed_header() -> utoipa::openapi::Header {
    let mut header = HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["true"])),
        ))
        .description(Some(
            "Present, as `true`, when the answer is the one kept for an earlier request with the \
             same `Idempotency-Key`: nothing was created this time.",
        ))
        .build();
    header.examples.insert(
        "replayed".to_owned(),
        RefOr::T(
            utoipa::openapi::example::ExampleBuilder::new()
                .value(Some("true".into()))
                .build(),
        ),
    );
    header
}

/// The key's parameter, the replay header on the `201`, and what the key
/// adds to the `409` and `422` of `operation`.
fn take_key(operation: &mut Operation) {
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(RefOr::Ref(Ref::new(format!(
            "#/components/parameters/{PARAMETER}"
        ))));
    let responses = &mut operation.responses.responses;
    if let Some(RefOr::T(created)) = responses.get_mut("201") {
        created.headers.insert(
            REPLAYED.to_owned(),
            RefOr::Ref(Ref::new(format!("#/components/headers/{REPLAYED}"))),
        );
    }
    for (status, text) in [("409", CONFLICT_TEXT), ("422", INVALID_TEXT)] {
        match responses.get_mut(status) {
            Some(RefOr::T(answer)) => {
                answer.description = format!("{}; or {text}", answer.description);
            }
            Some(RefOr::Ref(_)) => {}
            None => {
                let mut text = text.to_owned();
                if let Some(first) = text.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                let answer = ResponseBuilder::new()
                    .description(text)
                    .content(
                        PROBLEM_JSON,
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build();
                responses.insert(status.to_owned(), RefOr::T(answer));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{document as whole, json};

    #[test]
    fn exactly_the_four_creates_take_the_key_and_document_its_answers() {
        let doc = json(&whole());
        let mut taking = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("path item") {
                let params = operation["parameters"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if params
                    .iter()
                    .any(|p| p["$ref"] == "#/components/parameters/IdempotencyKey")
                {
                    taking.push(format!("{} {path}", method.to_uppercase()));
                    let responses = &operation["responses"];
                    assert_eq!(
                        responses["201"]["headers"]["Idempotent-Replayed"]["$ref"],
                        "#/components/headers/Idempotent-Replayed"
                    );
                    for status in ["409", "422"] {
                        let text = responses[status]["description"].as_str().unwrap_or("");
                        assert!(text.contains("Idempotency-Key"), "{path} {status}: {text}");
                    }
                }
            }
        }
        taking.sort();
        assert_eq!(
            taking,
            [
                "POST /api/v1/categories",
                "POST /api/v1/tags",
                "POST /api/v1/todos",
                "POST /api/v1/todos/bulk",
            ]
        );
        let parameter = &doc["components"]["parameters"]["IdempotencyKey"];
        assert_eq!(parameter["in"], "header");
        assert_eq!(parameter["required"], false);
        assert_eq!(parameter["schema"]["maxLength"], 255);
    }
}
