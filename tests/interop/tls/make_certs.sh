#!/usr/bin/env bash
# Makes the certificates and server configs of the TLS interop tests in OUTDIR (never committed:
# CTest runs this as the fixture `interop_tls_certs` before any TLS test).
#
#   make_certs.sh OUTDIR
#
# Certificates (EC P-256, valid for 2 days, PEM; keys unencrypted):
#   ca.pem                   the test CA every server trusts
#   server.pem/-key.pem      CN=localhost, SAN DNS:localhost, IP:127.0.0.1 (serverAuth)
#   alice.pem/-key.pem       CN=alice, SAN email:alice@example.com (clientAuth): mapped by e-mail
#   bob.pem/-key.pem         C=US,O=Acme,OU=ops,CN=bob, no SAN (clientAuth): mapped by its DN
#   mallory.pem/-key.pem     CN=mallory, signed by other-ca.pem, a CA no server trusts
#   other-ca.pem             that foreign CA (a client trusting only it cannot verify the server)
# Server configs (absolute paths, so they work from any directory):
#   tls.conf                 TLS required, no client certificate
#   tls_verify.conf          TLS required, client certificate from ca.pem required (verify)
#   tls_map.conf             verify_and_map: alice by e-mail may publish alice.> and _INBOX.>
#                            (answer requests) and subscribe to anything; bob by DN may publish
#                            bob.> and subscribe to bob.> and _INBOX.>; no other identity is a user
#   handshake_first.conf     TLS before INFO (handshake_first: true; nats-server >= 2.10.3)
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
cd "$out"
rm -f ./*.pem ./*.csr ./*.ext ./*.srl ./*.conf

readonly kDays=2
# The TLS handshake must finish within this many seconds (nats-server's tls timeout). Generous:
# two cores are shared by parallel tests, and a slow handshake is not what these tests check.
readonly kTlsTimeout=5

new_key_req() {  # name subject
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$1-key.pem" -out "$1.csr" -subj "$2" 2>/dev/null
}

self_signed_ca() {  # name subject
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$kDays" \
    -keyout "$1-key.pem" -out "$1.pem" -subj "$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
}

leaf() {  # name subject extensions signing-ca
  new_key_req "$1" "$2"
  printf '%b' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4-key.pem" -CAcreateserial \
    -days "$kDays" -extfile "$1.ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

self_signed_ca ca "/O=nats-cpp interop/CN=Interop Test CA"
self_signed_ca other-ca "/O=elsewhere/CN=Foreign CA"
leaf server "/O=nats-cpp interop/CN=localhost" \
  "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n" ca
leaf alice "/O=Acme/OU=eng/CN=alice" \
  "subjectAltName=email:alice@example.com\nextendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n" ca
leaf bob "/C=US/O=Acme/OU=ops/CN=bob" \
  "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n" ca
leaf mallory "/O=elsewhere/CN=mallory" \
  "subjectAltName=email:alice@example.com\nextendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n" \
  other-ca
rm -f ./*.srl

tls_block() {  # extra lines
  cat <<CONF
tls {
  cert_file: "$out/server.pem"
  key_file: "$out/server-key.pem"
  ca_file: "$out/ca.pem"
  timeout: $kTlsTimeout
$1}
CONF
}

tls_block "" > tls.conf
tls_block "  verify: true
" > tls_verify.conf
{
  tls_block "  verify_and_map: true
"
  cat <<'CONF'
authorization {
  users = [
    # The e-mail SAN of the certificate names the user.
    {user: "alice@example.com", permissions: {publish: ["alice.>", "_INBOX.>"], subscribe: ">"}}
    # Without a SAN the RFC 2253 form of the subject names the user.
    {user: "CN=bob,OU=ops,O=Acme,C=US", permissions: {
      publish: "bob.>", subscribe: ["bob.>", "_INBOX.>"]}}
  ]
}
CONF
} > tls_map.conf
tls_block "  handshake_first: true
" > handshake_first.conf

# Fails here, not in a test, when openssl made something unusable.
openssl verify -CAfile ca.pem server.pem alice.pem bob.pem >/dev/null
openssl verify -CAfile other-ca.pem mallory.pem >/dev/null
