"""Reading an EU "Liste der Vorhaben" (list of operations) as published, whatever its layout.

The content is prescribed (Reg. (EU) 1303/2013 Art. 115 and Annex XII; Reg. (EU) 2021/1060 Art. 49(3)):
beneficiary, operation name, summary, start and end date, total eligible expenditure, Union co-financing rate,
postcode and/or location, country, category of intervention. Everything else varies, so `read`:
- scans the first rows of every sheet for the row whose cells match most fields by meaning (German and English
  variants, normalised, fuzzy for misspellings and abbreviations), takes a row of translations below it as part
  of the header, and picks the sheet that holds the list;
- decides number, percentage and date conventions per column from all its values, and refuses with row and
  column what stays ambiguous;
- skips sum rows, footnotes and section rows (as notes), and keeps every mapped column's original header text.
A user's `mapping` (field -> header text or column letter) overrides the automatic one; `layout_key` names the
header layout, so a corrected mapping can be saved and reused for the next file of the same layout. The bytes are
read once (`load` keeps the last file's cells); another mapping is applied to the cells already read.
Problem texts: "dp.problem.vh.*" in monitor/texts/vorhaben.toml.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import pandas as pd

from monitor import fmt, readers
from monitor.checks import Problem
from monitor.i18n import t

HEADER_SCAN_ROWS = 30        # rows of each sheet searched for the header
MATCH_THRESHOLD = 0.5        # a header cell means a field from this score on
FUZZY_RATIO = 0.85           # difflib ratio from which two words (or whole headers) are the same
REQUIRED = ("beneficiary", "operation", "eligible_eur")

# field -> (kind, header variants); a variant's words must all appear in the header (fuzzy); the share of the
# header's words it covers is the score. Order breaks ties.
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "beneficiary": ("text", (
        "name des beguenstigten", "beguenstigter", "beguenstigte", "name beguenstigter", "zuwendungsempfaenger",
        "name zuwendungsempfaenger", "foerdermittelempfaenger", "empfaenger", "antragsteller", "projekttraeger",
        "traeger", "beneficiary", "beneficiary name", "name of beneficiary", "name of the beneficiary",
        "beneficiary s name", "recipient", "name beguenstigten juristischen personen")),
    "operation": ("text", (
        "name des vorhabens", "bezeichnung des vorhabens", "vorhabenbezeichnung", "vorhabensbezeichnung",
        "vorhabenname", "vorhabensname", "titel des vorhabens", "vorhaben", "vorhabentitel", "projekttitel",
        "projektname", "projektbezeichnung", "bezeichnung des projekts", "name des projekts", "titel", "projekt",
        "operation name", "name of operation", "name of the operation", "operation", "operation title",
        "project name", "project title", "title")),
    "summary": ("text", (
        "zusammenfassung", "zusammenfassung des vorhabens", "kurzbeschreibung", "kurzbeschreibung des vorhabens",
        "beschreibung", "vorhabenbeschreibung", "projektbeschreibung", "beschreibung des vorhabens",
        "ziele und ergebnisse", "summary", "operation summary", "summary of the operation", "description",
        "purpose and achievements", "zweck des vorhabens", "zweck", "purpose of the operation", "purpose",
        "zweck vorhabens erwarteten tatsaechlichen errungenschaften",
        "purpose operation expected actual achievements")),
    "start_date": ("date", (
        "beginn", "vorhabenbeginn", "beginn des vorhabens", "datum des beginns", "datum beginn vorhaben",
        "startdatum", "projektbeginn", "laufzeit von", "laufzeit beginn", "beginn datum", "beginndatum", "start",
        "start date",
        "operation start date", "start date of operation", "date of start", "von", "anfangsdatum")),
    "end_date": ("date", (
        "ende", "vorhabenende", "ende des vorhabens", "datum des endes", "datum ende vorhaben", "enddatum",
        "projektende", "laufzeit bis", "laufzeit ende", "beendigung", "datum der beendigung", "voraussichtliches ende",
        "abschluss", "abschlussdatum", "end", "end date", "operation end date", "end date of operation",
        "expected end date", "date of end", "completion date", "bis", "date of completion",
        "erwartetes abschlussdatum", "tatsaechliches abschlussdatum", "erwartetes tatsaechliches abschlussdatum",
        "expected actual date completion")),
    "eligible_eur": ("money", (
        "gesamtbetrag der foerderfaehigen ausgaben", "foerderfaehige ausgaben", "foerderfaehige gesamtausgaben",
        "foerderfaehige gesamtkosten", "foerderfaehige kosten", "gesamte foerderfaehige ausgaben",
        "zuwendungsfaehige ausgaben", "zuwendungsfaehige gesamtausgaben", "zuwendungsfaehige kosten",
        "zuwendungsfaehige gesamtkosten", "total eligible expenditure", "eligible expenditure",
        "total eligible cost", "total eligible costs", "eligible costs", "eligible cost",
        "total eligible expenditure allocated to the operation",
        # Reg. 2021/1060 Art. 49(3) prescribes the total cost; a column that says "eligible" wins over it
        "gesamtkosten~0.9", "gesamtkosten des vorhabens~0.9", "total cost~0.9", "total costs~0.9",
        "total cost of the operation~0.9")),
    "cofinancing_pct": ("pct", (
        "kofinanzierungssatz", "kofinanzierung satz", "eu kofinanzierungssatz", "kofinanzierungssatz der union",
        "unionskofinanzierungssatz", "kofinanzierungsrate", "kofinanzierungsquote", "foerdersatz",
        "eu foerdersatz", "efre foerdersatz", "esf foerdersatz", "kofi satz", "eu satz",
        "co financing rate", "union co financing rate", "eu co financing rate", "cofinancing rate",
        "co financing rate by priority axis", "rate of co financing", "unionsbeteiligung prozent",
        "eu anteil prozent", "eu beteiligung prozent")),
    "postcode": ("postcode", (
        "postleitzahl", "plz", "postcode", "post code", "postal code", "zip code", "zip")),
    "location": ("location", (
        "standort", "ort", "plz ort", "postleitzahl ort", "standort plz ort", "durchfuehrungsort",
        "ort der durchfuehrung", "ort des vorhabens", "standort des vorhabens", "vorhabenstandort",
        "projektstandort", "gemeinde", "sitz", "location", "location indicator", "location of operation",
        "operation location", "postcode location", "place", "city", "municipality", "ortsangabe",
        "standortindikator", "geolocation", "location indicator geolocation", "ortsangabe standortindikator",
        # the wording of the official templates (Reg. 1303/2013 Annex XII; Reg. 2021/1060 Art. 49(3)), whose long
        # headers no short variant covers enough of
        "postleitzahl des vorhabens oder andere angemessene standortindikatoren",
        "postleitzahl des vorhabens oder anderer angemessener standortindikator",
        "postleitzahl des vorhabens", "standortindikatoren", "standortindikator oder geolokalisierung",
        "standortindikator oder geolokalisierung fuer das vorhaben", "geolokalisierung", "standort des vorhabens",
        "operation postcode or other appropriate location indicator", "operation postcode", "postcode of the operation",
        "other appropriate location indicator", "location indicator or geolocation for the operation",
        "location indicator or geolocation")),
    "country": ("text", ("land", "staat", "mitgliedstaat", "country", "member state", "betreffendes land",
                         "land des vorhabens", "country concerned", "country of the operation")),
    "category": ("category", (
        "interventionskategorie", "bezeichnung der interventionskategorie", "name der interventionskategorie",
        "kategorie der intervention", "interventionsbereich", "interventionsfeld", "interventionskategorien",
        "category of intervention", "intervention category", "name of category of intervention",
        "name of the category of intervention", "intervention field", "categories of intervention",
        "art der intervention", "interventionsart", "type of intervention")),
    "category_code": ("text", (
        "code der interventionskategorie", "code interventionskategorie", "interventionscode",
        "code interventionsbereich", "code interventionsfeld", "code of category of intervention",
        "intervention code", "category code")),
    "decision_date": ("date", (
        "bewilligungsdatum", "datum der bewilligung", "bewilligt am", "bewilligung am", "datum bewilligung",
        "bescheiddatum", "datum des bescheids", "datum zuwendungsbescheid", "decision date", "date of decision",
        "approval date", "date of approval")),
    "eu_amount_eur": ("money", (
        "eu betrag", "eu mittel", "efre mittel", "esf mittel", "unionsbeteiligung", "eu anteil", "eu beteiligung",
        "efre anteil", "esf anteil", "efre betrag", "esf betrag", "eu zuschuss", "eu foerderung",
        "eu anteil foerderfaehige ausgaben", "eu anteil an den foerderfaehigen ausgaben", "bewilligte eu mittel",
        "union contribution", "eu contribution", "eu amount", "erdf amount", "esf amount", "erdf contribution")),
    "priority_axis": ("text", (
        "prioritaetsachse", "prioritaet", "prioritaetsachse pa", "priority axis", "priority")),
    "specific_objective": ("text", (
        "spezifisches ziel", "spezifisches ziel sz", "specific objective", "betreffendes spezifisches ziel",
        "specific objective concerned")),
    "fund": ("text", ("fonds", "fund", "eu fonds", "eu fund", "betreffender fonds", "fund concerned")),
    "reference": ("text", (
        "aktenzeichen", "vorhaben nr", "vorhabennummer", "vorhaben id", "vorhabens nr", "projektnummer",
        "projekt nr", "projekt id", "kennziffer", "foerderkennzeichen", "operation id", "operation number",
        "operation code", "project number", "project id", "reference", "reference number")),
}
# words that make a header mean something else than the field (the EU share is not the eligible expenditure)
EXCLUDE = {
    "eligible_eur": {"eu", "union", "anteil", "share", "satz", "rate", "quote", "unionsbeteiligung"},
    "eu_amount_eur": {"satz", "rate", "quote", "kofinanzierungssatz", "prozent", "percent", "percentage"},
    "category": {"code"},
    "start_date": {"bewilligung", "bewilligungsdatum"},
    "end_date": {"bewilligung", "bewilligungsdatum"},
}
OUTPUT = ("row", "beneficiary", "operation", "summary", "start_date", "end_date", "eligible_eur", "cofinancing_pct",
          "postcode", "place", "location", "nuts", "country", "category_code", "category_text", "category",
          "decision_date", "eu_amount_eur", "priority_axis", "specific_objective", "fund", "reference")
_STOP = {"der", "des", "die", "das", "den", "dem", "the", "of", "und", "and", "for", "fuer", "zur", "zum", "im",
         "am", "an", "in", "eur", "euro", "je", "per", "bzw", "oder", "or", "gem", "gemaess", "nach", "by", "to",
         "a", "s", "lt", "bei", "seine", "its"}
_SUM_WORDS = {"summe", "gesamt", "gesamtsumme", "insgesamt", "total", "totals", "sum", "zwischensumme",
              "endsumme", "grand", "gesamtergebnis"}
_FOOTNOTE_STARTS = ("*", "¹", "²", "³", "stand", "quelle", "hinweis", "anmerkung", "fussnote", "fußnote",
                    "source", "note", "erlaeuterung", "erläuterung", "datenstand", "as of", "status")
_GERMANY = {"de", "deu", "d", "deutschland", "germany", "bundesrepublik deutschland", "federal republic of germany"}
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _words(text: str) -> tuple[str, ...]:
    """'Name des Begünstigten' -> ('name', 'beguenstigten'): casefolded, umlauts spelled out, no punctuation.

    A word cut short with a full stop keeps it ('förderf.' -> 'foerderf.'): only such a word may stand for a
    longer one, so 'Stand' does not mean 'Standort'.
    """
    text = unicodedata.normalize("NFKD", str(text).casefold().translate(_UMLAUTS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = []
    for token in re.split(r"[^a-z0-9.]+", text):
        pieces = [piece for piece in token.split(".") if piece]
        for at, piece in enumerate(pieces):
            if piece in _STOP or piece.isdigit() or (len(piece) == 1 and piece.isalpha()):
                continue
            cut = at == len(pieces) - 1 and token.endswith(".") and len(piece) >= 3 and piece.isalpha()
            words.append(piece + "." if cut else piece)
    return tuple(words)


# 'gesamtkosten~0.9': a variant that counts for less than one naming the field exactly
_VARIANTS = {name: tuple((_words(v.split("~")[0]), float(v.split("~")[1]) if "~" in v else 1.0) for v in variants)
             for name, (_, variants) in FIELDS.items()}


@lru_cache(maxsize=65536)
def _word_match(header_word: str, variant_word: str) -> float:
    """How much of header_word the variant word accounts for: 1 (same, abbreviated, misspelt), a share for
    a compound ending in it ('projektstandort' ~ 'standort'), 0 otherwise."""
    if header_word.endswith("."):                                             # 'foerderf.', 'kofin.'
        header_word = header_word[:-1]
        if variant_word.startswith(header_word):
            return 1.0
    if header_word == variant_word:
        return 1.0
    if len(variant_word) >= 6 and header_word.endswith(variant_word):        # German compounds
        return len(variant_word) / len(header_word)
    shorter, longer = sorted((len(header_word), len(variant_word)))
    if shorter >= 5 and 2 * shorter >= FUZZY_RATIO * (shorter + longer):
        matcher = difflib.SequenceMatcher(None, header_word, variant_word)
        if matcher.real_quick_ratio() >= FUZZY_RATIO and matcher.ratio() >= FUZZY_RATIO:
            return 1.0
    return 0.0


def _variant_score(words: tuple[str, ...], variant: tuple[str, ...]) -> float:
    """Share of the header's letters that the variant's words account for; 0 unless every variant word is there."""
    if not words or not variant:
        return 0.0
    joined, variant_joined = "".join(words).replace(".", ""), "".join(variant)
    whole = 0.0
    if joined == variant_joined:
        return 1.0
    if min(len(joined), len(variant_joined)) >= 6 and \
            2 * min(len(joined), len(variant_joined)) >= FUZZY_RATIO * (len(joined) + len(variant_joined)):
        matcher = difflib.SequenceMatcher(None, joined, variant_joined)
        if matcher.real_quick_ratio() >= FUZZY_RATIO and matcher.quick_ratio() >= FUZZY_RATIO:
            whole = matcher.ratio() if matcher.ratio() >= FUZZY_RATIO else 0.0
    used: set[int] = set()
    covered = 0.0
    for variant_word in variant:
        best, best_at = 0.0, None
        for at, word in enumerate(words):
            if at not in used:
                share = _word_match(word, variant_word)
                if share > best:
                    best, best_at = share, at
        if best_at is None:
            return whole
        used.add(best_at)
        covered += best * len(words[best_at].rstrip("."))
    return max(whole, covered / len(joined))


def _parts(text: str) -> list[tuple[str, float]]:
    """A header cell and its pieces: lines (bilingual cells), halves around ' / ', the text in brackets."""
    parts = [(text, 1.0)]
    lines = [line for line in re.split(r"[\r\n]+", text) if line.strip()]
    if len(lines) > 1:
        parts += [(line, 1.0) for line in lines]
    for piece in list(lines):
        halves = [h for h in re.split(r"\s+/\s+|\s*\|\s*", piece) if h.strip()]
        if len(halves) > 1:
            parts += [(h, 0.95) for h in halves]
        inner = re.findall(r"\(([^()]*)\)", piece)
        outer = re.sub(r"\([^()]*\)", " ", piece)
        if inner and outer.strip():
            parts += [(outer, 0.95)] + [(i, 0.95) for i in inner if i.strip()]
    return parts


@lru_cache(maxsize=16384)
def field_scores(header: str) -> dict[str, float]:
    """Every field a header cell may mean, with its score (0..1); empty when it means none."""
    scores: dict[str, float] = {}
    for part, weight in _parts(header):
        words = _words(part)
        if not words or len(words) > 12:
            continue
        for name, variants in _VARIANTS.items():
            if EXCLUDE.get(name, set()) & set(words):
                continue
            best = max(_variant_score(words, v) * factor for v, factor in variants) * weight
            if best >= MATCH_THRESHOLD and best > scores.get(name, 0.0):
                scores[name] = best
    return scores


# ---- results ----------------------------------------------------------------------------------------------

class ListingProblem(Problem):
    """A Problem whose list values (fields, header cells) are written out in the reader's language."""

    def reason(self, lang: str | None = None) -> str:
        """The reason in words; fields by their label, header cells quoted."""
        values = dict(self.values)
        for key, value in self.values.items():
            if key.endswith("fields"):
                values[key] = ", ".join(t(f"vh.field.{name}", lang=lang) for name in value)
            elif key.endswith("headers"):
                values[key] = ", ".join(t("vh.quoted", lang=lang, text=_one_line(h)) for h in value) or "–"
            elif key == "field" and value in FIELDS:
                values[key] = t(f"vh.field.{value}", lang=lang)
            elif isinstance(value, dt.date):
                values[key] = fmt.date(value, lang)
        return Problem(self.row, self.column, self.value, self.code, values).reason(lang)


