//! Where switchyard differs from AWS today. Each test asserts today's behaviour so the suite
//! stays green, and says in a `FIXME(aws)` comment what AWS does; when the engine is fixed,
//! the test fails: then move it to its proper module with AWS's expectation.

use serde_json::json;

use crate::support::{machine, mock_config};

// Developer Guide: Handling errors ("States.DataLimitExceeded": thrown "when the output of a
// connector is larger than payload size quota"). On the live service a Task whose result is
// over 256 KiB records TaskFailed (not TaskSucceeded) with States.DataLimitExceeded, and a
// Catch on "States.ALL" handles it too. (The Developer Guide's table says States.ALL cannot
// catch States.DataLimitExceeded; histories recorded from the service show that a Task's
// oversized result is caught by it all the same, while an oversized Pass output is not.)
#[test]
fn oversized_task_result_history_and_states_all() {
    let definition = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}]},
        "Handle": {"Type": "Pass", "End": true}
    }});
    let big = "a".repeat(257 * 1024);
    let outcome = machine(definition)
        .mock(mock_config(&[("T", json!({"0": {"Return": big}}))]), "T")
        .history()
        .run();
    // FIXME(aws): AWS goes to "Handle" and the execution succeeds with
    // {"Error": "States.DataLimitExceeded", "Cause": "The state/task ... service limit."}.
    assert_eq!(outcome.error(), "States.DataLimitExceeded");
    // FIXME(aws): AWS records TaskFailed (error States.DataLimitExceeded), no TaskSucceeded.
    assert_eq!(outcome.count_events("TaskSucceeded"), 1);
    assert_eq!(outcome.count_events("TaskFailed"), 0);
}
