/*
 * kernel/monitor.c - the monitor's loop: read a line, run it, repeat.
 *
 * Lines come from a script first (the "run=" option: commands separated
 * by ';'), then from COM1.  Each script command is printed after the
 * prompt as if typed, so a boot log reads like a live session.
 *
 * The line editor works on the bytes a terminal sends:
 *   printable     inserted at the end of the line and echoed
 *   BS or DEL     erases the last character ("\b \b" on the screen)
 *   Ctrl-U        erases the whole line
 *   Ctrl-C        abandons the line: "^C" and a fresh prompt
 *   ESC [ A, ESC [ B (and ESC O A/B)  up and down through the history
 *   CR, LF, CRLF  end the line (an LF right after a CR is the same end)
 * Other control bytes and escape sequences are ignored; a control byte
 * inside an escape sequence ends it and counts as itself.  A line longer
 * than MONITOR_LINE_MAX - 1 bytes is refused as a whole when it ends.
 *
 * Invariant: line[0..len) holds what the screen shows after the prompt
 * whenever len < MONITOR_LINE_MAX; past that only len counts on, so the
 * line can be refused whole.
 * Bounds: O(1) per byte; O(line) to redraw on up/down.
 * Metadata: the line, MONITOR_HISTORY lines of history (4 KiB).
 */
#include "monitor.h"

#include "../drivers/serial.h"
#include "kernel.h"

#define CTRL_C      0x03
#define CTRL_U      0x15
#define BS          0x08
#define DEL         0x7f
#define ESC         0x1b

enum esc_state { ESC_NONE, ESC_SEEN, ESC_CSI };

struct line {
    char buf[MONITOR_LINE_MAX];
    size_t len;                 /* bytes typed; may pass the buffer */
};

static char history[MONITOR_HISTORY][MONITOR_LINE_MAX];
static unsigned history_count;          /* lines ever added */
static bool last_was_cr;                /* for CRLF: skip the LF */

static void
puts_raw(const char *s)
{
    while (*s != '\0')
        console_putc(*s++);
}

/* Adds a line to the history unless empty or the same as the last. */
static void
history_add(const char *s)
{
    char *slot;
    size_t i;

    if (*s == '\0' || (history_count > 0 &&
        kstreq(history[(history_count - 1) % MONITOR_HISTORY], s)))
        return;
    slot = history[history_count % MONITOR_HISTORY];
    for (i = 0; s[i] != '\0' && i + 1 < MONITOR_LINE_MAX; i++)
        slot[i] = s[i];
    slot[i] = '\0';
    history_count++;
}

/* The next byte of input; sleeps (hlt) until an interrupt brings one. */
static char
read_byte(void)
{
    char c;

    for (;;) {
        __asm__ volatile("cli");
        if (serial_rx_read(&c)) {
            __asm__ volatile("sti");
            return c;
        }
        /* sti takes effect after the next instruction, so no interrupt
         * can slip in between the check and the hlt. */
        __asm__ volatile("sti; hlt");
    }
}

static void
erase_line(struct line *l)
{
    for (; l->len > 0; l->len--)
        puts_raw("\b \b");
}

static void
type_char(struct line *l, char c)
{
    if (l->len + 1 < MONITOR_LINE_MAX)
        l->buf[l->len] = c;
    l->len++;
    console_putc(c);
}

/*
 * Shows history entry pos (counted back from the newest: 1 is the last
 * line run) in place of the line; pos 0 is an empty line.
 */
static void
recall(struct line *l, unsigned pos)
{
    const char *s;

    erase_line(l);
    if (pos == 0)
        return;
    s = history[(history_count - pos) % MONITOR_HISTORY];
    while (*s != '\0')
        type_char(l, *s++);
}

/* Handles the final byte of an escape sequence: up/down move *pos. */
static void
escape_final(struct line *l, char c, unsigned *pos)
{
    unsigned kept = history_count < MONITOR_HISTORY ? history_count
                                                   : MONITOR_HISTORY;

    if (c == 'A' && *pos < kept)
        recall(l, ++*pos);
    else if (c == 'B' && *pos > 0)
        recall(l, --*pos);
}

