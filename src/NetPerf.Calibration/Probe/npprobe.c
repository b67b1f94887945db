// npprobe: the probes `netperf calibrate` runs inside the network namespaces it builds (built from this file at
// run time with the system's C compiler; nothing is downloaded). Every process pins itself to one CPU.
//   npprobe server <udp|tcp> <bind-ip> <port> <size> <cpu> <warmup>
//       prints "ready" once bound, then answers each <size>-byte request with <size> bytes: UDP unconnected
//       (recvfrom/sendto) until an empty datagram; TCP accepts connection after connection (TCP_NODELAY) until one
//       sends nothing and closes. Prints "served <n> user_ns <u> sys_ns <s>" when it stops: n and its getrusage
//       time counted from the end of the first <warmup> transactions (so start-up and warm-up are not in it).
//       It dies with its parent (PR_SET_PDEATHSIG) and gives up after 30 s without a request.
//   npprobe rr  <udp|tcp> <dst-ip> <port> <warmup> <count> <size> <cpu>
//   npprobe crr <dst-ip> <port> <warmup> <count> <size> <cpu>
//       <warmup> unmeasured transactions, then <count> measured ones (rr: on one socket; crr: connect, request,
//       response, close, each on a new connection, as netperf's TCP_CRR). Prints one line:
//       "n <count> p50 <ns> p90 <ns> p99 <ns> p999 <ns> mean <ns> wall_ns <ns> busy_ns <ns> steal_ns <ns>
//        user_ns <ns> sys_ns <ns>"; busy and steal are the pinned CPU's over the measured phase (/proc/stat:
//       user+nice+system+irq+softirq), user/sys the client's own (getrusage over the measured phase).
//       Then stops the server (UDP: an empty datagram; TCP: a connection that sends nothing).
//   npprobe sink <bind-ip> <port> <cpu>
//       prints "ready", accepts one TCP connection and reads it to its end (64 KiB reads); prints
//       "served <bytes> user_ns <u> sys_ns <s>".
//   npprobe stream <dst-ip> <port> <milliseconds> <write-size> <cpu>
//       connects, writes <write-size> bytes at a time for <milliseconds> (the first tenth unmeasured: slow start),
//       closes; prints "bytes <n> wall_ns <ns> busy_ns <ns> steal_ns <ns> user_ns <ns> sys_ns <ns>" over the
//       measured part.
// Any error, or a 5 s stall, exits non-zero with a message on stderr.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int cpu_id;

static void die(const char *what) { perror(what); exit(1); }

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity");
    cpu_id = cpu;
}

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void rusage_ns(long long *user, long long *sys) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    *user = r.ru_utime.tv_sec * 1000000000LL + r.ru_utime.tv_usec * 1000LL;
    *sys = r.ru_stime.tv_sec * 1000000000LL + r.ru_stime.tv_usec * 1000LL;
}

// The pinned CPU's busy and steal time from /proc/stat, in ns.
static void cpu_ns(long long *busy, long long *steal) {
    FILE *f = fopen("/proc/stat", "r");
    if (!f) die("/proc/stat");
    char name[32], want[32];
    snprintf(want, sizeof want, "cpu%d", cpu_id);
    unsigned long long v[10];
    long hz = sysconf(_SC_CLK_TCK);
    *busy = *steal = -1;
    while (fscanf(f, "%31s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu%*[^\n]", name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) >= 8) {
        if (strcmp(name, want) == 0) {
            *busy = (long long)(v[0] + v[1] + v[2] + v[5] + v[6]) * (1000000000LL / hz);
            *steal = (long long)v[7] * (1000000000LL / hz);
            break;
        }
    }
    fclose(f);
    if (*busy < 0) { fprintf(stderr, "no %s in /proc/stat\n", want); exit(1); }
}

static struct sockaddr_in addr(const char *ip, const char *port) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", ip); exit(2); }
    return a;
}

