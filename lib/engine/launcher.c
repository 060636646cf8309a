/*
 * inet-swarm-launcher: starts simulation processes on behalf of the runner.
 *
 * Why it exists: Node starts a child with fork(), which copies the page tables
 * of the whole runner (about 85 MB resident); for a short simulation that
 * costs more CPU than the simulation's own start. This process stays small,
 * so its fork is cheap, and the runner only writes a request to a pipe. The
 * runner falls back to Node's spawn when no launcher is configured.
 *
 * Protocol (lib/engine/launcher.ts is the other side). Requests on
 * stdin, each a sequence of NUL-terminated fields:
 *   "s" ID CWD OUTPUT ARGC ARGV[0] .. ARGV[ARGC-1]   start ARGV in CWD, stdout
 *                                                     and stderr to file OUTPUT
 *   "k" ID SIGNAL                                     send SIGNAL to run ID
 * Replies on stdout, one line each:
 *   started ID PID
 *   failed ID STAGE ERRNO        STAGE is output, cwd or exec
 *   exited ID CODE SIGNAL        CODE is -1 when killed by SIGNAL, SIGNAL 0 otherwise
 * The environment of a simulation is the launcher's own. When stdin ends, or
 * the runner dies, every simulation still running is killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

struct run {
    long id;
    pid_t pid;
};

static struct run *runs;
static size_t run_count, run_cap;
static pid_t launcher_pid;

static void die(const char *what) {
    fprintf(stderr, "inet-swarm-launcher: %s: %s\n", what, errno ? strerror(errno) : "protocol error");
    exit(2);
}

static void write_all(const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die("write");
        buf += n;
        len -= (size_t)n;
    }
}

static void reply(const char *fmt, ...) {
    char line[128];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    write_all(line, (size_t)len);
}

static void add_run(long id, pid_t pid) {
    if (run_count == run_cap) {
        run_cap = run_cap ? run_cap * 2 : 8;
        runs = realloc(runs, run_cap * sizeof *runs);
        if (!runs) die("realloc");
    }
    runs[run_count++] = (struct run){id, pid};
}

static struct run *find_run(long id) {
    for (size_t i = 0; i < run_count; i++)
        if (runs[i].id == id) return &runs[i];
    return NULL;
}

/* In the child between fork and exec: only async-signal-safe calls. */
static void child_fail(int status_fd, int stage) {
    int report[2] = {stage, errno};
    ssize_t ignored = write(status_fd, report, sizeof report);
    (void)ignored;
    _exit(127);
}

enum { STAGE_OUTPUT, STAGE_CWD, STAGE_EXEC };
static const char *const stage_names[] = {"output", "cwd", "exec"};

static void start_run(long id, const char *cwd, const char *output, char **argv) {
    /* The child reports a failure before exec through this pipe; exec closes it. */
    int status[2];
    if (pipe2(status, O_CLOEXEC) < 0) die("pipe2");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* A simulation must not outlive the launcher (and so the runner). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != launcher_pid) _exit(127);
        int out = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0) child_fail(status[1], STAGE_OUTPUT);
        int in = open("/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
            child_fail(status[1], STAGE_OUTPUT);
        if (out > STDERR_FILENO) close(out);
        if (in > STDERR_FILENO) close(in);
        if (chdir(cwd) < 0) child_fail(status[1], STAGE_CWD);
        execvp(argv[0], argv);
        child_fail(status[1], STAGE_EXEC);
    }
    close(status[1]);
    int report[2];
    ssize_t n;
    do n = read(status[0], report, sizeof report);
    while (n < 0 && errno == EINTR);
    close(status[0]);
    if (n == (ssize_t)sizeof report) {
        /* Reaped here, so the SIGCHLD handling below never sees it. */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        reply("failed %ld %s %d\n", id, stage_names[report[0]], report[1]);
        return;
    }
    add_run(id, pid);
    reply("started %ld %d\n", id, (int)pid);
}

static void reap(void) {
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        for (size_t i = 0; i < run_count; i++) {
            if (runs[i].pid != pid) continue;
            if (WIFSIGNALED(st))
                reply("exited %ld -1 %d\n", runs[i].id, WTERMSIG(st));
            else
                reply("exited %ld %d 0\n", runs[i].id, WEXITSTATUS(st));
            runs[i] = runs[--run_count];
            break;
        }
    }
}

static long number(const char *field) {
    char *end;
    errno = 0;
    long v = strtol(field, &end, 10);
    if (errno || *field == '\0' || *end != '\0') {
        errno = 0;
        die("bad number in request");
    }
    return v;
}

/*
 * Handles the first complete request in buf[0..len); returns the bytes it
 * used, or 0 when the request is not complete yet.
 */
static size_t handle_request(char *buf, size_t len) {
    char *fields[8];
    size_t nfields = 0, pos = 0;
    long argc = -1;
    char **argv = NULL;
    for (;;) {
        char *end = memchr(buf + pos, '\0', len - pos);
        if (!end) {
            free(argv);
            return 0;
        }
        char *field = buf + pos;
        pos = (size_t)(end - buf) + 1;
        if (nfields < 5) {
            fields[nfields++] = field;
            if (nfields == 3 && strcmp(fields[0], "k") == 0) {
                struct run *r = find_run(number(fields[1]));
                /* A run that already exited has nothing left to signal. */
                if (r) kill(r->pid, (int)number(fields[2]));
                return pos;
            }
            if (nfields == 1 && strcmp(fields[0], "s") != 0 && strcmp(fields[0], "k") != 0) die("unknown request");
            if (nfields == 5) {
                argc = number(fields[4]);
                if (argc < 1 || argc > 100000) die("bad argument count");
                argv = calloc((size_t)argc + 1, sizeof *argv);
                if (!argv) die("calloc");
            }
            continue;
        }
        argv[nfields++ - 5] = field;
        if ((long)(nfields - 5) == argc) {
            start_run(number(fields[1]), fields[2], fields[3], argv);
            free(argv);
            return pos;
        }
    }
}

static void kill_all_and_exit(void) {
    for (size_t i = 0; i < run_count; i++) kill(runs[i].pid, SIGKILL);
    while (wait(NULL) > 0 || errno == EINTR) {
    }
    exit(0);
}

int main(void) {
    launcher_pid = getpid();
    /* Dies with the runner, even when the runner is killed with SIGKILL (the end
     * of stdin says the same, unless another process holds the pipe). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);

    /* SIGCHLD arrives through a signalfd. SIGINT and SIGTERM are for the
     * runner to handle (a Ctrl-C reaches the whole process group); a closed
     * reply pipe shows as EPIPE. Blocked, not ignored: children reset the
     * mask, while an ignored disposition would survive exec. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGPIPE);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) die("sigprocmask");
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) die("signalfd");

    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) die("malloc");
    struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if (fds[1].revents & POLLIN) {
            struct signalfd_siginfo info;
            while (read(sfd, &info, sizeof info) > 0) {
            }
            reap();
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (len == cap) {
                cap *= 2;
                buf = realloc(buf, cap);
                if (!buf) die("realloc");
            }
            ssize_t n = read(STDIN_FILENO, buf + len, cap - len);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) kill_all_and_exit();
            len += (size_t)n;
            size_t used;
            while (len > 0 && (used = handle_request(buf, len)) > 0) {
                memmove(buf, buf + used, len - used);
                len -= used;
            }
        }
    }
}
