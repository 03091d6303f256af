#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""siblings_client.py: a client that opens several TLS connections at once and
drops the ones it does not need, as browsers do, for the tlsdiag lab. Each
connection is a real OpenSSL stack (Python's ssl.SSLObject over memory BIOs)
whose socket this script drives, so the plan decides when each flight goes
out and when each connection is closed.

    siblings_client.py --conn NAME=ADDR:PORT[/SNI][@SOURCE-PORT] ... \\
        --max-version 1.2|1.3 --keylog FILE --plan "STEP; STEP; ..."

Steps:
  hello NAME    connect and send the ClientHello
  flight NAME   read the server's answer until the client's own Finished is
                sent (TLS 1.2: key exchange, ChangeCipherSpec, Finished; TLS
                1.3: Finished, which completes the client's side)
  hold NAME     read the server's answer until the client's own flight is
                ready, and hold that flight back (never sent): a client that
                stops at the server's certificate
  confirm NAME  read until the handshake is complete (TLS 1.2: the server's
                ChangeCipherSpec and Finished)
  close NAME    read what has arrived (so the kernel sends a FIN, not a RST)
                and close the socket: no alert
  wait MS       sleep
  reset NAME    expect the connection to have been reset by the peer

Exit status 0 when every step happened as planned, 1 otherwise."""

import argparse
import select
import socket
import ssl
import sys
import time

VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def fail(msg):
    print(f"siblings_client: {msg}", file=sys.stderr)
    sys.exit(1)


class Connection:
    def __init__(self, spec, ctx, default_sni):
        name, _, target = spec.partition("=")
        target, _, source_port = target.partition("@")
        target, _, sni = target.partition("/")
        host, _, port = target.rpartition(":")
        self.name, self.address = name, (host, int(port))
        self.source_port = int(source_port) if source_port else 0
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname=sni or default_sni)
        self.sock = None
        self.done = False

    def flush(self):
        data = self.outgoing.read()
        if data:
            self.sock.sendall(data)
        return bool(data)

    def step(self):
        try:
            self.tls.do_handshake()
            self.done = True
        except ssl.SSLWantReadError:
            pass
        return self.flush()

    def feed(self, timeout):
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            fail(f"{self.name}: nothing from the server in {timeout} s")
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            fail(f"{self.name}: reset by the server")
        if not data:
            fail(f"{self.name}: the server closed")
        self.incoming.write(data)

    def hello(self):
        self.sock = socket.create_connection(self.address, timeout=5,
                                             source_address=("", self.source_port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.step()

    def flight(self):
        while not self.done:
            self.feed(5)
            if self.step():
                return
        fail(f"{self.name}: the handshake completed before the client's flight")

    def hold(self):
        while not self.outgoing.pending:
            self.feed(5)
            try:
                self.tls.do_handshake()
            except ssl.SSLWantReadError:
                pass

    def confirm(self):
        while not self.done:
            self.feed(5)
            self.step()

    def drain(self):
        self.sock.setblocking(False)
        try:
            while self.sock.recv(65536):
                pass
        except (BlockingIOError, ConnectionResetError):
            pass

    def close(self):
        self.drain()
        self.sock.close()

    def reset(self):
        ready, _, _ = select.select([self.sock], [], [], 2)
        try:
            data = self.sock.recv(65536) if ready else None
        except ConnectionResetError:
            self.sock.close()
            return
        fail(f"{self.name}: expected a reset, got {data!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conn", action="append", required=True)
    parser.add_argument("--sni", required=True)
    parser.add_argument("--max-version", choices=VERSIONS, default="1.3")
    parser.add_argument("--keylog")
    parser.add_argument("--plan", required=True)
    args = parser.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.maximum_version = VERSIONS[args.max_version]
    if args.keylog:
        ctx.keylog_filename = args.keylog
    conns = {}
    for spec in args.conn:
        c = Connection(spec, ctx, args.sni)
        conns[c.name] = c

    for step in filter(None, (s.strip() for s in args.plan.split(";"))):
        verb, _, arg = step.partition(" ")
        if verb == "wait":
            time.sleep(float(arg) / 1000)
            continue
        if arg not in conns or verb not in ("hello", "flight", "hold", "confirm", "close", "reset"):
            fail(f"bad step '{step}'")
        getattr(conns[arg], verb)()
        print(f"{time.monotonic():.6f} {step}", flush=True)


if __name__ == "__main__":
    main()
