//! `switchyard test`: run every test case of a Step Functions Local mock configuration and
//! check each against the expectations file beside it, as a test runner for state machines.
//!
//! The expectations file (`MockConfigFile.expect.json` next to `MockConfigFile.json`, or
//! `--expect FILE`) maps state machine → test case → what the execution should do:
//!
//! ```json
//! {"LambdaSQSIntegration": {
//!    "HappyPath": {"input": {"id": 1}, "output": {"ok": true}},
//!    "RetryPath": {"status": "FAILED", "error": "Lambda.TimeoutException"}}}
//! ```
//!
//! Every field is optional: `input` defaults to `{}`, `status` to `FAILED` when `error` or
//! `cause` is given and `SUCCEEDED` otherwise; `output`, `error` and `cause` are compared
//! (exactly, as JSON values or text) only when given. A test case without an entry is
//! expected to succeed with input `{}`.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use asl::definition::{StateKind, StateMachine};
use clap::Args;
use engine::execution::{Hooks, Options, Outcome, Status, SystemClock};
use integrations::mock::TestCase;
use serde::Deserialize;
use serde_json::Value;

#[derive(Args)]
pub(crate) struct TestArgs {
    /// The Step Functions Local mock configuration file.
    mock_config: PathBuf,
    /// A state machine of the mock configuration and its definition (JSON or YAML), as
    /// NAME=FILE; one for every state machine the file names.
    #[arg(long = "definition", value_name = "NAME=FILE", required = true)]
    definitions: Vec<String>,
    /// The expectations file (default: the mock configuration's name with `.expect.json`).
    #[arg(long)]
    expect: Option<PathBuf>,
    /// Multiply Wait and retry delays by this factor (default 0: do not wait).
    #[arg(long, default_value_t = 0.0)]
    wait_scale: f64,
    /// The AWS account id used in ARNs.
    #[arg(long, env = "SWITCHYARD_ACCOUNT", default_value = "123456789012")]
    account: String,
    /// The AWS region used in ARNs.
    #[arg(long, env = "SWITCHYARD_REGION", default_value = "us-east-1")]
    region: String,
}

/// What one test case should do; see the module documentation.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectation {
    input: Option<Value>,
    status: Option<ExpectedStatus>,
    output: Option<Value>,
    error: Option<String>,
    cause: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum ExpectedStatus {
    Succeeded,
    Failed,
    TimedOut,
}

impl ExpectedStatus {
    fn matches(self, status: Status) -> bool {
        matches!(
            (self, status),
            (ExpectedStatus::Succeeded, Status::Succeeded)
                | (ExpectedStatus::Failed, Status::Failed)
                | (ExpectedStatus::TimedOut, Status::TimedOut)
        )
    }

    fn as_str(self) -> &'static str {
        match self {
            ExpectedStatus::Succeeded => "SUCCEEDED",
            ExpectedStatus::Failed => "FAILED",
            ExpectedStatus::TimedOut => "TIMED_OUT",
        }
    }
}

impl Expectation {
    fn status(&self) -> ExpectedStatus {
        match self.status {
            Some(status) => status,
            None if self.error.is_some() || self.cause.is_some() => ExpectedStatus::Failed,
            None => ExpectedStatus::Succeeded,
        }
    }

    /// An expectation no execution can meet is a mistake in the file, not a failed test.
    fn check(&self, place: &str) -> Result<()> {
        let status = self.status();
        if self.output.is_some() && status != ExpectedStatus::Succeeded {
            bail!(
                "{place}: 'output' is only for a SUCCEEDED execution (status is {})",
                status.as_str()
            );
        }
        if (self.error.is_some() || self.cause.is_some()) && status == ExpectedStatus::Succeeded {
            bail!("{place}: 'error' and 'cause' are only for an execution that does not succeed");
        }
        Ok(())
    }

