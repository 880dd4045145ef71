//! Task states answered from a Step Functions Local mock configuration.

use serde_json::{json, Value};

use crate::support::{machine, Outcome};

/// Developer Guide: "Using mocked service integrations for testing in Step Functions Local":
/// the page's state machine "LambdaSQSIntegration".
fn lambda_sqs_integration() -> Value {
    json!({
        "Comment": "This state machine is called: LambdaSQSIntegration",
        "StartAt": "LambdaState",
        "States": {
            "LambdaState": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"Payload.$": "$", "FunctionName": "HelloWorldFunction"},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}],
                "Next": "SQSState"
            },
            "SQSState": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue", "MessageBody.$": "$"},
                "End": true
            }
        }
    })
}

/// The page's mock configuration file.
fn mock_config() -> Value {
    json!({
        "StateMachines": {
            "LambdaSQSIntegration": {
                "TestCases": {
                    "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
                    "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
                    "HybridPath": {"LambdaState": "MockedLambdaSuccess"}
                }
            }
        },
        "MockedResponses": {
            "MockedLambdaSuccess": {
                "0": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}}
            },
            "LambdaMockedResourceNotReady": {
                "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}}
            },
            "MockedSQSSuccess": {
                "0": {"Return": {"MD5OfMessageBody": "3bcb6e8be6bb2f4a1ac7acbb5d1b5ac6", "MessageId": "7c9ef21e-b01e-4f1a-a5d1-7a96a0e4e90e"}}
            },
            "MockedLambdaRetry": {
                "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}},
                "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
                "3": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}}
            }
        }
    })
}

fn run_case(definition: Value, config: Value, case: &str) -> Outcome {
    machine(definition)
        .stem("LambdaSQSIntegration")
        .mock(config, case)
        .input(json!({"hello": "world"}))
        .history()
        .run()
}

fn sqs_success() -> Value {
    json!({"MD5OfMessageBody": "3bcb6e8be6bb2f4a1ac7acbb5d1b5ac6", "MessageId": "7c9ef21e-b01e-4f1a-a5d1-7a96a0e4e90e"})
}

