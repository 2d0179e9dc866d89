//! The `linklens` settings of one workspace folder, merged from the places
//! an editor can put them, with a note of where each value came from (the
//! hover shows it).
//!
//! Precedence per key: the folder's `.vscode/settings.json` (what the quick
//! fixes write, so they take effect in every editor), then the client's
//! `workspace/configuration` answer, then `initializationOptions`. Build
//! flags and env fall back to gopls `build.buildFlags`/`build.env`, and
//! build flags to vscode-go `go.buildTags`, when linklens keys are unset.
//!
//! The trust boundary (`buildcfg::trust`) overrides precedence: a workspace
//! file is data, so `.vscode/settings.json` can turn `runGo` off but never
//! on, and when the client says `runGo: false` (an untrusted workspace) the
//! file's `linklens.env` and gopls `build.env` are not read at all, as
//! VS Code's `restrictedConfigurations` does for the client's own answer.
//! Env values from any layer describe the predicted build; they never
//! choose the `go` that runs.

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
    /// Diagnostics in library packages too (`linklens.libraryDiagnostics`).
    pub library_diagnostics: bool,
    /// `linklens.minGlibc` ("2.28"): a glibc floor above it is a finding.
    pub min_glibc: Option<[u32; 3]>,
    pub run_go: bool,
    /// `linklens.logLevel`: which engine events go to the client's log
    /// (`None`: not set here; `LINKLENS_LOG` wins over it).
    pub log_level: Option<tracing::level_filters::LevelFilter>,
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
            library_diagnostics: false,
            min_glibc: None,
            run_go: true,
            log_level: None,
            flags_source: "none set".into(),
            env_source: "the server's environment only".into(),
        }
    }
}

const FILE_LAYER: &str = "linklens.{} in .vscode/settings.json";

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
            v.push((f, true, FILE_LAYER));
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
        if let Some((v, _)) = self.first("libraryDiagnostics", Value::as_bool) {
            s.library_diagnostics = v;
        }
        if let Some((v, _)) =
            self.first("minGlibc", |v| crate::predict::glibc::version3(v.as_str()?))
        {
            s.min_glibc = Some(v);
        }
        if let Some((v, _)) = self.first("logLevel", |v| crate::log::parse_level(v.as_str()?)) {
            s.log_level = Some(v);
        }
        // Only the client can allow `go` to run; the file may only forbid it.
        let client_run_go = self
            .linklens()
            .into_iter()
            .filter(|(_, _, name)| *name != FILE_LAYER)
            .find_map(|(layer, flat, _)| linklens_key(layer, "runGo", flat)?.as_bool());
        let file_run_go = self
            .vscode_file
            .as_ref()
            .and_then(|f| linklens_key(f, "runGo", true)?.as_bool());
        s.run_go = client_run_go.unwrap_or(true) && file_run_go.unwrap_or(true);
        let client_untrusted = client_run_go == Some(false);
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
        let from_file = |name: &str| name.contains(".vscode/settings.json");
        if let Some((env, src)) = self
            .linklens()
            .into_iter()
            .filter(|(_, _, name)| !(client_untrusted && from_file(name)))
            .find_map(|(layer, flat, name)| {
                Some((
                    env_map(linklens_key(layer, "env", flat)?)?,
                    name.replace("{}", "env"),
                ))
            })
        {
            (s.env, s.env_source) = (env, src);
        } else if let Some((env, src)) = self
            .gopls()
            .into_iter()
            .filter(|(_, name)| !(client_untrusted && from_file(name)))
            .find_map(|(g, n)| Some((env_map(gopls_key(g, "env")?)?, n.replace("{}", "env"))))
        {
            (s.env, s.env_source) = (env, src);
        } else if let Some((env, src)) = self.go_tools_env_vars(client_untrusted) {
            // vscode-go's env for the Go tools it runs (gopls among them).
            (s.env, s.env_source) = (env, src);
        }
        if client_untrusted {
            s.env_source
                .push_str(" (untrusted workspace: .vscode/settings.json env ignored)");
        }
        s
    }

    fn go_tools_env_vars(&self, untrusted: bool) -> Option<(BTreeMap<String, String>, String)> {
        let from_file = self
            .vscode_file
            .as_ref()
            .filter(|_| !untrusted)
            .and_then(|f| env_map(f.get("go.toolsEnvVars")?));
        if let Some(env) = from_file {
            return Some((env, "go.toolsEnvVars in .vscode/settings.json".into()));
        }
        let env = env_map(self.client_go.as_ref()?.get("toolsEnvVars")?)?;
        Some((env, "go.toolsEnvVars (editor settings)".into()))
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
        assert_eq!(s.log_level, None);
        let debug = Layers {
            init_options: Some(json!({"logLevel": "debug"})),
            client_linklens: Some(json!({"logLevel": "bogus"})),
            ..Default::default()
        }
        .resolve();
        assert_eq!(
            debug.log_level,
            Some(tracing::level_filters::LevelFilter::DEBUG)
        );
        let only_go = Layers {
            client_go: Some(json!({"buildTags": "foo"})),
            ..Default::default()
        }
        .resolve();
        assert_eq!(only_go.build_flags, vec!["-tags", "foo"]);
        let tools_env = Layers {
            client_go: Some(json!({"toolsEnvVars": {"CGO_ENABLED": "0"}})),
            ..Default::default()
        }
        .resolve();
        assert_eq!(
            tools_env.env.get("CGO_ENABLED").map(String::as_str),
            Some("0")
        );
        assert_eq!(tools_env.env_source, "go.toolsEnvVars (editor settings)");
        let untrusted_file = Layers {
            vscode_file: Some(json!({"go.toolsEnvVars": {"PATH": "/ws/bin"}})),
            init_options: Some(json!({"runGo": false})),
            ..Default::default()
        }
        .resolve();
        assert!(untrusted_file.env.is_empty());
    }

    /// The workspace's file cannot turn `go` on against the client, nor
    /// feed env into an untrusted session; it can still turn `go` off.
    #[test]
    fn the_file_never_overrides_an_untrusted_client() {
        let file = json!({"linklens.runGo": true, "linklens.env": {"PATH": "/ws/bin"},
            "gopls": {"build.env": {"GOEXPERIMENT": "x"}}});
        let untrusted = Layers {
            vscode_file: Some(file.clone()),
            init_options: Some(json!({"runGo": false, "env": {}})),
            ..Default::default()
        }
        .resolve();
        assert!(!untrusted.run_go);
        assert!(untrusted.env.is_empty(), "{:?}", untrusted.env);
        let untrusted_via_config = Layers {
            vscode_file: Some(file.clone()),
            client_linklens: Some(json!({"runGo": false})),
            ..Default::default()
        }
        .resolve();
        assert!(!untrusted_via_config.run_go);
        assert!(untrusted_via_config.env.is_empty());
        let trusted = Layers {
            vscode_file: Some(
                json!({"linklens.runGo": false, "linklens.env": {"CGO_ENABLED": "0"}}),
            ),
            init_options: Some(json!({"runGo": true})),
            ..Default::default()
        }
        .resolve();
        assert!(!trusted.run_go, "the file may forbid running go");
        assert_eq!(
            trusted.env.get("CGO_ENABLED").map(String::as_str),
            Some("0")
        );
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
