/*
 * ed25519.c - Ed25519 verification, written from RFC 8032 (sections 5.1:
 * the curve, 5.1.3 decoding, 5.1.4 point arithmetic, 5.1.7 verification).
 * See ed25519.h for what passes and why. Any thread; no state.
 *
 * Field elements mod p = 2^255 - 19 are 10 signed limbs, alternately 26
 * and 25 bits wide: limb i stands for 2^ceil(25.5 i). A product of limbs i
 * and j lands on limb i + j, doubled when both are odd (their half bits
 * add up), and times 19 when i + j >= 10 (2^255 = 19 mod p). Carries are
 * rounded, so limbs stay balanced around 0: |limb| <= 2^25 after a carry.
 * Bounds: a multiplication takes limbs up to 2^27 (a sum or difference of
 * at most two carried values, or four when noted): each product is below
 * 2^54 * 38, a column of ten below 2^62.3, inside 64 bits; a sum of more
 * goes through fe_carry first. Right shifts of negative numbers are
 * arithmetic (GCC defines them so; the carries rely on it).
 *
 * Points are extended twisted Edwards coordinates (X : Y : Z : T), x =
 * X/Z, y = Y/Z, xy = T/Z, with RFC 8032's formulas (a = -1), which hold for
 * every pair of points, doubling and the identity included.
 */
#include "ed25519.h"
#include "sha512.h"

#include <string.h>

struct fe {
	int32_t v[10];
};

struct pt {
	struct fe x, y, z, t;
};

/* Constants, little-endian, computed from RFC 8032's definitions:
 * d = -121665/121666, 2d, sqrt(-1) = 2^((p-1)/4), the base point B
 * (y = 4/5, x even), the exponents p-2 (inversion) and (p-5)/8 (square
 * roots), the group order L. */
static const uint8_t D_BYTES[32] = {
	0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
	0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52,
};
static const uint8_t D2_BYTES[32] = {
	0x59, 0xf1, 0xb2, 0x26, 0x94, 0x9b, 0xd6, 0xeb, 0x56, 0xb1, 0x83, 0x82, 0x9a, 0x14, 0xe0, 0x00,
	0x30, 0xd1, 0xf3, 0xee, 0xf2, 0x80, 0x8e, 0x19, 0xe7, 0xfc, 0xdf, 0x56, 0xdc, 0xd9, 0x06, 0x24,
};
static const uint8_t SQRTM1_BYTES[32] = {
	0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
	0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b,
};
static const uint8_t BX_BYTES[32] = {
	0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9, 0xb2, 0xa7, 0x25, 0x95, 0x60, 0xc7, 0x2c, 0x69,
	0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2, 0xa4, 0xc0, 0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21,
};
static const uint8_t BY_BYTES[32] = {
	0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
};
static const uint8_t L_BYTES[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
};
/* ---- the field --------------------------------------------------------------- */

/* limb i's width: it starts at bit ceil(25.5 i) */
#define LIMB_BITS(i) ((i) & 1 ? 25 : 26)

static void fe_unpack(struct fe *o, const uint8_t s[32])
{
	uint64_t acc = 0;
	int have = 0, in = 0;

	/* bit 255 (a point's sign) is not part of the number */
	for (int i = 0; i < 10; i++) {
		int bits = LIMB_BITS(i);

		while (have < bits) {
			acc |= (uint64_t)s[in++] << have;
			have += 8;
		}
		o->v[i] = (int32_t)(acc & (((uint64_t)1 << bits) - 1));
		acc >>= bits;
		have -= bits;
	}
}

static void fe_set(struct fe *o, int32_t small)
{
	memset(o, 0, sizeof *o);
	o->v[0] = small;
}

static void fe_add(struct fe *o, const struct fe *a, const struct fe *b)
{
	for (int i = 0; i < 10; i++)
		o->v[i] = a->v[i] + b->v[i];
}

static void fe_sub(struct fe *o, const struct fe *a, const struct fe *b)
{
	for (int i = 0; i < 10; i++)
		o->v[i] = a->v[i] - b->v[i];
}

