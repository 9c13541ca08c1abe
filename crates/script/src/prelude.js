// The JetBrains HTTP Client script API. Evaluated once per context; each
// script then calls __make(input) (the job as a JSON string), which puts a
// fresh API for it on the global object; what the script does is
// collected and read back with __result(). No file system, network,
// process or timers exist in this context.
"use strict";

// Bytes as hex strings between JavaScript and the native digests
// (__digest(algorithm, dataHex[, keyHex]) → hex, in Rust).
const __bytes = (() => {
  const utf8 = (s) => {
    s = String(s);
    let out = "";
    for (const ch of s) {
      let c = ch.codePointAt(0);
      const push = (b) => { out += (b < 16 ? "0" : "") + b.toString(16); };
      if (c < 0x80) push(c);
      else if (c < 0x800) { push(0xc0 | (c >> 6)); push(0x80 | (c & 63)); }
      else if (c < 0x10000) { push(0xe0 | (c >> 12)); push(0x80 | ((c >> 6) & 63)); push(0x80 | (c & 63)); }
      else { push(0xf0 | (c >> 18)); push(0x80 | ((c >> 12) & 63)); push(0x80 | ((c >> 6) & 63)); push(0x80 | (c & 63)); }
    }
    return out;
  };
  const fromHex = (h) => { const a = []; for (let i = 0; i + 1 < h.length; i += 2) a.push(parseInt(h.slice(i, i + 2), 16)); return a; };
  const toUtf8 = (h) => {
    const b = fromHex(h); let s = "";
    for (let i = 0; i < b.length;) {
      const c = b[i];
      if (c < 0x80) { s += String.fromCodePoint(c); i += 1; }
      else if (c < 0xe0) { s += String.fromCodePoint(((c & 31) << 6) | (b[i + 1] & 63)); i += 2; }
      else if (c < 0xf0) { s += String.fromCodePoint(((c & 15) << 12) | ((b[i + 1] & 63) << 6) | (b[i + 2] & 63)); i += 3; }
      else { s += String.fromCodePoint(((c & 7) << 18) | ((b[i + 1] & 63) << 12) | ((b[i + 2] & 63) << 6) | (b[i + 3] & 63)); i += 4; }
    }
    return s;
  };
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const toB64 = (h) => {
    const b = fromHex(h); let s = "";
    for (let i = 0; i < b.length; i += 3) {
      const n = (b[i] << 16) | ((b[i + 1] || 0) << 8) | (b[i + 2] || 0);
      s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : "=") + (i + 2 < b.length ? B64[n & 63] : "=");
    }
    return s;
  };
  const fromB64 = (s) => {
    s = String(s).replace(/[^A-Za-z0-9+/]/g, "");
    let h = "", bits = 0, acc = 0;
    for (const ch of s) {
      acc = (acc << 6) | B64.indexOf(ch); bits += 6;
      if (bits >= 8) { bits -= 8; const b = (acc >> bits) & 255; h += (b < 16 ? "0" : "") + b.toString(16); }
    }
    return h;
  };
  const latin1 = (h) => fromHex(h).map((b) => String.fromCharCode(b)).join("");
  const fromLatin1 = (s) => Array.from(String(s)).map((c) => { const b = c.charCodeAt(0) & 255; return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  return { utf8, toUtf8, toB64, fromB64, latin1, fromLatin1 };
})();

globalThis.btoa = (s) => __bytes.toB64(__bytes.fromLatin1(s));
globalThis.atob = (s) => __bytes.latin1(__bytes.fromB64(s));

// CryptoJS's digests and HMACs (what request-signing scripts use), over
// the native ones: a WordArray holds its bytes as hex.
globalThis.CryptoJS = (() => {
  const digest = globalThis.__digest;
  class WordArray {
    constructor(hex) { this.hex = hex; this.sigBytes = hex.length / 2; }
    toString(enc) { return (enc || Hex).stringify(this); }
    concat(other) { this.hex += other.hex; this.sigBytes = this.hex.length / 2; return this; }
    clone() { return new WordArray(this.hex); }
  }
  const Hex = { stringify: (w) => w.hex, parse: (h) => new WordArray(String(h).toLowerCase()) };
  const Utf8 = { stringify: (w) => __bytes.toUtf8(w.hex), parse: (s) => new WordArray(__bytes.utf8(s)) };
  const Latin1 = { stringify: (w) => __bytes.latin1(w.hex), parse: (s) => new WordArray(__bytes.fromLatin1(s)) };
  const Base64 = { stringify: (w) => __bytes.toB64(w.hex), parse: (s) => new WordArray(__bytes.fromB64(s)) };
  const bytes = (m) => (m instanceof WordArray ? m.hex : __bytes.utf8(m === undefined ? "" : m));
  const hash = (alg) => (m) => new WordArray(digest(alg, bytes(m)));
  const hmac = (alg) => (m, key) => new WordArray(digest(alg, bytes(m), bytes(key)));
  const unavailable = (what) => () => { throw new Error("CryptoJS." + what + " is not available in apiscope's script sandbox (digests and HMACs are)"); };
  return {
    MD5: hash("md5"), SHA1: hash("sha1"), SHA224: hash("sha224"), SHA256: hash("sha256"), SHA384: hash("sha384"), SHA512: hash("sha512"),
    HmacMD5: hmac("md5"), HmacSHA1: hmac("sha1"), HmacSHA224: hmac("sha224"), HmacSHA256: hmac("sha256"), HmacSHA384: hmac("sha384"), HmacSHA512: hmac("sha512"),
    enc: { Hex, Utf8, Latin1, Base64 },
    lib: { WordArray: { create: (h) => new WordArray(typeof h === "string" ? h : "") } },
    AES: { encrypt: unavailable("AES"), decrypt: unavailable("AES") },
  };
})();

// JetBrains' `crypto` (HTTP Client 2023.3+): builders over the same digests.
globalThis.crypto = (() => {
  const digest = globalThis.__digest;
  const builder = (alg, key) => {
    let data = "";
    const self = {
      updateWithText(t) { data += __bytes.utf8(t); return self; },
      updateWithHex(h) { data += String(h).toLowerCase(); return self; },
      updateWithBase64(b) { data += __bytes.fromB64(b); return self; },
      digest() {
        const hex = key === undefined ? digest(alg, data) : digest(alg, data, key);
        return { toHex: () => hex, toBase64: () => __bytes.toB64(hex) };
      },
    };
    return self;
  };
  const keyed = (alg) => () => ({
    withTextSecret: (s) => builder(alg, __bytes.utf8(s)),
    withHexSecret: (h) => builder(alg, String(h).toLowerCase()),
    withBase64Secret: (b) => builder(alg, __bytes.fromB64(b)),
  });
  return {
    md5: () => builder("md5"), sha1: () => builder("sha1"), sha256: () => builder("sha256"), sha384: () => builder("sha384"), sha512: () => builder("sha512"),
    hmac: { md5: keyed("md5"), sha1: keyed("sha1"), sha256: keyed("sha256"), sha384: keyed("sha384"), sha512: keyed("sha512") },
  };
})();
delete globalThis.__digest;

globalThis.__make = function (inputText) {
  const g = globalThis;
  const input = JSON.parse(inputText);
  const out = { globals: [], request_vars: [], tests: [], logs: [], exited: false, edits: [] };
  const globals = new Map(input.globals);
  const requestVars = new Map(input.request_vars);
  const environment = new Map(input.environment);
  let inTest = null;
  const text = (v) =>
    v === undefined ? "undefined" : v === null ? "null"
      : typeof v === "string" ? v
      : typeof v === "object" ? (() => { try { return JSON.stringify(v); } catch (e) { return String(v); } })()
      : String(v);
  const log = (...args) => { if (out.logs.length < 1000) out.logs.push(args.map(text).join(" ").slice(0, 4096)); };
  const valueText = (v) => (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
  const exit = {};
  g.__exit = exit;
  const client = {
    global: {
      set(name, value) { name = String(name); value = valueText(value); globals.set(name, value); out.globals.push(["set", name, value]); },
      get(name) { const v = globals.get(String(name)); return v === undefined ? null : v; },
      isEmpty() { return globals.size === 0; },
      clear(name) { name = String(name); globals.delete(name); out.globals.push(["clear", name, ""]); },
      clearAll() { globals.clear(); out.globals.push(["clearAll", "", ""]); },
    },
    test(name, fn) {
      const t = { name: String(name), failure: null };
      out.tests.push(t);
      const outer = inTest;
      inTest = t;
      try { fn(); } catch (e) {
        if (e === exit) throw e;
        if (t.failure === null) t.failure = e && e.message !== undefined ? String(e.message) : text(e);
      } finally { inTest = outer; }
    },
    assert(condition, message) {
      if (condition) return;
      const m = message === undefined ? "assertion failed" : text(message);
      if (inTest) { throw new Error(m); }
      out.tests.push({ name: m, failure: m });
    },
    log,
    exit() { out.exited = true; throw exit; },
  };
  const lower = (s) => String(s).toLowerCase();
  const headersOf = (pairs) => ({
    valueOf(name) { const n = lower(name); const h = pairs.find((p) => lower(p[0]) === n); return h ? h[1] : null; },
    valuesOf(name) { const n = lower(name); return pairs.filter((p) => lower(p[0]) === n).map((p) => p[1]); },
    all() { return pairs.map((p) => ({ name: p[0], value: () => p[1] })); },
    findByName(name) { return this.valueOf(name); },
  });
  const substituted = (raw) => raw.replace(/\{\{\s*([^{}]+?)\s*\}\}/g, (m, n) => {
    const v = requestVars.get(n) ?? globals.get(n) ?? environment.get(n);
    return v === undefined ? m : v;
  });
  // A request's headers are objects (JetBrains' RequestHeader): a name,
  // the raw value and the value with its variables substituted.
  const headerObject = (p) => ({
    name: p[0],
    getRawValue: () => p[1],
    tryGetSubstitutedValue: () => substituted(p[1]),
    value: () => p[1],
  });
  const requestHeadersOf = (pairs) => ({
    all() { return pairs.map(headerObject); },
    findByName(name) { const n = lower(name); const h = pairs.find((p) => lower(p[0]) === n); return h ? headerObject(h) : null; },
    valueOf(name) { const n = lower(name); const h = pairs.find((p) => lower(p[0]) === n); return h ? h[1] : null; },
    valuesOf(name) { const n = lower(name); return pairs.filter((p) => lower(p[0]) === n).map((p) => p[1]); },
  });
  const req = input.request;
  const request = {
    method: req.method,
    url: { getRaw: () => req.url, tryGetSubstituted: () => substituted(req.url), toString: () => req.url },
    headers: requestHeadersOf(req.headers),
    body: { getRaw: () => req.body, tryGetSubstituted: () => substituted(req.body) },
    variables: {
      set(name, value) { name = String(name); value = valueText(value); requestVars.set(name, value); out.request_vars.push([name, value]); },
      get(name) { const v = requestVars.get(String(name)); return v === undefined ? null : v; },
    },
    environment: {
      get(name) { const v = environment.get(String(name)); return v === undefined ? null : v; },
    },
  };
  let response = undefined;
  if (input.response) {
    const r = input.response;
    const ct = (r.headers.find((p) => lower(p[0]) === "content-type") || [null, ""])[1];
    const [mime, ...params] = ct.split(";").map((s) => s.trim());
    const charsetParam = params.find((p) => lower(p).startsWith("charset="));
    let body = r.body;
    if (/[/+]json$/i.test(mime) || (mime === "" && /^\s*[{[]/.test(body))) {
      try { body = JSON.parse(r.body); } catch (e) { body = r.body; }
    }
    response = {
      status: r.status,
      // (httpyac's names, for `?? js` lines written for it.)
      statusCode: r.status,
      parsedBody: body,
      body,
      headers: headersOf(r.headers),
      contentType: { mimeType: mime || null, charset: charsetParam ? charsetParam.slice(8) : null },
    };
  }
  const unavailable = (what) => () => { throw new Error(what + " is not available in apiscope's script sandbox"); };

  const api = (name, value) => Object.defineProperty(g, name, { value, configurable: true });
  api("client", client);
  api("request", request);
  if (response !== undefined) api("response", response);
  else delete g.response;
  delete g.pm;
  delete g.postman;
  for (const k of ["bru", "req", "res", "test", "expect"]) delete g[k];
  for (const k of ["tests", "environment", "globals", "iteration", "responseBody", "responseCode", "responseHeaders", "responseTime", "__beforeResult"]) delete g[k];
  g.console = { log, info: log, warn: log, error: log, debug: log };
  g.setTimeout = unavailable("setTimeout");
  g.setInterval = unavailable("setInterval");
  g.require = unavailable("require");
  g.fetch = unavailable("fetch");
  g.__result = () => { if (typeof g.__beforeResult === "function") g.__beforeResult(); return JSON.stringify(out); };
  delete g.__beforeResult;
  // (For the `pm` part, evaluated only for scripts that use it.)
  g.__api = { input, out, client, request, response, substituted, text, lower, globals, requestVars, environment, unavailable };
};
