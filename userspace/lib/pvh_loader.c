// SPDX-License-Identifier: LGPL-2.1
/*
 * PVH loader, kernel-image side (see pvh_loader.h). Sources of the rules:
 *  - bzImage header: Linux Documentation/x86/boot.rst, "The real-mode
 *    kernel header" and "Details of header fields" (payload_offset and
 *    payload_length, protocol 2.08+);
 *  - payload framing: the kernel's arch/x86/boot/compressed/Makefile
 *    compresses vmlinux.bin (an ELF, maybe followed by relocations) and
 *    appends its size as a little-endian u32 ("size_append");
 *  - ELF: System V gABI, ELF-64 object file format;
 *  - PHYS32 entry note and boot structures: xen.git
 *    xen/include/public/elfnote.h and arch-x86/hvm/start_info.h.
 * Every offset and size read from an input is bounded before use, and all
 * of pvh_load()'s checks run before it writes guest RAM.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "pvh_loader.h"

/* The start_info.h layout is guest ABI: pin every field. */
_Static_assert(offsetof(struct hvm_start_info, nr_modules) == 12, "abi");
_Static_assert(offsetof(struct hvm_start_info, modlist_paddr) == 16, "abi");
_Static_assert(offsetof(struct hvm_start_info, cmdline_paddr) == 24, "abi");
_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "abi");
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "abi");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 48, "abi");
_Static_assert(sizeof(struct hvm_start_info) == 56, "abi");
_Static_assert(offsetof(struct hvm_modlist_entry, cmdline_paddr) == 16, "abi");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "abi");
_Static_assert(offsetof(struct hvm_memmap_table_entry, type) == 16, "abi");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "abi");
/* ELF fields and guest structures are little-endian; we copy them raw. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "x86 host only");

/* xen/include/public/elfnote.h */
#define XEN_ELFNOTE_PHYS32_ENTRY	18

/* Documentation/x86/boot.rst: real-mode header offsets. */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_BOOT_FLAG		0x1fe
#define BZ_HEADER		0x202
#define BZ_VERSION		0x206
#define BZ_PAYLOAD_OFFSET	0x248
#define BZ_PAYLOAD_LENGTH	0x24c
#define BZ_HDR_END		0x250
#define BZ_MIN_VERSION		0x0208	/* first with payload_offset */

/* lz4 "legacy" frame (lz4 -l), which the kernel uses. */
#define LZ4_LEGACY_MAGIC	0x184c2102u
#define LZ4_LEGACY_BLOCK	(8u << 20)	/* max decompressed block */

#define XZ_MEMLIMIT		(128u << 20)
#define PAGE_SZ			4096ull

static int __attribute__((format(printf, 4, 5)))
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static uint16_t get_le16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* [base, base + size) neither wraps nor ends above @limit. */
static bool fits(uint64_t base, uint64_t size, uint64_t limit)
{
	return base <= limit && size <= limit - base;
}

/* Both ranges are non-empty and share a byte; neither may wrap. */
static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* ---- Decompression into a growing buffer bounded by a cap ---- */

struct outbuf {
	uint8_t *buf;
	size_t len;
	size_t alloc;
	size_t max;	/* output above this is a decompression bomb */
};

/*
 * Room for @need more bytes. Allocation stops @need past the cap: a
 * decoder that fills it has proven the output exceeds the cap.
 */
static int outbuf_reserve(struct outbuf *o, size_t need)
{
	size_t limit = o->max + need;
	size_t want;
	uint8_t *p;

	if (o->alloc - o->len >= need)
		return 0;
	want = o->alloc > (1u << 20) ? o->alloc : (1u << 20);
	while (want - o->len < need && want < limit)
		want *= 2;
	if (want > limit)
		want = limit;
	p = realloc(o->buf, want);
	if (!p)
		return -ENOMEM;
	o->buf = p;
	o->alloc = want;
	return 0;
}

static int outbuf_check(const struct outbuf *o, const char *what, char *err,
			size_t errlen)
{
	if (o->len > o->max)
		return fail(err, errlen, -E2BIG,
			    "%s: decompressed size exceeds the %zu-byte cap",
			    what, o->max);
	return 0;
}

static int unpack_gzip(const uint8_t *in, size_t len, struct outbuf *o,
		       char *err, size_t errlen)
{
	int zr = Z_OK, rc;
	z_stream s;

	memset(&s, 0, sizeof(s));
	if (len > UINT_MAX)
		return fail(err, errlen, -EINVAL, "gzip: payload too large");
	/* 16 + MAX_WBITS: gzip wrapper only (zlib manual, inflateInit2). */
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return fail(err, errlen, -ENOMEM, "gzip: inflateInit2 failed");
	s.next_in = (Bytef *)in;
	s.avail_in = len;
	do {
		rc = outbuf_reserve(o, 1);
		if (rc)
			break;
		s.next_out = o->buf + o->len;
		s.avail_out = o->alloc - o->len > UINT_MAX ?
			      UINT_MAX : o->alloc - o->len;
		zr = inflate(&s, Z_NO_FLUSH);
		o->len = s.next_out - o->buf;
		rc = outbuf_check(o, "gzip", err, errlen);
	} while (!rc && zr == Z_OK);
	inflateEnd(&s);
	if (rc)
		return rc == -ENOMEM ? fail(err, errlen, rc, "gzip: out of memory") : rc;
	/* Z_BUF_ERROR with output room left: the input ran out. */
	if (zr != Z_STREAM_END)
		return fail(err, errlen, -EINVAL, "gzip: %s",
			    zr == Z_BUF_ERROR ? "truncated stream" :
			    s.msg ? s.msg : "corrupt stream");
	return 0;
}

