"""Accessibility in the browser (BITV 2.0 / WCAG 2.1 AA): page language, skip link, focus, caption colour, chart names.

Streamlit writes `<html lang="en">` whatever the interface language, draws no skip link, and its caption grey
(3.9:1) and focus ring (~2:1) fall short of the contrast AA asks for. The theme in .streamlit/config.toml fixes what
it can (accent, code text, heading sizes); this module fixes the rest from the app, with one constant script and
stylesheet of our own (no user text goes into it: the two texts are JSON-encoded).
"""

from __future__ import annotations

import json

import streamlit as st

from monitor.i18n import t

# Colours that pass on white and on the sidebar's #f0f2f6 (checked in tests/test_a11y.py).
CAPTION_COLOUR = "#57554f"     # 7.5:1 on white, 6.6:1 on the sidebar (Streamlit's caption grey is 3.9:1)
CODE_COLOUR = "#1d6b52"       # 6.3:1 on the code background (back-ticked query names)
FOCUS_COLOUR = "#005a8c"       # 7.4:1 on white: the focus outline (WCAG 2.4.7, 1.4.11 asks for 3:1)

_STYLE = f"""
/* Streamlit draws captions in body text at 60 % opacity (3.9:1); a solid grey instead */
[data-testid="stCaptionContainer"] {{ color: {CAPTION_COLOUR} !important; opacity: 1 !important; }}
[data-testid="stMarkdownContainer"] code {{ color: {CODE_COLOUR} !important; }}
/* st.code's syntax colours (keywords 3.8:1, strings 3.0:1, comments 3.6:1) darkened to 5:1 and more */
[data-testid="stCode"] .token.keyword, [data-testid="stCode"] .token.builtin {{ color: #0b5cad !important; }}
[data-testid="stCode"] .token.string, [data-testid="stCode"] .token.char {{ color: #1d6b52 !important; }}
[data-testid="stCode"] .token.operator, [data-testid="stCode"] .token.number,
[data-testid="stCode"] .token.boolean {{ color: #9a4700 !important; }}
[data-testid="stCode"] .token.function, [data-testid="stCode"] .token.class-name {{ color: #7a3db8 !important; }}
[data-testid="stCode"] .token.comment,
[data-testid="stCode"] .token.punctuation {{ color: {CAPTION_COLOUR} !important; }}
/* our own skip link below replaces Streamlit's, which is English on every page */
[data-testid="stSkipToContent"] {{ display: none !important; }}
a:focus-visible, button:focus-visible, summary:focus-visible, [role="button"]:focus-visible,
[role="tab"]:focus-visible, [role="radio"]:focus-visible, [role="checkbox"]:focus-visible,
[role="option"]:focus-visible, input:focus-visible, textarea:focus-visible, [tabindex]:focus-visible {{
  outline: 3px solid {FOCUS_COLOUR} !important; outline-offset: 2px !important;
}}
#monitor-skip-link {{
  position: fixed; left: 0.5rem; top: -10rem; z-index: 1000002; padding: 0.6rem 1rem;
  background: {FOCUS_COLOUR}; color: #ffffff; font-weight: 600; text-decoration: underline; border-radius: 0.25rem;
}}
/* a chart's description (charts.show): read by screen readers, not drawn */
.monitor-chart-description {{
  position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; margin: -1px; padding: 0; border: 0;
}}
#monitor-skip-link:focus {{ top: 0.5rem; outline: 3px solid #1a1a1a !important; }}
/* the collapsed sidebar stays in the DOM: keep its links out of the Tab order (200 % zoom collapses it) */
[data-testid="stSidebar"][data-collapsed="true"], [data-testid="stSidebar"][data-collapsed="true"] * {{
  visibility: hidden !important;
}}
"""

# Our own constant code; the page language and the link text come in as JSON (never as markup).
_SCRIPT = """<script>
(() => {
  const config = __CONFIG__;
  document.documentElement.lang = config.lang;
  if (!document.getElementById('monitor-a11y-style')) {
    const style = document.createElement('style');
    style.id = 'monitor-a11y-style';
    style.textContent = config.style;
    document.head.appendChild(style);
  }
  let skip = document.getElementById('monitor-skip-link');
  if (!skip) {
    skip = document.createElement('a');
    skip.id = 'monitor-skip-link';
    skip.href = '#stMain';
    skip.addEventListener('click', event => {
      event.preventDefault();
      const main = document.querySelector('[data-testid="stMain"]');
      const target = (main && main.querySelector('h1')) || main;
      if (!target) return;
      target.setAttribute('tabindex', '-1');
      target.focus();
      target.scrollIntoView();
    });
    document.body.prepend(skip);
  }
  skip.textContent = config.skip;
  window.__monitorA11y = config;
  // every chart: a named figure; its name is the chart's title as drawn, its description the sentence of its
  // message. A code block that scrolls sideways gets a Tab stop, so it can be scrolled by keyboard.
  const nameCharts = () => {
    for (const pre of document.querySelectorAll('[data-testid="stCode"] pre:not([tabindex])')) {
      pre.setAttribute('tabindex', '0');
    }
    for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
      const title = chart.querySelector('.gtitle');
      const name = title ? title.textContent.trim() : '';
      if (!name) continue;
      const label = window.__monitorA11y.chart + ': ' + name;
      if (chart.getAttribute('aria-label') !== label) {
        chart.setAttribute('role', 'figure');
        chart.setAttribute('aria-label', label);
      }
      // its description: the one sentence charts.show() put into the figure's layout.meta, in a hidden element
      const plot = chart.querySelector('.js-plotly-plot');
      const meta = plot && plot.layout && plot.layout.meta;
      const text = meta && typeof meta.description === 'string' ? meta.description : '';
      let described = chart.querySelector(':scope > .monitor-chart-description');
      if (!text) {
        if (described) described.remove();
        chart.removeAttribute('aria-describedby');
        continue;
      }
      if (!described) {
        described = document.createElement('p');
        described.className = 'monitor-chart-description';
        described.id = 'monitor-desc-' + Math.random().toString(36).slice(2);
        chart.appendChild(described);
      }
      if (described.textContent !== text) described.textContent = text;
      if (chart.getAttribute('aria-describedby') !== described.id) chart.setAttribute('aria-describedby', described.id);
    }
  };
  if (!window.__monitorChartNames) {
    let pending = false;
    window.__monitorChartNames = new MutationObserver(() => {
      if (pending) return;
      pending = true;
      setTimeout(() => { pending = false; nameCharts(); }, 200);
    });
    window.__monitorChartNames.observe(document.body, {childList: true, subtree: true});
  }
  nameCharts();
})();
</script>"""


def page_setup(lang: str) -> None:
    """Set the page language, the skip link, focus outlines, caption colour and chart names (once per run)."""
    config = {"lang": lang, "skip": t("a11y.skip_link", lang=lang), "chart": t("a11y.chart", lang=lang),
              "style": _STYLE}
    payload = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    st.html(_SCRIPT.replace("__CONFIG__", payload), unsafe_allow_javascript=True)
