//! A small, bounded parser for POSIX-ish shell.
//!
//! It reads just enough syntax to know which words a command gets and where data flows:
//! quoting, expansions (`$VAR`, `${VAR…}`, `$(…)`, backticks, `<(…)`), operators
//! (`&&`, `||`, `;`, `|`, `&`, newlines), redirections and here-documents. Control
//! structures are not modelled: reserved words stay words and the analysis skips them, which
//! flattens `if`/`for`/`while` bodies into a sequence — good enough for taint tracking.
//!
//! Robustness rules: every loop makes progress, every nesting level counts against
//! `max_depth` (past it a construct is skipped as an opaque blob), and an unterminated quote
//! or substitution simply runs to the end of the input. Offsets are byte offsets into the
//! parsed text.

/// A sequence of pipelines (`a && b; c | d`). Each pipeline keeps the connector after it
/// (for the region tests); the taint analysis treats the list as running in order, which
/// over-approximates `||` and `&&` alike.
#[derive(Debug, Default)]
pub(crate) struct List {
    pub items: Vec<Pipeline>,
}

/// Commands connected by `|`.
#[derive(Debug, Default)]
pub(crate) struct Pipeline {
    pub cmds: Vec<Command>,
    /// The connector after it: `&&`, `||`, or none (`;`, `&`, a newline, the end).
    pub next: Next,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    #[default]
    Seq,
    And,
    Or,
}

#[derive(Debug)]
pub(crate) enum Command {
    Simple(Simple),
    /// `( list )` with whatever followed the closing parenthesis (normally redirections).
    Group {
        list: List,
        after: Simple,
    },
}

/// Words and redirections of one simple command, assignments included as words.
#[derive(Debug, Default)]
pub(crate) struct Simple {
    pub words: Vec<Word>,
    pub redirs: Vec<Redir>,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RedirOp {
    In,
    Out,
    DupIn,
    DupOut,
    ReadWrite,
    HereString,
    /// Index into [`Parser::heredocs`].
    HereDoc(usize),
}

#[derive(Debug)]
pub(crate) struct Redir {
    pub fd: Option<u32>,
    pub op: RedirOp,
    pub target: Word,
}

/// One shell word; `parts` concatenate to its value.
#[derive(Debug, Default)]
pub(crate) struct Word {
    pub parts: Vec<Part>,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug)]
pub(crate) enum Part {
    /// Literal bytes after quote removal. Quoting changes start a new part.
    Lit { bytes: Vec<u8>, quoted: bool },
    /// An unquoted leading `~` (the home directory).
    Tilde { start: usize },
    /// `$NAME`, `${NAME}`, `${NAME:-word}` (the operator word is kept in `op`), `${#NAME}`.
    Var {
        name: String,
        start: usize,
        end: usize,
        op: Option<Box<Word>>,
        length: bool,
    },
    /// `$(…)` or backticks.
    Cmd {
        list: List,
        start: usize,
        end: usize,
    },
    /// `<(…)` or `>(…)`.
    Proc {
        list: List,
        start: usize,
        end: usize,
    },
    /// Something dynamic that is not analysed (arithmetic, constructs past the depth limit).
    Opaque { start: usize, end: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    Eof,
    Paren,
    Backtick,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Unquoted,
    DQuote,
    HereDoc,
    /// Inside `${name…}` after the name: ends at `}`.
    Brace,
}

struct PendingDoc {
    delim: Vec<u8>,
    strip_tabs: bool,
    quoted: bool,
    id: usize,
}

pub(crate) struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    end: usize,
    depth: usize,
    max_depth: usize,
    /// Non-zero while the innermost substitution is a backtick one: a `` ` `` then closes it.
    backticks: usize,
    pending: Vec<PendingDoc>,
    /// Here-document bodies, filled in when the line that introduced them ends.
    pub heredocs: Vec<Option<Word>>,
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Length of a leading `NAME=` or `NAME+=` in `b`, if any.
pub(crate) fn assignment_prefix(b: &[u8]) -> Option<usize> {
    if !b.first().is_some_and(|c| is_name_start(*c)) {
        return None;
    }
    let n = b.iter().take_while(|c| is_name_char(**c)).count();
    match (b.get(n), b.get(n + 1)) {
        (Some(b'='), _) => Some(n + 1),
        (Some(b'+'), Some(b'=')) => Some(n + 2),
        _ => None,
    }
}

impl<'a> Parser<'a> {
    pub fn new(s: &'a [u8], max_depth: usize) -> Self {
        Parser {
            s,
            pos: 0,
            end: s.len(),
            depth: 0,
            max_depth,
            backticks: 0,
            pending: Vec::new(),
            heredocs: Vec::new(),
        }
    }

