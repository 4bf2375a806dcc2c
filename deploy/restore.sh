#!/usr/bin/env bash
# Stellt die PostgreSQL-Datenbank des Monitors aus einer Sicherung von deploy/backup.sh wieder her.
#
#   deploy/restore.sh SICHERUNGSDATEI
#
# Vorher alle App-Prozesse anhalten (systemctl stop 'monitor@*'), danach wieder starten: jeder Prozess holt sich
# beim Start einen neuen Schnappschuss. pg_restore --clean --if-exists ersetzt jede Tabelle der Sicherung, in einer
# Transaktion: scheitert etwas, bleibt der alte Stand. Die Verbindung: MONITOR_DATABASE_URL, sonst
# /etc/modellkommunen-monitor/env (anderer Ort: MONITOR_ENV_FILE).
# Exit: 0 wiederhergestellt, 1 Wiederherstellung gescheitert oder abgelehnt, 2 falscher Aufruf.
set -euo pipefail

fail() { echo "Wiederherstellung gescheitert: $*" >&2; exit 1; }
# shellcheck source=deploy/connection.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/connection.sh"

if [[ $# -ne 1 || $1 == -* ]]; then
    echo "Aufruf: $0 SICHERUNGSDATEI   (eine Datei von deploy/backup.sh)" >&2
    exit 2
fi
source_file=$1

url=$(database_url)
command -v pg_restore >/dev/null || fail "pg_restore fehlt (Debian: apt-get install postgresql-client)."
[[ -f $source_file && -r $source_file ]] || fail "$source_file gibt es nicht oder ist nicht lesbar."

if [[ -f $source_file.sha256 ]]; then
    (cd -- "$(dirname -- "$source_file")" && sha256sum --check --quiet -- "$(basename -- "$source_file").sha256") \
        || fail "$source_file passt nicht zu seiner Prüfsumme $source_file.sha256 (verändert oder unvollständig); nichts geändert."
else
    echo "Hinweis: keine Prüfsumme $source_file.sha256 gefunden; die Datei wird nur auf Lesbarkeit geprüft." >&2
fi
tables=$(pg_restore --list -- "$source_file" | grep -c ' TABLE DATA ') \
    || fail "$source_file ist keine lesbare Sicherung von pg_dump -Fc; nichts geändert."

command -v psql >/dev/null || fail "psql fehlt (Debian: apt-get install postgresql-client)."

pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
    --dbname="$url" -- "$source_file" \
    || fail "pg_restore meldet einen Fehler (siehe oben); die Transaktion ist zurückgerollt, der alte Stand gilt."
# A new lineage: the data versions after the restore repeat numbers of the writes it undid, so no process may take a
# snapshot of those for the new ones (monitor/pg.py, state()).
psql --quiet --no-psqlrc --set=ON_ERROR_STOP=1 --dbname="$url" \
    --command="alter table monitor_state add column if not exists lineage varchar not null default ''" \
    --command="update monitor_state set lineage = gen_random_uuid()::text where id = 1" >/dev/null \
    || fail "wiederhergestellt, aber der Datenstand ist nicht neu gekennzeichnet. Bitte vor dem Start der App-Prozesse
  psql \"\$MONITOR_DATABASE_URL\" -c \"update monitor_state set lineage = gen_random_uuid()::text\" ausführen."
echo "Wiederhergestellt: $tables Tabellen aus $source_file. Jetzt die App-Prozesse starten (systemctl start monitor@8501 monitor@8502)."
