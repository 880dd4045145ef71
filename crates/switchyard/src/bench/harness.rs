//! Runs the shared `sfn-bench` workloads against a server with a Rust client, checks every
//! execution's answer and reports `bench.py`'s metrics under its names and units, so the
//! figures can be set beside those of the Python harness and of in-process interpreters.
//!
//! It follows `bench.py`'s `run_api`, `verify_and_measure` and `summarize`: per run a new
//! state machine; `clients` connections, each starting its share of the executions and then
//! polling DescribeExecution (or calling StartSyncExecution one after another); a run with
//! one wrong answer is FAILED and gets no figures; the median of the runs is reported. The
//! differences: the client is compiled code on a tokio thread (not boto3 threads), its
//! connections are open before the clock starts, and peak RSS is the kernel's exact
//! `VmHWM` (reset before each run) instead of a 50 ms sample.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use serde_json::{json, Map, Value};

use super::client::{self, epoch_seconds, Connection, Server};
use super::workloads::Workload;

const ROLE: &str = "arn:aws:iam::000000000000:role/sfn-bench";

/// The figures of a run, in `bench.py`'s summary, in its order.
const HEADLINE: [&str; 10] = [
    "wall_s",
    "exec_per_s",
    "transitions_per_s",
    "lat_p50_ms",
    "lat_p99_ms",
    "makespan_s",
    "server_duration_s",
    "rss_peak_mb",
    "startup_s",
    "aux_startup_s",
];

/// How the workloads are run (`bench.py`'s options of the same names).
pub(crate) struct Options {
    /// The folder of `w1_pass_chain.asl.json` … `w6_express_sync.asl.json`.
    pub(crate) folder: PathBuf,
    /// The label of the target in the output.
    pub(crate) target: String,
    pub(crate) runs: usize,
    pub(crate) scale: f64,
    pub(crate) timeout: Duration,
    /// Give up a run when no execution finished for this long (`None`: never).
    pub(crate) stall_timeout: Option<Duration>,
    /// DescribeExecution poll interval; by default 5 ms for one execution, 20 ms otherwise.
    pub(crate) poll: Option<Duration>,
    /// A server that is already running, with its PID if known; otherwise each workload
    /// gets a fresh `switchyard serve`.
    pub(crate) endpoint: Option<(SocketAddr, Option<u32>)>,
    /// A directory under which spawned servers keep their data.
    pub(crate) scratch: PathBuf,
}

/// What one execution ended as, seen by the client.
struct Record {
    status: String,
    output: Option<String>,
    error: Option<String>,
    /// Client clock (epoch seconds): the start call was sent, the end was seen.
    t_start: f64,
    t_end: f64,
    /// The server's `startDate` and `stopDate`.
    s_start: Option<f64>,
    s_stop: Option<f64>,
}

impl Record {
    fn call_error(error: String, t_start: f64) -> Record {
        Record::other("CALL_ERROR", Some(error), t_start)
    }

    fn other(status: &str, error: Option<String>, t_start: f64) -> Record {
        Record {
            status: status.to_owned(),
            output: None,
            error,
            t_start,
            t_end: epoch_seconds(),
            s_start: None,
            s_stop: None,
        }
    }

    fn finished(answer: &Value, t_start: f64) -> Record {
        let text = |key: &str| answer[key].as_str().map(str::to_owned);
        Record {
            status: text("status").unwrap_or_default(),
            output: text("output"),
            error: text("error").or_else(|| text("cause")),
            t_start,
            t_end: epoch_seconds(),
            s_start: answer["startDate"].as_f64(),
            s_stop: answer["stopDate"].as_f64(),
        }
    }
}

/// One run's executions and clock, or why it could not start.
struct RunResult {
    records: Vec<Option<Record>>,
    t0: f64,
    t1: f64,
    inputs: Vec<Value>,
}

