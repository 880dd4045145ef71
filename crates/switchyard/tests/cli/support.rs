//! Drives the `switchyard` binary: writes a definition (and any mock configuration) to a
//! fresh directory under the system temp dir, runs the CLI with `--wait-scale 0` unless a
//! test asks otherwise, and parses the one JSON object it prints.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A scratch directory unique to this test process and call; removed on drop.
pub(crate) struct Scratch(PathBuf);

impl Scratch {
    pub(crate) fn new() -> Scratch {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("switchyard-cli-tests-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    pub(crate) fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write scratch file");
        path
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one CLI invocation did.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// stdout parsed as JSON (`Null` when it is not JSON, e.g. for `validate`).
    pub(crate) json: Value,
    pub(crate) elapsed: Duration,
}

impl Outcome {
    fn describe(&self) -> String {
        format!(
            "exit code {:?}\nstdout: {}\nstderr: {}",
            self.code,
            clip(&self.stdout),
            clip(&self.stderr)
        )
    }

    pub(crate) fn status(&self) -> &str {
        self.json["status"]
            .as_str()
            .unwrap_or_else(|| panic!("no status\n{}", self.describe()))
    }

    /// The output of a SUCCEEDED execution (and exit code 0).
    pub(crate) fn output(&self) -> &Value {
        assert_eq!(self.status(), "SUCCEEDED", "expected SUCCEEDED\n{}", self.describe());
        assert_eq!(self.code, Some(0), "{}", self.describe());
        self.json
            .get("output")
            .unwrap_or_else(|| panic!("no output\n{}", self.describe()))
    }

    /// `(error, cause)` of a FAILED execution (and exit code 1).
    pub(crate) fn failure(&self) -> (String, Option<String>) {
        assert_eq!(self.status(), "FAILED", "expected FAILED\n{}", self.describe());
        assert_eq!(self.code, Some(1), "{}", self.describe());
        assert!(
            self.json.get("output").is_none(),
            "a failed run has no output\n{}",
            self.describe()
        );
        (
            self.json["error"].as_str().unwrap_or_default().to_owned(),
            self.json["cause"].as_str().map(str::to_owned),
        )
    }

    /// The error name of a FAILED execution.
    pub(crate) fn error(&self) -> String {
        self.failure().0
    }

    pub(crate) fn history(&self) -> &Vec<Value> {
        self.json["history"]
            .as_array()
            .unwrap_or_else(|| panic!("no history\n{}", self.describe()))
    }

    /// The `type` of every history event, in order.
    pub(crate) fn event_types(&self) -> Vec<String> {
        self.history()
            .iter()
            .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    pub(crate) fn count_events(&self, event_type: &str) -> usize {
        self.event_types().iter().filter(|t| *t == event_type).count()
    }

    /// The events of one type, in order.
    pub(crate) fn events(&self, event_type: &str) -> Vec<&Value> {
        self.history().iter().filter(|e| e["type"] == event_type).collect()
    }
}

/// At most the first 2000 characters of `text`, so a failing test with a large payload stays
/// readable.
pub(crate) fn clip(text: &str) -> String {
    match text.char_indices().nth(2000) {
        Some((i, _)) => format!("{}... ({} bytes in all)", &text[..i], text.len()),
        None => text.to_owned(),
    }
}

/// A `switchyard run` invocation being prepared.
pub(crate) struct Run {
    definition: String,
    stem: String,
    input: Option<String>,
    input_file: Option<String>,
    mock: Option<(String, String)>,
    history: bool,
    wait_scale: f64,
    extra: Vec<String>,
}

/// Prepare a run of `definition` (saved as `Machine.json`).
pub(crate) fn machine(definition: Value) -> Run {
    machine_text(&serde_json::to_string_pretty(&definition).unwrap())
}

/// Prepare a run of a definition given as text (JSON or YAML).
pub(crate) fn machine_text(text: &str) -> Run {
    Run {
        definition: text.to_owned(),
        stem: "Machine".into(),
        input: None,
        input_file: None,
        mock: None,
        history: false,
        wait_scale: 0.0,
        extra: Vec::new(),
    }
}

/// A machine of one state `S` (the state's fields given; `End: true` added when the
/// state has no `Next`/`End` and is of a type that needs one).
pub(crate) fn single(state: Value) -> Run {
    machine(single_def(state))
}

pub(crate) fn single_def(mut state: Value) -> Value {
    let needs_end = matches!(
        state["Type"].as_str(),
        Some("Pass" | "Task" | "Wait" | "Parallel" | "Map")
    );
    if needs_end && state.get("Next").is_none() && state.get("End").is_none() {
        state["End"] = json!(true);
    }
    json!({"StartAt": "S", "States": {"S": state}})
}

impl Run {
    pub(crate) fn input(mut self, input: Value) -> Run {
        self.input = Some(input.to_string());
        self
    }

