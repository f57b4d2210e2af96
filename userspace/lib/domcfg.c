// SPDX-License-Identifier: LGPL-2.1
/*
 * xl.cfg(5) parser. A hand-written lexer feeds a loop over statements;
 * lists are read by a loop too, so nothing recurses on the input. Each
 * assignment is checked and stored as soon as it is read, so an error
 * names the line that caused it; the checks that relate keys (maxmem
 * against memory, builder against type, the command line) run at the end.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/domino.h>

#include "domcfg.h"

enum tok_kind {
	T_EOF, T_NL, T_SEMI, T_EQ, T_PLUSEQ, T_LBRACK, T_RBRACK, T_COMMA,
	T_IDENT, T_NUM, T_STR,
};

struct token {
	enum tok_kind kind;
	unsigned int line;
	const char *text;	/* T_IDENT, T_NUM: the lexeme in the input */
	size_t len;
	char *str;		/* T_STR: decoded, NUL-terminated, owned */
};

enum vkind { V_STR, V_INT, V_LIST };

struct value {
	enum vkind kind;
	char *str;			/* V_STR, owned */
	char **items;			/* V_LIST, owned, NULL-terminated */
	unsigned int n;
	uint64_t num;			/* V_INT: magnitude... */
	bool neg;			/* ...its sign... */
	bool huge;			/* ...or too big to matter */
	char text[24];			/* V_INT: lexeme, for messages */
};

struct parser {
	struct domcfg *cfg;
	const char *p, *end;
	const char *file;
	unsigned int line;
	char *err;
	size_t errlen;
	bool eof;
	/* The string keys as written, so += can append and cmdline compose. */
	char *raw[DOMCFG_KEY_NR];
	bool serial_is_list;
	enum domcfg_type type_type, builder_type;
};

enum want { W_STR, W_INT, W_LIST, W_STR_OR_LIST };

struct keydef {
	const char *name;
	enum want want;
	/* Check a string or integer and store it in the domcfg. */
	int (*check)(struct parser *ps, enum domcfg_key k,
		     const struct value *v, unsigned int line);
};

