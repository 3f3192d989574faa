//! Read/write lock behaviour against a real server: readers share, writers exclude everyone,
//! order is kept, and kazoo's rule that a plain lock does not wait for readers.

mod common;
mod lock_common;

use common::*;
use kazoo_client::Client;
use kazoo_recipes::lock::{Lock, LockOptions, ReadLock, WriteLock};
use lock_common::*;

fn reader(client: &Client, id: &str) -> ReadLock {
    ReadLock::with_options(client, "/rw", LockOptions::new().identifier(id))
}

fn writer(client: &Client, id: &str) -> WriteLock {
    WriteLock::with_options(client, "/rw", LockOptions::new().identifier(id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rw_readers_share_and_writers_exclude_in_order() {
    let root = fresh_root("rw-order").await;
    let zk = [
        client_at(&root).await,
        client_at(&root).await,
        client_at(&root).await,
        client_at(&root).await,
    ];
    let (r1, r2, w, r3) = (
        reader(&zk[0], "r1"),
        reader(&zk[1], "r2"),
        writer(&zk[2], "w"),
        reader(&zk[3], "r3"),
    );

    let g1 = r1.acquire().await.unwrap();
    let g2 = r2.try_acquire().await.unwrap().expect("readers share");
    assert!(g1.node_path().contains("__rlock__"));
    assert!(w.try_acquire().await.unwrap().is_none(), "readers hold it");

    let wl = w.clone();
    let pending_w = tokio::spawn(async move { wl.acquire().await });
    eventually("the writer queues", || async {
        w.contenders().await.unwrap().len() == 3
    })
    .await;
    assert_eq!(w.contenders().await.unwrap(), ["r1", "r2", "w"]);
    // A reader that comes after a waiting writer waits for it (no writer starvation).
    assert!(r3.try_acquire().await.unwrap().is_none());
    let rl = r3.clone();
    let pending_r3 = tokio::spawn(async move { rl.acquire().await });
    eventually("r3 queues", || async {
        w.contenders().await.unwrap().len() == 4
    })
    .await;

    g1.release().await.unwrap();
    assert!(!pending_w.is_finished(), "r2 still reads");
    let t2 = g2.token();
    g2.release().await.unwrap();
    let gw = within("the writer's grant", pending_w)
        .await
        .unwrap()
        .unwrap();
    assert!(gw.token() > t2);
    assert!(!pending_r3.is_finished(), "the writer excludes readers");
    gw.release().await.unwrap();
    let g3 = within("r3's grant", pending_r3).await.unwrap().unwrap();
    g3.release().await.unwrap();

    assert!(children(&zk[0], "/rw").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rw_writers_exclude_each_other_and_readers_wait_for_them() {
    let root = fresh_root("rw-writers").await;
    let (a, b, c) = (
        client_at(&root).await,
        client_at(&root).await,
        client_at(&root).await,
    );
    let (w1, w2, r) = (writer(&a, "w1"), writer(&b, "w2"), reader(&c, "r"));
    let g1 = w1.acquire().await.unwrap();
    assert!(w2.try_acquire().await.unwrap().is_none());
    assert!(r.try_acquire().await.unwrap().is_none());
    let rl = r.clone();
    let pending = tokio::spawn(async move { rl.acquire().await });
    eventually("the reader queues", || async {
        r.contenders().await.unwrap().len() == 2
    })
    .await;
    g1.release().await.unwrap();
    let gr = within("the reader's grant", pending)
        .await
        .unwrap()
        .unwrap();
    assert!(w2.try_acquire().await.unwrap().is_none());
    gr.release().await.unwrap();
    w2.acquire().await.unwrap().release().await.unwrap();
    assert!(children(&a, "/rw").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rw_plain_lock_ignores_earlier_readers_like_kazoo_but_readers_wait_for_it() {
    let root = fresh_root("rw-plain").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let r = reader(&a, "r");
    let plain = Lock::with_options(&b, "/rw", LockOptions::new().identifier("plain"));

    let gr = r.acquire().await.unwrap();
    let gp = plain
        .try_acquire()
        .await
        .unwrap()
        .expect("a plain lock is blocked by __lock__ nodes only");
    assert_eq!(
        plain.contenders().await.unwrap(),
        ["plain"],
        "readers not listed"
    );
    assert_eq!(r.contenders().await.unwrap(), ["r", "plain"]);
    gr.release().await.unwrap();
    assert!(
        r.try_acquire().await.unwrap().is_none(),
        "readers wait for it"
    );
    gp.release().await.unwrap();
    r.try_acquire()
        .await
        .unwrap()
        .expect("free")
        .release()
        .await
        .unwrap();
    assert!(children(&a, "/rw").await.is_empty());
    assert_no_watches_under(&root);
}
