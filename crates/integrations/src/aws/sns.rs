//! SNS `publish` (`arn:aws:states:::sns:publish`, and `.waitForTaskToken`): SNS speaks the
//! AWS query protocol, so the parameters become a form (`Action=Publish&TopicArn=...`, with
//! `MessageAttributes.entry.N.*` for attributes) and the XML answer's `MessageId` (and
//! `SequenceNumber` for FIFO topics) the result, with the SDK metadata.

use asl::errors::Failure;
use serde_json::{Map, Value};

use super::call::{optimized_result, CallError, Client, Naming, Outgoing, DEFAULT_LIMIT};
use super::services::{Protocol, SNS};
use super::{text_of, xml};
use crate::http::{Bytes, Method};

/// The form fields of a Publish request.
fn form(parameters: &Map<String, Value>) -> Result<Vec<(String, String)>, CallError> {
    let Protocol::Query { version } = SNS.protocol else {
        unreachable!("SNS speaks the query protocol")
    };
    let mut fields = vec![
        ("Action".to_owned(), "Publish".to_owned()),
        ("Version".to_owned(), version.to_owned()),
    ];
    for (name, value) in parameters {
        match (name.as_str(), value) {
            (_, Value::Null) => {}
            ("MessageAttributes", Value::Object(attributes)) => {
                for (n, (attribute, spec)) in attributes.iter().enumerate() {
                    let prefix = format!("MessageAttributes.entry.{}", n + 1);
                    fields.push((format!("{prefix}.Name"), attribute.clone()));
                    let Value::Object(spec) = spec else {
                        return Err(CallError::Parameters(format!(
                            "The message attribute '{attribute}' must be an object"
                        )));
                    };
                    for (member, v) in spec {
                        fields.push((format!("{prefix}.Value.{member}"), text_of(v)));
                    }
                }
            }
            ("MessageAttributes", _) => {
                return Err(CallError::Parameters(
                    "The field 'MessageAttributes' must be an object".into(),
                ))
            }
            (_, value) => fields.push((name.clone(), text_of(value))),
        }
    }
    Ok(fields)
}

/// `arn:aws:states:::sns:publish`.
pub(super) async fn publish(client: &Client, parameters: Value) -> Result<Value, Failure> {
    let Value::Object(parameters) = parameters else {
        return Err(
            CallError::Parameters("The parameters of sns:publish must be an object".into())
                .failure(Naming::optimized(&SNS)),
        );
    };
    let fields = form(&parameters).map_err(|e| e.failure(Naming::optimized(&SNS)))?;
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let outgoing = Outgoing {
        method: Method::POST,
        path: "/".into(),
        headers: vec![(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8".into(),
        )],
        body: Bytes::from(body),
        limit: DEFAULT_LIMIT,
    };
    let response = client
        .send(&SNS, outgoing)
        .await
        .map_err(|e| e.failure(Naming::optimized(&SNS)))?;
    let leaves = xml::leaves(&response.body);
    let mut members = Map::new();
    for member in ["MessageId", "SequenceNumber"] {
        if let Some(text) = xml::find(&leaves, member) {
            members.insert(member.into(), Value::String(text));
        }
    }
    Ok(optimized_result(members, &response))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attributes_become_numbered_entries_and_objects_become_text() {
        let parameters = json!({
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
            "Message": {"a": 1},
            "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "x"}}
        });
        let fields = form(parameters.as_object().unwrap()).unwrap();
        let fields: Vec<(&str, &str)> = fields.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(
            fields,
            [
                ("Action", "Publish"),
                ("Version", "2010-03-31"),
                ("TopicArn", "arn:aws:sns:us-east-1:123456789012:t"),
                ("Message", r#"{"a":1}"#),
                ("MessageAttributes.entry.1.Name", "kind"),
                ("MessageAttributes.entry.1.Value.DataType", "String"),
                ("MessageAttributes.entry.1.Value.StringValue", "x"),
            ]
        );
    }
}
