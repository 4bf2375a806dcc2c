#!/usr/bin/env bash
# Sichert die PostgreSQL-Datenbank des Monitors (Server-Betrieb) mit pg_dump im Custom-Format.
#
#   deploy/backup.sh ZIELDATEI            z. B. deploy/backup.sh /srv/sicherung/monitor-$(date +%F).dump
#
# Die Verbindung kommt aus MONITOR_DATABASE_URL (wie bei der App), sonst aus /etc/modellkommunen-monitor/env
# (anderer Ort: MONITOR_ENV_FILE). Die App darf dabei weiterlaufen: pg_dump liest einen einheitlichen Stand.
# Geschrieben wird erst in ZIELDATEI.teil, geprüft (pg_restore --list) und dann umbenannt; daneben ZIELDATEI.sha256.
# Exit: 0 gesichert, 1 Sicherung gescheitert, 2 falscher Aufruf.
set -euo pipefail

fail() { echo "Sicherung gescheitert: $*" >&2; exit 1; }
# shellcheck source=deploy/connection.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/connection.sh"

if [[ $# -ne 1 || $1 == -* ]]; then
    echo "Aufruf: $0 ZIELDATEI   (z. B. $0 /srv/sicherung/monitor-$(date +%F).dump)" >&2
    exit 2
fi
target=$1
dir=$(dirname -- "$target")

url=$(database_url)
command -v pg_dump >/dev/null || fail "pg_dump fehlt (Debian: apt-get install postgresql-client)."
[[ -d $dir ]] || fail "Der Ordner $dir existiert nicht."
[[ -w $dir ]] || fail "In den Ordner $dir darf dieses Konto nicht schreiben."
[[ ! -e $target ]] || fail "$target existiert schon; eine Sicherung überschreibt nichts."

part="$target.teil"
trap 'rm -f -- "$part"' EXIT
umask 077
pg_dump --format=custom --no-owner --no-privileges --file="$part" --dbname="$url" \
    || fail "pg_dump meldet einen Fehler (siehe oben); nichts geschrieben."
tables=$(pg_restore --list -- "$part" | grep -c ' TABLE DATA ') \
    || fail "die Sicherung $part ist nicht lesbar oder enthält keine Tabellen."
mv -- "$part" "$target"
trap - EXIT
(cd -- "$dir" && sha256sum -- "$(basename -- "$target")") > "$target.sha256"
size=$(du -h -- "$target" | cut -f1)
echo "Gesichert: $target ($size, $tables Tabellen); Prüfsumme in $target.sha256."
