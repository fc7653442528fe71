//! Knowledge is data, not code. Each catalog lives in `data/*.toml`, is embedded at build time
//! and says where its facts came from.

pub mod geo;
pub mod js_api;
mod path_table;
pub mod py_api;
pub mod vendors;
pub mod optout;
pub mod strings;
pub mod native;