@dataclass(frozen=True)
class Column:
    """One column of the list: its header text as published and its position (0 = column A)."""

    header: str
    index: int

    @property
    def letter(self) -> str:
        """The column as Excel names it: 0 -> 'A', 26 -> 'AA'."""
        return column_letter(self.index)


@dataclass
class Listing:
    """What a published list holds: where its header is, what each column means, and its rows normalised."""

    file_name: str
    file_format: str
    sheet: str | None
    sheets: list[str]
    header_rows: tuple[int, ...]             # the header's row numbers (two when translations follow)
    headers: list[str]                       # every header cell by column (lines joined with '\n')
    columns: dict[str, Column]               # field -> column
    unmapped: list[Column]                   # header cells that mean no field
    conventions: dict[str, str]              # field -> how its values are written ("number:de", "date:m/d/y" …)
    rows: pd.DataFrame                       # one row per operation; columns OUTPUT; "row" is the file's row
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    source: Source | None = field(default=None, repr=False)   # the cells read: `read` maps them again

    @property
    def header_row(self) -> int | None:
        """The (first) header row's number as the file shows it."""
        return self.header_rows[0] if self.header_rows else None

    @property
    def ok(self) -> bool:
        """No problem: every row was read."""
        return not self.problems

    def mapping(self) -> dict[str, str]:
        """field -> header text: what to save with `layout_key` and pass to `read` for the next file."""
        return {name: column.header for name, column in self.columns.items()}


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def layout_key(listing: Listing) -> str:
    """A stable key of the header layout (normalised header cells in order), the same for every file that shares
    it whatever its title rows, sheet name or data."""
    cells = [" ".join(_words(h)) for h in listing.headers]
    while cells and not cells[-1]:
        cells.pop()
    return hashlib.sha256("|".join(cells).encode()).hexdigest()[:16]


