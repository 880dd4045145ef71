//! Durable steps: what the observer is told, and resuming from it as a restarted server
//! would.

use std::cell::RefCell;

use engine::execution::{
    run_with, Checkpoint, ExecutionInput, ExecutionSpec, Hooks, LocalFuture, Observer, Options, Status, SystemClock,
};
use engine::history::Event;
use serde_json::{json, Value};

struct Recorder {
    steps: RefCell<Vec<(Vec<u64>, Checkpoint)>>,
}

impl Observer for Recorder {
    fn step(&self, events: Vec<Event>, checkpoint: Checkpoint) -> LocalFuture<'_, ()> {
        self.steps
            .borrow_mut()
            .push((events.iter().map(|e| e.id).collect(), checkpoint));
        Box::pin(async {})
    }

    // These machines have no Task that waits for an answer, so nothing is published.
    fn publish(&self, events: Vec<Event>) -> LocalFuture<'_, ()> {
        panic!("published {} events outside a step", events.len())
    }
}

fn spec() -> ExecutionSpec {
    ExecutionSpec {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:m:e".into(),
        execution_name: "e".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m".into(),
        state_machine_name: "m".into(),
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        input: ExecutionInput::parse(r#"{"n": 1}"#).unwrap(),
    }
}

fn machine() -> asl::definition::StateMachine {
    asl::loader::load(&json!({"StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"x": 41}, "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Use"},
        "Use": {"Type": "Pass", "Parameters": {"x.$": "$x", "n.$": "$.n"}, "End": true}
    }}))
    .unwrap()
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(f)
}

fn options() -> Options {
    Options {
        wait_scale: 0.0,
        ..Options::default()
    }
}

#[test]
fn steps_end_before_waiting_states_and_carry_everything_a_resume_needs() {
    let machine = machine();
    let recorder = Recorder {
        steps: RefCell::new(Vec::new()),
    };
    let hooks = Hooks {
        observer: Some(&recorder),
        ..Hooks::default()
    };
    let outcome = block(run_with(
        &machine,
        &spec(),
        &integrations::Unconfigured,
        &SystemClock,
        &options(),
        hooks,
    ));
    assert_eq!(outcome.status, Status::Succeeded);
    let steps = recorder.steps.into_inner();
    // One step before entering the Wait, one once it has entered (with its deadline).
    assert_eq!(steps.len(), 2);
    assert_eq!(
        steps[0].0,
        [1, 2, 3],
        "ExecutionStarted, PassStateEntered, PassStateExited"
    );
    assert_eq!(steps[0].1.state, "Wait");
    assert_eq!(steps[0].1.variables["x"], json!(41));
    assert!(steps[0].1.wait.is_none());
    assert_eq!(steps[1].0, [4], "WaitStateEntered");
    assert_eq!(steps[1].1.wait.map(|w| w.entered_event), Some(4));
    // The rest comes with the outcome, numbered on.
    let rest: Vec<u64> = outcome.history.iter().map(|e| e.id).collect();
    assert_eq!(rest, [5, 6, 7, 8]);
}

