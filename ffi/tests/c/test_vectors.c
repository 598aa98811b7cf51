/*
 * The C ABI of librehash, exercised from C: the shared vectors, the upgrade
 * flow, the error paths (NULL pointers, non-UTF-8, embedded NUL, undersized
 * buffer) and one policy shared by several threads. Built and run (under
 * valgrind when present) by ffi/tests/c_abi.rs.
 *
 * usage: test_vectors VECTORS.tsv [UPGRADE_EVERY] [THREADS]
 *
 * VECTORS.tsv is written by c_abi.rs from ../shared/vectors: one vector a line,
 *   id \t expect \t family \t password_hex \t hash_hex \t salt_hex \t user_hex
 * where an absent field is "-" (hex keeps tabs, newlines and NULs intact).
 * UPGRADE_EVERY (default 1): run the full upgrade flow (verify_and_upgrade,
 * then the new hash verifies without upgrade) on every Nth valid vector; the
 * others are checked with rehash_verify (each upgrade costs an Argon2id hash).
 *
 * Prints "N passed, N failed" and exits non-zero on any failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rehash.h"

static int passed, failed;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

static void check(int ok, const char *what, const char *id) {
    pthread_mutex_lock(&count_lock);
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAIL: %s%s%s\n", what, id ? " — " : "", id ? id : "");
    }
    pthread_mutex_unlock(&count_lock);
}

/* ---- vectors file -------------------------------------------------------- */

typedef struct {
    char *id, *expect, *family;
    uint8_t *pw;
    size_t pw_len;
    char *hash, *salt, *user; /* NUL-terminated; hash_len is the full length */
    size_t hash_len;
} vector;

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode a hex field into a new NUL-terminated buffer; "-" is NULL. */
static char *unhex(const char *s, size_t *len_out) {
    if (strcmp(s, "-") == 0) {
        if (len_out) *len_out = 0;
        return NULL;
    }
    size_t n = strlen(s) / 2;
    char *out = malloc(n + 1);
    if (!out) abort();
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) abort();
        out[i] = (char)(hi * 16 + lo);
    }
    out[n] = 0;
    if (len_out) *len_out = n;
    return out;
}

