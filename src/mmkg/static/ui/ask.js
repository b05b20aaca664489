// The question page: entity autocomplete, example questions, and the answer drawn from /api/ask —
// sentence, rows with each value's source and quote, data gaps as callouts, and the SPARQL that ran.
"use strict";
const input = document.getElementById("q");
const list = document.getElementById("suggestions");
const result = document.getElementById("result");
let active = -1;
let timer = null;

// The word being typed: the text after the last space, or the last two words when they match better.
function currentFragment() {
  const before = input.value.slice(0, input.selectionStart ?? input.value.length);
  const m = before.match(/([\w\-+]+(?: [\w\-+]+)?)$/);
  return m ? m[1] : "";
}

function closeList() {
  list.hidden = true; list.innerHTML = ""; active = -1;
  input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
}

function choose(label) {
  const caret = input.selectionStart ?? input.value.length;
  const before = input.value.slice(0, caret), after = input.value.slice(caret);
  const fragment = currentFragment();
  // replace only the words of the fragment that the label starts with (case-insensitive), else the last word
  const words = fragment.split(" ");
  const keep = words.length > 1 && label.toLowerCase().startsWith(words.join(" ").toLowerCase()) ? 0 : words.length - 1;
  const replaced = words.slice(keep).join(" ");
  input.value = before.slice(0, before.length - replaced.length) + label + (after.startsWith(" ") ? "" : " ") + after;
  closeList(); input.focus();
}

function highlight(i) {
  const options = [...list.querySelectorAll('[role="option"]')];
  options.forEach((o, k) => o.setAttribute("aria-selected", String(k === i)));
  active = i;
  if (options[i]) { input.setAttribute("aria-activedescendant", options[i].id); options[i].scrollIntoView({ block: "nearest" }); }
}

async function suggest() {
  const fragment = currentFragment().split(" ").pop();
  if (fragment.length < 2) { closeList(); return; }
  const data = await mmkg.json(`/api/suggest?q=${encodeURIComponent(fragment)}&limit=8`);
  if (!data.items.length) { closeList(); return; }
  list.innerHTML = data.items.map((s, i) =>
    `<li role="option" id="opt-${i}" aria-selected="false" data-label="${mmkg.esc(s.label)}">` +
    `<span>${mmkg.esc(s.label)}</span><span class="kind">${mmkg.esc(s.kind.replace("_", " "))}</span></li>`).join("");
  list.hidden = false; input.setAttribute("aria-expanded", "true"); active = -1;
}

input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => suggest().catch(closeList), 120); });
input.addEventListener("keydown", event => {
  const options = list.querySelectorAll('[role="option"]');
  if (list.hidden || !options.length) return;
  if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % options.length); }
  else if (event.key === "ArrowUp") { event.preventDefault(); highlight((active - 1 + options.length) % options.length); }
  else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) { event.preventDefault(); choose(options[active].dataset.label); }
  else if (event.key === "Escape") { closeList(); }
});
list.addEventListener("mousedown", event => {
  const option = event.target.closest('[role="option"]');
  if (option) { event.preventDefault(); choose(option.dataset.label); }
});
input.addEventListener("blur", () => setTimeout(closeList, 150));

const SKIP = new Set(["quote", "location", "study", "arm", "cohort", "population", "endpoint", "source", "result", "gap",
                      "study_iri", "assertion", "regimen", "drug", "finding"]);

function sourceCell(row) {
  if (!row.quote) return row.source_label ? mmkg.esc(row.source_label) : "";
  const quotes = String(row.quote).split(" | "), places = String(row.location || "").split(" | ");
  return quotes.map((q, i) => `<details><summary>${mmkg.esc(row.source_label || "source")}</summary>` +
    `<blockquote>${mmkg.esc(q)}</blockquote><cite class="muted">${mmkg.esc(places[i] || "")}</cite></details>`).join("");
}

