/*
 * board.c - the blue pill's clock, timers, radio, serial, flash and
 * sensors (see board.h). Register use from RM0008 and the nRF24L01+
 * product specification 1.0. One thread.
 */
#include "board.h"

#include <string.h>

#include "outputs/dmx/nodelink/nodelink_wire.h"
#include "stm32f103.h"

/* nRF24L01+ commands and registers */
#define NRF_R_REGISTER 0x00u
#define NRF_W_REGISTER 0x20u
#define NRF_R_RX_PL_WID 0x60u
#define NRF_R_RX_PAYLOAD 0x61u
#define NRF_W_TX_PAYLOAD_NOACK 0xb0u
#define NRF_FLUSH_TX 0xe1u
#define NRF_FLUSH_RX 0xe2u
#define NRF_CONFIG 0x00u
#define NRF_EN_AA 0x01u
#define NRF_EN_RXADDR 0x02u
#define NRF_SETUP_AW 0x03u
#define NRF_SETUP_RETR 0x04u
#define NRF_RF_CH 0x05u
#define NRF_RF_SETUP 0x06u
#define NRF_STATUS 0x07u
#define NRF_RPD 0x09u
#define NRF_RX_ADDR_P0 0x0au
#define NRF_TX_ADDR 0x10u
#define NRF_FIFO_STATUS 0x17u
#define NRF_DYNPD 0x1cu
#define NRF_FEATURE 0x1du
#define NRF_CONFIG_RX 0x0fu        /* EN_CRC, CRCO (2 bytes), PWR_UP, PRIM_RX */
#define NRF_CONFIG_TX 0x0eu
#define NRF_STATUS_RX_DR 0x40u
#define NRF_STATUS_TX_DS 0x20u
#define NRF_STATUS_MAX_RT 0x10u
#define NRF_FIFO_RX_EMPTY 0x01u

#define CSN_LOW() (GPIO_BRR(GPIOA_BASE) = 1u << 4)
#define CSN_HIGH() (GPIO_BSRR(GPIOA_BASE) = 1u << 4)
#define CE_LOW() (GPIO_BRR(GPIOB_BASE) = 1u << 0)
#define CE_HIGH() (GPIO_BSRR(GPIOB_BASE) = 1u << 0)

#define SERIAL_RING 1024u

static uint32_t clock_last;
static uint64_t clock_wraps;
static uint8_t rx_ring[SERIAL_RING];
static uint32_t rx_read;
static uint8_t listen_channel;
static uint32_t listen_address;

/* Sets the 4-bit field of `pin` in a port's CRL/CRH. */
static void pin_mode(uint32_t port, unsigned pin, uint32_t mode)
{
	volatile uint32_t *cr = pin < 8 ? &GPIO_CRL(port) : &GPIO_CRH(port);
	unsigned shift = (pin % 8) * 4;

	*cr = (*cr & ~(0xfu << shift)) | mode << shift;
}

void board_clock_init(void)
{
	RCC_CR |= RCC_CR_HSEON;
	while (!(RCC_CR & RCC_CR_HSERDY))
		;
	FLASH_ACR = FLASH_ACR_LATENCY2 | FLASH_ACR_PRFTBE;     /* 2 wait states at 72 MHz */
	RCC_CFGR = RCC_CFGR_PLLSRC_HSE | RCC_CFGR_PLLMUL9 | RCC_CFGR_PPRE1_DIV2 |
		   RCC_CFGR_ADCPRE_DIV6;
	RCC_CR |= RCC_CR_PLLON;
	while (!(RCC_CR & RCC_CR_PLLRDY))
		;
	RCC_CFGR |= RCC_CFGR_SW_PLL;
	while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL)
		;
	RCC_AHBENR |= RCC_AHBENR_DMA1;
	RCC_APB2ENR |= RCC_APB2ENR_AFIO | RCC_APB2ENR_IOPA | RCC_APB2ENR_IOPB |
		       RCC_APB2ENR_ADC1 | RCC_APB2ENR_SPI1 | RCC_APB2ENR_USART1;
	RCC_APB1ENR |= RCC_APB1ENR_TIM2 | RCC_APB1ENR_TIM3 | RCC_APB1ENR_TIM4 |
		       RCC_APB1ENR_USART2;
}

/* TIM2 counts µs, TIM3 counts TIM2's overflows: 32 bits of µs, extended
 * in software (read at least once in 71 minutes). */
