// The SPARQL editor: CodeMirror (bundled from npm at setup; a plain textarea if it is missing), prefixes
// pre-filled, every template of queries/ one click away, results as a table, CSV and JSON downloads.
"use strict";
const area = document.getElementById("query");
const status = document.getElementById("status");
const results = document.getElementById("results");
let editor = null;
let lastQuery = null;
let lastJson = null;

if (window.CodeMirror) {
  editor = CodeMirror.fromTextArea(area, { mode: "application/sparql-query", lineNumbers: true, lineWrapping: true,
    extraKeys: { "Ctrl-Enter": () => run(), "Cmd-Enter": () => run(), Tab: false, "Shift-Tab": false } });
  editor.getInputField().setAttribute("aria-label", "SPARQL query");
} else {
  area.addEventListener("keydown", e => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(); });
}
const getQuery = () => (editor ? editor.getValue() : area.value);
const setQuery = text => (editor ? editor.setValue(text) : (area.value = text));

function cell(term) {
  if (!term) return "";
  if (term.type === "uri") {
    const local = term.value.startsWith("https://w3id.org/mmkg/id/") ? "/id/" + mmkg.idOf(term.value) : term.value;
    return `<a href="${mmkg.esc(local)}">${mmkg.esc(term.value)}</a>`;
  }
  return mmkg.esc(term.value) + (term["xml:lang"] ? `<span class="muted">@${mmkg.esc(term["xml:lang"])}</span>` : "");
}

async function post(query, accept) {
  const response = await fetch("/sparql", { method: "POST", headers: { "Content-Type": "application/sparql-query", Accept: accept }, body: query });
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text}`);
  return text;
}

async function run() {
  const query = getQuery();
  status.textContent = "running…"; results.innerHTML = "";
  const started = performance.now();
  try {
    const text = await post(query, "application/sparql-results+json, application/json");
    const data = JSON.parse(text);
    lastQuery = query; lastJson = text;
    if (typeof data.boolean === "boolean") {
      results.innerHTML = `<p class="answer">${data.boolean}</p>`;
    } else {
      const vars = data.head.vars, rows = data.results.bindings;
      results.innerHTML = `<div class="table-wrap"><table id="result-table"><thead><tr>${vars.map(v => `<th scope="col">${mmkg.esc(v)}</th>`).join("")}</tr></thead>` +
        `<tbody>${rows.map(b => "<tr>" + vars.map(v => `<td>${cell(b[v])}</td>`).join("") + "</tr>").join("")}</tbody></table></div>`;
      status.textContent = `${rows.length} rows in ${Math.round(performance.now() - started)} ms`;
    }
    document.getElementById("csv").disabled = document.getElementById("json").disabled = false;
  } catch (error) {
    status.textContent = "";
    results.innerHTML = `<p class="error" role="alert">${mmkg.esc(error.message)}</p>`;
  }
}

document.getElementById("run").addEventListener("click", run);
document.getElementById("json").addEventListener("click", () => lastJson && mmkg.download("mmkg-results.json", lastJson, "application/json"));
document.getElementById("csv").addEventListener("click", async () => {
  if (!lastQuery) return;
  try { mmkg.download("mmkg-results.csv", await post(lastQuery, "text/csv"), "text/csv"); }
  catch (error) { results.insertAdjacentHTML("afterbegin", `<p class="error">${mmkg.esc(error.message)}</p>`); }
});

(async () => {
  const given = new URLSearchParams(location.search).get("query");
  try {
    const data = await mmkg.json("/api/examples");
    document.getElementById("examples").innerHTML = data.items.map((e, i) =>
      `<li><button type="button" data-i="${i}" title="${mmkg.esc(e.id)}">${mmkg.esc(e.title)}</button></li>`).join("");
    document.querySelectorAll("#examples button").forEach(b => b.addEventListener("click", () => setQuery(data.items[b.dataset.i].sparql)));
    setQuery(given || data.prefixes + "\nSELECT ?study ?label WHERE {\n  ?study a mm:Trial ; skos:prefLabel ?label .\n}\nORDER BY ?label\nLIMIT 20\n");
  } catch (error) {
    if (given) setQuery(given);
    status.textContent = error.message;
  }
})();
