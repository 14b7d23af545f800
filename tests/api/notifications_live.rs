//! Live notifications as a front end receives them: a real WebSocket client speaking
//! `graphql-transport-ws` to a real server. The subscribers sit on a second instance of the
//! same database, so what is tested is what several instances do: the invitation written by
//! one reaches the expert signed in on the other, nobody else's arrive, a user disabled after
//! signing in hears no more, and a socket without a valid token is refused as a request is.

use std::net::SocketAddr;
use std::time::Duration;

use actix_codec::{Decoder, Encoder};
use actix_http::ws;
use actix_web::rt::net::TcpStream;
use actix_web::test::TestRequest;
use bytes::BytesMut;
use cleanprod::AppState;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::audits::setting;
use crate::db_test;
use crate::panels::{day, evaluation, pool};
use crate::support::{TestApp, create_expert};

const RECEIVED: &str =
    "subscription { notificationReceived { id kind title subjectType subjectId reviewId readAt } }";
/// How long a notification may take to arrive: the poller reads every 200 ms here.
const LIVE_WAIT: Duration = Duration::from_secs(15);
/// How long to listen for what must not arrive: several of the poller's reads.
const QUIET: Duration = Duration::from_millis(1500);

/// Another instance on the test's database, serving HTTP and WebSockets on a free port.
struct Instance {
    state: AppState,
    address: SocketAddr,
    server: actix_web::dev::ServerHandle,
}

impl Instance {
    async fn beside(app: &TestApp) -> Instance {
        let mut config = (*app.state.services.config).clone();
        config.live_poll = Duration::from_millis(200);
        // Revocations made through the other instance are seen at once (no principal cache).
        config.auth_cache = Duration::ZERO;
        let db = cleanprod::db::connect(&config.database_url)
            .await
            .expect("connect the second instance");
        let state = AppState::new(config, db).await.expect("second instance");
        let served = state.clone();
        let bound = actix_web::HttpServer::new(move || cleanprod::build_app(served.clone()))
            .workers(1)
            .disable_signals()
            .shutdown_timeout(1)
            .bind(("127.0.0.1", 0))
            .expect("a free port");
        let address = bound.addrs()[0];
        let server = bound.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Instance {
            state,
            address,
            server: handle,
        }
    }

    /// A socket signed in with `payload` as its `connection_init` payload.
    async fn socket(&self, payload: Option<Value>) -> Socket {
        let mut socket = Socket::open(self.address).await;
        let mut init = json!({ "type": "connection_init" });
        if let Some(payload) = payload {
            init["payload"] = payload;
        }
        socket.send(init).await;
        let ack = socket
            .next(LIVE_WAIT)
            .await
            .expect("connection_init answered");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        socket
    }

    /// A socket of the token's user, subscribed to their notifications.
    async fn subscriber(&self, key: &str, token: &str) -> Socket {
        let mut socket = self
            .socket(Some(json!({ key: format!("Bearer {token}") })))
            .await;
        socket.subscribe(RECEIVED).await;
        socket
    }

