// SPDX-License-Identifier: GPL-2.0
/*
 * The xl.cfg parser: a realistic xl file, every default and bound, every
 * malformed form with the line it is reported on, and garbage that must
 * end in an error message, never a crash (build it with ASan/UBSan too).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domcfg.h"

#include "unit_tap.h"

#define FILE_NAME "t.cfg"

static char err[512];

static int parse(struct domcfg *c, const char *text)
{
	domcfg_init(c);
	return domcfg_parse(c, text, strlen(text), FILE_NAME, err,
			    sizeof(err));
}

/* @text parses; the domcfg is left for the caller to look at and free. */
static bool parses(struct domcfg *c, const char *text)
{
	int ret = parse(c, text);

	return ret == 0 || diag("unexpected failure %d: %s", ret, err);
}

/* @text fails with "t.cfg:LINE: ...@what..." (LINE 0: "t.cfg: ..."). */
static bool fails_at(const char *text, unsigned int line, const char *what)
{
	char prefix[64];
	struct domcfg c;
	int ret = parse(&c, text);

	domcfg_free(&c);
	if (line)
		snprintf(prefix, sizeof(prefix), FILE_NAME ":%u: ", line);
	else
		snprintf(prefix, sizeof(prefix), FILE_NAME ": ");
	if (ret != -EINVAL)
		return diag("expected -EINVAL, got %d for: %s", ret, text);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, what))
		return diag("expected '%s...%s', got '%s'", prefix, what, err);
	return true;
}

static bool streq(const char *what, const char *got, const char *want)
{
	if (got && want && !strcmp(got, want))
		return true;
	if (!got && !want)
		return true;
	return diag("%s: got '%s', want '%s'", what, got ? got : "(null)",
		    want ? want : "(null)");
}

static bool numeq(const char *what, unsigned long long got,
		  unsigned long long want)
{
	return got == want || diag("%s: got %llu, want %llu", what, got, want);
}

static bool has_warning(const struct domcfg *c, const char *what)
{
	unsigned int i;

	for (i = 0; i < c->warnings.n; i++)
		if (strstr(c->warnings.v[i], what))
			return true;
	return diag("no warning containing '%s' (%u warnings)", what,
		    c->warnings.n);
}

static const char realistic[] =
	"# PVH guest, as written for xl create\n"
	"name = \"web-01\"\n"
	"type = \"pvh\"\n"
	"\n"
	"memory = 1024\n"
	"maxmem = 2048\n"
	"vcpus = 2\n"
	"maxvcpus = 4\n"
	"\n"
	"kernel = \"/boot/vmlinuz-6.1\"   # the guest kernel\n"
	"ramdisk = \"/boot/initrd.img-6.1\"\n"
	"root = \"/dev/xvda1 ro\"\n"
	"extra = \"console=hvc0 earlyprintk=xen\"\n"
	"\n"
	"on_crash = \"coredump-restart\"\n"
	"serial = \"pty\"\n"
	"uuid = \"6B5C3C1C-2F2A-4A5E-9C1B-0123456789AB\"\n"
	"vif = [ 'mac=00:16:3e:00:00:01,bridge=xenbr0' ]\n"
	"disk = [\n"
	"\t'format=raw, vdev=xvda, access=rw, target=/var/lib/web-01.img',\n"
	"\t# the data disk\n"
	"\t'phy:/dev/vg0/web-data,xvdb,w',\n"
	"]\n";

static void test_realistic(void)
{
	struct domcfg c;
	bool ok = parses(&c, realistic);

	ok = ok && streq("name", c.name, "web-01") &&
	     numeq("type", c.type, DOMCFG_TYPE_PVH) &&
	     numeq("memory", c.memory, 1024) &&
	     numeq("maxmem", c.maxmem, 2048) &&
	     numeq("vcpus", c.vcpus, 2) && numeq("maxvcpus", c.maxvcpus, 4) &&
	     streq("kernel", c.kernel, "/boot/vmlinuz-6.1") &&
	     streq("ramdisk", c.ramdisk, "/boot/initrd.img-6.1") &&
	     streq("cmdline", c.cmdline,
		   "root=/dev/xvda1 ro console=hvc0 earlyprintk=xen") &&
	     numeq("on_crash", c.on_crash, DOMCFG_ACTION_COREDUMP_RESTART) &&
	     numeq("serial.n", c.serial.n, 1) &&
	     streq("serial", c.serial.v[0], "pty") &&
	     numeq("vif.n", c.vif.n, 1) &&
	     streq("vif", c.vif.v[0], "mac=00:16:3e:00:00:01,bridge=xenbr0") &&
	     numeq("disk.n", c.disk.n, 2) &&
	     streq("disk0", c.disk.v[0],
		   "format=raw, vdev=xvda, access=rw, target=/var/lib/web-01.img") &&
	     streq("disk1", c.disk.v[1], "phy:/dev/vg0/web-data,xvdb,w") &&
	     c.disk.v[2] == NULL &&
	     c.has_uuid &&
	     streq("uuid", c.uuid_str, "6b5c3c1c-2f2a-4a5e-9c1b-0123456789ab") &&
	     numeq("uuid[0]", c.uuid[0], 0x6b) &&
	     numeq("uuid[15]", c.uuid[15], 0xab) &&
	     numeq("line[disk]", c.line[DOMCFG_KEY_DISK], 19) &&
	     numeq("warnings", c.warnings.n, 0) &&
	     streq("filename", c.filename, FILE_NAME);
	domcfg_free(&c);
	result(ok, "a realistic xl PVH guest file parses completely");
}

