//! Which findings a `--select` / `--ignore` list names, in the manner of ruff: a rule id
//! (`TT102`), an id prefix (`TT1`: every identity and exfiltration rule of that hundred), a
//! rule name (`identity-exfiltration`) or a category (`exfiltration`). A word that names
//! nothing is an error, so a typo never silently selects nothing.

use crate::{all_rules, Category, Finding};

/// One word of a selection list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selector {
    /// A rule id or a prefix of ids (`TT`, `TT1`, `TT102`), upper case.
    Id(String),
    Name(&'static str),
    Category(Category),
}

/// A parsed `--select` or `--ignore` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection(Vec<Selector>);

impl Selection {
    /// Reads a list of words separated by commas (each may be given several times on the
    /// command line: the lists are joined).
    pub fn parse<'s>(lists: impl IntoIterator<Item = &'s str>) -> Result<Selection, String> {
        let rules = all_rules();
        let mut out = Vec::new();
        for word in lists
            .into_iter()
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            let upper = word.to_ascii_uppercase();
            let selector = if rules.iter().any(|r| r.meta().id.starts_with(&upper)) {
                Selector::Id(upper)
            } else if let Some(r) = rules
                .iter()
                .find(|r| r.meta().name.eq_ignore_ascii_case(word))
            {
                Selector::Name(r.meta().name)
            } else if let Some(c) = Category::parse(&word.to_ascii_lowercase()) {
                Selector::Category(c)
            } else {
                return Err(format!(
                    "`{word}` names no rule or category (`telltale rules` lists them: an id such as TT102, a prefix such as TT1, a name such as identity-exfiltration, or a category such as exfiltration)"
                ));
            };
            out.push(selector);
        }
        Ok(Selection(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether any word of the list names this finding's rule.
    pub fn matches(&self, f: &Finding) -> bool {
        self.0.iter().any(|s| match s {
            Selector::Id(prefix) => f.rule.starts_with(prefix.as_str()),
            Selector::Name(n) => f.name == *n,
            Selector::Category(c) => f.category == *c,
        })
    }

    /// Whether a finding stays: named by `select` (when it names anything) and not by
    /// `ignore`.
    pub fn keeps(select: &Selection, ignore: &Selection, f: &Finding) -> bool {
        (select.is_empty() || select.matches(f)) && !ignore.matches(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;

    fn finding(rule: &'static str, name: &'static str, category: Category) -> Finding {
        Finding {
            rule,
            name,
            category,
            severity: Severity::High,
            file: "a.js".into(),
            line: 1,
            column: 1,
            offset: 0,
            end_offset: 1,
            message: String::new(),
            evidence: vec![],
            countries: vec![],
            endpoints: vec![],
            flow: vec![],
            install_time: false,
            snippet: String::new(),
            snippet_mark: None,
            fingerprint: String::new(),
            policy: None,
        }
    }

    #[test]
    fn ids_prefixes_names_and_categories_select() {
        let exfil = finding("TT102", "identity-exfiltration", Category::Exfiltration);
        let read = finding("TT101", "identity-read", Category::Identity);
        let region = finding("TT201", "region-conditional", Category::Region);
        let sel = |s: &str| Selection::parse([s]).unwrap();
        assert!(sel("TT102").matches(&exfil) && !sel("TT102").matches(&read));
        assert!(sel("tt1").matches(&exfil) && sel("TT1").matches(&read));
        assert!(!sel("TT1").matches(&region));
        assert!(sel("identity-exfiltration").matches(&exfil));
        assert!(sel("exfiltration").matches(&exfil) && !sel("exfiltration").matches(&read));
        assert!(sel("region, TT101").matches(&read) && sel("region, TT101").matches(&region));
        let none = Selection::default();
        assert!(Selection::keeps(&none, &sel("TT101"), &exfil));
        assert!(!Selection::keeps(&none, &sel("TT101"), &read));
        assert!(!Selection::keeps(&sel("TT2"), &none, &read));
    }

    #[test]
    fn a_word_that_names_nothing_is_an_error() {
        let e = Selection::parse(["TT102,identity-exfiltraton"]).unwrap_err();
        assert!(e.contains("identity-exfiltraton"), "{e}");
        assert!(Selection::parse(["TX1"]).is_err());
    }
}
