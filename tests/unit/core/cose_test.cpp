#include <gtest/gtest.h>

#include "cbor_writer.hpp"
#include "signet/core/cose.hpp"
#include "soft_authenticator.hpp"
#include "test_util.hpp"

using namespace signet;
using core::errc;
using test::cbor_writer;
using test::code_of;

TEST(cose, every_supported_algorithm_round_trips_a_signature) {
  for (std::int32_t alg : {-7, -35, -36, -8, -53, -257, -258, -259, -37, -38, -39}) {
    const auto kp = test::key_pair::generate(alg);
    auto key = core::parse_cose_key(kp.cose_public_key());
    ASSERT_TRUE(key) << alg << ": " << test::name(code_of(key));
    EXPECT_EQ(key->alg(), alg);
    const core::bytes msg{1, 2, 3, 4};
    auto sig = kp.sign(msg);
    EXPECT_TRUE(core::verify_signature(*key, msg, sig)) << alg;
    sig.back() ^= 1;
    EXPECT_EQ(code_of(core::verify_signature(*key, msg, sig)), errc::signature_invalid) << alg;
    const core::bytes other{1, 2, 3, 5};
    EXPECT_FALSE(core::verify_signature(*key, other, kp.sign(msg))) << alg;
  }
}

namespace {

core::bytes ec2_key(std::int64_t alg, std::int64_t crv, const core::bytes& x, const core::bytes& y) {
  cbor_writer w;
  w.map(5).uint(1).uint(2).uint(3).integer(alg).integer(-1).integer(crv).integer(-2).bytes(x).integer(-3).bytes(y);
  return w.take();
}

}  // namespace

struct cose_case {
  const char* name;
  core::bytes key;
  errc expected;
};

class cose_errors : public ::testing::TestWithParam<cose_case> {};

TEST_P(cose_errors, gives_exact_code) {
  auto r = core::parse_cose_key(GetParam().key);
  EXPECT_EQ(code_of(r), GetParam().expected) << GetParam().name << ": got " << test::name(code_of(r));
  // The check without an import ("none" registrations) refuses it with the same code.
  auto c = core::check_cose_key(GetParam().key);
  EXPECT_EQ(code_of(c), GetParam().expected) << GetParam().name << ": got " << test::name(code_of(c));
}

TEST(cose, check_without_import_accepts_what_parse_accepts) {
  for (std::int32_t alg : {-7, -35, -36, -8, -257, -37}) {
    const auto cose = test::key_pair::generate(alg).cose_public_key();
    auto checked = core::check_cose_key(cose);
    ASSERT_TRUE(checked) << alg << ": " << test::name(code_of(checked));
    EXPECT_EQ(*checked, alg);
    EXPECT_EQ(core::parse_cose_key(cose)->alg(), alg);
  }
}

std::vector<cose_case> cose_cases() {
  const core::bytes zero32(32, 0);
  core::bytes one32(32, 0);
  one32.back() = 1;
  std::vector<cose_case> v;
  v.push_back({"point_not_on_curve", ec2_key(-7, 1, one32, one32), errc::cose_key_invalid_point});
  v.push_back({"point_at_origin", ec2_key(-7, 1, zero32, zero32), errc::cose_key_invalid_point});
  v.push_back({"coordinate_wrong_length", ec2_key(-7, 1, core::bytes(31, 1), one32), errc::cose_key_invalid_point});
  // Coordinates at or above the field prime (P-256's p, and all ones) are not field elements.
  const core::bytes p256_prime = test::from_hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff");
  v.push_back({"x_equal_to_field_prime", ec2_key(-7, 1, p256_prime, one32), errc::cose_key_invalid_point});
  v.push_back({"y_above_field_prime", ec2_key(-7, 1, one32, core::bytes(32, 0xff)), errc::cose_key_invalid_point});
  v.push_back({"p384_point_not_on_curve", ec2_key(-35, 2, core::bytes(48, 1), core::bytes(48, 2)),
               errc::cose_key_invalid_point});
  v.push_back({"p521_point_not_on_curve", ec2_key(-36, 3, core::bytes(66, 1), core::bytes(66, 2)),
               errc::cose_key_invalid_point});
  // A valid P-256 point labelled ES384 (alg/curve mismatch).
  const auto p256 = test::key_pair::generate(-7).cose_public_key();
  {
    auto m = core::cbor::decode_one(p256);
    const auto& map = *m->as_map();
    const auto& x = *core::cbor::find(map, std::int64_t{-2})->as_bytes();
    const auto& y = *core::cbor::find(map, std::int64_t{-3})->as_bytes();
    v.push_back({"es384_on_p256", ec2_key(-35, 1, x, y), errc::cose_key_alg_mismatch});
    v.push_back({"unknown_curve", ec2_key(-7, 9, x, y), errc::cose_key_type_unsupported});
  }
  cbor_writer no_alg;
  no_alg.map(1).uint(1).uint(2);
  v.push_back({"alg_missing", no_alg.take(), errc::cose_key_alg_missing});
  cbor_writer unknown_alg;
  unknown_alg.map(2).uint(1).uint(2).uint(3).integer(-999);
  v.push_back({"alg_unknown", unknown_alg.take(), errc::cose_alg_unsupported});
  cbor_writer mldsa;
  mldsa.map(3).uint(1).uint(7).uint(3).integer(-48).integer(-1).bytes(core::bytes(1312, 1));
  v.push_back({"ml_dsa_44_refused", mldsa.take(), errc::cose_alg_unsupported});
  cbor_writer rsa_as_ec;
  rsa_as_ec.map(2).uint(1).uint(2).uint(3).integer(-257);
  v.push_back({"ec2_kty_with_rsa_alg", rsa_as_ec.take(), errc::cose_key_alg_mismatch});
  cbor_writer small_rsa;
  small_rsa.map(4).uint(1).uint(3).uint(3).integer(-257).integer(-1).bytes(core::bytes(64, 0xff)).integer(-2).bytes(
      core::bytes{1, 0, 1});
  v.push_back({"rsa_512_bit_modulus", small_rsa.take(), errc::cose_key_invalid_parameters});
  cbor_writer ed_short;
  ed_short.map(4).uint(1).uint(1).uint(3).integer(-8).integer(-1).uint(6).integer(-2).bytes(core::bytes(31, 1));
  v.push_back({"ed25519_short_key", ed_short.take(), errc::cose_key_invalid_point});
  cbor_writer x25519;
  x25519.map(4).uint(1).uint(1).uint(3).integer(-8).integer(-1).uint(4).integer(-2).bytes(core::bytes(32, 1));
  v.push_back({"x25519_cannot_sign", x25519.take(), errc::cose_key_type_unsupported});
  auto trailing = p256;
  trailing.push_back(0);
  v.push_back({"trailing_bytes", trailing, errc::cbor_trailing_bytes});
  v.push_back({"not_a_map", test::from_hex("80"), errc::cose_key_malformed});
  return v;
}

