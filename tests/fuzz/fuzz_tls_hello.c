/* libFuzzer target for the TLS ClientHello SNI reader
 * (runtime/proxy_parse_tls.c).  Seeds in tests/fuzz/corpus/tls_hello. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > PD_TLS_HELLO_BUF + 16)
        return 0;
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL)
        abort();
    memcpy(buf, data, size);
    char sni[256];
    const char *why = NULL;
    enum pd_parse p = pd_tls_sni(buf, size, sni, sizeof(sni), &why);
    if (p == PD_PARSE_BAD && why == NULL)
        abort();
    if (p == PD_PARSE_OK && strlen(sni) > PD_HOST_MAX)
        abort();
    free(buf);
    return 0;
}
