#!/bin/bash
# Makes the x509 files for tsvirtd's --listen-tls and for clients (virsh qemu+tls://...?pkipath=DIR),
# under libvirt's names, in one step:
#   DIR/cacert.pem                      the CA (copy it to every host and client)
#   DIR/servercert.pem, DIR/serverkey.pem   (and DIR/private/serverkey.pem) the server's, valid for SERVER_IP... / names
#   DIR/clientcert.pem, DIR/clientkey.pem   (and DIR/private/clientkey.pem) a client's
# Usage: scripts/make-tls-certs.sh DIR [SERVER_IP_OR_NAME...]   (default: 127.0.0.1 and this host's name)
# Env: CA_NAME, CLIENT_CN (default "tsvirt client"), DAYS (default 3650).
# For libvirtd's default layout copy cacert.pem to /etc/pki/CA/, the certs to /etc/pki/libvirt/,
# the keys to /etc/pki/libvirt/private/.
set -euo pipefail
if [ $# -lt 1 ] || [ "$1" = -h ] || [ "$1" = --help ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
dir=$1
shift
[ $# -gt 0 ] || set -- 127.0.0.1 "$(hostname)"
days=${DAYS:-3650}
ca_name=${CA_NAME:-tsvirt CA}
client_cn=${CLIENT_CN:-tsvirt client}
mkdir -p "$dir/private"
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

san=""
for a in "$@"; do
  if [[ $a =~ ^[0-9.]+$ || $a == *:* ]]; then san+="${san:+,}IP:$a"; else san+="${san:+,}DNS:$a"; fi
done

# the CA: libvirt checks basicConstraints CA:TRUE and keyCertSign
openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -subj "/O=tsvirt/CN=$ca_name" \
  -keyout "$dir/private/cakey.pem" -out "$dir/cacert.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# one certificate signed by the CA: $1 role, $2 CN, $3 extendedKeyUsage, $4 subjectAltName (may be empty)
issue() {
  local role=$1 cn=$2 eku=$3 alt=$4
  openssl req -newkey rsa:2048 -nodes -subj "/O=tsvirt/CN=$cn" -keyout "$dir/${role}key.pem" -out "$tmp/$role.csr" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [ -z "$alt" ] || echo "subjectAltName=$alt"
  } > "$tmp/$role.ext"
  openssl x509 -req -in "$tmp/$role.csr" -CA "$dir/cacert.pem" -CAkey "$dir/private/cakey.pem" -CAcreateserial \
    -days "$days" -extfile "$tmp/$role.ext" -out "$dir/${role}cert.pem" 2>/dev/null
  cp "$dir/${role}key.pem" "$dir/private/${role}key.pem"
}
issue server "$1" serverAuth "$san"
issue client "$client_cn" clientAuth ""
rm -f "$dir/cacert.srl"
chmod 644 "$dir/cacert.pem" "$dir/servercert.pem" "$dir/clientcert.pem"
echo "made $dir: cacert.pem servercert.pem serverkey.pem clientcert.pem clientkey.pem (server valid for: $*)"
