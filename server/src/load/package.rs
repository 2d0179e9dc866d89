//! One package: the files that build under a configuration, their imports
//! (with spans, for diagnostics) and their cgo use. Follows go/build's
//! `Import` for a directory, one rule at a time.

use super::source::Sources;
use crate::gosrc::filename::NameExclusion;
use crate::gosrc::select::{Exclusion, select_named};
use crate::gosrc::{
    CgoDirective, CgoVerb, ErrorKind, FileHeader, HeaderError, Span, TagContext, TagQuery,
};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub header: Arc<FileHeader>,
    /// Has `import "C"` (and builds, so cgo is on).
    pub is_cgo: bool,
}

/// An import of the package, from one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub path: String,
    pub file: PathBuf,
    /// Span of the import spec in `file`.
    pub span: Span,
}

/// An import of a package as the package holds it: borrowed from its
/// files' headers (see [`Package::imports`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportRef<'a> {
    pub path: &'a str,
    pub file: &'a Path,
    /// Span of the import spec in `file`.
    pub span: Span,
}

impl ImportRef<'_> {
    pub fn to_import(&self) -> Import {
        Import {
            path: self.path.to_string(),
            file: self.file.to_path_buf(),
            span: self.span,
        }
    }
}

/// Where an import is written: file `file` of [`Package::files`], import
/// `at` of its header's, or past those, the cgo imports cmd/go adds.
#[derive(Debug, Clone, Copy)]
struct ImportAt {
    file: u32,
    at: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The directory cannot be read.
    Unreadable(String),
    NoGoFiles,
    /// Every Go file is excluded; `cgo_only` when they were excluded only
    /// because they use cgo and cgo is off.
    ConstraintsExcludeAll {
        cgo_only: bool,
    },
    /// `.c` and friends in a package that does not use cgo (with cgo on):
    /// the kind of source ("C", "C++"...) and its files.
    SourcesWithoutCgo {
        kind: String,
        files: Vec<String>,
    },
    MultiplePackages(String, String),
    /// A directory whose import path go rejects (go's message).
    MalformedImportPath(String),
    /// A header that go/build rejects (syntax error, NUL byte, bad constraint).
    BadFile {
        file: PathBuf,
        message: String,
        span: Span,
    },
}

