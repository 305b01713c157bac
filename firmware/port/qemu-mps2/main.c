/*
 * main.c - the qemu-mps2 port: the node on an emulated Cortex-M3 (QEMU
 * -M mps2-an385). The radio is the LAN9118: each Ethernet frame of
 * EtherType 0x88b5 carries one air envelope (PROTOCOL.md), fed by QEMU's
 * `-nic socket`; the radio "tunes" by dropping what is not on its channel
 * and address. Frames reach the guest a variable while after their air
 * time (the bridge, QEMU's event loop; on a busy host tens of
 * milliseconds, more than a superframe, where a real radio has no lag).
 * The core runs on its own clock: the envelope's air-time stamp moved by
 * one offset, fixed by the first frame, so that the air's timing reaches
 * the core unchanged (an offset that moved as faster frames came in would
 * move the console's beacons under the node's feet). A frame runs the core
 * up to its air time and is handed over then; with no frames the core's
 * clock runs AIR_DELAY_US behind the guest's (a delay line: a frame up to
 * that late still finds the core before it, as a radio would). A frame
 * later still is judged by where the radio was tuned at its air time - as
 * the simulator does. The core's timers, the line and the radio's tunings
 * all run on the core's clock.
 * The DMX line is UART1 (`-serial file:...`): its bytes are
 * written at their line times (QEMU's UART has no BREAK, so a frame is
 * just start code and slots). UART0 is the console. The clock is TIMER0
 * (25 MHz, free-running), sleep is WFI until TIMER1 or a frame; the node's
 * flash is a region of the code memory (RAM under QEMU).
 *
 * Two builds: node-qemu.elf stands alone at address 0 (no bootloader, no
 * updates: what nodes_qemu.sh runs); node-qemu-a/-b (NODE_SLOT) are linked
 * for image slot A or B of layout.h, started by boot-qemu.elf, and take
 * firmware updates: the slots and the boot-state log are memflash regions,
 * the key is the bootloader's, a reset is SYSRESETREQ.
 *
 * Settings come from the semihosting command line (-append): key=HEX64
 * id=N universe=U [start=S count=C failsafe=hold|zero|scene|off]; for
 * tests exit-after=N (exit 0 after N live frames of whole universes) and
 * deadline=S (exit 1 if that has not happened by S seconds). At the end it
 * prints the node's counters and how busy the CPU was (under -icount,
 * busy time is instructions).
 *
 * The bench image (NODE_BENCH, node-qemu-bench.elf; bench=N) runs N
 * superframes built by the console's own code (nodelink_tx) straight into
 * the core on a made-up clock and counts the core's time: under
 * `-icount shift=0,sleep=off` a virtual ns is one instruction, so it
 * prints instructions per superframe and per MAC.
 *
 * One thread, no interrupt handlers: interrupts only wake the WFI.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "firmware/core/node.h"
#include "console.h"
#include "firmware/port/common/memflash.h"
#include "mps2.h"
#ifdef NODE_SLOT
#include "layout.h"
#endif
#ifdef NODE_BENCH
#include "outputs/dmx/nodelink/nodelink_tx.h"
#endif

#define ETH_FRAME_MAX 1536
#define ETH_HDR 14
#define RXQ 64

#define TUNINGS 32
#define AIR_DELAY_US 100000u         /* the core runs this far behind the guest clock */
#define CLOCK_BASE_US 1000000u       /* the clock starts here: the core's never starts at 0 */

struct port {
	/* clock */
	uint32_t timer_last;
	uint64_t ticks;
	uint64_t busy_ticks, idle_ticks, cpu_mark_busy, cpu_mark_idle;
	/* radio */
	uint8_t tuned;
	uint32_t address;
	uint8_t mac[6];
	struct { uint64_t at; uint8_t channel; uint32_t address; } tunings[TUNINGS];
	uint32_t tuning_next;
	int64_t air_offset_ns;       /* core clock - host air time, from the first frame */
	uint64_t core_now;           /* the time the core has been run to */
	bool air_offset_known;
	/* DMX line */
	const uint8_t *line;
	const struct hal_dmx_info *line_info;
	uint16_t line_len, line_next;
	uint64_t line_at;            /* when byte 0 (the start code) leaves */
	/* test mode */
	uint32_t exit_after, whole_frames;
	uint64_t deadline_us;
	uint32_t rng;
};

static struct port P;
static struct node N;
/* Initialised data, so the startup's copy of .data from flash is exercised
 * (and checked in main): the random numbers' seed. */
