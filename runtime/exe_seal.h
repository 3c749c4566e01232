/* paddock: create, run and exec run from a sealed copy of the binary.
 *
 * CVE-2019-5736.  The processes paddock starts inside a container (the
 * init, an exec's process) are forks of paddock: until they execve, their
 * /proc/PID/exe is paddock's binary on the host.  A container that makes
 * that execve run the binary again -- a "#!/proc/self/exe" script, or
 * "/proc/self/exe" as the command -- gets the host's binary running inside
 * it, with the container's shared libraries (a malicious libc or
 * libseccomp runs its constructor there, and the process may always open
 * its own /proc/self/exe) and dumpable until main() (any process of the
 * container may open its /proc/PID/exe).  That fd, reopened for writing
 * through /proc/self/fd once no paddock runs, overwrites the runtime on
 * the host.  Non-dumpability (main.c) protects only processes that have not
 * exec'd yet.
 *
 * So the commands that start container processes first re-execute
 * themselves from a copy of the binary in a memfd sealed against writes,
 * growth, shrinking and further seals (as runc and crun do): all the
 * container can reach is that copy, which nobody can write.  The copy
 * holds what the kernel and ld.so read (the ELF header, the program headers
 * and the segments they name), not the debug information, symbol table
 * and section headers after them: it runs the same code, but a debugger
 * attached to a sealed paddock finds no symbols in it (use the binary on
 * disk; the build id is kept).  The cost is one copy of ~0.8 MB into
 * memory, and one execve -- or, as root, none: pd_exe_seal() maps the
 * binary again from the copy and makes the copy /proc/self/exe in place,
 * with the same result for everything the container can reach. */
#ifndef PADDOCK_EXE_SEAL_H
#define PADDOCK_EXE_SEAL_H

#include <stdbool.h>

#include "error.h"

/* /proc/self/exe is a sealed memfd copy. */
bool pd_exe_is_sealed(void);

/* Unless already running from a sealed copy, make one and execveat() it
 * with ARGV and the current environment: returns only on failure (-1), or
 * 0 when already sealed. */
int pd_exe_seal_reexec(char **argv, pd_error **err);

/* The same, but first without an exec where the kernel allows it (root:
 * CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE): the binary's segments are mapped again from the copy
 * and the copy becomes /proc/self/exe (exe_seal.c says how).  Returns 0
 * running from the sealed copy -- in place, or already -- and -1 on
 * failure; a re-exec does not return. */
int pd_exe_seal(char **argv, pd_error **err);
/* That in-place step alone, for the sealed memfd MFD: 0 done, -1 not
 * possible here (the process is consistent either way). */
int pd_exe_seal_swap(int mfd);

#endif
