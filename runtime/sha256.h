/* paddock: SHA-256 (FIPS 180-4), for cache keys (seccomp_cache.c).  Small
 * and dependency-free: the runtime links no crypto library. */
#ifndef PADDOCK_SHA256_H
#define PADDOCK_SHA256_H
#include <stddef.h>
#include <stdint.h>

#define PD_SHA256_LEN 32

struct pd_sha256 {
    uint32_t h[8];
    uint64_t bytes;       /* message length so far */
    unsigned char buf[64];
    size_t n;             /* bytes in buf */
};

void pd_sha256_init(struct pd_sha256 *s);
void pd_sha256_update(struct pd_sha256 *s, const void *data, size_t len);
void pd_sha256_final(struct pd_sha256 *s, unsigned char out[PD_SHA256_LEN]);
/* One call: out = SHA-256(data). */
void pd_sha256(const void *data, size_t len, unsigned char out[PD_SHA256_LEN]);
/* Lower-case hex of a digest into hex (2 * PD_SHA256_LEN + 1 bytes). */
void pd_sha256_hex(const unsigned char d[PD_SHA256_LEN], char hex[2 * PD_SHA256_LEN + 1]);
#endif
