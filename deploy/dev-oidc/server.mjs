// A real OpenID provider for development and tests only: npm's certified
// oidc-provider with its in-memory adapter, development keys and development
// login pages, and one demo user per role. Production points the services at the
// municipality's own issuer (OIDC_ISSUER) instead.
//
// Environment: PORT, ISSUER (default http://127.0.0.1:PORT), SERVICE_CLIENT_SECRET
// (the secret of the service clients, for client_credentials), API_AUDIENCES (the
// services' API audiences, space or comma separated; default urn:municipal:<service>
// for each service), JWKS_FILE (a private JSON Web Key Set to sign with, the first key
// of an algorithm signing; default the provider's development keys), ACCESS_TOKEN_TTL.
//
// Every access token is for one API: a client names it with a resource indicator
// (RFC 8707), and the token's audience is that API's and no other's.
import { readFileSync } from 'node:fs';

import Provider, { errors } from 'oidc-provider';

const port = Number(process.env.PORT || 9400);
const issuer = process.env.ISSUER || `http://127.0.0.1:${port}`;
const serviceSecret = process.env.SERVICE_CLIENT_SECRET;
if (!serviceSecret) {
  console.error('SERVICE_CLIENT_SECRET is required');
  process.exit(2);
}
const jwks = process.env.JWKS_FILE ? JSON.parse(readFileSync(process.env.JWKS_FILE, 'utf8')) : undefined;

// One demo user per role. A handler works the case types of their team.
const USERS = {
  'anna.applicant': { name: 'Anna Sökande', email: 'anna@krogen.example.se', roles: ['applicant'], organisation_number: '5567037485' },
  'sara.handler': { name: 'Sara Handläggare', email: 'sara@kommun.example.se', roles: ['case_handler'], case_types: ['alcohol_serving_licence', 'food_business_registration', 'outdoor_seating'] },
  // A namesake of sara.handler: the same display name, another person (another subject).
  'sara.berg': { name: 'Sara Handläggare', email: 'sara.berg@kommun.example.se', roles: ['case_handler'], case_types: ['alcohol_serving_licence', 'food_business_registration', 'outdoor_seating'] },
  'hugo.handler': { name: 'Hugo Handläggare', email: 'hugo@kommun.example.se', roles: ['case_handler'], case_types: ['building_permit', 'environmental_health_permit', 'general_business_advice'] },
  'tina.lead': { name: 'Tina Teamledare', email: 'tina@kommun.example.se', roles: ['team_lead'], case_types: ['alcohol_serving_licence', 'food_business_registration', 'outdoor_seating'] },
  'maria.manager': { name: 'Maria Chef', email: 'maria@kommun.example.se', roles: ['manager'] },
  'pelle.provider': { name: 'Pelle Utförare', email: 'pelle@kulturskolan.example.se', roles: ['provider'], organisation_number: '5560360793' },
  'vera.officer': { name: 'Vera Valfrihetshandläggare', email: 'vera@kommun.example.se', roles: ['voucher_officer'] },
  'cilla.citizen': { name: 'Cilla Medborgare', email: 'cilla@hem.example.se', roles: ['citizen'], personnummer: '201203152002' },
  'ada.admin': { name: 'Ada Administratör', email: 'ada@kommun.example.se', roles: ['administrator'] },
  // A person whose directory entry claims to be a service (a misconfigured or tampered
  // directory): the services must not take a person's token for a service's.
  'ivan.impostor': { name: 'Ivan Impostor', email: 'ivan@example.se', roles: ['service'], service: 'notify' },
};
const SERVICES = ['intake', 'business_desk', 'notify', 'vouchers'];
const audiences = (process.env.API_AUDIENCES || SERVICES.map((service) => `urn:municipal:${service}`).join(' '))
  .split(/[\s,]+/)
  .filter(Boolean);

function userClaims(accountId) {
  const { name, email, roles, case_types: caseTypes = [], organisation_number: org, personnummer, service } = USERS[accountId];
  return {
    name, email, roles, case_types: caseTypes,
    ...(org ? { organisation_number: org } : {}),
    ...(personnummer ? { personnummer } : {}),
    ...(service ? { service } : {}),
  };
}

const provider = new Provider(issuer, {
  clients: [
    {
      // The staff and applicant pages of every service: a public client with PKCE.
      // A native client may use any loopback port, so every local service can use it.
      client_id: 'municipal-web',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/auth/callback', 'http://localhost/auth/callback'],
      post_logout_redirect_uris: ['http://127.0.0.1/'],
    },
    ...SERVICES.map((service) => ({
      client_id: `service-${service}`,
      client_secret: serviceSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    })),
  ],
  ...(jwks ? { jwks } : {}),
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'roles', 'offline_access', 'api'],
  claims: {
    openid: ['sub'],
    profile: ['name'],
    email: ['email'],
    roles: ['roles', 'case_types', 'organisation_number', 'personnummer'],
  },
  async findAccount(ctx, id) {
    if (!USERS[id]) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...userClaims(id) }) };
  },
  async extraTokenClaims(ctx, token) {
    if (token.accountId && USERS[token.accountId]) return userClaims(token.accountId);
    if (token.clientId?.startsWith('service-')) return { roles: ['service'], service: token.clientId.slice(8) };
    return undefined;
  },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resourceIndicator) => {
        if (!audiences.includes(resourceIndicator)) throw new errors.InvalidTarget();
        return {
          scope: 'api',
          audience: resourceIndicator,
          accessTokenFormat: 'jwt',
          accessTokenTTL: Number(process.env.ACCESS_TOKEN_TTL || 3600),
        };
      },
    },
  },
  // Every user is sent straight through consent: these are the municipality's own apps.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile email roles offline_access');
    grant.addOIDCClaims(['sub', 'name', 'email', 'roles', 'case_types', 'organisation_number', 'personnummer']);
    for (const audience of audiences) grant.addResourceScope(audience, 'api');
    await grant.save();
    return grant;
  },
  ttl: { Session: 8 * 3600, Grant: 8 * 3600, IdToken: 3600, RefreshToken: 8 * 3600, Interaction: 600 },
});
provider.proxy = true;
for (const event of ['server_error', 'grant.error', 'authorization.error']) {
  provider.on(event, (ctx, error) => console.error(`${event}: ${error?.stack || error}`));
}

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`dev OpenID provider on ${issuer} (audiences ${audiences.join(' ')})`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
