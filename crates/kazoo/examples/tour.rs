//! A tour of kazoo for Rust, run by the README's first command (`scripts/run.sh`) against a local
//! 3-node ensemble it starts. To run it yourself against any ensemble:
//!
//! ```text
//! ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo --example tour
//! ```
//!
//! It walks through kazoo's "Basic Usage" in order: connecting and listening for state changes,
//! CRUD, watches, transactions, retrying, the blocking client, then the recipes.

use kazoo::{Client, CreateOptions, EventType, KazooState, RetryPolicy};
use std::time::{Duration, Instant};

type Res<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn section(title: &str) {
    println!("\n== {title}");
}

#[tokio::main]
async fn main() -> Res {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let root = format!("/kazoo-tour-{}", std::process::id());

    section("Connection handling");
    let started = Instant::now();
    let zk = Client::builder(&hosts)
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await?;
    println!(
        "connected to {} in {:?}: session 0x{:x}, negotiated timeout {:?}, state {:?}",
        zk.current_server()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        started.elapsed(),
        zk.session_id().unwrap_or_default(),
        zk.negotiated_timeout().unwrap_or_default(),
        zk.state(),
    );
    let (major, minor, patch) = zk.server_version().await?;
    println!("server version {major}.{minor}.{patch}");
    let mut states = zk.subscribe_state();
    tokio::spawn(async move {
        while let Some(change) = states.recv().await {
            match change.kazoo {
                KazooState::Lost => println!("  [listener] session lost"),
                KazooState::Suspended => println!("  [listener] connection suspended"),
                KazooState::Connected => println!("  [listener] connected ({:?})", change.session),
            }
        }
    });

    section("CRUD");
    zk.ensure_path(&format!("{root}/my/favorite")).await?;
    let path = zk
        .create(
            &format!("{root}/my/favorite/node"),
            &b"a value"[..],
            &CreateOptions::new(),
        )
        .await?;
    println!("created {path}");
    let (data, stat) = zk.get(&path).await?;
    println!(
        "get: {:?}, version {}",
        String::from_utf8_lossy(&data),
        stat.version
    );
    let stat = zk.set(&path, &b"some data"[..], Some(stat.version)).await?;
    println!("set: now version {}", stat.version);
    let seq = zk
        .create(
            &format!("{root}/my/favorite/seq-"),
            &b""[..],
            &CreateOptions::new().ephemeral().sequential(),
        )
        .await?;
    println!("ephemeral sequential node: {seq}");
    let children = zk.get_children(&format!("{root}/my/favorite")).await?;
    println!("children: {children:?}");
    match zk.set(&path, &b"stale"[..], Some(0)).await {
        Err(e) => println!("set with a stale version fails as it should: {e}"),
        Ok(_) => return Err("a stale version was accepted".into()),
    }

    section("Watchers");
    let (_, _, watch) = zk.get_w(&path).await?;
    zk.set(&path, &b"changed"[..], None).await?;
    let event = tokio::time::timeout(Duration::from_secs(10), watch).await?;
    println!(
        "one-shot data watch fired: {:?} on {}",
        event.event_type, event.path
    );
    assert_eq!(event.event_type, EventType::NodeDataChanged);
    let mut tree = zk
        .add_watch(&root, kazoo::AddWatchMode::PersistentRecursive)
        .await?;
    zk.create(&format!("{root}/my/new"), &b"x"[..], &CreateOptions::new())
        .await?;
    zk.delete(&format!("{root}/my/new"), None).await?;
    for _ in 0..2 {
        let ev = tokio::time::timeout(Duration::from_secs(10), tree.recv())
            .await?
            .ok_or("persistent watch ended")?;
        println!(
            "persistent recursive watch: {:?} on {}",
            ev.event_type, ev.path
        );
    }
    drop(tree);

    section("Transactions");
    let mut tx = zk.transaction();
    tx.check(&path, 2)
        .create(&format!("{root}/my/tx-a"), &b"1"[..], &CreateOptions::new())
        .set_data(&path, &b"after tx"[..], None);
    let results = tx.commit().await?;
    println!("committed {} ops: {results:?}", results.len());
    let mut tx = zk.transaction();
    tx.create(&format!("{root}/my/tx-b"), &b""[..], &CreateOptions::new())
        .create(&format!("{root}/my/tx-a"), &b""[..], &CreateOptions::new());
    match tx.commit().await {
        Err(e) => println!("a failing transaction is all-or-nothing: {e}"),
        Ok(_) => return Err("a conflicting transaction committed".into()),
    }
    assert!(zk.exists(&format!("{root}/my/tx-b")).await?.is_none());

    section("Retrying");
    let policy = RetryPolicy::new()
        .with_max_tries(Some(3))
        .with_delay(Duration::from_millis(50));
    let counter_path = format!("{root}/my/retry-counter");
    let value = zk
        .retry(&policy, || {
            let zk = zk.clone();
            let p = counter_path.clone();
            async move {
                zk.ensure_path(&p).await?;
                let (data, stat) = zk.get(&p).await?;
                let n: i64 = std::str::from_utf8(&data)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                zk.set(&p, (n + 1).to_string().into_bytes(), Some(stat.version))
                    .await?;
                Ok(n + 1)
            }
        })
        .await?;
    println!("read-modify-write under a retry policy: counter = {value}");

    section("Blocking client");
    let hosts_b = hosts.clone();
    let root_b = root.clone();
    let n = tokio::task::spawn_blocking(move || -> kazoo::Result<usize> {
        let bzk = kazoo::blocking::Client::connect(&hosts_b)?;
        let n = bzk.get_children(&format!("{root_b}/my"))?.len();
        bzk.close();
        Ok(n)
    })
    .await??;
    println!("the blocking client sees {n} children under {root}/my");

    recipes::tour(&zk, &root).await?;

    section("Cleanup");
    zk.delete_recursive(&root).await?;
    zk.close().await;
    println!("removed {root}; closed the session. Tour done.");
    Ok(())
}

