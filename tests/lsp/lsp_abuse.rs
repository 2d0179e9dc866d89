//! Protocol abuse against the real `linklens serve` binary: malformed and
//! oversized messages, wrong parameter types, unknown methods, stale and
//! duplicate document versions, requests after shutdown, and a client that
//! stops reading. Every case must end in an error response (or silence for
//! notifications), never a crash, and must not lose document state.

use crate::common::lsp_client::{LspClient, TIMEOUT, file_uri, proc_status_kib, temp_fixture};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PURE: &str = "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(1) }\n";
const NET: &str = "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc main() { fmt.Println(http.StatusOK) }\n";

fn fixture() -> (tempfile::TempDir, PathBuf) {
    temp_fixture("lsp/shop")
}

/// The server on `root`, its first load done.
fn start(root: &Path) -> LspClient {
    let (mut c, _) = LspClient::serve(
        root,
        json!({"workspace": {"configuration": true}}),
        json!({}),
    );
    assert_alive(&mut c, root);
    c
}

fn verdict(c: &mut LspClient, path: &Path) -> String {
    let s = c.status(path);
    s["verdict"].as_str().unwrap_or_default().to_string()
}

/// Still answering, and with the right state for an unchanged file.
fn assert_alive(c: &mut LspClient, root: &Path) {
    assert_eq!(verdict(c, &root.join("cmd/pure/main.go")), "static");
}

#[test]
fn malformed_messages_get_errors_and_the_server_keeps_serving() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    // Not JSON, invalid UTF-8, an empty body: parse errors.
    for body in [&b"{\"jsonrpc\":"[..], b"\xff\xfe\x00garbage", b""] {
        c.send_raw(body);
        let e = c.await_notification_or_response_error();
        assert_eq!(e["error"]["code"], -32700, "{e}");
    }
    // JSON but not a request: batch arrays, object ids, no method, null.
    for body in [
        r#"[{"jsonrpc":"2.0","id":1,"method":"shutdown"}]"#,
        r#"{"jsonrpc":"2.0","id":{"a":1},"method":"textDocument/hover"}"#,
        r#"{"jsonrpc":"2.0"}"#,
        r#"null"#,
    ] {
        c.send_raw(body.as_bytes());
        let e = c.await_notification_or_response_error();
        assert_eq!(e["error"]["code"], -32600, "{body}: {e}");
    }
    // Invalid requests that carry a usable id get their error under it.
    for (id, body) in [
        (2, r#"{"jsonrpc":"1.0","id":2,"method":"initialize"}"#),
        (3, r#"{"jsonrpc":"2.0","id":3,"method":42}"#),
    ] {
        c.send_raw(body.as_bytes());
        let e = c.await_response(id, TIMEOUT);
        assert_eq!(e["error"]["code"], -32600, "{body}: {e}");
    }
    assert_alive(&mut c, &root);
    let _ = c.drain(Duration::from_millis(50));
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn wrong_params_and_unknown_methods() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    let bad_requests = [
        ("textDocument/hover", json!({"textDocument": 5})),
        ("textDocument/hover", json!("string params")),
        (
            "textDocument/codeAction",
            json!({"textDocument": {"uri": 1}}),
        ),
        ("textDocument/codeLens", json!([1, 2, 3])),
        ("workspace/executeCommand", json!({"command": 7})),
        (
            "linklens/status",
            json!({"textDocument": {"uri": "not a uri"}}),
        ),
        (
            "textDocument/hover",
            json!({"textDocument": {"uri": "file:///x.go"}, "position": {"line": -1, "character": 1e30}}),
        ),
    ];
    for (method, params) in bad_requests {
        let id = c.request(method, params.clone());
        let r = c.await_response(id, TIMEOUT);
        // An error, or a null result for a well-typed but absurd request.
        assert!(
            r.get("error").is_some() || r["result"].is_null(),
            "{method} {params}: {r}"
        );
    }
    let id = c.request("linklens/noSuchMethod", json!({}));
    assert_eq!(c.await_response(id, TIMEOUT)["error"]["code"], -32601);
    // Notifications with wrong types or unknown methods: ignored silently.
    for (method, params) in [
        ("textDocument/didOpen", json!({"textDocument": {"uri": 3}})),
        (
            "textDocument/didChange",
            json!({"textDocument": "x", "contentChanges": 5}),
        ),
        ("textDocument/didClose", json!(null)),
        (
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": 1, "type": "x"}]}),
        ),
        ("linklens/unknownNotification", json!({})),
        ("$/cancelRequest", json!({"id": 123456})),
        ("$/setTrace", json!({"value": 9})),
    ] {
        c.notify(method, params);
    }
    assert_alive(&mut c, &root);
    let _ = c.drain(Duration::from_millis(50));
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn stale_and_duplicate_versions_do_not_regress_state() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    let api = root.join("cmd/api/main.go");
    std::fs::write(&api, NET).unwrap();
    c.open(&api, 1);
    assert_eq!(verdict(&mut c, &api), "dynamic");
    c.change(&api, 5, PURE);
    assert_eq!(verdict(&mut c, &api), "static");
    // Out of order (an older version arriving late) and a duplicate of the
    // current version with other text: both ignored.
    c.change(&api, 3, NET);
    c.change(&api, 5, NET);
    c.change(&api, i32::MIN, NET);
    assert_eq!(verdict(&mut c, &api), "static");
    // Re-opening an open document with an older version is not an edit
    // either: the newest text stays.
    c.change(&api, 6, NET);
    assert_eq!(verdict(&mut c, &api), "dynamic");
    c.change(&api, 7, PURE);
    c.change(&api, 6, NET);
    assert_eq!(verdict(&mut c, &api), "static");
    // Changes to a document that was never opened: no state appears.
    let web = root.join("cmd/web/main.go");
    c.change(
        &web,
        100,
        "package main\nimport \"os/user\"\nfunc main() {}\n",
    );
    let _ = c.drain(Duration::from_millis(50));
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn requests_after_shutdown_are_refused_then_exit_works() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    let id = c.request("shutdown", Value::Null);
    assert!(c.await_response(id, TIMEOUT).get("error").is_none());
    for method in ["linklens/status", "textDocument/hover", "shutdown"] {
        let id = c.request(
            method,
            json!({"textDocument": {"uri": file_uri(&root.join("cmd/pure/main.go"))}, "position": {"line": 0, "character": 0}}),
        );
        let r = c.await_response(id, TIMEOUT);
        assert_eq!(r["error"]["code"], -32600, "{method} after shutdown: {r}");
    }
    c.notify("textDocument/didChange", json!({}));
    // `exit` after shutdown: status 0 (checked by shutdown's helper on a
    // second client below, since this one already shut down).
    c.notify("exit", Value::Null);
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        if c.drain(Duration::from_millis(1)).is_empty() && exited(&mut c) {
            return;
        }
    }
    panic!("server did not exit after shutdown + exit");
}

