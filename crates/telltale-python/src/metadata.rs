//! Console scripts: the commands a Python package installs, and the function each one runs.
//! They are entry points as much as `setup.py` and `__init__.py` are: code that runs when the
//! user types the command. The privacy label lists them under `activation`, so a reader sees
//! what runs when (`console script mytool runs mypkg.cli:main`).
//!
//! Read from every place packaging tools write them:
//!
//! ```text
//! entry_points.txt (wheel .dist-info, sdist .egg-info)   [console_scripts]  mytool = mypkg.cli:main
//! pyproject.toml                                         [project.scripts]  mytool = "mypkg.cli:main"
//!                                                        [tool.poetry.scripts]
//! setup.cfg                                              [options.entry_points]
//!                                                        console_scripts =
//!                                                            mytool = mypkg.cli:main
//! setup.py          setup(entry_points={"console_scripts": ["mytool = mypkg.cli:main"]})
//! ```

use telltale_facts::FileFacts;

/// Entry-point groups that install a command, with the words the label uses for them.
const SCRIPT_GROUPS: &[(&str, &str)] = &[
    ("console_scripts", "console script"),
    ("gui_scripts", "GUI script"),
];

/// Whether a file is packaging metadata this module reads.
pub fn is_metadata_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(name, "entry_points.txt" | "pyproject.toml" | "setup.cfg")
}

/// The console scripts a metadata file declares, as facts whose `activation` lists them.
pub fn analyze(path: &str, text: &str) -> FileFacts {
    let mut facts = FileFacts {
        file: path.to_string(),
        ..Default::default()
    };
    let name = path.rsplit('/').next().unwrap_or(path);
    let scripts = match name {
        "pyproject.toml" => match text.parse::<toml::Table>() {
            Ok(doc) => pyproject_scripts(&doc),
            Err(e) => {
                facts
                    .diagnostics
                    .push(format!("not valid TOML: {}", e.message()));
                Vec::new()
            }
        },
        "setup.cfg" => ini_sections(text)
            .into_iter()
            .filter(|(section, _, _)| section == "options.entry_points")
            .flat_map(|(_, group, value)| group_scripts(&group, &value))
            .collect(),
        _ => ini_sections(text)
            .into_iter()
            .flat_map(|(section, name, value)| {
                group_scripts(&section, &format!("{name} = {value}"))
            })
            .collect(),
    };
    facts.activation = scripts;
    facts
}

/// `[project.scripts]`, `[project.gui-scripts]` and Poetry's `[tool.poetry.scripts]`.
fn pyproject_scripts(doc: &toml::Table) -> Vec<String> {
    let table = |path: &[&str]| {
        let mut t = doc;
        for key in path {
            t = t.get(*key)?.as_table()?;
        }
        Some(t)
    };
    let mut out = Vec::new();
    for (path, word) in [
        (&["project", "scripts"][..], "console script"),
        (&["project", "gui-scripts"][..], "GUI script"),
        (&["tool", "poetry", "scripts"][..], "console script"),
    ] {
        let Some(t) = table(path) else { continue };
        for (name, target) in t {
            // Poetry also allows `{ reference = "…", type = "console" }`.
            let target = target
                .as_str()
                .or_else(|| target.get("reference").and_then(|r| r.as_str()));
            if let Some(target) = target {
                out.push(describe(word, name, target));
            }
        }
    }
    out
}

/// The scripts of one entry-point group written as `name = module:attr` lines.
pub(crate) fn group_scripts(group: &str, lines: &str) -> Vec<String> {
    let Some(&(_, word)) = SCRIPT_GROUPS.iter().find(|(g, _)| *g == group.trim()) else {
        return Vec::new();
    };
    lines
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, target)| describe(word, name.trim(), target))
        .filter(|s| !s.is_empty())
        .collect()
}

/// `console script mytool runs mypkg.cli:main` (extras such as `[color]` dropped).
fn describe(word: &str, name: &str, target: &str) -> String {
    let target = target.split('[').next().unwrap_or(target).trim();
    if name.is_empty() || target.is_empty() {
        return String::new();
    }
    format!("{word} {name} runs {target}")
}

/// (section, key, value) of an INI file as Python's `configparser` reads it: `#`/`;`
/// comments, `key = value` or `key: value`, indented lines continuing the value.
fn ini_sections(text: &str) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut().filter(|(s, _, _)| *s == section) {
                last.2.push('\n');
                last.2.push_str(trimmed);
            }
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        if let Some((key, value)) = trimmed.split_once(['=', ':']) {
            out.push((
                section.clone(),
                key.trim().to_string(),
                value.trim().to_string(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_entry_points_list_console_and_gui_scripts() {
        let f = analyze(
            "pkg-1.0.dist-info/entry_points.txt",
            "[console_scripts]\nmytool = mypkg.cli:main\nother=mypkg.other:run [color]\n\n[gui_scripts]\nviewer = mypkg.gui:start\n\n[pytest11]\nplug = mypkg.plugin\n",
        );
        assert_eq!(
            f.activation,
            vec![
                "console script mytool runs mypkg.cli:main",
                "console script other runs mypkg.other:run",
                "GUI script viewer runs mypkg.gui:start"
            ]
        );
    }

    #[test]
    fn pyproject_and_poetry_scripts() {
        let f = analyze(
            "pkg/pyproject.toml",
            "[project]\nname = \"pkg\"\n[project.scripts]\nmytool = \"mypkg.cli:main\"\n[tool.poetry.scripts]\nlegacy = { reference = \"mypkg.old:main\", type = \"console\" }\n",
        );
        assert_eq!(
            f.activation,
            vec![
                "console script mytool runs mypkg.cli:main",
                "console script legacy runs mypkg.old:main"
            ]
        );
        // Build settings without scripts, and broken TOML: no activation.
        assert!(analyze(
            "pyproject.toml",
            "[build-system]\nrequires = [\"setuptools\"]\n"
        )
        .activation
        .is_empty());
        let broken = analyze("pyproject.toml", "[project\nname=");
        assert!(
            broken.activation.is_empty() && broken.diagnostics[0].starts_with("not valid TOML"),
            "{:?}",
            broken.diagnostics
        );
    }

    #[test]
    fn setup_cfg_entry_points_continue_on_indented_lines() {
        let f = analyze(
            "pkg/setup.cfg",
            "[metadata]\nname = pkg\n\n[options.entry_points]\nconsole_scripts =\n    mytool = mypkg.cli:main\n    # a comment\n    second = mypkg.b:go\npytest11 =\n    plug = mypkg.plugin\n",
        );
        assert_eq!(
            f.activation,
            vec![
                "console script mytool runs mypkg.cli:main",
                "console script second runs mypkg.b:go"
            ]
        );
        // `console_scripts` outside `[options.entry_points]` is another setting.
        assert!(
            analyze("setup.cfg", "[tool]\nconsole_scripts =\n    x = y:z\n")
                .activation
                .is_empty()
        );
    }

    #[test]
    fn only_metadata_files_are_read() {
        assert!(is_metadata_file("pkg-1.0.dist-info/entry_points.txt"));
        assert!(is_metadata_file("pkg-1.0/setup.cfg"));
        assert!(!is_metadata_file("docs/requirements.txt"));
    }
}
