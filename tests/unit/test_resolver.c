/* Unit tests for runtime/resolver.c: lookups in worker threads, with a
 * deterministic lookup function: "slow*" names block until the test
 * releases them, others answer at once.  A slow lookup does not hold up a
 * fast one; results come back through the eventfd with their cookies;
 * cancelled results are dropped; at most PD_RES_MAX are outstanding. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>

#include "resolver.h"
#include "unit.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int released, slow_running;

static void lookup(const char *host, int port, int family, struct pd_res_result *res)
{
    (void)family;
    if (strncmp(host, "slow", 4) == 0) {
        pthread_mutex_lock(&mu);
        slow_running++;
        pthread_cond_broadcast(&cv);
        while (!released)
            pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);
    }
    struct sockaddr_in *s = (struct sockaddr_in *)&res->ss[0];
    s->sin_family = AF_INET;
    s->sin_port = htons((uint16_t)port);
    s->sin_addr.s_addr = htonl(strcmp(host, "none.test") == 0 ? 0 : 0x7f000001);
    res->lens[0] = sizeof(*s);
    res->n = strcmp(host, "none.test") == 0 ? 0 : 1;
}

static void release(void)
{
    pthread_mutex_lock(&mu);
    released = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void wait_slow_running(int n)
{
    pthread_mutex_lock(&mu);
    while (slow_running < n)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

/* Wait (no time limit: a hang is the failure) for the next result. */
static bool next_blocking(struct pd_resolver *r, uint64_t *cookie, struct pd_res_result *res)
{
    for (;;) {
        if (pd_resolver_next(r, cookie, res))
            return true;
        struct pollfd p = {.fd = pd_resolver_fd(r), .events = POLLIN};
        if (poll(&p, 1, -1) < 0)
            return false;
    }
}

static struct pd_resolver *mk(void)
{
    struct pd_resolver *r = NULL;
    pd_error *err = NULL;
    released = slow_running = 0;
    if (pd_resolver_new(lookup, &r, &err) < 0) {
        printf("    %s\n", err->msg);
        pd_error_free(err);
    }
    return r;
}

static void slow_does_not_block_fast(void)
{
    struct pd_resolver *r = mk();
    CHECK(r != NULL);
    if (r == NULL)
        return;
    uint64_t cookie = 0;
    struct pd_res_result res;
    /* all threads but one stuck on slow names */
    for (int i = 0; i < PD_RES_THREADS - 1; i++)
        CHECK(pd_resolver_submit(r, "slow.test", 443, AF_UNSPEC, 100 + (uint64_t)i) >= 0);
    wait_slow_running(PD_RES_THREADS - 1);
    CHECK(!pd_resolver_next(r, &cookie, &res)); /* nothing finished yet */
    CHECK(pd_resolver_submit(r, "fast.test", 8443, AF_INET, 7) >= 0);
    CHECK(next_blocking(r, &cookie, &res));
    CHECK(cookie == 7);
    CHECK(res.n == 1 && ntohs(((struct sockaddr_in *)&res.ss[0])->sin_port) == 8443);
    CHECK(pd_resolver_submit(r, "none.test", 80, AF_INET, 8) >= 0);
    CHECK(next_blocking(r, &cookie, &res));
    CHECK(cookie == 8 && res.n == 0);
    pthread_mutex_lock(&mu);
    CHECK(slow_running == PD_RES_THREADS - 1 && !released); /* still stuck */
    pthread_mutex_unlock(&mu);
    release();
    uint64_t seen = 0;
    for (int i = 0; i < PD_RES_THREADS - 1; i++) {
        CHECK(next_blocking(r, &cookie, &res));
        CHECK(cookie >= 100 && cookie < 100 + PD_RES_THREADS - 1);
        seen |= 1ULL << (cookie - 100);
    }
    CHECK(seen == (1ULL << (PD_RES_THREADS - 1)) - 1);
    pd_resolver_free(r);
}

static void cancel_and_bound(void)
{
    struct pd_resolver *r = mk();
    CHECK(r != NULL);
    if (r == NULL)
        return;
    uint64_t cookie = 0;
    struct pd_res_result res;
    int ids[PD_RES_MAX];
    for (int i = 0; i < PD_RES_MAX; i++)
        CHECK((ids[i] = pd_resolver_submit(r, "slow.test", 80, AF_UNSPEC, (uint64_t)i)) >= 0);
    CHECK(pd_resolver_submit(r, "fast.test", 80, AF_UNSPEC, 999) == -1); /* the bound */
    wait_slow_running(PD_RES_THREADS);
    pd_resolver_cancel(r, ids[PD_RES_MAX - 1]); /* queued: its slot is free at once */
    CHECK(pd_resolver_submit(r, "fast.test", 80, AF_UNSPEC, 999) >= 0);
    for (int i = 0; i < PD_RES_MAX - 1; i++)
        if (i % 2 == 0)
            pd_resolver_cancel(r, ids[i]); /* running or queued: dropped */
    release();
    int got = 0;
    bool fast = false, bad = false;
    while (got < PD_RES_MAX / 2 && next_blocking(r, &cookie, &res)) {
        got++;
        if (cookie == 999)
            fast = true;
        else if (cookie % 2 == 0 || cookie >= PD_RES_MAX - 1)
            bad = true; /* a cancelled one came back */
    }
    CHECK(got == PD_RES_MAX / 2); /* 31 odd ones and the fast one */
    CHECK(fast && !bad);
    pd_resolver_free(r);
    /* a name too long for a DNS name is refused */
    r = mk();
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    CHECK(pd_resolver_submit(r, longname, 80, AF_UNSPEC, 1) == -1);
    pd_resolver_free(r);
}

int main(void)
{
    RUN(slow_does_not_block_fast);
    RUN(cancel_and_bound);
    UNIT_EXIT();
}
