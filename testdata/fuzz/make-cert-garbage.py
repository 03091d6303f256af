#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes reproducers/cert-garbage.pcapng: TLS 1.2 handshakes whose server
Certificate message carries what no CA issues, each refused by the client
with a fatal bad_certificate alert, so that the plugin reads the chain and
shows what it found:

  stream 0  one "certificate" of 300 bytes of noise
  stream 1  the fixture ok.der cut in half (the TLS lengths agree)
  stream 2  a 64 KiB certificate: a DER SEQUENCE header, then noise
  stream 3  a certificate list longer than the message (the glue reads none)
  stream 4  control: ok.der and intermediate.der from plugin/tests/certs

The frames are built here (Ethernet, IPv4, TCP, TLS records); checksums are
left zero, which Wireshark does not check by default. Run it again only to
change the capture:
    testdata/fuzz/make-cert-garbage.py
"""

import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CERTS = os.path.join(HERE, "..", "..", "plugin", "tests", "certs")
OUT = os.path.join(HERE, "reproducers", "cert-garbage.pcapng")
SNI = b"www.example"
START = 1796558400  # 2026-12-06T12:00:00Z: inside the fixtures' validity


def der(name):
    with open(os.path.join(CERTS, name + ".der"), "rb") as f:
        return f.read()


def u16(n):
    return struct.pack("!H", n)


def u24(n):
    return struct.pack("!I", n)[1:]


def handshake(kind, body):
    return bytes([kind]) + u24(len(body)) + body


def records(content_type, payload):
    out = b""
    for i in range(0, len(payload), 16384):
        chunk = payload[i:i + 16384]
        out += bytes([content_type]) + u16(0x0303) + u16(len(chunk)) + chunk
    return out


def client_hello():
    name = b"\x00" + u16(len(SNI)) + SNI
    sni = u16(0) + u16(len(name) + 2) + u16(len(name)) + name
    body = u16(0x0303) + bytes(32) + b"\x00" + u16(2) + u16(0xC02F) + b"\x01\x00"
    body += u16(len(sni)) + sni
    return records(22, handshake(1, body))


def server_flight(certificates, list_length=None):
    hello = handshake(2, u16(0x0303) + bytes(32) + b"\x00" + u16(0xC02F) + b"\x00")
    entries = b"".join(u24(len(c)) + c for c in certificates)
    length = len(entries) if list_length is None else list_length
    certificate = handshake(11, u24(length) + entries)
    return records(22, hello + certificate + handshake(14, b""))


def alert_bad_certificate():
    return records(21, b"\x02\x2a")


class Capture:
    def __init__(self):
        self.packets = []
        self.time = START * 1000000

    def frame(self, src, dst, sport, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6,
                         0, bytes(src), bytes(dst))
        eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
        self.time += 100
        self.packets.append((self.time, eth + ip + tcp + payload))

    def connection(self, port, server_payload, client_after):
        # A client address per connection: no retry of the one before.
        cli, srv = (10, 0, 0, 2 + port % 100), (10, 0, 0, 1)
        cseq, sseq = 1000, 5000
        self.frame(cli, srv, port, 443, cseq, 0, 0x02)
        self.frame(srv, cli, 443, port, sseq, cseq + 1, 0x12)
        cseq += 1
        sseq += 1
        self.frame(cli, srv, port, 443, cseq, sseq, 0x10)
        hello = client_hello()
        self.frame(cli, srv, port, 443, cseq, sseq, 0x18, hello)
        cseq += len(hello)
        for i in range(0, len(server_payload), 1448):
            chunk = server_payload[i:i + 1448]
            self.frame(srv, cli, 443, port, sseq, cseq, 0x18 if i + 1448 >= len(server_payload) else 0x10,
                       chunk)
            sseq += len(chunk)
        self.frame(cli, srv, port, 443, cseq, sseq, 0x18, client_after)
        cseq += len(client_after)
        self.frame(cli, srv, port, 443, cseq, sseq, 0x11)
        self.time += 1000000

    def write(self, path):
        def block(kind, body):
            body += b"\x00" * (-len(body) % 4)
            return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)
        out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
        out += block(1, struct.pack("<HHI", 1, 0, 65535))
        for time, data in self.packets:
            out += block(6, struct.pack("<IIIII", 0, time >> 32, time & 0xFFFFFFFF, len(data),
                                        len(data)) + data)
        with open(path, "wb") as f:
            f.write(out)


def main():
    noise = random.Random(17)
    capture = Capture()
    ok = der("ok")
    garbage = bytes(noise.randrange(256) for _ in range(300))
    big = b"\x30\x83\x01\x00\x00" + bytes(noise.randrange(256) for _ in range(65536))
    capture.connection(40000, server_flight([garbage]), alert_bad_certificate())
    capture.connection(40001, server_flight([ok[:len(ok) // 2]]), alert_bad_certificate())
    capture.connection(40002, server_flight([big]), alert_bad_certificate())
    capture.connection(40003, server_flight([ok], list_length=len(ok) + 40), alert_bad_certificate())
    capture.connection(40004, server_flight([ok, der("intermediate")]), alert_bad_certificate())
    capture.write(OUT)


if __name__ == "__main__":
    main()