static const char *const action_names[DOMCFG_ACTION_NR] = {
	[DOMCFG_ACTION_DESTROY] = "destroy",
	[DOMCFG_ACTION_RESTART] = "restart",
	[DOMCFG_ACTION_PRESERVE] = "preserve",
	[DOMCFG_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
	[DOMCFG_ACTION_COREDUMP_RESTART] = "coredump-restart",
	[DOMCFG_ACTION_RENAME_RESTART] = "rename-restart",
	[DOMCFG_ACTION_SOFT_RESET] = "soft-reset",
};

static const char *const type_names[] = {
	[DOMCFG_TYPE_PVH] = "pvh",
	[DOMCFG_TYPE_HVM] = "hvm",
	[DOMCFG_TYPE_PV] = "pv",
};

const char *domcfg_action_name(enum domcfg_action a)
{
	if ((unsigned int)a >= DOMCFG_ACTION_NR)
		return NULL;
	return action_names[a];
}

const char *domcfg_type_name(enum domcfg_type t)
{
	if ((unsigned int)t >= sizeof(type_names) / sizeof(type_names[0]))
		return NULL;
	return type_names[t];
}

void domcfg_init(struct domcfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->type = DOMCFG_TYPE_PVH;
	cfg->memory = 128;
	cfg->maxmem = 128;
	cfg->vcpus = 1;
	cfg->maxvcpus = 1;
	cfg->on_poweroff = DOMCFG_ACTION_DESTROY;
	cfg->on_reboot = DOMCFG_ACTION_RESTART;
	cfg->on_crash = DOMCFG_ACTION_DESTROY;
	cfg->on_watchdog = DOMCFG_ACTION_DESTROY;
	cfg->hypervisor = DOMCFG_HYPERVISOR_XEN;
	cfg->evtchn_fifo = true;
}

static void strlist_free(struct domcfg_strlist *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void domcfg_free(struct domcfg *cfg)
{
	free(cfg->filename);
	free(cfg->name);
	free(cfg->kernel);
	free(cfg->ramdisk);
	free(cfg->cmdline);
	strlist_free(&cfg->serial);
	strlist_free(&cfg->vif);
	strlist_free(&cfg->disk);
	strlist_free(&cfg->warnings);
	domcfg_init(cfg);
}

/* ---- messages ---- */

static int vfail(struct parser *ps, unsigned int line, const char *fmt,
		 va_list ap)
{
	int n;

	if (!ps->err || !ps->errlen)
		return -EINVAL;
	if (line)
		n = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->file, line);
	else
		n = snprintf(ps->err, ps->errlen, "%s: ", ps->file);
	if (n >= 0 && (size_t)n < ps->errlen)
		vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
	return -EINVAL;
}

/* Fill the error message, "FILE:LINE: ..." (line 0: "FILE: ..."). */
__attribute__((format(printf, 3, 4)))
static int fail(struct parser *ps, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(ps, line, fmt, ap);
	va_end(ap);
	return ret;
}

static int nomem(struct parser *ps)
{
	fail(ps, 0, "out of memory");
	return -ENOMEM;
}

static int strlist_push(struct domcfg_strlist *l, char *s, unsigned int max)
{
	char **v;

	if (l->n >= max)
		return -E2BIG;
	v = realloc(l->v, (l->n + 2) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[l->n++] = s;
	v[l->n] = NULL;
	l->v = v;
	return 0;
}

/* Warnings are advice: running out of room or memory just drops them. */
__attribute__((format(printf, 3, 4)))
static void warn(struct parser *ps, unsigned int line, const char *fmt, ...)
{
	char buf[512], *s;
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "%s:%u: warning: ", ps->file, line);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	s = strdup(buf);
	if (!s || strlist_push(&ps->cfg->warnings, s, DOMCFG_WARN_MAX)) {
		free(s);
		ps->cfg->warnings_dropped++;
	}
}

/* ---- lexer ---- */

/* How a token reads in a message: 'memory', a string, end of line... */
static const char *tok_desc(const struct token *t, char *buf, size_t n)
{
	static const char *const fixed[] = {
		[T_EOF] = "end of file", [T_NL] = "end of line",
		[T_SEMI] = "';'", [T_EQ] = "'='", [T_PLUSEQ] = "'+='",
		[T_LBRACK] = "'['", [T_RBRACK] = "']'", [T_COMMA] = "','",
		[T_STR] = "a string",
	};

	if (t->kind == T_IDENT || t->kind == T_NUM) {
		int len = t->len > 32 ? 32 : (int)t->len;

		snprintf(buf, n, "'%.*s%s'", len, t->text,
			 t->len > 32 ? "..." : "");
		return buf;
	}
	return fixed[t->kind];
}

static bool is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte after a backslash (ps->p is past it); -1 if not an escape. */
static int unescape(struct parser *ps, char c)
{
	static const char from[] = "\"'\\abfnrtv", to[] = "\"'\\\a\b\f\n\r\t\v";
	const char *hit = c ? strchr(from, c) : NULL;
	int hi, lo;

	if (hit)
		return to[hit - from];
	if (c != 'x' || ps->end - ps->p < 2)
		return -1;
	hi = hexval((unsigned char)ps->p[0]);
	lo = hexval((unsigned char)ps->p[1]);
	if (hi < 0 || lo < 0 || (hi | lo) == 0)
		return -1;
	ps->p += 2;
	return hi << 4 | lo;
}

/*
 * A quoted string, either quote, both with the same C-like escapes
 * (xl dequotes single-quoted strings too). Strings end on their line.
 */
static int lex_string(struct parser *ps, struct token *t)
{
	char buf[DOMCFG_STR_MAX + 1];
	char q = *ps->p++;
	size_t n = 0;

	for (;;) {
		int c;

		if (ps->p == ps->end || *ps->p == '\n')
			return fail(ps, t->line, "unterminated string");
		c = (unsigned char)*ps->p++;
		if (c == q)
			break;
		if (c == '\\') {
			if (ps->p == ps->end || *ps->p == '\n')
				return fail(ps, t->line, "unterminated string");
			c = unescape(ps, *ps->p++);
			if (c < 0)
				return fail(ps, t->line,
					    "invalid escape in string (use \\\" \\' \\\\ \\n \\t \\xHH...)");
		}
		if (n == DOMCFG_STR_MAX)
			return fail(ps, t->line,
				    "string longer than %d bytes",
				    DOMCFG_STR_MAX);
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	t->str = strdup(buf);
	if (!t->str)
		return nomem(ps);
	t->kind = T_STR;
	return 0;
}

/* Skip blanks and comments; a lone '\r' (CRLF files) is a blank. */
static void skip_blanks(struct parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == ' ' || c == '\t' || c == '\r') {
			ps->p++;
		} else if (c == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else {
			break;
		}
	}
}

static int lex_word(struct parser *ps, struct token *t)
{
	char c = *ps->p;

	t->text = ps->p;
	if (is_ident_start((unsigned char)c)) {
		while (ps->p < ps->end && is_ident((unsigned char)*ps->p))
			ps->p++;
		t->kind = T_IDENT;
	} else if (isdigit((unsigned char)c) || c == '-') {
		/* Take what could belong to it, so "12ab" is one bad number. */
		ps->p++;
		while (ps->p < ps->end && (is_ident((unsigned char)*ps->p) ||
					   *ps->p == '.' || *ps->p == '-'))
			ps->p++;
		t->kind = T_NUM;
	} else if (isprint((unsigned char)c)) {
		return fail(ps, t->line, "unexpected character '%c'", c);
	} else {
		return fail(ps, t->line, "unexpected byte 0x%02x",
			    (unsigned char)c);
	}
	t->len = ps->p - t->text;
	return 0;
}

static int next(struct parser *ps, struct token *t)
{
	static const char punct[] = ";=[],";
	static const enum tok_kind punct_kind[] = {
		T_SEMI, T_EQ, T_LBRACK, T_RBRACK, T_COMMA
	};
	const char *hit;
	char c;

	memset(t, 0, sizeof(*t));
	skip_blanks(ps);
	t->line = ps->line;
	if (ps->p == ps->end) {
		t->kind = T_EOF;
		return 0;
	}
	c = *ps->p;
	if (c == '\n') {
		ps->p++;
		ps->line++;
		t->kind = T_NL;
		return 0;
	}
	hit = strchr(punct, c);
	if (c && hit) {
		ps->p++;
		t->kind = punct_kind[hit - punct];
		return 0;
	}
	if (c == '+' && ps->end - ps->p >= 2 && ps->p[1] == '=') {
		ps->p += 2;
		t->kind = T_PLUSEQ;
		return 0;
	}
	if (c == '"' || c == '\'')
		return lex_string(ps, t);
	return lex_word(ps, t);
}

/* The next token that is not a line break. */
static int next_skip_nl(struct parser *ps, struct token *t)
{
	int ret;

	do {
		ret = next(ps, t);
	} while (!ret && t->kind == T_NL);
	return ret;
}

/* ---- values ---- */

static void value_free(struct value *v)
{
	unsigned int i;

	free(v->str);
	for (i = 0; i < v->n; i++)
		free(v->items[i]);
	free(v->items);
	memset(v, 0, sizeof(*v));
}

/*
 * Decimal or 0x hex, as xl's strtol(..., 0) reads them, except that a
 * leading zero is refused: xl would read 010 as octal 8, which nobody
 * writing "memory = 010" means.
 */
static int parse_int(struct parser *ps, const struct token *t,
		     struct value *v)
{
	const char *s = t->text, *e = t->text + t->len;
	unsigned int base = 10;
	int len = t->len > 20 ? 20 : (int)t->len;

	v->kind = V_INT;
	snprintf(v->text, sizeof(v->text), "%.*s%s", len, t->text,
		 t->len > 20 ? "..." : "");
	if (s < e && *s == '-') {
		v->neg = true;
		s++;
	}
	if (e - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (e - s > 1 && s[0] == '0') {
		return fail(ps, t->line,
			    "integer '%s' has a leading zero (xl would read it as octal)",
			    v->text);
	}
	if (s == e)
		return fail(ps, t->line, "bad integer '%s'", v->text);
	for (; s < e; s++) {
		int d = hexval((unsigned char)*s);

		if (d < 0 || (unsigned int)d >= base)
			return fail(ps, t->line, "bad integer '%s'", v->text);
		/* Saturate: anything this big is out of every range. */
		if (v->num > (UINT64_MAX >> 8))
			v->huge = true;
		else
			v->num = v->num * base + d;
	}
	return 0;
}

/* A '[' has been read: strings, commas (one may trail), ']'. */
static int parse_list(struct parser *ps, const struct token *open,
		      struct value *v)
{
	char buf[48];
	struct token t;

	v->kind = V_LIST;
	v->items = calloc(DOMCFG_LIST_MAX + 1, sizeof(*v->items));
	if (!v->items)
		return nomem(ps);
	for (;;) {
		int ret = next_skip_nl(ps, &t);
		if (ret)
			return ret;
		if (t.kind == T_RBRACK)
			return 0;
		if (t.kind == T_EOF)
			return fail(ps, open->line, "unterminated list: no ']' before end of file");
		if (t.kind != T_STR)
			return fail(ps, t.line,
				    "expected a string or ']' in the list opened on line %u, found %s",
				    open->line, tok_desc(&t, buf, sizeof(buf)));
		if (v->n == DOMCFG_LIST_MAX) {
			free(t.str);
			return fail(ps, t.line, "list has more than %d items",
				    DOMCFG_LIST_MAX);
		}
		v->items[v->n++] = t.str;
		ret = next_skip_nl(ps, &t);
		if (ret)
			return ret;
		if (t.kind == T_RBRACK)
			return 0;
		if (t.kind == T_EOF)
			return fail(ps, open->line, "unterminated list: no ']' before end of file");
		if (t.kind != T_COMMA) {
			ret = fail(ps, t.line,
				   "expected ',' or ']' in the list opened on line %u, found %s",
				   open->line, tok_desc(&t, buf, sizeof(buf)));
			free(t.str);
			return ret;
		}
	}
}

static int parse_value(struct parser *ps, const char *key, struct value *v)
{
	char buf[48];
	struct token t;
	int ret;

	ret = next(ps, &t);
	if (ret)
		return ret;
	switch (t.kind) {
	case T_STR:
		v->kind = V_STR;
		v->str = t.str;
		return 0;
	case T_NUM:
		return parse_int(ps, &t, v);
	case T_LBRACK:
		return parse_list(ps, &t, v);
	default:
		return fail(ps, t.line, "missing value for '%s', found %s",
			    key, tok_desc(&t, buf, sizeof(buf)));
	}
}

/* ---- checks of single keys ---- */

static int check_range(struct parser *ps, enum domcfg_key k,
		       const struct value *v, unsigned int line,
		       uint64_t max, uint64_t *out)
{
	if (v->neg || v->huge || v->num < 1 || v->num > max)
		return fail(ps, line, "%s = %s is out of range (1..%llu)",
			    domcfg_key_name(k), v->text,
			    (unsigned long long)max);
	*out = v->num;
	return 0;
}

static int check_mem(struct parser *ps, enum domcfg_key k,
		     const struct value *v, unsigned int line)
{
	uint64_t *out = k == DOMCFG_KEY_MEMORY ? &ps->cfg->memory
					       : &ps->cfg->maxmem;

	return check_range(ps, k, v, line, DOMCFG_MEMORY_MAX, out);
}

static int check_vcpus(struct parser *ps, enum domcfg_key k,
		       const struct value *v, unsigned int line)
{
	uint64_t n = 0;
	int ret = check_range(ps, k, v, line, DOMCFG_VCPUS_MAX, &n);

	if (ret)
		return ret;
	if (k == DOMCFG_KEY_VCPUS)
		ps->cfg->vcpus = n;
	else
		ps->cfg->maxvcpus = n;
	return 0;
}

static int check_name(struct parser *ps, enum domcfg_key k,
		      const struct value *v, unsigned int line)
{
	size_t len = strlen(v->str), i;
	bool digits = true;
	char *s;

	(void)k;
	if (len < 1 || len > DOMCFG_NAME_MAX)
		return fail(ps, line, "name must be 1 to %d characters",
			    DOMCFG_NAME_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = v->str[i];

		if (!isalnum(c) && c != '_' && c != '.' && c != '-')
			return fail(ps, line,
				    "name may only contain A-Z a-z 0-9 _ . -");
		digits &= !!isdigit(c);
	}
	/* xl and domino read an all-digit name as a domain id. */
	if (digits)
		return fail(ps, line, "name must not be all digits");
	s = strdup(v->str);
	if (!s)
		return nomem(ps);
	free(ps->cfg->name);
	ps->cfg->name = s;
	return 0;
}

static int check_type(struct parser *ps, enum domcfg_key k,
		      const struct value *v, unsigned int line)
{
	unsigned int i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (!strcmp(v->str, type_names[i])) {
			if (k == DOMCFG_KEY_TYPE)
				ps->type_type = i;
			else
				ps->builder_type = i;
			return 0;
		}
	}
	return fail(ps, line, "type must be \"pvh\", \"hvm\" or \"pv\"");
}

/* The deprecated builder: "hvm", or "generic" which meant PV. */
static int check_builder(struct parser *ps, enum domcfg_key k,
			 const struct value *v, unsigned int line)
{
	if (!strcmp(v->str, "generic")) {
		ps->builder_type = DOMCFG_TYPE_PV;
		return 0;
	}
	if (!strcmp(v->str, "hvm"))
		return check_type(ps, k, v, line);
	return fail(ps, line, "builder must be \"hvm\" or \"generic\"");
}

static int check_action(struct parser *ps, enum domcfg_key k,
			const struct value *v, unsigned int line)
{
	enum domcfg_action *out[] = {
		[DOMCFG_KEY_ON_POWEROFF] = &ps->cfg->on_poweroff,
		[DOMCFG_KEY_ON_REBOOT] = &ps->cfg->on_reboot,
		[DOMCFG_KEY_ON_CRASH] = &ps->cfg->on_crash,
		[DOMCFG_KEY_ON_WATCHDOG] = &ps->cfg->on_watchdog,
	};
	unsigned int i;

	for (i = 0; i < DOMCFG_ACTION_NR; i++) {
		if (!strcmp(v->str, action_names[i])) {
			*out[k] = i;
			return 0;
		}
	}
	return fail(ps, line,
		    "%s must be one of destroy, restart, preserve, coredump-destroy, coredump-restart, rename-restart, soft-reset",
		    domcfg_key_name(k));
}

static int check_path(struct parser *ps, enum domcfg_key k,
		      const struct value *v, unsigned int line)
{
	char **out = k == DOMCFG_KEY_KERNEL ? &ps->cfg->kernel
					    : &ps->cfg->ramdisk;
	const unsigned char *c;
	char *s;

	if (!v->str[0])
		return fail(ps, line, "%s must not be empty",
			    domcfg_key_name(k));
	/* It will be opened and printed; control bytes are never meant. */
	for (c = (const unsigned char *)v->str; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return fail(ps, line,
				    "%s contains a control character",
				    domcfg_key_name(k));
	s = strdup(v->str);
	if (!s)
		return nomem(ps);
	free(*out);
	*out = s;
	return 0;
}

static int check_uuid(struct parser *ps, enum domcfg_key k,
		      const struct value *v, unsigned int line)
{
	struct domcfg *cfg = ps->cfg;
	const char *s = v->str;
	uint8_t bytes[16] = { 0 };
	unsigned int i, b = 0;
	int d;

	(void)k;
	if (strlen(s) != 36)
		goto bad;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				goto bad;
			continue;
		}
		d = hexval((unsigned char)s[i]);
		if (d < 0)
			goto bad;
		bytes[b / 2] |= b % 2 ? d : d << 4;
		b++;
	}
	memcpy(cfg->uuid, bytes, sizeof(bytes));
	for (i = 0; i < 36; i++)
		cfg->uuid_str[i] = tolower((unsigned char)s[i]);
	cfg->uuid_str[36] = '\0';
	cfg->has_uuid = true;
	return 0;
bad:
	return fail(ps, line,
		    "uuid must be 8-4-4-4-12 hex digits, e.g. 01234567-89ab-cdef-0123-456789abcdef");
}