static volatile uint32_t rng_seed = 0x5eed1234u;
#ifndef NODE_SLOT
extern uint8_t _nodeflash[];
#endif

/* ---- clock ---------------------------------------------------------------------- */

static uint64_t now_us(void)
{
	uint32_t v = TIMER_VALUE(TIMER0_BASE);

	P.ticks += (uint32_t)(P.timer_last - v);     /* counts down, wraps every 171 s */
	P.timer_last = v;
	return CLOCK_BASE_US + P.ticks / (MPS2_SYSCLK_HZ / 1000000u);
}

/* WFI until `until` or a frame: TIMER1 counts the wait down. */
static void sleep_until(uint64_t until)
{
	uint64_t now = now_us(), t0 = P.ticks;

	if (until <= now + 20)
		return;
	if (until - now > 1000000u)
		until = now + 1000000u;
	TIMER_CTRL(TIMER1_BASE) = 0;
	TIMER_INTCLEAR(TIMER1_BASE) = 1;
	TIMER_RELOAD(TIMER1_BASE) = 0xffffffffu;
	TIMER_VALUE(TIMER1_BASE) = (uint32_t)(until - now) * (MPS2_SYSCLK_HZ / 1000000u);
	TIMER_CTRL(TIMER1_BASE) = TIMER_CTRL_EN | TIMER_CTRL_IRQEN;
	NVIC_ICPR0 = 1u << TIMER1_IRQ;
	if (!(ETH_RX_FIFO_INF & 0x00ff0000u))
		cm_wfi();
	TIMER_CTRL(TIMER1_BASE) = 0;
	TIMER_INTCLEAR(TIMER1_BASE) = 1;
	NVIC_ICPR0 = 1u << TIMER1_IRQ | 1u << ETH_IRQ;
	now_us();
	P.idle_ticks += P.ticks - t0;
}

/* ---- radio: the LAN9118 ------------------------------------------------------------ */

static void mac_write(uint32_t reg, uint32_t value)
{
	while (ETH_MAC_CSR_CMD & ETH_MAC_CSR_BUSY)
		;
	ETH_MAC_CSR_DATA = value;
	ETH_MAC_CSR_CMD = ETH_MAC_CSR_BUSY | reg;
	while (ETH_MAC_CSR_CMD & ETH_MAC_CSR_BUSY)
		;
}

static int eth_init(void)
{
	if (ETH_BYTE_TEST != ETH_BYTE_TEST_VALUE)
		return -1;
	ETH_HW_CFG = ETH_HW_CFG_SRST;
	for (int i = 0; i < 100000 && (ETH_HW_CFG & ETH_HW_CFG_SRST); i++)
		;
	mac_write(ETH_MAC_CR, ETH_MAC_CR_PRMS | ETH_MAC_CR_RXEN | ETH_MAC_CR_TXEN);
	ETH_TX_CFG = ETH_TX_CFG_ON;
	ETH_IRQ_CFG = ETH_IRQ_CFG_EN | ETH_IRQ_CFG_POL | ETH_IRQ_CFG_TYPE;
	ETH_INT_EN = ETH_INT_RSFL;
	return 0;
}

static void radio_listen(void *ctx, uint8_t channel, uint32_t address)
{
	uint32_t i = P.tuning_next++ % TUNINGS;

	(void)ctx;
	P.tuned = channel;
	P.address = address;
	P.tunings[i].at = P.core_now;
	P.tunings[i].channel = channel;
	P.tunings[i].address = address;
}

/* Where the radio was listening at time `at`. */
static bool tuned_at(uint64_t at, uint8_t channel, uint32_t address)
{
	for (uint32_t k = 1; k <= TUNINGS && k <= P.tuning_next; k++) {
		uint32_t i = (P.tuning_next - k) % TUNINGS;

		if (P.tunings[i].at <= at)
			return P.tunings[i].channel == channel && P.tunings[i].address == address;
	}
	return false;
}