/* Two passes of rounded carries, the top one folded back times 19: every
 * limb ends within 2^(bits-1) + 19 of 0. */
static void carry64(int64_t t[10])
{
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 10; i++) {
			int bits = LIMB_BITS(i);
			int64_t c = (t[i] + ((int64_t)1 << (bits - 1))) >> bits;

			t[i] -= c * ((int64_t)1 << bits);
			if (i < 9)
				t[i + 1] += c;
			else
				t[0] += 19 * c;
		}
	}
}

static void fe_mul(struct fe *o, const struct fe *a, const struct fe *b)
{
	/* b's limbs times 1, 2 (odd limb of b, odd limb of a), 19 (wrapped)
	 * and 38 (both), as an odd limb of a sees them */
	int64_t t[10], even[10], odd[10], even19[10], odd19[10];

	for (int j = 0; j < 10; j++) {
		int64_t v = b->v[j];

		even[j] = v;
		odd[j] = j & 1 ? 2 * v : v;
		even19[j] = 19 * v;
		odd19[j] = j & 1 ? 38 * v : 19 * v;
	}
	memset(t, 0, sizeof t);
	for (int i = 0; i < 10; i++) {
		int64_t ai = a->v[i];
		const int64_t *lo = i & 1 ? odd : even, *hi = i & 1 ? odd19 : even19;

		for (int j = 0; j < 10 - i; j++)
			t[i + j] += ai * lo[j];
		for (int j = 10 - i; j < 10; j++)
			t[i + j - 10] += ai * hi[j];
	}
	carry64(t);
	for (int i = 0; i < 10; i++)
		o->v[i] = (int32_t)t[i];
}

static void fe_sq(struct fe *o, const struct fe *a)
{
	fe_mul(o, a, a);
}

static void fe_sq_times(struct fe *o, const struct fe *a, int times)
{
	*o = *a;
	while (times-- > 0)
		fe_sq(o, o);
}

/* The canonical encoding: the value mod p in [0, p), 32 bytes
 * little-endian, bit 255 clear. */
static void fe_pack(uint8_t s[32], const struct fe *a)
{
	int64_t t[10], c = 1;

	for (int i = 0; i < 10; i++)
		t[i] = a->v[i];
	/* floor carries until nothing wraps: limbs 1..9 are then in
	 * [0, 2^bits), limb 0 too, and the value is in [0, 2^255) */
	for (int pass = 0; pass < 6 && c; pass++) {
		for (int i = 0; i < 10; i++) {
			int bits = LIMB_BITS(i);

			c = t[i] >> bits;
			t[i] -= c * ((int64_t)1 << bits);
			if (i < 9)
				t[i + 1] += c;
			else
				t[0] += 19 * c;
		}
	}
	/* [p, 2^255) is still too big: value - p = value + 19 - 2^255, taken
	 * when adding 19 carries out of bit 255 */
	{
		int64_t m[10];

		memcpy(m, t, sizeof m);
		m[0] += 19;
		for (int i = 0; i < 9; i++) {
			c = m[i] >> LIMB_BITS(i);
			m[i] -= c * ((int64_t)1 << LIMB_BITS(i));
			m[i + 1] += c;
		}
		if (m[9] >> 25) {
			m[9] -= (int64_t)1 << 25;
			memcpy(t, m, sizeof t);
		}
	}
	{
		uint64_t acc = 0;
		int have = 0, out = 0;

		for (int i = 0; i < 10; i++) {
			acc |= (uint64_t)t[i] << have;
			have += LIMB_BITS(i);
			while (have >= 8) {
				s[out++] = (uint8_t)acc;
				acc >>= 8;
				have -= 8;
			}
		}
		s[out] = (uint8_t)acc;       /* the last 7 bits */
	}
}

static int fe_equal(const struct fe *a, const struct fe *b)
{
	uint8_t x[32], y[32];

	fe_pack(x, a);
	fe_pack(y, b);
	return memcmp(x, y, 32) == 0;
}

static int fe_is_zero(const struct fe *a)
{
	static const uint8_t zero[32];
	uint8_t x[32];

	fe_pack(x, a);
	return memcmp(x, zero, 32) == 0;
}

