#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write one corrupted variant of a pcap or pcapng capture, reproducibly.

    mutate_capture.py --seed S [--ops OP,OP,...] INPUT OUTPUT

Without --ops, the seed picks a chain of one to three mutations. The chain
actually applied is printed on stdout (one line), so that a finding can say
how its input was made. The same seed and input always give the same output
(editcap's -E is seeded too), and so do the same seed, input and ops. Picking
the chain draws from the seed's generator, so `--seed S --ops CHAIN` is not
the input that `--seed S` made while printing CHAIN: to make a fuzz case's
input again, give its seed alone.

Mutations:
  editcap-E:RATE[:OFFSET]  editcap -E RATE (random bytes), skipping OFFSET
                           bytes of each frame (0: headers too)
  snaplen:N                editcap -s N: every frame truncated mid-record
  timeshift:SECONDS        editcap -t: move the whole capture in time
  shuffle:I:W              shuffle frames I..I+W-1
  swap:I:J                 exchange frames I and J
  reverse:I:W              reverse frames I..I+W-1
  dup:I:K                  frame I again K frames later (K=0: right after)
  drop:I                   frame I lost
  ts:I:HOW                 frame I's timestamp: zero, max, back (one day
                           earlier), jump (a year later), or all-back
                           (every later frame ten minutes earlier)
  flip:I:N                 N random bytes of frame I's payload (past the
                           TCP header area) set to boundary values
  cutframe:I:LEN           frame I cut to LEN bytes
  tsoffset:I:SECONDS       pcapng only: a second interface like the first
                           with if_tsoffset SECONDS (any int64: absurd and
                           negative capture times), frame I moved onto it
  cutfile:OFFSET           the output file cut at byte OFFSET (last)

