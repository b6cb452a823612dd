//! Every `peerstat …` command shown in a code block of `README.md` or of the book
//! (`docs/src/*.md`) is run here, on the bundled data, so the documentation cannot drift from
//! the program.
//!
//! Each file's commands run in the order they are shown, in a scratch directory of the file's own
//! holding a copy of `fixtures/` and `seeds/` (so a command that writes, such as `simulate -o
//! seeds/demo.parquet`, never touches the repository), through `sh -c` with the debug binary
//! first on `PATH` as `peerstat`; `cargo run [--release] --` is read as `peerstat`. A command
//! must exit 0, or the code its line states in a trailing comment `# exit N`.
//!
//! A command that cannot run in this build is excused only by a rule in [`EXCUSES`], with its
//! reason; every rule must excuse at least one command. The counts of commands found and run
//! are asserted, so a change to the docs (or a broken extraction) shows up here.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// How many commands the README and the book show (update it when adding or removing one).
const EXPECTED_COMMANDS: usize = 141;

/// One command found in a code block.
#[derive(Debug, Clone)]
struct DocCommand {
    /// The file it was found in, relative to the repository.
    file: String,
    /// The line of its first part (1-based).
    line: usize,
    /// The command, continuation lines joined.
    text: String,
}

/// A rule excusing commands from being run, with the reason.
struct Excuse {
    /// Whether the rule applies to a command.
    applies: fn(&str) -> bool,
    /// Why such commands are not run here.
    reason: &'static str,
}

/// The commands not run by the default build, and why. With `--features sql` (or
/// `distributed`, which implies it) the `sql` commands run too; with `distributed` the
/// cluster commands are checked through their `--help`.
const EXCUSES: &[Excuse] = &[
    Excuse {
        applies: |c| c.starts_with("cargo test"),
        reason: "runs the test suite this test belongs to",
    },
    Excuse {
        applies: |c| {
            c.starts_with("peerstat scheduler")
                || c.starts_with("peerstat executor")
                || c.contains("--ballista")
        },
        reason: "needs a running Ballista cluster (feature `distributed`): the `distributed` \
                 build checks `peerstat scheduler --help` and `peerstat executor --help`, and \
                 tests/distributed.rs runs a local cluster",
    },
    #[cfg(not(feature = "sql"))]
    Excuse {
        applies: |c| c.starts_with("peerstat sql"),
        reason: "needs `--features sql`; `.ci/run` runs this test with `--features distributed`",
    },
];

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The documentation files, in reading order: the README, then the book's chapters in the order
/// of `docs/src/SUMMARY.md` (every `*.md` of `docs/src` must be listed there).
fn doc_files() -> Vec<String> {
    let summary =
        std::fs::read_to_string(root().join("docs/src/SUMMARY.md")).expect("docs/src/SUMMARY.md");
    let mut files = vec!["README.md".to_string()];
    for line in summary.lines() {
        if let Some(start) = line.find("](") {
            let rest = &line[start + 2..];
            if let Some(end) = rest.find(')') {
                files.push(format!("docs/src/{}", &rest[..end]));
            }
        }
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("docs/src"))
        .expect("docs/src")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n != "SUMMARY.md")
        .map(|n| format!("docs/src/{n}"))
        .collect();
    on_disk.sort();
    for f in &on_disk {
        assert!(
            files.contains(f),
            "{f} is not listed in docs/src/SUMMARY.md"
        );
    }
    files
}

/// The commands of one Markdown text: lines in fenced code blocks that start with `peerstat `
/// or `cargo ` (after an optional `$ `), lines ending in `\` joined with the next.
fn extract(file: &str, text: &str) -> Vec<DocCommand> {
    let mut commands = Vec::new();
    let mut in_fence = false;
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        if raw.trim_start().starts_with("```") {
            in_fence = !in_fence;
            pending = None;
            continue;
        }
        if !in_fence {
            continue;
        }
        let part = raw.trim();
        let (line, joined) = match pending.take() {
            Some((line, so_far)) => (line, format!("{so_far} {part}")),
            None => (i + 1, part.strip_prefix("$ ").unwrap_or(part).to_string()),
        };
        if let Some(head) = joined.strip_suffix('\\') {
            pending = Some((line, head.trim_end().to_string()));
            continue;
        }
        if joined.starts_with("peerstat ") || joined.starts_with("cargo ") {
            commands.push(DocCommand {
                file: file.to_string(),
                line,
                text: joined,
            });
        }
    }
    commands
}

