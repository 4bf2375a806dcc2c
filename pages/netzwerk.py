"""Netzwerk: which recipients share goals and themes, who works on a topic, and whom can one learn from?

Bounded at any size: the graph draws the MAX_NODES recipients with the largest grant and at most MAX_EDGES
links (each keeps its strongest ones), the lists show the first rows ranked in SQL, with "N von M" beside them.
"""

import streamlit as st

from monitor import amounts, charts, context, fmt, markup, network, profile, queries as q, status, tables
from monitor.i18n import t

MAX_NODES = 100   # recipients drawn in the graph
MAX_EDGES = 300   # links drawn in the graph
ROWS = 50         # rows of the topic and similarity lists
NAMES = 10        # names in a sentence before "und N weitere"
PICK_ROWS = 200   # recipients offered in the chooser at once (a search narrows a longer list)

ctx = context.current()
lang = ctx.lang
programme = ctx.programme
st.title(t("page.netzwerk"))
st.caption(t("nw.caption", programme=markup.text(programme["name_de" if lang == "de" else "name_en"]),
             date=fmt.date(ctx.as_of)))

base = dict(ctx.params(), lang=lang)
nodes = q.run("network_nodes", **base)
if nodes.empty:
    first = q.run("first_decision", **ctx.params()).iloc[0]
    st.info(t("app.no_projects_yet", date=fmt.date(first["first_decision_date"])))
    st.stop()
nodes = network.kind_labels(nodes, lang).assign(
    profile_url=lambda frame: profile.urls(frame["applicant_id"], ctx.programme_id, ctx.as_of, lang))


def names(values, total: int) -> str:
    """Up to NAMES names joined, "und N weitere" when total is larger."""
    shown = [markup.text(v) for v in list(values)[:NAMES]]
    text = ", ".join(shown)
    return text if total <= len(shown) else t("nw.and_more", names=text, count=fmt.count(total - len(shown)))


# --- the graph -------------------------------------------------------------------------------------------
st.header(t("nw.graph_heading"))
left, right = st.columns([2, 1])
basis = left.segmented_control(t("nw.basis"), ["goals", "themes", "both"], format_func=lambda b: t(f"nw.basis.{b}"),
                               default="both", required=True, key="nw_basis") or "both"
min_shared = int(right.number_input(t("nw.min_shared"), min_value=1, max_value=50, value=3, step=1,
                                    key="nw_min_shared", help=t("nw.min_shared_help")))
edges = q.run("network_edges", **base, basis=basis, min_shared=min_shared, max_nodes=MAX_NODES, max_edges=MAX_EDGES)
drawn = nodes[nodes["node_rank"] <= MAX_NODES]

positions = network.layout(drawn, edges)
charts.show(network.figure(drawn, edges, positions, t("nw.graph_title", basis=t(f"nw.basis_title.{basis}"),
                                                              min=min_shared), programme=programme),
            key="nw_graph", config={"displaylogo": False},
            description=t("ds.nw.graph_desc", recipients=fmt.count(len(drawn)), links=fmt.count(len(edges)),
                          basis=t(f"nw.basis_title.{basis}"), min=min_shared))
st.caption(amounts.text("nw.graph_note", programme))
if len(nodes) > len(drawn):
    st.markdown(t("nw.graph_nodes_bounded", shown=fmt.count(len(drawn)), total=fmt.count(len(nodes))))
if not edges.empty and edges["neighbour_limit"].notna().iloc[0]:
    st.markdown(t("nw.graph_edges_bounded", candidates=fmt.count(edges["candidate_count"].iloc[0]),
                  k=int(edges["neighbour_limit"].iloc[0]), edges=fmt.count(len(edges))))
linked = set(edges["source_id"]) | set(edges["target_id"])
st.markdown(t("nw.graph_summary", edges=fmt.count(len(edges)), recipients=fmt.count(len(linked))))
isolated = drawn[~drawn["applicant_id"].isin(linked)]
if edges.empty:
    st.info(t("nw.no_edges"))
elif not isolated.empty:
    st.caption(t("nw.isolated", names=names(isolated["recipient_name"], len(isolated))))

with st.expander(t("nw.edges_heading"), expanded=False):
    tables.show(edges, "netzwerk_verbindungen",
                ["source_name", "target_name", "shared_count", "shared_goals_count", "shared_themes_count",
                 "similarity_pct", "shared_goals", "shared_themes"],
                queries=("network_edges",), title=t("nw.edges_heading"),
                filters=(f"{t('nw.basis')}: {t(f'nw.basis.{basis}')}", f"{t('nw.min_shared')}: {min_shared}"))
with st.expander(t("nw.nodes_heading"), expanded=False):
    amounts.show(nodes, "netzwerk_empfaenger",
               ["recipient_name", "profile_url", "recipient_kind_label", "kreis_name", "granted_eur", "goal_count",
                "theme_count", "goal_list", "theme_list"], programme, queries=("network_nodes",),
               title=t("nw.nodes_heading"))

# --- who works on topic X --------------------------------------------------------------------------------
st.header(t("nw.topic_heading"))
topics = q.run("network_topics", **base)
kind_labels = {k: t(f"nw.topic_kind.{k}") for k in ("goal", "theme")}
topics = topics.assign(topic_kind_label=topics["topic_kind"].map(kind_labels),
                       topic_key=topics["topic_kind"] + ":" + topics["topic_id"])
