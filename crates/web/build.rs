#![allow(clippy::expect_used)]
//! Builds the table of the app's files (everything under `app/`) into the crate, each with its
//! bytes and a validator for HTTP caching. The folder is the one list of what is served.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("app");
    println!("cargo:rerun-if-changed=app");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut out = String::from("pub(crate) static FILES: &[(&str, &[u8], &str)] = &[\n");
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .expect("under app/")
            .to_str()
            .expect("file names are UTF-8")
            .replace('\\', "/");
        let bytes = std::fs::read(file).expect("readable");
        let tag = format!("\"{:016x}\"", fnv1a(&bytes));
        writeln!(
            out,
            "    ({rel:?}, include_bytes!({:?}), {tag:?}),",
            file.display().to_string()
        )
        .expect("string");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("files.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("app/ exists")
        .map(|e| e.expect("readable").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else if !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            out.push(path);
        }
    }
}

/// FNV-1a: enough to tell one version of a file from another for `ETag`.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
