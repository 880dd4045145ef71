//! The bench's side of the wire and of the server process: a keep-alive HTTP/1.1 connection
//! that speaks AWS JSON 1.0, the server under test (one this command starts, or one already
//! running at `--endpoint`), and what `/proc` tells about it (CPU time, peak RSS).

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context, Result};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

/// The longest one request may take before the bench gives up on it.
const CALL_TIMEOUT: Duration = Duration::from_secs(300);

/// One keep-alive connection to the server; it reconnects on the next call after a
/// transport error.
pub(crate) struct Connection {
    address: SocketAddr,
    sender: Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
}

impl Connection {
    /// A connection that connects on its first call.
    pub(crate) fn lazy(address: SocketAddr) -> Connection {
        Connection { address, sender: None }
    }

    pub(crate) async fn open(address: SocketAddr) -> Result<Connection> {
        let mut connection = Connection::lazy(address);
        connection.connect().await?;
        Ok(connection)
    }

    async fn connect(&mut self) -> Result<()> {
        let stream = tokio::net::TcpStream::connect(self.address).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        self.sender = Some(sender);
        Ok(())
    }

    /// Call `operation`; an answer other than 2xx is an error carrying AWS's error body.
    pub(crate) async fn call(&mut self, operation: &str, body: &Value) -> Result<Value> {
        match tokio::time::timeout(CALL_TIMEOUT, self.send(operation, body)).await {
            Ok(result) => result,
            Err(_) => {
                self.sender = None;
                bail!("{operation}: no answer within {} s", CALL_TIMEOUT.as_secs())
            }
        }
    }

    async fn send(&mut self, operation: &str, body: &Value) -> Result<Value> {
        // A connection the server closed while idle is replaced before the request is
        // sent, so no request is lost (or sent twice) on its account.
        let usable = match self.sender.as_mut() {
            Some(sender) => sender.ready().await.is_ok(),
            None => false,
        };
        if !usable {
            self.connect().await?;
        }
        let Some(sender) = self.sender.as_mut() else {
            bail!("{operation}: not connected");
        };
        let request = hyper::Request::post("/")
            .header("host", "localhost")
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("AWSStepFunctions.{operation}"))
            .body(Full::new(Bytes::from(body.to_string())))?;
        let answer = async {
            let response = sender.send_request(request).await?;
            let status = response.status();
            let bytes = response.into_body().collect().await?.to_bytes();
            Ok::<_, anyhow::Error>((status, bytes))
        }
        .await;
        let (status, bytes) = match answer {
            Ok(answer) => answer,
            Err(e) => {
                self.sender = None;
                return Err(e.context(format!("{operation}: transport error")));
            }
        };
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{operation} failed ({status}): {value}");
        }
        Ok(value)
    }
}

/// The server being measured.
pub(crate) enum Server {
    /// `switchyard serve` started by the bench (this same binary) with its own data
    /// directory; stopped, and the directory removed, when dropped.
    Spawned {
        child: Child,
        address: SocketAddr,
        data_dir: PathBuf,
        /// From spawning the process to its first answered request.
        startup: Duration,
    },
    /// A server someone else runs, at `--endpoint`; `pid` (from `--server-pid`) lets the
    /// bench read its CPU time and memory.
    External { address: SocketAddr, pid: Option<u32> },
}