// Developer Guide: Using mocked service integrations (Step Functions Local): the HappyPath
// test case answers both tasks with their "0" responses.
#[test]
fn happy_path() {
    let outcome = run_case(lambda_sqs_integration(), mock_config(), "HappyPath");
    assert_eq!(outcome.output(), &sqs_success());
    assert_eq!(outcome.count_events("TaskFailed"), 0);
    let sqs_input = &outcome.events("TaskStateEntered")[1]["stateEnteredEventDetails"]["input"];
    let sqs_input: Value = serde_json::from_str(sqs_input.as_str().unwrap()).unwrap();
    assert_eq!(
        sqs_input,
        json!({"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}),
        "the Lambda's mocked result is the SQS state's input"
    );
}

// Developer Guide: Using mocked service integrations: in RetryPath the Lambda answers
// invocation 0 with one error, invocations "1-2" with another and 3 with a result, so the
// Retry (MaxAttempts 3) gets through on the fourth call.
#[test]
fn retry_path() {
    let outcome = run_case(lambda_sqs_integration(), mock_config(), "RetryPath");
    assert_eq!(outcome.output(), &sqs_success());
    let errors: Vec<String> = outcome
        .events("TaskFailed")
        .iter()
        .map(|e| e["taskFailedEventDetails"]["error"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        errors,
        [
            "Lambda.ResourceNotReadyException",
            "Lambda.TimeoutException",
            "Lambda.TimeoutException"
        ]
    );
    assert_eq!(outcome.count_events("TaskSucceeded"), 2);
}

// Developer Guide: Using mocked service integrations: with one retry fewer the fourth answer is
// never reached and the execution fails with the last error thrown.
#[test]
fn retry_path_with_fewer_attempts_fails() {
    let mut definition = lambda_sqs_integration();
    definition["States"]["LambdaState"]["Retry"][0]["MaxAttempts"] = json!(2);
    let outcome = run_case(definition, mock_config(), "RetryPath");
    assert_eq!(
        outcome.failure(),
        (
            "Lambda.TimeoutException".to_owned(),
            Some("Lambda timed out.".to_owned())
        )
    );
    assert_eq!(outcome.count_events("TaskScheduled"), 3);
    assert_eq!(outcome.count_events("TaskStateEntered"), 1, "SQSState never ran");
}

// Developer Guide: Using mocked service integrations: a thrown error reaches Catch like a
// real one; ResultPath "$.error" keeps the input and adds {"Error", "Cause"}.
#[test]
fn thrown_error_is_caught() {
    let mut definition = lambda_sqs_integration();
    let lambda = &mut definition["States"]["LambdaState"];
    lambda.as_object_mut().unwrap().remove("Retry");
    lambda["Catch"] =
        json!([{"ErrorEquals": ["Lambda.ResourceNotReadyException"], "Next": "Recover", "ResultPath": "$.error"}]);
    definition["States"]["Recover"] = json!({"Type": "Pass", "End": true});
    let mut config = mock_config();
    config["StateMachines"]["LambdaSQSIntegration"]["TestCases"]["NotReady"] =
        json!({"LambdaState": "LambdaMockedResourceNotReady"});
    let outcome = run_case(definition, config, "NotReady");
    assert_eq!(
        outcome.output(),
        &json!({"hello": "world", "error": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}})
    );
}

// Developer Guide: Using mocked service integrations, with Processing input and output: a
// mocked Lambda result goes through ResultSelector and ResultPath like a real one.
#[test]
fn result_selector_and_result_path_on_a_mocked_result() {
    let mut definition = lambda_sqs_integration();
    let lambda = &mut definition["States"]["LambdaState"];
    lambda["ResultSelector"] = json!({"body.$": "$.Payload.body", "status.$": "$.StatusCode"});
    lambda["ResultPath"] = json!("$.lambda");
    lambda["Next"] = json!("Done");
    definition["States"]["Done"] = json!({"Type": "Succeed"});
    definition["States"].as_object_mut().unwrap().remove("SQSState");
    let outcome = run_case(definition, mock_config(), "HappyPath");
    assert_eq!(
        outcome.output(),
        &json!({"hello": "world", "lambda": {"body": "Hello from Lambda!", "status": 200}})
    );
}

// Developer Guide: Using mocked service integrations: test cases are looked up under the state
// machine's name, the definition file's stem by default or --name.
#[test]
fn test_cases_belong_to_the_state_machine_name() {
    let by_name = machine(lambda_sqs_integration())
        .stem("some-file")
        .arg("--name")
        .arg("LambdaSQSIntegration")
        .mock(mock_config(), "HappyPath")
        .run();
    assert_eq!(by_name.output(), &sqs_success());

    let wrong_machine = machine(lambda_sqs_integration())
        .stem("OtherMachine")
        .mock(mock_config(), "HappyPath")
        .run();
    assert_eq!(wrong_machine.code, Some(2), "{wrong_machine:?}");

    let wrong_case = run_case(lambda_sqs_integration(), mock_config(), "NoSuchCase");
    assert_eq!(wrong_case.code, Some(2), "{wrong_case:?}");
    assert!(wrong_case.stderr.contains("NoSuchCase"), "{}", wrong_case.stderr);
}

// A test case that mocks no response for a Task (the page's HybridPath leaves SQSState to the
// real service): that Task calls SQS at its endpoint, here a port where nothing listens.
#[test]
fn unmocked_task_calls_the_real_service() {
    let outcome = machine(lambda_sqs_integration())
        .stem("LambdaSQSIntegration")
        .mock(mock_config(), "HybridPath")
        .arg("--sqs-endpoint")
        .arg("http://127.0.0.1:9")
        .input(json!({"hello": "world"}))
        .history()
        .run();
    assert_eq!(outcome.error(), "SQS.SdkClientException", "{outcome:?}");
    assert_eq!(outcome.count_events("TaskSucceeded"), 1, "the mocked Lambda still ran");
}

// A mock configuration that is not valid is a usage error (exit 2).
#[test]
fn invalid_mock_configurations() {
    let bad_configs = [
        json!({"StateMachines": {"LambdaSQSIntegration": {"TestCases": {"HappyPath": {"LambdaState": "Missing"}}}}, "MockedResponses": {}}),
        json!({"StateMachines": {}, "MockedResponses": {"R": {"first": {"Return": 1}}}}),
        json!({"MockedResponses": {}}),
    ];
    for config in bad_configs {
        let outcome = run_case(lambda_sqs_integration(), config.clone(), "HappyPath");
        assert_eq!(outcome.code, Some(2), "{config}: {outcome:?}");
        assert!(outcome.json.is_null(), "no result is printed: {}", outcome.stdout);
    }
}

// Developer Guide, "Using mocked service integrations": a mocked activity or
// `.waitForTaskToken` Task answers at once; its history is that of the real kind of Task
// (Activity* events for an activity), and the callback's parameters get a task token.
#[test]
fn mocked_activity_and_callback_tasks() {
    let definition = json!({
        "StartAt": "Approve",
        "States": {
            "Approve": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:approver", "ResultPath": "$.approval", "Next": "Notify"},
            "Notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "ResultPath": "$.callback",
                "End": true
            }
        }
    });
    let config = json!({
        "StateMachines": {"Waiting": {"TestCases": {"Answered": {"Approve": "Approved", "Notify": "CalledBack"}}}},
        "MockedResponses": {
            "Approved": {"0": {"Return": {"approved": true}}},
            "CalledBack": {"0": {"Return": {"delivered": true}}}
        }
    });
    let outcome = machine(definition)
        .stem("Waiting")
        .mock(config, "Answered")
        .input(json!({}))
        .history()
        .run();
    assert_eq!(
        outcome.output(),
        &json!({"approval": {"approved": true}, "callback": {"delivered": true}})
    );
    let tasks: Vec<String> = outcome
        .event_types()
        .into_iter()
        .filter(|t| (t.starts_with("Task") || t.starts_with("Activity")) && !t.starts_with("TaskState"))
        .collect();
    assert_eq!(
        tasks,
        [
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded"
        ]
    );
    let parameters = &outcome.events("TaskScheduled")[0]["taskScheduledEventDetails"]["parameters"];
    let parameters: Value = serde_json::from_str(parameters.as_str().unwrap()).unwrap();
    assert!(
        !parameters["MessageBody"]["token"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{parameters}"
    );
}
