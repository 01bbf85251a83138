#include <gtest/gtest.h>

#include "signet/core/errc.hpp"

using signet::core::condition;
using signet::core::errc;

namespace {

// Every code from the header, by walking the numbered areas until to_string says "unknown".
std::vector<errc> all_codes() {
  std::vector<errc> out;
  for (int base : {100, 200, 300, 400, 500, 600, 650, 700, 800})
    for (int v = base; v < base + 50; ++v)
      if (signet::core::to_string(static_cast<errc>(v)) != "unknown") out.push_back(static_cast<errc>(v));
  return out;
}

}  // namespace

TEST(errc, every_code_has_a_unique_name_and_a_condition) {
  const auto codes = all_codes();
  ASSERT_GT(codes.size(), 60u);
  std::set<std::string_view> names;
  for (errc e : codes) {
    const auto n = signet::core::to_string(e);
    EXPECT_TRUE(names.insert(n).second) << n;
    const boost::system::error_code ec = e;
    const auto cond = ec.default_error_condition();
    EXPECT_EQ(&cond.category(), &signet::core::core_condition_category()) << n;
    EXPECT_EQ(ec.message(), std::string(n));
  }
}

TEST(errc, conditions_group_codes) {
  struct row {
    errc e;
    condition c;
  };
  const row rows[] = {
      {errc::cbor_trailing_bytes, condition::bad_request},
      {errc::response_malformed, condition::bad_request},
      {errc::signature_invalid, condition::verification_failed},
      {errc::client_data_origin_mismatch, condition::verification_failed},
      {errc::attestation_chain_untrusted, condition::verification_failed},
      {errc::ceremony_expired, condition::ceremony_invalid},
      {errc::ceremony_sign_count_not_increased, condition::ceremony_invalid},
      {errc::policy_sha1_not_allowed, condition::policy_rejected},
      {errc::cose_alg_unsupported, condition::policy_rejected},
  };
  for (const auto& r : rows) {
    const boost::system::error_code ec = r.e;
    EXPECT_TRUE(ec == r.c) << signet::core::to_string(r.e);
  }
}