static void timeouts(int s) {
    struct timeval tv = { .tv_sec = 5 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static void nodelay(int s) {
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int readn(int s, char *buf, long n) {
    long got = 0;
    while (got < n) {
        ssize_t r = recv(s, buf + got, n - got, 0);
        if (r < 0) die("recv");
        if (r == 0) { if (got == 0) return 0; fprintf(stderr, "short read\n"); exit(1); }
        got += r;
    }
    return 1;
}

static void writen(int s, const char *buf, long n) {
    long put = 0;
    while (put < n) {
        ssize_t w = send(s, buf + put, n - put, 0);
        if (w < 0) die("send");
        put += w;
    }
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static long long at(long long *s, long n, double q) {
    long i = (long)(q * (n - 1) + 0.5);
    return s[i < 0 ? 0 : (i >= n ? n - 1 : i)];
}

static void report(long long *lat, long n, long long wall, long long busy, long long steal, long long user, long long sys) {
    qsort(lat, n, sizeof *lat, cmp);
    long double sum = 0;
    for (long i = 0; i < n; i++) sum += lat[i];
    printf("n %ld p50 %lld p90 %lld p99 %lld p999 %lld mean %.0Lf wall_ns %lld busy_ns %lld steal_ns %lld user_ns %lld sys_ns %lld\n",
        n, at(lat, n, 0.5), at(lat, n, 0.9), at(lat, n, 0.99), at(lat, n, 0.999), sum / n, wall, busy, steal, user, sys);
}

static void server_timeouts(int s) {
    struct timeval tv = { .tv_sec = 30 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int serve(int argc, char **argv) {
    if (argc < 8) return 2;
    int tcp = strcmp(argv[2], "tcp") == 0;
    long size = atol(argv[5]);
    long warm = atol(argv[7]);
    long long u0 = 0, s0 = 0;
    pin(atoi(argv[6]));
    struct sockaddr_in a = addr(argv[3], argv[4]);
    char *buf = calloc(1, size + 1);
    long served = 0;
    int s = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (s < 0) die("socket");
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) die("bind");
    server_timeouts(s);
    if (tcp && listen(s, 128) != 0) die("listen");
    printf("ready\n");
    if (!tcp) {
        for (;;) {
            struct sockaddr_in from; socklen_t len = sizeof from;
            ssize_t r = recvfrom(s, buf, size + 1, 0, (struct sockaddr *)&from, &len);
            if (r < 0) die("recvfrom");
            if (r == 0) break;
            if (sendto(s, buf, size, 0, (struct sockaddr *)&from, len) != size) die("sendto");
            if (++served == warm) rusage_ns(&u0, &s0);
        }
    } else {
        for (;;) {
            int c = accept(s, NULL, NULL);
            if (c < 0) die("accept");
            nodelay(c);
            server_timeouts(c);
            long before = served;
            while (readn(c, buf, size)) { writen(c, buf, size); if (++served == warm) rusage_ns(&u0, &s0); }
            close(c);
            if (served == before) break; // the client's stop: a connection that sent nothing
        }
    }
    long long user, sys;
    rusage_ns(&user, &sys);
    printf("served %ld user_ns %lld sys_ns %lld\n", served - (served >= warm ? warm : 0), user - u0, sys - s0);
    return 0;
}

static void stop_server(int tcp, struct sockaddr_in *a) {
    int s = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    if (tcp) { if (connect(s, (struct sockaddr *)a, sizeof *a) == 0) shutdown(s, SHUT_WR); }
    else sendto(s, "", 0, 0, (struct sockaddr *)a, sizeof *a);
    close(s);
}

static int rr(int argc, char **argv, int crr) {
    int base = crr ? 1 : 2; // crr has no protocol argument
    if (argc < base + 6) return 2;
    int tcp = crr || strcmp(argv[2], "tcp") == 0;
    struct sockaddr_in a = addr(argv[base + 1], argv[base + 2]);
    long warm = atol(argv[base + 3]), count = atol(argv[base + 4]), size = atol(argv[base + 5]);
    pin(atoi(argv[base + 6]));
    char *buf = calloc(1, size);
    long long *lat = calloc(count, sizeof *lat);
    if (!buf || !lat || count < 1) { fprintf(stderr, "bad count\n"); return 2; }
    int s = -1;
    if (!crr) {
        s = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
        timeouts(s);
        if (tcp) { nodelay(s); if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) die("connect"); }
    }
    long long b0 = 0, st0 = 0, u0 = 0, s0 = 0, w0 = 0;
    for (long i = -warm; i < count; i++) {
        if (i == 0) { cpu_ns(&b0, &st0); rusage_ns(&u0, &s0); w0 = now_ns(); }
        long long t0 = now_ns();
        if (crr) {
            s = socket(AF_INET, SOCK_STREAM, 0);
            timeouts(s);
            nodelay(s);
            if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
        }
        if (tcp) { writen(s, buf, size); if (!readn(s, buf, size)) { fprintf(stderr, "server closed\n"); return 1; } }
        else {
            if (sendto(s, buf, size, 0, (struct sockaddr *)&a, sizeof a) != size) die("sendto");
            if (recv(s, buf, size, 0) != size) die("recv (a lost datagram or a 5 s stall)");
        }
        if (crr) close(s);
        if (i >= 0) lat[i] = now_ns() - t0;
    }
    long long w1 = now_ns(), b1, st1, u1, s1;
    cpu_ns(&b1, &st1);
    rusage_ns(&u1, &s1);
    if (!crr) close(s);
    stop_server(tcp, &a);
    report(lat, count, w1 - w0, b1 - b0, st1 - st0, u1 - u0, s1 - s0);
    return 0;
}

static int sink(int argc, char **argv) {
    if (argc < 5) return 2;
    struct sockaddr_in a = addr(argv[2], argv[3]);
    pin(atoi(argv[4]));
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) die("bind");
    server_timeouts(s);
    if (listen(s, 1) != 0) die("listen");
    printf("ready\n");
    int c = accept(s, NULL, NULL);
    if (c < 0) die("accept");
    server_timeouts(c);
    static char buf[65536];
    long long got = 0;
    for (;;) {
        ssize_t r = recv(c, buf, sizeof buf, 0);
        if (r < 0) die("recv");
        if (r == 0) break;
        got += r;
    }
    long long user, sys;
    rusage_ns(&user, &sys);
    printf("served %lld user_ns %lld sys_ns %lld\n", got, user, sys);
    return 0;
}

static int stream(int argc, char **argv) {
    if (argc < 7) return 2;
    struct sockaddr_in a = addr(argv[2], argv[3]);
    long long ms = atol(argv[4]);
    long size = atol(argv[5]);
    pin(atoi(argv[6]));
    char *buf = calloc(1, size);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    timeouts(s);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
    long long start = now_ns(), warm_end = start + ms * 100000LL, end = start + ms * 1000000LL;
    long long b0 = 0, st0 = 0, u0 = 0, s0 = 0, w0 = 0, bytes = 0;
    int measuring = 0;
    for (;;) {
        long long t = now_ns();
        if (!measuring && t >= warm_end) { measuring = 1; cpu_ns(&b0, &st0); rusage_ns(&u0, &s0); w0 = t; bytes = 0; }
        if (t >= end) break;
        writen(s, buf, size);
        bytes += size;
    }
    long long w1 = now_ns(), b1, st1, u1, s1;
    cpu_ns(&b1, &st1);
    rusage_ns(&u1, &s1);
    close(s);
    printf("bytes %lld wall_ns %lld busy_ns %lld steal_ns %lld user_ns %lld sys_ns %lld\n", bytes, w1 - w0, b1 - b0, st1 - st0, u1 - u0, s1 - s0);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL); // a killed calibration takes its probes with it
    if (argc >= 2 && strcmp(argv[1], "server") == 0) return serve(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "rr") == 0) return rr(argc, argv, 0);
    if (argc >= 2 && strcmp(argv[1], "crr") == 0) return rr(argc, argv, 1);
    if (argc >= 2 && strcmp(argv[1], "sink") == 0) return sink(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "stream") == 0) return stream(argc, argv);
    fprintf(stderr, "usage: see the comment at the top of npprobe.c\n");
    return 2;
}