static void test_defaults(void)
{
	struct domcfg c;
	bool ok = parses(&c, "name = \"d\"\n");

	ok = ok && numeq("type", c.type, DOMCFG_TYPE_PVH) &&
	     numeq("memory", c.memory, 128) && numeq("maxmem", c.maxmem, 128) &&
	     numeq("vcpus", c.vcpus, 1) && numeq("maxvcpus", c.maxvcpus, 1) &&
	     streq("kernel", c.kernel, NULL) &&
	     streq("ramdisk", c.ramdisk, NULL) &&
	     streq("cmdline", c.cmdline, NULL) &&
	     numeq("on_poweroff", c.on_poweroff, DOMCFG_ACTION_DESTROY) &&
	     numeq("on_reboot", c.on_reboot, DOMCFG_ACTION_RESTART) &&
	     numeq("on_crash", c.on_crash, DOMCFG_ACTION_DESTROY) &&
	     numeq("on_watchdog", c.on_watchdog, DOMCFG_ACTION_DESTROY) &&
	     !c.serial.n && !c.vif.n && !c.disk.n && !c.has_uuid &&
	     numeq("hypervisor", c.hypervisor, DOMCFG_HYPERVISOR_XEN) &&
	     numeq("evtchn_fifo", c.evtchn_fifo, 1) &&
	     numeq("line[memory]", c.line[DOMCFG_KEY_MEMORY], 0);
	domcfg_free(&c);
	result(ok, "defaults: pvh, 128 MiB, 1 vcpu, destroy/restart/destroy/destroy, Xen with FIFO events");

	domcfg_init(&c);
	c.memory = 512;
	c.maxmem = 1024;
	ok = parses(&c, "name = \"d\"\nmemory = 512\n") &&
	     numeq("maxmem follows memory", c.maxmem, 512);
	domcfg_free(&c);
	ok = ok && parses(&c, "name = \"d\"\nvcpus = 8\n") &&
	     numeq("maxvcpus follows vcpus", c.maxvcpus, 8);
	domcfg_free(&c);
	result(ok, "maxmem and maxvcpus default to memory and vcpus");
}

/* "name = ...\nKEY = VALUE\n" with KEY on line 2. */
static bool one(struct domcfg *c, const char *kv)
{
	char text[256];

	snprintf(text, sizeof(text), "name = \"d\"\n%s\n", kv);
	return parses(c, text);
}

static bool one_fails(const char *kv, const char *what)
{
	char text[256];

	snprintf(text, sizeof(text), "name = \"d\"\n%s\n", kv);
	return fails_at(text, 2, what);
}

static void test_memory_range(void)
{
	struct domcfg c;
	bool ok;

	ok = one(&c, "memory = 1") && numeq("memory", c.memory, 1);
	domcfg_free(&c);
	ok = ok && one(&c, "memory = 1048576") &&
	     numeq("memory", c.memory, 1048576);
	domcfg_free(&c);
	ok = ok && one_fails("memory = 0", "out of range (1..1048576)") &&
	     one_fails("memory = 1048577", "out of range") &&
	     one_fails("memory = -1", "out of range") &&
	     one_fails("memory = 99999999999999999999999999", "out of range");
	result(ok, "memory: 1 and 1048576 accepted, 0, 1048577, -1, huge refused");

	ok = one(&c, "memory = 256\nmaxmem = 256") &&
	     numeq("maxmem", c.maxmem, 256);
	domcfg_free(&c);
	ok = ok && fails_at("name = \"d\"\nmemory = 256\nmaxmem = 255\n", 3,
			    "maxmem (255) is less than memory (256)") &&
	     fails_at("name = \"d\"\nmaxmem = 64\n", 2, "less than memory") &&
	     one_fails("maxmem = 1048577", "out of range");
	result(ok, "maxmem: equal to memory accepted, below it refused on its line");
}

static void test_vcpus_range(void)
{
	struct domcfg c;
	bool ok;

	ok = one(&c, "vcpus = 1") && numeq("vcpus", c.vcpus, 1);
	domcfg_free(&c);
	ok = ok && one(&c, "vcpus = 128") && numeq("vcpus", c.vcpus, 128);
	domcfg_free(&c);
	ok = ok && one_fails("vcpus = 0", "out of range (1..128)") &&
	     one_fails("vcpus = 129", "out of range (1..128)");
	result(ok, "vcpus: 1 and 128 accepted, 0 and 129 refused");

	ok = one(&c, "vcpus = 4\nmaxvcpus = 128") &&
	     numeq("maxvcpus", c.maxvcpus, 128);
	domcfg_free(&c);
	ok = ok && fails_at("name = \"d\"\nmaxvcpus = 2\n\nvcpus = 3\n", 2,
			    "maxvcpus (2) is less than vcpus (3)") &&
	     one_fails("maxvcpus = 129", "out of range");
	result(ok, "maxvcpus: up to 128, below vcpus refused on its line");
}

