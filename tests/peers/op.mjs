// A real OpenID Connect provider for the social-login tests (npm oidc-provider, certified):
// discovery, PKCE S256, the code flow, RS256 ID tokens, userinfo. Start with `node op.mjs`;
// the first stdout line is {"issuer":"http://127.0.0.1:PORT"}. Env: OP_PORT (default: any),
// OP_HOST (default 127.0.0.1), REDIRECT_URI (the manager's /social/callback).
// Its login and consent page is one form: the account, and Allow or Deny.
import http from 'node:http';
import Provider from 'oidc-provider';

const ACCOUNTS = {
  alice: { sub: 'alice', email: 'alice@example.test', email_verified: true, name: 'Alice Test',
           gender: 'female', birthdate: '1990-04-01', locale: 'it-IT' },
  bob: { sub: 'bob', email: 'bob@example.test', email_verified: false, name: 'Bob Test',
         gender: 'male', birthdate: '2001-12-31', locale: 'de-DE' },
};

const page = (uid, client) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Test provider sign-in</title></head><body><main><h1>Sign in to ${client}</h1>
<form method="post" action="/interaction/${uid}">
<label for="login">Account</label><input id="login" name="login" value="alice">
<button type="submit" id="allow" name="decision" value="allow">Allow</button>
<button type="submit" id="deny" name="decision" value="deny">Deny</button>
</form></main></body></html>`;

const body = (req) => new Promise((resolve) => {
  let data = '';
  req.on('data', (c) => { data += c; });
  req.on('end', () => resolve(new URLSearchParams(data)));
});

const server = http.createServer();
const host = process.env.OP_HOST || '127.0.0.1';
server.listen(Number(process.env.OP_PORT || 0), host, () => {
  const issuer = `http://${host}:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'hotspotd', client_secret: 'test-secret', response_types: ['code'],
                grant_types: ['authorization_code'], redirect_uris: [process.env.REDIRECT_URI] }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'],
              profile: ['name', 'gender', 'birthdate', 'locale'] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    cookies: { keys: ['test-only'] },
    findAccount: (ctx, sub) => ACCOUNTS[sub] && { accountId: sub, claims: () => ACCOUNTS[sub] },
    // Consent is asked on the login page (Allow/Deny): a granted login grants what was asked.
    async loadExistingGrant(ctx) {
      const g = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
                                              accountId: ctx.oidc.session.accountId });
      g.addOIDCScope([...(ctx.oidc.requestParamScopes || ['openid'])].join(' '));
      await g.save();
      return g;
    },
  });
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    try {
      if (req.url.startsWith('/interaction/')) {
        const details = await provider.interactionDetails(req, res);
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(page(details.uid, details.params.client_id));
        }
        const form = await body(req);
        const result = form.get('decision') === 'allow' && ACCOUNTS[form.get('login')]
          ? { login: { accountId: form.get('login') } }
          : { error: 'access_denied', error_description: 'End-User denied the sign-in' };
        return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
      }
      return callback(req, res);
    } catch (e) {
      res.writeHead(500);
      res.end(String(e));
    }
  });
  console.log(JSON.stringify({ issuer }));
});
