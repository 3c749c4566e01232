/* paddock: clone3 with CLONE_VM | CLONE_VFORK.  See clone_vm.h. */
#define _GNU_SOURCE
#include "clone_vm.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define PD_CLONE_VM_NO 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) /* clang */
#define PD_CLONE_VM_NO 1
#endif
#endif
#if !defined(__x86_64__) && !defined(__aarch64__)
#define PD_CLONE_VM_NO 1
#endif

/* The child's stack: deep enough for libcap, libseccomp's loader and the
 * process setup (they keep PATH_MAX buffers), mapped per call. */
#define STACK_SIZE (256 * 1024)

#ifdef PD_CLONE_VM_NO
pid_t pd_clone_vm(const struct pd_clone_args *args, int (*fn)(void *), void *arg)
{
    (void)args, (void)fn, (void)arg;
    errno = ENOSYS;
    return -1;
}
#else
/* long clone3_run(struct pd_clone_args *a, size_t size, int (*fn)(void *), void *arg)
 *
 * The system call, then in the child (return value 0, on the new stack the
 * kernel switched to): FN(ARG), and exit(2) with what it returned.  The
 * parent returns the kernel's result (pid or -errno).  Registers other than
 * the result survive the call (x86-64: all but rcx and r11; aarch64: all
 * but x0), so FN and ARG are kept in them across it. */
long pd_clone3_run(struct pd_clone_args *a, size_t size, int (*fn)(void *), void *arg);
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl pd_clone3_run\n"
        ".type pd_clone3_run, @function\n"
        "pd_clone3_run:\n"
        "    mov %rdx, %r8\n"          /* fn */
        "    mov %rcx, %r9\n"          /* arg */
        "    mov $" "435" ", %eax\n"   /* SYS_clone3 (rdi: args, rsi: size) */
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jnz 1f\n"
        "    xor %ebp, %ebp\n"         /* the child: the outermost frame */
        "    mov %r9, %rdi\n"
        "    call *%r8\n"              /* the stack is 16-byte aligned here */
        "    mov %eax, %edi\n"
        "    mov $" "60" ", %eax\n"    /* SYS_exit */
        "    syscall\n"
        "    hlt\n"
        "1:  ret\n"
        ".size pd_clone3_run, .-pd_clone3_run\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl pd_clone3_run\n"
        ".type pd_clone3_run, %function\n"
        "pd_clone3_run:\n"
        "    mov x9, x2\n"             /* fn */
        "    mov x10, x3\n"            /* arg */
        "    mov x8, #435\n"           /* SYS_clone3 (x0: args, x1: size) */
        "    svc #0\n"
        "    cbnz x0, 1f\n"
        "    mov x29, xzr\n"           /* the child: the outermost frame */
        "    mov x30, xzr\n"
        "    mov x0, x10\n"
        "    blr x9\n"
        "    mov x8, #93\n"            /* SYS_exit (x0: fn's result) */
        "    svc #0\n"
        "    brk #0\n"
        "1:  ret\n"
        ".size pd_clone3_run, .-pd_clone3_run\n");
#endif
_Static_assert(SYS_clone3 == 435, "clone3 is 435 on x86-64 and aarch64");

pid_t pd_clone_vm(const struct pd_clone_args *args, int (*fn)(void *), void *arg)
{
    char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return -1;
    struct pd_clone_args a = *args;
    a.flags |= CLONE_VM | CLONE_VFORK;
    a.stack = (uint64_t)(uintptr_t)stack;
    a.stack_size = STACK_SIZE; /* the kernel starts the child at stack + size */
    long r = pd_clone3_run(&a, sizeof(a), fn, arg);
    /* CLONE_VFORK: the child has exec'd or exited, its stack is free. */
    int e = (int)-r;
    munmap(stack, STACK_SIZE);
    if (r < 0) {
        errno = e;
        return -1;
    }
    return (pid_t)r;
}
#endif
