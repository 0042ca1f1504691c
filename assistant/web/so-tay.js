/*
 * Trợ lý Nghị quyết — the document handbook (/so-tay and /so-tay/{id}).
 *
 * /so-tay lists the collection from GET /api/documents: a search box (a number in any typed form, or words, with
 * or without diacritics), facets with counts, sort by date of issue, pages; the state lives in the URL, so Back
 * and a copied link work. /so-tay/{id} reads one document from GET /api/documents/{id} (and /related for the
 * timeline): its header, a table of contents, the full text with an anchor per section and each passage
 * (chunk) marked, the related documents, and a chat scoped to it (POST /api/chat with filters.doc_ids).
 * A citation arrives as /so-tay/{id}?doan={start}-{end}#{section}: the passage is highlighted and scrolled to.
 * Plain ES2020, no dependencies; server data goes into the DOM with textContent only. The server puts common.js
 * in place of the @include line below, inside this IIFE (see assistant/api/pages.py).
 */
(() => {
  "use strict";

  // @include common.js: h, formatDate, sourceLine, writeClipboard

  const T = {
    facets: { kind: "Loại văn bản", issuer: "Cơ quan ban hành", year: "Năm ban hành", place: "Địa phương" },
    found: (n) => `Tìm thấy ${n} văn bản`,
    total: (n) => `Kho có ${n} văn bản`,
    none: "Không tìm thấy văn bản phù hợp. Hãy thử số hiệu khác, bỏ bớt bộ lọc hoặc gõ ít từ hơn.",
    loading: "Đang tải…",
    page: (p, n) => `Trang ${p}/${n}`,
    issued: (d) => `Ban hành ${d}`,
    dated: (d) => `Ngày ${d}`,
    file: (name) => `Tệp ${name}`,
    noDate: "Chưa rõ ngày ban hành",
    notFound: "Không tìm thấy văn bản này trong kho. Có thể văn bản đã được gỡ hoặc đường dẫn không đúng.",
    network: "Không kết nối được máy chủ. Vui lòng kiểm tra kết nối hoặc thử lại sau.",
    indexMissing: "Chưa có tài liệu nào được nạp vào hệ thống. Vui lòng liên hệ quản trị viên.",
    serverError: (status) => `Máy chủ trả lỗi ${status}. Vui lòng thử lại sau.`,
    head: {
      number: "Số, ký hiệu", date: "Ngày ban hành", day: "Ngày", issuer: "Cơ quan ban hành", place: "Nơi ban hành",
      signer: "Người ký", effective: "Hiệu lực từ", subject: "Trích yếu", parts: "Gồm các văn bản", source: "Tệp nguồn",
    },
    jump: { toc: "Mục lục", text: "Toàn văn", related: "Văn bản liên quan", ask: "Hỏi về văn bản này" },
    toc: (n) => `Mục lục (${n} mục)`,
    noToc: "Văn bản không có đề mục.",
    noRelated: "Chưa tìm thấy văn bản nào liên quan trong kho.",
    missing: "chưa có trong kho",
    timeline: "Dòng thời gian",
    roles: {
      head: "văn bản gốc", copies: "bản khác", implements: "thực hiện", reports: "báo cáo, tin",
      based_on: "căn cứ vào", cites: "có nhắc đến", replaces: "thay thế", amends: "sửa đổi",
    },
    here: " (văn bản đang xem)",
    cited: (section) => `Đoạn được trích dẫn${section ? ": " + section : ""}.`,
    clearCited: "Bỏ đánh dấu",
    asking: "Đang tìm câu trả lời trong văn bản…",
    answered: "Đã trả lời.",
    refused: "Văn bản không nói rõ điều này.",
    emptyQuestion: "Vui lòng nhập câu hỏi.",
    goTo: (n, section) => `Đến đoạn [${n}]${section ? " — " + section : ""}`,
    top: "phần đầu văn bản",
    sources: "Nguồn",
  };
  const PAGE_SIZE = 20;
  const FACETS = ["kind", "issuer", "year", "place"];
  const MAX_MISSING_SHOWN = 8; // a long list of texts merely cited folds up (the ones held listed first)

  const SCRIPT = document.currentScript;
  const configured = (SCRIPT && SCRIPT.dataset.api) || "";
  const API = configured.includes("{{") ? "" : configured.replace(/\/+$/, "");
  const rootAttr = (SCRIPT && SCRIPT.dataset.root) || "";
  const ROOT = rootAttr.includes("{{") ? "" : rootAttr.replace(/\/+$/, "");
  const $ = (id) => document.getElementById(id);
  const state = { docId: null, doc: null, asking: false, listRequest: 0 };

  // ---------------------------------------------------------------- helpers

  function docUrl(id) {
    return `${ROOT}/so-tay/${encodeURIComponent(id)}`;
  }

  function capital(text) {
    const s = String(text || "");
    return s ? s[0].toUpperCase() + s.slice(1) : s;
  }

  class ApiError extends Error {}

  async function getJson(path, options) {
    let response;
    try {
      response = await fetch(API + path, { credentials: "omit", headers: { Accept: "application/json" }, ...options });
    } catch (e) {
      throw new ApiError(T.network);
    }
    let body = null;
    try {
      body = await response.json();
    } catch (e) { /* not JSON */ }
    if (response.ok && body) return body;
    if (body && body.error === "index_missing") throw new ApiError(T.indexMissing);
    if (response.status === 404) throw new ApiError(T.notFound);
    if (body && typeof body.message === "string" && body.message) throw new ApiError(body.message);
    throw new ApiError(T.serverError(response.status));
  }

  function showError(message) {
    const box = $("error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  // ---------------------------------------------------------------- the list

  function readListState() {
    const params = new URLSearchParams(window.location.search);
    const chosen = {};
    for (const facet of FACETS) chosen[facet] = params.getAll(facet);
    const page = Math.max(1, Number.parseInt(params.get("trang") || "1", 10) || 1);
    return { q: params.get("q") || "", sort: params.get("sort") || "", chosen, page };
  }

  function listQuery(list) {
    const params = new URLSearchParams();
    if (list.q) params.set("q", list.q);
    if (list.sort) params.set("sort", list.sort);
    for (const facet of FACETS) for (const value of list.chosen[facet]) params.append(facet, value);
    return params;
  }

  function navigateList(list, replace) {
    const params = listQuery(list);
    if (list.page > 1) params.set("trang", String(list.page));
    const url = `${window.location.pathname}${params.toString() ? "?" + params : ""}`;
    if (replace) window.history.replaceState(null, "", url);
    else window.history.pushState(null, "", url);
    loadList();
  }

  async function loadList() {
    const list = readListState();
    $("q").value = list.q;
    $("sort").value = list.sort || (list.q ? "" : "newest");
    const params = listQuery(list);
    // Without a search, "Phù hợp nhất" means the newest first; with one, the best matches.
    if (!list.sort && !list.q) params.set("sort", "newest");
    params.set("limit", String(PAGE_SIZE));
    params.set("offset", String((list.page - 1) * PAGE_SIZE));
    const request = ++state.listRequest;
    $("results-status").textContent = T.loading;
    try {
      const body = await getJson(`/api/documents?${params}`);
      if (request !== state.listRequest) return; // a newer search is on its way
      showError("");
      renderFacets(body.facets || {}, list);
      renderResults(body, list);
    } catch (error) {
      if (request !== state.listRequest) return;
      $("results-status").textContent = "";
      showError(error.message);
    }
  }

  function renderFacets(facets, list) {
    const groups = FACETS.map((facet) => {
      const values = facets[facet] || [];
      if (!values.length) return null;
      const items = values.map((v, i) => {
        const id = `f-${facet}-${i}`;
        const box = h("input", { type: "checkbox", id, name: facet, value: v.value, checked: v.selected });
        box.addEventListener("change", () => toggleFacet(facet, v.value, box.checked));
        const label = facet === "kind" ? capital(v.value) : v.value;
        return h("li", null, h("label", { for: id }, box, h("span", { text: label }),
          h("span", { class: "count" }, String(v.count), h("span", { class: "sr", text: " văn bản" }))));
      });
      return h("fieldset", null, h("legend", { text: T.facets[facet] }), h("ul", null, items));
    });
    $("facet-groups").replaceChildren(...groups.filter(Boolean));
    $("clear-filters").hidden = !FACETS.some((f) => list.chosen[f].length);
  }

  function toggleFacet(facet, value, on) {
    const list = readListState();
    const values = list.chosen[facet].filter((v) => v !== value);
    if (on) values.push(value);
    list.chosen[facet] = values;
    list.page = 1;
    navigateList(list);
  }

  function renderResults(body, list) {
    const docs = body.documents || [];
    // The same number twice on a page is the same text ingested twice: its file tells the copies apart.
    const seen = new Map();
    docs.forEach((d) => { if (d.number) seen.set(d.number, (seen.get(d.number) || 0) + 1); });
    const total = Number(body.total || 0);
    const searching = list.q || FACETS.some((f) => list.chosen[f].length);
    $("results-status").textContent = searching ? T.found(total) : T.total(total);
    const items = docs.map((d) => h("li", { class: "result", "data-id": d.id },
      h("div", { class: "meta-line" },
        h("span", { class: "badge", text: capital(d.kind) }),
        d.number ? h("span", { class: "number", text: d.number }) : null,
        h("span", { text: d.date ? (d.number ? T.issued : T.dated)(formatDate(d.date)) : T.noDate })),
      h("h3", null, h("a", { href: docUrl(d.id), text: d.title || d.id })),
      h("div", { class: "meta-line" }, d.issuer ? h("span", { text: d.issuer }) : null,
        d.place ? h("span", { text: d.place }) : null,
        seen.get(d.number) > 1 ? h("span", { text: T.file(d.source) }) : null)));
    $("results").replaceChildren(...items);
    if (!docs.length) $("results").append(h("li", { class: "empty", text: T.none }));
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    $("pager").hidden = pages <= 1;
    $("page-info").textContent = T.page(list.page, pages);
    $("prev-page").disabled = list.page <= 1;
    $("next-page").disabled = list.page >= pages;
  }

  function startList() {
    $("list-view").hidden = false;
    $("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const list = readListState();
      list.q = $("q").value.trim(); // the sort stays as chosen (by default: relevance once searching)
      list.page = 1;
      navigateList(list);
    });
    $("sort").addEventListener("change", () => {
      const list = readListState();
      list.sort = $("sort").value;
      list.page = 1;
      navigateList(list);
    });
    $("clear-filters").addEventListener("click", () => {
      const list = readListState();
      for (const facet of FACETS) list.chosen[facet] = [];
      list.page = 1;
      navigateList(list);
      $("q").focus();
    });
    const turn = (delta) => {
      const list = readListState();
      list.page += delta;
      navigateList(list);
      $("results-title").scrollIntoView({ block: "start" });
    };
    $("prev-page").addEventListener("click", () => turn(-1));
    $("next-page").addEventListener("click", () => turn(1));
    window.addEventListener("popstate", loadList);
    if (window.matchMedia("(max-width: 900px)").matches) $("facets").open = false;
    loadList();
  }

  // ---------------------------------------------------------------- one document

  async function startDocument(id) {
    state.docId = id;
    $("doc-view").hidden = false;
    $("ask-form").addEventListener("submit", (event) => { event.preventDefault(); askQuestion(); });
    $("question").addEventListener("keydown", (event) => {
      // isComposing / 229: a Vietnamese input method (Telex, VNI) may still be composing a syllable.
      if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      askQuestion();
    });
    let doc;
    try {
      doc = await getJson(`/api/documents/${encodeURIComponent(id)}`);
    } catch (error) {
      $("doc-view").hidden = true;
      showError(error.message);
      return;
    }
    state.doc = doc;
    document.title = `${doc.title || doc.id} – Sổ tay điện tử`;
    renderHead(doc);
    renderRelated(doc.related || [], []);
    renderToc(doc.sections || []);
    renderText(doc.text || "", doc.passages || [], doc.sections || []);
    landOnTarget();
    getJson(`/api/documents/${encodeURIComponent(id)}/related`)
      .then((related) => renderRelated(related.related || [], related.timeline || []))
      .catch(() => { /* the groups from the document itself stay */ });
  }

  function renderHead(doc) {
    const rows = [];
    const add = (label, value) => { if (value) rows.push(h("dt", { text: label }), h("dd", { text: value })); };
    add(T.head.number, doc.number);
    add(doc.number ? T.head.date : T.head.day, formatDate(doc.date));
    add(T.head.issuer, doc.issuer);
    add(T.head.place, doc.place);
    add(T.head.signer, [doc.signer_title, doc.signer].filter(Boolean).join(" "));
    add(T.head.effective, formatDate(doc.effective));
    add(T.head.subject, doc.subject);
    add(T.head.parts, (doc.parts || []).join("; "));
    add(T.head.source, doc.source);
    const jump = h("nav", { class: "jump", "aria-label": "Trong trang này" },
      h("a", { href: "#toc", text: T.jump.toc }), h("a", { href: "#text-title", text: T.jump.text }),
      h("a", { href: "#related", text: T.jump.related }), h("a", { href: "#ask", text: T.jump.ask }));
    $("doc-head").replaceChildren(
      h("div", { class: "meta-line" }, h("span", { class: "badge", text: capital(doc.kind) }),
        doc.number ? h("span", { class: "number", text: doc.number }) : null),
      h("h2", { id: "doc-title", tabindex: "-1", text: doc.title || doc.id }),
      h("dl", null, rows), jump);
  }

  function relatedItem(item) {
    const copy = item.number && item.source && state.doc && item.number === state.doc.number;
    const detail = [item.number && item.number !== item.title ? item.number : "", formatDate(item.date),
      copy ? T.file(item.source) : ""].filter(Boolean).join(", ");
    if (!item.in_collection || !item.doc_id) {
      return h("li", { class: "missing", "data-missing": "true" }, h("span", { text: item.title || item.number }),
        h("span", { class: "note", text: ` (${item.note || T.missing})` }));
    }
    return h("li", { "data-id": item.doc_id }, h("a", { href: docUrl(item.doc_id), text: item.title || item.doc_id }),
      detail ? h("span", { text: ` — ${detail}` }) : null);
  }

  function relatedGroup(group) {
    const items = group.items.slice().sort((a, b) => Number(b.in_collection) - Number(a.in_collection));
    const list = h("ul", null, items.map(relatedItem));
    const title = `${group.label} (${items.length})`;
    const attrs = { class: "group", "data-relation": group.relation, "data-direction": group.direction };
    const missing = items.filter((i) => !i.in_collection).length;
    if (group.relation === "cites" && missing > MAX_MISSING_SHOWN) {
      return h("div", attrs, h("details", null, h("summary", { text: title }), list));
    }
    return h("div", attrs, h("h3", { text: title }), list);
  }

  function renderRelated(groups, timeline) {
    const body = $("related-body");
    const parts = groups.map(relatedGroup);
    if (timeline.length) {
      parts.push(h("div", { class: "group" }, h("h3", { text: T.timeline }),
        h("ol", { class: "timeline" }, timeline.map((entry) => {
          const here = entry.doc_id === state.docId;
          const role = T.roles[entry.relation] || entry.relation;
          return h("li", { class: here ? "here" : null, "aria-current": here ? "page" : null },
            h("span", { text: `${formatDate(entry.date) || T.noDate} — ` }),
            here ? h("span", { text: entry.title + T.here })
              : h("a", { href: docUrl(entry.doc_id), text: entry.title }),
            h("span", { class: "status", text: ` (${role})` }));
        }))));
    }
    body.replaceChildren(...(parts.length ? parts : [h("p", { class: "empty", text: T.noRelated })]));
  }

  /** The levels worth listing: from the first one with several headings, two levels deep. */
  function tocEntries(sections) {
    const count = (depth) => sections.filter((s) => s.depth === depth).length;
    const deepest = Math.max(0, ...sections.map((s) => s.depth));
    let base = 1;
    while (base < deepest && count(base) < 2) base += 1;
    return sections.filter((s) => s.depth >= base && s.depth <= base + 1).map((s) => ({ ...s, level: s.depth - base + 1 }));
  }

  function renderToc(sections) {
    const entries = tocEntries(sections);
    if (!entries.length) {
      $("toc").replaceChildren(h("p", { class: "empty", text: T.noToc }));
      return;
    }
    const list = h("ol", null, entries.map((s) => h("li", { class: `depth-${s.level}` },
      h("a", { href: `#${s.anchor}`, text: s.label, title: s.path }))));
    const box = h("details", { open: !window.matchMedia("(max-width: 900px)").matches },
      h("summary", { text: T.toc(entries.length) }), list);
    $("toc").replaceChildren(box);
  }

  /** The text as it is stored, each passage (chunk) a span of its own, an anchor where each section starts. */
  function renderText(text, passages, sections) {
    const spans = passages.slice().sort((a, b) => a.start - b.start);
    const anchorsAt = new Map(); // passage start -> anchors of the sections starting there
    for (const s of sections) {
      const at = (spans.find((p) => p.start >= s.start) || { start: text.length }).start;
      if (!anchorsAt.has(at)) anchorsAt.set(at, []);
      anchorsAt.get(at).push(s.anchor);
    }
    const box = $("doc-text");
    const nodes = [];
    let at = 0;
    for (const p of spans) {
      if (p.start < at) continue;
      if (p.start > at) nodes.push(text.slice(at, p.start));
      for (const anchor of anchorsAt.get(p.start) || []) nodes.push(h("span", { class: "anchor", id: anchor }));
      nodes.push(h("span", {
        class: "doan", id: `doan-${p.position}`, "data-start": String(p.start), "data-end": String(p.end),
        "data-section": p.section, text: text.slice(p.start, p.end),
      }));
      at = p.end;
    }
    nodes.push(text.slice(at));
    for (const anchor of anchorsAt.get(text.length) || []) nodes.push(h("span", { class: "anchor", id: anchor }));
    box.replaceChildren(...nodes);
  }

  /** Highlight the passages covering [start, end), say which section they are in, scroll to the first. */
  function highlight(start, end, scroll = true) {
    const box = $("doc-text");
    box.querySelectorAll(".doan.cited").forEach((el) => { el.classList.remove("cited"); el.removeAttribute("tabindex"); });
    const hit = Array.from(box.querySelectorAll(".doan"))
      .filter((el) => Number(el.dataset.start) < end && Number(el.dataset.end) > start);
    hit.forEach((el) => el.classList.add("cited"));
    const note = $("cited-note");
    if (!hit.length) {
      note.hidden = true;
      return null;
    }
    const clear = h("button", { type: "button", class: "small", text: T.clearCited, onclick: () => {
      box.querySelectorAll(".doan.cited").forEach((el) => el.classList.remove("cited"));
      note.hidden = true;
    } });
    note.replaceChildren(h("span", { text: T.cited(hit[0].dataset.section || T.top) + " " }), clear);
    note.hidden = false;
    if (scroll) {
      hit[0].setAttribute("tabindex", "-1");
      hit[0].scrollIntoView({ block: "center" });
      hit[0].focus({ preventScroll: true });
    }
    return hit[0];
  }

  /** Where a link asked to land: the cited span (?doan=start-end), else the section of the #fragment. */
  function landOnTarget() {
    const span = /^(\d+)-(\d+)$/.exec(new URLSearchParams(window.location.search).get("doan") || "");
    if (span && highlight(Number(span[1]), Number(span[2]))) return;
    const id = decodeURIComponent(window.location.hash.slice(1));
    const target = id && document.getElementById(id);
    if (target) target.scrollIntoView({ block: "start" });
  }

  // ---------------------------------------------------------------- asking about this document

  async function askQuestion() {
    const question = $("question").value.trim();
    if (!question) {
      $("ask-status").textContent = T.emptyQuestion;
      $("question").focus();
      return;
    }
    if (state.asking) return;
    state.asking = true;
    $("ask-button").disabled = true;
    $("ask-status").textContent = T.asking;
    try {
      const body = await getJson("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ question, filters: { doc_ids: [state.docId] } }),
      });
      renderAnswer(body);
      $("ask-status").textContent = body.refused ? T.refused : T.answered;
    } catch (error) {
      $("ask-result").replaceChildren(h("div", { class: "alert", role: "alert", text: error.message }));
      $("ask-status").textContent = "";
    } finally {
      state.asking = false;
      $("ask-button").disabled = false;
    }
  }

  function renderAnswer(body) {
    const sources = (body.sources || []).filter((s) => s && Number.isFinite(Number(s.n)));
    const byN = new Map(sources.map((s) => [Number(s.n), s]));
    const answer = h("div", { class: body.refused ? "answer refused" : "answer" });
    String(body.answer || "").split(/\[(\d+)\]/).forEach((part, i) => {
      if (i % 2 === 0) answer.append(part);
      else if (byN.has(Number(part))) {
        answer.append(h("button", { type: "button", class: "cite", "data-n": part, text: `[${part}]`,
          "aria-label": T.goTo(part, byN.get(Number(part)).section) }));
      } else answer.append(`[${part}]`);
    });
    const cited = new Set(Array.from(String(body.answer || "").matchAll(/\[(\d+)\]/g), (m) => Number(m[1])));
    const listed = sources.filter((s) => cited.has(Number(s.n)));
    const list = h("ol", { class: "answer-sources", "aria-label": T.sources },
      (listed.length ? listed : sources).map((s) => h("li", null, sourceLink(s))));
    $("ask-result").replaceChildren(answer, list);
    answer.addEventListener("click", (event) => {
      const button = event.target.closest("button.cite");
      if (button) goToSource(byN.get(Number(button.dataset.n)));
    });
  }

  function sourceLink(source) {
    const label = T.goTo(source.n, source.section || T.top);
    if (source.doc_id !== state.docId) {
      return h("a", { href: source.handbook_url || docUrl(source.doc_id), text: `${label} (${source.title})` });
    }
    return h("button", { type: "button", class: "cite", "data-n": String(source.n), text: label,
      onclick: () => goToSource(source) });
  }

  function goToSource(source) {
    if (!source) return;
    highlight(Number(source.start), Number(source.end));
  }

  // ---------------------------------------------------------------- start

  function start() {
    const path = window.location.pathname.slice(ROOT.length);
    const match = /^\/so-tay\/([^/]+)\/?$/.exec(path);
    if (match) startDocument(decodeURIComponent(match[1]));
    else startList();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
})();
