#!/usr/bin/env python3
"""Writes the seed corpus of each fuzz target (fuzz/corpus/<target>/) from the test tables.

The seeds are the string literals and `json!(...)` values of the repository's own tests:
the asl unit tables (paths, intrinsic calls, JSONata expressions, definitions), the CLI and
API tests in crates/switchyard/tests, and the vendored jsonata-js suite in
crates/asl/tests/jsonata-test-suite. Nothing comes from outside the repository.

Each seed is named by the hash of its bytes, so re-running the script adds what is new
and leaves the rest in place. Run it from anywhere: `python3 fuzz/seeds.py`.
"""

import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
MAX_SEED = 4096  # the targets run with -max_len=4096


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def rust_files(*dirs):
    for d in dirs:
        full = os.path.join(ROOT, d)
        if os.path.isfile(full):
            yield d
            continue
        for base, _, names in os.walk(full):
            for name in sorted(names):
                if name.endswith(".rs"):
                    yield os.path.relpath(os.path.join(base, name), ROOT)


# ---- A small Rust lexer: string literals (with their values) and json!(...) spans ----

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def lex(text):
    """Yields (kind, start, end, value) for each string literal ("str") and each `json!(`
    opening ("json") in Rust source, skipping comments and char literals."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text.startswith("json!(", i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            yield ("json", i, i + 6, None)
            i += 6
        elif c == "r" and re.match(r'r#*"', text[i:]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = len(re.match(r"r(#*)", text[i:]).group(1))
            start = i + 2 + hashes
            close = '"' + "#" * hashes
            j = text.find(close, start)
            if j < 0:
                return
            yield ("str", i, j + len(close), text[start:j])
            i = j + len(close)
        elif c == '"' and not (i > 0 and text[i - 1] == "b" and (i < 2 or not text[i - 2].isalnum())):
            value, j = [], i + 1
            while j < n and text[j] != '"':
                if text[j] == "\\":
                    e = text[j + 1]
                    if e in ESCAPES:
                        value.append(ESCAPES[e])
                        j += 2
                    elif e == "u":
                        k = text.index("}", j)
                        value.append(chr(int(text[j + 3 : k], 16)))
                        j = k + 1
                    elif e == "x":
                        value.append(chr(int(text[j + 2 : j + 4], 16)))
                        j += 4
                    elif e == "\n":
                        j += 2
                        while j < n and text[j] in " \t\n\r":
                            j += 1
                    else:
                        value.append(e)
                        j += 2
                else:
                    value.append(text[j])
                    j += 1
            yield ("str", i, j + 1, "".join(value))
            i = j + 1
        elif c == "'":
            if text.startswith("'\\", i):
                j = text.find("'", i + 2)
                i = n if j < 0 else j + 1
            elif i + 2 < n and text[i + 2] == "'":
                i += 3
            elif i + 1 < n and ord(text[i + 1]) > 127 and text[i + 2 : i + 3] != "'":
                # A multi-byte char literal in Python's view is one char, handled above.
                i += 1
            else:
                i += 1  # a lifetime or a label
        else:
            i += 1


def literals(path):
    """The string literals of a file, with the offset where each starts."""
    return [(start, value) for kind, start, _, value in lex(read(path)) if kind == "str"]


def json_values(path):
    """The `json!(...)` values of a file that are plain JSON (no Rust expression inside),
    with the offset of each `json!`."""
    text = read(path)
    tokens = list(lex(text))
    strings = {start: (end, value) for kind, start, end, value in tokens if kind == "str"}
    found = []
    for kind, start, end, _ in tokens:
        if kind != "json":
            continue
        depth, i, out = 1, end, []
        while i < len(text) and depth:
            if i in strings:
                string_end, value = strings[i]
                out.append(json.dumps(value, ensure_ascii=False))
                i = string_end
                continue
            c = text[i]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
                if depth == 0:
                    break
            out.append(c)
            i += 1
        source = re.sub(r",(\s*[}\]])", r"\1", "".join(out)).strip()
        try:
            found.append((start, json.loads(source)))
        except ValueError:
            pass
    return found


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ---- Writing ----

written = {}


def seed(target, text):
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return  # a lone surrogate: not text Rust can hold
    if not data or len(data) > MAX_SEED:
        return
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    path = os.path.join(directory, name)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    written[target] = written.get(target, 0) + 1


def nearest_before(values, offset, accept):
    best = None
    for start, value in values:
        if start < offset and accept(value):
            best = value
    return best


# ---- Per target ----


def jsonpath():
    files = ["crates/asl/src/path/tests.rs", "crates/switchyard/tests/cli/paths.rs", "crates/asl/src/template.rs"]
    for path in files:
        docs = json_values(path)
        for start, text in literals(path):
            t = text.strip()
            if not t.startswith("$") or t.startswith("States.") or "\n" in text:
                continue
            doc = nearest_before(docs, start, lambda v: isinstance(v, (dict, list)) and v)
            seed("jsonpath", text + "\n" + compact(doc if doc is not None else {}))
    # The deep-scan shapes of issue 12, on a small nested document.
    nested = {"a": {"a": {"a": {"a": [1, {"a": 2}]}}}}
    deep = 1
    for _ in range(12):
        deep = {"a": deep, "b": [deep]} if isinstance(deep, int) else {"a": deep}
    for text in ["$..*", "$..*..*", "$..*..*..*..*", "$..a..a", "$..[*]", "$..a[?(@ > 1)]"]:
        seed("jsonpath", text + "\n" + compact(nested))
        seed("jsonpath", text + "\n" + compact(deep))


def intrinsics():
    files = ["crates/asl/src/intrinsics/tests.rs", "crates/switchyard/tests/cli/intrinsics.rs"]
    for path in files:
        text = read(path)
        docs = json_values(path)
        for start, value in literals(path):
            if not value.startswith("States.") or "(" not in value:
                continue
            line_end = text.find("\n", start)
            args = [v for s, v in docs if start < s < line_end]
            doc = {"x": args[0] if args else "abc", "y": args[1] if len(args) > 1 else [1, 2, 3]}
            seed("intrinsics", value + "\n" + compact(doc))


def jsonata():
    for path in ["crates/asl/src/jsonata/tests.rs", "crates/asl/src/template.rs"]:
        for _, value in literals(path):
            if "\n" not in value.strip() and value.strip():
                seed("jsonata", value.strip() + "\n" + compact({"a": 1, "b": [1, 2, 3], "c": {"d": "e"}}))
    suite = os.path.join(ROOT, "crates/asl/tests/jsonata-test-suite")
    datasets = {}
    for name in os.listdir(os.path.join(suite, "datasets")):
        with open(os.path.join(suite, "datasets", name), encoding="utf-8") as f:
            datasets[name[:-5]] = f.read()
    for base, _, names in sorted(os.walk(os.path.join(suite, "groups"))):
        for name in sorted(names):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(base, name), encoding="utf-8") as f:
                case = json.load(f)
            cases = case if isinstance(case, list) else [case]
            for c in cases:
                expr = c.get("expr")
                if not isinstance(expr, str) or "\n" in expr:
                    continue
                data = c.get("data")
                if data is None and c.get("dataset"):
                    data = json.loads(datasets.get(c["dataset"], "null"))
                document = compact(data) if data is not None else ""
                if len(document) > 2048:
                    document = ""
                seed("jsonata", expr + "\n" + document)


CHOICE_KEYS = {"Variable", "And", "Or", "Not", "Condition"}


def choice():
    path = "crates/switchyard/tests/cli/choice.rs"
    text = read(path)
    docs = json_values(path)
    # Rows written as (rule("Op", json!(operand)), json!(input), expected) or
    # (path_rule("OpPath"), json!(input), expected).
    for m in re.finditer(r'\b(rule|path_rule)\("(\w+)"', text):
        operator = m.group(2)
        after = [v for s, v in docs if s > m.end()]
        if m.group(1) == "rule":
            if len(after) < 2:
                continue
            rule, document = {"Variable": "$.v", operator: after[0]}, after[1]
        else:
            if not after:
                continue
            rule, document = {"Variable": "$.v", operator: "$.w"}, after[0]
        seed("choice", compact(rule) + "\n" + compact(document))
    # Whole rules (And/Or/Not, Condition) anywhere in the tests, with the next value as input.
    files = list(rust_files("crates/switchyard/tests", "crates/asl/src/choice.rs", "crates/asl/src/loader/tests.rs"))
    for path in files:
        values = json_values(path)
        for i, (_, value) in enumerate(values):
            for rule in rules_in(value):
                document = values[i + 1][1] if i + 1 < len(values) else {}
                seed("choice", compact(rule) + "\n" + compact(document))
        for _, value in literals(path):
            try:
                parsed = json.loads(value)
            except ValueError:
                continue
            for rule in rules_in(parsed):
                seed("choice", compact(rule) + "\n" + compact({"v": 1, "w": "x"}))


def rules_in(value):
    """The Choice rules inside a value: members of `Choices` arrays, and objects that are
    rules themselves."""
    if isinstance(value, dict):
        if value.get("Type") == "Choice" and isinstance(value.get("Choices"), list):
            yield value["Choices"]
        elif CHOICE_KEYS & value.keys() and "Type" not in value and "States" not in value:
            yield value
            return
        for v in value.values():
            yield from rules_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from rules_in(v)


def definitions():
    """Every definition in the tests: JSON text literals and json! values with StartAt."""
    found = []
    for path in rust_files("crates/asl/src", "crates/switchyard/tests", "crates/engine/src", "crates/api/src"):
        for _, value in literals(path):
            stripped = value.strip()
            if "StartAt" in value and (stripped.startswith("{") or "StartAt:" in value):
                found.append(value)
            elif path.endswith("loader/tests.rs") and len(stripped) < 200:
                # The loader's tables also hold broken texts (the JSON reader's errors).
                found.append(value)
        for _, value in json_values(path):
            for machine in machines_in(value):
                found.append(compact(machine))
    return found


def machines_in(value):
    if isinstance(value, dict):
        if "StartAt" in value and "States" in value:
            yield value
            return
        for v in value.values():
            yield from machines_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from machines_in(v)


def loader(found):
    try:
        import yaml
    except ImportError:
        yaml = None
    for text in found:
        seed("loader", text)
        if yaml is not None and text.lstrip().startswith("{"):
            try:
                seed("loader", yaml.safe_dump(json.loads(text), sort_keys=False, allow_unicode=True))
            except ValueError:
                pass


def api(found):
    """Requests of every operation, alone and after a CreateStateMachine, in the target's
    format: the X-Amz-Target line, then the body line."""
    prefix = "arn:aws:states:us-east-1:123456789012:"
    machine = prefix + "stateMachine:m"
    execution = prefix + "execution:m:e"
    activity = prefix + "activity:a"
    role = "arn:aws:iam::123456789012:role/r"
    hello = compact({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    bodies = {
        "CreateStateMachine": {"name": "m", "definition": hello, "roleArn": role},
        "DescribeStateMachine": {"stateMachineArn": machine},
        "UpdateStateMachine": {"stateMachineArn": machine, "definition": hello, "publish": True},
        "DeleteStateMachine": {"stateMachineArn": machine},
        "ListStateMachines": {"maxResults": 1},
        "DescribeStateMachineForExecution": {"executionArn": execution},
        "ValidateStateMachineDefinition": {"definition": hello, "type": "EXPRESS", "maxResults": 10},
        "PublishStateMachineVersion": {"stateMachineArn": machine, "description": "v"},
        "ListStateMachineVersions": {"stateMachineArn": machine, "maxResults": 1},
        "DeleteStateMachineVersion": {"stateMachineVersionArn": machine + ":1"},
        "CreateStateMachineAlias": {"name": "live", "routingConfiguration": [{"stateMachineVersionArn": machine + ":1", "weight": 100}]},
        "DescribeStateMachineAlias": {"stateMachineAliasArn": machine + ":live"},
        "UpdateStateMachineAlias": {"stateMachineAliasArn": machine + ":live", "description": "d"},
        "DeleteStateMachineAlias": {"stateMachineAliasArn": machine + ":live"},
        "ListStateMachineAliases": {"stateMachineArn": machine},
        "StartExecution": {"stateMachineArn": machine, "name": "e", "input": '{"a":1}'},
        "StartSyncExecution": {"stateMachineArn": machine, "input": "{}"},
        "StopExecution": {"executionArn": execution, "error": "E", "cause": "c"},
        "DescribeExecution": {"executionArn": execution},
        "ListExecutions": {"stateMachineArn": machine, "statusFilter": "RUNNING", "maxResults": 2},
        "GetExecutionHistory": {"executionArn": execution, "reverseOrder": True, "includeExecutionData": False},
        "RedriveExecution": {"executionArn": execution},
        "CreateActivity": {"name": "a", "tags": [{"key": "k", "value": "v"}]},
        "DescribeActivity": {"activityArn": activity},
        "DeleteActivity": {"activityArn": activity},
        "ListActivities": {"nextToken": "x"},
        "GetActivityTask": {"activityArn": activity, "workerName": "w"},
        "SendTaskSuccess": {"taskToken": "abc", "output": "{}"},
        "SendTaskFailure": {"taskToken": "abc", "error": "E", "cause": "c"},
        "SendTaskHeartbeat": {"taskToken": "abc"},
        "TagResource": {"resourceArn": machine, "tags": [{"key": "k", "value": "v"}]},
        "UntagResource": {"resourceArn": machine, "tagKeys": ["k"]},
        "ListTagsForResource": {"resourceArn": machine},
        "DescribeMapRun": {"mapRunArn": prefix + "mapRun:m/x:y"},
        "ListMapRuns": {"executionArn": execution},
        "UpdateMapRun": {"mapRunArn": prefix + "mapRun:m/x:y", "maxConcurrency": 1},
        "TestState": {"definition": compact({"Type": "Pass", "Result": {"a": 1}, "End": True}), "roleArn": role, "input": "{}", "inspectionLevel": "DEBUG"},
    }
    create = "AWSStepFunctions.CreateStateMachine\n" + compact(bodies["CreateStateMachine"])
    for operation, body in bodies.items():
        request = "AWSStepFunctions." + operation + "\n" + compact(body)
        seed("api", request)
        seed("api", create + "\n" + request)
    seed("api", create + "\nAWSStepFunctions.StartExecution\n" + compact(bodies["StartExecution"])
         + "\nAWSStepFunctions.GetExecutionHistory\n" + compact(bodies["GetExecutionHistory"]))
    seed("api", "AWSStepFunctions.CreateStateMachine\n{\"name\": 1}")
    seed("api", "AWSStepFunctions.DescribeExecution\nnot json")
    seed("api", "AWSStepFunctions.Nope\n{}")
    seed("api", "\n{}")
    # Each test definition, created and validated.
    for text in found:
        if text.lstrip().startswith("{"):
            body = compact({"name": "m", "definition": text, "roleArn": role})
            seed("api", "AWSStepFunctions.CreateStateMachine\n" + body
                 + "\nAWSStepFunctions.StartExecution\n" + compact(bodies["StartExecution"]))
            seed("api", "AWSStepFunctions.ValidateStateMachineDefinition\n" + compact({"definition": text}))


def main():
    jsonpath()
    intrinsics()
    jsonata()
    choice()
    found = definitions()
    loader(found)
    api(found)
    for target in sorted(written):
        count = len(os.listdir(os.path.join(CORPUS, target)))
        print(f"{target}: {written[target]} seeds written, {count} files in fuzz/corpus/{target}")


if __name__ == "__main__":
    sys.exit(main())
