// SPDX-License-Identifier: GPL-2.0
/*
 * Every feature bit in the UAPI header has a unique name in libdomino,
 * and formatting a feature mask is exact, bounded and NUL-terminated.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "libdomino.h"
#include "unit_tap.h"

static const struct { unsigned long long bit; const char *macro; } all_bits[] = {
#define X(name) { name, #name },
#include "feat_list.h"
#undef X
};

#define N (sizeof(all_bits) / sizeof(all_bits[0]))

int main(void)
{
	char buf[2048], small[12];
	bool named = true, unique = true, single = true;
	unsigned long long all = 0;
	size_t i, j, n;

	printf("TAP version 13\n1..6\n");
	for (i = 0; i < N; i++) {
		const char *a = domino_feature_name(all_bits[i].bit);

		all |= all_bits[i].bit;
		if (!a) {
			printf("# %s has no name\n", all_bits[i].macro);
			named = false;
			continue;
		}
		if (__builtin_popcountll(all_bits[i].bit) != 1) {
			printf("# %s is not a single bit\n", all_bits[i].macro);
			single = false;
		}
		for (j = 0; j < i; j++) {
			const char *b = domino_feature_name(all_bits[j].bit);

			if (b && !strcmp(a, b)) {
				printf("# %s and %s share the name %s\n",
				       all_bits[i].macro, all_bits[j].macro, a);
				unique = false;
			}
		}
	}
	result(N >= 20 && named, "every DOMINO_FEAT_* bit has a name");
	result(unique, "feature names are unique");
	result(single, "every DOMINO_FEAT_* is one bit");

	domino_features_format(DOMINO_FEAT_TDP | DOMINO_FEAT_SVM_NRIPS | (1ULL << 63),
			       buf, sizeof(buf));
	result(!strcmp(buf, "tdp nrips bit63"), "a mask formats as names, unknown bits as bitN");

	n = domino_features_format(all, small, sizeof(small));
	result(n < sizeof(small) && strlen(small) == n, "formatting truncates within the buffer");

	n = domino_features_format(all, buf, sizeof(buf));
	result(n == strlen(buf) && !strstr(buf, "bit"), "the full mask formats without unknown bits");

	printf("# Totals: pass:%u fail:%u\n", nr - failed, failed);
	return failed ? 1 : 0;
}