static char *dup_field(const char *s) {
    if (strcmp(s, "-") == 0) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

static int parse_line(char *line, vector *v) {
    char *f[7];
    line[strcspn(line, "\r\n")] = 0;
    /* Split on tabs, keeping empty fields (an empty hash or password). */
    for (int i = 0; i < 7; i++) {
        if (!line) return 0;
        f[i] = line;
        char *tab = strchr(line, '\t');
        if (tab) *tab = 0;
        line = tab ? tab + 1 : NULL;
    }
    v->id = dup_field(f[0]);
    v->expect = dup_field(f[1]);
    v->family = dup_field(f[2]);
    v->pw = (uint8_t *)unhex(f[3], &v->pw_len);
    v->hash = unhex(f[4], &v->hash_len);
    v->salt = unhex(f[5], NULL);
    v->user = unhex(f[6], NULL);
    return v->id && v->expect && v->hash;
}

static void free_vector(vector *v) {
    free(v->id);
    free(v->expect);
    free(v->family);
    free(v->pw);
    free(v->hash);
    free(v->salt);
    free(v->user);
}

/* Families that are not self-describing: the only ones given a hint
 * (../shared/vectors/README.md, "Hints"). */
static int needs_hint(const char *family) {
    static const char *const hinted[] = {
        "md5_hex", "sha1_hex", "sha256_hex", "sha512_hex", "md5_md5_hex", "ntlm", "mysql41",
        "postgres_md5", "md5_pass_salt", "md5_salt_pass", "sha1_salt_pass", "sha256_salt_pass",
        "sha256_pass_salt", "sha512_pass_salt", "vbulletin", "des_crypt", "mysql323", "hex_md4",
        "bigcrypt", NULL};
    if (!family) return 0;
    for (int i = 0; hinted[i]; i++)
        if (strcmp(family, hinted[i]) == 0) return 1;
    return 0;
}

/* A message must not leak the password or the stored hash. */
static int leaks_secret(const char *msg, const vector *v) {
    if (!msg) return 0;
    if (v->pw_len >= 4) {
        for (const char *p = msg; *p; p++)
            if (strlen(p) >= v->pw_len && memcmp(p, v->pw, v->pw_len) == 0) return 1;
    }
    if (strlen(v->hash) >= 8 && strstr(msg, v->hash)) return 1;
    return 0;
}

/* ---- the vectors through the ABI ---------------------------------------- */

static void run_vector(const rehash_policy *policy, const vector *v, int do_upgrade) {
    const char *hint = needs_hint(v->family) ? v->family : NULL;
    char *err = NULL, *new_hash = NULL;
    int rc;
    if (strlen(v->hash) != v->hash_len) {
        /* A stored string with a NUL inside (malformed.jsonl m5-041): a C
         * caller can only pass it up to the NUL, which must not verify. */
        rc = rehash_verify(policy, v->pw, v->pw_len, v->hash, v->salt, v->user, hint, &err);
        check(rc == REHASH_ERROR || rc == REHASH_INVALID, "hash with a NUL inside is refused", v->id);
        rehash_string_free(err);
        return;
    }
    if (strcmp(v->expect, "valid") == 0 && do_upgrade) {
        rc = rehash_verify_and_upgrade(policy, v->pw, v->pw_len, v->hash, v->salt, v->user, hint,
                                       &new_hash, &err);
        check(rc == REHASH_VALID || rc == REHASH_VALID_NEEDS_UPGRADE, "valid vector verifies", v->id);
        check((rc == REHASH_VALID_NEEDS_UPGRADE) == (new_hash != NULL), "new hash iff upgrade", v->id);
        if (err) fprintf(stderr, "  %s: %s\n", v->id, err);
        if (new_hash) {
            char *again = NULL;
            check(strncmp(new_hash, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0, "new hash is argon2id",
                  v->id);
            rc = rehash_verify_and_upgrade(policy, v->pw, v->pw_len, new_hash, NULL, NULL, NULL, &again,
                                           NULL);
            check(rc == REHASH_VALID && again == NULL, "upgraded hash is valid without upgrade", v->id);
            rehash_string_free(again);
        }
    } else {
        rc = rehash_verify(policy, v->pw, v->pw_len, v->hash, v->salt, v->user, hint, &err);
        if (strcmp(v->expect, "valid") == 0)
            check(rc == REHASH_VALID || rc == REHASH_VALID_NEEDS_UPGRADE, "valid vector verifies", v->id);
        else if (strcmp(v->expect, "invalid") == 0)
            check(rc == REHASH_INVALID, "negative vector is INVALID", v->id);
        else if (strcmp(v->expect, "error") == 0)
            check(rc == REHASH_ERROR, "malformed vector is ERROR", v->id);
        else
            check(rc == REHASH_ERROR || rc == REHASH_INVALID, "mutated vector never verifies", v->id);
        if (err && strcmp(v->expect, "valid") == 0) fprintf(stderr, "  %s: %s\n", v->id, err);
    }
    check((rc < 0) == (err != NULL), "err is set exactly on failure", v->id);
    check(!leaks_secret(err, v), "message holds no password or hash", v->id);
    check(!leaks_secret(rehash_last_error(), v), "last error holds no password or hash", v->id);
    rehash_string_free(err);
    rehash_string_free(new_hash);

    if (strcmp(v->expect, "valid") == 0 && v->family) {
        char *label = NULL;
        rc = rehash_identify(policy, v->hash, v->salt, v->user, hint, &label, NULL);
        check(rc == REHASH_OK && label && strcmp(label, v->family) == 0, "identify names the family",
              v->id);
        rehash_string_free(label);
    }
}

static int run_file(const rehash_policy *policy, const char *path, int upgrade_every) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int n = 0, valid_seen = 0;
    while (getline(&line, &cap, f) > 0) {
        vector v = {0};
        if (!parse_line(line, &v)) {
            fprintf(stderr, "bad line in %s\n", path);
            free_vector(&v);
            failed++;
            continue;
        }
        int do_upgrade = 0;
        if (strcmp(v.expect, "valid") == 0) do_upgrade = (valid_seen++ % upgrade_every) == 0;
        run_vector(policy, &v, do_upgrade);
        free_vector(&v);
        n++;
    }
    free(line);
    fclose(f);
    return n;
}

/* ---- error paths --------------------------------------------------------- */

static const char MD5CRYPT[] = "$1$wHJImwTO$NsqANW0ddjBi8pF1uTHrw0"; /* "password" */
static const uint8_t PW[] = "password";
#define PW_LEN 8

static void error_paths(const rehash_policy *policy) {
    char *out = NULL, *err = NULL;
    rehash_policy *p = NULL;
    int rc;

    /* Version and a clean last error. */
    check(rehash_version() && strcmp(rehash_version(), "0.1.0") >= 0, "rehash_version", NULL);

    /* NULL pointers: each is a code, never a crash. */
    check(rehash_policy_default(NULL) == REHASH_ERR_NULL_POINTER, "policy_default(NULL)", NULL);
    check(rehash_policy_from_toml(NULL, &p, &err) == REHASH_ERR_NULL_POINTER && p == NULL && err,
          "policy_from_toml(NULL toml)", NULL);
    rehash_string_free(err);
    check(rehash_policy_from_toml("", NULL, NULL) == REHASH_ERR_NULL_POINTER, "policy_from_toml(NULL out)",
          NULL);
    rc = rehash_verify_and_upgrade(NULL, PW, PW_LEN, MD5CRYPT, NULL, NULL, NULL, &out, &err);
    check(rc == REHASH_ERR_NULL_POINTER && out == NULL && err, "verify_and_upgrade(NULL policy)", NULL);
    check(rehash_last_error() && strcmp(rehash_last_error(), err) == 0, "last error = err", NULL);
    rehash_string_free(err);
    rc = rehash_verify_and_upgrade(policy, NULL, 3, MD5CRYPT, NULL, NULL, NULL, &out, &err);
    check(rc == REHASH_ERR_NULL_POINTER, "verify_and_upgrade(NULL pw, len 3)", NULL);
    rehash_string_free(err);
    rc = rehash_verify_and_upgrade(policy, PW, PW_LEN, NULL, NULL, NULL, NULL, &out, NULL);
    check(rc == REHASH_ERR_NULL_POINTER, "verify_and_upgrade(NULL stored)", NULL);
    rc = rehash_verify_and_upgrade(policy, PW, PW_LEN, MD5CRYPT, NULL, NULL, NULL, NULL, NULL);
    check(rc == REHASH_ERR_NULL_POINTER, "verify_and_upgrade(NULL new_hash_out)", NULL);
    check(rehash_verify(policy, PW, PW_LEN, NULL, NULL, NULL, NULL, NULL) == REHASH_ERR_NULL_POINTER,
          "verify(NULL stored)", NULL);
    check(rehash_hash(policy, PW, PW_LEN, NULL, NULL) == REHASH_ERR_NULL_POINTER, "hash(NULL out)", NULL);
    check(rehash_hash(NULL, PW, PW_LEN, &out, NULL) == REHASH_ERR_NULL_POINTER && !out, "hash(NULL policy)",
          NULL);
    check(rehash_identify(policy, NULL, NULL, NULL, NULL, &out, NULL) == REHASH_ERR_NULL_POINTER,
          "identify(NULL stored)", NULL);
    check(rehash_identify(policy, MD5CRYPT, NULL, NULL, NULL, NULL, NULL) == REHASH_ERR_NULL_POINTER,
          "identify(NULL out)", NULL);
    check(rehash_needs_upgrade(NULL, MD5CRYPT, NULL, NULL, NULL, NULL) == REHASH_ERR_NULL_POINTER,
          "needs_upgrade(NULL policy)", NULL);
    check(rehash_wrap(policy, NULL, NULL, NULL, NULL, &out, NULL) == REHASH_ERR_NULL_POINTER,
          "wrap(NULL stored)", NULL);
    check(rehash_verify_dummy(NULL, PW, PW_LEN) == REHASH_ERR_NULL_POINTER, "verify_dummy(NULL policy)",
          NULL);
    check(rehash_hash_into(policy, PW, PW_LEN, NULL, 10, NULL, NULL) == REHASH_ERR_NULL_POINTER,
          "hash_into(NULL buf, len 10)", NULL);
    /* The rest of the NULL contract (header: each function's "NULL" paragraph):
     * every required pointer is REHASH_ERR_NULL_POINTER naming it, out-pointers
     * reset; optional ones are accepted. */
    {
        char stale_byte = 0, *stale = &stale_byte;
        size_t needed = 99;
        char buf[128];
        check(rehash_policy_from_toml(NULL, NULL, NULL) == REHASH_ERR_NULL_POINTER, "policy_from_toml(NULL, NULL)",
              NULL);
        out = stale;
        rc = rehash_verify_and_upgrade(policy, PW, PW_LEN, MD5CRYPT, NULL, NULL, NULL, &out, &err);
        check(rc == REHASH_VALID_NEEDS_UPGRADE && out && !err, "verify_and_upgrade(NULL salt, user, hint)", NULL);
        rehash_string_free(out);
        rc = rehash_verify(NULL, PW, PW_LEN, MD5CRYPT, NULL, NULL, NULL, &err);
        check(rc == REHASH_ERR_NULL_POINTER && err && strcmp(err, "policy is NULL") == 0, "verify(NULL policy)",
              NULL);
        rehash_string_free(err);
        rc = rehash_verify(policy, NULL, PW_LEN, MD5CRYPT, NULL, NULL, NULL, &err);
        check(rc == REHASH_ERR_NULL_POINTER && err && strcmp(err, "pw is NULL") == 0, "verify(NULL pw, len 8)",
              NULL);
        rehash_string_free(err);
        check(rehash_verify_dummy(policy, NULL, PW_LEN) == REHASH_ERR_NULL_POINTER && rehash_last_error() &&
                  strcmp(rehash_last_error(), "pw is NULL") == 0,
              "verify_dummy(NULL pw, len 8)", NULL);
        out = stale;
        rc = rehash_hash(policy, NULL, PW_LEN, &out, &err);
        check(rc == REHASH_ERR_NULL_POINTER && out == NULL && err && strcmp(err, "pw is NULL") == 0,
              "hash(NULL pw, len 8)", NULL);
        rehash_string_free(err);
        rc = rehash_hash_into(NULL, PW, PW_LEN, buf, sizeof buf, &needed, &err);
        check(rc == REHASH_ERR_NULL_POINTER && needed == 0 && err && strcmp(err, "policy is NULL") == 0,
              "hash_into(NULL policy)", NULL);
        rehash_string_free(err);
        needed = 99;
        rc = rehash_hash_into(policy, NULL, PW_LEN, buf, sizeof buf, &needed, &err);
        check(rc == REHASH_ERR_NULL_POINTER && needed == 0 && err && strcmp(err, "pw is NULL") == 0,
              "hash_into(NULL pw, len 8)", NULL);
        rehash_string_free(err);
        needed = 99;
        rc = rehash_hash_into(policy, PW, PW_LEN, NULL, 10, &needed, &err);
        check(rc == REHASH_ERR_NULL_POINTER && needed == 0 && err && strcmp(err, "buf is NULL") == 0,
              "hash_into(NULL buf, len 10): needed reset", NULL);
        rehash_string_free(err);
        out = stale;
        rc = rehash_identify(NULL, MD5CRYPT, NULL, NULL, NULL, &out, &err);
        check(rc == REHASH_ERR_NULL_POINTER && out == NULL && err && strcmp(err, "policy is NULL") == 0,
              "identify(NULL policy)", NULL);
        rehash_string_free(err);
        rc = rehash_needs_upgrade(policy, NULL, NULL, NULL, NULL, &err);
        check(rc == REHASH_ERR_NULL_POINTER && err && strcmp(err, "stored is NULL") == 0, "needs_upgrade(NULL stored)",
              NULL);
        rehash_string_free(err);
        out = stale;
        rc = rehash_wrap(NULL, MD5CRYPT, NULL, NULL, NULL, &out, &err);
        check(rc == REHASH_ERR_NULL_POINTER && out == NULL && err && strcmp(err, "policy is NULL") == 0,
              "wrap(NULL policy)", NULL);
        rehash_string_free(err);
        rc = rehash_wrap(policy, MD5CRYPT, NULL, NULL, NULL, NULL, &err);
        check(rc == REHASH_ERR_NULL_POINTER && err && strcmp(err, "wrapped_out is NULL") == 0, "wrap(NULL out)", NULL);
        rehash_string_free(err);
        err = NULL;
        out = NULL;
    }
    rehash_string_free(NULL);
    rehash_policy_free(NULL);
    check(1, "free(NULL) is a no-op", NULL);

    /* A successful call clears the last error. */
    rc = rehash_identify(policy, MD5CRYPT, NULL, NULL, NULL, &out, NULL);
    check(rc == REHASH_OK && out && strcmp(out, "md5_crypt") == 0 && rehash_last_error() == NULL,
          "identify md5_crypt; last error cleared", NULL);
    rehash_string_free(out);
    out = NULL;

    /* Non-UTF-8 text. */
    rc = rehash_verify(policy, PW, PW_LEN, "$1$\xff\xfe$abc", NULL, NULL, NULL, &err);
    check(rc == REHASH_ERR_NOT_UTF8 && err && strstr(err, "stored"), "non-UTF-8 stored", NULL);
    rehash_string_free(err);
    rc = rehash_verify(policy, PW, PW_LEN, "5f4dcc3b5aa765d61d8327deb882cf99", "\xc3\x28", NULL, "md5_hex",
                       &err);
    check(rc == REHASH_ERR_NOT_UTF8 && strstr(err, "salt"), "non-UTF-8 salt", NULL);
    rehash_string_free(err);
    rc = rehash_policy_from_toml("[legacy]\ndeclare = [\"\xff\"]\n", &p, &err);
    check(rc == REHASH_ERR_NOT_UTF8 && p == NULL, "non-UTF-8 toml", NULL);
    rehash_string_free(err);
    /* A non-UTF-8 password is bytes, not text: fine. */
    {
        const uint8_t latin1[] = {'p', 0xe4, 's', 's'};
        char *h = NULL;
        rc = rehash_hash(policy, latin1, sizeof latin1, &h, NULL);
        check(rc == REHASH_OK && h, "hash of a non-UTF-8 password", NULL);
        rc = rehash_verify(policy, latin1, sizeof latin1, h, NULL, NULL, NULL, NULL);
        check(rc == REHASH_VALID, "non-UTF-8 password verifies", NULL);
        rehash_string_free(h);
    }

    /* Embedded NUL. A password is bytes with a length: a NUL inside is data. */
    {
        const uint8_t nul_pw[] = {'p', 'a', 's', 's', 0, 'w', 'o', 'r', 'd'};
        char *h = NULL;
        rc = rehash_hash(policy, nul_pw, sizeof nul_pw, &h, NULL);
        check(rc == REHASH_OK && h, "hash of a password with a NUL inside", NULL);
        check(rehash_verify(policy, nul_pw, sizeof nul_pw, h, NULL, NULL, NULL, NULL) == REHASH_VALID,
              "NUL-inside password verifies with its full length", NULL);
        check(rehash_verify(policy, nul_pw, 4, h, NULL, NULL, NULL, NULL) == REHASH_INVALID,
              "password truncated at its NUL does not verify", NULL);
        rehash_string_free(h);
        /* md5-crypt hashes the bytes after a NUL too (unlike DES crypt). */
        rc = rehash_verify(policy, nul_pw, sizeof nul_pw, MD5CRYPT, NULL, NULL, NULL, NULL);
        check(rc == REHASH_INVALID, "\"pass\\0word\" is not \"password\" for md5_crypt", NULL);
        /* A C string ends at its first NUL: a stored string with a NUL inside
         * reaches the library cut short, and the cut string is refused. */
        const char cut[] = "$1$wHJImwTO\0$NsqANW0ddjBi8pF1uTHrw0";
        rc = rehash_verify(policy, PW, PW_LEN, cut, NULL, NULL, NULL, &err);
        check(rc == REHASH_ERROR && err, "stored string cut at a NUL is malformed", NULL);
        rehash_string_free(err);
    }

    /* Undersized and exact buffers. */
    {
        char small[16];
        char big[128];
        size_t needed = 0;
        memset(small, 'x', sizeof small);
        rc = rehash_hash_into(policy, PW, PW_LEN, small, sizeof small, &needed, &err);
        check(rc == REHASH_ERR_BUFFER_TOO_SMALL && needed > sizeof small && small[0] == 0 && err,
              "hash_into: undersized buffer", NULL);
        check(small[1] == 'x', "hash_into: nothing written past the empty string", NULL);
        rehash_string_free(err);
        rc = rehash_hash_into(policy, PW, PW_LEN, NULL, 0, &needed, NULL);
        check(rc == REHASH_ERR_BUFFER_TOO_SMALL && needed > 0, "hash_into: size query with NULL buf", NULL);
        char *exact = malloc(needed);
        size_t needed2 = 0;
        rc = rehash_hash_into(policy, PW, PW_LEN, exact, needed, &needed2, NULL);
        check(rc == REHASH_OK && needed2 == needed && strlen(exact) + 1 == needed,
              "hash_into: exact-size buffer", NULL);
        check(rehash_verify(policy, PW, PW_LEN, exact, NULL, NULL, NULL, NULL) == REHASH_VALID,
              "hash_into result verifies", NULL);
        free(exact);
        rc = rehash_hash_into(policy, PW, PW_LEN, big, sizeof big, NULL, NULL);
        check(rc == REHASH_OK && strncmp(big, "$argon2id$", 10) == 0, "hash_into: big buffer", NULL);
    }

    /* Library errors: bad policy file, unknown hint, ambiguous string,
     * password too long, malformed, wrap, needs_upgrade. */
    rc = rehash_policy_from_toml("[target]\nscheme = \"md5\"\n", &p, &err);
    check(rc == REHASH_ERROR && p == NULL && err && strstr(err, "target"), "bad policy file", NULL);
    rehash_string_free(err);
    rc = rehash_verify(policy, PW, PW_LEN, "5f4dcc3b5aa765d61d8327deb882cf99", NULL, NULL, "no_such", &err);
    check(rc == REHASH_ERROR && err && !strstr(err, "no_such"), "unknown scheme hint", NULL);
    rehash_string_free(err);
    rc = rehash_verify(policy, PW, PW_LEN, "5f4dcc3b5aa765d61d8327deb882cf99", NULL, NULL, NULL, &err);
    check(rc == REHASH_ERROR && err && strstr(err, "md5_hex") &&
              !strstr(err, "5f4dcc3b5aa765d61d8327deb882cf99"),
          "bare md5 without hint is ambiguous", NULL);
    rehash_string_free(err);
    {
        size_t big_len = 5000;
        uint8_t *big_pw = malloc(big_len);
        memset(big_pw, 'a', big_len);
        rc = rehash_verify(policy, big_pw, big_len, MD5CRYPT, NULL, NULL, NULL, &err);
        check(rc == REHASH_ERROR && strstr(err, "longer"), "password over the limit", NULL);
        rehash_string_free(err);
        free(big_pw);
    }
    check(rehash_needs_upgrade(policy, MD5CRYPT, NULL, NULL, NULL, NULL) == REHASH_VALID_NEEDS_UPGRADE,
          "needs_upgrade(md5_crypt)", NULL);
    {
        char *h = NULL, *wrapped = NULL, *nh = NULL;
        rehash_hash(policy, PW, PW_LEN, &h, NULL);
        check(rehash_needs_upgrade(policy, h, NULL, NULL, NULL, NULL) == REHASH_OK,
              "needs_upgrade(target hash) = 0", NULL);
        rehash_string_free(h);
        rc = rehash_wrap(policy, MD5CRYPT, NULL, NULL, NULL, &wrapped, &err);
        check(rc == REHASH_OK && wrapped && strncmp(wrapped, "$rw2$m1", 7) == 0 &&
                  !strstr(wrapped, "NsqANW0ddjBi8pF1uTHrw0"),
              "wrap md5_crypt", NULL);
        rc = rehash_verify_and_upgrade(policy, PW, PW_LEN, wrapped, NULL, NULL, NULL, &nh, NULL);
        check(rc == REHASH_VALID_NEEDS_UPGRADE && nh, "wrapped hash verifies and upgrades", NULL);
        rc = rehash_wrap(policy, wrapped, NULL, NULL, NULL, &h, &err);
        check(rc == REHASH_ERROR && h == NULL && err, "wrapping twice is refused", NULL);
        rehash_string_free(err);
        rehash_string_free(wrapped);
        rehash_string_free(nh);
    }
    check(rehash_verify_dummy(policy, PW, PW_LEN) == REHASH_INVALID, "verify_dummy", NULL);
    check(rehash_verify(policy, NULL, 0, MD5CRYPT, NULL, NULL, NULL, NULL) == REHASH_INVALID,
          "empty password (NULL, 0) is a wrong password", NULL);
}

/* ---- the _with_params entry points --------------------------------------- */

static void params_paths(const rehash_policy *policy) {
    static const char PARAMS[] = "{\"base64_signer_key\": \"a2V5\", \"rounds\": 8, \"mem_cost\": 14}";
    static const char COL[] = "{\"hashIterations\":27500,\"algorithm\":\"pbkdf2-sha256\"}";
    char *out = NULL, *err = NULL;
    int rc;

    /* NULL params and params_col: the same as the functions they extend. */
    rc = rehash_verify_with_params(policy, PW, PW_LEN, MD5CRYPT, NULL, NULL, NULL, NULL, NULL, &err);
    check(rc == REHASH_VALID_NEEDS_UPGRADE && err == NULL, "verify_with_params, NULL params", NULL);
    /* Given, they reach the row; md5_crypt does not read them. */
    rc = rehash_verify_with_params(policy, PW, PW_LEN, MD5CRYPT, NULL, NULL, NULL, PARAMS, COL, &err);
    check(rc == REHASH_VALID_NEEDS_UPGRADE && err == NULL, "verify_with_params", NULL);
    rc = rehash_verify_with_params(policy, (const uint8_t *)"Password", 8, MD5CRYPT, NULL, NULL, NULL, PARAMS,
                                   COL, NULL);
    check(rc == REHASH_INVALID, "verify_with_params, wrong password", NULL);
    rc = rehash_verify_and_upgrade_with_params(policy, PW, PW_LEN, MD5CRYPT, NULL, NULL, NULL, PARAMS, COL, &out,
                                               &err);
    check(rc == REHASH_VALID_NEEDS_UPGRADE && out && strncmp(out, "$argon2id$", 10) == 0,
          "verify_and_upgrade_with_params", NULL);
    rehash_string_free(out);
    out = NULL;
    rc = rehash_identify_with_params(policy, MD5CRYPT, NULL, NULL, NULL, PARAMS, COL, &out, &err);
    check(rc == REHASH_OK && out && strcmp(out, "md5_crypt") == 0, "identify_with_params", NULL);
    rehash_string_free(out);
    out = NULL;
    check(rehash_needs_upgrade_with_params(policy, MD5CRYPT, NULL, NULL, NULL, PARAMS, COL, NULL) ==
              REHASH_VALID_NEEDS_UPGRADE,
          "needs_upgrade_with_params", NULL);
    rc = rehash_wrap_with_params(policy, MD5CRYPT, NULL, NULL, NULL, PARAMS, COL, &out, &err);
    check(rc == REHASH_OK && out && strncmp(out, "$rw2$", 5) == 0, "wrap_with_params", NULL);
    rc = rehash_verify_with_params(policy, PW, PW_LEN, out, NULL, NULL, NULL, PARAMS, COL, NULL);
    check(rc == REHASH_VALID_NEEDS_UPGRADE, "wrapped with params verifies with them", NULL);
    rehash_string_free(out);
    out = NULL;

    /* Required arguments are named as in the functions they extend. */
    rc = rehash_verify_and_upgrade_with_params(NULL, PW, PW_LEN, MD5CRYPT, NULL, NULL, NULL, PARAMS, COL, &out,
                                               &err);
    check(rc == REHASH_ERR_NULL_POINTER && out == NULL && err && strcmp(err, "policy is NULL") == 0,
          "verify_and_upgrade_with_params(NULL policy)", NULL);
    rehash_string_free(err);
    err = NULL;
    rc = rehash_identify_with_params(policy, NULL, NULL, NULL, NULL, PARAMS, COL, &out, &err);
    check(rc == REHASH_ERR_NULL_POINTER && err && strcmp(err, "stored is NULL") == 0,
          "identify_with_params(NULL stored)", NULL);
    rehash_string_free(err);
    err = NULL;
    rc = rehash_wrap_with_params(policy, MD5CRYPT, NULL, NULL, NULL, PARAMS, COL, NULL, &err);
    check(rc == REHASH_ERR_NULL_POINTER && err && strcmp(err, "wrapped_out is NULL") == 0,
          "wrap_with_params(NULL out)", NULL);
    rehash_string_free(err);
    err = NULL;

    /* Bad params: a code and a message that quotes no value. */
    static const char *const BAD[] = {
        "{\"base64_signer_key\": \"s3cretkey\"",         /* not JSON */
        "[\"s3cretkey\"]",                                /* not an object */
        "{\"k\": {\"nested\": \"s3cretkey\"}}",          /* nested */
        "{\"rounds\": 8.5, \"key\": \"s3cretkey\"}",      /* a fraction */
    };
    for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
        rc = rehash_verify_with_params(policy, PW, PW_LEN, MD5CRYPT, NULL, NULL, NULL, BAD[i], NULL, &err);
        check(rc == REHASH_ERROR && err && strstr(err, "params") && !strstr(err, "s3cret"),
              "bad params refused without quoting them", NULL);
        rehash_string_free(err);
        err = NULL;
    }
    rc = rehash_identify_with_params(policy, MD5CRYPT, NULL, NULL, NULL, "{\"k\": \"\xff\"}", NULL, &out, &err);
    check(rc == REHASH_ERR_NOT_UTF8 && out == NULL && err && strcmp(err, "params is not valid UTF-8") == 0,
          "non-UTF-8 params", NULL);
    rehash_string_free(err);
    err = NULL;
    rc = rehash_needs_upgrade_with_params(policy, MD5CRYPT, NULL, NULL, NULL, NULL, "\xc3\x28", &err);
    check(rc == REHASH_ERR_NOT_UTF8 && err && strcmp(err, "params_col is not valid UTF-8") == 0,
          "non-UTF-8 params_col", NULL);
    rehash_string_free(err);
}

