//! The API request decoder (`crates/api`): the input is up to four requests, each two
//! lines: the `X-Amz-Target` header value (`AWSStepFunctions.CreateStateMachine`) and the
//! request body. They go, in order, through the axum router in process (no socket) of a
//! fresh server with an in-memory store, so a request may name what an earlier one created.
//!
//! Besides not panicking, every answer must be in AWS's shape: a JSON body, `__type` and
//! `message` on errors, and no 5xx: a request, however malformed, is the caller's error.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use engine::execution::Stop;
use engine::service::{Engine, EngineConfig};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tower::ServiceExt;

/// How many requests one input may send.
const MAX_REQUESTS: usize = 4;

/// How long one request may take. Some wait by design (GetActivityTask polls for a minute,
/// StartSyncExecution waits for its execution); the target moves on instead.
const REQUEST_TIME: Duration = Duration::from_millis(250);

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("cannot build the fuzz runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    let requests: Vec<(&[u8], &[u8])> = lines
        .chunks(2)
        .take(MAX_REQUESTS)
        .map(|pair| (pair[0], pair.get(1).copied().unwrap_or_default()))
        .collect();

    let store = Arc::new(store::sqlite::Sqlite::in_memory().expect("cannot open an in-memory store"));
    let engine = Engine::new(
        store,
        EngineConfig {
            wait_scale: 0.0,
            executors: 1,
            ..EngineConfig::default()
        },
    );
    let router = api::router(api::Api::new(engine.clone(), api::ApiConfig::default()));

    runtime().block_on(async {
        let mut executions = Vec::new();
        for (target, body) in requests {
            let mut request = Request::builder()
                .method("POST")
                .uri("/")
                .header("host", "127.0.0.1:8083")
                .header("content-type", "application/x-amz-json-1.0");
            if let Ok(target) = HeaderValue::from_bytes(target) {
                request = request.header("x-amz-target", target);
            }
            let request = request.body(Body::from(body.to_vec())).expect("a valid request");
            let Ok(response) = tokio::time::timeout(REQUEST_TIME, router.clone().oneshot(request)).await else {
                continue;
            };
            let response = response.expect("the router is infallible");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("a buffered body");
            let answer: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("status {status}: a body that is not JSON ({e}): {bytes:?}"));
            assert!(!status.is_server_error(), "a request answered {status}: {answer}");
            if status.is_success() {
                if let Some(arn) = answer.get("executionArn").and_then(Value::as_str) {
                    executions.push(arn.to_owned());
                }
            } else {
                assert!(
                    answer.get("__type").is_some_and(Value::is_string)
                        && answer.get("message").is_some_and(Value::is_string),
                    "status {status}: an error outside AWS's shape: {answer}"
                );
            }
        }
        // Stop what is still running (an activity or a callback waits forever), so the
        // executor thread ends with the engine.
        for arn in executions {
            let stop = engine.stop(&arn, Stop::default());
            let _ = tokio::time::timeout(REQUEST_TIME, stop).await;
        }
    });
});