static int radio_send(void *ctx, uint8_t channel, uint32_t address, const uint8_t *pkt, uint8_t len)
{
	struct nodelink_air a = { .flags = NODELINK_AIR_UP, .channel = channel, .address = address,
				  .len = len };
	uint32_t frame[(ETH_HDR + NODELINK_AIR_MAX + 3) / 4 + 1];
	uint8_t *f = (uint8_t *)frame;
	int n;

	(void)ctx;
	memcpy(a.pkt, pkt, len);
	memset(f, 0xff, 6);                          /* broadcast */
	memcpy(f + 6, P.mac, 6);
	f[12] = NODELINK_ETHERTYPE >> 8;
	f[13] = NODELINK_ETHERTYPE & 0xff;
	n = nodelink_air_encode(f + ETH_HDR, sizeof frame - ETH_HDR, &a);
	if (n < 0)
		return -1;
	n += ETH_HDR;
	ETH_TX_DATA = (uint32_t)n | ETH_TXA_FIRST | ETH_TXA_LAST;
	ETH_TX_DATA = (uint32_t)n;
	for (int i = 0; i < (n + 3) / 4; i++)
		ETH_TX_DATA = frame[i];
	/* the status of each sent frame is of no use to us */
	while (ETH_TX_FIFO_INF & 0x00ff0000u)
		(void)ETH_TX_STATUS;
	return 0;
}

/* Every frame waiting: each one an air packet for the node if it is on the
 * channel and address the radio is tuned to. */
static void eth_receive(uint64_t now)
{
	static uint32_t buf[ETH_FRAME_MAX / 4];

	while (ETH_RX_FIFO_INF & 0x00ff0000u) {
		uint32_t status = ETH_RX_STATUS;
		uint32_t len = (status >> 16) & 0x3fffu, words = (len + 3) / 4;
		const uint8_t *f = (const uint8_t *)buf;
		struct nodelink_air a;
		uint64_t at;

		for (uint32_t i = 0; i < words; i++) {
			uint32_t w = ETH_RX_DATA;

			if (i < ETH_FRAME_MAX / 4)
				buf[i] = w;
		}
		if (len < ETH_HDR + 4 || len > ETH_FRAME_MAX || (status & 0x8000u) ||
		    f[12] != (NODELINK_ETHERTYPE >> 8) || f[13] != (NODELINK_ETHERTYPE & 0xff))
			continue;
		/* len counts the CRC */
		if (nodelink_air_decode(f + ETH_HDR, len - 4 - ETH_HDR, &a) != 0 ||
		    (a.flags & NODELINK_AIR_UP))
			continue;
		if (a.at_ns) {
			int64_t d = (int64_t)(now * 1000u) - (int64_t)a.at_ns;

			if (!P.air_offset_known)
				P.air_offset_ns = d;
			P.air_offset_known = true;
			at = (uint64_t)((int64_t)a.at_ns + P.air_offset_ns) / 1000u;
		} else {
			at = now;
		}
		/* the core runs up to the frame's air time, so that the radio
		 * is where the core tuned it then (a frame later than
		 * AIR_DELAY_US is judged by where the radio was) */
		if (at > P.core_now) {
			P.core_now = at;
			node_poll(&N, at);
		}
		if (!tuned_at(at, a.channel, a.address))
			continue;
		node_rx(&N, at, a.pkt, a.len, 0);
	}
	ETH_INT_STS = ETH_INT_RSFL;
}

/* ---- DMX line: UART1, each byte at its time -------------------------------------- */

static void dmx_service(uint64_t now)
{
	while (P.line && P.line_next < P.line_len && now >= P.line_at + 44u * P.line_next)
		uart_put(UART1_BASE, P.line[P.line_next++]);
}

static void dmx_finish(void)
{
	if (!P.line)
		return;
	while (P.line_next < P.line_len)
		uart_put(UART1_BASE, P.line[P.line_next++]);
	if (P.line_info->state == NODELINK_ST_LIVE && P.line_info->fresh == P.line_info->frags)
		P.whole_frames++;
	P.line = NULL;
}

static void dmx_start(void *ctx, uint64_t at, uint16_t brk, uint16_t mab, const uint8_t *buf,
		      uint16_t len, const struct hal_dmx_info *info)
{
	(void)ctx;
	dmx_finish();
	P.line = buf;
	P.line_len = len;
	P.line_next = 0;
	P.line_info = info;
	P.line_at = at + brk + mab;
}

static void dmx_stop(void *ctx)
{
	(void)ctx;
	dmx_finish();
}

/* ---- flash: regions of code memory ---------------------------------------------- */

