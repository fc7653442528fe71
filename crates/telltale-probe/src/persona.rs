//! Personas: who the probed program believes is running it. Each one is a country's time
//! zone, locale, npm mirror and IP-geolocation answer, and a fake home full of honey values
//! (fake secrets) whose appearance in the captured traffic proves they left the machine.
//!
//! Honey values carry a per-run suffix so that a sample cannot recognise a fixed
//! "sandbox user" baked into telltale and stay quiet.

use serde::Serialize;
use telltale_fakenet::{Geo, Honey};
use telltale_report::fingerprint::fnv1a;

/// A country's view of the world, as data.
#[derive(Debug)]
pub struct PersonaTemplate {
    /// The `--persona` word (`cn`, `ru`, `us`, …).
    pub code: &'static str,
    pub country: &'static str,
    pub country_name: &'static str,
    pub time_zone: &'static str,
    pub locale: &'static str,
    /// What `npm_config_registry` and `~/.npmrc` say; mirrors where a country's developers use one.
    pub registry: &'static str,
    pub user: &'static str,
    pub full_name: &'static str,
    pub mail_domain: &'static str,
    pub city: &'static str,
    pub region: &'static str,
    pub postal: &'static str,
    /// A public address of a large consumer ISP there (what a geo-IP API would see).
    pub ip: &'static str,
    pub org: &'static str,
    pub latitude: f64,
    pub longitude: f64,
}

const NPM: &str = "https://registry.npmjs.org/";

