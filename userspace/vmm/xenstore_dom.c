// SPDX-License-Identifier: GPL-2.0
/*
 * A domain's XenStore entries (xenstore_dom.h), laid out as libxl lays
 * them out for a PVH domain, so that Xen's tools and the guest's own
 * xenbus drivers find what they expect:
 *
 *   /local/domain/N               dom0's, readable by N (libxl's roperm)
 *     name domid vm               the domain's name, id, /vm/UUID
 *     memory/static-max target videoram   KiB; target is what the balloon
 *                                 driver follows
 *     cpu/I/availability          online or offline, for I < maxvcpus
 *     store/port ring-ref         the store ring the guest also finds in
 *                                 its HVM parameters
 *     console/port ring-ref limit type
 *     control/shutdown feature-* sysrq, device, data, drivers, feature,
 *     attr, error                 N's own (rwperm): the guest writes there
 *   /vm/UUID/uuid name start_time
 *
 * Everything is written in one transaction, retried while xenstored says
 * EAGAIN (another writer raced it), then the domain is introduced.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "xenstore_dom.h"

#define TRANSACTION_TRIES	10
#define POLL_MS			50

struct xenstore_dom {
	struct xs_handle *xs;
	uint32_t domid;
	bool written;		/* dom_path and vm_path are in the store */
	bool introduced;
	char dom_path[64];
	char vm_path[64];
};

/* Start Debian's xenstored as its init scripts do; it daemonizes itself. */
static int start_xenstored(char *err, size_t errlen)
{
	const char *bin = getenv("XENSTORED");
	sigset_t none;
	pid_t pid, w;
	int st = 0;

	if (!bin)
		bin = XENSTORED_PATH_DEFAULT;
	if (access(bin, X_OK)) {
		snprintf(err, errlen, "no xenstored at %s (make deps installs xen-utils-4.17)", bin);
		return -ENOENT;
	}
	/* Its run and state directories, as xencommons makes them. */
	mkdir("/var", 0755);
	mkdir("/var/run", 0755);
	mkdir("/var/run/xenstored", 0755);
	mkdir("/var/lib", 0755);
	mkdir("/var/lib/xenstored", 0755);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -errno;
	}
	if (!pid) {
		/*
		 * Our blocked signals (signalfd, vCPU kicks) are not its, nor
		 * our descriptors: `domino create` waits for EOF on one.
		 */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close_range(3, ~0U, 0);
		execl(bin, bin, "--pid-file", "/var/run/xenstored.pid", (char *)NULL);
		_exit(127);
	}
	/* The first process exits once the daemon is forked off. */
	do
		w = waitpid(pid, &st, 0);
	while (w < 0 && errno == EINTR);
	if (w != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		snprintf(err, errlen, "%s did not start (status %#x)", bin, st);
		return -EIO;
	}
	return 0;
}

struct xenstore_dom *xenstore_dom_connect(char *err, size_t errlen)
{
	struct xenstore_dom *x = calloc(1, sizeof(*x));

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->xs = xs_open(0);
	if (!x->xs && !start_xenstored(err, errlen)) {
		int waited;

		for (waited = 0; !x->xs && waited < XENSTORED_START_MS; waited += POLL_MS) {
			usleep(POLL_MS * 1000);
			x->xs = xs_open(0);
		}
		if (!x->xs)
			snprintf(err, errlen, "xenstored started but does not answer on %s",
				 xs_daemon_socket());
	}
	if (!x->xs) {
		free(x);
		return NULL;
	}
	return x;
}