/* xz (.xz container) or the legacy .lzma "alone" format. */
static int unpack_xz_common(const uint8_t *in, size_t len, struct outbuf *o,
			    bool alone, char *err, size_t errlen)
{
	const char *what = alone ? "lzma" : "xz";
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret lr;
	int rc;

	lr = alone ? lzma_alone_decoder(&s, XZ_MEMLIMIT) :
		     lzma_stream_decoder(&s, XZ_MEMLIMIT, 0);
	if (lr != LZMA_OK)
		return fail(err, errlen, -ENOMEM, "%s: decoder init failed", what);
	s.next_in = in;
	s.avail_in = len;
	do {
		rc = outbuf_reserve(o, 1);
		if (rc)
			break;
		s.next_out = o->buf + o->len;
		s.avail_out = o->alloc - o->len;
		/* All input is present: LZMA_FINISH, trailing bytes ignored. */
		lr = lzma_code(&s, LZMA_FINISH);
		o->len = s.next_out - o->buf;
		rc = outbuf_check(o, what, err, errlen);
	} while (!rc && lr == LZMA_OK);
	lzma_end(&s);
	if (rc)
		return rc == -ENOMEM ? fail(err, errlen, rc, "%s: out of memory", what) : rc;
	if (lr != LZMA_STREAM_END)
		return fail(err, errlen, -EINVAL, "%s: %s (lzma_ret %d)", what,
			    lr == LZMA_BUF_ERROR ? "truncated stream" :
			    "corrupt stream", (int)lr);
	return 0;
}

static int unpack_xz(const uint8_t *in, size_t len, struct outbuf *o,
		     char *err, size_t errlen)
{
	return unpack_xz_common(in, len, o, false, err, errlen);
}

static int unpack_lzma(const uint8_t *in, size_t len, struct outbuf *o,
		       char *err, size_t errlen)
{
	return unpack_xz_common(in, len, o, true, err, errlen);
}

/* One zstd frame; the size_append trailer after it is ignored. */
static int unpack_zstd(const uint8_t *in, size_t len, struct outbuf *o,
		       char *err, size_t errlen)
{
	ZSTD_inBuffer ib = { in, len, 0 };
	ZSTD_DCtx *d = ZSTD_createDCtx();
	size_t zr = 1;
	int rc = 0;

	if (!d)
		return fail(err, errlen, -ENOMEM, "zstd: out of memory");
	while (zr) {
		ZSTD_outBuffer ob;
		size_t in_before, out_before;

		rc = outbuf_reserve(o, 1);
		if (rc) {
			rc = fail(err, errlen, rc, "zstd: out of memory");
			break;
		}
		ob.dst = o->buf;
		ob.size = o->alloc;
		ob.pos = o->len;
		in_before = ib.pos;
		out_before = ob.pos;
		zr = ZSTD_decompressStream(d, &ob, &ib);
		o->len = ob.pos;
		if (ZSTD_isError(zr)) {
			rc = fail(err, errlen, -EINVAL, "zstd: %s",
				  ZSTD_getErrorName(zr));
			break;
		}
		rc = outbuf_check(o, "zstd", err, errlen);
		if (rc)
			break;
		/* Frame unfinished, yet no progress with output room left. */
		if (zr && ib.pos == in_before && ob.pos == out_before) {
			rc = fail(err, errlen, -EINVAL, "zstd: truncated stream");
			break;
		}
	}
	ZSTD_freeDCtx(d);
	return rc;
}

/*
 * lz4 legacy frame: LE32 magic, then blocks each prefixed by its LE32
 * compressed size and decompressing to at most 8 MiB; a repeated magic
 * starts a concatenated frame. The last 4 bytes of a kernel payload are
 * its size_append trailer, which no block can be (a block is >= 5 bytes).
 */
static int unpack_lz4(const uint8_t *in, size_t len, struct outbuf *o,
		      char *err, size_t errlen)
{
	size_t pos = 4;
	int n, rc;

	while (len - pos >= 4) {
		uint32_t csize = get_le32(in + pos);

		if (csize == LZ4_LEGACY_MAGIC) {
			pos += 4;
			continue;
		}
		if (len - pos == 4)
			break;
		pos += 4;
		if (!csize || csize > len - pos ||
		    csize > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK))
			return fail(err, errlen, -EINVAL,
				    "lz4: block of %u bytes at %zu overruns the payload",
				    csize, pos - 4);
		rc = outbuf_reserve(o, LZ4_LEGACY_BLOCK);
		if (rc)
			return fail(err, errlen, rc, "lz4: out of memory");
		n = LZ4_decompress_safe((const char *)in + pos,
					(char *)o->buf + o->len, csize,
					LZ4_LEGACY_BLOCK);
		if (n < 0)
			return fail(err, errlen, -EINVAL,
				    "lz4: corrupt block at %zu", pos - 4);
		o->len += n;
		rc = outbuf_check(o, "lz4", err, errlen);
		if (rc)
			return rc;
		pos += csize;
	}
	return 0;
}

