#!/usr/bin/env node
// A hospital EHR that launches the portal with HL7 SMART App Launch 2.x (EHR launch), for the
// launch tests: a real OAuth2/OIDC authorization server (npm oidc-provider) and a FHIR API in
// front of the project's FHIR test server, on 127.0.0.1 only.
//
//   node smart_ehr.mjs --port 0 --fhir-upstream http://127.0.0.1:N/fhir/R4
//                      --client-id ID --redirect-uris URI[,URI...]
//                      [--client-secret-env VAR]   (adds the confidential client ID-confidential)
//
// Prints "ready <FHIR base>" once it listens. The FHIR base is the launch's `iss`:
//   <base>/.well-known/smart-configuration   the SMART discovery document
//   <base>/<Type>/<id>                       read through to --fhir-upstream, with a Bearer token
//                                            this server issued (401 without one)
//   POST /test/launch {patient, practitioner} -> {launch}: the EHR opening the app for a patient
//                                            (what a clinician's click does inside the EHR)
// The authorization server: PKCE (S256) required for every client; scopes launch, openid,
// fhirUser, patient/Patient.read; the `launch` parameter must be one made by /test/launch and
// `aud` must be the FHIR base; the clinician is signed in already (the interaction completes
// on its own, as inside the EHR); the token response carries `patient` and `fhirUser`, and the
// ID token the `fhirUser` claim.
import crypto from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

function parseArgs(argv) {
  const args = { port: 0 };
  for (let i = 2; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (argv[i + 1] === undefined) throw new Error(`missing value for ${argv[i]}`);
    args[name] = argv[i + 1];
  }
  for (const needed of ['fhirUpstream', 'clientId', 'redirectUris']) {
    if (!args[needed]) throw new Error(`--${needed} is required`);
  }
  args.port = Number(args.port);
  args.redirectUris = args.redirectUris.split(',');
  return args;
}

const args = parseArgs(process.argv);
const launches = new Map(); // launch -> {patient, practitioner}
const byGrant = new Map(); // grantId -> {patient, practitioner}

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

const server = http.createServer();
server.listen(args.port, '127.0.0.1', () => {
  const origin = `http://127.0.0.1:${server.address().port}`;
  const fhirBase = `${origin}/fhir/R4`;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'ehr-1', use: 'sig', alg: 'RS256' };
  const clients = [{
    client_id: args.clientId, token_endpoint_auth_method: 'none', redirect_uris: args.redirectUris,
    response_types: ['code'], grant_types: ['authorization_code'],
  }];
  if (args.clientSecretEnv) {
    const secret = process.env[args.clientSecretEnv];
    if (!secret) throw new Error(`${args.clientSecretEnv} is not set`);
    clients.push({
      client_id: `${args.clientId}-confidential`, client_secret: secret, token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: args.redirectUris, response_types: ['code'], grant_types: ['authorization_code'],
    });
  }
  const provider = new Provider(origin, {
    clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    scopes: ['openid', 'fhirUser', 'launch', 'patient/Patient.read'],
    claims: { openid: ['sub'], fhirUser: ['fhirUser'] },
    conformIdTokenClaims: false,
    extraParams: ['launch', 'aud'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, fhirUser: `${fhirBase}/Practitioner/${sub}` }),
    }),
    ttl: { AccessToken: 300, AuthorizationCode: 60, IdToken: 300, Interaction: 300, Session: 600, Grant: 600 },
  });
  // The SMART token response names the launch's patient (and the clinician as fhirUser).
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route === 'token' && ctx.body?.access_token) {
      const context = byGrant.get(ctx.oidc.entities.Grant?.jti);
      if (context) {
        ctx.body.patient = context.patient;
        ctx.body.fhirUser = `Practitioner/${context.practitioner}`;
      }
    }
  });
  const callback = provider.callback();

  async function interaction(req, res) {
    const details = await provider.interactionDetails(req, res);
    const { launch, aud, client_id: clientId, scope } = details.params;
    const context = launches.get(launch);
    if (!context || aud !== fhirBase) {
      return provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: context ? 'aud is not this EHR' : 'unknown launch',
      }, { mergeWithLastSubmission: false });
    }
    launches.delete(launch); // a launch is used once, as in the EHR
    const grant = new provider.Grant({ accountId: context.practitioner, clientId });
    grant.addOIDCScope(scope);
    grant.addOIDCClaims(['fhirUser']);
    const grantId = await grant.save();
    byGrant.set(grantId, context);
    return provider.interactionFinished(req, res, {
      login: { accountId: context.practitioner }, consent: { grantId },
    }, { mergeWithLastSubmission: false });
  }

  async function fhir(req, res, url) {
    const path = url.pathname.slice('/fhir/R4'.length);
    if (path === '/.well-known/smart-configuration') {
      return json(res, 200, {
        issuer: origin,
        authorization_endpoint: `${origin}/auth`,
        token_endpoint: `${origin}/token`,
        jwks_uri: `${origin}/jwks`,
        grant_types_supported: ['authorization_code'],
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none', 'client_secret_basic'],
        scopes_supported: ['openid', 'fhirUser', 'launch', 'patient/Patient.read'],
        capabilities: ['launch-ehr', 'client-public', 'client-confidential-symmetric', 'context-ehr-patient',
          'sso-openid-connect', 'permission-v2'],
      });
    }
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? await provider.AccessToken.find(header.slice(7)) : undefined;
    if (!token || token.isExpired || req.method !== 'GET') {
      return json(res, 401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
    }
    const upstream = await fetch(`${args.fhirUpstream}${path}${url.search}`, {
      headers: { Accept: 'application/fhir+json' },
    });
    const body = await upstream.text();
    res.writeHead(upstream.status, { 'Content-Type': 'application/fhir+json' });
    res.end(body);
  }

  server.on('request', async (req, res) => {
    const url = new URL(req.url, origin);
    try {
      if (url.pathname.startsWith('/interaction/')) return await interaction(req, res);
      if (url.pathname.startsWith('/fhir/R4/')) return await fhir(req, res, url);
      if (url.pathname === '/test/launch' && req.method === 'POST') {
        const { patient, practitioner } = JSON.parse(await readBody(req));
        const launch = crypto.randomBytes(12).toString('hex');
        launches.set(launch, { patient, practitioner });
        return json(res, 200, { launch });
      }
      return callback(req, res);
    } catch (error) {
      console.error(error);
      return json(res, 500, { error: String(error) });
    }
  });
  console.log(`ready ${fhirBase}`);
});
