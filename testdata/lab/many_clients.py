#!/usr/bin/python3
"""Many short TLS connections from one client, for the tlsdiag lab: a real
OpenSSL client (Python ssl) that makes --count connections one after the
other to the same server, each a TLS handshake (resuming the last good
session after the first, so the capture stays small) and a close_notify.
A connection the middlebox resets is counted and the next one goes on, as
a busy client would. No key log: nothing here needs decrypting.

Prints "ok N failed M" on stdout; exit status 0 when every connection
either completed or was reset by the peer.
"""
import argparse
import socket
import ssl
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--connect", required=True, help="ADDR:PORT")
    p.add_argument("--sni", required=True)
    p.add_argument("--cafile", required=True)
    p.add_argument("--count", type=int, default=2000)
    args = p.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(args.cafile)
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    host, port = args.connect.rsplit(":", 1)
    session, ok, failed = None, 0, []
    for i in range(args.count):
        sock = socket.create_connection((host, int(port)), timeout=5)
        try:
            tls = ctx.wrap_socket(sock, server_hostname=args.sni, session=session)
        except (ConnectionResetError, ssl.SSLError) as e:
            failed.append(i)
            print(f"many_clients: connection {i}: {e}", file=sys.stderr)
            sock.close()
            continue
        session = tls.session
        ok += 1
        try:
            tls.unwrap()  # close_notify, and the server's
        except (OSError, ssl.SSLError):
            pass
        tls.close()
    print(f"ok {ok} failed {len(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
