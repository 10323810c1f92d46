// SPDX-License-Identifier: GPL-2.0
/* include/linux/sched/signal.h: whether the current task was killed */

#include <linux/sched/signal.h>

#include "pcc_helpers.h"

bool pcc_fatal_signal_pending(void) { return fatal_signal_pending(current); }
