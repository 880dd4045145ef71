//! Which service-integration resources Step Functions recognizes, with which integration
//! patterns (Developer Guide, "Integrating optimized services" and each service's page).
//!
//! AWS refuses a definition whose Task names a pattern its service does not support
//! (`arn:aws:states:::sqs:sendMessage.sync`, any `aws-sdk:...sync`) when it is created,
//! not when it runs; checking here gives the same answer before anything runs.

use crate::definition::IntegrationPattern::{self, Callback, Job, JobJson, RequestResponse};

const RR_CALLBACK: &[IntegrationPattern] = &[RequestResponse, Callback];
const RR_JOB: &[IntegrationPattern] = &[RequestResponse, Job];
const RR: &[IntegrationPattern] = &[RequestResponse];

/// An optimized integration's service, with the patterns each of its actions supports.
struct Service {
    name: &'static str,
    /// Whether `actions` lists them all, so an unlisted one is refused too; for the
    /// other services only the listed actions' patterns are checked.
    complete: bool,
    actions: &'static [(&'static str, &'static [IntegrationPattern])],
}

const fn service(
    name: &'static str,
    complete: bool,
    actions: &'static [(&'static str, &'static [IntegrationPattern])],
) -> Service {
    Service {
        name,
        complete,
        actions,
    }
}

const OPTIMIZED: &[Service] = &[
    service("lambda", true, &[("invoke", RR_CALLBACK)]),
    service("sqs", true, &[("sendMessage", RR_CALLBACK)]),
    service("sns", true, &[("publish", RR_CALLBACK)]),
    service(
        "dynamodb",
        true,
        &[("getItem", RR), ("putItem", RR), ("updateItem", RR), ("deleteItem", RR)],
    ),
    service("events", true, &[("putEvents", RR_CALLBACK)]),
    service(
        "states",
        true,
        &[("startExecution", &[RequestResponse, Job, JobJson, Callback])],
    ),
    service("apigateway", true, &[("invoke", RR_CALLBACK)]),
    service("glue", true, &[("startJobRun", RR_JOB)]),
    service("batch", true, &[("submitJob", RR_JOB)]),
    service("ecs", true, &[("runTask", &[RequestResponse, Job, Callback])]),
    service(
        "athena",
        true,
        &[
            ("startQueryExecution", RR_JOB),
            ("stopQueryExecution", RR),
            ("getQueryExecution", RR),
            ("getQueryResults", RR),
        ],
    ),
    service(
        "codebuild",
        true,
        &[
            ("startBuild", RR_JOB),
            ("stopBuild", RR),
            ("batchDeleteBuilds", RR),
            ("batchGetReports", RR),
            ("startBuildBatch", RR_JOB),
            ("stopBuildBatch", RR),
            ("retryBuildBatch", RR_JOB),
            ("deleteBuildBatch", RR),
        ],
    ),
    // Services whose actions are not checked here (each has several, with varied patterns).
    service("bedrock", false, &[]),
    service("eks", false, &[]),
    service("elasticmapreduce", false, &[]),
    service("emr-containers", false, &[]),
    service("emr-serverless", false, &[]),
    service("databrew", false, &[]),
    service("mediaconvert", false, &[]),
    service("sagemaker", false, &[]),
    service("http", false, &[]),
];

/// Whether Step Functions recognizes `resource` as a Task resource. Only service
/// integrations (`arn:<partition>:states:::...`) are judged; activities, Lambda function
/// ARNs and every other ARN pass.
pub(super) fn recognized(resource: &str) -> bool {
    let Some(integration) = resource
        .strip_prefix("arn:")
        .and_then(|rest| rest.split_once(':'))
        .and_then(|(_partition, rest)| rest.strip_prefix("states:::"))
    else {
        return true;
    };
    let (call, pattern) = IntegrationPattern::split(integration);
    match call.split(':').collect::<Vec<_>>().as_slice() {
        // AWS SDK integrations support Request Response and Wait for Callback only.
        ["aws-sdk", service, action] => {
            !service.is_empty() && !action.is_empty() && !action.contains('.') && pattern != Job && pattern != JobJson
        }
        [name, action] => match OPTIMIZED.iter().find(|service| service.name == *name) {
            Some(service) => match service.actions.iter().find(|(known, _)| known == action) {
                Some((_, patterns)) => patterns.contains(&pattern),
                None => !service.complete,
            },
            None => false,
        },
        _ => false,
    }
}

/// AWS's answer for an unrecognized resource (quoted in public reports of
/// `SCHEMA_VALIDATION_FAILED` for `arn:aws:states:::aws-sdk:codebuild:startBuild.sync`).
pub(super) fn unrecognized_message(resource: &str) -> String {
    format!(
        "The resource provided {resource} is not recognized. The value is not a valid resource ARN, or the \
         resource is not available in this region."
    )
}

#[cfg(test)]
mod tests {
    use super::recognized;

    #[test]
    fn each_service_accepts_only_its_patterns() {
        let accepted = [
            "arn:aws:states:::lambda:invoke",
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "arn:aws:states:::dynamodb:putItem",
            "arn:aws:states:::states:startExecution.sync:2",
            "arn:aws:states:::states:startExecution.waitForTaskToken",
            "arn:aws:states:::glue:startJobRun.sync",
            "arn:aws:states:::ecs:runTask.waitForTaskToken",
            "arn:aws:states:::codebuild:startBuildBatch.sync",
            "arn:aws:states:::codebuild:retryBuildBatch.sync",
            "arn:aws:states:::aws-sdk:s3:getObject",
            "arn:aws:states:::aws-sdk:dynamodb:getItem.waitForTaskToken",
            "arn:aws:states:::bedrock:invokeModel",
            "arn:aws:states:::http:invoke",
            "arn:aws-cn:states:::sqs:sendMessage",
            "arn:aws:states:us-east-1:123456789012:activity:a",
            "arn:aws:lambda:us-east-1:123456789012:function:f",
        ];
        for resource in accepted {
            assert!(recognized(resource), "{resource}");
        }
        let refused = [
            "arn:aws:states:::sqs:sendMessage.sync",
            "arn:aws:states:::lambda:invoke.sync",
            "arn:aws:states:::dynamodb:getItem.waitForTaskToken",
            "arn:aws:states:::glue:startJobRun.waitForTaskToken",
            "arn:aws:states:::athena:getQueryResults.sync",
            "arn:aws:states:::codebuild:listBuilds",
            "arn:aws:states:::states:startExecution.sync:3",
            "arn:aws:states:::sqs:receiveMessage",
            "arn:aws:states:::aws-sdk:codebuild:startBuild.sync",
            "arn:aws:states:::aws-sdk:sfn:startExecution.sync:2",
            "arn:aws:states:::aws-sdk:dynamodb",
            "arn:aws:states:::lamda:invoke",
            "arn:aws:states:::lambda",
        ];
        for resource in refused {
            assert!(!recognized(resource), "{resource}");
        }
    }
}