/* ---- one policy, several threads ----------------------------------------- */

typedef struct {
    const rehash_policy *policy;
    int rounds;
    int ok;
} thread_arg;

static void *worker(void *p) {
    thread_arg *a = p;
    a->ok = 1;
    for (int i = 0; i < a->rounds; i++) {
        char *err = NULL;
        if (rehash_verify(a->policy, PW, PW_LEN, MD5CRYPT, NULL, NULL, NULL, NULL) !=
            REHASH_VALID_NEEDS_UPGRADE)
            a->ok = 0;
        if (rehash_verify(a->policy, (const uint8_t *)"Password", 8, MD5CRYPT, NULL, NULL, NULL, NULL) !=
            REHASH_INVALID)
            a->ok = 0;
        /* The last error is per thread. */
        if (rehash_verify(a->policy, PW, PW_LEN, "garbage", NULL, NULL, NULL, &err) != REHASH_ERROR ||
            !rehash_last_error() || strcmp(rehash_last_error(), err) != 0)
            a->ok = 0;
        rehash_string_free(err);
    }
    /* One full upgrade per thread (an Argon2id hash and verify). */
    char *nh = NULL;
    if (rehash_verify_and_upgrade(a->policy, PW, PW_LEN, MD5CRYPT, NULL, NULL, NULL, &nh, NULL) !=
            REHASH_VALID_NEEDS_UPGRADE ||
        rehash_verify(a->policy, PW, PW_LEN, nh, NULL, NULL, NULL, NULL) != REHASH_VALID)
        a->ok = 0;
    rehash_string_free(nh);
    if (rehash_last_error() != NULL) a->ok = 0;
    return NULL;
}

