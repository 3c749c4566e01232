/* paddock: re-execute from a sealed memfd copy of the binary.  See exe_seal.h. */
#define _GNU_SOURCE
#include "exe_seal.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "sys_compat.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: say that the memfd is executable */
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static bool fd_sealed(int fd)
{
    int s = fcntl(fd, F_GET_SEALS);
    return s >= 0 && (s & SEALS) == SEALS;
}

/* F_SEAL_WRITE is refused (EBUSY) while the memfd is mapped writable or
 * one of its pages has a reference beyond the page cache's, which the
 * kernel waits ~0.15 s to see dropped; under make stress's load that
 * was once not long enough (a passing reference: memory monitoring, a
 * per-CPU page batch).  So up to 0.5 s of tries, 10 ms apart. */
int pd_memfd_seal(int fd, int seals)
{
    for (int i = 0;; i++) {
        if (fcntl(fd, F_ADD_SEALS, seals) == 0)
            return 0;
        if (errno != EBUSY || i == 50)
            return -1;
        struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

bool pd_exe_is_sealed(void)
{
    _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    return fd >= 0 && fd_sealed(fd);
}

/* How much of the binary the copy needs: everything the kernel and ld.so
 * read (the ELF header, the program headers and every segment they name:
 * code, data, dynamic section, notes with the build id, unwind tables),
 * which ends before the debug information, the symbol table and the
 * section headers (2.6 MB of the 2.7 MB with -g; copying them cost ~0.8 ms
 * per command).  HDR gets the ELF header for the copy, with no section
 * headers, as strip(1)'s --strip-section-headers writes it.  Anything that
 * is not a plain native ELF file laid out so: the whole file, as is. */
static off_t needed_size(int fd, off_t size, ElfW(Ehdr) *hdr, bool *trimmed)
{
    *trimmed = false;
    if (pread(fd, hdr, sizeof(*hdr), 0) != (ssize_t)sizeof(*hdr) ||
        memcmp(hdr->e_ident, ELFMAG, SELFMAG) != 0 || hdr->e_ident[EI_CLASS] != (__SIZEOF_POINTER__ == 8 ? ELFCLASS64 : ELFCLASS32) ||
        hdr->e_phentsize != sizeof(ElfW(Phdr)) || hdr->e_phnum == 0 || hdr->e_phnum > 64 ||
        hdr->e_phoff < sizeof(*hdr) || hdr->e_phoff > (ElfW(Off))size)
        return size;
    ElfW(Phdr) ph[64];
    size_t len = hdr->e_phnum * sizeof(ph[0]);
    if (pread(fd, ph, len, (off_t)hdr->e_phoff) != (ssize_t)len)
        return size;
    ElfW(Off) end = hdr->e_phoff + len;
    for (size_t i = 0; i < hdr->e_phnum; i++) {
        if (ph[i].p_offset > (ElfW(Off))size || ph[i].p_filesz > (ElfW(Off))size - ph[i].p_offset)
            return size;
        if (ph[i].p_offset + ph[i].p_filesz > end)
            end = ph[i].p_offset + ph[i].p_filesz;
    }
    if (end >= (ElfW(Off))size)
        return size;
    hdr->e_shoff = 0;
    hdr->e_shnum = 0;
    hdr->e_shstrndx = SHN_UNDEF;
    *trimmed = true;
    return (off_t)end;
}

/* Copy SIZE bytes of EXE into MFD: the new ELF header first when TRIMMED. */
static int copy_exe(int mfd, int exe, off_t size, const ElfW(Ehdr) *hdr, bool trimmed, pd_error **err)
{
    off_t off = 0;
    if (trimmed) {
        if (pd_write_all(mfd, hdr, sizeof(*hdr)) < 0)
            return pd_fail_errno(err, "copy /proc/self/exe into a memfd");
        off = sizeof(*hdr);
    }
    while (off < size) {
        ssize_t n = sendfile(mfd, exe, &off, (size_t)(size - off));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return pd_fail(err, n < 0 ? errno : EIO, "copy /proc/self/exe into a memfd");
    }
    return 0;
}

/* ---- /proc/self/exe changed without an exec ----
 *
 * The kernel lets a process change its exe link (prctl PR_SET_MM_MAP, with
 * CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE, as CRIU does) once no mapping
 * has the old link's own path (mount and dentry).  So the binary's
 * segments are mapped again, in place: the read-only and code ones from
 * another name of the same bytes -- a private read-only clone of the
 * binary's mount (open_tree), which needs no copy, or else the sealed copy
 * (the same bytes at the same file offsets; the ELF header's section
 * header fields aside, which nothing reads at run time) -- and the
 * writable one, relocated and written to since, as anonymous memory
 * holding its current contents, with its RELRO part read-only again.  Each
 * new mapping is made elsewhere and moved over the old one with mremap(),
 * which replaces it in one step: no instant leaves the code that runs here
 * unmapped, and a failure half way leaves a consistent process (a re-exec
 * follows).  Then the exe link is a sealed memfd -- an empty stub with the
 * clone, the copy otherwise -- and no mapping has the binary's own path
 * (test_exe_seal.c checks /proc/self/maps and map_files): what a re-exec
 * from a copy gives, without the second exec and dynamic link (~0.5 ms)
 * and, with the clone, without the copy (~0.4 ms).  Under ASan (its
 * globals' redzones would be read by the copy), a re-exec. */

#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define PD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) /* clang */
#define PD_ASAN 1
#endif
#endif

#ifdef PD_ASAN
int pd_exe_seal_swap(int mfd)
{
    (void)mfd;
    return -1; /* the sanitizer's globals and their redzones: re-exec */
}

static int swap_to_stub(int exe)
{
    (void)exe;
    return -1;
}
#else
struct image {
    ElfW(Addr) bias;
    const ElfW(Phdr) *ph;
    size_t n;
};

static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct image *im = data;
    im->bias = info->dlpi_addr;
    im->ph = info->dlpi_phdr;
    im->n = info->dlpi_phnum;
    return 1; /* the main program comes first */
}

/* Move the mapping at TMP over [START, START+LEN). */
static int move_over(void *tmp, uintptr_t start, size_t len)
{
    if (len == 0)
        return 0;
    if (mremap(tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)start) == MAP_FAILED) {
        munmap(tmp, len);
        return -1;
    }
    return 0;
}

