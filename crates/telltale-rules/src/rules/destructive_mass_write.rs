use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// Writes or deletes applied to every entry of a directory listing (`readdirSync` results
    /// passed to `writeFile`, `unlink`, `rm`), or a recursive delete of the home or root
    /// directory.
    ///
    /// ## Why it matters
    /// This is a wiper: node-ipc overwrote every file it could reach with a heart emoji.
    /// Ordinary packages write their own files by name, not everything they find.
    ///
    /// ## Example
    /// ```js
    /// for (const f of fs.readdirSync(dir)) fs.writeFileSync(path.join(dir, f), "❤️");
    /// ```
    DestructiveMassWrite { id: "TT601", name: "destructive-mass-write", category: Category::Destructive, severity: Severity::High }
}

impl Rule for DestructiveMassWrite {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        for d in &f.destructive {
            let mut r =
                RawFinding::new(&Self::META, d.span, format!("destroys data: {}", d.detail));
            r.evidence.push(d.api.clone());
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{DestructiveFact, Span};

    #[test]
    fn mass_write_reported() {
        let mut f = facts();
        assert!(run(&DestructiveMassWrite, &f).is_empty());
        f.destructive.push(DestructiveFact {
            api: "fs.writeFile".into(),
            mass: true,
            span: Span::new(0, 1),
            detail: "x".into(),
        });
        assert_eq!(run(&DestructiveMassWrite, &f).len(), 1);
    }
}