#ifdef NODE_SLOT
static struct memflash settings_mem = { (uint8_t *)(uintptr_t)LAYOUT_SETTINGS, 3 * MEMFLASH_PAGE };
static struct memflash slot_mem[2] = {
	{ (uint8_t *)(uintptr_t)LAYOUT_SLOT(0), LAYOUT_SLOT_SIZE },
	{ (uint8_t *)(uintptr_t)LAYOUT_SLOT(1), LAYOUT_SLOT_SIZE },
};
static struct memflash log_mem = { (uint8_t *)(uintptr_t)LAYOUT_LOG, MEMFLASH_PAGE };
static uint8_t fw_key[FW_ED25519_KEY_LEN];

static void fw_reset(void *ctx)
{
	(void)ctx;
	con_print("node: restarting\n");
	cm_reset();
}

/* The slots, the log, the bootloader's key and handover. */
static void fw_hal(struct node_hal *h)
{
	memflash_hal(&slot_mem[0], &h->fw.slot[0]);
	memflash_hal(&slot_mem[1], &h->fw.slot[1]);
	memflash_hal(&log_mem, &h->fw.log);
	if (fw_keyblock_get((const uint8_t *)(uintptr_t)LAYOUT_KEYBLOCK, fw_key))
		h->fw.key = fw_key;
	h->fw.boot = (const struct fw_handover *)(uintptr_t)LAYOUT_HANDOVER;
	h->fw.reset = fw_reset;
}
#else
static struct memflash settings_mem = { _nodeflash, 3 * MEMFLASH_PAGE };
#endif

/* ---- the rest --------------------------------------------------------------------- */

static uint32_t rng_next(void *ctx)
{
	/* xorshift32 stirred with the clock: unpredictable enough for
	 * nonces under emulation (a board mixes in ADC noise) */
	(void)ctx;
	P.rng ^= TIMER_VALUE(TIMER0_BASE);
	P.rng ^= P.rng << 13;
	P.rng ^= P.rng >> 17;
	P.rng ^= P.rng << 5;
	return P.rng;
}

static uint8_t cpu_percent(void *ctx)
{
	uint64_t busy = P.busy_ticks - P.cpu_mark_busy, idle = P.idle_ticks - P.cpu_mark_idle;

	(void)ctx;
	P.cpu_mark_busy = P.busy_ticks;
	P.cpu_mark_idle = P.idle_ticks;
	return (uint8_t)(busy + idle ? busy * 100u / (busy + idle) : 0);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static uint32_t number(const char *s)
{
	uint32_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint32_t)(*s++ - '0');
	return v;
}

/* "key=..." in the command line: a pointer to its value, or NULL. */
static const char *arg(const char *cmdline, const char *key)
{
	size_t k = 0;

	while (key[k])
		k++;
	for (const char *p = cmdline; *p; p++)
		if ((p == cmdline || p[-1] == ' ') && memcmp(p, key, k) == 0 && p[k] == '=')
			return p + k + 1;
	return NULL;
}


#ifdef NODE_BENCH
/* ---- bench: the core's instructions per superframe ------------------------------ */

static struct nodelink_tx bench_tx;
static uint32_t bench_frames, bench_wrong;
static uint8_t bench_universe[NODELINK_SLOTS];

static uint64_t ticks(void)
{
	now_us();
	return P.ticks;
}

static int bench_send(void *ctx, uint8_t channel, uint32_t address, const uint8_t *pkt, uint8_t len)
{
	(void)ctx;
	(void)channel;
	(void)address;
	nodelink_tx_heard(&bench_tx, 0, pkt, len, 0);
	return 0;
}

static void bench_start(void *ctx, uint64_t at, uint16_t brk, uint16_t mab, const uint8_t *buf,
			uint16_t len, const struct hal_dmx_info *info)
{
	(void)ctx;
	(void)at;
	(void)brk;
	(void)mab;
	/* on a board the line is DMA: no CPU; here the frames are checked */
	bench_frames++;
	if (info->state == NODELINK_ST_LIVE && info->fresh == info->frags &&
	    memcmp(buf + 1, bench_universe, len - 1u) != 0)
		bench_wrong++;
}

