//! Uploads arrive in a staging folder before anything is stored: hashed and counted while
//! they stream in, refused as soon as they pass the size limit. A staged file is deleted
//! when dropped, so an upload that fails or is cut off leaves nothing behind; files left by
//! a process that was killed are removed when the next one starts (`sweep_stale`).

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use crate::error::{AppError, AppResult};

/// A whole upload, on disk, with its SHA-256 and size.
pub struct StagedFile {
    file: NamedTempFile,
    pub size: u64,
    pub sha256: String,
}

impl StagedFile {
    /// A handle at the first byte, for storing and sniffing.
    pub fn reopen(&self) -> AppResult<std::fs::File> {
        let mut file = self
            .file
            .reopen()
            .map_err(|e| AppError::internal(format!("staged upload: {e}")))?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| AppError::internal(format!("staged upload: {e}")))?;
        Ok(file)
    }
}

/// Why an upload could not be staged.
#[derive(Debug)]
pub enum StageError {
    TooLarge {
        limit: u64,
    },
    /// The client's stream broke off.
    Interrupted,
    Internal(String),
}

impl From<StageError> for AppError {
    fn from(err: StageError) -> Self {
        match err {
            StageError::TooLarge { limit } => too_large(limit),
            StageError::Interrupted => {
                AppError::bad_input("file", "the upload broke off before its end")
            }
            StageError::Internal(detail) => AppError::internal(detail),
        }
    }
}

pub fn too_large(limit: u64) -> AppError {
    AppError::PayloadTooLarge(format!(
        "the file is larger than the limit of {} MB",
        limit / (1024 * 1024)
    ))
}

fn new_staged(dir: &Path) -> Result<NamedTempFile, StageError> {
    crate::config::create_owner_only_dirs(dir)
        .map_err(|e| StageError::Internal(format!("staging folder {}: {e}", dir.display())))?;
    tempfile::Builder::new()
        .prefix(&format!("{}-", std::process::id()))
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(|e| StageError::Internal(format!("staging file: {e}")))
}

/// Receives a byte stream into the staging folder.
pub async fn receive<S, E>(dir: &Path, limit: u64, mut body: S) -> Result<StagedFile, StageError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let mut staged = new_staged(dir)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|_| StageError::Interrupted)?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(StageError::TooLarge { limit });
        }
        hasher.update(&chunk);
        staged
            .write_all(&chunk)
            .map_err(|e| StageError::Internal(format!("staging write: {e}")))?;
    }
    staged
        .flush()
        .map_err(|e| StageError::Internal(format!("staging flush: {e}")))?;
    Ok(StagedFile {
        file: staged,
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Stages a file already on disk (a GraphQL multipart upload), copying it in while hashing.
pub fn adopt(dir: &Path, limit: u64, mut source: std::fs::File) -> Result<StagedFile, StageError> {
    let mut staged = new_staged(dir)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = source
            .read(&mut buffer)
            .map_err(|e| StageError::Internal(format!("upload read: {e}")))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > limit {
            return Err(StageError::TooLarge { limit });
        }
        hasher.update(&buffer[..n]);
        staged
            .write_all(&buffer[..n])
            .map_err(|e| StageError::Internal(format!("staging write: {e}")))?;
    }
    Ok(StagedFile {
        file: staged,
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Removes staged files of processes that are gone (killed mid-upload). Answers how many.
pub fn sweep_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let own = std::process::id().to_string();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_suffix(".part")
            .and_then(|stem| stem.split('-').next())
        else {
            continue;
        };
        let alive = pid == own || Path::new("/proc").join(pid).exists();
        if !alive && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The entry names of a zip file (DOCX, XLSX and OFD are zips), or `None` if it is not one.
pub fn zip_entries(file: std::fs::File) -> Option<Vec<String>> {
    let archive = zip::ZipArchive::new(file).ok()?;
    Some(archive.file_names().map(str::to_owned).collect())
}

/// The first bytes of a file.
pub fn head(mut file: std::fs::File) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(16);
    (&mut file).take(16).read_to_end(&mut head)?;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_of_a_dead_process_are_swept_and_ours_kept() {
        let dir = tempfile::tempdir().expect("dir");
        // No process has a pid this large (the kernel's limit is 2^22).
        let dead = dir.path().join("99999999-abc.part");
        let ours = dir.path().join(format!("{}-abc.part", std::process::id()));
        let other = dir.path().join("notes.txt");
        for path in [&dead, &ours, &other] {
            std::fs::write(path, b"x").expect("write");
        }
        assert_eq!(sweep_stale(dir.path()), 1);
        assert!(!dead.exists());
        assert!(ours.exists() && other.exists());
    }

    #[test]
    fn a_staged_upload_is_hashed_and_gone_when_dropped() {
        let dir = tempfile::tempdir().expect("dir");
        let source = {
            let mut f = tempfile::tempfile().expect("temp");
            f.write_all(b"abc").expect("write");
            f.seek(SeekFrom::Start(0)).expect("seek");
            f
        };
        let staged = adopt(dir.path(), 10, source).expect("staged");
        assert_eq!(staged.size, 3);
        assert_eq!(
            staged.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
        drop(staged);
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
        let big = {
            let mut f = tempfile::tempfile().expect("temp");
            f.write_all(&[0u8; 11]).expect("write");
            f.seek(SeekFrom::Start(0)).expect("seek");
            f
        };
        assert!(matches!(
            adopt(dir.path(), 10, big),
            Err(StageError::TooLarge { limit: 10 })
        ));
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
    }
}