static void test_name(void)
{
	char text[128];
	struct domcfg c;
	bool ok;

	snprintf(text, sizeof(text), "name = \"%063d\"\n", 7);
	text[8] = 'x';
	ok = parses(&c, text) && numeq("len", strlen(c.name), 63);
	domcfg_free(&c);
	snprintf(text, sizeof(text), "\nname = \"x%063d\"\n", 7);
	ok = ok && fails_at(text, 2, "1 to 63 characters") &&
	     fails_at("name = \"\"\n", 1, "1 to 63 characters") &&
	     fails_at("name = \"a b\"\n", 1, "may only contain") &&
	     fails_at("name = \"a/b\"\n", 1, "may only contain") &&
	     fails_at("name = \"42\"\n", 1, "all digits");
	ok = ok && parses(&c, "name = 'Web_01.prod-2'\n") &&
	     streq("name", c.name, "Web_01.prod-2");
	domcfg_free(&c);
	result(ok, "name: 63 characters of [A-Za-z0-9_.-] accepted, 64, empty, others refused");

	ok = fails_at("", 0, "name is required") &&
	     fails_at("# nothing\n\n", 0, "name is required") &&
	     fails_at("memory = 64\n", 0, "name is required");
	result(ok, "an empty file, or one without name, is an error");
}

static void test_type(void)
{
	static const struct { const char *kv; enum domcfg_type t; } ok_cases[] = {
		{ "type = \"pvh\"", DOMCFG_TYPE_PVH },
		{ "type = \"hvm\"", DOMCFG_TYPE_HVM },
		{ "type = \"pv\"", DOMCFG_TYPE_PV },
		{ "builder = \"hvm\"", DOMCFG_TYPE_HVM },
		{ "builder = \"generic\"", DOMCFG_TYPE_PV },
		{ "type = \"hvm\"\nbuilder = \"hvm\"", DOMCFG_TYPE_HVM },
	};
	struct domcfg c;
	bool ok = true;
	size_t i;

	for (i = 0; ok && i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		ok = one(&c, ok_cases[i].kv) &&
		     numeq(ok_cases[i].kv, c.type, ok_cases[i].t);
		domcfg_free(&c);
	}
	ok = ok && one_fails("type = \"xen\"", "type must be") &&
	     one_fails("type = \"PVH\"", "type must be") &&
	     one_fails("builder = \"linux\"", "builder must be") &&
	     fails_at("name = \"d\"\ntype = \"pvh\"\nbuilder = \"hvm\"\n", 3,
		      "builder contradicts type on line 2");
	ok = ok && one(&c, "builder = \"hvm\"") &&
	     has_warning(&c, FILE_NAME ":2: warning: builder is deprecated");
	domcfg_free(&c);
	ok = ok && streq("pvh", domcfg_type_name(DOMCFG_TYPE_PVH), "pvh") &&
	     streq("bad", domcfg_type_name((enum domcfg_type)7), NULL);
	result(ok, "type: pvh/hvm/pv; legacy builder hvm/generic, contradiction refused");
}

static void test_actions(void)
{
	static const char *const keys[] = {
		"on_poweroff", "on_reboot", "on_crash", "on_watchdog"
	};
	struct domcfg c;
	enum domcfg_action *field[4];
	char kv[64];
	bool ok = true;
	int a, k;

	for (a = 0; ok && a < DOMCFG_ACTION_NR; a++) {
		for (k = 0; ok && k < 4; k++) {
			snprintf(kv, sizeof(kv), "%s = \"%s\"", keys[k],
				 domcfg_action_name(a));
			ok = one(&c, kv);
			field[0] = &c.on_poweroff;
			field[1] = &c.on_reboot;
			field[2] = &c.on_crash;
			field[3] = &c.on_watchdog;
			ok = ok && numeq(kv, *field[k], a);
			domcfg_free(&c);
		}
	}
	ok = ok && streq("7", domcfg_action_name(DOMCFG_ACTION_SOFT_RESET),
			 "soft-reset") &&
	     streq("rename", domcfg_action_name(DOMCFG_ACTION_RENAME_RESTART),
		   "rename-restart") &&
	     streq("out of range", domcfg_action_name(DOMCFG_ACTION_NR), NULL) &&
	     one_fails("on_crash = \"reboot\"", "on_crash must be one of") &&
	     one_fails("on_reboot = \"\"", "on_reboot must be one of") &&
	     one_fails("on_poweroff = 1", "on_poweroff must be a string");
	result(ok, "on_*: all seven xl actions for all four events; others refused");
}

