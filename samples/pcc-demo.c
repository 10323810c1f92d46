// SPDX-License-Identifier: GPL-2.0
/* pcc-demo: open /dev/pcc and report what the module says. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pcc.h"

int main(void)
{
	int fd = open(PCC_DEVICE, O_RDWR);

	if (fd < 0) {
		fprintf(stderr, "pcc-demo: open %s: %s\n", PCC_DEVICE, strerror(errno));
		return 1;
	}
	printf("pcc-demo: opened %s\n", PCC_DEVICE);
	close(fd);
	return 0;
}
