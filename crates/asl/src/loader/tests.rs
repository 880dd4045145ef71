//! Table tests of the diagnostics. Each row gives a definition, one diagnostic it must produce
//! (code, location, message) and where that expectation comes from; a definition's rows
//! together are all the diagnostics it must produce.
//!
//! Sources, strongest first:
//! - "recorded": a response AWS gave, recorded in `/work/shared/conformance/cases` or in the
//!   LocalStack snapshot it was exported from (`test_sfn_api_validation.snapshot.json`);
//! - "quoted": an AWS error quoted verbatim in a public issue or in public code;
//! - "measured": wording that a public linter (cdk_preflight `pf-sfn-*` rules, "measured with
//!   ValidateStateMachineDefinition") or emulator (floci's ValidateStateMachineDefinition
//!   tests, "measured against real AWS") states it observed on AWS;
//! - "docs": the rule is documented (Developer Guide, ASL specification, API Reference) but
//!   AWS's wording is not known: the message is ours.

use super::*;

struct Row {
    source: &'static str,
    machine_type: MachineType,
    definition: &'static str,
    code: &'static str,
    location: &'static str,
    message: String,
}

fn row(
    source: &'static str,
    definition: &'static str,
    code: &'static str,
    location: &'static str,
    message: &str,
) -> Row {
    Row {
        source,
        machine_type: MachineType::Standard,
        definition,
        code,
        location,
        message: message.to_owned(),
    }
}

fn express(mut r: Row) -> Row {
    r.machine_type = MachineType::Express;
    r
}

use codes::*;

const SCHEMA: &str = SCHEMA_VALIDATION_FAILED;
const MISSING: &str = MISSING_TRANSITION_TARGET;