/// Run every workload of `selected`; prints a JSON summary line per workload as it ends
/// (`{"type": "sfn-bench", ...}`, as `bench.py` does) and the table at the end. Returns
/// whether every workload was verified.
pub(crate) async fn run_all(options: &Options, selected: &[Workload]) -> Result<bool> {
    let mut summaries = Vec::new();
    for workload in selected {
        let summary = match run_workload(options, workload).await {
            Ok(summary) => summary,
            Err(e) => json_object(json!({
                "type": "sfn-bench", "target": options.target, "workload": workload.key,
                "name": workload.name, "status": "ERROR", "error": clip(&format!("{e:#}"), 500),
            })),
        };
        println!("{}", python_json(&Value::Object(summary.clone())));
        summaries.push(summary);
    }
    print_table(&options.target, &summaries, selected);
    Ok(summaries.iter().all(|s| s["status"] == "OK"))
}

async fn run_workload(options: &Options, workload: &Workload) -> Result<Map<String, Value>> {
    let target = &options.target;
    let definition = workload.definition(&options.folder)?;
    let count = workload.scaled_executions(options.scale);
    let server = match options.endpoint {
        Some((address, pid)) => Server::External { address, pid },
        None => {
            eprintln!("[{target}] starting server for {} ...", workload.key);
            let server = Server::spawn(options.scratch.join(workload.key), false).await?;
            eprintln!(
                "[{target}] ready in {:.2}s (pid {})",
                server.startup().unwrap_or_default().as_secs_f64(),
                server.pid().unwrap_or_default()
            );
            server
        }
    };
    let mut runs = Vec::new();
    for run in 0..options.runs {
        client::reset_peak_rss(server.pid());
        let poll = options
            .poll
            .unwrap_or(Duration::from_millis(if count == 1 { 5 } else { 20 }));
        let mut m = match run_api(server.address(), workload, &definition, count, run, poll, options).await {
            Ok(result) => verify_and_measure(workload, &result),
            Err(error) => {
                let unsupported = ["UnknownOperation", "not yet implemented", "NotImplemented"]
                    .iter()
                    .any(|s| error.contains(s));
                let mut m = json_object(json!({"verified": false, "error": error, "n": count}));
                if unsupported {
                    m.insert("status_override".into(), "UNSUPPORTED".into());
                }
                m
            }
        };
        mark_unsupported_sync(workload, &mut m);
        if let Some(rss) = client::peak_rss_mb(server.pid()) {
            m.insert("rss_peak_mb".into(), json!(rss));
        }
        m.insert(
            "startup_s".into(),
            server.startup().map_or(Value::Null, |d| json!(d.as_secs_f64())),
        );
        let verified = m["verified"] == true;
        if verified {
            eprintln!(
                "[{target}] {} run {run}: ok wall={:.3}s",
                workload.key,
                m["wall_s"].as_f64().unwrap_or_default()
            );
        } else {
            let why = m.get("error").or(m.get("failure_sample")).cloned().unwrap_or_default();
            eprintln!(
                "[{target}] {} run {run}: FAILED {} {}",
                workload.key,
                m.get("failures").cloned().unwrap_or_default(),
                clip(&why.to_string(), 300)
            );
        }
        runs.push(m);
        if !verified {
            break; // a failing workload is not retried
        }
    }
    if let Some(pid) = server.pid().filter(|_| options.endpoint.is_none()) {
        drop(server);
        eprintln!("[{target}] stopped pid {pid}");
    }
    let endpoint = match options.endpoint {
        Some((address, _)) => format!("http://{address}"),
        None => "spawned".to_owned(),
    };
    Ok(summarize(
        target,
        workload,
        &runs,
        json!({"version": format!("switchyard {}", env!("CARGO_PKG_VERSION")),
               "client": "switchyard bench (Rust, hyper)", "endpoint": endpoint, "scale": options.scale}),
    ))
}

/// A StartSyncExecution workload whose every call failed as "unknown operation" is
/// UNSUPPORTED rather than FAILED.
fn mark_unsupported_sync(workload: &Workload, m: &mut Map<String, Value>) {
    let only_call_errors = m
        .get("failures")
        .and_then(Value::as_object)
        .is_some_and(|f| f.len() == 1 && f.contains_key("CALL_ERROR"));
    if m["verified"] == false && workload.sync && only_call_errors {
        let sample = m["failure_sample"].as_str().unwrap_or_default().to_owned();
        let known = [
            "UnknownOperation",
            "InvalidAction",
            "not yet implemented",
            "NotImplemented",
            "404",
            "not supported",
        ];
        if known.iter().any(|s| sample.contains(s)) {
            m.insert("status_override".into(), "UNSUPPORTED".into());
            m.insert("error".into(), sample.into());
        }
    }
}

