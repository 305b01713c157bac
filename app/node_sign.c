/*
 * node_sign.c - the rig's firmware key and signed node images, with
 * libsodium (the nodes verify with their own code: firmware/core/ed25519.c).
 *
 * The key: `nodefw.key` in the state directory (or --key): the secret, 128
 * hex digits (libsodium's 64-byte Ed25519 secret key), mode 0600, never
 * printed; `nodefw.key.pub` beside it: the public key, 64 hex digits,
 * what each node is given at the bench. An image (firmware/core/fwimage.h)
 * is the header, the body, SHA-512 of both and the signature of that
 * hash; a file holds one image, or several back to back (the same
 * firmware linked for slot A and slot B). Every image written is verified
 * with the nodes' own verifier before the file is. Main thread.
 */
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "firmware/core/fwimage.h"
#include "node_sign.h"
#include "outputs/dmx/nodelink/nodelink_wire.h"
#include "outputs/statedir.h"

#define KEY_FILE "nodefw.key"

static const struct {
	const char *name;
	uint8_t board;
} boards[] = {
	{ "sim", NODELINK_BOARD_SIM },
	{ "qemu-mps2", NODELINK_BOARD_QEMU_MPS2 },
	{ "bluepill", NODELINK_BOARD_BLUEPILL },
};

const char *gl_node_board_name(uint8_t board)
{
	for (size_t i = 0; i < sizeof boards / sizeof boards[0]; i++)
		if (boards[i].board == board)
			return boards[i].name;
	return "?";
}

static void usage_keygen(FILE *to)
{
	fprintf(to, "usage: ghostlight node keygen [--key FILE] [--force]\n"
		"  makes the rig's firmware key: FILE (default nodefw.key in the state directory;\n"
		"  secret, 0600) and FILE.pub (what each node is given at the bench)\n");
}

static void usage_sign(FILE *to)
{
	fprintf(to, "usage: ghostlight node sign --board sim|qemu-mps2|bluepill --version MAJOR.MINOR\n"
		"           [--key FILE] [--min-boot N] [--name TEXT] -o OUT (BODY | --slot-a BODY --slot-b BODY)\n"
		"  signs a node firmware body (a .bin) into OUT; --slot-a/--slot-b: the same firmware\n"
		"  linked for each image slot (boards that run in place), both in one file\n");
}

static int default_key_path(char *path, size_t len)
{
	char dir[PATH_MAX - 32];

	if (gl_state_dir(dir, sizeof dir) != 0) {
		fprintf(stderr, "ghostlight node: no state directory (HOME unset): give --key FILE\n");
		return -1;
	}
	if (gl_state_mkdirs(dir) != 0) {
		fprintf(stderr, "ghostlight node: cannot make %s: %s\n", dir, strerror(errno));
		return -1;
	}
	snprintf(path, len, "%s/%s", dir, KEY_FILE);
	return 0;
}

static void to_hex(char *out, const uint8_t *in, size_t len)
{
	for (size_t i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

int gl_node_keygen(int argc, char **argv)
{
	char path[PATH_MAX], pub_path[PATH_MAX + 8], text[2 * crypto_sign_SECRETKEYBYTES + 2];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	bool force = false, given = false;
	struct stat st;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0) {
			force = true;
		} else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
			snprintf(path, sizeof path, "%s", argv[++i]);
			given = true;
		} else {
			usage_keygen(stderr);
			return 2;
		}
	}
	if (!given && default_key_path(path, sizeof path) != 0)
		return 1;
	snprintf(pub_path, sizeof pub_path, "%s.pub", path);
	if (!force && stat(path, &st) == 0) {
		fprintf(stderr, "ghostlight node keygen: %s exists: nodes set up with that key refuse "
			"images signed with a new one (--force makes a new one anyway)\n", path);
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "ghostlight node keygen: libsodium did not start\n");
		return 1;
	}
	crypto_sign_keypair(pk, sk);
	to_hex(text, sk, sizeof sk);
	strcat(text, "\n");
	if (gl_state_write(path, text, strlen(text), 0600) != 0) {
		fprintf(stderr, "ghostlight node keygen: %s: %s\n", path, strerror(errno));
		sodium_memzero(sk, sizeof sk);
		sodium_memzero(text, sizeof text);
		return 1;
	}
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(text, sizeof text);
	to_hex(text, pk, sizeof pk);
	strcat(text, "\n");
	if (gl_state_write(pub_path, text, strlen(text), 0644) != 0) {
		fprintf(stderr, "ghostlight node keygen: %s: %s\n", pub_path, strerror(errno));
		return 1;
	}
	printf("firmware key %.*s\nsecret: %s (0600; keep it off the nodes)\npublic: %s (give it "
	       "to each node at the bench)\n", 2 * crypto_sign_PUBLICKEYBYTES, text, path, pub_path);
	return 0;
}