fn exited(c: &mut LspClient) -> bool {
    // The reader thread's channel disconnects when stdout closes: a request
    // can then never be answered.
    let id = c.request("linklens/status", json!({}));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        c.await_response(id, Duration::from_millis(200))
    }))
    .is_err()
}

fn frame(v: &Value) -> Vec<u8> {
    let body = v.to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// `initialize` and `initialized` over raw pipes, waiting for the answer.
fn initialize(stdin: &mut impl Write, stdout: &mut impl BufRead, root: &Path) {
    let init = json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"processId":null,"rootUri":file_uri(root),"capabilities":{}}});
    stdin.write_all(&frame(&init)).unwrap();
    while read_message(stdout).expect("server output closed")["id"] != 0 {}
    let done = json!({"jsonrpc":"2.0","method":"initialized","params":{}});
    stdin.write_all(&frame(&done)).unwrap();
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut buf = vec![0; len?];
    r.read_exact(&mut buf).ok()?;
    serde_json::from_slice(&buf).ok()
}

/// A client that sends a burst of requests and edits without reading: the
/// server may block writing to the full pipe, but once the client reads
/// again every request is answered and the last edit is the state.
#[test]
fn client_that_stops_reading_gets_every_answer_once_it_reads() {
    let (_tmp, root) = fixture();
    let mut child = Command::new(env!("CARGO_BIN_EXE_linklens"))
        .arg("serve")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let api = root.join("cmd/api/main.go");
    let uri = file_uri(&api);
    // Everything is written from a thread: the server stops reading its
    // input too once its output is blocked, and our writes must not block
    // the test.
    const N: i64 = 3000;
    // As the protocol requires, nothing but `initialize` before its answer
    // (tower-lsp drops notifications that arrive earlier).
    initialize(&mut stdin, &mut stdout, &root);
    let writer = std::thread::spawn(move || {
        let mut w = |v: Value| stdin.write_all(&frame(&v)).is_ok();
        w(
            json!({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":uri,"languageId":"go","version":1,"text":NET}}}),
        );
        for i in 1..=N {
            // A few edits and status requests among many cheap ones (each
            // answer is ~100 bytes: N of them overflow a 64 KiB pipe).
            if i % 500 == 0 {
                let text = if i % 1000 == 0 { NET } else { PURE };
                w(
                    json!({"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":uri,"version":i + 1},"contentChanges":[{"text":text}]}}),
                );
                w(
                    json!({"jsonrpc":"2.0","id":i,"method":"linklens/status","params":{"textDocument":{"uri":uri}}}),
                );
            } else {
                w(
                    json!({"jsonrpc":"2.0","id":i,"method":"linklens/unknown","params":{"pad":"x".repeat(64)}}),
                );
            }
        }
        stdin
    });
    // Do not read for a while: the server fills the pipe and blocks.
    std::thread::sleep(Duration::from_secs(3));
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut answered = std::collections::BTreeSet::new();
    while answered.len() < N as usize {
        assert!(Instant::now() < deadline, "only {} answers", answered.len());
        let Some(m) = read_message(&mut stdout) else {
            panic!("server closed its output after {} answers", answered.len());
        };
        if m.get("method").is_some() {
            continue; // notifications and server requests (not answered)
        }
        let id = m["id"].as_i64().unwrap();
        answered.insert(id);
    }
    assert!(answered.contains(&N));
    // The last edit (i = N: NET) is what the server knows,
    // once its first load (which may still run: answers meanwhile say
    // "loading") is done.
    let mut stdin = writer.join().unwrap();
    let deadline = Instant::now() + TIMEOUT;
    let mut id = N + 1;
    let verdict = loop {
        assert!(Instant::now() < deadline, "never loaded");
        id += 1;
        let req = json!({"jsonrpc":"2.0","id":id,"method":"linklens/status","params":{"textDocument":{"uri":file_uri(&api)}}});
        stdin.write_all(&frame(&req)).unwrap();
        let r = loop {
            let m = read_message(&mut stdout).expect("server output closed");
            if m["id"] == id {
                break m;
            }
        };
        if let Some(v) = r["result"]["verdict"].as_str() {
            break v.to_string();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(verdict, "dynamic");
    stdin
        .write_all(&frame(
            &json!({"jsonrpc":"2.0","id":id + 1,"method":"shutdown"}),
        ))
        .unwrap();
    stdin
        .write_all(&frame(&json!({"jsonrpc":"2.0","method":"exit"})))
        .unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn huge_messages() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    // A 20 MB document: accepted, analysed, and the server still answers.
    let api = root.join("cmd/api/main.go");
    let mut text = String::from(NET);
    text.push_str(&"// padding padding padding padding padding padding\n".repeat(400_000));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": file_uri(&api), "languageId": "go", "version": 1, "text": text}}),
    );
    let start = Instant::now();
    assert_eq!(verdict(&mut c, &api), "dynamic");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    // A 2 MB method name and a 5 MB id string: errors, not crashes.
    let id = c.request(&"x".repeat(2 << 20), json!({}));
    assert_eq!(c.await_response(id, TIMEOUT)["error"]["code"], -32601);
    // Deeply nested params (serde's recursion limit): a parse error.
    let nested = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":77,\"method\":\"linklens/status\",\"params\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    c.send_raw(nested.as_bytes());
    let e = c.await_notification_or_response_error();
    assert_eq!(e["error"]["code"], -32700);
    assert_alive(&mut c, &root);
    let _ = c.drain(Duration::from_millis(50));
    assert_eq!(c.shutdown(), Some(0));
}

/// Framing abuse needs bytes LspClient will not write: a raw server.
#[test]
fn broken_framing_is_reported_and_resynchronised() {
    let (_tmp, root) = fixture();
    let mut child = Command::new(env!("CARGO_BIN_EXE_linklens"))
        .arg("serve")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    initialize(&mut stdin, &mut stdout, &root);
    let mut send = |b: &[u8]| stdin.write_all(b).unwrap();
    // A header block without Content-Length, an unparsable length, and a
    // Content-Length far over the limit (the server must not allocate it;
    // it skips that much, or up to the next header).
    send(b"X-Nonsense: 1\r\n\r\n");
    send(b"Content-Length: -5\r\n\r\n");
    send(b"Content-Length: 999999999999999\r\n\r\n");
    send(&frame(
        &json!({"jsonrpc":"2.0","id":2,"method":"linklens/noSuchMethod"}),
    ));
    let mut errors = 0;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        assert!(Instant::now() < deadline, "no answer to request 2");
        let m = read_message(&mut stdout).expect("server output closed");
        if m["id"].is_null() && m.get("error").is_some() {
            errors += 1;
        }
        if m["id"] == 2 {
            assert_eq!(m["error"]["code"], -32601);
            break;
        }
    }
    assert_eq!(errors, 3, "one error per broken frame");
    let status = proc_status_kib(child.id(), "VmRSS");
    assert!(
        status < 200_000,
        "RSS {status} KiB after a huge Content-Length"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// What a user depends on after any framing abuse: the next request is
/// answered, promptly, with the state it had.
fn assert_answers_within_a_second(c: &mut LspClient, root: &Path) {
    let id = c.request(
        "linklens/status",
        json!({"textDocument": {"uri": file_uri(&root.join("cmd/pure/main.go"))}}),
    );
    let r = c.await_response(id, Duration::from_secs(1));
    assert_eq!(r["result"]["verdict"], "static", "{r}");
}

fn status_frame(root: &Path, id: i64) -> Vec<u8> {
    frame(
        &json!({"jsonrpc":"2.0","id":id,"method":"linklens/status","params":{"textDocument":{"uri":file_uri(&root.join("cmd/pure/main.go"))}}}),
    )
}

/// A message over the 64 MiB cap is skipped without being held in memory
/// and answered with an error; the next one is served.
#[test]
fn over_cap_message_is_skipped_unbuffered_and_answered() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    let before = c.proc_status_kib("VmHWM");
    let pad = "x".repeat((64 << 20) + 1);
    let body = json!({"jsonrpc":"2.0","id":900,"method":"linklens/status","params":{"pad":pad}});
    c.send_raw(body.to_string().as_bytes());
    drop(pad);
    let grown = c.proc_status_kib("VmHWM") - before;
    eprintln!("a 64 MiB + 1 message: peak RSS +{grown} KiB");
    assert!(grown < 32 << 10, "peak RSS grew by {grown} KiB");
    assert_answers_within_a_second(&mut c, &root);
    let e = c.await_notification_or_response_error();
    assert_eq!(e["error"]["code"], -32600, "{e}");
    assert_eq!(c.shutdown(), Some(0));
}

/// A Content-Length a few bytes short or long costs that message (an
/// error), not the session; even a length that overlaps several later
/// messages costs only the one it overlaps.
#[test]
fn wrong_content_length_costs_only_that_message() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    let body = json!({"jsonrpc":"2.0","id":800,"method":"linklens/status","params":{"textDocument":{"uri":file_uri(&root.join("cmd/pure/main.go"))}}})
        .to_string();
    for delta in [-5i64, -1, 1, 7, 5000] {
        let len = body.len() as i64 + delta;
        c.send_unframed(format!("Content-Length: {len}\r\n\r\n{body}").as_bytes());
        // A length too long is only found out when more comes.
        assert_answers_within_a_second(&mut c, &root);
        let e = c.await_notification_or_response_error();
        assert_eq!(e["error"]["code"], -32700, "length off by {delta}: {e}");
    }
    // A pretty-printed body (raw newlines) cut short: its tail is not
    // taken for headers.
    let pretty = serde_json::to_string_pretty(&json!({"jsonrpc":"2.0","id":801,"method":"linklens/status","params":{"textDocument":{"uri":"file:///x.go"}}})).unwrap();
    c.send_unframed(format!("Content-Length: 20\r\n\r\n{pretty}").as_bytes());
    assert_answers_within_a_second(&mut c, &root);
    let e = c.await_notification_or_response_error();
    assert_eq!(e["error"]["code"], -32700, "{e}");
    // One error per broken message, no more.
    let extra: Vec<Value> = c
        .drain(Duration::from_millis(100))
        .into_iter()
        .filter(|m| m.get("error").is_some())
        .collect();
    assert!(extra.is_empty(), "{extra:?}");
    assert_eq!(c.shutdown(), Some(0));
}

