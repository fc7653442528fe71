//! Command lines that another language's code builds and runs, written as shell text for
//! [`crate::analyze_command`]: constant pieces as written, the pieces not known statically as
//! variables (`${TT_CMD_0}`) whose data the caller supplies. Shared by the JavaScript and
//! Python front ends (`exec(\`nslookup ${host}.x.top\`)`, `subprocess.run(["dig", name])`).
//!
//! ```
//! use telltale_shell::CommandLine;
//! let mut c = CommandLine::default();
//! c.push_str("curl -d '");
//! assert_eq!(c.hole(), 0);
//! c.push_str("' x.top");
//! let (text, shape) = c.finish();
//! assert_eq!(text, "curl -d ''\"${TT_CMD_0}\"'' x.top");
//! assert_eq!(shape, "curl -d '*' x.top");
//! ```

/// Longest command line rebuilt.
pub const MAX_COMMAND: usize = 64 * 1024;
/// Marks a piece that is not constant while the text is built: `\u{2}n\u{3}`.
const OPEN: char = '\u{2}';
const CLOSE: char = '\u{3}';

/// A command line being rebuilt.
#[derive(Debug, Default, Clone)]
pub struct CommandLine {
    marked: String,
    holes: usize,
}

/// The variable that stands for the `n`th piece not known statically.
pub fn hole_var(n: usize) -> String {
    format!("TT_CMD_{n}")
}

/// A word quoted for the shell: `it's` → `'it'\''s'`.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

impl CommandLine {
    /// Constant text, as the shell reads it.
    pub fn push_str(&mut self, s: &str) {
        self.marked.push_str(s);
    }

    /// A constant word of an argument list, quoted.
    pub fn push_word(&mut self, s: &str) {
        self.marked.push_str(&shell_quote(s));
    }

    /// A piece not known statically; returns its number (see [`hole_var`]).
    pub fn hole(&mut self) -> usize {
        let n = self.holes;
        self.marked.push_str(&hole_marker(n));
        self.holes += 1;
        n
    }

    /// Bytes written so far (to stop at [`MAX_COMMAND`]).
    pub fn len(&self) -> usize {
        self.marked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.marked.is_empty()
    }

    /// Number of pieces not known statically.
    pub fn holes(&self) -> usize {
        self.holes
    }

    /// The shell text and its shape: see [`finish_marked`].
    pub fn finish(&self) -> (String, String) {
        finish_marked(&self.marked)
    }
}

/// The marker of the `n`th piece not known statically, for text built by hand (format strings
/// whose arguments are pieces): [`finish_marked`] turns it into a variable reference.
pub fn hole_marker(n: usize) -> String {
    format!("{OPEN}{n}{CLOSE}")
}

/// Marked text as shell text, with variable references that work where they stand (inside
/// single quotes the quotes are closed around the reference), and its shape with `*` for them.
pub fn finish_marked(marked: &str) -> (String, String) {
    let (mut text, mut shape) = (String::new(), String::new());
    let (mut single, mut double) = (false, false);
    let mut chars = marked.chars();
    while let Some(c) = chars.next() {
        match c {
            OPEN => {
                let n: String = chars.by_ref().take_while(|c| *c != CLOSE).collect();
                let var = format!("${{{}}}", hole_var(n.parse().unwrap_or(0)));
                if single {
                    text.push_str(&format!("'\"{var}\"'"));
                } else {
                    text.push_str(&var);
                }
                shape.push('*');
                continue;
            }
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => {}
        }
        text.push(c);
        shape.push(c);
    }
    (text, shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holes_close_single_quotes() {
        let mut c = CommandLine::default();
        c.push_str("dig ");
        c.hole();
        c.push_str(".x.top");
        assert_eq!(c.finish().0, "dig ${TT_CMD_0}.x.top");
        let mut c = CommandLine::default();
        c.push_word("it's");
        assert_eq!(c.finish().0, "'it'\\''s'");
    }
}
