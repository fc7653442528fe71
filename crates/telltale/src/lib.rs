//! The telltale pipeline as a library: ingest → front ends → facts → rules → report.
//! `main.rs` is the command line around it.

pub mod manifest;
pub mod scan;
