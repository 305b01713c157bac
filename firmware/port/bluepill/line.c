/*
 * line.c - the DMX line (see line.h).
 */
#include "line.h"

#include <stddef.h>

#include "board.h"
#include "stm32f103.h"

static struct {
	const uint8_t *buf;
	uint16_t len, break_us, mab_us;
	uint64_t at;
	int pending;
} L;

static void pin_tx(uint32_t mode)
{
	GPIO_CRH(GPIOA_BASE) = (GPIO_CRH(GPIOA_BASE) & ~(0xfu << 4)) | mode << 4;   /* PA9 */
}

void line_init(void)
{
	GPIO_CRH(GPIOA_BASE) = (GPIO_CRH(GPIOA_BASE) & ~0xfu) | GPIO_OUT_PP;        /* PA8: DE */
	GPIO_BSRR(GPIOA_BASE) = 1u << 8 | 1u << 9;     /* driving, line at mark */
	pin_tx(GPIO_OUT_PP);
	USART_BRR(USART1_BASE) = 72000000u / 250000u;
	USART_CR2(USART1_BASE) = USART_CR2_STOP2;
	USART_CR3(USART1_BASE) = USART_CR3_DMAT;
	USART_CR1(USART1_BASE) = USART_CR1_UE | USART_CR1_TE;
	DMA_CPAR(DMA_CH_USART1_TX) = USART1_BASE + 0x04;
}

static void wait_until(uint64_t t)
{
	while (board_now_us() < t)
		;
}

uint64_t line_service(uint64_t now)
{
	if (!L.pending)
		return UINT64_MAX;
	/* the last frame's bytes must be out: DMA done, shift register empty */
	if ((DMA_CCR(DMA_CH_USART1_TX) & DMA_CCR_EN) &&
	    (!(DMA1_ISR & DMA_ISR_TCIF(DMA_CH_USART1_TX)) || !(USART_SR(USART1_BASE) & USART_SR_TC)))
		return now + 20;
	if (now + 5 < L.at)
		return L.at - 5;
	DMA_CCR(DMA_CH_USART1_TX) = 0;
	DMA1_IFCR = 0xfu << 12;                        /* channel 4's flags */
	wait_until(L.at);
	pin_tx(GPIO_OUT_PP);
	GPIO_BRR(GPIOA_BASE) = 1u << 9;                /* BREAK */
	wait_until(L.at + L.break_us);
	GPIO_BSRR(GPIOA_BASE) = 1u << 9;               /* MAB */
	wait_until(L.at + L.break_us + L.mab_us);
	pin_tx(GPIO_AF_PP);
	DMA_CMAR(DMA_CH_USART1_TX) = (uint32_t)(uintptr_t)L.buf;
	DMA_CNDTR(DMA_CH_USART1_TX) = L.len;
	DMA_CCR(DMA_CH_USART1_TX) = DMA_CCR_MINC | DMA_CCR_DIR | DMA_CCR_EN;
	L.pending = 0;
	return UINT64_MAX;
}

static void line_start(void *ctx, uint64_t at, uint16_t break_us, uint16_t mab_us,
		       const uint8_t *buf, uint16_t len, const struct hal_dmx_info *info)
{
	(void)ctx;
	(void)info;
	L.buf = buf;
	L.len = len;
	L.break_us = break_us;
	L.mab_us = mab_us;
	L.at = at;
	L.pending = 1;
}

static void line_stop(void *ctx)
{
	(void)ctx;
	L.pending = 0;
	DMA_CCR(DMA_CH_USART1_TX) = 0;
	pin_tx(GPIO_OUT_PP);
	GPIO_BSRR(GPIOA_BASE) = 1u << 9;               /* idle at mark */
}

const struct hal_dmx line_hal = { NULL, line_start, line_stop };
