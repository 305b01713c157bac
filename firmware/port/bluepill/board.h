/*
 * board.h - the STM32F103C8 "blue pill" with an nRF24L01+ on SPI1 and an
 * RS-485 driver on USART1, shared by the node and the transmitter roles
 * (node_main.c, tx_main.c). Wiring:
 *
 *   nRF24L01+   SCK PA5, MISO PA6, MOSI PA7, CSN PA4, CE PB0, IRQ PB1
 *   RS-485      DI PA9 (USART1 TX), DE and /RE PA8 (high: driving)
 *   serial      PA2 TX, PA3 RX (USART2): the transmitter's link to the
 *               console through a USB-serial adapter at 1 Mbaud; on a
 *               node, its bench console at 115200
 *
 * One thread, no interrupt handlers: TIM4 and the radio's IRQ line only
 * wake WFI. Untested on hardware here (the tree builds and size-checks it).
 */
#ifndef BOARD_H
#define BOARD_H

#include <stdbool.h>
#include <stdint.h>

/* 72 MHz from the 8 MHz crystal, the µs clock, the wake-up timer, the
 * radio's pins and SPI, the watchdog (2 s), the ADC. */
void board_init(void);
/* Only the clocks (the bootloader). */
void board_clock_init(void);

uint64_t board_now_us(void);
/* WFI until `until` or the radio's IRQ, whichever first; returns the
 * microseconds slept. */
uint64_t board_sleep_until(uint64_t until);
void board_watchdog_kick(void);

/* Node number from the chip's unique ID: 1..0xfffe. */
uint16_t board_id(void);
/* °C from the internal sensor (±1.5 °C typical, uncalibrated offset). */
int8_t board_temperature_c(void);
/* Noise from the temperature sensor's low bits and the clock. */
uint32_t board_random(void);

/* The nRF24L01+: 2 Mbit/s, CRC16, 4-byte addresses, dynamic payloads, no
 * auto-acknowledge (the link acknowledges what it needs itself). */
void nrf_listen(uint8_t channel, uint32_t address);
int nrf_send(uint8_t channel, uint32_t address, const uint8_t *pkt, uint8_t len);
/* A received packet: returns its length (1..32) or 0; `rssi` is -60 when
 * the received power detector saw more than -64 dBm, else -80. */
uint8_t nrf_receive(uint8_t *pkt, int8_t *rssi);

/* USART2 */
void serial_init(uint32_t baud);
void serial_put(const uint8_t *buf, uint32_t len);
/* Bytes received since the last call (DMA ring); returns how many. */
uint32_t serial_get(uint8_t *buf, uint32_t cap);


#endif
