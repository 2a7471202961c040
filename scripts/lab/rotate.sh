# Sourced by scripts/lab.sh: CA rotation on rotate.regsetup.test (an nginx front like group) —
# `rotate-ca stage|switch|finish|reset`.
#
#   phase      CA URL (https://rotate…/download/ca.crt)   server certificate signed by
#   ca1        CA1                                         CA1      (after `up` and `reset`)
#   staged     CA1 + CA2 (one PEM bundle)                  CA1
#   switched   CA1 + CA2                                   CA2
#   finished   CA2                                         CA2
readonly ROTATE_WWW=$LAB/www-rotate/download
readonly ROTATE_PHASE_FILE=$LAB/state/rotate-phase

rotate_phase() { cat "$ROTATE_PHASE_FILE" 2>/dev/null || echo ca1; }

# Serve $1 at the CA URL and $2 (ca1|ca2) as the server certificate; nginx picks it up on reload.
rotate_set() {
  local bundle=$1 signer=$2 d=$LAB/pki suffix=''
  [[ $signer == ca2 ]] && suffix=-ca2
  mkdir -p "$ROTATE_WWW"
  cat $bundle >"$ROTATE_WWW/ca.crt.new"
  mv "$ROTATE_WWW/ca.crt.new" "$ROTATE_WWW/ca.crt"
  cp "$d/rotate$suffix.crt" "$d/rotate-current.crt.new"
  cp "$d/rotate$suffix.key" "$d/rotate-current.key.new"
  mv "$d/rotate-current.key.new" "$d/rotate-current.key"
  mv "$d/rotate-current.crt.new" "$d/rotate-current.crt"
}

# At `up`: the files of the current phase exist (phase ca1 the first time).
ensure_rotate() {
  [[ -s $LAB/pki/rotate-current.crt && -s $ROTATE_WWW/ca.crt ]] && return 0
  rotate_set "$LAB/pki/ca.crt" ca1
  echo ca1 >"$ROTATE_PHASE_FILE"
}

rotate_make_ca2() {
  local d=$LAB/pki
  [[ -s $d/ca2.crt && -s $d/rotate-ca2.crt ]] && return 0
  sed 's/^CN = regsetup lab CA$/CN = regsetup lab CA 2/' "$d/ca.cnf" >"$d/ca2.cnf"
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 3650 \
    -config "$d/ca2.cnf" -extensions v3_ca -keyout "$d/ca2.key" -out "$d/ca2.crt" 2>/dev/null
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/CN=$(fqdn rotate)" \
    -keyout "$d/rotate-ca2.key" -out "$d/rotate-ca2.csr" 2>/dev/null
  openssl x509 -req -in "$d/rotate-ca2.csr" -CA "$d/ca2.crt" -CAkey "$d/ca2.key" -CAcreateserial -sha256 -days 825 \
    -extfile "$d/rotate.ext" -out "$d/rotate-ca2.crt" 2>/dev/null
  rm -f "$d/rotate-ca2.csr"
}

ca2_fingerprint() { openssl x509 -in "$LAB/pki/ca2.crt" -outform DER | sha256sum | awk '{print "sha256:" $1}'; }

# HUP the lab's nginx, then wait until rotate serves a certificate that $1 validates.
rotate_reload() {
  local ca=$1 deadline=$((SECONDS + 10)) code
  kill -HUP "$(cat "$LAB/run/nginx.pid")"
  while ((SECONDS < deadline)); do
    code=$(curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --cacert "$ca" --max-time 2 "https://$(fqdn rotate)/v2/" 2>/dev/null || true)
    [[ $code == 401 ]] && return 0
    sleep 0.1
  done
  tail_log "$LAB/logs/nginx-error.log"
  die "nginx did not switch rotate's certificate (a client trusting only $ca got ${code:-no answer})"
}

cmd_rotate_ca() {
  need_root
  [[ -s $LAB/lab.json ]] || die "lab is not up; run: bash scripts/lab.sh up"
  local step=${1:-} phase want from
  phase=$(rotate_phase)
  case $step in
    stage) from=ca1 want=staged ;;
    switch) from=staged want=switched ;;
    finish) from=switched want=finished ;;
    reset) from=any want=ca1 ;;
    *) die "usage: bash scripts/lab.sh rotate-ca stage|switch|finish|reset" ;;
  esac
  if [[ $phase == "$want" ]]; then
    log "rotate-ca: already $want"
    return 0
  fi
  [[ $from == any || $phase == "$from" ]] || die "rotate-ca $step needs phase $from (now: $phase); run rotate-ca reset to start over"
  case $want in
    staged)
      rotate_make_ca2
      rotate_set "$LAB/pki/ca.crt $LAB/pki/ca2.crt" ca1
      ;;
    switched)
      rotate_set "$LAB/pki/ca.crt $LAB/pki/ca2.crt" ca2
      rotate_reload "$LAB/pki/ca2.crt"
      ;;
    finished) rotate_set "$LAB/pki/ca2.crt" ca2 ;;
    ca1)
      rotate_set "$LAB/pki/ca.crt" ca1
      rotate_reload "$LAB/pki/ca.crt"
      # A later stage makes a new CA2, as a real rotation would.
      rm -f "$LAB/pki"/ca2.* "$LAB/pki"/rotate-ca2.*
      ;;
  esac
  echo "$want" >"$ROTATE_PHASE_FILE"
  write_lab_json
  log "rotate-ca: $phase → $want (CA URL https://$(fqdn rotate)/download/ca.crt)"
}
