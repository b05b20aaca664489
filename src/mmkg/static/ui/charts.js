// Two pictures drawn from the JSON API as SVG: a forest-style chart of median PFS/OS by regimen for one
// population (missing values drawn as gaps, never dropped), and the evidence-coverage map of studies ×
// populations × key endpoints. Both downloadable as SVG or PNG.
"use strict";
const ID = "https://w3id.org/mmkg/id/";
const SVGNS = "http://www.w3.org/2000/svg";
const SOURCE_COLOURS = ["#0b5cad", "#c2410c", "#15803d", "#7c3aed"];
const STATUS = {
  "reported": { colour: "#15803d", text: "reported" },
  "not reached": { colour: "#6f42c1", text: "not reached" },
  "stated": { colour: "#f59e0b", text: "not reported (stated by a source)" },
  "derived": { colour: "#dc2626", text: "not reported (derived: no source gives it)" },
  "no record": { colour: "#e5e7eb", text: "no value in the graph" },
  "not enrolled": { colour: "#ffffff", text: "population not enrolled" },
};
const KEY_POPULATIONS = ["population/itt", "population/len-exposed", "population/len-refractory", "population/len-refractory-1-prior-line"];
const KEY_ENDPOINTS = [["endpoint/median-pfs", "mPFS"], ["endpoint/median-os", "mOS"], ["endpoint/orr", "ORR"]];

const el = (name, attrs = {}, text) => {
  const node = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text != null) node.textContent = text;
  return node;
};

async function all(path) {
  return (await mmkg.json(path + (path.includes("?") ? "&" : "?") + "limit=1000")).items;
}

function titled(node, text) { node.append(el("title", {}, text)); node.setAttribute("aria-label", text); return node; }