    pub fn parse_program(&mut self) -> List {
        self.parse_list(Term::Eof)
    }

    fn peek(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.s[self.pos])
    }

    fn peek_at(&self, k: usize) -> Option<u8> {
        let i = self.pos + k;
        (i < self.end).then(|| self.s[i])
    }

    fn starts_with(&self, lit: &[u8]) -> bool {
        self.s[self.pos.min(self.end)..self.end].starts_with(lit)
    }

    /// Spaces, tabs, CRs, line continuations and comments (a `#` where a word would start).
    fn skip_blank(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\\' if self.peek_at(1) == Some(b'\n') => self.pos += 2,
                b'#' => {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn skip_blank_newlines(&mut self) {
        loop {
            self.skip_blank();
            if self.peek() == Some(b'\n') {
                self.newline();
            } else {
                break;
            }
        }
    }

    /// Consumes a newline; here-document bodies start right after it.
    fn newline(&mut self) {
        self.pos += 1;
        if !self.pending.is_empty() {
            self.read_heredocs();
        }
    }

    /// Skips from an opening bracket to its match (or the end), without looking inside.
    fn skip_balanced(&mut self, open: u8, close: u8) {
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == open {
                depth += 1;
            } else if c == close {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return;
                }
            }
        }
    }

    fn parse_list(&mut self, term: Term) -> List {
        let mut list = List::default();
        loop {
            self.skip_blank();
            let Some(c) = self.peek() else { break };
            match c {
                b'\n' => {
                    self.newline();
                    continue;
                }
                b';' | b'&' | b'|' => {
                    self.pos += 1;
                    continue;
                }
                b')' => {
                    if term == Term::Paren {
                        break;
                    }
                    self.pos += 1;
                    continue;
                }
                // Closes this backtick substitution, or an enclosing one: let it see the backtick.
                b'`' if self.backticks > 0 => break,
                _ => {}
            }
            let before = self.pos;
            let p = self.parse_pipeline();
            if !p.cmds.is_empty() {
                list.items.push(p);
            }
            if self.pos == before {
                self.pos += 1;
            }
        }
        list
    }

    fn parse_pipeline(&mut self) -> Pipeline {
        let mut p = Pipeline::default();
        loop {
            if let Some(cmd) = self.parse_command() {
                p.cmds.push(cmd);
            }
            self.skip_blank();
            if self.peek() == Some(b'|') && self.peek_at(1) != Some(b'|') {
                self.pos += 1;
                if self.peek() == Some(b'&') {
                    self.pos += 1;
                }
                self.skip_blank_newlines();
                continue;
            }
            if self.starts_with(b"&&") || self.starts_with(b"||") {
                p.next = if self.starts_with(b"&&") {
                    Next::And
                } else {
                    Next::Or
                };
                self.pos += 2;
                self.skip_blank_newlines();
            }
            break;
        }
        p
    }

