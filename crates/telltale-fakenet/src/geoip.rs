//! IP-geolocation services and the answers they would give for the persona.
//!
//! Region-targeting code asks one of these services where it runs and acts
//! on the answer, so each gets a reply in its own shape (field names,
//! plain-text endpoints) reporting the persona's [`Geo`]. The table is data:
//! a host suffix, a path pattern and a shape; the first matching row wins,
//! so the specific paths of a host come before its catch-all.

use serde_json::{json, Value};

use crate::Geo;

/// How a path is matched (on the path without the query).
#[derive(Clone, Copy)]
enum PathIs {
    /// Anything.
    Any,
    /// Exactly this, ignoring one trailing slash.
    Exact(&'static str),
    /// Starts with this.
    Prefix(&'static str),
}

/// The answer's shape.
#[derive(Clone, Copy)]
enum Shape {
    PlainIp,
    PlainCountryCode,
    PlainCountryName,
    PlainCity,
    PlainTimezone,
    Ipinfo,
    IpApi,
    IpapiCo,
    Ifconfig,
    IpGeolocation,
    Freegeoip,
    Ipwho,
    Ipwhois,
    GeolocationDb,
    CountryIs,
    Geojs,
    GeojsCountry,
    IpSb,
    Myip,
    Ipstack,
    Ipdata,
    ExtremeIp,
    /// Plain IP, or `{"ip":…}` when the query asks for `format=json`.
    Ipify,
}

/// One row: host (matches itself and its subdomains), path, shape.
struct Row(&'static str, PathIs, Shape);

use PathIs::{Any, Exact, Prefix};
use Shape::*;

const TABLE: &[Row] = &[
    Row("ipinfo.io", Exact("/country"), PlainCountryCode),
    Row("ipinfo.io", Exact("/ip"), PlainIp),
    Row("ipinfo.io", Exact("/city"), PlainCity),
    Row("ipinfo.io", Exact("/timezone"), PlainTimezone),
    Row("ipinfo.io", Any, Ipinfo),
    Row("ip-api.com", Any, IpApi),
    Row("ipapi.co", Exact("/country"), PlainCountryCode),
    Row("ipapi.co", Exact("/country_code"), PlainCountryCode),
    Row("ipapi.co", Exact("/country_name"), PlainCountryName),
    Row("ipapi.co", Exact("/ip"), PlainIp),
    Row("ipapi.co", Exact("/city"), PlainCity),
    Row("ipapi.co", Exact("/timezone"), PlainTimezone),
    Row("ipapi.co", Any, IpapiCo),
    Row("ifconfig.co", Prefix("/json"), Ifconfig),
    Row("ifconfig.co", Exact("/country-iso"), PlainCountryCode),
    Row("ifconfig.co", Exact("/country"), PlainCountryName),
    Row("ifconfig.co", Exact("/city"), PlainCity),
    Row("ifconfig.co", Any, PlainIp),
    Row("ipgeolocation.io", Any, IpGeolocation),
    Row("freegeoip.app", Any, Freegeoip),
    Row("freegeoip.io", Any, Freegeoip),
    Row("freegeoip.net", Any, Freegeoip),
    Row("ipwho.is", Any, Ipwho),
    Row("ipwhois.app", Any, Ipwhois),
    Row("geolocation-db.com", Any, GeolocationDb),
    Row("country.is", Any, CountryIs),
    Row("geojs.io", Prefix("/v1/ip/country.json"), GeojsCountry),
    Row("geojs.io", Prefix("/v1/ip/country"), PlainCountryCode),
    Row("geojs.io", Prefix("/v1/ip/geo"), Geojs),
    Row("geojs.io", Any, PlainIp),
    Row("ip.sb", Prefix("/geoip"), IpSb),
    Row("ip.sb", Any, PlainIp),
    Row("myip.com", Any, Myip),
    Row("ipapi.com", Any, Ipstack),
    Row("ipstack.com", Any, Ipstack),
    Row("ipdata.co", Any, Ipdata),
    Row("extreme-ip-lookup.com", Any, ExtremeIp),
    Row("ipify.org", Any, Ipify),
    Row("checkip.amazonaws.com", Any, PlainIp),
    Row("icanhazip.com", Any, PlainIp),
    Row("ifconfig.me", Any, PlainIp),
    Row("ipecho.net", Any, PlainIp),
    Row("ident.me", Any, PlainIp),
];

/// An answer to send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub(crate) content_type: &'static str,
    pub(crate) body: String,
    /// For the event's `answered`, e.g. "geoip ipinfo.io as CN".
    pub(crate) label: String,
}

fn host_matches(host: &str, suffix: &str) -> bool {
    host == suffix
        || (host.len() > suffix.len()
            && host.ends_with(suffix)
            && host.as_bytes().get(host.len() - suffix.len() - 1) == Some(&b'.'))
}

fn path_matches(path: &str, p: PathIs) -> bool {
    match p {
        Any => true,
        Exact(e) => path == e || path.strip_suffix('/') == Some(e),
        Prefix(e) => path.starts_with(e),
    }
}

/// The geolocation answer for `host` and `target` (path with query), if the host is such a service.
pub(crate) fn answer(host: &str, target: &str, geo: &Geo) -> Option<Answer> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let row = TABLE
        .iter()
        .find(|r| host_matches(&host, r.0) && path_matches(path, r.1))?;
    let (content_type, body) = render(row.2, geo, query);
    Some(Answer {
        content_type,
        body,
        label: format!("geoip {} as {}", row.0, geo.country_code),
    })
}

const JSON: &str = "application/json; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

fn render(shape: Shape, g: &Geo, query: &str) -> (&'static str, String) {
    let text = |s: &str| (TEXT, format!("{s}\n"));
    let loc = format!("{},{}", g.latitude, g.longitude);
    let v: Value = match shape {
        PlainIp => return text(&g.ip),
        PlainCountryCode => return text(&g.country_code),
        PlainCountryName => return text(&g.country_name),
        PlainCity => return text(&g.city),
        PlainTimezone => return text(&g.timezone),
        Ipify => {
            if query
                .split('&')
                .any(|kv| kv.eq_ignore_ascii_case("format=json"))
            {
                json!({"ip": g.ip})
            } else {
                return (TEXT, g.ip.clone());
            }
        }
        Ipinfo => json!({"ip": g.ip, "city": g.city, "region": g.region, "country": g.country_code,
            "loc": loc, "org": g.org, "postal": g.postal, "timezone": g.timezone}),
        IpApi => {
            json!({"status": "success", "country": g.country_name, "countryCode": g.country_code,
            "region": g.region, "regionName": g.region, "city": g.city, "zip": g.postal,
            "lat": g.latitude, "lon": g.longitude, "timezone": g.timezone, "isp": g.org,
            "org": g.org, "as": g.org, "query": g.ip})
        }
        IpapiCo => {
            json!({"ip": g.ip, "city": g.city, "region": g.region, "country": g.country_code,
            "country_name": g.country_name, "country_code": g.country_code, "postal": g.postal,
            "latitude": g.latitude, "longitude": g.longitude, "timezone": g.timezone, "org": g.org})
        }
        Ifconfig => json!({"ip": g.ip, "country": g.country_name, "country_iso": g.country_code,
            "region_name": g.region, "city": g.city, "latitude": g.latitude,
            "longitude": g.longitude, "time_zone": g.timezone, "asn_org": g.org}),
        IpGeolocation => json!({"ip": g.ip, "country_code2": g.country_code,
            "country_name": g.country_name, "state_prov": g.region, "city": g.city,
            "zipcode": g.postal, "latitude": g.latitude.to_string(),
            "longitude": g.longitude.to_string(), "isp": g.org, "organization": g.org,
            "time_zone": {"name": g.timezone}}),
        Freegeoip => {
            json!({"ip": g.ip, "country_code": g.country_code, "country_name": g.country_name,
            "region_name": g.region, "city": g.city, "zip_code": g.postal, "time_zone": g.timezone,
            "latitude": g.latitude, "longitude": g.longitude, "metro_code": 0})
        }
        Ipwho => json!({"ip": g.ip, "success": true, "type": "IPv4", "country": g.country_name,
            "country_code": g.country_code, "region": g.region, "city": g.city,
            "latitude": g.latitude, "longitude": g.longitude, "postal": g.postal,
            "connection": {"org": g.org, "isp": g.org}, "timezone": {"id": g.timezone}}),
        Ipwhois => json!({"ip": g.ip, "success": true, "type": "IPv4", "country": g.country_name,
            "country_code": g.country_code, "region": g.region, "city": g.city,
            "latitude": g.latitude, "longitude": g.longitude, "isp": g.org, "org": g.org,
            "timezone": g.timezone}),
        GeolocationDb => json!({"country_code": g.country_code, "country_name": g.country_name,
            "city": g.city, "postal": g.postal, "latitude": g.latitude, "longitude": g.longitude,
            "IPv4": g.ip, "state": g.region}),
        CountryIs => json!({"ip": g.ip, "country": g.country_code}),
        Geojs => json!({"ip": g.ip, "country": g.country_name, "country_code": g.country_code,
            "region": g.region, "city": g.city, "latitude": g.latitude.to_string(),
            "longitude": g.longitude.to_string(), "timezone": g.timezone,
            "organization_name": g.org}),
        GeojsCountry => json!({"ip": g.ip, "country": g.country_code, "name": g.country_name}),
        IpSb => json!({"ip": g.ip, "country": g.country_name, "country_code": g.country_code,
            "region": g.region, "city": g.city, "postal_code": g.postal, "latitude": g.latitude,
            "longitude": g.longitude, "timezone": g.timezone, "organization": g.org, "isp": g.org}),
        Myip => json!({"ip": g.ip, "country": g.country_name, "cc": g.country_code}),
        Ipstack => json!({"ip": g.ip, "type": "ipv4", "country_code": g.country_code,
            "country_name": g.country_name, "region_name": g.region, "city": g.city,
            "zip": g.postal, "latitude": g.latitude, "longitude": g.longitude,
            "time_zone": {"id": g.timezone}}),
        Ipdata => json!({"ip": g.ip, "city": g.city, "region": g.region,
            "country_name": g.country_name, "country_code": g.country_code, "postal": g.postal,
            "latitude": g.latitude, "longitude": g.longitude, "asn": {"name": g.org},
            "time_zone": {"name": g.timezone}}),
        ExtremeIp => json!({"status": "success", "query": g.ip, "country": g.country_name,
            "countryCode": g.country_code, "region": g.region, "city": g.city,
            "lat": g.latitude.to_string(), "lon": g.longitude.to_string(), "org": g.org}),
    };
    (JSON, v.to_string())
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::tests::geo;

    fn json_of(host: &str, target: &str) -> Value {
        let a = answer(host, target, &geo()).unwrap();
        serde_json::from_str(&a.body).unwrap()
    }

    fn text_of(host: &str, target: &str) -> String {
        answer(host, target, &geo())
            .unwrap()
            .body
            .trim()
            .to_string()
    }

    #[test]
    fn services_answer_in_their_shape() {
        assert_eq!(json_of("ipinfo.io", "/json")["country"], "CN");
        assert_eq!(json_of("IPINFO.IO", "/")["loc"], "31.2304,121.4737");
        assert_eq!(text_of("ipinfo.io", "/country"), "CN");
        assert_eq!(
            json_of("pro.ip-api.com", "/json/?fields=61439")["countryCode"],
            "CN"
        );
        assert_eq!(json_of("ip-api.com", "/json")["query"], "203.0.113.7");
        assert_eq!(json_of("ipapi.co", "/json/")["country_name"], "China");
        assert_eq!(text_of("ipapi.co", "/country/"), "CN");
        assert_eq!(text_of("ipapi.co", "/country_code/"), "CN");
        assert_eq!(json_of("ifconfig.co", "/json")["country_iso"], "CN");
        assert_eq!(text_of("ifconfig.co", "/country-iso"), "CN");
        assert_eq!(text_of("ifconfig.co", "/country"), "China");
        assert_eq!(
            json_of("api.ipgeolocation.io", "/ipgeo?apiKey=x")["time_zone"]["name"],
            "Asia/Shanghai"
        );
        assert_eq!(json_of("api.freegeoip.app", "/json/")["country_code"], "CN");
        assert_eq!(json_of("ipwho.is", "/")["country_code"], "CN");
        assert_eq!(json_of("ipwhois.app", "/json/")["country_code"], "CN");
        assert_eq!(
            json_of("geolocation-db.com", "/json/")["country_code"],
            "CN"
        );
        assert_eq!(json_of("api.country.is", "/")["country"], "CN");
        assert_eq!(
            json_of("get.geojs.io", "/v1/ip/geo.json")["country_code"],
            "CN"
        );
        assert_eq!(json_of("api.ip.sb", "/geoip")["country_code"], "CN");
        assert_eq!(json_of("api.myip.com", "/")["cc"], "CN");
        assert_eq!(json_of("api.ipapi.com", "/api/check")["country_code"], "CN");
        assert_eq!(json_of("ipapi.com", "/")["country_code"], "CN");
        assert_eq!(json_of("api.ipdata.co", "/")["country_code"], "CN");
        assert_eq!(
            json_of("extreme-ip-lookup.com", "/json/")["countryCode"],
            "CN"
        );
        assert_eq!(text_of("api.ipify.org", "/"), "203.0.113.7");
        assert_eq!(
            json_of("api.ipify.org", "/?format=json")["ip"],
            "203.0.113.7"
        );
        assert_eq!(text_of("checkip.amazonaws.com", "/"), "203.0.113.7");
        assert_eq!(
            answer("ipinfo.io", "/", &geo()).unwrap().label,
            "geoip ipinfo.io as CN"
        );
    }

    #[test]
    fn other_hosts_are_not_services() {
        assert!(answer("registry.npmjs.org", "/json", &geo()).is_none());
        assert!(answer("notipinfo.io", "/json", &geo()).is_none());
        assert!(answer("ipinfo.io.evil.com", "/json", &geo()).is_none());
    }
}
