// The reference client for the golden vectors: Apache ZooKeeper's own Java client performs a
// fixed script of operations through the capture proxy (examples/capture_golden.rs), so the
// request bytes on file are the Java client's and the reply bytes the server's.
// Run by capture.sh; not part of the build.

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

public class GoldenClient {
    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void expectEvent(BlockingQueue<WatchedEvent> events, Watcher.Event.EventType type, String path)
            throws Exception {
        WatchedEvent e = events.poll(10, TimeUnit.SECONDS);
        if (e == null || e.getType() != type || !path.equals(e.getPath())) {
            throw new IllegalStateException("expected " + type + " " + path + ", got " + e);
        }
    }

    public static void main(String[] args) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        BlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();
        ZooKeeper zk = new ZooKeeper(args[0], 10000, e -> {
            if (e.getType() == Watcher.Event.EventType.None) {
                if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                    connected.countDown();
                }
            } else {
                events.add(e);
            }
        });
        if (!connected.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("not connected");
        }
        Stat stat = new Stat();
        // create (1)
        zk.create("/golden", b("root"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        // create2 (15), ephemeral sequential
        zk.create("/golden/seq-", b("e"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL, stat);
        // getData (4)
        zk.getData("/golden", false, stat);
        // getChildren2 (12)
        zk.getChildren("/golden", false, stat);
        // multi (14): create + setData + check, all succeed
        zk.multi(Arrays.asList(
            Op.create("/golden/m", b("m"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
            Op.setData("/golden", b("root2"), 0),
            Op.check("/golden", 1)));
        // multi (14) that fails on its second op
        try {
            zk.multi(Arrays.asList(
                Op.setData("/golden/m", b("x"), -1),
                Op.check("/golden", 99),
                Op.delete("/golden/m", -1)));
            throw new IllegalStateException("multi should have failed");
        } catch (KeeperException.BadVersionException expected) {
            // the reply carries per-op error results
        }
        // multiRead (22)
        zk.multi(Arrays.asList(Op.getData("/golden"), Op.getChildren("/golden"), Op.getData("/golden/none")));
        // getData on a missing node: error reply without a body
        try {
            zk.getData("/golden/none", false, stat);
            throw new IllegalStateException("getData should have failed");
        } catch (KeeperException.NoNodeException expected) {
            // NoNode
        }
        // exists (3) with a watch on a missing node, then create it: NodeCreated notification
        zk.exists("/golden/w", true);
        zk.create("/golden/w", b("w"), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        expectEvent(events, Watcher.Event.EventType.NodeCreated, "/golden/w");
        // getData (4) with a watch, then setData (5): NodeDataChanged notification
        zk.getData("/golden/w", true, stat);
        zk.setData("/golden/w", b("w2"), -1);
        expectEvent(events, Watcher.Event.EventType.NodeDataChanged, "/golden/w");
        // addWatch (106) persistent recursive, then delete (2): NodeDeleted notification
        zk.addWatch("/golden", AddWatchMode.PERSISTENT_RECURSIVE);
        zk.delete("/golden/w", -1);
        expectEvent(events, Watcher.Event.EventType.NodeDeleted, "/golden/w");
        // getACL (6), sync (9), whoAmI (107), getEphemerals (103), getAllChildrenNumber (104)
        zk.getACL("/golden", stat);
        CountDownLatch synced = new CountDownLatch(1);
        zk.sync("/golden", (rc, path, ctx) -> synced.countDown(), null);
        synced.await(10, TimeUnit.SECONDS);
        zk.whoAmI();
        List<String> ephemerals = zk.getEphemerals("/golden");
        zk.getAllChildrenNumber("/golden");
        // closeSession (-11)
        zk.close();
        System.out.println("golden client done, ephemerals " + ephemerals);
    }
}