fn rows() -> Vec<Row> {
    vec![
        // ---- Reading the text ----
        row(
            "recorded: validation-api NOT_A_DEF",
            "not a definition",
            INVALID_JSON_DESCRIPTION,
            "[Source: (String)\"not a definition\"; line: 1, column: 4]",
            "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]",
        ),
        row(
            "recorded: LocalStack snapshot EMPTY_STRING",
            "",
            SCHEMA,
            "",
            "Definition must be a valid JSON object",
        ),
        row(
            "docs: Jackson's wording for a missing value (not checked against AWS)",
            r#"{"StartAt": }"#,
            INVALID_JSON_DESCRIPTION,
            "[Source: (String)\"{\"StartAt\": }\"; line: 1, column: 14]",
            "Unexpected character ('}' (code 125)): expected a value\n at [Source: (String)\"{\"StartAt\": }\"; line: 1, column: 14]",
        ),
        row(
            "docs: Jackson's wording for a trailing comma (not checked against AWS)",
            "{\"a\":1,\n}",
            INVALID_JSON_DESCRIPTION,
            "[Source: (String)\"{\"a\":1,\n}\"; line: 2, column: 2]",
            "Unexpected character ('}' (code 125)): was expecting double-quote to start field name\n at [Source: (String)\"{\"a\":1,\n}\"; line: 2, column: 2]",
        ),
        row(
            "docs: Jackson's wording for unclosed input (not checked against AWS)",
            r#"{"a":[1"#,
            INVALID_JSON_DESCRIPTION,
            "[Source: (String)\"{\"a\":[1\"; line: 1, column: 8]",
            "Unexpected end-of-input: expected close marker for Array (start marker at [Source: (String)\"{\"a\":[1\"; line: 1, column: 6])\n at [Source: (String)\"{\"a\":[1\"; line: 1, column: 8]",
        ),
        row(
            "docs: Jackson's wording for a bad keyword (not checked against AWS)",
            r#"{"a": tru}"#,
            INVALID_JSON_DESCRIPTION,
            "[Source: (String)\"{\"a\": tru}\"; line: 1, column: 10]",
            "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"{\"a\": tru}\"; line: 1, column: 10]",
        ),
        row(
            "recorded: the EMPTY_STRING wording, for a definition that is JSON but not an object",
            "[1]",
            SCHEMA,
            "",
            "Definition must be a valid JSON object",
        ),
        // ---- The top level ----
        row(
            "recorded: validation-api EMPTY_DICT",
            "{}",
            SCHEMA,
            "/",
            "These fields are required: [States, StartAt]",
        ),
        express(row(
            "recorded: validation-api INVALID_BASE_NO_STARTAT (EXPRESS)",
            r#"{"States": {"StartState": {"Type": "Pass", "End": true}}}"#,
            SCHEMA,
            "/",
            "These fields are required: [StartAt]",
        )),
        row(
            "quoted: 'Field '_comment_concurrency' is not supported at /States/ScoreBatchMap' (public test of a CDK template); here at the root",
            r#"{"StartAt": "A", "Bogus": 1, "States": {"A": {"Type": "Pass", "End": true}}}"#,
            SCHEMA,
            "/",
            "Field 'Bogus' is not supported",
        ),
        row(
            "measured: linter rule pf-sfn-asl-state-fields (Version)",
            r#"{"Version": "2.0", "StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#,
            SCHEMA,
            "/Version",
            "Value should be one of the following: [1.0]",
        ),
        row(
            "measured: emulator (top-level QueryLanguage outside the enum) and linter",
            r#"{"QueryLanguage": "jsonata", "StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}"#,
            SCHEMA,
            "/QueryLanguage",
            "Value should be one of the following: [JSONPath, JSONata]",
        ),
        // ---- States and their fields ----
        row(
            "recorded: TestState test_state_name_invalid_state_definition",
            r#"{"Comment": "Base state machine with a state that is not a valid state definition.", "StartAt": "ExistingButInvalidState", "States": {"ExistingButInvalidState": {"Type": "TypeThatDoesNotExist", "End": true}}}"#,
            SCHEMA,
            "/States/ExistingButInvalidState/Type",
            "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
        ),
        row(
            "quoted: 'Field '_comment_concurrency' is not supported at /States/ScoreBatchMap' (public test of a CDK template)",
            r#"{"StartAt": "ScoreBatchMap", "States": {"ScoreBatchMap": {"Type": "Map", "_comment_concurrency": "x", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
            SCHEMA,
            "/States/ScoreBatchMap",
            "Field '_comment_concurrency' is not supported",
        ),
        row(
            "measured: emulator (TimeoutSeconds on a Parallel state)",
            r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "TimeoutSeconds": 5, "Branches": [{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 25, "End": true}}}], "End": true}}}"#,
            SCHEMA,
            "/States/P",
            "Field 'TimeoutSeconds' is not supported",
        ),
        row(
            "measured: linter rule pf-sfn-asl-next-end (both)",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B", "End": true}, "B": {"Type": "Pass", "End": true}}}"#,
            SCHEMA,
            "/States/A",
            "There should only be one of the following fields: [Next, End]",
        ),
        row(
            "measured: linter rule pf-sfn-asl-next-end (neither)",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass"}}}"#,
            SCHEMA,
            "/States/B",
            "This object should have only one of the following fields: [Next, End]",
        ),
        row(
            "measured: linter rule pf-sfn-asl-terminal-state; the machine has no terminal state",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass"}}}"#,
            MISSING_END_STATE,
            "",
            "Workflow has no terminal state",
        ),
        row(
            "measured: linter rule pf-sfn-asl-name-limits (the message's tail only)",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA": {"Type": "Succeed"}}}"#,
            INVALID_STATE_NAME,
            "/States/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "State name 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' exceeds the 80-character limit allowed by the service",
        ),
        row(
            "quoted: Step Functions Local 'DUPLICATE_STATE_NAME: Duplicate State name: MissingValue at /States/MissingValue'",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, "A": {"Type": "Pass", "End": true}}}"#,
            DUPLICATE_STATE_NAME,
            "/States/A",
            "Duplicate State name: A",
        ),
        row(
            "quoted: 'DUPLICATE_STATE_NAME: Duplicate State name: ScanService' for a Map iterator state (public deployment notes); ASL specification: names are unique in the whole machine",
            r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}, {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}], "End": true}}}"#,
            DUPLICATE_STATE_NAME,
            "/States/P/Branches[1]/States/A",
            "Duplicate State name: A",
        ),
        row(
            "measured: linter rule pf-sfn-asl-jsonpath-syntax (path fields)",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "input", "End": true}}}"#,
            SCHEMA,
            "/States/A/InputPath",
            "Value must be a valid JSONPath.",
        ),
        row(
            "measured: linter rule pf-sfn-asl-jsonpath-syntax (reference paths)",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "ResultPath": "result", "End": true}}}"#,
            SCHEMA,
            "/States/A/ResultPath",
            "Value is not a Reference Path: Reference path didn't start with '$'",
        ),
        row(
            "recorded: scenarios-misc test_illegal_escapes ILLEGAL_INTRINSIC_FUNCTION_2",
            r#"{"StartAt": "IntrinsicEscape", "States": {"IntrinsicEscape": {"Type": "Pass", "Parameters": {"parsed.$": "States.Format('He said, \\\"Hello, {}!\\\"', 'Test \\\"Name\\\" Here')"}, "End": true}}}"#,
            SCHEMA,
            "/States/IntrinsicEscape/Parameters",
            "The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call",
        ),
        row(
            "recorded: the parsed.$ wording, here for a value nested deeper in the template",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"a": {"b.$": "not a path"}}, "End": true}}}"#,
            SCHEMA,
            "/States/A/Parameters",
            "The value for the field 'b.$' must be a valid JSONPath or a valid intrinsic function call",
        ),
        // ---- Query languages ----
        row(
            "recorded: validation-api INVALID_DOWNGRADE_QUERY_LANGUAGE (STANDARD)",
            r#"{"StartAt": "Pass", "States": {"Pass": {"Type": "Pass", "End": true, "QueryLanguage": "JSONPath"}}, "QueryLanguage": "JSONata"}"#,
            SCHEMA,
            "/States/Pass",
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        ),
        express(row(
            "recorded: validation-api INVALID_DOWNGRADE_QUERY_LANGUAGE (EXPRESS)",
            r#"{"StartAt": "Pass", "States": {"Pass": {"Type": "Pass", "End": true, "QueryLanguage": "JSONPath"}}, "QueryLanguage": "JSONata"}"#,
            SCHEMA,
            "/States/Pass",
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        )),
        row(
            "measured: emulator and linter (JSONata-only field in a JSONPath state)",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"payload": "literal"}, "End": true}}}"#,
            SCHEMA,
            "/States/T",
            "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported for the 'JSONata' QueryLanguage",
        ),
        row(
            "measured: emulator and linter (JSONPath-only field in a JSONata state)",
            r#"{"QueryLanguage": "JSONata", "StartAt": "X", "States": {"X": {"Type": "Pass", "InputPath": "$.a", "End": true}}}"#,
            SCHEMA,
            "/States/X",
            "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage",
        ),
        row(
            "measured: emulator (a Map's QueryLanguage does not reach its item processor); AWS CDK docs: states inherit the top-level QueryLanguage",
            r#"{"QueryLanguage": "JSONPath", "StartAt": "M", "States": {"M": {"Type": "Map", "QueryLanguage": "JSONata", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"doubled": "{% $states.input.n * 2 %}"}, "End": true}}}, "End": true}}}"#,
            SCHEMA,
            "/States/M/ItemProcessor/States/P",
            "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage",
        ),
        row(
            "measured: emulator (a branch carries no QueryLanguage)",
            r#"{"StartAt": "PAR", "States": {"PAR": {"Type": "Parallel", "Branches": [{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}], "End": true}}}"#,
            SCHEMA,
            "/States/PAR/Branches[0]",
            "Field 'QueryLanguage' is not supported",
        ),
        row(
            "measured: emulator (non-string QueryLanguage on a state)",
            r#"{"StartAt": "X", "States": {"X": {"Type": "Pass", "QueryLanguage": 5, "End": true}}}"#,
            SCHEMA,
            "/States/X/QueryLanguage",
            "Expected value of type [STRING]",
        ),
        row(
            "measured: linter rule pf-sfn-asl-query-language (unclosed JSONata expression)",
            r#"{"QueryLanguage": "JSONata", "StartAt": "X", "States": {"X": {"Type": "Pass", "Output": "{% 1", "End": true}}}"#,
            SCHEMA,
            "/States/X/Output",
            "JSONata string must start with {% and end with %}",
        ),
        // ---- Transitions ----
        row(
            "quoted: localstack/localstack#12487 (AWS's reply reproduced in the PR)",
            r#"{"StartAt": "pass1", "States": {"pass1": {"Type": "Pass", "Next": "pass3"}, "pass2": {"Type": "Pass", "End": true}}}"#,
            MISSING,
            "/States/pass1/Next",
            "Missing 'Next' target: pass3",
        ),
        row(
            "quoted: localstack/localstack#12487 (AWS's reply reproduced in the PR)",
            r#"{"StartAt": "pass1", "States": {"pass1": {"Type": "Pass", "Next": "pass3"}, "pass2": {"Type": "Pass", "End": true}}}"#,
            MISSING,
            "/States/pass2",
            "State \"pass2\" is not reachable.",
        ),
        row(
            "quoted: serverless-operations/serverless-step-functions#250",
            r#"{"StartAt": "aws_own.run_step", "States": {"run_step": {"Type": "Pass", "End": true}}}"#,
            MISSING,
            "/StartAt",
            "Missing 'Next' target: aws_own.run_step",
        ),
        row(
            "quoted: serverless-operations/serverless-step-functions#250",
            r#"{"StartAt": "aws_own.run_step", "States": {"run_step": {"Type": "Pass", "End": true}}}"#,
            MISSING,
            "/States/run_step",
            "State \"run_step\" is not reachable.",
        ),
        row(
            "measured: emulator (Choices[i]/Next location)",
            r#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Ghost"}], "Default": "Z"}, "Z": {"Type": "Pass", "End": true}}}"#,
            MISSING,
            "/States/C/Choices[0]/Next",
            "Missing 'Next' target: Ghost",
        ),
        row(
            "measured: emulator (Default location and wording)",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Z"}], "Default": "Ghost"}, "Z": {"Type": "Pass", "End": true}}}"#,
            MISSING,
            "/States/A/Default",
            "Missing 'Next' target: Ghost",
        ),
        row(
            "measured: emulator (Catch[i]/Next location)",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Ghost"}], "End": true}}}"#,
            MISSING,
            "/States/T/Catch[0]/Next",
            "Missing 'Next' target: Ghost",
        ),
        row(
            "measured: emulator and LocalStack's analyser (Branches[i] location)",
            r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{"StartAt": "W", "States": {"W": {"Type": "Pass", "End": true}, "Ghost": {"Type": "Pass", "End": true}}}], "End": true}}}"#,
            MISSING,
            "/States/P/Branches[0]/States/Ghost",
            "State \"Ghost\" is not reachable.",
        ),
        row(
            "docs: a branch cannot transition out of itself (Developer Guide, Parallel)",
            r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{"StartAt": "W", "States": {"W": {"Type": "Pass", "Next": "Done"}}}], "Next": "Done"}, "Done": {"Type": "Succeed"}}}"#,
            MISSING,
            "/States/P/Branches[0]/States/W/Next",
            "Missing 'Next' target: Done",
        ),
        row(
            "measured: emulator (a loop with no terminal state, and nothing reported unreachable)",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}, "Unused": {"Type": "Pass", "Next": "A"}}}"#,
            MISSING_END_STATE,
            "",
            "Workflow has no terminal state",
        ),
        // ---- Task ----
        express(row(
            "recorded: express test_illegal_callbacks_SYNC",
            r#"{"Comment": "SFN_START_EXECUTION_SYNC", "StartAt": "StartExecution", "States": {"StartExecution": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync", "Parameters": {"StateMachineArn.$": "$.StateMachineArn", "Input.$": "$.Input", "Name.$": "$.Name"}, "End": true}}}"#,
            SCHEMA,
            "/States/StartExecution/Resource",
            "Express state machine does not support '.sync' service integration",
        )),
        express(row(
            "recorded: express test_illegal_activity_task",
            r#"{"Comment": "BASE_ACTIVITY_TASK", "StartAt": "ActivityTask", "States": {"ActivityTask": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:000000000000:activity:activity-1", "End": true}}}"#,
            SCHEMA,
            "/States/ActivityTask/Resource",
            "Express state machine does not support Activity ARN",
        )),
        express(row(
            "recorded: LocalStack snapshot ILLEGAL_WFTT (the message ends in a space)",
            r#"{"StartAt": "SendMessageWithWait", "States": {"SendMessageWithWait": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}"#,
            SCHEMA,
            "/States/SendMessageWithWait/Resource",
            "Express state machine does not support '.waitForTaskToken' service integration ",
        )),
        row(
            "quoted: 'Value is not a valid resource ARN at /States/ResolveConfig/Resource' (public deployment notes)",
            r#"{"StartAt": "ResolveConfig", "States": {"ResolveConfig": {"Type": "Task", "Resource": "${ResolveConfigLambdaArn}", "End": true}}}"#,
            SCHEMA,
            "/States/ResolveConfig/Resource",
            "Value is not a valid resource ARN",
        ),
        row(
            "quoted: 'The resource provided arn:aws:states:::aws-sdk:codebuild:startBuild.sync is not recognized.' (aws-cdk issue 19174)",
            r#"{"StartAt": "Build", "States": {"Build": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:codebuild:startBuild.sync", "End": true}}}"#,
            SCHEMA,
            "/States/Build/Resource",
            "The resource provided arn:aws:states:::aws-sdk:codebuild:startBuild.sync is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.",
        ),
        row(
            "documented: SQS supports Request Response and Wait for Callback, not Run a Job",
            r#"{"StartAt": "Send", "States": {"Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.sync", "End": true}}}"#,
            SCHEMA,
            "/States/Send/Resource",
            "The resource provided arn:aws:states:::sqs:sendMessage.sync is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.",
        ),
        row(
            "measured: linter rule pf-sfn-asl-numeric-ranges",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 0, "End": true}}}"#,
            SCHEMA,
            "/States/T/TimeoutSeconds",
            "Minimum value is 1",
        ),
        row(
            "measured: linter rule pf-sfn-asl-numeric-ranges",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "HeartbeatSeconds": 100000000, "End": true}}}"#,
            SCHEMA,
            "/States/T/HeartbeatSeconds",
            "Maximum value is 99999999",
        ),
        row(
            "measured: linter rule pf-sfn-asl-numeric-ranges (a string for an integer)",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": "10", "End": true}}}"#,
            SCHEMA,
            "/States/T/TimeoutSeconds",
            "Expected value of type Integer",
        ),
        row(
            "measured: linter rule pf-sfn-asl-path-exclusive; location as the emulator measured for MaxConcurrency",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t", "End": true}}}"#,
            SCHEMA,
            "/States/T/TimeoutSeconds",
            "There should only be one of the following fields: [TimeoutSeconds, TimeoutSecondsPath]",
        ),
        row(
            "docs: ASL specification, Task state (HeartbeatSeconds below TimeoutSeconds); wording ours",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 10, "HeartbeatSeconds": 10, "End": true}}}"#,
            SCHEMA,
            "/States/T/HeartbeatSeconds",
            "The value of 'HeartbeatSeconds' must be smaller than the value of 'TimeoutSeconds'",
        ),
        row(
            "measured: linter rule pf-sfn-asl-credentials",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Credentials": {}, "End": true}}}"#,
            SCHEMA,
            "/States/T/Credentials",
            "The field 'RoleArn' is required but was missing",
        ),
        // ---- Retry and Catch ----
        row(
            "measured: linter rule pf-sfn-asl-retry-catch; docs: States.ALL alone (Developer Guide, error handling)",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["States.ALL", "X"]}], "End": true}}}"#,
            SCHEMA,
            "/States/T/Retry[0]/ErrorEquals",
            "States.ALL must appear alone and at end of list",
        ),
        row(
            "measured: linter rule pf-sfn-asl-retry-catch; docs: States.ALL in the last catcher",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Z"}, {"ErrorEquals": ["X"], "Next": "Z"}], "End": true}, "Z": {"Type": "Succeed"}}}"#,
            SCHEMA,
            "/States/T/Catch[0]/ErrorEquals",
            "States.ALL must appear alone and at end of list",
        ),
        row(
            "measured: linter rule pf-sfn-asl-retry-catch",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": []}], "End": true}}}"#,
            SCHEMA,
            "/States/T/Retry[0]/ErrorEquals",
            "Value cannot be empty",
        ),
        row(
            "measured: linter rule pf-sfn-asl-retry-catch",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [{"ErrorEquals": ["States.ALL"]}], "End": true}}}"#,
            SCHEMA,
            "/States/T/Catch[0]",
            "These fields are required: [Next]",
        ),
        row(
            "measured: linter rule pf-sfn-asl-numeric-ranges (retrier)",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["X"], "MaxAttempts": -1}], "End": true}}}"#,
            SCHEMA,
            "/States/T/Retry[0]/MaxAttempts",
            "Minimum value is 0",
        ),
        row(
            "measured: linter rule pf-sfn-asl-numeric-ranges (retrier)",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}], "End": true}}}"#,
            SCHEMA,
            "/States/T/Retry[0]/BackoffRate",
            "Minimum value is 1",
        ),
        row(
            "measured: linter rule pf-sfn-asl-numeric-ranges (retrier)",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["X"], "MaxDelaySeconds": 31622401}], "End": true}}}"#,
            SCHEMA,
            "/States/T/Retry[0]/MaxDelaySeconds",
            "Maximum value is 31622400",
        ),
        row(
            "measured: linter rule pf-sfn-asl-retry-catch (JitterStrategy)",
            r#"{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["X"], "JitterStrategy": "SOME"}], "End": true}}}"#,
            SCHEMA,
            "/States/T/Retry[0]/JitterStrategy",
            "Value should be one of the following: [NONE, FULL]",
        ),
        // ---- Wait ----
        row(
            "recorded: wait test_wait_timestamp_invalid_INVALID_TIME",
            r#"{"Comment": "WAIT_TIMESTAMP", "StartAt": "WaitUntil", "States": {"WaitUntil": {"Type": "Wait", "Timestamp": "2016-12-05T25:29:29Z", "End": true}}}"#,
            SCHEMA,
            "/States/WaitUntil/Timestamp",
            "String does not match RFC3339 timestamp",
        ),
        row(
            "recorded: wait test_wait_timestamp_invalid_NO_T",
            r#"{"Comment": "WAIT_TIMESTAMP", "StartAt": "WaitUntil", "States": {"WaitUntil": {"Type": "Wait", "Timestamp": "2016-12-05 21:29:29Z", "End": true}}}"#,
            SCHEMA,
            "/States/WaitUntil/Timestamp",
            "String does not match RFC3339 timestamp",
        ),
        row(
            "recorded: wait test_wait_timestamp_invalid_JSONATA (an expression in a JSONPath state)",
            r#"{"Comment": "WAIT_TIMESTAMP", "StartAt": "WaitUntil", "States": {"WaitUntil": {"Type": "Wait", "Timestamp": "{% '2016-03-14T01:59:00Z' %}", "End": true}}}"#,
            SCHEMA,
            "/States/WaitUntil/Timestamp",
            "String does not match RFC3339 timestamp",
        ),
        row(
            "measured: linter rule pf-sfn-asl-wait-timing",
            r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}}}"#,
            SCHEMA,
            "/States/W",
            "There should only be one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]",
        ),
        row(
            "docs: ASL specification, Wait state (exactly one of four fields); wording follows the linter's Next/End one",
            r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "End": true}}}"#,
            SCHEMA,
            "/States/W",
            "This object should have only one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]",
        ),
        row(
            "measured: linter rule pf-sfn-asl-numeric-ranges (Seconds)",
            r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": -1, "End": true}}}"#,
            SCHEMA,
            "/States/W/Seconds",
            "Minimum value is 0",
        ),
        // ---- Fail ----
        row(
            "measured: linter rule pf-sfn-asl-path-exclusive (Error/ErrorPath)",
            r#"{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}}}"#,
            SCHEMA,
            "/States/F/Error",
            "There should only be one of the following fields: [Error, ErrorPath]",
        ),
        // ---- Choice ----
        row(
            "measured: linter rule pf-sfn-asl-choice-rules",
            r#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [], "Default": "Z"}, "Z": {"Type": "Succeed"}}}"#,
            SCHEMA,
            "/States/C/Choices",
            "Value cannot be empty",
        ),
        row(
            "measured: linter rule pf-sfn-asl-choice-rules",
            r#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true}], "Default": "Z"}, "Z": {"Type": "Succeed"}}}"#,
            SCHEMA,
            "/States/C/Choices[0]",
            "These fields are required: [Next]",
        ),
        row(
            "measured: linter rule pf-sfn-asl-choice-rules (Next inside And)",
            r#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"And": [{"Variable": "$.x", "IsPresent": true, "Next": "Z"}], "Next": "Z"}]}, "Z": {"Type": "Succeed"}}}"#,
            SCHEMA,
            "/States/C/Choices[0]/And[0]",
            "Field 'Next' is not supported",
        ),
        row(
            "measured: linter rule pf-sfn-asl-choice-rules (two selectors)",
            r#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Not": {"Variable": "$.x", "IsPresent": true}, "Variable": "$.x", "IsNull": true, "Next": "Z"}]}, "Z": {"Type": "Succeed"}}}"#,
            SCHEMA,
            "/States/C/Choices[0]",
            "The object must have only one of the following fields, [And, Or, Not, Variable, Condition]",
        ),
        row(
            "measured: linter rule pf-sfn-asl-jsonpath-syntax (Variable)",
            r#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "x", "IsPresent": true, "Next": "Z"}]}, "Z": {"Type": "Succeed"}}}"#,
            SCHEMA,
            "/States/C/Choices[0]/Variable",
            "Value is not a Reference Path: Reference path didn't start with '$'",
        ),
        row(
            "measured: linter rule pf-sfn-asl-query-language (Condition in a JSONPath state)",
            r#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Condition": true, "Next": "Z"}]}, "Z": {"Type": "Succeed"}}}"#,
            SCHEMA,
            "/States/C/Choices[0]",
            "The QueryLanguage is set to 'JSONPath', but field 'Condition' is only supported for the 'JSONata' QueryLanguage",
        ),
        row(
            "recorded: the RFC3339 wording, for a Timestamp comparison",
            r#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.t", "TimestampEquals": "yesterday", "Next": "Z"}]}, "Z": {"Type": "Succeed"}}}"#,
            SCHEMA,
            "/States/C/Choices[0]/TimestampEquals",
            "String does not match RFC3339 timestamp",
        ),
        // ---- Parallel ----
        row(
            "recorded: TestState test_parallel_state_empty_branches",
            r#"{"StartAt": "StateName", "States": {"StateName": {"Type": "Parallel", "Branches": [], "End": true}}}"#,
            SCHEMA,
            "/States/StateName/Branches",
            "Value cannot be empty",
        ),
        row(
            "measured: linter rule pf-sfn-asl-branch-shape",
            r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{"States": {"A": {"Type": "Pass", "End": true}}}], "End": true}}}"#,
            SCHEMA,
            "/States/P/Branches[0]",
            "These fields are required: [StartAt]",
        ),
        // ---- Map ----
        row(
            "measured: linter rule pf-sfn-asl-path-exclusive (neither processor)",
            r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true}}}"#,
            SCHEMA,
            "/States/M",
            "This object should have only one of the following fields: [ItemProcessor, Iterator]",
        ),
        row(
            "measured: linter rule pf-sfn-asl-path-exclusive (both processors)",
            r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Iterator": {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
            SCHEMA,
            "/States/M/ItemProcessor",
            "There should only be one of the following fields: [ItemProcessor, Iterator]",
        ),
        row(
            "measured: emulator (location and 'Minimum value is 0') and linter",
            r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": -1, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
            SCHEMA,
            "/States/M/MaxConcurrency",
            "Minimum value is 0",
        ),
        row(
            "measured: emulator (location) and linter (wording)",
            r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 2, "MaxConcurrencyPath": "$.limit", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
            SCHEMA,
            "/States/M/MaxConcurrency",
            "There should only be one of the following fields: [MaxConcurrency, MaxConcurrencyPath]",
        ),
        row(
            "measured: linter rule pf-sfn-asl-numeric-ranges",
            r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailurePercentage": 101, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
            SCHEMA,
            "/States/M/ToleratedFailurePercentage",
            "Maximum value is 100",
        ),
        row(
            "measured: linter rule pf-sfn-asl-map-distributed",
            r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
            SCHEMA,
            "/States/M/ItemProcessor/ProcessorConfig",
            "These fields are required: [ExecutionType]",
        ),
        row(
            "measured: linter rule pf-sfn-asl-map-distributed",
            r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "FAST"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
            SCHEMA,
            "/States/M/ItemProcessor/ProcessorConfig/ExecutionType",
            "Value should be one of the following: [STANDARD, EXPRESS]",
        ),
        express(row(
            "measured: linter rule pf-sfn-express-unsupported",
            r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
            SCHEMA,
            "/States/M/ItemProcessor/ProcessorConfig/Mode",
            "The field 'Mode' with value 'DISTRIBUTED' is not supported inside 'EXPRESS' state machines",
        )),
        row(
            "recorded: map-run-api test_map_state_label_empty_fail (LocalStack's wording inside AWS's error)",
            r#"{"Comment": "MAP_STATE_LABEL_JSON", "StartAt": "MapState", "States": {"MapState": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "IteratorInner", "States": {"IteratorInner": {"Type": "Pass", "End": true}}}, "Label": "", "End": true}}}"#,
            INVALID_LABEL_NAME,
            "/States/MapState/Label",
            "Label cannot be empty",
        ),
        row(
            "recorded: map-run-api test_map_state_label_too_long_fail (LocalStack's wording)",
            r#"{"Comment": "MAP_STATE_LABEL_JSON", "StartAt": "MapState", "States": {"MapState": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "IteratorInner", "States": {"IteratorInner": {"Type": "Pass", "End": true}}}, "Label": "12345678901234567890123456789012345678901", "End": true}}}"#,
            INVALID_LABEL_NAME,
            "/States/MapState/Label",
            "Label cannot exceed 40 characters",
        ),
        row(
            "recorded: map-run-api test_map_state_label_invalid_char_fail (LocalStack's wording)",
            r#"{"Comment": "MAP_STATE_LABEL_JSON", "StartAt": "MapState", "States": {"MapState": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "IteratorInner", "States": {"IteratorInner": {"Type": "Pass", "End": true}}}, "Label": "label_ ", "End": true}}}"#,
            INVALID_LABEL_NAME,
            "/States/MapState/Label",
            "Label contains invalid character: ' '",
        ),
        row(
            "measured: linter rule pf-sfn-asl-name-limits (DUPLICATE_LABEL_NAME)",
            r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "Label": "L", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Next": "N"}, "N": {"Type": "Map", "Label": "L", "ItemProcessor": {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
            DUPLICATE_LABEL_NAME,
            "/States/N/Label",
            "Duplicate Label name: L",
        ),
        // ---- Warnings (API Reference lists the codes; the wording is ours) ----
        row(
            "docs: API Reference, warning NO_DOLLAR",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"value": "$.input"}, "End": true}}}"#,
            NO_DOLLAR,
            "/States/A/Parameters",
            "The value of the field 'value' looks like a JSONPath or an intrinsic function call, but the field name does not end with '.$'",
        ),
        row(
            "docs: API Reference, warning NO_PATH",
            r#"{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "$.error"}}}"#,
            NO_PATH,
            "/States/F/Error",
            "The value of the field 'Error' looks like a path, but the field name does not end with 'Path'",
        ),
        // ---- Variable names (Developer Guide, "Passing data between states with variables") ----
        row(
            "docs: Variables, 'Reserved variable: $states'",
            r#"{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"states": 1}, "End": true}}}"#,
            SCHEMA,
            "/States/A/Assign/states",
            "The variable name 'states' is reserved",
        ),
        row(
            "docs: Variables, 'you cannot assign a value to a part of a variable' (x.y)",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"x.y": 42, "ok.$": "$.a"}, "End": true}}}"#,
            SCHEMA,
            "/States/A/Assign/x.y",
            "The variable name 'x.y' is not valid: it must start with a Unicode ID_Start character, continue with ID_Continue characters, and name a whole variable",
        ),
        row(
            "docs: Variables, 'Variable name syntax' (ID_Start first), in a Catch",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}], "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"2x": 1}, "Next": "C"}], "End": true}, "C": {"Type": "Succeed"}}}"#,
            SCHEMA,
            "/States/A/Catch[0]/Assign/2x",
            "The variable name '2x' is not valid: it must start with a Unicode ID_Start character, continue with ID_Continue characters, and name a whole variable",
        ),
        row(
            "docs: Variables, 'Variable name syntax' (at most 80 characters)",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": 1}, "End": true}}}"#,
            SCHEMA,
            "/States/A/Assign/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "The variable name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is too long: a variable name has at most 80 characters",
        ),
        row(
            "docs: API Reference, warning PASS_RESULT_IS_STATIC",
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"value.$": "$.input"}, "End": true}}}"#,
            PASS_RESULT_IS_STATIC,
            "/States/A/Result",
            "The 'Result' field of a Pass state is static: keys ending in '.$' are not evaluated",
        ),
    ]
}

