# paddock - an OCI runtime for containing AI coding agents.
#   make            build runtime/paddock (against musl; LIBC=glibc: against glibc)
#   make deps       install the Debian packages the build and tests need
#   make check      run every test (unit, unit under ASan/UBSan, integration)
#   make install    PREFIX=/usr/local DESTDIR=   (make uninstall: the same variables)
#   make man        man pages in build/man (help2man, from each --help)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
# Where `make install` puts the rest (each can be overridden):
LIBEXECDIR ?= $(PREFIX)/libexec
HOOKDIR ?= $(LIBEXECDIR)/paddock
DATADIR ?= $(PREFIX)/share
PKGDATADIR ?= $(DATADIR)/paddock
MANDIR ?= $(DATADIR)/man
# podman reads /usr/share/containers/oci/hooks.d and /etc/containers/oci/hooks.d
# (hooks/README.md: with PREFIX=/usr/local, add this one to its hooks_dir).
HOOKSDIR ?= $(DATADIR)/containers/oci/hooks.d
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/site-functions
CC ?= cc
PKG_CONFIG ?= pkg-config
VERSION := 0.1.0

# pkg-config module -> Debian package that ships it
PKGS := libseccomp:libseccomp-dev libcap:libcap-dev yajl:libyajl-dev mount:libmount-dev
PKG_MODULES := $(foreach p,$(PKGS),$(firstword $(subst :, ,$(p))))

# Evaluated when a recipe runs (=, not :=), so that `make deps all` builds
# with the flags of the packages `deps` has just installed.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKG_MODULES) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKG_MODULES) 2>/dev/null)

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
override CFLAGS += -std=gnu11 $(WARN) -DPADDOCK_VERSION='"$(VERSION)"' \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -iquote runtime $(PKG_CFLAGS)
LDLIBS += $(PKG_LIBS)
# Full RELRO: every symbol bound as the program loads (-z now) and the GOT
# read-only from then on (-z relro), so no writable function pointers for
# lazy binding; and no lazy binding of each libc function at its first call
# in the runtime, then again in the container's init and its child: ~0.1 ms
# of each sandbox (A/B 0.96-0.975, tests/bench/README.md, session 9).
# --as-needed: a program that uses no libmount (a hook, most unit tests)
# does not load it.
override LDFLAGS += -Wl,-z,relro,-z,now -Wl,--as-needed

# The runtime binary's C library (README, "Build").
#
# LIBC=musl (the default): runtime/paddock is a static PIE linked against
# musl and against static builds of libseccomp, libcap, yajl and libmount,
# all of which contrib/build/musl-libs builds from Debian's own source
# packages (the versions Debian ships) into build/musl-libs.  glibc runs
# dozens of `cpuid` instructions before main (its CPU features and cache
# sizes), and in a VM each one is an exit to the hypervisor: ~0.6 ms of
# every paddock command on an Intel host, ~0.16 on an AMD one.  A musl
# program's whole run is ~0.1 ms (tests/bench/README.md, session 12; the
# script says how its musl differs from the default build).  No ld.so, no
# shared object, no dlopen(): what runs is what was linked.
#
# LIBC=glibc links it against the system's shared libraries instead.
# Everything else (unit tests, the sanitizer and fuzz builds, the hooks, the
# escape tests' control) is built against glibc either way, so `make check`
# runs the same sources under both C libraries.
LIBC ?= musl
MUSL = $(B)/musl-libs
MUSL_OBJ = $(B)/musl
MUSL_CC = $(CC) -specs $(MUSL)/musl-gcc.specs -isystem $(MUSL)/kinc
# gcc's own specs add the build id that the seccomp cache's key uses; musl's replace them
MUSL_LDFLAGS = $(LDFLAGS) -static-pie -Wl,--build-id
MUSL_LIBS = -L$(MUSL)/lib -lmount -lblkid -lseccomp -lcap -lyajl_s