def _one_line(text: str) -> str:
    return " / ".join(line.strip() for line in re.split(r"[\r\n]+", str(text)) if line.strip())


def _cell_text(value) -> str:
    """A cell as one line of text, whitespace collapsed ('' for empty)."""
    if value is None:
        return ""
    return " ".join(readers.text(value).split())


# ---- finding the header --------------------------------------------------------------------------------------

_NUMBERISH = re.compile(r"^[\s0-9.,%€+\-/:'()]*$")


def _headerish(value) -> bool:
    """A cell that may be a header: text with letters, not too long."""
    return isinstance(value, str) and 0 < len(value.strip()) <= 150 and not _NUMBERISH.match(value)


def _row_fields(cells: list, extra: set[str]) -> dict[str, float]:
    """The fields a row's cells would be mapped to, with their scores (extra: header texts a user mapped)."""
    texts = [cell.strip() if _headerish(cell) else "" for cell in cells]
    found = {name: field_scores(texts[at])[name] for name, at in _assign(texts).items()}
    for at, text in enumerate(texts):
        if text and extra and " ".join(_words(text)) in extra:
            found[f"_mapped{at}"] = 1.0
    return found


def _row_rank(found: dict[str, float]) -> tuple:
    return (sum(1 for f in REQUIRED if f in found), len(found), round(sum(found.values()), 6))


