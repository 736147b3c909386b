#!/usr/bin/env bash
# Makes sure the headless browser the browser test drives is installed: Debian's `chromium` at /usr/bin/chromium.
# Idempotent: does nothing when it is already there; runs `apt-get update` only when apt does not know the package yet.
# Playwright's own browser download is not used (it fetches a prebuilt binary from outside the package registries).
set -euo pipefail

CHROMIUM=/usr/bin/chromium

log() { echo "[ensure-chromium] $*" >&2; }

if [[ -x "$CHROMIUM" ]]; then
  log "found $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

command -v apt-get >/dev/null || { log "$CHROMIUM is missing and apt-get is not available; install Chromium by hand"; exit 1; }

SUDO=""
if [[ "$(id -u)" != "0" ]]; then
  command -v sudo >/dev/null || { log "$CHROMIUM is missing and installing it needs root (no sudo found)"; exit 1; }
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
# A fresh image has empty package lists: a candidate version tells whether an update is needed.
if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
  log "apt-get update (package lists do not know chromium yet)"
  $SUDO apt-get update -q
fi

log "apt-get install -y chromium"
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-liberation fonts-noto-color-emoji

[[ -x "$CHROMIUM" ]] || { log "install finished but $CHROMIUM is still missing"; exit 1; }
log "installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
