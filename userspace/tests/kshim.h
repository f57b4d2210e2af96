/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lets pure-logic kernel files (the instruction decoder, the guest page
 * walker) compile in userspace for host unit tests. Only what those files
 * use: fixed-width types, bool, errno values, memcpy.
 */
#ifndef DOMINO_KSHIM_H
#define DOMINO_KSHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#ifndef BIT
#define BIT(n)		(1UL << (n))
#define BIT_ULL(n)	(1ULL << (n))
#endif
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* DOMINO_KSHIM_H */