typedef int (*unpack_fn)(const uint8_t *in, size_t len, struct outbuf *o,
			 char *err, size_t errlen);

/* Magic numbers as in the kernel's lib/decompress.c table. */
static const struct compressor {
	const char *name;
	uint8_t magic[6];
	uint8_t magic_len;
	unpack_fn unpack;	/* NULL: recognised, not supported */
} compressors[] = {
	{ "gzip",  { 0x1f, 0x8b }, 2, unpack_gzip },
	{ "xz",    { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 }, 6, unpack_xz },
	{ "lzma",  { 0x5d, 0x00, 0x00 }, 3, unpack_lzma },
	{ "lz4",   { 0x02, 0x21, 0x4c, 0x18 }, 4, unpack_lz4 },
	{ "zstd",  { 0x28, 0xb5, 0x2f, 0xfd }, 4, unpack_zstd },
	{ "bzip2", { 0x42, 0x5a, 0x68 }, 3, NULL },
	{ "lzo",   { 0x89, 0x4c, 0x5a }, 3, NULL },
};

static const struct compressor *find_compressor(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(compressors) / sizeof(compressors[0]); i++) {
		const struct compressor *c = &compressors[i];

		if (len >= c->magic_len && !memcmp(p, c->magic, c->magic_len))
			return c;
	}
	return NULL;
}

/* ---- bzImage ---- */

static bool is_elf(const uint8_t *img, size_t len)
{
	return len >= SELFMAG && !memcmp(img, ELFMAG, SELFMAG);
}

static bool is_bzimage(const uint8_t *img, size_t len)
{
	return len >= BZ_HDR_END && !memcmp(img + BZ_HEADER, "HdrS", 4);
}

/* boot.rst: payload_offset counts from the protected-mode code. */
static int bzimage_payload(const uint8_t *img, size_t len,
			   const uint8_t **payload, size_t *plen,
			   char *err, size_t errlen)
{
	uint16_t version = get_le16(img + BZ_VERSION);
	uint64_t setup_sects = img[BZ_SETUP_SECTS];
	uint64_t off = get_le32(img + BZ_PAYLOAD_OFFSET);
	uint64_t size = get_le32(img + BZ_PAYLOAD_LENGTH);

	if (get_le16(img + BZ_BOOT_FLAG) != 0xaa55)
		return fail(err, errlen, -ENOEXEC, "bzImage: bad boot_flag");
	if (version < BZ_MIN_VERSION)
		return fail(err, errlen, -ENOEXEC,
			    "bzImage: boot protocol %u.%02u has no payload fields (need 2.08)",
			    version >> 8, version & 0xff);
	/* boot.rst: "If this field is 0, the real value is 4." */
	if (!setup_sects)
		setup_sects = 4;
	off += (setup_sects + 1) * 512;
	if (!size || !fits(off, size, len))
		return fail(err, errlen, -ENOEXEC,
			    "bzImage: payload [%#llx, +%#llx) outside the %zu-byte file",
			    (unsigned long long)off, (unsigned long long)size, len);
	*payload = img + off;
	*plen = size;
	return 0;
}

const char *pvh_bzimage_compressor(const uint8_t *img, size_t len)
{
	const struct compressor *c;
	const uint8_t *p;
	size_t plen;

	if (!is_bzimage(img, len) || bzimage_payload(img, len, &p, &plen, NULL, 0))
		return NULL;
	c = find_compressor(p, plen);
	return c ? c->name : NULL;
}

/* The size_append trailer, used only to size the first allocation. */
static size_t size_hint(const uint8_t *p, size_t len, size_t max)
{
	size_t hint = len >= 4 ? get_le32(p + len - 4) : 0;

	return hint && hint <= max ? hint : 0;
}

static int bzimage_unpack(const uint8_t *img, size_t len, size_t max_out,
			  uint8_t **elf, size_t *elf_len, char *err,
			  size_t errlen)
{
	const struct compressor *c;
	struct outbuf o = { .max = max_out };
	const uint8_t *p;
	size_t plen, hint;
	int rc;

	rc = bzimage_payload(img, len, &p, &plen, err, errlen);
	if (rc)
		return rc;
	c = find_compressor(p, plen);
	if (!c)
		return fail(err, errlen, -ENOEXEC,
			    "bzImage: unknown payload compression (%02x %02x %02x %02x)",
			    p[0], plen > 1 ? p[1] : 0, plen > 2 ? p[2] : 0,
			    plen > 3 ? p[3] : 0);
	if (!c->unpack)
		return fail(err, errlen, -ENOTSUP,
			    "bzImage: %s payloads are not supported", c->name);
	hint = size_hint(p, plen, max_out);
	rc = hint ? outbuf_reserve(&o, hint) : 0;
	if (!rc)
		rc = c->unpack(p, plen, &o, err, errlen);
	else
		rc = fail(err, errlen, rc, "%s: out of memory", c->name);
	if (!rc && !is_elf(o.buf, o.len))
		rc = fail(err, errlen, -ENOEXEC,
			  "bzImage: %s payload is not an ELF vmlinux", c->name);
	if (rc) {
		free(o.buf);
		return rc;
	}
	*elf = o.buf;
	*elf_len = o.len;
	return 0;
}

