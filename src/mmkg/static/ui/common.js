// Shared helpers of the mmkg pages: escaping, JSON fetch with the server's error message, file download.
"use strict";
const mmkg = {
  esc(text) {
    return String(text ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  },
  async json(url, options) {
    const response = await fetch(url, options);
    const body = await response.text();
    let data;
    try { data = JSON.parse(body); } catch { data = { detail: body }; }
    if (!response.ok) {
      const detail = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail ?? data);
      throw new Error(`${response.status}: ${detail}`);
    }
    return data;
  },
  download(name, text, type) {
    const url = URL.createObjectURL(text instanceof Blob ? text : new Blob([text], { type }));
    const a = Object.assign(document.createElement("a"), { href: url, download: name });
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  },
  idOf(iri) { return String(iri || "").replace("https://w3id.org/mmkg/id/", ""); },
};
