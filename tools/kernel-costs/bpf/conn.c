// conn: <count> TCP connect()+close() to <ip>:<port> on a listener forked here at 127.0.0.1:8080 that accepts
// and closes; prints the connecting process's own CPU time per connection in ns (getrusage).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
static long cpu_ns(void) { struct rusage u; getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000000L + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000L; }
int main(int argc, char **argv) {
  long count = atol(argv[3]); cpu_set_t set; CPU_ZERO(&set); CPU_SET(atoi(argv[4]), &set); sched_setaffinity(0, sizeof set, &set);
  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1; setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in b = { .sin_family = AF_INET, .sin_port = htons(8080) }; inet_pton(AF_INET, "127.0.0.1", &b.sin_addr);
  if (bind(l, (void *)&b, sizeof b) || listen(l, 4096)) { perror("listen"); return 1; }
  pid_t kid = fork();
  if (kid == 0) { for (;;) { int c = accept(l, 0, 0); if (c >= 0) close(c); } }
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) }; inet_pton(AF_INET, argv[1], &a.sin_addr);
  struct linger lg = { 1, 0 }; // RST on close: no TIME_WAIT, so the port space never runs out
  long t0 = cpu_ns();
  for (long i = 0; i < count; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (void *)&a, sizeof a)) { perror("connect"); kill(kid, 9); return 1; }
    setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg); close(s);
  }
  printf("%ld\n", (cpu_ns() - t0) / count);
  kill(kid, 9); wait(0); return 0;
}
