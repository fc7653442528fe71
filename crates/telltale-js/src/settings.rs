//! Where the configuration's telemetry switches come from, as users set them:
//! `usageStatisticsEnabled: parseBooleanEnvFlag(process.env.QWEN_USAGE_STATISTICS_ENABLED) ??
//! settings.privacy?.usageStatisticsEnabled ?? true` says the switch is the environment variable,
//! then the `privacy.usageStatisticsEnabled` key of the settings file, on by default. The label
//! names an opt-out read through `getUsageStatisticsEnabled()` by these.

use crate::{fspan, Analyzer};
use oxc_ast::ast::*;
use oxc_span::GetSpan;
use telltale_facts::SettingSourceFact;

pub(crate) use telltale_knowledge::optout::is_switch_property;

pub(crate) fn run(an: &mut Analyzer<'_>) {
    let mut out = Vec::new();
    for &(key, value, span) in &an.switch_props {
        let mut settings = Vec::new();
        let mut default = None;
        an.setting_reads(value, &mut settings, &mut default, 0);
        if settings.is_empty() && default.is_none() {
            continue;
        }
        settings.dedup();
        out.push(SettingSourceFact {
            property: key.to_string(),
            settings,
            default,
            span: fspan(span),
        });
    }
    an.facts.setting_sources = out;
}

impl<'a> Analyzer<'a> {
    /// The environment variables and settings keys a switch's value reads, in order, and its
    /// constant fallback.
    fn setting_reads(
        &self,
        e: &'a Expression<'a>,
        out: &mut Vec<String>,
        default: &mut Option<bool>,
        depth: u32,
    ) {
        if depth > 6 || out.len() > 8 {
            return;
        }
        match e.without_parentheses() {
            Expression::BooleanLiteral(b) => *default = Some(b.value),
            Expression::LogicalExpression(l) => {
                self.setting_reads(&l.left, out, default, depth + 1);
                self.setting_reads(&l.right, out, default, depth + 1);
            }
            Expression::ConditionalExpression(c) => {
                self.setting_reads(&c.test, out, default, depth + 1);
            }
            Expression::UnaryExpression(u) => {
                self.setting_reads(&u.argument, out, default, depth + 1)
            }
            Expression::BinaryExpression(b) => {
                self.setting_reads(&b.left, out, default, depth + 1);
                self.setting_reads(&b.right, out, default, depth + 1);
            }
            // `parseBooleanEnvFlag(process.env.X)`, `Boolean(x)`: what the call reads.
            Expression::CallExpression(c) => {
                for a in c.arguments.iter().take(2) {
                    if let Some(x) = a.as_expression() {
                        self.setting_reads(x, out, default, depth + 1);
                    }
                }
            }
            Expression::StaticMemberExpression(_)
            | Expression::ComputedMemberExpression(_)
            | Expression::ChainExpression(_) => {
                if let Some(var) = self
                    .path_of(e)
                    .and_then(|p| p.strip_prefix("process.env.").map(str::to_string))
                {
                    out.push(var);
                    return;
                }
                // `settings.privacy?.usageStatisticsEnabled`: the key under the settings object.
                let text = self.snippet(e.span()).replace("?.", ".");
                let parts: Vec<&str> = text.split('.').map(str::trim).collect();
                if parts.len() >= 3
                    && parts.iter().all(|p| {
                        !p.is_empty()
                            && p.chars()
                                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
                    })
                {
                    let key: Vec<&str> = parts[1..]
                        .iter()
                        .copied()
                        .filter(|p| *p != "merged")
                        .collect();
                    out.push(key.join("."));
                }
            }
            _ => {}
        }
    }
}
