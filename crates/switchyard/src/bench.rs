//! `switchyard bench`: a load generator for the API server.
//!
//! It starts `switchyard serve` (this same binary) on a free port with a fresh data
//! directory, and drives it over keep-alive HTTP/1.1 connections, one request at a time per
//! connection, many connections at once. It prints:
//! - server start to first answered request;
//! - Standard executions (durable) of a 5-state machine: executions/s from the first start
//!   to the last stop, and p50/p99 start-to-finish latency (the executions' own start and
//!   stop dates);
//! - Express executions through StartSyncExecution: executions/s and p50/p99 request time;
//! - server CPU seconds per 1,000 executions of each kind (from `/proc/<pid>/stat`);
//! - a restart with 100,000 stored executions: time to the first answered request.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use store::Store;

#[derive(Args)]
pub(crate) struct BenchArgs {
    /// Executions per workload.
    #[arg(long, default_value_t = 10_000)]
    executions: usize,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Stored executions for the restart measurement (0 to skip it).
    #[arg(long, default_value_t = 100_000)]
    stored: usize,
    /// Run the server with `--in-memory` (no restart measurement).
    #[arg(long)]
    in_memory: bool,
}

/// Five states: what a small real workflow does between its tasks.
const FIVE_STATES: &str = r#"{"StartAt": "A", "States": {
  "A": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.a", "Next": "B"},
  "B": {"Type": "Pass", "Parameters": {"n.$": "$.a.n", "item.$": "$.item"}, "Next": "C"},
  "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "D"}], "Default": "E"},
  "D": {"Type": "Pass", "Result": "done", "ResultPath": "$.result", "Next": "E"},
  "E": {"Type": "Succeed"}}}"#;

/// One keep-alive connection to the server.
struct Connection {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
}

impl Connection {
    async fn open(address: SocketAddr) -> Result<Connection> {
        let stream = tokio::net::TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(Connection { sender })
    }

    async fn call(&mut self, operation: &str, body: &Value) -> Result<Value> {
        let request = hyper::Request::post("/")
            .header("host", "localhost")
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("AWSStepFunctions.{operation}"))
            .body(Full::new(Bytes::from(body.to_string())))?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{operation} failed ({status}): {value}");
        }
        Ok(value)
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn start_server(data_dir: Option<&Path>, port: u16) -> Result<Child> {
    let exe = std::env::current_exe()?;
    let mut command = Command::new(exe);
    command.args(["serve", "--port", &port.to_string()]);
    match data_dir {
        Some(dir) => command.arg("--data-dir").arg(dir),
        None => command.arg("--in-memory"),
    };
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start the server")
}

/// Time from now until the server answers a request.
async fn until_answered(address: SocketAddr) -> Result<Duration> {
    let started = Instant::now();
    loop {
        if let Ok(mut c) = Connection::open(address).await {
            if c.call("ListStateMachines", &json!({})).await.is_ok() {
                return Ok(started.elapsed());
            }
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("the server did not answer within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// CPU seconds (user + system) the process has used so far.
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, r)| r)
        .split_whitespace()
        .collect();
    let ticks: f64 = fields
        .get(11..13)
        .map_or(0.0, |f| f.iter().filter_map(|t| t.parse::<f64>().ok()).sum());
    ticks / 100.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Run `total` calls over `connections` connections; returns each call's result.
async fn fan_out<F>(address: SocketAddr, total: usize, connections: usize, body: F) -> Result<Vec<(Value, f64)>>
where
    F: Fn(usize) -> (&'static str, Value) + Send + Sync + 'static,
{
    let body = Arc::new(body);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..connections.max(1) {
        let (body, next) = (body.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut connection = Connection::open(address).await?;
            let mut results = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    return Ok::<_, anyhow::Error>(results);
                }
                let (operation, request) = body(i);
                let started = Instant::now();
                let value = connection.call(operation, &request).await?;
                results.push((value, started.elapsed().as_secs_f64() * 1000.0));
            }
        }));
    }
    let mut all = Vec::with_capacity(total);
    for worker in workers {
        all.extend(worker.await??);
    }
    Ok(all)
}

async fn create_machine(address: SocketAddr, name: &str, kind: &str) -> Result<String> {
    let mut c = Connection::open(address).await?;
    let created = c
        .call(
            "CreateStateMachine",
            &json!({"name": name, "definition": FIVE_STATES, "roleArn": "arn:aws:iam::123456789012:role/bench", "type": kind}),
        )
        .await?;
    Ok(created["stateMachineArn"].as_str().unwrap_or_default().to_owned())
}

