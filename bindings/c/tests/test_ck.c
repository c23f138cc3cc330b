/*
 * test_ck.c: tests every function of the cosign-keys C ABI, every error code
 * the C surface can produce, and the shared vectors of tests/vectors/.
 *
 * The store and KMS functions are tested in test_backends.c (called from
 * main); the harness is in harness.c.
 *
 * Usage: test_ck VECTORS_DIR
 * Prints one line per failure and ends with `c: N passed, M failed`.
 * bindings/c/run-tests.sh builds it and runs it under valgrind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cosign_keys.h"
#include "harness.h"
#include "minijson.h"

static const uint8_t PW[] = "correct horse battery";
#define PW_LEN (sizeof PW - 1)
static const uint8_t MSG[] = "an artifact to sign";
#define MSG_LEN (sizeof MSG - 1)
/* A cheap scrypt cost for round trips (cosign itself uses N = 65536). */
#define FAST_N 1024

/* ---------------------------------------------------------------------- */
/* Version, features, status names, algorithms, hashes                    */

static void test_version_and_names(void) {
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", CK_VERSION_MAJOR, CK_VERSION_MINOR, CK_VERSION_PATCH);
    CHECK(strcmp(ck_version(), want) == 0, "ck_version() = %s, header says %s", ck_version(), want);
    CHECK(ck_version_0_1_0() == ck_version(), "versioned symbol differs");

    uint64_t f = ck_features();
    uint64_t all = CK_FEATURE_ECDSA | CK_FEATURE_ED25519 | CK_FEATURE_RSA | CK_FEATURE_COSIGN_KEY_FILE |
                   CK_FEATURE_IMPORT | CK_FEATURE_ATOMIC_WRITE;
    CHECK((f & all) == all, "ck_features() = %llx lacks built-in capabilities", (unsigned long long)f);

    struct { ck_status code; const char *name; } codes[] = {
        {CK_OK, "OK"},
        {CK_INVALID_ARGUMENT, "INVALID_ARGUMENT"},
        {CK_NULL_PARAMETER, "NULL_PARAMETER"},
        {CK_PANIC, "PANIC"},
        {CK_MALFORMED_PEM, "MALFORMED_PEM"},
        {CK_UNKNOWN_PEM_LABEL, "UNKNOWN_PEM_LABEL"},
        {CK_WRONG_KEY_KIND, "WRONG_KEY_KIND"},
        {CK_MALFORMED_ENVELOPE, "MALFORMED_ENVELOPE"},
        {CK_UNKNOWN_KDF, "UNKNOWN_KDF"},
        {CK_UNKNOWN_CIPHER, "UNKNOWN_CIPHER"},
        {CK_INVALID_KDF_PARAMS, "INVALID_KDF_PARAMS"},
        {CK_MALFORMED_KEY, "MALFORMED_KEY"},
        {CK_UNSUPPORTED_ALGORITHM, "UNSUPPORTED_ALGORITHM"},
        {CK_UNSUPPORTED_OPERATION, "UNSUPPORTED_OPERATION"},
        {CK_INVALID_FINGERPRINT, "INVALID_FINGERPRINT"},
        {CK_MALFORMED_SIGNATURE, "MALFORMED_SIGNATURE"},
        {CK_DECRYPTION_FAILED, "DECRYPTION_FAILED"},
        {CK_KDF_LIMIT_EXCEEDED, "KDF_LIMIT_EXCEEDED"},
        {CK_SIGNATURE_INVALID, "SIGNATURE_INVALID"},
        {CK_CRYPTO, "CRYPTO"},
        {CK_RNG, "RNG"},
        {CK_OUT_OF_MEMORY, "OUT_OF_MEMORY"},
        {CK_ALREADY_EXISTS, "ALREADY_EXISTS"},
        {CK_IO, "IO"},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *n = ck_status_name(codes[i].code);
        CHECK(n && strcmp(n, codes[i].name) == 0, "ck_status_name(%u) = %s", codes[i].code, n ? n : "NULL");
    }
    CHECK(ck_status_name(999) == NULL, "unknown status has a name");
    CHECK(ck_status_name(UINT32_MAX) == NULL, "unknown status has a name");

    CHECK(ck_default_max_memory_bytes() >= (64u << 20), "default memory limit below cosign's need");
    CHECK(ck_default_max_work() >= 65536u * 8u, "default work limit below cosign's need");
}

static const ck_algorithm ALGS[] = {
    CK_ALGORITHM_ECDSA_P256, CK_ALGORITHM_ECDSA_P384, CK_ALGORITHM_ECDSA_P521, CK_ALGORITHM_ED25519,
    CK_ALGORITHM_RSA_2048,   CK_ALGORITHM_RSA_3072,   CK_ALGORITHM_RSA_4096,
};
#define N_ALGS (sizeof ALGS / sizeof ALGS[0])

