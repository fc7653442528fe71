use crate::{declare_rule, Category, RawFinding, Rule, RuleMeta, Severity};
use telltale_facts::FileFacts;

declare_rule! {
    /// ## What it detects
    /// A dropper: bytes received from the network written to a file that the code then runs —
    /// made executable and executed, handed to an interpreter (`node`, `sh`, `python`), or
    /// loaded as a module (`require`, `import`). Each step is listed: the download, the write,
    /// `chmod`, the run.
    ///
    /// ## Why it matters
    /// What runs is whatever the server sends, and it runs with the user's rights, outside
    /// anything a review of the package can see. From an install script it is critical.
    ///
    /// ## Example
    /// ```js
    /// https.get(url, (res) => { res.pipe(fs.createWriteStream("/tmp/u")).on("finish", () => {
    ///   fs.chmodSync("/tmp/u", 0o755); execFileSync("/tmp/u"); }); });
    /// ```
    DownloadedFileRun { id: "TT403", name: "downloaded-file-run", category: Category::DynamicCode, severity: Severity::High }
}

impl Rule for DownloadedFileRun {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, f: &FileFacts, out: &mut Vec<RawFinding>) {
        for d in &f.droppers {
            let mut r = RawFinding::new(
                &Self::META,
                d.span,
                format!(
                    "runs {} with {} after writing what the network sent into it",
                    d.path, d.api
                ),
            );
            r.evidence.push(format!("file: {}", d.path));
            r.evidence.extend(d.steps.iter().map(|s| s.what.clone()));
            r.steps = d.steps.clone();
            out.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::{facts, run};
    use telltale_facts::{DropperFact, Span, Step};

    #[test]
    fn each_dropper_is_reported_with_its_steps() {
        let mut f = facts();
        assert!(run(&DownloadedFileRun, &f).is_empty());
        f.droppers.push(DropperFact {
            path: "*/payload".into(),
            api: "child_process.execFileSync".into(),
            span: Span::new(40, 60),
            steps: vec![
                Step {
                    span: Span::new(0, 10),
                    what: "received by https.get".into(),
                },
                Step {
                    span: Span::new(20, 30),
                    what: "written to */payload".into(),
                },
                Step {
                    span: Span::new(40, 60),
                    what: "run by child_process.execFileSync".into(),
                },
            ],
        });
        let found = run(&DownloadedFileRun, &f);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].steps.len(), 3);
        assert!(
            found[0].message.contains("*/payload"),
            "{}",
            found[0].message
        );
    }
}
