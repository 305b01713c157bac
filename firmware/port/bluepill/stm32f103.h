/*
 * stm32f103.h - the STM32F103 registers the bluepill port uses, from
 * ST's reference manual RM0008: clocks, flash, GPIO, SPI1, USART1/2, DMA1,
 * TIM2/3/4, IWDG, ADC1, EXTI, the unique ID. Our own header, only what is
 * used; no vendor SDK.
 */
#ifndef STM32F103_H
#define STM32F103_H

#include "firmware/port/common/cortex_m.h"

/* RCC */
#define RCC_BASE 0x40021000u
#define RCC_CR REG32(RCC_BASE + 0x00)
#define RCC_CFGR REG32(RCC_BASE + 0x04)
#define RCC_AHBENR REG32(RCC_BASE + 0x14)
#define RCC_APB2ENR REG32(RCC_BASE + 0x18)
#define RCC_APB1ENR REG32(RCC_BASE + 0x1c)
#define RCC_CSR REG32(RCC_BASE + 0x24)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CFGR_SW_PLL 0x2u
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (2u << 2)
#define RCC_CFGR_PPRE1_DIV2 (4u << 8)
#define RCC_CFGR_ADCPRE_DIV6 (2u << 14)
#define RCC_CFGR_PLLSRC_HSE (1u << 16)
#define RCC_CFGR_PLLMUL9 (7u << 18)
#define RCC_AHBENR_DMA1 (1u << 0)
#define RCC_APB2ENR_AFIO (1u << 0)
#define RCC_APB2ENR_IOPA (1u << 2)
#define RCC_APB2ENR_IOPB (1u << 3)
#define RCC_APB2ENR_ADC1 (1u << 9)
#define RCC_APB2ENR_SPI1 (1u << 12)
#define RCC_APB2ENR_USART1 (1u << 14)
#define RCC_APB1ENR_TIM2 (1u << 0)
#define RCC_APB1ENR_TIM3 (1u << 1)
#define RCC_APB1ENR_TIM4 (1u << 2)
#define RCC_APB1ENR_USART2 (1u << 17)

/* Flash interface */
#define FLASH_R_BASE 0x40022000u
#define FLASH_ACR REG32(FLASH_R_BASE + 0x00)
#define FLASH_KEYR REG32(FLASH_R_BASE + 0x04)
#define FLASH_SR REG32(FLASH_R_BASE + 0x0c)
#define FLASH_CR REG32(FLASH_R_BASE + 0x10)
#define FLASH_AR REG32(FLASH_R_BASE + 0x14)
#define FLASH_ACR_LATENCY2 0x2u
#define FLASH_ACR_PRFTBE (1u << 4)
#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xcdef89abu
#define FLASH_SR_BSY (1u << 0)
#define FLASH_SR_PGERR (1u << 2)
#define FLASH_SR_WRPRTERR (1u << 4)
#define FLASH_SR_EOP (1u << 5)
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_PER (1u << 1)
#define FLASH_CR_STRT (1u << 6)
#define FLASH_CR_LOCK (1u << 7)

/* GPIO: 4 bits per pin, CRL pins 0-7, CRH 8-15 */
#define GPIOA_BASE 0x40010800u
#define GPIOB_BASE 0x40010c00u
#define GPIO_CRL(b) REG32((b) + 0x00)
#define GPIO_CRH(b) REG32((b) + 0x04)
#define GPIO_IDR(b) REG32((b) + 0x08)
#define GPIO_BSRR(b) REG32((b) + 0x10)
#define GPIO_BRR(b) REG32((b) + 0x14)
#define GPIO_OUT_PP 0x3u          /* push-pull, 50 MHz */
#define GPIO_AF_PP 0xbu           /* alternate function push-pull, 50 MHz */
#define GPIO_IN_FLOAT 0x4u
#define GPIO_IN_PULL 0x8u         /* pull-up or -down, by ODR */

/* AFIO and EXTI */
#define AFIO_EXTICR1 REG32(0x40010008u)
#define EXTI_IMR REG32(0x40010400u)
#define EXTI_FTSR REG32(0x4001040cu)
#define EXTI_PR REG32(0x40010414u)
#define EXTI1_IRQ 7

/* SPI1 */
#define SPI1_BASE 0x40013000u
#define SPI_CR1(b) REG32((b) + 0x00)
#define SPI_SR(b) REG32((b) + 0x08)
#define SPI_DR(b) REG32((b) + 0x0c)
#define SPI_CR1_MSTR (1u << 2)
#define SPI_CR1_BR_DIV8 (2u << 3)
#define SPI_CR1_SPE (1u << 6)
#define SPI_CR1_SSI (1u << 8)
#define SPI_CR1_SSM (1u << 9)
#define SPI_SR_RXNE (1u << 0)
#define SPI_SR_TXE (1u << 1)
#define SPI_SR_BSY (1u << 7)

