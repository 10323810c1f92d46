// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/pcc exists as a misc character device and can be opened and
 * closed, many times and by many file descriptors at once.
 */
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "pcc_test.h"

#define MISC_MAJOR 10

TEST(device_is_misc_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(PCC_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(MISC_MAJOR, major(st.st_rdev));
}

TEST(open_and_close)
{
	int fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("open: %s", strerror(errno));
	EXPECT_EQ(0, close(fd));
}

TEST(open_twice_at_once)
{
	int a = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	int b = open(PCC_DEVICE, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	EXPECT_NE(a, b);
	EXPECT_EQ(0, close(a));
	EXPECT_EQ(0, close(b));
}

TEST(open_close_repeatedly)
{
	for (int i = 0; i < 1000; i++) {
		int fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);

		ASSERT_LE(0, fd) TH_LOG("iteration %d: %s", i, strerror(errno));
		ASSERT_EQ(0, close(fd));
	}
}

int main(int argc, char **argv)
{
	pcc_require_device();
	return test_harness_run(argc, argv);
}
