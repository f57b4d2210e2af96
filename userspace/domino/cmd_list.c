// SPDX-License-Identifier: GPL-2.0
/*
 * domino list [-l] [DOMAIN ...]: the domains, in xl list's format, the
 * host first as Domain-0. -l prints each domain's info line as its daemon
 * sent it (key=value pairs, for scripts).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domctl.h"
#include "domino.h"

#define DOM0_NAME "Domain-0"

static uint64_t host_memory_mib(void)
{
	unsigned long long kib = 0;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
			break;
	fclose(f);
	return kib / 1024;
}

/* CPU time the host spent outside idle, in seconds (user+nice+system). */
static double host_cpu_seconds(void)
{
	unsigned long long user, nice, sys;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "re");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu", &user, &nice, &sys);
	fclose(f);
	if (n != 3 || hz <= 0)
		return 0;
	return (double)(user + nice + sys) / hz;
}

static void print_row(const char *name, uint32_t id, uint64_t mib,
		      unsigned int vcpus, enum domctl_state s, double secs)
{
	printf("%-40s %5u %5lu %5u     %c%c%c%c%c%c  %8.1f\n", name, id,
	       (unsigned long)mib, vcpus,
	       s == DOMCTL_STATE_RUNNING ? 'r' : '-',
	       s == DOMCTL_STATE_BLOCKED ? 'b' : '-',
	       s == DOMCTL_STATE_PAUSED ? 'p' : '-',
	       s == DOMCTL_STATE_SHUTDOWN ? 's' : '-',
	       s == DOMCTL_STATE_CRASHED ? 'c' : '-',
	       '-', secs);
}

static bool is_dom0(const char *dom)
{
	return !strcmp(dom, "0") || !strcmp(dom, DOM0_NAME);
}

/* Does @dom (a name or an id) name @info? */
static bool matches(const char *dom, const struct domctl_info *info)
{
	char *end;
	unsigned long id;

	if (!strcmp(dom, info->name))
		return true;
	errno = 0;
	id = strtoul(dom, &end, 10);
	return dom[0] >= '0' && dom[0] <= '9' && !*end && !errno &&
	       id == info->domid;
}

static bool wanted(int argc, char **argv, const char *name, uint32_t id)
{
	struct domctl_info info = { .domid = id };
	int i;

	if (!argc)
		return true;
	snprintf(info.name, sizeof(info.name), "%s", name);
	for (i = 0; i < argc; i++)
		if (matches(argv[i], &info))
			return true;
	return false;
}

static void print_long(const struct domctl_info *info)
{
	char line[DOMCTL_LINE_MAX];

	if (domctl_format_info(info, line, sizeof(line)) >= 0)
		printf("%s\n", line);
}

int cmd_list(int argc, char **argv)
{
	struct domctl_info *v, dom0 = {
		.name = DOM0_NAME,
		.state = DOMCTL_STATE_RUNNING,
	};
	bool lng = false, ok = true;
	size_t n, j;
	long cpus;
	int i, r;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-l")) {
			fprintf(stderr, "usage: domino list [-l] [DOMAIN ...]\n");
			return DOMINO_EXIT_USAGE;
		}
		lng = true;
	}
	argc -= i;
	argv += i;

	r = domctl_list(&v, &n);
	if (r) {
		domino_report_error(domctl_run_dir(), -r);
		return DOMINO_EXIT_FAIL;
	}
	/* Every domain asked for must exist, as with xl. */
	for (i = 0; i < argc; i++) {
		bool found = is_dom0(argv[i]);

		for (j = 0; j < n && !found; j++)
			found = matches(argv[i], &v[j]);
		if (!found) {
			fprintf(stderr, "domino: no domain '%s'\n", argv[i]);
			ok = false;
		}
	}

	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	dom0.memory_mib = host_memory_mib();
	dom0.vcpus = cpus > 0 ? cpus : 1;
	dom0.cputime_ns = host_cpu_seconds() * 1e9;
	if (!lng)
		printf("Name                                        ID   Mem VCPUs\tState\tTime(s)\n");
	if (wanted(argc, argv, dom0.name, 0)) {
		if (lng)
			print_long(&dom0);
		else
			print_row(dom0.name, 0, dom0.memory_mib, dom0.vcpus,
				  dom0.state, dom0.cputime_ns / 1e9);
	}
	for (j = 0; j < n; j++) {
		if (!wanted(argc, argv, v[j].name, v[j].domid))
			continue;
		if (lng)
			print_long(&v[j]);
		else
			print_row(v[j].name, v[j].domid, v[j].memory_mib,
				  v[j].vcpus, v[j].state,
				  v[j].cputime_ns / 1e9);
	}
	free(v);
	return ok ? 0 : DOMINO_EXIT_FAIL;
}
