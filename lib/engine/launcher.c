/*
 * inet-swarm-launcher: starts simulation processes on behalf of the runner.
 *
 * Why it exists: Node starts a child with fork(), which copies the page tables
 * of the whole runner (about 85 MB resident); for a short simulation that
 * costs more CPU than the simulation's own start. This process stays small,
 * so its fork is cheap, and the runner only writes a request to a pipe. The
 * runner falls back to Node's spawn when no launcher is configured.
 *
 * Two modes. Without arguments it speaks the protocol on stdin and stdout
 * (a child of the runner: `run --local`, tests). With `--listen PATH` it is
 * the program of a pod's sandbox container: it listens on a Unix socket at
 * PATH (mode 0700 by umask: only the pod's UID may connect; the runner container
 * reaches it through a shared volume) and serves one connection at a time.
 * So user code runs in a container that holds no credentials and cannot see
 * the runner's processes, while a start still costs only a socket write.
 *
 * Protocol (lib/engine/launcher.ts is the other side). Requests, each a
 * sequence of NUL-terminated fields:
 *   "s" ID CWD OUTPUT ARGC ARGV[0] .. ARGV[ARGC-1]   start ARGV in CWD, stdout
 *                                                     and stderr to file OUTPUT
 *   "k" ID SIGNAL                                     send SIGNAL to run ID
 *   "e" COUNT VAR[0] .. VAR[COUNT-1]                  NAME=VALUE entries: the
 *                                                     environment of later starts
 * Replies, one line each:
 *   started ID PID
 *   failed ID STAGE ERRNO        STAGE is output, cwd or exec
 *   exited ID CODE SIGNAL        CODE is -1 when killed by SIGNAL, SIGNAL 0 otherwise
 * Until an "e" request, a simulation gets the launcher's own environment.
 * When the requests end (stdin, or the connection, closes), or the runner
 * dies (pipe mode), every simulation still running is killed; in listen mode
 * the launcher then waits for the next connection, and SIGTERM ends it.
 *
 * Each simulation leads a session and process group of its own (setsid), and
 * every signal goes to the whole group: a model that forks cannot leave a
 * child running past its timeout, its stop or the end of the launcher. When a
 * simulation exits, what is left of its group is killed too (its run is
 * over). A process that makes a session of its own escapes this.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct run {
    long id;
    pid_t pid;
};

static struct run *runs;
static size_t run_count, run_cap;
static pid_t launcher_pid;
/* Where replies go: stdout, or the current connection. A failed write there ends the connection. */
static int reply_fd = STDOUT_FILENO;
static int reply_broken;
/* The environment of the next starts, from an "e" request; NULL: the launcher's own. */
static char **run_env;
extern char **environ;

static void die(const char *what) {
    fprintf(stderr, "inet-swarm-launcher: %s: %s\n", what, errno ? strerror(errno) : "protocol error");
    exit(2);
}