static int check_hypervisor(struct parser *ps, enum domcfg_key k,
			    const struct value *v, unsigned int line)
{
	(void)k;
	if (!strcmp(v->str, "xen"))
		ps->cfg->hypervisor = DOMCFG_HYPERVISOR_XEN;
	else if (!strcmp(v->str, "kvm"))
		ps->cfg->hypervisor = DOMCFG_HYPERVISOR_KVM;
	else
		return fail(ps, line, "hypervisor must be \"xen\" or \"kvm\"");
	return 0;
}

static int check_evtchn_fifo(struct parser *ps, enum domcfg_key k,
			     const struct value *v, unsigned int line)
{
	(void)k;
	if (v->neg || v->huge || v->num > 1)
		return fail(ps, line, "evtchn_fifo must be 0 or 1");
	ps->cfg->evtchn_fifo = v->num;
	return 0;
}

/*
 * xl.cfg's grant limits. Xen takes up to its own gnttab_max_frames /
 * gnttab_max_maptrack_frames; Domino's maxima are the UAPI's.
 */
static int check_grant_frames(struct parser *ps, enum domcfg_key k,
			      const struct value *v, unsigned int line)
{
	uint64_t max = k == DOMCFG_KEY_MAX_GRANT_FRAMES ? DOMINO_XEN_MAX_GRANT_FRAMES :
			DOMINO_XEN_MAX_MAPTRACK_FRAMES;

	if (v->neg || v->huge || !v->num || v->num > max)
		return fail(ps, line, "%s must be 1 to %llu",
			    k == DOMCFG_KEY_MAX_GRANT_FRAMES ? "max_grant_frames" : "max_maptrack_frames",
			    (unsigned long long)max);
	if (k == DOMCFG_KEY_MAX_GRANT_FRAMES)
		ps->cfg->max_grant_frames = v->num;
	else
		ps->cfg->max_maptrack_frames = v->num;
	return 0;
}