/// One run of `workload`: a new state machine, `count` executions from the workload's
/// clients, each finished execution's record.
async fn run_api(
    address: SocketAddr,
    workload: &Workload,
    definition: &str,
    count: usize,
    run: usize,
    poll: Duration,
    options: &Options,
) -> Result<RunResult, String> {
    let mut setup = Connection::lazy(address);
    let id = uuid::Uuid::new_v4().simple().to_string();
    let tag = &id[..10];
    let created = setup
        .call(
            "CreateStateMachine",
            &json!({"name": format!("sfnbench-{}-{tag}", workload.key), "definition": definition,
                    "roleArn": ROLE, "type": workload.machine_type}),
        )
        .await
        .map_err(|e| clip(&format!("{e:#}"), 400))?;
    let machine = created["stateMachineArn"].as_str().unwrap_or_default().to_owned();

    let inputs = workload.inputs(count, options.scale);
    let shared = Arc::new(Shared {
        address,
        machine: machine.clone(),
        inputs: inputs.iter().map(Value::to_string).collect(),
        names: (0..count).map(|i| format!("r{run}-{}-{i}", &tag[..6])).collect(),
        clients: workload.clients.clamp(1, count.max(1)),
        sync: workload.sync,
        poll,
        deadline: epoch_seconds() + options.timeout.as_secs_f64(),
        timeout: options.timeout.as_secs_f64(),
        stall: options.stall_timeout.map(|d| d.as_secs_f64()),
        last_completion: AtomicU64::new(epoch_seconds().to_bits()),
    });
    let barrier = Arc::new(tokio::sync::Barrier::new(shared.clients + 1));
    let workers: Vec<_> = (0..shared.clients)
        .map(|t| tokio::spawn(worker(shared.clone(), t, barrier.clone())))
        .collect();
    let t0 = epoch_seconds();
    barrier.wait().await;
    let mut records: Vec<Option<Record>> = (0..count).map(|_| None).collect();
    for w in workers {
        if let Ok(done) = w.await {
            for (i, record) in done {
                records[i] = Some(record);
            }
        }
    }
    let t1 = epoch_seconds();
    let _ = setup
        .call("DeleteStateMachine", &json!({"stateMachineArn": machine}))
        .await;
    Ok(RunResult {
        records,
        t0,
        t1,
        inputs,
    })
}

/// What the clients of one run share.
struct Shared {
    address: SocketAddr,
    machine: String,
    inputs: Vec<String>,
    names: Vec<String>,
    clients: usize,
    sync: bool,
    poll: Duration,
    /// Epoch seconds after which the run gives up, `timeout` seconds after it began.
    deadline: f64,
    timeout: f64,
    stall: Option<f64>,
    /// Epoch seconds (as bits) of the last execution any client saw finish.
    last_completion: AtomicU64,
}

