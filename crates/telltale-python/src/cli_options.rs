//! Pass 6: command-line options that switch telemetry, as users set them. An option declared
//! with argparse, configargparse or optparse (`add_argument`, `add_option`) or with click,
//! typer or cloup (`click.option`, `typer.Option`) whose flag names a telemetry switch
//! (`optout::is_switch_flag`) is an opt-out setting, named by its flags and the environment
//! variables that set it: `env_var=`/`envvar=`, or configargparse's `auto_env_var_prefix`
//! (`AIDER_` + `--analytics-disable` → `AIDER_ANALYTICS_DISABLE`).
//!
//! ```text
//! parser = configargparse.ArgumentParser(auto_env_var_prefix="AIDER_")
//! parser.add_argument("--analytics-disable", action="store_true")
//!     → "--analytics-disable or AIDER_ANALYTICS_DISABLE", check "flag"
//! @click.option("--no-telemetry", is_flag=True, envvar="TOOL_NO_TELEMETRY")
//!     → "--no-telemetry or TOOL_NO_TELEMETRY"
//! ```
//!
//! Where the parsed value goes (`args.analytics_disable` handed to a class that later skips
//! its sends) is not traced: the setting carries no gates, and the label says that it was
//! found but not traced to a send rather than "no opt-out".

use crate::{span_of, Analyzer, ScopeId};
use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;
use telltale_facts::{OptOutFact, SettingSourceFact};
use telltale_knowledge::optout;

/// Methods that declare an option on a parser or option group (argparse, configargparse,
/// optparse).
const PARSER_METHODS: &[&str] = &["add_argument", "add_option"];

/// Modules whose `option`/`Option` declares a command-line option.
const OPTION_MODULES: &[&str] = &["click", "asyncclick", "rich_click", "cloup", "typer"];

/// argparse actions after which the option takes no value.
const FLAG_ACTIONS: &[&str] = &["store_true", "store_false", "BooleanOptionalAction"];

/// How an option is declared.
enum Declaration {
    /// argparse and its kin: the parser may derive environment variable names.
    Parser,
    /// click and its kin.
    Decorator,
}

impl<'a> Analyzer<'a> {
    fn option_declaration(&self, c: &'a ast::ExprCall, scope: ScopeId) -> Option<Declaration> {
        if let Expr::Attribute(m) = &*c.func {
            if PARSER_METHODS.contains(&m.attr.as_str()) {
                return Some(Declaration::Parser);
            }
        }
        let path = self.path_of(&c.func, scope)?;
        let (module, name) = path.split_once('.')?;
        (OPTION_MODULES.contains(&module) && matches!(name, "option" | "Option"))
            .then_some(Declaration::Decorator)
    }

    /// The strings `e` holds: one constant, or a list or tuple of them (written in place or
    /// assigned once to a name).
    fn texts_of(&self, e: &'a Expr, scope: ScopeId) -> Vec<String> {
        let (items, s) = self.list_items(e, scope).unwrap_or((vec![e], scope));
        items
            .into_iter()
            .filter_map(|x| self.value_of(x, s).and_then(|v| v.text()))
            .collect()
    }

    /// Whether the option takes no value: an argparse flag action, `is_flag=True`,
    /// `type=bool`, or typer's boolean default (`typer.Option(False, "--no-x")`).
    fn takes_no_value(&self, c: &'a ast::ExprCall, scope: ScopeId) -> bool {
        let keyword = c.arguments.keywords.iter().any(|k| {
            let Some(arg) = k.arg.as_ref() else {
                return false;
            };
            match arg.as_str() {
                "action" => {
                    let text = self.value_of(&k.value, scope).and_then(|v| v.text());
                    let path = self.path_of(&k.value, scope).map(|p| p.to_string());
                    text.or(path)
                        .is_some_and(|a| FLAG_ACTIONS.contains(&a.rsplit('.').next().unwrap_or(&a)))
                }
                "is_flag" => matches!(&k.value, Expr::BooleanLiteral(b) if b.value),
                "type" => matches!(&k.value, Expr::Name(n) if n.id.as_str() == "bool"),
                _ => false,
            }
        });
        keyword || matches!(c.arguments.args.first(), Some(Expr::BooleanLiteral(_)))
    }
}

