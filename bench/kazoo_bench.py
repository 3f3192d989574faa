"""Python kazoo side of kazoo-bench: runs one workload with kazoo 2.11 and prints one JSON line.

Invoked by the Rust orchestrator as `python kazoo_bench.py --spec '<json>'` with the same RunSpec
the Rust children get; reports the same Outcome fields. See crates/kazoo-bench/src/spec.rs.
"""
import argparse
import collections
import json
import resource
import sys
import threading
import time
import tracemalloc

from kazoo.client import KazooClient
from kazoo.recipe.cache import TreeCache, TreeEvent

DATA = b"kazoo-bench-data-0123456789abcde"


def rss_bytes(field="VmRSS"):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def cpu_secs():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def sleep_until_ns(at_ns):
    now = time.monotonic_ns()
    if at_ns > now:
        time.sleep((at_ns - now) / 1e9)


class Gate:
    """Same rule as the Rust side: a count of ops, or a duration checked every 64 ops."""

    def __init__(self, ops, secs):
        self.ops, self.secs, self.issued, self.closed = ops, secs, 0, False
        self.start = time.perf_counter()

    def admit(self):
        if self.closed:
            return False
        if self.ops:
            ok = self.issued < self.ops
        else:
            ok = self.issued % 64 != 0 or time.perf_counter() - self.start < self.secs
        if ok:
            self.issued += 1
        else:
            self.closed = True
        return ok


def summary(samples):
    if not samples:
        return None
    s = sorted(samples)
    at = lambda q: s[min(len(s) - 1, int(round((len(s) - 1) * q)))] / 1e3
    return {"p50_us": at(0.5), "p99_us": at(0.99)}


def phases(spec):
    if spec["ops"]:
        return None, (spec["ops"], 0)
    return (0, spec["warmup_ms"] / 1e3), (0, spec["duration_ms"] / 1e3)


def base(ops, errors, t0, cpu0):
    return {
        "ops": ops,
        "errors": errors,
        "secs": time.perf_counter() - t0,
        "cpu_secs": cpu_secs() - cpu0,
        "peak_rss": rss_bytes("VmHWM"),
    }