@dataclass
class _Header:
    grid: readers.Grid
    position: int             # index into grid.rows of the first header row
    rows: int                 # 1 or 2 header rows
    texts: list[str]
    rank: tuple


def _translation(cells: list) -> bool:
    """A row of header cells only (text, no numbers) that means at least two fields: a header's translation."""
    return all(readers.is_blank(c) or _headerish(c) for c in cells) and len(_row_fields(cells, set())) >= 2


def _find_header(grid: readers.Grid, extra: set[str]) -> _Header | None:
    best: _Header | None = None
    for position, (_, cells) in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        found = _row_fields(cells, extra)
        if not found:
            continue
        rank = _row_rank(found)
        if best is None or rank > best.rank:
            best = _Header(grid, position, 1, [], rank)
    if best is None:
        return None
    # the row above or below may translate it (German and English header rows, in either order)
    if best.position > 0 and _translation(grid.rows[best.position - 1][1]):
        best.position -= 1
        best.rows = 2
    elif best.position + 1 < len(grid.rows) and _translation(grid.rows[best.position + 1][1]):
        best.rows = 2
    upper = grid.rows[best.position][1]
    texts = [h.strip() if isinstance(h, str) else _cell_text(h) for h in upper]
    if best.rows == 2:
        below = grid.rows[best.position + 1][1]
        texts += [""] * (len(below) - len(texts))
        for at, cell in enumerate(below):
            lower = cell.strip() if isinstance(cell, str) else ""
            if lower and lower != texts[at]:
                texts[at] = f"{texts[at]}\n{lower}" if texts[at] else lower
    while texts and not texts[-1]:
        texts.pop()
    best.texts = texts
    return best


def _assign(texts: list[str]) -> dict[str, int]:
    """field -> column index: the best-scoring pairs first, each field and each column used once."""
    pairs = sorted(((score, -list(FIELDS).index(name), -at, name, at)
                    for at, text in enumerate(texts) if text
                    for name, score in field_scores(text).items()), reverse=True)
    taken_fields: dict[str, int] = {}
    taken_columns: set[int] = set()
    for _, _, _, name, at in pairs:
        if name not in taken_fields and at not in taken_columns:
            taken_fields[name] = at
            taken_columns.add(at)
    return taken_fields


