//! The documents' bytes, behind one interface: a local folder or an S3-compatible store
//! (`object_store`). Keys are content addresses (`rules::documents::storage_key`), so a put
//! of bytes already there writes the same object again.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore};
use tokio::io::AsyncWriteExt;

use crate::config::DocumentStore;
use crate::error::{AppError, AppResult};

/// One stored object, as listed.
pub struct StoredObject {
    pub key: String,
    pub size: u64,
    pub last_modified: DateTime<Utc>,
}

#[derive(Clone)]
pub struct ObjectStoreHandle {
    inner: Arc<dyn ObjectStore>,
    /// Where it is, for logs and `verify-files` (no credentials).
    pub describe: String,
}

fn store_error(what: &str, err: object_store::Error) -> AppError {
    AppError::internal(format!("document store: {what}: {err}"))
}

impl ObjectStoreHandle {
    /// Opens the configured store; a local folder is created (owner-only) if missing.
    pub fn open(settings: &DocumentStore) -> AppResult<ObjectStoreHandle> {
        match settings {
            DocumentStore::Local(root) => {
                crate::config::create_owner_only_dirs(root).map_err(|e| {
                    AppError::internal(format!("document folder {}: {e}", root.display()))
                })?;
                let store = LocalFileSystem::new_with_prefix(root)
                    .map_err(|e| store_error("open the folder", e))?;
                Ok(ObjectStoreHandle {
                    inner: Arc::new(store),
                    describe: format!("folder {}", root.display()),
                })
            }
            DocumentStore::S3(s3) => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let (Some(key), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
                    builder = builder
                        .with_access_key_id(key)
                        .with_secret_access_key(secret);
                }
                let store = builder
                    .build()
                    .map_err(|e| store_error("configure S3", e))?;
                Ok(ObjectStoreHandle {
                    inner: Arc::new(store),
                    describe: format!(
                        "S3 bucket {} at {}",
                        s3.bucket,
                        s3.endpoint.as_deref().unwrap_or("AWS")
                    ),
                })
            }
        }
    }

    /// Writes the file's bytes under `key` (in parts, for large files).
    pub async fn put_file(&self, key: &str, file: std::fs::File) -> AppResult<()> {
        let mut source = tokio::fs::File::from_std(file);
        let mut writer = BufWriter::new(self.inner.clone(), Path::from(key));
        if let Err(e) = tokio::io::copy(&mut source, &mut writer).await {
            let _ = writer.abort().await;
            return Err(AppError::internal(format!(
                "document store: write {key}: {e}"
            )));
        }
        writer
            .shutdown()
            .await
            .map_err(|e| AppError::internal(format!("document store: finish {key}: {e}")))
    }

    /// The object's size, or `None` when it is not there.
    pub async fn size(&self, key: &str) -> AppResult<Option<u64>> {
        match self.inner.head(&Path::from(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(store_error("head", e)),
        }
    }

    /// The object's bytes (or a range of them) as a stream.
    pub async fn read(
        &self,
        key: &str,
        range: Option<Range<u64>>,
    ) -> AppResult<BoxStream<'static, Result<Bytes, std::io::Error>>> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let result = self
            .inner
            .get_opts(&Path::from(key), options)
            .await
            .map_err(|e| match e {
                object_store::Error::NotFound { .. } => {
                    AppError::internal(format!("document store: {key} is missing"))
                }
                e => store_error("read", e),
            })?;
        Ok(result.into_stream().map_err(std::io::Error::other).boxed())
    }

    pub async fn delete(&self, key: &str) -> AppResult<()> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error("delete", e)),
        }
    }

    /// Every object under the prefix.
    pub async fn list(&self, prefix: &str) -> AppResult<Vec<StoredObject>> {
        let prefix = Path::from(prefix);
        self.inner
            .list(Some(&prefix))
            .map_ok(|meta| StoredObject {
                key: meta.location.to_string(),
                size: meta.size,
                last_modified: meta.last_modified,
            })
            .try_collect()
            .await
            .or_else(|e| match e {
                // A local store whose folder has no documents yet.
                object_store::Error::NotFound { .. } => Ok(Vec::new()),
                e => Err(store_error("list", e)),
            })
    }
}
