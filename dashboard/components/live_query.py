"""A query box that answers every keystroke: autocomplete suggestions under it and a "did you mean" line.

Streamlit's ``st.text_input`` reports its value only on Enter or blur, so this is a small
``st.components.v2`` component. Each keystroke (debounced 40 ms) sets the state value ``text``, which
reruns the page; the page computes the suggestions and the correction for that text (core, about a
millisecond) and passes them back as ``data``. The box shows them only while they still belong to what is
typed (``data.text`` equals the input's value), so a slow answer never overwrites a newer one. Arrow keys
move through the suggestions, Enter or a click takes one, Escape closes the list.
"""

from __future__ import annotations

import streamlit as st

_HTML = """<div class="lq">
  <input class="lq-in" type="text" autocomplete="off" spellcheck="false" maxlength="500"
         aria-label="Live query" placeholder="Type a query…">
  <ul class="lq-list" role="listbox"></ul>
  <div class="lq-dym"></div>
</div>"""
_CSS = """
.lq { position: relative; font-family: "Source Sans Pro", sans-serif; font-size: 16px; }
.lq-in { width: 100%; box-sizing: border-box; padding: 10px 12px; font-size: 17px; border: 1px solid #bbb;
         border-radius: 8px; outline: none; background: #fafafa; }
.lq-in:focus { border-color: #4f6bd8; background: white; }
.lq-list { list-style: none; margin: 4px 0 0 0; padding: 0; border: 1px solid #ddd; border-radius: 8px;
           background: white; max-height: 330px; overflow-y: auto; }
.lq-list:empty { display: none; }
.lq-list li { padding: 6px 12px; cursor: pointer; display: flex; justify-content: space-between; gap: 12px; }
.lq-list li.on, .lq-list li:hover { background: #eef1fb; }
.lq-list .src { color: #888; font-size: 13px; white-space: nowrap; }
.lq-list b { font-weight: 600; }
.lq-dym { margin-top: 8px; min-height: 22px; color: #444; }
.lq-dym a { color: #c0392b; cursor: pointer; font-weight: 600; text-decoration: underline; }
"""
_JS = """
export default function(component) {
  const { data, parentElement, setStateValue } = component;
  const root = parentElement.querySelector('.lq');
  const input = root.querySelector('.lq-in'), list = root.querySelector('.lq-list'),
        dym = root.querySelector('.lq-dym');
  const st = root.__lq || (root.__lq = { on: -1, timer: null, items: [], started: false });
  const send = (value) => { clearTimeout(st.timer); st.timer = setTimeout(() => setStateValue('text', value), 40); };
  const take = (value) => { input.value = value; st.on = -1; send(value); input.focus(); };
  if (!st.started) {
    st.started = true;
    input.value = data.text || '';
    input.addEventListener('input', () => { st.on = -1; send(input.value); });
    input.addEventListener('keydown', (ev) => {
      const n = st.items.length;
      if (ev.key === 'ArrowDown' && n) { st.on = (st.on + 1) % n; paint(); ev.preventDefault(); }
      else if (ev.key === 'ArrowUp' && n) { st.on = (st.on - 1 + n) % n; paint(); ev.preventDefault(); }
      else if (ev.key === 'Enter' && st.on >= 0 && n) { take(st.items[st.on].text); ev.preventDefault(); }
      else if (ev.key === 'Escape') { st.items = []; paint(); }
    });
  }
  st.render = () => paint();
  function paint() {
    list.replaceChildren();
    st.items.forEach((s, i) => {
      const li = document.createElement('li');
      li.setAttribute('role', 'option');
      li.dataset.text = s.text;
      if (i === st.on) li.className = 'on';
      const left = document.createElement('span');
      const typed = document.createElement('span');
      typed.textContent = s.text.slice(0, s.typed);
      const rest = document.createElement('b');
      rest.textContent = s.text.slice(s.typed);
      left.append(typed, rest);
      const src = document.createElement('span');
      src.className = 'src';
      src.textContent = s.source + ' · ' + Number(s.count).toLocaleString();
      li.append(left, src);
      li.addEventListener('mousedown', (ev) => { ev.preventDefault(); take(s.text); });
      list.append(li);
    });
  }
  if (data.text === input.value) {  // an answer for what is typed now (older ones are dropped)
    st.items = data.suggestions || [];
    if (st.on >= st.items.length) st.on = -1;
    paint();
    dym.replaceChildren();
    if (data.correction) {
      dym.append('Did you mean ');
      const a = document.createElement('a');
      a.className = 'lq-fix';
      a.textContent = data.correction;
      a.addEventListener('mousedown', (ev) => { ev.preventDefault(); take(data.correction); });
      dym.append(a, '?');
    }
  }
}
"""

_component = st.components.v2.component("embedlab.live_query", html=_HTML, css=_CSS, js=_JS)
KEY = "live_query"


def typed_text(default: str) -> str:
    """What the box holds now: its last keystroke's state, else ``default`` (e.g. from the link)."""
    value = st.session_state.get(KEY)
    text = getattr(value, "text", None) if value is not None else None
    if text is None and isinstance(value, dict):
        text = value.get("text")
    return default if text is None else str(text)


def live_query(text: str, suggestions: list[dict], correction: str | None) -> None:
    """Mount the box for ``text`` (what :func:`typed_text` returned) with its answers."""
    _component(key=KEY, data={"text": text, "suggestions": suggestions, "correction": correction},
               default={"text": text}, on_text_change=lambda: None)