/* ---- the keys ---- */

static const struct keydef keys[DOMCFG_KEY_NR] = {
	[DOMCFG_KEY_NAME] = { "name", W_STR, check_name },
	[DOMCFG_KEY_TYPE] = { "type", W_STR, check_type },
	[DOMCFG_KEY_BUILDER] = { "builder", W_STR, check_builder },
	[DOMCFG_KEY_MEMORY] = { "memory", W_INT, check_mem },
	[DOMCFG_KEY_MAXMEM] = { "maxmem", W_INT, check_mem },
	[DOMCFG_KEY_VCPUS] = { "vcpus", W_INT, check_vcpus },
	[DOMCFG_KEY_MAXVCPUS] = { "maxvcpus", W_INT, check_vcpus },
	[DOMCFG_KEY_KERNEL] = { "kernel", W_STR, check_path },
	[DOMCFG_KEY_RAMDISK] = { "ramdisk", W_STR, check_path },
	[DOMCFG_KEY_CMDLINE] = { "cmdline", W_STR, NULL },
	[DOMCFG_KEY_EXTRA] = { "extra", W_STR, NULL },
	[DOMCFG_KEY_ROOT] = { "root", W_STR, NULL },
	[DOMCFG_KEY_ON_POWEROFF] = { "on_poweroff", W_STR, check_action },
	[DOMCFG_KEY_ON_REBOOT] = { "on_reboot", W_STR, check_action },
	[DOMCFG_KEY_ON_CRASH] = { "on_crash", W_STR, check_action },
	[DOMCFG_KEY_ON_WATCHDOG] = { "on_watchdog", W_STR, check_action },
	[DOMCFG_KEY_SERIAL] = { "serial", W_STR_OR_LIST, NULL },
	[DOMCFG_KEY_VIF] = { "vif", W_LIST, NULL },
	[DOMCFG_KEY_DISK] = { "disk", W_LIST, NULL },
	[DOMCFG_KEY_UUID] = { "uuid", W_STR, check_uuid },
	[DOMCFG_KEY_HYPERVISOR] = { "hypervisor", W_STR, check_hypervisor },
	[DOMCFG_KEY_EVTCHN_FIFO] = { "evtchn_fifo", W_INT, check_evtchn_fifo },
	[DOMCFG_KEY_MAX_GRANT_FRAMES] = { "max_grant_frames", W_INT, check_grant_frames },
	[DOMCFG_KEY_MAX_MAPTRACK_FRAMES] = { "max_maptrack_frames", W_INT, check_grant_frames },
};

