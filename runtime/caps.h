/* paddock apply: capabilities through libcap. */
#ifndef PADDOCK_CAPS_H
#define PADDOCK_CAPS_H
#include "config.h"
/* Drop every capability not in caps->bounding from the bounding set.
 * Needs CAP_SETPCAP, so call it before switching user. */
int pd_caps_drop_bounding(const struct pd_caps *caps, pd_error **err);
/* Set effective, permitted and inheritable sets, then the ambient set.
 * Call after the uid switch (done with PR_SET_KEEPCAPS). */
int pd_caps_apply(const struct pd_caps *caps, pd_error **err);
/* Name for a capability number ("CAP_CHOWN"), or NULL. Caller frees. */
char *pd_cap_name(int cap);
#endif