impl LoadError {
    /// The message `go build` prints for this error, as close as we can.
    pub fn go_message(&self, dir: &Path) -> String {
        match self {
            LoadError::Unreadable(e) | LoadError::MalformedImportPath(e) => e.clone(),
            LoadError::NoGoFiles => format!("no Go files in {}", dir.display()),
            LoadError::ConstraintsExcludeAll { .. } => format!(
                "build constraints exclude all Go files in {}",
                dir.display()
            ),
            LoadError::SourcesWithoutCgo { kind, files } => {
                format!(
                    "{kind} source files not allowed when not using cgo or SWIG: {}",
                    files.join(" ")
                )
            }
            LoadError::MultiplePackages(a, b) => {
                format!("found packages {a} and {b} in {}", dir.display())
            }
            LoadError::BadFile { file, message, .. } => format!("{}: {message}", file.display()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Package {
    pub import_path: String,
    pub dir: PathBuf,
    pub name: Option<String>,
    pub standard: bool,
    /// Module path and version that provide the package, if any.
    pub module: Option<(String, Option<String>)>,
    /// Go files that build, cgo files included.
    pub files: Vec<SourceFile>,
    /// Go files left out, with why (for explanations and cross-checks).
    pub ignored: Vec<(OsString, Exclusion)>,
    /// Imports in source order, one entry per spec (implicit cgo imports
    /// carry the span of `import "C"`): where each is in `files`. The
    /// paths, files and spans stay in the headers: a module graph has some
    /// 50,000 imports (k9s), and copies of them were a third of the memory
    /// a check allocated.
    imports: Vec<ImportAt>,
    /// `#cgo` directives that apply under the configuration.
    pub cgo_directives: Vec<(PathBuf, CgoDirective)>,
    /// Non-Go sources by kind (`.c`, `.cc`, `.s`, `.syso`...), after file-name rules.
    pub c_files: Vec<OsString>,
    pub syso_files: Vec<OsString>,
    pub errors: Vec<LoadError>,
    /// Some file in `files` uses cgo (`uses_cgo`; walks ask it of every
    /// package).
    pub has_cgo: bool,
    /// The tag questions loading asked, with their answers: any context
    /// answering them the same loads this same package (set by the loader).
    pub tag_queries: Vec<TagQuery>,
    /// Whether recent tag contexts answer `tag_queries` as loading did
    /// (see [`AnswerMemo`]).
    pub(crate) answered: AnswerMemo,
}

/// A package's answers to "does tag context K answer my tag queries?" for
/// the last few contexts (by the loader's 64-bit key), without a lock: a
/// walk under a fix's tags asks it for every import it meets (k9s: 51,000
/// per variant), and a locked map of the answers was 2% of a check.
///
/// A slot holds the key with its two low bits replaced: bit 0 set (the slot
/// is in use) and bit 1 the answer. Two keys that differ only in those bits
/// share a slot's identity; the keys are hashes, so that is as likely as any
/// other 62-bit collision. Races only lose an answer, asked again later.
#[derive(Default)]
pub(crate) struct AnswerMemo([std::sync::atomic::AtomicU64; 4]);

impl AnswerMemo {
    pub(crate) fn get(&self, key: u64) -> Option<bool> {
        use std::sync::atomic::Ordering;
        self.0.iter().find_map(|slot| {
            let v = slot.load(Ordering::Relaxed);
            (v & 1 == 1 && (v ^ key) & !3 == 0).then_some(v & 2 != 0)
        })
    }

    pub(crate) fn set(&self, key: u64, answer: bool) {
        use std::sync::atomic::Ordering;
        let v = (key & !3) | 1 | (u64::from(answer) << 1);
        let slot = self
            .0
            .iter()
            .find(|s| s.load(Ordering::Relaxed) == 0)
            .unwrap_or(&self.0[(key >> 2) as usize % 4]);
        slot.store(v, Ordering::Relaxed);
    }
}

impl Clone for AnswerMemo {
    /// A copy starts empty: it may be changed to answer otherwise.
    fn clone(&self) -> AnswerMemo {
        AnswerMemo::default()
    }
}

impl std::fmt::Debug for AnswerMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnswerMemo")
    }
}

impl SourceFile {
    /// The span of `import "C"` (empty in a file without it).
    pub fn import_c_span(&self) -> Span {
        self.header
            .import_c
            .as_ref()
            .map(|c| c.span)
            .unwrap_or_default()
    }
}

impl Package {
    /// A package of no files: what loading starts from.
    pub fn empty(import_path: &str, dir: &Path, standard: bool) -> Package {
        Package {
            import_path: import_path.to_string(),
            dir: dir.to_path_buf(),
            name: None,
            standard,
            module: None,
            files: Vec::new(),
            ignored: Vec::new(),
            imports: Vec::new(),
            cgo_directives: Vec::new(),
            c_files: Vec::new(),
            syso_files: Vec::new(),
            errors: Vec::new(),
            has_cgo: false,
            tag_queries: Vec::new(),
            answered: AnswerMemo::default(),
        }
    }

    pub fn uses_cgo(&self) -> bool {
        self.has_cgo
    }

    /// The imports in source order, one per spec.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportRef<'_>> + '_ {
        self.imports.iter().map(|&a| self.import_ref(a))
    }

    /// Import `i` of [`Package::imports`].
    pub fn import(&self, i: usize) -> ImportRef<'_> {
        self.import_ref(self.imports[i])
    }

    pub fn import_count(&self) -> usize {
        self.imports.len()
    }

