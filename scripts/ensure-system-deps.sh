#!/usr/bin/env bash
# Installs with apt what Tessera needs from the system and the machine lacks: redis-server,
# chromium, promtool (the chart's alert rule tests), openssl (the Redis TLS tests' CA) and ffmpeg
# (the snapshotter's timelapses and their tests), or only
# the packages named as arguments. Run by `npm test` (pretest), by .ci/run and, for redis-server
# alone, by `npm start`; does nothing when everything is present.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
wanted=("${@:-redis-server}")
[ "$#" -eq 0 ] && wanted+=(chromium promtool openssl ffmpeg)
missing=()
for package in "${wanted[@]}"; do
  case "$package" in
    redis-server) command -v redis-server >/dev/null 2>&1 || missing+=(redis-server) ;;
    chromium) test -x "$CHROMIUM" || missing+=(chromium) ;;
    # Debian ships promtool in the prometheus package (its daemon is kept from starting below).
    promtool) command -v promtool >/dev/null 2>&1 || missing+=(prometheus) ;;
    openssl) command -v openssl >/dev/null 2>&1 || missing+=(openssl) ;;
    # ffmpeg and ffprobe (the tests decode timelapses with both).
    ffmpeg) command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg) ;;
    *) echo "ensure-system-deps: unknown package $package" >&2; exit 2 ;;
  esac
done
[ "${#missing[@]}" -eq 0 ] && exit 0

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  else
    echo "missing ${missing[*]}: install with \`sudo apt-get install ${missing[*]}\` and run again" >&2
    exit 1
  fi
}

echo "==> installing ${missing[*]} with apt"
# Without systemd, the packages' postinst would start a redis-server daemon on 6379 (and a
# prometheus on 9090) and leave them running; policy-rc.d answering 101 forbids starting services, as Docker images do.
policy_created=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
  policy_created=1
fi
as_root apt-get update
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
if [ "$policy_created" -eq 1 ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
