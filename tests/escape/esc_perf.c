/* perf_event_open(2): attack surface, and reading other processes' or the
 * kernel's activity.  Attempts a user-space-only software counter on
 * itself (allowed by perf_event_paranoid <= 2) and a CPU-wide counter. */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <sys/syscall.h>

#include "escape.h"

static long perf_open(int pid, int cpu, int exclude_kernel)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof(a));
    a.size = sizeof(a);
    a.type = PERF_TYPE_SOFTWARE;
    a.config = PERF_COUNT_SW_TASK_CLOCK;
    a.disabled = 1;
    a.exclude_kernel = exclude_kernel;
    a.exclude_hv = 1;
    return syscall(SYS_perf_event_open, &a, pid, cpu, -1, 0);
}

int main(void)
{
    long fd = perf_open(0, -1, 1);
    if (fd < 0) {
        esc_blocked_errno("perf_self", "perf_event_open(self, user-space task clock)");
    } else {
        esc_result("perf_self", 1, "perf_event_open(self) = fd %ld", fd);
        close((int)fd);
    }
    fd = perf_open(-1, 0, 0);
    if (fd < 0) {
        esc_blocked_errno("perf_cpu_wide", "perf_event_open(every process on CPU 0)");
    } else {
        esc_result("perf_cpu_wide", 1, "perf_event_open(cpu 0) = fd %ld", fd);
        close((int)fd);
    }
    return esc_finish();
}
