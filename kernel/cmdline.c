/*
 * kernel/cmdline.c - splits the Multiboot command line into options.
 *
 * The line is copied into the struct and split in place: each space
 * outside double quotes becomes a NUL that ends a word, each first '='
 * a NUL that ends a key; the quotes, and the backslash of an escaped
 * \\, " or ', are squeezed out of the word.
 * Problems are reported through a callback and counted, never ignored:
 * an over-long line is cut at CMDLINE_MAX_LEN - 1 bytes, options beyond
 * CMDLINE_MAX_OPTS are dropped, a word with an empty key ("=x") or an
 * empty value ("key="), or nothing at all once its quotes are gone
 * (""), is dropped, and a repeated key replaces the earlier one.
 *
 * Invariant: every opt[i].key is a non-empty, '='-free word of buf, and
 * no two options share a key.
 * Bounds: O(len + nopts^2) with nopts <= 16.  Metadata: the struct.
 * Tests: kernel/cmdline_test.c.
 */
#include "cmdline.h"

static bool
str_eq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static bool
has_char(const char *s, char c)
{
    for (; *s != '\0'; s++)
        if (*s == c)
            return true;
    return false;
}

static void
problem(struct cmdline *c, cmdline_warn_fn *warn, const char *what,
        const char *word)
{
    c->nproblems++;
    if (warn != NULL)
        warn(what, word);
}

/* Copies line into c->buf, cutting it (and saying so) if too long. */
static void
copy_line(struct cmdline *c, const char *line, cmdline_warn_fn *warn)
{
    size_t n = 0;

    while (line[n] != '\0' && n + 1 < sizeof c->buf) {
        c->buf[n] = line[n];
        n++;
    }
    c->buf[n] = '\0';
    if (line[n] != '\0')
        problem(c, warn, "line too long", c->buf);
}

/*
 * Finds the end of the word at p and squeezes its double quotes out, in
 * place: a"b c"d becomes ab cd.  A backslash before '\\', '"' or '\''
 * makes that character plain (GRUB writes its arguments so: 'a"b' is
 * passed as a\"b); any other backslash stays.  Returns where scanning
 * goes on (past the NUL written at the word's end, or at the line's
 * NUL); *open is set if a quote was left open.
 */
static char *
split_word(char *p, bool *open)
{
    char *out = p;
    bool quoted = false;

    for (; *p != '\0'; p++) {
        if (*p == '\\' && (p[1] == '\\' || p[1] == '"' || p[1] == '\'')) {
            *out++ = *++p;
            continue;
        }
        if (*p == '"') {
            quoted = !quoted;
            continue;
        }
        if (!quoted && (*p == ' ' || *p == '\t'))
            break;
        *out++ = *p;
    }
    *open = quoted;
    if (*p == '\0') {
        *out = '\0';
        return p;
    }
    *out = '\0';
    return p + 1;
}

/* Adds one word as an option, or reports why it cannot be one. */
static void
add_word(struct cmdline *c, char *word, cmdline_warn_fn *warn)
{
    char *eq = word;
    const char *value = NULL;
    unsigned i;

    while (*eq != '\0' && *eq != '=')
        eq++;
    if (*eq == '=') {
        if (eq == word || eq[1] == '\0') {
            problem(c, warn, "malformed option", word);
            return;
        }
        *eq = '\0';
        value = eq + 1;
    }
    for (i = 0; i < c->nopts; i++) {
        if (str_eq(c->opt[i].key, word)) {
            problem(c, warn, "repeated option", word);
            c->opt[i].value = value;
            return;
        }
    }
    if (c->nopts == CMDLINE_MAX_OPTS) {
        problem(c, warn, "too many options", word);
        return;
    }
    c->opt[c->nopts].key = word;
    c->opt[c->nopts].value = value;
    c->nopts++;
}

unsigned
cmdline_parse(struct cmdline *c, const char *line, cmdline_warn_fn *warn)
{
    char *p;
    bool first = true, open;

    c->nopts = 0;
    c->path = NULL;
    c->nproblems = 0;
    copy_line(c, line != NULL ? line : "", warn);
    for (p = c->buf; *p != '\0';) {
        char *word;

        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        word = p;
        p = split_word(p, &open);
        if (open)
            problem(c, warn, "unterminated quote", word);
        if (*word == '\0')
            problem(c, warn, "malformed option", word);
        else if (first && has_char(word, '/'))
            c->path = word;
        else
            add_word(c, word, warn);
        first = false;
    }
    return c->nproblems;
}

unsigned
cmdline_check_known(struct cmdline *c, const char *const *known,
                    cmdline_warn_fn *warn)
{
    unsigned i, j, unknown = 0;

    for (i = 0; i < c->nopts; i++) {
        for (j = 0; known[j] != NULL; j++)
            if (str_eq(c->opt[i].key, known[j]))
                break;
        if (known[j] == NULL) {
            problem(c, warn, "unknown option", c->opt[i].key);
            unknown++;
        }
    }
    return unknown;
}

const struct cmdline_opt *
cmdline_find(const struct cmdline *c, const char *key)
{
    unsigned i;

    for (i = 0; i < c->nopts; i++)
        if (str_eq(c->opt[i].key, key))
            return &c->opt[i];
    return NULL;
}

bool
cmdline_list_next(const char **cursor, char *word, size_t size)
{
    const char *s = *cursor;
    size_t n = 0;

    if (s == NULL || *s == '\0' || size == 0)
        return false;
    for (; *s != '\0' && *s != ','; s++)
        if (n + 1 < size)
            word[n++] = *s;
    word[n] = '\0';
    *cursor = *s == ',' ? s + 1 : s;
    return true;
}

bool
cmdline_list_has(const char *list, const char *item)
{
    char word[CMDLINE_MAX_LEN];

    while (cmdline_list_next(&list, word, sizeof word))
        if (str_eq(word, item))
            return true;
    return false;
}
