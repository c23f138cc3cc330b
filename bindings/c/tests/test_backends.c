/*
 * test_backends.c: the key store (ck_store_*) and KMS (ck_kms_*) functions of
 * the C ABI: URI checks, argument checks and error codes, a round trip
 * through a directory store in a temporary directory and through env://, and,
 * when their servers are configured, Vault KV v2 and transit (VAULT_ADDR,
 * VAULT_TOKEN: scripts/servers/openbao.sh env) and AWS KMS on moto
 * (COSIGN_KEYS_TEST_AWSKMS_ENDPOINT: scripts/servers/moto.sh env). A server
 * that is not configured is skipped with a printed reason; one that is
 * configured but misbehaves fails the tests. Azure Key Vault (azure-secret://,
 * azurekms://) runs on the Lowkey Vault emulator when COSIGN_KEYS_TEST_AZURE_VAULT
 * is set (scripts/servers/azure-kv.sh env, with COSIGN_KEYS_AZURE_TOKEN and
 * COSIGN_KEYS_AZURE_CA_BUNDLE).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static const uint8_t BPW[] = "store password";
#define BPW_LEN (sizeof BPW - 1)
static const uint8_t BLOB[] = "an artifact signed in a KMS";
#define BLOB_LEN (sizeof BLOB - 1)
#define CHEAP_N 1024

static void skip(const char *what, const char *why) { printf("SKIP %s: %s\n", what, why); }

/* Opens a store (a failure is a test failure): 1 with *out set, else 0. */
static int open_store(const char *what, const char *uri, ck_store **out) {
    ck_error *err = NULL;
    ck_status st = ck_store_open(uri, out, &err);
    expect_status(st, err, CK_OK, what, __FILE__, __LINE__);
    return st == CK_OK;
}

/* Opens a KMS key (a failure is a test failure). */
static int open_kms(const char *what, const char *uri, ck_kms **out) {
    ck_error *err = NULL;
    ck_status st = ck_kms_open(uri, out, &err);
    expect_status(st, err, CK_OK, what, __FILE__, __LINE__);
    return st == CK_OK;
}

/* Number of non-overlapping occurrences of `needle` in `hay`. */
static int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

/* A fresh P-256 key and its Cosign key file (cheap scrypt cost). */
typedef struct {
    ck_private_key *key;
    ck_public_key *pub;
    ck_encrypted_key *sealed;
    ck_fingerprint fp;
} keypair;

static int make_pair(keypair *kp) {
    memset(kp, 0, sizeof *kp);
    ck_buf *pem = NULL;
    EXPECT(CK_OK, ck_private_key_generate(CK_ALGORITHM_ECDSA_P256, &kp->key, ERR));
    EXPECT(CK_OK, ck_private_key_public_key(kp->key, &kp->pub, ERR));
    EXPECT(CK_OK, ck_private_key_encrypt_with_params(kp->key, BPW, BPW_LEN, CHEAP_N, 8, 1, &pem, ERR));
    EXPECT(CK_OK, ck_encrypted_key_from_pem(data(pem), len(pem), &kp->sealed, ERR));
    EXPECT(CK_OK, ck_public_key_fingerprint(kp->pub, &kp->fp, ERR));
    ck_buf_free(pem);
    return kp->key && kp->pub && kp->sealed;
}

static void free_pair(keypair *kp) {
    ck_private_key_free(kp->key);
    ck_public_key_free(kp->pub);
    ck_encrypted_key_free(kp->sealed);
}

/* The fingerprint of a public key as `SHA256:...` text. */
static void fp_text(const ck_fingerprint *fp, char out[CK_FINGERPRINT_STRING_SIZE]) {
    out[0] = '\0';
    EXPECT(CK_OK, ck_fingerprint_to_string(fp, out, CK_FINGERPRINT_STRING_SIZE, ERR));
}

/* Reads a stored key and checks the whole chain: the stored public key is the
 * expected one (same fingerprint as the metadata says), the stored encrypted
 * key decrypts with `pw` to the same key, and that key signs a blob the
 * stored public key verifies. */
static void check_stored(const char *where, const ck_stored_key *sk, const keypair *want, const uint8_t *pw,
                         size_t pw_len) {
    ck_encrypted_key *ek = NULL;
    ck_public_key *pub = NULL;
    ck_private_key *opened = NULL;
    ck_buf *meta = NULL, *sig = NULL;
    EXPECT(CK_OK, ck_stored_key_encrypted_key(sk, &ek, ERR));
    EXPECT(CK_OK, ck_stored_key_public_key(sk, &pub, ERR));
    EXPECT(CK_OK, ck_stored_key_metadata(sk, &meta, ERR));
    CHECK(ck_public_key_equal(pub, want->pub), "%s: stored public key differs", where);
    EXPECT(CK_OK, ck_encrypted_key_decrypt(ek, pw, pw_len, 0, 0, &opened, ERR));
    ck_fingerprint fo;
    memset(&fo, 0, sizeof fo);
    EXPECT(CK_OK, ck_private_key_fingerprint(opened, &fo, ERR));
    CHECK(memcmp(&fo, &want->fp, sizeof fo) == 0, "%s: decrypted key has another fingerprint", where);
    char fs[CK_FINGERPRINT_STRING_SIZE], pattern[CK_FINGERPRINT_STRING_SIZE + 32];
    fp_text(&want->fp, fs);
    snprintf(pattern, sizeof pattern, "\"fingerprint\":\"%s\"", fs);
    CHECK(meta && strstr(text(meta), pattern) && strstr(text(meta), "\"algorithm\":\"ecdsa-p256\""),
          "%s: metadata %s lacks %s", where, meta ? text(meta) : "(none)", pattern);
    EXPECT(CK_OK, ck_private_key_sign(opened, BLOB, BLOB_LEN, &sig, ERR));
    EXPECT(CK_OK, ck_public_key_verify(pub, BLOB, BLOB_LEN, data(sig), len(sig), ERR));
    ck_buf_free(sig);
    ck_buf_free(meta);
    ck_private_key_free(opened);
    ck_public_key_free(pub);
    ck_encrypted_key_free(ek);
}

/* ---------------------------------------------------------------------- */
/* URIs, NULL checks, unsupported backends                                */

