/*
 * The pause program of the local stack's pod sandbox image: it holds the
 * pod's namespaces open, reaps every child re-parented to it (it is PID 1 of
 * the pod when the pod shares its process namespace) and exits on SIGTERM or
 * SIGINT. Built static so that its image needs nothing else.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig) { stop_signal = sig; }

static void on_child(int sig) {
  (void)sig;
  int saved = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static void handle(int sig, void (*fn)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fn;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | (sig == SIGCHLD ? SA_NOCLDSTOP : 0);
  if (sigaction(sig, &sa, NULL) != 0) {
    perror("pause: sigaction");
    _exit(1);
  }
}

int main(void) {
  handle(SIGTERM, on_stop);
  handle(SIGINT, on_stop);
  handle(SIGCHLD, on_child);
  while (!stop_signal) pause();
  fprintf(stderr, "pause: exiting on signal %d\n", (int)stop_signal);
  return 0;
}
