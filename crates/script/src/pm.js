// Postman's `pm` over the JetBrains API of prelude.js (which leaves its
// parts in __api): evaluated only for a script that mentions pm or postman.
"use strict";
globalThis.__makePm = function () {
  const g = globalThis;
  const { input, out, client, request, response, substituted, text, lower, globals, requestVars, environment, unavailable } = g.__api;
  const req = input.request;
  // Postman's `pm`, over the same state: every variable scope a script
  // sets is the run's (client.global); reads fall back to the chosen
  // environment and the file's variables.
  const lookup = (name) => {
    name = String(name);
    const v = requestVars.get(name) ?? globals.get(name) ?? environment.get(name);
    return v === undefined ? undefined : v;
  };
  const scope = () => ({
    get: (name) => lookup(name),
    set: (name, value) => client.global.set(name, value),
    unset: (name) => client.global.clear(name),
    has: (name) => lookup(name) !== undefined,
    clear: () => client.global.clearAll(),
    replaceIn: (text) => substituted(String(text)),
    toObject: () => { const o = {}; for (const [k, v] of environment) o[k] = v; for (const [k, v] of globals) o[k] = v; for (const [k, v] of requestVars) o[k] = v; return o; },
  });
  const deepEqual = (a, b) => {
    if (a === b) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  };
  const show = (v) => (typeof v === "string" ? "'" + v + "'" : text(v));
  const typeName = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  // The path `a.b[0].c` into a value (chai's nested property).
  const pathValue = (v, path) => {
    let cur = v;
    for (const part of String(path).replace(/\[(\w+)\]/g, ".$1").split(".").filter((p) => p !== "")) {
      if (cur === null || cur === undefined || !Object.prototype.hasOwnProperty.call(Object(cur), part)) return { has: false };
      cur = cur[part];
    }
    return { has: true, value: cur };
  };
  function expect(actual) {
    const state = { not: false, deep: false, nested: false, any: false, include: false };
    const check = (ok, message) => {
      if (state.not ? ok : !ok) throw new Error((state.not ? "expected not: " : "expected ") + message);
      return self;
    };
    const chain = {};
    // A chain word apiscope's chai subset lacks fails with its name, not
    // with "cannot read property of undefined".
    const self = new Proxy(chain, {
      get(target, prop, receiver) {
        if (typeof prop === "symbol" || prop in target) return Reflect.get(target, prop, receiver);
        if (prop === "then" || prop === "toJSON") return undefined;
        throw new Error("pm.expect(…)." + prop + " is not in apiscope's chai subset (README: Scripts)");
      },
    });
    for (const word of ["to", "be", "been", "is", "that", "which", "and", "has", "have", "with", "at", "of", "same", "does", "own", "ordered", "itself", "but", "also", "still", "all"]) {
      Object.defineProperty(chain, word, { get: () => self });
    }
    Object.defineProperty(chain, "not", { get: () => { state.not = !state.not; return self; } });
    Object.defineProperty(chain, "deep", { get: () => { state.deep = true; return self; } });
    Object.defineProperty(chain, "nested", { get: () => { state.nested = true; return self; } });
    Object.defineProperty(chain, "any", { get: () => { state.any = true; return self; } });
    const flag = (name, test, message) => Object.defineProperty(chain, name, { get: () => check(test(), message) });
    flag("true", () => actual === true, show(actual) + " to be true");
    flag("false", () => actual === false, show(actual) + " to be false");
    flag("null", () => actual === null, show(actual) + " to be null");
    flag("undefined", () => actual === undefined, show(actual) + " to be undefined");
    flag("ok", () => !!actual, show(actual) + " to be truthy");
    flag("exist", () => actual !== null && actual !== undefined, show(actual) + " to exist");
    flag("empty", () => (actual && (actual.length === 0 || (typeof actual === "object" && Object.keys(actual).length === 0))), show(actual) + " to be empty");
    chain.equal = chain.equals = chain.eq = (v) => check(state.deep ? deepEqual(actual, v) : actual === v, show(actual) + " to equal " + show(v));
    chain.eql = (v) => check(deepEqual(actual, v), show(actual) + " to deeply equal " + show(v));
    // A word that is also a call (`.an('object')`, `.an.instanceof(…)`,
    // `.include(…)`, `.include.members(…)`): the call, whose other
    // properties are the chain's.
    const chainable = (f) => new Proxy(f, {
      get(target, prop, receiver) {
        if (typeof prop === "symbol" || Object.prototype.hasOwnProperty.call(target, prop)) return Reflect.get(target, prop, receiver);
        return self[prop];
      },
    });
    chain.a = chain.an = chainable((t) => check(typeName(actual) === String(t).toLowerCase(), show(actual) + " to be a " + t));
    chain.above = chain.greaterThan = chain.gt = (n) => check(actual > n, show(actual) + " to be above " + n);
    chain.below = chain.lessThan = chain.lt = (n) => check(actual < n, show(actual) + " to be below " + n);
    chain.least = chain.gte = (n) => check(actual >= n, show(actual) + " to be at least " + n);
    chain.most = chain.lte = (n) => check(actual <= n, show(actual) + " to be at most " + n);
    chain.within = (lo, hi) => check(actual >= lo && actual <= hi, show(actual) + " to be within " + lo + ".." + hi);
    chain.oneOf = (list) => check(list.some((x) => deepEqual(x, actual)), show(actual) + " to be one of " + text(list));
    const include = (v) => check(
      typeof actual === "string" ? actual.includes(v)
        : Array.isArray(actual) ? actual.some((x) => deepEqual(x, v))
        : actual && typeof actual === "object" && typeof v === "object" ? Object.keys(v).every((k) => deepEqual(actual[k], v[k]))
        : false,
      show(actual) + " to include " + show(v));
    // `.include.members([…])`, `.include.keys(…)`: include as a word too.
    const members = (list) => check(
      Array.isArray(actual) && Array.isArray(list)
        && (state.include ? list.every((x) => actual.some((y) => deepEqual(x, y)))
          : list.length === actual.length && list.every((x) => actual.some((y) => deepEqual(x, y))) && actual.every((y) => list.some((x) => deepEqual(x, y)))),
      show(actual) + (state.include ? " to include members " : " to have the same members as ") + text(list));
    chain.members = members;
    for (const name of ["include", "includes", "contain", "contains"]) {
      const f = (v) => include(v);
      f.members = (list) => { state.include = true; return members(list); };
      f.keys = (...k) => { state.include = true; return chain.keys(...k); };
      chain[name] = chainable(f);
    }
    chain.string = (s) => check(typeof actual === "string" && actual.includes(s), show(actual) + " to contain " + show(s));
    chain.satisfy = chain.satisfies = (fn) => check(!!fn(actual), show(actual) + " to satisfy the function");
    chain.closeTo = chain.approximately = (v, delta) => check(Math.abs(actual - v) <= delta, show(actual) + " to be close to " + v + " ± " + delta);
    chain.instanceof = chain.instanceOf = (t) => check(actual instanceof t, show(actual) + " to be an instance of " + (t && t.name));
    chain.property = (name, ...value) => {
      const found = state.nested
        ? pathValue(actual, name)
        : actual !== null && actual !== undefined && Object.prototype.hasOwnProperty.call(Object(actual), name)
          ? { has: true, value: actual[name] } : { has: false };
      if (value.length === 0) return check(found.has, text(actual) + " to have " + (state.nested ? "nested " : "") + "property '" + name + "'");
      return check(found.has && deepEqual(found.value, value[0]), text(actual) + " to have property '" + name + "' of " + show(value[0]));
    };
    chain.lengthOf = chain.length = (n) => check(actual != null && actual.length === n, show(actual) + " to have length " + n);
    chain.match = (re) => check(re.test(String(actual)), show(actual) + " to match " + re);
    chain.keys = chain.key = (...k) => {
      const want = k.flat().flatMap((x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.keys(x) : [x]));
      const has = (x) => actual && Object.prototype.hasOwnProperty.call(Object(actual), x);
      // `all` (the default): exactly these, or at least these after
      // `include`; `any`: one of them.
      const ok = state.any ? want.some(has)
        : want.every(has) && (state.include || !actual || typeof actual !== "object" || Object.keys(actual).length === want.length);
      return check(ok, text(actual) + " to have " + (state.any ? "any of" : "") + " keys " + want.join(", "));
    };
    chain.status = (code) => check(actual && (actual.code === code || actual.status === code), "status " + (actual && actual.code) + " to be " + code);
    chain.header = (name, value) => {
      const v = actual && actual.headers ? actual.headers.get(name) : undefined;
      return check(value === undefined ? v != null : v === value, "header " + name + (value === undefined ? " to be present" : " to be " + show(value)));
    };
    chain.jsonBody = (path) => check(actual && typeof actual.json === "function" && (path === undefined || actual.json()[path] !== undefined), "a JSON body" + (path ? " with " + path : ""));
    return self;
  }
  let pmResponse;
  if (response !== undefined) {
    const r = input.response;
    const reasons = { 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };
    pmResponse = {
      code: r.status,
      status: reasons[r.status] || "",
      responseTime: 0,
      headers: {
        get: (name) => { const v = response.headers.valueOf(name); return v === null ? undefined : v; },
        has: (name) => response.headers.valueOf(name) !== null,
        toObject: () => { const o = {}; for (const [k, v] of r.headers) if (!(lower(k) in o)) o[lower(k)] = v; return o; },
      },
      text: () => r.body,
      json: () => JSON.parse(r.body),
    };
    Object.defineProperty(pmResponse, "to", { get: () => expect(pmResponse).to });
  }
  // Postman's scopes where their order matters: an environment value
  // unset is hidden for the run; collection and global values set rank
  // below the environment (globals lowest), as newman ranks them.
  const own = new Map();
  const valueOf = (v) => (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v));
  const lower_scope = (kind) => ({
    ...scope(),
    get: (name) => { name = String(name); return own.has(kind + name) ? own.get(kind + name) : lookup(name); },
    set: (name, value) => { name = String(name); value = valueOf(value); own.set(kind + name, value); out.globals.push([kind, name, value]); },
    unset: (name) => { name = String(name); own.delete(kind + name); out.globals.push(["un" + kind, name, ""]); },
    has: (name) => own.has(kind + String(name)) || lookup(name) !== undefined,
    // (Only this scope's values: client.global is another scope.)
    clear: () => { for (const k of [...own.keys()]) if (k.startsWith(kind)) { own.delete(k); out.globals.push(["un" + kind, k.slice(kind.length), ""]); } },
  });
  const envScope = {
    ...scope(),
    unset: (name) => { client.global.clear(name); out.globals.push(["hide", String(name), ""]); },
  };
  // pm.request: read, and (in a pre-request script) changed as Postman's
  // request is — headers added, upserted, removed — the changes applied to
  // the request before it is sent.
  const reqHeaders = (req.headers || []).map((p) => [p[0], p[1]]);
  const editReq = (e) => { if (!input.response && out.edits.length < 1000) out.edits.push(e); };
  const headerOf = (h, v) => {
    if (typeof h === "string" && v === undefined) {
      const i = h.indexOf(":");
      return i < 0 ? [h.trim(), ""] : [h.slice(0, i).trim(), h.slice(i + 1).trim()];
    }
    if (typeof h === "string") return [h, text(v)];
    if (h && typeof h === "object") return [String(h.key ?? h.name ?? ""), text(h.value ?? "")];
    throw new TypeError("a header is { key, value } or 'Name: value'");
  };
  const dropHeader = (name) => {
    for (let i = reqHeaders.length - 1; i >= 0; i--) if (lower(reqHeaders[i][0]) === lower(name)) reqHeaders.splice(i, 1);
  };
  const headerList = {
    get: (name) => { const h = reqHeaders.find((p) => lower(p[0]) === lower(name)); return h ? h[1] : undefined; },
    has: (name, value) => reqHeaders.some((p) => lower(p[0]) === lower(name) && (value === undefined || p[1] === value)),
    add(h) { const [k, v] = headerOf(h); if (!k) return; reqHeaders.push([k, v]); editReq(["add", k, v]); },
    upsert(h) { const [k, v] = headerOf(h); if (!k) return; dropHeader(k); reqHeaders.push([k, v]); editReq(["header", k, v]); },
    remove(name) { name = typeof name === "object" && name ? String(name.key ?? "") : String(name); dropHeader(name); editReq(["unset", name]); },
    toObject() { const o = {}; for (const [k, v] of reqHeaders) o[k] = v; return o; },
    all: () => reqHeaders.map(([key, value]) => ({ key, value })),
    each(fn) { reqHeaders.map(([key, value]) => ({ key, value })).forEach(fn); },
    count: () => reqHeaders.length,
  };
  // (Postman's Url, read: the parts scripts ask for most.)
  const urlOf = (raw) => {
    const hash = raw.indexOf("#");
    const noHash = hash < 0 ? raw : raw.slice(0, hash);
    const q = noHash.indexOf("?");
    const base = q < 0 ? noHash : noHash.slice(0, q);
    const queryString = q < 0 ? "" : noHash.slice(q + 1);
    const scheme = base.indexOf("://");
    const afterScheme = scheme < 0 ? base : base.slice(scheme + 3);
    const slash = afterScheme.indexOf("/");
    const hostPort = slash < 0 ? afterScheme : afterScheme.slice(0, slash);
    const path = slash < 0 ? "/" : afterScheme.slice(slash);
    const hostOnly = hostPort.slice(hostPort.lastIndexOf("@") + 1).replace(/:\d+$/, "");
    const pairs = queryString === "" ? [] : queryString.split("&").map((w) => {
      const i = w.indexOf("=");
      return i < 0 ? { key: w, value: null } : { key: w.slice(0, i), value: w.slice(i + 1) };
    });
    return {
      toString: () => raw,
      getRaw: () => raw,
      getPath: () => path,
      getPathWithQuery: () => (queryString === "" ? path : `${path}?${queryString}`),
      getQueryString: () => queryString,
      getHost: () => hostOnly,
      getRemote: () => hostPort.slice(hostPort.lastIndexOf("@") + 1),
      protocol: scheme < 0 ? undefined : base.slice(0, scheme),
      host: hostOnly.split("."),
      path: path.split("/").filter((s) => s !== ""),
      query: {
        get: (k) => { const p = pairs.find((x) => x.key === k); return p ? p.value : undefined; },
        has: (k) => pairs.some((x) => x.key === k),
        all: () => pairs.map((p) => ({ ...p })),
        toObject: () => { const o = {}; for (const p of pairs) o[p.key] = p.value; return o; },
        count: () => pairs.length,
        each: (fn) => pairs.map((p) => ({ ...p })).forEach(fn),
        add: unavailable("pm.request.url.query.add"),
        upsert: unavailable("pm.request.url.query.upsert"),
        remove: unavailable("pm.request.url.query.remove"),
      },
      addQueryParams: unavailable("pm.request.url.addQueryParams"),
      removeQueryParams: unavailable("pm.request.url.removeQueryParams"),
      update: unavailable("pm.request.url.update"),
    };
  };
  const pmRequest = {
    method: req.method,
    // (As newman: the template before sending, the URL sent after.)
    url: urlOf(req.url || ""),
    headers: headerList,
    addHeader(h, v) { headerList.add(v === undefined ? h : { key: h, value: v }); },
    upsertHeader(h) { headerList.upsert(h); },
    removeHeader(name) { headerList.remove(name); },
    body: { raw: req.body, toString: () => req.body, update: unavailable("pm.request.body.update") },
  };
  const pm = {
    environment: envScope,
    collectionVariables: lower_scope("collection"),
    globals: lower_scope("global"),
    variables: scope(),
    iterationData: { get: () => undefined, has: () => false, toObject: () => ({}) },
    info: { requestName: input.request_name, iteration: 0, iterationCount: 1, eventName: input.response ? "test" : "prerequest" },
    request: pmRequest,
    test: (name, fn) => client.test(name, fn),
    expect,
    sendRequest: unavailable("pm.sendRequest"),
    visualizer: { set: () => {} },
    execution: { setNextRequest: unavailable("pm.execution.setNextRequest"), skipRequest: unavailable("pm.execution.skipRequest") },
    cookies: { get: unavailable("pm.cookies"), has: unavailable("pm.cookies") },
  };
  if (pmResponse !== undefined) pm.response = pmResponse;
  Object.defineProperty(g, "pm", { value: pm, configurable: true });
  // The legacy sandbox (Postman's first script API, still in many
  // collections): `tests["name"] = condition`, `responseBody`,
  // `responseCode`, `responseHeaders`, `environment`, `globals`.
  const snapshot = () => { const o = {}; for (const [k, v] of environment) o[k] = v; for (const [k, v] of globals) o[k] = v; return o; };
  g.tests = {};
  g.environment = snapshot();
  g.globals = snapshot();
  g.iteration = 0;
  if (input.response) {
    const r = input.response;
    g.responseBody = r.body;
    g.responseCode = { code: r.status, name: pmResponse ? pmResponse.status : "", detail: "" };
    g.responseHeaders = pmResponse ? pmResponse.headers.toObject() : {};
    g.responseTime = 0;
  } else {
    delete g.responseBody; delete g.responseCode; delete g.responseHeaders; delete g.responseTime;
  }
  g.__beforeResult = () => {
    for (const [name, ok] of Object.entries(g.tests)) {
      out.tests.push({ name, failure: ok ? null : "false" });
    }
  };
  g.postman = { setEnvironmentVariable: (k, v) => client.global.set(k, v), getEnvironmentVariable: (k) => lookup(k), setGlobalVariable: (k, v) => client.global.set(k, v), getGlobalVariable: (k) => lookup(k), getResponseHeader: (k) => (pmResponse ? pmResponse.headers.get(k) : undefined), clearEnvironmentVariable: (k) => client.global.clear(k), clearGlobalVariable: (k) => client.global.clear(k), setNextRequest: unavailable("postman.setNextRequest") };
};
