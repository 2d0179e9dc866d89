//! The binary form of a [`FileHeader`] in the header index: LEB128 varints,
//! length-prefixed strings, a tag byte per option and enum. Decoding checks
//! every length and tag and returns `None` on anything malformed: the index
//! is a cache, so a bad entry is only a miss.

use crate::gosrc::{
    CgoDirective, CgoVerb, ErrorKind, Expr, FileHeader, HeaderError, ImportC, ImportSpec,
    LinklensDirective, Span,
};
use crate::load::source::DirEntry;

/// Deeper expressions than go/build accepts (1,000 atoms per line) mean a
/// corrupt entry; the bound keeps decoding's recursion shallow.
const MAX_EXPR_DEPTH: usize = 1024;

pub fn encode(h: &FileHeader, out: &mut Vec<u8>) {
    let mut w = Writer(out);
    // The errors first: a load asks only them of a quarter of the files
    // (tests, other platforms).
    w.list(&h.errors, |w, e| {
        w.str(&e.message);
        w.span(e.span);
        match &e.kind {
            ErrorKind::Read => w.0.push(0),
            ErrorKind::Constraint => w.0.push(1),
            ErrorKind::Syntax => w.0.push(2),
            ErrorKind::Cgo { conditions } => {
                w.0.push(3);
                w.list(conditions, |w, c| w.str(c));
            }
        }
    });
    w.option(&h.package, |w, (name, span)| {
        w.str(name);
        w.span(*span);
    });
    w.option(&h.package_clause, |w, s| w.span(*s));
    w.option(&h.go_build, |w, (e, s)| {
        w.expr(e);
        w.span(*s);
    });
    w.list(&h.plus_build, |w, (e, s)| {
        w.expr(e);
        w.span(*s);
    });
    w.list(&h.imports, |w, i| {
        w.str(&i.path);
        w.option(&i.name, |w, n| w.str(n));
        w.span(i.span);
        w.span(i.path_span);
    });
    w.option(&h.import_c, |w, c| {
        w.span(c.span);
        w.list(&c.directives, |w, d| {
            w.list(&d.conditions, |w, c| w.str(c));
            w.0.push(verb_tag(d.verb));
            w.list(&d.args, |w, a| w.str(a));
            w.span(d.span);
        });
    });
    w.0.push(u8::from(h.imports_embed) | (u8::from(h.inexact) << 1));
    w.list(&h.directives, |w, d| {
        w.str(&d.text);
        w.span(d.span);
        w.option(&d.import, |w, i| w.str(i));
    });
}

pub fn decode(bytes: &[u8]) -> Option<FileHeader> {
    let mut r = Reader { b: bytes, at: 0 };
    let errors = r.list(Reader::error)?;
    let package = r.option(|r| Some((r.str()?, r.span()?)))?;
    let package_clause = r.option(Reader::span)?;
    let go_build = r.option(|r| Some((r.expr(0)?, r.span()?)))?;
    let plus_build = r.list(|r| Some((r.expr(0)?, r.span()?)))?;
    let imports = r.list(|r| {
        Some(ImportSpec {
            path: r.str()?,
            name: r.option(Reader::str)?,
            span: r.span()?,
            path_span: r.span()?,
        })
    })?;
    let import_c = r.option(|r| {
        Some(ImportC {
            span: r.span()?,
            directives: r.list(|r| {
                Some(CgoDirective {
                    conditions: r.list(Reader::str)?,
                    verb: verb_of(r.byte()?)?,
                    args: r.list(Reader::str)?,
                    span: r.span()?,
                })
            })?,
        })
    })?;
    // Bit 0: `embed` is imported; bit 1: the header is inexact.
    let flags = r.byte().filter(|f| *f < 4)?;
    let directives = r.list(|r| {
        Some(LinklensDirective {
            text: r.str()?,
            span: r.span()?,
            import: r.option(Reader::str)?,
        })
    })?;
    let h = FileHeader {
        package,
        package_clause,
        go_build,
        plus_build,
        imports,
        import_c,
        imports_embed: flags & 1 != 0,
        directives,
        errors,
        inexact: flags & 2 != 0,
    };
    // Trailing bytes mean the entry is not what was written.
    (r.at == bytes.len()).then_some(h)
}

