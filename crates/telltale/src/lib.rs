//! The telltale pipeline as a library: ingest → front ends → facts → rules → report.
//! `main.rs` is the command line around it; `policy` and `baseline` turn a report into a
//! pass or a fail; `history` keeps results in the store; `fleet` is the queue's worker;
//! `watch` decides `telltale watch`'s alerts.

pub mod baseline;
pub mod fleet;
pub mod history;
pub mod policy;
pub mod watch;
