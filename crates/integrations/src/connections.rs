//! EventBridge connections for HTTP Tasks, read from a local JSON file.
//!
//! On AWS an HTTP Task names an EventBridge connection (`Authentication.ConnectionArn`) that
//! holds the credentials and the extra invocation parameters. There is no EventBridge here,
//! so the connections come from a file keyed by connection ARN, each entry written as the
//! body of EventBridge's `CreateConnection` (`AuthorizationType` and `AuthParameters`), so
//! one can be copied from an `aws events create-connection` call:
//!
//! ```json
//! {
//!   "arn:aws:events:us-east-1:123456789012:connection/stripe/1": {
//!     "AuthorizationType": "API_KEY",
//!     "AuthParameters": {
//!       "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "secret"},
//!       "InvocationHttpParameters": {"HeaderParameters": [{"Key": "x-team", "Value": "a"}]}
//!     }
//!   }
//! }
//! ```
//!
//! The file is checked whole when it is read ([`Connections::parse`]), so a mistake stops
//! the server at start instead of failing a task later.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Uri};
use serde::Deserialize;

/// Why a connections file was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionsError {
    #[error("cannot read the connections file {}", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    /// Not JSON, or not the expected shape (serde's message names the field, line and column).
    #[error("the connections file is not valid: {0}")]
    Shape(#[from] serde_json::Error),
    #[error("connection '{arn}': {problem}")]
    Invalid { arn: String, problem: String },
}

/// How a connection authorizes its requests.
#[derive(Debug)]
pub enum Auth {
    /// A header (`ApiKeyName`) carrying the key.
    ApiKey { name: HeaderName, value: HeaderValue },
    /// `Authorization: Basic base64(username:password)`.
    Basic { username: String, password: String },
    /// A bearer token from an OAuth 2.0 token endpoint, obtained with client credentials.
    OAuth(OAuthClient),
}

/// An OAuth client-credentials grant: where and how to ask for a token.
#[derive(Debug)]
pub struct OAuthClient {
    pub endpoint: Uri,
    pub method: Method,
    pub client_id: String,
    pub client_secret: String,
    /// Extra headers, query and body parameters sent to the token endpoint.
    pub parameters: HttpParameters,
}

/// Headers, query-string and body parameters a connection adds to every request it makes.
#[derive(Debug, Default)]
pub struct HttpParameters {
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub query: Vec<(String, String)>,
    pub body: Vec<(String, String)>,
}

/// One connection: its authorization and its invocation parameters.
#[derive(Debug)]
pub struct Connection {
    pub auth: Auth,
    pub invocation: HttpParameters,
}

/// Every connection of the file, by ARN.
#[derive(Debug, Default)]
pub struct Connections {
    by_arn: HashMap<String, Connection>,
}

impl Connections {
    /// Read and check a connections file.
    pub fn load(path: &Path) -> Result<Connections, ConnectionsError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConnectionsError::Read {
            path: path.to_owned(),
            source,
        })?;
        Connections::parse(&text)
    }

    /// Parse and check a connections document: ARNs that name EventBridge connections, an
    /// `AuthorizationType` with exactly its own parameters, header names and values that
    /// can be sent, and an absolute http(s) token endpoint for OAuth.
    pub fn parse(text: &str) -> Result<Connections, ConnectionsError> {
        let raw: HashMap<String, RawConnection> = serde_json::from_str(text)?;
        let by_arn = raw
            .into_iter()
            .map(|(arn, raw)| match raw.check(&arn) {
                Ok(connection) => Ok((arn, connection)),
                Err(problem) => Err(ConnectionsError::Invalid { arn, problem }),
            })
            .collect::<Result<_, _>>()?;
        Ok(Connections { by_arn })
    }

    pub fn get(&self, arn: &str) -> Option<&Connection> {
        self.by_arn.get(arn)
    }

    pub fn len(&self) -> usize {
        self.by_arn.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_arn.is_empty()
    }
}

// The file's shape: EventBridge's CreateConnection members, PascalCase as AWS writes them.

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawConnection {
    authorization_type: AuthorizationType,
    auth_parameters: RawAuthParameters,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Debug)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum AuthorizationType {
    ApiKey,
    Basic,
    OauthClientCredentials,
}

