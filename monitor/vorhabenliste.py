"""A "Liste der Vorhaben" as one programme: recipients by name (and Kreis), one project per operation.

`monitor.vorhaben` reads the list as published; here its rows become the master-data tables of one programme
(programme, applicant, project, project_theme) and go through the same checks, staging and writing as a
Programm-Mappe (monitor.masterdata). The eligible expenditure is the project's amount, and the programme says so
(grant_basis 'eligible_cost': shown as "förderfähige Gesamtausgaben"). A re-import of a newer list of the same
programme updates it: new, changed and removed operations are counted (and previewed) before the commit; an
operation that left the list but has payments, milestones or reports recorded stays, with a note.

The Kreis of an operation comes from its postcode and place (monitor.places); an operation whose location names
the Land, or that cannot be placed, is booked to the Land as a whole ("landesweit / ohne Kreis") and listed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from decimal import Decimal
from pathlib import Path, PurePath

from monitor import masterdata, places, readers, vorhaben
from monitor.checks import Change, Problem, Report, already_imported, sha256
from monitor.i18n import t
from monitor.templates import norm

# what a location cell says when an operation has no one place
STATEWIDE = {norm(w) for w in ("landesweit", "land", "gesamtes land", "ganzes land", "mehrere standorte",
                               "verschiedene standorte", "verschiedene", "diverse", "mehrere", "ueberregional",
                               "überregional", "bundesweit", "statewide", "various", "several", "multiple")}
KINDS_BY_WORD = (("landkreis", "kreis"), ("kreis", "kreis"), ("stadt", "stadt"), ("gemeinde", "gemeinde"),
                 ("amt", "amt"), ("zweckverband", "verbund"), ("verband", "verbund"))
# a programme made from a list: thresholds of the traffic light as for any programme; reports are not expected
DEFAULTS = {"amber_gap_pct": "20", "red_gap_pct": "40", "red_overdue_days": 90, "report_interval_days": 366,
            "payment_grace_days": 30}
PROGRAMME_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


class PlaceProblem(Problem):
    """A problem whose "reason" value is a place code of monitor.places, worded in the reader's language."""

    def reason(self, lang: str | None = None) -> str:
        values = dict(self.values, reason=t(f"md.place.{self.values['reason']}", lang=lang))
        return Problem(self.row, self.column, self.value, self.code, values).reason(lang)


def _slug(text: str, length: int = 24) -> str:
    plain = norm(text.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})))
    return plain[:length] or "x"


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:8]


def _kind(name: str) -> str:
    first = norm(name.split()[0]) if name.split() else ""
    for word, kind in KINDS_BY_WORD:
        if first == word or first.startswith(word) and kind != "stadt":
            return kind
    return "sonstige"


