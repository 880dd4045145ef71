//! The HTTP client that every networked integration shares (HTTP Task, AWS endpoints): one
//! connection pool for the whole server, plain HTTP and HTTPS, and a time limit per request.
//!
//! HTTPS uses rustls with the system's certificate store, so a self-hosted server trusts
//! what the machine trusts (a company CA included) without a second list to keep.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

pub use hyper::body::Bytes;
pub use hyper::{header, HeaderMap, Method, Request, StatusCode, Uri};

/// Why a request got no response.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// No connection, a TLS failure, or the connection broke before a response came.
    #[error("{0}")]
    Send(String),
    /// The response started but its body could not be read.
    #[error("cannot read the response body: {0}")]
    Body(String),
    #[error("no response within {} seconds", .0.as_secs_f64())]
    Timeout(Duration),
}

/// A response, read whole: integrations turn the body into a task result at once.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl HttpResponse {
    /// A header's value as text (`None` when absent or not text).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

/// A pooled HTTP/HTTPS client. Cloning shares the pool.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Default for HttpClient {
    fn default() -> Self {
        HttpClient::new()
    }
}

impl HttpClient {
    pub fn new() -> HttpClient {
        let builder = HttpsConnectorBuilder::new();
        // A machine without a certificate store still gets a client: plain HTTP works, and
        // an HTTPS call fails with the TLS error, which names the problem.
        let builder = match builder.with_native_roots() {
            Ok(with_roots) => with_roots,
            Err(_) => HttpsConnectorBuilder::new().with_tls_config(
                rustls::ClientConfig::builder()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth(),
            ),
        };
        let connector = builder.https_or_http().enable_http1().build();
        let inner = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        HttpClient { inner }
    }

    /// Send `request` and read the whole response, giving up after `limit`.
    pub async fn send(&self, request: Request<Bytes>, limit: Duration) -> Result<HttpResponse, HttpError> {
        let exchange = async {
            let response = self
                .inner
                .request(request.map(Full::new))
                .await
                .map_err(|e| HttpError::Send(error_chain(&e)))?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| HttpError::Body(error_chain(&e)))?
                .to_bytes();
            Ok(HttpResponse {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(limit, exchange)
            .await
            .unwrap_or(Err(HttpError::Timeout(limit)))
    }
}

/// An error with its sources, since hyper's top-level message ("client error (Connect)")
/// alone does not say what went wrong.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-request server on loopback: reads one whole request (its `content-length`
    /// body included), answers `reply`, and hands back the request's text.
    pub(crate) async fn serve_once(reply: String) -> (std::net::SocketAddr, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            let mut buffer = [0u8; 4096];
            loop {
                let text = String::from_utf8_lossy(&seen).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length: "))
                        .map_or(0, |n| n.parse::<usize>().unwrap());
                    if body.len() >= length {
                        socket.write_all(reply.as_bytes()).await.unwrap();
                        return text;
                    }
                }
                let n = socket.read(&mut buffer).await.unwrap();
                seen.extend_from_slice(&buffer[..n]);
            }
        });
        (address, server)
    }

    #[tokio::test]
    async fn sends_a_request_and_reads_the_whole_response() {
        let (address, server) =
            serve_once("HTTP/1.1 201 Created\r\ncontent-length: 5\r\nx-a: b\r\n\r\nworld".into()).await;
        let request = Request::post(format!("http://{address}/path?q=1"))
            .header("content-type", "text/plain")
            .body(Bytes::from_static(b"hello"))
            .unwrap();
        let response = HttpClient::new().send(request, Duration::from_secs(5)).await.unwrap();
        assert_eq!(response.status, StatusCode::CREATED);
        assert_eq!(response.headers["x-a"], "b");
        assert_eq!(&response.body[..], b"world");
        let seen = server.await.unwrap();
        assert!(seen.starts_with("POST /path?q=1 HTTP/1.1\r\n"), "{seen}");
        assert!(seen.contains("content-type: text/plain"), "{seen}");
    }

    #[tokio::test]
    async fn a_refused_connection_and_a_silent_server_are_errors() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let client = HttpClient::new();
        let get = |url: String| Request::get(url).body(Bytes::new()).unwrap();
        let silent = client
            .send(get(format!("http://{address}/")), Duration::from_millis(200))
            .await;
        assert!(matches!(silent, Err(HttpError::Timeout(_))), "{silent:?}");
        drop(listener);
        let refused = client
            .send(get(format!("http://{address}/")), Duration::from_secs(5))
            .await;
        match refused {
            Err(HttpError::Send(message)) => assert!(message.contains("refused"), "{message}"),
            other => panic!("{other:?}"),
        }
    }
}
