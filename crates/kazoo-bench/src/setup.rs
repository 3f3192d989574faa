//! Finding the workspace and making sure Python kazoo 2.11 is installed in a virtual environment.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The kazoo version the benchmark compares with.
const KAZOO_VERSION: &str = "2.11.0";

/// The workspace root: the nearest ancestor of the current directory holding `bench/`, else the
/// one this crate was built from.
pub fn workspace_root() -> PathBuf {
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            if dir.join("bench/kazoo_bench.py").is_file() {
                return dir.to_path_buf();
            }
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| ".".into())
}

fn has_kazoo(python: &Path) -> bool {
    Command::new(python)
        .args([
            "-c",
            &format!(
                "import kazoo.version as v, sys; sys.exit(v.__version__ != '{KAZOO_VERSION}')"
            ),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Returns a Python interpreter with kazoo 2.11.0, creating `<root>/.venv` when needed.
pub fn kazoo_python(root: &Path, explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        if has_kazoo(&p) {
            return Ok(p);
        }
        bail!("{} has no kazoo {KAZOO_VERSION}", p.display());
    }
    let venv = root.join(".venv");
    let python = venv.join("bin/python");
    if has_kazoo(&python) {
        return Ok(python);
    }
    eprintln!("creating {} with kazoo {KAZOO_VERSION}...", venv.display());
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .context("python3 -m venv")?;
    if !ok.success() {
        bail!("python3 -m venv failed (install python3-venv)");
    }
    let ok = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "-q",
            "--disable-pip-version-check",
            &format!("kazoo=={KAZOO_VERSION}"),
        ])
        .status()
        .context("pip install kazoo")?;
    if !ok.success() || !has_kazoo(&python) {
        bail!(
            "installing kazoo {KAZOO_VERSION} into {} failed",
            venv.display()
        );
    }
    Ok(python)
}
