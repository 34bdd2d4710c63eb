/* Choucha's draw verifier: recomputes a published choucha-draw-v2 draw in the browser
 * from its five files (docs/draw.md is the contract; bot/rules/draw/verify.py is Choucha's
 * own verifier, and this script names the same differences, in the same order).
 *
 * Plain JavaScript, no dependency, no build step: SHA-256 is WebCrypto's. Nothing is sent
 * anywhere; the files are read from beside the page (fetch of relative addresses) or from
 * the copies the reader chooses. Every word shown comes from the page's JSON dictionary
 * (<script type="application/json" id="words">): a message is built as P(key, params)
 * and rendered by w(key, params), each key a string literal of this file.
 *
 * The pure part (files, canonical form, seed, selection, teams, replay, comparison) is
 * exported as globalThis.ChouchaVerifier; the DOM part at the end wires the page. */
"use strict";

(function (root) {
  const ALGORITHM = "choucha-draw-v2";
  const ALGORITHM_V1 = "choucha-draw-v1";
  const FILES = ["announcement.json", "record.json", "pool.tsv", "inspectors.tsv", "recusals.tsv"];
  const INPUTS = ["announcement.json", "pool.tsv", "inspectors.tsv", "recusals.tsv"];
  const FILES_V1 = ["record.json", "pool.tsv", "inspectors.tsv", "recusals.tsv"];
  const STRATA = ["A", "B", "C", "D", "-"];
  const CREDIT_CLASSES = ["A", "B", "C", "D"];
  const HASH_CHUNK = 4096; // digests awaited together (Promise.all)
  const TEAM_CHUNK = 512; // targets whose first picks are hashed together

  // --- messages ----------------------------------------------------------------------------
  /** A message: a key of the words dictionary and its parameters (which may be messages,
   * or lists of messages, themselves). */
  function P(key, params) {
    return { key: key, params: params || {} };
  }

  function isMessage(value) {
    return value !== null && typeof value === "object" && typeof value.key === "string" &&
      typeof value.params === "object";
  }

  /** The renderer of messages in one dictionary: w(key, params), or w(message). */
  function makeWords(dictionary) {
    function w(key, params) {
      if (isMessage(key)) return w(key.key, key.params);
      const text = Object.prototype.hasOwnProperty.call(dictionary, key) ? dictionary[key] : null;
      if (typeof text !== "string") return key;
      const values = params || {};
      return text.replace(/\{([a-z_]+)\}/g, function (whole, name) {
        if (!Object.prototype.hasOwnProperty.call(values, name)) return whole;
        return show(values[name]);
      });
    }
    function show(value) {
      if (isMessage(value)) return w(value);
      if (Array.isArray(value)) return value.map(show).join(", ");
      return String(value);
    }
    return w;
  }

  /** A file that cannot be read as a draw's (Python: the KeyError, TypeError or
   * ValueError that `choucha draw verify` reports as "cannot be read"); `words` says why. */
  class Unreadable extends Error {
    constructor(words) {
      super(words.key);
      this.words = words;
    }
  }

  /** The draw cannot go ahead (Python: DrawRefused). */
  class Refused extends Error {
    constructor(reason, params) {
      super(reason);
      this.reason = reason;
      this.params = params || {};
    }
  }

  // --- bytes, text, hashing ---------------------------------------------------------------------
  const encoder = new TextEncoder();
  const HEX = Array.from({ length: 256 }, function (_, i) { return i.toString(16).padStart(2, "0"); });

  function toHex(bytes) {
    let out = "";
    for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]];
    return out;
  }

  function hexToBytes(hex) {
    if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error("not a hex string: " + hex); // ours
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  function concat(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  /** UTF-8 text of bytes, refusing what is not UTF-8 and keeping a byte order mark (as
   * Python's bytes.decode() does, so that json.loads refuses it too). */
  function decodeStrict(bytes, name) {
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch (e) {
      throw new Unreadable(P("e_utf8", { name: name }));
    }
  }

  function parseJson(bytes, name) {
    const text = decodeStrict(bytes, name);
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Unreadable(P("e_json", { name: name, error: e.message }));
    }
  }

  function subtleCrypto() {
    return root.crypto && root.crypto.subtle ? root.crypto.subtle : null;
  }

  async function sha256(bytes) {
    return new Uint8Array(await subtleCrypto().digest("SHA-256", bytes));
  }

  /** H(x) of docs/draw.md: the hex SHA-256 of bytes, or of a text's UTF-8. */
  async function sha256Hex(data) {
    return toHex(await sha256(typeof data === "string" ? encoder.encode(data) : data));
  }

  /** The SHA-256 of each of many byte strings, HASH_CHUNK at a time (WebCrypto answers a
   * batch far faster than one call after another); `progress(done)` after each batch. */
  async function hashAll(items, progress) {
    const out = new Array(items.length);
    for (let start = 0; start < items.length; start += HASH_CHUNK) {
      const part = items.slice(start, start + HASH_CHUNK);
      const digests = await Promise.all(part.map(sha256));
      for (let i = 0; i < digests.length; i++) out[start + i] = digests[i];
      if (progress) progress(Math.min(items.length, start + HASH_CHUNK));
    }
    return out;
  }

  /** int(hex digest, 16) mod m, without BigInt (m is at most the number of inspectors). */
  function digestMod(digest, modulus) {
    let rest = 0;
    for (let i = 0; i < digest.length; i++) rest = (rest * 256 + digest[i]) % modulus;
    return rest;
  }

  function countLines(bytes) {
    let n = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) n++;
    return n;
  }

  function compareBytes(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }

  /** Python's order of strings: by code point (JavaScript's own sorts by UTF-16 unit). */
  function cmp(a, b) {
    if (a === b) return 0;
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a.charCodeAt(i);
      const y = b.charCodeAt(i);
      if (x !== y) {
        const xs = x >= 0xd800 && x <= 0xdfff;
        const ys = y >= 0xd800 && y <= 0xdfff;
        if (xs !== ys) return xs ? 1 : -1; // a surrogate stands for a code point above U+FFFF
        return x < y ? -1 : 1;
      }
    }
    return a.length < b.length ? -1 : 1;
  }

  function bisectLeft(sorted, value, order) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order(sorted[mid], value) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function byNumber(a, b) {
    return a - b;
  }

  // --- Python's values: equality, int(), str() ---------------------------------------------------
  function isMap(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  /** Python's == between two JSON values (true == 1, and maps whatever their order). */
  function pyEqual(a, b) {
    const numeric = function (v) { return typeof v === "number" || typeof v === "boolean"; };
    if (numeric(a) && numeric(b)) return Number(a) === Number(b);
    if (typeof a === "string" || typeof b === "string" || a === null || b === null) return a === b;
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (!pyEqual(a[i], b[i])) return false;
      return true;
    }
    if (isMap(a) && isMap(b)) {
      const keys = Object.keys(a);
      if (keys.length !== Object.keys(b).length) return false;
      for (const key of keys) {
        if (!Object.prototype.hasOwnProperty.call(b, key) || !pyEqual(a[key], b[key])) return false;
      }
      return true;
    }
    return a === b;
  }

  /** A field of a JSON map (Python: KeyError or TypeError when it is not there). */
  function field(map, key) {
    if (!isMap(map) || !Object.prototype.hasOwnProperty.call(map, key)) {
      throw new Unreadable(P("e_missing", { field: key }));
    }
    return map[key];
  }

  function optional(map, key, fallback) {
    if (!isMap(map)) throw new Unreadable(P("e_type", { field: key }));
    return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : fallback;
  }

  function list(value, what) {
    if (!Array.isArray(value)) throw new Unreadable(P("e_type", { field: what }));
    return value;
  }

  function pyInt(value, what) {
    if (typeof value === "boolean") return value ? 1 : 0;
    if (typeof value === "number" && Number.isFinite(value)) return Math.trunc(value);
    if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) return parseInt(value, 10);
    throw new Unreadable(P("e_type", { field: what }));
  }

  function pyStr(value, what) {
    if (typeof value === "string") return value;
    if (typeof value === "number") return String(value);
    if (typeof value === "boolean") return value ? "True" : "False";
    if (value === null) return "None";
    throw new Unreadable(P("e_type", { field: what }));
  }

  function text(map, key) {
    const value = field(map, key);
    if (typeof value !== "string") throw new Unreadable(P("e_type", { field: key }));
    return value;
  }

  function hex64(map, key) {
    const value = text(map, key);
    if (!/^[0-9a-f]{64}$/.test(value)) throw new Unreadable(P("e_type", { field: key }));
    return value;
  }

  // --- decimals (Python's Decimal, as far as the draw uses it) -----------------------------------
  /** A decimal number as {coef: BigInt, exp}: coef × 10^exp; null when it is not one. */
  function parseDecimal(value) {
    if (typeof value !== "string") return null;
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/.exec(value.trim());
    if (!m || (m[2] === "" && (m[3] === undefined || m[3] === ""))) return null;
    const fraction = m[3] || "";
    const exp = (m[4] ? parseInt(m[4], 10) : 0) - fraction.length;
    if (Math.abs(exp) > 10000) return null;
    const coef = BigInt((m[2] || "0") + fraction);
    return { coef: m[1] === "-" ? -coef : coef, exp: exp };
  }

  function pow10(n) {
    return 10n ** BigInt(n);
  }

  /** The sign of a − b. */
  function decimalCompare(a, b) {
    const e = Math.min(a.exp, b.exp);
    const x = a.coef * pow10(a.exp - e);
    const y = b.coef * pow10(b.exp - e);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  /** Rounded half to even to `digits` significant digits (Python's default context). */
  function roundSignificant(coef, exp, digits) {
    const negative = coef < 0n;
    let magnitude = negative ? -coef : coef;
    const extra = magnitude.toString().length - digits;
    if (extra <= 0) return { coef: coef, exp: exp };
    const unit = pow10(extra);
    let kept = magnitude / unit;
    const rest = magnitude % unit;
    if (rest * 2n > unit || (rest * 2n === unit && kept % 2n === 1n)) kept += 1n;
    magnitude = kept;
    return { coef: negative ? -magnitude : magnitude, exp: exp + extra };
  }

  /** ceil(size × ratio), at most size: Decimal(size) * Decimal(ratio), rounded up. */
  function stratumCount(size, ratio) {
    const product = roundSignificant(BigInt(size) * ratio.coef, ratio.exp, 28);
    let value;
    if (product.exp >= 0) {
      value = product.coef * pow10(product.exp);
    } else {
      const unit = pow10(-product.exp);
      const whole = product.coef / unit; // toward zero
      value = product.coef > 0n && whole * unit !== product.coef ? whole + 1n : whole;
    }
    return Number(value < BigInt(size) ? value : BigInt(size));
  }

  /** A decimal written out without exponent (Python: format(d, "f")). */
  function decimalPlain(d) {
    const negative = d.coef < 0n;
    let digits = (negative ? -d.coef : d.coef).toString();
    if (d.exp >= 0) {
      digits += "0".repeat(d.exp);
    } else {
      const point = -d.exp;
      if (digits.length <= point) digits = "0".repeat(point - digits.length + 1) + digits;
      digits = digits.slice(0, digits.length - point) + "." + digits.slice(digits.length - point);
    }
    return (negative ? "-" : "") + digits;
  }

  /** count / size as a percentage with two decimals, rounded half to even. */
  function percent(count, size) {
    const n = BigInt(count) * 10000n;
    const d = BigInt(size);
    let q = n / d;
    const r = n % d;
    if (r * 2n > d || (r * 2n === d && q % 2n === 1n)) q += 1n;
    const s = q.toString().padStart(3, "0");
    return s.slice(0, -2) + "." + s.slice(-2) + "%";
  }

  // --- the three frozen files ---------------------------------------------------------------------
  /** pool.tsv: its shape (every line CODE, a tab, a one-byte stratum; sorted by code,
   * without repeats) and its rows. `problem` is the first thing wrong with its shape. */
  function parsePool(bytes) {
    const rows = [];
    const sizes = new Map();
    let start = 0;
    let previous = null;
    while (start < bytes.length) {
      const end = bytes.indexOf(10, start);
      if (end < 0) return { problem: P("p_pool_shape"), rows: rows, sizes: sizes };
      const tab = end - 2;
      if (tab <= start || bytes[tab] !== 9 || bytes[end - 1] === 9 ||
          bytes.subarray(start, tab).indexOf(9) >= 0) {
        return { problem: P("p_pool_shape"), rows: rows, sizes: sizes };
      }
      const code = bytes.subarray(start, tab);
      if (previous !== null && compareBytes(previous, code) >= 0) {
        return { problem: P("p_pool_order"), rows: rows, sizes: sizes };
      }
      previous = code;
      rows.push({ code: code, stratumByte: bytes[end - 1] });
      start = end + 1;
    }
    for (const row of rows) {
      if (row.stratumByte >= 0x80) throw new Unreadable(P("e_stratum"));
      row.stratum = String.fromCharCode(row.stratumByte);
      sizes.set(row.stratum, (sizes.get(row.stratum) || 0) + 1);
    }
    return { problem: null, rows: rows, sizes: sizes };
  }

  function tsvLines(bytes, name, fields) {
    const found = [];
    for (const line of decodeStrict(bytes, name).split("\n")) {
      if (!line) continue;
      const parts = line.split("\t");
      if (parts.length !== fields) {
        throw new Unreadable(P("e_fields", { name: name, count: parts.length, expected: fields }));
      }
      found.push(parts);
    }
    return found;
  }

  function parseInspectors(bytes) {
    return tsvLines(bytes, "inspectors.tsv", 3).map(function (p) {
      return { cert: p[0], department: p[1] };
    });
  }

  function parseRecusals(bytes) {
    return tsvLines(bytes, "recusals.tsv", 2);
  }

  // --- the announcement and its canonical form ---------------------------------------------------
  function entriesOf(map, what) {
    if (!isMap(map)) throw new Unreadable(P("e_type", { field: what }));
    return Object.keys(map).map(function (k) { return [k, map[k]]; });
  }

  function texts(value, what) {
    return list(value, what).map(function (x) { return pyStr(x, what); });
  }

  function readRiskRule(raw) {
    const complaints = optional(raw, "complaints", null);
    const abnormal = optional(raw, "abnormal", null);
    const dishonest = optional(raw, "dishonest", null);
    const count = complaints === true ? 1 : complaints;
    if (typeof abnormal !== "boolean" || typeof dishonest !== "boolean" ||
        !(count === null || (Number.isInteger(count) && count >= 1))) {
      throw new Unreadable(P("e_type", { field: "risk_rule" }));
    }
    return { abnormal: abnormal, dishonest: dishonest, complaints: complaints };
  }

  function readItem(i) {
    const maxRatio = field(i, "max_ratio");
    const expertise = field(i, "expertise");
    return {
      code: pyStr(field(i, "code"), "code"), kind: pyStr(field(i, "kind"), "kind"),
      max_ratio: maxRatio === null ? null : pyStr(maxRatio, "max_ratio"),
      department: pyStr(field(i, "department"), "department"),
      expertise: expertise === null ? null : pyStr(expertise, "expertise"),
    };
  }

  function readStratum(s) {
    return {
      stratum: pyStr(field(s, "stratum"), "stratum"), size: pyInt(field(s, "size"), "size"),
      ratio: pyStr(field(s, "ratio"), "ratio"), count: pyInt(field(s, "count"), "count"),
    };
  }

  function readCancelled(p) {
    const out = {};
    for (const key of ["nonce_commitment", "nonce", "entropy_source", "draw_date",
      "prepared_at", "cancelled_at", "reason"]) {
      out[key] = pyStr(field(p, key), key);
    }
    return out;
  }

  /** announcement.json read as Choucha reads it (Announcement.from_json); Unreadable names
   * what is wrong. Maps are kept as Map, so that no key order is lost. */
  function readAnnouncement(bytes) {
    const raw = parseJson(bytes, "announcement.json");
    if (!isMap(raw) || raw.algorithm !== ALGORITHM) throw new Unreadable(P("e_not_v2"));
    const mapOf = function (value, what, convert) {
      return new Map(entriesOf(value, what).map(function (kv) { return [kv[0], convert(kv[1], what)]; }));
    };
    const a = {
      plan: text(raw, "plan"), draw_date: text(raw, "draw_date"),
      entropy_source: text(raw, "entropy_source"),
      nonce_commitment: hex64(raw, "nonce_commitment"), prepared_at: text(raw, "prepared_at"),
      scope: mapOf(field(raw, "scope"), "scope", texts),
      items: list(field(raw, "items"), "items").map(readItem),
      initiating: text(raw, "initiating"),
      joining: texts(field(raw, "joining"), "joining"),
      fallbacks: mapOf(field(raw, "fallbacks"), "fallbacks", texts),
      ratios: mapOf(field(raw, "ratios"), "ratios", pyStr),
      risk_rule: readRiskRule(field(raw, "risk_rule")),
      year_caps: mapOf(field(raw, "year_caps"), "year_caps", function (v) {
        return v === null ? null : pyInt(v, "year_caps");
      }),
      pool_size: pyInt(field(raw, "pool_size"), "pool_size"),
      pool_digest: hex64(raw, "pool_digest"),
      strata: list(field(raw, "strata"), "strata").map(readStratum),
      inspectors: pyInt(field(raw, "inspectors"), "inspectors"),
      inspectors_digest: hex64(raw, "inspectors_digest"),
      recusals: pyInt(field(raw, "recusals"), "recusals"),
      recusals_digest: hex64(raw, "recusals_digest"),
      previous: list(field(raw, "previous"), "previous").map(readCancelled),
    };
    const caps = Array.from(a.year_caps.keys()).sort(cmp).join(",");
    if (caps !== STRATA.slice().sort(cmp).join(",")) {
      throw new Unreadable(P("e_year_caps"));
    }
    return a;
  }

  /** Canonical JSON (docs/draw.md): no spaces, UTF-8 as it is; a Map keeps its order. */
  function dumpCanonical(value) {
    if (value instanceof Map) {
      const parts = [];
      value.forEach(function (v, k) { parts.push(JSON.stringify(k) + ":" + dumpCanonical(v)); });
      return "{" + parts.join(",") + "}";
    }
    if (Array.isArray(value)) return "[" + value.map(dumpCanonical).join(",") + "]";
    return JSON.stringify(value);
  }

  function sortedMap(map, convert) {
    const keys = Array.from(map.keys()).sort(cmp);
    return new Map(keys.map(function (k) { return [k, convert ? convert(map.get(k)) : map.get(k)]; }));
  }

  function record(pairs) {
    return new Map(pairs);
  }

  /** The announcement as Choucha writes it (Announcement.to_json). */
  function announcementJson(a) {
    const scope = new Map();
    sortedMap(a.scope).forEach(function (v, k) { if (v.length) scope.set(k, v.slice().sort(cmp)); });
    const items = a.items.slice().sort(function (x, y) { return cmp(x.code, y.code); });
    return dumpCanonical(record([
      ["algorithm", ALGORITHM], ["plan", a.plan], ["draw_date", a.draw_date],
      ["entropy_source", a.entropy_source], ["nonce_commitment", a.nonce_commitment],
      ["prepared_at", a.prepared_at], ["scope", scope],
      ["items", items.map(function (i) {
        return record([["code", i.code], ["kind", i.kind], ["max_ratio", i.max_ratio],
          ["department", i.department], ["expertise", i.expertise]]);
      })],
      ["initiating", a.initiating], ["joining", a.joining.slice().sort(cmp)],
      ["fallbacks", sortedMap(a.fallbacks)], ["ratios", sortedMap(a.ratios)],
      ["risk_rule", record([["abnormal", a.risk_rule.abnormal], ["dishonest", a.risk_rule.dishonest],
        ["complaints", a.risk_rule.complaints], ["stratum", "D"]])],
      ["year_caps", sortedMap(a.year_caps)],
      ["pool_size", a.pool_size], ["pool_digest", a.pool_digest],
      ["strata", a.strata.slice().sort(function (x, y) { return cmp(x.stratum, y.stratum); })
        .map(stratumJson)],
      ["inspectors", a.inspectors], ["inspectors_digest", a.inspectors_digest],
      ["recusals", a.recusals], ["recusals_digest", a.recusals_digest],
      ["previous", a.previous.map(function (p) {
        return record(["nonce_commitment", "nonce", "entropy_source", "draw_date", "prepared_at",
          "cancelled_at", "reason"].map(function (k) { return [k, p[k]]; }));
      })],
    ])) + "\n";
  }

  function stratumJson(s) {
    return record([["stratum", s.stratum], ["size", s.size], ["ratio", s.ratio], ["count", s.count]]);
  }

  // --- the public value, the seed ---------------------------------------------------------------
  const ENTROPY_NOISE = /[\s,，、;；:：_/\\|'"`-]+/gu;

  /** The public value in its one spelling (NFKC, separators removed, lower case), or null
   * when something else than digits, letters a–z and dots remains. */
  function canonicalEntropy(value) {
    const spelled = value.normalize("NFKC").replace(ENTROPY_NOISE, "").toLowerCase();
    return /^[0-9a-z.]{1,128}$/.test(spelled) ? spelled : null;
  }

  function seedOf(announcementDigest, entropy, nonce) {
    return sha256Hex(ALGORITHM + "\n" + announcementDigest + "\n" + entropy + "\n" + nonce);
  }

  // --- strata, counts, the plan's rules -----------------------------------------------------------
  function ratioFor(ratios, stratum) {
    const own = ratios.get(stratum);
    if (own) return own;
    return ratios.has("*") ? ratios.get("*") : null;
  }

  function decimalOf(ratio) {
    const d = parseDecimal(ratio);
    if (d === null) throw new Refused("bad_ratio", { ratio: ratio });
    return d;
  }

  /** Each stratum of the pool with its size, ratio and count, sorted by name. */
  function strataOf(sizes, ratios) {
    return Array.from(sizes.keys()).sort(cmp).map(function (stratum) {
      const ratio = ratioFor(ratios, stratum);
      if (ratio === null) throw new Refused("no_ratio", { stratum: stratum });
      const size = sizes.get(stratum);
      return { stratum: stratum, size: size, ratio: ratio, count: stratumCount(size, decimalOf(ratio)) };
    });
  }

  function sameStrata(a, b) {
    if (a.length !== b.length) return false;
    return a.every(function (s, i) {
      const t = b[i];
      return s.stratum === t.stratum && s.size === t.size && s.ratio === t.ratio && s.count === t.count;
    });
  }

  function strataWords(strata) {
    return strata.map(function (s) {
      return P("stratum_entry", { stratum: s.stratum, size: s.size, ratio: s.ratio, count: s.count });
    });
  }

  /** What the plan may not do (policy.py): an empty pool, under 5% overall, a general
   * item's maximum exceeded, ratios falling as the risk rises. */
  function planProblems(strata, items, ratios) {
    const problems = [];
    const size = strata.reduce(function (n, s) { return n + s.size; }, 0);
    if (!strata.length || size === 0) {
      problems.push(P("p_empty_pool"));
    } else {
      const count = strata.reduce(function (n, s) { return n + s.count; }, 0);
      if (count * 20 < size) problems.push(P("p_below_minimum", { overall: percent(count, size) }));
      for (const item of items) {
        if (item.kind !== "general" || item.max_ratio === null) continue;
        for (const s of strata) {
          if (decimalCompare(decimalOf(s.ratio), decimalOf(item.max_ratio)) > 0) {
            problems.push(P("p_item_maximum", { item: item.code, stratum: s.stratum,
              ratio: s.ratio, maximum: item.max_ratio }));
          }
        }
      }
    }
    const effective = [];
    for (const stratum of CREDIT_CLASSES) {
      const ratio = ratioFor(ratios, stratum);
      if (ratio !== null) effective.push([stratum, decimalOf(ratio)]);
    }
    for (let i = 1; i < effective.length; i++) {
      const low = effective[i - 1];
      const high = effective[i];
      if (decimalCompare(low[1], high[1]) > 0) {
        problems.push(P("p_ratios_fall", { lower: low[0], lower_ratio: decimalPlain(low[1]),
          higher: high[0], higher_ratio: decimalPlain(high[1]) }));
      }
    }
    return problems;
  }

  // --- selection ------------------------------------------------------------------------------
  /** For each stratum the `count` targets with the smallest keys H(seed + CODE); `order`
   * is the rank among all selected, by key. */
  async function selectPool(rows, strata, seedBytes, progress) {
    const digests = await hashAll(rows.map(function (r) { return concat(seedBytes, r.code); }),
      progress);
    const decoder = new TextDecoder("utf-8");
    const byStratum = new Map();
    rows.forEach(function (row, i) {
      let found = byStratum.get(row.stratum);
      if (!found) byStratum.set(row.stratum, found = []);
      found.push({ key: toHex(digests[i]), row: row });
    });
    const byKey = function (x, y) { return x.key < y.key ? -1 : x.key > y.key ? 1 : 0; };
    const chosen = [];
    for (const s of strata) {
      const found = (byStratum.get(s.stratum) || []).sort(byKey);
      for (const entry of found.slice(0, s.count)) {
        chosen.push({ key: entry.key, target: decoder.decode(entry.row.code), stratum: s.stratum });
      }
    }
    chosen.sort(function (x, y) {
      return byKey(x, y) || cmp(x.target, y.target) || cmp(x.stratum, y.stratum);
    });
    return chosen.map(function (c, i) {
      return { target: c.target, stratum: c.stratum, key: c.key, order: i + 1 };
    });
  }

  // --- teams ------------------------------------------------------------------------------------
  /** H(seed + text) for the picks, a batch of them computed ahead (`prefetch`). */
  class Hasher {
    constructor(seed) {
      this.seed = hexToBytes(seed);
      this.cache = new Map();
    }

    async prefetch(labels) {
      const todo = labels.filter(function (l) { return !this.cache.has(l); }, this);
      const seed = this.seed;
      const digests = await Promise.all(todo.map(function (l) {
        return sha256(concat(seed, encoder.encode(l)));
      }));
      todo.forEach(function (l, i) { this.cache.set(l, digests[i]); }, this);
    }

    async digest(label) {
      const known = this.cache.get(label);
      return known || sha256(concat(this.seed, encoder.encode(label)));
    }

    clear() {
      this.cache.clear();
    }
  }

  /** Who may be drawn (core.py TeamRules): the departments, their fallbacks, the
   * inspectors grouped by load (assignments in this draw so far), each group sorted by
   * 执法证号, the recusals, the withdrawn. */
  class TeamRules {
    constructor(initiating, joining, fallbacks, inspectors, recusals) {
      this.initiating = initiating;
      this.joining = joining.slice().sort(cmp);
      this.fallbacks = fallbacks;
      this.loads = new Map();
      this.departmentOf = new Map();
      for (const i of inspectors) this.departmentOf.set(i.cert, i.department);
      this.groups = new Map();
      this.levels = new Map();
      const sorted = inspectors.slice().sort(function (x, y) { return cmp(x.cert, y.cert); });
      for (const i of sorted) this.enter(i.cert, this.loads.get(i.cert) || 0);
      this.withdrawn = new Set();
      this.recused = new Map();
      for (const pair of recusals) {
        let certs = this.recused.get(pair[1]);
        if (!certs) this.recused.set(pair[1], certs = new Set());
        certs.add(pair[0]);
      }
      this.certs = new Set(this.departmentOf.keys());
    }

    get departments() {
      return [this.initiating].concat(this.joining);
    }

    enter(cert, load) {
      const department = this.departmentOf.get(cert);
      let groups = this.groups.get(department);
      if (!groups) this.groups.set(department, groups = new Map());
      const group = groups.get(load);
      if (!group) {
        groups.set(load, [cert]);
        let levels = this.levels.get(department);
        if (!levels) this.levels.set(department, levels = []);
        levels.splice(bisectLeft(levels, load, byNumber), 0, load);
      } else {
        group.splice(bisectLeft(group, cert, cmp), 0, cert);
      }
    }

    leave(cert, load) {
      const department = this.departmentOf.get(cert);
      const groups = this.groups.get(department);
      const group = groups.get(load);
      group.splice(bisectLeft(group, cert, cmp), 1);
      if (!group.length) {
        groups.delete(load);
        const levels = this.levels.get(department);
        levels.splice(bisectLeft(levels, load, byNumber), 1);
      }
    }

    setLoad(cert, load) {
      if (!this.withdrawn.has(cert)) {
        this.leave(cert, this.loads.get(cert) || 0);
        this.enter(cert, load);
      }
      this.loads.set(cert, load);
    }

    /** An inspector unavailable from now on: never drawn again. */
    withdraw(cert) {
      if (this.departmentOf.has(cert) && !this.withdrawn.has(cert)) {
        this.leave(cert, this.loads.get(cert) || 0);
      }
      this.withdrawn.add(cert);
    }

    /** The tier of a pick: the lowest group with someone left once `exclude` and the
     * recused are left out ({group, skip: positions left out, left: how many remain}). */
    tier(department, target, exclude) {
      const levels = this.levels.get(department);
      if (!levels || !levels.length) return null;
      const groups = this.groups.get(department);
      const mine = [];
      const consider = function (cert) {
        if (this.departmentOf.get(cert) === department && !this.withdrawn.has(cert)) mine.push(cert);
      }.bind(this);
      exclude.forEach(consider);
      const recused = this.recused.get(target);
      if (recused) recused.forEach(function (c) { if (!exclude.has(c)) consider(c); });
      if (!mine.length) {
        const group = groups.get(levels[0]);
        return { group: group, skip: [], left: group.length };
      }
      for (const load of levels) {
        const group = groups.get(load);
        const skip = mine.filter(function (c) { return (this.loads.get(c) || 0) === load; }, this)
          .map(function (c) { return bisectLeft(group, c, cmp); }).sort(byNumber);
        const left = group.length - skip.length;
        if (left > 0) return { group: group, skip: skip, left: left };
      }
      return null;
    }

    /** One inspector for `department` or, when it has nobody left, its fallbacks: [cert,
     * the department drawn from]. Hashes CODE|d|p (p: picks from d for this target so
     * far, this one included), or CODE|d|label for a replacement. */
    async pick(hasher, target, department, exclude, counts, label) {
      const sources = [department].concat(this.fallbacks.get(department) || []);
      for (const source of sources) {
        const found = this.tier(source, target, exclude);
        if (!found) continue;
        counts.set(source, (counts.get(source) || 0) + 1);
        const tail = label !== undefined ? label : String(counts.get(source));
        const digest = await hasher.digest(target + "|" + source + "|" + tail);
        let index = digestMod(digest, found.left);
        for (const position of found.skip) {
          if (position <= index) index++;
          else break;
        }
        const chosen = found.group[index];
        this.setLoad(chosen, (this.loads.get(chosen) || 0) + 1);
        return [chosen, source];
      }
      return null;
    }
  }

  /** One inspector per department, then more until there are two; the leader is the
   * first picked for the initiating department (003 第十九条). */
  async function formTeam(rules, hasher, target) {
    const members = [];
    const counts = new Map();
    const taken = new Set();
    const add = async function (department, required) {
      const picked = await rules.pick(hasher, target, department, taken, counts);
      if (!picked) {
        if (required) throw new Refused("nobody_drawable", { department: department, target: target });
        return false;
      }
      taken.add(picked[0]);
      const leader = department === rules.initiating && !members.some(function (m) { return m.leader; });
      members.push({ inspector: picked[0], department: picked[1], leader: leader });
      return true;
    };
    for (const department of rules.departments) await add(department, true);
    for (const department of rules.departments) {
      while (members.length < 2 && await add(department, false)) { /* pick again */ }
    }
    if (members.length < 2) throw new Refused("team_too_small", { department: rules.initiating, target: target });
    return members;
  }

  /** Every team, targets in the draw's order; the first pick of each department hashed
   * ahead, TEAM_CHUNK targets at a time. */
  async function formTeams(rules, hasher, selected, progress) {
    const teams = [];
    const departments = rules.departments;
    for (let start = 0; start < selected.length; start += TEAM_CHUNK) {
      const part = selected.slice(start, start + TEAM_CHUNK);
      const labels = [];
      for (const s of part) {
        for (const d of departments) labels.push(s.target + "|" + d + "|1");
        if (departments.length < 2) labels.push(s.target + "|" + departments[0] + "|2");
      }
      await hasher.prefetch(labels);
      for (const s of part) teams.push([s.target, await formTeam(rules, hasher, s.target)]);
      hasher.clear();
      if (progress) progress(Math.min(selected.length, start + TEAM_CHUNK));
    }
    return teams;
  }

  /** The replacement rule (core.py replace_member), replaying the record's `skipped`. */
  async function replaceMember(rules, hasher, target, team, out, n, skipped) {
    const leaving = team.find(function (m) { return m.inspector === out; });
    const exclude = new Set(team.map(function (m) { return m.inspector; }));
    const restore = function () {
      if (rules.loads.has(out)) rules.setLoad(out, rules.loads.get(out) + 1);
    };
    if (rules.loads.has(out)) rules.setLoad(out, Math.max(0, rules.loads.get(out) - 1));
    const passed = [];
    for (;;) {
      const k = passed.length;
      const label = k === 0 ? "replace|" + n : "replace|" + n + "|" + k;
      const picked = await rules.pick(hasher, target, leaving.department, exclude, new Map(), label);
      if (!picked) {
        restore();
        throw new Refused("nobody_drawable", { department: leaving.department, target: target });
      }
      const cert = picked[0];
      if (k < skipped.length) {
        if (cert !== skipped[k]) {
          rules.setLoad(cert, rules.loads.get(cert) - 1);
          restore();
          throw new Refused("skipped_mismatch", { step: k, drawn: cert, listed: skipped[k] });
        }
      } else {
        return { inspector: cert, department: picked[1], leader: leaving.leader };
      }
      rules.setLoad(cert, rules.loads.get(cert) - 1); // passed over: not assigned after all
      passed.push(cert);
      exclude.add(cert);
    }
  }

  function beforeOf(w) {
    const before = field(w, "before");
    if (typeof before !== "number" && typeof before !== "boolean") {
      throw new Unreadable(P("e_type", { field: "before" }));
    }
    return Number(before);
  }

  /** The replacements replayed in order on the teams as drawn, each withdrawal after the
   * run taking effect before the replacement its `before` names; the first problem. */
  async function replay(recorded, rules, hasher, teams, progress) {
    const withdrawals = list(optional(recorded, "withdrawals", []), "withdrawals").slice()
      .sort(function (x, y) { return beforeOf(x) - beforeOf(y); });
    const changes = list(optional(recorded, "replacements", []), "replacements");
    let applied = 0;
    for (let j = 0; j < changes.length; j++) {
      const change = changes[j];
      while (applied < withdrawals.length && beforeOf(withdrawals[applied]) <= j) {
        rules.withdraw(field(withdrawals[applied], "inspector"));
        applied++;
      }
      const target = field(change, "target");
      let n = 1;
      for (let i = 0; i < j; i++) if (pyEqual(field(changes[i], "target"), target)) n++;
      if (!pyEqual(field(change, "n"), n)) {
        return [P("p_replacement_n", { index: j, target: target, n: change.n, count: n })];
      }
      const out = field(change, "out");
      const team = teams.get(target);
      if (!team || !team.some(function (m) { return m.inspector === out; })) {
        return [P("p_replacement_out", { index: j, out: out, target: target })];
      }
      const skipped = optional(change, "skipped", []);
      if (!Array.isArray(skipped) || !skipped.every(function (c) { return typeof c === "string"; })) {
        return [P("p_replacement_skipped_list", { index: j })];
      }
      let joined;
      try {
        joined = await replaceMember(rules, hasher, target, team, out, n, skipped);
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        if (e.reason === "skipped_mismatch") {
          return [P("p_replacement_skipped", { index: j, target: target, step: e.params.step,
            listed: e.params.listed, drawn: e.params.drawn })];
        }
        return [P("p_replacement_nobody", { index: j })];
      }
      if (!pyEqual(joined.inspector, field(change, "in"))) {
        return [P("p_replacement_in", { index: j, target: target, recomputed: joined.inspector,
          recorded: change.in })];
      }
      teams.set(target, team.map(function (m) { return m.inspector === out ? joined : m; }));
      if (progress) progress(j + 1, changes.length);
    }
    return [];
  }

  // --- comparison -------------------------------------------------------------------------------
  function selectedWords(entry) {
    if (entry === undefined) return P("nothing");
    if (!isMap(entry)) return JSON.stringify(entry);
    return P("selected_entry", { order: entry.order, target: entry.target,
      stratum: entry.stratum, key: entry.key });
  }

  function teamWords(entry) {
    if (entry === undefined) return P("nothing");
    if (!isMap(entry) || !Array.isArray(entry.members)) return JSON.stringify(entry);
    return entry.members.map(function (m) {
      if (!isMap(m)) return JSON.stringify(m);
      const who = { inspector: m.inspector, department: m.department };
      return m.leader ? P("member_leader", who) : P("member", who);
    });
  }

  /** The first recorded entry that is not the one recomputed, and a count that differs. */
  function firstDifference(name, recomputed, recorded, words) {
    const problems = [];
    list(recorded, name);
    for (let i = 0; i < recomputed.length; i++) {
      const want = recomputed[i];
      const got = i < recorded.length ? recorded[i] : undefined;
      if (got === undefined || !pyEqual(got, want)) {
        problems.push(P("p_entry", { list: name, index: i, label: want.target,
          recomputed: words(want), recorded: words(got) }));
        break;
      }
    }
    if (recorded.length !== recomputed.length) {
      problems.push(P("p_count", { list: name, recorded: recorded.length, recomputed: recomputed.length }));
    }
    return problems;
  }

  // --- the whole check ----------------------------------------------------------------------------
  /** Collects the checks (each with its problems, in the order Choucha's verifier finds
   * them) and tells `onCheck` of each as it is made. */
  class Findings {
    constructor(onCheck) {
      this.checks = [];
      this.problems = [];
      this.onCheck = onCheck || function () {};
    }

    add(id, ok, problems) {
      const check = { id: id, ok: problems.length === 0, message: problems.length ? null : ok,
        problems: problems };
      this.checks.push(check);
      this.problems.push.apply(this.problems, problems);
      this.onCheck(check);
      return check;
    }
  }

  /** Each frozen file's SHA-256 and line count against the announcement's. */
  async function fileChecks(found, a, files) {
    for (const spec of [["pool.tsv", "pool_digest", "pool_size"],
      ["inspectors.tsv", "inspectors_digest", "inspectors"],
      ["recusals.tsv", "recusals_digest", "recusals"]]) {
      const name = spec[0];
      const data = files[name];
      const digest = await sha256Hex(data);
      const lines = countLines(data);
      const problems = [];
      if (digest !== a[spec[1]]) {
        problems.push(P("p_file_digest", { name: name, digest: digest, key: spec[1], announced: a[spec[1]] }));
      }
      if (lines !== a[spec[2]]) {
        problems.push(P("p_file_lines", { name: name, lines: lines, announced: a[spec[2]] }));
      }
      found.add("file:" + name, P("ok_file", { name: name, lines: lines }), problems);
    }
  }

  /** pool.tsv's strata, recomputed, against the announcement's (null when they cannot be:
   * a stratum without a ratio, a ratio that is not a number). */
  function strataCheck(found, pool, a) {
    let strata;
    try {
      strata = strataOf(pool.sizes, a.ratios);
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      found.add("strata", null, [e.reason === "no_ratio" ? P("p_no_ratio", e.params) : P("p_bad_ratio", e.params)]);
      return null;
    }
    found.add("strata", P("ok_strata", { strata: strataWords(strata) }), sameStrata(strata, a.strata) ? [] : [
      P("p_strata", { recomputed: strataWords(strata), announced: strataWords(a.strata) })]);
    return strata;
  }

  /** pool.tsv's shape: its rows, or null when they cannot be used. */
  function poolShapeCheck(found, files) {
    const pool = parsePool(files["pool.tsv"]);
    found.add("pool_shape", P("ok_pool_shape", { lines: pool.rows.length }), pool.problem ? [pool.problem] : []);
    return pool.problem ? null : pool;
  }

  async function commitmentChecks(found, recorded, a) {
    const problems = [];
    const nonce = field(recorded, "nonce");
    const entropy = field(recorded, "entropy");
    if (typeof nonce !== "string" || typeof entropy !== "string") {
      throw new Unreadable(P("e_type", { field: typeof nonce !== "string" ? "nonce" : "entropy" }));
    }
    if (await sha256Hex(nonce) !== a.nonce_commitment) problems.push(P("p_nonce"));
    for (let k = 0; k < a.previous.length; k++) {
      const earlier = a.previous[k];
      if (await sha256Hex(earlier.nonce) !== earlier.nonce_commitment) {
        problems.push(P("p_previous_nonce", { index: k }));
      }
      const day = earlier.cancelled_at.slice(0, 10);
      if (cmp(day, earlier.draw_date) >= 0) {
        problems.push(P("p_previous_date", { index: k, date: day, draw_date: earlier.draw_date }));
      }
    }
    if (!/^[0-9a-z.]{1,128}$/.test(entropy)) {
      const spelled = canonicalEntropy(entropy);
      problems.push(P("p_entropy", { value: JSON.stringify(entropy),
        canonical: spelled === null ? P("nothing") : JSON.stringify(spelled) }));
    }
    found.add("commitments", P("ok_commitments", { entropy: entropy }), problems);
  }

  /** The announcement: the digest the record was seeded with, its reading, its canonical
   * form and plan; null to stop. */
  async function announcementChecks(found, recorded, files) {
    const digest = await sha256Hex(files["announcement.json"]);
    const recordedDigest = field(recorded, "announcement_digest");
    found.add("announcement_digest", P("ok_announcement_digest", { digest: digest }),
      digest === recordedDigest ? [] : [P("p_announcement_digest", { digest: digest, recorded: recordedDigest })]);
    let a;
    try {
      a = readAnnouncement(files["announcement.json"]);
    } catch (e) {
      if (!(e instanceof Unreadable)) throw e;
      found.add("announcement_form", null, [P("p_announcement_unreadable", { error: e.words })]);
      return null;
    }
    const problems = [];
    if (announcementJson(a) !== decodeStrict(files["announcement.json"], "announcement.json")) {
      problems.push(P("p_not_canonical"));
    }
    const plan = field(recorded, "plan");
    if (!pyEqual(plan, a.plan)) problems.push(P("p_plan", { recorded: JSON.stringify(plan), announced: JSON.stringify(a.plan) }));
    found.add("announcement_form", P("ok_announcement_form"), problems);
    return a;
  }

  async function teamChecks(found, recorded, a, files, seed, selected, progress) {
    const rules = new TeamRules(a.initiating, a.joining, a.fallbacks,
      parseInspectors(files["inspectors.tsv"]), parseRecusals(files["recusals.tsv"]));
    const early = list(optional(recorded, "withdrawals_before_run", []), "withdrawals_before_run");
    const problems = [];
    for (const before of early) {
      const cert = field(before, "inspector");
      if (!rules.certs.has(cert)) problems.push(P("p_before_run", { inspector: cert }));
      rules.withdraw(cert);
    }
    found.add("withdrawals_before_run", P("ok_before_run", { count: early.length }), problems);
    found.add("selected", P("ok_selected", { count: selected.length }),
      firstDifference("selected", selected, field(recorded, "selected"), selectedWords));
    const hasher = new Hasher(seed);
    let teams;
    try {
      teams = await formTeams(rules, hasher, selected, function (done) {
        progress(P("forming_teams", { done: done, total: selected.length }), done, selected.length);
      });
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
      found.add("teams", null, [e.reason === "team_too_small" ? P("p_team_too_small", e.params) :
        P("p_nobody_drawable", e.params)]);
      return;
    }
    const teamsJson = teams.map(function (t) { return { target: t[0], members: t[1] }; });
    found.add("teams", P("ok_teams", { count: teams.length }),
      firstDifference("teams", teamsJson, field(recorded, "teams"), teamWords));
    const changes = list(optional(recorded, "replacements", []), "replacements");
    const later = list(optional(recorded, "withdrawals", []), "withdrawals");
    const replayed = await replay(recorded, rules, hasher, new Map(teams), function (done, total) {
      progress(P("replaying", { done: done, total: total }), done, total);
    });
    found.add("replacements", P("ok_replacements", { count: changes.length, withdrawals: later.length }), replayed);
  }

  /** A choucha-draw-v2 record against its announcement and files (verify.py `verify`). */
  async function verifyRecord(found, recorded, files, progress) {
    const algorithm = optional(recorded, "algorithm", null);
    if (algorithm !== ALGORITHM) {
      found.add("algorithm", null, [P("p_algorithm", { value: JSON.stringify(algorithm) })]);
      return;
    }
    found.add("algorithm", P("ok_algorithm", { plan: String(optional(recorded, "plan", "")) }), []);
    const a = await announcementChecks(found, recorded, files);
    if (a === null) return;
    await fileChecks(found, a, files);
    const pool = poolShapeCheck(found, files);
    if (pool === null) return;
    await commitmentChecks(found, recorded, a);
    const seed = await seedOf(field(recorded, "announcement_digest"), recorded.entropy, recorded.nonce);
    const recordedSeed = field(recorded, "seed");
    found.add("seed", P("ok_seed", { seed: seed }),
      seed === recordedSeed ? [] : [P("p_seed", { seed: seed, recorded: recordedSeed })]);
    const strata = strataCheck(found, pool, a);
    if (strata === null) return;
    found.add("rules", P("ok_rules"), planProblems(strata, a.items, a.ratios));
    // inspectors.tsv and recusals.tsv are read before the selection (as Choucha does).
    parseInspectors(files["inspectors.tsv"]);
    parseRecusals(files["recusals.tsv"]);
    const selected = await selectPool(pool.rows, strata, hexToBytes(seed), function (done) {
      progress(P("hashing_pool", { done: done, total: pool.rows.length }), done, pool.rows.length);
    });
    await teamChecks(found, recorded, a, files, seed, selected, progress);
  }

  /** Before the run: the announcement's digests, line counts and strata against the three
   * files (services/draws.py `_inputs_problems`, and the line counts docs/draw.md names). */
  async function verifyInputs(found, files) {
    const a = readAnnouncement(files["announcement.json"]);
    const digest = await sha256Hex(files["announcement.json"]);
    found.add("announcement_read", P("ok_announcement_read", { plan: a.plan, date: a.draw_date,
      source: a.entropy_source }), []);
    found.not_run = P("not_run", { plan: a.plan, date: a.draw_date, source: a.entropy_source,
      commitment: a.nonce_commitment });
    found.announcement_digest = P("announcement_digest", { digest: digest });
    await fileChecks(found, a, files);
    const pool = poolShapeCheck(found, files);
    if (pool !== null) strataCheck(found, pool, a);
  }

  /** Each field in which the announcement the reader kept before the lottery differs from
   * the one checked ([] when they are the same bytes): verify.py `compare_announcements`,
   * the same problems in the same order (a field absent is null, as Python's dict.get). */
  function announcementDifferences(kept, checked) {
    if (compareBytes(kept, checked) === 0) return [];
    const read = function (bytes) {
      try {
        return { value: JSON.parse(decodeStrict(bytes, "announcement.json")) };
      } catch (e) {
        return null;
      }
    };
    const before = read(kept);
    const after = before === null ? null : read(checked);
    if (before === null || after === null) {
      return [P("p_kept_not_json", { name: before === null ? P("kept_copy") : "announcement.json" })];
    }
    if (!isMap(before.value) || !isMap(after.value)) {
      return [P("p_kept_not_object", { name: !isMap(before.value) ? P("kept_copy") : "announcement.json" })];
    }
    const get = function (map, key) {
      return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : null;
    };
    const keys = Array.from(new Set(Object.keys(before.value).concat(Object.keys(after.value))));
    const changed = keys.filter(function (key) {
      return !pyEqual(get(before.value, key), get(after.value, key));
    }).map(function (key) {
      return P("p_kept_field", { field: key, kept: JSON.stringify(get(before.value, key)),
        checked: JSON.stringify(get(after.value, key)) });
    });
    return changed.length ? changed : [P("p_kept_bytes")];
  }

  /** The announcement kept before the lottery against the one checked (`choucha draw
   * verify DIR --announcement FILE`): one problem per difference, the first naming both
   * digests. */
  async function keptCheck(found, kept, checked) {
    const digest = await sha256Hex(checked);
    const differences = announcementDifferences(kept, checked);
    const problems = differences.length ? [P("p_kept_differs", { digest: digest,
      kept: await sha256Hex(kept), difference: differences[0] })].concat(differences.slice(1)) : [];
    found.add("kept_announcement", P("ok_kept", { digest: digest }), problems);
  }

  /** Verify the five files (Uint8Array, or null when absent) as `choucha draw verify`
   * does; `hooks.check(check)` hears of each check made, `hooks.progress(message, done,
   * total)` of the long steps; `kept` (Uint8Array, optional): the announcement.json the
   * reader kept before the lottery, held against the one checked first (verify_dir's
   * `published`). Returns {mode, checks, problems, ...}. */
  async function verifyFiles(files, hooks, kept) {
    const h = hooks || {};
    const progress = h.progress || function () {};
    const found = new Findings(h.check);
    let mode = "draw";
    if (kept && files["announcement.json"]) await keptCheck(found, kept, files["announcement.json"]);
    const keptProblems = found.problems.slice();
    try {
      const recorded = files["record.json"] ? parseJson(files["record.json"], "record.json") : null;
      const version = isMap(recorded) ? recorded.algorithm : undefined;
      const truthy = recorded !== null && recorded !== false && recorded !== 0 && recorded !== "" &&
        !(Array.isArray(recorded) && !recorded.length) && !(isMap(recorded) && !Object.keys(recorded).length);
      const names = version === ALGORITHM_V1 ? FILES_V1 : truthy ? FILES : INPUTS;
      const missing = names.filter(function (name) { return !files[name]; });
      if (missing.length) {
        found.add("files", null, missing.map(function (name) { return P("p_missing", { name: name }); }));
      } else if (recorded === null) {
        mode = "before_run";
        await verifyInputs(found, files);
      } else if (version === ALGORITHM_V1) {
        mode = "v1";
      } else {
        await verifyRecord(found, recorded, files, progress);
      }
    } catch (e) {
      if (!(e instanceof Unreadable)) throw e;
      // As `choucha draw verify`: a file that cannot be read is the one problem reported
      // (after the differences from the announcement kept, if any).
      found.problems = keptProblems;
      found.add("unreadable", null, [P("p_unreadable", { error: e.words })]);
    }
    return { mode: mode, checks: found.checks, problems: found.problems, not_run: found.not_run || null,
      announcement_digest: found.announcement_digest || null };
  }

  const api = {
    P: P, makeWords: makeWords, sha256Hex: sha256Hex, parsePool: parsePool,
    parseDecimal: parseDecimal, stratumCount: stratumCount, decimalPlain: decimalPlain,
    canonicalEntropy: canonicalEntropy, readAnnouncement: readAnnouncement,
    announcementJson: announcementJson, strataOf: strataOf, planProblems: planProblems,
    selectPool: selectPool, TeamRules: TeamRules, Hasher: Hasher, formTeams: formTeams,
    replaceMember: replaceMember, replay: replay, firstDifference: firstDifference,
    pyEqual: pyEqual, cmp: cmp, verifyFiles: verifyFiles, FILES: FILES,
    announcementDifferences: announcementDifferences,
  };
  root.ChouchaVerifier = api;

  // --- the page -----------------------------------------------------------------------------------
  if (typeof document === "undefined") return;

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  /** The five files: those the reader chose, else those published beside the page
   * (record.json answering 404 before the draw). */
  async function gatherFiles(form, say) {
    const inputs = Array.from(form.querySelectorAll("input[type=file][data-file]"));
    const chosen = inputs.filter(function (i) { return i.files && i.files.length; });
    const files = {};
    const problems = [];
    if (chosen.length) {
      say(P("source_chosen", { names: chosen.map(function (i) { return i.dataset.file; }) }));
      for (const input of inputs) {
        files[input.dataset.file] = input.files && input.files.length ?
          new Uint8Array(await input.files[0].arrayBuffer()) : null;
      }
      return { files: files, problems: problems };
    }
    say(P("source_published"));
    await Promise.all(FILES.map(async function (name) {
      try {
        const answer = await fetch(new URL(name, document.baseURI), { cache: "no-store", credentials: "same-origin" });
        if (answer.status === 404) files[name] = null;
        else if (!answer.ok) problems.push(P("unreachable", { name: name, error: answer.status }));
        else files[name] = new Uint8Array(await answer.arrayBuffer());
      } catch (e) {
        problems.push(P("unreachable", { name: name, error: e.message }));
      }
    }));
    return { files: files, problems: problems };
  }

  function setup() {
    const words = document.getElementById("words");
    const form = document.getElementById("verifier");
    if (!words || !form) return;
    const w = makeWords(JSON.parse(words.textContent));
    const results = document.getElementById("results");
    const checks = document.getElementById("checks");
    const summary = document.getElementById("summary");
    const source = document.getElementById("source");
    const progressBox = document.getElementById("progress");
    const bar = document.getElementById("progress-bar");
    const progressText = document.getElementById("progress-text");
    const button = document.getElementById("verify");

    const line = function (status, message, problems) {
      const item = element("li", status);
      const mark = status === "ok" ? w("status_ok") : status === "bad" ? w("status_bad") : w("status_pending");
      item.appendChild(element("span", "status", mark + " "));
      item.appendChild(element("span", "message", message));
      if (problems && problems.length) {
        const sub = element("ul");
        for (const p of problems) sub.appendChild(element("li", "bad", w(p)));
        item.appendChild(sub);
      }
      checks.appendChild(item);
      return item;
    };
    const showCheck = function (check) {
      const item = check.ok ? line("ok", w(check.message)) : line("bad", w(check.problems[0]), check.problems.slice(1));
      item.dataset.check = check.id;
    };
    const showProgress = function (message, done, total) {
      progressBox.hidden = false;
      bar.max = Math.max(1, total);
      bar.value = done;
      progressText.textContent = w(message);
    };
    const finish = function (outcome, className, message, count) {
      progressBox.hidden = true;
      summary.className = className;
      summary.textContent = w(message);
      results.dataset.outcome = outcome;
      results.dataset.problems = String(count);
      button.disabled = false;
    };

    const run = async function () {
      button.disabled = true;
      const started = performance.now();
      checks.textContent = "";
      source.textContent = "";
      summary.className = "pending";
      summary.textContent = w("reading");
      delete results.dataset.outcome;
      if (!subtleCrypto()) {
        finish("error", "bad", P("no_crypto"), 0);
        return;
      }
      try {
        const gathered = await gatherFiles(form, function (m) { source.textContent = w(m); });
        if (gathered.problems.length) {
          for (const p of gathered.problems) line("bad", w(p));
          finish("error", "bad", gathered.problems[0], gathered.problems.length);
          return;
        }
        const keptInput = document.getElementById("kept-announcement");
        const kept = keptInput && keptInput.files && keptInput.files.length ?
          new Uint8Array(await keptInput.files[0].arrayBuffer()) : null;
        const result = await verifyFiles(gathered.files, { check: showCheck, progress: showProgress }, kept);
        results.dataset.seconds = ((performance.now() - started) / 1000).toFixed(2);
        if (result.not_run) { // before the run: what the draw will be, to hold against the channel
          line("pending", w(result.not_run)).dataset.check = "not_run";
          line("pending", w(result.announcement_digest)).dataset.check = "announcement_sha256";
        }
        if (result.problems.length) {
          finish("bad", "bad", P("differences", { count: result.problems.length, first: result.problems[0] }),
            result.problems.length);
        } else if (result.mode === "v1") {
          finish("v1", "pending", P("v1"), 0);
        } else if (result.mode === "before_run") {
          finish("before_run", "ok", P("inputs_match"), 0);
        } else {
          finish("ok", "ok", P("all_match"), 0);
        }
      } catch (e) {
        finish("error", "bad", P("crashed", { error: e && e.message ? e.message : String(e) }), 0);
      }
    };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})(globalThis);
