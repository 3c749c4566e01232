/* paddock: name resolution in worker threads.  See resolver.h. */
#define _GNU_SOURCE
#include "resolver.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "nss.h"
#include "proxy_parse.h"
#include "util.h"

enum job_state { J_FREE, J_QUEUED, J_RUNNING, J_DONE };

struct job {
    enum job_state state;
    bool cancelled;
    uint64_t seq, cookie;
    char host[PD_HOST_MAX + 1];
    int port, family;
    struct pd_res_result res;
};

struct pd_resolver {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job jobs[PD_RES_MAX];
    uint64_t seq;
    int efd;
    bool stop;
    pd_res_lookup_fn fn;
    pthread_t th[PD_RES_THREADS];
    int n_th;
};

static void gai_lookup(const char *host, int port, int family, struct pd_res_result *res)
{
    struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_STREAM}, *ai0 = NULL;
    char ps[8];
    snprintf(ps, sizeof(ps), "%d", port);
    res->n = 0;
    int rc = pd_getaddrinfo(host, ps, &hints, &ai0);
    if (rc != 0) {
        res->n = rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_ADDRFAMILY ? 0 : -1;
        return;
    }
    for (struct addrinfo *ai = ai0; ai != NULL && res->n < PD_RES_ADDRS; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(res->ss[0]))
            continue;
        memcpy(&res->ss[res->n], ai->ai_addr, ai->ai_addrlen);
        res->lens[res->n++] = ai->ai_addrlen;
    }
    freeaddrinfo(ai0);
}

/* The oldest queued job, NULL when none. */
static struct job *oldest(struct pd_resolver *r)
{
    struct job *best = NULL;
    for (size_t i = 0; i < PD_RES_MAX; i++)
        if (r->jobs[i].state == J_QUEUED && (best == NULL || r->jobs[i].seq < best->seq))
            best = &r->jobs[i];
    return best;
}

static void *worker(void *arg)
{
    struct pd_resolver *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        struct job *j;
        while (!r->stop && (j = oldest(r)) == NULL)
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->stop)
            break;
        j->state = J_RUNNING;
        char host[sizeof(j->host)];
        memcpy(host, j->host, sizeof(host));
        int port = j->port, family = j->family;
        pthread_mutex_unlock(&r->mu);
        struct pd_res_result res;
        memset(&res, 0, sizeof(res));
        r->fn(host, port, family, &res);
        pthread_mutex_lock(&r->mu);
        j->res = res;
        j->state = J_DONE;
        uint64_t one = 1;
        if (write(r->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
            abort(); /* an eventfd write fails only on overflow */
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

int pd_resolver_new(pd_res_lookup_fn fn, struct pd_resolver **out, pd_error **err)
{
    struct pd_resolver *r = pd_xcalloc(1, sizeof(*r));
    *out = NULL;
    r->fn = fn != NULL ? fn : gai_lookup;
    r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (r->efd < 0) {
        free(r);
        return pd_fail_errno(err, "network: eventfd");
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay with the event loop */
    int e = 0;
    for (; r->n_th < PD_RES_THREADS; r->n_th++)
        if ((e = pthread_create(&r->th[r->n_th], NULL, worker, r)) != 0)
            break;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        pd_resolver_free(r);
        return pd_fail(err, e, "network: start the resolver threads");
    }
    *out = r;
    return 0;
}

void pd_resolver_free(struct pd_resolver *r)
{
    if (r == NULL)
        return;
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < r->n_th; i++)
        pthread_join(r->th[i], NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    close(r->efd);
    free(r);
}

int pd_resolver_fd(const struct pd_resolver *r)
{
    return r->efd;
}

int pd_resolver_submit(struct pd_resolver *r, const char *host, int port, int family,
                       uint64_t cookie)
{
    if (strlen(host) > PD_HOST_MAX)
        return -1;
    pthread_mutex_lock(&r->mu);
    int id = 0;
    while (id < PD_RES_MAX && r->jobs[id].state != J_FREE)
        id++;
    if (id < PD_RES_MAX) {
        struct job *j = &r->jobs[id];
        *j = (struct job){.state = J_QUEUED, .seq = ++r->seq, .cookie = cookie, .port = port,
                          .family = family};
        snprintf(j->host, sizeof(j->host), "%s", host);
        pthread_cond_signal(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
    return id < PD_RES_MAX ? id : -1;
}

void pd_resolver_cancel(struct pd_resolver *r, int id)
{
    if (id < 0 || id >= PD_RES_MAX)
        return;
    pthread_mutex_lock(&r->mu);
    struct job *j = &r->jobs[id];
    if (j->state == J_RUNNING)
        j->cancelled = true; /* freed when its thread returns */
    else
        j->state = J_FREE;
    pthread_mutex_unlock(&r->mu);
}

bool pd_resolver_next(struct pd_resolver *r, uint64_t *cookie, struct pd_res_result *res)
{
    uint64_t v;
    if (read(r->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        return false;
    bool found = false;
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < PD_RES_MAX && !found; i++) {
        struct job *j = &r->jobs[i];
        if (j->state != J_DONE)
            continue;
        j->state = J_FREE;
        if (j->cancelled)
            continue;
        *cookie = j->cookie;
        *res = j->res;
        found = true;
    }
    pthread_mutex_unlock(&r->mu);
    return found;
}
