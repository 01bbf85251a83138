#include <gtest/gtest.h>

#include "signet/core/authenticator_data.hpp"
#include "signet/core/errc.hpp"
#include "soft_authenticator.hpp"
#include "test_util.hpp"

using namespace signet;
using core::errc;
using test::code_of;

namespace {

core::bytes valid_cose() { return test::key_pair::generate(-7).cose_public_key(); }

}  // namespace

TEST(authenticator_data, minimal_assertion_data) {
  const auto ad = test::make_auth_data("example.com", core::flags::up | core::flags::be | core::flags::bs, 42);
  ASSERT_EQ(ad.size(), 37u);
  auto r = core::parse_authenticator_data(ad);
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_EQ(r->sign_count, 42u);
  EXPECT_TRUE(r->user_present());
  EXPECT_FALSE(r->user_verified());
  EXPECT_TRUE(r->backup_eligible());
  EXPECT_TRUE(r->backed_up());
  EXPECT_FALSE(r->attested);
}

TEST(authenticator_data, attested_credential_data) {
  const auto aaguid = test::soft_aaguid();
  const core::bytes id(16, 0xab);
  const auto key = valid_cose();
  const auto ad = test::make_auth_data("example.com", core::flags::up | core::flags::at, 0, &aaguid, id, key);
  auto r = core::parse_authenticator_data(ad);
  ASSERT_TRUE(r) << test::name(code_of(r));
  ASSERT_TRUE(r->attested);
  EXPECT_EQ(r->attested->aaguid, aaguid);
  EXPECT_EQ(r->attested->id.value(), id);
  EXPECT_EQ(r->attested->public_key_cose, key);
}

struct ad_case {
  const char* name;
  core::bytes data;
  errc expected;
};

class authenticator_data_errors : public ::testing::TestWithParam<ad_case> {};

TEST_P(authenticator_data_errors, gives_exact_code) {
  auto r = core::parse_authenticator_data(GetParam().data);
  EXPECT_EQ(code_of(r), GetParam().expected) << GetParam().name << ": got " << test::name(code_of(r));
}

std::vector<ad_case> ad_cases() {
  const auto aaguid = test::soft_aaguid();
  const auto key = valid_cose();
  const core::bytes id(16, 1);
  using core::flags::at;
  using core::flags::ed;
  using core::flags::up;
  std::vector<ad_case> v;
  auto base = test::make_auth_data("example.com", up, 1);
  v.push_back({"too_short_36", core::bytes(base.begin(), base.end() - 1), errc::auth_data_too_short});
  v.push_back({"empty", {}, errc::auth_data_too_short});
  auto trailing = base;
  trailing.push_back(0);
  v.push_back({"trailing_byte", trailing, errc::auth_data_trailing_bytes});
  v.push_back({"bs_without_be", test::make_auth_data("example.com", up | core::flags::bs, 1),
               errc::auth_data_backup_state_without_eligible});
  v.push_back({"at_without_data", test::make_auth_data("example.com", up | at, 1), errc::auth_data_too_short});
  v.push_back({"ed_without_extensions", test::make_auth_data("example.com", up | ed, 1), errc::auth_data_extensions_missing});
  auto ext_not_map = test::make_auth_data("example.com", up | ed, 1);
  ext_not_map.push_back(0x01);
  v.push_back({"extensions_not_a_map", ext_not_map, errc::auth_data_malformed});
  const core::bytes long_id(1024, 7);
  v.push_back({"credential_id_1024", test::make_auth_data("example.com", up | at, 0, &aaguid, long_id, key),
               errc::auth_data_credential_id_too_long});
  v.push_back({"credential_id_empty", test::make_auth_data("example.com", up | at, 0, &aaguid, {}, key),
               errc::auth_data_malformed});
  auto truncated_key = test::make_auth_data("example.com", up | at, 0, &aaguid, id, key);
  truncated_key.pop_back();
  v.push_back({"cose_key_truncated", truncated_key, errc::cbor_truncated});
  auto key_then_junk = test::make_auth_data("example.com", up | at, 0, &aaguid, id, key);
  key_then_junk.push_back(0xa0);
  v.push_back({"data_after_key_without_ed", key_then_junk, errc::auth_data_trailing_bytes});
  auto indefinite_key = test::make_auth_data("example.com", up | at, 0, &aaguid, id, test::from_hex("bf 01 02 ff"));
  v.push_back({"indefinite_cose_key", indefinite_key, errc::cbor_indefinite_length});
  return v;
}

INSTANTIATE_TEST_SUITE_P(table, authenticator_data_errors, ::testing::ValuesIn(ad_cases()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(authenticator_data, credential_id_1023_is_accepted) {
  const auto aaguid = test::soft_aaguid();
  const core::bytes id(1023, 7);
  auto r = core::parse_authenticator_data(
      test::make_auth_data("example.com", core::flags::up | core::flags::at, 0, &aaguid, id, valid_cose()));
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_EQ(r->attested->id.size(), 1023u);
}

TEST(authenticator_data, extensions_after_key) {
  const auto aaguid = test::soft_aaguid();
  auto ad = test::make_auth_data("example.com", core::flags::up | core::flags::at | core::flags::ed, 0, &aaguid,
                                 core::bytes(8, 1), valid_cose());
  const auto ext = test::from_hex("a1 6b 6372656450726f74656374 02");  // {"credProtect": 2}
  ad.insert(ad.end(), ext.begin(), ext.end());
  auto r = core::parse_authenticator_data(ad);
  ASSERT_TRUE(r) << test::name(code_of(r));
  ASSERT_TRUE(r->extensions);
  EXPECT_TRUE(r->extensions->is_map());
}