/// Every persona telltale knows. Time zones are IANA names the sandbox's `/etc/localtime`
/// is taken from; locales are what `LANG` says on a developer machine there.
pub const PERSONAS: &[PersonaTemplate] = &[
    PersonaTemplate {
        code: "us",
        country: "US",
        country_name: "United States",
        time_zone: "America/New_York",
        locale: "en_US.UTF-8",
        registry: NPM,
        user: "jsmith",
        full_name: "John Smith",
        mail_domain: "example.com",
        city: "New York",
        region: "New York",
        postal: "10001",
        ip: "24.48.0.1",
        org: "AS7922 Comcast Cable Communications, LLC",
        latitude: 40.7128,
        longitude: -74.006,
    },
    PersonaTemplate {
        code: "cn",
        country: "CN",
        country_name: "China",
        time_zone: "Asia/Shanghai",
        locale: "zh_CN.UTF-8",
        registry: "https://registry.npmmirror.com/",
        user: "zhangwei",
        full_name: "Zhang Wei",
        mail_domain: "example.cn",
        city: "Beijing",
        region: "Beijing",
        postal: "100000",
        ip: "36.110.1.1",
        org: "AS4847 China Networks Inter-Exchange",
        latitude: 39.9042,
        longitude: 116.4074,
    },
    PersonaTemplate {
        code: "ru",
        country: "RU",
        country_name: "Russia",
        time_zone: "Europe/Moscow",
        locale: "ru_RU.UTF-8",
        registry: NPM,
        user: "ivanov",
        full_name: "Ivan Ivanov",
        mail_domain: "example.ru",
        city: "Moscow",
        region: "Moscow",
        postal: "101000",
        ip: "95.165.1.1",
        org: "AS25513 PJSC Moscow city telephone network",
        latitude: 55.7558,
        longitude: 37.6173,
    },
    PersonaTemplate {
        code: "by",
        country: "BY",
        country_name: "Belarus",
        time_zone: "Europe/Minsk",
        locale: "be_BY.UTF-8",
        registry: NPM,
        user: "kovalenko",
        full_name: "Alexei Kovalenko",
        mail_domain: "example.by",
        city: "Minsk",
        region: "Minsk",
        postal: "220000",
        ip: "178.120.1.1",
        org: "AS6697 Republican Unitary Telecommunication Enterprise Beltelecom",
        latitude: 53.9006,
        longitude: 27.559,
    },
    PersonaTemplate {
        code: "ua",
        country: "UA",
        country_name: "Ukraine",
        time_zone: "Europe/Kyiv",
        locale: "uk_UA.UTF-8",
        registry: NPM,
        user: "shevchenko",
        full_name: "Olena Shevchenko",
        mail_domain: "example.ua",
        city: "Kyiv",
        region: "Kyiv City",
        postal: "01001",
        ip: "93.72.1.1",
        org: "AS13188 Triolan",
        latitude: 50.4501,
        longitude: 30.5234,
    },
    PersonaTemplate {
        code: "ir",
        country: "IR",
        country_name: "Iran",
        time_zone: "Asia/Tehran",
        locale: "fa_IR.UTF-8",
        registry: NPM,
        user: "hosseini",
        full_name: "Ali Hosseini",
        mail_domain: "example.ir",
        city: "Tehran",
        region: "Tehran",
        postal: "11369",
        ip: "5.160.1.1",
        org: "AS12880 Information Technology Company",
        latitude: 35.6892,
        longitude: 51.389,
    },
    PersonaTemplate {
        code: "de",
        country: "DE",
        country_name: "Germany",
        time_zone: "Europe/Berlin",
        locale: "de_DE.UTF-8",
        registry: NPM,
        user: "mueller",
        full_name: "Anna Müller",
        mail_domain: "example.de",
        city: "Berlin",
        region: "Berlin",
        postal: "10115",
        ip: "91.64.1.1",
        org: "AS3209 Vodafone GmbH",
        latitude: 52.52,
        longitude: 13.405,
    },
    PersonaTemplate {
        code: "jp",
        country: "JP",
        country_name: "Japan",
        time_zone: "Asia/Tokyo",
        locale: "ja_JP.UTF-8",
        registry: NPM,
        user: "tanaka",
        full_name: "Hiroshi Tanaka",
        mail_domain: "example.jp",
        city: "Tokyo",
        region: "Tokyo",
        postal: "100-0001",
        ip: "126.0.1.1",
        org: "AS17676 SoftBank Corp.",
        latitude: 35.6762,
        longitude: 139.6503,
    },
    PersonaTemplate {
        code: "in",
        country: "IN",
        country_name: "India",
        time_zone: "Asia/Kolkata",
        locale: "en_IN.UTF-8",
        registry: NPM,
        user: "sharma",
        full_name: "Priya Sharma",
        mail_domain: "example.in",
        city: "Mumbai",
        region: "Maharashtra",
        postal: "400001",
        ip: "49.36.1.1",
        org: "AS55836 Reliance Jio Infocomm Limited",
        latitude: 19.076,
        longitude: 72.8777,
    },
    PersonaTemplate {
        code: "br",
        country: "BR",
        country_name: "Brazil",
        time_zone: "America/Sao_Paulo",
        locale: "pt_BR.UTF-8",
        registry: NPM,
        user: "silva",
        full_name: "Lucas Silva",
        mail_domain: "example.com.br",
        city: "São Paulo",
        region: "São Paulo",
        postal: "01000-000",
        ip: "177.12.1.1",
        org: "AS28573 Claro NXT Telecomunicacoes Ltda",
        latitude: -23.5505,
        longitude: -46.6333,
    },
    PersonaTemplate {
        code: "kr",
        country: "KR",
        country_name: "South Korea",
        time_zone: "Asia/Seoul",
        locale: "ko_KR.UTF-8",
        registry: NPM,
        user: "kimminjun",
        full_name: "Kim Min-jun",
        mail_domain: "example.kr",
        city: "Seoul",
        region: "Seoul",
        postal: "04524",
        ip: "121.134.1.1",
        org: "AS4766 Korea Telecom",
        latitude: 37.5665,
        longitude: 126.978,
    },
    PersonaTemplate {
        code: "gb",
        country: "GB",
        country_name: "United Kingdom",
        time_zone: "Europe/London",
        locale: "en_GB.UTF-8",
        registry: NPM,
        user: "jwilliams",
        full_name: "James Williams",
        mail_domain: "example.co.uk",
        city: "London",
        region: "England",
        postal: "EC1A 1BB",
        ip: "81.2.69.1",
        org: "AS20712 Andrews & Arnold Ltd",
        latitude: 51.5074,
        longitude: -0.1278,
    },
];

