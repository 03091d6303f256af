#!/usr/bin/python3
"""Scripted TLS client for the tlsdiag lab: a real OpenSSL stack (Python's
ssl module over ssl.MemoryBIO) whose socket is driven by this script, so a
scenario can stop the handshake at an exact step.

Modes (pick one):
  --close-after-serverhello   send the real ClientHello, wait for the first
                              record of the server's answer (the ServerHello),
                              then close the socket: a bare FIN, no alert.
  --hold-flight SECONDS       run the handshake until the server's flight is
                              complete, but do not send the client's own flight;
                              wait up to SECONDS for the server to close, then
                              close.
  --request PATH              complete the handshake, send an HTTP/1.1 GET,
                              read the response; with --abort-with-rst close
                              with SO_LINGER 0 (RST) instead of a normal close.

Exit status: 0 when the scripted behaviour happened, 1 otherwise (with a
message on stderr), so generate.sh fails loudly.
"""
import argparse
import select
import socket
import ssl
import struct
import sys
import time

VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


def fail(msg):
    print(f"tls_client: {msg}", file=sys.stderr)
    sys.exit(1)


def make_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = VERSIONS[args.min_version]
    ctx.maximum_version = VERSIONS[args.max_version]
    if args.min_version in ("1.0", "1.1"):
        ctx.set_ciphers("DEFAULT@SECLEVEL=0")
    if args.cafile:
        ctx.load_verify_locations(args.cafile)
        ctx.check_hostname = bool(args.sni)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if args.keylog:
        ctx.keylog_filename = args.keylog
    return ctx


def recv_some(sock, timeout):
    """Bytes from the peer, b'' on EOF/RST, None on timeout."""
    ready, _, _ = select.select([sock], [], [], timeout)
    if not ready:
        return None
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


def first_record_complete(buf):
    if len(buf) < 5:
        return False
    (length,) = struct.unpack("!H", buf[3:5])
    return len(buf) >= 5 + length


def step_handshake(tls):
    try:
        tls.do_handshake()
        return True
    except ssl.SSLWantReadError:
        return False


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--connect", required=True, help="ADDR:PORT")
    p.add_argument("--sni")
    p.add_argument("--min-version", default="1.2", choices=VERSIONS)
    p.add_argument("--max-version", default="1.3", choices=VERSIONS)
    p.add_argument("--cafile")
    p.add_argument("--keylog")
    p.add_argument("--timeout", type=float, default=5.0)
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--close-after-serverhello", action="store_true")
    mode.add_argument("--hold-flight", type=float, metavar="SECONDS")
    mode.add_argument("--request", metavar="PATH")
    p.add_argument("--abort-with-rst", action="store_true")
    args = p.parse_args()

    host, port = args.connect.rsplit(":", 1)
    ctx = make_context(args)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_side=False,
                       server_hostname=args.sni)
    sock = socket.create_connection((host, int(port)), timeout=args.timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    step_handshake(tls)
    sock.sendall(outgoing.read())  # the real ClientHello

    if args.close_after_serverhello:
        buf = b""
        while not first_record_complete(buf):
            data = recv_some(sock, args.timeout)
            if not data:
                fail("no ServerHello before timeout/close")
            buf += data
        if buf[0] != 0x16 or buf[5] != 0x02:
            fail(f"first server record is not a ServerHello: {buf[:6].hex()}")
        sock.close()  # bare FIN, nothing else
        return

    done = False
    while not done:
        data = recv_some(sock, args.timeout)
        if not data:
            fail("server closed or timed out during the handshake")
        incoming.write(data)
        try:
            done = step_handshake(tls)
        except ssl.SSLError as e:
            sock.sendall(outgoing.read())
            fail(f"handshake failed: {e}")
        flight = outgoing.read()
        if flight and args.hold_flight is not None:
            # The server's flight is complete: the client's own flight is
            # ready but is held back on purpose.
            end = time.monotonic() + args.hold_flight
            while time.monotonic() < end:
                data = recv_some(sock, end - time.monotonic())
                if data == b"":
                    sock.close()
                    return
            sock.close()
            fail("server did not close while the client flight was held")
        if flight:
            sock.sendall(flight)

    request = (f"GET {args.request} HTTP/1.1\r\nHost: {args.sni or host}\r\n"
               "User-Agent: tlsdiag-lab\r\n\r\n").encode()
    tls.write(request)
    sock.sendall(outgoing.read())
    response = b""
    while not complete_response(response):
        data = recv_some(sock, args.timeout)
        if not data:
            fail("no complete HTTP response")
        incoming.write(data)
        try:
            while True:
                response += tls.read(65536)
        except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
            pass
        pending = outgoing.read()
        if pending:
            sock.sendall(pending)
    print(response.split(b"\r\n", 1)[0].decode(errors="replace"))
    if args.abort_with_rst:
        time.sleep(0.1)  # let the TLS 1.3 session tickets arrive first
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
    sock.close()


def complete_response(response):
    head, sep, body = response.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return True


if __name__ == "__main__":
    main()
