/* paddock: libmount's Linux option map, kept in a file.
 *
 * The standard mount options are looked up in libmount's own built-in map
 * (mount_opts.c): paddock keeps no table of them.  Loading libmount for it
 * (dlopen of libmount.so.1, which pulls in libblkid, libselinux and
 * libpcre2, all bound at load, and runs libselinux's constructor) was
 * ~0.35-0.45 ms of every run, create and sandbox (tests/bench/README.md).
 * So the map libmount gives at run time is written to a file, and later
 * starts read the file instead, for as long as the file provably describes
 * the libmount that dlopen() would load now.
 *
 * An entry (text, one item a line, `cat` shows it) holds: a format line;
 * the build id of the paddock binary that wrote it; the absolute path ld.so
 * loaded libmount from (its link map's l_name, e.g.
 * /lib/x86_64-linux-gnu/libmount.so.1) and the identity of the file there
 * (device, inode, size, mtime and ctime, through symlinks as ld.so
 * follows them); the identities of /etc/ld.so.cache, which decides which
 * file "libmount.so.1" names, and /etc/ld.so.preload (or that they don't
 * exist); every entry of the map (id, mask, name); and a 64-bit hash of
 * all that (pd_hash64: against torn or damaged files, not a security
 * check: whoever could write an entry could write its hash).  A miss
 * stores an entry only when the map's own memory is mapped from the inode
 * at that path (/proc/self/maps): the file described is the one the map
 * came from, not one that replaced it after the load.
 *
 * Loading libmount (a miss, or no cache) is done in a child first, which
 * then exits: a libmount that can't be loaded into this process (a static
 * paddock with another glibc's libc.so.6, README) kills the child, and the
 * start fails saying so instead of crashing.
 *
 * A start uses an entry only when every line before the map equals what
 * paddock computes now (same binary, same file at the recorded path, same
 * ld.so.cache and ld.so.preload), the hash matches, and every map line
 * parses within bounds; anything else is a miss: libmount is loaded, its
 * map used, and the entry replaced.  With LD_LIBRARY_PATH, LD_PRELOAD or
 * LD_AUDIT set, dlopen() might find another libmount: no cache then, read
 * or written.  A package upgrade replaces the file (a new inode, a new
 * ctime) and runs ldconfig (a new ld.so.cache): the next start loads
 * libmount again.
 *
 * Where and under which checks: $XDG_STATE_HOME/paddock/mountopts
 * (~/.local/state/paddock/mountopts, for root too), one entry per paddock
 * build id, with the directory and entry checks of the seccomp cache
 * (cachedir.h; why there: seccomp_cache.h).  PADDOCK_MOUNTOPT_CACHE=off
 * turns it off. */
#ifndef PADDOCK_MOUNT_OPTS_CACHE_H
#define PADDOCK_MOUNT_OPTS_CACHE_H

#include "error.h"

struct libmnt_optmap;

enum pd_mountopt_cache_result {
    PD_MOUNTOPT_CACHE_OFF,      /* no cache: loaded from libmount */
    PD_MOUNTOPT_CACHE_HIT,      /* read from the cache; libmount not loaded */
    PD_MOUNTOPT_CACHE_MISS,     /* no entry: loaded from libmount (and stored when it could be) */
    PD_MOUNTOPT_CACHE_REJECTED, /* an entry failed a check: loaded, and replaced */
};

/* The default directory; NULL when PADDOCK_MOUNTOPT_CACHE=off. */
char *pd_mountopt_cache_dir(void);

/* libmount's Linux option map (MNT_LINUX_MAP), through the cache in dir
 * (NULL: none).  *owned is what the caller may free when done with the map
 * (one block: the map read from the cache), NULL for libmount's own.
 * *res (may be NULL) says how.  Only a failure to load libmount fails. */
const struct libmnt_optmap *pd_mountopt_cache_get(const char *dir, void **owned,
                                                  enum pd_mountopt_cache_result *res,
                                                  pd_error **err);

/* Store map as the map of the libmount at libpath: what a miss does after
 * its checks, without them (for tests).  -1 (errno) when it could not. */
int pd_mountopt_cache_store(const char *dir, const struct libmnt_optmap *map, const char *libpath);

#endif