    /// Waits until this instance's poller has `n` subscribers: the subscriptions are live.
    async fn wait_for_subscribers(&self, n: usize) {
        let live = &self.state.services.live;
        let started = std::time::Instant::now();
        while live.subscribers() < n {
            assert!(
                started.elapsed() < LIVE_WAIT,
                "{} of {n} subscribers",
                live.subscribers()
            );
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn stop(self) {
        self.server.stop(false).await;
    }
}

/// A WebSocket client: the handshake by hand, frames through actix's codec.
struct Socket {
    stream: TcpStream,
    buffer: BytesMut,
    codec: ws::Codec,
}

impl Socket {
    async fn open(address: SocketAddr) -> Socket {
        const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
        let mut stream = TcpStream::connect(address).await.expect("connect");
        let request = format!(
            "GET /graphql HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .await
            .expect("send the handshake");
        let mut buffer = BytesMut::new();
        let end = loop {
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let read = tokio::time::timeout(LIVE_WAIT, stream.read_buf(&mut buffer))
                .await
                .expect("the handshake answered in time")
                .expect("read the handshake");
            assert!(read > 0, "closed during the handshake");
        };
        let head = String::from_utf8_lossy(&buffer.split_to(end)).into_owned();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        let accept = ws::hash_key(KEY.as_bytes());
        let accept = std::str::from_utf8(&accept).expect("base64");
        let lines: Vec<String> = head.lines().map(str::to_ascii_lowercase).collect();
        assert!(
            lines.contains(&"sec-websocket-protocol: graphql-transport-ws".to_owned()),
            "{head}"
        );
        assert!(
            head.lines().any(
                |l| l.to_ascii_lowercase().starts_with("sec-websocket-accept:")
                    && l.trim_end().ends_with(accept)
            ),
            "{head}"
        );
        Socket {
            stream,
            buffer,
            codec: ws::Codec::new().client_mode(),
        }
    }

    async fn write(&mut self, message: ws::Message) {
        let mut out = BytesMut::new();
        self.codec
            .encode(message, &mut out)
            .expect("encode a frame");
        self.stream.write_all(&out).await.expect("send a frame");
    }

    async fn send(&mut self, message: Value) {
        self.write(ws::Message::Text(message.to_string().into()))
            .await;
    }

    async fn subscribe(&mut self, query: &str) {
        self.send(json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }))
            .await;
    }

    /// The next protocol message, or `None` when none comes within `wait`. The server's
    /// pings are answered, as a browser does.
    async fn next(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(frame) = self.codec.decode(&mut self.buffer).expect("a valid frame") {
                match frame {
                    ws::Frame::Text(text) => {
                        return Some(serde_json::from_slice(&text).expect("a JSON message"));
                    }
                    ws::Frame::Ping(payload) => self.write(ws::Message::Pong(payload)).await,
                    ws::Frame::Close(reason) => panic!("the server closed the socket: {reason:?}"),
                    _ => {}
                }
            }
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.buffer)).await {
                Err(_) => return None,
                Ok(read) => assert!(read.expect("read") > 0, "the connection dropped"),
            }
        }
    }

    /// The subscription's one answer, an error, and its end: the error.
    async fn refused(&mut self) -> Value {
        let answer = self.next(LIVE_WAIT).await.expect("an answer");
        assert_eq!(answer["type"], "next", "{answer}");
        assert_eq!(answer["id"], "1", "{answer}");
        let error = answer["payload"]["errors"][0].clone();
        assert!(!error.is_null(), "{answer}");
        assert!(
            error["extensions"]["messageZh"].is_string(),
            "every error has its Chinese: {error}"
        );
        let complete = self.next(LIVE_WAIT).await.expect("the end");
        assert_eq!(complete, json!({ "type": "complete", "id": "1" }));
        error
    }
}

async fn user_id(app: &TestApp, token: &str) -> Value {
    app.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"].clone()
}