def _apply_mapping(mapping: dict, texts: list[str], automatic: dict[str, int],
                   problems: list[Problem]) -> dict[str, int]:
    result = dict(automatic)
    by_text = {" ".join(_words(h)): at for at, h in reversed(list(enumerate(texts))) if h}
    by_raw = {h: at for at, h in reversed(list(enumerate(texts))) if h}
    for name, target in mapping.items():
        if name not in FIELDS:
            problems.append(ListingProblem(None, None, str(name), "vh.mapping_field",
                                           {"field": str(name), "known": ", ".join(FIELDS)}))
            continue
        if target is None or (isinstance(target, str) and not target.strip()):
            result.pop(name, None)
            continue
        target = str(target)
        at = by_raw.get(target.strip())
        if at is None:
            at = by_text.get(" ".join(_words(target))) if _words(target) else None
        if at is None and re.fullmatch(r"[A-Za-z]{1,3}", target.strip()):
            at = _letter_index(target.strip().upper())
        if at is None:
            problems.append(ListingProblem(None, None, target, "vh.mapping_column",
                                           {"field": name, "header": target, "headers": tuple(h for h in texts if h)}))
            continue
        for other, column in list(result.items()):
            if column == at and other not in mapping:
                del result[other]
        result[name] = at
    return result


def _letter_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


# ---- values ----------------------------------------------------------------------------------------------------

def _problem(problems, row, column, value, code, **values):
    problems.append(ListingProblem(row, column, value if isinstance(value, str) else _cell_text(value), code, values))


def _special(value, row, header, problems) -> bool:
    """True (with a problem) for a formula or an error cell."""
    if isinstance(value, readers.Formula):
        _problem(problems, row, header, value.text, "vh.formula")
        return True
    if isinstance(value, readers.CellError):
        _problem(problems, row, header, value.text, "vh.cell_error")
        return True
    return False


def _number_text(value: str) -> str:
    return re.sub(r"(?i)^\s*(eur|€)\s*", "", value).strip()


def _numbers(cells: list[tuple[int, object]], header: str, money: bool,
             problems: list[Problem]) -> tuple[list[tuple[Decimal | None, bool]], str]:
    """(value, written with %) per cell and the column's convention; ambiguous or mixed columns are refused."""
    texts = [(row, _number_text(v)) for row, v in cells if isinstance(v, str) and v.strip()]
    convention = readers.settle(texts)
    kinds = {"cells"} if any(isinstance(v, (int, float)) and not isinstance(v, bool) for _, v in cells) else set()
    if convention.name == "mixed":
        (de_row, de_value), (en_row, en_value) = convention.german, convention.english
        row, value = max(convention.german, convention.english)
        _problem(problems, row, header, value, "vh.number_mixed", de_row=de_row, de_value=de_value, en_row=en_row,
                 en_value=en_value)
        return [(None, False)] * len(cells), "number:mixed"
    if convention.name:
        kinds.add(convention.name)
    out: list[tuple[Decimal | None, bool]] = []
    ambiguous: list[tuple[int, str, Decimal, Decimal]] = []
    unit = {"unit": "eur"} if money else {}
    for row, value in cells:
        if readers.is_blank(value) or _special(value, row, header, problems):
            out.append((None, False))
            continue
        text = _number_text(value) if isinstance(value, str) else value
        try:
            out.append((readers.number(text, convention), isinstance(value, str) and "%" in value))
        except readers.ValueProblem as exc:
            out.append((None, False))
            if exc.code == "ambiguous":
                ambiguous.append((row, value.strip(), exc.values["german"], exc.values["english"]))
            else:
                _problem(problems, row, header, value, "vh.not_a_number")
    if ambiguous:
        row, value, german, english = ambiguous[0]
        _problem(problems, row, header, value, "vh.number_ambiguous", german=german, english=english,
                 count=len(ambiguous), rows=_rows_text(a[0] for a in ambiguous), **unit)
        return [(None, False)] * len(cells), "number:ambiguous"
    return out, "number:" + "+".join(sorted(kinds)) if kinds else "number:-"


def _rows_text(rows) -> str:
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:5])
    return shown + (" …" if len(rows) > 5 else "")


def _money(cells, header, problems):
    values, convention = _numbers(cells, header, True, problems)
    return [v for v, _ in values], convention


def _percentages(cells, header, problems):
    values, convention = _numbers(cells, header, False, problems)
    bare = [v for v, sign in values if v is not None and not sign]
    fractions = bool(bare) and all(v <= 1 for v in bare)
    out = []
    for (row, raw), (value, sign) in zip(cells, values):
        if value is not None and fractions and not sign:
            value = value * 100
        if value is not None and not 0 <= value <= 100:
            _problem(problems, row, header, raw, "vh.pct_range")
            value = None
        out.append(value)
    if convention.startswith("number:"):
        convention = convention.replace("number:", "pct:") + (";fraction" if fractions else ";percent")
    return out, convention


