"""Netzwerk: which recipients share goals and themes, who works on a topic, and whom can one learn from?"""

import streamlit as st

from monitor import context, fmt, network, queries as q, status, tables
from monitor.i18n import t

ctx = context.current()
lang = ctx.lang
programme = ctx.programme
st.title(t("page.netzwerk"))
st.caption(t("nw.caption", programme=programme["name_de" if lang == "de" else "name_en"], date=fmt.date(ctx.as_of)))

base = dict(ctx.params(), lang=lang)
nodes = q.run("network_nodes", **base)
if nodes.empty:
    st.info(t("app.no_data_yet", date=fmt.date(programme["decision_date"])))
    st.stop()
nodes = network.kind_labels(nodes, lang)
projects = status.describe(q.run("project_status", **ctx.params()), lang)
recipient_status = network.recipient_status(projects, lang)

# --- the graph -------------------------------------------------------------------------------------------
st.subheader(t("nw.graph_heading"))
left, right = st.columns([2, 1])
basis = left.segmented_control(t("nw.basis"), ["goals", "themes", "both"], format_func=lambda b: t(f"nw.basis.{b}"),
                               default="both", required=True, key="nw_basis") or "both"
min_shared = int(right.number_input(t("nw.min_shared"), min_value=1, max_value=50, value=3, step=1,
                                    key="nw_min_shared", help=t("nw.min_shared_help")))
edges = q.run("network_edges", **base, basis=basis, min_shared=min_shared)

positions = network.layout(nodes, edges)
st.plotly_chart(network.figure(nodes, edges, positions, t("nw.graph_title", basis=t(f"nw.basis_title.{basis}"),
                                                                  min=min_shared)),
                key="nw_graph", config={"displaylogo": False})
st.caption(t("nw.graph_note"))
linked = set(edges["source_id"]) | set(edges["target_id"])
st.markdown(t("nw.graph_summary", edges=len(edges), recipients=len(linked)))
isolated = nodes[~nodes["applicant_id"].isin(linked)]
if edges.empty:
    st.info(t("nw.no_edges"))
elif not isolated.empty:
    st.caption(t("nw.isolated", names=", ".join(isolated["recipient_name"])))

with st.expander(t("nw.edges_heading"), expanded=False):
    tables.show(edges, "netzwerk_verbindungen",
                ["source_name", "target_name", "shared_count", "shared_goals_count", "shared_themes_count",
                 "similarity_pct", "shared_goals", "shared_themes"],
                queries=("network_edges",), title=t("nw.edges_heading"),
                filters=(f"{t('nw.basis')}: {t(f'nw.basis.{basis}')}", f"{t('nw.min_shared')}: {min_shared}"))
with st.expander(t("nw.nodes_heading"), expanded=False):
    tables.show(nodes, "netzwerk_empfaenger",
                ["recipient_name", "recipient_kind_label", "kreis_name", "granted_eur", "goal_count", "theme_count",
                 "goal_list", "theme_list"], queries=("network_nodes",), title=t("nw.nodes_heading"))

# --- who works on topic X --------------------------------------------------------------------------------
st.subheader(t("nw.topic_heading"))
topics = q.run("network_topics", **base)
topics["topic_kind_label"] = [t(f"nw.topic_kind.{k}") for k in topics["topic_kind"]]
topics["topic_key"] = topics["topic_kind"] + ":" + topics["topic_id"]
labels = {
    row.topic_key: t("nw.topic_option", kind=row.topic_kind_label, label=row.topic_label, count=row.recipient_count)
    for row in topics.itertuples(index=False)
}
topic_key = st.selectbox(t("nw.topic"), list(labels), format_func=labels.get, key="nw_topic", help=t("nw.topic_help"))
chosen = topics[topics["topic_key"] == topic_key].iloc[0]
on_topic = q.run("topic_recipients", **ctx.params(), topic_kind=chosen["topic_kind"], topic_id=chosen["topic_id"])
if on_topic.empty:
    st.info(t("nw.topic_none", topic=chosen["topic_label"]))
else:
    on_topic = network.kind_labels(on_topic, lang).merge(
        projects[["project_id", "light_label", "progress_pct"]], on="project_id", how="left")
    st.markdown(t("nw.topic_summary", topic=chosen["topic_label"], count=on_topic["applicant_id"].nunique(),
                  names=", ".join(on_topic["recipient_name"].drop_duplicates())))
    # whom to ask first: who has already reached milestones, then what the project is
    topic_columns = ["recipient_name", "light_label", "milestones_done_count", "done_milestones", "last_done_date",
                     "progress_pct", "title", "kreis_name", "granted_eur"]
    if chosen["topic_kind"] == "goal":
        topic_columns.append("goal_weight_pct")
    tables.show(on_topic, "netzwerk_thema", topic_columns, queries=("topic_recipients", "project_status"),
                title=t("nw.topic_heading"), filters=(f"{chosen['topic_kind_label']}: {chosen['topic_label']}",))
st.caption(t("nw.themes_note"))
with st.expander(t("nw.topics_heading"), expanded=False):
    tables.show(topics, "netzwerk_themen",
                ["topic_kind_label", "topic_label", "recipient_count", "topic_projects_count", "tagged_eur",
                 "recipient_names"], queries=("network_topics",), title=t("nw.topics_heading"))

# --- whom can I learn from -------------------------------------------------------------------------------
st.subheader(t("nw.learn_heading"))
names = dict(zip(nodes["applicant_id"], nodes["recipient_name"]))
applicant_id = st.selectbox(t("nw.recipient"), list(names), format_func=names.get, key="nw_recipient")
similar = q.run("similar_recipients", **base, applicant_id=applicant_id)
st.caption(t("nw.learn_caption"))
if similar.empty:
    st.info(t("nw.learn_none", name=names[applicant_id]))
else:
    similar = network.kind_labels(similar, lang).merge(recipient_status, on="applicant_id", how="left")
    best = similar.iloc[0]
    st.markdown(t("nw.learn_best", name=names[applicant_id], best=best["recipient_name"]))
    cards = st.columns(min(3, len(similar)))
    for column, row in zip(cards, similar.head(3).itertuples(index=False)):
        with column.container(border=True):
            st.markdown(f"**{row.recipient_name}**")
            st.caption(t("nw.learn_card", similarity=fmt.pct(row.similarity_pct), kind=row.recipient_kind_label,
                         kreis=row.kreis_name or "–"))
            st.markdown(t("nw.learn_shared", goals=row.shared_goals if isinstance(row.shared_goals, str) else "–",
                          themes=row.shared_themes if isinstance(row.shared_themes, str) else "–"))
            light = status.light_markdown(row.light, lang) if isinstance(row.light, str) else "–"
            st.markdown(t("nw.learn_progress", light=light, progress=fmt.pct(row.progress_pct)))
    tables.show(similar, "netzwerk_aehnlich",
                ["recipient_name", "recipient_kind_label", "kreis_name", "similarity_pct", "shared_count",
                 "shared_goals", "shared_themes", "light_label", "progress_pct", "last_report_date"],
                queries=("similar_recipients", "project_status"), title=t("nw.learn_heading"),
                filters=(f"{t('nw.recipient')}: {names[applicant_id]}",))
