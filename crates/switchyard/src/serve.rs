//! `switchyard serve`: the Step Functions API on a port, executions kept in the embedded store.

use std::net::SocketAddr;
use std::path::PathBuf;
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
    /// The largest payload (execution input, state output), in bytes (AWS: 256 KiB). It also
    /// sizes what one JSONPath, intrinsic or JSONata evaluation may use: 128 times it in memory.
    #[arg(long, default_value_t = 256 * 1024)]
    max_payload_bytes: usize,
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

pub(crate) fn serve(args: ServeArgs) -> Result<ExitCode> {
    // Checked before anything starts, so a mistake in the file stops the server with its
    // place instead of failing executions later.
    let mock_config = match &args.mock_config {
        Some(path) => Some(Arc::new(crate::load_mock_config(path)?)),
        None => None,
    };
    let tasks = crate::task_integrations(args.connections.as_deref(), &args.endpoints, &args.region)?;
    let store: Arc<dyn store::Store> = if args.in_memory {
        Arc::new(store::sqlite::Sqlite::in_memory()?)
    } else {
        let dir = args.data_dir.clone().unwrap_or_else(default_data_dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        let path = dir.join("switchyard.db");
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
