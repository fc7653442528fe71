//! Install-time entry points. `setup.py` runs while pip installs an sdist (the scanner marks
//! the file `install_time`); its `cmdclass` overrides of `install`, `develop`, `egg_info`, …
//! are the Python counterpart of npm's lifecycle scripts and are reported as install scripts:
//!
//! ```text
//! class CustomInstall(install):
//!     def run(self): …                       → install: CustomInstall.run
//! setup(name="x", cmdclass={"install": CustomInstall})
//! ```
//!
//! `entry_points` console and GUI scripts are listed as activation (see [`crate::metadata`],
//! which reads the same from `entry_points.txt`, `pyproject.toml` and `setup.cfg`).
//! `__init__.py` code runs on import and console scripts run when the user runs them: both are
//! analysed like any module (flows in any function are reported, called or not).

use crate::{span_of, Analyzer, Binding, ScopeId};
use ruff_python_ast::{Expr, Stmt};
use telltale_facts::InstallScriptFact;
use telltale_knowledge::py_api::py_api;

/// Methods of a setuptools command that run when the command does.
const COMMAND_METHODS: &[&str] = &["run", "initialize_options", "finalize_options", "__init__"];

pub(crate) fn run<'a>(an: &mut Analyzer<'a>, _body: &'a [Stmt]) {
    let api = py_api();
    let mut scripts = Vec::new();
    let mut activation = Vec::new();
    for call in &an.calls {
        let Some(p) = an.path_of(&call.call.func, call.scope) else {
            continue;
        };
        if !api.is_setup(&p) {
            continue;
        }
        // `entry_points={"console_scripts": ["mytool = mypkg.cli:main"]}` (or one string).
        if let Some((value, scope)) = setup_keyword(an, call, "entry_points") {
            for (group, lines) in dict_entries(an, value, scope) {
                let (lines, scope) = assigned_once(an, lines, scope);
                let lines = match lines {
                    Expr::List(l) => l
                        .elts
                        .iter()
                        .filter_map(|e| an.value_of(e, scope)?.text())
                        .collect::<Vec<_>>()
                        .join("\n"),
                    other => an
                        .value_of(other, scope)
                        .and_then(|v| v.text())
                        .unwrap_or_default(),
                };
                activation.extend(crate::metadata::group_scripts(&group, &lines));
            }
        }
        let Some((value, scope)) = setup_keyword(an, call, "cmdclass") else {
            continue;
        };
        let entries = dict_entries(an, value, scope);
        for (command, class_expr) in entries {
            if !api.is_install_command(&command) {
                continue;
            }
            let Some(var) = an.var_of(class_expr, scope) else {
                continue;
            };
            let [Binding::Class(c)] = an.bindings_of(var) else {
                continue;
            };
            let class = &an.classes[*c];
            for m in COMMAND_METHODS {
                if class.methods.contains_key(m) {
                    scripts.push(InstallScriptFact {
                        hook: command.clone(),
                        command: format!("setup.py cmdclass: {}.{m}", class.name),
                        span: span_of(class.header),
                        runs: vec![],
                    });
                }
            }
        }
    }
    an.facts.install_scripts.extend(scripts);
    an.facts.activation.extend(activation);
}

/// A keyword argument of a `setup()` call, through a variable assigned once
/// (`cmdclass=commands` with `commands = {…}`).
fn setup_keyword<'a>(
    an: &Analyzer<'a>,
    call: &crate::Call<'a>,
    name: &str,
) -> Option<(&'a Expr, ScopeId)> {
    let keyword = call
        .call
        .arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))?;
    Some(assigned_once(an, &keyword.value, call.scope))
}

/// What a variable assigned exactly once holds; any other expression as it is.
fn assigned_once<'a>(an: &Analyzer<'a>, value: &'a Expr, scope: ScopeId) -> (&'a Expr, ScopeId) {
    if let Some(var) = an.var_of(value, scope) {
        if let [Binding::Assign {
            value: v, scope: s, ..
        }] = an.bindings_of(var)
        {
            return (v, *s);
        }
    }
    (value, scope)
}

/// The constant keys of a dict literal or a `dict(key=…)` call, with their values.
fn dict_entries<'a>(an: &Analyzer<'a>, value: &'a Expr, scope: ScopeId) -> Vec<(String, &'a Expr)> {
    match value {
        Expr::Dict(d) => d
            .items
            .iter()
            .filter_map(|i| Some((an.value_of(i.key.as_ref()?, scope)?.text()?, &i.value)))
            .collect(),
        Expr::Call(c) if an.path_of(&c.func, scope).as_deref() == Some("dict") => c
            .arguments
            .keywords
            .iter()
            .filter_map(|k| Some((k.arg.as_ref()?.as_str().to_string(), &k.value)))
            .collect(),
        _ => vec![],
    }
}