static void threads(const rehash_policy *policy, int n) {
    pthread_t t[16];
    thread_arg args[16];
    if (n > 16) n = 16;
    for (int i = 0; i < n; i++) {
        args[i] = (thread_arg){policy, 20, 0};
        if (pthread_create(&t[i], NULL, worker, &args[i]) != 0) {
            check(0, "pthread_create", NULL);
            return;
        }
    }
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        check(args[i].ok, "thread shares the policy", NULL);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s VECTORS.tsv [UPGRADE_EVERY] [THREADS]\n", argv[0]);
        return 2;
    }
    int upgrade_every = argc > 2 ? atoi(argv[2]) : 1;
    int nthreads = argc > 3 ? atoi(argv[3]) : 4;
    if (upgrade_every < 1) upgrade_every = 1;

    rehash_policy *policy = NULL;
    char *err = NULL;
    /* The default target; failures are not padded, so the run stays short. */
    int rc = rehash_policy_from_toml("[timing]\nequal_time_failures = false\n", &policy, &err);
    if (rc != REHASH_OK) {
        fprintf(stderr, "policy: %s\n", err ? err : "?");
        rehash_string_free(err);
        return 1;
    }
    printf("librehash %s\n", rehash_version());

    int n = run_file(policy, argv[1], upgrade_every);
    check(n > 0, "vectors were read", NULL);
    printf("vectors: %d\n", n);
    error_paths(policy);
    params_paths(policy);
    threads(policy, nthreads);
    rehash_policy_free(policy);

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
