"""The shared sidebar and the state every page reads: programme, Stichtag, language, role."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from monitor import a11y, auth, db, fmt, navigation, pg, queries as q
from monitor.auth import Identity
from monitor.i18n import LANGUAGE_NAMES, LANGUAGES, language_from_url, t


@dataclass(frozen=True)
class Context:
    """What a page needs to know before it queries anything."""

    programme_id: str
    programme: dict
    as_of: dt.date
    first_date: dt.date
    last_data_date: dt.date
    lang: str
    role: str
    is_demo: bool
    last_date: dt.date | None = None  # the latest Stichtag allowed (may lie after the last data date)

    def params(self) -> dict:
        """The parameters nearly every query takes."""
        return {"programme_id": self.programme_id, "as_of": self.as_of}


@st.cache_resource(show_spinner=False)
def _open_database(where: str) -> db.OpenResult:
    # once per process and database: build a missing database, set a damaged one aside and rebuild it; in server mode
    # connect, make the schema and the first snapshot, and start the watcher that refreshes it
    if where != SERVER:
        return db.ensure_database(db.Path(where))
    from monitor import store

    result = store.ensure()
    store.watch()   # refresh the snapshot when another process writes to PostgreSQL
    return result


SERVER = "postgresql"   # the cache key in server mode: a refresh names a new snapshot file, not a new database


def open_database() -> db.OpenResult:
    """Make sure the database exists and is healthy; tell the user what had to be done."""
    result = _open_database(SERVER if db.server_mode() else str(db.database_path()))
    notice = result.notice()   # what was rebuilt and which imports were restored (monitor/db.py)
    if notice:
        from monitor import markup  # (the notice names server paths: text, never Markdown)

        st.warning(markup.text(notice), icon=":material/build:")
    return result


def _as_date(value) -> dt.date:
    return pd.Timestamp(value).date()


# Streamlit's date field applies a typed date only when the user clicks elsewhere (and that click is lost); on
# Enter inside the field this simulates that click on the page body. Our own constant code, no user text.
_ENTER_COMMITS_DATE = """<script>
if (!window.__enterCommitsDate) {
  window.__enterCommitsDate = true;
  document.addEventListener('keydown', event => {
    const field = event.target.closest && event.target.closest('[data-testid="stDateInputField"]');
    if (event.key !== 'Enter' || !field) return;
    for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click']) {
      const Event_ = type.startsWith('pointer') ? PointerEvent : MouseEvent;
      document.body.dispatchEvent(new Event_(type, {bubbles: true}));
    }
  }, true);
}
</script>"""


def _check_url_stichtag(first: dt.date, last: dt.date, default: dt.date) -> str | None:
    """A notice when a shared link's ?stichtag= is no date or out of range (the date input then ignores it).

    The notice is kept for the session until another day is chosen, since the widget drops the bad value from
    the URL on its first run.
    """
    raw = st.query_params.get("stichtag")
    if raw is not None and raw != "":
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            st.session_state["_stichtag_notice"] = t(
                "app.stichtag_invalid", value=raw[:40], used=fmt.date(default))
        else:
            if not first <= day <= last:
                st.session_state["_stichtag_notice"] = t(
                    "app.stichtag_out_of_range", value=fmt.date(day), first=fmt.date(first), last=fmt.date(last),
                    used=fmt.date(default))
            else:
                st.session_state.pop("_stichtag_notice", None)
    return st.session_state.get("_stichtag_notice")


def sidebar(identity: Identity) -> Context:
    """Draw the shared sidebar (language, programme, Stichtag, role) and return the page context."""
    # the URL keeps language and Stichtag (?lang=en&stichtag=2021-06-30), so a copied link restores the view
    if st.session_state.get("lang") not in LANGUAGES:
        st.session_state["lang"] = language_from_url()
    with st.sidebar:
        lang = st.segmented_control(
            t("app.language"), options=list(LANGUAGES), format_func=LANGUAGE_NAMES.get,
            required=True, key="lang",
        ) or "de"
        programmes = q.run("programmes")
        if programmes.empty:
            st.error(t("app.no_programme"))
            st.stop()
        ids = programmes["programme_id"].tolist()
        names = dict(zip(ids, programmes["name_de" if lang == "de" else "name_en"]))
        programme_id = ids[0]
        if len(ids) > 1:
            # not a bound widget: that would put the programme's name (in the UI language) into the URL; the link
            # keeps its id (?programm=efre-test), set below like the language
            if st.session_state.get("programm") not in ids:
                wanted = st.query_params.get("programm")
                st.session_state["programm"] = wanted if wanted in ids else ids[0]
            programme_id = st.selectbox(t("app.programme"), ids, format_func=names.get, key="programm")
        programme = programmes.set_index("programme_id").loc[programme_id].to_dict()

        span = q.run("data_date_range", programme_id=programme_id, today=dt.date.today()).iloc[0]
        first, last_data = _as_date(span["first_date"]), _as_date(span["last_data_date"])
        last, default = _as_date(span["last_date"]), _as_date(span["default_date"])
        chosen_day = st.session_state.get("stichtag")
        if isinstance(chosen_day, dt.date) and not first <= chosen_day <= last:
            del st.session_state["stichtag"]   # a day outside the newly chosen programme's span: its default
        notice = _check_url_stichtag(first, last, default)
        as_of = st.date_input(
            t("app.stichtag"), value=default, min_value=first, max_value=last, format="DD.MM.YYYY",
            key="stichtag", bind="query-params", help=t("app.stichtag_help"),
        ) or default
        # the date field commits a typed date only on a click elsewhere; make Enter commit it too
        st.html(_ENTER_COMMITS_DATE, unsafe_allow_javascript=True)
        a11y.page_setup(lang)   # <html lang>, skip link, focus outlines, caption contrast, chart names

        if identity.source == "default":
            st.caption(t("app.local_mode", role=t(f"role.{identity.role}")))
        elif identity.source != "login":   # (signed in: monitor/login.py names the user and the role)
            st.caption(t("app.configured_role", role=t(f"role.{identity.role}"), source=identity.source))
        is_demo = bool(q.run("build_info")["is_demo"].iloc[0])
        if is_demo:
            st.caption(":material/science: " + t("app.demo_note"))
        if db.server_mode():
            from monitor import store

            snapshot = store.current()
            st.caption(":material/database: " + t("srv.snapshot", version=fmt.count(snapshot.version, lang),
                                                   time=dt.datetime.fromtimestamp(snapshot.made_at).strftime("%H:%M:%S")))
    ctx = Context(programme_id, programme, as_of, first, last_data, lang, identity.role, is_demo, last)
    st.session_state["_context"] = ctx
    if notice and as_of == default:
        st.warning(notice, icon=":material/event_busy:")
    if as_of > last_data:
        st.info(t("app.no_data_after", date=fmt.date(last_data, lang), stichtag=fmt.date(as_of, lang)),
                icon=":material/info:")
    # the language is not a bound widget: bound widgets put the label ("English") into the URL
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang
    if len(ids) > 1 and st.query_params.get("programm") != programme_id:
        st.query_params["programm"] = programme_id
    return ctx


def enter(identity: Identity) -> Context:
    """Open the database and draw the shared sidebar; stops the run with a clear message on failure."""
    try:
        open_database()
    except db.BuildError as exc:
        st.error(t("app.db_error", error=str(exc)))
        st.stop()
    except db.DatabaseBusy as exc:
        st.error(str(exc))
        st.stop()
    except pg.StoreError as exc:
        from monitor import markup

        st.error(markup.text(str(exc)))   # PostgreSQL unreachable or of another schema: what, where, how to fix
        st.stop()
    return sidebar(identity)


def current() -> Context:
    """The context for the running page (pages call this first)."""
    from streamlit.runtime.pages_manager import PagesManager

    if not PagesManager.uses_pages_directory and "_context" in st.session_state:
        return st.session_state["_context"]
    # Streamlit runs a page straight from the pages/ folder on a fresh server's first run (and in
    # AppTest), without dashboard.py: check the role here so no page is ever reached unchecked.
    page_file = Path(sys._getframe(1).f_globals.get("__file__", "")).name
    try:
        identity = auth.identity()
    except auth.RoleError as exc:
        st.error(str(exc))
        st.stop()
    if page_file not in {Path(spec.file).name for spec in navigation.pages_for(identity.role)}:
        st.error(t("app.forbidden", role=t(f"role.{identity.role}")))
        st.stop()
    if PagesManager.uses_pages_directory:
        # replace the pages/ folder listing with the role's navigation (this also leaves that mode)
        navigation.register(identity.role)
        if "_context" not in st.session_state:
            # a session's very first run: start over through dashboard.py, so that this page's widgets
            # belong to the navigation's page (an upload on the folder-mode page would be lost)
            st.rerun()
    return enter(identity)


def stichtag_caption(ctx: Context) -> str:
    """'Stand: 30.06.2021' for page headers."""
    return f"{t('app.stichtag')}: {fmt.date(ctx.as_of, ctx.lang)}"
