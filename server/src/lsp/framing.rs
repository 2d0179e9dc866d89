//! A guard in front of tower-lsp's reader. Its codec ends the input stream
//! after one undecodable message (tokio-util's FramedRead stops after an
//! error), which would leave the server deaf. We re-frame stdin ourselves,
//! forward the messages that are JSON-RPC, and answer the others with the
//! JSON-RPC error ourselves. The answers go out through the one writer of
//! stdout, whole messages at a time, merged with tower-lsp's (passing them
//! through tower-lsp as requests would make a burst of null-id errors
//! "duplicate id" errors).
//!
//! Framing is recovered rather than trusted, and nothing is buffered
//! beyond a bound:
//! - Header lines are bytes (any bytes in unknown headers); of a line only
//!   its last 8 KiB is kept, where a `Content-Length` that ends it is. A
//!   header block over 8 KiB is reported.
//! - A body over 64 MiB is answered with an error and skipped in chunks.
//! - A message header inside a body means the body's Content-Length was
//!   wrong: no JSON text holds one (a raw newline cannot be in a JSON
//!   string, and `Content-Length:` is no JSON token). Reading stops there,
//!   the body is reported, and the header is read as the next message's.
//!   So a length too long costs that message only, however many messages
//!   it overlaps, and a length too short costs that message (its tail is
//!   read as junk header lines, up to the next header); a skipped body
//!   ends at the next header too.

use memchr::{memchr, memchr2};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::{Receiver, Sender};

/// Bodies above this are skipped, not read.
const MAX_BODY: u64 = 64 << 20;
/// What is kept of a header line, and the size of a header block beyond
/// which it is reported.
const MAX_HEADER: usize = 8 << 10;
/// How much one read takes.
const CHUNK: usize = 64 << 10;
const NAME: &[u8] = b"content-length:";

/// A message answered with an error instead of forwarded.
#[derive(Debug, PartialEq)]
pub struct Refusal {
    pub id: Value,
    pub code: i64,
    pub message: String,
}

impl Refusal {
    fn parse(message: String) -> Refusal {
        Refusal {
            id: Value::Null,
            code: -32700,
            message: format!("Parse error: {message}"),
        }
    }

    fn invalid(id: Value, message: String) -> Refusal {
        Refusal {
            id,
            code: -32600,
            message: format!("Invalid request: {message}"),
        }
    }

    /// The error response, framed.
    fn frame(&self) -> Vec<u8> {
        let body = json!({"jsonrpc": "2.0", "id": self.id, "error": {"code": self.code, "message": self.message}})
            .to_string();
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }
}

/// The message in `body` if it may go to tower-lsp: JSON-RPC 2.0 it can
/// take.
pub fn check(body: &[u8]) -> Result<Value, Refusal> {
    // The id the error goes to, if the message has a usable one.
    let id_of = |v: &Value| {
        v.get("id")
            .filter(|i| i.is_string() || i.is_i64())
            .cloned()
            .unwrap_or(Value::Null)
    };
    let v = serde_json::from_slice::<Value>(body)
        .map_err(|e| Refusal::parse(format!("not JSON: {e}")))?;
    if let Value::Object(m) = &v
        && m.get("jsonrpc").and_then(Value::as_str) == Some("2.0")
    {
        let method_ok = m.get("method").is_none_or(Value::is_string);
        let id_ok = m
            .get("id")
            .is_none_or(|i| i.is_string() || i.is_i64() || i.is_u64() || i.is_null());
        let has_something =
            m.contains_key("method") || m.contains_key("result") || m.contains_key("error");
        if method_ok && id_ok && has_something {
            return Ok(v);
        }
    }
    Err(Refusal::invalid(
        id_of(&v),
        "not a JSON-RPC 2.0 message".into(),
    ))
}

