// src/core/attestation/common.hpp helpers on certificates minted by the test CA.
#include <gtest/gtest.h>

#include "attestation/common.hpp"
#include "cbor_writer.hpp"
#include "soft_authenticator.hpp"
#include "test_util.hpp"

using namespace signet;
using core::errc;
using test::code_of;

namespace {

std::chrono::system_clock::time_point year(int y) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mday = 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

TEST(x509_helpers, parse_der_certificate_rejects_trailing_bytes_and_garbage) {
  auto ca = test::test_ca::create("Helper Root", year(2020), year(2040));
  auto der = test::to_der(ca.cert());
  EXPECT_TRUE(core::parse_der_certificate(der));
  der.push_back(0);
  EXPECT_EQ(code_of(core::parse_der_certificate(der)), errc::attestation_certificate_invalid);
  EXPECT_EQ(code_of(core::parse_der_certificate(core::bytes{0x30, 0x03, 0x02, 0x01})), errc::attestation_certificate_invalid);
  EXPECT_EQ(code_of(core::parse_der_certificate({})), errc::attestation_certificate_invalid);
}

TEST(x509_helpers, parse_x5c_shapes) {
  auto ca = test::test_ca::create("Helper Root", year(2020), year(2040));
  test::cbor_writer ok;
  ok.array(1).bytes(test::to_der(ca.cert()));
  auto v = core::cbor::decode_one(ok.data());
  auto chain = core::parse_x5c(*v);
  ASSERT_TRUE(chain);
  EXPECT_EQ(chain->certs.size(), 1u);
  EXPECT_EQ(chain->der.front(), test::to_der(ca.cert()));

  test::cbor_writer empty;
  empty.array(0);
  EXPECT_EQ(code_of(core::parse_x5c(*core::cbor::decode_one(empty.data()))), errc::attestation_statement_malformed);
  test::cbor_writer not_bytes;
  not_bytes.array(1).text("cert");
  EXPECT_EQ(code_of(core::parse_x5c(*core::cbor::decode_one(not_bytes.data()))), errc::attestation_statement_malformed);
}

TEST(x509_helpers, certificate_validity_window) {
  auto ca = test::test_ca::create("Helper Root", year(2020), year(2030));
  test::cbor_writer w;
  w.array(1).bytes(test::to_der(ca.cert()));
  auto chain = core::parse_x5c(*core::cbor::decode_one(w.data()));
  ASSERT_TRUE(chain);
  core::policy p;
  EXPECT_TRUE(core::check_certificate_validity(*chain, year(2025), p));
  EXPECT_EQ(code_of(core::check_certificate_validity(*chain, year(2031), p)), errc::attestation_certificate_expired);
  EXPECT_EQ(code_of(core::check_certificate_validity(*chain, year(2019), p)), errc::attestation_certificate_expired);
  p.danger_ignore_certificate_validity = true;
  EXPECT_TRUE(core::check_certificate_validity(*chain, year(2031), p));
}

TEST(x509_helpers, verify_with_certificate_and_sha1_policy) {
  auto ca = test::test_ca::create("Helper Root", year(2020), year(2040));
  const auto rsa = test::key_pair::generate(-65535);
  test::test_ca::leaf_options lo;
  lo.not_before = year(2021);
  lo.not_after = year(2035);
  auto leaf = ca.issue(rsa, lo);
  const core::bytes msg{1, 2, 3};
  const auto sig = rsa.sign(msg);
  core::policy p;
  EXPECT_EQ(code_of(core::verify_with_certificate(leaf.get(), -65535, msg, sig, p)), errc::policy_sha1_not_allowed);
  p.allow_sha1_attestation = true;
  EXPECT_TRUE(core::verify_with_certificate(leaf.get(), -65535, msg, sig, p));
  EXPECT_EQ(code_of(core::verify_with_certificate(leaf.get(), -257, msg, sig, p)), errc::attestation_signature_invalid);
  EXPECT_EQ(code_of(core::verify_with_certificate(leaf.get(), -7, msg, sig, p)), errc::attestation_alg_mismatch);
}

TEST(x509_helpers, aaguid_extension) {
  auto ca = test::test_ca::create("Helper Root", year(2020), year(2040));
  const auto key = test::key_pair::generate(-7);
  test::test_ca::leaf_options lo;
  lo.not_before = year(2021);
  lo.not_after = year(2035);
  auto without = ca.issue(key, lo);
  EXPECT_TRUE(core::check_aaguid_extension(without.get(), test::soft_aaguid()));
  lo.aaguid_extension = test::soft_aaguid();
  auto with = ca.issue(key, lo);
  EXPECT_TRUE(core::check_aaguid_extension(with.get(), test::soft_aaguid()));
  EXPECT_EQ(code_of(core::check_aaguid_extension(with.get(), core::aaguid{})), errc::attestation_aaguid_mismatch);
  EXPECT_TRUE(core::certificate_extension(with.get(), "1.3.6.1.4.1.45724.1.1.4"));
  EXPECT_FALSE(core::certificate_extension(without.get(), "1.3.6.1.4.1.45724.1.1.4"));
  EXPECT_TRUE(core::certificate_key_equals(with.get(), key.get()));
  EXPECT_FALSE(core::certificate_is_ca(with.get()));
  EXPECT_TRUE(core::certificate_is_ca(ca.cert()));
  EXPECT_EQ(core::certificate_version(with.get()), 3);
}