/// Client `t`: executions `t`, `t + clients`, …
async fn worker(shared: Arc<Shared>, t: usize, barrier: Arc<tokio::sync::Barrier>) -> Vec<(usize, Record)> {
    let mut connection = match Connection::open(shared.address).await {
        Ok(c) => c,
        Err(_) => Connection::lazy(shared.address), // the first call reports the error
    };
    barrier.wait().await;
    let mine: Vec<usize> = (t..shared.inputs.len()).step_by(shared.clients).collect();
    let mut done = Vec::with_capacity(mine.len());
    let start =
        |i: usize| json!({"stateMachineArn": shared.machine, "name": shared.names[i], "input": shared.inputs[i]});
    if shared.sync {
        for i in mine {
            let ts = epoch_seconds();
            let record = match connection.call("StartSyncExecution", &start(i)).await {
                Ok(answer) => Record::finished(&answer, ts),
                Err(e) => Record::call_error(clip(&format!("{e:#}"), 400), ts),
            };
            done.push((i, record));
            if epoch_seconds() > shared.deadline {
                break;
            }
        }
        return done;
    }
    let mut pending = Vec::with_capacity(mine.len());
    for i in mine {
        let ts = epoch_seconds();
        match connection.call("StartExecution", &start(i)).await {
            Ok(answer) => pending.push((i, answer["executionArn"].as_str().unwrap_or_default().to_owned(), ts)),
            Err(e) => done.push((i, Record::call_error(clip(&format!("StartExecution {e:#}"), 400), ts))),
        }
    }
    let mut errors = 0;
    while !pending.is_empty() {
        let mut still = Vec::with_capacity(pending.len());
        for (i, arn, ts) in pending {
            match connection
                .call("DescribeExecution", &json!({"executionArn": arn}))
                .await
            {
                Err(e) => {
                    errors += 1;
                    if errors > 50 {
                        done.push((
                            i,
                            Record::call_error(clip(&format!("DescribeExecution {e:#}"), 400), ts),
                        ));
                    } else {
                        still.push((i, arn, ts));
                    }
                }
                Ok(d) if d["status"] != "RUNNING" && d["status"] != "PENDING_REDRIVE" => {
                    done.push((i, Record::finished(&d, ts)));
                    shared
                        .last_completion
                        .store(epoch_seconds().to_bits(), Ordering::Relaxed);
                }
                Ok(_) => still.push((i, arn, ts)),
            }
        }
        pending = still;
        if !pending.is_empty() {
            let now = epoch_seconds();
            let last = f64::from_bits(shared.last_completion.load(Ordering::Relaxed));
            let stalled = shared.stall.filter(|s| now - last > *s);
            if now > shared.deadline || stalled.is_some() {
                let why = match stalled {
                    Some(s) => format!("STALLED(no completion for {s:.0}s)"),
                    None => format!("TIMEOUT({:.0}s)", shared.timeout),
                };
                for (i, _, ts) in pending {
                    done.push((i, Record::other(&why, None, ts)));
                }
                return done;
            }
            tokio::time::sleep(shared.poll).await;
        }
    }
    done
}

/// `bench.py`'s `verify_and_measure`: every execution SUCCEEDED with the exact expected
/// output (and, for Wait, lasted long enough), then the run's figures.
fn verify_and_measure(workload: &Workload, run: &RunResult) -> Map<String, Value> {
    let n = run.inputs.len();
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    let mut sample: Option<String> = None;
    let mut latencies = Vec::new();
    let mut sources = std::collections::BTreeSet::new();
    let mut stops = Vec::new();
    let mut durations = Vec::new();
    for (i, input) in run.inputs.iter().enumerate() {
        let Some(r) = &run.records[i] else {
            *failures.entry("MISSING".into()).or_default() += 1;
            continue;
        };
        if r.status != "SUCCEEDED" {
            *failures.entry(r.status.clone()).or_default() += 1;
            sample.get_or_insert_with(|| {
                format!(
                    "exec {i}: {}: {}",
                    r.status,
                    clip(r.error.as_deref().unwrap_or("None"), 300)
                )
            });
            continue;
        }
        let output = match &r.output {
            Some(text) => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone())),
            None => Value::Null,
        };
        let expected = workload.expected(input);
        if output != expected {
            *failures.entry("WRONG_OUTPUT".into()).or_default() += 1;
            sample.get_or_insert_with(|| {
                format!(
                    "exec {i}: got {} want {}",
                    clip(&output.to_string(), 200),
                    clip(&expected.to_string(), 200)
                )
            });
            continue;
        }
        if let (Some(start), Some(stop)) = (r.s_start, r.s_stop) {
            durations.push(stop - start);
            stops.push(stop);
        }
        match r.s_stop {
            Some(stop) if !workload.sync && stop >= r.t_start - 0.05 && stop <= r.t_end + 0.05 => {
                latencies.push((stop - r.t_start).max(0.0));
                sources.insert("server-stopDate");
            }
            _ => {
                latencies.push(r.t_end - r.t_start);
                sources.insert("client");
            }
        }
        if let Some(min) = workload.min_duration_s {
            let lasted = match (r.s_start, r.s_stop) {
                (Some(start), Some(stop)) => stop - start,
                _ => r.t_end - r.t_start,
            };
            if lasted < min - 0.02 {
                *failures.entry("TOO_FAST".into()).or_default() += 1;
                sample.get_or_insert_with(|| format!("exec {i}: finished in {lasted:.3}s < Wait {min}s"));
            }
        }
    }
    let wall = run.t1 - run.t0;
    let per_s = |x: f64| if wall > 0.0 { json!(x / wall) } else { Value::Null };
    let failed: u64 = failures.values().sum();
    let mut m = json_object(json!({
        "n": n,
        "ok": n as u64 - failed.min(n as u64),
        "failures": failures,
        "failure_sample": sample,
        "wall_s": wall,
        "exec_per_s": per_s(n as f64),
        "lat_p50_ms": pct(&latencies, 50.0).map(|v| v * 1000.0),
        "lat_p99_ms": pct(&latencies, 99.0).map(|v| v * 1000.0),
        "lat_source": if sources.is_empty() { Value::Null } else { json!(sources.into_iter().collect::<Vec<_>>().join("+")) },
    }));
    let transitions: u64 = run.inputs.iter().map(|i| workload.transitions(i)).sum();
    if transitions > 0 {
        m.insert("transitions".into(), json!(transitions));
        m.insert("transitions_per_s".into(), per_s(transitions as f64));
    }
    if !stops.is_empty() && !workload.sync {
        let last = stops.iter().copied().fold(f64::MIN, f64::max);
        m.insert("makespan_s".into(), json!(last - run.t0));
    }
    if n == 1 {
        if let Some(d) = durations.first() {
            m.insert("server_duration_s".into(), json!(d));
        }
    }
    m.insert("verified".into(), json!(failed == 0));
    m
}

