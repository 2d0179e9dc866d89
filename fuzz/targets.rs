//! What each fuzz target does with one input, shared by the libFuzzer
//! targets (fuzz/fuzz_targets/*.rs) and the stable-Rust corpus run in
//! tests/fast/fuzz_corpus.rs, so both exercise exactly the same code. Each
//! function must not panic for any input; the asserted properties are ones
//! the rest of the engine relies on.

use linklens::buildcfg::{BuildFlags, LinkerFlags, quoted};
use linklens::gosrc::constraint::{parse_go_build, parse_plus_build};
use linklens::gosrc::{TagContext, scan_header, select_file};
use linklens::inspect::{inspect_bytes, parse_build_info};
use linklens::modules::{gomod, gowork, modcache, semver, vendor};
use linklens::profiles::{
    ProfileKind, Skips, Source, dockerfile, just, makefile, release, taskfile, workflow, yaml,
};
use std::path::Path;

/// Two configurations that differ in everything tag-related, so that both
/// branches of constraints and `import "C"` handling run.
fn contexts() -> [TagContext; 2] {
    [
        TagContext {
            goos: "linux".into(),
            goarch: "amd64".into(),
            cgo_enabled: true,
            compiler: "gc".into(),
            build_tags: vec!["netgo".into(), "x.y".into()],
            tool_tags: vec!["amd64.v1".into(), "goexperiment.boringcrypto".into()],
            release_tags: linklens::gosrc::release_tags(26),
        },
        TagContext {
            goos: "windows".into(),
            goarch: "arm64".into(),
            cgo_enabled: false,
            compiler: "gc".into(),
            ..TagContext::default()
        },
    ]
}

const NAMES: &[&str] = &["a.go", "x_linux.go", "y_windows_arm64.go", "z_test.go"];

/// `scan_header` then file selection and the per-file error checks.
pub fn header(data: &[u8]) {
    let h = scan_header(data);
    // Spans index the input: diagnostics slice the buffer with them.
    let in_bounds = |s: &linklens::gosrc::Span| s.start <= s.end && s.end <= data.len();
    for imp in &h.imports {
        assert!(in_bounds(&imp.span) && in_bounds(&imp.path_span), "{imp:?}");
    }
    for e in &h.errors {
        assert!(in_bounds(&e.span), "{e:?}");
    }
    if let Some((_, s)) = &h.package {
        assert!(in_bounds(s));
    }
    // A header scanned from a prefix (files are read 16 KiB first) is the
    // whole file's header, or the scanner asks for the rest.
    for cut in [data.len() / 2, data.len().saturating_sub(1), data.len() / 3] {
        if let Some(p) = linklens::gosrc::scan_header_prefix(&data[..cut]) {
            assert_eq!(p, h, "prefix of {cut} bytes");
        }
    }
    let name = NAMES[data.len() % NAMES.len()];
    for ctx in contexts() {
        let _ = select_file(name, &h, &ctx);
        let _ = h.build_errors(&ctx).count();
        if let Some(c) = &h.import_c {
            for d in &c.directives {
                let _ = d.applies(&ctx);
            }
        }
    }
}

/// Both constraint syntaxes, evaluated under the two contexts and under a
/// tag oracle derived from the tag's bytes.
pub fn constraint(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parsed in [parse_go_build(text), parse_plus_build(text)] {
        let Ok(x) = parsed else { continue };
        for ctx in contexts() {
            let _ = x.eval(&mut |t| ctx.matches(t));
        }
        let _ = x.eval(&mut |t| t.len() % 2 == 0);
    }
    for ctx in contexts() {
        let _ = linklens::gosrc::header::match_auto(text, &ctx);
    }
}

/// go.mod, go.work and vendor/modules.txt parsers, plus the version and
/// module-path helpers they feed, on the same text.
pub fn modfiles(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let m = gomod::parse_go_mod(&text);
    for r in &m.requires {
        let _ = semver::canonical(&r.version);
        let _ = semver::compare(&r.version, "v1.2.3");
        let _ = modcache::check_module_path(&r.path, &r.version);
        let _ = modcache::escape(&r.path);
    }
    if let Some(v) = &m.go_version {
        let _ = semver::go_version_at_least(v, 1, 21);
    }
    let _ = gowork::parse_go_work(&text);
    let _ = vendor::parse_modules_txt(&text);
}

/// `-ldflags`/GOFLAGS splitting and the flag parsers.
pub fn flags(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(fields) = quoted::split(&text) {
        // join must give split's fields back whenever Go's quoted.Join could
        // (it refuses fields holding both kinds of quote).
        if !fields.iter().any(|f| f.contains('"') && f.contains('\'')) {
            assert_eq!(quoted::split(&quoted::join(&fields)).as_ref(), Ok(&fields));
        }
        let _ = LinkerFlags::parse(&fields);
        let mut b = BuildFlags::default();
        if b.parse_args(&fields).is_ok() {
            for l in &b.ldflags {
                let _ = LinkerFlags::parse(&l.args);
            }
            let _ = b.ldflags_for("example.com/m/cmd/x");
        }
    }
    let mut b = BuildFlags::default();
    let _ = b.apply_goflags(&text);
    let _ = linklens::buildcfg::flags::split_tags(&text);
}

/// The executable reader and the build-info blob reader.
pub fn inspect(data: &[u8]) {
    if let Ok(info) = inspect_bytes(data) {
        let _ = linklens::inspect::render_human(&info);
    }
    let _ = parse_build_info(data);
}

/// The build-definition readers (Dockerfile, Makefile, shell script,
/// goreleaser and ko YAML, workflow, Taskfile, justfile) on the same text.
/// The root does not exist, so a Makefile `include` reads nothing real.
pub fn profiles(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let root = Path::new("/nonexistent-linklens-fuzz");
    let src = Source::default();
    let sk = &mut Skips::default();
    let _ = dockerfile::read(root, &root.join("Dockerfile"), &text, sk);
    let _ = makefile::read(root, &root.join("Makefile"), &text, &src, sk);
    let _ = makefile::read_script(root, &root.join("build.sh"), &text, Default::default(), "");
    let _ = release::read(
        ProfileKind::Goreleaser,
        root,
        &root.join(".goreleaser.yaml"),
        &text,
        &src,
        sk,
    );
    let _ = release::read(
        ProfileKind::Ko,
        root,
        &root.join(".ko.yaml"),
        &text,
        &src,
        sk,
    );
    let wf = root.join(".github/workflows/ci.yml");
    let _ = workflow::read(root, &wf, &text, &src, sk);
    let _ = taskfile::read(root, &root.join("Taskfile.yml"), &text, &src, sk);
    let _ = just::read(root, &root.join("justfile"), &text, &src, sk);
    let _ = yaml::parse(&text);
}
