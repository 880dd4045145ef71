//! The AWS services Switchyard can call: how each is named in Task resources, how it is
//! signed and reached, which wire protocol it speaks, and how its errors are named.
//!
//! One table, because every question ("what is DynamoDB's JSON target prefix?", "which
//! environment variable overrides the Kinesis endpoint?") is a lookup in it.

/// How a service's API is carried over HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// AWS JSON 1.0/1.1: `POST /`, `X-Amz-Target: <target_prefix>.<Action>`, the
    /// parameters as the JSON body. The generic `aws-sdk` integration speaks only this.
    Json {
        version: &'static str,
        target_prefix: &'static str,
        /// Whether the service's members are camelCase on the wire (CloudWatch Logs, ECS,
        /// ...), while Step Functions writes them in PascalCase.
        camel_case: bool,
    },
    /// REST with JSON bodies (Lambda): operations are paths, members are headers, paths
    /// and bodies, so each operation is written by hand.
    RestJson,
    /// REST with XML bodies (S3).
    RestXml,
    /// AWS query: a form-encoded `Action=...&Version=...` request, an XML response (SNS).
    Query { version: &'static str },
}

/// How an optimized integration (`arn:aws:states:::sqs:sendMessage`, ...) names the
/// service in its errors, as AWS's SDK for Java 1.x does: `SQS.QueueDoesNotExistException`
/// with the cause `... (Service: AmazonSQS; Status Code: 400; ...)`.
#[derive(Clone, Copy, Debug)]
pub struct OptimizedNames {
    /// The prefix of error names (`Lambda`, `SQS`, `DynamoDB`).
    pub error_prefix: &'static str,
    /// The service name in causes (`AWSLambda`, `AmazonSQS`).
    pub cause_name: &'static str,
}

/// One AWS service.
#[derive(Debug)]
pub struct Service {
    /// The name in `arn:aws:states:::aws-sdk:<name>:<action>`.
    pub sdk_name: &'static str,
    /// The SigV4 signing name (`logs` for CloudWatch Logs).
    pub signing_name: &'static str,
    /// The host prefix of its regional endpoint: `https://<prefix>.<region>.amazonaws.com`.
    pub endpoint_prefix: &'static str,
    /// The suffix of the AWS SDKs' per-service endpoint variable, `AWS_ENDPOINT_URL_<key>`.
    pub env_key: &'static str,
    /// The SDK for Java 2.x service name, which `aws-sdk` integrations use in error names
    /// and causes (`DynamoDb.ResourceNotFoundException`, `(Service: DynamoDb, ...)`).
    pub sdk_id: &'static str,
    pub protocol: Protocol,
    /// Present for the services that have optimized integrations.
    pub optimized: Option<OptimizedNames>,
}

const fn json(version: &'static str, target_prefix: &'static str) -> Protocol {
    Protocol::Json {
        version,
        target_prefix,
        camel_case: false,
    }
}

const fn json_camel(version: &'static str, target_prefix: &'static str) -> Protocol {
    Protocol::Json {
        version,
        target_prefix,
        camel_case: true,
    }
}

const fn optimized(error_prefix: &'static str, cause_name: &'static str) -> Option<OptimizedNames> {
    Some(OptimizedNames {
        error_prefix,
        cause_name,
    })
}

macro_rules! services {
    ($($const:ident: $sdk:literal, $signing:literal, $prefix:literal, $env:literal, $id:literal, $protocol:expr, $optimized:expr;)*) => {
        $(
            pub static $const: Service = Service {
                sdk_name: $sdk,
                signing_name: $signing,
                endpoint_prefix: $prefix,
                env_key: $env,
                sdk_id: $id,
                protocol: $protocol,
                optimized: $optimized,
            };
        )*
        /// Every service in the table.
        pub static ALL: &[&Service] = &[$(&$const),*];
    };
}

