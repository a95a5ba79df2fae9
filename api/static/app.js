// interview-rag page: ask, read quotes in context, manage documents. No build step, no
// dependencies; every piece of text from the server goes in through textContent.
"use strict";

const KEY = "rag-api-key";
// Under /collections/{name}/ the page serves that collection: its calls and links keep the prefix.
const BASE = (location.pathname.match(/^\/collections\/[a-z0-9][a-z0-9_-]{0,63}(?=\/)/) || [""])[0];
const ROLE_NAMES = { question: "Question", answer: "Answer", narration: "Narration" };
const $ = (selector) => document.querySelector(selector);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const key = sessionStorage.getItem(KEY);
  if (key) headers.set("Authorization", `Bearer ${key}`);
  const response = await fetch(BASE + path, { ...options, headers });
  const type = response.headers.get("content-type") || "";
  const body = type.includes("application/json") ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

// -- views ----------------------------------------------------------------------------

function show(view) {
  for (const id of ["ask-view", "asked-view", "doc-view", "manage-view"]) $(`#${id}`).hidden = id !== view;
  const nav = { "manage-view": "manage", "asked-view": "asked" }[view] || "ask";
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function route() {
  const params = new URLSearchParams(location.search);
  const here = location.pathname.slice(BASE.length);
  if (here.startsWith("/view/")) {
    show("doc-view");
    openDocument(decodeURIComponent(here.slice("/view/".length)), params);
  } else if (here === "/asked") {
    show("asked-view");
    document.title = "Questions · interview-rag";
    fillChoices();
    setFilters($("#asked-filters"), params);
    $("#asked-q").value = params.get("q") || "";
    runQuestions(params);
  } else if (here === "/manage") {
    show("manage-view");
    document.title = "Documents · interview-rag";
    loadDocuments();
  } else {
    show("ask-view");
    document.title = "interview-rag";
    fillChoices();
    setFilters($("#ask-filters"), params);
    const question = params.get("q");
    $("#question").value = question || "";
    if (question) runAsk(question, params);
    else $("#question").focus();
  }
}

// -- filters: speaker, date range, document --------------------------------------------

const FILTERS = ["speaker", "from", "to", "document"];
let choicesLoaded = false;

async function fillChoices() {
  if (choicesLoaded) return;
  choicesLoaded = true;
  try {
    const [people, docs] = await Promise.all([api("/speakers"), api("/documents")]);
    $("#speaker-names").replaceChildren(...people.speakers.map((p) => el("option", { value: p.name })));
    for (const select of document.querySelectorAll('select[name="document"]')) {
      const chosen = select.dataset.chosen || select.value;
      const options = docs.map((d) => el("option", { value: d.id }, d.date ? `${d.date} · ${d.title}` : d.title));
      select.replaceChildren(el("option", { value: "" }, "All documents"), ...options);
      select.value = chosen;
    }
  } catch (error) {
    choicesLoaded = false; // a key may come later; the filters still take typed values
  }
}

function setFilters(box, params) {
  for (const name of FILTERS) {
    const field = box.querySelector(`[name="${name}"]`);
    const value = params.get(name) || "";
    if (field.tagName === "SELECT") {
      field.dataset.chosen = value;
      if (value && ![...field.options].some((o) => o.value === value)) field.append(el("option", { value }, value));
    }
    field.value = value;
  }
  const timeline = box.querySelector('[name="timeline"]');
  if (timeline) timeline.checked = params.get("timeline") === "1";
}

function filterParams(box, params) {
  for (const name of FILTERS) {
    const value = box.querySelector(`[name="${name}"]`).value.trim();
    if (value) params.set(name, value);
  }
  const timeline = box.querySelector('[name="timeline"]');
  if (timeline && timeline.checked) params.set("timeline", "1");
  return params;
}

// -- asking ---------------------------------------------------------------------------

function quoteWithHighlight(passage) {
  const quote = el("blockquote");
  const h = passage.highlight;
  if (!h || h.start < passage.start || h.end > passage.end || h.start >= h.end) {
    quote.append(passage.quote);
    return quote;
  }
  const a = h.start - passage.start;
  const b = h.end - passage.start;
  quote.append(passage.quote.slice(0, a), el("mark", {}, passage.quote.slice(a, b)), passage.quote.slice(b));
  return quote;
}

function viewLink(passage, question) {
  const params = new URLSearchParams({ start: passage.start, end: passage.end, q: question });
  if (passage.question) params.set("asked", passage.question.turn_index);
  return `${BASE}/view/${encodeURIComponent(passage.document_id)}?${params}`;
}

function renderPassage(passage, question, answerable) {
  const href = viewLink(passage, question);
  const meta = el(
    "div",
    { class: "meta" },
    el("span", { class: "speaker" }, passage.person || passage.speaker || ROLE_NAMES[passage.act] || passage.act),
    el("span", {}, passage.document_title || passage.document_id),
    passage.document_date ? el("time", { datetime: passage.document_date }, passage.document_date) : null,
    passage.timestamp ? el("span", {}, `at ${passage.timestamp}`) : null,
  );
  const cited = el("p", { class: "cited" });
  if (passage.thread && passage.thread.length) {
    cited.append(el("span", { class: "label" }, passage.act === "question" ? "A question: " : "Answering: "));
    passage.thread.forEach((c, i) => {
      if (i) cited.append(" → ");
      cited.append(el("a", { href, class: "citation" }, `“${c.text}”`), c.speaker ? ` (${c.speaker})` : "");
    });
  } else {
    cited.append(el("a", { href, class: "citation" }, "Read in context"));
  }
  const copy = el("button", { type: "button", class: "quiet copy" }, "Copy citation");
  copy.addEventListener("click", () => copyCitation(passage, copy));
  const actions = el(
    "div",
    { class: "actions" },
    copy,
    playable(passage.media_url) ? el("a", { href: passage.media_url, class: "listen" }, "Listen from here") : null,
  );
  return el(
    "li",
    { class: answerable ? "result" : "result nearest" },
    quoteWithHighlight(passage),
    meta,
    cited,
    actions,
  );
}

// The quote and its citation line (written by the server's exports, so it matches them).
async function copyCitation(passage, button) {
  const text = `“${passage.quote.trim()}”\n${passage.citation}`;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    window.prompt("Copy the citation:", text);
  }
  setTimeout(() => (button.textContent = "Copy citation"), 2000);
}

