#include <gtest/gtest.h>

#include "signet/core/ceremony.hpp"
#include "test_util.hpp"

using namespace signet;
using core::errc;
using test::code_of;

TEST(response_json, registration_errors) {
  struct row {
    const char* name;
    const char* json;
    errc expected;
  };
  const row rows[] = {
      {"ok", R"({"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"},"clientExtensionResults":{}})", errc::ok},
      {"not_json", "{", errc::response_malformed},
      {"not_object", "[]", errc::response_malformed},
      {"missing_id", R"({"rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}})", errc::response_malformed},
      {"wrong_type", R"({"id":"AQID","rawId":"AQID","type":"password","response":{"clientDataJSON":"e30","attestationObject":"oA"}})", errc::response_type_invalid},
      {"bad_base64", R"({"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e3*","attestationObject":"oA"}})", errc::response_encoding_invalid},
      {"missing_attestation", R"({"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30"}})", errc::response_malformed},
      {"transports_not_strings", R"({"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA","transports":[1]}})", errc::response_malformed},
      {"empty_raw_id", R"({"id":"","rawId":"","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}})", errc::response_malformed},
  };
  for (const auto& r : rows) EXPECT_EQ(code_of(core::parse_registration_response_json(r.json)), r.expected) << r.name;
}

TEST(response_json, raw_id_with_unused_bits_set_is_tolerated) {
  auto r = core::parse_registration_response_json(
      R"({"id":"aaa","rawId":"aaa","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}})");
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_EQ(r->raw_id.size(), 2u);
}

TEST(response_json, authentication_fields) {
  auto r = core::parse_authentication_response_json(
      R"({"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AQ","userHandle":"dXNlcg"},"clientExtensionResults":{"appid":true}})");
  ASSERT_TRUE(r) << test::name(code_of(r));
  ASSERT_TRUE(r->user_handle);
  EXPECT_EQ(r->user_handle->value(), (core::bytes{'u', 's', 'e', 'r'}));
  EXPECT_TRUE(r->appid_extension);
  EXPECT_EQ(code_of(core::parse_authentication_response_json(
                R"({"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA"}})")),
            errc::response_malformed);
}
