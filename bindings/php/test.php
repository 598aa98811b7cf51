<?php
/*
 * Tests of login.php: the WordPress phpass -> Argon2id migration through
 * librehash's C ABI, against SQLite (when pdo_sqlite is there) and the
 * in-memory store. Run by scripts/test-bindings:
 *   php -d ffi.enable=1 bindings/php/test.php
 * Prints "N passed, N failed"; exits 1 on any failure.
 */

declare(strict_types=1);

require __DIR__ . '/login.php';

$passed = 0;
$failed = 0;

function check(bool $ok, string $what): void
{
    global $passed, $failed;
    if ($ok) {
        $passed++;
    } else {
        $failed++;
        fwrite(STDERR, "FAIL: $what\n");
    }
}

/** @param callable(): void $f */
function throws(callable $f, int $code): bool
{
    try {
        $f();
    } catch (RehashError $e) {
        return $e->getCode() === $code;
    }
    return false;
}

// Keep error_log() quiet: the lost-swap case logs on purpose.
ini_set('error_log', '/dev/null');

const PHPASS = '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0'; // WordPress, "test12345"
const PHPBB = '$H$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0';  // phpBB3's prefix, same hash

$rehash = new Rehash("[timing]\nequal_time_failures = true\n");
check(preg_match('/^\d+\.\d+\.\d+/', $rehash->version()) === 1, 'version');
check($rehash->identify(PHPASS) === 'phpass', 'identify phpass');
check($rehash->identify(PHPBB) === 'phpass', 'identify phpBB3 $H$');

/** A store whose row is changed (a password reset) between read and write. */
final class RacingStore implements UserStore
{
    public function __construct(public ArrayUserStore $inner, private string $resetTo)
    {
    }

    public function hashOf(string $login): ?string
    {
        $h = $this->inner->hashOf($login);
        $this->inner->rows[$login] = $this->resetTo; // the reset lands now
        return $h;
    }

    public function compareAndSwap(string $login, string $old, string $new): bool
    {
        return $this->inner->compareAndSwap($login, $old, $new);
    }
}

/** A store whose writes fail. */
final class BrokenStore implements UserStore
{
    public function __construct(private array $rows)
    {
    }

    public function hashOf(string $login): ?string
    {
        return $this->rows[$login] ?? null;
    }

    public function compareAndSwap(string $login, string $old, string $new): bool
    {
        throw new RuntimeException('database is read-only');
    }
}

$stores = ['array' => fn () => new ArrayUserStore()];
if (extension_loaded('pdo_sqlite')) {
    $stores['sqlite'] = fn () => new SqliteUserStore(new PDO('sqlite::memory:'));
} else {
    fwrite(STDERR, "!!! pdo_sqlite not loaded: the SQLite store is not tested\n");
}

foreach ($stores as $name => $make) {
    $store = $make();
    if ($store instanceof SqliteUserStore) {
        $store->add('admin', PHPASS);
        $store->add('bob', '$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0'); // md5-crypt, "password"
    } else {
        $store->rows = ['admin' => PHPASS, 'bob' => '$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0'];
    }
    check(!rehash_login($rehash, $store, 'admin', 'test12346'), "$name: wrong password refused");
    check($store->hashOf('admin') === PHPASS, "$name: wrong password changes nothing");
    check(rehash_login($rehash, $store, 'admin', 'test12345'), "$name: phpass login");
    $new = (string) $store->hashOf('admin');
    check(str_starts_with($new, '$argon2id$v=19$m=19456,t=2,p=1$'), "$name: upgraded to argon2id");
    check(rehash_login($rehash, $store, 'admin', 'test12345'), "$name: login with the new hash");
    check($store->hashOf('admin') === $new, "$name: no second upgrade");
    check(!rehash_login($rehash, $store, 'admin', 'test12346'), "$name: wrong password after upgrade");
    check(!rehash_login($rehash, $store, 'nobody', 'test12345'), "$name: unknown user refused");
    check(rehash_login($rehash, $store, 'bob', 'password'), "$name: md5-crypt login");
    check(str_starts_with((string) $store->hashOf('bob'), '$argon2id$'), "$name: md5-crypt upgraded");
}

// Compare-and-swap: a reset between read and write wins; the login still succeeds.
$racing = new RacingStore(new ArrayUserStore(['admin' => PHPASS]), 'RESET-BY-ADMIN');
check(rehash_login($rehash, $racing, 'admin', 'test12345'), 'lost swap: login still succeeds');
check($racing->inner->rows['admin'] === 'RESET-BY-ADMIN', 'lost swap: the reset is kept');
// A failed write does not fail the login either.
check(rehash_login($rehash, new BrokenStore(['admin' => PHPASS]), 'admin', 'test12345'), 'failed write: login ok');

// A malformed stored hash refuses the login without a crash.
check(!rehash_login($rehash, new ArrayUserStore(['x' => '$P$short']), 'x', 'pw'), 'malformed phpass refused');

// The error paths of the binding.
check(throws(fn () => $rehash->verifyAndUpgrade('test12345', PHPASS . "\0junk"), Rehash::ERR_EMBEDDED_NUL),
    'NUL inside a stored string');
check(throws(fn () => $rehash->verifyAndUpgrade('x', "\$1\$\xff\$abc"), Rehash::ERR_NOT_UTF8), 'non-UTF-8 stored');
check(throws(fn () => $rehash->identify('5f4dcc3b5aa765d61d8327deb882cf99'), Rehash::ERROR), 'ambiguous digest');
check($rehash->identify('5f4dcc3b5aa765d61d8327deb882cf99', 'md5_hex') === 'md5_hex', 'hint');
check(throws(fn () => new Rehash("[target]\nscheme = \"md5\"\n"), Rehash::ERROR), 'bad policy file');
try {
    $rehash->verifyAndUpgrade(str_repeat('p', 5000), PHPASS);
    check(false, 'password over the limit');
} catch (RehashError $e) {
    check(!str_contains($e->getMessage(), 'pppp') && !str_contains($e->getMessage(), PHPASS),
        'message holds no password or hash');
}
// A password is bytes: a NUL inside is data.
[$ok] = $rehash->verifyAndUpgrade("test\0" . '12345', PHPASS);
check(!$ok, 'a NUL inside the password is part of it');

// params and params_col reach the library (md5-crypt reads neither); bad
// params are refused without being quoted.
const MD5CRYPT = '$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0'; // "password"
[$ok, $new] = $rehash->verifyAndUpgrade('password', MD5CRYPT, null, null, null, '{"rounds": 8}', 'pbkdf2$50000$50');
check($ok && str_starts_with((string) $new, '$argon2id$'), 'verifyAndUpgrade with params');
check($rehash->identify(MD5CRYPT, null, '{}', '') === 'md5_crypt', 'identify with params');
try {
    $rehash->verifyAndUpgrade('password', MD5CRYPT, null, null, null, '{"key": "s3cret"');
    check(false, 'bad params refused');
} catch (RehashError $e) {
    check($e->getCode() === Rehash::ERROR && !str_contains($e->getMessage(), 's3cret'), 'bad params refused, unquoted');
}
check(throws(fn () => $rehash->identify(MD5CRYPT, null, "{\"k\": \"\xff\"}"), Rehash::ERR_NOT_UTF8), 'non-UTF-8 params');
check(throws(fn () => $rehash->identify(MD5CRYPT, null, null, "a\0b"), Rehash::ERR_EMBEDDED_NUL), 'NUL in params_col');

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