int pvh_image_to_elf_capped(const uint8_t *img, size_t len, size_t max_out,
			    uint8_t **elf, size_t *elf_len, char *err,
			    size_t errlen)
{
	/* Bounded so that outbuf_reserve()'s cap + 8 MiB cannot wrap. */
	if (!img || !elf || !elf_len || !max_out || max_out > SIZE_MAX / 4)
		return fail(err, errlen, -EINVAL, "bad arguments");
	*elf = NULL;
	*elf_len = 0;
	if (is_elf(img, len)) {
		if (len > max_out)
			return fail(err, errlen, -E2BIG,
				    "ELF of %zu bytes exceeds the %zu-byte cap",
				    len, max_out);
		*elf = malloc(len);
		if (!*elf)
			return fail(err, errlen, -ENOMEM, "out of memory");
		memcpy(*elf, img, len);
		*elf_len = len;
		return 0;
	}
	if (is_bzimage(img, len))
		return bzimage_unpack(img, len, max_out, elf, elf_len, err,
				      errlen);
	return fail(err, errlen, -ENOEXEC,
		    "neither an ELF vmlinux nor a bzImage (no \"HdrS\" at 0x202)");
}

int pvh_image_to_elf(const uint8_t *img, size_t len, uint8_t **elf,
		     size_t *elf_len, char *err, size_t errlen)
{
	return pvh_image_to_elf_capped(img, len, PVH_MAX_ELF_SIZE, elf, elf_len,
				       err, errlen);
}

/* ---- ELF ---- */

struct elf_image {
	const uint8_t *buf;
	size_t len;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[PVH_MAX_PHDRS];
	unsigned int phnum;
	uint32_t entry;
};

static int elf_check_ident(const Elf64_Ehdr *eh, char *err, size_t errlen)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return fail(err, errlen, -ENOEXEC, "ELF: bad magic");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 && eh->e_ident[EI_CLASS] != ELFCLASS32)
		return fail(err, errlen, -ENOEXEC, "ELF: class %u is neither ELFCLASS32 nor ELFCLASS64",
			    eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, -ENOEXEC, "ELF: not little-endian");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return fail(err, errlen, -ENOEXEC, "ELF: bad version");
	return 0;
}

/*
 * An ELF32 image (small PVH kernels and unikernels, which Xen's loader
 * takes too): its header and program headers widened to the ELF64 forms
 * the rest of the loader reads. The 32-bit fields cannot wrap when
 * added in 64 bits, so every later check holds as for ELF64.
 */
static int elf32_widen(struct elf_image *e, char *err, size_t errlen)
{
	Elf32_Ehdr eh32;
	Elf32_Phdr ph32;
	unsigned int i;

	if (e->len < sizeof(eh32))
		return fail(err, errlen, -ENOEXEC,
			    "ELF: %zu bytes, shorter than its header", e->len);
	memcpy(&eh32, e->buf, sizeof(eh32));
	if (eh32.e_machine != EM_386)
		return fail(err, errlen, -ENOEXEC,
			    "ELF: ELFCLASS32 with e_machine %u, not EM_386", eh32.e_machine);
	if (eh32.e_ehsize != sizeof(Elf32_Ehdr) || eh32.e_phentsize != sizeof(Elf32_Phdr))
		return fail(err, errlen, -ENOEXEC,
			    "ELF: e_ehsize %u / e_phentsize %u are not ELF32's",
			    eh32.e_ehsize, eh32.e_phentsize);
	if (!eh32.e_phnum || eh32.e_phnum > PVH_MAX_PHDRS)
		return fail(err, errlen, -ENOEXEC, "ELF: e_phnum %u not in 1..%u",
			    eh32.e_phnum, PVH_MAX_PHDRS);
	if (!fits(eh32.e_phoff, (uint64_t)eh32.e_phnum * sizeof(Elf32_Phdr), e->len))
		return fail(err, errlen, -ENOEXEC,
			    "ELF: program headers at %#x beyond the %zu-byte file",
			    eh32.e_phoff, e->len);
	memset(&e->eh, 0, sizeof(e->eh));
	memcpy(e->eh.e_ident, eh32.e_ident, EI_NIDENT);
	e->eh.e_type = eh32.e_type;
	e->eh.e_machine = eh32.e_machine;
	e->eh.e_version = eh32.e_version;
	e->eh.e_entry = eh32.e_entry;
	e->eh.e_phoff = eh32.e_phoff;
	e->eh.e_phnum = eh32.e_phnum;
	e->phnum = eh32.e_phnum;
	for (i = 0; i < e->phnum; i++) {
		memcpy(&ph32, e->buf + eh32.e_phoff + i * sizeof(ph32), sizeof(ph32));
		e->ph[i] = (Elf64_Phdr){
			.p_type = ph32.p_type, .p_flags = ph32.p_flags,
			.p_offset = ph32.p_offset, .p_vaddr = ph32.p_vaddr,
			.p_paddr = ph32.p_paddr, .p_filesz = ph32.p_filesz,
			.p_memsz = ph32.p_memsz, .p_align = ph32.p_align,
		};
	}
	return 0;
}

