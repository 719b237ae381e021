#!/usr/bin/env bash
# Installs the Debian packages the browser and voice tests need (chromium, espeak-ng).
# Without root or sudo it says what to install; those tests then skip with the same reason
# (never under CI=true, where a missing tool fails the test).
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "note: ${need[*]} not installed and no root: the browser/voice tests will skip." >&2
  echo "      install them with: sudo apt-get install ${need[*]}" >&2
  exit 0
fi
echo "installing system packages: ${need[*]}"
$sudo apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