def w1(zk, spec, limit, record):
    path = "%s/w1-%s" % (spec["prefix"], spec["run_id"])
    ops_limit, secs = limit
    gate = Gate((ops_limit + 3) // 4 if ops_limit else 0, secs)
    lat = {"create": [], "get": [], "set": [], "delete": []}
    t0, cpu0, ops, errors = time.perf_counter(), cpu_secs(), 0, 0
    clock = time.perf_counter_ns
    while gate.admit():
        for name, call in (
            ("create", lambda: zk.create(path, DATA)),
            ("get", lambda: zk.get(path)),
            ("set", lambda: zk.set(path, DATA)),
            ("delete", lambda: zk.delete(path)),
        ):
            t = clock()
            try:
                call()
            except Exception:
                errors += 1
            if record:
                lat[name].append(clock() - t)
            ops += 1
    out = base(ops, errors, t0, cpu0)
    if record:
        out["per_op"] = {k: summary(v) for k, v in lat.items() if v}
        out["latency"] = summary([x for v in lat.values() for x in v])
    return out


def pipelined(zk, spec, limit, create, first):
    """A window of `inflight` async requests; replies come back in order, so waiting on the
    oldest and issuing one more keeps the window full."""
    ops_limit, secs = limit
    gate = Gate(ops_limit, secs)
    window = collections.deque()
    get_path = spec["prefix"] + "/data"
    prefix = "%s/w3-%s-" % (spec["prefix"], spec["run_id"])

    def issue(i):
        if create:
            return zk.create_async(prefix + str(first + i), DATA, ephemeral=True)
        return zk.get_async(get_path)

    t0, cpu0, ops, errors = time.perf_counter(), cpu_secs(), 0, 0
    while len(window) < spec["inflight"] and gate.admit():
        window.append(issue(gate.issued))
    while window:
        r = window.popleft()
        try:
            r.get()
        except Exception:
            errors += 1
        ops += 1
        if gate.admit():
            window.append(issue(gate.issued))
    return base(ops, errors, t0, cpu0)


def lock_cycles(zk, spec, limit, record):
    ops_limit, secs = limit
    gate = Gate(ops_limit, secs)
    lock = zk.Lock("%s/w4-%s" % (spec["prefix"], spec["run_id"]), "kazoo-bench")
    lat = []
    t0, cpu0 = time.perf_counter(), cpu_secs()
    while gate.admit():
        t = time.perf_counter_ns()
        lock.acquire()
        lock.release()
        if record:
            lat.append(time.perf_counter_ns() - t)
    out = base(gate.issued, 0, t0, cpu0)
    out["latency"] = summary(lat)
    return out


def w6(zk, spec):
    n = spec["watches"]
    paths = ["%s/w6/n%05d" % (spec["prefix"], i) for i in range(n)]
    state = {"count": 0, "last": 0}
    done = threading.Event()
    lock = threading.Lock()

    def on_event(_event):
        with lock:
            state["count"] += 1
            state["last"] = time.monotonic_ns()
            if state["count"] >= n:
                done.set()

    rss_before = rss_bytes()
    # tracemalloc counts the live Python heap (the Rust side's counting allocator); it slows
    # the registration, which is not timed, and is off again before the trigger.
    tracemalloc.start()
    heap_before = tracemalloc.get_traced_memory()[0]
    for i in range(0, n, 1000):
        rs = [zk.get_async(p, watch=on_event) for p in paths[i:i + 1000]]
        for r in rs:
            r.get()
        del rs
    heap_after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    rss_after = rss_bytes()
    print("ready", flush=True)
    if not done.wait(120):
        raise SystemExit("only %d of %d notifications arrived" % (state["count"], n))
    return {
        "ops": state["count"], "errors": 0, "secs": 0.0, "cpu_secs": 0.0,
        "peak_rss": rss_bytes("VmHWM"), "rss_before": rss_before, "rss_after": rss_after,
        "heap_before": heap_before, "heap_after": heap_after,
        "last_event_ns": state["last"], "items": state["count"],
    }


def w7(zk, spec):
    root = spec["prefix"] + "/w7"
    ready = threading.Event()
    rss_before = rss_bytes()
    t0, cpu0 = time.perf_counter(), cpu_secs()
    cache = TreeCache(zk, root)
    cache.listen(lambda e: ready.set() if e.event_type == TreeEvent.INITIALIZED else None)
    cache.start()
    if not ready.wait(300):
        raise SystemExit("TreeCache did not initialize")
    secs = time.perf_counter() - t0
    cpu = cpu_secs() - cpu0
    rss_after = rss_bytes()

    def count(path):
        kids = cache.get_children(path) or []
        return 1 + sum(count(path + "/" + k) for k in kids)

    nodes = count(root)
    cache.close()
    peak = rss_bytes("VmHWM")
    # A second, untimed load under tracemalloc measures what a loaded cache keeps on the heap.
    del cache
    tracemalloc.start()
    heap_before = tracemalloc.get_traced_memory()[0]
    ready.clear()
    cache = TreeCache(zk, root)
    cache.listen(lambda e: ready.set() if e.event_type == TreeEvent.INITIALIZED else None)
    cache.start()
    if not ready.wait(600):
        raise SystemExit("TreeCache did not initialize (traced load)")
    heap_after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    cache.close()
    return {
        "ops": nodes, "errors": 0, "secs": secs, "cpu_secs": cpu, "peak_rss": peak,
        "rss_before": rss_before, "rss_after": rss_after, "items": nodes,
        "heap_before": heap_before, "heap_after": heap_after,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--spec", required=True, help="RunSpec as JSON")
    spec = json.loads(ap.parse_args().spec)
    zk = KazooClient(hosts=spec["addr"], timeout=10.0)
    zk.start(timeout=30)
    warm, limit = phases(spec)
    sleep_until_ns(spec["start_at_ns"])
    w = spec["workload"]
    if w == "w1":
        if warm:
            w1(zk, spec, warm, False)
        out = w1(zk, spec, limit, True)
    elif w in ("w2", "w3"):
        create = w == "w3"
        if warm:
            pipelined(zk, spec, warm, create, 1 << 40)
        out = pipelined(zk, spec, limit, create, 0)
    elif w in ("w4", "w4c"):
        if warm:
            lock_cycles(zk, spec, warm, False)
        out = lock_cycles(zk, spec, limit, True)
    elif w == "w6":
        out = w6(zk, spec)
    elif w == "w7":
        out = w7(zk, spec)
    else:
        raise SystemExit("unknown workload " + w)
    zk.stop()
    zk.close()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
