//! TestState: run one state in isolation (Developer Guide, "Test with TestState").
//!
//! This module decodes and checks the request's members, hands the test to the engine
//! (`engine::execution::test_state`) and encodes its outcome. Every payload in the answer
//! is JSON text.

use std::sync::Arc;

use engine::execution::test_state::{
    ErrorDetails, FieldValidation, Inspection, InspectionLevel, Mock, MockOutcome, StateConfiguration, TestOutcome,
    TestStateError, TestStateRequest,
};
use integrations::mock::TestCase;
use serde_json::{json, Map, Value};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::executions;
use crate::machines::invalid_definition;
use crate::request::Request;
use crate::Api;

/// The header that names a test case of the server's mock configuration file for a
/// TestState call, as `<state machine name>#<test case>`: TestState has no state machine
/// ARN to carry Step Functions Local's `#<test case>` suffix.
pub(crate) const TEST_CASE_HEADER: &str = "x-switchyard-test-case";

/// `test_case`: the value of [`TEST_CASE_HEADER`], when the request had one.
pub(crate) async fn test_state(api: &Api, request: &Request, test_case: Option<&str>) -> ApiResult<Value> {
    let mut test = decode(api, request)?;
    test.test_case = test_case.map(|named| find_test_case(api, named)).transpose()?;
    let outcome = api.engine.test_state(test).await.map_err(|e| match e {
        TestStateError::Validation(message) => ApiError::validation(message),
        TestStateError::Definition(diagnostics) => invalid_definition(&diagnostics),
        TestStateError::Unsupported(message) => ApiError::new(ErrorCode::InvalidDefinition, message),
        TestStateError::Interrupted => ApiError::internal(e),
    })?;
    Ok(encode(outcome))
}

fn decode(api: &Api, request: &Request) -> ApiResult<TestStateRequest> {
    let definition = crate::machines::definition(api, request)?
        .ok_or_else(|| ApiError::missing("definition"))?
        .to_owned();
    let state_name = request.opt_str("stateName")?;
    if state_name == Some("") {
        return Err(ApiError::constraint(
            "''",
            "stateName",
            "Member must have length greater than or equal to 1",
        ));
    }
    let input_text = request.opt_str("input")?.unwrap_or("{}");
    let input = serde_json::from_str(input_text).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidExecutionInput,
            format!("Invalid State Machine Execution Input: '{e}'"),
        )
    })?;
    let inspection_level = match request.opt_str("inspectionLevel")? {
        None | Some("INFO") => InspectionLevel::Info,
        Some("DEBUG") => InspectionLevel::Debug,
        Some("TRACE") => InspectionLevel::Trace,
        Some(other) => {
            return Err(ApiError::constraint(
                &format!("'{other}'"),
                "inspectionLevel",
                "Member must satisfy enum value set: [INFO, DEBUG, TRACE]",
            ))
        }
    };
    let variables = match request.opt_str("variables")? {
        None => Map::new(),
        Some(text) => match serde_json::from_str(text) {
            Ok(Value::Object(variables)) => variables,
            _ => return Err(ApiError::validation("Variables must be a valid JSON object")),
        },
    };
    let context = request
        .opt_str("context")?
        .map(|text| {
            serde_json::from_str(text)
                .map_err(|_| ApiError::validation("Invalid Context object provided: Context object must be valid JSON"))
        })
        .transpose()?;
    let mock = decode_mock(request.get("mock"))?;
    if mock.is_some() && request.bool("revealSecrets")?.unwrap_or(false) {
        return Err(ApiError::validation(
            "TestState does not support RevealSecrets when a mock is specified.",
        ));
    }
    Ok(TestStateRequest {
        definition,
        state_name: state_name.map(str::to_owned),
        input,
        role_arn: request.opt_str("roleArn")?.map(str::to_owned),
        variables,
        context,
        inspection_level,
        mock,
        test_case: None,
        configuration: decode_configuration(request.get("stateConfiguration"))?,
        region: api.config.region.clone(),
        account: api.config.account.clone(),
    })
}

fn find_test_case(api: &Api, named: &str) -> ApiResult<Arc<TestCase>> {
    let Some((machine, case)) = named.split_once('#') else {
        return Err(ApiError::validation(format!(
            "The {TEST_CASE_HEADER} header must be '<state machine name>#<test case>', not '{named}'"
        )));
    };
    executions::find_test_case(api, machine, case, &format!("The {TEST_CASE_HEADER} header"))
}

fn member_str<'v>(value: &'v Value, key: &str, owner: &str) -> ApiResult<Option<&'v str>> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::new(
            ErrorCode::SerializationException,
            format!("Expected a string for '{owner}.{key}'"),
        )),
    }
}

fn member_count(value: &Value, key: &str) -> ApiResult<Option<u64>> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| {
            ApiError::constraint(
                &v.to_string(),
                &format!("stateConfiguration.{key}"),
                "Member must have value greater than or equal to 0",
            )
        }),
    }
}

