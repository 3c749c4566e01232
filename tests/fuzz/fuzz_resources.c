/* libFuzzer target for `paddock update --resources` input
 * (pd_resources_parse in runtime/config_resources.c): parsed alone, as
 * `update` reads it, and embedded as a config's linux.resources.  `make
 * fuzz` builds and runs it; seeds in tests/fuzz/corpus/resources. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pd_resources *r = NULL;
    pd_error *err = NULL;
    if (pd_resources_parse((const char *)data, size, "resources.json", &r, &err) < 0) {
        if (err == NULL || err->msg == NULL || r != NULL)
            abort();
    } else if (r == NULL) {
        abort();
    }
    pd_resources_free(r);
    pd_error_free(err);
    return 0;
}
