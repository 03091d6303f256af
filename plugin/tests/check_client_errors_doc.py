#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check that docs/client-errors.md and the engine's client error table say
the same thing: every flag with a mapping has rows in the doc's main table,
with the same stacks, and no row names a flag or stack the table does not
produce; every string the table produces is written in the doc (strings
with an OpenSSL error code through the per-alert table); and the OpenSSL
reason strings are those of the installed openssl, when there is one.

Usage: check_client_errors_doc.py TEST_CLIENT_ERRORS DOC
(TEST_CLIENT_ERRORS --dump prints "flag<TAB>STACK: text" lines.)
Exit status: 0 pass, 1 mismatch, 2 trouble.
"""

import re
import shutil
import subprocess
import sys

OPENSSL_ERROR = re.compile(r"error:([0-9A-F]{8}):SSL routines::(.+?)(?:, errno 0)?$")


def table_strings(dump_program):
    result = subprocess.run([dump_program, "--dump"], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAIL: {dump_program} --dump exited {result.returncode}: {result.stderr}")
    produced = {}
    for line in result.stdout.splitlines():
        flag, text = line.split("\t", 1)
        stack, detail = text.split(": ", 1)
        produced.setdefault(flag, {}).setdefault(stack, set()).add(detail)
    return produced


def doc_rows(doc_text):
    """(flags, stack) of each row of the main table, which has 5 columns."""
    rows = []
    for line in doc_text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("`"):
            continue
        flags = re.findall(r"`([a-z0-9_]+)`", cells[0])
        rows.append((set(flags), cells[2]))
    return rows


def openssl_reason(code):
    result = subprocess.run(["openssl", "errstr", code], capture_output=True, text=True)
    return result.stdout.strip().split("::", 1)[-1]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    produced = table_strings(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        doc = f.read()
    failures = []

    documented = {}
    for flags, stack in doc_rows(doc):
        for flag in flags:
            documented.setdefault(flag, set()).add(stack)
    for flag in sorted(set(produced) | set(documented)):
        want = set(produced.get(flag, {}))
        have = documented.get(flag, set())
        if want != have:
            failures.append(f"{flag}: the table maps stacks {sorted(want)}, "
                            f"the doc's rows name {sorted(have)}")

    codes = set()
    for flag, stacks in produced.items():
        for stack, details in stacks.items():
            for detail in details:
                match = OPENSSL_ERROR.search(detail)
                if match:
                    codes.add((match[1], match[2]))
                    if f"`{match[1]}`" not in doc or f"`{match[2]}`" not in doc:
                        failures.append(f"{flag}: {stack}: {detail}: code or reason not in the doc")
                elif detail not in doc and f"{stack}: {detail}" not in doc:
                    failures.append(f"{flag}: {stack}: {detail!r} is not in the doc")

    if shutil.which("openssl"):
        for code, reason in sorted(codes):
            real = openssl_reason(code)
            if real != reason:
                failures.append(f"OpenSSL {code}: the table says {reason!r}, openssl errstr {real!r}")
    else:
        print("note: no openssl, reason strings not compared")

    if failures:
        print("FAIL: docs/client-errors.md and the client error table differ")
        for failure in failures:
            print("  " + failure)
        return 1
    print(f"PASS: {len(produced)} flags, {len(codes)} OpenSSL codes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
