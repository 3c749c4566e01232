/* tests/bench/seccomp-bpf: write a built-in seccomp profile (default
 * agent-default) as the raw BPF that bwrap's --seccomp FD loads, compiled
 * by paddock's own library (libseccomp underneath, as paddock loads it),
 * so that bwrap in the benchmark filters exactly what a paddock sandbox
 * does.  Linked with build/libpaddock.a by tests/bench/run.
 *
 *   seccomp-bpf OUT [PROFILE]     prints the number of instructions */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/filter.h>
#include <stdio.h>
#include <unistd.h>

#include "seccomp.h"
#include "seccomp_profile.h"
#include "util.h"

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: seccomp-bpf OUT [PROFILE]\n");
        return 2;
    }
    const char *name = argc == 3 ? argv[2] : PD_SECCOMP_PROFILE_DEFAULT;
    struct pd_seccomp *sc = NULL;
    struct pd_seccomp_bpf *b = NULL;
    pd_error *err = NULL;
    if (pd_seccomp_profile_builtin(name, &sc, &err) < 0 || pd_seccomp_compile(sc, false, &b, &err) < 0) {
        fprintf(stderr, "seccomp-bpf: %s\n", err->msg);
        return 1;
    }
    if (b->flags != 0)
        fprintf(stderr, "seccomp-bpf: note: the profile's flags (%#x) are not passed to bwrap\n",
                b->flags);
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || pd_write_all(fd, b->insns, b->len * sizeof(struct sock_filter)) < 0 ||
        close(fd) < 0) {
        perror(argv[1]);
        return 1;
    }
    printf("%zu\n", b->len);
    pd_seccomp_bpf_free(b);
    pd_seccomp_profile_free(sc);
    return 0;
}
