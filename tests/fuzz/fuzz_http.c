/* libFuzzer target for the egress proxy's HTTP request-head parser
 * (runtime/proxy_parse.c): the input, in proxy form and in origin form.
 * Seeds in tests/fuzz/corpus/http. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > PD_HTTP_HEAD_MAX + 64)
        return 0;
    char *buf = malloc(size ? size : 1); /* exact size: ASan catches any overread */
    if (buf == NULL)
        abort();
    memcpy(buf, data, size);
    for (int form = 0; form < 2; form++) {
        struct pd_http_req r;
        const char *why = NULL;
        enum pd_parse p = pd_http_parse(buf, size, form == 1, &r, &why);
        if (p == PD_PARSE_BAD && why == NULL)
            abort();
        if (p == PD_PARSE_OK && (r.head_len > size || r.path_off + r.path_len > size ||
                                 r.port < 1 || r.port > 65535 || r.host[0] == '\0'))
            abort();
    }
    free(buf);
    return 0;
}
