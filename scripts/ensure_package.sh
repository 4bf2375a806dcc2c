#!/bin/sh
# Install a Debian package when a file it brings is missing:
#   sh scripts/ensure_package.sh PACKAGE 'FILE-PATTERN'
# make test uses it for Chromium (the browser tests drive Debian's; Playwright cannot download its own browsers here)
# and PostgreSQL (tests/pgserver.py starts it itself: initdb in a temporary folder, a free port on 127.0.0.1).
set -e
package=$1
pattern=$2
present() { for file in $pattern; do [ -e "$file" ] && return 0; done; return 1; }
present && exit 0
if [ "$(id -u)" = 0 ]; then
    sudo=
elif command -v sudo >/dev/null 2>&1; then
    sudo=sudo
else
    echo "$package fehlt: bitte 'apt-get install -y $package' als root ausführen." >&2
    exit 1
fi
install() { $sudo apt-get install -y --no-install-recommends "$package" >/dev/null "$@"; }
install 2>/dev/null || { $sudo apt-get update >/dev/null && install; } \
    || { echo "$package konnte nicht installiert werden (apt-get, siehe oben)." >&2; exit 1; }
present || { echo "$package ist installiert, aber $pattern fehlt." >&2; exit 1; }