static int elf_check_ehdr(struct elf_image *e, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = &e->eh;
	int rc;

	/* Both classes start with the same identification and type fields. */
	if (e->len < sizeof(Elf32_Ehdr))
		return fail(err, errlen, -ENOEXEC,
			    "ELF: %zu bytes, shorter than its header", e->len);
	memcpy(&e->eh, e->buf, sizeof(Elf32_Ehdr));
	rc = elf_check_ident(eh, err, errlen);
	if (rc)
		return rc;
	/* PVH loads at physical addresses: a fixed-address executable. */
	if (eh->e_type != ET_EXEC)
		return fail(err, errlen, -ENOEXEC, "ELF: e_type %u is not ET_EXEC",
			    eh->e_type);
	if (eh->e_ident[EI_CLASS] == ELFCLASS32)
		return elf32_widen(e, err, errlen);
	if (e->len < sizeof(*eh))
		return fail(err, errlen, -ENOEXEC,
			    "ELF: %zu bytes, shorter than its header", e->len);
	memcpy(&e->eh, e->buf, sizeof(e->eh));
	if (eh->e_machine != EM_X86_64)
		return fail(err, errlen, -ENOEXEC,
			    "ELF: e_machine %u is not EM_X86_64", eh->e_machine);
	if (eh->e_ehsize != sizeof(Elf64_Ehdr) ||
	    eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(err, errlen, -ENOEXEC,
			    "ELF: e_ehsize %u / e_phentsize %u are not ELF64's",
			    eh->e_ehsize, eh->e_phentsize);
	/* PN_XNUM (0xffff) would move the count to section 0: refused too. */
	if (!eh->e_phnum || eh->e_phnum > PVH_MAX_PHDRS)
		return fail(err, errlen, -ENOEXEC, "ELF: e_phnum %u not in 1..%u",
			    eh->e_phnum, PVH_MAX_PHDRS);
	if (!fits(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr),
		  e->len))
		return fail(err, errlen, -ENOEXEC,
			    "ELF: program headers at %#llx beyond the %zu-byte file",
			    (unsigned long long)eh->e_phoff, e->len);
	e->phnum = eh->e_phnum;
	memcpy(e->ph, e->buf + eh->e_phoff, e->phnum * sizeof(Elf64_Phdr));
	return 0;
}

static int elf_check_phdr(const struct elf_image *e, unsigned int i,
			  char *err, size_t errlen)
{
	const Elf64_Phdr *ph = &e->ph[i];

	if (ph->p_type != PT_LOAD && ph->p_type != PT_NOTE)
		return 0;
	if (!fits(ph->p_offset, ph->p_filesz, e->len))
		return fail(err, errlen, -ENOEXEC,
			    "ELF: phdr %u file range [%#llx, +%#llx) beyond the %zu-byte file",
			    i, (unsigned long long)ph->p_offset,
			    (unsigned long long)ph->p_filesz, e->len);
	if (ph->p_type != PT_LOAD)
		return 0;
	if (ph->p_filesz > ph->p_memsz)
		return fail(err, errlen, -ENOEXEC,
			    "ELF: phdr %u p_filesz %#llx > p_memsz %#llx", i,
			    (unsigned long long)ph->p_filesz,
			    (unsigned long long)ph->p_memsz);
	if (!fits(ph->p_paddr, ph->p_memsz, UINT64_MAX))
		return fail(err, errlen, -ENOEXEC,
			    "ELF: phdr %u p_paddr + p_memsz wraps", i);
	return 0;
}

/* A 32-bit entry in 4 bytes, or in 8 as Xen's elf_note_numeric() allows. */
static int xen_phys32_desc(const uint8_t *desc, uint32_t descsz,
			   uint32_t *entry, char *err, size_t errlen)
{
	uint64_t v = 0;

	if (descsz != 4 && descsz != 8)
		return fail(err, errlen, -ENOEXEC,
			    "ELF: XEN_ELFNOTE_PHYS32_ENTRY descsz %u is not 4",
			    descsz);
	memcpy(&v, desc, descsz);
	if (v > UINT32_MAX)
		return fail(err, errlen, -ENOEXEC,
			    "ELF: PHYS32 entry %#llx above 4 GiB",
			    (unsigned long long)v);
	*entry = v;
	return 0;
}

/*
 * Walk one PT_NOTE segment (gABI "Note Section": namesz, descsz, type,
 * then name and desc each padded to the segment's 4- or 8-byte alignment).
 */
