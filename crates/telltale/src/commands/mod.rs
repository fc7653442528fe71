//! One module per command; `args` holds what several share.

pub mod args;
pub mod baseline;
pub mod completions;
pub mod diff;
pub mod firewall;
pub mod init;
pub mod probe;
pub mod query;
pub mod queue_status;
pub mod rules;
pub mod scan;
pub mod submit;
pub mod watch;
pub mod worker;
