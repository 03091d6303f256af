#!/usr/bin/python3
"""Scripted TLS server for the tlsdiag lab: a real OpenSSL stack (Python's
ssl module over ssl.MemoryBIO) whose socket writes are paced by this script.

  --pace-serverhello SECONDS  send the first record of the server's first
                              flight (the ServerHello) alone, then wait up to
                              SECONDS before the rest of the flight, as a slow
                              server or load balancer would; if the client
                              closes meanwhile, close too.
  --close-after-flight SECONDS
                              send the whole first flight, wait SECONDS, then
                              close the connection (FIN) without reading.

Otherwise it completes the handshake, answers one HTTP request with 200 and
closes with close_notify. A failed handshake sends OpenSSL's own alert.
Serves connections one after the other until killed.
"""
import argparse
import select
import socket
import ssl
import struct
import sys

VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


def log(msg):
    print(f"tls_server: {msg}", file=sys.stderr, flush=True)


def split_first_record(data):
    (length,) = struct.unpack("!H", data[3:5])
    return data[:5 + length], data[5 + length:]


def peer_closed_within(sock, seconds):
    ready, _, _ = select.select([sock], [], [], seconds)
    if not ready:
        return False
    try:
        return sock.recv(65536, socket.MSG_PEEK) == b""
    except ConnectionResetError:
        return True


def serve(conn, ctx, args):
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_side=True)
    first_flight = True
    done = False
    while not done:
        data = conn.recv(65536)
        if not data:
            log("client closed during the handshake")
            return
        incoming.write(data)
        try:
            tls.do_handshake()
            done = True
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError as e:
            conn.sendall(outgoing.read())  # OpenSSL's fatal alert
            log(f"handshake failed: {e}")
            return
        flight = outgoing.read()
        if not flight:
            continue
        if first_flight and args.pace_serverhello is not None:
            hello, rest = split_first_record(flight)
            conn.sendall(hello)
            if peer_closed_within(conn, args.pace_serverhello):
                log("client closed after the ServerHello")
                return
            flight = rest
        conn.sendall(flight)
        if first_flight and args.close_after_flight is not None:
            select.select([], [], [], args.close_after_flight)
            log("closing after the server flight")
            return
        first_flight = False

    request = b""
    while b"\r\n\r\n" not in request:
        try:
            request += tls.read(65536)
            continue
        except ssl.SSLWantReadError:
            pass
        pending = outgoing.read()
        if pending:
            conn.sendall(pending)
        data = conn.recv(65536)
        if not data:
            return
        incoming.write(data)
    tls.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
              b"Connection: close\r\n\r\nok\n")
    try:
        tls.unwrap()
    except ssl.SSLWantReadError:
        pass
    conn.sendall(outgoing.read())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True, help="ADDR:PORT")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--min-version", default="1.2", choices=VERSIONS)
    p.add_argument("--max-version", default="1.3", choices=VERSIONS)
    p.add_argument("--keylog")
    timing = p.add_mutually_exclusive_group()
    timing.add_argument("--pace-serverhello", type=float, metavar="SECONDS")
    timing.add_argument("--close-after-flight", type=float, metavar="SECONDS")
    args = p.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = VERSIONS[args.min_version]
    ctx.maximum_version = VERSIONS[args.max_version]
    ctx.load_cert_chain(args.cert, args.key)
    if args.keylog:
        ctx.keylog_filename = args.keylog

    host, port = args.listen.rsplit(":", 1)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((host, int(port)))
    lsock.listen(8)
    log(f"listening on {args.listen}")
    while True:
        conn, _ = lsock.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            serve(conn, ctx, args)
        except OSError as e:
            log(f"connection error: {e}")
        finally:
            conn.close()


if __name__ == "__main__":
    main()
