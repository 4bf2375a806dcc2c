"""Protokoll (admins only): who opened, downloaded, imported, undid and queried what; the whole log to download."""

import streamlit as st

from monitor import audit, context, db, fmt, tables
from monitor.i18n import t

ctx = context.current()
st.title(t("page.protokoll"))
st.caption(t("audit.caption"))
if db.server_mode():
    st.caption(t("audit.server"))
else:
    st.caption(t("audit.file", path=f"`{audit.log_path().name}`", megabytes=fmt.count(audit.max_bytes() // 2**20),
                 count=fmt.count(len(audit.files()))))

frame = audit.view(audit.read())
if frame.empty:
    st.info(t("audit.empty"))
    st.stop()

left, right = st.columns(2)
events = left.multiselect(t("audit.events"), list(audit.EVENTS), format_func=lambda e: t(f"audit.event.{e}"),
                          key="audit_events", placeholder=t("audit.all"))
needle = right.text_input(t("audit.subject"), key="audit_subject")
shown = audit.filtered(frame, events, needle)
tables.show(shown, "audit", title=t("audit.table"), filters=[*events, needle] if needle else events)
st.download_button(t("audit.download"), audit.on_download(audit.jsonl_bytes, "audit", "jsonl"),
                   file_name="audit.jsonl", mime="application/jsonl", key="audit_jsonl", icon=":material/download:",
                   on_click="ignore")
