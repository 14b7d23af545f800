//! How the server's database connections are set up.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::support::fresh_pg_database;

/// Whether the process's TCP socket bound to local `port` has Nagle's algorithm off, if there
/// is such a socket.
#[cfg(target_os = "linux")]
fn nodelay_of_local_port(port: u16) -> Option<bool> {
    let mut found = None;
    cleanprod::db::for_each_socket(|socket| {
        let local = socket.local_addr().ok().and_then(|a| a.as_socket());
        if local.is_some_and(|a| a.port() == port) && socket.peer_addr().is_ok() {
            found = socket.tcp_nodelay().ok();
        }
    });
    found
}

/// sqlx 0.9.0 leaves Nagle's algorithm on; with TLS a large statement then waited for the
/// server's delayed acknowledgement (`db::disable_nagle_towards`). The connection's own port,
/// as the server sees it, finds its socket here.
#[cfg(target_os = "linux")]
#[actix_web::test]
async fn postgres_connections_send_without_delay() {
    let Some((url, _guard)) = fresh_pg_database().await else {
        return;
    };
    let db = cleanprod::db::connect(&url).await.expect("connect");
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT inet_client_port() AS port",
        ))
        .await
        .expect("ask the server")
        .expect("a row");
    let port: Option<i32> = row.try_get("", "port").expect("the client's port");
    let Some(port) = port else {
        // Connected through a Unix socket: no TCP, no Nagle.
        return;
    };
    let port = u16::try_from(port).expect("a TCP port");
    assert_eq!(
        nodelay_of_local_port(port),
        Some(true),
        "the connection's socket (local port {port}) still delays small writes"
    );
    db.close().await.expect("close");
}
