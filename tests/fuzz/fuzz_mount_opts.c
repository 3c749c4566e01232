/* libFuzzer target for the OCI mount-option translation
 * (runtime/mount_opts.c, libmount's option map underneath).  The input is
 * split at ',' and '\n' into the options array of one mount.  `make fuzz`
 * builds and runs it; seeds in tests/fuzz/corpus/mount_opts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mount_opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    char **opts = calloc(size + 2, sizeof(char *));
    if (text == NULL || opts == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    size_t n = 0;
    char *start = text;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || text[i] == ',' || text[i] == '\n') {
            text[i] = '\0';
            opts[n++] = start;
            start = text + i + 1;
        }
    }
    opts[n] = NULL;
    struct pd_mount_flags fl = {0};
    pd_error *err = NULL;
    if (pd_mount_opts_parse(opts, &fl, &err) < 0 && (err == NULL || err->msg == NULL))
        abort();
    pd_mount_flags_free(&fl);
    pd_error_free(err);
    free(opts);
    free(text);
    return 0;
}
