#!/bin/sh
# The server-mode tests start Debian's PostgreSQL themselves (tests/pgserver.py: initdb in a temporary folder as the
# unprivileged postgres user, a free port on 127.0.0.1). This installs the package when it is missing.
set -e
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ]; then
    apt-get install -y --no-install-recommends postgresql >/dev/null 2>&1 \
        || { apt-get update >/dev/null && apt-get install -y --no-install-recommends postgresql >/dev/null; }
elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get install -y --no-install-recommends postgresql >/dev/null 2>&1 \
        || { sudo apt-get update >/dev/null && sudo apt-get install -y --no-install-recommends postgresql >/dev/null; }
else
    echo "PostgreSQL fehlt: bitte 'apt-get install -y postgresql' als root ausführen." >&2
    exit 1
fi
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "PostgreSQL konnte nicht installiert werden." >&2; exit 1; }