/// `bench.py`'s `pct`: linear interpolation between closest ranks.
fn pct(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let k = (v.len() - 1) as f64 * p / 100.0;
    let f = k as usize;
    let c = (f + 1).min(v.len() - 1);
    Some(v[f] + (v[c] - v[f]) * (k - f as f64))
}

/// Python's `statistics.median`.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if !values.len().is_multiple_of(2) {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// `bench.py`'s `summarize`: the medians of the verified runs, or FAILED with the first
/// failing run's reason.
fn summarize(target: &str, workload: &Workload, runs: &[Map<String, Value>], extra: Value) -> Map<String, Value> {
    let ok: Vec<&Map<String, Value>> = runs.iter().filter(|r| r["verified"] == true).collect();
    let mut s = json_object(json!({
        "type": "sfn-bench", "target": target, "workload": workload.key, "name": workload.name,
        "runs": runs.len(), "verified_runs": ok.len(),
    }));
    if let Value::Object(extra) = extra {
        s.extend(extra);
    }
    if runs.is_empty() || ok.len() != runs.len() {
        let bad = runs.iter().find(|r| r["verified"] != true);
        let get = |key: &str| bad.and_then(|r| r.get(key)).filter(|v| !v.is_null()).cloned();
        s.insert(
            "status".into(),
            get("status_override").unwrap_or_else(|| "FAILED".into()),
        );
        let error = get("error")
            .or_else(|| get("failure_sample"))
            .unwrap_or_else(|| get("failures").unwrap_or_default().to_string().into());
        s.insert("error".into(), error);
        s.insert("failures".into(), get("failures").unwrap_or_default());
        return s;
    }
    s.insert("status".into(), "OK".into());
    for key in HEADLINE {
        let mut values: Vec<f64> = ok.iter().filter_map(|r| r.get(key).and_then(Value::as_f64)).collect();
        if !values.is_empty() {
            s.insert(key.into(), json!(median(&mut values)));
        }
    }
    s.insert("n".into(), ok[0]["n"].clone());
    if let Some(t) = ok[0].get("transitions") {
        s.insert("transitions".into(), t.clone());
    }
    s.insert(
        "lat_source".into(),
        ok[0].get("lat_source").cloned().unwrap_or_default(),
    );
    s
}