static void timers(void)
{
	TIM_PSC(TIM2_BASE) = 71;                  /* 72 MHz timer clock / 72 */
	TIM_ARR(TIM2_BASE) = 0xffff;
	TIM_CR2(TIM2_BASE) = TIM_CR2_MMS_UPDATE;
	TIM_ARR(TIM3_BASE) = 0xffff;
	TIM_SMCR(TIM3_BASE) = TIM_SMCR_TS_ITR1 | TIM_SMCR_SMS_EXT1;
	TIM_EGR(TIM2_BASE) = TIM_EGR_UG;
	TIM_EGR(TIM3_BASE) = TIM_EGR_UG;
	TIM_CR1(TIM3_BASE) = TIM_CR1_CEN;
	TIM_CR1(TIM2_BASE) = TIM_CR1_CEN;
	/* TIM4: one-shot wake-up, 1 µs ticks */
	TIM_PSC(TIM4_BASE) = 71;
	TIM_CR1(TIM4_BASE) = TIM_CR1_OPM;
	TIM_DIER(TIM4_BASE) = TIM_DIER_UIE;
	NVIC_ISER0 = 1u << TIM4_IRQ | 1u << EXTI1_IRQ;
}

uint64_t board_now_us(void)
{
	uint32_t hi, lo, again, now;

	do {
		hi = TIM_CNT(TIM3_BASE);
		lo = TIM_CNT(TIM2_BASE);
		again = TIM_CNT(TIM3_BASE);
	} while (hi != again);
	now = hi << 16 | lo;
	if (now < clock_last)
		clock_wraps++;
	clock_last = now;
	return clock_wraps << 32 | now;
}

uint64_t board_sleep_until(uint64_t until)
{
	uint64_t now = board_now_us(), start = now;

	if (until <= now + 10)
		return 0;
	if (until - now > 60000u)
		until = now + 60000u;              /* 16-bit µs timer */
	TIM_CR1(TIM4_BASE) = TIM_CR1_OPM;
	TIM_ARR(TIM4_BASE) = (uint32_t)(until - now);
	TIM_CNT(TIM4_BASE) = 0;
	TIM_SR(TIM4_BASE) = 0;
	NVIC_ICPR0 = 1u << TIM4_IRQ;
	TIM_CR1(TIM4_BASE) = TIM_CR1_OPM | TIM_CR1_CEN;
	if (GPIO_IDR(GPIOB_BASE) & (1u << 1))    /* the radio's IRQ is not already low */
		cm_wfi();
	TIM_CR1(TIM4_BASE) = TIM_CR1_OPM;
	TIM_SR(TIM4_BASE) = 0;
	EXTI_PR = 1u << 1;
	NVIC_ICPR0 = 1u << TIM4_IRQ | 1u << EXTI1_IRQ;
	return board_now_us() - start;
}

void board_watchdog_kick(void)
{
	IWDG_KR = 0xaaaau;
}

/* ---- SPI and the radio ------------------------------------------------------------- */

static uint8_t spi(uint8_t out)
{
	while (!(SPI_SR(SPI1_BASE) & SPI_SR_TXE))
		;
	SPI_DR(SPI1_BASE) = out;
	while (!(SPI_SR(SPI1_BASE) & SPI_SR_RXNE))
		;
	return (uint8_t)SPI_DR(SPI1_BASE);
}

static uint8_t nrf_cmd(uint8_t cmd, const uint8_t *out, uint8_t *in, uint8_t len)
{
	uint8_t status;

	CSN_LOW();
	status = spi(cmd);
	for (uint8_t i = 0; i < len; i++) {
		uint8_t b = spi(out ? out[i] : 0xff);

		if (in)
			in[i] = b;
	}
	CSN_HIGH();
	return status;
}

static void nrf_write(uint8_t reg, uint8_t value)
{
	nrf_cmd(NRF_W_REGISTER | reg, &value, NULL, 1);
}

static uint8_t nrf_read(uint8_t reg)
{
	uint8_t v = 0;

	nrf_cmd(NRF_R_REGISTER | reg, NULL, &v, 1);
	return v;
}

static void nrf_address(uint8_t reg, uint32_t address)
{
	uint8_t a[4];

	nodelink_put32(a, address);               /* least significant byte first */
	nrf_cmd(NRF_W_REGISTER | reg, a, NULL, 4);
}

