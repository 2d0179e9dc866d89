//! GNU ld's symbol resolution over a link line, as far as it decides
//! whether a link with static archives succeeds and which shared libraries
//! the archives' members make it need. The rules that matter (all checked
//! against real builds, see docs/ground-truth.md):
//!
//! - an archive is scanned where it stands: a member is pulled only for a
//!   symbol undefined at that point, and the archive is rescanned until it
//!   adds nothing; a later reference is not looked up in an earlier archive
//!   (`-linner -louter` fails), except inside `--start-group ... --end-group`;
//! - a shared library defines its symbols for references before and after
//!   it, but under `--as-needed` one that satisfies nothing when it is
//!   reached is dropped and does not count later (`-lm libfoo.a` fails);
//! - weak undefined references neither pull members nor fail.

use super::archive::Archive;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Who defines a symbol the package objects provide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Definer {
    /// go.o: the Go runtime and `//export`ed functions.
    Go,
    /// A definition read from a package's C text (see csource.rs): assumed.
    CSource(String),
}

#[derive(Debug, Clone)]
pub enum Input {
    /// Objects always linked (go.o and the packages' C objects): what they
    /// reference as far as the sources show, and what they define.
    Objects {
        references: Vec<String>,
        defines: Vec<(String, Definer)>,
    },
    Archive {
        /// The path as ld prints it.
        label: String,
        archive: Arc<Archive>,
        /// Follow the pulled members' own references (false for the C
        /// library's archives: their references resolve among themselves).
        follow: bool,
        /// `--whole-archive`: every member is linked.
        whole: bool,
    },
    Shared {
        soname: String,
        symbols: Arc<HashSet<String>>,
        as_needed: bool,
    },
    /// `--start-group ... --end-group` (and ld scripts' `GROUP`): archives
    /// are rescanned until a pass pulls nothing.
    Group(Vec<Input>),
}

/// An undefined reference no input satisfies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    pub symbol: String,
    pub archive: String,
    pub member: String,
    pub function: Option<String>,
}