static int fe_is_odd(const struct fe *a)
{
	uint8_t x[32];

	fe_pack(x, a);
	return x[0] & 1;
}

/* a^(2^250 - 1) and a^11, the common part of inversion and square roots:
 * 249 squarings and 11 multiplications (a chain of all-ones exponents,
 * each twice as long as a shorter one). */
static void fe_pow_chain(struct fe *z250, struct fe *z11, const struct fe *a)
{
	struct fe t, z5, z10, z20, z40, z50, z100;

	fe_sq(&t, a);                        /* a^2 */
	fe_sq_times(&z5, &t, 2);             /* a^8 */
	fe_mul(&z5, &z5, a);                 /* a^9 */
	fe_mul(z11, &z5, &t);                /* a^11 */
	fe_sq(&t, z11);                      /* a^22 */
	fe_mul(&z5, &t, &z5);                /* a^31 = a^(2^5 - 1) */
	fe_sq_times(&t, &z5, 5);
	fe_mul(&z10, &t, &z5);               /* a^(2^10 - 1) */
	fe_sq_times(&t, &z10, 10);
	fe_mul(&z20, &t, &z10);
	fe_sq_times(&t, &z20, 20);
	fe_mul(&z40, &t, &z20);
	fe_sq_times(&t, &z40, 10);
	fe_mul(&z50, &t, &z10);
	fe_sq_times(&t, &z50, 50);
	fe_mul(&z100, &t, &z50);
	fe_sq_times(&t, &z100, 100);
	fe_mul(&t, &t, &z100);               /* a^(2^200 - 1) */
	fe_sq_times(&t, &t, 50);
	fe_mul(z250, &t, &z50);
}

/* a^(p - 2) = a^(2^255 - 21) = 1/a */
static void fe_invert(struct fe *o, const struct fe *a)
{
	struct fe z250, z11;

	fe_pow_chain(&z250, &z11, a);
	fe_sq_times(&z250, &z250, 5);        /* a^(2^255 - 32) */
	fe_mul(o, &z250, &z11);
}

/* a^((p - 5) / 8) = a^(2^252 - 3) */
static void fe_pow_p58(struct fe *o, const struct fe *a)
{
	struct fe z250, z11;

	fe_pow_chain(&z250, &z11, a);
	fe_sq_times(&z250, &z250, 2);        /* a^(2^252 - 4) */
	fe_mul(o, &z250, a);
}

/* ---- points ----------------------------------------------------------------- */

static void pt_identity(struct pt *p)
{
	fe_set(&p->x, 0);
	fe_set(&p->y, 1);
	fe_set(&p->z, 1);
	fe_set(&p->t, 0);
}

/* RFC 8032 5.1.4, addition. */
static void pt_add(struct pt *r, const struct pt *p, const struct pt *q, const struct fe *d2)
{
	struct fe a, b, c, d, e, f, g, h, t;

	fe_sub(&a, &p->y, &p->x);
	fe_sub(&t, &q->y, &q->x);
	fe_mul(&a, &a, &t);
	fe_add(&b, &p->y, &p->x);
	fe_add(&t, &q->y, &q->x);
	fe_mul(&b, &b, &t);
	fe_mul(&c, &p->t, &q->t);
	fe_mul(&c, &c, d2);
	fe_mul(&d, &p->z, &q->z);
	fe_add(&d, &d, &d);
	fe_sub(&e, &b, &a);
	fe_sub(&f, &d, &c);              /* three carried values: within bounds */
	fe_add(&g, &d, &c);
	fe_add(&h, &b, &a);
	fe_mul(&r->x, &e, &f);
	fe_mul(&r->y, &g, &h);
	fe_mul(&r->t, &e, &h);
	fe_mul(&r->z, &f, &g);
}

