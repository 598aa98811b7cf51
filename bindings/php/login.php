<?php
/*
 * WordPress phpass -> Argon2id, on login, from PHP through librehash (PHP FFI).
 *
 *   cargo build -p rehash-ffi
 *   php bindings/php/login.php          # a small demo against a SQLite table
 *
 * The library is REHASH_LIB, else the newer of target/release/librehash.so and
 * target/debug/librehash.so of this source tree. PHP's CLI needs the FFI
 * extension (Debian's php-cli has it, with ffi.enable=preload, which allows FFI
 * in the CLI). The users table is SQLite through PDO when pdo_sqlite is
 * loaded, else an in-memory array with the same compare-and-swap semantics.
 *
 * The login rule: verify; when the stored hash is below policy, store the new
 * hash with compare-and-swap (UPDATE ... WHERE login = :login AND hash = :old),
 * and never fail a login because that write lost its swap or failed.
 */

declare(strict_types=1);

final class RehashError extends RuntimeException
{
}

/** The subset of include/rehash.h this example needs (the password is
 *  declared `const char *` so PHP passes its string; same ABI as uint8_t). */
const REHASH_CDEF = <<<'C'
typedef struct rehash_policy rehash_policy;
int rehash_policy_from_toml(const char *toml, rehash_policy **out, char **err);
void rehash_policy_free(rehash_policy *policy);
int rehash_verify_and_upgrade_with_params(const rehash_policy *policy, const char *pw, size_t pw_len,
                                          const char *stored, const char *salt, const char *user,
                                          const char *scheme_hint, const char *params,
                                          const char *params_col, char **new_hash_out, char **err);
int rehash_verify_dummy(const rehash_policy *policy, const char *pw, size_t pw_len);
int rehash_identify_with_params(const rehash_policy *policy, const char *stored, const char *salt,
                                const char *user, const char *scheme_hint, const char *params,
                                const char *params_col, char **scheme_out, char **err);
const char *rehash_version(void);
void rehash_string_free(char *s);
C;

/** librehash through FFI: one immutable policy, usable for every request. */
final class Rehash
{
    public const VALID = 0;
    public const VALID_NEEDS_UPGRADE = 1;
    public const INVALID = 2;
    public const ERROR = -1;
    public const ERR_NULL_POINTER = -2;
    public const ERR_NOT_UTF8 = -3;
    public const ERR_EMBEDDED_NUL = -4;

    private FFI $ffi;
    private $policy; // FFI\CData: rehash_policy*

    public function __construct(string $policyToml = '', ?string $library = null)
    {
        $this->ffi = FFI::cdef(REHASH_CDEF, $library ?? self::libraryPath());
        $policy = $this->ffi->new('rehash_policy*');
        $err = $this->ffi->new('char*');
        $rc = $this->ffi->rehash_policy_from_toml(self::text($policyToml, 'toml'), FFI::addr($policy), FFI::addr($err));
        $this->check($rc, $err);
        $this->policy = $policy;
    }

    public function __destruct()
    {
        if (isset($this->policy) && !FFI::isNull($this->policy)) {
            $this->ffi->rehash_policy_free($this->policy);
        }
    }

    public static function libraryPath(): string
    {
        $env = getenv('REHASH_LIB');
        if ($env !== false && $env !== '') {
            return $env;
        }
        $root = dirname(__DIR__, 2);
        $found = array_filter(
            ["$root/target/release/librehash.so", "$root/target/debug/librehash.so"],
            'is_file'
        );
        if (!$found) {
            throw new RehashError('librehash not found: cargo build -p rehash-ffi, or set REHASH_LIB');
        }
        usort($found, fn ($a, $b) => filemtime($b) <=> filemtime($a));
        return $found[0];
    }

    public function version(): string
    {
        // PHP's FFI turns a returned `const char *` into a PHP string (a copy).
        return (string) $this->ffi->rehash_version();
    }

    /**
     * The login call. Returns [valid, newHashOrNull]. $params is the
     * installation's settings as a JSON object (Firebase's hash config; null:
     * the policy's [params]), $paramsCol the row's column that says how it
     * was hashed (Keycloak's credential_data).
     * @return array{0: bool, 1: ?string}
     */
    public function verifyAndUpgrade(string $password, string $stored, ?string $salt = null,
                                     ?string $user = null, ?string $scheme = null,
                                     ?string $params = null, ?string $paramsCol = null): array
    {
        $new = $this->ffi->new('char*');
        $err = $this->ffi->new('char*');
        $rc = $this->ffi->rehash_verify_and_upgrade_with_params(
            $this->policy, $password, strlen($password),
            self::text($stored, 'stored'), self::text($salt, 'salt'), self::text($user, 'user'),
            self::text($scheme, 'scheme'), self::text($params, 'params'), self::text($paramsCol, 'params_col'),
            FFI::addr($new), FFI::addr($err)
        );
        $newHash = $this->take($new);
        $this->check($rc, $err);
        return [$rc === self::VALID || $rc === self::VALID_NEEDS_UPGRADE, $newHash];
    }

    /** An unknown user costs what a wrong password costs. */
    public function verifyDummy(string $password): void
    {
        $this->ffi->rehash_verify_dummy($this->policy, $password, strlen($password));
    }