INSTANTIATE_TEST_SUITE_P(table, cose_errors, ::testing::ValuesIn(cose_cases()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(cose, rs1_is_never_a_credential_signature) {
  const auto kp = test::key_pair::generate(-65535);
  auto key = core::parse_cose_key(kp.cose_public_key());
  ASSERT_TRUE(key) << test::name(code_of(key));
  const core::bytes msg{9};
  EXPECT_EQ(code_of(core::verify_signature(*key, msg, kp.sign(msg))), errc::cose_alg_not_allowed);
  // ...but can be checked explicitly (attestation path, gated by policy in the caller).
  EXPECT_TRUE(core::verify_signature(key->get(), -65535, msg, kp.sign(msg)));
}

TEST(cose, supported_algorithms_exclude_rs1_and_ml_dsa) {
  for (auto a : core::supported_credential_algorithms()) {
    EXPECT_NE(a, -65535);
    EXPECT_FALSE(a == -48 || a == -49 || a == -50);
  }
}

// Small-order and non-canonical EdDSA public keys forge signatures for any message; they are refused
// at parse time (found by fuzz_cose_key: tests/vectors/fuzz/cose_key/ed25519-small-order-key).
namespace {
core::bytes okp_key(std::int64_t crv, const core::bytes& x) {
  cbor_writer w;
  w.map(4).uint(1).uint(1).uint(3).integer(-8).integer(-1).integer(crv).integer(-2).bytes(x);
  return w.take();
}
core::bytes from_hex(const std::string& h) {
  core::bytes out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<core::byte>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}
}  // namespace

TEST(cose_eddsa, small_order_and_non_canonical_keys_are_refused) {
  const std::vector<std::string> weak25519 = {
      "0000000000000000000000000000000000000000000000000000000000000000",  // y = 0 (order 4)
      "0000000000000000000000000000000000000000000000000000000000000080",  // same, other sign
      "0100000000000000000000000000000000000000000000000000000000000000",  // identity
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p-1 (order 2)
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  // order 8
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p (non-canonical 0)
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p+1 (non-canonical 1)
  };
  for (const auto& h : weak25519)
    EXPECT_EQ(code_of(core::parse_cose_key(okp_key(6, from_hex(h)))), errc::cose_key_invalid_point) << h;
  core::bytes identity448(57, 0);
  identity448[0] = 1;
  EXPECT_EQ(code_of(core::parse_cose_key(okp_key(7, identity448))), errc::cose_key_invalid_point);
  EXPECT_EQ(code_of(core::parse_cose_key(okp_key(7, core::bytes(57, 0)))), errc::cose_key_invalid_point);
  // A real Ed25519 key (RFC 8032 §7.1 test 1 public key) still parses.
  EXPECT_TRUE(core::parse_cose_key(
      okp_key(6, from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"))));
}
