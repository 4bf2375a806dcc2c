"""Modellkommunen-Monitor: page config, the role's navigation, the shared sidebar."""

from pathlib import Path

import streamlit as st

from monitor import auth, context, navigation
from monitor.i18n import t

st.set_page_config(page_title=t("app.title"), page_icon=str(Path(__file__).parent / "monitor" / "assets" / "icon.png"), layout="wide")

try:
    identity = auth.identity()
except auth.RoleError as exc:
    st.error(str(exc))
    st.stop()

# pages the role may not see are not registered, so their URLs lead nowhere
pages = [
    st.Page(spec.file, title=t(spec.title_key), icon=spec.icon, url_path=spec.url_path)
    for spec in navigation.pages_for(identity.role)
]
current_page = st.navigation(pages)
context.enter(identity)
current_page.run()
