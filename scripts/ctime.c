/* The C half of `scripts/compare.py --c`: times the C implementations of
 * the crypt families in-process, as examples/timings.rs --serve times
 * rehash. One request per line on stdin:
 *
 *     impl <TAB> calls <TAB> password <TAB> stored hash
 *
 * impl is `libxcrypt` (crypt_rn, then strcmp with the stored string, as a C
 * caller verifies) or `libsodium` (crypto_pwhash_str_verify, loaded with
 * dlopen when the system has it). The answer is one line: microseconds per
 * call, or `error ...` when the implementation rejects the hash (or lacks
 * the family), so a table never holds a time of a failing call.
 *
 * Built by scripts/compare.py: cc -O2 -o target/ctime scripts/ctime.c -lcrypt -ldl
 */
#define _GNU_SOURCE
#include <crypt.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct crypt_data cd;
static int (*pwhash_verify)(const char *, const char *, unsigned long long);

static int verify(const char *impl, const char *pw, const char *hash) {
    if (strcmp(impl, "libxcrypt") == 0) {
        const char *r = crypt_rn(pw, hash, &cd, sizeof cd);
        return r != NULL && strcmp(r, hash) == 0;
    }
    if (strcmp(impl, "libsodium") == 0 && pwhash_verify != NULL)
        return pwhash_verify(hash, pw, strlen(pw)) == 0;
    return 0;
}

int main(void) {
    static char line[1 << 16];
    void *so = dlopen("libsodium.so.23", RTLD_NOW);
    if (so != NULL) {
        int (*init)(void) = (int (*)(void))dlsym(so, "sodium_init");
        if (init != NULL && init() >= 0)
            pwhash_verify = (int (*)(const char *, const char *, unsigned long long))dlsym(so, "crypto_pwhash_str_verify");
    }
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = 0;
        char *impl = strtok(line, "\t"), *calls_s = strtok(NULL, "\t"), *pw = strtok(NULL, "\t"),
             *hash = strtok(NULL, "\t");
        if (impl == NULL || calls_s == NULL || pw == NULL || hash == NULL) {
            printf("error request\n");
            fflush(stdout);
            continue;
        }
        long calls = strtol(calls_s, NULL, 10);
        if (calls < 1)
            calls = 1;
        struct timespec a, b;
        int ok = 1;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (long i = 0; i < calls; i++)
            ok &= verify(impl, pw, hash);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (!ok)
            printf("error %s rejects %s\n", impl, hash);
        else
            printf("%.4f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / calls);
        fflush(stdout);
    }
    return 0;
}