/* RFC 8032 5.1.4, doubling. */
static void pt_double(struct pt *r, const struct pt *p)
{
	struct fe a, b, c, e, f, g, h, t;

	fe_sq(&a, &p->x);
	fe_sq(&b, &p->y);
	fe_sq(&c, &p->z);
	fe_add(&c, &c, &c);
	fe_add(&h, &a, &b);
	fe_add(&t, &p->x, &p->y);
	fe_sq(&t, &t);
	fe_sub(&e, &h, &t);
	fe_sub(&g, &a, &b);
	fe_add(&f, &c, &g);              /* four carried values */
	fe_mul(&r->x, &e, &f);
	fe_mul(&r->y, &g, &h);
	fe_mul(&r->t, &e, &h);
	fe_mul(&r->z, &f, &g);
}

static void pt_negate(struct pt *r, const struct pt *p)
{
	struct fe zero;

	fe_set(&zero, 0);
	fe_sub(&r->x, &zero, &p->x);
	r->y = p->y;
	r->z = p->z;
	fe_sub(&r->t, &zero, &p->t);
}

/* Whether 8P is the identity (X = 0, Y = Z): P has small order. */
static int pt_small_order(const struct pt *p)
{
	struct pt q;

	pt_double(&q, p);
	pt_double(&q, &q);
	pt_double(&q, &q);
	return fe_is_zero(&q.x) && fe_equal(&q.y, &q.z);
}

/* RFC 8032 5.1.3. Returns 0, or -1 when s is no canonical encoding of a
 * point: y >= p, no x for this y, or x = 0 with the sign bit set. */
static int pt_decode(struct pt *p, const uint8_t s[32])
{
	struct fe d, one, u, v, v3, x, check;
	uint8_t packed[32], given[32];
	int sign = s[31] >> 7;

	fe_unpack(&p->y, s);
	fe_pack(packed, &p->y);
	memcpy(given, s, 32);
	given[31] &= 0x7f;
	if (memcmp(packed, given, 32) != 0)
		return -1;                   /* y >= p */
	fe_unpack(&d, D_BYTES);
	fe_set(&one, 1);
	/* x^2 = u / v with u = y^2 - 1, v = d y^2 + 1; the candidate root
	 * x = u v^3 (u v^7)^((p-5)/8) */
	fe_sq(&u, &p->y);
	fe_mul(&v, &u, &d);
	fe_sub(&u, &u, &one);
	fe_add(&v, &v, &one);
	fe_sq(&v3, &v);
	fe_mul(&v3, &v3, &v);
	fe_sq(&x, &v3);
	fe_mul(&x, &x, &v);
	fe_mul(&x, &x, &u);
	fe_pow_p58(&x, &x);
	fe_mul(&x, &x, &v3);
	fe_mul(&x, &x, &u);
	fe_sq(&check, &x);
	fe_mul(&check, &check, &v);
	if (!fe_equal(&check, &u)) {
		struct fe neg_u, zero, sqrtm1;

		fe_set(&zero, 0);
		fe_sub(&neg_u, &zero, &u);
		if (!fe_equal(&check, &neg_u))
			return -1;           /* u / v is no square: not on the curve */
		fe_unpack(&sqrtm1, SQRTM1_BYTES);
		fe_mul(&x, &x, &sqrtm1);
	}
	if (fe_is_zero(&x) && sign)
		return -1;
	if (fe_is_odd(&x) != sign) {
		struct fe zero;

		fe_set(&zero, 0);
		fe_sub(&x, &zero, &x);
	}
	p->x = x;
	fe_set(&p->z, 1);
	fe_mul(&p->t, &p->x, &p->y);
	return 0;
}

static void pt_encode(uint8_t s[32], const struct pt *p)
{
	struct fe zi, x, y;
	uint8_t xs[32];

	fe_invert(&zi, &p->z);
	fe_mul(&x, &p->x, &zi);
	fe_mul(&y, &p->y, &zi);
	fe_pack(s, &y);
	fe_pack(xs, &x);
	s[31] |= (uint8_t)((xs[0] & 1) << 7);
}

/* ---- scalars mod L ---------------------------------------------------------- */

static int sc_below_l(const uint8_t s[32])
{
	for (int i = 31; i >= 0; i--) {
		if (s[i] != L_BYTES[i])
			return s[i] < L_BYTES[i];
	}
	return 0;                            /* s == L */
}

/* out = h mod L for a 512-bit little-endian h, a bit at a time from the
 * top: r = 2r + bit, minus L when that reaches it (r < L throughout, so
 * 2r + 1 < 2^254 fits in 8 words). */