Decryption secrets blocks of pcapng files are kept (editcap 4.0 refuses to
rewrite a file whose secrets come before its interface description, so
they are taken out around editcap and put back after the section header).
"""

import argparse
import gzip
import os
import random
import struct
import subprocess
import sys
import tempfile

PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_DSB = 0x0000000A
PACKET_BLOCKS = (2, 3, 6)  # obsolete packet, simple packet, enhanced packet


class Capture:
    """A capture as header bytes + a list of frames (each a raw record)."""

    def __init__(self, data):
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        self.tail = b""
        magic = data[:4]
        if magic == struct.pack("<I", PCAPNG_SHB):
            self.kind = "pcapng"
            self._parse_pcapng(data)
        elif magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            self.kind, self.endian = "pcap", "<"
            self.tps = 1000000000 if magic[0] == 0x4d else 1000000
            self._parse_pcap(data)
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            self.kind, self.endian = "pcap", ">"
            self.tps = 1000000000 if magic[2] == 0x3c else 1000000
            self._parse_pcap(data)
        else:
            raise ValueError("neither pcap nor pcapng")

    # --- pcap -------------------------------------------------------------
    def _parse_pcap(self, data):
        self.header = data[:24]
        self.frames = []
        o = 24
        while o + 16 <= len(data):
            caplen = struct.unpack_from(self.endian + "I", data, o + 8)[0]
            if o + 16 + caplen > len(data):
                break
            self.frames.append(bytearray(data[o:o + 16 + caplen]))
            o += 16 + caplen
        self.tail = data[o:]

    # --- pcapng -----------------------------------------------------------
    def _parse_pcapng(self, data):
        bom = data[8:12]
        self.endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
        e = self.endian
        self.header, self.secrets, self.frames = b"", [], []
        o, seen_shb = 0, False
        while o + 12 <= len(data):
            btype, blen = struct.unpack_from(e + "II", data, o)
            if blen < 12 or o + blen > len(data):
                break
            block = data[o:o + blen]
            if btype == PCAPNG_SHB:
                if seen_shb:
                    break  # a second section: keep it whole, untouched
                seen_shb = True
                self.header += block
            elif btype == PCAPNG_DSB:
                self.secrets.append(block)
            elif btype in PACKET_BLOCKS:
                self.frames.append(bytearray(block))
            else:
                if btype == 1 and not hasattr(self, "tps"):
                    self.tps = self._tsresol(block)
                self.header += block  # interfaces, name resolution, statistics
            o += blen
        self.tail = data[o:]
        if not hasattr(self, "tps"):
            self.tps = 1000000

    def _tsresol(self, idb):
        o = 16
        while o + 4 <= len(idb) - 4:
            code, length = struct.unpack_from(self.endian + "HH", idb, o)
            if code == 0:
                break
            if code == 9 and length >= 1:
                r = idb[o + 4]
                return 2 ** (r & 0x7F) if r & 0x80 else 10 ** r
            o += 4 + ((length + 3) & ~3)
        return 1000000

    def serialize(self, with_secrets=True):
        if self.kind == "pcap":
            return self.header + b"".join(self.frames) + self.tail
        shb_len = struct.unpack_from(self.endian + "I", self.header, 4)[0]
        secrets = b"".join(self.secrets) if with_secrets else b""
        return (self.header[:shb_len] + secrets + self.header[shb_len:] +
                b"".join(self.frames) + self.tail)

    # --- per-frame access -------------------------------------------------
    def _layout(self, frame):
        """(offset of the 64-bit/2x32 timestamp or None, data offset, data length field offset)."""
        e = self.endian
        if self.kind == "pcap":
            return 0, 16, 8
        btype = struct.unpack_from(e + "I", frame, 0)[0]
        if btype == 6:
            return 12, 28, 20
        if btype == 2:
            return 12, 28, 20
        return None, 12, None  # simple packet block: no timestamp

    def data_range(self, frame):
        _, start, caplen_at = self._layout(frame)
        if caplen_at is None:
            return start, len(frame) - 4
        caplen = struct.unpack_from(self.endian + "I", frame, caplen_at)[0]
        return start, min(start + caplen, len(frame))

    def get_ts(self, frame):
        """Raw timestamp as one integer (units of the file), None if absent."""
        ts_at = self._layout(frame)[0]
        if ts_at is None:
            return None
        hi, lo = struct.unpack_from(self.endian + "II", frame, ts_at)
        if self.kind == "pcap":
            return hi * self.tps + lo
        return (hi << 32) | lo

    def set_ts(self, frame, value):
        ts_at = self._layout(frame)[0]
        if ts_at is None:
            return
        value = max(0, value)
        if self.kind == "pcap":
            hi, lo = divmod(value, self.tps)
            hi = min(hi, 0xFFFFFFFF)
        else:
            value = min(value, 0xFFFFFFFFFFFFFFFF)
            hi, lo = value >> 32, value & 0xFFFFFFFF
        struct.pack_into(self.endian + "II", frame, ts_at, hi, lo)

    def ticks_per_second(self):
        return self.tps

    def add_offset_interface(self, frame, seconds):
        """pcapng: append an interface with if_tsoffset and move frame onto it."""
        e = self.endian
        if self.kind != "pcapng" or struct.unpack_from(e + "I", frame, 0)[0] != 6:
            return False
        o, idbs, first = 0, 0, None
        while o + 12 <= len(self.header):
            btype, blen = struct.unpack_from(e + "II", self.header, o)
            if blen < 12:
                return False
            if btype == 1:
                idbs += 1
                if first is None:
                    first = self.header[o:o + blen]
            o += blen
        if first is None:
            return False
        body = bytearray(first[8:16])  # linktype, reserved, snaplen
        opts = first[16:-4]
        p = 0
        while p + 4 <= len(opts):  # keep the first interface's options but its end and offset
            code, length = struct.unpack_from(e + "HH", opts, p)
            step = 4 + ((length + 3) & ~3)
            if code == 0:
                break
            if code != 14:
                body += opts[p:p + step]
            p += step
        body += struct.pack(e + "HHq", 14, 8, seconds) + b"\0\0\0\0"
        total = len(body) + 12
        self.header += struct.pack(e + "II", 1, total) + bytes(body) + struct.pack(e + "I", total)
        struct.pack_into(e + "I", frame, 8, idbs)
        return True

    def cut_frame(self, frame, length):
        """Shorten a frame's captured data to length bytes, keeping the record valid."""
        start, end = self.data_range(frame)
        length = max(0, min(length, end - start))
        e = self.endian
        if self.kind == "pcap":
            del frame[16 + length:]
            struct.pack_into(e + "I", frame, 8, length)
            return
        btype = struct.unpack_from(e + "I", frame, 0)[0]
        if btype not in (2, 6):
            return
        padded = (length + 3) & ~3
        body = bytes(frame[:start + length]) + b"\0" * (padded - length)
        total = len(body) + 4  # options dropped; trailing length
        body = bytearray(body)
        struct.pack_into(e + "I", body, 4, total)
        struct.pack_into(e + "I", body, 20, length)
        frame[:] = body + struct.pack(e + "I", total)


BOUNDARY = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x03, 0x04, 0x14, 0x15, 0x16, 0x17, 0x56, 0xFE]


def run_editcap(cap, args, workdir):
    """Apply editcap to the capture (secrets kept aside) and reload."""
    src = os.path.join(workdir, "in.pcapng" if cap.kind == "pcapng" else "in.pcap")
    dst = os.path.join(workdir, "out")
    with open(src, "wb") as f:
        f.write(cap.serialize(with_secrets=False))
    result = subprocess.run(["editcap"] + args + [src, dst], capture_output=True)
    if result.returncode != 0 or not os.path.exists(dst):
        return cap, False
    with open(dst, "rb") as f:
        new = Capture(f.read())
    if cap.kind == "pcapng" and new.kind == "pcapng":
        new.secrets = cap.secrets
    return new, True


