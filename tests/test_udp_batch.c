/*
 * test_udp_batch.c - a frame's datagrams through udp_batch over loopback:
 * every datagram arrives whole and in order at its destination, whether
 * runs of full-size datagrams go as GSO messages or one by one, with short
 * datagrams and a second destination breaking the runs; and by default
 * not as GSO to loopback, where captures would see GSO messages whole.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/gl.h"
#include "outputs/dmx/udp_batch.h"

#define SIZE 600
#define COUNT 150

static int bound(struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	socklen_t len = sizeof *sa;
	int big = 4 << 20;
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	*sa = (struct sockaddr_in){ .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(fd, (struct sockaddr *)sa, sizeof *sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sa, &len), 0);
	struct timeval tv = { 1, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* Datagram i: to b unless i % 50 == 49; short when i % 37 == 5; its bytes
 * say its number. */
static void run(enum gl_udp_gso gso)
{
	struct sockaddr_in a_addr, b_addr;
	int a = bound(&a_addr), b = bound(&b_addr);
	int out = socket(AF_INET, SOCK_DGRAM, 0);
	struct gl_udp_batch batch;
	assert_int_equal(gl_udp_batch_init(&batch, COUNT, SIZE), 0);
	batch.gso = gso;
	for (int i = 0; i < COUNT; i++) {
		uint8_t *p = gl_udp_batch_next(&batch, i % 50 == 49 ? &a_addr : &b_addr);
		assert_non_null(p);
		size_t len = i % 37 == 5 ? 100 : SIZE;
		memset(p, i, len);
		gl_udp_batch_commit(&batch, len);
	}
	assert_null(gl_udp_batch_next(&batch, &a_addr));   /* full */
	assert_int_equal(gl_udp_batch_send(&batch, out), 0);
	for (int i = 0; i < COUNT; i++)
		assert_true(batch.ok[i]);
	if (gso == GL_UDP_GSO_ON)
		assert_true(batch.gso_messages > 0 && batch.gso_messages < COUNT);
	else   /* off, or the default, which keeps GSO away from loopback */
		assert_int_equal(batch.gso_messages, 0);

	for (int i = 0; i < COUNT; i++) {
		uint8_t buf[2000];
		ssize_t n = recv(i % 50 == 49 ? a : b, buf, sizeof buf, 0);
		assert_int_equal(n, i % 37 == 5 ? 100 : SIZE);
		assert_int_equal(buf[0], (uint8_t)i);
		assert_int_equal(buf[n - 1], (uint8_t)i);
	}
	uint8_t extra[8];
	assert_true(recv(a, extra, sizeof extra, MSG_DONTWAIT) < 0);
	assert_true(recv(b, extra, sizeof extra, MSG_DONTWAIT) < 0);
	gl_udp_batch_clear(&batch);
	assert_int_equal(gl_udp_batch_send(&batch, out), 0);   /* empty: nothing */
	gl_udp_batch_free(&batch);
	close(out);
	close(a);
	close(b);
}

static void test_gso(void **state)
{
	run(GL_UDP_GSO_ON);
}

static void test_one_by_one(void **state)
{
	run(GL_UDP_GSO_OFF);
}

static void test_not_to_loopback_by_default(void **state)
{
	run(GL_UDP_GSO_AUTO);
}

/* A datagram the kernel refuses (no such destination port: 0) is reported
 * with its errno; the others still leave. */
static void test_refused_datagram(void **state)
{
	struct sockaddr_in a_addr, nowhere = { .sin_family = AF_INET };
	int a = bound(&a_addr), out = socket(AF_INET, SOCK_DGRAM, 0);
	struct gl_udp_batch batch;
	assert_int_equal(gl_udp_batch_init(&batch, 3, SIZE), 0);
	nowhere.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	nowhere.sin_port = 0;
	const struct sockaddr_in *dests[3] = { &a_addr, &nowhere, &a_addr };
	for (int i = 0; i < 3; i++) {
		memset(gl_udp_batch_next(&batch, dests[i]), i, SIZE);
		gl_udp_batch_commit(&batch, SIZE);
	}
	assert_int_equal(gl_udp_batch_send(&batch, out), 1);
	assert_true(batch.ok[0] && !batch.ok[1] && batch.ok[2]);
	assert_true(batch.err[1] != 0);
	gl_udp_batch_free(&batch);
	close(out);
	close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gso),
		cmocka_unit_test(test_one_by_one),
		cmocka_unit_test(test_not_to_loopback_by_default),
		cmocka_unit_test(test_refused_datagram),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
