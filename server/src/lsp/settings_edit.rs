//! The quick fixes' edit: the folder's `.vscode/settings.json` with the
//! fix's build flags and env merged in (`linklens.buildFlags`,
//! `linklens.env`, and gopls `build.buildFlags`/`build.env` so that gopls
//! type-checks the same build). The edits are minimal and textual (see
//! `crate::jsonc`): VS Code's settings files are JSON with comments, and
//! everything but the changed values stays byte for byte.

use crate::jsonc::{self, Editor};
use crate::predict::Fix;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// `-tags a,b` merged into go build flags (either `-tags x` or `-tags=x`).
pub fn add_tags(flags: &[String], tags: &[String]) -> Vec<String> {
    if tags.is_empty() {
        return flags.to_vec();
    }
    let mut out = flags.to_vec();
    let merge = |cur: &str| {
        let mut v: Vec<String> = cur
            .split([',', ' '])
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        for t in tags {
            if !v.contains(t) {
                v.push(t.clone());
            }
        }
        v.join(",")
    };
    for i in 0..out.len() {
        let f = out[i].trim_start_matches('-');
        if f == "tags" && i + 1 < out.len() {
            out[i + 1] = merge(&out[i + 1]);
            return out;
        }
        if let Some(v) = f.strip_prefix("tags=") {
            out[i] = format!("-tags={}", merge(v));
            return out;
        }
    }
    out.push("-tags".into());
    out.push(merge(""));
    out
}

/// `-ldflags` arguments appended to the existing value, if any.
pub fn add_ldflags(flags: &[String], ld: &[String]) -> Vec<String> {
    if ld.is_empty() {
        return flags.to_vec();
    }
    let extra = ld.join(" ");
    let mut out = flags.to_vec();
    for i in 0..out.len() {
        let f = out[i].trim_start_matches('-');
        if f == "ldflags" && i + 1 < out.len() {
            out[i + 1] = format!("{} {extra}", out[i + 1]).trim().to_string();
            return out;
        }
        if let Some(v) = f.strip_prefix("ldflags=") {
            out[i] = format!("-ldflags={}", format!("{v} {extra}").trim());
            return out;
        }
    }
    out.push("-ldflags".into());
    out.push(extra);
    out
}

/// Why linklens will not edit this `.vscode/settings.json` text (`None`:
/// it can; a missing file can always be created).
pub fn cannot_edit(existing: Option<&str>) -> Option<String> {
    match jsonc::parse(existing?) {
        Err(e) => Some(format!(
            ".vscode/settings.json has a syntax error at {e}; linklens does not edit it until it parses"
        )),
        Ok(Some(root)) if !root.is_object() => Some(
            ".vscode/settings.json does not hold a JSON object; linklens does not edit it".into(),
        ),
        Ok(_) => None,
    }
}

/// The edits (byte ranges of `existing`, or one insertion into an empty
/// text for a new file) that put the fix's settings in `.vscode/settings.json`:
/// `linklens.buildFlags`, `linklens.env` and gopls `build.buildFlags` /
/// `build.env`, each replaced where it is (dotted or nested form) or
/// inserted after the last key. Nothing else of the text changes: comments,
/// trailing commas, indentation and line endings stay as they are. A text
/// that does not parse gets no edit (see [`cannot_edit`]).
pub fn fix_edits(
    existing: Option<&str>,
    flags: &[String],
    env: &BTreeMap<String, String>,
    fix: &Fix,
) -> Result<Vec<jsonc::Edit>, String> {
    if let Some(why) = cannot_edit(existing) {
        return Err(why);
    }
    let text = existing.unwrap_or("");
    let root = jsonc::parse(text).map_err(|e| e.to_string())?;
    let new_flags = json!(add_ldflags(&add_tags(flags, &fix.tags), &fix.ldflags));
    let mut new_env = env.clone();
    for (k, v) in &fix.env {
        new_env.insert(k.clone(), v.clone());
    }
    let new_env = Value::Object(new_env.into_iter().map(|(k, v)| (k, json!(v))).collect());
    let gopls = json!({"build.buildFlags": new_flags, "build.env": new_env});
    let mut ed = Editor::new(text, root.as_ref());
    let Some(root) = root.as_ref() else {
        ed.set_root(&json!({
            "linklens.buildFlags": new_flags,
            "linklens.env": new_env,
            "gopls": gopls,
        }));
        return Ok(ed.finish());
    };
    set_setting(&mut ed, root, "linklens", "buildFlags", new_flags.clone());
    set_setting(&mut ed, root, "linklens", "env", new_env.clone());
    match root.member("gopls") {
        Some(g) if g.value.is_object() => {
            set_setting(&mut ed, &g.value, "build", "buildFlags", new_flags);
            set_setting(&mut ed, &g.value, "build", "env", new_env);
        }
        Some(g) => ed.set(&g.value, &gopls),
        None => ed.insert(root, Some("gopls".into()), gopls),
    }
    Ok(ed.finish())
}