def random_chain(rng, cap):
    n = max(1, len(cap.frames))
    idx = lambda: rng.randrange(n)
    makers = [
        (4, lambda: "editcap-E:%s:%d" % (rng.choice(["0.001", "0.01", "0.05"]),
                                         rng.choice([0, 0, 54, 66]))),
        (2, lambda: "snaplen:%d" % rng.choice([20, 40, 54, 60, 66, 80, 100, 150, 200, 300, 600])),
        (1, lambda: "timeshift:%d" % rng.choice([-2000000000, -86400, -61, 61, 3600, 4000000000])),
        (3, lambda: "shuffle:%d:%d" % (idx(), rng.randint(2, 8))),
        (2, lambda: "swap:%d:%d" % (idx(), idx())),
        (1, lambda: "reverse:%d:%d" % (idx(), rng.randint(2, 12))),
        (3, lambda: "dup:%d:%d" % (idx(), rng.choice([0, 0, 1, 3, 10, 1000]))),
        (2, lambda: "drop:%d" % idx()),
        (2, lambda: "ts:%d:%s" % (idx(), rng.choice(["zero", "max", "back", "jump", "all-back"]))),
        (4, lambda: "flip:%d:%d" % (idx(), rng.choice([1, 1, 2, 4, 16]))),
        (2, lambda: "cutframe:%d:%d" % (idx(), rng.randint(0, 200))),
        (1, lambda: "tsoffset:%d:%d" % (idx(), rng.choice([-(1 << 63), -(1 << 62), -4000000000,
                                                           -1, 1 << 40, (1 << 63) - 1]))),
    ]
    weights = [w for w, _ in makers]
    chain = [rng.choices(makers, weights)[0][1]() for _ in range(rng.choice([1, 1, 2, 2, 3]))]
    if rng.random() < 0.12:
        chain.append("cutfile:%d" % rng.randint(0, 1 << 30))  # taken modulo the size
    return chain


def apply(cap, op, rng, workdir, applied):
    name, *a = op.split(":")
    frames = cap.frames
    n = len(frames)
    clamp = lambda i: int(i) % n if n else 0

    if name == "editcap-E":
        args = ["-E", a[0], "--seed", str(rng.randrange(1, 1 << 31))]
        if len(a) > 1 and int(a[1]):
            args += ["-o", a[1]]
        cap, ok = run_editcap(cap, args, workdir)
    elif name == "snaplen":
        cap, ok = run_editcap(cap, ["-s", a[0]], workdir)
    elif name == "timeshift":
        cap, ok = run_editcap(cap, ["-t", a[0]], workdir)
    else:
        ok = True
        if n == 0 and name != "cutfile":
            return cap, False
        if name == "shuffle":
            i, w = clamp(a[0]), int(a[1])
            seg = frames[i:i + w]
            rng.shuffle(seg)
            frames[i:i + w] = seg
        elif name == "swap":
            i, j = clamp(a[0]), clamp(a[1])
            frames[i], frames[j] = frames[j], frames[i]
        elif name == "reverse":
            i, w = clamp(a[0]), int(a[1])
            frames[i:i + w] = frames[i:i + w][::-1]
        elif name == "dup":
            i, k = clamp(a[0]), int(a[1])
            frames.insert(min(n, i + 1 + k), bytearray(frames[i]))
        elif name == "drop":
            del frames[clamp(a[0])]
        elif name == "ts":
            i, how = clamp(a[0]), a[1]
            ts = cap.get_ts(frames[i])
            tps = cap.ticks_per_second()
            if ts is None:
                ok = False
            elif how == "zero":
                cap.set_ts(frames[i], 0)
            elif how == "max":
                cap.set_ts(frames[i], 1 << 64)
            elif how == "back":
                cap.set_ts(frames[i], ts - 86400 * tps)
            elif how == "jump":
                cap.set_ts(frames[i], ts + 365 * 86400 * tps)
            elif how == "all-back":
                for f in frames[i:]:
                    t = cap.get_ts(f)
                    if t is not None:
                        cap.set_ts(f, t - 600 * tps)
        elif name == "flip":
            i, count = clamp(a[0]), int(a[1])
            start, end = cap.data_range(frames[i])
            lo = min(start + 54, end)  # past Ethernet/IPv4/TCP headers, usually
            if end - lo <= 0:
                lo = start
            if end - lo <= 0:
                ok = False
            for _ in range(count if ok else 0):
                frames[i][rng.randrange(lo, end)] = rng.choice(BOUNDARY + [rng.randrange(256)])
        elif name == "cutframe":
            cap.cut_frame(frames[clamp(a[0])], int(a[1]))
        elif name == "tsoffset":
            ok = cap.add_offset_interface(frames[clamp(a[0])], int(a[1]))
        elif name == "cutfile":
            pass  # done on the serialized output
        else:
            raise ValueError("unknown mutation " + op)
    if ok:
        applied.append(op)
    return cap, ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--ops", help="comma-separated chain (default: chosen by the seed)")
    parser.add_argument("input")
    parser.add_argument("output")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    with open(args.input, "rb") as f:
        cap = Capture(f.read())
    chain = args.ops.split(",") if args.ops else random_chain(rng, cap)
    applied = []
    with tempfile.TemporaryDirectory(prefix="tlsdiag-mutate.") as workdir:
        for op in chain:
            cap, _ = apply(cap, op, rng, workdir, applied)
    data = cap.serialize()
    for op in chain:
        if op.startswith("cutfile:") and data:
            data = data[:int(op.split(":")[1]) % len(data)]
    with open(args.output, "wb") as f:
        f.write(data)
    print(",".join(applied) if applied else "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