fn severity_of(code: &str) -> Severity {
    match code {
        NO_DOLLAR | NO_PATH | PASS_RESULT_IS_STATIC => Severity::Warning,
        _ => Severity::Error,
    }
}

#[test]
fn diagnostics_match_the_table() {
    let rows = rows();
    let mut checked: Vec<(&str, MachineType)> = Vec::new();
    let mut failures = Vec::new();
    for row in &rows {
        let key = (row.definition, row.machine_type);
        if checked.contains(&key) {
            continue;
        }
        checked.push(key);
        let mut expected: Vec<(Severity, &str, &str, &str)> = rows
            .iter()
            .filter(|r| (r.definition, r.machine_type) == key)
            .map(|r| (severity_of(r.code), r.code, r.location, r.message.as_str()))
            .collect();
        let actual = diagnose_json(row.definition, row.machine_type);
        let mut actual: Vec<(Severity, &str, &str, &str)> = actual
            .iter()
            .map(|d| (d.severity, d.code, d.location.as_str(), d.message.as_str()))
            .collect();
        expected.sort_by_key(|e| format!("{e:?}"));
        actual.sort_by_key(|e| format!("{e:?}"));
        if expected != actual {
            failures.push(format!(
                "{}\n  definition: {}\n  expected: {expected:#?}\n  actual: {actual:#?}",
                row.source, row.definition
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Definitions AWS accepts, each with its source: no diagnostics at all.
#[test]
fn accepted_definitions_have_no_diagnostics() {
    let accepted: &[(&str, MachineType, &str)] = &[
        (
            "recorded: validation-api VALID_BASE_PASS",
            MachineType::Express,
            r#"{"StartAt": "StartState", "States": {"StartState": {"Type": "Pass", "End": true}}}"#,
        ),
        (
            "recorded: validation-api VALID_QUERY_LANGUAGE_PASS",
            MachineType::Express,
            r#"{"StartAt": "Map", "QueryLanguage": "JSONPath", "States": {"Map": {"Type": "Map", "QueryLanguage": "JSONata", "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Pass", "States": {"Pass": {"QueryLanguage": "JSONPath", "Type": "Pass", "End": true}}}, "End": true}}}"#,
        ),
        (
            "recorded: map-run-api (a valid Label on a distributed Map)",
            MachineType::Standard,
            r#"{"StartAt": "MapState", "States": {"MapState": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "IteratorInner", "States": {"IteratorInner": {"Type": "Pass", "End": true}}}, "Label": "label_0-9A", "End": true}}}"#,
        ),
        (
            "measured: emulator (a JSONata machine's states inherit JSONata inside a Map)",
            MachineType::Standard,
            r#"{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"doubled": "{% $states.input.n * 2 %}"}, "End": true}}}, "End": true}}}"#,
        ),
        (
            "measured: emulator (MaxConcurrency as a JSONata expression)",
            MachineType::Standard,
            r#"{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": "{% $states.input.limit %}", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}"#,
        ),
        (
            "measured: emulator (Assign in a JSONPath state)",
            MachineType::Standard,
            r#"{"StartAt": "X", "States": {"X": {"Type": "Pass", "Assign": {"counter": 1}, "End": true}}}"#,
        ),
        (
            "measured: emulator (a loop with no terminal state inside an item processor)",
            MachineType::Standard,
            r#"{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}, "End": true}}}"#,
        ),
        (
            "measured: linter (IntervalSeconds 0 and a top-level TimeoutSeconds 0 are accepted)",
            MachineType::Standard,
            r#"{"TimeoutSeconds": 0, "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 0}], "End": true}}}"#,
        ),
        (
            "docs: distinct state names in sibling branches",
            MachineType::Standard,
            r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}, {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}], "End": true}}}"#,
        ),
        (
            "docs: Jackson's readTree reads the first value and ignores what follows",
            MachineType::Standard,
            r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}} trailing"#,
        ),
    ];
    for (source, machine_type, definition) in accepted {
        let diagnostics = diagnose_json(definition, *machine_type);
        assert!(diagnostics.is_empty(), "{source}\n{definition}\n{diagnostics:#?}");
        assert!(load_json(definition, *machine_type).is_ok(), "{source}");
    }
}