    fn parse_command(&mut self) -> Option<Command> {
        self.skip_blank();
        if self.peek() == Some(b'(') {
            if self.starts_with(b"((") || self.depth >= self.max_depth {
                // Arithmetic command, or too deep: nothing to learn inside.
                self.skip_balanced(b'(', b')');
                return None;
            }
            self.pos += 1;
            self.depth += 1;
            let list = self.parse_list(Term::Paren);
            if self.peek() == Some(b')') {
                self.pos += 1;
            }
            self.depth -= 1;
            let after = self.parse_simple();
            return Some(Command::Group { list, after });
        }
        let s = self.parse_simple();
        (!s.words.is_empty() || !s.redirs.is_empty()).then_some(Command::Simple(s))
    }

    fn is_fd_redirect(&self) -> bool {
        let rest = &self.s[self.pos..self.end];
        let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        n > 0 && n < 4 && matches!(rest.get(n), Some(b'<') | Some(b'>'))
    }

    fn parse_simple(&mut self) -> Simple {
        let mut s = Simple {
            start: self.pos,
            end: self.pos,
            ..Default::default()
        };
        let mut first = true;
        loop {
            self.skip_blank();
            if first {
                s.start = self.pos;
                s.end = self.pos;
                first = false;
            }
            let Some(c) = self.peek() else { break };
            match c {
                b'\n' | b';' | b')' | b'|' => break,
                b'`' if self.backticks > 0 => break,
                b'&' => {
                    if self.peek_at(1) == Some(b'>') {
                        let r = self.parse_redirect(None);
                        s.redirs.push(r);
                    } else {
                        break;
                    }
                }
                b'<' | b'>' if self.peek_at(1) == Some(b'(') => {
                    let w = self.parse_word(Mode::Unquoted);
                    s.words.push(w);
                }
                b'<' | b'>' => {
                    let r = self.parse_redirect(None);
                    s.redirs.push(r);
                }
                b'0'..=b'9' if self.is_fd_redirect() => {
                    let n = self.s[self.pos..self.end]
                        .iter()
                        .take_while(|c| c.is_ascii_digit())
                        .count();
                    let fd = std::str::from_utf8(&self.s[self.pos..self.pos + n])
                        .ok()
                        .and_then(|t| t.parse().ok());
                    self.pos += n;
                    let r = self.parse_redirect(fd);
                    s.redirs.push(r);
                }
                b'(' => {
                    // `name()` starts a function definition: drop the `()` and end the
                    // command; the body follows as ordinary statements.
                    self.pos += 1;
                    self.skip_blank();
                    if self.peek() == Some(b')') {
                        self.pos += 1;
                    }
                    s.end = self.pos;
                    break;
                }
                _ => {
                    let before = self.pos;
                    let w = self.parse_word(Mode::Unquoted);
                    if self.pos == before {
                        self.pos += 1;
                        continue;
                    }
                    s.words.push(w);
                }
            }
            s.end = self.pos;
        }
        s
    }

    fn parse_redirect(&mut self, fd: Option<u32>) -> Redir {
        let ops: [(&[u8], RedirOp); 13] = [
            (b"&>>", RedirOp::Out),
            (b"&>", RedirOp::Out),
            (b"<<<", RedirOp::HereString),
            (b"<<-", RedirOp::HereDoc(usize::MAX)),
            (b"<<", RedirOp::HereDoc(usize::MAX)),
            (b"<>", RedirOp::ReadWrite),
            (b"<&", RedirOp::DupIn),
            (b"<", RedirOp::In),
            (b">>", RedirOp::Out),
            (b">&", RedirOp::DupOut),
            (b">|", RedirOp::Out),
            (b">", RedirOp::Out),
            (b"", RedirOp::Out),
        ];
        let mut op = RedirOp::Out;
        let mut strip_tabs = false;
        for (lit, o) in ops {
            if self.starts_with(lit) {
                strip_tabs = lit == b"<<-";
                self.pos += lit.len();
                op = o;
                break;
            }
        }
        while matches!(self.peek(), Some(b' ') | Some(b'\t')) {
            self.pos += 1;
        }
        let target = if matches!(
            self.peek(),
            None | Some(b'\n') | Some(b';') | Some(b'|') | Some(b'&')
        ) {
            Word {
                parts: Vec::new(),
                start: self.pos,
                end: self.pos,
            }
        } else {
            self.parse_word(Mode::Unquoted)
        };
        if let RedirOp::HereDoc(_) = op {
            let mut delim = Vec::new();
            let mut quoted = false;
            for p in &target.parts {
                match p {
                    Part::Lit { bytes, quoted: q } => {
                        delim.extend_from_slice(bytes);
                        quoted |= *q;
                    }
                    Part::Var { name, .. } => {
                        delim.push(b'$');
                        delim.extend_from_slice(name.as_bytes());
                    }
                    _ => {}
                }
            }
            let id = self.heredocs.len();
            self.heredocs.push(None);
            self.pending.push(PendingDoc {
                delim,
                strip_tabs,
                quoted,
                id,
            });
            op = RedirOp::HereDoc(id);
        }
        Redir { fd, op, target }
    }