/// `--analytics-disable` → `ANALYTICS_DISABLE`, as configargparse names its variables.
fn env_key(flag: &str) -> String {
    flag.trim_start_matches('-')
        .replace('-', "_")
        .to_ascii_uppercase()
}

pub(crate) fn run(an: &mut Analyzer<'_>) {
    // configargparse reads every option from `PREFIX` + its long flag.
    let prefix = an.calls.iter().find_map(|c| {
        let k = c.call.arguments.keywords.iter().find(|k| {
            k.arg
                .as_ref()
                .is_some_and(|a| a.as_str() == "auto_env_var_prefix")
        })?;
        an.value_of(&k.value, c.scope).and_then(|v| v.text())
    });
    let mut found = Vec::new();
    let mut sources = Vec::new();
    for c in &an.calls {
        let Some(declaration) = an.option_declaration(c.call, c.scope) else {
            continue;
        };
        // Flags, with click's on/off pairs split: `"--telemetry/--no-telemetry"`.
        let mut flags: Vec<String> = Vec::new();
        let mut paired = false;
        for a in &c.call.arguments.args {
            for text in an.texts_of(a, c.scope) {
                if !text.starts_with('-') || text.contains(' ') || text.len() > 80 {
                    continue;
                }
                paired |= text.contains('/');
                flags.extend(text.split('/').map(str::to_string));
            }
        }
        let boolean = paired || an.takes_no_value(c.call, c.scope);
        if !flags.iter().any(|f| optout::is_switch_flag(f, boolean)) {
            continue;
        }
        let mut env: Vec<String> = c
            .call
            .arguments
            .keywords
            .iter()
            .filter(|k| {
                k.arg
                    .as_ref()
                    .is_some_and(|a| matches!(a.as_str(), "env_var" | "envvar"))
            })
            .flat_map(|k| an.texts_of(&k.value, c.scope))
            .collect();
        let long = flags.iter().find(|f| f.starts_with("--"));
        if let (Declaration::Parser, Some(prefix), Some(long), true) =
            (&declaration, &prefix, long, env.is_empty())
        {
            env.push(format!("{prefix}{}", env_key(long)));
        }
        // argparse's `BooleanOptionalAction` adds the negative flag itself.
        let optional = c.call.arguments.keywords.iter().any(|k| {
            k.arg.as_ref().is_some_and(|a| a.as_str() == "action")
                && an
                    .path_of(&k.value, c.scope)
                    .is_some_and(|p| p.ends_with("BooleanOptionalAction"))
        });
        if let (true, Some(long)) = (optional, long) {
            let negative = format!("--no-{}", long.trim_start_matches('-'));
            flags.push(negative);
        }
        let mut setting = flags.join("/");
        for name in &env {
            setting.push_str(" or ");
            setting.push_str(name);
        }
        // Where the parsed value lands (`args.analytics_disable`): a switch set by these, so
        // a check of that attribute is named by the flag (`settings.rs`, the label).
        let dest = c
            .call
            .arguments
            .keywords
            .iter()
            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "dest"))
            .and_then(|k| an.value_of(&k.value, c.scope))
            .and_then(|v| v.text())
            .or_else(|| {
                let long = flags.iter().find(|f| f.starts_with("--"))?;
                Some(long.trim_start_matches('-').replace('-', "_"))
            });
        if let Some(dest) = dest {
            let mut names = vec![flags.join("/")];
            names.extend(env.iter().cloned());
            sources.push(SettingSourceFact {
                property: dest,
                settings: names,
                default: None,
                span: span_of(c.call.range()),
            });
        }
        found.push(OptOutFact {
            setting,
            product: None,
            check: "flag".into(),
            values: vec![],
            span: span_of(c.call.range()),
            gates: vec![],
            gated_calls: vec![],
            sends_before_check: vec![],
        });
    }
    an.facts.opt_outs.extend(found);
    an.facts.setting_sources.extend(sources);
}
