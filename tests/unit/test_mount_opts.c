/* Unit tests: OCI mount options -> flags (runtime/mount_opts.c). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <sys/mount.h>

#include "error.h"
#include "mount_opts.h"
#include "sys_compat.h"
#include "unit.h"

static int parse(char **opts, struct pd_mount_flags *f)
{
    pd_error *err = NULL;
    int r = pd_mount_opts_parse(opts, f, &err);
    if (err != NULL) {
        printf("    error: %s\n", err->msg);
        pd_error_free(err);
    }
    return r;
}

static void test_empty_list(void)
{
    struct pd_mount_flags f;
    char *opts[] = {NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.flags == 0 && f.clear == 0 && f.propagation == 0 && f.data == NULL);
    CHECK(!f.bind && !f.recursive_bind && !f.tmpcopyup && !f.idmap);
    CHECK(pd_mount_opts_parse(NULL, &f, NULL) == 0);
    pd_mount_flags_free(&f);
}

static void test_docker_proc(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"nosuid", "noexec", "nodev", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV));
    CHECK(f.clear == 0 && f.data == NULL);
    pd_mount_flags_free(&f);
}

static void test_docker_dev_tmpfs(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.flags == (MS_NOSUID | MS_STRICTATIME));
    CHECK_STR(f.data, "mode=755,size=65536k");
    pd_mount_flags_free(&f);
}

static void test_devpts(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.flags == (MS_NOSUID | MS_NOEXEC));
    CHECK_STR(f.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
    pd_mount_flags_free(&f);
}

static void test_sysfs_ro(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"nosuid", "noexec", "nodev", "ro", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
    pd_mount_flags_free(&f);
}

static void test_shm(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"nosuid", "noexec", "nodev", "mode=1777", "size=67108864", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK_STR(f.data, "mode=1777,size=67108864");
    pd_mount_flags_free(&f);
}

static void test_rbind_rprivate(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"rbind", "rprivate", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.bind && f.recursive_bind);
    CHECK(f.flags == (MS_BIND | MS_REC));
    CHECK(f.propagation == (MS_PRIVATE | MS_REC));
    CHECK(f.data == NULL);
    pd_mount_flags_free(&f);
}

static void test_bind_ro_relatime(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"bind", "ro", "relatime", "rw", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.bind && !f.recursive_bind);
    CHECK(f.flags == (MS_BIND | MS_RELATIME)); /* rw after ro wins */
    CHECK(f.clear == MS_RDONLY);
    pd_mount_flags_free(&f);
}

static void test_inverted(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"rw", "suid", "dev", "exec", "async", "atime", "diratime",
                    "norelatime", "nostrictatime", "nolazytime", "loud", "nomand", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.flags == 0);
    CHECK(f.clear == (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS |
                      MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_LAZYTIME |
                      MS_SILENT | MS_MANDLOCK));
    pd_mount_flags_free(&f);
}

static void test_plain_flags(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"sync", "dirsync", "remount", "mand", "noatime", "nodiratime",
                    "lazytime", "silent", "nosymfollow", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.flags == (MS_SYNCHRONOUS | MS_DIRSYNC | MS_REMOUNT | MS_MANDLOCK | MS_NOATIME |
                      MS_NODIRATIME | MS_LAZYTIME | MS_SILENT | MS_NOSYMFOLLOW));
    CHECK(f.clear == 0);
    pd_mount_flags_free(&f);
}

static void test_set_then_clear(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"nosuid", "suid", "exec", "noexec", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.flags == MS_NOEXEC);
    CHECK(f.clear == MS_NOSUID);
    pd_mount_flags_free(&f);
}

static void test_propagation(void)
{
    static const struct {
        const char *opt;
        unsigned long want;
    } cases[] = {
        {"private", MS_PRIVATE},     {"rprivate", MS_PRIVATE | MS_REC},
        {"shared", MS_SHARED},       {"rshared", MS_SHARED | MS_REC},
        {"slave", MS_SLAVE},         {"rslave", MS_SLAVE | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pd_mount_flags f;
        char *opts[] = {(char *)cases[i].opt, NULL};
        CHECK(parse(opts, &f) == 0);
        CHECK(f.propagation == cases[i].want);
        CHECK(f.flags == 0);
        pd_mount_flags_free(&f);
    }
}

static void test_recursive_attrs(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.rec_attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                             MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW));
    CHECK(f.rec_attr_clr == 0);
    CHECK(f.flags == 0 && f.data == NULL);
    pd_mount_flags_free(&f);

    char *opts2[] = {"rro", "rrw", "rsuid", "rdev", "rexec", "rdiratime", "rsymfollow", NULL};
    CHECK(parse(opts2, &f) == 0);
    CHECK(f.rec_attr_set == 0);
    CHECK(f.rec_attr_clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                             MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW));
    pd_mount_flags_free(&f);
}