/// Only the errors of an encoded header, which come first (the rest is not
/// read): all a package load needs of a `_test.go` file, whose read and
/// syntax errors break the build as cmd/go's module index records them.
/// Nothing is allocated for a file without errors (nearly all).
pub fn decode_errors(bytes: &[u8]) -> Option<Vec<HeaderError>> {
    Reader { b: bytes, at: 0 }.list(Reader::error)
}

/// Whether an encoded listing has a regular `.go` file (what makes a Go
/// directory), read in place; `None` when it is malformed or a `.go` entry
/// is a symlink (the caller stats where it points).
pub fn listing_has_go_file(bytes: &[u8]) -> Option<bool> {
    let mut r = Reader { b: bytes, at: 0 };
    let mut found = false;
    let mut symlinked = false;
    for _ in 0..r.count()? {
        let go = r.bytes()?.ends_with(b".go");
        let flags = r.byte()?;
        if flags >= 8 {
            return None;
        }
        if go && flags & 1 == 0 {
            found |= flags & 4 != 0;
            symlinked |= flags & 2 != 0;
        }
    }
    (r.at == bytes.len() && (found || !symlinked)).then_some(found)
}

/// A directory listing: each entry's name and a byte of flags.
pub fn encode_listing(entries: &[DirEntry], out: &mut Vec<u8>) {
    let mut w = Writer(out);
    w.list(entries, |w, e| {
        w.bytes(e.name.as_encoded_bytes());
        w.0.push(u8::from(e.is_dir) | u8::from(e.is_symlink) << 1 | u8::from(e.is_file) << 2);
    });
}

pub fn decode_listing(bytes: &[u8]) -> Option<Vec<DirEntry>> {
    let mut r = Reader { b: bytes, at: 0 };
    let entries = r.list(|r| {
        // Names are bytes (go reads non-UTF-8 ones too).
        #[cfg(unix)]
        let name = std::os::unix::ffi::OsStringExt::from_vec(r.bytes()?.to_vec());
        #[cfg(not(unix))]
        let name = std::ffi::OsString::from(String::from_utf8(r.bytes()?.to_vec()).ok()?);
        let flags = r.byte()?;
        (flags < 8).then_some(DirEntry {
            name,
            is_dir: flags & 1 != 0,
            is_symlink: flags & 2 != 0,
            is_file: flags & 4 != 0,
        })
    })?;
    (r.at == bytes.len()).then_some(entries)
}

/// Facts (see `Kind::Facts`): lists of strings.
pub fn encode_facts(facts: &[Vec<String>], out: &mut Vec<u8>) {
    let mut w = Writer(out);
    w.list(facts, |w, l| w.list(l, |w, s| w.str(s)));
}

pub fn decode_facts(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    let mut r = Reader { b: bytes, at: 0 };
    let facts = r.list(|r| r.list(|r| r.str()))?;
    (r.at == bytes.len()).then_some(facts)
}

const VERBS: [CgoVerb; 6] = [
    CgoVerb::CFlags,
    CgoVerb::CppFlags,
    CgoVerb::CxxFlags,
    CgoVerb::FFlags,
    CgoVerb::LdFlags,
    CgoVerb::PkgConfig,
];

fn verb_tag(v: CgoVerb) -> u8 {
    VERBS.iter().position(|x| *x == v).unwrap_or(0) as u8
}

fn verb_of(tag: u8) -> Option<CgoVerb> {
    VERBS.get(usize::from(tag)).copied()
}

struct Writer<'a>(&'a mut Vec<u8>);