/// The exit code a command's line states (`# exit N`), else 0.
fn expected_exit(text: &str) -> i32 {
    text.find("# exit ")
        .and_then(|at| {
            text[at + 7..]
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// The command as the shell runs it: `cargo run [--release] --` becomes `peerstat`.
fn as_run(text: &str) -> String {
    for prefix in ["cargo run --release -- ", "cargo run -- "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return format!("peerstat {rest}");
        }
    }
    text.to_string()
}

/// Copies a directory tree.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create directory");
    for entry in std::fs::read_dir(from).expect("read directory") {
        let entry = entry.expect("directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// A scratch directory with `fixtures/`, `seeds/`, `docs/src/img/` and `bin/peerstat` (the binary
/// under test).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for sub in ["fixtures", "seeds"] {
        copy_dir(&root().join(sub), &dir.path().join(sub));
    }
    // The book's image commands write into docs/src/img.
    std::fs::create_dir_all(dir.path().join("docs/src/img")).expect("image directory");
    std::fs::create_dir(dir.path().join("bin")).expect("bin directory");
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_peerstat"),
        dir.path().join("bin/peerstat"),
    )
    .expect("link the binary");
    dir
}

/// Runs one command in `dir` through `sh -c`; the failure message, if it fails.
fn run(dir: &Path, command: &DocCommand) -> Option<String> {
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = as_run(&command.text);
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .env("PATH", path)
        .output()
        .expect("run sh");
    let want = expected_exit(&command.text);
    let got = out.status.code().unwrap_or(-1);
    (got != want).then(|| {
        format!(
            "{}:{}: `{}` exited {got}, the docs say {want}\n--- stderr:\n{}\n",
            command.file,
            command.line,
            command.text,
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The excuse that applies to a command, if any.
fn excuse_for(text: &str) -> Option<usize> {
    EXCUSES.iter().position(|e| (e.applies)(text))
}

/// Runs one file's commands in order, in a workspace of its own; the excuse used by each
/// command (`None`: it ran) and the failures.
fn run_file(commands: &[DocCommand]) -> (Vec<Option<usize>>, Vec<String>) {
    let dir = workspace();
    let mut excused = Vec::new();
    let mut failures = Vec::new();
    for command in commands {
        let excuse = excuse_for(&command.text);
        if excuse.is_none() {
            failures.extend(run(dir.path(), command));
        }
        excused.push(excuse);
    }
    (excused, failures)
}

#[test]
fn every_documented_command_runs() {
    let per_file: Vec<Vec<DocCommand>> = doc_files()
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(root().join(file)).expect("read a docs file");
            extract(file, &text)
        })
        .collect();
    // Files are independent (each has its own workspace): run them side by side.
    let results: Vec<(Vec<Option<usize>>, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = per_file
            .iter()
            .map(|commands| scope.spawn(|| run_file(commands)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a docs file's thread"))
            .collect()
    });
    let mut used = vec![0usize; EXCUSES.len()];
    let mut ran = 0;
    let mut failures = Vec::new();
    for (excused, failed) in results {
        for e in excused {
            match e {
                Some(i) => used[i] += 1,
                None => ran += 1,
            }
        }
        failures.extend(failed);
    }
    #[cfg(feature = "distributed")]
    {
        let dir = workspace();
        for help in ["peerstat scheduler --help", "peerstat executor --help"] {
            let command = DocCommand {
                file: "tests/docs_commands.rs".into(),
                line: 0,
                text: help.into(),
            };
            failures.extend(run(dir.path(), &command));
        }
    }
    for (excuse, n) in EXCUSES.iter().zip(&used) {
        assert!(*n > 0, "an excuse no docs command needs: {}", excuse.reason);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let found: usize = per_file.iter().map(Vec::len).sum();
    let excused: usize = used.iter().sum();
    assert_eq!(
        found, EXPECTED_COMMANDS,
        "commands found in README.md and docs/src (ran {ran}, excused {excused}); \
         update EXPECTED_COMMANDS when the docs change"
    );
    assert_eq!(ran + excused, found);
    eprintln!("ran {ran} documented commands; excused {excused}");
}

#[test]
fn extraction_joins_lines_and_reads_exit_codes() {
    let md = "text\n```sh\npeerstat meta a.csv \\\n  --knha   # exit 2\necho no\n```\n\
              peerstat outside\n```r\nrma(yi, vi)\n```\n";
    let found = extract("x.md", md);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].line, 3);
    assert_eq!(found[0].text, "peerstat meta a.csv --knha   # exit 2");
    assert_eq!(expected_exit(&found[0].text), 2);
    assert_eq!(
        as_run("cargo run --release -- evaluate x"),
        "peerstat evaluate x"
    );
}
