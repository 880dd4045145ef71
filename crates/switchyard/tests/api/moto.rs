//! A moto server (`python3 -m moto.server`, an emulator of AWS services) on a free loopback
//! port, for the AWS integration tests: Switchyard is pointed at it, and the tests set up
//! and check resources in it over raw HTTP. Killed when dropped.

use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use integrations::http::{Bytes, HttpClient, Request};
use serde_json::{json, Value};

use crate::support::{Extra, Server};

pub(crate) struct Moto {
    child: Child,
    pub(crate) endpoint: String,
    http: HttpClient,
}

impl Moto {
    /// A fresh moto server, or `None` (after saying why) when moto is not installed, so
    /// the calling test can skip: CI installs it with `pip install 'moto[server]'`.
    pub(crate) fn start() -> Option<Moto> {
        Moto::start_with(&[])
    }

    /// A moto that checks requests' signatures after its first `free_actions` requests
    /// (`INITIAL_NO_AUTH_ACTION_COUNT`), which set up an IAM user and its access key.
    pub(crate) fn start_with_authentication(free_actions: u32) -> Option<Moto> {
        Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", &free_actions.to_string())])
    }

    fn start_with(env: &[(&str, &str)]) -> Option<Moto> {
        let installed = Command::new("python3")
            .args(["-c", "import moto.server, flask"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            eprintln!("skipped: moto is not installed (python3 -m pip install 'moto[server]')");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("moto exited with {status}");
            }
            assert!(Instant::now() < deadline, "moto did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            http: HttpClient::new(),
        })
    }

    /// A Switchyard server whose AWS integrations all reach this moto: the per-service
    /// flags for the optimized services, `--aws-endpoint` for the rest.
    pub(crate) fn switchyard(&self) -> Server {
        self.switchyard_signing_with("test", "test")
    }

    /// [`Moto::switchyard`], signing with the given access key.
    pub(crate) fn switchyard_signing_with(&self, access_key_id: &str, secret_access_key: &str) -> Server {
        let mut args = vec!["--aws-endpoint".to_owned(), self.endpoint.clone()];
        for service in ["lambda", "sqs", "sns", "dynamodb", "eventbridge", "s3"] {
            args.push(format!("--{service}-endpoint"));
            args.push(self.endpoint.clone());
        }
        let env = [
            ("AWS_ACCESS_KEY_ID", access_key_id),
            ("AWS_SECRET_ACCESS_KEY", secret_access_key),
            ("AWS_REGION", "us-east-1"),
        ];
        Server::start_extra(
            1.0,
            Extra {
                args,
                env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            },
        )
    }

    /// Send a request to moto. moto picks the service from the credential scope of the
    /// `Authorization` header and does not check signatures, so the tests need no signer.
    async fn send(
        &self,
        service: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> (u16, String) {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.endpoint))
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
                ),
            );
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .http
            .send(request.body(Bytes::from(body)).unwrap(), Duration::from_secs(30))
            .await
            .expect("moto answers");
        (
            response.status.as_u16(),
            String::from_utf8_lossy(&response.body).into_owned(),
        )
    }

    /// Call a JSON-protocol action (`AmazonSQS.CreateQueue`); panics unless it succeeds.
    pub(crate) async fn json(&self, service: &str, target: &str, body: Value) -> Value {
        let (status, text) = self
            .send(
                service,
                "POST",
                "/",
                &[("x-amz-target", target), ("content-type", "application/x-amz-json-1.0")],
                body.to_string(),
            )
            .await;
        assert!(status < 300, "{target}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Call a query-protocol action (SNS, IAM); returns the XML answer.
    pub(crate) async fn query(&self, service: &str, params: &[(&str, &str)]) -> String {
        let body = params
            .iter()
            .map(|(k, v)| format!("{k}={}", percent(v)))
            .collect::<Vec<_>>()
            .join("&");
        let (status, text) = self
            .send(
                service,
                "POST",
                "/",
                &[("content-type", "application/x-www-form-urlencoded")],
                body,
            )
            .await;
        assert!(status < 300, "{params:?}: {status} {text}");
        text
    }

    /// A REST call (Lambda, S3, moto's own API); returns status and body.
    pub(crate) async fn rest(&self, service: &str, method: &str, path: &str, body: String) -> (u16, String) {
        self.send(service, method, path, &[("content-type", "application/json")], body)
            .await
    }

    /// Make moto's `model` (`athena::execution`, `glue::job_run`) take its next status only
    /// after it was described `times` times, so a job is seen running for a while (or, with
    /// a large count, never ends).
    pub(crate) async fn advance_after(&self, model: &str, times: u32) {
        let transition = json!({"model_name": model, "transition": {"progression": "manual", "times": times}});
        let (status, text) = self
            .rest(
                "sts",
                "POST",
                "/moto-api/state-manager/set-transition",
                transition.to_string(),
            )
            .await;
        assert!(status < 300, "set-transition: {status} {text}");
    }

    /// Create an SQS queue; returns its URL.
    pub(crate) async fn queue(&self, name: &str) -> String {
        let created = self
            .json("sqs", "AmazonSQS.CreateQueue", json!({"QueueName": name}))
            .await;
        created["QueueUrl"].as_str().expect("a queue URL").to_owned()
    }

    /// Wait (up to 10 s) for one message on the queue; returns its body and deletes it.
    pub(crate) async fn receive(&self, queue_url: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let answer = self
                .json(
                    "sqs",
                    "AmazonSQS.ReceiveMessage",
                    json!({"QueueUrl": queue_url, "MaxNumberOfMessages": 1}),
                )
                .await;
            if let Some(message) = answer["Messages"].get(0) {
                self.json(
                    "sqs",
                    "AmazonSQS.DeleteMessage",
                    json!({"QueueUrl": queue_url, "ReceiptHandle": message["ReceiptHandle"]}),
                )
                .await;
                return message["Body"].as_str().expect("a body").to_owned();
            }
            assert!(Instant::now() < deadline, "no message on {queue_url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Form-encode a value (RFC 3986 unreserved characters stay).
fn percent(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