const char *domcfg_key_name(enum domcfg_key k)
{
	if ((unsigned int)k >= DOMCFG_KEY_NR)
		return NULL;
	return keys[k].name;
}

static int find_key(const char *s, size_t len)
{
	int k;

	for (k = 0; k < DOMCFG_KEY_NR; k++)
		if (strlen(keys[k].name) == len && !memcmp(keys[k].name, s, len))
			return k;
	return -1;
}

static int check_kind(struct parser *ps, enum domcfg_key k,
		      const struct value *v, unsigned int line)
{
	static const char *const what[] = {
		[W_STR] = "a string", [W_INT] = "an integer",
		[W_LIST] = "a list of strings",
		[W_STR_OR_LIST] = "a string or a list of strings",
	};
	enum want w = keys[k].want;
	bool ok;

	if (w == W_STR_OR_LIST)
		ok = v->kind != V_INT;
	else
		ok = (int)v->kind == (int)w;
	if (ok)
		return 0;
	return fail(ps, line, "%s must be %s", keys[k].name, what[w]);
}

/* For +=: the string so far followed by the new one, bounded. */
static int concat(struct parser *ps, unsigned int line, const char *a,
		  char **b)
{
	size_t la = strlen(a), lb = strlen(*b);
	char *s;

	if (la + lb > DOMCFG_STR_MAX)
		return fail(ps, line, "string longer than %d bytes",
			    DOMCFG_STR_MAX);
	s = malloc(la + lb + 1);
	if (!s)
		return nomem(ps);
	memcpy(s, a, la);
	memcpy(s + la, *b, lb + 1);
	free(*b);
	*b = s;
	return 0;
}

