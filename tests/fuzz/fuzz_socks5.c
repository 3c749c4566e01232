/* libFuzzer target for the SOCKS5 greeting and request parsers
 * (runtime/proxy_parse.c).  Seeds in tests/fuzz/corpus/socks5. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024)
        return 0;
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL)
        abort();
    memcpy(buf, data, size);
    size_t used = 0;
    bool no_auth = false;
    const char *why = NULL;
    enum pd_parse p = pd_socks5_greeting(buf, size, &used, &no_auth, &why);
    if (p == PD_PARSE_BAD && why == NULL)
        abort();
    if (p == PD_PARSE_OK) {
        if (used > size)
            abort();
        struct pd_socks5_req r;
        p = pd_socks5_request(buf + used, size - used, &r, &why);
        if (p == PD_PARSE_OK && (r.consumed > size - used || r.port < 1 || r.host[0] == '\0'))
            abort();
        if (p == PD_PARSE_BAD && r.reply == 0)
            abort();
    }
    free(buf);
    return 0;
}
