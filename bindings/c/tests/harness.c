/* harness.c: see harness.h. */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>

int g_passed, g_failed;
int g_seen[1000];

void check(int ok, const char *file, int line, const char *fmt, ...) {
    if (ok) {
        g_passed++;
        return;
    }
    g_failed++;
    fprintf(stderr, "FAIL (%s:%d): ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const char *name_of(ck_status s) {
    const char *n = ck_status_name(s);
    return n ? n : "(unknown)";
}

void expect_status(ck_status got, ck_error *err, ck_status want, const char *call, const char *file, int line) {
    if (got != want) {
        char msg[512] = "";
        if (err) ck_error_message(err, msg, sizeof msg);
        check(0, file, line, "%s: got %s (%u), want %s: %s", call, name_of(got), got, name_of(want), msg);
    } else if (want == CK_OK) {
        check(err == NULL, file, line, "%s: succeeded but set *err_out", call);
    } else {
        int ok = err != NULL && ck_error_code(err) == want && ck_error_message(err, NULL, 0) > 0;
        check(ok, file, line, "%s: %s without a matching error object", call, name_of(want));
        if (ok && want < 1000) g_seen[want] = 1;
    }
    ck_error_free(err);
}
