//! Lookup of resolved access paths (`os.hostname()`, `requests.Session().*`) in an API
//! catalog: exact paths and `prefix*` patterns, the most specific pattern winning.

use rustc_hash::FxHashMap as HashMap;

/// Exact paths and `prefix*` patterns mapping to a value.
pub(crate) struct PathTable<T: Copy> {
    exact: HashMap<String, T>,
    prefixes: Vec<(String, T)>,
}

impl<T: Copy> PathTable<T> {
    pub(crate) fn new(entries: impl IntoIterator<Item = (String, T)>) -> Self {
        let mut exact = HashMap::default();
        let mut prefixes = Vec::new();
        for (p, v) in entries {
            match p.strip_suffix('*') {
                Some(prefix) => prefixes.push((prefix.to_string(), v)),
                None => {
                    exact.insert(p, v);
                }
            }
        }
        // Longest prefix first so the most specific pattern wins.
        prefixes.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        PathTable { exact, prefixes }
    }
    pub(crate) fn get(&self, path: &str) -> Option<T> {
        if let Some(v) = self.exact.get(path) {
            return Some(*v);
        }
        self.prefixes
            .iter()
            .find(|(p, _)| path.starts_with(p.as_str()))
            .map(|(_, v)| *v)
    }
}
