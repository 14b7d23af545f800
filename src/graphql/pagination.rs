//! Relay cursor connections. Cursors are opaque to clients: base64url of a versioned key.

use async_graphql::SimpleObject;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::services::Services;
use crate::services::pagination::PageRequest;

use super::context::services;

const CURSOR_PREFIX: &str = "v1:";

pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{id}"))
}

pub fn decode_cursor(cursor: &str) -> AppResult<Uuid> {
    let bad = || AppError::bad_input("after", "is not a cursor from this API");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let id = text.strip_prefix(CURSOR_PREFIX).ok_or_else(bad)?;
    Uuid::parse_str(id).map_err(|_| bad())
}

/// The page asked for; the list is counted only when the query selects `totalCount`.
pub fn page_request(
    ctx: &async_graphql::Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    max: u64,
) -> AppResult<PageRequest> {
    let after = after.as_deref().map(decode_cursor).transpose()?;
    let mut page = PageRequest::new(first, after, max)?;
    page.count_total = ctx.look_ahead().field("totalCount").exists();
    Ok(page)
}

/// The services and the page a connection field asks for, within the configured maximum.
pub fn page_args<'a>(
    ctx: &async_graphql::Context<'a>,
    first: Option<i32>,
    after: Option<String>,
) -> AppResult<(&'a Services, PageRequest)> {
    let s = services(ctx)?;
    Ok((s, page_request(ctx, first, after, s.config.max_page_size)?))
}

/// What the query selects below each edge's node: what a list query primes its loaders for.
pub fn node_selection<'a>(ctx: &'a async_graphql::Context<'_>) -> async_graphql::Lookahead<'a> {
    ctx.look_ahead().field("edges").field("node")
}

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// Declares a Relay connection and edge type for one node type.
#[macro_export]
macro_rules! connection_type {
    ($connection:ident, $edge:ident, $node:ty) => {
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            pub cursor: String,
            pub node: $node,
        }

        #[derive(async_graphql::SimpleObject)]
        pub struct $connection {
            pub edges: Vec<$edge>,
            pub page_info: $crate::graphql::pagination::PageInfo,
            pub total_count: u64,
        }

        impl $connection {
            /// Builds a connection from a page of (id, node) pairs.
            pub fn from_page(
                page: $crate::services::pagination::Page<(uuid::Uuid, $node)>,
            ) -> Self {
                let edges: Vec<$edge> = page
                    .items
                    .into_iter()
                    .map(|(id, node)| $edge {
                        cursor: $crate::graphql::pagination::encode_cursor(id),
                        node,
                    })
                    .collect();
                $connection {
                    page_info: $crate::graphql::pagination::PageInfo {
                        has_next_page: page.has_next_page,
                        has_previous_page: page.has_previous_page,
                        start_cursor: edges.first().map(|e| e.cursor.clone()),
                        end_cursor: edges.last().map(|e| e.cursor.clone()),
                    },
                    edges,
                    total_count: page.total_count,
                }
            }

            /// Builds a connection from a page of rows: `key` gives a row's cursor id and
            /// `node` wraps it.
            pub fn of_rows<M>(
                page: $crate::services::pagination::Page<M>,
                key: impl Fn(&M) -> uuid::Uuid,
                mut node: impl FnMut(M) -> $node,
            ) -> Self {
                Self::from_page(page.map(|m| (key(&m), node(m))))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(id)).ok(), Some(id));
        assert!(decode_cursor("not-a-cursor!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("v2:x")).is_err());
    }
}
