//! Region tests in shell scripts: `[ "$TZ" = Europe/Moscow ]`, `[[ $LANG == zh* ]]`, and a
//! geo-IP answer filtered through `grep 'RU\|UA\|BY'` into a variable that is then tested
//! with `-z`/`-n` — with what the code they control runs (a message, a download, a process).
//!
//! The parser keeps `if`/`then`/`else`/`fi` as words and `&&`/`||` as connectors, so the
//! code a test controls is found from the list's items: the `then` part (or `else` part) of an
//! `if`, or the command after `&&`/`||`.

use std::collections::BTreeSet;

use telltale_facts::{Effect, Kinds, Step};
use telltale_knowledge::geo::countries_of;

use crate::parse::{Command, Part, Pipeline, Simple, Word};

/// A value that is non-empty only for users in `countries` (`grep` of a region value), or a
/// region comparison a test made.
#[derive(Clone, Debug)]
pub(crate) struct RegionMatch {
    pub kinds: Kinds,
    pub subject: String,
    pub constants: Vec<String>,
    pub countries: Vec<String>,
    /// For a match: non-empty means in the countries. For a test: true means the test holds
    /// for users in the countries.
    pub positive: bool,
    pub steps: Vec<Step>,
}

/// Words a `grep` or `[[ =~ ]]` pattern matches literally: `RU\|UA\|BY` → RU, UA, BY;
/// `^(zh|ja)` → zh, ja; `zh*` → zh.
pub(crate) fn pattern_words(pattern: &str) -> Vec<String> {
    pattern
        .replace("\\|", "|")
        .replace("\\b", "|")
        .replace("\\<", "|")
        .replace("\\>", "|")
        .split(|c: char| "|()[]^$?*+{}\\ ,;\"'".contains(c))
        .map(|w| w.trim_matches('.').to_string())
        .filter(|w| w.len() >= 2 && w.len() <= 64)
        .collect()
}

/// The countries `constants` name as region data of `kinds`.
pub(crate) fn countries(kinds: Kinds, constants: &[String]) -> Vec<String> {
    let mut out = BTreeSet::new();
    for c in constants {
        countries_of(kinds, c, &mut out);
    }
    out.into_iter().collect()
}

/// The literal text of a word when it has no expansions.
pub(crate) fn literal(w: &Word) -> Option<String> {
    let mut s = String::new();
    for p in &w.parts {
        match p {
            Part::Lit { bytes, .. } => s.push_str(&String::from_utf8_lossy(bytes)),
            _ => return None,
        }
    }
    Some(s)
}

const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
];

/// The first word of a list item, reserved words included (`if`, `then`, `fi`).
pub(crate) fn first_word(p: &Pipeline) -> Option<String> {
    match p.cmds.first()? {
        Command::Simple(s) => s.words.first().and_then(literal),
        Command::Group { .. } => None,
    }
}

/// What the commands of some list items do.
pub(crate) fn effects(items: &[Pipeline]) -> (Vec<Effect>, Vec<String>) {
    let mut found = BTreeSet::new();
    let mut names = BTreeSet::new();
    for p in items {
        for c in &p.cmds {
            match c {
                Command::Simple(s) => simple_effect(s, &mut found, &mut names),
                // A subshell's commands run as part of the guarded code.
                Command::Group { list, .. } => {
                    let (e, n) = effects(&list.items);
                    found.extend(e);
                    names.extend(n);
                }
            }
        }
    }
    (
        found.into_iter().collect(),
        names.into_iter().take(12).collect(),
    )
}

fn simple_effect(s: &Simple, effects: &mut BTreeSet<Effect>, names: &mut BTreeSet<String>) {
    let mut words = s.words.iter().map(literal);
    let name = loop {
        match words.next() {
            Some(Some(w)) if RESERVED.contains(&w.as_str()) => continue,
            Some(Some(w)) if w.contains('=') && !w.starts_with('=') && !w.starts_with('-') => {
                continue
            }
            Some(Some(w))
                if matches!(
                    w.as_str(),
                    "sudo" | "nohup" | "exec" | "nice" | "setsid" | "command"
                ) =>
            {
                continue
            }
            Some(Some(w)) => break w,
            // A command named by an expansion runs something.
            Some(None) => break "$cmd".to_string(),
            None => return,
        }
    };
    let base = name.rsplit('/').next().unwrap_or(&name).to_string();
    let effect = match base.as_str() {
        "echo" | "printf" | "logger" | "wall" | "notify-send" | "zenity" | "say" => {
            Some(Effect::Message)
        }
        tool if telltale_knowledge::strings::is_network_tool(tool) => Some(Effect::Network),
        "rm" | "shred" | "dd" | "mkfs" | "wipefs" | "truncate" => Some(Effect::Destructive),
        "export" | "set" | "unset" | "cd" | "true" | "false" | ":" | "exit" | "return"
        | "local" | "readonly" | "shift" | "[" | "[[" | "test" | "read" | "mkdir" | "touch"
        | "cat" | "grep" | "sed" | "awk" | "tr" | "cut" | "sleep" | "wait" | "trap" | "source"
        | "." | "cp" | "mv" | "ln" | "chmod" | "chown" | "npm" | "yarn" | "pnpm" | "pip"
        | "pip3" => None,
        _ => Some(Effect::Exec),
    };
    if let Some(e) = effect {
        effects.insert(e);
        names.insert(base);
    }
}

/// A `[`/`[[`/`test` command's region comparison, if it makes one. `args` are the words after
/// the command name, each with its region data and match.
pub(crate) fn test_cmp(
    args: &[(String, Kinds, Option<RegionMatch>, String)],
    negated: bool,
) -> Option<RegionMatch> {
    let mut args: Vec<&(String, Kinds, Option<RegionMatch>, String)> = args.iter().collect();
    if args.last().is_some_and(|a| a.0 == "]" || a.0 == "]]") {
        args.pop();
    }
    let mut neg = negated;
    if args.first().is_some_and(|a| a.0 == "!") {
        neg = !neg;
        args.remove(0);
    }
    let matched = |a: &(String, Kinds, Option<RegionMatch>, String), nonempty: bool| {
        a.2.clone().map(|mut m| {
            m.positive = m.positive == nonempty;
            m
        })
    };
    let mut cmp = match args.as_slice() {
        [op, x] if op.0 == "-z" => matched(x, false),
        [op, x] if op.0 == "-n" => matched(x, true),
        [x] => matched(x, true),
        [x, op, c] if matches!(op.0.as_str(), "=" | "==" | "!=" | "=~") => {
            let (x, c) = if x.1.region().is_empty() && x.2.is_none() {
                (c, x)
            } else {
                (x, c)
            };
            if x.2.is_some() && c.0.is_empty() {
                // `[ "$match" = "" ]`
                return matched(x, op.0 == "!=").map(|mut m| {
                    m.positive ^= neg;
                    m
                });
            }
            let kinds = x.1.region();
            if kinds.is_empty() {
                return None;
            }
            let constants = if op.0 == "=~" || c.0.contains('*') || c.0.contains('|') {
                pattern_words(&c.0)
            } else {
                vec![c.0.clone()]
            };
            let countries = countries(kinds, &constants);
            if countries.is_empty() {
                return None;
            }
            Some(RegionMatch {
                kinds,
                subject: x.3.clone(),
                constants,
                countries,
                positive: op.0 != "!=",
                steps: vec![],
            })
        }
        _ => None,
    }?;
    cmp.positive ^= neg;
    Some(cmp)
}
