//! `switchyard bench`: a load generator for the API server.
//!
//! By default it starts `switchyard serve` (this same binary) on a free port with a fresh
//! data directory, and drives it over keep-alive HTTP/1.1 connections, one request at a time
//! per connection, many connections at once. It prints:
//! - server start to first answered request;
//! - Standard executions (durable) of a 5-state machine: executions/s from the first start
//!   to the last stop, and p50/p99 start-to-finish latency (the executions' own start and
//!   stop dates);
//! - Express executions through StartSyncExecution: executions/s and p50/p99 request time;
//! - server CPU seconds per 1,000 executions of each kind (from `/proc/<pid>/stat`);
//! - the peak RSS (`VmHWM`) of a fresh server running an inline Map of 10,000 items × 3
//!   states as Standard executions through the API, after the first run and after three;
//! - a restart with 100,000 stored executions: time to the first answered request.
//!
//! With `--workloads DIR` it also runs the six workloads of the shared `sfn-bench` harness
//! (`harness`, `workloads`) and prints `bench.py`'s metrics. With `--endpoint` it measures a
//! server that is already running instead.

mod client;
mod harness;
mod workloads;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use serde_json::{json, Value};
use store::Store;

use client::{cpu_seconds, percentile, Connection, Server};

#[derive(Args)]
pub(crate) struct BenchArgs {
    /// Executions per workload of the Standard and Express figures (0 skips them).
    #[arg(long, default_value_t = 10_000)]
    executions: usize,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Stored executions for the restart measurement (0 to skip it).
    #[arg(long, default_value_t = 100_000)]
    stored: usize,
    /// Run the servers with `--in-memory` (no restart measurement).
    #[arg(long)]
    in_memory: bool,
    /// Items of the inline Map whose server peak RSS is measured (0 skips it).
    #[arg(long, default_value_t = 10_000)]
    map_items: usize,
    /// Runs of the inline Map, one after another on the same server.
    #[arg(long, default_value_t = 3)]
    map_runs: usize,
    /// Also run the shared sfn-bench workloads whose definitions are in this folder
    /// (`w1_pass_chain.asl.json` … `w6_express_sync.asl.json`, e.g.
    /// `../shared/bench/workloads`), with bench.py's inputs, checks and metrics.
    #[arg(long, value_name = "DIR")]
    workloads: Option<PathBuf>,
    /// Which workloads: keys or names, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "w1,w2,w3,w4,w5,w6")]
    only: Vec<String>,
    /// Runs per workload (the median is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Scale the execution counts of w2/w4/w5/w6 and the item count of w3.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Per-run time limit, in seconds.
    #[arg(long, default_value_t = 600.0)]
    timeout: f64,
    /// Give up a run when no execution finished for this many seconds (0 = never).
    #[arg(long, default_value_t = 300.0)]
    stall_timeout: f64,
    /// DescribeExecution poll interval in ms (default 5 for one execution, 20 otherwise).
    #[arg(long)]
    poll_ms: Option<f64>,
    /// w3 as a STANDARD execution, or as an EXPRESS machine through StartSyncExecution.
    #[arg(long, value_enum, default_value_t = W3Mode::Standard)]
    w3_mode: W3Mode,
    /// Measure the server already running at this loopback URL (e.g. http://127.0.0.1:8083)
    /// instead of starting one; the restart measurement is then skipped.
    #[arg(long)]
    endpoint: Option<String>,
    /// The PID of the server at --endpoint, to read its CPU time and peak RSS.
    #[arg(long, requires = "endpoint")]
    server_pid: Option<u32>,
    /// The target's label in the workload results.
    #[arg(long, default_value = "switchyard")]
    name: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum W3Mode {
    Standard,
    ExpressSync,
}

/// Five states: what a small real workflow does between its tasks.
const FIVE_STATES: &str = r#"{"StartAt": "A", "States": {
  "A": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.a", "Next": "B"},
  "B": {"Type": "Pass", "Parameters": {"n.$": "$.a.n", "item.$": "$.item"}, "Next": "C"},
  "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "D"}], "Default": "E"},
  "D": {"Type": "Pass", "Result": "done", "ResultPath": "$.result", "Next": "E"},
  "E": {"Type": "Succeed"}}}"#;