async fn standard(address: SocketAddr, pid: u32, args: &BenchArgs) -> Result<()> {
    let machine = create_machine(address, "bench-standard", "STANDARD").await?;
    let cpu_before = cpu_seconds(pid);
    let m = machine.clone();
    let started = fan_out(address, args.executions, args.connections, move |i| {
        (
            "StartExecution",
            json!({"stateMachineArn": m, "input": format!("{{\"item\": {i}}}")}),
        )
    })
    .await?;
    // Wait for the last execution to end.
    let mut c = Connection::open(address).await?;
    loop {
        let running = c
            .call(
                "ListExecutions",
                &json!({"stateMachineArn": machine, "statusFilter": "RUNNING", "maxResults": 1}),
            )
            .await?;
        if running["executions"].as_array().is_none_or(Vec::is_empty) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let cpu = cpu_seconds(pid) - cpu_before;
    let arns: Vec<String> = started
        .iter()
        .map(|(v, _)| v["executionArn"].as_str().unwrap_or_default().to_owned())
        .collect();
    let arns = Arc::new(arns);
    let described = {
        let arns = arns.clone();
        fan_out(address, arns.len(), args.connections, move |i| {
            ("DescribeExecution", json!({"executionArn": arns[i]}))
        })
        .await?
    };
    let (mut first, mut last) = (f64::MAX, f64::MIN);
    let mut latencies = Vec::new();
    let mut succeeded = 0;
    for (d, _) in &described {
        let (start, stop) = (
            d["startDate"].as_f64().unwrap_or(0.0),
            d["stopDate"].as_f64().unwrap_or(0.0),
        );
        first = first.min(start);
        last = last.max(stop);
        latencies.push((stop - start) * 1000.0);
        succeeded += usize::from(d["status"] == "SUCCEEDED");
    }
    latencies.sort_by(f64::total_cmp);
    let n = described.len();
    println!(
        "standard (durable, 5 states): {n} executions ({succeeded} succeeded), {:.0} executions/s, latency p50 {:.1} ms p99 {:.1} ms, server CPU {:.3} s per 1,000",
        n as f64 / (last - first).max(1e-3),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        cpu / n as f64 * 1000.0
    );
    Ok(())
}

async fn express(address: SocketAddr, pid: u32, args: &BenchArgs) -> Result<()> {
    let machine = create_machine(address, "bench-express", "EXPRESS").await?;
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    let results = fan_out(address, args.executions, args.connections, move |i| {
        (
            "StartSyncExecution",
            json!({"stateMachineArn": machine, "input": format!("{{\"item\": {i}}}")}),
        )
    })
    .await?;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu_before;
    let succeeded = results.iter().filter(|(v, _)| v["status"] == "SUCCEEDED").count();
    let mut latencies: Vec<f64> = results.iter().map(|(_, ms)| *ms).collect();
    latencies.sort_by(f64::total_cmp);
    let n = results.len();
    println!(
        "express (StartSyncExecution, 5 states): {n} executions ({succeeded} succeeded), {:.0} executions/s, latency p50 {:.2} ms p99 {:.2} ms, server CPU {:.3} s per 1,000",
        n as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        cpu / n as f64 * 1000.0
    );
    Ok(())
}

/// Fill the store with finished executions (as a long-lived server would have), directly.
fn store_executions(data_dir: &Path, count: usize) -> Result<()> {
    let store = store::sqlite::Sqlite::open(&data_dir.join("switchyard.db"))?;
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:bench-stored";
    for chunk in (0..count).collect::<Vec<_>>().chunks(10_000) {
        let writes = chunk
            .iter()
            .map(|i| {
                let record = engine::service::ExecutionRecord {
                    execution_arn: format!("arn:aws:states:us-east-1:123456789012:execution:bench-stored:{i}"),
                    state_machine_arn: machine.into(),
                    state_machine_name: "bench-stored".into(),
                    name: i.to_string(),
                    status: store::ExecutionStatus::Succeeded,
                    start_ms: *i as i64,
                    stop_ms: Some(*i as i64 + 1),
                    input: "{}".into(),
                    output: Some("{}".into()),
                    error: None,
                    cause: None,
                    version_arn: None,
                    alias_arn: None,
                    role_arn: "arn:aws:iam::123456789012:role/bench".into(),
                    definition_hash: String::new(),
                    express: false,
                    redrive_count: 0,
                    redrive_ms: None,
                    trace_header: None,
                    redrive_point: None,
                    test_case: None,
                    started_by: None,
                };
                store::Write::PutExecution(record.row())
            })
            .collect();
        runtime.block_on(store.commit(writes))?;
    }
    Ok(())
}

pub(crate) fn bench(args: BenchArgs) -> Result<ExitCode> {
    let data_dir: PathBuf = std::env::temp_dir().join(format!("switchyard-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let port = free_port()?;
    let address: SocketAddr = ([127, 0, 0, 1], port).into();
    let spawned = Instant::now();
    let mut server = start_server((!args.in_memory).then_some(data_dir.as_path()), port)?;
    let result = runtime.block_on(async {
        until_answered(address).await?;
        println!(
            "server start to first answered request: {:.1} ms",
            spawned.elapsed().as_secs_f64() * 1000.0
        );
        standard(address, server.id(), &args).await?;
        express(address, server.id(), &args).await
    });
    let _ = server.kill();
    let _ = server.wait();
    result?;
    if args.stored > 0 && !args.in_memory {
        store_executions(&data_dir, args.stored.saturating_sub(args.executions))?;
        let port = free_port()?;
        let address: SocketAddr = ([127, 0, 0, 1], port).into();
        let spawned = Instant::now();
        let mut server = start_server(Some(&data_dir), port)?;
        let answered = runtime.block_on(until_answered(address));
        let elapsed = spawned.elapsed();
        let _ = server.kill();
        let _ = server.wait();
        answered?;
        println!(
            "restart with {} stored executions to first answered request: {:.1} ms",
            args.stored.max(args.executions),
            elapsed.as_secs_f64() * 1000.0
        );
    }
    let _ = std::fs::remove_dir_all(&data_dir);
    Ok(ExitCode::SUCCESS)
}
