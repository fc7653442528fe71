//! The scan pipeline, wired in one place: a spec on the command line → targets
//! ([`targets`]: paths, `node_modules`, lockfiles, `npm:` with platform packages, `pypi:`) →
//! files loaded by `telltale-ingest` → one front end per file ([`analyse`], [`native`] for
//! executables) → flows across modules ([`link`]) and install-time marking
//! ([`install_time`]) → rules → one [`telltale_report::TargetReport`] per target
//! ([`pipeline`]). Used by the CLI, the fleet's worker and the fuzz targets.

pub mod analyse;
mod containers;
pub mod delegate;
mod gates;
mod imports;
mod install_time;
mod link;
pub mod manifest;
mod native;
mod npm;
pub mod options;
pub mod pipeline;
mod product;
mod pypi;
pub mod targets;
pub mod timings;

pub use containers::SeenFiles;
pub use options::{NpmOptions, ScanOptions};
pub use pipeline::{scan_bytes, scan_target};
pub use targets::scan_spec;
