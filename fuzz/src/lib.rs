//! What the fuzz targets share: how an input's bytes split into an expression and a JSON
//! document, the [`Scope`] the evaluators read while a state runs (input, Context object,
//! workflow variables), and running a case on a thread with an executor's stack.
//!
//! Each target's input format is documented in `fuzz/README.md`; the seed corpus in
//! `fuzz/corpus/<target>/` is written in it.

use std::collections::HashSet;
use std::sync::{Mutex, Once};
use std::time::Duration;

use asl::template::Scope;
use serde_json::{json, Value};

/// How long one JSONata evaluation may run in the targets. The engine's watchdog
/// ([`asl::jsonata::DEFAULT_TIME_LIMIT`], 10 s) is shortened so that runaway expressions the
/// watchdog stops are not reported as libFuzzer timeouts; one that runs past libFuzzer's
/// `-timeout` escaped the watchdog, which is a finding.
pub const JSONATA_TIME_LIMIT: Duration = Duration::from_secs(1);

/// The stack an engine executor thread (and a tokio worker, where the API loads
/// definitions) runs with: Rust's default for spawned threads. Cases run on a thread of this
/// size so that recursion too deep for the server is found here, not hidden by the larger
/// main-thread stack libFuzzer runs on.
pub const EXECUTOR_STACK: usize = 2 * 1024 * 1024;

/// Runs `f` on a fresh thread with [`EXECUTOR_STACK`] bytes of stack, as the server would.
/// A panic in `f` is re-raised here, so libFuzzer reports it as a crash.
pub fn on_executor_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .stack_size(EXECUTOR_STACK)
            .spawn_scoped(scope, f)
            .expect("cannot start a fuzz case thread");
        match handle.join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Splits an input into its first line (the expression, definition or rule) and the JSON
/// document on the following lines. A document that does not parse is `null`, so the
/// expression is still parsed and evaluated.
pub fn split_expression(data: &[u8]) -> Option<(&str, Value)> {
    let text = std::str::from_utf8(data).ok()?;
    let (head, rest) = text.split_once('\n').unwrap_or((text, ""));
    let document = serde_json::from_str(rest).unwrap_or(Value::Null);
    Some((head, document))
}

/// A running state's view of the data, built from one fuzzed document: `$` is the
/// document, `$$` a Context object of AWS's shape whose `Execution.Input` is the document,
/// and a workflow variable `$name` is the document's member `name` when it is an object
/// (so `$x` paths reach fuzzed values too).
pub struct FuzzScope {
    pub input: Value,
    pub context: Value,
    pub result: Option<Value>,
    pub error_output: Option<Value>,
}

impl FuzzScope {
    pub fn new(input: Value) -> FuzzScope {
        let context = json!({
            "Execution": {
                "Id": "arn:aws:states:us-east-1:123456789012:execution:fuzz:run",
                "Input": input.clone(),
                "Name": "run",
                "RoleArn": "arn:aws:iam::123456789012:role/fuzz",
                "StartTime": "2026-01-02T03:04:05.678Z",
                "RedriveCount": 0
            },
            "State": {"EnteredTime": "2026-01-02T03:04:05.789Z", "Name": "S", "RetryCount": 0},
            "StateMachine": {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:fuzz", "Name": "fuzz"},
            "Task": {"Token": "token"}
        });
        FuzzScope {
            result: Some(input.clone()),
            error_output: Some(json!({"Error": "States.TaskFailed", "Cause": "fuzz"})),
            input,
            context,
        }
    }
}

impl Scope for FuzzScope {
    fn input(&self) -> &Value {
        &self.input
    }

    fn context(&self) -> &Value {
        &self.context
    }

    fn variable(&self, name: &str) -> Option<Value> {
        self.input.get(name).cloned()
    }

    fn result(&self) -> Option<&Value> {
        self.result.as_ref()
    }

    fn error_output(&self) -> Option<&Value> {
        self.error_output.as_ref()
    }

    fn random_u64(&self) -> u64 {
        // Fixed, so that a crash reproduces.
        0x5eed_5eed_5eed_5eed
    }
}

/// Lets panics raised inside `jsonata-core` unwind to `asl::jsonata`, which catches every
/// panic of the library (parse and evaluation) and fails the state with an error instead.
/// libFuzzer's hook would abort on them; each place is reported once on stderr instead, so a
/// run goes on looking for what is not caught. Every other panic still aborts (a crash).
///
/// With `SWITCHYARD_FUZZ_JSONATA_PANICS=abort` in the environment they abort too, to collect
/// reproducers of the library's panics.
pub fn tolerate_jsonata_core_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var("SWITCHYARD_FUZZ_JSONATA_PANICS").as_deref() == Ok("abort") {
            return;
        }
        let abort = std::panic::take_hook();
        let seen = Mutex::new(HashSet::new());
        std::panic::set_hook(Box::new(move |info| {
            let Some(place) = culprit(info).filter(|place| place.contains("/jsonata-core-")) else {
                return abort(info);
            };
            if seen.lock().is_ok_and(|mut seen| seen.insert(place.clone())) {
                let message = info
                    .payload()
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| info.payload().downcast_ref::<&str>().copied())
                    .unwrap_or("");
                eprintln!("jsonata-core panicked at {place} ({message}); asl::jsonata catches it");
            }
        }));
    });
}

/// The innermost source place of a panic outside the standard library: where it was raised,
/// or, for a panic raised inside `core` (an arithmetic overflow, a slice index), the first
/// frame of the backtrace that is not the standard library's.
fn culprit(info: &std::panic::PanicHookInfo<'_>) -> Option<String> {
    let location = info.location()?;
    if !location.file().starts_with("/rustc/") {
        return Some(format!("{}:{}", location.file(), location.line()));
    }
    // Innermost first: this hook, the standard library's panic machinery, `core::panicking`,
    // then the code that panicked.
    let trace = std::backtrace::Backtrace::force_capture().to_string();
    let lines: Vec<&str> = trace.lines().map(str::trim).collect();
    let raised = lines.iter().rposition(|line| line.contains("core::panicking::"))?;
    lines[raised..]
        .iter()
        .filter_map(|line| line.strip_prefix("at "))
        .find(|file| !file.starts_with("/rustc/"))
        .map(|file| (*file).to_owned())
}
