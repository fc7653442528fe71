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
use telltale_facts::{DataKind, DropperFact, Kinds, Step};
use telltale_knowledge::js_api::js_api;

/// A file written with network data.
struct Written {
    shape: String,
    sym: Option<SymbolId>,
    steps: Vec<Step>,
    /// `chmod` calls on it.
    chmods: Vec<Step>,
}

/// `fs` calls that write their second argument into the file named by the first.
fn writes_a_file(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    (path.starts_with("fs") || path.starts_with("graceful-fs"))
        && matches!(
            last,
            "writeFileSync"
                | "writeFile"
                | "appendFileSync"
                | "appendFile"
                | "outputFile"
                | "outputFileSync"
        )
}

fn makes_executable(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    path.starts_with("fs") && matches!(last, "chmodSync" | "chmod")
}

/// Whether a shape names one file well enough to match by it: three characters or more that
/// are not wildcards or separators.
fn names_a_file(shape: &str) -> bool {
    shape
        .chars()
        .filter(|c| !matches!(c, '*' | '/' | '\\' | '.' | '~' | ' '))
        .count()
        >= 3
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
                let s = self.symbol_of(id)?;
                match self.inits.get(&s) {
                    Some(crate::Init::Expr(init)) => self.write_stream_path(init, depth + 1),
                    _ => None,
                }
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

    fn names_written(&self, e: &'a Expression<'a>, w: &Written) -> bool {
        if w.sym.is_some() && self.symbol_in(e) == w.sym {
            return true;
        }
        names_a_file(&w.shape) && self.shape_of(e).contains(&w.shape)
    }
}

pub(crate) fn run(an: &mut Analyzer<'_>) {
    let net = Kinds::of(DataKind::NetworkResponse);
    let mut written: Vec<Written> = Vec::new();
    for call in &an.calls {
        let args: Vec<&Expression> = call.args.iter().filter_map(|a| a.as_expression()).collect();
        let path = call.path.as_deref().unwrap_or("");
        // `fs.writeFileSync(p, data)`
        let (target, data): (Option<&Expression>, Option<&Expression>) = if writes_a_file(path) {
            (args.first().copied(), args.get(1).copied())
        } else {
            match call.callee.without_parentheses() {
                // `res.pipe(fs.createWriteStream(p))`
                Expression::StaticMemberExpression(m) if m.property.name == "pipe" => (
                    args.first().and_then(|s| an.write_stream_path(s, 0)),
                    Some(&m.object),
                ),
                // `pipeline(res.body, fs.createWriteStream(p))`
                _ if path.ends_with("pipeline") && args.len() >= 2 => (
                    args.last().and_then(|s| an.write_stream_path(s, 0)),
                    args.first().copied(),
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
        written.push(Written {
            shape,
            sym: an.symbol_in(target),
            steps,
            chmods: vec![],
        });
    }
    if written.is_empty() {
        return;
    }
    let api = js_api();
    let mut found = Vec::new();
    for call in &an.calls {
        let Some(path) = call.path.as_deref() else {
            continue;
        };
        let chmod = makes_executable(path);
        let runs = api.is_exec(path) || matches!(path, "require" | "process.dlopen");
        if !chmod && !runs {
            continue;
        }
        let named = an.named_paths(call.args);
        for w in written.iter_mut() {
            if !named.iter().any(|e| an.names_written(e, w)) {
                continue;
            }
            if chmod {
                w.chmods.push(Step {
                    span: fspan(call.span),
                    what: format!("made executable: {}", an.snippet(call.span)),
                });
                continue;
            }
            let mut steps = w.steps.clone();
            steps.extend(w.chmods.iter().cloned());
            steps.push(Step {
                span: fspan(call.span),
                what: format!("run by {path}: {}", an.snippet(call.span)),
            });
            found.push(DropperFact {
                path: w.shape.clone(),
                api: path.to_string(),
                span: fspan(call.span),
                steps,
            });
        }
    }
    an.facts.droppers.extend(found);
}