static int elf_scan_notes(struct elf_image *e, const Elf64_Phdr *ph,
			  bool *found, char *err, size_t errlen)
{
	const uint8_t *p = e->buf + ph->p_offset;
	uint64_t size = ph->p_filesz, off = 0, a = ph->p_align == 8 ? 8 : 4;
	Elf64_Nhdr nh;
	int rc;

	while (size - off >= sizeof(nh)) {
		uint64_t name_sz, desc_sz;

		memcpy(&nh, p + off, sizeof(nh));
		off += sizeof(nh);
		name_sz = align_up(nh.n_namesz, a);
		desc_sz = align_up(nh.n_descsz, a);
		if (name_sz > size - off || desc_sz > size - off - name_sz)
			return fail(err, errlen, -ENOEXEC,
				    "ELF: note namesz %u / descsz %u overrun the PT_NOTE segment",
				    nh.n_namesz, nh.n_descsz);
		if (!*found && nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY &&
		    nh.n_namesz == 4 && !memcmp(p + off, "Xen", 4)) {
			rc = xen_phys32_desc(p + off + name_sz, nh.n_descsz,
					     &e->entry, err, errlen);
			if (rc)
				return rc;
			*found = true;
		}
		off += name_sz + desc_sz;
	}
	return 0;
}

static int elf_parse(const uint8_t *buf, size_t len, struct elf_image *e,
		     char *err, size_t errlen)
{
	bool found = false, loadable = false;
	unsigned int i;
	int rc;

	if (!buf)
		return fail(err, errlen, -EINVAL, "no ELF");
	memset(e, 0, sizeof(*e));
	e->buf = buf;
	e->len = len;
	rc = elf_check_ehdr(e, err, errlen);
	for (i = 0; !rc && i < e->phnum; i++)
		rc = elf_check_phdr(e, i, err, errlen);
	for (i = 0; !rc && i < e->phnum; i++) {
		if (e->ph[i].p_type == PT_NOTE)
			rc = elf_scan_notes(e, &e->ph[i], &found, err, errlen);
		loadable |= e->ph[i].p_type == PT_LOAD && e->ph[i].p_memsz;
	}
	if (rc)
		return rc;
	if (!loadable)
		return fail(err, errlen, -ENOEXEC, "ELF: no PT_LOAD segment");
	if (!found)
		return fail(err, errlen, -ENOEXEC,
			    "ELF: no XEN_ELFNOTE_PHYS32_ENTRY note (kernel without CONFIG_PVH?)");
	return 0;
}

int pvh_elf_entry(const uint8_t *elf, size_t len, uint32_t *entry,
		  char *err, size_t errlen)
{
	struct elf_image e;
	int rc = elf_parse(elf, len, &e, err, errlen);

	if (!rc)
		*entry = e.entry;
	return rc;
}

/* ---- Guest layout ---- */

/* Everything pvh_load() decided before writing RAM. */
struct plan {
	uint64_t ram_size;
	uint64_t kernel_start, kernel_end;
	uint64_t initrd_paddr, initrd_len;
	uint64_t modlist_off, memmap_off, cmdline_off, used;
	size_t cmdline_len;
	struct hvm_memmap_table_entry memmap[PVH_MAX_MEMMAP];
	unsigned int nr_memmap;
};

static int check_layout(const struct pvh_layout *l, uint64_t ram_size,
			char *err, size_t errlen)
{
	unsigned int i;

	if (!ram_size)
		return fail(err, errlen, -EINVAL, "layout: no guest RAM");
	if (l->nr_reserved > PVH_MAX_RESERVED)
		return fail(err, errlen, -EINVAL, "layout: %u reserved ranges, max %u",
			    l->nr_reserved, PVH_MAX_RESERVED);
	if (!fits(l->low.base, l->low.size, UINT64_MAX))
		return fail(err, errlen, -EINVAL, "layout: low area wraps");
	for (i = 0; i < l->nr_reserved; i++)
		if (!fits(l->reserved[i].base, l->reserved[i].size, UINT64_MAX))
			return fail(err, errlen, -EINVAL,
				    "layout: reserved range %u wraps", i);
	return 0;
}

/* @what lies in RAM and clear of every range the caller reserved. */
static int check_free(const struct pvh_layout *l, uint64_t ram_size,
		      uint64_t base, uint64_t size, const char *what,
		      char *err, size_t errlen)
{
	unsigned int i;

	if (!fits(base, size, ram_size))
		return fail(err, errlen, -ENOSPC,
			    "%s [%#llx, +%#llx) is outside guest RAM (%#llx bytes)",
			    what, (unsigned long long)base,
			    (unsigned long long)size,
			    (unsigned long long)ram_size);
	if (overlaps(base, size, l->low.base, l->low.size))
		return fail(err, errlen, -EBUSY,
			    "%s [%#llx, +%#llx) overlaps the reserved low area",
			    what, (unsigned long long)base,
			    (unsigned long long)size);
	for (i = 0; i < l->nr_reserved; i++)
		if (overlaps(base, size, l->reserved[i].base,
			     l->reserved[i].size))
			return fail(err, errlen, -EBUSY,
				    "%s [%#llx, +%#llx) overlaps reserved range %u",
				    what, (unsigned long long)base,
				    (unsigned long long)size, i);
	return 0;
}

