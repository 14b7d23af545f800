//! GraphiQL without the internet: the page is ours and its scripts and styles are compiled
//! into the binary (`assets/vendor/graphiql/`, production builds of pinned npm packages with
//! their licences; the start script in `assets/graphiql/` is ours), so it works on a machine with no way out, and no third party sees who uses it.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// Where the assets are served; the version in the path lets browsers keep them for good.
pub const ASSETS_PATH: &str = "/graphiql/3.8.3";

/// (name, content type, bytes) of every asset.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/vendor/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/vendor/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/vendor/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/vendor/graphiql/react-dom.production.min.js"),
    ),
    (
        "graphiql-start.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql-start.js"),
    ),
];

/// The page at `GET /graphql` for a browser.
pub fn page() -> HttpResponse {
    let html = format!(
        r#"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cleanprod GraphiQL</title>
<link rel="stylesheet" href="{ASSETS_PATH}/graphiql.min.css">
<style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql">Loading…</div>
<script src="{ASSETS_PATH}/react.production.min.js"></script>
<script src="{ASSETS_PATH}/react-dom.production.min.js"></script>
<script src="{ASSETS_PATH}/graphiql.min.js"></script>
<script src="{ASSETS_PATH}/graphiql-start.js"></script>
</body>
</html>
"#
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(html)
}

/// `GET /graphiql/3.8.3/{name}`.
pub async fn asset(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(n, _, _)| *n == name.as_str()) {
        Some((_, content_type, bytes)) => HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(*bytes),
        None => HttpResponse::NotFound().finish(),
    }
}

/// The path of every asset the page loads (for tests).
pub fn asset_paths() -> impl Iterator<Item = String> {
    ASSETS
        .iter()
        .map(|(name, _, _)| format!("{ASSETS_PATH}/{name}"))
}
