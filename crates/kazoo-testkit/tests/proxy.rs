//! The fault proxy in front of a real server: pass, blackhole, cut, delay, refuse, and
//! close-after-next-request.

mod common;

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use common::eventually;
use common::raw::{
    create_request, exists_request, node_exists, ping_request, reply_header, Raw, ReadOutcome,
};
use kazoo_testkit::{four_letter_word, unique_path, FaultProxy, ProxyMode, ZkServer};

/// Long enough that a forwarded reply on loopback would certainly have arrived.
const SILENCE: Duration = Duration::from_millis(500);
const PATIENCE: Duration = Duration::from_secs(10);

#[test]
fn pass_blackhole_and_resume_a_session() {
    let zk = ZkServer::shared();
    let proxy = FaultProxy::start(zk.addr()).unwrap();
    assert_eq!(proxy.upstream(), zk.addr());
    assert_eq!(
        four_letter_word(proxy.addr(), "ruok", PATIENCE).unwrap(),
        "imok"
    );

    let mut session = Raw::connect(proxy.addr()).unwrap();
    session.handshake();
    assert!(eventually(PATIENCE, || proxy.connection_count() == 1));

    // The blackhole swallows the ping and its reply: the client hears nothing.
    proxy.set_mode(ProxyMode::Blackhole);
    session.send(&ping_request()).unwrap();
    assert_eq!(session.read_frame(SILENCE), ReadOutcome::Silence);

    // A four-letter word and a new session through the blackhole get no answer either.
    assert!(four_letter_word(proxy.addr(), "ruok", SILENCE).is_err());
    let mut late = Raw::connect(proxy.addr()).unwrap();
    late.send(&common::raw::connect_request(10_000)).unwrap();
    assert_eq!(late.read_frame(SILENCE), ReadOutcome::Silence);

    // Passing again delivers what was held, and the session works on.
    proxy.set_mode(ProxyMode::Pass);
    match session.read_frame(PATIENCE) {
        ReadOutcome::Frame(body) => assert_eq!(reply_header(&body), (-2, 0)),
        other => panic!("held ping reply not delivered: {other:?}"),
    }
    let path = unique_path("proxy-pass");
    session.send(&exists_request(7, &path)).unwrap();
    match session.read_frame(PATIENCE) {
        ReadOutcome::Frame(body) => assert_eq!(reply_header(&body), (7, -101)),
        other => panic!("no reply after the blackhole: {other:?}"),
    }
    assert!(matches!(late.read_frame(PATIENCE), ReadOutcome::Frame(_)));
}

#[test]
fn cut_closes_every_connection() {
    let zk = ZkServer::shared();
    let proxy = FaultProxy::start(zk.addr()).unwrap();
    let mut a = Raw::connect(proxy.addr()).unwrap();
    let mut b = Raw::connect(proxy.addr()).unwrap();
    a.handshake();
    b.handshake();
    assert!(eventually(PATIENCE, || proxy.connection_count() == 2));

    proxy.cut();
    assert_eq!(proxy.connection_count(), 0);
    assert_eq!(a.read_frame(PATIENCE), ReadOutcome::Eof);
    assert_eq!(b.read_frame(PATIENCE), ReadOutcome::Eof);

    // Cutting does not stop new connections.
    let mut c = Raw::connect(proxy.addr()).unwrap();
    c.handshake();
}

#[test]
fn cut_drops_bytes_held_by_a_blackhole() {
    let zk = ZkServer::shared();
    let proxy = FaultProxy::start(zk.addr()).unwrap();
    let mut a = Raw::connect(proxy.addr()).unwrap();
    a.handshake();
    proxy.set_mode(ProxyMode::Blackhole);
    a.send(&ping_request()).unwrap();
    assert_eq!(a.read_frame(SILENCE), ReadOutcome::Silence);
    proxy.cut();
    assert_eq!(a.read_frame(PATIENCE), ReadOutcome::Eof);
    assert_eq!(proxy.connection_count(), 0);
}