/// `bench.py`'s closing table: one row per (workload, metric), one column for the target.
fn print_table(target: &str, summaries: &[Map<String, Value>], selected: &[Workload]) {
    let metrics_for = |key: &str| -> &[&str] {
        match key {
            "w1" | "w3" => &["wall_s", "transitions_per_s", "server_duration_s"],
            "w5" => &["wall_s", "makespan_s", "lat_p50_ms", "lat_p99_ms"],
            _ => &["wall_s", "exec_per_s", "lat_p50_ms", "lat_p99_ms"],
        }
    };
    let mut rows: Vec<[String; 3]> = Vec::new();
    for (workload, s) in selected.iter().zip(summaries) {
        let metrics = metrics_for(workload.key);
        for (j, key) in metrics.iter().chain(&["rss_peak_mb", "startup_s"]).enumerate() {
            let label = if j == 0 {
                format!("{} {}", workload.key, workload.name)
            } else {
                String::new()
            };
            let cell = if s["status"] != "OK" {
                if j == 0 {
                    s["status"].as_str().unwrap_or_default().to_owned()
                } else {
                    String::new()
                }
            } else {
                fmt(s.get(*key).and_then(Value::as_f64), key)
            };
            rows.push([label, (*key).to_owned(), cell]);
        }
    }
    let header = ["workload".to_owned(), "metric".to_owned(), target.to_owned()];
    let widths: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .chain([&header])
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = std::io::stdout().lock();
    let line = format!(
        "{:w0$}  {:w1$}  {:w2$}",
        header[0],
        header[1],
        header[2],
        w0 = widths[0],
        w1 = widths[1],
        w2 = widths[2]
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "{line}");
    let _ = writeln!(out, "{}", "-".repeat(line.chars().count()));
    for r in &rows {
        let _ = writeln!(
            out,
            "{:w0$}  {:w1$}  {:>w2$}",
            r[0],
            r[1],
            r[2],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
    }
    let _ = writeln!(out);
    for s in summaries.iter().filter(|s| s["status"] != "OK") {
        let error = match &s["error"] {
            Value::String(e) => e.clone(),
            other => other.to_string(),
        };
        let _ = writeln!(
            out,
            "  {} {}: {}: {}",
            s["target"].as_str().unwrap_or_default(),
            s["workload"].as_str().unwrap_or_default(),
            s["status"].as_str().unwrap_or_default(),
            clip(&error, 240)
        );
    }
    let _ = writeln!(
        out,
        "  (medians of verified runs; wall = first start call -> all executions seen finished by the client; \
         latency = client start -> server stopDate when available; RSS = peak of the server process (VmHWM, reset \
         before each run); startup = process start -> first OK ListStateMachines.)"
    );
}

/// `bench.py`'s number format for the table.
fn fmt(value: Option<f64>, key: &str) -> String {
    let Some(v) = value else {
        return "-".to_owned();
    };
    if key == "exec_per_s" || key == "transitions_per_s" {
        return if v >= 100.0 {
            thousands(v.round() as u64)
        } else {
            format!("{v:.1}")
        };
    }
    if key.ends_with("_ms") {
        return format!("{v:.1}");
    }
    if key == "rss_peak_mb" {
        return format!("{v:.0}");
    }
    format!("{v:.3}")
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn json_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// At most `max` characters of `text`.
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// A summary line as Python's `json.dumps` writes it (`", "` and `": "`), so that
/// `table.py` reads it like bench.py's own `{"type": "sfn-bench"` lines.
pub(crate) fn python_json(value: &Value) -> String {
    api::spaced_json(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lines_read_as_python_writes_them() {
        let line = python_json(&json!({"type": "sfn-bench", "n": [1, 2], "x": {"a": null}}));
        assert_eq!(line, r#"{"type": "sfn-bench", "n": [1, 2], "x": {"a": null}}"#);
    }

    #[test]
    fn percentiles_and_medians_match_the_harness() {
        assert_eq!(pct(&[4.0, 1.0, 3.0, 2.0], 50.0), Some(2.5));
        assert!((pct(&[1.0, 2.0, 3.0, 4.0, 5.0], 99.0).unwrap() - 4.96).abs() < 1e-9);
        assert_eq!(pct(&[], 50.0), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [3.0, 1.0, 2.0, 10.0]), 2.5);
        assert_eq!(fmt(Some(12345.4), "exec_per_s"), "12,345");
        assert_eq!(fmt(Some(99.94), "transitions_per_s"), "99.9");
        assert_eq!(fmt(Some(1.23456), "wall_s"), "1.235");
    }
}
