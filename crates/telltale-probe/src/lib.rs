//! `telltale probe`: run a package as users in different countries and report what it does
//! differently.
//!
//! The package is installed (outside the sandbox, nothing run) into a project folder; then,
//! for each persona, a bubblewrap sandbox is built with fresh user, mount, PID, UTS, IPC and
//! network namespaces, a read-only view of the host, a private home full of honey values,
//! and only loopback. telltale's agent checks the isolation inside before anything runs,
//! binds the fake internet's sockets and hands them out; the supervisor serves DNS, TLS
//! (with a CA trusted inside) and HTTP on them, answering IP-geolocation APIs with the
//! persona's country. The install scripts and the program then run as an unprivileged
//! user in a nested user namespace. What they looked up, sent, read, wrote and printed is
//! compared between personas (see `compare`).
//!
//! Modules: `persona` (who), `prepare` (install, home, /etc), `sandbox` (bubblewrap and the
//! namespace calls), `isolation` (the check), `agent` (inside), `proto` (agent ⇄
//! supervisor), `supervise` (one persona's run), `watch` (inotify), `compare` (findings),
//! `render` (text).

pub mod agent;
pub mod compare;
pub mod html;
mod isolation;
pub mod persona;
pub mod prepare;
mod proto;
pub mod render;
pub mod sandbox;
pub mod supervise;
mod watch;

pub use agent::{agent_main, exec_main};
pub use compare::ProbeFinding;
pub use prepare::TargetSpec;
pub use proto::Limits;
pub use sandbox::SandboxError;
pub use supervise::{PersonaRun, StepRun};

use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// One command run inside the sandbox.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub argv: Vec<String>,
    /// Working folder relative to the project (`node_modules/NAME` for install scripts).
    pub cwd_in_project: Option<String>,
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    pub install_script: bool,
}

pub struct ProbeOptions {
    pub target: Option<TargetSpec>,
    /// After `--`: the bin's arguments, or a command when there is no bin or no target.
    pub command: Vec<String>,
    pub personas: Vec<String>,
    /// Wall-clock limit per step.
    pub timeout: Duration,
    pub registry: telltale_registry::Config,
    pub max_archive_bytes: u64,
    /// Terminate TLS with a CA trusted inside, so HTTPS requests are read.
    pub intercept_tls: bool,
    pub limits: Limits,
    /// The telltale binary to run inside as the agent (default: this executable).
    pub exe: Option<PathBuf>,
    /// Runs per persona. With more than one, a difference counts only when it held in every
    /// run, so timing races are not reported as region targeting.
    pub repeat: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error(transparent)]
    Prepare(#[from] prepare::PrepareError),
    #[error("{0}")]
    Usage(String),
}

/// The whole result: per persona what happened, and the findings.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    pub schema: &'static str,
    pub tool: Tool,
    pub target: String,
    pub package: Option<String>,
    pub version: Option<String>,
    /// Every package installed for the probe, the target first.
    pub installed: Vec<String>,
    /// Dependencies replaced by stand-in modules, and why.
    pub stand_ins: Vec<String>,
    pub sandbox: SandboxSummary,
    pub personas: Vec<PersonaRun>,
    pub findings: Vec<ProbeFinding>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct SandboxSummary {
    pub bubblewrap: String,
    pub namespaces: Vec<&'static str>,
    pub network: &'static str,
    pub tcp_ports: Vec<u16>,
    pub tls_interception: bool,
    pub program_uid: u32,
    pub limits: Limits,
    pub step_timeout_s: u64,
    pub runs_per_persona: usize,
}

impl ProbeReport {
    pub fn highest_severity(&self) -> Option<telltale_rules::Severity> {
        self.findings.iter().map(|f| f.finding.severity).max()
    }
}

