/* paddock: user and host lookups through glibc's built-in NSS modules.
 *
 * Users (/etc/subuid's names, a home without $HOME) come from /etc/passwd
 * and groups from /etc/group, hosts (the proxy's upstreams) from
 * /etc/hosts and DNS: the modules glibc has built in, whatever
 * /etc/nsswitch.conf names.  Any other module is a shared object that
 * glibc would dlopen() into the runtime; in its static build (Makefile:
 * STATIC_PIE) one may not work at all (libnss_systemd, asked for a uid
 * that /etc/passwd lacks, crashed it: test_rootless.sh), and none belongs
 * in the process that builds containers.  The shared build does the same,
 * so that both behave alike.
 *
 * Every lookup of the runtime goes through here (tests/lint/nss.sh checks
 * that nothing else calls glibc's), and the first one restricts glibc:
 * reading nsswitch.conf for that costs ~25 us, which a start that looks
 * nothing up does not pay. */
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