fn decode_mock(mock: Option<&Value>) -> ApiResult<Option<Mock>> {
    let Some(mock) = mock else { return Ok(None) };
    let result = member_str(mock, "result", "mock")?;
    let error_output = mock.get("errorOutput").filter(|v| !v.is_null());
    let outcome = match (result, error_output) {
        (Some(_), Some(_)) => {
            return Err(ApiError::validation(
                "A test mock should have only one of the following fields: [result, errorOutput].",
            ))
        }
        (Some(result), None) => MockOutcome::Result(result.to_owned()),
        (None, Some(error_output)) => MockOutcome::Error {
            error: member_str(error_output, "error", "mock.errorOutput")?
                .unwrap_or_default()
                .to_owned(),
            cause: member_str(error_output, "cause", "mock.errorOutput")?
                .unwrap_or_default()
                .to_owned(),
        },
        (None, None) => {
            return Err(ApiError::validation(
                "A test mock should have one of the following fields: [result, errorOutput].",
            ))
        }
    };
    let field_validation = match member_str(mock, "fieldValidationMode", "mock")? {
        None | Some("STRICT") => FieldValidation::Strict,
        Some("PRESENT") => FieldValidation::Present,
        Some("NONE") => FieldValidation::None,
        Some(other) => {
            return Err(ApiError::constraint(
                &format!("'{other}'"),
                "mock.fieldValidationMode",
                "Member must satisfy enum value set: [STRICT, PRESENT, NONE]",
            ))
        }
    };
    Ok(Some(Mock {
        outcome,
        field_validation,
    }))
}

fn decode_configuration(configuration: Option<&Value>) -> ApiResult<StateConfiguration> {
    let Some(c) = configuration else {
        return Ok(StateConfiguration::default());
    };
    Ok(StateConfiguration {
        retrier_retry_count: member_count(c, "retrierRetryCount")?.unwrap_or(0),
        map_iteration_failure_count: member_count(c, "mapIterationFailureCount")?,
        error_caused_by_state: member_str(c, "errorCausedByState", "stateConfiguration")?.map(str::to_owned),
        map_item_reader_data: member_str(c, "mapItemReaderData", "stateConfiguration")?.map(str::to_owned),
    })
}

fn encode(outcome: TestOutcome) -> Value {
    let mut out = json!({"status": outcome.status.as_str()});
    if let Some(output) = &outcome.output {
        out["output"] = json_text(output).into();
    }
    if let Some(error) = outcome.error {
        out["error"] = error.into();
    }
    if let Some(cause) = outcome.cause {
        out["cause"] = cause.into();
    }
    if let Some(next) = outcome.next_state {
        out["nextState"] = next.into();
    }
    if let Some(inspection) = &outcome.inspection {
        out["inspectionData"] = encode_inspection(inspection);
    }
    out
}

fn encode_inspection(inspection: &Inspection) -> Value {
    let mut data = Map::new();
    let texts = [
        ("input", &inspection.input),
        ("afterInputPath", &inspection.after_input_path),
        ("afterParameters", &inspection.after_parameters),
        ("afterArguments", &inspection.after_arguments),
        ("result", &inspection.result),
        ("afterResultSelector", &inspection.after_result_selector),
        ("afterResultPath", &inspection.after_result_path),
        ("afterItemsPath", &inspection.after_items_path),
        ("variables", &inspection.variables),
    ];
    for (key, value) in texts {
        if let Some(value) = value {
            data.insert(key.into(), json_text(value).into());
        }
    }
    if let Some(n) = inspection.max_concurrency {
        data.insert("maxConcurrency".into(), n.into());
    }
    if let Some(n) = inspection.tolerated_failure_count {
        data.insert("toleratedFailureCount".into(), n.into());
    }
    if let Some(p) = inspection.tolerated_failure_percentage {
        data.insert("toleratedFailurePercentage".into(), p.into());
    }
    if let Some(details) = &inspection.error_details {
        data.insert("errorDetails".into(), encode_error_details(details));
    }
    Value::Object(data)
}

fn encode_error_details(details: &ErrorDetails) -> Value {
    let mut out = Map::new();
    if let Some(i) = details.catch_index {
        out.insert("catchIndex".into(), i.into());
    }
    if let Some(i) = details.retry_index {
        out.insert("retryIndex".into(), i.into());
    }
    if let Some(s) = details.retry_backoff_interval_seconds {
        out.insert("retryBackoffIntervalSeconds".into(), s.into());
    }
    Value::Object(out)
}

/// A payload as TestState writes it: JSON with a space after each `,` and `:` (as the
/// recorded AWS answers show, e.g. `"[1, 1, 1]"`). Python's `json.dumps` writes the same,
/// which is why `switchyard bench` prints its summary lines with it.
pub fn json_text(value: &Value) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, SpacedFormatter);
    match serde::Serialize::serialize(value, &mut serializer) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| value.to_string()),
        Err(_) => value.to_string(),
    }
}

/// Compact JSON with `", "` between items and `": "` after keys.
struct SpacedFormatter;

impl serde_json::ser::Formatter for SpacedFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::json_text;

    #[test]
    fn payloads_are_spaced_like_aws() {
        assert_eq!(json_text(&json!([1, 1, 1])), "[1, 1, 1]");
        assert_eq!(
            json_text(&json!([{"branch1": "result"}, {"b": [], "c": {}}])),
            r#"[{"branch1": "result"}, {"b": [], "c": {}}]"#
        );
        assert_eq!(json_text(&json!("Hello")), r#""Hello""#);
    }
}