static void test_algorithms_and_hashes(void) {
    const char *names[] = {"ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "ed25519", "rsa-2048", "rsa-3072", "rsa-4096"};
    const ck_hash hashes[] = {CK_HASH_SHA256, CK_HASH_SHA384, CK_HASH_SHA512, CK_HASH_NONE,
                              CK_HASH_SHA256, CK_HASH_SHA256, CK_HASH_SHA256};
    for (size_t i = 0; i < N_ALGS; i++) {
        const char *n = ck_algorithm_name(ALGS[i]);
        CHECK(n && strcmp(n, names[i]) == 0, "ck_algorithm_name(%u) = %s", ALGS[i], n ? n : "NULL");
        ck_algorithm parsed = CK_ALGORITHM_NONE;
        EXPECT(CK_OK, ck_algorithm_parse(names[i], &parsed, ERR));
        CHECK(parsed == ALGS[i], "ck_algorithm_parse(%s) = %u", names[i], parsed);
        CHECK(ck_algorithm_hash(ALGS[i]) == hashes[i], "ck_algorithm_hash(%s)", names[i]);
    }
    CHECK(ck_algorithm_name(CK_ALGORITHM_NONE) == NULL, "name of 0");
    CHECK(ck_algorithm_name(99) == NULL, "name of 99");
    CHECK(ck_algorithm_hash(99) == CK_HASH_NONE, "hash of 99");

    ck_algorithm untouched = 42;
    EXPECT(CK_INVALID_ARGUMENT, ck_algorithm_parse("rsa-1024", &untouched, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_algorithm_parse("ECDSA-P256", &untouched, ERR));
    CHECK(untouched == 42, "algorithm_out written on failure");
    EXPECT(CK_NULL_PARAMETER, ck_algorithm_parse(NULL, &untouched, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_algorithm_parse("ed25519", NULL, ERR));
    EXPECT_NOERR(CK_NULL_PARAMETER, ck_algorithm_parse(NULL, NULL, NULL));

    CHECK(strcmp(ck_hash_name(CK_HASH_SHA256), "sha256") == 0, "sha256 name");
    CHECK(strcmp(ck_hash_name(CK_HASH_SHA384), "sha384") == 0, "sha384 name");
    CHECK(strcmp(ck_hash_name(CK_HASH_SHA512), "sha512") == 0, "sha512 name");
    CHECK(ck_hash_name(CK_HASH_NONE) == NULL && ck_hash_name(7) == NULL, "no-hash name");
    CHECK(ck_hash_len(CK_HASH_SHA256) == 32 && ck_hash_len(CK_HASH_SHA384) == 48 &&
              ck_hash_len(CK_HASH_SHA512) == 64 && ck_hash_len(CK_HASH_NONE) == 0,
          "hash lengths");

    /* SHA-256("abc") from FIPS 180-2. */
    static const uint8_t abc256[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                       0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                       0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    ck_buf *d = NULL;
    EXPECT(CK_OK, ck_hash_digest(CK_HASH_SHA256, (const uint8_t *)"abc", 3, &d, ERR));
    CHECK(d && len(d) == 32 && memcmp(data(d), abc256, 32) == 0, "sha256(abc)");
    ck_buf_free(d);
    d = NULL;
    EXPECT(CK_OK, ck_hash_digest(CK_HASH_SHA512, NULL, 0, &d, ERR));
    CHECK(d && len(d) == 64, "sha512 of the empty input");
    ck_buf_free(d);
    d = SENTINEL;
    EXPECT(CK_INVALID_ARGUMENT, ck_hash_digest(CK_HASH_NONE, (const uint8_t *)"abc", 3, &d, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_hash_digest(CK_HASH_SHA256, NULL, 3, &d, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_hash_digest(CK_HASH_SHA256, (const uint8_t *)"abc", 3, NULL, ERR));
    CHECK(d == SENTINEL, "digest_out written on failure");
}

/* ---------------------------------------------------------------------- */
/* Error objects and buffers                                              */

static void test_error_and_buf_accessors(void) {
    ck_error *err = NULL;
    ck_algorithm a;
    ck_status st = ck_algorithm_parse("no-such-algorithm", &a, &err);
    CHECK(st == CK_INVALID_ARGUMENT && err != NULL, "failing call sets err_out");
    CHECK(ck_error_code(err) == CK_INVALID_ARGUMENT, "ck_error_code");
    size_t need = ck_error_message(err, NULL, 0);
    CHECK(need > 10, "message length %zu", need);
    char *full = malloc(need + 1);
    CHECK(ck_error_message(err, full, need + 1) == need && strlen(full) == need, "full copy");
    CHECK(strstr(full, "no-such-algorithm") != NULL, "message names the input: %s", full);
    char small[8];
    memset(small, 'x', sizeof small);
    CHECK(ck_error_message(err, small, sizeof small) == need, "truncated copy returns the full length");
    CHECK(strlen(small) == 7 && memcmp(small, full, 7) == 0, "truncated copy is a NUL-terminated prefix");
    CHECK(ck_error_message(err, NULL, 5) == 0, "NULL buffer with a length");
    /* The same error as the core's error document: code, name, message and
     * the error's fields as data. */
    size_t doc_len = ck_error_json(err, NULL, 0);
    char *doc = malloc(doc_len + 1);
    CHECK(ck_error_json(err, doc, doc_len + 1) == doc_len && strlen(doc) == doc_len, "json copy");
    CHECK(strncmp(doc, "{\"code\":101,\"name\":\"INVALID_ARGUMENT\",\"message\":\"", 49) == 0,
          "document starts with code, name, message: %s", doc);
    CHECK(strstr(doc, "\"details\":{\"name\":\"") != NULL && strstr(doc, "no-such-algorithm") != NULL,
          "details name the argument: %s", doc);
    CHECK(ck_error_json(err, small, sizeof small) == doc_len && strlen(small) == 7,
          "a cut-short document returns the full length");
    CHECK(ck_error_json(NULL, NULL, 0) == 0, "ck_error_json(NULL)");
    free(doc);
    free(full);
    ck_error_free(err);

    /* On success *err_out is not touched. */
    err = SENTINEL;
    st = ck_algorithm_parse("ed25519", &a, &err);
    CHECK(st == CK_OK && err == SENTINEL, "success leaves *err_out alone");

    CHECK(ck_error_code(NULL) == CK_NULL_PARAMETER, "ck_error_code(NULL)");
    CHECK(ck_error_message(NULL, NULL, 0) == 0, "ck_error_message(NULL)");
    ck_error_free(NULL);

    CHECK(ck_buf_data(NULL) == NULL && ck_buf_len(NULL) == 0, "buf accessors on NULL");
    ck_buf_free(NULL);
    ck_private_key_free(NULL);
    ck_public_key_free(NULL);
    ck_encrypted_key_free(NULL);
    CHECK(ck_private_key_algorithm(NULL) == CK_ALGORITHM_NONE, "private algorithm of NULL");
    CHECK(ck_public_key_algorithm(NULL) == CK_ALGORITHM_NONE, "public algorithm of NULL");
    CHECK(!ck_public_key_equal(NULL, NULL), "NULL keys are not equal");
    CHECK(ck_encrypted_key_scrypt_n(NULL) == 0 && ck_encrypted_key_scrypt_r(NULL) == 0 &&
              ck_encrypted_key_scrypt_p(NULL) == 0 && ck_encrypted_key_scrypt_memory_bytes(NULL) == 0 &&
              !ck_encrypted_key_is_cosign_compatible(NULL) && !ck_encrypted_key_has_legacy_label(NULL),
          "encrypted key getters on NULL");
}

/* ---------------------------------------------------------------------- */
/* Round trips per algorithm                                              */

static void fingerprint_texts(const ck_fingerprint *fp, char s[CK_FINGERPRINT_STRING_SIZE],
                              char h[CK_FINGERPRINT_HEX_SIZE]) {
    EXPECT(CK_OK, ck_fingerprint_to_string(fp, s, CK_FINGERPRINT_STRING_SIZE, ERR));
    EXPECT(CK_OK, ck_fingerprint_to_hex(fp, h, CK_FINGERPRINT_HEX_SIZE, ERR));
}

static void round_trip(ck_algorithm alg) {
    const char *an = ck_algorithm_name(alg);
    ck_private_key *key = NULL;
    EXPECT(CK_OK, ck_private_key_generate(alg, &key, ERR));
    if (!key) return;
    CHECK(ck_private_key_algorithm(key) == alg, "%s: algorithm", an);

    /* Public key, fingerprints. */
    ck_public_key *pub = NULL;
    EXPECT(CK_OK, ck_private_key_public_key(key, &pub, ERR));
    CHECK(ck_public_key_algorithm(pub) == alg, "%s: public algorithm", an);
    ck_fingerprint fp_priv, fp_pub, fp_parsed;
    EXPECT(CK_OK, ck_private_key_fingerprint(key, &fp_priv, ERR));
    EXPECT(CK_OK, ck_public_key_fingerprint(pub, &fp_pub, ERR));
    CHECK(memcmp(&fp_priv, &fp_pub, sizeof fp_pub) == 0, "%s: fingerprints differ", an);
    char fs[CK_FINGERPRINT_STRING_SIZE], fh[CK_FINGERPRINT_HEX_SIZE];
    fingerprint_texts(&fp_pub, fs, fh);
    CHECK(strncmp(fs, "SHA256:", 7) == 0 && strlen(fs) == 50, "%s: fingerprint string %s", an, fs);
    CHECK(strlen(fh) == 64, "%s: fingerprint hex %s", an, fh);
    EXPECT(CK_OK, ck_fingerprint_parse(fs, strlen(fs), &fp_parsed, ERR));
    CHECK(memcmp(&fp_parsed, &fp_pub, sizeof fp_pub) == 0, "%s: parse(string)", an);
    memset(&fp_parsed, 0, sizeof fp_parsed);
    EXPECT(CK_OK, ck_fingerprint_parse(fh, strlen(fh), &fp_parsed, ERR));
    CHECK(memcmp(&fp_parsed, &fp_pub, sizeof fp_pub) == 0, "%s: parse(hex)", an);

    /* Public key PEM / DER round trips. */
    ck_buf *pem = NULL, *der = NULL;
    EXPECT(CK_OK, ck_public_key_to_pem(pub, &pem, ERR));
    EXPECT(CK_OK, ck_public_key_to_der(pub, &der, ERR));
    CHECK(pem && strncmp(text(pem), "-----BEGIN PUBLIC KEY-----\n", 27) == 0 && strlen(text(pem)) == len(pem),
          "%s: public PEM", an);
    ck_public_key *pub2 = NULL, *pub3 = NULL;
    EXPECT(CK_OK, ck_public_key_from_pem(data(pem), len(pem), &pub2, ERR));
    EXPECT(CK_OK, ck_public_key_from_der(data(der), len(der), &pub3, ERR));
    CHECK(ck_public_key_equal(pub, pub2) && ck_public_key_equal(pub2, pub3), "%s: public round trip", an);

    /* Unencrypted PKCS#8 exports, re-imported. */
    ck_buf *p8pem = NULL, *p8der = NULL;
    EXPECT(CK_OK, ck_private_key_to_pkcs8_pem(key, &p8pem, ERR));
    EXPECT(CK_OK, ck_private_key_to_pkcs8_der(key, &p8der, ERR));
    CHECK(p8pem && strncmp(text(p8pem), "-----BEGIN PRIVATE KEY-----\n", 28) == 0, "%s: PKCS#8 PEM", an);
    ck_private_key *k2 = NULL, *k3 = NULL, *k4 = NULL;
    EXPECT(CK_OK, ck_private_key_import(data(p8pem), len(p8pem), NULL, 0, 0, 0, &k2, ERR));
    EXPECT(CK_OK, ck_private_key_import(data(p8der), len(p8der), NULL, 0, 0, 0, &k3, ERR));
    EXPECT(CK_OK, ck_private_key_from_pkcs8_der(data(p8der), len(p8der), &k4, ERR));
    ck_fingerprint f2, f3, f4;
    EXPECT(CK_OK, ck_private_key_fingerprint(k2, &f2, ERR));
    EXPECT(CK_OK, ck_private_key_fingerprint(k3, &f3, ERR));
    EXPECT(CK_OK, ck_private_key_fingerprint(k4, &f4, ERR));
    CHECK(!memcmp(&f2, &fp_pub, 32) && !memcmp(&f3, &fp_pub, 32) && !memcmp(&f4, &fp_pub, 32),
          "%s: imports keep the fingerprint", an);

    /* Cosign key file with a cheap cost: encrypt, parse, inspect, decrypt. */
    ck_buf *sealed = NULL;
    EXPECT(CK_OK, ck_private_key_encrypt_with_params(key, PW, PW_LEN, FAST_N, 8, 1, &sealed, ERR));
    CHECK(sealed && strncmp(text(sealed), "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n", 47) == 0,
          "%s: sealed PEM", an);
    ck_encrypted_key *ek = NULL;
    EXPECT(CK_OK, ck_encrypted_key_from_pem(data(sealed), len(sealed), &ek, ERR));
    CHECK(ck_encrypted_key_scrypt_n(ek) == FAST_N && ck_encrypted_key_scrypt_r(ek) == 8 &&
              ck_encrypted_key_scrypt_p(ek) == 1,
          "%s: scrypt params", an);
    CHECK(ck_encrypted_key_scrypt_memory_bytes(ek) == 128ull * 8 * (FAST_N + 1), "%s: memory bytes", an);
    CHECK(!ck_encrypted_key_is_cosign_compatible(ek) && !ck_encrypted_key_has_legacy_label(ek),
          "%s: compatibility flags", an);
    ck_buf *pem_again = NULL, *json = NULL;
    EXPECT(CK_OK, ck_encrypted_key_to_pem(ek, &pem_again, ERR));
    CHECK(pem_again && len(pem_again) == len(sealed) && !memcmp(data(pem_again), data(sealed), len(sealed)),
          "%s: to_pem reproduces the file", an);
    EXPECT(CK_OK, ck_encrypted_key_to_json(ek, &json, ERR));
    CHECK(json && strncmp(text(json), "{\"kdf\":{\"name\":\"scrypt\"", 23) == 0, "%s: JSON envelope", an);
    ck_encrypted_key *ek2 = NULL;
    EXPECT(CK_OK, ck_encrypted_key_from_json(data(json), len(json), &ek2, ERR));
    ck_private_key *opened = NULL, *opened2 = NULL;
    EXPECT(CK_OK, ck_encrypted_key_decrypt(ek2, PW, PW_LEN, 0, 0, &opened, ERR));
    EXPECT(CK_OK, ck_private_key_from_cosign_pem(data(sealed), len(sealed), PW, PW_LEN, &opened2, ERR));
    ck_fingerprint fo, fo2;
    EXPECT(CK_OK, ck_private_key_fingerprint(opened, &fo, ERR));
    EXPECT(CK_OK, ck_private_key_fingerprint(opened2, &fo2, ERR));
    CHECK(!memcmp(&fo, &fp_pub, 32) && !memcmp(&fo2, &fp_pub, 32), "%s: decrypt keeps the fingerprint", an);
    ck_private_key *untouched = SENTINEL;
    EXPECT(CK_DECRYPTION_FAILED, ck_encrypted_key_decrypt(ek, (const uint8_t *)"wrong", 5, 0, 0, &untouched, ERR));
    CHECK(untouched == SENTINEL, "key_out written on failure");

    /* Change the password: the new one opens it, the old one does not. */
    ck_encrypted_key *changed = NULL;
    EXPECT(CK_OK, ck_encrypted_key_change_password(ek, PW, PW_LEN, (const uint8_t *)"new pw", 6, 0, 0, &changed, ERR));
    CHECK(ck_encrypted_key_scrypt_n(changed) == FAST_N, "%s: change_password keeps the params", an);
    ck_private_key *reopened = NULL;
    EXPECT(CK_DECRYPTION_FAILED, ck_encrypted_key_decrypt(changed, PW, PW_LEN, 0, 0, &untouched, ERR));
    EXPECT(CK_OK, ck_encrypted_key_decrypt(changed, (const uint8_t *)"new pw", 6, 0, 0, &reopened, ERR));
    ck_fingerprint fr;
    EXPECT(CK_OK, ck_private_key_fingerprint(reopened, &fr, ERR));
    CHECK(!memcmp(&fr, &fp_pub, 32), "%s: change_password keeps the key", an);
    ck_encrypted_key *ek_untouched = SENTINEL;
    EXPECT(CK_DECRYPTION_FAILED,
           ck_encrypted_key_change_password(ek, (const uint8_t *)"bad", 3, PW, PW_LEN, 0, 0, &ek_untouched, ERR));
    CHECK(ek_untouched == SENTINEL, "key_out written on failure");

    /* Sign and verify a blob; the signature verifies with every copy of the key. */
    ck_buf *sig = NULL;
    EXPECT(CK_OK, ck_private_key_sign(key, MSG, MSG_LEN, &sig, ERR));
    EXPECT(CK_OK, ck_public_key_verify(pub, MSG, MSG_LEN, data(sig), len(sig), ERR));
    EXPECT(CK_OK, ck_public_key_verify(pub3, MSG, MSG_LEN, data(sig), len(sig), ERR));
    EXPECT(CK_SIGNATURE_INVALID, ck_public_key_verify(pub, MSG, MSG_LEN - 1, data(sig), len(sig), ERR));
    EXPECT(CK_SIGNATURE_INVALID, ck_public_key_verify(pub, MSG, MSG_LEN, data(sig), len(sig) - 1, ERR));
    EXPECT(CK_SIGNATURE_INVALID, ck_public_key_verify(pub, MSG, MSG_LEN, NULL, 0, ERR));
    ck_buf *sig_opened = NULL;
    EXPECT(CK_OK, ck_private_key_sign(opened, NULL, 0, &sig_opened, ERR));
    EXPECT(CK_OK, ck_public_key_verify(pub, NULL, 0, data(sig_opened), len(sig_opened), ERR));

    /* Signature text form. */
    ck_buf *b64 = NULL, *raw = NULL;
    EXPECT(CK_OK, ck_signature_to_base64(data(sig), len(sig), &b64, ERR));
    EXPECT(CK_OK, ck_signature_from_base64(data(b64), len(b64), &raw, ERR));
    CHECK(raw && len(raw) == len(sig) && !memcmp(data(raw), data(sig), len(sig)), "%s: base64 round trip", an);

    /* Digests. */
    ck_hash h = ck_algorithm_hash(alg);
    if (h == CK_HASH_NONE) {
        uint8_t digest[32] = {0};
        EXPECT(CK_UNSUPPORTED_OPERATION, ck_private_key_sign_digest(key, digest, 32, &raw, ERR));
        EXPECT(CK_UNSUPPORTED_OPERATION, ck_public_key_verify_digest(pub, digest, 32, data(sig), len(sig), ERR));
    } else {
        ck_buf *digest = NULL, *dsig = NULL;
        EXPECT(CK_OK, ck_hash_digest(h, MSG, MSG_LEN, &digest, ERR));
        EXPECT(CK_OK, ck_private_key_sign_digest(key, data(digest), len(digest), &dsig, ERR));
        EXPECT(CK_OK, ck_public_key_verify(pub, MSG, MSG_LEN, data(dsig), len(dsig), ERR));
        EXPECT(CK_OK, ck_public_key_verify_digest(pub, data(digest), len(digest), data(sig), len(sig), ERR));
        EXPECT(CK_OK, ck_public_key_verify_digest(pub, data(digest), len(digest), data(dsig), len(dsig), ERR));
        EXPECT(CK_INVALID_ARGUMENT, ck_private_key_sign_digest(key, data(digest), len(digest) - 1, &raw, ERR));
        EXPECT(CK_INVALID_ARGUMENT,
               ck_public_key_verify_digest(pub, data(digest), len(digest) - 1, data(sig), len(sig), ERR));
        uint8_t other[64] = {1};
        EXPECT(CK_SIGNATURE_INVALID, ck_public_key_verify_digest(pub, other, len(digest), data(sig), len(sig), ERR));
        ck_buf_free(digest);
        ck_buf_free(dsig);
    }

    ck_buf_free(b64);
    ck_buf_free(raw);
    ck_buf_free(sig);
    ck_buf_free(sig_opened);
    ck_private_key_free(reopened);
    ck_encrypted_key_free(changed);
    ck_private_key_free(opened);
    ck_private_key_free(opened2);
    ck_encrypted_key_free(ek2);
    ck_buf_free(json);
    ck_buf_free(pem_again);
    ck_encrypted_key_free(ek);
    ck_buf_free(sealed);
    ck_private_key_free(k2);
    ck_private_key_free(k3);
    ck_private_key_free(k4);
    ck_buf_free(p8pem);
    ck_buf_free(p8der);
    ck_public_key_free(pub2);
    ck_public_key_free(pub3);
    ck_buf_free(pem);
    ck_buf_free(der);
    /* The public key outlives the private key it came from. */
    ck_private_key_free(key);
    ck_buf *late = NULL;
    EXPECT(CK_OK, ck_public_key_to_pem(pub, &late, ERR));
    ck_buf_free(late);
    ck_public_key_free(pub);
}

/* The default cosign cost (N = 65536) once, and cosign-compatibility flags. */
static void test_default_encrypt(void) {
    ck_private_key *key = NULL, *opened = NULL;
    EXPECT(CK_OK, ck_private_key_generate(CK_ALGORITHM_ECDSA_P256, &key, ERR));
    ck_buf *pem = NULL;
    EXPECT(CK_OK, ck_private_key_encrypt(key, NULL, 0, &pem, ERR)); /* empty password, as cosign allows */
    ck_encrypted_key *ek = NULL;
    EXPECT(CK_OK, ck_encrypted_key_from_pem(data(pem), len(pem), &ek, ERR));
    CHECK(ck_encrypted_key_scrypt_n(ek) == 65536 && ck_encrypted_key_is_cosign_compatible(ek),
          "default encryption uses cosign's cost");
    /* Limits below the file's cost refuse it before deriving anything. */
    EXPECT(CK_KDF_LIMIT_EXCEEDED, ck_encrypted_key_decrypt(ek, NULL, 0, 1 << 20, 0, &opened, ERR));
    EXPECT(CK_KDF_LIMIT_EXCEEDED, ck_encrypted_key_decrypt(ek, NULL, 0, 0, 1024, &opened, ERR));
    EXPECT(CK_KDF_LIMIT_EXCEEDED,
           ck_private_key_from_cosign_pem_with_limits(data(pem), len(pem), NULL, 0, 1 << 20, 0, &opened, ERR));
    EXPECT(CK_OK, ck_private_key_from_cosign_pem_with_limits(data(pem), len(pem), (const uint8_t *)"", 0,
                                                             128u << 20, 1u << 20, &opened, ERR));
    /* Importing a Cosign key file needs its password. */
    ck_private_key *imported = NULL;
    EXPECT(CK_INVALID_ARGUMENT, ck_private_key_import(data(pem), len(pem), NULL, 0, 0, 0, &imported, ERR));
    EXPECT(CK_KDF_LIMIT_EXCEEDED,
           ck_private_key_import(data(pem), len(pem), (const uint8_t *)"", 0, 1 << 20, 0, &imported, ERR));
    EXPECT(CK_OK, ck_private_key_import(data(pem), len(pem), (const uint8_t *)"", 0, 0, 0, &imported, ERR));
    ck_encrypted_key *changed = NULL;
    EXPECT(CK_KDF_LIMIT_EXCEEDED, ck_encrypted_key_change_password(ek, NULL, 0, PW, PW_LEN, 0, 1024, &changed, ERR));
    CHECK(changed == NULL, "key_out written on failure");
    ck_fingerprint a, b, c;
    EXPECT(CK_OK, ck_private_key_fingerprint(key, &a, ERR));
    EXPECT(CK_OK, ck_private_key_fingerprint(opened, &b, ERR));
    EXPECT(CK_OK, ck_private_key_fingerprint(imported, &c, ERR));
    CHECK(!memcmp(&a, &b, 32) && !memcmp(&a, &c, 32), "default round trip keeps the key");
    ck_private_key_free(imported);
    ck_private_key_free(opened);
    ck_encrypted_key_free(ek);
    ck_buf_free(pem);
    ck_private_key_free(key);
}

/* ---------------------------------------------------------------------- */
/* Bad input: every error code the C surface can produce                  */

static const char PUB_PEM_P256[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEnf0pF9LC+3clip7JGjBHb4pBGeob\n"
    "qYKaRa+wlwho5mk9f6hQ7S7TMLE4/cQGdY7YHO3f65tDnsdtNaApMNl4SQ==\n"
    "-----END PUBLIC KEY-----\n";

/* Wraps a JSON envelope in the Cosign PEM label (base64 by hand). */
static char *cosign_pem_of_json(const char *json) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(json);
    size_t b64_len = (n + 2) / 3 * 4;
    char *out = malloc(b64_len + b64_len / 64 + 200);
    char *p = out + sprintf(out, "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n");
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)(uint8_t)json[i] << 16;
        if (i + 1 < n) v |= (unsigned)(uint8_t)json[i + 1] << 8;
        if (i + 2 < n) v |= (uint8_t)json[i + 2];
        char quad[4] = {alphabet[(v >> 18) & 63], alphabet[(v >> 12) & 63], i + 1 < n ? alphabet[(v >> 6) & 63] : '=',
                        i + 2 < n ? alphabet[v & 63] : '='};
        for (int j = 0; j < 4; j++) {
            *p++ = quad[j];
            if (++col == 64) {
                *p++ = '\n';
                col = 0;
            }
        }
    }
    if (col) *p++ = '\n';
    strcpy(p, "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n");
    return out;
}

static void expect_cosign_pem_error(const char *json, ck_status want, int line) {
    char *pem = cosign_pem_of_json(json);
    ck_encrypted_key *ek = SENTINEL;
    ck_error *err = NULL;
    ck_status st = ck_encrypted_key_from_pem((const uint8_t *)pem, strlen(pem), &ek, &err);
    expect_status(st, err, want, json, __FILE__, line);
    check(ek == SENTINEL, __FILE__, line, "key_out written on failure");
    free(pem);
}

#define SALT "\"salt\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\""
#define NONCE "\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\""
#define CT "\"ciphertext\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\""

static void test_bad_input(void) {
    ck_private_key *key = NULL;
    EXPECT(CK_OK, ck_private_key_generate(CK_ALGORITHM_ECDSA_P256, &key, ERR));
    ck_private_key *ed = NULL;
    EXPECT(CK_OK, ck_private_key_generate(CK_ALGORITHM_ED25519, &ed, ERR));
    ck_public_key *pub = NULL;
    EXPECT(CK_OK, ck_private_key_public_key(key, &pub, ERR));
    ck_private_key *pk_out = SENTINEL;
    ck_public_key *pub_out = SENTINEL;
    ck_encrypted_key *ek_out = SENTINEL;
    ck_buf *buf_out = SENTINEL;
    ck_fingerprint fp = {{0}};
    char text_buf[CK_FINGERPRINT_HEX_SIZE];

    /* NULL_PARAMETER: a NULL handle, NULL output, or NULL data with a length. */
    EXPECT(CK_NULL_PARAMETER, ck_private_key_generate(CK_ALGORITHM_ED25519, NULL, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_from_cosign_pem(NULL, 10, NULL, 0, &pk_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_from_cosign_pem((const uint8_t *)"x", 1, NULL, 3, &pk_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_from_cosign_pem_with_limits(NULL, 1, NULL, 0, 0, 0, &pk_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_from_pkcs8_der(NULL, 1, &pk_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_import(NULL, 1, NULL, 0, 0, 0, &pk_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_public_key(NULL, &pub_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_public_key(key, NULL, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_fingerprint(NULL, &fp, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_fingerprint(key, NULL, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_encrypt(NULL, PW, PW_LEN, &buf_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_encrypt(key, PW, PW_LEN, NULL, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_encrypt_with_params(key, NULL, 4, FAST_N, 8, 1, &buf_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_to_pkcs8_pem(NULL, &buf_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_to_pkcs8_der(key, NULL, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_sign(NULL, MSG, MSG_LEN, &buf_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_sign(key, NULL, 5, &buf_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_sign(key, MSG, MSG_LEN, NULL, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_private_key_sign_digest(NULL, NULL, 0, &buf_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_public_key_from_pem(NULL, 3, &pub_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_public_key_from_pem((const uint8_t *)PUB_PEM_P256, strlen(PUB_PEM_P256), NULL, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_public_key_from_der(NULL, 3, &pub_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_public_key_to_pem(NULL, &buf_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_public_key_to_der(pub, NULL, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_public_key_fingerprint(NULL, &fp, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_public_key_verify(NULL, MSG, MSG_LEN, MSG, 3, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_public_key_verify(pub, MSG, MSG_LEN, NULL, 3, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_public_key_verify_digest(pub, NULL, 32, MSG, 3, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_encrypted_key_from_pem(NULL, 2, &ek_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_encrypted_key_from_json(NULL, 2, &ek_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_encrypted_key_to_pem(NULL, &buf_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_encrypted_key_to_json(NULL, &buf_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_encrypted_key_decrypt(NULL, PW, PW_LEN, 0, 0, &pk_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_encrypted_key_change_password(NULL, PW, PW_LEN, PW, PW_LEN, 0, 0, &ek_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_fingerprint_to_string(NULL, text_buf, sizeof text_buf, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_fingerprint_to_hex(&fp, NULL, sizeof text_buf, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_fingerprint_parse(NULL, 10, &fp, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_fingerprint_parse("SHA256:", 7, NULL, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_signature_to_base64(NULL, 1, &buf_out, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_signature_from_base64((const uint8_t *)"AA==", 4, NULL, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_write_atomic(NULL, MSG, MSG_LEN, CK_PUBLIC_FILE_MODE, false, ERR));
    EXPECT(CK_NULL_PARAMETER, ck_write_atomic("/tmp/x", NULL, 1, CK_PUBLIC_FILE_MODE, false, ERR));
    EXPECT_NOERR(CK_NULL_PARAMETER, ck_private_key_sign(NULL, NULL, 0, NULL, NULL));

    /* INVALID_ARGUMENT. */
    EXPECT(CK_INVALID_ARGUMENT, ck_private_key_generate(0, &pk_out, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_private_key_generate(1000, &pk_out, ERR));
    static const uint8_t zeros[64] = {0};
    EXPECT(CK_INVALID_ARGUMENT, ck_private_key_sign_digest(key, zeros, 31, &buf_out, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_private_key_sign_digest(key, zeros, 33, &buf_out, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_fingerprint_to_string(&fp, text_buf, CK_FINGERPRINT_STRING_SIZE - 1, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_fingerprint_to_hex(&fp, text_buf, CK_FINGERPRINT_HEX_SIZE - 1, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_private_key_import((const uint8_t *)"x", 1, NULL, 2, 0, 0, &pk_out, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_write_atomic("", MSG, MSG_LEN, CK_PUBLIC_FILE_MODE, false, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_write_atomic("/tmp/ck-never", MSG, MSG_LEN, 010000, false, ERR));
    /* Issue 11: setuid, setgid and sticky bits are refused, and nothing is written. */
    EXPECT(CK_INVALID_ARGUMENT, ck_write_atomic("/tmp/ck-never-suid", MSG, MSG_LEN, 04755, true, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_write_atomic("/tmp/ck-never-suid", MSG, MSG_LEN, 02755, true, ERR));
    EXPECT(CK_INVALID_ARGUMENT, ck_write_atomic("/tmp/ck-never-suid", MSG, MSG_LEN, 01644, true, ERR));
    CHECK(access("/tmp/ck-never-suid", F_OK) != 0, "a refused mode wrote nothing");

    /* MALFORMED_PEM, UNKNOWN_PEM_LABEL, WRONG_KEY_KIND. */
    const char *not_pem = "this is not PEM";
    const char *cut_pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZ\n";
    const char *odd_label = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    EXPECT(CK_MALFORMED_PEM, ck_public_key_from_pem((const uint8_t *)not_pem, strlen(not_pem), &pub_out, ERR));
    EXPECT(CK_MALFORMED_PEM, ck_public_key_from_pem((const uint8_t *)cut_pem, strlen(cut_pem), &pub_out, ERR));
    EXPECT(CK_MALFORMED_PEM, ck_public_key_from_pem(NULL, 0, &pub_out, ERR));
    EXPECT(CK_MALFORMED_PEM, ck_encrypted_key_from_pem((const uint8_t *)not_pem, strlen(not_pem), &ek_out, ERR));
    EXPECT(CK_MALFORMED_PEM,
           ck_private_key_from_cosign_pem((const uint8_t *)cut_pem, strlen(cut_pem), PW, PW_LEN, &pk_out, ERR));
    EXPECT(CK_UNKNOWN_PEM_LABEL,
           ck_public_key_from_pem((const uint8_t *)odd_label, strlen(odd_label), &pub_out, ERR));
    EXPECT(CK_UNKNOWN_PEM_LABEL,
           ck_private_key_import((const uint8_t *)odd_label, strlen(odd_label), NULL, 0, 0, 0, &pk_out, ERR));
    EXPECT(CK_WRONG_KEY_KIND, ck_encrypted_key_from_pem((const uint8_t *)PUB_PEM_P256, strlen(PUB_PEM_P256),
                                                        &ek_out, ERR));
    EXPECT(CK_WRONG_KEY_KIND,
           ck_private_key_import((const uint8_t *)PUB_PEM_P256, strlen(PUB_PEM_P256), NULL, 0, 0, 0, &pk_out, ERR));
    ck_buf *p8 = NULL;
    EXPECT(CK_OK, ck_private_key_to_pkcs8_pem(key, &p8, ERR));
    EXPECT(CK_WRONG_KEY_KIND, ck_public_key_from_pem(data(p8), len(p8), &pub_out, ERR));
    EXPECT(CK_WRONG_KEY_KIND, ck_private_key_from_cosign_pem(data(p8), len(p8), PW, PW_LEN, &pk_out, ERR));
    ck_buf_free(p8);

    /* Envelope errors (the JSON inside a Cosign key file). */
    expect_cosign_pem_error("{not json", CK_MALFORMED_ENVELOPE, __LINE__);
    expect_cosign_pem_error("{\"kdf\":{\"name\":\"argon2\",\"params\":{\"N\":1024,\"r\":8,\"p\":1}," SALT "},"
                            "\"cipher\":{\"name\":\"nacl/secretbox\"," NONCE "}," CT "}",
                            CK_UNKNOWN_KDF, __LINE__);
    expect_cosign_pem_error("{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":1024,\"r\":8,\"p\":1}," SALT "},"
                            "\"cipher\":{\"name\":\"aes-gcm\"," NONCE "}," CT "}",
                            CK_UNKNOWN_CIPHER, __LINE__);
    expect_cosign_pem_error("{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":1000,\"r\":8,\"p\":1}," SALT "},"
                            "\"cipher\":{\"name\":\"nacl/secretbox\"," NONCE "}," CT "}",
                            CK_INVALID_KDF_PARAMS, __LINE__);
    const char *bad_json = "{\"kdf\":{}}";
    EXPECT(CK_MALFORMED_ENVELOPE, ck_encrypted_key_from_json((const uint8_t *)bad_json, strlen(bad_json), &ek_out, ERR));
    EXPECT(CK_INVALID_KDF_PARAMS, ck_private_key_encrypt_with_params(key, PW, PW_LEN, 1000, 8, 1, &buf_out, ERR));
    EXPECT(CK_INVALID_KDF_PARAMS, ck_private_key_encrypt_with_params(key, PW, PW_LEN, FAST_N, 0, 1, &buf_out, ERR));

    /* KDF_LIMIT_EXCEEDED: a valid but huge cost is refused before deriving. */
    {
        char *pem = cosign_pem_of_json("{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":1099511627776,\"r\":8,\"p\":1},"
                                       SALT "},\"cipher\":{\"name\":\"nacl/secretbox\"," NONCE "}," CT "}");
        EXPECT(CK_KDF_LIMIT_EXCEEDED,
               ck_private_key_from_cosign_pem((const uint8_t *)pem, strlen(pem), PW, PW_LEN, &pk_out, ERR));
        free(pem);
    }

    /* MALFORMED_KEY and UNSUPPORTED_ALGORITHM. */
    static const uint8_t garbage[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    EXPECT(CK_MALFORMED_KEY, ck_private_key_from_pkcs8_der(garbage, sizeof garbage, &pk_out, ERR));
    EXPECT(CK_MALFORMED_KEY, ck_public_key_from_der(garbage, sizeof garbage, &pub_out, ERR));
    EXPECT(CK_MALFORMED_KEY, ck_private_key_import(garbage, sizeof garbage, NULL, 0, 0, 0, &pk_out, ERR));
    /* SPKI of an X25519 key (OID 1.3.101.110): well formed, not a signing key. */
    static const uint8_t x25519_spki[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
                                          9,    9,    9,    9,    9,    9,    9,    9,    9,    9,    9,    9,
                                          9,    9,    9,    9,    9,    9,    9,    9,    9,    9,    9,    9,
                                          9,    9,    9,    9,    9,    9,    9,    9};
    EXPECT(CK_UNSUPPORTED_ALGORITHM, ck_public_key_from_der(x25519_spki, sizeof x25519_spki, &pub_out, ERR));

    /* UNSUPPORTED_OPERATION: Ed25519 signs messages, not digests. */
    uint8_t digest[32] = {0};
    EXPECT(CK_UNSUPPORTED_OPERATION, ck_private_key_sign_digest(ed, digest, sizeof digest, &buf_out, ERR));

    /* INVALID_FINGERPRINT and MALFORMED_SIGNATURE. */
    const char *bad_fps[] = {"", "SHA256:", "SHA256:!!!!", "abc", "sha256:AAAA",
                             "zz00000000000000000000000000000000000000000000000000000000000000"};
    for (size_t i = 0; i < sizeof bad_fps / sizeof bad_fps[0]; i++) {
        EXPECT(CK_INVALID_FINGERPRINT, ck_fingerprint_parse(bad_fps[i], strlen(bad_fps[i]), &fp, ERR));
    }
    EXPECT(CK_INVALID_FINGERPRINT, ck_fingerprint_parse("\xff\xfe", 2, &fp, ERR));
    EXPECT(CK_MALFORMED_SIGNATURE, ck_signature_from_base64((const uint8_t *)"not base64!", 11, &buf_out, ERR));
    EXPECT(CK_MALFORMED_SIGNATURE, ck_signature_from_base64((const uint8_t *)"  \n", 3, &buf_out, ERR));
    EXPECT(CK_MALFORMED_SIGNATURE, ck_signature_from_base64(NULL, 0, &buf_out, ERR));

    /* SIGNATURE_INVALID: a signature by another key. */
    ck_buf *sig = NULL;
    EXPECT(CK_OK, ck_private_key_sign(ed, MSG, MSG_LEN, &sig, ERR));
    EXPECT(CK_SIGNATURE_INVALID, ck_public_key_verify(pub, MSG, MSG_LEN, data(sig), len(sig), ERR));
    ck_buf_free(sig);

    /* Outputs stay untouched after all these failures. */
    CHECK(pk_out == SENTINEL && pub_out == SENTINEL && ek_out == SENTINEL && buf_out == SENTINEL,
          "an output parameter was written by a failing call");

    ck_public_key_free(pub);
    ck_private_key_free(ed);
    ck_private_key_free(key);
}

/* ---------------------------------------------------------------------- */
/* Files                                                                  */

static void test_write_atomic(void) {
    char dir[] = "/tmp/ck-c-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    char path[256], missing[256];
    snprintf(path, sizeof path, "%s/cosign.key", dir);
    snprintf(missing, sizeof missing, "%s/no/such/dir/cosign.key", dir);

    EXPECT(CK_OK, ck_write_atomic(path, (const uint8_t *)"one", 3, CK_PRIVATE_FILE_MODE, false, ERR));
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_size == 3, "mode 0600, 3 bytes");
    EXPECT(CK_ALREADY_EXISTS, ck_write_atomic(path, (const uint8_t *)"two", 3, CK_PRIVATE_FILE_MODE, false, ERR));
    EXPECT(CK_OK, ck_write_atomic(path, (const uint8_t *)"three", 5, CK_PUBLIC_FILE_MODE, true, ERR));
    CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644 && st.st_size == 5, "replaced: mode 0644, 5 bytes");
    FILE *f = fopen(path, "rb");
    char back[8] = {0};
    CHECK(f && fread(back, 1, sizeof back, f) == 5 && memcmp(back, "three", 5) == 0, "content replaced");
    if (f) fclose(f);
    EXPECT(CK_IO, ck_write_atomic(missing, (const uint8_t *)"x", 1, CK_PUBLIC_FILE_MODE, false, ERR));
    EXPECT(CK_OK, ck_write_atomic(path, NULL, 0, CK_PUBLIC_FILE_MODE, true, ERR));
    CHECK(stat(path, &st) == 0 && st.st_size == 0, "empty file");
    unlink(path);
    rmdir(dir);
}

/* ---------------------------------------------------------------------- */
/* Threads: one key, one public key, used from several threads at once    */

typedef struct {
    const ck_private_key *key;
    const ck_public_key *pub;
    int ok;
} thread_arg;

static void *sign_many(void *p) {
    thread_arg *a = p;
    a->ok = 1;
    for (int i = 0; i < 20; i++) {
        ck_buf *sig = NULL;
        ck_fingerprint fp;
        if (ck_private_key_sign(a->key, MSG, MSG_LEN, &sig, NULL) != CK_OK ||
            ck_public_key_verify(a->pub, MSG, MSG_LEN, ck_buf_data(sig), ck_buf_len(sig), NULL) != CK_OK ||
            ck_public_key_fingerprint(a->pub, &fp, NULL) != CK_OK)
            a->ok = 0;
        ck_buf_free(sig);
    }
    return NULL;
}

static void test_threads(void) {
    ck_private_key *key = NULL;
    ck_public_key *pub = NULL;
    EXPECT(CK_OK, ck_private_key_generate(CK_ALGORITHM_ECDSA_P256, &key, ERR));
    EXPECT(CK_OK, ck_private_key_public_key(key, &pub, ERR));
    pthread_t t[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){key, pub, 0};
        pthread_create(&t[i], NULL, sign_many, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(args[i].ok, "thread %d: concurrent sign/verify failed", i);
    }
    ck_public_key_free(pub);
    ck_private_key_free(key);
}

/* ---------------------------------------------------------------------- */
/* Shared vectors                                                         */

static ck_status status_named(const char *name) {
    for (ck_status s = 0; s < 1000; s++) {
        const char *n = ck_status_name(s);
        if (n && strcmp(n, name) == 0) return s;
    }
    return UINT32_MAX;
}

static void vectors_cosign_generated(const char *dir) {
    char path[1024];
    snprintf(path, sizeof path, "%s/cosign-generated.json", dir);
    mj_array cases;
    if (mj_load(path, &cases) != 0) {
        CHECK(0, "cannot read %s", path);
        return;
    }
    CHECK(cases.n > 0, "no cases in %s", path);
    for (int i = 0; i < cases.n; i++) {
        const mj_object *c = &cases.items[i];
        size_t pw_len, key_len, pub_len, blob_b64_len, sig_b64_len;
        const char *desc = mj_get(c, "description", NULL, NULL);
        const char *alg_name = mj_get(c, "algorithm", NULL, NULL);
        const char *pw = mj_get(c, "password", &pw_len, NULL);
        const char *key_pem = mj_get(c, "private_key_pem", &key_len, NULL);
        const char *pub_pem = mj_get(c, "public_key_pem", &pub_len, NULL);
        const char *fp_hex = mj_get(c, "fingerprint_hex", NULL, NULL);
        const char *fp_s = mj_get(c, "fingerprint_sha256", NULL, NULL);
        const char *blob_b64 = mj_get(c, "blob_b64", &blob_b64_len, NULL);
        const char *sig_b64 = mj_get(c, "signature_b64", &sig_b64_len, NULL);
        if (!desc || !alg_name || !pw || !key_pem || !pub_pem || !fp_hex || !fp_s || !blob_b64 || !sig_b64) {
            CHECK(0, "cosign-generated case %d: missing field", i + 1);
            continue;
        }
        uint8_t *blob = NULL, *sig = NULL;
        size_t blob_len = 0, sig_len = 0;
        CHECK(mj_base64(blob_b64, blob_b64_len, &blob, &blob_len) == 0, "case %d: blob base64", i + 1);
        CHECK(mj_base64(sig_b64, sig_b64_len, &sig, &sig_len) == 0, "case %d: signature base64", i + 1);

        ck_private_key *key = NULL;
        ck_public_key *pub = NULL, *derived = NULL;
        EXPECT(CK_OK, ck_private_key_from_cosign_pem((const uint8_t *)key_pem, key_len, (const uint8_t *)pw, pw_len,
                                                     &key, ERR));
        EXPECT(CK_OK, ck_public_key_from_pem((const uint8_t *)pub_pem, pub_len, &pub, ERR));
        if (!key || !pub) {
            CHECK(0, "case %d (%s): key did not load", i + 1, desc);
            ck_private_key_free(key);
            ck_public_key_free(pub);
            free(blob);
            free(sig);
            continue;
        }
        ck_algorithm alg = CK_ALGORITHM_NONE;
        EXPECT(CK_OK, ck_algorithm_parse(alg_name, &alg, ERR));
        CHECK(ck_private_key_algorithm(key) == alg, "case %d: algorithm %s", i + 1, alg_name);

        /* Our public key PEM is byte-identical to cosign's. */
        EXPECT(CK_OK, ck_private_key_public_key(key, &derived, ERR));
        ck_buf *pem = NULL;
        EXPECT(CK_OK, ck_public_key_to_pem(derived, &pem, ERR));
        CHECK(pem && len(pem) == pub_len && memcmp(data(pem), pub_pem, pub_len) == 0, "case %d: public PEM differs",
              i + 1);
        ck_buf_free(pem);

        ck_fingerprint fp;
        char s[CK_FINGERPRINT_STRING_SIZE], h[CK_FINGERPRINT_HEX_SIZE];
        EXPECT(CK_OK, ck_public_key_fingerprint(pub, &fp, ERR));
        fingerprint_texts(&fp, s, h);
        CHECK(strcmp(s, fp_s) == 0 && strcmp(h, fp_hex) == 0, "case %d: fingerprint %s / %s", i + 1, s, h);

        /* Cosign's signature verifies, over the blob and over its digest. */
        EXPECT(CK_OK, ck_public_key_verify(pub, blob, blob_len, sig, sig_len, ERR));
        ck_hash hash = ck_algorithm_hash(alg);
        if (hash != CK_HASH_NONE) {
            ck_buf *digest = NULL;
            EXPECT(CK_OK, ck_hash_digest(hash, blob, blob_len, &digest, ERR));
            EXPECT(CK_OK, ck_public_key_verify_digest(pub, data(digest), len(digest), sig, sig_len, ERR));
            ck_buf_free(digest);
        }
        /* A fresh signature verifies; one flipped bit does not. */
        ck_buf *fresh = NULL;
        EXPECT(CK_OK, ck_private_key_sign(key, blob, blob_len, &fresh, ERR));
        EXPECT(CK_OK, ck_public_key_verify(pub, blob, blob_len, data(fresh), len(fresh), ERR));
        ck_buf_free(fresh);
        sig[sig_len / 2] ^= 0x01;
        EXPECT(CK_SIGNATURE_INVALID, ck_public_key_verify(pub, blob, blob_len, sig, sig_len, ERR));

        ck_public_key_free(derived);
        ck_public_key_free(pub);
        ck_private_key_free(key);
        free(blob);
        free(sig);
    }
    mj_free(&cases);
}

static void vectors_bad_input(const char *dir) {
    char path[1024];
    snprintf(path, sizeof path, "%s/bad-input.json", dir);
    mj_array cases;
    if (mj_load(path, &cases) != 0) {
        CHECK(0, "cannot read %s", path);
        return;
    }
    CHECK(cases.n > 0, "no cases in %s", path);
    for (int i = 0; i < cases.n; i++) {
        const mj_object *c = &cases.items[i];
        size_t in_len, pw_len;
        const char *desc = mj_get(c, "description", NULL, NULL);
        const char *in = mj_get(c, "input_pem", &in_len, NULL);
        const char *pw = mj_get(c, "password", &pw_len, NULL);
        const char *expect = mj_get(c, "expect", NULL, NULL);
        if (!desc || !in || !pw || !expect) {
            CHECK(0, "bad-input case %d: missing field", i + 1);
            continue;
        }
        ck_status want = status_named(expect);
        CHECK(want != UINT32_MAX, "case %d: unknown expect %s", i + 1, expect);
        ck_private_key *key = NULL;
        ck_error *err = NULL;
        ck_status st = ck_private_key_from_cosign_pem((const uint8_t *)in, in_len, (const uint8_t *)pw, pw_len, &key,
                                                      &err);
        char label[160];
        snprintf(label, sizeof label, "bad-input case %d (%.100s)", i + 1, desc);
        expect_status(st, err, want, label, __FILE__, __LINE__);
        if (want == CK_OK && key) {
            const char *fp_s = mj_get(c, "fingerprint_sha256", NULL, NULL);
            ck_fingerprint fp;
            char s[CK_FINGERPRINT_STRING_SIZE], h[CK_FINGERPRINT_HEX_SIZE];
            EXPECT(CK_OK, ck_private_key_fingerprint(key, &fp, ERR));
            fingerprint_texts(&fp, s, h);
            CHECK(fp_s && strcmp(s, fp_s) == 0, "%s: fingerprint %s", label, s);
        }
        CHECK((want == CK_OK) == (key != NULL), "%s: key_out", label);
        ck_private_key_free(key);
    }
    mj_free(&cases);
}

static void vectors_import(const char *dir) {
    char path[1024];
    snprintf(path, sizeof path, "%s/import.json", dir);
    mj_array cases;
    if (mj_load(path, &cases) != 0) {
        CHECK(0, "cannot read %s", path);
        return;
    }
    CHECK(cases.n > 0, "no cases in %s", path);
    for (int i = 0; i < cases.n; i++) {
        const mj_object *c = &cases.items[i];
        size_t in_b64_len, pw_len;
        int pw_present;
        const char *desc = mj_get(c, "description", NULL, NULL);
        const char *in_b64 = mj_get(c, "input_b64", &in_b64_len, NULL);
        const char *pw = mj_get(c, "password", &pw_len, &pw_present);
        const char *expect = mj_get(c, "expect", NULL, NULL);
        if (!desc || !in_b64 || !pw_present || !expect) {
            CHECK(0, "import case %d: missing field", i + 1);
            continue;
        }
        uint8_t *input = NULL;
        size_t input_len = 0;
        CHECK(mj_base64(in_b64, in_b64_len, &input, &input_len) == 0, "import case %d: base64", i + 1);
        ck_status want = status_named(expect);
        ck_private_key *key = NULL;
        ck_error *err = NULL;
        /* null password: NULL pointer (no password); "" is a real empty one. */
        const uint8_t *pw_ptr = pw ? (const uint8_t *)pw : NULL;
        ck_status st = ck_private_key_import(input, input_len, pw_ptr, pw ? pw_len : 0, 0, 0, &key, &err);
        char label[160];
        snprintf(label, sizeof label, "import case %d (%.100s)", i + 1, desc);
        expect_status(st, err, want, label, __FILE__, __LINE__);
        if (want == CK_OK && key) {
            const char *alg_name = mj_get(c, "algorithm", NULL, NULL);
            const char *fp_s = mj_get(c, "fingerprint_sha256", NULL, NULL);
            const char *got_alg = ck_algorithm_name(ck_private_key_algorithm(key));
            CHECK(alg_name && got_alg && strcmp(alg_name, got_alg) == 0, "%s: algorithm %s", label,
                  got_alg ? got_alg : "NULL");
            ck_fingerprint fp;
            char s[CK_FINGERPRINT_STRING_SIZE], h[CK_FINGERPRINT_HEX_SIZE];
            EXPECT(CK_OK, ck_private_key_fingerprint(key, &fp, ERR));
            fingerprint_texts(&fp, s, h);
            CHECK(fp_s && strcmp(s, fp_s) == 0, "%s: fingerprint %s", label, s);
            /* An imported key signs, and cosign can read it after encryption. */
            ck_buf *sig = NULL;
            ck_public_key *pub = NULL;
            EXPECT(CK_OK, ck_private_key_sign(key, MSG, MSG_LEN, &sig, ERR));
            EXPECT(CK_OK, ck_private_key_public_key(key, &pub, ERR));
            EXPECT(CK_OK, ck_public_key_verify(pub, MSG, MSG_LEN, data(sig), len(sig), ERR));
            ck_public_key_free(pub);
            ck_buf_free(sig);
        }
        CHECK((want == CK_OK) == (key != NULL), "%s: key_out", label);
        ck_private_key_free(key);
        free(input);
    }
    mj_free(&cases);
}

/* ---------------------------------------------------------------------- */

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTORS_DIR\n", argv[0]);
        return 2;
    }
    const char *quick = getenv("CK_TEST_SKIP_SLOW_KEYGEN");

    test_version_and_names();
    test_algorithms_and_hashes();
    test_error_and_buf_accessors();
    for (size_t i = 0; i < N_ALGS; i++) {
        /* RSA 3072/4096 key generation takes minutes under valgrind; their
         * parsing and signing are covered by the vectors either way. */
        if (quick && (ALGS[i] == CK_ALGORITHM_RSA_3072 || ALGS[i] == CK_ALGORITHM_RSA_4096)) continue;
        round_trip(ALGS[i]);
    }
    test_default_encrypt();
    test_bad_input();
    test_write_atomic();
    test_threads();
    vectors_cosign_generated(argv[1]);
    vectors_bad_input(argv[1]);
    vectors_import(argv[1]);
    test_backends();

    /* Every error code the C surface can produce was reached. */
    const ck_status reachable[] = {
        CK_NULL_PARAMETER,     CK_INVALID_ARGUMENT,      CK_MALFORMED_PEM,        CK_UNKNOWN_PEM_LABEL,
        CK_WRONG_KEY_KIND,     CK_MALFORMED_ENVELOPE,    CK_UNKNOWN_KDF,          CK_UNKNOWN_CIPHER,
        CK_INVALID_KDF_PARAMS, CK_KDF_LIMIT_EXCEEDED,    CK_MALFORMED_KEY,        CK_UNSUPPORTED_ALGORITHM,
        CK_UNSUPPORTED_OPERATION, CK_INVALID_FINGERPRINT, CK_MALFORMED_SIGNATURE, CK_DECRYPTION_FAILED,
        CK_SIGNATURE_INVALID,  CK_ALREADY_EXISTS,        CK_IO,
    };
    for (size_t i = 0; i < sizeof reachable / sizeof reachable[0]; i++) {
        CHECK(g_seen[reachable[i]], "error code %s was never reached", name_of(reachable[i]));
    }
    /* Store and KMS codes reachable without a server (the directory store). */
    const ck_status reachable_backends[] = {CK_INVALID_URI, CK_NOT_SUPPORTED, CK_NOT_FOUND, CK_CONFLICT};
    for (size_t i = 0; i < sizeof reachable_backends / sizeof reachable_backends[0]; i++) {
        CHECK(g_seen[reachable_backends[i]], "error code %s was never reached", name_of(reachable_backends[i]));
    }
    /* With Vault's read-only token: a refused write. */
    if (getenv("VAULT_ADDR") && getenv("COSIGN_KEYS_TEST_READONLY_TOKEN")) {
        CHECK(g_seen[CK_PERMISSION_DENIED], "error code %s was never reached", name_of(CK_PERMISSION_DENIED));
    }

    printf("c: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
