"""Daten: import payments, milestones and progress reports, a programme's master data (Programm-Mappe) or an EU
"Liste der Vorhaben"; every problem shown first; commit; undo."""

import streamlit as st

from monitor import (
    batches,
    checks,
    consequences,
    context,
    daten_master,
    fmt,
    markup,
    queries as q,
    readers,
    tables,
    templates,
    uploader,
)
from monitor.db import Database, server_mode
from monitor.i18n import t

ctx = context.current()
who = consequences.person(st.session_state.get("_identity"))   # the history names the person (monitor/auth.py)
st.title(t("page.daten"))
st.caption(t("md.page.caption_server" if server_mode() else "md.page.caption"))
batches.ensure_change_table()

# a message from the run that committed or undid something (that run ended with st.rerun)
flash = st.session_state.pop("daten_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")

kind = st.segmented_control(
    t("dp.kind_label"), options=[*templates.KINDS, *batches.MASTER_KINDS], format_func=lambda k: t(f"dp.kind.{k}"),
    default="payments", required=True, key="daten_kind",
) or "payments"


def master_import() -> None:
    """Master data or a list of operations: templates, options, upload, check, mapping, commit."""
    st.header(t(f"md.page.first_heading.{kind}"))
    daten_master.templates_section(kind, ctx.lang)
    st.caption(t(f"md.page.limits.{kind}", mb=readers.MAX_UPLOAD_MB, rows=fmt.count(readers.MAX_ROWS)))
    st.header(t("dp.upload_heading"))
    options = daten_master.options_section(kind, ctx)
    round_ = st.session_state.setdefault("daten_upload_round", 0)
    upload = uploader.upload(t("dp.upload"), key=f"daten_upload_{kind}_{round_}")
    if upload is None:
        return
    data = upload.getvalue()
    if kind == "vorhabenliste":
        if not options.get("programme_id"):
            st.info(t("vl.page.need_programme"), icon=":material/info:")
            return
        mapping = daten_master.mapping_section(data, upload.name)
        if mapping:
            options["mapping"] = mapping
    check_key = (checks.sha256(data), upload.name, kind, repr(sorted(options.items())), Database.version())
    if st.session_state.get("daten_check_key") != check_key:
        with st.spinner(t("dp.checking")):
            st.session_state["daten_report"] = batches.check(data, upload.name, kind, options)
        st.session_state["daten_check_key"] = check_key
    report = st.session_state["daten_report"]
    if report.already:
        st.info(t("dp.already", batch=report.already["import_batch_id"],
                  when=fmt.date(report.already["imported_at"]), who=markup.text(report.already["imported_by"])),
                icon=":material/info:")
        return
    daten_master.report_section(report, ctx.lang, options)
    daten_master.commit_section(report, data, upload.name, kind, options, ctx, round_)


