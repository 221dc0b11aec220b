// A real OpenID Provider for the sign-in tests: node's oidc-provider (OpenID Certified) with its own
// development login page, served over http on 127.0.0.1.
//
// Settings come from the environment:
//   OIDC_PORT                      the port to listen on (127.0.0.1)
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET
//   OIDC_REDIRECT_URIS             the tracker's callback addresses, comma-separated
//   OIDC_POST_LOGOUT_REDIRECT_URIS where the provider may send the browser back after signing out
//   OIDC_ACCOUNTS                  JSON: {"login name": {claims...}} (sub defaults to the login name)
//
// The login page takes any password: the account is the login name typed. Once listening, it prints
// "listening <issuer>" on its own line.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 0);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');
const list = (value) => (value || '').split(',').map((item) => item.trim()).filter(Boolean);

const configuration = {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID || 'tracker',
    client_secret: process.env.OIDC_CLIENT_SECRET || 'tracker-secret',
    redirect_uris: list(process.env.OIDC_REDIRECT_URIS),
    post_logout_redirect_uris: list(process.env.OIDC_POST_LOGOUT_REDIRECT_URIS),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  // Every client, confidential too, must send a PKCE challenge (S256 is the only method oidc-provider takes).
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'zoneinfo'],
    groups: ['groups'],
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) {
      return undefined;
    }
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...claims };
      },
    };
  },
  ttl: { Session: 3600, Grant: 3600, Interaction: 600, AccessToken: 600, AuthorizationCode: 60, IdToken: 600 },
};

const server = (async () => {
  // The issuer needs the port: listen first, then build the provider for the address it got.
  const http = await import('node:http');
  let handler = (req, res) => { res.statusCode = 503; res.end(); };
  const listener = http.createServer((req, res) => handler(req, res));
  await new Promise((resolve) => listener.listen(port, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${listener.address().port}`;
  const provider = new Provider(issuer, configuration);
  handler = provider.callback();
  process.stdout.write(`listening ${issuer}\n`);
  const stop = () => listener.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
})();

server.catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
