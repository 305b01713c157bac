/*
 * cortex_m.h - the Cortex-M3 core registers the ports use (NVIC, SCB,
 * SysTick-free sleeping) and ARM semihosting, written from the ARMv7-M
 * Architecture Reference Manual and ARM's semihosting specification. Our
 * own: no vendor header. Node thread only.
 */
#ifndef CORTEX_M_H
#define CORTEX_M_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define NVIC_ISER0 REG32(0xe000e100u)   /* set-enable, IRQ 0..31 */
#define NVIC_ICER0 REG32(0xe000e180u)
#define NVIC_ICPR0 REG32(0xe000e280u)   /* clear-pending */
#define SCB_AIRCR REG32(0xe000ed0cu)
#define SCB_VTOR REG32(0xe000ed08u)

static inline void cm_irq_disable(void)
{
	__asm__ volatile ("cpsid i" ::: "memory");
}

/* Sleeps until an enabled interrupt is pending. With PRIMASK set (the
 * ports never take interrupts) the pending interrupt wakes the core
 * without running a handler; the port clears it. */
static inline void cm_wfi(void)
{
	__asm__ volatile ("dsb\n\twfi\n\tisb" ::: "memory");
}

static inline void cm_reset(void)
{
	SCB_AIRCR = 0x05fa0004u;        /* VECTKEY | SYSRESETREQ */
	for (;;)
		;
}

/* ---- semihosting (a debugger or QEMU on the other side) ---- */

#define SEMI_SYS_WRITE0 0x04
#define SEMI_SYS_GET_CMDLINE 0x15
#define SEMI_SYS_EXIT 0x18
#define SEMI_SYS_EXIT_EXTENDED 0x20
#define SEMI_ADP_STOPPED_APPLICATION_EXIT 0x20026

static inline int cm_semihost(int op, void *arg)
{
	register int r0 __asm__("r0") = op;
	register void *r1 __asm__("r1") = arg;

	__asm__ volatile ("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

/* Ends the program under QEMU with `code` as its exit status. */
static inline void cm_semihost_exit(int code)
{
	uint32_t block[2] = { SEMI_ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code };

	cm_semihost(SEMI_SYS_EXIT_EXTENDED, block);
	for (;;)
		;
}

#endif
