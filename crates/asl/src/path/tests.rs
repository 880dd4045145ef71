//! Table tests for the JSONPath dialect and reference paths, written from Jayway's and
//! AWS's documented behaviour.

use super::*;
use crate::budget::{Budget, OverBudget};
use serde_json::json;

/// `select` must give `expected`.
#[track_caller]
fn check(path: &str, input: &Value, expected: Value) {
    let parsed = Path::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match parsed.select(input) {
        Ok(actual) => assert_eq!(actual, expected, "{path}"),
        Err(error) => panic!("{path}: unexpected error {error}"),
    }
}

/// `select` must report `NotFound`.
#[track_caller]
fn check_not_found(path: &str, input: &Value) {
    let parsed = Path::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match parsed.select(input) {
        Err(PathError::NotFound { .. }) => {}
        other => panic!("{path}: expected NotFound, got {other:?}"),
    }
}

fn store() -> Value {
    json!({
        "store": {
            "book": [
                {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
                {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
                {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
                {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
            ],
            "bicycle": {"color": "red", "price": 19.95}
        },
        "expensive": 10
    })
}

#[test]
fn dot_and_bracket_notation() {
    let input = json!({
        "a": {"b c": 1, "x": 2, "d-e": 3, "": 4, "'q'": 5},
        "b c": 6,
        "key-dash": 7,
        "2": 8,
        "length": 9,
        "屬性": 10,
        "it\\'s": 11,
        "Test\\\"\"Name\"": 12
    });
    let table = [
        ("$.a.x", json!(2)),
        ("$.a['x']", json!(2)),
        ("$.a[\"x\"]", json!(2)),
        ("$.a.['b c']", json!(1)),
        ("$['b c']", json!(6)),
        ("$[ 'b c' ]", json!(6)),
        ("$.a['b c']", json!(1)),
        ("$['a']['x']", json!(2)),
        ("$.key-dash", json!(7)),
        ("$.a.d-e", json!(3)),
        ("$.a['']", json!(4)),
        ("$.a.'q'", json!(5)),
        ("$.2", json!(8)),
        ("$.length", json!(9)),
        ("$.屬性", json!(10)),
        // Bracket names are taken as written: a backslash keeps a quote from ending the
        // name but stays part of it (AWS, recorded execution of `$['Test\""Name"']`).
        ("$['it\\'s']", json!(11)),
        ("$['Test\\\"\"Name\"']", json!(12)),
        ("$['a','b c']", json!({"a": input["a"].clone(), "b c": 6})),
        ("$['missing','b c']", json!({"b c": 6})),
        ("$", input.clone()),
        ("  $.a.x  ", json!(2)),
    ];
    for (path, expected) in table {
        check(path, &input, expected);
    }
}

#[test]
fn array_indexes_slices_and_unions() {
    let input = json!({"a": ["first", "second", "third", "forth", "fifth"]});
    let table = [
        ("$.a[0]", json!("first")),
        ("$.a[4]", json!("fifth")),
        ("$.a[-1]", json!("fifth")),
        ("$.a[-5]", json!("first")),
        ("$.a[1:3]", json!(["second", "third"])),
        ("$.a[1:]", json!(["second", "third", "forth", "fifth"])),
        ("$.a[:2]", json!(["first", "second"])),
        ("$.a[-2:]", json!(["forth", "fifth"])),
        ("$.a[:-3]", json!(["first", "second"])),
        ("$.a[7:10]", json!([])),
        ("$.a[2:1]", json!([])),
        ("$.a[3:-2]", json!([])),
        ("$.a[0:3:2]", json!(["first", "second", "third"])),
        // Jayway walks from the 2nd-last element round to the first.
        ("$.a[-2:1]", json!(["forth", "fifth", "first"])),
        ("$.a[0,2]", json!(["first", "third"])),
        ("$.a[ 4 , 0 ]", json!(["fifth", "first"])),
        ("$.a[0,0]", json!(["first", "first"])),
        ("$.a[0,9]", json!(["first"])),
    ];
    for (path, expected) in table {
        check(path, &input, expected);
    }
    check_not_found("$.a[5]", &input);
    check_not_found("$.a[-6]", &input);
    check_not_found("$.a[0]", &json!({"a": {"0": "x"}}));
}

#[test]
fn wildcards_and_deep_scan() {
    let input = store();
    let table = [
        (
            "$.store.book[*].author",
            json!(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]),
        ),
        ("$.store.bicycle.*", json!(["red", 19.95])),
        ("$.store.bicycle[*]", json!(["red", 19.95])),
        ("$.store..price", json!([8.95, 12.99, 8.99, 22.99, 19.95])),
        ("$..book[2].title", json!(["Moby Dick"])),
        ("$..book[-1].title", json!(["The Lord of the Rings"])),
        ("$..book[0,1].price", json!([8.95, 12.99])),
        ("$..book[:1].category", json!(["reference"])),
        ("$..isbn", json!(["0-553-21311-3", "0-395-19395-8"])),
        ("$..['color','price']", json!([{"color": "red", "price": 19.95}])),
        ("$.expensive.*", json!([])),
    ];
    for (path, expected) in table {
        check(path, &input, expected);
    }
    // Parents come before their descendants, objects in key order.
    check("$..*", &json!({"a": {"b": 1}, "c": [2]}), json!([{"b": 1}, [2], 1, 2]));
    check(
        "$..key",
        &json!({"key": "top", "o": {"key": {"key": "inner"}}}),
        json!(["top", {"key": "inner"}, "inner"]),
    );
    check("$..*", &json!(42), json!([]));
    // AWS flattens arrays of arrays this way ("Using JSONPath paths", Developer Guide).
    check("$[*][*]", &json!([[1, 2], [3]]), json!([1, 2, 3]));
}

#[test]
fn filters_compare_values() {
    let input = store();
    let titles = |path: &str| {
        let selected = Path::parse(path)
            .and_then(|p| p.select(&input))
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        selected
            .as_array()
            .map(|books| books.iter().map(|b| b["title"].clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let table: [(&str, &[&str]); 16] = [
        (
            "$.store.book[?(@.price < 10)]",
            &["Sayings of the Century", "Moby Dick"],
        ),
        (
            "$.store.book[?(@.price <= 8.99)]",
            &["Sayings of the Century", "Moby Dick"],
        ),
        ("$.store.book[?(@.price > 20)]", &["The Lord of the Rings"]),
        ("$.store.book[?(@.price >= 22.99)]", &["The Lord of the Rings"]),
        ("$.store.book[?(@.price == 12.99)]", &["Sword of Honour"]),
        ("$.store.book[?(@.category != 'fiction')]", &["Sayings of the Century"]),
        (
            "$.store.book[?(@.category == \"reference\")]",
            &["Sayings of the Century"],
        ),
        ("$.store.book[?(@.isbn)]", &["Moby Dick", "The Lord of the Rings"]),
        (
            "$.store.book[?(!@.isbn)]",
            &["Sayings of the Century", "Sword of Honour"],
        ),
        (
            "$.store.book[?(@.price < $.expensive)]",
            &["Sayings of the Century", "Moby Dick"],
        ),
        (
            "$.store.book[?(@.category == 'fiction' && @.price < 10)]",
            &["Moby Dick"],
        ),
        (
            "$.store.book[?(@.price < 9 || @.price > 20)]",
            &["Sayings of the Century", "Moby Dick", "The Lord of the Rings"],
        ),
        (
            "$.store.book[?(!(@.price < 10) && (@.isbn || @.author == 'Evelyn Waugh'))]",
            &["Sword of Honour", "The Lord of the Rings"],
        ),
        ("$.store.book[?(@.author =~ /.*REES/i)]", &["Sayings of the Century"]),
        ("$.store.book[?(@.title =~ /M.* D.ck/)]", &["Moby Dick"]),
        (
            "$.store.book[?(@.category in ['reference', 'poetry'])]",
            &["Sayings of the Century"],
        ),
    ];
    for (path, expected) in table {
        assert_eq!(titles(path), expected, "{path}");
    }
    // A filter applied to an object tests the object itself.
    check(
        "$.store.bicycle[?(@.color)]",
        &input,
        json!([input["store"]["bicycle"].clone()]),
    );
    check("$.store.bicycle[?(@.size)]", &input, json!([]));
    // Filters nest, and `$` inside any level is the document.
    check("$.store[?(@.book[?(@.price > $.expensive)])].color", &input, json!([]));
}

#[test]
fn filter_operators() {
    let input = json!([
        {"id": 1, "tags": ["a", "b"], "name": "alpha", "n": 42},
        {"id": 2, "tags": ["c"], "name": "", "n": "42"},
        {"id": 3, "tags": [], "name": "gamma", "n": 42.0}
    ]);
    let ids = |path: &str| {
        let selected = Path::parse(path)
            .and_then(|p| p.select(&input))
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        selected
            .as_array()
            .map(|items| items.iter().map(|i| i["id"].clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let table: [(&str, &[i64]); 21] = [
        ("$[?(@.id in [1, 3])]", &[1, 3]),
        ("$[?(@.id nin [1, 3])]", &[2]),
        ("$[?('a' in @.tags)]", &[1]),
        ("$[?(@.tags contains 'c')]", &[2]),
        ("$[?(@.name contains 'amm')]", &[3]),
        ("$[?(@.tags subsetof ['a', 'b', 'c'])]", &[1, 2, 3]),
        ("$[?(@.tags anyof ['b', 'c'])]", &[1, 2]),
        ("$[?(@.tags noneof ['b', 'c'])]", &[3]),
        ("$[?(@.tags size 1)]", &[2]),
        ("$[?(@.name size 5)]", &[1, 3]),
        ("$[?(@.tags empty true)]", &[3]),
        ("$[?(@.name empty false)]", &[1, 3]),
        ("$[?(@.name =~ /.*a/)]", &[1, 3]),
        // Jayway's `==` is lopsided: a number on the left parses a string on the right,
        // a string on the left compares with the number's text (42.0 is "42.0").
        ("$[?(@.n == 42)]", &[1, 2, 3]),
        ("$[?(@.n == '42')]", &[1, 2, 3]),
        ("$[?('42' == @.n)]", &[1, 2]),
        ("$[?(@.n === 42)]", &[1, 3]),
        ("$[?(@.n !== 42)]", &[2]),
        ("$[?(@.tags == ['a','b'])]", &[1]),
        ("$[?(@.id IN [2])]", &[2]),
        ("$[?(@.missing == @.other)]", &[]),
    ];
    for (path, expected) in table {
        let expected: Vec<Value> = expected.iter().map(|&i| json!(i)).collect();
        assert_eq!(ids(path), expected, "{path}");
    }
    check("$[?(@ > 1)]", &json!([0, 1, 2, "3", null, 2.5]), json!([2, 2.5]));
    check("$[?(@ == null)]", &json!([0, null, {"a": null}]), json!([null]));
    check("$[?(1 == 1)]", &json!([1, "x"]), json!([1, "x"]));
    // Comparing strings uses Java's (UTF-16) order.
    check("$[?(@ > 'b')]", &json!(["a", "c", "B", "bb"]), json!(["c", "bb"]));
}

#[test]
fn functions() {
    let input = json!({
        "numbers": [1, 2, 3, 4],
        "mixed": [1, "2", 3],
        "empty": [],
        "text": ["a", "b", 1],
        "object": {"x": 1, "y": 2},
        "word": "hello",
        "items": [{"price": 5}, {"price": 15}, {"values": [1, 2]}]
    });
    let table = [
        ("$.numbers.length()", json!(4)),
        ("$.numbers.size()", json!(4)),
        ("$.object.length()", json!(2)),
        ("$.word.length()", json!(null)),
        ("$.length()", json!(7)),
        ("$['numbers'].length()", json!(4)),
        ("$.numbers.sum()", json!(10.0)),
        ("$.numbers.avg()", json!(2.5)),
        ("$.numbers.min()", json!(1.0)),
        ("$.numbers.max()", json!(4.0)),
        ("$.numbers.stddev()", json!(1.118033988749895)),
        ("$.mixed.sum()", json!(4.0)),
        ("$.numbers.sum(10, $.numbers.max())", json!(24.0)),
        ("$.sum(5, 3)", json!(8.0)),
        ("$.text.concat()", json!("ab")),
        ("$.text.concat(\"-\", 7, $.word)", json!("ab-7hello")),
        ("$.numbers.append(5, \"x\")", json!([1, 2, 3, 4, 5, "x"])),
        ("$.numbers.append(6).avg()", json!(3.2)),
        ("$.object.keys()", json!(["x", "y"])),
        ("$.numbers.first()", json!(1)),
        ("$.numbers.last()", json!(4)),
        ("$.numbers.index(1)", json!(2)),
        ("$.numbers.index(-2)", json!(3)),
        ("$.numbers.append(1, 2).distinct()", json!([1, 2, 3, 4])),
        // A function after a leading deep scan aggregates over all matches.
        ("$..price.sum()", json!(20.0)),
        ("$..price.max()", json!(15.0)),
        // length() of a deep scan counts the children of the matches.
        ("$..values.length()", json!(2)),
        // On an indefinite path the function applies to each match.
        ("$.items[*].values.length()", json!([2])),
        ("$.items[?(@.price)].price.length()", json!([null, null])),
    ];
    for (path, expected) in table {
        check(path, &input, expected);
    }
    for path in [
        "$.empty.avg()",
        "$.word.sum()",
        "$.empty.first()",
        "$.object.distinct()",
    ] {
        let result = Path::parse(path).and_then(|p| p.select(&input));
        assert!(matches!(result, Err(PathError::Function { .. })), "{path}: {result:?}");
    }
    check_not_found("$.missing.length()", &input);
    // Functions inside filters.
    check(
        "$.items[?(@.values.length() >= 2)]",
        &input,
        json!([{"values": [1, 2]}]),
    );
}

#[test]
fn definite_paths_and_missing_values() {
    let input = json!({"a": {"b": "text", "n": null}, "items": []});
    // AWS's error cause embeds Jayway's message.
    let error = Path::parse("$.NoSuchInputPath")
        .and_then(|p| p.select(&input))
        .err()
        .map(|e| e.to_string());
    assert_eq!(error.as_deref(), Some("No results for path: $['NoSuchInputPath']"));
    check("$.a.n", &input, json!(null));
    for path in ["$.a.x", "$.a.b.c", "$.x.y", "$.a.b[0]", "$.items[0]", "$.a[0]"] {
        check_not_found(path, &input);
    }
    // An indefinite path never fails for a missing value: it matches nothing. AWS gives
    // `[]` for `$.items[1:]`, `$.item.items[1:5].itemValue` and `$[*]` on `{}` (recorded
    // executions), although Jayway itself throws for a missing property before a slice.
    let empty = json!({});
    for path in [
        "$[*]",
        "$.items[1:]",
        "$.items[:1]",
        "$.items[1:].itemValue",
        "$.item.items[1:5].itemValue",
        "$.x[?(@.a)]",
        "$..x",
        "$.a[0,1]",
    ] {
        check(path, &empty, json!([]));
    }
    check("$[*].a", &json!([{"a": 1}, {"b": 2}, 3]), json!([1]));
}

#[test]
fn definiteness() {
    let table = [
        ("$", true),
        ("$.a.b[0]['c']", true),
        ("$['a','b']", true),
        ("$['a','b'].c", false),
        ("$.a.length()", true),
        ("$..a.length()", true),
        ("$.a[*]", false),
        ("$.a[0,1]", false),
        ("$.a[0:1]", false),
        ("$..a", false),
        ("$.a[?(@.b)]", false),
        ("$.a[*].length()", false),
    ];
    for (path, definite) in table {
        let parsed = Path::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(parsed.is_definite(), definite, "{path}");
    }
}

#[test]
fn normalized_rendering() {
    let table = [
        ("$.NoSuchInputPath", "$['NoSuchInputPath']"),
        ("$.a.b[0]", "$['a']['b'][0]"),
        ("$['a b'][\"c\"]", "$['a b'][\"c\"]"),
        ("$.a[1:3][-1][*]..b[?(@.c)]", "$['a'][1:3][-1][*]..['b'][?]"),
        ("$$.Execution.Id", "$$['Execution']['Id']"),
        ("$myVar.field[0]", "$myVar['field'][0]"),
        ("$.items.length()", "$['items'].length()"),
        ("$['it\\'s']", "$['it\\'s']"),
    ];
    for (path, normalized) in table {
        let parsed = Path::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(parsed.normalized(), normalized, "{path}");
        assert_eq!(parsed.as_str(), path);
    }
}

#[test]
fn roots() {
    let table = [
        ("$", Root::Input),
        ("$.x", Root::Input),
        ("$[0]", Root::Input),
        ("$$", Root::Context),
        ("$$.Execution.Id", Root::Context),
        ("$$['Map']['Item']", Root::Context),
        ("$myVar", Root::Variable("myVar".into())),
        ("$myVar.field", Root::Variable("myVar".into())),
        ("$myVar[0]", Root::Variable("myVar".into())),
        ("$_tmp2['a b']", Root::Variable("_tmp2".into())),
    ];
    for (path, root) in table {
        let parsed = Path::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(parsed.root(), &root, "{path}");
    }
    // The caller passes the value the root refers to.
    let context = json!({"Execution": {"Id": "arn:exec", "Input": {"a": 1}}});
    check("$$.Execution.Id", &context, json!("arn:exec"));
    check("$$.Execution.Input.a", &context, json!(1));
    let variable = json!({"field": [10, 20], "limit": 15});
    check("$myVar.field[1]", &variable, json!(20));
    check("$myVar.field[?(@ < $.limit)]", &variable, json!([10]));
    for bad in ["$1", "$my-var", "$$$", "$$x", "@.a", "x", "$ .a"] {
        assert!(Path::parse(bad).is_err(), "{bad} should be rejected");
    }
}

#[test]
fn syntax_errors_explain_themselves() {
    let error = Path::parse("$.a b").err();
    assert_eq!(
        error,
        Some(PathError::Syntax {
            path: "$.a b".into(),
            reason: SyntaxError::Blank { position: 2 }
        })
    );
    // The texts are those definitions' diagnostics have always shown.
    let table = [
        ("$.foo()", "the function 'foo()' does not exist"),
        (
            "$.a b",
            "use bracket notation ['my prop'] if a property contains blank characters (position 2)",
        ),
        ("$[?(@.a == /x(/)]", "invalid filter [?(@.a == /x(/)]: unclosed group in regular expression"),
        (
            "$[?(@.a =~ /(?=x)/)]",
            "invalid filter [?(@.a =~ /(?=x)/)]: look-around is not supported in regular expressions",
        ),
        (
            "$[?(@.a =~ /(a)\\1/)]",
            "invalid filter [?(@.a =~ /(a)\\1/)]: back-references are not supported in regular expressions",
        ),
        (
            "$[?(@.a.foo() == 1)]",
            "invalid filter [?(@.a.foo() == 1)]: invalid path '@.a.foo()': the function 'foo()' does not exist",
        ),
        ("$.sum({'a' 1})", "invalid function argument {'a' 1}: expected ':' in JSON literal"),
        ("$.sum(@.x y)", "invalid function argument @.x y: use bracket notation ['my prop'] if a property contains blank characters (position 2)"),
        ("$[?(@.a in [1,])]", "invalid filter [?(@.a in [1,])]: unexpected '' in JSON literal"),
        ("$[1:x]", "could not parse the token starting at position 1: expected ?, ', 0-9 or *"),
        ("$['a'", "properties must be separated by ',' and closed by ']' (position 4)"),
        ("$.", "a path must not end with '.' or '..'"),
        ("", "the path is empty"),
        ("x", "a path must start with '$'"),
        ("$x-y", "unexpected character '-' at position 2: expected '.' or '['"),
        ("$...a", "'.' at position 3 is not valid"),
        ("$.length().a", "only a function call may follow a function call (position 11)"),
        ("$[?(@.a == 'x)]", "no closing quote ' for the string at position 11"),
        ("$[?(@.a == tru)]", "invalid filter [?(@.a == tru)]: expected true at position 8"),
    ];
    let wrong: Vec<String> = table
        .iter()
        .filter_map(|(path, reason)| {
            let error = Path::parse(path).err().map(|e| e.to_string());
            (error != Some(format!("Invalid path '{path}': {reason}"))).then(|| format!("{path}: {error:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Examples from the AWS Step Functions Developer Guide, "Using JSONPath paths"
/// (docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html), which
/// are also the Reference Paths examples of the Amazon States Language specification
/// (states-language.net, "Reference Paths").
#[test]
fn developer_guide_examples() {
    let input = json!({
        "foo": 123,
        "bar": ["a", "b", "c"],
        "car": {"cdr": true},
        "jar": [{"a": 1}, {"a": 5}, {"a": 2}, {"a": 7}, {"a": 3}]
    });
    for (path, expected) in [
        ("$.foo", json!(123)),
        ("$.bar", json!(["a", "b", "c"])),
        ("$.car.cdr", json!(true)),
    ] {
        check(path, &input, expected.clone());
        let reference = ReferencePath::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(reference.get(&input), Some(&expected), "{path}");
    }
    check("$.jar[?(@.a >= 5)]", &input, json!([{"a": 5}, {"a": 7}]));
    check("$.abc.['def ghi']", &json!({"abc": {"def ghi": 1}}), json!(1));
}

/// The `ResultPath` examples of the Developer Guide page "Specifying state output using
/// ResultPath in Step Functions" (input-output-resultpath.html).
#[test]
fn developer_guide_result_path_examples() {
    let input = json!({"comment": "This is a test", "details": "Default example", "who": "Step Functions"});
    let result = json!("Hello, Step Functions!");

    let mut replaced = input.clone();
    let whole = ReferencePath::parse("$").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(whole.set(&mut replaced, result.clone()), Ok(()));
    assert_eq!(replaced, result);

    let mut combined = input.clone();
    let taskresult = ReferencePath::parse("$.taskresult").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(taskresult.set(&mut combined, result.clone()), Ok(()));
    assert_eq!(
        combined,
        json!({"comment": "This is a test", "details": "Default example", "who": "Step Functions", "taskresult": "Hello, Step Functions!"})
    );
}

#[test]
fn reference_paths_parse() {
    for path in [
        "$",
        "$.a",
        "$.a.b",
        "$['a']['b c']",
        "$.a[0]",
        "$.a[-1]",
        "$.a[0][1].b",
        "$.key-dash",
        "$$.Execution.Input",
        "$$.Map.Item.Value",
        "$myVar.x[2]",
    ] {
        let parsed = ReferencePath::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(parsed.as_str(), path);
    }
    let table = [
        ("$.a[*]", "wildcards"),
        ("$.a.*", "wildcards"),
        ("$..a", "deep scans"),
        ("$.a[1:2]", "slices"),
        ("$.a[0,1]", "union of indexes"),
        ("$['a','b']", "union of properties"),
        ("$.a[?(@.b)]", "filters"),
        ("$.a.length()", "functions"),
        ("$..a.sum()", "functions"),
    ];
    for (path, reason) in table {
        match ReferencePath::parse(path) {
            Err(PathError::NotReferencePath { message, .. }) => {
                assert!(message.contains(reason), "{path}: {message}");
            }
            other => panic!("{path}: expected a reference-path error, got {other:?}"),
        }
    }
    assert!(matches!(ReferencePath::parse("$.a["), Err(PathError::Syntax { .. })));
    let context = ReferencePath::parse("$$.Execution.Id").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(context.root(), &Root::Context);
}

#[test]
fn reference_paths_get() {
    let input = json!({"a": {"b": [10, {"c": null}]}});
    let table = [
        ("$", Some(input.clone())),
        ("$.a.b[0]", Some(json!(10))),
        ("$.a.b[-1].c", Some(json!(null))),
        ("$.a.b[2]", None),
        ("$.a.x", None),
        ("$.a.b.c", None),
        ("$.a[0]", None),
    ];
    for (path, expected) in table {
        let parsed = ReferencePath::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(parsed.get(&input), expected.as_ref(), "{path}");
    }
}

#[test]
fn reference_paths_set() {
    let set = |path: &str, target: &Value, value: Value| {
        let mut target = target.clone();
        let parsed = ReferencePath::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        parsed.set(&mut target, value).map(|()| target)
    };
    let input = json!({"a": {"b": 1}, "list": [1, {"x": 2}], "s": "text"});
    let table = [
        ("$", json!("new")),
        ("$.a.b", json!({"a": {"b": "new"}, "list": [1, {"x": 2}], "s": "text"})),
        (
            "$.a.c",
            json!({"a": {"b": 1, "c": "new"}, "list": [1, {"x": 2}], "s": "text"}),
        ),
        (
            "$.x.y.z",
            json!({"a": {"b": 1}, "list": [1, {"x": 2}], "s": "text", "x": {"y": {"z": "new"}}}),
        ),
        (
            "$.list[0]",
            json!({"a": {"b": 1}, "list": ["new", {"x": 2}], "s": "text"}),
        ),
        (
            "$.list[-1].x",
            json!({"a": {"b": 1}, "list": [1, {"x": "new"}], "s": "text"}),
        ),
        (
            "$.list[1]['y z']",
            json!({"a": {"b": 1}, "list": [1, {"x": 2, "y z": "new"}], "s": "text"}),
        ),
    ];
    for (path, expected) in table {
        assert_eq!(set(path, &input, json!("new")), Ok(expected), "{path}");
    }
    // Key order is kept when a property is replaced.
    let replaced = set("$.a", &json!({"a": 1, "b": 2}), json!(3));
    assert_eq!(
        replaced.map(|v| serde_json::to_string(&v).unwrap_or_default()),
        Ok(r#"{"a":3,"b":2}"#.to_string())
    );

    let failures = [
        ("$.s.x", "NotAnObject"),
        ("$.a.b.c", "NotAnObject"),
        ("$.list[0].x", "NotAnObject"),
        ("$.a[0]", "NotAnArray"),
        ("$.new[0]", "NotAnArray"),
        ("$.new.deeper[0]", "NotAnArray"),
        ("$.list[2]", "IndexOutOfRange"),
        ("$.list[-3]", "IndexOutOfRange"),
    ];
    for (path, kind) in failures {
        let mut target = input.clone();
        let parsed = ReferencePath::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let error = parsed.set(&mut target, json!("new"));
        let matches_kind = match &error {
            Err(PathError::NotAnObject { .. }) => kind == "NotAnObject",
            Err(PathError::NotAnArray { .. }) => kind == "NotAnArray",
            Err(PathError::IndexOutOfRange { .. }) => kind == "IndexOutOfRange",
            _ => false,
        };
        assert!(matches_kind, "{path}: {error:?}");
        assert_eq!(target, input, "{path}: a failed set must not change the target");
    }
    let error = ReferencePath::parse("$.s.x")
        .map(|p| p.set(&mut input.clone(), json!(1)))
        .ok()
        .and_then(Result::err)
        .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("Cannot set '$.s.x': the value at $['s'] is not an object")
    );
    // A non-object input cannot take a field.
    assert!(set("$.a", &json!([1]), json!(1)).is_err());
    assert!(set("$.a", &json!("text"), json!(1)).is_err());
}

/// No input text, however malformed, may panic the parser or the evaluator.
#[test]
fn arbitrary_text_never_panics() {
    const PIECES: [&str; 40] = [
        "$", "$$", "@", ".", "..", "[", "]", "(", ")", "?", "*", ":", ",", "'", "\"", "\\", "/", "-", "0", "1", "-1",
        "a", "b c", "==", "<", ">=", "!", "&&", "||", "=~", "in", " ", "length()", "sum(", "{", "}", "true", "null",
        "[?(", ")]",
    ];
    let document = json!({"a": [1, {"b": [2, "x"]}, null], "b c": {"a": "y"}, "0": 1});
    let mut seed: u64 = 0x5eed;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for _ in 0..20_000 {
        let len = next() % 12;
        let mut text = String::new();
        for _ in 0..len {
            text.push_str(PIECES[next() % PIECES.len()]);
        }
        if let Ok(path) = Path::parse(&text) {
            let _ = path.select(&document);
            let _ = path.normalized();
        }
        if let Ok(reference) = ReferencePath::parse(&text) {
            let _ = reference.get(&document);
            let _ = reference.set(&mut document.clone(), json!(1));
        }
    }
}

/// `{"a":{"a":...1}}`, `depth` objects deep.
fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(1), |inner, _| json!({ "a": inner }))
}

/// Issue 12: `$..*..*..*..*` on a 421-byte object nested 70 deep reached 3.8 GB before the
/// result's size was checked. The budget stops each of these while they are built.
#[test]
fn runaway_selections_run_out_of_budget() {
    let table = [
        ("$..*..*..*..*", nested(70)),
        ("$..*..*..*..*", nested(50)),
        ("$..*..*..*..*..*..*..*..*", nested(100)),
        ("$..*..*..*..*..*..nothing", nested(120)),
        ("$..*[?(@..a)]..*..*..*", nested(90)),
    ];
    for (path, input) in table {
        let selected = Path::parse(path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .select(&input);
        assert!(
            matches!(selected, Err(PathError::OverBudget(_))),
            "{path}: {selected:?}"
        );
    }
}

#[test]
fn budget_is_charged_while_the_result_is_built() {
    let input = json!({"items": vec![json!({"name": "x".repeat(100)}); 100]});
    let path = Path::parse("$.items[*].name").unwrap_or_else(|e| panic!("{e}"));
    let enough = Budget::new(100 * 1024, 1000);
    assert_eq!(
        path.select_within(&input, &enough).map(|v| v.as_array().map(Vec::len)),
        Ok(Some(100))
    );
    // Copying fifty 100-byte names is more than 5,000 bytes.
    let small = Budget::new(5_000, 1000);
    assert_eq!(
        path.select_within(&input, &small),
        Err(PathError::OverBudget(OverBudget::Memory { limit: 5_000 }))
    );
    // Visiting the items is work too.
    let few_steps = Budget::new(usize::MAX, 50);
    assert_eq!(
        path.select_within(&input, &few_steps),
        Err(PathError::OverBudget(OverBudget::Work { limit: 50 }))
    );
}

/// What a payload at AWS's limit needs stays well inside the default budget.
#[test]
fn payloads_at_the_limit_fit_the_budget() {
    let numbers = json!(vec![1; 120_000]);
    let objects = json!(vec![json!({"id": 12345, "tags": ["a", "b"]}); 7_000]);
    let deep = nested(100);
    let table = [
        ("$[*]", &numbers),
        ("$..*", &numbers),
        ("$[?(@ == 1)]", &numbers),
        ("$..id.sum()", &objects),
        ("$..*", &objects),
        ("$[?(@.tags[*] contains 'b')].id", &objects),
        ("$..*", &deep),
        ("$..a..a", &deep),
    ];
    for (path, input) in table {
        let selected = Path::parse(path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .select(input);
        assert!(selected.is_ok(), "{path}: {selected:?}");
    }
}
