//! The builder methods shared by `ServerBuilder` and `EnsembleBuilder`, written once.

/// Adds the common server knobs to a builder that has a `settings: Settings` field. `$make`
/// is the expression that creates the builder in the doc examples.
macro_rules! settings_methods {
    ($make:literal) => {
        #[doc = concat!(
            "Adds a `zoo.cfg` line, or replaces one the kit writes by default.\n\n",
            "Use it for TTL nodes (`extendedTypesEnabled=true`), dynamic reconfiguration ",
            "(`reconfigEnabled=true`), a super digest ",
            "(`DigestAuthenticationProvider.superDigest=super:...`), and so on. A key or ",
            "value that would break the file's line format makes `start` fail with ",
            "[`TestkitError::InvalidArgument`](crate::TestkitError::InvalidArgument).\n\n",
            "# Example\n\n```no_run\n",
            "let zk = ", $make, ".config(\"extendedTypesEnabled\", \"true\").start()?;\n",
            "# Ok::<(), kazoo_testkit::TestkitError>(())\n```"
        )]
        pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
            self.settings.extra.push((key.into(), value.into()));
            self
        }

        #[doc = concat!(
            "Adds a JVM flag, after the kit's own (so it wins over them), e.g. ",
            "`-Dreadonlymode.enabled=true` or `-Xmx512m`.\n\n",
            "# Example\n\n```no_run\n",
            "let zk = ", $make, ".jvm_arg(\"-Dreadonlymode.enabled=true\").start()?;\n",
            "# Ok::<(), kazoo_testkit::TestkitError>(())\n```"
        )]
        pub fn jvm_arg(mut self, arg: impl Into<String>) -> Self {
            self.settings.jvm_args.push(arg.into());
            self
        }

        #[doc = concat!(
            "Sets `tickTime` in milliseconds (the kit's default is 500). The server's ",
            "default session timeout bounds are 2 and 20 ticks.\n\n",
            "# Example\n\n```no_run\n",
            "let zk = ", $make, ".tick_time(200).start()?;\n",
            "# Ok::<(), kazoo_testkit::TestkitError>(())\n```"
        )]
        pub fn tick_time(mut self, ms: u32) -> Self {
            self.settings.tick_time = ms;
            self
        }

        #[doc = concat!(
            "Sets `minSessionTimeout` in milliseconds.\n\n",
            "# Example\n\n```no_run\n",
            "let zk = ", $make, ".min_session_timeout(500).start()?;\n",
            "# Ok::<(), kazoo_testkit::TestkitError>(())\n```"
        )]
        pub fn min_session_timeout(mut self, ms: u32) -> Self {
            self.settings.min_session_timeout = Some(ms);
            self
        }

        #[doc = concat!(
            "Sets `maxSessionTimeout` in milliseconds.\n\n",
            "# Example\n\n```no_run\n",
            "let zk = ", $make, ".max_session_timeout(60_000).start()?;\n",
            "# Ok::<(), kazoo_testkit::TestkitError>(())\n```"
        )]
        pub fn max_session_timeout(mut self, ms: u32) -> Self {
            self.settings.max_session_timeout = Some(ms);
            self
        }

        #[doc = concat!(
            "How long `start` (and `restart`) wait for a server to serve before failing; ",
            "60 s by default.\n\n",
            "# Example\n\n```no_run\n",
            "use std::time::Duration;\n",
            "let zk = ", $make, ".start_timeout(Duration::from_secs(20)).start()?;\n",
            "# Ok::<(), kazoo_testkit::TestkitError>(())\n```"
        )]
        pub fn start_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.start_timeout = timeout;
            self
        }

        #[doc = concat!(
            "Uses this Java classpath instead of looking for ZooKeeper ",
            "(see [`find_classpath`](crate::find_classpath)).\n\n",
            "# Example\n\n```no_run\n",
            "let zk = ", $make, ".classpath(\"/opt/zk/lib/*\").start()?;\n",
            "# Ok::<(), kazoo_testkit::TestkitError>(())\n```"
        )]
        pub fn classpath(mut self, classpath: impl Into<String>) -> Self {
            self.settings.classpath = Some(classpath.into());
            self
        }

        #[doc = concat!(
            "Uses this `java` executable instead of `$JAVA_HOME/bin/java` or `java` on `PATH`.\n\n",
            "# Example\n\n```no_run\n",
            "let zk = ", $make, ".java(\"/usr/lib/jvm/java-17-openjdk-amd64/bin/java\").start()?;\n",
            "# Ok::<(), kazoo_testkit::TestkitError>(())\n```"
        )]
        pub fn java(mut self, java: impl Into<std::path::PathBuf>) -> Self {
            self.settings.java = Some(java.into());
            self
        }
    };
}

pub(crate) use settings_methods;
