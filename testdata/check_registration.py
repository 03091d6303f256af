#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks what a Wireshark user sees of tlsdiag's registration: the plugin is
loaded, the protocol, fields and preferences are listed, and the expert items
reach `tshark -z expert` even in two-pass mode without a tree (-q)."""

import argparse
import sys

import os
import subprocess

FIELDS = {
    "tlsdiag.flag": "FT_STRING",
    "tlsdiag.side": "FT_STRING",
    "tlsdiag.close": "FT_STRING",
    "tlsdiag.stage": "FT_STRING",
    "tlsdiag.version": "FT_UINT16",
    "tlsdiag.negotiated_version": "FT_UINT16",
    "tlsdiag.client_hello": "FT_FRAMENUM",
    "tlsdiag.elapsed": "FT_RELATIVE_TIME",
    "tlsdiag.alert": "FT_UINT8",
    "tlsdiag.alert_level": "FT_UINT8",
    "tlsdiag.retransmissions": "FT_UINT32",
    "tlsdiag.client": "FT_STRING",
    "tlsdiag.server": "FT_STRING",
    "tlsdiag.sni": "FT_STRING",
    "tlsdiag.ended_by": "FT_FRAMENUM",
    "tlsdiag.fallback.previous": "FT_FRAMENUM",
    "tlsdiag.fallback.failure": "FT_FRAMENUM",
    "tlsdiag.fallback.origin": "FT_FRAMENUM",
    "tlsdiag.fallback.from": "FT_UINT16",
    "tlsdiag.fallback.to": "FT_UINT16",
    "tlsdiag.fallback.scsv": "FT_BOOLEAN",
    "tlsdiag.fallback.attempt": "FT_UINT32",
    "tlsdiag.fallback.retry": "FT_FRAMENUM",
    "tlsdiag.fallback.completed": "FT_FRAMENUM",
    "tlsdiag.certificate_requested": "FT_BOOLEAN",
    "tlsdiag.client_certificate": "FT_STRING",
    "tlsdiag.http403": "FT_FRAMENUM",
    "tlsdiag.resumption.offered": "FT_STRING",
    "tlsdiag.resumption.issued": "FT_FRAMENUM",
    "tlsdiag.resumption.issuer": "FT_STRING",
    "tlsdiag.last_progress": "FT_FRAMENUM",
    "tlsdiag.idle": "FT_RELATIVE_TIME",
    "tlsdiag.capture_end": "FT_BOOLEAN",
    "tlsdiag.step.server_hello": "FT_RELATIVE_TIME",
    "tlsdiag.step.server_flight": "FT_RELATIVE_TIME",
    "tlsdiag.step.client_flight": "FT_RELATIVE_TIME",
    "tlsdiag.step.completion": "FT_RELATIVE_TIME",
    "tlsdiag.loss.client_hello_retransmissions": "FT_UINT32",
    "tlsdiag.loss.server_retransmissions": "FT_UINT32",
    "tlsdiag.loss.client_retransmissions": "FT_UINT32",
    "tlsdiag.loss.duplicate_acks": "FT_UINT32",
    "tlsdiag.loss.zero_windows": "FT_UINT32",
    "tlsdiag.detail": "FT_STRING",
    "tlsdiag.abandoned.sibling": "FT_FRAMENUM",
    "tlsdiag.abandoned.closed_together": "FT_UINT32",
    "tlsdiag.recording_gap": "FT_RELATIVE_TIME",
    "tlsdiag.client_error": "FT_STRING",
    "tlsdiag.cert.problem": "FT_STRING",
    "tlsdiag.cert.subject": "FT_STRING",
    "tlsdiag.cert.issuer": "FT_STRING",
    "tlsdiag.cert.san": "FT_STRING",
    "tlsdiag.cert.not_before": "FT_STRING",
    "tlsdiag.cert.not_after": "FT_STRING",
    "tlsdiag.cert.key": "FT_STRING",
    "tlsdiag.cert.signature": "FT_STRING",
    "tlsdiag.cert.chain_length": "FT_UINT32",
    "tlsdiag.cert.spki_sha256": "FT_STRING",
    "tlsdiag.cert.other_frame": "FT_FRAMENUM",
    "tlsdiag.cert.other_spki_sha256": "FT_STRING",
    "tlsdiag.fallback.since_failure": "FT_RELATIVE_TIME",
    "tlsdiag.quic.connection": "FT_UINT32",
    "tlsdiag.quic.error": "FT_UINT64",
    "tlsdiag.quic.reason": "FT_STRING",
    "tlsdiag.quic.initials": "FT_UINT32",
    "tlsdiag.quic.span": "FT_RELATIVE_TIME",
    "tlsdiag.quic.icmp": "FT_FRAMENUM",
    "tlsdiag.quic.path": "FT_STRING",
    "tlsdiag.quic.version": "FT_UINT32",
    "tlsdiag.quic.retry": "FT_FRAMENUM",
    "tlsdiag.unreadable": "FT_FRAMENUM",
    "tlsdiag.unrecorded": "FT_RELATIVE_TIME",
}

# Expert items are listed as fields too; a filter on them finds the frames.
EXPERTS = ["handshake_aborted", "handshake_alert", "version_fallback", "retry_after_failure",
           "fallback_scsv", "fallback_rejected", "alert_after_403", "close_after_403",
           "possible_alert_after_403", "client_cert_rejected", "handshake_failed_later",
           "retried_later", "retry_completed", "resumption_refused", "resumption_failed",
           "resumption_other_server", "handshake_stalled", "handshake_incomplete",
           "handshake_slow", "handshake_abandoned", "handshake_cut_by_recording",
           "handshake_unreadable", "handshake_unrecorded",
           "resumption_other_server_failed",
           "rejected_after_handshake", "certificate_changed",
           "quic_handshake_closed", "quic_handshake_refused", "quic_unanswered",
           "quic_unanswered_short", "quic_fallback_to_tcp", "quic_no_common_version",
           "quic_version_probe", "quic_retry_loop"]
FIELDS.update({"tlsdiag." + name: "FT_NONE" for name in EXPERTS})


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tshark", required=True,
                        help="tshark with the plugin loaded (the build's tlsdiag-tshark)")
    parser.add_argument("capture", help="a capture with a handshake_aborted annotation")
    args = parser.parse_args()
    failures = []

    def tshark(*options):
        result = subprocess.run([args.tshark, *options], capture_output=True, text=True,
                                errors="replace", env=dict(os.environ, LC_ALL="C"))
        if result.returncode != 0 or result.stderr.strip():
            failures.append(f"tshark {' '.join(options)} exited {result.returncode}: "
                            f"{result.stderr}")
        return result.stdout

    if "tlsdiag.so" not in tshark("-G", "plugins"):
        failures.append("tshark -G plugins does not list tlsdiag.so")
    if "TLS Handshake Diagnostics\tTLSDIAG\ttlsdiag" not in tshark("-G", "protocols"):
        failures.append("tshark -G protocols does not list TLSDIAG")

    listed = {}
    for line in tshark("-G", "fields").splitlines():
        cells = line.split("\t")
        if len(cells) > 4 and cells[0] == "F" and cells[4] == "tlsdiag":
            listed[cells[2]] = cells[3]
            is_expert = cells[3] == "FT_NONE"
            if not cells[1] or (not is_expert and (len(cells) < 8 or not cells[7])):
                failures.append(f"field {cells[2]} lacks a name or a description")
    for field, ftype in FIELDS.items():
        if listed.get(field) != ftype:
            failures.append(f"field {field}: want {ftype}, tshark lists {listed.get(field)}")
    for field in set(listed) - set(FIELDS):
        failures.append(f"field {field} is registered but not checked here")

    prefs = tshark("-G", "defaultprefs")
    for pref, default in (("fallback_window", 60), ("stall_timeout", 5), ("slow_handshake", 3)):
        if f"tlsdiag.{pref}: {default}" not in prefs:
            failures.append(f"preference tlsdiag.{pref} (default {default}) not listed")

    capture = args.capture
    for passes in (["-2"], []):
        out = tshark("-r", capture, *passes, "-q", "-z", "expert")
        if "TLS handshake aborted: server sent RST after the ClientHello" not in out:
            failures.append(f"tshark {' '.join(passes)} -q -z expert lacks the tlsdiag item")
        # The postdissector's handle has no protocol: it names itself.
        protocols = [line.split()[2] for line in out.splitlines() if "handshake aborted" in line]
        if protocols != ["TLSDIAG"]:
            failures.append(f"tshark {' '.join(passes)} -q -z expert: the tlsdiag item's "
                            f"protocol is {protocols}, want TLSDIAG")
        # ... and so checks itself that it is enabled. A disabled tlsdiag
        # wants no fields, which alone keeps -z expert clean; a filter on the
        # fields it reads makes Wireshark track them anyway, and only the
        # check in the dissector keeps that clean too.
        disabled = ["--disable-protocol", "tlsdiag"]
        if "handshake aborted" in tshark("-r", capture, *passes, *disabled, "-q", "-z", "expert"):
            failures.append(f"tshark {' '.join(passes)} --disable-protocol tlsdiag -z expert "
                            "still has the tlsdiag item")
        flags = tshark("-r", capture, *passes, *disabled, "-Y",
                       "tls.handshake.type || tcp.connection.rst || tlsdiag",
                       "-T", "fields", "-e", "tlsdiag.flag")
        if flags.strip():
            failures.append(f"tshark {' '.join(passes)} --disable-protocol tlsdiag still "
                            f"flags frames: {flags.split()}")

    # The text is written only where it is read: a filter on it alone must
    # still find it. Summary lines, not -T fields: those show the tree.
    def frames_of(out):
        return [line.split()[0] for line in out.splitlines() if line.strip()]

    for passes in (["-2"], []):
        out = tshark("-r", capture, *passes, "-Y",
                     '_ws.expert.message contains "server sent RST after the ClientHello"')
        if frames_of(out) != ["5"]:
            failures.append(f"tshark {' '.join(passes)} -Y _ws.expert.message: frames "
                            f"{frames_of(out)}, want 5")

    # Wireshark cuts expert texts at 239 bytes: the rest must follow in
    # tlsdiag.detail, so the 403 advice at the end of a long text is seen.
    mtls = os.path.join(os.path.dirname(capture), "mtls-403-alert-tls12.pcapng")
    out = tshark("-r", mtls, "-2", "-Y", "tlsdiag.flag", "-T", "fields", "-E", "occurrence=a",
                 "-e", "_ws.expert.message", "-e", "tlsdiag.detail")
    if "answering 401 instead avoids it" not in out:
        failures.append(f"{mtls}: the 403 advice is not in the expert text or tlsdiag.detail")
    # Frame 14 is the client's alert (tls.alert_message), after the 403.
    out_filtered = tshark("-r", mtls, "-2", "-Y", 'tlsdiag.detail contains "answering 401"')
    if frames_of(out_filtered) != ["14"]:
        failures.append(f"{mtls}: a filter on tlsdiag.detail alone finds frames "
                        f"{frames_of(out_filtered)}, want 14")
    for line in out.splitlines():
        message = line.split("\t")[0]
        if len(message.encode()) > 239 or not message.endswith(";"):
            failures.append(f"{mtls}: expert text not cut after a clause: {message!r}")

    for failure in failures:
        print("FAIL: " + failure)
    if not failures:
        print(f"PASS: plugin, protocol, {len(FIELDS)} fields, preferences, expert info")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
