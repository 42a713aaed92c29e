#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""gdb_unix_bridge.py - stdin/stdout to a unix socket, for gdb's
`target remote | CMD`: QEMU's gdbstub listens on a unix socket, because
local TCP connections are not allowed on these hosts.

Usage: gdb_unix_bridge.py SOCKET
"""
import os
import selectors
import socket
import sys

sock = socket.socket(socket.AF_UNIX)
sock.connect(sys.argv[1])
sel = selectors.DefaultSelector()
sel.register(0, selectors.EVENT_READ)
sel.register(sock, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        if key.fileobj == 0:
            data = os.read(0, 65536)
            if not data:
                sys.exit(0)
            sock.sendall(data)
        else:
            data = sock.recv(65536)
            if not data:
                sys.exit(0)
            os.write(1, data)