#[test]
fn close_after_next_request_commits_and_loses_the_reply() {
    let zk = ZkServer::shared();
    let proxy = FaultProxy::start(zk.addr()).unwrap();
    let mut session = Raw::connect(proxy.addr()).unwrap();
    session.handshake();

    proxy.set_mode(ProxyMode::CloseAfterNextRequest);
    // A ping does not count as the request.
    session.send(&ping_request()).unwrap();
    match session.read_frame(PATIENCE) {
        ReadOutcome::Frame(body) => assert_eq!(reply_header(&body), (-2, 0)),
        other => panic!("ping through the proxy failed: {other:?}"),
    }
    assert_eq!(proxy.mode(), ProxyMode::CloseAfterNextRequest);

    let path = unique_path("proxy-lost-reply");
    session.send(&create_request(1, &path, b"x")).unwrap();
    assert_eq!(session.read_frame(PATIENCE), ReadOutcome::Eof);
    // The server did get it: the node exists.
    assert!(node_exists(zk.addr(), &path));
    // One shot: the proxy passes again.
    assert_eq!(proxy.mode(), ProxyMode::Pass);
    assert!(eventually(PATIENCE, || proxy.connection_count() == 0));
    let mut again = Raw::connect(proxy.addr()).unwrap();
    again.handshake();
}

#[test]
fn delay_holds_each_chunk() {
    let zk = ZkServer::shared();
    let proxy = FaultProxy::start(zk.addr()).unwrap();
    let delay = Duration::from_millis(300);
    proxy.set_mode(ProxyMode::Delay(delay));
    let started = Instant::now();
    assert_eq!(
        four_letter_word(proxy.addr(), "ruok", PATIENCE).unwrap(),
        "imok"
    );
    // The request and the reply are each held for the delay.
    assert!(started.elapsed() >= 2 * delay, "{:?}", started.elapsed());
}

#[test]
fn refuse_closes_new_connections_only() {
    let zk = ZkServer::shared();
    let proxy = FaultProxy::start(zk.addr()).unwrap();
    let mut old = Raw::connect(proxy.addr()).unwrap();
    old.handshake();
    proxy.set_mode(ProxyMode::Refuse);
    let mut refused = Raw::connect(proxy.addr()).unwrap();
    let _ = refused.send(&common::raw::connect_request(10_000));
    assert_eq!(refused.read_frame(PATIENCE), ReadOutcome::Eof);
    // The old connection still passes.
    old.send(&ping_request()).unwrap();
    assert!(matches!(old.read_frame(PATIENCE), ReadOutcome::Frame(_)));
    proxy.set_mode(ProxyMode::Pass);
    Raw::connect(proxy.addr()).unwrap().handshake();
}

/// A one-shot upstream that answers every connection with its name.
fn named_upstream(name: &'static [u8]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            use std::io::Write;
            let _ = stream.write_all(name);
        }
    });
    addr
}

#[test]
fn set_upstream_redirects_new_connections() {
    use std::io::Read;
    let first = named_upstream(b"first");
    let second = named_upstream(b"second");
    let proxy = FaultProxy::start(first).unwrap();
    let read_name = || {
        let mut s = std::net::TcpStream::connect(proxy.addr()).unwrap();
        s.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut buf = [0u8; 6];
        let n = s.read(&mut buf).unwrap();
        buf[..n].to_vec()
    };
    assert_eq!(read_name(), b"first");
    proxy.set_upstream(second);
    assert_eq!(proxy.upstream(), second);
    assert_eq!(read_name(), b"second");
}

#[test]
fn drop_closes_connections_and_the_port() {
    let zk = ZkServer::shared();
    let proxy = FaultProxy::start(zk.addr()).unwrap();
    let addr = proxy.addr();
    let mut session = Raw::connect(addr).unwrap();
    session.handshake();
    proxy.set_mode(ProxyMode::Blackhole);
    let started = Instant::now();
    drop(proxy);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(session.read_frame(PATIENCE), ReadOutcome::Eof);
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}
