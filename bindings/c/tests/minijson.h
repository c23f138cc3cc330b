/*
 * minijson.h: just enough JSON to read the tests/vectors JSON files from C: a
 * top-level array of flat objects whose values are strings or null. Also a
 * strict standard-base64 decoder. Header-only, for the C tests.
 */
#ifndef MINIJSON_H
#define MINIJSON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MJ_MAX_FIELDS 32

typedef struct {
    int n;
    char *keys[MJ_MAX_FIELDS];
    char *vals[MJ_MAX_FIELDS]; /* NULL for JSON null */
    size_t lens[MJ_MAX_FIELDS];
} mj_object;

typedef struct {
    int n;
    mj_object *items;
} mj_array;

typedef struct {
    const char *p;
    const char *end;
    int error;
} mj_parser;

static void mj_ws(mj_parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static void mj_put_utf8(char *out, size_t *n, unsigned cp) {
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xC0 | (cp >> 6));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*n)++] = (char)(0xE0 | (cp >> 12));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* Parses a string at ps->p (which is at the opening quote); malloc'd result. */
static char *mj_string(mj_parser *ps, size_t *len_out) {
    if (ps->p >= ps->end || *ps->p != '"') {
        ps->error = 1;
        return NULL;
    }
    ps->p++;
    char *out = malloc((size_t)(ps->end - ps->p) + 1);
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != '"') {
        char c = *ps->p++;
        if (c != '\\') {
            out[n++] = c;
            continue;
        }
        if (ps->p >= ps->end) break;
        c = *ps->p++;
        switch (c) {
        case 'n': out[n++] = '\n'; break;
        case 't': out[n++] = '\t'; break;
        case 'r': out[n++] = '\r'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'u': {
            unsigned cp = 0;
            for (int i = 0; i < 4 && ps->p < ps->end; i++) {
                char h = *ps->p++;
                cp <<= 4;
                if (h >= '0' && h <= '9') cp |= (unsigned)(h - '0');
                else if (h >= 'a' && h <= 'f') cp |= (unsigned)(h - 'a' + 10);
                else if (h >= 'A' && h <= 'F') cp |= (unsigned)(h - 'A' + 10);
                else ps->error = 1;
            }
            mj_put_utf8(out, &n, cp);
            break;
        }
        default: out[n++] = c; break; /* \" \\ \/ */
        }
    }
    if (ps->p >= ps->end) {
        ps->error = 1;
    } else {
        ps->p++; /* closing quote */
    }
    out[n] = '\0';
    *len_out = n;
    return out;
}

static int mj_literal(mj_parser *ps, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, lit, n) == 0) {
        ps->p += n;
        return 1;
    }
    return 0;
}

static void mj_object_parse(mj_parser *ps, mj_object *obj) {
    memset(obj, 0, sizeof *obj);
    mj_ws(ps);
    if (ps->p >= ps->end || *ps->p != '{') { ps->error = 1; return; }
    ps->p++;
    mj_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') { ps->p++; return; }
    for (;;) {
        size_t klen, vlen = 0;
        mj_ws(ps);
        char *key = mj_string(ps, &klen);
        mj_ws(ps);
        if (ps->error || ps->p >= ps->end || *ps->p != ':') { free(key); ps->error = 1; return; }
        ps->p++;
        mj_ws(ps);
        char *val = NULL;
        if (mj_literal(ps, "null")) {
            val = NULL;
        } else {
            val = mj_string(ps, &vlen);
        }
        if (ps->error || obj->n == MJ_MAX_FIELDS) { free(key); free(val); ps->error = 1; return; }
        obj->keys[obj->n] = key;
        obj->vals[obj->n] = val;
        obj->lens[obj->n] = vlen;
        obj->n++;
        mj_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
        if (ps->p < ps->end && *ps->p == '}') { ps->p++; return; }
        ps->error = 1;
        return;
    }
}

static void mj_free(mj_array *arr) {
    for (int i = 0; i < arr->n; i++) {
        for (int j = 0; j < arr->items[i].n; j++) {
            free(arr->items[i].keys[j]);
            free(arr->items[i].vals[j]);
        }
    }
    free(arr->items);
    arr->items = NULL;
    arr->n = 0;
}

/* Reads a file holding an array of flat objects. Returns 0 on success. */
static int mj_load(const char *path, mj_array *arr) {
    memset(arr, 0, sizeof *arr);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    size_t got = fread(text, 1, (size_t)size, f);
    fclose(f);
    text[got] = '\0';
    mj_parser ps = {text, text + got, 0};
    mj_ws(&ps);
    if (ps.p >= ps.end || *ps.p != '[') { free(text); return -1; }
    ps.p++;
    int cap = 16;
    arr->items = malloc(sizeof(mj_object) * (size_t)cap);
    mj_ws(&ps);
    if (ps.p < ps.end && *ps.p == ']') { free(text); return 0; }
    for (;;) {
        if (arr->n == cap) {
            cap *= 2;
            arr->items = realloc(arr->items, sizeof(mj_object) * (size_t)cap);
        }
        mj_object_parse(&ps, &arr->items[arr->n]);
        if (ps.error) break;
        arr->n++;
        mj_ws(&ps);
        if (ps.p < ps.end && *ps.p == ',') { ps.p++; continue; }
        if (ps.p < ps.end && *ps.p == ']') break;
        ps.error = 1;
        break;
    }
    free(text);
    if (ps.error) { mj_free(arr); return -1; }
    return 0;
}

/* The value of a field: its string, NULL for null; *present says whether the
 * key exists. */
static const char *mj_get(const mj_object *obj, const char *key, size_t *len, int *present) {
    for (int i = 0; i < obj->n; i++) {
        if (strcmp(obj->keys[i], key) == 0) {
            if (len) *len = obj->lens[i];
            if (present) *present = 1;
            return obj->vals[i];
        }
    }
    if (len) *len = 0;
    if (present) *present = 0;
    return NULL;
}

/* Strict standard padded base64; malloc'd output. Returns 0 on success. */
static int mj_base64(const char *in, size_t in_len, uint8_t **out, size_t *out_len) {
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (in_len % 4 != 0) return -1;
    uint8_t *buf = malloc(in_len / 4 * 3 + 1);
    size_t n = 0;
    for (size_t i = 0; i < in_len; i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            char c = in[i + (size_t)j];
            const char *pos = c ? strchr(alphabet, c) : NULL;
            v <<= 6;
            if (c == '=' && i + 4 == in_len && j >= 2) {
                pad++;
            } else if (pos && !pad) {
                v |= (unsigned)(pos - alphabet);
            } else {
                free(buf);
                return -1;
            }
        }
        buf[n++] = (uint8_t)(v >> 16);
        if (pad < 2) buf[n++] = (uint8_t)(v >> 8);
        if (pad < 1) buf[n++] = (uint8_t)v;
    }
    *out = buf;
    *out_len = n;
    return 0;
}

#endif /* MINIJSON_H */
