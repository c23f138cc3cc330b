/*
 * test_lifecycle.c: the key runbook through the C ABI's lifecycle calls
 * (ck_keyring_*, ck_audit_*, ck_backup_*) on a temporary directory: init,
 * two rotations, status and trust bundle, signing and the re-sign list,
 * invalid transitions, revoke and emergency rotation, destroy, audit
 * verification and tampering, backup with 2-of-3 shares and recovery.
 *
 * Usage: test_lifecycle
 * Prints one line per failure and ends with `c lifecycle: N passed, M failed`.
 * bindings/c/run-tests.sh builds it and runs it under valgrind.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cosign_keys.h"
#include "jsontree.h"

/* ---------------------------------------------------------------------- */
/* Harness (the same shape as test_ck.c's)                                */

static int g_passed, g_failed;
static int g_seen[1000];

static void check(int ok, int line, const char *fmt, ...) {
    if (ok) {
        g_passed++;
        return;
    }
    g_failed++;
    fprintf(stderr, "FAIL (test_lifecycle.c:%d): ", line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
#define CHECK(cond, ...) check((cond) ? 1 : 0, __LINE__, __VA_ARGS__)

static const char *name_of(ck_status s) {
    const char *n = ck_status_name(s);
    return n ? n : "(unknown)";
}

static void expect_status(ck_status got, ck_error *err, ck_status want, const char *call, int line) {
    if (got != want) {
        char msg[1024] = "";
        if (err) ck_error_message(err, msg, sizeof msg);
        check(0, line, "%s: got %s (%u), want %s: %s", call, name_of(got), got, name_of(want), msg);
    } else if (want == CK_OK) {
        check(err == NULL, line, "%s: succeeded but set *err_out", call);
    } else {
        int ok = err != NULL && ck_error_code(err) == want && ck_error_message(err, NULL, 0) > 0;
        check(ok, line, "%s: %s without a matching error object", call, name_of(want));
        if (ok && want < 1000) g_seen[want] = 1;
    }
    ck_error_free(err);
}

#define ERR (&err_)
#define EXPECT(want, call)                                   \
    do {                                                     \
        ck_error *err_ = NULL;                               \
        ck_status st_ = (call);                              \
        expect_status(st_, err_, (want), #call, __LINE__);   \
    } while (0)

/* Expects an error whose message contains `part`. */
#define EXPECT_MSG(want, part, call)                                                      \
    do {                                                                                  \
        ck_error *err_ = NULL;                                                            \
        ck_status st_ = (call);                                                           \
        char msg_[1024] = "";                                                             \
        if (err_) ck_error_message(err_, msg_, sizeof msg_);                              \
        CHECK(strstr(msg_, (part)) != NULL, "%s: message `%s` lacks `%s`", #call, msg_, (part)); \
        expect_status(st_, err_, (want), #call, __LINE__);                                \
    } while (0)

#define SENTINEL ((void *)0x5a5a)

/* Parses a JSON result and frees its buffer; NULL (and a failure) if the
 * call failed or the text is not JSON. */
static jt_value *take_json(ck_buf *buf, int line) {
    if (!buf) {
        check(0, line, "no result buffer");
        return NULL;
    }
    jt_value *doc = jt_parse((const char *)ck_buf_data(buf));
    check(doc != NULL, line, "result is not JSON: %s", (const char *)ck_buf_data(buf));
    ck_buf_free(buf);
    return doc;
}
#define TAKE_JSON(buf) take_json((buf), __LINE__)

static const uint8_t PW[] = "key password";
#define PW_LEN (sizeof PW - 1)
/* Cheap scrypt for the key files (cosign uses N = 65536); cheap age work
 * factor for the backups. Both are far too weak for real keys. */
static const char *FAST_KEY = "{\"scrypt\":{\"n\":1024,\"r\":8,\"p\":1}}";
static const char *FAST_BACKUP = "{\"work_factor\":10}";

static const char *T0 = "2026-01-05T09:00:00Z";
static const char *T_SIGN = "2026-02-01T10:00:00Z";
static const char *T_NOT_DUE = "2027-01-04T09:00:00Z";
static const char *T1 = "2027-01-05T09:00:00Z";
static const char *T1_NEXT = "2027-01-06T09:00:00Z";
static const char *T2 = "2027-01-10T09:00:00Z";
static const char *T3 = "2027-01-11T09:00:00Z";

static char g_dir[64];

static const char *path_of(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "%s/%s", g_dir, name);
    return buf;
}

/* Keyring locations are recorded as canonical file:// URIs of absolute paths. */
static int is_file_uri_of(const char *uri, const char *path) {
    return uri && strncmp(uri, "file://", 7) == 0 && strcmp(uri + 7, path) == 0;
}

static int count_of(const char *haystack, const char *needle) {
    int n = 0;
    for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    size_t got = fread(text, 1, (size_t)size, f);
    fclose(f);
    text[got] = '\0';
    return text;
}

static void write_file(const char *path, const char *text, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(text, 1, n, f);
    fclose(f);
}

/* "sha256:" + 64 hex digits of byte value `seed`, and the 32 bytes. */
static void digest_of(unsigned seed, char hex[72], uint8_t bytes[32]) {
    strcpy(hex, "sha256:");
    for (int i = 0; i < 32; i++) {
        bytes[i] = (uint8_t)(seed * 31 + (unsigned)i);
        snprintf(hex + 7 + 2 * i, 3, "%02x", bytes[i]);
    }
}

/* Verifies a base64 signature over a digest with a PEM public key. */
static int verifies(const char *pem, const uint8_t digest[32], const char *sig_b64) {
    ck_public_key *pub = NULL;
    ck_buf *sig = NULL;
    int ok = ck_public_key_from_pem((const uint8_t *)pem, strlen(pem), &pub, NULL) == CK_OK &&
             ck_signature_from_base64((const uint8_t *)sig_b64, strlen(sig_b64), &sig, NULL) == CK_OK &&
             ck_public_key_verify_digest(pub, digest, 32, ck_buf_data(sig), ck_buf_len(sig), NULL) == CK_OK;
    ck_buf_free(sig);
    ck_public_key_free(pub);
    return ok;
}

/* The key record with `id` in a status document. */
static const jt_value *key_in(const jt_value *status, int id) {
    const jt_value *keys = jt_get(status, "keys");
    for (int i = 0; i < jt_len(keys); i++)
        if (jt_num(jt_get(jt_at(keys, i), "id")) == id) return jt_at(keys, i);
    return NULL;
}

static const char *state_of(const jt_value *status, int id) { return jt_str(jt_get(key_in(status, id), "state")); }

/* ---------------------------------------------------------------------- */

static ck_keyring *g_kr;
static char g_manifest[256], g_audit[256], g_store[256];
/* The audit head kept from the last status, as "<seq>:<hash>". */
static char g_head[128];

static void keep_head(const jt_value *doc) {
    const jt_value *head = jt_get(doc, "audit_head");
    snprintf(g_head, sizeof g_head, "%.0f:%s", jt_num(jt_get(head, "seq")), jt_str(jt_get(head, "hash")));
}

static void test_open_and_init(void) {
    ck_buf *out = NULL;
    ck_keyring *kr = SENTINEL;
    EXPECT(CK_NULL_PARAMETER, ck_keyring_open(NULL, g_audit, &kr, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_keyring_open(g_manifest, NULL, &kr, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_keyring_open("", g_audit, &kr, ERR));
    CHECK(kr == SENTINEL, "failed open wrote *keyring_out");
    EXPECT(CK_NULL_PARAMETER, ck_keyring_open(g_manifest, g_audit, NULL, ERR));
    EXPECT(CK_OK, ck_keyring_open(g_manifest, g_audit, &g_kr, ERR));

    /* Nothing exists yet. */
    EXPECT(CK_NOT_FOUND, ck_keyring_status(g_kr, T0, &out, ERR));
    EXPECT(CK_OK, ck_keyring_manifest(g_kr, &out, ERR));
    jt_value *m = TAKE_JSON(out);
    CHECK(jt_is_null(jt_get(m, "manifest")) && jt_num(jt_get(m, "revision")) == 0, "manifest before init");
    jt_free(m);

    /* Bad arguments change nothing. */
    EXPECT(CK_NULL_PARAMETER, ck_keyring_init(NULL, NULL, "alice", "new", T0, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_keyring_init(g_kr, NULL, NULL, "new", T0, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_keyring_init(g_kr, NULL, "alice", "new", "2026-01-05 09:00", ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_keyring_init(g_kr, "{\"period_days\":0}", "alice", "new", T0, ERR));
    EXPECT(CK_INVALID_ARGUMENT,
           ck_keyring_init(g_kr, "{\"period_days\":30,\"transition_window_days\":30}", "alice", "new", T0, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_keyring_init(g_kr, "{\"period\":365}", "alice", "new", T0, ERR));

    EXPECT(CK_OK, ck_keyring_init(g_kr, "{\"period_days\":365,\"transition_window_days\":30}", "alice",
                                  "new keyring", T0, ERR));
    EXPECT(CK_CONFLICT, ck_keyring_init(g_kr, NULL, "alice", "again", T0, ERR));

    EXPECT(CK_OK, ck_keyring_status(g_kr, T0, &out, ERR));
    jt_value *st = TAKE_JSON(out);
    CHECK(jt_is_null(jt_get(st, "active_key")) && jt_len(jt_get(st, "keys")) == 0, "empty keyring");
    CHECK(jt_bool(jt_get(jt_get(st, "due"), "rotation_due")), "rotation due without a key");
    CHECK(jt_num(jt_get(jt_get(st, "policy"), "period_days")) == 365, "policy kept");
    jt_free(st);
}

static void test_rotations_and_signing(void) {
    ck_buf *out = SENTINEL;
    /* Argument checks before any work. */
    EXPECT(CK_INVALID_ARGUMENT, ck_keyring_rotate(g_kr, g_store, (ck_algorithm)999, PW, PW_LEN, FAST_KEY, "alice",
                                                  "first key", T0, &out, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_keyring_rotate(g_kr, g_store, CK_ALGORITHM_ECDSA_P256, PW, PW_LEN,
                                                  "{\"scrypt\":{\"n\":1024,\"r\":8,\"p\":1},\"x\":1}", "alice",
                                                  "first key", T0, &out, ERR));
    /* No password means a KMS key, which takes no scrypt parameters. */
    EXPECT(CK_INVALID_ARGUMENT, ck_keyring_rotate(g_kr, "hashivault://release", CK_ALGORITHM_ECDSA_P256, NULL, 0,
                                                  FAST_KEY, "alice", "first key", T0, &out, ERR));
    EXPECT(CK_INVALID_KDF_PARAMS, ck_keyring_rotate(g_kr, g_store, CK_ALGORITHM_ECDSA_P256, PW, PW_LEN,
                                                    "{\"scrypt\":{\"n\":1000,\"r\":8,\"p\":1}}", "alice",
                                                    "first key", T0, &out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_keyring_rotate(g_kr, g_store, CK_ALGORITHM_ECDSA_P256, PW, PW_LEN, FAST_KEY,
                                                "alice", "first key", T0, NULL, ERR));
    /* The core's actor rule, the same in every language: a blank who is refused. */
    EXPECT(CK_INVALID_ARGUMENT, ck_keyring_rotate(g_kr, g_store, CK_ALGORITHM_ECDSA_P256, PW, PW_LEN, FAST_KEY,
                                                  " \t", "first key", T0, &out, ERR));
    CHECK(out == SENTINEL, "failed rotate wrote *json_out");

    /* 1. The first key. */
    EXPECT(CK_OK, ck_keyring_rotate(g_kr, g_store, CK_ALGORITHM_ECDSA_P256, PW, PW_LEN, FAST_KEY, "alice",
                                    "first key", T0, &out, ERR));
    jt_value *r1 = TAKE_JSON(out);
    CHECK(jt_num(jt_get(r1, "new_key")) == 1 && jt_is_null(jt_get(r1, "old_key")), "first rotation: key 1");
    CHECK(strcmp(jt_str(jt_get(r1, "kind")), "rotate") == 0, "kind rotate");
    CHECK(strcmp(jt_str(jt_get(jt_get(r1, "location"), "kind")), "store") == 0 &&
              is_file_uri_of(jt_str(jt_get(jt_get(r1, "location"), "uri")), g_store),
          "the key lives in the store");
    CHECK(strncmp(jt_str(jt_get(r1, "new_fingerprint")), "SHA256:", 7) == 0, "fingerprint text");
    jt_free(r1);

    /* 2. Sign with it (verifies with the trust bundle's key), and record a
     *    signature made elsewhere. */
    char hex1[72], hex2[72];
    uint8_t d1[32], d2[32];
    digest_of(1, hex1, d1);
    digest_of(2, hex2, d2);
    EXPECT(CK_INVALID_ARGUMENT, ck_keyring_sign_digest(g_kr, "registry.example/app:1.0", "sha256:xyz", "pipeline-1",
                                                       PW, PW_LEN, "ci", "release", T_SIGN, &out, ERR));
    EXPECT(CK_DECRYPTION_FAILED, ck_keyring_sign_digest(g_kr, "registry.example/app:1.0", hex1, "pipeline-1",
                                                        (const uint8_t *)"wrong", 5, "ci", "release", T_SIGN, &out,
                                                        ERR));
    EXPECT(CK_OK, ck_keyring_sign_digest(g_kr, "registry.example/app:1.0", hex1, "pipeline-1", PW, PW_LEN, "ci",
                                         "release", T_SIGN, &out, ERR));
    jt_value *signed1 = TAKE_JSON(out);
    CHECK(jt_num(jt_get(signed1, "key_id")) == 1 && strcmp(jt_str(jt_get(signed1, "signed_at")), T_SIGN) == 0,
          "signed by key 1 at the given time");
    EXPECT(CK_OK, ck_keyring_trust_bundle_json(g_kr, T_SIGN, &out, ERR));
    jt_value *tb = TAKE_JSON(out);
    const char *key1_pem = jt_str(jt_get(jt_at(jt_get(tb, "keys"), 0), "public_key"));
    CHECK(verifies(key1_pem, d1, jt_str(jt_get(signed1, "signature"))), "signature verifies with key 1");
    char *key1_copy = strdup(key1_pem);
    jt_free(tb);
    jt_free(signed1);

    EXPECT(CK_INVALID_FINGERPRINT, ck_keyring_record_signing(g_kr, "registry.example/api:2.3", hex2, "pipeline-2",
                                                             "SHA256:nope", "ci", NULL, T_SIGN, &out, ERR));
    EXPECT(CK_OK, ck_keyring_record_signing(g_kr, "registry.example/api:2.3", hex2, "pipeline-2", NULL, "ci", NULL,
                                            T_SIGN, &out, ERR));
    jt_value *ev = TAKE_JSON(out);
    CHECK(jt_num(jt_get(ev, "key_id")) == 1 && strcmp(jt_str(jt_get(ev, "pipeline")), "pipeline-2") == 0,
          "recorded against the active key");
    jt_free(ev);
    EXPECT(CK_OK, ck_keyring_resign_list(g_kr, &out, ERR));
    jt_value *rl = TAKE_JSON(out);
    CHECK(jt_len(rl) == 0, "nothing to re-sign while key 1 is active");
    jt_free(rl);

    /* 3. Rotation falls due after a year, not before. */
    EXPECT(CK_OK, ck_keyring_due(g_kr, T_NOT_DUE, &out, ERR));
    jt_value *due = TAKE_JSON(out);
    CHECK(!jt_bool(jt_get(due, "rotation_due")) && strcmp(jt_str(jt_get(due, "rotation_due_at")), T1) == 0,
          "due at T1, not before");
    jt_free(due);
    EXPECT(CK_OK, ck_keyring_due(g_kr, T1, &out, ERR));
    due = TAKE_JSON(out);
    CHECK(jt_bool(jt_get(due, "rotation_due")), "due at T1");
    jt_free(due);

    /* 4. The second rotation: key 2 active, key 1 trusted for 30 days. */
    EXPECT(CK_OK, ck_keyring_rotate(g_kr, g_store, CK_ALGORITHM_ECDSA_P256, PW, PW_LEN, FAST_KEY, "alice",
                                    "annual rotation", T1, &out, ERR));
    jt_value *r2 = TAKE_JSON(out);
    CHECK(jt_num(jt_get(r2, "new_key")) == 2 && jt_num(jt_get(r2, "old_key")) == 1, "second rotation: 1 -> 2");
    CHECK(strcmp(jt_str(jt_get(r2, "old_trusted_until")), "2027-02-04T09:00:00Z") == 0, "30-day window");
    CHECK(jt_num(jt_get(jt_get(r2, "location"), "version")) == 2, "store version 2");
    jt_free(r2);

    EXPECT(CK_OK, ck_keyring_status(g_kr, T1_NEXT, &out, ERR));
    jt_value *st = TAKE_JSON(out);
    CHECK(jt_num(jt_get(st, "active_key")) == 2, "key 2 active");
    CHECK(strcmp(state_of(st, 1), "deactivated") == 0 && strcmp(state_of(st, 2), "active") == 0,
          "states: %s, %s", state_of(st, 1), state_of(st, 2));
    CHECK(jt_bool(jt_get(key_in(st, 1), "trusted")) && jt_len(jt_get(st, "trusted")) == 2, "both trusted");
    CHECK(strncmp(jt_str(jt_get(key_in(st, 1), "status")), "deactivated (trusted until", 26) == 0,
          "status words: %s", jt_str(jt_get(key_in(st, 1), "status")));
    CHECK(jt_num(jt_get(st, "resign_count")) == 2, "two artifacts to re-sign");
    CHECK(jt_is_null(jt_get(st, "pending")), "nothing pending");
    jt_free(st);

    /* 5. The trust bundle holds both keys, active first. */
    EXPECT(CK_OK, ck_keyring_trust_bundle(g_kr, T1_NEXT, &out, ERR));
    CHECK(count_of((const char *)ck_buf_data(out), "-----BEGIN PUBLIC KEY-----") == 2, "PEM bundle of 2 keys");
    CHECK(strstr((const char *)ck_buf_data(out), key1_copy) != NULL, "key 1 in the bundle");
    ck_buf_free(out);
    EXPECT(CK_OK, ck_keyring_trust_bundle_json(g_kr, T1_NEXT, &out, ERR));
    tb = TAKE_JSON(out);
    CHECK(jt_len(jt_get(tb, "keys")) == 2 && jt_num(jt_get(jt_at(jt_get(tb, "keys"), 0), "id")) == 2 &&
              jt_num(jt_get(jt_at(jt_get(tb, "keys"), 1), "id")) == 1,
          "bundle order 2, 1");
    jt_free(tb);
    /* After the window, only key 2. */
    EXPECT(CK_OK, ck_keyring_trust_bundle(g_kr, "2027-02-04T09:00:00Z", &out, ERR));
    CHECK(count_of((const char *)ck_buf_data(out), "-----BEGIN PUBLIC KEY-----") == 1, "window over");
    ck_buf_free(out);

    char trust[256], file[300];
    path_of(trust, sizeof trust, "trust");
    EXPECT(CK_OK, ck_keyring_distribute(g_kr, trust, "alice", "ship keys", T1_NEXT, &out, ERR));
    jt_value *dist = TAKE_JSON(out);
    CHECK(jt_len(jt_get(dist, "keys")) == 2, "distributed 2 keys");
    jt_free(dist);
    snprintf(file, sizeof file, "%s/cosign.pub.old", trust);
    char *old = read_file(file);
    CHECK(old && strcmp(old, key1_copy) == 0, "cosign.pub.old is key 1");
    free(old);
    snprintf(file, sizeof file, "%s/cosign-trust-bundle.pem", trust);
    char *bundle = read_file(file);
    CHECK(bundle && count_of(bundle, "-----BEGIN PUBLIC KEY-----") == 2, "bundle file");
    free(bundle);
    free(key1_copy);

    /* 6. Re-sign list: both artifacts signed by key 1. */
    EXPECT(CK_OK, ck_keyring_resign_list(g_kr, &out, ERR));
    rl = TAKE_JSON(out);
    CHECK(jt_len(rl) == 2, "two to re-sign");
    CHECK(strncmp(jt_str(jt_get(jt_at(rl, 0), "key_state")), "deactivated", 11) == 0, "signed by a deactivated key");
    jt_free(rl);
}

static void test_invalid_transitions_and_revocation(void) {
    ck_buf *out = SENTINEL;
    /* Key 1's window is still open; key 2 is active. */
    EXPECT_MSG(CK_INVALID_TRANSITION, "window", ck_keyring_retire(g_kr, "1", "alice", "tidy", T1_NEXT, &out, ERR));
    EXPECT(CK_INVALID_TRANSITION, ck_keyring_retire(g_kr, "2", "alice", "tidy", T1_NEXT, &out, ERR));
    EXPECT(CK_INVALID_TRANSITION, ck_keyring_destroy(g_kr, "2", "alice", "tidy", T1_NEXT, &out, ERR));
    EXPECT(CK_INVALID_TRANSITION, ck_keyring_destroy(g_kr, "1", "alice", "tidy", T1_NEXT, &out, ERR));
    EXPECT(CK_NOT_FOUND, ck_keyring_destroy(g_kr, "9", "alice", "tidy", T1_NEXT, &out, ERR));
    CHECK(out == SENTINEL, "failed calls wrote *json_out");
    /* Nothing due to retire yet: an empty list. */
    EXPECT(CK_OK, ck_keyring_retire(g_kr, NULL, "alice", "tidy", T1_NEXT, &out, ERR));
    jt_value *ret = TAKE_JSON(out);
    CHECK(jt_len(jt_get(ret, "retired")) == 0, "nothing retired");
    jt_free(ret);

    /* Revoke the deactivated key 1: untrusted at once. */
    EXPECT(CK_INVALID_ARGUMENT, ck_keyring_revoke(g_kr, "1", "leaked", "", "alice", T2, &out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_keyring_revoke(g_kr, "1", NULL, "INC-1", "alice", T2, &out, ERR));
    EXPECT(CK_OK, ck_keyring_revoke(g_kr, "1", "old key found on a laptop", "INC-1", "alice", T2, &out, ERR));
    jt_value *rv = TAKE_JSON(out);
    CHECK(jt_num(jt_get(rv, "key")) == 1 && strcmp(jt_str(jt_get(rv, "previous_state")), "deactivated") == 0 &&
              jt_num(jt_get(rv, "active_key")) == 2 && strcmp(jt_str(jt_get(rv, "incident")), "INC-1") == 0,
          "revocation outcome");
    jt_free(rv);
    EXPECT(CK_INVALID_TRANSITION, ck_keyring_revoke(g_kr, "1", "again", "INC-1", "alice", T2, &out, ERR));
    EXPECT(CK_OK, ck_keyring_trust_bundle(g_kr, T2, &out, ERR));
    CHECK(count_of((const char *)ck_buf_data(out), "-----BEGIN PUBLIC KEY-----") == 1, "key 1 untrusted at once");
    ck_buf_free(out);

    /* Key 2 is compromised: emergency rotation to key 3 in one call. */
    EXPECT(CK_INVALID_ARGUMENT,
           ck_keyring_emergency_rotate(g_kr, "2", "key in a CI log", "INC-2", g_store, CK_ALGORITHM_ECDSA_P256, PW,
                                       PW_LEN, "{\"transition_window_days\":3}", "alice", T3, &out, ERR));
    EXPECT(CK_OK, ck_keyring_emergency_rotate(g_kr, "2", "key in a CI log", "INC-2", g_store,
                                              CK_ALGORITHM_ECDSA_P256, PW, PW_LEN, FAST_KEY, "alice", T3, &out, ERR));
    jt_value *er = TAKE_JSON(out);
    CHECK(jt_num(jt_get(er, "new_key")) == 3 && jt_num(jt_get(er, "old_key")) == 2 &&
              strcmp(jt_str(jt_get(er, "kind")), "emergency-rotate") == 0 && jt_is_null(jt_get(er, "old_trusted_until")),
          "emergency rotation outcome");
    jt_free(er);
    /* A compromised key never comes back. */
    EXPECT(CK_INVALID_TRANSITION,
           ck_keyring_emergency_rotate(g_kr, "2", "key in a CI log", "INC-2", g_store, CK_ALGORITHM_ECDSA_P256, PW,
                                       PW_LEN, FAST_KEY, "alice", T3, &out, ERR));

    EXPECT(CK_OK, ck_keyring_status(g_kr, T3, &out, ERR));
    jt_value *st = TAKE_JSON(out);
    CHECK(strcmp(state_of(st, 1), "compromised") == 0 && strcmp(state_of(st, 2), "compromised") == 0 &&
              strcmp(state_of(st, 3), "active") == 0,
          "states after the incident");
    CHECK(jt_len(jt_get(st, "trusted")) == 1, "only key 3 trusted");
    CHECK(strcmp(jt_str(jt_get(jt_get(key_in(st, 2), "compromise"), "incident")), "INC-2") == 0, "incident kept");
    jt_free(st);

    /* Destroy key 1's private material; the record stays. */
    EXPECT(CK_OK, ck_keyring_destroy(g_kr, "1", "alice", "incident cleanup", T3, &out, ERR));
    jt_value *ds = TAKE_JSON(out);
    CHECK(jt_num(jt_get(jt_get(ds, "audit_head"), "seq")) > 10, "destroy audited");
    jt_free(ds);
    ck_private_key *key = SENTINEL;
    EXPECT(CK_INVALID_TRANSITION, ck_keyring_unlock(g_kr, "1", PW, PW_LEN, "alice", "look", T3, &key, ERR));
    CHECK(key == SENTINEL, "failed unlock wrote *key_out");

    /* The active key signs. */
    EXPECT(CK_OK, ck_keyring_unlock(g_kr, NULL, PW, PW_LEN, "alice", "check", T3, &key, ERR));
    uint8_t digest[32] = {7};
    ck_buf *sig = NULL;
    EXPECT(CK_OK, ck_private_key_sign_digest(key, digest, 32, &sig, ERR));
    ck_buf *b64 = NULL;
    EXPECT(CK_OK, ck_signature_to_base64(ck_buf_data(sig), ck_buf_len(sig), &b64, ERR));
    EXPECT(CK_OK, ck_keyring_trust_bundle_json(g_kr, T3, &out, ERR));
    jt_value *tb = TAKE_JSON(out);
    CHECK(verifies(jt_str(jt_get(jt_at(jt_get(tb, "keys"), 0), "public_key")), digest, (const char *)ck_buf_data(b64)),
          "unlocked active key signs for the bundle");
    jt_free(tb);
    ck_buf_free(b64);
    ck_buf_free(sig);
    ck_private_key_free(key);

    /* Nothing pending to resume; the manifest has three keys. */
    EXPECT(CK_OK, ck_keyring_resume(g_kr, NULL, CK_ALGORITHM_NONE, NULL, 0, NULL, T3, &out, ERR));
    jt_value *rs = TAKE_JSON(out);
    CHECK(jt_is_null(jt_get(rs, "completed")), "nothing to resume");
    jt_free(rs);
    EXPECT(CK_OK, ck_keyring_manifest(g_kr, &out, ERR));
    jt_value *m = TAKE_JSON(out);
    CHECK(jt_len(jt_get(jt_get(m, "manifest"), "keys")) == 3 && jt_num(jt_get(m, "revision")) > 5, "manifest");
    jt_free(m);

    /* Policy change. */
    EXPECT(CK_NULL_PARAMETER, ck_keyring_set_policy(g_kr, NULL, "alice", "quarterly", T3, ERR));
    EXPECT(CK_OK, ck_keyring_set_policy(g_kr, "{\"period_days\":90}", "alice", "quarterly", T3, ERR));
    EXPECT(CK_OK, ck_keyring_status(g_kr, T3, &out, ERR));
    st = TAKE_JSON(out);
    CHECK(jt_num(jt_get(jt_get(st, "policy"), "period_days")) == 90 &&
              jt_num(jt_get(jt_get(st, "policy"), "transition_window_days")) == 30,
          "quarterly policy");
    keep_head(st);
    jt_free(st);
}

static void test_audit(void) {
    ck_buf *out = NULL;
    EXPECT(CK_OK, ck_audit_verify(g_audit, g_head, &out, ERR));
    jt_value *rep = TAKE_JSON(out);
    double records = jt_num(jt_get(rep, "records"));
    CHECK(records > 10 && jt_num(jt_get(jt_get(rep, "head"), "seq")) == records, "verified %.0f records", records);
    jt_free(rep);
    EXPECT(CK_OK, ck_audit_head(g_audit, &out, ERR));
    CHECK(strcmp((const char *)ck_buf_data(out), g_head) == 0, "head %s == %s", (const char *)ck_buf_data(out), g_head);
    ck_buf_free(out);
    EXPECT(CK_INVALID_ARGUMENT, ck_audit_verify(g_audit, "12:nothex", &out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_audit_verify(NULL, NULL, &out, ERR));
    /* The core's one head parser: blanks ignored, hash lowercased. */
    EXPECT(CK_OK, ck_audit_head_parse(" 7:ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB\n", &out, ERR));
    jt_value *parsed = TAKE_JSON(out);
    CHECK(jt_num(jt_get(parsed, "seq")) == 7 &&
              strcmp(jt_str(jt_get(parsed, "hash")),
                     "abababababababababababababababababababababababababababababababab") == 0,
          "parsed head");
    jt_free(parsed);
    EXPECT(CK_INVALID_ARGUMENT, ck_audit_head_parse("12:nothex", &out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_audit_head_parse(NULL, &out, ERR));

    EXPECT(CK_OK, ck_audit_entries(g_audit, &out, ERR));
    jt_value *entries = TAKE_JSON(out);
    CHECK(jt_len(entries) == (int)records, "one entry per record");
    CHECK(strcmp(jt_str(jt_get(jt_at(entries, 0), "event")), "keyring.created") == 0 &&
              jt_num(jt_get(jt_at(entries, 0), "seq")) == 1 && strcmp(jt_str(jt_get(jt_at(entries, 0), "time")), T0) == 0,
          "first record");
    int rotated = 0, compromised = 0, signed_ = 0;
    for (int i = 0; i < jt_len(entries); i++) {
        const char *ev = jt_str(jt_get(jt_at(entries, i), "event"));
        rotated += strcmp(ev, "key.rotated") == 0;
        compromised += strcmp(ev, "key.compromised") == 0;
        signed_ += strcmp(ev, "artifact.signed") == 0;
        CHECK(jt_get(jt_at(entries, i), "prev") == NULL, "no prev hash in entries");
    }
    CHECK(rotated == 3 && compromised >= 2 && signed_ == 2, "rotated %d, compromised %d, signed %d", rotated,
          compromised, signed_);
    jt_free(entries);
    /* A missing log is an empty one. */
    char missing[256];
    EXPECT(CK_OK, ck_audit_head(path_of(missing, sizeof missing, "nothing.jsonl"), &out, ERR));
    CHECK(strncmp((const char *)ck_buf_data(out), "0:0000", 6) == 0, "empty head");
    ck_buf_free(out);
}

static void test_backup_and_recovery(void) {
    ck_buf *out = NULL;
    char backup[256], backup_pw[256], target[256], target_audit[256], target_store[256], options[1024];
    path_of(backup, sizeof backup, "offsite-backup.age");
    path_of(backup_pw, sizeof backup_pw, "offsite-backup-pw.age");
    path_of(target, sizeof target, "restored/keyring.json");
    path_of(target_audit, sizeof target_audit, "restored/audit.jsonl");
    path_of(target_store, sizeof target_store, "restored/keys");

    EXPECT(CK_INVALID_ARGUMENT,
           ck_backup_create(g_kr, backup, NULL, 0, 0, 0, FAST_BACKUP, "alice", "backup", T3, &out, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_backup_create(g_kr, backup, (const uint8_t *)"pass", 4, 2, 3, FAST_BACKUP, "alice",
                                                 "backup", T3, &out, ERR));
    EXPECT(CK_INVALID_ARGUMENT,
           ck_backup_create(g_kr, backup, NULL, 0, 4, 3, FAST_BACKUP, "alice", "backup", T3, &out, ERR));

    /* 2-of-3 shares. */
    EXPECT(CK_OK, ck_backup_create(g_kr, backup, NULL, 0, 2, 3, FAST_BACKUP, "alice", "quarterly backup", T3, &out,
                                   ERR));
    jt_value *made = TAKE_JSON(out);
    const jt_value *summary = jt_get(made, "summary");
    const jt_value *shares = jt_get(made, "shares");
    CHECK(jt_num(jt_get(summary, "threshold")) == 2 && jt_num(jt_get(summary, "shares")) == 3 && jt_len(shares) == 3,
          "2 of 3 shares");
    CHECK(jt_len(jt_get(summary, "keys")) == 2, "keys 2 and 3 backed up (1 was destroyed)");
    for (int i = 0; i < jt_len(shares); i++)
        CHECK(strncmp(jt_str(jt_at(shares, i)), "CKS1-", 5) == 0, "share %d text", i);
    struct stat sb;
    CHECK(stat(backup, &sb) == 0 && (sb.st_mode & 0777) == 0600, "backup file mode 0600");
    EXPECT(CK_ALREADY_EXISTS,
           ck_backup_create(g_kr, backup, NULL, 0, 2, 3, FAST_BACKUP, "alice", "again", T3, &out, ERR));

    char one[512], two[1024];
    snprintf(one, sizeof one, "[\"%s\"]", jt_str(jt_at(shares, 0)));
    snprintf(two, sizeof two, "[\"%s\", \"%s\"]", jt_str(jt_at(shares, 1)), jt_str(jt_at(shares, 2)));
    snprintf(options, sizeof options, "{\"store_map\":{\"%s\":\"%s\"}}", g_store, target_store);

    /* combine: any two give the 64-hex passphrase; one does not. */
    EXPECT(CK_OK, ck_backup_combine_shares(two, &out, ERR));
    CHECK(ck_buf_len(out) == 64, "passphrase of 64 hex digits");
    ck_buf_free(out);
    EXPECT_MSG(CK_RECOVERY_FAILED, "2 of 3 shares needed, 1 given", ck_backup_combine_shares(one, &out, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_backup_combine_shares("[1,2]", &out, ERR));

    /* One share: refused, clearly, and nothing is written. */
    EXPECT_MSG(CK_RECOVERY_FAILED, "2 of 3 shares needed, 1 given",
               ck_backup_recover(backup, NULL, 0, one, target, target_audit, options, "bob", "disaster drill", T3, &out,
                                 ERR));
    CHECK(access(target, F_OK) != 0, "no keyring written after a failed recovery");
    EXPECT(CK_INVALID_ARGUMENT, ck_backup_recover(backup, (const uint8_t *)"x", 1, two, target, target_audit, options,
                                                  "bob", "drill", T3, &out, ERR));
    EXPECT(CK_NULL_PARAMETER,
           ck_backup_recover(backup, NULL, 0, NULL, target, target_audit, options, "bob", "drill", T3, &out, ERR));

    /* Two shares: the keyring comes back, keys in the mapped store. */
    EXPECT(CK_OK, ck_backup_recover(backup, NULL, 0, two, target, target_audit, options, "bob", "disaster drill", T3,
                                    &out, ERR));
    jt_value *rec = TAKE_JSON(out);
    CHECK(jt_len(jt_get(rec, "keys")) == 2 && jt_bool(jt_get(rec, "audit_restored")), "recovered 2 keys and the log");
    CHECK(is_file_uri_of(jt_str(jt_get(jt_get(jt_at(jt_get(rec, "keys"), 0), "location"), "uri")), target_store),
          "restored into the mapped store");
    jt_free(rec);
    EXPECT(CK_CONFLICT, ck_backup_recover(backup, NULL, 0, two, target, target_audit, options, "bob", "again", T3,
                                          &out, ERR));
    jt_free(made);

    /* The recovered keyring: key 3 active, it signs and verifies, and the
     * restored audit log (with the recovery record) verifies. */
    ck_keyring *kr = NULL;
    EXPECT(CK_OK, ck_keyring_open(target, target_audit, &kr, ERR));
    EXPECT(CK_OK, ck_keyring_status(kr, T3, &out, ERR));
    jt_value *st = TAKE_JSON(out);
    CHECK(jt_num(jt_get(st, "active_key")) == 3 && strcmp(state_of(st, 2), "compromised") == 0 &&
              strcmp(state_of(st, 1), "destroyed") == 0,
          "recovered states");
    keep_head(st);
    jt_free(st);
    char hex[72];
    uint8_t d[32];
    digest_of(9, hex, d);
    EXPECT(CK_OK, ck_keyring_sign_digest(kr, "registry.example/app:1.1", hex, "pipeline-10", PW, PW_LEN, "ci",
                                         "after recovery", T3, &out, ERR));
    jt_value *sg = TAKE_JSON(out);
    EXPECT(CK_OK, ck_keyring_trust_bundle_json(kr, T3, &out, ERR));
    jt_value *tb = TAKE_JSON(out);
    CHECK(verifies(jt_str(jt_get(jt_at(jt_get(tb, "keys"), 0), "public_key")), d, jt_str(jt_get(sg, "signature"))),
          "a recovered key signs and verifies");
    jt_free(tb);
    jt_free(sg);
    ck_keyring_free(kr);
    EXPECT(CK_OK, ck_audit_verify(target_audit, NULL, &out, ERR));
    ck_buf_free(out);

    /* A passphrase backup refuses a wrong passphrase. */
    static const uint8_t PASS[] = "offline backup passphrase";
    EXPECT(CK_OK, ck_backup_create(g_kr, backup_pw, PASS, sizeof PASS - 1, 0, 0, FAST_BACKUP, "alice", "backup", T3,
                                   &out, ERR));
    jt_value *pw_made = TAKE_JSON(out);
    CHECK(jt_len(jt_get(pw_made, "shares")) == 0 && jt_is_null(jt_get(jt_get(pw_made, "summary"), "threshold")),
          "no shares for a passphrase backup");
    jt_free(pw_made);
    char other[256], other_audit[256];
    path_of(other, sizeof other, "other/keyring.json");
    path_of(other_audit, sizeof other_audit, "other/audit.jsonl");
    EXPECT(CK_RECOVERY_FAILED, ck_backup_recover(backup_pw, (const uint8_t *)"wrong", 5, NULL, other, other_audit,
                                                 NULL, "bob", "drill", T3, &out, ERR));
    EXPECT(CK_IO, ck_backup_recover(other, PASS, sizeof PASS - 1, NULL, other, other_audit, NULL, "bob", "drill", T3,
                                    &out, ERR));
}

static void test_tampering(void) {
    ck_buf *out = NULL;
    /* The head kept before the backups; re-read it now. */
    EXPECT(CK_OK, ck_audit_head(g_audit, &out, ERR));
    snprintf(g_head, sizeof g_head, "%s", (const char *)ck_buf_data(out));
    ck_buf_free(out);
    char *original = read_file(g_audit);
    CHECK(original != NULL, "audit log readable");
    if (!original) return;
    size_t n = strlen(original);

    /* Edit one record (same length): the chain breaks there. */
    char *edited = strdup(original);
    char *line3 = strchr(strchr(edited, '\n') + 1, '\n') + 1;
    char *who = strstr(line3, "\"who\":\"");
    CHECK(who != NULL, "record 3 has a who");
    if (who) who[7] ^= 0x01;
    write_file(g_audit, edited, n);
    EXPECT_MSG(CK_AUDIT_TAMPERED, "record", ck_audit_verify(g_audit, NULL, &out, ERR));
    free(edited);

    /* Cut the last record off: only the kept head can tell. */
    char *cut = strdup(original);
    cut[n - 1] = '\0';
    char *last_nl = strrchr(cut, '\n');
    size_t cut_len = last_nl ? (size_t)(last_nl - cut) + 1 : 0;
    write_file(g_audit, cut, cut_len);
    EXPECT(CK_OK, ck_audit_verify(g_audit, NULL, &out, ERR));
    ck_buf_free(out);
    EXPECT(CK_AUDIT_TAMPERED, ck_audit_verify(g_audit, g_head, &out, ERR));
    free(cut);

    /* Restored byte for byte, it verifies again. */
    write_file(g_audit, original, n);
    EXPECT(CK_OK, ck_audit_verify(g_audit, g_head, &out, ERR));
    ck_buf_free(out);
    free(original);
}

int main(void) {
    snprintf(g_dir, sizeof g_dir, "/tmp/ck-lifecycle-XXXXXX");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 2;
    }
    path_of(g_manifest, sizeof g_manifest, "keyring.json");
    path_of(g_audit, sizeof g_audit, "audit.jsonl");
    path_of(g_store, sizeof g_store, "keys");

    test_open_and_init();
    test_rotations_and_signing();
    test_invalid_transitions_and_revocation();
    test_audit();
    test_backup_and_recovery();
    test_tampering();
    ck_keyring_free(g_kr);
    ck_keyring_free(NULL);

    const ck_status reachable[] = {
        CK_NULL_PARAMETER, CK_INVALID_ARGUMENT, CK_INVALID_KDF_PARAMS, CK_INVALID_FINGERPRINT,
        CK_DECRYPTION_FAILED, CK_ALREADY_EXISTS, CK_IO, CK_NOT_FOUND, CK_CONFLICT,
        CK_INVALID_TRANSITION, CK_AUDIT_TAMPERED, CK_RECOVERY_FAILED,
    };
    for (size_t i = 0; i < sizeof reachable / sizeof reachable[0]; i++)
        CHECK(g_seen[reachable[i]], "error code %s was never reached", name_of(reachable[i]));

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", g_dir);

    printf("c lifecycle: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
