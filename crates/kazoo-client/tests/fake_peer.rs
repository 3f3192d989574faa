//! A scripted fake server, speaking the protocol by hand, for what a real server will not do
//! on demand: wrong xids, garbage and truncated frames, unanswered pings, an expired answer.
//! The client must recover or report, never panic.

mod common;

use kazoo_client::{Client, Error, KazooState, SessionState};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

const T: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug)]
enum Script {
    /// Answer everything properly (NoNode to every request).
    Good,
    /// Answer the first request with a wrong xid.
    WrongXid,
    /// Send a frame with a negative length after the first request.
    Garbage,
    /// Send half a reply to the first request, then close.
    Truncated,
    /// Handshake, then never answer anything (pings included).
    Silent,
    /// Answer the handshake with timeout 0 (session expired).
    Expired,
}

async fn read_frame(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).await.ok()?;
    let mut body = vec![0u8; i32::from_be_bytes(len) as usize];
    s.read_exact(&mut body).await.ok()?;
    Some(body)
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut f = (body.len() as i32).to_be_bytes().to_vec();
    f.extend_from_slice(body);
    f
}

fn connect_response(timeout_ms: i32, session: i64) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&0i32.to_be_bytes());
    b.extend_from_slice(&timeout_ms.to_be_bytes());
    b.extend_from_slice(&session.to_be_bytes());
    b.extend_from_slice(&16i32.to_be_bytes());
    b.extend_from_slice(&[1u8; 16]);
    b.push(0);
    frame(&b)
}

fn reply(xid: i32, err: i32) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&xid.to_be_bytes());
    b.extend_from_slice(&1i64.to_be_bytes());
    b.extend_from_slice(&err.to_be_bytes());
    frame(&b)
}

async fn serve(mut s: TcpStream, script: Script, pings: mpsc::UnboundedSender<()>) {
    if read_frame(&mut s).await.is_none() {
        return;
    }
    let timeout = if matches!(script, Script::Expired) {
        0
    } else {
        1200
    };
    if s.write_all(&connect_response(timeout, 0x1234))
        .await
        .is_err()
    {
        return;
    }
    if matches!(script, Script::Expired) {
        return;
    }
    while let Some(f) = read_frame(&mut s).await {
        let xid = i32::from_be_bytes([f[0], f[1], f[2], f[3]]);
        let out = match (script, xid) {
            (Script::Silent, _) => continue,
            (_, -2) => {
                let _ = pings.send(());
                reply(-2, 0)
            }
            (Script::Good, x) => reply(x, -101),
            (Script::WrongXid, x) => reply(x + 1000, -101),
            (Script::Garbage, _) => vec![0xff, 0xff, 0xff, 0x00, 1, 2, 3],
            (Script::Truncated, x) => {
                let r = reply(x, -101);
                let _ = s.write_all(&r[..9]).await;
                return;
            }
            (Script::Expired, _) => return,
        };
        if s.write_all(&out).await.is_err() {
            return;
        }
    }
}

/// A fake server that runs `first` on its first connection and `Good` on the later ones.
async fn fake(first: Script) -> (String, Arc<AtomicUsize>) {
    let (hosts, count, _pings) = fake_counting(first).await;
    (hosts, count)
}

/// [`fake`], also telling of every ping it answers.
async fn fake_counting(first: Script) -> (String, Arc<AtomicUsize>, mpsc::UnboundedReceiver<()>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let (ping_tx, ping_rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let n = c.fetch_add(1, Ordering::SeqCst);
            let script = if n == 0 { first } else { Script::Good };
            tokio::spawn(serve(s, script, ping_tx.clone()));
        }
    });
    (addr.to_string(), count, ping_rx)
}

async fn client(hosts: &str) -> Client {
    common::init_tracing();
    Client::builder(hosts)
        .session_timeout(Duration::from_millis(1200))
        .reconnect_backoff(Duration::from_millis(10), Duration::from_millis(50))
        .connect()
        .await
        .unwrap()
}

async fn recovers_after(script: Script) {
    let (hosts, count) = fake(script).await;
    let zk = client(&hosts).await;
    let first = tokio::time::timeout(T, zk.get("/x")).await.unwrap();
    assert!(
        matches!(first, Err(Error::ConnectionLoss)),
        "{script:?}: {first:?}"
    );
    // The client reconnected (same session) and works against the well-behaved connection.
    let again = tokio::time::timeout(T, zk.get("/x")).await.unwrap();
    assert!(
        matches!(again, Err(Error::NoNode { .. })),
        "{script:?}: {again:?}"
    );
    assert!(count.load(Ordering::SeqCst) >= 2);
    assert_eq!(zk.session_id(), Some(0x1234));
    zk.close().await;
}

#[tokio::test]
async fn xid_mismatch_resets_the_connection() {
    recovers_after(Script::WrongXid).await;
}

#[tokio::test]
async fn garbage_frame_resets_the_connection() {
    recovers_after(Script::Garbage).await;
}

#[tokio::test]
async fn truncated_frame_then_close_is_a_connection_loss() {
    recovers_after(Script::Truncated).await;
}

