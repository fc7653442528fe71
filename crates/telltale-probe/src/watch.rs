//! Watching the persona's files from outside the sandbox with inotify: which honey files
//! the probed program opens (`~/.ssh/id_rsa`, `~/.npmrc`, the machine id, …) and what it
//! creates, writes, moves or deletes. inotify follows inodes, so events caused inside the
//! sandbox's mount namespace arrive here; the program cannot see or stop the watch.

use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Cap on recorded events per run: a wiper touching a million files is told in a count.
const MAX_EVENTS: usize = 20_000;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileEvent {
    pub t_ms: u64,
    /// `open`, `create`, `write`, `delete`, `move-out`, `move-in`.
    pub action: &'static str,
    /// The path as the program sees it (inside the sandbox).
    pub path: String,
}

pub struct Watcher {
    stop: Arc<AtomicBool>,
    events: Arc<Mutex<Vec<FileEvent>>>,
    dropped: Arc<Mutex<usize>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watcher {
    /// Watch every directory under each `(host path, path inside)` root, recursively, and the
    /// single files given.
    pub fn start(
        roots: &[(PathBuf, String)],
        files: &[(PathBuf, String)],
        started: Instant,
    ) -> std::io::Result<Watcher> {
        let mut ino = Inotify::init()?;
        let mut dirs: HashMap<WatchDescriptor, String> = HashMap::new();
        let mask = WatchMask::OPEN
            | WatchMask::CREATE
            | WatchMask::MODIFY
            | WatchMask::DELETE
            | WatchMask::MOVED_FROM
            | WatchMask::MOVED_TO
            | WatchMask::CLOSE_WRITE;
        let mut files_by_wd: HashMap<WatchDescriptor, String> = HashMap::new();
        for (host, inside) in roots {
            add_tree(&mut ino, host, inside, mask, &mut dirs);
        }
        for (host, inside) in files {
            if let Ok(wd) = ino.watches().add(host, WatchMask::OPEN | WatchMask::MODIFY) {
                files_by_wd.insert(wd, inside.clone());
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let events = Arc::new(Mutex::new(Vec::new()));
        let dropped = Arc::new(Mutex::new(0usize));
        let (s, e, d) = (Arc::clone(&stop), Arc::clone(&events), Arc::clone(&dropped));
        let host_of: HashMap<String, PathBuf> =
            roots.iter().map(|(h, i)| (i.clone(), h.clone())).collect();
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            let mut last_write: HashMap<String, u64> = HashMap::new();
            loop {
                let done = s.load(Ordering::Relaxed);
                let mut new_dirs = Vec::new();
                match ino.read_events(&mut buf) {
                    Ok(batch) => {
                        let t_ms = started.elapsed().as_millis() as u64;
                        let mut out = e.lock().unwrap_or_else(|p| p.into_inner());
                        for ev in batch {
                            let base = if let Some(dir) = dirs.get(&ev.wd) {
                                match ev.name {
                                    Some(n) => format!("{dir}/{}", n.to_string_lossy()),
                                    None => dir.clone(),
                                }
                            } else if let Some(f) = files_by_wd.get(&ev.wd) {
                                f.clone()
                            } else {
                                continue;
                            };
                            let is_dir = ev.mask.contains(EventMask::ISDIR);
                            if is_dir && ev.mask.intersects(EventMask::CREATE | EventMask::MOVED_TO)
                            {
                                new_dirs.push(base.clone());
                            }
                            let action = if ev.mask.contains(EventMask::OPEN) {
                                if is_dir {
                                    continue;
                                }
                                "open"
                            } else if ev.mask.contains(EventMask::CREATE) {
                                "create"
                            } else if ev
                                .mask
                                .intersects(EventMask::MODIFY | EventMask::CLOSE_WRITE)
                            {
                                // One `write` per file per 100 ms, not one per write(2).
                                if last_write.get(&base).is_some_and(|&t| t + 100 > t_ms) {
                                    continue;
                                }
                                last_write.insert(base.clone(), t_ms);
                                "write"
                            } else if ev.mask.contains(EventMask::DELETE) {
                                "delete"
                            } else if ev.mask.contains(EventMask::MOVED_FROM) {
                                "move-out"
                            } else if ev.mask.contains(EventMask::MOVED_TO) {
                                "move-in"
                            } else {
                                continue;
                            };
                            if out.len() < MAX_EVENTS {
                                out.push(FileEvent {
                                    t_ms,
                                    action,
                                    path: base,
                                });
                            } else {
                                *d.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                            }
                        }
                    }
                    Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    Err(_) => break,
                }
                for inside in new_dirs {
                    if let Some(host) = host_path(&host_of, &inside) {
                        add_tree(&mut ino, &host, &inside, mask, &mut dirs);
                    }
                }
                if done {
                    break;
                }
            }
        });
        Ok(Watcher {
            stop,
            events,
            dropped,
            thread: Some(thread),
        })
    }

    /// Stop and return the events, with the number left out over the cap.
    pub fn stop(mut self) -> (Vec<FileEvent>, usize) {
        // Let events already queued by the kernel be read.
        std::thread::sleep(Duration::from_millis(30));
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let events = std::mem::take(&mut *self.events.lock().unwrap_or_else(|p| p.into_inner()));
        let dropped = *self.dropped.lock().unwrap_or_else(|p| p.into_inner());
        (events, dropped)
    }
}

fn host_path(host_of: &HashMap<String, PathBuf>, inside: &str) -> Option<PathBuf> {
    host_of.iter().find_map(|(root_inside, root_host)| {
        let rest = inside.strip_prefix(root_inside.as_str())?;
        Some(root_host.join(rest.trim_start_matches('/')))
    })
}

/// Watch `host` and every directory below it (not following links), named as `inside`.
fn add_tree(
    ino: &mut Inotify,
    host: &Path,
    inside: &str,
    mask: WatchMask,
    dirs: &mut HashMap<WatchDescriptor, String>,
) {
    let mut stack = vec![(host.to_path_buf(), inside.to_string())];
    while let Some((h, i)) = stack.pop() {
        if dirs.len() >= 8192 {
            return;
        }
        let Ok(wd) = ino
            .watches()
            .add(&h, mask | WatchMask::DONT_FOLLOW | WatchMask::ONLYDIR)
        else {
            continue;
        };
        dirs.insert(wd, i.clone());
        if let Ok(rd) = std::fs::read_dir(&h) {
            for entry in rd.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    stack.push((entry.path(), format!("{i}/{name}")));
                }
            }
        }
    }
}
