/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What pcc's test programs need that differs between arm64 and x86_64.
 * Shared by selftests/ (through pcc_test.h) and samples/.
 */
#ifndef PCC_ARCH_H
#define PCC_ARCH_H

/*
 * Machine code of "int f(void) { return 42; }", to be written into pcc,
 * mapped PROT_EXEC and called.
 */
#if defined(__aarch64__)
/* mov w0, #42; ret (little-endian words 0x52800540, 0xd65f03c0) */
#define PCC_RETURN_42 { 0x40, 0x05, 0x80, 0x52, 0xc0, 0x03, 0x5f, 0xd6 }
#elif defined(__x86_64__)
/* mov $42, %eax; ret */
#define PCC_RETURN_42 { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 }
#else
#error "pcc's test programs know arm64 and x86_64"
#endif

#endif /* PCC_ARCH_H */
