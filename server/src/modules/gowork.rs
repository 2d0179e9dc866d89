//! go.work parsing.

use super::gomod::{self, ModError, Replace};
use super::syntax::{self, error};
use crate::gosrc::Span;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoWork {
    pub go_version: Option<String>,
    /// Span of the `go` line (for diagnostics on it).
    pub go_span: Option<Span>,
    /// `toolchain go1.23.1` value.
    pub toolchain: Option<String>,
    /// `godebug key=value` settings, in order.
    pub godebug: Vec<(String, String)>,
    /// `use` directory paths as written, with spans.
    pub uses: Vec<(String, Span)>,
    pub replaces: Vec<Replace>,
    pub errors: Vec<ModError>,
}

/// A go.work `use` directory whose go.mod cannot be opened: go stops
/// loading the workspace with "cannot load module … listed in go.work file".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadUse {
    pub dir: std::path::PathBuf,
    pub gomod: std::path::PathBuf,
    /// The error as Go's os package words it ("no such file or directory").
    pub error: String,
    /// The `use` line in go.work.
    pub span: Span,
}

impl BadUse {
    /// go's message (go1.26.8), with paths shortened by `short` as
    /// base.ShortPath does.
    pub fn message(&self, short: impl Fn(&std::path::Path) -> String) -> String {
        format!(
            "go: cannot load module {} listed in go.work file: open {}: {}",
            short(&self.dir),
            short(&self.gomod),
            self.error
        )
    }
}

/// An I/O error in syscall.Errno's words (Rust appends "(os error N)" and
/// capitalises).
pub fn io_error_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let t = e.to_string();
            let t = t.split(" (os error").next().unwrap_or(&t).to_string();
            let mut c = t.chars();
            match c.next() {
                Some(f) => f.to_lowercase().chain(c).collect(),
                None => t,
            }
        }
    }
}

/// Parses a go.work file. Never fails; bad lines go to `errors`.
pub fn parse_go_work(src: &str) -> GoWork {
    let mut w = GoWork::default();
    let mut errors = Vec::new();
    for e in syntax::entries(src, &["godebug", "use", "replace"], &mut errors) {
        let mut err = |msg: String| error(&mut errors, e.line, e.span, msg);
        let args = &e.args;
        match e.verb {
            "go" => {
                if w.go_version.is_some() {
                    err("repeated go statement".into());
                } else if args.len() != 1 {
                    err("go directive expects exactly one argument".into());
                } else if !gomod::is_go_version(args[0].text) {
                    err(format!(
                        "invalid go version '{}': must match format 1.23.0",
                        args[0].text
                    ));
                } else {
                    w.go_version = Some(args[0].text.to_string());
                    w.go_span = Some(e.span);
                }
            }
            "toolchain" => {
                if w.toolchain.is_some() {
                    err("repeated toolchain statement".into());
                } else if args.len() != 1 {
                    err("toolchain directive expects exactly one argument".into());
                } else {
                    match gomod::toolchain_arg(args[0].text) {
                        Ok(t) => w.toolchain = Some(t),
                        Err(m) => err(m),
                    }
                }
            }
            "godebug" => match gomod::godebug_arg(args) {
                Ok(kv) => w.godebug.push(kv),
                Err(m) => err(m),
            },
            "use" => {
                if args.len() != 1 {
                    err("usage: use local/dir".into());
                } else {
                    match syntax::string_value(&args[0]) {
                        Ok(p) => w.uses.push((p, e.span)),
                        Err(m) => err(m),
                    }
                }
            }
            "replace" => match gomod::parse_replace(&e) {
                Ok(r) => w.replaces.push(r),
                Err(m) => err(m),
            },
            other => err(format!("unknown directive: {other}")),
        }
    }
    errors.sort_by_key(|e| e.line);
    w.errors = errors;
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::gomod::ReplaceTarget;

    #[test]
    fn all_forms() {
        let src = "go 1.23\ntoolchain go1.23.2\nuse ./a\nuse (\n\t./b // second\n\t\"../c d\"\n)\nreplace x.com/y v1.0.0 => ../y\nbogus\n";
        let w = parse_go_work(src);
        assert_eq!(w.go_version.as_deref(), Some("1.23"));
        assert_eq!(w.toolchain.as_deref(), Some("go1.23.2"));
        let uses: Vec<(&str, &str)> = w
            .uses
            .iter()
            .map(|(p, s)| (p.as_str(), &src[s.start..s.end]))
            .collect();
        assert_eq!(
            uses,
            vec![
                ("./a", "use ./a"),
                ("./b", "./b // second"),
                ("../c d", "\"../c d\"")
            ]
        );
        assert_eq!(w.replaces.len(), 1);
        assert_eq!(w.replaces[0].new, ReplaceTarget::Dir("../y".into()));
        assert_eq!(w.errors.len(), 1);
        assert_eq!(w.errors[0].to_string(), "9: unknown directive: bogus");
    }
}
