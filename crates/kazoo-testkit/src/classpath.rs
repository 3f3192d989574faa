//! Finding the ZooKeeper jars and the `java` executable.
//!
//! Order: `ZOOKEEPER_CLASSPATH` (used verbatim), `ZOOKEEPER_PATH` (a folder of jars, as kazoo's
//! harness accepts), then Debian's layout, where `zookeeper.jar`'s manifest `Class-Path` names
//! every dependency so the jar alone is a complete classpath.

use std::env;
use std::path::{Path, PathBuf};

use crate::error::{Result, TestkitError};

/// Where Debian's `libzookeeper-java` puts the server jar.
const DEBIAN_JAR: &str = "/usr/share/java/zookeeper.jar";
/// Debian's slf4j binding that prints to stderr; without a binding the server logs nothing,
/// and a start failure would come with an empty log.
const DEBIAN_SLF4J_SIMPLE: &str = "/usr/share/java/slf4j-simple.jar";

/// Finds the classpath that runs `org.apache.zookeeper.server.quorum.QuorumPeerMain`.
///
/// Looks at `ZOOKEEPER_CLASSPATH`, then `ZOOKEEPER_PATH`, then Debian's
/// `/usr/share/java/zookeeper.jar`.
///
/// # Errors
///
/// [`TestkitError::ZooKeeperNotFound`] with where it looked and how to install ZooKeeper.
///
/// # Example
///
/// ```no_run
/// let cp = kazoo_testkit::find_classpath().expect("ZooKeeper installed");
/// println!("{cp}");
/// ```
pub fn find_classpath() -> Result<String> {
    if let Some(cp) = env::var_os("ZOOKEEPER_CLASSPATH") {
        let cp = cp.to_string_lossy().into_owned();
        if !cp.trim().is_empty() {
            return Ok(cp);
        }
    }
    if let Some(dir) = env::var_os("ZOOKEEPER_PATH") {
        let dir = PathBuf::from(dir);
        let jars = jars_in_install(&dir);
        if jars.is_empty() {
            return Err(TestkitError::ZooKeeperNotFound(format!(
                "ZOOKEEPER_PATH={} holds no zookeeper*.jar",
                dir.display()
            )));
        }
        return Ok(join(&jars));
    }
    if Path::new(DEBIAN_JAR).is_file() {
        let mut jars = vec![PathBuf::from(DEBIAN_JAR)];
        if Path::new(DEBIAN_SLF4J_SIMPLE).is_file() {
            jars.push(PathBuf::from(DEBIAN_SLF4J_SIMPLE));
        }
        return Ok(join(&jars));
    }
    Err(TestkitError::ZooKeeperNotFound(format!(
        "ZOOKEEPER_CLASSPATH and ZOOKEEPER_PATH are unset and {DEBIAN_JAR} does not exist"
    )))
}

/// The jars of a ZooKeeper install folder: a release (`zookeeper-*.jar` plus `lib/`), a source
/// build (`build/`, `build/lib/`) or a plain folder of jars.
fn jars_in_install(dir: &Path) -> Vec<PathBuf> {
    let mut jars = Vec::new();
    for sub in ["", "lib", "build", "build/lib"] {
        jars.extend(jars_in(&dir.join(sub)));
    }
    if jars.iter().any(|j| is_zookeeper_jar(j)) {
        jars
    } else {
        Vec::new()
    }
}

fn is_zookeeper_jar(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("zookeeper") && n.ends_with(".jar"))
}

fn jars_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut jars: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jar") && p.is_file())
        .collect();
    jars.sort();
    jars
}

fn join(jars: &[PathBuf]) -> String {
    jars.iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

/// The `java` to run: `$JAVA_HOME/bin/java` when that exists, else `java` from `PATH`.
pub(crate) fn java_executable() -> PathBuf {
    if let Some(home) = env::var_os("JAVA_HOME") {
        let java = PathBuf::from(home).join("bin").join("java");
        if java.is_file() {
            return java;
        }
    }
    PathBuf::from("java")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_folder_needs_a_zookeeper_jar() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("other.jar"), b"").unwrap();
        assert!(jars_in_install(dir.path()).is_empty());
        std::fs::create_dir(dir.path().join("lib")).unwrap();
        std::fs::write(dir.path().join("lib/zookeeper-3.8.0.jar"), b"").unwrap();
        let jars = jars_in_install(dir.path());
        assert_eq!(jars.len(), 2);
        assert!(join(&jars).contains(':'));
    }
}
