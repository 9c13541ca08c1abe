// The JetBrains HTTP Client script API. Evaluated once per context; each
// script then calls __make(input) (the job as a JSON string), which puts a
// fresh API for it on the global object; what the script does is
// collected and read back with __result(). No file system, network,
// process or timers exist in this context.
"use strict";
globalThis.__make = function (inputText) {
  const g = globalThis;
  const input = JSON.parse(inputText);
  const out = { globals: [], request_vars: [], tests: [], logs: [], exited: false };
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
  const req = input.request;
  const request = {
    method: req.method,
    url: { getRaw: () => req.url, tryGetSubstituted: () => substituted(req.url), toString: () => req.url },
    headers: headersOf(req.headers),
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
  g.console = { log, info: log, warn: log, error: log, debug: log };
  g.setTimeout = unavailable("setTimeout");
  g.setInterval = unavailable("setInterval");
  g.require = unavailable("require");
  g.fetch = unavailable("fetch");
  g.CryptoJS = new Proxy({}, { get: (_, name) => unavailable("CryptoJS." + String(name)) });
  g.__result = () => JSON.stringify(out);
  // (For the `pm` part, evaluated only for scripts that use it.)
  g.__api = { input, client, request, response, substituted, text, lower, globals, requestVars, environment, unavailable };
};
