/*
 * bench_ck.c: per-call cost through the C ABI of a cheap call (fingerprint)
 * and of ECDSA P-256 signing, the same loops as the native Rust baseline
 * (cosign-keys-ffi/examples/native_bench.rs) and the Go benchmarks.
 *
 * Usage: bench_ck FP_ITERS SIGN_ITERS
 * Prints `fingerprint <ns/op>` and `sign_p256 <ns/op>`; bindings/bench.sh
 * compares them.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cosign_keys.h"

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    long fp_iters = argc > 1 ? atol(argv[1]) : 1000000;
    long sign_iters = argc > 2 ? atol(argv[2]) : 20000;
    static const uint8_t msg[] = "an artifact to sign";

    ck_private_key *key = NULL;
    ck_public_key *pub = NULL;
    if (ck_private_key_generate(CK_ALGORITHM_ECDSA_P256, &key, NULL) != CK_OK ||
        ck_private_key_public_key(key, &pub, NULL) != CK_OK) {
        fprintf(stderr, "bench_ck: setup failed\n");
        return 1;
    }

    ck_fingerprint fp;
    double start = now_ns();
    for (long i = 0; i < fp_iters; i++) {
        if (ck_public_key_fingerprint(pub, &fp, NULL) != CK_OK) return 1;
    }
    double fp_ns = (now_ns() - start) / (double)(fp_iters > 0 ? fp_iters : 1);

    start = now_ns();
    for (long i = 0; i < sign_iters; i++) {
        ck_buf *sig = NULL;
        if (ck_private_key_sign(key, msg, sizeof msg - 1, &sig, NULL) != CK_OK) return 1;
        ck_buf_free(sig);
    }
    double sign_ns = (now_ns() - start) / (double)(sign_iters > 0 ? sign_iters : 1);

    printf("fingerprint %.0f\n", fp_ns);
    printf("sign_p256 %.0f\n", sign_ns);
    ck_public_key_free(pub);
    ck_private_key_free(key);
    return 0;
}
