use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// `preinstall`, `install` and `postinstall` scripts in `package.json`: code that runs
    /// during `npm install`. The finding shows the command and the files it runs; those files
    /// are analysed as install-time code. Common native-build commands (`node-gyp rebuild`,
    /// `prebuild-install`) are informational. A `prepare` script is reported as info: npm runs
    /// it only for git and folder installs (and `npm install` in the package's own checkout),
    /// never when installing the published tarball from a registry, so its files are not
    /// install-time code.
    ///
    /// ## Why it matters
    /// Install scripts run with the installing user's rights before anyone used the package;
    /// nearly all npm malware starts there. Lifecycle scripts can be disabled with
    /// `npm install --ignore-scripts`.
    ///
    /// ## Example
    /// ```json
    /// { "scripts": { "postinstall": "node setup.js" } }
    /// ```
    InstallScript { id: "TT501", name: "install-script", category: Category::Install, severity: Severity::Low }
}

const BUILD_TOOLS: &[&str] = &[
    "node-gyp",
    "prebuild-install",
    "node-pre-gyp",
    "cmake-js",
    "husky",
    "patch-package",
    "tsc",
    "npm run build",
    "ngcc",
];

impl Rule for InstallScript {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        for s in &f.install_scripts {
            let command = s.command.chars().take(120).collect::<String>();
            if !s.runs_from_registry() {
                // npm runs `prepare` for git and folder installs and in the package's own
                // checkout, never when installing the published tarball from a registry.
                let mut r = RawFinding::new(
                    &Self::META,
                    s.span,
                    format!(
                        "runs `{command}` as `prepare`: only for git and folder installs, not when installed from a registry"
                    ),
                );
                r.severity = Severity::Info;
                r.evidence.push(format!("{}: {}", s.hook, s.command));
                out.push(r);
                continue;
            }
            let mut r = RawFinding::new(
                &Self::META,
                s.span,
                format!("runs `{command}` at {} time", s.hook),
            );
            if s.runs.is_empty()
                && BUILD_TOOLS
                    .iter()
                    .any(|t| s.command.trim_start().starts_with(t))
            {
                r.severity = Severity::Info;
            }
            r.evidence.push(format!("{}: {}", s.hook, s.command));
            r.evidence
                .extend(s.runs.iter().map(|f| format!("runs {f}")));
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{InstallScriptFact, Span};

    fn script(cmd: &str, runs: &[&str]) -> InstallScriptFact {
        InstallScriptFact {
            hook: "postinstall".into(),
            command: cmd.into(),
            span: Span::new(0, 1),
            runs: runs.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn script_running_a_file_is_low_build_is_info() {
        let mut f = facts();
        f.install_scripts
            .push(script("node setup.js", &["setup.js"]));
        f.install_scripts.push(script("node-gyp rebuild", &[]));
        let out = run(&InstallScript, &f);
        assert_eq!(out[0].severity, Severity::Low);
        assert_eq!(out[1].severity, Severity::Info);
    }

    #[test]
    fn prepare_is_not_run_from_a_registry() {
        let mut f = facts();
        let mut s = script(
            "node scripts/publish-guard.js",
            &["scripts/publish-guard.js"],
        );
        s.hook = "prepare".into();
        f.install_scripts.push(s);
        let out = run(&InstallScript, &f);
        assert_eq!(out[0].severity, Severity::Info);
        assert!(
            out[0]
                .message
                .contains("not when installed from a registry"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn no_scripts_quiet() {
        assert!(run(&InstallScript, &facts()).is_empty());
    }
}
