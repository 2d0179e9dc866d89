//! The `linklens` settings of one workspace folder, merged from the places
//! an editor can put them, with a note of where each value came from (the
//! hover shows it).
//!
//! Precedence per key: the folder's `.vscode/settings.json` (what the quick
//! fixes write, so they take effect in every editor), then the client's
//! `workspace/configuration` answer, then `initializationOptions`. Build
//! flags and env fall back to gopls `build.buildFlags`/`build.env`, and
//! build flags to vscode-go `go.buildTags`, when linklens keys are unset.

use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Dynamic linkage is a problem (Warning).
    Static,
    /// Just report the linkage (Information).
    Report,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub expect: Expect,
    pub build_flags: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub codelens: bool,
    pub run_go: bool,
    /// Where the build flags and env came from, in words.
    pub flags_source: String,
    pub env_source: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            expect: Expect::Static,
            build_flags: Vec::new(),
            env: BTreeMap::new(),
            codelens: true,
            run_go: true,
            flags_source: "none set".into(),
            env_source: "the server's environment only".into(),
        }
    }
}

/// The raw inputs, each a JSON value as the client or file gave it.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    /// `.vscode/settings.json` of the folder (flat dotted keys).
    pub vscode_file: Option<Value>,
    /// `workspace/configuration` answers for sections linklens, gopls, go.
    pub client_linklens: Option<Value>,
    pub client_gopls: Option<Value>,
    pub client_go: Option<Value>,
    pub init_options: Option<Value>,
}

/// A key of the `linklens` section, looked up in one layer.
fn linklens_key<'a>(layer: &'a Value, key: &str, flat: bool) -> Option<&'a Value> {
    let obj = layer.as_object()?;
    if flat {
        if let Some(v) = obj.get(&format!("linklens.{key}")) {
            return Some(v);
        }
        return obj.get("linklens")?.as_object()?.get(key);
    }
    // A section answer, or initializationOptions with or without a
    // `linklens` wrapper.
    obj.get(key)
        .or_else(|| obj.get("linklens")?.as_object()?.get(key))
}

/// gopls keys are dotted (`build.buildFlags`) but some clients nest them.
fn gopls_key<'a>(gopls: &'a Value, key: &str) -> Option<&'a Value> {
    let obj = gopls.as_object()?;
    obj.get(&format!("build.{key}"))
        .or_else(|| obj.get("build")?.as_object()?.get(key))
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn env_map(v: &Value) -> Option<BTreeMap<String, String>> {
    let obj = v.as_object()?;
    Some(
        obj.iter()
            .filter_map(|(k, v)| {
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => (if *b { "1" } else { "0" }).to_string(),
                    _ => return None,
                };
                Some((k.clone(), s))
            })
            .collect(),
    )
}

impl Layers {
    /// The linklens layers in precedence order, each with its name.
    fn linklens(&self) -> Vec<(&Value, bool, &'static str)> {
        let mut v = Vec::new();
        if let Some(f) = &self.vscode_file {
            v.push((f, true, "linklens.{} in .vscode/settings.json"));
        }
        if let Some(c) = &self.client_linklens {
            v.push((c, false, "linklens.{} (editor settings)"));
        }
        if let Some(i) = &self.init_options {
            v.push((i, false, "linklens {} (initializationOptions)"));
        }
        v
    }

    fn gopls(&self) -> Vec<(&Value, &'static str)> {
        let mut v = Vec::new();
        if let Some(g) = self.vscode_file.as_ref().and_then(|f| f.get("gopls")) {
            v.push((g, "gopls build.{} in .vscode/settings.json"));
        }
        if let Some(g) = &self.client_gopls {
            v.push((g, "gopls build.{} (editor settings)"));
        }
        v
    }

    fn first<T>(&self, key: &str, conv: impl Fn(&Value) -> Option<T>) -> Option<(T, String)> {
        self.linklens().into_iter().find_map(|(layer, flat, name)| {
            Some((
                conv(linklens_key(layer, key, flat)?)?,
                name.replace("{}", key),
            ))
        })
    }

