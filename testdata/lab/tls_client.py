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
                              Repeat --request to send several requests, one
                              after the other, on the same kept-alive connection.

Options for --request:
  --cert FILE --key FILE      present this client certificate when the server
                              asks for one (mutual TLS); without them OpenSSL
                              answers a CertificateRequest with an empty
                              Certificate message.
  --http2                     offer ALPN h2 only and speak HTTP/2 (python3-h2):
                              connection preface, SETTINGS, one HEADERS per
                              request, until the response stream ends.
  --finish HOW                how the client ends the connection after the last
                              response:
                                fin            close the socket (bare FIN, the default)
                                close-notify   send close_notify, then close (FIN)
                                rst            close with SO_LINGER 0 (RST)
                                bad-record-mac make the client's own OpenSSL send a
                                               real fatal alert bad_record_mac (20),
                                               then close (FIN). No TLS stack sends an
                                               arbitrary alert on demand, so this
                                               MIMICS a client that aborts with a
                                               fatal alert: the script feeds OpenSSL
                                               a copy of the last application-data
                                               record it received, with its last
                                               byte (in the AEAD tag) flipped;
                                               OpenSSL fails to authenticate it and
                                               answers with the fatal alert itself
                                               (encrypted under the connection's
                                               keys, as a real alert would be).
  --expect-server-alert       the server is expected to refuse the connection
                              with a TLS alert after the client's handshake is
                              done (TLS 1.3 client-certificate checks happen
                              after the client's Finished): send the request,
                              read; exit 0 only if the read fails with the
                              server's alert (its text is printed).

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
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    if args.http2:
        ctx.set_alpn_protocols(["h2"])
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


class Wire:
    """The TLS object, its memory BIOs and the socket, plus the last complete
    application-data record (outer content type 23) received from the server,
    kept for --finish bad-record-mac."""

    def __init__(self, sock, tls, incoming, outgoing, timeout):
        self.sock, self.tls = sock, tls
        self.incoming, self.outgoing = incoming, outgoing
        self.timeout = timeout
        self.rx = b""  # raw bytes received, not yet split into records
        self.last_app_record = None

    def flush(self):
        pending = self.outgoing.read()
        if pending:
            self.sock.sendall(pending)

    def feed(self):
        """One read from the socket into OpenSSL; False on EOF/timeout."""
        data = recv_some(self.sock, self.timeout)
        if not data:
            return False
        self.rx += data
        while len(self.rx) >= 5:
            (length,) = struct.unpack("!H", self.rx[3:5])
            if len(self.rx) < 5 + length:
                break
            record, self.rx = self.rx[:5 + length], self.rx[5 + length:]
            if record[0] == 23:
                self.last_app_record = record
        self.incoming.write(data)
        return True

    def read_plain(self):
        """Everything OpenSSL can decrypt now (b"" if nothing yet)."""
        out = b""
        try:
            while True:
                chunk = self.tls.read(65536)
                if not chunk:
                    break
                out += chunk
        except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
            pass
        self.flush()
        return out

    def write_plain(self, data):
        self.tls.write(data)
        self.flush()


def http1_exchange(wire, path, host):
    wire.write_plain((f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
                      "User-Agent: tlsdiag-lab\r\n\r\n").encode())
    response = b""
    while not complete_response(response):
        if not wire.feed():
            fail(f"no complete HTTP response to {path}")
        response += wire.read_plain()
    return response.split(b"\r\n", 1)[0].decode(errors="replace")


class Http2:
    def __init__(self, wire, host):
        import h2.config
        import h2.connection
        self.wire, self.host = wire, host
        self.conn = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        self.send()

    def send(self):
        data = self.conn.data_to_send()
        if data:
            self.wire.write_plain(data)

    def exchange(self, path):
        import h2.events
        sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(sid, [(":method", "GET"), (":scheme", "https"),
                                     (":authority", self.host), (":path", path),
                                     ("user-agent", "tlsdiag-lab")], end_stream=True)
        self.send()
        status = None
        while True:
            if not self.wire.feed():
                fail(f"no complete HTTP/2 response to {path}")
            plain = self.wire.read_plain()
            if not plain:
                continue
            for ev in self.conn.receive_data(plain):
                if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid:
                    status = dict(ev.headers).get(":status")
                elif isinstance(ev, h2.events.DataReceived):
                    self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                    self.send()
                    return f"HTTP/2 :status {status}"
            self.send()


def finish(wire, how):
    sock, tls = wire.sock, wire.tls
    if how == "rst":
        time.sleep(0.1)  # let the TLS 1.3 session tickets arrive first
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    elif how == "close-notify":
        try:
            tls.unwrap()
        except ssl.SSLWantReadError:
            pass  # close_notify written; the peer's answer is not awaited
        wire.flush()
    elif how == "bad-record-mac":
        record = wire.last_app_record
        if record is None:
            fail("no application-data record received to corrupt")
        corrupt = record[:-1] + bytes([record[-1] ^ 0x01])
        wire.incoming.write(corrupt)
        try:
            tls.read(65536)
            fail("OpenSSL accepted the corrupted record")
        except ssl.SSLError as e:
            if "BAD_RECORD_MAC" not in str(e) and "bad record mac" not in str(e).lower():
                fail(f"unexpected error on the corrupted record: {e}")
            print(f"client fatal alert after: {e}")
        alert = wire.outgoing.read()
        if not alert:
            fail("OpenSSL wrote no alert")
        sock.sendall(alert)
    sock.close()


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
    mode.add_argument("--request", metavar="PATH", action="append")
    p.add_argument("--abort-with-rst", action="store_true",
                   help="same as --finish rst")
    p.add_argument("--finish", default="fin",
                   choices=("fin", "close-notify", "rst", "bad-record-mac"))
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--http2", action="store_true")
    p.add_argument("--expect-server-alert", action="store_true")
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

    wire = Wire(sock, tls, incoming, outgoing, args.timeout)
    host = args.sni or host
    if args.http2 and tls.selected_alpn_protocol() != "h2":
        fail(f"ALPN did not select h2: {tls.selected_alpn_protocol()!r}")
    if args.expect_server_alert:
        # The client's handshake is done; the server's verdict on the client
        # certificate (TLS 1.3) arrives on the first read.
        try:
            wire.write_plain((f"GET {args.request[0]} HTTP/1.1\r\nHost: {host}\r\n"
                              "User-Agent: tlsdiag-lab\r\n\r\n").encode())
            while wire.feed():
                try:
                    data = tls.read(65536)
                except ssl.SSLWantReadError:
                    continue
                fail(f"got a response instead of an alert: {data[:40]!r}")
        except ssl.SSLError as e:
            wire.flush()
            print(f"server alert: {e}")
            sock.close()
            return
        fail("the server closed without an alert")
    h2conn = Http2(wire, host) if args.http2 else None
    for path in args.request:
        if h2conn:
            print(h2conn.exchange(path))
        else:
            print(http1_exchange(wire, path, host))
    finish(wire, "rst" if args.abort_with_rst else args.finish)


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
