// Authorization header parsing and the lenient Basic decoding of contract §1.3.
#include <gtest/gtest.h>

#include "signet/core/bytes.hpp"
#include "signet/service/authorization.hpp"

namespace signet::service {
namespace {

TEST(authorization, schemes_are_case_insensitive) {
  EXPECT_EQ(parse_authorization("Bearer abc").scheme, auth_scheme::bearer);
  EXPECT_EQ(parse_authorization("bearer abc").credentials, "abc");
  EXPECT_EQ(parse_authorization("BASIC xyz").scheme, auth_scheme::basic);
  EXPECT_EQ(parse_authorization("Digest x").scheme, auth_scheme::other);
  EXPECT_EQ(parse_authorization("").scheme, auth_scheme::none);
  EXPECT_EQ(parse_authorization("   ").scheme, auth_scheme::none);
  EXPECT_EQ(parse_authorization("Bearer").credentials, "");
}

TEST(basic_decoding, the_three_client_encodings_of_the_contract) {
  const std::string tenant = "2d5a1c9e-7b3f-4e8a-9c1d-0f6e5b4a3c21";
  // browser SDK: btoa(encodeURIComponent(id)), no colon
  EXPECT_EQ(decode_basic_user("MmQ1YTFjOWUtN2IzZi00ZThhLTljMWQtMGY2ZTViNGEzYzIx"), tenant);
  // curl -u "id:" / Android
  EXPECT_EQ(decode_basic_user("MmQ1YTFjOWUtN2IzZi00ZThhLTljMWQtMGY2ZTViNGEzYzIxOg=="), tenant);
  // iOS: base64url of "id:", unpadded
  EXPECT_EQ(decode_basic_user("MmQ1YTFjOWUtN2IzZi00ZThhLTljMWQtMGY2ZTViNGEzYzIxOg"), tenant);
}

TEST(basic_decoding, secret_key_with_colon_and_percent_encoding) {
  EXPECT_EQ(decode_basic_user("c2tfdGVzdF9hYmM6"), "sk_test_abc");  // "sk_test_abc:"
  // encodeURIComponent("a b@c") = "a%20b%40c"
  EXPECT_EQ(decode_basic_user(core::base64_encode(core::as_bytes("a%20b%40c"))), "a b@c");
  // base64url alphabet characters map back to the standard alphabet
  const std::string raw = "\xfb\xff:";  // encodes to "+/86" in standard base64
  EXPECT_EQ(core::base64_encode(core::as_bytes(raw)), "+/86");
}

TEST(basic_decoding, garbage_is_refused) {
  EXPECT_FALSE(decode_basic_user(""));
  EXPECT_FALSE(decode_basic_user("!!!!"));
  EXPECT_FALSE(decode_basic_user("Og=="));  // ":" → empty user
  EXPECT_FALSE(decode_basic_user(core::base64_encode(core::as_bytes("bad%zzescape"))));
  EXPECT_FALSE(decode_basic_user(core::base64_encode(core::as_bytes("trailing%4"))));
  EXPECT_FALSE(decode_basic_user(std::string(5000, 'A')));
}

}  // namespace
}  // namespace signet::service