static void test_hypervisor(void)
{
	struct domcfg c;
	bool ok;

	ok = one(&c, "hypervisor = \"kvm\"") &&
	     numeq("kvm", c.hypervisor, DOMCFG_HYPERVISOR_KVM);
	domcfg_free(&c);
	ok = ok && one(&c, "hypervisor = \"xen\"") &&
	     numeq("xen", c.hypervisor, DOMCFG_HYPERVISOR_XEN);
	domcfg_free(&c);
	ok = ok && one(&c, "evtchn_fifo = 0") && numeq("fifo off", c.evtchn_fifo, 0);
	domcfg_free(&c);
	ok = ok && one(&c, "max_grant_frames = 32") && numeq("grant frames", c.max_grant_frames, 32);
	domcfg_free(&c);
	ok = ok && one(&c, "max_maptrack_frames = 1024") &&
	     numeq("maptrack frames", c.max_maptrack_frames, 1024) &&
	     numeq("grant frames default", c.max_grant_frames, 0);
	domcfg_free(&c);
	ok = ok && one_fails("hypervisor = \"hyperv\"", "hypervisor must be") &&
	     one_fails("evtchn_fifo = 2", "evtchn_fifo must be 0 or 1") &&
	     one_fails("evtchn_fifo = -1", "evtchn_fifo must be 0 or 1") &&
	     one_fails("max_grant_frames = 0", "max_grant_frames must be 1 to 64") &&
	     one_fails("max_grant_frames = 65", "max_grant_frames must be 1 to 64") &&
	     one_fails("max_maptrack_frames = 1025", "max_maptrack_frames must be 1 to 1024");
	result(ok, "hypervisor = xen|kvm, evtchn_fifo = 0|1, max_grant_frames and max_maptrack_frames in range; others refused");
}

static void test_cmdline(void)
{
	struct domcfg c;
	bool ok;

	ok = one(&c, "root = \"/dev/xvda\"") &&
	     streq("root", c.cmdline, "root=/dev/xvda");
	domcfg_free(&c);
	ok = ok && one(&c, "extra = \"quiet\"") &&
	     streq("extra", c.cmdline, "quiet");
	domcfg_free(&c);
	ok = ok && one(&c, "extra = \"quiet\"\nroot = \"/dev/xvda\"") &&
	     streq("both", c.cmdline, "root=/dev/xvda quiet");
	domcfg_free(&c);
	ok = ok && one(&c, "root = \"/dev/xvda\"\ncmdline = \"ro\"\nextra = \"x\"") &&
	     streq("cmdline wins", c.cmdline, "ro") &&
	     has_warning(&c, FILE_NAME ":3: warning: ignoring root and extra");
	domcfg_free(&c);
	ok = ok && one(&c, "extra = \"console=hvc0\"\nextra += \" quiet\"") &&
	     streq("+=", c.cmdline, "console=hvc0 quiet");
	domcfg_free(&c);
	result(ok, "cmdline as xl composes it: root=ROOT EXTRA; cmdline wins with a warning");
}

static void test_lists(void)
{
	struct domcfg c;
	bool ok;

	ok = one(&c, "serial = [ \"pty\", \"file:/tmp/s\" ]") &&
	     numeq("n", c.serial.n, 2) && streq("1", c.serial.v[1], "file:/tmp/s");
	domcfg_free(&c);
	ok = ok && one(&c, "vif = []\ndisk = [ 'a', ]") &&
	     numeq("vif", c.vif.n, 0) && c.vif.v == NULL &&
	     numeq("disk", c.disk.n, 1) && streq("d", c.disk.v[0], "a");
	domcfg_free(&c);
	ok = ok && one(&c, "disk = ['a']\ndisk += ['b', 'c']\nvif += ['v']") &&
	     numeq("disk", c.disk.n, 3) && streq("c", c.disk.v[2], "c") &&
	     numeq("vif", c.vif.n, 1) && numeq("warnings", c.warnings.n, 0);
	domcfg_free(&c);
	ok = ok && one_fails("vif = \"bridge=xenbr0\"", "vif must be a list of strings") &&
	     one_fails("disk = 1", "disk must be a list") &&
	     one_fails("serial = 0", "serial must be a string or a list") &&
	     one_fails("disk = [ \"a\", 1 ]", "expected a string or ']'") &&
	     one_fails("disk = [ [\"a\"] ]", "found '['") &&
	     one_fails("disk = [ , ]", "found ','") &&
	     one_fails("disk = [ \"a\" \"b\" ]", "expected ',' or ']'") &&
	     fails_at("name = \"d\"\nserial = 'pty'\nserial += ['vc']\n", 3,
		      "can't add [list] to \"string\"");
	result(ok, "serial, vif, disk: string lists, empty, trailing comma, +=, wrong forms");
}

static void test_uuid(void)
{
	struct domcfg c;
	bool ok;

	ok = one(&c, "uuid = \"00112233-4455-6677-8899-aabbccddeeff\"") &&
	     c.has_uuid && numeq("[7]", c.uuid[7], 0x77) &&
	     streq("str", c.uuid_str, "00112233-4455-6677-8899-aabbccddeeff");
	domcfg_free(&c);
	ok = ok && one_fails("uuid = \"00112233-4455-6677-8899-aabbccddeef\"", "uuid must be") &&
	     one_fails("uuid = \"00112233-4455-6677-8899-aabbccddeeff0\"", "uuid must be") &&
	     one_fails("uuid = \"0011223344556677-8899-aabbccddeeff\"", "uuid must be") &&
	     one_fails("uuid = \"0011223-44556-6677-8899-aabbccddeeff\"", "uuid must be") &&
	     one_fails("uuid = \"g0112233-4455-6677-8899-aabbccddeeff\"", "uuid must be") &&
	     one_fails("uuid = \"\"", "uuid must be");
	result(ok, "uuid: 8-4-4-4-12 hex accepted (case folded), other forms refused");
}

