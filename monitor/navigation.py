"""The page registry: each page's file, address, title and the roles allowed to open it."""

from __future__ import annotations

from dataclasses import dataclass

EVERYONE = ("leitung", "jury", "analyse", "datenpflege", "admin")


@dataclass(frozen=True)
class PageSpec:
    """One page of the dashboard."""

    file: str
    url_path: str
    title_key: str
    icon: str
    roles: tuple[str, ...]


PAGES = [
    PageSpec("pages/uebersicht.py", "uebersicht", "page.uebersicht", ":material/dashboard:", EVERYONE),
    PageSpec("pages/mittel.py", "mittel", "page.mittel", ":material/euro:", EVERYONE),
    PageSpec("pages/ziele.py", "ziele", "page.ziele", ":material/target:", EVERYONE),
    PageSpec("pages/fortschritt.py", "fortschritt", "page.fortschritt", ":material/timeline:", EVERYONE),
    # confidential: individual scores and recusals of applications that were not selected
    PageSpec("pages/bewerbungen.py", "bewerbungen", "page.bewerbungen", ":material/how_to_vote:", ("jury", "admin")),
    PageSpec("pages/daten.py", "daten", "page.daten", ":material/upload_file:", ("datenpflege", "admin")),
    PageSpec("pages/explorer.py", "explorer", "page.explorer", ":material/query_stats:", ("analyse", "admin")),
]


def pages_for(role: str) -> list[PageSpec]:
    """The pages a role may open, in menu order; the others are not registered at all."""
    return [page for page in PAGES if role in page.roles]