    /// Pass `--input` verbatim.
    pub(crate) fn raw_input(mut self, text: &str) -> Run {
        self.input = Some(text.to_owned());
        self
    }

    /// Pass the input through `--input-file`.
    pub(crate) fn input_file(mut self, text: &str) -> Run {
        self.input_file = Some(text.to_owned());
        self
    }

    /// The definition file's stem (the default state machine name).
    pub(crate) fn stem(mut self, stem: &str) -> Run {
        self.stem = stem.to_owned();
        self
    }

    pub(crate) fn arg(mut self, arg: &str) -> Run {
        self.extra.push(arg.to_owned());
        self
    }

    pub(crate) fn history(mut self) -> Run {
        self.history = true;
        self
    }

    pub(crate) fn wait_scale(mut self, scale: f64) -> Run {
        self.wait_scale = scale;
        self
    }

    /// Use a Step Functions Local mock configuration and one of its test cases.
    pub(crate) fn mock(mut self, config: Value, test_case: &str) -> Run {
        self.mock = Some((config.to_string(), test_case.to_owned()));
        self
    }

    pub(crate) fn run(self) -> Outcome {
        let scratch = Scratch::new();
        let file = scratch.write(&format!("{}.json", self.stem), &self.definition);
        let mut args: Vec<String> = vec!["run".into(), file.display().to_string()];
        if let Some(input) = &self.input {
            args.extend(["--input".into(), input.clone()]);
        }
        if let Some(text) = &self.input_file {
            let path = scratch.write("input.json", text);
            args.extend(["--input-file".into(), path.display().to_string()]);
        }
        if let Some((config, case)) = &self.mock {
            let path = scratch.write("mock-config.json", config);
            args.extend([
                "--mock-config".into(),
                path.display().to_string(),
                "--test-case".into(),
                case.clone(),
            ]);
        }
        if self.history {
            args.push("--history".into());
        }
        args.extend(["--wait-scale".into(), self.wait_scale.to_string()]);
        args.extend(self.extra.iter().cloned());
        switchyard(&args)
    }
}

/// Run the binary with these arguments.
pub(crate) fn switchyard(args: &[String]) -> Outcome {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(args)
        .env_remove("SWITCHYARD_ACCOUNT")
        .env_remove("SWITCHYARD_REGION")
        .output()
        .expect("run switchyard");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    Outcome {
        code: out.status.code(),
        stdout,
        stderr,
        json,
        elapsed,
    }
}

/// Run `switchyard validate` on `text` saved as `file_name`.
pub(crate) fn validate(file_name: &str, text: &str) -> (Outcome, PathBuf) {
    let scratch = Scratch::new();
    let path = scratch.write(file_name, text);
    let outcome = switchyard(&["validate".into(), path.display().to_string()]);
    let shown = scratch.path().join(file_name);
    (outcome, shown)
}

/// Drop the states of `definition`'s top-level `States` that no `Next`, `Default` or
/// `StartAt` names, so one table can share optional handler states (AWS rejects a definition
/// with unreachable states).
pub(crate) fn without_unreferenced_states(mut definition: Value) -> Value {
    fn names(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if matches!(k.as_str(), "Next" | "Default" | "StartAt") {
                        if let Some(s) = v.as_str() {
                            out.push(s.to_owned());
                        }
                    }
                    names(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| names(v, out)),
            _ => {}
        }
    }
    let mut referenced = Vec::new();
    names(&definition, &mut referenced);
    if let Some(states) = definition["States"].as_object_mut() {
        states.retain(|name, _| referenced.contains(name));
    }
    definition
}

/// A mock configuration for a machine named `Machine` with one test case `T` that maps
/// each `(state, responses)` pair to a mocked response of its own.
pub(crate) fn mock_config(states: &[(&str, Value)]) -> Value {
    let mut case = serde_json::Map::new();
    let mut responses = serde_json::Map::new();
    for (state, answers) in states {
        let name = format!("{state}Response");
        case.insert((*state).to_owned(), Value::String(name.clone()));
        responses.insert(name, answers.clone());
    }
    json!({
        "StateMachines": {"Machine": {"TestCases": {"T": case}}},
        "MockedResponses": responses,
    })
}