/* The secret key from its file; its public half checked. */
static int read_secret(const char *path, uint8_t sk[crypto_sign_SECRETKEYBYTES])
{
	char text[2 * crypto_sign_SECRETKEYBYTES + 8];
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	size_t n;
	FILE *f = fopen(path, "re");
	int rc = -1;

	if (!f) {
		fprintf(stderr, "ghostlight node sign: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (make one: ghostlight node keygen)" : "");
		return -1;
	}
	n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	if (n >= 2 * crypto_sign_SECRETKEYBYTES &&
	    sodium_hex2bin(sk, crypto_sign_SECRETKEYBYTES, text, 2 * crypto_sign_SECRETKEYBYTES, NULL,
			   NULL, NULL) == 0 &&
	    crypto_sign_ed25519_sk_to_pk(pk, sk) == 0) {
		uint8_t seed[crypto_sign_SEEDBYTES], pk2[crypto_sign_PUBLICKEYBYTES], sk2[64];

		/* the public half must be the seed's */
		crypto_sign_ed25519_sk_to_seed(seed, sk);
		crypto_sign_seed_keypair(pk2, sk2, seed);
		rc = memcmp(pk, pk2, sizeof pk) == 0 ? 0 : -1;
		sodium_memzero(seed, sizeof seed);
		sodium_memzero(sk2, sizeof sk2);
	}
	sodium_memzero(text, sizeof text);
	if (rc != 0)
		fprintf(stderr, "ghostlight node sign: %s: not a firmware key (128 hex digits from "
			"ghostlight node keygen)\n", path);
	return rc;
}

