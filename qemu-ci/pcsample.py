#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""pcsample.py - a sampling profiler for a TCG guest, through QEMU's gdbstub.

Every PERIOD seconds it stops the guest, reads each vCPU's instruction
pointer with the remote protocol's `g` packet, and lets the guest go on.
At the end it maps the kernel addresses to symbols (System.map) and prints
the hottest ones.  Only kernel-mode samples are kept; user-mode samples
are counted as "[user]".

The guest must run with `-gdb chardev:ID` on a unix socket (see
qemu-ci/profile.sh).  Sampling distorts nothing the guest measures but
wall time: use it to find where time goes, never to time.

Usage: pcsample.py SOCKET SYSTEM_MAP SECONDS [PERIOD] [START_DELAY]
"""
import bisect
import socket
import sys
import time


class Remote:
    """A minimal gdb remote-protocol client (no-ack mode not assumed)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.buf = b""

    def _recv(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("gdbstub closed")
        self.buf += data

    def packet(self):
        """The next packet's payload; acks it."""
        while True:
            start = self.buf.find(b"$")
            if start >= 0:
                end = self.buf.find(b"#", start)
                if end >= 0 and len(self.buf) >= end + 3:
                    payload = self.buf[start + 1:end]
                    self.buf = self.buf[end + 3:]
                    self.sock.sendall(b"+")
                    return payload
            self._recv()

    def send(self, payload):
        cs = sum(payload) & 0xFF
        self.sock.sendall(b"$" + payload + b"#" + b"%02x" % cs)

    def command(self, payload):
        self.send(payload)
        return self.packet()

    def interrupt(self):
        self.sock.sendall(b"\x03")
        return self.packet()


def load_map(path):
    addrs, names = [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] in "tTwW":
                addrs.append(int(parts[0], 16))
                names.append(parts[2])
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]


def main():
    sock, sysmap, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    period = float(sys.argv[4]) if len(sys.argv) > 4 else 0.02
    delay = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
    addrs, names = load_map(sysmap)
    for _ in range(100):
        try:
            r = Remote(sock)
            break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit("pcsample: cannot connect to " + sock)
    r.interrupt()
    threads = []
    reply = r.command(b"qfThreadInfo")
    while reply.startswith(b"m"):
        threads += reply[1:].split(b",")
        reply = r.command(b"qsThreadInfo")
    r.send(b"c")
    time.sleep(delay)
    counts = {}
    total = 0
    end = time.time() + seconds
    while time.time() < end:
        time.sleep(period)
        try:
            r.interrupt()
        except EOFError:
            break
        for t in threads:
            r.command(b"Hg" + t)
            regs = bytes.fromhex(r.command(b"g")[:17 * 16].decode())
            rip = int.from_bytes(regs[16 * 8:17 * 8], "little")
            if rip < 0xffff800000000000:
                name = "[user]"
            else:
                i = bisect.bisect_right(addrs, rip) - 1
                name = names[i] if i >= 0 else hex(rip)
            counts[name] = counts.get(name, 0) + 1
            total += 1
        r.send(b"c")
    for name, n in sorted(counts.items(), key=lambda kv: -kv[1])[:60]:
        print("%6d %5.1f%%  %s" % (n, 100.0 * n / max(total, 1), name))
    print("total samples:", total)


if __name__ == "__main__":
    main()