static void busy_wait_us(uint32_t us)
{
	uint64_t end = board_now_us() + us;

	while (board_now_us() < end)
		;
}

static void radio_init(void)
{
	pin_mode(GPIOA_BASE, 4, GPIO_OUT_PP);     /* CSN */
	pin_mode(GPIOA_BASE, 5, GPIO_AF_PP);      /* SCK */
	pin_mode(GPIOA_BASE, 6, GPIO_IN_FLOAT);   /* MISO */
	pin_mode(GPIOA_BASE, 7, GPIO_AF_PP);      /* MOSI */
	pin_mode(GPIOB_BASE, 0, GPIO_OUT_PP);     /* CE */
	pin_mode(GPIOB_BASE, 1, GPIO_IN_PULL);    /* IRQ, active low */
	GPIO_BSRR(GPIOB_BASE) = 1u << 1;          /* pull-up */
	CSN_HIGH();
	CE_LOW();
	/* mode 0, 9 MHz (the radio takes up to 10) */
	SPI_CR1(SPI1_BASE) = SPI_CR1_MSTR | SPI_CR1_BR_DIV8 | SPI_CR1_SSM | SPI_CR1_SSI | SPI_CR1_SPE;
	AFIO_EXTICR1 = (AFIO_EXTICR1 & ~0xf0u) | 0x10u;   /* EXTI1 from port B */
	EXTI_FTSR |= 1u << 1;
	EXTI_IMR |= 1u << 1;
	busy_wait_us(100000);                     /* power on reset: 100 ms */
	nrf_write(NRF_EN_AA, 0);
	nrf_write(NRF_EN_RXADDR, 0x01);
	nrf_write(NRF_SETUP_AW, 0x02);            /* 4-byte addresses */
	nrf_write(NRF_SETUP_RETR, 0);
	nrf_write(NRF_RF_SETUP, 0x0e);            /* 2 Mbit/s, 0 dBm */
	nrf_write(NRF_FEATURE, 0x05);             /* dynamic payloads, no-ack payloads */
	nrf_write(NRF_DYNPD, 0x01);
	nrf_cmd(NRF_FLUSH_RX, NULL, NULL, 0);
	nrf_cmd(NRF_FLUSH_TX, NULL, NULL, 0);
	nrf_write(NRF_STATUS, NRF_STATUS_RX_DR | NRF_STATUS_TX_DS | NRF_STATUS_MAX_RT);
	nrf_write(NRF_CONFIG, NRF_CONFIG_RX);
	busy_wait_us(2000);                       /* power down -> standby: 1.5 ms */
}

void nrf_listen(uint8_t channel, uint32_t address)
{
	CE_LOW();
	nrf_write(NRF_RF_CH, channel);
	if (address != listen_address)
		nrf_address(NRF_RX_ADDR_P0, address);
	nrf_write(NRF_CONFIG, NRF_CONFIG_RX);
	CE_HIGH();                                /* receiving after 130 µs */
	listen_channel = channel;
	listen_address = address;
}

int nrf_send(uint8_t channel, uint32_t address, const uint8_t *pkt, uint8_t len)
{
	uint64_t give_up;
	int rc = -1;

	CE_LOW();
	nrf_write(NRF_RF_CH, channel);
	nrf_address(NRF_TX_ADDR, address);
	nrf_write(NRF_CONFIG, NRF_CONFIG_TX);
	nrf_cmd(NRF_W_TX_PAYLOAD_NOACK, pkt, NULL, len);
	CE_HIGH();
	busy_wait_us(15);                         /* a pulse of at least 10 µs */
	CE_LOW();
	for (give_up = board_now_us() + 1000; board_now_us() < give_up;) {
		if (nrf_read(NRF_STATUS) & NRF_STATUS_TX_DS) {
			rc = 0;
			break;
		}
	}
	nrf_write(NRF_STATUS, NRF_STATUS_TX_DS | NRF_STATUS_MAX_RT);
	nrf_cmd(NRF_FLUSH_TX, NULL, NULL, 0);
	nrf_listen(listen_channel, listen_address);
	return rc;
}

