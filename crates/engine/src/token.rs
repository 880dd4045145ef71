//! Task tokens: opaque to clients, but they name the execution and the task attempt they
//! belong to, so an answer can be routed (and checked) without a lookup table, and the
//! same attempt gets the same token after a restart.

/// The token of attempt `attempt` of the task entered at event `entered_event`.
pub fn encode(execution_arn: &str, entered_event: u64, attempt: u64) -> String {
    to_hex(&format!("{execution_arn}#{entered_event}#{attempt}"))
}

/// Text as lowercase hex: opaque to clients, safe in any JSON string or header. The API's
/// paging tokens use it too.
pub fn to_hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The text [`to_hex`] encoded, or `None` for anything else.
pub fn from_hex(hex: &str) -> Option<String> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// The execution ARN a token belongs to, or `None` if it is not a token of ours.
pub fn execution_of(token: &str) -> Option<String> {
    if token.len() > 2048 {
        return None;
    }
    let plain = from_hex(token)?;
    let mut parts = plain.rsplitn(3, '#');
    let attempt = parts.next()?;
    let event = parts.next()?;
    let arn = parts.next()?;
    (attempt.parse::<u64>().is_ok() && event.parse::<u64>().is_ok() && arn.starts_with("arn:")).then(|| arn.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_execution() {
        let arn = "arn:aws:states:us-east-1:123456789012:execution:m:e#1";
        let token = encode(arn, 7, 0);
        assert_eq!(execution_of(&token).as_deref(), Some(arn));
        assert_eq!(execution_of("not a token"), None);
        assert_eq!(execution_of(&encode("x", 1, 1)), None);
    }
}