/* A string key: append for +=, check, and keep the text. */
static int set_string(struct parser *ps, enum domcfg_key k, bool add,
		      struct value *v, unsigned int line)
{
	int ret;

	if (add && ps->raw[k]) {
		ret = concat(ps, line, ps->raw[k], &v->str);
		if (ret)
			return ret;
	}
	if (keys[k].check) {
		ret = keys[k].check(ps, k, v, line);
		if (ret)
			return ret;
	}
	free(ps->raw[k]);
	ps->raw[k] = v->str;
	v->str = NULL;
	return 0;
}

static struct domcfg_strlist *list_of(struct domcfg *cfg, enum domcfg_key k)
{
	if (k == DOMCFG_KEY_SERIAL)
		return &cfg->serial;
	return k == DOMCFG_KEY_VIF ? &cfg->vif : &cfg->disk;
}

/* A list key (serial may also be one string): replace or append. */
static int set_list(struct parser *ps, enum domcfg_key k, bool add,
		    struct value *v, unsigned int line)
{
	struct domcfg_strlist *l = list_of(ps->cfg, k);
	bool is_list = v->kind == V_LIST;
	unsigned int i;
	int ret;

	if (!add || !l->n) {
		strlist_free(l);
	} else if (is_list != (k != DOMCFG_KEY_SERIAL || ps->serial_is_list)) {
		/* xl's words for it. */
		return fail(ps, line,
			    "can't add [list] to \"string\" or vice versa");
	} else if (!is_list) {
		/* serial = "a" then serial += "b" is the one string "ab". */
		ret = concat(ps, line, l->v[0], &v->str);
		if (ret)
			return ret;
		free(l->v[0]);
		l->v[0] = v->str;
		v->str = NULL;
		return 0;
	}
	if (!is_list) {
		v->items = calloc(2, sizeof(*v->items));
		if (!v->items)
			return nomem(ps);
		v->items[v->n++] = v->str;
		v->str = NULL;
	}
	if (l->n + v->n > DOMCFG_LIST_MAX)
		return fail(ps, line, "list has more than %d items",
			    DOMCFG_LIST_MAX);
	for (i = 0; i < v->n; i++) {
		if (strlist_push(l, v->items[i], DOMCFG_LIST_MAX))
			return nomem(ps);
		v->items[i] = NULL;
	}
	ps->serial_is_list = is_list;
	return 0;
}

