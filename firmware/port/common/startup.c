/*
 * startup.c - reset for the Cortex-M3 ports: copy .data from flash to
 * RAM, clear .bss, run main(); the vector table holds the stack top and
 * reset, and parks every fault in a loop (the watchdog or the test's
 * timeout ends it). The ports take no interrupts (they sleep with PRIMASK
 * set and poll), so no other handler is needed. The linker script of each
 * port provides the symbols.
 */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);
void reset_handler(void);

static void fault_handler(void)
{
	for (;;)
		;
}

__attribute__((section(".vectors"), used))
static void (*const vectors[16])(void) = {
	(void (*)(void))&_estack,
	reset_handler,
	fault_handler,      /* NMI */
	fault_handler,      /* HardFault */
	fault_handler,      /* MemManage */
	fault_handler,      /* BusFault */
	fault_handler,      /* UsageFault */
	0, 0, 0, 0,
	fault_handler,      /* SVCall */
	fault_handler,      /* DebugMon */
	0,
	fault_handler,      /* PendSV */
	fault_handler,      /* SysTick */
};

void reset_handler(void)
{
	uint32_t *src = &_sidata, *dst = &_sdata;

	while (dst < &_edata)
		*dst++ = *src++;
	for (dst = &_sbss; dst < &_ebss; dst++)
		*dst = 0;
	main();
	for (;;)
		;
}