    /// Reads the bodies of the here-documents announced on the line that just ended.
    fn read_heredocs(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for doc in pending {
            let body_start = self.pos;
            let mut body_end = self.end;
            let mut next = self.end;
            let mut line_start = self.pos;
            while line_start < self.end {
                let le = self.s[line_start..self.end]
                    .iter()
                    .position(|c| *c == b'\n')
                    .map_or(self.end, |i| line_start + i);
                let mut line = &self.s[line_start..le];
                if line.last() == Some(&b'\r') {
                    line = &line[..line.len() - 1];
                }
                if doc.strip_tabs {
                    while line.first() == Some(&b'\t') {
                        line = &line[1..];
                    }
                }
                if line == doc.delim.as_slice() {
                    body_end = line_start;
                    next = (le + 1).min(self.end);
                    break;
                }
                line_start = le + 1;
            }
            let word = if doc.quoted {
                Word {
                    parts: vec![Part::Lit {
                        bytes: self.s[body_start..body_end].to_vec(),
                        quoted: true,
                    }],
                    start: body_start,
                    end: body_end,
                }
            } else {
                let saved_end = self.end;
                self.pos = body_start;
                self.end = body_end;
                let w = self.parse_word(Mode::HereDoc);
                self.end = saved_end;
                w
            };
            self.pos = next;
            if let Some(slot) = self.heredocs.get_mut(doc.id) {
                *slot = Some(word);
            }
        }
    }

