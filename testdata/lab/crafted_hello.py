#!/usr/bin/python3
"""Crafted ClientHellos for the tlsdiag lab: hello formats that no TLS stack
on the lab machine sends any more (OpenSSL 3 and Python's ssl cannot make
them), written as raw bytes through a real TCP socket to a real server.
Everything after the ClientHello is the server's real answer; this client
never continues the handshake: it reads until the server closes or for
--wait seconds, then closes its socket (a bare FIN).

Kinds:
  sslv2          an SSLv2-compatible ClientHello (SSLv2 record header, message
                 type 1) offering --version (default TLS 1.0, 0x0301), with
                 3-byte cipher specs, as pre-2014 clients sent it
  sslv3          a TLS-format ClientHello with record and hello version SSL 3.0
                 (0x0300), no extensions
  draft13        a TLS 1.2-format ClientHello whose supported_versions offers
                 only a draft TLS 1.3 version (--draft, default 0x7f1c: draft 28;
                 a comma-separated list offers several, e.g. 0x7f1c,0x0303)

Exit status 0 when the hello was sent and the connection ended; what the
server answered is checked in the capture by generate.sh.
"""
import argparse
import os
import socket
import struct
import sys
import time


def u8(n):
    return struct.pack("!B", n)


def u16(n):
    return struct.pack("!H", n)


def u24(n):
    return struct.pack("!I", n)[1:]


def vec8(b):
    return u8(len(b)) + b


def vec16(b):
    return u16(len(b)) + b


def ext(kind, body):
    return u16(kind) + vec16(body)


# TLS 1.0-1.2 suites OpenSSL 3 still has at SECLEVEL 0 (and 1.3 ones for draft13).
SUITES = [0xC02F, 0xC030, 0xC013, 0xC014, 0x009C, 0x002F, 0x0035, 0x000A]


def sslv2_hello(version):
    # SSLv2 cipher specs: TLS suites as 0x00XXXX, plus two SSLv2 kinds.
    specs = b"".join(u24(s) for s in SUITES) + u24(0x010080) + u24(0x0700C0)
    challenge = os.urandom(32)
    body = u8(1) + u16(version) + u16(len(specs)) + u16(0) + u16(len(challenge)) + specs + challenge
    return u16(0x8000 | len(body)) + body


def tls_hello(record_version, hello_version, suites, extensions):
    hello = (u16(hello_version) + os.urandom(32) + vec8(b"") +
             vec16(b"".join(u16(s) for s in suites)) + vec8(b"\x00") +
             (vec16(extensions) if extensions is not None else b""))
    handshake = u8(1) + u24(len(hello)) + hello
    return u8(22) + u16(record_version) + vec16(handshake)


def sni(name):
    entry = u8(0) + vec16(name.encode())
    return ext(0, vec16(entry))


def draft13_hello(drafts, name):
    exts = (sni(name) +
            ext(10, vec16(u16(0x001D) + u16(0x0017))) +                 # supported_groups
            ext(11, vec8(b"\x00")) +                                     # ec_point_formats
            ext(13, vec16(b"".join(u16(s) for s in (0x0804, 0x0403, 0x0401)))) +  # signature_algorithms
            ext(51, vec16(u16(0x001D) + vec16(os.urandom(32)))) +       # key_share x25519 (random bytes)
            ext(43, vec8(b"".join(u16(d) for d in drafts))))             # supported_versions
    return tls_hello(0x0301, 0x0303, [0x1301, 0x1302, 0x1303] + SUITES, exts)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["sslv2", "sslv3", "draft13"])
    p.add_argument("--connect", required=True, help="ADDR:PORT")
    p.add_argument("--bind", default="", help="source address")
    p.add_argument("--sni", default="server.tlsdiag.test")
    p.add_argument("--version", type=lambda s: int(s, 0), default=0x0301, help="sslv2: version offered")
    p.add_argument("--draft", type=lambda s: [int(v, 0) for v in s.split(",")], default=[0x7F1C],
                   help="draft13: the versions in supported_versions")
    p.add_argument("--wait", type=float, default=1.0)
    args = p.parse_args()

    if args.kind == "sslv2":
        hello = sslv2_hello(args.version)
    elif args.kind == "sslv3":
        hello = tls_hello(0x0300, 0x0300, SUITES, None)
    else:
        hello = draft13_hello(args.draft, args.sni)

    host, port = args.connect.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=5,
                                    source_address=(args.bind, 0) if args.bind else None)
    sock.sendall(hello)
    got = 0
    deadline = time.monotonic() + args.wait
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            break
        if not data:
            break
        got += len(data)
    sock.close()
    print(f"crafted_hello: {args.kind}: sent {len(hello)} bytes, received {got}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
