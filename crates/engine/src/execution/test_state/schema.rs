//! Response models of common Task integrations, for checking mocked results
//! (`mock.fieldValidationMode`).
//!
//! AWS checks a mocked result against the API model of the service the Task calls. We hold
//! a small hand-written model for the integrations most tests mock; a result for any other
//! resource is accepted as it is. Fields the model does not know are always accepted (the
//! documented modes only constrain fields the model has).

use serde_json::Value;

/// The type of a field in a response model.
enum Shape {
    /// Anything (nested documents we do not model).
    Any,
    String,
    /// Binary data, which JSON carries as (base64) text, with a minimum length.
    Blob {
        min_length: usize,
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Double,
    Timestamp,
    Enum(&'static [&'static str]),
    List(&'static Shape),
    Structure(&'static [Member]),
}

struct Member {
    name: &'static str,
    shape: Shape,
    required: bool,
}

const fn field(name: &'static str, shape: Shape) -> Member {
    Member {
        name,
        shape,
        required: false,
    }
}

const fn required(name: &'static str, shape: Shape) -> Member {
    Member {
        name,
        shape,
        required: true,
    }
}

const INTEGER: Shape = Shape::Integer { min: None, max: None };

static LAMBDA_INVOKE: &[Member] = &[
    field("StatusCode", INTEGER),
    field("FunctionError", Shape::String),
    field("LogResult", Shape::String),
    field("Payload", Shape::Any),
    field("ExecutedVersion", Shape::String),
];

static LAMBDA_GET_FUNCTION: &[Member] = &[
    field(
        "Configuration",
        Shape::Structure(&[
            field("FunctionName", Shape::String),
            field("FunctionArn", Shape::String),
            field("Runtime", Shape::String),
            field("Role", Shape::String),
            field("Handler", Shape::String),
            field("CodeSize", INTEGER),
            field("Description", Shape::String),
            field(
                "Timeout",
                Shape::Integer {
                    min: Some(1),
                    max: None,
                },
            ),
            field(
                "MemorySize",
                Shape::Integer {
                    min: Some(128),
                    max: Some(10240),
                },
            ),
            field("Version", Shape::String),
        ]),
    ),
    field("Code", Shape::Any),
    field("Tags", Shape::Any),
    field("Concurrency", Shape::Any),
];

static KMS_ENCRYPT: &[Member] = &[
    field("CiphertextBlob", Shape::Blob { min_length: 1 }),
    field("KeyId", Shape::String),
    field(
        "EncryptionAlgorithm",
        Shape::Enum(&["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"]),
    ),
];

static S3_GET_OBJECT: &[Member] = &[
    field("Body", Shape::Any),
    field("ContentLength", INTEGER),
    field("ContentType", Shape::String),
    field("ETag", Shape::String),
    field("LastModified", Shape::Timestamp),
    field("VersionId", Shape::String),
    field(
        "StorageClass",
        Shape::Enum(&[
            "STANDARD",
            "REDUCED_REDUNDANCY",
            "STANDARD_IA",
            "ONEZONE_IA",
            "INTELLIGENT_TIERING",
            "GLACIER",
            "DEEP_ARCHIVE",
            "OUTPOSTS",
            "GLACIER_IR",
            "SNOW",
            "EXPRESS_ONEZONE",
        ]),
    ),
];

static DYNAMODB_ITEM_WRITE: &[Member] = &[
    field("Attributes", Shape::Any),
    field(
        "ConsumedCapacity",
        Shape::Structure(&[
            field("TableName", Shape::String),
            field("CapacityUnits", Shape::Double),
            field("ReadCapacityUnits", Shape::Double),
            field("WriteCapacityUnits", Shape::Double),
            field("Table", Shape::Any),
            field("LocalSecondaryIndexes", Shape::Any),
            field("GlobalSecondaryIndexes", Shape::Any),
        ]),
    ),
    field("ItemCollectionMetrics", Shape::Any),
];

static EVENTS_PUT_EVENTS: &[Member] = &[
    field("FailedEntryCount", INTEGER),
    field(
        "Entries",
        Shape::List(&Shape::Structure(&[
            field("EventId", Shape::String),
            field("ErrorCode", Shape::String),
            field("ErrorMessage", Shape::String),
        ])),
    ),
];

static SQS_SEND_MESSAGE: &[Member] = &[
    field("MD5OfMessageBody", Shape::String),
    field("MD5OfMessageAttributes", Shape::String),
    field("MD5OfMessageSystemAttributes", Shape::String),
    field("MessageId", Shape::String),
    field("SequenceNumber", Shape::String),
];

static SFN_START_EXECUTION: &[Member] = &[
    required("ExecutionArn", Shape::String),
    required("StartDate", Shape::Timestamp),
];

static SNS_PUBLISH: &[Member] = &[
    field("MessageId", Shape::String),
    field("SequenceNumber", Shape::String),
];

/// The response model of a Task resource, when we have one.
fn model(resource: &str) -> Option<&'static [Member]> {
    let service_call = resource.strip_prefix("arn:aws:states:::")?;
    let service_call = service_call
        .strip_suffix(".sync:2")
        .or_else(|| service_call.strip_suffix(".sync"))
        .or_else(|| service_call.strip_suffix(".waitForTaskToken"))
        .unwrap_or(service_call);
    Some(match service_call {
        "lambda:invoke" => LAMBDA_INVOKE,
        "aws-sdk:lambda:getFunction" => LAMBDA_GET_FUNCTION,
        "aws-sdk:kms:encrypt" => KMS_ENCRYPT,
        "aws-sdk:s3:getObject" => S3_GET_OBJECT,
        "dynamodb:putItem" | "dynamodb:updateItem" | "dynamodb:deleteItem" => DYNAMODB_ITEM_WRITE,
        "events:putEvents" => EVENTS_PUT_EVENTS,
        "sqs:sendMessage" => SQS_SEND_MESSAGE,
        "sns:publish" => SNS_PUBLISH,
        "states:startExecution" => SFN_START_EXECUTION,
        _ => return None,
    })
}

/// Check a mocked result against the resource's response model; `strict` also requires
/// the required fields. The error is AWS's wording, after "Mock result schema validation
/// error: ".
pub(super) fn check(resource: &str, result: &Value, strict: bool) -> Result<(), String> {
    match model(resource) {
        Some(members) => check_structure(members, result, strict),
        None => Ok(()),
    }
}

fn check_structure(members: &[Member], value: &Value, strict: bool) -> Result<(), String> {
    let Value::Object(fields) = value else {
        return Err("Mocked result must be a JSON object".into());
    };
    for member in members {
        match fields.get(member.name) {
            None if strict && member.required => {
                return Err(format!("Required field '{}' is missing", member.name));
            }
            None => {}
            Some(value) => check_value(member.name, &member.shape, value, strict)?,
        }
    }
    Ok(())
}

fn check_value(name: &str, shape: &Shape, value: &Value, strict: bool) -> Result<(), String> {
    let wrong = |what: &str| Err(format!("Field '{name}' {what}"));
    match shape {
        Shape::Any => Ok(()),
        Shape::String | Shape::Timestamp => match value {
            Value::String(_) => Ok(()),
            _ => wrong("must be a string"),
        },
        Shape::Blob { min_length } => match value {
            Value::String(s) if s.len() < *min_length => wrong("is smaller than the minimum length"),
            Value::String(_) => Ok(()),
            _ => wrong("must be a string"),
        },
        Shape::Integer { min, max } => match value.as_i64() {
            Some(n) if min.is_some_and(|m| n < m) => wrong("is less than the minimum value"),
            Some(n) if max.is_some_and(|m| n > m) => wrong("exceeds the maximum value"),
            Some(_) => Ok(()),
            None => wrong("must be a number"),
        },
        Shape::Double => match value {
            Value::Number(_) => Ok(()),
            _ => wrong("must be a number"),
        },
        Shape::Enum(allowed) => match value {
            Value::String(s) if allowed.contains(&s.as_str()) => Ok(()),
            Value::String(_) => wrong("is not an expected value"),
            _ => wrong("must be a string"),
        },
        Shape::List(item) => match value {
            Value::Array(items) => items.iter().try_for_each(|v| check_value(name, item, v, strict)),
            _ => wrong("must be an array"),
        },
        Shape::Structure(members) => match value {
            Value::Object(_) => check_structure(members, value, strict),
            _ => wrong("must be an object"),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::check;

    #[test]
    fn wrong_types_and_ranges_are_named() {
        let cases = [
            (
                "arn:aws:states:::lambda:invoke",
                json!({"StatusCode": "200"}),
                "Field 'StatusCode' must be a number",
            ),
            (
                "arn:aws:states:::aws-sdk:lambda:getFunction",
                json!({"Configuration": {"MemorySize": 127}}),
                "Field 'MemorySize' is less than the minimum value",
            ),
            (
                "arn:aws:states:::events:putEvents",
                json!({"Entries": [{"EventId": "a"}, {"EventId": ["b"]}]}),
                "Field 'EventId' must be a string",
            ),
            (
                "arn:aws:states:::aws-sdk:s3:getObject",
                json!({"StorageClass": "Papyrus"}),
                "Field 'StorageClass' is not an expected value",
            ),
        ];
        for (resource, result, message) in cases {
            assert_eq!(check(resource, &result, false), Err(message.to_owned()), "{resource}");
        }
    }

    #[test]
    fn required_fields_only_in_strict_mode() {
        let resource = "arn:aws:states:::states:startExecution";
        let result = json!({"executionArn": "x"});
        assert_eq!(
            check(resource, &result, true),
            Err("Required field 'ExecutionArn' is missing".to_owned())
        );
        assert_eq!(check(resource, &result, false), Ok(()));
        assert_eq!(check("arn:aws:states:::unknown:call", &json!(1), true), Ok(()));
    }
}
