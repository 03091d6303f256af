#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the seed corpus of the engine fuzz harness (plugin/tests/fuzz_engine.c):
handshake stories in the harness's input format, so that libFuzzer starts
from sequences that reach every detection.

    testdata/fuzz/make-engine-corpus.py [DIR]   (default: testdata/fuzz/engine-corpus)

Files written by libFuzzer runs (named by their SHA-1) may be added to the
directory as well; this script only (re)writes the seed-*.bin files.
"""

import os
import struct
import sys

CCS, ALERT, HS, APP = 0, 1, 2, 3  # record type choices (20 + n)
CH, SH, NST, EE, CERT, SKE, CR, SHD, CV, CKE, FIN = range(11)  # handshake choices
V = {"ssl3": 1, "1.0": 2, "1.1": 3, "1.2": 4, "1.3": 5, "none": 0, "draft": 6}

CLIENT = 0x08  # host 1, port 50000
CLIENT2 = 0x0C  # host 1, port 50001
CLIENT3 = 0x10  # host 1, port 50002
OTHER_CLIENT = 0x0B  # host 4, port 50000
SERVER = 0x01  # host 2, port 443
SERVER_B = 0x06  # host 3, port 8443


def window(seconds):
    return struct.pack("<q", seconds * 10**9)


def obs(stream, src, dst, records=(), handshakes=(), fin=False, rst=False, retrans=False,
        ms=1, hello=None, cert=None, alerts=None, http=None, opaque=0, frame_how=0, chain=None,
        outer=False, unreadable=False, unrecorded=False):
    op = 0
    if hello is not None:
        op |= 0x10
    if cert is not None or chain is not None:
        op |= 0x20
    if alerts is not None:
        op |= 0x40
    if http is not None:
        op |= 0x80
    out = bytes([op, frame_how])
    out += bytes([0x00]) + struct.pack("<H", ms)  # time: forward ms
    out += bytes([stream & 0x7])
    out += bytes([src, dst])
    out += bytes([(0x04 if fin else 0) | (0x08 if rst else 0) | (0x10 if retrans else 0) |
                   (0x02 if unrecorded else 0) | (0x80 if outer else 0) |
                   (0x01 if unreadable else 0)])
    out += bytes([len(records)]) + bytes(records)
    out += bytes([opaque & 0x3])
    out += bytes([len(handshakes)]) + bytes(handshakes)
    if hello is not None:
        version, supported, scsv, sni = hello
        out += bytes([V[version], V[supported], 1 if scsv else 0])
        out += bytes([{None: 0, "": 2, "a": 3, "b": 3 | 0x08}[sni]])
        out += bytes([0, 0])  # no session offered or issued (the harness's session bytes)
    if chain is not None:  # DER certificates, as the server sent them
        out += bytes([1 | 2, 0, len(chain)])
        out += b"".join(struct.pack("<H", len(der)) + der for der in chain)
    elif cert is not None:
        out += bytes([1, 0]) if cert == 0 else bytes([1, 1]) + struct.pack("<I", cert)
    if alerts is not None:
        out += bytes([len(alerts)]) + b"".join(bytes([l, d]) for l, d in alerts)
    if http is not None:
        codes = {200: 0, 403: 1, 401: 2}
        out += bytes([len(http)]) + bytes(codes[c] for c in http)
    return out


def query(spread=8):
    return bytes([6, spread])


def client_hello(stream, client=CLIENT, server=SERVER, version="1.2", supported="none",
                 scsv=False, sni="a", ms=1):
    return obs(stream, client, server, [HS], [CH], hello=(version, supported, scsv, sni), ms=ms)


def server_hello(stream, client=CLIENT, server=SERVER, version="1.2", supported="none"):
    return obs(stream, server, client, [HS, HS, HS, HS], [SH, CERT, SKE, SHD],
               hello=(version, supported, False, None))


def server_hello13(stream, client=CLIENT, server=SERVER, cr=False):
    return (obs(stream, server, client, [HS, CCS], [SH], hello=("1.2", "1.3", False, None)) +
            obs(stream, server, client, [HS] * (4 if cr else 3),
                [EE, CR, CERT, CV, FIN] if cr else [EE, CERT, CV, FIN], opaque=1))


def rst(stream, src, dst, retrans=False, ms=200):
    return obs(stream, src, dst, rst=True, retrans=retrans, ms=ms)


def fin(stream, src, dst, ms=5):
    return obs(stream, src, dst, fin=True, ms=ms)


def alert(stream, src, dst, level, desc, ms=2, readable=True):
    if readable:
        return obs(stream, src, dst, [ALERT], alerts=[(level, desc)], ms=ms)
    return obs(stream, src, dst, [ALERT], alerts=[], ms=ms)


def client_flight12(stream, client=CLIENT, server=SERVER, cert=None):
    hs = ([CERT] if cert is not None else []) + [CKE]
    return obs(stream, client, server, [HS] * len(hs) + [CCS, HS], hs,
               cert=cert)


def server_finish12(stream, client=CLIENT, server=SERVER):
    return obs(stream, server, client, [CCS, HS])


def stories():
    w = window(60) + window(5) + window(3)  # fallback window, stall timeout, slow handshake
    s = {}
    s["rst-after-ch-12"] = w + client_hello(0) + rst(0, SERVER, CLIENT) + query()
    s["fin-after-ch-13"] = w + client_hello(0, supported="1.3") + fin(0, SERVER, CLIENT) + query()
    s["client-fin-after-sh"] = w + client_hello(0) + server_hello(0) + fin(0, CLIENT, SERVER) + query()
    s["alert-fatal-server"] = w + client_hello(0) + alert(0, SERVER, CLIENT, 2, 40) + query()
    # Record types read from the record headers: the flight's hidden
    # records arrive as application data (outer=True: opaque counts them).
    s["tls13-outer-types"] = (w + client_hello(0, supported="1.3") +
                              obs(0, SERVER, CLIENT, [HS, CCS, APP, APP], [SH],
                                  hello=("1.2", "1.3", False, None), opaque=2, outer=True) +
                              fin(0, CLIENT, SERVER) + query())
    # Bytes the dissector could not read as records, then silence: a stall
    # not known to be one.
    s["unreadable-then-silence"] = (w + client_hello(0) +
                                    obs(0, SERVER, CLIENT, unreadable=True, ms=40) +
                                    obs(0, CLIENT, SERVER, retrans=True, ms=7000) + query())
    # The client's flight, then not one packet of the connection until the
    # capture ends, 12 s later (reddit.pcap): a stall not known to be one.
    s["unrecorded-at-end"] = (w + client_hello(0) + server_hello(0) +
                              obs(0, CLIENT, SERVER, [HS, CCS, HS], [CKE], ms=3, unrecorded=True) +
                              client_hello(1, client=CLIENT2, ms=12000) + query(0x88))
    s["alert-encrypted"] = w + client_hello(0) + server_hello(0) + alert(0, CLIENT, SERVER, 0, 0, readable=False) + query()
    s["alert-warning-unrecognized-name"] = (w + client_hello(0) + alert(0, SERVER, CLIENT, 1, 112) +
                                            server_hello(0) + rst(0, CLIENT, SERVER) + query())
    s["close-notify"] = w + client_hello(0) + server_hello(0) + alert(0, CLIENT, SERVER, 1, 0) + query()
    s["complete-12"] = (w + client_hello(0) + server_hello(0) + client_flight12(0) +
                        server_finish12(0) + fin(0, CLIENT, SERVER) + query())
    s["complete-13"] = (w + client_hello(0, supported="1.3") + server_hello13(0) +
                        obs(0, CLIENT, SERVER, [CCS], opaque=1) + obs(0, SERVER, CLIENT, opaque=1) +
                        rst(0, SERVER, CLIENT) + query())
    s["tls13-client-flight-rst"] = (w + client_hello(0, supported="1.3") + server_hello13(0) +
                                    obs(0, CLIENT, SERVER, opaque=1) + rst(0, SERVER, CLIENT) + query())
    s["fallback-chain"] = (w + client_hello(0) + rst(0, SERVER, CLIENT) +
                           client_hello(1, CLIENT2, version="1.1", ms=500) + rst(1, SERVER, CLIENT2) +
                           client_hello(2, CLIENT3, version="1.0", scsv=True, ms=500) +
                           alert(2, SERVER, CLIENT3, 2, 86) + query(32))
    s["retry-same-version"] = (w + client_hello(0) + rst(0, SERVER, CLIENT) +
                               client_hello(1, CLIENT2, ms=300) + server_hello(1, CLIENT2) + query(16))
    s["fallback-completes"] = (w + client_hello(0) + rst(0, SERVER, CLIENT) +
                               client_hello(1, CLIENT2, version="1.1", ms=300) +
                               server_hello(1, CLIENT2, version="1.1") + client_flight12(1, CLIENT2) +
                               server_finish12(1, CLIENT2) + obs(1, CLIENT2, SERVER, [APP]) + query(16))
    s["fallback-scsv-completes-13-to-12"] = (w + client_hello(0, supported="1.3") + rst(0, SERVER, CLIENT) +
                                             client_hello(1, CLIENT2, scsv=True, ms=300) +
                                             server_hello(1, CLIENT2) + client_flight12(1, CLIENT2) +
                                             server_finish12(1, CLIENT2) + query(16))
    s["scsv-without-failure"] = w + client_hello(0, version="1.1", scsv=True) + query()
    s["fallback-other-server"] = (w + client_hello(0) + rst(0, SERVER, CLIENT) +
                                  client_hello(1, CLIENT2, SERVER_B, version="1.1") + query(16))
    s["fallback-other-sni"] = (w + client_hello(0, sni="a") + rst(0, SERVER, CLIENT) +
                               client_hello(1, CLIENT2, version="1.1", sni="b") + query(16))
    s["fallback-outside-window"] = (window(1) + client_hello(0) + rst(0, SERVER, CLIENT) +
                                    client_hello(1, CLIENT2, version="1.1", ms=60000) + query(16))
    s["two-clients"] = (w + client_hello(0) + rst(0, SERVER, CLIENT) +
                        client_hello(1, OTHER_CLIENT, version="1.1") + query(16))
    s["lossy-ch"] = (w + client_hello(0) + obs(0, CLIENT, SERVER, [HS], [CH], retrans=True, ms=1000,
                                               hello=("1.2", "none", False, "a")) +
                     rst(0, SERVER, CLIENT) + query())
    s["lossy-server"] = (w + client_hello(0) + server_hello(0) +
                         obs(0, SERVER, CLIENT, [HS], [CERT], retrans=True) +
                         rst(0, CLIENT, SERVER, retrans=True) + query())
    s["mtls-403-alert-12"] = (w + client_hello(0) + obs(0, SERVER, CLIENT, [HS] * 5, [SH, CERT, SKE, CR, SHD],
                                                       hello=("1.2", "none", False, None)) +
                              client_flight12(0, cert=1200) + server_finish12(0) +
                              obs(0, CLIENT, SERVER, [APP]) + obs(0, SERVER, CLIENT, [APP], http=[403]) +
                              alert(0, CLIENT, SERVER, 2, 46) + query(16))
    s["mtls-403-close-12"] = (w + client_hello(0) + obs(0, SERVER, CLIENT, [HS] * 5, [SH, CERT, SKE, CR, SHD],
                                                       hello=("1.2", "none", False, None)) +
                              client_flight12(0, cert=1200) + server_finish12(0) +
                              obs(0, CLIENT, SERVER, [APP]) + obs(0, SERVER, CLIENT, [APP], http=[403]) +
                              fin(0, CLIENT, SERVER) + query(16))
    s["mtls-nokeys-possible-403"] = (w + client_hello(0) + obs(0, SERVER, CLIENT, [HS] * 5, [SH, CERT, SKE, CR, SHD],
                                                              hello=("1.2", "none", False, None)) +
                                     client_flight12(0, cert=1200) + server_finish12(0) +
                                     obs(0, CLIENT, SERVER, [APP]) + obs(0, SERVER, CLIENT, [APP]) +
                                     alert(0, CLIENT, SERVER, 0, 0, readable=False) + query(16))
    s["mtls-200"] = (w + client_hello(0) + obs(0, SERVER, CLIENT, [HS] * 5, [SH, CERT, SKE, CR, SHD],
                                              hello=("1.2", "none", False, None)) +
                     client_flight12(0, cert=1200) + server_finish12(0) +
                     obs(0, CLIENT, SERVER, [APP]) + obs(0, SERVER, CLIENT, [APP], http=[200]) +
                     alert(0, CLIENT, SERVER, 1, 0) + query(16))
    s["tls13-cert-rejected"] = (w + client_hello(0, supported="1.3") + server_hello13(0, cr=True) +
                                obs(0, CLIENT, SERVER, [HS, HS, HS], [CERT, CV, FIN], cert=900, opaque=1) +
                                alert(0, SERVER, CLIENT, 2, 116) + query(16))
    s["tls13-empty-cert-rejected"] = (w + client_hello(0, supported="1.3") + server_hello13(0, cr=True) +
                                      obs(0, CLIENT, SERVER, [HS, HS], [CERT, FIN], cert=0, opaque=1) +
                                      rst(0, SERVER, CLIENT) + query(16))
    s["many-streams"] = w + b"".join(client_hello(i) + rst(i, SERVER, CLIENT) for i in range(8)) + query(40)
    s["frames-backwards"] = (w + client_hello(0) + obs(0, SERVER, CLIENT, rst=True, frame_how=4) + b"\x05" +
                             client_hello(1, CLIENT2, version="1.1") + query(16))
    s["frame-repeat"] = (w + client_hello(0) + obs(0, SERVER, CLIENT, rst=True, frame_how=3) +
                         client_hello(1, CLIENT2, version="1.0") + query(16))
    s["vocabulary"] = w + b"".join(bytes([7, a, a, 3]) for a in (0, 10, 20, 40, 86, 112, 116, 255))
    s["negative-window"] = struct.pack("<q", -1) + client_hello(0) + rst(0, SERVER, CLIENT) + client_hello(1, CLIENT2, version="1.1") + query()
    s["huge-window"] = struct.pack("<q", 2**63 - 1) + client_hello(0) + rst(0, SERVER, CLIENT) + client_hello(1, CLIENT2, version="1.1") + query()
    s["draft13"] = w + client_hello(0, supported="draft") + fin(0, SERVER, CLIENT) + query()
    s["ssl3"] = w + client_hello(0, version="ssl3") + alert(0, SERVER, CLIENT, 2, 40) + query()
    s["no-sni"] = (w + client_hello(0, sni=None) + rst(0, SERVER, CLIENT) +
                   client_hello(1, CLIENT2, version="1.1", sni="") + rst(1, SERVER, CLIENT2) + query(16))
    certs = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "plugin", "tests",
                         "certs")
    der = {name: open(os.path.join(certs, name + ".der"), "rb").read()
           for name in ("ok", "intermediate", "wrongname")}
    s["cert-chain-unknown-ca"] = (w + client_hello(0, sni="a") +
                                  obs(0, SERVER, CLIENT, [HS, HS, HS], [SH, CERT, SHD],
                                      hello=("1.2", "none", False, None),
                                      chain=[der["ok"], der["intermediate"]]) +
                                  alert(0, CLIENT, SERVER, 2, 48) + query())
    s["cert-leaf-rejected-after-handshake"] = (
        w + client_hello(0, sni="a") +
        obs(0, SERVER, CLIENT, [HS, HS, HS], [SH, CERT, SHD], hello=("1.2", "none", False, None),
            chain=[der["wrongname"]]) +
        client_flight12(0) + server_finish12(0) + alert(0, CLIENT, SERVER, 1, 0) + query())
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "engine-corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in stories().items():
        with open(os.path.join(out, "seed-" + name + ".bin"), "wb") as f:
            f.write(data)
    print(f"{len(stories())} seeds in {out}")


if __name__ == "__main__":
    main()