static void bench(uint32_t superframes, const struct node_settings *prov, uint16_t id)
{
	static struct node_hal hal = {
		.radio = { NULL, radio_listen, bench_send },
		.dmx = { NULL, bench_start, dmx_stop },
		.rng = { NULL, rng_next },
	};
	struct nodelink_tx_packet pk[NODELINK_TX_PACKETS];
	struct nodelink_key key;
	uint64_t t0 = 1000000, busy = 0, c;
	uint32_t packets = 0, taken = 0, mac_ticks;

	memflash_hal(&settings_mem, &hal.flash);
	nodelink_tx_init(&bench_tx, prov->key, prov->link.universe, 1000, 0, 77);
	node_init(&N, &hal, id, NODELINK_BOARD_QEMU_MPS2, prov, t0);
	/* one MAC, for scale */
	nodelink_key_init(&key, prov->key);
	c = ticks();
	for (int i = 0; i < 100; i++)
		nodelink_mac(&key, 1, 2, bench_universe, 32, bench_universe);
	mac_ticks = (uint32_t)(ticks() - c);
	for (uint32_t k = 0; k < superframes; k++, t0 += 25000) {
		int n;

		for (int i = 0; i < NODELINK_SLOTS; i++)
			bench_universe[i] = (uint8_t)(k * 3u + (uint32_t)i);
		n = nodelink_tx_superframe(&bench_tx, bench_universe, pk);
		for (int i = 0; i < n; i++) {
			uint64_t at = t0 + nodelink_slot_end_us(bench_tx.slot_us, pk[i].slot);

			c = ticks();
			node_poll(&N, at);
			if (pk[i].channel == P.tuned && bench_tx.address == P.address) {
				node_rx(&N, at, pk[i].pkt, pk[i].len, 0);
				taken++;
			}
			busy += ticks() - c;
			packets++;
		}
		c = ticks();
		node_poll(&N, t0 + 25000 - 1);
		busy += ticks() - c;
	}
	con_print_u("bench: superframes ", superframes);
	con_print_u(" packets ", packets);
	con_print_u(" taken ", taken);
	con_print_u(" frames ", bench_frames);
	con_print_u(" wrong ", bench_wrong);
	con_print_u(" core_instructions ", busy * (1000000000u / MPS2_SYSCLK_HZ));
	con_print_u(" per_superframe ", busy * (1000000000u / MPS2_SYSCLK_HZ) / superframes);
	con_print_u(" per_mac ", (uint64_t)mac_ticks * (1000000000u / MPS2_SYSCLK_HZ) / 100u);
	con_print("\n");
	cm_semihost_exit(bench_wrong || taken < packets / 2 ? 1 : 0);
}
#endif

static void finish(int code)
{
	dmx_finish();
	con_print_u("node: frames ", N.stats.frames);
	con_print_u(" whole ", P.whole_frames);
	con_print_u(" data ", N.stats.data);
	con_print_u(" bad_mac ", N.stats.bad_mac);
	con_print_u(" stale ", N.stats.stale);
	con_print_u(" syncs ", N.stats.syncs);
	con_print_u(" lost ", N.stats.lost);
	con_print_u(" superframes ", N.counter);
	con_print_u(" busy_ticks ", P.busy_ticks);
	con_print_u(" idle_ticks ", P.idle_ticks);
	con_print("\n");
	cm_semihost_exit(code);
}

