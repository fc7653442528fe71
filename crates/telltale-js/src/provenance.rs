//! Provenance of region values: whether a compared value *is* region data (the time zone, a
//! locale, an IP-geolocation answer, the page's host) or a projection of it
//! (`navigator.language.split("-")[0].toLowerCase()`), rather than something merely computed
//! with it somewhere (a string translated into the user's language, a line of text that
//! passed through a function that also received the locale).
//!
//! The taint fixpoint answers the second question — what data a value may carry, which is
//! what matters for a send — and over-approximates it on purpose. A region finding needs the
//! first: a status `"in_progress"` compared as Indonesian, or a theme id `"oc-2"` as Occitan,
//! is a false accusation. This pass is demand-driven: it runs only for comparisons whose
//! constants name a country, walking back along the data edges from the compared value to a
//! region source through value-preserving steps only (assignments, parameters and returns,
//! field-sensitive properties, `||`/`?:` branches, string projections, the response of an
//! IP-geolocation request and its fields). Each answer keeps its steps, source first.

use crate::resolve::Val;
use crate::{fspan, last_name, Analyzer, EdgeSrc, Node};
use oxc_ast::ast::*;
use oxc_span::GetSpan;
use rustc_hash::FxHashMap as HashMap;
use std::cell::{OnceCell, RefCell};
use telltale_facts::{DataKind, Kinds, Step, THIS_VARIANT};
use telltale_knowledge::geo::{
    is_country_header, is_geo_cookie, is_variant_word, names_a_country, names_build_region,
};
use telltale_knowledge::js_api::js_api;

/// An options object that asks for the time zone's name (`{ timeZoneName: "long" }`).
fn names_zone_name(e: Option<&Expression<'_>>) -> bool {
    let Some(Expression::ObjectExpression(o)) = e.map(|e| e.without_parentheses()) else {
        return false;
    };
    o.properties.iter().any(|p| matches!(p, ObjectPropertyKind::ObjectProperty(p) if p.key.static_name().is_some_and(|k| k == "timeZoneName")))
}

/// Methods whose result is (part of) their receiver's text or value.
const PROJECTIONS: &[&str] = &[
    "toLowerCase",
    "toUpperCase",
    "toLocaleLowerCase",
    "toLocaleUpperCase",
    "trim",
    "trimStart",
    "trimEnd",
    "trimLeft",
    "trimRight",
    "split",
    "slice",
    "substring",
    "substr",
    "replace",
    "replaceAll",
    "normalize",
    "at",
    "charAt",
    "toString",
    "valueOf",
    "json",
    "text",
    "padEnd",
    "padStart",
    "maximize",
    "minimize",
    "find",
    "filter",
    "concat",
    "flat",
];

/// Functions whose result is their first argument's value in another form.
const CONVERSIONS: &[&str] = &[
    "String",
    "JSON.parse",
    "decodeURIComponent",
    "decodeURI",
    "unescape",
    "Intl.getCanonicalLocales",
    "Intl.Locale",
    "Array.from",
    "Object.values",
];

/// How deep the walk goes (values through values).
const MAX_DEPTH: u32 = 48;

/// A region value's kinds and how it gets to the value asked about, source first.
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    pub kinds: Kinds,
    pub steps: Vec<Step>,
}

/// The edges that write each value, built on the first question.
#[derive(Default)]
pub(crate) struct Provenance {
    writers: OnceCell<HashMap<usize, Vec<u32>>>,
    /// Answers by value; `None` while a value is being asked about (a cycle is no answer).
    memo: RefCell<HashMap<usize, Option<Origin>>>,
}

impl<'a> Analyzer<'a> {
    pub(crate) fn writers(&self) -> &HashMap<usize, Vec<u32>> {
        self.provenance.writers.get_or_init(|| {
            let mut by: HashMap<usize, Vec<u32>> = HashMap::default();
            for (i, e) in self.edges.iter().enumerate() {
                by.entry(self.node_index(e.target))
                    .or_default()
                    .push(i as u32);
            }
            by
        })
    }

    /// The expressions written to a symbol (its initialiser and assignments).
    pub(crate) fn written_exprs(&self, sym: oxc_semantic::SymbolId) -> Vec<&'a Expression<'a>> {
        let Some(writers) = self.writers().get(&self.node_index(Node::Sym(sym))) else {
            return vec![];
        };
        writers
            .iter()
            .take(16)
            .filter_map(|&i| match &self.edges[i as usize].src {
                EdgeSrc::Expr(x) => Some(*x),
                _ => None,
            })
            .collect()
    }