    public function identify(string $stored, ?string $scheme = null, ?string $params = null,
                             ?string $paramsCol = null): string
    {
        $out = $this->ffi->new('char*');
        $err = $this->ffi->new('char*');
        $rc = $this->ffi->rehash_identify_with_params($this->policy, self::text($stored, 'stored'), null, null,
            self::text($scheme, 'scheme'), self::text($params, 'params'), self::text($paramsCol, 'params_col'),
            FFI::addr($out), FFI::addr($err));
        $label = $this->take($out);
        $this->check($rc, $err);
        return (string) $label;
    }

    /** A PHP string may hold NUL bytes; a C string would end at the first. */
    private static function text(?string $s, string $what): ?string
    {
        if ($s !== null && str_contains($s, "\0")) {
            throw new RehashError("$what contains a NUL byte", self::ERR_EMBEDDED_NUL);
        }
        return $s;
    }

    /** A string the library returned (or null), freed. */
    private function take($p): ?string
    {
        if (FFI::isNull($p)) {
            return null;
        }
        $s = FFI::string($p);
        $this->ffi->rehash_string_free($p);
        return $s;
    }

    private function check(int $rc, $err): void
    {
        $msg = $this->take($err);
        if ($rc < 0) {
            throw new RehashError($msg ?? "librehash error $rc", $rc);
        }
    }
}

/** Where password hashes live: read a row, compare-and-swap its hash. */
interface UserStore
{
    public function hashOf(string $login): ?string;

    /** Replace the hash only if it is still $old; true when the swap happened. */
    public function compareAndSwap(string $login, string $old, string $new): bool;
}

final class SqliteUserStore implements UserStore
{
    public function __construct(private PDO $db)
    {
        $db->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
        $db->exec('CREATE TABLE IF NOT EXISTS wp_users (user_login TEXT PRIMARY KEY, user_pass TEXT NOT NULL)');
    }

    public function add(string $login, string $hash): void
    {
        $this->db->prepare('INSERT INTO wp_users (user_login, user_pass) VALUES (?, ?)')->execute([$login, $hash]);
    }

    public function hashOf(string $login): ?string
    {
        $q = $this->db->prepare('SELECT user_pass FROM wp_users WHERE user_login = ?');
        $q->execute([$login]);
        $h = $q->fetchColumn();
        return $h === false ? null : (string) $h;
    }

    public function compareAndSwap(string $login, string $old, string $new): bool
    {
        $q = $this->db->prepare('UPDATE wp_users SET user_pass = :new WHERE user_login = :login AND user_pass = :old');
        $q->execute([':new' => $new, ':login' => $login, ':old' => $old]);
        return $q->rowCount() === 1;
    }
}

final class ArrayUserStore implements UserStore
{
    /** @param array<string, string> $rows */
    public function __construct(public array $rows = [])
    {
    }

    public function hashOf(string $login): ?string
    {
        return $this->rows[$login] ?? null;
    }

    public function compareAndSwap(string $login, string $old, string $new): bool
    {
        if (($this->rows[$login] ?? null) !== $old) {
            return false;
        }
        $this->rows[$login] = $new;
        return true;
    }
}

/**
 * Log a user in. True when the password is right. A stored hash below policy
 * (WordPress's $P$ phpass, anything legacy) is replaced by Argon2id with
 * compare-and-swap; a lost swap (a password reset meanwhile) or a failed write
 * is logged and does not fail the login. Errors of the stored string
 * (malformed, over the ceilings) refuse the login and are logged without the
 * hash or password (librehash's messages never hold them).
 */
function rehash_login(Rehash $rehash, UserStore $store, string $login, string $password): bool
{
    $stored = $store->hashOf($login);
    if ($stored === null) {
        $rehash->verifyDummy($password);
        return false;
    }
    try {
        [$valid, $newHash] = $rehash->verifyAndUpgrade($password, $stored);
    } catch (RehashError $e) {
        error_log("login $login: stored hash refused: {$e->getMessage()}");
        return false;
    }
    if ($valid && $newHash !== null) {
        try {
            if (!$store->compareAndSwap($login, $stored, $newHash)) {
                error_log("login $login: hash changed meanwhile; upgrade skipped");
            }
        } catch (Throwable $e) {
            error_log("login $login: upgrade not stored: {$e->getMessage()}");
        }
    }
    return $valid;
}

function rehash_open_store(): UserStore
{
    if (extension_loaded('pdo_sqlite')) {
        return new SqliteUserStore(new PDO('sqlite::memory:'));
    }
    return new ArrayUserStore();
}

// Demo when run directly: php bindings/php/login.php
if (PHP_SAPI === 'cli' && realpath($_SERVER['SCRIPT_FILENAME'] ?? '') === __FILE__) {
    $rehash = new Rehash();
    $store = rehash_open_store();
    $phpass = '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0'; // WordPress hash of "test12345"
    if ($store instanceof SqliteUserStore) {
        $store->add('admin', $phpass);
    } else {
        $store->rows['admin'] = $phpass;
    }
    printf("librehash %s, store %s\n", $rehash->version(), get_class($store));
    printf("stored:  %s (%s)\n", $rehash->identify($phpass), substr($phpass, 0, 3));
    printf("login:   %s\n", rehash_login($rehash, $store, 'admin', 'test12345') ? 'ok' : 'refused');
    printf("stored:  %s\n", $rehash->identify((string) $store->hashOf('admin')));
    printf("login:   %s\n", rehash_login($rehash, $store, 'admin', 'test12345') ? 'ok' : 'refused');
    printf("wrong:   %s\n", rehash_login($rehash, $store, 'admin', 'test12346') ? 'ok' : 'refused');
}