static uint8_t *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *buf;

	if (!f) {
		fprintf(stderr, "ghostlight node sign: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 1);
	*len = buf ? fread(buf, 1, max + 1, f) : 0;
	fclose(f);
	if (buf && *len > max) {
		fprintf(stderr, "ghostlight node sign: %s: more than %zu bytes\n", path, max);
		free(buf);
		return NULL;
	}
	if (buf && *len == 0) {
		fprintf(stderr, "ghostlight node sign: %s is empty\n", path);
		free(buf);
		return NULL;
	}
	return buf;
}

int gl_node_sign(int argc, char **argv)
{
	const char *body_path[3] = { NULL, NULL, NULL };   /* any, A, B */
	const char *out_path = NULL, *name = NULL;
	char key_path[PATH_MAX];
	struct fw_image_header h = { .min_boot = 1 };
	uint8_t sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t *bundle = NULL;
	size_t bundle_len = 0;
	bool board_given = false, version_given = false, key_given = false;
	int rc = 1;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned major, minor;
		char end;

		if (a[0] != '-' && !body_path[0]) {
			body_path[0] = a;
			continue;
		}
		if (!v) {
			usage_sign(stderr);
			return 2;
		}
		i++;
		if (strcmp(a, "--board") == 0) {
			for (size_t k = 0; k < sizeof boards / sizeof boards[0]; k++)
				if (strcmp(v, boards[k].name) == 0) {
					h.board = boards[k].board;
					board_given = true;
				}
			if (!board_given) {
				fprintf(stderr, "ghostlight node sign: --board is sim, qemu-mps2 or "
					"bluepill, not '%s'\n", v);
				return 2;
			}
		} else if (strcmp(a, "--version") == 0) {
			if (sscanf(v, "%u.%u%c", &major, &minor, &end) != 2 || major > 255 || minor > 255) {
				fprintf(stderr, "ghostlight node sign: --version is MAJOR.MINOR (0..255 "
					"each), not '%s'\n", v);
				return 2;
			}
			h.version = (uint16_t)(major << 8 | minor);
			version_given = true;
		} else if (strcmp(a, "--min-boot") == 0) {
			if (sscanf(v, "%u%c", &major, &end) != 1 || major < 1 || major > 255) {
				fprintf(stderr, "ghostlight node sign: --min-boot is 1..255, not '%s'\n", v);
				return 2;
			}
			h.min_boot = (uint8_t)major;
		} else if (strcmp(a, "--name") == 0) {
			name = v;
		} else if (strcmp(a, "--key") == 0) {
			snprintf(key_path, sizeof key_path, "%s", v);
			key_given = true;
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) {
			out_path = v;
		} else if (strcmp(a, "--slot-a") == 0) {
			body_path[1] = v;
		} else if (strcmp(a, "--slot-b") == 0) {
			body_path[2] = v;
		} else {
			fprintf(stderr, "ghostlight node sign: unknown option '%s'\n", a);
			usage_sign(stderr);
			return 2;
		}
	}
	if (!board_given || !version_given || !out_path ||
	    !(body_path[0] || body_path[1] || body_path[2]) ||
	    (body_path[0] && (body_path[1] || body_path[2]))) {
		usage_sign(stderr);
		return 2;
	}
	if (!key_given && default_key_path(key_path, sizeof key_path) != 0)
		return 1;
	if (sodium_init() < 0 || read_secret(key_path, sk) != 0)
		return 1;
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	snprintf(h.name, sizeof h.name, "%s", name ? name : "node firmware");
	for (int s = 0; s < 3; s++) {
		struct fw_image_want want = { .board = h.board, .slot = s == 2 ? FW_SLOT_B : FW_SLOT_A,
					      .boot_version = 255, .capacity = UINT32_MAX };
		struct fw_image_header check;
		uint8_t *body, *img, *grown;
		size_t len;
		int verdict;

		if (!body_path[s])
			continue;
		if (!(body = read_file(body_path[s], FW_IMAGE_BODY_MAX, &len)))
			goto out;
		h.slot = (uint8_t)s;
		h.body_len = (uint32_t)len;
		grown = realloc(bundle, bundle_len + fw_image_len(&h));
		if (!grown) {
			free(body);
			fprintf(stderr, "ghostlight node sign: out of memory\n");
			goto out;
		}
		bundle = grown;
		img = bundle + bundle_len;
		fw_image_header_put(img, &h);
		memcpy(img + FW_IMAGE_HEADER_LEN, body, len);
		free(body);
		crypto_hash_sha512(img + FW_IMAGE_HEADER_LEN + len, img, FW_IMAGE_HEADER_LEN + len);
		crypto_sign_detached(img + FW_IMAGE_HEADER_LEN + len + FW_SHA512_LEN, NULL,
				     img + FW_IMAGE_HEADER_LEN + len, FW_SHA512_LEN, sk);
		/* what a node will do with it, before anyone gets it */
		verdict = fw_image_check_buffer(img, fw_image_len(&h), &want, pk, &check);
		if (verdict != FW_IMG_OK) {
			fprintf(stderr, "ghostlight node sign: the image does not verify: %s\n",
				fw_image_strerror(verdict));
			goto out;
		}
		bundle_len += fw_image_len(&h);
		printf("%s: %s %u.%u for %s, %s, %u-byte body, %u bytes signed\n", out_path, h.name,
		       h.version >> 8, h.version & 0xff, gl_node_board_name(h.board),
		       s == 0 ? "any slot" : s == 1 ? "slot A" : "slot B", h.body_len, fw_image_len(&h));
	}
	if (gl_state_write(out_path, bundle, bundle_len, 0644) != 0) {
		fprintf(stderr, "ghostlight node sign: %s: %s\n", out_path, strerror(errno));
		goto out;
	}
	{
		char hex[2 * crypto_sign_PUBLICKEYBYTES + 1];

		to_hex(hex, pk, sizeof pk);
		printf("signed with firmware key %.16s...\n", hex);
	}
	rc = 0;
out:
	sodium_memzero(sk, sizeof sk);
	free(bundle);
	return rc;
}
