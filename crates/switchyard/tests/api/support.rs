//! Starts `switchyard serve` on a free port with its own data directory, waits until it
//! answers, and hands out an SDK client for it. The server is killed when dropped.

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_sfn::config::{ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_sfn::types::HistoryEvent;
use aws_sdk_sfn::Client;
use serde_json::Value;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The role every test machine is created with (Switchyard does not assume it).
pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/switchyard-tests";

/// A directory unique to this test process and call; removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new() -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("switchyard-api-tests-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `switchyard serve`.
pub(crate) struct Server {
    child: Child,
    pub(crate) port: u16,
    data_dir: PathBuf,
    wait_scale: f64,
    log: PathBuf,
    /// More command-line arguments and environment variables of `serve`, kept for restarts.
    extra: Extra,
    /// Owns the data directory when the server made it.
    _dir: Option<TempDir>,
}

impl Server {
    /// A server on a fresh data directory; Wait states wait `wait_scale` times their time.
    pub(crate) fn start(wait_scale: f64) -> Server {
        Server::start_with(wait_scale, &[])
    }

    /// A server on a fresh data directory, given more `serve` arguments.
    pub(crate) fn start_with(wait_scale: f64, args: &[&str]) -> Server {
        Server::start_extra(wait_scale, Extra::args(args))
    }

    /// A server on a fresh data directory, started with more arguments and environment
    /// variables (endpoint settings, credentials).
    pub(crate) fn start_extra(wait_scale: f64, extra: Extra) -> Server {
        let dir = TempDir::new();
        let mut server = Server::start_configured(dir.path(), wait_scale, extra);
        server._dir = Some(dir);
        server
    }

    /// A server on `data_dir` (which the caller keeps).
    pub(crate) fn start_in(data_dir: &Path, wait_scale: f64) -> Server {
        Server::start_configured(data_dir, wait_scale, Extra::default())
    }

    /// A server on `data_dir` (which the caller keeps), given more `serve` arguments.
    pub(crate) fn start_in_with(data_dir: &Path, wait_scale: f64, args: &[&str]) -> Server {
        Server::start_configured(data_dir, wait_scale, Extra::args(args))
    }

    fn start_configured(data_dir: &Path, wait_scale: f64, extra: Extra) -> Server {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let log = std::env::temp_dir().join(format!("switchyard-api-tests-{}-{n}.log", std::process::id()));
        let port = free_port();
        let mut server = Server {
            child: spawn(data_dir, port, wait_scale, &log, &extra),
            port,
            data_dir: data_dir.to_owned(),
            wait_scale,
            log,
            extra,
            _dir: None,
        };
        server.wait_until_listening();
        server
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], self.port))).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("switchyard serve exited with {status}: {}", self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "switchyard serve did not listen: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(crate) fn client(&self) -> Client {
        let config = aws_sdk_sfn::Config::builder()
            .endpoint_url(self.endpoint())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .interceptor(NoHostPrefix)
            .behavior_version_latest()
            .build();
        Client::from_conf(config)
    }

    /// What the server wrote to stderr so far.
    pub(crate) fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The most memory the server process has held so far (`VmHWM`), in bytes (Linux).
    pub(crate) fn peak_rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// `kill -9` the server and wait for it to be gone.
    pub(crate) fn kill(&mut self) {
        self.child.kill().expect("kill switchyard serve");
        self.child.wait().expect("reap switchyard serve");
    }

    /// Start the server again on the same data directory (and a new port).
    pub(crate) fn restart(&mut self) {
        self.port = free_port();
        self.child = spawn(&self.data_dir, self.port, self.wait_scale, &self.log, &self.extra);
        self.wait_until_listening();
    }
}

/// StartSyncExecution (and TestState) are sent to `sync-<host>`, as AWS's endpoints want;
/// `sync-127.0.0.1` does not resolve, so the prefix comes off again before sending (the SDK
/// for Rust has no switch for it, unlike boto3's `inject_host_prefix`).
#[derive(Debug)]
struct NoHostPrefix;

impl Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let request = context.request_mut();
        let uri = request.uri().replacen("://sync-", "://", 1);
        request.set_uri(uri)?;
        Ok(())
    }
}

