//! How the server's database connections are set up.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::support::fresh_pg_database;

/// Whether the process's TCP socket bound to local `port` has Nagle's algorithm off, if there
/// is such a socket.
#[cfg(target_os = "linux")]
fn nodelay_of_local_port(port: u16) -> Option<bool> {
    use std::os::fd::{BorrowedFd, RawFd};
    let descriptors = std::fs::read_dir("/proc/self/fd").ok()?;
    descriptors.flatten().find_map(|entry| {
        let fd: RawFd = entry.file_name().to_str()?.parse().ok()?;
        // SAFETY: the descriptor was open when listed and is only borrowed here. Closed
        // meanwhile, the calls below fail with EBADF; reused, the checks below read whatever
        // it now is and change nothing.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&fd);
        let local = socket.local_addr().ok()?.as_socket()?;
        (local.port() == port && socket.peer_addr().is_ok())
            .then(|| socket.tcp_nodelay().ok())
            .flatten()
    })
}

/// sqlx 0.9.0 left Nagle's algorithm on (sqlx issue 4335), and with TLS a large statement then
/// waited for the server's delayed acknowledgement: a batch of draws ran at a third of its
/// speed. sqlx 0.9.1 sets `TCP_NODELAY` again; this keeps an upgrade from losing it. The
/// connection's own port, as the server sees it, finds its socket here.
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

/// Whether the worker's own app answers `/readyz`, which asks the database.
async fn ready_through(state: cleanprod::AppState) -> bool {
    let service = actix_web::test::init_service(cleanprod::build_app(state)).await;
    let request = actix_web::test::TestRequest::get()
        .uri("/readyz")
        .to_request();
    actix_web::test::call_service(&service, request)
        .await
        .status()
        .is_success()
}

/// On PostgreSQL each HTTP worker answers from a pool of its own, opened from its own thread
/// (`db::connect_worker_pool`): a share of the configured size.
#[actix_web::test]
async fn each_http_worker_has_its_own_postgres_pool() {
    let Some(app) = crate::support::TestApp::postgres().await else {
        return;
    };
    let worker = app.state.for_worker(2);
    let own = worker.services.db.get_postgres_connection_pool().clone();
    assert_eq!(
        own.options().get_max_connections(),
        cleanprod::db::worker_pool_size(2)
    );
    assert_ne!(
        own.options().get_max_connections(),
        app.state
            .services
            .db
            .get_postgres_connection_pool()
            .options()
            .get_max_connections(),
        "the worker kept the instance's pool"
    );
    assert!(ready_through(worker.clone()).await);
    assert!(own.size() >= 1, "the worker's pool answered");

    // `/metrics`, whichever worker answers it, counts the connections of every pool.
    let shared = app.state.services.db.get_postgres_connection_pool().size();
    let service = actix_web::test::init_service(cleanprod::build_app(worker)).await;
    let request = actix_web::test::TestRequest::get()
        .uri("/metrics")
        .to_request();
    let body = actix_web::test::call_and_read_body(&service, request).await;
    let text = String::from_utf8_lossy(&body);
    let counted = text
        .lines()
        .find_map(|l| l.strip_prefix("cleanprod_db_pool_connections "))
        .and_then(|n| n.trim().parse::<u32>().ok());
    assert_eq!(counted, Some(shared + own.size()), "{text}");
}
