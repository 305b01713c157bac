/*
 * test_ed25519.c - the node's SHA-512 and Ed25519 verifier (firmware/core)
 * against the standards' examples and against libsodium 1.0.18 as an
 * independent implementation: SHA-512 on FIPS 180-4's examples and on
 * random messages fed in random pieces; RFC 8032's Ed25519 test vectors;
 * then thousands of signatures where both verifiers must give the same
 * answer - good ones, and ones with a bit flipped in the signature, key or
 * message, S not below L (S + kL, all-ones), R and A of small order (all
 * eight torsion points, with either sign bit and non-canonical aliases),
 * A not canonical (y >= p), random bytes for A and R, and signatures
 * crafted to pass without the cofactor for keys with a torsion component
 * and to fail without it for R with one. Prints how many of each were
 * accepted.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "firmware/core/ed25519.h"
#include "firmware/core/sha512.h"

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(strlen(hex), 2 * len);
	for (size_t i = 0; i < len; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* ---- SHA-512 -------------------------------------------------------------------- */

static void test_sha512_fips(void **state)
{
	/* FIPS 180-4's examples ("abc" and the 896-bit message); the empty
	 * message and a million 'a' against libsodium */
	static const char abc[] = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
				  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
	static const char two_blocks[] =
		"8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
		"501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909";
	static const char msg896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				     "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	uint8_t want[64], got[64], ref[64];
	static uint8_t million[1000000];

	(void)state;
	unhex(abc, want, 64);
	fw_sha512(got, "abc", 3);
	assert_memory_equal(got, want, 64);
	unhex(two_blocks, want, 64);
	fw_sha512(got, msg896, strlen(msg896));
	assert_memory_equal(got, want, 64);
	fw_sha512(got, "", 0);
	crypto_hash_sha512(ref, (const uint8_t *)"", 0);
	assert_memory_equal(got, ref, 64);
	memset(million, 'a', sizeof million);
	fw_sha512(got, million, sizeof million);
	crypto_hash_sha512(ref, million, sizeof million);
	assert_memory_equal(got, ref, 64);
}

static void test_sha512_random(void **state)
{
	uint8_t msg[1200], got[64], ref[64];

	(void)state;
	for (int n = 0; n < 600; n++) {
		size_t len = n < 300 ? (size_t)n : randombytes_uniform(sizeof msg + 1);
		struct fw_sha512 s;
		size_t at = 0;

		randombytes_buf(msg, len);
		fw_sha512_init(&s);
		/* in random pieces: the buffering must not matter */
		while (at < len) {
			size_t piece = 1 + randombytes_uniform((uint32_t)(len - at));

			fw_sha512_update(&s, msg + at, piece);
			at += piece;
		}
		fw_sha512_final(&s, got);
		crypto_hash_sha512(ref, msg, len);
		assert_memory_equal(got, ref, 64);
	}
}

/* ---- RFC 8032, 7.1 ---------------------------------------------------------------- */

struct vector {
	const char *pk, *msg, *sig;
};