async function drawForest() {
  const population = document.getElementById("population").value;
  const endpoint = document.getElementById("endpoint").value;
  const box = document.getElementById("forest");
  box.innerHTML = '<p class="muted">Loading…</p>';
  const q = `population=${encodeURIComponent(ID + population)}&endpoint=${encodeURIComponent(ID + endpoint)}`;
  const [results, gaps] = await Promise.all([all(`/api/results?${q}`), all(`/api/gaps?${q}`)]);
  const sources = [...new Set(results.map(r => r.source_label).concat(gaps.map(g => g.source_label).filter(Boolean)))];
  const colour = s => SOURCE_COLOURS[Math.max(0, sources.indexOf(s)) % SOURCE_COLOURS.length];
  results.sort((a, b) => (a.regimen_label || "").localeCompare(b.regimen_label || "") || (a.trial_label || "").localeCompare(b.trial_label || ""));
  const rows = results.map(r => ({ kind: "result", r })).concat(gaps.map(g => ({ kind: "gap", g })));
  const max = Math.max(12, ...results.flatMap(r => [Number(r.value) || 0, Number(r.ci_upper) || 0])) * 1.1;
  const left = 330, width = 420, rowH = 24, top = 30, height = top + rows.length * rowH + 40;
  const svg = el("svg", { xmlns: SVGNS, width: left + width + 60, height, viewBox: `0 0 ${left + width + 60} ${height}`, role: "img", id: "forest-svg" });
  const label = document.getElementById("population").selectedOptions[0]?.textContent || population;
  svg.append(el("title", {}, `${document.getElementById("endpoint").selectedOptions[0].textContent} by regimen in ${label}`));
  svg.append(el("rect", { x: 0, y: 0, width: "100%", height: "100%", fill: "#fff" }));
  const x = v => left + (v / max) * width;
  for (let t = 0; t <= max; t += max > 60 ? 12 : 6) {
    svg.append(el("line", { x1: x(t), x2: x(t), y1: top - 6, y2: height - 30, stroke: "#e5e7eb" }));
    svg.append(el("text", { x: x(t), y: height - 14, "font-size": 11, "text-anchor": "middle", fill: "#57606a" }, String(t)));
  }
  svg.append(el("text", { x: left + width / 2, y: height - 1, "font-size": 11, "text-anchor": "middle", fill: "#57606a" }, "months"));
  rows.forEach((row, i) => {
    const y = top + i * rowH + rowH / 2;
    if (row.kind === "result") {
      const r = row.r;
      const cut = r.data_cut ? ` — ${r.data_cut}` : "";
      svg.append(el("text", { x: 6, y: y + 4, "font-size": 12 }, `${r.regimen_label} · ${r.trial_label}${cut}`.slice(0, 58)));
      const g = el("g", { class: "mark", "data-regimen": r.regimen_label || "", "data-status": r.status || "", tabindex: "0" });
      const value = Number(r.value);
      const described = `${r.regimen_label} in ${r.trial_label}: ${r.status === "not reached" ? "not reached" : (r.value ?? "no value") + " months"}` +
        (r.ci_lower ? ` (95% CI ${r.ci_lower}–${r.ci_upper})` : "") + `; ${r.source_label}${cut}`;
      if (r.ci_lower && r.ci_upper) g.append(el("line", { x1: x(Number(r.ci_lower)), x2: x(Number(r.ci_upper)), y1: y, y2: y, stroke: colour(r.source_label), "stroke-width": 2 }));
      if (r.status === "not reached") {
        const xe = left + width;
        g.append(el("path", { d: `M${xe - 10},${y - 6} L${xe},${y} L${xe - 10},${y + 6} Z`, fill: colour(r.source_label) }));
        g.append(el("text", { x: xe + 4, y: y + 4, "font-size": 11 }, "NR"));
      } else if (!(value >= 0) || r.value == null) {
        // a result without a value (not reported, not estimable): a gap across the axis, never a zero
        g.append(el("rect", { x: left, y: y - 7, width, height: 14, fill: "#fff4e5", stroke: "#9a3412", "stroke-dasharray": "4 3" }));
        g.append(el("text", { x: left + width / 2, y: y + 4, "font-size": 11, "text-anchor": "middle", fill: "#9a3412" }, r.status || "no value"));
      } else if (r.data_cut) {
        g.append(el("path", { d: `M${x(value)},${y - 6} L${x(value) + 6},${y} L${x(value)},${y + 6} L${x(value) - 6},${y} Z`, fill: colour(r.source_label) }));
      } else {
        g.append(el("circle", { cx: x(value), cy: y, r: 5, fill: colour(r.source_label) }));
      }
      if (value >= 0 && r.value != null) g.append(el("text", { x: left + width + 8, y: y + 4, "font-size": 11 }, r.value));
      svg.append(titled(g, described));
    } else {
      const gp = row.g;
      svg.append(el("text", { x: 6, y: y + 4, "font-size": 12, fill: "#9a3412" }, `${gp.study_label || "?"} — not reported`.slice(0, 58)));
      const g = el("g", { class: "gapmark", "data-study": gp.study_label || "", tabindex: "0" });
      g.append(el("rect", { x: left, y: y - 7, width, height: 14, fill: "#fff4e5", stroke: "#9a3412", "stroke-dasharray": "4 3" }));
      g.append(el("text", { x: left + width / 2, y: y + 4, "font-size": 11, "text-anchor": "middle", fill: "#9a3412" }, `not reported (${gp.origin}: ${gp.kind})`));
      svg.append(titled(g, `${gp.study_label}: ${gp.endpoint_label} not reported in ${gp.population_label} (${gp.origin}, ${gp.kind})`));
    }
  });
  box.innerHTML = "";
  if (!rows.length) { box.innerHTML = '<p class="muted">No value and no recorded gap for this population and endpoint.</p>'; return; }
  box.append(svg);
  document.getElementById("forest-legend").innerHTML = sources.map(s => `<span style="--c:${colour(s)}">${mmkg.esc(s)}</span>`).join("") +
    '<span style="--c:#fff4e5">not reported (gap)</span>';
}

