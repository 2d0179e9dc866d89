//! The quick fixes' edit: the folder's `.vscode/settings.json` with the
//! fix's build flags and env merged in (`linklens.buildFlags`,
//! `linklens.env`, and gopls `build.buildFlags`/`build.env` so that gopls
//! type-checks the same build). Other keys are kept, in their order.

use super::settings::parse_jsonc;
use crate::predict::Fix;
use serde_json::{Map, Value, json};
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

/// The new contents of settings.json. `existing` is the current text (None
/// if the file does not exist); `flags`/`env` are the settings in effect.
pub fn apply_fix(
    existing: Option<&str>,
    flags: &[String],
    env: &BTreeMap<String, String>,
    fix: &Fix,
) -> Result<String, String> {
    let mut root = match existing {
        Some(t) => {
            parse_jsonc(t).map_err(|e| format!(".vscode/settings.json is not valid JSON: {e}"))?
        }
        None => Value::Object(Map::new()),
    };
    let obj = root
        .as_object_mut()
        .ok_or(".vscode/settings.json does not hold a JSON object")?;
    let new_flags = add_ldflags(&add_tags(flags, &fix.tags), &fix.ldflags);
    let mut new_env = env.clone();
    for (k, v) in &fix.env {
        new_env.insert(k.clone(), v.clone());
    }
    let env_json: Map<String, Value> = new_env.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    obj.insert("linklens.buildFlags".into(), json!(new_flags));
    obj.insert("linklens.env".into(), Value::Object(env_json.clone()));
    let gopls = obj
        .entry("gopls")
        .or_insert_with(|| Value::Object(Map::new()));
    if !gopls.is_object() {
        *gopls = Value::Object(Map::new());
    }
    if let Some(g) = gopls.as_object_mut() {
        g.insert("build.buildFlags".into(), json!(new_flags));
        g.insert("build.env".into(), Value::Object(env_json));
    }
    let mut text = serde_json::to_string_pretty(&root).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
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

    #[test]
    fn keeps_other_keys_and_comments_are_tolerated() {
        let existing = "{\n  // mine\n  \"editor.tabSize\": 4,\n  \"gopls\": {\"ui.semanticTokens\": true},\n}\n";
        let out = apply_fix(
            Some(existing),
            &[],
            &BTreeMap::new(),
            &fix(&["netgo"], &[], &[]),
        )
        .unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["editor.tabSize"], 4);
        assert_eq!(v["gopls"]["ui.semanticTokens"], true);
        assert_eq!(v["linklens.buildFlags"], json!(["-tags", "netgo"]));
        assert_eq!(v["gopls"]["build.buildFlags"], json!(["-tags", "netgo"]));
        assert!(out.find("editor.tabSize").unwrap() < out.find("linklens.buildFlags").unwrap());
        let out = apply_fix(
            None,
            &[],
            &BTreeMap::new(),
            &fix(&[], &[("CGO_ENABLED", "0")], &[]),
        )
        .unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["linklens.env"], json!({"CGO_ENABLED": "0"}));
        assert!(apply_fix(Some("[1]"), &[], &BTreeMap::new(), &fix(&[], &[], &[])).is_err());
    }
}
