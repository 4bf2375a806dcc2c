"""Erklärung zur Barrierefreiheit: what of BITV 2.0 (WCAG 2.1 AA) the dashboard meets, what not, and the
alternatives."""

import datetime as dt

import streamlit as st

from monitor import context, fmt
from monitor.i18n import t

# the day the statement was last checked against the app (BITV 2.0 asks for it; update it with every review)
REVIEWED = dt.date(2026, 11, 30)

ctx = context.current()
st.title(t("a11y.title"))
st.caption(t("a11y.caption", date=fmt.date(REVIEWED, ctx.lang)))

st.markdown(t("a11y.scope"))

st.header(t("a11y.status_heading"))
st.markdown(t("a11y.status"))

st.header(t("a11y.met_heading"))
st.markdown(t("a11y.met"))

st.header(t("a11y.not_met_heading"))
st.markdown(t("a11y.not_met"))

st.header(t("a11y.alternatives_heading"))
st.markdown(t("a11y.alternatives"))

st.header(t("a11y.method_heading"))
st.markdown(t("a11y.method"))

st.header(t("a11y.feedback_heading"))
st.markdown(t("a11y.feedback"))
