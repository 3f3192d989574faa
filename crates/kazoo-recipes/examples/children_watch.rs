//! kazoo's `ChildrenWatch` and `PatientChildrenWatch` examples: a function called at once with
//! a node's children and again after every change of the set; children once they stay the
//! same for a while.
//!
//! Needs a running ZooKeeper server; `ZK_HOSTS` names it (default `127.0.0.1:2181`):
//!
//! ```text
//! ZK_HOSTS=127.0.0.1:2181 cargo run -p kazoo-recipes --example children_watch
//! ```

use kazoo_client::{Client, CreateOptions};
use kazoo_recipes::watchers::{ChildrenUpdate, ChildrenWatch, PatientChildrenWatch};
use std::time::Duration;

#[tokio::main]
async fn main() -> kazoo_client::Result<()> {
    let hosts = std::env::var("ZK_HOSTS").unwrap_or_else(|_| "127.0.0.1:2181".into());
    let zk = Client::connect(&hosts).await?;
    let path = format!("/example-children-watch-{}", std::process::id());
    zk.ensure_path(&path).await?;

    // @client.ChildrenWatch('/path/to/watch')
    // def my_func(children): print("Children are %s" % children)
    let watch = ChildrenWatch::new(&zk, &path, |u: ChildrenUpdate| {
        println!("Children are {:?}", u.children);
    })
    .await?;

    // send_event=True: the function also gets the watch event (None at first).
    let with_events = ChildrenWatch::builder(&zk, &path)
        .send_event(true)
        .spawn(|u: ChildrenUpdate| {
            println!(
                "{} children after {:?}",
                u.children.len(),
                u.event.map(|e| e.event_type)
            );
            u.children.len() < 3 // stop once there are three
        })
        .await?;

    for name in ["a", "b", "c"] {
        zk.create(&format!("{path}/{name}"), Vec::new(), &CreateOptions::new())
            .await?;
    }

    // PatientChildrenWatch(client, path, time_boundary=1).start().get()
    let (children, changed) = PatientChildrenWatch::new(&zk, &path, Duration::from_secs(1))
        .start()
        .await?;
    println!("stable for a second: {children:?}");
    drop(changed); // no interest in the next change: the watch goes

    println!(
        "the second watch stopped: {:?}",
        with_events.stopped().await
    );
    watch.close().await;
    zk.delete_recursive(&path).await?;
    zk.close().await;
    Ok(())
}