/// Copies framed messages from `input` to the server (`to_server`), and
/// sends the errors for the others to the writer (`errors`). Sets
/// `shutdown` once a `shutdown` request has gone to the server: it decides
/// the exit status, and only here is the order of `shutdown` and `exit`
/// known (tower-lsp runs handlers concurrently, and `exit` cancels those
/// still pending).
pub async fn pump(
    input: impl AsyncRead + Unpin,
    mut to_server: impl AsyncWrite + Unpin,
    errors: Sender<Vec<u8>>,
    shutdown: Arc<AtomicBool>,
) {
    let mut input = Input {
        r: input,
        buf: Vec::new(),
        pos: 0,
    };
    let refuse = |r: Refusal| errors.send(r.frame());
    loop {
        // EOF (or a read error): the server sees EOF too.
        let Some(head) = read_head(&mut input).await else {
            return;
        };
        if head.bytes > MAX_HEADER {
            let m = format!(
                "a header of {} bytes, over the {} KiB limit",
                head.bytes,
                MAX_HEADER >> 10
            );
            if refuse(Refusal::parse(m)).await.is_err() {
                return;
            }
        }
        let refused = match head.length {
            Length::Missing => Refusal::parse("a header without Content-Length".into()),
            Length::Invalid => Refusal::parse("an invalid Content-Length".into()),
            Length::Bytes(n) if n > MAX_BODY => {
                // Answered before skipping: the skip may take long.
                let m = format!(
                    "a message of {n} bytes, over the {} MiB limit: skipped",
                    MAX_BODY >> 20
                );
                if refuse(Refusal::invalid(Value::Null, m)).await.is_err()
                    || read_body(&mut input, n, false).await.is_none()
                {
                    return;
                }
                continue;
            }
            Length::Bytes(n) => {
                let Some((body, cut)) = read_body(&mut input, n, true).await else {
                    return;
                };
                if cut {
                    Refusal::parse(format!(
                        "Content-Length {n} is wrong: another message starts after {} bytes",
                        body.len()
                    ))
                } else {
                    match check(&body) {
                        Err(r) => r,
                        Ok(v) => {
                            if v["method"] == "shutdown" && v.get("id").is_some() {
                                shutdown.store(true, Ordering::SeqCst);
                            }
                            let head = format!("Content-Length: {}\r\n\r\n", body.len());
                            if to_server.write_all(head.as_bytes()).await.is_err()
                                || to_server.write_all(&body).await.is_err()
                                || to_server.flush().await.is_err()
                            {
                                return;
                            }
                            continue;
                        }
                    }
                }
            }
        };
        if refuse(refused).await.is_err() {
            return;
        }
    }
}

/// Sends each message tower-lsp writes (`server`, in its framing) whole to
/// the writer, then an empty one: the server is done.
pub async fn frames(server: impl AsyncRead + Unpin, out: Sender<Vec<u8>>) {
    let mut r = BufReader::new(server);
    loop {
        let mut msg = Vec::new();
        let mut len = None;
        // Our own library's output: "Content-Length: N\r\n\r\n" and N bytes.
        loop {
            let start = msg.len();
            match r.read_until(b'\n', &mut msg).await {
                Ok(n) if n > 0 => {}
                _ => {
                    let _ = out.send(Vec::new()).await;
                    return;
                }
            }
            let line = msg[start..].trim_ascii();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix(b"Content-Length:") {
                len = std::str::from_utf8(v)
                    .ok()
                    .and_then(|v| v.trim().parse::<usize>().ok());
            }
        }
        let start = msg.len();
        msg.resize(start + len.unwrap_or(0), 0);
        if r.read_exact(&mut msg[start..]).await.is_err() || out.send(msg).await.is_err() {
            let _ = out.send(Vec::new()).await;
            return;
        }
    }
}

/// Writes the messages from `messages` to `out` until the server is done
/// (an empty message).
pub async fn write_out(mut messages: Receiver<Vec<u8>>, mut out: impl AsyncWrite + Unpin) {
    while let Some(m) = messages.recv().await {
        if m.is_empty() || out.write_all(&m).await.is_err() {
            break;
        }
        if messages.is_empty() && out.flush().await.is_err() {
            return;
        }
    }
    let _ = out.flush().await;
}

