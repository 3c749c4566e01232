/* bpf(2): kernel attack surface, tracing.  Attempts BPF_MAP_CREATE and
 * BPF_PROG_LOAD of a two-instruction socket filter. */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "escape.h"

int main(void)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.map_type = BPF_MAP_TYPE_ARRAY;
    a.key_size = 4;
    a.value_size = 4;
    a.max_entries = 1;
    long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
    if (fd < 0) {
        esc_blocked_errno("bpf_map_create", "bpf(BPF_MAP_CREATE)");
    } else {
        esc_result("bpf_map_create", 1, "bpf(BPF_MAP_CREATE) = fd %ld", fd);
        close((int)fd);
    }

    struct bpf_insn prog[] = {
        { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
        { .code = BPF_JMP | BPF_EXIT },
    };
    char license[] = "GPL";
    memset(&a, 0, sizeof(a));
    a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    a.insn_cnt = 2;
    a.insns = (uint64_t)(uintptr_t)prog;
    a.license = (uint64_t)(uintptr_t)license;
    fd = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
    if (fd < 0) {
        esc_blocked_errno("bpf_prog_load", "bpf(BPF_PROG_LOAD, socket filter)");
    } else {
        esc_result("bpf_prog_load", 1, "bpf(BPF_PROG_LOAD) = fd %ld", fd);
        close((int)fd);
    }
    return esc_finish();
}
