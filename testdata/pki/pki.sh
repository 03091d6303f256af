# SPDX-License-Identifier: GPL-2.0-or-later
#
# A small real PKI made with `openssl ca`, sourced by the fixture script of the
# certificate unit tests (plugin/tests/certs/make.sh) and by the lab's
# certificate scenarios (testdata/lab/scenarios-certs.sh). Validity dates are
# given explicitly, so certificates can be issued already expired or not yet
# valid.
#
#   pki_init DIR                      root CA "tlsdiag Test Root" and intermediate
#                                     CA "tlsdiag Test Intermediate" (RSA 2048)
#   pki_issue DIR NAME KEY START END SUBJECT [SAN] [MD] [CA]
#       KEY: rsa:BITS or ec:CURVE; START/END: YYYYMMDDHHMMSSZ;
#       SAN: "DNS:a,DNS:b" or empty (no SAN extension); MD: digest (sha256);
#       CA: intermediate (default) or root.
#       Writes DIR/NAME.key, NAME.pem, NAME.der.
#   pki_self_signed DIR NAME KEY DAYS SUBJECT [SAN]
#   pki_pin DIR NAME                  base64 SHA-256 of the certificate's
#                                     SubjectPublicKeyInfo (the curl/OkHttp pin)
#   pki_utc [DATE_ARGS]               GNU date args -> YYYYMMDDHHMMSSZ

pki_utc() {
    date -u -d "$1" +%Y%m%d%H%M%SZ
}

pki_genkey() {
    local spec="$1" out="$2"
    case "$spec" in
        rsa:*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${spec#rsa:}" -out "$out" 2>/dev/null ;;
        ec:*) openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:${spec#ec:}" -out "$out" 2>/dev/null ;;
        *) echo "pki_genkey: unknown key spec $spec" >&2; return 1 ;;
    esac
}

pki_ca_config() {
    local dir="$1" ca="$2"
    cat >"$dir/$ca.cnf" <<CNF
[ ca ]
default_ca = the_ca
[ the_ca ]
dir = $dir/$ca.db
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = $dir/$ca.pem
private_key = $dir/$ca.key
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
organizationName = optional
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ intermediate ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
    mkdir -p "$dir/$ca.db/new"
    : >"$dir/$ca.db/index.txt"
    openssl rand -hex 8 >"$dir/$ca.db/serial"
}

pki_init() {
    local dir="$1"
    mkdir -p "$dir"
    pki_genkey rsa:2048 "$dir/root.key"
    openssl req -x509 -new -key "$dir/root.key" -sha256 -days 7300 -subj "/O=tlsdiag lab/CN=tlsdiag Test Root" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$dir/root.pem" 2>/dev/null
    openssl x509 -in "$dir/root.pem" -outform DER -out "$dir/root.der"
    pki_ca_config "$dir" root
    pki_issue "$dir" intermediate rsa:2048 "$(pki_utc '-1 year')" "$(pki_utc '+10 years')" \
        "/O=tlsdiag lab/CN=tlsdiag Test Intermediate" "" sha256 root intermediate
    pki_ca_config "$dir" intermediate
}

pki_issue() {
    local dir="$1" name="$2" key="$3" start="$4" end="$5" subject="$6" san="${7:-}" md="${8:-sha256}"
    local ca="${9:-intermediate}" profile="${10:-leaf}"
    local ext="$dir/$name.ext"
    pki_genkey "$key" "$dir/$name.key"
    openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr" 2>/dev/null
    sed -n "/^\[ $profile \]/,/^\[/p" "$dir/$ca.cnf" | sed '1d;/^\[/d' >"$ext"
    [ -n "$san" ] && echo "subjectAltName = $san" >>"$ext"
    openssl ca -batch -config "$dir/$ca.cnf" -in "$dir/$name.csr" -out "$dir/$name.pem" -notext \
        -md "$md" -startdate "$start" -enddate "$end" -extfile "$ext" >/dev/null 2>&1 ||
        { echo "pki_issue: openssl ca failed for $name" >&2; return 1; }
    openssl x509 -in "$dir/$name.pem" -outform DER -out "$dir/$name.der"
}

pki_self_signed() {
    local dir="$1" name="$2" key="$3" days="$4" subject="$5" san="${6:-}"
    pki_genkey "$key" "$dir/$name.key"
    openssl req -x509 -new -key "$dir/$name.key" -sha256 -days "$days" -subj "$subject" \
        ${san:+-addext "subjectAltName=$san"} -out "$dir/$name.pem" 2>/dev/null
    openssl x509 -in "$dir/$name.pem" -outform DER -out "$dir/$name.der"
}

pki_pin() {
    openssl x509 -in "$1/$2.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
        openssl dgst -sha256 -binary | base64
}
