//! AWS service integrations against moto: each test starts moto and a Switchyard pointed at
//! it (`--<service>-endpoint`, `--aws-endpoint`), runs state machines through the Step
//! Functions API, and checks both the task results and the effects in moto. Skipped (with a
//! message) when moto is not installed.

use std::time::Duration;

use aws_sdk_sfn::Client;
use serde_json::{json, Value};

use crate::moto::Moto;
use crate::support::{create_machine, json, start, unique, wait_done, wait_for_event};

/// Run `definition` on `input` to its end; returns (status, output or `{error, cause}`).
async fn run(client: &Client, definition: Value, input: Value) -> (String, Value) {
    let machine = create_machine(client, &unique("aws"), &definition).await;
    let execution = start(client, &machine, &input).await;
    let done = wait_done(client, &execution, Duration::from_secs(60)).await;
    let status = done.status.as_str().to_owned();
    let result = match done.output() {
        Some(output) => json(Some(output)),
        None => json!({"error": done.error(), "cause": done.cause()}),
    };
    (status, result)
}

/// One Task state; `Catch` sends any error to a Pass state that returns it.
fn task(resource: &str, parameters: Value) -> Value {
    json!({
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": parameters,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": true
            },
            "Caught": {"Type": "Pass", "Parameters": {"caught.$": "$"}, "End": true}
        }
    })
}

#[tokio::test]
async fn lambda_invoke_returns_the_parsed_payload_with_the_sdk_metadata() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    // Without Docker, moto's Lambda answers each invocation with the next queued response.
    let (status, _) = moto
        .rest(
            "lambda",
            "POST",
            "/moto-api/config",
            json!({"lambda": {"use_docker": false}}).to_string(),
        )
        .await;
    assert_eq!(status, 201);
    let queued = json!({"results": [r#"{"greeting": "hello"}"#, r#"{"legacy": true}"#], "region": "us-east-1"});
    let (status, _) = moto
        .rest(
            "lambda",
            "POST",
            "/moto-api/static/lambda-simple/response",
            queued.to_string(),
        )
        .await;
    assert_eq!(status, 201);

    let definition = json!({
        "StartAt": "Optimized",
        "States": {
            "Optimized": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "greeter", "Payload": {"name.$": "$.name"}},
                "ResultPath": "$.optimized",
                "Next": "Legacy"
            },
            "Legacy": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greeter",
                "ResultPath": "$.legacy",
                "End": true
            }
        }
    });
    let (status, output) = run(&client, definition, json!({"name": "world"})).await;
    assert_eq!(status, "SUCCEEDED", "{output}");
    let optimized = &output["optimized"];
    assert_eq!(optimized["Payload"], json!({"greeting": "hello"}));
    assert_eq!(optimized["StatusCode"], 200);
    assert_eq!(optimized["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert_eq!(
        optimized["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"],
        "application/json"
    );
    let request_id = optimized["SdkResponseMetadata"]["RequestId"].as_str().unwrap();
    assert!(!request_id.is_empty());
    assert_eq!(
        optimized["SdkHttpMetadata"]["AllHttpHeaders"]["x-amzn-RequestId"],
        json!([request_id])
    );
    let keys: Vec<&String> = optimized.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"]
    );
    // The legacy resource's result is the function's answer itself.
    assert_eq!(output["legacy"], json!({"legacy": true}));
}

