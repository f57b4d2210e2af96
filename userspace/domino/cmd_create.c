// SPDX-License-Identifier: GPL-2.0
/*
 * domino create CFG [-c] [KEY=VALUE ...]: parse an xl.cfg file and start
 * the domain in a daemon of its own (vmm/daemon.c), which outlives us.
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "domcfg.h"
#include "domctl.h"
#include "domino.h"

static int usage(void)
{
	fprintf(stderr, "usage: domino create CFG [-c] [KEY=VALUE ...]\n");
	return DOMINO_EXIT_USAGE;
}

/*
 * The file, then each KEY=VALUE as a line of its own after it: that is how
 * xl applies command-line settings, so a later one wins as in the file.
 */
static int read_config(const char *path, char **extra, int nr_extra,
		       char **text, size_t *len)
{
	size_t cap = DOMCFG_FILE_MAX + 1, n = 0;
	char *buf;
	int fd, i, r = 0;

	for (i = 0; i < nr_extra; i++)
		cap += strlen(extra[i]) + 1;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	/* Read one byte past the limit, so domcfg_parse() sees it is over. */
	while (n < DOMCFG_FILE_MAX + 1) {
		ssize_t got = read(fd, buf + n, DOMCFG_FILE_MAX + 1 - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			break;
		}
		if (!got)
			break;
		n += got;
	}
	close(fd);
	if (r) {
		free(buf);
		return r;
	}
	for (i = 0; i < nr_extra; i++) {
		size_t l = strlen(extra[i]);

		buf[n++] = '\n';
		memcpy(buf + n, extra[i], l);
		n += l;
	}
	*text = buf;
	*len = n;
	return 0;
}

/* The daemon chdir()s to /, and restarts reload these: make them absolute. */
static void absolute_path(char **path)
{
	char *abs;

	if (!*path || **path == '/')
		return;
	abs = realpath(*path, NULL);
	if (abs) {
		free(*path);
		*path = abs;
	}
}

/* "FILE:LINE: warning: KEY is set again" for a command-line KEY=VALUE. */
static bool is_override(const char *warning, const char *file,
			unsigned int first_extra)
{
	size_t l = strlen(file);
	unsigned int line;

	return !strncmp(warning, file, l) &&
	       sscanf(warning + l, ":%u:", &line) == 1 &&
	       line >= first_extra && strstr(warning, " is set again ");
}

static int check_config(const struct domcfg *cfg)
{
	struct domctl_info *v;
	size_t n, i;
	int r;

	if (cfg->type != DOMCFG_TYPE_PVH) {
		fprintf(stderr, "domino: %s: type \"%s\" is not supported: Domino runs PVH guests only (type = \"pvh\")\n",
			cfg->filename, domcfg_type_name(cfg->type));
		return -EINVAL;
	}
	if (!cfg->kernel) {
		fprintf(stderr, "domino: %s: no kernel given (kernel = \"/path/to/vmlinuz\")\n",
			cfg->filename);
		return -EINVAL;
	}
	r = domctl_list(&v, &n);
	if (r) {
		domino_report_error(domctl_run_dir(), -r);
		return r;
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(v[i].name, cfg->name)) {
			fprintf(stderr, "domino: domain name '%s' is already in use (id %" PRIu32 ")\n",
				cfg->name, v[i].domid);
			r = -EEXIST;
			break;
		}
	}
	free(v);
	return r;
}

/* The child side: detach, then become the domain's daemon. */
static void __attribute__((noreturn)) run_daemon(const struct domcfg *cfg,
						 int ready_fd)
{
	char log[4096];
	int fd;

	setsid();
	/* Fork again so the daemon is no session leader and cannot get a tty. */
	if (fork() != 0)
		_exit(0);
	if (chdir("/")) {
		/* Nothing in the daemon depends on its cwd. */
	}
	umask(027);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	/* The VMM's own complaints land in the console log. */
	if (!domctl_log_path(log, sizeof(log), cfg->name) &&
	    !domctl_mkdir(domctl_log_dir(), 0750)) {
		fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
			  0640);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
	}
	_exit(daemon_run(cfg, ready_fd));
}

/* Fork the daemon and wait until the domain runs or failed to. */
static int start_daemon(const struct domcfg *cfg, uint32_t *domid)
{
	char line[512];
	size_t n = 0;
	int p[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC)) {
		domino_report_error("pipe", errno);
		return -errno;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		domino_report_error("fork", errno);
		close(p[0]);
		close(p[1]);
		return -EAGAIN;
	}
	if (!pid) {
		close(p[0]);
		run_daemon(cfg, p[1]);
	}
	close(p[1]);
	waitpid(pid, &status, 0);
	while (n < sizeof(line) - 1) {
		ssize_t r = read(p[0], line + n, sizeof(line) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
	}
	close(p[0]);
	line[n] = '\0';
	if (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (!strncmp(line, "ok ", 3) && sscanf(line + 3, "%" SCNu32, domid) == 1)
		return 0;
	if (!strncmp(line, "error ", 6))
		fprintf(stderr, "domino: cannot create domain %s: %s\n",
			cfg->name, line + 6);
	else
		fprintf(stderr, "domino: cannot create domain %s: the daemon died (see %s/%s.log)\n",
			cfg->name, domctl_log_dir(), cfg->name);
	return -EIO;
}

int cmd_create(int argc, char **argv)
{
	const char *file = NULL;
	char **extra = NULL, *text = NULL;
	unsigned int first_extra;
	size_t len = 0, extra_len = 0;
	int nr_extra = 0, i, r;
	bool console = false;
	char err[512];
	struct domcfg cfg;
	uint32_t domid;

	extra = calloc(argc, sizeof(*extra));
	if (!extra)
		return DOMINO_EXIT_FAIL;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c")) {
			console = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			free(extra);
			usage();
			return 0;
		} else if (argv[i][0] == '-' || (file && !strchr(argv[i], '='))) {
			free(extra);
			return usage();
		} else if (!file) {
			file = argv[i];
		} else {
			extra[nr_extra++] = argv[i];
			extra_len += strlen(argv[i]) + 1;
		}
	}
	if (!file) {
		free(extra);
		return usage();
	}

	fprintf(stderr, "Parsing config from %s\n", file);
	r = read_config(file, extra, nr_extra, &text, &len);
	free(extra);
	if (r) {
		fprintf(stderr, "domino: %s: %s\n", file, strerror(-r));
		return DOMINO_EXIT_FAIL;
	}
	/* The KEY=VALUE lines start two lines after the file's last '\n'. */
	first_extra = 2;
	for (i = 0; i < (int)(len - extra_len); i++)
		first_extra += text[i] == '\n';
	domcfg_init(&cfg);
	r = domcfg_parse(&cfg, text, len, file, err, sizeof(err));
	free(text);
	if (r) {
		fprintf(stderr, "domino: %s\n", r == -ENOMEM ? strerror(ENOMEM) : err);
		domcfg_free(&cfg);
		return DOMINO_EXIT_FAIL;
	}
	for (i = 0; i < (int)cfg.warnings.n; i++)
		if (!is_override(cfg.warnings.v[i], file, first_extra))
			fprintf(stderr, "domino: %s\n", cfg.warnings.v[i]);
	absolute_path(&cfg.kernel);
	absolute_path(&cfg.ramdisk);

	r = check_config(&cfg);
	if (!r)
		r = start_daemon(&cfg, &domid);
	if (!r)
		printf("Started domain %s (id=%" PRIu32 ")\n", cfg.name, domid);
	domcfg_free(&cfg);
	if (r)
		return DOMINO_EXIT_FAIL;
	return console ? console_attach(domid) : 0;
}
