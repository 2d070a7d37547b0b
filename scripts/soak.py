#!/usr/bin/env python3
"""Bounded soak of the faultfs daemon (driven by scripts/soak.sh).

8 writer and 8 reader threads work on a faultfs mount; every 200 ms the
daemon is crashed (`ctl crash`) and restarted (`ctl restart`), and seeded
random fault rules (EIO on write/fsync, short writes, ENOSPC, delays) are
injected and cleared. The writers keep, outside the mount, a model of every
byte an fsync acknowledged; after every crash each file is read back and
every acknowledged byte must be there. Fails (exit 1) on a lost byte, a
hung operation (deadlock: nothing completes for --stall seconds), a dead
daemon, an error reply, or a mount left behind; prints the daemon's RSS over
time (`--max-rss-growth-kb`, default 8 MB, bounds its growth over the second
half of the run, after warm-up).

Crashes happen between operations: a crash takes an exclusive lock that
every writer holds (shared) around one operation and its model update, so
"acknowledged" is exact. Writers keep their files open across crashes.
"""

import argparse
import errno
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time

FILE_SPAN = 64 * 1024  # each writer's file stays below this size
MAX_WRITE = 4096


class SharedExclusive:
    """Many holders in shared mode, or one in exclusive mode (writer-preferring)."""

    def __init__(self):
        self._cv = threading.Condition()
        self._shared = 0
        self._exclusive = False
        self._waiting = 0

    def acquire_shared(self):
        with self._cv:
            while self._exclusive or self._waiting:
                self._cv.wait()
            self._shared += 1

    def release_shared(self):
        with self._cv:
            self._shared -= 1
            self._cv.notify_all()

    def acquire_exclusive(self):
        with self._cv:
            self._waiting += 1
            while self._exclusive or self._shared:
                self._cv.wait()
            self._waiting -= 1
            self._exclusive = True

    def release_exclusive(self):
        with self._cv:
            self._exclusive = False
            self._cv.notify_all()


class Failure(Exception):
    pass


