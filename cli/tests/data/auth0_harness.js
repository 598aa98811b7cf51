// Runs examples/auth0/login.js the way Auth0's sandbox does: the script is a
// bare `login` function that sees `configuration` and the error classes as
// globals. Prints the callback's outcome as one JSON line.
// usage: node auth0_harness.js SCRIPT URL TOKEN EMAIL PASSWORD
const fs = require('fs');
const [script, url, token, email, password] = process.argv.slice(2);

class WrongUsernameOrPasswordError extends Error {
  constructor(user, message) {
    super(message);
    this.name = 'WrongUsernameOrPasswordError';
    this.user = user;
  }
}

const source = fs.readFileSync(script, 'utf8');
const login = new Function('configuration', 'WrongUsernameOrPasswordError', source + '\nreturn login;')(
  { REHASH_URL: url, REHASH_TOKEN: token },
  WrongUsernameOrPasswordError
);
let calls = 0;
login(email, password, function (err, profile) {
  calls += 1;
  if (calls > 1) {
    console.log(JSON.stringify({ error: 'callback called twice' }));
    process.exit(1);
  }
  console.log(JSON.stringify(err ? { error: err.name, user: err.user || null } : { profile: profile }));
});