static bool wr(struct xs_handle *xs, xs_transaction_t t, const char *dir,
	       const char *node, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static bool wr(struct xs_handle *xs, xs_transaction_t t, const char *dir,
	       const char *node, const char *fmt, ...)
{
	char path[256], val[256];
	va_list ap;

	snprintf(path, sizeof(path), "%s/%s", dir, node);
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	return xs_write(xs, t, path, val, strlen(val));
}

/* An empty node the domain itself owns (libxl's rwperm). */
static bool mk_rw(struct xenstore_dom *x, xs_transaction_t t, const char *node)
{
	struct xs_permissions rw[1] = { { .id = x->domid, .perms = XS_PERM_NONE } };
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", x->dom_path, node);
	return xs_write(x->xs, t, path, "", 0) &&
	       xs_set_permissions(x->xs, t, path, rw, 1);
}

static bool write_paths(struct xenstore_dom *x, xs_transaction_t t,
			const struct xenstore_dom_info *in)
{
	/* Owned by dom0, readable by the domain; children inherit it. */
	struct xs_permissions ro[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = in->domid, .perms = XS_PERM_READ },
	};
	static const char *const rw_nodes[] = {
		"device", "data", "drivers", "feature", "attr", "error",
		"control/shutdown", "control/feature-poweroff", "control/feature-reboot",
		"control/feature-suspend", "control/sysrq",
		"control/platform-feature-multiprocessor-suspend",
		"control/platform-feature-xs_reset_watches",
	};
	char node[64];
	unsigned int i;
	bool ok;

	xs_rm(x->xs, t, x->dom_path);
	xs_rm(x->xs, t, x->vm_path);
	ok = xs_mkdir(x->xs, t, x->dom_path) &&
	     xs_set_permissions(x->xs, t, x->dom_path, ro, 2) &&
	     xs_mkdir(x->xs, t, x->vm_path) &&
	     xs_set_permissions(x->xs, t, x->vm_path, ro, 2) &&
	     wr(x->xs, t, x->vm_path, "uuid", "%s", in->uuid) &&
	     wr(x->xs, t, x->vm_path, "name", "%s", in->name) &&
	     wr(x->xs, t, x->vm_path, "start_time", "%lld", (long long)time(NULL)) &&
	     wr(x->xs, t, x->dom_path, "name", "%s", in->name) &&
	     wr(x->xs, t, x->dom_path, "domid", "%u", in->domid) &&
	     wr(x->xs, t, x->dom_path, "vm", "%s", x->vm_path) &&
	     wr(x->xs, t, x->dom_path, "memory/static-max", "%llu",
		(unsigned long long)in->max_kib) &&
	     wr(x->xs, t, x->dom_path, "memory/target", "%llu",
		(unsigned long long)in->target_kib) &&
	     wr(x->xs, t, x->dom_path, "memory/videoram", "%d", -1) &&
	     wr(x->xs, t, x->dom_path, "store/port", "%u", in->store_port) &&
	     wr(x->xs, t, x->dom_path, "store/ring-ref", "%llu",
		(unsigned long long)in->store_gfn) &&
	     xs_mkdir(x->xs, t, "/local/domain/0/backend") &&
	     wr(x->xs, t, "/local/domain/0", "name", "Domain-0") &&
	     wr(x->xs, t, "/local/domain/0", "domid", "0");
	for (i = 0; ok && i < in->max_vcpus; i++) {
		snprintf(node, sizeof(node), "cpu/%u/availability", i);
		ok = wr(x->xs, t, x->dom_path, node, "%s", i < in->vcpus ? "online" : "offline");
	}
	if (ok && in->console_gfn)
		ok = wr(x->xs, t, x->dom_path, "console/port", "%u", in->console_port) &&
		     wr(x->xs, t, x->dom_path, "console/ring-ref", "%llu",
			(unsigned long long)in->console_gfn) &&
		     wr(x->xs, t, x->dom_path, "console/limit", "%d", 1048576) &&
		     wr(x->xs, t, x->dom_path, "console/type", "%s", "domino");
	for (i = 0; ok && i < sizeof(rw_nodes) / sizeof(rw_nodes[0]); i++)
		ok = mk_rw(x, t, rw_nodes[i]);
	return ok;
}

int xenstore_dom_introduce(struct xenstore_dom *x, const struct xenstore_dom_info *in,
			   char *err, size_t errlen)
{
	xs_transaction_t t;
	unsigned int tries;
	bool ok = false;

	x->domid = in->domid;
	snprintf(x->dom_path, sizeof(x->dom_path), "/local/domain/%u", in->domid);
	snprintf(x->vm_path, sizeof(x->vm_path), "/vm/%s", in->uuid);
	for (tries = 0; !ok && tries < TRANSACTION_TRIES; tries++) {
		t = xs_transaction_start(x->xs);
		if (t == XBT_NULL)
			break;
		ok = write_paths(x, t, in);
		if (!ok) {
			int e = errno;

			xs_transaction_end(x->xs, t, true);
			errno = e;
			break;
		}
		ok = xs_transaction_end(x->xs, t, false);
		if (!ok && errno != EAGAIN)
			break;
	}
	/* Whatever fails from here, the release takes the paths out again. */
	x->written = ok;
	if (!ok) {
		snprintf(err, errlen, "xenstore: writing %s: %s", x->dom_path, strerror(errno));
		return -(errno ? errno : EIO);
	}
	if (!xs_introduce_domain(x->xs, in->domid, in->store_gfn, in->store_port)) {
		snprintf(err, errlen, "xenstore: introducing domain %u: %s", in->domid,
			 strerror(errno));
		return -(errno ? errno : EIO);
	}
	x->introduced = true;
	return 0;
}

int xenstore_dom_set(struct xenstore_dom *x, const char *node, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", x->dom_path, node);
	return xs_write(x->xs, XBT_NULL, path, value, strlen(value)) ? 0 : -errno;
}

void xenstore_dom_release(struct xenstore_dom *x)
{
	if (!x)
		return;
	if (x->introduced)
		xs_release_domain(x->xs, x->domid);
	if (x->written) {
		xs_rm(x->xs, XBT_NULL, x->dom_path);
		xs_rm(x->xs, XBT_NULL, x->vm_path);
	}
	xs_close(x->xs);
	free(x);
}

void xenstore_dom_forget(uint32_t domid)
{
	struct xs_handle *xs = xs_open(0);
	char dom_path[64], vm_key[80];
	unsigned int len;
	char *vm;

	if (!xs)
		return;
	snprintf(dom_path, sizeof(dom_path), "/local/domain/%u", domid);
	snprintf(vm_key, sizeof(vm_key), "%s/vm", dom_path);
	xs_release_domain(xs, domid);
	vm = xs_read(xs, XBT_NULL, vm_key, &len);
	/* Only a /vm path of ours: the node's value is the guest's to read. */
	if (vm && !strncmp(vm, "/vm/", 4) && !strchr(vm + 4, '/'))
		xs_rm(xs, XBT_NULL, vm);
	free(vm);
	xs_rm(xs, XBT_NULL, dom_path);
	xs_close(xs);
}