    fn import_ref(&self, a: ImportAt) -> ImportRef<'_> {
        let f = &self.files[a.file as usize];
        let explicit = &f.header.imports;
        match explicit.get(a.at as usize) {
            Some(imp) => ImportRef {
                path: &imp.path,
                file: &f.path,
                span: imp.span,
            },
            None => ImportRef {
                path: self.implicit_cgo_imports()[a.at as usize - explicit.len()],
                file: &f.path,
                span: f.import_c_span(),
            },
        }
    }

    /// The imports cmd/go adds to every package that uses cgo, except
    /// inside runtime/cgo and the sanitizer runtimes.
    fn implicit_cgo_imports(&self) -> &'static [&'static str] {
        match (self.standard, self.import_path.as_str()) {
            (true, "runtime/cgo") => &[],
            (true, "runtime/race" | "runtime/msan" | "runtime/asan") => &["unsafe", "runtime/cgo"],
            _ => &["unsafe", "syscall", "runtime/cgo"],
        }
    }

    pub fn cgo_files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().filter(|f| f.is_cgo)
    }

    /// Whether any selected file names a package other than `main`.
    pub fn is_main(&self) -> bool {
        self.name.as_deref() == Some("main")
    }

    /// The distinct import paths, in first-seen order.
    pub fn import_paths(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::new();
        self.imports()
            .map(|i| i.path)
            .filter(|p| seen.insert(*p))
            .collect()
    }

    /// The arguments of every applicable `#cgo VERB:` directive.
    pub fn cgo_args(&self, verb: CgoVerb) -> Vec<String> {
        self.cgo_directives
            .iter()
            .filter(|(_, d)| d.verb == verb)
            .flat_map(|(_, d)| d.args.clone())
            .collect()
    }

    /// Loads the package in `dir` under `ctx`.
    pub fn load(
        sources: &Sources,
        import_path: &str,
        dir: &Path,
        standard: bool,
        ctx: &TagContext,
    ) -> Package {
        let mut pkg = Package::empty(import_path, dir, standard);
        let entries = match sources.package_entries(dir) {
            Ok(e) => e,
            Err(e) => {
                pkg.errors.push(LoadError::Unreadable(e));
                return pkg;
            }
        };
        let mut name_file: Option<(String, String)> = None;
        let mut cgo_excluded_only = true;
        // Room for the Go files that may build (not tests): the vectors
        // grew some five times a package.
        let go_files = entries
            .iter()
            .filter(|e| {
                let n = e.name.as_encoded_bytes();
                n.ends_with(b".go") && !n.ends_with(b"_test.go")
            })
            .count();
        pkg.files.reserve(go_files);
        pkg.imports.reserve(go_files * 4);
        // Where the files are read from: one buffer for the files that only
        // count by their errors (tests, other platforms), a new path only
        // for a file that builds.
        let mut scratch = dir.to_path_buf();
        let mut pushed = false;
        for entry in entries.iter().filter(|e| !e.is_dir) {
            if std::mem::take(&mut pushed) {
                scratch.pop();
            }
            let rule_name = entry.rule_name();
            let name = &*rule_name;
            if !name.ends_with(".go") {
                pkg.add_other_file(sources, &entry.name, name, ctx);
                continue;
            }
            let by_name = crate::gosrc::filename::exclude_by_name(name, ctx);
            if by_name == Some(NameExclusion::Hidden) {
                continue;
            }
            // The module index's read of every file (below) finds nothing in
            // the toolchain's own packages: skip reading the files the name
            // rules exclude there (tests and other platforms, most of a
            // standard directory).
            if standard && let Some(ex) = by_name {
                if ex != NameExclusion::Test {
                    pkg.ignored.push((entry.name.clone(), Exclusion::Name(ex)));
                    cgo_excluded_only = false;
                }
                continue;
            }
            scratch.push(&entry.name);
            pushed = true;
            let path: &Path = &scratch;
            // A file the name rules exclude (a test, another platform's)
            // counts only by its errors: none, nearly always.
            let header = if by_name.is_some() {
                sources.header_errors_of(path, entry.is_file)
            } else {
                sources.header_of(path, entry.is_file).map(Some)
            };
            let header = match header {
                Ok(h) => h,
                Err(e) => {
                    pkg.errors.push(LoadError::BadFile {
                        file: path.to_path_buf(),
                        message: e,
                        span: Span::default(),
                    });
                    continue;
                }
            };
            // `go build` reads packages through cmd/go's module index (for
            // files older than two seconds, i.e. nearly always), which
            // records every non-hidden .go file's read and syntax errors
            // before it looks at names or constraints: such a file breaks
            // the build in every configuration, _test.go files included.
            // (What the name rules said of it already, but for tests.)
            // (The name's platform is asked only of a file with errors: it
            // is then a question the package's load depends on.)
            let errors = header.as_ref().map_or(&[][..], |h| &h.errors[..]);
            let fatal = if errors.is_empty() {
                None
            } else {
                let name_ok = match by_name {
                    None => true,
                    Some(NameExclusion::OsArch) => false,
                    Some(_) => crate::gosrc::filename::good_os_arch_file(name, ctx),
                };
                errors.iter().find(|e| index_fatal(e, name_ok))
            };
            if let Some(e) = fatal {
                pkg.errors.push(LoadError::BadFile {
                    file: path.to_path_buf(),
                    message: e.message.clone(),
                    span: e.span,
                });
                // Only parse errors leave the file listed (InvalidGoFiles and
                // GoFiles/IgnoredGoFiles alike).
                if e.kind != ErrorKind::Syntax {
                    continue;
                }
            }
            let fatal = fatal.is_some();
            if let Some(ex) = by_name {
                if ex != NameExclusion::Test {
                    pkg.ignored.push((entry.name.clone(), Exclusion::Name(ex)));
                    cgo_excluded_only = false;
                }
                continue;
            }
            let Some(header) = header else {
                continue;
            };
            match select_named(&header, ctx) {
                Ok(()) => {}
                Err(Exclusion::Invalid) => {
                    // go/build lists it in InvalidGoFiles: the build fails.
                    let (message, span) = header
                        .errors
                        .first()
                        .map(|e| (e.message.clone(), e.span))
                        .unwrap_or_else(|| ("invalid Go file".into(), Span::default()));
                    pkg.errors.push(LoadError::BadFile {
                        file: path.to_path_buf(),
                        message,
                        span,
                    });
                    continue;
                }
                Err(ex) => {
                    if ex != Exclusion::CgoDisabled {
                        cgo_excluded_only = false;
                    }
                    pkg.ignored.push((entry.name.clone(), ex));
                    continue;
                }
            }
            if !fatal && let Some(err) = header.build_errors(ctx).next() {
                pkg.errors.push(LoadError::BadFile {
                    file: path.to_path_buf(),
                    message: err.message.clone(),
                    span: err.span,
                });
            }
            if let Some((pname, _)) = &header.package {
                match &name_file {
                    None => name_file = Some((pname.clone(), name.to_string())),
                    Some((first, first_file)) if first != pname && pname != "documentation" => {
                        pkg.errors.push(LoadError::MultiplePackages(
                            format!("{first} ({first_file})"),
                            format!("{pname} ({name})"),
                        ));
                    }
                    _ => {}
                }
            }
            pkg.add_built(path.to_path_buf(), header, ctx);
        }
        pkg.name = name_file.map(|(n, _)| n);
        if pkg.name.is_none() {
            // Nothing builds: keep the name the excluded files declare, so a
            // main package whose files all need cgo still reports its failure.
            // Files go cannot read count too: a main package whose only file
            // has a NUL byte must still report that it fails.
            let bad = pkg.errors.iter().filter_map(|e| match e {
                LoadError::BadFile { file, .. } => Some(file.clone()),
                _ => None,
            });
            let candidates: Vec<PathBuf> = pkg
                .ignored
                .iter()
                .map(|(n, _)| dir.join(n))
                .chain(bad)
                .collect();
            pkg.name = candidates.iter().find_map(|f| {
                sources
                    .header(f)
                    .ok()?
                    .package
                    .as_ref()
                    .map(|(p, _)| p.clone())
            });
        }
        if pkg.files.is_empty()
            && !pkg
                .errors
                .iter()
                .any(|e| matches!(e, LoadError::BadFile { .. }))
        {
            if pkg.ignored.is_empty() {
                pkg.errors.push(LoadError::NoGoFiles);
            } else {
                pkg.errors.push(LoadError::ConstraintsExcludeAll {
                    cgo_only: cgo_excluded_only,
                });
            }
        } else if !pkg.c_files.is_empty() && !ctx.cgo() {
            // (Asked only with C files: a package that has none loads the
            // same with cgo on or off, and is shared between the two.)
            // cmd/go (load.PackagesAndErrors): with cgo off the C, C++,
            // Objective-C and SWIG files are dropped like the Go files with
            // `import "C"`, so they are no error (go-sqlite3 builds static
            // with CGO_ENABLED=0).
            pkg.c_files.clear();
        } else if !pkg.files.iter().any(|f| f.is_cgo)
            && let Some(err) = sources_without_cgo(&pkg.c_files)
        {
            pkg.errors.push(err);
        }
        pkg.has_cgo = pkg.files.iter().any(|f| f.is_cgo);
        pkg
    }

    /// Adds a Go file that builds, with its imports and the `#cgo`
    /// directives that apply under `ctx`.
    fn add_built(&mut self, path: PathBuf, header: Arc<FileHeader>, ctx: &TagContext) {
        let file = self.files.len() as u32;
        let mut count = header.imports.len();
        let is_cgo = header.import_c.is_some();
        if let Some(c) = &header.import_c {
            for d in &c.directives {
                if d.applies(ctx) {
                    self.cgo_directives.push((path.clone(), d.clone()));
                }
            }
            count += self.implicit_cgo_imports().len();
        }
        self.imports
            .extend((0..count as u32).map(|at| ImportAt { file, at }));
        self.files.push(SourceFile {
            path,
            header,
            is_cgo,
        });
    }

    /// What a load found, as lists of strings for the index
    /// ([`Package::replay`] makes the same package of them): the name, the
    /// Go files that build, those left out and why, the C and syso files,
    /// and the tag questions the load asked. `None` for a package with
    /// errors (rare, and then loaded each time) or a file name that is not
    /// UTF-8.
    pub fn record(&self, queries: &[TagQuery]) -> Option<Vec<Vec<String>>> {
        if !self.errors.is_empty() {
            return None;
        }
        let text = |n: &OsStr| n.to_str().map(str::to_string);
        let mut built = Vec::with_capacity(self.files.len());
        for f in &self.files {
            if f.path.parent() != Some(self.dir.as_path()) {
                return None;
            }
            built.push(text(f.path.file_name()?)?);
        }
        let mut ignored = Vec::with_capacity(self.ignored.len() * 2);
        for (name, why) in &self.ignored {
            ignored.push(text(name)?);
            ignored.push(exclusion_code(*why).to_string());
        }
        let names = |files: &[OsString]| files.iter().map(|n| text(n)).collect::<Option<Vec<_>>>();
        let mut asked = Vec::with_capacity(queries.len() * 2);
        for (tag, answer) in queries {
            asked.push(tag.to_string());
            asked.push(if *answer { "1" } else { "0" }.to_string());
        }
        let mut head = vec![RECORD_VERSION.to_string()];
        head.extend(self.name.clone());
        Some(vec![
            head,
            built,
            ignored,
            names(&self.c_files)?,
            names(&self.syso_files)?,
            asked,
        ])
    }

    /// The package [`Package::record`] describes, its files' headers
    /// taken from `sources`, and the tag questions its load asked; `None`
    /// when the record is not one or a header cannot be had (then the
    /// package is loaded).
    pub fn replay(
        sources: &Sources,
        import_path: &str,
        dir: &Path,
        standard: bool,
        ctx: &TagContext,
        record: &[Vec<String>],
    ) -> Option<(Package, Vec<TagQuery>)> {
        let [head, built, ignored, c_files, syso_files, asked] = record else {
            return None;
        };
        let (version, name) = head.split_first()?;
        if version != RECORD_VERSION || name.len() > 1 || ignored.len() % 2 != 0 {
            return None;
        }
        let mut pkg = Package::empty(import_path, dir, standard);
        pkg.name = name.first().cloned();
        pkg.files.reserve(built.len());
        for f in built {
            let path = dir.join(f);
            let header = sources.header_of(&path, false).ok()?;
            pkg.add_built(path, header, ctx);
        }
        pkg.ignored = ignored
            .chunks(2)
            .map(|p| Some((OsString::from(&p[0]), exclusion_of(&p[1])?)))
            .collect::<Option<_>>()?;
        pkg.c_files = c_files.iter().map(OsString::from).collect();
        pkg.syso_files = syso_files.iter().map(OsString::from).collect();
        pkg.has_cgo = pkg.files.iter().any(|f| f.is_cgo);
        let queries = asked
            .chunks(2)
            .map(|p| match p {
                [tag, a] if a == "1" || a == "0" => Some((tag.as_str().into(), a == "1")),
                _ => None,
            })
            .collect::<Option<_>>()?;
        Some((pkg, queries))
    }

    /// `file` as the directory holds it; `name`, the same for name rules.
    fn add_other_file(&mut self, sources: &Sources, file: &OsStr, name: &str, ctx: &TagContext) {
        const C_LIKE: &[&str] = &[
            ".c", ".cc", ".cpp", ".cxx", ".m", ".s", ".S", ".sx", ".f", ".F", ".for", ".f90",
            ".swig", ".swigcxx",
        ];
        if name.starts_with(['_', '.']) {
            return;
        }
        let ext = name.rfind('.').map(|i| &name[i..]).unwrap_or("");
        if !C_LIKE.contains(&ext) && ext != ".syso" {
            return;
        }
        if crate::gosrc::filename::exclude_by_name(
            &format!("{}.go", &name[..name.len() - ext.len()]),
            ctx,
        )
        .is_some()
        {
            return;
        }
        // go/build applies //go:build lines to C and assembly files too
        // (x/sys/cpu's cpu_gccgo_x86.c is `//go:build gccgo`).
        if ext != ".syso"
            && let Ok(h) = sources.header(&self.dir.join(file))
            && !h.constraint_holds(ctx)
        {
            return;
        }
        if ext == ".syso" {
            self.syso_files.push(file.to_owned());
        } else if !matches!(ext, ".s" | ".S" | ".sx" | ".swig" | ".swigcxx") {
            // Assembly goes to the Go assembler; C, C++, Objective-C and
            // Fortran need cgo (cmd/go's "C source files not allowed").
            self.c_files.push(file.to_owned());
        }
    }
}