    pub fn resolve(&self) -> Settings {
        let mut s = Settings::default();
        if let Some((v, _)) = self.first("expect", |v| v.as_str().map(str::to_string)) {
            s.expect = if v == "report" {
                Expect::Report
            } else {
                Expect::Static
            };
        }
        if let Some((v, _)) = self.first("codelens", Value::as_bool) {
            s.codelens = v;
        }
        if let Some((v, _)) = self.first("runGo", Value::as_bool) {
            s.run_go = v;
        }
        if let Some((flags, src)) = self.first("buildFlags", strings) {
            (s.build_flags, s.flags_source) = (flags, src);
        } else if let Some((flags, src)) = self.gopls().into_iter().find_map(|(g, n)| {
            Some((
                strings(gopls_key(g, "buildFlags")?)?,
                n.replace("{}", "buildFlags"),
            ))
        }) {
            (s.build_flags, s.flags_source) = (flags, src);
        } else if let Some((tags, src)) = self.go_build_tags() {
            (s.build_flags, s.flags_source) = (vec!["-tags".into(), tags], src);
        }
        if let Some((env, src)) = self.first("env", env_map) {
            (s.env, s.env_source) = (env, src);
        } else if let Some((env, src)) = self
            .gopls()
            .into_iter()
            .find_map(|(g, n)| Some((env_map(gopls_key(g, "env")?)?, n.replace("{}", "env"))))
        {
            (s.env, s.env_source) = (env, src);
        }
        s
    }

    fn go_build_tags(&self) -> Option<(String, String)> {
        let from_file = self
            .vscode_file
            .as_ref()
            .and_then(|f| f.get("go.buildTags")?.as_str().map(str::to_string));
        if let Some(t) = from_file.filter(|t| !t.is_empty()) {
            return Some((t, "go.buildTags in .vscode/settings.json".into()));
        }
        let t = self
            .client_go
            .as_ref()?
            .get("buildTags")?
            .as_str()?
            .to_string();
        (!t.is_empty()).then(|| (t, "go.buildTags (editor settings)".into()))
    }
}

/// Parses VS Code's JSON-with-comments (comments, trailing commas); a file
/// with no value (empty, or only comments) is an empty object.
pub fn parse_jsonc(text: &str) -> Result<Value, String> {
    crate::jsonc::parse_value(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn precedence_and_fallbacks() {
        let l = Layers {
            vscode_file: Some(json!({"linklens.env": {"CGO_ENABLED": "0"}})),
            client_linklens: Some(json!({"expect": "report", "env": {"CC": "x"}})),
            client_gopls: Some(json!({"build.buildFlags": ["-tags", "netgo"]})),
            client_go: Some(json!({"buildTags": "foo"})),
            init_options: Some(json!({"linklens": {"codelens": false}})),
        };
        let s = l.resolve();
        assert_eq!(s.expect, Expect::Report);
        assert_eq!(s.env.get("CGO_ENABLED").map(String::as_str), Some("0"));
        assert!(s.env_source.contains(".vscode/settings.json"));
        assert_eq!(s.build_flags, vec!["-tags", "netgo"]);
        assert!(s.flags_source.starts_with("gopls"));
        assert!(!s.codelens);
        let only_go = Layers {
            client_go: Some(json!({"buildTags": "foo"})),
            ..Default::default()
        }
        .resolve();
        assert_eq!(only_go.build_flags, vec!["-tags", "foo"]);
    }

    #[test]
    fn jsonc() {
        let v = parse_jsonc("{\n // c\n \"a\": \"//x\", /* b */ \"b\": [1,2,],\n}\n").unwrap();
        assert_eq!(v, json!({"a": "//x", "b": [1, 2]}));
        assert_eq!(parse_jsonc("").unwrap(), json!({}));
        assert!(parse_jsonc("{").is_err());
        // Non-ASCII inside strings survives (the old byte-wise stripper
        // turned it into Latin-1 mojibake).
        assert_eq!(
            parse_jsonc("{\"linklens.env\": {\"CC\": \"/opt/crosé/gcc\"}}").unwrap(),
            json!({"linklens.env": {"CC": "/opt/crosé/gcc"}})
        );
    }
}
