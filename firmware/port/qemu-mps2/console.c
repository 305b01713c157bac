/*
 * console.c - the emulated board's UARTs (see console.h).
 */
#include "console.h"
#include "mps2.h"

void uart_put(uint32_t base, uint8_t c)
{
	while (UART_STATE(base) & UART_STATE_TXFULL)
		;
	UART_DATA(base) = c;
}

void con_print(const char *s)
{
	while (*s)
		uart_put(UART0_BASE, (uint8_t)*s++);
}

void con_print_u(const char *label, uint64_t v)
{
	char buf[24];
	int n = 0;

	con_print(label);
	do
		buf[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < 24);
	while (n)
		uart_put(UART0_BASE, (uint8_t)buf[--n]);
}