def saved_mappings(db_path: Path) -> dict:
    """Layout key -> mapping saved on the Daten page (kept beside the journal, so a rebuild keeps it; in server mode
    in PostgreSQL, shared by every process)."""
    from monitor import db, journal

    if db.server_mode():
        from monitor import pg

        with pg.connect() as con:
            return {key.removeprefix("mapping:"): value for key, value in con.execute(
                "select key, value from monitor_setting where key like 'mapping:%'").fetchall()}
    path = journal.directory(db_path) / "mappings.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def save_mapping(db_path: Path, key: str, mapping: dict) -> None:
    """Keep a corrected mapping for the next file of the same layout."""
    from monitor import db, journal

    if db.server_mode():
        from monitor import pg

        with pg.connect() as con:
            con.execute("insert into monitor_setting (key, value) values (%s, %s) on conflict (key) do update "
                        "set value = excluded.value", ["mapping:" + key, json.dumps(mapping, ensure_ascii=False)])
        return

    folder = journal.directory(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    known = saved_mappings(db_path)
    known[key] = mapping
    tmp = folder / "mappings.json.tmp"
    tmp.write_text(json.dumps(known, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(folder / "mappings.json")


def mapping_for(data: bytes, file_name: str, saved: dict) -> dict | None:
    """The mapping saved for this file's header layout, None when there is none (or the file is unreadable). The
    file's cells stay read (vorhaben.load) for the check that follows."""
    if not saved:
        return None
    try:
        return saved.get(vorhaben.layout_key(vorhaben.read(data, file_name, rows=False)))
    except readers.ReadError:
        return None


def _land_of(location: str | None, postcode: str | None, place: str | None, lands: dict[str, str]) -> str | None:
    """The Land an operation names instead of a place ("landesweit", "Schleswig-Holstein"), else None; "" for a
    statewide operation that names no Land. A postcode, or a city state's name (Hamburg), is a place."""
    if postcode:
        return None
    for text in (location, place):
        if not text:
            continue
        key = norm(text)
        if key in lands:
            return lands[key]
        if key in STATEWIDE or any(key.startswith(w) for w in STATEWIDE if len(w) > 6):
            return ""
    return None


def check(cur, data: bytes, file_name: str, options: dict) -> Report:
    """Read the list, turn it into the programme's tables and check them against the database (inside the
    caller's transaction: staged, nothing written). The report's summary says what the list holds."""
    report = Report("vorhabenliste", file_name, sha256(data), len(data))
    programme_id = (options.get("programme_id") or "").strip()
    if not PROGRAMME_ID.match(programme_id):
        report.problems.append(Problem(None, None, programme_id, "vl.programme_id"))
        return report
    report.already = already_imported(cur, report.sha256, "vorhabenliste")
    if report.already:
        return report
    try:
        listing = vorhaben.read(data, file_name, options.get("mapping"))
    except readers.ReadError as exc:
        report.problems.append(Problem(None, None, file_name, f"read.{exc.code}", exc.values))
        return report
    report.listing = listing
    report.problems.extend(listing.problems)
    report.notes.extend(listing.notes)
    if report.problems:
        return report
    missing = [name for name in ("start_date", "end_date") if name not in listing.columns]
    if missing:
        # a project needs its term: one problem naming what no column means, not one per row
        report.problems.append(vorhaben.ListingProblem(None, None, "", "vl.needs_dates", {
            "fields": tuple(missing), "row": listing.header_row, "headers": tuple(h for h in listing.headers if h)}))
        return report
    rows = listing.rows
    if rows.empty:
        report.problems.append(Problem(None, None, file_name, "no_rows"))
        return report
    report.rows_read = len(rows)
    tables = _tables(cur, listing, programme_id, options, report)
    if report.problems:
        return report
    inputs = [masterdata.Input(table, file_name, readers.Sheet(headers=list(columns), rows=body))
              for table, (columns, body) in tables.items() if body]
    context = {"programme_id": programme_id, "source": t("vl.source", lang="de", file=PurePath(file_name).name)}
    staged = masterdata.check_inputs(cur, inputs, report, context)
    _name_columns(report, listing)
    if report.problems:
        return report
    removed = _removed(cur, programme_id, [r[1][0] for r in tables["project"][1]], report)
    if removed:
        masterdata.record_deletes(cur, "project", removed)
        masterdata.add_deletions(cur, staged)
    report.tables = staged
    report.summary["changes"] = {
        "new": next((s.changes.get("insert", 0) for s in staged if s.table == "project"), 0),
        "changed": next((s.changes.get("update", 0) for s in staged if s.table == "project"), 0),
        "removed": len(removed),
        "unchanged": next((s.changes.get("same", 0) for s in staged if s.table == "project"), 0)}
    return report


def _name_columns(report: Report, listing) -> None:
    """Problems of the staged tables name the list's own headers, not the tables' columns."""
    header = {name: column.header for name, column in listing.columns.items()}
    own = {"granted_eur": "eligible_eur", "title": "operation", "name": "beneficiary", "start_date": "start_date",
           "end_date": "end_date", "decision_date": "decision_date", "cofinancing_pct": "cofinancing_pct",
           "summary": "summary", "theme": "category", "location": "location"}
    for problem in report.problems:
        field = own.get(problem.column or "")
        if field and field in header:
            problem.column = header[field]


def _plain_text(value):
    """Published text as one clean line: soft hyphens, zero-width and direction marks (common in copied text) and
    line breaks go; the value stays data, shown as text."""
    if not isinstance(value, str):
        return value
    kept = "".join(" " if ch in "\r\n\t\u2028\u2029" else ch for ch in value
                   if unicodedata.category(ch) not in ("Cf", "Cc") or ch in "\r\n\t")
    return " ".join(kept.split()) or None


def _tables(cur, listing, programme_id: str, options: dict, report: Report) -> dict[str, tuple[list, list]]:
    rows = listing.rows.astype(object)
    rows = rows.where(rows.notna(), None)         # pandas writes a missing value as NaN; here it is None
    for name in ("beneficiary", "operation", "summary", "location", "place", "category_text", "reference"):
        rows[name] = [_plain_text(v) for v in rows[name]]
    lands = {norm(name): ags for ags, name in cur.execute(
        "select region_id, name from region as land where kind = 'land' and not exists (select 1 from region as "
        "kreis where kreis.kind in ('kreis', 'kreisfreie_stadt') and kreis.name = land.name)").fetchall()}
    kreis_names = dict(cur.execute("select region_id, name from region").fetchall())
    found = cur.execute("select * from programme where programme_id = ?", [programme_id]).fetchone()
    existing = dict(zip([d[0] for d in cur.description], found)) if found else None
    known_applicants = {}
    for applicant_id, name, kreis_id in cur.execute("select applicant_id, name, kreis_id from applicant").fetchall():
        known_applicants.setdefault((norm(name), kreis_id), applicant_id)

    placed = []
    for row in rows.itertuples(index=False):
        land = _land_of(row.location, row.postcode, row.place, lands)
        if land is not None:
            placed.append((land or None, None, None, None if land else "statewide", "statewide"))
            continue
        where = places.locate(location=row.location, postcode=row.postcode, place=row.place, country=row.country)
        if where.reason == "ambiguous" and where.postcode and not row.place:
            where = _by_beneficiary(where, row.beneficiary)
        placed.append((where.kreis_id, where.lat, where.lon, where.reason, where.how))
    eur_by_land: dict[str, Decimal] = {}
    for (kreis, *_), eur in zip(placed, rows["eligible_eur"]):
        if kreis:
            eur_by_land[kreis[:2]] = eur_by_land.get(kreis[:2], Decimal(0)) + (eur or Decimal(0))
    total = sum((e for e in rows["eligible_eur"] if e is not None), Decimal(0))
    placed_total = sum(eur_by_land.values(), Decimal(0))
    if "land_id" in options:
        land_id = options["land_id"] or None
    elif existing:
        land_id = existing["land_id"]
    else:
        # the Land of (nearly) all the money that could be placed; a list spread over Germany is a federal programme
        top = max(eur_by_land.items(), key=lambda kv: kv[1], default=(None, Decimal(0)))
        land_id = top[0] if placed_total and top[1] >= placed_total * Decimal("0.8") else None

    starts = [d for d in rows["start_date"] if d is not None]
    ends = [d for d in rows["end_date"] if d is not None]
    decisions = [d for d in rows["decision_date"] if d is not None]
    name = options.get("name") or (existing["name_de"] if existing else
                                   t("vl.default_name", lang="de", file=PurePath(listing.file_name).stem))
    if not existing:
        first = min(starts + decisions, default=dt.date.today())
        programme = {
            "programme_id": programme_id, "name_de": name, "name_en": options.get("name") or name,
            "funder": options.get("funder") or t("vl.funder", lang="de"), "budget_eur": total, "max_grant_eur": None,
            "launch_date": first, "deadline_date": first, "decision_date": min(decisions + starts, default=first),
            "term_start_date": min(starts, default=first), "term_end_date": max(ends, default=first),
            **DEFAULTS, "land_id": land_id, "grant_basis": "eligible_cost",
        }
    else:
        programme = dict(existing)
        programme |= {"name_de": name, "name_en": options.get("name") or programme["name_en"], "land_id": land_id,
                      "budget_eur": max(total, programme["budget_eur"]),
                      "term_start_date": min(starts + [programme["term_start_date"]]),
                      "term_end_date": max(ends + [programme["term_end_date"]]), "grant_basis": "eligible_cost"}
    programme_columns = list(programme)
    header_row = listing.header_row or 1

    applicants: dict[tuple[str, str | None], list] = {}
    projects, themes = [], []
    seen_ids: dict[str, int] = {}
    per_kreis: dict[str | None, dict] = {}
    outside, unplaced = [], []
    for row, (kreis, lat, lon, reason, how) in zip(rows.itertuples(index=False), placed):
        if kreis is None:
            if reason not in (None, "statewide") or how != "statewide":
                unplaced.append({"row": row.row, "beneficiary": row.beneficiary, "location": _shown(row),
                                 "reason": t(f"md.place.{reason or 'empty'}", lang="de"),
                                 "reason_code": reason or "empty"})
            kreis = land_id
            if kreis is None:
                report.problems.append(PlaceProblem(row.row, (listing.columns.get("location") or listing.columns.get(
                    "postcode") or listing.columns["beneficiary"]).header, _shown(row) or "", "vl.no_place_federal",
                    {"reason": reason or "empty"}))
                continue
        if land_id and kreis[:2] != land_id:
            outside.append({"row": row.row, "beneficiary": row.beneficiary, "kreis_id": kreis,
                            "kreis": kreis_names.get(kreis, kreis)})
        if lat is None:
            lat, lon = _point(cur, kreis)
        key = (norm(row.beneficiary or ""), kreis)
        if key not in applicants:
            # a recipient already known (same name, same Kreis; any programme) is referenced, never changed
            known = known_applicants.get(key)
            applicants[key] = [known or f"vl-{_slug(row.beneficiary or '')}-{_digest(*map(str, key))}",
                               row.beneficiary, _kind(row.beneficiary or ""), kreis, kreis, lat, lon, None, False,
                               None, row.row, known is not None]
        identity = row.reference or f"{norm(row.beneficiary or '')}|{norm(row.operation or '')}"
        project_id = f"{programme_id}-{_slug(row.reference, 30) if row.reference else _digest(identity)}"
        seen_ids[project_id] = seen_ids.get(project_id, 0) + 1
        if seen_ids[project_id] > 1:
            project_id = f"{project_id}-{seen_ids[project_id]}"
        eligible = row.eligible_eur
        projects.append((row.row, [
            project_id, programme_id, None, applicants[key][0], row.operation, _money(eligible), None,
            row.decision_date or row.start_date, row.start_date, row.end_date, False, None, row.summary,
            _money(row.cofinancing_pct), row.location or " ".join(p for p in (row.postcode, row.place) if p) or None]))
        theme = row.category_text or (f"{row.category_code}" if row.category_code else None)
        if theme:
            themes.append((row.row, [project_id, theme if not row.category_code or not row.category_text
                                     else f"{row.category_code} {row.category_text}", None]))
        bucket = per_kreis.setdefault(kreis, {"eur": Decimal(0), "projects": 0})
        bucket["eur"] += eligible or Decimal(0)
        bucket["projects"] += 1
    report.summary = {
        "programme_id": programme_id, "land_id": land_id, "rows": len(rows), "projects": len(projects),
        "recipients": len(applicants), "total_eur": str(total),
        "eur_by_kreis": {k: {"name": kreis_names.get(k, k), "eur": str(v["eur"]), "projects": v["projects"]}
                         for k, v in sorted(per_kreis.items())},
        "outside_land": outside, "unplaced": unplaced,
        "mapping": listing.mapping(), "header_row": listing.header_row, "sheet": listing.sheet,
        "conventions": listing.conventions,
    }
    applicant_columns = ["applicant_id", "name", "kind", "region_id", "kreis_id", "lat", "lon", "population",
                         "is_illustrative", "source"]
    return {
        "programme": (programme_columns, [(header_row, [_plain(programme[c]) for c in programme_columns])]),
        "applicant": (applicant_columns, [(values[-2], [_plain(v) for v in values[:-2]])
                                          for values in applicants.values() if not values[-1]]),
        "project": (["project_id", "programme_id", "application_id", "applicant_id", "title", "granted_eur",
                     "own_funds_pct", "decision_date", "start_date", "end_date", "is_illustrative", "source",
                     "summary", "cofinancing_pct", "location"],
                    [(r, [_plain(v) for v in values]) for r, values in projects]),
        "project_theme": (["project_id", "theme", "source"], themes),
    }


def _by_beneficiary(where, beneficiary: str | None):
    """A postcode alone that spans several Kreise, decided by a place of that postcode named in the beneficiary
    ("Hochschule Flensburg" at 24943: Flensburg, not Tastrup in Schleswig-Flensburg); else it stays ambiguous."""
    words = f" {places.normalise(beneficiary or '')} "
    named = {kreis for name, kreis in places.places_of(where.postcode) if f" {name} " in words}
    if len(named) != 1:
        return where
    name = next(name for name, kreis in places.places_of(where.postcode) if kreis in named and f" {name} " in words)
    return places.locate(postcode=where.postcode, place=name)


def _shown(row) -> str:
    return row.location or " ".join(str(p) for p in (row.postcode, row.place) if p)


def _point(cur, region_id: str) -> tuple[float | None, float | None]:
    # a Land without a point of its own: the middle of its Kreise
    found = cur.execute("select coalesce(max(lat) filter (where region_id = $id), avg(lat)), "
                        "coalesce(max(lon) filter (where region_id = $id), avg(lon)) from region "
                        "where region_id = $id or (length($id) = 2 and left(region_id, 2) = $id "
                        "and kind in ('kreis', 'kreisfreie_stadt'))", {"id": region_id}).fetchone()
    return (round(found[0], 4), round(found[1], 4)) if found and found[0] is not None else (None, None)


def _money(value):
    return None if value is None else float(value)


def _plain(value):
    """A value as the master-data reader takes a cell: numbers as numbers, dates as dates."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def _removed(cur, programme_id: str, kept: list[str], report: Report) -> list[str]:
    """The programme's operations the new list no longer has, as JSON rows to delete; those with payments,
    milestones or reports recorded stay (noted)."""
    gone = cur.execute(
        "select project_id, title, to_json(project)::varchar, "
        "exists (select 1 from payment where payment.project_id = project.project_id) "
        "or exists (select 1 from milestone where milestone.project_id = project.project_id) "
        "or exists (select 1 from progress_report where progress_report.project_id = project.project_id) "
        "from project where programme_id = ? and not list_contains(?::varchar[], project_id) order by project_id",
        [programme_id, kept]).fetchall()
    deletions = []
    for project_id, title, before, used in gone:
        if used:
            report.notes.append(Problem(None, None, project_id, "vl.kept_removed", {"title": title}))
        else:
            deletions.append(before)
            # shown in the preview before the commit, like the new and changed ones
            old = json.loads(before, parse_float=Decimal)
            report.changes.append(Change("delete", None, old, old, table="project"))
    return deletions
