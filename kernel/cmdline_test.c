/*
 * kernel/cmdline_test.c - tests of kernel/cmdline.c, in kernel and on host.
 */
#include "../mm/test.h"
#include "cmdline.h"

static unsigned warned;
static const char *last_problem;

static void
record_warn(const char *problem, const char *word)
{
    (void)word;
    warned++;
    last_problem = problem;
}

static struct cmdline *
parse(const char *line)
{
    static struct cmdline c;

    warned = 0;
    last_problem = "";
    cmdline_parse(&c, line, record_warn);
    return &c;
}

MM_TEST(cmdline, empty_lines)
{
    struct cmdline *c = parse("");

    MM_CHECK_EQ(t, c->nopts, 0);
    MM_CHECK_EQ(t, warned, 0);
    c = parse(NULL);
    MM_CHECK_EQ(t, c->nopts, 0);
    c = parse("    \t  ");
    MM_CHECK_EQ(t, c->nopts, 0);
    MM_CHECK(t, c->path == NULL);
}

MM_TEST(cmdline, keys_values_and_path)
{
    struct cmdline *c = parse("/boot/kmemlab.elf selftest=buddy,kheap  quiet");

    MM_CHECK_STR(t, c->path, "/boot/kmemlab.elf");
    MM_CHECK_EQ(t, c->nopts, 2);
    MM_CHECK_STR(t, c->opt[0].key, "selftest");
    MM_CHECK_STR(t, c->opt[0].value, "buddy,kheap");
    MM_CHECK_STR(t, c->opt[1].key, "quiet");
    MM_CHECK(t, c->opt[1].value == NULL);
    MM_CHECK(t, cmdline_find(c, "quiet") == &c->opt[1]);
    MM_CHECK(t, cmdline_find(c, "exit") == NULL);
    MM_CHECK_EQ(t, warned, 0);
    /* Only the first word can be a path; later ones are options. */
    c = parse("exit a/b");
    MM_CHECK(t, c->path == NULL);
    MM_CHECK_EQ(t, c->nopts, 2);
    /* A value keeps any later '=' as part of it. */
    c = parse("k=a=b");
    MM_CHECK_STR(t, c->opt[0].value, "a=b");
}

MM_TEST(cmdline, malformed_and_repeated)
{
    struct cmdline *c = parse("=x key= ok");

    MM_CHECK_EQ(t, c->nopts, 1);
    MM_CHECK_STR(t, c->opt[0].key, "ok");
    MM_CHECK_EQ(t, warned, 2);
    MM_CHECK_STR(t, last_problem, "malformed option");
    c = parse("trace=buddy trace=pool");
    MM_CHECK_EQ(t, c->nopts, 1);
    MM_CHECK_STR(t, c->opt[0].value, "pool");   /* the later one wins */
    MM_CHECK_STR(t, last_problem, "repeated option");
    MM_CHECK_EQ(t, c->nproblems, 1);
}

MM_TEST(cmdline, limits)
{
    static char line[CMDLINE_MAX_LEN + 40];
    struct cmdline *c;
    unsigned i;

    /* 20 one-letter options: the table keeps 16 and reports 4. */
    for (i = 0; i < 20; i++) {
        line[2 * i] = (char)('a' + i);
        line[2 * i + 1] = ' ';
    }
    line[40] = '\0';
    c = parse(line);
    MM_CHECK_EQ(t, c->nopts, CMDLINE_MAX_OPTS);
    MM_CHECK_EQ(t, warned, 4);
    MM_CHECK_STR(t, last_problem, "too many options");
    /* An over-long line is cut and reported. */
    for (i = 0; i < sizeof line - 1; i++)
        line[i] = 'x';
    line[i] = '\0';
    c = parse(line);
    MM_CHECK_EQ(t, warned, 1);
    MM_CHECK_STR(t, last_problem, "line too long");
    MM_CHECK_EQ(t, c->nopts, 1);
}

