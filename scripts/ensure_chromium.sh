#!/bin/sh
# The browser tests drive Debian's Chromium (Playwright cannot download its own browsers here).
set -e
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ]; then
    apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
        || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 \
        || { sudo apt-get update >/dev/null && sudo apt-get install -y --no-install-recommends chromium >/dev/null; }
else
    echo "Chromium fehlt: bitte 'apt-get install -y chromium' als root ausführen." >&2
    exit 1
fi
[ -x /usr/bin/chromium ] || { echo "Chromium konnte nicht installiert werden." >&2; exit 1; }
