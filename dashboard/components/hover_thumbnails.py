"""A thumbnail of the point under the mouse, for image datasets (Plotly's hover label cannot show images).

A small ``st.components.v2`` component: its JavaScript finds the projector chart on the page, listens
to Plotly's ``plotly_hover`` events and shows that row's tile of a sprite sheet (every thumbnail in
one PNG, sent once per dataset view). Row ids come from the points' ``customdata``.
"""

from __future__ import annotations

import streamlit as st

_HTML = ('<div class="hover-thumb"><div class="tile"></div>'
         '<div class="cap">Hover over a point to see it here.</div></div>')
_CSS = """
.hover-thumb { display: flex; align-items: center; gap: 12px; min-height: 104px; font-family: sans-serif; }
.tile { width: 96px; height: 96px; flex: none; background-repeat: no-repeat; image-rendering: pixelated;
        border: 1px solid #ddd; border-radius: 4px; background-color: #fafafa; }
.cap { font-size: 14px; color: #555; }
"""
_JS = """
export default function(component) {
  const { data, parentElement } = component;
  const tile = parentElement.querySelector('.tile');
  const cap = parentElement.querySelector('.cap');
  const state = (window.__embedlabHover = window.__embedlabHover || {});
  state.data = data; state.tile = tile; state.cap = cap;
  const decode = (html) => new DOMParser().parseFromString(html || '', 'text/html').documentElement.textContent;
  const show = (point) => {
    const d = state.data, row = Number(point.customdata);
    if (!d || !Number.isInteger(row) || row < 0 || row >= d.n) return;
    const scale = 96 / d.tile, col = row % d.cols, line = Math.floor(row / d.cols);
    state.tile.style.backgroundImage = 'url(' + d.sprite + ')';
    state.tile.style.backgroundSize = (d.cols * d.tile * scale) + 'px auto';
    state.tile.style.backgroundPosition = (-col * 96) + 'px ' + (-line * 96) + 'px';
    state.tile.dataset.row = String(row);
    state.cap.textContent = decode(point.text);
  };
  const attach = () => {
    document.querySelectorAll('.st-key-' + data.chart + ' .js-plotly-plot').forEach((gd) => {
      if (gd.__embedlabHover || !gd.on) return;
      gd.__embedlabHover = true;
      gd.on('plotly_hover', (ev) => { if (ev && ev.points && ev.points.length) show(ev.points[0]); });
    });
  };
  attach();
  const timer = setInterval(attach, 400);
  return () => clearInterval(timer);
}
"""

_component = st.components.v2.component("embedlab.hover_thumbnails", html=_HTML, css=_CSS, js=_JS)


def hover_thumbnails(chart_key: str, sprite: tuple[str, int, int], n: int) -> None:
    """Show the hovered point's picture; ``sprite`` is :func:`core.viz.images.sprite_sheet`'s result."""
    uri, cols, tile = sprite
    _component(key=f"hover_{chart_key}", data={"chart": chart_key, "sprite": uri, "cols": cols, "tile": tile, "n": n})