impl Unresolved {
    /// ld's wording.
    pub fn message(&self) -> String {
        let place = format!("{}({})", self.archive, self.member);
        match &self.function {
            Some(f) => format!(
                "/usr/bin/ld: {place}: in function `{f}': undefined reference to `{}'",
                self.symbol
            ),
            None => format!(
                "/usr/bin/ld: {place}: undefined reference to `{}'",
                self.symbol
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pulled {
    pub archive: String,
    pub member: String,
    /// The symbol it was pulled for (empty for `--whole-archive`).
    pub because: String,
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub unresolved: Vec<Unresolved>,
    /// Shared objects that satisfy a reference from an archive member, in
    /// link order: they end up in DT_NEEDED because of the archive.
    pub needed_by_archives: Vec<String>,
    /// Members of followed archives that the link includes.
    pub pulled: Vec<Pulled>,
    /// Archive references taken as satisfied by a package's own C code:
    /// (symbol, package).
    pub assumed: Vec<(String, String)>,
    /// A pulled member the engine cannot read: the outcome is unknown.
    pub unreadable: Option<String>,
    /// An error ld stops at before resolving anything.
    pub fatal: Option<String>,
}

#[derive(Debug, Clone)]
enum Def {
    Object(Definer),
    Member,
}

#[derive(Debug, Clone)]
struct HardRef {
    symbol: String,
    archive: String,
    member: String,
    function: Option<String>,
}

#[derive(Default)]
struct State {
    defined: HashMap<String, Def>,
    loaded: Vec<(String, Arc<HashSet<String>>)>,
    /// Undefined so far, in the order first referenced (hard or soft).
    order: Vec<String>,
    undefined: HashSet<String>,
    /// References from archive members (the ones that can fail the link).
    hard: Vec<HardRef>,
    hard_syms: HashSet<String>,
    /// Per archive input (by its position in the walk), members pulled.
    pulled: HashMap<usize, Vec<bool>>,
    out: Outcome,
}

/// Symbols the linker or the C runtime start files define.
fn linker_defined(s: &str) -> bool {
    const NAMES: &[&str] = &[
        "_GLOBAL_OFFSET_TABLE_",
        "_DYNAMIC",
        "__dso_handle",
        "__ehdr_start",
        "__executable_start",
        "_edata",
        "edata",
        "_end",
        "end",
        "_etext",
        "etext",
        "__etext",
        "__bss_start",
        "__data_start",
        "data_start",
        "__init_array_start",
        "__init_array_end",
        "__fini_array_start",
        "__fini_array_end",
        "__preinit_array_start",
        "__preinit_array_end",
        "__TMC_END__",
        "__GNU_EH_FRAME_HDR",
        "_IO_stdin_used",
        "_init",
        "_fini",
        "_start",
    ];
    NAMES.contains(&s) || s.starts_with("__start_") || s.starts_with("__stop_")
}

impl State {
    fn is_defined(&self, s: &str) -> bool {
        self.defined.contains_key(s)
            || linker_defined(s)
            || self.loaded.iter().any(|(_, syms)| syms.contains(s))
    }

    /// Records who satisfies a hard reference to `s` (for NEEDED and reasons).
    fn note_provider(&mut self, s: &str) {
        if let Some(Def::Object(Definer::CSource(pkg))) = self.defined.get(s) {
            let entry = (s.to_string(), pkg.clone());
            if !self.out.assumed.contains(&entry) {
                self.out.assumed.push(entry);
            }
        } else if !self.defined.contains_key(s)
            && let Some((soname, _)) = self.loaded.iter().find(|(_, syms)| syms.contains(s))
            && !self.out.needed_by_archives.contains(soname)
        {
            self.out.needed_by_archives.push(soname.clone());
        }
    }

    fn reference(&mut self, s: &str, hard: Option<HardRef>) {
        if self.is_defined(s) {
            if hard.is_some() {
                self.note_provider(s);
            }
            return;
        }
        if self.undefined.insert(s.to_string()) {
            self.order.push(s.to_string());
        }
        if let Some(h) = hard {
            self.hard_syms.insert(s.to_string());
            self.hard.push(h);
        }
    }

    fn define(&mut self, s: &str, def: Def) {
        if self.defined.contains_key(s) {
            return;
        }
        self.defined.insert(s.to_string(), def);
        if self.undefined.remove(s) && self.hard_syms.contains(s) {
            self.note_provider(s);
        }
    }

    /// `rescan`: a later pass over a group. Archives are scanned again and
    /// an `--as-needed` library dropped so far is reconsidered (measured:
    /// `--start-group -lm libneedm.a --end-group` links and needs libm).
    fn walk(&mut self, inputs: &[Input], next_id: &mut usize, rescan: bool) {
        for input in inputs {
            let id = *next_id;
            *next_id += 1;
            match input {
                Input::Objects { .. } if rescan => {}
                Input::Objects {
                    references,
                    defines,
                } => {
                    for (s, d) in defines {
                        self.define(s, Def::Object(d.clone()));
                    }
                    for s in references {
                        self.reference(s, None);
                    }
                }
                Input::Shared {
                    soname,
                    symbols,
                    as_needed,
                } => {
                    if self.loaded.iter().any(|(n, _)| n == soname) {
                        continue;
                    }
                    let wanted: Vec<String> = self
                        .order
                        .iter()
                        .filter(|s| self.undefined.contains(*s) && symbols.contains(*s))
                        .cloned()
                        .collect();
                    if *as_needed && wanted.is_empty() {
                        continue;
                    }
                    self.loaded.push((soname.clone(), symbols.clone()));
                    for s in wanted {
                        self.undefined.remove(&s);
                        if self.hard_syms.contains(&s) {
                            self.note_provider(&s);
                        }
                    }
                }
                Input::Archive {
                    label,
                    archive,
                    follow,
                    whole,
                } => self.scan(id, label, archive, *follow, *whole),
                Input::Group(members) => {
                    let start = *next_id;
                    let mut again = rescan;
                    loop {
                        let before = self.pulled_count();
                        *next_id = start;
                        self.walk(members, next_id, again);
                        again = true;
                        if self.pulled_count() == before || self.out.fatal.is_some() {
                            break;
                        }
                    }
                }
            }
            if self.out.fatal.is_some() {
                return;
            }
        }
    }

    fn pulled_count(&self) -> usize {
        self.pulled
            .values()
            .map(|v| v.iter().filter(|p| **p).count())
            .sum()
    }

    fn scan(&mut self, id: usize, label: &str, ar: &Archive, follow: bool, whole: bool) {
        if ar.is_empty() {
            return;
        }
        if !ar.has_index && !whole {
            self.out.fatal = Some(format!(
                "/usr/bin/ld: {label}: error adding symbols: archive has no index; run ranlib to add one"
            ));
            return;
        }
        self.pulled
            .entry(id)
            .or_insert_with(|| vec![false; ar.names.len()]);
        if whole {
            for i in 0..ar.names.len() {
                self.pull(id, label, ar, i, follow, "");
            }
            return;
        }
        loop {
            let wanted: Vec<(usize, String)> = self
                .order
                .iter()
                .filter(|s| self.undefined.contains(*s))
                .filter_map(|s| ar.index.get(s).map(|i| (*i, s.clone())))
                .collect();
            let mut any = false;
            for (i, s) in wanted {
                if !self.undefined.contains(&s) || self.pulled[&id][i] {
                    continue;
                }
                self.pull(id, label, ar, i, follow, &s);
                any = true;
            }
            if !any {
                break;
            }
        }
    }

    fn pull(
        &mut self,
        id: usize,
        label: &str,
        ar: &Archive,
        i: usize,
        follow: bool,
        because: &str,
    ) {
        let Some(flag) = self.pulled.get_mut(&id).and_then(|v| v.get_mut(i)) else {
            return;
        };
        if *flag {
            return;
        }
        *flag = true;
        if !follow {
            for s in ar.index_symbols.get(i).into_iter().flatten() {
                self.define(s, Def::Member);
            }
            return;
        }
        let name = ar.names.get(i).cloned().unwrap_or_default();
        self.out.pulled.push(Pulled {
            archive: label.to_string(),
            member: name.clone(),
            because: because.to_string(),
        });
        match ar.members.get(i) {
            Some(Ok(m)) => {
                for s in &m.defines {
                    self.define(s, Def::Member);
                }
                for r in &m.references {
                    self.reference(
                        &r.symbol,
                        Some(HardRef {
                            symbol: r.symbol.clone(),
                            archive: label.to_string(),
                            member: name.clone(),
                            function: r.function.clone(),
                        }),
                    );
                }
            }
            Some(Err(why)) => {
                if self.out.unreadable.is_none() {
                    self.out.unreadable = Some(format!("{label}: {why}"));
                }
            }
            None => {
                if self.out.unreadable.is_none() {
                    self.out.unreadable = Some(format!("{label}: member {name} was not read"));
                }
            }
        }
    }
}

/// Runs the link line and reports what stays unresolved.
pub fn simulate(inputs: &[Input]) -> Outcome {
    let mut st = State::default();
    let mut id = 0;
    st.walk(inputs, &mut id, false);
    let mut seen = HashSet::new();
    let hard = std::mem::take(&mut st.hard);
    for h in hard {
        if st.undefined.contains(&h.symbol) && seen.insert(h.symbol.clone()) {
            st.out.unresolved.push(Unresolved {
                symbol: h.symbol,
                archive: h.archive,
                member: h.member,
                function: h.function,
            });
        }
    }
    st.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::archive::{Member, Reference};

    /// An archive of `(member, defines, references)`.
    fn ar(members: &[(&str, &[&str], &[&str])]) -> Arc<Archive> {
        let mut a = Archive {
            has_index: true,
            ..Archive::default()
        };
        for (i, (name, defs, refs)) in members.iter().enumerate() {
            a.names.push(name.to_string());
            a.index_symbols
                .push(defs.iter().map(|s| s.to_string()).collect());
            for d in *defs {
                a.index.entry(d.to_string()).or_insert(i);
            }
            a.members.push(Ok(Member {
                name: name.to_string(),
                defines: defs.iter().map(|s| s.to_string()).collect(),
                references: refs
                    .iter()
                    .map(|s| Reference {
                        symbol: s.to_string(),
                        function: Some(format!("{name}_fn")),
                    })
                    .collect(),
            }));
        }
        Arc::new(a)
    }

    fn archive(label: &str, a: Arc<Archive>) -> Input {
        Input::Archive {
            label: label.into(),
            archive: a,
            follow: true,
            whole: false,
        }
    }

    fn shared(soname: &str, syms: &[&str], as_needed: bool) -> Input {
        Input::Shared {
            soname: soname.into(),
            symbols: Arc::new(syms.iter().map(|s| s.to_string()).collect()),
            as_needed,
        }
    }

    fn objects(refs: &[&str]) -> Input {
        Input::Objects {
            references: refs.iter().map(|s| s.to_string()).collect(),
            defines: vec![("main".into(), Definer::Go)],
        }
    }

    fn libc() -> Input {
        shared("libc.so.6", &["malloc", "free", "strlen"], true)
    }

    fn needm() -> Input {
        archive(
            "libneedm.a",
            ar(&[("needm.o", &["needm_root"], &["sqrt", "malloc"])]),
        )
    }

    #[test]
    fn missing_library_fails_with_lds_words() {
        let out = simulate(&[objects(&["needm_root"]), needm(), libc()]);
        assert_eq!(out.unresolved.len(), 1);
        assert_eq!(
            out.unresolved[0].message(),
            "/usr/bin/ld: libneedm.a(needm.o): in function `needm.o_fn': undefined reference to `sqrt'"
        );
        assert_eq!(out.pulled.len(), 1);
    }

    #[test]
    fn library_after_the_archive_resolves_and_is_needed() {
        let out = simulate(&[
            objects(&["needm_root"]),
            needm(),
            shared("libm.so.6", &["sqrt"], true),
            libc(),
        ]);
        assert!(out.unresolved.is_empty());
        assert_eq!(out.needed_by_archives, ["libm.so.6", "libc.so.6"]);
    }

    #[test]
    fn as_needed_library_before_the_archive_is_dropped() {
        let line = |as_needed| {
            simulate(&[
                objects(&["needm_root"]),
                shared("libm.so.6", &["sqrt"], as_needed),
                needm(),
                libc(),
            ])
        };
        assert_eq!(line(true).unresolved[0].symbol, "sqrt");
        let kept = line(false);
        assert!(kept.unresolved.is_empty());
        assert!(kept.needed_by_archives.contains(&"libm.so.6".to_string()));
    }

    #[test]
    fn unreferenced_members_are_not_pulled() {
        let out = simulate(&[objects(&["other"]), needm(), libc()]);
        assert!(out.unresolved.is_empty() && out.pulled.is_empty());
    }

    #[test]
    fn archive_order_and_groups() {
        let outer = || {
            archive(
                "libouter.a",
                ar(&[("outer.o", &["outer_add"], &["inner_add"])]),
            )
        };
        let inner = || archive("libinner.a", ar(&[("inner.o", &["inner_add"], &[])]));
        let ok = simulate(&[objects(&["outer_add"]), outer(), inner(), libc()]);
        assert!(ok.unresolved.is_empty());
        let bad = simulate(&[objects(&["outer_add"]), inner(), outer(), libc()]);
        assert_eq!(bad.unresolved[0].symbol, "inner_add");
        let grouped = simulate(&[
            objects(&["outer_add"]),
            Input::Group(vec![inner(), outer()]),
            libc(),
        ]);
        assert!(grouped.unresolved.is_empty(), "{grouped:?}");
        // An as-needed library in a group counts for members pulled after it.
        let libm_first = simulate(&[
            objects(&["needm_root"]),
            Input::Group(vec![shared("libm.so.6", &["sqrt"], true), needm()]),
            libc(),
        ]);
        assert!(libm_first.unresolved.is_empty());
        assert!(
            libm_first
                .needed_by_archives
                .contains(&"libm.so.6".to_string())
        );
    }

    #[test]
    fn members_pull_members_within_one_archive() {
        let a = ar(&[
            ("b.o", &["b"], &["c"]),
            ("a.o", &["a"], &["b"]),
            ("c.o", &["c"], &["d"]),
        ]);
        let out = simulate(&[objects(&["a"]), archive("libabc.a", a), libc()]);
        assert_eq!(out.pulled.len(), 3);
        assert_eq!(out.unresolved[0].symbol, "d");
    }

    #[test]
    fn package_definitions_are_assumed_and_reported() {
        let a = ar(&[("cb.o", &["run"], &["go_callback", "c_helper"])]);
        let out = simulate(&[
            Input::Objects {
                references: vec!["run".into()],
                defines: vec![
                    ("go_callback".into(), Definer::Go),
                    ("c_helper".into(), Definer::CSource("example.com/p".into())),
                ],
            },
            archive("libcb.a", a),
            libc(),
        ]);
        assert!(out.unresolved.is_empty());
        assert_eq!(
            out.assumed,
            [("c_helper".to_string(), "example.com/p".to_string())]
        );
    }

    #[test]
    fn whole_archive_missing_index_and_unreadable_members() {
        let mut a = (*ar(&[("x.o", &["x"], &["nowhere"])])).clone();
        let whole = simulate(&[
            objects(&[]),
            Input::Archive {
                label: "libx.a".into(),
                archive: Arc::new(a.clone()),
                follow: true,
                whole: true,
            },
        ]);
        assert_eq!(whole.unresolved[0].symbol, "nowhere");
        a.has_index = false;
        let out = simulate(&[objects(&["x"]), archive("libx.a", Arc::new(a.clone()))]);
        assert!(out.fatal.unwrap().contains("archive has no index"));
        a.has_index = true;
        a.members[0] = Err("member x.o is LLVM bitcode (LTO)".into());
        let out = simulate(&[objects(&["x"]), archive("libx.a", Arc::new(a))]);
        assert!(out.unreadable.unwrap().contains("bitcode"));
    }

    #[test]
    fn system_archives_define_without_being_followed() {
        let libm = Arc::new(Archive {
            has_index: true,
            names: vec!["e_sqrt.o".into()],
            index: [("sqrt".to_string(), 0)].into_iter().collect(),
            index_symbols: vec![vec!["sqrt".into()]],
            members: vec![],
        });
        let out = simulate(&[
            objects(&["needm_root"]),
            needm(),
            Input::Archive {
                label: "libm.a".into(),
                archive: libm,
                follow: false,
                whole: false,
            },
            libc(),
        ]);
        assert!(out.unresolved.is_empty(), "{out:?}");
        assert_eq!(out.needed_by_archives, ["libc.so.6"]);
    }
}