labels = {
    row.topic_key: t("nw.topic_option", kind=row.topic_kind_label, label=row.topic_label, count=row.recipient_count)
    for row in topics.itertuples(index=False)
}
topic_key = st.selectbox(t("nw.topic"), list(labels), format_func=labels.get, key="nw_topic", help=t("nw.topic_help"))
chosen = topics[topics["topic_key"] == topic_key].iloc[0]
on_topic = q.run("topic_recipients", **ctx.params(), topic_kind=chosen["topic_kind"], topic_id=chosen["topic_id"],
                 row_limit=ROWS)
if on_topic.empty:
    st.info(t("nw.topic_none", topic=markup.text(chosen["topic_label"])))
else:
    on_topic = network.light_labels(network.kind_labels(on_topic, lang), lang).assign(
        profile_url=lambda frame: profile.urls(frame["applicant_id"], ctx.programme_id, ctx.as_of, lang))
    recipients = on_topic["recipient_name"].drop_duplicates()
    st.markdown(t("nw.topic_summary", topic=markup.text(chosen["topic_label"]),
                  count=fmt.count(on_topic["recipients_count"].iloc[0]),
                  names=names(recipients, int(on_topic["recipients_count"].iloc[0]))))
    # whom to ask first: who has already reached milestones, then what the project is
    topic_columns = ["recipient_name", "profile_url", "light_label", "milestones_done_count", "done_milestones",
                     "last_done_date", "progress_pct", "title", "kreis_name", "granted_eur"]
    if chosen["topic_kind"] == "goal":
        topic_columns.append("goal_weight_pct")
    amounts.show(on_topic, "netzwerk_thema", topic_columns, programme, queries=("topic_recipients",),
                title=t("nw.topic_heading"), filters=(f"{chosen['topic_kind_label']}: {chosen['topic_label']}",))
    if on_topic["projects_count"].iloc[0] > len(on_topic):
        st.caption(t("nw.topic_head", shown=fmt.count(len(on_topic)),
                     total=fmt.count(on_topic["projects_count"].iloc[0])))
st.caption(t("nw.themes_note"))
with st.expander(t("nw.topics_heading"), expanded=False):
    tables.show(topics, "netzwerk_themen",
                ["topic_kind_label", "topic_label", "recipient_count", "topic_projects_count", "tagged_eur",
                 "recipient_names"], queries=("network_topics",), title=t("nw.topics_heading"))

# --- whom can I learn from -------------------------------------------------------------------------------
st.header(t("nw.learn_heading"))
candidates = nodes
if len(nodes) > PICK_ROWS:
    search = st.text_input(t("nw.recipient_search"), key="nw_recipient_search", help=t("nw.recipient_search_help"))
    if search.strip():
        candidates = nodes[nodes["recipient_name"].str.contains(search.strip(), case=False, regex=False)]
    st.caption(t("nw.recipient_choices", shown=fmt.count(min(len(candidates), PICK_ROWS)),
                 total=fmt.count(len(candidates))))
    candidates = candidates.head(PICK_ROWS)
if candidates.empty:
    st.info(t("nw.recipient_no_match"))
    st.stop()
choices = dict(zip(candidates["applicant_id"], candidates["recipient_name"]))
applicant_id = st.selectbox(t("nw.recipient"), list(choices), format_func=choices.get, key="nw_recipient")
similar = q.run("similar_recipients", **base, applicant_id=applicant_id, row_limit=ROWS)
st.caption(t("nw.learn_caption"))
if similar.empty:
    st.info(t("nw.learn_none", name=markup.text(choices[applicant_id])))
else:
    similar = network.light_labels(network.kind_labels(similar, lang), lang).assign(
        profile_url=lambda frame: profile.urls(frame["applicant_id"], ctx.programme_id, ctx.as_of, lang))
    best = similar.iloc[0]
    st.markdown(t("nw.learn_best", name=markup.text(choices[applicant_id]), best=markup.text(best["recipient_name"])))
    cards = st.columns(min(3, len(similar)))
    for column, row in zip(cards, similar.head(3).itertuples(index=False)):
        with column.container(border=True):
            st.markdown(f"**{markup.text(row.recipient_name)}**")
            st.caption(t("nw.learn_card", similarity=fmt.pct(row.similarity_pct), kind=row.recipient_kind_label,
                         kreis=markup.text(row.kreis_name or "–")))
            st.markdown(t("nw.learn_shared", goals=markup.text(row.shared_goals if isinstance(row.shared_goals, str)
                                                               else "–"),
                          themes=markup.text(row.shared_themes if isinstance(row.shared_themes, str) else "–")))
            light = status.light_markdown(row.light, lang) if isinstance(row.light, str) else "–"
            st.markdown(t("nw.learn_progress", light=light, progress=fmt.pct(row.progress_pct)))
    tables.show(similar, "netzwerk_aehnlich",
                ["recipient_name", "profile_url", "recipient_kind_label", "kreis_name", "similarity_pct",
                 "shared_count",
                 "shared_goals", "shared_themes", "light_label", "progress_pct", "last_report_date"],
                queries=("similar_recipients",), title=t("nw.learn_heading"),
                filters=(f"{t('nw.recipient')}: {choices[applicant_id]}",))
