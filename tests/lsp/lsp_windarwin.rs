//! Windows and macOS targets in the editor (issue 16): the verdict, the
//! diagnostics and the hover say what the binary imports and whether
//! anything beyond the OS's own libraries is needed. The predictions
//! themselves are checked against real cross builds in tests/windarwin.rs.

use crate::common::lsp_client::{LspClient, file_uri, vscode_capabilities};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A module at `root` with `main.go` and the folder's settings.
fn workspace(root: &Path, main_go: &str, settings: Value) -> PathBuf {
    for (rel, text) in [
        ("go.mod", "module example.com/w\n\ngo 1.22\n".to_string()),
        ("main.go", main_go.to_string()),
        (".vscode/settings.json", settings.to_string()),
    ] {
        let f = root.join(rel);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
    root.join("main.go")
}

fn hover(c: &mut LspClient, file: &Path, line: u32, character: u32) -> String {
    let h = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": file_uri(file)}, "position": {"line": line, "character": character}}),
    );
    h["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Pure Go for Windows and macOS: the system's own libraries only, said so
/// in the status and the hover, with no warning on the import.
#[test]
fn pure_go_windows_and_darwin_need_only_system_libraries() {
    let tmp = tempfile::tempdir().unwrap();
    let src = "package main\n\nimport (\n\t\"crypto/x509\"\n\t\"net/http\"\n)\n\nfunc main() { _, _ = x509.SystemCertPool(); _ = http.ListenAndServe }\n";
    for (goos, wanted) in [
        ("windows", vec!["kernel32.dll"]),
        (
            "darwin",
            vec![
                "/usr/lib/libSystem.B.dylib",
                "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation",
                "/System/Library/Frameworks/Security.framework/Versions/A/Security",
            ],
        ),
    ] {
        let root = tmp.path().join(goos);
        let main = workspace(
            &root,
            src,
            json!({"linklens.env": {"GOOS": goos, "GOARCH": "amd64"}}),
        );
        let (mut c, _) = LspClient::serve(&root, vscode_capabilities(), json!({}));
        c.await_loaded();
        c.open(&main, 1);
        let status = c.status(&main);
        assert_eq!(status["verdict"], "dynamic", "{goos}: {status}");
        let md = hover(&mut c, &main, 0, 9);
        for lib in &wanted {
            assert!(md.contains(lib), "{goos}: {lib} not in hover:\n{md}");
        }
        let words = if goos == "windows" {
            "system DLLs only"
        } else {
            "system libraries only"
        };
        assert!(md.contains(words), "{goos}: {words:?} not in hover:\n{md}");
        assert!(md.contains("| `CGO_ENABLED=0` |"), "{goos}:\n{md}");
        assert_eq!(c.shutdown(), Some(0));
    }
}

/// cgo for Windows with MinGW-w64: `-lpthread` makes the .exe import
/// libwinpthread-1.dll, which a clean Windows lacks. The editor warns on
/// `import "C"`, and the hover offers the MinGW static link, predicted
/// to import system DLLs only.
#[cfg(feature = "real-toolchain")]
#[test]
fn mingw_cgo_warns_about_a_nonsystem_dll() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("w");
    let src = "package main\n\n/*\n#cgo windows LDFLAGS: -lpthread\n#include <pthread.h>\nstatic void* run(void* a) { return a; }\nstatic int start(void) { pthread_t t; return pthread_create(&t, 0, run, 0); }\n*/\nimport \"C\"\n\nfunc main() { println(C.start()) }\n";
    let main = workspace(
        &root,
        src,
        json!({"linklens.env": {
            "GOOS": "windows", "GOARCH": "amd64", "CGO_ENABLED": "1",
            "CC": "x86_64-w64-mingw32-gcc",
        }}),
    );
    let (mut c, _) = LspClient::serve(&root, vscode_capabilities(), json!({}));
    c.await_loaded();
    c.open(&main, 1);
    let diags = c.await_diagnostics(&file_uri(&main), |d| !d.is_empty());
    let d = diags
        .iter()
        .find(|d| d["code"] == "windows-nonsystem-dll")
        .unwrap_or_else(|| panic!("no windows-nonsystem-dll diagnostic: {diags:#?}"));
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("libwinpthread-1.dll"),
        "{d}"
    );
    let md = hover(&mut c, &main, 0, 9);
    assert!(md.contains("libwinpthread-1.dll"), "{md}");
    assert!(md.contains("needs MinGW/third-party DLLs"), "{md}");
    assert!(md.contains("MinGW static"), "{md}");
    assert_eq!(c.shutdown(), Some(0));
}