#[tokio::test]
async fn sqs_send_message_sends_json_bodies_as_text_and_names_sqs_errors() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    let queue = moto.queue("orders").await;

    let parameters = json!({"QueueUrl.$": "$.queue", "MessageBody": {"order.$": "$.order"}});
    let definition = task("arn:aws:states:::sqs:sendMessage", parameters);
    let (status, output) = run(&client, definition.clone(), json!({"queue": queue, "order": 7})).await;
    assert_eq!(status, "SUCCEEDED", "{output}");
    assert_eq!(moto.receive(&queue).await, r#"{"order":7}"#);
    assert_eq!(output["MD5OfMessageBody"], md5_hex(r#"{"order":7}"#));
    assert!(output["MessageId"].is_string(), "{output}");
    assert_eq!(output["SdkHttpMetadata"]["HttpStatusCode"], 200);

    let missing = queue.replace("orders", "no-such-queue");
    let (status, output) = run(&client, definition, json!({"queue": missing, "order": 8})).await;
    assert_eq!(status, "SUCCEEDED", "{output}");
    let caught = &output["caught"];
    assert_eq!(caught["Error"], "SQS.QueueDoesNotExistException", "{output}");
    let cause = caught["Cause"].as_str().unwrap();
    assert!(
        cause.starts_with(
            "The specified queue does not exist. (Service: AmazonSQS; Status Code: 400; \
             Error Code: AWS.SimpleQueueService.NonExistentQueue; Request ID: "
        ),
        "{cause}"
    );
    assert!(cause.ends_with("; Proxy: null)"), "{cause}");
}

/// The worker of the callback walkthrough, as its own process (Python with boto3, which
/// moto brings): it long-polls the queue for one message, takes the task token from its
/// body and answers SendTaskSuccess to Switchyard, like the guide's worker Lambda.
const CALLBACK_WORKER: &str = r#"
import json, sys, boto3
queue_url, sqs_endpoint, sfn_endpoint = sys.argv[1:4]
sqs = boto3.client("sqs", endpoint_url=sqs_endpoint, region_name="us-east-1")
sfn = boto3.client("stepfunctions", endpoint_url=sfn_endpoint, region_name="us-east-1")
for _ in range(10):
    messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=2).get("Messages", [])
    if messages:
        break
else:
    sys.exit("no message arrived")
body = json.loads(messages[0]["Body"])
sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
sfn.send_task_success(taskToken=body["TaskToken"], output=json.dumps({"approved": True, "by": "worker", "title": body["MessageTitle"]}))
"#;

/// The Developer Guide's callback pattern with SQS: the state machine sends a message with
/// its task token to a queue and waits; a worker process receives it and answers
/// SendTaskSuccess with the token; the execution completes with the worker's output.
#[tokio::test]
async fn callback_pattern_with_sqs_completes_when_the_worker_answers() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    let queue = moto.queue("callbacks").await;

    let definition = json!({
        "Comment": "An example of the Amazon States Language for starting a task and waiting for a callback.",
        "StartAt": "Start Task And Wait For Callback",
        "States": {
            "Start Task And Wait For Callback": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": queue,
                    "MessageBody": {"MessageTitle": "Task started by Step Functions. Waiting for callback with task token.", "TaskToken.$": "$$.Task.Token"}
                },
                "HeartbeatSeconds": 60,
                "Next": "Notify Success"
            },
            "Notify Success": {"Type": "Pass", "Parameters": {"approved.$": "$.approved", "by.$": "$.by", "title.$": "$.title"}, "End": true}
        }
    });
    let machine = create_machine(&client, "callback-with-sqs", &definition).await;
    let execution = start(&client, &machine, &json!({})).await;
    wait_for_event(&client, &execution, "TaskSubmitted").await;
    assert_eq!(
        wait_status(&client, &execution).await,
        "RUNNING",
        "the task waits for its token"
    );

    // (Blocking is fine: the server is another process.)
    let worker = std::process::Command::new("python3")
        .args(["-c", CALLBACK_WORKER, &queue, &moto.endpoint, &server.endpoint()])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .output()
        .expect("run the worker");
    assert!(
        worker.status.success(),
        "worker: {}",
        String::from_utf8_lossy(&worker.stderr)
    );

    let done = wait_done(&client, &execution, Duration::from_secs(30)).await;
    assert_eq!(done.status.as_str(), "SUCCEEDED", "{:?}", done.cause());
    assert_eq!(
        json(done.output()),
        json!({"approved": true, "by": "worker", "title": "Task started by Step Functions. Waiting for callback with task token."})
    );
}