#[test]
fn standard_machines_accept_what_express_ones_refuse() {
    let definition = r#"{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:a", "End": true}}}"#;
    let value = parse_json(definition).expect("valid JSON");
    assert!(load(&value).is_ok());
    assert!(load_for_type(&value, MachineType::Express).is_err());
}

#[test]
fn states_inherit_the_top_level_query_language() {
    let machine = |top: &str| {
        let text = format!(
            r#"{{"QueryLanguage": "{top}", "StartAt": "M", "States": {{"M": {{"Type": "Map", "QueryLanguage": "JSONata", "ItemProcessor": {{"StartAt": "P", "States": {{"P": {{"Type": "Pass", "End": true}}}}}}, "End": true}}}}}}"#
        );
        load_json(&text, MachineType::Standard).expect("valid definition")
    };
    for (top, inner) in [
        ("JSONPath", QueryLanguage::JsonPath),
        ("JSONata", QueryLanguage::Jsonata),
    ] {
        let m = machine(top);
        assert_eq!(m.states[0].query_language, QueryLanguage::Jsonata);
        let StateKind::Map(map) = &m.states[0].kind else {
            panic!("a Map state")
        };
        assert_eq!(map.processor.states[0].query_language, inner, "top level {top}");
    }
}

#[test]
fn diagnostics_carry_a_json_pointer_too() {
    let d = diagnose_json(
        r#"{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [{"StartAt": "W", "States": {"W": {"Type": "Pass", "End": true}, "a/b": {"Type": "Pass", "End": true}}}], "End": true}}}"#,
        MachineType::Standard,
    );
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].location, "/States/P/Branches[0]/States/a/b");
    assert_eq!(d[0].pointer, "/States/P/Branches/0/States/a~1b");
    let root = diagnose_json("{}", MachineType::Standard);
    assert_eq!((root[0].location.as_str(), root[0].pointer.as_str()), ("/", "/"));
}

