//! Packages are shared between build variants whose tag contexts answer
//! every question the loading asked the same way (`tags::record`). This
//! checks that the recording misses nothing: for random packages (random
//! constraints, file-name suffixes, cgo files with conditional `#cgo`
//! lines, C and .syso files) and random pairs of contexts, whenever the
//! second context gives the first's recorded answers, loading under it
//! gives exactly the same package.

use linklens::gosrc::TagContext;
use linklens::gosrc::tags::record;
use linklens::load::{Package, Sources};

use crate::common::xorshift::XorShift;

const TAGS: &[&str] = &[
    "linux", "windows", "darwin", "amd64", "arm64", "cgo", "netgo", "osusergo", "foo", "unix",
    "go1.20", "go1.99", "gc", "gccgo",
];

fn expr(r: &mut XorShift, depth: u32) -> String {
    match if depth > 2 { 0 } else { r.below(4) } {
        0 => r.pick(TAGS).to_string(),
        1 => format!("!{}", expr(r, depth + 1)),
        2 => format!("({} && {})", expr(r, depth + 1), expr(r, depth + 1)),
        _ => format!("({} || {})", expr(r, depth + 1), expr(r, depth + 1)),
    }
}

fn write_package(r: &mut XorShift, dir: &std::path::Path) {
    let suffixes = [
        "",
        "_linux",
        "_windows",
        "_arm64",
        "_linux_amd64",
        "_test",
        "_darwin",
    ];
    for i in 0..1 + r.below(4) {
        let mut src = String::new();
        if r.below(2) == 0 {
            src.push_str(&format!("//go:build {}\n\n", expr(r, 0)));
        }
        src.push_str("package p\n\n");
        if r.below(3) == 0 {
            let cond = r.pick(&["", "linux ", "windows ", "arm64 ", "linux,amd64 ", "!cgo "]);
            src.push_str(&format!("// #cgo {cond}LDFLAGS: -lm\nimport \"C\"\n"));
        }
        src.push_str(&format!(
            "import _ \"{}\"\n",
            r.pick(&["net", "os/user", "fmt"])
        ));
        let name = format!("f{i}{}.go", r.pick(&suffixes));
        std::fs::write(dir.join(name), src).unwrap();
    }
    if r.below(3) == 0 {
        let c = match r.below(2) {
            0 => "int x;\n".to_string(),
            _ => format!("//go:build {}\n\nint y;\n", expr(r, 0)),
        };
        std::fs::write(dir.join(format!("c{}.c", r.pick(&suffixes))), c).unwrap();
    }
    if r.below(5) == 0 {
        std::fs::write(dir.join(format!("r{}.syso", r.pick(&suffixes))), "x").unwrap();
    }
}

fn context(r: &mut XorShift) -> TagContext {
    let mut build_tags: Vec<String> = ["netgo", "osusergo", "foo"]
        .iter()
        .filter(|_| r.below(2) == 0)
        .map(|t| t.to_string())
        .collect();
    build_tags.sort();
    TagContext {
        goos: r.pick(&["linux", "windows", "darwin"]).into(),
        goarch: r.pick(&["amd64", "arm64"]).into(),
        cgo_enabled: r.below(2) == 0,
        compiler: "gc".into(),
        build_tags,
        tool_tags: Vec::new(),
        release_tags: (1..=26).map(|i| format!("go1.{i}")).collect(),
    }
}

#[test]
fn a_package_is_shared_only_where_loading_it_again_gives_the_same() {
    let mut r = XorShift(0x9e37_79b9_7f4a_7c15);
    let root = tempfile::tempdir().unwrap();
    let (mut shared, mut compared) = (0, 0);
    for n in 0..300 {
        let dir = root.path().join(format!("p{n}"));
        std::fs::create_dir(&dir).unwrap();
        write_package(&mut r, &dir);
        let sources = Sources::new();
        let a = context(&mut r);
        let (pa, queries) = record(|| Package::load(&sources, "p", &dir, false, &a));
        for _ in 0..20 {
            let b = context(&mut r);
            compared += 1;
            if !b.answers(&queries) {
                continue;
            }
            shared += 1;
            let pb = Package::load(&sources, "p", &dir, false, &b);
            assert_eq!(
                format!("{pa:?}"),
                format!("{pb:?}"),
                "{} loads differently under {b:?} than under {a:?}, which answers {queries:?} the same",
                dir.display()
            );
        }
    }
    println!("{compared} context pairs, {shared} shared");
    // The test means something only if sharing happens often.
    assert!(shared > compared / 10, "only {shared} of {compared} shared");
}
