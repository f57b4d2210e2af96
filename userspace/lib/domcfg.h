/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * domcfg: domain configuration files in Xen's xl.cfg(5) syntax, so that a
 * file written for `xl create` works with `domino create`.
 *
 *   KEY = VALUE      VALUE: "string", 'string', 123, 0x7b, [ "a", "b", ]
 *   KEY += VALUE     appends to an earlier string or list of the same KEY
 *
 * '#' starts a comment, ';' may end a statement (and lets another follow
 * on the same line), lists may span lines. Only the keys Domino supports
 * are accepted; everything else is an error naming the file and line, as
 * are malformed or out-of-range values. The input is treated as hostile:
 * every size is bounded (see DOMCFG_*_MAX) and parsing never recurses.
 */
#ifndef DOMCFG_H
#define DOMCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOMCFG_FILE_MAX		(1024 * 1024)	/* bytes in one file */
#define DOMCFG_LINE_MAX		8192		/* bytes in one line */
#define DOMCFG_STR_MAX		4096		/* bytes in one string value */
#define DOMCFG_LIST_MAX		64		/* items in one list */
#define DOMCFG_NAME_MAX		63		/* bytes in the domain name */
#define DOMCFG_KEY_MAX		64		/* bytes in a key, known or not */
#define DOMCFG_WARN_MAX		16		/* warnings kept, then dropped */
#define DOMCFG_MEMORY_MAX	1048576		/* MiB: 1 TiB */
#define DOMCFG_VCPUS_MAX	128

enum domcfg_type {
	DOMCFG_TYPE_PVH,
	DOMCFG_TYPE_HVM,
	DOMCFG_TYPE_PV,
};

/* What to do when the guest powers off, reboots, crashes... (xl names). */
enum domcfg_action {
	DOMCFG_ACTION_DESTROY,
	DOMCFG_ACTION_RESTART,
	DOMCFG_ACTION_PRESERVE,
	DOMCFG_ACTION_COREDUMP_DESTROY,
	DOMCFG_ACTION_COREDUMP_RESTART,
	DOMCFG_ACTION_RENAME_RESTART,
	DOMCFG_ACTION_SOFT_RESET,
	DOMCFG_ACTION_NR
};

/* The keys understood; cfg->line[] is indexed by these. */
enum domcfg_key {
	DOMCFG_KEY_NAME,
	DOMCFG_KEY_TYPE,
	DOMCFG_KEY_BUILDER,
	DOMCFG_KEY_MEMORY,
	DOMCFG_KEY_MAXMEM,
	DOMCFG_KEY_VCPUS,
	DOMCFG_KEY_MAXVCPUS,
	DOMCFG_KEY_KERNEL,
	DOMCFG_KEY_RAMDISK,
	DOMCFG_KEY_CMDLINE,
	DOMCFG_KEY_EXTRA,
	DOMCFG_KEY_ROOT,
	DOMCFG_KEY_ON_POWEROFF,
	DOMCFG_KEY_ON_REBOOT,
	DOMCFG_KEY_ON_CRASH,
	DOMCFG_KEY_ON_WATCHDOG,
	DOMCFG_KEY_SERIAL,
	DOMCFG_KEY_VIF,
	DOMCFG_KEY_DISK,
	DOMCFG_KEY_UUID,
	DOMCFG_KEY_HYPERVISOR,
	DOMCFG_KEY_EVTCHN_FIFO,
	DOMCFG_KEY_MAX_GRANT_FRAMES,
	DOMCFG_KEY_MAX_MAPTRACK_FRAMES,
	DOMCFG_KEY_NR
};

enum domcfg_hypervisor {
	DOMCFG_HYPERVISOR_XEN,
	DOMCFG_HYPERVISOR_KVM,
};

/* A NULL-terminated array of n malloc'ed strings (v is NULL when n == 0). */
struct domcfg_strlist {
	char **v;
	unsigned int n;
};

