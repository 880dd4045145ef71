//! TEMPORARY stand-in until the path branch merges.
use serde_json::Value;
#[derive(Debug, Clone, PartialEq)]
pub enum Root {
    Input,
    Context,
    Variable(String),
}
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("not found")]
    NotFound,
    #[error("syntax: {0}")]
    Syntax(String),
}
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(i64),
}
#[derive(Debug, Clone)]
pub struct Path {
    text: String,
    root: Root,
    steps: Vec<Step>,
}
fn parse_steps(text: &str) -> Result<(Root, Vec<Step>), PathError> {
    let (root, rest) = if let Some(r) = text.strip_prefix("$$") {
        (Root::Context, r)
    } else if let Some(r) = text.strip_prefix('$') {
        let n: String = r.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if n.is_empty() {
            (Root::Input, r)
        } else {
            (Root::Variable(n.clone()), &r[n.len()..])
        }
    } else {
        return Err(PathError::Syntax(text.into()));
    };
    let mut steps = vec![];
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'.' {
            let s = i + 1;
            let mut j = s;
            while j < b.len() && b[j] != b'.' && b[j] != b'[' {
                j += 1;
            }
            if j == s {
                return Err(PathError::Syntax(text.into()));
            }
            steps.push(Step::Key(rest[s..j].into()));
            i = j;
        } else if b[i] == b'[' {
            let j = rest[i..].find(']').ok_or_else(|| PathError::Syntax(text.into()))? + i;
            let inner = &rest[i + 1..j];
            if let Ok(n) = inner.parse() {
                steps.push(Step::Index(n))
            } else {
                steps.push(Step::Key(inner.trim_matches('\'').into()))
            }
            i = j + 1;
        } else {
            return Err(PathError::Syntax(text.into()));
        }
    }
    Ok((root, steps))
}
fn get<'a>(steps: &[Step], mut v: &'a Value) -> Option<&'a Value> {
    for s in steps {
        v = match s {
            Step::Key(k) => v.get(k)?,
            Step::Index(n) => v.get(usize::try_from(*n).ok()?)?,
        };
    }
    Some(v)
}
impl Path {
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let (root, steps) = parse_steps(text)?;
        Ok(Path {
            text: text.into(),
            root,
            steps,
        })
    }
    pub fn root(&self) -> &Root {
        &self.root
    }
    pub fn as_str(&self) -> &str {
        &self.text
    }
    pub fn is_definite(&self) -> bool {
        true
    }
    pub fn normalized(&self) -> String {
        let mut s = "$".to_string();
        for st in &self.steps {
            match st {
                Step::Key(k) => s += &format!("['{k}']"),
                Step::Index(n) => s += &format!("[{n}]"),
            }
        }
        s
    }
    pub fn select(&self, v: &Value) -> Result<Value, PathError> {
        get(&self.steps, v).cloned().ok_or(PathError::NotFound)
    }
}
#[derive(Debug, Clone)]
pub struct ReferencePath(Path);
impl ReferencePath {
    pub fn parse(text: &str) -> Result<ReferencePath, PathError> {
        Path::parse(text).map(ReferencePath)
    }
    pub fn root(&self) -> &Root {
        &self.0.root
    }
    pub fn as_str(&self) -> &str {
        &self.0.text
    }
    pub fn get<'a>(&self, v: &'a Value) -> Option<&'a Value> {
        get(&self.0.steps, v)
    }
    pub fn set(&self, target: &mut Value, value: Value) -> Result<(), PathError> {
        let mut cur = target;
        for s in &self.0.steps {
            match s {
                Step::Key(k) => {
                    if cur.is_null() {
                        *cur = Value::Object(Default::default())
                    }
                    let o = cur.as_object_mut().ok_or(PathError::NotFound)?;
                    cur = o.entry(k.clone()).or_insert(Value::Null);
                }
                Step::Index(n) => {
                    cur = cur
                        .get_mut(usize::try_from(*n).map_err(|_| PathError::NotFound)?)
                        .ok_or(PathError::NotFound)?;
                }
            }
        }
        *cur = value;
        Ok(())
    }
}
