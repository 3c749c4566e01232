/* TIOCSTI into the caller's terminal: pushing bytes into its input, as if
 * typed at the host's shell.
 *
 *   esc_tiocsti DEV RDEV BYTES
 *   esc_tiocsti @FILE BYTES
 *
 * DEV and RDEV are st_dev and st_rdev of the terminal the test runs the
 * runtime on (its pty's slave); @FILE: read them from FILE, as
 * helpers/ptyrun.py --info writes it ("DEV RDEV TTYNAME").
 * Each of fds 0-2 and /dev/tty that is that terminal gets BYTES pushed
 * with TIOCSTI; the attempt succeeded when the ioctl was accepted (the
 * test also looks for BYTES echoed on the host's side).  A terminal of the
 * container's own is only reported (info): input there reaches nobody
 * outside. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>

#include "escape.h"

static void try_fd(int fd, const char *name, dev_t dev, dev_t rdev, const char *bytes, int *seen)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !isatty(fd))
        return;
    if (st.st_dev != dev || st.st_rdev != rdev) {
        esc_info("tiocsti", "%s is a terminal of its own (not the caller's)", name);
        return;
    }
    (*seen)++;
    for (const char *p = bytes; *p; p++) {
        if (ioctl(fd, TIOCSTI, p) < 0) {
            char what[96];
            snprintf(what, sizeof(what), "ioctl(%s, TIOCSTI) on the caller's terminal", name);
            return esc_blocked_errno("tiocsti", what);
        }
    }
    esc_result("tiocsti", 1, "pushed %zu bytes into the caller's terminal through %s", strlen(bytes), name);
}

int main(int argc, char **argv)
{
    unsigned long long d, r;
    const char *bytes;
    if (argc == 3 && argv[1][0] == '@') {
        FILE *f = fopen(argv[1] + 1, "re");
        if (f == NULL || fscanf(f, "%llu %llu", &d, &r) != 2)
            esc_error("%s: expected \"DEV RDEV ...\"", argv[1] + 1);
        fclose(f);
        bytes = argv[2];
    } else if (argc == 4) {
        d = strtoull(argv[1], NULL, 10);
        r = strtoull(argv[2], NULL, 10);
        bytes = argv[3];
    } else {
        esc_error("usage: esc_tiocsti DEV RDEV BYTES | esc_tiocsti @FILE BYTES");
    }
    dev_t dev = (dev_t)d, rdev = (dev_t)r;
    int seen = 0;
    static const char *names[] = { "fd 0", "fd 1", "fd 2" };
    for (int fd = 0; fd <= 2; fd++)
        try_fd(fd, names[fd], dev, rdev, bytes, &seen);
    int t = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (t >= 0) {
        try_fd(t, "/dev/tty", dev, rdev, bytes, &seen);
        close(t);
    } else {
        esc_info("tiocsti", "/dev/tty: %s (no controlling terminal)", strerror(errno));
    }
    if (seen == 0)
        esc_result("tiocsti", 0, "the caller's terminal is not reachable from here");
    return esc_finish();
}
