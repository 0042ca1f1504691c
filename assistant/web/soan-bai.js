/*
 * Trợ lý Nghị quyết — the lesson-drafting page (/soan-bai).
 *
 * Posts the form to /api/material, shows the draft read-only, downloads it as Markdown or DOCX (the same
 * request with ?format=md|docx, saved through a Blob), copies the Markdown. Plain ES2020, no dependencies.
 * Server data is only ever put into the DOM with textContent: documents may contain markup.
 * The server sends this file with common.js (the helpers it shares with widget.js) put in place of the
 * @include line below, inside this IIFE (see assistant/api/pages.py).
 */
(() => {
  "use strict";

  // @include common.js: h, formatDate, sourceLine, writeClipboard

  const T = {
    submit: "Soạn bài",
    busy: "Đang soạn…",
    busyStatus: "Đang soạn bài từ tài liệu, vui lòng chờ…",
    done: (points, questions) => `Đã soạn xong: ${points} ý chính, ${questions} câu hỏi kiểm tra.`,
    emptyTopic: "Vui lòng nhập chủ đề cần soạn.",
    titlePrefix: "Tài liệu sinh hoạt: ",
    subtitle: (label, day) => `Dành cho: ${label} · Soạn ngày ${day}`,
    noteLabel: "Lưu ý: ",
    note: "Bản nháp do Trợ lý Nghị quyết soạn từ tài liệu; người tập huấn cần rà soát trước khi sử dụng.",
    points: "I. Những ý chính",
    faq: "II. Hỏi – đáp",
    quiz: "III. Câu hỏi kiểm tra",
    answers: "Đáp án và giải thích",
    glossary: "IV. Thuật ngữ và chữ viết tắt",
    sources: "V. Nguồn trích dẫn",
    ask: "Hỏi: ",
    reply: "Đáp: ",
    question: (i) => `Câu ${i}. `,
    answer: (i) => `Câu ${i}: `,
    unverified: "(chưa đối chiếu được đáp án trong đoạn trích — cần rà soát)",
    term: "Viết tắt",
    meaning: "Nghĩa",
    passage: "Đoạn được trích",
    empty: "Không có mục nào.",
    preparing: "Đang chuẩn bị tệp…",
    downloaded: (name) => `Đã tải ${name}.`,
    copied: "Đã sao chép bản Markdown.",
    copyManually: "Trình duyệt không cho phép sao chép tự động: bản Markdown ở ô dưới đây, nhấn Ctrl+C để sao chép.",
    timeout: "Máy chủ phản hồi quá lâu. Vui lòng thử lại sau.",
    network: "Không kết nối được máy chủ trợ lý. Vui lòng kiểm tra kết nối hoặc thử lại sau.",
    indexMissing: "Chưa có tài liệu nào được nạp vào hệ thống. Vui lòng liên hệ quản trị viên.",
    serverError: (status) => `Máy chủ trả lỗi ${status}. Vui lòng thử lại sau.`,
  };
  const LETTERS = "ABCD";
  const TIMEOUT_MS = 180000; // a lesson takes several retrievals (and LLM calls when one is configured)

  const SCRIPT = document.currentScript;
  const configured = (SCRIPT && SCRIPT.dataset.api) || "";
  const API = configured.includes("{{") ? "" : configured.replace(/\/+$/, "");
  const state = { busy: false, request: null, pack: null, markdown: null };
  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- DOM helpers (h is in common.js)

  /** Text with every [n] that names a source turned into a link to it (all through text nodes). */
  function cited(text, sourceNumbers) {
    const nodes = [];
    let last = 0;
    for (const match of String(text).matchAll(/\[(\d+)\]/g)) {
      const n = Number(match[1]);
      if (!sourceNumbers.has(n)) continue;
      if (match.index > last) nodes.push(document.createTextNode(text.slice(last, match.index)));
      nodes.push(h("a", { class: "cite", href: `#nguon-${n}`, "aria-label": `Nguồn ${n}`, text: match[0] }));
      last = match.index + match[0].length;
    }
    if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
    return nodes;
  }

  /** The day the pack was made, in Viet Nam (UTC+7, no daylight saving). */
  function createdDay(created) {
    const time = Date.parse(created);
    if (Number.isNaN(time)) return String(created || "");
    const d = new Date(time + 7 * 3600 * 1000);
    const pad = (x) => String(x).padStart(2, "0");
    return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
  }

  function answerLine(item) {
    const option = item.options[item.correct] || "";
    const choice = item.kind === "mcq" ? `${LETTERS[item.correct]}. ${option}` : option;
    return item.explanation ? `${choice} — ${item.explanation}` : choice;
  }

  // ---------------------------------------------------------------- rendering the draft

  function section(className, title, items, build) {
    const body = items.length ? build() : h("p", { class: "empty", text: T.empty });
    return h("section", { class: className }, h("h3", { text: title }), body);
  }

  function renderDraft(pack) {
    const numbers = new Set((pack.sources || []).map((s) => s.n));
    const head = h("header", {},
      h("h2", { id: "draft-title", tabindex: "-1", text: T.titlePrefix + pack.topic }),
      h("p", { class: "subtitle", text: T.subtitle(pack.audience_label, createdDay(pack.created)) }),
      h("p", { class: "note" }, h("strong", { text: T.noteLabel }), pack.note || T.note));
    if (pack.warnings && pack.warnings.length) {
      head.append(h("ul", { class: "warnings" }, ...pack.warnings.map((w) => h("li", { text: w }))));
    }
    $("draft-body").replaceChildren(
      head,
      section("key-points", T.points, pack.key_points, () =>
        h("ol", {}, ...pack.key_points.map((p) => h("li", { class: "key-point" }, ...cited(p.text, numbers))))),
      section("faq", T.faq, pack.faq, () => h("dl", {}, ...pack.faq.flatMap((item) => [
        h("dt", {}, T.ask + item.question),
        h("dd", {}, h("strong", { text: T.reply }), ...cited(item.answer, numbers)),
      ]))),
      renderQuiz(pack.quiz, numbers),
      section("glossary", T.glossary, pack.glossary, () => renderGlossary(pack.glossary)),
      section("sources", T.sources, pack.sources, () => h("ul", { class: "source-list" }, ...pack.sources.map((s) =>
        h("li", { id: `nguon-${s.n}` },
          h("span", { class: "source-line", text: sourceLine(s) }),
          h("details", {}, h("summary", { text: T.passage }), h("p", { text: s.text })))))),
    );
  }

  function renderQuiz(quiz, numbers) {
    return section("quiz", T.quiz, quiz, () => h("div", {},
      h("ol", { class: "quiz-list" }, ...quiz.map((item, i) => h("li", { class: "quiz-item", "data-kind": item.kind },
        h("p", { class: "quiz-question", text: T.question(i + 1) + item.question }),
        h("ul", { class: "options" }, ...item.options.map((option, j) =>
          h("li", { text: item.kind === "mcq" ? `${LETTERS[j]}. ${option}` : `☐ ${option}` })))))),
      h("h4", { text: T.answers }),
      h("ol", { class: "answers" }, ...quiz.map((item, i) => h("li", { class: "answer" },
        h("strong", { text: T.answer(i + 1) }), ...cited(answerLine(item), numbers),
        item.verified ? null : h("span", { class: "unverified", text: " " + T.unverified }))))));
  }

  function renderGlossary(glossary) {
    return h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: T.term }), h("th", { scope: "col", text: T.meaning }))),
      h("tbody", {}, ...glossary.map((g) => h("tr", {}, h("td", { text: g.term }), h("td", { text: g.meaning })))));
  }

  // ---------------------------------------------------------------- talking to the server

  class PageError extends Error {}

  /** POST the lesson request; resolves with the Response (2xx) or throws a PageError in Vietnamese. */
  async function post(body, format) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    const query = format === "json" ? "" : `?format=${format}`;
    try {
      const response = await fetch(`${API}/api/material${query}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: controller.signal,
        cache: "no-store",
      });
      if (!response.ok) throw await errorFrom(response);
      return response;
    } catch (error) {
      if (error instanceof PageError) throw error;
      throw new PageError(error && error.name === "AbortError" ? T.timeout : T.network);
    } finally {
      clearTimeout(timer);
    }
  }

  async function errorFrom(response) {
    let body = null;
    try {
      body = await response.json();
    } catch (e) { /* not JSON */ }
    // The server's index_missing text tells an administrator which command to run; users get a plain one.
    if (body && body.error === "index_missing") return new PageError(T.indexMissing);
    if (body && typeof body.message === "string" && body.message.trim()) return new PageError(body.message);
    return new PageError(T.serverError(response.status));
  }

  /** The file name from Content-Disposition (filename* first), else a fallback. */
  function fileName(response, fallback) {
    const header = response.headers.get("content-disposition") || "";
    const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (star) {
      try {
        return decodeURIComponent(star[1]);
      } catch (e) { /* malformed: try the plain name */ }
    }
    const plain = /filename="([^"]+)"/i.exec(header);
    return plain ? plain[1] : fallback;
  }

  // ---------------------------------------------------------------- actions

  function readForm() {
    return {
      topic: $("topic").value.trim(),
      audience: $("audience").value,
      points: Number($("points").value) || 6,
      questions: Number($("questions").value) || 10,
    };
  }

  function setStatus(text) {
    $("lesson-status").textContent = text;
  }

  function showError(text) {
    const box = $("lesson-error");
    box.textContent = text;
    box.hidden = !text;
  }

  function setBusy(busy) {
    state.busy = busy;
    const button = $("submit");
    button.disabled = busy;
    button.textContent = busy ? T.busy : T.submit;
    $("lesson-form").setAttribute("aria-busy", String(busy));
    for (const id of ["download-md", "download-docx", "copy-md"]) $(id).disabled = busy;
  }

  async function onSubmit(event) {
    event.preventDefault();
    if (state.busy) return;
    const body = readForm();
    if (!body.topic) {
      showError(T.emptyTopic);
      $("topic").focus();
      return;
    }
    showError("");
    setBusy(true);
    setStatus(T.busyStatus);
    try {
      const pack = await (await post(body, "json")).json();
      Object.assign(state, { request: body, pack, markdown: null });
      renderDraft(pack);
      $("draft").hidden = false;
      setStatus(T.done(pack.key_points.length, pack.quiz.length));
      $("draft-title").focus();
    } catch (error) {
      $("draft").hidden = true;
      setStatus("");
      showError(error instanceof PageError ? error.message : T.serverError(200));
    } finally {
      setBusy(false);
    }
  }

  /** Fetch the draft in `format` and save it (Blob + object URL + a temporary link). */
  async function download(format) {
    if (!state.request || state.busy) return;
    setBusy(true);
    setStatus(T.preparing);
    showError("");
    try {
      const response = await post(state.request, format);
      const name = fileName(response, `bai-soan.${format}`);
      const blob = await response.blob();
      if (format === "md") state.markdown = await blob.text();
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      setStatus(T.downloaded(name));
    } catch (error) {
      setStatus("");
      showError(error instanceof PageError ? error.message : T.network);
    } finally {
      setBusy(false);
    }
  }

  async function copyMarkdown() {
    if (!state.request || state.busy) return;
    showError("");
    try {
      if (state.markdown === null) {
        setBusy(true);
        setStatus(T.preparing);
        state.markdown = await (await post(state.request, "md")).text();
      }
    } catch (error) {
      setStatus("");
      showError(error instanceof PageError ? error.message : T.network);
      return;
    } finally {
      setBusy(false);
    }
    if (await writeClipboard(state.markdown)) {
      setStatus(T.copied);
    } else {
      showCopyBox(state.markdown);
    }
  }

  /** Where automatic copying is refused (plain http, no permission): the Markdown, selected, to copy by hand. */
  function showCopyBox(text) {
    let box = document.querySelector(".copy-box");
    if (!box) {
      box = h("textarea", { class: "copy-box", readonly: true, "aria-label": "Bản Markdown" });
      $("draft").insertBefore(box, $("draft-body"));
    }
    box.value = text;
    setStatus(T.copyManually);
    box.focus();
    box.select();
  }

  function start() {
    $("lesson-form").addEventListener("submit", onSubmit);
    $("download-md").addEventListener("click", () => download("md"));
    $("download-docx").addEventListener("click", () => download("docx"));
    $("copy-md").addEventListener("click", copyMarkdown);
    const topic = new URLSearchParams(window.location.search).get("chu-de");
    if (topic) $("topic").value = topic.slice(0, 300);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
})();
