/*
 * sensors.h - what a node reports about itself besides the link:
 * temperature and how busy its CPU is. Either may be NULL.
 */
#ifndef HAL_SENSORS_H
#define HAL_SENSORS_H

#include <stdint.h>

struct hal_sensors {
	void *ctx;
	/* °C, or -128 when unknown */
	int8_t (*temperature_c)(void *ctx);
	/* share of time not asleep since the last call, 0..100 */
	uint8_t (*cpu_percent)(void *ctx);
};

#endif
