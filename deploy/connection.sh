# Von backup.sh und restore.sh eingelesen (source): die Verbindung zur Datenbank, wie die App sie liest, aus
# MONITOR_DATABASE_URL, sonst aus /etc/modellkommunen-monitor/env (anderer Ort: MONITOR_ENV_FILE).
# Braucht fail() des einlesenden Skripts.

ENV_FILE=${MONITOR_ENV_FILE:-/etc/modellkommunen-monitor/env}

# Die Adresse (postgresql://…) auf stdout; scheitert mit einer Meldung, wenn sie fehlt oder keine ist.
database_url() {
    local url=
    if [[ -n ${MONITOR_DATABASE_URL:-} ]]; then
        url=$MONITOR_DATABASE_URL
    elif [[ -r $ENV_FILE ]]; then
        url=$(sed -n -e 's/^[[:space:]]*MONITOR_DATABASE_URL=//p' -- "$ENV_FILE" | tail -n 1 \
              | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/")
    fi
    [[ -n $url ]] || fail "MONITOR_DATABASE_URL ist nicht gesetzt und steht nicht in $ENV_FILE."
    [[ $url == postgres://* || $url == postgresql://* ]] || fail "MONITOR_DATABASE_URL ist keine postgresql://-Adresse."
    printf '%s\n' "$url"
}
