//! Where Task states reach AWS services: Step Functions Local's per-service endpoint
//! settings (`--lambda-endpoint`/`LAMBDA_ENDPOINT`, ...), the AWS SDKs' variables
//! (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`), and the standard credentials.

use std::sync::Arc;

use clap::Args;
use integrations::aws::{services, AwsConfig, AwsIntegration, Credentials, Endpoints, RESOURCE_PREFIXES};
use integrations::http::HttpClient;
use integrations::{Router, SharedIntegration};

#[derive(Args, Clone, Debug)]
pub(crate) struct EndpointArgs {
    /// Where Lambda is reached (default: AWS_ENDPOINT_URL_LAMBDA, --aws-endpoint, or AWS).
    #[arg(long, env = "LAMBDA_ENDPOINT", value_name = "URL")]
    lambda_endpoint: Option<String>,
    /// Where SQS is reached.
    #[arg(long, env = "SQS_ENDPOINT", value_name = "URL")]
    sqs_endpoint: Option<String>,
    /// Where SNS is reached.
    #[arg(long, env = "SNS_ENDPOINT", value_name = "URL")]
    sns_endpoint: Option<String>,
    /// Where DynamoDB is reached.
    #[arg(long, env = "DYNAMODB_ENDPOINT", value_name = "URL")]
    dynamodb_endpoint: Option<String>,
    /// Where EventBridge is reached.
    #[arg(long, env = "EVENTBRIDGE_ENDPOINT", value_name = "URL")]
    eventbridge_endpoint: Option<String>,
    /// Where S3 is reached.
    #[arg(long, env = "S3_ENDPOINT", value_name = "URL")]
    s3_endpoint: Option<String>,
    /// Where every AWS service without an endpoint of its own is reached (an emulator such
    /// as LocalStack or moto). Without any, services are called at their AWS endpoints.
    #[arg(long, env = "AWS_ENDPOINT_URL", value_name = "URL")]
    aws_endpoint: Option<String>,
}

impl EndpointArgs {
    /// The AWS integrations' configuration. Requests are signed for `AWS_REGION`, else
    /// `AWS_DEFAULT_REGION`, else the server's region, with the credentials of
    /// `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`.
    fn aws_config(&self, server_region: &str) -> AwsConfig {
        let mut endpoints = Endpoints::from_env();
        if let Some(url) = &self.aws_endpoint {
            endpoints.set_all(url);
        }
        for (url, service) in [
            (&self.lambda_endpoint, &services::LAMBDA),
            (&self.sqs_endpoint, &services::SQS),
            (&self.sns_endpoint, &services::SNS),
            (&self.dynamodb_endpoint, &services::DYNAMODB),
            (&self.eventbridge_endpoint, &services::EVENTBRIDGE),
            (&self.s3_endpoint, &services::S3),
        ] {
            if let Some(url) = url {
                endpoints.set(service, url);
            }
        }
        let region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| server_region.to_owned());
        AwsConfig {
            region,
            credentials: Credentials::from_env(),
            endpoints,
        }
    }

    /// `router` with every AWS resource (`lambda:invoke`, `aws-sdk:*`, ...) sent to the AWS
    /// integrations, which call out through `http`.
    pub(crate) fn route_aws(&self, router: Router, server_region: &str, http: HttpClient) -> Router {
        let aws: SharedIntegration = Arc::new(AwsIntegration::new(self.aws_config(server_region), http));
        RESOURCE_PREFIXES
            .iter()
            .fold(router, |router, prefix| router.route(*prefix, aws.clone()))
    }
}