uint8_t nrf_receive(uint8_t *pkt, int8_t *rssi)
{
	uint8_t len = 0;

	if (nrf_read(NRF_FIFO_STATUS) & NRF_FIFO_RX_EMPTY) {
		nrf_write(NRF_STATUS, NRF_STATUS_RX_DR);
		return 0;
	}
	nrf_cmd(NRF_R_RX_PL_WID, NULL, &len, 1);
	if (len < 1 || len > NODELINK_PAYLOAD_MAX) {
		nrf_cmd(NRF_FLUSH_RX, NULL, NULL, 0);  /* the datasheet's cure for a bad width */
		return 0;
	}
	nrf_cmd(NRF_R_RX_PAYLOAD, NULL, pkt, len);
	*rssi = (nrf_read(NRF_RPD) & 1) ? -60 : -80;
	nrf_write(NRF_STATUS, NRF_STATUS_RX_DR);
	return len;
}

/* ---- serial (USART2) ------------------------------------------------------------------ */

void serial_init(uint32_t baud)
{
	pin_mode(GPIOA_BASE, 2, GPIO_AF_PP);
	pin_mode(GPIOA_BASE, 3, GPIO_IN_FLOAT);
	USART_BRR(USART2_BASE) = (36000000u + baud / 2) / baud;
	USART_CR3(USART2_BASE) = USART_CR3_DMAR;
	USART_CR1(USART2_BASE) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
	/* received bytes land in a ring by DMA: none is lost while the
	 * radio keeps the loop busy */
	DMA_CPAR(DMA_CH_USART2_RX) = USART2_BASE + 0x04;
	DMA_CMAR(DMA_CH_USART2_RX) = (uint32_t)(uintptr_t)rx_ring;
	DMA_CNDTR(DMA_CH_USART2_RX) = SERIAL_RING;
	DMA_CCR(DMA_CH_USART2_RX) = DMA_CCR_MINC | DMA_CCR_CIRC | DMA_CCR_EN;
}

void serial_put(const uint8_t *buf, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		while (!(USART_SR(USART2_BASE) & USART_SR_TXE))
			;
		USART_DR(USART2_BASE) = buf[i];
	}
}

uint32_t serial_get(uint8_t *buf, uint32_t cap)
{
	uint32_t write = SERIAL_RING - DMA_CNDTR(DMA_CH_USART2_RX), n = 0;

	while (rx_read != write && n < cap) {
		buf[n++] = rx_ring[rx_read];
		rx_read = (rx_read + 1) % SERIAL_RING;
	}
	return n;
}

/* ---- sensors, id, random -------------------------------------------------------------------- */

static uint16_t adc_temperature(void)
{
	ADC_CR2 |= ADC_CR2_SWSTART;
	while (!(ADC_SR & ADC_SR_EOC))
		;
	return (uint16_t)ADC_DR;
}

int8_t board_temperature_c(void)
{
	/* RM0008: T = (V25 - Vsense) / Avg_Slope + 25, V25 1.43 V, 4.3 mV/°C,
	 * 3.3 V over 4096 counts */
	int32_t mv = (int32_t)adc_temperature() * 3300 / 4096;

	return (int8_t)((1430 - mv) * 10 / 43 + 25);
}

uint32_t board_random(void)
{
	static uint32_t state = 0x2545f491u;

	for (int i = 0; i < 8; i++)
		state = (state << 5 | state >> 27) ^ adc_temperature() ^ (uint32_t)board_now_us();
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

uint16_t board_id(void)
{
	uint8_t uid[12], h[2];
	uint16_t id;

	for (int i = 0; i < 12; i++)
		uid[i] = STM32_UID[i];
	nodelink_blake2s(h, 2, NULL, 0, uid, sizeof uid);
	id = (uint16_t)(h[0] | h[1] << 8);
	return id == 0 || id == NODELINK_NODE_ALL ? 1 : id;
}

void board_init(void)
{
	cm_irq_disable();
	board_clock_init();
	timers();
	/* the temperature sensor, calibrated, sampled 239.5 cycles */
	ADC_SMPR1 = 7u << 18;
	ADC_SQR3 = 16;
	ADC_CR2 = ADC_CR2_ADON | ADC_CR2_TSVREFE | ADC_CR2_EXTSEL_SW | ADC_CR2_EXTTRIG;
	busy_wait_us(10);
	ADC_CR2 |= ADC_CR2_CAL;
	while (ADC_CR2 & ADC_CR2_CAL)
		;
	radio_init();
	/* independent watchdog: LSI 40 kHz / 32, 2500 counts = 2 s */
	IWDG_KR = 0x5555u;
	IWDG_PR = 3;
	IWDG_RLR = 2500;
	IWDG_KR = 0xccccu;
}
