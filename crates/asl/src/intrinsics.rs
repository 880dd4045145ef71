//! TEMPORARY stand-in until the intrinsics branch merges.
use serde_json::Value;
#[derive(Debug)]
pub struct Intrinsic(String);
#[derive(Debug, thiserror::Error)]
pub enum IntrinsicError {
    #[error("unsupported {0}")]
    Unsupported(String),
}
impl IntrinsicError {
    pub fn error_name(&self) -> &'static str {
        "States.IntrinsicFailure"
    }
}
pub trait IntrinsicEnv {
    fn resolve_path(&mut self, path: &str) -> Result<Value, String>;
    fn random_u64(&mut self) -> u64;
}
impl Intrinsic {
    pub fn parse(text: &str) -> Result<Intrinsic, IntrinsicError> {
        Ok(Intrinsic(text.into()))
    }
    pub fn looks_like_call(text: &str) -> bool {
        text.starts_with("States.")
    }
    pub fn evaluate(&self, _env: &mut dyn IntrinsicEnv) -> Result<Value, IntrinsicError> {
        Err(IntrinsicError::Unsupported(self.0.clone()))
    }
}