/// The personas a probe uses when none are named: a control (US) and the two countries
/// region-targeting code has been seen to single out most.
pub const DEFAULT_PERSONAS: &[&str] = &["us", "cn", "ru"];

/// A persona made concrete for one run: its honey values included.
#[derive(Debug, Clone, Serialize)]
pub struct Persona {
    pub code: String,
    pub country: String,
    pub country_name: String,
    pub time_zone: String,
    pub locale: String,
    pub registry: String,
    pub user: String,
    pub hostname: String,
    pub home: String,
    pub git_name: String,
    pub git_email: String,
    pub npm_token: String,
    pub machine_id: String,
    pub aws_access_key_id: String,
    pub aws_secret_access_key: String,
    pub github_token: String,
    pub ssh_public_key: String,
    #[serde(skip)]
    pub geo: Geo,
}

/// Look personas up by code; an unknown code is an error naming the known ones.
pub fn select(codes: &[String]) -> Result<Vec<&'static PersonaTemplate>, String> {
    let mut out = Vec::new();
    for code in codes {
        let code = code.trim().to_ascii_lowercase();
        match PERSONAS.iter().find(|p| p.code == code) {
            Some(p) if !out.iter().any(|q: &&PersonaTemplate| q.code == p.code) => out.push(p),
            Some(_) => {}
            None => {
                let known: Vec<&str> = PERSONAS.iter().map(|p| p.code).collect();
                return Err(format!(
                    "unknown persona `{code}` (known: {})",
                    known.join(", ")
                ));
            }
        }
    }
    Ok(out)
}

impl Persona {
    /// Make the persona concrete. `seed` varies per run so honey values are never the same twice.
    pub fn new(t: &PersonaTemplate, seed: u64) -> Persona {
        let tag = token(
            seed ^ fnv1a(t.code.as_bytes()),
            4,
            b"abcdefghjkmnpqrstuvwxyz23456789",
        );
        let user = format!("{}{}", t.user, &tag[..2]);
        let hex = |salt: &str, n: usize| {
            token(
                seed ^ fnv1a(salt.as_bytes()) ^ fnv1a(t.code.as_bytes()),
                n,
                b"0123456789abcdef",
            )
        };
        let alnum = |salt: &str, n: usize| {
            token(
                seed ^ fnv1a(salt.as_bytes()) ^ fnv1a(t.code.as_bytes()),
                n,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            )
        };
        let upper = |salt: &str, n: usize| {
            token(
                seed ^ fnv1a(salt.as_bytes()) ^ fnv1a(t.code.as_bytes()),
                n,
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
            )
        };
        Persona {
            code: t.code.into(),
            country: t.country.into(),
            country_name: t.country_name.into(),
            time_zone: t.time_zone.into(),
            locale: t.locale.into(),
            registry: t.registry.into(),
            // Not built from the user name, so a leaked host name is not also counted as the user.
            hostname: format!("devbox-{tag}{}", hex("host", 2)),
            home: format!("/home/{user}"),
            git_name: t.full_name.into(),
            git_email: format!("{user}.{tag}@{}", t.mail_domain),
            npm_token: format!("npm_{}", alnum("npm", 36)),
            machine_id: hex("machine-id", 32),
            aws_access_key_id: format!("AKIA{}", upper("aws-id", 16)),
            aws_secret_access_key: alnum("aws-secret", 40),
            github_token: format!("ghp_{}", alnum("github", 36)),
            ssh_public_key: format!(
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{} {user}@devbox-{tag}",
                alnum("ssh", 42)
            ),
            user,
            geo: Geo {
                ip: t.ip.into(),
                country_code: t.country.into(),
                country_name: t.country_name.into(),
                region: t.region.into(),
                city: t.city.into(),
                postal: t.postal.into(),
                latitude: t.latitude,
                longitude: t.longitude,
                timezone: t.time_zone.into(),
                org: t.org.into(),
            },
        }
    }

