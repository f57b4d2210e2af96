/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DOMINO_VMX_H
#define DOMINO_VMX_H

struct domino_tdp_format;

extern const struct domino_tdp_format vmx_ept_format;

#endif /* DOMINO_VMX_H */
