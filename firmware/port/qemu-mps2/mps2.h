/*
 * mps2.h - the peripherals of ARM's MPS2 board with the AN385 FPGA image
 * (Cortex-M3) that the qemu-mps2 port drives, as QEMU's mps2-an385
 * machine models them: CMSDK APB UARTs and timers (25 MHz), and the SMSC
 * LAN9118 Ethernet controller. Register offsets from the CMSDK and LAN9118
 * documentation; our own header.
 */
#ifndef MPS2_H
#define MPS2_H

#include "firmware/port/common/cortex_m.h"

#define MPS2_SYSCLK_HZ 25000000u

/* CMSDK APB UART */
#define UART0_BASE 0x40004000u        /* console: -serial stdio */
#define UART1_BASE 0x40005000u        /* the DMX line: -serial file:... */
#define UART_DATA(b) REG32((b) + 0x00)
#define UART_STATE(b) REG32((b) + 0x04)
#define UART_CTRL(b) REG32((b) + 0x08)
#define UART_BAUDDIV(b) REG32((b) + 0x10)
#define UART_STATE_TXFULL 0x01u
#define UART_CTRL_TXEN 0x01u

/* CMSDK APB timer: counts VALUE down to 0 at SYSCLK, then reloads */
#define TIMER0_BASE 0x40000000u       /* free-running: the clock */
#define TIMER1_BASE 0x40001000u       /* one-shot: the wake-up */
#define TIMER_CTRL(b) REG32((b) + 0x00)
#define TIMER_VALUE(b) REG32((b) + 0x04)
#define TIMER_RELOAD(b) REG32((b) + 0x08)
#define TIMER_INTCLEAR(b) REG32((b) + 0x0c)
#define TIMER_CTRL_EN 0x01u
#define TIMER_CTRL_IRQEN 0x08u
#define TIMER1_IRQ 9

/* SMSC LAN9118 */
#define ETH_BASE 0x40200000u
#define ETH_IRQ 13
#define ETH_RX_DATA REG32(ETH_BASE + 0x00)
#define ETH_TX_DATA REG32(ETH_BASE + 0x20)
#define ETH_RX_STATUS REG32(ETH_BASE + 0x40)
#define ETH_TX_STATUS REG32(ETH_BASE + 0x48)
#define ETH_ID_REV REG32(ETH_BASE + 0x50)
#define ETH_IRQ_CFG REG32(ETH_BASE + 0x54)
#define ETH_INT_STS REG32(ETH_BASE + 0x58)
#define ETH_INT_EN REG32(ETH_BASE + 0x5c)
#define ETH_BYTE_TEST REG32(ETH_BASE + 0x64)
#define ETH_TX_CFG REG32(ETH_BASE + 0x70)
#define ETH_HW_CFG REG32(ETH_BASE + 0x74)
#define ETH_RX_FIFO_INF REG32(ETH_BASE + 0x7c)
#define ETH_TX_FIFO_INF REG32(ETH_BASE + 0x80)
#define ETH_MAC_CSR_CMD REG32(ETH_BASE + 0xa4)
#define ETH_MAC_CSR_DATA REG32(ETH_BASE + 0xa8)

#define ETH_IRQ_CFG_EN 0x100u
#define ETH_IRQ_CFG_POL 0x010u        /* active high */
#define ETH_IRQ_CFG_TYPE 0x001u       /* push-pull */
#define ETH_INT_RSFL 0x08u            /* a frame's status is in the RX status FIFO */
#define ETH_TX_CFG_ON 0x02u
#define ETH_HW_CFG_SRST 0x01u
#define ETH_MAC_CSR_BUSY 0x80000000u
#define ETH_MAC_CSR_READ 0x40000000u
#define ETH_MAC_CR 1
#define ETH_MAC_CR_RXEN 0x04u
#define ETH_MAC_CR_TXEN 0x08u
#define ETH_MAC_CR_PRMS 0x40000u      /* take every frame: ours are broadcast anyway */
#define ETH_TXA_FIRST 0x2000u
#define ETH_TXA_LAST 0x1000u
#define ETH_BYTE_TEST_VALUE 0x87654321u

#endif
