// SPDX-License-Identifier: GPL-2.0
/* include/linux/ratelimit.h: one rate limit for pcc's runtime messages */

#include <linux/ratelimit.h>

#include "pcc_helpers.h"

/*
 * What pr_info_ratelimited() gives a C call site, shared by all of pcc's
 * messages about refused requests and failed I/O: at most
 * DEFAULT_RATELIMIT_BURST (10) lines per DEFAULT_RATELIMIT_INTERVAL (5 s),
 * then one "callbacks suppressed" line.
 */
static DEFINE_RATELIMIT_STATE(pcc_ratelimit_state, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);

bool pcc_ratelimit(void) { return __ratelimit(&pcc_ratelimit_state); }