/* TEST 1, 2, 3, 1024 and SHA(abc): public key, message, signature */
static const struct vector rfc8032[] = {
	{ "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
	  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	  "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
	{ "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
	  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	{ "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
	  "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
	  "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
	{ "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
	  "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f5"
	  "4e9f77b1e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37"
	  "c93a1b270b20329d658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efc"
	  "b8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b"
	  "3b310da903401aa62100ab5d1a36553e06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573c"
	  "b116dbefefd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204"
	  "ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed185ce81bd84359d44254d95629e9855a94a7c1958"
	  "d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
	  "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f27088d78b7e883c8759d2c4f5c6"
	  "5adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2"
	  "cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128bab27af87a"
	  "71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b"
	  "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9"
	  "b47acdb751fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb"
	  "038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f672451"
	  "7b65e614ad6808d6f6ee34dff7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
	  "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e"
	  "2ab47b57f7f7276cd419c17a3ca8e1b939ae49e488acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d"
	  "5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e6aed3fb0"
	  "f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5fb93246f6b1116398a346f1a641f3b041"
	  "e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa9"
	  "33a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380db2eaaa707b4c4185"
	  "c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8cac60c905c"
	  "15fc910840b94c00a0b9d0",
	  "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
	  "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03" },
	{ "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
	  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	  "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
	  "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704" },
};

static void test_rfc8032(void **state)
{
	(void)state;
	for (size_t v = 0; v < sizeof rfc8032 / sizeof rfc8032[0]; v++) {
		uint8_t pk[32], sig[64], msg[1024];
		size_t len = strlen(rfc8032[v].msg) / 2;

		unhex(rfc8032[v].pk, pk, 32);
		unhex(rfc8032[v].sig, sig, 64);
		unhex(rfc8032[v].msg, msg, len);
		assert_int_equal(fw_ed25519_verify(sig, msg, len, pk), FW_ED25519_OK);
		/* any bit of the signature flipped: refused */
		for (int bit = 0; bit < 512; bit += 7) {
			sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_not_equal(fw_ed25519_verify(sig, msg, len, pk), FW_ED25519_OK);
			sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		/* another message */
		msg[0] ^= 1;
		assert_int_equal(fw_ed25519_verify(sig, msg, len ? len : 1, pk), FW_ED25519_MISMATCH);
	}
}

/* ---- differential, against libsodium ----------------------------------------------- */

/* The eight points of small order (computed from the curve equation: the
 * torsion subgroup), by order: 1, 2, 4, 4, 8, 8, 8, 8. */
static const char *const torsion[8] = {
	"0100000000000000000000000000000000000000000000000000000000000000",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
};

static const uint8_t L_LE[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
};

struct tally {
	const char *what;
	unsigned checked, accepted;
};

static struct tally tallies[16];
static int ntallies;
static unsigned total_checks;

/* Both verifiers on one input: they must agree. */
static bool agree(const char *what, const uint8_t sig[64], const uint8_t *msg, size_t len,
		  const uint8_t pk[32])
{
	int ours = fw_ed25519_verify(sig, msg, len, pk);
	int theirs = crypto_sign_verify_detached(sig, msg, len, pk);
	struct tally *t = NULL;

	for (int i = 0; i < ntallies; i++)
		if (strcmp(tallies[i].what, what) == 0)
			t = &tallies[i];
	if (!t) {
		assert_true(ntallies < 16);
		t = &tallies[ntallies++];
		t->what = what;
	}
	t->checked++;
	total_checks++;
	if ((ours == FW_ED25519_OK) != (theirs == 0))
		fail_msg("%s: ours %d, libsodium %d", what, ours, theirs);
	if (ours == FW_ED25519_OK)
		t->accepted++;
	return ours == FW_ED25519_OK;
}

/* a + b*L (little-endian, 256 bits; false when it overflows) */
static bool add_multiple_of_l(uint8_t out[32], const uint8_t a[32], unsigned times)
{
	unsigned carry = 0;

	for (int i = 0; i < 32; i++) {
		unsigned v = a[i] + L_LE[i] * times + carry;

		out[i] = (uint8_t)v;
		carry = v >> 8;
	}
	return carry == 0;
}

static void test_random_and_mutated(void **state)
{
	uint8_t pk[32], sk[64], sig[64], msg[200], bad[64], badpk[32];

	(void)state;
	for (int n = 0; n < 600; n++) {
		size_t len = randombytes_uniform(sizeof msg + 1);

		randombytes_buf(msg, len);
		crypto_sign_keypair(pk, sk);
		crypto_sign_detached(sig, NULL, msg, len, sk);
		assert_true(agree("valid", sig, msg, len, pk));
		/* a bit flipped in the signature, the key, the message */
		memcpy(bad, sig, 64);
		bad[randombytes_uniform(64)] ^= (uint8_t)(1u << randombytes_uniform(8));
		agree("signature bit flipped", bad, msg, len, pk);
		memcpy(badpk, pk, 32);
		badpk[randombytes_uniform(32)] ^= (uint8_t)(1u << randombytes_uniform(8));
		agree("key bit flipped", sig, msg, len, badpk);
		if (len) {
			msg[randombytes_uniform((uint32_t)len)] ^= (uint8_t)(1u << randombytes_uniform(8));
			assert_false(agree("message bit flipped", sig, msg, len, pk));
		}
		/* S + kL: the same scalar mod L, not canonical */
		if (n % 4 == 0) {
			memcpy(bad, sig, 32);
			for (unsigned k = 1; k < 16; k++)
				if (add_multiple_of_l(bad + 32, sig + 32, k))
					assert_false(agree("S + kL", bad, msg, len, pk));
		}
		/* random bytes for R, for A */
		if (n % 4 == 1) {
			memcpy(bad, sig, 64);
			randombytes_buf(bad, 32);
			agree("random R", bad, msg, len, pk);
			randombytes_buf(badpk, 32);
			agree("random A", sig, msg, len, badpk);
		}
	}
}

static void test_crafted(void **state)
{
	uint8_t pk[32], sk[64], sig[64], msg[64], bad[64], t[32], a_nc[32];

	(void)state;
	randombytes_buf(msg, sizeof msg);
	crypto_sign_keypair(pk, sk);
	crypto_sign_detached(sig, NULL, msg, sizeof msg, sk);
	/* S = L, S = 2^256 - 1, S = L - 1 (canonical, wrong) */
	memcpy(bad, sig, 64);
	memcpy(bad + 32, L_LE, 32);
	assert_false(agree("S = L", bad, msg, sizeof msg, pk));
	memset(bad + 32, 0xff, 32);
	assert_false(agree("S all ones", bad, msg, sizeof msg, pk));
	memcpy(bad + 32, L_LE, 32);
	bad[32]--;
	assert_false(agree("S = L - 1", bad, msg, sizeof msg, pk));

	/* small-order R and A: each torsion point, its other sign, and the
	 * non-canonical aliases of y = 0 and y = 1 (y + p) */
	for (int i = 0; i < 10; i++) {
		if (i < 8) {
			unhex(torsion[i], t, 32);
		} else {
			memset(t, 0xff, 32);
			t[31] = 0x7f;
			t[0] = (uint8_t)(0xed + (i - 8));   /* p, p + 1 */
		}
		for (int sign = 0; sign < 2; sign++) {
			t[31] = (uint8_t)(sign ? t[31] | 0x80 : t[31] & 0x7f);
			memcpy(bad, sig, 64);
			memcpy(bad, t, 32);
			assert_false(agree("small-order R", bad, msg, sizeof msg, pk));
			assert_false(agree("small-order A", sig, msg, sizeof msg, t));
		}
	}
	/* non-canonical A: y in [p, 2^255), either sign */
	for (int y0 = 0xed; y0 <= 0xff; y0++) {
		memset(a_nc, 0xff, 32);
		a_nc[0] = (uint8_t)y0;
		for (int sign = 0; sign < 2; sign++) {
			a_nc[31] = sign ? 0xff : 0x7f;
			assert_false(agree("non-canonical A", sig, msg, sizeof msg, a_nc));
		}
	}
}

/* A signature made by hand with libsodium's scalar operations: R (the
 * point) and r (its scalar, or not: R may carry more), the key's point A
 * and scalar a: S = r + H(R | A | M) a. */
static void sign_by_hand(uint8_t sig[64], const uint8_t big_r[32], const uint8_t r[32],
			 const uint8_t big_a[32], const uint8_t a[32], const uint8_t *msg, size_t len)
{
	crypto_hash_sha512_state hs;
	uint8_t h[64], k[32], ka[32];

	crypto_hash_sha512_init(&hs);
	crypto_hash_sha512_update(&hs, big_r, 32);
	crypto_hash_sha512_update(&hs, big_a, 32);
	crypto_hash_sha512_update(&hs, msg, len);
	crypto_hash_sha512_final(&hs, h);
	crypto_core_ed25519_scalar_reduce(k, h);
	crypto_core_ed25519_scalar_mul(ka, k, a);
	memcpy(sig, big_r, 32);
	crypto_core_ed25519_scalar_add(sig + 32, r, ka);
}

/* A key with a torsion component and an R with one. Without the
 * cofactor, the first passes exactly when [k]T vanishes; the second never
 * does. */
static void test_mixed_order(void **state)
{
	uint8_t a[32], r[32], big_a[32], big_r[32], a_mixed[32], r_mixed[32], tp[32];
	uint8_t sig[64], msg[32];
	unsigned passed[8] = { 0 };

	(void)state;
	for (int i = 1; i < 8; i++) {
		unhex(torsion[i], tp, 32);
		for (int n = 0; n < 40; n++) {
			crypto_core_ed25519_scalar_random(a);
			crypto_core_ed25519_scalar_random(r);
			randombytes_buf(msg, sizeof msg);
			assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(big_a, a), 0);
			assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(big_r, r), 0);
			/* A' = aB + T, R = rB */
			assert_int_equal(crypto_core_ed25519_add(a_mixed, big_a, tp), 0);
			sign_by_hand(sig, big_r, r, a_mixed, a, msg, sizeof msg);
			if (agree("key with a torsion part", sig, msg, sizeof msg, a_mixed))
				passed[i]++;
			/* R' = rB + T */
			assert_int_equal(crypto_core_ed25519_add(r_mixed, big_r, tp), 0);
			sign_by_hand(sig, r_mixed, r, big_a, a, msg, sizeof msg);
			assert_false(agree("R with a torsion part", sig, msg, sizeof msg, big_a));
		}
		/* about 1/2, 1/4, 1/8 of the keys pass: never all, and never
		 * none for order 2 and 4 (40 tries each: odds of a miss 1e-5) */
		if (i < 4)
			assert_true(passed[i] > 0 && passed[i] < 40);
	}
}

static int report(void **state)
{
	(void)state;
	printf("Ed25519 against libsodium %s: %u checks, every one agreed\n",
	       sodium_version_string(), total_checks);
	for (int i = 0; i < ntallies; i++)
		printf("  %-26s %5u checked, %5u accepted by both\n", tallies[i].what,
		       tallies[i].checked, tallies[i].accepted);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha512_fips),
		cmocka_unit_test(test_sha512_random),
		cmocka_unit_test(test_rfc8032),
		cmocka_unit_test(test_random_and_mutated),
		cmocka_unit_test(test_crafted),
		cmocka_unit_test(test_mixed_order),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, report);
}