#[test]
fn long_sources_are_truncated_as_jackson_does() {
    let text = format!("{{\"Comment\": \"{}\", x}}", "a".repeat(600));
    let d = diagnose_json(&text, MachineType::Standard);
    let total = text.chars().count();
    assert_eq!(d[0].code, INVALID_JSON_DESCRIPTION);
    assert!(
        d[0].location
            .starts_with(&format!("[Source: (String)\"{}", &text[..500])),
        "{}",
        d[0].location
    );
    assert!(d[0]
        .location
        .contains(&format!("\"[truncated {} chars]; line: 1, column: ", total - 500)));
}

/// Every node of some valid definitions replaced by values of other types, and every prefix
/// of their text: the loader reports, it never panics.
#[test]
fn no_input_makes_the_loader_panic() {
    let definitions = [
        r#"{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "Items": "{% [1] %}", "MaxConcurrency": 2, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% 1 %}", "End": true}}}, "Label": "x", "Next": "W"}, "W": {"Type": "Wait", "Seconds": 1, "Next": "C"}, "C": {"Type": "Choice", "Choices": [{"Condition": "{% true %}", "Next": "F"}], "Default": "S"}, "F": {"Type": "Fail", "Error": "E", "Cause": "{% 'c' %}"}, "S": {"Type": "Succeed"}}}"#,
        r#"{"StartAt": "T", "TimeoutSeconds": 5, "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"a.$": "$.a", "b.$": "States.Format('{}', $.c)"}, "ResultSelector": {"r.$": "$.Payload"}, "ResultPath": "$.r", "TimeoutSecondsPath": "$.t", "HeartbeatSeconds": 1, "Credentials": {"RoleArn": "arn:aws:iam::1:role/r"}, "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.5, "MaxDelaySeconds": 5, "JitterStrategy": "FULL"}], "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "P"}], "Next": "P"}, "P": {"Type": "Parallel", "Branches": [{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"And": [{"Variable": "$.a", "NumericGreaterThanPath": "$.b"}, {"Not": {"Variable": "$.c", "StringMatches": "x*"}}], "Next": "W"}], "Default": "F"}, "W": {"Type": "Wait", "TimestampPath": "$.t", "End": true}, "F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('{}', $.c)"}}}], "Next": "M"}, "M": {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"v.$": "$$.Map.Item.Value"}, "ToleratedFailurePercentage": 5, "Iterator": {"StartAt": "X", "States": {"X": {"Type": "Pass", "Result": {"a": 1}, "End": true}}}, "End": true}}}"#,
    ];
    let replacements = [
        Value::Null,
        Value::Bool(true),
        serde_json::json!(-1),
        serde_json::json!(1.5),
        serde_json::json!(u64::MAX),
        serde_json::json!("x"),
        serde_json::json!("$"),
        serde_json::json!("{% %}"),
        serde_json::json!("{%"),
        serde_json::json!([]),
        serde_json::json!({}),
    ];
    for text in definitions {
        for end in 0..=text.len() {
            if let Some(prefix) = text.get(..end) {
                diagnose_json(prefix, MachineType::Express);
            }
        }
        let value = parse_json(text).expect("valid JSON");
        assert!(
            load_json(text, MachineType::Standard).is_ok(),
            "{:#?}",
            diagnose(&value)
        );
        let mut pointers = Vec::new();
        collect_pointers(&value, String::new(), &mut pointers);
        for pointer in &pointers {
            for replacement in &replacements {
                let mut mutated = value.clone();
                if let Some(node) = mutated.pointer_mut(pointer) {
                    *node = replacement.clone();
                }
                diagnose(&mutated);
                let _ = load_for_type(&mutated, MachineType::Express);
            }
        }
    }
}