#[tokio::test]
async fn an_idle_client_pings_on_time_after_a_burst_of_requests() {
    // Every request and reply moves the ping and read deadlines later, and the I/O task moves
    // its timer lazily: it must still wake up to ping once the calls stop.
    let (hosts, count, mut pings) = fake_counting(Script::Good).await;
    let zk = client(&hosts).await;
    for _ in 0..50 {
        assert!(matches!(zk.get("/x").await, Err(Error::NoNode { .. })));
    }
    while pings.try_recv().is_ok() {}
    // Session timeout 1.2 s: a ping every 400 ms or so; three of them within 10 s.
    for _ in 0..3 {
        tokio::time::timeout(T, pings.recv())
            .await
            .expect("an idle client stopped pinging")
            .unwrap();
    }
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "the connection was dropped"
    );
    assert_eq!(zk.state(), KazooState::Connected);
    zk.close().await;
}

#[tokio::test]
async fn server_that_never_answers_pings_is_left() {
    let (hosts, count) = fake(Script::Silent).await;
    let zk = client(&hosts).await;
    let mut states = zk.subscribe_state();
    // Read timeout 2T/3 = 800 ms: Suspended, then Connected again on the next connection.
    common::wait_kazoo(&mut states, KazooState::Suspended, T).await;
    common::wait_kazoo(&mut states, KazooState::Connected, T).await;
    assert!(count.load(Ordering::SeqCst) >= 2);
    zk.close().await;
}

#[tokio::test]
async fn expired_answer_is_reported_as_lost_then_a_new_session() {
    let (hosts, _count) = fake(Script::Expired).await;
    let zk = Client::builder(&hosts)
        .session_timeout(Duration::from_millis(1200))
        .reconnect_backoff(Duration::from_millis(10), Duration::from_millis(50))
        .session(0x99, vec![2; 16])
        .build()
        .unwrap();
    let mut states = zk.subscribe_state();
    let pending = zk.get("/queued");
    zk.start(T).await.unwrap_or(());
    let pending = pending.await;
    let seen = common::wait_state(&mut states, T, |c| {
        c.session == SessionState::ExpiredSession
    })
    .await;
    assert_eq!(seen.kazoo, KazooState::Lost);
    common::wait_kazoo(&mut states, KazooState::Connected, T).await;
    assert_eq!(zk.session_id(), Some(0x1234));
    // The request queued before start was closed, expired, or answered after the new
    // session: never lost silently, never a panic.
    assert!(matches!(
        pending,
        Err(Error::SessionExpired) | Err(Error::Closed) | Err(Error::NoNode { .. })
    ));
    zk.close().await;
}

/// First connection: a session (timeout 1.2 s), closed at once. Second: the resuming
/// handshake is read and never answered. Later ones: the session is resumed if its handshake
/// comes within the session timeout of the unanswered one, else reported expired, as a
/// server whose session tracker started counting would.
async fn silent_during_resume() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let mut silent_since = None;
        let mut held = Vec::new();
        let mut n = 0;
        while let Ok((mut s, _)) = l.accept().await {
            n += 1;
            if read_frame(&mut s).await.is_none() {
                continue;
            }
            match n {
                1 => {
                    let _ = s.write_all(&connect_response(1200, 0x1234)).await;
                    drop(s);
                }
                2 => {
                    silent_since = Some(std::time::Instant::now());
                    held.push(s);
                }
                _ => {
                    let in_time =
                        silent_since.is_some_and(|t| t.elapsed() < Duration::from_millis(1200));
                    let answer = if in_time {
                        connect_response(1200, 0x1234)
                    } else {
                        connect_response(0, 0)
                    };
                    let (pings, _) = mpsc::unbounded_channel();
                    if s.write_all(&answer).await.is_ok() && in_time {
                        tokio::spawn(async move {
                            while let Some(f) = read_frame(&mut s).await {
                                let xid = i32::from_be_bytes([f[0], f[1], f[2], f[3]]);
                                let out = if xid == -2 {
                                    let _ = pings.send(());
                                    reply(-2, 0)
                                } else {
                                    reply(xid, -101)
                                };
                                if s.write_all(&out).await.is_err() {
                                    return;
                                }
                            }
                        });
                    }
                }
            }
        }
    });
    addr.to_string()
}

#[tokio::test]
async fn an_unanswered_resuming_handshake_is_retried_before_the_session_expires() {
    let hosts = silent_during_resume().await;
    let zk = client(&hosts).await;
    assert_eq!(zk.session_id(), Some(0x1234));
    // The first connection closes; the second hangs in the handshake; a third must come
    // soon enough to resume the session (after a third of 1.2 s, not the whole connect
    // timeout). Calls fail with ConnectionLoss meanwhile; once one is answered, the client
    // is on the third connection.
    let answered = tokio::time::timeout(T, async {
        loop {
            match zk.get("/x").await {
                Err(Error::NoNode { .. }) => break,
                Err(Error::ConnectionLoss) => {
                    let _ = zk.exists("/").await;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    })
    .await;
    assert!(answered.is_ok(), "never answered on a resumed session");
    assert_eq!(zk.session_id(), Some(0x1234), "the session was resumed");
    assert_eq!(zk.state(), KazooState::Connected);
    zk.close().await;
}
