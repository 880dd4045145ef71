//! Why a path's text was refused: one variant per rule of Jayway's scanner that the text
//! broke, with the position or piece of text involved.
//!
//! The `Display` texts are what definitions' diagnostics show after `Invalid path '...': `,
//! so they stay word for word as they are; errors inside a filter or a function argument
//! carry the inner error as their `reason`, and print it after their own text.

pub use super::regex::RegexError;

/// A path's text broke one of Jayway's syntax rules (or one of the limits that keep
/// parsing off deep stacks).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxError {
    #[error("the path nests filters or function calls too deeply")]
    TooDeep,
    #[error("the path is empty")]
    Empty,
    #[error("a path must not end with '.' or '..'")]
    TrailingDot,
    #[error("a path must not end with '.'")]
    EndsWithDot,
    #[error("a path must start with '$'")]
    MissingRoot,
    #[error("a path must start with '$' or '@'")]
    MissingEmbeddedRoot,
    #[error("unexpected character '{found}' at position {position}: expected '.' or '['")]
    AfterRoot { found: char, position: usize },
    #[error("'.' at position {position} is not valid")]
    StrayDot { position: usize },
    #[error("only a function call may follow a function call (position {position})")]
    AfterFunction { position: usize },
    #[error("could not parse the token at position {position}")]
    UnreadableToken { position: usize },
    #[error("use bracket notation ['my prop'] if a property contains blank characters (position {position})")]
    Blank { position: usize },
    #[error(
        "a deep scan '..' must be followed by a property, an index, a wildcard or a filter, not the function '{name}()'"
    )]
    FunctionAfterScan { name: String },
    #[error("the function '{name}()' does not exist")]
    UnknownFunction { name: String },
    #[error("the arguments of the function '{name}()' are not closed")]
    UnclosedArguments { name: String },
    /// A `]` or `}` closes nothing.
    #[error("unexpected '{found}' at position {position}")]
    UnbalancedClose { found: char, position: usize },
    #[error("invalid function argument {text}: {reason}")]
    InvalidArgument { text: String, reason: Box<SyntaxError> },
    #[error("could not parse the token starting at position {position}: expected ?, ', 0-9 or *")]
    UnknownBracket { position: usize },
    #[error("found an empty property at position {position}")]
    EmptyProperty { position: usize },
    #[error("properties must be separated by ',' and closed by ']' (position {position})")]
    PropertySeparator { position: usize },
    #[error("the property is not closed: missing closing {quote}")]
    UnclosedQuote { quote: char },
    #[error("the property is not closed: missing closing ]")]
    UnclosedProperty,
    #[error("expected ']' after the wildcard at position {position}")]
    UnclosedWildcard { position: usize },
    #[error("invalid filter {filter}: {reason}")]
    InvalidFilter { filter: String, reason: Box<SyntaxError> },
    #[error("invalid array slice [{expression}]")]
    InvalidSlice { expression: String },
    #[error("invalid array index '{index}' in [{expression}]")]
    InvalidIndex { index: String, expression: String },
    #[error("unable to parse the unicode escape \\u{hex}")]
    UnicodeEscape { hex: String },
    #[error("no closing quote {quote} for the string at position {position}")]
    NoClosingQuote { quote: char, position: usize },
    #[error("no closing '/' for the regular expression at position {position}")]
    NoClosingSlash { position: usize },
    #[error("expected the end of the filter instead of '{rest}'")]
    FilterTrailing { rest: String },
    #[error("the filter nests too deeply")]
    FilterTooDeep,
    #[error("expected ')' at position {position}")]
    ExpectedParen { position: usize },
    #[error("expected a path or a comparison at position {position}")]
    ExpectedComparison { position: usize },
    #[error("unexpected character '{found}' at position {position}")]
    UnexpectedChar { found: char, position: usize },
    #[error("square brackets do not match in the filter")]
    FilterBrackets,
    #[error("invalid path '{text}': {reason}")]
    InvalidFilterPath { text: String, reason: Box<SyntaxError> },
    #[error("the string at position {position} is not closed")]
    UnclosedString { position: usize },
    #[error("the JSON literal at position {position} is not closed")]
    UnclosedJson { position: usize },
    #[error("expected {word} at position {position}")]
    ExpectedWord { word: &'static str, position: usize },
    #[error("expected a value at position {position}")]
    ExpectedValue { position: usize },
    #[error("the regular expression is not closed")]
    UnclosedRegex,
    /// A JSON literal in a filter or function argument.
    #[error(transparent)]
    Json(#[from] JsonLiteralError),
    /// A `/pattern/` the regular-expression translation refused.
    #[error(transparent)]
    Regex(#[from] RegexError),
}

/// Why a JSON literal inside a path (read leniently, as json-smart does) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonLiteralError {
    #[error("unexpected text after JSON value in '{text}'")]
    TrailingText { text: String },
    #[error("expected '{0}' in JSON literal")]
    Expected(char),
    #[error("JSON literal nests too deeply")]
    TooDeep,
    #[error("missing JSON value")]
    Missing,
    #[error("expected an object key in JSON literal")]
    ExpectedKey,
    #[error("expected ',' or '}}' in JSON literal")]
    ObjectSeparator,
    #[error("expected ',' or ']' in JSON literal")]
    ArraySeparator,
    #[error("unterminated string in JSON literal")]
    UnterminatedString,
    #[error("malformed \\u escape in JSON literal")]
    UnicodeEscape,
    #[error("invalid number '{text}' in JSON literal")]
    InvalidNumber { text: String },
    #[error("unexpected '{word}' in JSON literal")]
    UnexpectedWord { word: String },
}