/// Buffered input, read in chunks.
struct Input<R> {
    r: R,
    buf: Vec<u8>,
    /// Where the unread bytes start.
    pos: usize,
}

impl<R: AsyncRead + Unpin> Input<R> {
    fn avail(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }

    /// Appends what the next read gives; false at EOF or on an error.
    /// Into spare capacity: a client writing a byte at a time must not
    /// cost a chunk's zeroing per byte.
    async fn fill(&mut self) -> bool {
        self.buf.drain(..self.pos);
        self.pos = 0;
        self.buf.reserve(CHUNK);
        self.r.read_buf(&mut self.buf).await.is_ok_and(|n| n > 0)
    }
}

enum Length {
    Missing,
    Invalid,
    Bytes(u64),
}

struct Head {
    length: Length,
    /// The block's size, blank lines before it left out.
    bytes: usize,
}

/// Reads a header block up to its blank line; `None` at EOF.
async fn read_head<R: AsyncRead + Unpin>(input: &mut Input<R>) -> Option<Head> {
    let mut head = Head {
        length: Length::Missing,
        bytes: 0,
    };
    let mut line = Vec::new();
    loop {
        line.clear();
        let mut size = 0;
        loop {
            let a = input.avail();
            let (take, end) = match memchr(b'\n', a) {
                Some(i) => (i + 1, true),
                None => (a.len(), false),
            };
            keep_tail(&mut line, &a[..take]);
            input.consume(take);
            size += take;
            if end {
                break;
            }
            if !input.fill().await {
                return None;
            }
        }
        let l = line.trim_ascii();
        if l.is_empty() {
            if head.bytes > 0 {
                return Some(head);
            }
            continue;
        }
        head.bytes += size;
        // The last one in the line: what comes before it is the tail of a
        // message whose length was too short, or other junk.
        if let Some(p) = l
            .windows(NAME.len())
            .rposition(|w| w.eq_ignore_ascii_case(NAME))
        {
            let v = l[p + NAME.len()..].trim_ascii();
            head.length = if !v.is_empty() && v.iter().all(u8::is_ascii_digit) {
                // More digits than a u64 holds: over the limit anyway.
                Length::Bytes(
                    std::str::from_utf8(v)
                        .ok()
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(u64::MAX),
                )
            } else {
                Length::Invalid
            };
        }
    }
}

/// Appends `more` to `line`, keeping only its last `MAX_HEADER` bytes.
fn keep_tail(line: &mut Vec<u8>, more: &[u8]) {
    if more.len() >= MAX_HEADER {
        line.clear();
        line.extend_from_slice(&more[more.len() - MAX_HEADER..]);
    } else {
        line.extend_from_slice(more);
        if line.len() > 2 * MAX_HEADER {
            line.drain(..line.len() - MAX_HEADER);
        }
    }
}

/// Reads a body of `n` bytes, kept if `keep`, stopping before a message
/// header found in it (then the body is cut: `true`). `None` at EOF.
async fn read_body<R: AsyncRead + Unpin>(
    input: &mut Input<R>,
    n: u64,
    keep: bool,
) -> Option<(Vec<u8>, bool)> {
    let mut body = Vec::new();
    let mut left = n;
    while left > 0 {
        if input.avail().is_empty() && !input.fill().await {
            return None;
        }
        let a = input.avail();
        let take = a.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let (upto, stop) = match find_header(&a[..take]) {
            Found::Header(p) => (p, true),
            // A header cut by the body's end, or by the read: the body's
            // end cannot be one (no JSON text ends so); at a read's end,
            // read on to see.
            Found::Prefix(p) => (p, take as u64 == left),
            Found::None => (take, false),
        };
        if keep {
            body.extend_from_slice(&a[..upto]);
        }
        input.consume(upto);
        left -= upto as u64;
        if stop {
            return Some((body, true));
        }
        if upto < take && !input.fill().await {
            return None;
        }
    }
    Some((body, false))
}

