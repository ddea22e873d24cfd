//! The JSON protocols: awsJson 1.0/1.1 (Cloud Control, CloudHSM, Logs, Transfer), AWS
//! rest-json and generic REST/JSON. Bodies are JSON; error bodies name their code in
//! `__type` (awsJson, possibly `namespace#Code`), `code` (rest-json) or the
//! `x-amzn-errortype` header (`Code:extra`), and the message in `Message` or `message`.

use crate::error::CallError;
use serde_json::Value;

/// The path an awsJson request is sent to: always `/`, the operation being named by its
/// `X-Amz-Target` header. Documents key each operation by a path of its own
/// (`/ListQueues` in the current registry, `/#X-Amz-Target=...` in the May-2024 one) only to
/// keep them apart; a query part (Cloud Control's `?Action=...&Version=...`) is kept.
pub fn aws_json_path(path: &str) -> String {
    let without_fragment = path.split('#').next().unwrap_or(path);
    match without_fragment.split_once('?') {
        Some((_, query)) => format!("/?{query}"),
        None => "/".to_string(),
    }
}

/// The body bytes of a JSON request.
pub fn body_bytes(body: Option<&Value>) -> Result<Vec<u8>, String> {
    match body {
        Some(b) => serde_json::to_vec(b).map_err(|e| e.to_string()),
        None => Ok(Vec::new()),
    }
}

/// The error a JSON error answer describes (anything unreadable keeps its first bytes).
pub fn api_error(
    status: u16,
    json: Option<&Value>,
    error_type: Option<String>,
    request_id: Option<String>,
    raw: &[u8],
) -> CallError {
    let field = |k: &str| {
        json.and_then(|j| j.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let code = field("__type")
        .or(error_type)
        .or_else(|| field("code"))
        .or_else(|| field("Code"))
        .map(|c| {
            let c = c.rsplit('#').next().unwrap_or(&c).to_string();
            c.split(':').next().unwrap_or(&c).to_string()
        })
        .unwrap_or_else(|| format!("HTTP{status}"));
    let message = field("Message")
        .or_else(|| field("message"))
        .unwrap_or_else(|| super::body_start(raw));
    CallError::Api {
        status,
        code,
        message,
        request_id,
    }
}

#[cfg(test)]
mod tests {
    use super::aws_json_path;

    #[test]
    fn aws_json_operations_are_posted_to_the_root() {
        assert_eq!(aws_json_path("/ListQueues"), "/");
        assert_eq!(
            aws_json_path("/#X-Amz-Target=Logs_20140328.CreateLogGroup"),
            "/"
        );
        assert_eq!(
            aws_json_path("/?Action=ListResources&Version=2021-09-30"),
            "/?Action=ListResources&Version=2021-09-30"
        );
        assert_eq!(aws_json_path("/"), "/");
    }
}
