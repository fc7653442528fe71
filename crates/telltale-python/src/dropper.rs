//! Droppers: a file written with what the network sent, then run. A download saved to a path
//! (`urllib.request.urlretrieve(url, p)`, `open(p, "wb").write(r.content)`,
//! `Path(p).write_bytes(…)`, `shutil.copyfileobj(resp, fh)`), and a call that runs the same
//! path: a command (`subprocess.run([p])`, `os.system(f"sh {p}")`), `runpy.run_path(p)`,
//! `os.startfile(p)`, or its text run as code (`exec(open(p).read())`); an archive the
//! network sent unpacked into a folder (`zipfile.ZipFile(…).extractall(d)`) writes every
//! path under it. `os.chmod` of the path on the way is a step. The path is matched by its
//! variable or by its shape when that names enough to be one file. The JavaScript front end
//! does the same (`telltale-js/src/dropper.rs`).
//!
//! ```text
//! urllib.request.urlretrieve("https://x.top/u", "/tmp/u")   → written: /tmp/u
//! os.chmod("/tmp/u", 0o755); subprocess.Popen(["/tmp/u"])   → dropper, 3 steps
//! ```

use crate::ids::{opened_file, written_file};
use crate::{span_of, Analyzer, ScopeId, Var};
use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;
use telltale_facts::{DataKind, DownloadedFile, Kinds, Step};
use telltale_knowledge::{py_api::py_api, strings};

/// Calls that run a file named in their arguments, besides commands.
const RUNS_A_FILE: &[&str] = &[
    "runpy.run_path",
    "os.startfile",
    "ctypes.CDLL",
    "ctypes.cdll.LoadLibrary",
];

impl<'a> Analyzer<'a> {
    /// Expressions a call names a file with: its arguments, the items of a list argument,
    /// the pieces of an f-string, and the receiver (`pathlib.Path(p).chmod(…)`).
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
        if let Expr::Attribute(m) = &*c.func {
            out.push(&m.value);
        }
        out
    }

    /// The paths of the files an expression reads the text of: `open(p).read()`,
    /// `pathlib.Path(p).read_text()`, inside `compile(…)` or `.decode()` too.
    fn files_read_in(&self, e: &'a Expr, scope: ScopeId, out: &mut Vec<&'a Expr>, depth: u32) {
        let Expr::Call(c) = e else {
            return;
        };
        if depth > 6 {
            return;
        }
        let opens = matches!(
            self.path_of(&c.func, scope).as_deref(),
            Some("open" | "io.open" | "codecs.open" | "pathlib.Path")
        );
        if let Some((path, _)) = opened_file(c).filter(|_| opens) {
            out.push(path);
            return;
        }
        if let Expr::Attribute(m) = &*c.func {
            self.files_read_in(&m.value, scope, out, depth + 1);
        }
        if let Some(first) = c.arguments.args.first() {
            self.files_read_in(first, scope, out, depth + 1);
        }
    }

    fn names_written(&self, e: &'a Expr, scope: ScopeId, w: &DownloadedFile<Var<'a>>) -> bool {
        if w.key.is_some() && matches!(e, Expr::Name(_)) && self.var_of(e, scope) == w.key {
            return true;
        }
        strings::names_one_file(&w.shape) && self.shape_of(e, scope).contains(&w.shape)
    }
}

/// A call that unpacks an archive object into a folder.
fn is_extraction(path: &str) -> bool {
    matches!(
        path,
        "zipfile.ZipFile().extractall"
            | "zipfile.ZipFile().extract"
            | "tarfile.open().extractall"
            | "tarfile.open().extract"
            | "tarfile.TarFile().extractall"
    )
}

pub(crate) fn run(an: &mut Analyzer<'_>) {
    let net = Kinds::of(DataKind::NetworkResponse);
    let api = py_api();
    let mut written: Vec<DownloadedFile<Var>> = Vec::new();
    for call in &an.calls {
        let (c, scope) = (call.call, call.scope);
        let args = &c.arguments.args;
        // Where it writes and what (`None`: the call downloads itself). The writes are those
        // that keep data on disk (`ids::written_file`: an open file's `write`, a path's
        // `write_bytes`, `json.dump`), plus downloads and stream copies.
        let (target, data) = match an.path_of(&c.func, scope).as_deref() {
            Some("urllib.request.urlretrieve" | "urllib.urlretrieve" | "wget.download") => {
                (args.get(1), None)
            }
            Some("shutil.copyfileobj") => (
                args.get(1)
                    .and_then(|fh| an.opened_by_call(fh, scope))
                    .and_then(|(o, _)| opened_file(o))
                    .filter(|(_, writes)| *writes)
                    .map(|(p, _)| p),
                args.first(),
            ),
            // `zipfile.ZipFile(io.BytesIO(r.content)).extractall(d)`: the archive's files
            // land under `d`.
            Some(p) if is_extraction(p) => {
                let Expr::Attribute(m) = &*c.func else {
                    continue;
                };
                let dir = args.first().or_else(|| {
                    c.arguments
                        .keywords
                        .iter()
                        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "path"))
                        .map(|k| &k.value)
                });
                (dir, Some(&*m.value))
            }
            _ => (written_file(an, c, scope), args.first()),
        };
        let Some(target) = target else {
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
        let shape = an.shape_of(target, scope);
        let how = if data.is_some() {
            "written"
        } else {
            "downloaded"
        };
        steps.push(Step {
            span: span_of(c.range()),
            what: format!("{how} to {shape}: {}", an.snippet(c.range())),
        });
        let key = matches!(target, Expr::Name(_))
            .then(|| an.var_of(target, scope))
            .flatten();
        written.push(DownloadedFile::new(shape, key, steps));
    }
    if written.is_empty() {
        return;
    }
    let mut found = Vec::new();
    for call in &an.calls {
        let (c, scope) = (call.call, call.scope);
        let path = an.path_of(&c.func, scope);
        let mut chmod = path.as_deref() == Some("os.chmod")
            || matches!(&*c.func, Expr::Attribute(m) if m.attr.as_str() == "chmod");
        let mut runs = path
            .as_deref()
            .is_some_and(|p| api.exec_style(p).is_some() || RUNS_A_FILE.contains(&p));
        // `subprocess.run(["chmod", "+x", p])` only makes it executable.
        if runs {
            let program = match c.arguments.args.first() {
                Some(Expr::List(l)) => l.elts.first(),
                Some(Expr::Tuple(t)) => t.elts.first(),
                other => other,
            };
            let line = program.map(|e| an.shape_of(e, scope)).unwrap_or_default();
            if strings::is_chmod_command(&line) {
                (chmod, runs) = (true, false);
            }
        }
        // `exec(open(p).read())`: the file's text run as code.
        // (`compile` only prepares what `exec` runs.)
        let evaluates = path
            .as_deref()
            .is_some_and(|p| api.is_dynamic_code(p) && p != "compile");
        if !chmod && !runs && !evaluates {
            continue;
        }
        let named = if evaluates {
            let mut read = Vec::new();
            for a in &c.arguments.args {
                an.files_read_in(a, scope, &mut read, 0);
            }
            read
        } else {
            an.named_paths(c)
        };
        for w in written.iter_mut() {
            if !named.iter().any(|e| an.names_written(e, scope, w)) {
                continue;
            }
            let snippet = an.snippet(c.range());
            if chmod {
                w.made_executable(span_of(c.range()), &snippet);
            } else {
                found.push(w.run_by(
                    path.as_deref().unwrap_or_default(),
                    span_of(c.range()),
                    &snippet,
                ));
            }
        }
    }
    an.facts.droppers.extend(found);
}