enum Found {
    None,
    /// A `Content-Length` line starts here.
    Header(usize),
    /// What starts here, up to the end, could begin one.
    Prefix(usize),
}

/// The first `Content-Length: <digits>` line (any case, then a line end)
/// in `hay`, or a beginning of one at its end.
fn find_header(hay: &[u8]) -> Found {
    let mut from = 0;
    while let Some(i) = memchr2(b'c', b'C', &hay[from..]) {
        let p = from + i;
        match header_at(&hay[p..]) {
            Some(true) => return Found::Header(p),
            Some(false) => from = p + 1,
            None => return Found::Prefix(p),
        }
    }
    Found::None
}

/// Whether `s` starts with a Content-Length line; `None` if `s` ends
/// before that is known.
fn header_at(s: &[u8]) -> Option<bool> {
    for (i, c) in NAME.iter().enumerate() {
        if !s.get(i)?.eq_ignore_ascii_case(c) {
            return Some(false);
        }
    }
    let mut i = NAME.len();
    // Bounded runs, so that a prefix stays short.
    let run = |i: &mut usize, ok: fn(u8) -> bool, max: usize| -> Option<usize> {
        let start = *i;
        while ok(*s.get(*i)?) {
            *i += 1;
            if *i - start > max {
                return Some(usize::MAX);
            }
        }
        Some(*i - start)
    };
    let blank = |b: u8| b == b' ' || b == b'\t';
    if run(&mut i, blank, 8)? > 8 {
        return Some(false);
    }
    let digits = run(&mut i, |b| b.is_ascii_digit(), 20)?;
    if digits == 0 || digits > 20 || run(&mut i, blank, 8)? > 8 {
        return Some(false);
    }
    if *s.get(i)? == b'\r' {
        i += 1;
    }
    Some(*s.get(i)? == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `pump` does with `input`, delivered whole and in reads of 7
    /// bytes (headers cut everywhere): the ids forwarded, and the error
    /// codes and ids answered.
    fn pumped(input: &[u8]) -> (Vec<Value>, Vec<(i64, Value)>) {
        let run = |pieces: usize| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
            let mut to_server = Vec::new();
            rt.block_on(async {
                let (mut w, r) = tokio::io::duplex(pieces);
                let bytes = input.to_vec();
                let feed = async move {
                    let _ = w.write_all(&bytes).await;
                };
                let shutdown = Arc::new(AtomicBool::new(false));
                tokio::join!(feed, pump(r, &mut to_server, tx, shutdown));
            });
            let ids = split(&to_server).iter().map(|v| v["id"].clone()).collect();
            let mut errors = Vec::new();
            while let Ok(m) = rx.try_recv() {
                let v = &split(&m)[0];
                errors.push((v["error"]["code"].as_i64().unwrap(), v["id"].clone()));
            }
            (ids, errors)
        };
        let whole = run(1 << 20);
        assert_eq!(whole, run(7), "in pieces");
        whole
    }

    fn split(mut out: &[u8]) -> Vec<Value> {
        let mut msgs = Vec::new();
        while !out.is_empty() {
            let end = memchr::memmem::find(out, b"\r\n\r\n").unwrap();
            let n: usize = std::str::from_utf8(&out[16..end]).unwrap().parse().unwrap();
            msgs.push(serde_json::from_slice(&out[end + 4..end + 4 + n]).unwrap());
            out = &out[end + 4 + n..];
        }
        msgs
    }

    fn req(id: i64) -> String {
        json!({"jsonrpc": "2.0", "id": id, "method": "x", "params": {"text": "a\nContent-Length: 5\r\n"}})
            .to_string()
    }

    /// A message with a Content-Length off by `delta`.
    fn framed(body: &str, delta: i64) -> Vec<u8> {
        format!(
            "Content-Length: {}\r\n\r\n{body}",
            body.len() as i64 + delta
        )
        .into_bytes()
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    const PARSE: i64 = -32700;
    const INVALID: i64 = -32600;
    const NULL: Value = Value::Null;

    #[test]
    fn header_lines_are_bytes() {
        let ok = framed(&req(5), 0);
        let input = cat(&[b"X-Note: caf\xe9\xff\r\ncontent-type: x\r\n", &ok]);
        assert_eq!(pumped(&input), (vec![5.into()], vec![]));
        // A byte in the length: that message, and its body read as a
        // header line, cost one error.
        let input = cat(&[b"Content-Length: 3\xff\r\n\r\n", req(4).as_bytes(), &ok]);
        assert_eq!(pumped(&input), (vec![5.into()], vec![(PARSE, NULL)]));
        let input = cat(&[b"Content-L\xe9ngth: 3\r\n\r\n", &ok]);
        assert_eq!(pumped(&input), (vec![5.into()], vec![(PARSE, NULL)]));
    }

    #[test]
    fn a_wrong_length_costs_that_message_only() {
        let next = cat(&[&framed(&req(2), 0), &framed(&req(3), 0)]);
        for delta in [-40, -5, -1, 1, 5, 30, 200, 2000] {
            let input = cat(&[&framed(&req(1), delta), &next]);
            assert_eq!(
                pumped(&input),
                (vec![2.into(), 3.into()], vec![(PARSE, NULL)]),
                "off by {delta}"
            );
        }
        // Cut short, a pretty-printed body's lines are junk headers.
        let pretty =
            serde_json::to_string_pretty(&json!({"jsonrpc": "2.0", "id": 1, "method": "x"}))
                .unwrap();
        let input = cat(&[&framed(&pretty, -20), &next]);
        assert_eq!(
            pumped(&input),
            (vec![2.into(), 3.into()], vec![(PARSE, NULL)])
        );
    }

    #[test]
    fn header_lines_are_capped() {
        // A line over the cap ending in a header: reported, and the header
        // holds (it supersedes an earlier one).
        let ok = framed(&req(5), 0);
        let long = vec![b'x'; 3 * MAX_HEADER];
        let input = cat(&[b"Content-Length: 999\r\n", &long, &ok]);
        assert_eq!(pumped(&input), (vec![5.into()], vec![(PARSE, NULL)]));
        // Under the cap, junk before a header is the tail of a message
        // already reported, or nothing.
        let input = cat(&[b"junk", &ok]);
        assert_eq!(pumped(&input), (vec![5.into()], vec![]));
    }

    #[test]
    fn an_over_cap_body_is_skipped_up_to_the_next_header() {
        let input = cat(&[
            b"Content-Length: 99999999999999999999999\r\n\r\n",
            &[b'c'; 1000],
            &framed(&req(5), 0),
        ]);
        assert_eq!(pumped(&input), (vec![5.into()], vec![(INVALID, NULL)]));
    }

    #[test]
    fn bodies_are_checked() {
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#).is_ok());
        assert_eq!(check(b"{\"jsonrpc\": ").unwrap_err().code, PARSE);
        let r = check(br#"{"jsonrpc":"2.0","id":7,"method":3}"#).unwrap_err();
        assert_eq!((r.code, r.id), (INVALID, 7.into()));
        assert_eq!(check(b"[1,2]").unwrap_err().code, INVALID);
    }

    #[test]
    fn headers_are_found_where_they_start() {
        assert!(matches!(
            find_header(b"}Content-Length: 12\r\n"),
            Found::Header(1)
        ));
        assert!(matches!(
            find_header(b"x content-length:\t7 \n"),
            Found::Header(2)
        ));
        assert!(matches!(find_header(b"ab Content-Len"), Found::Prefix(3)));
        assert!(matches!(
            find_header(b"Content-Length: 12\r"),
            Found::Prefix(0)
        ));
        // As a JSON string holds one: escaped, so not a header.
        assert!(matches!(
            find_header(br#""Content-Length: 12\r\n""#),
            Found::None
        ));
        assert!(matches!(
            find_header(b"Content-Length: -1\r\n"),
            Found::None
        ));
    }
}
