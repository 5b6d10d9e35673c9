//! The real server binary, killed (SIGKILL) while an outbox is syncing and started again:
//! the client resends whatever was not answered, and every op is applied exactly once.

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod support;
use support::fresh_database_url;

struct Server {
    child: Child,
}

fn start(data: &std::path::Path, database_url: &str, addr: &str) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_zhibu"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("ZHIBU_DATA_DIR", data)
        .env("ZHIBU_ADDRESS", addr)
        .env("ZHIBU_SEED_DEMO", "1")
        .env("LEPTOS_SITE_ROOT", data)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    Server { child }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    cookie: Option<String>,
    body: String,
}

async fn post(
    addr: &str,
    path: &str,
    content_type: &str,
    body: &str,
    cookie: Option<&str>,
) -> std::io::Result<Reply> {
    let mut stream =
        tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr)).await??;
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nAccept: application/json\r\n{cookie}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw)).await??;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("truncated response"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let lower = head.to_ascii_lowercase();
    let cookie = head
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: zhibu_session=")
        })
        .map(|l| {
            l["set-cookie: ".len()..]
                .split(';')
                .next()
                .unwrap()
                .to_string()
        });
    let body = if lower.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok(Reply {
        status,
        cookie,
        body,
    })
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out
}

async fn wait_healthy(addr: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut stream) = TcpStream::connect(addr).await {
            let _ = stream
                .write_all(
                    format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                        .as_bytes(),
                )
                .await;
            let mut raw = Vec::new();
            if stream.read_to_end(&mut raw).await.is_ok() && raw.starts_with(b"HTTP/1.1 200") {
                return;
            }
        }
        assert!(Instant::now() < deadline, "server did not become healthy");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn free_addr() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

#[tokio::test]
async fn killing_the_server_mid_sync_loses_nothing_and_doubles_nothing() {
    const OPS: usize = 400;
    const BATCH: usize = 25;
    let data = std::env::temp_dir().join(format!("zhibu-crash-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&data).unwrap();
    let database_url = fresh_database_url(&data).await;
    let addr = free_addr();
    let mut server = start(&data, &database_url, &addr);
    wait_healthy(&addr).await;
    let login = post(
        &addr,
        "/api/login",
        "application/x-www-form-urlencoded",
        "phone=13800000006&password=zhibu2024",
        None,
    )
    .await
    .unwrap();
    assert_eq!(login.status, 200, "{}", login.body);
    let cookie = login.cookie.unwrap();

    let mut outbox: Vec<Value> = (0..OPS)
        .map(|i| {
            json!({
                "op_id": uuid::Uuid::now_v7().to_string(),
                "kind": "suggestion.submit",
                "payload": { "id": uuid::Uuid::now_v7().to_string(), "body": format!("第 {i} 条建议") },
                "created_at": app::state::now(),
            })
        })
        .collect();
    let all_ids: Vec<String> = outbox
        .iter()
        .map(|op| op["payload"]["id"].as_str().unwrap().to_string())
        .collect();

    let mut answered = 0;
    let mut kills = 0;
    let mut failed_sends = 0;
    let deadline = Instant::now() + Duration::from_secs(180);
    while !outbox.is_empty() {
        assert!(Instant::now() < deadline, "sync did not finish");
        if kills < 2 && answered >= (kills + 1) * OPS / 3 {
            // Kill while the next batch is on its way: the request races the kill.
            let body = json!({ "ops": outbox[..BATCH.min(outbox.len())] }).to_string();
            let in_flight = tokio::spawn({
                let addr = addr.clone();
                let cookie = cookie.clone();
                async move { post(&addr, "/api/sync", "application/json", &body, Some(&cookie)).await }
            });
            tokio::time::sleep(Duration::from_millis(2)).await;
            server.child.kill().unwrap();
            server.child.wait().unwrap();
            let _ = in_flight.await;
            kills += 1;
            server = start(&data, &database_url, &addr);
            wait_healthy(&addr).await;
            continue;
        }
        let batch: Vec<Value> = outbox[..BATCH.min(outbox.len())].to_vec();
        match post(
            &addr,
            "/api/sync",
            "application/json",
            &json!({ "ops": batch }).to_string(),
            Some(&cookie),
        )
        .await
        {
            Ok(reply) if reply.status == 200 => {
                let replies: Vec<Value> = serde_json::from_str(&reply.body).unwrap();
                for r in replies {
                    assert!(r["outcome"].get("Applied").is_some(), "{r}");
                    outbox.retain(|op| op["op_id"] != r["op_id"]);
                    answered += 1;
                }
            }
            _ => {
                failed_sends += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    assert_eq!(kills, 2);
    drop(server);

    let pool = app::db::Pool::open(&database_url).await.unwrap();
    let rows: Vec<String> = app::db::query_scalar("SELECT id FROM suggestions")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        OPS,
        "nothing doubled ({failed_sends} failed sends)"
    );
    let mut stored = rows.clone();
    stored.sort();
    let mut expected = all_ids.clone();
    expected.sort();
    assert_eq!(stored, expected, "nothing lost");
    let applied: i64 = app::db::query_scalar("SELECT COUNT(*) FROM applied_ops")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(applied as usize, OPS);
    pool.close().await;
    let _ = std::fs::remove_dir_all(&data);
}
