//! Running the binaries under test: [`bin`] builds a [`TestCommand`], whose
//! `ok`, `fails` and `run` start it, feed it stdin and hand back its
//! [`Ran`] output; failed checks print the command, its exit code, stdout
//! and stderr. Also where the fixtures and shared corpora are.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository's root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A committed fixture under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// A public corpus under `../shared/data`, or `None` (with a note) when
/// absent: tests that need one skip without it.
pub fn shared(name: &str) -> Option<PathBuf> {
    let path = root()
        .join("../shared/data")
        .join(name)
        .join("messages.csv");
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "skipping: {} is absent (the public corpora live in ../shared/data)",
            path.display()
        );
        None
    }
}

/// One of the crate's binaries, with `SOURCE_DATE_EPOCH` removed so that
/// the training date is today's unless a test sets it.
pub fn bin(name: &str) -> TestCommand {
    let path = match name {
        "train" => env!("CARGO_BIN_EXE_train"),
        "predict" => env!("CARGO_BIN_EXE_predict"),
        "inspect" => env!("CARGO_BIN_EXE_inspect"),
        "evaluate" => env!("CARGO_BIN_EXE_evaluate"),
        other => panic!("unknown binary {other}"),
    };
    let mut command = TestCommand::new(path);
    command.command.env_remove("SOURCE_DATE_EPOCH");
    command
}

/// A command to run once, with the bytes for its stdin.
pub struct TestCommand {
    command: Command,
    stdin: Vec<u8>,
    stdout: Option<Stdio>,
    stderr: Option<Stdio>,
}

impl TestCommand {
    /// Any program (a shell, for a pipeline).
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        Self {
            command: Command::new(program),
            stdin: Vec::new(),
            stdout: None,
            stderr: None,
        }
    }

    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Self {
        self.command.arg(arg);
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(&mut self, args: I) -> &mut Self {
        self.command.args(args);
        self
    }

    pub fn env(&mut self, key: &str, value: impl AsRef<OsStr>) -> &mut Self {
        self.command.env(key, value);
        self
    }

    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.command.current_dir(dir);
        self
    }

    /// What the program reads on stdin (nothing by default).
    pub fn stdin(&mut self, bytes: impl AsRef<[u8]>) -> &mut Self {
        self.stdin = bytes.as_ref().to_vec();
        self
    }

    /// Sends stdout there instead of capturing it.
    pub fn stdout_to(&mut self, to: impl Into<Stdio>) -> &mut Self {
        self.stdout = Some(to.into());
        self
    }

    /// Sends stderr there instead of capturing it.
    pub fn stderr_to(&mut self, to: impl Into<Stdio>) -> &mut Self {
        self.stderr = Some(to.into());
        self
    }

    /// The same command under `sh` with a file-size limit of `blocks` × 512
    /// bytes and SIGXFSZ ignored, so that a write past it fails (as on a
    /// full disk) instead of killing the process.
    pub fn with_file_size_limit(&self, blocks: u32) -> TestCommand {
        let mut limited = TestCommand::new("sh");
        limited
            .arg("-c")
            .arg(format!(
                "trap '' XFSZ; ulimit -f {blocks} && exec \"$0\" \"$@\""
            ))
            .arg(self.command.get_program())
            .args(self.command.get_args());
        limited
    }

    /// The command itself, to spawn it by hand.
    pub fn command(&mut self) -> &mut Command {
        &mut self.command
    }

    /// Runs to the end, whatever the exit code.
    pub fn run(&mut self) -> Ran {
        self.command
            .stdin(Stdio::piped())
            .stdout(self.stdout.take().unwrap_or_else(Stdio::piped))
            .stderr(self.stderr.take().unwrap_or_else(Stdio::piped));
        let mut child = self.command.spawn().expect("the program starts");
        let mut input = child.stdin.take().expect("stdin");
        let bytes = self.stdin.clone();
        // Written from a thread: a program may write before it reads.
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&bytes);
        });
        let output = child.wait_with_output().expect("the program runs");
        writer.join().unwrap();
        Ran {
            shown: format!("{:?}", self.command),
            output,
        }
    }

    /// Runs and asserts exit code 0.
    pub fn ok(&mut self) -> Ran {
        let ran = self.run();
        assert!(ran.status.success(), "want success, got {}", ran.report());
        ran
    }

    /// Runs and asserts exit code `code` with no panic and exactly one
    /// error line on stderr, which contains every needle.
    pub fn fails(&mut self, code: i32, needles: &[&str]) -> Ran {
        let ran = self.run();
        ran.assert_error(code, needles);
        ran
    }
}

/// What a finished run left: its [`Output`], with the command for messages.
pub struct Ran {
    shown: String,
    output: Output,
}

impl std::ops::Deref for Ran {
    type Target = Output;

    fn deref(&self) -> &Output {
        &self.output
    }
}

impl Ran {
    /// Stdout, which must be UTF-8.
    pub fn stdout(&self) -> String {
        String::from_utf8(self.output.stdout.clone()).expect("UTF-8 output")
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Stdout as CSV rows, the header included.
    pub fn rows(&self) -> Vec<Vec<String>> {
        csv_rows(&self.stdout())
    }

    /// Stdout as one JSON value.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.report()))
    }

    /// The command, its exit code, stdout and stderr, for a failure message.
    pub fn report(&self) -> String {
        format!(
            "{}\nexit: {:?}\nstdout:\n{}\nstderr:\n{}",
            self.shown,
            self.output.status.code(),
            String::from_utf8_lossy(&self.output.stdout),
            self.stderr()
        )
    }

    /// Asserts that stderr contains `needle`.
    pub fn stderr_has(&self, needle: impl AsRef<str>) -> &Self {
        self.assert_has("stderr", &self.stderr(), needle.as_ref())
    }

    /// Asserts that stdout contains `needle`.
    pub fn stdout_has(&self, needle: impl AsRef<str>) -> &Self {
        self.assert_has("stdout", &self.stdout(), needle.as_ref())
    }

    fn assert_has(&self, stream: &str, text: &str, needle: &str) -> &Self {
        assert!(
            text.contains(needle),
            "missing {needle:?} in {stream}: {}",
            self.report()
        );
        self
    }

    /// Asserts a one-line error on stderr with the expected exit code and text.
    pub fn assert_error(&self, code: i32, needles: &[&str]) {
        let err = self.stderr();
        assert_eq!(
            self.output.status.code(),
            Some(code),
            "exit code: {}",
            self.report()
        );
        assert!(!err.contains("panicked"), "panic: {}", self.report());
        assert_eq!(
            err.trim_end()
                .lines()
                .filter(|l| l.contains("error"))
                .count(),
            1,
            "want one error line: {}",
            self.report()
        );
        for needle in needles {
            assert!(
                err.contains(needle),
                "missing {needle:?} in stderr: {}",
                self.report()
            );
        }
    }
}

/// CSV text (no header handling) as rows of strings.
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}
