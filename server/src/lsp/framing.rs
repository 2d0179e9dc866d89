//! A guard in front of tower-lsp's reader. Its codec ends the input stream
//! after one undecodable message (tokio-util's FramedRead stops after an
//! error), which would leave the server deaf. We re-frame stdin ourselves
//! and replace a malformed body with a request for an internal method that
//! answers the JSON-RPC error, so the client gets its error response and
//! the server keeps serving.

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

pub const PARSE_ERROR_METHOD: &str = "linklens/internal.parseError";
pub const INVALID_REQUEST_METHOD: &str = "linklens/internal.invalidRequest";

/// What to forward for one body.
pub fn sanitize(body: &[u8]) -> Vec<u8> {
    let replacement = |method: &str, id: Value| {
        serde_json::json!({"jsonrpc": "2.0", "id": id, "method": method})
            .to_string()
            .into_bytes()
    };
    match serde_json::from_slice::<Value>(body) {
        Err(_) => replacement(PARSE_ERROR_METHOD, Value::Null),
        Ok(Value::Object(m)) if m.get("jsonrpc").and_then(Value::as_str) == Some("2.0") => {
            let method_ok = m.get("method").is_none_or(Value::is_string);
            let id_ok = m
                .get("id")
                .is_none_or(|i| i.is_string() || i.is_i64() || i.is_u64() || i.is_null());
            let has_something =
                m.contains_key("method") || m.contains_key("result") || m.contains_key("error");
            if method_ok && id_ok && has_something {
                body.to_vec()
            } else {
                let id = m
                    .get("id")
                    .filter(|i| i.is_string() || i.is_i64())
                    .cloned()
                    .unwrap_or(Value::Null);
                replacement(INVALID_REQUEST_METHOD, id)
            }
        }
        Ok(v) => {
            let id = v
                .get("id")
                .filter(|i| i.is_string() || i.is_i64())
                .cloned()
                .unwrap_or(Value::Null);
            replacement(INVALID_REQUEST_METHOD, id)
        }
    }
}

/// Copies framed messages from `input` to `output`, sanitizing each body.
pub async fn pump(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut r = BufReader::new(input);
    loop {
        let mut len: Option<usize> = None;
        let mut saw_header = false;
        loop {
            let mut line = String::new();
            match r.read_line(&mut line).await {
                Ok(0) | Err(_) => return, // EOF: the server sees EOF too
                Ok(_) => {}
            }
            let l = line.trim_end();
            if l.is_empty() {
                if saw_header {
                    break;
                }
                continue;
            }
            saw_header = true;
            if let Some((k, v)) = l.split_once(':')
                && k.trim().eq_ignore_ascii_case("content-length")
            {
                len = v.trim().parse().ok();
            }
        }
        let body = match len {
            Some(n) if n <= 64 << 20 => {
                let mut buf = vec![0; n];
                if r.read_exact(&mut buf).await.is_err() {
                    return;
                }
                sanitize(&buf)
            }
            // No usable length: the body cannot be found; report it.
            _ => sanitize(b""),
        };
        let head = format!("Content-Length: {}\r\n\r\n", body.len());
        if output.write_all(head.as_bytes()).await.is_err()
            || output.write_all(&body).await.is_err()
        {
            return;
        }
        let _ = output.flush().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes() {
        assert_eq!(
            sanitize(br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#),
            br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#.to_vec()
        );
        assert!(
            String::from_utf8(sanitize(b"{\"jsonrpc\": "))
                .unwrap()
                .contains(PARSE_ERROR_METHOD)
        );
        let v: Value =
            serde_json::from_slice(&sanitize(br#"{"jsonrpc":"2.0","id":7,"method":3}"#)).unwrap();
        assert_eq!(v["id"], 7);
        assert_eq!(v["method"], INVALID_REQUEST_METHOD);
        assert!(
            String::from_utf8(sanitize(b"[1,2]"))
                .unwrap()
                .contains(INVALID_REQUEST_METHOD)
        );
    }
}