    fn parse_word(&mut self, mode: Mode) -> Word {
        let start = self.pos;
        let mut parts: Vec<Part> = Vec::new();
        let mut lit: Vec<u8> = Vec::new();
        let mut lit_quoted = mode == Mode::DQuote || mode == Mode::HereDoc;
        let base_quoted = lit_quoted;

        fn flush(parts: &mut Vec<Part>, lit: &mut Vec<u8>, quoted: bool) {
            if !lit.is_empty() {
                parts.push(Part::Lit {
                    bytes: std::mem::take(lit),
                    quoted,
                });
            }
        }
        // Appends literal bytes, starting a new part when the quoting changes.
        macro_rules! push_lit {
            ($bytes:expr, $q:expr) => {{
                let q: bool = $q;
                if q != lit_quoted {
                    flush(&mut parts, &mut lit, lit_quoted);
                    lit_quoted = q;
                }
                lit.extend_from_slice($bytes);
            }};
        }

        while let Some(c) = self.peek() {
            if c == b'`' && self.backticks > 0 {
                break;
            }
            match mode {
                Mode::Unquoted => {
                    if matches!(c, b'<' | b'>')
                        && self.pos == start
                        && self.peek_at(1) == Some(b'(')
                    {
                        flush(&mut parts, &mut lit, lit_quoted);
                        parts.push(self.parse_proc());
                        continue;
                    }
                    if c == b'('
                        && parts.is_empty()
                        && !lit_quoted
                        && assignment_prefix(&lit) == Some(lit.len())
                    {
                        self.parse_array(&mut parts, &mut lit, lit_quoted);
                        continue;
                    }
                    if matches!(
                        c,
                        b' ' | b'\t'
                            | b'\r'
                            | b'\n'
                            | b';'
                            | b'&'
                            | b'|'
                            | b'<'
                            | b'>'
                            | b'('
                            | b')'
                    ) {
                        break;
                    }
                }
                Mode::DQuote => {
                    if c == b'"' {
                        self.pos += 1;
                        break;
                    }
                }
                Mode::Brace => {
                    if c == b'}' {
                        break;
                    }
                }
                Mode::HereDoc => {}
            }
            match c {
                b'\\' => {
                    let next = self.peek_at(1);
                    match mode {
                        Mode::Unquoted | Mode::Brace => match next {
                            Some(b'\n') => self.pos += 2,
                            Some(n) => {
                                push_lit!(&[n], true);
                                self.pos += 2;
                            }
                            None => {
                                push_lit!(b"\\", lit_quoted);
                                self.pos += 1;
                            }
                        },
                        Mode::DQuote | Mode::HereDoc => match next {
                            Some(b'\n') => self.pos += 2,
                            Some(n @ (b'$' | b'`' | b'\\')) => {
                                push_lit!(&[n], true);
                                self.pos += 2;
                            }
                            Some(b'"') if mode == Mode::DQuote => {
                                push_lit!(b"\"", true);
                                self.pos += 2;
                            }
                            _ => {
                                push_lit!(b"\\", true);
                                self.pos += 1;
                            }
                        },
                    }
                }
                b'\'' if matches!(mode, Mode::Unquoted | Mode::Brace) => {
                    let from = self.pos + 1;
                    let close = self.s[from.min(self.end)..self.end]
                        .iter()
                        .position(|c| *c == b'\'');
                    let to = close.map_or(self.end, |i| from + i);
                    let bytes = self.s[from.min(to)..to].to_vec();
                    push_lit!(&bytes, true);
                    // An empty '' still makes the word exist and quoted.
                    if bytes.is_empty() && lit.is_empty() {
                        parts.push(Part::Lit {
                            bytes: Vec::new(),
                            quoted: true,
                        });
                    }
                    self.pos = if close.is_some() { to + 1 } else { self.end };
                }
                b'"' if matches!(mode, Mode::Unquoted | Mode::Brace) => {
                    flush(&mut parts, &mut lit, lit_quoted);
                    lit_quoted = base_quoted;
                    self.pos += 1;
                    let inner = self.parse_word(Mode::DQuote);
                    if inner.parts.is_empty() {
                        parts.push(Part::Lit {
                            bytes: Vec::new(),
                            quoted: true,
                        });
                    }
                    parts.extend(inner.parts);
                }
                b'$' => match self.parse_dollar(mode) {
                    Dollar::Part(p) => {
                        flush(&mut parts, &mut lit, lit_quoted);
                        parts.push(p);
                    }
                    Dollar::Ansi(bytes) => push_lit!(&bytes, true),
                    Dollar::Literal => {
                        push_lit!(b"$", lit_quoted);
                        self.pos += 1;
                    }
                    Dollar::Skip => {}
                },
                b'`' => {
                    flush(&mut parts, &mut lit, lit_quoted);
                    parts.push(self.parse_backtick());
                }
                b'~' if mode == Mode::Unquoted && self.pos == start => {
                    parts.push(Part::Tilde { start: self.pos });
                    self.pos += 1;
                }
                _ => {
                    // Copy a run of ordinary bytes at once.
                    let from = self.pos;
                    let mut to = from + 1;
                    while to < self.end && !is_special(self.s[to], mode) {
                        to += 1;
                    }
                    let q = if mode == Mode::Unquoted || mode == Mode::Brace {
                        false
                    } else {
                        lit_quoted
                    };
                    push_lit!(&self.s[from..to], q);
                    self.pos = to;
                }
            }
        }
        flush(&mut parts, &mut lit, lit_quoted);
        Word {
            parts,
            start,
            end: self.pos,
        }
    }

