// Bruno's script API (`bru`, `req`, `res`, `test`, `expect`) over the
// JetBrains API of prelude.js (its parts in __api) and pm.js's chai
// subset: evaluated for a script that mentions bru, req or res. Runtime
// variables are the run's (client.global); a pre-request script's
// `req.set*` are edits the run applies to the resolved request.
"use strict";
globalThis.__makeBru = function () {
  const g = globalThis;
  const { input, out, client, response, substituted, text, lower, globals, environment, unavailable } = g.__api;
  // What bru.setVar was given, by name (a number stays a number for the
  // next bru.getVar, as in Bruno); used only while the run's value is
  // still the text of it.
  const typed = g.__bruTyped || (g.__bruTyped = new Map());
  const shown = (v) => (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
  const bru = {
    setVar(name, value) { name = String(name); client.global.set(name, value); typed.set(name, value); },
    getVar(name) {
      name = String(name);
      const v = globals.get(name);
      if (v === undefined) return undefined;
      const t = typed.get(name);
      return t !== undefined && shown(t) === v ? t : v;
    },
    hasVar(name) { return globals.has(String(name)); },
    deleteVar(name) { client.global.clear(name); typed.delete(String(name)); },
    deleteAllVars() { client.global.clearAll(); typed.clear(); },
    getEnvVar(name) { const v = environment.get(String(name)); return v === undefined ? undefined : v; },
    // (The environment of a run is not written back: a value set here is
    // the run's, as bru.setVar's.)
    setEnvVar(name, value) { bru.setVar(name, value); },
    hasEnvVar(name) { return environment.has(String(name)); },
    getEnvName() { return input.env_name === undefined ? undefined : input.env_name; },
    getRequestVar(name) { return bru.getVar(name) ?? bru.getEnvVar(name); },
    getFolderVar(name) { return bru.getEnvVar(name); },
    getCollectionVar(name) { return bru.getEnvVar(name); },
    getCollectionName() { return undefined; },
    interpolate(s) { return substituted(String(s)); },
    getProcessEnv: unavailable("bru.getProcessEnv (the process environment)"),
    setNextRequest: unavailable("bru.setNextRequest"),
    runRequest: unavailable("bru.runRequest"),
    sendRequest: unavailable("bru.sendRequest"),
    sleep: unavailable("bru.sleep"),
    cookies: { jar: unavailable("bru.cookies") },
    runner: { skipRequest: unavailable("bru.runner.skipRequest"), stopExecution: unavailable("bru.runner.stopExecution"), setNextRequest: unavailable("bru.runner.setNextRequest") },
  };
  const r = input.request;
  const headers = r.headers.map((p) => [p[0], p[1]]);
  let body = r.body;
  let url = r.url;
  let method = r.method;
  const edit = (e) => { if (out.edits.length < 1000) out.edits.push(e); };
  const parsed = (t) => { try { return JSON.parse(t); } catch (e) { return t; } };
  const headerObject = (pairs) => { const o = {}; for (const [k, v] of pairs) o[k] = v; return o; };
  const req = {
    getUrl: () => url,
    setUrl(u) { url = String(u); edit(["url", url]); },
    getMethod: () => method,
    setMethod(m) { method = String(m).toUpperCase(); edit(["method", method]); },
    getHeader(name) { const h = headers.find((p) => lower(p[0]) === lower(name)); return h ? h[1] : undefined; },
    getHeaders() { return headerObject(headers); },
    setHeader(name, value) {
      name = String(name); value = text(value);
      for (let i = headers.length - 1; i >= 0; i--) if (lower(headers[i][0]) === lower(name)) headers.splice(i, 1);
      headers.push([name, value]);
      edit(["header", name, value]);
    },
    setHeaders(obj) { for (const [k, v] of Object.entries(obj || {})) req.setHeader(k, v); },
    deleteHeader(name) {
      name = String(name);
      for (let i = headers.length - 1; i >= 0; i--) if (lower(headers[i][0]) === lower(name)) headers.splice(i, 1);
      edit(["unset", name]);
    },
    getBody() { return parsed(body); },
    setBody(b) { body = typeof b === "string" ? b : JSON.stringify(b); edit(["body", body]); },
    getName() { return input.request_name; },
    setTimeout: unavailable("req.setTimeout"),
    setMaxRedirects: unavailable("req.setMaxRedirects"),
  };
  Object.defineProperty(req, "url", { get: () => url, enumerable: true });
  Object.defineProperty(req, "method", { get: () => method, enumerable: true });
  Object.defineProperty(req, "headers", { get: () => headerObject(headers), enumerable: true });
  Object.defineProperty(req, "body", { get: () => parsed(body), enumerable: true });
  const api = (name, value) => Object.defineProperty(g, name, { value, configurable: true, writable: true });
  api("bru", bru);
  api("req", req);
  if (response !== undefined) {
    const rh = input.response.headers;
    const res = {
      status: response.status,
      statusText: "",
      headers: (() => { const o = {}; for (const [k, v] of rh) o[lower(k)] = v; return o; })(),
      body: response.body,
      responseTime: 0,
      getStatus: () => response.status,
      getStatusText: () => "",
      getHeader: (name) => { const h = rh.find((p) => lower(p[0]) === lower(name)); return h ? h[1] : undefined; },
      getHeaders() { return res.headers; },
      getBody: () => response.body,
      getResponseTime: () => 0,
      setBody: unavailable("res.setBody"),
    };
    api("res", res);
  } else {
    delete g.res;
  }
  // Bruno's tests: chai's expect and test(name, fn), pm.js's.
  api("test", (name, fn) => g.pm.test(name, fn));
  api("expect", g.pm.expect);
};