async fn wait_status(client: &Client, execution: &str) -> String {
    let described = client
        .describe_execution()
        .execution_arn(execution)
        .send()
        .await
        .expect("describe execution");
    described.status.as_str().to_owned()
}

#[tokio::test]
async fn dynamodb_items_round_trip_and_a_failed_condition_is_caught() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    moto.json(
        "dynamodb",
        "DynamoDB_20120810.CreateTable",
        json!({
            "TableName": "people",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    )
    .await;

    let definition = json!({
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": "people", "Item": {"id": {"S.$": "$.id"}, "name": {"S": "Ada"}}},
                "ResultPath": "$.put",
                "Next": "Get"
            },
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "people", "Key": {"id": {"S.$": "$.id"}}},
                "ResultSelector": {"item.$": "$.Item", "status.$": "$.SdkHttpMetadata.HttpStatusCode"},
                "ResultPath": "$.get",
                "Next": "Put again"
            },
            "Put again": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": "people",
                    "Item": {"id": {"S.$": "$.id"}},
                    "ConditionExpression": "attribute_not_exists(id)"
                },
                "Catch": [{
                    "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                    "ResultPath": "$.error",
                    "Next": "Exists"
                }],
                "End": true
            },
            "Exists": {"Type": "Pass", "End": true}
        }
    });
    let (status, output) = run(&client, definition, json!({"id": "p-1"})).await;
    assert_eq!(status, "SUCCEEDED", "{output}");
    assert_eq!(output["put"]["SdkHttpMetadata"]["HttpStatusCode"], 200);
    assert_eq!(
        output["get"],
        json!({"item": {"id": {"S": "p-1"}, "name": {"S": "Ada"}}, "status": 200})
    );
    assert_eq!(output["error"]["Error"], "DynamoDB.ConditionalCheckFailedException");
    let cause = output["error"]["Cause"].as_str().unwrap();
    assert!(
        cause.contains("(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException;"),
        "{cause}"
    );
}

#[tokio::test]
async fn aws_sdk_calls_any_json_protocol_service() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();

    let definition = json!({
        "StartAt": "Create secret",
        "States": {
            "Create secret": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:secretsmanager:createSecret",
                "Parameters": {"Name": "db-password", "SecretString": "hunter2"},
                "ResultPath": null,
                "Next": "Read secret"
            },
            "Read secret": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
                "Parameters": {"SecretId": "db-password"},
                "ResultSelector": {"value.$": "$.SecretString", "name.$": "$.Name"},
                "ResultPath": "$.secret",
                "Next": "Create log group"
            },
            "Create log group": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:cloudwatchlogs:createLogGroup",
                "Parameters": {"LogGroupName": "/switchyard/test"},
                "ResultPath": null,
                "Next": "Find log group"
            },
            "Find log group": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:cloudwatchlogs:describeLogGroups",
                "Parameters": {"LogGroupNamePrefix": "/switchyard/"},
                "ResultSelector": {"names.$": "$.LogGroups[*].LogGroupName"},
                "ResultPath": "$.logs",
                "Next": "Missing table"
            },
            "Missing table": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
                "Parameters": {"TableName": "nope", "Key": {"id": {"S": "1"}}},
                "Catch": [{"ErrorEquals": ["DynamoDb.ResourceNotFoundException"], "ResultPath": "$.error", "Next": "Done"}],
                "End": true
            },
            "Done": {"Type": "Pass", "End": true}
        }
    });
    let (status, output) = run(&client, definition, json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{output}");
    assert_eq!(output["secret"], json!({"value": "hunter2", "name": "db-password"}));
    assert_eq!(output["logs"], json!({"names": ["/switchyard/test"]}));
    assert_eq!(output["error"]["Error"], "DynamoDb.ResourceNotFoundException");
    let cause = output["error"]["Cause"].as_str().unwrap();
    assert!(
        cause.starts_with("Requested resource not found (Service: DynamoDb, Status Code: 400, Request ID: "),
        "{cause}"
    );
}

