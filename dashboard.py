"""Modellkommunen-Monitor: the role's navigation (with the page config) and the shared sidebar."""

import streamlit as st

from monitor import audit, auth, context, login, navigation

try:
    # with login configured: the signed-in user's role, checked on every run (or the login / no-access page)
    identity = auth.identity()
except auth.RoleError as exc:
    st.error(str(exc))
    st.stop()

# pages the role may not see are not registered, so their URLs lead nowhere
current_page = navigation.register(identity.role)
ctx = context.enter(identity)
login.account(identity)
audit.page_opened(current_page.url_path, ctx.as_of, ctx.programme_id)
current_page.run()
