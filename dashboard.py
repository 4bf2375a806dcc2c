"""Modellkommunen-Monitor: the role's navigation (with the page config) and the shared sidebar."""

import streamlit as st

from monitor import auth, context, navigation

try:
    identity = auth.identity()
except auth.RoleError as exc:
    st.error(str(exc))
    st.stop()

# pages the role may not see are not registered, so their URLs lead nowhere
current_page = navigation.register(identity.role)
context.enter(identity)
current_page.run()