struct domcfg {
	char *filename;			/* as given to domcfg_parse() */
	char *name;			/* required, [A-Za-z0-9_.-]{1,63} */
	enum domcfg_type type;		/* default PVH */
	uint64_t memory;		/* MiB, default 128 */
	uint64_t maxmem;		/* MiB, >= memory, default memory */
	unsigned int vcpus;		/* default 1 */
	unsigned int maxvcpus;		/* >= vcpus, default vcpus */
	char *kernel;			/* NULL if not given */
	char *ramdisk;			/* NULL if not given */
	/*
	 * The guest command line, composed as xl does: cmdline if given
	 * (root and extra then ignored, with a warning); otherwise
	 * "root=ROOT EXTRA", "root=ROOT" or "EXTRA". NULL if none of them.
	 */
	char *cmdline;
	enum domcfg_action on_poweroff;	/* default destroy */
	enum domcfg_action on_reboot;	/* default restart */
	enum domcfg_action on_crash;	/* default destroy */
	enum domcfg_action on_watchdog;	/* default destroy */
	/* Raw specifications, parsed later by their own code. */
	struct domcfg_strlist serial;	/* a string value gives one item */
	struct domcfg_strlist vif;
	struct domcfg_strlist disk;
	/*
	 * Domino's own keys. hypervisor = "xen" (the guest sees Xen: its
	 * CPUID leaves, hypercalls and PV interfaces) or "kvm" (KVM's CPUID
	 * signature and kvm-clock, for guests or VMMs that want that).
	 * evtchn_fifo = 0 refuses the FIFO event channel ABI (2-level only).
	 */
	enum domcfg_hypervisor hypervisor;
	bool evtchn_fifo;		/* default 1 */
	/* xl's grant limits; 0: the hypervisor's defaults. */
	unsigned int max_grant_frames, max_maptrack_frames;
	bool has_uuid;
	uint8_t uuid[16];
	char uuid_str[37];		/* lower case, 8-4-4-4-12 */
	/* Line where each key was last set, 0 if it was not. */
	unsigned int line[DOMCFG_KEY_NR];
	/*
	 * "FILE:LINE: warning: ..." for things xl accepts but the user
	 * should hear about (a key set twice, root/extra ignored, builder);
	 * at most DOMCFG_WARN_MAX, warnings_dropped counts the rest.
	 */
	struct domcfg_strlist warnings;
	unsigned int warnings_dropped;
};

/* Fill in the defaults; nothing is allocated. */
void domcfg_init(struct domcfg *cfg);

/*
 * Parse @len bytes of @text (need not be NUL-terminated) into @cfg, which
 * must have been through domcfg_init(). @filename only labels messages.
 * Returns 0, -EINVAL with "FILE:LINE: what is wrong" (or "FILE: ...") in
 * @err, or -ENOMEM. On failure @cfg still needs domcfg_free() and its
 * contents are unspecified.
 */
int domcfg_parse(struct domcfg *cfg, const char *text, size_t len,
		 const char *filename, char *err, size_t errlen);

/*
 * Read @path (at most DOMCFG_FILE_MAX bytes) and parse it. A file that
 * cannot be read gives -errno and "PATH: strerror" in @err.
 */
int domcfg_parse_file(struct domcfg *cfg, const char *path, char *err,
		      size_t errlen);

/* Release what @cfg owns and return it to the defaults. */
void domcfg_free(struct domcfg *cfg);

/* "destroy", "restart", ...; NULL for a value out of the enum. */
const char *domcfg_action_name(enum domcfg_action a);
/* "pvh", "hvm", "pv"; NULL for a value out of the enum. */
const char *domcfg_type_name(enum domcfg_type t);
/* The key's name in the file, e.g. "on_crash"; NULL if out of range. */
const char *domcfg_key_name(enum domcfg_key k);

#endif /* DOMCFG_H */
