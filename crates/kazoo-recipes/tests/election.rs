//! Election behaviour against a real server: candidates are elected in order, the leader's
//! work gets its grant, cancel before election, and cleanup.

mod common;
mod lock_common;

use common::*;
use kazoo_recipes::election::Election;
use lock_common::*;
use tokio::sync::{mpsc, oneshot};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn election_elects_candidates_in_order_and_each_leads_once() {
    let root = fresh_root("election-order").await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        clients.push(client_at(&root).await);
    }
    let (elected_tx, mut elected) = mpsc::unbounded_channel();
    let mut step_down = Vec::new();
    let mut runs = Vec::new();
    for (i, zk) in clients.iter().enumerate() {
        let name = format!("c{i}");
        let e = Election::new(zk, "/election", &name);
        let (tx, rx) = oneshot::channel::<()>();
        step_down.push(tx);
        let elected_tx = elected_tx.clone();
        runs.push(tokio::spawn(async move {
            e.run(|grant| async move {
                elected_tx.send((name.clone(), grant.token())).unwrap();
                rx.await.unwrap();
                name
            })
            .await
        }));
        let observer = Election::new(&clients[0], "/election", "");
        eventually("the candidate joins", || async {
            observer.contenders().await.unwrap().len() == i + 1
        })
        .await;
    }
    let observer = Election::new(&clients[0], "/election", "");
    assert_eq!(observer.contenders().await.unwrap(), ["c0", "c1", "c2"]);

    let mut last = None;
    for (i, tx) in step_down.into_iter().enumerate() {
        let (name, token) = within("an election", elected.recv()).await.unwrap();
        assert_eq!(name, format!("c{i}"));
        assert!(last.is_none_or(|t| token > t));
        last = Some(token);
        tx.send(()).unwrap();
    }
    for (i, run) in runs.into_iter().enumerate() {
        assert_eq!(run.await.unwrap().unwrap(), Some(format!("c{i}")));
    }
    assert!(children(&clients[0], "/election").await.is_empty());
    assert_no_watches_under(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn election_cancel_stops_a_waiting_candidate_but_not_a_leader() {
    let root = fresh_root("election-cancel").await;
    let (a, b) = (client_at(&root).await, client_at(&root).await);
    let ea = Election::new(&a, "/election", "a");
    let eb = Election::new(&b, "/election", "b");
    let (elected_tx, elected) = oneshot::channel();
    let (release_tx, release) = oneshot::channel::<()>();
    let ea2 = ea.clone();
    let leader = tokio::spawn(async move {
        ea2.run(|_| async move {
            elected_tx.send(()).unwrap();
            release.await.unwrap();
            42
        })
        .await
    });
    within("a elected", elected).await.unwrap();
    assert!(ea.is_leader());

    let eb2 = eb.clone();
    let waiting = tokio::spawn(async move { eb2.run(|_| async { 0 }).await });
    eventually("b is a candidate", || async {
        eb.contenders().await.unwrap() == ["a", "b"]
    })
    .await;
    eb.cancel();
    assert_eq!(within("b stops", waiting).await.unwrap().unwrap(), None);
    assert_eq!(ea.contenders().await.unwrap(), ["a"]);

    ea.cancel(); // does not interrupt the running leader...
    release_tx.send(()).unwrap();
    assert_eq!(within("a leads", leader).await.unwrap().unwrap(), Some(42));
    // ...but, as in kazoo, cancels a's next run.
    assert_eq!(ea.run(|_| async { 1 }).await.unwrap(), None);
    assert!(children(&a, "/election").await.is_empty());
    assert_no_watches_under(&root);
}