static void test_recursive_atime(void)
{
    static const struct {
        const char *opt;
        uint64_t set;
    } cases[] = {
        {"rnoatime", MOUNT_ATTR_NOATIME},       {"rstrictatime", MOUNT_ATTR_STRICTATIME},
        {"rrelatime", MOUNT_ATTR_RELATIME},     {"ratime", MOUNT_ATTR_RELATIME},
        {"rnorelatime", MOUNT_ATTR_STRICTATIME}, {"rnostrictatime", MOUNT_ATTR_RELATIME},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct pd_mount_flags f;
        char *opts[] = {(char *)cases[i].opt, NULL};
        CHECK(parse(opts, &f) == 0);
        CHECK(f.rec_attr_set == cases[i].set);
        CHECK(f.rec_attr_clr == MOUNT_ATTR__ATIME);
        pd_mount_flags_free(&f);
    }
    struct pd_mount_flags f;
    char *opts[] = {"rnoatime", "rstrictatime", "rro", NULL}; /* last atime wins */
    CHECK(parse(opts, &f) == 0);
    CHECK(f.rec_attr_set == (MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_RDONLY));
    CHECK(f.rec_attr_clr == MOUNT_ATTR__ATIME);
    pd_mount_flags_free(&f);
}

static void test_oci_specials(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"tmpcopyup", "mode=755", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.tmpcopyup && !f.idmap);
    CHECK_STR(f.data, "mode=755");
    pd_mount_flags_free(&f);

    char *opts2[] = {"idmap", NULL};
    CHECK(parse(opts2, &f) == 0);
    CHECK(f.idmap);
    pd_mount_flags_free(&f);
    char *opts3[] = {"ridmap", "rbind", NULL};
    CHECK(parse(opts3, &f) == 0);
    CHECK(f.idmap && f.recursive_bind);
    pd_mount_flags_free(&f);
}

static void test_fs_data(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"lowerdir=/a:/b", "upperdir=/u", "workdir=/w", "x-systemd.automount",
                    "uid=1000", "userxattr", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.flags == 0);
    CHECK_STR(f.data, "lowerdir=/a:/b,upperdir=/u,workdir=/w,x-systemd.automount,uid=1000,userxattr");
    pd_mount_flags_free(&f);
}

static void test_value_forms_are_data(void)
{
    /* "ro=1" is not the flag ro, and libmount's "user[=]" style entries
     * are not matched by name prefix */
    struct pd_mount_flags f;
    char *opts[] = {"ro=1", "bindx", "rprivatex", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.flags == 0 && f.propagation == 0 && !f.bind);
    CHECK_STR(f.data, "ro=1,bindx,rprivatex");
    pd_mount_flags_free(&f);
}

static void test_malformed(void)
{
    struct pd_mount_flags f;
    pd_error *err = NULL;
    char *opts[] = {"nosuid", "", NULL};
    CHECK(pd_mount_opts_parse(opts, &f, &err) < 0);
    CHECK(err != NULL);
    if (err != NULL) {
        CHECK_STR(err->msg, "empty mount option \"\" (index 1)");
    }
    pd_error_free(err);
    err = NULL;
    CHECK(f.data == NULL);

    char *opts2[] = {"mode=755", "=x", NULL};
    CHECK(pd_mount_opts_parse(opts2, &f, &err) < 0);
    if (err != NULL)
        CHECK_CONTAINS(err->msg, "\"=x\"");
    pd_error_free(err);
    err = NULL;
    CHECK(f.data == NULL); /* freed on error */

    char *opts3[] = {"a,b", NULL};
    CHECK(pd_mount_opts_parse(opts3, &f, &err) < 0);
    if (err != NULL)
        CHECK_CONTAINS(err->msg, "\"a,b\"");
    pd_error_free(err);
}

static void test_defaults_is_noop(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"defaults", "nosuid", NULL};
    CHECK(parse(opts, &f) == 0);
    CHECK(f.flags == MS_NOSUID && f.data == NULL);
    pd_mount_flags_free(&f);
}

/* Every option of every mount in the reference engine configs. */
static void test_engine_config_options(void)
{
    static const char *const all[] = {
        "bind", "gid=5", "mode=0620", "mode=1777", "mode=755", "newinstance", "nodev",
        "noexec", "nosuid", "ptmxmode=0666", "rbind", "relatime", "ro", "rprivate", "rw",
        "size=65536k", "size=67108864", "strictatime", "tmpcopyup",
    };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        struct pd_mount_flags f;
        char *opts[] = {(char *)all[i], NULL};
        CHECK(parse(opts, &f) == 0);
        bool is_data = strchr(all[i], '=') != NULL || strcmp(all[i], "newinstance") == 0;
        if (is_data)
            CHECK_STR(f.data, all[i]);
        else
            CHECK(f.data == NULL);
        pd_mount_flags_free(&f);
    }
}

static void test_free_twice(void)
{
    struct pd_mount_flags f;
    char *opts[] = {"size=1m", NULL};
    CHECK(parse(opts, &f) == 0);
    pd_mount_flags_free(&f);
    pd_mount_flags_free(&f);
    pd_mount_flags_free(NULL);
    CHECK(f.data == NULL);
}

int main(void)
{
    RUN(test_empty_list);
    RUN(test_docker_proc);
    RUN(test_docker_dev_tmpfs);
    RUN(test_devpts);
    RUN(test_sysfs_ro);
    RUN(test_shm);
    RUN(test_rbind_rprivate);
    RUN(test_bind_ro_relatime);
    RUN(test_inverted);
    RUN(test_plain_flags);
    RUN(test_set_then_clear);
    RUN(test_propagation);
    RUN(test_recursive_attrs);
    RUN(test_recursive_atime);
    RUN(test_oci_specials);
    RUN(test_fs_data);
    RUN(test_value_forms_are_data);
    RUN(test_malformed);
    RUN(test_defaults_is_noop);
    RUN(test_engine_config_options);
    RUN(test_free_twice);
    UNIT_EXIT();
}