impl Writer<'_> {
    fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push(v as u8 | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn bytes(&mut self, b: &[u8]) {
        self.uint(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    fn span(&mut self, s: Span) {
        // The end as a length: a shorter varint.
        self.uint(s.start as u64);
        self.uint(s.end.wrapping_sub(s.start) as u64);
    }

    fn option<T>(&mut self, v: &Option<T>, f: impl FnOnce(&mut Self, &T)) {
        match v {
            None => self.0.push(0),
            Some(x) => {
                self.0.push(1);
                f(self, x);
            }
        }
    }

    fn list<T>(&mut self, v: &[T], mut f: impl FnMut(&mut Self, &T)) {
        self.uint(v.len() as u64);
        for x in v {
            f(self, x);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Tag(t) => {
                self.0.push(0);
                self.str(t);
            }
            Expr::Not(x) => {
                self.0.push(1);
                self.expr(x);
            }
            Expr::And(a, b) => {
                self.0.push(2);
                self.expr(a);
                self.expr(b);
            }
            Expr::Or(a, b) => {
                self.0.push(3);
                self.expr(a);
                self.expr(b);
            }
        }
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let v = *self.b.get(self.at)?;
        self.at += 1;
        Some(v)
    }

    fn uint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.uint()?).ok()
    }

    /// A count of items each at least one byte long: never more than the
    /// bytes left, so garbage cannot ask for a huge allocation.
    fn count(&mut self) -> Option<usize> {
        let n = self.usize()?;
        (n <= self.b.len() - self.at).then_some(n)
    }

    fn str(&mut self) -> Option<String> {
        Some(std::str::from_utf8(self.bytes()?).ok()?.to_string())
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.count()?;
        let all: &'a [u8] = self.b;
        let b = &all[self.at..self.at + n];
        self.at += n;
        Some(b)
    }

    fn span(&mut self) -> Option<Span> {
        let start = self.usize()?;
        let len = self.usize()?;
        Some(Span::new(start, start.wrapping_add(len)))
    }

    fn option<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.byte()? {
            0 => Some(None),
            1 => Some(Some(f(self)?)),
            _ => None,
        }
    }

    fn list<T>(&mut self, mut f: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.count()?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(f(self)?);
        }
        Some(v)
    }

    fn error(&mut self) -> Option<HeaderError> {
        Some(HeaderError {
            message: self.str()?,
            span: self.span()?,
            kind: match self.byte()? {
                0 => ErrorKind::Read,
                1 => ErrorKind::Constraint,
                2 => ErrorKind::Syntax,
                3 => ErrorKind::Cgo {
                    conditions: self.list(Reader::str)?,
                },
                _ => return None,
            },
        })
    }

    fn expr(&mut self, depth: usize) -> Option<Expr> {
        if depth > MAX_EXPR_DEPTH {
            return None;
        }
        let d = depth + 1;
        Some(match self.byte()? {
            0 => Expr::Tag(self.str()?),
            1 => Expr::Not(Box::new(self.expr(d)?)),
            2 => Expr::And(Box::new(self.expr(d)?), Box::new(self.expr(d)?)),
            3 => Expr::Or(Box::new(self.expr(d)?), Box::new(self.expr(d)?)),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gosrc::scan_header;

    fn round_trip(src: &[u8]) -> FileHeader {
        let h = scan_header(src);
        let mut buf = Vec::new();
        encode(&h, &mut buf);
        assert_eq!(
            decode(&buf).as_ref(),
            Some(&h),
            "{}",
            String::from_utf8_lossy(src)
        );
        assert_errors_only(&h, &buf);
        // Every truncation fails cleanly; the errors, which come first, are
        // read whole or not at all.
        for cut in 0..buf.len() {
            assert_eq!(decode(&buf[..cut]), None);
            let errors = decode_errors(&buf[..cut]);
            assert!(
                errors.is_none() || errors == Some(h.errors.clone()),
                "cut {cut}"
            );
        }
        h
    }

    /// `decode_errors` gives exactly the errors `decode` does.
    fn assert_errors_only(h: &FileHeader, buf: &[u8]) {
        assert_eq!(decode_errors(buf), Some(h.errors.clone()));
    }

    #[test]
    fn headers_round_trip_with_every_field() {
        let h = round_trip(
            b"// +build linux,amd64 !windows\n\n//go:build (linux && amd64) || !windows\n\n\
              //linklens:expect dynamic\npackage main\n\nimport (\n\tfoo \"example.com/foo\" //linklens:ignore a reason\n\t_ \"embed\"\n)\n\n\
              // #cgo linux,amd64 LDFLAGS: -lm \"-L/a b\"\n// #cgo pkg-config: sqlite3\n\
              // #cgo CFLAGS -bad\nimport \"C\"\n",
        );
        // The sample reaches every field.
        assert!(h.package.is_some() && h.go_build.is_some() && h.imports_embed);
        assert_eq!((h.plus_build.len(), h.imports.len()), (1, 2));
        assert_eq!(h.import_c.map(|c| c.directives.len()), Some(2));
        assert!(!h.errors.is_empty());
        assert_eq!(h.directives.len(), 2);
        assert_eq!(h.directives[1].import.as_deref(), Some("example.com/foo"));
        round_trip(b"package p\nimport \"bad\\x00path\"\n");
        round_trip(b"//go:build a\n//go:build b\npackage p\n");
        round_trip(b"package \x00");
        round_trip(b"");
    }

    #[test]
    fn every_header_in_the_go_tree_round_trips() {
        let tc = crate::buildcfg::Toolchain::discover(&crate::buildcfg::trust::process_env());
        let root = tc
            .goroot
            .expect("go env GOROOT (Go is a prerequisite of the tests)");
        let mut n = 0;
        let mut stack = vec![root.join("src")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let p = e.path();
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "go")
                    && let Ok(bytes) = std::fs::read(&p)
                {
                    let h = scan_header(&bytes);
                    let mut buf = Vec::new();
                    encode(&h, &mut buf);
                    assert_eq!(decode(&buf).as_ref(), Some(&h), "{}", p.display());
                    assert_errors_only(&h, &buf);
                    n += 1;
                }
            }
        }
        assert!(n > 5000, "only {n} Go files under {}", root.display());
    }

    /// The in-place answer is the decoded listing's: a regular `.go` file
    /// (not a directory named so), or no answer for a symlinked one.
    #[test]
    fn listings_are_probed_in_place() {
        let entry = |name: &str, flags: u8| DirEntry {
            name: name.into(),
            is_dir: flags & 1 != 0,
            is_symlink: flags & 2 != 0,
            is_file: flags & 4 != 0,
        };
        for (entries, want) in [
            (vec![], Some(false)),
            (vec![entry("a.go", 4)], Some(true)),
            (vec![entry("README", 4), entry("x.go", 1)], Some(false)),
            (vec![entry("l.go", 2)], None),
            (vec![entry("l.go", 2), entry("m.go", 4)], Some(true)),
            (vec![entry("a.c", 4), entry("b.gox", 4)], Some(false)),
        ] {
            let mut buf = Vec::new();
            encode_listing(&entries, &mut buf);
            assert_eq!(listing_has_go_file(&buf), want, "{entries:?}");
            for cut in 0..buf.len() {
                assert_eq!(listing_has_go_file(&buf[..cut]), None);
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        let mut rng = crate::xorshift::XorShift(7);
        for len in 0..2000 {
            let bytes: Vec<u8> = (0..len % 97).map(|_| rng.next() as u8).collect();
            let _ = decode(&bytes);
            let _ = decode_errors(&bytes);
            let _ = listing_has_go_file(&bytes);
        }
        // A deep expression chain is refused, not recursed into.
        // (No errors, no package, no clause, then a `//go:build` of a
        // hundred thousand nots.)
        let deep = vec![1u8; 100_000];
        assert_eq!(decode(&[[0, 0, 0, 1].as_slice(), &deep].concat()), None);
        let errors_only = decode_errors(&[[0, 0, 0, 1].as_slice(), &deep].concat());
        assert_eq!(errors_only, Some(Vec::new()));
    }
}