impl Server {
    /// Start `switchyard serve` on a free port with the data directory `data_dir` (created,
    /// and kept if it already holds a database) or, `in_memory`, with `--in-memory`, and
    /// wait until it answers.
    pub(crate) async fn spawn(data_dir: PathBuf, in_memory: bool) -> Result<Server> {
        std::fs::create_dir_all(&data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
        let port = free_port()?;
        let address: SocketAddr = ([127, 0, 0, 1], port).into();
        let spawned = Instant::now();
        let child = start_server((!in_memory).then_some(data_dir.as_path()), port)?;
        let mut server = Server::Spawned {
            child,
            address,
            data_dir,
            startup: Duration::ZERO,
        };
        until_answered(address).await?;
        if let Server::Spawned { startup, .. } = &mut server {
            *startup = spawned.elapsed();
        }
        Ok(server)
    }

    pub(crate) fn address(&self) -> SocketAddr {
        match self {
            Server::Spawned { address, .. } | Server::External { address, .. } => *address,
        }
    }

    pub(crate) fn pid(&self) -> Option<u32> {
        match self {
            Server::Spawned { child, .. } => Some(child.id()),
            Server::External { pid, .. } => *pid,
        }
    }

    /// Process start to first answered request, for a server the bench started.
    pub(crate) fn startup(&self) -> Option<Duration> {
        match self {
            Server::Spawned { startup, .. } => Some(*startup),
            Server::External { .. } => None,
        }
    }

    /// Stop a spawned server and keep its data directory (for a restart); `None` for an
    /// external one.
    pub(crate) fn stop_keeping_data(mut self) -> Option<PathBuf> {
        match &mut self {
            Server::Spawned { child, data_dir, .. } => {
                let _ = child.kill();
                let _ = child.wait();
                Some(std::mem::take(data_dir))
            }
            Server::External { .. } => None,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Server::Spawned { child, data_dir, .. } = self {
            let _ = child.kill();
            let _ = child.wait();
            if !data_dir.as_os_str().is_empty() {
                let _ = std::fs::remove_dir_all(data_dir);
            }
        }
    }
}

/// The socket address of `--endpoint` (`http://127.0.0.1:8083`); like `bench.py`, the bench
/// talks only to loopback.
pub(crate) fn endpoint_address(endpoint: &str) -> Result<SocketAddr> {
    let Some(rest) = endpoint.strip_prefix("http://") else {
        bail!("the endpoint {endpoint:?} must start with http://");
    };
    let authority = rest.trim_end_matches('/');
    let authority = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let address = authority
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {endpoint:?}"))?
        .find(|a| a.ip().is_loopback())
        .with_context(|| {
            format!("refusing the non-loopback endpoint {endpoint:?}: the bench only talks to 127.0.0.1")
        })?;
    Ok(address)
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
pub(crate) async fn until_answered(address: SocketAddr) -> Result<Duration> {
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

/// Seconds since the Unix epoch, the unit of the API's `startDate` and `stopDate`.
pub(crate) fn epoch_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// CPU seconds (user + system) the process has used so far; NaN when unknown.
pub(crate) fn cpu_seconds(pid: Option<u32>) -> f64 {
    let Some(Ok(stat)) = pid.map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat"))) else {
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

/// A `/proc/<pid>/status` field in kB (`VmHWM`: peak resident set; `VmRSS`: current).
pub(crate) fn status_kb(pid: Option<u32>, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    status.lines().find_map(|line| {
        let value = line.strip_prefix(field)?.strip_prefix(':')?;
        value.split_whitespace().next()?.parse().ok()
    })
}

/// Peak resident set size of the process so far, in MiB (`bench.py`'s `rss_peak_mb` unit).
pub(crate) fn peak_rss_mb(pid: Option<u32>) -> Option<f64> {
    status_kb(pid, "VmHWM").map(|kb| kb as f64 / 1024.0)
}

/// Current resident set size of the process, in MiB.
pub(crate) fn rss_mb(pid: Option<u32>) -> Option<f64> {
    status_kb(pid, "VmRSS").map(|kb| kb as f64 / 1024.0)
}

/// Reset the process's peak RSS to its current RSS (Linux: `5` to `/proc/<pid>/clear_refs`),
/// so the next peak is that of what follows; false when not allowed.
pub(crate) fn reset_peak_rss(pid: Option<u32>) -> bool {
    pid.is_some_and(|pid| std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok())
}

/// The value at fraction `p` of `sorted` (nearest rank).
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