/// The first string of a [`Package::record`]: a change of what a record
/// holds changes it (an older record is then not replayed).
const RECORD_VERSION: &str = "package record v1";

fn exclusion_code(e: Exclusion) -> &'static str {
    match e {
        Exclusion::Name(NameExclusion::NotGo) => "name-not-go",
        Exclusion::Name(NameExclusion::Hidden) => "name-hidden",
        Exclusion::Name(NameExclusion::Test) => "name-test",
        Exclusion::Name(NameExclusion::OsArch) => "name-os-arch",
        Exclusion::Invalid => "invalid",
        Exclusion::Constraint => "constraint",
        Exclusion::Documentation => "documentation",
        Exclusion::CgoDisabled => "cgo-disabled",
    }
}

fn exclusion_of(code: &str) -> Option<Exclusion> {
    Some(match code {
        "name-not-go" => Exclusion::Name(NameExclusion::NotGo),
        "name-hidden" => Exclusion::Name(NameExclusion::Hidden),
        "name-test" => Exclusion::Name(NameExclusion::Test),
        "name-os-arch" => Exclusion::Name(NameExclusion::OsArch),
        "invalid" => Exclusion::Invalid,
        "constraint" => Exclusion::Constraint,
        "documentation" => Exclusion::Documentation,
        "cgo-disabled" => Exclusion::CgoDisabled,
        _ => return None,
    })
}