static void test_paths(void)
{
	struct domcfg c;
	bool ok;

	ok = one(&c, "kernel = \"/k\\\"q\\\\\"") &&
	     streq("kernel", c.kernel, "/k\"q\\");
	domcfg_free(&c);
	ok = ok && one_fails("kernel = \"\"", "kernel must not be empty") &&
	     one_fails("ramdisk = \"/a\\nb\"", "ramdisk contains a control character") &&
	     one_fails("kernel = 5", "kernel must be a string");
	result(ok, "kernel, ramdisk: non-empty paths without control characters");
}

static void test_missing_eq(void)
{
	bool ok = fails_at("name = \"d\"\n\n# c\nmemory 128\n", 4,
			   "expected '=' after 'memory', found '128'") &&
		  fails_at("name = \"d\"\nvcpus\n", 2,
			   "expected '=' after 'vcpus', found end of line") &&
		  fails_at("name = \"d\"\nmemory =\n", 2, "missing value for 'memory'") &&
		  fails_at("name = \"d\"\nmemory = ;\n", 2, "missing value") &&
		  fails_at("name = \"d\"\n= 5\n", 2, "expected a key name, found '='") &&
		  fails_at("name = \"d\"\n\"memory\" = 5\n", 2, "expected a key name, found a string");
	result(ok, "missing '=', missing value, missing key: errors name the line");
}

static void test_unterminated(void)
{
	bool ok = fails_at("name = \"d\"\nkernel = \"/boot/x\n", 2, "unterminated string") &&
		  fails_at("name = \"d\"\nkernel = '/boot/x", 2, "unterminated string") &&
		  fails_at("name = \"d\"\nkernel = \"/boot/x\\", 2, "unterminated string") &&
		  fails_at("name = \"d\"\ndisk = [ 'a',\n  'b',\n", 2,
			   "unterminated list: no ']' before end of file") &&
		  fails_at("name = \"d\"\ndisk = [ 'a',\n\nmemory = 5\n", 4,
			   "expected a string or ']' in the list opened on line 2, found 'memory'") &&
		  fails_at("name = \"d\"\ndisk = [ 'a'\nvif = []\n", 3,
			   "expected ',' or ']' in the list opened on line 2");
	result(ok, "unterminated strings and lists: errors name the right line");
}

static void test_integers(void)
{
	struct domcfg c;
	bool ok;

	ok = one(&c, "memory = 0x80\nvcpus = 0X10\nmaxmem = 0xFfF") &&
	     numeq("memory", c.memory, 128) && numeq("vcpus", c.vcpus, 16) &&
	     numeq("maxmem", c.maxmem, 4095);
	domcfg_free(&c);
	result(ok, "hex integers 0x80, 0X10, 0xFfF");

	ok = one_fails("memory = 12ab", "bad integer '12ab'") &&
	     one_fails("memory = 0x", "bad integer '0x'") &&
	     one_fails("memory = 0xg1", "bad integer") &&
	     one_fails("memory = 1.5", "bad integer '1.5'") &&
	     one_fails("memory = 010", "leading zero") &&
	     one_fails("memory = -", "bad integer") &&
	     one_fails("memory = 1e3", "bad integer");
	result(ok, "malformed integers and octal-looking ones are refused on their line");
}

static void test_wrong_type(void)
{
	bool ok = one_fails("memory = \"128\"", "memory must be an integer") &&
		  one_fails("vcpus = [ \"1\" ]", "vcpus must be an integer") &&
		  one_fails("name = 5", "name must be a string") &&
		  one_fails("type = [\"pvh\"]", "type must be a string") &&
		  one_fails("uuid = 0x1", "uuid must be a string") &&
		  one_fails("cmdline = 1", "cmdline must be a string");
	result(ok, "a value of the wrong type for a known key is refused on its line");
}

static void test_trailing(void)
{
	bool ok = one_fails("memory = 128 256", "unexpected '256' after the value of 'memory'") &&
		  one_fails("name = \"a\" \"b\"", "unexpected a string after") &&
		  one_fails("disk = [] ]", "unexpected ']'") &&
		  one_fails("memory = 128 = 5", "unexpected '='") &&
		  one_fails("memory = 128 +", "unexpected character '+'") &&
		  one_fails("memory = 128 @", "unexpected character '@'") &&
		  one_fails("memory = 128 \x01", "unexpected byte 0x01") &&
		  one_fails("name.x = 1", "unexpected character '.'");
	result(ok, "trailing garbage after a value is refused on its line");
}