/* @base/@size clashes with no PT_LOAD segment other than @skip. */
static int check_clear_of_kernel(const struct elf_image *e, int skip,
				 uint64_t base, uint64_t size,
				 const char *what, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *ph = &e->ph[i];

		if ((int)i == skip || ph->p_type != PT_LOAD)
			continue;
		if (overlaps(base, size, ph->p_paddr, ph->p_memsz))
			return fail(err, errlen, -EBUSY,
				    "%s overlaps kernel segment %u", what, i);
	}
	return 0;
}

static int plan_kernel(const struct elf_image *e, const struct pvh_layout *l,
		       struct plan *p, char *err, size_t errlen)
{
	bool entry_ok = false;
	unsigned int i;
	char what[32];
	int rc;

	p->kernel_start = UINT64_MAX;
	for (i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *ph = &e->ph[i];

		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		snprintf(what, sizeof(what), "kernel segment %u", i);
		rc = check_free(l, p->ram_size, ph->p_paddr, ph->p_memsz, what,
				err, errlen);
		if (!rc)
			rc = check_clear_of_kernel(e, i, ph->p_paddr,
						   ph->p_memsz, what, err,
						   errlen);
		if (rc)
			return rc;
		if (ph->p_paddr < p->kernel_start)
			p->kernel_start = ph->p_paddr;
		if (ph->p_paddr + ph->p_memsz > p->kernel_end)
			p->kernel_end = ph->p_paddr + ph->p_memsz;
		/* The entry must be code the file provides, not .bss. */
		entry_ok |= e->entry >= ph->p_paddr &&
			    e->entry - ph->p_paddr < ph->p_filesz;
	}
	if (!entry_ok)
		return fail(err, errlen, -ENOEXEC,
			    "PHYS32 entry %#x is in no loaded segment", e->entry);
	return 0;
}

static int plan_initrd(const struct elf_image *e, const struct pvh_layout *l,
		       size_t initrd_len, struct plan *p, char *err,
		       size_t errlen)
{
	uint64_t base = l->initrd_paddr;
	int rc;

	p->initrd_len = initrd_len;
	if (!initrd_len)
		return 0;
	/* Page-aligned: Linux reserves the initrd in whole pages. */
	if (!base)
		base = align_up(p->kernel_end, PAGE_SZ);
	if (base % PAGE_SZ)
		return fail(err, errlen, -EINVAL,
			    "initrd GPA %#llx is not page-aligned",
			    (unsigned long long)base);
	rc = check_free(l, p->ram_size, base, initrd_len, "initrd", err, errlen);
	if (!rc)
		rc = check_clear_of_kernel(e, -1, base, initrd_len, "initrd",
					   err, errlen);
	p->initrd_paddr = base;
	return rc;
}

static void sort_ranges(struct pvh_range *r, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		struct pvh_range t = r[i];

		for (j = i; j > 0 && r[j - 1].base > t.base; j--)
			r[j] = r[j - 1];
		r[j] = t;
	}
}

static void memmap_add(struct plan *p, uint64_t base, uint64_t end,
		       uint32_t type)
{
	struct hvm_memmap_table_entry *m = &p->memmap[p->nr_memmap++];

	m->addr = base;
	m->size = end - base;
	m->type = type;
	m->reserved = 0;
}

/*
 * E820-style map: RAM is [0, ram_size) minus the low area and the
 * caller's reserved ranges, which appear as reserved (merged, sorted).
 */
static void plan_memmap(const struct pvh_layout *l, struct plan *p)
{
	struct pvh_range r[PVH_MAX_RESERVED + 1];
	uint64_t cur = 0;
	unsigned int i, n = 0;

	if (l->low.size)
		r[n++] = l->low;
	for (i = 0; i < l->nr_reserved; i++)
		if (l->reserved[i].size)
			r[n++] = l->reserved[i];
	sort_ranges(r, n);
	for (i = 0; i < n; i++) {
		uint64_t start = r[i].base, end = start + r[i].size;

		/* Merge whatever overlaps or abuts this range. */
		while (i + 1 < n && r[i + 1].base <= end) {
			i++;
			if (r[i].base + r[i].size > end)
				end = r[i].base + r[i].size;
		}
		/* Merged groups are disjoint and apart: start >= cur. */
		if (start > cur && cur < p->ram_size)
			memmap_add(p, cur, start < p->ram_size ?
				   start : p->ram_size,
				   XEN_HVM_MEMMAP_TYPE_RAM);
		memmap_add(p, start, end, XEN_HVM_MEMMAP_TYPE_RESERVED);
		cur = end;
	}
	if (cur < p->ram_size)
		memmap_add(p, cur, p->ram_size, XEN_HVM_MEMMAP_TYPE_RAM);
}

