/* paddock: user and host lookups through the C library's built-in sources.
 *
 * Users (/etc/subuid's names, a home without $HOME) come from /etc/passwd
 * and groups from /etc/group, hosts (the proxy's upstreams) from
 * /etc/hosts and DNS.  musl (the runtime's C library: Makefile, LIBC) knows
 * no other source.  glibc (the other builds) is restricted to the modules
 * it has built in, whatever /etc/nsswitch.conf names: any other module is a
 * shared object that glibc would dlopen() into the process that builds
 * containers, and in a static glibc program one may not work at all
 * (libnss_systemd, asked for a uid that /etc/passwd lacks, crashed it:
 * test_rootless.sh).
 *
 * Every lookup of the runtime goes through here (tests/lint/nss.sh checks
 * that nothing else calls the C library's), and under glibc the first one
 * restricts it: reading nsswitch.conf for that costs ~25 us, which a start
 * that looks nothing up does not pay. */
#ifndef PADDOCK_NSS_H
#define PADDOCK_NSS_H

#include <netdb.h>
#include <pwd.h>
#include <sys/types.h>

/* getpwuid(3), from /etc/passwd only. */
struct passwd *pd_getpwuid(uid_t uid);

/* getaddrinfo(3), from /etc/hosts and DNS only.  Thread-safe. */
int pd_getaddrinfo(const char *host, const char *service, const struct addrinfo *hints,
                   struct addrinfo **res);

#endif
