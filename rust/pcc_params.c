// SPDX-License-Identifier: GPL-2.0
/*
 * pcc's string module parameter: the module! macro of this kernel's Rust
 * takes integers and bools only, so backing= is declared here, in C, and
 * read from Rust through pcc_backing_param().
 */
#include <linux/moduleparam.h>

#include "pcc_helpers.h"

static char *backing = "";
module_param(backing, charp, 0444);
MODULE_PARM_DESC(backing, "Backing store: a block device or a file (empty: no store, pages live in memory only)");

const char *pcc_backing_param(void) { return backing ? backing : ""; }