    /// Whether `e` is region data or a projection of it, and how.
    pub(crate) fn region_value(&self, e: &'a Expression<'a>) -> Option<Origin> {
        self.exact(e, 0)
    }

    /// A value that only its name says is the user's country (`countryCode`,
    /// `normalizedCountryCode`, `options.law.countryCode`, `cc.toUpperCase()` of one), when
    /// [`Self::region_value`] traced no source to it: a hint, reported at most as info.
    pub(crate) fn named_country(&self, e: &'a Expression<'a>) -> Option<Origin> {
        let e = e.without_parentheses();
        if let Expression::CallExpression(c) = e {
            let m = c.callee.without_parentheses().as_member_expression()?;
            return match m.static_property_name()? {
                "toUpperCase" | "toLowerCase" | "toLocaleUpperCase" | "trim" => {
                    self.named_country(m.object())
                }
                _ => None,
            };
        }
        if !names_a_country(last_name(e)?) || !self.from_a_parameter(e, 0) {
            return None;
        }
        let path = self.snippet(e.span());
        Some(Origin {
            kinds: Kinds::of(DataKind::NamedCountry),
            steps: vec![Step {
                span: fspan(e.span()),
                what: format!(
                    "reads {path} (named for the country; no region source was traced to it)"
                ),
            }],
        })
    }