static int assign(struct parser *ps, enum domcfg_key k, bool add,
		  struct value *v, unsigned int line)
{
	struct domcfg *cfg = ps->cfg;
	int ret;

	ret = check_kind(ps, k, v, line);
	if (ret)
		return ret;
	if (add && v->kind == V_INT)
		return fail(ps, line, "can't use += with the number %s",
			    keys[k].name);
	if (!add && cfg->line[k])
		warn(ps, line, "%s is set again (first on line %u); the last setting wins",
		     keys[k].name, cfg->line[k]);
	if (keys[k].want == W_LIST || keys[k].want == W_STR_OR_LIST)
		ret = set_list(ps, k, add, v, line);
	else if (v->kind == V_INT)
		ret = keys[k].check(ps, k, v, line);
	else
		ret = set_string(ps, k, add, v, line);
	if (!ret)
		cfg->line[k] = line;
	return ret;
}

/*
 * KEY = VALUE or KEY += VALUE, then a line break, ';' or the end.
 * Blank statements are skipped. Returns 1 at the end of the input.
 */
static int parse_statement(struct parser *ps)
{
	char buf[48], key[DOMCFG_KEY_MAX + 1];
	struct value v = { 0 };
	struct token t;
	unsigned int line;
	bool add;
	int ret;

	do {
		ret = next(ps, &t);
		if (ret)
			return ret;
	} while (t.kind == T_NL || t.kind == T_SEMI);
	if (t.kind == T_EOF)
		return 1;
	if (t.kind != T_IDENT) {
		ret = fail(ps, t.line, "expected a key name, found %s",
			   tok_desc(&t, buf, sizeof(buf)));
		free(t.str);
		return ret;
	}
	line = t.line;
	if (t.len > DOMCFG_KEY_MAX)
		return fail(ps, line, "key name longer than %d characters",
			    DOMCFG_KEY_MAX);
	memcpy(key, t.text, t.len);
	key[t.len] = '\0';

	ret = next(ps, &t);
	if (ret)
		return ret;
	if (t.kind != T_EQ && t.kind != T_PLUSEQ) {
		ret = fail(ps, t.line, "expected '=' after '%s', found %s",
			   key, tok_desc(&t, buf, sizeof(buf)));
		free(t.str);
		return ret;
	}
	add = t.kind == T_PLUSEQ;

	ret = parse_value(ps, key, &v);
	if (!ret)
		ret = next(ps, &t);
	if (!ret && t.kind != T_NL && t.kind != T_SEMI && t.kind != T_EOF) {
		ret = fail(ps, t.line, "unexpected %s after the value of '%s'",
			   tok_desc(&t, buf, sizeof(buf)), key);
		free(t.str);
	}
	if (!ret) {
		int k = find_key(key, strlen(key));

		ps->eof = t.kind == T_EOF;
		if (k < 0)
			ret = fail(ps, line, "unknown key '%s'", key);
		else
			ret = assign(ps, k, add, &v, line);
	}
	value_free(&v);
	return ret;
}

/* ---- the whole file ---- */

/* Refuse NUL bytes and overlong lines before the lexer sees them. */
static int prescan(struct parser *ps)
{
	const char *p = ps->p, *bol = p;
	unsigned int line = 1;

	for (; p < ps->end; p++) {
		if (*p == '\n') {
			line++;
			bol = p + 1;
			continue;
		}
		if (*p == '\0')
			return fail(ps, line, "NUL byte in file");
		if (p - bol >= DOMCFG_LINE_MAX)
			return fail(ps, line, "line longer than %d bytes",
				    DOMCFG_LINE_MAX);
	}
	return 0;
}

/* The NULL-terminated @parts glued together, in a new string. */
static char *glue(const char *const *parts)
{
	size_t len = 0, i, n;
	char *s;

	for (i = 0; parts[i]; i++)
		len += strlen(parts[i]);
	s = malloc(len + 1);
	if (!s)
		return NULL;
	for (len = 0, i = 0; parts[i]; i++, len += n) {
		n = strlen(parts[i]);
		memcpy(s + len, parts[i], n);
	}
	s[len] = '\0';
	return s;
}