/// Header lines are bytes: a non-ASCII or invalid UTF-8 byte in an unknown
/// header is ignored, in the Content-Length line it costs that message.
#[test]
fn non_ascii_bytes_in_header_lines() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    let mut msg = b"X-Note: caf\xc3\xa9 \xff\xfe\r\n".to_vec();
    msg.extend_from_slice(&status_frame(&root, 700));
    c.send_unframed(&msg);
    let r = c.await_response(700, Duration::from_secs(1));
    assert_eq!(r["result"]["verdict"], "static", "{r}");
    let body = br#"{"jsonrpc":"2.0","id":701,"method":"linklens/status","params":{}}"#;
    let mut msg = format!("Content-Length: {}", body.len()).into_bytes();
    msg.extend_from_slice(b"\xff\r\n\r\n");
    msg.extend_from_slice(body);
    c.send_unframed(&msg);
    c.send_unframed(b"Content-L\xe9ngth: 3\r\n\r\n");
    for _ in 0..2 {
        let e = c.await_notification_or_response_error();
        assert_eq!(e["error"]["code"], -32700, "{e}");
    }
    assert_answers_within_a_second(&mut c, &root);
    assert_eq!(c.shutdown(), Some(0));
}

/// `Content-Length: 999999999999` and then bytes without a newline, after
/// the blank line or instead of it: memory stays bounded (nothing is
/// buffered beyond a header line's cap) and the next message is served.
#[test]
fn huge_content_length_then_endless_line_keeps_memory_bounded() {
    const JUNK: usize = 128 << 20;
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    let chunk = vec![b'x'; 1 << 20];
    for (i, head) in [
        "Content-Length: 999999999999\r\n\r\n",
        "Content-Length: 999999999999\r\n",
    ]
    .into_iter()
    .enumerate()
    {
        let before = c.proc_status_kib("VmHWM");
        c.send_unframed(head.as_bytes());
        // Written from here: the pipe only takes what the server reads.
        for _ in 0..JUNK / chunk.len() {
            c.send_unframed(&chunk);
        }
        let grown = c.proc_status_kib("VmHWM") - before;
        eprintln!(
            "{head:?} + {} MiB without a newline: peak RSS +{grown} KiB",
            JUNK >> 20
        );
        assert!(grown < 32 << 10, "{head:?}: peak RSS grew by {grown} KiB");
        let id = 600 + i as i64;
        c.send_unframed(&status_frame(&root, id));
        let r = c.await_response(id, Duration::from_secs(1));
        assert_eq!(r["result"]["verdict"], "static", "{r}");
        // One error for the broken message (the over-cap length, or the
        // header block over its cap).
        let e = c.await_notification_or_response_error();
        assert!(
            e["error"]["code"] == -32600 || e["error"]["code"] == -32700,
            "{e}"
        );
    }
    assert_answers_within_a_second(&mut c, &root);
    assert_eq!(c.shutdown(), Some(0));
}