/// Sets `section.key` in `obj` where the file has it: the dotted key
/// (`"linklens.env"`), else the key inside a `section` object; else inserts
/// the dotted key.
fn set_setting<'a>(
    ed: &mut Editor<'a>,
    obj: &'a jsonc::Node,
    section: &str,
    key: &str,
    value: Value,
) {
    let dotted = format!("{section}.{key}");
    if let Some(m) = obj.member(&dotted) {
        ed.set(&m.value, &value);
    } else if let Some(m) = obj.member(section).and_then(|s| s.value.member(key)) {
        ed.set(&m.value, &value);
    } else {
        ed.insert(obj, Some(dotted), value);
    }
}

/// The new contents of settings.json (`existing` is None when the file
/// does not exist): [`fix_edits`] applied.
pub fn apply_fix(
    existing: Option<&str>,
    flags: &[String],
    env: &BTreeMap<String, String>,
    fix: &Fix,
) -> Result<String, String> {
    let edits = fix_edits(existing, flags, env, fix)?;
    Ok(jsonc::apply(existing.unwrap_or(""), &edits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predict::{Link, Verdict};

    fn fix(tags: &[&str], env: &[(&str, &str)], ld: &[&str]) -> Fix {
        Fix {
            id: "x".into(),
            title: "x".into(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            tags: tags.iter().map(|s| s.to_string()).collect(),
            ldflags: ld.iter().map(|s| s.to_string()).collect(),
            link: Link {
                result: Verdict::Static,
                linker: None,
                interpreter: None,
                needed: vec![],
                pie: false,
                error: None,
                glibc_floor: None,
                glibc_floor_source: None,
            },
            caveats: vec![],
            breaks: vec![],
            available: true,
        }
    }

    #[test]
    fn merges_tags_and_ldflags() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            add_tags(&s(&["-tags", "a"]), &s(&["netgo"])),
            s(&["-tags", "a,netgo"])
        );
        assert_eq!(
            add_tags(&s(&["-tags=a,netgo"]), &s(&["netgo"])),
            s(&["-tags=a,netgo"])
        );
        assert_eq!(
            add_tags(&[], &s(&["netgo", "osusergo"])),
            s(&["-tags", "netgo,osusergo"])
        );
        assert_eq!(
            add_ldflags(&s(&["-ldflags", "-s"]), &s(&["-linkmode", "external"])),
            s(&["-ldflags", "-s -linkmode external"])
        );
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn env(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Applies the fix, checks the result parses to what the settings
    /// resolver then reads, and that applying it again changes nothing.
    fn edit(existing: Option<&str>, flags: &[&str], cur_env: &[(&str, &str)], f: &Fix) -> String {
        let (flags, cur_env) = (s(flags), env(cur_env));
        let out = apply_fix(existing, &flags, &cur_env, f).unwrap();
        let v = jsonc::parse_value(&out).unwrap_or_else(|e| panic!("{e}:\n{out}"));
        let resolved = crate::lsp::settings::Layers {
            vscode_file: Some(v),
            ..Default::default()
        }
        .resolve();
        let want_flags = add_ldflags(&add_tags(&flags, &f.tags), &f.ldflags);
        assert_eq!(resolved.build_flags, want_flags, "{out}");
        let mut want_env = cur_env.clone();
        want_env.extend(f.env.clone());
        assert_eq!(resolved.env, want_env, "{out}");
        let again = fix_edits(Some(&out), &want_flags, &want_env, f).unwrap();
        assert!(again.is_empty(), "not idempotent: {again:?}\n{out}");
        out
    }

    #[test]
    fn comments_and_trailing_commas_everywhere_are_kept() {
        let before = r#"// Workspace settings for the shop service.
{
    // Formatting
    "editor.formatOnSave": true, // always
    /* gopls: keep semantic tokens */
    "gopls": {
        "ui.semanticTokens": true, // nice colours
    },
    "[go]": {
        "editor.defaultFormatter": "golang.go",
    },
    // "linklens.expect": "report",
}
"#;
        let after = r#"// Workspace settings for the shop service.
{
    // Formatting
    "editor.formatOnSave": true, // always
    /* gopls: keep semantic tokens */
    "gopls": {
        "ui.semanticTokens": true, // nice colours
        "build.buildFlags": ["-tags", "netgo"],
        "build.env": {},
    },
    "[go]": {
        "editor.defaultFormatter": "golang.go",
    },
    // "linklens.expect": "report",
    "linklens.buildFlags": ["-tags", "netgo"],
    "linklens.env": {},
}
"#;
        assert_eq!(
            edit(Some(before), &[], &[], &fix(&["netgo"], &[], &[])),
            after
        );
        // The edits are insertions only: two, one per object.
        let edits = fix_edits(
            Some(before),
            &[],
            &BTreeMap::new(),
            &fix(&["netgo"], &[], &[]),
        )
        .unwrap();
        assert_eq!(edits.len(), 2, "{edits:?}");
        assert!(edits.iter().all(|e| e.start == e.end));
    }

    /// Replacing values that exist: only their bytes change. Comments (line
    /// and block, inside the replaced arrays' neighbours too), trailing
    /// commas and unrelated keys, nested or not, come through as they were.
    #[test]
    fn comments_trailing_commas_and_unrelated_keys_survive_a_replacement() {
        let before = r#"{
    /* header */ "files.exclude": {"**/.git": true,}, // keep
    "linklens.buildFlags": ["-trimpath", /* why */ "-tags", "a",],
    "linklens.env": {"CC": "gcc",}, // env
    "gopls": {
        "ui.codelenses": {"test": true}, /* lenses */
        "build.buildFlags": ["-tags", "a"], // mirrors linklens (stale)
        "build.env": {"CC": "gcc"},
    },
    "editor.rulers": [100, 120,], // trailing comma in an array
}
"#;
        let out = edit(
            Some(before),
            &["-trimpath", "-tags", "a"],
            &[("CC", "gcc")],
            &fix(&["netgo"], &[("CGO_ENABLED", "0")], &[]),
        );
        assert_eq!(
            out,
            r#"{
    /* header */ "files.exclude": {"**/.git": true,}, // keep
    "linklens.buildFlags": ["-trimpath", /* why */ "-tags", "a,netgo",],
    "linklens.env": {"CC": "gcc", "CGO_ENABLED": "0",}, // env
    "gopls": {
        "ui.codelenses": {"test": true}, /* lenses */
        "build.buildFlags": ["-trimpath", "-tags", "a,netgo"], // mirrors linklens (stale)
        "build.env": {"CC": "gcc", "CGO_ENABLED": "0"},
    },
    "editor.rulers": [100, 120,], // trailing comma in an array
}
"#
        );
        let (b, a) = (
            jsonc::parse_value(before).unwrap(),
            jsonc::parse_value(&out).unwrap(),
        );
        for key in ["files.exclude", "editor.rulers"] {
            assert_eq!(a[key], b[key], "{key}");
        }
        assert_eq!(a["gopls"]["ui.codelenses"], b["gopls"]["ui.codelenses"]);
    }

    #[test]
    fn tabs_crlf_and_values_replaced_in_place() {
        let before = "{\r\n\t\"linklens.buildFlags\": [\r\n\t\t// release builds\r\n\t\t\"-trimpath\",\r\n\t\t\"-tags\", \"sqlite_omit_load_extension\"\r\n\t],\r\n\t\"linklens.env\": {\r\n\t\t\"CC\": \"gcc\" /* system */\r\n\t}\r\n}\r\n";
        let flags = ["-trimpath", "-tags", "sqlite_omit_load_extension"];
        // A new env key: inserted in the env object; gopls added at the end,
        // tabs and CRLF throughout.
        let after = "{\r\n\t\"linklens.buildFlags\": [\r\n\t\t// release builds\r\n\t\t\"-trimpath\",\r\n\t\t\"-tags\", \"sqlite_omit_load_extension\"\r\n\t],\r\n\t\"linklens.env\": {\r\n\t\t\"CC\": \"gcc\", /* system */\r\n\t\t\"CGO_ENABLED\": \"0\"\r\n\t},\r\n\t\"gopls\": {\r\n\t\t\"build.buildFlags\": [\"-trimpath\", \"-tags\", \"sqlite_omit_load_extension\"],\r\n\t\t\"build.env\": {\r\n\t\t\t\"CC\": \"gcc\",\r\n\t\t\t\"CGO_ENABLED\": \"0\"\r\n\t\t}\r\n\t}\r\n}\r\n";
        assert_eq!(
            edit(
                Some(before),
                &flags,
                &[("CC", "gcc")],
                &fix(&[], &[("CGO_ENABLED", "0")], &[])
            ),
            after
        );
        // A changed tag list: only that array element is rewritten.
        let out = edit(
            Some(before),
            &flags,
            &[("CC", "gcc")],
            &fix(&["netgo"], &[], &[]),
        );
        assert!(
            out.starts_with("{\r\n\t\"linklens.buildFlags\": [\r\n\t\t// release builds\r\n\t\t\"-trimpath\",\r\n\t\t\"-tags\", \"sqlite_omit_load_extension,netgo\"\r\n\t],\r\n\t\"linklens.env\": {\r\n\t\t\"CC\": \"gcc\" /* system */\r\n\t},\r\n\t\"gopls\": {\r\n"),
            "{out}"
        );
        assert!(!out.replace("\r\n", "").contains('\n'), "LF in a CRLF file");
        // An existing value of another type is replaced, nothing else.
        let odd = "{\n  \"linklens.env\": null, // unset\n  \"gopls\": {\"build.env\": {}, \"build.buildFlags\": []}\n}";
        assert_eq!(
            edit(Some(odd), &[], &[], &fix(&[], &[("CGO_ENABLED", "0")], &[])),
            "{\n  \"linklens.env\": {\n    \"CGO_ENABLED\": \"0\"\n  }, // unset\n  \"gopls\": {\"build.env\": {\"CGO_ENABLED\": \"0\"}, \"build.buildFlags\": []},\n  \"linklens.buildFlags\": []\n}"
        );
    }

    #[test]
    fn empty_files_and_one_line_objects() {
        let new_file = "{\n    \"linklens.buildFlags\": [\"-tags\", \"netgo\"],\n    \"linklens.env\": {},\n    \"gopls\": {\n        \"build.buildFlags\": [\"-tags\", \"netgo\"],\n        \"build.env\": {}\n    }\n}\n";
        let netgo = fix(&["netgo"], &[], &[]);
        assert_eq!(edit(None, &[], &[], &netgo), new_file);
        assert_eq!(edit(Some(""), &[], &[], &netgo), new_file);
        assert_eq!(
            edit(Some("// settings\n"), &[], &[], &netgo),
            format!("// settings\n{new_file}")
        );
        assert_eq!(edit(Some("{}"), &[], &[], &netgo), new_file.trim_end());
        assert_eq!(
            edit(Some("{\n\t// nothing yet\n}\n"), &[], &[], &netgo),
            "{\n\t// nothing yet\n\t\"linklens.buildFlags\": [\"-tags\", \"netgo\"],\n\t\"linklens.env\": {},\n\t\"gopls\": {\n\t\t\"build.buildFlags\": [\"-tags\", \"netgo\"],\n\t\t\"build.env\": {}\n\t}\n}\n"
        );
        assert_eq!(
            edit(Some("{\"editor.tabSize\": 2}"), &[], &[], &netgo),
            "{\"editor.tabSize\": 2, \"linklens.buildFlags\": [\"-tags\", \"netgo\"], \"linklens.env\": {}, \"gopls\": {\"build.buildFlags\": [\"-tags\", \"netgo\"], \"build.env\": {}}}"
        );
        assert_eq!(
            edit(Some("{ \"a\": 1, }"), &[], &[], &netgo),
            "{ \"a\": 1, \"linklens.buildFlags\": [\"-tags\", \"netgo\"], \"linklens.env\": {}, \"gopls\": {\"build.buildFlags\": [\"-tags\", \"netgo\"], \"build.env\": {}}, }"
        );
    }

    #[test]
    fn nested_section_objects_are_edited_where_they_are() {
        let before = "{\n  \"linklens\": {\n    \"env\": {\"CC\": \"clang\"}\n  },\n  \"gopls\": {\"build\": {\"buildFlags\": [\"-tags=foo\"]}}\n}\n";
        let out = edit(
            Some(before),
            &["-tags=foo"],
            &[("CC", "clang")],
            &fix(&["netgo"], &[("CGO_ENABLED", "0")], &[]),
        );
        assert_eq!(
            out,
            "{\n  \"linklens\": {\n    \"env\": {\"CC\": \"clang\", \"CGO_ENABLED\": \"0\"}\n  },\n  \"gopls\": {\"build\": {\"buildFlags\": [\"-tags=foo,netgo\"]}, \"build.env\": {\"CC\": \"clang\", \"CGO_ENABLED\": \"0\"}},\n  \"linklens.buildFlags\": [\"-tags=foo,netgo\"]\n}\n"
        );
    }

    /// Every prefix and every one-character deletion of a realistic file:
    /// never a panic, and whenever an edit is made its result parses and
    /// holds the fix.
    #[test]
    fn damaged_files_never_panic_or_produce_broken_json() {
        let text = "// é 🚀\r\n{\r\n\t\"linklens.env\": {\"CC\": \"gcc\", /* c */},\r\n\t\"gopls\": {\r\n\t\t\"build.buildFlags\": [\"-tags\", \"a\",], // x\r\n\t},\r\n}\r\n";
        let f = fix(&["netgo"], &[("CGO_ENABLED", "0")], &[]);
        let mut variants: Vec<String> = Vec::new();
        for (i, c) in text.char_indices() {
            variants.push(text[..i].to_string());
            variants.push(format!("{}{}", &text[..i], &text[i + c.len_utf8()..]));
        }
        for v in &variants {
            match apply_fix(Some(v), &[], &BTreeMap::new(), &f) {
                Ok(out) => {
                    let val =
                        jsonc::parse_value(&out).unwrap_or_else(|e| panic!("{e}: {v:?} → {out:?}"));
                    assert_eq!(val["gopls"]["build.env"]["CGO_ENABLED"], "0", "{out:?}");
                }
                Err(e) => assert_eq!(Some(e), cannot_edit(Some(v))),
            }
        }
    }

    #[test]
    fn unparsable_files_get_no_edit_and_a_clear_message() {
        let broken = "{\n  // mine\n  \"editor.tabSize\": 4\n  \"go.buildTags\": \"x\"\n}\n";
        let e = apply_fix(
            Some(broken),
            &[],
            &BTreeMap::new(),
            &fix(&["netgo"], &[], &[]),
        )
        .unwrap_err();
        assert_eq!(
            e,
            ".vscode/settings.json has a syntax error at line 4, column 3: expected `,` or `}`; linklens does not edit it until it parses"
        );
        assert_eq!(cannot_edit(Some(broken)), Some(e));
        for bad in ["{", "{\"a\": 1", "/* open", "{\"a\": [1,}"] {
            assert!(cannot_edit(Some(bad)).is_some(), "{bad:?}");
        }
        assert!(
            cannot_edit(Some("[1]"))
                .unwrap()
                .contains("does not hold a JSON object")
        );
        assert_eq!(cannot_edit(None), None);
        assert_eq!(cannot_edit(Some("")), None);
    }
}