/// cmd/go's check for a package with non-Go sources and no cgo file: the
/// gc toolchain rejects C files first, then C++, Objective-C, Fortran.
fn sources_without_cgo(files: &[OsString]) -> Option<LoadError> {
    const KINDS: &[(&[&str], &str)] = &[
        (&[".c"], "C"),
        (&[".cc", ".cpp", ".cxx"], "C++"),
        (&[".m"], "Objective-C"),
        (&[".f", ".F", ".for", ".f90"], "Fortran"),
    ];
    KINDS.iter().find_map(|(exts, kind)| {
        let mut names: Vec<String> = files
            .iter()
            .map(|f| f.to_string_lossy().into_owned())
            .filter(|f| exts.iter().any(|e| f.ends_with(e)))
            .collect();
        names.sort();
        (!names.is_empty()).then(|| LoadError::SourcesWithoutCgo {
            kind: kind.to_string(),
            files: names,
        })
    })
}

/// Whether cmd/go's module index fails the package for this header error
/// of a non-hidden .go file, whatever the build configuration: NUL bytes,
/// syntax errors and several `//go:build` lines always; an unparsable
/// `//go:build` line only when the name's GOOS/GOARCH suffix matches
/// (`name_ok`), since the index evaluates the line after the name.
fn index_fatal(e: &HeaderError, name_ok: bool) -> bool {
    match &e.kind {
        ErrorKind::Read | ErrorKind::Syntax => true,
        ErrorKind::Constraint => name_ok || e.message == crate::gosrc::header::MULTIPLE_GO_BUILD,
        ErrorKind::Cgo { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gosrc::tags;

    /// Every directory of the Go tree, loaded under linux/amd64 with cgo on
    /// and off (as standard packages and as a module's), then replayed
    /// from its record: the same package, the same tag questions. Only a
    /// package with errors goes unrecorded.
    #[test]
    fn replayed_packages_are_the_packages_loaded() {
        let tc = crate::buildcfg::Toolchain::discover(&crate::buildcfg::trust::process_env());
        let src = tc.goroot.expect("go env GOROOT").join("src");
        let sources = Sources::new();
        let (mut replayed, mut unrecorded) = (0, 0);
        for (cgo, standard) in [(true, true), (false, true), (true, false)] {
            let ctx = TagContext {
                goos: "linux".into(),
                goarch: "amd64".into(),
                cgo_enabled: cgo,
                compiler: "gc".into(),
                build_tags: Vec::new(),
                tool_tags: vec!["amd64.v1".into()],
                release_tags: tags::release_tags(26),
            };
            let mut stack = vec![src.clone()];
            while let Some(dir) = stack.pop() {
                for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                    if e.file_type().is_ok_and(|t| t.is_dir()) {
                        stack.push(e.path());
                    }
                }
                let path = dir
                    .strip_prefix(&src)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let (pkg, queries) =
                    tags::record(|| Package::load(&sources, &path, &dir, standard, &ctx));
                let Some(record) = pkg.record(&queries) else {
                    assert!(!pkg.errors.is_empty(), "{}: no record", dir.display());
                    unrecorded += 1;
                    continue;
                };
                let (again, asked) =
                    Package::replay(&sources, &path, &dir, standard, &ctx, &record)
                        .unwrap_or_else(|| panic!("{}: no replay", dir.display()));
                assert_eq!(
                    format!("{again:?}"),
                    format!("{pkg:?}"),
                    "{}",
                    dir.display()
                );
                assert_eq!(asked, queries, "{}", dir.display());
                replayed += 1;
            }
        }
        assert!(
            replayed > 1500 && unrecorded > 100,
            "{replayed} replayed, {unrecorded} not"
        );
    }

    /// A record that is not one (another version, a missing part, an
    /// unknown exclusion) is not replayed.
    #[test]
    fn foreign_records_are_not_replayed() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("a.go"), "package a\n").unwrap();
        let sources = Sources::new();
        let ctx = TagContext::default();
        let (pkg, queries) = tags::record(|| Package::load(&sources, "a", tmp.path(), false, &ctx));
        let good = pkg.record(&queries).unwrap();
        let replay = |r: &[Vec<String>]| Package::replay(&sources, "a", tmp.path(), false, &ctx, r);
        assert!(replay(&good).is_some());
        let mut old = good.clone();
        old[0][0] = "package record v0".into();
        let mut short = good.clone();
        short.pop();
        let mut odd = good.clone();
        odd[2] = vec!["b.go".into(), "sideways".into()];
        let mut gone = good.clone();
        gone[1].push("missing.go".into());
        for bad in [old, short, odd, gone] {
            assert!(replay(&bad).is_none(), "{bad:?}");
        }
    }

    /// Answers come back for the keys they were given; a fifth key takes a
    /// slot of the four; a copy of a package remembers nothing.
    #[test]
    fn answer_memo_keeps_recent_answers() {
        let m = AnswerMemo::default();
        let keys = [0x1234_5678_9abc_def0u64, 4, 8, !3];
        assert_eq!(m.get(keys[0]), None);
        for (i, k) in keys.iter().enumerate() {
            m.set(*k, i % 2 == 0);
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(m.get(*k), Some(i % 2 == 0), "key {k:#x}");
        }
        // Key 0 is a real key too (the in-use bit tells it from empty).
        assert_eq!(m.get(0), None);
        m.set(12, true);
        assert_eq!(m.get(12), Some(true));
        assert_eq!(keys.iter().filter(|k| m.get(**k).is_some()).count(), 3);
        assert_eq!(m.clone().get(12), None);
    }
}
