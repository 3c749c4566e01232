/* paddock: lookups through glibc's built-in NSS modules (see nss.h). */
#define _GNU_SOURCE
#include "nss.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "log.h"
#include "util.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

#ifdef __GLIBC__
#include <nss.h>

static void builtin(void)
{
    static const char *const dbs[][2] = {{"passwd", "files"}, {"group", "files"},
                                         {"hosts", "files dns"}};
    for (size_t i = 0; i < PD_ARRAY_SIZE(dbs); i++)
        if (__nss_configure_lookup(dbs[i][0], dbs[i][1]) < 0)
            pd_warn("nss: %s: %s", dbs[i][0], strerror(errno));
}
#else
/* musl has no modules: users and groups come from /etc/passwd and
 * /etc/group (then nscd's socket, if one answers), hosts from /etc/hosts
 * and DNS. */
static void builtin(void)
{
}
#endif

struct passwd *pd_getpwuid(uid_t uid)
{
    pthread_once(&once, builtin);
    return getpwuid(uid);
}

int pd_getaddrinfo(const char *host, const char *service, const struct addrinfo *hints,
                   struct addrinfo **res)
{
    pthread_once(&once, builtin);
    return getaddrinfo(host, service, hints, res);
}
