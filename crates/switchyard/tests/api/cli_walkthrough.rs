//! README's "Walkthrough with the AWS CLI", run as written: the block is read from the
//! README itself, pointed at a fresh server's port, and run by `sh -e` from the repository
//! root, each command's output kept in a file. Skipped (with a message) when the `aws` CLI
//! is not installed.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::{Server, TempDir};

/// The commands of the README's walkthrough block, continuation lines joined.
fn walkthrough_commands(readme: &str) -> Vec<String> {
    let section = readme
        .split("## Walkthrough with the AWS CLI")
        .nth(1)
        .expect("README has a walkthrough section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a sh block");
    block
        .replace("\\\n", " ")
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect()
}

/// The `aws stepfunctions` operation a command runs.
fn operation(command: &str) -> &str {
    let words: Vec<&str> = command.split(' ').collect();
    words
        .iter()
        .position(|w| w.ends_with("aws"))
        .and_then(|i| words.get(i + 4))
        .copied()
        .unwrap_or(words[0])
}

fn aws_installed() -> bool {
    Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn readme_walkthrough_with_the_aws_cli() {
    if !aws_installed() {
        eprintln!(
            "SKIPPED readme_walkthrough_with_the_aws_cli: the `aws` CLI is not on PATH (python3 -m pip install awscli)"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("read README.md");
    let commands = walkthrough_commands(&readme);
    let operations: Vec<&str> = commands.iter().map(|c| operation(c)).collect();
    assert_eq!(
        operations,
        [
            "export",
            "create-state-machine",
            "start-execution",
            "describe-execution",
            "get-execution-history",
            "list-state-machines",
            "delete-state-machine",
        ],
        "{commands:#?}"
    );

    let server = Server::start(0.0);
    let out = TempDir::new();
    let endpoint = format!("http://127.0.0.1:{}", server.port);
    let mut script = String::new();
    for (i, command) in commands.iter().enumerate() {
        script.push_str(&command.replace("http://127.0.0.1:8083", &endpoint));
        script.push_str(&format!(" > \"$WALKTHROUGH_OUT/{i}\"\n"));
    }
    let run = Command::new("sh")
        .args(["-e", "-c", &script])
        .current_dir(&root)
        .env("WALKTHROUGH_OUT", out.path())
        // Nothing from the user's own AWS setup.
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_SFN")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_PAGER", "")
        .output()
        .expect("run sh");
    assert!(
        run.status.success(),
        "the walkthrough failed ({}):\n{script}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    let output = |i: usize| -> Value {
        let text = std::fs::read_to_string(out.path().join(i.to_string())).expect("command output");
        if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON ({e}): {text}", commands[i]))
        }
    };

    let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:hello";
    assert_eq!(output(1)["stateMachineArn"], machine);
    let described = output(3);
    assert_eq!(described["stateMachineArn"], machine);
    let status = described["status"].as_str().expect("a status");
    assert!(["SUCCEEDED", "RUNNING"].contains(&status), "{described}");
    if status == "SUCCEEDED" {
        assert_eq!(described["output"], "\"Hello, world!\"");
    }
    assert_eq!(described["input"], r#"{"name": "world"}"#);
    let events = output(4)["events"].as_array().cloned().expect("events");
    assert_eq!(
        events.first().map(|e| &e["type"]),
        Some(&Value::from("ExecutionStarted"))
    );
    if status == "SUCCEEDED" {
        assert_eq!(
            events.last().map(|e| &e["type"]),
            Some(&Value::from("ExecutionSucceeded"))
        );
    }
    let names: Vec<Value> = output(5)["stateMachines"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|m| m["name"].clone())
        .collect();
    assert_eq!(names, [Value::from("hello")]);
    assert_eq!(output(6), Value::Null, "delete-state-machine prints nothing");

    // The execution ran to its end, and the machine is gone.
    let execution = described["executionArn"].as_str().expect("an execution ARN");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = server.client();
        let done = crate::support::wait_done(&client, execution, std::time::Duration::from_secs(10)).await;
        assert_eq!(done.output(), Some("\"Hello, world!\""));
        assert!(client
            .list_state_machines()
            .send()
            .await
            .expect("list")
            .state_machines()
            .is_empty());
    });
}
