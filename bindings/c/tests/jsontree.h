/*
 * jsontree.h: a tiny JSON reader for the tests of the lifecycle calls,
 * whose results are nested documents (minijson.h reads only arrays of flat
 * objects). Parses a whole document into a tree; good enough for the
 * library's own output (UTF-8, no surrogate pairs needed), not a general
 * parser. Header-only, static functions.
 *
 *   jt_value *doc = jt_parse(text);          NULL if the text is not JSON
 *   jt_get(doc, "keys")                      object member, or NULL
 *   jt_at(jt_get(doc, "keys"), 0)            array element, or NULL
 *   jt_len(v)  jt_str(v)  jt_num(v)  jt_is_null(v)  jt_bool(v)
 *   jt_free(doc);
 */
#ifndef JSONTREE_H
#define JSONTREE_H

#include <stdlib.h>
#include <string.h>

typedef enum { JT_NULL, JT_BOOL, JT_NUM, JT_STR, JT_ARR, JT_OBJ } jt_kind;

typedef struct jt_value {
    jt_kind kind;
    double num;             /* JT_NUM; JT_BOOL: 0 or 1 */
    char *str;              /* JT_STR (NUL-terminated) */
    struct jt_value **items; /* JT_ARR, JT_OBJ: values */
    char **keys;            /* JT_OBJ: member names */
    int n;
} jt_value;

typedef struct {
    const char *p, *end;
    int error;
} jt_parser;

static void jt_free(jt_value *v) {
    if (!v) return;
    for (int i = 0; i < v->n; i++) {
        jt_free(v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

static void jt_ws(jt_parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t')) ps->p++;
}

static char *jt_string(jt_parser *ps) {
    if (ps->p >= ps->end || *ps->p != '"') { ps->error = 1; return NULL; }
    ps->p++;
    char *out = malloc((size_t)(ps->end - ps->p) + 1);
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != '"') {
        char c = *ps->p++;
        if (c == '\\' && ps->p < ps->end) {
            char e = *ps->p++;
            switch (e) {
            case 'n': out[n++] = '\n'; break;
            case 't': out[n++] = '\t'; break;
            case 'r': out[n++] = '\r'; break;
            case 'b': out[n++] = '\b'; break;
            case 'f': out[n++] = '\f'; break;
            case 'u': {
                unsigned cp = 0;
                for (int i = 0; i < 4 && ps->p < ps->end; i++) {
                    char h = *ps->p++;
                    cp = cp * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
                }
                if (cp < 0x80) {
                    out[n++] = (char)cp;
                } else if (cp < 0x800) {
                    out[n++] = (char)(0xC0 | (cp >> 6));
                    out[n++] = (char)(0x80 | (cp & 0x3F));
                } else {
                    out[n++] = (char)(0xE0 | (cp >> 12));
                    out[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                    out[n++] = (char)(0x80 | (cp & 0x3F));
                }
                break;
            }
            default: out[n++] = e; break;
            }
        } else {
            out[n++] = c;
        }
    }
    if (ps->p >= ps->end) { free(out); ps->error = 1; return NULL; }
    ps->p++;
    out[n] = '\0';
    return out;
}

static jt_value *jt_node(jt_kind kind) {
    jt_value *v = calloc(1, sizeof *v);
    v->kind = kind;
    return v;
}

static void jt_push(jt_value *v, char *key, jt_value *item) {
    v->items = realloc(v->items, sizeof *v->items * (size_t)(v->n + 1));
    if (v->kind == JT_OBJ) {
        v->keys = realloc(v->keys, sizeof *v->keys * (size_t)(v->n + 1));
        v->keys[v->n] = key;
    }
    v->items[v->n++] = item;
}

static int jt_word(jt_parser *ps, const char *w) {
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, w, n) == 0) {
        ps->p += n;
        return 1;
    }
    return 0;
}

static jt_value *jt_value_at(jt_parser *ps, int depth) {
    jt_ws(ps);
    if (ps->error || ps->p >= ps->end || depth > 64) { ps->error = 1; return NULL; }
    char c = *ps->p;
    if (c == '"') {
        jt_value *v = jt_node(JT_STR);
        v->str = jt_string(ps);
        return v;
    }
    if (c == '{' || c == '[') {
        jt_value *v = jt_node(c == '{' ? JT_OBJ : JT_ARR);
        char close = c == '{' ? '}' : ']';
        ps->p++;
        jt_ws(ps);
        if (ps->p < ps->end && *ps->p == close) { ps->p++; return v; }
        for (;;) {
            char *key = NULL;
            if (v->kind == JT_OBJ) {
                jt_ws(ps);
                key = jt_string(ps);
                jt_ws(ps);
                if (ps->error || ps->p >= ps->end || *ps->p != ':') { free(key); ps->error = 1; return v; }
                ps->p++;
            }
            jt_value *item = jt_value_at(ps, depth + 1);
            jt_push(v, key, item);
            if (ps->error) return v;
            jt_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
            if (ps->p < ps->end && *ps->p == close) { ps->p++; return v; }
            ps->error = 1;
            return v;
        }
    }
    if (jt_word(ps, "null")) return jt_node(JT_NULL);
    if (jt_word(ps, "true")) { jt_value *v = jt_node(JT_BOOL); v->num = 1; return v; }
    if (jt_word(ps, "false")) return jt_node(JT_BOOL);
    char *endp = NULL;
    double d = strtod(ps->p, &endp);
    if (endp == ps->p) { ps->error = 1; return NULL; }
    ps->p = endp;
    jt_value *v = jt_node(JT_NUM);
    v->num = d;
    return v;
}

/* Parses a NUL-terminated document; NULL if it is not valid JSON. */
static jt_value *jt_parse(const char *text) {
    if (!text) return NULL;
    jt_parser ps = {text, text + strlen(text), 0};
    jt_value *v = jt_value_at(&ps, 0);
    jt_ws(&ps);
    if (ps.error || ps.p != ps.end) { jt_free(v); return NULL; }
    return v;
}

static inline const jt_value *jt_get(const jt_value *v, const char *key) {
    if (!v || v->kind != JT_OBJ) return NULL;
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0) return v->items[i];
    return NULL;
}

static inline const jt_value *jt_at(const jt_value *v, int i) {
    if (!v || (v->kind != JT_ARR && v->kind != JT_OBJ) || i < 0 || i >= v->n) return NULL;
    return v->items[i];
}

static inline int jt_len(const jt_value *v) { return v && (v->kind == JT_ARR || v->kind == JT_OBJ) ? v->n : -1; }
static inline const char *jt_str(const jt_value *v) { return v && v->kind == JT_STR ? v->str : ""; }
static inline double jt_num(const jt_value *v) { return v && v->kind == JT_NUM ? v->num : -1; }
static inline int jt_is_null(const jt_value *v) { return v && v->kind == JT_NULL; }
static inline int jt_bool(const jt_value *v) { return v && v->kind == JT_BOOL && v->num != 0; }

#endif