    /// `NAME=(a b c)`: the elements become one space-separated value.
    fn parse_array(&mut self, parts: &mut Vec<Part>, lit: &mut Vec<u8>, quoted: bool) {
        if self.depth >= self.max_depth {
            let start = self.pos;
            self.skip_balanced(b'(', b')');
            parts.push(Part::Lit {
                bytes: std::mem::take(lit),
                quoted,
            });
            parts.push(Part::Opaque {
                start,
                end: self.pos,
            });
            return;
        }
        parts.push(Part::Lit {
            bytes: std::mem::take(lit),
            quoted,
        });
        self.pos += 1;
        self.depth += 1;
        let mut first = true;
        loop {
            self.skip_blank();
            match self.peek() {
                None => break,
                Some(b')') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\n') => {
                    self.newline();
                    continue;
                }
                _ => {}
            }
            let before = self.pos;
            let w = self.parse_word(Mode::Unquoted);
            if self.pos == before {
                self.pos += 1;
                continue;
            }
            if !first {
                parts.push(Part::Lit {
                    bytes: b" ".to_vec(),
                    quoted: true,
                });
            }
            first = false;
            parts.extend(w.parts);
        }
        self.depth -= 1;
    }

    /// The command list of `$(…)` or `<(…)`, with `self.pos` at the `$`/`<`; backtick
    /// nesting restarts inside the parentheses.
    fn parse_paren_list(&mut self) -> List {
        self.pos += 2;
        self.depth += 1;
        let saved = std::mem::replace(&mut self.backticks, 0);
        let list = self.parse_list(Term::Paren);
        if self.peek() == Some(b')') {
            self.pos += 1;
        }
        self.backticks = saved;
        self.depth -= 1;
        list
    }

    fn parse_proc(&mut self) -> Part {
        let start = self.pos;
        if self.depth >= self.max_depth {
            self.pos += 1;
            self.skip_balanced(b'(', b')');
            return Part::Opaque {
                start,
                end: self.pos,
            };
        }
        let list = self.parse_paren_list();
        Part::Proc {
            list,
            start,
            end: self.pos,
        }
    }

    fn parse_backtick(&mut self) -> Part {
        let start = self.pos;
        if self.depth >= self.max_depth {
            self.pos += 1;
            while self.peek().is_some_and(|c| c != b'`') {
                self.pos += 1;
            }
            if self.peek().is_some() {
                self.pos += 1;
            }
            return Part::Opaque {
                start,
                end: self.pos,
            };
        }
        self.pos += 1;
        self.depth += 1;
        self.backticks += 1;
        let list = self.parse_list(Term::Backtick);
        if self.peek() == Some(b'`') {
            self.pos += 1;
        }
        self.backticks -= 1;
        self.depth -= 1;
        Part::Cmd {
            list,
            start,
            end: self.pos,
        }
    }

    fn parse_dollar(&mut self, mode: Mode) -> Dollar {
        let start = self.pos;
        match self.peek_at(1) {
            Some(b'(') => {
                if self.peek_at(2) == Some(b'(') || self.depth >= self.max_depth {
                    self.pos += 1;
                    self.skip_balanced(b'(', b')');
                    return Dollar::Part(Part::Opaque {
                        start,
                        end: self.pos,
                    });
                }
                let list = self.parse_paren_list();
                Dollar::Part(Part::Cmd {
                    list,
                    start,
                    end: self.pos,
                })
            }
            Some(b'{') => {
                if self.depth >= self.max_depth {
                    self.pos += 1;
                    self.skip_balanced(b'{', b'}');
                    return Dollar::Part(Part::Opaque {
                        start,
                        end: self.pos,
                    });
                }
                self.pos += 2;
                self.depth += 1;
                let mut length = false;
                if self.peek() == Some(b'#') && self.peek_at(1).is_some_and(|c| c != b'}') {
                    length = true;
                    self.pos += 1;
                }
                if self.peek() == Some(b'!') {
                    // Indirect expansion: the value is unknown.
                    length = true;
                    self.pos += 1;
                }
                let name = self.read_param_name();
                let op = if self.peek() == Some(b'}') || self.peek().is_none() {
                    None
                } else {
                    Some(Box::new(self.parse_word(Mode::Brace)))
                };
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                }
                self.depth -= 1;
                Dollar::Part(Part::Var {
                    name,
                    start,
                    end: self.pos,
                    op,
                    length,
                })
            }
            Some(b'\'') if matches!(mode, Mode::Unquoted | Mode::Brace) => {
                self.pos += 2;
                Dollar::Ansi(self.read_ansi_c())
            }
            Some(b'"') if matches!(mode, Mode::Unquoted | Mode::Brace) => {
                // $"…" is a translatable string: the same as "…".
                self.pos += 1;
                Dollar::Skip
            }
            Some(c) if is_name_start(c) || c.is_ascii_digit() || b"@*#?$!-".contains(&c) => {
                self.pos += 1;
                let name = self.read_param_name();
                Dollar::Part(Part::Var {
                    name,
                    start,
                    end: self.pos,
                    op: None,
                    length: false,
                })
            }
            _ => Dollar::Literal,
        }
    }

    fn read_param_name(&mut self) -> String {
        let from = self.pos;
        match self.peek() {
            Some(c) if is_name_start(c) => {
                while self.peek().is_some_and(is_name_char) {
                    self.pos += 1;
                }
            }
            Some(c) if c.is_ascii_digit() || b"@*#?$!-".contains(&c) => self.pos += 1,
            _ => {}
        }
        String::from_utf8_lossy(&self.s[from..self.pos]).into_owned()
    }

    /// The body of `$'…'` with C escapes decoded; the opening quote is already consumed.
    fn read_ansi_c(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'\'' => return out,
                b'\\' => {
                    let Some(e) = self.peek() else { break };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'a' => out.push(7),
                        b'b' => out.push(8),
                        b'e' | b'E' => out.push(27),
                        b'f' => out.push(12),
                        b'v' => out.push(11),
                        b'x' => {
                            let v = self.read_radix(16, 2);
                            out.push(v.unwrap_or(b'x' as u32) as u8);
                        }
                        b'0'..=b'7' => {
                            self.pos -= 1;
                            let v = self.read_radix(8, 3).unwrap_or(0);
                            out.push(v as u8);
                        }
                        b'u' | b'U' => {
                            let n = if e == b'u' { 4 } else { 8 };
                            if let Some(ch) = self.read_radix(16, n).and_then(char::from_u32) {
                                let mut buf = [0u8; 4];
                                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            }
                        }
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        out
    }

    fn read_radix(&mut self, radix: u32, max: usize) -> Option<u32> {
        let mut v: Option<u32> = None;
        for _ in 0..max {
            let Some(d) = self.peek().and_then(|c| (c as char).to_digit(radix)) else {
                break;
            };
            v = Some(v.unwrap_or(0) * radix + d);
            self.pos += 1;
        }
        v
    }
}

enum Dollar {
    Part(Part),
    Ansi(Vec<u8>),
    Literal,
    Skip,
}

fn is_special(c: u8, mode: Mode) -> bool {
    match mode {
        Mode::Unquoted => b" \t\r\n;&|<>()\\'\"$`~".contains(&c),
        Mode::Brace => b"}\\'\"$`".contains(&c),
        Mode::DQuote => b"\"\\$`".contains(&c),
        Mode::HereDoc => b"\\$`".contains(&c),
    }
}