impl AuthorizationType {
    /// The name as the file spells it.
    fn name(self) -> &'static str {
        match self {
            AuthorizationType::ApiKey => "API_KEY",
            AuthorizationType::Basic => "BASIC",
            AuthorizationType::OauthClientCredentials => "OAUTH_CLIENT_CREDENTIALS",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawAuthParameters {
    api_key_auth_parameters: Option<RawApiKey>,
    basic_auth_parameters: Option<RawBasic>,
    #[serde(rename = "OAuthParameters")]
    oauth_parameters: Option<RawOAuth>,
    #[serde(default)]
    invocation_http_parameters: RawHttpParameters,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawApiKey {
    api_key_name: String,
    api_key_value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawBasic {
    username: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawOAuth {
    authorization_endpoint: String,
    http_method: String,
    client_parameters: RawClient,
    #[serde(default, rename = "OAuthHttpParameters")]
    oauth_http_parameters: RawHttpParameters,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClient {
    #[serde(rename = "ClientID")]
    client_id: String,
    #[serde(rename = "ClientSecret")]
    client_secret: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawHttpParameters {
    #[serde(default)]
    header_parameters: Vec<RawParameter>,
    #[serde(default)]
    query_string_parameters: Vec<RawParameter>,
    #[serde(default)]
    body_parameters: Vec<RawParameter>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct RawParameter {
    key: String,
    value: String,
    /// Accepted and ignored, so EventBridge documents can be copied as they are: every
    /// value here is as secret as the file that holds it.
    #[serde(default, rename = "IsValueSecret")]
    _is_value_secret: bool,
}

impl RawConnection {
    fn check(self, arn: &str) -> Result<Connection, String> {
        if !is_connection_arn(arn) {
            return Err("the key is not an EventBridge connection ARN \
                 (arn:aws:events:<region>:<account>:connection/<name>/<id>)"
                .into());
        }
        let params = self.auth_parameters;
        let present = [
            (
                AuthorizationType::ApiKey,
                params.api_key_auth_parameters.is_some(),
                "ApiKeyAuthParameters",
            ),
            (
                AuthorizationType::Basic,
                params.basic_auth_parameters.is_some(),
                "BasicAuthParameters",
            ),
            (
                AuthorizationType::OauthClientCredentials,
                params.oauth_parameters.is_some(),
                "OAuthParameters",
            ),
        ];
        for (kind, is_present, field) in present {
            if is_present != (kind == self.authorization_type) {
                return Err(if is_present {
                    format!(
                        "AuthParameters.{field} does not belong to AuthorizationType {}",
                        self.authorization_type.name()
                    )
                } else {
                    format!("AuthorizationType {} needs AuthParameters.{field}", kind.name())
                });
            }
        }
        let auth = match (
            params.api_key_auth_parameters,
            params.basic_auth_parameters,
            params.oauth_parameters,
        ) {
            (Some(key), _, _) => Auth::ApiKey {
                name: header_name(&key.api_key_name, "ApiKeyName")?,
                value: header_value(&key.api_key_value, "ApiKeyValue")?,
            },
            (_, Some(basic), _) => Auth::Basic {
                username: basic.username,
                password: basic.password,
            },
            (_, _, Some(oauth)) => Auth::OAuth(oauth.check()?),
            (None, None, None) => unreachable!("the loop above required one"),
        };
        Ok(Connection {
            auth,
            invocation: params.invocation_http_parameters.check("InvocationHttpParameters")?,
        })
    }
}

impl RawOAuth {
    fn check(self) -> Result<OAuthClient, String> {
        let endpoint: Uri = self
            .authorization_endpoint
            .parse()
            .ok()
            .filter(|uri: &Uri| matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some())
            .ok_or_else(|| {
                format!(
                    "OAuthParameters.AuthorizationEndpoint '{}' is not an absolute http(s) URL",
                    self.authorization_endpoint
                )
            })?;
        let method = match self.http_method.as_str() {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            other => {
                return Err(format!(
                    "OAuthParameters.HttpMethod '{other}' is not one of GET, POST, PUT"
                ))
            }
        };
        Ok(OAuthClient {
            endpoint,
            method,
            client_id: self.client_parameters.client_id,
            client_secret: self.client_parameters.client_secret,
            parameters: self
                .oauth_http_parameters
                .check("OAuthParameters.OAuthHttpParameters")?,
        })
    }
}

impl RawHttpParameters {
    fn check(self, place: &str) -> Result<HttpParameters, String> {
        let headers = self
            .header_parameters
            .into_iter()
            .map(|p| {
                Ok((
                    header_name(&p.key, &format!("{place}.HeaderParameters"))?,
                    header_value(&p.value, &format!("{place}.HeaderParameters"))?,
                ))
            })
            .collect::<Result<_, String>>()?;
        let pairs = |list: Vec<RawParameter>| list.into_iter().map(|p| (p.key, p.value)).collect();
        Ok(HttpParameters {
            headers,
            query: pairs(self.query_string_parameters),
            body: pairs(self.body_parameters),
        })
    }
}

/// `arn:<partition>:events:<region>:<account>:connection/<name>/<id>`.
fn is_connection_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "events", _, _, resource]
        if !partition.is_empty()
            && resource.strip_prefix("connection/").is_some_and(|rest| !rest.is_empty()))
}

fn header_name(text: &str, place: &str) -> Result<HeaderName, String> {
    HeaderName::from_bytes(text.as_bytes()).map_err(|_| format!("{place}: '{text}' is not a valid header name"))
}

fn header_value(text: &str, place: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_str(text).map_err(|_| format!("{place}: the value for a header is not valid header text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:events:us-east-1:123456789012:connection/api/1";

    fn problem(text: &str) -> String {
        Connections::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_each_authorization_type_with_its_parameters() {
        let text = r#"{
          "arn:aws:events:us-east-1:123456789012:connection/key/1": {"AuthorizationType": "API_KEY",
            "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": "k"},
              "InvocationHttpParameters": {"HeaderParameters": [{"Key": "x-team", "Value": "a", "IsValueSecret": false}],
                "QueryStringParameters": [{"Key": "q", "Value": "1"}], "BodyParameters": [{"Key": "b", "Value": "2"}]}}},
          "arn:aws:events:us-east-1:123456789012:connection/basic/1": {"AuthorizationType": "BASIC",
            "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"}}},
          "arn:aws:events:us-east-1:123456789012:connection/oauth/1": {"AuthorizationType": "OAUTH_CLIENT_CREDENTIALS",
            "AuthParameters": {"OAuthParameters": {"AuthorizationEndpoint": "https://auth.example.com/token",
              "HttpMethod": "POST", "ClientParameters": {"ClientID": "id", "ClientSecret": "s"},
              "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "read"}]}}}}
        }"#;
        let connections = Connections::parse(text).unwrap();
        assert_eq!(connections.len(), 3);
        let key = connections
            .get("arn:aws:events:us-east-1:123456789012:connection/key/1")
            .unwrap();
        assert!(matches!(&key.auth, Auth::ApiKey { name, value } if name == "x-api-key" && value == "k"));
        assert_eq!(key.invocation.query, [("q".to_owned(), "1".to_owned())]);
        assert_eq!(key.invocation.body, [("b".to_owned(), "2".to_owned())]);
        assert_eq!(key.invocation.headers[0].0, "x-team");
        let oauth = connections
            .get("arn:aws:events:us-east-1:123456789012:connection/oauth/1")
            .unwrap();
        match &oauth.auth {
            Auth::OAuth(client) => {
                assert_eq!(client.endpoint, "https://auth.example.com/token");
                assert_eq!(client.method, Method::POST);
                assert_eq!(client.parameters.body, [("scope".to_owned(), "read".to_owned())]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_mistakes_naming_the_connection_and_the_field() {
        let basic = r#"{"AuthorizationType": "BASIC", "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"}}}"#;
        assert!(problem(&format!(r#"{{"arn:aws:sqs:us-east-1:1:queue": {basic}}}"#))
            .contains("not an EventBridge connection ARN"));
        assert!(problem(&format!(
            r#"{{"{ARN}": {{"AuthorizationType": "API_KEY", "AuthParameters": {{}}}}}}"#
        ))
        .contains("AuthorizationType API_KEY needs AuthParameters.ApiKeyAuthParameters"));
        let mixed = r#"{"AuthorizationType": "BASIC", "AuthParameters": {"BasicAuthParameters": {"Username": "u", "Password": "p"},
            "ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}}}"#;
        assert!(problem(&format!(r#"{{"{ARN}": {mixed}}}"#)).contains("ApiKeyAuthParameters does not belong"));
        let oauth = r#"{"AuthorizationType": "OAUTH_CLIENT_CREDENTIALS", "AuthParameters": {"OAuthParameters": {
            "AuthorizationEndpoint": "/token", "HttpMethod": "POST", "ClientParameters": {"ClientID": "i", "ClientSecret": "s"}}}}"#;
        let message = problem(&format!(r#"{{"{ARN}": {oauth}}}"#));
        assert!(message.starts_with(&format!("connection '{ARN}': ")), "{message}");
        assert!(message.contains("not an absolute http(s) URL"), "{message}");
        let spaced = r#"{"AuthorizationType": "API_KEY", "AuthParameters": {"ApiKeyAuthParameters": {"ApiKeyName": "x key", "ApiKeyValue": "v"}}}"#;
        assert!(
            problem(&format!(r#"{{"{ARN}": {spaced}}}"#)).contains("ApiKeyName: 'x key' is not a valid header name")
        );
        let typo = r#"{"AuthorizationType": "BASIC", "AuthParameters": {"BasicAuthParameter": {}}}"#;
        let message = problem(&format!(r#"{{"{ARN}": {typo}}}"#));
        assert!(
            message.contains("unknown field `BasicAuthParameter`") && message.contains("line 1"),
            "{message}"
        );
        assert!(problem("[]").starts_with("the connections file is not valid"));
    }
}