    /// Every value whose appearance in traffic means it left the machine.
    pub fn honey(&self) -> Vec<Honey> {
        let h = |kind: &str, value: &str| Honey {
            kind: kind.into(),
            value: value.into(),
        };
        let key_body = self.ssh_public_key.split(' ').nth(1).unwrap_or_default();
        vec![
            h("hostname", &self.hostname),
            h("username", &self.user),
            h("git-email", &self.git_email),
            h("npm-token", &self.npm_token),
            h("machine-id", &self.machine_id),
            h("aws-access-key-id", &self.aws_access_key_id),
            h("aws-secret-access-key", &self.aws_secret_access_key),
            h("github-token", &self.github_token),
            h(
                "ssh-key",
                key_body
                    .get(key_body.len().saturating_sub(42)..)
                    .unwrap_or(key_body),
            ),
        ]
    }

    /// Replace this persona's own values in `text` with placeholders, so that what two
    /// personas did can be compared (`{hostname}` under every persona is the same behaviour).
    pub fn normalize(&self, text: &str) -> String {
        let mut out = text.to_string();
        let named = [
            (self.hostname.clone(), "{hostname}"),
            (self.home.clone(), "{home}"),
            (self.git_email.clone(), "{git-email}"),
            (self.user.clone(), "{user}"),
            (self.machine_id.clone(), "{machine-id}"),
            (self.npm_token.clone(), "{npm-token}"),
            (
                self.registry.trim_end_matches('/').to_string(),
                "{registry}",
            ),
            (self.geo.ip.clone(), "{ip}"),
        ];
        for (value, placeholder) in named {
            if !value.is_empty() {
                out = replace_ignore_case(&out, &value, placeholder);
            }
        }
        out
    }
}

fn replace_ignore_case(text: &str, needle: &str, with: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let n = needle.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (i, _) in lower.match_indices(&n) {
        if i < last {
            continue;
        }
        out.push_str(&text[last..i]);
        out.push_str(with);
        last = i + n.len();
    }
    out.push_str(&text[last..]);
    out
}

/// `n` characters from `alphabet`, from a splitmix64 stream seeded with `seed`.
fn token(seed: u64, n: usize, alphabet: &[u8]) -> String {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            alphabet[(z % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

/// A seed that differs between runs.
pub fn run_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    fnv1a(&nanos.to_le_bytes()) ^ (std::process::id() as u64).rotate_left(32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personas_are_distinct_and_known_to_the_geography_tables() {
        let mut codes: Vec<&str> = PERSONAS.iter().map(|p| p.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), PERSONAS.len());
        for p in PERSONAS {
            assert!(
                std::path::Path::new("/usr/share/zoneinfo")
                    .join(p.time_zone)
                    .exists()
                    || !std::path::Path::new("/usr/share/zoneinfo").exists(),
                "{}",
                p.time_zone
            );
        }
    }

    #[test]
    fn honey_values_change_between_runs_and_normalize_back() {
        let cn = select(&["CN".into()]).unwrap()[0];
        let (a, b) = (Persona::new(cn, 1), Persona::new(cn, 2));
        assert_ne!(a.hostname, b.hostname);
        assert!(
            a.honey().iter().all(|h| h.value.len() >= 6),
            "{:?}",
            a.honey()
        );
        let line = format!(
            "electorn.1.0.1.{}.robotnowai.top",
            a.hostname.to_uppercase()
        );
        assert_eq!(
            a.normalize(&line),
            "electorn.1.0.1.{hostname}.robotnowai.top"
        );
        assert_eq!(
            b.normalize(&format!("electorn.1.0.1.{}.robotnowai.top", b.hostname)),
            a.normalize(&line)
        );
    }

    #[test]
    fn unknown_persona_is_an_error_naming_the_known_ones() {
        let e = select(&["xx".into()]).unwrap_err();
        assert!(
            e.contains("unknown persona `xx`") && e.contains("cn"),
            "{e}"
        );
    }
}
