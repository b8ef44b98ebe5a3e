// An OpenID provider for hexbeat's sign-in tests: node oidc-provider (OpenID-certified),
// from web/node_modules, on 127.0.0.1 with its development login form (any name signs in).
// usage: node oidc_provider.mjs NODE_MODULES PORT REDIRECT_URI
// A login name starting "cmd" has roles ["hexbeat-commander"], "view" ["hexbeat-viewer"],
// any other none. A program, client "etl" (secret etl-secret), gets JWT access tokens for
// hexbeat by the client credentials grant, with roles ["hexbeat-viewer"]. Prints "ready"
// once it listens.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [modules, port, redirect] = process.argv.slice(2);
const { default: Provider } = await import(pathToFileURL(join(modules, 'oidc-provider', 'lib', 'index.js')).href);
const rolesOf = (id) => (id.startsWith('cmd') ? ['hexbeat-commander'] : id.startsWith('view') ? ['hexbeat-viewer'] : []);
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'hexbeat', client_secret: 'test-secret', redirect_uris: [redirect],
    post_logout_redirect_uris: [redirect.replace(/\/auth\/callback$/, '/')],
    grant_types: ['authorization_code'], response_types: ['code'],
  }, {
    client_id: 'etl', client_secret: 'etl-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
  }],
  claims: { openid: ['sub', 'name', 'preferred_username', 'email', 'roles'] },
  conformIdTokenClaims: false, // the roles claim in the ID token, as Entra ID and Keycloak put them
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:hexbeat:api',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'read', audience: 'hexbeat', accessTokenFormat: 'jwt', accessTokenTTL: 300 }),
    },
  },
  extraTokenClaims: async (ctx, token) => (token.clientId === 'etl' ? { roles: ['hexbeat-viewer'] } : undefined),
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() { return { sub: id, name: `Officer ${id}`, preferred_username: id, email: `${id}@police.example`, roles: rolesOf(id) }; },
    };
  },
});
provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));
