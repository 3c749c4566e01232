/* paddock: re-execute from a sealed memfd copy of the binary.  See exe_seal.h. */
#define _GNU_SOURCE
#include "exe_seal.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

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
        memcmp(hdr->e_ident, ELFMAG, SELFMAG) != 0 || hdr->e_ident[EI_CLASS] != (__ELF_NATIVE_CLASS == 64 ? ELFCLASS64 : ELFCLASS32) ||
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

int pd_exe_seal_reexec(char **argv, pd_error **err)
{
    _cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (exe < 0)
        return pd_fail_errno(err, "open /proc/self/exe");
    if (fd_sealed(exe))
        return 0;
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
    if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
        return pd_fail_errno(err, "seal the memfd copy of /proc/self/exe");
    syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
    return pd_fail_errno(err, "execute the sealed copy of /proc/self/exe");
}
