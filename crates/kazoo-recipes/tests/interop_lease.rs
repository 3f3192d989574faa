//! A NonBlockingLease shared with Python kazoo 2.11, both on injected clocks: each side
//! honours the other's holder record, renews it under the same identifier, and takes it over
//! only after its end.

mod common;

use common::{assert_no_watches_under, client_at, fresh_root, Py};
use kazoo_recipes::lease::NonBlockingLease;
use std::time::{Duration, SystemTime};

const SCRIPT: &str = r#"
import os, sys, datetime
from kazoo.client import KazooClient
zk = KazooClient(hosts=os.environ["ZK_HOSTS"])
zk.start()
t0 = datetime.datetime(2023, 11, 14, 22, 13, 20)
def at(minutes):
    return lambda: t0 + datetime.timedelta(minutes=minutes)
five = datetime.timedelta(minutes=5)
print("obtained %s" % bool(zk.NonBlockingLease("/lease", five, identifier="py", utcnow=at(0))))
sys.stdin.readline()
print("other at 2 %s" % bool(zk.NonBlockingLease("/lease", five, identifier="other", utcnow=at(2))))
print("other at 6 %s" % bool(zk.NonBlockingLease("/lease", five, identifier="other", utcnow=at(6))))
print(zk.get("/lease/lease_holder")[0].decode())
zk.stop()
"#;

fn at(minutes: u64) -> impl Fn() -> SystemTime + Send + Sync + 'static {
    move || SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + minutes * 60)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_and_rust_holders_honour_each_other() {
    let root = fresh_root("interop-lease").await;
    let zk = client_at(&root).await;
    let mut py = Py::start(&root, SCRIPT);
    assert_eq!(py.line_async("obtained").await, "obtained True");
    let (data, _) = zk.get("/lease/lease_holder").await.unwrap();
    assert_eq!(
        std::str::from_utf8(&data).unwrap(),
        r#"{"version": 1, "holder": "py", "end": "2023-11-14T22:18:20"}"#
    );
    let five = Duration::from_secs(300);
    let rust = |id: &str, minutes| {
        NonBlockingLease::new(&zk, "/lease", five)
            .with_identifier(id)
            .with_clock(at(minutes))
    };
    assert!(rust("rs", 1).try_obtain().await.unwrap().is_none());
    // Python's holder identity, from Rust: a renewal until minute 6.
    let renewed = rust("py", 1).try_obtain().await.unwrap().expect("renewal");
    assert_eq!(
        renewed.end(),
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + 6 * 60)
    );
    py.send("go");
    assert_eq!(py.line_async("other at 2").await, "other at 2 False");
    assert_eq!(py.line_async("other at 6").await, "other at 6 True");
    assert_eq!(
        py.line_async("record").await,
        r#"{"version": 1, "holder": "other", "end": "2023-11-14T22:24:20"}"#
    );
    py.finish();
    assert!(
        renewed.is_lost() || {
            tokio::time::timeout(Duration::from_secs(20), renewed.lost_signal().lost())
                .await
                .is_ok()
        }
    );
    assert!(rust("rs", 10).try_obtain().await.unwrap().is_none());
    assert!(rust("rs", 11).try_obtain().await.unwrap().is_some());
    assert_eq!(zk.get_children("/lease").await.unwrap(), ["lease_holder"]);
    drop(renewed);
    assert_no_watches_under(&root);
    zk.close().await;
}
