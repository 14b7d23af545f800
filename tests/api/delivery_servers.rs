//! The outside servers notifications go to, real and on loopback: an SMTP server (aiosmtpd
//! from PyPI, writing what it receives to a Maildir) and an SMS gateway (an HTTP listener in
//! the test that checks each request's signature and keeps what it was sent). Each test
//! starts its own, so no test reads another's messages.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use serde_json::Value;

const AIOSMTPD: &str = "aiosmtpd==1.4.6";

/// The Python environment holding aiosmtpd, made once per machine (under `target/`).
fn smtp_python() -> PathBuf {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/smtp");
            let python = tools.join("bin/python");
            let marker = tools.join(".installed");
            if !marker.exists() {
                let venv = Command::new("python3")
                    .args(["-m", "venv"])
                    .arg(&tools)
                    .status()
                    .expect("python3 -m venv (the SMTP test server needs Python 3)");
                assert!(venv.success(), "python3 -m venv failed");
                let pip = Command::new(tools.join("bin/pip"))
                    .args(["install", "--quiet", AIOSMTPD])
                    .status()
                    .expect("pip install aiosmtpd");
                assert!(pip.success(), "pip install {AIOSMTPD} failed");
                std::fs::write(&marker, AIOSMTPD).expect("mark the SMTP tools installed");
            }
            python
        })
        .clone()
}

/// A free loopback port (nothing listens on it once this returns).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// An SMTP server for one test; stopped when dropped.
pub struct SmtpServer {
    pub port: u16,
    maildir: tempfile::TempDir,
    child: Child,
}

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        SmtpServer::start_on(free_port())
    }

    /// On a given port (the test that brings a server up where there was none).
    pub fn start_on(port: u16) -> SmtpServer {
        let maildir = tempfile::tempdir().expect("a Maildir folder");
        let child = Command::new(smtp_python())
            .args(["-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("box"))
            .args(["-l", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the SMTP server");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the SMTP server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer {
            port,
            maildir,
            child,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far.
    pub fn mails(&self) -> Vec<Mail> {
        let new = self.maildir.path().join("box/new");
        let Ok(entries) = std::fs::read_dir(&new) else {
            return Vec::new();
        };
        let mut mails: Vec<Mail> = entries
            .filter_map(Result::ok)
            .map(|e| parse_mail(&std::fs::read_to_string(e.path()).expect("a stored message")))
            .collect();
        mails.sort_by(|a, b| a.to.cmp(&b.to));
        mails
    }

    pub fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.contains(address))
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Headers (unfolded) and the body, decoded from base64 when so encoded.
fn parse_mail(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                let (key, value) = l.split_once(':')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let body = if header("Content-Transfer-Encoding").eq_ignore_ascii_case("base64") {
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .expect("a base64 body");
        String::from_utf8(bytes).expect("a UTF-8 body")
    } else {
        body.to_owned()
    };
    Mail {
        to: header("To"),
        subject: header("Subject"),
        body: body.replace("\r\n", "\n"),
    }
}

/// An SMS gateway for one test: keeps each correctly signed request, refuses others.
pub struct SmsGateway {
    pub url: String,
    pub secret: String,
    received: Arc<Mutex<Vec<Value>>>,
    refused: Arc<Mutex<usize>>,
    handle: actix_web::dev::ServerHandle,
}

struct GatewayState {
    secret: String,
    received: Arc<Mutex<Vec<Value>>>,
    refused: Arc<Mutex<usize>>,
}

async fn gateway(
    state: web::Data<GatewayState>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let expected = format!(
        "sha256={}",
        cleanprod::crypto::hmac_hex(state.secret.as_bytes(), &body)
    );
    let signed = request
        .headers()
        .get(cleanprod::services::notifications::transport::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    if signed != Some(expected.as_str()) {
        *state.refused.lock().expect("lock") += 1;
        return HttpResponse::Unauthorized().finish();
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(json) => {
            state.received.lock().expect("lock").push(json);
            HttpResponse::Ok().json(serde_json::json!({ "accepted": true }))
        }
        Err(_) => HttpResponse::BadRequest().finish(),
    }
}

impl SmsGateway {
    pub fn start() -> SmsGateway {
        let secret = "sms-gateway-secret-for-tests".to_owned();
        let received = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(0));
        let state = web::Data::new(GatewayState {
            secret: secret.clone(),
            received: received.clone(),
            refused: refused.clone(),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = listener.local_addr().expect("address").port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/sms", web::post().to(gateway))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        drop(actix_web::rt::spawn(server));
        SmsGateway {
            url: format!("http://127.0.0.1:{port}/sms"),
            secret,
            received,
            refused,
            handle,
        }
    }

    /// The requests received (JSON bodies), in order.
    pub fn received(&self) -> Vec<Value> {
        self.received.lock().expect("lock").clone()
    }

    pub fn sent_to(&self, phone: &str) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|r| r["to"] == phone)
            .collect()
    }

    pub fn refused(&self) -> usize {
        *self.refused.lock().expect("lock")
    }
}

impl Drop for SmsGateway {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}
