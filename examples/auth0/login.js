/**
 * Auth0 custom database connection, Login script: verifies the password
 * against the legacy store through `rehash serve`'s POST /v1/verify
 * (docs/serve.md). Paste this function into Authentication > Database >
 * your connection > Custom Database > Login, and set two settings on the
 * same page (they reach the script as `configuration`):
 *
 *   REHASH_URL    https://verifier.example.com   (where rehash serve listens, TLS)
 *   REHASH_TOKEN  the secret given to rehash serve with --token-env / --token-file
 *
 * With "Import Users to Auth0" on, Auth0 stores the password after the first
 * successful login and never calls this script again for that user.
 *
 * Auth0's contract (auth0.com/docs, "Login script templates" and
 * "Troubleshoot custom databases"): callback(null, profile) for a right
 * password, callback(new WrongUsernameOrPasswordError(email, message)) for a
 * wrong one (or an unknown user: rehash serve answers both alike), and
 * callback(new Error(message)) when the store cannot be reached.
 * Needs a runtime with fetch (Node.js 18 or later).
 */
function login(email, password, callback) {
  const url = configuration.REHASH_URL.replace(/\/+$/, '') + '/v1/verify';
  fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer ' + configuration.REHASH_TOKEN,
    },
    body: JSON.stringify({ identifier: email, password: password }),
  })
    .then(function (res) {
      if (res.status === 429) {
        throw new Error('too many attempts; try again later');
      }
      if (res.status !== 200) {
        throw new Error('the verifier answered HTTP ' + res.status);
      }
      return res.json();
    })
    .then(
      function (answer) {
        if (answer.result !== 'valid') {
          return callback(new WrongUsernameOrPasswordError(email, 'wrong email or password'));
        }
        // The legacy row's id: a permanent user_id, as Auth0 recommends.
        return callback(null, { user_id: 'legacy|' + answer.id, email: email });
      },
      function (err) {
        // Never the password: only what went wrong.
        return callback(new Error('password verifier unavailable: ' + err.message));
      }
    );
}
