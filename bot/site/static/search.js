/* Choucha's public site: searching the published results in the browser.
   The index (bot/views/site/search.py) sits in search/data/: a manifest, name shards
   (in the order first published, read from the latest back) and code shards (by the
   SHA-256 of the code). Nothing is
   sent anywhere: the shards are fetched from this site and searched here. */
"use strict";
(function () {
  const form = document.getElementById("search");
  if (!form) return;
  const words = JSON.parse(document.getElementById("words").textContent);
  const base = form.dataset.index;
  const up = form.dataset.up;
  const enough = Number(form.dataset.foundEnough) || 50;
  const status = document.getElementById("status");
  const hits = document.getElementById("hits");
  const input = document.getElementById("q");
  const cache = new Map();
  let manifest = null;
  let running = 0;

  function w(key, params) {
    return (words[key] || key).replace(/\{(\w+)\}/g, (m, name) =>
      params && name in params ? String(params[name]) : m);
  }
  async function load(name) {
    if (!cache.has(name)) {
      cache.set(name, fetch(base + name).then((r) => {
        if (!r.ok) throw new Error(name + ": " + r.status);
        return r.json();
      }));
    }
    return cache.get(name);
  }
  async function codeShard(code) {
    const bytes = new TextEncoder().encode(code);
    if (!(globalThis.crypto && crypto.subtle)) return null;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return digest[0] % manifest.code_shards;
  }
  function show(found, query, more) {
    hits.textContent = "";
    for (const [name, code, href, , planName, date] of found) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = up + href;
      a.textContent = w("hit", { name: name, code: code, plan: planName, date: date });
      li.appendChild(a);
      hits.appendChild(li);
    }
    status.textContent = found.length
      ? w("found", { n: found.length }) + (more ? " " + w("more", { n: found.length }) : "")
      : w("none", { query: query });
  }
  async function search(query) {
    const run = ++running;
    const text = query.trim();
    const code = text.toUpperCase().replace(/\s+/g, "");
    if (text.length < 2) { status.textContent = w("short"); hits.textContent = ""; return; }
    status.textContent = w("searching");
    try {
      manifest = manifest || await load("manifest.json");
      const found = [];
      if (/^[0-9A-Z]{15,18}$/.test(code)) {
        const shard = await codeShard(code);
        if (shard !== null && manifest.codes.includes(shard)) {
          for (const entry of await load("codes-" + shard + ".json")) {
            if (String(entry[1]).toUpperCase() === code) found.push(entry);
          }
        }
      }
      const needle = text.toLowerCase();
      for (let n = manifest.names - 1; n >= 0 && found.length < enough; n--) {
        const shard = await load("names-" + n + ".json");
        for (let i = shard.length - 1; i >= 0; i--) {  // the latest first
          const entry = shard[i];
          if (run !== running) return;  // a newer search took over
          if (found.length >= enough) break;
          const name = String(entry[0]).toLowerCase();
          const entryCode = String(entry[1]).toUpperCase();
          if ((name.includes(needle) || entryCode.startsWith(code)) &&
              !found.some((f) => f[3] === entry[3])) found.push(entry);
        }
      }
      if (run === running) show(found, text, found.length >= enough);
    } catch (error) {
      status.textContent = w("failed", { error: error.message });
    }
  }
  form.addEventListener("submit", (event) => { event.preventDefault(); search(input.value); });
  const asked = new URLSearchParams(location.search).get("q");
  if (asked) { input.value = asked; search(asked); }
})();
