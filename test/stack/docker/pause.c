/* The pause process of a pod sandbox on the stack's real node: the first process of the namespaces a pod's
 * containers share. It waits, reaps every child handed to it (it is PID 1 of the pod's PID namespace when that is
 * shared) and exits 0 on SIGTERM or SIGINT, as the kubelet's runtime expects of a sandbox. Built static, so that
 * its image needs nothing but this binary. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig) {
  (void)sig;
  _exit(0);
}

static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(void) {
  struct sigaction stop = {0};
  struct sigaction child = {0};
  stop.sa_handler = on_stop;
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGINT, &stop, NULL);
  child.sa_handler = on_child;
  child.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGCHLD, &child, NULL);
  for (;;) pause();
}