    /// Whether a value is a parameter, a field of one or a projection of either: a value a
    /// caller gives, where a name is all there is to go on. (A field of a local object, a
    /// form's `country`, has a source of its own.)
    fn from_a_parameter(&self, e: &'a Expression<'a>, depth: u32) -> bool {
        if depth > 6 {
            return false;
        }
        match e.without_parentheses() {
            Expression::Identifier(id) => {
                let Some(sym) = self.symbol_of(id) else {
                    return false;
                };
                if self.params.contains(&Some(sym)) {
                    return true;
                }
                match self.inits.get(&sym) {
                    Some(crate::Init::Expr(x)) => self.from_a_parameter(x, depth + 1),
                    _ => false,
                }
            }
            Expression::StaticMemberExpression(m) => self.from_a_parameter(&m.object, depth + 1),
            Expression::ComputedMemberExpression(m) => self.from_a_parameter(&m.object, depth + 1),
            Expression::ChainExpression(c) => match &c.expression {
                ChainElement::StaticMemberExpression(m) => {
                    self.from_a_parameter(&m.object, depth + 1)
                }
                ChainElement::CallExpression(c) => match c.callee.as_member_expression() {
                    Some(m) => self.from_a_parameter(m.object(), depth + 1),
                    None => false,
                },
                _ => false,
            },
            Expression::CallExpression(c) => match c.callee.without_parentheses() {
                Expression::StaticMemberExpression(m) => {
                    self.from_a_parameter(&m.object, depth + 1)
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// A constant the build fixed, compared as a region: `REGION === "cn"` where
    /// `const REGION = "global"`, or the bundler's inlined `"global" === "cn"`. Which variant
    /// this build is, is said in the step; `constants` are what it is compared with.
    pub(crate) fn build_variant(
        &self,
        e: &'a Expression<'a>,
        constants: &[String],
    ) -> Option<Origin> {
        let e = e.without_parentheses();
        let Val::Str(value) = self.value_of(e)?.val else {
            return None;
        };
        if value.len() > 32 {
            return None;
        }
        let named = match e {
            Expression::StringLiteral(_) if is_variant_word(&value) => format!("{value:?}"),
            Expression::StringLiteral(_) => return None,
            _ => {
                if !names_build_region(last_name(e)?)
                    || self
                        .path_of(e)
                        .is_some_and(|p| p.starts_with("process.env."))
                {
                    return None;
                }
                format!("{} = {value:?}", self.snippet(e.span()))
            }
        };
        let this_one = constants.iter().any(|c| c.eq_ignore_ascii_case(&value));
        Some(Origin {
            kinds: Kinds::of(DataKind::BuildVariant),
            steps: vec![Step {
                span: fspan(e.span()),
                what: format!(
                    "reads {named}, fixed when the package was built: {}",
                    if this_one {
                        THIS_VARIANT
                    } else {
                        "this build is another variant"
                    }
                ),
            }],
        })
    }

    /// The same for a value of the file (a function's return, a symbol).
    pub(crate) fn region_node(&self, n: Node) -> Option<Origin> {
        self.exact_node(n, 0)
    }

    fn exact(&self, e: &'a Expression<'a>, depth: u32) -> Option<Origin> {
        if depth > MAX_DEPTH {
            return None;
        }
        let d = depth + 1;
        let step = |mut o: Origin, at: oxc_span::Span| {
            o.steps.push(Step {
                span: fspan(at),
                what: self.snippet(at),
            });
            o
        };
        match e {
            Expression::Identifier(id) => {
                self.exact_name(self.symbol_of(id), id.name.as_str(), id.span, d)
            }
            Expression::ParenthesizedExpression(p) => self.exact(&p.expression, d),
            Expression::TSAsExpression(t) => self.exact(&t.expression, d),
            Expression::TSNonNullExpression(t) => self.exact(&t.expression, d),
            Expression::TSSatisfiesExpression(t) => self.exact(&t.expression, d),
            Expression::AwaitExpression(a) => self.exact(&a.argument, d),
            Expression::AssignmentExpression(a) => self.exact(&a.right, d),
            Expression::SequenceExpression(s) => {
                s.expressions.last().and_then(|x| self.exact(x, d))
            }
            Expression::ConditionalExpression(c) => self
                .exact(&c.consequent, d)
                .or_else(|| self.exact(&c.alternate, d)),
            Expression::LogicalExpression(l) => {
                self.exact(&l.left, d).or_else(|| self.exact(&l.right, d))
            }
            Expression::TemplateLiteral(t)
                if t.expressions.len() == 1 && t.quasis.iter().all(|q| q.value.raw.is_empty()) =>
            {
                self.exact(&t.expressions[0], d)
            }
            Expression::StaticMemberExpression(_)
            | Expression::ComputedMemberExpression(_)
            | Expression::ChainExpression(_) => self.exact_member(e, d).map(|o| step(o, e.span())),
            Expression::CallExpression(c) => self
                .exact_call(e, &c.callee, &c.arguments, d)
                .map(|o| step(o, e.span())),
            Expression::NewExpression(n) => self
                .exact_call(e, &n.callee, &n.arguments, d)
                .map(|o| step(o, e.span())),
            _ => None,
        }
    }

    /// A source by its path, or a value of the file.
    fn exact_name(
        &self,
        sym: Option<oxc_semantic::SymbolId>,
        name: &str,
        span: oxc_span::Span,
        depth: u32,
    ) -> Option<Origin> {
        if let Some(p) = self.name_path(sym, name, 0) {
            if let Some(o) = self.exact_path(&p, span) {
                return Some(o);
            }
        }
        let sym = sym?;
        // A whole object with literal-key fields is not one value: its fields are asked
        // about where they are read (`o.k`).
        if self.fields.whole(sym).is_some() {
            return None;
        }
        self.exact_node(Node::Sym(sym), depth).map(|mut o| {
            o.steps.push(Step {
                span: fspan(span),
                what: name.to_string(),
            });
            o
        })
    }

    /// A path that reads region data (`navigator.language`), or a package-local module's
    /// export that is region data (`./lang.getLanguage()`).
    fn exact_path(&self, path: &str, span: oxc_span::Span) -> Option<Origin> {
        if let Some(var) = path
            .strip_prefix("process.env.")
            .filter(|v| telltale_knowledge::geo::names_region_setting(v))
        {
            return Some(Origin {
                kinds: Kinds::of(DataKind::RegionSetting),
                steps: vec![Step {
                    span: fspan(span),
                    what: format!("reads ${var} (a setting named for the user's region)"),
                }],
            });
        }
        if let Some(k) = js_api().source(path).filter(|k| k.is_region()) {
            return Some(Origin {
                kinds: Kinds::of(k),
                steps: vec![Step {
                    span: fspan(span),
                    what: format!("reads {path}"),
                }],
            });
        }
        let links = self.links.as_ref()?;
        let (_, kinds, origin) = links.region_values.iter().find(|(p, ..)| p == path)?;
        Some(Origin {
            kinds: kinds.region(),
            steps: vec![Step {
                span: fspan(span),
                what: format!("reads {origin}"),
            }],
        })
    }

    /// `o.k`: a source path, a field-sensitive property, or a projection of a region value
    /// (`answer.country`, `parts[0]`; not `.length`).
    fn exact_member(&self, e: &'a Expression<'a>, depth: u32) -> Option<Origin> {
        if let Some(p) = self.path_of(e) {
            if let Some(o) = self.exact_path(&p, e.span()) {
                return Some(o);
            }
        }
        let member = match e {
            Expression::ChainExpression(c) => c.expression.as_member_expression(),
            other => other.as_member_expression(),
        }?;
        let (object, key) = match member {
            MemberExpression::StaticMemberExpression(s) => {
                (&s.object, Some(s.property.name.as_str()))
            }
            MemberExpression::ComputedMemberExpression(c) => match &c.expression {
                Expression::StringLiteral(k) => (&c.object, Some(k.value.as_str())),
                _ => (&c.object, None),
            },
            MemberExpression::PrivateFieldExpression(_) => return None,
        };
        if matches!(key, Some("length" | "size")) {
            return None;
        }
        if let Some(h) = key.filter(|k| is_country_header(k)) {
            return Some(Self::edge_header(h, e.span()));
        }
        // `req.cookies.country`: a cookie a geolocation service or edge set.
        if let Some(c) = key.filter(|k| is_geo_cookie(k)) {
            if self.is_cookie_jar(object) {
                return Some(Self::geo_cookie(c, e.span()));
            }
        }
        // `zoneToCountry[tz]`: the country a constant table gives the zone (or locale).
        if let MemberExpression::ComputedMemberExpression(c) = member {
            if key.is_none() {
                if let Some(o) = self.table_lookup(object, &c.expression, depth) {
                    return Some(o);
                }
            }
        }
        if let (Expression::Identifier(id), Some(key)) = (object.without_parentheses(), key) {
            if let Some(sym) = self.symbol_of(id) {
                if self.fields.whole(sym).is_some() {
                    return self
                        .fields
                        .get(sym, key)
                        .and_then(|f| self.exact_node(Node::Field(f), depth));
                }
            }
        }
        self.exact(object, depth)
    }

    /// A call: a source, the response of an IP-geolocation request, the file's own function
    /// returning region data, a projection or a conversion of a region value.
    fn exact_call(
        &self,
        whole: &'a Expression<'a>,
        callee: &'a Expression<'a>,
        args: &'a [Argument<'a>],
        depth: u32,
    ) -> Option<Origin> {
        let callee_path = self.path_of(callee);
        if let Some(c) = callee_path.as_deref().filter(|c| !c.is_empty()) {
            if let Some(o) = self.exact_path(&crate::resolve::called(c), whole.span()) {
                return Some(o);
            }
            if js_api().sink(c).is_some() {
                let k = crate::taint::response_kinds(self, args);
                return k.contains(DataKind::GeoIpAnswer).then(|| Origin {
                    kinds: Kinds::of(DataKind::GeoIpAnswer),
                    steps: vec![Step {
                        span: fspan(whole.span()),
                        what: format!("asks {c} where the user is"),
                    }],
                });
            }
            let first = || args.first().and_then(|a| a.as_expression());
            if CONVERSIONS.contains(&c) {
                return first().and_then(|a| self.exact(a, depth));
            }
        }
        if let Some(o) = self.reads_region(whole, callee_path.as_deref(), callee, args) {
            return Some(o);
        }
        if let Some(f) = self.callee_function(callee) {
            return self.exact_node(Node::Ret(f), depth);
        }
        let member = callee.without_parentheses().as_member_expression()?;
        let name = member.static_property_name()?;
        if PROJECTIONS.contains(&name) {
            return self.exact(member.object(), depth);
        }
        // `zoneCountries.get(tz)` on a constant `Map`.
        if name == "get" {
            let key = args.first().and_then(|a| a.as_expression())?;
            return self.table_lookup(member.object(), key, depth);
        }
        None
    }

    /// A constant table (an object or `Map` literal) looked up with region data: what it
    /// gives is where the user is, in the table's words (`{"Europe/Moscow": "RU"}[tz]`).
    fn table_lookup(
        &self,
        table: &'a Expression<'a>,
        key: &'a Expression<'a>,
        depth: u32,
    ) -> Option<Origin> {
        let literal = self.literal_member(table, 0)?;
        let is_table = match literal.without_parentheses() {
            Expression::ObjectExpression(o) => !o.properties.is_empty(),
            Expression::NewExpression(n) => self.path_of(&n.callee).as_deref() == Some("Map"),
            _ => false,
        };
        if !is_table {
            return None;
        }
        let mut o = self.exact(key, depth)?;
        o.steps.push(Step {
            span: fspan(table.span()),
            what: format!("looks it up in the table {}", self.snippet(table.span())),
        });
        Some(o)
    }

    /// Whether an object is a cookie jar: its path or call names cookies (`req.cookies`,
    /// `Cookies`, `cookies()`, `this.cookieService`).
    fn is_cookie_jar(&self, object: &'a Expression<'a>) -> bool {
        let object = match object.without_parentheses() {
            Expression::CallExpression(c) => &c.callee,
            other => other,
        };
        let name = match object.without_parentheses() {
            Expression::Identifier(id) => Some(id.name.to_string()),
            Expression::StaticMemberExpression(m) => Some(m.property.name.to_string()),
            _ => None,
        }
        .or_else(|| self.path_of(object).map(|p| p.to_string()));
        name.is_some_and(|n| n.to_ascii_lowercase().contains("cookie"))
    }

    fn geo_cookie(name: &str, at: oxc_span::Span) -> Origin {
        Origin {
            kinds: Kinds::of(DataKind::GeoIpAnswer),
            steps: vec![Step {
                span: fspan(at),
                what: format!(
                    "reads the `{name}` cookie (the country a geolocation service or edge set)"
                ),
            }],
        }
    }

    fn edge_header(name: &str, at: oxc_span::Span) -> Origin {
        Origin {
            kinds: Kinds::of(DataKind::GeoIpAnswer),
            steps: vec![Step {
                span: fspan(at),
                what: format!(
                    "reads the {} request header (the country a CDN or edge saw)",
                    name.to_ascii_lowercase()
                ),
            }],
        }
    }

    /// Calls that read where the user is by other means than an API path: a country header of
    /// the request (`req.get("cf-ipcountry")`), the zone's display name (`toLocaleString("en",
    /// { timeZoneName: "long" })`), `/etc/timezone` and the `/etc/localtime` link, the Windows
    /// registry's international settings (`reg query "HKCU\Control Panel\International"`).
    fn reads_region(
        &self,
        whole: &'a Expression<'a>,
        path: Option<&str>,
        callee: &'a Expression<'a>,
        args: &'a [Argument<'a>],
    ) -> Option<Origin> {
        let first_str = || match args
            .first()
            .and_then(|a| a.as_expression())
            .and_then(|a| self.value_of(a))
            .map(|v| v.val)
        {
            Some(Val::Str(s)) => Some(s),
            _ => None,
        };
        let origin = |kind: DataKind, what: String| {
            Some(Origin {
                kinds: Kinds::of(kind),
                steps: vec![Step {
                    span: fspan(whole.span()),
                    what,
                }],
            })
        };
        if let Some(p) = path.filter(|p| !p.is_empty()) {
            let method = p.rsplit('.').next().unwrap_or(p);
            if matches!(
                method,
                "readFileSync"
                    | "readFile"
                    | "readlinkSync"
                    | "readlink"
                    | "realpathSync"
                    | "realpath"
                    | "readTextFile"
                    | "readTextFileSync"
            ) {
                if let Some(file) = first_str().filter(|f| {
                    matches!(
                        f.as_str(),
                        "/etc/timezone"
                            | "/etc/localtime"
                            | "/etc/default/locale"
                            | "/etc/locale.conf"
                    )
                }) {
                    let kind = if file.contains("locale") && !file.ends_with("localtime") {
                        DataKind::Locale
                    } else {
                        DataKind::TimeZone
                    };
                    return origin(kind, format!("reads {file}"));
                }
            }
            if js_api().is_exec(p) {
                let cmd = first_str()?;
                let lower = cmd.to_ascii_lowercase();
                if lower.contains("control panel\\international")
                    || lower.contains("geoid")
                    || lower.contains("get-winhomelocation")
                    || lower.contains("get-culture")
                {
                    return origin(
                        DataKind::Locale,
                        format!(
                            "runs `{}` (the Windows region settings)",
                            cmd.chars().take(80).collect::<String>()
                        ),
                    );
                }
                if lower.contains("tzutil")
                    || lower.contains("get-timezone")
                    || lower.contains("timedatectl")
                    || lower.contains("systemsetup -gettimezone")
                {
                    return origin(
                        DataKind::TimeZone,
                        format!("runs `{}`", cmd.chars().take(80).collect::<String>()),
                    );
                }
            }
        }
        let member = callee.without_parentheses().as_member_expression()?;
        let name = member.static_property_name()?;
        match name {
            "get" | "header" | "getHeader" | "get_header" | "headers" | "getCookie" => {
                let arg = first_str()?;
                if is_country_header(&arg) && arg != "country" {
                    return Some(Self::edge_header(&arg, whole.span()));
                }
                // `Cookies.get("country")`, `cookies().get("geo")`, `this.getCookie("country")`.
                let jar = name == "getCookie" || self.is_cookie_jar(member.object());
                (is_geo_cookie(&arg) && jar).then(|| Self::geo_cookie(&arg, whole.span()))
            }
            "toLocaleString" | "toLocaleTimeString" | "toLocaleDateString"
                if args.iter().any(|a| names_zone_name(a.as_expression())) =>
            {
                origin(
                    DataKind::TimeZone,
                    "formats the date with the time zone's name".to_string(),
                )
            }
            "format" | "formatToParts" => {
                let (ctor, ctor_args) = match member.object().without_parentheses() {
                    Expression::NewExpression(n) => (&n.callee, &n.arguments),
                    Expression::CallExpression(c) => (&c.callee, &c.arguments),
                    _ => return None,
                };
                let is_dtf = self
                    .path_of(ctor)
                    .is_some_and(|p| &*p == "Intl.DateTimeFormat");
                (is_dtf && ctor_args.iter().any(|a| names_zone_name(a.as_expression()))).then(
                    || Origin {
                        kinds: Kinds::of(DataKind::TimeZone),
                        steps: vec![Step {
                            span: fspan(whole.span()),
                            what: "formats the date with the time zone's name".to_string(),
                        }],
                    },
                )
            }
            _ => None,
        }
    }

    /// A value of the file: exact when an edge that writes it carries a region value.
    fn exact_node(&self, n: Node, depth: u32) -> Option<Origin> {
        let idx = self.node_index(n);
        if let Some(known) = self.provenance.memo.borrow().get(&idx) {
            return known.clone();
        }
        self.provenance.memo.borrow_mut().insert(idx, None);
        let mut found = None;
        if let Some(writers) = self.writers().get(&idx) {
            for &i in writers.iter().take(64) {
                let edge = &self.edges[i as usize];
                let o = match &edge.src {
                    EdgeSrc::Expr(x) => self.exact(x, depth + 1),
                    EdgeSrc::Name(sym, name) => self.exact_name(*sym, name, edge.span, depth + 1),
                    EdgeSrc::Member(sym, name, key) => {
                        match self.fields.whole(*sym).and(self.fields.get(*sym, key)) {
                            Some(f) => self.exact_node(Node::Field(f), depth + 1),
                            None => self.exact_name(Some(*sym), name, edge.span, depth + 1),
                        }
                    }
                    // Region data callers in other files pass; a response delivered to a
                    // callback is an IP-geolocation answer when the service is one.
                    EdgeSrc::Region(k, api) => Some(Origin {
                        kinds: k.region(),
                        steps: vec![Step {
                            span: fspan(edge.span),
                            what: format!("reads {api}"),
                        }],
                    }),
                    EdgeSrc::Kinds(k, api) if k.contains(DataKind::GeoIpAnswer) => Some(Origin {
                        kinds: Kinds::of(DataKind::GeoIpAnswer),
                        steps: vec![Step {
                            span: fspan(edge.span),
                            what: format!("reads the {api} of an IP-geolocation service"),
                        }],
                    }),
                    EdgeSrc::Kinds(..) => None,
                    // A property into its whole object: an object is not one value.
                    EdgeSrc::Node(_) => None,
                };
                if o.is_some() {
                    found = o;
                    break;
                }
            }
        }
        self.provenance.memo.borrow_mut().insert(idx, found.clone());
        found
    }
}