    /// Why `outcome` does not meet this expectation (empty when it does).
    fn mismatches(&self, outcome: &Outcome) -> Vec<String> {
        let mut problems = Vec::new();
        let status = self.status();
        if !status.matches(outcome.status) {
            problems.push(format!("expected {}, got {}", status.as_str(), describe(outcome)));
            return problems;
        }
        if let Some(expected) = &self.output {
            let actual = outcome.output.as_ref().unwrap_or(&Value::Null);
            if actual != expected {
                problems.push(format!("output: expected {expected}, got {actual}"));
            }
        }
        if let Some(expected) = &self.error {
            let actual = outcome.error.as_deref().unwrap_or_default();
            if actual != expected {
                problems.push(format!("error: expected {expected:?}, got {actual:?}"));
            }
        }
        if let Some(expected) = &self.cause {
            let actual = outcome.cause.as_deref().unwrap_or_default();
            if actual != expected {
                problems.push(format!("cause: expected {expected:?}, got {actual:?}"));
            }
        }
        problems
    }
}

/// The status of an outcome with its error, for the table.
fn describe(outcome: &Outcome) -> String {
    let mut text = outcome.status.as_str().to_owned();
    if let Some(error) = &outcome.error {
        let _ = write!(text, " ({error}");
        if let Some(cause) = &outcome.cause {
            let _ = write!(text, ": {}", clip(cause, 120));
        }
        text.push(')');
    }
    text
}

