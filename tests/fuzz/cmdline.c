/*
 * tests/fuzz/cmdline.c - fuzzes the option parser against a reference.
 *
 * Input: byte 0 picks how the rest becomes a command line: raw bytes
 * (up to the first NUL), or each byte mapped onto the characters that
 * matter ("a", "b", "=", " ", tab, ",", "/", "x") so that structure comes
 * up often; byte 1 is the word size for list splitting.
 * The reference below splits the line again with plain string code,
 * following the rules in kernel/cmdline.h, and every option, the path,
 * each problem reported, the lookups and the comma-list walk must agree.
 */
#include <stdio.h>
#include <string.h>

#include "../../kernel/cmdline.h"
#include "fuzz.h"

#define LINE_MAX_FUZZ   600

struct problem {
    const char *what;
    char word[CMDLINE_MAX_LEN];
};

/* What cmdline reported, in order. */
static struct problem got[64];
static unsigned ngot;

static void
record(const char *what, const char *word)
{
    if (ngot < 64) {
        got[ngot].what = what;
        snprintf(got[ngot].word, sizeof got[ngot].word, "%s", word);
    }
    ngot++;
}

struct ref {
    char key[CMDLINE_MAX_OPTS][CMDLINE_MAX_LEN];
    char value[CMDLINE_MAX_OPTS][CMDLINE_MAX_LEN];
    bool has_value[CMDLINE_MAX_OPTS];
    unsigned nopts;
    char path[CMDLINE_MAX_LEN];
    bool has_path;
    struct problem prob[64];
    unsigned nprob;
};

static void
ref_problem(struct ref *r, const char *what, const char *word)
{
    if (r->nprob < 64) {
        r->prob[r->nprob].what = what;
        snprintf(r->prob[r->nprob].word, CMDLINE_MAX_LEN, "%s", word);
    }
    r->nprob++;
}

static void
ref_word(struct ref *r, const char *word)
{
    const char *eq = strchr(word, '=');
    char key[CMDLINE_MAX_LEN];
    unsigned i;

    if (eq != NULL && (eq == word || eq[1] == '\0')) {
        ref_problem(r, "malformed option", word);
        return;
    }
    snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - word) : (int)strlen(word),
             word);
    for (i = 0; i < r->nopts; i++)
        if (strcmp(r->key[i], key) == 0)
            break;
    if (i < r->nopts) {
        ref_problem(r, "repeated option", key);
    } else if (r->nopts == CMDLINE_MAX_OPTS) {
        ref_problem(r, "too many options", key);
        return;
    } else {
        strcpy(r->key[r->nopts++], key);
    }
    r->has_value[i] = eq != NULL;
    snprintf(r->value[i], CMDLINE_MAX_LEN, "%s", eq ? eq + 1 : "");
}

/*
 * The next word of the line at *pp, as the documented rules read: runs
 * of spaces and tabs separate words unless inside double quotes; the
 * quotes themselves are dropped; a backslash before \\, " or ' stands
 * for that character alone.  *open tells whether a quote was left open.
 */
static bool
ref_next_word(const char **pp, char *word, bool *open)
{
    const char *p = *pp;
    size_t n = 0;
    bool in_quotes = false;

    p += strspn(p, " \t");
    if (*p == '\0')
        return false;
    while (*p != '\0' && (in_quotes || (*p != ' ' && *p != '\t'))) {
        if (p[0] == '\\' && p[1] != '\0' && strchr("\\\"'", p[1]) != NULL) {
            word[n++] = p[1];
            p += 2;
        } else if (*p == '"') {
            in_quotes = !in_quotes;
            p++;
        } else {
            word[n++] = *p++;
        }
    }
    word[n] = '\0';
    *open = in_quotes;
    *pp = p;
    return true;
}

static void
ref_parse(struct ref *r, const char *line)
{
    char buf[CMDLINE_MAX_LEN], w[CMDLINE_MAX_LEN];
    const char *p = buf;
    bool first = true, open;

    memset(r, 0, sizeof *r);
    snprintf(buf, sizeof buf, "%s", line);
    if (strlen(line) > CMDLINE_MAX_LEN - 1)
        ref_problem(r, "line too long", buf);
    while (ref_next_word(&p, w, &open)) {
        if (open)
            ref_problem(r, "unterminated quote", w);
        if (w[0] == '\0') {
            ref_problem(r, "malformed option", w);
        } else if (first && strchr(w, '/') != NULL) {
            strcpy(r->path, w);
            r->has_path = true;
        } else {
            ref_word(r, w);
        }
        first = false;
    }
}

