// SPDX-License-Identifier: GPL-2.0
/* include/linux/shrinker.h: shrinker_alloc() takes a format */

#include <linux/shrinker.h>

#include "pcc_helpers.h"

struct shrinker *pcc_shrinker_new(const char *name, void *data,
				  unsigned long (*count)(struct shrinker *, struct shrink_control *),
				  unsigned long (*scan)(struct shrinker *, struct shrink_control *))
{
	struct shrinker *s = shrinker_alloc(0, "%s", name);

	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->private_data = data;
	shrinker_register(s);
	return s;
}