static void test_duplicates(void)
{
	struct domcfg c;
	bool ok;

	ok = parses(&c, "name = \"a\"\nmemory = 256\nname = \"b\"\n\nmemory = 512\n") &&
	     streq("name", c.name, "b") && numeq("memory", c.memory, 512) &&
	     numeq("warnings", c.warnings.n, 2) &&
	     has_warning(&c, FILE_NAME ":3: warning: name is set again (first on line 1)") &&
	     has_warning(&c, FILE_NAME ":5: warning: memory is set again (first on line 2); the last setting wins") &&
	     numeq("line", c.line[DOMCFG_KEY_MEMORY], 5);
	domcfg_free(&c);
	result(ok, "duplicate keys: the last wins, each repeat is a warning with both lines");
}

static void test_quotes(void)
{
	struct domcfg c;
	bool ok;

	ok = one(&c, "cmdline = 'a \"b\" # not a comment' # a comment") &&
	     streq("single", c.cmdline, "a \"b\" # not a comment");
	domcfg_free(&c);
	ok = ok && one(&c, "cmdline = \"q\\\" s\\' b\\\\ n\\n t\\t x\\x41\"") &&
	     streq("escapes", c.cmdline, "q\" s' b\\ n\n t\t xA");
	domcfg_free(&c);
	ok = ok && one(&c, "cmdline = 'it\\'s'") && streq("\\'", c.cmdline, "it's");
	domcfg_free(&c);
	ok = ok && one_fails("cmdline = \"a\\qb\"", "invalid escape") &&
	     one_fails("cmdline = \"a\\x4\"", "invalid escape") &&
	     one_fails("cmdline = \"a\\x00\"", "invalid escape") &&
	     one_fails("cmdline = \"a\\101\"", "invalid escape");
	result(ok, "quotes and escapes: both quote kinds, \\\" \\' \\\\ \\n \\t \\xHH; others refused");
}

static void test_comments(void)
{
	struct domcfg c;
	bool ok;

	ok = parses(&c, "#!/usr/sbin/xl create\n  # indented\n\t\n"
		    "name = \"d\" # trailing\n"
		    "disk = [ # after the bracket\n 'a#b', # after an item\n"
		    "# a whole line inside the list\n]#no space\n") &&
	     numeq("disk", c.disk.n, 1) && streq("disk", c.disk.v[0], "a#b") &&
	     numeq("line", c.line[DOMCFG_KEY_NAME], 4);
	domcfg_free(&c);
	result(ok, "comments and blank lines anywhere, '#' inside strings kept");
}

static void test_key_names(void)
{
	bool ok = true;
	int k, j;

	for (k = 0; k < DOMCFG_KEY_NR; k++) {
		const char *n = domcfg_key_name(k);

		if (!n) {
			ok = diag("key %d has no name", k);
			continue;
		}
		for (j = 0; j < k; j++)
			if (!strcmp(n, domcfg_key_name(j)))
				ok = diag("key name %s twice", n);
	}
	ok = ok && domcfg_key_name(DOMCFG_KEY_NR) == NULL &&
	     streq("on_crash", domcfg_key_name(DOMCFG_KEY_ON_CRASH), "on_crash");
	result(ok, "every key has a unique name");
}

static void test_unknown_key(void)
{
	bool ok = fails_at("name = \"d\"\n\n\nbootloader = \"pygrub\"\n", 4,
			   "unknown key 'bootloader'") &&
		  fails_at("Name = \"d\"\n", 1, "unknown key 'Name'") &&
		  fails_at("name = \"d\"\nmemory_mb = 1\n", 2, "unknown key 'memory_mb'");
	result(ok, "an unknown key is an error naming the key and its line");
}

static void test_line_endings(void)
{
	struct domcfg c;
	bool ok;

	ok = parses(&c, "name = \"crlf\"\r\nmemory = 64\r\ndisk = [ 'a',\r\n 'b' ]\r\n") &&
	     streq("name", c.name, "crlf") && numeq("memory", c.memory, 64) &&
	     numeq("disk", c.disk.n, 2) && streq("disk", c.disk.v[1], "b");
	domcfg_free(&c);
	ok = ok && fails_at("name = \"d\"\r\n\r\nfoo = 1\r\n", 3, "unknown key 'foo'");
	result(ok, "CRLF line endings parse, and lines still count");

	ok = parses(&c, "name = \"d\"\nvcpus = 3") && numeq("vcpus", c.vcpus, 3);
	domcfg_free(&c);
	ok = ok && parses(&c, "name = \"d\"\ndisk = ['x']   # end") &&
	     numeq("disk", c.disk.n, 1);
	domcfg_free(&c);
	result(ok, "a file without a trailing newline parses");
}

static void test_semicolons(void)
{
	struct domcfg c;
	bool ok;

	ok = parses(&c, "name = \"d\";\nmemory = 256 ;\nvcpus = 2; maxvcpus = 4;\n;\n") &&
	     numeq("memory", c.memory, 256) && numeq("maxvcpus", c.maxvcpus, 4);
	domcfg_free(&c);
	ok = ok && fails_at("name = \"d\"; memory = 256;\nfoo = 1;\n", 2, "unknown key");
	result(ok, "';' may end a statement and separate two on one line, as in xl");
}

