/* keyctl(2): the kernel keyrings are not namespaced; without a user
 * namespace the container's root shares the host root's user keyring.
 *
 *   esc_keyctl [HOST-KEY-DESCRIPTION]
 *   esc_keyctl --add-host-key DESCRIPTION | --remove-host-key DESCRIPTION
 *                 (the test, on the host: a "user" key in the caller's @u)
 *
 * Attempts: keyctl at all (the session keyring's id), add_key to the
 * process keyring, and -- given the description of a key the test added
 * to the host's user keyring -- finding that key from here. */
#define _GNU_SOURCE
#include <linux/keyctl.h>
#include <sys/syscall.h>

#include "escape.h"

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--add-host-key") == 0) {
        long id = syscall(SYS_add_key, "user", argv[2], "paddock escape test", 19, KEY_SPEC_USER_KEYRING);
        if (id < 0)
            esc_error("add_key to @u: %s", strerror(errno));
        printf("%ld\n", id);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--remove-host-key") == 0) {
        long id = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", argv[2], 0);
        if (id < 0 || syscall(SYS_keyctl, KEYCTL_INVALIDATE, id, 0, 0, 0) < 0)
            esc_error("remove the key %s from @u: %s", argv[2], strerror(errno));
        return 0;
    }
    long r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
    if (r < 0)
        esc_blocked_errno("keyctl", "keyctl(KEYCTL_GET_KEYRING_ID, @s)");
    else
        esc_result("keyctl", 1, "keyctl(KEYCTL_GET_KEYRING_ID, @s) = %ld", r);

    r = syscall(SYS_add_key, "user", "paddock-escape", "x", 1, KEY_SPEC_PROCESS_KEYRING);
    if (r < 0)
        esc_blocked_errno("add_key", "add_key(user, @p)");
    else
        esc_result("add_key", 1, "add_key(user, @p) = key %ld", r);

    if (argc > 1) {
        r = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", argv[1], 0);
        if (r < 0)
            esc_blocked_errno("host_user_key", "keyctl(KEYCTL_SEARCH, @u) for the host's key");
        else
            esc_result("host_user_key", 1, "found the host's key \"%s\" (id %ld) in @u", argv[1], r);
    }
    return esc_finish();
}
