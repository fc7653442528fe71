//! Droppers: a file written with what the network sent, then run. Bytes from a response
//! (`res.pipe(fs.createWriteStream(p))`, `fs.writeFileSync(p, await r.arrayBuffer())`) written
//! to a path, and a call that runs the same path: a process started with it (`execFileSync(p)`,
//! ``exec(`chmod +x ${p} && ${p}`)``, `spawn("node", [p])`) or a module load (`require(p)`).
//! `chmod` of the path on the way is a step. The path is matched by its symbol or by its shape
//! (`*/payload`, `/tmp/u.sh`) when that names enough to be one file.
//!
//! ```text
//! https.get(url, res => res.pipe(fs.createWriteStream("/tmp/u")))   → written: /tmp/u
//! fs.chmodSync("/tmp/u", 0o755); execFileSync("/tmp/u")             → dropper, 4 steps
//! ```

use crate::{fspan, Analyzer};
use oxc_ast::ast::*;
use oxc_semantic::SymbolId;
use telltale_facts::{DataKind, DownloadedFile, Kinds, Step};
use telltale_knowledge::{js_api::js_api, strings};

fn makes_executable(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    path.starts_with("fs") && matches!(last, "chmodSync" | "chmod")
}

impl<'a> Analyzer<'a> {
    fn symbol_in(&self, e: &'a Expression<'a>) -> Option<SymbolId> {
        match e.without_parentheses() {
            Expression::Identifier(id) => self.symbol_of(id),
            _ => None,
        }
    }

    /// The path of the file a write stream opens: `fs.createWriteStream(p)`, in place or
    /// held by a constant.
    fn write_stream_path(&self, e: &'a Expression<'a>, depth: u32) -> Option<&'a Expression<'a>> {
        match e.without_parentheses() {
            Expression::CallExpression(c) => {
                let p = self.path_of(&c.callee)?;
                (p.ends_with("createWriteStream") && p.starts_with("fs"))
                    .then(|| c.arguments.first()?.as_expression())
                    .flatten()
            }
            Expression::Identifier(id) if depth < 4 => {
                self.write_stream_path(self.constant_init(id)?, depth + 1)
            }
            _ => None,
        }
    }

    /// Expressions a call names a file with: its arguments, the items of an argument list
    /// and the pieces of a template.
    fn named_paths(&self, args: &'a [Argument<'a>]) -> Vec<&'a Expression<'a>> {
        let mut out = Vec::new();
        for a in args.iter().filter_map(|a| a.as_expression()) {
            out.push(a);
            match a.without_parentheses() {
                Expression::ArrayExpression(arr) => {
                    out.extend(arr.elements.iter().filter_map(|el| el.as_expression()))
                }
                Expression::TemplateLiteral(t) => out.extend(t.expressions.iter()),
                _ => {}
            }
        }
        out
    }

    fn names_written(&self, e: &'a Expression<'a>, w: &DownloadedFile<SymbolId>) -> bool {
        if w.key.is_some() && self.symbol_in(e) == w.key {
            return true;
        }
        strings::names_one_file(&w.shape) && self.shape_of(e).contains(&w.shape)
    }
}

pub(crate) fn run(an: &mut Analyzer<'_>) {
    let net = Kinds::of(DataKind::NetworkResponse);
    let api = js_api();
    let mut written: Vec<DownloadedFile<SymbolId>> = Vec::new();
    for call in &an.calls {
        let arg = |i: usize| call.args.get(i).and_then(|a| a.as_expression());
        let path = call.path.as_deref().unwrap_or("");
        // `fs.writeFileSync(p, data)` and the other whole-file writes the catalogue knows.
        let (target, data) = if api.is_persisting_write(path) {
            (arg(0), arg(1))
        } else {
            match call.callee.without_parentheses() {
                // `res.pipe(fs.createWriteStream(p))`
                Expression::StaticMemberExpression(m) if m.property.name == "pipe" => (
                    arg(0).and_then(|s| an.write_stream_path(s, 0)),
                    Some(&m.object),
                ),
                // `pipeline(res.body, fs.createWriteStream(p))`
                _ if path.ends_with("pipeline") && call.args.len() >= 2 => (
                    arg(call.args.len() - 1).and_then(|s| an.write_stream_path(s, 0)),
                    arg(0),
                ),
                _ => (None, None),
            }
        };
        let (Some(target), Some(data)) = (target, data) else {
            continue;
        };
        let atoms = an.atoms(data);
        if !an.resolve_kinds(&atoms).contains(DataKind::NetworkResponse) {
            continue;
        }
        let mut steps = an.steps_for(&atoms, net);
        let shape = an.shape_of(target);
        steps.push(Step {
            span: fspan(call.span),
            what: format!("written to {shape}: {}", an.snippet(call.span)),
        });
        written.push(DownloadedFile::new(shape, an.symbol_in(target), steps));
    }
    if written.is_empty() {
        return;
    }
    let mut found = Vec::new();
    for call in &an.calls {
        let Some(path) = call.path.as_deref() else {
            continue;
        };
        let mut chmod = makes_executable(path);
        let mut runs = api.is_exec(path) || matches!(path, "require" | "process.dlopen");
        // `execSync("chmod +x " + p)` (and `spawn("chmod", ["+x", p])`) only makes it
        // executable; `chmod +x p && p` runs it too.
        if runs {
            let line = call
                .args
                .first()
                .and_then(|a| a.as_expression())
                .map(|e| an.shape_of(e))
                .unwrap_or_default();
            if telltale_knowledge::strings::is_chmod_command(&line) {
                (chmod, runs) = (true, false);
            }
        }
        if !chmod && !runs {
            continue;
        }
        let named = an.named_paths(call.args);
        for w in written.iter_mut() {
            if !named.iter().any(|e| an.names_written(e, w)) {
                continue;
            }
            let snippet = an.snippet(call.span);
            if chmod {
                w.made_executable(fspan(call.span), &snippet);
            } else {
                found.push(w.run_by(path, fspan(call.span), &snippet));
            }
        }
    }
    an.facts.droppers.extend(found);
}