MM_TEST(cmdline, unknown_and_lists)
{
    static const char *const known[] = { "exit", "trace", NULL };
    struct cmdline *c = parse("exit bogus trace=buddy,pool");

    MM_CHECK_EQ(t, cmdline_check_known(c, known, record_warn), 1);
    MM_CHECK_STR(t, last_problem, "unknown option");
    MM_CHECK(t, cmdline_list_has("buddy,pool", "pool"));
    MM_CHECK(t, cmdline_list_has("buddy,pool", "buddy"));
    MM_CHECK(t, !cmdline_list_has("buddy,pool", "bud"));
    MM_CHECK(t, !cmdline_list_has("buddyx", "buddy"));
    MM_CHECK(t, !cmdline_list_has(NULL, "buddy"));
    MM_CHECK(t, !cmdline_list_has("", "buddy"));
}

MM_TEST(cmdline, list_items)
{
    const char *cursor = "buddy,,pool";
    char word[4];

    MM_CHECK(t, cmdline_list_next(&cursor, word, sizeof word));
    MM_CHECK_STR(t, word, "bud");               /* cut to fit */
    MM_CHECK(t, cmdline_list_next(&cursor, word, sizeof word));
    MM_CHECK_STR(t, word, "");                  /* the empty item */
    MM_CHECK(t, cmdline_list_next(&cursor, word, sizeof word));
    MM_CHECK_STR(t, word, "poo");
    MM_CHECK(t, !cmdline_list_next(&cursor, word, sizeof word));
    cursor = NULL;
    MM_CHECK(t, !cmdline_list_next(&cursor, word, sizeof word));
}

MM_TEST(cmdline, double_quotes_group_words)
{
    struct cmdline *c = parse("exit run=\"alloc 0; free $\" trace=buddy");

    MM_CHECK_EQ(t, c->nopts, 3);
    MM_CHECK_STR(t, c->opt[1].key, "run");
    MM_CHECK_STR(t, c->opt[1].value, "alloc 0; free $");
    MM_CHECK_STR(t, c->opt[2].key, "trace");
    MM_CHECK_EQ(t, warned, 0);
    /* Quotes anywhere in a word group; they are removed. */
    c = parse("a\"b c\"d");
    MM_CHECK_EQ(t, c->nopts, 1);
    MM_CHECK_STR(t, c->opt[0].key, "ab cd");
    /* An open quote runs to the end of the line and is reported. */
    c = parse("run=\"help; exit");
    MM_CHECK_EQ(t, c->nopts, 1);
    MM_CHECK_STR(t, c->opt[0].value, "help; exit");
    MM_CHECK_STR(t, last_problem, "unterminated quote");
    /* Empty quotes leave an empty value: malformed, as "key=" is. */
    c = parse("run=\"\" exit");
    MM_CHECK_EQ(t, c->nopts, 1);
    MM_CHECK_STR(t, last_problem, "malformed option");
    /* A word that is only quotes is no option at all, not an empty key. */
    c = parse("exit \"\" quiet");
    MM_CHECK_EQ(t, c->nopts, 2);
    MM_CHECK_STR(t, c->opt[1].key, "quiet");
    MM_CHECK_EQ(t, warned, 1);
    MM_CHECK_STR(t, last_problem, "malformed option");
}

/* GRUB's form of the arguments 'k=a"b', 'e\'f', 'g\h' and 'r=x y'. */
MM_TEST(cmdline, backslash_escapes_as_grub_writes_them)
{
    struct cmdline *c = parse("k=a\\\"b e\\'f g\\\\h \"r=x y\" s=\\t");

    MM_CHECK_EQ(t, c->nopts, 5);
    MM_CHECK_STR(t, c->opt[0].value, "a\"b");
    MM_CHECK_STR(t, c->opt[1].key, "e'f");
    MM_CHECK_STR(t, c->opt[2].key, "g\\h");
    MM_CHECK_STR(t, c->opt[3].key, "r");
    MM_CHECK_STR(t, c->opt[3].value, "x y");
    MM_CHECK_STR(t, c->opt[4].value, "\\t");      /* other: kept */
    MM_CHECK_EQ(t, warned, 0);
    /* An escaped quote neither opens nor closes a group. */
    c = parse("run=\"say \\\"hi there\\\"\" exit");
    MM_CHECK_EQ(t, c->nopts, 2);
    MM_CHECK_STR(t, c->opt[0].value, "say \"hi there\"");
    /* A backslash at the end of the line stays. */
    c = parse("k=v\\");
    MM_CHECK_STR(t, c->opt[0].value, "v\\");
}
