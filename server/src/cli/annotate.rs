//! `check --format sarif|github`: the findings of every predicted main
//! package (`engine::findings`, the same the editor shows) as a SARIF 2.1.0
//! log for code scanning, or as GitHub Actions workflow commands that
//! annotate the pull request, the way golangci-lint and ruff print them.

use crate::buildcfg::Config;
use crate::engine::findings::{self, Context, GoFinding, Severity};
use crate::engine::{Engine, Report};
use crate::gosrc::Span;
use crate::predict::{Location, Verdict};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

struct CliContext<'a> {
    engine: &'a Engine,
    cfg: &'a Config,
    cwd: &'a Path,
}

impl Context for CliContext<'_> {
    fn main_clause(&self, dir: &Path) -> Option<Location> {
        findings::main_clause_in(&self.engine.sources, findings::go_files_in(dir))
    }

    fn require_of(&self, m: &str) -> Option<(PathBuf, Span)> {
        let r = self.engine.resolver(self.cwd, self.cfg).ok()?;
        r.require_of(m).map(|(gomod, req)| (gomod, req.span))
    }
}

/// One finding with its place resolved to lines and columns.
struct Located {
    f: GoFinding,
    /// 1-based line and UTF-16 column of the start and the end (SARIF's
    /// default column unit).
    start: (usize, usize),
    end: (usize, usize),
}

/// Every package's findings; a package that does not meet `--require
/// static` gets at least one (on its package clause), at error level.
fn collect(
    engine: &Engine,
    cfg: &Config,
    cwd: &Path,
    report: &Report,
    require: bool,
) -> Vec<Located> {
    let cx = CliContext { engine, cfg, cwd };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for p in &report.packages {
        let opts = findings::Options {
            expect_static: true,
            libraries: false,
            min_glibc: None, // `--min-glibc` adds its caveat to the report
        };
        let mut fs = findings::for_prediction(p, opts, &cx);
        let unmet = require && p.link.result != Verdict::Static && p.accepted().is_none();
        if unmet
            && fs.is_empty()
            && let Some(loc) = cx.main_clause(&p.dir)
        {
            fs.push(GoFinding {
                file: loc.file,
                span: loc.span,
                code: if p.link.result == Verdict::Unknown {
                    "linkage-unknown".into()
                } else {
                    "build-fails".into()
                },
                severity: Severity::Error,
                message: crate::report::outcome(p),
                related: vec![],
            });
        }
        for mut f in fs {
            if unmet && f.severity == Severity::Warning {
                f.severity = Severity::Error;
            }
            if !seen.insert((
                f.file.clone(),
                f.span.start,
                f.code.clone(),
                f.message.clone(),
            )) {
                continue;
            }
            let text = crate::regular::read_all(&f.file).unwrap_or_default();
            let start = line_col(&text, f.span.start);
            let end = line_col(&text, f.span.end);
            out.push(Located { f, start, end });
        }
    }
    out
}

/// 1-based line and 1-based UTF-16 column of byte `offset`.
fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = String::from_utf8_lossy(&before[line_start..])
        .encode_utf16()
        .count()
        + 1;
    (line, col)
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information => "note",
    }
}

fn rule_description(code: &str) -> &'static str {
    match code {
        "cgo-dynamic-import" => {
            "An import pulls in a package that uses cgo: the binary is dynamically linked"
        }
        "cgo-import-c" => "A package uses cgo (import \"C\"): the binary is dynamically linked",
        "cgo-module-require" => "A required module provides a package that uses cgo",
        "build-fails" => "go build is predicted to fail",
        "linkage-unknown" => "linklens cannot predict how this binary links",
        "glibc-static-nss" => "A static glibc binary that still loads NSS modules at run time",
        "extldflags-ignored" => "-extldflags has no effect with the internal linker",
        _ => "linklens finding",
    }
}

/// The SARIF 2.1.0 log.
pub fn sarif(engine: &Engine, cfg: &Config, cwd: &Path, report: &Report, require: bool) -> Value {
    let found = collect(engine, cfg, cwd, report, require);
    let rules: BTreeSet<&str> = found.iter().map(|l| l.f.code.as_str()).collect();
    let root_uri = format!("{}/", file_uri(cwd));
    let artifact = |file: &Path| match file.strip_prefix(cwd) {
        Ok(rel) => json!({"uri": rel.to_string_lossy(), "uriBaseId": "%SRCROOT%"}),
        Err(_) => json!({"uri": file_uri(file)}),
    };
    let results: Vec<Value> = found
        .iter()
        .map(|l| {
            let region = json!({"startLine": l.start.0, "startColumn": l.start.1,
                "endLine": l.end.0, "endColumn": l.end.1});
            let related: Vec<Value> = l
                .f
                .related
                .iter()
                .enumerate()
                .map(|(i, (loc, msg))| {
                    let text = crate::regular::read_all(&loc.file).unwrap_or_default();
                    let (sl, sc) = line_col(&text, loc.span.start);
                    json!({"id": i, "message": {"text": msg},
                        "physicalLocation": {"artifactLocation": artifact(&loc.file),
                            "region": {"startLine": sl, "startColumn": sc}}})
                })
                .collect();
            json!({
                "ruleId": l.f.code,
                "level": level(l.f.severity),
                "message": {"text": l.f.message},
                "locations": [{"physicalLocation": {"artifactLocation": artifact(&l.f.file), "region": region}}],
                "relatedLocations": related,
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "linklens",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|code| json!({
                    "id": code,
                    "shortDescription": {"text": rule_description(code)},
                    "helpUri": crate::report::docs_url(code),
                })).collect::<Vec<_>>(),
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
            "results": results,
        }]
    })
}

/// GitHub Actions workflow commands (`::warning file=…,line=…::message`),
/// one per finding in a file under `cwd` (the checkout); files elsewhere
/// (GOROOT, the module cache) cannot be annotated.
pub fn github(engine: &Engine, cfg: &Config, cwd: &Path, report: &Report, require: bool) -> String {
    let mut s = String::new();
    for l in collect(engine, cfg, cwd, report, require) {
        let Ok(rel) = l.f.file.strip_prefix(cwd) else {
            continue;
        };
        let title = format!("linklens {}", l.f.code);
        s.push_str(&format!(
            "::{} file={},line={},endLine={},col={},endColumn={},title={}::{}\n",
            match l.f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Information => "notice",
            },
            escape_property(&rel.to_string_lossy()),
            l.start.0,
            l.end.0,
            l.start.1,
            l.end.1,
            escape_property(&title),
            escape_data(&format!(
                "{} ({})",
                l.f.message,
                crate::report::docs_url(&l.f.code)
            ))
        ));
    }
    s
}

fn file_uri(p: &Path) -> String {
    let mut s = String::from("file://");
    for b in p.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                s.push(*b as char)
            }
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

/// Workflow command data: `%`, CR and LF escaped as the runner expects.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow command properties: also `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_utf16_columns() {
        let t = "a\nxé😀import\n".as_bytes();
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 2), (2, 1));
        // x (1) + é (1 unit) + 😀 (2 units) before `import`.
        let at = "a\nxé😀".len();
        assert_eq!(line_col(t, at), (2, 5));
        assert_eq!(line_col(t, 10_000).0, 3);
    }

    #[test]
    fn workflow_command_escapes() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(file_uri(Path::new("/a b/é")), "file:///a%20b/%C3%A9");
    }
}
