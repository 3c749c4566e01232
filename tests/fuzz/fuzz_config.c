/* libFuzzer target for the config parser (runtime/json.c, runtime/config*.c).
 *
 * `make fuzz` builds and runs it (tests/fuzz/run); seeds in
 * tests/fuzz/corpus/config, dictionary tests/fuzz/config.dict.
 *
 * Each input is parsed as a whole config.json, as a process.json and as a
 * resources.json; everything must be freed (LeakSanitizer) and nothing may
 * crash.  Errors must carry a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "agent_policy.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    pd_error *err = NULL;

    struct pd_config *cfg = NULL;
    if (pd_config_parse(text, size, "/fuzz", "config.json", &cfg, &err) < 0) {
        if (err == NULL || err->msg == NULL || cfg != NULL)
            abort();
    } else if (cfg == NULL || cfg->root.path == NULL || cfg->oci_version == NULL) {
        abort();
    } else {
        /* the dev.paddock.* annotations, as create reads them */
        struct pd_agent_policy *pol = NULL;
        pd_error *perr = NULL;
        if (pd_agent_policy_parse(cfg, &pol, &perr) < 0) {
            if (perr == NULL || perr->msg == NULL || pol != NULL)
                abort();
        } else if (pol == NULL) {
            abort();
        }
        pd_agent_policy_free(pol);
        pd_error_free(perr);
    }
    pd_config_free(cfg);
    pd_error_free(err);
    err = NULL;

    struct pd_process *p = NULL;
    if (pd_process_parse(text, size, "process.json", &p, &err) == 0 &&
        (p == NULL || p->n_args == 0 || p->args[p->n_args] != NULL || p->cwd[0] != '/'))
        abort();
    pd_process_free(p);
    pd_error_free(err);
    err = NULL;

    struct pd_resources *r = NULL;
    (void)pd_resources_parse(text, size, "resources.json", &r, &err);
    pd_resources_free(r);
    pd_error_free(err);
    return 0;
}