fn clip(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// state machine → test case → expectation.
type Expectations = BTreeMap<String, BTreeMap<String, Expectation>>;

/// `MockConfigFile.json` → `MockConfigFile.expect.json`.
fn default_expectations_path(mock_config: &Path) -> PathBuf {
    let stem = match mock_config.extension() {
        Some(ext) if ext == "json" => mock_config.with_extension(""),
        _ => mock_config.to_owned(),
    };
    let mut name = stem.into_os_string();
    name.push(".expect.json");
    PathBuf::from(name)
}

fn load_expectations(args: &TestArgs) -> Result<Expectations> {
    let (path, required) = match &args.expect {
        Some(path) => (path.clone(), true),
        None => (default_expectations_path(&args.mock_config), false),
    };
    if !required && !path.exists() {
        eprintln!(
            "switchyard: no expectations file {}: every test case is expected to succeed with input {{}}",
            path.display()
        );
        return Ok(Expectations::new());
    }
    let text = crate::read(&path)?;
    serde_json::from_str(&text).with_context(|| format!("{}: not an expectations file", path.display()))
}

/// The names of every Task state, in branches and iterators too.
fn task_states(machine: &StateMachine, names: &mut HashSet<String>) {
    for state in &machine.states {
        match &state.kind {
            StateKind::Task(_) => {
                names.insert(state.name.clone());
            }
            StateKind::Parallel(parallel) => parallel.branches.iter().for_each(|b| task_states(b, names)),
            StateKind::Map(map) => task_states(&map.processor, names),
            _ => {}
        }
    }
}

fn load_definition(path: &Path) -> Result<StateMachine> {
    asl::loader::load_text(&crate::read(path)?).map_err(|diagnostics| {
        let mut message = format!("{} is not a valid definition:", path.display());
        for d in &diagnostics {
            let _ = write!(
                message,
                "\n  {}: {} at {}: {}",
                d.severity.as_str(),
                d.code,
                d.location,
                d.message
            );
        }
        anyhow::anyhow!(message)
    })
}

/// One row of the report.
struct Row {
    machine: String,
    case: String,
    passed: bool,
    detail: String,
}

pub(crate) fn test(args: TestArgs) -> Result<ExitCode> {
    let config = crate::load_mock_config(&args.mock_config)?;
    let mut definitions = BTreeMap::new();
    for entry in &args.definitions {
        let Some((name, file)) = entry.split_once('=') else {
            bail!("--definition {entry}: expected NAME=FILE");
        };
        definitions.insert(name.to_owned(), load_definition(Path::new(file))?);
    }
    let machines: BTreeMap<&str, Vec<&str>> = config.machines().collect();
    if let Some(name) = definitions.keys().find(|n| !machines.contains_key(n.as_str())) {
        bail!("--definition {name}: the mock configuration has no state machine '{name}'");
    }
    let missing: Vec<&str> = machines
        .keys()
        .copied()
        .filter(|m| !definitions.contains_key(*m))
        .collect();
    if !missing.is_empty() {
        bail!(
            "no --definition for the mock configuration's state machines: {}",
            missing.join(", ")
        );
    }
    let expectations = load_expectations(&args)?;
    for (machine, cases) in &expectations {
        for (case, expectation) in cases {
            let place = format!("expectations {machine}.{case}");
            config
                .test_case(machine, case)
                .with_context(|| format!("{place} names a test case that is not in the mock configuration"))?;
            expectation.check(&place)?;
        }
    }

    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    let mut rows = Vec::new();
    for (machine_name, cases) in &machines {
        let machine = &definitions[*machine_name];
        let mut tasks = HashSet::new();
        task_states(machine, &mut tasks);
        for case in cases {
            let test_case = config.test_case(machine_name, case)?;
            let expectation = expectations.get(*machine_name).and_then(|c| c.get(*case));
            let row = match unknown_states(&test_case, &tasks) {
                Some(detail) => Row {
                    machine: machine_name.to_string(),
                    case: case.to_string(),
                    passed: false,
                    detail,
                },
                None => {
                    let default = Expectation::default();
                    let expectation = expectation.unwrap_or(&default);
                    let outcome = runtime.block_on(run_case(&args, machine_name, machine, &test_case, expectation));
                    let problems = expectation.mismatches(&outcome);
                    Row {
                        machine: machine_name.to_string(),
                        case: case.to_string(),
                        passed: problems.is_empty(),
                        detail: if problems.is_empty() {
                            describe(&outcome)
                        } else {
                            problems.join("; ")
                        },
                    }
                }
            };
            rows.push(row);
        }
    }
    print!("{}", table(&rows));
    let failed = rows.iter().filter(|r| !r.passed).count();
    println!("\n{} passed, {failed} failed", rows.len() - failed);
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A test case that mocks a state the definition has no Task of is most likely a typo (or
/// a renamed state): report it rather than run an execution that ignores the mock.
fn unknown_states(test_case: &TestCase, tasks: &HashSet<String>) -> Option<String> {
    let unknown: Vec<&str> = test_case.states().into_iter().filter(|s| !tasks.contains(*s)).collect();
    (!unknown.is_empty()).then(|| {
        format!(
            "mocks {}, which the definition has no Task state of",
            unknown.join(", ")
        )
    })
}

async fn run_case(
    args: &TestArgs,
    name: &str,
    machine: &StateMachine,
    test_case: &TestCase,
    expectation: &Expectation,
) -> Outcome {
    let input = expectation
        .input
        .clone()
        .unwrap_or_else(|| Value::Object(Default::default()));
    let spec = crate::execution_spec(
        name,
        &args.account,
        &args.region,
        engine::execution::ExecutionInput::from_value(input.clone()),
    );
    let options = Options {
        wait_scale: args.wait_scale,
        keep_history: false,
        seed: crate::rand_seed(),
        ..Options::default()
    };
    let hooks = Hooks {
        mocks: Some(test_case),
        ..Hooks::default()
    };
    engine::execution::run_with(
        machine,
        &spec,
        &integrations::Unconfigured,
        &SystemClock,
        &options,
        hooks,
    )
    .await
}

/// The report: one aligned row per test case.
fn table(rows: &[Row]) -> String {
    let header = ["STATE MACHINE", "TEST CASE", "RESULT", "DETAIL"];
    let width = |column: fn(&Row) -> &str, title: &str| {
        rows.iter()
            .map(|r| column(r).chars().count())
            .max()
            .unwrap_or(0)
            .max(title.len())
    };
    let machine_width = width(|r| &r.machine, header[0]);
    let case_width = width(|r| &r.case, header[1]);
    let mut out = String::new();
    let mut line = |cells: [&str; 4]| {
        let _ = writeln!(
            out,
            "{:machine_width$}  {:case_width$}  {:6}  {}",
            cells[0], cells[1], cells[2], cells[3]
        );
    };
    line(header);
    for row in rows {
        line([
            &row.machine,
            &row.case,
            if row.passed { "PASS" } else { "FAIL" },
            &row.detail,
        ]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expectations_file_sits_beside_the_mock_configuration() {
        assert_eq!(
            default_expectations_path(Path::new("tests/MockConfigFile.json")),
            Path::new("tests/MockConfigFile.expect.json")
        );
        assert_eq!(
            default_expectations_path(Path::new("mocks")),
            Path::new("mocks.expect.json")
        );
    }
}