static void sc_reduce(uint8_t out[32], const uint8_t h[64])
{
	uint32_t r[8], l[8];

	memset(r, 0, sizeof r);
	for (int i = 0; i < 8; i++)
		l[i] = (uint32_t)L_BYTES[4 * i] | (uint32_t)L_BYTES[4 * i + 1] << 8 |
		       (uint32_t)L_BYTES[4 * i + 2] << 16 | (uint32_t)L_BYTES[4 * i + 3] << 24;
	for (int bit = 511; bit >= 0; bit--) {
		int ge = 1;

		for (int i = 7; i > 0; i--)
			r[i] = r[i] << 1 | r[i - 1] >> 31;
		r[0] = r[0] << 1 | (uint32_t)(h[bit >> 3] >> (bit & 7) & 1);
		for (int i = 7; i >= 0; i--) {
			if (r[i] != l[i]) {
				ge = r[i] > l[i];
				break;
			}
		}
		if (ge) {
			uint64_t borrow = 0;

			for (int i = 0; i < 8; i++) {
				uint64_t d = (uint64_t)r[i] - l[i] - borrow;

				r[i] = (uint32_t)d;
				borrow = d >> 63;
			}
		}
	}
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)r[i];
		out[4 * i + 1] = (uint8_t)(r[i] >> 8);
		out[4 * i + 2] = (uint8_t)(r[i] >> 16);
		out[4 * i + 3] = (uint8_t)(r[i] >> 24);
	}
}

static unsigned bit_of(const uint8_t s[32], int i)
{
	return s[i >> 3] >> (i & 7) & 1u;
}

/* ---- verification ---------------------------------------------------------- */

int fw_ed25519_verify(const uint8_t sig[FW_ED25519_SIG_LEN], const void *msg, size_t len,
		      const uint8_t pk[FW_ED25519_KEY_LEN])
{
	struct pt a, r, b, neg_a, b_minus_a, acc;
	struct fe d2;
	struct fw_sha512 hs;
	uint8_t h[FW_SHA512_LEN], k[32], check[32];

	if (!sc_below_l(sig + 32))
		return FW_ED25519_BAD_S;
	if (pt_decode(&a, pk) != 0 || pt_small_order(&a))
		return FW_ED25519_BAD_KEY;
	/* R need not be decoded for the equation (its bytes are compared),
	 * but a small-order R is refused as libsodium does; one that does not
	 * decode could never equal an encoding anyway */
	if (pt_decode(&r, sig) != 0 || pt_small_order(&r))
		return FW_ED25519_BAD_R;

	fw_sha512_init(&hs);
	fw_sha512_update(&hs, sig, 32);
	fw_sha512_update(&hs, pk, 32);
	fw_sha512_update(&hs, msg, len);
	fw_sha512_final(&hs, h);
	sc_reduce(k, h);

	/* [S]B + [k](-A), both scalars at once (Straus): one doubling per bit
	 * and an addition of B, -A or B - A where the bits say so. S and k
	 * are below L < 2^253. */
	fe_unpack(&d2, D2_BYTES);
	fe_unpack(&b.x, BX_BYTES);
	fe_unpack(&b.y, BY_BYTES);
	fe_set(&b.z, 1);
	fe_mul(&b.t, &b.x, &b.y);
	pt_negate(&neg_a, &a);
	pt_add(&b_minus_a, &b, &neg_a, &d2);
	pt_identity(&acc);
	for (int i = 252; i >= 0; i--) {
		unsigned s_bit = bit_of(sig + 32, i), k_bit = bit_of(k, i);

		pt_double(&acc, &acc);
		if (s_bit && k_bit)
			pt_add(&acc, &acc, &b_minus_a, &d2);
		else if (s_bit)
			pt_add(&acc, &acc, &b, &d2);
		else if (k_bit)
			pt_add(&acc, &acc, &neg_a, &d2);
	}
	pt_encode(check, &acc);
	return memcmp(check, sig, 32) == 0 ? FW_ED25519_OK : FW_ED25519_MISMATCH;
}
