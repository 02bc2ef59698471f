#!/usr/bin/env node
// A Dezi for the tests: a real OpenID Connect provider (npm oidc-provider) that behaves as the
// koppelvlakspecificatie Dezi v0.7 describes, over HTTPS (TLS 1.3 only) on 127.0.0.1.
//
//   node server.mjs --config config.json
//
// config.json: {"port": 0, "cert": PEM file, "key": PEM file, "host": "localhost",
//               "clients": [{"client_id": ..., "redirect_uris": [...]}],
//               "encryption_key": PEM file of the portal's public key (what it registered)}
// Prints "ready <issuer>" once it listens.
//
// - Authorization Code flow only, PKCE S256 required, public clients, scope openid,
//   response_mode query, a pairwise sub, ID tokens signed RS256; no refresh tokens, no logout.
// - /userinfo answers a JWE (RSA-OAEP + A256CBC-HS512) to the portal's key, holding the envelope
//   {iss, aud, loa_authn, verklaring_id, verklaring}; the verklaring is a JWS (RS256) sealed with
//   the sealing key, its header naming jku <issuer>/sealing/jwks.json and the kid.
// - GET /status/<verklaring_id>: {"status": "actief"} until the tests flip it.
// The tests' controls (what the GP's next Dezi login will be, and the status service):
//   POST /test/next    {claims: {...}, loa_authn, jku, seal: "stranger"}  overrides for the next login
//   POST /test/status  {verklaring_id, status} or {verklaring_id, http: 503}
//   GET  /test/last    {verklaring_id, ...} of the last verklaring issued
// /other/jwks.json serves a stranger's sealing key with the same kid (a jku nobody allowed).
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import { CompactEncrypt, CompactSign } from 'jose';
import Provider from 'oidc-provider';

const configPath = process.argv[process.argv.indexOf('--config') + 1];
const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const LOA_HIGH = 'http://eidas.europa.eu/LoA/high';

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function rsaKey(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = { ...crypto.createPublicKey(privateKey).export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  return { privateKey, publicJwk };
}

const sealing = rsaKey('dezi-seal-1');
const stranger = rsaKey('dezi-seal-1'); // same kid, another key: a forged seal
const portalKey = crypto.createPublicKey(fs.readFileSync(config.encryption_key));
const salt = crypto.randomBytes(16).toString('hex');
let next = {}; // the tests' overrides for the next login
const people = new Map(); // accountId -> overrides of that login
const statuses = new Map(); // verklaring_id -> {status} or {http}
let last = null;

const server = https.createServer({
  cert: fs.readFileSync(config.cert), key: fs.readFileSync(config.key), minVersion: 'TLSv1.3',
});
server.listen(config.port ?? 0, '127.0.0.1', () => {
  const issuer = `https://${config.host ?? 'localhost'}:${server.address().port}`;
  const signing = rsaKey('dezi-id-1');
  const provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      client_id: c.client_id, token_endpoint_auth_method: 'none', redirect_uris: c.redirect_uris,
      response_types: ['code'], grant_types: ['authorization_code'], subject_type: 'pairwise',
      id_token_signed_response_alg: 'RS256',
    })),
    jwks: { keys: [{ ...signing.privateKey.export({ format: 'jwk' }), kid: 'dezi-id-1', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    scopes: ['openid'],
    claims: { openid: ['sub'] },
    subjectTypes: ['pairwise'],
    pairwiseIdentifier: async (ctx, accountId, client) => crypto.createHash('sha256')
      .update(`${client.sectorIdentifier}|${accountId}|${salt}`).digest('base64url'),
    responseTypes: ['code'],
    pkce: { required: () => true },
    routes: { userinfo: '/userinfo' },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    ttl: { AccessToken: 120, AuthorizationCode: 60, IdToken: 300, Interaction: 300, Session: 600, Grant: 600 },
  });
  const callback = provider.callback();

  // The GP logs in at Dezi: here the interaction completes on its own, as the next login the
  // tests described (or a GP with the defaults).
  async function interaction(req, res) {
    const details = await provider.interactionDetails(req, res);
    const accountId = crypto.randomUUID();
    people.set(accountId, next);
    next = {};
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false });
  }

  async function userinfo(req, res) {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? await provider.AccessToken.find(header.slice(7)) : undefined;
    if (!token || token.isExpired) return json(res, 401, { error: 'invalid_token' });
    const person = people.get(token.accountId) ?? {};
    const now = Math.floor(Date.now() / 1000);
    const verklaringId = crypto.randomUUID();
    const claims = {
      dezi_nummer: '900000001', voorletters: 'J.', voorvoegsel: 'van', achternaam: 'Dijk',
      abonnee_nummer: '12345678', abonnee_naam: 'Huisartsenpraktijk Test', rol_code: '01.015',
      rol_naam: 'Huisarts', rol_code_bron: 'http://www.dezi.nl/rol_code_bron/big', loa_dezi: LOA_HIGH,
      verklaring_id: verklaringId, status_uri: `${issuer}/status/${verklaringId}`,
      nbf: now - 5, exp: now + 3600, jti: crypto.randomUUID(), ...(person.claims ?? {}),
    };
    const jku = person.jku ?? `${issuer}/sealing/jwks.json`;
    const key = person.seal === 'stranger' ? stranger.privateKey : sealing.privateKey;
    const verklaring = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', jku, kid: 'dezi-seal-1' }).sign(key);
    const envelope = {
      iss: issuer, aud: token.clientId, loa_authn: person.loa_authn ?? LOA_HIGH,
      verklaring_id: claims.verklaring_id, verklaring,
    };
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(envelope)))
      .setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A256CBC-HS512', cty: 'json' }).encrypt(portalKey);
    last = { verklaring_id: claims.verklaring_id, dezi_nummer: claims.dezi_nummer, sub: token.accountId };
    res.writeHead(200, { 'Content-Type': 'application/jwt' });
    res.end(jwe);
  }

  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    try {
      if (url.pathname.startsWith('/interaction/')) return await interaction(req, res);
      if (url.pathname === '/userinfo' && req.method === 'GET') return await userinfo(req, res);
      if (url.pathname === '/sealing/jwks.json') return json(res, 200, { keys: [sealing.publicJwk] });
      if (url.pathname === '/other/jwks.json') return json(res, 200, { keys: [stranger.publicJwk] });
      if (url.pathname.startsWith('/status/')) {
        const found = statuses.get(decodeURIComponent(url.pathname.slice('/status/'.length))) ?? { status: 'actief' };
        return found.http ? json(res, found.http, { error: 'unavailable' }) : json(res, 200, { status: found.status });
      }
      if (url.pathname === '/test/next' && req.method === 'POST') {
        next = JSON.parse(await readBody(req));
        return json(res, 200, {});
      }
      if (url.pathname === '/test/status' && req.method === 'POST') {
        const { verklaring_id: id, ...state } = JSON.parse(await readBody(req));
        statuses.set(id, state);
        return json(res, 200, {});
      }
      if (url.pathname === '/test/last') return json(res, 200, last ?? {});
      return callback(req, res);
    } catch (error) {
      console.error(error);
      return json(res, 500, { error: String(error) });
    }
  });
  console.log(`ready ${issuer}`);
});