int main(void)
{
	static char cmdline[512];
	struct { char *buf; int len; } cl = { cmdline, sizeof cmdline - 1 };
	static struct node_hal hal = {
		.radio = { NULL, radio_listen, radio_send },
		.dmx = { NULL, dmx_start, dmx_stop },
		.rng = { NULL, rng_next },
		.sensors = { NULL, NULL, cpu_percent },
	};
	struct node_settings prov;
	const char *v;
	uint32_t id;
	uint64_t now, mark;

	cm_irq_disable();
	UART_BAUDDIV(UART0_BASE) = 16;
	UART_CTRL(UART0_BASE) = UART_CTRL_TXEN;
	UART_BAUDDIV(UART1_BASE) = 16;
	UART_CTRL(UART1_BASE) = UART_CTRL_TXEN;
	TIMER_RELOAD(TIMER0_BASE) = 0xffffffffu;
	TIMER_VALUE(TIMER0_BASE) = 0xffffffffu;
	TIMER_CTRL(TIMER0_BASE) = TIMER_CTRL_EN;
	P.timer_last = 0xffffffffu;
	NVIC_ISER0 = 1u << TIMER1_IRQ | 1u << ETH_IRQ;

	if (cm_semihost(SEMI_SYS_GET_CMDLINE, &cl) != 0)
		cmdline[0] = '\0';
	node_settings_default(&prov);
	id = (v = arg(cmdline, "id")) ? number(v) : 1;
	if ((v = arg(cmdline, "universe")))
		prov.link.universe = (uint16_t)number(v);
	if ((v = arg(cmdline, "start")))
		prov.link.start = (uint16_t)number(v);
	if ((v = arg(cmdline, "count")))
		prov.link.count = (uint16_t)number(v);
	if ((v = arg(cmdline, "failsafe")))
		prov.link.failsafe = (uint8_t)(v[0] == 'z' ? NODELINK_FS_ZERO : v[0] == 's' ?
			NODELINK_FS_SCENE : v[0] == 'o' ? NODELINK_FS_OFF : NODELINK_FS_HOLD);
	if ((v = arg(cmdline, "key"))) {
		prov.has_key = 1;
		for (int i = 0; i < NODELINK_KEY_LEN; i++) {
			int hi = hexval(v[2 * i]), lo = hi < 0 ? -1 : hexval(v[2 * i + 1]);

			if (lo < 0) {
				prov.has_key = 0;
				break;
			}
			prov.key[i] = (uint8_t)(hi << 4 | lo);
		}
	}
	P.exit_after = (v = arg(cmdline, "exit-after")) ? number(v) : 0;
	if (!prov.has_key || id < 1 || id >= NODELINK_NODE_ALL ||
	    nodelink_config_check(&prov.link, NODELINK_CF_ALL) != 0) {
		con_print("node: usage: key=HEX64 id=N universe=U [start=S count=C failsafe=M] "
		      "[exit-after=N deadline=S]\n");
		cm_semihost_exit(2);
	}
	if (eth_init() != 0) {
		con_print("node: no LAN9118 at 0x40200000\n");
		cm_semihost_exit(3);
	}
	P.mac[0] = 0x02;                 /* locally administered */
	P.mac[4] = (uint8_t)(id >> 8);
	P.mac[5] = (uint8_t)id;
	if (rng_seed != 0x5eed1234u) {
		con_print("node: .data was not copied from flash\n");
		cm_semihost_exit(4);
	}
	P.rng = rng_seed ^ id;

#ifdef NODE_BENCH
	if ((v = arg(cmdline, "bench")))
		bench(number(v), &prov, (uint16_t)id);
#endif
	now = now_us();
	P.deadline_us = (v = arg(cmdline, "deadline")) ? now + number(v) * 1000000ull : 0;
	P.core_now = now - AIR_DELAY_US;
	memflash_hal(&settings_mem, &hal.flash);
#ifdef NODE_SLOT
	fw_hal(&hal);
#endif
	node_init(&N, &hal, (uint16_t)id, NODELINK_BOARD_QEMU_MPS2, &prov, P.core_now);
	con_print_u("node: id ", id);
	con_print_u(" universe ", N.set.link.universe);
	con_print_u(" firmware ", N.fw.version >> 8);
	con_print_u(".", N.fw.version & 0xff);
	if (N.fw.slot >= 0)
		con_print(N.fw.slot ? " from slot B" : " from slot A");
	con_print(N.fw.trial ? " on trial\n" : "\n");
	mark = P.ticks;
#ifdef NODE_SLOT
	bool trial = N.fw.trial;
#endif
	for (;;) {
		uint64_t next;

		now = now_us();
		eth_receive(now);
		if (now - AIR_DELAY_US > P.core_now)
			P.core_now = now - AIR_DELAY_US;
		node_poll(&N, P.core_now);
		dmx_service(P.core_now);
		if (P.exit_after && P.whole_frames >= P.exit_after)
			finish(0);
		if (P.deadline_us && now >= P.deadline_us) {
			con_print("node: deadline passed\n");
			finish(1);
		}
#ifdef NODE_SLOT
		if (trial && !N.fw.trial)
			con_print("node: self-test passed, firmware confirmed\n");
		trial = N.fw.trial;
#endif
		next = node_next_us(&N);
		/* the line's bytes go out a fragment (24 slots, 1.06 ms) at a
		 * time: the capture needs no finer timing, the core decides per
		 * fragment, and QEMU is spared a wake-up every 44 µs */
		if (P.line && P.line_next < P.line_len) {
			uint32_t upto = (P.line_next / 24u + 1u) * 24u;
			uint64_t due = P.line_at + 44u * (upto < P.line_len ? upto : P.line_len - 1u);

			if (due < next)
				next = due;
		}
		now_us();
		P.busy_ticks += P.ticks - mark;
		/* until the core's clock reaches `next` on its own; a frame
		 * wakes it sooner */
		sleep_until(next + AIR_DELAY_US);
		mark = P.ticks;
	}
}