_ISO = re.compile(r"^([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})"
                  r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?$")
_DOTTED = re.compile(r"^([0-9]{1,2})\.\s?([0-9]{1,2})\.\s?([0-9]{4}|[0-9]{2})"
                     r"(?:\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?$")
_SLASHED = re.compile(r"^([0-9]{1,2})[/-]([0-9]{1,2})[/-]([0-9]{4}|[0-9]{2})"
                      r"(?:\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:\s*[AaPp][Mm])?)?$")
_SERIAL = re.compile(r"^[0-9]{5}(?:[.,]0+)?$")
FIRST_SERIAL, LAST_SERIAL = 32874, 73050        # Excel serials of 1990-01-01 and 2099-12-31


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def _dates(cells, header, problems):
    """Dates of one column and its convention; d/m/y against m/d/y is settled by the column's days over 12."""
    kinds: set[str] = set()
    parsed: list = []
    slashed: list[tuple[int, str, int, int, int]] = []
    for row, value in cells:
        if readers.is_blank(value) or _special(value, row, header, problems):
            parsed.append(None)
            continue
        if isinstance(value, dt.datetime):
            kinds.add("cells")
            parsed.append(value.date())
            continue
        if isinstance(value, dt.date):
            kinds.add("cells")
            parsed.append(value)
            continue
        text = value.strip() if isinstance(value, str) else None
        serial = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if text is not None and _SERIAL.match(text):
            serial = int(re.split(r"[.,]", text)[0])
        if serial is not None:
            if FIRST_SERIAL <= serial <= LAST_SERIAL:
                kinds.add("serial")
                parsed.append((readers.EXCEL_EPOCH + dt.timedelta(days=int(serial))).date())
            else:
                _problem(problems, row, header, value, "vh.not_a_date")
                parsed.append(None)
            continue
        if text is None:
            _problem(problems, row, header, value, "vh.not_a_date")
            parsed.append(None)
            continue
        parts, kind = None, None
        if match := _ISO.match(text):
            parts, kind = (int(match[1]), int(match[2]), int(match[3])), "iso"
        elif match := _DOTTED.match(text):
            parts, kind = (_year(match[3]), int(match[2]), int(match[1])), "d.m.y"
        elif match := _SLASHED.match(text):
            slashed.append((len(parsed), text, int(match[1]), int(match[2]), _year(match[3])))
            parsed.append(row)            # settled below
            continue
        if parts is None:
            _problem(problems, row, header, text, "vh.not_a_date")
            parsed.append(None)
            continue
        kinds.add(kind)
        parsed.append(_make_date(parts, row, header, text, problems))
    if slashed:
        day_first = [s for s in slashed if s[2] > 12]
        month_first = [s for s in slashed if s[3] > 12]
        refuse = None
        if day_first and month_first:
            first_d, first_m = cells[day_first[0][0]][0], cells[month_first[0][0]][0]
            refuse = max(day_first[0], month_first[0], key=lambda s: cells[s[0]][0])
            _problem(problems, cells[refuse[0]][0], header, refuse[1], "vh.date_mixed", dm_row=first_d,
                     dm_value=day_first[0][1], md_row=first_m, md_value=month_first[0][1])
        elif not day_first and not month_first and any(s[2] != s[3] for s in slashed):
            unsure = [s for s in slashed if s[2] != s[3]]
            _problem(problems, cells[unsure[0][0]][0], header, unsure[0][1], "vh.date_ambiguous",
                     count=len(unsure), rows=_rows_text(cells[s[0]][0] for s in unsure))
            refuse = unsure[0]
        kind = "m/d/y" if month_first else "d/m/y"
        kinds.add(kind if refuse is None else "ambiguous")
        for at, text, first, second, year in slashed:
            if refuse is not None:
                parsed[at] = None
                continue
            day, month = (second, first) if kind == "m/d/y" else (first, second)
            parsed[at] = _make_date((year, month, day), cells[at][0], header, text, problems)
    return parsed, "date:" + "+".join(sorted(kinds)) if kinds else "date:-"


def _make_date(parts, row, header, text, problems):
    try:
        return dt.date(*parts)
    except ValueError:
        _problem(problems, row, header, text, "vh.no_such_date")
        return None


_CODE_FIRST = re.compile(r"^(?:(?:ik|ic|code|kategorie|category)\s*)?([0-9]{1,3})(?:\s*[-–—:.)]\s*|\s+|$)(.*)$",
                         re.IGNORECASE | re.DOTALL)
_CODE_LAST = re.compile(r"^(.*?)\s*[(\[]([0-9]{1,3})[)\]]$", re.DOTALL)


def category(value) -> tuple[str | None, str | None]:
    """'060 - Wasserwirtschaft', '060 Text', '60', 60 or 'Text only' -> (code or None, text or None)."""
    if readers.is_blank(value):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return f"{int(value):03d}", None
    text = _cell_text(value)
    if match := _CODE_FIRST.match(text):
        return f"{int(match[1]):03d}", match[2].strip() or None
    if match := _CODE_LAST.match(text):
        return f"{int(match[2]):03d}", match[1].strip() or None
    return None, text


_LOCATION_PLZ_FIRST = re.compile(r"^(?:(?:D|DE)\s*-\s*|(?:D|DE)\s+)?([0-9]{5})\s*,?\s+(.+)$", re.IGNORECASE)
_LOCATION_PLZ_LAST = re.compile(r"^(.+?)\s*,?\s*\(?\b([0-9]{5})\)?$")
_NUTS = re.compile(r"^DE[0-9A-G](?:[0-9A-Z]{1,2})?$")
_POSTCODE = re.compile(r"^(?:(?:D|DE)\s*-?\s*)?([0-9]{4,5})$", re.IGNORECASE)


def location(value) -> tuple[str | None, str | None, str | None]:
    """'24103 Kiel', 'D-24103 Kiel', 'Kiel (24103)', 'Kiel' or a NUTS code -> (postcode, place, nuts)."""
    text = _cell_text(value)
    if not text:
        return None, None, None
    if _NUTS.match(text):
        return None, None, text
    if match := _LOCATION_PLZ_FIRST.match(text):
        return match[1], match[2].strip(" ,"), None
    if (code := postcode(value)) is not None:
        return code, None, None          # a postcode alone ("24103", "D-24103", or 1067 as a number cell)
    if match := _LOCATION_PLZ_LAST.match(text):
        return match[2], match[1].strip(" ,"), None
    return None, text, None


def postcode(value) -> str | None:
    """24103, 1067 (a number that lost its zero), '01067' or 'D-01067' -> '01067'; None when it is none."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{int(value):05d}" if float(value).is_integer() and 1000 <= value <= 99999 else None
    match = _POSTCODE.match(_cell_text(value))
    return match[1].zfill(5) if match else None


# ---- rows that are not operations ------------------------------------------------------------------------------

def _sum_word(text: str) -> bool:
    """'Summe', 'Gesamt:', 'Total EFRE' (not 'Gesamtschule Kiel')."""
    first = re.match(r"[^\W\d_]+", text.casefold())
    return first is not None and first[0] in _SUM_WORDS


def _skip_reason(cells: list, columns: dict[str, int], header_texts: list[str]) -> str | None:
    """'vh.sum_row', 'vh.footnote', 'vh.section_row' or 'vh.repeated_header' for a row that is no operation."""
    def at(name):
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    beneficiary, operation = _cell_text(at("beneficiary")), _cell_text(at("operation"))
    header_of = [_cell_text(header_texts[columns[n]]) if columns.get(n, len(header_texts)) < len(header_texts)
                 else None for n in ("beneficiary", "operation")]
    if beneficiary and operation and beneficiary != operation and not _sum_word(beneficiary) \
            and not _sum_word(operation):
        # the common case, decided on two cells: an operation, or the header repeated (page breaks of an export)
        return "vh.repeated_header" if [beneficiary, operation] == header_of else None
    filled = [c for c in cells if not readers.is_blank(c)]
    texts = [_cell_text(c) for c in filled]
    sums = {text for text in texts if _sum_word(text)}
    if sums and (not beneficiary or beneficiary in sums) and (not operation or operation in sums):
        return "vh.sum_row"
    if len(set(texts)) == 1 and len(filled) > 1:
        return "vh.section_row"          # a merged row across the table: a heading such as a priority axis
    if readers.is_blank(at("eligible_eur")) and not (beneficiary and operation):
        first = texts[0].casefold() if texts else ""
        if len(filled) <= 2 or first.startswith(_FOOTNOTE_STARTS):
            return "vh.footnote"
    return None


# ---- reading ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Source:
    """A file as read: every sheet's cells, before a header is found or a mapping applied. `read` takes it in place
    of the bytes, so a changed mapping is applied to the cells already read; nothing here changes them."""

    file_name: str
    sha256: str
    grids: tuple[readers.Grid, ...]


_last_read: tuple[tuple[str, str], Source | readers.ReadError] | None = None
_last_read_lock = threading.Lock()


def load(data: bytes, file_name: str) -> Source:
    """The file's sheets as read (readers.ReadError when the file is unreadable). The last file read is kept (by
    content and name), so the Daten page's mapping, the check after it and the command line's saved mapping
    before its check read the bytes once; one file only, the cells of 20,000 rows take some 30 MB."""
    global _last_read
    key = (hashlib.sha256(data).hexdigest(), file_name)
    with _last_read_lock:
        known = _last_read
    if known is not None and known[0] == key:
        found = known[1]
    else:
        try:
            found = Source(file_name, key[0], tuple(readers.read_grids(data, file_name)))
        except readers.ReadError as exc:
            found = exc
        with _last_read_lock:
            _last_read = (key, found)
    if isinstance(found, readers.ReadError):
        raise readers.ReadError(found.code, **found.values)
    return found


def read(data: bytes | Source, file_name: str, mapping: dict | None = None, *, rows: bool = True) -> Listing:
    """Read a published list of operations (CSV or xlsx); raises readers.ReadError when the file is unreadable.

    Everything else is reported in the Listing: problems by row and column (the rows stay, the value is None),
    or a refusal (no rows) naming the required fields that no column means and the header cells seen.
    `data` may be the file's bytes or its `Source` (a listing's `source`: another mapping of the cells read);
    rows=False stops after the header and the columns (no rows, no conventions): enough for `layout_key` and
    `Listing.mapping`.
    """
    read_from = data if isinstance(data, Source) else load(data, file_name)
    grids = read_from.grids
    mapping = dict(mapping or {})
    extra = {" ".join(_words(v)) for v in mapping.values() if isinstance(v, str) and len(_words(v)) > 0}
    found = [h for h in (_find_header(g, extra) for g in grids) if h is not None]
    sheets = [g.sheet_name for g in grids if g.sheet_name is not None]
    problems: list[Problem] = []
    notes: list[Problem] = []
    if not found:
        grid = max(grids, key=lambda g: len(g.rows))
        position = max(range(min(len(grid.rows), HEADER_SCAN_ROWS)),
                       key=lambda i: (sum(1 for c in grid.rows[i][1] if _headerish(c)), -i))
        header = _Header(grid, position, 1, [_cell_text(c) for c in grid.rows[position][1]], ())
    else:
        header = max(found, key=lambda h: h.rank)       # first sheet wins a tie
    grid = header.grid
    header_rows = tuple(grid.rows[header.position + i][0] for i in range(header.rows))
    texts = header.texts
    if len(grids) > 1:
        notes.append(ListingProblem(None, None, grid.sheet_name or "", "vh.sheet_chosen",
                                    {"sheet": grid.sheet_name, "count": len(grids)}))
    if header.rows == 2:
        notes.append(ListingProblem(header_rows[1], None, "", "vh.second_header_row",
                                    {"row": header_rows[1], "first": header_rows[0]}))
    columns_at = _apply_mapping(mapping, texts, _assign(texts), problems)
    columns_at = {name: at for name, at in columns_at.items() if at < max(len(texts), 1) or name in mapping}
    header_of = {name: (texts[at] if at < len(texts) and texts[at] else column_letter(at))
                 for name, at in columns_at.items()}
    columns = {name: Column(header_of[name], at) for name, at in
               sorted(columns_at.items(), key=lambda item: list(FIELDS).index(item[0]))}
    used = set(columns_at.values())
    unmapped = [Column(text, at) for at, text in enumerate(texts) if text and at not in used]
    listing = Listing(file_name=file_name, file_format=grid.file_format, sheet=grid.sheet_name, sheets=sheets,
                      header_rows=header_rows, headers=texts, columns=columns, unmapped=unmapped, conventions={},
                      rows=pd.DataFrame({name: pd.Series(dtype=object) for name in OUTPUT}), problems=problems,
                      notes=notes, encoding=grid.encoding, delimiter=grid.delimiter, source=read_from)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        problems.append(ListingProblem(None, None, "", "vh.missing_fields", {
            "fields": tuple(missing), "row": header_rows[0], "sheet": grid.sheet_name or file_name,
            "headers": tuple(h for h in texts if h)}))
    if problems or not rows:
        return listing
    if unmapped:
        notes.append(ListingProblem(None, None, "", "vh.unmapped_columns",
                                    {"headers": tuple(c.header for c in unmapped)}))

    data_rows = []
    for number, cells in grid.rows[header.position + header.rows:]:
        reason = _skip_reason(cells, columns_at, texts)
        if reason:
            notes.append(ListingProblem(number, None, next((_cell_text(c) for c in cells if not readers.is_blank(c)),
                                                           ""), reason, {}))
        else:
            data_rows.append((number, cells))
    listing.rows = _normalise(data_rows, columns, listing.conventions, problems)
    if grid.sheet_name is not None:        # checks.Problem names the sheet where a workbook has one
        for problem in problems + notes:
            problem.sheet = grid.sheet_name
    return listing


def _normalise(data_rows, columns: dict[str, Column], conventions: dict[str, str],
               problems: list[Problem]) -> pd.DataFrame:
    """The rows as OUTPUT columns, each column read with the convention its values settle."""
    numbers = [number for number, _ in data_rows]
    out: dict[str, list] = {name: [None] * len(data_rows) for name in OUTPUT}
    out["row"] = numbers

    def cells_of(name):
        index = columns[name].index
        return [(number, cells[index] if index < len(cells) else None) for number, cells in data_rows]

    for name, column in columns.items():
        kind = FIELDS[name][0]
        cells = cells_of(name)
        if kind == "money":
            out[name], conventions[name] = _money(cells, column.header, problems)
        elif kind == "pct":
            out[name], conventions[name] = _percentages(cells, column.header, problems)
        elif kind == "date":
            out[name], conventions[name] = _dates(cells, column.header, problems)
        else:                               # text, postcode, location, category: split below
            values = []
            for number, value in cells:
                values.append(None if _special(value, number, column.header, problems) else _cell_text(value) or None)
            out[name] = values
    if "category" in columns:
        split = [category(v) for v in out["category"]]
        out["category_code"] = [code for code, _ in split] if "category_code" not in columns else out["category_code"]
        out["category_text"] = [text for _, text in split]
        conventions["category"] = "category:" + "+".join(sorted(
            {("code" if c else "") + ("+text" if x else "") for c, x in split if c or x} or {"-"}))
    if "category_code" in columns:
        out["category_code"] = [category(v)[0] if v else None for v in out["category_code"]]
    _places(out, columns, conventions, problems)
    for name in REQUIRED:
        for (number, raw), value in zip(cells_of(name), out[name]):
            if value is None and readers.is_blank(raw):   # an unreadable value has its own problem
                _problem(problems, number, columns[name].header, "", "vh.required")
    if "start_date" in columns and "end_date" in columns:
        for at, (start, end) in enumerate(zip(out["start_date"], out["end_date"])):
            if start is not None and end is not None and end < start:
                _problem(problems, numbers[at], columns["end_date"].header, end.isoformat(), "vh.end_before_start",
                         start=start, end=end)
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    return pd.DataFrame(out, columns=list(OUTPUT))


def _places(out: dict[str, list], columns: dict[str, Column], conventions: dict[str, str],
            problems: list[Problem]) -> None:
    """postcode, place and NUTS code from the postcode and location columns."""
    raw_postcodes = out["postcode"]
    out["location"] = out["location"] if "location" in columns else [None] * len(out["row"])
    split = [location(v) for v in out["location"]]
    postcodes, places, nuts = [], [], []
    german = [(c or "").casefold() in _GERMANY or not c for c in out["country"]]
    for at, (from_location, place, code) in enumerate(split):
        given = raw_postcodes[at]
        if given is not None:
            found = postcode(given) if german[at] else given
            if found is None:
                found = location(given)[0]
                if found is None:
                    _problem(problems, out["row"][at], columns["postcode"].header, given, "vh.postcode")
                elif place is None:
                    place = location(given)[1]
            postcodes.append(found)
        else:
            postcodes.append(from_location)
        places.append(place)
        nuts.append(code)
    out["postcode"], out["place"], out["nuts"] = postcodes, places, nuts
    if "location" in columns:
        kinds = {("postcode+place" if p else "place") if pl else ("nuts" if n else "")
                 for (p, pl, n) in split if p or pl or n}
        conventions["location"] = "location:" + "+".join(sorted(kinds or {"-"}))