static int plan_boot_info(const struct elf_image *e, const struct pvh_layout *l,
			  const char *cmdline, struct plan *p, char *err,
			  size_t errlen)
{
	uint64_t base = l->boot_info_paddr;
	int rc;

	if (cmdline) {
		p->cmdline_len = strnlen(cmdline, PVH_CMDLINE_MAX + 1);
		if (p->cmdline_len > PVH_CMDLINE_MAX)
			return fail(err, errlen, -E2BIG,
				    "command line longer than %u bytes",
				    PVH_CMDLINE_MAX);
	}
	plan_memmap(l, p);
	p->modlist_off = sizeof(struct hvm_start_info);
	p->memmap_off = p->modlist_off +
			(p->initrd_len ? sizeof(struct hvm_modlist_entry) : 0);
	p->cmdline_off = p->memmap_off +
			 p->nr_memmap * sizeof(struct hvm_memmap_table_entry);
	p->used = p->cmdline_off + (cmdline ? p->cmdline_len + 1 : 0);
	if (base % 8)
		return fail(err, errlen, -EINVAL,
			    "boot info GPA %#llx is not 8-byte aligned",
			    (unsigned long long)base);
	if (p->used > l->boot_info_size ||
	    !fits(base, l->boot_info_size, p->ram_size))
		return fail(err, errlen, -ENOSPC,
			    "boot info needs %llu bytes at %#llx: %llu given, RAM ends at %#llx",
			    (unsigned long long)p->used, (unsigned long long)base,
			    (unsigned long long)l->boot_info_size,
			    (unsigned long long)p->ram_size);
	rc = check_clear_of_kernel(e, -1, base, l->boot_info_size, "boot info",
				   err, errlen);
	if (!rc && overlaps(base, l->boot_info_size, p->initrd_paddr,
			    p->initrd_len))
		rc = fail(err, errlen, -EBUSY, "boot info overlaps the initrd");
	return rc;
}

static void write_kernel(uint8_t *ram, const struct elf_image *e)
{
	unsigned int i;

	for (i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *ph = &e->ph[i];

		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		memcpy(ram + ph->p_paddr, e->buf + ph->p_offset, ph->p_filesz);
		memset(ram + ph->p_paddr + ph->p_filesz, 0,
		       ph->p_memsz - ph->p_filesz);
	}
}

static void write_boot_info(uint8_t *ram, const struct pvh_layout *l,
			    const char *cmdline, const struct plan *p)
{
	uint64_t base = l->boot_info_paddr;
	struct hvm_start_info si = {
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = 1,
		.rsdp_paddr = l->rsdp_paddr,
		.memmap_paddr = base + p->memmap_off,
		.memmap_entries = p->nr_memmap,
	};
	struct hvm_modlist_entry mod = {
		.paddr = p->initrd_paddr,
		.size = p->initrd_len,
	};

	/* Clear the whole area: the guest sees no stale bytes. */
	memset(ram + base, 0, l->boot_info_size);
	if (p->initrd_len) {
		si.nr_modules = 1;
		si.modlist_paddr = base + p->modlist_off;
		memcpy(ram + base + p->modlist_off, &mod, sizeof(mod));
	}
	if (cmdline) {
		si.cmdline_paddr = base + p->cmdline_off;
		memcpy(ram + base + p->cmdline_off, cmdline, p->cmdline_len);
	}
	memcpy(ram + base + p->memmap_off, p->memmap,
	       p->nr_memmap * sizeof(p->memmap[0]));
	memcpy(ram + base, &si, sizeof(si));
}

int pvh_load(uint8_t *ram, size_t ram_size, const uint8_t *elf,
	     size_t elf_len, const uint8_t *initrd, size_t initrd_len,
	     const char *cmdline, const struct pvh_layout *layout,
	     struct pvh_boot *out, char *err, size_t errlen)
{
	struct elf_image e;
	struct plan p;
	int rc;

	if (!ram || !layout || !out || (!initrd && initrd_len))
		return fail(err, errlen, -EINVAL, "bad arguments");
	memset(&p, 0, sizeof(p));
	p.ram_size = ram_size;
	rc = elf_parse(elf, elf_len, &e, err, errlen);
	if (!rc)
		rc = check_layout(layout, ram_size, err, errlen);
	if (!rc)
		rc = plan_kernel(&e, layout, &p, err, errlen);
	if (!rc)
		rc = plan_initrd(&e, layout, initrd ? initrd_len : 0, &p, err,
				 errlen);
	if (!rc)
		rc = plan_boot_info(&e, layout, cmdline, &p, err, errlen);
	if (rc)
		return rc;

	write_kernel(ram, &e);
	if (p.initrd_len)
		memcpy(ram + p.initrd_paddr, initrd, p.initrd_len);
	write_boot_info(ram, layout, cmdline, &p);

	memset(out, 0, sizeof(*out));
	out->entry = e.entry;
	out->start_info_paddr = layout->boot_info_paddr;
	out->kernel_start = p.kernel_start;
	out->kernel_end = p.kernel_end;
	out->initrd_paddr = p.initrd_paddr;
	out->initrd_size = p.initrd_len;
	out->memmap_entries = p.nr_memmap;
	return 0;
}