async function drawCoverage() {
  const box = document.getElementById("coverage");
  const [results, gaps, pops] = await Promise.all([all("/api/results"), all("/api/gaps"), all("/api/populations")]);
  const popLabel = Object.fromEntries(pops.map(p => [mmkg.idOf(p.population), p.label]));
  const keys = KEY_POPULATIONS.filter(p => popLabel[p]);
  const inKey = new Set(keys.map(p => popLabel[p]));
  const trials = [...new Set(results.filter(r => inKey.has(r.population_label)).map(r => r.trial_label)
    .concat(gaps.filter(g => inKey.has(g.population_label)).map(g => g.study_label)).filter(Boolean))].sort();
  // gaps name their endpoint by label only: the label of each key endpoint, read once from the results
  const endpointLabel = Object.fromEntries(KEY_ENDPOINTS.map(([ep]) =>
    [ep, (results.find(r => mmkg.idOf(r.endpoint) === ep) || {}).endpoint_label]));
  const cell = (trial, pop, ep) => {
    const rs = results.filter(r => r.trial_label === trial && r.population_label === pop && mmkg.idOf(r.endpoint) === ep);
    if (rs.some(r => r.status === "reported" && r.value != null)) return "reported";
    if (rs.some(r => r.status === "not reached")) return "not reached";
    const gs = rs.length ? [] : gaps.filter(g => g.study_label === trial && g.population_label === pop &&
                                                 g.endpoint_label && g.endpoint_label === endpointLabel[ep]);
    if (gs.some(g => g.origin === "stated") || rs.some(r => /not reported/.test(r.status))) return "stated";
    if (gs.some(g => g.origin === "derived")) return "derived";
    const enrolled = results.some(r => r.trial_label === trial && r.population_label === pop) ||
                     gaps.some(g => g.study_label === trial && g.population_label === pop);
    return enrolled ? "no record" : "not enrolled";
  };
  const colW = 64, left = 250, top = 120, rowH = 20;
  const cols = keys.flatMap(p => KEY_ENDPOINTS.map(([ep, short]) => ({ p, ep, short })));
  const width = left + cols.length * colW + 10, height = top + trials.length * rowH + 10;
  const svg = el("svg", { xmlns: SVGNS, width, height, viewBox: `0 0 ${width} ${height}`, role: "img", id: "coverage-svg" });
  svg.append(el("title", {}, "Evidence coverage: for each study, population and key endpoint, whether a value is reported"));
  svg.append(el("rect", { x: 0, y: 0, width: "100%", height: "100%", fill: "#fff" }));
  keys.forEach((p, k) => {
    svg.append(el("text", { x: left + k * KEY_ENDPOINTS.length * colW + 4, y: 16, "font-size": 11, "font-weight": 700 }, popLabel[p].slice(0, 28)));
  });
  cols.forEach((c, j) => svg.append(el("text", { x: left + j * colW + colW / 2, y: top - 8, "font-size": 11, "text-anchor": "middle" }, c.short)));
  trials.forEach((trial, i) => {
    const y = top + i * rowH;
    svg.append(el("text", { x: 6, y: y + 14, "font-size": 12 }, trial.slice(0, 34)));
    cols.forEach((c, j) => {
      const status = cell(trial, popLabel[c.p], c.ep);
      const rect = el("rect", { x: left + j * colW + 2, y: y + 2, width: colW - 4, height: rowH - 4, fill: STATUS[status].colour,
                                stroke: "#9ca3af", class: "cell", "data-status": status, tabindex: "0" });
      svg.append(titled(rect, `${trial}, ${popLabel[c.p]}, ${c.short}: ${STATUS[status].text}`));
    });
  });
  box.innerHTML = ""; box.append(svg);
  document.getElementById("coverage-legend").innerHTML = Object.values(STATUS).map(s => `<span style="--c:${s.colour}">${mmkg.esc(s.text)}</span>`).join("");
}

function download(which, format) {
  const svg = document.getElementById(`${which}-svg`);
  if (!svg) return;
  const text = new XMLSerializer().serializeToString(svg);
  if (format === "svg") { mmkg.download(`mmkg-${which}.svg`, text, "image/svg+xml"); return; }
  const image = new Image();
  image.onload = () => {
    const canvas = Object.assign(document.createElement("canvas"), { width: svg.width.baseVal.value * 2, height: svg.height.baseVal.value * 2 });
    const ctx = canvas.getContext("2d"); ctx.scale(2, 2); ctx.drawImage(image, 0, 0);
    canvas.toBlob(blob => mmkg.download(`mmkg-${which}.png`, blob, "image/png"));
  };
  image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
}

document.querySelectorAll("[data-download]").forEach(b => b.addEventListener("click", () => download(b.dataset.download, b.dataset.format)));

(async () => {
  const params = new URLSearchParams(location.search);
  const select = document.getElementById("population");
  try {
    const pops = await all("/api/populations");
    select.innerHTML = pops.map(p => `<option value="${mmkg.esc(mmkg.idOf(p.population))}">${mmkg.esc(p.label)}</option>`).join("");
    select.value = params.get("population") || "population/len-refractory-1-prior-line";
    if (params.get("endpoint")) document.getElementById("endpoint").value = params.get("endpoint");
    const redraw = () => { history.replaceState(null, "", `/charts?population=${select.value}&endpoint=${document.getElementById("endpoint").value}`); drawForest().catch(e => { document.getElementById("forest").innerHTML = `<p class="error">${mmkg.esc(e.message)}</p>`; }); };
    select.addEventListener("change", redraw);
    document.getElementById("endpoint").addEventListener("change", redraw);
    await Promise.all([drawForest(), drawCoverage()]);
  } catch (error) {
    document.getElementById("forest").innerHTML = `<p class="error">${mmkg.esc(error.message)}</p>`;
  }
})();
