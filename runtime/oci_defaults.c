/* paddock: OCI config defaults.  See oci_defaults.h. */
#define _GNU_SOURCE
#include "oci_defaults.h"

#include <stddef.h>

const char *const pd_oci_masked_paths[] = {
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
    "/proc/scsi", "/sys/devices/virtual/tpm", NULL,
};

const char *const pd_oci_readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};
