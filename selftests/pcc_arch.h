/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What pcc's test programs need that differs between arm64, x86_64 and
 * 32-bit ARM.
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
#elif defined(__arm__)
/*
 * ARM (A32) mode, whatever mode the caller is in: a page-aligned address has
 * bit 0 clear, so the call through a pointer (blx) switches to ARM mode.
 * mov r0, #42; bx lr (little-endian words 0xe3a0002a, 0xe12fff1e)
 */
#define PCC_RETURN_42 { 0x2a, 0x00, 0xa0, 0xe3, 0x1e, 0xff, 0x2f, 0xe1 }
#else
#error "pcc's test programs know arm64, x86_64 and 32-bit ARM"
#endif

/*
 * The kernel function a syscall enters through (the syscall wrapper's
 * name on arm64 and x86_64; 32-bit ARM calls sys_NAME itself): where
 * pcc-scenario roots the graph of a syscall whose path has no function of
 * its own to root it at.
 */
#if defined(__aarch64__)
#define PCC_SYSCALL_ENTRY(name)	"__arm64_sys_" #name
#elif defined(__x86_64__)
#define PCC_SYSCALL_ENTRY(name)	"__x64_sys_" #name
#else
#define PCC_SYSCALL_ENTRY(name)	"sys_" #name
#endif

#endif /* PCC_ARCH_H */
