//! `switchyard serve`: the Step Functions API on a port, executions kept in the embedded store.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "SWITCHYARD_HOST", default_value = "127.0.0.1")]
    host: String,
    /// The port to listen on (Step Functions Local's port by default).
    #[arg(long, env = "SWITCHYARD_PORT", default_value_t = 8083)]
    port: u16,
    /// Where the embedded store keeps its database (default: $XDG_DATA_HOME/switchyard, or
    /// ~/.local/share/switchyard).
    #[arg(long, env = "SWITCHYARD_DATA_DIR", conflicts_with = "in_memory")]
    data_dir: Option<PathBuf>,
    /// Keep nothing on disk: everything is gone when the server stops.
    #[arg(long)]
    in_memory: bool,
    /// The AWS account id used in ARNs.
    #[arg(long, env = "SWITCHYARD_ACCOUNT", default_value = "123456789012")]
    account: String,
    /// The AWS region used in ARNs.
    #[arg(long, env = "SWITCHYARD_REGION", default_value = "us-east-1")]
    region: String,
    /// Multiply Wait and retry delays by this factor (0 = do not wait).
    #[arg(long, env = "WAIT_TIME_SCALE", default_value_t = 1.0)]
    wait_scale: f64,
    /// The largest payload (execution input, state output, SendTaskSuccess output), in
    /// bytes (AWS: 256 KiB). It also sizes what one JSONPath, intrinsic or JSONata
    /// evaluation may use: 128 times it in memory.
    #[arg(long, env = "SWITCHYARD_MAX_PAYLOAD_BYTES", default_value_t = 256 * 1024)]
    max_payload_bytes: usize,
    /// The largest state machine definition, in bytes (AWS: 1 MB).
    #[arg(long, env = "SWITCHYARD_MAX_DEFINITION_BYTES", default_value_t = 1024 * 1024)]
    max_definition_bytes: usize,
    /// The largest request body, in bytes: larger ones are refused unread.
    #[arg(long, env = "SWITCHYARD_MAX_REQUEST_BYTES", default_value_t = 4 * 1024 * 1024)]
    max_request_bytes: usize,
    /// A Step Functions Local mock configuration file: StartExecution and
    /// StartSyncExecution with `<state machine ARN>#<test case>` run that test case.
    #[arg(long, env = "SFN_MOCK_CONFIG")]
    mock_config: Option<PathBuf>,
    /// EventBridge connections for HTTP Tasks: a JSON file keyed by connection ARN (see
    /// the README), checked at start.
    #[arg(long, env = "SWITCHYARD_CONNECTIONS")]
    connections: Option<PathBuf>,
    #[command(flatten)]
    endpoints: crate::endpoints::EndpointArgs,
    #[command(flatten)]
    variable_limits: crate::limits::VariableLimitArgs,
    #[command(flatten)]
    access: crate::access::AccessArgs,
}

fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("switchyard");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".local/share/switchyard"),
        None => PathBuf::from(".switchyard"),
    }
}

/// Create the data directory readable by its owner only (0700); a directory that exists is
/// left as its owner made it.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Make the database and its WAL and shared-memory files readable by their owner only (0600):
/// SQLite creates the `-wal` and `-shm` files with the database file's mode, so the database
/// file is created (or restricted) before SQLite opens it.
fn make_private_files(database: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(database)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut path = database.as_os_str().to_owned();
            path.push(suffix);
            match std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                other => other?,
            }
        }
    }
    #[cfg(not(unix))]
    let _ = database;
    Ok(())
}

pub(crate) fn serve(args: ServeArgs) -> Result<ExitCode> {
    // Checked before anything starts, so a mistake in the file stops the server with its
    // place instead of failing executions later.
    let mock_config = match &args.mock_config {
        Some(path) => Some(Arc::new(crate::load_mock_config(path)?)),
        None => None,
    };
    let keys = args.access.keys(&args.account)?;
    if keys.is_none() && !protocol::host::is_loopback_bind(&args.host) {
        eprintln!(
            "switchyard: warning: listening on {} without authentication: anyone who can reach this port can \
             run, read and stop your workflows. Configure access keys (--credentials or \
             SWITCHYARD_ACCESS_KEY_ID/SWITCHYARD_SECRET_ACCESS_KEY) or listen on 127.0.0.1.",
            args.host
        );
    }
    let tasks = crate::task_integrations(args.connections.as_deref(), &args.endpoints, &args.region)?;
    let store: Arc<dyn store::Store> = if args.in_memory {
        Arc::new(store::sqlite::Sqlite::in_memory()?)
    } else {
        let dir = args.data_dir.clone().unwrap_or_else(default_data_dir);
        create_private_dir(&dir).with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        #[cfg(unix)]
        if args.data_dir.is_none() {
            // The default directory is Switchyard's own: one made by an older version is
            // restricted too.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot restrict {} to its owner", dir.display()))?;
        }
        let path = dir.join("switchyard.db");
        make_private_files(&path).with_context(|| format!("cannot restrict {} to its owner", path.display()))?;
        Arc::new(store::sqlite::Sqlite::open(&path).with_context(|| format!("cannot open {}", path.display()))?)
    };
    let engine = engine::service::Engine::new(
        store,
        engine::service::EngineConfig {
            wait_scale: args.wait_scale,
            max_payload_bytes: args.max_payload_bytes,
            mock_config: mock_config.clone(),
            variable_limits: args.variable_limits.limits(),
            ..Default::default()
        },
    );
    let api = api::Api::new(
        engine.clone(),
        api::ApiConfig {
            account: args.account.clone(),
            region: args.region.clone(),
            max_payload_bytes: args.max_payload_bytes,
            max_definition_bytes: args.max_definition_bytes,
            max_request_bytes: args.max_request_bytes,
            keys: keys.clone(),
            hosts: protocol::host::HostCheck::new(&args.host, args.access.allowed_hosts()),
        },
    );
    // Step Functions itself is answered by this server; every other resource goes to the
    // integration registered for it, and unknown ones fail naming the resource.
    engine.set_integration(Arc::new(api::sfn_tasks::SfnTasks::new(&api, Arc::new(tasks))));
    let resumed = engine.resume_all()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let address: SocketAddr = format!("{}:{}", args.host, args.port)
            .parse()
            .with_context(|| format!("invalid address {}:{}", args.host, args.port))?;
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address}"))?;
        eprintln!("switchyard: listening on http://{address} ({resumed} executions resumed)");
        if let Some(keys) = &keys {
            eprintln!(
                "switchyard: requests must be signed (SigV4) with one of {} access keys",
                keys.iter().count()
            );
        }
        if let (Some(path), Some(config)) = (&args.mock_config, &mock_config) {
            let cases: usize = config.machines().map(|(_, cases)| cases.len()).sum();
            eprintln!("switchyard: mock configuration {}: {cases} test cases", path.display());
        }
        axum::serve(listener, api::router(api))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(ExitCode::SUCCESS)
    })
}