#[test]
fn a_resumed_run_goes_on_from_its_checkpoint_with_the_same_numbering() {
    let machine = machine();
    let recorder = Recorder {
        steps: RefCell::new(Vec::new()),
    };
    let hooks = Hooks {
        observer: Some(&recorder),
        ..Hooks::default()
    };
    let first = block(run_with(
        &machine,
        &spec(),
        &integrations::Unconfigured,
        &SystemClock,
        &options(),
        hooks,
    ));
    // Resume from inside the Wait, as after a crash there.
    let inside_wait = recorder.steps.borrow()[1].1.clone();
    let text = serde_json::to_string(&inside_wait).unwrap();
    let resume: Checkpoint = serde_json::from_str(&text).unwrap();
    let hooks = Hooks {
        resume: Some(resume),
        ..Hooks::default()
    };
    let resumed = block(run_with(
        &machine,
        &spec(),
        &integrations::Unconfigured,
        &SystemClock,
        &options(),
        hooks,
    ));
    assert_eq!(resumed.status, Status::Succeeded);
    assert_eq!(resumed.output, first.output);
    assert_eq!(resumed.output, Some(json!({"x": 41, "n": 1})));
    let kinds: Vec<(u64, u64, String)> = resumed
        .history
        .iter()
        .map(|e| (e.id, e.previous_event_id, e.kind.type_name()))
        .collect();
    let expected: Vec<(u64, u64, String)> = first
        .history
        .iter()
        .map(|e| (e.id, e.previous_event_id, e.kind.type_name()))
        .collect();
    assert_eq!(kinds, expected);
    let output: Value =
        resumed.history.last().unwrap().to_json(|_| Value::Null)["executionSucceededEventDetails"]["output"].clone();
    assert_eq!(output, json!(r#"{"x":41,"n":1}"#));
}

/// A polling loop: `Poll` is a mocked Task entered twice (its answers "0" and "1"), with a
/// Wait between, where a crash may come.
fn polling_machine() -> asl::definition::StateMachine {
    asl::loader::load(&json!({"StartAt": "Poll", "States": {
        "Poll": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Done?"},
        "Done?": {"Type": "Choice", "Choices": [{"Variable": "$.done", "BooleanEquals": true, "Next": "End"}], "Default": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Poll"},
        "End": {"Type": "Succeed"}
    }}))
    .unwrap()
}

const POLLING_MOCKS: &str = r#"{
  "StateMachines": {"m": {"TestCases": {"Twice": {"Poll": "Progress"}}}},
  "MockedResponses": {"Progress": {"0": {"Return": {"done": false}}, "1": {"Return": {"done": true}}}}}"#;

// A mock's invocation count lives in the checkpoint: resuming inside the Wait after the first
// poll answers the second poll with "1", as the uninterrupted run does, not with "0" again.
#[test]
fn mock_invocation_counts_survive_a_resume() {
    let machine = polling_machine();
    let config = integrations::mock::MockConfig::parse(POLLING_MOCKS).unwrap();
    let case = config.test_case("m", "Twice").unwrap();
    let recorder = Recorder {
        steps: RefCell::new(Vec::new()),
    };
    let hooks = Hooks {
        observer: Some(&recorder),
        mocks: Some(&case),
        ..Hooks::default()
    };
    let first = block(run_with(
        &machine,
        &spec(),
        &integrations::Unconfigured,
        &SystemClock,
        &options(),
        hooks,
    ));
    assert_eq!(first.output, Some(json!({"done": true})));
    let inside_wait = recorder
        .steps
        .borrow()
        .iter()
        .find(|(_, c)| c.wait.is_some())
        .map(|(_, c)| c.clone())
        .expect("a step inside the Wait");
    assert_eq!(inside_wait.mock_invocations.get("Poll"), Some(&1));
    let text = serde_json::to_string(&inside_wait).unwrap();
    let hooks = Hooks {
        resume: Some(serde_json::from_str(&text).unwrap()),
        mocks: Some(&case),
        ..Hooks::default()
    };
    let resumed = block(run_with(
        &machine,
        &spec(),
        &integrations::Unconfigured,
        &SystemClock,
        &options(),
        hooks,
    ));
    assert_eq!(resumed.status, Status::Succeeded);
    assert_eq!(resumed.output, Some(json!({"done": true})));
    let polls = resumed
        .history
        .iter()
        .filter(|e| e.kind.type_name() == "TaskSucceeded")
        .count();
    assert_eq!(polls, 1, "the resumed run polls once more, and is answered \"done\"");
}

/// Answers every task with its parameters, counting the calls.
struct Counting(RefCell<Vec<Value>>);

impl integrations::Integration for Counting {
    fn invoke(&self, request: integrations::TaskRequest) -> integrations::TaskFuture<'_> {
        self.0.borrow_mut().push(request.parameters.clone());
        Box::pin(async move { Ok(json!({"done": request.parameters})) })
    }
}

/// Issue 11: a run resumed inside a Map state re-enters only the iterations that had not
/// finished; a Task whose iteration finished before the checkpoint is not called again.
#[test]
fn a_run_resumed_inside_a_map_runs_only_the_unfinished_iterations() {
    let machine = asl::loader::load(&json!({"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "End": true,
        "ItemProcessor": {"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"n.$": "$"}, "End": true}
        }}
    }}}))
    .unwrap();
    let mut spec = spec();
    spec.input = ExecutionInput::from_value(json!({"items": [0, 1, 2, 3]}));
    let recorder = Recorder {
        steps: RefCell::new(Vec::new()),
    };
    let calls = Counting(RefCell::new(Vec::new()));
    let hooks = Hooks {
        observer: Some(&recorder),
        ..Hooks::default()
    };
    let first = block(run_with(&machine, &spec, &calls, &SystemClock, &options(), hooks));
    assert_eq!(first.status, Status::Succeeded);
    let expected = json!([{"done": {"n": 0}}, {"done": {"n": 1}}, {"done": {"n": 2}}, {"done": {"n": 3}}]);
    assert_eq!(first.output, Some(expected.clone()));
    assert_eq!(calls.0.borrow().len(), 4);

    // The step committed when iteration 1 reached its Task: iteration 0 is done.
    let steps = recorder.steps.into_inner();
    let (_, resume) = steps
        .iter()
        .find(|(_, c)| {
            c.inside.as_ref().is_some_and(|inside| {
                inside.children.len() == 2
                    && matches!(inside.children.get(&1), Some(engine::execution::Child::At(p)) if p.state == "Work")
            })
        })
        .expect("a step inside the Map with iteration 1 at its Task")
        .clone();
    assert_eq!(resume.state, "Each");
    let inside = resume.inside.clone().unwrap();
    assert_eq!(
        inside.children.get(&0),
        Some(&engine::execution::Child::Succeeded(json!({"done": {"n": 0}})))
    );

    let calls = Counting(RefCell::new(Vec::new()));
    let recorder = Recorder {
        steps: RefCell::new(Vec::new()),
    };
    let hooks = Hooks {
        observer: Some(&recorder),
        resume: Some(resume),
        ..Hooks::default()
    };
    let resumed = block(run_with(&machine, &spec, &calls, &SystemClock, &options(), hooks));
    assert_eq!(resumed.status, Status::Succeeded);
    assert_eq!(resumed.output, Some(expected));
    // Iteration 0 is not run again; 1 re-enters its Task, 2 and 3 run.
    assert_eq!(*calls.0.borrow(), [json!({"n": 1}), json!({"n": 2}), json!({"n": 3})]);
    let kinds: Vec<String> = resumed.history.iter().map(|e| e.kind.type_name()).collect();
    assert!(!kinds.contains(&"MapStateEntered".to_owned()), "{kinds:?}");
    assert!(!kinds.contains(&"MapStateStarted".to_owned()), "{kinds:?}");
}
