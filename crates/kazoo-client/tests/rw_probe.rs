//! The search for a read-write server, through the driver, against two scripted peers: one
//! serving read-only (and answering `isro` with `ro`), one read-write. A real ensemble hands
//! the client over on its own when its quorum returns (the read-only server closes its
//! connections), so the probe itself needs peers that stay as they are. (Test names avoid
//! "read_only": nextest runs those in the serial group of ensemble tests.)

mod common;

use kazoo_client::{Client, SessionState};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const T: Duration = Duration::from_secs(10);

/// What a peer counted: sessions served and `isro` questions answered.
#[derive(Default)]
struct Counts {
    sessions: AtomicUsize,
    probes: AtomicUsize,
}

fn connect_response(session: i64, read_only: bool) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&0i32.to_be_bytes());
    b.extend_from_slice(&6000i32.to_be_bytes());
    b.extend_from_slice(&session.to_be_bytes());
    b.extend_from_slice(&16i32.to_be_bytes());
    b.extend_from_slice(&[1u8; 16]);
    b.push(read_only as u8);
    let mut f = (b.len() as i32).to_be_bytes().to_vec();
    f.extend_from_slice(&b);
    f
}

/// Answers `isro`, or serves a session (pings and requests answered with NoNode).
async fn serve(mut s: TcpStream, read_only: bool, session: i64, counts: Arc<Counts>) {
    let mut head = [0u8; 4];
    if s.read_exact(&mut head).await.is_err() {
        return;
    }
    if &head == b"isro" {
        counts.probes.fetch_add(1, Ordering::SeqCst);
        let _ = s.write_all(if read_only { b"ro" } else { b"rw" }).await;
        return;
    }
    let mut body = vec![0u8; i32::from_be_bytes(head) as usize];
    if s.read_exact(&mut body).await.is_err() {
        return;
    }
    counts.sessions.fetch_add(1, Ordering::SeqCst);
    if s.write_all(&connect_response(session, read_only))
        .await
        .is_err()
    {
        return;
    }
    loop {
        let mut len = [0u8; 4];
        if s.read_exact(&mut len).await.is_err() {
            return;
        }
        let mut f = vec![0u8; i32::from_be_bytes(len) as usize];
        if s.read_exact(&mut f).await.is_err() {
            return;
        }
        let xid = &f[..4];
        let err: i32 = if xid == (-2i32).to_be_bytes() {
            0
        } else {
            -101
        };
        let mut r = Vec::new();
        r.extend_from_slice(&16i32.to_be_bytes());
        r.extend_from_slice(xid);
        r.extend_from_slice(&1i64.to_be_bytes());
        r.extend_from_slice(&err.to_be_bytes());
        if s.write_all(&r).await.is_err() {
            return;
        }
    }
}

async fn peer(read_only: bool, session: i64) -> (String, Arc<Counts>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap().to_string();
    let counts = Arc::new(Counts::default());
    let c = counts.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(serve(s, read_only, session, c.clone()));
        }
    });
    (addr, counts)
}

#[tokio::test]
async fn a_client_on_a_ro_peer_finds_the_rw_peer_and_moves_there() {
    common::init_tracing();
    let (ro, ro_counts) = peer(true, 0x10).await;
    let (rw, rw_counts) = peer(false, 0x20).await;
    let zk = Client::builder(&format!("{ro},{rw}"))
        .randomize_hosts(false)
        .read_only(true)
        .build()
        .unwrap();
    let mut states = zk.subscribe_state();
    zk.start(T).await.unwrap();
    let c = common::wait_state(&mut states, T, |c| c.session.is_connected()).await;
    assert_eq!(c.session, SessionState::ConnectedReadOnly);
    assert_eq!(zk.session_id(), Some(0x10));
    common::wait_state(&mut states, T, |c| c.session == SessionState::Connected).await;
    assert_eq!(zk.session_id(), Some(0x20));
    assert_eq!(zk.current_server().unwrap().to_string(), rw);
    assert!(rw_counts.probes.load(Ordering::SeqCst) >= 1);
    assert_eq!(rw_counts.sessions.load(Ordering::SeqCst), 1);
    // The read-only peer was never asked whether it serves read-write: it is the one the
    // client is on.
    assert_eq!(ro_counts.probes.load(Ordering::SeqCst), 0);
    zk.close().await;
}

#[tokio::test]
async fn without_a_rw_peer_the_client_stays_ro_and_keeps_asking() {
    common::init_tracing();
    let (ro, _) = peer(true, 0x10).await;
    let (other_ro, other_counts) = peer(true, 0x11).await;
    let zk = Client::builder(&format!("{ro},{other_ro}"))
        .randomize_hosts(false)
        .read_only(true)
        .connect()
        .await
        .unwrap();
    assert_eq!(zk.keeper_state(), SessionState::ConnectedReadOnly);
    // The first rounds come after 100, 200 and 400 ms.
    common::eventually(T, || async {
        other_counts.probes.load(Ordering::SeqCst) >= 3
    })
    .await;
    assert_eq!(zk.keeper_state(), SessionState::ConnectedReadOnly);
    assert_eq!(zk.session_id(), Some(0x10));
    assert_eq!(other_counts.sessions.load(Ordering::SeqCst), 0);
    zk.close().await;
}
