//! The per-run certificate authority and the leaf certificates it signs.
//!
//! The CA's PEM is trusted inside the sandbox (NODE_EXTRA_CA_CERTS,
//! SSL_CERT_FILE), so the program's HTTPS requests can be read. A leaf is
//! made on demand for each SNI name and cached. The CA has basicConstraints
//! CA:true and keyCertSign, and leaves carry a SAN and EKU serverAuth,
//! because Node.js, curl and Python each insist on those.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::crypto::ring::sign::any_supported_type;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;

use crate::FakenetError;

/// Most leaves cached; past that they are made afresh (a hostile client can send any SNI).
const MAX_CACHED: usize = 1024;

/// A certificate authority generated per probe run; its PEM is trusted inside the sandbox via NODE_EXTRA_CA_CERTS / SSL_CERT_FILE.
pub struct Ca {
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
    leaves: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca").finish_non_exhaustive()
    }
}

/// Civil date (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i32, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        i32::try_from(y).unwrap_or(2000),
        u8::try_from(m).unwrap_or(1),
        u8::try_from(d).unwrap_or(1),
    )
}

/// Valid from two days ago (clock skew in the sandbox) for 30 days: a run is short.
fn validity(p: &mut CertificateParams) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let today = i64::try_from(now / 86_400).unwrap_or(0);
    let (y, m, d) = civil(today - 2);
    p.not_before = rcgen::date_time_ymd(y, m, d);
    let (y, m, d) = civil(today + 30);
    p.not_after = rcgen::date_time_ymd(y, m, d);
}

impl Ca {
    /// Generates a fresh CA key and self-signed certificate.
    pub fn generate() -> Result<Ca, FakenetError> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, "telltale probe CA");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "telltale");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        validity(&mut params);
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(Ca {
            cert_pem: cert.pem(),
            cert_der: cert.der().clone(),
            issuer: Issuer::new(params, key),
            leaves: Mutex::new(HashMap::new()),
        })
    }

    /// The CA certificate as PEM, to be trusted inside the sandbox.
    pub fn cert_pem(&self) -> String {
        self.cert_pem.clone()
    }

    /// The CA certificate as DER.
    pub fn cert_der(&self) -> CertificateDer<'static> {
        self.cert_der.clone()
    }

    /// The leaf for `name` (a DNS name, or `None` for "localhost" + 127.0.0.1), cached.
    pub fn leaf(&self, name: Option<&str>) -> Result<Arc<CertifiedKey>, FakenetError> {
        let key_name = name.unwrap_or("").to_ascii_lowercase();
        let mut cache = self.leaves.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = cache.get(&key_name) {
            return Ok(k.clone());
        }
        let sans = match name {
            Some(_) => vec![key_name.clone()],
            None => vec!["localhost".to_string(), "127.0.0.1".to_string()],
        };
        let mut params = CertificateParams::new(sans)?;
        params
            .distinguished_name
            .push(DnType::CommonName, name.unwrap_or("localhost"));
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        validity(&mut params);
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signer = any_supported_type(&der)?;
        let certified = Arc::new(CertifiedKey::new(vec![cert.der().clone()], signer));
        if cache.len() < MAX_CACHED {
            cache.insert(key_name, certified.clone());
        }
        Ok(certified)
    }

    /// A rustls server configuration that answers with this CA's leaves and offers ALPN `http/1.1` only.
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<ServerConfig>, FakenetError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Resolver(self.clone())));
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(cfg))
    }
}

/// Picks (or makes) the leaf for the client's SNI.
#[derive(Debug)]
struct Resolver(Arc<Ca>);

impl ResolvesServerCert for Resolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.0.leaf(hello.server_name()).ok()
    }
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(19_782), (2024, 2, 29));
    }

    #[test]
    fn leaves_are_cached_and_ca_is_pem() {
        let ca = Ca::generate().unwrap();
        assert!(ca.cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let a = ca.leaf(Some("ipinfo.io")).unwrap();
        let b = ca.leaf(Some("IPINFO.io")).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(ca.leaf(None).is_ok());
        assert!(
            ca.leaf(Some("caf\u{e9}.example")).is_err(),
            "rcgen refuses non-ASCII names"
        );
    }
}
