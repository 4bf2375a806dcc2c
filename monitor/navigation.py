"""The page registry: each page's file, address, title and the roles allowed to open it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
    PageSpec("pages/netzwerk.py", "netzwerk", "page.netzwerk", ":material/hub:", EVERYONE),
    # one recipient at a time (?empfaenger=…); the jury's verdict on it only for jury and admin (in the page)
    PageSpec("pages/profil.py", "profil", "page.profil", ":material/account_box:", EVERYONE),
    # BITV 2.0 asks for the statement to be reachable from every page
    PageSpec("pages/barrierefreiheit.py", "barrierefreiheit", "page.barrierefreiheit", ":material/accessibility:",
             EVERYONE),
]


ICON = Path(__file__).with_name("assets") / "icon.png"

# the audit log (monitor/audit.py): who opened, exported, imported and queried what; administrators only
PAGES.append(PageSpec("pages/protokoll.py", "protokoll", "page.protokoll", ":material/policy:", ("admin",)))


def register(role: str):
    """Page config and the role's pages in st.navigation; returns the page the URL asks for."""
    import streamlit as st

    from monitor.i18n import t

    # a local icon: without one the browser would fetch the page's Material icon from Google
    st.set_page_config(page_title=t("app.title"), page_icon=str(ICON), layout="wide")
    current = st.navigation([
        st.Page(spec.file, title=t(spec.title_key), icon=spec.icon, url_path=spec.url_path)
        for spec in pages_for(role)
    ])
    # each page its own browser title (WCAG 2.4.2), the page first: "Übersicht · Modellkommunen-Monitor"
    st.set_page_config(page_title=page_title(current.title))
    return current


def page_title(title: str) -> str:
    """The browser title of a page: its own name, then the app's."""
    from monitor.i18n import t

    return f"{title} · {t('app.title')}"


def pages_for(role: str) -> list[PageSpec]:
    """The pages a role may open, in menu order; the others are not registered at all."""
    return [page for page in PAGES if role in page.roles]