impl Extra {
    fn args(args: &[&str]) -> Extra {
        Extra {
            args: args.iter().map(|a| a.to_string()).collect(),
            env: Vec::new(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// What a test adds to `switchyard serve`'s command line and environment.
#[derive(Clone, Debug, Default)]
pub(crate) struct Extra {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
}

fn spawn(data_dir: &Path, port: u16, wait_scale: f64, log: &Path, extra: &Extra) -> Child {
    let log = File::options()
        .create(true)
        .append(true)
        .open(log)
        .expect("open server log");
    Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .arg("serve")
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg("--data-dir")
        .arg(data_dir)
        .args(["--wait-scale", &wait_scale.to_string()])
        .args(&extra.args)
        .env_remove("SFN_MOCK_CONFIG")
        .env_remove("SWITCHYARD_ACCOUNT")
        .env_remove("SWITCHYARD_CONNECTIONS")
        .env_remove("SWITCHYARD_REGION")
        .envs(extra.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start switchyard serve")
}

/// A port nobody listens on right now (the OS picks it; the server binds it just after).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// A unique name for a resource of one test.
pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The AWS error code of a failed SDK call (`StateMachineDoesNotExist`, ...).
pub(crate) fn code<E, R>(result: Result<impl std::fmt::Debug, aws_sdk_sfn::error::SdkError<E, R>>) -> String
where
    E: aws_sdk_sfn::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(error) => error
            .as_service_error()
            .and_then(|e| e.code())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("not a service error: {error:?}")),
    }
}

/// Create a Standard state machine from a JSON definition; returns its ARN.
pub(crate) async fn create_machine(client: &Client, name: &str, definition: &Value) -> String {
    client
        .create_state_machine()
        .name(name)
        .definition(definition.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .expect("create state machine")
        .state_machine_arn
}

/// Start an execution; returns its ARN.
pub(crate) async fn start(client: &Client, machine: &str, input: &Value) -> String {
    client
        .start_execution()
        .state_machine_arn(machine)
        .input(input.to_string())
        .send()
        .await
        .expect("start execution")
        .execution_arn
}

/// Poll DescribeExecution until the execution is no longer RUNNING (at most `limit`).
pub(crate) async fn wait_done(
    client: &Client,
    execution: &str,
    limit: Duration,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let deadline = Instant::now() + limit;
    loop {
        let out = client
            .describe_execution()
            .execution_arn(execution)
            .send()
            .await
            .expect("describe execution");
        if out.status.as_str() != "RUNNING" {
            return out;
        }
        assert!(Instant::now() < deadline, "{execution} still RUNNING after {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Poll the history until an event of `event_type` is in it (at most 10 seconds).
pub(crate) async fn wait_for_event(client: &Client, execution: &str, event_type: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let kinds = types(&history(client, execution, false, 1000).await);
        if kinds.iter().any(|t| t == event_type) {
            return;
        }
        assert!(Instant::now() < deadline, "no {event_type} in {execution}: {kinds:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The whole history of an execution, page by page (`page` events a call).
pub(crate) async fn history(client: &Client, execution: &str, reverse: bool, page: i32) -> Vec<HistoryEvent> {
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .get_execution_history()
            .execution_arn(execution)
            .reverse_order(reverse)
            .max_results(page)
            .set_next_token(token)
            .send()
            .await
            .expect("get execution history");
        assert!(
            out.events.len() <= page as usize,
            "a page holds at most maxResults events"
        );
        events.extend(out.events);
        token = out.next_token;
        if token.is_none() {
            return events;
        }
    }
}

/// The type of every event, in order (`ExecutionStarted`, `PassStateEntered`, ...).
pub(crate) fn types(events: &[HistoryEvent]) -> Vec<String> {
    events.iter().map(|e| e.r#type.as_str().to_owned()).collect()
}

/// Ids are 1, 2, 3, ... in order, with no gap or repeat.
pub(crate) fn assert_consecutive(events: &[HistoryEvent]) {
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    let expected: Vec<i64> = (1..=events.len() as i64).collect();
    assert_eq!(ids, expected, "event ids: {:?}", types(events));
}

/// Parse a JSON document the API returned.
pub(crate) fn json(text: Option<&str>) -> Value {
    serde_json::from_str(text.expect("a JSON document")).expect("valid JSON")
}