class Soak:
    def __init__(self, args):
        self.a = args
        self.rng = random.Random(args.seed)
        self.lock = SharedExclusive()
        self.stop = threading.Event()
        self.errors = []
        self.progress = 0  # operations completed (any thread)
        self.progress_lock = threading.Lock()
        # Per writer: acknowledged bytes and which of them are known.
        self.model = [bytearray() for _ in range(args.writers)]
        self.known = [bytearray() for _ in range(args.writers)]
        self.pending = [[] for _ in range(args.writers)]  # (offset, data)
        self.stats = {"writes": 0, "fsyncs": 0, "acked_bytes": 0, "io_errors": 0,
                      "reads": 0, "crashes": 0, "checked_bytes": 0, "rules": 0,
                      "errnos": {}}
        self.rss = []  # (elapsed s, kB)
        self.epoch = 0  # crashes so far; writers reopen their file after one

    # ---------------------------------------------------------------- daemon
    def ctl(self, cmd, **fields):
        """One request on the control socket (JSON line in, JSON line out)."""
        req = json.dumps({"cmd": cmd, **fields}).encode() + b"\n"
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(self.a.stall)
                s.connect(self.a.sock)
                s.sendall(req)
                buf = b""
                while not buf.endswith(b"\n"):
                    chunk = s.recv(1 << 16)
                    if not chunk:
                        break
                    buf += chunk
        except socket.timeout:
            raise Failure(f"deadlock: control command {cmd} got no reply within "
                          f"{self.a.stall} s")
        except OSError as e:
            raise Failure(f"control command {cmd}: {e} (did the daemon die?)")
        reply = json.loads(buf)
        if not reply.get("ok"):
            raise Failure(f"control command {cmd} refused: {reply}")
        return reply

    def daemon_rss_kb(self, pid):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except FileNotFoundError:
            raise Failure(f"the faultfs daemon (pid {pid}) died")
        return 0

    # --------------------------------------------------------------- threads
    def path(self, w):
        return os.path.join(self.a.mnt, f"w{w}", "data")

    def bump(self):
        with self.progress_lock:
            self.progress += 1

    def writer(self, w):
        rng = random.Random(self.a.seed * 1000 + w)
        fd = os.open(self.path(w), os.O_RDWR)
        epoch = self.epoch
        try:
            while not self.stop.is_set():
                self.lock.acquire_shared()
                try:
                    if epoch != self.epoch:
                        # A crash is a power cut: the process's open files
                        # are gone with it (faultfs answers EIO on them).
                        os.close(fd)
                        fd = os.open(self.path(w), os.O_RDWR)
                        epoch = self.epoch
                    if rng.random() < 0.6:
                        off = rng.randrange(FILE_SPAN - MAX_WRITE)
                        data = rng.randbytes(rng.randint(1, MAX_WRITE))
                        try:
                            n = os.pwrite(fd, data, off)
                            self.pending[w].append((off, len(data), data[:n]))
                            self.stats["writes"] += 1
                        except OSError as e:
                            self.count_errno(e)
                            # An injected error: the write may or may not have
                            # reached the file; its bytes are unknown until an
                            # acknowledged write covers them again.
                            self.pending[w].append((off, len(data), None))
                            self.forget(w, off, len(data))
                            self.stats["io_errors"] += 1
                    else:
                        try:
                            os.fsync(fd)
                            self.ack(w)
                            self.stats["fsyncs"] += 1
                        except OSError as e:
                            self.count_errno(e)
                            # fsyncgate: pending writes may be lost or kept.
                            for off, length, _ in self.pending[w]:
                                self.forget(w, off, length)
                            self.pending[w].clear()
                            self.stats["io_errors"] += 1
                finally:
                    self.lock.release_shared()
                self.bump()
        except Exception as e:  # noqa: BLE001: reported, fails the soak
            self.errors.append(f"writer {w}: {e!r}")
            self.stop.set()
        finally:
            os.close(fd)

    def count_errno(self, e):
        name = errno.errorcode.get(e.errno, str(e.errno))
        self.stats["errnos"][name] = self.stats["errnos"].get(name, 0) + 1

    def forget(self, w, off, length):
        """Bytes [off, off+length) are no longer known (an unacknowledged write
        that may or may not be durable)."""
        k = self.known[w]
        end = min(off + length, len(k))
        if end > off:
            k[off:end] = b"\0" * (end - off)

    def ack(self, w):
        m, k = self.model[w], self.known[w]
        for off, length, data in self.pending[w]:
            if data is None or len(data) < length:
                self.forget(w, off, length)  # a failed or short write
            if data is None:
                continue
            end = off + len(data)
            if end > len(m):
                m.extend(b"\0" * (end - len(m)))
                k.extend(b"\0" * (end - len(k)))
            m[off:end] = data
            k[off:end] = b"\1" * len(data)
            self.stats["acked_bytes"] += len(data)
        self.pending[w].clear()

    def reader(self, r):
        rng = random.Random(self.a.seed * 2000 + r)
        try:
            while not self.stop.is_set():
                w = rng.randrange(self.a.writers)
                try:
                    with open(self.path(w), "rb") as f:
                        f.seek(rng.randrange(FILE_SPAN))
                        f.read(rng.randint(1, 65536))
                    self.stats["reads"] += 1
                except OSError:
                    pass  # a read racing a crash may fail; hangs are what count
                self.bump()
        except Exception as e:  # noqa: BLE001
            self.errors.append(f"reader {r}: {e!r}")
            self.stop.set()

    # ----------------------------------------------------------------- check
    def check_after_crash(self):
        for w in range(self.a.writers):
            with open(self.path(w), "rb") as f:
                got = f.read()
            m, k = self.model[w], self.known[w]
            for run in re.finditer(b"\x01+", bytes(k)):
                lo, hi = run.span()
                if got[lo:hi] != m[lo:hi]:
                    bad = next((i for i in range(lo, hi) if i >= len(got) or got[i] != m[i]))
                    have = f"{got[bad]:#x}" if bad < len(got) else "past the end"
                    raise Failure(f"w{w}/data: byte {bad} is {have} after crash "
                                  f"{self.stats['crashes']}, fsync'd {m[bad]:#x} "
                                  f"(seed {self.a.seed})")
                self.stats["checked_bytes"] += hi - lo

    def random_rule(self):
        r = self.rng
        w = f"w{r.randrange(self.a.writers)}/**"
        p = round(r.uniform(0.01, 0.1), 3)
        return r.choice([
            {"op": "write", "path": w, "action": "error", "errno": "EIO", "probability": p},
            {"op": "fsync", "path": w, "action": "error", "errno": "EIO", "probability": p},
            {"op": "write", "path": w, "action": "short_write", "bytes": r.randint(1, 512),
             "probability": p},
            {"op": "write", "path": w, "action": "enospc_after_bytes",
             "bytes": r.randint(1, 8192), "times": 3},
            {"op": "fsync", "path": w, "action": "fsyncgate", "probability": p},
            {"op": "any", "path": w, "action": "delay", "delay_ms": r.randint(1, 5),
             "probability": p},
        ])

    # ------------------------------------------------------------------- run
    def run(self):
        a = self.a
        for w in range(a.writers):
            d = os.path.join(a.mnt, f"w{w}")
            os.mkdir(d)
            fd = os.open(os.path.join(d, "data"), os.O_RDWR | os.O_CREAT, 0o644)
            os.fsync(fd)
            os.close(fd)
            dfd = os.open(d, os.O_RDONLY)
            os.fsync(dfd)
            os.close(dfd)
        dfd = os.open(a.mnt, os.O_RDONLY)
        os.fsync(dfd)
        os.close(dfd)
        pid = self.ctl("status")["pid"]
        threads = [threading.Thread(target=self.writer, args=(w,)) for w in range(a.writers)]
        threads += [threading.Thread(target=self.reader, args=(r,)) for r in range(a.readers)]
        for t in threads:
            t.start()
        start = time.monotonic()
        next_rss = 0.0
        last_progress, last_change = 0, start
        try:
            while time.monotonic() - start < a.seconds and not self.stop.is_set():
                time.sleep(a.interval)
                now = time.monotonic()
                with self.progress_lock:
                    if self.progress != last_progress:
                        last_progress, last_change = self.progress, now
                if now - last_change > a.stall:
                    raise Failure(f"deadlock: no operation completed for {a.stall} s")
                self.lock.acquire_exclusive()
                try:
                    self.ctl("crash")
                    for w in range(a.writers):
                        self.pending[w].clear()  # lost with the crash
                    self.stats["crashes"] += 1
                    self.epoch += 1
                    self.check_after_crash()
                    self.ctl("restart")
                    if self.rng.random() < 0.3:
                        self.ctl("clear")
                    self.ctl("inject", rule=self.random_rule())
                    self.stats["rules"] += 1
                finally:
                    self.lock.release_exclusive()
                if now - start >= next_rss:
                    self.rss.append((round(now - start), self.daemon_rss_kb(pid)))
                    next_rss += max(1.0, a.seconds / 20)
            self.rss.append((round(time.monotonic() - start), self.daemon_rss_kb(pid)))
            status = self.ctl("status")
            if not status.get("mirror", {}).get("ok", False):
                raise Failure(f"the backing mirror failed: {status.get('mirror')}")
        finally:
            self.stop.set()
            for t in threads:
                t.join(a.stall)
                if t.is_alive():
                    self.errors.append(f"{t.name} did not stop within {a.stall} s (deadlock)")
        if self.errors:
            raise Failure("; ".join(self.errors))
        # RSS: compare the end with the first sample of the second half. The
        # first half is warm-up: the allocator's pools, libfuse's threads,
        # the writers' files reaching their size, the daemon's trace and
        # fault rings (--trace-memory) filling. A leak of even 50 bytes per
        # operation shows as several MB over the second half.
        warm = [kb for (t, kb) in self.rss if t >= a.seconds * 0.5] or [self.rss[-1][1]]
        growth = self.rss[-1][1] - warm[0]
        print(f"soak: rss kB over time: {self.rss}")
        span = self.rss[-1][0] - self.rss[0][0]
        ops = self.stats["writes"] + self.stats["fsyncs"] + self.stats["reads"]
        if span > 0 and ops > 0:
            print(f"soak: rss slope {(self.rss[-1][1] - self.rss[0][1]) / span:.0f} kB/s, "
                  f"{(self.rss[-1][1] - self.rss[0][1]) * 1000 / ops:.0f} kB per 1000 operations")
        limit = f"limit {a.max_rss_growth_kb} kB" if a.max_rss_growth_kb else "not checked"
        print(f"soak: rss growth over the second half: {growth} kB ({limit})")
        if a.max_rss_growth_kb and growth > a.max_rss_growth_kb:
            raise Failure(f"daemon RSS grew by {growth} kB over the second half "
                          f"(after warm-up), more than {a.max_rss_growth_kb} kB")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--faultfs", required=True)
    p.add_argument("--mnt", required=True)
    p.add_argument("--sock", required=True)
    p.add_argument("--seconds", type=float, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--readers", type=int, default=8)
    p.add_argument("--interval", type=float, default=0.2)
    p.add_argument("--stall", type=float, default=30)
    p.add_argument("--max-rss-growth-kb", type=int, default=8192,
                   help="0: report the RSS only (runs too short to warm up)")
    a = p.parse_args()
    print(f"soak: seed {a.seed}, {a.seconds:g} s, {a.writers} writers, {a.readers} readers, "
          f"crash + restart every {a.interval * 1000:g} ms")
    s = Soak(a)
    t0 = time.monotonic()
    try:
        s.run()
    except Failure as e:
        print(f"soak: FAILED: {e}")
        print(f"soak: stats {json.dumps(s.stats)}")
        return 1
    el = time.monotonic() - t0
    print(f"soak: stats {json.dumps(s.stats)}")
    print(f"soak: ok: {s.stats['crashes']} crashes in {el:.0f} s, "
          f"{s.stats['checked_bytes']} acknowledged bytes checked, no loss")
    return 0


if __name__ == "__main__":
    sys.exit(main())
