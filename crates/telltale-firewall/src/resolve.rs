//! Name resolution with a short memory. A cold install asks one registry for hundreds of
//! files at once; resolvers in front of company and CI networks drop bursts of identical
//! queries (measured here: 16 at once, most answered after 5 or 10 s, some not at all),
//! which npm and pip never see because they cache lookups. So does this: one lookup per host
//! at a time, its answer kept for a minute.
//!
//! Built on ureq's `unversioned` resolver interface, which may change in a minor release:
//! ureq is held at the version in Cargo.lock.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long an answer is used.
const KEEP: Duration = Duration::from_secs(60);

/// One host's lookup: held while resolving, then the answer and when it came.
type Lookup = Arc<Mutex<Option<(Instant, Vec<SocketAddr>)>>>;

#[derive(Debug, Default)]
pub struct CachingResolver {
    inner: DefaultResolver,
    /// `host:port` → the lookup's lock and its last answer.
    hosts: Mutex<HashMap<String, Lookup>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = match uri.authority() {
            Some(a) => format!("{}|{}", uri.scheme_str().unwrap_or(""), a),
            None => return self.inner.resolve(uri, config, timeout),
        };
        let slot = self
            .hosts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone();
        // Held while resolving: others asking for this host wait for this answer.
        let mut known = slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, addrs)) = known.as_ref() {
            if at.elapsed() < KEEP && !addrs.is_empty() {
                let mut out = self.empty();
                for a in addrs {
                    out.push(*a);
                }
                return Ok(out);
            }
        }
        let fresh = self.inner.resolve(uri, config, timeout)?;
        *known = Some((Instant::now(), fresh.iter().copied().collect()));
        Ok(fresh)
    }
}