function table(columns, rows, caption) {
  const shown = columns.filter(c => !SKIP.has(c) && rows.some(r => r[c] !== "" && r[c] != null));
  const hasSource = rows.some(r => r.quote || r.source_label);
  const head = shown.map(c => `<th scope="col">${mmkg.esc(c.replace(/_/g, " "))}</th>`).join("") + (hasSource ? "<th scope=\"col\">source (quote)</th>" : "");
  const body = rows.map(r => "<tr>" + shown.map(c => {
    const v = r[c] ?? "";
    const missing = c === "status" && /not reported|not reached/.test(v);
    return `<td${missing ? ' class="notreported"' : ""}>${mmkg.esc(v)}</td>`;
  }).join("") + (hasSource ? `<td>${sourceCell(r)}</td>` : "") + "</tr>").join("");
  return `<div class="table-wrap"><table id="rows"><caption class="muted">${mmkg.esc(caption)}</caption>` +
         `<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function gapCallouts(gaps) {
  if (!gaps.length) return "";
  return `<h2>Data gaps (${gaps.length})</h2>` + gaps.map(g =>
    `<div class="gap" role="note"><strong>Not reported</strong> — ${mmkg.esc(g.study_label || "")}: ` +
    `${mmkg.esc(g.endpoint_label)} in ${mmkg.esc(g.population_label)} ` +
    `<span class="muted">(${mmkg.esc(g.kind)}; ${g.origin === "derived" ? "derived: no source gives it" : "stated by " + mmkg.esc(g.source_label)})</span>` +
    (g.quote ? `<details><summary>quote</summary><blockquote>${mmkg.esc(g.quote)}</blockquote></details>` : "") + "</div>").join("");
}

async function ask(question) {
  result.innerHTML = '<p class="muted">Looking…</p>';
  try {
    const a = await mmkg.json(`/api/ask?q=${encodeURIComponent(question)}`);
    let html = `<p class="answer" id="answer">${mmkg.esc(a.answer)}</p>`;
    if (!a.understood) {
      html += "<p>Try:</p><ul class=\"examples\">" + (a.suggestions || []).map(s =>
        `<li><button type="button" class="example">${mmkg.esc(s)}</button></li>`).join("") + "</ul>";
      result.innerHTML = html; bindExamples(result); return;
    }
    html += '<div class="toolbar">' +
      `<a class="button" id="show-sparql" href="/editor?query=${encodeURIComponent(a.sparql)}">Show SPARQL (open in the editor)</a>` +
      `<span class="muted">template <code>${mmkg.esc(a.template)}</code></span></div>`;
    html += gapCallouts(a.gaps || []);
    if (a.rows.length) html += `<h2>Rows (${a.rows.length})</h2>` + table(a.columns, a.rows, "What the sources report");
    if (a.nearest && a.nearest.rows.length) {
      html += `<h2>Nearest evidence: ${mmkg.esc(a.nearest.basis)}</h2>` + table(Object.keys(a.nearest.rows[0]), a.nearest.rows, "Nearest evidence");
    }
    result.innerHTML = html;
  } catch (error) {
    result.innerHTML = `<p class="error">${mmkg.esc(error.message)}</p>`;
  }
}

function bindExamples(root) {
  root.querySelectorAll("button.example").forEach(b => b.addEventListener("click", () => {
    input.value = b.textContent; ask(b.textContent); history.replaceState(null, "", `/?q=${encodeURIComponent(b.textContent)}`);
  }));
}

document.getElementById("ask-form").addEventListener("submit", event => {
  event.preventDefault(); closeList();
  const q = input.value.trim();
  if (q) { history.replaceState(null, "", `/?q=${encodeURIComponent(q)}`); ask(q); }
});

(async () => {
  const examples = document.getElementById("examples");
  try {
    const data = await mmkg.json("/api/templates");
    const picked = data.templates.flatMap(t => t.examples.slice(0, 1)).slice(0, 10);
    examples.innerHTML = picked.map(e => `<li><button type="button" class="example">${mmkg.esc(e)}</button></li>`).join("");
    bindExamples(examples);
  } catch { /* the page still works without examples */ }
  const q = new URLSearchParams(location.search).get("q");
  if (q) { input.value = q; ask(q); }
})();