/// The LSP spec: `exit` exits with 0 after `shutdown`, with 1 without it.
#[test]
fn exit_status_says_whether_shutdown_came_first() {
    let (_tmp, root) = fixture();
    let c = start(&root);
    assert_eq!(c.exit(), Some(1));
    let c = start(&root);
    assert_eq!(c.shutdown(), Some(0));
}

/// The debug builds' test commands (`lsp::handlers::execute_command`).
const DEBUG_PANIC: &str = "linklens.debug.panic";
const DEBUG_BLOCK: &str = "linklens.debug.blockUntilCancelled";

/// Sends `workspace/executeCommand` for a debug command; returns its id.
fn debug_command(c: &mut LspClient, command: &str) -> i64 {
    c.request(
        "workspace/executeCommand",
        json!({"command": command, "arguments": []}),
    )
}

fn assert_debug_build(r: &Value) {
    let msg = r["error"]["message"].as_str().unwrap_or_default();
    assert!(
        !msg.contains("unknown command"),
        "the server was built without debug assertions (a release build), so it has no \
         test commands: run these tests in the dev profile ({r})"
    );
}

#[test]
fn a_panic_in_a_request_is_an_error_response_and_the_session_goes_on() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    let id = debug_command(&mut c, DEBUG_PANIC);
    let r = c.await_response(id, TIMEOUT);
    assert_debug_build(&r);
    assert_eq!(r["error"]["code"], -32603, "{r}");
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("internal error in workspace/executeCommand")
            && msg.contains("linklens.debug.panic was run")
            && msg.contains("keeps running"),
        "{msg}"
    );
    // The panic is in the client's log too.
    let log = c.await_notification("window/logMessage", TIMEOUT, |p| {
        p["message"]
            .as_str()
            .is_some_and(|m| m.contains("linklens.debug.panic was run"))
    });
    assert_eq!(log["type"], 1, "{log}");
    // Same process, same state, still answering and still analysing.
    assert_alive(&mut c, &root);
    let api = root.join("cmd/api/main.go");
    std::fs::write(&api, NET).unwrap();
    c.open(&api, 1);
    assert_eq!(verdict(&mut c, &api), "dynamic");
    c.change(&api, 2, PURE);
    assert_eq!(verdict(&mut c, &api), "static");
    // Twice: the session lock was released when the first one unwound.
    let id = debug_command(&mut c, DEBUG_PANIC);
    assert_eq!(c.await_response(id, TIMEOUT)["error"]["code"], -32603);
    assert_alive(&mut c, &root);
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn cancelled_requests_answer_request_cancelled_and_free_the_session() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    // A request that holds the session until it is cancelled, and one
    // waiting behind it for the session.
    let blocker = debug_command(&mut c, DEBUG_BLOCK);
    let pure = file_uri(&root.join("cmd/pure/main.go"));
    let waiting = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": pure}, "position": {"line": 0, "character": 9}}),
    );
    c.notify("$/cancelRequest", json!({"id": waiting}));
    let r = c.await_response(waiting, TIMEOUT);
    assert_eq!(r["error"]["code"], -32800, "{r}");
    c.notify("$/cancelRequest", json!({"id": blocker}));
    let r = c.await_response(blocker, TIMEOUT);
    assert_debug_build(&r);
    assert_eq!(r["error"]["code"], -32800, "{r}");
    // The cancelled work stopped and let go of the session: the next
    // request is answered well before the blocker's own 60 s limit.
    let id = c.request("linklens/status", json!({"textDocument": {"uri": pure}}));
    let r = c.await_response(id, Duration::from_secs(20));
    assert_eq!(r["result"]["verdict"], "static", "{r}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn a_newer_edit_supersedes_older_ones_and_no_stale_diagnostics_arrive() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    let api = root.join("cmd/api/main.go");
    let uri = file_uri(&api);
    std::fs::write(&api, PURE).unwrap();
    c.open(&api, 1);
    c.await_diagnostics(&uri, |d| d.is_empty());
    // Ten edits queue up behind a request that holds the session; the
    // last one (version 11) has the net import.
    let blocker = debug_command(&mut c, DEBUG_BLOCK);
    for v in 2..=11 {
        c.change(&api, v, if v % 2 == 1 { NET } else { PURE });
    }
    c.notify("$/cancelRequest", json!({"id": blocker}));
    let r = c.await_response(blocker, TIMEOUT);
    assert_debug_build(&r);
    // Every publication for the file until version 11's, in order.
    let mut versions = Vec::new();
    let deadline = Instant::now() + TIMEOUT;
    let last = loop {
        assert!(
            Instant::now() < deadline,
            "version 11 never published: {versions:?}"
        );
        let p = c.await_notification("textDocument/publishDiagnostics", TIMEOUT, |p| {
            p["uri"] == uri.as_str()
        });
        let v = p["version"].as_i64().unwrap();
        versions.push(v);
        if v == 11 {
            break p;
        }
    };
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "published out of order: {versions:?}"
    );
    // Older edits waiting for the session stepped aside for newer ones.
    assert!(versions.len() < 10, "no edit was superseded: {versions:?}");
    let d = last["diagnostics"].as_array().unwrap();
    assert!(
        d.iter().any(|d| d["code"] == "cgo-dynamic-import"),
        "{d:#?}"
    );
    // Nothing older arrives afterwards.
    for m in c.drain(Duration::from_millis(300)) {
        if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str() {
            assert_eq!(m["params"]["version"], 11, "{m}");
        }
    }
    assert_eq!(verdict(&mut c, &api), "dynamic");
    assert_eq!(c.shutdown(), Some(0));
}