static void test_plus_eq(void)
{
	struct domcfg c;
	bool ok;

	ok = parses(&c, "name = \"web\"\nname += \"-01\"\nkernel += \"/k\"\n") &&
	     streq("name", c.name, "web-01") && streq("kernel", c.kernel, "/k") &&
	     numeq("warnings", c.warnings.n, 0);
	domcfg_free(&c);
	ok = ok && one_fails("memory += 5", "can't use += with the number memory") &&
	     fails_at("name = \"d\"\ntype = \"p\"\ntype += \"x\"\n", 2, "type must be");
	result(ok, "+= appends to strings and lists; not allowed on integers");
}

static void test_bounds(void)
{
	size_t big = DOMCFG_LINE_MAX + 100;
	char *text = malloc(big + 64);
	struct domcfg c;
	size_t n, i;
	bool ok;

	/* A comment line one byte too long, on line 3. */
	n = sprintf(text, "name = \"d\"\n\n# ");
	memset(text + n, 'x', DOMCFG_LINE_MAX - 1);
	strcpy(text + n + DOMCFG_LINE_MAX - 1, "\n");
	ok = fails_at(text, 3, "line longer than 8192 bytes");
	/* Exactly the limit is fine. */
	strcpy(text + n + DOMCFG_LINE_MAX - 2, "\n");
	ok = ok && parses(&c, text);
	domcfg_free(&c);
	free(text);
	result(ok, "a line longer than DOMCFG_LINE_MAX is refused with its number");

	text = malloc(DOMCFG_STR_MAX + 64);
	n = sprintf(text, "name = \"d\"\ncmdline = \"");
	memset(text + n, 'a', DOMCFG_STR_MAX);
	strcpy(text + n + DOMCFG_STR_MAX, "\"\n");
	ok = parses(&c, text) && numeq("len", strlen(c.cmdline), DOMCFG_STR_MAX);
	domcfg_free(&c);
	strcpy(text + n + DOMCFG_STR_MAX, "a\"\n");
	ok = ok && fails_at(text, 2, "string longer than 4096 bytes");
	free(text);
	ok = ok && parses(&c, "name = \"d\"\ncmdline = \"\"") &&
	     streq("empty", c.cmdline, "");
	domcfg_free(&c);
	result(ok, "strings: 4096 bytes accepted, 4097 refused, empty kept");

	text = malloc(16 * (DOMCFG_LIST_MAX + 2) + 64);
	for (i = 0; i < 2; i++) {
		unsigned int items = DOMCFG_LIST_MAX + i, j;

		n = sprintf(text, "name = \"d\"\ndisk = [\n");
		for (j = 0; j < items; j++)
			n += sprintf(text + n, "'d%u',\n", j);
		sprintf(text + n, "]\n");
		if (!i)
			ok = parses(&c, text) && numeq("n", c.disk.n, 64);
		else
			ok = ok && fails_at(text, 3 + DOMCFG_LIST_MAX,
					    "list has more than 64 items");
		domcfg_free(&c);
	}
	free(text);
	result(ok, "lists: 64 items accepted, the 65th refused on its line");

	text = malloc(DOMCFG_FILE_MAX + 2);
	memset(text, '\n', DOMCFG_FILE_MAX + 1);
	memcpy(text, "name = \"d\"", 10);
	domcfg_init(&c);
	ok = domcfg_parse(&c, text, DOMCFG_FILE_MAX + 1, FILE_NAME, err,
			  sizeof(err)) == -EINVAL &&
	     !strcmp(err, FILE_NAME ": larger than 1048576 bytes");
	domcfg_free(&c);
	ok = ok && domcfg_parse(&c, text, DOMCFG_FILE_MAX, FILE_NAME, err,
				sizeof(err)) == 0;
	domcfg_free(&c);
	free(text);
	result(ok, "a file over 1 MiB is refused, one of exactly 1 MiB is not");

	domcfg_init(&c);
	ok = domcfg_parse(&c, "name = \"a\0b\"\n", 13, FILE_NAME, err,
			  sizeof(err)) == -EINVAL &&
	     !strcmp(err, FILE_NAME ":1: NUL byte in file");
	domcfg_free(&c);
	ok = ok && fails_at("name = \"d\"\nabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij = 1\n",
			    2, "key name longer than 64");
	result(ok, "NUL bytes and overlong key names are refused");
}

