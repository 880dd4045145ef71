//! The `switchyard` command: serve the Step Functions API, run and validate state machines.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use serde_json::{json, Value};

mod access;
mod bench;
mod endpoints;
mod limits;
mod serve;
mod test_cases;
mod validate;

#[derive(Parser)]
#[command(name = "switchyard", version, about = "AWS Step Functions on your own machine")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the AWS Step Functions API (AWS JSON 1.0) with durable executions.
    Serve(serve::ServeArgs),
    /// Measure the server: durable Standard and Express executions per second, latency,
    /// CPU per execution, start and restart times, the peak RSS of an inline Map; with
    /// --workloads, the shared sfn-bench workloads.
    Bench(bench::BenchArgs),
    /// Run one execution of a state machine and print its result as JSON.
    Run(RunArgs),
    /// Run every test case of a mock configuration file and check its expectations.
    Test(test_cases::TestArgs),
    /// Check a definition as AWS's ValidateStateMachineDefinition does.
    Validate {
        /// The definition (JSON or YAML).
        file: PathBuf,
    },
}

#[derive(Args)]
struct RunArgs {
    /// The definition (JSON or YAML).
    file: PathBuf,
    /// The execution input, as JSON text.
    #[arg(long, conflicts_with = "input_file")]
    input: Option<String>,
    /// Read the execution input from a file.
    #[arg(long)]
    input_file: Option<PathBuf>,
    /// A Step Functions Local mock configuration file.
    #[arg(long, requires = "test_case")]
    mock_config: Option<PathBuf>,
    /// The test case of the mock configuration to use.
    #[arg(long, requires = "mock_config")]
    test_case: Option<String>,
    /// EventBridge connections for HTTP Tasks: a JSON file keyed by connection ARN (see
    /// the README). Ignored for tasks answered by --mock-config.
    #[arg(long, env = "SWITCHYARD_CONNECTIONS")]
    connections: Option<PathBuf>,
    /// Include the execution history in the output.
    #[arg(long)]
    history: bool,
    /// Multiply Wait and retry delays by this factor (0 = do not wait).
    #[arg(long, default_value_t = 1.0)]
    wait_scale: f64,
    /// The state machine's name (default: the file's stem).
    #[arg(long)]
    name: Option<String>,
    /// The AWS account id used in ARNs.
    #[arg(long, env = "SWITCHYARD_ACCOUNT", default_value = "123456789012")]
    account: String,
    /// The AWS region used in ARNs.
    #[arg(long, env = "SWITCHYARD_REGION", default_value = "us-east-1")]
    region: String,
    #[command(flatten)]
    endpoints: endpoints::EndpointArgs,
    #[command(flatten)]
    variable_limits: limits::VariableLimitArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::serve(args),
        Command::Bench(args) => bench::bench(args),
        Command::Run(args) => run(args),
        Command::Test(args) => test_cases::test(args),
        Command::Validate { file } => validate::validate(&file),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("switchyard: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Read and check a Step Functions Local mock configuration file.
fn load_mock_config(path: &Path) -> Result<integrations::mock::MockConfig> {
    integrations::mock::MockConfig::parse(&read(path)?).with_context(|| format!("{}", path.display()))
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let text = read(&args.file)?;
    let machine = match asl::loader::load_text(&text) {
        Ok(m) => m,
        Err(diagnostics) => {
            for d in &diagnostics {
                eprintln!("{}: {} at {}: {}", d.severity.as_str(), d.code, d.location, d.message);
            }
            return Ok(ExitCode::from(2));
        }
    };
    let input_text = match (&args.input, &args.input_file) {
        (Some(i), _) => i.clone(),
        (None, Some(f)) => read(f)?,
        (None, None) => "{}".to_owned(),
    };
    let input = match engine::execution::ExecutionInput::parse(input_text) {
        Ok(input) => input,
        Err(e) => bail!("the input is not valid JSON: {e}"),
    };
    let name = match &args.name {
        Some(n) => n.clone(),
        None => args
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "StateMachine".into()),
    };
    let spec = execution_spec(&name, &args.account, &args.region, input);
    let options = engine::execution::Options {
        wait_scale: args.wait_scale,
        keep_history: args.history,
        seed: rand_seed(),
        variable_limits: args.variable_limits.limits(),
        ..engine::execution::Options::default()
    };
    let test_case = match (&args.mock_config, &args.test_case) {
        (Some(path), Some(case)) => Some(load_mock_config(path)?.test_case(&name, case)?),
        _ => None,
    };
    // Task states the test case does not mock go to their integration, as in Step Functions
    // Local: HTTP Tasks and AWS services call out, other resources fail naming themselves.
    let tasks = task_integrations(args.connections.as_deref(), &args.endpoints, &args.region)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let outcome = runtime.block_on(engine::execution::run_with(
        &machine,
        &spec,
        &tasks,
        &engine::execution::SystemClock,
        &options,
        engine::execution::Hooks {
            mocks: test_case.as_deref(),
            ..Default::default()
        },
    ));

    let mut result = serde_json::Map::new();
    result.insert("status".into(), outcome.status.as_str().into());
    result.insert("executionArn".into(), spec.execution_arn.clone().into());
    if let Some(output) = &outcome.output {
        result.insert("output".into(), output.clone());
    }
    if let Some(error) = &outcome.error {
        result.insert("error".into(), error.clone().into());
    }
    if let Some(cause) = &outcome.cause {
        result.insert("cause".into(), cause.clone().into());
    }
    if args.history {
        let events: Vec<Value> = outcome
            .history
            .iter()
            .map(|e| e.to_json(|ms| json!(ms as f64 / 1000.0)))
            .collect();
        result.insert("history".into(), Value::Array(events));
    }
    println!("{}", Value::Object(result));
    Ok(if outcome.status == engine::execution::Status::Succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The identity of a one-off execution of the state machine `name`, with a fresh name.
fn execution_spec(
    name: &str,
    account: &str,
    region: &str,
    input: engine::execution::ExecutionInput,
) -> engine::execution::ExecutionSpec {
    let execution_name = uuid::Uuid::new_v4().to_string();
    let prefix = format!("arn:aws:states:{region}:{account}");
    engine::execution::ExecutionSpec {
        execution_arn: format!("{prefix}:execution:{name}:{execution_name}"),
        execution_name,
        state_machine_arn: format!("{prefix}:stateMachine:{name}"),
        state_machine_name: name.to_owned(),
        role_arn: format!("arn:aws:iam::{account}:role/switchyard"),
        region: region.to_owned(),
        account: account.to_owned(),
        input,
    }
}

/// The integrations Task states reach when no mock answers them: HTTP Tasks with the
/// connections of `connections` (none when no file is given, so an HTTP Task fails naming
/// its connection), AWS services at their endpoints, and other resources failing with
/// their name. They share one HTTP client: one connection pool, and the system's
/// certificates loaded once.
pub(crate) fn task_integrations(
    connections: Option<&Path>,
    endpoints: &endpoints::EndpointArgs,
    region: &str,
) -> Result<integrations::Router> {
    let connections = match connections {
        Some(path) => integrations::connections::Connections::load(path)?,
        None => integrations::connections::Connections::default(),
    };
    let http = integrations::http::HttpClient::new();
    let http_task = integrations::http_task::HttpTask::new(http.clone(), std::sync::Arc::new(connections), region);
    let router = integrations::Router::new(std::sync::Arc::new(integrations::Unconfigured))
        .route(integrations::http_task::RESOURCE, std::sync::Arc::new(http_task));
    Ok(endpoints.route_aws(router, region, http))
}

/// A seed for the run's randomness (`States.UUID`, `States.MathRandom`, jitter).
fn rand_seed() -> u64 {
    let (a, b) = uuid::Uuid::new_v4().as_u64_pair();
    a ^ b
}
