//! The supervisor and the agent inside the sandbox talk over a `SOCK_SEQPACKET` pair: one
//! JSON message per packet, so message boundaries survive, and the listening sockets the
//! agent binds inside the sandbox's network namespace travel to the supervisor as
//! `SCM_RIGHTS`. The supervisor then serves the fake internet from outside the sandbox,
//! where the probed program cannot reach it.

use nix::sys::socket::{
    recvmsg, sendmsg, socketpair, AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags,
    SockFlag, SockType,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// The largest packet either side sends (output is sent in chunks below it).
pub const MAX_PACKET: usize = 64 * 1024;
const MAX_FDS: usize = 128;

/// What the agent is told to do; written by the supervisor into the sandbox as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgentConfig {
    pub hostname: String,
    pub user: String,
    pub home: String,
    /// uid the probed program runs as, in a user namespace nested in the agent's.
    pub uid: u32,
    /// Host paths that must not be writable from inside (the isolation check tries each).
    pub must_not_write: Vec<String>,
    /// TCP ports served by the fake internet (53 is also served over UDP).
    pub tcp_ports: Vec<u16>,
    /// The agent binary inside the sandbox, to run as the exec helper.
    pub self_exe: String,
    pub steps: Vec<StepSpec>,
    pub limits: Limits,
}

/// One command: an install script or the program itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepSpec {
    pub name: String,
    pub argv: Vec<String>,
    pub cwd: String,
    pub env: Vec<(String, String)>,
    pub timeout_ms: u64,
}

/// Limits on the probed program, per process (rlimits) and per step (wall time).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Limits {
    /// RLIMIT_DATA: heap and other private writable memory.
    pub memory_bytes: u64,
    /// RLIMIT_NPROC inside the sandbox's user namespace.
    pub processes: u64,
    /// RLIMIT_FSIZE: largest file it may write.
    pub file_bytes: u64,
    pub open_files: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 4 << 30,
            processes: 256,
            file_bytes: 512 << 20,
            open_files: 4096,
        }
    }
}

/// One isolation property, checked inside the sandbox before anything untrusted runs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

/// A socket the agent bound inside the sandbox (its fd travels with the message).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct SocketInfo {
    pub udp: bool,
    pub port: u16,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "msg", rename_all = "snake_case")]
pub enum AgentMsg {
    Isolation {
        checks: Vec<Check>,
    },
    Sockets {
        sockets: Vec<SocketInfo>,
        warnings: Vec<String>,
    },
    StepStart {
        step: usize,
        t_ms: u64,
    },
    Output {
        step: usize,
        stderr: bool,
        text: String,
    },
    StepEnd {
        step: usize,
        exit_code: Option<i32>,
        signal: Option<i32>,
        timed_out: bool,
        ms: u64,
        error: Option<String>,
    },
    Done {
        stragglers_killed: usize,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "msg", rename_all = "snake_case")]
pub enum SupervisorMsg {
    Go,
    Abort,
}

/// A connected pair; the second end is for the agent.
pub fn pair() -> nix::Result<(OwnedFd, OwnedFd)> {
    socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
}

/// Send one message, with file descriptors attached when `fds` is not empty.
pub fn send<T: Serialize>(fd: RawFd, msg: &T, fds: &[RawFd]) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(msg).map_err(std::io::Error::other)?;
    let iov = [IoSlice::new(&bytes)];
    let rights = [ControlMessage::ScmRights(fds)];
    let cmsgs: &[ControlMessage] = if fds.is_empty() { &[] } else { &rights };
    sendmsg::<()>(fd, &iov, cmsgs, MsgFlags::MSG_NOSIGNAL, None).map_err(std::io::Error::from)?;
    Ok(())
}

/// Receive one message and any descriptors that came with it. `Ok(None)` at end of stream.
pub fn recv<T: DeserializeOwned>(fd: RawFd) -> std::io::Result<Option<(T, Vec<OwnedFd>)>> {
    let mut buf = vec![0u8; MAX_PACKET];
    let mut cmsg = nix::cmsg_space!([RawFd; MAX_FDS]);
    let (len, fds) = {
        let mut iov = [IoSliceMut::new(&mut buf)];
        let msg = recvmsg::<()>(fd, &mut iov, Some(&mut cmsg), MsgFlags::MSG_CMSG_CLOEXEC)
            .map_err(std::io::Error::from)?;
        let mut fds = Vec::new();
        for c in msg.cmsgs().map_err(std::io::Error::from)? {
            if let ControlMessageOwned::ScmRights(raw) = c {
                // SAFETY: the kernel just installed these descriptors in this process for us;
                // nothing else owns them.
                fds.extend(raw.into_iter().map(|r| unsafe { OwnedFd::from_raw_fd(r) }));
            }
        }
        (msg.bytes, fds)
    };
    if len == 0 {
        return Ok(None);
    }
    let msg = serde_json::from_slice(&buf[..len])
        .map_err(|e| std::io::Error::other(format!("bad message from the sandbox: {e}")))?;
    Ok(Some((msg, fds)))
}

/// Send on an owned end.
pub fn send_on<T: Serialize>(fd: &OwnedFd, msg: &T) -> std::io::Result<()> {
    send(fd.as_raw_fd(), msg, &[])
}
