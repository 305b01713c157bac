/*
 * console.h - the emulated board's UARTs (CMSDK, polled): bytes out, and
 * text and numbers on the console (UART0). Node or bootloader thread.
 */
#ifndef QEMU_CONSOLE_H
#define QEMU_CONSOLE_H

#include <stdint.h>

void uart_put(uint32_t base, uint8_t c);
void con_print(const char *s);
/* label, then v in decimal */
void con_print_u(const char *label, uint64_t v);

#endif