#[tokio::test]
async fn eventbridge_put_events_delivers_the_detail_as_json_with_the_workflow_in_resources() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    let queue = moto.queue("events").await;
    let attributes = moto
        .json(
            "sqs",
            "AmazonSQS.GetQueueAttributes",
            json!({"QueueUrl": queue, "AttributeNames": ["QueueArn"]}),
        )
        .await;
    let queue_arn = attributes["Attributes"]["QueueArn"].as_str().unwrap().to_owned();
    let pattern = json!({"source": ["switchyard.test"]}).to_string();
    moto.json(
        "events",
        "AWSEvents.PutRule",
        json!({"Name": "to-queue", "EventPattern": pattern}),
    )
    .await;
    moto.json(
        "events",
        "AWSEvents.PutTargets",
        json!({"Rule": "to-queue", "Targets": [{"Id": "q", "Arn": queue_arn}]}),
    )
    .await;

    let parameters = json!({
        "Entries": [{
            "Source": "switchyard.test",
            "DetailType": "Greeting",
            "Detail": {"hello.$": "$.who"},
            "Resources": ["arn:aws:s3:::given"]
        }]
    });
    let definition = task("arn:aws:states:::events:putEvents", parameters);
    let machine = create_machine(&client, &unique("events"), &definition).await;
    let execution = start(&client, &machine, &json!({"who": "world"})).await;
    let done = wait_done(&client, &execution, Duration::from_secs(60)).await;
    let output = json(done.output());
    assert_eq!(done.status.as_str(), "SUCCEEDED", "{output}");
    assert_eq!(output["FailedEntryCount"], 0);
    assert!(output["Entries"][0]["EventId"].is_string(), "{output}");
    let event: Value = serde_json::from_str(&moto.receive(&queue).await).unwrap();
    assert_eq!(event["detail"], json!({"hello": "world"}));
    assert_eq!(event["detail-type"], "Greeting");
    // The optimized integration appends the execution's and the state machine's ARNs.
    assert_eq!(event["resources"], json!(["arn:aws:s3:::given", execution, machine]));
}

#[tokio::test]
async fn sns_publish_reaches_subscribers_and_names_sns_errors() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    let created = moto.query("sns", &[("Action", "CreateTopic"), ("Name", "news")]).await;
    let topic = created
        .split("<TopicArn>")
        .nth(1)
        .and_then(|t| t.split("</TopicArn>").next())
        .expect("a topic ARN")
        .to_owned();
    let queue = moto.queue("news-reader").await;
    let queue_arn = "arn:aws:sqs:us-east-1:123456789012:news-reader";
    moto.query(
        "sns",
        &[
            ("Action", "Subscribe"),
            ("TopicArn", &topic),
            ("Protocol", "sqs"),
            ("Endpoint", queue_arn),
        ],
    )
    .await;

    let parameters = json!({"TopicArn.$": "$.topic", "Message": {"headline.$": "$.headline"}, "Subject": "News"});
    let definition = task("arn:aws:states:::sns:publish", parameters);
    let (status, output) = run(&client, definition.clone(), json!({"topic": topic, "headline": "Rust"})).await;
    assert_eq!(status, "SUCCEEDED", "{output}");
    assert!(output["MessageId"].is_string(), "{output}");
    assert_eq!(output["SdkHttpMetadata"]["HttpStatusCode"], 200);
    let notification: Value = serde_json::from_str(&moto.receive(&queue).await).unwrap();
    assert_eq!(notification["Message"], r#"{"headline":"Rust"}"#);
    assert_eq!(notification["Subject"], "News");

    let missing = topic.replace(":news", ":no-such-topic");
    let (_, output) = run(&client, definition, json!({"topic": missing, "headline": "x"})).await;
    assert_eq!(output["caught"]["Error"], "SNS.NotFoundException", "{output}");
    let cause = output["caught"]["Cause"].as_str().unwrap();
    assert!(
        cause.contains("(Service: AmazonSNS; Status Code: 404; Error Code: NotFound;"),
        "{cause}"
    );
}

