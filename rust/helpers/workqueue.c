// SPDX-License-Identifier: GPL-2.0
/* include/linux/workqueue.h: alloc_workqueue() is a macro */

#include <linux/workqueue.h>

#include "pcc_helpers.h"

struct workqueue_struct *pcc_alloc_io_workqueue(const char *name)
{
	return alloc_workqueue("%s", WQ_UNBOUND | WQ_MEM_RECLAIM, 0, name);
}
