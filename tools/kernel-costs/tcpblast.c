// tcpblast: request/response (ping-pong) over TCP or UDP, and a bulk TCP stream, pinned to a CPU.
// Used by measure-tcp.sh to measure the kernel's CPU cost of TCP per packet on paths built from namespaces.
//   tcpblast server <tcp|udp> <bind-ip> <port> <size> <cpu>   answers each <size>-byte request with <size> bytes
//                                                               until the peer closes (tcp) or sends an empty
//                                                               datagram (udp); prints the transactions served
//   tcpblast rr <tcp|udp> <dst-ip> <port> <count> <size> <cpu>  <count> transactions, one send and one receive
//                                                               syscall each; prints <count> when done
//   tcpblast sink <bind-ip> <port> <cpu>                       accepts one TCP connection, reads until EOF
//                                                               (64 KiB reads); prints the bytes received
//   tcpblast stream <dst-ip> <port> <bytes> <write-size> <cpu>  writes <bytes> in <write-size> writes, closes;
//                                                               prints <bytes>
// Each prints, after its count, its own CPU time in ns (getrusage: user + system, which includes the softirqs
// that ran in its context). TCP sockets have TCP_NODELAY. UDP is unconnected on both sides (sendto/recvfrom),
// like udpblast, so each datagram is routed on output and on input, as NetPerf charges. Any error or a 10 s
// stall exits non-zero. TCPBLAST_CC=name in the environment sets the TCP congestion control of the connecting
// and listening sockets (TCP_CONGESTION; the accepted socket inherits it).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("sched_setaffinity"); exit(1); }
}

static void die(const char *what) { perror(what); exit(1); }

static struct sockaddr_in addr(const char *ip, const char *port) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
    if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", ip); exit(2); }
    return a;
}

static void timeout(int s) {
    struct timeval tv = { .tv_sec = 10 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static void nodelay(int s) {
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Reads exactly n bytes from a stream socket; 0 at EOF before any byte, 1 when done.
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

static void congestion(int s) {
    const char *cc = getenv("TCPBLAST_CC");
    if (cc && *cc && setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, cc, strlen(cc)) != 0) die("TCP_CONGESTION");
}

static int listener(struct sockaddr_in *a) {
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    congestion(l);
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l, (struct sockaddr *)a, sizeof *a) != 0) die("bind");
    if (listen(l, 1) != 0) die("listen");
    return l;
}

static int connector(struct sockaddr_in *a) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    congestion(s);
    if (connect(s, (struct sockaddr *)a, sizeof *a) != 0) die("connect");
    return s;
}

static char data[1 << 20];

static long long cpu_ns(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000000LL + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000LL;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: see the comment at the top of tcpblast.c\n"); return 2; }
    const char *mode = argv[1];
    if (strcmp(mode, "server") == 0 && argc >= 7) {
        int tcp = strcmp(argv[2], "tcp") == 0;
        struct sockaddr_in a = addr(argv[3], argv[4]);
        long size = atol(argv[5]);
        pin(atoi(argv[6]));
        long served = 0;
        if (tcp) {
            int l = listener(&a);
            int s = accept(l, NULL, NULL);
            if (s < 0) die("accept");
            nodelay(s);
            timeout(s);
            while (readn(s, data, size)) { writen(s, data, size); served++; }
        } else {
            int s = socket(AF_INET, SOCK_DGRAM, 0);
            if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) die("bind");
            struct timeval tv = { .tv_sec = 30 };
            setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            for (;;) {
                struct sockaddr_in from;
                socklen_t fl = sizeof from;
                ssize_t r = recvfrom(s, data, sizeof data, 0, (struct sockaddr *)&from, &fl);
                if (r < 0) die("recvfrom");
                if (r == 0) break;
                if (sendto(s, data, r, 0, (struct sockaddr *)&from, fl) < 0) die("sendto");
                served++;
            }
        }
        printf("%ld %lld\n", served, cpu_ns());
        return 0;
    }
    if (strcmp(mode, "rr") == 0 && argc >= 8) {
        int tcp = strcmp(argv[2], "tcp") == 0;
        struct sockaddr_in a = addr(argv[3], argv[4]);
        long count = atol(argv[5]), size = atol(argv[6]);
        pin(atoi(argv[7]));
        if (tcp) {
            int s = connector(&a);
            nodelay(s);
            timeout(s);
            for (long i = 0; i < count; i++) {
                writen(s, data, size);
                if (!readn(s, data, size)) { fprintf(stderr, "server closed\n"); return 1; }
            }
            close(s);
        } else {
            int s = socket(AF_INET, SOCK_DGRAM, 0);
            timeout(s);
            for (long i = 0; i < count; i++) {
                if (sendto(s, data, size, 0, (struct sockaddr *)&a, sizeof a) < 0) die("sendto");
                if (recvfrom(s, data, sizeof data, 0, NULL, NULL) < 0) die("recvfrom (a datagram was lost?)");
            }
            sendto(s, data, 0, 0, (struct sockaddr *)&a, sizeof a);
        }
        printf("%ld %lld\n", count, cpu_ns());
        return 0;
    }
    if (strcmp(mode, "sink") == 0) {
        struct sockaddr_in a = addr(argv[2], argv[3]);
        pin(atoi(argv[4]));
        int l = listener(&a);
        int s = accept(l, NULL, NULL);
        if (s < 0) die("accept");
        timeout(s);
        long long total = 0;
        for (;;) {
            ssize_t r = recv(s, data, 65536, 0);
            if (r < 0) die("recv");
            if (r == 0) break;
            total += r;
        }
        printf("%lld %lld\n", total, cpu_ns());
        return 0;
    }
    if (strcmp(mode, "stream") == 0 && argc >= 7) {
        struct sockaddr_in a = addr(argv[2], argv[3]);
        long long bytes = atoll(argv[4]);
        long chunk = atol(argv[5]);
        if (chunk > (long)sizeof data) chunk = sizeof data;
        pin(atoi(argv[6]));
        int s = connector(&a);
        timeout(s);
        for (long long sent = 0; sent < bytes; sent += chunk) writen(s, data, bytes - sent < chunk ? bytes - sent : chunk);
        close(s);
        printf("%lld %lld\n", bytes, cpu_ns());
        return 0;
    }
    fprintf(stderr, "usage: see the comment at the top of tcpblast.c\n");
    return 2;
}
