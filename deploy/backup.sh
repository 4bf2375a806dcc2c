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

ENV_FILE=${MONITOR_ENV_FILE:-/etc/modellkommunen-monitor/env}

fail() { echo "Sicherung gescheitert: $*" >&2; exit 1; }

if [[ $# -ne 1 || $1 == -* ]]; then
    echo "Aufruf: $0 ZIELDATEI   (z. B. $0 /srv/sicherung/monitor-$(date +%F).dump)" >&2
    exit 2
fi
target=$1
dir=$(dirname -- "$target")

database_url() {
    if [[ -n ${MONITOR_DATABASE_URL:-} ]]; then
        printf '%s\n' "$MONITOR_DATABASE_URL"
    elif [[ -r $ENV_FILE ]]; then
        sed -n -e 's/^[[:space:]]*MONITOR_DATABASE_URL=//p' -- "$ENV_FILE" | tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
    fi
}
url=$(database_url)
[[ -n $url ]] || fail "MONITOR_DATABASE_URL ist nicht gesetzt und steht nicht in $ENV_FILE."
[[ $url == postgres://* || $url == postgresql://* ]] || fail "MONITOR_DATABASE_URL ist keine postgresql://-Adresse."
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