static void expect_canonical(ck_status (*fn)(const char *, ck_buf **, ck_error **), const char *uri,
                             const char *want) {
    ck_buf *out = NULL;
    EXPECT(CK_OK, fn(uri, &out, ERR));
    CHECK(out && strcmp(text(out), want) == 0, "%s: canonical %s, want %s", uri, out ? text(out) : "(none)", want);
    ck_buf_free(out);
}

static void test_uris_and_arguments(void) {
    expect_canonical(ck_store_uri_check, "keys/prod", "keys/prod");
    expect_canonical(ck_store_uri_check, "file://localhost/etc/cosign/", "file:///etc/cosign");
    expect_canonical(ck_store_uri_check, "file:///etc/cosign?prefix=release", "file:///etc/cosign?prefix=release");
    expect_canonical(ck_store_uri_check, "vault-kv://secret/team/cosign/", "vault-kv://secret/team/cosign");
    expect_canonical(ck_store_uri_check, "env://COSIGN_KEY", "env://COSIGN_KEY");
    expect_canonical(ck_kms_uri_check, "hashivault://release", "hashivault://release");
    expect_canonical(ck_kms_uri_check, "awskms://127.0.0.1:4566/alias/release", "awskms://127.0.0.1:4566/alias/release");
    expect_canonical(ck_store_uri_check, "azure-secret://myvault/cosign-key", "azure-secret://myvault/cosign-key");
    expect_canonical(ck_kms_uri_check, "azurekms://localhost:8443/release", "azurekms://localhost:8443/release");
    expect_canonical(ck_kms_uri_check, "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k",
                     "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k");

    ck_buf *untouched = SENTINEL;
    const char *bad_store[] = {"", "s3://bucket/key", "vault-kv://secret", "env://1X", "file:///x?mode=1",
                               "awskms:///alias/x", "azure-secret://ab/x", "file://evil.example/tmp/x"};
    for (size_t i = 0; i < sizeof bad_store / sizeof bad_store[0]; i++) {
        EXPECT(CK_INVALID_URI, ck_store_uri_check(bad_store[i], &untouched, ERR));
    }
    const char *bad_kms[] = {"hashivault://bad key", "vault-kv://secret/x", "awskms://", "gcpkms://projects/p",
                             "azurekms://nohost"};
    for (size_t i = 0; i < sizeof bad_kms / sizeof bad_kms[0]; i++) {
        EXPECT(CK_INVALID_URI, ck_kms_uri_check(bad_kms[i], &untouched, ERR));
    }
    CHECK(untouched == SENTINEL, "canonical_out written on failure");
    EXPECT(CK_NULL_PARAMETER, ck_store_uri_check(NULL, &untouched, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_kms_uri_check("hashivault://k", NULL, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_store_uri_check("keys/\xff", &untouched, ERR));

    ck_store *store = SENTINEL;
    ck_kms *kms = SENTINEL;
    EXPECT(CK_INVALID_URI, ck_store_open("s3://bucket/key", &store, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_store_open(NULL, &store, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_store_open("keys", NULL, ERR));
    EXPECT(CK_INVALID_URI, ck_kms_open("hashivault://bad key", &kms, ERR));
    EXPECT(CK_NOT_SUPPORTED, ck_kms_open("gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k", &kms, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_kms_open(NULL, &kms, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_kms_open("hashivault://k", NULL, ERR));
    CHECK(store == SENTINEL && kms == SENTINEL, "handle written on failure");

    /* Every function refuses NULL handles and outputs. */
    ck_buf *b = NULL;
    ck_stored_key *sk = NULL;
    ck_stored_public_key *spk = NULL;
    ck_public_key *pub = NULL;
    ck_sign_batch *batch = NULL;
    uint64_t version = 0;
    EXPECT(CK_NULL_PARAMETER, ck_store_uri(NULL, &b, ERR));
    EXPECT(CK_NULL_PARAMETER,
           ck_store_put(NULL, NULL, NULL, NULL, 0, "c", NULL, false, false, 0, &version, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_store_get(NULL, 0, &sk, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_store_get_public(NULL, 0, &spk, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_store_versions(NULL, &b, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_store_delete(NULL, 1, CK_DELETE_SOFT, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_store_delete_all(NULL, CK_DELETE_SOFT, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_kms_uri(NULL, &b, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_kms_create(NULL, CK_ALGORITHM_ECDSA_P256, &pub, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_kms_public_key(NULL, &pub, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_kms_sign_digest(NULL, (const uint8_t *)"x", 1, &b, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_kms_sign_blob(NULL, NULL, 0, &b, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_kms_sign_digests(NULL, NULL, NULL, 0, &batch, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_kms_versions(NULL, &b, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_kms_rotate(NULL, &b, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_stored_key_encrypted_key(NULL, NULL, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_stored_key_public_key(NULL, &pub, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_stored_key_password(NULL, &b, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_stored_key_metadata(NULL, &b, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_stored_public_key_public_key(NULL, &pub, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_stored_public_key_metadata(NULL, &b, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_sign_batch_item(NULL, 0, &b, ERR));
    CHECK(ck_stored_key_version(NULL) == 0 && ck_stored_public_key_version(NULL) == 0 &&
              !ck_stored_key_has_password(NULL),
          "stored key getters on NULL");
    CHECK(ck_sign_batch_len(NULL) == 0 && ck_sign_batch_failed(NULL) == 0 &&
              ck_sign_batch_status(NULL, 0) == CK_NULL_PARAMETER,
          "batch getters on NULL");
    ck_store_free(NULL);
    ck_kms_free(NULL);
    ck_stored_key_free(NULL);
    ck_stored_public_key_free(NULL);
    ck_sign_batch_free(NULL);

    uint64_t f = ck_features();
    CHECK((f & CK_FEATURE_FILE_STORE) && (f & CK_FEATURE_VAULT) && (f & CK_FEATURE_AWS_KMS),
          "ck_features() = %llx lacks the store and KMS backends", (unsigned long long)f);
}

/* ---------------------------------------------------------------------- */
/* Directory store                                                        */

static void test_file_store(void) {
    char dir[] = "/tmp/ck-c-store-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp failed");
        return;
    }
    char keys[sizeof dir + 16], uri[sizeof dir + 32], path[sizeof dir + 32];
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(uri, sizeof uri, "file://%s", keys);

    keypair one, two;
    if (!make_pair(&one) || !make_pair(&two)) {
        free_pair(&one);
        free_pair(&two);
        return;
    }
    ck_store *store = NULL;
    if (!open_store("directory store", uri, &store)) {
        free_pair(&one);
        free_pair(&two);
        rmdir(dir);
        return;
    }
    ck_buf *b = NULL;
    EXPECT(CK_OK, ck_store_uri(store, &b, ERR));
    CHECK(b && strcmp(text(b), uri) == 0, "ck_store_uri = %s", b ? text(b) : "(none)");
    ck_buf_free(b);

    /* Empty: no versions, nothing to read. */
    ck_buf *list = NULL;
    EXPECT(CK_OK, ck_store_versions(store, &list, ERR));
    CHECK(list && strcmp(text(list), "[]") == 0, "empty store lists %s", list ? text(list) : "(none)");
    ck_buf_free(list);
    ck_stored_key *sk = SENTINEL;
    ck_stored_public_key *spk = SENTINEL;
    EXPECT(CK_NOT_FOUND, ck_store_get(store, 0, &sk, ERR));
    EXPECT(CK_NOT_FOUND, ck_store_get_public(store, 0, &spk, ERR));
    CHECK(sk == SENTINEL && spk == SENTINEL, "key_out written on failure");

    /* Argument checks of put. */
    uint64_t version = 77;
    EXPECT(CK_NULL_PARAMETER, ck_store_put(store, NULL, one.pub, NULL, 0, "c", NULL, false, false, 0, &version, ERR));
    EXPECT(CK_NULL_PARAMETER,
           ck_store_put(store, one.sealed, one.pub, NULL, 0, NULL, NULL, false, false, 0, &version, ERR));
    EXPECT(CK_NULL_PARAMETER,
           ck_store_put(store, one.sealed, one.pub, NULL, 0, "c", NULL, false, false, 0, NULL, ERR));
    EXPECT(CK_INVALID_ARGUMENT,
           ck_store_put(store, one.sealed, one.pub, NULL, 3, "c", NULL, false, false, 0, &version, ERR));
    EXPECT(CK_INVALID_ARGUMENT,
           ck_store_put(store, one.sealed, one.pub, NULL, 0, "c", "[1]", false, false, 0, &version, ERR));
    EXPECT(CK_INVALID_ARGUMENT,
           ck_store_put(store, one.sealed, one.pub, NULL, 0, "c", "{\"n\":1}", false, false, 0, &version, ERR));
    EXPECT(CK_INVALID_ARGUMENT,
           ck_store_put(store, one.sealed, one.pub, NULL, 0, "\xff", NULL, false, false, 0, &version, ERR));
    CHECK(version == 77, "version_out written on failure");

    /* A password in a file beside the key it unlocks protects nothing: refused. */
    EXPECT(CK_INVALID_ARGUMENT,
           ck_store_put(store, one.sealed, one.pub, BPW, BPW_LEN, "c", NULL, false, false, 0, &version, ERR));
    CHECK(version == 77, "version_out written on failure");

    /* First version, create-only. */
    EXPECT(CK_OK, ck_store_put(store, one.sealed, one.pub, NULL, 0, "c-test", "{\"team\":\"c\"}", false, true, 0,
                               &version, ERR));
    CHECK(version == 1, "first version is %llu", (unsigned long long)version);
    snprintf(path, sizeof path, "%s/cosign.key", keys);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "%s is not a 0600 file", path);
    snprintf(path, sizeof path, "%s/cosign.pub", keys);
    CHECK(stat(path, &st) == 0, "%s is missing", path);

    /* No overwrite unless asked; check-and-set mismatches change nothing. */
    uint64_t v2 = 0;
    EXPECT(CK_ALREADY_EXISTS,
           ck_store_put(store, two.sealed, two.pub, NULL, 0, "c-test", NULL, false, false, 0, &v2, ERR));
    EXPECT(CK_CONFLICT, ck_store_put(store, two.sealed, two.pub, NULL, 0, "c-test", NULL, true, true, 0, &v2, ERR));
    EXPECT(CK_CONFLICT, ck_store_put(store, two.sealed, two.pub, NULL, 0, "c-test", NULL, true, true, 5, &v2, ERR));
    CHECK(v2 == 0, "version_out written on failure");

    /* Read it back: everything matches, and the key signs. */
    sk = NULL;
    EXPECT(CK_OK, ck_store_get(store, 0, &sk, ERR));
    if (sk) {
        CHECK(ck_stored_key_version(sk) == 1, "latest version %llu", (unsigned long long)ck_stored_key_version(sk));
        check_stored("file v1", sk, &one, BPW, BPW_LEN);
        CHECK(!ck_stored_key_has_password(sk), "the file store kept a password it was not given");
        ck_buf *pw = SENTINEL;
        EXPECT(CK_NOT_FOUND, ck_stored_key_password(sk, &pw, ERR));
        CHECK(pw == SENTINEL, "password_out written on failure");
        ck_buf *meta = NULL;
        EXPECT(CK_OK, ck_stored_key_metadata(sk, &meta, ERR));
        CHECK(meta && strstr(text(meta), "\"created_by\":\"c-test\"") && strstr(text(meta), "\"team\":\"c\"") &&
                  strstr(text(meta), "\"created_at\":"),
              "metadata %s", meta ? text(meta) : "(none)");
        ck_buf_free(meta);
        ck_stored_key_free(sk);
    }
    spk = NULL;
    EXPECT(CK_OK, ck_store_get_public(store, 1, &spk, ERR));
    if (spk) {
        ck_public_key *pub = NULL;
        ck_buf *meta = NULL;
        EXPECT(CK_OK, ck_stored_public_key_public_key(spk, &pub, ERR));
        EXPECT(CK_OK, ck_stored_public_key_metadata(spk, &meta, ERR));
        CHECK(ck_stored_public_key_version(spk) == 1 && ck_public_key_equal(pub, one.pub), "get_public v1");
        CHECK(meta && strstr(text(meta), "\"created_by\":\"c-test\""), "public metadata");
        ck_buf_free(meta);
        ck_public_key_free(pub);
        ck_stored_public_key_free(spk);
    }

    /* A second version with check-and-set on the current one. */
    EXPECT(CK_OK, ck_store_put(store, two.sealed, two.pub, NULL, 0, "c-test", NULL, true, true, 1, &v2, ERR));
    CHECK(v2 == 2, "second version is %llu", (unsigned long long)v2);
    EXPECT(CK_OK, ck_store_versions(store, &list, ERR));
    CHECK(list && count(text(list), "\"version\":") == 2 && strstr(text(list), "\"version\":1") &&
              strstr(text(list), "\"version\":2") && count(text(list), "\"state\":\"live\"") == 2,
          "versions %s", list ? text(list) : "(none)");
    ck_buf_free(list);
    sk = NULL;
    EXPECT(CK_OK, ck_store_get(store, 0, &sk, ERR));
    if (sk) {
        CHECK(ck_stored_key_version(sk) == 2, "latest is v2");
        check_stored("file latest", sk, &two, BPW, BPW_LEN);
        ck_stored_key_free(sk);
    }
    sk = NULL;
    EXPECT(CK_OK, ck_store_get(store, 1, &sk, ERR));
    if (sk) {
        check_stored("file v1 after v2", sk, &one, BPW, BPW_LEN);
        ck_stored_key_free(sk);
    }
    sk = SENTINEL;
    EXPECT(CK_NOT_FOUND, ck_store_get(store, 3, &sk, ERR));

    /* Delete: version 0 and unknown modes are refused; a deleted version is gone. */
    EXPECT(CK_INVALID_ARGUMENT, ck_store_delete(store, 0, CK_DELETE_SOFT, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_store_delete(store, 1, 0, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_store_delete_all(store, 3, ERR));
    EXPECT(CK_OK, ck_store_delete(store, 1, CK_DELETE_DESTROY, ERR));
    EXPECT(CK_NOT_FOUND, ck_store_get(store, 1, &sk, ERR));
    CHECK(sk == SENTINEL, "key_out written on failure");
    EXPECT(CK_OK, ck_store_get_public(store, 0, &spk, ERR));
    CHECK(ck_stored_public_key_version(spk) == 2, "v2 survives deleting v1");
    ck_stored_public_key_free(spk);
    EXPECT(CK_OK, ck_store_delete_all(store, CK_DELETE_DESTROY, ERR));
    EXPECT(CK_NOT_FOUND, ck_store_get(store, 0, &sk, ERR));
    snprintf(path, sizeof path, "%s/cosign.key", keys);
    CHECK(access(path, F_OK) != 0, "%s survives delete_all", path);
    ck_store_free(store);

    /* A read-only directory: writing fails with a clear error, nothing changes. */
    if (geteuid() != 0) {
        char ro[sizeof dir + 16], ro_uri[sizeof dir + 32];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        snprintf(ro_uri, sizeof ro_uri, "file://%s", ro);
        CHECK(mkdir(ro, 0500) == 0, "mkdir %s", ro);
        ck_store *ro_store = NULL;
        if (open_store("read-only directory store", ro_uri, &ro_store)) {
            EXPECT(CK_PERMISSION_DENIED,
                   ck_store_put(ro_store, one.sealed, one.pub, NULL, 0, "c", NULL, false, false, 0, &version, ERR));
            ck_store_free(ro_store);
        }
        rmdir(ro);
    } else {
        skip("read-only directory store", "running as root, which may write anywhere");
    }

    free_pair(&one);
    free_pair(&two);
    rmdir(keys);
    rmdir(dir);
}

/* ---------------------------------------------------------------------- */
/* env:// (read-only)                                                     */

static void test_env_store(void) {
    keypair one;
    if (!make_pair(&one)) {
        free_pair(&one);
        return;
    }
    /* The key from the variable, its public key from VAR_PUB (cosign's
     * environment-variable convention, see the core's env store). */
    ck_buf *pem = NULL, *pub_pem = NULL;
    EXPECT(CK_OK, ck_encrypted_key_to_pem(one.sealed, &pem, ERR));
    EXPECT(CK_OK, ck_public_key_to_pem(one.pub, &pub_pem, ERR));
    setenv("CK_C_TEST_ENV_KEY", text(pem), 1);
    setenv("CK_C_TEST_ENV_KEY_PUB", text(pub_pem), 1);
    ck_stored_key *sk = NULL;
    uint64_t version = 0;
    ck_store *env = NULL;
    if (open_store("env:// store", "env://CK_C_TEST_ENV_KEY", &env)) {
        sk = NULL;
        EXPECT(CK_OK, ck_store_get(env, 0, &sk, ERR));
        ck_encrypted_key *ek = NULL;
        ck_buf *pem_back = NULL;
        EXPECT(CK_OK, ck_stored_key_encrypted_key(sk, &ek, ERR));
        EXPECT(CK_OK, ck_encrypted_key_to_pem(ek, &pem_back, ERR));
        CHECK(pem_back && strcmp(text(pem_back), text(pem)) == 0, "env:// gives back the variable's key");
        ck_buf_free(pem_back);
        ck_encrypted_key_free(ek);
        check_stored("env://", sk, &one, BPW, BPW_LEN);
        ck_stored_key_free(sk);
        /* The process cannot change its parent's environment: writes are refused. */
        ck_error *err = NULL;
        ck_status st = ck_store_put(env, one.sealed, one.pub, NULL, 0, "c", NULL, true, false, 0, &version, &err);
        expect_status(st, err, st == CK_NOT_SUPPORTED ? CK_NOT_SUPPORTED : CK_INVALID_ARGUMENT, "put to env://",
                      __FILE__, __LINE__);
        ck_store_free(env);
    }
    unsetenv("CK_C_TEST_ENV_KEY");
    unsetenv("CK_C_TEST_ENV_KEY_PUB");
    ck_store *missing = NULL;
    if (open_store("env:// store", "env://CK_C_TEST_UNSET_VARIABLE", &missing)) {
        sk = SENTINEL;
        EXPECT(CK_NOT_FOUND, ck_store_get(missing, 0, &sk, ERR));
        ck_store_free(missing);
    }
    ck_buf_free(pem);
    ck_buf_free(pub_pem);
    free_pair(&one);
}

/* ---------------------------------------------------------------------- */
/* Vault KV v2                                                            */

static void test_vault_kv(void) {
    if (!getenv("VAULT_ADDR")) {
        skip("Vault KV v2 store", "VAULT_ADDR is not set (eval \"$(scripts/servers/openbao.sh env)\")");
        return;
    }
    char uri[128];
    snprintf(uri, sizeof uri, "vault-kv://secret/cosign-keys-c-test/%ld", (long)getpid());
    keypair one, two;
    if (!make_pair(&one) || !make_pair(&two)) {
        free_pair(&one);
        free_pair(&two);
        return;
    }
    ck_store *store = NULL;
    if (!open_store("Vault KV v2 store", uri, &store)) {
        free_pair(&one);
        free_pair(&two);
        return;
    }
    ck_stored_key *sk = SENTINEL;
    EXPECT(CK_NOT_FOUND, ck_store_get(store, 0, &sk, ERR));

    /* With the password kept beside the key. */
    uint64_t v = 0;
    EXPECT(CK_OK, ck_store_put(store, one.sealed, one.pub, BPW, BPW_LEN, "c-vault", "{\"team\":\"c\"}", false, true,
                               0, &v, ERR));
    CHECK(v == 1, "vault first version %llu", (unsigned long long)v);
    uint64_t stale = 0;
    EXPECT(CK_ALREADY_EXISTS,
           ck_store_put(store, two.sealed, two.pub, NULL, 0, "c-vault", NULL, false, false, 0, &stale, ERR));
    EXPECT(CK_CONFLICT, ck_store_put(store, two.sealed, two.pub, NULL, 0, "c-vault", NULL, true, true, 0, &stale, ERR));
    sk = NULL;
    EXPECT(CK_OK, ck_store_get(store, 0, &sk, ERR));
    if (sk) {
        CHECK(ck_stored_key_has_password(sk), "vault: password not kept");
        ck_buf *pw = NULL;
        EXPECT(CK_OK, ck_stored_key_password(sk, &pw, ERR));
        CHECK(pw && len(pw) == BPW_LEN && memcmp(data(pw), BPW, BPW_LEN) == 0, "vault: password differs");
        /* The stored password opens the stored key. */
        if (pw) check_stored("vault v1", sk, &one, data(pw), len(pw));
        ck_buf_free(pw);
        ck_stored_key_free(sk);
    }
    EXPECT(CK_OK, ck_store_put(store, two.sealed, two.pub, NULL, 0, "c-vault", NULL, true, true, 1, &v, ERR));
    CHECK(v == 2, "vault second version %llu", (unsigned long long)v);
    ck_stored_public_key *spk = NULL;
    EXPECT(CK_OK, ck_store_get_public(store, 0, &spk, ERR));
    ck_public_key *pub = NULL;
    EXPECT(CK_OK, ck_stored_public_key_public_key(spk, &pub, ERR));
    CHECK(ck_stored_public_key_version(spk) == 2 && ck_public_key_equal(pub, two.pub), "vault: latest public key");
    ck_public_key_free(pub);
    ck_stored_public_key_free(spk);
    sk = NULL;
    EXPECT(CK_OK, ck_store_get(store, 2, &sk, ERR));
    if (sk) {
        CHECK(!ck_stored_key_has_password(sk), "vault v2: a password nobody gave");
        check_stored("vault v2", sk, &two, BPW, BPW_LEN);
        ck_stored_key_free(sk);
    }

    char fs[CK_FINGERPRINT_STRING_SIZE];
    fp_text(&one.fp, fs);
    ck_buf *list = NULL;
    EXPECT(CK_OK, ck_store_delete(store, 1, CK_DELETE_SOFT, ERR));
    EXPECT(CK_OK, ck_store_versions(store, &list, ERR));
    CHECK(list && count(text(list), "\"version\":") == 2 && strstr(text(list), "\"state\":\"deleted\"") &&
              strstr(text(list), fs),
          "vault versions after a soft delete: %s", list ? text(list) : "(none)");
    ck_buf_free(list);
    sk = SENTINEL;
    EXPECT(CK_NOT_FOUND, ck_store_get(store, 1, &sk, ERR));
    EXPECT(CK_OK, ck_store_delete(store, 2, CK_DELETE_DESTROY, ERR));
    EXPECT(CK_OK, ck_store_versions(store, &list, ERR));
    CHECK(list && strstr(text(list), "\"state\":\"destroyed\""), "vault versions after destroy: %s",
          list ? text(list) : "(none)");
    ck_buf_free(list);
    EXPECT(CK_OK, ck_store_delete_all(store, CK_DELETE_DESTROY, ERR));
    EXPECT(CK_NOT_FOUND, ck_store_get(store, 0, &sk, ERR));
    ck_store_free(store);

    /* A read-only token cannot write, and says so. */
    const char *ro = getenv("COSIGN_KEYS_TEST_READONLY_TOKEN");
    if (ro) {
        char *root = strdup(getenv("VAULT_TOKEN") ? getenv("VAULT_TOKEN") : "");
        setenv("VAULT_TOKEN", ro, 1);
        ck_store *ro_store = NULL;
        ck_error *err = NULL;
        ck_status s = ck_store_open(uri, &ro_store, &err);
        if (s == CK_OK) {
            EXPECT(CK_PERMISSION_DENIED,
                   ck_store_put(ro_store, one.sealed, one.pub, NULL, 0, "c", NULL, false, false, 0, &v, ERR));
            ck_store_free(ro_store);
        } else {
            /* A store that checks its token when opened may refuse here. */
            expect_status(s, err, CK_PERMISSION_DENIED, "ck_store_open with a read-only token", __FILE__, __LINE__);
            err = NULL;
        }
        ck_error_free(err);
        setenv("VAULT_TOKEN", root, 1);
        free(root);
    } else {
        skip("Vault KV read-only token", "COSIGN_KEYS_TEST_READONLY_TOKEN is not set");
    }
    free_pair(&one);
    free_pair(&two);
}

/* ---------------------------------------------------------------------- */
/* KMS: hashivault (transit) and awskms (moto)                            */

/* Creates a key in a KMS, signs with it one by one and in bulk, checks
 * every signature against the KMS's public key, then rotates it.
 * `transit`: versions are "1", "2", ... and all listed (AWS moves an alias to
 * a new key and lists the current key alone). `digest_signatures_verify` is
 * false for moto, which signs DIGEST requests over the hash of the digest
 * (tests/servers/NOTES.md). */
static void kms_round_trip(const char *label, const char *uri, int transit, int digest_signatures_verify) {
    ck_kms *kms = NULL;
    if (!open_kms(label, uri, &kms)) return;
    ck_buf *b = NULL;
    EXPECT(CK_OK, ck_kms_uri(kms, &b, ERR));
    CHECK(b && strcmp(text(b), uri) == 0, "%s: ck_kms_uri = %s", label, b ? text(b) : "(none)");
    ck_buf_free(b);

    ck_public_key *pub = SENTINEL;
    EXPECT(CK_NOT_FOUND, ck_kms_public_key(kms, &pub, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_kms_create(kms, 99, &pub, ERR));
    CHECK(pub == SENTINEL, "%s: public_out written on failure", label);
    pub = NULL;
    EXPECT(CK_OK, ck_kms_create(kms, CK_ALGORITHM_ECDSA_P256, &pub, ERR));
    if (!pub) {
        ck_kms_free(kms);
        return;
    }
    ck_public_key *again = SENTINEL;
    EXPECT(CK_ALREADY_EXISTS, ck_kms_create(kms, CK_ALGORITHM_ECDSA_P256, &again, ERR));
    ck_public_key *fetched = NULL;
    EXPECT(CK_OK, ck_kms_public_key(kms, &fetched, ERR));
    CHECK(ck_public_key_equal(pub, fetched), "%s: public key differs from create's", label);
    ck_public_key_free(fetched);
    CHECK(ck_public_key_algorithm(pub) == CK_ALGORITHM_ECDSA_P256, "%s: algorithm", label);

    /* One blob, one digest. */
    ck_buf *sig = NULL, *digest = NULL, *dsig = NULL;
    EXPECT(CK_OK, ck_kms_sign_blob(kms, BLOB, BLOB_LEN, &sig, ERR));
    EXPECT(CK_OK, ck_public_key_verify(pub, BLOB, BLOB_LEN, data(sig), len(sig), ERR));
    EXPECT(CK_OK, ck_hash_digest(CK_HASH_SHA256, BLOB, BLOB_LEN, &digest, ERR));
    EXPECT(CK_OK, ck_kms_sign_digest(kms, data(digest), len(digest), &dsig, ERR));
    if (digest_signatures_verify) {
        EXPECT(CK_OK, ck_public_key_verify_digest(pub, data(digest), len(digest), data(dsig), len(dsig), ERR));
    }
    ck_buf *untouched = SENTINEL;
    EXPECT(CK_INVALID_ARGUMENT, ck_kms_sign_digest(kms, data(digest), 31, &untouched, ERR));
    CHECK(untouched == SENTINEL, "%s: signature_out written on failure", label);

    /* Bulk: results in input order, a bad item does not lose the others. */
    enum { N = 6, BAD = 3 };
    uint8_t store[N][32];
    const uint8_t *ptrs[N];
    size_t lens[N];
    for (int i = 0; i < N; i++) {
        memset(store[i], 0, 32);
        snprintf((char *)store[i], 32, "digest %d", i);
        ptrs[i] = store[i];
        lens[i] = i == BAD ? 20 : 32;
    }
    ck_sign_batch *batch = NULL;
    EXPECT(CK_OK, ck_kms_sign_digests(kms, ptrs, lens, N, &batch, ERR));
    CHECK(ck_sign_batch_len(batch) == N && ck_sign_batch_failed(batch) == 1, "%s: batch of %zu with %zu failed",
          label, ck_sign_batch_len(batch), ck_sign_batch_failed(batch));
    for (size_t i = 0; i < ck_sign_batch_len(batch); i++) {
        ck_buf *item = NULL;
        if (i == BAD) {
            CHECK(ck_sign_batch_status(batch, i) == CK_INVALID_ARGUMENT, "%s: bad item status", label);
            EXPECT(CK_INVALID_ARGUMENT, ck_sign_batch_item(batch, i, &item, ERR));
            continue;
        }
        CHECK(ck_sign_batch_status(batch, i) == CK_OK, "%s: item %zu status %s", label, i,
              name_of(ck_sign_batch_status(batch, i)));
        EXPECT(CK_OK, ck_sign_batch_item(batch, i, &item, ERR));
        if (digest_signatures_verify) {
            EXPECT(CK_OK, ck_public_key_verify_digest(pub, ptrs[i], 32, data(item), len(item), ERR));
            /* In input order: item i does not verify digest i+1. */
            size_t other = (i + 1) % N == BAD ? (i + 2) % N : (i + 1) % N;
            EXPECT(CK_SIGNATURE_INVALID, ck_public_key_verify_digest(pub, ptrs[other], 32, data(item), len(item), ERR));
        } else {
            CHECK(item && len(item) > 8, "%s: item %zu empty", label, i);
        }
        ck_buf_free(item);
    }
    EXPECT(CK_INVALID_ARGUMENT, ck_sign_batch_item(batch, N, &untouched, ERR));
    ck_sign_batch_free(batch);
    batch = NULL;
    EXPECT(CK_OK, ck_kms_sign_digests(kms, NULL, NULL, 0, &batch, ERR));
    CHECK(ck_sign_batch_len(batch) == 0, "%s: empty batch", label);
    ck_sign_batch_free(batch);
    EXPECT(CK_NULL_PARAMETER, ck_kms_sign_digests(kms, NULL, lens, 2, &batch, ERR));
    const uint8_t *with_null[2] = {store[0], NULL};
    EXPECT(CK_NULL_PARAMETER, ck_kms_sign_digests(kms, with_null, lens, 2, &batch, ERR));

    /* Versions and rotation. */
    ck_buf *list = NULL;
    EXPECT(CK_OK, ck_kms_versions(kms, &list, ERR));
    CHECK(list && count(text(list), "\"version\":") >= 1 && strstr(text(list), "BEGIN PUBLIC KEY") &&
              strstr(text(list), "\"algorithm\":\"ecdsa-p256\""),
          "%s: versions %s", label, list ? text(list) : "(none)");
    ck_buf_free(list);
    {
        ck_buf *nv = NULL;
        EXPECT(CK_OK, ck_kms_rotate(kms, &nv, ERR));
        CHECK(nv && len(nv) > 0 && (!transit || strcmp(text(nv), "2") == 0), "%s: rotated to %s", label,
              nv ? text(nv) : "(none)");
        EXPECT(CK_OK, ck_kms_versions(kms, &list, ERR));
        char pattern[256];
        snprintf(pattern, sizeof pattern, "\"version\":\"%s\"", nv ? text(nv) : "?");
        CHECK(list && strstr(text(list), pattern) && (!transit || count(text(list), "\"version\":") == 2),
              "%s: versions after rotate %s", label, list ? text(list) : "(none)");
        ck_buf_free(list);
        ck_buf_free(nv);
        ck_public_key *current = NULL;
        ck_buf *rsig = NULL;
        EXPECT(CK_OK, ck_kms_public_key(kms, &current, ERR));
        CHECK(current && !ck_public_key_equal(current, pub), "%s: rotation kept the public key", label);
        EXPECT(CK_OK, ck_kms_sign_blob(kms, BLOB, BLOB_LEN, &rsig, ERR));
        EXPECT(CK_OK, ck_public_key_verify(current, BLOB, BLOB_LEN, data(rsig), len(rsig), ERR));
        ck_buf_free(rsig);
        ck_public_key_free(current);
    }
    ck_buf_free(sig);
    ck_buf_free(digest);
    ck_buf_free(dsig);
    ck_public_key_free(pub);
    ck_kms_free(kms);
}

static void test_kms(void) {
    char uri[256];
    if (getenv("VAULT_ADDR")) {
        snprintf(uri, sizeof uri, "hashivault://cosign-keys-c-test-%ld", (long)getpid());
        kms_round_trip("hashivault", uri, 1, 1);
    } else {
        skip("hashivault:// (transit)", "VAULT_ADDR is not set (eval \"$(scripts/servers/openbao.sh env)\")");
    }
    const char *endpoint = getenv("COSIGN_KEYS_TEST_AWSKMS_ENDPOINT");
    if (endpoint) {
        snprintf(uri, sizeof uri, "awskms://%s/alias/cosign-keys-c-test-%ld", endpoint, (long)getpid());
        kms_round_trip("awskms", uri, 0, 0);
    } else {
        skip("awskms:// (moto)", "COSIGN_KEYS_TEST_AWSKMS_ENDPOINT is not set (eval \"$(scripts/servers/moto.sh env)\")");
    }
}

/* ---------------------------------------------------------------------- */
/* Azure Key Vault on Lowkey Vault: azure-secret:// and azurekms://       */

static const char *azure_vault(const char *what) {
    const char *v = getenv("COSIGN_KEYS_TEST_AZURE_VAULT");
    if (v && *v) return v;
    const char *req = getenv("COSIGN_KEYS_REQUIRE_AZURE");
    CHECK(!(req && strcmp(req, "1") == 0), "%s: COSIGN_KEYS_REQUIRE_AZURE=1 but COSIGN_KEYS_TEST_AZURE_VAULT is unset",
          what);
    skip(what, "COSIGN_KEYS_TEST_AZURE_VAULT is not set (eval \"$(scripts/servers/azure-kv.sh env)\")");
    return NULL;
}

/* EXPECT_CLEAN(want, call, what, needle): `call` passes ERR_CLEAN as its err_out;
 * checks it like EXPECT, and that the message names `needle` (if not NULL) and
 * never carries the bearer token. */
#define ERR_CLEAN (&clean_err_)
#define EXPECT_CLEAN(want, call, what, needle)                  \
    do {                                                        \
        ck_error *clean_err_ = NULL;                            \
        ck_status clean_st_ = (call);                           \
        expect_clean((want), clean_st_, clean_err_, (what), (needle)); \
    } while (0)

static void expect_clean(ck_status want, ck_status got, ck_error *err, const char *what, const char *needle) {
    const char *token = getenv("COSIGN_KEYS_AZURE_TOKEN");
    char msg[1024] = "";
    if (err) ck_error_message(err, msg, sizeof msg);
    CHECK(!token || !*token || !strstr(msg, token), "%s: message leaks the token", what);
    CHECK(!needle || strstr(msg, needle), "%s: message `%s` lacks `%s`", what, msg, needle ? needle : "");
    expect_status(got, err, want, what, __FILE__, __LINE__);
}

static void test_azure_secret(void) {
    const char *vault = azure_vault("azure-secret:// (Lowkey Vault)");
    if (!vault) return;
    char uri[256];
    snprintf(uri, sizeof uri, "azure-secret://%s/ck-c-sec-%ld", vault, (long)getpid());
    keypair one, two;
    if (!make_pair(&one) || !make_pair(&two)) {
        free_pair(&one);
        free_pair(&two);
        return;
    }
    ck_store *store = NULL;
    if (!open_store("azure-secret store", uri, &store)) {
        free_pair(&one);
        free_pair(&two);
        return;
    }
    ck_stored_key *sk = SENTINEL;
    EXPECT_CLEAN(CK_NOT_FOUND, ck_store_get(store, 0, &sk, ERR_CLEAN), "azure: get before put", "ck-c-sec-");
    ck_buf *list = NULL;
    EXPECT(CK_OK, ck_store_versions(store, &list, ERR));
    CHECK(list && strcmp(text(list), "[]") == 0, "azure: versions of a missing secret: %s", list ? text(list) : "");
    ck_buf_free(list);

    uint64_t v = 0, stale = 0;
    EXPECT(CK_OK, ck_store_put(store, one.sealed, one.pub, BPW, BPW_LEN, "c-azure", "{\"team\":\"c\"}", false, true,
                               0, &v, ERR));
    CHECK(v == 1, "azure first version %llu", (unsigned long long)v);
    EXPECT(CK_ALREADY_EXISTS,
           ck_store_put(store, two.sealed, two.pub, NULL, 0, "c-azure", NULL, false, false, 0, &stale, ERR));
    /* No check-and-set in Key Vault: a stale expected version is refused. */
    EXPECT(CK_CONFLICT, ck_store_put(store, two.sealed, two.pub, NULL, 0, "c-azure", NULL, true, true, 7, &stale, ERR));
    sk = NULL;
    EXPECT(CK_OK, ck_store_get(store, 0, &sk, ERR));
    if (sk) {
        CHECK(ck_stored_key_has_password(sk), "azure: password not kept");
        ck_buf *pw = NULL;
        EXPECT(CK_OK, ck_stored_key_password(sk, &pw, ERR));
        if (pw) check_stored("azure v1", sk, &one, data(pw), len(pw));
        ck_buf_free(pw);
        ck_stored_key_free(sk);
    }
    EXPECT(CK_OK, ck_store_put(store, two.sealed, two.pub, NULL, 0, "c-azure", NULL, true, true, 1, &v, ERR));
    CHECK(v == 2, "azure second version %llu", (unsigned long long)v);
    ck_stored_public_key *spk = NULL;
    EXPECT(CK_OK, ck_store_get_public(store, 0, &spk, ERR));
    ck_public_key *pub = NULL;
    EXPECT(CK_OK, ck_stored_public_key_public_key(spk, &pub, ERR));
    CHECK(ck_stored_public_key_version(spk) == 2 && ck_public_key_equal(pub, two.pub), "azure: latest public key");
    ck_public_key_free(pub);
    ck_stored_public_key_free(spk);
    /* A pinned old version still reads, without the password it was not given. */
    sk = NULL;
    EXPECT(CK_OK, ck_store_get(store, 1, &sk, ERR));
    if (sk) {
        check_stored("azure pinned v1", sk, &one, BPW, BPW_LEN);
        ck_stored_key_free(sk);
    }
    sk = NULL;
    EXPECT(CK_OK, ck_store_get(store, 2, &sk, ERR));
    if (sk) {
        CHECK(!ck_stored_key_has_password(sk), "azure v2: a password nobody gave");
        check_stored("azure v2", sk, &two, BPW, BPW_LEN);
        ck_stored_key_free(sk);
    }
    char fs[CK_FINGERPRINT_STRING_SIZE];
    fp_text(&one.fp, fs);
    EXPECT(CK_OK, ck_store_versions(store, &list, ERR));
    CHECK(list && count(text(list), "\"version\":") == 2 && strstr(text(list), fs), "azure versions: %s",
          list ? text(list) : "(none)");
    ck_buf_free(list);
    /* Soft delete of the secret: gone for readers, the name stays taken. */
    EXPECT(CK_OK, ck_store_delete_all(store, CK_DELETE_SOFT, ERR));
    sk = SENTINEL;
    EXPECT_CLEAN(CK_NOT_FOUND, ck_store_get(store, 0, &sk, ERR_CLEAN), "azure: get after delete", NULL);
    EXPECT_CLEAN(CK_CONFLICT,
                 ck_store_put(store, one.sealed, one.pub, NULL, 0, "c-azure", NULL, false, false, 0, &stale, ERR_CLEAN),
                 "azure: put over a soft-deleted secret", "soft-deleted");
    CHECK(sk == SENTINEL, "azure: stored key written on failure");
    ck_store_free(store);
    free_pair(&one);
    free_pair(&two);
}

static void test_azurekms_errors(const char *vault) {
    char uri[256];
    ck_kms *kms = NULL;
    ck_public_key *pub = SENTINEL;
    ck_error *err = NULL;
    /* A vault the emulator does not serve (it routes by Host). */
    const char *port = strrchr(vault, ':');
    snprintf(uri, sizeof uri, "azurekms://127.0.0.1%s/ck-c-nv-%ld", port ? port : "", (long)getpid());
    if (open_kms("azurekms foreign vault", uri, &kms)) {
        ck_status st = ck_kms_public_key(kms, &pub, &err);
        char msg[1024] = "";
        if (err) ck_error_message(err, msg, sizeof msg);
        CHECK(st == CK_NOT_FOUND || st == CK_PERMISSION_DENIED || st == CK_BACKEND,
              "azurekms foreign vault: %s %s", name_of(st), msg);
        CHECK(strstr(msg, "127.0.0.1") != NULL, "azurekms foreign vault: %s", msg);
        ck_error_free(err);
        ck_kms_free(kms);
    }
    /* Nothing listens there: UNAVAILABLE, quickly. */
    kms = NULL;

    if (open_kms("azurekms stopped server", "azurekms://localhost:9/ck-c-down", &kms)) {
        time_t start = time(NULL);
        EXPECT_CLEAN(CK_UNAVAILABLE, ck_kms_public_key(kms, &pub, ERR_CLEAN), "azurekms stopped server", NULL);
        CHECK(time(NULL) - start < 15, "azurekms stopped server took %lds", (long)(time(NULL) - start));
        ck_kms_free(kms);
    }
    CHECK(pub == SENTINEL, "azurekms: public_out written on failure");
}

static void test_azurekms(void) {
    const char *vault = azure_vault("azurekms:// (Lowkey Vault)");
    if (!vault) return;
    char uri[256];
    snprintf(uri, sizeof uri, "azurekms://%s/ck-c-kms-%ld", vault, (long)getpid());
    kms_round_trip("azurekms", uri, 0, 1);
    /* A handle pinned to the first version keeps its key after the rotation. */
    ck_kms *kms = NULL;
    ck_buf *list = NULL;
    if (open_kms("azurekms", uri, &kms)) {
        EXPECT(CK_OK, ck_kms_versions(kms, &list, ERR));
        CHECK(list && count(text(list), "\"version\":") == 2, "azurekms versions: %s", list ? text(list) : "");
        ck_kms_free(kms);
    }
    if (list) {
        /* Each version: pin it, and its public key verifies its own signature. */
        const char *p = text(list);
        int pinned = 0;
        while ((p = strstr(p, "\"version\":\"")) != NULL) {
            p += strlen("\"version\":\"");
            const char *end = strchr(p, '"');
            if (!end || end - p > 64) break;
            char puri[384];
            snprintf(puri, sizeof puri, "%s/%.*s", uri, (int)(end - p), p);
            ck_kms *pk = NULL;
            if (open_kms("azurekms pinned", puri, &pk)) {
                ck_public_key *pub = NULL;
                ck_buf *sig = NULL, *nv = SENTINEL;
                EXPECT(CK_OK, ck_kms_public_key(pk, &pub, ERR));
                EXPECT(CK_OK, ck_kms_sign_blob(pk, BLOB, BLOB_LEN, &sig, ERR));
                if (pub && sig) EXPECT(CK_OK, ck_public_key_verify(pub, BLOB, BLOB_LEN, data(sig), len(sig), ERR));
                EXPECT(CK_INVALID_ARGUMENT, ck_kms_rotate(pk, &nv, ERR));
                ck_buf_free(sig);
                ck_public_key_free(pub);
                ck_kms_free(pk);
                pinned++;
            }
            p = end;
        }
        CHECK(pinned == 2, "azurekms: pinned %d versions", pinned);
        ck_buf_free(list);
    }
    /* A missing key. */
    snprintf(uri, sizeof uri, "azurekms://%s/ck-c-missing-%ld", vault, (long)getpid());
    kms = NULL;
    if (open_kms("azurekms missing", uri, &kms)) {
        ck_public_key *pub = SENTINEL;
        EXPECT_CLEAN(CK_NOT_FOUND, ck_kms_public_key(kms, &pub, ERR_CLEAN), "azurekms missing key", "ck-c-missing-");
        ck_kms_free(kms);
    }
    test_azurekms_errors(vault);
}

void test_backends(void) {
    test_uris_and_arguments();
    test_file_store();
    test_env_store();
    test_vault_kv();
    test_kms();
    test_azure_secret();
    test_azurekms();
}