/* USART */
#define USART1_BASE 0x40013800u   /* APB2, 72 MHz: the DMX line */
#define USART2_BASE 0x40004400u   /* APB1, 36 MHz: console / the console's link */
#define USART_SR(b) REG32((b) + 0x00)
#define USART_DR(b) REG32((b) + 0x04)
#define USART_BRR(b) REG32((b) + 0x08)
#define USART_CR1(b) REG32((b) + 0x0c)
#define USART_CR2(b) REG32((b) + 0x10)
#define USART_CR3(b) REG32((b) + 0x14)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_UE (1u << 13)
#define USART_CR2_STOP2 (2u << 12)
#define USART_CR3_DMAR (1u << 6)
#define USART_CR3_DMAT (1u << 7)

/* DMA1: channel n (1..7) */
#define DMA1_BASE 0x40020000u
#define DMA1_ISR REG32(DMA1_BASE + 0x00)
#define DMA1_IFCR REG32(DMA1_BASE + 0x04)
#define DMA_CCR(n) REG32(DMA1_BASE + 0x08 + 20u * ((n) - 1u))
#define DMA_CNDTR(n) REG32(DMA1_BASE + 0x0c + 20u * ((n) - 1u))
#define DMA_CPAR(n) REG32(DMA1_BASE + 0x10 + 20u * ((n) - 1u))
#define DMA_CMAR(n) REG32(DMA1_BASE + 0x14 + 20u * ((n) - 1u))
#define DMA_CCR_EN (1u << 0)
#define DMA_CCR_DIR (1u << 4)     /* memory to peripheral */
#define DMA_CCR_CIRC (1u << 5)
#define DMA_CCR_MINC (1u << 7)
#define DMA_ISR_TCIF(n) (1u << (4u * ((n) - 1u) + 1u))
#define DMA_CH_USART1_TX 4
#define DMA_CH_USART2_RX 6

/* General-purpose timers (16 bits) */
#define TIM2_BASE 0x40000000u
#define TIM3_BASE 0x40000400u
#define TIM4_BASE 0x40000800u
#define TIM_CR1(b) REG32((b) + 0x00)
#define TIM_CR2(b) REG32((b) + 0x04)
#define TIM_SMCR(b) REG32((b) + 0x08)
#define TIM_DIER(b) REG32((b) + 0x0c)
#define TIM_SR(b) REG32((b) + 0x10)
#define TIM_EGR(b) REG32((b) + 0x14)
#define TIM_CNT(b) REG32((b) + 0x24)
#define TIM_PSC(b) REG32((b) + 0x28)
#define TIM_ARR(b) REG32((b) + 0x2c)
#define TIM_CR1_CEN (1u << 0)
#define TIM_CR1_OPM (1u << 3)
#define TIM_CR2_MMS_UPDATE (2u << 4)
#define TIM_SMCR_SMS_EXT1 7u
#define TIM_SMCR_TS_ITR1 (1u << 4)
#define TIM_DIER_UIE (1u << 0)
#define TIM_EGR_UG (1u << 0)
#define TIM4_IRQ 30

/* Independent watchdog (LSI ~40 kHz) */
#define IWDG_KR REG32(0x40003000u)
#define IWDG_PR REG32(0x40003004u)
#define IWDG_RLR REG32(0x40003008u)

/* ADC1: channel 16 is the temperature sensor */
#define ADC1_BASE 0x40012400u
#define ADC_SR REG32(ADC1_BASE + 0x00)
#define ADC_CR2 REG32(ADC1_BASE + 0x08)
#define ADC_SMPR1 REG32(ADC1_BASE + 0x0c)
#define ADC_SQR3 REG32(ADC1_BASE + 0x34)
#define ADC_DR REG32(ADC1_BASE + 0x4c)
#define ADC_SR_EOC (1u << 1)
#define ADC_CR2_ADON (1u << 0)
#define ADC_CR2_CAL (1u << 2)
#define ADC_CR2_EXTSEL_SW (7u << 17)
#define ADC_CR2_EXTTRIG (1u << 20)
#define ADC_CR2_SWSTART (1u << 22)
#define ADC_CR2_TSVREFE (1u << 23)

#define STM32_UID ((const volatile uint8_t *)0x1ffff7e8u)   /* 96 bits */

#endif