/// The inline Map of `cargo bench -p engine`: a 3-state iterator (Pass with
/// `States.Format`, Choice, Pass) over every item, all at once.
const INLINE_MAP: &str = r#"{"StartAt": "Map", "States": {"Map": {
  "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "End": true,
  "ItemProcessor": {"StartAt": "Format", "States": {
    "Format": {"Type": "Pass", "Parameters": {"n.$": "$.n", "s.$": "States.Format('item-{}', $.n)"}, "Next": "Check"},
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": 5000, "Next": "Big"}], "Default": "Small"},
    "Small": {"Type": "Pass", "Parameters": {"v.$": "States.Format('small-{}', $.s)"}, "OutputPath": "$.v", "End": true},
    "Big": {"Type": "Pass", "Parameters": {"v.$": "States.Format('big-{}', $.s)"}, "OutputPath": "$.v", "End": true}}}}}}"#;

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
    create_machine_of(address, name, kind, FIVE_STATES).await
}

async fn create_machine_of(address: SocketAddr, name: &str, kind: &str, definition: &str) -> Result<String> {
    let mut c = Connection::open(address).await?;
    let name = format!("{name}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let created = c
        .call(
            "CreateStateMachine",
            &json!({"name": name, "definition": definition, "roleArn": "arn:aws:iam::123456789012:role/bench", "type": kind}),
        )
        .await?;
    Ok(created["stateMachineArn"].as_str().unwrap_or_default().to_owned())
}

async fn standard(address: SocketAddr, pid: Option<u32>, args: &BenchArgs) -> Result<()> {
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

async fn express(address: SocketAddr, pid: Option<u32>, args: &BenchArgs) -> Result<()> {
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

/// The inline Map of `items` items × 3 states as Standard executions through the API, `runs`
/// times one after another on a server that ran nothing else: the first run's duration and
/// the server's peak RSS after the first run and after all of them (memory a run leaves
/// behind, such as SQLite's page cache, raises the later peaks).
async fn map_rss(server: &Server, items: usize, runs: usize) -> Result<()> {
    let address = server.address();
    let pid = server.pid();
    client::reset_peak_rss(pid);
    let before = client::rss_mb(pid);
    let machine = create_machine_of(address, "bench-map", "STANDARD", INLINE_MAP).await?;
    let input = json!({ "items": (0..items).map(|n| json!({ "n": n })).collect::<Vec<_>>() }).to_string();
    let mut c = Connection::open(address).await?;
    let mut first = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let execution = c
            .call("StartExecution", &json!({"stateMachineArn": machine, "input": input}))
            .await?;
        let arn = execution["executionArn"].as_str().unwrap_or_default().to_owned();
        let described = loop {
            let d = c.call("DescribeExecution", &json!({ "executionArn": arn })).await?;
            if d["status"] != "RUNNING" {
                break d;
            }
            if started.elapsed() > Duration::from_secs(600) {
                bail!("the inline Map did not finish within 600 s");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        let seen = started.elapsed();
        check_map_output(&described, items)?;
        let server_s =
            described["stopDate"].as_f64().unwrap_or(f64::NAN) - described["startDate"].as_f64().unwrap_or(f64::NAN);
        first.get_or_insert((seen, server_s, client::peak_rss_mb(pid)));
    }
    let Some((seen, server_s, first_peak)) = first else {
        return Ok(());
    };
    let mb = |v: Option<f64>| v.map_or("unknown (no --server-pid)".to_owned(), |v| format!("{v:.1} MB"));
    println!(
        "inline Map ({items} items x 3 states, Standard, through the API): start to seen finished {:.3} s (server {:.3} s), server peak RSS {} after the first run, {} after {} runs (VmHWM; {} before)",
        seen.as_secs_f64(),
        server_s,
        mb(first_peak),
        mb(client::peak_rss_mb(pid)),
        runs.max(1),
        mb(before)
    );
    Ok(())
}

/// The Map SUCCEEDED with every item's string, in order.
fn check_map_output(described: &Value, items: usize) -> Result<()> {
    let output: Value = serde_json::from_str(described["output"].as_str().unwrap_or("null")).unwrap_or_default();
    let expected = |n: usize| format!("{}-item-{n}", if n >= 5000 { "big" } else { "small" });
    let right = output
        .as_array()
        .is_some_and(|o| o.len() == items && o.iter().enumerate().all(|(n, v)| *v == expected(n)));
    if described["status"] != "SUCCEEDED" || !right {
        bail!(
            "the inline Map ended {} with an unexpected output: {}",
            described["status"],
            described["output"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect::<String>()
        );
    }
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
    let scratch: PathBuf = std::env::temp_dir().join(format!("switchyard-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let result = runtime.block_on(measure(&args, &scratch));
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

async fn measure(args: &BenchArgs, scratch: &Path) -> Result<ExitCode> {
    let external = match &args.endpoint {
        Some(endpoint) => Some((client::endpoint_address(endpoint)?, args.server_pid)),
        None => None,
    };
    let server_for = |dir: &str| {
        let dir = scratch.join(dir);
        async move {
            match external {
                Some((address, pid)) => Ok(Server::External { address, pid }),
                None => Server::spawn(dir, args.in_memory).await,
            }
        }
    };
    if args.executions > 0 {
        let server = server_for("figures").await?;
        if let Some(startup) = server.startup() {
            println!(
                "server start to first answered request: {:.1} ms",
                startup.as_secs_f64() * 1000.0
            );
        }
        standard(server.address(), server.pid(), args).await?;
        express(server.address(), server.pid(), args).await?;
        if args.stored > 0 && !args.in_memory {
            if let Some(data_dir) = server.stop_keeping_data() {
                restart(args, data_dir).await?;
            }
        }
    } else if args.stored > 0 && external.is_none() && !args.in_memory {
        restart(args, scratch.join("figures")).await?;
    }
    if args.map_items > 0 {
        let server = server_for("map").await?;
        map_rss(&server, args.map_items, args.map_runs).await?;
    }
    let Some(folder) = &args.workloads else {
        return Ok(ExitCode::SUCCESS);
    };
    let mut selected = Vec::new();
    let all = workloads::all();
    for key in &args.only {
        let key = key.trim();
        match all.iter().find(|w| w.key == key || w.name == key) {
            Some(w) => selected.push(w.clone()),
            None => bail!("unknown workload {key:?} (w1 … w6 or their names)"),
        }
    }
    if let W3Mode::ExpressSync = args.w3_mode {
        for w in selected.iter_mut().filter(|w| w.key == "w3") {
            w.machine_type = "EXPRESS";
            w.sync = true;
            w.name = "inline-map-express";
        }
    }
    let options = harness::Options {
        folder: folder.clone(),
        target: args.name.clone(),
        runs: args.runs.max(1),
        scale: args.scale,
        timeout: Duration::from_secs_f64(args.timeout.max(0.0)),
        stall_timeout: (args.stall_timeout > 0.0).then(|| Duration::from_secs_f64(args.stall_timeout)),
        poll: args.poll_ms.map(|ms| Duration::from_secs_f64(ms.max(0.0) / 1000.0)),
        endpoint: external,
        scratch: scratch.join("workloads"),
    };
    let all_ok = harness::run_all(&options, &selected).await?;
    Ok(if all_ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Fill `data_dir` up to `--stored` executions and time a server's start on it.
async fn restart(args: &BenchArgs, data_dir: PathBuf) -> Result<()> {
    std::fs::create_dir_all(&data_dir)?;
    let dir = data_dir.clone();
    let count = args.stored.saturating_sub(args.executions);
    tokio::task::spawn_blocking(move || store_executions(&dir, count))
        .await
        .context("storing executions")??;
    let server = Server::spawn(data_dir, false).await?;
    println!(
        "restart with {} stored executions to first answered request: {:.1} ms",
        args.stored.max(args.executions),
        server.startup().unwrap_or_default().as_secs_f64() * 1000.0
    );
    Ok(())
}