/* Walks a comma list with cmdline_list_next and compares each item. */
static void
check_list(const char *list, size_t size)
{
    char word[16], want[CMDLINE_MAX_LEN];
    const char *cursor = list, *s = list;

    while (*s != '\0') {
        size_t n = strcspn(s, ",");

        snprintf(want, sizeof want, "%.*s", (int)(n < size - 1 ? n : size - 1),
                 s);
        FUZZ_CHECK(cmdline_list_next(&cursor, word, size));
        FUZZ_CHECK(strcmp(word, want) == 0);
        if (n < size - 1) {
            snprintf(want, sizeof want, "%.*s", (int)n, s);
            FUZZ_CHECK(cmdline_list_has(list, want));
        }
        s += n + (s[n] == ',');
    }
    FUZZ_CHECK(!cmdline_list_next(&cursor, word, size));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char alphabet[16] = { 'a', 'b', '=', ' ', '\t', ',', '/',
                                       'x', '"', '\\', '\'', 'a', 'b', '=',
                                       ' ', 'x' };
    static const char *const known[] = { "a", "exit", NULL };
    static struct cmdline c;
    static struct ref r;
    char line[LINE_MAX_FUZZ + 1];
    struct fuzz_in in = { data, size, 0 };
    bool mapped = fuzz_u8(&in) & 1;
    size_t wsize = 1 + fuzz_u8(&in) % 12, n = 0;
    unsigned i, unknown = 0;

    while (fuzz_more(&in) && n < LINE_MAX_FUZZ) {
        uint8_t b = fuzz_u8(&in);

        line[n++] = mapped ? alphabet[b & 15] : (char)b;
    }
    line[n] = '\0';
    fuzz_op("line \"%s\" (list words of %zu bytes)", line, wsize);
    ngot = 0;
    ref_parse(&r, line);
    FUZZ_CHECK(cmdline_parse(&c, line, record) == r.nprob);
    FUZZ_CHECK(ngot == r.nprob && c.nproblems == r.nprob);
    for (i = 0; i < ngot && i < 64; i++) {
        fuzz_op("problem: %s: %s", got[i].what, got[i].word);
        FUZZ_CHECK(strcmp(got[i].what, r.prob[i].what) == 0);
        FUZZ_CHECK(strcmp(got[i].word, r.prob[i].word) == 0);
    }
    FUZZ_CHECK((c.path != NULL) == r.has_path);
    FUZZ_CHECK(c.path == NULL || strcmp(c.path, r.path) == 0);
    FUZZ_CHECK(c.nopts == r.nopts);
    for (i = 0; i < c.nopts; i++) {
        fuzz_op("option %u: key \"%s\" value %s%s%s", i, c.opt[i].key,
                c.opt[i].value ? "\"" : "", c.opt[i].value ?
                c.opt[i].value : "none", c.opt[i].value ? "\"" : "");
        FUZZ_CHECK(strcmp(c.opt[i].key, r.key[i]) == 0);
        FUZZ_CHECK((c.opt[i].value != NULL) == r.has_value[i]);
        FUZZ_CHECK(c.opt[i].value == NULL ||
                   strcmp(c.opt[i].value, r.value[i]) == 0);
        FUZZ_CHECK(cmdline_find(&c, r.key[i]) == &c.opt[i]);
        if (c.opt[i].value != NULL)
            check_list(c.opt[i].value, wsize);
        unknown += strcmp(r.key[i], "a") != 0 && strcmp(r.key[i], "exit");
    }
    FUZZ_CHECK(cmdline_find(&c, "no-such-key") == NULL || r.nopts > 0);
    FUZZ_CHECK(cmdline_check_known(&c, known, NULL) == unknown);
    FUZZ_CHECK(c.nproblems == r.nprob + unknown);
    return 0;
}