LIB_SRCS := $(sort $(wildcard runtime/*.c))
LIB_SRCS := $(filter-out runtime/main.c,$(LIB_SRCS))
CLI_SRCS := runtime/main.c $(sort $(wildcard runtime/cli/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))

B := build
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(B)/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

# Sanitizer build of the library and unit tests.
SAN := $(B)/asan
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_LIB_OBJS := $(LIB_SRCS:%.c=$(SAN)/%.o)
SAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(SAN)/tests/%)

# The musl build of the runtime (LIBC=musl, above).
MUSL_LIB_OBJS := $(LIB_SRCS:%.c=$(MUSL_OBJ)/%.o)
MUSL_CLI_OBJS := $(CLI_SRCS:%.c=$(MUSL_OBJ)/%.o)
# and the unit tests against it: `make check` runs them as musl:test_*
MUSL_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(MUSL_OBJ)/tests/%)

# libFuzzer targets (issue #9): tests/fuzz/fuzz_*.c against the library,
# built with clang under ASan and UBSan.  `make fuzz FUZZ_SECONDS=N` runs
# each for N seconds (tests/fuzz/run); `make check` runs them briefly.
FUZZ_CC ?= clang
FUZZ := $(B)/fuzz
# libseccomp's SCMP_A0(op, datum) leaves datum_b to zero-initialisation, which
# clang's -Wmissing-field-initializers (in -Wextra) reports; gcc does not.
FUZZ_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
	-Wno-missing-field-initializers
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ)/%)
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ)/%.o)
FUZZ_SECONDS ?= 60

.SECONDARY:
.PHONY: musl-libs stress asan-runtime escape-bins test-helpers hooks man fuzz fuzz-bins build-deps demo all deps check check-unit check-unit-asan check-integration install uninstall clean unit bench
all: runtime/paddock hooks

# Every compile waits for this check: a missing library is named by its
# Debian package, not by a compiler error.
build-deps:
	@missing=""; for p in $(PKGS); do \
		$(PKG_CONFIG) --exists $${p%%:*} 2>/dev/null || missing="$$missing $${p#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "missing build dependencies: install the Debian packages:$$missing (or run: make deps)" >&2; \
		exit 1; \
	fi

$(B)/%.o: %.c $(wildcard runtime/*.h runtime/cli/*.h tests/unit/*.h) | build-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(SAN)/%.o: %.c $(wildcard runtime/*.h runtime/cli/*.h tests/unit/*.h) | build-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) -U_FORTIFY_SOURCE -c -o $@ $<

# musl's headers, the kernel's and the four libraries' (contrib/build/musl-libs);
# never the system's /usr/include, whose headers are glibc's.
$(MUSL_OBJ)/%.o: PKG_CFLAGS = -isystem $(MUSL)/include -isystem $(MUSL)/include/libmount
$(MUSL_OBJ)/%.o: %.c $(wildcard runtime/*.h runtime/cli/*.h tests/unit/*.h) $(MUSL)/.built
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(CFLAGS) -c -o $@ $<

# The built-in seccomp profiles are embedded with .incbin (seccomp_profile.c).
$(B)/runtime/seccomp_profile.o $(SAN)/runtime/seccomp_profile.o $(MUSL_OBJ)/runtime/seccomp_profile.o: \
	spec/profiles/agent-default.json

$(FUZZ)/%.o: %.c $(wildcard runtime/*.h) | build-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -U_FORTIFY_SOURCE -c -o $@ $<

$(FUZZ)/runtime/seccomp_profile.o: spec/profiles/agent-default.json

$(FUZZ)/libpaddock.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ)/fuzz_%: $(FUZZ)/tests/fuzz/fuzz_%.o $(FUZZ)/libpaddock.a
	$(FUZZ_CC) $(CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(FUZZ)/libpaddock.a $(LDLIBS)

fuzz-bins: $(FUZZ_BINS)

fuzz: fuzz-bins
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run

$(B)/libpaddock.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(SAN)/libpaddock.a: $(SAN_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(MUSL_OBJ)/libpaddock.a: $(MUSL_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# musl and the four libraries built against it, from Debian's sources; again
# (quick when the script is unchanged) when the script is newer, and then
# everything built with them is rebuilt.
musl-libs: $(MUSL)/.built
$(MUSL)/.built: contrib/build/musl-libs
	@contrib/build/musl-libs $(MUSL)
	@touch $@

ifeq ($(LIBC),musl)
runtime/paddock: $(MUSL_CLI_OBJS) $(MUSL_OBJ)/libpaddock.a
	$(MUSL_CC) $(CFLAGS) $(MUSL_LDFLAGS) -o $@ $(MUSL_CLI_OBJS) $(MUSL_OBJ)/libpaddock.a $(MUSL_LIBS)
else ifeq ($(LIBC),glibc)
runtime/paddock: $(CLI_OBJS) $(B)/libpaddock.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJS) $(B)/libpaddock.a $(LDLIBS)
else
$(error LIBC=$(LIBC): use LIBC=musl (the default) or LIBC=glibc)
endif

# The OCI hooks paddock ships (hooks/README.md): hooks/NAME.c is the program
# build/hooks/paddock-hook-NAME, linked with hooks/hook_common.c and the library.
HOOK_NAMES := audit snapshot
HOOK_BINS := $(HOOK_NAMES:%=$(B)/hooks/paddock-hook-%)
hooks: $(HOOK_BINS)

$(B)/hooks/%.o: hooks/%.c hooks/hook_common.h $(wildcard runtime/*.h) | build-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -iquote hooks -c -o $@ $<

$(B)/hooks/paddock-hook-%: $(B)/hooks/%.o $(B)/hooks/hook_common.o $(B)/libpaddock.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/hooks/hook_common.o $(B)/libpaddock.a $(LDLIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libpaddock.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libpaddock.a $(LDLIBS)

$(SAN)/tests/%: $(SAN)/tests/unit/%.o $(SAN)/libpaddock.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $< $(SAN)/libpaddock.a $(LDLIBS)

$(MUSL_OBJ)/tests/%: $(MUSL_OBJ)/tests/unit/%.o $(MUSL_OBJ)/libpaddock.a
	$(MUSL_CC) $(CFLAGS) $(MUSL_LDFLAGS) -o $@ $< $(MUSL_OBJ)/libpaddock.a $(MUSL_LIBS)

unit: $(UNIT_BINS) $(SAN_UNIT_BINS) $(if $(filter musl,$(LIBC)),$(MUSL_UNIT_BINS))

# Programs the integration tests run (tests/integration/helpers/*.c), e.g.
# docker-seccomp, which installs a filter like Docker's default profile.
HELPER_SRCS := $(sort $(wildcard tests/integration/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/integration/helpers/%.c=$(B)/tests/helpers/%)
test-helpers: $(HELPER_BINS)

$(B)/tests/helpers/%: tests/integration/helpers/%.c | build-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

# Escape programs (issue #9): tests/escape/esc_*.c, static, run inside
# containers and sandboxes by tests/integration/test_escape.sh.  With them
# paddock-noseal, the runtime without its sealed copy of the binary
# (exe_seal.h): the control of the CVE-2019-5736 case, never installed.
ESC := $(B)/escape
ESC_SRCS := $(sort $(wildcard tests/escape/esc_*.c))
ESC_BINS := $(ESC_SRCS:tests/escape/%.c=$(ESC)/%)
escape-bins: $(ESC_BINS) $(ESC)/paddock-noseal

$(ESC)/esc_%: tests/escape/esc_%.c $(wildcard tests/escape/*.h)
	@mkdir -p $(dir $@)
	$(CC) -static -O2 -g -std=gnu11 $(WARN) -iquote tests/escape -o $@ $<

# Freestanding: it runs as another program's ELF interpreter (esc_ldso.c).
$(ESC)/esc_ldso: tests/escape/esc_ldso.c
	@mkdir -p $(dir $@)
	$(CC) -static -nostdlib -ffreestanding -fno-builtin -fno-stack-protector -O2 -g -std=gnu11 $(WARN) \
		-Wl,-Ttext-segment=0x10000000 -o $@ $<

$(ESC)/main-noseal.o: runtime/main.c $(wildcard runtime/*.h runtime/cli/*.h) | build-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DPADDOCK_NO_EXE_SEAL -c -o $@ $<

# It is linked shared against glibc, where the runtime is a static PIE: the
# attack it is the control of runs the binary under the image's ELF
# interpreter, and a static binary has none (test_escape.sh: exe_case).
$(ESC)/paddock-noseal: $(ESC)/main-noseal.o $(filter-out $(B)/runtime/main.o,$(CLI_OBJS)) $(B)/libpaddock.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The runtime itself under ASan and UBSan (issue #9): `make stress` runs
# the integration suite once with it (RUNTIME=runtime/paddock-asan).
SAN_CLI_OBJS := $(CLI_SRCS:%.c=$(SAN)/%.o)
asan-runtime: runtime/paddock-asan

runtime/paddock-asan: $(SAN_CLI_OBJS) $(SAN)/libpaddock.a
	$(CC) $(CFLAGS) $(SAN_FLAGS) $(LDFLAGS) -o $@ $(SAN_CLI_OBJS) $(SAN)/libpaddock.a $(LDLIBS)

# Stress and leaks at full size (tests/stress/run; not part of check).
stress: runtime/paddock asan-runtime escape-bins test-helpers hooks
	@tests/stress/run

deps:
	@tests/setup/install-deps

# A busybox bundle in build/demo, run once: what README's first command ends with.
DEMO := $(B)/demo
demo: runtime/paddock
	@test -d $(DEMO)/rootfs || rootfs-tools/paddock-mkrootfs --rootfs-only busybox $(DEMO)/rootfs
	@rm -f $(DEMO)/config.json && runtime/paddock spec --bundle $(DEMO)
	@jq '.process.terminal = false | .process.args = ["sh", "-c", "echo hello from a paddock container; id; hostname; ls /"]' \
		$(DEMO)/config.json > $(DEMO)/config.json.tmp && mv $(DEMO)/config.json.tmp $(DEMO)/config.json
	runtime/paddock run --bundle $(DEMO) demo-$$$$

check: runtime/paddock unit fuzz-bins hooks test-helpers escape-bins
	@LIBC=$(LIBC) tests/run-all

# paddock vs crun vs runc (issue #8); not part of check.  Never fails on time.
bench: runtime/paddock
	@tests/bench/run

# Man pages: contrib/man/mkman runs help2man on each program's --help (the one
# source of their text), with the install paths for FILES.  Always rebuilt (<1 s).
MAN_DIR := $(B)/man
MAN_PROGS := rootfs-tools/paddock-mkrootfs contrib/agents/paddock-shell contrib/agents/paddock-agent-bundle $(HOOK_BINS)
man: runtime/paddock hooks
	@contrib/man/mkman --datadir $(DATADIR) --hookdir $(HOOKDIR) runtime/paddock $(MAN_DIR) $(MAN_PROGS)

# What install puts where (uninstall removes exactly these, then the
# directories that are paddock's own, then, under a DESTDIR, the empty ones).
BIN_PROGS := rootfs-tools/paddock-mkrootfs contrib/agents/paddock-shell contrib/agents/paddock-agent-bundle
SPEC_FILES := spec/README.md spec/agent-bundle.md spec/agent-bundle.schema.json
PROFILE_FILES := $(wildcard spec/profiles/*.json) spec/profiles/README.md
CONTRIB_FILES := contrib/README.md contrib/podman/containers.conf contrib/docker/daemon.json \
	contrib/containerd/config.toml contrib/crio/99-paddock.conf \
	contrib/kubernetes/runtimeclass.yaml contrib/kubernetes/pod-agent.yaml \
	contrib/agents/README.md contrib/agents/agent-bundle/config.json
INSTALL_DIRS := $(BINDIR) $(HOOKDIR) $(HOOKSDIR) $(MANDIR)/man1 $(BASHCOMPDIR) $(ZSHCOMPDIR) \
	$(PKGDATADIR)/spec $(PKGDATADIR)/profiles $(sort $(dir $(CONTRIB_FILES:%=$(PKGDATADIR)/%)))

install: runtime/paddock hooks man
	install -d $(addprefix $(DESTDIR),$(INSTALL_DIRS))
	install -m 0755 runtime/paddock $(DESTDIR)$(BINDIR)/paddock
	install -m 0755 $(BIN_PROGS) $(DESTDIR)$(BINDIR)/
	install -m 0755 $(HOOK_BINS) $(DESTDIR)$(HOOKDIR)/
	@for t in hooks/hooks.d/*.json.in; do \
		d=$(DESTDIR)$(HOOKSDIR)/$$(basename $$t .in); \
		echo "sed s|@HOOKDIR@|$(HOOKDIR)|;s|@BINDIR@|$(BINDIR)| $$t > $$d"; \
		sed -e 's|@HOOKDIR@|$(HOOKDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' $$t > $$d && chmod 0644 $$d || exit 1; \
	done
	install -m 0644 $(MAN_DIR)/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 contrib/completion/paddock.bash $(DESTDIR)$(BASHCOMPDIR)/paddock
	install -m 0644 contrib/completion/_paddock $(DESTDIR)$(ZSHCOMPDIR)/_paddock
	install -m 0644 $(SPEC_FILES) $(DESTDIR)$(PKGDATADIR)/spec/
	install -m 0644 $(PROFILE_FILES) $(DESTDIR)$(PKGDATADIR)/profiles/
	@for f in $(CONTRIB_FILES); do \
		install -m 0644 $$f $(DESTDIR)$(PKGDATADIR)/$$f || exit 1; \
	done
	@echo "installed paddock under $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/paddock $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(BIN_PROGS)))
	rm -f $(DESTDIR)$(HOOKSDIR)/paddock-*.json
	rm -f $(DESTDIR)$(MANDIR)/man1/paddock.1 $(DESTDIR)$(MANDIR)/man1/paddock-*.1
	rm -f $(DESTDIR)$(BASHCOMPDIR)/paddock $(DESTDIR)$(ZSHCOMPDIR)/_paddock
	rm -rf $(DESTDIR)$(HOOKDIR) $(DESTDIR)$(PKGDATADIR)
	@dest='$(patsubst %/,%,$(DESTDIR))'; if [ -n "$$dest" ]; then \
		for d in $(INSTALL_DIRS); do \
			d=$$dest$$d; \
			while [ "$$d" != "$$dest" ] && [ "$$d" != / ]; do \
				if [ -e "$$d" ]; then rmdir "$$d" 2>/dev/null || break; fi; \
				d=$$(dirname "$$d"); \
			done; \
		done; \
		rmdir "$$dest" 2>/dev/null || true; \
	fi

clean:
	rm -rf $(B) runtime/paddock runtime/paddock-asan