/* xl's rule: cmdline wins; else "root=ROOT EXTRA", "root=ROOT", "EXTRA". */
static int compose_cmdline(struct parser *ps)
{
	struct domcfg *cfg = ps->cfg;
	const char *root = ps->raw[DOMCFG_KEY_ROOT];
	const char *extra = ps->raw[DOMCFG_KEY_EXTRA];
	const char *cmdline = ps->raw[DOMCFG_KEY_CMDLINE];
	const char *parts[5] = { NULL };

	if (cmdline) {
		if (root || extra)
			warn(ps, cfg->line[DOMCFG_KEY_CMDLINE],
			     "ignoring root and extra in favour of cmdline (as xl does)");
		parts[0] = cmdline;
	} else if (root) {
		parts[0] = "root=";
		parts[1] = root;
		parts[2] = extra ? " " : NULL;
		parts[3] = extra;
	} else if (extra) {
		parts[0] = extra;
	} else {
		return 0;
	}
	cfg->cmdline = glue(parts);
	return cfg->cmdline ? 0 : nomem(ps);
}

static int finish(struct parser *ps)
{
	struct domcfg *cfg = ps->cfg;
	const unsigned int *line = cfg->line;

	if (!line[DOMCFG_KEY_NAME])
		return fail(ps, 0, "name is required");
	if (line[DOMCFG_KEY_TYPE])
		cfg->type = ps->type_type;
	if (line[DOMCFG_KEY_BUILDER]) {
		if (line[DOMCFG_KEY_TYPE] && ps->builder_type != cfg->type)
			return fail(ps, line[DOMCFG_KEY_BUILDER],
				    "builder contradicts type on line %u",
				    line[DOMCFG_KEY_TYPE]);
		warn(ps, line[DOMCFG_KEY_BUILDER],
		     "builder is deprecated, use type = \"%s\"",
		     type_names[ps->builder_type]);
		cfg->type = ps->builder_type;
	}
	if (!line[DOMCFG_KEY_MAXMEM])
		cfg->maxmem = cfg->memory;
	else if (cfg->maxmem < cfg->memory)
		return fail(ps, line[DOMCFG_KEY_MAXMEM],
			    "maxmem (%llu) is less than memory (%llu)",
			    (unsigned long long)cfg->maxmem,
			    (unsigned long long)cfg->memory);
	if (!line[DOMCFG_KEY_MAXVCPUS])
		cfg->maxvcpus = cfg->vcpus;
	else if (cfg->maxvcpus < cfg->vcpus)
		return fail(ps, line[DOMCFG_KEY_MAXVCPUS],
			    "maxvcpus (%u) is less than vcpus (%u)",
			    cfg->maxvcpus, cfg->vcpus);
	return compose_cmdline(ps);
}

int domcfg_parse(struct domcfg *cfg, const char *text, size_t len,
		 const char *filename, char *err, size_t errlen)
{
	struct parser ps = {
		.cfg = cfg, .p = text, .end = text + len, .line = 1,
		.file = filename ? filename : "<config>",
		.err = err, .errlen = errlen,
	};
	int ret;

	if (err && errlen)
		err[0] = '\0';
	free(cfg->filename);
	cfg->filename = strdup(ps.file);
	if (!cfg->filename)
		return nomem(&ps);
	if (len > DOMCFG_FILE_MAX)
		return fail(&ps, 0, "larger than %d bytes", DOMCFG_FILE_MAX);
	ret = prescan(&ps);
	while (!ret && !ps.eof) {
		ret = parse_statement(&ps);
		if (ret == 1) {
			ret = 0;
			break;
		}
	}
	if (!ret)
		ret = finish(&ps);
	for (unsigned int k = 0; k < DOMCFG_KEY_NR; k++)
		free(ps.raw[k]);
	return ret;
}

/* The whole file, bounded, into a buffer the caller frees. */
static int read_bounded(int fd, char **buf, size_t *len)
{
	size_t cap = DOMCFG_FILE_MAX + 1, n = 0;
	char *b = malloc(cap);

	if (!b)
		return -ENOMEM;
	while (n < cap) {
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(b);
			return r;
		}
		if (r == 0)
			break;
		n += r;
	}
	*buf = b;
	*len = n;
	return 0;
}

int domcfg_parse_file(struct domcfg *cfg, const char *path, char *err,
		      size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		ret = read_bounded(fd, &buf, &len);
		close(fd);
	}
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = domcfg_parse(cfg, buf, len, path, err, errlen);
	free(buf);
	return ret;
}