static void write_all(const char *buf, size_t len) {
    while (len > 0 && !reply_broken) {
        ssize_t n = write(reply_fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            reply_broken = 1;
            return;
        }
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
        /* Its own group, signalled as one; done before exec, so before "started" is replied. */
        setsid();
        int out = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0) child_fail(status[1], STAGE_OUTPUT);
        int in = open("/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
            child_fail(status[1], STAGE_OUTPUT);
        if (out > STDERR_FILENO) close(out);
        if (in > STDERR_FILENO) close(in);
        if (chdir(cwd) < 0) child_fail(status[1], STAGE_CWD);
        /* execvp searches the PATH of environ, so the run's PATH decides, as with spawn. */
        if (run_env) environ = run_env;
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

/* Signals a run's process group; a group whose processes all exited has nothing left to signal. */
static void signal_group(pid_t leader, int sig) {
    kill(-leader, sig);
}

static void reap(void) {
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        for (size_t i = 0; i < run_count; i++) {
            if (runs[i].pid != pid) continue;
            /* The group outlives its leader while a member runs, so its id is not reused yet. */
            signal_group(pid, SIGKILL);
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

/* The next NUL-terminated field of buf[*pos..len), or NULL when it is not complete yet. */
static char *next_field(char *buf, size_t len, size_t *pos) {
    char *end = memchr(buf + *pos, '\0', len - *pos);
    if (!end) return NULL;
    char *field = buf + *pos;
    *pos = (size_t)(end - buf) + 1;
    return field;
}

/* Up to 100000 fields of a request; NULL (and nothing allocated) when they are not all there yet. */
static char **fields_of(char *buf, size_t len, size_t *pos, const char *count_field) {
    long count = number(count_field);
    if (count < 0 || count > 100000) die("bad field count");
    char **list = calloc((size_t)count + 1, sizeof *list);
    if (!list) die("calloc");
    for (long i = 0; i < count; i++) {
        list[i] = next_field(buf, len, pos);
        if (!list[i]) {
            free(list);
            return NULL;
        }
    }
    return list;
}

static void clear_env(void) {
    for (char **v = run_env; v && *v; v++) free(*v);
    free(run_env);
    run_env = NULL;
}

static void set_env(char **vars) {
    clear_env();
    size_t n = 0;
    while (vars[n]) n++;
    run_env = calloc(n + 1, sizeof *run_env);
    if (!run_env) die("calloc");
    for (size_t i = 0; i < n; i++)
        if (!(run_env[i] = strdup(vars[i]))) die("strdup");
}

/*
 * Handles the first complete request in buf[0..len); returns the bytes it
 * used, or 0 when the request is not complete yet.
 */
static size_t handle_request(char *buf, size_t len) {
    size_t pos = 0;
    char *kind = next_field(buf, len, &pos);
    if (!kind) return 0;
    if (strcmp(kind, "k") == 0) {
        char *id = next_field(buf, len, &pos);
        char *sig = id ? next_field(buf, len, &pos) : NULL;
        if (!sig) return 0;
        struct run *r = find_run(number(id));
        /* A run that already exited has nothing left to signal. */
        if (r) signal_group(r->pid, (int)number(sig));
        return pos;
    }
    if (strcmp(kind, "e") == 0) {
        char *count = next_field(buf, len, &pos);
        char **vars = count ? fields_of(buf, len, &pos, count) : NULL;
        if (!vars) return 0;
        set_env(vars);
        free(vars);
        return pos;
    }
    if (strcmp(kind, "s") != 0) die("unknown request");
    char *f[4];
    for (int i = 0; i < 4; i++)
        if (!(f[i] = next_field(buf, len, &pos))) return 0;
    if (number(f[3]) < 1) die("bad argument count");
    char **argv = fields_of(buf, len, &pos, f[3]);
    if (!argv) return 0;
    start_run(number(f[0]), f[1], f[2], argv);
    free(argv);
    return pos;
}

/* Kills every run with its group and waits for them all: the launcher has no child left after it. */
static void kill_all(void) {
    for (size_t i = 0; i < run_count; i++) signal_group(runs[i].pid, SIGKILL);
    while (wait(NULL) > 0 || errno == EINTR) {
    }
    run_count = 0;
}

/* Empties the signalfd and reaps; nonzero when a stop signal came (only listen mode asks for those). */
static int drain_signals(int sfd) {
    struct signalfd_siginfo info;
    int stop = 0;
    while (read(sfd, &info, sizeof info) == (ssize_t)sizeof info)
        if (info.ssi_signo != SIGCHLD) stop = 1;
    reap();
    return stop;
}

static char *buf;
static size_t cap = 1 << 16;

/* Serves the requests read from `in` until they end (0) or a stop signal arrives (1). */
static int serve(int in, int sfd) {
    size_t len = 0;
    struct pollfd fds[2] = {{.fd = in, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if ((fds[1].revents & POLLIN) && drain_signals(sfd)) return 1;
        if (reply_broken) return 0;
        if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf) die("realloc");
        }
        ssize_t n = read(in, buf + len, cap - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0;
        len += (size_t)n;
        size_t used;
        while (len > 0 && (used = handle_request(buf, len)) > 0) {
            memmove(buf, buf + used, len - used);
            len -= used;
        }
        if (reply_broken) return 0;
    }
}

/* The listening socket at `path`, which only this UID may connect to. */
static int listen_on(const char *path) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        die("socket path");
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    /* A socket left by the container's previous start would make bind fail. */
    if (unlink(path) < 0 && errno != ENOENT) die("unlink");
    /* Created without group and other bits, not chmod-ed afterwards: there is no moment another UID could connect. */
    mode_t old = umask(0077);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
    umask(old);
    if (listen(fd, 1) < 0) die("listen");
    return fd;
}

/* One connection at a time, each with its own runs and environment; SIGTERM or SIGINT ends the launcher. */
static void listen_mode(const char *path, int sfd) {
    int lfd = listen_on(path);
    fprintf(stderr, "inet-swarm-launcher: listening on %s\n", path);
    struct pollfd fds[2] = {{.fd = lfd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
    for (int stop = 0; !stop;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if ((fds[1].revents & POLLIN) && drain_signals(sfd)) break;
        if (!(fds[0].revents & POLLIN)) continue;
        int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            die("accept");
        }
        /* The socket's mode already says so; the peer's credentials say it again. */
        struct ucred peer;
        socklen_t peer_len = sizeof peer;
        if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len) < 0 || peer.uid != getuid()) {
            close(conn);
            continue;
        }
        reply_fd = conn;
        reply_broken = 0;
        stop = serve(conn, sfd);
        kill_all();
        close(conn);
        clear_env();
    }
    unlink(path);
    exit(0);
}

int main(int argc, char **argv) {
    launcher_pid = getpid();
    const char *listen_path = NULL;
    if (argc == 3 && strcmp(argv[1], "--listen") == 0)
        listen_path = argv[2];
    else if (argc != 1) {
        fprintf(stderr, "usage: inet-swarm-launcher [--listen SOCKET]\n");
        return 2;
    }
    /* In pipe mode it dies with the runner, even when the runner is killed with SIGKILL (the
     * end of stdin says the same, unless another process holds the pipe). */
    if (!listen_path) prctl(PR_SET_PDEATHSIG, SIGKILL);

    /* SIGCHLD arrives through a signalfd, and in listen mode SIGTERM and SIGINT too (the
     * container's stop). In pipe mode those are for the runner to handle (a Ctrl-C reaches the
     * whole process group). A closed reply pipe or socket shows as EPIPE. Blocked, not ignored:
     * children reset the mask, while an ignored disposition would survive exec. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGPIPE);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) die("sigprocmask");
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGCHLD);
    if (listen_path) {
        sigaddset(&wanted, SIGINT);
        sigaddset(&wanted, SIGTERM);
    }
    int sfd = signalfd(-1, &wanted, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) die("signalfd");

    buf = malloc(cap);
    if (!buf) die("malloc");
    if (listen_path) listen_mode(listen_path, sfd);
    serve(STDIN_FILENO, sfd);
    kill_all();
    return 0;
}
