/*
 * harness.h: the small test harness shared by the C test files (test_ck.c,
 * test_backends.c): counters, CHECK / EXPECT, and the record of every error
 * code a test expected and got.
 */
#ifndef CK_TEST_HARNESS_H
#define CK_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "cosign_keys.h"

extern int g_passed, g_failed;
/* Every non-OK status some test expected and got, indexed by number. */
extern int g_seen[1000];

void check(int ok, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define CHECK(cond, ...) check((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

const char *name_of(ck_status s);

/* Checks a call's status against the expected one. For an error, also checks
 * the error object (same code, non-empty message) and records the code as
 * reached. Frees the error object. */
void expect_status(ck_status got, ck_error *err, ck_status want, const char *call, const char *file, int line);

/* EXPECT(status, call) runs `call`, which must pass ERR as its err_out. */
#define ERR (&err_)
#define EXPECT(want, call)                                             \
    do {                                                               \
        ck_error *err_ = NULL;                                         \
        ck_status st_ = (call);                                        \
        expect_status(st_, err_, (want), #call, __FILE__, __LINE__);   \
    } while (0)

/* Runs `call` with a NULL err_out (allowed everywhere) and checks only the
 * status. */
#define EXPECT_NOERR(want, call)                                                     \
    do {                                                                             \
        ck_status st_ = (call);                                                      \
        CHECK(st_ == (want), "%s: got %s, want %s", #call, name_of(st_), name_of(want)); \
    } while (0)

static inline const uint8_t *data(const ck_buf *b) { return ck_buf_data(b); }
static inline const char *text(const ck_buf *b) { return (const char *)ck_buf_data(b); }
static inline size_t len(const ck_buf *b) { return ck_buf_len(b); }

/* A pointer value that must survive a failed call untouched. */
#define SENTINEL ((void *)0x5a5a)

/* The store and KMS tests (test_backends.c). */
void test_backends(void);

#endif
