#!/usr/bin/env node
// The hospital's single sign-on for the back office tests: a real OpenID Connect provider
// (npm oidc-provider), as Entra ID, ADFS or Keycloak would be, over HTTPS on 127.0.0.1.
//
//   node server.mjs --config config.json
//
// config.json: {"port": 0, "cert": PEM file, "key": PEM file, "host": "localhost",
//               "clients": [{"client_id": ..., "client_secret": ..., "redirect_uris": [...]}]}
// Prints "ready <issuer>" once it listens.
//
// - Authorization Code flow, PKCE S256 required, confidential clients (client_secret_post),
//   scopes openid profile; the ID token (RS256) carries name and roles (a list).
// - The login interaction completes on its own as the next login the tests described:
//   POST /test/next {sub, name, roles}   (default: a privacy officer)
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import Provider from 'oidc-provider';

const configPath = process.argv[process.argv.indexOf('--config') + 1];
const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const DEFAULT = { sub: 'p.officer', name: 'Petra Privacy', roles: ['portaal-privacy'] };

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

let next = DEFAULT;
const people = new Map(); // sub -> {sub, name, roles} of its latest login

const server = https.createServer({ cert: fs.readFileSync(config.cert), key: fs.readFileSync(config.key) });
server.listen(config.port ?? 0, '127.0.0.1', () => {
  const issuer = `https://${config.host ?? 'localhost'}:${server.address().port}`;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      client_id: c.client_id, client_secret: c.client_secret, token_endpoint_auth_method: 'client_secret_post',
      redirect_uris: c.redirect_uris, response_types: ['code'], grant_types: ['authorization_code'],
      id_token_signed_response_alg: 'RS256',
    })),
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'sso-1', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    scopes: ['openid', 'profile'],
    claims: { openid: ['sub'], profile: ['name', 'roles'] },
    conformIdTokenClaims: false, // name and roles in the ID token itself, as Entra ID puts them
    responseTypes: ['code'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (ctx, accountId) => {
      const person = people.get(accountId) ?? DEFAULT;
      return { accountId, claims: () => ({ sub: person.sub, name: person.name, roles: person.roles }) };
    },
    ttl: { AccessToken: 120, AuthorizationCode: 60, IdToken: 300, Interaction: 300, Session: 600, Grant: 600 },
  });
  const callback = provider.callback();

  async function interaction(req, res) {
    const details = await provider.interactionDetails(req, res);
    const accountId = next.sub; // the subject the ID token names
    people.set(accountId, next);
    next = DEFAULT;
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope('openid profile');
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false });
  }

  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    try {
      if (url.pathname.startsWith('/interaction/')) return await interaction(req, res);
      if (url.pathname === '/test/next' && req.method === 'POST') {
        next = { ...DEFAULT, ...JSON.parse(await readBody(req)) };
        return json(res, 200, {});
      }
      return callback(req, res);
    } catch (error) {
      console.error(error);
      return json(res, 500, { error: String(error) });
    }
  });
  console.log(`ready ${issuer}`);
});