/* The writable segment's file-backed pages [START, END) as anonymous memory
 * with their contents, [RS, RE) (RELRO, within them or empty) read-only. */
static int swap_writable(uintptr_t start, uintptr_t end, uintptr_t rs, uintptr_t re)
{
    size_t len = end - start;
    bool relro = rs < re && rs < end && re > start;
    if (relro && (rs < start || re > end))
        return -1; /* RELRO across segments: not what ld.so protects */
    char *tmp = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (tmp == MAP_FAILED)
        return -1;
    memcpy(tmp, (const void *)start, len);
    if (!relro)
        return move_over(tmp, start, len);
    /* Three mappings now (mremap moves one at a time), each moved whole. */
    if (mprotect(tmp + (rs - start), re - rs, PROT_READ) < 0) {
        munmap(tmp, len);
        return -1;
    }
    if (move_over(tmp + (rs - start), rs, re - rs) < 0) {
        munmap(tmp, rs - start);
        munmap(tmp + (re - start), end - re);
        return -1;
    }
    if (move_over(tmp, start, rs - start) < 0) {
        munmap(tmp + (re - start), end - re);
        return -1;
    }
    return move_over(tmp + (re - start), re, end - re);
}

static int prot_of(const ElfW(Phdr) *p)
{
    return (p->p_flags & PF_R ? PROT_READ : 0) | (p->p_flags & PF_W ? PROT_WRITE : 0) |
           (p->p_flags & PF_X ? PROT_EXEC : 0);
}

