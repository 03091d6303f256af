#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Makes the DER fixtures of the certificate unit tests (test_certificate.c)
# with a real PKI (testdata/pki/pki.sh: openssl ca, root -> intermediate ->
# leaves) and fixed validity dates, so the tests judge them at fixed capture
# times. facts.txt records what the PKI issued, read with openssl, for the
# tests to compare against. Run it again only to change the fixtures:
#   plugin/tests/certs/make.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../../../testdata/pki/pki.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

pki_init "$work"
# valid 2026-01-01 .. 2027-01-01 unless stated
issue() { pki_issue "$work" "$@"; }
issue ok ec:P-256 20260101000000Z 20270101000000Z "/O=tlsdiag lab/CN=www.example" \
    "DNS:www.example,DNS:*.api.example"
issue expired rsa:2048 20250101000000Z 20261127000000Z "/CN=www.example" "DNS:www.example"
issue future rsa:2048 20270101000000Z 20280101000000Z "/CN=www.example" "DNS:www.example"
issue wrongname rsa:2048 20260101000000Z 20270101000000Z "/CN=shop.example" "DNS:shop.example"
issue cnonly rsa:2048 20260101000000Z 20270101000000Z "/CN=www.example"
issue rsa1024 rsa:1024 20260101000000Z 20270101000000Z "/CN=www.example" "DNS:www.example"
issue sha1 rsa:2048 20260101000000Z 20270101000000Z "/CN=www.example" "DNS:www.example" sha1
issue generalized ec:P-384 20260101000000Z 20510101000000Z "/CN=www.example" "DNS:www.example"
pki_self_signed "$work" selfsigned rsa:2048 3650 "/CN=www.example" "DNS:www.example"

for name in root intermediate ok expired future wrongname cnonly rsa1024 sha1 generalized selfsigned; do
    cp "$work/$name.der" "$here/$name.der"
done
{
    echo "# what the PKI issued (openssl), for test_certificate.c"
    echo "pin ok $(pki_pin "$work" ok)"
    echo "pin rsa1024 $(pki_pin "$work" rsa1024)"
    echo "pin selfsigned $(pki_pin "$work" selfsigned)"
} >"$here/facts.txt"
