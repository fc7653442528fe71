//! The product of an install closure (`--deps`): one report whose label combines every
//! package's, each item naming the packages it comes from.

use telltale_report::{PrivacyLabel, TargetReport};

/// The product: every package's label in one, each item naming the packages it comes from;
/// coverage complete only when every package's is.
pub(crate) fn product_report(
    root: &str,
    root_report: &TargetReport,
    deps: &[TargetReport],
) -> TargetReport {
    let all: Vec<&TargetReport> = std::iter::once(root_report).chain(deps).collect();
    let parts: Vec<(String, &PrivacyLabel)> = all
        .iter()
        .map(|r| {
            (
                r.package
                    .as_ref()
                    .zip(r.version.as_ref())
                    .map(|(n, v)| format!("{n}@{v}"))
                    .unwrap_or_else(|| r.target.clone()),
                &r.label,
            )
        })
        .collect();
    let mut product = TargetReport::empty(&format!("product {root} ({} packages)", all.len()));
    product.label = PrivacyLabel::combine(&parts);
    product.package = root_report.package.clone();
    product.version = root_report.version.clone();
    product.files_scanned = all.iter().map(|r| r.files_scanned).sum();
    product.bytes_scanned = all.iter().map(|r| r.bytes_scanned).sum();
    for r in &all {
        for (kind, t) in &r.coverage.analysed {
            let e = product.coverage.analysed.entry(kind.clone()).or_default();
            e.files += t.files;
            e.bytes += t.bytes;
        }
        if let Some(e) = &r.error {
            product
                .coverage
                .add_unanalysed(&r.target, 0, format!("could not be read: {e}"));
        }
        for u in &r.coverage.unanalysed {
            let mut u = u.clone();
            if !u.path.starts_with("npm:") && !u.path.starts_with("pypi:") {
                u.path = format!("{} › {}", r.target, u.path);
            }
            product.coverage.unanalysed.push(u);
        }
    }
    product.coverage.settle();
    product
}