static int swap_segments(int mfd, const struct image *im)
{
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), rs = 0, re = 0;
    for (size_t i = 0; i < im->n; i++)
        if (im->ph[i].p_type == PT_GNU_RELRO) { /* as ld.so rounds it */
            rs = (im->bias + im->ph[i].p_vaddr) & ~(pg - 1);
            re = (im->bias + im->ph[i].p_vaddr + im->ph[i].p_memsz) & ~(pg - 1);
        }
    for (size_t i = 0; i < im->n; i++) {
        const ElfW(Phdr) *p = &im->ph[i];
        if (p->p_type != PT_LOAD || p->p_filesz == 0)
            continue;
        uintptr_t start = (im->bias + p->p_vaddr) & ~(pg - 1);
        uintptr_t end = (im->bias + p->p_vaddr + p->p_filesz + pg - 1) & ~(pg - 1);
        if (p->p_flags & PF_W) {
            if (swap_writable(start, end, rs, re) < 0)
                return -1;
            continue;
        }
        void *tmp = mmap(NULL, end - start, prot_of(p), MAP_PRIVATE, mfd,
                         (off_t)(p->p_offset & ~(ElfW(Off))(pg - 1)));
        if (tmp == MAP_FAILED || move_over(tmp, start, end - start) < 0)
            return -1;
    }
    return 0;
}

/* The memory map's fields as the kernel has them now (/proc/self/stat,
 * proc(5): fields 26-28 and 45-51; brk from sbrk(0)), so that PR_SET_MM_MAP
 * sets them to what they are and changes only the exe link to MFD. */
static int mm_map_now(struct prctl_mm_map *m, int mfd)
{
    char buf[2048];
    _cleanup_close_ int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold anything */
    unsigned long long f[53] = {0};
    for (int i = 3; p != NULL && i <= 51; i++) { /* p is before field i */
        p = strchr(p, ' ');
        if (p != NULL)
            f[i] = strtoull(++p, NULL, 10);
    }
    if (p == NULL)
        return -1;
    *m = (struct prctl_mm_map){
        .start_code = f[26], .end_code = f[27], .start_stack = f[28],
        .start_data = f[45], .end_data = f[46], .start_brk = f[47],
        .arg_start = f[48], .arg_end = f[49], .env_start = f[50], .env_end = f[51],
        .brk = (uintptr_t)sbrk(0), .auxv = NULL, .auxv_size = 0, .exe_fd = (uint32_t)mfd,
    };
    return 0;
}

/* PR_SET_MM_MAP, as CRIU uses it: it needs CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE (PR_SET_MM_EXE_FILE alone needs CAP_SYS_RESOURCE,
 * which a container engine may not have while it has those). */
static int set_exe(struct prctl_mm_map *m)
{
    m->brk = (uintptr_t)sbrk(0);
    return prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)m, sizeof(*m), 0);
}

/* MFD (the copy, or the mount clone) is the program running here: its
 * program headers are the ones in memory (not so when ld.so was run with
 * paddock as its argument: /proc/self/exe is then ld.so). */