/// Run the probe. Fails without running anything when the sandbox cannot be built or its
/// isolation check fails.
pub fn probe(opts: &ProbeOptions) -> Result<ProbeReport, ProbeError> {
    let bwrap = sandbox::find_bwrap()?;
    if let Some(why) = sandbox::namespaces_forbidden_by_kernel() {
        return Err(SandboxError::NamespacesForbidden(why).into());
    }
    let templates = persona::select(if opts.personas.is_empty() {
        &[]
    } else {
        &opts.personas
    })
    .map_err(ProbeError::Usage)?;
    let templates = if templates.is_empty() {
        persona::select(
            &persona::DEFAULT_PERSONAS
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        )
        .map_err(ProbeError::Usage)?
    } else {
        templates
    };
    if opts.target.is_none() && opts.command.is_empty() {
        return Err(ProbeError::Usage(
            "nothing to run: name a package, or a command after `--`".into(),
        ));
    }
    let exe = match &opts.exe {
        Some(e) => e.clone(),
        None => std::env::current_exe().map_err(|e| {
            ProbeError::Usage(format!("cannot find telltale's own executable: {e}"))
        })?,
    };
    let work = tempfile::Builder::new()
        .prefix("telltale-probe-")
        .tempdir()
        .map_err(|e| SandboxError::Start(format!("cannot make a temporary folder: {e}")))?;
    let client = telltale_registry::Client::new(opts.registry.clone());
    let project = prepare::install(
        work.path(),
        opts.target.as_ref(),
        &client,
        opts.max_archive_bytes,
    )?;
    let steps = plan_steps(&project, &opts.command, opts.timeout)?;
    let ca = if opts.intercept_tls {
        Some(Arc::new(telltale_fakenet::Ca::generate().map_err(|e| {
            SandboxError::Start(format!("cannot make the CA: {e}"))
        })?))
    } else {
        None
    };
    let seed = persona::run_seed();
    let mut runs = Vec::new();
    let mut warnings = Vec::new();
    if !project.stand_ins.is_empty() {
        warnings.push(format!("{} dependencies could not be installed and were replaced by stand-in modules; the program may stop earlier than it would for real", project.stand_ins.len()));
    }
    let personas: Vec<persona::Persona> = templates
        .iter()
        .map(|t| persona::Persona::new(t, seed))
        .collect();
    for (attempt, p) in (0..opts.repeat.max(1)).flat_map(|a| personas.iter().map(move |p| (a, p))) {
        let spec = supervise::RunSpec {
            bwrap: &bwrap,
            exe: &exe,
            project: &project.dir,
            package_dir: project.package.as_ref().map(|p| p.rel_dir.as_str()),
            steps: &steps,
            limits: opts.limits,
            ca: ca.clone(),
            work: work.path(),
        };
        runs.push(supervise::run_persona(p, attempt, &spec)?);
    }
    let package = project.package.as_ref().map(|p| p.name.clone());
    let findings = compare::findings(&runs, package.as_deref());
    let target = match &opts.target {
        Some(TargetSpec::Npm(s)) => format!("npm:{s}"),
        Some(TargetSpec::Path(p)) => p.display().to_string(),
        None => format!("-- {}", opts.command.join(" ")),
    };
    Ok(ProbeReport {
        schema: "telltale-probe/1",
        tool: Tool { name: "telltale", version: env!("CARGO_PKG_VERSION") },
        target,
        package,
        version: project.package.as_ref().map(|p| p.version.clone()),
        installed: project.installed.clone(),
        stand_ins: project.stand_ins.clone(),
        sandbox: SandboxSummary {
            bubblewrap: bwrap.display().to_string(),
            namespaces: vec!["user", "mount", "pid", "uts", "ipc", "net", "cgroup"],
            network: "loopback only; every name resolves to loopback; every address is routed to loopback",
            tcp_ports: supervise::TCP_PORTS.to_vec(),
            tls_interception: opts.intercept_tls,
            program_uid: supervise::PROGRAM_UID,
            limits: opts.limits,
            step_timeout_s: opts.timeout.as_secs(),
            runs_per_persona: opts.repeat.max(1),
        },
        personas: runs,
        findings,
        warnings,
    })
}

/// The install scripts npm runs for the package, then the program.
fn plan_steps(
    project: &prepare::Project,
    command: &[String],
    timeout: Duration,
) -> Result<Vec<Step>, ProbeError> {
    let mut steps = Vec::new();
    let Some(pkg) = &project.package else {
        steps.push(Step {
            name: "run".into(),
            argv: command.to_vec(),
            cwd_in_project: None,
            env: vec![],
            timeout,
            install_script: false,
        });
        return Ok(steps);
    };
    let scripts = pkg.manifest.get("scripts").and_then(Value::as_object);
    for event in ["preinstall", "install", "postinstall"] {
        let Some(script) = scripts.and_then(|s| s.get(event)).and_then(Value::as_str) else {
            continue;
        };
        let env = vec![
            ("npm_lifecycle_event".to_string(), event.to_string()),
            ("npm_lifecycle_script".to_string(), script.to_string()),
            ("npm_package_name".to_string(), pkg.name.clone()),
            ("npm_package_version".to_string(), pkg.version.clone()),
            ("npm_package_json".to_string(), "package.json".to_string()),
            (
                "npm_config_user_agent".to_string(),
                "npm/10.8.2 node/v20.19.0 linux x64 workspaces/false".to_string(),
            ),
            ("npm_node_execpath".to_string(), "/usr/bin/node".to_string()),
            ("npm_config_global".to_string(), "false".to_string()),
            ("INIT_CWD".to_string(), String::new()),
        ];
        steps.push(Step {
            name: event.into(),
            argv: vec!["sh".into(), "-c".into(), script.into()],
            cwd_in_project: Some(pkg.rel_dir.clone()),
            env,
            timeout,
            install_script: true,
        });
    }
    let bins = prepare::bins(&pkg.manifest);
    let short = pkg.name.rsplit('/').next().unwrap_or(&pkg.name);
    let bin = bins.iter().find(|(c, _)| c == short).or(bins.first());
    let argv = match bin {
        Some((cmd, _)) => {
            let mut v = vec![format!("node_modules/.bin/{cmd}")];
            v.extend(command.iter().cloned());
            v
        }
        None if !command.is_empty() => command.to_vec(),
        // Load it as a program that depends on it would: require(), or import() for ES modules.
        None => {
            let name = serde_json::to_string(&pkg.name).unwrap_or_default();
            let js = format!("try {{ require({name}); }} catch (e) {{ if (e && ['ERR_REQUIRE_ESM', 'MODULE_NOT_FOUND', 'ERR_PACKAGE_PATH_NOT_EXPORTED'].includes(e.code)) {{ import({name}).catch((x) => {{ console.error(x); process.exitCode = 1; }}); }} else {{ throw e; }} }}");
            vec!["node".into(), "-e".into(), js]
        }
    };
    steps.push(Step {
        name: "run".into(),
        argv,
        cwd_in_project: None,
        env: vec![],
        timeout,
        install_script: false,
    });
    Ok(steps)
}