static void test_err_buffer(void)
{
	const char *text = "name = \"d\"\nbogus = 1\n";
	char small[12];
	struct domcfg c;
	bool ok;

	domcfg_init(&c);
	memset(small, 'z', sizeof(small));
	ok = domcfg_parse(&c, text, strlen(text), FILE_NAME, small,
			  sizeof(small)) == -EINVAL &&
	     !strcmp(small, "t.cfg:2: un");
	domcfg_free(&c);
	ok = ok && domcfg_parse(&c, text, strlen(text), NULL, NULL, 0) == -EINVAL;
	domcfg_free(&c);
	ok = ok && domcfg_parse(&c, text, strlen(text), NULL, err,
				sizeof(err)) == -EINVAL &&
	     !strncmp(err, "<config>:2: ", 12);
	/* free twice, and the struct is back to defaults after it. */
	domcfg_free(&c);
	domcfg_free(&c);
	ok = ok && c.name == NULL && c.memory == 128;
	result(ok, "the error buffer is bounded; NULL buffer and filename are safe");
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Either success, or an error that begins with the file name. */
static bool fuzz_one(const char *buf, size_t len)
{
	struct domcfg c;
	int ret;

	domcfg_init(&c);
	err[0] = '\0';
	ret = domcfg_parse(&c, buf, len, FILE_NAME, err, sizeof(err));
	domcfg_free(&c);
	if (ret == 0)
		return true;
	if (ret != -EINVAL || strncmp(err, FILE_NAME ":", 6))
		return diag("ret %d, err '%s'", ret, err);
	return true;
}

static void test_fuzz(void)
{
	static const char alphabet[] =
		"name=\"'[],;#\n\r\\ \t+-0x1a9memoryvcpusdisk_\x01\xff";
	static const char *const atoms[] = {
		"name", "memory", "disk", "serial", "vif", "type", " = ", " += ",
		"\"d\"", "'x'", "[", "]", ",", ";", "\n", "\r\n", "#", "0x10",
		"128", "\"\\", "\\x4", "-", "\"pvh\"", "extra", "root", "uuid",
	};
	char buf[1024];
	unsigned int i, ok_count = 0, accepted = 0;
	bool ok = true;

	for (i = 0; ok && i < 4000; i++) {
		size_t len = xorshift() % 512, j;

		for (j = 0; j < len; j++)
			buf[j] = alphabet[xorshift() % (sizeof(alphabet) - 1)];
		ok = fuzz_one(buf, len);
		ok_count += ok;
	}
	for (i = 0; ok && i < 4000; i++) {
		size_t len = 0;

		while (len < sizeof(buf) - 16) {
			const char *a = atoms[xorshift() % (sizeof(atoms) / sizeof(atoms[0]))];
			size_t n = strlen(a);

			memcpy(buf + len, a, n);
			len += n;
			if (xorshift() % 24 == 0)
				break;
		}
		ok = fuzz_one(buf, len);
		accepted += ok && !err[0];
	}
	for (i = 0; ok && i < 4000; i++) {
		size_t len = sizeof(realistic) - 1, k;

		memcpy(buf, realistic, len);
		for (k = xorshift() % 4 + 1; k; k--)
			buf[xorshift() % len] = (char)xorshift();
		ok = fuzz_one(buf, xorshift() % 8 ? len : xorshift() % len);
		accepted += ok && !err[0];
	}
	printf("# fuzz: %u random, 8000 structured (%u accepted)\n", ok_count,
	       accepted);
	result(ok, "fuzz: 12000 random inputs give success or 'FILE:...' errors");
}

static void test_parse_file(void)
{
	char path[] = "/tmp/domcfg_test.XXXXXX";
	struct domcfg c;
	int fd = mkstemp(path);
	bool ok = fd >= 0;

	ok = ok && write(fd, realistic, sizeof(realistic) - 1) ==
		   (ssize_t)(sizeof(realistic) - 1);
	if (fd >= 0)
		close(fd);
	domcfg_init(&c);
	ok = ok && domcfg_parse_file(&c, path, err, sizeof(err)) == 0 &&
	     streq("name", c.name, "web-01") && numeq("disk", c.disk.n, 2) &&
	     streq("filename", c.filename, path);
	domcfg_free(&c);
	if (fd >= 0)
		unlink(path);
	result(ok, "domcfg_parse_file reads a file");

	ok = domcfg_parse_file(&c, path, err, sizeof(err)) == -ENOENT &&
	     !strncmp(err, path, strlen(path)) &&
	     strstr(err, strerror(ENOENT)) != NULL;
	if (!ok)
		diag("err '%s'", err);
	domcfg_free(&c);
	ok = ok && domcfg_parse_file(&c, "/", err, sizeof(err)) == -EISDIR &&
	     !strcmp(err, "/: Is a directory");
	domcfg_free(&c);
	result(ok, "domcfg_parse_file on a missing file or a directory names path and strerror");
}

int main(void)
{
	printf("TAP version 13\n1..40\n");
	test_realistic();	/* 1 */
	test_defaults();	/* 2 */
	test_memory_range();	/* 2 */
	test_vcpus_range();	/* 2 */
	test_name();		/* 2 */
	test_type();		/* 1 */
	test_actions();		/* 1 */
	test_hypervisor();	/* 1 */
	test_cmdline();		/* 1 */
	test_lists();		/* 1 */
	test_uuid();		/* 1 */
	test_paths();		/* 1 */
	test_missing_eq();	/* 1 */
	test_unterminated();	/* 1 */
	test_integers();	/* 2 */
	test_wrong_type();	/* 1 */
	test_trailing();	/* 1 */
	test_duplicates();	/* 1 */
	test_quotes();		/* 1 */
	test_comments();	/* 1 */
	test_key_names();	/* 1 */
	test_unknown_key();	/* 1 */
	test_line_endings();	/* 2 */
	test_semicolons();	/* 1 */
	test_plus_eq();		/* 1 */
	test_bounds();		/* 5 */
	test_err_buffer();	/* 1 */
	test_fuzz();		/* 1 */
	test_parse_file();	/* 2 */
	return failed ? 1 : 0;
}