static bool copy_is_program(int mfd, const struct image *im)
{
    ElfW(Ehdr) eh;
    ElfW(Phdr) ph[64];
    if (im->ph == NULL || im->n == 0 || im->n > 64 ||
        pread(mfd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || eh.e_phnum != im->n ||
        eh.e_phentsize != sizeof(ElfW(Phdr)))
        return false;
    size_t len = im->n * sizeof(ph[0]);
    return pread(mfd, ph, len, (off_t)eh.e_phoff) == (ssize_t)len && memcmp(ph, im->ph, len) == 0;
}

/* Map the program again from CODE (the same bytes under another name for
 * the kernel) and make EXE the process's /proc/self/exe.  PROBE: first ask
 * whether the change is allowed at all (then the old file's mappings are
 * in the way: EBUSY, and the kernel changes nothing) before anything is
 * moved. */
static int swap_in_place(int code, int exe, bool probe)
{
    struct image im = {0};
    struct prctl_mm_map m;
    dl_iterate_phdr(first_object, &im);
    if (!copy_is_program(code, &im))
        return -1;
    if (probe && (mm_map_now(&m, exe) < 0 || set_exe(&m) == 0 || errno != EBUSY))
        return -1;
    if (swap_segments(code, &im) < 0)
        return -1; /* each step moved whole: consistent, a re-exec follows */
    /* the exe link alone where CAP_SYS_RESOURCE allows (no /proc read) */
    if (prctl(PR_SET_MM, PR_SET_MM_EXE_FILE, (unsigned long)exe, 0, 0) == 0)
        return 0;
    if (!probe && mm_map_now(&m, exe) < 0)
        return -1;
    return set_exe(&m) == 0 ? 0 : -1;
}

int pd_exe_seal_swap(int mfd)
{
    return swap_in_place(mfd, mfd, true);
}

/* The binary through a private read-only clone of its mount (open_tree):
 * the same inode and page cache, but not the exe link's own path, which
 * is all the kernel compares before it lets the link change. */
static int readonly_clone(int exe)
{
    _cleanup_close_ int tree = open_tree(exe, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (tree < 0)
        return -1;
    struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
    if (mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
        return -1;
    char path[40];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", tree);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/* An empty memfd, sealed: what a container that executes /proc/self/exe
 * of a process paddock starts gets (ENOEXEC). */
static int sealed_stub(void)
{
    _cleanup_close_ int fd = memfd_create("paddock-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) /* before Linux 6.3 */
        fd = memfd_create("paddock-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || pd_memfd_seal(fd, SEALS) < 0)
        return -1;
    return pd_steal_fd(&fd);
}

/* In place without a copy (root): the code mapped again from a read-only
 * clone of the mount of EXE (the binary), and /proc/self/exe a sealed
 * empty stub.  No probe: open_tree took the CAP_SYS_ADMIN that
 * PR_SET_MM_MAP needs, and a refusal after the move leaves a consistent
 * process for the re-exec that follows. */
static int swap_to_stub(int exe)
{
    _cleanup_close_ int code = readonly_clone(exe);
    if (code < 0)
        return -1;
    _cleanup_close_ int stub = sealed_stub();
    return stub < 0 ? -1 : swap_in_place(code, stub, false);
}
#endif

/* A sealed memfd copy of the binary EXE in *MFD. */
static int sealed_copy(int exe, int *mfd_out, pd_error **err)
{
    *mfd_out = -1;
    struct stat st;
    if (fstat(exe, &st) < 0)
        return pd_fail_errno(err, "stat /proc/self/exe");
    ElfW(Ehdr) hdr;
    bool trimmed;
    off_t size = needed_size(exe, st.st_size, &hdr, &trimmed);
    _cleanup_close_ int mfd = memfd_create("paddock", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (mfd < 0 && errno == EINVAL) /* before Linux 6.3 */
        mfd = memfd_create("paddock", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0)
        return pd_fail_errno(err, "memfd_create");
    if (copy_exe(mfd, exe, size, &hdr, trimmed, err) < 0)
        return -1;
    if (pd_memfd_seal(mfd, SEALS) < 0)
        return pd_fail_errno(err, "seal the memfd copy of /proc/self/exe");
    *mfd_out = pd_steal_fd(&mfd);
    return 0;
}

/* In place (IN_PLACE, where the kernel allows it): first without a copy,
 * then with one; otherwise by an execveat of a sealed copy.  0 when done
 * or already running sealed.  The copy is made from the binary opened
 * before any step: a step that failed may have left /proc/self/exe the
 * stub, and the execveat then replaces everything. */
static int seal(char **argv, bool in_place, pd_error **err)
{
    _cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (exe < 0)
        return pd_fail_errno(err, "open /proc/self/exe");
    if (fd_sealed(exe))
        return 0;
    if (in_place && swap_to_stub(exe) == 0)
        return 0;
    _cleanup_close_ int mfd = -1;
    if (sealed_copy(exe, &mfd, err) < 0)
        return -1;
    if (in_place && pd_exe_seal_swap(mfd) == 0)
        return 0;
    syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
    return pd_fail_errno(err, "execute the sealed copy of /proc/self/exe");
}

int pd_exe_seal_reexec(char **argv, pd_error **err)
{
    return seal(argv, false, err);
}

int pd_exe_seal(char **argv, pd_error **err)
{
    return seal(argv, true, err);
}
