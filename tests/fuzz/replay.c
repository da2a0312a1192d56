/*
 * tests/fuzz/replay.c - runs saved fuzz inputs as ordinary tests, with
 * no fuzzing engine: "make test" builds each harness with this main()
 * under gcc's ASan and UBSan.
 *
 * Usage: replay-NAME [-v] PATH...   (each PATH a file or a directory)
 * Each input runs in a child process, so one that crashes is counted
 * and the rest still run.  Prints "fuzzreplay: ok NAME/FILE" or
 * "fuzzreplay: FAIL NAME/FILE (why)" per input, then
 * "fuzzreplay: N passed, M failed".  -v prints each input's operations
 * (the decoder).  Exit status 0 only when M is 0.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

static int npassed, nfailed;

/* Reads the whole file; returns its bytes (malloc'd) or NULL. */
static uint8_t *
read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc(n + 1)) != NULL &&
        fread(buf, 1, n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    *size = buf != NULL ? (size_t)n : 0;
    fclose(f);
    return buf;
}

/* Runs one input in a child; counts and reports the outcome. */
static void
replay_file(const char *path)
{
    size_t size;
    uint8_t *buf = read_file(path, &size);
    int status;
    pid_t pid;

    if (buf == NULL) {
        printf("fuzzreplay: FAIL %s (cannot read)\n", path);
        nfailed++;
        return;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        /* exit, not _exit: coverage builds write their counts at exit. */
        LLVMFuzzerTestOneInput(buf, size);
        exit(0);
    }
    free(buf);
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        printf("fuzzreplay: FAIL %s (cannot fork)\n", path);
        nfailed++;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("fuzzreplay: ok %s\n", path);
        npassed++;
    } else {
        printf("fuzzreplay: FAIL %s (%s %d)\n", path,
               WIFSIGNALED(status) ? "signal" : "exit status",
               WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        nfailed++;
    }
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* A file, or every plain file in a directory (sorted, dotfiles not). */
static void
replay_path(const char *path)
{
    struct dirent **ents;
    struct stat st;
    char full[4096];
    int i, n;

    if (stat(path, &st) != 0) {
        printf("fuzzreplay: FAIL %s (no such file)\n", path);
        nfailed++;
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        replay_file(path);
        return;
    }
    n = scandir(path, &ents, NULL, by_name);
    for (i = 0; i < n; i++) {
        snprintf(full, sizeof full, "%s/%s", path, ents[i]->d_name);
        if (ents[i]->d_name[0] != '.' && stat(full, &st) == 0 &&
            S_ISREG(st.st_mode))
            replay_file(full);
        free(ents[i]);
    }
    free(n >= 0 ? ents : NULL);
}

int
main(int argc, char **argv)
{
    int i = 1;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (i < argc && strcmp(argv[i], "-v") == 0) {
        fuzz_verbose = true;
        i++;
    }
    for (; i < argc; i++)
        replay_path(argv[i]);
    printf("fuzzreplay: %d passed, %d failed\n", npassed, nfailed);
    return nfailed == 0 ? 0 : 1;
}