mod recipes {
    //! The recipes part of the tour: locks with fencing tokens, an election, a priority queue,
    //! a counter, a party and a TreeCache, each shared by two clients.
    use super::{section, Res};
    use kazoo::recipe::cache::TreeCache;
    use kazoo::recipe::{Counter, Election, Lock, Party, Queue};
    use kazoo::{Client, CreateOptions};
    use std::time::Duration;

    pub async fn tour(zk: &Client, root: &str) -> Res {
        let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
        let other = Client::builder(&hosts).connect().await?;

        section("Lock (with fencing tokens)");
        let lock_path = format!("{root}/locks/resource");
        let mine = Lock::new(zk, &lock_path);
        let theirs = Lock::new(&other, &lock_path);
        let guard = mine.acquire().await?;
        println!("client A holds the lock, fencing token {:?}", guard.token());
        println!(
            "client B tries without waiting: {}",
            if theirs.try_acquire().await?.is_some() {
                "acquired (wrong!)"
            } else {
                "busy, as it should be"
            }
        );
        let waiter = tokio::spawn(async move {
            let g = theirs.acquire().await?;
            let token = g.token();
            g.release().await?;
            Ok::<_, kazoo::recipe::LockError>(token)
        });
        let first = guard.token();
        guard.release().await?;
        let second = tokio::time::timeout(Duration::from_secs(10), waiter).await???;
        println!("client B got it after A released: token {second:?} > {first:?}");
        assert!(second > first);

        section("Election");
        let path = format!("{root}/election");
        let a = Election::new(zk, &path, "candidate-a");
        let b = Election::new(&other, &path, "candidate-b");
        let a_ref = &a;
        let mut waiting = None;
        a.run(|grant| {
            // b stands while a leads; it is elected when a steps down.
            let b = b.clone();
            waiting = Some(tokio::spawn(async move {
                b.run(|_| async { "candidate-b led after a stepped down" })
                    .await
            }));
            async move {
                // Wait until b is a contender too (polling the contender list), then step down.
                let contenders = loop {
                    let c = a_ref.contenders().await.unwrap_or_default();
                    if c.len() == 2 {
                        break c;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                };
                println!(
                    "candidate-a leads (token {:?}); contenders {contenders:?}",
                    grant.token()
                );
            }
        })
        .await?
        .ok_or("election cancelled")?;
        let led = waiting.ok_or("candidate-b never stood")?;
        let b_result = tokio::time::timeout(Duration::from_secs(10), led).await???;
        println!("{}", b_result.ok_or("b's election cancelled")?);

        section("Queue (priorities: lower first)");
        let producer = Queue::new(zk, &format!("{root}/queue"));
        let consumer = Queue::new(&other, &format!("{root}/queue"));
        producer.put(&b"routine job"[..], 100).await?;
        producer.put(&b"urgent job"[..], 1).await?;
        producer.put(&b"background job"[..], 500).await?;
        while let Some(item) = consumer.get().await? {
            println!("consumer took: {}", String::from_utf8_lossy(&item));
        }

        section("Counter");
        let path = format!("{root}/counter");
        let c1 = Counter::new(zk, &path);
        let c2 = Counter::new(&other, &path);
        c1.add(5).await?;
        c2.add(10).await?;
        c1.subtract(3).await?;
        println!("5 + 10 - 3 from two clients = {}", c2.value().await?);

        section("Party");
        let path = format!("{root}/party");
        let p1 = Party::new(zk, &path).with_identifier("worker-1");
        let p2 = Party::new(&other, &path).with_identifier("worker-2");
        p1.join().await?;
        p2.join().await?;
        let mut members = p1.members().await?;
        members.sort();
        println!("party members: {members:?}");
        p2.leave().await?;
        println!("after worker-2 left: {} member(s)", p1.count().await?);
        p1.leave().await?;

        section("TreeCache");
        let tree = format!("{root}/tree");
        zk.create(
            &format!("{tree}/a/b"),
            &b"1"[..],
            &CreateOptions::new().makepath(),
        )
        .await?;
        let cache = TreeCache::new(&other, &tree);
        cache.start().await?;
        tokio::time::timeout(Duration::from_secs(10), cache.initialized()).await?;
        let mut events = cache.events();
        zk.create(&format!("{tree}/a/c"), &b"2"[..], &CreateOptions::new())
            .await?;
        use futures::StreamExt;
        while let Some(ev) = tokio::time::timeout(Duration::from_secs(10), events.next()).await? {
            if format!("{ev:?}").contains("/a/c") {
                println!("cache event: {ev:?}");
                break;
            }
        }
        println!(
            "cache mirrors {} nodes; children of /a: {:?}",
            cache.len(),
            cache.get_children(&format!("{tree}/a"))
        );
        cache.close().await;

        other.close().await;
        Ok(())
    }
}
