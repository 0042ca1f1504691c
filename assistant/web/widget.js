/*
 * Trợ lý Nghị quyết — embeddable chat widget.
 *
 *   <script src="https://HOST/widget.js" data-api="https://HOST" data-title="Trợ lý Nghị quyết" defer></script>
 *
 * Plain ES2020, no dependencies, no network access other than the assistant's own API: portals may be
 * offline or behind strict proxies. Everything lives in an open shadow root so the host page's CSS
 * cannot reach in (and ours cannot leak out); browser tests reach it through host.shadowRoot.
 * Server data is only ever put into the DOM with textContent / text nodes: documents may contain markup.
 * The server sends this file with common.js (the helpers it shares with soan-bai.js) put in place of the
 * @include line below, inside this IIFE: still one script, no globals (see assistant/api/pages.py).
 */
(() => {
  "use strict";

  // @include common.js: h, formatDate, sourceLine, writeClipboard

  const T = {
    title: "Trợ lý Nghị quyết",
    greeting: "Xin chào! Tôi có thể giúp gì về các nghị quyết, kế hoạch và báo cáo?",
    placeholder: "Nhập câu hỏi…",
    openBubble: "Mở trợ lý Nghị quyết",
    newChat: "Cuộc trò chuyện mới",
    close: "Đóng",
    question: "Câu hỏi",
    send: "Gửi",
    typing: "Đang soạn câu trả lời…",
    sources: "Nguồn",
    nearest: "Các đoạn gần nhất",
    refusedLabel: "Không tìm thấy trong tài liệu",
    degraded: "Lưu ý: hệ thống đang hoạt động ở chế độ dự phòng; câu trả lời được trích trực tiếp từ tài liệu.",
    understood: "Đã hiểu câu hỏi là: ",
    viewSource: (n) => `Xem nguồn ${n}`,
    sourceRegion: (n) => `Nguồn [${n}]`,
    back: "Quay lại",
    date: "Ngày",
    numbers: "Số hiệu",
    section: "Mục",
    file: "Tệp nguồn",
    handbook: "Mở trong Sổ tay",
    handbookLabel: (n) => `Mở nguồn [${n}] trong Sổ tay điện tử, đúng mục được trích (thẻ mới)`,
    copy: "Sao chép",
    copyLabel: "Sao chép câu trả lời",
    copied: "Đã sao chép",
    copyFailed: "Không sao chép được",
    up: "Hữu ích",
    upLabel: "Câu trả lời hữu ích",
    down: "Chưa hữu ích",
    downLabel: "Câu trả lời chưa hữu ích",
    comment: "Góp ý thêm (không bắt buộc)",
    sendComment: "Gửi góp ý",
    thanks: "Cảm ơn góp ý của bạn!",
    feedbackFailed: "Không gửi được góp ý. Vui lòng thử lại sau.",
    timeout: "Máy chủ phản hồi quá lâu. Vui lòng thử lại sau.",
    network: "Không kết nối được máy chủ trợ lý. Vui lòng kiểm tra kết nối hoặc thử lại sau.",
    indexMissing: "Chưa có tài liệu nào được nạp vào hệ thống. Vui lòng liên hệ quản trị viên.",
    serverError: (status) => `Máy chủ trả lỗi ${status}. Vui lòng thử lại sau.`,
    interrupted: "Câu trả lời bị gián đoạn. Vui lòng thử lại.",
  };
  const HISTORY_TURNS = 6;
  const MAX_QUESTION = 2000;

  // Under Node (unit tests of the pure helpers) export them and stop: there is no DOM to mount into.
  if (typeof window === "undefined") {
    if (typeof module === "object" && module.exports) {
      module.exports = {
        createSseParser, citedSentences, findSpan, highlightRanges, formatDate, sourceLine,
        splitCitations, readConfigFrom, handbookHref,
      };
    }
    return;
  }
  if (window.TroLyNghiQuyet) return; // included twice: keep the first instance

  // Captured now: document.currentScript is only set while this script runs.
  const SCRIPT = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const config = readConfigFrom(SCRIPT, window.location.href);
  const state = { open: false, busy: false, history: [], generation: 0, controller: null, passage: null };
  const messageData = new WeakMap(); // message element -> {question, answer, sources, mode, history}
  let ui = null;

  // ---------------------------------------------------------------- configuration

  /** The options from the script tag's data-attributes, with defaults. */
  function readConfigFrom(script, pageUrl) {
    const data = (script && script.dataset) || {};
    let scriptOrigin = "";
    try {
      scriptOrigin = new URL(script && script.src ? script.src : pageUrl).origin;
    } catch (e) { /* keep "" = same origin */ }
    // "{{API_BASE}}" left unreplaced (page opened as a static file) or empty means: where the script came from.
    const rawApi = (data.api || "").trim();
    const api = (rawApi && !rawApi.includes("{{") ? rawApi : scriptOrigin).replace(/\/+$/, "");
    const timeout = Number.parseInt(data.timeout, 10);
    return {
      api,
      title: (data.title || "").trim() || T.title,
      color: (data.color || "").trim(),
      position: data.position === "left" ? "left" : "right",
      greeting: (data.greeting || "").trim() || T.greeting,
      placeholder: (data.placeholder || "").trim() || T.placeholder,
      open: data.open === "true",
      mode: data.mode === "page" ? "page" : "bubble",
      timeout: Number.isFinite(timeout) && timeout > 0 ? timeout : 30000,
    };
  }

  // ---------------------------------------------------------------- pure helpers (tested under Node)

  /**
   * An incremental text/event-stream parser: push() decoded text as it arrives, end() at the end.
   * Handles \n, \r and \r\n line ends, including a \r\n split across two chunks.
   */
  function createSseParser(onEvent) {
    let buffer = "";
    let eventName = "";
    let dataLines = [];
    function dispatch() {
      if (dataLines.length) onEvent(eventName || "message", dataLines.join("\n"));
      eventName = "";
      dataLines = [];
    }
    function processLine(line) {
      if (line === "") return dispatch();
      if (line[0] === ":") return undefined; // comment / keep-alive
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "event") eventName = value;
      else if (field === "data") dataLines.push(value);
      return undefined;
    }
    return {
      push(text) {
        buffer += text;
        // A trailing \r may be the first half of \r\n: keep it for the next chunk.
        const cut = buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
        const lines = buffer.slice(0, cut).split(/\r\n|\r|\n/);
        buffer = lines.pop() + buffer.slice(cut);
        lines.forEach(processLine);
      },
      end() {
        if (buffer && buffer !== "\r") processLine(buffer);
        buffer = "";
        dispatch();
      },
    };
  }

  /**
   * The handbook page of a cited passage (the server's handbook_url: /so-tay/{doc}?doan=…#section), made
   * absolute against the API's base, since a portal embedding the widget is another site; "" for anything but
   * an http(s) link.
   */
  function handbookHref(source, api, pageUrl) {
    const url = source && typeof source.handbook_url === "string" ? source.handbook_url.trim() : "";
    if (!url) return "";
    try {
      const resolved = new URL(url, api ? `${api}/` : pageUrl);
      return resolved.protocol === "https:" || resolved.protocol === "http:" ? resolved.href : "";
    } catch (e) {
      return "";
    }
  }

  /** The answer cut into text parts and citation numbers: "a [1] b" -> ["a ", 1, " b"]. */
  function splitCitations(text) {
    return String(text).split(/\[(\d+)\]/).map((part, i) => (i % 2 ? Number(part) : part));
  }

  /**
   * The answer sentences carrying [n], without their markers and trailing punctuation.
   * A run of markers (and the punctuation after it) closes a sentence: the extractive answerer writes
   * "sentence [n]." and document text itself holds abbreviations ("TP. Hà Nội") a full stop would split.
   */
  function citedSentences(answer, n) {
    const out = [];
    const closer = /((?:\s*\[\d+\])+)[.!?;:…]*/g;
    let last = 0;
    let match;
    while ((match = closer.exec(String(answer)))) {
      const numbers = Array.from(match[1].matchAll(/\[(\d+)\]/g), (m) => Number(m[1]));
      const body = String(answer).slice(last, match.index);
      last = closer.lastIndex;
      if (!numbers.includes(n)) continue;
      const clean = body.replace(/\[\d+\]/g, " ").replace(/\s+/g, " ").trim().replace(/[\s.,;:!?…]+$/u, "");
      if (clean) out.push(clean);
    }
    return out;
  }

  /** [start, end) of needle inside text, comparing with runs of whitespace collapsed; null when absent. */
  function findSpan(text, needle) {
    const wanted = String(needle).replace(/\s+/g, " ").trim();
    if (!wanted) return null;
    let collapsed = "";
    const origin = []; // origin[i] = index in text of collapsed[i]
    let inSpace = false;
    for (let i = 0; i < text.length; i++) {
      const space = /\s/.test(text[i]);
      if (space && inSpace) continue;
      collapsed += space ? " " : text[i];
      origin.push(i);
      inSpace = space;
    }
    const at = collapsed.indexOf(wanted);
    if (at < 0) return null;
    return [origin[at], origin[at + wanted.length - 1] + 1];
  }

  /** Sorted, merged ranges of text to mark for the given sentences (those not found are skipped). */
  function highlightRanges(text, sentences) {
    const spans = sentences.map((s) => findSpan(text, s)).filter(Boolean).sort((a, b) => a[0] - b[0]);
    const merged = [];
    for (const span of spans) {
      const prev = merged[merged.length - 1];
      if (prev && span[0] <= prev[1]) prev[1] = Math.max(prev[1], span[1]);
      else merged.push(span.slice());
    }
    return merged;
  }

  // ---------------------------------------------------------------- DOM helpers (h is in common.js)

  /** A static icon (no data): a speech bubble for the launcher. */
  function bubbleIcon() {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "2");
    path.setAttribute("stroke-linejoin", "round");
    svg.append(path);
    return svg;
  }

  // ---------------------------------------------------------------- styles

  /** All CSS, scoped by the shadow root. px, not rem: the host page may change the root font size. */
  function css(mode) {
    const host = mode === "page"
      ? ":host { all: initial !important; display: block !important; width: 100% !important; height: 100% !important; }"
      : ":host { all: initial !important; }";
    return `${host}
.root, .root *, .root *::before, .root *::after { box-sizing: border-box; }
.root { --p: #a4161a; --on-p: #ffffff; --focus: #1a4fa0; font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif;
  font-size: 15px; line-height: 1.5; color: #1d2330; text-align: left; letter-spacing: normal; word-spacing: normal;
  text-transform: none; font-weight: 400; font-style: normal; direction: ltr; }
.root.page { height: 100%; font-size: 16px; }
button, textarea { font: inherit; color: inherit; letter-spacing: inherit; margin: 0; }
button { cursor: pointer; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
[hidden] { display: none !important; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.bubble { position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; width: 60px; height: 60px; border-radius: 50%;
  border: 0; padding: 0; background: var(--p); color: var(--on-p); display: flex; align-items: center; justify-content: center;
  box-shadow: 0 4px 14px rgba(0,0,0,.28); }
.bubble:hover { filter: brightness(1.1); }
.left .bubble { right: auto; left: 20px; }
.panel { position: fixed; bottom: 92px; right: 20px; z-index: 2147483001; width: 400px; max-width: calc(100vw - 40px);
  height: 640px; max-height: calc(100vh - 112px); display: flex; flex-direction: column; background: #fff;
  border-radius: 12px; box-shadow: 0 10px 40px rgba(0,0,0,.3); overflow: hidden; }
.left .panel { right: auto; left: 20px; }
.page .panel { position: relative; bottom: auto; right: auto; left: auto; width: 100%; max-width: none; height: 100%;
  max-height: none; border-radius: 8px; box-shadow: none; border: 1px solid #d5dae2; }
.page.viewport .panel { position: fixed; top: 0; left: 0; right: 0; bottom: 0; height: auto; border-radius: 0; border: 0; }
.header { display: flex; align-items: center; gap: 8px; padding: 10px 12px; background: var(--p); color: var(--on-p); --focus: var(--on-p); }
.title { flex: 1; margin: 0; font-size: 16px; font-weight: 600; line-height: 1.3; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: inherit; }
.new-chat { background: transparent; border: 1px solid currentColor; border-radius: 6px; padding: 4px 10px; font-size: 13px; white-space: nowrap; }
.close { background: transparent; border: 0; border-radius: 6px; width: 32px; height: 32px; font-size: 24px; line-height: 1; padding: 0; }
.new-chat:hover, .close:hover { background: rgba(255,255,255,.15); }
.body { position: relative; flex: 1; min-height: 0; display: flex; flex-direction: column; }
.log { position: relative; flex: 1; min-height: 0; overflow-y: auto; padding: 12px; background: #f4f5f7;
  display: flex; flex-direction: column; gap: 10px; overscroll-behavior: contain; }
.msg { max-width: 92%; padding: 8px 12px; border-radius: 10px; overflow-wrap: anywhere; }
.msg.user { align-self: flex-end; background: var(--p); color: var(--on-p); border-bottom-right-radius: 3px; white-space: pre-wrap; --focus: var(--on-p); }
.msg.assistant, .msg.greeting { align-self: flex-start; background: #fff; border: 1px solid #dde1e7; border-bottom-left-radius: 3px; }
.msg.refused { background: #fffaeb; border-color: #e0b64c; border-left: 4px solid #d99a00; }
.msg.error { align-self: flex-start; background: #fdecec; border: 1px solid #e8aaaa; border-left: 4px solid #c0392b; color: #7a1616; }
.answer { white-space: pre-wrap; }
.refused-label { font-size: 13px; font-weight: 600; color: #7a5300; margin-bottom: 4px; }
.standalone { font-size: 13px; color: #5b6475; font-style: italic; margin-bottom: 4px; }
.note { font-size: 13px; color: #5b6475; margin-top: 6px; }
.cite { display: inline; background: none; border: 0; padding: 0 1px; border-radius: 3px; color: var(--p);
  font-weight: 700; font-size: 0.9em; text-decoration: underline; text-underline-offset: 2px; }
.cite:hover { background: #f1e3e3; }
.sources { margin-top: 8px; padding-top: 6px; border-top: 1px solid #e6e9ee; }
.sources-title { font-size: 13px; font-weight: 600; color: #3c4556; margin: 0 0 2px; }
.sources ol { list-style: none; margin: 0; padding: 0; }
.sources li { margin: 2px 0; }
.source { background: none; border: 0; padding: 2px 4px; margin: 0 -4px; border-radius: 4px; text-align: left; font-size: 13px; color: #24428a; line-height: 1.4; }
.source:hover { background: #eef2fb; text-decoration: underline; }
.handbook { margin-left: 6px; font-size: 12px; color: #24428a; white-space: nowrap; }
.passage-link { font-size: 13px; color: #24428a; margin-left: auto; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.act { background: #fff; border: 1px solid #c9ced8; border-radius: 14px; padding: 2px 10px; font-size: 13px; color: #3c4556; }
.act:hover { background: #f1f3f6; }
.act[aria-pressed="true"] { background: #e7eefc; border-color: #24428a; color: #1b326b; font-weight: 600; }
.act.copied { border-color: #2e7d32; color: #1e5b22; }
.feedback { margin-top: 8px; display: flex; flex-direction: column; gap: 6px; }
.feedback textarea { width: 100%; min-height: 54px; resize: vertical; padding: 6px 8px; border: 1px solid #c5cad3; border-radius: 6px; background: #fff; font-size: 14px; }
.feedback button { align-self: flex-start; background: var(--p); color: var(--on-p); border: 0; border-radius: 6px; padding: 4px 12px; font-size: 13px; }
.feedback-status { font-size: 13px; margin-top: 4px; color: #1e5b22; }
.feedback-status.failed { color: #8a1c1c; }
.typing { display: inline-flex; gap: 4px; padding: 6px 0; }
.typing .dot { width: 7px; height: 7px; border-radius: 50%; background: #8a93a3; animation: tlnq-blink 1.2s infinite ease-in-out; }
.typing .dot:nth-child(2) { animation-delay: .2s; }
.typing .dot:nth-child(3) { animation-delay: .4s; }
@keyframes tlnq-blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .typing .dot { animation: none; opacity: .6; } }
.composer { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #dde1e7; background: #fff; align-items: flex-end; }
.input { flex: 1; min-height: 42px; max-height: 140px; resize: none; padding: 9px 10px; border: 1px solid #b9c0cc; border-radius: 8px; background: #fff; color: #1d2330; line-height: 1.4; }
.input::placeholder { color: #6b7383; opacity: 1; }
.send { height: 42px; min-width: 64px; padding: 0 14px; border: 0; border-radius: 8px; background: var(--p); color: var(--on-p); font-weight: 600; }
.send:disabled { opacity: .55; cursor: default; }
.passage { position: absolute; top: 0; left: 0; right: 0; bottom: 0; z-index: 2; overflow-y: auto; background: #fff; padding: 12px 14px 20px; }
.passage-bar { display: flex; align-items: center; gap: 10px; margin-bottom: 8px; }
.back { background: #fff; border: 1px solid #b9c0cc; border-radius: 6px; padding: 3px 10px; font-size: 13px; }
.passage-n { font-weight: 700; color: var(--p); }
.passage-title { font-size: 15px; font-weight: 600; margin: 0 0 6px; line-height: 1.4; color: #1d2330; }
.passage-meta { margin: 0 0 10px; font-size: 13px; color: #4a5366; display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; }
.passage-meta dt { font-weight: 600; margin: 0; }
.passage-meta dd { margin: 0; overflow-wrap: anywhere; }
.passage-text { white-space: pre-wrap; font-size: 14px; line-height: 1.6; border-left: 3px solid #dde1e7; padding-left: 10px; overflow-wrap: anywhere; }
mark { background: #fff1a8; color: inherit; padding: 0 1px; border-radius: 2px; }
@media (max-width: 480px) {
  .bubble-mode .panel { top: 0; left: 0; right: 0; bottom: 0; width: 100%; max-width: none; height: auto; max-height: none; border-radius: 0; }
  .bubble-mode.open .bubble { display: none; }
  .page .panel { border-radius: 0; border: 0; }
}
`;
  }

  /** Apply data-color if it is a valid CSS colour, with white or near-black text, whichever reads better. */
  function applyColor(root, color) {
    if (!color || !(window.CSS && CSS.supports && CSS.supports("color", color))) return;
    root.style.setProperty("--p", color);
    const probe = h("span", { hidden: true });
    probe.style.color = color;
    root.append(probe);
    const rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
    probe.remove();
    if (rgb.length < 3) return;
    const lin = rgb.map((c) => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    const luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    // Contrast with white is 1.05 / (L + 0.05); below 4.5 dark text reads better.
    root.style.setProperty("--on-p", 1.05 / (luminance + 0.05) >= 4.5 ? "#ffffff" : "#111111");
  }

  // ---------------------------------------------------------------- building the UI

  function mount() {
    const page = config.mode === "page";
    const container = page ? document.getElementById("tro-ly-nghi-quyet") || document.body : document.body;
    const host = h("div", { id: "tro-ly-nghi-quyet-host", "data-mode": config.mode });
    const shadow = host.attachShadow({ mode: "open" });
    shadow.append(h("style", { text: css(config.mode) }));

    const classes = ["root", page ? "page" : "bubble-mode", config.position === "left" ? "left" : ""];
    if (page && container === document.body) classes.push("viewport");
    const root = h("div", { class: classes.filter(Boolean).join(" ") });

    const bubble = page ? null : h("button", {
      type: "button", class: "bubble", "aria-label": T.openBubble, "aria-expanded": "false",
      "aria-controls": "tlnq-panel", onclick: () => (state.open ? closePanel() : openPanel()),
    }, bubbleIcon());

    const title = h("h2", { class: "title", id: "tlnq-title", text: config.title });
    const newChat = h("button", { type: "button", class: "new-chat", text: T.newChat, onclick: newConversation });
    const close = page ? null : h("button", { type: "button", class: "close", "aria-label": T.close, onclick: () => closePanel() }, "×");
    const log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions" });
    const input = h("textarea", {
      class: "input", rows: "1", "aria-label": T.question, placeholder: config.placeholder, maxlength: String(MAX_QUESTION),
    });
    const send = h("button", { type: "submit", class: "send", "aria-label": T.send, text: T.send });
    const composer = h("form", { class: "composer", novalidate: true }, input, send);
    const body = h("div", { class: "body" }, log, composer);
    // In page mode the chat is the page's main content, not a dialog over it.
    const panel = h("div", {
      class: "panel", id: "tlnq-panel", role: page ? "region" : "dialog", "aria-label": config.title, hidden: !page,
    }, h("div", { class: "header" }, title, newChat, close), body);

    root.append(...[bubble, panel].filter(Boolean));
    shadow.append(root);
    container.append(host);
    applyColor(root, config.color);

    ui = { host, shadow, root, bubble, panel, log, input, send, composer, body, newChat };
    composer.addEventListener("submit", (event) => { event.preventDefault(); submitInput(); });
    input.addEventListener("keydown", onInputKeydown);
    input.addEventListener("input", autoGrow);
    panel.addEventListener("keydown", onPanelKeydown);
    log.addEventListener("click", onLogClick);
    showGreeting();

    if (page) {
      state.open = true;
      if (!window.matchMedia("(pointer: coarse)").matches) input.focus({ preventScroll: true });
    } else if (config.open) {
      openPanel({ focus: false }); // do not steal the host page's focus at load
    }
  }

  function showGreeting() {
    ui.log.append(h("div", { class: "msg greeting", text: config.greeting }));
  }

  // ---------------------------------------------------------------- panel: open / close / keys

  function openPanel(options = {}) {
    if (!ui) return;
    state.open = true;
    ui.panel.hidden = false;
    ui.root.classList.add("open");
    if (ui.bubble) ui.bubble.setAttribute("aria-expanded", "true");
    scrollLog(true);
    if (options.focus !== false) ui.input.focus();
  }

  function closePanel() {
    if (!ui || config.mode === "page") return;
    closePassage(false);
    state.open = false;
    ui.panel.hidden = true;
    ui.root.classList.remove("open");
    ui.bubble.setAttribute("aria-expanded", "false");
    ui.bubble.focus();
  }

  function onPanelKeydown(event) {
    if (event.key !== "Escape") return;
    if (state.passage) {
      event.preventDefault();
      closePassage(true);
    } else if (config.mode !== "page") {
      event.preventDefault();
      closePanel();
    }
  }

  function onInputKeydown(event) {
    // isComposing / 229: Vietnamese input methods (Telex, VNI) may still be composing a syllable.
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    submitInput();
  }

  function autoGrow() {
    ui.input.style.height = "auto";
    ui.input.style.height = `${Math.min(ui.input.scrollHeight + 2, 140)}px`;
  }

  /** Keep the newest message in view, unless the reader has scrolled up (force overrides). */
  function scrollLog(force) {
    const log = ui.log;
    if (force || log.scrollHeight - log.scrollTop - log.clientHeight < 80) log.scrollTop = log.scrollHeight;
  }

  /** A long answer is read from its start: scroll to its top rather than to its end. */
  function revealMessage(element) {
    const log = ui.log;
    if (element.offsetHeight > log.clientHeight) log.scrollTop = element.offsetTop - 8;
    else log.scrollTop = log.scrollHeight;
  }

  function newConversation() {
    state.generation += 1; // answers still on their way belong to the old conversation: drop them
    if (state.controller) state.controller.abort();
    setBusy(false);
    closePassage(false);
    state.history = [];
    ui.log.replaceChildren();
    showGreeting();
    ui.input.value = "";
    autoGrow();
    ui.input.focus();
  }

  function setBusy(busy) {
    state.busy = busy;
    ui.send.disabled = busy;
  }

  // ---------------------------------------------------------------- asking

  function submitInput() {
    const question = ui.input.value.trim();
    if (!question || state.busy) return;
    ui.input.value = "";
    autoGrow();
    ask(question);
  }

  async function ask(question) {
    const generation = state.generation;
    const history = state.history.slice(-HISTORY_TURNS);
    ui.log.append(h("div", { class: "msg user", text: question }));
    const answerText = h("div", { class: "answer" });
    const typing = h("div", { class: "typing" },
      h("span", { class: "sr-only", text: T.typing }),
      h("span", { class: "dot", "aria-hidden": "true" }), h("span", { class: "dot", "aria-hidden": "true" }),
      h("span", { class: "dot", "aria-hidden": "true" }));
    const message = h("div", { class: "msg assistant pending", "aria-busy": "true" }, typing, answerText);
    ui.log.append(message);
    scrollLog(true);
    setBusy(true);

    const onDelta = (text) => {
      if (generation !== state.generation) return;
      typing.remove();
      answerText.append(text);
      scrollLog(false);
    };
    try {
      const result = await requestAnswer({ question, history }, onDelta);
      if (generation !== state.generation) return;
      renderFinal(message, question, history, result);
      state.history.push({ role: "user", content: question }, { role: "assistant", content: String(result.answer) });
    } catch (error) {
      if (generation !== state.generation) return;
      renderError(message, error instanceof ChatError ? error.message : T.network);
    } finally {
      if (generation === state.generation) setBusy(false);
    }
  }

  class ChatError extends Error {
    constructor(message, code) {
      super(message);
      this.code = code || "error";
    }
  }

  /** The final answer JSON, streamed when the server can, else from POST /api/chat. Throws ChatError. */
  async function requestAnswer(payload, onDelta) {
    const controller = new AbortController();
    state.controller = controller;
    // An idle timeout: every chunk received restarts it, so a long streamed answer is not cut off.
    let timer = 0;
    let timedOut = false;
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => { timedOut = true; controller.abort(); }, config.timeout);
    };
    touch();
    try {
      let response = await postJson("/api/chat/stream", payload, controller.signal, "text/event-stream");
      if (response.status === 404 || response.status === 405) {
        touch();
        response = await postJson("/api/chat", payload, controller.signal, "application/json");
      }
      touch();
      if (!response.ok) throw await errorFromResponse(response);
      const type = (response.headers.get("content-type") || "").toLowerCase();
      const result = type.includes("text/event-stream")
        ? await readEventStream(response, onDelta, touch)
        : await response.json();
      if (!result || typeof result.answer !== "string") throw new ChatError(T.serverError(response.status), "bad_response");
      return result;
    } catch (error) {
      if (error instanceof ChatError) throw error;
      if (timedOut) throw new ChatError(T.timeout, "timeout");
      if (error && error.name === "AbortError") throw new ChatError("", "cancelled");
      if (error instanceof SyntaxError) throw new ChatError(T.serverError(200), "bad_response");
      throw new ChatError(T.network, "network"); // fetch rejects with TypeError when the network fails
    } finally {
      clearTimeout(timer);
      if (state.controller === controller) state.controller = null;
    }
  }

  function postJson(path, payload, signal, accept) {
    return fetch(config.api + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: accept },
      body: JSON.stringify(payload),
      signal,
      credentials: "omit", // no cookies needed: keeps cross-origin embedding simple and private
      cache: "no-store",
    });
  }

  /** The ChatError for a non-2xx answer: the server's Vietnamese message when it sent one. */
  async function errorFromResponse(response) {
    let body = null;
    try {
      body = await response.json();
    } catch (e) { /* not JSON */ }
    return errorFromBody(body, response.status);
  }

  function errorFromBody(body, status) {
    const code = body && typeof body.error === "string" ? body.error : "http_" + status;
    // The server's index_missing text tells an administrator which command to run; users get a plain one.
    if (code === "index_missing") return new ChatError(T.indexMissing, code);
    if (body && typeof body.message === "string" && body.message.trim()) return new ChatError(body.message, code);
    return new ChatError(status ? T.serverError(status) : T.interrupted, code);
  }

  /** Read `delta` / `final` / `error` events; resolves with the final JSON. */
  async function readEventStream(response, onDelta, touch) {
    let final = null;
    let failure = null;
    const parser = createSseParser((name, data) => {
      let value;
      try {
        value = JSON.parse(data);
      } catch (e) {
        return; // a malformed event: skip it rather than lose the whole answer
      }
      if (name === "delta" && value && typeof value.text === "string") onDelta(value.text);
      else if (name === "final") final = value;
      else if (name === "error") failure = errorFromBody(value, 0);
    });
    const decoder = new TextDecoder("utf-8");
    if (response.body && response.body.getReader) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        touch();
        parser.push(decoder.decode(value, { stream: true }));
        if (failure) {
          reader.cancel().catch(() => {});
          break;
        }
      }
    } else {
      parser.push(await response.text()); // no streaming support: the whole body at once
    }
    parser.push(decoder.decode());
    parser.end();
    if (failure) throw failure;
    if (!final) throw new ChatError(T.interrupted, "interrupted");
    return final;
  }

  // ---------------------------------------------------------------- rendering answers

  function renderError(message, text) {
    if (!text) { // cancelled: nothing to tell
      message.remove();
      return;
    }
    message.className = "msg error";
    message.setAttribute("role", "alert");
    message.removeAttribute("aria-busy");
    message.replaceChildren(h("div", { class: "answer", text }));
    scrollLog(true);
  }

  function renderFinal(message, question, history, result) {
    const refused = result.refused === true;
    const sources = (Array.isArray(result.sources) ? result.sources : [])
      .filter((s) => s && Number.isFinite(Number(s.n)))
      .slice().sort((a, b) => a.n - b.n);
    const answer = String(result.answer);
    const data = { question, answer, sources, mode: result.mode || "", history, refused };
    messageData.set(message, data);

    message.className = refused ? "msg assistant refused" : "msg assistant";
    message.setAttribute("data-refused", String(refused));
    message.removeAttribute("aria-busy");
    const parts = [];
    if (refused) parts.push(h("div", { class: "refused-label", text: T.refusedLabel }));
    const standalone = typeof result.standalone_question === "string" ? result.standalone_question.trim() : "";
    if (standalone && standalone.toLowerCase() !== question.trim().toLowerCase()) {
      parts.push(h("div", { class: "standalone", text: T.understood + standalone }));
    }
    parts.push(answerElement(answer, sources));
    if (result.degraded) parts.push(h("div", { class: "note degraded", text: T.degraded }));
    const listed = refused ? sources : citedSources(answer, sources);
    if (listed.length) parts.push(sourceList(refused ? T.nearest : T.sources, listed));
    parts.push(...feedbackControls(data));
    message.replaceChildren(...parts);
    revealMessage(message);
  }

  /** The answer text with each known [n] as a citation button. */
  function answerElement(answer, sources) {
    const known = new Set(sources.map((s) => Number(s.n)));
    const box = h("div", { class: "answer" });
    splitCitations(answer).forEach((part, i) => {
      if (i % 2 === 0) box.append(part);
      else if (known.has(part)) {
        box.append(h("button", {
          type: "button", class: "cite", "data-n": String(part), "aria-label": T.viewSource(part), text: `[${part}]`,
        }));
      } else box.append(`[${part}]`);
    });
    return box;
  }

  /** The sources the answer cites, in order; all of them when it cites none (e.g. an uncited LLM answer). */
  function citedSources(answer, sources) {
    const cited = new Set(splitCitations(answer).filter((p, i) => i % 2 === 1));
    const list = sources.filter((s) => cited.has(Number(s.n)));
    return list.length ? list : sources;
  }

  function sourceList(heading, sources) {
    return h("div", { class: "sources" },
      h("p", { class: "sources-title", text: heading }),
      h("ol", null, sources.map((s) => h("li", null,
        h("button", { type: "button", class: "source", "data-n": String(s.n), text: sourceLine(s) }),
        handbookLink(s, "handbook")))));
  }

  /** A link to the cited passage in the handbook, in a new tab (the conversation stays); null without one. */
  function handbookLink(source, className) {
    const href = handbookHref(source, config.api, window.location.href);
    if (!href) return null;
    return h("a", {
      class: className, href, target: "_blank", rel: "noopener", "data-n": String(source.n),
      "aria-label": T.handbookLabel(source.n), text: T.handbook,
    });
  }

  // ---------------------------------------------------------------- passage view

  function onLogClick(event) {
    const trigger = event.target.closest("button.cite, button.source");
    if (!trigger) return;
    const data = messageData.get(trigger.closest(".msg"));
    if (!data) return;
    const n = Number(trigger.getAttribute("data-n"));
    const source = data.sources.find((s) => Number(s.n) === n);
    if (source) openPassage(source, data.refused ? [] : citedSentences(data.answer, n), trigger);
  }

  function openPassage(source, sentences, trigger) {
    closePassage(false);
    const n = Number(source.n);
    // NFC for both sides so a decomposed document still matches the answer's sentences.
    const text = String(source.text || "").normalize("NFC");
    const ranges = highlightRanges(text, sentences.map((s) => s.normalize("NFC")));
    const textBox = h("div", { class: "passage-text" });
    let at = 0;
    for (const [start, end] of ranges) {
      textBox.append(text.slice(at, start), h("mark", { text: text.slice(start, end) }));
      at = end;
    }
    textBox.append(text.slice(at));

    const meta = h("dl", { class: "passage-meta" });
    const addMeta = (label, value) => { if (value) meta.append(h("dt", { text: label }), h("dd", { text: value })); };
    addMeta(T.date, formatDate(source.date));
    addMeta(T.numbers, Array.isArray(source.numbers) ? source.numbers.join(", ") : "");
    addMeta(T.section, source.section);
    addMeta(T.file, source.source);

    const back = h("button", { type: "button", class: "back", text: T.back, onclick: () => closePassage(true) });
    const region = h("section", { class: "passage", role: "region", "aria-label": T.sourceRegion(n), "data-n": String(n) },
      h("div", { class: "passage-bar" }, back, h("span", { class: "passage-n", text: T.sourceRegion(n) }),
        handbookLink(source, "passage-link")),
      h("h3", { class: "passage-title", text: source.title || source.doc_id || "" }),
      meta, textBox);
    // The conversation stays underneath, out of the tab order while the passage is shown.
    ui.log.inert = true;
    ui.composer.inert = true;
    ui.body.append(region);
    state.passage = { region, trigger };
    const mark = textBox.querySelector("mark");
    if (mark) region.scrollTop = Math.max(0, mark.offsetTop - region.offsetTop - 60);
    back.focus();
  }

  function closePassage(restoreFocus) {
    if (!state.passage) return;
    const { region, trigger } = state.passage;
    state.passage = null;
    region.remove();
    ui.log.inert = false;
    ui.composer.inert = false;
    if (restoreFocus && trigger.isConnected) trigger.focus();
  }

  // ---------------------------------------------------------------- copy and feedback

  function feedbackControls(data) {
    const status = h("div", { class: "feedback-status", role: "status" });
    const copy = h("button", { type: "button", class: "act copy", "aria-label": T.copyLabel, text: T.copy });
    copy.addEventListener("click", () => copyAnswer(data, copy));
    const up = h("button", { type: "button", class: "act thumb up", "aria-label": T.upLabel, "aria-pressed": "false", text: T.up });
    const down = h("button", { type: "button", class: "act thumb down", "aria-label": T.downLabel, "aria-pressed": "false", text: T.down });
    const comment = h("textarea", { "aria-label": T.comment, placeholder: T.comment, maxlength: "2000", rows: "2" });
    const sendComment = h("button", { type: "button", class: "send-comment", text: T.sendComment });
    const box = h("div", { class: "feedback", hidden: true }, comment, sendComment);
    let rating = null;

    const rate = async (value) => {
      if (rating === value) return;
      rating = value;
      up.setAttribute("aria-pressed", String(value === "up"));
      down.setAttribute("aria-pressed", String(value === "down"));
      box.hidden = false;
      showFeedbackStatus(status, await sendFeedback(data, value, ""));
    };
    up.addEventListener("click", () => rate("up"));
    down.addEventListener("click", () => rate("down"));
    sendComment.addEventListener("click", async () => {
      const text = comment.value.trim();
      if (!text || !rating) { comment.focus(); return; }
      sendComment.disabled = true;
      const outcome = await sendFeedback(data, rating, text);
      showFeedbackStatus(status, outcome);
      if (outcome.ok) { box.hidden = true; comment.value = ""; (rating === "up" ? up : down).focus(); }
      sendComment.disabled = false;
    });
    return [h("div", { class: "actions" }, copy, up, down), box, status];
  }

  /** POST the rating (and comment); resolves {ok, message}, never rejects. */
  async function sendFeedback(data, rating, comment) {
    const payload = {
      question: data.question,
      answer: data.answer,
      rating,
      comment,
      sources: data.sources.map((s) => ({ n: s.n, doc_id: s.doc_id, chunk_id: s.chunk_id, title: s.title })),
      mode: data.mode,
      history: data.history,
    };
    try {
      const response = await fetch(config.api + "/api/feedback", {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(payload), credentials: "omit", cache: "no-store",
      });
      if (response.ok) return { ok: true, message: T.thanks };
      const error = await errorFromResponse(response);
      return { ok: false, message: error.code === "index_missing" || !error.message ? T.feedbackFailed : error.message };
    } catch (e) {
      return { ok: false, message: T.feedbackFailed };
    }
  }

  function showFeedbackStatus(status, outcome) {
    status.textContent = outcome.message;
    status.classList.toggle("failed", !outcome.ok);
  }

  async function copyAnswer(data, button) {
    const lines = [data.answer];
    const listed = data.refused ? data.sources : citedSources(data.answer, data.sources);
    if (listed.length) lines.push("", (data.refused ? T.nearest : T.sources) + ":", ...listed.map(sourceLine));
    const ok = await writeClipboard(lines.join("\n"), ui.root); // inside the shadow root, like the focus
    button.textContent = ok ? T.copied : T.copyFailed;
    button.classList.toggle("copied", ok);
    setTimeout(() => { button.textContent = T.copy; button.classList.remove("copied"); }, 2000);
  }

  // ---------------------------------------------------------------- start

  function start() {
    if (ui || !document.body) return;
    mount();
  }

  window.TroLyNghiQuyet = Object.freeze({
    open() { openPanel(); },
    close() { closePanel(); },
    /** Ask a question as if typed; resolves once answered (false when busy or empty). */
    ask(text) {
      const question = String(text || "").trim().slice(0, MAX_QUESTION);
      if (!ui || !question || state.busy) return Promise.resolve(false);
      if (!state.open) openPanel();
      return ask(question).then(() => true);
    },
  });

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
