/*
 * Trợ lý Nghị quyết — the admin page (/quan-tri).
 *
 * The admin key is kept in sessionStorage only (gone when the tab closes) and sent as `Authorization: Bearer`
 * to /api/admin/*. Uploads start an ingest job, followed here until it is done; the server then serves the
 * new index without a restart, and the document list (public /api/documents) is read again. Server data is
 * only ever put into the DOM with textContent. Plain ES2020, no dependencies; the server puts common.js in
 * place of the @include line below, inside this IIFE (see assistant/api/pages.py).
 */
(() => {
  "use strict";

  // @include common.js: h, formatDate, sourceLine, writeClipboard

  const T = {
    signIn: "Đăng nhập",
    checking: "Đang kiểm tra khoá…",
    signedIn: "Đã đăng nhập.",
    signedOut: "Đã thoát. Khoá đã được xoá khỏi trình duyệt.",
    wrongKey: "Khoá quản trị không đúng.",
    noKey: "Vui lòng nhập khoá quản trị.",
    network: "Không kết nối được máy chủ. Vui lòng kiểm tra kết nối hoặc thử lại sau.",
    serverError: (status) => `Máy chủ trả lỗi ${status}. Vui lòng thử lại sau.`,
    noFiles: "Vui lòng chọn ít nhất một tệp.",
    uploading: "Đang tải lên…",
    uploaded: (names) => `Đã tải lên ${names}. Đang nạp vào chỉ mục…`,
    started: "Đã bắt đầu nạp lại tài liệu.",
    confirmDelete: (title) => `Xoá tài liệu «${title}» khỏi kho tài liệu và chỉ mục?`,
    deleted: (source) => `Đã xoá tệp ${source}. Đang cập nhật chỉ mục…`,
    delete: "Xoá",
    deleteLabel: (title) => `Xoá tài liệu ${title}`,
    documentsCaption: (n) => `Tài liệu đang được phục vụ (${n})`,
    noDocuments: "Chưa có tài liệu nào trong chỉ mục.",
    noIndex: "Chưa có chỉ mục — hãy tải tài liệu lên hoặc bấm «Nạp lại tài liệu».",
    noJobs: "Chưa có tác vụ nào.",
    states: { queued: "Đang chờ", running: "Đang nạp", done: "Hoàn tất", failed: "Thất bại" },
    kinds: { upload: "Tải lên", delete: "Xoá tài liệu", ingest: "Nạp lại", rebuild: "Tạo lại chỉ mục" },
    progress: (done, total) => (total ? `${done}/${total} đoạn đã nhúng` : "Đang đọc tài liệu…"),
    summary: (s) => `${s.documents} tài liệu: thêm ${s.added}, cập nhật ${s.updated}, xoá ${s.removed}, ` +
      `giữ nguyên ${s.unchanged}; ${s.chunks_embedded} đoạn được nhúng (${s.cache_hits ?? 0} đoạn lấy lại từ bộ nhớ đệm) trong ${s.seconds.toFixed(1).replace(".", ",")} giây.`,
    skipped: (source, reason) => `Bỏ qua ${source}: ${reason}`,
    generation: (g) => ` Đang phục vụ chỉ mục thế hệ ${g}.`,
    feedbackCount: (total, counts) => `${total} góp ý (${counts.down} chưa hài lòng, ${counts.up} hài lòng).`,
    noFeedback: "Không có góp ý nào phù hợp.",
    ratings: { down: "Chưa hài lòng", up: "Hài lòng" },
    showAnswer: "Xem câu trả lời",
    csvReady: "Đã tải tệp gop-y.csv.",
    jobDone: (kind) => `${kind}: đã nạp xong, chỉ mục mới đang được phục vụ.`,
    jobFailed: (kind) => `${kind}: thất bại — xem chi tiết trong danh sách tác vụ.`,
    preparing: "Đang chuẩn bị tệp…",
  };
  const KEY = "tro-ly-nghi-quyet.admin-key";
  const POLL_MS = 1000;
  const FEEDBACK_PAGE = 50;

  const SCRIPT = document.currentScript;
  const configured = (SCRIPT && SCRIPT.dataset.api) || "";
  const API = configured.includes("{{") ? "" : configured.replace(/\/+$/, "");
  const state = { polling: null, feedbackOffset: 0, jobsSeen: new Map() };
  const $ = (id) => document.getElementById(id);

  class PageError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  // ---------------------------------------------------------------- the key (sessionStorage only)

  function storedKey() {
    try {
      return sessionStorage.getItem(KEY) || "";
    } catch (e) {
      return "";
    }
  }

  function storeKey(key) {
    try {
      if (key) sessionStorage.setItem(KEY, key);
      else sessionStorage.removeItem(KEY);
    } catch (e) { /* storage refused: the key lives until the page is left */ }
    state.key = key;
  }

  // ---------------------------------------------------------------- talking to the server

  async function request(path, options = {}) {
    const headers = Object.assign({}, options.headers || {});
    if (path.startsWith("/api/admin/")) headers.Authorization = `Bearer ${state.key || ""}`;
    let response;
    try {
      response = await fetch(`${API}${path}`, Object.assign({}, options, { headers, cache: "no-store" }));
    } catch (e) {
      throw new PageError(T.network, 0);
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  async function json(path, options) {
    return (await request(path, options)).json();
  }

  async function errorFrom(response) {
    let body = null;
    try {
      body = await response.json();
    } catch (e) { /* not JSON */ }
    if (response.status === 401) return new PageError(T.wrongKey, 401);
    if (body && typeof body.message === "string" && body.message.trim()) return new PageError(body.message, response.status);
    return new PageError(T.serverError(response.status), response.status);
  }

  function showError(error) {
    const box = $("admin-error");
    box.textContent = error instanceof PageError ? error.message : T.network;
    box.hidden = false;
    if (error instanceof PageError && error.status === 401) signOut(T.wrongKey);
  }

  function clearError() {
    $("admin-error").hidden = true;
  }

  // ---------------------------------------------------------------- signing in and out

  async function signIn(key) {
    storeKey(key);
    $("key-status").textContent = T.checking;
    $("sign-in").disabled = true;
    try {
      await json("/api/admin/jobs?limit=1");
    } catch (error) {
      storeKey("");
      $("key-status").textContent = error.message;
      $("admin-key").focus();
      return;
    } finally {
      $("sign-in").disabled = false;
    }
    clearError();
    $("admin-key").value = "";
    $("key-form").hidden = true;
    $("signed-in").hidden = false;
    $("admin").hidden = false;
    $("key-status").textContent = T.signedIn;
    await Promise.all([loadDocuments().catch(showError), loadJobs(), loadFeedback(true)]);
  }

  function signOut(message) {
    storeKey("");
    stopPolling();
    $("admin").hidden = true;
    $("signed-in").hidden = true;
    $("key-form").hidden = false;
    $("key-status").textContent = message || T.signedOut;
    $("admin-key").focus();
  }

  // ---------------------------------------------------------------- documents

  async function loadDocuments() {
    const body = $("documents-body");
    let documents;
    try {
      documents = (await json("/api/documents")).documents;
    } catch (error) {
      if (error.status === 503) {
        body.replaceChildren(emptyRow(6, T.noIndex));
        $("documents-caption").textContent = T.documentsCaption(0);
        return;
      }
      throw error;
    }
    $("documents-caption").textContent = T.documentsCaption(documents.length);
    if (!documents.length) {
      body.replaceChildren(emptyRow(6, T.noDocuments));
      return;
    }
    body.replaceChildren(...documents.map((d) => h("tr", { "data-id": d.id },
      h("td", {}, h("div", { text: d.title || d.id }), h("div", { class: "file", text: d.source })),
      h("td", { text: d.kind || "" }),
      h("td", { class: "nowrap", text: d.number || (d.numbers || []).join(", ") }),
      h("td", { class: "nowrap", text: formatDate(d.date) }),
      h("td", { text: d.issuer || "" }),
      h("td", {}, h("button", {
        type: "button", class: "small", text: T.delete, "aria-label": T.deleteLabel(d.title || d.id),
        onclick: () => deleteDocument(d),
      })))));
  }

  function emptyRow(columns, text) {
    return h("tr", {}, h("td", { colspan: String(columns), class: "empty", text }));
  }

  async function deleteDocument(doc) {
    if (!window.confirm(T.confirmDelete(doc.title || doc.id))) return;
    clearError();
    try {
      const result = await json(`/api/admin/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
      $("upload-status").textContent = T.deleted(result.source);
      await loadJobs();
    } catch (error) {
      showError(error);
    }
  }

  async function upload(event) {
    event.preventDefault();
    clearError();
    const files = Array.from($("files").files || []);
    if (!files.length) {
      $("upload-status").textContent = T.noFiles;
      $("files").focus();
      return;
    }
    const form = new FormData();
    for (const file of files) form.append("files", file, file.name);
    $("upload").disabled = true;
    $("upload-status").textContent = T.uploading;
    try {
      const result = await json("/api/admin/documents", { method: "POST", body: form });
      $("upload-status").textContent = T.uploaded(result.files.map((f) => f.name).join(", "));
      $("files").value = "";
      await loadJobs();
    } catch (error) {
      $("upload-status").textContent = "";
      showError(error);
    } finally {
      $("upload").disabled = false;
    }
  }

  async function reingest() {
    clearError();
    const rebuild = $("rebuild").checked;
    $("reingest").disabled = true;
    try {
      await json("/api/admin/ingest", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ rebuild }),
      });
      $("upload-status").textContent = T.started;
      $("rebuild").checked = false;
      await loadJobs();
    } catch (error) {
      showError(error);
    } finally {
      $("reingest").disabled = false;
    }
  }

  // ---------------------------------------------------------------- jobs

  async function loadJobs() {
    let jobs;
    try {
      jobs = (await json("/api/admin/jobs?limit=10")).jobs;
    } catch (error) {
      showError(error);
      return;
    }
    renderJobs(jobs);
    let finished = null;
    for (const job of [...jobs].reverse()) {
      const before = state.jobsSeen.get(job.id);
      if (before && before !== job.state && (job.state === "done" || job.state === "failed")) finished = job;
      state.jobsSeen.set(job.id, job.state);
    }
    if (finished) {
      const kind = T.kinds[finished.kind] || finished.kind;
      $("upload-status").textContent = finished.state === "done" ? T.jobDone(kind) : T.jobFailed(kind);
      await loadDocuments().catch(showError);
    }
    const active = jobs.some((job) => job.state === "queued" || job.state === "running");
    if (active) startPolling();
    else stopPolling();
  }

  function renderJobs(jobs) {
    const list = $("jobs");
    if (!jobs.length) {
      list.replaceChildren(h("li", { class: "empty", text: T.noJobs }));
      return;
    }
    list.replaceChildren(...jobs.map(renderJob));
  }

  function renderJob(job) {
    const files = job.files.length ? `: ${job.files.join(", ")}` : "";
    const parts = [
      h("div", { class: "job-head" },
        h("span", { class: `state state-${job.state}`, text: T.states[job.state] || job.state }),
        h("span", { text: (T.kinds[job.kind] || job.kind) + files }),
        h("span", { class: "time", text: localTime(job.created) })),
    ];
    if (job.state === "running" || job.state === "queued") {
      const bar = h("progress", { max: String(job.total || 1), "aria-label": T.progress(job.done, job.total) });
      if (job.total) bar.value = job.done;
      else bar.removeAttribute("value");
      parts.push(bar, h("div", { class: "time", text: job.message || T.progress(job.done, job.total) }));
    }
    if (job.summary) {
      const generation = job.generation ? T.generation(job.generation) : "";
      parts.push(h("p", { class: "status", text: T.summary(job.summary) + generation }));
      if (job.summary.skipped.length) {
        parts.push(h("ul", { class: "skipped" },
          ...job.summary.skipped.map((s) => h("li", { text: T.skipped(s.source, s.reason) }))));
      }
    }
    if (job.state === "failed" && job.message) parts.push(h("p", { class: "error-text", text: job.message }));
    return h("li", { class: "job", "data-job": job.id, "data-state": job.state }, ...parts);
  }

  function localTime(iso) {
    const time = Date.parse(iso);
    return Number.isNaN(time) ? String(iso || "") : new Date(time).toLocaleString("vi-VN");
  }

  function startPolling() {
    if (state.polling) return;
    state.polling = setInterval(() => {
      if (!document.hidden) loadJobs();
    }, POLL_MS);
  }

  function stopPolling() {
    clearInterval(state.polling);
    state.polling = null;
  }

  // ---------------------------------------------------------------- feedback

  function feedbackQuery(extra) {
    const params = new URLSearchParams();
    for (const [name, id] of [["rating", "rating"], ["date_from", "date-from"], ["date_to", "date-to"], ["q", "q"]]) {
      const value = $(id).value.trim();
      if (value) params.set(name, value);
    }
    for (const [name, value] of Object.entries(extra || {})) params.set(name, String(value));
    return params.toString();
  }

  async function loadFeedback(fresh) {
    if (fresh) state.feedbackOffset = 0;
    let page;
    try {
      page = await json(`/api/admin/feedback?${feedbackQuery({ limit: FEEDBACK_PAGE, offset: state.feedbackOffset })}`);
    } catch (error) {
      showError(error);
      return;
    }
    const rows = page.items.map((item) => h("tr", { "data-rating": item.rating },
      h("td", { text: localTime(item.created) }),
      h("td", { class: `rating-${item.rating}`, text: T.ratings[item.rating] || item.rating }),
      h("td", { text: item.question }),
      h("td", { text: item.comment }),
      h("td", {}, item.answer ? h("details", {}, h("summary", { text: T.showAnswer }), h("p", { text: item.answer })) : "")));
    const body = $("feedback-body");
    if (fresh) body.replaceChildren(...(rows.length ? rows : [emptyRow(5, T.noFeedback)]));
    else body.append(...rows);
    state.feedbackOffset += page.items.length;
    $("more-feedback").hidden = state.feedbackOffset >= page.total;
    $("feedback-status").textContent = T.feedbackCount(page.total, page.counts);
  }

  async function downloadCsv() {
    clearError();
    $("feedback-status").textContent = T.preparing;
    try {
      const blob = await (await request(`/api/admin/feedback.csv?${feedbackQuery()}`)).blob();
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: "gop-y.csv" });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      $("feedback-status").textContent = T.csvReady;
    } catch (error) {
      $("feedback-status").textContent = "";
      showError(error);
    }
  }

  // ---------------------------------------------------------------- wiring

  function start() {
    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const key = $("admin-key").value.trim();
      if (!key) {
        $("key-status").textContent = T.noKey;
        return;
      }
      signIn(key);
    });
    $("sign-out").addEventListener("click", () => signOut());
    $("upload-form").addEventListener("submit", upload);
    $("reingest").addEventListener("click", reingest);
    $("feedback-form").addEventListener("submit", (event) => {
      event.preventDefault();
      loadFeedback(true);
    });
    $("more-feedback").addEventListener("click", () => loadFeedback(false));
    $("download-csv").addEventListener("click", downloadCsv);
    const key = storedKey();
    if (key) signIn(key);
  }

  start();
})();