pub(crate) async fn a_drawn_expert_hears_of_it_live(app: TestApp) {
    let s = setting(&app).await;
    // One expert of each kind the panel needs: all three are drawn.
    let pool_ids = pool(&app, &s.admin, 100, 1).await;
    let (_, review) = evaluation(&app, &s, 10, &day(5)).await;
    let drawn = app.user_token("EXPERT", None, Some(&pool_ids[0])).await;
    let disabled = app.user_token("EXPERT", None, Some(&pool_ids[1])).await;
    // An expert with an account, not in the pool (never made ACTIVE).
    let outsider = create_expert(&app, &s.admin, 900).await;
    let bystander = app
        .user_token("EXPERT", None, outsider["id"].as_str())
        .await;

    let other = Instance::beside(&app).await;
    let mut mine = other.subscriber("authorization", &drawn).await;
    let mut theirs = other.subscriber("Authorization", &bystander).await;
    let mut revoked = other.subscriber("authorization", &disabled).await;
    other.wait_for_subscribers(3).await;
    // Disabled after signing in: the socket is told so, and gets nothing more.
    let id = user_id(&app, &disabled).await;
    app.ok(
        Some(&s.admin),
        "mutation($id: ID!) { changeUser(id: $id, input: { disabled: true }) { disabled } }",
        json!({ "id": id }),
    )
    .await;

    // Written by this instance, received on the other.
    let panel = crate::panels::draw_opened(&app, &s.city, &review).await;
    let seat = panel["seats"]
        .as_array()
        .expect("seats")
        .iter()
        .find(|seat| seat["expertId"] == pool_ids[0].as_str())
        .expect("the expert is drawn")
        .clone();
    let message = mine.next(LIVE_WAIT).await.expect("the invitation, live");
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], "1");
    assert!(message["payload"].get("errors").is_none(), "{message}");
    let received = &message["payload"]["data"]["notificationReceived"];
    assert_eq!(received["kind"], "PANEL_INVITATION");
    assert_eq!(received["subjectType"], "PanelSeat");
    assert_eq!(received["subjectId"], seat["id"]);
    assert_eq!(received["reviewId"], review);
    assert_eq!(received["title"], "评审专家邀请：企业10清洁生产审核评估");
    assert_eq!(received["readAt"], Value::Null);
    // The very notification the inbox lists.
    let inbox = app
        .ok(
            Some(&drawn),
            "{ notifications(first: 5) { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(inbox["notifications"]["totalCount"], 1);
    assert_eq!(
        inbox["notifications"]["edges"][0]["node"]["id"],
        received["id"]
    );

    let error = revoked.refused().await;
    assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED", "{error}");
    assert_eq!(error["path"], json!(["notificationReceived"]), "{error}");

    // Nothing more: not the other experts' invitations, not the same one twice, nothing for
    // an expert who was not drawn.
    assert_eq!(mine.next(QUIET).await, None);
    assert_eq!(theirs.next(QUIET).await, None);
    other.stop().await;
}
db_test!(a_drawn_expert_hears_of_it_live);

/// A socket signs in as a request does: without a token, or with a bad one, a subscription
/// answers UNAUTHENTICATED; queries and mutations stay on HTTP, which still answers GET.
pub(crate) async fn sockets_sign_in_as_requests_do(app: TestApp) {
    let server = Instance::beside(&app).await;
    let mut anonymous = server.socket(None).await;
    anonymous.subscribe(RECEIVED).await;
    let error = anonymous.refused().await;
    assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED", "{error}");
    assert_eq!(error["message"], "sign in first");

    for payload in [
        json!({ "authorization": "Bearer not-a-token" }),
        json!({ "authorization": "Basic YWRtaW46YWRtaW4=" }),
        json!({ "Authorization": 42 }),
    ] {
        let mut forged = server.socket(Some(payload.clone())).await;
        forged.subscribe(RECEIVED).await;
        let error = forged.refused().await;
        assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED", "{payload}");
        assert_eq!(error["message"], "invalid or expired token", "{payload}");
    }

    let admin = app.admin().await;
    let mut signed_in = server
        .socket(Some(json!({ "authorization": format!("Bearer {admin}") })))
        .await;
    signed_in.subscribe("{ me { id } }").await;
    let error = signed_in.refused().await;
    assert_eq!(error["extensions"]["code"], "BAD_REQUEST", "{error}");

    // Over HTTP a subscription is refused; GET /graphql without an upgrade still answers.
    let (code, _) = app.err(Some(&admin), RECEIVED, json!({})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (status, _, body) = app
        .send(TestRequest::get().uri("/graphql?query=%7B__typename%7D"))
        .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    server.stop().await;
}
db_test!(sockets_sign_in_as_requests_do);
