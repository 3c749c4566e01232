/* libFuzzer target for the DNS query parser and answer builder
 * (runtime/proxy_parse_tls.c).  Seeds in tests/fuzz/corpus/dns. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * PD_DNS_MAX)
        return 0;
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL)
        abort();
    memcpy(buf, data, size);
    struct pd_dns_query q;
    const char *why = NULL;
    enum pd_parse p = pd_dns_parse_query(buf, size, &q, &why);
    if (p == PD_PARSE_BAD && why == NULL)
        abort();
    if (p == PD_PARSE_OK) {
        uint8_t out[PD_DNS_MAX];
        const uint8_t a[32] = {127, 0, 0, 1, 127, 0, 0, 2, 0x20, 1, 0xd, 0xb8};
        size_t n = pd_dns_answer(buf, &q, 0, a, 2, 60, out, sizeof(out));
        if (n > sizeof(out) || (n == 0 && q.question_end + 2 * (q.qtype == 28 ? 28 : 16) <= sizeof(out) &&
                       (q.qtype == 1 || q.qtype == 28)))
            abort();
    }
    free(buf);
    return 0;
}