def activity_import() -> None:
    """Payments, milestones or reports: template, upload, check, preview, commit."""
    st.header(t("dp.template_heading"))
    st.markdown(t(f"dp.help.{kind}", days=checks.GRACE_DAYS))
    st.caption(t("dp.limits", mb=readers.MAX_UPLOAD_MB, rows=fmt.count(readers.MAX_ROWS)))
    german = ctx.lang == "de"
    left, right, _ = st.columns([1, 1, 2])
    left.download_button(
        t("dp.template_csv"), templates.template_csv(kind, german), file_name=f"vorlage_{kind}.csv", mime="text/csv",
        key="daten_template_csv", icon=":material/download:", on_click="ignore",
    )
    right.download_button(
        t("dp.template_xlsx"), templates.template_xlsx(kind, german), file_name=f"vorlage_{kind}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="daten_template_xlsx",
        icon=":material/download:", on_click="ignore",
    )

    st.header(t("dp.upload_heading"))
    # a new key after each commit empties the uploader, so the committed file is not shown as pending
    upload_round = st.session_state.setdefault("daten_upload_round", 0)
    upload = uploader.upload(t("dp.upload"), key=f"daten_upload_{upload_round}")

    if upload is not None:
        data = upload.getvalue()
        # the check runs once per file, kind and data version, not on every rerun of the page
        check_key = (checks.sha256(data), upload.name, kind, Database.version())
        if st.session_state.get("daten_check_key") != check_key:
            bar = st.progress(0.0, text=t("dp.checking"))
            st.session_state["daten_report"] = checks.check(
                data, upload.name, kind, progress=lambda share: bar.progress(share, text=t("dp.checking")))
            st.session_state["daten_check_key"] = check_key
            bar.empty()
        report = st.session_state["daten_report"]

        if report.already:
            st.info(t("dp.already", batch=report.already["import_batch_id"],
                      when=fmt.date(report.already["imported_at"]), who=markup.text(report.already["imported_by"])),
                    icon=":material/info:")
        else:
            figures = st.columns(5)
            figures[0].metric(t("dp.metric.rows"), fmt.count(report.rows_read), border=True)
            figures[1].metric(t("dp.metric.insert"), fmt.count(report.count("insert")), border=True)
            figures[2].metric(t("dp.metric.update"), fmt.count(report.count("update")), border=True)
            figures[3].metric(t("dp.metric.unchanged"), fmt.count(report.count("unchanged")), border=True)
            figures[4].metric(t("dp.metric.problems"), fmt.count(len(report.problems)), border=True)

            if report.problems:
                st.error(t("dp.has_problems", count=len(report.problems)), icon=":material/error:")
                st.markdown(f"**{t('dp.problems_heading')}**")
                tables.show(report.problem_frame(), "daten_fehler")
            if report.notes:
                with st.expander(f"{t('dp.notes_heading')} ({len(report.notes)})"):
                    for note in report.notes:
                        st.markdown(f"- {markup.text(note.column or note.value)}: {markup.text(note.reason())}")
            if report.changes:
                st.header(t("dp.preview_heading"))
                # recipient and effect on paid, planned and the light, from project_state_on (monitor/consequences.py)
                effects = consequences.effects(report, ctx.as_of, ctx.lang)
                if effects.after:
                    st.info(t("cq.after_note.one" if effects.after == 1 else "cq.after_note.many",
                              count=fmt.count(effects.after), as_of=fmt.date(ctx.as_of)), icon=":material/event:")
                lines = consequences.lines(effects, ctx.lang)
                if lines:
                    st.markdown(f"**{t('cq.effect_heading', as_of=fmt.date(ctx.as_of))}**")
                    st.markdown("\n".join(f"- {line}" for line in lines))
                    if len(report.changes) > len(lines):
                        st.caption(t("cq.effect_more") + (" " + t("cq.effect_limit", rows=fmt.count(
                            consequences.MAX_ROWS)) if len(report.changes) > consequences.MAX_ROWS else ""))
                tables.show(consequences.preview(report, effects, ctx.lang), "daten_vorschau")
            if report.ok and report.writes:
                st.success(t("dp.ready", insert=report.count("insert"), update=report.count("update")))
                if st.button(t("dp.commit_button"), key="daten_commit", type="primary", icon=":material/save:"):
                    bar = st.progress(0.0, text=t("dp.writing"))
                    try:
                        done = batches.commit(data, upload.name, kind, who=who,
                                              progress=lambda share: bar.progress(share, text=t("dp.writing")))
                    except Exception as exc:  # noqa: BLE001 - the transaction was rolled back; say so
                        bar.empty()
                        st.error(t("dp.commit_failed", error=markup.text(exc)))
                        st.stop()
                    bar.empty()
                    if done.batch_id is not None:
                        later = consequences.after_count(done, ctx.as_of)
                        st.session_state["daten_flash"] = t(
                            "cq.committed_after", batch=done.batch_id, rows=len(done.writes), as_of=fmt.date(ctx.as_of),
                            shown=len(done.writes) - later, later=later,
                        ) if later else t("dp.committed", batch=done.batch_id, rows=len(done.writes))
                        st.session_state["daten_upload_round"] = upload_round + 1
                        st.rerun()
                    st.error(t("dp.changed_meanwhile"))
            elif report.ok:
                st.info(t("dp.nothing_to_do"))


if kind in batches.MASTER_KINDS:
    master_import()
else:
    activity_import()

st.header(t("dp.history_heading"))
history = q.run("import_history")
if history.empty:
    st.info(t("dp.history_none"))
    st.stop()
history["import_kind_label"] = [t(f"dp.kind.{k}") for k in history["import_kind"]]
history["import_state_label"] = [t("dp.state.undone" if u else "dp.state.active") for u in history["is_undone"]]
tables.show(history, "daten_historie", [
    "import_batch_id", "import_kind_label", "import_file_name", "rows_written_count", "rows_inserted_count",
    "rows_updated_count", "imported_by", "imported_at", "import_state_label", "undone_by", "undone_at",
], queries=("import_history",))

missing = batches.unjournalled()
if missing:
    st.warning(t("dp.unjournalled", batches=", ".join(map(str, missing))), icon=":material/warning:")

active = history[~history["is_undone"]]
if not active.empty:
    labels = {
        r.import_batch_id: t("cq.batch_option", batch=r.import_batch_id, file=r.import_file_name,
                             kind=t(f"dp.kind.{r.import_kind}"), rows=r.rows_written_count,
                             when=fmt.date(r.imported_at), who=r.imported_by)
        for r in active.itertuples()
    }
    choice = st.selectbox(t("dp.undo_select"), list(labels), format_func=labels.get, key="daten_undo_batch")
    # two steps: the first click says what the undo removes, the second does it
    if st.button(t("cq.undo_button"), key="daten_undo", help=t("dp.undo_help"), icon=":material/undo:"):
        st.session_state["daten_undo_asked"] = int(choice)
    asked = st.session_state.get("daten_undo_asked")
    if asked is not None and asked == int(choice):
        st.warning(consequences.undo_summary(asked, ctx.lang), icon=":material/warning:")   # our words and numbers
        yes, no = st.columns([2, 1])
        if yes.button(t("cq.undo_yes", batch=asked), key="daten_undo_confirm", type="primary", icon=":material/undo:"):
            st.session_state.pop("daten_undo_asked", None)
            try:
                reverted = batches.undo(asked, who=who)
            except batches.ImportRefused as exc:
                st.error(markup.text(exc.message()))
            else:
                st.session_state["daten_flash"] = t("dp.undone", batch=asked, rows=reverted)
                st.rerun()
        if no.button(t("cq.undo_cancel"), key="daten_undo_cancel"):
            st.session_state.pop("daten_undo_asked", None)
            st.rerun()