fn collect_pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(obj) => {
            for (k, v) in obj {
                collect_pointers(v, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// A field of the other query language is reported once, not again as a missing field.
#[test]
fn fields_of_the_other_language_are_reported_once() {
    for definition in [
        r#"{"QueryLanguage": "JSONata", "StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": true}}}"#,
        r#"{"QueryLanguage": "JSONata", "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Z"}]}, "Z": {"Type": "Succeed"}}}"#,
        r#"{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Condition": true, "Next": "Z"}]}, "Z": {"Type": "Succeed"}}}"#,
    ] {
        let d = diagnose_json(definition, MachineType::Standard);
        assert!(
            !d.is_empty() && d.iter().all(|d| d.message.starts_with("The QueryLanguage is set to")),
            "{definition}\n{d:#?}"
        );
    }
}

#[test]
fn python_repr_quotes_and_escapes_as_python_does() {
    // The recorded Map `Label` messages (map-run-api test_map_state_label_invalid_char_fail).
    assert_eq!(super::python_repr("a"), "'a'");
    assert_eq!(super::python_repr("it's"), "\"it's\"");
    assert_eq!(super::python_repr("'\"'"), r#"'\'"\''"#);
    assert_eq!(super::python_repr("\\\n\r\t"), r"'\\\n\r\t'");
    assert_eq!(
        super::python_repr("\u{0}\u{7f}\u{9f}\u{2028}\u{feff}\u{e0001}"),
        r"'\x00\x7f\x9f\u2028\ufeff\U000e0001'"
    );
    assert_eq!(super::python_repr("é €"), "'é €'");
}
