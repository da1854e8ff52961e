# tls.sh: the certificate of a prod site (yours, or a self-signed one for a first run)
# (server/bin/flyton sources this file; cmd_tls runs the command)
tls_check() {
  # the certificate and key can be read, are PEM, belong together, and the certificate is valid now
  [[ "$1" =~ ^/[A-Za-z0-9._/@+-]+$ ]] && [[ "$2" =~ ^/[A-Za-z0-9._/@+-]+$ ]] ||
    die "certificate and key: full paths of letters, digits and ._/@+- please"
  [ -r "$1" ] || die "cannot read the certificate $1"
  [ -r "$2" ] || die "cannot read the key $2"
  openssl x509 -noout -in "$1" 2>/dev/null || die "$1 is not a PEM certificate"
  openssl pkey -noout -in "$2" 2>/dev/null || die "$2 is not a PEM private key (or it has a passphrase)"
  [ "$(openssl x509 -noout -pubkey -in "$1" | sha256sum)" = "$(openssl pkey -pubout -in "$2" | sha256sum)" ] ||
    die "the key $2 does not match the certificate $1"
  openssl x509 -noout -checkend 0 -in "$1" >/dev/null || die "the certificate $1 has expired"
}

tls_dir=${FLYTON_ETC:-/etc/flyton}    # tests: their own

cmd_tls() {
  # tls [--cert FILE --key FILE | --self-signed | --off]: what the prod site serves https with,
  # recorded in $tls_dir/tls ("cert PATH" and "key PATH" lines, or "off")
  local how=${1:-} cert="" key="" t
  case "$how" in
    --help)
      say "usage: sudo server/bin/flyton tls [--cert FILE --key FILE | --self-signed | --off]"
      say "  no option: the certificate recorded before, or a new self-signed one (a first run)"
      say "  --cert/--key: yours (PEM; a chain file is fine, e.g. certbot's fullchain.pem and privkey.pem)"
      say "  --off: no https on this machine (a proxy in front, e.g. CloudFront, serves https instead)"
      say "  install.sh --prod passes its --cert/--key/--no-tls here; the site needs install.sh to change"
      return 0 ;;
    --cert) cert=${2:-}; [ "${3:-}" = --key ] && key=${4:-}
      [ -n "$cert" ] && [ -n "$key" ] || die "--cert FILE --key FILE, both" ;;
    --self-signed|--off|"") ;;
    *) die "unknown option $how (see flyton tls --help)" ;;
  esac
  command -v openssl >/dev/null || die "openssl is missing (apt-get install openssl)"
  mkdir -p "$tls_dir"
  if [ "$how" = --off ]; then echo off > "$tls_dir/tls"; say "ok: no https here (a proxy in front serves it)"; return 0; fi
  if [ -z "$how" ] && [ -s "$tls_dir/tls" ]; then
    if grep -qx off "$tls_dir/tls"; then say "ok: no https here (flyton tls --off)"; return 0; fi
    cert=$(sed -n 's/^cert //p' "$tls_dir/tls"); key=$(sed -n 's/^key //p' "$tls_dir/tls")
  fi
  if [ -z "$cert" ]; then
    cert=$tls_dir/self-signed.crt; key=$tls_dir/self-signed.key
    t=$(hostname -f 2>/dev/null || hostname)
    [[ "$t" =~ ^[A-Za-z0-9.-]+$ ]] || t=localhost
    ( umask 077; openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$t" \
        -addext "subjectAltName=DNS:$t,DNS:localhost,IP:127.0.0.1" -keyout "$key" -out "$cert" 2>/dev/null ) ||
      die "openssl could not make a self-signed certificate"
    chmod 644 "$cert"
    say "made a self-signed certificate for $t: $cert (browsers will warn; see docs/deploy.md, HTTPS)"
  fi
  tls_check "$cert" "$key"
  printf 'cert %s\nkey %s\n' "$cert" "$key" > "$tls_dir/tls"
  say "ok: https with $cert (until $(openssl x509 -noout -enddate -in "$cert" | cut -d= -f2))"
}
