// udpblast: send or receive N UDP datagrams of a given payload size, one syscall per datagram, pinned to a CPU.
// Used by measure.sh to measure the kernel's CPU cost per packet on paths built from network namespaces.
//   udpblast recv <bind-ip> <port> <count> <cpu>        prints the number received when done or idle 10 s
//   udpblast send <dst-ip>  <port> <count> <size> <cpu> [src-ip]
//   udpblast churn <dst-ip> <port> <count> <size> <cpu>    one datagram from each of <count> sockets: every one a new flow
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("sched_setaffinity"); exit(1); }
}

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: see the comment at the top of udpblast.c\n"); return 2; }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[3])) };
    inet_pton(AF_INET, argv[2], &a.sin_addr);
    long count = atol(argv[4]);
    if (strcmp(argv[1], "recv") == 0) {
        pin(atoi(argv[5]));
        int buf = 64 << 20;
        setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
        if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); return 1; }
        struct timeval tv = { .tv_sec = 10 };
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char data[65536];
        long got = 0;
        while (got < count && recv(s, data, sizeof data, 0) >= 0) got++;
        printf("%ld\n", got);
        return 0;
    }
    int size = atoi(argv[5]);
    pin(atoi(argv[6]));
    if (strcmp(argv[1], "churn") == 0) {
        // Open every socket first (so the measured part is only the sends), each bound to its own port.
        int *fds = malloc(sizeof(int) * count);
        for (long i = 0; i < count; i++) {
            fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
            if (fds[i] < 0) { perror("socket"); return 1; }
        }
        char data[65536] = { 0 };
        printf("ready\n");
        fflush(stdout);
        getchar(); // the caller starts its clock, then says go
        for (long i = 0; i < count; i++)
            if (sendto(fds[i], data, size, 0, (struct sockaddr *)&a, sizeof a) < 0) { perror("sendto"); return 1; }
        return 0;
    }
    if (argc > 7) {
        struct sockaddr_in src = { .sin_family = AF_INET };
        inet_pton(AF_INET, argv[7], &src.sin_addr);
        bind(s, (struct sockaddr *)&src, sizeof src);
    }
    char data[65536] = { 0 };
    for (long i = 0; i < count; i++)
        if (sendto(s, data, size, 0, (struct sockaddr *)&a, sizeof a) < 0) { perror("sendto"); return 1; }
    return 0;
}
