"""What can be checked of deploy/ without a server: the scripts parse, nginx names both processes with the WebSocket
headers and sticky sessions, the systemd unit verifies, the compose file's two replicas share one database."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _text(name: str) -> str:
    return (DEPLOY / name).read_text(encoding="utf-8")


def _block(text: str, head: str) -> str:
    """The body of the nginx block that starts with `head {` (blocks nest at most once here)."""
    start = text.index(head + " {") + len(head) + 2
    depth, pos = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(text[pos], 0)
        pos += 1
    return text[start:pos - 1]


def test_backup_and_restore_scripts_parse_and_stop_on_errors():
    for name in ("backup.sh", "restore.sh"):
        path = DEPLOY / name
        result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert (result.returncode, result.stderr) == (0, ""), name
        assert path.stat().st_mode & 0o111, f"{name} is not executable"
        assert "\nset -euo pipefail\n" in path.read_text(encoding="utf-8"), name
    assert "pg_dump --format=custom " in _text("backup.sh")
    assert "pg_restore --clean --if-exists " in _text("restore.sh")


def test_scripts_refuse_a_call_without_a_target():
    for name, usage in (("backup.sh", "ZIELDATEI"), ("restore.sh", "SICHERUNGSDATEI")):
        result = subprocess.run([str(DEPLOY / name)], capture_output=True, text=True)
        assert result.returncode == 2, name
        assert result.stdout == ""
        assert result.stderr.startswith(f"Aufruf: {DEPLOY / name} {usage}"), result.stderr


def test_nginx_balances_two_processes_with_sticky_sessions_and_websockets():
    conf = _text("nginx/monitor.conf")
    upstream = _block(conf, "upstream monitor_app")
    assert re.findall(r"^\s*server (\S+)", upstream, flags=re.MULTILINE) == ["127.0.0.1:8501", "127.0.0.1:8502"]
    assert "hash $monitor_route consistent;" in upstream
    stream = _block(conf, "location /_stcore/stream")
    assert "proxy_pass http://monitor_app;" in stream
    assert "proxy_http_version 1.1;" in stream
    assert re.search(r"proxy_set_header Upgrade\s+\$http_upgrade;", stream)
    assert re.search(r"proxy_set_header Connection\s+\$connection_upgrade;", stream)
    assert "proxy_read_timeout 3600s;" in stream
    assert "proxy_pass http://monitor_app;" in _block(conf, "location /")
    assert "listen 443 ssl;" in conf
    assert "ssl_certificate     /etc/nginx/tls/monitor.crt;" in conf
    assert "ssl_stapling off;" in conf
    assert "resolver" not in conf  # no DNS: nothing nginx does leaves the server


def test_systemd_unit_verifies(tmp_path):
    unit = _text("systemd/monitor@.service")
    keys = dict(re.findall(r"^(\w+)=(.*)$", unit, flags=re.MULTILINE))
    assert keys["ExecStart"] == ("/opt/modellkommunen-monitor/.venv/bin/python -m monitor.serve "
                                 "--server.address 127.0.0.1 --server.port %i")
    assert keys["EnvironmentFile"] == "/etc/modellkommunen-monitor/env"
    assert keys["Restart"] == "on-failure"
    assert keys["User"] == "monitor"
    assert keys["ProtectSystem"] == "strict"
    assert keys["ReadWritePaths"] == "/var/lib/modellkommunen-monitor/%i /var/log/modellkommunen-monitor"
    assert "Environment=MONITOR_SNAPSHOT_DIR=/var/lib/modellkommunen-monitor/%i/snapshots" in unit.splitlines()
    if shutil.which("systemd-analyze"):
        # verify needs the program to exist: this Python and the checkout stand in for /opt/modellkommunen-monitor
        local = unit.replace("/opt/modellkommunen-monitor/.venv/bin/python", sys.executable)
        instance = tmp_path / "monitor@8501.service"
        instance.write_text(local.replace("/opt/modellkommunen-monitor", str(ROOT)), encoding="utf-8")
        result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(instance)],
                                capture_output=True, text=True)
        assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_compose_runs_two_replicas_on_one_database():
    compose = yaml.safe_load(_text("compose.yaml"))
    services = compose["services"]
    assert sorted(services) == ["app-1", "app-2", "nginx", "postgres"]
    assert services["postgres"]["image"] == "postgres:15"
    one, two = services["app-1"], services["app-2"]
    url = "postgresql://monitor:${MONITOR_PG_PASSWORD:?in deploy/.env setzen}@postgres:5432/monitor"
    assert one["environment"]["MONITOR_DATABASE_URL"] == url
    assert two["environment"]["MONITOR_DATABASE_URL"] == url
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "${MONITOR_PG_PASSWORD:?in deploy/.env setzen}"
    assert one["command"][-4:] == ["--server.address", "127.0.0.1", "--server.port", "8501"]
    assert two["command"][-4:] == ["--server.address", "127.0.0.1", "--server.port", "8502"]
    assert one["network_mode"] == two["network_mode"] == "service:nginx"
    assert one["volumes"][1] == "schnappschuss-1:/var/lib/modellkommunen-monitor"
    assert two["volumes"][1] == "schnappschuss-2:/var/lib/modellkommunen-monitor"
    assert services["nginx"]["volumes"][0] == "./nginx/monitor.conf:/etc/nginx/conf.d/default.conf:ro"
    assert one["depends_on"]["postgres"] == {"condition": "service_healthy"}


def _de(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def test_readme_sizing_cites_the_benchmark_with_the_refresh_times():
    readme = _text("README.md")
    # the server mode's figures as bench/results.json (key refresh) holds them, at every scale measured
    measured = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))["refresh"]["scales"]
    assert [row["scale"] for row in measured] == [1, 100, 10000]
    for row in measured:
        caught, started = row["catch_up"], row["restart"]
        assert started["mode"] == caught["mode"] == "catch_up"
        line = (f"| {_de(row['scale'], 0)}× | {_de(caught['seconds'], 2)} s ({_de(caught['file_copy_s'], 2)} s davon "
                f"Kopie der Datei) | {_de(started['wall_s'], 2)} s | {_de(row['refresh']['seconds'], 2)} s "
                f"| {_de(row['write']['seconds'], 2)} s | {_de(row['after_pages']['rss_mb'], 0)} MB / "
                f"{_de(row['after_catch_up']['peak_rss_mb'], 0)} MB |")
        assert line in readme
    assert "| 10.000× | 1.234 MB (Übersicht) | 1.053 MB Spitze (RSS danach 716–953 MB) | 1.488 MB |" in readme
    assert "p95 3,18 s bei 1× und 3,83 s bei 100×" in readme


def test_scripts_say_where_the_connection_is_missing_or_wrong(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MONITOR_DATABASE_URL"}
    cases = [
        ("backup.sh", {"MONITOR_ENV_FILE": str(tmp_path / "fehlt")},
         f"Sicherung gescheitert: MONITOR_DATABASE_URL ist nicht gesetzt und steht nicht in {tmp_path / 'fehlt'}.\n"),
        ("restore.sh", {"MONITOR_DATABASE_URL": "mysql://monitor@db/monitor"},
         "Wiederherstellung gescheitert: MONITOR_DATABASE_URL ist keine postgresql://-Adresse.\n"),
    ]
    for name, extra, message in cases:
        result = subprocess.run([str(DEPLOY / name), str(tmp_path / "monitor.dump")], env=env | extra,
                                capture_output=True, text=True)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", message), name
