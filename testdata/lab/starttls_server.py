#!/usr/bin/python3
"""Minimal STARTTLS server for the tlsdiag lab: speaks just enough SMTP,
IMAP or the PostgreSQL startup protocol for `openssl s_client -starttls
smtp|imap|postgres`, then wraps the connection with a real OpenSSL server
(Python's ssl module) and, once the handshake is done, answers one line of
plaintext-protocol data (if any) and waits for the client to close.

One connection at a time, each with a timeout, so a connection that a
middlebox reset does not block the next one.
"""
import argparse
import socket
import ssl
import sys


def readline(conn):
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1)
        if not chunk:
            raise ConnectionError("client closed during the plaintext phase")
        data += chunk
    return data


def smtp(conn):
    conn.sendall(b"220 mail.tlsdiag.test ESMTP tlsdiag lab\r\n")
    while True:
        line = readline(conn).strip().upper()
        if line.startswith(b"EHLO") or line.startswith(b"HELO"):
            conn.sendall(b"250-mail.tlsdiag.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
        elif line == b"STARTTLS":
            conn.sendall(b"220 2.0.0 Ready to start TLS\r\n")
            return
        else:
            conn.sendall(b"502 5.5.2 Error: command not recognized\r\n")


def imap(conn):
    conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] tlsdiag lab ready\r\n")
    while True:
        line = readline(conn).strip()
        tag, _, cmd = line.partition(b" ")
        cmd = cmd.upper()
        if cmd == b"CAPABILITY":
            conn.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n" + tag + b" OK CAPABILITY completed\r\n")
        elif cmd == b"STARTTLS":
            conn.sendall(tag + b" OK Begin TLS negotiation now\r\n")
            return
        else:
            conn.sendall(tag + b" BAD command unknown\r\n")


def postgres(conn):
    request = b""
    while len(request) < 8:
        chunk = conn.recv(8 - len(request))
        if not chunk:
            raise ConnectionError("client closed before its SSLRequest")
        request += chunk
    if request != b"\x00\x00\x00\x08\x04\xd2\x16\x2f":
        raise ConnectionError(f"not an SSLRequest: {request.hex()}")
    conn.sendall(b"S")


PROTOCOLS = {"smtp": smtp, "imap": imap, "postgres": postgres}


def serve(conn, args, ctx):
    conn.settimeout(args.timeout)
    PROTOCOLS[args.proto](conn)
    tls = ctx.wrap_socket(conn, server_side=True)
    print(f"starttls_server: handshake done, {tls.version()}", file=sys.stderr, flush=True)
    while tls.recv(4096):
        pass
    tls.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--proto", required=True, choices=PROTOCOLS)
    p.add_argument("--listen", required=True, help="ADDR:PORT")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--timeout", type=float, default=3.0)
    args = p.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    host, port = args.listen.rsplit(":", 1)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, int(port)))
    srv.listen(8)
    while True:
        conn, peer = srv.accept()
        try:
            serve(conn, args, ctx)
        except (OSError, ssl.SSLError, ConnectionError) as e:
            print(f"starttls_server: {peer}: {e}", file=sys.stderr, flush=True)
        finally:
            conn.close()


if __name__ == "__main__":
    sys.exit(main())
