//! The web app every node serves on its RPC port (`GET /`): its static files, built into the
//! binary from `app/` (plain ES modules and CSS, no build step; ADR 0008). It reads only the
//! node's public JSON-RPC and WebSocket API, from the same origin.
//!
//! What belongs here: the files and how to look one up, from the binary or, while developing a
//! page, from a folder on disk (`restake dev --web-dir`). Serving them is the node's.

use std::path::{Component, Path};

include!(concat!(env!("OUT_DIR"), "/files.rs"));

/// One file of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Its bytes.
    pub bytes: std::borrow::Cow<'static, [u8]>,
    /// Its media type.
    pub content_type: &'static str,
    /// An HTTP entity tag (quoted) that changes whenever the bytes do; `None` from a folder.
    pub etag: Option<&'static str>,
}

/// The file a request path names, built into the binary: `/` is `index.html`.
pub fn embedded(request_path: &str) -> Option<File> {
    let name = name_of(request_path)?;
    FILES
        .iter()
        .find(|(path, _, _)| *path == name)
        .map(|(path, bytes, etag)| File {
            bytes: std::borrow::Cow::Borrowed(bytes),
            content_type: content_type(path),
            etag: Some(etag),
        })
}

/// The file a request path names, read from `dir` (for developing pages without rebuilding).
/// Paths that leave `dir` or name hidden files are not found.
pub fn from_dir(dir: &Path, request_path: &str) -> std::io::Result<Option<File>> {
    let Some(name) = name_of(request_path) else {
        return Ok(None);
    };
    let rel = Path::new(name);
    let plain = rel.components().all(|c| match c {
        Component::Normal(part) => !part.to_string_lossy().starts_with('.'),
        _ => false,
    });
    if !plain {
        return Ok(None);
    }
    match std::fs::read(dir.join(rel)) {
        Ok(bytes) => Ok(Some(File {
            bytes: std::borrow::Cow::Owned(bytes),
            content_type: content_type(name),
            etag: None,
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every file built in, by name (for tests and size reports).
pub fn names() -> impl Iterator<Item = (&'static str, usize)> {
    FILES.iter().map(|(name, bytes, _)| (*name, bytes.len()))
}

fn name_of(request_path: &str) -> Option<&str> {
    let name = request_path.strip_prefix('/')?;
    if name.is_empty() {
        Some("index.html")
    } else if name.contains("..") || name.contains('\\') || name.contains("//") {
        None
    } else {
        Some(name)
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_root_serves_the_page_and_every_file_has_a_type_and_a_tag() {
        let index = embedded("/").expect("index.html is built in");
        assert_eq!(index.content_type, "text/html; charset=utf-8");
        assert!(
            index
                .etag
                .is_some_and(|t| t.starts_with('"') && t.ends_with('"'))
        );
        for (name, _) in names() {
            let file = embedded(&format!("/{name}")).expect("listed files are found");
            assert_ne!(file.content_type, "application/octet-stream", "{name}");
        }
    }

    #[test]
    fn paths_that_climb_out_or_are_unknown_are_not_found() {
        assert!(embedded("/../Cargo.toml").is_none());
        assert!(embedded("/nope.js").is_none());
        assert!(embedded("index.html").is_none());
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("app");
        assert!(
            from_dir(&dir, "/../Cargo.toml")
                .expect("no I/O error")
                .is_none()
        );
        assert!(from_dir(&dir, "/.hidden").expect("no I/O error").is_none());
        assert!(from_dir(&dir, "/").expect("readable").is_some());
    }
}
