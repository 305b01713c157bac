/*
 * line.h - the DMX512 line on the blue pill: USART1 at 250 kbit/s 8N2
 * into an RS-485 driver, frames sent by DMA1 channel 4 straight from the
 * core's buffer (so copy-B fragments the core writes ahead of the line
 * still go out). BREAK and MAB: PA9 taken from the USART as a GPIO, held
 * low then high, timed on the µs timer (TIM2/TIM3) in a tight loop of
 * 0.2 ms a frame, so a late wake-up can delay a frame but never shorten a
 * BREAK or MAB. Node thread only.
 */
#ifndef LINE_H
#define LINE_H

#include <stdint.h>

#include "firmware/hal/dmx.h"

void line_init(void);
/* The core's hal_dmx for this line. */
extern const struct hal_dmx line_hal;
/* Starts a frame whose time has come; returns when the next thing is
 * due (UINT64_MAX: nothing). */
uint64_t line_service(uint64_t now);

#endif
