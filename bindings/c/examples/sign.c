/*
 * sign.c: the main job through the C ABI. Generates a key pair, seals the
 * private key into a cosign.key (cosign's own scrypt cost), writes cosign.key
 * and cosign.pub atomically, loads them back from disk, signs a blob, verifies
 * the signature, and prints the fingerprint and the signature as
 * `cosign sign-blob` would.
 *
 * Usage: sign DIR [PASSWORD]   (DIR must exist; files are not overwritten)
 * Build: cc sign.c $(pkg-config --cflags --libs cosign_keys)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cosign_keys.h"

/* Prints the error of a failed call and exits. */
static void die(const char *what, ck_status status, ck_error *err) {
    char msg[512] = "";
    if (err) ck_error_message(err, msg, sizeof msg);
    const char *name = ck_status_name(status);
    fprintf(stderr, "sign: %s failed: %s [%s]\n", what, msg, name ? name : "?");
    ck_error_free(err);
    exit(1);
}

#define TRY(what, call)                            \
    do {                                           \
        ck_error *err_ = NULL;                     \
        ck_status st_ = (call);                    \
        if (st_ != CK_OK) die((what), st_, err_);  \
    } while (0)
#define ERR (&err_)

/* Reads a whole file into a malloc'd buffer. */
static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)size + 1);
    *len = fread(buf, 1, (size_t)size, f);
    fclose(f);
    return buf;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [PASSWORD]\n", argv[0]);
        return 2;
    }
    const char *pw = argc > 2 ? argv[2] : "example password";
    size_t pw_len = strlen(pw);
    char key_path[4096], pub_path[4096];
    snprintf(key_path, sizeof key_path, "%s/cosign.key", argv[1]);
    snprintf(pub_path, sizeof pub_path, "%s/cosign.pub", argv[1]);
    printf("cosign-keys %s\n", ck_version());

    /* Generate, seal, write. */
    ck_private_key *key = NULL;
    ck_public_key *pub = NULL;
    ck_buf *key_pem = NULL, *pub_pem = NULL;
    TRY("generate", ck_private_key_generate(CK_ALGORITHM_ECDSA_P256, &key, ERR));
    TRY("encrypt", ck_private_key_encrypt(key, (const uint8_t *)pw, pw_len, &key_pem, ERR));
    TRY("public key", ck_private_key_public_key(key, &pub, ERR));
    TRY("public PEM", ck_public_key_to_pem(pub, &pub_pem, ERR));
    TRY("write cosign.key",
        ck_write_atomic(key_path, ck_buf_data(key_pem), ck_buf_len(key_pem), CK_PRIVATE_FILE_MODE, false, ERR));
    TRY("write cosign.pub",
        ck_write_atomic(pub_path, ck_buf_data(pub_pem), ck_buf_len(pub_pem), CK_PUBLIC_FILE_MODE, false, ERR));
    printf("wrote %s and %s\n", key_path, pub_path);
    ck_buf_free(key_pem);
    ck_buf_free(pub_pem);
    ck_public_key_free(pub);
    ck_private_key_free(key);

    /* Reload both from disk. */
    size_t key_len, pub_len;
    uint8_t *key_file = read_file(key_path, &key_len);
    uint8_t *pub_file = read_file(pub_path, &pub_len);
    ck_private_key *signer = NULL;
    ck_public_key *verifier = NULL;
    TRY("load cosign.key",
        ck_private_key_from_cosign_pem(key_file, key_len, (const uint8_t *)pw, pw_len, &signer, ERR));
    TRY("load cosign.pub", ck_public_key_from_pem(pub_file, pub_len, &verifier, ERR));
    free(key_file);
    free(pub_file);

    /* Fingerprint from cosign.pub alone. */
    ck_fingerprint fp;
    char fp_text[CK_FINGERPRINT_STRING_SIZE], fp_hex[CK_FINGERPRINT_HEX_SIZE];
    TRY("fingerprint", ck_public_key_fingerprint(verifier, &fp, ERR));
    TRY("fingerprint text", ck_fingerprint_to_string(&fp, fp_text, sizeof fp_text, ERR));
    TRY("fingerprint hex", ck_fingerprint_to_hex(&fp, fp_hex, sizeof fp_hex, ERR));
    printf("fingerprint %s\n            %s\n", fp_text, fp_hex);

    /* Sign and verify a blob. */
    static const char blob[] = "my artifact\n";
    ck_buf *sig = NULL, *sig_b64 = NULL;
    TRY("sign", ck_private_key_sign(signer, (const uint8_t *)blob, sizeof blob - 1, &sig, ERR));
    TRY("base64", ck_signature_to_base64(ck_buf_data(sig), ck_buf_len(sig), &sig_b64, ERR));
    printf("signature %s\n", (const char *)ck_buf_data(sig_b64));
    TRY("verify", ck_public_key_verify(verifier, (const uint8_t *)blob, sizeof blob - 1, ck_buf_data(sig),
                                       ck_buf_len(sig), ERR));
    printf("Verified OK\n");

    /* A tampered blob does not verify. */
    ck_error *err = NULL;
    ck_status st = ck_public_key_verify(verifier, (const uint8_t *)"my artifact!\n", 13, ck_buf_data(sig),
                                        ck_buf_len(sig), &err);
    printf("tampered blob: %s\n", ck_status_name(st));
    ck_error_free(err);

    ck_buf_free(sig_b64);
    ck_buf_free(sig);
    ck_public_key_free(verifier);
    ck_private_key_free(signer);
    return st == CK_SIGNATURE_INVALID ? 0 : 1;
}
