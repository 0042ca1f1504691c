/*
 * Trợ lý Nghị quyết — helpers shared by widget.js, soan-bai.js, quan-tri.js and so-tay.js.
 *
 * Not a script of its own: no page loads it. assistant/api/pages.py puts this text in place of the
 * `// @include common.js` line inside each script's IIFE when it serves /widget.js, /soan-bai.js …, so the
 * functions below are private to that script (nothing reaches the host page's globals) and the widget still
 * embeds with one <script> tag. Only function declarations here: they are hoisted, and need nothing of
 * the page until called (the Node unit tests of widget.js's pure helpers have no DOM).
 */

/** createElement with attributes; string children become text nodes (never parsed as HTML). */
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** "2025-01-12" -> "12/01/2025", "2025-01" -> "01/2025"; anything else unchanged. */
function formatDate(value) {
  if (!value) return "";
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(String(value));
  if (!m) return String(value);
  return m[3] ? `${m[3]}/${m[2]}/${m[1]}` : `${m[2]}/${m[1]}`;
}

/**
 * "[n] title — số hiệu — ngày — tệp", leaving out what the source does not have: the line the lesson's
 * Markdown and DOCX print (source_line in assistant/material/render.py), and the one the widget lists.
 */
function sourceLine(source) {
  const numbers = Array.isArray(source.numbers) ? source.numbers.join(", ") : "";
  const parts = [source.title || source.doc_id, numbers, formatDate(source.date), source.source].filter(Boolean);
  return `[${source.n}] ${parts.join(" — ")}`;
}

/**
 * Copy text; resolves true when it was copied. navigator.clipboard needs a secure context, so intranet
 * pages on plain http fall back to execCommand on a hidden textarea put in `container` (the widget's
 * shadow root, where the focus is given back afterwards).
 */
async function writeClipboard(text, container = document.body) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch (e) { /* not allowed: try the legacy path */ }
  const area = h("textarea", { readonly: true, "aria-hidden": "true" });
  area.value = text;
  area.style.position = "fixed";
  area.style.opacity = "0";
  area.style.top = "0";
  const focused = container.getRootNode().activeElement;
  container.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch (e) { /* unsupported */ }
  area.remove();
  if (focused && focused !== area) focused.focus();
  return ok;
}
