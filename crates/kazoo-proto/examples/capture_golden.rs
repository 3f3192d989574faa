//! Captures golden vectors: a recording TCP proxy between ZooKeeper's own Java client (running
//! `tests/golden/GoldenClient.java`) and a real server. Both byte streams are stored verbatim.
//!
//! Run through `tests/golden/capture.sh`, which starts a fresh server; by hand:
//!
//! ```text
//! cargo run -p kazoo-proto --example capture_golden -- <server host:port> <output dir>
//! ```
//!
//! `ZOOKEEPER_CLASSPATH` overrides the Java classpath (default: Debian's jars). Writes
//! `client-to-server.bin`, `server-to-client.bin` and a readable `frames.txt`.

use kazoo_proto::frame::FrameDecoder;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;

const DEFAULT_CLASSPATH: &str = "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, server, out] = args.as_slice() else {
        return Err("usage: capture_golden <server host:port> <output dir>".into());
    };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let proxy_addr = listener.local_addr()?;
    let classpath =
        std::env::var("ZOOKEEPER_CLASSPATH").unwrap_or_else(|_| DEFAULT_CLASSPATH.to_owned());
    let client_src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/GoldenClient.java");
    let mut java = Command::new("java")
        .arg("-cp")
        .arg(&classpath)
        .arg(&client_src)
        .arg(proxy_addr.to_string())
        .spawn()?;

    // The Java client opens exactly one connection (it never reconnects in this script).
    let (client, _) = listener.accept()?;
    let upstream = TcpStream::connect(server.as_str())?;
    let c2s = pump(client.try_clone()?, upstream.try_clone()?);
    let s2c = pump(upstream, client);
    let status = java.wait()?;
    let c2s = c2s.join().map_err(|_| "client pump panicked")??;
    let s2c = s2c.join().map_err(|_| "server pump panicked")??;
    if !status.success() {
        return Err(format!("the Java client failed: {status}").into());
    }

    std::fs::write(out.join("client-to-server.bin"), &c2s)?;
    std::fs::write(out.join("server-to-client.bin"), &s2c)?;
    let mut listing = String::new();
    describe("client -> server", &c2s, &mut listing)?;
    describe("server -> client", &s2c, &mut listing)?;
    std::fs::write(out.join("frames.txt"), listing)?;
    println!(
        "captured {} bytes to the server and {} bytes back into {}",
        c2s.len(),
        s2c.len(),
        out.display()
    );
    Ok(())
}

/// Copies `from` to `to` until `from` closes, returning everything that passed.
fn pump(mut from: TcpStream, mut to: TcpStream) -> thread::JoinHandle<std::io::Result<Vec<u8>>> {
    thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(e) => return Err(e),
            };
            seen.extend_from_slice(&buf[..n]);
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
        Ok(seen)
    })
}

/// One line per frame: index, length and the bytes in hex.
fn describe(
    title: &str,
    stream: &[u8],
    out: &mut String,
) -> Result<(), Box<dyn std::error::Error>> {
    use std::fmt::Write as _;
    writeln!(out, "# {title}")?;
    let mut dec = FrameDecoder::new();
    dec.feed(stream);
    let mut i = 0;
    while let Some(frame) = dec.next_frame()? {
        let hex: String = frame.iter().map(|b| format!("{b:02x}")).collect();
        writeln!(out, "{i:3} len={:<5} {hex}", frame.len())?;
        i += 1;
    }
    if dec.buffered() != 0 {
        writeln!(out, "# {} trailing bytes", dec.buffered())?;
    }
    Ok(())
}
