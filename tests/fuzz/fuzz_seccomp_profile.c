/* libFuzzer target for seccomp profile loading (runtime/seccomp_profile.c)
 * and its translation into a libseccomp filter (runtime/seccomp.c): every
 * profile that parses is also compiled (never loaded).  `make fuzz` builds
 * and runs it; seeds in tests/fuzz/corpus/seccomp_profile. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "seccomp.h"
#include "seccomp_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pd_seccomp *sc = NULL;
    pd_error *err = NULL;
    if (pd_seccomp_profile_parse((const char *)data, size, "fuzz.json", &sc, &err) < 0) {
        if (err == NULL || err->msg == NULL || sc != NULL)
            abort();
        pd_error_free(err);
        return 0;
    }
    void *ctx = NULL;
    if (pd_seccomp_build(sc, &ctx, &err) < 0) {
        if (err == NULL || err->msg == NULL)
            abort();
        pd_error_free(err);
    } else {
        pd_seccomp_release(ctx);
    }
    pd_seccomp_profile_free(sc);
    return 0;
}
