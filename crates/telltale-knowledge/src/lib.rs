//! Knowledge is data, not code. Each catalog lives in `data/*.toml`, is embedded at build time
//! and says where its facts came from.

pub mod credentials;
pub mod geo;
pub mod js_api;
pub mod native;
pub mod optout;
mod path_table;
pub mod py_api;
pub mod strings;
pub mod vendors;