services! {
    LAMBDA: "lambda", "lambda", "lambda", "LAMBDA", "Lambda", Protocol::RestJson, optimized("Lambda", "AWSLambda");
    SQS: "sqs", "sqs", "sqs", "SQS", "Sqs", json("1.0", "AmazonSQS"), optimized("SQS", "AmazonSQS");
    SNS: "sns", "sns", "sns", "SNS", "Sns", Protocol::Query { version: "2010-03-31" }, optimized("SNS", "AmazonSNS");
    DYNAMODB: "dynamodb", "dynamodb", "dynamodb", "DYNAMODB", "DynamoDb", json("1.0", "DynamoDB_20120810"), optimized("DynamoDB", "AmazonDynamoDBv2");
    EVENTBRIDGE: "eventbridge", "events", "events", "EVENTBRIDGE", "EventBridge", json("1.1", "AWSEvents"), optimized("EventBridge", "AmazonEventBridge");
    S3: "s3", "s3", "s3", "S3", "S3", Protocol::RestXml, optimized("S3", "Amazon S3");
    KINESIS: "kinesis", "kinesis", "kinesis", "KINESIS", "Kinesis", json("1.1", "Kinesis_20131202"), None;
    FIREHOSE: "firehose", "firehose", "firehose", "FIREHOSE", "Firehose", json("1.1", "Firehose_20150804"), None;
    LOGS: "cloudwatchlogs", "logs", "logs", "CLOUDWATCH_LOGS", "CloudWatchLogs", json_camel("1.1", "Logs_20140328"), None;
    SECRETS_MANAGER: "secretsmanager", "secretsmanager", "secretsmanager", "SECRETS_MANAGER", "SecretsManager", json("1.1", "secretsmanager"), None;
    SSM: "ssm", "ssm", "ssm", "SSM", "Ssm", json("1.1", "AmazonSSM"), None;
    KMS: "kms", "kms", "kms", "KMS", "Kms", json("1.1", "TrentService"), None;
    ATHENA: "athena", "athena", "athena", "ATHENA", "Athena", json("1.1", "AmazonAthena"), optimized("Athena", "AmazonAthena");
    GLUE: "glue", "glue", "glue", "GLUE", "Glue", json("1.1", "AWSGlue"), optimized("Glue", "AWSGlue");
    ECS: "ecs", "ecs", "ecs", "ECS", "Ecs", json_camel("1.1", "AmazonEC2ContainerServiceV20141113"), None;
    ECR: "ecr", "ecr", "api.ecr", "ECR", "Ecr", json_camel("1.1", "AmazonEC2ContainerRegistry_V20150921"), None;
    CODEBUILD: "codebuild", "codebuild", "codebuild", "CODEBUILD", "CodeBuild", json_camel("1.1", "CodeBuild_20161006"), optimized("CodeBuild", "AWSCodeBuild");
    TEXTRACT: "textract", "textract", "textract", "TEXTRACT", "Textract", json("1.1", "Textract"), None;
    COMPREHEND: "comprehend", "comprehend", "comprehend", "COMPREHEND", "Comprehend", json("1.1", "Comprehend_20171127"), None;
    COGNITO_IDP: "cognitoidentityprovider", "cognito-idp", "cognito-idp", "COGNITO_IDENTITY_PROVIDER", "CognitoIdentityProvider", json("1.1", "AWSCognitoIdentityProviderService"), None;
    DYNAMODB_STREAMS: "dynamodbstreams", "dynamodb", "streams.dynamodb", "DYNAMODB_STREAMS", "DynamoDbStreams", json("1.0", "DynamoDBStreams_20120810"), None;
}

/// The service an `aws-sdk:<name>:...` resource names.
pub fn by_sdk_name(name: &str) -> Option<&'static Service> {
    ALL.iter().copied().find(|s| s.sdk_name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys_are_unique() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert_ne!(a.sdk_name, b.sdk_name);
                assert_ne!(a.env_key, b.env_key);
            }
        }
        assert_eq!(by_sdk_name("cloudwatchlogs").map(|s| s.signing_name), Some("logs"));
        assert!(by_sdk_name("nosuch").is_none());
    }
}