/*
 * Feeds one byte of an escape sequence; returns the new state.  After
 * ESC, '[' or 'O' starts a sequence that ends at a byte in 0x40..0x7e.
 */
static enum esc_state
escape_byte(struct line *l, enum esc_state st, char c, unsigned *pos)
{
    if (st == ESC_SEEN)
        return c == '[' || c == 'O' ? ESC_CSI : ESC_NONE;
    if (c >= 0x40 && c <= 0x7e) {
        escape_final(l, c, pos);
        return ESC_NONE;
    }
    return ESC_CSI;             /* a parameter byte: keep going */
}

/*
 * Reads one line into l.  Returns true when it ended with CR or LF,
 * false when Ctrl-C abandoned it.
 */
static bool
read_line(struct line *l)
{
    enum esc_state st = ESC_NONE;
    unsigned pos = 0;           /* history position, 0 = the new line */
    char c;

    l->len = 0;
    for (;;) {
        c = read_byte();
        if (c == '\n' && last_was_cr) {
            last_was_cr = false;
            continue;
        }
        last_was_cr = c == '\r';
        if (st != ESC_NONE && (unsigned char)c < 0x20)
            st = ESC_NONE;      /* a control byte cuts a sequence short */
        if (st != ESC_NONE)
            st = escape_byte(l, st, c, &pos);
        else if (c == '\r' || c == '\n')
            break;
        else if (c == ESC)
            st = ESC_SEEN;
        else if (c == CTRL_C) {
            puts_raw("^C\n");
            return false;
        } else if (c == CTRL_U)
            erase_line(l);
        else if ((c == BS || c == DEL) && l->len > 0) {
            l->len--;
            puts_raw("\b \b");
        } else if (c == '\t' || (c >= 0x20 && c < 0x7f))
            type_char(l, c == '\t' ? ' ' : c);
    }
    console_putc('\n');
    return true;
}

/* Runs one line typed at the prompt (or refuses it whole). */
static void
run_typed(struct line *l)
{
    if (l->len >= MONITOR_LINE_MAX) {
        kprintf("error: line of %zu characters is longer than %u; "
                "nothing run\n", l->len, MONITOR_LINE_MAX - 1);
        return;
    }
    l->buf[l->len] = '\0';
    history_add(l->buf);
    monitor_exec(l->buf);
}

/*
 * Runs each ';'-separated command of script, printed after the prompt
 * first.  A command too long for a line is refused like a typed one.
 */
static void
run_script(const char *script)
{
    struct line l;
    const char *s = script;

    while (*s != '\0') {
        while (*s == ' ')
            s++;
        l.len = 0;
        for (; *s != '\0' && *s != ';'; s++)
            if (l.len + 1 < MONITOR_LINE_MAX)
                l.buf[l.len++] = *s;
            else
                l.len++;
        while (l.len > 0 && l.len < MONITOR_LINE_MAX &&
               l.buf[l.len - 1] == ' ')
            l.len--;
        if (*s == ';')
            s++;
        if (l.len == 0)
            continue;
        l.buf[l.len < MONITOR_LINE_MAX ? l.len : MONITOR_LINE_MAX - 1] = 0;
        kprintf(MONITOR_PROMPT "%s\n", l.buf);
        run_typed(&l);
    }
}

void
monitor_run(const char *script, bool exit_after)
{
    static struct line l;

    kprintf("kmemlab: type help for commands, exit to quit\n");
    if (script != NULL)
        run_script(script);
    if (exit_after)
        kernel_exit(true);
    serial_rx_enable();
    irq_unmask(SERIAL_IRQ);
    for (;;) {
        puts_raw(MONITOR_PROMPT);
        if (read_line(&l))
            run_typed(&l);
    }
}