#[tokio::test]
async fn s3_objects_are_written_read_and_missing_keys_are_named() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    let (status, text) = moto.rest("s3", "PUT", "/reports", String::new()).await;
    assert_eq!(status, 200, "{text}");

    let definition = json!({
        "StartAt": "Put",
        "States": {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                "Parameters": {"Bucket": "reports", "Key": "daily/today.json", "Body": {"total.$": "$.total"}},
                "ResultPath": "$.put",
                "Next": "Get"
            },
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": "reports", "Key": "daily/today.json"},
                "ResultSelector": {"body.$": "States.StringToJson($.Body)", "length.$": "$.ContentLength"},
                "ResultPath": "$.get",
                "Next": "Missing"
            },
            "Missing": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": "reports", "Key": "nope"},
                "Catch": [{"ErrorEquals": ["S3.NoSuchKeyException"], "ResultPath": "$.error", "Next": "Done"}],
                "End": true
            },
            "Done": {"Type": "Pass", "End": true}
        }
    });
    let (status, output) = run(&client, definition, json!({"total": 42})).await;
    assert_eq!(status, "SUCCEEDED", "{output}");
    assert!(output["put"]["ETag"].is_string(), "{output}");
    assert_eq!(output["get"], json!({"body": {"total": 42}, "length": 12}));
    assert_eq!(output["error"]["Error"], "S3.NoSuchKeyException");
    let (status, stored) = moto.rest("s3", "GET", "/reports/daily/today.json", String::new()).await;
    assert_eq!((status, stored.as_str()), (200, r#"{"total":42}"#));
}

/// With moto checking signatures (as AWS does), a call signed with the environment's
/// credentials is accepted and one signed with a wrong secret is refused.
#[tokio::test]
async fn requests_are_signed_with_the_standard_credentials() {
    let Some(moto) = Moto::start_with_authentication(3) else {
        return;
    };
    moto.query("iam", &[("Action", "CreateUser"), ("UserName", "switchyard")])
        .await;
    let allow_all =
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    moto.query(
        "iam",
        &[
            ("Action", "PutUserPolicy"),
            ("UserName", "switchyard"),
            ("PolicyName", "all"),
            ("PolicyDocument", &allow_all.to_string()),
        ],
    )
    .await;
    let key = moto
        .query("iam", &[("Action", "CreateAccessKey"), ("UserName", "switchyard")])
        .await;
    let element = |name: &str| {
        key.split(&format!("<{name}>"))
            .nth(1)
            .and_then(|t| t.split('<').next())
            .unwrap_or_else(|| panic!("no {name} in {key}"))
            .to_owned()
    };
    let (access_key_id, secret) = (element("AccessKeyId"), element("SecretAccessKey"));
    let definition = task(
        "arn:aws:states:::aws-sdk:sqs:createQueue",
        json!({"QueueName": "signed"}),
    );

    let server = moto.switchyard_signing_with(&access_key_id, &secret);
    let (status, output) = run(&server.client(), definition.clone(), json!({})).await;
    assert_eq!(status, "SUCCEEDED", "{output}");
    assert!(output["QueueUrl"].as_str().unwrap().ends_with("/signed"), "{output}");

    let forged = moto.switchyard_signing_with(&access_key_id, "not-the-secret");
    let (_, output) = run(&forged.client(), definition, json!({})).await;
    assert_eq!(
        output["caught"]["Error"], "Sqs.SignatureDoesNotMatchException",
        "{output}"
    );
}

/// MD5 as SQS reports it (`MD5OfMessageBody`): lowercase hex.
fn md5_hex(text: &str) -> String {
    use md5::Digest;
    md5::Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