const EXPORTS = {
  csv: ["text/csv", "answer.csv"],
  markdown: ["text/markdown", "answer.md"],
  ris: ["application/x-research-info-systems", "answer.ris"],
};

// The server renders every export (rag/exports.py); the page only saves what it sends: the
// answer to the same body as the one shown, filters and all.
async function exportAnswer(body, format) {
  const [type, name] = EXPORTS[format];
  const headers = { "Content-Type": "application/json", Accept: type };
  const key = sessionStorage.getItem(KEY);
  if (key) headers.Authorization = `Bearer ${key}`;
  const status = $("#ask-status");
  try {
    const response = await fetch(`${BASE}/ask`, { method: "POST", headers, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const link = el("a", { href: URL.createObjectURL(await response.blob()), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) {
    status.textContent = `Could not export: ${error.message}`;
  }
}

function exportBar(body) {
  const buttons = Object.keys(EXPORTS).map((format) => {
    const label = { csv: "CSV", markdown: "Markdown", ris: "RIS" }[format];
    const button = el("button", { type: "button", class: "quiet", "data-format": format }, label);
    button.addEventListener("click", () => exportAnswer(body, format));
    return button;
  });
  return el("div", { class: "export", role: "group", "aria-label": "Export" }, el("span", {}, "Export: "), ...buttons);
}

function askBody(question, params) {
  const body = { question, k: 5 };
  if (params.get("speaker")) body.speakers = [params.get("speaker")];
  if (params.get("document")) body.documents = [params.get("document")];
  if (params.get("from")) body.date_from = params.get("from");
  if (params.get("to")) body.date_to = params.get("to");
  if (params.get("timeline") === "1") {
    body.group_by = "document";
    body.k = 10;
  }
  return body;
}

function renderTimeline(groups, question, answerable) {
  return groups.map((g) =>
    el(
      "li",
      { class: "group", "data-document": g.document_id },
      el(
        "h2",
        {},
        el("time", g.document_date ? { datetime: g.document_date } : {}, g.document_date || "undated"),
        el("a", { href: `${BASE}/view/${encodeURIComponent(g.document_id)}` }, g.document_title || g.document_id),
      ),
      el("ol", { class: "results" }, ...g.passages.map((p) => renderPassage(p, question, answerable))),
    ),
  );
}

async function runAsk(question, params = new URLSearchParams()) {
  const status = $("#ask-status");
  const results = $("#results");
  const verdict = $("#verdict");
  status.textContent = "Searching…";
  results.replaceChildren();
  results.className = "results";
  verdict.hidden = true;
  $("#export").replaceChildren();
  const body = askBody(question, params);
  try {
    const answer = await api("/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    status.textContent = "";
    verdict.hidden = false;
    if (!answer.passages.length) {
      verdict.className = "no-answer";
      verdict.textContent = "There is nothing indexed to search yet. Add transcripts under Documents.";
      return;
    }
    if (answer.answerable) {
      verdict.className = "answer";
      verdict.textContent = `${answer.passages.length} passages, best first.`;
    } else {
      verdict.className = "no-answer";
      verdict.textContent =
        "No passage clearly answers this question. These are the nearest passages, shown as such.";
    }
    if (answer.groups) {
      results.className = "timeline";
      results.setAttribute("aria-label", "Passages by document, in date order");
      results.replaceChildren(...renderTimeline(answer.groups, question, answer.answerable));
    } else {
      results.setAttribute("aria-label", "Passages");
      results.replaceChildren(...answer.passages.map((p) => renderPassage(p, question, answer.answerable)));
    }
    $("#export").replaceChildren(exportBar(body));
  } catch (error) {
    status.textContent = `Could not ask: ${error.message}`;
  }
}

// -- the questions that were asked ----------------------------------------------------------

function renderQuestion(q) {
  const params = new URLSearchParams({ start: q.start, end: q.end, asked: q.turn_index });
  const href = `${BASE}/view/${encodeURIComponent(q.document_id)}?${params}`;
  const meta = el(
    "div",
    { class: "meta" },
    el("span", { class: "speaker" }, q.person || q.speaker || "Unknown asker"),
    el("span", {}, q.document_title || q.document_id),
    q.date ? el("time", { datetime: q.date }, q.date) : null,
  );
  const answer = q.answer
    ? el(
        "p",
        { class: "answer-start" },
        el("span", { class: "label" }, `${q.answer.person || q.answer.speaker || "Answer"}: `),
        `“${q.answer.quote}”`,
      )
    : el("p", { class: "answer-start" }, "No answer follows.");
  const link = el("p", { class: "cited" }, el("a", { href, class: "citation" }, "Read in context"));
  return el("li", { class: "result asked-item" }, el("blockquote", {}, q.text), meta, answer, link);
}

async function runQuestions(params) {
  const status = $("#asked-status");
  const results = $("#asked-results");
  status.textContent = "Searching…";
  results.replaceChildren();
  const query = new URLSearchParams({ k: 20 });
  if (params.get("q")) query.set("q", params.get("q"));
  if (params.get("speaker")) query.set("speaker", params.get("speaker"));
  if (params.get("document")) query.set("document", params.get("document"));
  if (params.get("from")) query.set("date_from", params.get("from"));
  if (params.get("to")) query.set("date_to", params.get("to"));
  try {
    const body = await api(`/questions?${query}`);
    status.textContent = body.questions.length
      ? `${body.questions.length} questions${params.get("q") ? ", closest first" : ", in date order"}.`
      : "No questions match.";
    results.replaceChildren(...body.questions.map(renderQuestion));
  } catch (error) {
    status.textContent = `Could not search the questions: ${error.message}`;
  }
}

// -- a document in context -------------------------------------------------------------

function turnText(text, turn, start, end) {
  const body = el("span", { class: "text" });
  const a = Math.max(start, turn.start);
  const b = Math.min(end, turn.end);
  if (a >= b) {
    body.append(text.slice(turn.start, turn.end));
    return [body, null];
  }
  const mark = el("mark", { id: a === start ? "quoted" : null }, text.slice(a, b));
  body.append(text.slice(turn.start, a), mark, text.slice(b, turn.end));
  return [body, mark];
}

async function openDocument(id, params) {
  const status = $("#doc-status");
  const question = params.get("q");
  $("#doc-back").href = question ? `${BASE}/?q=${encodeURIComponent(question)}` : `${BASE}/`;
  $("#doc-back").textContent = question ? "← Back to the answers" : "← Ask a question";
  status.textContent = "Loading…";
  try {
    const doc = await api(`/documents/${encodeURIComponent(id)}`);
    document.title = `${doc.title} · interview-rag`;
    const facts = [doc.format, `${doc.turns.length} turns`];
    if (doc.metadata && doc.metadata.date) facts.unshift(doc.metadata.date);
    if (doc.speakers.length) facts.push(`speakers: ${doc.speakers.join(", ")}`);
    const media = mediaElement(doc.metadata && doc.metadata.media_url);
    $("#doc-head").replaceChildren(
      el("h1", {}, doc.title),
      el("p", { class: "meta" }, facts.join(" · ")),
      media,
    );
    const start = Number(params.get("start") ?? -1);
    const end = Number(params.get("end") ?? -1);
    const asked = params.has("asked") ? Number(params.get("asked")) : null;
    let first = null;
    const turns = doc.turns.map((turn, index) => {
      const [body, mark] = turnText(doc.text, turn, start, end);
      first = first || mark;
      const who = el(
        "span",
        { class: "who" },
        turn.speaker || (turn.act === "narration" ? "" : ROLE_NAMES[turn.act]),
        turn.timestamp ? timeLink(turn.timestamp, media) : null,
        index === asked ? el("span", { class: "badge" }, "Question answered") : null,
      );
      const classes = ["turn", turn.act, index === asked ? "asked" : ""].join(" ").trim();
      return el("section", { class: classes, id: `turn-${index}`, "aria-label": `Turn ${index + 1}` }, who, body);
    });
    $("#transcript").replaceChildren(...turns);
    status.textContent = first ? "The quoted passage is highlighted." : "";
    if (first) first.scrollIntoView({ block: "center" });
    const quoted = doc.turns.find((t) => t.start <= start && start < Math.max(t.end, t.start + 1));
    if (media && quoted && quoted.timestamp) cue(media, seconds(quoted.timestamp));
  } catch (error) {
    const gone = error.status === 404 && !BASE; // in a collection, the server says which is missing
    status.textContent = gone ? `There is no document “${id}”.` : `Could not load: ${error.message}`;
  }
}

// -- the recording ----------------------------------------------------------------------

function seconds(clock) {
  if (!/^\d+(:\d{1,2}){0,2}([.,]\d+)?$/.test(clock || "")) return null;
  return Math.floor(clock.replace(",", ".").split(":").reduce((total, part) => total * 60 + Number(part), 0));
}

// Only http(s) URLs and paths on this server: never a `javascript:` URL from a transcript.
const playable = (url) => typeof url === "string" && /^(https?:\/\/|\/(?!\/))/i.test(url.trim());

function mediaElement(url) {
  if (!playable(url)) return null;
  const video = /\.(mp4|webm|ogv|mov|m4v)(\?|#|$)/i.test(url);
  return el(video ? "video" : "audio", { id: "media", controls: true, preload: "metadata", src: url.split("#")[0] });
}

// Start the recording at `at` seconds, once it can seek there.
function cue(media, at) {
  if (at === null) return;
  const seek = () => {
    media.currentTime = at;
  };
  if (media.readyState >= 1) seek();
  else media.addEventListener("loadedmetadata", seek, { once: true });
}

function timeLink(clock, media) {
  const at = seconds(clock);
  if (!media || at === null) return el("span", { class: "ts" }, clock);
  const link = el("a", { class: "ts", href: `#t=${at}`, "aria-label": `Play from ${clock}` }, clock);
  link.addEventListener("click", (event) => {
    event.preventDefault();
    cue(media, at);
    media.play().catch(() => {});
  });
  return link;
}

// -- documents: list, upload, delete ---------------------------------------------------

let pending = []; // uploads waiting for an API key

function needKey(message) {
  $("#key-box").hidden = false;
  $("#manage-status").textContent = message;
  $("#api-key").focus();
}

async function loadDocuments() {
  try {
    const docs = await api("/documents");
    const rows = docs.map((d) => {
      const remove = el("button", { type: "button", class: "danger", "aria-label": `Delete ${d.title}` }, "Delete");
      remove.addEventListener("click", () => deleteDocument(d));
      return el(
        "tr",
        { "data-id": d.id },
        el(
          "td",
          {},
          el("a", { href: `${BASE}/view/${encodeURIComponent(d.id)}` }, d.title),
          d.title !== d.id ? el("div", { class: "id" }, d.id) : null,
        ),
        el("td", {}, d.format),
        el("td", { class: "num" }, d.turn_count),
        el("td", { class: "num" }, d.chunk_count),
        el("td", {}, remove),
      );
    });
    $("#doc-table tbody").replaceChildren(...rows);
    if (!docs.length) $("#manage-status").textContent = "No documents yet: add transcripts above.";
  } catch (error) {
    if (error.status === 401) needKey("This server needs an API key to list documents.");
    else $("#manage-status").textContent = `Could not list documents: ${error.message}`;
  }
}

async function deleteDocument(doc) {
  if (!confirm(`Delete “${doc.title}” from the index?`)) return;
  try {
    await api(`/documents/${encodeURIComponent(doc.id)}`, { method: "DELETE" });
    $("#manage-status").textContent = `Deleted ${doc.title}.`;
    loadDocuments();
  } catch (error) {
    if (error.status === 401) needKey("Enter the API key, then delete again.");
    else $("#manage-status").textContent = `Could not delete: ${error.message}`;
  }
}

function jobItem(name) {
  const bar = el("progress", { max: 1, "aria-label": `Indexing ${name}` });
  const text = el("span", {}, `${name}: uploading…`);
  const item = el("li", {}, text, bar);
  $("#jobs").prepend(item);
  return { item, bar, text };
}

async function upload(file) {
  const view = jobItem(file.name);
  const form = new FormData();
  form.append("file", file, file.name);
  try {
    // jobs belong to the default collection: a collection's uploads are indexed at once
    const sent = await api(BASE ? "/documents" : "/documents?background=true", { method: "POST", body: form });
    let job = BASE ? { status: "done", result: sent } : sent;
    while (job.status === "queued" || job.status === "running") {
      if (job.total) {
        view.bar.max = job.total;
        view.bar.value = job.done;
      }
      view.text.textContent = `${file.name}: ${job.message || job.status}`;
      await new Promise((resolve) => setTimeout(resolve, 250));
      job = await api(`/jobs/${job.id}`);
    }
    view.bar.max = 1;
    view.bar.value = 1;
    if (job.status === "done") {
      view.text.textContent = `${file.name}: ${job.result.status} (${job.result.chunks} chunks)`;
    } else {
      view.text.textContent = `${file.name}: failed: ${job.error ? job.error.detail : "unknown error"}`;
    }
  } catch (error) {
    view.item.remove();
    if (error.status === 401) {
      pending.push(file);
      needKey("Enter the API key to upload; the files will be sent then.");
      return;
    }
    const line = el("li", {}, `${file.name}: not indexed: ${error.message}`);
    $("#jobs").prepend(line);
  }
  loadDocuments();
}

function uploadAll(files) {
  $("#manage-status").textContent = "";
  for (const file of files) upload(file);
}

function wireManage() {
  const drop = $("#drop");
  const input = $("#file");
  input.addEventListener("change", () => {
    uploadAll([...input.files]);
    input.value = "";
  });
  drop.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      input.click();
    }
  });
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
  }
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    uploadAll([...event.dataTransfer.files]);
  });
  $("#key-save").addEventListener("click", () => {
    const key = $("#api-key").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY, key);
    $("#key-box").hidden = true;
    $("#api-key").value = "";
    const files = pending;
    pending = [];
    uploadAll(files);
    loadDocuments();
  });
  $("#api-key").addEventListener("keydown", (event) => {
    if (event.key === "Enter") $("#key-save").click();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const link of document.querySelectorAll(".bar a")) link.setAttribute("href", BASE + link.getAttribute("href"));
  $("#ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const question = $("#question").value.trim();
    if (!question) return;
    const params = filterParams($("#ask-filters"), new URLSearchParams({ q: question }));
    history.pushState({}, "", `${BASE}/?${params}`);
    runAsk(question, params);
  });
  $("#asked-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    const q = $("#asked-q").value.trim();
    if (q) params.set("q", q);
    filterParams($("#asked-filters"), params);
    history.pushState({}, "", `${BASE}/asked?${params}`);
    runQuestions(params);
  });
  wireManage();
  window.addEventListener("popstate", route);
  route();
});
